// cosign-sign through its real entry point, with a stand-in cosign v3 that keeps the signatures and attestations it
// makes and verifies against them, and a stand-in GitHub token endpoint. The job runs inside the reusable workflow
// publish.yml called by release.yml: GITHUB_WORKFLOW_REF names the caller, the token's job_workflow_ref (what Fulcio
// certifies) names publish.yml.

import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_NAMES } from "../../src/facts.js";
import { publisherIdentityRegexp, signerIdentity } from "../../src/release/identity.js";
import { githubToken, tokenEndpoint, type TokenEndpoint } from "../support/oidc.js";
import { errorOf, runAction, standIn, workDir } from "./support.js";

const DIGEST = "sha256:" + "c".repeat(64);
const REF = "refs/tags/v1.2.3";
const IDENTITY = signerIdentity(REF);
const ISSUER = "https://token.actions.githubusercontent.com";

let endpoint: TokenEndpoint;
let foreign: TokenEndpoint;
beforeAll(async () => {
  endpoint = await tokenEndpoint(
    githubToken({
      workflow_ref: `pRizz/opencode-cloud/.github/workflows/release.yml@${REF}`,
      job_workflow_ref: `pRizz/opencode-cloud/.github/workflows/publish.yml@${REF}`,
    }),
  );
  foreign = await tokenEndpoint(githubToken({ job_workflow_ref: `someone/fork/.github/workflows/publish.yml@${REF}` }));
});
afterAll(async () => {
  await endpoint.close();
  await foreign.close();
});

const githubEnv = (e: TokenEndpoint = endpoint) => ({
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_WORKFLOW_REF: `pRizz/opencode-cloud/.github/workflows/release.yml@${REF}`,
  ACTIONS_ID_TOKEN_REQUEST_URL: e.url,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: e.requestToken,
});

async function sign(inputs: Record<string, string>, env: Record<string, string> = githubEnv(), dir?: string) {
  dir ??= await workDir();
  const cosign = await standIn(dir, "cosign");
  return runAction("cosign-sign", dir, { "tool-path": cosign, ...inputs }, { FAKE_COSIGN_STATE: join(dir, "signatures.jsonl"), ...env });
}

describe("cosign-sign", () => {
  it("signs repository@digest in each registry as the reusable workflow (job_workflow_ref), and verifies with that identity", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.dockerHub}\n${IMAGE_NAMES.ghcr}`, digest: DIGEST, "certificate-identity-regexp": publisherIdentityRegexp() });
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    const targets = [`${IMAGE_NAMES.dockerHub}@${DIGEST}`, `${IMAGE_NAMES.ghcr}@${DIGEST}`];
    expect(run.calls.map((c) => c.argv)).toEqual(
      targets.flatMap((t) => [
        ["sign", "--yes", t],
        ["verify", "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", ISSUER, t],
      ]),
    );
    expect(IDENTITY).toBe("https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v1.2.3");
    expect(endpoint.audiences).toContain("sigstore");
    expect(run.outputs["signed"]).toBe(targets.join("\n"));
    expect(JSON.parse(run.outputs["signed-json"]!)).toEqual(targets);
    expect(run.outputs["count"]).toBe("2");
    expect(run.outputs["identity"]).toBe(IDENTITY);
    expect(run.summary).toContain(IDENTITY);
  });

  it("signs name@digest from a line that carries tag and digest, dropping the tag", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}:1.2.3@${DIGEST}` });
    expect(run.code).toBe(0);
    expect(run.outputs["signed"]).toBe(`${IMAGE_NAMES.ghcr}@${DIGEST}`);
  });

  it("refuses a tag without a digest before running cosign", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.dockerHub}:latest` });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('input "images": line 1 "docker.io/prizz/opencode-cloud-sandbox:latest" names tag "latest" but no digest');
    expect(run.calls).toHaveLength(0);
  });

  it("says how to grant the OIDC token when ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are unset", async () => {
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _u, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _t, ...env } = githubEnv();
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}` }, env);
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("permissions: id-token: write");
    expect(run.calls).toHaveLength(0);
  });

  it("refuses, before signing, an identity the token does not carry (the caller's workflow_ref)", async () => {
    const caller = `https://github.com/pRizz/opencode-cloud/.github/workflows/release.yml@${REF}`;
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}`, "certificate-identity": caller });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain(`input "certificate-identity": "${caller}" is not the identity this job's OIDC token carries (${IDENTITY})`);
    expect(run.calls).toHaveLength(0);
  });

  it("refuses, before signing, a token from another repository's workflow", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}`, "certificate-identity-regexp": publisherIdentityRegexp() }, githubEnv(foreign));
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("the signing identity https://github.com/someone/fork/.github/workflows/publish.yml@refs/tags/v1.2.3 does not match");
    expect(run.calls).toHaveLength(0);
  });

  it("attests an SBOM to each platform digest and verifies the attestation; refuses a file that is not the one reported", async () => {
    const dir = await workDir();
    const sbom = join(dir, "sbom-amd64.cdx.json");
    const text = JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: [] });
    await writeFile(sbom, text);
    const sha = createHash("sha256").update(text).digest("hex");
    const run = await sign({ images: `${IMAGE_NAMES.dockerHub}\n${IMAGE_NAMES.ghcr}`, digest: DIGEST, predicate: sbom, "predicate-sha256": sha }, githubEnv(), dir);
    expect(errorOf(run)).toBe("");
    expect(run.calls.map((c) => c.argv.slice(0, 6))).toEqual(
      [IMAGE_NAMES.dockerHub, IMAGE_NAMES.ghcr].flatMap((image) => [
        ["attest", "--yes", "--type", "cyclonedx", "--predicate", sbom],
        ["verify-attestation", "--type", "cyclonedx", "--certificate-identity", IDENTITY, "--certificate-oidc-issuer"],
      ]),
    );
    expect(run.summary).toContain("cyclonedx attestation made and verified");

    await writeFile(sbom, text.replace("[]", '[{"name":"added later"}]'));
    const tampered = await sign({ images: IMAGE_NAMES.ghcr, digest: DIGEST, predicate: sbom, "predicate-sha256": sha }, githubEnv(), dir);
    expect(tampered.code).toBe(1);
    expect(errorOf(tampered)).toContain(`not the ${sha} the job that wrote it reported`);
    expect(tampered.calls).toHaveLength(run.calls.length);
  });

  it("signs with a key and verifies with its public key", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}`, mode: "key", key: "cosign.key", "public-key": "cosign.pub" }, {});
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.calls.map((c) => c.argv)).toEqual([
      ["sign", "--yes", "--key", "cosign.key", `${IMAGE_NAMES.ghcr}@${DIGEST}`],
      ["verify", "--key", "cosign.pub", `${IMAGE_NAMES.ghcr}@${DIGEST}`],
    ]);
  });

  it("requires the public key in key mode", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}`, mode: "key", key: "cosign.key" }, {});
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('input "public-key": it is required but empty');
  });

  it("refuses a digest input that is not sha256", async () => {
    const run = await sign({ images: IMAGE_NAMES.ghcr, digest: "latest" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('input "digest": "latest" is not a digest');
  });
});
