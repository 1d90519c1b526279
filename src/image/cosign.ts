// `cosign verify` for a pinned image, when cosign is installed, under the stack's signature policy
// (src/config/sandbox/signature.ts). Keyless (the default): the certificate must come from GitHub's OIDC issuer for
// the publishing workflow of this repository at a release tag (RELEASE_SIGNER in src/facts.ts;
// src/release/identity.ts builds the pattern). Key: the signature must verify with the configured public key, with
// its transparency-log entry unless the policy says the signing had none.

import { execFile } from "node:child_process";
import type { SignaturePolicy } from "../config/sandbox/signature.js";
import { RELEASE_SIGNER } from "../facts.js";
import { parseReference } from "../oci/reference.js";
import { isLoopbackAddress } from "../oci/endpoints.js";
import { releaseIdentityRegexp } from "../release/identity.js";

export const GITHUB_OIDC_ISSUER = RELEASE_SIGNER.oidcIssuer;

export type CosignResult = { readonly state: "not-installed" } | { readonly state: "verified" } | { readonly state: "failed"; readonly reason: string };

export type CosignVerifier = (pinned: string, policy: SignaturePolicy) => Promise<CosignResult>;

/** The command line for one verification (pure, for tests and messages). */
export function cosignVerifyArgs(pinned: string, policy: SignaturePolicy): string[] {
  const registry = parseReference(pinned).registry;
  const insecure = isLoopbackAddress(registry) ? ["--allow-insecure-registry", "--allow-http-registry"] : [];
  const trust =
    policy.kind === "keyless"
      ? ["--certificate-identity-regexp", releaseIdentityRegexp(), "--certificate-oidc-issuer", GITHUB_OIDC_ISSUER]
      : ["--key", policy.key, ...(policy.tlog ? [] : ["--insecure-ignore-tlog=true"])];
  return ["verify", ...trust, ...insecure, pinned];
}

/** The policy in a few words, for messages: which check accepted or refused a signature. */
export function describePolicy(policy: SignaturePolicy): string {
  return policy.kind === "keyless"
    ? "keyless, as the release workflow at a release tag"
    : `with the key ${policy.key}${policy.tlog ? "" : ", no transparency log"}`;
}

export const execCosign: CosignVerifier = (pinned, policy) =>
  new Promise((resolve) => {
    execFile("cosign", cosignVerifyArgs(pinned, policy), { timeout: 120_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve({ state: "verified" });
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return resolve({ state: "not-installed" });
      resolve({ state: "failed", reason: stderr.trim().split("\n").slice(-3).join(" ") || error.message });
    });
  });
