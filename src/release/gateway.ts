// What the release program asks the registries before it pushes, behind one small interface so the decisions
// (src/release/publish.ts) stay pure and the program runs under mocks with a fake. The real gateway is the shared
// distribution API client (src/oci/client.ts) with the release's push credentials.

import type { RegistryCredentials, RegistryTarget, ReleaseSettings } from "../config/release.js";
import { PLATFORMS, type Platform } from "../facts.js";
import { RegistryClient, RegistryError, type RegistryClientOptions } from "../oci/client.js";
import { parseReference } from "../oci/reference.js";
import { REVISION_LABEL, type PlatformConfig } from "./handoff.js";
import type { PlatformManifests } from "./publish.js";

export interface RegistryGateway {
  /** Undefined when the registry answers the distribution API for this repository; otherwise what went wrong. */
  check(target: RegistryTarget, credentials: RegistryCredentials | undefined): Promise<string | undefined>;
  /**
   * The platform manifests `target.image:<reference>` (a tag or a digest) stands for: an index's entries by platform
   * (attestation entries left out), or a single manifest under `platformHint` (the platform its build job built).
   * Undefined when it does not exist.
   */
  platformManifests(
    target: RegistryTarget,
    reference: string,
    credentials: RegistryCredentials | undefined,
    platformHint?: Platform,
  ): Promise<PlatformManifests | undefined>;
  /**
   * What the image `target.image@digest` says it is, for `platform`: the digest may name the platform's manifest or an
   * index holding it (attestations beside it); the manifest's config blob gives os, architecture and the revision
   * label. Undefined when the manifest or its config is not there.
   */
  platformConfig(target: RegistryTarget, digest: string, credentials: RegistryCredentials | undefined, platform: Platform): Promise<PlatformConfig | undefined>;
  /** The digest `target.image:<reference>` serves now; undefined when it does not exist. */
  digest(target: RegistryTarget, reference: string, credentials: RegistryCredentials | undefined): Promise<string | undefined>;
  /** Whether a cosign signature is attached to the digest (a referrer or the legacy `.sig` tag). */
  isSigned(target: RegistryTarget, digest: string, credentials: RegistryCredentials | undefined): Promise<boolean>;
}

/** The probe reference for `check`: any tag will do; a 404 proves the registry and repository answer. */
const PROBE_TAG = "latest";

interface IndexBody {
  readonly manifests?: readonly { readonly digest?: string; readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string } }[];
}

interface ImageManifestBody {
  readonly config?: { readonly digest?: string };
}

interface ImageConfigBody {
  readonly os?: unknown;
  readonly architecture?: unknown;
  readonly variant?: unknown;
  readonly config?: { readonly Labels?: Record<string, unknown> | null };
}

/** An image config blob -> what it says about itself (pure). */
export function readPlatformConfig(body: unknown): PlatformConfig {
  const config = (body ?? {}) as ImageConfigBody;
  const text = (v: unknown) => (typeof v === "string" ? v : "");
  const revision = config.config?.Labels?.[REVISION_LABEL];
  return {
    os: text(config.os),
    architecture: text(config.architecture),
    ...(typeof config.variant === "string" ? { variant: config.variant } : {}),
    ...(typeof revision === "string" ? { revision } : {}),
  };
}

/** Index entries -> platform manifests (our platforms only; `unknown/unknown` attestation entries are skipped). */
export function indexPlatforms(body: unknown): PlatformManifests {
  const result: Partial<Record<Platform, string>> = {};
  for (const entry of (body as IndexBody).manifests ?? []) {
    const platform = `${entry.platform?.os ?? ""}/${entry.platform?.architecture ?? ""}`;
    if ((PLATFORMS as readonly string[]).includes(platform) && entry.digest) result[platform as Platform] = entry.digest;
  }
  return result;
}

export function defaultGateway(settings: ReleaseSettings, options: Omit<RegistryClientOptions, "credential"> = {}): RegistryGateway {
  const byAddress = new Map(settings.registries.map((r) => [r.address, settings.credentials[r.key]]));
  const client = new RegistryClient({
    ...options,
    credential: async (host) => {
      const found = byAddress.get(host);
      return found ? { username: found.username, password: found.password.reveal(), source: "the release credentials" } : undefined;
    },
  });
  const split = (target: RegistryTarget) => {
    const ref = parseReference(target.image);
    return [ref.registry, ref.repository] as const;
  };
  return {
    async check(target) {
      const [host, repository] = split(target);
      try {
        await client.manifestDigest(host, repository, PROBE_TAG);
        return undefined;
      } catch (e) {
        if (e instanceof RegistryError && e.status === 404) return undefined;
        return e instanceof Error ? e.message : String(e);
      }
    },
    async platformManifests(target, reference, _credentials, platformHint) {
      const [host, repository] = split(target);
      const manifest = await client.manifest(host, repository, reference);
      if (!manifest) return undefined;
      if ((manifest.body as IndexBody).manifests !== undefined) return indexPlatforms(manifest.body);
      return platformHint ? { [platformHint]: manifest.digest } : {};
    },
    async platformConfig(target, digest, _credentials, platform) {
      const [host, repository] = split(target);
      let manifest = await client.manifest(host, repository, digest);
      if (!manifest) return undefined;
      if (manifest.digest !== digest) throw new RegistryError(`${target.image}@${digest} served a manifest with digest ${manifest.digest}`);
      if ((manifest.body as IndexBody).manifests !== undefined) {
        const entry = indexPlatforms(manifest.body)[platform];
        if (entry === undefined) return undefined;
        manifest = await client.manifest(host, repository, entry);
        if (!manifest) return undefined;
      }
      const configDigest = (manifest.body as ImageManifestBody).config?.digest;
      if (typeof configDigest !== "string") return undefined;
      const config = await client.jsonBlob(host, repository, configDigest);
      return config === undefined ? undefined : readPlatformConfig(config);
    },
    async digest(target, reference) {
      const [host, repository] = split(target);
      return (await client.manifest(host, repository, reference))?.digest;
    },
    async isSigned(target, digest) {
      const [host, repository] = split(target);
      return (await client.hasSignatureReferrer(host, repository, digest)) || (await client.hasSignatureTag(host, repository, digest));
    },
  };
}
