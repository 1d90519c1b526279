// One member's sandbox on Kubernetes: namespace, password Secret, three volume claims, StatefulSet of one pod,
// ClusterIP Service, NetworkPolicy, and an Ingress when the member has a host. Every Pulumi name starts with the
// member's, so adding or removing a member touches nobody else's resources. The namespace and the claims are
// retained when the member is removed (deleting the namespace would delete the claims inside it); the provider's
// server-side apply adopts them again if the member comes back.

import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { VOLUME_KINDS, type Platform, type VolumeKind } from "../facts.js";
import type { Secret } from "../config/secret.js";
import type { Resources, TeamMember } from "../config/team.js";
import { memberAccess, type MemberAccess } from "./access.js";
import {
  claimManifest,
  ingressManifest,
  memberLabels,
  MEMBER_OBJECTS,
  namespaceManifest,
  networkPolicyManifest,
  serviceManifest,
  statefulSetManifest,
} from "./manifests.js";

export interface MemberArgs {
  readonly stack: string;
  readonly member: TeamMember;
  readonly image: string;
  readonly platform?: Platform;
  readonly password: Secret;
  readonly storageClass?: string;
  readonly volumeSizes: Readonly<Record<VolumeKind, string>>;
  readonly resources: Resources;
  readonly ingress: { readonly className?: string; readonly namespace?: string };
}

export class MemberSandbox extends pulumi.ComponentResource {
  readonly access: MemberAccess;
  readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: MemberArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:team:Member", name, {}, opts);
    const { member, stack } = args;
    const parent = { parent: this };
    const namespace = new k8s.core.v1.Namespace(`${name}-namespace`, namespaceManifest(stack, member), { ...parent, retainOnDelete: true });
    const inNamespace = { ...parent, dependsOn: [namespace] };
    const secret = new k8s.core.v1.Secret(
      `${name}-password`,
      {
        metadata: { name: MEMBER_OBJECTS.passwordSecret, namespace: member.namespace, labels: memberLabels(stack, member.name) },
        type: "Opaque",
        stringData: pulumi.secret({ [MEMBER_OBJECTS.passwordKey]: args.password.reveal() }),
      },
      inNamespace,
    );
    const claims = VOLUME_KINDS.map(
      (kind) =>
        new k8s.core.v1.PersistentVolumeClaim(`${name}-${kind}`, claimManifest(stack, member, kind, args.volumeSizes[kind], args.storageClass), {
          ...inNamespace,
          retainOnDelete: true,
        }),
    );
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-sandbox`,
      statefulSetManifest({ stack, member, image: args.image, ...(args.platform ? { platform: args.platform } : {}), resources: args.resources }),
      // Its name is fixed: a replacement (an immutable field changed) must delete the old one first.
      { ...parent, dependsOn: [namespace, secret, ...claims], deleteBeforeReplace: true },
    );
    const service = new k8s.core.v1.Service(`${name}-service`, serviceManifest(stack, member), inNamespace);
    new k8s.networking.v1.NetworkPolicy(`${name}-network`, networkPolicyManifest(stack, member, args.ingress.namespace), inNamespace);
    const ingress = ingressManifest(stack, member, args.ingress.className);
    if (ingress) new k8s.networking.v1.Ingress(`${name}-ingress`, ingress, { ...parent, dependsOn: [namespace, service] });
    this.access = memberAccess(member);
    this.registerOutputs({ access: this.access });
  }
}
