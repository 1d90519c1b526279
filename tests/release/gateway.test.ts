// The real release gateway (the shared distribution client with the release credentials) against the loopback fake
// registry with its bearer-token endpoint.

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { RegistryTarget, ReleaseSettings } from "../../src/config/release.js";
import { Secret } from "../../src/config/secret.js";
import { defaultGateway, indexPlatforms } from "../../src/release/gateway.js";
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
