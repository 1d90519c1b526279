import { describe, expect, it } from "vitest";

import { ConfigError } from "../../src/config/errors.js";
import { parseReleaseSettings } from "../../src/config/release.js";
import { readCiContext, parsePlatformDigests, parseSignedIndexes, parseVerifiedDigests } from "../../src/release/context.js";
import { checkHandOff } from "../../src/release/handoff.js";
import { PublishError } from "../../src/release/publish.js";
import {
  buildHandOff,
  candidateEnv,
  candidateIndexes,
  checkReadBack,
  credentialsEnv,
  formatDuration,
  githubEnv,
  parsePlatforms,
  parseRegistryOverride,
  promoteEnv,
  rehearsalBuildArgs,
  rehearsalJobs,
  rehearsalRef,
  rehearsalTags,
  signingPlan,
  type ReadBack,
  type RehearsalInput,
} from "../../src/release/rehearsal.js";
import { effectiveConfig } from "../support/program.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const D = (c: string) => `sha256:${c.repeat(64)}`;
const INPUT: RehearsalInput = {
  sha: SHA,
  commitEpoch: 1763942400,
  existingTags: ["v0.1.0"],
  runId: "77",
  platforms: ["linux/amd64", "linux/arm64"],
  registries: { dockerHub: "127.0.0.1:5051", ghcr: "127.0.0.1:5052" },
  repository: "prizz/opencode-cloud-sandbox",
  buildArgs: rehearsalBuildArgs("127.0.0.1:5051"),
};

describe("release rehearsal plan", () => {
  it("rehearses a throwaway pre-release of the commit by default: the exact version and sha- only", () => {
    expect(rehearsalRef(1763942400)).toBe("refs/tags/v0.0.0-rehearsal.1763942400");
    expect(rehearsalTags(INPUT).tags).toEqual(["0.0.0-rehearsal.1763942400", "sha-0123456"]);
    expect(rehearsalTags({ ...INPUT, ref: "refs/tags/v0.2.0" }).tags).toEqual(["0.2.0", "0.2", "latest", "sha-0123456"]);
    expect(() => rehearsalTags({ ...INPUT, ref: "refs/heads/main" })).toThrow(ConfigError);
    expect(() => rehearsalTags({ ...INPUT, ref: "refs/tags/v1.2" })).toThrow(/GITHUB_REF/);
  });

  it("sets the environment a tag build has, which the release context accepts", () => {
    const env = githubEnv(INPUT);
    const ctx = readCiContext(env);
    expect(ctx).toMatchObject({ ref: rehearsalRef(INPUT.commitEpoch), sha: SHA, commitEpoch: 1763942400, existingTags: ["v0.1.0"] });
    expect(ctx.runUrl).toBe("https://github.com/pRizz/opencode-cloud/actions/runs/77");
  });

  it("jobs: one build per platform on its committed stack, then candidate and promote on the merge stack; the config they get validates", () => {
    const jobs = rehearsalJobs(INPUT);
    expect(jobs.map((j) => [j.id, j.stack])).toEqual([
      ["build-amd64", "release-amd64"],
      ["build-arm64", "release-arm64"],
      ["candidate", "release"],
      ["promote", "release"],
    ]);
    const env = credentialsEnv("pusher", "pw");
    for (const job of jobs) {
      const config = effectiveConfig({ stackFile: job.stack, overrides: job.config });
      const settings = parseReleaseSettings({ values: config.values, secretKeys: new Set(config.secretKeys) }, env);
      expect(settings.registries.map((r) => r.image)).toEqual(["127.0.0.1:5051/prizz/opencode-cloud-sandbox", "127.0.0.1:5052/prizz/opencode-cloud-sandbox"]);
      expect(Object.keys(settings.credentials)).toEqual(["dockerHub", "ghcr"]);
      if (job.id === "build-arm64") expect(settings.buildArgs).toEqual({ BASE_IMAGE: "127.0.0.1:5051/local/debian:bookworm-arm64", TOOLSET: "runtime" });
      if (job.id === "build-amd64") expect(settings.buildArgs).toEqual({ BASE_IMAGE: "127.0.0.1:5051/local/debian:bookworm", TOOLSET: "runtime" });
      if (job.stack === "release") expect(settings.platforms).toEqual(["linux/amd64", "linux/arm64"]);
    }
    const amd64Only = rehearsalJobs({ ...INPUT, platforms: ["linux/amd64"] });
    expect(amd64Only.map((j) => j.id)).toEqual(["build-amd64", "candidate", "promote"]);
    expect(amd64Only[1]!.config["opencode-cloud:releasePlatforms"]).toBe("linux/amd64");
    expect(() => rehearsalJobs({ ...INPUT, platforms: [] })).toThrow(/--platforms/);
  });

  it("build hand-off: one sha256 digest for the platform, the same in every registry (publish.yml's jq check)", () => {
    const good = { digests: { dockerHub: { "linux/amd64": D("a") }, ghcr: { "linux/amd64": D("a") } } };
    expect(buildHandOff(good, "linux/amd64")).toEqual({ digests: good.digests, digest: D("a") });
    expect(buildHandOff({ digests: { ghcr: { "linux/amd64": D("a") } } }, "linux/amd64").digest).toBe(D("a"));
    const bad: [unknown, RegExp][] = [
      [undefined, /missing or empty/],
      [{}, /missing or empty/],
      [{ dockerHub: { "linux/amd64": D("a") }, ghcr: { "linux/amd64": D("b") } }, /different digests/],
      [{ dockerHub: { "linux/arm64": D("a") } }, /not one sha256 digest for linux\/amd64/],
      [{ dockerHub: { "linux/amd64": D("a"), "linux/arm64": D("a") } }, /not one sha256 digest/],
      [{ dockerHub: { "linux/amd64": "sha256:abc" } }, /not one sha256 digest/],
      [{ quay: { "linux/amd64": D("a") } }, /unknown registry "quay"/],
    ];
    for (const [digests, message] of bad) expect(() => buildHandOff({ digests }, "linux/amd64")).toThrow(message);
  });

  it("candidate environment: merged digests and the verified ones, which the program's own parsers and hand-off check accept", () => {
    const builds = [
      { platform: "linux/amd64" as const, digest: D("a"), digests: { dockerHub: { "linux/amd64": D("a") }, ghcr: { "linux/amd64": D("a") } } },
      { platform: "linux/arm64" as const, digest: D("b"), digests: { dockerHub: { "linux/arm64": D("b") } } },
    ];
    const env = candidateEnv(builds);
    const sources = parsePlatformDigests(env["OPENCODE_CLOUD_PLATFORM_DIGESTS"]);
    expect(sources).toEqual({ dockerHub: { "linux/amd64": D("a"), "linux/arm64": D("b") }, ghcr: { "linux/amd64": D("a") } });
    const verified = parseVerifiedDigests(env["OPENCODE_CLOUD_VERIFIED_DIGESTS"]);
    expect(verified).toEqual({ "linux/amd64": D("a"), "linux/arm64": D("b") });
    expect(() => checkHandOff(sources, verified, ["linux/amd64", "linux/arm64"])).not.toThrow();
  });

  it("candidate indexes and the promote environment", () => {
    expect(candidateIndexes({ indexDigests: { dockerHub: D("c"), ghcr: D("d") } })).toEqual({ dockerHub: D("c"), ghcr: D("d") });
    expect(() => candidateIndexes({ indexDigests: {} })).toThrow(/no index/);
    expect(() => candidateIndexes({})).toThrow(/no index/);
    expect(() => candidateIndexes({ indexDigests: { dockerHub: "latest" } })).toThrow(PublishError);
    expect(parseSignedIndexes(promoteEnv({ ghcr: D("d") })["OPENCODE_CLOUD_SIGNED_INDEXES"])).toEqual({ ghcr: D("d") });
  });

  it("signing: key mode with a cosign binary, else skipped with the reason", () => {
    expect(signingPlan("/x/cosign", "COSIGN")).toEqual({ mode: "key", cosign: "/x/cosign" });
    const skipped = signingPlan(undefined, "/tools/bin/cosign");
    expect(skipped.mode).toBe("skipped");
    expect(skipped.mode === "skipped" && skipped.reason).toMatch(/no cosign binary \(looked in \/tools\/bin\/cosign;/);
  });

  it("read-back: every tag an index over the verified digests, the signed index in each registry", () => {
    const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    const verified = { "linux/amd64": D("a"), "linux/arm64": D("b") } as const;
    const index = (digest: string, platforms: ReadBack["platforms"] = verified): ReadBack => ({ mediaType: OCI_INDEX, digest, platforms });
    const tags = ["1.0.0", "sha-0123456"];
    const found = { dockerHub: { "1.0.0": index(D("c")), "sha-0123456": index(D("c")) }, ghcr: { "1.0.0": index(D("d")), "sha-0123456": index(D("d")) } };
    const signed = { dockerHub: D("c"), ghcr: D("d") };
    expect(checkReadBack(["dockerHub", "ghcr"], tags, found, verified, signed)).toEqual([]);
    expect(
      checkReadBack(
        ["dockerHub", "ghcr"],
        tags,
        {
          dockerHub: { "1.0.0": { mediaType: "application/vnd.oci.image.manifest.v1+json", digest: D("a"), platforms: {} }, "sha-0123456": index(D("e")) },
          ghcr: { "1.0.0": index(D("d"), { "linux/amd64": D("a") }) },
        },
        verified,
        signed,
      ),
    ).toEqual([
      "dockerHub :1.0.0 is a application/vnd.oci.image.manifest.v1+json, not an index",
      `dockerHub :1.0.0 holds linux/amd64 (none), not ${D("a")}`,
      `dockerHub :1.0.0 holds linux/arm64 (none), not ${D("b")}`,
      `dockerHub :1.0.0 is ${D("a")}, not the signed index ${D("c")}`,
      `dockerHub :sha-0123456 is ${D("e")}, not the signed index ${D("c")}`,
      `ghcr :1.0.0 holds linux/arm64 (none), not ${D("b")}`,
      "ghcr :sha-0123456 is missing",
    ]);
  });

  it("durations and the --platforms option", () => {
    expect(formatDuration(4_240)).toBe("4.2s");
    expect(formatDuration(83_400)).toBe("1m 23.4s");
    expect(formatDuration(3_605_000)).toBe("60m 05.0s");
    expect(parsePlatforms("amd64")).toEqual(["linux/amd64"]);
    expect(parsePlatforms("linux/arm64, amd64")).toEqual(["linux/amd64", "linux/arm64"]);
    expect(() => parsePlatforms("amd64,amd64")).toThrow(/--platforms/);
    expect(() => parsePlatforms("riscv64")).toThrow(/"linux\/riscv64" is not a platform/);
    expect(() => parsePlatforms("")).toThrow(ConfigError);
    expect(parseRegistryOverride("ghcr=127.0.0.1:5999")).toEqual({ ghcr: "127.0.0.1:5999" });
    for (const bad of ["quay=127.0.0.1:1", "ghcr", "ghcr=127.0.0.1", "ghcr=http://x:1"]) expect(() => parseRegistryOverride(bad), bad).toThrow(/--registry/);
  });
});
