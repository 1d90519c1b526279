// Start-time benchmark (`npm run bench`; not a test: it prints figures, it asserts nothing).
//
// Median of RUNS starts each, side by side:
//   bare, no config    the opencode binary taken out of the test-local image, started on the host with an empty
//                      HOME: spawn -> first healthy answer of HEALTH_ROUTE
//   bare, same config  the same, with the image's ~/.config/opencode (its config and the plugin packages the image
//                      prepares) in HOME and the image's OPENCODE_* environment: the like-for-like baseline
//   container          the dev stack's container as the program declares it (tests/integration harness):
//                      `docker start` -> first healthy answer on the published port
//   engine             the same starts: `docker start` -> the engine reporting `healthy` (the image's HEALTHCHECK)
// each with an empty workspace and with a 100k-file one. One warm-up start per setup is not counted (the first start
// writes opencode's config and database); the timed starts reuse that state, as a restarted sandbox does, and are
// interleaved (bare, bare, container; empty, 100k) so a shared machine's load spreads over every column.
// Ratios are against "bare, same config". Targets (issue #13): container <= 1.10 x bare; engine healthy <= 1.25 x
// bare; workspace effect < 10 %.
//
// The container's extra time, broken down per start (medians):
//   engine start       `docker start` called -> the engine's State.StartedAt (create of the task, network namespace
//                      and port publishing, mounts, runtime; the engine's clock is this machine's)
//     of it, any container's start: the same image running `sleep`, no network, port, volume, init or health check,
//                      `docker start` -> StartedAt: what this engine and runtime take to start any container
//   entrypoint         the entrypoint's own work before it execs opencode, timed inside the running container with
//                      `opencode-entrypoint true` (the same checks, then `true` instead of opencode)
//   opencode inside    StartedAt -> first answer, minus the entrypoint: opencode's start in the container
//   plugins            "bare, same config" minus "bare, no config": what the prepared config costs opencode itself
//
// "First answer" is found to within about 50 ms (waitForHealthyAnswer): opencode (1.18) opens its port some 0.5 to
// 0.7 s before it serves, and a request it accepts in that window is never answered (a plain fetch hung 300 s). A
// poll that waits out each request's timeout before the next puts the answer up to that timeout late (with 1 s per
// request, every first answer came about listen + 1 s, bare and container alike), so a new request goes out every
// 50 ms while earlier ones hang, and the first healthy answer wins. The image's health check meets the same window
// (its attempts are cut off early, after 100 ms at first); "engine healthy" includes the engine's own probe schedule.
//
// BENCH_RUNS (default 5) and BENCH_WORKSPACES (default "empty,full") shorten a run on a loaded machine.
// Needs what scripts/ci-env.sh sets up (engine, TEST_LOCAL_IMAGE); OPENCODE_CLOUD_TEST_IMAGE names another build to
// time (e.g. one tagged before a change, to compare).
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { HEALTH_ROUTE, IMAGE_PATHS, SANDBOX_USER, VOLUMES } from "../src/facts.js";
import { Deployment, runWithVolumes } from "../tests/integration/support/deployment.js";
import { realEngine, TEST_IMAGE } from "../tests/integration/support/env.js";
import { freePort, waitForEngineHealthy, waitForHealthyAnswer } from "../tests/integration/support/opencode.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const KINDS = (process.env["BENCH_WORKSPACES"] ?? "empty,full").split(",").filter((k): k is Kind => k === "empty" || k === "full");
const FILES = { dirs: 100, perDir: 1000 };
const TARGETS = { container: 1.1, engine: 1.25, workspace: 0.1 };
type Kind = "empty" | "full";
const COLUMNS = ["bareNoConfig", "bare", "container", "engine", "engineStart", "entrypoint", "inside", "engineFloor"] as const;
type Column = (typeof COLUMNS)[number];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Copies `path` out of the image (a file or a directory, by its last name) into `dir`. */
async function copyFromImage(docker: Docker, path: string, dir: string): Promise<void> {
  const c = await docker.createContainer({ Image: TEST_IMAGE });
  try {
    const archive = await c.getArchive({ path });
    await new Promise<void>((resolve, reject) => {
      const tar = spawn("tar", ["-x", "-C", dir], { stdio: ["pipe", "inherit", "inherit"] });
      archive.pipe(tar.stdin);
      tar.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}`))));
    });
  } finally {
    await c.remove();
  }
}

/** Copies the image's opencode binary (wherever PATH finds it in the image) to `dir`; returns its path. */
async function binaryFromImage(docker: Docker, dir: string): Promise<string> {
  const where = execFileSync("docker", ["run", "--rm", "--entrypoint", "sh", TEST_IMAGE, "-c", "command -v opencode"]).toString().trim();
  await copyFromImage(docker, where, dir);
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

/**
 * The entrypoint's own work in the running container, in ms: `opencode-entrypoint true` does the same checks as a
 * start, then execs `true` where a start execs opencode.
 */
function entrypointWork(d: Deployment): number {
  const id = d.container!.id;
  const script = `s=$(date +%s%N); ${IMAGE_PATHS.entrypoint} true; e=$(date +%s%N); echo $(((e - s) / 1000))`;
  return Number(execFileSync("docker", ["exec", id, "bash", "-c", script]).toString().trim()) / 1000;
}

/**
 * The engine's own floor: `docker start` -> StartedAt for a container of the same image that runs `sleep` with no
 * network, no port, no volume, no init, no health check and no limits: what any container start costs on this engine
 * and runtime, whatever it declares. Created once per setup; started and killed each run.
 */
async function engineFloor(c: Docker.Container): Promise<number> {
  const since = Date.now();
  await c.start();
  const startedAt = Date.parse((await c.inspect()).State.StartedAt) - since;
  await c.kill();
  await c.wait();
  return startedAt;
}

/** One container start: `docker start` -> StartedAt, first healthy answer, engine healthy; then docker stop. */
async function containerStart(d: Deployment): Promise<{ answer: number; engine: number; engineStart: number; entrypoint: number }> {
  const since = Date.now();
  await d.container!.start();
  const answer = await waitForHealthyAnswer(d.baseUrl, since);
  const engine = await waitForEngineHealthy(d.container!, since);
  const engineStart = Date.parse((await d.container!.inspect()).State.StartedAt) - since;
  const entrypoint = entrypointWork(d);
  await d.container!.stop();
  return { answer, engine, engineStart, entrypoint };
}

async function main(): Promise<void> {
  const found = await realEngine();
  if (!found) throw new Error("no engine: run scripts/ci-env.sh first");
  const { docker, imageId } = found;
  const work = mkdtempSync(join(tmpdir(), "oc-bench-"));
  const deployments: Deployment[] = [];
  let floor: Docker.Container | undefined;
  try {
    const binary = await binaryFromImage(docker, work);
    const version = execFileSync(binary, ["--version"]).toString().trim();
    // The bare binary gets the opencode switches the image sets, so both run the same configuration.
    const image = await docker.getImage(imageId).inspect();
    const env = Object.fromEntries(
      (image.Config.Env ?? []).filter((e) => e.startsWith("OPENCODE_")).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]),
    );

    // The image's ~/.config/opencode (config and prepared plugin packages), for the like-for-like bare run.
    const imageConfig = join(work, "image-config");
    mkdirSync(imageConfig);
    await copyFromImage(docker, `${SANDBOX_USER.home}/.config/opencode`, imageConfig);

    const results = Object.fromEntries(KINDS.map((k) => [k, Object.fromEntries(COLUMNS.map((c) => [c, [] as number[]]))])) as Record<Kind, Record<Column, number[]>>;
    // Set up the workspaces and deployments, warm each once, then interleave the timed starts so that the load of a
    // shared machine falls on every column alike.
    const setups = {} as Record<Kind, { homeNoConfig: string; home: string; workspace: string; d: Deployment }>;
    floor = await docker.createContainer({ Image: imageId, Entrypoint: ["sleep"], Cmd: ["600"], Healthcheck: { Test: ["NONE"] }, HostConfig: { NetworkMode: "none" } });
    for (const kind of KINDS) {
      const homeNoConfig = join(work, `home-${kind}-no-config`);
      const home = join(work, `home-${kind}`);
      const workspace = join(work, `workspace-${kind}`);
      mkdirSync(homeNoConfig, { recursive: true });
      mkdirSync(join(home, ".config"), { recursive: true });
      cpSync(join(imageConfig, "opencode"), join(home, ".config", "opencode"), { recursive: true });
      mkdirSync(workspace, { recursive: true });
      if (kind === "full") fillWorkspace(workspace);
      await bareStart(binary, homeNoConfig, workspace, env); // warm-up
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
      setups[kind] = { homeNoConfig, home, workspace, d };
    }
    const loadBefore = loadavg().map((l) => l.toFixed(2)).join(" ");
    for (let i = 0; i < RUNS; i++) {
      for (const kind of KINDS) {
        const { homeNoConfig, home, workspace, d } = setups[kind];
        const r = results[kind];
        r.bareNoConfig.push(await bareStart(binary, homeNoConfig, workspace, env));
        r.bare.push(await bareStart(binary, home, workspace, env));
        const c = await containerStart(d);
        r.container.push(c.answer);
        r.engine.push(c.engine);
        r.engineStart.push(c.engineStart);
        r.entrypoint.push(c.entrypoint);
        r.inside.push(c.answer - c.engineStart - c.entrypoint);
        r.engineFloor.push(await engineFloor(floor!));
      }
    }
    const loadAfter = loadavg().map((l) => l.toFixed(2)).join(" ");
    for (const kind of KINDS) console.error(`${kind}: ${JSON.stringify(results[kind])}`);

    const m = (kind: Kind, what: Column) => median(results[kind][what]);
    /** "median (min-max)": the spread shows how much a shared machine's load moves the figures. */
    const cell = (kind: Kind, what: Column) => {
      const xs = results[kind][what].map((x) => Math.round(x));
      return `${Math.round(m(kind, what))} (${Math.min(...xs)}-${Math.max(...xs)})`;
    };
    const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
    const ok = (pass: boolean) => (pass ? "ok" : "MISSED");
    const ratio = (what: Column) => KINDS.map((k) => (m(k, what) / m(k, "bare")).toFixed(2)).join(" / ");
    const effect = (what: Column) => (KINDS.length === 2 ? pct(m("empty", what), m("full", what)) : "-");
    const rows: string[][] = [
      ["median (min-max)", ...KINDS.map((k) => (k === "empty" ? "empty (ms)" : `${(FILES.dirs * FILES.perDir) / 1000}k files (ms)`)), "workspace effect", `x bare (${KINDS.join(" / ")})`, "target"],
      ["bare, no config", ...KINDS.map((k) => cell(k, "bareNoConfig")), effect("bareNoConfig"), ratio("bareNoConfig"), "-"],
      ["bare, same config", ...KINDS.map((k) => cell(k, "bare")), effect("bare"), ratio("bare"), "-"],
    ];
    for (const [what, target] of [["container", TARGETS.container], ["engine", TARGETS.engine]] as const) {
      const pass = KINDS.every((k) => m(k, what) / m(k, "bare") <= target);
      rows.push([what === "container" ? "container (answer)" : "engine healthy", ...KINDS.map((k) => cell(k, what)), effect(what), ratio(what), `<= ${target.toFixed(2)} x bare: ${ok(pass)}`]);
    }
    const effects = KINDS.length === 2 ? (["bare", "container", "engine"] as const).map((w) => Math.abs(m("full", w) - m("empty", w)) / m("empty", w)) : [];
    const table = (rs: string[][]) => {
      const widths = rs[0]!.map((_, i) => Math.max(...rs.map((r) => r[i]!.length)));
      for (const r of rs) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join(" | "));
    };
    console.log(`opencode ${version}, ${TEST_IMAGE} ${imageId.slice(7, 19)}, median of ${RUNS} (after one warm-up), health route ${HEALTH_ROUTE}`);
    console.log(`load average (1, 5, 15 min): before ${loadBefore}, after ${loadAfter}`);
    table(rows);
    if (effects.length > 0) console.log(`workspace effect < ${TARGETS.workspace * 100} %: ${ok(effects.every((e) => e < TARGETS.workspace))} (largest ${(Math.max(...effects) * 100).toFixed(1)} %)`);

    console.log("\nthe container's extra time over bare (same config), medians in ms:");
    const extra: string[][] = [["part", ...KINDS]];
    extra.push(["engine start (docker start -> StartedAt)", ...KINDS.map((k) => cell(k, "engineStart"))]);
    extra.push(["  of it, any container's start (no network, port, volume)", ...KINDS.map((k) => cell(k, "engineFloor"))]);
    extra.push(["entrypoint (its checks, timed in the container)", ...KINDS.map((k) => cell(k, "entrypoint"))]);
    extra.push(["opencode inside (StartedAt -> answer - entrypoint)", ...KINDS.map((k) => cell(k, "inside"))]);
    extra.push(["  minus bare, same config", ...KINDS.map((k) => String(Math.round(m(k, "inside") - m(k, "bare"))))]);
    extra.push(["total extra (container - bare, same config)", ...KINDS.map((k) => String(Math.round(m(k, "container") - m(k, "bare"))))]);
    extra.push(["engine healthy after the answer", ...KINDS.map((k) => String(Math.round(m(k, "engine") - m(k, "container"))))]);
    extra.push(["plugins and config (bare same config - no config)", ...KINDS.map((k) => String(Math.round(m(k, "bare") - m(k, "bareNoConfig"))))]);
    table(extra);
    // What the answer target leaves for everything the container adds, against what the engine takes for any start.
    for (const k of KINDS) {
      const allowed = m(k, "bare") * (TARGETS.container - 1);
      console.log(
        `${k}: the answer target allows ${Math.round(allowed)} ms over bare; the engine's own start of any container takes ${Math.round(m(k, "engineFloor"))} ms ` +
          `(${(m(k, "engineFloor") / m(k, "bare")).toFixed(2)} x bare), leaving ${Math.round(allowed - m(k, "engineFloor"))} ms for the network, the port, the mounts, the entrypoint and opencode in the container`,
      );
    }
    const declared = deployments[0]!.containerDecl.inputs.healthcheck as { interval?: string; startInterval?: string } | undefined;
    console.log(
      `note: the engine runs its first health check one interval after start (or one start interval, where set); the program declares interval ${declared?.interval ?? "(image default)"}` +
        `, startInterval ${declared?.startInterval ?? "(none)"} (engine ${(await docker.version()).Version})`,
    );
  } finally {
    await floor?.remove({ force: true });
    for (const d of deployments) await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
