// The keyless signing identity, pure: the certificate identity Fulcio issues to the publishing workflow, patterns a
// verifier pins (release tags only, or release tags and edge), and the identity a GitHub OIDC token will produce.
// Everything is derived from RELEASE_SIGNER (src/facts.ts).

import { RELEASE_SIGNER } from "../facts.js";

/** A release ref's tag part: v + strict semver without build metadata (as src/release/tags.ts accepts). */
const VERSION_TAG_PATTERN = "[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?";

function escapeRegexp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@<ref>`: the identity at one ref. */
export function signerIdentity(ref: string, signer = RELEASE_SIGNER): string {
  return `${signer.server}/${signer.repository}/${signer.workflow}@${ref}`;
}

/** What users verify (requireSignature, the README's commands): the publishing workflow at a release tag. */
export function releaseIdentityRegexp(signer = RELEASE_SIGNER): string {
  const base = escapeRegexp(`${signer.server}/${signer.repository}/${signer.workflow}@`);
  return `^${base}${escapeRegexp(signer.releaseRefPrefix)}${VERSION_TAG_PATTERN}$`;
}

/** What the pipeline may sign as: the publishing workflow at a release tag or on the edge branch. */
export function publisherIdentityRegexp(signer = RELEASE_SIGNER): string {
  const base = escapeRegexp(`${signer.server}/${signer.repository}/${signer.workflow}@`);
  return `^${base}(${escapeRegexp(signer.releaseRefPrefix)}${VERSION_TAG_PATTERN}|${escapeRegexp(signer.edgeRef)})$`;
}

export class TokenError extends Error {
  override readonly name = "TokenError";
}

/**
 * The claims of a JWT (the payload, base64url JSON). No signature check: the token came from GitHub's token endpoint
 * over TLS and is used here only to name the identity Fulcio will certify; Fulcio itself verifies it.
 */
export function jwtClaims(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === "") throw new TokenError("the OIDC token is not a JWT (header.payload.signature)");
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    throw new TokenError("the OIDC token's payload is not base64url JSON");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) throw new TokenError("the OIDC token's payload is not a JSON object");
  return claims as Record<string, unknown>;
}

/**
 * The identity Fulcio puts in the certificate for a GitHub Actions token: the server and the `job_workflow_ref`
 * claim (`owner/repo/.github/workflows/file.yml@ref`: for a reusable workflow, the called one).
 */
export function identityFromToken(token: string, server: string): string {
  const ref = jwtClaims(token)["job_workflow_ref"];
  if (typeof ref !== "string" || !/^[^/\s]+\/[^/\s]+\/\.github\/workflows\/[^@\s]+@\S+$/.test(ref)) {
    throw new TokenError(`the OIDC token has no usable job_workflow_ref claim (got ${JSON.stringify(ref)})`);
  }
  return `${server.replace(/\/+$/, "")}/${ref}`;
}
