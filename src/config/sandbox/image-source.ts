// Image source: pull a published image (Docker Hub, then GHCR, or one configured image), optionally pinned to a
// digest and required to be signed (by the release workflow, or with a key of the user's: signature.ts), or build it
// from image/ on the target host; and the platform to run.

import { PLATFORMS, TOOLSETS, type Platform, type Toolset } from "../../facts.js";
import { DIGEST_RE, InvalidReferenceError, parseReference, type ImageReference } from "../../oci/reference.js";
import { fullKey, type RawConfig, type SandboxKey } from "../schema.js";
import { SandboxKeyReader, type Checked } from "./keys.js";
import { readSignaturePolicy, type SignaturePolicy } from "./signature.js";

export const IMAGE_SOURCES = ["pull", "build"] as const;

export type ImageSourceSettings =
  | {
      readonly source: "pull";
      /** Tried in order: Docker Hub first, then GHCR (or the single configured image). */
      readonly candidates: readonly ImageReference[];
      readonly expectedDigest?: string;
      readonly requireSignature: boolean;
      /** Whose signature `cosign verify` accepts (also when not required: a failure is then a warning). */
      readonly signature: SignaturePolicy;
    }
  | {
      readonly source: "build";
      /** The local tag the built image gets in the target engine. */
      readonly tag: string;
      readonly toolset: Toolset;
      /** The base image (the Dockerfile's BASE_IMAGE), when not the pinned default. */
      readonly baseImage?: string;
    };

export interface ImageSettings {
  readonly image: ImageSourceSettings;
  readonly platform?: Platform;
}

/** The published image's local tag when built on the target host: `<repository basename>:local-<stack>`. */
export function localBuildTag(publishedName: string, stack: string): string {
  const repository = parseReference(publishedName).repository;
  return `${repository.slice(repository.lastIndexOf("/") + 1)}:local-${stack}`;
}

/** `published` are the published image names in pull order (Docker Hub, GHCR). */
export function readImageSource(raw: Pick<RawConfig, "values" | "stack" | "projectDir" | "pathExists" | "readText">, published: readonly string[]): Checked<ImageSettings> {
  const keys = new SandboxKeyReader(raw.values);

  const source = keys.oneOf("imageSource", IMAGE_SOURCES);
  const digestText = keys.str("imageDigest");
  let expectedDigest: string | undefined;
  if (digestText !== "") {
    if (DIGEST_RE.test(digestText)) expectedDigest = digestText;
    else keys.fail(fullKey("imageDigest"), `"${digestText}" is not a digest`, '"sha256:" followed by 64 lowercase hex digits');
  }
  const tagText = keys.str("imageTag");
  const imageText = keys.str("image");
  let candidates: ImageReference[] = [];
  const parse = (key: SandboxKey, text: string): ImageReference | undefined => {
    try {
      return parseReference(text);
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
      return keys.fail(fullKey(key), `"${text}" is not a valid OCI reference (${e.reason})`, "[registry/]repository[:tag][@sha256:<64 hex>]");
    }
  };
  if (imageText !== "") {
    const ref = parse("image", imageText);
    if (ref) {
      if (ref.digest && expectedDigest && ref.digest !== expectedDigest) {
        keys.fail(fullKey("imageDigest"), `${expectedDigest} differs from the digest in ${fullKey("image")} (${ref.digest})`, "the same digest in both, or only one of them");
      }
      expectedDigest ??= ref.digest;
      candidates = [{ registry: ref.registry, repository: ref.repository, name: ref.name, tag: ref.tag ?? tagText }];
    }
  } else if (published.length > 0 && parse("imageTag", `${published[0]}:${tagText}`)) {
    const names = publishedOn(keys, published);
    candidates = names.map((name) => parseReference(`${name}:${tagText}`));
  }

  const platformText = keys.str("platform");
  const platform = platformText !== "" ? keys.oneOf<Platform>("platform", PLATFORMS) : undefined;
  const requireSignature = keys.bool("requireSignature");
  const signature = readSignaturePolicy(keys, raw, source);

  const toolset = keys.oneOf<Toolset>("buildToolset", TOOLSETS) ?? "full";
  const baseText = keys.str("buildBaseImage");
  const baseImage = baseText !== "" && parse("buildBaseImage", baseText) ? baseText : undefined;

  const image: ImageSourceSettings =
    source === "build"
      ? { source, tag: localBuildTag(published[0]!, raw.stack), toolset, ...(baseImage ? { baseImage } : {}) }
      : { source: "pull", candidates, requireSignature, signature, ...(expectedDigest ? { expectedDigest } : {}) };
  return keys.checked({ image, ...(platform ? { platform } : {}) });
}

/**
 * The published image names to try, in order: as published (Docker Hub, GHCR), or the same repository on each of
 * `opencode-cloud:registries` (a mirror, a private registry, the real-engine tier's loopback stand-ins).
 */
function publishedOn(keys: SandboxKeyReader, published: readonly string[]): string[] {
  const text = keys.str("registries").trim();
  if (text === "") return [...published];
  const repository = parseReference(published[0]!).repository;
  const names: string[] = [];
  for (const registry of text.split(",").map((r) => r.trim())) {
    let ref: ImageReference | undefined;
    try {
      ref = registry.includes("/") ? undefined : parseReference(`${registry}/${repository}`);
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
    }
    if (ref && ref.registry === registry) names.push(ref.name);
    else keys.fail(fullKey("registries"), `"${registry}" is not a registry host`, "comma-separated registry hosts[:port], e.g. docker.io,ghcr.io or 127.0.0.1:5051");
  }
  return names.length > 0 ? names : [...published];
}
