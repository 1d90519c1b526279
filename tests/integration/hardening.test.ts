// What only the engine proves about the container the program declares, on the container `npm run up` created
// through the real Pulumi CLI and docker provider (stacks/Pulumi.loopback.yaml, its generated password): other local
// users get 401, other containers cannot reach it, capabilities, limits and no-new-privileges are what the program
// declared (read back from the stack's state), and an image upgrade brings the image's new plugin while the user's
// config edit, git config and shell history stay. One stack for the file; sudo off is a config change and an `up`.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, expect, it } from "vitest";
import { HEALTH_ROUTE, IMAGE_PATHS, PERSISTED_STATE, SANDBOX_PORT, SANDBOX_USER, VOLUMES } from "../../src/facts.js";
import { describeOn, realEngine, TEST_IMAGE } from "./support/env.js";
import { demux, execIn, freePort, get } from "./support/opencode.js";
import { capabilityNames, limit, statusFields } from "./support/proc.js";
import { KEY, loopbackConfig, ok, pulumiEnv, testStack } from "./support/pulumi.js";
import { push } from "./support/registry.js";

const exec = promisify(execFile);
const engine = await realEngine();
const pulumi = pulumiEnv();
const MiB = 1024 * 1024;
const NOBODY = 65534;

/** Runs curl on this host as another local user (uid 65534), returning the HTTP status it got. */
async function curlAs(uid: number, args: string[]): Promise<string> {
  const { stdout } = await exec("setpriv", [`--reuid=${uid}`, `--regid=${uid}`, "--clear-groups", "--", "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", ...args]);
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

async function procOf(c: Docker.Container, pid: string): Promise<{ status: Record<string, string>; limits: string }> {
  const status = await execIn(c, ["cat", `/proc/${pid}/status`], "0");
  const limits = await execIn(c, ["cat", `/proc/${pid}/limits`], "0");
  return { status: statusFields(status.output), limits: limits.output };
}

async function opencodePid(c: Docker.Container): Promise<string> {
  const r = await execIn(c, ["pgrep", "-o", "-f", "opencode web"], "0");
  expect(r.code, r.output).toBe(0);
  return r.output.trim();
}

/** The memory limit the container's cgroup enforces (v1 or v2). */
async function memoryLimit(c: Docker.Container): Promise<number> {
  const r = await execIn(c, ["sh", "-c", "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"], "0");
  return Number(r.output.trim());
}

/** What the program gave the docker provider for the container, as the stack's state records it. */
interface DeclaredContainer {
  name: string;
  networkMode: string;
  memory: number;
  capabilities: { adds: string[] };
  ulimits: { name: string; soft: number }[];
  securityOpts?: string[];
}

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

describeOn(pulumi ? engine : undefined, "least privilege, on the container npm run up created", ({ docker, settings }) => {
  const name = `it-hard-${process.pid}`;
  const stateHome = mkdtempSync(join(tmpdir(), "state-"));
  let port: number;
  const upgradeTags = [`it-upgrade-a-${process.pid}`, `it-upgrade-b-${process.pid}`];
  const stack = testStack(pulumi!, name, async () => ({ ...loopbackConfig(), [KEY("imageTag")]: upgradeTags[0], [KEY("port")]: (port = await freePort()) }), { XDG_STATE_HOME: stateHome });
  const base = () => `http://127.0.0.1:${port}`;

  /** The container's inputs in the state `npm run up` left, and the container itself. */
  const declared = async (): Promise<{ inputs: DeclaredContainer; container: Docker.Container }> => {
    const state = JSON.parse(ok(await stack.cli("stack", "export")).output) as { deployment: { resources?: { type: string; inputs: DeclaredContainer }[] } };
    const inputs = state.deployment.resources?.find((r) => r.type === "docker:index/container:Container")?.inputs;
    if (!inputs) throw new Error(`the state of ${name} holds no container`);
    return { inputs, container: docker.getContainer(inputs.name) };
  };

  const repository = `${settings.registries.dockerHub.address}/prizz/opencode-cloud-sandbox`;
  /** Builds the test image with the plugin at `version` and pushes it to the loopback "Docker Hub" as `tag`. */
  const publish = async (tag: string, version: string) => push(docker, settings, await imageWithPlugin(docker, tag, `// it-plugin ${version}\n`), repository, tag);

  // The stack starts on the test image with the plugin at v1 (one `up` fewer than starting on :latest).
  beforeAll(async () => {
    await publish(upgradeTags[0]!, "v1");
    await stack.create();
    ok(await stack.npm("up"));
  });
  afterAll(async () => {
    await stack.remove(docker);
    for (const t of upgradeTags) for (const ref of [t, `${repository}:${t}`]) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    rmSync(stateHome, { recursive: true, force: true });
  });

  it(`answers 401 to another local user without the password (POST /session, the shell route, ${HEALTH_ROUTE})`, async () => {
    const attacks = [
      ["-X", "POST", "-H", "content-type: application/json", "-d", "{}", `${base()}/session`],
      ["-X", "POST", "-H", "content-type: application/json", "-d", '{"command":"id; sudo -n id"}', `${base()}/session/any/shell`],
      [`${base()}${HEALTH_ROUTE}`],
    ];
    const got = await Promise.all(attacks.map((a) => curlAs(NOBODY, a)));
    console.log(`attacks from uid ${NOBODY}: ${attacks.map((a, i) => `${a.at(-1)!.replace(base(), "")} -> ${got[i]}`).join(", ")}`);
    expect(got).toEqual(["401", "401", "401"]);
    // The same user with the password gets in: the 401 is the password, not something else in the way.
    expect(await curlAs(NOBODY, ["-u", `opencode:${await stack.password()}`, `${base()}${HEALTH_ROUTE}`])).toBe("200");
  });

  it("is on its own network: a container on the default bridge cannot reach it, one on its network can", async () => {
    const { inputs, container } = await declared();
    const info = await container.inspect();
    const networkName = inputs.networkMode;
    expect(info.HostConfig.NetworkMode).toBe(networkName);
    expect(Object.keys(info.NetworkSettings.Networks)).toEqual([networkName]);
    const ip = info.NetworkSettings.Networks[networkName]!.IPAddress;
    const gateway = String(((await docker.getNetwork("bridge").inspect()) as { IPAM: { Config: { Gateway: string }[] } }).IPAM.Config[0]!.Gateway);
    const direct = await curlFrom(docker, "bridge", `http://${ip}:${SANDBOX_PORT}${HEALTH_ROUTE}`);
    const viaHost = await curlFrom(docker, "bridge", `http://${gateway}:${port}${HEALTH_ROUTE}`);
    const sameNetwork = await curlFrom(docker, networkName, `http://${ip}:${SANDBOX_PORT}${HEALTH_ROUTE}`);
    console.log(`from the default bridge: ${ip}:${SANDBOX_PORT} -> curl exit ${direct.code}, ${gateway}:${port} -> curl exit ${viaHost.code}; from its own network -> HTTP ${sameNetwork.output}`);
    expect(direct.code).not.toBe(0);
    expect(viaHost.code).not.toBe(0);
    expect(sameNetwork).toEqual({ code: 0, output: "401" });
  });

  it("has exactly the declared capabilities, the process and memory limits, and sudo works", async () => {
    const { inputs, container } = await declared();
    const init = await procOf(container, "1");
    const opencode = await procOf(container, await opencodePid(container));
    console.log(`PID 1: CapEff ${init.status.CapEff} CapBnd ${init.status.CapBnd} = ${capabilityNames(init.status.CapBnd!).join(",")}; NoNewPrivs ${init.status.NoNewPrivs}`);
    console.log(`opencode (uid ${opencode.status.Uid}): CapEff ${opencode.status.CapEff}; nproc ${limit(opencode.limits, "Max processes")}; memory ${(await memoryLimit(container)) / MiB} MiB`);
    expect(capabilityNames(init.status.CapBnd!)).toEqual(inputs.capabilities.adds.map((c) => c.replace(/^CAP_/, "")).sort());
    expect(opencode.status.CapEff).toBe("0000000000000000");
    expect(opencode.status.Uid!.split(/\s+/)[0]).toBe(String(SANDBOX_USER.uid));
    expect(init.status.NoNewPrivs).toBe("0");
    const nproc = String(inputs.ulimits.find((u) => u.name === "nproc")!.soft);
    expect(limit(opencode.limits, "Max processes")).toEqual([nproc, nproc]);
    expect(await memoryLimit(container)).toBe(inputs.memory * MiB);
    expect(await execIn(container, ["sudo", "-n", "id", "-u"], String(SANDBOX_USER.uid))).toEqual({ code: 0, output: "0\n" });
  });

  // Both images are pushed to the loopback "Docker Hub" as tags of the published repository; the stack moves from the
  // first (where it started) to the second (opencode-cloud:imageTag), as a user's upgrade does.
  it("an image upgrade shows the new image's plugin and keeps the user's config edit, git config and shell history", async () => {
    await publish(upgradeTags[1]!, "v2");
    const { container } = await declared();
    const uid = String(SANDBOX_USER.uid);
    const config = VOLUMES.config;
    const sh = (script: string) => execIn(container, ["sh", "-c", script], uid);
    expect((await sh(`cat ${config}/opencode/plugin/it-plugin.js`)).output).toBe("// it-plugin v1\n");
    // The user: edits a shipped file, sets git's global config, runs a command in zsh.
    const shipped = (await sh(`cd ${IMAGE_PATHS.configDefaults} && find . -type f -name '*.json' ! -path '*/node_modules/*' | head -1`)).output.trim();
    expect(shipped, "the image ships a JSON config file").not.toBe("");
    expect((await sh(`printf '{"mine":true}\\n' > ${config}/${shipped} && git config --global user.name "It User"`)).code).toBe(0);
    expect((await execIn(container, ["zsh", "-i", "-c", 'print -s "echo it-history-marker"; fc -AI'], uid)).code).toBe(0);
    expect((await sh(`cat ${PERSISTED_STATE.gitConfig} ${PERSISTED_STATE.zshHistory}`)).output).toMatch(/It User[\s\S]*it-history-marker/);

    ok(await stack.cli("config", "set", KEY("imageTag"), upgradeTags[1]!));
    ok(await stack.npm("up"));
    const after = (await declared()).container;
    const shAfter = (script: string) => execIn(after, ["sh", "-c", script], uid);
    expect((await shAfter(`cat ${config}/opencode/plugin/it-plugin.js`)).output).toBe("// it-plugin v2\n");
    expect((await shAfter(`cat ${config}/${shipped}`)).output).toBe('{"mine":true}\n');
    expect((await shAfter("git config --global user.name")).output).toBe("It User\n");
    expect((await shAfter(`cat ${PERSISTED_STATE.zshHistory}`)).output).toContain("echo it-history-marker");
    const logs = demux(await after.logs({ stdout: true, stderr: true }));
    expect(logs).toMatch(/\[sync-defaults\] image defaults: 0 installed, 1 updated, 0 removed, 1 kept as edited/);
    expect((await get(`${base()}${HEALTH_ROUTE}`, await stack.authorization())).status).toBe(200);
  });

  it("with sudo off: starts as root with only the entrypoint's capabilities, runs opencode without any, and sudo cannot gain root", async () => {
    ok(await stack.cli("config", "set", KEY("sudo"), "false"));
    ok(await stack.npm("up"));
    const { inputs, container } = await declared();
    const init = await procOf(container, "1");
    const opencode = await procOf(container, await opencodePid(container));
    console.log(`sudo off: PID 1 CapBnd ${capabilityNames(init.status.CapBnd!).join(",")}, NoNewPrivs ${init.status.NoNewPrivs}; opencode uid ${opencode.status.Uid!.split(/\s+/)[0]} CapEff ${opencode.status.CapEff}`);
    expect(inputs.securityOpts).toContain("no-new-privileges:true");
    expect(capabilityNames(init.status.CapBnd!)).toEqual(inputs.capabilities.adds.map((c) => c.replace(/^CAP_/, "")).sort());
    expect(init.status.NoNewPrivs).toBe("1");
    expect(opencode.status.CapEff).toBe("0000000000000000");
    expect(opencode.status.Uid!.split(/\s+/)[0]).toBe(String(SANDBOX_USER.uid));
    const sudo = await execIn(container, ["sudo", "-n", "id", "-u"], String(SANDBOX_USER.uid));
    expect(sudo.code).not.toBe(0);
    expect(sudo.output).toContain("no new privileges");
    // The volume tops are still handed to uid 1000 (the entrypoint ran as root).
    const owners = await execIn(container, ["stat", "-c", "%u", ...Object.values(VOLUMES)], "0");
    expect(owners.output.trim().split("\n")).toEqual(Object.values(VOLUMES).map(() => String(SANDBOX_USER.uid)));
  });
});
