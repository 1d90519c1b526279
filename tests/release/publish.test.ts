import { describe, expect, it } from "vitest";

import { PublishError, checkImmutableTag, selectRegistries } from "../../src/release/publish.js";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;
const C = `sha256:${"c".repeat(64)}`;

describe("selectRegistries: one failing warns, both failing fails", () => {
  it("keeps both when both are fine", () => {
    expect(selectRegistries([{ registry: "dockerHub" }, { registry: "ghcr" }])).toEqual({ registries: ["dockerHub", "ghcr"], warnings: [] });
  });

  it.each([
    ["dockerHub", "ghcr"],
    ["ghcr", "dockerHub"],
  ] as const)("%s failing: publishes to %s and warns", (failing, kept) => {
    const result = selectRegistries([
      { registry: "dockerHub", ...(failing === "dockerHub" ? { problem: "503" } : {}) },
      { registry: "ghcr", ...(failing === "ghcr" ? { problem: "503" } : {}) },
    ]);
    expect(result.registries).toEqual([kept]);
    expect(result.warnings).toEqual([`${failing} is left out of this release (503); publishing to ${kept} only`]);
  });

  it("both failing: throws naming each failure", () => {
    expect(() => selectRegistries([{ registry: "dockerHub", problem: "login refused" }, { registry: "ghcr", problem: "timeout" }])).toThrow(
      new PublishError("every registry failed, nothing is published: dockerHub: login refused; ghcr: timeout"),
    );
    expect(() => selectRegistries([])).toThrow(PublishError);
  });
});

describe("checkImmutableTag: an exact version never moves", () => {
  const ref = "docker.io/prizz/opencode-cloud-sandbox:1.2.3";
  it("absent: create", () => {
    expect(checkImmutableTag(ref, undefined, { "linux/amd64": A })).toBe("create");
    expect(checkImmutableTag(ref, undefined, undefined)).toBe("create");
  });
  it("same manifests (a re-run): unchanged", () => {
    expect(checkImmutableTag(ref, { "linux/amd64": A, "linux/arm64": B }, { "linux/arm64": B, "linux/amd64": A })).toBe("unchanged");
  });
  it.each([
    ["another amd64 image", { "linux/amd64": C, "linux/arm64": B }, /linux\/amd64: published sha256:c+, this build sha256:a+/],
    ["a platform fewer", { "linux/amd64": A }, /linux\/arm64: published \(none\), this build sha256:b+/],
    ["a platform more", { "linux/amd64": A, "linux/arm64": B, "linux/riscv64": C }, /linux\/riscv64: published sha256:c+, this build \(none\)/],
  ] as const)("refuses %s", (_name, existing, detail) => {
    expect(() => checkImmutableTag(ref, existing as never, { "linux/amd64": A, "linux/arm64": B })).toThrow(detail);
    expect(() => checkImmutableTag(ref, existing as never, { "linux/amd64": A, "linux/arm64": B })).toThrow(/already points at another image.*never overwritten/);
  });
  it("present and our digests unknown (QEMU build): refuses", () => {
    expect(() => checkImmutableTag(ref, { "linux/amd64": A }, undefined)).toThrow(`${ref} already exists; an exact version is never overwritten`);
  });
});
