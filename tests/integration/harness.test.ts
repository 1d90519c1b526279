// The harness's mapping of declared docker provider inputs onto the Engine API (pure; no engine needed).
import { describe, expect, it } from "vitest";
import { CONTAINER_TYPE, containerCreateOptions, goDurationToNs, place, VOLUME_TYPE, volumeCreateOptions } from "./support/harness.js";

describe("goDurationToNs", () => {
  it.each([
    ["10s", 10e9],
    ["1m30s", 90e9],
    ["500ms", 5e8],
    ["1h", 3600e9],
    ["0", 0],
    ["1.5s", 1.5e9],
  ])("%s -> %d ns", (text, ns) => expect(goDurationToNs(text)).toBe(ns));

  it.each(["", "10", "10 s", "s", "10x"])("refuses %j", (text) => expect(() => goDurationToNs(text)).toThrow(/not a Go duration/));
});

describe("containerCreateOptions", () => {
  const inputs = {
    image: "sha256:declared",
    name: "box",
    envs: ["A=1"],
    ports: [{ internal: 3000, external: 3000, ip: "127.0.0.1", protocol: "tcp" }, { internal: 22 }],
    mounts: [{ type: "volume", source: "v", target: "/data" }],
    healthcheck: { tests: ["CMD", "/hc"], interval: "10s", timeout: "5s", startPeriod: "1m", retries: 3 },
    init: true,
    restart: "unless-stopped",
    logDriver: "json-file",
    logOpts: { "max-size": "10m" },
    labels: [{ label: "k", value: "v" }],
    stopSignal: "SIGTERM",
    stopTimeout: 30,
    memory: 512,
    wait: true,
    destroyGraceSeconds: 30,
  };
  const body = containerCreateOptions(inputs, "sha256:test");

  it("uses the substituted image and maps each field as the provider does", () => {
    expect(body).toMatchObject({
      Image: "sha256:test",
      name: "box",
      Env: ["A=1"],
      Labels: { k: "v" },
      ExposedPorts: { "3000/tcp": {}, "22/tcp": {} },
      StopSignal: "SIGTERM",
      StopTimeout: 30,
      Healthcheck: { Test: ["CMD", "/hc"], Interval: 10e9, Timeout: 5e9, StartPeriod: 60e9, Retries: 3 },
      HostConfig: {
        PortBindings: { "3000/tcp": [{ HostIp: "127.0.0.1", HostPort: "3000" }], "22/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }] },
        Mounts: [{ Type: "volume", Source: "v", Target: "/data", ReadOnly: false }],
        Init: true,
        RestartPolicy: { Name: "unless-stopped" },
        LogConfig: { Type: "json-file", Config: { "max-size": "10m" } },
        Memory: 512 * 1024 * 1024,
      },
    });
  });

  it("leaves the image's healthcheck alone when none is declared", () => {
    expect(containerCreateOptions({ image: "x" }, "y").Healthcheck).toBeUndefined();
  });

  it("refuses an input it does not map, naming it", () => {
    expect(() => containerCreateOptions({ image: "x", gpus: "all" }, "y")).toThrow(/Container input\(s\) gpus are not mapped/);
    expect(() => volumeCreateOptions({ name: "v", cluster: {} })).toThrow(/Volume input\(s\) cluster are not mapped/);
  });
});

describe("place", () => {
  it("prefixes names, follows volume references and moves host ports, keeping the host IP", () => {
    const placed = place(
      [
        { type: VOLUME_TYPE, name: "v", inputs: { name: "stack-sessions" } },
        {
          type: CONTAINER_TYPE,
          name: "c",
          inputs: {
            name: "stack",
            mounts: [{ type: "volume", source: "stack-sessions", target: "/s" }, { type: "volume", source: "elsewhere", target: "/e" }],
            ports: [{ internal: 3000, external: 3000, ip: "127.0.0.1" }],
          },
        },
      ],
      { namePrefix: "it-", hostPort: () => 4321 },
    );
    expect(placed[0]!.inputs.name).toBe("it-stack-sessions");
    expect(placed[1]!.inputs).toMatchObject({
      name: "it-stack",
      mounts: [{ source: "it-stack-sessions" }, { source: "elsewhere" }],
      ports: [{ internal: 3000, external: 4321, ip: "127.0.0.1" }],
    });
  });
});
