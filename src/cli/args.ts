// Command-line arguments of every command (`npm run up`, `down`, `status`, `logs`, ...): one table of commands and
// their options, one parser. Pure.

import { parseArgs, type ParseArgsConfig } from "node:util";

export const DEFAULT_STACK = "dev";
/** Pulumi's rule for stack names (without an organisation prefix). */
export const STACK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

type Option = { readonly type: "string" | "boolean"; readonly short?: string; readonly help: string; readonly value?: string };

/** Every command, what it does, and its own options (besides --stack and --help, which all take). */
export const COMMANDS = {
  up: {
    summary: "Provision (or update) the sandbox and print its URL; repairs what was changed by hand.",
    options: { "skip-pull": { type: "boolean", help: "let the update pull the image (no per-layer progress)" } },
  },
  down: { summary: "Remove the sandbox container; the volumes (your data) stay.", options: {} },
  status: {
    summary: "Container state and health, URL, image, registry, uptime, volumes and their sizes (exit 0 only when healthy).",
    options: {},
  },
  logs: {
    summary: "The sandbox's logs, followed until Ctrl-C.",
    options: {
      "no-follow": { type: "boolean", help: "print what is there and exit" },
      tail: { type: "string", value: "N", help: "only the last N lines (default: all)" },
      since: { type: "string", value: "WHEN", help: "only lines since a duration ago (10m, 2h, 1d) or a time (2026-01-31T12:00:00Z)" },
    },
  },
  restart: { summary: "Restart the container and wait until it is healthy.", options: {} },
  stop: { summary: "Stop the container (it is kept: `restart` or `up` starts it again).", options: {} },
  open: {
    summary: "Open the sandbox's URL in a browser (or print it where there is none).",
    options: { print: { type: "boolean", help: "only print the URL" } },
  },
  backup: {
    summary: "Write every volume of the stack to a timestamped archive (the session database copied consistently).",
    options: { output: { type: "string", short: "o", value: "DIR", help: "directory for the archive (default: the backups directory, see README)" } },
  },
  restore: {
    summary: "Put an archive's volumes back (refuses while the sandbox runs, unless --force).",
    options: { force: { type: "boolean", help: "stop a running sandbox, restore, and start it again" } },
  },
} as const satisfies Record<string, { summary: string; options: Record<string, Option> }>;

export type CommandName = keyof typeof COMMANDS;
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

export interface CliArgs {
  readonly stack: string;
  readonly help: boolean;
  /** up: skip the Docker pre-pull (the update then pulls without per-layer progress). */
  readonly skipPull: boolean;
  /** logs */
  readonly follow: boolean;
  readonly tail?: number;
  readonly since?: string;
  /** open */
  readonly print: boolean;
  /** backup */
  readonly output?: string;
  /** restore: the archive, and whether a running sandbox may be stopped for it */
  readonly archive?: string;
  readonly force: boolean;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

const COMMON: Record<string, Option> = {
  stack: { type: "string", short: "s", value: "NAME", help: `stack to use (default: ${DEFAULT_STACK}; its config: stacks/Pulumi.NAME.yaml)` },
  help: { type: "boolean", short: "h", help: "this text" },
};

export function usage(command: CommandName): string {
  const spec = COMMANDS[command];
  const options: Record<string, Option> = { ...COMMON, ...spec.options };
  const flag = (name: string, o: Option) => `--${name}${o.short ? `, -${o.short}` : ""}${o.value ? ` ${o.value}` : ""}`;
  const width = Math.max(...Object.entries(options).map(([n, o]) => flag(n, o).length));
  const positional = command === "restore" ? " ARCHIVE" : "";
  return [
    `usage: npm run ${command} -- [options]${positional}`,
    "",
    spec.summary,
    "",
    ...Object.entries(options).map(([n, o]) => `  ${flag(n, o).padEnd(width)}  ${o.help}`),
    "",
    "Environment: PULUMI_BACKEND_URL (default: a file backend in your state directory, see README: State),",
    "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE (default: a passphrase file beside the local state).",
  ].join("\n");
}

/** `--tail N`: a whole number of lines. */
function tailLines(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text)) throw new UsageError(`--tail "${text}" is not a number of lines: use a whole number such as 100`);
  return Number(text);
}

export function parseCliArgs(command: CommandName, argv: readonly string[]): CliArgs {
  const options = Object.fromEntries(
    Object.entries({ ...COMMON, ...COMMANDS[command].options }).map(([n, o]: [string, Option]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  ) as ParseArgsConfig["options"];
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: command === "restore", strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const stack = (v["stack"] as string | undefined) ?? DEFAULT_STACK;
  if (!STACK_NAME_RE.test(stack)) throw new UsageError(`--stack "${stack}" is not a stack name: use 1-100 of [A-Za-z0-9_.-], starting with a letter or digit`);
  const help = v["help"] === true;
  if (command === "restore" && !help && parsed.positionals.length !== 1) {
    throw new UsageError(`restore takes one archive (given ${parsed.positionals.length}): npm run restore -- path/to/backup.tar.gz`);
  }
  const tail = tailLines(v["tail"] as string | undefined);
  const since = v["since"] as string | undefined;
  const output = v["output"] as string | undefined;
  const archive = parsed.positionals[0];
  return {
    stack,
    help,
    skipPull: v["skip-pull"] === true,
    follow: v["no-follow"] !== true,
    ...(tail !== undefined ? { tail } : {}),
    ...(since !== undefined ? { since } : {}),
    print: v["print"] === true,
    ...(output !== undefined ? { output } : {}),
    ...(archive !== undefined ? { archive } : {}),
    force: v["force"] === true,
  };
}

const SINCE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `--since`: a duration ago (`90s`, `10m`, `2h`, `1d`) or an ISO time, as Unix seconds for the Docker API. */
export function sinceEpochSeconds(text: string, nowMs: number): number {
  const duration = /^([0-9]+)([smhd])$/.exec(text);
  if (duration) return Math.floor(nowMs / 1000) - Number(duration[1]) * SINCE_UNITS[duration[2]!]!;
  const time = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) throw new UsageError(`--since "${text}" is neither a duration nor a time: use e.g. 10m, 2h, 1d or 2026-01-31T12:00:00Z`);
  return Math.floor(time / 1000);
}
