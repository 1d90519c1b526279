// `cosign verify` for a pinned image, when cosign is installed. Keyless signatures made by this project's GitHub
// workflows: the certificate must come from GitHub's OIDC issuer for a workflow of the image owner's repositories.

import { execFile } from "node:child_process";
import { IMAGE_NAMES } from "../facts.js";
import { parseReference } from "../oci/reference.js";
import { isLoopbackHost } from "../oci/endpoints.js";

export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** `^https://github\.com/<owner>/`: any workflow in the publishing owner's repositories. */
export function defaultIdentityRegexp(): string {
  const owner = parseReference(IMAGE_NAMES.ghcr).repository.split("/")[0]!;
  return `^https://github\\.com/${owner.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`;
}

export type CosignResult = { readonly state: "not-installed" } | { readonly state: "verified" } | { readonly state: "failed"; readonly reason: string };

export type CosignVerifier = (pinned: string) => Promise<CosignResult>;

/** The command line for one verification (pure, for tests and messages). */
export function cosignVerifyArgs(pinned: string, identityRegexp = defaultIdentityRegexp()): string[] {
  const registry = parseReference(pinned).registry;
  const insecure = isLoopbackHost(registry.replace(/:\d+$/, "")) ? ["--allow-insecure-registry", "--allow-http-registry"] : [];
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
