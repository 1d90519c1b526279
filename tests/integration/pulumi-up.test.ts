// The product's promise, through the real Pulumi engine and the real providers: `npm run up` from this checkout
// against the loopback "Docker Hub" and "GHCR" (stacks/Pulumi.loopback.yaml), a no-op, a replacement, `down` and
// `up` again, a registry fallback, secrets kept out of state and output. Each step builds on the one before.
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { CI_ENV, HEALTH_ROUTE, LABELS } from "../../src/facts.js";
import { describeOn, realEngine } from "./support/env.js";
import { createSession, freePort, get, sessionIds, waitForHealthyAnswer } from "./support/opencode.js";
import { KEY, loopbackConfig, ok, pulumiEnv, run, stateText, testStack as stackIn } from "./support/pulumi.js";

const engine = await realEngine();
const pulumi = pulumiEnv();

/** A stack of this test run (support/pulumi.ts), in this file's backend; `extraEnv`: what its user has beyond the tools. */
const testStack = (name: string, config: () => Promise<Record<string, unknown>>, extraEnv: NodeJS.ProcessEnv = {}) =>
  stackIn(pulumi!, name, config, extraEnv);

describeOn(pulumi ? engine : undefined, "npm run up through the real Pulumi engine (loopback registries)", ({ docker }) => {
  const name = `it-${process.pid}`;
  const { stateDir } = pulumi!;
  let port: number;
  const stack = testStack(name, async () => ({ ...loopbackConfig(), [KEY("port")]: (port = await freePort()) }));
  const volumesOf = () => docker.listVolumes({ filters: { label: [`${LABELS.stack}=${name}`] } });
  const containerId = async () => (await docker.getContainer(String((await stack.outputs())["containerName"])).inspect()).Id;
  let sessionId: string;
  let printed = "";
  const base = () => `http://127.0.0.1:${port}`;

  beforeAll(() => stack.create());
  afterAll(() => stack.remove(docker));

  it("npm run up: the container turns healthy and the printed URL answers the health route", async () => {
    const r = ok(await stack.npm("up"));
    printed = r.output;
    expect(r.output).toContain(base());
    expect(r.output).toMatch(/served by 127\.0\.0\.1:5051/);
    expect((await get(`${base()}${HEALTH_ROUTE}`, await stack.authorization())).status).toBe(200);
    const inspected = await docker.getContainer(String((await stack.outputs())["containerName"])).inspect();
    expect(inspected.State.Health?.Status).toBe("healthy");
    sessionId = (await createSession(base(), await stack.authorization())).id;
  });

  it("pulumi preview --expect-no-changes, then a second npm run up changes nothing", async () => {
    ok(await stack.cli("preview", "--expect-no-changes", "--diff"));
    const again = ok(await stack.npm("up"));
    printed += again.output;
    expect(again.output).not.toMatch(/\b\d+ (to )?(create|update|replace|delete)/);
    expect(again.output).toMatch(/unchanged/);
  });

  it("a changed port replaces the container, not the volumes; the session survives", async () => {
    const created = (list: Awaited<ReturnType<typeof volumesOf>>) => list.Volumes.map((v) => `${v.Name}@${(v as { CreatedAt?: string }).CreatedAt}`).sort();
    const before = created(await volumesOf());
    const oldId = await containerId();
    port = await freePort();
    ok(await stack.cli("config", "set", KEY("port"), String(port)));
    const r = ok(await stack.npm("up"));
    printed += r.output;
    expect(r.output).toMatch(/replace/);
    expect(created(await volumesOf())).toEqual(before);
    expect(await containerId()).not.toBe(oldId);
    expect(await sessionIds(base(), await stack.authorization())).toContain(sessionId);
  });

  it("npm run down removes the container and keeps the three volumes; up brings the session back", async () => {
    const container = String((await stack.outputs())["containerName"]);
    ok(await stack.npm("down"));
    await expect(docker.getContainer(container).inspect()).rejects.toThrow(/no such container/i);
    expect((await volumesOf()).Volumes).toHaveLength(3);
    printed += ok(await stack.npm("up")).output;
    expect(await sessionIds(base(), await stack.authorization())).toContain(sessionId);
  });

  it("with the primary registry gone, up pulls from the fallback and says so", async () => {
    const gone = await freePort(); // nothing listens there: the primary is down
    const ghcr = `127.0.0.1:${CI_ENV.registries.ghcr.port}`;
    ok(await stack.cli("config", "set", KEY("registries"), `127.0.0.1:${gone},${ghcr}`));
    const r = ok(await stack.npm("up"));
    printed += r.output;
    expect(r.output).toContain(`falling back to ${ghcr}`);
    expect(String((await stack.outputs())["registry"])).toBe(ghcr);
    expect(await sessionIds(base(), await stack.authorization())).toContain(sessionId);
  });

  it("secrets never appear in plain text in the state or in the printed output", async () => {
    const password = await stack.password();
    expect(password.length).toBeGreaterThanOrEqual(16);
    expect(stateText(stateDir)).not.toContain(password);
    expect(printed).not.toContain(password);
  });
});

// docker-build builds only on a BuildKit builder it can drive (a docker-container one); with none it makes one from
// BuildKit's published image, which needs Docker Hub. A person running this has such a builder; here it is the
// rehearsal's (scripts/ci-env.sh step 11: buildkitd built from its Go module), in its own Docker client config,
// which also holds the loopback registries' logins, so the base comes from the loopback "Docker Hub".
describeOn(pulumi ? engine : undefined, "imageSource build: docker-build on a real BuildKit builder", ({ docker }) => {
  const name = `itb-${process.pid}`;
  let port: number;
  const base = `${CI_ENV.host}:${CI_ENV.registries.dockerHub.port}/${CI_ENV.baseImage}`;
  const stack = testStack(
    name,
    async () => ({
      [KEY("imageSource")]: "build",
      [KEY("buildToolset")]: "runtime",
      [KEY("buildBaseImage")]: base,
      [KEY("port")]: (port = await freePort()),
    }),
    { DOCKER_CONFIG: CI_ENV.rehearsal.dockerConfig },
  );
  beforeAll(() => stack.create());
  afterAll(() => stack.remove(docker));

  it("builds image/ (runtime toolset, the local base), loads it into the engine, and the container runs it", async () => {
    ok(await stack.npm("up"));
    const out = await stack.outputs();
    expect(out["registry"]).toBe("local build");
    const container = await docker.getContainer(String(out["containerName"])).inspect();
    expect(container.Image).toBe(out["imageId"]);
    expect(container.State.Health?.Status).toBe("healthy");
    expect((await get(`http://127.0.0.1:${port}${HEALTH_ROUTE}`, await stack.authorization())).status).toBe(200);
  });

  it("a second up with nothing changed rebuilds nothing", async () => {
    const r = ok(await stack.npm("up"));
    expect(r.output).not.toMatch(/\b\d+ (to )?(create|update|replace)/);
    expect(r.output).toMatch(/unchanged/);
  });
});

const sshDir = join(CI_ENV.dir, "sshd");
const remoteHost = `ssh://${CI_ENV.sshHost.user}@127.0.0.1:${CI_ENV.sshHost.port}`;

/** A key made here, authorized for the remote test host's user; its path. */
async function authorizedKey(env: NodeJS.ProcessEnv): Promise<string> {
  const key = join(mkdtempSync(join(tmpdir(), "opencode-cloud-ssh-")), "id_ed25519");
  expect((await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key], { env })).code).toBe(0);
  const home = `/home/${CI_ENV.sshHost.user}`;
  mkdirSync(`${home}/.ssh`, { recursive: true, mode: 0o700 });
  appendFileSync(`${home}/.ssh/authorized_keys`, readFileSync(`${key}.pub`), { mode: 0o600 });
  expect((await run("chown", ["-R", `${CI_ENV.sshHost.user}:${CI_ENV.sshHost.user}`, `${home}/.ssh`], { env })).code).toBe(0);
  return key;
}

describeOn(pulumi ? engine : undefined, "the remote stack over ssh:// (sshd on loopback, a key made here)", ({ docker }) => {
  const name = `itr-${process.pid}`;
  const { env } = pulumi!;
  let key: string;
  let sshOpts: string[];
  let port: number;
  const stack = testStack(name, async () => ({
    "docker:host": remoteHost,
    "docker:sshOpts": sshOpts,
    [KEY("registries")]: `127.0.0.1:${CI_ENV.registries.dockerHub.port},127.0.0.1:${CI_ENV.registries.ghcr.port}`,
    [KEY("port")]: (port = await freePort()),
  }));
  let tunnel: ChildProcess | undefined;

  beforeAll(async () => {
    key = await authorizedKey(env);
    sshOpts = ["-i", key, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${join(sshDir, "known_hosts")}`, "-o", "StrictHostKeyChecking=yes"];
    await stack.create();
  });
  afterAll(async () => {
    tunnel?.kill();
    await stack.remove(docker);
  });

  it("npm run up provisions through the SSH host and prints the tunnel that reaches the sandbox", async () => {
    const r = ok(await stack.npm("up"));
    const out = await stack.outputs();
    const command = String(out["tunnel"]);
    expect(command).toBe(`ssh -N -p ${CI_ENV.sshHost.port} -L ${port}:127.0.0.1:${port} ${CI_ENV.sshHost.user}@127.0.0.1`);
    expect(r.output).toContain(command);
    // The remote host is this machine, so its port is taken here: the tunnel's local end moves to a free one.
    const local = await freePort();
    const [, ...args] = command.replace(`-L ${port}:`, `-L ${local}:`).split(" ");
    tunnel = spawn("ssh", [...sshOpts, "-o", "ExitOnForwardFailure=yes", ...args], { env, stdio: "ignore" });
    await waitForHealthyAnswer(`http://127.0.0.1:${local}`, Date.now(), 30_000, await stack.authorization());
  });

  it("with another key for the host in known_hosts, up and status refuse before logging in: no pull, no credentials sent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "opencode-cloud-hostkey-"));
    const knownHosts = join(dir, "known_hosts");
    const hostName = `[127.0.0.1]:${CI_ENV.sshHost.port}`;
    // sshd logs every login it accepts with the key's fingerprint: the up above logged in with this key.
    const fingerprint = (await run("ssh-keygen", ["-l", "-f", `${key}.pub`], { env })).output.split(" ")[1]!;
    const logins = () => readFileSync(join(sshDir, "sshd.log"), "utf8").split("\n").filter((l) => l.startsWith("Accepted publickey") && l.includes(fingerprint)).length;
    const before = logins();
    expect(before).toBeGreaterThan(0);
    // known_hosts names the host with a key made here, not the host's: what an impostor's answer looks like. The
    // user's ssh defaults otherwise (no StrictHostKeyChecking option): ssh refuses a changed key on its own.
    const other = join(dir, "other_host_key");
    expect((await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other], { env })).code).toBe(0);
    writeFileSync(knownHosts, `${hostName} ${readFileSync(`${other}.pub`, "utf8").split(" ").slice(0, 2).join(" ")}\n`);
    const { file } = stack;
    const yaml = parseYaml(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
    yaml.config["docker:sshOpts"] = ["-i", key, "-o", "IdentitiesOnly=yes", "-o", `UserKnownHostsFile=${knownHosts}`];
    writeFileSync(file, stringifyYaml(yaml));
    // A registry credential the pre-flight would hand the engine with its pull, were the host accepted.
    const probe = `probe-secret-${process.pid}-${Date.now()}`;
    const upEnv = { ...env, DOCKER_CONFIG: join(dir, "docker") };
    mkdirSync(upEnv.DOCKER_CONFIG);
    const auth = Buffer.from(`probe:${probe}`).toString("base64");
    writeFileSync(join(upEnv.DOCKER_CONFIG, "config.json"), JSON.stringify({ auths: Object.fromEntries(Object.values(CI_ENV.registries).map((r) => [`127.0.0.1:${r.port}`, { auth }])) }));
    try {
      for (const command of ["up", "status"]) {
        const r = await run("npm", ["run", "--silent", command, "--", "--stack", name], { env: upEnv });
        if (command === "up") console.info(`npm run up with another key for ${hostName} in known_hosts:\n${r.output.trim()}`);
        expect(r.code, r.output).not.toBe(0);
        expect(r.output).toContain(`Refused ${remoteHost}: the SSH host key of ${hostName} (it presented SHA256:`);
        expect(r.output).toContain(`is not the one known_hosts holds for it (${knownHosts} line 1)`);
        expect(r.output).toContain("nothing reached the engine (no image pull, no registry credentials)");
        expect(r.output).toContain(`\`ssh-keygen -f "${knownHosts}" -R "${hostName}"\``);
        expect(r.output).not.toMatch(/Docker answers at|Pulling /);
        expect(r.output).not.toContain(probe);
      }
      expect(logins()).toBe(before);
    } finally {
      yaml.config["docker:sshOpts"] = sshOpts;
      writeFileSync(file, stringifyYaml(yaml));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

