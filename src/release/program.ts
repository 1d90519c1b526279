// The release side of the Pulumi program (`opencode-cloud:mode` = release). index.ts calls releaseProgram(); it
// composes: settings + CI context -> tag plan, labels -> registry checks -> resources -> outputs.
//
// Roles (stack config, README "Releases"):
//   build  one platform on its native runner, pushed by digest to every registry that answers;
//   merge  the tags, in two steps: first one Index per registry under the sha- tag only, over exactly the digests
//          the gates tested (each platform manifest checked: os/arch and the commit that built it); the sign job
//          signs it; then, with OPENCODE_CLOUD_SIGNED_INDEXES set, the release tags move to that signed index;
//   all    the QEMU fallback: one multi-platform build pushed with every tag.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import * as pulumi from "@pulumi/pulumi";

import { ConfigError } from "../config/errors.js";
import { readReleaseSettings } from "../config/read.js";
import { missingCredentials, type RegistryKey, type ReleaseSettings } from "../config/release.js";
import type { Platform } from "../facts.js";
import {
  MultiPlatformImage,
  PlatformImage,
  RegistryIndex,
  arch,
  cachePlan,
  digestOf,
  type BuildSource,
  type PublishTarget,
} from "../image/release.js";
import {
  COMMIT_TIME_ENV,
  PLATFORM_DIGESTS_ENV,
  RELEASE_TAGS_ENV,
  SIGNED_INDEXES_ENV,
  VERIFIED_DIGESTS_ENV,
  parsePlatformDigests,
  parseSignedIndexes,
  parseVerifiedDigests,
  readCiContext,
  type PlatformDigests,
} from "./context.js";
import { defaultGateway, type RegistryGateway } from "./gateway.js";
import { checkHandOff, checkMovedTag, checkPlatformConfig, checkSignedCandidate } from "./handoff.js";
import { annotations, imageLabels, type BuildMetadata } from "./labels.js";
import { checkImmutableTag, selectRegistries, type RegistryCheck } from "./publish.js";
import { computeTags, shaTag, type TagPlan } from "./tags.js";

export interface ReleaseDeps {
  /** Reads the registries (reachability, what a tag points at). */
  readonly gateway?: RegistryGateway;
  /** Settings instead of the stack config (tests). */
  readonly settings?: ReleaseSettings;
  /** Whether this run only previews (default: the Pulumi engine's answer). */
  readonly dryRun?: boolean;
}

export async function releaseProgram(env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  return runRelease(env, {});
}

export async function runRelease(env: NodeJS.ProcessEnv, deps: ReleaseDeps): Promise<Record<string, unknown>> {
  const settings = deps.settings ?? readReleaseSettings(env);
  const ctx = readCiContext(env);
  if (ctx.ref.startsWith("refs/tags/") && ctx.existingTags === undefined) {
    throw new ConfigError(RELEASE_TAGS_ENV, "is not set for a tag build", "the repository's tags, `git tag --list 'v*'` (it decides which rolling tags move)");
  }
  const plan = computeTags({ ref: ctx.ref, sha: ctx.sha, existingTags: ctx.existingTags ?? [], defaultBranch: settings.defaultBranch });
  const dryRun = deps.dryRun ?? pulumi.runtime.isDryRun();
  // Only an update that pushes talks to the registries; a preview builds and checks nothing remote.
  const live = settings.push && !dryRun;
  if (live && plan.kind === "preview") {
    throw new ConfigError("GITHUB_REF", `"${ctx.ref}" is a pull request, which never pushes`, "run `pulumi preview`, or set opencode-cloud:releasePush false");
  }
  if (live) {
    for (const registry of settings.registries) {
      if (!settings.credentials[registry.key]) throw missingCredentials(registry.key);
    }
  }

  const meta: BuildMetadata = {
    revision: ctx.sha,
    version: plan.version,
    refName: plan.refName,
    commitEpoch: ctx.commitEpoch,
    sourceUrl: ctx.sourceUrl,
    runUrl: ctx.runUrl,
    builder: builderVersion(),
  };
  const source: BuildSource = {
    context: settings.context,
    dockerfile: settings.dockerfile,
    labels: imageLabels(meta),
    annotations: settings.role === "all" ? { ...annotations(meta, "manifest"), ...annotations(meta, "index") } : annotations(meta, "manifest"),
    buildArgs: { ...settings.buildArgs, [COMMIT_TIME_ENV]: String(ctx.commitEpoch) },
    freshBase: settings.freshBase,
    push: settings.push,
  };
  for (const { tag, reason } of plan.withheld) pulumi.log.info(`tag ${tag} withheld: ${reason}`);

  const gateway = live ? (deps.gateway ?? defaultGateway(settings)) : undefined;
  if (settings.role === "merge" && env[SIGNED_INDEXES_ENV] !== undefined) {
    return promote(settings, plan, gateway, parseSignedIndexes(env[SIGNED_INDEXES_ENV]), shaTag(ctx.sha));
  }
  const sources = settings.role === "merge" ? parsePlatformDigests(env[PLATFORM_DIGESTS_ENV]) : undefined;
  // Only digests the gates tested are tagged (a preview without the verify jobs' output checks nothing).
  if (sources && (live || env[VERIFIED_DIGESTS_ENV] !== undefined)) {
    checkHandOff(sources, parseVerifiedDigests(env[VERIFIED_DIGESTS_ENV]), settings.platforms);
  }
  const checks = await checkRegistries(settings, plan, gateway, sources, ctx.sha);
  const selection = selectRegistries(checks);
  for (const warning of selection.warnings) pulumi.log.warn(warning);
  const targets: PublishTarget[] = settings.registries
    .filter((r) => selection.registries.includes(r.key))
    .map((r) => ({ ...r, ...(settings.credentials[r.key] ? { credentials: settings.credentials[r.key] } : {}) }));
  // The caches live in the first registry taking part (Docker Hub unless it was left out).
  const primary = (targets[0] ?? settings.registries[0]!).image;
  const writeCache = plan.kind === "edge";

  const common = {
    role: settings.role,
    version: plan.version,
    tags: plan.tags,
    registries: selection.registries,
    images: perRegistry(targets, (key) => imageOf(targets, key)),
    warnings: selection.warnings,
  };

  if (settings.role === "build") {
    const platform = settings.platforms[0]!;
    const image = new PlatformImage(`release-${arch(platform)}`, {
      platform,
      source,
      cache: cachePlan(primary, settings.cacheTag, arch(platform), writeCache),
      targets,
    });
    return {
      ...common,
      platform,
      digests: perRegistry(targets, () => ({ [platform]: image.digest })),
      // `image@digest` per registry, for the gates (smoke test, trivy, dive) before anything is tagged.
      refs: perRegistry(targets, (key) => image.digest.apply((d) => `${imageOf(targets, key)}@${d}`)),
    };
  }

  if (settings.role === "merge") {
    // The candidate: the index under its sha- tag only. The release tags move after it is signed (promote).
    const candidate = shaTag(ctx.sha);
    const indexDigests: Partial<Record<RegistryKey, pulumi.Output<string>>> = {};
    const refs: Partial<Record<RegistryKey, pulumi.Output<string>[]>> = {};
    for (const target of targets) {
      const platformSources = Object.fromEntries(settings.platforms.map((p) => [p, sources![target.key]![p]!]));
      const index = new RegistryIndex(`release-${target.key}`, { target, tags: [candidate], sources: platformSources, push: settings.push });
      indexDigests[target.key] = index.refs[candidate]!.apply(digestOf);
      refs[target.key] = Object.values(index.refs);
    }
    return {
      ...common,
      stage: "candidate",
      candidateTag: candidate,
      digests: perRegistry(targets, (key) => sources![key]!),
      indexDigests,
      refs,
      published: published(targets, indexDigests),
    };
  }

  const image = new MultiPlatformImage("release-multi", {
    platforms: settings.platforms,
    source,
    cache: cachePlan(primary, settings.cacheTag, "multi", writeCache),
    targets,
    tags: plan.tags,
  });
  const indexDigests = perRegistry(targets, () => image.digest);
  return { ...common, indexDigests, published: published(targets, indexDigests) };
}

/**
 * What each registry says before anything is pushed: unreachable registries and (merge) registries missing a
 * platform's digest become problems (selectRegistries keeps the rest); an immutable tag already pointing at other
 * manifests stops the release.
 */
async function checkRegistries(
  settings: ReleaseSettings,
  plan: TagPlan,
  gateway: RegistryGateway | undefined,
  sources: PlatformDigests | undefined,
  sha: string,
): Promise<RegistryCheck[]> {
  const checks: RegistryCheck[] = [];
  for (const target of settings.registries) {
    if (sources) {
      const missing = settings.platforms.filter((p) => sources[target.key]?.[p] === undefined);
      if (missing.length > 0) {
        checks.push({ registry: target.key, problem: `the build jobs pushed no ${missing.join(", ")} image to it` });
        continue;
      }
    }
    if (!gateway) {
      checks.push({ registry: target.key });
      continue;
    }
    const problem = await gateway.check(target, settings.credentials[target.key]);
    if (problem !== undefined) {
      checks.push({ registry: target.key, problem });
      continue;
    }
    if (settings.role !== "build") {
      const credentials = settings.credentials[target.key];
      let ours: Partial<Record<Platform, string>> | undefined;
      if (sources) {
        // What this release would publish, as manifests: each build job's digest resolved in this registry.
        ours = {};
        for (const platform of settings.platforms) {
          const resolved = await gateway.platformManifests(target, sources[target.key]![platform]!, credentials, platform);
          ours[platform] = resolved?.[platform];
        }
        const absent = settings.platforms.filter((p) => ours![p] === undefined);
        if (absent.length > 0) {
          checks.push({ registry: target.key, problem: `its ${absent.join(", ")} image from the build jobs is not there` });
          continue;
        }
        // Each platform image says what it is and which commit built it: a digest from elsewhere stops the release.
        for (const platform of settings.platforms) {
          const digest = sources[target.key]![platform]!;
          checkPlatformConfig(`${target.image}@${digest}`, platform, await gateway.platformConfig(target, digest, credentials, platform), sha);
        }
      }
      for (const tag of plan.immutable) {
        const existing = await gateway.platformManifests(target, tag, credentials);
        checkImmutableTag(`${target.image}:${tag}`, existing, ours);
      }
    }
    checks.push({ registry: target.key });
  }
  return checks;
}

/**
 * The promote step of the merge role: the release tags (every tag of the plan but the sha- one) move to exactly the
 * index each registry holds under the sha- tag, which the sign job signed. Live, each registry is checked first: the
 * signed digest is there, a signature is attached (a sha- tag re-pointed since is a warning), and an exact version is
 * never overwritten; after the push, every tag must name the signed digest itself.
 */
async function promote(
  settings: ReleaseSettings,
  plan: TagPlan,
  gateway: RegistryGateway | undefined,
  signed: Partial<Record<RegistryKey, string>>,
  candidate: string,
): Promise<Record<string, unknown>> {
  const checks: RegistryCheck[] = [];
  for (const target of settings.registries) {
    const digest = signed[target.key];
    if (digest === undefined) {
      checks.push({ registry: target.key, problem: "the merge step published no signed index to it" });
      continue;
    }
    if (gateway) {
      const credentials = settings.credentials[target.key];
      const problem = await gateway.check(target, credentials);
      if (problem !== undefined) {
        checks.push({ registry: target.key, problem });
        continue;
      }
      const present = (await gateway.digest(target, digest, credentials)) === digest;
      const current = await gateway.digest(target, candidate, credentials);
      const moved = checkSignedCandidate(`${target.image}:${candidate}`, digest, present, await gateway.isSigned(target, digest, credentials), current);
      if (moved !== undefined) pulumi.log.warn(moved);
      const ours = await gateway.platformManifests(target, digest, credentials);
      for (const tag of plan.immutable) checkImmutableTag(`${target.image}:${tag}`, await gateway.platformManifests(target, tag, credentials), ours);
    }
    checks.push({ registry: target.key });
  }
  const selection = selectRegistries(checks);
  for (const warning of selection.warnings) pulumi.log.warn(warning);
  const targets: PublishTarget[] = settings.registries
    .filter((r) => selection.registries.includes(r.key))
    .map((r) => ({ ...r, ...(settings.credentials[r.key] ? { credentials: settings.credentials[r.key] } : {}) }));
  const tags = plan.tags.filter((t) => t !== candidate);
  const indexDigests: Partial<Record<RegistryKey, pulumi.Output<string>>> = {};
  const refs: Partial<Record<RegistryKey, pulumi.Output<string>[]>> = {};
  for (const target of targets) {
    const digest = signed[target.key]!;
    const index = new RegistryIndex(`release-${target.key}`, { target, tags, sources: { index: digest }, push: settings.push });
    const moved = Object.values(index.refs).map((ref) => ref.apply((r) => checkMovedTag(r, digest, digestOf(r))));
    indexDigests[target.key] = pulumi.all(moved).apply(() => digest);
    refs[target.key] = Object.values(index.refs);
  }
  return {
    role: settings.role,
    stage: "promote",
    version: plan.version,
    tags: plan.tags,
    registries: selection.registries,
    images: perRegistry(targets, (key) => imageOf(targets, key)),
    warnings: selection.warnings,
    indexDigests,
    refs,
    published: published(targets, indexDigests),
  };
}

function perRegistry<T>(targets: readonly PublishTarget[], value: (key: RegistryKey) => T): Partial<Record<RegistryKey, T>> {
  return Object.fromEntries(targets.map((t) => [t.key, value(t.key)]));
}

const imageOf = (targets: readonly PublishTarget[], key: RegistryKey): string => targets.find((t) => t.key === key)!.image;

/** `image@index digest` per published registry, Docker Hub first: what gets signed and attested. */
function published(targets: readonly PublishTarget[], digests: Partial<Record<RegistryKey, pulumi.Output<string>>>): pulumi.Output<string[]> {
  return pulumi.all(targets.map((t) => digests[t.key]!.apply((d) => `${t.image}@${d}`)));
}

/** `pulumi-docker-build/<version>`: the builder, from the installed provider SDK (the lockfile pins it). */
function builderVersion(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve("@pulumi/docker-build");
  const pkg = JSON.parse(readFileSync(main.replace(/index\.js$/, "package.json"), "utf8")) as { version: string };
  return `pulumi-docker-build/${pkg.version}`;
}
