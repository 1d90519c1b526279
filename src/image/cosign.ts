// `cosign verify` for a pinned image, when cosign is installed. Keyless signatures made by this project's release
// workflow: the certificate must come from GitHub's OIDC issuer for the publishing workflow of this repository at a
// release tag (RELEASE_SIGNER in src/facts.ts; src/release/identity.ts builds the pattern).

import { execFile } from "node:child_process";
import { RELEASE_SIGNER } from "../facts.js";
import { parseReference } from "../oci/reference.js";
import { isLoopbackAddress } from "../oci/endpoints.js";
import { releaseIdentityRegexp } from "../release/identity.js";

export const GITHUB_OIDC_ISSUER = RELEASE_SIGNER.oidcIssuer;

/** The identity `requireSignature` accepts: publish.yml of this repository at a release tag, GitHub's spelling. */
export function defaultIdentityRegexp(): string {
  return releaseIdentityRegexp();
}

export type CosignResult = { readonly state: "not-installed" } | { readonly state: "verified" } | { readonly state: "failed"; readonly reason: string };

export type CosignVerifier = (pinned: string) => Promise<CosignResult>;

/** The command line for one verification (pure, for tests and messages). */
export function cosignVerifyArgs(pinned: string, identityRegexp = defaultIdentityRegexp()): string[] {
  const registry = parseReference(pinned).registry;
  const insecure = isLoopbackAddress(registry) ? ["--allow-insecure-registry", "--allow-http-registry"] : [];
  return ["verify", "--certificate-identity-regexp", identityRegexp, "--certificate-oidc-issuer", GITHUB_OIDC_ISSUER, ...insecure, pinned];
}

export const execCosign: CosignVerifier = (pinned) =>
  new Promise((resolve) => {
    execFile("cosign", cosignVerifyArgs(pinned), { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve({ state: "verified" });
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return resolve({ state: "not-installed" });
      resolve({ state: "failed", reason: stderr.trim().split("\n").slice(-3).join(" ") || error.message });
    });
  });
