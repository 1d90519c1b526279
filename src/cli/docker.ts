// The Docker API side of `npm run up`: connect to the stack's Docker host, check the daemon answers, and pre-pull
// the pinned image with per-layer progress so the update then finds it present.

import type Docker from "dockerode";
import { parseReference } from "../oci/reference.js";
import { registryCredential, execCredentialHelper, readDockerConfig } from "../oci/credentials.js";
import { classifyDaemonError, describeEndpoint } from "./docker-check.js";
import { sshDialArgs, SshDialAgent } from "./ssh-dial.js";
import { applyPullEvent, emptyPull, progressLogLines, renderPull, type PullEvent, type PullState } from "./progress.js";

type Env = Readonly<Record<string, string | undefined>>;

export class DaemonError extends Error {
  override readonly name = "DaemonError";
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

/**
 * dockerode connection options for the engine Pulumi will use: the stack's `docker:host`, else DOCKER_HOST from the
 * same environment, else the default socket. A non-loopback tcp:// host without TLS is refused: registry
 * credentials would cross the network in the clear to an endpoint nobody verified. An ssh:// host goes through the
 * system ssh with the stack's `docker:sshOpts` (see ssh-dial.ts: host keys, the user's keys and ssh config), as the
 * docker provider does.
 */
export function dockerOptions(stackHost: string | undefined, env: Env, sshOpts: readonly string[] = []): Docker.DockerOptions {
  const host = stackHost ?? env["DOCKER_HOST"];
  if (!host) return { socketPath: "/var/run/docker.sock" };
  const key = stackHost ? "docker:host" : "DOCKER_HOST";
  const url = new URL(host);
  if (url.protocol === "tcp:" && !env["DOCKER_TLS_VERIFY"] && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new DaemonError(
      `${key} ${host}: plain tcp:// to another machine is refused (no TLS: the engine is unverified and registry credentials would travel in the clear). ` +
        "Allowed: ssh://user@host, a loopback tcp:// address, or tcp:// with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH.",
    );
  }
  switch (url.protocol) {
    case "unix:":
      return { socketPath: url.pathname };
    case "npipe:":
      return { socketPath: host.slice("npipe:".length) };
    case "tcp:":
      return { protocol: env["DOCKER_TLS_VERIFY"] ? "https" : "http", host: url.hostname, port: url.port || (env["DOCKER_TLS_VERIFY"] ? "2376" : "2375") };
    case "ssh:":
      // docker-modem hands every request to `agent` (its DockerOptions type does not declare the field).
      return { protocol: "http", host: url.hostname, port: url.port || "22", agent: new SshDialAgent(sshDialArgs(host, sshOpts)) } as Docker.DockerOptions;
    default:
      throw new Error(`docker:host ${host}: unsupported scheme ${url.protocol}`);
  }
}

/**
 * The Docker client library, loaded on first use (its SSH and gRPC modules take about 0.4 s of CPU): a command
 * that calls this early loads it while its first `pulumi` call runs.
 */
export function loadDockerClient(): Promise<typeof Docker> {
  return import("dockerode").then((m) => m.default);
}

export async function connectDocker(host: string | undefined, env: Env = process.env, sshOpts: readonly string[] = []): Promise<Docker> {
  const DockerClient = await loadDockerClient();
  const docker = new DockerClient(dockerOptions(host, env, sshOpts));
  try {
    await docker.ping();
  } catch (e) {
    throw new DaemonError(classifyDaemonError(e, describeEndpoint(host, env)).message);
  }
  return docker;
}

export interface ProgressOutput {
  write(text: string): void;
  readonly isTTY?: boolean;
}

/**
 * Pulls `name@digest` through the Docker API, drawing one line per layer (redrawn in place on a terminal); returns
 * the pulled image's ID.
 */
export async function pullWithProgress(docker: Docker, pinned: string, platform: string | undefined, out: ProgressOutput, env: Env = process.env): Promise<string> {
  const ref = parseReference(pinned);
  const credential = await registryCredential(ref.registry, { env, dockerConfig: await readDockerConfig(env), helper: execCredentialHelper });
  const auth = credential ? { username: credential.username, password: credential.password, serveraddress: ref.registry } : undefined;
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    docker.pull(pinned, platform ? { platform } : {}, (err, s) => (err ? reject(err) : resolve(s!)), auth),
  );
  let state: PullState = emptyPull;
  let drawn = 0;
  let last = 0;
  const draw = (force: boolean): void => {
    if (!out.isTTY) return;
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const lines = renderPull(state);
    out.write(`${drawn > 0 ? `\x1b[${drawn}F` : ""}${lines.map((l) => `\x1b[2K${l}`).join("\n")}\n`);
    drawn = lines.length;
  };
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : resolve()),
      (event: PullEvent) => {
        try {
          const next = applyPullEvent(state, event);
          if (!out.isTTY) for (const line of progressLogLines(state, next)) out.write(`${line}\n`);
          state = next;
          draw(false);
        } catch (e) {
          reject(e);
        }
      },
    );
  });
  draw(true);
  return (await docker.getImage(pinned).inspect()).Id;
}
