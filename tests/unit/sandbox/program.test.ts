// The sandbox program under mocks, for every shipped sandbox stack file with Pulumi.yaml's defaults merged.

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HEALTHCHECK_START_INTERVAL, HEALTHCHECK_TIMING, IMAGE_NAMES, IMAGE_PATHS, LABELS, MANAGED_BY, SANDBOX_PORT, SANDBOX_USER, VOLUME_KINDS, VOLUMES } from "../../../src/facts.js";
import { DOCKER_SOCKET } from "../../../src/sandbox/container.js";
import { CONTAINER_POLICY } from "../../../src/sandbox/policy.js";
import { BUILD_CONTEXT, BUILD_DOCKERFILE } from "../../../src/image/source.js";
import { BAD_INPUTS } from "../../support/bad-inputs.js";
import { effectiveConfig, fakeDigest, GENERATED_PASSWORD, PROJECT_DIR, resourceOf, runProgram, stackFileConfig, TYPES, type ProgramRun } from "../../support/program.js";

/** Shipped stack files that run the sandbox program (release stacks set opencode-cloud:mode: release). */
const SANDBOX_STACKS = readdirSync(join(PROJECT_DIR, "stacks"))
  .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
  .filter((s): s is string => s !== undefined && (stackFileConfig(s)["opencode-cloud:mode"] ?? "sandbox") === "sandbox")
  .sort();

const PASSWORD = "correct horse battery staple";

it("ships the dev and remote sandbox stacks", () => {
  expect(SANDBOX_STACKS).toEqual(["dev", "loopback", "remote"]);
});

describe.each(SANDBOX_STACKS)("stack %s", (stack) => {
  const config = effectiveConfig({ stackFile: stack }).values;
  const host = config["docker:host"];
  const port = Number(config["opencode-cloud:port"]);
  const bind = config["opencode-cloud:bindAddress"]!;
  let run: ProgramRun;

  it("runs", async () => {
    run = await runProgram({ stackFile: stack });
  });

  it("declares three named, labelled volumes retained on delete", () => {
    for (const kind of VOLUME_KINDS) {
      const volume = resourceOf(run, TYPES.volume, `volumes-${kind}`);
      expect(volume.inputs).toEqual({
        name: `opencode-cloud-${stack}-${kind}`,
        driver: "local",
        labels: [
          { label: LABELS.managedBy, value: MANAGED_BY },
          { label: LABELS.stack, value: stack },
          { label: LABELS.volumeKind, value: kind },
        ],
      });
      expect(volume.options.retainOnDelete).toBe(true);
      expect(volume.provider).toMatch(/pulumi:providers:docker::docker::/);
    }
  });

  it("pulls name@digest on the first registry (Docker Hub unless the stack names others) and keeps the image locally", () => {
    const image = resourceOf(run, TYPES.remoteImage);
    const registries = config["opencode-cloud:registries"];
    const first = registries ? `${registries.split(",")[0]}/${IMAGE_NAMES.dockerHub.replace(/^docker\.io\//, "")}` : IMAGE_NAMES.dockerHub;
    const pinned = `${first}@${fakeDigest(`${first}:${config["opencode-cloud:imageTag"]}`)}`;
    expect(image.inputs).toEqual({ name: pinned, keepLocally: true });
    expect(run.resources.filter((r) => r.type === TYPES.buildImage)).toEqual([]);
  });

  it("declares the container with every policy the issue asks for", () => {
    const container = resourceOf(run, TYPES.container);
    const imageId = run.outputs["imageId"] as string;
    expect(imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(container.inputs).toEqual({
      name: `opencode-cloud-${stack}`,
      hostname: `opencode-cloud-${stack}`,
      image: imageId,
      ports: [{ internal: SANDBOX_PORT, external: port, ip: bind, protocol: "tcp" }],
      envs: [`OPENCODE_SERVER_PASSWORD=${GENERATED_PASSWORD}`],
      // Go's duration text, as the engine reads it back (a no-op update stays a no-op).
      healthcheck: { tests: ["CMD", IMAGE_PATHS.healthcheck], interval: "2s", timeout: "4s", startPeriod: "1m0s", startInterval: "500ms", retries: HEALTHCHECK_TIMING.retries },
      mounts: VOLUME_KINDS.map((kind) => ({ type: "volume", source: `opencode-cloud-${stack}-${kind}`, target: VOLUMES[kind] })),
      labels: [
        { label: LABELS.managedBy, value: MANAGED_BY },
        { label: LABELS.stack, value: stack },
      ],
      restart: "unless-stopped",
      init: true,
      stopSignal: "SIGTERM",
      stopTimeout: CONTAINER_POLICY.stopGraceSeconds,
      destroyGraceSeconds: CONTAINER_POLICY.stopGraceSeconds,
      logDriver: "json-file",
      logOpts: { "max-size": "10m", "max-file": "3" },
      wait: true,
      waitTimeout: CONTAINER_POLICY.waitTimeoutSeconds,
      networkMode: `opencode-cloud-${stack}-net`,
      capabilities: { drops: ["ALL"], adds: ["CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"] },
      ulimits: [{ name: "nproc", soft: 4096, hard: 4096 }],
      memory: 4096,
      memorySwap: 4096,
    });
    expect(container.secretInputs).toEqual(["envs"]);
    expect(container.options.deleteBeforeReplace).toBe(true);
    expect(container.options.dependsOn.some((u) => u.endsWith("::image-pull"))).toBe(true);
  });

  it("gives the stack its own bridge network, labelled, and attaches the container to it alone", () => {
    const network = resourceOf(run, TYPES.network);
    expect(network.inputs).toEqual({
      name: `opencode-cloud-${stack}-net`,
      driver: "bridge",
      labels: [
        { label: LABELS.managedBy, value: MANAGED_BY },
        { label: LABELS.stack, value: stack },
      ],
    });
    expect(network.parent).toMatch(/::sandbox$/);
    expect(resourceOf(run, TYPES.container).inputs["networkMode"]).toBe(network.inputs["name"]);
  });

  it("talks to the stack's Docker host", () => {
    const provider = resourceOf(run, TYPES.dockerProvider);
    if (host) {
      expect(provider.inputs["host"]).toBe(host);
      expect(JSON.parse(provider.inputs["sshOpts"] as string)).toEqual(JSON.parse(config["docker:sshOpts"]!));
    } else {
      expect(provider.inputs).toEqual({});
    }
  });

  it("exports URL, container name, volume names, image name@digest and the serving registry", () => {
    const pinned = (resourceOf(run, TYPES.remoteImage).inputs["name"] as string);
    expect(run.outputs).toEqual({
      url: `http://${bind}:${port}`,
      tunnel: host ? `ssh -N -L ${port}:${bind}:${port} ${host.replace("ssh://", "")}` : "",
      containerName: `opencode-cloud-${stack}`,
      volumeNames: Object.fromEntries(VOLUME_KINDS.map((k) => [k, `opencode-cloud-${stack}-${k}`])),
      image: pinned,
      imageId: run.outputs["imageId"],
      registry: config["opencode-cloud:registries"]?.split(",")[0] || "docker.io",
    });
    expect(run.secretOutputs).toEqual([]);
  });

  it("with sudo off: only the entrypoint's capabilities, started as root, no-new-privileges; memory as configured", async () => {
    const off = resourceOf(await runProgram({ stackFile: stack, overrides: { "opencode-cloud:sudo": false, "opencode-cloud:memoryLimitMb": 1024 } }), TYPES.container);
    expect(off.inputs).toMatchObject({
      capabilities: { drops: ["ALL"], adds: ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_SETGID", "CAP_SETUID"] },
      securityOpts: ["no-new-privileges:true"],
      user: "0:0",
      memory: 1024,
      memorySwap: 1024,
    });
  });

  it("runs without a password only with the opt-out: no envs at all", async () => {
    const open = resourceOf(await runProgram({ stackFile: stack, overrides: { "opencode-cloud:password": null, "opencode-cloud:allowUnauthenticated": true } }), TYPES.container);
    expect(open.inputs["envs"]).toBeUndefined();
  });

  it("declares identical inputs when run twice (a no-op update changes nothing)", async () => {
    const again = await runProgram({ stackFile: stack });
    expect(again.resources).toEqual(run.resources);
    expect(again.outputs).toEqual(run.outputs);
  });

  it("keeps the password secret in inputs and outputs", async () => {
    const withPassword = await runProgram({ stackFile: stack, overrides: { "opencode-cloud:bindAddress": "0.0.0.0", "opencode-cloud:allowPlainHttp": true, "opencode-cloud:password": { secure: PASSWORD } } });
    const container = resourceOf(withPassword, TYPES.container);
    expect(container.inputs["envs"]).toEqual([`OPENCODE_SERVER_PASSWORD=${PASSWORD}`]);
    expect(container.secretInputs).toEqual(["envs"]);
    for (const r of withPassword.resources) {
      const plain = Object.fromEntries(Object.entries(r.inputs).filter(([k]) => !r.secretInputs.includes(k)));
      expect(JSON.stringify(plain)).not.toContain(PASSWORD);
    }
    expect(JSON.stringify(withPassword.outputs)).not.toContain(PASSWORD);
    expect(withPassword.outputs["url"]).toBe(host ? `http://${new URL(host).hostname}:${port}` : `http://localhost:${port}`);
  });
});

describe("options", () => {
  it("builds from image/ on the target host, loads it, pushes nothing, and uses the loaded image's ID", async () => {
    const run = await runProgram({ stackFile: "remote", overrides: { "opencode-cloud:imageSource": "build" } });
    const build = resourceOf(run, TYPES.buildImage);
    expect(build.inputs).toEqual({
      context: { location: BUILD_CONTEXT },
      dockerfile: { location: BUILD_DOCKERFILE },
      tags: ["opencode-cloud-sandbox:local-remote"],
      buildArgs: { TOOLSET: "full" },
      load: true,
      push: false,
      buildOnPreview: false,
      network: "default",
    });
    expect(resourceOf(run, TYPES.buildProvider).inputs).toEqual({ host: "ssh://opencode@sandbox.example.com" });
    const runtime = await runProgram({
      stackFile: "remote",
      overrides: { "opencode-cloud:imageSource": "build", "opencode-cloud:buildToolset": "runtime", "opencode-cloud:buildBaseImage": "local/debian:bookworm" },
    });
    expect(resourceOf(runtime, TYPES.buildImage).inputs["buildArgs"]).toEqual({ TOOLSET: "runtime", BASE_IMAGE: "local/debian:bookworm" });
    expect(build.provider).toMatch(/pulumi:providers:docker-build::docker-build::/);
    const local = resourceOf(run, TYPES.remoteImage);
    expect(local.inputs).toMatchObject({ name: "opencode-cloud-sandbox:local-remote", keepLocally: true });
    expect(local.options.dependsOn).toContain(build.urn);
    expect(resourceOf(run, TYPES.container).inputs["image"]).toBe(run.outputs["imageId"]);
    expect(run.outputs).toMatchObject({ image: "opencode-cloud-sandbox:local-remote", registry: "local build" });
  });

  it("builds for a configured platform", async () => {
    const run = await runProgram({ stackFile: "dev", overrides: { "opencode-cloud:imageSource": "build", "opencode-cloud:platform": "linux/arm64" } });
    expect(resourceOf(run, TYPES.buildImage).inputs["platforms"]).toEqual(["linux/arm64"]);
    expect(resourceOf(run, TYPES.remoteImage).inputs["platform"]).toBe("linux/arm64");
  });

  it("mounts the host's SSH keys read-only when asked", async () => {
    const run = await runProgram({ stackFile: "dev", overrides: { "opencode-cloud:mountSshKeys": true }, homeDir: "/home/alice" });
    expect(resourceOf(run, TYPES.container).inputs["mounts"]).toContainEqual({ type: "bind", source: "/home/alice/.ssh", target: `${SANDBOX_USER.home}/.ssh`, readOnly: true });
  });

  it("mounts the Docker socket only when asked, with a warning", async () => {
    const off = await runProgram({ stackFile: "dev" });
    expect(JSON.stringify(resourceOf(off, TYPES.container).inputs["mounts"])).not.toContain(DOCKER_SOCKET);
    expect(off.logs.filter((l) => l.level === "warn")).toEqual([]);
    const on = await runProgram({ stackFile: "dev", overrides: { "opencode-cloud:dockerAccess": true } });
    expect(resourceOf(on, TYPES.container).inputs["mounts"]).toContainEqual({ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET });
    expect(on.logs.filter((l) => l.level === "warn").map((l) => l.message)).toEqual([expect.stringContaining("opencode-cloud:dockerAccess is on")]);
  });

  it("names resources after the stack, so two stacks on one host never collide", async () => {
    const a = await runProgram({ stackFile: "dev", stack: "dev-alice" });
    const b = await runProgram({ stackFile: "dev", stack: "dev-bob" });
    const names = (r: ProgramRun) => [resourceOf(r, TYPES.container).inputs["name"], ...VOLUME_KINDS.map((k) => resourceOf(r, TYPES.volume, `volumes-${k}`).inputs["name"])];
    expect(names(a)).toEqual(["opencode-cloud-dev-alice", ...VOLUME_KINDS.map((k) => `opencode-cloud-dev-alice-${k}`)]);
    expect(names(a).filter((n) => names(b).includes(n))).toEqual([]);
  });

  it("pins a configured image and digest", async () => {
    const digest = `sha256:${"c".repeat(64)}`;
    const run = await runProgram({ stackFile: "dev", overrides: { "opencode-cloud:image": "127.0.0.1:5051/prizz/opencode-cloud-sandbox:1.0.0", "opencode-cloud:imageDigest": digest } });
    expect(resourceOf(run, TYPES.remoteImage).inputs["name"]).toBe(`127.0.0.1:5051/prizz/opencode-cloud-sandbox@${digest}`);
    expect(run.outputs["registry"]).toBe("127.0.0.1:5051");
  });
});

describe("host folders and environment", () => {
  it("binds host folders under the workspace, read-only when asked", async () => {
    const run = await runProgram({ stackFile: "dev", overrides: { "opencode-cloud:folders": [`${PROJECT_DIR}/image:image:ro`, `${PROJECT_DIR}/src:clients/acme/src`] } });
    const mounts = resourceOf(run, TYPES.container).inputs["mounts"] as { type: string; source: string; target: string; readOnly?: boolean }[];
    expect(mounts.filter((m) => m.type === "bind")).toEqual([
      { type: "bind", source: `${PROJECT_DIR}/image`, target: `${VOLUMES.projects}/image`, readOnly: true },
      { type: "bind", source: `${PROJECT_DIR}/src`, target: `${VOLUMES.projects}/clients/acme/src` },
    ]);
  });

  it("does not look for host folders of a remote host on this machine", async () => {
    const run = await runProgram({ stackFile: "remote", overrides: { "opencode-cloud:folders": ["/srv/code/app:app"] } });
    expect((resourceOf(run, TYPES.container).inputs["mounts"] as { source: string }[]).map((m) => m.source)).toContain("/srv/code/app");
  });

  it("passes plain variables in the clear and makes the list secret once a secret is in it", async () => {
    // Without a password (the documented opt-out), so that nothing secret is in the list.
    const plain = await runProgram({
      stackFile: "dev",
      overrides: { "opencode-cloud:env": ["OPENCODE_DISABLE_AUTOUPDATE=1", "EMPTY="], "opencode-cloud:password": null, "opencode-cloud:allowUnauthenticated": true },
    });
    expect(resourceOf(plain, TYPES.container).inputs["envs"]).toEqual(["OPENCODE_DISABLE_AUTOUPDATE=1", "EMPTY="]);
    expect(resourceOf(plain, TYPES.container).secretInputs).toEqual([]);
    const secret = await runProgram({
      stackFile: "dev",
      overrides: { "opencode-cloud:env": ["A=1"], "opencode-cloud:secretEnv": { secure: '["OPENAI_API_KEY=sk-test=="]' }, "opencode-cloud:password": { secure: PASSWORD } },
    });
    const container = resourceOf(secret, TYPES.container);
    expect(container.inputs["envs"]).toEqual(["A=1", "OPENAI_API_KEY=sk-test==", `OPENCODE_SERVER_PASSWORD=${PASSWORD}`]);
    expect(container.secretInputs).toEqual(["envs"]);
  });
});

describe("bad inputs", () => {
  it.each(BAD_INPUTS.map((b) => [b.what, b] as const))("%s", async (_what, bad) => {
    // One run serves both checks: it fails, and with exactly this message.
    const outcome = runProgram({ stackFile: bad.stackFile, overrides: bad.overrides });
    await expect(outcome).rejects.toThrow(bad.message);
    const error = await outcome.catch((e: Error) => e);
    expect((error as Error).message).toBe(bad.message);
  });
});

it("serialises concurrent runs (the Pulumi runtime state is global)", async () => {
  const [a, b] = await Promise.all([runProgram({ stackFile: "dev" }), runProgram({ stackFile: "remote" })]);
  expect(resourceOf(a, TYPES.container).inputs["name"]).toBe("opencode-cloud-dev");
  expect(resourceOf(b, TYPES.container).inputs["name"]).toBe("opencode-cloud-remote");
  expect(a.resources.every((r) => r.urn.startsWith("urn:pulumi:dev::"))).toBe(true);
});
