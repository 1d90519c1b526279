// Decisions on what a release may publish, each a pure function over what the registries answered:
//  - which registries take part (one failing: warn and publish to the other; both failing: fail), and
//  - whether an immutable tag (the exact version) may be written (never onto a different image).

import type { RegistryKey } from "../config/release.js";
import type { Platform } from "../facts.js";

export interface RegistryCheck {
  readonly registry: RegistryKey;
  /** Why this registry cannot take part (unreachable, login refused, a platform digest missing); undefined when fine. */
  readonly problem?: string;
}

export interface RegistrySelection {
  readonly registries: readonly RegistryKey[];
  /** One line per registry left out, for `pulumi.log.warn` and the job summary. */
  readonly warnings: readonly string[];
}

export class PublishError extends Error {
  override readonly name = "PublishError";
}

/** Keeps the registries without a problem; throws when none is left (the release fails, nothing is published). */
export function selectRegistries(checks: readonly RegistryCheck[]): RegistrySelection {
  if (checks.length === 0) throw new PublishError("no registry is configured to publish to");
  const registries = checks.filter((c) => c.problem === undefined).map((c) => c.registry);
  const failed = checks.filter((c) => c.problem !== undefined);
  if (registries.length === 0) {
    throw new PublishError(`every registry failed, nothing is published: ${failed.map((c) => `${c.registry}: ${c.problem}`).join("; ")}`);
  }
  return {
    registries,
    warnings: failed.map((c) => `${c.registry} is left out of this release (${c.problem}); publishing to ${registries.join(", ")} only`),
  };
}

/** Platform -> manifest digest, for what a tag points at now and for what we are about to publish. */
export type PlatformManifests = Readonly<Partial<Record<Platform, string>>>;

export type ImmutableDecision = "create" | "unchanged";

/**
 * May `image:tag` (an immutable tag) be written? Absent: create. Present with the same platform manifests (a re-run
 * of the same release): unchanged, writing it again is harmless. Present with anything else, or when we cannot yet
 * know what we publish (a single QEMU build learns its digests only when it pushes): refuse.
 */
export function checkImmutableTag(
  reference: string,
  existing: PlatformManifests | undefined,
  ours: PlatformManifests | undefined,
): ImmutableDecision {
  if (existing === undefined) return "create";
  if (ours === undefined) {
    throw new PublishError(`${reference} already exists; an exact version is never overwritten (publish a new patch version)`);
  }
  const platforms = new Set([...Object.keys(existing), ...Object.keys(ours)]) as Set<Platform>;
  const differing = [...platforms].filter((p) => existing[p] !== ours[p]);
  if (differing.length > 0) {
    const detail = differing.map((p) => `${p}: published ${existing[p] ?? "(none)"}, this build ${ours[p] ?? "(none)"}`).join("; ");
    throw new PublishError(`${reference} already points at another image (${detail}); an exact version is never overwritten (publish a new patch version)`);
  }
  return "unchanged";
}
