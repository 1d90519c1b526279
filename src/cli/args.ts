// Command-line arguments of `npm run up` / `npm run down`.

import { parseArgs } from "node:util";

export const DEFAULT_STACK = "dev";
/** Pulumi's rule for stack names (without an organisation prefix). */
export const STACK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export interface CliArgs {
  readonly stack: string;
  readonly help: boolean;
  /** Skip the Docker pre-pull (the update then pulls without per-layer progress). */
  readonly skipPull: boolean;
}

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export function usage(command: "up" | "down"): string {
  const what = command === "up" ? "Provision (or update) the sandbox and print its URL." : "Remove the sandbox container; the volumes (your data) stay.";
  return [
    `usage: npm run ${command} [-- --stack NAME${command === "up" ? " [--skip-pull]" : ""}]`,
    "",
    what,
    "",
    `  --stack, -s NAME  stack to use (default: ${DEFAULT_STACK}; created when missing; its config: stacks/Pulumi.NAME.yaml)`,
    ...(command === "up" ? ["  --skip-pull       let the update pull the image (no per-layer progress)"] : []),
    "  --help, -h        this text",
    "",
    "Environment: PULUMI_BACKEND_URL (default: a file backend in .pulumi-state/), PULUMI_CONFIG_PASSPHRASE or",
    "PULUMI_CONFIG_PASSPHRASE_FILE (default with the local backend: .pulumi-state/passphrase, created on first use).",
  ].join("\n");
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string", short: "s" },
        help: { type: "boolean", short: "h" },
        "skip-pull": { type: "boolean" },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const stack = parsed.values.stack ?? DEFAULT_STACK;
  if (!STACK_NAME_RE.test(stack)) throw new UsageError(`--stack "${stack}" is not a stack name: use 1-100 of [A-Za-z0-9_.-], starting with a letter or digit`);
  return { stack, help: parsed.values.help ?? false, skipPull: parsed.values["skip-pull"] ?? false };
}
