// What `up` repairs and what it is about to replace, decided from Pulumi's own records. Pure.
//
// Drift: `up` refreshes before it updates. The docker provider's refresh drops from the state a container or volume
// that no longer exists, and also a container that is not running (it removes it: the stack declares a running
// container), so the update then creates them again. Comparing the state before and after the refresh says what
// was dropped; what the engine showed before the refresh says why.
//
// Upgrade: the preview's step for the container says whether it is replaced, and with which image.

import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { formatDuration, verdict, type ContainerFacts } from "./sandbox-view.js";

export const CONTAINER_TYPE = "docker:index/container:Container";
export const VOLUME_TYPE = "docker:index/volume:Volume";
/** What Pulumi puts where a value is not known during a preview. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface StateResource {
  readonly urn: string;
  readonly type: string;
  /** The Docker name (containers and volumes carry one). */
  readonly name: string;
}

/** The docker containers and volumes in an exported deployment (`stack.exportStack()`). */
export function stateResources(deployment: { readonly deployment?: unknown }): StateResource[] {
  const resources = ((deployment.deployment as { resources?: unknown[] } | undefined)?.resources ?? []) as {
    urn: string;
    type: string;
    outputs?: { name?: unknown };
    inputs?: { name?: unknown };
  }[];
  return resources
    .filter((r) => r.type === CONTAINER_TYPE || r.type === VOLUME_TYPE)
    .map((r) => ({ urn: r.urn, type: r.type, name: String(r.outputs?.name ?? r.inputs?.name ?? r.urn.split("::").at(-1)) }));
}

/** What the engine showed before the refresh: the container (undefined: none), and the volumes that exist. */
export interface Observed {
  readonly container: ContainerFacts | undefined;
  readonly volumes: ReadonlySet<string>;
}

/** One line per resource the refresh dropped, saying what happened to it and what `up` does about it. */
export function driftRepairs(before: readonly StateResource[], after: readonly StateResource[], observed: Observed, nowMs: number): string[] {
  const kept = new Set(after.map((r) => r.urn));
  const lines: string[] = [];
  for (const r of before.filter((x) => !kept.has(x.urn))) {
    if (r.type === VOLUME_TYPE) {
      lines.push(
        observed.volumes.has(r.name)
          ? `volume ${r.name} no longer matched the engine: recreating it`
          : `volume ${r.name} was removed by hand: recreating it empty (npm run restore puts a backup back)`,
      );
      continue;
    }
    const c = observed.container;
    const v = verdict(c);
    if (v === "missing") lines.push(`container ${r.name} was removed by hand: recreating it on the same volumes`);
    else if (v === "stopped") {
      const since = c && !/^0001-/.test(c.finishedAt) ? `, ${formatDuration(nowMs - Date.parse(c.finishedAt))} ago` : "";
      lines.push(`container ${r.name} was stopped (exit code ${c!.exitCode}${since}): recreating it on the same volumes`);
    } else lines.push(`container ${r.name} no longer matched the engine: recreating it on the same volumes`);
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

const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);

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
