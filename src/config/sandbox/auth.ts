// Authentication: opencode never runs without a password unless one explicit key opts out, and that opt-out is
// refused wherever a stranger reaching the port would get more than the sandbox (the host's SSH keys, the Docker
// socket, a non-loopback address).

import { fullKey, type RawConfig } from "../schema.js";
import { Secret } from "../secret.js";
import { isLoopback } from "./network.js";
import { SandboxKeyReader, type Checked } from "./keys.js";

/** Shortest password accepted; `npm run up` generates 32 characters. */
export const MIN_PASSWORD_LENGTH = 16;
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface AuthSettings {
  /** Absent only with `allowUnauthenticated: true`. */
  readonly password?: Secret;
}

/** The command that sets a password, for messages. */
export const SET_PASSWORD = `pulumi config set --secret ${fullKey("password")} "$(openssl rand -base64 24)" (or run npm run up, which generates one)`;

export function readAuth(raw: Pick<RawConfig, "values" | "secretKeys">): Checked<AuthSettings> {
  const keys = new SandboxKeyReader(raw.values);
  const key = fullKey("password");
  const text = keys.str("password");
  const optOut = keys.bool("allowUnauthenticated");
  const allowed = `a secret of ${MIN_PASSWORD_LENGTH} or more characters without control characters: ${SET_PASSWORD}`;

  let password: Secret | undefined;
  if (text !== "" && !raw.secretKeys.has(key)) {
    keys.fail(key, "is set as plain text", `a secret: pulumi config set --secret ${key} <password>`);
  } else if (text !== "" && CONTROL.test(text)) {
    keys.fail(key, "contains a control character (a newline, tab, ...)", allowed);
  } else if (text !== "" && [...text].length < MIN_PASSWORD_LENGTH) {
    keys.fail(key, `is ${[...text].length} characters long`, allowed);
  } else if (text !== "") {
    password = new Secret(text);
  }

  if (text === "" && !optOut) {
    keys.fail(key, "is required: opencode runs code for whoever reaches its port", `${allowed}; or ${fullKey("allowUnauthenticated")}: true on loopback (README: Authentication)`);
  }
  if (optOut) {
    const reasons: string[] = [];
    if (text !== "") reasons.push(`${key} is set too`);
    if (keys.str("dockerAccess") === "true") reasons.push(`${fullKey("dockerAccess")} is on (the Docker socket is root on the host)`);
    if (keys.str("mountSshKeys") === "true") reasons.push(`${fullKey("mountSshKeys")} is on (the host's SSH keys would be readable)`);
    const bind = keys.str("bindAddress");
    if (!isLoopback(bind)) reasons.push(`${fullKey("bindAddress")} ${bind} is not a loopback address`);
    if (reasons.length > 0) {
      keys.fail(fullKey("allowUnauthenticated"), `is refused because ${reasons.join(", ")}`, `false (the default) with a password: ${SET_PASSWORD}`);
    }
  }
  return keys.checked(password ? { password } : {});
}
