// The real Pulumi CLI as the real-engine tier runs it: the binaries scripts/ci-env/build-tools.sh builds from their
// Go modules (PATH), a file backend of the test's own, the offline settings of the CI environment, and the project's
// own front door (`npm run up`/`down`) or `pulumi` itself, run as a person would run them. Under CI=true a missing
// CLI fails the importing test file; elsewhere its suites are skipped with the reason.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { inCI } from "./env.js";
import { toolsEnv } from "./tools-env.js";

export const PROJECT_DIR = fileURLToPath(new URL("../../../", import.meta.url));

export interface RunResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to completion, output (stdout and stderr, interleaved) captured; never throws on exit codes. */
export function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? PROJECT_DIR, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), output });
    });
  });
}

export interface PulumiEnv {
  /** The environment every command of a test runs with: tools on PATH, a fresh file backend, a passphrase. */
  readonly env: NodeJS.ProcessEnv;
  /** The file backend's directory (the state files a test reads). */
  readonly stateDir: string;
}

function probe(): PulumiEnv | string {
  const tools = toolsEnv();
  const path = tools["PATH"] ?? process.env["PATH"] ?? "";
  if (!path.split(delimiter).some((dir) => dir && existsSync(join(dir, "pulumi")))) return `no pulumi on PATH; run scripts/ci-env.sh`;
  const stateDir = mkdtempSync(join(tmpdir(), "opencode-cloud-state-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...tools,
    PULUMI_BACKEND_URL: `file://${stateDir}`,
    PULUMI_CONFIG_PASSPHRASE: "real-engine-tier",
    NO_COLOR: "1",
  };
  delete env["PULUMI_CONFIG_PASSPHRASE_FILE"];
  return { env, stateDir };
}

/** The Pulumi environment, or undefined (outside CI only) when the CLI is missing; under CI=true throws instead. */
export function pulumiEnv(): PulumiEnv | undefined {
  const found = probe();
  if (typeof found !== "string") return found;
  if (inCI) throw new Error(`real-engine tier under CI=true: ${found}`);
  console.warn(`real Pulumi suites skipped: ${found}`);
  return undefined;
}

/** Every file under the backend directory, concatenated (checkpoints, history, backups): what a secret must not be in. */
export function stateText(dir: string): string {
  let text = "";
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) text += stateText(path);
    else if (entry.isFile()) text += readFileSync(path, "utf8");
  }
  return text;
}
