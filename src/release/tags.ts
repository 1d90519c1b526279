// Which image tags a build publishes, computed from the git ref, the commit and the release tags that already exist.
// Pure: no git, no registry, no clock. The rules (README, "Releases"):
//
//   refs/tags/vX.Y.Z (stable)  -> X.Y.Z always; X.Y, X and latest only where no newer stable release already holds
//                                 them, so a hotfix on an older line moves neither `latest` nor a newer line's tags;
//                                 on 0.x there is no `0` tag (every 0.Y minor may break, 0.Y is the line to follow).
//   refs/tags/vX.Y.Z-pre       -> X.Y.Z-pre only (no rolling tag: pre-releases are opt-in by exact version).
//   refs/heads/main            -> edge.
//   refs/pull/N/merge          -> pr-N (previews only: never pushed).
//   every build                -> sha-<first 7 hex of the commit>.
// Anything else (another branch, a tag that is not v + strict semver, build metadata) is a ConfigError naming
// GITHUB_REF and what is allowed: a release pipeline that guesses publishes the wrong thing.

import { SemVer, compare, parse } from "semver";

import { ConfigError } from "../config/errors.js";

export const DEFAULT_BRANCH = "main";
export const EDGE_TAG = "edge";
export const LATEST_TAG = "latest";
const SHA_RE = /^[0-9a-f]{40}$/;
const VERSION_TAG_RE = /^v(\d.*)$/;

export type BuildKind = "release" | "prerelease" | "edge" | "preview";

export interface TagInput {
  /** GITHUB_REF as CI sets it: `refs/tags/v1.2.3`, `refs/heads/main`, `refs/pull/7/merge`. */
  readonly ref: string;
  /** GITHUB_SHA: the full 40-hex commit. */
  readonly sha: string;
  /** Every git tag of the repository (`git tag --list`); tags that are not release versions are ignored. */
  readonly existingTags: readonly string[];
  /** The branch whose builds are `edge`; `main` unless told. */
  readonly defaultBranch?: string;
}

export interface TagPlan {
  readonly kind: BuildKind;
  /** The version the image carries in its labels: `1.2.3`, `1.3.0-rc.1`, `edge`, `pr-7`. */
  readonly version: string;
  /** Tags to publish, most specific first. */
  readonly tags: readonly string[];
  /** Tags that must never move once published (the exact release version); checked against the registry. */
  readonly immutable: readonly string[];
  /** Rolling tags this build deliberately leaves alone, each with why (shown in the release log). */
  readonly withheld: readonly { readonly tag: string; readonly reason: string }[];
  /** The branch or tag name (for labels). */
  readonly refName: string;
}

/** `sha-` and the first 7 hex digits of the commit. */
export function shaTag(sha: string): string {
  if (!SHA_RE.test(sha)) {
    throw new ConfigError("GITHUB_SHA", `"${sha}" is not a commit id`, "40 lowercase hex digits");
  }
  return `sha-${sha.slice(0, 7)}`;
}

/** Parses `vX.Y.Z[-pre]` strictly; undefined for anything else (including build metadata and missing `v`). */
export function parseReleaseTag(tag: string): SemVer | undefined {
  const match = VERSION_TAG_RE.exec(tag);
  if (!match) return undefined;
  const version = parse(match[1]!, { loose: false });
  if (!version || version.build.length > 0 || version.version !== match[1]) return undefined;
  return version;
}

export function computeTags(input: TagInput): TagPlan {
  const sha = shaTag(input.sha);
  const branch = input.defaultBranch ?? DEFAULT_BRANCH;

  if (input.ref.startsWith("refs/tags/")) {
    const name = input.ref.slice("refs/tags/".length);
    const version = parseReleaseTag(name);
    if (!version) {
      throw new ConfigError(
        "GITHUB_REF",
        `git tag "${name}" is not a release version`,
        "v followed by a strict semantic version without build metadata: vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (e.g. v1.4.3, v2.0.0-rc.1)",
      );
    }
    if (version.prerelease.length > 0) {
      return { kind: "prerelease", version: version.version, tags: [version.version, sha], immutable: [version.version], withheld: [], refName: name };
    }
    return stableTags(version, sha, input.existingTags, name);
  }

  if (input.ref === `refs/heads/${branch}`) {
    return { kind: "edge", version: EDGE_TAG, tags: [EDGE_TAG, sha], immutable: [], withheld: [], refName: branch };
  }

  const pr = /^refs\/pull\/(\d+)\/(?:merge|head)$/.exec(input.ref);
  if (pr) {
    const tag = `pr-${pr[1]}`;
    return { kind: "preview", version: tag, tags: [tag, sha], immutable: [], withheld: [], refName: tag };
  }

  throw new ConfigError(
    "GITHUB_REF",
    `"${input.ref}" is not a ref this pipeline builds`,
    `refs/tags/vX.Y.Z[-PRERELEASE] (release), refs/heads/${branch} (edge), refs/pull/N/merge (preview, never pushed)`,
  );
}

function stableTags(version: SemVer, sha: string, existingTags: readonly string[], refName: string): TagPlan {
  const stable = existingTags
    .map(parseReleaseTag)
    .filter((v): v is SemVer => v !== undefined && v.prerelease.length === 0);
  const newer = (inScope: (v: SemVer) => boolean) =>
    stable.filter((v) => inScope(v) && compare(v, version) > 0).sort(compare).at(-1);

  const { major, minor, patch } = version;
  const tags = [`${major}.${minor}.${patch}`];
  const withheld: { tag: string; reason: string }[] = [];
  const rolling = (tag: string, holder: SemVer | undefined) => {
    if (holder) withheld.push({ tag, reason: `${holder.version} is newer and keeps it` });
    else tags.push(tag);
  };

  rolling(`${major}.${minor}`, newer((v) => v.major === major && v.minor === minor));
  if (major === 0) {
    withheld.push({ tag: "0", reason: "0.x has no major tag: every 0.Y minor may break, follow 0.Y instead" });
  } else {
    rolling(`${major}`, newer((v) => v.major === major));
  }
  rolling(LATEST_TAG, newer(() => true));
  tags.push(sha);

  return { kind: "release", version: version.version, tags, immutable: [version.version], withheld, refName };
}
