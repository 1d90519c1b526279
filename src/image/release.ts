// The publish side as Pulumi resources (@pulumi/docker-build):
//  - PlatformImage: one platform built on its own (native) runner, pushed by digest to every selected registry, with
//    a registry cache per architecture plus the GitHub Actions cache;
//  - RegistryIndex: one registry's tags, each an Index over the per-platform digests;
//  - MultiPlatformImage: the QEMU fallback, every platform in one build, pushed with its tags directly.
// Published images are never deleted by Pulumi (retainOnDelete): a stack's state is not the registry's history.

import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";

import type { RegistryCredentials, RegistryKey, RegistryTarget } from "../config/release.js";
import type { Platform } from "../facts.js";
import { isLoopbackAddress } from "../oci/endpoints.js";

export interface BuildSource {
  /** Build context directory and Dockerfile, relative to the project. */
  readonly context: string;
  readonly dockerfile: string;
  /** Image labels (runtime metadata). */
  readonly labels: Readonly<Record<string, string>>;
  /** OCI annotations with buildx level prefixes (`manifest:...`, `index:...`). */
  readonly annotations: Readonly<Record<string, string>>;
  /** Build arguments; SOURCE_DATE_EPOCH makes buildx stamp the commit time, not the clock. */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Pull the base again and use no cache (weekly rebuild). */
  readonly freshBase: boolean;
  /** Push to the registries (false: build only). */
  readonly push: boolean;
}

export interface CachePlan {
  /** The registry cache ref, e.g. docker.io/prizz/opencode-cloud-sandbox:buildcache-amd64. */
  readonly registryRef: string;
  /** The GitHub Actions cache scope. */
  readonly ghaScope: string;
  /** Only builds of the default branch write caches; pull requests and tags read main's cache and never write. */
  readonly write: boolean;
}

export interface PublishTarget extends RegistryTarget {
  readonly credentials?: RegistryCredentials;
}

/** `linux/arm64` -> `arm64` (resource names, cache refs, scopes). */
export function arch(platform: Platform): string {
  return platform.slice(platform.indexOf("/") + 1);
}

/** The cache of one architecture (or `multi` for the QEMU build) in the primary registry and the GitHub cache. */
export function cachePlan(primaryImage: string, cacheTag: string, scope: string, write: boolean): CachePlan {
  return { registryRef: `${primaryImage}:${cacheTag}-${scope}`, ghaScope: `${cacheTag}-${scope}`, write };
}

function cacheArgs(cache: CachePlan, freshBase: boolean): Pick<dockerBuild.ImageArgs, "cacheFrom" | "cacheTo"> {
  const cacheFrom: dockerBuild.types.input.CacheFromArgs[] = freshBase
    ? []
    : [{ registry: { ref: cache.registryRef } }, { gha: { scope: cache.ghaScope } }];
  const cacheTo: dockerBuild.types.input.CacheToArgs[] = cache.write
    ? [
        {
          registry: {
            ref: cache.registryRef,
            mode: dockerBuild.CacheMode.Max,
            imageManifest: true,
            ociMediaTypes: true,
            ignoreError: true,
          },
        },
        { gha: { scope: cache.ghaScope, mode: dockerBuild.CacheMode.Max, ignoreError: true } },
      ]
    : [];
  return { cacheFrom, cacheTo };
}

function registryLogins(targets: readonly PublishTarget[]): dockerBuild.types.input.RegistryArgs[] {
  return targets.flatMap((t) =>
    t.credentials ? [{ address: loginAddress(t.address), username: t.credentials.username, password: pulumi.secret(t.credentials.password.reveal()) }] : [],
  );
}

/**
 * A login's address as docker-build needs it. Its Index reads each tag back with a registry client (regclient) that
 * speaks TLS unless the login's address names `http://`; a loopback registry speaks plain HTTP (as everywhere in this
 * project), so it gets the scheme. The build's own push finds the same login: Docker matches credentials by host.
 */
export function loginAddress(address: string): string {
  return isLoopbackAddress(address) ? `http://${address}` : address;
}

/**
 * The one docker-build Image both strategies declare: labels, build args, caches and logins from the source, pushed
 * through a registry export under `names` (by digest when `byDigest`: the merge step tags). Never deleted by Pulumi.
 */
function releaseImage(
  parent: pulumi.Resource,
  name: string,
  args: { source: BuildSource; platforms: readonly Platform[]; cache: CachePlan; targets: readonly PublishTarget[]; names: string[]; byDigest: boolean },
): dockerBuild.Image {
  const { source } = args;
  return new dockerBuild.Image(
    `${name}-image`,
    {
      context: { location: source.context },
      dockerfile: { location: source.dockerfile },
      platforms: [...args.platforms],
      labels: { ...source.labels },
      buildArgs: { ...source.buildArgs },
      pull: source.freshBase,
      noCache: source.freshBase,
      buildOnPreview: true,
      push: false,
      registries: registryLogins(args.targets),
      ...cacheArgs(args.cache, source.freshBase),
      // The names travel as tags: buildx joins them into the exporter's one `name` attribute. docker-build 0.0.22
      // writes an export's `names` as repeated `name=` options, of which buildx keeps the last, so only the last
      // registry got the image (found by the rehearsal: the candidate step found no image in the other registry).
      tags: args.names,
      exports: [
        {
          registry: {
            push: source.push,
            ...(args.byDigest ? { pushByDigest: true, nameCanonical: true } : {}),
            ociMediaTypes: true,
            annotations: { ...source.annotations },
          },
        },
      ],
    },
    { parent, retainOnDelete: true },
  );
}

export interface PlatformImageArgs {
  readonly platform: Platform;
  readonly source: BuildSource;
  readonly cache: CachePlan;
  /** The registries to push to (by digest, no tag: the merge step tags). */
  readonly targets: readonly PublishTarget[];
}

/** One platform, built natively and pushed by digest to each target registry. */
export class PlatformImage extends pulumi.ComponentResource {
  readonly digest: pulumi.Output<string>;

  constructor(name: string, args: PlatformImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:release:PlatformImage", name, {}, opts);
    const image = releaseImage(this, name, { ...args, platforms: [args.platform], names: args.targets.map((t) => t.image), byDigest: true });
    this.digest = image.digest;
    this.registerOutputs({ digest: this.digest });
  }
}

export interface RegistryIndexArgs {
  readonly target: PublishTarget;
  readonly tags: readonly string[];
  /**
   * The per-platform manifests already pushed to this registry's repository, or `{ index }`: an index already there
   * (signed), which every tag then names as is (one source index is copied, not re-made: the same digest).
   */
  readonly sources: Readonly<Partial<Record<Platform, string>>> | { readonly index: string };
  readonly push: boolean;
}

/** One registry's tags: an Index per tag over the same per-platform digests (so every tag names one index digest). */
export class RegistryIndex extends pulumi.ComponentResource {
  /** Tag -> `image:tag@sha256:...`. */
  readonly refs: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: RegistryIndexArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:release:RegistryIndex", name, {}, opts);
    const sources =
      "index" in args.sources
        ? [`${args.target.image}@${args.sources.index}`]
        : (Object.entries(args.sources) as [Platform, string][]).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, digest]) => `${args.target.image}@${digest}`);
    const [login] = registryLogins([args.target]);
    this.refs = {};
    for (const tag of args.tags) {
      const index = new dockerBuild.Index(
        `${name}-${tag}`,
        { sources, tag: `${args.target.image}:${tag}`, push: args.push, ...(login ? { registry: login } : {}) },
        { parent: this, retainOnDelete: true },
      );
      this.refs[tag] = index.ref;
    }
    this.registerOutputs({ refs: this.refs });
  }
}

export interface MultiPlatformImageArgs {
  readonly platforms: readonly Platform[];
  readonly source: BuildSource;
  readonly cache: CachePlan;
  readonly targets: readonly PublishTarget[];
  readonly tags: readonly string[];
}

/** The QEMU fallback: every platform in one build on one runner, pushed with every tag to every target. */
export class MultiPlatformImage extends pulumi.ComponentResource {
  /** The index digest (the same in every registry). */
  readonly digest: pulumi.Output<string>;

  constructor(name: string, args: MultiPlatformImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:release:MultiPlatformImage", name, {}, opts);
    const names = args.targets.flatMap((t) => args.tags.map((tag) => `${t.image}:${tag}`));
    const image = releaseImage(this, name, { ...args, names, byDigest: false });
    this.digest = image.digest;
    this.registerOutputs({ digest: this.digest });
  }
}

/** `name:tag@sha256:...` -> `sha256:...`. */
export function digestOf(ref: string): string {
  const at = ref.lastIndexOf("@");
  return at === -1 ? "" : ref.slice(at + 1);
}

export type RegistryDigests = Partial<Record<RegistryKey, pulumi.Output<string>>>;
