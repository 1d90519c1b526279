// The signing identity: what Fulcio certifies for the publishing workflow (a reusable workflow), what users pin, and
// what the cosign verify command line carries. Patterns are checked with JavaScript's engine; the ones used here
// (anchors, classes, groups, ?) mean the same in Go's RE2, which cosign uses.

import { readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { KEYLESS } from "../../src/config/sandbox/signature.js";
import { cosignVerifyArgs, GITHUB_OIDC_ISSUER } from "../../src/image/cosign.js";
import { githubToken } from "../support/oidc.js";
import { PROJECT_DIR } from "../support/program.js";
import { identityFromToken, jwtClaims, publisherIdentityRegexp, releaseIdentityRegexp, signerIdentity } from "../../src/release/identity.js";

const RELEASE = "https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v1.2.3";

describe("the signer identity", () => {
  it("is publish.yml of pRizz/opencode-cloud at the ref, GitHub's spelling of the owner", () => {
    expect(signerIdentity("refs/tags/v1.2.3")).toBe(RELEASE);
    expect(GITHUB_OIDC_ISSUER).toBe("https://token.actions.githubusercontent.com");
  });

  it.each([
    [RELEASE, true, true],
    ["https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v2.0.0-rc.1", true, true],
    ["https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/heads/main", false, true],
    // The caller, which Fulcio does not certify for a reusable workflow's job.
    ["https://github.com/pRizz/opencode-cloud/.github/workflows/release.yml@refs/tags/v1.2.3", false, false],
    // Lower-cased owner: not what Fulcio writes, and cosign compares case-sensitively.
    ["https://github.com/prizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v1.2.3", false, false],
    ["https://github.com/pRizz/other-repo/.github/workflows/publish.yml@refs/tags/v1.2.3", false, false],
    ["https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/heads/feature", false, false],
    ["https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v1.2", false, false],
    ["https://github.com/pRizz/opencode-cloud/.github/workflows/publishXyml@refs/tags/v1.2.3", false, false],
    [`${RELEASE}/extra`, false, false],
  ])("%s: release pattern %s, publisher pattern %s", (identity, release, publisher) => {
    expect(new RegExp(releaseIdentityRegexp()).test(identity)).toBe(release);
    expect(new RegExp(publisherIdentityRegexp()).test(identity)).toBe(publisher);
  });

  it("requireSignature's cosign verify pins the release pattern and GitHub's issuer", () => {
    const pinned = `docker.io/prizz/opencode-cloud-sandbox@sha256:${"a".repeat(64)}`;
    expect(cosignVerifyArgs(pinned, KEYLESS)).toEqual([
      "verify",
      "--certificate-identity-regexp",
      releaseIdentityRegexp(),
      "--certificate-oidc-issuer",
      "https://token.actions.githubusercontent.com",
      pinned,
    ]);
  });
});

describe("the identity a GitHub OIDC token produces", () => {
  it("is the job_workflow_ref claim (the reusable workflow), not the caller's workflow_ref", () => {
    const token = githubToken({
      workflow_ref: "pRizz/opencode-cloud/.github/workflows/release.yml@refs/tags/v1.2.3",
      job_workflow_ref: "pRizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v1.2.3",
    });
    expect(identityFromToken(token, "https://github.com/")).toBe(RELEASE);
  });

  it.each([
    ["not-a-jwt", "is not a JWT"],
    ["a.!!!.c", "not base64url JSON"],
    [githubToken({ sub: "repo:pRizz/opencode-cloud:ref:refs/tags/v1.2.3" }), "no usable job_workflow_ref claim (got undefined)"],
    [githubToken({ job_workflow_ref: "release.yml" }), 'no usable job_workflow_ref claim (got "release.yml")'],
  ])("refuses %s", (token, message) => {
    expect(() => identityFromToken(token, "https://github.com")).toThrow(message);
  });

  it("reads every claim of the payload", () => {
    expect(jwtClaims(githubToken({ repository_owner: "pRizz" }))["repository_owner"]).toBe("pRizz");
  });
});

describe("the README's verify commands", () => {
  const readme = readFileSync(join(PROJECT_DIR, "README.md"), "utf8");

  it("verify the SBOM attestation with the exact identity of a release and GitHub's issuer, in one line", () => {
    const line = readme.split("\n").find((l) => l.startsWith("cosign verify-attestation "))!;
    expect(line).toBe(
      `cosign verify-attestation --type cyclonedx --certificate-identity ${signerIdentity("refs/tags/v1.2.3")} --certificate-oidc-issuer ${GITHUB_OIDC_ISSUER} docker.io/prizz/opencode-cloud-sandbox@sha256:<platform digest>`,
    );
  });

  it("verify the signature with a pattern only release identities match", () => {
    const line = readme.split("\n").find((l) => l.startsWith("cosign verify "))!;
    const pattern = /--certificate-identity-regexp '([^']+)'/.exec(line)![1]!;
    expect(new RegExp(pattern).test(signerIdentity("refs/tags/v1.2.3"))).toBe(true);
    expect(new RegExp(pattern).test(signerIdentity("refs/heads/main"))).toBe(false);
    expect(new RegExp(pattern).test(signerIdentity("refs/tags/v1.2.3").replace("pRizz", "prizz"))).toBe(false);
    expect(line).toContain(`--certificate-oidc-issuer ${GITHUB_OIDC_ISSUER} `);
  });
});

