// Release notes in Keep a Changelog form: the published digests (per registry, and per platform) and what changed in
// the image's tool manifest since the previous release (src/image/manifest.ts diffs them). Pure:
// scripts/release-notes.ts reads the files.

import type { Platform } from "../facts.js";
import type { ManifestDiff } from "../image/manifest.js";

export interface NotesInput {
  /** `1.2.3` (a leading v is dropped). */
  readonly version: string;
  /** The commit date, YYYY-MM-DD. */
  readonly date: string;
  /** `image@sha256:...` per registry, as published (signed and attested). */
  readonly published: readonly string[];
  /** Registry -> platform -> the digest each platform's build pushed. */
  readonly platformDigests: Readonly<Record<string, Readonly<Partial<Record<Platform, string>>>>>;
  /** What changed in the tool manifest since the previous release (diffToolManifests). */
  readonly tools: ManifestDiff;
  /** Previous release tag (for the compare link), if any. */
  readonly previousTag?: string;
  /** https://github.com/owner/repo, for the compare link. */
  readonly repositoryUrl?: string;
}

export function releaseNotes(input: NotesInput): string {
  const version = input.version.replace(/^v/, "");
  const lines: string[] = [`## [${version}] - ${input.date}`, "", "### Images", ""];
  lines.push("| Image | Digest |", "|---|---|");
  for (const ref of input.published) {
    const at = ref.lastIndexOf("@");
    lines.push(`| \`${ref.slice(0, at)}:${version}\` | \`${ref.slice(at + 1)}\` |`);
  }
  lines.push("", "Per platform:", "", "| Registry | Platform | Digest |", "|---|---|---|");
  for (const [registry, platforms] of Object.entries(input.platformDigests).sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [platform, digest] of Object.entries(platforms).sort(([a], [b]) => (a < b ? -1 : 1))) {
      lines.push(`| ${registry} | ${platform} | \`${digest}\` |`);
    }
  }
  const first = input.published[0];
  if (first) lines.push("", `Pull by digest: \`docker pull ${first}\``);

  const { added, changed, removed } = input.tools;
  if (added.length > 0) lines.push("", "### Added", "", ...added.map((t) => `- ${t.name} ${t.version}`));
  if (changed.length > 0) lines.push("", "### Changed", "", ...changed.map((t) => `- ${t.name} ${t.from} → ${t.to}`));
  if (removed.length > 0) lines.push("", "### Removed", "", ...removed.map((t) => `- ${t.name} ${t.version}`));
  if (added.length + changed.length + removed.length === 0) lines.push("", "No tool changes since the previous release.");
  if (input.previousTag && input.repositoryUrl) {
    lines.push("", `[${version}]: ${input.repositoryUrl}/compare/${input.previousTag}...v${version}`);
  }
  return `${lines.join("\n")}\n`;
}
