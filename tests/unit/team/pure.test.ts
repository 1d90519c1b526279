// The team program's pure pieces: Docker durations as probe seconds, derived passwords, what a member is told.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { Secret } from "../../../src/config/secret.js";
import { memberAccess } from "../../../src/team/access.js";
import { durationSeconds } from "../../../src/team/manifests.js";
import { memberPassword } from "../../../src/team/password.js";

describe("durationSeconds", () => {
  it.each([
    ["2s", 2],
    ["60s", 60],
    ["1m", 60],
  ])("%s -> %d", (text, seconds) => expect(durationSeconds(text)).toBe(seconds));
  it.each(["", "2", "1.5s", "1h", "500ms"])("refuses %j", (text) => expect(() => durationSeconds(text)).toThrow(/not a duration/));
});

describe("memberPassword", () => {
  const seed = new Secret("0123456789abcdef-seed");
  it("is the same on every run, and differs per member, per stack and per seed", () => {
    const p = memberPassword(seed, "team", "alice").reveal();
    expect(memberPassword(seed, "team", "alice").reveal()).toBe(p);
    expect(memberPassword(seed, "team", "bob").reveal()).not.toBe(p);
    expect(memberPassword(seed, "prod", "alice").reveal()).not.toBe(p);
    expect(memberPassword(new Secret("another-seed-of-16+"), "team", "alice").reveal()).not.toBe(p);
    expect(p).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
  it("never prints itself", () => {
    const secret = memberPassword(seed, "team", "alice");
    expect(`${secret} ${JSON.stringify({ secret })} ${inspect(secret)}`).not.toContain(secret.reveal());
  });
});

describe("memberAccess", () => {
  it("port-forwards when there is no Ingress", () => {
    expect(memberAccess({ name: "al", namespace: "oc-al" })).toMatchObject({ url: "http://127.0.0.1:3000", portForward: "kubectl -n oc-al port-forward service/opencode 3000:3000" });
  });
  it("names the host, https only with a TLS Secret", () => {
    expect(memberAccess({ name: "al", namespace: "oc-al", host: "al.example.com" })).toMatchObject({ url: "http://al.example.com", portForward: "" });
    expect(memberAccess({ name: "al", namespace: "oc-al", host: "al.example.com", tlsSecret: "t" }).url).toBe("https://al.example.com");
  });
});
