import { describe, expect, it } from "vitest";

import { ConfigError, ConfigErrors } from "../../src/config/errors.js";
import { PLATFORM_DIGESTS_ENV, parsePlatformDigests, readCiContext } from "../../src/release/context.js";
import { annotations, createdAt, imageLabels, type BuildMetadata } from "../../src/release/labels.js";

const META: BuildMetadata = {
  revision: "0123456789abcdef0123456789abcdef01234567",
  version: "1.2.3",
  refName: "v1.2.3",
  commitEpoch: 1700000000,
  sourceUrl: "https://github.com/prizz/opencode-cloud",
  runUrl: "https://github.com/prizz/opencode-cloud/actions/runs/42",
  builder: "pulumi-docker-build/0.0.22",
};

describe("labels and annotations", () => {
  it("carry the OCI keys and our build metadata, created from the commit time", () => {
    expect(imageLabels(META)).toEqual({
      "dev.opencode-cloud.builder": "pulumi-docker-build/0.0.22",
      "dev.opencode-cloud.ci-run": "https://github.com/prizz/opencode-cloud/actions/runs/42",
      "dev.opencode-cloud.ref-name": "v1.2.3",
      "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
      "org.opencontainers.image.description": "opencode's web UI in a persistent and secure sandbox with a full toolset",
      "org.opencontainers.image.licenses": "MIT",
      "org.opencontainers.image.ref.name": "v1.2.3",
      "org.opencontainers.image.revision": META.revision,
      "org.opencontainers.image.source": META.sourceUrl,
      "org.opencontainers.image.title": "opencode-cloud-sandbox",
      "org.opencontainers.image.url": META.sourceUrl,
      "org.opencontainers.image.version": "1.2.3",
    });
  });

  it("are identical for identical inputs, key order included", () => {
    expect(JSON.stringify(imageLabels({ ...META }))).toBe(JSON.stringify(imageLabels(META)));
    expect(JSON.stringify(Object.keys(imageLabels(META)))).toBe(JSON.stringify(Object.keys(imageLabels(META)).sort()));
  });

  it("change when an input changes", () => {
    expect(imageLabels({ ...META, revision: "f".repeat(40) })["org.opencontainers.image.revision"]).toBe("f".repeat(40));
  });

  it("annotations prefix each label key with its level", () => {
    const index = annotations(META, "index");
    expect(Object.keys(index).every((k) => k.startsWith("index:"))).toBe(true);
    expect(index["index:org.opencontainers.image.created"]).toBe("2023-11-14T22:13:20Z");
    expect(Object.keys(annotations(META, "manifest"))).toHaveLength(Object.keys(imageLabels(META)).length);
  });

  it("refuse a value buildx's comma-separated export options cannot carry, naming the key", () => {
    for (const refName of ["topic,with-comma", 'quote"d', "line\nbreak"]) {
      expect(() => annotations({ ...META, refName }, "manifest")).toThrow(/annotation dev\.opencode-cloud\.ref-name: .*comma, a double quote or a line break/);
    }
    expect(() => annotations({ ...META, refName: "feature/a=b" }, "index")).not.toThrow();
  });

  it("refuses a commit time that is not whole seconds", () => {
    expect(() => createdAt(1.5)).toThrow(RangeError);
    expect(() => createdAt(-1)).toThrow(RangeError);
  });
});

const ENV = {
  GITHUB_REF: "refs/tags/v1.2.3",
  GITHUB_SHA: META.revision,
  SOURCE_DATE_EPOCH: "1700000000",
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_REPOSITORY: "prizz/opencode-cloud",
  GITHUB_RUN_ID: "42",
  OPENCODE_CLOUD_RELEASE_TAGS: "v1.0.0\nv1.2.2 v1.1.0\n",
};

describe("CI context from the environment", () => {
  it("reads what GitHub Actions sets, the run URL without the attempt", () => {
    expect(readCiContext({ ...ENV, GITHUB_RUN_ATTEMPT: "3" })).toEqual({
      ref: "refs/tags/v1.2.3",
      sha: META.revision,
      commitEpoch: 1700000000,
      sourceUrl: "https://github.com/prizz/opencode-cloud",
      runUrl: "https://github.com/prizz/opencode-cloud/actions/runs/42",
      existingTags: ["v1.0.0", "v1.2.2", "v1.1.0"],
    });
    expect(readCiContext({ ...ENV, OPENCODE_CLOUD_RELEASE_TAGS: undefined }).existingTags).toBeUndefined();
  });

  it("names every missing or bad variable", () => {
    let error: unknown;
    try {
      readCiContext({ ...ENV, GITHUB_SHA: "HEAD", SOURCE_DATE_EPOCH: undefined });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    expect((error as ConfigErrors).errors.map((e) => e.key)).toEqual(["GITHUB_SHA", "SOURCE_DATE_EPOCH"]);
    expect((error as ConfigErrors).errors[1]!.message).toMatch(/git log -1 --format=%ct/);
  });

  it("parses the build jobs' digests and refuses anything else", () => {
    const d = `sha256:${"1".repeat(64)}`;
    expect(parsePlatformDigests(JSON.stringify({ ghcr: { "linux/arm64": d } }))).toEqual({ ghcr: { "linux/arm64": d } });
    for (const bad of [undefined, "", "{", "[]", '{"quay":{}}', '{"ghcr":{"linux/s390x":"x"}}', `{"ghcr":{"linux/amd64":"${d.slice(0, -1)}"}}`]) {
      expect(() => parsePlatformDigests(bad), String(bad)).toThrow(ConfigError);
      expect(() => parsePlatformDigests(bad)).toThrow(new RegExp(`^${PLATFORM_DIGESTS_ENV}: `));
    }
  });
});
