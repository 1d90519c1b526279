// Drives an action the way the runner does: `node actions/<name>/dist/index.js` with INPUT_* variables and
// GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, then reads back the exit code, outputs and summary.

import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FAKES = join(ROOT, "tests", "actions", "fakes");

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Command lines the stand-in tools received, in order. */
  calls: { tool: string; argv: string[] }[];
  dir: string;
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
  const outputFile = join(dir, "github-output");
  const summaryFile = join(dir, "github-step-summary");
  const logFile = join(dir, "calls.jsonl");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const childEnv: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: dir,
    RUNNER_TEMP: join(dir, "runner-temp"),
    RUNNER_TOOL_CACHE: join(dir, "tool-cache"),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    FAKE_LOG: logFile,
    ...env,
  };
  // GitHub's naming: INPUT_ + the name upper-cased, spaces to underscores, dashes kept (INPUT_TOOL-PATH).
  for (const [key, value] of Object.entries(inputs)) childEnv[`INPUT_${key.replace(/ /g, "_").toUpperCase()}`] = value;
  const child = spawn(process.execPath, [join(ROOT, "actions", name, "dist", "index.js")], { cwd: dir, env: childEnv });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const calls = (await readFile(logFile, "utf8").catch(() => ""))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { tool: string; argv: string[] });
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(outputFile, "utf8")),
    summary: await readFile(summaryFile, "utf8"),
    calls,
    dir,
  };
}

/** Reads the GITHUB_OUTPUT file format: `name<<DELIM\nvalue\nDELIM` blocks. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const [, key, delimiter] = match;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!);
    outputs[key!] = value.join("\n");
  }
  return outputs;
}

/** The `::error::` message the action printed, if any. */
export function errorOf(run: ActionRun): string {
  return run.stdout
    .split("\n")
    .filter((l) => l.startsWith("::error::"))
    .map((l) => l.slice("::error::".length).replace(/%0A/g, "\n").replace(/%25/g, "%").replace(/%0D/g, "\r"))
    .join("\n");
}
