// The real release gateway (the shared distribution client with the release credentials) against the loopback fake
// registry with its bearer-token endpoint.

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { RegistryTarget, ReleaseSettings } from "../../src/config/release.js";
import { Secret } from "../../src/config/secret.js";
import { defaultGateway, indexPlatforms } from "../../src/release/gateway.js";
import { checkPlatformConfig } from "../../src/release/handoff.js";
import { FakeRegistry, OCI_INDEX, digestOf } from "../support/fake-registry.js";

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";
const d = (seed: string) => digestOf(seed);
const INDEX_BODY = JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_INDEX,
  manifests: [
    { mediaType: MANIFEST, digest: d("amd64"), size: 1, platform: { os: "linux", architecture: "amd64" } },
    { mediaType: MANIFEST, digest: d("arm64"), size: 1, platform: { os: "linux", architecture: "arm64" } },
    { mediaType: MANIFEST, digest: d("att"), size: 1, platform: { os: "unknown", architecture: "unknown" }, annotations: { "vnd.docker.reference.type": "attestation-manifest" } },
  ],
});

let registry: FakeRegistry;
let target: RegistryTarget;
let settings: ReleaseSettings;

beforeAll(async () => {
  registry = await new FakeRegistry().start();
  const address = new URL(registry.url).host;
  target = { key: "ghcr", image: `${address}/prizz/sandbox`, address };
  settings = {
    strategy: "native",
    role: "merge",
    platforms: ["linux/amd64", "linux/arm64"],
    push: true,
    freshBase: false,
    context: "image",
    dockerfile: "image/Dockerfile",
    cacheTag: "buildcache",
    defaultBranch: "main",
    buildArgs: {},
    registries: [target],
    credentials: { ghcr: { username: "pusher", password: new Secret("s3cret") } },
  };
  registry.push("prizz/sandbox", "1.2.3", { mediaType: OCI_INDEX, body: INDEX_BODY });
  registry.push("prizz/sandbox", d("single"), { mediaType: MANIFEST, body: JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, layers: [] }) });
});
afterAll(async () => {
  await registry.stop();
});

describe("release gateway over the distribution API", () => {
  it("a registry that answers (a 404 for the probe tag included) passes the check", async () => {
    expect(await defaultGateway(settings).check(target, settings.credentials.ghcr)).toBeUndefined();
  });

  it("reads an index's platform manifests, attestation entries left out", async () => {
    expect(await defaultGateway(settings).platformManifests(target, "1.2.3", undefined)).toEqual({ "linux/amd64": d("amd64"), "linux/arm64": d("arm64") });
    expect(indexPlatforms(JSON.parse(INDEX_BODY))).toEqual({ "linux/amd64": d("amd64"), "linux/arm64": d("arm64") });
  });

  it("a single manifest stands for the platform its build job built; an absent tag is undefined", async () => {
    const gateway = defaultGateway(settings);
    const single = await gateway.platformManifests(target, d("single"), undefined, "linux/arm64");
    expect(Object.keys(single!)).toEqual(["linux/arm64"]);
    expect(single!["linux/arm64"]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await gateway.platformManifests(target, "9.9.9", undefined)).toBeUndefined();
  });

  it("sends the release credentials to the token endpoint, and a refusal is the registry's problem, not a crash", async () => {
    registry.requiredCredentials = { username: "pusher", password: "s3cret" };
    try {
      expect(await defaultGateway(settings).check(target, undefined)).toBeUndefined();
      const wrong = { ...settings, credentials: { ghcr: { username: "pusher", password: new Secret("wrong") } } };
      expect(await defaultGateway(wrong).check(target, undefined)).toMatch(/HTTP 401/);
    } finally {
      registry.requiredCredentials = undefined;
    }
  });
});

describe("the merge step's platform image checks, over the distribution API", () => {
  const SHA = "89abcdef0123456789abcdef0123456789abcdef";
  const REPO = "prizz/sandbox";

  /** Pushes an image manifest with its config blob, as buildx does, under the manifest's digest. */
  function pushImage(architecture: string, revision: string | undefined, configAs?: string): string {
    const config = JSON.stringify({
      architecture,
      os: "linux",
      config: { Labels: revision === undefined ? {} : { "org.opencontainers.image.revision": revision } },
      rootfs: { type: "layers", diff_ids: [] },
    });
    const configDigest = configAs ?? digestOf(config);
    registry.pushBlob(REPO, config, configDigest);
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: configDigest, size: config.length }, layers: [] });
    return registry.push(REPO, digestOf(body), { mediaType: MANIFEST, body });
  }

  it("reads os, architecture and the revision label from the config, directly or through the build's index", async () => {
    const gateway = defaultGateway(settings);
    const amd = pushImage("amd64", SHA);
    const config = await gateway.platformConfig(target, amd, undefined, "linux/amd64");
    expect(config).toEqual({ os: "linux", architecture: "amd64", revision: SHA });
    expect(() => checkPlatformConfig(`${target.image}@${amd}`, "linux/amd64", config, SHA)).not.toThrow();

    const index = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: MANIFEST, digest: amd, size: 1, platform: { os: "linux", architecture: "amd64" } }] });
    const indexDigest = registry.push(REPO, digestOf(index), { mediaType: OCI_INDEX, body: index });
    expect(await gateway.platformConfig(target, indexDigest, undefined, "linux/amd64")).toEqual(config);
    expect(await gateway.platformConfig(target, indexDigest, undefined, "linux/arm64")).toBeUndefined();
    expect(await gateway.digest(target, indexDigest, undefined)).toBe(indexDigest);
    expect(await gateway.digest(target, "no-such-tag", undefined)).toBeUndefined();
  });

  it("a digest from another architecture or another commit is refused", async () => {
    const gateway = defaultGateway(settings);
    const arm = pushImage("arm64", SHA);
    expect(() => checkPlatformConfig(`x@${arm}`, "linux/amd64", undefined, SHA)).toThrow("no image config could be read");
    const armConfig = await gateway.platformConfig(target, arm, undefined, "linux/amd64");
    expect(() => checkPlatformConfig(`x@${arm}`, "linux/amd64", armConfig, SHA)).toThrow(`x@${arm} is a linux/arm64 image, not linux/amd64`);
    const old = pushImage("amd64", "0".repeat(40));
    const oldConfig = await gateway.platformConfig(target, old, undefined, "linux/amd64");
    expect(() => checkPlatformConfig(`x@${old}`, "linux/amd64", oldConfig, SHA)).toThrow(`was built from commit ${"0".repeat(40)}, not ${SHA}`);
  });

  it("a registry serving other bytes than the digest names (manifest or config) is refused", async () => {
    const gateway = defaultGateway(settings);
    const forged = pushImage("amd64", SHA, digestOf("the config that was tested"));
    await expect(gateway.platformConfig(target, forged, undefined, "linux/amd64")).rejects.toThrow(/served bytes with digest sha256:[0-9a-f]{64}, not sha256:/);
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config: { digest: d("c"), size: 1 }, layers: [] });
    registry.push(REPO, d("claimed"), { mediaType: MANIFEST, body });
    await expect(gateway.platformConfig(target, d("claimed"), undefined, "linux/amd64")).rejects.toThrow(`served a manifest with digest ${digestOf(body)}`);
  });

  it("finds a signature by its cosign tag", async () => {
    const gateway = defaultGateway(settings);
    expect(await gateway.isSigned(target, d("unsigned"), undefined)).toBe(false);
    registry.signatureTags.add(d("signed"));
    expect(await gateway.isSigned(target, d("signed"), undefined)).toBe(true);
  });
});
