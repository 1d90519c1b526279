// Builds every Go tool set under tools/ into the version-keyed cache (see tools.ts), skipping entries already built.
// Prints, per set, the module download time and, per entry, the build time and binary size.
// Usage: tsx scripts/ci-env/build-tools.ts [SET ...]     (no argument: every set)

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { binaryPath, buildArgs, readSets } from "./tools.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wanted = process.argv.slice(2);
const sets = readSets(root).filter((s) => wanted.length === 0 || wanted.includes(s.name));
const unknown = wanted.filter((w) => !sets.some((s) => s.name === w));
if (unknown.length > 0) {
  console.error(`build-tools: no tool set ${unknown.join(", ")}; sets: ${readSets(root).map((s) => s.name).join(", ")}`);
  process.exit(2);
}

function go(args: string[], cwd: string, env: Record<string, string> = {}): number {
  const started = Date.now();
  const result = spawnSync("go", args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) {
    console.error(`build-tools: go ${args.join(" ")} (in ${cwd}) failed with ${result.error?.message ?? `exit ${result.status}`}`);
    process.exit(1);
  }
  return (Date.now() - started) / 1000;
}

for (const set of sets) {
  const todo = set.entries.filter((e) => !existsSync(binaryPath(set.name, e, set.goSum)));
  for (const e of set.entries.filter((x) => !todo.includes(x))) console.log(`[tools] ${set.name}/${e.bin} ${e.version}: cached ${binaryPath(set.name, e, set.goSum)}`);
  if (todo.length === 0) continue;
  const download = go(["mod", "download"], set.dir);
  console.log(`[tools] ${set.name}: modules downloaded in ${download.toFixed(1)} s`);
  for (const entry of todo) {
    const target = binaryPath(set.name, entry, set.goSum);
    const partial = `${dirname(target)}.part`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    const seconds = go(buildArgs(entry, join(partial, entry.bin)), set.dir, entry.env);
    renameSync(partial, dirname(target));
    const mb = statSync(target).size / 1e6;
    console.log(`[tools] ${set.name}/${entry.bin} ${entry.version}: built in ${seconds.toFixed(1)} s, ${mb.toFixed(1)} MB: ${target}`);
  }
}
