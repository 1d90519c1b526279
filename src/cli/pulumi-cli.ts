// The Pulumi CLI the commands run: the one on PATH, else the pinned version installed through the SDK's
// PulumiCommand, else an exact instruction; and how one run of it goes.

import { spawn } from "node:child_process";
import { dirname, isAbsolute } from "node:path";
// The SDK's CLI finder alone: the Automation API's index loads the whole SDK (about 1.3 s of CPU here).
import { PulumiCommand } from "@pulumi/pulumi/automation/cmd.js";
import { version as SDK_VERSION } from "@pulumi/pulumi/version.js";
import semver from "semver";

/** The CLI version installed when none is found: the SDK's own version. */
export const PINNED_CLI_VERSION = SDK_VERSION;

export function installInstruction(version = PINNED_CLI_VERSION): string {
  return `Install the Pulumi CLI ${version}: curl -fsSL https://get.pulumi.com | sh -s -- --version ${version} (then open a new shell so it is on PATH), and run this again.`;
}

/** How a CLI on PATH is run. */
export const DEFAULT_CLI = "pulumi";

export async function ensurePulumiCli(log: (line: string) => void): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch {
    // not on PATH (or too old): install the pinned version below
  }
  log(`The Pulumi CLI is not on PATH; installing ${PINNED_CLI_VERSION} through the SDK's PulumiCommand (~/.pulumi/versions/${PINNED_CLI_VERSION}) ...`);
  try {
    return await PulumiCommand.install({ version: new semver.SemVer(PINNED_CLI_VERSION) });
  } catch (e) {
    throw new Error(`Could not install the Pulumi CLI automatically (${(e as Error).message.split("\n")[0]}). ${installInstruction()}`);
  }
}

/** Where a CLI run works and reports. */
export interface RunOptions {
  readonly cwd: string;
  /** Added to this process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Standard output, as it comes (it is also the answer). */
  readonly onOutput?: (text: string) => void;
  /** Written to the CLI's standard input (a secret value, kept off the command line). */
  readonly input?: string;
}

/** The command's words before its first flag (`stack select`), for messages. */
function commandWords(args: readonly string[]): string {
  const end = args.findIndex((a) => a.startsWith("-"));
  const words = end === -1 ? args : args.slice(0, end);
  return (words.length > 0 ? words : args.slice(0, 1)).join(" ");
}

/**
 * Runs the CLI `command` non-interactively, as the Automation API does (the CLI's own directory first on PATH, for
 * the plugins installed beside it); answers its standard output, streamed to `onOutput` as it comes; rejects with the
 * exit code and standard error when it fails.
 */
export function runPulumi(command: string, args: readonly string[], opts: RunOptions): Promise<string> {
  const path = isAbsolute(command) ? `${dirname(command)}:${opts.env["PATH"] ?? process.env["PATH"] ?? ""}` : undefined;
  const env = { ...process.env, ...opts.env, ...(path ? { PATH: path } : {}), PULUMI_AUTOMATION_API: "true" };
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args, "--non-interactive"], { cwd: opts.cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      opts.onOutput?.(text);
    });
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdin.on("error", () => undefined); // a CLI that exits without reading its input fails below, with its own message
    child.stdin.end(opts.input ?? "");
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`pulumi ${commandWords(args)} exited with code ${code}${stderr.trim() ? `:\n${stderr.trim()}` : ""}`));
    });
  });
}
