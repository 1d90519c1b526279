// The team stack's settings: the key table against Pulumi.yaml and the README, the quantity grammar, and every bad
// input reported with its key.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IMAGE_NAMES } from "../../../src/facts.js";
import { ConfigErrors } from "../../../src/config/errors.js";
import { parseQuantity } from "../../../src/config/quantity.js";
import type { RawConfig } from "../../../src/config/settings.js";
import { parseTeamSettings } from "../../../src/config/team.js";
import { TEAM_KEYS } from "../../../src/config/team-keys.js";
import { PROJECT_DIR } from "../../support/program.js";

const PUBLISHED = [IMAGE_NAMES.dockerHub, IMAGE_NAMES.ghcr];
const SEED = "a-seed-of-sixteen-or-more";
const raw = (values: Record<string, string>, secretKeys: string[] = ["opencode-cloud:teamPasswordSeed"]): RawConfig => ({
  project: "opencode-cloud",
  stack: "team",
  values: { "opencode-cloud:mode": "team", "opencode-cloud:teamPasswordSeed": SEED, ...values },
  secretKeys: new Set(secretKeys),
  homeDir: "/home/u",
  projectDir: "/project",
});
const members = (list: unknown): Record<string, string> => ({ "opencode-cloud:teamMembers": JSON.stringify(list) });

/** The messages parseTeamSettings reports (none: []). */
function problems(config: RawConfig): string[] {
  try {
    parseTeamSettings(config, PUBLISHED);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    return e.errors.map((x) => x.message);
  }
}

it("Pulumi.yaml declares every team key as the table does, and the README documents each", () => {
  const project = parse(readFileSync(join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as { config: Record<string, unknown> };
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");
  for (const [key, spec] of Object.entries(TEAM_KEYS)) {
    expect(project.config[key], key).toEqual(spec);
    expect(readme, key).toContain(`| \`opencode-cloud:${key}\` | ${spec.type} | \`${JSON.stringify(spec.default)}\` |`);
  }
});

describe("parseQuantity", () => {
  it.each([
    ["250m", 0.25],
    ["2", 2],
    ["1.5", 1.5],
    ["1Gi", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["10G", 1e10],
    ["1e3", 1000],
    ["0", 0],
  ])("%s = %d", (text, value) => expect(parseQuantity(text)).toBeCloseTo(value));
  it.each(["", "-1", "1GB", "1 Gi", "Gi", "1gi", "1.2.3", "0x10"])("%j is not a quantity", (text) => expect(parseQuantity(text)).toBeUndefined());
});

describe("parseTeamSettings", () => {
  it("reads members into namespaces, with the image keys read as the Docker program reads them", () => {
    const s = parseTeamSettings(raw({ ...members([{ name: "alice" }, { name: "bob", host: "bob.example.com", tlsSecret: "bob-tls" }]), "opencode-cloud:teamIngressNamespace": "ingress-nginx", "opencode-cloud:imageTag": "1.2" }), PUBLISHED);
    expect(s.members).toEqual([
      { name: "alice", namespace: "opencode-alice" },
      { name: "bob", namespace: "opencode-bob", host: "bob.example.com", tlsSecret: "bob-tls" },
    ]);
    expect(s.image.candidates.map((c) => `${c.name}:${c.tag}`)).toEqual(PUBLISHED.map((n) => `${n}:1.2`));
    expect(s.passwordSeed?.reveal()).toBe(SEED);
    expect(JSON.stringify(s)).not.toContain(SEED);
    expect(s.volumeSizes).toEqual({ sessions: "1Gi", projects: "10Gi", config: "1Gi" });
  });

  it("accepts an empty team without a seed", () => {
    expect(problems(raw({ "opencode-cloud:teamPasswordSeed": "" }, []))).toEqual([]);
  });

  const M = "opencode-cloud:teamMembers";
  it.each<[string, Record<string, string>, string[], string[]?]>([
    ["a name that is no DNS label", members([{ name: "Alice" }]), [`${M}[0].name: "Alice" is not a DNS label`]],
    ["a name with an underscore", members([{ name: "a_b" }]), [`${M}[0].name: "a_b" is not a DNS label`]],
    ["a missing name", members([{ host: "x.example.com" }]), [`${M}[0].name: is missing`]],
    ["a duplicate", members([{ name: "bob" }, { name: "bob" }]), [`${M}[1].name: "bob" is already the name of ${M}[0]`]],
    ["a name too long for its namespace", members([{ name: "a".repeat(60) }]), [`${M}[0].name: the namespace "opencode-${"a".repeat(60)}"`]],
    ["an unknown member field", members([{ name: "bob", hostname: "x" }]), [`${M}[0].hostname: is not a member field`]],
    ["a string instead of a member", members(["bob"]), [`${M}[0]: "bob" is not a member`]],
    ["a non-list", { [M]: '{"name":"bob"}' }, [`${M}: {"name":"bob"} is not a list`]],
    ["a bad host", members([{ name: "bob", host: "Bob!" }]), [`${M}[0].host: "Bob!" is not a host name`]],
    ["tlsSecret without host", members([{ name: "bob", tlsSecret: "t" }]), [`${M}[0].tlsSecret: is set without host`]],
    ["a host without the controller's namespace", members([{ name: "bob", host: "b.example.com" }]), ["opencode-cloud:teamIngressNamespace: is required because a member has a host"]],
    ["a storage class that is no name", { "opencode-cloud:teamStorageClass": "Fast SSD" }, ['opencode-cloud:teamStorageClass: "Fast SSD" is not a storage class name']],
    ["a bad size", { "opencode-cloud:teamProjectsSize": "10GB" }, ['opencode-cloud:teamProjectsSize: "10GB" is not a quantity']],
    ["a zero size", { "opencode-cloud:teamSessionsSize": "0" }, ["opencode-cloud:teamSessionsSize: 0 is zero"]],
    ["a bad CPU", { "opencode-cloud:teamCpuLimit": "two" }, ['opencode-cloud:teamCpuLimit: "two" is not a quantity']],
    ["a request above its limit", { "opencode-cloud:teamMemoryRequest": "8Gi" }, ["opencode-cloud:teamMemoryRequest: 8Gi is more than opencode-cloud:teamMemoryLimit 4Gi"]],
    ["a bad namespace prefix", { "opencode-cloud:teamNamespacePrefix": "Team_" }, ['opencode-cloud:teamNamespacePrefix: "Team_" cannot start a namespace name']],
    ["members without a seed", { ...members([{ name: "bob" }]), "opencode-cloud:teamPasswordSeed": "" }, ["opencode-cloud:teamPasswordSeed: is required"]],
    ["a plain-text seed", members([{ name: "bob" }]), ["opencode-cloud:teamPasswordSeed: is set as plain text"], []],
    ["a short seed", { ...members([{ name: "bob" }]), "opencode-cloud:teamPasswordSeed": "short" }, ["opencode-cloud:teamPasswordSeed: is shorter than 16 characters"]],
    ["a locally built image", { "opencode-cloud:imageSource": "build" }, ["opencode-cloud:imageSource: build makes the image on one Docker host"]],
    ["a Docker stack key", { "opencode-cloud:port": "8080" }, ["opencode-cloud:port: is a Docker stack key"]],
    ["a bad image digest (the Docker program's reader)", { "opencode-cloud:imageDigest": "sha256:1" }, ['opencode-cloud:imageDigest: "sha256:1" is not a digest']],
    ["an unknown project key", { "opencode-cloud:teamMember": "[]" }, ["opencode-cloud:teamMember: is not a config key of this project"]],
  ])("reports %s with its key", (_what, values, expected, secretKeys) => {
    const found = problems(raw(values, secretKeys));
    expect(found.length, found.join("\n")).toBe(expected.length);
    expected.forEach((start, i) => expect(found[i]).toContain(start));
    for (const message of found) expect(message).toMatch(/Allowed: .+\.$/);
  });

  it("reports every problem at once", () => {
    expect(problems(raw({ ...members([{ name: "A" }, { name: "b", tlsSecret: "x" }]), "opencode-cloud:teamCpuRequest": "x" }))).toHaveLength(3);
  });
});
