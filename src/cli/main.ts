// The shared main of scripts/up.ts and scripts/down.ts: arguments, then the command, then one clear message on
// failure (no stack trace for errors the user can fix).

import { ConfigError, ConfigErrors } from "../config/errors.js";
import { ImageResolutionError } from "../image/resolver.js";
import { parseCliArgs, usage, UsageError } from "./args.js";
import { down, up } from "./commands.js";
import { DaemonError } from "./docker.js";
import { PullError } from "./progress.js";

const EXPECTED = [UsageError, ConfigError, ConfigErrors, DaemonError, ImageResolutionError, PullError];

/** The text to print for a failure: its message for expected errors, the stack for bugs. */
export function failureText(error: unknown): string {
  if (EXPECTED.some((type) => error instanceof type)) return (error as Error).message;
  if (error instanceof Error && /Pulumi CLI|stack|passphrase/i.test(error.message)) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

export async function runCommand(command: "up" | "down", argv: readonly string[]): Promise<void> {
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      console.log(usage(command));
      return;
    }
    await (command === "up" ? up(args) : down(args));
  } catch (error) {
    console.error(`\nnpm run ${command} failed: ${failureText(error)}`);
    if (error instanceof UsageError) console.error(`\n${usage(command)}`);
    process.exitCode = 1;
  }
}
