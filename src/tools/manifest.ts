// The pinned Go tools (tools/<set>/tools.json): parsing, validation against the set's go.mod, the cache key and the
// `go build` command line. Pure: scripts/ci-env/build-tools.ts does the reading, building and installing.
import { createHash } from "node:crypto";
import { ConfigError, ConfigErrors } from "../config/errors.js";

/** How a built tool reaches the user: on PATH, or as a Pulumi resource plugin (`pulumi plugin install --file`). */
export const INSTALL_KINDS = ["path", "plugin"] as const;
export type InstallKind = (typeof INSTALL_KINDS)[number];

/** One binary of a set, as tools.json states it. */
export interface ToolEntry {
  /** File name of the binary, e.g. `pulumi-resource-docker-build`. */
  bin: string;
  /** Go package of its main: a package the set's go.mod names in a `tool` directive, or `./...` inside the set. */
  package: string;
  /** The version the binary is, and says it is (semver, no leading `v`). */
  version: string;
  /** The module version go.mod must require when it is not `v<version>` (a pseudo-version of the release commit). */
  moduleVersion?: string;
  /** Go build tags. */
  tags: string[];
  /** Linker flags, e.g. the `-X` that stamps the version. */
  ldflags: string[];
  /** CGO_ENABLED=1 (default: static, CGO_ENABLED=0). */
  cgo: boolean;
  /** GOEXPERIMENT the release builds with (e.g. trivy's `jsonv2`). */
  goExperiment?: string;
  install: InstallKind;
}

const BIN = /^[a-z0-9][a-z0-9._-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const PLUGIN_PREFIX = "pulumi-resource-";
const KNOWN_KEYS = ["bin", "package", "version", "moduleVersion", "tags", "ldflags", "cgo", "goExperiment", "install"];

/** A package inside the set's own module (built from our sources, not a dependency). */
export const isLocalPackage = (pkg: string): boolean => pkg === "." || pkg.startsWith("./");

/** The plugin name `pulumi plugin install` takes: the bin without `pulumi-resource-`. */
export function pluginName(entry: Pick<ToolEntry, "bin">): string {
  return entry.bin.slice(PLUGIN_PREFIX.length);
}

/** The `tool` directives and required module versions of a go.mod (both block and single-line forms). */
export function readGoMod(text: string): { tools: Set<string>; requires: Map<string, string> } {
  const tools = new Set<string>();
  const requires = new Map<string, string>();
  let block: string | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (!line) continue;
    if (block) {
      if (line === ")") block = undefined;
      else if (block === "tool") tools.add(line);
      else if (block === "require") {
        const [mod, ver] = line.split(/\s+/);
        if (mod && ver) requires.set(mod, ver);
      }
      continue;
    }
    const m = /^(tool|require)\s+(\(|.+)$/.exec(line);
    if (!m) continue;
    if (m[2] === "(") block = m[1];
    else if (m[1] === "tool") tools.add(m[2]!.trim());
    else {
      const [mod, ver] = m[2]!.trim().split(/\s+/);
      if (mod && ver) requires.set(mod, ver);
    }
  }
  return { tools, requires };
}

/** The required module a package belongs to: the longest required module path that prefixes it. */
export function moduleOf(pkg: string, requires: Map<string, string>): { path: string; version: string } | undefined {
  let best: { path: string; version: string } | undefined;
  for (const [path, version] of requires) {
    if ((pkg === path || pkg.startsWith(`${path}/`)) && (!best || path.length > best.path.length)) best = { path, version };
  }
  return best;
}

const ALLOWED = {
  bin: "a file name of lower-case letters, digits, `.`, `_` and `-`, unique in the set",
  package: "a Go package named by a `tool` directive in the set's go.mod, or `./<dir>` inside the set",
  version: "a semantic version without a leading `v` (e.g. 3.248.0): the version the binary reports",
  moduleVersion: "the exact version go.mod requires for the package's module (e.g. a pseudo-version)",
  strings: "an array of strings",
  cgo: "true or false",
  goExperiment: "comma-separated Go experiment names of lower-case letters and digits (e.g. jsonv2)",
  install: `one of ${INSTALL_KINDS.join(", ")}; plugin needs a bin named ${PLUGIN_PREFIX}<name>`,
} as const;

/**
 * Parses tools.json (`{ "tools": [ ... ] }`) and checks each entry against the set's go.mod. Every problem is
 * reported at once, each naming its file and field, e.g. `tools/pulumi/tools.json: tools[1].version`.
 */
export function parseManifest(json: string, source: string, goMod: string): ToolEntry[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new ConfigErrors([new ConfigError(source, `is not valid JSON (${(e as Error).message})`, '`{ "tools": [ ... ] }`')]);
  }
  const tools = (doc as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools) || tools.length === 0) {
    throw new ConfigErrors([new ConfigError(`${source}: tools`, "is missing or empty", "a non-empty array of tool entries")]);
  }
  const { tools: declared, requires } = readGoMod(goMod);
  const errors: ConfigError[] = [];
  const entries: ToolEntry[] = [];
  const bins = new Set<string>();
  tools.forEach((raw: unknown, i) => {
    const at = (field: string) => `${source}: tools[${i}].${field}`;
    const fail = (field: string, problem: string, allowed: string) => errors.push(new ConfigError(at(field), problem, allowed));
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      errors.push(new ConfigError(`${source}: tools[${i}]`, "is not an object", "an object with bin, package, version, install"));
      return;
    }
    const o = raw as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!KNOWN_KEYS.includes(key)) fail(key, "is not a known field", KNOWN_KEYS.join(", "));
    }
    const str = (field: "bin" | "package" | "version" | "moduleVersion" | "goExperiment", required: boolean): string | undefined => {
      const v = o[field];
      if (v === undefined && !required) return undefined;
      if (typeof v !== "string" || v === "") {
        fail(field, v === undefined ? "is missing" : `is ${JSON.stringify(v)}`, ALLOWED[field]);
        return undefined;
      }
      return v;
    };
    const list = (field: "tags" | "ldflags"): string[] => {
      const v = o[field];
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((s) => typeof s !== "string" || s === "")) {
        fail(field, `is ${JSON.stringify(v)}`, ALLOWED.strings);
        return [];
      }
      return v as string[];
    };
    const bin = str("bin", true);
    const pkg = str("package", true);
    const version = str("version", true);
    const moduleVersion = str("moduleVersion", false);
    const tags = list("tags");
    const ldflags = list("ldflags");
    const goExperiment = str("goExperiment", false);
    if (goExperiment !== undefined && !/^[a-z0-9]+(,[a-z0-9]+)*$/.test(goExperiment)) fail("goExperiment", `is ${JSON.stringify(goExperiment)}`, ALLOWED.goExperiment);
    const cgo = o.cgo ?? false;
    if (typeof cgo !== "boolean") fail("cgo", `is ${JSON.stringify(cgo)}`, ALLOWED.cgo);
    const install = o.install;
    if (typeof install !== "string" || !(INSTALL_KINDS as readonly string[]).includes(install)) {
      fail("install", install === undefined ? "is missing" : `is ${JSON.stringify(install)}`, ALLOWED.install);
    }
    if (bin !== undefined) {
      if (!BIN.test(bin)) fail("bin", `is ${JSON.stringify(bin)}`, ALLOWED.bin);
      else if (bins.has(bin)) fail("bin", `repeats ${JSON.stringify(bin)}`, ALLOWED.bin);
      bins.add(bin);
      if (install === "plugin" && (!bin.startsWith(PLUGIN_PREFIX) || bin.length === PLUGIN_PREFIX.length)) {
        fail("install", `is "plugin" but bin ${JSON.stringify(bin)} is no ${PLUGIN_PREFIX}<name>`, ALLOWED.install);
      }
    }
    if (version !== undefined && !SEMVER.test(version)) fail("version", `is ${JSON.stringify(version)}`, ALLOWED.version);
    if (pkg !== undefined && !isLocalPackage(pkg)) {
      if (!declared.has(pkg)) fail("package", `${JSON.stringify(pkg)} has no \`tool\` directive in go.mod`, ALLOWED.package);
      const mod = moduleOf(pkg, requires);
      if (!mod) fail("package", `${JSON.stringify(pkg)} belongs to no module go.mod requires`, ALLOWED.package);
      else if (version !== undefined && SEMVER.test(version)) {
        // The binary must be the release it is labelled with: go.mod pins that release (or the recorded commit).
        const expected = moduleVersion ?? `v${version}`;
        if (mod.version !== expected) {
          const field = moduleVersion === undefined ? "version" : "moduleVersion";
          fail(field, `says ${expected} but go.mod requires ${mod.path} ${mod.version}`, ALLOWED[field]);
        }
      }
    } else if (pkg !== undefined && moduleVersion !== undefined) {
      fail("moduleVersion", "is set for a package of this module", "no moduleVersion for `./` packages");
    }
    if (bin && pkg && version && typeof cgo === "boolean" && (INSTALL_KINDS as readonly string[]).includes(install as string)) {
      entries.push({
        bin,
        package: pkg,
        version,
        ...(moduleVersion === undefined ? {} : { moduleVersion }),
        tags,
        ldflags,
        cgo,
        ...(goExperiment === undefined ? {} : { goExperiment }),
        install: install as InstallKind,
      });
    }
  });
  if (errors.length > 0) throw new ConfigErrors(errors);
  return entries;
}

/** Everything a built binary depends on; any change gives a new cache entry. */
export interface CacheInputs {
  goVersion: string;
  goMod: string;
  goSum: string;
  entry: ToolEntry;
  /** For `./` packages: [path relative to the set, sha256 of the file] of every source file, in any order. */
  localSources: ReadonlyArray<readonly [string, string]>;
}

/** 16 hex digits of a sha256 over the inputs (order-independent for the local sources). */
export function cacheKey(inputs: CacheInputs): string {
  const { entry } = inputs;
  const canonicalEntry = [entry.bin, entry.package, entry.version, entry.moduleVersion ?? "", entry.tags, entry.ldflags, entry.cgo, ...(entry.goExperiment ? [entry.goExperiment] : [])];
  const sources = [...inputs.localSources].map(([p, h]) => `${p}\0${h}`).sort();
  const h = createHash("sha256");
  for (const part of [inputs.goVersion, inputs.goMod, inputs.goSum, JSON.stringify(canonicalEntry), ...sources]) {
    h.update(part).update("\0\0");
  }
  return h.digest("hex").slice(0, 16);
}

/** A cache entry's directory name under <toolsDir>/cache/<set>/: `<bin>-<version>-<key>`. */
export const cacheEntryName = (entry: ToolEntry, key: string): string => `${entry.bin}-${entry.version}-${key}`;

/** `go build` arguments (run in the set's directory) and the environment it adds. */
export function goBuildCommand(entry: ToolEntry, output: string): { args: string[]; env: Record<string, string> } {
  const args = ["build", "-mod=readonly", "-trimpath", "-o", output];
  if (entry.tags.length > 0) args.push("-tags", entry.tags.join(","));
  if (entry.ldflags.length > 0) args.push("-ldflags", entry.ldflags.join(" "));
  args.push(entry.package);
  return { args, env: compileEnv(entry) };
}

function compileEnv(entry: ToolEntry): Record<string, string> {
  return { CGO_ENABLED: entry.cgo ? "1" : "0", ...(entry.goExperiment ? { GOEXPERIMENT: entry.goExperiment } : {}) };
}

/**
 * `go test` of a local package before its build, compiled exactly as the build compiles (trimmed, the same tags, cgo
 * and experiment): the build then reuses every dependency the test compiled from the build cache instead of compiling
 * the provider a second time (measured cold: the docker wrapper's test 42 min, its build 20 min after it).
 */
export function goTestCommand(entry: ToolEntry): { args: string[]; env: Record<string, string> } {
  const args = ["test", "-mod=readonly", "-trimpath", "-count=1"];
  if (entry.tags.length > 0) args.push("-tags", entry.tags.join(","));
  args.push(entry.package);
  return { args, env: compileEnv(entry) };
}
