// The real Pulumi CLI as the real-engine tier runs it: the binaries scripts/ci-env/build-tools.sh builds from their
// Go modules (PATH), a file backend of the test's own, the offline settings of the CI environment, and the project's
// own front door (`npm run up`/`down`) or `pulumi` itself, run as a person would run them. Under CI=true a missing
// CLI (or one that does not run, or no docker provider beside it) fails the importing test file; elsewhere its
// suites are skipped with the reason.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import type Docker from "dockerode";
import { expect } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { LABELS } from "../../../src/facts.js";
import { inCI } from "./env.js";
import { basicAuth } from "./opencode.js";
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

/** The first `name` on `path`, or undefined. */
const onPath = (path: string, name: string): string | undefined =>
  path
    .split(delimiter)
    .map((dir) => dir && join(dir, name))
    .find((file) => file && existsSync(file));

function probe(): PulumiEnv | string {
  const tools = toolsEnv();
  const path = tools["PATH"] ?? process.env["PATH"] ?? "";
  const pulumi = onPath(path, "pulumi");
  if (!pulumi) return `no pulumi on PATH; run scripts/ci-env.sh`;
  try {
    execFileSync(pulumi, ["version"], { env: { ...process.env, ...tools, PATH: path }, stdio: "pipe" });
  } catch (e) {
    return `the Pulumi CLI does not run (${(e as Error).message.split("\n")[0]}); run scripts/ci-env.sh`;
  }
  // The assembled docker provider is an ambient plugin on PATH (tools/docker/README.md), never a labelled install.
  if (!onPath(path, "pulumi-resource-docker")) return "pulumi-resource-docker is not on PATH; run scripts/ci-env.sh";
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

const KEY = (k: string) => `opencode-cloud:${k}`;

/** stacks/Pulumi.loopback.yaml's config: the dev stack pulling from the loopback "Docker Hub" and "GHCR". */
export const loopbackConfig = (): Record<string, unknown> =>
  (parseYaml(readFileSync(join(PROJECT_DIR, "stacks", "Pulumi.loopback.yaml"), "utf8")) as { config: Record<string, unknown> }).config;

/**
 * A stack of a test run in `pulumi`'s backend: stacks/Pulumi.<name>.yaml written from `config`, driven through
 * `npm run` and `pulumi` as the README says, removed with its resources after. `extraEnv`: what the person running
 * it has beyond the tools.
 */
export function testStack(pulumi: PulumiEnv, name: string, config: () => Promise<Record<string, unknown>>, extraEnv: NodeJS.ProcessEnv = {}) {
  const file = join(PROJECT_DIR, "stacks", `Pulumi.${name}.yaml`);
  const env = { ...pulumi.env, ...extraEnv };
  const cli = (...args: string[]): Promise<RunResult> => run("pulumi", [...args, "--stack", name, "--non-interactive"], { env });
  return {
    /** The stack's config file. */
    file,
    /** `npm run <script> -- --stack <name>`, as the README says. */
    npm: (script: string): Promise<RunResult> => run("npm", ["run", "--silent", script, "--", "--stack", name], { env }),
    /** `pulumi <args> --stack <name>`. */
    cli,
    outputs: async (): Promise<Record<string, unknown>> => JSON.parse((await cli("stack", "output", "--json", "--show-secrets")).output) as Record<string, unknown>,
    /** The stack's password, as the README says to read it again (`npm run up` generated it on first use). */
    async password(): Promise<string> {
      const r = await cli("config", "get", KEY("password"));
      expect(r.code, r.output).toBe(0);
      return r.output.trim();
    },
    /** Basic auth with the stack's password. */
    async authorization(): Promise<string> {
      return basicAuth(await this.password());
    },
    async create(): Promise<void> {
      writeFileSync(file, stringifyYaml({ config: await config() }));
    },
    async remove(docker: Docker): Promise<void> {
      const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.stack}=${name}`] } });
      await run("npm", ["run", "--silent", "down", "--", "--stack", name], { env });
      for (const v of volumes.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
      await run("pulumi", ["stack", "rm", "--yes", "--force", "--stack", name, "--non-interactive"], { env });
      rmSync(file, { force: true });
    },
  };
}
