// The opencode container: published on one host address, healthy before `pulumi up` succeeds, restarted unless
// stopped, stopped gracefully, logs rotated, the password only ever as a Pulumi secret.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { AUTH_ENV, HEALTHCHECK_TIMING, IMAGE_PATHS, LABELS, MANAGED_BY, SANDBOX_PORT, SANDBOX_USER, VOLUME_KINDS, VOLUMES, type VolumeKind } from "../facts.js";
import type { HostFolder } from "../config/sandbox/workspace.js";
import type { Secret } from "../config/secret.js";

/** How the container is run; fixed policy, not configuration. */
export const CONTAINER_POLICY = {
  restart: "unless-stopped",
  stopSignal: "SIGTERM",
  /** Seconds opencode gets to flush SQLite and exit before SIGKILL (docker stop) and before destroy kills it. */
  stopGraceSeconds: 30,
  /** The image's own timing (src/facts.ts), so the engine reports healthy soon after opencode answers. */
  healthcheck: HEALTHCHECK_TIMING,
  /** Seconds `pulumi up` waits for the container to turn healthy. */
  waitTimeoutSeconds: 180,
  log: { driver: "json-file", maxSize: "10m", maxFile: "3" },
} as const;

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
  /** Host folders bound under the workspace. */
  readonly folders?: readonly HostFolder[];
  /** Environment: plain values, and secrets that reach the container only as a Pulumi secret. */
  readonly env?: Readonly<Record<string, string>>;
  readonly secretEnv?: Readonly<Record<string, Secret>>;
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
  };
}
