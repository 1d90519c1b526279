// What every command works on: the stack (through the Pulumi Automation API, state where backend.ts says) and the
// stack's config as the settings module reads it; the commands' injectable I/O.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, type ConfigMap, type EngineEvent, type Stack } from "@pulumi/pulumi/automation/index.js";
import type Docker from "dockerode";
import { hostFiles, PROJECT_DIR } from "../config/host-files.js";
import { PROJECT, type RawConfig } from "../config/schema.js";
import type { ImageResolver } from "../image/types.js";
import type { CliArgs } from "./args.js";
import type { ListedImage } from "./prune.js";
import { prepareBackend } from "./backend.js";
import type { ProgressOutput } from "./docker.js";
import type { Observed } from "./drift.js";
import { ensurePulumiCli, runPulumi } from "./pulumi-cli.js";
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

/** The parts of a Pulumi stack the commands use. */
export type StackHandle = Pick<Stack, "getAllConfig" | "setConfig" | "outputs" | "destroy" | "refresh" | "preview" | "exportStack"> & {
  /** The environment every later Pulumi command of the stack runs with (the program inherits it). */
  readonly workspace: { readonly envVars: Record<string, string> };
  /** Whether opening the stack created it (a new stack has no state yet). */
  readonly created: boolean;
  /** `pulumi up` on the stack; answers the stack's outputs (values) as the update itself reported them. */
  update(opts: UpdateOptions): Promise<Record<string, unknown>>;
};

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

export async function openStack(args: CliArgs, io: Io, create: boolean): Promise<StackHandle> {
  const line = (text: string) => io.out.write(`${text}\n`);
  const pulumiCommand = await ensurePulumiCli(line);
  const backend = prepareBackend(PROJECT_DIR, homedir(), io.env, line);
  line(`Using ${backend.description}.`);
  const opts = { pulumiCommand, envVars: backend.env };
  const program = { stackName: args.stack, workDir: PROJECT_DIR };
  // Select first (the usual case), create only when there is none: the caller then knows the stack is new.
  let stack: Stack;
  let created = false;
  try {
    stack = await LocalWorkspace.selectStack(program, opts);
  } catch (e) {
    if (!create || !NO_STACK.test((e as Error).message)) throw e;
    stack = await LocalWorkspace.createStack(program, opts);
    created = true;
  }
  return Object.assign(stack, { created, update: (o: UpdateOptions) => updateStack(stack, o) });
}

/**
 * `pulumi up --yes --skip-preview` on the stack, as the Automation API's `Stack.up` runs it, with the outputs taken
 * from the update's own event log: `Stack.up` reads them afterwards with two `pulumi stack output` calls and one
 * `pulumi stack history` (0.4 s each, the update's result unchanged).
 */
async function updateStack(stack: Stack, opts: UpdateOptions): Promise<Record<string, unknown>> {
  const ws = stack.workspace;
  const dir = mkdtempSync(join(tmpdir(), "opencode-cloud-up-"));
  const log = join(dir, "events.jsonl");
  try {
    // The CLI offers --event-log only with PULUMI_DEBUG_COMMANDS (the Automation API sets it for the same flag).
    const env = { PULUMI_DEBUG_COMMANDS: "true", ...(ws.pulumiHome ? { PULUMI_HOME: ws.pulumiHome } : {}), ...ws.envVars };
    const args = ["up", "--yes", "--skip-preview", "--non-interactive", "--color", "auto", "--stack", stack.name, "--event-log", log];
    await runPulumi(ws.pulumiCommand.command, [...args, ...(opts.refresh ? ["--refresh"] : [])], { cwd: ws.workDir, env, onOutput: opts.onOutput });
    return stackOutputs(readFileSync(log, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The root stack resource's outputs (values) in an update's event log, one JSON engine event per line (pure). */
export function stackOutputs(eventLog: string): Record<string, unknown> {
  for (const text of eventLog.split("\n")) {
    if (!text.trim()) continue;
    const event = JSON.parse(text) as EngineEvent;
    const step = event.resOutputsEvent?.metadata;
    if (step?.type === STACK_TYPE) return (step.new?.outputs ?? {}) as Record<string, unknown>;
  }
  throw new Error(`the update's event log reports no outputs of the ${STACK_TYPE} resource`);
}
