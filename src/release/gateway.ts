// What the release program asks the registries before it pushes, behind one small interface so the decisions
// (src/release/publish.ts) stay pure and the program runs under mocks with a fake. The real gateway is the shared
// distribution API client (src/oci/client.ts) with the release's push credentials.

import type { RegistryCredentials, RegistryTarget, ReleaseSettings } from "../config/release.js";
import { PLATFORMS, type Platform } from "../facts.js";
import { RegistryClient, RegistryError } from "../oci/client.js";
import { parseReference } from "../oci/reference.js";
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
}

/** The probe reference for `check`: any tag will do; a 404 proves the registry and repository answer. */
const PROBE_TAG = "latest";

interface IndexBody {
  readonly manifests?: readonly { readonly digest?: string; readonly platform?: { readonly os?: string; readonly architecture?: string; readonly variant?: string } }[];
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

export function defaultGateway(settings: ReleaseSettings): RegistryGateway {
  const byAddress = new Map(settings.registries.map((r) => [r.address, settings.credentials[r.key]]));
  const client = new RegistryClient({
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
  };
}
