// The digest hand-off checks on tables: verified digests, platform configs, the signed candidate, moved tags.

import { describe, expect, it } from "vitest";

import { checkHandOff, checkMovedTag, checkPlatformConfig, checkSignedCandidate } from "../../src/release/handoff.js";
import { fakeDigest } from "../support/program.js";

const A = fakeDigest("amd64");
const B = fakeDigest("arm64");
const X = fakeDigest("tampered");
const SHA = "89abcdef0123456789abcdef0123456789abcdef";

describe("checkHandOff", () => {
  it.each([
    [{ dockerHub: { "linux/amd64": A, "linux/arm64": B }, ghcr: { "linux/amd64": A } }, { "linux/amd64": A, "linux/arm64": B }, null],
    [{ dockerHub: { "linux/amd64": X, "linux/arm64": B } }, { "linux/amd64": A, "linux/arm64": B }, `dockerHub linux/amd64: the build job reported ${X}, but the gates tested ${A}`],
    [{ ghcr: { "linux/amd64": A, "linux/arm64": A } }, { "linux/amd64": A, "linux/arm64": B }, `ghcr linux/arm64: the build job reported ${A}, but the gates tested ${B}`],
    [{ ghcr: { "linux/amd64": A } }, { "linux/amd64": A }, "no verified digest for linux/arm64"],
  ] as const)("%j verified as %j", (sources, verified, error) => {
    const check = () => checkHandOff(sources, verified, ["linux/amd64", "linux/arm64"]);
    if (error === null) expect(check).not.toThrow();
    else expect(check).toThrow(error);
  });
});

describe("checkPlatformConfig", () => {
  it.each([
    [{ os: "linux", architecture: "arm64", revision: SHA }, null],
    [{ os: "linux", architecture: "arm64", variant: "v8", revision: SHA }, null],
    [{ os: "linux", architecture: "amd64", revision: SHA }, "is a linux/amd64 image, not linux/arm64"],
    [{ os: "windows", architecture: "arm64", revision: SHA }, "is a windows/arm64 image"],
    [{ os: "linux", architecture: "arm64", revision: SHA.toUpperCase() }, `was built from commit ${SHA.toUpperCase()}`],
    [{ os: "linux", architecture: "arm64" }, "an unlabelled commit"],
    [undefined, "no image config could be read"],
  ])("%j", (config, error) => {
    const check = () => checkPlatformConfig("img@" + B, "linux/arm64", config, SHA);
    if (error === null) expect(check).not.toThrow();
    else expect(check).toThrow(error);
  });
});

describe("the signed candidate and the moved tags", () => {
  it("accepts the signed digest present and signed; a sha- tag naming another index is a warning", () => {
    expect(checkSignedCandidate("img:sha-1", A, true, true, A)).toBeUndefined();
    expect(checkSignedCandidate("img:sha-1", A, true, true, X)).toBe(`img:sha-1 now names ${X}, not the signed index ${A} (another run of this commit); the release tags move to ${A}`);
    expect(checkMovedTag("img:1.2.3@" + A, A, A)).toBe(A);
  });

  it.each([
    [false, true, `img@${A} (the signed index) is not in the registry`],
    [true, false, "carries no signature; no release tag moves to an unsigned digest"],
  ])("refuses the signed index present %s, signed %s", (present, signed, error) => {
    expect(() => checkSignedCandidate("img:sha-1", A, present, signed, A)).toThrow(error);
  });

  it("refuses a tag pushed as another digest (an index re-made instead of copied)", () => {
    expect(() => checkMovedTag("img:latest@" + X, A, X)).toThrow(`img:latest@${X} was pushed as ${X}, not the signed index ${A}`);
  });
});
