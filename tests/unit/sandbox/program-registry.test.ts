// The program with the real resolver pointed at loopback fake registries standing in for Docker Hub and GHCR.

import { afterEach, beforeEach, expect, it } from "vitest";
import { IMAGE_NAMES } from "../../../src/facts.js";
import { registryResolver } from "../../../src/image/resolver.js";
import { parseReference } from "../../../src/oci/reference.js";
import { RETRIES } from "../../../src/oci/retry.js";
import { FakeRegistry, fakeIndex } from "../../support/fake-registry.js";
import { resourceOf, runProgram, TYPES } from "../../support/program.js";

const HUB = parseReference(IMAGE_NAMES.dockerHub);
const GHCR = parseReference(IMAGE_NAMES.ghcr);
let hub: FakeRegistry;
let ghcr: FakeRegistry;

const resolver = () =>
  registryResolver({
    overrides: { "docker.io": hub.url, "ghcr.io": ghcr.url },
    clock: { sleep: async () => undefined, random: () => 0, now: () => 0 },
    env: { DOCKER_CONFIG: "/nonexistent" },
    cosign: async () => ({ state: "not-installed" }),
  });

beforeEach(async () => {
  hub = await new FakeRegistry("registry.docker.io").start();
  ghcr = await new FakeRegistry("ghcr.io").start();
});
afterEach(async () => {
  await hub.stop();
  await ghcr.stop();
});

it("pins the digest Docker Hub serves for the stack's tag and logs where it came from", async () => {
  const digest = hub.push(HUB.repository, "latest", fakeIndex("hub-latest"));
  ghcr.push(GHCR.repository, "latest", fakeIndex("ghcr-latest"));
  const run = await runProgram({ stackFile: "dev", resolver: resolver() });
  expect(resourceOf(run, TYPES.remoteImage).inputs["name"]).toBe(`${IMAGE_NAMES.dockerHub}@${digest}`);
  expect(run.outputs).toMatchObject({ image: `${IMAGE_NAMES.dockerHub}@${digest}`, registry: "docker.io" });
  expect(run.logs).toContainEqual({ level: "info", message: `sandbox image ${IMAGE_NAMES.dockerHub}:latest served by docker.io: ${IMAGE_NAMES.dockerHub}@${digest}` });
});

it("falls back to GHCR, and stops on a digest mismatch", async () => {
  const digest = ghcr.push(GHCR.repository, "7", fakeIndex("ghcr-7"));
  hub.faults.push(...Array.from({ length: RETRIES + 1 }, () => ({ status: 503 })));
  const run = await runProgram({ stackFile: "remote", resolver: resolver(), overrides: { "opencode-cloud:imageTag": "7" } });
  expect(resourceOf(run, TYPES.remoteImage).inputs["name"]).toBe(`${IMAGE_NAMES.ghcr}@${digest}`);
  expect(run.outputs["registry"]).toBe("ghcr.io");
  await expect(
    runProgram({ stackFile: "remote", resolver: resolver(), overrides: { "opencode-cloud:imageTag": "7", "opencode-cloud:imageDigest": `sha256:${"1".repeat(64)}` } }),
  ).rejects.toThrow("opencode-cloud:imageDigest: digest mismatch");
});
