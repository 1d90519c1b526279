// The sandbox's fixed policy as plain data: how the container runs and how its volumes are labelled. Pure (no
// Pulumi SDK): the program declares resources from it, and the CLI commands and the team program read it too.

import { HEALTHCHECK_START_INTERVAL, HEALTHCHECK_TIMING, LABELS, MANAGED_BY, type VolumeKind } from "../facts.js";

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration (`500ms`, `60s`, `2m`) in the form the engine reads back and the docker provider compares against:
 * Go's time.Duration text (`500ms`, `1m0s`, `2m0s`). Written any other way (`60s`), the health check timing differs
 * from its read-back on every refresh and each `pulumi up` proposes an update (found by the real engine).
 */
export function goDuration(text: string): string {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`goDuration: "${text}" is not <integer><ms|s|m|h>`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms === 0) return "0s";
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const min = Math.floor((ms % 3_600_000) / 60_000);
  const sec = (ms % 60_000) / 1000;
  return `${h > 0 ? `${h}h` : ""}${h > 0 || min > 0 ? `${min}m` : ""}${sec}s`;
}

/** How the container is run; fixed policy, not configuration. */
export const CONTAINER_POLICY = {
  restart: "unless-stopped",
  stopSignal: "SIGTERM",
  /** Seconds opencode gets to flush SQLite and exit before SIGKILL (docker stop) and before destroy kills it. */
  stopGraceSeconds: 30,
  /** The image's own timing (src/facts.ts) and a start interval, so the engine reports healthy soon after opencode answers. */
  healthcheck: {
    interval: goDuration(HEALTHCHECK_TIMING.interval),
    timeout: goDuration(HEALTHCHECK_TIMING.timeout),
    startPeriod: goDuration(HEALTHCHECK_TIMING.startPeriod),
    startInterval: goDuration(HEALTHCHECK_START_INTERVAL),
    retries: HEALTHCHECK_TIMING.retries,
  },
  /** Seconds `pulumi up` waits for the container to turn healthy. */
  waitTimeoutSeconds: 180,
  log: { driver: "json-file", maxSize: "10m", maxFile: "3" },
  /**
   * Process limit: the docker provider's Container has no pids limit, so an `nproc` ulimit stands in (a fork bomb
   * stops there). The kernel counts nproc per uid across the host: every process of uid 1000 (other containers'
   * included) counts, and uid 0 is exempt.
   */
  nproc: 4096,
} as const;

/** The labels every volume of a stack carries (the program declares them; `restore` creates missing volumes with them). */
export function volumeLabels(stack: string, kind: VolumeKind): Record<string, string> {
  return { [LABELS.managedBy]: MANAGED_BY, [LABELS.stack]: stack, [LABELS.volumeKind]: kind };
}
