// The Go-built tool sets (tools/<set>/: go.mod with `tool` directives, go.sum, tools.json) and where each built
// binary lives in the version-keyed cache. Pure apart from reading the set's files; build-tools.ts does the builds,
// tests ask toolBinary() for a path.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GO_TOOLS } from "../../src/facts.js";

/** One manifest entry: the binary, the package it is built from, and the settings its release build uses. */
export interface ToolEntry {
  bin: string;
  pkg: string;
  /** The release version, without a leading v; the binary must report it. */
  version: string;
  tags: string[];
  /** Build environment the release uses (CGO_ENABLED, GOEXPERIMENT, ...). */
  env: Record<string, string>;
  ldflags: string;
}

export interface ToolSet {
  name: string;
  dir: string;
  entries: ToolEntry[];
  goSum: string;
}

const ALLOWED_KEYS = ["bin", "pkg", "version", "tags", "env", "ldflags"];

/** Parses a tools.json; every problem names the file, the entry and the key, and says what is allowed. */
export function parseManifest(text: string, file: string): ToolEntry[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message}); expected an array of tool entries`);
  }
  if (!Array.isArray(data) || data.length === 0) throw new Error(`${file}: expected a non-empty array of tool entries`);
  const seen = new Set<string>();
  return data.map((raw: unknown, i) => {
    const at = (key: string) => `${file}: [${i}].${key}`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${file}: [${i}] must be an object`);
    const o = raw as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!ALLOWED_KEYS.includes(key)) throw new Error(`${at(key)} is not a known key; allowed: ${ALLOWED_KEYS.join(", ")}`);
    }
    const str = (key: string, pattern: RegExp, what: string): string => {
      const v = o[key];
      if (typeof v !== "string" || !pattern.test(v)) throw new Error(`${at(key)} must be ${what}, got ${JSON.stringify(v)}`);
      return v;
    };
    const bin = str("bin", /^[a-z0-9][a-z0-9._-]*$/, "a file name (lowercase letters, digits, . _ -)");
    if (seen.has(bin)) throw new Error(`${at("bin")} "${bin}" appears twice`);
    seen.add(bin);
    const entry: ToolEntry = {
      bin,
      pkg: str("pkg", /^[\w.~-]+(\/[\w.~-]+)*$/, "a Go package path"),
      version: str("version", /^\d+\.\d+\.\d+([-+][\w.-]+)?$/, "a release version without a leading v, e.g. 1.2.3"),
      tags: [],
      env: {},
      ldflags: o["ldflags"] === undefined ? "" : str("ldflags", /^[^\n]*$/, "one line of linker flags"),
    };
    if (o["tags"] !== undefined) {
      if (!Array.isArray(o["tags"]) || !o["tags"].every((t) => typeof t === "string" && /^[\w.]+$/.test(t))) {
        throw new Error(`${at("tags")} must be an array of build tags (letters, digits, _ .)`);
      }
      entry.tags = o["tags"] as string[];
    }
    if (o["env"] !== undefined) {
      const env = o["env"];
      if (typeof env !== "object" || env === null || Array.isArray(env)) throw new Error(`${at("env")} must be an object of strings`);
      for (const [k, v] of Object.entries(env)) {
        if (!/^[A-Z][A-Z0-9_]*$/.test(k) || typeof v !== "string") {
          throw new Error(`${at(`env.${k}`)} must be an upper-case variable name with a string value`);
        }
      }
      entry.env = env as Record<string, string>;
    }
    return entry;
  });
}

/** Everything that decides the binary: the module graph (go.sum) and the entry's build settings. */
export function cacheKey(entry: ToolEntry, goSum: string): string {
  const settings = JSON.stringify([entry.pkg, entry.version, entry.tags, Object.entries(entry.env).sort(), entry.ldflags]);
  return createHash("sha256").update(settings).update("\0").update(goSum).digest("hex").slice(0, 16);
}

/** `<cacheDir>/<set>/<bin>-<version>-<key>/<bin>`. */
export function binaryPath(set: string, entry: ToolEntry, goSum: string, cacheDir: string = GO_TOOLS.cacheDir): string {
  return join(cacheDir, set, `${entry.bin}-${entry.version}-${cacheKey(entry, goSum)}`, entry.bin);
}

/** The `go build` arguments for one entry (run in the set's directory, with entry.env added). */
export function buildArgs(entry: ToolEntry, output: string): string[] {
  return [
    "build",
    "-trimpath",
    "-mod=readonly",
    ...(entry.tags.length > 0 ? ["-tags", entry.tags.join(",")] : []),
    "-ldflags", entry.ldflags,
    "-o", output,
    entry.pkg,
  ];
}

/** Reads one set from `<root>/tools/<name>/`. */
export function readSet(root: string, name: string): ToolSet {
  const dir = join(root, GO_TOOLS.dir, name);
  const file = join(GO_TOOLS.dir, name, GO_TOOLS.manifest);
  const entries = parseManifest(readFileSync(join(root, file), "utf8"), file);
  const goSumPath = join(dir, "go.sum");
  if (!existsSync(goSumPath)) throw new Error(`${join(GO_TOOLS.dir, name, "go.sum")} is missing: commit the set's go.sum`);
  return { name, dir, entries, goSum: readFileSync(goSumPath, "utf8") };
}

/** Every set: the directories under tools/ that hold a manifest. */
export function readSets(root: string): ToolSet[] {
  const base = join(root, GO_TOOLS.dir);
  return readdirSync(base, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(base, d.name, GO_TOOLS.manifest)))
    .map((d) => readSet(root, d.name))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Where `bin` of `set` is (or will be) built. */
export function toolBinary(root: string, set: string, bin: string): string {
  const s = readSet(root, set);
  const entry = s.entries.find((e) => e.bin === bin);
  if (!entry) throw new Error(`${GO_TOOLS.dir}/${set}/${GO_TOOLS.manifest} has no entry for "${bin}"`);
  return binaryPath(set, entry, s.goSum);
}
