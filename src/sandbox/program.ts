// The sandbox program: validated settings -> (image digest resolved) -> components -> outputs.

import * as docker from "@pulumi/docker";
import * as dockerbuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { LABELS, MANAGED_BY, PUBLISHED_IMAGES, type VolumeKind } from "../facts.js";
import { readRawConfig } from "../config/read.js";
import { parseSettings, type SandboxSettings } from "../config/settings.js";
import { takeHandOff } from "../image/handoff.js";
import { registryResolver } from "../image/resolver.js";
import { SandboxImage } from "../image/source.js";
import type { ImageResolver, ResolvedImage } from "../image/types.js";
import { containerArgs, DOCKER_SOCKET } from "./container.js";
import { pulumiLog, type ProgramLog } from "./log.js";
import { sandboxTunnel, sandboxUrl } from "./url.js";
import { SandboxVolumes } from "./volumes.js";

/** The program's I/O, injectable so tests run offline. */
export interface ProgramDeps {
  /** Resolves the pull source's tag to a digest; default: the OCI distribution API client. */
  readonly resolver?: ImageResolver;
  readonly log?: ProgramLog;
  /** Home directory for the default SSH key directory; default: the current user's. */
  readonly homeDir?: string;
  /** Where a resolution handed over by `npm run up` is read from (src/image/handoff.ts); default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface SandboxOutputs {
  readonly url: pulumi.Output<string>;
  /** The SSH tunnel command when the port is on a remote host's loopback, else "". */
  readonly tunnel: pulumi.Output<string>;
  readonly containerName: pulumi.Output<string>;
  readonly volumeNames: pulumi.Output<Record<VolumeKind, string>>;
  /** `name@digest` (pull) or the local tag (build). */
  readonly image: pulumi.Output<string>;
  readonly imageId: pulumi.Output<string>;
  /** Registry that served the image (`docker.io`, `ghcr.io`, ...) or `local build`. */
  readonly registry: pulumi.Output<string>;
}

export interface SandboxArgs {
  readonly settings: SandboxSettings;
  readonly resolved?: ResolvedImage;
  readonly log: ProgramLog;
}

export class Sandbox extends pulumi.ComponentResource {
  readonly outputs: SandboxOutputs;

  constructor(name: string, { settings, resolved, log }: SandboxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:sandbox:Sandbox", name, {}, opts);
    const volumes = new SandboxVolumes("volumes", { stack: settings.stack, names: settings.volumeNames }, { parent: this });
    const buildProvider =
      settings.image.source === "build"
        ? new dockerbuild.Provider("docker-build", settings.docker.host ? { host: settings.docker.host } : {}, { parent: this })
        : undefined;
    const image = new SandboxImage(
      "image",
      {
        source: settings.image,
        ...(resolved ? { resolved } : {}),
        ...(settings.platform ? { platform: settings.platform } : {}),
        ...(buildProvider ? { buildProvider } : {}),
      },
      { parent: this },
    );
    if (settings.dockerAccess) {
      log.warn(
        `opencode-cloud:dockerAccess is on: ${DOCKER_SOCKET} is mounted into the sandbox, which gives it root-equivalent ` +
          "control of the Docker host. Turn it off unless the sandbox must run containers.",
      );
    }
    // Its own bridge: containers on the default bridge (or any other network) cannot reach the sandbox.
    const network = new docker.Network(
      "network",
      {
        name: settings.networkName,
        driver: "bridge",
        labels: [
          { label: LABELS.managedBy, value: MANAGED_BY },
          { label: LABELS.stack, value: settings.stack },
        ],
      },
      { parent: this },
    );
    const container = new docker.Container(
      "container",
      containerArgs({
        name: settings.containerName,
        stack: settings.stack,
        imageId: image.imageId,
        port: settings.port,
        bindAddress: settings.bindAddress,
        ...(settings.password ? { password: settings.password } : {}),
        volumeNames: {
          sessions: volumes.volumes.sessions.name,
          projects: volumes.volumes.projects.name,
          config: volumes.volumes.config.name,
        },
        ...(settings.sshKeysDir ? { sshKeysDir: settings.sshKeysDir } : {}),
        dockerAccess: settings.dockerAccess,
        networkName: network.name,
        memoryMb: settings.memoryMb,
        sudo: settings.sudo,
        folders: settings.folders,
        env: settings.env,
        secretEnv: settings.secretEnv,
      }),
      // The name is fixed, so a replacement must remove the old container before creating the new one.
      { parent: this, deleteBeforeReplace: true },
    );
    this.outputs = {
      url: pulumi.output(sandboxUrl(settings.bindAddress, settings.port, settings.docker.host)),
      tunnel: pulumi.output(sandboxTunnel(settings.bindAddress, settings.port, settings.docker.host)),
      containerName: container.name,
      volumeNames: pulumi
        .all([volumes.volumes.sessions.name, volumes.volumes.projects.name, volumes.volumes.config.name])
        .apply(([sessions, projects, config]) => ({ sessions, projects, config })),
      image: image.reference,
      imageId: image.imageId,
      registry: pulumi.output(image.registry),
    };
    this.registerOutputs({ ...this.outputs });
  }
}

export async function sandboxProgram(deps: ProgramDeps = {}): Promise<SandboxOutputs> {
  const log = deps.log ?? pulumiLog;
  const raw = readRawConfig();
  const settings = (parseSettings(deps.homeDir ? { ...raw, homeDir: deps.homeDir } : raw, PUBLISHED_IMAGES));
  let resolved: ResolvedImage | undefined;
  if (settings.image.source === "pull") {
    resolved = takeHandOff(settings.image, deps.env ?? process.env);
    if (resolved) log.info(`sandbox image ${resolved.pinned}, served by ${resolved.registry} (resolved by npm run up)`);
    else resolved = await (deps.resolver ?? registryResolver())(settings.image, log);
  }
  const provider = new docker.Provider("docker", {
    ...(settings.docker.host ? { host: settings.docker.host } : {}),
    ...(settings.docker.sshOpts.length > 0 ? { sshOpts: [...settings.docker.sshOpts] } : {}),
  });
  const sandbox = new Sandbox("sandbox", { settings, ...(resolved ? { resolved } : {}), log }, { providers: [provider] });
  return sandbox.outputs;
}
