import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { IMAGE_NAMES } from "../../../src/facts.js";
import { isLoopback, localBuildTag, parseMode, parseSettings, type RawConfig } from "../../../src/config/settings.js";
import { Secret } from "../../../src/config/secret.js";

const PUBLISHED = [IMAGE_NAMES.dockerHub, IMAGE_NAMES.ghcr];
/** The password `npm run up` leaves in a stack (a secret), unless the values set their own. */
const GENERATED = "generated-password-32-characters";
const raw = (values: Record<string, string>, secretKeys: string[] = []): RawConfig => ({
  project: "opencode-cloud",
  stack: "dev",
  values: { "opencode-cloud:password": GENERATED, ...values },
  secretKeys: new Set([...secretKeys, ...("opencode-cloud:password" in values ? [] : ["opencode-cloud:password"])]),
  homeDir: "/home/u",
  projectDir: "/project",
});

describe("parseSettings", () => {
  it("applies the schema defaults when the stack sets nothing", () => {
    const s = parseSettings(raw({}), PUBLISHED);
    expect(s).toMatchObject({ port: 3000, bindAddress: "127.0.0.1", loopback: true, containerName: "opencode-cloud-dev", dockerAccess: false });
    expect(s).toMatchObject({ networkName: "opencode-cloud-dev-net", memoryMb: 4096, sudo: true });
    expect(s.password?.reveal()).toBe(GENERATED);
    expect(s.image).toEqual({
      source: "pull",
      requireSignature: false,
      signature: { kind: "keyless" },
      candidates: PUBLISHED.map((name) => ({ registry: name.split("/")[0], repository: name.split("/").slice(1).join("/"), name, tag: "latest" })),
    });
    expect(s.volumeNames).toEqual({ sessions: "opencode-cloud-dev-sessions", projects: "opencode-cloud-dev-projects", config: "opencode-cloud-dev-config" });
  });

  it("takes a secret password and hides it", () => {
    const s = parseSettings(raw({ "opencode-cloud:password": "pw-123456-abcdefgh", "opencode-cloud:bindAddress": "0.0.0.0", "opencode-cloud:allowPlainHttp": "true" }, ["opencode-cloud:password"]), PUBLISHED);
    expect(s.password?.reveal()).toBe("pw-123456-abcdefgh");
    expect(`${s.password}`).toBe("[secret]");
    expect(JSON.stringify(s)).not.toContain("pw-123456");
    expect(inspect(s)).not.toContain("pw-123456");
    expect(s.loopback).toBe(false);
  });

  it("runs without a password only with the explicit opt-out, on loopback, without host access", () => {
    const optOut = { "opencode-cloud:password": "", "opencode-cloud:allowUnauthenticated": "true" };
    expect(parseSettings(raw(optOut), PUBLISHED).password).toBeUndefined();
    expect(() => parseSettings(raw({ "opencode-cloud:password": "" }), PUBLISHED)).toThrow("opencode-cloud:password: is required");
  });

  it("uses a configured image alone, with imageTag when it names no tag, and its digest as the expected one", () => {
    const d = `sha256:${"e".repeat(64)}`;
    expect(parseSettings(raw({ "opencode-cloud:image": "ghcr.io/me/x", "opencode-cloud:imageTag": "2" }), PUBLISHED).image).toMatchObject({
      candidates: [{ name: "ghcr.io/me/x", tag: "2" }],
    });
    expect(parseSettings(raw({ "opencode-cloud:image": `ghcr.io/me/x:3@${d}` }), PUBLISHED).image).toMatchObject({
      candidates: [{ name: "ghcr.io/me/x", tag: "3" }],
      expectedDigest: d,
    });
  });

  it("reads docker:host and docker:sshOpts", () => {
    const s = parseSettings(raw({ "docker:host": "ssh://u@h:2222", "docker:sshOpts": '["-o","A=b"]' }), PUBLISHED);
    expect(s.docker).toEqual({ host: "ssh://u@h:2222", sshOpts: ["-o", "A=b"] });
    expect(() => parseSettings(raw({ "docker:sshOpts": '"-o A"' }), PUBLISHED)).toThrow('docker:sshOpts: "-o A" is not a list of strings');
  });

  it("builds under a local tag named after the published repository and the stack", () => {
    expect(parseSettings(raw({ "opencode-cloud:imageSource": "build" }), PUBLISHED).image).toEqual({
      source: "build",
      tag: localBuildTag(IMAGE_NAMES.dockerHub, "dev"),
      toolset: "full",
    });
    expect(localBuildTag("docker.io/a/b-c", "s1")).toBe("b-c:local-s1");
  });

  it("builds the configured toolset on the configured base image", () => {
    const s = parseSettings(raw({ "opencode-cloud:imageSource": "build", "opencode-cloud:buildToolset": "runtime", "opencode-cloud:buildBaseImage": "local/debian:bookworm" }), PUBLISHED);
    expect(s.image).toMatchObject({ source: "build", toolset: "runtime", baseImage: "local/debian:bookworm" });
  });

  it("tries the published repository on each configured registry, in order", () => {
    const s = parseSettings(raw({ "opencode-cloud:registries": "127.0.0.1:5051, mirror.example.com" }), PUBLISHED);
    const path = IMAGE_NAMES.dockerHub.replace(/^docker\.io\//, "");
    expect(s.image).toMatchObject({
      candidates: [
        { registry: "127.0.0.1:5051", name: `127.0.0.1:5051/${path}`, tag: "latest" },
        { registry: "mirror.example.com", name: `mirror.example.com/${path}`, tag: "latest" },
      ],
    });
  });
});

describe("parseMode", () => {
  it.each([
    [{}, "sandbox"],
    [{ "opencode-cloud:mode": "release" }, "release"],
  ])("%j -> %s", (values, mode) => expect(parseMode({ values })).toBe(mode));
});

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.10.0.1", true],
    ["::1", true],
    ["0.0.0.0", false],
    ["192.168.1.2", false],
    ["::", false],
    ["localhost", false],
  ])("%s -> %s", (address, expected) => expect(isLoopback(address)).toBe(expected));
});

it("Secret never prints itself", () => {
  const s = new Secret("x-secret");
  expect([String(s), JSON.stringify({ s }), inspect(s)].join()).not.toContain("x-secret");
});
