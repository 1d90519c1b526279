// Talking to a running opencode: its health route, its session API, and the engine's view of the container.
// Every request carries its own timeout: a connection opened while opencode is still starting can hang.
import { createServer } from "node:net";
import type Docker from "dockerode";
import { DEFAULT_AUTH_USERNAME, HEALTH_ROUTE } from "../../../src/facts.js";

// For single requests to an opencode that already answered: short, so a hung connection fails a test quickly.
const REQUEST_TIMEOUT_MS = 1_000;
const POLL_MS = 50;

export const basicAuth = (password: string, user: string = DEFAULT_AUTH_USERNAME): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

export async function get(url: string, authorization?: string): Promise<Response> {
  return fetch(url, { headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AnswerPolling {
  /** A new request goes out this often, whether or not the earlier ones have answered. */
  everyMs: number;
  /** Each request's own timeout: generous, since a later request is not held up by it. */
  requestTimeoutMs: number;
  /** At most this many requests open at once (a hung start, a slow host); the next waits for one to end. */
  maxOpen: number;
}
const ANSWER_POLLING: AnswerPolling = { everyMs: POLL_MS, requestTimeoutMs: 15_000, maxOpen: 64 };

/**
 * Polls HEALTH_ROUTE until it answers `healthy: true`; returns the ms from `since` to that answer.
 *
 * opencode (1.18) listens some 0.5 to 0.7 s before it serves, and a request it accepts in that window is never
 * answered. Waiting for each request to time out before the next would put the first answer up to a timeout late,
 * so readiness would be measured to within a timeout, not a poll. Instead a new request goes out every `everyMs`
 * while earlier ones are still open (each with its own long timeout, so a loaded host still gets its answer), and the
 * first healthy answer wins; the others are then cut off. The answer is found to within about `everyMs`.
 */
export async function waitForHealthyAnswer(
  base: string,
  since: number,
  timeoutMs = 120_000,
  authorization?: string,
  polling: AnswerPolling = ANSWER_POLLING,
): Promise<number> {
  const url = `${base}${HEALTH_ROUTE}`;
  const done = new AbortController();
  let last = "no answer yet";
  let answeredAt: number | undefined;
  let open = 0;
  let ended: () => void = () => undefined;
  const attempt = async () => {
    open += 1;
    try {
      const signal = AbortSignal.any([done.signal, AbortSignal.timeout(polling.requestTimeoutMs)]);
      const res = await fetch(url, { headers: authorization ? { authorization } : {}, signal });
      const body = await res.text();
      if (res.ok && (JSON.parse(body) as { healthy?: boolean }).healthy === true) answeredAt ??= Date.now() - since;
      else last = `HTTP ${res.status} ${body.slice(0, 120)}`;
    } catch (e) {
      if (!done.signal.aborted) last = (e as Error).message;
    } finally {
      open -= 1;
      ended();
    }
  };
  let next = Date.now();
  try {
    while (answeredAt === undefined && Date.now() - since < timeoutMs) {
      if (Date.now() >= next && open < polling.maxOpen) {
        next = Date.now() + polling.everyMs;
        void attempt();
      }
      // Until the next request is due (or, with no slot free, the deadline), or sooner when one ends: it may be the answer.
      const until = open >= polling.maxOpen ? since + timeoutMs : next;
      await Promise.race([sleep(Math.max(1, until - Date.now())), new Promise<void>((r) => (ended = r))]);
    }
  } finally {
    done.abort();
  }
  if (answeredAt !== undefined) return answeredAt;
  throw new Error(`${url} did not answer healthy within ${timeoutMs} ms (last: ${last})`);
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

