// The opencode container: published on one host address, healthy before `pulumi up` succeeds, restarted unless
// stopped, stopped gracefully, logs rotated, the password only ever as a Pulumi secret.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { AUTH_ENV, HEALTHCHECK_START_INTERVAL, HEALTHCHECK_TIMING, IMAGE_PATHS, LABELS, MANAGED_BY, SANDBOX_PORT, SANDBOX_USER, VOLUME_KINDS, VOLUMES, type VolumeKind } from "../facts.js";
import type { Secret } from "../config/secret.js";

/** How the container is run; fixed policy, not configuration. */
export const CONTAINER_POLICY = {
  restart: "unless-stopped",
  stopSignal: "SIGTERM",
  /** Seconds opencode gets to flush SQLite and exit before SIGKILL (docker stop) and before destroy kills it. */
  stopGraceSeconds: 30,
  /** The image's own timing (src/facts.ts) and a start interval, so the engine reports healthy soon after opencode answers. */
  healthcheck: { ...HEALTHCHECK_TIMING, startInterval: HEALTHCHECK_START_INTERVAL },
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
}

export function containerArgs(args: SandboxContainerArgs): docker.ContainerArgs {
  const mounts: docker.types.input.ContainerMount[] = VOLUME_KINDS.map((kind) => ({
    type: "volume",
    source: args.volumeNames[kind],
    target: VOLUMES[kind],
  }));
  if (args.sshKeysDir) mounts.push({ type: "bind", source: args.sshKeysDir, target: SSH_KEYS_TARGET, readOnly: true });
  if (args.dockerAccess) mounts.push({ type: "bind", source: DOCKER_SOCKET, target: DOCKER_SOCKET });
  const policy = CONTAINER_POLICY;
  return {
    name: args.name,
    image: args.imageId,
    hostname: args.name,
    ports: [{ internal: SANDBOX_PORT, external: args.port, ip: args.bindAddress, protocol: "tcp" }],
    // The whole list is a secret (Pulumi marks secrets per top-level property); left out without a password, so
    // an empty list never differs from what the provider reads back.
    ...(args.password ? { envs: pulumi.secret([`${AUTH_ENV.password}=${args.password.reveal()}`]) } : {}),
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
