// scripts/release-notes.ts as the publish workflow runs it (npx tsx, the same flags), on files like the jobs write.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { PROJECT_DIR } from "../support/program.js";
import { runScript } from "../support/scripts.js";

const D = (c: string) => `sha256:${c.repeat(64)}`;

function files(previousTools: unknown, published: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "release-notes-"));
  const write = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  return [
    "--version", "v1.3.0",
    "--date", "2026-11-24",
    "--previous-version", "v1.2.0",
    "--manifest", join(PROJECT_DIR, "image", "tools.json"),
    "--previous-manifest", write("previous-tools.json", JSON.stringify(previousTools)),
    "--platform-digests", write("platform-digests.json", JSON.stringify({ dockerHub: { "linux/amd64": D("c"), "linux/arm64": D("d") } })),
    "--published", write("published.txt", published),
  ];
}

describe("scripts/release-notes.ts", () => {
  it("writes the notes: digests, and every tool of the current manifest as added against an empty previous one", async () => {
    const run = await runScript("release-notes", files({ tools: [] }, `docker.io/prizz/opencode-cloud-sandbox@${D("a")}\n`), {
      env: { ...process.env, GITHUB_SERVER_URL: "https://github.com", GITHUB_REPOSITORY: "prizz/opencode-cloud" },
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    const tools = (JSON.parse(readFileSync(join(PROJECT_DIR, "image", "tools.json"), "utf8")) as { tools: { name: string }[] }).tools;
    expect(out.startsWith("## [1.3.0] - 2026-11-24\n")).toBe(true);
    expect(out).toContain(`| \`docker.io/prizz/opencode-cloud-sandbox:1.3.0\` | \`${D("a")}\` |`);
    expect(out).toContain(`| dockerHub | linux/arm64 | \`${D("d")}\` |`);
    expect(out.split("\n").filter((l) => l.startsWith("- "))).toHaveLength(tools.length);
    expect(out).toContain("[1.3.0]: https://github.com/prizz/opencode-cloud/compare/v1.2.0...v1.3.0");
  });

  it("refuses a published line that is not image@digest, naming the option", async () => {
    const run = await runScript("release-notes", files({ tools: [] }, "docker.io/prizz/opencode-cloud-sandbox:latest\n"));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^release-notes: --published: "docker.io\/prizz\/opencode-cloud-sandbox:latest" is not image@digest/);
  });

  it("takes exactly the flags the publish workflow passes", () => {
    const workflow = readFileSync(join(PROJECT_DIR, ".github", "workflows", "publish.yml"), "utf8");
    const call = workflow.slice(workflow.indexOf("npx tsx scripts/release-notes.ts"), workflow.indexOf("> release-notes.md"));
    const flags = [...call.matchAll(/\s(--[a-z-]+)\s/g)].map((m) => m[1]).sort();
    expect(flags).toEqual(["--date", "--manifest", "--platform-digests", "--previous-manifest", "--previous-version", "--published", "--version"]);
  });
});
