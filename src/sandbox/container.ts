// The opencode container: published on one host address, healthy before `pulumi up` succeeds, restarted unless
// stopped, stopped gracefully, logs rotated, the password only ever as a Pulumi secret; least privilege: its own
// network, a bounded capability set, a process and a memory limit, and no-new-privileges when sudo is off.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { AUTH_ENV, IMAGE_PATHS, LABELS, MANAGED_BY, SANDBOX_PORT, SANDBOX_USER, VOLUME_KINDS, VOLUMES, type VolumeKind } from "../facts.js";
import type { HostFolder } from "../config/sandbox/workspace.js";
import type { Secret } from "../config/secret.js";
import { CONTAINER_POLICY } from "./policy.js";

/**
 * Capabilities the container keeps (everything else is dropped). Measured on the real engine by dropping each in
 * turn (tests/integration/hardening.test.ts checks the result): what the entrypoint needs as root, and what sudo,
 * dpkg and apt-get need on top.
 */
export const CAPABILITIES = {
  /**
   * The entrypoint as root: CHOWN hands the volume tops to uid 1000, DAC_OVERRIDE creates a missing mount point in
   * a directory uid 1000 owns, SETUID/SETGID drop to uid 1000 (setpriv).
   */
  entrypoint: ["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"],
  /**
   * With sudo: SETUID/SETGID (sudo itself, apt's switch to _apt), CHOWN and FOWNER (dpkg and `sudo chown/chmod` on
   * files of other users), KILL (root signalling uid 1000's processes), AUDIT_WRITE (else every sudo prints "unable
   * to send audit message"). Not kept from Docker's default set: FSETID, MKNOD, NET_BIND_SERVICE, NET_RAW, SETFCAP,
   * SETPCAP, SYS_CHROOT (apt-get install and dpkg -i of a package with a setuid file and a postinst work without).
   */
  sudo: ["AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "KILL", "SETGID", "SETUID"],
} as const;

/** The security option that stops setuid binaries (sudo) and file capabilities from granting anything. */
export const NO_NEW_PRIVILEGES = "no-new-privileges:true";

/** Where opt-in host mounts land inside the sandbox. */
export const SSH_KEYS_TARGET = `${SANDBOX_USER.home}/.ssh`;
export const DOCKER_SOCKET = "/var/run/docker.sock";

export interface SandboxContainerArgs {
  readonly name: string;
  readonly stack: string;
  readonly imageId: pulumi.Input<string>;
  readonly port: number;
  readonly bindAddress: string;
  readonly password?: Secret;
  readonly volumeNames: Readonly<Record<VolumeKind, pulumi.Input<string>>>;
  readonly sshKeysDir?: string;
  readonly dockerAccess: boolean;
  /** The stack's own network (no traffic with unrelated containers on the default bridge). */
  readonly networkName: pulumi.Input<string>;
  /** Memory limit in MiB (swap included: the container gets no swap beyond it). */
  readonly memoryMb: number;
  /**
   * Passwordless sudo for the sandbox user. Off: the entrypoint starts as root, drops to uid 1000 for good, and
   * no-new-privileges makes sudo (and every other setuid binary) fail.
   */
  readonly sudo: boolean;
  /** Host folders bound under the workspace. */
  readonly folders?: readonly HostFolder[];
  /** Environment: plain values, and secrets that reach the container only as a Pulumi secret. */
  readonly env?: Readonly<Record<string, string>>;
  readonly secretEnv?: Readonly<Record<string, Secret>>;
}

/** Capabilities, user and security options for one sudo choice (pure; the README's table states the same). */
export function privileges(sudo: boolean): Pick<docker.ContainerArgs, "capabilities" | "securityOpts" | "user"> {
  if (sudo) return { capabilities: { drops: ["ALL"], adds: engineCapabilities(CAPABILITIES.sudo) } };
  return { capabilities: { drops: ["ALL"], adds: engineCapabilities(CAPABILITIES.entrypoint) }, securityOpts: [NO_NEW_PRIVILEGES], user: "0:0" };
}

/**
 * Capability names as the engine reads them back (`CAP_CHOWN`): written without the prefix, every refresh found a
 * difference and the next `up` replaced the container (found by the real engine).
 */
function engineCapabilities(names: readonly string[]): string[] {
  return names.map((c) => `CAP_${c}`);
}

/**
 * The container's environment: the user's plain and secret variables and the password. When any of it is secret the
 * whole list is (Pulumi marks secrets per top-level property); left out when empty, so an empty list never differs
 * from what the provider reads back.
 */
export function containerEnvs(args: Pick<SandboxContainerArgs, "password" | "env" | "secretEnv">): pulumi.Input<string[]> | undefined {
  const plain = Object.entries(args.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const secret = [
    ...Object.entries(args.secretEnv ?? {}).map(([k, v]) => `${k}=${v.reveal()}`),
    ...(args.password ? [`${AUTH_ENV.password}=${args.password.reveal()}`] : []),
  ];
  if (secret.length > 0) return pulumi.secret([...plain, ...secret]);
  return plain.length > 0 ? plain : undefined;
}

export function containerArgs(args: SandboxContainerArgs): docker.ContainerArgs {
  const mounts: docker.types.input.ContainerMount[] = VOLUME_KINDS.map((kind) => ({
    type: "volume",
    source: args.volumeNames[kind],
    target: VOLUMES[kind],
  }));
  if (args.sshKeysDir) mounts.push({ type: "bind", source: args.sshKeysDir, target: SSH_KEYS_TARGET, readOnly: true });
  if (args.dockerAccess) mounts.push({ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET });
  for (const f of args.folders ?? []) mounts.push({ type: "bind", source: f.hostPath, target: f.target, ...(f.readOnly ? { readOnly: true } : {}) });
  const envs = containerEnvs(args);
  const policy = CONTAINER_POLICY;
  return {
    name: args.name,
    image: args.imageId,
    hostname: args.name,
    ports: [{ internal: SANDBOX_PORT, external: args.port, ip: args.bindAddress, protocol: "tcp" }],
    ...(envs ? { envs } : {}),
    // The image's script reads the password from the environment, so the check works with and without one.
    healthcheck: { tests: ["CMD", IMAGE_PATHS.healthcheck], ...policy.healthcheck },
    mounts,
    labels: [
      { label: LABELS.managedBy, value: MANAGED_BY },
      { label: LABELS.stack, value: args.stack },
    ],
    restart: policy.restart,
    init: true,
    stopSignal: policy.stopSignal,
    stopTimeout: policy.stopGraceSeconds,
    destroyGraceSeconds: policy.stopGraceSeconds,
    logDriver: policy.log.driver,
    logOpts: { "max-size": policy.log.maxSize, "max-file": policy.log.maxFile },
    wait: true,
    waitTimeout: policy.waitTimeoutSeconds,
    networkMode: args.networkName,
    ...privileges(args.sudo),
    // Open files stay at the engine's default: raising them past the engine's own hard limit needs SYS_RESOURCE.
    ulimits: [{ name: "nproc", soft: policy.nproc, hard: policy.nproc }],
    memory: args.memoryMb,
    memorySwap: args.memoryMb,
  };
}
