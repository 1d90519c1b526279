// The committed bundles must be what the sources build to today, byte for byte, and each action.yml must describe
// the inputs its code reads with the same defaults.

import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./support.js";
import { DEFAULTS as COSIGN_DEFAULTS } from "../../actions/cosign-sign/src/main.js";
import { DEFAULTS as DIVE_DEFAULTS } from "../../actions/dive-check/src/main.js";
import { DEFAULTS as SMOKE_DEFAULTS } from "../../actions/smoke-test/src/main.js";
import { DEFAULTS as TRIVY_DEFAULTS } from "../../actions/trivy-gate/src/main.js";

const ACTIONS = {
  "cosign-sign": COSIGN_DEFAULTS,
  "dive-check": DIVE_DEFAULTS,
  "smoke-test": SMOKE_DEFAULTS,
  "trivy-gate": TRIVY_DEFAULTS,
} as Record<string, Record<string, string>>;

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  branding: { icon: string; color: string };
}

describe("actions/*/dist", () => {
  it("is current: an in-memory rebuild equals the committed bytes", () => {
    const check = spawnSync(process.execPath, [join(ROOT, "actions", "build.mjs"), "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  }, 120_000);
});

describe.each(Object.keys(ACTIONS))("actions/%s/action.yml", (name) => {
  it("runs dist/index.js on node24, describes every input its code reads, with the code's defaults", async () => {
    const yml = parse(await readFile(join(ROOT, "actions", name, "action.yml"), "utf8")) as ActionYml;
    expect(yml.runs).toEqual({ using: "node24", main: "dist/index.js" });
    expect(yml.branding.icon).not.toBe("");
    const source = (
      await Promise.all(["main.ts"].map((f) => readFile(join(ROOT, "actions", name, "src", f), "utf8")))
    ).join("\n");
    const read = new Set(
      [...source.matchAll(/(?:requiredInput|stringInput|enumInput|booleanInput|numberInput|listInput|raw)(?:<[^>]+>)?\(\s*"([a-z0-9-]+)"/g)].map((m) => m[1]!),
    );
    expect([...read].sort()).toEqual(Object.keys(yml.inputs).sort());
    for (const [input, spec] of Object.entries(yml.inputs)) {
      expect(spec.description, input).toBeTruthy();
      expect(spec.required, input).toBe(input === "image" || input === "images");
    }
    for (const [input, value] of Object.entries(ACTIONS[name]!)) expect(yml.inputs[input]?.default, input).toBe(value);
    const written = [...source.matchAll(/setOutput\(\s*"([a-z-]+)"/g)].map((m) => m[1]!);
    for (const output of written) expect(Object.keys(yml.outputs), output).toContain(output);
  });
});
