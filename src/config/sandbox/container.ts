// The container's limits and privileges: memory, and whether the sandbox user has sudo.

import { fullKey, type RawConfig } from "../schema.js";
import { SandboxKeyReader, type Checked } from "./keys.js";

export const MIN_MEMORY_MB = 512;

export interface ContainerSettings {
  readonly memoryMb: number;
  readonly sudo: boolean;
}

export function readContainer(raw: Pick<RawConfig, "values">): Checked<ContainerSettings> {
  const keys = new SandboxKeyReader(raw.values);
  const text = keys.str("memoryLimitMb");
  let memoryMb = Number(keys.str("memoryLimitMb"));
  const allowed = `an integer of MiB, ${MIN_MEMORY_MB} or more`;
  if (!/^[0-9]+$/.test(text)) {
    keys.fail(fullKey("memoryLimitMb"), `"${text}" is not a number`, allowed);
    memoryMb = MIN_MEMORY_MB;
  } else if (memoryMb < MIN_MEMORY_MB) {
    keys.fail(fullKey("memoryLimitMb"), `${text} is below ${MIN_MEMORY_MB}`, allowed);
  }
  return keys.checked({ memoryMb, sudo: keys.bool("sudo") });
}
