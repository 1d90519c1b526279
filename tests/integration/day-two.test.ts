// The day-two commands as a person runs them: `npm run <command> -- --stack <name>` against a stack that
// `npm run up` brought up through the real Pulumi CLI and docker provider, pulling the image from the loopback
// "Docker Hub" (stacks/Pulumi.loopback.yaml). Prints each command's output on a healthy and an unhealthy sandbox, and
// the backup/restore round trip's figures for a workspace of 10k files. What pulumi-cli.test.ts proves on its own
// stack is not repeated here: `up` repairing a stopped container, the pre-upgrade backup, host folders and env vars.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LABELS, MANAGED_BY, SANDBOX_USER, VOLUME_KINDS, VOLUMES, type VolumeKind } from "../../src/facts.js";
import { describeOn, realEngine } from "./support/env.js";
import { createSession, execIn, freePort, sessionIds, waitForHealthyAnswer } from "./support/opencode.js";
import { KEY, loopbackConfig, ok, pulumiEnv, testStack, type RunResult } from "./support/pulumi.js";

const engine = await realEngine();
const pulumi = pulumiEnv();

/** Polls the engine until the container's health is `status` (or time runs out, which fails). */
async function healthBecomes(container: Docker.Container, status: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await container.inspect()).State.Health?.Status !== status) {
    if (Date.now() > until) throw new Error(`the container's health did not become ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeOn(pulumi ? engine : undefined, "day-two commands on a stack npm run up brought up (real Pulumi CLI)", ({ docker }) => {
  const name = `it-day2-${process.pid}`;
  const stateHome = mkdtempSync(join(tmpdir(), "state-"));
  let port: number;
  const stack = testStack(pulumi!, name, async () => ({ ...loopbackConfig(), [KEY("port")]: (port = await freePort()) }), { XDG_STATE_HOME: stateHome });
  const base = () => `http://127.0.0.1:${port}`;
  let containerName: string;
  let volumeNames: Record<VolumeKind, string>;
  const container = () => docker.getContainer(containerName);

  /** `npm run <command> -- --stack <name> [args]`, its output printed with its exit code (the figures). */
  const cmd = async (command: string, ...args: string[]): Promise<RunResult> => {
    const r = await stack.npm(command, ...args);
    console.log(`$ npm run ${command} -- --stack ${name}${args.length ? ` ${args.join(" ")}` : ""}   (exit ${r.code})\n${r.output}`);
    return r;
  };

  beforeAll(async () => {
    await stack.create();
    ok(await stack.npm("up"));
    const out = await stack.outputs();
    containerName = String(out["containerName"]);
    volumeNames = out["volumeNames"] as Record<VolumeKind, string>;
  });
  afterAll(async () => {
    await stack.remove(docker);
    rmSync(stateHome, { recursive: true, force: true });
  });

  it("status: a healthy sandbox exits 0 with its URL, image, registry, uptime and volume sizes", async () => {
    const { code, output } = await cmd("status");
    expect(code, output).toBe(0);
    expect(output).toMatch(new RegExp(`container  ${containerName}: healthy, up \\d+`));
    expect(output).toContain(`url        ${base()}`);
    expect(output).toContain(`image      ${String((await stack.outputs())["image"])}`);
    expect(output).toMatch(/registry   127\.0\.0\.1:5051/);
    for (const k of VOLUME_KINDS) expect(output).toMatch(new RegExp(`volume     ${k.padEnd(9)}${volumeNames[k]}  (\\d+(\\.\\d)? k?M?B)`));
  });

  it("open --print prints the URL", async () => {
    // Only the URL on stdout (the backend note goes to stderr): `URL=$(npm run --silent open -- --print)` works.
    expect(ok(await cmd("open", "--print")).stdout).toBe(`${base()}\n`);
  });

  it("logs --tail 3 --no-follow prints the last lines; --since in the future nothing; following ends when stop stops it", async () => {
    // The container's stdout and stderr, without the backend note the command writes to stderr first.
    const shown = (r: RunResult) => r.output.replace(/^Using backend .*\n/, "");
    const tail = shown(ok(await cmd("logs", "--tail", "3", "--no-follow")));
    const lines = tail.split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(shown(ok(await cmd("logs", "--no-follow"))).endsWith(tail)).toBe(true);
    expect(shown(ok(await cmd("logs", "--no-follow", "--since", "2099-01-01T00:00:00Z")))).toBe("");

    const followed = cmd("logs", "--tail", "1");
    await new Promise((r) => setTimeout(r, 2_000));
    const stopped = ok(await cmd("stop"));
    expect(stopped.output).toContain(`${containerName} is stopped; the container and its volumes are kept.`);
    expect((await followed).code).toBe(0);
  });

  it("stop keeps the container; status then exits 3 and says what to do; stop again says so", async () => {
    expect((await container().inspect()).State.Running).toBe(false);
    const { code, output } = await cmd("status");
    expect(code, output).toBe(3);
    expect(output).toMatch(/stopped \(exited, exit code (0|143)/);
    expect(output).toContain(`npm run restart -- --stack ${name} starts it`);
    expect(ok(await cmd("stop")).output).toContain("was already stopped");
  });

  it("restart brings a stopped sandbox back healthy", async () => {
    const { code, output } = await cmd("restart");
    expect(code, output).toBe(0);
    expect(output).toMatch(/healthy after .* at http:\/\/127\.0\.0\.1:\d+/);
    await waitForHealthyAnswer(base(), Date.now(), 120_000, await stack.authorization());
  });

  // opencode hung (SIGSTOP): the health check times out until the engine marks it unhealthy.
  it("status of a hung sandbox exits 2 and says what to do; restart brings it back healthy", async () => {
    const stopped = await execIn(container(), ["pkill", "-STOP", "-f", "opencode web"], "0");
    expect(stopped.code, stopped.output).toBe(0);
    await healthBecomes(container(), "unhealthy", 90_000);
    const { code, output } = await cmd("status");
    expect(code, output).toBe(2);
    expect(output).toMatch(/: unhealthy, up \d+/);
    expect(output).toContain(`opencode does not answer its health check: npm run logs -- --stack ${name} --tail 100, then npm run restart -- --stack ${name}.`);
    const restarted = await cmd("restart");
    expect(restarted.code, restarted.output).toBe(0);
    expect(restarted.output).toMatch(/healthy after/);
  });

  it("backup -> container and volumes removed by hand -> restore -> up: the session and a 10k-file workspace are back (figures printed)", async () => {
    const auth = await stack.authorization();
    const session = (await createSession(base(), auth)).id;
    const seed = `cd ${VOLUMES.projects} && for i in $(seq 1 100); do mkdir -p src/d$i && (cd src/d$i && seq 1 100 | while read n; do echo "file $i/$n" > f$n.txt; done); done && find src -type f | wc -l`;
    expect((await execIn(container(), ["sh", "-c", seed], String(SANDBOX_USER.uid))).output.trim()).toBe("10000");

    const out = join(stateHome, "out");
    const b = await cmd("backup", "--output", out);
    expect(b.code, b.output).toBe(0);
    const [archive] = readdirSync(out);
    expect(archive).toMatch(new RegExp(`^${name}-backup-\\d{8}T\\d{6}Z\\.tar\\.gz$`));
    expect(b.output).toMatch(/database copied (with SQLite's backup API, sandbox running|from the stopped sandbox)/);

    // Everything removed by hand.
    await container().remove({ force: true });
    for (const k of VOLUME_KINDS) await docker.getVolume(volumeNames[k]).remove();
    const gone = await cmd("status");
    expect(gone.code, gone.output).toBe(4);
    expect(gone.output).toContain("MISSING (removed by hand?)");

    // restore needs no container: it creates the volumes with the stack's labels and fills them.
    const r = await cmd("restore", join(out, archive!));
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain("Restored sessions");
    expect((await docker.getVolume(volumeNames.sessions).inspect()).Labels).toMatchObject({ [LABELS.managedBy]: MANAGED_BY, [LABELS.stack]: name });

    // up recreates the container on the restored volumes (refresh finds them, so they are kept, not replaced).
    const up = ok(await cmd("up"));
    expect(up.output).toContain(`container ${containerName} was removed by hand: recreating it on the same volumes`);
    expect(await sessionIds(base(), auth)).toContain(session);
    const files = await execIn(container(), ["sh", "-c", `find ${VOLUMES.projects}/src -type f | wc -l; cat ${VOLUMES.projects}/src/d77/f7.txt; stat -c %u:%g ${VOLUMES.projects}/src/d77/f7.txt`], "0");
    expect(files.output.trim().split("\n")).toEqual(["10000", "file 77/7", `${SANDBOX_USER.uid}:${SANDBOX_USER.uid}`]);
    const time = (text: string) => /in (\d+\.\d) s/.exec(text)?.[1];
    console.log(`backup/restore of a 10k-file workspace: archive ${b.output.match(/\(([\d.]+ [kMG]?B) in/)?.[1]}, backup ${time(b.output)} s, restore ${time(r.output)} s`);
  });

  it("restore refuses a running sandbox without --force, and with --force stops, restores and starts it", async () => {
    const dir = join(stateHome, "out");
    const [archive] = readdirSync(dir);
    const refused = await cmd("restore", join(dir, archive!));
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/is running: restoring replaces the data under it/);
    const forced = await cmd("restore", "--force", join(dir, archive!));
    expect(forced.code, forced.output).toBe(0);
    expect(forced.output).toMatch(/healthy after/);
  });

  it("restore refuses what is not one of our backups and changes nothing", async () => {
    const junk = join(stateHome, "junk.tar.gz");
    writeFileSync(junk, "no");
    ok(await cmd("stop"));
    const refused = await cmd("restore", junk);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/restore of .* failed/);
    ok(await cmd("restart"));
    expect((await execIn(container(), ["sh", "-c", `find ${VOLUMES.projects}/src -type f | wc -l`], "0")).output.trim()).toBe("10000");
  });
});
