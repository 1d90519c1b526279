// The sandbox image's tool manifest (image/tools.json): which tools the image holds, at which pinned version,
// how each is installed and verified, and the command that proves it works. The in-image self-test runs those
// commands; the release notes diff two manifests. Pure: parsing and diffing only, no I/O.

import { ConfigError } from "../config/errors.js";
import { PLATFORMS, TOOLSETS, type Toolset } from "../facts.js";

/** Docker's TARGETARCH values for the platforms the image is published for (`linux/amd64` -> `amd64`). */
export type Arch = "amd64" | "arm64";
export const ARCHES: readonly Arch[] = PLATFORMS.map((p) => p.slice("linux/".length) as Arch);

/** Where the manifest lives in this repository (the image copies it to IMAGE_PATHS.toolManifest). */
export const TOOL_MANIFEST_SOURCE = "image/tools.json";

/** `runtime`: in every image (Ubuntu noble or Debian bookworm base). `full`: only with TOOLSET=full. */
export const TOOL_LAYERS: readonly Toolset[] = TOOLSETS;
export type ToolLayer = Toolset;

export const INSTALL_KINDS = ["apt", "download", "git", "cargo", "npm", "npm-lockfile", "rustup"] as const;
export type InstallKind = (typeof INSTALL_KINDS)[number];

export const VERIFY_KINDS = ["sha256", "checksums", "sha256-file", "checksums-multi"] as const;
export type VerifyKind = (typeof VERIFY_KINDS)[number];

export const ARCHIVE_FORMATS = ["tar.gz", "tar.xz", "zip", "binary"] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

/** How a download is verified: a sha256 pinned here per architecture, or the release's own published checksums. */
export type DownloadVerify =
  | { kind: "sha256"; sha256: Record<Arch, string>; source?: string }
  | { kind: "checksums"; url: string }
  | { kind: "sha256-file"; url: string }
  | { kind: "checksums-multi"; url: string; orderUrl: string };

interface ToolCommon {
  name: string;
  /** The pinned version; `distro` for apt packages (they follow the digest-pinned base and its security updates). */
  version: string;
  layer: ToolLayer;
  /** A shell command that exits 0 when the tool works (run by the in-image self-test). */
  check: string;
}

export interface AptTool extends ToolCommon {
  install: "apt";
  packages: string[];
}
export interface DownloadTool extends ToolCommon {
  install: "download";
  /** URL template: `{version}` and `{arch}` (the project's own name for the architecture, from `arch`). */
  url: string;
  arch: Record<Arch, string>;
  format: ArchiveFormat;
  verify: DownloadVerify;
  /** Installed name -> path inside the archive (templated like `url`); installed to /usr/local/bin. */
  bin?: Record<string, string>;
  /** Unpack the whole archive to `dest`, dropping `strip` leading path components. */
  tree?: { dest: string; strip?: number };
}
export interface GitTool extends ToolCommon {
  install: "git";
  repo: string;
  dest: string;
}
export interface CargoTool extends ToolCommon {
  install: "cargo";
  crate: string;
  bin: Record<string, string>;
}
export interface NpmTool extends ToolCommon {
  install: "npm";
  package: string;
  bin: string[];
}
export interface NpmLockfileTool extends ToolCommon {
  install: "npm-lockfile";
  package: string;
  /** Path of the lockfile that pins it, relative to image/. */
  lockfile: string;
}
export interface RustupTool extends ToolCommon {
  install: "rustup";
}

export type ToolEntry = AptTool | DownloadTool | GitTool | CargoTool | NpmTool | NpmLockfileTool | RustupTool;

export interface ToolManifest {
  tools: ToolEntry[];
}

const SHA256_RE = /^[0-9a-f]{64}$/;
const COMMIT_RE = /^[0-9a-f]{40}$/;
const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads and checks one manifest; every problem names the entry and key, what was wrong and what is allowed. */
export function parseToolManifest(text: string, source = TOOL_MANIFEST_SOURCE): ToolManifest {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(source, `is not JSON (${(e as Error).message})`, 'a JSON object { "tools": [...] }');
  }
  if (!isObject(doc) || !Array.isArray(doc.tools)) {
    throw new ConfigError(`${source}: tools`, "is missing or not an array", "an array of tool entries");
  }
  const seen = new Set<string>();
  const tools = doc.tools.map((raw, i) => {
    const tool = parseEntry(raw, `${source}: tools[${i}]`);
    if (seen.has(tool.name)) {
      throw new ConfigError(`${source}: tools[${i}].name`, `"${tool.name}" is listed twice`, "each tool name once");
    }
    seen.add(tool.name);
    return tool;
  });
  return { tools };
}

function parseEntry(raw: unknown, at: string): ToolEntry {
  if (!isObject(raw)) throw new ConfigError(at, "is not an object", "a tool entry object");
  const r = reader(raw, at);
  const name = r.string("name");
  if (!NAME_RE.test(name)) throw new ConfigError(`${at}.name`, `"${name}" is not a tool name`, "lower-case letters, digits, . _ -");
  const where = `${at} (${name})`;
  const e = reader(raw, where);
  const common = {
    name,
    version: e.string("version"),
    layer: e.oneOf("layer", TOOL_LAYERS),
    check: e.string("check"),
  };
  const install = e.oneOf("install", INSTALL_KINDS);
  switch (install) {
    case "apt":
      if (common.version !== "distro") {
        throw new ConfigError(`${where}.version`, `"${common.version}" for an apt package`, '"distro"');
      }
      return { ...common, install, packages: e.stringArray("packages") };
    case "download": {
      const url = e.httpsTemplate("url");
      const arch = e.archMap("arch");
      const format = e.oneOf("format", ARCHIVE_FORMATS);
      const verify = parseVerify(raw.verify, `${where}.verify`);
      const bin = raw.bin === undefined ? undefined : e.stringMap("bin");
      const tree = raw.tree === undefined ? undefined : parseTree(raw.tree, `${where}.tree`);
      if (!bin && !tree) throw new ConfigError(`${where}.bin`, "is missing (and so is tree)", "bin, tree or both");
      if (!url.includes("{version}")) {
        throw new ConfigError(`${where}.url`, "does not contain {version}", "a URL template that uses the pinned version");
      }
      return { ...common, install, url, arch, format, verify, ...(bin ? { bin } : {}), ...(tree ? { tree } : {}) };
    }
    case "git":
      if (!COMMIT_RE.test(common.version)) {
        throw new ConfigError(`${where}.version`, `"${common.version}" is not a commit`, "a full 40-hex commit sha");
      }
      return { ...common, install, repo: e.httpsTemplate("repo"), dest: e.absolutePath("dest") };
    case "cargo":
      return { ...common, install, crate: e.string("crate"), bin: e.stringMap("bin") };
    case "npm":
      return { ...common, install, package: e.string("package"), bin: e.stringArray("bin") };
    case "npm-lockfile":
      return { ...common, install, package: e.string("package"), lockfile: e.string("lockfile") };
    case "rustup":
      return { ...common, install };
  }
}

function parseVerify(raw: unknown, at: string): DownloadVerify {
  if (!isObject(raw)) throw new ConfigError(at, "is missing", `an object with kind (${VERIFY_KINDS.join(", ")})`);
  const r = reader(raw, at);
  const kind = r.oneOf("kind", VERIFY_KINDS);
  switch (kind) {
    case "sha256": {
      const sha256 = r.archMap("sha256");
      for (const a of ARCHES) {
        if (!SHA256_RE.test(sha256[a])) throw new ConfigError(`${at}.sha256.${a}`, `"${sha256[a]}"`, "64 lower-case hex digits");
      }
      return raw.source === undefined ? { kind, sha256 } : { kind, sha256, source: r.string("source") };
    }
    case "checksums":
    case "sha256-file":
      return { kind, url: r.httpsTemplate("url") };
    case "checksums-multi":
      return { kind, url: r.httpsTemplate("url"), orderUrl: r.httpsTemplate("orderUrl") };
  }
}

function parseTree(raw: unknown, at: string): { dest: string; strip?: number } {
  if (!isObject(raw)) throw new ConfigError(at, "is not an object", "{ dest, strip? }");
  const r = reader(raw, at);
  const dest = r.absolutePath("dest");
  if (raw.strip === undefined) return { dest };
  if (typeof raw.strip !== "number" || !Number.isInteger(raw.strip) || raw.strip < 0) {
    throw new ConfigError(`${at}.strip`, `${JSON.stringify(raw.strip)}`, "a whole number >= 0");
  }
  return { dest, strip: raw.strip };
}

function reader(obj: Json, at: string) {
  const string = (key: string): string => {
    const v = obj[key];
    if (typeof v !== "string" || v.trim() === "") throw new ConfigError(`${at}.${key}`, v === undefined ? "is missing" : `${JSON.stringify(v)}`, "a non-empty string");
    return v;
  };
  return {
    string,
    oneOf<T extends string>(key: string, allowed: readonly T[]): T {
      const v = obj[key];
      if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
        throw new ConfigError(`${at}.${key}`, v === undefined ? "is missing" : `${JSON.stringify(v)}`, allowed.join(", "));
      }
      return v as T;
    },
    stringArray(key: string): string[] {
      const v = obj[key];
      if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === "string" && s !== "")) {
        throw new ConfigError(`${at}.${key}`, v === undefined ? "is missing" : `${JSON.stringify(v)}`, "a non-empty array of strings");
      }
      return v as string[];
    },
    stringMap(key: string): Record<string, string> {
      const v = obj[key];
      if (!isObject(v) || Object.keys(v).length === 0 || !Object.values(v).every((s) => typeof s === "string" && s !== "")) {
        throw new ConfigError(`${at}.${key}`, v === undefined ? "is missing" : `${JSON.stringify(v)}`, "an object of non-empty strings");
      }
      return v as Record<string, string>;
    },
    archMap(key: string): Record<Arch, string> {
      const v = obj[key];
      if (!isObject(v)) throw new ConfigError(`${at}.${key}`, "is missing", `an object with ${ARCHES.join(" and ")}`);
      for (const a of ARCHES) {
        if (typeof v[a] !== "string" || v[a] === "") throw new ConfigError(`${at}.${key}.${a}`, "is missing", "a non-empty string");
      }
      return v as Record<Arch, string>;
    },
    httpsTemplate(key: string): string {
      const v = string(key);
      if (!v.startsWith("https://")) throw new ConfigError(`${at}.${key}`, `"${v}" is not https`, "an https:// URL");
      return v;
    },
    absolutePath(key: string): string {
      const v = string(key);
      if (!v.startsWith("/")) throw new ConfigError(`${at}.${key}`, `"${v}" is relative`, "an absolute path");
      return v;
    },
  };
}

/** The tools a given toolset installs (what the self-test of such an image checks). */
export function toolsFor(manifest: ToolManifest, toolset: ToolLayer): ToolEntry[] {
  return manifest.tools.filter((t) => toolset === "full" || t.layer === "runtime");
}

/** Expands a download URL template for one architecture. */
export function expandTemplate(template: string, tool: Pick<DownloadTool, "version" | "arch">, arch: Arch): string {
  return template.replaceAll("{version}", tool.version).replaceAll("{arch}", tool.arch[arch]);
}

export interface ToolChange {
  name: string;
  from: string;
  to: string;
}
export interface ManifestDiff {
  added: { name: string; version: string }[];
  removed: { name: string; version: string }[];
  changed: ToolChange[];
}

/** What changed between two manifests, by tool name, sorted by name (for release notes). */
export function diffToolManifests(before: ToolManifest, after: ToolManifest): ManifestDiff {
  const old = new Map(before.tools.map((t) => [t.name, t.version]));
  const now = new Map(after.tools.map((t) => [t.name, t.version]));
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
  const added = [...now].filter(([n]) => !old.has(n)).map(([name, version]) => ({ name, version }));
  const removed = [...old].filter(([n]) => !now.has(n)).map(([name, version]) => ({ name, version }));
  const changed = [...now]
    .filter(([n, v]) => old.has(n) && old.get(n) !== v)
    .map(([name, to]) => ({ name, from: old.get(name)!, to }));
  return { added: added.sort(byName), removed: removed.sort(byName), changed: changed.sort(byName) };
}
