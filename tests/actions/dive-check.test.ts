// dive-check through its real entry point, with a stand-in dive that takes dive's command line and writes its export.

import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorOf, runAction, standIn, workDir } from "./support.js";

const IMAGE = "opencode-cloud-sandbox:candidate";
const MB = 1_000_000;

/** dive's export: base layer 80 MB, then user layers; `wasted` bytes spread over the listed files. */
function exported(efficiencyScore: number, wastedFiles: { file: string; count: number; sizeBytes: number }[], userLayers = [300 * MB, 20 * MB]) {
  const layers = [80 * MB, ...userLayers];
  return {
    layer: layers.map((sizeBytes, index) => ({
      index,
      id: `${index}`.repeat(64).slice(0, 64),
      digestId: `sha256:${`${index + 1}`.repeat(64).slice(0, 64)}`,
      sizeBytes,
      command: index === 0 ? "#(nop) ADD file:ubuntu in / " : `RUN step ${index}`,
      fileList: [],
    })),
    image: {
      sizeBytes: layers.reduce((a, b) => a + b, 0),
      inefficientBytes: wastedFiles.reduce((a, f) => a + f.sizeBytes, 0),
      efficiencyScore,
      fileReference: wastedFiles,
    },
  };
}

async function check(report: object, inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = await workDir();
  const dive = await standIn(dir, "dive");
  return runAction("dive-check", dir, { image: IMAGE, "tool-path": dive, ...inputs }, { FAKE_DIVE_EXPORT: JSON.stringify(report), ...env });
}

describe("dive-check", () => {
  it("passes a lean image, runs dive's exact command line, sets outputs and lists the wasted files", async () => {
    const run = await check(exported(0.995, [{ file: "/var/lib/apt/lists/x", count: 2, sizeBytes: 1_200_000 }]));
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.calls.map((c) => c.argv)).toEqual([[IMAGE, "--json", "dive-report.json", "--source", "docker"]]);
    expect(run.outputs).toMatchObject({ efficiency: "0.995", "wasted-bytes": "1200000", "size-bytes": String(400 * MB) });
    expect(Number(run.outputs["user-wasted-percent"])).toBeCloseTo(1.2 / 320, 6);
    expect(run.summary).toContain("dive check: passed");
    expect(run.summary).toContain("/var/lib/apt/lists/x");
  });

  it("fails real waste on every rule and says which limits were crossed", async () => {
    const run = await check(exported(0.8, [{ file: "/usr/lib/big.so", count: 3, sizeBytes: 60 * MB }]));
    expect(run.code).toBe(1);
    const error = errorOf(run);
    expect(error).toContain("lowest-efficiency 80.00% (limit 95.00%)");
    expect(error).toContain("highest-wasted-bytes 60.0 MB (limit 50.0 MB)");
    expect(error).toContain("highest-user-wasted-percent 18.75% (limit 10.00%)");
    expect(run.summary).toContain("/usr/lib/big.so");
  });

  it("reads binary units as powers of 1024: 48 MB of waste passes 50MB but fails 45MiB (47.2 MB)", async () => {
    const report = exported(0.99, [{ file: "/opt/x", count: 2, sizeBytes: 48 * MB }], [600 * MB]);
    expect((await check(report, { "highest-wasted-bytes": "50MB" })).code).toBe(0);
    const run = await check(report, { "highest-wasted-bytes": "45MiB" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("highest-wasted-bytes 48.0 MB (limit 47.2 MB)");
  });

  it("turns a rule off with disabled", async () => {
    const run = await check(exported(0.5, []), { "lowest-efficiency": "disabled" });
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
  });

  it("refuses a size it cannot read, naming the input", async () => {
    const run = await check(exported(1, []), { "highest-wasted-bytes": "20 parsecs" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('input "highest-wasted-bytes": "20 parsecs" is not a size');
    expect(run.calls).toHaveLength(0);
  });

  it("fails closed on a truncated export", async () => {
    const run = await check(exported(1, []), {}, { FAKE_DIVE_MODE: "truncated" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("dive report rejected (the check fails closed): the report is not valid JSON");
  });

  it("fails closed on an export without layers", async () => {
    const run = await check({ layer: [], image: exported(1, []).image });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('"layer" is missing or empty');
  });

  it("fails closed when dive crashes", async () => {
    const run = await check(exported(1, []), {}, { FAKE_DIVE_MODE: "crash" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("dive failed while analysing opencode-cloud-sandbox:candidate (exit code 1)");
    expect(errorOf(run)).toContain("No such image");
  });

  it("a second run in the same workspace reads its own report, not the first run's tail", async () => {
    const dir = await workDir();
    const dive = await standIn(dir, "dive");
    const long = exported(0.99, Array.from({ length: 40 }, (_, i) => ({ file: `/opt/long/path/file-${i}`, count: 2, sizeBytes: 1000 })));
    const short = exported(0.995, []);
    // The stand-in writes like dive (no truncation): over a longer file, a shorter export leaves invalid JSON.
    await writeFile(join(dir, "left-over.json"), JSON.stringify(long, null, "  "));
    execFileSync(dive, [IMAGE, "--json", join(dir, "left-over.json")], { env: { ...process.env, FAKE_DIVE_EXPORT: JSON.stringify(short) } });
    const leftOver = await readFile(join(dir, "left-over.json"), "utf8");
    expect(() => JSON.parse(leftOver)).toThrow();

    const first = await runAction("dive-check", dir, { image: IMAGE, "tool-path": dive }, { FAKE_DIVE_EXPORT: JSON.stringify(long) });
    expect(first.code).toBe(0);
    const second = await runAction("dive-check", dir, { image: IMAGE, "tool-path": dive }, { FAKE_DIVE_EXPORT: JSON.stringify(short) });
    expect(errorOf(second)).toBe("");
    expect(second.code).toBe(0);
    expect(JSON.parse(await readFile(join(dir, "dive-report.json"), "utf8"))).toEqual(short);
  });
});
