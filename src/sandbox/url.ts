// The URL a user opens: the published address, or the Docker host's name when the port is published on all
// interfaces of a remote host.

import { isIP } from "node:net";

const ALL_INTERFACES = new Set(["0.0.0.0", "::", "0:0:0:0:0:0:0:0"]);

export function sandboxUrl(bindAddress: string, port: number, dockerHost?: string): string {
  let host = bindAddress;
  if (ALL_INTERFACES.has(bindAddress)) {
    host = "localhost";
    if (dockerHost && /^(ssh|tcp):/.test(dockerHost)) host = new URL(dockerHost).hostname || host;
  }
  if (isIP(host.replace(/^\[|\]$/g, "")) === 6) host = `[${host.replace(/^\[|\]$/g, "")}]`;
  return `http://${host}:${port}`;
}

/**
 * The SSH tunnel that reaches a port published on a remote host's loopback address, or "" when none is needed
 * (local engine, or a port published on the network).
 */
export function sandboxTunnel(bindAddress: string, port: number, dockerHost?: string): string {
  if (!dockerHost?.startsWith("ssh:") || ALL_INTERFACES.has(bindAddress) || !/^(127\.|::1$)/.test(bindAddress)) return "";
  const url = new URL(dockerHost);
  const target = `${url.username ? `${url.username}@` : ""}${url.hostname}`;
  const sshPort = url.port ? ` -p ${url.port}` : "";
  const remote = bindAddress.includes(":") ? `[${bindAddress}]` : bindAddress;
  return `ssh -N${sshPort} -L ${port}:${remote}:${port} ${target}`;
}
