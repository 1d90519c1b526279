// Host access: the Docker host the program provisions on (docker:host, docker:sshOpts) and what of the host the
// sandbox may reach (opt-in: SSH keys mounted read-only, the Docker socket).

import { isAbsolute } from "node:path";
import { DOCKER_KEYS, fullKey, type RawConfig } from "../schema.js";
import { SandboxKeyReader, type Checked } from "./keys.js";

const DOCKER_HOST_SCHEMES = ["unix:", "tcp:", "ssh:", "npipe:"];

export interface HostAccessSettings {
  /** Host directory mounted read-only at ~/.ssh, when SSH keys are mounted. */
  readonly sshKeysDir?: string;
  readonly dockerAccess: boolean;
  readonly docker: { readonly host?: string; readonly sshOpts: readonly string[] };
}

/** A Docker host reached over the network (ssh://, tcp://): its paths are not this machine's. */
export function isRemoteHost(host: string | undefined): boolean {
  return host !== undefined && !host.startsWith("unix:") && !host.startsWith("npipe:");
}

export function readHostAccess(raw: Pick<RawConfig, "values" | "homeDir">): Checked<HostAccessSettings> {
  const keys = new SandboxKeyReader(raw.values);

  const host = raw.values[DOCKER_KEYS.host];
  if (host !== undefined) {
    let scheme = "";
    try {
      scheme = new URL(host).protocol;
    } catch {
      // reported below
    }
    if (!DOCKER_HOST_SCHEMES.includes(scheme)) {
      keys.fail(DOCKER_KEYS.host, `"${host}" is not a Docker host URL`, "unix:///path, tcp://host:port, ssh://user@host or npipe:////./pipe/name");
    }
  }
  const sshOptsText = raw.values[DOCKER_KEYS.sshOpts];
  let sshOpts: string[] = [];
  if (sshOptsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(sshOptsText);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((o) => typeof o === "string")) sshOpts = parsed as string[];
    else keys.fail(DOCKER_KEYS.sshOpts, `${sshOptsText} is not a list of strings`, 'a YAML list of ssh options, e.g. ["-o", "StrictHostKeyChecking=yes"]');
  }
  const remote = isRemoteHost(host);

  let sshKeysDir: string | undefined;
  const sshDirText = keys.str("sshKeysDir");
  if (sshDirText !== "" && !isAbsolute(sshDirText)) {
    keys.fail(fullKey("sshKeysDir"), `"${sshDirText}" is not an absolute path`, "an absolute directory path on the Docker host");
  }
  if (keys.bool("mountSshKeys")) {
    if (sshDirText !== "") sshKeysDir = sshDirText;
    else if (remote) {
      keys.fail(fullKey("sshKeysDir"), `is required with ${fullKey("mountSshKeys")} on the remote host ${host}`, "an absolute directory path on the Docker host");
    } else sshKeysDir = `${raw.homeDir}/.ssh`;
  }
  const dockerAccess = keys.bool("dockerAccess");

  return keys.checked({
    ...(sshKeysDir ? { sshKeysDir } : {}),
    dockerAccess,
    docker: { ...(host !== undefined ? { host } : {}), sshOpts },
  });
}
