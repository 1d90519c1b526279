// The readiness poll the real-engine tests and `npm run bench` time opencode's start with, against a local server
// that behaves as a starting opencode does: it accepts connections before it serves and never answers those.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { HEALTH_ROUTE } from "../../../src/facts.js";
import { type AnswerPolling, waitForHealthyAnswer } from "../../integration/support/opencode.js";

type Mode = "hang" | "starting" | "healthy";
let mode: Mode = "hang";
/** In mode "hang", turn healthy after this many requests (a starting opencode that begins to serve). */
let serveAfter = Infinity;
let origin: string;
let server: Server;
/** Every request seen, and whether its connection is still open. */
const all: { url: string | undefined; authorization: string | undefined; open: boolean }[] = [];
// Each test polls under a path of its own, so that a request of an earlier test that arrives late is not counted.
let test = 0;
const base = () => `${origin}/t${test}`;
const requests = () => all.filter((r) => r.url === `/t${test}${HEALTH_ROUTE}`);

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const seen = { url: req.url, authorization: req.headers.authorization, open: true };
    all.push(seen);
    res.on("close", () => (seen.open = false));
    if (mode === "hang" && all.filter((r) => r.url === seen.url).length > serveAfter) mode = "healthy";
    if (mode === "hang") return;
    if (mode === "starting") return void res.writeHead(503).end("starting");
    res.writeHead(200, { "content-type": "application/json" }).end('{"healthy":true,"version":"1.0.0"}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  test += 1;
  mode = "hang";
  serveAfter = Infinity;
});
afterAll(async () => {
  const closed = new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections(); // the client's keep-alive sockets would hold close() for seconds
  await closed;
});

// Each request's timeout outlasts the test: a poll that waited for one request before sending the next would never
// see the answer.
const polling = (over: Partial<AnswerPolling> = {}): AnswerPolling => ({ everyMs: 20, requestTimeoutMs: 600_000, maxOpen: 64, ...over });

it("gets the answer while earlier requests hang, then cuts those off", async () => {
  serveAfter = 3;
  await waitForHealthyAnswer(base(), Date.now(), 10_000, undefined, polling());
  // Three left hanging (for good: their timeout outlasts the test), then the answer (and perhaps one more asked).
  expect(requests().length).toBeGreaterThanOrEqual(4);
  await expect.poll(() => requests().filter((r) => r.open).length).toBe(0);
});

it("keeps polling through answers that are not healthy, one request per interval", async () => {
  mode = "starting";
  const since = Date.now();
  await expect(waitForHealthyAnswer(base(), since, 400, undefined, polling({ everyMs: 50 }))).rejects.toThrow(/did not answer healthy within 400 ms \(last: HTTP 503 starting\)/);
  const elapsed = Date.now() - since;
  expect(requests().length).toBeGreaterThan(1);
  expect(requests().length).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 1);
});

it("keeps at most maxOpen requests open", async () => {
  await expect(waitForHealthyAnswer(base(), Date.now(), 400, undefined, polling({ maxOpen: 3 }))).rejects.toThrow(/no answer yet/);
  await expect.poll(() => requests().length).toBe(3);
  await expect.poll(() => requests().filter((r) => r.open).length).toBe(0);
  expect(requests()).toHaveLength(3);
});

it("sends the authorization it is given", async () => {
  mode = "healthy";
  await waitForHealthyAnswer(base(), Date.now(), 10_000, "Basic eDp5", polling());
  expect(requests().map((r) => r.authorization)).toEqual(["Basic eDp5"]);
});
