// The release stacks under Pulumi mocks, with the CI environment set as GitHub Actions sets it. The registries are
// the one faked edge (src/release/gateway.ts); tags, labels, caches, checks and decisions are the real code.

import { readdirSync } from "node:fs";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { IMAGE_NAMES, PLATFORMS } from "../../src/facts.js";
import type { RegistryTarget } from "../../src/config/release.js";
import type { PlatformManifests } from "../../src/release/publish.js";
import { parseReleaseSettings } from "../../src/config/release.js";
import { runRelease } from "../../src/release/program.js";
import { PROJECT_DIR, effectiveConfig, fakeDigest, runProgram, TYPES, type ConfigValue, type DeclaredResource, type ProgramRun } from "../support/program.js";

// The registries as the gateway sees them: per image, reference (tag or digest) -> platform manifests.
const registry = vi.hoisted(() => ({
  down: new Set<string>(),
  content: new Map<string, Map<string, Record<string, string>>>(),
  /** digest -> what its image config says (os, architecture, revision label). */
  configs: new Map<string, { os: string; architecture: string; revision?: string }>(),
  /** image -> tag -> digest it serves. */
  tags: new Map<string, Map<string, string>>(),
  /** `image@digest` carrying a signature. */
  signed: new Set<string>(),
  calls: [] as string[],
}));

vi.mock("../../src/release/gateway.js", () => ({
  defaultGateway: () => ({
    check: async (target: RegistryTarget) => {
      registry.calls.push(`check ${target.key}`);
      return registry.down.has(target.key) ? "GET /v2/ answered 503" : undefined;
    },
    platformManifests: async (target: RegistryTarget, reference: string): Promise<PlatformManifests | undefined> => {
      registry.calls.push(`manifests ${target.image}:${reference}`);
      return registry.content.get(target.image)?.get(reference);
    },
    platformConfig: async (target: RegistryTarget, digest: string) => {
      registry.calls.push(`config ${target.image}@${digest}`);
      return registry.configs.get(digest);
    },
    digest: async (target: RegistryTarget, reference: string) => {
      registry.calls.push(`digest ${target.image}:${reference}`);
      return registry.tags.get(target.image)?.get(reference);
    },
    isSigned: async (target: RegistryTarget, digest: string) => {
      registry.calls.push(`signed? ${target.image}@${digest}`);
      return registry.signed.has(`${target.image}@${digest}`);
    },
  }),
}));

const SHA = "89abcdef0123456789abcdef0123456789abcdef";
const CI_ENV = {
  GITHUB_SHA: SHA,
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "prizz/opencode-cloud",
  GITHUB_RUN_ID: "123456789",
  SOURCE_DATE_EPOCH: "1763942400",
  OPENCODE_CLOUD_RELEASE_TAGS: "v1.0.0\nv1.1.0\nv2.0.0",
  DOCKERHUB_USERNAME: "prizz",
  DOCKERHUB_TOKEN: "dckr_pat_from_a_github_secret",
  GITHUB_ACTOR: "prizz-bot",
  GITHUB_TOKEN: "ghs_from_the_workflow_token",
};
const DH = IMAGE_NAMES.dockerHub;
const GH = IMAGE_NAMES.ghcr;
const AMD = fakeDigest("amd64 build");
const ARM = fakeDigest("arm64 build");
const DIGESTS = JSON.stringify({ dockerHub: { "linux/amd64": AMD, "linux/arm64": ARM }, ghcr: { "linux/amd64": AMD, "linux/arm64": ARM } });
/** The verify jobs' outputs: the digests the gates tested. */
const VERIFIED = JSON.stringify({ "linux/amd64": AMD, "linux/arm64": ARM });
const MERGE_ENV = { OPENCODE_CLOUD_PLATFORM_DIGESTS: DIGESTS, OPENCODE_CLOUD_VERIFIED_DIGESTS: VERIFIED };

function publishBuilds(image: string): void {
  const refs = registry.content.get(image) ?? new Map<string, Record<string, string>>();
  refs.set(AMD, { "linux/amd64": fakeDigest("amd64 manifest") });
  refs.set(ARM, { "linux/arm64": fakeDigest("arm64 manifest") });
  registry.content.set(image, refs);
  registry.configs.set(AMD, { os: "linux", architecture: "amd64", revision: SHA });
  registry.configs.set(ARM, { os: "linux", architecture: "arm64", revision: SHA });
}

/** The merge step's candidate, signed: `sha-89abcde` names INDEX in the registry, with both platforms. */
const INDEX = fakeDigest("signed index");
function publishCandidate(image: string, { signed = true, tagged = INDEX } = {}): void {
  registry.tags.set(image, new Map([["sha-89abcde", tagged], [INDEX, INDEX]]));
  const refs = registry.content.get(image) ?? new Map<string, Record<string, string>>();
  refs.set(INDEX, { "linux/amd64": fakeDigest("amd64 manifest"), "linux/arm64": fakeDigest("arm64 manifest") });
  registry.content.set(image, refs);
  if (signed) registry.signed.add(`${image}@${INDEX}`);
}
const SIGNED = JSON.stringify({ dockerHub: INDEX, ghcr: INDEX });

/**
 * The program up to the point where it fails, outside the Pulumi stack (a program that throws inside the mocked
 * stack also leaves unhandled rejections behind): the same stack file and config, the same code path.
 */
async function failureOf(stackFile: string, overrides: Record<string, ConfigValue | null> = {}): Promise<Error> {
  try {
    const config = effectiveConfig({ stackFile, overrides });
    const settings = parseReleaseSettings({ values: config.values, secretKeys: new Set(config.secretKeys) }, process.env);
    await runRelease(process.env, { settings, dryRun: false });
  } catch (e) {
    return e as Error;
  }
  throw new Error("the release program did not fail");
}

function setEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) vi.stubEnv(k, v);
}

beforeEach(() => {
  registry.down.clear();
  registry.content.clear();
  registry.configs.clear();
  registry.tags.clear();
  registry.signed.clear();
  registry.calls.length = 0;
  for (const k of [
    "DOCKERHUB_USERNAME",
    "DOCKERHUB_TOKEN",
    "GITHUB_ACTOR",
    "GITHUB_TOKEN",
    "GHCR_TOKEN",
    "GHCR_USERNAME",
    "OPENCODE_CLOUD_PLATFORM_DIGESTS",
    "OPENCODE_CLOUD_VERIFIED_DIGESTS",
    "OPENCODE_CLOUD_SIGNED_INDEXES",
  ]) vi.stubEnv(k, undefined);
  setEnv(CI_ENV);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

const images = (run: ProgramRun) => run.resources.filter((r) => r.type === TYPES.buildImage);
const indexes = (run: ProgramRun) => run.resources.filter((r) => r.type === "docker-build:index:Index");
type Export = { registry: { names?: string[]; push: boolean; pushByDigest?: boolean; annotations: Record<string, string> } };
/** The one registry export, with the names the image is pushed under (its tags: see src/image/release.ts). */
const exportOf = (r: DeclaredResource) => {
  const exports = r.inputs["exports"] as Export[];
  expect(exports).toHaveLength(1);
  expect(exports[0]!.registry.names).toBeUndefined();
  return { ...exports[0]!.registry, names: r.inputs["tags"] as string[] };
};

describe("build stacks (native runners, one platform each)", () => {
  it.each([
    ["release-amd64", "linux/amd64", "amd64"],
    ["release-arm64", "linux/arm64", "arm64"],
  ])("%s builds %s only and pushes it by digest to both registries", async (stackFile, platform, arch) => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0" });
    const run = await runProgram({ stackFile });
    const [image, ...more] = images(run);
    expect(more).toEqual([]);
    expect(image!.inputs["platforms"]).toEqual([platform]);
    expect(exportOf(image!)).toMatchObject({ names: [DH, GH], push: true, pushByDigest: true });
    expect(indexes(run)).toEqual([]);
    expect(image!.options.retainOnDelete).toBe(true);
    // Tag builds read main's caches and write none.
    expect(image!.inputs["cacheFrom"]).toEqual([{ registry: { ref: `${DH}:buildcache-${arch}` } }, { gha: { scope: `buildcache-${arch}` } }]);
    expect(image!.inputs["cacheTo"]).toEqual([]);
    expect(run.outputs["digests"]).toEqual({ dockerHub: { [platform]: fakeDigest(`build:release-${arch}-image`) }, ghcr: { [platform]: fakeDigest(`build:release-${arch}-image`) } });
    expect(run.outputs["tags"]).toEqual(["2.1.0", "2.1", "2", "latest", "sha-89abcde"]);
    expect(run.outputs["refs"]).toEqual({ dockerHub: `${DH}@${fakeDigest(`build:release-${arch}-image`)}`, ghcr: `${GH}@${fakeDigest(`build:release-${arch}-image`)}` });
  });

  it("main writes the registry cache (mode max) and the GitHub cache", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main" });
    const run = await runProgram({ stackFile: "release-amd64" });
    expect(images(run)[0]!.inputs["cacheTo"]).toEqual([
      { registry: { ref: `${DH}:buildcache-amd64`, mode: "max", imageManifest: true, ociMediaTypes: true, ignoreError: true } },
      { gha: { scope: "buildcache-amd64", mode: "max", ignoreError: true } },
    ]);
    expect(run.outputs["tags"]).toEqual(["edge", "sha-89abcde"]);
  });

  it("a pull request previews with main's cache, pushes nothing and writes no cache", async () => {
    setEnv({ GITHUB_REF: "refs/pull/12/merge", DOCKERHUB_TOKEN: undefined, GITHUB_TOKEN: undefined });
    const run = await runProgram({ stackFile: "release-arm64", preview: true });
    const image = images(run)[0]!;
    expect(image.inputs["cacheFrom"]).toHaveLength(2);
    expect(image.inputs["cacheTo"]).toEqual([]);
    expect(image.inputs["buildOnPreview"]).toBe(true);
    expect(registry.calls).toEqual([]);
  });

  it("a pull request refuses a pushing update", async () => {
    setEnv({ GITHUB_REF: "refs/pull/12/merge" });
    expect((await failureOf("release-amd64")).message).toMatch(/GITHUB_REF: .*pull request, which never pushes/);
  });

  it("passes registry tokens only as secrets", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main" });
    const run = await runProgram({ stackFile: "release-amd64" });
    const image = images(run)[0]!;
    expect(image.secretInputs).toContain("registries");
    expect(image.inputs["registries"]).toEqual([
      { address: "docker.io", username: "prizz", password: CI_ENV.DOCKERHUB_TOKEN },
      { address: "ghcr.io", username: "prizz-bot", password: CI_ENV.GITHUB_TOKEN },
    ]);
    expect(JSON.stringify(run.outputs)).not.toContain(CI_ENV.DOCKERHUB_TOKEN);
  });

  it("takes a secure token from the stack config and refuses a plain one", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", DOCKERHUB_TOKEN: undefined });
    const run = await runProgram({ stackFile: "release-amd64", overrides: { "opencode-cloud:releaseDockerHubToken": { secure: "dckr_pat_in_config" } } });
    expect((images(run)[0]!.inputs["registries"] as { password: string }[])[0]!.password).toBe("dckr_pat_in_config");
    expect((await failureOf("release-amd64", { "opencode-cloud:releaseDockerHubToken": "dckr_pat_plain" })).message).toMatch(
      /opencode-cloud:releaseDockerHubToken: is stored as plain text/,
    );
  });

  it("refuses to push without credentials, naming the key and the environment", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", GITHUB_TOKEN: undefined });
    expect((await failureOf("release-amd64")).message).toMatch(/opencode-cloud:releaseGhcrToken: no push credentials for ghcr.*GHCR_TOKEN\/GITHUB_TOKEN/);
  });

  it("labels the image with the build metadata, created = the commit time", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0" });
    const first = await runProgram({ stackFile: "release-amd64" });
    const labels = images(first)[0]!.inputs["labels"] as Record<string, string>;
    expect(labels).toMatchObject({
      "org.opencontainers.image.revision": SHA,
      "org.opencontainers.image.version": "2.1.0",
      "org.opencontainers.image.created": "2025-11-24T00:00:00Z",
      "org.opencontainers.image.source": "https://github.com/prizz/opencode-cloud",
      "dev.opencode-cloud.ci-run": "https://github.com/prizz/opencode-cloud/actions/runs/123456789",
      "dev.opencode-cloud.ref-name": "v2.1.0",
    });
    expect(labels["dev.opencode-cloud.builder"]).toMatch(/^pulumi-docker-build\/\d+\.\d+\.\d+$/);
    expect(exportOf(images(first)[0]!).annotations["manifest:org.opencontainers.image.created"]).toBe("2025-11-24T00:00:00Z");
    expect(images(first)[0]!.inputs["buildArgs"]).toEqual({ SOURCE_DATE_EPOCH: "1763942400" });
    // Same inputs, later run attempt: the same labels.
    setEnv({ GITHUB_RUN_ATTEMPT: "2" });
    const second = await runProgram({ stackFile: "release-amd64" });
    expect(images(second)[0]!.inputs["labels"]).toEqual(labels);
  });

  it("passes the stack's build args beside SOURCE_DATE_EPOCH, which stays the commit time", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0" });
    const run = await runProgram({ stackFile: "release-amd64", overrides: { "opencode-cloud:releaseBuildArgs": '{"TOOLSET":"runtime","BASE_IMAGE":"local/debian:bookworm"}' } });
    expect(images(run)[0]!.inputs["buildArgs"]).toEqual({ TOOLSET: "runtime", BASE_IMAGE: "local/debian:bookworm", SOURCE_DATE_EPOCH: "1763942400" });
  });

  it("leaves out a registry that does not answer and warns; fails when none answers", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main" });
    registry.down.add("dockerHub");
    const run = await runProgram({ stackFile: "release-amd64" });
    expect(exportOf(images(run)[0]!).names).toEqual([GH]);
    expect(images(run)[0]!.inputs["cacheFrom"]).toEqual([{ registry: { ref: `${GH}:buildcache-amd64` } }, { gha: { scope: "buildcache-amd64" } }]);
    expect(run.outputs["registries"]).toEqual(["ghcr"]);
    expect(run.outputs["images"]).toEqual({ ghcr: GH });
    expect(run.outputs["warnings"]).toEqual([expect.stringMatching(/^dockerHub is left out of this release \(GET \/v2\/ answered 503\)/)]);
    registry.down.add("ghcr");
    expect((await failureOf("release-amd64")).message).toMatch(/every registry failed, nothing is published/);
  });
});

describe("merge stack, candidate step (the index under its sha- tag, over the digests the gates tested)", () => {
  it("publishes one index per registry under sha- only, from the verified digests, after checking each platform image", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0", ...MERGE_ENV });
    publishBuilds(DH);
    publishBuilds(GH);
    const run = await runProgram({ stackFile: "release" });
    expect(images(run)).toEqual([]);
    expect(indexes(run).map((r) => r.inputs["tag"])).toEqual([`${DH}:sha-89abcde`, `${GH}:sha-89abcde`]);
    for (const index of indexes(run)) {
      const image = String(index.inputs["tag"]).startsWith(DH) ? DH : GH;
      expect(index.inputs["sources"]).toEqual([`${image}@${AMD}`, `${image}@${ARM}`]);
      expect(index.secretInputs).toEqual(["registry"]);
      expect(index.options.retainOnDelete).toBe(true);
    }
    expect(run.outputs["stage"]).toBe("candidate");
    expect(run.outputs["tags"]).toEqual(["2.1.0", "2.1", "2", "latest", "sha-89abcde"]);
    expect(run.outputs["digests"]).toEqual({ dockerHub: { "linux/amd64": AMD, "linux/arm64": ARM }, ghcr: { "linux/amd64": AMD, "linux/arm64": ARM } });
    const indexDigests = run.outputs["indexDigests"] as Record<string, string>;
    expect(indexDigests["dockerHub"]).toBe(fakeDigest("index:release-dockerHub-sha-89abcde"));
    expect(run.outputs["published"]).toEqual([`${DH}@${indexDigests["dockerHub"]}`, `${GH}@${indexDigests["ghcr"]}`]);
    for (const image of [DH, GH]) for (const d of [AMD, ARM]) expect(registry.calls).toContain(`config ${image}@${d}`);
    // The exact version is checked now too (fail before anything is pushed).
    expect(registry.calls).toContain(`manifests ${DH}:2.1.0`);
  });

  it("refuses a build digest the gates did not test (a tampered hand-off), before asking any registry", async () => {
    const tampered = fakeDigest("some other manifest in the repository");
    setEnv({
      GITHUB_REF: "refs/tags/v2.1.0",
      OPENCODE_CLOUD_PLATFORM_DIGESTS: JSON.stringify({ dockerHub: { "linux/amd64": tampered, "linux/arm64": ARM }, ghcr: { "linux/amd64": AMD, "linux/arm64": ARM } }),
      OPENCODE_CLOUD_VERIFIED_DIGESTS: VERIFIED,
    });
    expect((await failureOf("release")).message).toBe(
      `dockerHub linux/amd64: the build job reported ${tampered}, but the gates tested ${AMD}; nothing is tagged`,
    );
    expect(registry.calls).toEqual([]);
  });

  it("refuses to tag without the verify jobs' digests, naming the variable", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", OPENCODE_CLOUD_PLATFORM_DIGESTS: DIGESTS });
    expect((await failureOf("release")).message).toMatch(/^OPENCODE_CLOUD_VERIFIED_DIGESTS: is not set/);
    setEnv({ OPENCODE_CLOUD_VERIFIED_DIGESTS: JSON.stringify({ "linux/amd64": AMD }) });
    expect((await failureOf("release")).message).toMatch(/no verified digest for linux\/arm64: the gates did not pass there/);
    setEnv({ OPENCODE_CLOUD_VERIFIED_DIGESTS: JSON.stringify({ "linux/amd64": "sha256:short", "linux/arm64": ARM }) });
    expect((await failureOf("release")).message).toMatch(/OPENCODE_CLOUD_VERIFIED_DIGESTS: linux\/amd64: "sha256:short" is not a digest/);
  });

  it("refuses a platform image built from another commit, or for another architecture", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0", ...MERGE_ENV });
    publishBuilds(DH);
    publishBuilds(GH);
    registry.configs.set(ARM, { os: "linux", architecture: "arm64", revision: "0".repeat(40) });
    expect((await failureOf("release")).message).toBe(
      `${DH}@${ARM} (linux/arm64) was built from commit ${"0".repeat(40)}, not ${SHA} (label org.opencontainers.image.revision); nothing is tagged`,
    );
    registry.configs.set(ARM, { os: "linux", architecture: "amd64", revision: SHA });
    expect((await failureOf("release")).message).toBe(`${DH}@${ARM} is a linux/amd64 image, not linux/arm64; nothing is tagged`);
    registry.configs.set(ARM, { os: "linux", architecture: "arm64" });
    expect((await failureOf("release")).message).toMatch(/was built from an unlabelled commit/);
  });

  it("never overwrites an exact version that points at other images", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.0.0", ...MERGE_ENV });
    publishBuilds(DH);
    publishBuilds(GH);
    registry.content.get(GH)!.set("2.0.0", { "linux/amd64": fakeDigest("older amd64"), "linux/arm64": fakeDigest("arm64 manifest") });
    expect((await failureOf("release")).message).toMatch(/ghcr.io\/prizz\/opencode-cloud-sandbox:2.0.0 already points at another image \(linux\/amd64/);
  });

  it("publishes to one registry when the other lacks a build, and fails when both do", async () => {
    setEnv({
      GITHUB_REF: "refs/heads/main",
      OPENCODE_CLOUD_PLATFORM_DIGESTS: JSON.stringify({ dockerHub: { "linux/amd64": AMD, "linux/arm64": ARM }, ghcr: { "linux/amd64": AMD } }),
      OPENCODE_CLOUD_VERIFIED_DIGESTS: VERIFIED,
    });
    publishBuilds(DH);
    publishBuilds(GH);
    const run = await runProgram({ stackFile: "release" });
    expect(indexes(run).map((r) => r.inputs["tag"])).toEqual([`${DH}:sha-89abcde`]);
    expect(run.outputs["warnings"]).toEqual([expect.stringContaining("ghcr is left out of this release (the build jobs pushed no linux/arm64 image to it)")]);

    setEnv({ OPENCODE_CLOUD_PLATFORM_DIGESTS: JSON.stringify({ dockerHub: { "linux/amd64": AMD }, ghcr: {} }) });
    expect((await failureOf("release")).message).toMatch(/every registry failed/);
  });

  it("indexes only the configured platforms", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", ...MERGE_ENV });
    publishBuilds(DH);
    publishBuilds(GH);
    const run = await runProgram({ stackFile: "release", overrides: { "opencode-cloud:releasePlatforms": "linux/arm64" } });
    expect(indexes(run).map((r) => r.inputs["sources"])).toEqual([[`${DH}@${ARM}`], [`${GH}@${ARM}`]]);
  });

  it("refuses digests that are not digests, naming the variable", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", OPENCODE_CLOUD_PLATFORM_DIGESTS: JSON.stringify({ dockerHub: { "linux/amd64": "latest" } }) });
    expect((await failureOf("release")).message).toMatch(/OPENCODE_CLOUD_PLATFORM_DIGESTS: dockerHub linux\/amd64: "latest" is not a digest/);
  });

  it("needs the existing release tags for a tag build", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0", OPENCODE_CLOUD_RELEASE_TAGS: undefined, ...MERGE_ENV });
    expect((await failureOf("release")).message).toMatch(/OPENCODE_CLOUD_RELEASE_TAGS: is not set for a tag build/);
  });
});

describe("merge stack, promote step (release tags move to the signed index)", () => {
  it("moves X.Y.Z, X.Y, X and latest in each registry to exactly the signed index digest", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0", OPENCODE_CLOUD_SIGNED_INDEXES: SIGNED });
    publishCandidate(DH);
    publishCandidate(GH);
    const run = await runProgram({ stackFile: "release" });
    const expected = ["2.1.0", "2.1", "2", "latest"];
    expect(indexes(run).map((r) => r.inputs["tag"])).toEqual([...expected.map((t) => `${DH}:${t}`), ...expected.map((t) => `${GH}:${t}`)]);
    for (const index of indexes(run)) {
      const image = String(index.inputs["tag"]).startsWith(DH) ? DH : GH;
      expect(index.inputs["sources"]).toEqual([`${image}@${INDEX}`]);
    }
    expect(run.outputs["stage"]).toBe("promote");
    expect(run.outputs["indexDigests"]).toEqual({ dockerHub: INDEX, ghcr: INDEX });
    expect(run.outputs["published"]).toEqual([`${DH}@${INDEX}`, `${GH}@${INDEX}`]);
    expect(registry.calls).toEqual(
      expect.arrayContaining([`digest ${DH}:${INDEX}`, `digest ${DH}:sha-89abcde`, `signed? ${DH}@${INDEX}`, `manifests ${DH}:2.1.0`, `signed? ${GH}@${INDEX}`]),
    );
  });

  it("a hotfix on an older line moves neither latest nor the newer line's tags", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v1.0.1", OPENCODE_CLOUD_SIGNED_INDEXES: SIGNED });
    publishCandidate(DH);
    publishCandidate(GH);
    const run = await runProgram({ stackFile: "release" });
    expect(indexes(run).map((r) => r.inputs["tag"]).filter((t) => String(t).startsWith(DH))).toEqual([`${DH}:1.0.1`, `${DH}:1.0`]);
  });

  it("moves no tag when the signed index is missing or carries no signature; a re-pointed sha- tag only warns", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0", OPENCODE_CLOUD_SIGNED_INDEXES: SIGNED });
    const other = fakeDigest("an index another run of this commit pushed");
    publishCandidate(DH, { tagged: other });
    publishCandidate(GH);
    const run = await runProgram({ stackFile: "release" });
    expect(indexes(run).filter((r) => String(r.inputs["tag"]).startsWith(DH)).map((r) => r.inputs["sources"])).toEqual(Array(4).fill([`${DH}@${INDEX}`]));

    registry.signed.delete(`${DH}@${INDEX}`);
    expect((await failureOf("release")).message).toBe(`${DH}:sha-89abcde (${INDEX}) carries no signature; no release tag moves to an unsigned digest`);
    registry.tags.get(GH)!.delete(INDEX);
    registry.signed.add(`${DH}@${INDEX}`);
    expect((await failureOf("release")).message).toBe(`${GH}@${INDEX} (the signed index) is not in the registry; no release tag moves`);
  });

  it("edge moves to the signed index; an exact version holding other images is never overwritten", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", OPENCODE_CLOUD_SIGNED_INDEXES: JSON.stringify({ ghcr: INDEX }) });
    publishCandidate(GH);
    const run = await runProgram({ stackFile: "release" });
    expect(indexes(run).map((r) => r.inputs["tag"])).toEqual([`${GH}:edge`]);
    expect(run.outputs["warnings"]).toEqual([expect.stringContaining("dockerHub is left out of this release (the merge step published no signed index to it)")]);

    setEnv({ GITHUB_REF: "refs/tags/v2.0.0", OPENCODE_CLOUD_SIGNED_INDEXES: SIGNED });
    publishCandidate(DH);
    registry.content.get(DH)!.set("2.0.0", { "linux/amd64": fakeDigest("older amd64"), "linux/arm64": fakeDigest("arm64 manifest") });
    expect((await failureOf("release")).message).toMatch(/docker.io\/prizz\/opencode-cloud-sandbox:2.0.0 already points at another image/);
  });

  it("refuses signed digests that are not digests, naming the variable", async () => {
    setEnv({ GITHUB_REF: "refs/heads/main", OPENCODE_CLOUD_SIGNED_INDEXES: JSON.stringify({ dockerHub: "latest" }) });
    expect((await failureOf("release")).message).toMatch(/OPENCODE_CLOUD_SIGNED_INDEXES: dockerHub: "latest" is not a digest/);
    setEnv({ OPENCODE_CLOUD_SIGNED_INDEXES: "{}" });
    expect((await failureOf("release")).message).toMatch(/OPENCODE_CLOUD_SIGNED_INDEXES: names no registry/);
  });
});

describe("QEMU stack (one multi-platform build)", () => {
  it("builds every platform in one image and pushes every tag to both registries", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.1.0" });
    const run = await runProgram({ stackFile: "release-qemu" });
    const [image, ...more] = images(run);
    expect(more).toEqual([]);
    expect(image!.inputs["platforms"]).toEqual([...PLATFORMS]);
    const names = exportOf(image!).names;
    expect(names).toContain(`${DH}:latest`);
    expect(names).toContain(`${GH}:2.1.0`);
    expect(names).toHaveLength(10);
    expect(exportOf(image!).annotations["index:org.opencontainers.image.version"]).toBe("2.1.0");
    expect(image!.inputs["cacheFrom"]).toEqual([{ registry: { ref: `${DH}:buildcache-multi` } }, { gha: { scope: "buildcache-multi" } }]);
  });

  it("refuses to push an exact version that already exists (its digest is known only after the push)", async () => {
    setEnv({ GITHUB_REF: "refs/tags/v2.0.0" });
    registry.content.set(DH, new Map([["2.0.0", { "linux/amd64": fakeDigest("x") }]]));
    expect((await failureOf("release-qemu")).message).toMatch(/docker.io\/prizz\/opencode-cloud-sandbox:2.0.0 already exists/);
  });
});

describe("every shipped release stack", () => {
  const RELEASE_STACKS = readdirSync(join(PROJECT_DIR, "stacks"))
    .filter((f) => /^Pulumi\.release.*\.yaml$/.test(f))
    .map((f) => f.slice("Pulumi.".length, -".yaml".length))
    .sort();

  it("are the four roles", () => {
    expect(RELEASE_STACKS).toEqual(["release", "release-amd64", "release-arm64", "release-qemu"]);
  });

  it.each(RELEASE_STACKS)("%s previews on main without registries or credentials and declares identical inputs twice", async (stackFile) => {
    setEnv({ GITHUB_REF: "refs/heads/main", DOCKERHUB_TOKEN: undefined, GITHUB_TOKEN: undefined, OPENCODE_CLOUD_PLATFORM_DIGESTS: DIGESTS });
    const first = await runProgram({ stackFile, preview: true });
    const second = await runProgram({ stackFile, preview: true });
    expect(first.resources.filter((r) => r.custom).length).toBeGreaterThan(0);
    expect(second.resources.map((r) => [r.type, r.name, r.inputs])).toEqual(first.resources.map((r) => [r.type, r.name, r.inputs]));
    expect(registry.calls).toEqual([]);
    expect(first.config.values["opencode-cloud:mode"]).toBe("release");
  });
});
