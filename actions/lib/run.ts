// Running the tools the actions drive: through @actions/exec with the whole environment passed on; a non-zero
// exit is the caller's to judge.

import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import * as exec from "@actions/exec";
import { InputError } from "./errors.js";

/** Refuses a `tool-path` that is not an executable file, naming the input. */
export async function checkToolPath(path: string, inputName: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) {
    throw new InputError(inputName, `"${path}" is not a file`, "the path of an installed executable, or empty to install the pinned release");
  }
  await access(path, constants.X_OK).catch(() => {
    throw new InputError(inputName, `"${path}" is not executable`, "the path of an installed executable, or empty to install the pinned release");
  });
}

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a tool with the environment passed on (plus `env`); never throws on a non-zero exit: the caller decides. */
export async function runTool(
  path: string,
  args: readonly string[],
  options: { env?: Record<string, string>; silent?: boolean } = {},
): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  return exec.getExecOutput(path, [...args], {
    ignoreReturnCode: true,
    silent: options.silent ?? false,
    env: { ...env, ...options.env },
  });
}

/** The error for a tool that exited non-zero: its name, the code and the end of what it wrote to stderr. */
export function toolFailure(name: string, result: RunResult, what: string): Error {
  const tail = result.stderr.trim().split("\n").slice(-10).join("\n");
  return new Error(`${name} failed while ${what} (exit code ${result.exitCode})${tail ? `:\n${tail}` : ""}`);
}
