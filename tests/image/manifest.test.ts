import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import {
  ARCHES,
  diffToolManifests,
  expandTemplate,
  parseToolManifest,
  toolsFor,
  type DownloadTool,
  type ToolManifest,
} from "../../src/image/manifest.js";
import { DEFERRED, EXCLUDED, SEED_TOOLS, SUPPORTING } from "./seed.js";
import { loadManifest, readImageFile } from "./support.js";

const manifest = loadManifest();
const byName = new Map(manifest.tools.map((t) => [t.name, t]));

/** Every name a tool is known by: its own, its apt packages, npm package, crate and installed binaries. */
const namesOf = (t: ToolManifest["tools"][number]): string[] => {
  const names = [t.name];
  if (t.install === "apt") names.push(...t.packages);
  if (t.install === "npm" || t.install === "npm-lockfile") names.push(t.package);
  if (t.install === "npm") names.push(...t.bin);
  if (t.install === "cargo") names.push(t.crate, ...Object.keys(t.bin));
  if (t.install === "download" && t.bin) names.push(...Object.keys(t.bin));
  return names;
};

describe("image/tools.json against the seed", () => {
  for (const [section, tools] of Object.entries(SEED_TOOLS)) {
    it(`holds every tool the seed decided under ${section}`, () => {
      expect(tools.filter((t) => !byName.has(t))).toEqual([]);
    });
  }

  it("holds nothing explicitly excluded or deferred, under any name", () => {
    const all = manifest.tools.flatMap(namesOf);
    expect(all.filter((n) => EXCLUDED.includes(n))).toEqual([]);
    expect(all.filter((n) => DEFERRED.includes(n))).toEqual([]);
  });

  it("puts nothing in the Dockerfile's apt lists or npm-tools that is excluded or deferred", () => {
    const dockerfile = readImageFile("Dockerfile");
    const npmTools = Object.keys(JSON.parse(readImageFile("npm-tools/package.json")).dependencies);
    for (const name of [...EXCLUDED, ...DEFERRED]) {
      expect(dockerfile, name).not.toMatch(new RegExp(`^\\s+${name.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} \\\\$`, "m"));
      expect(npmTools).not.toContain(name);
    }
  });

  it("holds nothing beyond the seed's tools but what installs them", () => {
    const seed = Object.values(SEED_TOOLS).flat();
    expect(new Set(seed).size).toBe(seed.length);
    const extra = manifest.tools.map((t) => t.name).filter((n) => !seed.includes(n));
    expect(extra).toEqual(SUPPORTING);
  });
});

describe("every downloaded tool is pinned and verified", () => {
  const downloads = manifest.tools.filter((t): t is DownloadTool => t.install === "download");

  it("has downloads at all", () => expect(downloads.length).toBeGreaterThan(20));

  for (const t of downloads) {
    it(`${t.name} ${t.version}: versioned https URLs for ${ARCHES.join(" and ")}, and a sha256 to check`, () => {
      expect(t.version).toMatch(/^\d+(\.\d+)+$/);
      for (const arch of ARCHES) {
        const url = expandTemplate(t.url, t, arch);
        expect(url).toMatch(/^https:\/\//);
        expect(url).toContain(t.version);
        expect(url).not.toMatch(/[{}]/);
      }
      // The two architectures must not resolve to the same asset.
      expect(expandTemplate(t.url, t, "amd64")).not.toBe(expandTemplate(t.url, t, "arm64"));
      if (t.verify.kind === "sha256") {
        expect(t.verify.sha256.amd64).not.toBe(t.verify.sha256.arm64);
      } else {
        expect(t.verify.url).toContain("{version}");
      }
    });
  }

  it("locks only downloads, each at its manifest version, with 64-hex sha256s per architecture and where each came from", () => {
    const lock = JSON.parse(readImageFile("tools.lock.json")) as { tools: Record<string, { version: string; sha256: Record<string, string>; source: string }> };
    const byName = new Map(downloads.map((t) => [t.name, t]));
    for (const [name, entry] of Object.entries(lock.tools)) {
      const tool = byName.get(name);
      expect(tool, `${name} is not a download in tools.json`).toBeDefined();
      expect(entry.version, name).toBe(tool!.version);
      expect(Object.keys(entry.sha256).sort(), name).toEqual(Object.keys(tool!.arch).sort());
      for (const sha of Object.values(entry.sha256)) expect(sha).toMatch(/^[0-9a-f]{64}$/);
      expect(entry.sha256["amd64"]).not.toBe(entry.sha256["arm64"]);
      expect(entry.source.length, name).toBeGreaterThan(10);
    }
  });

  it("uses git commits for git checkouts and cargo's --locked builds for crates", () => {
    for (const t of manifest.tools) {
      if (t.install === "git") expect(t.version).toMatch(/^[0-9a-f]{40}$/);
      if (t.install === "cargo") expect(t.version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});

describe("npm-installed tools match their lockfiles", () => {
  const pkg = JSON.parse(readImageFile("npm-tools/package.json"));
  const lock = JSON.parse(readImageFile("npm-tools/package-lock.json"));

  for (const t of manifest.tools) {
    if (t.install !== "npm") continue;
    it(`${t.package} is pinned to ${t.version} with an integrity hash`, () => {
      expect(pkg.dependencies[t.package]).toBe(t.version);
      const entry = lock.packages[`node_modules/${t.package}`];
      expect(entry?.version).toBe(t.version);
      expect(entry?.integrity).toMatch(/^sha512-/);
      for (const bin of t.bin) expect(Object.keys(entry.bin ?? {})).toContain(bin);
    });
  }

  it("locks every linux amd64/arm64 (glibc) platform package that a locked package may pull in", () => {
    const wanted = Object.values(lock.packages as Record<string, { optionalDependencies?: Record<string, string> }>)
      .flatMap((p) => Object.keys(p.optionalDependencies ?? {}))
      .filter((n) => /linux-(x64|arm64)(-gnu)?$/.test(n));
    expect(wanted.length).toBeGreaterThan(4);
    expect(wanted.filter((n) => !lock.packages[`node_modules/${n}`])).toEqual([]);
  });

  it("pins nothing in npm-tools that the manifest does not list", () => {
    const listed = manifest.tools.flatMap((t) => (t.install === "npm" ? [t.package] : []));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(listed.sort());
  });

  it("pins opencode for both architectures in image/opencode/package-lock.json", () => {
    const oc = byName.get("opencode");
    expect(oc?.install).toBe("npm-lockfile");
    const ocLock = JSON.parse(readImageFile("opencode/package-lock.json"));
    expect(ocLock.packages["node_modules/opencode-ai"].version).toBe(oc!.version);
    for (const p of ["opencode-linux-x64", "opencode-linux-arm64"]) {
      expect(ocLock.packages[`node_modules/${p}`]?.version, p).toBe(oc!.version);
      expect(ocLock.packages[`node_modules/${p}`]?.integrity, p).toMatch(/^sha512-/);
    }
  });
});

describe("parseToolManifest", () => {
  const good = {
    name: "gh",
    version: "2.63.2",
    layer: "full",
    install: "download",
    url: "https://example.test/v{version}/gh_{version}_linux_{arch}.tar.gz",
    arch: { amd64: "amd64", arm64: "arm64" },
    format: "tar.gz",
    verify: { kind: "checksums", url: "https://example.test/v{version}/sums.txt" },
    bin: { gh: "gh" },
    check: "gh --version",
  };
  const doc = (...tools: unknown[]) => JSON.stringify({ tools });
  const problem = (text: string): string => {
    try {
      parseToolManifest(text, "m.json");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("parsed without complaint");
  };

  it("accepts a well-formed entry", () => {
    expect(parseToolManifest(doc(good)).tools[0]).toMatchObject({ name: "gh", version: "2.63.2" });
  });

  it.each([
    ["not JSON", "{", /m\.json: is not JSON/],
    ["no tools array", JSON.stringify({ tool: [] }), /m\.json: tools: is missing/],
    ["a duplicate name", doc(good, good), /tools\[1\]\.name: "gh" is listed twice/],
    ["an unknown layer", doc({ ...good, layer: "extra" }), /\(gh\)\.layer: "extra"\. Allowed: full, runtime/],
    ["an unknown install kind", doc({ ...good, install: "brew" }), /\.install: "brew"\. Allowed: apt, download/],
    ["a download without verify", doc({ ...good, verify: undefined }), /\(gh\)\.verify: is missing/],
    ["an unknown verify kind", doc({ ...good, verify: { kind: "md5" } }), /verify\.kind: "md5"\. Allowed: sha256, checksums/],
    ["a short pinned sha256", doc({ ...good, verify: { kind: "sha256", sha256: { amd64: "ab", arm64: "cd" } } }), /verify\.sha256\.amd64: "ab"\. Allowed: 64 lower-case hex/],
    ["an http URL", doc({ ...good, url: "http://example.test/{version}" }), /\.url: "http:\/\/example\.test\/\{version\}" is not https/],
    ["a URL without {version}", doc({ ...good, url: "https://example.test/latest/{arch}" }), /\.url: does not contain \{version\}/],
    ["a missing arm64 asset name", doc({ ...good, arch: { amd64: "x64" } }), /\.arch\.arm64: is missing/],
    ["an apt entry with a version", doc({ name: "jq", version: "1.7", layer: "runtime", install: "apt", packages: ["jq"], check: "jq -h" }), /\(jq\)\.version: "1\.7" for an apt package\. Allowed: "distro"/],
    ["a git entry pinned to a branch", doc({ name: "omz", version: "master", layer: "full", install: "git", repo: "https://example.test/x.git", dest: "/x", check: "true" }), /\(omz\)\.version: "master" is not a commit/],
    ["a missing check", doc({ ...good, check: undefined }), /\(gh\)\.check: is missing/],
  ])("rejects %s, naming the key", (_, text, message) => {
    expect(problem(text)).toMatch(message);
  });
});

describe("toolsFor and diffToolManifests", () => {
  const m = (...tools: [string, string, "runtime" | "full"][]): ToolManifest => ({
    tools: tools.map(([name, version, layer]) => ({ name, version, layer, install: "rustup", check: "true" })),
  });

  it("a runtime image checks only the runtime layer; a full one everything", () => {
    const x = m(["a", "1", "runtime"], ["b", "2", "full"]);
    expect(toolsFor(x, "runtime").map((t) => t.name)).toEqual(["a"]);
    expect(toolsFor(x, "full").map((t) => t.name)).toEqual(["a", "b"]);
  });

  it.each([
    ["nothing changed", m(["a", "1", "full"]), m(["a", "1", "full"]), { added: [], removed: [], changed: [] }],
    ["a bump", m(["a", "1", "full"]), m(["a", "2", "full"]), { added: [], removed: [], changed: [{ name: "a", from: "1", to: "2" }] }],
    [
      "added and removed, sorted",
      m(["z", "1", "full"], ["b", "1", "full"]),
      m(["c", "3", "full"], ["a", "2", "full"]),
      { added: [{ name: "a", version: "2" }, { name: "c", version: "3" }], removed: [{ name: "b", version: "1" }, { name: "z", version: "1" }], changed: [] },
    ],
  ])("%s", (_, before, after, expected) => {
    expect(diffToolManifests(before, after)).toEqual(expected);
  });
});
