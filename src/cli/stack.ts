// What every command works on: the stack (through the Pulumi Automation API, state where backend.ts says) and the
// stack's config as the settings module reads it; the commands' injectable I/O.

import { homedir } from "node:os";
import { LocalWorkspace, type ConfigMap, type Stack } from "@pulumi/pulumi/automation/index.js";
import type Docker from "dockerode";
import { hostFiles, PROJECT_DIR } from "../config/host-files.js";
import { PROJECT, type RawConfig } from "../config/schema.js";
import type { ImageResolver } from "../image/types.js";
import type { CliArgs } from "./args.js";
import type { ListedImage } from "./prune.js";
import { prepareBackend } from "./backend.js";
import type { ProgressOutput } from "./docker.js";
import type { Observed } from "./drift.js";
import { ensurePulumiCli } from "./pulumi-cli.js";
import type { SandboxOutputsView } from "./sandbox-view.js";

export { PROJECT_DIR };

export interface Io {
  readonly out: ProgressOutput;
  /** Notes that are not the command's output (which backend, which CLI); `out` when absent. */
  readonly notes?: ProgressOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The parts of a Pulumi stack the commands use. */
export type StackHandle = Pick<Stack, "getAllConfig" | "setConfig" | "up" | "outputs" | "destroy" | "refresh" | "preview" | "exportStack"> & {
  /** The environment every later Pulumi command of the stack runs with (the program inherits it). */
  readonly workspace: { readonly envVars: Record<string, string> };
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

export async function openStack(args: CliArgs, io: Io, create: boolean): Promise<StackHandle> {
  const line = (text: string) => io.out.write(`${text}\n`);
  const pulumiCommand = await ensurePulumiCli(line);
  const backend = prepareBackend(PROJECT_DIR, homedir(), io.env, line);
  line(`Using ${backend.description}.`);
  const opts = { pulumiCommand, envVars: backend.env };
  const program = { stackName: args.stack, workDir: PROJECT_DIR };
  return create ? LocalWorkspace.createOrSelectStack(program, opts) : LocalWorkspace.selectStack(program, opts);
}
