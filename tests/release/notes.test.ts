import { describe, expect, it } from "vitest";

import { diffToolManifests, parseToolManifest } from "../../src/image/manifest.js";
import { releaseNotes } from "../../src/release/notes.js";

const D = (c: string) => `sha256:${c.repeat(64)}`;

/** A manifest of npm tools at the given versions, through the image's own parser. */
const manifest = (versions: Record<string, string>) =>
  parseToolManifest(
    JSON.stringify({ tools: Object.entries(versions).map(([name, version]) => ({ name, version, layer: "runtime", install: "npm", package: name, bin: [name], check: `${name} --version` })) }),
  );

describe("release notes (Keep a Changelog)", () => {
  const base = {
    version: "v1.2.3",
    date: "2026-11-24",
    published: [`docker.io/prizz/opencode-cloud-sandbox@${D("a")}`, `ghcr.io/prizz/opencode-cloud-sandbox@${D("b")}`],
    platformDigests: { ghcr: { "linux/arm64": D("d"), "linux/amd64": D("c") }, dockerHub: { "linux/amd64": D("c"), "linux/arm64": D("d") } },
  };

  it("lists the digests per registry and per platform, then the tool changes", () => {
    const notes = releaseNotes({
      ...base,
      tools: diffToolManifests(manifest({ jq: "1.6.0" }), manifest({ jq: "1.7.0", bat: "0.24.0" })),
      previousTag: "v1.2.2",
      repositoryUrl: "https://github.com/prizz/opencode-cloud",
    });
    expect(notes).toBe(
      [
        "## [1.2.3] - 2026-11-24",
        "",
        "### Images",
        "",
        "| Image | Digest |",
        "|---|---|",
        `| \`docker.io/prizz/opencode-cloud-sandbox:1.2.3\` | \`${D("a")}\` |`,
        `| \`ghcr.io/prizz/opencode-cloud-sandbox:1.2.3\` | \`${D("b")}\` |`,
        "",
        "Per platform:",
        "",
        "| Registry | Platform | Digest |",
        "|---|---|---|",
        `| dockerHub | linux/amd64 | \`${D("c")}\` |`,
        `| dockerHub | linux/arm64 | \`${D("d")}\` |`,
        `| ghcr | linux/amd64 | \`${D("c")}\` |`,
        `| ghcr | linux/arm64 | \`${D("d")}\` |`,
        "",
        `Pull by digest: \`docker pull docker.io/prizz/opencode-cloud-sandbox@${D("a")}\``,
        "",
        "### Added",
        "",
        "- bat 0.24.0",
        "",
        "### Changed",
        "",
        "- jq 1.6.0 → 1.7.0",
        "",
        "[1.2.3]: https://github.com/prizz/opencode-cloud/compare/v1.2.2...v1.2.3",
        "",
      ].join("\n"),
    );
  });

  it("says so when no tool changed, and has no compare link for a first release", () => {
    const notes = releaseNotes({ ...base, tools: { added: [], changed: [], removed: [] } });
    expect(notes).toContain("No tool changes since the previous release.");
    expect(notes).not.toContain("/compare/");
    expect(notes).not.toContain("### Removed");
  });
});
