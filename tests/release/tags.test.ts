import { describe, expect, it } from "vitest";

import { ConfigError } from "../../src/config/errors.js";
import { computeTags, parseReleaseTag, shaTag } from "../../src/release/tags.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const S = "sha-0123456";

// The release history most cases run against: two majors, a 0.x past, pre-releases and noise.
const HISTORY = ["v0.9.0", "v0.9.1", "v1.3.0", "v1.4.2", "v1.5.0", "v2.0.0", "v2.1.0-rc.1", "nightly", "v3", "release-1"];

// ref, existing tags -> tags published (order matters: most specific first, sha last)
const TABLE: [string, string, readonly string[], readonly string[]][] = [
  ["first stable release", "refs/tags/v1.0.0", [], ["1.0.0", "1.0", "1", "latest", S]],
  ["newest stable release", "refs/tags/v2.1.0", HISTORY, ["2.1.0", "2.1", "2", "latest", S]],
  ["patch on the newest line", "refs/tags/v2.0.1", HISTORY, ["2.0.1", "2.0", "2", "latest", S]],
  ["hotfix on an older major: 1.4 yes, not 1 (1.5.0 holds it), not latest (2.0.0)", "refs/tags/v1.4.3", HISTORY, ["1.4.3", "1.4", S]],
  ["hotfix on an older minor of an older major: only its version", "refs/tags/v1.3.1", HISTORY, ["1.3.1", "1.3", S]],
  ["older major's newest minor gets its major tag", "refs/tags/v1.5.1", HISTORY, ["1.5.1", "1.5", "1", S]],
  ["out-of-order patch behind a newer patch: only its version", "refs/tags/v1.4.1", HISTORY, ["1.4.1", S]],
  ["v0.x: no `0` tag, 0.Y and latest", "refs/tags/v0.3.0", [], ["0.3.0", "0.3", "latest", S]],
  ["v0.x hotfix after 1.x exists: no latest", "refs/tags/v0.9.2", HISTORY, ["0.9.2", "0.9", S]],
  ["pre-release: exact version only", "refs/tags/v2.2.0-rc.1", HISTORY, ["2.2.0-rc.1", S]],
  ["pre-release of a new major: exact version only", "refs/tags/v3.0.0-beta.2", HISTORY, ["3.0.0-beta.2", S]],
  ["existing pre-release of a higher version does not hold latest", "refs/tags/v2.0.2", ["v2.0.0", "v2.1.0-rc.1"], ["2.0.2", "2.0", "2", "latest", S]],
  ["re-running the newest stable release gives it every tag again", "refs/tags/v2.0.0", HISTORY, ["2.0.0", "2.0", "2", "latest", S]],
  ["main", "refs/heads/main", HISTORY, ["edge", S]],
  ["pull request (preview, never pushed)", "refs/pull/42/merge", HISTORY, ["pr-42", S]],
];

describe("computeTags: the tag table", () => {
  it.each(TABLE)("%s (%s)", (_name, ref, existing, expected) => {
    expect(computeTags({ ref, sha: SHA, existingTags: existing }).tags).toEqual(expected);
  });

  it("marks the exact version immutable and nothing else", () => {
    expect(computeTags({ ref: "refs/tags/v1.4.3", sha: SHA, existingTags: HISTORY }).immutable).toEqual(["1.4.3"]);
    expect(computeTags({ ref: "refs/tags/v2.2.0-rc.1", sha: SHA, existingTags: HISTORY }).immutable).toEqual(["2.2.0-rc.1"]);
    expect(computeTags({ ref: "refs/heads/main", sha: SHA, existingTags: [] }).immutable).toEqual([]);
  });

  it("says which rolling tags a hotfix withholds and who keeps them", () => {
    const plan = computeTags({ ref: "refs/tags/v1.4.3", sha: SHA, existingTags: HISTORY });
    expect(plan.withheld).toEqual([
      { tag: "1", reason: "1.5.0 is newer and keeps it" },
      { tag: "latest", reason: "2.0.0 is newer and keeps it" },
    ]);
    expect(plan.kind).toBe("release");
    expect(plan.version).toBe("1.4.3");
    expect(plan.refName).toBe("v1.4.3");
  });

  it("kinds and versions", () => {
    expect(computeTags({ ref: "refs/heads/main", sha: SHA, existingTags: [] })).toMatchObject({ kind: "edge", version: "edge", refName: "main" });
    expect(computeTags({ ref: "refs/tags/v1.0.0-rc.1", sha: SHA, existingTags: [] })).toMatchObject({ kind: "prerelease", version: "1.0.0-rc.1" });
    expect(computeTags({ ref: "refs/pull/7/merge", sha: SHA, existingTags: [] })).toMatchObject({ kind: "preview", version: "pr-7" });
  });

  it("follows a configured default branch", () => {
    expect(computeTags({ ref: "refs/heads/trunk", sha: SHA, existingTags: [], defaultBranch: "trunk" }).tags).toEqual(["edge", S]);
    expect(() => computeTags({ ref: "refs/heads/main", sha: SHA, existingTags: [], defaultBranch: "trunk" })).toThrow(ConfigError);
  });
});

describe("computeTags: refused refs say what is allowed", () => {
  it.each([
    ["non-semver tag", "refs/tags/nightly"],
    ["missing patch", "refs/tags/v1.2"],
    ["no v prefix", "refs/tags/1.2.3"],
    ["leading zero", "refs/tags/v1.02.3"],
    ["build metadata (no + in docker tags)", "refs/tags/v1.2.3+build.5"],
    ["loose semver", "refs/tags/v1.2.3beta"],
    ["another branch", "refs/heads/feature/x"],
    ["empty ref", ""],
  ])("%s: %s", (_name, ref) => {
    let error: unknown;
    try {
      computeTags({ ref, sha: SHA, existingTags: HISTORY });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe("GITHUB_REF");
    expect((error as ConfigError).message).toMatch(/Allowed: .*refs\/tags\/vX\.Y\.Z|Allowed: v followed by a strict semantic version/);
  });

  it.each(["abc", SHA.toUpperCase(), SHA.slice(0, 39), ""])("refuses the commit id %j", (sha) => {
    expect(() => computeTags({ ref: "refs/heads/main", sha, existingTags: [] })).toThrow(/GITHUB_SHA: .*Allowed: 40 lowercase hex digits/);
  });
});

describe("parseReleaseTag / shaTag", () => {
  it("accepts only v + strict semver", () => {
    expect(parseReleaseTag("v1.2.3")?.version).toBe("1.2.3");
    expect(parseReleaseTag("v1.2.3-rc.1")?.prerelease).toEqual(["rc", 1]);
    for (const bad of ["1.2.3", "v1.2", "=v1.2.3", "v 1.2.3", "v1.2.3+x", "vv1.2.3", "V1.2.3"]) expect(parseReleaseTag(bad)).toBeUndefined();
  });

  it("takes seven hex digits", () => {
    expect(shaTag(SHA)).toBe(S);
  });
});
