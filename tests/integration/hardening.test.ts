// What only the engine proves about the container the program declares (dev stack, as `npm run up` leaves it: with
// its generated password): other local users get 401, other containers cannot reach it, capabilities, limits and
// no-new-privileges are what the program declares, and an image upgrade brings the image's new plugin while the
// user's config edit, git config and shell history stay.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HEALTH_ROUTE, IMAGE_PATHS, PERSISTED_STATE, SANDBOX_PORT, SANDBOX_USER, VOLUMES } from "../../src/facts.js";
import { GENERATED_PASSWORD, type RunOptions } from "../support/program.js";
import { Deployment } from "./support/deployment.js";
import { describeOn, realEngine, TEST_IMAGE } from "./support/env.js";
import { basicAuth, demux, execIn, get, waitForHealthyAnswer } from "./support/opencode.js";
import { capabilityNames, limit, statusFields } from "./support/proc.js";

const run = promisify(execFile);
const engine = await realEngine();
const MiB = 1024 * 1024;
const NOBODY = 65534;

/** Runs curl on this host as another local user (uid 65534), returning the HTTP status it got. */
async function curlAs(uid: number, args: string[]): Promise<string> {
  const { stdout } = await run("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", ...args]);
  return stdout;
}

/** Runs curl in a throwaway container of the test image on `network`; returns curl's exit code and what it printed. */
async function curlFrom(docker: Docker, network: string, url: string): Promise<{ code: number; output: string }> {
  const c = await docker.createContainer({
    Image: TEST_IMAGE,
    Entrypoint: ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "4", url],
    Cmd: [],
    Healthcheck: { Test: ["NONE"] },
    HostConfig: { NetworkMode: network },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    return { code: StatusCode, output: demux(await c.logs({ stdout: true, stderr: true })) };
  } finally {
    await c.remove({ force: true });
  }
}

async function procOf(d: Deployment, pid: string): Promise<{ status: Record<string, string>; limits: string }> {
  const status = await execIn(d.container!, ["cat", `/proc/${pid}/status`], "0");
  const limits = await execIn(d.container!, ["cat", `/proc/${pid}/limits`], "0");
  return { status: statusFields(status.output), limits: limits.output };
}

async function opencodePid(d: Deployment): Promise<string> {
  const r = await execIn(d.container!, ["pgrep", "-o", "-f", "opencode web"], "0");
  expect(r.code, r.output).toBe(0);
  return r.output.trim();
}

/** The memory limit the container's cgroup enforces (v1 or v2). */
async function memoryLimit(d: Deployment): Promise<number> {
  const r = await execIn(d.container!, ["sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"], "0");
  return Number(r.output.trim());
}

const planned: Deployment[] = [];
afterAll(async () => {
  for (const d of planned) await d.cleanup();
});
async function deploy(docker: Docker, imageId: string, options: RunOptions = { stackFile: "dev" }): Promise<Deployment> {
  const d = await Deployment.plan(docker, options);
  planned.push(d);
  await d.createVolumes();
  await d.createContainer(imageId);
  return d;
}

describeOn(engine, "least privilege, with sudo (the default)", ({ docker, imageId }) => {
  let d: Deployment;
  beforeAll(async () => {
    d = await deploy(docker, imageId);
  });

  it(`answers 401 to another local user without the password (POST /session, the shell route, ${HEALTH_ROUTE})`, async () => {
    const base = d.baseUrl;
    const attacks = [
      ["-X", "POST", "-H", "content-type: application/json", "-d", "{}", `${base}/session`],
      ["-X", "POST", "-H", "content-type: application/json", "-d", '{"command":"id; sudo -n id"}', `${base}/session/any/shell`],
      [`${base}${HEALTH_ROUTE}`],
    ];
    const got = await Promise.all(attacks.map((a) => curlAs(NOBODY, a)));
    console.log(`attacks from uid ${NOBODY}: ${attacks.map((a, i) => `${a.at(-1)!.replace(base, "")} -> ${got[i]}`).join(", ")}`);
    expect(got).toEqual(["401", "401", "401"]);
    // The same user with the password gets in: the 401 is the password, not something else in the way.
    expect(await curlAs(NOBODY, ["-u", `opencode:${GENERATED_PASSWORD}`, `${base}${HEALTH_ROUTE}`])).toBe("200");
  });

  it("is on its own network: a container on the default bridge cannot reach it, one on its network can", async () => {
    const info = await d.container!.inspect();
    const networkName = String(d.containerDecl.inputs.networkMode);
    expect(info.HostConfig.NetworkMode).toBe(networkName);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([networkName]);
    const ip = info.NetworkSettings.Networks[networkName]!.IPAddress;
    const gateway = String(((await docker.getNetwork("bridge").inspect()) as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway);
    const direct = await curlFrom(docker, "bridge", `http://${ip}:${SANDBOX_PORT}${HEALTH_ROUTE}`);
    const viaHost = await curlFrom(docker, "bridge", `http://${gateway}:${d.hostPort}${HEALTH_ROUTE}`);
    const sameNetwork = await curlFrom(docker, networkName, `http://${ip}:${SANDBOX_PORT}${HEALTH_ROUTE}`);
    console.log(`from the default bridge: ${ip}:${SANDBOX_PORT} -> curl exit ${direct.code}, ${gateway}:${d.hostPort} -> curl exit ${viaHost.code}; from its own network -> HTTP ${sameNetwork.output}`);
    expect(direct.code).not.toBe(0);
    expect(viaHost.code).not.toBe(0);
    expect(sameNetwork).toEqual({ code: 0, output: "401" });
  });

  it("has exactly the declared capabilities, the process and memory limits, and sudo works", async () => {
    const declared = d.containerDecl.inputs as { capabilities: { adds: string[] }; memory: number; ulimits: { name: string; soft: number }[] };
    const init = await procOf(d, "1");
    const opencode = await procOf(d, await opencodePid(d));
    console.log(`PID 1: CapEff ${init.status.CapEff} CapBnd ${init.status.CapBnd} = ${capabilityNames(init.status.CapBnd!).join(",")}; NoNewPrivs ${init.status.NoNewPrivs}`);
    console.log(`opencode (uid ${opencode.status.Uid}): CapEff ${opencode.status.CapEff}; nproc ${limit(opencode.limits, "Max processes")}; memory ${(await memoryLimit(d)) / MiB} MiB`);
    expect(capabilityNames(init.status.CapBnd!)).toEqual(declared.capabilities.adds.map((c) => c.replace(/^CAP_/, "")).sort());
    expect(opencode.status.CapEff).toBe("0000000000000000");
    expect(opencode.status.Uid!.split(/\s+/)[0]).toBe(String(SANDBOX_USER.uid));
    expect(init.status.NoNewPrivs).toBe("0");
    const nproc = String(declared.ulimits.find((u) => u.name === "nproc")!.soft);
    expect(limit(opencode.limits, "Max processes")).toEqual([nproc, nproc]);
    expect(await memoryLimit(d)).toBe(declared.memory * MiB);
    expect(await execIn(d.container!, ["sudo", "-n", "id", "-u"], String(SANDBOX_USER.uid))).toEqual({ code: 0, output: "0\n" });
  });
});

describeOn(engine, "least privilege, with sudo off", ({ docker, imageId }) => {
  it("starts as root with only the entrypoint's capabilities, runs opencode without any, and sudo cannot gain root", async () => {
    const d = await deploy(docker, imageId, { stackFile: "dev", overrides: { "opencode-cloud:sudo": false } });
    const declared = d.containerDecl.inputs as { capabilities: { adds: string[] } };
    const init = await procOf(d, "1");
    const opencode = await procOf(d, await opencodePid(d));
    console.log(`sudo off: PID 1 CapBnd ${capabilityNames(init.status.CapBnd!).join(",")}, NoNewPrivs ${init.status.NoNewPrivs}; opencode uid ${opencode.status.Uid!.split(/\s+/)[0]} CapEff ${opencode.status.CapEff}`);
    expect(capabilityNames(init.status.CapBnd!)).toEqual(declared.capabilities.adds.map((c) => c.replace(/^CAP_/, "")).sort());
    expect(init.status.NoNewPrivs).toBe("1");
    expect(opencode.status.CapEff).toBe("0000000000000000");
    expect(opencode.status.Uid!.split(/\s+/)[0]).toBe(String(SANDBOX_USER.uid));
    const sudo = await execIn(d.container!, ["sudo", "-n", "id", "-u"], String(SANDBOX_USER.uid));
    expect(sudo.code).not.toBe(0);
    expect(sudo.output).toContain("no new privileges");
    // The volume tops are still handed to uid 1000 (the entrypoint ran as root).
    const owners = await execIn(d.container!, ["stat", "-c", "%u", ...Object.values(VOLUMES)], "0");
    expect(owners.output.trim().split("\n")).toEqual(Object.values(VOLUMES).map(() => String(SANDBOX_USER.uid)));
  });
});

/** An image FROM the test image whose shipped defaults carry `plugin/it-plugin.js` with `content`. */
async function imageWithPlugin(docker: Docker, tag: string, content: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "oc-upgrade-"));
  const plugin = `${IMAGE_PATHS.configDefaults}/opencode/plugin/it-plugin.js`;
  writeFileSync(join(dir, "it-plugin.js"), content);
  writeFileSync(
    join(dir, "Dockerfile"),
    [
      `FROM ${TEST_IMAGE}`,
      "USER root",
      `COPY it-plugin.js ${plugin}`,
      `RUN chmod 644 ${plugin} && ${IMAGE_PATHS.syncDefaults} manifest ${IMAGE_PATHS.configDefaults} >${IMAGE_PATHS.configDefaultsManifest}`,
      `USER ${SANDBOX_USER.name}`,
    ].join("\n"),
  );
  const stream = await docker.buildImage({ context: dir, src: ["Dockerfile", "it-plugin.js"] }, { t: tag });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => (err ? reject(err) : out.find((o) => o.error) ? reject(new Error(out.find((o) => o.error)!.error)) : resolve())));
  return (await docker.getImage(tag).inspect()).Id;
}

describeOn(engine, "an image upgrade", ({ docker }) => {
  const tags = [`${TEST_IMAGE}-upgrade-a`, `${TEST_IMAGE}-upgrade-b`];
  afterAll(async () => {
    for (const t of tags) await docker.getImage(t).remove().catch(() => undefined);
  });

  it("shows the new image's plugin and keeps the user's config edit, git config and shell history", async () => {
    const [a, b] = [await imageWithPlugin(docker, tags[0]!, "// it-plugin v1\n"), await imageWithPlugin(docker, tags[1]!, "// it-plugin v2\n")];
    const d = await deploy(docker, a);
    const uid = String(SANDBOX_USER.uid);
    const config = VOLUMES.config;
    const sh = (script: string) => execIn(d.container!, ["sh", "-c", script], uid);
    expect((await sh(`cat ${config}/opencode/plugin/it-plugin.js`)).output).toBe("// it-plugin v1\n");
    // The user: edits a shipped file, sets git's global config, runs a command in zsh.
    const shipped = (await sh(`cd ${IMAGE_PATHS.configDefaults} && find . -type f -name '*.json' ! -path '*/node_modules/*' | head -1`)).output.trim();
    expect(shipped, "the image ships a JSON config file").not.toBe("");
    expect((await sh(`printf '{"mine":true}\\n' > ${config}/${shipped} && git config --global user.name "It User"`)).code).toBe(0);
    expect((await execIn(d.container!, ["zsh", "-i", "-c", 'print -s "echo it-history-marker"; fc -AI'], uid)).code).toBe(0);
    expect((await sh(`cat ${PERSISTED_STATE.gitConfig} ${PERSISTED_STATE.zshHistory}`)).output).toMatch(/It User[\s\S]*it-history-marker/);

    await d.destroyContainer();
    await d.createContainer(b);
    await waitForHealthyAnswer(d.baseUrl, Date.now(), 120_000, basicAuth(GENERATED_PASSWORD));
    expect((await sh(`cat ${config}/opencode/plugin/it-plugin.js`)).output).toBe("// it-plugin v2\n");
    expect((await sh(`cat ${config}/${shipped}`)).output).toBe('{"mine":true}\n');
    expect((await sh("git config --global user.name")).output).toBe("It User\n");
    expect((await sh(`cat ${PERSISTED_STATE.zshHistory}`)).output).toContain("echo it-history-marker");
    const logs = demux(await d.container!.logs({ stdout: true, stderr: true }));
    expect(logs).toMatch(/\[sync-defaults\] image defaults: 0 installed, 1 updated, 0 removed, 1 kept as edited/);
    expect((await get(`${d.baseUrl}${HEALTH_ROUTE}`, basicAuth(GENERATED_PASSWORD))).status).toBe(200);
  });
});
