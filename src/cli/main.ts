// The shared main of every command script (scripts/up.ts, scripts/down.ts, scripts/sandbox.ts): arguments, then the
// command, then one clear message on failure (no stack trace for errors the user can fix) and the command's exit code.

import { ConfigError, ConfigErrors } from "../config/errors.js";
import { ImageResolutionError } from "../image/resolver.js";
import { COMMAND_NAMES, parseCliArgs, usage, UsageError, type CliArgs, type CommandName } from "./args.js";
import { defaultDeps, down, up, type Io } from "./commands.js";
import { DAY_TWO } from "./day-two.js";
import { DaemonError } from "./docker.js";
import { PullError } from "./progress.js";
import { NoSandboxError } from "./sandbox-view.js";

const EXPECTED = [UsageError, ConfigError, ConfigErrors, DaemonError, ImageResolutionError, PullError, NoSandboxError];

/** The text to print for a failure: its message for expected errors, the stack for bugs. */
export function failureText(error: unknown): string {
  if (EXPECTED.some((type) => error instanceof type)) return (error as Error).message;
  if (error instanceof Error && /Pulumi CLI|stack|passphrase|ENOENT/i.test(error.message)) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Each command: runs with the parsed arguments and returns its exit code. */
const RUN: Record<CommandName, (args: CliArgs, io: Io) => Promise<number>> = {
  up: async (args, io) => (await up(args, io), 0),
  down: async (args, io) => (await down(args, io), 0),
  ...Object.fromEntries(Object.entries(DAY_TWO).map(([name, run]) => [name, (args: CliArgs, io: Io) => run(args, io, defaultDeps)])),
} as Record<CommandName, (args: CliArgs, io: Io) => Promise<number>>;

export async function runCommand(command: string | undefined, argv: readonly string[]): Promise<void> {
  if (!command || !(COMMAND_NAMES as string[]).includes(command)) {
    console.error(`Unknown command ${command ?? "(none)"}: use one of ${COMMAND_NAMES.join(", ")}.`);
    process.exitCode = 1;
    return;
  }
  const name = command as CommandName;
  try {
    const args = parseCliArgs(name, argv);
    if (args.help) {
      console.log(usage(name));
      return;
    }
    process.exitCode = await RUN[name](args, { out: process.stdout, notes: process.stderr, env: process.env });
  } catch (error) {
    console.error(`\nnpm run ${name} failed: ${failureText(error)}`);
    if (error instanceof UsageError) console.error(`\n${usage(name)}`);
    process.exitCode = 1;
  }
}
