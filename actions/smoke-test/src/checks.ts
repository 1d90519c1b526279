// What the smoke test accepts from the container at each step. Pure: text and numbers in, verdicts out.

import { SELF_TEST_OK } from "../../../src/facts.js";

export type Readiness = { kind: "ready" } | { kind: "wait" } | { kind: "failed"; reason: string };

/**
 * From `docker inspect --format '{{json .State}}'`: ready once healthy; failed when exited, dead or unhealthy, or
 * when the image declares no HEALTHCHECK (there is nothing to wait for).
 */
export function readiness(stateJson: string): Readiness {
  let state: { Status?: unknown; ExitCode?: unknown; Health?: { Status?: unknown } | null };
  try {
    state = JSON.parse(stateJson) as typeof state;
  } catch {
    return { kind: "failed", reason: `docker inspect answered something that is not JSON: ${stateJson.slice(0, 200)}` };
  }
  if (state.Status === "exited" || state.Status === "dead") {
    return { kind: "failed", reason: `the container ${String(state.Status)} with code ${String(state.ExitCode)} before it became healthy` };
  }
  const health = state.Health?.Status;
  if (health === "healthy") return { kind: "ready" };
  if (health === "unhealthy") return { kind: "failed", reason: "the container's health check reports unhealthy" };
  if (health === undefined && state.Status === "running") {
    return { kind: "failed", reason: "the image declares no HEALTHCHECK, so its health cannot be awaited" };
  }
  return { kind: "wait" };
}

/** The host port from `docker port ID 3000/tcp` (`127.0.0.1:49153`, maybe one line per address family). */
export function hostPort(output: string): number {
  for (const line of output.split("\n")) {
    const match = /:(\d+)\s*$/.exec(line.trim());
    if (match) return Number(match[1]);
  }
  throw new Error(`docker port gave no published port: "${output.trim()}"`);
}

/** The health route must answer 200 with `{"healthy":true,...}`; returns the version it reports. */
export function checkHealth(status: number, body: string): string {
  if (status !== 200) throw new Error(`health route answered HTTP ${status}: ${body.slice(0, 200)}`);
  let data: { healthy?: unknown; version?: unknown };
  try {
    data = JSON.parse(body) as typeof data;
  } catch {
    throw new Error(`health route answered something that is not JSON: ${body.slice(0, 200)}`);
  }
  if (data.healthy !== true) throw new Error(`health route says healthy=${JSON.stringify(data.healthy)}: ${body.slice(0, 200)}`);
  return typeof data.version === "string" ? data.version : "";
}

/** The web UI root must answer 200 with an HTML page. */
export function checkWebUi(status: number, contentType: string, body: string): void {
  if (status !== 200) throw new Error(`web UI root answered HTTP ${status}`);
  if (!/text\/html/i.test(contentType) || !/<html|<!doctype html/i.test(body)) {
    throw new Error(`web UI root did not answer an HTML page (content-type "${contentType}")`);
  }
}

/** The image's self-test must exit 0 and print `N/N tools ok` with N > 0. */
export function checkSelfTest(exitCode: number, output: string): string {
  const match = SELF_TEST_OK.exec(output);
  if (exitCode !== 0) throw new Error(`self-test exited with code ${exitCode}: ${output.trim().split("\n").slice(-10).join("\n")}`);
  if (match === null) throw new Error(`self-test did not print "N/N tools ok": ${output.trim().split("\n").slice(-5).join("\n")}`);
  const [ok, total] = [Number(match[1]), Number(match[2])];
  if (total === 0 || ok !== total) throw new Error(`self-test: only ${ok} of ${total} tools ok`);
  return match[0];
}
