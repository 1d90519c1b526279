// Stack config -> validated, typed settings for the sandbox program. Pure: the values come in as the CLI hands them
// to the program (strings, project defaults merged, the set of keys that were secrets). One reader per concern
// (src/config/sandbox/: network, auth, image source, names, host access, container, workspace) checks its own keys; this module runs them all
// and reports every problem at once, each naming its key and what the key accepts.

import { ConfigError, ConfigErrors } from "./errors.js";
import { readAuth, type AuthSettings } from "./sandbox/auth.js";
import { readContainer, type ContainerSettings } from "./sandbox/container.js";
import { readHostAccess, type HostAccessSettings } from "./sandbox/host-access.js";
import { readImageSource, type ImageSettings } from "./sandbox/image-source.js";
import { SandboxKeyReader, type Checked } from "./sandbox/keys.js";
import { readNames, type NameSettings } from "./sandbox/names.js";
import { readNetwork, type NetworkSettings } from "./sandbox/network.js";
import { readWorkspace, type WorkspaceSettings } from "./sandbox/workspace.js";
import { fullKey, SANDBOX_KEYS, unknownProjectKeys, type RawConfig } from "./schema.js";

// What callers of the sandbox settings (tests/unit/config/settings.test.ts among them) import from this module.
export { isLoopback } from "./sandbox/network.js";
export { localBuildTag } from "./sandbox/image-source.js";
export type { RawConfig } from "./schema.js";

export interface SandboxSettings extends NetworkSettings, AuthSettings, ImageSettings, NameSettings, HostAccessSettings, ContainerSettings, WorkspaceSettings {
  readonly project: string;
  readonly stack: string;
}

export const MODES = ["sandbox", "release", "team"] as const;
export type Mode = (typeof MODES)[number];

/** Reads `opencode-cloud:mode` alone (index.ts picks the program with it before any other validation). */
export function parseMode(raw: Pick<RawConfig, "values">): Mode {
  const value = raw.values[fullKey("mode")] ?? String(SANDBOX_KEYS.mode.default);
  if (!(MODES as readonly string[]).includes(value)) {
    throw new ConfigErrors([new ConfigError(fullKey("mode"), `"${value}" is not a mode`, MODES.join(", "))]);
  }
  return value as Mode;
}

/** The keys no single concern owns: the mode, and project keys nothing reads. */
function readProjectKeys(raw: Pick<RawConfig, "values">): Checked<undefined> {
  const keys = new SandboxKeyReader(raw.values);
  // The sandbox program only runs in sandbox mode, but a bad value is still reported with the rest.
  keys.oneOf("mode", MODES);
  // A key of this project that nothing reads is a typo (`opencode-cloud:prot`), not a harmless extra.
  for (const key of unknownProjectKeys(raw.values)) {
    keys.fail(key, "is not a config key of this project", "the keys Pulumi.yaml declares (README: Configuration)");
  }
  return keys.checked(undefined);
}

/**
 * Turns raw config into settings, or throws ConfigErrors listing every bad value.
 * `published` are the published image names in pull order (Docker Hub, GHCR).
 */
export function parseSettings(raw: RawConfig, published: readonly string[]): SandboxSettings {
  const project = readProjectKeys(raw);
  const network = readNetwork(raw);
  const image = readImageSource(raw, published);
  const names = readNames(raw);
  const hostAccess = readHostAccess(raw);
  const auth = readAuth(raw);
  const container = readContainer(raw);
  const workspace = readWorkspace(raw);

  const errors = [project, network, auth, image, names, hostAccess, container, workspace].flatMap((read) => read.errors);
  if (errors.length > 0) throw new ConfigErrors(errors);

  return {
    project: raw.project,
    stack: raw.stack,
    ...network.value,
    ...auth.value,
    ...image.value,
    ...names.value,
    ...hostAccess.value,
    ...container.value,
    ...workspace.value,
  };
}
