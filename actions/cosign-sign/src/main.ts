// cosign-sign: sign each repository@digest (keyless through GitHub OIDC by default), or attest a predicate (an SBOM)
// to each, then verify each at once with the exact identity and issuer. The identity is the one Fulcio certifies for
// this job's token (its job_workflow_ref claim), checked against the expected pattern before anything is signed. The
// plan (targets, identity, command lines) is pure: see plan.ts.

import { readFile } from "node:fs/promises";
import * as core from "@actions/core";
import { cell, runAction, writeSummary } from "../../lib/action.js";
import { enumInput, InputError, listInput, requiredInput, stringInput } from "../../lib/inputs.js";
import { COSIGN } from "../../lib/pins.js";
import { runTool, toolFailure } from "../../lib/run.js";
import { resolveTool, sha256File } from "../../lib/tool.js";
import { identityFromToken } from "../../../src/release/identity.js";
import {
  checkOidc,
  GITHUB_OIDC_ISSUER,
  PREDICATE_TYPES,
  signArgs,
  signingIdentity,
  signTargets,
  verifyArgs,
  type Predicate,
  type SigningMode,
} from "./plan.js";

/** The defaults action.yml declares (tests/actions checks that the two agree). */
export const DEFAULTS = {
  mode: "keyless",
  "certificate-oidc-issuer": GITHUB_OIDC_ISSUER,
  "predicate-type": "cyclonedx",
} as const;

/** The audience sigstore's Fulcio expects in a GitHub token. */
const SIGSTORE_AUDIENCE = "sigstore";

export async function run(): Promise<void> {
  await runAction("cosign-sign", async () => {
    const targets = signTargets(listInput("images"), stringInput("digest"));
    const predicate = await readPredicate();
    const kind = enumInput("mode", ["keyless", "key"] as const, DEFAULTS.mode);
    let mode: SigningMode;
    if (kind === "keyless") {
      checkOidc(process.env);
      const token = await core.getIDToken(SIGSTORE_AUDIENCE);
      const server = process.env["GITHUB_SERVER_URL"] || "https://github.com";
      mode = {
        kind,
        identity: signingIdentity(stringInput("certificate-identity"), identityFromToken(token, server), stringInput("certificate-identity-regexp")),
        issuer: stringInput("certificate-oidc-issuer", DEFAULTS["certificate-oidc-issuer"]),
      };
      core.info(`Signing identity (from the OIDC token's job_workflow_ref): ${mode.identity}`);
    } else {
      mode = {
        kind,
        key: requiredInput("key", "with mode: key, the signing key: a file path or a KMS URI (password in COSIGN_PASSWORD)"),
        publicKey: requiredInput("public-key", "with mode: key, the public key (file path or KMS URI) to verify with"),
      };
    }
    const cosign = await resolveTool(COSIGN, stringInput("tool-path"));
    const what = predicate ? `${predicate.type} attestation` : "signature";

    const signed: string[] = [];
    for (const target of targets) {
      await core.group(`${predicate ? "Attest" : "Sign"} ${target}`, async () => {
        const sign = await runTool(cosign, signArgs(target, mode, predicate));
        if (sign.exitCode !== 0) throw toolFailure("cosign", sign, `${predicate ? "attesting" : "signing"} ${target}`);
        // verify-attestation prints every attestation (a whole SBOM, base64): keep the log short.
        const verify = await runTool(cosign, verifyArgs(target, mode, predicate), { silent: predicate !== undefined });
        if (verify.exitCode !== 0) {
          const expected = mode.kind === "keyless" ? `identity ${mode.identity}, issuer ${mode.issuer}` : `public key ${mode.publicKey}`;
          throw toolFailure("cosign", verify, `verifying the ${what} just made on ${target} (expected ${expected})`);
        }
        signed.push(target);
      });
    }

    core.setOutput("signed", signed.join("\n"));
    core.setOutput("signed-json", JSON.stringify(signed));
    core.setOutput("count", signed.length);
    if (mode.kind === "keyless") core.setOutput("identity", mode.identity);
    await writeSummary((s) => {
      s.addHeading(`cosign: ${what} made and verified`, 2);
      s.addRaw(
        mode.kind === "keyless"
          ? `Keyless; certificate identity \`${mode.identity}\`, issuer \`${mode.issuer}\`.`
          : `Key-based; verified with \`${mode.publicKey}\`.`,
        true,
      );
      s.addList(signed.map(cell));
    });
  });
}

/** The predicate to attest (an SBOM file), its sha256 checked when given; undefined to sign. */
async function readPredicate(): Promise<Predicate | undefined> {
  const path = stringInput("predicate");
  const expected = stringInput("predicate-sha256").toLowerCase();
  if (path === "") {
    if (expected !== "") throw new InputError("predicate-sha256", "is set without a predicate", "empty, or together with predicate");
    return undefined;
  }
  const type = enumInput("predicate-type", PREDICATE_TYPES, DEFAULTS["predicate-type"]);
  const text = await readFile(path, "utf8").catch((error: Error) => {
    throw new InputError("predicate", `cannot read ${path} (${error.message})`, "the path of the predicate file (e.g. a CycloneDX SBOM)");
  });
  try {
    JSON.parse(text);
  } catch {
    throw new InputError("predicate", `${path} is not JSON (truncated or not an SBOM)`, "a JSON predicate file");
  }
  if (expected !== "") {
    if (!/^[0-9a-f]{64}$/.test(expected)) throw new InputError("predicate-sha256", `"${expected}" is not a sha256`, "64 hex digits, or empty");
    const actual = await sha256File(path);
    if (actual !== expected) {
      throw new InputError("predicate", `${path} has sha256 ${actual}, not the ${expected} the job that wrote it reported`, "the file as written");
    }
  }
  return { type, path };
}
