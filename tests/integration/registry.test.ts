// The registry resolver (src/image/resolver.ts over src/oci) against real registries: the two loopback
// docker-registry instances scripts/ci-env.sh runs in place of Docker Hub and GHCR, each behind the bearer-token
// endpoint. Images are pushed there by the engine; the resolver pulls anonymous tokens as it would from the real ones.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { KEYLESS } from "../../src/config/sandbox/signature.js";
import { IMAGE_NAMES } from "../../src/facts.js";
import { ImageResolutionError, registryResolver } from "../../src/image/resolver.js";
import type { PullSettings } from "../../src/image/types.js";
import { parseReference } from "../../src/oci/reference.js";
import type { ProgramLog } from "../../src/sandbox/log.js";
import { runProgram } from "../support/program.js";
import { describeOn, realEngine } from "./support/env.js";
import { FaultProxy } from "./support/fault-proxy.js";
import { push, standIn, variant } from "./support/registry.js";
import { freePort } from "./support/opencode.js";

const engine = await realEngine(false);

/** A log that keeps what the resolver said. */
const recorder = () => {
  const lines: string[] = [];
  const log: ProgramLog = { info: (m) => void lines.push(`info: ${m}`), warn: (m) => void lines.push(`warn: ${m}`) };
  return { lines, log };
};

const settingsFor = (tag: string, expectedDigest?: string): PullSettings => ({
  source: "pull",
  candidates: [parseReference(`${IMAGE_NAMES.dockerHub}:${tag}`), parseReference(`${IMAGE_NAMES.ghcr}:${tag}`)],
  requireSignature: false,
  signature: KEYLESS,
  ...(expectedDigest ? { expectedDigest } : {}),
});

describeOn(engine, "registry resolver against the loopback Docker Hub and GHCR", ({ docker, settings }) => {
  const { dockerHub, ghcr } = settings.registries;
  const hubRepo = standIn(dockerHub, IMAGE_NAMES.dockerHub);
  const ghcrRepo = standIn(ghcr, IMAGE_NAMES.ghcr);
  const run = `it${process.pid}`;
  const same = `${run}-same`; // one image on both
  const split = `${run}-split`; // different images, same tag
  const ghcrOnly = `${run}-ghcr-only`;
  let digests: { same: string; hubSplit: string; ghcrSplit: string; ghcrOnly: string };
  const images: string[] = [];
  let proxy: FaultProxy;
  let deadPort: number;
  const cosign = async () => ({ state: "not-installed" as const });
  const resolver = (hubUrl: string, ghcrUrl = ghcr.url) => registryResolver({ overrides: { "docker.io": hubUrl, "ghcr.io": ghcrUrl }, env: {}, cosign });

  beforeAll(async () => {
    const a = await variant(docker, settings.baseImage, `${run}-a`);
    const b = await variant(docker, settings.baseImage, `${run}-b`);
    images.push(a, b);
    const sameHub = await push(docker, settings, a, hubRepo, same);
    const sameGhcr = await push(docker, settings, a, ghcrRepo, same);
    expect(sameGhcr).toBe(sameHub);
    digests = {
      same: sameHub,
      hubSplit: await push(docker, settings, a, hubRepo, split),
      ghcrSplit: await push(docker, settings, b, ghcrRepo, split),
      ghcrOnly: await push(docker, settings, b, ghcrRepo, ghcrOnly),
    };
    expect(digests.ghcrSplit).not.toBe(digests.hubSplit);
    proxy = new FaultProxy(dockerHub.url);
    await proxy.start();
    deadPort = await freePort();
  });
  afterAll(async () => {
    await proxy?.stop();
    for (const tag of [same, split, ghcrOnly]) {
      for (const repo of [hubRepo, ghcrRepo]) await docker.getImage(`${repo}:${tag}`).remove().catch(() => undefined);
    }
    for (const id of images) await docker.getImage(id).remove({ force: true }).catch(() => undefined);
  });

  it("resolves a pushed tag on Docker Hub first, pinned to the digest the push stored", async () => {
    const { lines, log } = recorder();
    const resolved = await resolver(dockerHub.url)(settingsFor(same), log);
    expect(resolved).toMatchObject({ registry: "docker.io", digest: digests.same, pinned: `${IMAGE_NAMES.dockerHub}@${digests.same}` });
    expect(lines.filter((l) => l.startsWith("warn: falling back"))).toEqual([]);
  });

  it("resolves through the Pulumi program too: the dev stack's outputs name the registry and the pinned image", async () => {
    const out = await runProgram({ stackFile: "dev", overrides: { "opencode-cloud:imageTag": same }, resolver: resolver(dockerHub.url) });
    expect(out.outputs).toMatchObject({ registry: "docker.io", image: `${IMAGE_NAMES.dockerHub}@${digests.same}` });
  });

  it("falls back to GHCR when Docker Hub is stopped", async () => {
    const { lines, log } = recorder();
    const resolved = await resolver(`http://127.0.0.1:${deadPort}`)(settingsFor(same), log);
    expect(resolved).toMatchObject({ registry: "ghcr.io", digest: digests.same, pinned: `${IMAGE_NAMES.ghcr}@${digests.same}` });
    expect(lines.some((l) => l.startsWith("warn: falling back to ghcr.io") && l.includes("ECONNREFUSED"))).toBe(true);
  });

  it("falls back to GHCR when Docker Hub does not have the tag", async () => {
    const resolved = await resolver(dockerHub.url)(settingsFor(ghcrOnly), recorder().log);
    expect(resolved).toMatchObject({ registry: "ghcr.io", digest: digests.ghcrOnly });
  });

  for (const fault of [
    { status: 500, headers: {} as Record<string, string>, count: 2 },
    { status: 429, headers: { "retry-after": "1" } as Record<string, string>, count: 1 },
  ]) {
    it(`retries Docker Hub answering ${fault.status} until it recovers (no fallback)`, async () => {
      proxy.seen.length = 0;
      proxy.failNext(fault.count, { status: fault.status, headers: fault.headers });
      const { lines, log } = recorder();
      const resolved = await resolver(proxy.url)(settingsFor(same), log);
      expect(resolved).toMatchObject({ registry: "docker.io", digest: digests.same });
      expect(lines.filter((l) => l.includes("falling back"))).toEqual([]);
      const statuses = proxy.seen.map((s) => s.status);
      expect(statuses.slice(0, fault.count)).toEqual(Array(fault.count).fill(fault.status));
      expect(statuses.slice(fault.count)).toContain(200);
      const waited = proxy.seen[fault.count]!.at - proxy.seen[fault.count - 1]!.at;
      console.log(`${fault.status} x${fault.count}: the retry came ${waited} ms after the last fault`);
      // Retry-After: 1 is honoured (a backoff without it starts at 250 ms).
      if (fault.headers["retry-after"]) expect(waited).toBeGreaterThanOrEqual(950);
    });
  }

  it("names both registries in one error when both are down", async () => {
    const error = await resolver(`http://127.0.0.1:${deadPort}`, `http://127.0.0.1:${deadPort}`)(settingsFor(same), recorder().log).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImageResolutionError);
    const message = (error as Error).message;
    expect(message).toContain(`${IMAGE_NAMES.dockerHub}:${same}`);
    expect(message).toContain(`${IMAGE_NAMES.ghcr}:${same}`);
    // One line per registry, in pull order, each with its own reason.
    const refused = message.split("\n").filter((l) => l.includes("ECONNREFUSED"));
    expect(refused).toHaveLength(2);
    expect(refused[0]).toContain(IMAGE_NAMES.dockerHub);
    expect(refused[1]).toContain(IMAGE_NAMES.ghcr);
  });

  it("lets the configured digest decide when the same tag has different digests in the two", async () => {
    // Docker Hub serves its own digest: accepted when configured.
    expect(await resolver(dockerHub.url)(settingsFor(split, digests.hubSplit), recorder().log)).toMatchObject({
      registry: "docker.io",
      digest: digests.hubSplit,
    });
    // GHCR's digest configured, Docker Hub serves another: a mismatch fails, naming the key and both digests.
    const mismatch = await resolver(dockerHub.url)(settingsFor(split, digests.ghcrSplit), recorder().log).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(mismatch).toBeInstanceOf(ConfigError);
    expect((mismatch as Error).message).toContain("imageDigest");
    expect((mismatch as Error).message).toContain(digests.ghcrSplit);
    expect((mismatch as Error).message).toContain(digests.hubSplit);
    // Docker Hub down, Docker Hub's digest configured, GHCR serves another: fails rather than taking GHCR's image.
    await expect(resolver(`http://127.0.0.1:${deadPort}`)(settingsFor(split, digests.hubSplit), recorder().log)).rejects.toBeInstanceOf(ConfigError);
  });

  it("pulls by the resolved digest and gets the pushed image back", async () => {
    for (const [registry, repo, tag, hubUrl] of [
      [dockerHub, hubRepo, split, dockerHub.url],
      [ghcr, ghcrRepo, split, `http://127.0.0.1:${deadPort}`],
    ] as const) {
      const resolved = await resolver(hubUrl)(settingsFor(tag), recorder().log);
      const byDigest = `${repo}@${resolved.digest}`;
      const pushedId = (await docker.getImage(`${repo}:${tag}`).inspect()).Id;
      await docker.getImage(`${repo}:${tag}`).remove({ noprune: true });
      const stream = await docker.pull(byDigest);
      await new Promise((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: unknown) => (err ? reject(err) : resolve(out))));
      const pulled = await docker.getImage(byDigest).inspect();
      expect(pulled.Id, registry.address).toBe(pushedId);
      expect(pulled.RepoDigests).toContain(byDigest);
    }
  });
});
