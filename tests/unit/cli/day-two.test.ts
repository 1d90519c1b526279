// The day-two commands' pure parts on tables: the sandbox's verdict and exit code, the status text, opening the URL,
// the ssh command line (and a connection through it), drift repairs and image changes from Pulumi's records.

import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { CONTAINER_TYPE, containerPlan, deploymentOutputs, driftRepairs, engineMatchesState, imageChange, stateResources, VOLUME_TYPE, type ContainerPlan, type StateResource } from "../../../src/cli/drift.js";
import {
  formatDuration,
  formatStatus,
  NoSandboxError,
  openCommand,
  sandboxOutputs,
  STATUS_EXIT,
  verdict,
  type ContainerFacts,
  type SandboxOutputsView,
  type VolumeFacts,
} from "../../../src/cli/sandbox-view.js";
import { sshDialArgs, SshDialAgent } from "../../../src/cli/ssh-dial.js";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const running: ContainerFacts = {
  status: "running",
  health: "healthy",
  startedAt: "2026-12-01T09:30:00Z",
  finishedAt: "0001-01-01T00:00:00Z",
  exitCode: 0,
  imageId: "sha256:img",
  restartCount: 0,
};
const out: SandboxOutputsView = {
  url: "http://127.0.0.1:3000",
  tunnel: "",
  containerName: "opencode-cloud-dev",
  volumeNames: { sessions: "opencode-cloud-dev-sessions", projects: "opencode-cloud-dev-projects", config: "opencode-cloud-dev-config" },
  image: "docker.io/prizz/opencode-cloud-sandbox@sha256:abc",
  imageId: "sha256:img",
  registry: "docker.io",
};
const volumes: VolumeFacts[] = [
  { kind: "sessions", name: out.volumeNames.sessions, exists: true, size: 1_250_000 },
  { kind: "projects", name: out.volumeNames.projects, exists: true, size: 52_400_000 },
  { kind: "config", name: out.volumeNames.config, exists: true },
];

describe("verdict and exit code", () => {
  it.each([
    [running, "healthy", 0],
    [{ ...running, health: "starting" }, "starting", 2],
    [{ ...running, health: undefined }, "starting", 2],
    [{ ...running, health: "unhealthy" }, "unhealthy", 2],
    [{ ...running, status: "exited", health: "unhealthy" }, "stopped", 3],
    [{ ...running, status: "restarting" }, "stopped", 3],
    [undefined, "missing", 4],
  ] as const)("%j -> %s, exit %d", (facts, v, code) => {
    expect(verdict(facts as ContainerFacts | undefined)).toBe(v);
    expect(STATUS_EXIT[verdict(facts as ContainerFacts | undefined)]).toBe(code);
  });
});

it.each([
  [0, "0s"],
  [59_999, "59s"],
  [62_000, "1m 2s"],
  [3 * 3600_000 + 12 * 60_000, "3h 12m"],
  [28 * 3600_000, "1d 4h"],
  [-5, "0s"],
])("formatDuration(%d) = %s", (ms, text) => expect(formatDuration(ms)).toBe(text));

describe("formatStatus", () => {
  it("shows a healthy sandbox", () => {
    expect(formatStatus("dev", out, running, volumes, NOW)).toEqual([
      "stack      dev",
      "container  opencode-cloud-dev: healthy, up 2h 30m",
      "url        http://127.0.0.1:3000",
      "image      docker.io/prizz/opencode-cloud-sandbox@sha256:abc",
      "registry   docker.io",
      "volume     sessions opencode-cloud-dev-sessions  1.3 MB",
      "volume     projects opencode-cloud-dev-projects  52.4 MB",
      "volume     config   opencode-cloud-dev-config  size unknown",
    ]);
  });

  it("shows an unhealthy one with its last check and what to do", () => {
    const lines = formatStatus("remote", { ...out, tunnel: "ssh -N -L 3000:127.0.0.1:3000 me@box" }, { ...running, health: "unhealthy", restartCount: 2, lastHealthOutput: "curl: (7) refused\nhealth check failed\n" }, volumes, NOW);
    expect(lines[1]).toBe("container  opencode-cloud-dev: unhealthy, up 2h 30m, 2 restarts");
    expect(lines[2]).toBe("           last health check: health check failed");
    expect(lines[3]).toBe("url        http://127.0.0.1:3000 (through: ssh -N -L 3000:127.0.0.1:3000 me@box)");
    expect(lines.at(-1)).toBe("opencode does not answer its health check: npm run logs -- --stack remote --tail 100, then npm run restart -- --stack remote.");
  });

  it("shows a stopped one, a missing one, a missing volume and a container on another image", () => {
    const stopped = formatStatus("dev", out, { ...running, status: "exited", exitCode: 143, finishedAt: "2026-12-01T11:55:00Z", imageId: "sha256:other" }, volumes, NOW);
    expect(stopped[1]).toBe("container  opencode-cloud-dev: stopped (exited, exit code 143, 5m 0s ago)");
    expect(stopped).toContain("           runs sha256:other, the stack declares sha256:img: npm run up");
    expect(stopped.at(-1)).toBe("npm run restart starts it (npm run up also repairs it).");
    const gone = formatStatus("dev", out, undefined, [{ ...volumes[0]!, exists: false }], NOW);
    expect(gone[1]).toBe("container  opencode-cloud-dev: missing");
    expect(gone).toContain("volume     sessions opencode-cloud-dev-sessions  MISSING (removed by hand?)");
    expect(gone).toContain("The container is gone (removed by hand?): npm run up recreates it with your volumes.");
    expect(gone.at(-1)).toContain("A missing volume is recreated empty by npm run up; npm run restore -- ARCHIVE puts a backup back.");
  });
});

describe("sandboxOutputs", () => {
  const map = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, value]) => [k, { value, secret: false }]));
  it("reads the program's outputs", () => expect(sandboxOutputs(map({ ...out }), "dev")).toEqual(out));
  it("says a stack never brought up has no sandbox", () => {
    expect(() => sandboxOutputs({}, "dev-x")).toThrow(NoSandboxError);
    expect(() => sandboxOutputs({}, "dev-x")).toThrow("Stack dev-x has no sandbox yet (no outputs): run `npm run up -- --stack dev-x` first.");
  });
});

it.each([
  ["darwin", {}, "open"],
  ["win32", {}, "explorer"],
  ["linux", { DISPLAY: ":0" }, "xdg-open"],
  ["linux", { WAYLAND_DISPLAY: "wayland-0" }, "xdg-open"],
  ["linux", {}, undefined],
] as const)("openCommand on %s %j is %s", (platform, env, command) => expect(openCommand(platform, env)).toBe(command));

describe("ssh", () => {
  it.each([
    ["ssh://box", [], ["-T", "--", "box", "docker", "system", "dial-stdio"]],
    ["ssh://me@box:2222", ["-o", "StrictHostKeyChecking=yes"], ["-o", "StrictHostKeyChecking=yes", "-p", "2222", "-T", "--", "me@box", "docker", "system", "dial-stdio"]],
  ] as const)("%s %j", (host, opts, args) => expect(sshDialArgs(host, opts)).toEqual(args));

  it("refuses a host that is not ssh://", () => expect(() => sshDialArgs("tcp://box:2375")).toThrow("docker:host tcp://box:2375 is not an ssh:// URL"));

  it("carries the Docker API over the ssh command's stdin and stdout", async () => {
    // A stand-in for ssh: records its arguments and joins stdin/stdout to a local socket where an API answers.
    const dir = mkdtempSync(join(tmpdir(), "ssh-dial-"));
    const socket = join(dir, "api.sock");
    const server = createServer((req, res) => res.end(req.url?.endsWith("/_ping") ? "OK" : "?")).listen(socket);
    await new Promise((r) => server.once("listening", r));
    const fake = join(dir, "ssh");
    writeFileSync(
      fake,
      `#!/usr/bin/env node
require("node:fs").writeFileSync(${JSON.stringify(join(dir, "args.json"))}, JSON.stringify(process.argv.slice(2)));
const s = require("node:net").connect(${JSON.stringify(socket)});
process.stdin.pipe(s); s.pipe(process.stdout);
`,
    );
    chmodSync(fake, 0o755);
    const args = sshDialArgs("ssh://me@box", ["-o", "BatchMode=yes"]);
    const docker = new Docker({ protocol: "http", host: "box", port: "22", agent: new SshDialAgent(args, fake) } as Docker.DockerOptions);
    expect(String(await docker.ping())).toBe("OK");
    const { readFileSync } = await import("node:fs");
    expect(JSON.parse(readFileSync(join(dir, "args.json"), "utf8"))).toEqual(["-o", "BatchMode=yes", "-T", "--", "me@box", "docker", "system", "dial-stdio"]);
    server.close();
  });

  it("reports what ssh said when it fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ssh-dial-"));
    const fake = join(dir, "ssh");
    writeFileSync(fake, "#!/bin/sh\necho 'Host key verification failed.' >&2\nexit 255\n");
    chmodSync(fake, 0o755);
    const docker = new Docker({ protocol: "http", host: "box", port: "22", agent: new SshDialAgent(sshDialArgs("ssh://box"), fake) } as Docker.DockerOptions);
    await expect(docker.ping()).rejects.toThrow("ssh exited with 255: Host key verification failed.");
  });
});

describe("drift", () => {
  const container: StateResource = { urn: "urn:c", type: CONTAINER_TYPE, name: "opencode-cloud-dev" };
  const sessions: StateResource = { urn: "urn:s", type: VOLUME_TYPE, name: "opencode-cloud-dev-sessions" };
  const vols = new Set(["opencode-cloud-dev-sessions"]);

  it("reads containers and volumes from an exported deployment", () => {
    const exported = {
      version: 3,
      deployment: {
        resources: [
          { urn: "urn:stack", type: "pulumi:pulumi:Stack" },
          { urn: "urn:c", type: CONTAINER_TYPE, outputs: { name: "opencode-cloud-dev" } },
          { urn: "urn:s", type: VOLUME_TYPE, inputs: { name: "opencode-cloud-dev-sessions" } },
        ],
      },
    };
    expect(stateResources(exported)).toEqual([container, sessions]);
    expect(stateResources({ deployment: {} })).toEqual([]);
  });

  it("reads the stack's outputs from the root resource of an exported deployment", () => {
    const exported = { deployment: { resources: [{ urn: "urn:stack", type: "pulumi:pulumi:Stack", outputs: { url: "http://127.0.0.1:3000", volumeNames: { sessions: "s" } } }, { urn: "urn:c", type: CONTAINER_TYPE, outputs: { url: "not this" } }] } };
    expect(deploymentOutputs(exported)).toEqual({ url: { value: "http://127.0.0.1:3000" }, volumeNames: { value: { sessions: "s" } } });
    expect(deploymentOutputs({ deployment: {} })).toEqual({});
  });

  it.each([
    ["the container running under the state's ID, the volume there", { container: { ...running, id: "c1" }, volumes: vols }, true],
    ["the container running under another ID (recreated outside Pulumi)", { container: { ...running, id: "c2" }, volumes: vols }, false],
    ["the container stopped", { container: { ...running, id: "c1", status: "exited" }, volumes: vols }, false],
    ["the container gone", { container: undefined, volumes: vols }, false],
    ["the volume gone", { container: { ...running, id: "c1" }, volumes: new Set<string>() }, false],
  ])("engine matches the state: %s -> %s", (_what, observed, expected) => {
    expect(engineMatchesState([{ ...container, id: "c1" }, sessions], observed)).toBe(expected);
  });

  it("engine matches no state without a container, nor one that records no ID", () => {
    const observed = { container: { ...running, id: "c1" }, volumes: vols };
    expect(engineMatchesState([sessions], observed)).toBe(false);
    expect(engineMatchesState([container, sessions], observed)).toBe(false);
  });

  const stoppedByHand: ContainerFacts = { ...running, status: "exited", health: "unhealthy", exitCode: 143, finishedAt: "2026-12-01T11:00:00Z" };
  it.each([
    ["nothing changed", [container, sessions], { container: running, volumes: vols }, "none", []],
    ["the container removed by hand", [sessions], { container: undefined, volumes: vols }, "recreate", ["container opencode-cloud-dev was removed by hand: recreating it on the same volumes"]],
    [
      "the container stopped by hand, dropped by the refresh",
      [sessions],
      { container: { ...running, status: "exited", exitCode: 0, finishedAt: "2026-12-01T11:00:00Z" }, volumes: vols },
      "recreate",
      ["container opencode-cloud-dev was stopped (exit code 0, 1h 0m ago): recreating it on the same volumes"],
    ],
    [
      "the container stopped by hand, kept by the refresh and replaced (the real provider: mustRun and ports differ)",
      [container, sessions],
      { container: stoppedByHand, volumes: vols },
      "recreate",
      ["container opencode-cloud-dev was stopped (exit code 143, 1h 0m ago): recreating it on the same volumes"],
    ],
    [
      "the container stopped by hand, kept by the refresh and started in place (only mustRun differs)",
      [container, sessions],
      { container: stoppedByHand, volumes: vols },
      "update",
      ["container opencode-cloud-dev was stopped (exit code 143, 1h 0m ago): starting it again"],
    ],
    [
      "the container stopped by hand and the update leaves it",
      [container, sessions],
      { container: { ...stoppedByHand, status: "created", finishedAt: "0001-01-01T00:00:00Z" }, volumes: vols },
      "none",
      ["container opencode-cloud-dev was stopped (exit code 143): the update leaves it stopped (npm run restart starts it)"],
    ],
    ["a container restarting by itself is no drift", [container, sessions], { container: { ...running, status: "restarting" }, volumes: vols }, "none", []],
    [
      "the volume removed by hand (and so the container)",
      [],
      { container: undefined, volumes: new Set<string>() },
      "recreate",
      ["container opencode-cloud-dev was removed by hand: recreating it on the same volumes", "volume opencode-cloud-dev-sessions was removed by hand: recreating it empty (npm run restore puts a backup back)"],
    ],
  ] as const)("%s", (_name, after, observed, plan, lines) => expect(driftRepairs([container, sessions], after, observed, NOW, plan)).toEqual(lines));

  const step = (op: string, oldImage: string | undefined, newImage: string | undefined, diffs?: string[]): EngineEvent =>
    ({
      sequence: 1,
      timestamp: 0,
      resourcePreEvent: {
        metadata: {
          op,
          urn: "urn:c",
          type: CONTAINER_TYPE,
          provider: "",
          ...(diffs ? { diffs } : {}),
          ...(oldImage ? { old: { type: CONTAINER_TYPE, urn: "urn:c", id: "1", parent: "", provider: "", inputs: { image: oldImage }, outputs: { name: "opencode-cloud-dev" } } } : {}),
          new: { type: CONTAINER_TYPE, urn: "urn:c", id: "", parent: "", provider: "", inputs: newImage === undefined ? {} : { image: newImage }, outputs: {} },
        },
      },
    }) as EngineEvent;

  it.each([
    ["replaced with another image", [step("replace", "sha256:a", "sha256:b", ["image"])], { container: "opencode-cloud-dev", from: "sha256:a", to: "sha256:b" }],
    ["replaced with an image not yet known", [step("replace", "sha256:a", "04da6b54-80e4-46f7-96ec-b56ff0331ba9", ["image"])], { container: "opencode-cloud-dev", from: "sha256:a" }],
    ["replaced for a port change (same image)", [step("replace", "sha256:a", "sha256:a", ["ports"])], undefined],
    ["updated in place", [step("update", "sha256:a", "sha256:b", ["image"])], undefined],
    ["created on a first up (nothing to lose)", [step("create", undefined, "sha256:b")], undefined],
    ["no events", [], undefined],
  ] as const)("imageChange: %s", (_name, events, change) => expect(imageChange(events as unknown as EngineEvent[])).toEqual(change));

  it.each([
    ["replaced, deleted before it is created again", [step("delete-replaced", "sha256:a", "sha256:a"), step("replace", "sha256:a", "sha256:a"), step("create-replacement", "sha256:a", "sha256:a")], "recreate"],
    ["created anew", [step("create", undefined, "sha256:a")], "recreate"],
    ["updated in place", [step("update", "sha256:a", "sha256:a", ["mustRun"])], "update"],
    ["left as it is", [step("same", "sha256:a", "sha256:a")], "none"],
    ["no step for the container", [], "none"],
  ] as const)("containerPlan: %s", (_name, events, plan) => expect(containerPlan(events as unknown as EngineEvent[])).toBe(plan satisfies ContainerPlan));

  it.each([
    ["recreated (removed by hand) on another image", [step("create", undefined, "sha256:b")], { container: "urn:c", from: "sha256:a", to: "sha256:b" }],
    ["recreated on the same image", [step("create", undefined, "sha256:a")], undefined],
  ] as const)("imageChange after an earlier up: %s", (_name, events, change) => expect(imageChange(events as unknown as EngineEvent[], "sha256:a")).toEqual(change));
});
