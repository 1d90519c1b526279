// What the pull path resolves before any resource is declared: the digest a registry serves for the configured tag.

import type { ImageReference } from "../oci/reference.js";
import type { ImageSourceSettings } from "../config/sandbox/image-source.js";
import type { ProgramLog } from "../sandbox/log.js";

export type PullSettings = Extract<ImageSourceSettings, { source: "pull" }>;

export type SignatureStatus =
  /** `cosign verify` accepted the signature. */
  | { readonly state: "verified" }
  /** A signature exists (cosign tag or OCI referrer) but cosign is not installed to verify it. */
  | { readonly state: "present"; readonly via: "tag" | "referrers" }
  /** No cosign signature was found for the digest. */
  | { readonly state: "absent" };

export interface ResolvedImage {
  /** The candidate that answered (name and tag). */
  readonly reference: ImageReference;
  readonly digest: string;
  /** Registry host that served the digest, e.g. `docker.io`. */
  readonly registry: string;
  /** `name@digest`: what the engine pulls. */
  readonly pinned: string;
  readonly signature: SignatureStatus;
}

/** Resolves the configured tag to a digest (network I/O: injected so tests run offline). */
export type ImageResolver = (settings: PullSettings, log: ProgramLog) => Promise<ResolvedImage>;
