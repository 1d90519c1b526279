// What cosign-sign signs and how it checks each signature. Pure: references in, cosign command lines out.

import { InputError } from "../../lib/errors.js";
import { formatReference, isDigest, parseReference } from "../../../src/oci/reference.js";

/** GitHub's OIDC issuer: the certificate of every keyless signature made in GitHub Actions names it. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/**
 * `repository@digest` for each image. A line may carry its own digest (a tag beside it is dropped: tags move) or,
 * when `digest` is given, be a bare repository; a tag without a digest is refused.
 */
export function signTargets(images: readonly string[], digest: string): string[] {
  if (images.length === 0) throw new InputError("images", "no image given", "one image per line, each name@sha256:... (or name with the digest input)");
  if (digest !== "" && !isDigest(digest)) {
    throw new InputError("digest", `"${digest}" is not a digest`, "sha256: and 64 lowercase hex digits, or empty");
  }
  const targets = images.map((line, i) => {
    let ref;
    try {
      ref = parseReference(line);
    } catch (error) {
      throw new InputError("images", `line ${i + 1}: ${(error as Error).message}`, "image references, one per line");
    }
    if (ref.digest !== undefined && digest !== "" && ref.digest !== digest) {
      throw new InputError("images", `line ${i + 1} "${line}" has digest ${ref.digest}, but the digest input is ${digest}`, "one digest for all images");
    }
    const pinned = ref.digest ?? (digest === "" ? undefined : digest);
    if (pinned === undefined) {
      throw new InputError(
        "images",
        `line ${i + 1} "${line}" names ${ref.tag === undefined ? "no digest" : `tag "${ref.tag}" but no digest`}; a tag can move after signing`,
        "name@sha256:<64 hex> per line, or bare names together with the digest input",
      );
    }
    if (!isDigest(pinned)) throw new InputError("images", `line ${i + 1}: digest ${pinned} is not sha256`, "sha256 digests");
    return formatReference({ name: ref.name, digest: pinned });
  });
  return [...new Set(targets)];
}

export type SigningMode = { kind: "keyless"; identity: string; issuer: string } | { kind: "key"; key: string; publicKey: string };

/**
 * The certificate identity a keyless signature from this workflow carries: the workflow file's URL at its ref,
 * `https://github.com/OWNER/REPO/.github/workflows/FILE@REF`.
 */
export function workflowIdentity(env: Record<string, string | undefined>): string {
  const server = env["GITHUB_SERVER_URL"];
  const workflowRef = env["GITHUB_WORKFLOW_REF"];
  if (!server || !workflowRef) {
    throw new InputError(
      "certificate-identity",
      "it is empty and GITHUB_SERVER_URL/GITHUB_WORKFLOW_REF are unset, so the workflow identity is unknown",
      "the exact certificate identity (workflow URL@ref) to verify against",
    );
  }
  return `${server.replace(/\/+$/, "")}/${workflowRef}`;
}

/** Keyless signing needs the job's OIDC token; GitHub only provides it with `permissions: id-token: write`. */
export function checkOidc(env: Record<string, string | undefined>): void {
  if (!env["ACTIONS_ID_TOKEN_REQUEST_URL"] || !env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]) {
    throw new Error(
      "keyless signing needs GitHub's OIDC token, but ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are " +
        "unset: give the job `permissions: id-token: write` (or use mode: key)",
    );
  }
}

/** cosign v3 stores the signature as a Sigstore bundle attached as an OCI referrer; both commands say so explicitly. */
export function signArgs(target: string, mode: SigningMode): string[] {
  return ["sign", "--yes", "--new-bundle-format=true", ...(mode.kind === "key" ? ["--key", mode.key] : []), target];
}

export function verifyArgs(target: string, mode: SigningMode): string[] {
  return mode.kind === "key"
    ? ["verify", "--new-bundle-format=true", "--key", mode.publicKey, target]
    : ["verify", "--new-bundle-format=true", "--certificate-identity", mode.identity, "--certificate-oidc-issuer", mode.issuer, target];
}
