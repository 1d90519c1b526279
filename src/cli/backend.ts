// Where Pulumi keeps state for `npm run up`: a file backend inside the project unless PULUMI_BACKEND_URL says
// otherwise, so no account is needed. The local backend's secrets are encrypted with a passphrase: the user's
// PULUMI_CONFIG_PASSPHRASE(_FILE) when set, else a generated one kept beside the state (created once, mode 0600).

import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const STATE_DIR = ".pulumi-state";
export const PASSPHRASE_FILE = "passphrase";

export interface BackendPlan {
  /** Environment for the Pulumi CLI. */
  readonly env: Record<string, string>;
  readonly description: string;
  /** Set when the passphrase file has to be created before use. */
  readonly createPassphraseFile?: string;
}

/** Pure: what backend and secrets settings to use. */
export function planBackend(projectDir: string, env: Readonly<Record<string, string | undefined>>, passphraseFileExists: boolean): BackendPlan {
  const custom = env["PULUMI_BACKEND_URL"];
  const hasPassphrase = env["PULUMI_CONFIG_PASSPHRASE"] !== undefined || env["PULUMI_CONFIG_PASSPHRASE_FILE"] !== undefined;
  if (custom) {
    return { env: { PULUMI_BACKEND_URL: custom }, description: `backend ${custom} (PULUMI_BACKEND_URL)` };
  }
  const stateDir = join(projectDir, STATE_DIR);
  const backend = { PULUMI_BACKEND_URL: pathToFileURL(stateDir).href };
  if (hasPassphrase) return { env: backend, description: `local state in ${STATE_DIR}/ (passphrase from your environment)` };
  const file = join(stateDir, PASSPHRASE_FILE);
  return {
    env: { ...backend, PULUMI_CONFIG_PASSPHRASE_FILE: file },
    description: `local state in ${STATE_DIR}/ (secrets encrypted with the passphrase in ${STATE_DIR}/${PASSPHRASE_FILE}: keep it, it decrypts your stack's secrets)`,
    ...(passphraseFileExists ? {} : { createPassphraseFile: file }),
  };
}

export function prepareBackend(projectDir: string, env: Readonly<Record<string, string | undefined>> = process.env): BackendPlan {
  mkdirSync(join(projectDir, STATE_DIR), { recursive: true });
  const plan = planBackend(projectDir, env, existsSync(join(projectDir, STATE_DIR, PASSPHRASE_FILE)));
  if (plan.createPassphraseFile) writeFileSync(plan.createPassphraseFile, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  return plan;
}
