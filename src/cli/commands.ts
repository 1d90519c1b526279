// `npm run up` and `npm run down`: the stack through the Pulumi CLI (stack.ts), the host through dockerode.

import { homedir } from "node:os";
import type { Deployment, EngineEvent } from "@pulumi/pulumi/automation/index.js";
import type Docker from "dockerode";
import { fullKey } from "../config/schema.js";
import { PUBLISHED_IMAGES } from "../facts.js";
import { formatBytes } from "../bytes.js";
import { parseSettings, type SandboxSettings } from "../config/settings.js";
import { handOffEnv } from "../image/handoff.js";
import { registryResolver } from "../image/resolver.js";
import type { ProgramLog } from "../sandbox/log.js";
import type { CliArgs } from "./args.js";
import { planBackend } from "./backend.js";
import { generatePassword, needsPassword } from "./password.js";
import { pruneImages } from "./prune.js";
import { containerFacts, preUpgradeBackup, volumesPresent } from "./day-two.js";
import { connectDocker, loadDockerClient, pullWithProgress } from "./docker.js";
import { containerPlan, deploymentOutputs, driftRepairs, engineMatchesState, imageChange, stateResources, type ImageChange } from "./drift.js";
import { NoSandboxError, sandboxOutputs, type SandboxOutputsView } from "./sandbox-view.js";
import { openStack, PROJECT_DIR, rawConfigFrom, type CommandDeps, type Io, type StackHandle } from "./stack.js";

export type { CommandDeps, Io, StackHandle } from "./stack.js";

const defaultIo: Io = { out: process.stdout, env: process.env };

export const defaultDeps: CommandDeps = {
  openStack,
  connectDocker,
  resolver: (env) => registryResolver({ env }),
  pull: pullWithProgress,
  prune: pruneImages,
  observe: async (docker, out) => {
    const [container, volumes] = await Promise.all([containerFacts(docker, out.containerName), volumesPresent(docker, Object.values(out.volumeNames))]);
    return { container, volumes };
  },
  preUpgradeBackup: async (docker, stack, out, io) => {
    const r = await preUpgradeBackup({ stackName: stack, out, docker }, stack, io, homedir());
    return `${r.path} (${formatBytes(r.bytes)})`;
  },
  homeDir: homedir(),
};

/** The previous outputs, when the stack has been brought up before. */
function previousOutputs(outputs: Parameters<typeof sandboxOutputs>[0], stack: string): SandboxOutputsView | undefined {
  try {
    return sandboxOutputs(outputs, stack);
  } catch (e) {
    if (e instanceof NoSandboxError) return undefined;
    throw e;
  }
}

/**
 * Says what was changed by hand since the last update and is repaired now; backs up the sessions volume before the
 * update moves the container to another image. Returns whether the update itself should refresh the state.
 *
 * When the engine shows the container and volumes as the state records them and the image the update deploys is
 * known (just pulled: `pulledImageId`), a refresh would change nothing and the container is replaced only if that
 * image differs from the deployed one: no refresh or preview of their own, the update refreshes as it goes.
 * Otherwise the state is refreshed, compared before and after, and the update previewed for its container step.
 */
async function repairAndProtect(
  stack: StackHandle,
  deployment: Deployment | undefined,
  args: CliArgs,
  docker: Docker,
  io: Io,
  deps: CommandDeps,
  pulledImageId?: string,
): Promise<boolean> {
  const line = (text: string) => io.out.write(`${text}\n`);
  if (!deployment) return false; // a stack just created: no state yet
  const previous = previousOutputs(deploymentOutputs(deployment), args.stack);
  if (!previous) return false; // a first `up`: nothing to repair or protect
  const observed = await deps.observe(docker, previous);
  const before = stateResources(deployment);
  const protect = async (change: ImageChange | undefined): Promise<void> => {
    if (!change || !observed.volumes.has(previous.volumeNames.sessions)) return; // no data to protect
    line(`The update replaces ${change.container} with another image (${change.from} -> ${change.to ?? "the new image"}); backing up its sessions first ...`);
    line(`Backed up the sessions volume to ${await deps.preUpgradeBackup(docker, args.stack, previous, io)}.`);
  };
  if (pulledImageId && previous.imageId && engineMatchesState(before, observed)) {
    line("Nothing was changed by hand since the last update.");
    await protect(pulledImageId === previous.imageId ? undefined : { container: previous.containerName, from: previous.imageId, to: pulledImageId });
    return true;
  }
  line("Refreshing the state from the engine ...");
  await stack.refresh({ onOutput: (text) => io.out.write(text) });
  const after = stateResources(await stack.exportStack());
  const events: EngineEvent[] = [];
  await stack.preview({ onEvent: (e) => void events.push(e) });
  const repairs = driftRepairs(before, after, observed, Date.now(), containerPlan(events));
  if (repairs.length > 0) line(`Changed by hand since the last update, repaired now:\n${repairs.map((r) => `  - ${r}`).join("\n")}`);
  else line("Nothing was changed by hand since the last update.");
  await protect(imageChange(events, previous.imageId));
  return false;
}

/** Reaches the Docker host and, for the `pull` source, resolves and pulls the image; answers the pulled image's ID. */
async function prepareHost(settings: SandboxSettings, stack: StackHandle, args: CliArgs, io: Io, deps: CommandDeps): Promise<{ docker: Docker; pulledImageId?: string }> {
  const line = (text: string) => io.out.write(`${text}\n`);
  const docker = await deps.connectDocker(settings.docker.host, io.env, settings.docker.sshOpts);
  line(`Docker answers at ${settings.docker.host ?? io.env["DOCKER_HOST"] ?? "the local socket"}.`);
  if (settings.image.source !== "pull" || args.skipPull) return { docker };
  const log: ProgramLog = { info: line, warn: (m) => line(`warning: ${m}`) };
  const resolved = await deps.resolver(io.env)(settings.image, log);
  line(`Pulling ${resolved.pinned} ...`);
  const pulledImageId = await deps.pull(docker, resolved.pinned, settings.platform, io.out, io.env);
  Object.assign(stack.workspace.envVars, handOffEnv(resolved, settings.image.signature)); // the program pins it without resolving again
  return { docker, pulledImageId };
}

export async function up(args: CliArgs, io: Io = defaultIo, deps: CommandDeps = defaultDeps): Promise<void> {
  const line = (text: string) => io.out.write(`${text}\n`);
  // The Docker client loads while the CLI opens the stack (connectDocker reports a failure to load it).
  loadDockerClient().catch(() => undefined);
  const stack = await deps.openStack(args, io, true);
  line(`Stack ${args.stack} (config: stacks/Pulumi.${args.stack}.yaml).`);
  let config = stack.config;
  let passwordSet: Promise<void> | undefined;
  if (needsPassword(config)) {
    // No unauthenticated sandbox: a strong password on first use, kept only as the stack's secret (never printed).
    const password = { value: generatePassword(), secret: true };
    passwordSet = stack.setConfig(fullKey("password"), password);
    config = { ...config, [fullKey("password")]: password };
    const backend = planBackend(PROJECT_DIR, io.env, deps.homeDir, { legacyExists: false, stateExists: true, passphraseFileExists: true });
    const env = Object.entries(backend.env).map(([k, v]) => `${k}=${v}`).join(" ");
    line(`Generated a password for opencode (user opencode), stored as the stack secret ${fullKey("password")}. Read it with:`);
    line(`  ${env} pulumi config get ${fullKey("password")} --stack ${args.stack}`);
  }
  // Validate before touching anything: the same settings module the program runs.
  const settings: SandboxSettings = parseSettings(rawConfigFrom(config, args.stack, deps.homeDir), PUBLISHED_IMAGES);
  // The stack's own writes and reads (one after the other: both use the stack's file) go on while the host is reached
  // and the image pulled; a stack just created has no state to read.
  const stateRead = (async () => {
    await passwordSet;
    return stack.created ? undefined : stack.exportStack();
  })();
  const [{ docker, pulledImageId }, deployment] = await Promise.all([prepareHost(settings, stack, args, io, deps), stateRead]);
  const refresh = await repairAndProtect(stack, deployment, args, docker, io, deps, pulledImageId);
  const outputs = await stack.update({ onOutput: (text) => io.out.write(text), refresh });
  const imageId = String(outputs["imageId"] ?? "");
  if (imageId) {
    const repositories = [...PUBLISHED_IMAGES, ...(settings.image.source === "pull" ? settings.image.candidates.map((c) => c.name) : [settings.image.tag])];
    const removed = await deps.prune(docker, imageId, repositories);
    if (removed.length > 0) {
      const bytes = removed.reduce((sum, i) => sum + (i.Size ?? 0), 0);
      line(`Removed ${removed.length} old sandbox image${removed.length === 1 ? "" : "s"} no container uses (${formatBytes(bytes)}).`);
    }
  }
  const url = String(outputs["url"] ?? "");
  const tunnel = String(outputs["tunnel"] ?? "");
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
  await stack.destroy({ onOutput: (text) => io.out.write(text) });
  line("");
  line(`The sandbox container is removed. Your data stays in the volumes ${volumes.join(", ") || "(none recorded)"};`);
  line(`\`npm run up${args.stack === "dev" ? "" : ` -- --stack ${args.stack}`}\` attaches them again.`);
  if (volumes.length > 0) line(`To delete the data on purpose: docker volume rm ${volumes.join(" ")}`);
}
