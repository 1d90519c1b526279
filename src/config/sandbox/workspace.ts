// What the user brings into the sandbox: host folders mounted under the workspace, and environment variables (plain,
// and secret ones that only ever travel as Pulumi secrets).

import { isAbsolute, posix } from "node:path";
import { RESERVED_ENV, VOLUMES, WORKSPACE_DIR } from "../../facts.js";
import { DOCKER_KEYS, fullKey, type RawConfig } from "../schema.js";
import { Secret } from "../secret.js";
import { SandboxKeyReader, type Checked } from "./keys.js";
import { isRemoteHost } from "./host-access.js";

export interface HostFolder {
  /** Absolute path on the Docker host. */
  readonly hostPath: string;
  /** Absolute path in the sandbox, under the workspace. */
  readonly target: string;
  readonly readOnly: boolean;
}

export interface WorkspaceSettings {
  readonly folders: readonly HostFolder[];
  readonly env: Readonly<Record<string, string>>;
  readonly secretEnv: Readonly<Record<string, Secret>>;
}

const FOLDER_FORMAT = "HOST_PATH:PATH_IN_WORKSPACE[:ro] (or :rw), e.g. /home/me/code/app:app:ro";
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `inner` is `outer` or below it. */
const within = (inner: string, outer: string) => inner === outer || inner.startsWith(`${outer}/`);

export function readWorkspace(raw: Pick<RawConfig, "values" | "secretKeys" | "pathExists">): Checked<WorkspaceSettings> {
  const keys = new SandboxKeyReader(raw.values);
  const local = !isRemoteHost(raw.values[DOCKER_KEYS.host]);

  const folders: HostFolder[] = [];
  const foldersKey = fullKey("folders");
  for (const entry of keys.list("folders")) {
    const parts = entry.split(":");
    const mode = parts.length === 3 ? parts[2] : "rw";
    const [hostPath = "", relative = ""] = parts;
    const target = posix.normalize(posix.join(WORKSPACE_DIR, relative));
    if (parts.length < 2 || parts.length > 3 || (mode !== "ro" && mode !== "rw")) {
      keys.fail(foldersKey, `"${entry}" is not a folder entry`, FOLDER_FORMAT);
    } else if (!isAbsolute(hostPath)) {
      keys.fail(foldersKey, `"${hostPath}" in "${entry}" is not an absolute host path`, FOLDER_FORMAT);
    } else if (local && raw.pathExists && !raw.pathExists(hostPath)) {
      keys.fail(foldersKey, `${hostPath} in "${entry}" does not exist on this host`, "an existing folder on the Docker host");
    } else if (relative === "" || posix.isAbsolute(relative) || !within(target, WORKSPACE_DIR) || target === WORKSPACE_DIR) {
      keys.fail(foldersKey, `"${relative}" in "${entry}" is not a path inside the workspace`, `a relative path below ${WORKSPACE_DIR}, e.g. app or clients/acme`);
    } else if (Object.values(VOLUMES).some((v) => within(v, target))) {
      keys.fail(foldersKey, `${target} in "${entry}" would cover a volume`, `a path below ${WORKSPACE_DIR}`);
    } else if (folders.some((f) => f.target === target)) {
      keys.fail(foldersKey, `${target} is mounted twice`, "each path in the workspace once");
    } else {
      folders.push({ hostPath, target, readOnly: mode === "ro" });
    }
  }

  const readEnv = (key: "env" | "secretEnv"): Map<string, string> => {
    const full = fullKey(key);
    const found = new Map<string, string>();
    for (const entry of keys.list(key)) {
      const eq = entry.indexOf("=");
      const name = eq > 0 ? entry.slice(0, eq) : "";
      // Never echo a value: it may be a secret set in the wrong key.
      if (!ENV_NAME_RE.test(name)) keys.fail(full, `an entry ("${name || entry.slice(0, 20)}...") is not NAME=value`, "NAME=value with NAME of letters, digits and _, not starting with a digit");
      else if ((RESERVED_ENV as readonly string[]).includes(name)) keys.fail(full, `${name} is reserved`, `names other than ${RESERVED_ENV.join(", ")} (the password is opencode-cloud:password)`);
      else if (found.has(name)) keys.fail(full, `${name} is set twice`, "each name once");
      else found.set(name, entry.slice(eq + 1));
    }
    return found;
  };
  const env = readEnv("env");
  const secretEnvKey = fullKey("secretEnv");
  const secrets = readEnv("secretEnv");
  if (secrets.size > 0 && !raw.secretKeys.has(secretEnvKey)) {
    keys.fail(secretEnvKey, "is set as plain text", `a secret: pulumi config set --secret --path '${secretEnvKey}[0]' NAME=value`);
  }
  for (const name of secrets.keys()) if (env.has(name)) keys.fail(secretEnvKey, `${name} is also in ${fullKey("env")}`, "each name in one of the two");

  return keys.checked({
    folders,
    env: Object.fromEntries(env),
    secretEnv: raw.secretKeys.has(secretEnvKey) ? Object.fromEntries([...secrets].map(([k, v]) => [k, new Secret(v)])) : {},
  });
}
