// The edge between the Pulumi runtime and the pure settings modules: collects the config the CLI handed to this
// process (values with project defaults merged, and which keys were secrets) and hands it to them.

import { homedir } from "node:os";
import * as pulumi from "@pulumi/pulumi";
import { hostFiles } from "./host-files.js";
import { parseReleaseSettings, type ReleaseSettings } from "./release.js";
import type { RawConfig } from "./schema.js";

/** Key under which the CLI lists the secret config keys (see @pulumi/pulumi runtime/config). */
const SECRET_KEYS_VAR = "PULUMI_CONFIG_SECRET_KEYS";

/**
 * Which config keys were secrets. @pulumi/pulumi keeps this list beside the values but types no getter for it, so
 * this reads the exported runtime function when present and otherwise the environment variable the CLI sets.
 * With neither, no key counts as secret, so a password is refused as plain text (fail closed).
 */
function secretKeys(): Set<string> {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  const all = Object.keys(pulumi.runtime.allConfig());
  if (typeof runtime.isConfigSecret === "function") return new Set(all.filter((k) => runtime.isConfigSecret!(k)));
  try {
    const listed: unknown = JSON.parse(process.env[SECRET_KEYS_VAR] ?? "[]");
    return new Set(Array.isArray(listed) ? listed.filter((k): k is string => typeof k === "string") : []);
  } catch {
    return new Set();
  }
}

export function readRawConfig(): RawConfig {
  return {
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    values: pulumi.runtime.allConfig(),
    secretKeys: secretKeys(),
    homeDir: homedir(),
    ...hostFiles,
  };
}

/** Reads the release keys from the config the CLI handed this process, and the credentials from `env`. */
export function readReleaseSettings(env: NodeJS.ProcessEnv): ReleaseSettings {
  return parseReleaseSettings(readRawConfig(), env);
}
