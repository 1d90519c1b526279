// The CI context a release build reads from its environment, as GitHub Actions sets it (plus two variables the
// workflows add). Pure: takes the env object, returns typed values or a ConfigError naming the variable.

import { ConfigError, ConfigErrors } from "../config/errors.js";
import { PLATFORMS, type Platform } from "../facts.js";
import { DIGEST_RE } from "../oci/reference.js";
import { REGISTRY_KEYS, type RegistryKey } from "../config/release.js";

/** Newline- or space-separated `git tag --list 'v*'`; required for tag builds (it decides the rolling tags). */
export const RELEASE_TAGS_ENV = "OPENCODE_CLOUD_RELEASE_TAGS";
/** JSON `{ registry: { platform: digest } }` from the per-platform build jobs; required by the merge role. */
export const PLATFORM_DIGESTS_ENV = "OPENCODE_CLOUD_PLATFORM_DIGESTS";
/** The commit time (`git log -1 --format=%ct`), the reproducible-builds variable buildx also honours. */
export const COMMIT_TIME_ENV = "SOURCE_DATE_EPOCH";

export interface CiContext {
  readonly ref: string;
  readonly sha: string;
  readonly commitEpoch: number;
  readonly sourceUrl: string;
  /** The run's address without the attempt, so a retried run labels its image the same way. */
  readonly runUrl: string;
  /** Undefined when the variable is unset (only tag builds require it). */
  readonly existingTags: readonly string[] | undefined;
}

export type PlatformDigests = Partial<Record<RegistryKey, Partial<Record<Platform, string>>>>;

export function readCiContext(env: NodeJS.ProcessEnv): CiContext {
  const errors: ConfigError[] = [];
  const need = (name: string, allowed: string, re?: RegExp): string => {
    const value = env[name];
    if (value === undefined || value === "") errors.push(new ConfigError(name, "is not set", allowed));
    else if (re && !re.test(value)) errors.push(new ConfigError(name, `"${value}" is not valid`, allowed));
    return value ?? "";
  };
  const ref = need("GITHUB_REF", "the git ref, as GitHub Actions sets it (refs/tags/v1.2.3, refs/heads/main)");
  const sha = need("GITHUB_SHA", "40 lowercase hex digits", /^[0-9a-f]{40}$/);
  const epoch = need(COMMIT_TIME_ENV, "the commit time in seconds since the epoch: git log -1 --format=%ct", /^\d{1,12}$/);
  const server = need("GITHUB_SERVER_URL", "https://github.com (set by GitHub Actions)", /^https:\/\/[^/\s]+$/);
  const repository = need("GITHUB_REPOSITORY", "owner/name (set by GitHub Actions)", /^[\w.-]+\/[\w.-]+$/);
  const runId = need("GITHUB_RUN_ID", "the workflow run id (set by GitHub Actions)", /^\d+$/);
  if (errors.length > 0) throw new ConfigErrors(errors);

  const tags = env[RELEASE_TAGS_ENV];
  return {
    ref,
    sha,
    commitEpoch: Number(epoch),
    sourceUrl: `${server}/${repository}`,
    runUrl: `${server}/${repository}/actions/runs/${runId}`,
    existingTags: tags === undefined ? undefined : tags.split(/\s+/).filter((t) => t !== ""),
  };
}

/** Parses the per-platform digests the build jobs reported; every entry must be a known registry, platform, digest. */
export function parsePlatformDigests(value: string | undefined): PlatformDigests {
  const allowed = `JSON {"dockerHub"|"ghcr": {"${PLATFORMS.join('"|"')}": "sha256:<64 hex>"}}, the build jobs' digests output merged`;
  if (value === undefined || value.trim() === "") throw new ConfigError(PLATFORM_DIGESTS_ENV, "is not set", allowed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(PLATFORM_DIGESTS_ENV, "is not JSON", allowed);
  }
  if (!isRecord(parsed)) throw new ConfigError(PLATFORM_DIGESTS_ENV, "is not an object", allowed);
  const result: PlatformDigests = {};
  for (const [registry, platforms] of Object.entries(parsed)) {
    if (!(REGISTRY_KEYS as readonly string[]).includes(registry)) {
      throw new ConfigError(PLATFORM_DIGESTS_ENV, `names an unknown registry "${registry}"`, allowed);
    }
    if (!isRecord(platforms)) throw new ConfigError(PLATFORM_DIGESTS_ENV, `${registry} is not an object`, allowed);
    const entry: Partial<Record<Platform, string>> = {};
    for (const [platform, digest] of Object.entries(platforms)) {
      if (!(PLATFORMS as readonly string[]).includes(platform)) {
        throw new ConfigError(PLATFORM_DIGESTS_ENV, `${registry} names an unknown platform "${platform}"`, allowed);
      }
      if (typeof digest !== "string" || !DIGEST_RE.test(digest)) {
        throw new ConfigError(PLATFORM_DIGESTS_ENV, `${registry} ${platform}: ${JSON.stringify(digest)} is not a digest`, allowed);
      }
      entry[platform as Platform] = digest;
    }
    result[registry as RegistryKey] = entry;
  }
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
