// Which published images the weekly rescan scans: `latest` and the newest stable versions, each pinned by digest
// and scanned per platform. Pure; scripts/rescan-targets.ts resolves the digests.

import { rcompare, type SemVer } from "semver";

import { PLATFORMS, type Platform } from "../facts.js";
import { LATEST_TAG, parseReleaseTag } from "./tags.js";

export interface RescanTarget {
  /** The tag scanned (`latest`, `1.4.2`). */
  readonly tag: string;
  readonly platform: Platform;
}

/** `latest` plus the newest `count` stable versions (pre-releases are not rolling and not rescanned). */
export function rescanTags(gitTags: readonly string[], count: number): string[] {
  const versions = gitTags
    .map(parseReleaseTag)
    .filter((v): v is SemVer => v !== undefined && v.prerelease.length === 0)
    .sort(rcompare)
    .slice(0, count)
    .map((v) => v.version);
  return versions.length === 0 ? [] : [LATEST_TAG, ...versions];
}

/** One scan per tag and platform. */
export function rescanTargets(gitTags: readonly string[], count: number): RescanTarget[] {
  return rescanTags(gitTags, count).flatMap((tag) => PLATFORMS.map((platform) => ({ tag, platform })));
}
