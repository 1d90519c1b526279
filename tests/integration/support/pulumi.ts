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
import { toolsEnv } from "../../../scripts/lib/tools-env.js";

export const PROJECT_DIR = fileURLToPath(new URL("../../../", import.meta.url));

export interface RunResult {
  readonly code: number;
  /** stdout and stderr, interleaved as they came. */
  readonly output: string;
  /** stdout alone (what a script capturing the command gets). */
  readonly stdout: string;
}

/** Runs a command to completion, output (stdout and stderr, interleaved) captured; never throws on exit codes. */
export function run(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? PROJECT_DIR, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString("utf8");
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGTERM"), options.timeoutMs ?? 600_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), output, stdout });
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

/** A command's result, asserted to have exited 0 (its output shown when not). */
export function ok(r: RunResult): RunResult {
  expect(r.code, r.output).toBe(0);
  return r;
}

/** A config key of the project: `opencode-cloud:<key>`. */
export const KEY = (key: string): string => `opencode-cloud:${key}`;

/** The config of stacks/Pulumi.loopback.yaml: the image pulled from the loopback "Docker Hub", "GHCR" behind it. */
export function loopbackConfig(): Record<string, unknown> {
  return (parseYaml(readFileSync(join(PROJECT_DIR, "stacks", "Pulumi.loopback.yaml"), "utf8")) as { config: Record<string, unknown> }).config;
}

/** One stack of a test run, driven as a person drives it: `npm run <command> -- --stack <name>` and `pulumi`. */
export interface TestStack {
  readonly name: string;
  /** Its config file, stacks/Pulumi.<name>.yaml. */
  readonly file: string;
  /** The environment its commands run with (the Pulumi environment and the test's additions). */
  readonly env: NodeJS.ProcessEnv;
  /** `npm run <script> -- --stack <name> [args]`, as the README says. */
  npm(script: string, ...args: string[]): Promise<RunResult>;
  /** `pulumi <args> --stack <name>`. */
  cli(...args: string[]): Promise<RunResult>;
  /** `pulumi stack output --json --show-secrets`. */
  outputs(): Promise<Record<string, unknown>>;
  /** The stack's password, as the README says to read it again (`npm run up` generated it on first use). */
  password(): Promise<string>;
  /** Basic auth with the stack's password. */
  authorization(): Promise<string>;
  /** Writes stacks/Pulumi.<name>.yaml from the test's config. */
  create(): Promise<void>;
  /** `npm run down`, the stack's volumes, the stack itself and its file: all gone. */
  remove(docker: Docker): Promise<void>;
}

/**
 * A stack of this test run: stacks/Pulumi.<name>.yaml written from `config`, removed with its resources after.
 * `extraEnv` is what the person running it has beyond the tools (XDG_STATE_HOME, where backups go; a Docker client
 * config with a BuildKit builder).
 */
export function testStack(pulumi: PulumiEnv, name: string, config: () => Promise<Record<string, unknown>>, extraEnv: NodeJS.ProcessEnv = {}): TestStack {
  const file = join(PROJECT_DIR, "stacks", `Pulumi.${name}.yaml`);
  const env = { ...pulumi.env, ...extraEnv };
  const cli = (...args: string[]): Promise<RunResult> => run("pulumi", [...args, "--stack", name, "--non-interactive"], { env });
  const npm = (script: string, ...args: string[]): Promise<RunResult> => run("npm", ["run", "--silent", script, "--", "--stack", name, ...args], { env });
  const password = async (): Promise<string> => ok(await cli("config", "get", KEY("password"))).output.trim();
  return {
    name,
    file,
    env,
    npm,
    cli,
    outputs: async () => JSON.parse(ok(await cli("stack", "output", "--json", "--show-secrets")).output) as Record<string, unknown>,
    password,
    authorization: async () => basicAuth(await password()),
    create: async () => writeFileSync(file, stringifyYaml({ config: await config() })),
    async remove(docker) {
      const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.stack}=${name}`] } });
      await npm("down");
      for (const v of volumes.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
      await run("pulumi", ["stack", "rm", "--yes", "--force", "--stack", name, "--non-interactive"], { env });
      rmSync(file, { force: true });
    },
  };
}
