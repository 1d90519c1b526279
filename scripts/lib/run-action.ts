// Runs one of our actions the way GitHub's runner does: `node actions/<name>/dist/index.js` with INPUT_* variables
// and GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, then reads back the exit code, outputs and summary. Shared by the
// release rehearsal (the real gates on the real digests) and the action tests (which add their stand-ins' log).

import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface RunnerResult {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  dir: string;
}

/** Runs the action `name`'s bundle in `dir` (its HOME, runner temp and tool cache) with inputs named as in action.yml. */
export async function runActionBundle(name: string, dir: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<RunnerResult> {
  const outputFile = join(dir, "github-output");
  const summaryFile = join(dir, "github-step-summary");
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const childEnv: Record<string, string> = {
    PATH: process.env["PATH"] ?? "",
    HOME: dir,
    RUNNER_TEMP: join(dir, "runner-temp"),
    RUNNER_TOOL_CACHE: join(dir, "tool-cache"),
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
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
  return { code, stdout, stderr, outputs: parseOutputs(await readFile(outputFile, "utf8")), summary: await readFile(summaryFile, "utf8"), dir };
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

/** The `::error::` messages the action printed, decoded. */
export function errorOf(run: { stdout: string }): string {
  return run.stdout
    .split("\n")
    .filter((l) => l.startsWith("::error::"))
    .map((l) => l.slice("::error::".length).replace(/%0A/g, "\n").replace(/%25/g, "%").replace(/%0D/g, "\r"))
    .join("\n");
}
