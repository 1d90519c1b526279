import { describe, expect, it } from "vitest";
import { familiarName, formatReference, isDigest, parseReference } from "../../../src/oci/reference.js";

const D = `sha256:${"a".repeat(64)}`;

describe("parseReference", () => {
  it.each([
    ["ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
    ["ubuntu:24.04", { registry: "docker.io", repository: "library/ubuntu", tag: "24.04" }],
    ["prizz/opencode-cloud-sandbox:1.2.3", { registry: "docker.io", repository: "prizz/opencode-cloud-sandbox", tag: "1.2.3" }],
    ["docker.io/prizz/x", { registry: "docker.io", repository: "prizz/x" }],
    ["index.docker.io/ubuntu", { registry: "docker.io", repository: "library/ubuntu" }],
    ["ghcr.io/prizz/opencode-cloud-sandbox:edge", { registry: "ghcr.io", repository: "prizz/opencode-cloud-sandbox", tag: "edge" }],
    ["127.0.0.1:5000/a/b/c:t", { registry: "127.0.0.1:5000", repository: "a/b/c", tag: "t" }],
    ["localhost/x", { registry: "localhost", repository: "x" }],
    [`ghcr.io/p/x@${D}`, { registry: "ghcr.io", repository: "p/x", digest: D }],
    [`ghcr.io/p/x:1@${D}`, { registry: "ghcr.io", repository: "p/x", tag: "1", digest: D }],
    ["a__b/c-d--e.f_g", { registry: "docker.io", repository: "a__b/c-d--e.f_g" }],
  ])("%s", (input, expected) => {
    const ref = parseReference(input);
    expect(ref).toEqual({ ...expected, name: `${expected.registry}/${expected.repository}` });
  });

  it.each([
    ["", "empty"],
    [" ubuntu", "white space"],
    ["Ubuntu", 'path component "Ubuntu"'],
    ["prizz/X", 'path component "X"'],
    ["prizz//x", 'path component ""'],
    ["prizz/x:", 'tag ""'],
    ["prizz/x:.bad", 'tag ".bad"'],
    [`prizz/x:${"t".repeat(129)}`, "1-128"],
    ["prizz/x@sha256:abc", "algorithm:hex"],
    [`prizz/x@sha256:${"a".repeat(63)}`, "64 hex digits, not 63"],
    [`prizz/x@sha256:${"a".repeat(65)}`, "64 hex digits, not 65"],
    [`prizz/x@sha256:${"A".repeat(64)}`, "lowercase"],
    [`prizz/x@md5:${"a".repeat(32)}`, 'algorithm "md5"'],
    ["-bad.io/x", 'registry "-bad.io"'],
    ["ghcr.io/", "repository name is empty"],
    [`ghcr.io/${"a".repeat(260)}`, "longer than 255"],
  ])("rejects %j", (input, reason) => {
    expect(() => parseReference(input)).toThrow(reason);
  });
});

describe("helpers", () => {
  it("round-trips through formatReference", () => {
    for (const s of ["docker.io/prizz/x:1", `ghcr.io/p/x@${D}`, `127.0.0.1:5000/a:b@${D}`]) {
      expect(formatReference(parseReference(s))).toBe(s);
    }
  });
  it("familiarName shortens Docker Hub names only", () => {
    expect(familiarName(parseReference("ubuntu"))).toBe("ubuntu");
    expect(familiarName(parseReference("prizz/x"))).toBe("prizz/x");
    expect(familiarName(parseReference("ghcr.io/prizz/x"))).toBe("ghcr.io/prizz/x");
  });
  it("isDigest accepts only sha256 with 64 lowercase hex", () => {
    expect(isDigest(D)).toBe(true);
    expect(isDigest(D.toUpperCase())).toBe(false);
    expect(isDigest(`sha512:${"a".repeat(128)}`)).toBe(false);
    expect(isDigest("sha256:abc")).toBe(false);
  });
});
