// The team stack's config keys (`opencode-cloud:mode: team`): type, default and description of each, in one table.
// Pulumi.yaml declares the same (tests/unit/config/team.test.ts keeps the two equal). The image keys (imageTag,
// image, imageDigest, requireSignature, signatureKey, signatureTlog, platform) are the sandbox program's and are read
// by the same reader.

import { VOLUME_KINDS, type VolumeKind } from "../facts.js";

export interface TeamKeySpec {
  readonly type: "string" | "array";
  readonly default: string | readonly never[];
  readonly description: string;
  /** For arrays: the type of each item (Pulumi checks it before the program runs). */
  readonly items?: { readonly type: "object" };
}

/** The config key of each volume's requested size: `teamSessionsSize`, `teamProjectsSize`, `teamConfigSize`. */
export const volumeSizeKey = (kind: VolumeKind): `team${string}Size` => `team${kind[0]!.toUpperCase()}${kind.slice(1)}Size`;

/** Default storage requested per volume: opencode's database and config are small; projects hold checkouts. */
export const DEFAULT_VOLUME_SIZES: Readonly<Record<VolumeKind, string>> = { sessions: "1Gi", projects: "10Gi", config: "1Gi" };

export const TEAM_KEYS = {
  teamMembers: {
    type: "array",
    items: { type: "object" },
    default: [],
    description:
      "Team stack: one entry per member, `{name, host?, tlsSecret?}`; name is a DNS label; host (and tlsSecret) add an Ingress.",
  },
  teamPasswordSeed: {
    type: "string",
    default: "",
    description:
      "Team stack: secret each member's password is derived from (set with `pulumi config set --secret`); changing it rotates every password.",
  },
  teamNamespacePrefix: {
    type: "string",
    default: "opencode-",
    description: "Team stack: each member gets the namespace `<prefix><name>`.",
  },
  teamStorageClass: {
    type: "string",
    default: "",
    description: "Team stack: storage class of the members' volume claims (empty: the cluster's default class).",
  },
  ...(Object.fromEntries(
    VOLUME_KINDS.map((kind) => [
      volumeSizeKey(kind),
      { type: "string", default: DEFAULT_VOLUME_SIZES[kind], description: `Team stack: storage requested for each member's ${kind} volume (a Kubernetes quantity).` },
    ]),
  ) as Record<`team${string}Size`, TeamKeySpec>),
  teamCpuRequest: { type: "string", default: "250m", description: "Team stack: CPU each sandbox is guaranteed (a Kubernetes quantity)." },
  teamCpuLimit: { type: "string", default: "2", description: "Team stack: CPU each sandbox may use at most." },
  teamMemoryRequest: { type: "string", default: "1Gi", description: "Team stack: memory each sandbox is guaranteed." },
  teamMemoryLimit: { type: "string", default: "4Gi", description: "Team stack: memory each sandbox may use at most (then it is killed)." },
  teamIngressClass: {
    type: "string",
    default: "",
    description: "Team stack: ingress class of the members' Ingresses (empty: the cluster's default class).",
  },
  teamIngressNamespace: {
    type: "string",
    default: "",
    description: "Team stack: namespace of the ingress controller, the only peer the NetworkPolicy admits; required when a member has a host.",
  },
} as const satisfies Record<string, TeamKeySpec>;

export type TeamKey = keyof typeof TEAM_KEYS;
