// Talking to a running opencode: its health route, its session API, and the engine's view of the container.
// Every request carries its own timeout: a connection opened while opencode is still starting can hang.
import { createServer } from "node:net";
import type Docker from "dockerode";
import { DEFAULT_AUTH_USERNAME, HEALTH_ROUTE } from "../../../src/facts.js";

// Short, so a connection that hangs during start (opencode accepts before it serves) costs at most this much.
const REQUEST_TIMEOUT_MS = 1_000;
const POLL_MS = 50;

export const basicAuth = (password: string, user: string = DEFAULT_AUTH_USERNAME): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

export async function get(url: string, authorization?: string): Promise<Response> {
  return fetch(url, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls HEALTH_ROUTE until it answers `healthy: true`; returns the ms from `since` to that answer. */
export async function waitForHealthyAnswer(base: string, since: number, timeoutMs = 120_000, authorization?: string): Promise<number> {
  let last = "no answer yet";
  while (Date.now() - since < timeoutMs) {
    try {
      const res = await get(`${base}${HEALTH_ROUTE}`, authorization);
      const body = await res.text();
      if (res.ok && (JSON.parse(body) as { healthy?: boolean }).healthy === true) return Date.now() - since;
      last = `HTTP ${res.status} ${body.slice(0, 120)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${base}${HEALTH_ROUTE} did not answer healthy within ${timeoutMs} ms (last: ${last})`);
}

/** Polls the engine until it reports the container `healthy`; returns the ms from `since`. Fails on unhealthy/exit. */
export async function waitForEngineHealthy(container: Docker.Container, since: number, timeoutMs = 180_000): Promise<number> {
  while (Date.now() - since < timeoutMs) {
    const state = (await container.inspect()).State;
    const health = state.Health?.Status;
    if (health === "healthy") return Date.now() - since;
    const info = `status ${state.Status}, exit code ${state.ExitCode}, health log ${JSON.stringify(state.Health?.Log?.slice(-2) ?? [])}`;
    if (health === "unhealthy") throw new Error(`container turned unhealthy (${info})`);
    if (!state.Running && !state.Restarting) throw new Error(`container exited before turning healthy (${info})`);
    await sleep(POLL_MS);
  }
  throw new Error(`container not healthy within ${timeoutMs} ms`);
}

export interface Session {
  id: string;
}

export async function createSession(base: string, authorization?: string): Promise<Session> {
  const res = await fetch(`${base}/session`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
    body: "{}",
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`POST ${base}/session answered HTTP ${res.status}: ${await res.text()}`);
  const session = (await res.json()) as Session;
  if (typeof session.id !== "string") throw new Error(`POST /session answered no id: ${JSON.stringify(session)}`);
  return session;
}

/** The ids of the sessions opencode lists. */
export async function sessionIds(base: string, authorization?: string): Promise<string[]> {
  // Listing reads the database, which right after a (re)start can take longer than the health route's budget.
  const res = await fetch(`${base}/session`, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(15_000) });
  if (!res.ok) throw new Error(`GET ${base}/session answered HTTP ${res.status}`);
  return ((await res.json()) as Session[]).map((s) => s.id);
}

/** A free TCP port on loopback (released before use: fine for a test's published port). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command in the container as `user`; returns stdout+stderr and the exit code. */
export async function execIn(container: Docker.Container, cmd: string[], user?: string): Promise<{ code: number; output: string }> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, ...(user ? { User: user } : {}) });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  const { ExitCode } = await exec.inspect();
  return { code: ExitCode ?? -1, output: demux(Buffer.concat(chunks)) };
}

/** Docker's multiplexed stream (8-byte frame headers) to plain text. */
export function demux(buf: Buffer): string {
  let out = "";
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + size).toString("utf8");
    i += 8 + size;
  }
  return out;
}

