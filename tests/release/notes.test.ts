import { describe, expect, it } from "vitest";

import { diffTools, releaseNotes } from "../../src/release/notes.js";

const D = (c: string) => `sha256:${c.repeat(64)}`;

describe("tool manifest diff", () => {
  it("sorts additions, version changes and removals by name", () => {
    expect(
      diffTools(
        [{ name: "ripgrep", version: "14.1.0" }, { name: "jq", version: "1.7" }, { name: "act", version: "0.2.60" }],
        [{ name: "ripgrep", version: "14.1.1" }, { name: "jq", version: "1.7" }, { name: "zoxide", version: "0.9" }, { name: "bat", version: "0.24" }],
      ),
    ).toEqual({
      added: [{ name: "bat", version: "0.24" }, { name: "zoxide", version: "0.9" }],
      changed: [{ name: "ripgrep", from: "14.1.0", to: "14.1.1" }],
      removed: [{ name: "act", version: "0.2.60" }],
    });
  });
});

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
      tools: diffTools([{ name: "jq", version: "1.6" }], [{ name: "jq", version: "1.7" }, { name: "bat", version: "0.24" }]),
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
        "- bat 0.24",
        "",
        "### Changed",
        "",
        "- jq 1.6 → 1.7",
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
