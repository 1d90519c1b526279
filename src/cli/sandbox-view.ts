// What the day-two commands read from a stack's outputs and the engine, and what they make of it: the sandbox's
// verdict (healthy, starting, unhealthy, stopped, missing), the exit code scripts can use, the status text and how
// to open the URL. Pure: the commands gather the facts and print the result.

import { formatBytes } from "../bytes.js";
import { VOLUME_KINDS, type VolumeKind } from "../facts.js";

/** The stack outputs the commands use (src/sandbox/program.ts SandboxOutputs, as plain values). */
export interface SandboxOutputsView {
  readonly url: string;
  readonly tunnel: string;
  readonly containerName: string;
  readonly volumeNames: Readonly<Record<VolumeKind, string>>;
  readonly image: string;
  readonly imageId: string;
  readonly registry: string;
}

/** How to run a command for a stack: `npm run logs -- --stack remote --tail 100` (dev needs no --stack). */
export function npmRun(command: string, stack: string, extra = ""): string {
  const args = [stack === "dev" ? "" : `--stack ${stack}`, extra].filter(Boolean).join(" ");
  return `npm run ${command}${args ? ` -- ${args}` : ""}`;
}

export class NoSandboxError extends Error {
  override readonly name = "NoSandboxError";
}

/** Reads a stack's output map (`StackHandle.outputs`); a stack never brought up has none. */
export function sandboxOutputs(outputs: Readonly<Record<string, { readonly value?: unknown }>>, stack: string): SandboxOutputsView {
  const text = (key: string) => (typeof outputs[key]?.value === "string" ? (outputs[key]!.value as string) : "");
  const names = (outputs["volumeNames"]?.value ?? {}) as Partial<Record<VolumeKind, string>>;
  const containerName = text("containerName");
  if (!containerName || VOLUME_KINDS.some((k) => typeof names[k] !== "string")) {
    throw new NoSandboxError(`Stack ${stack} has no sandbox yet (no outputs): run \`${npmRun("up", stack)}\` first.`);
  }
  return {
    url: text("url"),
    tunnel: text("tunnel"),
    containerName,
    volumeNames: names as Record<VolumeKind, string>,
    image: text("image"),
    imageId: text("imageId"),
    registry: text("registry"),
  };
}

/** The container as the engine reports it (a subset of `docker inspect`), or absent. */
export interface ContainerFacts {
  /** The engine's ID of the container. */
  readonly id?: string;
  readonly status: string; // created, running, paused, restarting, removing, exited, dead
  readonly health?: string; // starting, healthy, unhealthy (absent without a health check)
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly exitCode: number;
  readonly imageId: string;
  readonly restartCount: number;
  /** The last health check's output, when it failed. */
  readonly lastHealthOutput?: string;
}

export interface VolumeFacts {
  readonly kind: VolumeKind;
  readonly name: string;
  readonly exists: boolean;
  /** Bytes used, when the engine reports it. */
  readonly size?: number;
}

export type Verdict = "healthy" | "starting" | "unhealthy" | "stopped" | "missing";

export function verdict(container: ContainerFacts | undefined): Verdict {
  if (!container) return "missing";
  if (container.status !== "running") return "stopped";
  if (container.health === "healthy") return "healthy";
  if (container.health === "unhealthy") return "unhealthy";
  return "starting";
}

/** Exit codes of `status`: 0 healthy, 2 running but not healthy (yet), 3 stopped, 4 no container. 1 is a failure. */
export const STATUS_EXIT: Readonly<Record<Verdict, number>> = { healthy: 0, starting: 2, unhealthy: 2, stopped: 3, missing: 4 };

/** `1d 4h`, `3h 12m`, `5m 2s`, `40s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [d, h, m, sec] = [Math.floor(s / 86400), Math.floor((s % 86400) / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

const ZERO_TIME = /^0001-01-01/;

/** What to do next, per verdict. */
function hint(v: Verdict, stack: string): string | undefined {
  switch (v) {
    case "healthy":
      return undefined;
    case "starting":
      return "opencode is starting; check again in a few seconds.";
    case "unhealthy":
      return `opencode does not answer its health check: ${npmRun("logs", stack, "--tail 100")}, then ${npmRun("restart", stack)}.`;
    case "stopped":
      return `${npmRun("restart", stack)} starts it (${npmRun("up", stack)} also repairs it).`;
    case "missing":
      return `The container is gone (removed by hand?): ${npmRun("up", stack)} recreates it with your volumes.`;
  }
}

/** The status text: one fact per line. */
export function formatStatus(stack: string, out: SandboxOutputsView, container: ContainerFacts | undefined, volumes: readonly VolumeFacts[], nowMs: number): string[] {
  const v = verdict(container);
  const lines = [`stack      ${stack}`];
  let state: string = v;
  if (container && v !== "stopped" && !ZERO_TIME.test(container.startedAt)) state += `, up ${formatDuration(nowMs - Date.parse(container.startedAt))}`;
  if (container && v === "stopped") {
    state += ` (${container.status}, exit code ${container.exitCode}${ZERO_TIME.test(container.finishedAt) ? "" : `, ${formatDuration(nowMs - Date.parse(container.finishedAt))} ago`})`;
  }
  if (container && container.restartCount > 0) state += `, ${container.restartCount} restart${container.restartCount === 1 ? "" : "s"}`;
  lines.push(`container  ${out.containerName}: ${state}`);
  if (v === "unhealthy" && container?.lastHealthOutput) lines.push(`           last health check: ${container.lastHealthOutput.trim().split("\n").at(-1)}`);
  lines.push(`url        ${out.url}${out.tunnel ? ` (through: ${out.tunnel})` : ""}`);
  lines.push(`image      ${out.image}`);
  if (container && out.imageId && container.imageId !== out.imageId) lines.push(`           runs ${container.imageId}, the stack declares ${out.imageId}: ${npmRun("up", stack)}`);
  lines.push(`registry   ${out.registry}`);
  for (const vol of volumes) {
    lines.push(`volume     ${vol.kind.padEnd(9)}${vol.name}  ${vol.exists ? (vol.size === undefined ? "size unknown" : formatBytes(vol.size)) : "MISSING (removed by hand?)"}`);
  }
  const next = hint(v, stack);
  if (next) lines.push("", next);
  if (volumes.some((x) => !x.exists)) lines.push(`A missing volume is recreated empty by ${npmRun("up", stack)}; ${npmRun("restore", stack, "ARCHIVE")} puts a backup back.`);
  return lines;
}

/** How to open a URL on this machine, or undefined where there is no browser to hand it to (then it is printed). */
export function openCommand(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (platform === "darwin") return "open";
  if (platform === "win32") return "explorer";
  return env["DISPLAY"] || env["WAYLAND_DISPLAY"] ? "xdg-open" : undefined;
}
