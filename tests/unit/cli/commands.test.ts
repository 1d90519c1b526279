// The order and messages of `npm run up` / `npm run down`, with the stack, Docker and registries faked.

import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import type { ConfigMap, OutputMap } from "@pulumi/pulumi/automation/index.js";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { down, up, type CommandDeps, type StackHandle } from "../../../src/cli/commands.js";
import { CONTAINER_TYPE, VOLUME_TYPE, type Observed, type StateResource } from "../../../src/cli/drift.js";
import { DaemonError } from "../../../src/cli/docker.js";
import { fakeResolver } from "../../support/program.js";
import { parseSettings } from "../../../src/config/settings.js";
import { takeHandOff } from "../../../src/image/handoff.js";
import { rawConfigFrom } from "../../../src/cli/stack.js";
import { PUBLISHED_IMAGES } from "../../../src/facts.js";

/** A stack as `npm run up` leaves it after the first run: with its generated password. */
const WITH_PASSWORD: ConfigMap = { "opencode-cloud:password": { value: "generated-password-32-characters", secret: true } };

interface Scenario {
  /** Resources in the state before and after the refresh. */
  readonly before?: StateResource[];
  readonly after?: StateResource[];
  readonly observed?: Observed;
  readonly previewEvents?: EngineEvent[];
  /** The ID of the image the pre-pull pulled. */
  readonly pulledImageId?: string;
  /** Whether opening the stack created it. */
  readonly created?: boolean;
}

/** An exported deployment: the stack's outputs on its root resource, then the docker resources. */
const deployment = (resources: StateResource[], outputs: OutputMap) => ({
  version: 3,
  deployment: {
    resources: [
      { urn: "urn:pulumi:dev::opencode-cloud::pulumi:pulumi:Stack::opencode-cloud-dev", type: "pulumi:pulumi:Stack", outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value])) },
      ...resources.map((r) => ({ urn: r.urn, type: r.type, ...(r.id ? { id: r.id } : {}), outputs: { name: r.name } })),
    ],
  },
});

function harness(given: ConfigMap, outputs: OutputMap, failDocker?: string, scenario: Scenario = {}) {
  const calls: string[] = [];
  const written: string[] = [];
  const config: ConfigMap = { ...WITH_PASSWORD, ...given };
  let refreshed = false;
  /** The environment each update ran with. */
  const upEnv: Record<string, string>[] = [];
  /** How many calls had been made at each export of the state. */
  const exported: number[] = [];
  const stack: StackHandle = {
    name: "dev",
    workspace: { envVars: {} },
    refresh: async () => {
      calls.push("refresh");
      refreshed = true;
    },
    exportStack: async () => {
      exported.push(calls.length);
      return deployment((refreshed ? scenario.after : scenario.before) ?? [], outputs);
    },
    preview: async (opts) => {
      calls.push("preview");
      for (const e of scenario.previewEvents ?? []) opts.onEvent(e);
    },
    config,
    setConfig: async (key, value) => {
      calls.push(`set ${key} secret=${value.secret}`);
      config[key] = value;
    },
    created: scenario.created ?? false,
    update: async (opts) => {
      calls.push(opts.refresh ? "up --refresh" : "up");
      upEnv.push({ ...stack.workspace.envVars });
      return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
    },
    outputs: async () => outputs,
    destroy: async () => {
      calls.push("destroy");
    },
  };
  const deps: CommandDeps = {
    openStack: async (args, _io, create) => {
      calls.push(`open ${args.stack} create=${create}`);
      return stack;
    },
    connectDocker: async (host) => {
      calls.push(`docker ${host ?? "local"}`);
      if (failDocker) throw new DaemonError(failDocker);
      return {} as Docker;
    },
    resolver: () => async (settings, log) => {
      calls.push("resolve");
      return fakeResolver(settings, log);
    },
    pull: async (_d, pinned) => {
      calls.push(`pull ${pinned}`);
      return scenario.pulledImageId ?? "sha256:pulled";
    },
    prune: async (_d, keep) => {
      calls.push(`prune keep=${keep}`);
      return [{ Id: "sha256:old", Size: 2 * 1024 * 1024 }];
    },
    observe: async () => scenario.observed ?? { container: undefined, volumes: new Set<string>() },
    preUpgradeBackup: async (_d, stack) => {
      calls.push(`backup ${stack}`);
      return "/b/dev-pre-upgrade-x.tar.gz (1.0 MB)";
    },
    homeDir: "/home/t",
  };
  const io = { out: { write: (t: string) => void written.push(t) }, env: {} };
  return { calls, written, deps, io, upEnv, exported };
}

const args = { stack: "dev", help: false, skipPull: false, follow: true, print: false, force: false };
const url = { url: { value: "http://127.0.0.1:3000", secret: false }, tunnel: { value: "", secret: false }, imageId: { value: "sha256:new", secret: false } };

describe("up", () => {
  it("generates a password on first use as a stack secret, says how to read it, and never prints it", async () => {
    const h = harness({ "opencode-cloud:password": { value: "", secret: false } }, url);
    await up(args, h.io, h.deps);
    expect(h.calls.slice(0, 2)).toEqual(["open dev create=true", "set opencode-cloud:password secret=true"]);
    const out = h.written.join("");
    expect(out).toContain("Generated a password for opencode (user opencode), stored as the stack secret opencode-cloud:password.");
    expect(out).toMatch(/PULUMI_BACKEND_URL=file:\/\/\S+ PULUMI_CONFIG_PASSPHRASE_FILE=\S+ pulumi config get opencode-cloud:password --stack dev/);
    const again = harness({}, url);
    await up(args, again.io, again.deps);
    expect(again.calls.some((c) => c.startsWith("set "))).toBe(false);
  });

  it("stores the generated password before it reads the state (both use the stack's file)", async () => {
    const h = harness({ "opencode-cloud:password": { value: "", secret: false } }, url);
    await up(args, h.io, h.deps);
    expect(h.exported).toHaveLength(1);
    expect(h.exported[0]).toBeGreaterThan(h.calls.indexOf("set opencode-cloud:password secret=true"));
    expect(h.calls.at(-2)).toBe("up");
  });

  it("does not read the state of a stack it has just created", async () => {
    const h = harness({ "opencode-cloud:password": { value: "", secret: false } }, url, undefined, { created: true });
    await up(args, h.io, h.deps);
    expect(h.exported).toEqual([]);
    expect(h.calls.filter((c) => c.startsWith("up"))).toEqual(["up"]);
    expect(h.written.join("")).toContain("opencode is ready: http://127.0.0.1:3000");
  });

  it("generates none with the opt-out", async () => {
    const h = harness({ "opencode-cloud:password": { value: "", secret: false }, "opencode-cloud:allowUnauthenticated": { value: "true", secret: false } }, url);
    await up(args, h.io, h.deps);
    expect(h.calls.some((c) => c.startsWith("set "))).toBe(false);
  });

  it("validates, checks Docker, pre-pulls the pinned image, runs the update and prints the URL", async () => {
    const h = harness({}, url);
    await up(args, h.io, h.deps);
    expect(h.calls).toEqual(["open dev create=true", "docker local", "resolve", expect.stringMatching(/^pull docker\.io\/prizz\/opencode-cloud-sandbox@sha256:[0-9a-f]{64}$/), "up", "prune keep=sha256:new"]);
    expect(h.written.join("")).toContain("Removed 1 old sandbox image no container uses (2.1 MB).");
    expect(h.written.join("")).toContain("opencode is ready: http://127.0.0.1:3000\n");
  });

  it("hands the image it resolved and pulled to the program, which then pins it without resolving again", async () => {
    const h = harness({}, url);
    await up(args, h.io, h.deps);
    const pulled = h.calls.find((c) => c.startsWith("pull "))!.slice("pull ".length);
    const settings = parseSettings(rawConfigFrom(WITH_PASSWORD, "dev", "/home/t"), PUBLISHED_IMAGES).image;
    if (settings.source !== "pull") throw new Error("the default source pulls");
    expect(takeHandOff(settings, h.upEnv[0]!)?.pinned).toBe(pulled);
    const build = harness({ "opencode-cloud:imageSource": { value: "build", secret: false } }, url);
    await up(args, build.io, build.deps);
    expect(build.upEnv[0]).toEqual({});
  });

  it("stops on bad config before touching Docker", async () => {
    const h = harness({ "opencode-cloud:port": { value: "99999", secret: false } }, url);
    await expect(up(args, h.io, h.deps)).rejects.toThrow("opencode-cloud:port: 99999 is out of range");
    expect(h.calls).toEqual(["open dev create=true"]);
  });

  it("stops when the daemon does not answer, before pulling", async () => {
    const h = harness({}, url, "The Docker daemon is not running");
    await expect(up(args, h.io, h.deps)).rejects.toThrow("The Docker daemon is not running");
    expect(h.calls).toEqual(["open dev create=true", "docker local"]);
  });

  it("skips the pre-pull for the build source and with --skip-pull", async () => {
    const build = harness({ "opencode-cloud:imageSource": { value: "build", secret: false } }, url);
    await up(args, build.io, build.deps);
    expect(build.calls).toEqual(["open dev create=true", "docker local", "up", "prune keep=sha256:new"]);
    const skip = harness({}, url);
    await up({ ...args, skipPull: true }, skip.io, skip.deps);
    expect(skip.calls).toEqual(["open dev create=true", "docker local", "up", "prune keep=sha256:new"]);
  });

  it("prints the tunnel for a remote loopback port", async () => {
    const h = harness({ "docker:host": { value: "ssh://me@box", secret: false } }, { ...url, tunnel: { value: "ssh -N -L 3000:127.0.0.1:3000 me@box", secret: false } });
    await up({ ...args, stack: "remote" }, h.io, h.deps);
    expect(h.calls[1]).toBe("docker ssh://me@box");
    expect(h.written.join("")).toContain("Open a tunnel:\n  ssh -N -L 3000:127.0.0.1:3000 me@box\nthen browse to http://127.0.0.1:3000");
  });
});

describe("up on a stack that was brought up before", () => {
  const volumes = { sessions: "opencode-cloud-dev-sessions", projects: "opencode-cloud-dev-projects", config: "opencode-cloud-dev-config" };
  const deployed: OutputMap = {
    ...url,
    containerName: { value: "opencode-cloud-dev", secret: false },
    volumeNames: { value: volumes, secret: false },
    image: { value: "docker.io/prizz/opencode-cloud-sandbox@sha256:aa", secret: false },
    imageId: { value: "sha256:old", secret: false },
    registry: { value: "docker.io", secret: false },
  };
  const container: StateResource = { urn: "urn:pulumi:dev::opencode-cloud::x$docker:index/container:Container::container", type: CONTAINER_TYPE, name: "opencode-cloud-dev" };
  const sessions: StateResource = { urn: "urn:pulumi:dev::opencode-cloud::x$docker:index/volume:Volume::volumes-sessions", type: VOLUME_TYPE, name: volumes.sessions };
  const allVolumes = new Set(Object.values(volumes));
  const replaced = (image: string, diffs = ["image"]): EngineEvent => ({
    sequence: 1,
    timestamp: 0,
    resourcePreEvent: {
      metadata: {
        op: "replace",
        urn: container.urn,
        type: CONTAINER_TYPE,
        diffs,
        provider: "",
        old: { type: CONTAINER_TYPE, urn: container.urn, id: "c1", parent: "", provider: "", inputs: { image: "sha256:old" }, outputs: { name: "opencode-cloud-dev" } },
        new: { type: CONTAINER_TYPE, urn: container.urn, id: "", parent: "", provider: "", inputs: { image }, outputs: {} },
      },
    },
  });

  it("refreshes first and says what it repairs: a container removed by hand", async () => {
    const h = harness({}, deployed, undefined, { before: [container, sessions], after: [sessions], observed: { container: undefined, volumes: allVolumes } });
    await up(args, h.io, h.deps);
    expect(h.calls.filter((c) => !c.startsWith("pull") && !c.startsWith("prune"))).toEqual(["open dev create=true", "docker local", "resolve", "refresh", "preview", "up"]);
    expect(h.written.join("")).toContain("repaired now:\n  - container opencode-cloud-dev was removed by hand: recreating it on the same volumes\n");
  });

  it("says so when nothing was changed by hand", async () => {
    const h = harness({}, deployed, undefined, { before: [container, sessions], after: [container, sessions], observed: { container: undefined, volumes: allVolumes } });
    await up(args, h.io, h.deps);
    expect(h.written.join("")).toContain("Nothing was changed by hand since the last update.");
  });

  it("backs up the sessions volume before the container is replaced by another image, then updates", async () => {
    const h = harness({}, deployed, undefined, { before: [container, sessions], after: [container, sessions], observed: { container: undefined, volumes: allVolumes }, previewEvents: [replaced("sha256:new")] });
    await up(args, h.io, h.deps);
    expect(h.calls.filter((c) => !c.startsWith("prune")).slice(-3)).toEqual(["preview", "backup dev", "up"]);
    expect(h.written.join("")).toContain("The update replaces opencode-cloud-dev with another image (sha256:old -> sha256:new); backing up its sessions first");
  });

  it("takes no backup when the image stays, or when there is no sessions volume to protect", async () => {
    const same = harness({}, deployed, undefined, { before: [container], after: [container], observed: { container: undefined, volumes: allVolumes }, previewEvents: [] });
    await up(args, same.io, same.deps);
    expect(same.calls).not.toContain("backup dev");
    const empty = harness({}, deployed, undefined, { before: [container], after: [container], observed: { container: undefined, volumes: new Set() }, previewEvents: [replaced("sha256:new")] });
    await up(args, empty.io, empty.deps);
    expect(empty.calls).not.toContain("backup dev");
  });

  // The engine as the state records it: the container running under the state's ID, every volume there.
  const inStep = { ...container, id: "c1" };
  const running = { id: "c1", status: "running", health: "healthy", startedAt: "", finishedAt: "0001-01-01T00:00:00Z", exitCode: 0, imageId: "sha256:old", restartCount: 0 };
  const matching: Scenario = { before: [inStep, sessions], after: [inStep, sessions], observed: { container: running, volumes: allVolumes } };
  const withoutPull = (calls: string[]) => calls.filter((c) => !c.startsWith("pull") && !c.startsWith("prune"));

  it("with the engine as the state records it and the deployed image pulled again, lets the update refresh: no refresh or preview of its own", async () => {
    const h = harness({}, deployed, undefined, { ...matching, pulledImageId: "sha256:old" });
    await up(args, h.io, h.deps);
    expect(withoutPull(h.calls)).toEqual(["open dev create=true", "docker local", "resolve", "up --refresh"]);
    expect(h.written.join("")).toContain("Nothing was changed by hand since the last update.");
  });

  it("with the engine as the state records it and another image pulled, backs up the sessions before the update replaces the container", async () => {
    const h = harness({}, deployed, undefined, { ...matching, pulledImageId: "sha256:new" });
    await up(args, h.io, h.deps);
    expect(withoutPull(h.calls)).toEqual(["open dev create=true", "docker local", "resolve", "backup dev", "up --refresh"]);
    expect(h.written.join("")).toContain("The update replaces opencode-cloud-dev with another image (sha256:old -> sha256:new); backing up its sessions first");
  });

  it.each([
    ["the container runs under another ID than the state's", { ...matching, observed: { container: { ...running, id: "c2" }, volumes: allVolumes } }, args],
    ["the container is stopped", { ...matching, observed: { container: { ...running, status: "exited" }, volumes: allVolumes } }, args],
    ["a volume is gone", { ...matching, observed: { container: running, volumes: new Set([volumes.projects, volumes.config]) } }, args],
    ["nothing was pulled (--skip-pull)", matching, { ...args, skipPull: true }],
  ])("refreshes and previews first when %s", async (_why, scenario, a) => {
    const h = harness({}, deployed, undefined, scenario);
    await up(a, h.io, h.deps);
    expect(withoutPull(h.calls).slice(-3)).toEqual(["refresh", "preview", "up"]);
  });

  it("says a container stopped by hand, which the refresh keeps, is recreated when the preview replaces it", async () => {
    const stopped = { status: "exited", health: "unhealthy", startedAt: "", finishedAt: "0001-01-01T00:00:00Z", exitCode: 143, imageId: "sha256:old", restartCount: 0 };
    const h = harness({}, deployed, undefined, { before: [container, sessions], after: [container, sessions], observed: { container: stopped, volumes: allVolumes }, previewEvents: [replaced("sha256:old", ["mustRun", "ports"])] });
    await up(args, h.io, h.deps);
    expect(h.written.join("")).toContain("repaired now:\n  - container opencode-cloud-dev was stopped (exit code 143): recreating it on the same volumes\n");
    expect(h.calls).not.toContain("backup dev");
  });
});

describe("down", () => {
  it("destroys the stack and says the volumes stay and how to delete them", async () => {
    const volumes = { sessions: "opencode-cloud-dev-sessions", projects: "opencode-cloud-dev-projects", config: "opencode-cloud-dev-config" };
    const h = harness({}, { volumeNames: { value: volumes, secret: false } });
    await down(args, h.io, h.deps);
    expect(h.calls).toEqual(["open dev create=false", "destroy"]);
    const text = h.written.join("");
    expect(text).toContain("Your data stays in the volumes opencode-cloud-dev-sessions, opencode-cloud-dev-projects, opencode-cloud-dev-config");
    expect(text).toContain("To delete the data on purpose: docker volume rm opencode-cloud-dev-sessions opencode-cloud-dev-projects opencode-cloud-dev-config");
  });

  it("has nothing to do for a stack that does not exist", async () => {
    const h = harness({}, {});
    h.deps.openStack = async () => {
      throw new Error("no stack named 'dev-x' found");
    };
    await down({ ...args, stack: "dev-x" }, h.io, h.deps);
    expect(h.written.join("")).toBe("There is no stack dev-x: nothing to remove.\n");
  });
});
