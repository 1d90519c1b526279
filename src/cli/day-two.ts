// The commands a person uses after the first `npm run up`: status, logs, restart, stop, open, backup, restore.
// Each reads the stack's outputs (what `up` created) and talks to the engine the stack uses (`docker:host` with its
// `docker:sshOpts`, remote hosts included). What they show and decide is pure (sandbox-view.ts, backup.ts); this
// module only gathers facts, moves bytes and prints.

import { spawn } from "node:child_process";
import { createReadStream, createWriteStream, mkdirSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { formatBytes } from "../bytes.js";
import { parseSettings } from "../config/settings.js";
import { BACKUPS, LABELS, MANAGED_BY, PUBLISHED_IMAGES, VOLUME_KINDS, VOLUMES, type VolumeKind } from "../facts.js";
import { CONTAINER_POLICY } from "../sandbox/policy.js";
import { volumeLabels } from "../sandbox/policy.js";
import { sinceEpochSeconds, type CliArgs } from "./args.js";
import { archiveName, archivesToPrune, backupDir, backupScript, HELPER_ROOT, MANIFEST_ENV, NO_SQLITE_EXIT, parseManifest, restoreScript, type Manifest } from "./backup.js";
import { rawConfigFrom, type CommandDeps, type Io, type StackHandle } from "./stack.js";
import { userStateHome } from "./backend.js";
import {
  formatDuration,
  formatStatus,
  NoSandboxError,
  npmRun,
  openCommand,
  sandboxOutputs,
  STATUS_EXIT,
  verdict,
  type ContainerFacts,
  type SandboxOutputsView,
  type VolumeFacts,
} from "./sandbox-view.js";

export type DayTwoDeps = Pick<CommandDeps, "openStack" | "connectDocker" | "homeDir">;

/** A deployed sandbox: its stack, outputs and engine. */
export interface Target {
  readonly stackName: string;
  readonly out: SandboxOutputsView;
  readonly docker: Docker;
}

const line = (io: Io, text = "") => io.out.write(`${text}\n`);

/** Opens an existing stack (never creates one), reads its outputs and connects to its engine. */
export async function openTarget(args: CliArgs, io: Io, deps: DayTwoDeps): Promise<Target> {
  let stack: StackHandle;
  try {
    // Which backend and CLI are notes, not output: `npm run open -- --print` and `logs` print only what they show.
    stack = await deps.openStack(args, { ...io, out: io.notes ?? io.out }, false);
  } catch (e) {
    if (/no stack named|not found/i.test((e as Error).message)) throw new NoSandboxError(`There is no stack ${args.stack}: \`${npmRun("up", args.stack)}\` creates it.`);
    throw e;
  }
  const out = sandboxOutputs(await stack.outputs(), args.stack);
  const settings = parseSettings(rawConfigFrom(stack.config, args.stack, deps.homeDir), PUBLISHED_IMAGES);
  const docker = await deps.connectDocker(settings.docker.host, io.env, settings.docker.sshOpts);
  return { stackName: args.stack, out, docker };
}

const isNotFound = (e: unknown) => (e as { statusCode?: number }).statusCode === 404;
const isNotModified = (e: unknown) => (e as { statusCode?: number }).statusCode === 304;

/** The container as the engine sees it; undefined when it does not exist. */
export async function containerFacts(docker: Docker, name: string): Promise<ContainerFacts | undefined> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
  const health = info.State.Health;
  const last = health?.Log?.at(-1);
  return {
    id: info.Id,
    status: info.State.Status,
    ...(health?.Status ? { health: health.Status } : {}),
    startedAt: info.State.StartedAt,
    finishedAt: info.State.FinishedAt,
    exitCode: info.State.ExitCode,
    imageId: info.Image,
    restartCount: info.RestartCount,
    ...(last && last.ExitCode !== 0 ? { lastHealthOutput: last.Output } : {}),
  };
}

/**
 * Which of `names` exist on the engine: one inspect each, no disk usage (the engine's disk usage report walks every
 * volume's files and every image, seconds on a busy engine; `status` shows sizes, `up` only needs existence).
 */
export async function volumesPresent(docker: Docker, names: readonly string[]): Promise<Set<string>> {
  const present = await Promise.all(names.map((name) => volumeExists(docker, name)));
  return new Set(names.filter((_, i) => present[i]));
}

async function volumeExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getVolume(name).inspect();
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Each volume of the stack: there or not, and its size (from the engine's disk usage report). */
export async function volumeFacts(docker: Docker, names: Readonly<Record<VolumeKind, string>>): Promise<VolumeFacts[]> {
  const df = (await docker.df()) as { Volumes?: { Name: string; UsageData?: { Size?: number } }[] };
  const byName = new Map((df.Volumes ?? []).map((v) => [v.Name, v]));
  return VOLUME_KINDS.map((kind) => {
    const v = byName.get(names[kind]);
    const size = v?.UsageData?.Size;
    return { kind, name: names[kind], exists: v !== undefined, ...(size !== undefined && size >= 0 ? { size } : {}) };
  });
}

export async function status(args: CliArgs, io: Io, deps: DayTwoDeps): Promise<number> {
  const { out, docker } = await openTarget(args, io, deps);
  const container = await containerFacts(docker, out.containerName);
  const volumes = await volumeFacts(docker, out.volumeNames);
  for (const text of formatStatus(args.stack, out, container, volumes, Date.now())) line(io, text);
  return STATUS_EXIT[verdict(container)];
}

/** Runs `action` on the container; a 404 becomes a message that it is gone and how to bring it back. */
async function missing<T>(args: CliArgs, t: Target, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (e) {
    if (isNotFound(e)) {
      throw new NoSandboxError(`The container ${t.out.containerName} does not exist (removed by hand?): \`${npmRun("up", args.stack)}\` recreates it with your volumes.`);
    }
    throw e;
  }
}

export async function logs(args: CliArgs, io: Io, deps: DayTwoDeps, stderr: Writable = process.stderr): Promise<number> {
  const t = await openTarget(args, io, deps);
  const container = t.docker.getContainer(t.out.containerName);
  const options = {
    stdout: true,
    stderr: true,
    ...(args.tail !== undefined ? { tail: args.tail } : {}),
    ...(args.since !== undefined ? { since: sinceEpochSeconds(args.since, Date.now()) } : {}),
  };
  const stdout = new Writable({ write: (chunk: Buffer, _e, cb) => (io.out.write(chunk.toString()), cb()) });
  const raw = await missing(args, t, async () =>
    args.follow ? ((await container.logs({ ...options, follow: true })) as unknown as Readable) : Readable.from([(await container.logs({ ...options, follow: false })) as Buffer], { objectMode: false }),
  );
  await new Promise<void>((resolveEnd, reject) => {
    t.docker.modem.demuxStream(raw, stdout, stderr);
    raw.once("end", resolveEnd);
    raw.once("error", reject);
  });
  return 0;
}

/** Polls until the container is healthy (or not running, or out of time); returns the last facts. */
async function waitHealthy(docker: Docker, name: string, timeoutMs: number): Promise<ContainerFacts | undefined> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const facts = await containerFacts(docker, name);
    const v = verdict(facts);
    if (v === "healthy" || v === "stopped" || v === "missing" || v === "unhealthy" || Date.now() > until) return facts;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function startAndWait(io: Io, t: Target, action: "restart" | "start"): Promise<number> {
  const container = t.docker.getContainer(t.out.containerName);
  const began = Date.now();
  if (action === "restart") await container.restart({ t: CONTAINER_POLICY.stopGraceSeconds });
  else await container.start().catch((e: unknown) => (isNotModified(e) ? undefined : Promise.reject(e)));
  const facts = await waitHealthy(t.docker, t.out.containerName, CONTAINER_POLICY.waitTimeoutSeconds * 1000);
  const v = verdict(facts);
  line(io, `${t.out.containerName}: ${v} after ${formatDuration(Date.now() - began)}${v === "healthy" ? ` at ${t.out.url}` : ""}.`);
  return STATUS_EXIT[v];
}

export async function restart(args: CliArgs, io: Io, deps: DayTwoDeps): Promise<number> {
  const t = await openTarget(args, io, deps);
  line(io, `Restarting ${t.out.containerName} (up to ${CONTAINER_POLICY.stopGraceSeconds} s to stop) ...`);
  return missing(args, t, () => startAndWait(io, t, "restart"));
}

/** Stops the container within the grace period; true when it was running. */
async function stopContainer(t: Target): Promise<boolean> {
  try {
    await t.docker.getContainer(t.out.containerName).stop({ t: CONTAINER_POLICY.stopGraceSeconds });
    return true;
  } catch (e) {
    if (isNotModified(e)) return false;
    throw e;
  }
}

export async function stop(args: CliArgs, io: Io, deps: DayTwoDeps): Promise<number> {
  const t = await openTarget(args, io, deps);
  const wasRunning = await missing(args, t, () => stopContainer(t));
  line(io, `${t.out.containerName} ${wasRunning ? "is stopped" : "was already stopped"}; the container and its volumes are kept.`);
  line(io, `${npmRun("restart", args.stack)} starts it again (${npmRun("up", args.stack)} recreates it on the same volumes).`);
  return 0;
}

export async function open(args: CliArgs, io: Io, deps: DayTwoDeps, platform: NodeJS.Platform = process.platform): Promise<number> {
  const t = await openTarget(args, io, deps);
  if (t.out.tunnel) line(io, `The port is on the remote host's loopback; open the tunnel first:\n  ${t.out.tunnel}`);
  const opener = args.print ? undefined : openCommand(platform, io.env);
  if (opener) {
    spawn(opener, [t.out.url], { detached: true, stdio: "ignore" }).on("error", () => undefined).unref();
    line(io, `Opening ${t.out.url}`);
  } else {
    line(io, t.out.url);
  }
  return 0;
}

// --- backup and restore -------------------------------------------------------------------------------------------

interface HelperRun {
  readonly code: number;
  readonly stderr: string;
}

/**
 * Runs a throwaway root container of the sandbox's image with the stack's volumes mounted under HELPER_ROOT, no
 * network, its entrypoint replaced by `script`; stdout goes to `stdout`, `stdin` (when given) feeds its stdin.
 */
async function runHelper(
  t: Target,
  kinds: readonly VolumeKind[],
  writable: readonly VolumeKind[],
  script: string,
  env: Record<string, string>,
  stdout: Writable,
  stdin?: Readable,
): Promise<HelperRun> {
  const helper = await t.docker.createContainer({
    Image: t.out.imageId,
    User: "0",
    Entrypoint: ["/bin/sh", "-c", script],
    Cmd: [],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.stack]: t.stackName },
    Healthcheck: { Test: ["NONE"] },
    NetworkDisabled: true,
    ...(stdin ? { OpenStdin: true, StdinOnce: true, AttachStdin: true } : {}),
    HostConfig: {
      Mounts: kinds.map((kind) => ({ Type: "volume" as const, Source: t.out.volumeNames[kind], Target: `${HELPER_ROOT}/${kind}`, ReadOnly: !writable.includes(kind) })),
    },
  });
  try {
    const stream = (await helper.attach({ stream: true, stdout: true, stderr: true, ...(stdin ? { stdin: true, hijack: true } : {}) })) as NodeJS.ReadWriteStream;
    const errors: Buffer[] = [];
    const stderr = new Writable({ write: (c: Buffer, _e, cb) => (errors.push(c), cb()) });
    const ended = new Promise<void>((resolveEnd, reject) => {
      stream.once("end", resolveEnd);
      stream.once("error", reject);
    });
    t.docker.modem.demuxStream(stream, stdout, stderr);
    await helper.start();
    // Closing our side of the hijacked connection closes the helper's stdin (StdinOnce): tar then sees the end.
    if (stdin) await pipeline(stdin, stream as unknown as Writable);
    const { StatusCode } = (await helper.wait()) as { StatusCode: number };
    await ended;
    return { code: StatusCode, stderr: Buffer.concat(errors).toString() };
  } finally {
    await helper.remove({ force: true }).catch(() => undefined);
  }
}

export interface BackupResult {
  readonly path: string;
  readonly bytes: number;
  readonly ms: number;
  readonly manifest: Manifest;
}

/** Writes the given volumes to `<dir>/<archive>`; the sandbox keeps running when its image has sqlite3. */
export async function writeBackup(t: Target, stack: string, kinds: readonly VolumeKind[], what: string, dir: string, io: Io): Promise<BackupResult> {
  const began = Date.now();
  const created = new Date(began);
  const path = join(dir, archiveName(stack, what, created));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const running = verdict(await containerFacts(t.docker, t.out.containerName));
  const attempt = async (live: boolean): Promise<{ run: HelperRun; manifest: Manifest }> => {
    const manifest: Manifest = {
      format: 1,
      stack,
      created: created.toISOString(),
      volumes: Object.fromEntries(kinds.map((k) => [k, t.out.volumeNames[k]])),
      image: t.out.image,
      sqlite: live ? "backup-api" : "stopped",
    };
    const partial = `${path}.partial`;
    const file = createWriteStream(partial, { mode: 0o600 });
    const run = await runHelper(t, kinds, live ? ["sessions"] : [], backupScript(kinds, live), { [MANIFEST_ENV]: JSON.stringify(manifest) }, file);
    await new Promise<void>((r, j) => file.end((e?: Error | null) => (e ? j(e) : r())));
    if (run.code === 0) renameSync(partial, path);
    else rmSync(partial, { force: true });
    return { run, manifest };
  };
  const isRunning = running !== "stopped" && running !== "missing";
  let { run, manifest } = await attempt(isRunning);
  if (run.code === NO_SQLITE_EXIT) {
    line(io, `The sandbox image has no sqlite3: stopping ${t.out.containerName} for a consistent copy ...`);
    await stopContainer(t);
    try {
      ({ run, manifest } = await attempt(false));
    } finally {
      await startAndWait(io, t, "start");
    }
  }
  if (run.code !== 0) throw new Error(`backup failed (helper exit ${run.code}): ${run.stderr.trim()}`);
  return { path, bytes: statSync(path).size, ms: Date.now() - began, manifest };
}

const dirFor = (args: CliArgs, io: Io, deps: DayTwoDeps) => resolve(args.output ?? backupDir(userStateHome(io.env, deps.homeDir), args.stack));

export async function backup(args: CliArgs, io: Io, deps: DayTwoDeps): Promise<number> {
  const t = await openTarget(args, io, deps);
  line(io, `Backing up ${VOLUME_KINDS.map((k) => t.out.volumeNames[k]).join(", ")} ...`);
  const r = await writeBackup(t, args.stack, VOLUME_KINDS, BACKUPS.full, dirFor(args, io, deps), io);
  line(io, `Wrote ${r.path} (${formatBytes(r.bytes)} in ${(r.ms / 1000).toFixed(1)} s; database copied ${r.manifest.sqlite === "backup-api" ? "with SQLite's backup API, sandbox running" : "from the stopped sandbox"}).`);
  line(io, `Restore it with: ${npmRun("restore", args.stack, r.path)}`);
  return 0;
}

/** The automatic backup `up` takes before an image change: the sessions volume, the newest few kept. */
export async function preUpgradeBackup(t: Target, stack: string, io: Io, homeDir: string): Promise<BackupResult> {
  const dir = backupDir(userStateHome(io.env, homeDir), stack);
  const r = await writeBackup(t, stack, ["sessions"], BACKUPS.preUpgrade, dir, io);
  for (const old of archivesToPrune(readdirSync(dir), stack, BACKUPS.preUpgrade, BACKUPS.keepPreUpgrade)) rmSync(join(dir, old));
  return r;
}

/** Creates a missing volume of the stack with the labels the program gives it (so `up` adopts it). */
async function ensureVolume(docker: Docker, name: string, stack: string, kind: VolumeKind): Promise<void> {
  if (!(await volumeExists(docker, name))) await docker.createVolume({ Name: name, Driver: "local", Labels: volumeLabels(stack, kind) });
}

export async function restore(args: CliArgs, io: Io, deps: DayTwoDeps): Promise<number> {
  const archive = resolve(args.archive!);
  statSync(archive); // a clear ENOENT before anything else
  const t = await openTarget(args, io, deps);
  const state = verdict(await containerFacts(t.docker, t.out.containerName));
  const running = state !== "stopped" && state !== "missing";
  if (running && !args.force) {
    throw new NoSandboxError(
      `${t.out.containerName} is running: restoring replaces the data under it. Stop it first (${npmRun("stop", args.stack)}) ` +
        `or let restore stop and start it: ${npmRun("restore", args.stack, `--force ${args.archive}`)}`,
    );
  }
  for (const kind of VOLUME_KINDS) await ensureVolume(t.docker, t.out.volumeNames[kind], args.stack, kind);
  if (running) {
    line(io, `Stopping ${t.out.containerName} ...`);
    await stopContainer(t);
  }
  const began = Date.now();
  const printed: Buffer[] = [];
  const sink = new Writable({ write: (c: Buffer, _e, cb) => (printed.push(c), cb()) });
  const run = await runHelper(t, VOLUME_KINDS, VOLUME_KINDS, restoreScript(), {}, sink, createReadStream(archive));
  if (run.code !== 0) throw new Error(`restore of ${archive} failed (helper exit ${run.code}): ${run.stderr.trim()}`);
  const manifest = parseManifest(Buffer.concat(printed).toString(), archive);
  const kinds = Object.keys(manifest.volumes) as VolumeKind[];
  line(io, `Restored ${kinds.map((k) => `${k} (${VOLUMES[k]})`).join(", ")} from ${manifest.stack}'s backup of ${manifest.created} in ${((Date.now() - began) / 1000).toFixed(1)} s.`);
  if (running || state === "stopped") return startAndWait(io, t, "start");
  line(io, `The container does not exist: ${npmRun("up", args.stack)} creates it on the restored volumes.`);
  return 0;
}

export const DAY_TWO = { status, logs, restart, stop, open, backup, restore } as const;
