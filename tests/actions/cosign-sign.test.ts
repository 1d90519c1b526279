// cosign-sign through its real entry point, with a stand-in cosign v3 that keeps the signatures it makes and
// verifies against them.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IMAGE_NAMES } from "../../src/facts.js";
import { errorOf, runAction, standIn, workDir } from "./support.js";

const DIGEST = "sha256:" + "c".repeat(64);
const WORKFLOW_REF = "prizz/opencode-cloud/.github/workflows/release.yml@refs/tags/v1.2.3";
const IDENTITY = `https://github.com/${WORKFLOW_REF}`;
const GITHUB_ENV = {
  GITHUB_SERVER_URL: "https://github.com",
  GITHUB_WORKFLOW_REF: WORKFLOW_REF,
  ACTIONS_ID_TOKEN_REQUEST_URL: "http://127.0.0.1:9/token",
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: "not-a-real-token",
};

async function sign(inputs: Record<string, string>, env: Record<string, string> = GITHUB_ENV) {
  const dir = await workDir();
  const cosign = await standIn(dir, "cosign");
  return runAction("cosign-sign", dir, { "tool-path": cosign, ...inputs }, { FAKE_COSIGN_STATE: join(dir, "signatures.jsonl"), ...env });
}

describe("cosign-sign", () => {
  it("signs repository@digest in each registry keyless and verifies each with the exact identity and issuer", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.dockerHub}\n${IMAGE_NAMES.ghcr}`, digest: DIGEST });
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    const targets = [`${IMAGE_NAMES.dockerHub}@${DIGEST}`, `${IMAGE_NAMES.ghcr}@${DIGEST}`];
    expect(run.calls.map((c) => c.argv)).toEqual(
      targets.flatMap((t) => [
        ["sign", "--yes", "--new-bundle-format=true", t],
        ["verify", "--new-bundle-format=true", "--certificate-identity", IDENTITY, "--certificate-oidc-issuer", "https://token.actions.githubusercontent.com", t],
      ]),
    );
    expect(run.outputs["signed"]).toBe(targets.join("\n"));
    expect(JSON.parse(run.outputs["signed-json"]!)).toEqual(targets);
    expect(run.outputs["count"]).toBe("2");
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
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _u, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _t, ...env } = GITHUB_ENV;
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}` }, env);
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("permissions: id-token: write");
    expect(run.calls).toHaveLength(0);
  });

  it("fails when the signature does not verify with the expected identity", async () => {
    const run = await sign(
      { images: `${IMAGE_NAMES.ghcr}@${DIGEST}` },
      { ...GITHUB_ENV, FAKE_COSIGN_TOKEN_IDENTITY: "https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main" },
    );
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain(`cosign failed while verifying the signature just made on ${IMAGE_NAMES.ghcr}@${DIGEST} (expected identity ${IDENTITY}`);
    expect(errorOf(run)).toContain("no matching signatures");
    expect(run.outputs["signed"]).toBeUndefined();
  });

  it("signs with a key and verifies with its public key", async () => {
    const run = await sign({ images: `${IMAGE_NAMES.ghcr}@${DIGEST}`, mode: "key", key: "cosign.key", "public-key": "cosign.pub" }, {});
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.calls.map((c) => c.argv)).toEqual([
      ["sign", "--yes", "--new-bundle-format=true", "--key", "cosign.key", `${IMAGE_NAMES.ghcr}@${DIGEST}`],
      ["verify", "--new-bundle-format=true", "--key", "cosign.pub", `${IMAGE_NAMES.ghcr}@${DIGEST}`],
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
