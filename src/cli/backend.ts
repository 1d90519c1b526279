// Where Pulumi keeps state for the CLI: a file backend in the user's state directory (XDG: `$XDG_STATE_HOME`, default
// `~/.local/state`, then `opencode-cloud/pulumi`), so it survives deleting the clone, unless PULUMI_BACKEND_URL says
// otherwise; no account is needed. The local backend's secrets are encrypted with a passphrase: the user's
// PULUMI_CONFIG_PASSPHRASE(_FILE) when set, else a generated one kept beside the state (created once, mode 0600).
// State left inside a clone by earlier versions (`.pulumi-state/`) is moved there once, with a message.

import { randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { pathToFileURL } from "node:url";
import { USER_STATE } from "../facts.js";

type Env = Readonly<Record<string, string | undefined>>;

export interface BackendPlan {
  /** Environment for the Pulumi CLI. */
  readonly env: Record<string, string>;
  readonly description: string;
  /** The local state directory, when the backend is the default one. */
  readonly stateDir?: string;
  /** Set when the passphrase file has to be created before use. */
  readonly createPassphraseFile?: string;
  /** Set when state found inside the clone has to be moved to `stateDir` first. */
  readonly migrateFrom?: string;
  /** What to tell the user about state found inside the clone. */
  readonly notice?: string;
}

/** What exists on disk, as planBackend needs to know it. */
export interface BackendFacts {
  /** `<clone>/.pulumi-state` exists. */
  readonly legacyExists: boolean;
  /** The user state directory already holds a backend (its `.pulumi` directory). */
  readonly stateExists: boolean;
  /** The passphrase file exists where it will be used (after a move, the moved one counts). */
  readonly passphraseFileExists: boolean;
}

/** `$XDG_STATE_HOME` when it is an absolute path (the spec ignores relative ones), else `~/.local/state`. */
export function userStateHome(env: Env, homeDir: string): string {
  const xdg = env["XDG_STATE_HOME"];
  return xdg && isAbsolute(xdg) ? xdg : join(homeDir, ".local", "state");
}

export function localStateDir(env: Env, homeDir: string): string {
  return join(userStateHome(env, homeDir), USER_STATE.app, USER_STATE.pulumi);
}

/** Pure: what backend and secrets settings to use, and whether state in the clone moves. */
export function planBackend(projectDir: string, env: Env, homeDir: string, facts: BackendFacts): BackendPlan {
  const custom = env["PULUMI_BACKEND_URL"];
  const legacy = join(projectDir, USER_STATE.legacyStateDir);
  if (custom) {
    return {
      env: { PULUMI_BACKEND_URL: custom },
      description: `backend ${custom} (PULUMI_BACKEND_URL)`,
      ...(facts.legacyExists ? { notice: `${legacy} is not used: PULUMI_BACKEND_URL points elsewhere.` } : {}),
    };
  }
  const stateDir = localStateDir(env, homeDir);
  const move = facts.legacyExists && !facts.stateExists;
  const notice = !facts.legacyExists
    ? undefined
    : move
      ? `Moved the Pulumi state from ${legacy} to ${stateDir}, so it survives deleting this clone.`
      : `${legacy} is not used: the state in ${stateDir} is. Delete ${legacy} once you no longer need it.`;
  const base = { stateDir, ...(move ? { migrateFrom: legacy } : {}), ...(notice ? { notice } : {}) };
  const backend = { PULUMI_BACKEND_URL: pathToFileURL(stateDir).href };
  const hasPassphrase = env["PULUMI_CONFIG_PASSPHRASE"] !== undefined || env["PULUMI_CONFIG_PASSPHRASE_FILE"] !== undefined;
  if (hasPassphrase) return { env: backend, description: `local state in ${stateDir} (passphrase from your environment)`, ...base };
  const file = join(stateDir, USER_STATE.passphraseFile);
  return {
    env: { ...backend, PULUMI_CONFIG_PASSPHRASE_FILE: file },
    description: `local state in ${stateDir} (secrets encrypted with the passphrase in ${file}: keep it, it decrypts your stack's secrets)`,
    ...base,
    ...(facts.passphraseFileExists ? {} : { createPassphraseFile: file }),
  };
}

/** Moves a directory, across file systems too. */
function moveDir(from: string, to: string): void {
  mkdirSync(join(to, ".."), { recursive: true, mode: 0o700 });
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    cpSync(from, to, { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
    rmSync(from, { recursive: true });
  }
}

export function prepareBackend(projectDir: string, homeDir: string, env: Env = process.env, log: (line: string) => void = () => undefined): BackendPlan {
  const legacy = join(projectDir, USER_STATE.legacyStateDir);
  const stateDir = localStateDir(env, homeDir);
  const legacyExists = existsSync(legacy);
  const stateExists = existsSync(join(stateDir, ".pulumi"));
  const moving = legacyExists && !stateExists && !env["PULUMI_BACKEND_URL"];
  const passphraseFileExists = existsSync(join(moving ? legacy : stateDir, USER_STATE.passphraseFile));
  const plan = planBackend(projectDir, env, homeDir, { legacyExists, stateExists, passphraseFileExists });
  if (plan.migrateFrom && plan.stateDir) {
    // An empty directory makes room for the move; anything else there is the user's to sort out.
    if (existsSync(plan.stateDir)) {
      if (readdirSync(plan.stateDir).length > 0) throw new Error(`Cannot move ${plan.migrateFrom} to ${plan.stateDir}: that directory holds other files. Move or remove one of them, or set PULUMI_BACKEND_URL.`);
      rmSync(plan.stateDir, { recursive: true });
    }
    moveDir(plan.migrateFrom, plan.stateDir);
  }
  if (plan.stateDir) mkdirSync(plan.stateDir, { recursive: true, mode: 0o700 });
  if (plan.notice) log(plan.notice);
  if (plan.createPassphraseFile) writeFileSync(plan.createPassphraseFile, `${randomBytes(24).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  return plan;
}
