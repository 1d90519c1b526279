// The release rehearsal through the real engine: `npm run release:local` (real Pulumi CLI, docker-build on BuildKit,
// the loopback "Docker Hub" and "GHCR" behind their token server, cosign in key mode), then what must hold around
// it: a re-run changes nothing, a build of the same commit by another run is refused for the existing X.Y.Z, a
// registry that is down is left out with a warning. Each step builds on the one before (the first warms the cache).
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { beforeAll, expect, it } from "vitest";

import { CI_ENV, PLATFORMS } from "../../src/facts.js";
import { RegistryClient } from "../../src/oci/client.js";
import { indexPlatforms } from "../../src/release/gateway.js";
import { parsePlatforms } from "../../src/release/rehearsal.js";
import { findCosign } from "../../scripts/release-local/cosign.js";
import { describeOn, inCI, realEngine } from "./support/env.js";
import { run, type RunResult } from "./support/pulumi.js";
import { toolsEnv } from "../../scripts/lib/tools-env.js";

const engine = await realEngine(false);
/** Under CI=true a missing tool fails this file; elsewhere the suite is skipped with the reason. */
function need(what: string, found: boolean): boolean {
  if (found) return true;
  if (inCI) throw new Error(`real-engine tier under CI=true: ${what}`);
  console.warn(`release rehearsal skipped: ${what}`);
  return false;
}
const env: NodeJS.ProcessEnv = { ...process.env, ...toolsEnv(), NO_COLOR: "1" };
const hasPulumi = need("no pulumi on PATH (scripts/ci-env.sh builds it)", (env["PATH"] ?? "").split(delimiter).some((d) => d !== "" && existsSync(join(d, "pulumi"))));
const cosign = findCosign();
const hasCosign = need(`no cosign for the signing step (looked in ${cosign.searched})`, cosign.path !== undefined);

// amd64 always; arm64 (QEMU here) only when a rehearsal already built it on this builder (its cache is warm): a cold
// arm64 build under emulation does not fit CI's time here (README, "Wall time"). REHEARSAL_PLATFORMS overrides.
const platforms = parsePlatforms(process.env["REHEARSAL_PLATFORMS"] ?? (existsSync(CI_ENV.rehearsal.arm64Warm) ? PLATFORMS.join(",") : "amd64"));
console.log(`release rehearsal tier: ${platforms.join(", ")}`);

interface Summary {
  exitCode: number;
  tags: string[];
  builds: Record<string, string>;
  indexes: Record<string, string>;
  warnings: string[];
  promoted: boolean;
  problems: string[];
  timings: { stage: string; ms: number; note: string }[];
}

const work = mkdtempSync(join(tmpdir(), "opencode-cloud-rehearsal-it-"));
let runs = 0;
async function rehearse(...args: string[]): Promise<{ result: RunResult; summary: Summary }> {
  const json = join(work, `summary-${++runs}.json`);
  const result = await run("npm", ["run", "--silent", "release:local", "--", "--platforms", platforms.join(","), "--json", json, ...args], { env, timeoutMs: 90 * 60_000 });
  console.log(result.output.split("\n").filter((l) => /^(==|digest|index|warning|problem|rehearsal|  )/.test(l)).join("\n"));
  return { result, summary: JSON.parse(readFileSync(json, "utf8")) as Summary };
}

/** A loopback port nothing listens on: a registry that is down. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, CI_ENV.host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeOn(hasPulumi && hasCosign ? engine : undefined, "npm run release:local (real Pulumi, BuildKit, loopback registries, cosign)", ({ settings }) => {
  let first: Summary;
  const client = new RegistryClient();

  beforeAll(async () => {
    ({ summary: first } = await rehearse());
  }, 120 * 60_000);

  it("the rehearsal passes: every tag of the plan is an index of every platform in both registries, read back over the API", async () => {
    expect(first.exitCode, JSON.stringify(first, null, 2)).toBe(0);
    expect(first.promoted).toBe(true);
    expect(first.problems).toEqual([]);
    expect(Object.keys(first.builds)).toEqual(platforms);
    for (const [key, registry] of Object.entries(settings.registries)) {
      for (const tag of first.tags) {
        const got = await client.manifest(registry.address, CI_ENV.published.repository, tag);
        expect(got?.digest, `${key} :${tag}`).toBe(first.indexes[key]);
        expect(indexPlatforms(got!.body)).toEqual(first.builds);
      }
    }
  });

  it("a re-run (fresh state, same run) changes nothing: the same build digests, the same index, the same tags", async () => {
    const { summary } = await rehearse();
    expect(summary.exitCode).toBe(0);
    expect(summary.builds).toEqual(first.builds);
    expect(summary.indexes).toEqual(first.indexes);
    for (const [key, registry] of Object.entries(settings.registries)) {
      for (const tag of first.tags) expect((await client.manifest(registry.address, CI_ENV.published.repository, tag))?.digest).toBe(first.indexes[key]);
    }
  }, 60 * 60_000);

  it("another build of the same commit (another run: its ci-run label differs) is refused for the existing X.Y.Z", async () => {
    const { result, summary } = await rehearse("--platforms", "amd64", "--run-id", "424242");
    expect(summary.exitCode).not.toBe(0);
    // The label is the one difference: the config blob, hence the digest (README: where builds are not reproducible).
    expect(summary.builds["linux/amd64"]).not.toBe(first.builds["linux/amd64"]);
    expect(result.output).toMatch(/already points at another image.*never overwritten/);
    for (const [key, registry] of Object.entries(settings.registries)) {
      for (const tag of first.tags) expect((await client.manifest(registry.address, CI_ENV.published.repository, tag))?.digest).toBe(first.indexes[key]);
    }
  }, 60 * 60_000);

  it("a registry that is down is left out with a warning; the release goes to the other", async () => {
    const { summary } = await rehearse("--registry", `ghcr=${CI_ENV.host}:${await deadPort()}`);
    expect(summary.exitCode, JSON.stringify(summary, null, 2)).toBe(0);
    expect(Object.keys(summary.indexes)).toEqual(["dockerHub"]);
    expect(summary.indexes["dockerHub"]).toBe(first.indexes["dockerHub"]);
    expect(summary.warnings.length).toBeGreaterThan(0);
    expect(summary.warnings.every((w) => w.startsWith("ghcr is left out of this release"))).toBe(true);
  }, 60 * 60_000);
});
