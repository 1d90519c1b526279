// Builds the pinned Go tools of tools/<set>/tools.json that are not in the cache yet, then installs them as a user
// has them: PATH tools as links in <toolsDir>/bin, providers with `pulumi plugin install resource ... --file`.
// Usage: tsx scripts/ci-env/build-tools.ts [set...]   (no set: every tools/<set>/ with a tools.json)
// The manifest rules and the cache key live in src/tools/manifest.ts; this file only does the I/O.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { copyFile, link, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { CI_ENV, PULUMI_OFFLINE_ENV } from "../../src/facts.js";
import { cacheEntryName, cacheKey, goBuildCommand, goTestCommand, isLocalPackage, parseManifest, pluginName, type ToolEntry } from "../../src/tools/manifest.js";

const ROOT = resolve(import.meta.dirname, "../..");
const TOOLS_SRC = join(ROOT, "tools");
const CACHE = join(CI_ENV.toolsDir, "cache");
const BIN = CI_ENV.toolsBin;
const LOGS = join(CI_ENV.toolsDir, "logs");
const started = Date.now();
const log = (msg: string) => console.log(`[build-tools ${String(Math.round((Date.now() - started) / 1000)).padStart(3)}s] ${msg}`);

interface Planned {
  set: string;
  entry: ToolEntry;
  binary: string;
  cached: boolean;
  moduleSeconds?: number;
  buildSeconds?: number;
  testSeconds?: number;
}

class StepFailed extends Error {}

/** Runs a command; its output goes to `logFile`. On failure: the log's tail, then StepFailed. Resolves seconds taken. */
async function run(cmd: string, args: string[], opts: { cwd: string; env?: Record<string, string>; logFile: string; what: string }): Promise<number> {
  const t0 = Date.now();
  const out = createWriteStream(opts.logFile, { flags: "a" });
  out.write(`$ ${cmd} ${args.join(" ")}\n`);
  const code = await new Promise<number>((done, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", fail);
    child.on("close", (c) => done(c ?? 1));
  });
  await new Promise((r) => out.end(r));
  if (code !== 0) {
    const tail = (await readFile(opts.logFile, "utf8")).trimEnd().split("\n").slice(-40).join("\n");
    console.error(`${tail}\n[build-tools] FAILED: ${opts.what} (exit ${code}; log: ${opts.logFile})`);
    throw new StepFailed(opts.what);
  }
  return (Date.now() - t0) / 1000;
}

async function capture(cmd: string, args: string[], cwd = ROOT): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let s = "";
    child.stdout.on("data", (b: Buffer) => (s += b.toString()));
    child.on("error", fail);
    child.on("close", (c) => (c === 0 ? done(s.trim()) : fail(new Error(`${cmd} ${args.join(" ")} exited ${c}`))));
  });
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** [path relative to the set, sha256] of every source file under a local package's directory (not its Markdown). */
async function localSources(setDir: string, pkg: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      // Documentation is no input of the build: editing it must not rebuild the tool.
      else if (e.isFile() && !e.name.endsWith(".md")) out.push([relative(setDir, p), sha256(await readFile(p))]);
    }
  };
  await walk(join(setDir, pkg));
  return out;
}

async function listSets(requested: string[]): Promise<string[]> {
  const all = (await readdir(TOOLS_SRC, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && existsSync(join(TOOLS_SRC, e.name, "tools.json")))
    .map((e) => e.name)
    .sort();
  for (const s of requested) {
    if (!all.includes(s)) throw new Error(`unknown tool set ${JSON.stringify(s)}: tools/${s}/tools.json does not exist (sets: ${all.join(", ")})`);
  }
  return requested.length > 0 ? requested : all;
}

async function plan(set: string, goVersion: string): Promise<Planned[]> {
  const dir = join(TOOLS_SRC, set);
  const read = (f: string) => readFile(join(dir, f), "utf8");
  const goMod = await read("go.mod");
  const goSum = existsSync(join(dir, "go.sum")) ? await read("go.sum") : "";
  const entries = parseManifest(await read("tools.json"), `tools/${set}/tools.json`, goMod);
  return Promise.all(
    entries.map(async (entry) => {
      const sources = isLocalPackage(entry.package) ? await localSources(dir, entry.package) : [];
      const key = cacheKey({ goVersion, goMod, goSum, entry, localSources: sources });
      const binary = join(CACHE, set, cacheEntryName(entry, key), entry.bin);
      return { set, entry, binary, cached: existsSync(binary) };
    }),
  );
}

/**
 * One compile at a time across every set. Concurrent `go` commands do not share work in progress: a package two sets
 * need at the same version, built with the same flags, compiles twice when both builds reach it before either has
 * cached it. Side by side, the sets compile up to a sixth more than they need (`go list -deps` of every entry: 57,517
 * source files over the sets' own graphs, 47,906 in distinct compiles: the Pulumi SDK, gRPC, protobuf, the Docker and
 * containerd clients, the standard library), and a cold build keeps two cores busy compiling from start to end, so
 * one compile at a time is less work for the same cores. `go build` keeps both cores busy by itself; the module
 * downloads, which wait on the network, still run ahead for every set at once.
 */
let compiling: Promise<unknown> = Promise.resolve();
let compileFailed = false;
function oneCompileAtATime<T>(step: () => Promise<T>): Promise<T> {
  const next = compiling.then(() => {
    // Fail fast: after one compile failed, the queued ones would only spend the cores before the run fails anyway.
    if (compileFailed) throw new StepFailed("not compiled: an earlier compile failed");
    return step();
  });
  compiling = next.catch(() => {
    compileFailed = true;
  });
  return next;
}

/** Builds the missing entries of one set, one after another (they share the set's module graph and build cache). */
async function buildSet(set: string, items: Planned[]): Promise<void> {
  const missing = items.filter((i) => !i.cached);
  if (missing.length === 0) return;
  const dir = join(TOOLS_SRC, set);
  const logFile = join(LOGS, `${set}.log`);
  await writeFile(logFile, "");
  for (const item of missing) {
    const { entry } = item;
    // Fetching modules first (checksums checked against go.sum) keeps the download time apart from compile time;
    // with the build's environment, since build constraints (GOEXPERIMENT, cgo) decide which packages are needed.
    const { args, env } = goBuildCommand(entry, `${item.binary}.part`);
    item.moduleSeconds = await run("go", ["list", "-mod=readonly", "-deps", "-test=false", "-f", "{{.ImportPath}}", entry.package], {
      cwd: dir, env, logFile, what: `downloading the modules of ${entry.bin} (tools/${set})`,
    });
    const part = `${item.binary}.part`;
    await mkdir(join(item.binary, ".."), { recursive: true });
    await oneCompileAtATime(async () => {
      if (isLocalPackage(entry.package)) {
        const test = goTestCommand(entry);
        log(`testing ${entry.package} (tools/${set})`);
        item.testSeconds = await run("go", test.args, {
          cwd: dir, env: test.env, logFile, what: `go test ${entry.package} (tools/${set})`,
        });
      }
      log(`building ${entry.bin} ${entry.version} (tools/${set})`);
      item.buildSeconds = await run("go", args, { cwd: dir, env, logFile, what: `building ${entry.bin} ${entry.version} (tools/${set})` });
    });
    await rename(part, item.binary);
  }
}

// A hard link (a copy across file systems), not a symlink: the CLI looks for its language host beside its own
// resolved path first, and warns when it has to take it from PATH instead.
async function linkOnPath(item: Planned): Promise<void> {
  const target = join(BIN, item.entry.bin);
  await unlink(target).catch(() => undefined);
  await link(item.binary, target).catch(() => copyFile(item.binary, target));
}

async function installPlugin(item: Planned, logFile: string): Promise<boolean> {
  const name = pluginName(item.entry);
  const pulumiHome = process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
  const installed = join(pulumiHome, "plugins", `resource-${name}-v${item.entry.version}`, item.entry.bin);
  if (existsSync(installed) && sha256(await readFile(installed)) === sha256(await readFile(item.binary))) return false;
  await run(join(BIN, "pulumi"), ["plugin", "install", "resource", name, item.entry.version, "--file", item.binary, "--reinstall"], {
    cwd: ROOT, env: { ...PULUMI_OFFLINE_ENV }, logFile, what: `pulumi plugin install resource ${name} ${item.entry.version}`,
  });
  return true;
}

/** The settings the test tier and a shell use: PATH first entry and the offline Pulumi variables. */
async function writeEnvFiles(): Promise<void> {
  const env = { ...PULUMI_OFFLINE_ENV };
  await writeFile(join(CI_ENV.toolsDir, "env.json"), `${JSON.stringify({ path: BIN, env }, null, 2)}\n`);
  const lines = [`export PATH="${BIN}:$PATH"`, ...Object.entries(env).map(([k, v]) => `export ${k}=${v}`)];
  await writeFile(join(CI_ENV.toolsDir, "env.sh"), `# Written by scripts/ci-env/build-tools.ts\n${lines.join("\n")}\n`);
}

async function main(): Promise<void> {
  const sets = await listSets(process.argv.slice(2));
  await mkdir(BIN, { recursive: true });
  await mkdir(LOGS, { recursive: true });
  const goVersion = await capture("go", ["env", "GOVERSION"]);
  const plans = new Map<string, Planned[]>();
  for (const set of sets) plans.set(set, await plan(set, goVersion));
  const all = [...plans.values()].flat();
  const todo = all.filter((i) => !i.cached);
  log(`${goVersion}; ${all.length} tools in ${sets.join(", ")}; ${todo.length} to build`);

  // Every set fetches its modules at once; their compiles queue (oneCompileAtATime).
  const results = await Promise.allSettled(sets.map((s) => buildSet(s, plans.get(s)!)));
  const failed = results.filter((r) => r.status === "rejected");
  if (failed.length > 0) {
    for (const r of failed) if (!(r.reason instanceof StepFailed)) console.error(r.reason);
    throw new StepFailed(`${failed.length} of ${sets.length} tool sets failed`);
  }

  const installLog = join(LOGS, "install.log");
  await writeFile(installLog, "");
  for (const item of all.filter((i) => i.entry.install === "path")) await linkOnPath(item);
  const pluginsInstalled: string[] = [];
  for (const item of all.filter((i) => i.entry.install === "plugin")) {
    if (!existsSync(join(BIN, "pulumi"))) {
      throw new Error(`cannot install plugin ${item.entry.bin}: no pulumi in ${BIN} (build the pulumi set as well)`);
    }
    if (await installPlugin(item, installLog)) pluginsInstalled.push(`${pluginName(item.entry)} ${item.entry.version}`);
  }
  await writeEnvFiles();

  const fmt = (s?: number) => (s === undefined ? "-" : `${s.toFixed(1)}s`);
  const rows = [["tool", "version", "state", "modules", "test", "build", "size"]];
  for (const i of all) {
    const size = `${((await stat(i.binary)).size / 1048576).toFixed(1)} MiB`;
    rows.push([i.entry.bin, i.entry.version, i.cached ? "cached" : "built", fmt(i.moduleSeconds), fmt(i.testSeconds), fmt(i.buildSeconds), size]);
  }
  // Columns as wide as their longest cell: versions such as a pseudo-version or a commit-labelled build are long.
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)) + 2);
  for (const r of rows) console.log(r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join(""));
  if (pluginsInstalled.length > 0) log(`plugins installed: ${pluginsInstalled.join(", ")}`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s; for a shell: . ${join(CI_ENV.toolsDir, "env.sh")}`);
  console.log(`export PATH="${BIN}:$PATH"`);
}

main().catch((e: unknown) => {
  if (!(e instanceof StepFailed)) console.error(`[build-tools] FAILED: ${(e as Error).message}`);
  else console.error(`[build-tools] FAILED: ${e.message}`);
  process.exit(1);
});
