// What cosign-sign signs and how it checks each signature. Pure: references in, cosign command lines out.

import { InputError } from "../../lib/errors.js";
import { RELEASE_SIGNER } from "../../../src/facts.js";
import { formatReference, isDigest, parseReference } from "../../../src/oci/reference.js";

/** GitHub's OIDC issuer: the certificate of every keyless signature made in GitHub Actions names it. */
export const GITHUB_OIDC_ISSUER = RELEASE_SIGNER.oidcIssuer;

/** Attestation predicate types this action attaches (cosign's `--type` names). */
export const PREDICATE_TYPES = ["cyclonedx", "spdxjson"] as const;
export type PredicateType = (typeof PREDICATE_TYPES)[number];

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
 * The identity to verify against: the `certificate-identity` input when given, else the one Fulcio certifies for this
 * job's OIDC token (`tokenIdentity`, from its job_workflow_ref claim: inside a reusable workflow that is the called
 * workflow, not GITHUB_WORKFLOW_REF's caller). When both are known they must agree, and when a pattern is given the
 * identity must match it: checked before anything is signed.
 */
export function signingIdentity(explicit: string, tokenIdentity: string | undefined, pattern: string): string {
  const identity = explicit || tokenIdentity;
  if (!identity) {
    throw new InputError("certificate-identity", "it is empty and no OIDC token was read", "the exact certificate identity (workflow URL@ref)");
  }
  if (explicit && tokenIdentity && explicit !== tokenIdentity) {
    throw new InputError(
      "certificate-identity",
      `"${explicit}" is not the identity this job's OIDC token carries (${tokenIdentity}), so the signature could never verify`,
      "empty (the token's job_workflow_ref), or exactly that identity",
    );
  }
  if (pattern !== "") {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (error) {
      throw new InputError("certificate-identity-regexp", `"${pattern}" is not a regular expression (${(error as Error).message})`, "an anchored pattern");
    }
    if (!re.test(identity)) {
      throw new InputError(
        "certificate-identity-regexp",
        `the signing identity ${identity} does not match ${pattern}; only the publishing workflow at its refs signs`,
        "a pattern the publishing workflow's identity matches",
      );
    }
  }
  return identity;
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

/** An attestation: a predicate file of a type, attached to each target as a signed in-toto statement. */
export interface Predicate {
  readonly type: PredicateType;
  readonly path: string;
}

function keyArgs(mode: SigningMode, signing: boolean): string[] {
  if (mode.kind === "keyless") return [];
  return ["--key", signing ? mode.key : mode.publicKey];
}

function identityArgs(mode: SigningMode): string[] {
  return mode.kind === "keyless" ? ["--certificate-identity", mode.identity, "--certificate-oidc-issuer", mode.issuer] : keyArgs(mode, false);
}

/**
 * cosign v3 writes a Sigstore bundle attached as an OCI referrer by default (the old `--new-bundle-format` flag is
 * deprecated from v3.1 and not passed). Without a predicate: sign; with one: attest it.
 */
export function signArgs(target: string, mode: SigningMode, predicate?: Predicate): string[] {
  return predicate
    ? ["attest", "--yes", "--type", predicate.type, "--predicate", predicate.path, ...keyArgs(mode, true), target]
    : ["sign", "--yes", ...keyArgs(mode, true), target];
}

export function verifyArgs(target: string, mode: SigningMode, predicate?: Predicate): string[] {
  return predicate ? ["verify-attestation", "--type", predicate.type, ...identityArgs(mode), target] : ["verify", ...identityArgs(mode), target];
}
