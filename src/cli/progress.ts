// Per-layer pull progress from the Docker API's JSON messages, rendered as one line per layer (bytes done / total),
// so a multi-gigabyte pull never looks frozen. Pure: state updates and rendering; the script writes the lines.

import { formatBytes } from "../bytes.js";

export interface PullEvent {
  readonly id?: string;
  readonly status?: string;
  readonly progressDetail?: { readonly current?: number; readonly total?: number };
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
}

export interface LayerState {
  readonly id: string;
  readonly status: string;
  readonly current: number;
  readonly total: number;
}

export interface PullState {
  /** Layers in the order they first appeared. */
  readonly layers: readonly LayerState[];
  /** The latest message without a layer id (e.g. "Digest: ...", "Status: Downloaded newer image"). */
  readonly message: string;
}

export const emptyPull: PullState = { layers: [], message: "" };

const DONE = new Set(["Pull complete", "Already exists", "Download complete"]);

export class PullError extends Error {
  override readonly name = "PullError";
}

/** Applies one event; throws PullError for an error event. */
export function applyPullEvent(state: PullState, event: PullEvent): PullState {
  if (event.error || event.errorDetail?.message) throw new PullError(event.errorDetail?.message ?? event.error ?? "pull failed");
  if (!event.id || !event.status || /^(Pulling from|Digest:|Status:)/.test(event.status)) {
    return event.status ? { ...state, message: event.id && event.status.startsWith("Pulling from") ? `${event.status}` : event.status } : state;
  }
  const index = state.layers.findIndex((l) => l.id === event.id);
  const previous = index >= 0 ? state.layers[index]! : { id: event.id, status: "", current: 0, total: 0 };
  const detail = event.progressDetail ?? {};
  const downloading = event.status === "Downloading" || event.status === "Extracting";
  const layer: LayerState = {
    id: event.id,
    status: event.status,
    total: detail.total && detail.total > 0 ? detail.total : previous.total,
    current: downloading && detail.current !== undefined ? detail.current : DONE.has(event.status) ? Math.max(previous.current, previous.total) : previous.current,
  };
  const layers = index >= 0 ? state.layers.map((l, i) => (i === index ? layer : l)) : [...state.layers, layer];
  return { ...state, layers };
}

const BAR_WIDTH = 24;

export function renderLayer(layer: LayerState): string {
  const id = layer.id.padEnd(12).slice(0, 12);
  const status = layer.status.padEnd(18).slice(0, 18);
  if (layer.total <= 0) return `${id}  ${status}`.trimEnd();
  const fraction = Math.min(1, layer.current / layer.total);
  const filled = Math.round(fraction * BAR_WIDTH);
  const bar = `[${"=".repeat(Math.max(0, filled - 1))}${filled > 0 ? (fraction >= 1 ? "=" : ">") : ""}${" ".repeat(BAR_WIDTH - filled)}]`;
  return `${id}  ${status}  ${bar}  ${formatBytes(layer.current)} / ${formatBytes(layer.total)}`;
}

/** Every layer's line plus a total line: what a terminal shows, redrawn in place. */
export function renderPull(state: PullState): string[] {
  const lines = state.layers.map(renderLayer);
  const total = state.layers.reduce((sum, l) => sum + l.total, 0);
  const current = state.layers.reduce((sum, l) => sum + Math.min(l.current, l.total || l.current), 0);
  const done = state.layers.filter((l) => DONE.has(l.status) && l.status !== "Download complete").length;
  lines.push(`${done}/${state.layers.length} layers, ${formatBytes(current)} / ${formatBytes(total)}${state.message ? `  ${state.message}` : ""}`);
  return lines;
}

/**
 * For logs without a terminal: a line when a layer changes status, and while downloading at each quarter.
 * Returns the lines to print for the step from `before` to `after`.
 */
export function progressLogLines(before: PullState, after: PullState): string[] {
  const lines: string[] = [];
  for (const layer of after.layers) {
    const old = before.layers.find((l) => l.id === layer.id);
    const quarter = (l?: LayerState) => (l && l.total > 0 ? Math.floor((4 * l.current) / l.total) : -1);
    if (!old || old.status !== layer.status || (layer.status === "Downloading" && quarter(old) !== quarter(layer))) lines.push(renderLayer(layer));
  }
  if (after.message !== before.message && after.message) lines.push(after.message);
  return lines;
}
