// The team stack's config and resource types, for the mock tests and the real-engine tests alike.

import type { ConfigValue } from "./program.js";

export const K8S = {
  namespace: "kubernetes:core/v1:Namespace",
  secret: "kubernetes:core/v1:Secret",
  claim: "kubernetes:core/v1:PersistentVolumeClaim",
  service: "kubernetes:core/v1:Service",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  ingress: "kubernetes:networking.k8s.io/v1:Ingress",
} as const;

/** A seed as `pulumi config set --secret` would store it (the tests look for it in everything the program emits). */
export const TEAM_SEED = "team-seed-0123456789abcdef";

export interface MemberEntry {
  readonly name: string;
  readonly host?: string;
  readonly tlsSecret?: string;
}

/** Config overrides for a team stack of these members (seed as a secret), plus any other keys. */
export function teamOverrides(members: readonly MemberEntry[], extra: Record<string, ConfigValue | null> = {}): Record<string, ConfigValue | null> {
  return {
    "opencode-cloud:mode": "team",
    // A team stack has no Docker password (each member's comes from the seed): no generated one either.
    "opencode-cloud:password": null,
    "opencode-cloud:teamMembers": members as unknown as ConfigValue,
    "opencode-cloud:teamPasswordSeed": { secure: TEAM_SEED },
    ...extra,
  };
}
