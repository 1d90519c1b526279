// Drives an action the way the runner does (scripts/lib/run-action.ts), with the stand-in tools' call log.

import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, runActionBundle, type RunnerResult } from "../../scripts/lib/run-action.js";

export { errorOf, parseOutputs, ROOT } from "../../scripts/lib/run-action.js";
const FAKES = join(ROOT, "tests", "actions", "fakes");

export interface ActionRun extends RunnerResult {
  /** Command lines the stand-in tools received, in order. */
  calls: { tool: string; argv: string[] }[];
}

/** A fresh temp dir for one run (cwd, runner temp, tool cache, stand-ins). */
export async function workDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "oc-action-"));
}

/** Writes an executable `name` into `dir` that runs tests/actions/fakes/<fake>.mjs with node; returns its path. */
export async function standIn(dir: string, fake: "trivy" | "dive" | "cosign" | "docker"): Promise<string> {
  const path = join(dir, `${fake}-standin`);
  await writeFile(path, `#!/bin/sh\nexec "${process.execPath}" "${join(FAKES, `${fake}.mjs`)}" "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

/** Runs one action's bundle with the given inputs (names as in action.yml) and extra environment. */
export async function runAction(
  name: string,
  dir: string,
  inputs: Record<string, string>,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  const logFile = join(dir, "calls.jsonl");
  const run = await runActionBundle(name, dir, inputs, { FAKE_LOG: logFile, ...env });
  const calls = (await readFile(logFile, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { tool: string; argv: string[] });
  return { ...run, calls };
}
