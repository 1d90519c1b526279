import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cacheKey, goBuildCommand, goTestCommand, moduleOf, parseManifest, pluginName, readGoMod, type ToolEntry } from "../../../src/tools/manifest.js";

const GO_MOD = `module opencode-cloud/tools/example

go 1.26

tool (
	example.com/cli/v3/cmd/cli
	example.com/provider/cmd/pulumi-resource-thing
)

tool example.com/single/cmd/one

require example.com/single v1.0.0 // indirect

require (
	example.com/cli/v3 v3.248.0 // indirect
	example.com/provider v0.0.0-20260101000000-abcdefabcdef // indirect
	example.com/cli/v3/extra v9.9.9
)
`;

const entry = (over: Record<string, unknown> = {}) => ({
  bin: "cli",
  package: "example.com/cli/v3/cmd/cli",
  version: "3.248.0",
  install: "path",
  ...over,
});
const manifest = (...tools: unknown[]) => JSON.stringify({ tools });
const SRC = "tools/example/tools.json";

/** The message parseManifest throws for a manifest (empty when it parses). */
function problems(json: string): string {
  try {
    parseManifest(json, SRC, GO_MOD);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

describe("readGoMod", () => {
  it("reads tool directives and required versions in block and single-line form, without comments", () => {
    const { tools, requires } = readGoMod(GO_MOD);
    expect([...tools].sort()).toEqual([
      "example.com/cli/v3/cmd/cli",
      "example.com/provider/cmd/pulumi-resource-thing",
      "example.com/single/cmd/one",
    ]);
    expect(Object.fromEntries(requires)).toEqual({
      "example.com/single": "v1.0.0",
      "example.com/cli/v3": "v3.248.0",
      "example.com/provider": "v0.0.0-20260101000000-abcdefabcdef",
      "example.com/cli/v3/extra": "v9.9.9",
    });
  });

  it("finds a package's module by the longest path prefix, never by a partial segment", () => {
    const { requires } = readGoMod(GO_MOD);
    expect(moduleOf("example.com/cli/v3/cmd/cli", requires)).toEqual({ path: "example.com/cli/v3", version: "v3.248.0" });
    expect(moduleOf("example.com/cli/v3/extra/x", requires)?.path).toBe("example.com/cli/v3/extra");
    expect(moduleOf("example.com/cli/v30/cmd", requires)).toBeUndefined();
  });
});

describe("parseManifest", () => {
  it("accepts a module tool, a local package and a plugin, filling defaults", () => {
    const tools = parseManifest(
      manifest(
        entry({ tags: ["osusergo"], ldflags: ["-X v.Version=v3.248.0"] }),
        { bin: "host", package: "./cmd/host", version: "0.1.0", install: "path" },
        {
          bin: "pulumi-resource-thing",
          package: "example.com/provider/cmd/pulumi-resource-thing",
          version: "1.2.3",
          moduleVersion: "v0.0.0-20260101000000-abcdefabcdef",
          install: "plugin",
        },
      ),
      SRC,
      GO_MOD,
    );
    expect(tools.map((t) => [t.bin, t.tags, t.ldflags, t.cgo, t.install])).toEqual([
      ["cli", ["osusergo"], ["-X v.Version=v3.248.0"], false, "path"],
      ["host", [], [], false, "path"],
      ["pulumi-resource-thing", [], [], false, "plugin"],
    ]);
    expect(pluginName(tools[2]!)).toBe("thing");
  });

  it.each([
    ["bin", entry({ bin: undefined }), "tools[0].bin: is missing"],
    ["bin", entry({ bin: "Bad Name" }), 'tools[0].bin: is "Bad Name"'],
    ["package", entry({ package: 7 }), "tools[0].package: is 7"],
    ["package", entry({ package: "example.com/cli/v3/cmd/other" }), "tools[0].package: \"example.com/cli/v3/cmd/other\" has no `tool` directive"],
    ["version", entry({ version: "v3.248.0" }), 'tools[0].version: is "v3.248.0". Allowed: a semantic version without a leading `v`'],
    ["version", entry({ version: "3.247.0" }), "tools[0].version: says v3.247.0 but go.mod requires example.com/cli/v3 v3.248.0"],
    ["moduleVersion", entry({ moduleVersion: "v3.248.1" }), "tools[0].moduleVersion: says v3.248.1 but go.mod requires"],
    ["moduleVersion", { bin: "h", package: "./cmd/h", version: "0.1.0", moduleVersion: "v1.0.0", install: "path" }, "tools[0].moduleVersion: is set for a package of this module"],
    ["tags", entry({ tags: "osusergo" }), 'tools[0].tags: is "osusergo". Allowed: an array of strings'],
    ["ldflags", entry({ ldflags: [""] }), "tools[0].ldflags: is [\"\"]"],
    ["cgo", entry({ cgo: "yes" }), 'tools[0].cgo: is "yes". Allowed: true or false'],
    ["install", entry({ install: "copy" }), 'tools[0].install: is "copy". Allowed: one of path, plugin'],
    ["install", entry({ install: "plugin" }), 'tools[0].install: is "plugin" but bin "cli" is no pulumi-resource-<name>'],
    ["unknown field", entry({ tag: ["x"] }), "tools[0].tag: is not a known field"],
  ])("names the field when %s is wrong", (_field, bad, message) => {
    const msg = problems(manifest(bad));
    expect(msg).toContain(`${SRC}: ${message}`);
  });

  it("reports every problem at once, and a repeated bin", () => {
    const msg = problems(manifest(entry(), entry({ version: "x" }), "not an object"));
    expect(msg).toMatch(/^3 invalid config values:/);
    expect(msg).toContain(`${SRC}: tools[1].bin: repeats "cli"`);
    expect(msg).toContain(`${SRC}: tools[1].version: is "x"`);
    expect(msg).toContain(`${SRC}: tools[2]: is not an object`);
  });

  it("names the file when the document is not a manifest", () => {
    expect(problems("{")).toContain(`${SRC}: is not valid JSON`);
    expect(problems("{}")).toContain(`${SRC}: tools: is missing or empty`);
    expect(problems(manifest())).toContain(`${SRC}: tools: is missing or empty`);
  });

  it("accepts the committed manifests against their go.mod", () => {
    for (const set of ["pulumi", "docker-build"]) {
      const dir = new URL(`../../../tools/${set}/`, import.meta.url);
      const tools = parseManifest(readFileSync(new URL("tools.json", dir), "utf8"), `tools/${set}/tools.json`, readFileSync(new URL("go.mod", dir), "utf8"));
      expect(tools.length).toBeGreaterThan(0);
    }
  });
});

describe("cacheKey", () => {
  const base = {
    goVersion: "go1.26.8",
    goMod: GO_MOD,
    goSum: "example.com/cli/v3 v3.248.0 h1:abc=\n",
    entry: parseManifest(manifest(entry()), SRC, GO_MOD)[0]!,
    localSources: [["cmd/host/main.go", "aa"], ["cmd/host/host.go", "bb"]] as Array<[string, string]>,
  };

  it("is 16 hex digits and stable for the same inputs, whatever the order of the sources", () => {
    const key = cacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(cacheKey({ ...base, localSources: [...base.localSources].reverse() })).toBe(key);
  });

  const changed: Array<[string, Partial<typeof base> & { entry?: ToolEntry }]> = [
    ["Go version", { goVersion: "go1.26.9" }],
    ["go.mod", { goMod: `${GO_MOD}\n// changed` }],
    ["go.sum", { goSum: "example.com/cli/v3 v3.248.0 h1:abd=\n" }],
    ["a source file", { localSources: [["cmd/host/main.go", "ab"], ["cmd/host/host.go", "bb"]] }],
    ["a tag", { entry: { ...base.entry, tags: ["netgo"] } }],
    ["an ldflag", { entry: { ...base.entry, ldflags: ["-s"] } }],
    ["cgo", { entry: { ...base.entry, cgo: true } }],
    ["the version", { entry: { ...base.entry, version: "3.248.1" } }],
  ];
  it.each(changed)("changes with %s", (_what, over) => {
    expect(cacheKey({ ...base, ...over })).not.toBe(cacheKey(base));
  });
});

describe("goBuildCommand", () => {
  it("builds read-only against go.sum, trimmed, with the tags and ldflags, static unless cgo", () => {
    const e = parseManifest(manifest(entry({ tags: ["osusergo", "grpcnotrace"], ldflags: ["-X a=b", "-s"] })), SRC, GO_MOD)[0]!;
    expect(goBuildCommand(e, "/out/cli")).toEqual({
      args: ["build", "-mod=readonly", "-trimpath", "-o", "/out/cli", "-tags", "osusergo,grpcnotrace", "-ldflags", "-X a=b -s", "example.com/cli/v3/cmd/cli"],
      env: { CGO_ENABLED: "0" },
    });
    expect(goBuildCommand({ ...e, tags: [], ldflags: [], cgo: true }, "o")).toEqual({
      args: ["build", "-mod=readonly", "-trimpath", "-o", "o", "example.com/cli/v3/cmd/cli"],
      env: { CGO_ENABLED: "1" },
    });
  });

  it("tests a local package compiled as its build compiles (trimmed, tags, cgo, experiment), so the build reuses it", () => {
    const e = parseManifest(manifest(entry({ tags: ["osusergo"], ldflags: ["-X a=b"], goExperiment: "jsonv2" })), SRC, GO_MOD)[0]!;
    const test = goTestCommand(e);
    expect(test).toEqual({
      args: ["test", "-mod=readonly", "-trimpath", "-count=1", "-tags", "osusergo", "example.com/cli/v3/cmd/cli"],
      env: { CGO_ENABLED: "0", GOEXPERIMENT: "jsonv2" },
    });
    expect(test.env).toEqual(goBuildCommand(e, "o").env);
  });

  it("sets the release's Go experiment (trivy needs jsonv2) and refuses a malformed one", () => {
    const e = parseManifest(manifest(entry({ goExperiment: "jsonv2" })), SRC, GO_MOD)[0]!;
    expect(goBuildCommand(e, "o").env).toEqual({ CGO_ENABLED: "0", GOEXPERIMENT: "jsonv2" });
    expect(problems(manifest(entry({ goExperiment: "JSON v2" })))).toContain('tools[0].goExperiment: is "JSON v2". Allowed: comma-separated Go experiment names');
  });
});
