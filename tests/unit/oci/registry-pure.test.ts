import { describe, expect, it } from "vitest";
import { parseChallenge, tokenUrl } from "../../../src/oci/auth.js";
import { configKeys, registryCredential } from "../../../src/oci/credentials.js";
import { isLoopbackAddress, isLoopbackHost, registryBaseUrl } from "../../../src/oci/endpoints.js";
import { loginAddress } from "../../../src/image/release.js";
import { BASE_DELAY_MS, MAX_DELAY_MS, parseRetryAfter, retryDelay } from "../../../src/oci/retry.js";

describe("parseChallenge", () => {
  it.each([
    ['Bearer realm="https://auth.docker.io/token",service="registry.docker.io"', { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io" } }],
    ['bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"', { scheme: "bearer", params: { realm: "https://ghcr.io/token", service: "ghcr.io", scope: "repository:a/b:pull" } }],
    ['Basic realm="Registry"', { scheme: "basic", params: { realm: "Registry" } }],
    ["Bearer service=x", undefined],
    ["Negotiate abc", undefined],
    ["", undefined],
  ])("%s", (header, expected) => expect(parseChallenge(header)).toEqual(expected));

  it("builds the token URL for a pull scope", () => {
    const c = parseChallenge('Bearer realm="https://auth.example/token?x=1",service="svc"')!;
    expect(tokenUrl(c, "prizz/x")).toBe("https://auth.example/token?x=1&service=svc&scope=repository%3Aprizz%2Fx%3Apull");
  });
});

describe("registryBaseUrl", () => {
  it.each([
    ["docker.io", {}, "https://registry-1.docker.io"],
    ["ghcr.io", {}, "https://ghcr.io"],
    ["127.0.0.1:5051", {}, "http://127.0.0.1:5051"],
    ["localhost:5000", {}, "http://localhost:5000"],
    ["registry.example:5000", {}, "https://registry.example:5000"],
    ["docker.io", { "docker.io": "http://127.0.0.1:9/" }, "http://127.0.0.1:9"],
  ])("%s %j -> %s", (host, overrides, url) => expect(registryBaseUrl(host, overrides)).toBe(url));

  it("refuses plain HTTP off loopback", () => {
    expect(() => registryBaseUrl("ghcr.io", { "ghcr.io": "http://10.0.0.1:5000" })).toThrow("only https, or http on a loopback address, is allowed");
  });

  it.each([["127.0.0.1", true], ["[::1]", true], ["localhost", true], ["10.0.0.1", false], ["example.com", false]])("isLoopbackHost %s", (h, l) =>
    expect(isLoopbackHost(h)).toBe(l),
  );

  it.each([
    ["127.0.0.1:5051", true, "http://127.0.0.1:5051"],
    ["[::1]:5000", true, "http://[::1]:5000"],
    ["localhost", true, "http://localhost"],
    ["ghcr.io", false, "ghcr.io"],
    ["registry.example.com:5000", false, "registry.example.com:5000"],
  ])("address %s: loopback %s, docker-build login %s", (address, loopback, login) => {
    expect(isLoopbackAddress(address)).toBe(loopback);
    expect(loginAddress(address)).toBe(login);
  });
});

describe("retry timing", () => {
  it.each([
    [0, 0, undefined, BASE_DELAY_MS / 2],
    [0, 0.999999, undefined, BASE_DELAY_MS],
    [2, 0, undefined, (BASE_DELAY_MS * 4) / 2],
    [1, 0.5, 7000, 7000],
    [1, 0.5, 10 * MAX_DELAY_MS, MAX_DELAY_MS],
    [20, 0, undefined, MAX_DELAY_MS / 2],
  ])("retry %s random %s retry-after %s -> %s ms", (retry, random, after, ms) => expect(retryDelay(retry, random, after)).toBe(ms));

  it.each([
    ["3", 0, 3000],
    ["Wed, 21 Oct 2015 07:28:05 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"), 5000],
    ["soon", 0, undefined],
    [null, 0, undefined],
  ])("Retry-After %s", (header, now, ms) => expect(parseRetryAfter(header, now)).toBe(ms));
});

describe("credentials", () => {
  const none = async () => undefined;
  it("knows Docker Hub's config keys", () => expect(configKeys("docker.io")[0]).toBe("https://index.docker.io/v1/"));

  it.each([
    ["ghcr.io", { GITHUB_ACTOR: "bot", GITHUB_TOKEN: "t" }, { username: "bot", password: "t", source: "environment (GITHUB_TOKEN)" }],
    ["ghcr.io", { GHCR_USERNAME: "me", GITHUB_ACTOR: "bot", GHCR_TOKEN: "g", GITHUB_TOKEN: "t" }, { username: "me", password: "g", source: "environment (GHCR_TOKEN)" }],
    ["docker.io", { DOCKERHUB_USERNAME: "me" }, undefined],
    ["r.example", { OPENCODE_CLOUD_REGISTRY_USERNAME: "u", OPENCODE_CLOUD_REGISTRY_PASSWORD: "p" }, { username: "u", password: "p", source: "environment (OPENCODE_CLOUD_REGISTRY_PASSWORD)" }],
  ])("%s from env %j", async (host, env, expected) => expect(await registryCredential(host, { env, helper: none })).toEqual(expected));

  it("prefers a host's credHelper over credsStore and the environment", async () => {
    const asked: string[] = [];
    const found = await registryCredential("ghcr.io", {
      env: { GITHUB_ACTOR: "bot", GITHUB_TOKEN: "t" },
      dockerConfig: { credHelpers: { "ghcr.io": "gh" }, credsStore: "desktop" },
      helper: async (helper, server) => {
        asked.push(`${helper}:${server}`);
        return { Username: "h", Secret: "s" };
      },
    });
    expect(found).toEqual({ username: "h", password: "s", source: "docker-credential-gh" });
    expect(asked).toEqual(["gh:ghcr.io"]);
  });
});
