// Names: the container's and the volumes' (each defaults to `<project>-<stack>`).

import { VOLUME_KINDS, type VolumeKind } from "../../facts.js";
import { fullKey, type RawConfig } from "../schema.js";
import { SandboxKeyReader, type Checked } from "./keys.js";

/** Docker's rule for container and volume names. */
export const DOCKER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const ALLOWED = "2 or more of [a-zA-Z0-9_.-], starting with a letter or digit";

export interface NameSettings {
  readonly containerName: string;
  /** The stack's own bridge network: `<containerName>-net`. */
  readonly networkName: string;
  readonly volumeNames: Readonly<Record<VolumeKind, string>>;
}

export function readNames(raw: Pick<RawConfig, "values" | "project" | "stack">): Checked<NameSettings> {
  const keys = new SandboxKeyReader(raw.values);
  const defaultName = `${raw.project}-${raw.stack}`;

  const containerName = keys.str("containerName") || defaultName;
  if (!DOCKER_NAME_RE.test(containerName)) {
    keys.fail(fullKey("containerName"), `"${containerName}" is not a valid container name`, ALLOWED);
  }
  const volumePrefix = keys.str("volumePrefix") || defaultName;
  const volumeNames = Object.fromEntries(VOLUME_KINDS.map((kind) => [kind, `${volumePrefix}-${kind}`])) as Record<VolumeKind, string>;
  if (!DOCKER_NAME_RE.test(volumePrefix)) {
    keys.fail(fullKey("volumePrefix"), `"${volumePrefix}" does not make valid volume names`, ALLOWED);
  }

  return keys.checked({ containerName, networkName: `${containerName}-net`, volumeNames });
}
