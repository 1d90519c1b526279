// One member's Kubernetes objects as plain data, from the settings and the facts the Docker program uses too: the
// same image (pinned by digest), the same mount paths, the same health check and timing, the same user, the same
// stop grace. Pure: src/team/member.ts declares them as resources; tests read them without a cluster.

import type * as k8s from "@pulumi/kubernetes";
import {
  AUTH_ENV,
  HEALTHCHECK_TIMING,
  IMAGE_PATHS,
  LABELS,
  MANAGED_BY,
  SANDBOX_PORT,
  SANDBOX_USER,
  VOLUME_KINDS,
  VOLUMES,
  type Platform,
  type VolumeKind,
} from "../facts.js";
import type { Resources, TeamMember } from "../config/team.js";
import { CONTAINER_POLICY } from "../sandbox/policy.js";

type ObjectMeta = k8s.types.input.meta.v1.ObjectMeta;

/** Names inside a member's namespace: the namespace already says whose they are. */
export const MEMBER_OBJECTS = {
  statefulSet: "opencode",
  service: "opencode",
  networkPolicy: "opencode",
  ingress: "opencode",
  passwordSecret: "opencode-password",
  /** The key of the password in that Secret. */
  passwordKey: "password",
  container: "opencode",
  claim: (kind: VolumeKind): string => `opencode-${kind}`,
} as const;

/** Labels every object of a member carries; the pod's (selector) labels are the first two. */
export function memberLabels(stack: string, member: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": MANAGED_BY,
    "app.kubernetes.io/instance": member,
    "app.kubernetes.io/managed-by": MANAGED_BY,
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.stack]: stack,
  };
}

export function selectorLabels(member: string): Record<string, string> {
  return { "app.kubernetes.io/name": MANAGED_BY, "app.kubernetes.io/instance": member };
}

/** `2s` -> 2 (the facts state Docker durations; probes take whole seconds). */
export function durationSeconds(text: string): number {
  const match = /^(\d+)(s|m)$/.exec(text);
  if (!match) throw new Error(`not a duration in seconds or minutes: ${text}`);
  return Number(match[1]) * (match[2] === "m" ? 60 : 1);
}

/**
 * The image's health check (its script polls the health route, with the password from the environment) as
 * Kubernetes probes with the Docker timing: a startup probe covers the start period, then readiness and liveness
 * run at the same interval and give up after the same number of misses.
 */
export function probes(): Pick<k8s.types.input.core.v1.Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
  const t = HEALTHCHECK_TIMING;
  const every = { exec: { command: [IMAGE_PATHS.healthcheck] }, periodSeconds: durationSeconds(t.interval), timeoutSeconds: durationSeconds(t.timeout) };
  return {
    startupProbe: { ...every, failureThreshold: Math.ceil(durationSeconds(t.startPeriod) / durationSeconds(t.interval)) },
    readinessProbe: { ...every, failureThreshold: t.retries },
    livenessProbe: { ...every, failureThreshold: t.retries },
  };
}

/**
 * Least privilege on Kubernetes. The Docker container starts as root only for its entrypoint's first steps (hand
 * each volume's top to the sandbox user, then drop to it for good); here fsGroup gives the volumes to the sandbox
 * user's group before the pod starts, so the pod runs as that user from its first process, with no capability at
 * all, no privilege escalation (setuid binaries such as sudo grant nothing) and the runtime's default seccomp
 * profile: what the Pod Security Standard `restricted` asks for.
 */
export function securityContexts(): {
  pod: k8s.types.input.core.v1.PodSecurityContext;
  container: k8s.types.input.core.v1.SecurityContext;
} {
  return {
    pod: {
      runAsUser: SANDBOX_USER.uid,
      runAsGroup: SANDBOX_USER.gid,
      runAsNonRoot: true,
      fsGroup: SANDBOX_USER.gid,
      // Only a volume whose top is not the group's yet is walked (a big workspace must not slow every start).
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    },
    container: {
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
}

export interface MemberSpec {
  readonly stack: string;
  readonly member: TeamMember;
  /** `name@sha256:...`. */
  readonly image: string;
  readonly platform?: Platform;
  readonly resources: Resources;
}

export function namespaceManifest(stack: string, member: TeamMember): { metadata: ObjectMeta } {
  return { metadata: { name: member.namespace, labels: memberLabels(stack, member.name) } };
}

export function claimManifest(
  stack: string,
  member: TeamMember,
  kind: VolumeKind,
  size: string,
  storageClass: string | undefined,
): k8s.core.v1.PersistentVolumeClaimArgs {
  return {
    metadata: {
      name: MEMBER_OBJECTS.claim(kind),
      namespace: member.namespace,
      labels: { ...memberLabels(stack, member.name), [LABELS.volumeKind]: kind },
    },
    spec: {
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: size } },
      ...(storageClass ? { storageClassName: storageClass } : {}),
    },
  };
}

export function statefulSetManifest(spec: MemberSpec): k8s.apps.v1.StatefulSetArgs {
  const { member } = spec;
  const labels = memberLabels(spec.stack, member.name);
  const security = securityContexts();
  return {
    metadata: { name: MEMBER_OBJECTS.statefulSet, namespace: member.namespace, labels },
    spec: {
      replicas: 1,
      serviceName: MEMBER_OBJECTS.service,
      selector: { matchLabels: selectorLabels(member.name) },
      template: {
        metadata: { labels },
        spec: {
          securityContext: security.pod,
          // The sandbox has no business with the Kubernetes API: no token, no service links in its environment.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: CONTAINER_POLICY.stopGraceSeconds,
          ...(spec.platform ? { nodeSelector: { "kubernetes.io/os": "linux", "kubernetes.io/arch": spec.platform.split("/")[1]! } } : {}),
          containers: [
            {
              name: MEMBER_OBJECTS.container,
              image: spec.image,
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: SANDBOX_PORT, protocol: "TCP" }],
              env: [
                {
                  name: AUTH_ENV.password,
                  valueFrom: { secretKeyRef: { name: MEMBER_OBJECTS.passwordSecret, key: MEMBER_OBJECTS.passwordKey } },
                },
              ],
              ...probes(),
              resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
              securityContext: security.container,
              volumeMounts: VOLUME_KINDS.map((kind) => ({ name: kind, mountPath: VOLUMES[kind] })),
            },
          ],
          volumes: VOLUME_KINDS.map((kind) => ({ name: kind, persistentVolumeClaim: { claimName: MEMBER_OBJECTS.claim(kind) } })),
        },
      },
    },
  };
}

export function serviceManifest(stack: string, member: TeamMember): k8s.core.v1.ServiceArgs {
  return {
    metadata: { name: MEMBER_OBJECTS.service, namespace: member.namespace, labels: memberLabels(stack, member.name) },
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(member.name),
      ports: [{ name: "http", port: SANDBOX_PORT, targetPort: "http", protocol: "TCP" }],
    },
  };
}

/**
 * Ingress to the sandbox only from the entry point: the ingress controller's namespace when the member has a host,
 * nobody otherwise (`kubectl port-forward` enters through the kubelet, which the policy does not govern). Egress
 * stays open: opencode reaches model APIs and package registries.
 * Admitting nobody leaves `ingress` out rather than `[]` (the same policy): the API server stores an empty list as
 * none, so every server-side apply of `[]` wrote the object again (a new generation each time, seen on a real one).
 */
export function networkPolicyManifest(stack: string, member: TeamMember, ingressNamespace: string | undefined): k8s.networking.v1.NetworkPolicyArgs {
  const admitted =
    member.host !== undefined && ingressNamespace !== undefined
      ? {
          ingress: [
            {
              from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ingressNamespace } } }],
              ports: [{ port: SANDBOX_PORT, protocol: "TCP" }],
            },
          ],
        }
      : {};
  return {
    metadata: { name: MEMBER_OBJECTS.networkPolicy, namespace: member.namespace, labels: memberLabels(stack, member.name) },
    spec: { podSelector: { matchLabels: selectorLabels(member.name) }, policyTypes: ["Ingress"], ...admitted },
  };
}

export function ingressManifest(stack: string, member: TeamMember, className: string | undefined): k8s.networking.v1.IngressArgs | undefined {
  if (member.host === undefined) return undefined;
  return {
    metadata: { name: MEMBER_OBJECTS.ingress, namespace: member.namespace, labels: memberLabels(stack, member.name) },
    spec: {
      ...(className ? { ingressClassName: className } : {}),
      ...(member.tlsSecret ? { tls: [{ hosts: [member.host], secretName: member.tlsSecret }] } : {}),
      rules: [
        {
          host: member.host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: MEMBER_OBJECTS.service, port: { name: "http" } } } }],
          },
        },
      ],
    },
  };
}
