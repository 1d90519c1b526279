// The digest hand-off between the pipeline's jobs, pure: the digests the merge tags are exactly the ones the gates
// tested, every platform manifest says what it is (os/arch) and which commit built it, and the release tags move
// only to the index that was signed under its sha- tag. Each check throws a PublishError naming what differs.

import type { RegistryKey } from "../config/release.js";
import type { Platform } from "../facts.js";
import type { PlatformDigests } from "./context.js";
import { PublishError } from "./publish.js";

/** Platform -> the digest the verify job tested (smoke test, trivy, dive). */
export type VerifiedDigests = Readonly<Partial<Record<Platform, string>>>;

/**
 * Every registry's build digest for each published platform must be the one the gates tested: the build jobs push
 * one manifest to every registry, so the digests are equal. Anything else (a registry holding other bytes, a digest
 * never tested) stops the release before a registry is asked anything.
 */
export function checkHandOff(sources: PlatformDigests, verified: VerifiedDigests, platforms: readonly Platform[]): void {
  const untested = platforms.filter((p) => verified[p] === undefined);
  if (untested.length > 0) throw new PublishError(`no verified digest for ${untested.join(", ")}: the gates did not pass there, nothing is tagged`);
  for (const [registry, digests] of Object.entries(sources) as [RegistryKey, Partial<Record<Platform, string>>][]) {
    for (const platform of platforms) {
      const digest = digests[platform];
      if (digest !== undefined && digest !== verified[platform]) {
        throw new PublishError(
          `${registry} ${platform}: the build job reported ${digest}, but the gates tested ${verified[platform]}; nothing is tagged`,
        );
      }
    }
  }
}

/** What a platform manifest's config says about itself (the OCI image config). */
export interface PlatformConfig {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  /** `org.opencontainers.image.revision`, when labelled. */
  readonly revision?: string;
}

export const REVISION_LABEL = "org.opencontainers.image.revision";

/** The config must be for `platform` and built from `sha`; `reference` names it in the message. */
export function checkPlatformConfig(reference: string, platform: Platform, config: PlatformConfig | undefined, sha: string): void {
  if (config === undefined) throw new PublishError(`${reference} (${platform}): no image config could be read`);
  const actual = `${config.os}/${config.architecture}`;
  if (actual !== platform) throw new PublishError(`${reference} is a ${actual} image, not ${platform}; nothing is tagged`);
  if (config.revision !== sha) {
    throw new PublishError(
      `${reference} (${platform}) was built from ${config.revision === undefined ? "an unlabelled commit" : `commit ${config.revision}`}, not ${sha} (label ${REVISION_LABEL}); nothing is tagged`,
    );
  }
}

/**
 * Before the release tags move: the signed index is in the registry (by its digest: the tags are copied from the
 * digest, never from the sha- tag) and carries a signature. The sha- tag may since name another signed index of the
 * same commit (an edge run and a release of one commit both publish it): that is only worth a warning, returned.
 */
export function checkSignedCandidate(reference: string, signed: string, present: boolean, hasSignature: boolean, current: string | undefined): string | undefined {
  if (!present) throw new PublishError(`${reference.replace(/:[^:/]+$/, "")}@${signed} (the signed index) is not in the registry; no release tag moves`);
  if (!hasSignature) throw new PublishError(`${reference} (${signed}) carries no signature; no release tag moves to an unsigned digest`);
  return current === signed ? undefined : `${reference} now names ${current ?? "nothing"}, not the signed index ${signed} (another run of this commit); the release tags move to ${signed}`;
}

/** After the push: every moved tag names the signed index itself (a carbon copy of it, never a re-made index). */
export function checkMovedTag(reference: string, signed: string, moved: string): string {
  if (moved !== signed) throw new PublishError(`${reference} was pushed as ${moved}, not the signed index ${signed}`);
  return moved;
}
