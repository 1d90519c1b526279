// Each member's password, derived from the stack's secret seed: HMAC-SHA256(seed, "<stack>/<member>"), base64url.
// The same on every run (a no-op `up` changes nothing, no random provider, no state to read back), different for
// every member and stack, and unknowable without the seed; changing the seed rotates every password.

import { createHmac } from "node:crypto";
import { Secret } from "../config/secret.js";

export function memberPassword(seed: Secret, stack: string, member: string): Secret {
  return new Secret(createHmac("sha256", seed.reveal()).update(`${stack}/${member}`).digest("base64url"));
}
