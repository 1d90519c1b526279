// What `up` repairs and what it is about to replace, decided from Pulumi's own records. Pure.
//
// Drift: `up` refreshes before it updates. The docker provider's refresh drops from the state a container or volume
// that no longer exists, so the update creates them again; comparing the state before and after the refresh says
// what was dropped, and what the engine showed before the refresh says why. A container stopped by hand stays in the
// state: the refresh records `mustRun: false` (and, the container being stopped, no ports), so the update's diff
// (`mustRun` back to true, the ports again) replaces it, or starts it when only `mustRun` differs. The engine's view
// says it was stopped; the preview's step for the container says what the update does about it.
//
// Upgrade: the preview's step for the container says whether it is replaced, and with which image.

import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { formatDuration, verdict, type ContainerFacts } from "./sandbox-view.js";

export const CONTAINER_TYPE = "docker:index/container:Container";
export const VOLUME_TYPE = "docker:index/volume:Volume";
const STACK_TYPE = "pulumi:pulumi:Stack";
/** What Pulumi puts where a value is not known during a preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The steps of a replacement (the container's are delete-replaced, replace, create-replacement: deleteBeforeReplace). */
const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);

export interface StateResource {
  readonly urn: string;
  readonly type: string;
  /** The Docker name (containers and volumes carry one). */
  readonly name: string;
  /** The provider's ID (a container's engine ID), when the state records one. */
  readonly id?: string;
}

interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly outputs?: Readonly<Record<string, unknown>>;
  readonly inputs?: { readonly name?: unknown };
}

const exportedResources = (deployment: { readonly deployment?: unknown }): readonly ExportedResource[] =>
  ((deployment.deployment as { resources?: unknown[] } | undefined)?.resources ?? []) as ExportedResource[];

/** The docker containers and volumes in an exported deployment (`stack.exportStack()`). */
export function stateResources(deployment: { readonly deployment?: unknown }): StateResource[] {
  return exportedResources(deployment)
    .filter((r) => r.type === CONTAINER_TYPE || r.type === VOLUME_TYPE)
    .map((r) => ({ urn: r.urn, type: r.type, name: String(r.outputs?.["name"] ?? r.inputs?.name ?? r.urn.split("::").at(-1)), ...(r.id ? { id: r.id } : {}) }));
}

/** The stack's outputs in an exported deployment (its root resource's), as `StackHandle.outputs` has them. */
export function deploymentOutputs(deployment: { readonly deployment?: unknown }): Record<string, { readonly value: unknown }> {
  const root = exportedResources(deployment).find((r) => r.type === STACK_TYPE);
  return Object.fromEntries(Object.entries(root?.outputs ?? {}).map(([k, value]) => [k, { value }]));
}

/**
 * The engine shows every container and volume of the state as the last update left them: each container running
 * under the ID the state records, each volume present. A refresh then drops nothing and finds nothing stopped, so
 * there is nothing to report or repair, and the update can refresh as it goes instead of in a step of its own.
 */
export function engineMatchesState(state: readonly StateResource[], observed: Observed): boolean {
  const c = observed.container;
  return (
    state.some((r) => r.type === CONTAINER_TYPE) &&
    state.every((r) => (r.type === CONTAINER_TYPE ? c !== undefined && c.status === "running" && r.id !== undefined && c.id === r.id : observed.volumes.has(r.name)))
  );
}

/** What the engine showed before the refresh: the container (undefined: none), and the volumes that exist. */
export interface Observed {
  readonly container: ContainerFacts | undefined;
  readonly volumes: ReadonlySet<string>;
}

/** What the update does to the container: creates it (anew or as a replacement), updates it in place, or nothing. */
export type ContainerPlan = "recreate" | "update" | "none";

/** The container's step in a preview's events. */
export function containerPlan(events: readonly EngineEvent[]): ContainerPlan {
  let plan: ContainerPlan = "none";
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.type !== CONTAINER_TYPE) continue;
    if (REPLACING.has(m.op) || m.op === "create") return "recreate";
    if (m.op === "update") plan = "update";
  }
  return plan;
}

/** Engine states of a container that is not running and not about to run again by itself (restarting is). */
const STOPPED_STATES = new Set(["created", "exited", "dead"]);

/** `exit code 137, 5m 2s ago`: how and when the container stopped. */
function stopText(c: ContainerFacts, nowMs: number): string {
  const since = /^0001-/.test(c.finishedAt) ? "" : `, ${formatDuration(nowMs - Date.parse(c.finishedAt))} ago`;
  return `exit code ${c.exitCode}${since}`;
}

const KEPT_STOPPED: Readonly<Record<ContainerPlan, string>> = {
  recreate: "recreating it on the same volumes",
  update: "starting it again",
  none: "the update leaves it stopped (npm run restart starts it)",
};

/**
 * One line per resource changed by hand, saying what happened to it and what `up` does about it: each resource the
 * refresh dropped, and a container the refresh kept although the engine showed it stopped (`plan`: the preview's
 * step for it, after the refresh).
 */
export function driftRepairs(before: readonly StateResource[], after: readonly StateResource[], observed: Observed, nowMs: number, plan: ContainerPlan): string[] {
  const kept = new Set(after.map((r) => r.urn));
  const lines: string[] = [];
  const c = observed.container;
  for (const r of before) {
    if (kept.has(r.urn)) {
      if (r.type === CONTAINER_TYPE && c && STOPPED_STATES.has(c.status)) lines.push(`container ${r.name} was stopped (${stopText(c, nowMs)}): ${KEPT_STOPPED[plan]}`);
      continue;
    }
    if (r.type === VOLUME_TYPE) {
      lines.push(
        observed.volumes.has(r.name)
          ? `volume ${r.name} no longer matched the engine: recreating it`
          : `volume ${r.name} was removed by hand: recreating it empty (npm run restore puts a backup back)`,
      );
      continue;
    }
    const v = verdict(c);
    if (v === "missing") lines.push(`container ${r.name} was removed by hand: recreating it on the same volumes`);
    else if (v === "stopped") lines.push(`container ${r.name} was stopped (${stopText(c!, nowMs)}): recreating it on the same volumes`);
    else lines.push(`container ${r.name} no longer matched the engine: recreating it on the same volumes`);
  }
  return lines;
}

export interface ImageChange {
  readonly container: string;
  /** The image ID the container runs now. */
  readonly from: string;
  /** The image ID it gets, or undefined when the preview cannot know it yet (a new image is still to be pulled). */
  readonly to?: string;
}

/**
 * From a preview's events: the container is replaced and its image changes. A replacement for any other reason
 * (port, mounts) keeps the image and is not an upgrade. A container created anew (the refresh dropped the old one)
 * on another image than `previousImageId` (the last update's) is an upgrade too: the volumes are the same.
 */
export function imageChange(events: readonly EngineEvent[], previousImageId?: string): ImageChange | undefined {
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || m.type !== CONTAINER_TYPE || !(REPLACING.has(m.op) || (m.op === "create" && previousImageId))) continue;
    const from = (m.op === "create" ? previousImageId : m.old?.inputs?.["image"]) as string | undefined;
    const next = m.new?.inputs?.["image"] as string | undefined;
    const to = next === undefined || next === UNKNOWN ? undefined : next;
    const changed = (m.diffs ?? m.keys ?? []).includes("image") || (to !== undefined && to !== from) || next === UNKNOWN;
    const name = m.old?.outputs?.["name"] ?? m.new?.inputs?.["name"] ?? m.urn.split("::").at(-1);
    if (from && changed && to !== from) return { container: String(name), from, ...(to ? { to } : {}) };
  }
  return undefined;
}
