// The release rehearsal (`npm run release:local`), pure: what publish.yml does on a tag, planned for this machine's
// loopback "Docker Hub" and "GHCR". Given the commit, the registries and what each step answered, it says which
// stack runs with which config and environment, what each job hands to the next (the same checks the workflow's
// shell steps make), and whether every tag came out as one index over every platform in every registry.
// scripts/release-local.ts runs the plan (the Pulumi CLI, cosign, the registry API) and prints it.

import { ConfigError } from "../config/errors.js";
import { REGISTRY_KEYS, type RegistryKey } from "../config/release.js";
import { CI_ENV, PLATFORMS, type Platform, type Toolset } from "../facts.js";
import { DIGEST_RE } from "../oci/reference.js";
import { COMMIT_TIME_ENV, PLATFORM_DIGESTS_ENV, RELEASE_TAGS_ENV, SIGNED_INDEXES_ENV, VERIFIED_DIGESTS_ENV, type PlatformDigests } from "./context.js";
import { arch } from "../image/release.js";
import { PublishError } from "./publish.js";
import { computeTags, type TagPlan } from "./tags.js";

/** The release stacks publish.yml runs, by job. */
export const REHEARSAL_STACKS = { build: { "linux/amd64": "release-amd64", "linux/arm64": "release-arm64" }, merge: "release" } as const;

/** The repository GitHub would name; labels and the run address derive from it, as in a real run. */
export const REHEARSAL_REPOSITORY = "pRizz/opencode-cloud";
export const REHEARSAL_SERVER = "https://github.com";

export interface RehearsalInput {
  /** The commit (`git rev-parse HEAD`) and its time (`git log -1 --format=%ct`). */
  readonly sha: string;
  readonly commitEpoch: number;
  /** The tag ref to rehearse; default: a throwaway pre-release of this commit (see rehearsalRef). */
  readonly ref?: string;
  /** The repository's `v*` tags, as publish.yml passes them (they decide the rolling tags). */
  readonly existingTags: readonly string[];
  /** The workflow run id; the same id gives the same labels (a re-run of one run), another id another label. */
  readonly runId: string;
  /** The platforms to build; the merge publishes exactly these. */
  readonly platforms: readonly Platform[];
  /** `host:port` of each loopback registry, and the repository path in both. */
  readonly registries: Readonly<Record<RegistryKey, string>>;
  readonly repository: string;
  /** Build args per platform (the base image differs: an imported base has one architecture). */
  readonly buildArgs: Readonly<Record<Platform, Readonly<Record<string, string>>>>;
}

/** The toolset a rehearsal builds: the runtime layer (the full toolset downloads every manifest tool). */
export const REHEARSAL_TOOLSET: Toolset = "runtime";

/**
 * Build args per platform: the local Debian base of that architecture as scripts/ci-env.sh pushes it to the loopback
 * Docker Hub (`registry`): the rehearsal's container builder pulls bases from a registry, not the engine's images.
 */
export function rehearsalBuildArgs(registry: string): Record<Platform, Record<string, string>> {
  const base: Record<Platform, string> = { "linux/amd64": CI_ENV.baseImage, "linux/arm64": CI_ENV.baseImageArm64 };
  const args = (p: Platform): Record<string, string> => ({ BASE_IMAGE: `${registry}/${base[p]}`, TOOLSET: REHEARSAL_TOOLSET });
  return { "linux/amd64": args("linux/amd64"), "linux/arm64": args("linux/arm64") };
}

/**
 * The default ref: `v0.0.0-rehearsal.<commit time>`, a pre-release (never a rolling tag, never `latest`) that is
 * the same for every rehearsal of one commit, so a re-run publishes the same tags.
 */
export function rehearsalRef(commitEpoch: number): string {
  return `refs/tags/v0.0.0-rehearsal.${commitEpoch}`;
}

export interface RehearsalJob {
  /** build-amd64, build-arm64, candidate, promote. */
  readonly id: string;
  /** The committed stack whose config the job starts from (stacks/Pulumi.<stack>.yaml). */
  readonly stack: string;
  /** Config keys set over the committed stack's (loopback images, build args, platforms). */
  readonly config: Readonly<Record<string, string>>;
}

/** The environment every job gets, as GitHub Actions and publish.yml's setup step set it (no secrets). */
export function githubEnv(input: RehearsalInput): Record<string, string> {
  return {
    GITHUB_REF: input.ref ?? rehearsalRef(input.commitEpoch),
    GITHUB_SHA: input.sha,
    GITHUB_SERVER_URL: REHEARSAL_SERVER,
    GITHUB_REPOSITORY: REHEARSAL_REPOSITORY,
    GITHUB_RUN_ID: input.runId,
    [COMMIT_TIME_ENV]: String(input.commitEpoch),
    [RELEASE_TAGS_ENV]: input.existingTags.join("\n"),
  };
}

/** The push credentials as the workflow hands them to the pulumi steps (GitHub secrets as environment). */
export function credentialsEnv(username: string, password: string): Record<string, string> {
  return { DOCKERHUB_USERNAME: username, DOCKERHUB_TOKEN: password, GHCR_USERNAME: username, GHCR_TOKEN: password };
}

/** The tags publish.yml would publish for this ref (a tag ref the tag plan refuses throws its ConfigError). */
export function rehearsalTags(input: RehearsalInput): TagPlan {
  const ref = input.ref ?? rehearsalRef(input.commitEpoch);
  if (!ref.startsWith("refs/tags/")) throw new ConfigError("--ref", `"${ref}" is not a tag ref`, "refs/tags/vX.Y.Z[-PRE]: a rehearsal rehearses a release");
  return computeTags({ ref, sha: input.sha, existingTags: input.existingTags, defaultBranch: "main" });
}

function loopbackImages(input: RehearsalInput): Record<string, string> {
  return {
    "opencode-cloud:releaseDockerHubImage": `${input.registries.dockerHub}/${input.repository}`,
    "opencode-cloud:releaseGhcrImage": `${input.registries.ghcr}/${input.repository}`,
  };
}

/** The jobs in publish.yml's order: one build per platform, then the merge stack's candidate and promote runs. */
export function rehearsalJobs(input: RehearsalInput): RehearsalJob[] {
  if (input.platforms.length === 0) throw new ConfigError("--platforms", "is empty", PLATFORMS.join(","));
  const images = loopbackImages(input);
  const builds = input.platforms.map((platform) => ({
    id: `build-${arch(platform)}`,
    stack: REHEARSAL_STACKS.build[platform],
    config: { ...images, "opencode-cloud:releaseBuildArgs": JSON.stringify(input.buildArgs[platform]) },
  }));
  const merge = { ...images, "opencode-cloud:releasePlatforms": input.platforms.join(",") };
  return [...builds, { id: "candidate", stack: REHEARSAL_STACKS.merge, config: merge }, { id: "promote", stack: REHEARSAL_STACKS.merge, config: merge }];
}

/**
 * A build job's hand-off, as publish.yml's "Digests of <platform>" step checks it: `digests` names only this platform
 * in every registry, one sha256 digest everywhere. Returns the digests (registry -> platform -> digest) and the digest.
 */
export function buildHandOff(outputs: Readonly<Record<string, unknown>>, platform: Platform): { digests: PlatformDigests; digest: string } {
  const digests = outputs["digests"];
  if (typeof digests !== "object" || digests === null || Object.keys(digests).length === 0) {
    throw new PublishError(`build ${platform}: the stack output "digests" is missing or empty`);
  }
  const found = new Set<string>();
  const result: PlatformDigests = {};
  for (const [registry, byPlatform] of Object.entries(digests as Record<string, unknown>)) {
    if (!(REGISTRY_KEYS as readonly string[]).includes(registry)) throw new PublishError(`build ${platform}: digests names an unknown registry "${registry}"`);
    const entries = typeof byPlatform === "object" && byPlatform !== null ? Object.entries(byPlatform) : [];
    const digest = entries.length === 1 && entries[0]![0] === platform ? entries[0]![1] : undefined;
    if (typeof digest !== "string" || !DIGEST_RE.test(digest)) {
      throw new PublishError(`build ${platform}: ${registry} reported ${JSON.stringify(byPlatform)}, not one sha256 digest for ${platform}`);
    }
    found.add(digest);
    result[registry as RegistryKey] = { [platform]: digest };
  }
  if (found.size !== 1) throw new PublishError(`build ${platform}: the registries hold different digests (${[...found].join(", ")})`);
  return { digests: result, digest: [...found][0]! };
}

/**
 * The candidate job's environment: the build jobs' digests merged (jq's `$a * $b`) and the verified digests. The
 * rehearsal runs no gates (they are the security-tools tier's): the verified digest of a platform is the one its
 * build job reported, which is what the verify job hands on when every gate passes.
 */
export function candidateEnv(builds: readonly { digests: PlatformDigests; digest: string; platform: Platform }[]): Record<string, string> {
  const merged: Record<string, Record<string, string>> = {};
  for (const { digests } of builds) {
    for (const [registry, byPlatform] of Object.entries(digests)) merged[registry] = { ...merged[registry], ...byPlatform };
  }
  return {
    [PLATFORM_DIGESTS_ENV]: JSON.stringify(merged),
    [VERIFIED_DIGESTS_ENV]: JSON.stringify(Object.fromEntries(builds.map((b) => [b.platform, b.digest]))),
  };
}

/** The candidate's `indexDigests` output, checked: a sha256 digest per registry that took part. */
export function candidateIndexes(outputs: Readonly<Record<string, unknown>>): Partial<Record<RegistryKey, string>> {
  const digests = outputs["indexDigests"];
  const result: Partial<Record<RegistryKey, string>> = {};
  for (const [registry, digest] of Object.entries(typeof digests === "object" && digests !== null ? digests : {})) {
    if (!(REGISTRY_KEYS as readonly string[]).includes(registry) || typeof digest !== "string" || !DIGEST_RE.test(digest)) {
      throw new PublishError(`candidate: indexDigests ${JSON.stringify(digests)} is not a sha256 digest per registry`);
    }
    result[registry as RegistryKey] = digest;
  }
  if (Object.keys(result).length === 0) throw new PublishError("candidate: no index was published (indexDigests is empty)");
  return result;
}

/** The promote job's environment: the indexes the sign step signed. */
export function promoteEnv(signed: Partial<Record<RegistryKey, string>>): Record<string, string> {
  return { [SIGNED_INDEXES_ENV]: JSON.stringify(signed) };
}

export type SigningPlan = { readonly mode: "key"; readonly cosign: string } | { readonly mode: "skipped"; readonly reason: string };

/**
 * Key-mode signing when a cosign binary is at hand (keyless needs Fulcio and an OIDC token, not reachable here);
 * otherwise the step is skipped and said so: the promote then must refuse the unsigned index.
 */
export function signingPlan(cosign: string | undefined, searched: string): SigningPlan {
  return cosign
    ? { mode: "key", cosign }
    : { mode: "skipped", reason: `no cosign binary (looked in ${searched}; build it with scripts/ci-env/build-tools.sh or set COSIGN)` };
}

/** What one tag reads back as over the distribution API. */
export interface ReadBack {
  readonly mediaType: string;
  readonly digest: string;
  /** Platform -> manifest digest (index entries); undefined when the tag is missing. */
  readonly platforms: Readonly<Partial<Record<Platform, string>>>;
}

const INDEX_TYPES = ["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"];

/**
 * Every tag in every registry: an index, holding each platform's verified digest, and (per registry) one digest for
 * every tag: the signed index the promote moved them to. Returns the problems (empty: the release is complete).
 */
export function checkReadBack(
  registries: readonly RegistryKey[],
  tags: readonly string[],
  found: Readonly<Partial<Record<RegistryKey, Readonly<Record<string, ReadBack | undefined>>>>>,
  verified: Readonly<Partial<Record<Platform, string>>>,
  signed: Readonly<Partial<Record<RegistryKey, string>>>,
): string[] {
  const problems: string[] = [];
  for (const registry of registries) {
    for (const tag of tags) {
      const got = found[registry]?.[tag];
      const where = `${registry} :${tag}`;
      if (got === undefined) {
        problems.push(`${where} is missing`);
        continue;
      }
      if (!INDEX_TYPES.includes(got.mediaType)) problems.push(`${where} is a ${got.mediaType}, not an index`);
      for (const [platform, digest] of Object.entries(verified)) {
        if (got.platforms[platform as Platform] !== digest) problems.push(`${where} holds ${platform} ${got.platforms[platform as Platform] ?? "(none)"}, not ${digest}`);
      }
      if (signed[registry] !== undefined && got.digest !== signed[registry]) problems.push(`${where} is ${got.digest}, not the signed index ${signed[registry]}`);
    }
  }
  return problems;
}

/** `1m 23.4s` / `4.2s`. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${(seconds - minutes * 60).toFixed(1).padStart(4, "0")}s`;
}

/** Parses `--platforms linux/amd64,linux/arm64` (or `amd64,arm64`). */
export function parsePlatforms(value: string): Platform[] {
  const allowed = `a comma-separated list of ${PLATFORMS.join(", ")} (or their architectures)`;
  const listed = value.split(",").map((p) => p.trim()).filter((p) => p !== "").map((p) => (p.includes("/") ? p : `linux/${p}`));
  if (listed.length === 0 || new Set(listed).size !== listed.length) throw new ConfigError("--platforms", `"${value}" is not a list of distinct platforms`, allowed);
  for (const p of listed) if (!(PLATFORMS as readonly string[]).includes(p)) throw new ConfigError("--platforms", `"${p}" is not a platform`, allowed);
  return PLATFORMS.filter((p) => listed.includes(p));
}

/** Parses `--registry ghcr=127.0.0.1:5999`: a stand-in pointed elsewhere (a dead port plays a registry that is down). */
export function parseRegistryOverride(value: string): Partial<Record<RegistryKey, string>> {
  const allowed = `${REGISTRY_KEYS.join("|")}=HOST:PORT`;
  const [key, address] = value.split("=", 2);
  if (!(REGISTRY_KEYS as readonly string[]).includes(key ?? "") || !/^[\w.-]+:\d{1,5}$/.test(address ?? "")) {
    throw new ConfigError("--registry", `"${value}" is not valid`, allowed);
  }
  return { [key as RegistryKey]: address! };
}
