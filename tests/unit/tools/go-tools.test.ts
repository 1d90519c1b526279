// The Go tool sets under tools/: each manifest parses, the release tools are built at exactly the versions the
// actions pin (go.mod requirement, manifest version and the version the linker writes into the binary agree), and
// the cache key moves with everything that changes the binary.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COSIGN, DIVE, TRIVY } from "../../../actions/lib/pins.js";
import { binaryPath, buildArgs, cacheKey, parseManifest, readSets, type ToolEntry } from "../../../scripts/ci-env/tools.js";
import { GO_TOOLS } from "../../../src/facts.js";
import { ROOT } from "../../actions/support.js";

const sets = readSets(ROOT);

/** go.mod's requirements and tool directives, read with the go command's own grammar kept simple (one per line). */
function goMod(dir: string): { requires: Map<string, string>; tools: string[] } {
  const text = readFileSync(join(dir, "go.mod"), "utf8");
  const requires = new Map<string, string>();
  for (const m of text.matchAll(/^\s*(?:require\s+)?([\w.~/-]+\.[\w.~/-]+)\s+(v\S+)/gm)) requires.set(m[1]!, m[2]!);
  const tools = [...text.matchAll(/^tool\s+(\S+)$/gm)].map((m) => m[1]!);
  return { requires, tools };
}

describe("tool sets", () => {
  it("finds the release tools' sets", () => {
    expect(sets.map((s) => s.name)).toEqual(expect.arrayContaining(["cosign", "dive", "trivy"]));
  });

  describe.each([COSIGN, TRIVY, DIVE])("$name", (pin) => {
    const set = sets.find((s) => s.name === pin.name)!;
    const entry = set.entries.find((e) => e.bin === pin.binary)!;
    const mod = goMod(set.dir);

    it("builds the version actions/lib/pins.ts pins, from that module version, as a tool directive", () => {
      expect(entry.version).toBe(pin.version);
      const module = [...mod.requires.keys()].find((m) => entry.pkg === m || entry.pkg.startsWith(`${m}/`));
      expect(module, `no requirement in tools/${pin.name}/go.mod provides ${entry.pkg}`).toBeDefined();
      expect(mod.requires.get(module!)).toBe(`v${pin.version}`);
      expect(mod.tools).toContain(entry.pkg);
    });

    it("links the pinned version into the binary (never another), with the release's build environment", () => {
      const versions = [...entry.ldflags.matchAll(/-X \S+=v?(\d+\.\d+\.\d+\S*)/g)].map((m) => m[1]);
      expect(versions.length).toBeGreaterThan(0);
      expect(new Set(versions)).toEqual(new Set([pin.version]));
      expect(entry.env["CGO_ENABLED"]).toBe("0");
    });
  });

  it("trivy is built with GOEXPERIMENT=jsonv2, as its release is (it imports encoding/json/v2)", () => {
    const trivy = sets.find((s) => s.name === "trivy")!.entries.find((e) => e.bin === "trivy")!;
    expect(trivy.env["GOEXPERIMENT"]).toBe("jsonv2");
  });
});

const entry: ToolEntry = { bin: "t", pkg: "example.com/t/cmd/t", version: "1.2.3", tags: [], env: { CGO_ENABLED: "0" }, ldflags: "-s -w" };

describe("cache key", () => {
  const base = cacheKey(entry, "sum-a");
  it.each<[string, ToolEntry, string]>([
    ["go.sum", entry, "sum-b"],
    ["version", { ...entry, version: "1.2.4" }, "sum-a"],
    ["ldflags", { ...entry, ldflags: "-s" }, "sum-a"],
    ["tags", { ...entry, tags: ["x"] }, "sum-a"],
    ["env", { ...entry, env: { CGO_ENABLED: "1" } }, "sum-a"],
    ["pkg", { ...entry, pkg: "example.com/t/cmd/u" }, "sum-a"],
  ])("changes with %s", (_, e, sum) => {
    expect(cacheKey(e, sum)).not.toBe(base);
  });
  it("is stable and does not depend on env order", () => {
    const two = { ...entry, env: { A: "1", B: "2" } };
    expect(cacheKey(two, "s")).toBe(cacheKey({ ...entry, env: { B: "2", A: "1" } }, "s"));
    expect(binaryPath("set", entry, "sum-a")).toBe(join(GO_TOOLS.cacheDir, "set", `t-1.2.3-${base}`, "t"));
  });
});

describe("build arguments", () => {
  it("build the package reproducibly with the entry's tags and ldflags", () => {
    expect(buildArgs({ ...entry, tags: ["a", "b"] }, "/o/t")).toEqual([
      "build", "-trimpath", "-mod=readonly", "-tags", "a,b", "-ldflags", "-s -w", "-o", "/o/t", "example.com/t/cmd/t",
    ]);
  });
});

describe("manifest errors name the file, entry and key", () => {
  const ok = { bin: "t", pkg: "example.com/t", version: "1.0.0" };
  it.each<[string, unknown, RegExp]>([
    ["not JSON", "{", /^f\.json: not JSON/],
    ["empty", [], /non-empty array/],
    ["unknown key", [{ ...ok, flags: "-x" }], /\[0\]\.flags is not a known key; allowed: bin, pkg/],
    ["v prefix", [{ ...ok, version: "v1.0.0" }], /\[0\]\.version must be a release version without a leading v/],
    ["bad bin", [{ ...ok, bin: "a/b" }], /\[0\]\.bin must be a file name/],
    ["duplicate", [ok, ok], /\[1\]\.bin "t" appears twice/],
    ["tags", [{ ...ok, tags: "a" }], /\[0\]\.tags must be an array/],
    ["env", [{ ...ok, env: { cgo: "0" } }], /\[0\]\.env\.cgo must be an upper-case variable name/],
    ["ldflags newline", [{ ...ok, ldflags: "-s\n-w" }], /\[0\]\.ldflags must be one line/],
  ])("%s", (_, data, message) => {
    expect(() => parseManifest(typeof data === "string" ? data : JSON.stringify(data), "f.json")).toThrow(message);
  });
  it("fills defaults for tags, env and ldflags", () => {
    expect(parseManifest(JSON.stringify([ok]), "f.json")).toEqual([{ ...ok, tags: [], env: {}, ldflags: "" }]);
  });
});
