// The Pulumi CLI the Automation API drives: the one on PATH, else the pinned version installed through the
// Automation API, else an exact instruction.

import { spawn } from "node:child_process";
import { dirname, isAbsolute } from "node:path";
import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { version as SDK_VERSION } from "@pulumi/pulumi/version.js";
import semver from "semver";

/** The CLI version installed when none is found: the SDK's own version. */
export const PINNED_CLI_VERSION = SDK_VERSION;

export function installInstruction(version = PINNED_CLI_VERSION): string {
  return `Install the Pulumi CLI ${version}: curl -fsSL https://get.pulumi.com | sh -s -- --version ${version} (then open a new shell so it is on PATH), and run this again.`;
}

export async function ensurePulumiCli(log: (line: string) => void): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch {
    // not on PATH (or too old): install the pinned version below
  }
  log(`The Pulumi CLI is not on PATH; installing ${PINNED_CLI_VERSION} through the Automation API (~/.pulumi/versions/${PINNED_CLI_VERSION}) ...`);
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
  /** Standard output, as it comes. */
  readonly onOutput: (text: string) => void;
}

/**
 * Runs the CLI `command` as the Automation API does (the CLI's own directory first on PATH, for the plugins installed
 * beside it), standard output streamed to `onOutput`; rejects with the exit code and standard error when it fails.
 */
export function runPulumi(command: string, args: readonly string[], opts: RunOptions): Promise<void> {
  const path = isAbsolute(command) ? `${dirname(command)}:${opts.env["PATH"] ?? process.env["PATH"] ?? ""}` : undefined;
  const env = { ...process.env, ...opts.env, ...(path ? { PATH: path } : {}), PULUMI_AUTOMATION_API: "true" };
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => opts.onOutput(chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`pulumi ${args[0] ?? ""} exited with code ${code}${stderr.trim() ? `:\n${stderr.trim()}` : ""}`));
    });
  });
}
