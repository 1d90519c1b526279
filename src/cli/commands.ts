// `npm run up` and `npm run down` through the Pulumi Automation API.

import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LocalWorkspace, type ConfigMap, type Stack } from "@pulumi/pulumi/automation/index.js";
import type Docker from "dockerode";
import { fullKey, PROJECT, type RawConfig } from "../config/schema.js";
import { parseSettings, type SandboxSettings } from "../config/settings.js";
import { registryResolver } from "../image/resolver.js";
import type { ImageResolver } from "../image/types.js";
import { PUBLISHED_IMAGES } from "../sandbox/program.js";
import type { ProgramLog } from "../sandbox/log.js";
import type { CliArgs } from "./args.js";
import { planBackend, prepareBackend } from "./backend.js";
import { generatePassword, needsPassword } from "./password.js";
import { connectDocker, pullWithProgress, type ProgressOutput } from "./docker.js";
import { formatBytes } from "../bytes.js";
import { pruneImages, type ListedImage } from "./prune.js";
import { ensurePulumiCli } from "./pulumi-cli.js";

export const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Io {
  readonly out: ProgressOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const defaultIo: Io = { out: process.stdout, env: process.env };

/** The parts of a Pulumi stack the commands use. */
export type StackHandle = Pick<Stack, "getAllConfig" | "setConfig" | "up" | "outputs" | "destroy">;

/** The commands' I/O, injectable for tests. */
export interface CommandDeps {
  openStack(args: CliArgs, io: Io, create: boolean): Promise<StackHandle>;
  connectDocker(host: string | undefined, env: Io["env"]): Promise<Docker>;
  resolver(env: Io["env"]): ImageResolver;
  pull(docker: Docker, pinned: string, platform: string | undefined, out: ProgressOutput, env: Io["env"]): Promise<void>;
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
  };
}

async function openStack(args: CliArgs, io: Io, create: boolean): Promise<StackHandle> {
  const line = (text: string) => io.out.write(`${text}\n`);
  const pulumiCommand = await ensurePulumiCli(line);
  const backend = prepareBackend(PROJECT_DIR, io.env);
  line(`Using ${backend.description}.`);
  const opts = { pulumiCommand, envVars: backend.env };
  const program = { stackName: args.stack, workDir: PROJECT_DIR };
  return create ? LocalWorkspace.createOrSelectStack(program, opts) : LocalWorkspace.selectStack(program, opts);
}

export const defaultDeps: CommandDeps = {
  openStack,
  connectDocker,
  resolver: (env) => registryResolver({ env }),
  pull: pullWithProgress,
  prune: pruneImages,
  homeDir: homedir(),
};

export async function up(args: CliArgs, io: Io = defaultIo, deps: CommandDeps = defaultDeps): Promise<void> {
  const line = (text: string) => io.out.write(`${text}\n`);
  const stack = await deps.openStack(args, io, true);
  line(`Stack ${args.stack} (config: stacks/Pulumi.${args.stack}.yaml).`);
  let config = await stack.getAllConfig();
  if (needsPassword(config)) {
    // No unauthenticated sandbox: a strong password on first use, kept only as the stack's secret (never printed).
    await stack.setConfig(fullKey("password"), { value: generatePassword(), secret: true });
    config = await stack.getAllConfig();
    const env = Object.entries(planBackend(PROJECT_DIR, io.env, true).env).map(([k, v]) => `${k}=${v}`).join(" ");
    line(`Generated a password for opencode (user opencode), stored as the stack secret ${fullKey("password")}. Read it with:`);
    line(`  ${env} pulumi config get ${fullKey("password")} --stack ${args.stack}`);
  }
  // Validate before touching anything: the same settings module the program runs.
  const settings: SandboxSettings = parseSettings(rawConfigFrom(config, args.stack, deps.homeDir), PUBLISHED_IMAGES);
  const docker = await deps.connectDocker(settings.docker.host, io.env);
  line(`Docker answers at ${settings.docker.host ?? io.env["DOCKER_HOST"] ?? "the local socket"}.`);
  if (settings.image.source === "pull" && !args.skipPull) {
    const log: ProgramLog = { info: line, warn: (m) => line(`warning: ${m}`) };
    const resolved = await deps.resolver(io.env)(settings.image, log);
    line(`Pulling ${resolved.pinned} ...`);
    await deps.pull(docker, resolved.pinned, settings.platform, io.out, io.env);
  }
  const result = await stack.up({ onOutput: (text) => io.out.write(text), color: "auto" });
  const imageId = String(result.outputs["imageId"]?.value ?? "");
  if (imageId) {
    const repositories = [...PUBLISHED_IMAGES, ...(settings.image.source === "pull" ? settings.image.candidates.map((c) => c.name) : [settings.image.tag])];
    const removed = await deps.prune(docker, imageId, repositories);
    if (removed.length > 0) {
      const bytes = removed.reduce((sum, i) => sum + (i.Size ?? 0), 0);
      line(`Removed ${removed.length} old sandbox image${removed.length === 1 ? "" : "s"} no container uses (${formatBytes(bytes)}).`);
    }
  }
  const url = String(result.outputs["url"]?.value ?? "");
  const tunnel = String(result.outputs["tunnel"]?.value ?? "");
  line("");
  if (tunnel) line(`opencode runs on the remote host's loopback. Open a tunnel:\n  ${tunnel}\nthen browse to ${url}`);
  else line(`opencode is ready: ${url}`);
}

export async function down(args: CliArgs, io: Io = defaultIo, deps: Pick<CommandDeps, "openStack"> = defaultDeps): Promise<void> {
  const line = (text: string) => io.out.write(`${text}\n`);
  let stack: StackHandle;
  try {
    stack = await deps.openStack(args, io, false);
  } catch (e) {
    if (/no stack named|not found/i.test((e as Error).message)) {
      line(`There is no stack ${args.stack}: nothing to remove.`);
      return;
    }
    throw e;
  }
  const outputs = await stack.outputs();
  const volumes = Object.values((outputs["volumeNames"]?.value ?? {}) as Record<string, string>);
  await stack.destroy({ onOutput: (text) => io.out.write(text), color: "auto" });
  line("");
  line(`The sandbox container is removed. Your data stays in the volumes ${volumes.join(", ") || "(none recorded)"};`);
  line(`\`npm run up${args.stack === "dev" ? "" : ` -- --stack ${args.stack}`}\` attaches them again.`);
  if (volumes.length > 0) line(`To delete the data on purpose: docker volume rm ${volumes.join(" ")}`);
}
