// Start-time benchmark (`npm run bench`; not a test: it prints figures, it asserts nothing).
//
// Median of RUNS starts each, side by side:
//   bare       the opencode binary taken out of the test-local image, started on the host: spawn -> first healthy
//              answer of HEALTH_ROUTE
//   container  the dev stack's container as the program declares it (tests/integration harness): `docker start`
//              -> first healthy answer on the published port
//   engine     the same starts: `docker start` -> the engine reporting `healthy` (the image's HEALTHCHECK)
// each with an empty workspace and with a 100k-file one. One warm-up start per setup is not counted (the first start
// writes opencode's config and database); the timed starts reuse that state, as a restarted sandbox does, and are
// interleaved (bare, container; empty, 100k) so a shared machine's load spreads over every column.
// Targets (issue #4): container <= 1.10 x bare; engine healthy <= 1.5 x bare; workspace effect < 10 %.
//
// Needs what scripts/ci-env.sh sets up (engine, TEST_LOCAL_IMAGE).
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { HEALTH_ROUTE, TEST_LOCAL_IMAGE, VOLUMES } from "../src/facts.js";
import { Deployment, runWithVolumes } from "../tests/integration/support/deployment.js";
import { realEngine } from "../tests/integration/support/env.js";
import { freePort, waitForEngineHealthy, waitForHealthyAnswer } from "../tests/integration/support/opencode.js";

const RUNS = 5;
const FILES = { dirs: 100, perDir: 1000 };
const TARGETS = { container: 1.1, engine: 1.5, workspace: 0.1 };

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Copies the image's opencode binary (wherever PATH finds it in the image) to `dir`; returns its path. */
async function binaryFromImage(docker: Docker, dir: string): Promise<string> {
  const where = execFileSync("docker", ["run", "--rm", "--entrypoint", "sh", TEST_LOCAL_IMAGE, "-c", "command -v opencode"]).toString().trim();
  const c = await docker.createContainer({ Image: TEST_LOCAL_IMAGE });
  try {
    const archive = await c.getArchive({ path: where });
    await new Promise<void>((resolve, reject) => {
      const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "inherit", "inherit"] });
      archive.pipe(tar.stdin);
      tar.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`))));
    });
  } finally {
    await c.remove();
  }
  return join(dir, "opencode");
}

function fillWorkspace(dir: string): void {
  for (let d = 1; d <= FILES.dirs; d++) {
    const sub = join(dir, "tree", `d${d}`);
    mkdirSync(sub, { recursive: true });
    for (let f = 1; f <= FILES.perDir; f++) writeFileSync(join(sub, String(f)), "");
  }
}

/** One bare start: spawn -> first healthy answer; then SIGTERM and wait for the exit. */
async function bareStart(binary: string, home: string, workspace: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const since = Date.now();
  const child = spawn(binary, ["web", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: workspace,
    env: { PATH: process.env.PATH ?? "", ...env, HOME: home },
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  try {
    return await waitForHealthyAnswer(`http://127.0.0.1:${port}`, since);
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

/** One container start: `docker start` -> first healthy answer and -> engine healthy; then docker stop. */
async function containerStart(d: Deployment): Promise<{ answer: number; engine: number }> {
  const since = Date.now();
  await d.container!.start();
  const answer = await waitForHealthyAnswer(d.baseUrl, since);
  const engine = await waitForEngineHealthy(d.container!, since);
  await d.container!.stop();
  return { answer, engine };
}

async function main(): Promise<void> {
  const found = await realEngine();
  if (!found) throw new Error("no engine: run scripts/ci-env.sh first");
  const { docker, imageId } = found;
  const work = mkdtempSync(join(tmpdir(), "oc-bench-"));
  const deployments: Deployment[] = [];
  try {
    const binary = await binaryFromImage(docker, work);
    const version = execFileSync(binary, ["--version"]).toString().trim();
    // The bare binary gets the opencode switches the image sets, so both run the same configuration.
    const image = await docker.getImage(imageId).inspect();
    const env = Object.fromEntries(
      (image.Config.Env ?? []).filter((e) => e.startsWith("OPENCODE_")).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );

    const results: Record<"empty" | "full", { bare: number[]; container: number[]; engine: number[] }> = {
      empty: { bare: [], container: [], engine: [] },
      full: { bare: [], container: [], engine: [] },
    };
    // Set up both workspaces and both deployments, warm each once, then interleave the timed starts so that the
    // load of a shared machine falls on every column alike.
    const setups = {} as Record<"empty" | "full", { home: string; workspace: string; d: Deployment }>;
    for (const kind of ["empty", "full"] as const) {
      const home = join(work, `home-${kind}`);
      const workspace = join(work, `workspace-${kind}`);
      mkdirSync(home, { recursive: true });
      mkdirSync(workspace, { recursive: true });
      if (kind === "full") fillWorkspace(workspace);
      await bareStart(binary, home, workspace, env); // warm-up
      // Start time without auth in the way (the opt-out on loopback); the health check is the same with a password.
      const d = await Deployment.plan(docker, { stackFile: "dev", overrides: { "opencode-cloud:password": null, "opencode-cloud:allowUnauthenticated": true } });
      deployments.push(d);
      await d.createVolumes();
      if (kind === "full") {
        const ws = VOLUMES.projects;
        await runWithVolumes(
          d,
          imageId,
          `cd ${ws} && for d in $(seq 1 ${FILES.dirs}); do mkdir -p tree/d$d && (cd tree/d$d && seq 1 ${FILES.perDir} | xargs touch); done && chown -R 1000:1000 ${ws}`,
        );
      }
      await d.createContainer(imageId); // warm-up: create, start, wait for healthy
      await d.container!.stop();
      setups[kind] = { home, workspace, d };
    }
    console.error(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    for (let i = 0; i < RUNS; i++) {
      for (const kind of ["empty", "full"] as const) {
        const { home, workspace, d } = setups[kind];
        results[kind].bare.push(await bareStart(binary, home, workspace, env));
        const r = await containerStart(d);
        results[kind].container.push(r.answer);
        results[kind].engine.push(r.engine);
      }
    }
    console.error(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    for (const kind of ["empty", "full"] as const) console.error(`${kind}: ${JSON.stringify(results[kind])}`);

    const m = (kind: "empty" | "full", what: "bare" | "container" | "engine") => median(results[kind][what]);
    /** "median (min-max)": the spread shows how much a shared machine's load moves the figures. */
    const cell = (kind: "empty" | "full", what: "bare" | "container" | "engine") =>
      `${m(kind, what)} (${Math.min(...results[kind][what])}-${Math.max(...results[kind][what])})`;
    const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
    const ok = (pass: boolean) => (pass ? "ok" : "MISSED");
    const rows: string[][] = [
      ["median (min-max)", "empty (ms)", `${(FILES.dirs * FILES.perDir) / 1000}k files (ms)`, "workspace effect", "x bare (empty / 100k)", "target"],
      ["bare opencode", cell("empty", "bare"), cell("full", "bare"), pct(m("empty", "bare"), m("full", "bare")), "1.00 / 1.00", "-"],
    ];
    for (const [what, target] of [["container", TARGETS.container], ["engine", TARGETS.engine]] as const) {
      const re = m("empty", what) / m("empty", "bare");
      const rf = m("full", what) / m("full", "bare");
      rows.push([
        what === "container" ? "container (answer)" : "engine healthy",
        cell("empty", what),
        cell("full", what),
        pct(m("empty", what), m("full", what)),
        `${re.toFixed(2)} / ${rf.toFixed(2)}`,
        `<= ${target.toFixed(2)} x bare: ${ok(re <= target && rf <= target)}`,
      ]);
    }
    const effects = (["bare", "container", "engine"] as const).map((w) => Math.abs(m("full", w) - m("empty", w)) / m("empty", w));
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    console.log(`opencode ${version}, ${TEST_LOCAL_IMAGE} ${imageId.slice(7, 19)}, median of ${RUNS} (after one warm-up), health route ${HEALTH_ROUTE}`);
    for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(" | "));
    console.log(`workspace effect < ${TARGETS.workspace * 100} %: ${ok(effects.every((e) => e < TARGETS.workspace))} (largest ${(Math.max(...effects) * 100).toFixed(1)} %)`);
    const declared = deployments[0]!.containerDecl.inputs.healthcheck as { interval?: string; startInterval?: string } | undefined;
    console.log(
      `note: the engine runs its first health check one interval after start; the program declares interval ${declared?.interval ?? "(image default)"}` +
        `, startInterval ${declared?.startInterval ?? "(none)"} (engine ${(await docker.version()).Version})`,
    );
  } finally {
    for (const d of deployments) await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
