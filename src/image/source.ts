// The sandbox image as a resource whose `imageId` the container uses (an image ID, never a name or repo digest:
// those make the docker provider replace the container on every run).
//   pull:  docker.RemoteImage `name@digest` (the digest resolved before the update), kept locally on destroy.
//   build: docker-build Image from image/, loaded into the target engine for its own platform, no push; a
//          RemoteImage over the loaded tag reads its image ID (replaced whenever the build context changes).

import * as docker from "@pulumi/docker";
import * as dockerbuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import type { Platform } from "../facts.js";
import type { ImageSourceSettings } from "../config/sandbox/image-source.js";
import type { ResolvedImage } from "./types.js";

/** Build context and Dockerfile, relative to the project directory (where Pulumi runs the program). */
export const BUILD_CONTEXT = "image";
export const BUILD_DOCKERFILE = `${BUILD_CONTEXT}/Dockerfile`;

export interface SandboxImageArgs {
  readonly source: ImageSourceSettings;
  /** Required for `pull`: the digest the registries answered with. */
  readonly resolved?: ResolvedImage;
  readonly platform?: Platform;
  /** The docker-build provider for the target host (build only). */
  readonly buildProvider?: pulumi.ProviderResource;
}

export class SandboxImage extends pulumi.ComponentResource {
  readonly imageId: pulumi.Output<string>;
  /** `name@digest` for pulled images, the local tag for built ones. */
  readonly reference: pulumi.Output<string>;
  /** Registry that served the image, or `local build`. */
  readonly registry: string;

  constructor(name: string, args: SandboxImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("opencode-cloud:image:SandboxImage", name, {}, opts);
    const platform = args.platform ? { platform: args.platform } : {};
    let image: docker.RemoteImage;
    if (args.source.source === "pull") {
      if (!args.resolved) throw new Error("SandboxImage: the pull source needs the resolved digest");
      image = new docker.RemoteImage(
        `${name}-pull`,
        { name: args.resolved.pinned, keepLocally: true, ...platform },
        { parent: this },
      );
      this.registry = args.resolved.registry;
      this.reference = pulumi.output(args.resolved.pinned);
    } else {
      const built = new dockerbuild.Image(
        `${name}-build`,
        {
          context: { location: BUILD_CONTEXT },
          dockerfile: { location: BUILD_DOCKERFILE },
          tags: [args.source.tag],
          load: true,
          push: false,
          // A preview must not start a multi-minute build on the target host.
          buildOnPreview: false,
          ...(args.platform ? { platforms: [args.platform as dockerbuild.Platform] } : {}),
        },
        { parent: this, ...(args.buildProvider ? { provider: args.buildProvider } : {}) },
      );
      image = new docker.RemoteImage(
        `${name}-local`,
        { name: args.source.tag, keepLocally: true, triggers: { contextHash: built.contextHash }, ...platform },
        { parent: this, dependsOn: [built] },
      );
      this.registry = "local build";
      this.reference = pulumi.output(args.source.tag);
    }
    this.imageId = image.imageId;
    this.registerOutputs({ imageId: this.imageId, reference: this.reference });
  }
}
