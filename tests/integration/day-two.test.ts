// The day-two commands (src/cli/day-two.ts) on the real engine, against the volumes and container the dev stack
// declares (created from the program's inputs by the harness, on the test-local image). The stack is the one part
// faked: its outputs name what the harness created, as `pulumi up` would have. Prints each command's output on a
// healthy and an unhealthy sandbox, and the backup/restore round trip's figures for a workspace of 10k files.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Writable } from "node:stream";
import { join } from "node:path";
import type { OutputMap } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseCliArgs, type CommandName } from "../../src/cli/args.js";
import { backup, logs, open, restart, restore, status, stop, type DayTwoDeps } from "../../src/cli/day-two.js";
import { connectDocker } from "../../src/cli/docker.js";
import type { StackHandle } from "../../src/cli/stack.js";
import { formatBytes } from "../../src/bytes.js";
import { TEST_LOCAL_IMAGE, VOLUME_KINDS, VOLUMES, type VolumeKind } from "../../src/facts.js";
import type { Deployment as PlacedDeployment } from "./support/deployment.js";
import { Deployment, runWithVolumes } from "./support/deployment.js";
import { describeOn, realEngine } from "./support/env.js";
import { basicAuth, createSession, sessionIds, waitForHealthyAnswer } from "./support/opencode.js";
import { GENERATED_PASSWORD } from "../support/program.js";

/** What the commands read of the stack's config: a sandbox always has its (secret) password. */
const STACK_CONFIG = { "opencode-cloud:password": { value: GENERATED_PASSWORD, secret: true } };
/** The deployments run the program's container, which carries that password (tests/support/program.ts). */
const AUTH = basicAuth(GENERATED_PASSWORD);

const engine = await realEngine();

/** The session list, asked again while a freshly started opencode on a loaded machine is slow to answer. */
async function sessionsSoon(base: string): Promise<string[]> {
  for (let i = 0; ; i++) {
    try {
      return await sessionIds(base, AUTH);
    } catch (e) {
      if (i >= 20) throw e;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/** The outputs `pulumi up` would have recorded for a placed deployment. */
function outputsOf(d: PlacedDeployment, imageId: string): OutputMap {
  const value = (v: unknown) => ({ value: v, secret: false });
  return {
    url: value(d.baseUrl),
    tunnel: value(""),
    containerName: value(String(d.containerDecl.inputs.name)),
    volumeNames: value(Object.fromEntries(VOLUME_KINDS.map((k) => [k, d.volumeName(k)])) as Record<VolumeKind, string>),
    image: value(TEST_LOCAL_IMAGE),
    imageId: value(imageId),
    registry: value("local build"),
  };
}

/** Runs a command as `npm run <command> -- argv` would, capturing what it prints and its exit code. */
function commands(d: PlacedDeployment, imageId: string, stateHome: string) {
  const stack = { outputs: async () => outputsOf(d, imageId), getAllConfig: async () => STACK_CONFIG } as unknown as StackHandle;
  const deps: DayTwoDeps = { openStack: async () => stack, connectDocker, homeDir: "/nonexistent" };
  const run = async (command: CommandName, argv: string[] = []): Promise<{ code: number; text: string }> => {
    const written: string[] = [];
    const io = { out: { write: (t: string) => void written.push(t) }, env: { XDG_STATE_HOME: stateHome } };
    const args = parseCliArgs(command, argv);
    // logs writes the container's stderr to its own stream: captured with the rest here.
    const stderr = new Writable({ write: (c: Buffer, _e, cb) => (written.push(c.toString()), cb()) });
    const code = command === "logs" ? await logs(args, io, deps, stderr) : await { status, restart, stop, open, backup, restore }[command as "status"](args, io, deps);
    const text = written.join("");
    console.log(`$ npm run ${command}${argv.length ? ` -- ${argv.join(" ")}` : ""}   (exit ${code})\n${text}`);
    return { code, text };
  };
  return run;
}

describeOn(engine, "day-two commands on a sandbox as the dev stack declares it", ({ docker, imageId }) => {
  let d: Deployment;
  let run: ReturnType<typeof commands>;
  const stateHome = mkdtempSync(join(tmpdir(), "state-"));

  beforeAll(async () => {
    d = await Deployment.plan(docker);
    await d.createVolumes();
    await d.createContainer(imageId);
    run = commands(d, imageId, stateHome);
  });
  afterAll(async () => {
    await d?.cleanup();
    rmSync(stateHome, { recursive: true, force: true });
  });

  it("status: a healthy sandbox exits 0 with its URL, image, uptime and volume sizes", async () => {
    const { code, text } = await run("status");
    expect(code).toBe(0);
    expect(text).toMatch(new RegExp(`container  ${String(d.containerDecl.inputs.name)}: healthy, up \\d+`));
    expect(text).toContain(`url        ${d.baseUrl}`);
    expect(text).toContain(`image      ${TEST_LOCAL_IMAGE}`);
    for (const k of VOLUME_KINDS) expect(text).toMatch(new RegExp(`volume     ${k.padEnd(9)}${d.volumeName(k)}  (\\d+(\\.\\d)? k?M?B)`));
  });

  it("logs --tail 3 --no-follow prints the last lines; following ends when the container stops", async () => {
    const tail = await run("logs", ["--tail", "3", "--no-follow"]);
    const lines = tail.text.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(3);
    const all = await run("logs", ["--no-follow"]);
    expect(all.text.endsWith(tail.text)).toBe(true);
    const since = await run("logs", ["--no-follow", "--since", "2099-01-01T00:00:00Z"]);
    expect(since.text).toBe("");

    const followed = run("logs", ["--tail", "1"]);
    await new Promise((r) => setTimeout(r, 1_000));
    await run("stop");
    expect((await followed).code).toBe(0);
  });

  it("stop keeps the container; status then exits 3", async () => {
    const info = await docker.getContainer(String(d.containerDecl.inputs.name)).inspect();
    expect(info.State.Running).toBe(false);
    const { code, text } = await run("status");
    expect(code).toBe(3);
    expect(text).toMatch(/stopped \(exited, exit code (0|143)/);
    expect(text).toContain("npm run restart starts it");
    expect((await run("stop")).text).toContain("was already stopped");
  });

  it("restart brings it back healthy", async () => {
    const { code, text } = await run("restart");
    expect(code).toBe(0);
    expect(text).toContain(`healthy after`);
    await waitForHealthyAnswer(d.baseUrl, Date.now(), 120_000, AUTH);
  });

  it("open --print prints the URL", async () => {
    expect((await run("open", ["--print"])).text).toBe(`${d.baseUrl}\n`);
  });

  it("backup -> volumes removed by hand -> restore: the session and a 10k-file workspace are back (figures printed)", async () => {
    const session = (await createSession(d.baseUrl, AUTH)).id;
    await runWithVolumes(
      d,
      imageId,
      `cd ${VOLUMES.projects} && for i in $(seq 1 100); do mkdir -p src/d$i && (cd src/d$i && seq 1 100 | while read n; do echo "file $i/$n" > f$n.txt; done); done && chown -R 1000:1000 src && find src -type f | wc -l`,
    ).then((out) => expect(out.trim()).toBe("10000"));

    const b = await run("backup", ["--output", join(stateHome, "out")]);
    expect(b.code).toBe(0);
    const [archive] = readdirSync(join(stateHome, "out"));
    expect(archive).toMatch(/^dev-backup-\d{8}T\d{6}Z\.tar\.gz$/);
    // The test-local image has no sqlite3 (runtime toolset): the copy is taken from the stopped sandbox, which restarts.
    expect(b.text).toMatch(/database copied (with SQLite's backup API, sandbox running|from the stopped sandbox)/);

    // Everything removed by hand.
    await d.destroyContainer();
    for (const k of VOLUME_KINDS) await docker.getVolume(d.volumeName(k)).remove();
    const gone = await run("status");
    expect(gone.code).toBe(4);
    expect(gone.text).toContain("MISSING (removed by hand?)");

    // restore needs no container: it creates the volumes with the stack's labels and fills them.
    const r = await run("restore", [join(stateHome, "out", archive!)]);
    expect(r.code).toBe(0);
    expect(r.text).toContain("Restored sessions");
    const labels = (await docker.getVolume(d.volumeName("sessions")).inspect()).Labels;
    expect(labels).toMatchObject({ "dev.opencode-cloud.managed-by": "opencode-cloud", "dev.opencode-cloud.volume": "sessions" });

    await d.createContainer(imageId);
    await waitForHealthyAnswer(d.baseUrl, Date.now(), 120_000, AUTH);
    expect(await sessionsSoon(d.baseUrl)).toContain(session);
    const files = await runWithVolumes(d, imageId, `find ${VOLUMES.projects}/src -type f | wc -l; cat ${VOLUMES.projects}/src/d77/f7.txt; stat -c %u:%g ${VOLUMES.projects}/src/d77/f7.txt`);
    expect(files.trim().split("\n")).toEqual(["10000", "file 77/7", "1000:1000"]);
    const time = (text: string) => /in (\d+\.\d) s/.exec(text)?.[1];
    console.log(`backup/restore of a 10k-file workspace: archive ${b.text.match(/\(([\d.]+ [kMG]?B) in/)?.[1]}, backup ${time(b.text)} s, restore ${time(r.text)} s`);
  });

  it("restore refuses a running sandbox without --force, and with --force stops, restores and starts it", async () => {
    const dir = join(stateHome, "out");
    const [archive] = readdirSync(dir);
    await expect(run("restore", [join(dir, archive!)])).rejects.toThrow(/is running: restoring replaces the data under it/);
    const forced = await run("restore", ["--force", join(dir, archive!)]);
    expect(forced.code).toBe(0);
    expect(forced.text).toMatch(/healthy after/);
  });

  it("restore refuses what is not one of our backups and changes nothing", async () => {
    const junk = join(stateHome, "junk.tar.gz");
    writeFileSync(junk, "no");
    await run("stop");
    await expect(run("restore", [junk])).rejects.toThrow(/restore of .* failed/);
    expect((await run("restart")).code).toBe(0);
    expect((await runWithVolumes(d, imageId, `find ${VOLUMES.projects}/src -type f | wc -l`)).trim()).toBe("10000");
  });
});

describeOn(engine, "status of an unhealthy sandbox", ({ docker, imageId }) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await Deployment.plan(docker);
    // The declared container, with a health check that always fails and no start period.
    const decl = d.containerDecl;
    // (A zero start period would inherit the image's 60 s.)
    decl.inputs.healthcheck = { tests: ["CMD", "false"], interval: "1s", timeout: "1s", startPeriod: "1s", retries: 2 };
    decl.inputs.wait = false;
    await d.createVolumes();
    await d.createContainer(imageId);
    const c = docker.getContainer(String(decl.inputs.name));
    for (let i = 0; i < 60 && (await c.inspect()).State.Health?.Status !== "unhealthy"; i++) await new Promise((r) => setTimeout(r, 500));
  });
  afterAll(async () => d?.cleanup());

  it("exits 2 and says what to do", async () => {
    const { code, text } = await commands(d, imageId, tmpdir())("status");
    expect(code).toBe(2);
    expect(text).toMatch(/: unhealthy, up \d+s/);
    expect(text).toContain("opencode does not answer its health check: npm run logs -- --tail 100, then npm run restart.");
  });

  it("restart waits and reports it unhealthy (exit 2)", async () => {
    const { code, text } = await commands(d, imageId, tmpdir())("restart");
    expect(code).toBe(2);
    expect(text).toMatch(/: unhealthy after/);
  });
});
