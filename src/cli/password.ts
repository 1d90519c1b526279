// The password `npm run up` generates when a stack has none (and has not opted out with allowUnauthenticated).

import { randomBytes } from "node:crypto";
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import { fullKey } from "../config/schema.js";

/** 24 random bytes: 32 URL-safe characters, far above the minimum length, nothing a shell or curl must escape. */
export function generatePassword(): string {
  return randomBytes(24).toString("base64url");
}

/** Pure: a stack needs a generated password when it sets none and has not opted out. */
export function needsPassword(config: ConfigMap): boolean {
  // Only the Docker sandbox has this password (a team stack derives each member's from its seed).
  if ((config[fullKey("mode")]?.value ?? "sandbox") !== "sandbox") return false;
  return (config[fullKey("password")]?.value ?? "") === "" && config[fullKey("allowUnauthenticated")]?.value !== "true";
}
