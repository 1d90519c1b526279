// The docker provider built from tools/docker (on PATH, as scripts/ci-env sets it up) against the @pulumi/docker SDK
// the program uses: every resource token the program registers is served, and no property the program sets (any
// shipped stack, any opt-in setting) differs in name, type or required-ness. Under CI=true a missing plugin fails.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { describe as show } from "../../src/tools/sdk-schema.js";
import { compareWithSdk, DOCKER_RESOURCES, pluginSchema, programUsedPaths, touchedDifferences, type PackageSchema } from "../support/docker-schema.js";
import { inCI } from "./support/env.js";

const BIN = "pulumi-resource-docker";

function findPlugin(): string | undefined {
  try {
    return execFileSync("sh", ["-c", `command -v ${BIN}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const plugin = findPlugin();
if (!plugin && inCI) throw new Error(`${BIN} is not on PATH under CI=true: build it with scripts/ci-env/build-tools.ts (tools/docker)`);
if (!plugin) console.warn(`docker provider schema tests skipped: no ${BIN} on PATH (tools/docker)`);

(plugin ? describe : describe.skip)("docker provider built from tools/docker", () => {
  let schema: PackageSchema;

  it("reports its own version, not the SDK's", () => {
    const version = execFileSync(plugin!, ["-version"], { encoding: "utf8" }).trim();
    expect(version).not.toMatch(/^v?5\.2\.0(\+|$)/);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("serves every resource token the program's SDK classes register", () => {
    schema = pluginSchema(plugin);
    expect(compareWithSdk(schema).missingTokens).toEqual([]);
    for (const { token } of Object.values(DOCKER_RESOURCES)) expect(Object.keys(schema.resources)).toContain(token);
  });

  it("differs from the SDK in no property the program sets", async () => {
    schema ??= pluginSchema(plugin);
    const cmp = compareWithSdk(schema);
    const used = await programUsedPaths();
    // The comparison must have seen what the program declares (a Network joins when the program declares one).
    expect([...used.keys()]).toEqual(
      expect.arrayContaining(["docker:index/container:Container", "docker:index/remoteImage:RemoteImage", "docker:index/volume:Volume", "pulumi:providers:docker"]),
    );
    const touched = [...used].flatMap(([type, paths]) => [...paths].flatMap((p) => touchedDifferences(type, p, cmp, schema).map((d) => `${p}: ${show(d)}`)));
    expect(touched).toEqual([]);
  });
});
