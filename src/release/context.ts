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
/** JSON `{ platform: digest }`: the digests the verify jobs tested (their job outputs); required by the merge role. */
export const VERIFIED_DIGESTS_ENV = "OPENCODE_CLOUD_VERIFIED_DIGESTS";
/**
 * JSON `{ registry: index digest }`: the indexes the merge role published under their sha- tag and the sign job signed.
 * Set only for the promote step of the merge role, which moves the release tags to exactly these digests.
 */
export const SIGNED_INDEXES_ENV = "OPENCODE_CLOUD_SIGNED_INDEXES";
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

/** Parses a JSON object variable; unset, blank, non-JSON or a non-object is a ConfigError naming it. */
function jsonObject(name: string, value: string | undefined, allowed: string): Record<string, unknown> {
  if (value === undefined || value.trim() === "") throw new ConfigError(name, "is not set", allowed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(name, "is not JSON", allowed);
  }
  if (!isRecord(parsed)) throw new ConfigError(name, "is not an object", allowed);
  return parsed;
}

/** `{ key: digest }` with keys from `keys`; every value a sha256 digest. */
function digestMap<K extends string>(
  name: string,
  entries: Record<string, unknown>,
  keys: readonly K[],
  what: string,
  allowed: string,
  prefix = "",
): Partial<Record<K, string>> {
  const result: Partial<Record<K, string>> = {};
  for (const [key, digest] of Object.entries(entries)) {
    if (!(keys as readonly string[]).includes(key)) throw new ConfigError(name, `${prefix}names an unknown ${what} "${key}"`, allowed);
    if (typeof digest !== "string" || !DIGEST_RE.test(digest)) throw new ConfigError(name, `${prefix}${key}: ${JSON.stringify(digest)} is not a digest`, allowed);
    result[key as K] = digest;
  }
  return result;
}

/** Parses the per-platform digests the build jobs reported; every entry must be a known registry, platform, digest. */
export function parsePlatformDigests(value: string | undefined): PlatformDigests {
  const allowed = `JSON {"dockerHub"|"ghcr": {"${PLATFORMS.join('"|"')}": "sha256:<64 hex>"}}, the build jobs' digests output merged`;
  const result: PlatformDigests = {};
  for (const [registry, platforms] of Object.entries(jsonObject(PLATFORM_DIGESTS_ENV, value, allowed))) {
    if (!(REGISTRY_KEYS as readonly string[]).includes(registry)) {
      throw new ConfigError(PLATFORM_DIGESTS_ENV, `names an unknown registry "${registry}"`, allowed);
    }
    if (!isRecord(platforms)) throw new ConfigError(PLATFORM_DIGESTS_ENV, `${registry} is not an object`, allowed);
    result[registry as RegistryKey] = digestMap(PLATFORM_DIGESTS_ENV, platforms, PLATFORMS, "platform", allowed, `${registry} `);
  }
  return result;
}

/** Parses the verify jobs' digests: `{ platform: digest }`. */
export function parseVerifiedDigests(value: string | undefined): Partial<Record<Platform, string>> {
  const allowed = `JSON {"${PLATFORMS.join('"|"')}": "sha256:<64 hex>"}, the verify jobs' verified-<arch> outputs`;
  return digestMap(VERIFIED_DIGESTS_ENV, jsonObject(VERIFIED_DIGESTS_ENV, value, allowed), PLATFORMS, "platform", allowed);
}

/** Parses the signed index digests: `{ registry: digest }`; at least one. */
export function parseSignedIndexes(value: string | undefined): Partial<Record<RegistryKey, string>> {
  const allowed = `JSON {"${REGISTRY_KEYS.join('"|"')}": "sha256:<64 hex>"}, the merge job's index digests that the sign job signed`;
  const result = digestMap(SIGNED_INDEXES_ENV, jsonObject(SIGNED_INDEXES_ENV, value, allowed), REGISTRY_KEYS, "registry", allowed);
  if (Object.keys(result).length === 0) throw new ConfigError(SIGNED_INDEXES_ENV, "names no registry", allowed);
  return result;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
