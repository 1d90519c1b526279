// The docker provider built from tools/docker (on PATH, as scripts/ci-env sets it up) against the @pulumi/docker SDK
// the program uses: every resource the program declares is served, and every property it sets (any shipped stack,
// any opt-in setting) is in the schema with a fitting value and differs from the SDK in neither name, type nor
// required-ness. Under CI=true a missing plugin fails.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { TYPES } from "../support/program.js";
import { DOCKER, providerReport, reportLines, reportPasses } from "../support/provider-schema.js";
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
  it("reports its own version, not the SDK's", () => {
    const version = execFileSync(plugin!, ["-version"], { encoding: "utf8" }).trim();
    expect(version).not.toMatch(/^v?5\.2\.0(\+|$)/);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("differs from the SDK in no property the program sets, and serves every resource it declares", async () => {
    const report = await providerReport(DOCKER, DOCKER.schema(plugin!));
    console.log(reportLines(DOCKER, report).join("\n"));
    // The comparison must have seen what the program declares.
    expect(report.used.map((u) => u.token)).toEqual(expect.arrayContaining([TYPES.container, TYPES.remoteImage, TYPES.volume, TYPES.network, TYPES.dockerProvider]));
    expect(report.used.flatMap((u) => [...u.problems, ...u.differing])).toEqual([]);
    expect(reportPasses(report)).toBe(true);
  });
});
