// The smoke-test action against the real engine: its bundle, the docker CLI on PATH, and the sandbox image the
// real-engine tier builds (TEST_LOCAL_IMAGE, scripts/ci-env.sh). Under CI=true a missing engine or image fails the
// run; elsewhere these tests are skipped with the reason printed.

import { spawnSync } from "node:child_process";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { CI_ENV, HEALTH_ROUTE, IMAGE_PATHS, LABEL_PREFIX, SANDBOX_PORT, SELF_TEST_OK, TEST_LOCAL_IMAGE } from "../../src/facts.js";
import { errorOf, runAction, workDir } from "../actions/support.js";

const docker = new Docker();
const SMOKE_LABEL = `${LABEL_PREFIX}.smoke-test=true`;

async function missing(image: string): Promise<string | undefined> {
  try {
    await docker.ping();
  } catch (error) {
    return `no Docker engine answers (${(error as Error).message}); run scripts/ci-env.sh`;
  }
  const found = await docker.getImage(image).inspect().then(() => true, () => false);
  return found ? undefined : `image ${image} is missing; scripts/ci-env.sh builds it`;
}

const inCi = process.env["CI"] === "true";
const sandboxMissing = await missing(TEST_LOCAL_IMAGE);
const baseMissing = await missing(CI_ENV.baseImage);
for (const reason of [sandboxMissing, baseMissing]) {
  if (reason !== undefined && !inCi) console.warn(`skipping a smoke-test integration test: ${reason}`);
}

/** Builds `tag` from the base image with the classic builder (Dockerfile lines, files from tests/actions/fixtures/smoke-standin). */
function buildImage(tag: string, lines: string[]): void {
  const context = fileURLToPath(new URL("../actions/fixtures/smoke-standin", import.meta.url));
  const built = spawnSync("docker", ["build", "--quiet", "--tag", tag, "--file", "-", context], {
    input: [`FROM ${CI_ENV.baseImage}`, ...lines].join("\n"),
    encoding: "utf8",
    env: { ...process.env, DOCKER_BUILDKIT: "0" },
  });
  expect(built.status, built.stderr).toBe(0);
}

async function leftovers(): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [SMOKE_LABEL] } });
  return containers.map((c) => c.Id);
}

describe("smoke-test action on the real engine", () => {
  it.skipIf(sandboxMissing !== undefined && !inCi)(`passes ${TEST_LOCAL_IMAGE}: healthy, ${HEALTH_ROUTE}, web UI, self-test; removes its container`, async () => {
    expect(sandboxMissing).toBeUndefined();
    const run = await runAction("smoke-test", await workDir(), { image: TEST_LOCAL_IMAGE, "timeout-seconds": "240" });
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.outputs["self-test"]).toMatch(SELF_TEST_OK);
    expect(run.outputs["version"]).not.toBe("");
    expect(Number(run.outputs["healthy-seconds"])).toBeGreaterThan(0);
    expect(await leftovers()).toEqual([]);
  });

  it.skipIf(baseMissing !== undefined && !inCi)("fails an image whose health check fails, prints its logs and still removes the container", async () => {
    expect(baseMissing).toBeUndefined();
    // A sandbox stand-in that starts, logs a line and never passes its health check.
    const broken = "opencode-cloud-smoke-broken:test";
    buildImage(broken, [
      'HEALTHCHECK --interval=1s --timeout=1s --retries=2 CMD ["false"]',
      'CMD ["sh", "-c", "echo broken sandbox starting; exec sleep 120"]',
    ]);
    try {
      const run = await runAction("smoke-test", await workDir(), { image: broken, "timeout-seconds": "60" });
      expect(run.code).toBe(1);
      expect(errorOf(run)).toContain("the container's health check reports unhealthy");
      expect(run.stdout).toContain(`::group::Logs of ${broken}`);
      expect(run.stdout).toContain("broken sandbox starting");
      expect(await leftovers()).toEqual([]);
    } finally {
      await docker.getImage(broken).remove({ force: true }).catch(() => undefined);
    }
  });

  it.skipIf(baseMissing !== undefined && !inCi)("passes a healthy stand-in on the real engine: ports, health check, HTTP, exec, cleanup", async () => {
    expect(baseMissing).toBeUndefined();
    // Not the sandbox: the base image with a perl HTTP server and a self-test that prints the success line, so the
    // action's real-engine path (publish, inspect, fetch, exec, rm) is tried even before the sandbox image exists.
    const healthy = "opencode-cloud-smoke-healthy:test";
    buildImage(healthy, [
      "COPY server.pl /srv/server.pl",
      `COPY selftest.sh ${IMAGE_PATHS.selfTest}`,
      `RUN chmod 0755 ${IMAGE_PATHS.selfTest}`,
      `HEALTHCHECK --interval=1s --timeout=2s --retries=5 CMD ["perl", "-MIO::Socket::INET", "-e", "IO::Socket::INET->new(q(127.0.0.1:${SANDBOX_PORT})) or exit 1"]`,
      `CMD ["perl", "/srv/server.pl", "${SANDBOX_PORT}", "${HEALTH_ROUTE}"]`,
    ]);
    try {
      const run = await runAction("smoke-test", await workDir(), { image: healthy, "timeout-seconds": "60" });
      expect(errorOf(run)).toBe("");
      expect(run.code).toBe(0);
      expect(run.outputs).toMatchObject({ version: "0.0.0-standin", "self-test": "2/2 tools ok" });
      expect(await leftovers()).toEqual([]);
    } finally {
      await docker.getImage(healthy).remove({ force: true }).catch(() => undefined);
    }
  });
});
