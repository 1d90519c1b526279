import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";

import { ConfigErrors } from "../../src/config/errors.js";
import { RELEASE_CONFIG, parseReleaseSettings } from "../../src/config/release.js";
import { IMAGE_NAMES } from "../../src/facts.js";
import { PROJECT_DIR, effectiveConfig, type ConfigValue } from "../support/program.js";

const settingsFor = (stackFile: string | undefined, overrides: Record<string, ConfigValue | null> = {}, env: NodeJS.ProcessEnv = {}) => {
  const config = effectiveConfig({ ...(stackFile ? { stackFile } : {}), overrides });
  return parseReleaseSettings({ values: config.values, secretKeys: new Set(config.secretKeys) }, env);
};

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  throw new Error("no ConfigErrors thrown");
};

describe("release config keys", () => {
  it("Pulumi.yaml declares every release key with the same type, default and description", () => {
    const project = parseYaml(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
    for (const [key, spec] of Object.entries(RELEASE_CONFIG)) {
      expect(project.config[key], key).toEqual({ type: spec.type, description: spec.description, default: spec.default });
    }
  });

  it("the README's Releases section documents every release key with its default", () => {
    const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Releases"));
    for (const [key, spec] of Object.entries(RELEASE_CONFIG)) {
      expect(section, key).toContain(`| \`opencode-cloud:${key}\` | ${spec.type} | \`${JSON.stringify(spec.default)}\` | ${spec.description} |`);
    }
  });

  it("each release stack parses to its role", () => {
    expect(settingsFor("release-amd64")).toMatchObject({ strategy: "native", role: "build", platforms: ["linux/amd64"], push: true });
    expect(settingsFor("release-arm64")).toMatchObject({ strategy: "native", role: "build", platforms: ["linux/arm64"] });
    expect(settingsFor("release")).toMatchObject({ strategy: "native", role: "merge", platforms: ["linux/amd64", "linux/arm64"] });
    expect(settingsFor("release-qemu")).toMatchObject({ strategy: "qemu", role: "all", platforms: ["linux/amd64", "linux/arm64"] });
    expect(settingsFor("release").registries).toEqual([
      { key: "dockerHub", image: IMAGE_NAMES.dockerHub, address: "docker.io" },
      { key: "ghcr", image: IMAGE_NAMES.ghcr, address: "ghcr.io" },
    ]);
  });

  it("registry names are configurable and normalised", () => {
    const s = settingsFor("release", { "opencode-cloud:releaseDockerHubImage": "someone/sandbox", "opencode-cloud:releaseGhcrImage": "ghcr.io/someone/sandbox" });
    expect(s.registries.map((r) => r.image)).toEqual(["docker.io/someone/sandbox", "ghcr.io/someone/sandbox"]);
  });

  it("credentials: config secrets first, then the environment; usernames likewise", () => {
    const env = { DOCKERHUB_USERNAME: "u1", DOCKERHUB_TOKEN: "t1", GITHUB_ACTOR: "actor", GITHUB_TOKEN: "gh1", GHCR_TOKEN: "gh2" };
    const s = settingsFor("release", { "opencode-cloud:releaseDockerHubToken": { secure: "from-config" } }, env);
    expect(s.credentials.dockerHub?.username).toBe("u1");
    expect(s.credentials.dockerHub?.password.reveal()).toBe("from-config");
    expect(s.credentials.ghcr?.username).toBe("actor");
    expect(s.credentials.ghcr?.password.reveal()).toBe("gh2");
    expect(String(s.credentials.ghcr?.password)).toBe("[secret]");
    expect(settingsFor("release", {}, { DOCKERHUB_TOKEN: "t1" }).credentials).toEqual({});
  });

  it.each<[string, Record<string, ConfigValue | null>, RegExp]>([
    ["unknown strategy", { "opencode-cloud:releaseStrategy": "cross" }, /^opencode-cloud:releaseStrategy: "cross" is not a choice\. Allowed: native \| qemu\.$/],
    ["native without role", { "opencode-cloud:releaseRole": null }, /^opencode-cloud:releaseRole: is required with releaseStrategy native\. Allowed: build .* \| merge/],
    ["role all with native", { "opencode-cloud:releaseRole": "all" }, /^opencode-cloud:releaseRole: "all" needs releaseStrategy qemu/],
    ["build without platform", { "opencode-cloud:releasePlatform": null }, /^opencode-cloud:releasePlatform: is required with releaseRole build\. Allowed: linux\/amd64 \| linux\/arm64\.$/],
    ["unknown platform", { "opencode-cloud:releasePlatform": "linux/riscv64" }, /^opencode-cloud:releasePlatform: "linux\/riscv64" is not a choice/],
    ["bad platform list", { "opencode-cloud:releasePlatforms": "linux/amd64,linux/amd64" }, /^opencode-cloud:releasePlatforms: .* is not a list of distinct platforms/],
    ["image with a tag", { "opencode-cloud:releaseDockerHubImage": "prizz/x:latest" }, /^opencode-cloud:releaseDockerHubImage: "prizz\/x:latest" carries a tag or digest/],
    ["invalid image", { "opencode-cloud:releaseGhcrImage": "ghcr.io/Prizz/X" }, /^opencode-cloud:releaseGhcrImage: path component "Prizz" must be lowercase/],
    ["same image twice", { "opencode-cloud:releaseGhcrImage": IMAGE_NAMES.dockerHub }, /^opencode-cloud:releaseGhcrImage: is the same image as opencode-cloud:releaseDockerHubImage/],
    ["push not a boolean", { "opencode-cloud:releasePush": "yes" }, /^opencode-cloud:releasePush: "yes" is not a boolean\. Allowed: true \| false\.$/],
    ["bad cache tag", { "opencode-cloud:releaseCacheTag": "Cache!" }, /^opencode-cloud:releaseCacheTag: "Cache!" is not valid/],
    ["a typo of a key", { "opencode-cloud:releaseRoel": "merge" }, /^opencode-cloud:releaseRoel: is not a config key of this project\. Allowed: the keys Pulumi.yaml declares/],
    ["plain-text token", { "opencode-cloud:releaseGhcrToken": "ghp_plain" }, /^opencode-cloud:releaseGhcrToken: is stored as plain text\. Allowed: a secret: pulumi config set --secret/],
  ])("%s", (_name, overrides, message) => {
    const found = problems(() => settingsFor("release-amd64", overrides));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });

  it("qemu takes no build role or single platform", () => {
    expect(problems(() => settingsFor("release-qemu", { "opencode-cloud:releaseRole": "merge", "opencode-cloud:releasePlatform": "linux/amd64" }))).toEqual([
      expect.stringMatching(/^opencode-cloud:releaseRole: "merge" does not go with releaseStrategy qemu/),
      expect.stringMatching(/^opencode-cloud:releasePlatform: is only for releaseRole build, not all/),
    ]);
  });

  it("build args: a JSON object of strings; SOURCE_DATE_EPOCH is the program's", () => {
    expect(settingsFor("release-amd64").buildArgs).toEqual({});
    expect(settingsFor("release-amd64", { "opencode-cloud:releaseBuildArgs": '{"TOOLSET":"runtime","BASE_IMAGE":"local/debian:bookworm"}' }).buildArgs).toEqual({
      TOOLSET: "runtime",
      BASE_IMAGE: "local/debian:bookworm",
    });
    const key = "opencode-cloud:releaseBuildArgs";
    expect(problems(() => settingsFor("release-amd64", { [key]: "TOOLSET=runtime" }))).toEqual([expect.stringMatching(/^opencode-cloud:releaseBuildArgs: is not JSON/)]);
    expect(problems(() => settingsFor("release-amd64", { [key]: '["TOOLSET"]' }))).toEqual([expect.stringMatching(/^opencode-cloud:releaseBuildArgs: is not a JSON object/)]);
    expect(problems(() => settingsFor("release-amd64", { [key]: '{"1X":"a","SOURCE_DATE_EPOCH":"0","N":3}' }))).toEqual([
      expect.stringMatching(/^opencode-cloud:releaseBuildArgs: "1X" is not a build-arg name/),
      expect.stringMatching(/^opencode-cloud:releaseBuildArgs: sets SOURCE_DATE_EPOCH/),
      expect.stringMatching(/^opencode-cloud:releaseBuildArgs: N: 3 is not a string/),
    ]);
  });

  it("reports every problem at once", () => {
    expect(problems(() => settingsFor("release-amd64", { "opencode-cloud:releasePush": "1", "opencode-cloud:releaseFreshBase": "0", "opencode-cloud:releaseStrategy": "x" }))).toHaveLength(3);
  });
});
