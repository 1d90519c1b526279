// Unit-suite benchmark (`npm run bench:unit [-- RUNS [CHECKOUT ...]]`; not a test: it prints figures, asserts nothing).
//
// Runs `vitest run` (the unit tier, as `npm test` runs it after tsc) RUNS times in each checkout given (default: this
// one), interleaved (a, b, a, b, ...) so a shared machine's load spreads over every column, and prints per run:
// vitest's own duration, the wall time, the CPU time of vitest and all its workers and children, the number of tests
// and failures, and the 1-minute load average before and after. Then the median per checkout and, from the last run
// of each, the ten slowest files; with two or more checkouts, all of it again side by side, a column each (before and
// after a change: `npm run bench:unit -- 3 /tmp/before .`). CPU time says what the suite costs; wall time what a
// change waits for on this machine at this load. Comparing two trees: give the other one as a checkout with its own
// node_modules (a copy, not a symlink: tests/actions/dist.test.ts compares bundles whose comments hold resolved paths).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const runs = Number(process.argv[2] ?? 3);
const checkouts = process.argv.length > 3 ? process.argv.slice(3).map((d) => resolve(d)) : [fileURLToPath(new URL("..", import.meta.url))];
const out = mkdtempSync(join(tmpdir(), "bench-unit-"));

/** CPU seconds (user + system) of this process's waited-for children, from /proc (Linux). */
function childrenCpu(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  // After "pid (comm) ": field 3 is state, so cutime (16) and cstime (17) are at indexes 13 and 14.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

interface JsonReport {
  numTotalTests: number;
  numFailedTests: number;
  startTime: number;
  testResults: { name: string; startTime: number; endTime: number }[];
}
interface Run {
  vitest: number;
  wall: number;
  cpu: number;
  tests: number;
  failed: number;
  load: [number, number];
  report: JsonReport;
}

function runOnce(dir: string, label: string): Run {
  const file = join(out, `${label}.json`);
  const load0 = loadavg()[0]!;
  const cpu0 = childrenCpu();
  const start = performance.now();
  const r = spawnSync(join(dir, "node_modules", ".bin", "vitest"), ["run", "--reporter=dot", "--reporter=json", `--outputFile.json=${file}`], {
    cwd: dir,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = (performance.now() - start) / 1000;
  const cpu = childrenCpu() - cpu0;
  const duration = /Duration\s+([0-9.]+)(m?s)/.exec(r.stdout.replace(/\x1b\[[0-9;]*m/g, ""));
  const report = JSON.parse(readFileSync(file, "utf8")) as JsonReport;
  const vitest = duration ? Number(duration[1]) / (duration[2] === "ms" ? 1000 : 1) : NaN;
  return { vitest, wall, cpu, tests: report.numTotalTests, failed: report.numFailedTests, load: [load0, loadavg()[0]!], report };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, Run[]>(checkouts.map((d) => [d, []]));
for (let i = 1; i <= runs; i++) {
  for (const [n, dir] of checkouts.entries()) {
    const run = runOnce(dir, `${n}-${i}`);
    results.get(dir)!.push(run);
    console.log(
      `${dir} run ${i}: vitest ${run.vitest.toFixed(1)} s, wall ${run.wall.toFixed(1)} s, cpu ${run.cpu.toFixed(1)} s, ` +
        `${run.tests} tests (${run.failed} failed), load ${run.load[0].toFixed(2)} -> ${run.load[1].toFixed(2)}`,
    );
  }
}
const rel = (dir: string, name: string) => name.slice(dir.length + 1);
const fileSeconds = (dir: string, report: JsonReport) =>
  new Map(report.testResults.map((f) => [rel(dir, f.name), (f.endTime - f.startTime) / 1000] as const));
for (const [dir, rs] of results) {
  const m = (pick: (r: Run) => number) => median(rs.map(pick)).toFixed(1);
  console.log(`\n${dir}: median of ${rs.length}: vitest ${m((r) => r.vitest)} s, wall ${m((r) => r.wall)} s, cpu ${m((r) => r.cpu)} s, load ${m((r) => r.load[0])} -> ${m((r) => r.load[1])}`);
  const files = [...fileSeconds(dir, rs.at(-1)!.report)].sort((a, b) => b[1] - a[1]);
  for (const [name, s] of files.slice(0, 10)) console.log(`  ${s.toFixed(1).padStart(6)} s  ${name}`);
}

// Two or more checkouts: the same figures side by side, one column per checkout (medians; files from each
// checkout's last run, the union of each one's ten slowest).
if (checkouts.length > 1) {
  const cols = checkouts.map((d, i) => `#${i + 1}`);
  const row = (label: string, cells: string[]) => console.log(`${label.padEnd(52)}${cells.map((c) => c.padStart(9)).join("")}`);
  console.log("");
  checkouts.forEach((d, i) => console.log(`${cols[i]}: ${d}`));
  row("", cols);
  const med = (pick: (r: Run) => number) => checkouts.map((d) => median(results.get(d)!.map(pick)).toFixed(1));
  row("vitest duration (s, median)", med((r) => r.vitest));
  row("wall (s, median)", med((r) => r.wall));
  row("cpu user+sys (s, median)", med((r) => r.cpu));
  row("load average before (median)", med((r) => r.load[0]));
  row("tests (failed)", checkouts.map((d) => `${results.get(d)![0]!.tests} (${Math.max(...results.get(d)!.map((r) => r.failed))})`));
  const perFile = checkouts.map((d) => fileSeconds(d, results.get(d)!.at(-1)!.report));
  const slowest = new Set(perFile.flatMap((m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([n]) => n)));
  row("slowest files (s, last run)", cols);
  for (const name of [...slowest].sort((a, b) => (perFile[0]!.get(b) ?? 0) - (perFile[0]!.get(a) ?? 0))) {
    row(`  ${name}`, perFile.map((m) => (m.has(name) ? m.get(name)!.toFixed(1) : "-")));
  }
}
