// smoke-test's control flow through its real entry point, with a stand-in docker CLI and a loopback server acting
// as the container's published port. The real image is tried in tests/integration/smoke-test.test.ts.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HEALTH_ROUTE, IMAGE_PATHS, SANDBOX_PORT } from "../../src/facts.js";
import { errorOf, runAction, standIn, workDir, type ActionRun } from "./support.js";

const IMAGE = "opencode-cloud-sandbox:candidate";
let server: Server;
let port: number;
let healthBody = '{"healthy":true,"version":"1.0.0"}';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === HEALTH_ROUTE) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(healthBody);
    } else if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<!doctype html><html><body>opencode</body></html>");
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function smoke(env: Record<string, string>, inputs: Record<string, string> = {}): Promise<ActionRun> {
  const dir = await workDir();
  const docker = await standIn(dir, "docker");
  return runAction("smoke-test", dir, { image: IMAGE, "tool-path": docker, "timeout-seconds": "10", ...inputs }, {
    FAKE_DOCKER_PORT: String(port),
    FAKE_DOCKER_SELFTEST: "git ok\nnode ok\n2/2 tools ok\n",
    ...env,
  });
}

const commands = (run: ActionRun) => run.calls.map((c) => c.argv[0]);

describe("smoke-test", () => {
  it("waits for healthy, checks health, UI and self-test, sets outputs and removes the container", async () => {
    const run = await smoke({ FAKE_DOCKER_HEALTH: "starting,starting,healthy" }, { platform: "linux/arm64" });
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(commands(run)).toEqual(["run", "inspect", "inspect", "inspect", "port", "exec", "rm"]);
    const started = run.calls[0]!.argv;
    expect(started).toEqual(expect.arrayContaining(["--detach", "--publish", `127.0.0.1::${SANDBOX_PORT}`, "--platform", "linux/arm64"]));
    expect(started.at(-1)).toBe(IMAGE);
    expect(run.calls[5]!.argv.at(-1)).toBe(IMAGE_PATHS.selfTest);
    expect(run.outputs).toMatchObject({ version: "1.0.0", "self-test": "2/2 tools ok" });
    expect(run.summary).toContain("Smoke test: passed");
  });

  it("fails on a self-test with a missing tool, prints the logs and still removes the container", async () => {
    const run = await smoke({ FAKE_DOCKER_SELFTEST: "git ok\nrg MISSING\n1/2 tools ok\n", FAKE_DOCKER_SELFTEST_CODE: "1" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("self-test exited with code 1");
    expect(commands(run).slice(-2)).toEqual(["logs", "rm"]);
    expect(run.stdout).toContain("stand-in container log line");
  });

  it("fails when the container exits before it is healthy, with logs and cleanup", async () => {
    const run = await smoke({ FAKE_DOCKER_HEALTH: "starting,exited" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("the container exited with code 1 before it became healthy");
    expect(commands(run).slice(-2)).toEqual(["logs", "rm"]);
  });

  it("fails after the timeout when the health check never passes", async () => {
    const run = await smoke({ FAKE_DOCKER_HEALTH: "starting" }, { "timeout-seconds": "2" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("not healthy within 2 s");
    expect(commands(run).slice(-2)).toEqual(["logs", "rm"]);
  });

  it("fails when the image declares no HEALTHCHECK", async () => {
    const run = await smoke({ FAKE_DOCKER_HEALTH: "none" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("declares no HEALTHCHECK");
  });

  it("fails when the health route does not say healthy", async () => {
    healthBody = '{"healthy":false}';
    try {
      const run = await smoke({});
      expect(run.code).toBe(1);
      expect(errorOf(run)).toContain("health route says healthy=false");
      expect(commands(run).slice(-2)).toEqual(["logs", "rm"]);
    } finally {
      healthBody = '{"healthy":true,"version":"1.0.0"}';
    }
  });

  it("fails clearly when the image cannot be started, with nothing to clean up", async () => {
    const run = await smoke({ FAKE_DOCKER_RUN_FAIL: "1" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("docker failed while starting opencode-cloud-sandbox:candidate (exit code 125)");
    expect(commands(run)).toEqual(["run"]);
  });
});
