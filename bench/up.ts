// `npm run up` benchmark (`npm run bench:up`; not a test: it prints figures, it asserts nothing).
//
// Side by side, median of RUNS, interleaved so a shared machine's load falls on every column:
//   fresh up     `npm run up -- --stack <new stack>` with the image already on the engine (pulled from the loopback
//                "Docker Hub"), start -> exit (the update waits for the container's `healthy`)
//   docker run   the very container that up created (its inspected Config and HostConfig, another name and port),
//                `docker create` + `start` -> the engine reporting `healthy`
//   no-op up     `npm run up` again on the same stack: nothing to change
//   no-op pulumi `pulumi up --yes` on the same stack (the CLI alone, no pre-flight)
// Goals (issue #9): a no-op update under 10 s; a fresh `npm run up` no more than 10 s above the plain docker run.
//
// BENCH_RUNS sets how many rounds (default 3). The load average before and after goes under the table: on a
// shared machine compare only figures taken under a like load.
// Needs what scripts/ci-env.sh sets up (engine, loopback registries, the Pulumi tools).
import { rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { LABELS } from "../src/facts.js";
import { realEngine } from "../tests/integration/support/env.js";
import { freePort, waitForEngineHealthy } from "../tests/integration/support/opencode.js";
import { PROJECT_DIR, pulumiEnv, run } from "../tests/integration/support/pulumi.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 3);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`BENCH_RUNS ${process.env["BENCH_RUNS"]}: a whole number of runs, 1 or more`);
const GOALS = { noopSeconds: 10, freshOverDockerRunSeconds: 10 };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(what: () => Promise<T>): Promise<[number, T]> {
  const since = Date.now();
  const result = await what();
  return [Date.now() - since, result];
}

async function main(): Promise<void> {
  const engine = await realEngine();
  const tools = pulumiEnv();
  if (!engine || !tools) throw new Error("needs the real engine and the Pulumi tools (scripts/ci-env.sh)");
  const { docker } = engine;
  const { env } = tools;
  const figures = { fresh: [] as number[], dockerRun: [] as number[], noop: [] as number[], noopCli: [] as number[] };
  const stacks: string[] = [];
  const loopback = `127.0.0.1:5051,127.0.0.1:5052`;
  const loadBefore = loadavg();
  try {
    for (let i = 0; i < RUNS; i++) {
      const stack = `bench-${process.pid}-${i}`;
      stacks.push(stack);
      writeFileSync(join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), stringifyYaml({ config: { "opencode-cloud:registries": loopback, "opencode-cloud:port": await freePort() } }));
      const npm = (script: string) => run("npm", ["run", "--silent", script, "--", "--stack", stack], { env });
      const [fresh, up] = await timed(() => npm("up"));
      if (up.code !== 0) throw new Error(`npm run up failed:\n${up.output}`);
      figures.fresh.push(fresh);

      const outputs = JSON.parse((await run("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { env })).output) as Record<string, string>;
      const original = await docker.getContainer(outputs["containerName"]!).inspect();
      const port = await freePort();
      const hostConfig = { ...original.HostConfig, PortBindings: Object.fromEntries(Object.entries(original.HostConfig.PortBindings ?? {}).map(([k, v]) => [k, (v as { HostIp: string }[]).map((b) => ({ HostIp: b.HostIp, HostPort: String(port) }))])) };
      const [dockerRun] = await timed(async () => {
        const c = await docker.createContainer({ ...original.Config, name: `${original.Name.slice(1)}-docker-run`, HostConfig: hostConfig });
        const since = Date.now();
        await c.start();
        await waitForEngineHealthy(c, since);
        await c.remove({ force: true });
      });
      figures.dockerRun.push(dockerRun);

      const [noop, again] = await timed(() => npm("up"));
      if (again.code !== 0) throw new Error(`no-op npm run up failed:\n${again.output}`);
      figures.noop.push(noop);
      const [noopCli, cli] = await timed(() => run("pulumi", ["up", "--yes", "--stack", stack, "--non-interactive"], { env }));
      if (cli.code !== 0) throw new Error(`no-op pulumi up failed:\n${cli.output}`);
      figures.noopCli.push(noopCli);
    }
  } finally {
    for (const stack of stacks) {
      const volumes = await docker.listVolumes({ filters: { label: [`${LABELS.stack}=${stack}`] } });
      await run("npm", ["run", "--silent", "down", "--", "--stack", stack], { env });
      for (const v of volumes.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
      await run("pulumi", ["stack", "rm", "--yes", "--force", "--stack", stack], { env });
      rmSync(join(PROJECT_DIR, "stacks", `Pulumi.${stack}.yaml`), { force: true });
    }
  }
  const loadAfter = loadavg();
  const cell = (xs: number[]) => `${(median(xs) / 1000).toFixed(1)} s (${(Math.min(...xs) / 1000).toFixed(1)}-${(Math.max(...xs) / 1000).toFixed(1)})`;
  const over = (median(figures.fresh) - median(figures.dockerRun)) / 1000;
  const ok = (pass: boolean) => (pass ? "ok" : "MISSED");
  const rows = [
    ["median of " + RUNS + " (min-max)", "time", "x docker run", "goal"],
    ["docker run -> healthy", cell(figures.dockerRun), "1.00", "-"],
    ["fresh npm run up", cell(figures.fresh), (median(figures.fresh) / median(figures.dockerRun)).toFixed(2), `<= docker run + ${GOALS.freshOverDockerRunSeconds} s: ${ok(over <= GOALS.freshOverDockerRunSeconds)} (+${over.toFixed(1)} s)`],
    ["no-op npm run up", cell(figures.noop), (median(figures.noop) / median(figures.dockerRun)).toFixed(2), `< ${GOALS.noopSeconds} s: ${ok(median(figures.noop) < GOALS.noopSeconds * 1000)}`],
    ["no-op pulumi up", cell(figures.noopCli), (median(figures.noopCli) / median(figures.dockerRun)).toFixed(2), `< ${GOALS.noopSeconds} s: ${ok(median(figures.noopCli) < GOALS.noopSeconds * 1000)}`],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(" | "));
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(`load average (1, 5, 15 min): before ${load(loadBefore)}, after ${load(loadAfter)}; ${RUNS} run${RUNS === 1 ? "" : "s"}`);
}

await main();
