// The release side of the Pulumi program (`opencode-cloud:mode` = release). index.ts calls releaseProgram(); it
// composes: settings + CI context -> tag plan, labels -> registry checks -> resources -> outputs.
//
// Roles (stack config, README "Releases"):
//   build  one platform on its native runner, pushed by digest to every registry that answers;
//   merge  the tags: one Index per tag per registry over the build jobs' digests;
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
import { COMMIT_TIME_ENV, PLATFORM_DIGESTS_ENV, RELEASE_TAGS_ENV, parsePlatformDigests, readCiContext, type PlatformDigests } from "./context.js";
import { defaultGateway, type RegistryGateway } from "./gateway.js";
import { annotations, imageLabels, type BuildMetadata } from "./labels.js";
import { checkImmutableTag, selectRegistries, type RegistryCheck } from "./publish.js";
import { computeTags, type TagPlan } from "./tags.js";

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
    buildArgs: { [COMMIT_TIME_ENV]: String(ctx.commitEpoch) },
    freshBase: settings.freshBase,
    push: settings.push,
  };
  for (const { tag, reason } of plan.withheld) pulumi.log.info(`tag ${tag} withheld: ${reason}`);

  const gateway = live ? (deps.gateway ?? defaultGateway(settings)) : undefined;
  const sources = settings.role === "merge" ? parsePlatformDigests(env[PLATFORM_DIGESTS_ENV]) : undefined;
  const checks = await checkRegistries(settings, plan, gateway, sources);
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
    const indexDigests: Partial<Record<RegistryKey, pulumi.Output<string>>> = {};
    const refs: Partial<Record<RegistryKey, pulumi.Output<string>[]>> = {};
    for (const target of targets) {
      const platformSources = Object.fromEntries(settings.platforms.map((p) => [p, sources![target.key]![p]!]));
      const index = new RegistryIndex(`release-${target.key}`, { target, tags: plan.tags, sources: platformSources, push: settings.push });
      indexDigests[target.key] = index.refs[plan.tags[0]!]!.apply(digestOf);
      refs[target.key] = Object.values(index.refs);
    }
    return { ...common, digests: perRegistry(targets, (key) => sources![key]!), indexDigests, refs, published: published(targets, indexDigests) };
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
