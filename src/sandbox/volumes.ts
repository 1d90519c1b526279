// The three named volumes that outlive every container: sessions (opencode's SQLite database), projects, config.
// Retained on delete, so neither `pulumi destroy` nor a replacement ever removes user data.

import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { VOLUME_KINDS, type VolumeKind } from "../facts.js";
import { volumeLabels } from "./policy.js";

export interface SandboxVolumesArgs {
  readonly stack: string;
  readonly names: Readonly<Record<VolumeKind, string>>;
}

export class SandboxVolumes extends pulumi.ComponentResource {
  readonly volumes: Readonly<Record<VolumeKind, docker.Volume>>;

  constructor(name: string, args: SandboxVolumesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:sandbox:Volumes", name, {}, opts);
    const entries = VOLUME_KINDS.map((kind) => {
      const volume = new docker.Volume(
        `${name}-${kind}`,
        {
          name: args.names[kind],
          driver: "local",
          labels: Object.entries(volumeLabels(args.stack, kind)).map(([label, value]) => ({ label, value })),
        },
        { parent: this, retainOnDelete: true },
      );
      return [kind, volume] as const;
    });
    this.volumes = Object.fromEntries(entries) as Record<VolumeKind, docker.Volume>;
    this.registerOutputs({ names: Object.fromEntries(entries.map(([k, v]) => [k, v.name])) });
  }
}
