// What every command works on: the stack (the Pulumi CLI run directly, state where backend.ts says) and the stack's
// config as the settings module reads it; the commands' injectable I/O.
//
// The commands run the CLI themselves rather than through the Automation API's LocalWorkspace: loading it costs
// about 1.3 s of CPU per command here (it pulls in the whole SDK), and it runs `pulumi version` before every stack
// it opens. The SDK's PulumiCommand still finds (or installs) the CLI and checks its version, beside the first command.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import type { ConfigMap, ConfigValue, Deployment, EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type Docker from "dockerode";
import { hostFiles, PROJECT_DIR } from "../config/host-files.js";
import { PROJECT, type RawConfig } from "../config/schema.js";
import type { ImageResolver } from "../image/types.js";
import type { CliArgs } from "./args.js";
import type { ListedImage } from "./prune.js";
import { prepareBackend } from "./backend.js";
import type { ProgressOutput } from "./docker.js";
import type { Observed } from "./drift.js";
import { ensurePulumiCli, runPulumi, DEFAULT_CLI } from "./pulumi-cli.js";
import type { SandboxOutputsView } from "./sandbox-view.js";

export { PROJECT_DIR };

export interface Io {
  readonly out: ProgressOutput;
  /** Notes that are not the command's output (which backend, which CLI); `out` when absent. */
  readonly notes?: ProgressOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** What `update` is told: whether to refresh as it goes, and where the CLI's output goes. */
export interface UpdateOptions {
  readonly refresh?: boolean;
  readonly onOutput: (text: string) => void;
}

/** Where the CLI's output goes. */
export interface OutputOptions {
  readonly onOutput: (text: string) => void;
}

/** The stack operations the commands use, each one run of the Pulumi CLI on the stack. */
export interface StackHandle {
  readonly name: string;
  /** The environment every later Pulumi command of the stack runs with (the program inherits it). */
  readonly workspace: { readonly envVars: Record<string, string> };
  /** Whether opening the stack created it (a new stack has no state yet). */
  readonly created: boolean;
  /** The stack's config (`pulumi config --show-secrets --json`) as it was when the stack was opened. */
  readonly config: ConfigMap;
  /** `pulumi config set`, the value given on standard input (never on the command line, where `ps` shows it). */
  setConfig(key: string, value: ConfigValue): Promise<void>;
  /** `pulumi stack output --json`: values (a secret one reads `[secret]`). */
  outputs(): Promise<Record<string, { readonly value: unknown }>>;
  /** `pulumi stack export` (secrets stay encrypted). */
  exportStack(): Promise<Deployment>;
  refresh(opts: OutputOptions): Promise<void>;
  /** `pulumi preview`, its engine events handed over one by one. */
  preview(opts: { readonly onEvent: (event: EngineEvent) => void }): Promise<void>;
  destroy(opts: OutputOptions): Promise<void>;
  /** `pulumi up` on the stack; answers the stack's outputs (values) as the update itself reported them. */
  update(opts: UpdateOptions): Promise<Record<string, unknown>>;
}

/** The commands' I/O, injectable for tests. */
export interface CommandDeps {
  openStack(args: CliArgs, io: Io, create: boolean): Promise<StackHandle>;
  connectDocker(host: string | undefined, env: Io["env"], sshOpts?: readonly string[]): Promise<Docker>;
  resolver(env: Io["env"]): ImageResolver;
  /** Pulls `name@digest` with progress; returns the pulled image's ID. */
  pull(docker: Docker, pinned: string, platform: string | undefined, out: ProgressOutput, env: Io["env"]): Promise<string>;
  /** What `up` reads from the engine before refreshing, and the backup it takes before an image change. */
  observe(docker: Docker, outputs: SandboxOutputsView): Promise<Observed>;
  preUpgradeBackup(docker: Docker, stack: string, outputs: SandboxOutputsView, io: Io): Promise<string>;
  /** Removes sandbox images no container uses, except `keep` (the image just deployed). */
  prune(docker: Docker, keep: string, repositories: readonly string[]): Promise<ListedImage[]>;
  readonly homeDir: string;
}

/** The stack's config as the settings module reads it (values by full key, and which were secrets). */
export function rawConfigFrom(config: ConfigMap, stack: string, homeDir: string): RawConfig {
  return {
    project: PROJECT,
    stack,
    values: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value])),
    secretKeys: new Set(Object.entries(config).filter(([, v]) => v.secret).map(([k]) => k)),
    homeDir,
    ...hostFiles,
  };
}

const NO_STACK = /no stack named/i;

/** What one CLI run on a stack may add: its output, its standard input, more environment. */
interface StackRunOptions {
  readonly onOutput?: (text: string) => void;
  readonly input?: string;
  readonly env?: Record<string, string>;
}

/** Runs `command args --stack <stack>` in the project's directory, with the backend's environment. */
function runOnStack(command: string, stack: string, envVars: Record<string, string>, args: readonly string[], opts: StackRunOptions = {}): Promise<string> {
  return runPulumi(command, [...args, "--stack", stack], { cwd: PROJECT_DIR, ...opts, env: { ...envVars, ...opts.env } });
}

/** The CLI on one stack (runOnStack for each operation). */
class CliStack implements StackHandle {
  readonly workspace: { readonly envVars: Record<string, string> };

  constructor(
    readonly name: string,
    readonly created: boolean,
    readonly config: ConfigMap,
    private readonly command: string,
    envVars: Record<string, string>,
  ) {
    this.workspace = { envVars };
  }

  private run(args: readonly string[], opts: StackRunOptions = {}): Promise<string> {
    return runOnStack(this.command, this.name, this.workspace.envVars, args, opts);
  }

  /** Runs a command that writes its engine events to a log (the CLI offers `--event-log` only with PULUMI_DEBUG_COMMANDS). */
  private async withEvents(args: readonly string[], onOutput?: (text: string) => void): Promise<EngineEvent[]> {
    const dir = mkdtempSync(join(tmpdir(), "opencode-cloud-events-"));
    const log = join(dir, "events.jsonl");
    try {
      await this.run([...args, "--event-log", log], { env: { PULUMI_DEBUG_COMMANDS: "true" }, ...(onOutput ? { onOutput } : {}) });
      return parseEventLog(readFileSync(log, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async setConfig(key: string, value: ConfigValue): Promise<void> {
    await this.run(["config", "set", key, value.secret ? "--secret" : "--plaintext", "--raw"], { input: value.value });
  }

  async outputs(): Promise<Record<string, { readonly value: unknown }>> {
    const values = JSON.parse(await this.run(["stack", "output", "--json"])) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
  }

  async exportStack(): Promise<Deployment> {
    return JSON.parse(await this.run(["stack", "export"])) as Deployment;
  }

  async refresh(opts: OutputOptions): Promise<void> {
    await this.run(["refresh", "--yes", "--skip-preview", "--color", "auto"], opts);
  }

  async preview(opts: { readonly onEvent: (event: EngineEvent) => void }): Promise<void> {
    for (const event of await this.withEvents(["preview"])) opts.onEvent(event);
  }

  async destroy(opts: OutputOptions): Promise<void> {
    await this.run(["destroy", "--yes", "--skip-preview", "--color", "auto"], opts);
  }

  async update(opts: UpdateOptions): Promise<Record<string, unknown>> {
    const args = ["up", "--yes", "--skip-preview", "--color", "auto", ...(opts.refresh ? ["--refresh"] : [])];
    return stackOutputs(await this.withEvents(args, opts.onOutput));
  }
}

/**
 * Opens the stack: reading its config is the check that it exists (no `stack select`: every command names the
 * stack). A missing one is created when `create` says so (the caller then knows it is new), and its config (a
 * committed stacks/Pulumi.<stack>.yaml may hold some) read then. The CLI on PATH reads while its version is
 * checked; one installed just now reads after.
 */
export async function openStack(args: CliArgs, io: Io, create: boolean): Promise<StackHandle> {
  const line = (text: string) => io.out.write(`${text}\n`);
  const backend = prepareBackend(PROJECT_DIR, homedir(), io.env, line);
  line(`Using ${backend.description}.`);
  const envVars = { ...backend.env };
  // Settled either way: the read on PATH runs while the version is checked, and is awaited only after it.
  const readConfig = (command: string) =>
    runOnStack(command, args.stack, envVars, ["config", "--show-secrets", "--json"]).then(
      (json) => JSON.parse(json) as ConfigMap,
      (e: unknown) => e as Error,
    );
  const reading = readConfig(DEFAULT_CLI);
  const command = (await ensurePulumiCli(line)).command;
  const read = command === DEFAULT_CLI ? await reading : await readConfig(command);
  if (!(read instanceof Error)) return new CliStack(args.stack, false, read, command, envVars);
  if (!(create && NO_STACK.test(read.message))) throw read;
  await runOnStack(command, args.stack, envVars, ["stack", "init"]);
  const config = await readConfig(command);
  if (config instanceof Error) throw config;
  return new CliStack(args.stack, true, config, command, envVars);
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The engine events of a `--event-log` file, one JSON event per line (pure). */
export function parseEventLog(text: string): EngineEvent[] {
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as EngineEvent);
}

/** The root stack resource's outputs (values) among an update's engine events (pure). */
export function stackOutputs(events: readonly EngineEvent[]): Record<string, unknown> {
  for (const event of events) {
    const step = event.resOutputsEvent?.metadata;
    if (step?.type === STACK_TYPE) return (step.new?.outputs ?? {}) as Record<string, unknown>;
  }
  throw new Error(`the update's event log reports no outputs of the ${STACK_TYPE} resource`);
}
