// cosign-sign: sign each repository@digest (keyless through GitHub OIDC by default), then verify each signature at
// once with the exact identity and issuer. The plan (targets, identity, command lines) is pure: see plan.ts.

import * as core from "@actions/core";
import { cell, runAction, writeSummary } from "../../lib/action.js";
import { enumInput, listInput, requiredInput, stringInput } from "../../lib/inputs.js";
import { COSIGN } from "../../lib/pins.js";
import { runTool, toolFailure } from "../../lib/run.js";
import { resolveTool } from "../../lib/tool.js";
import { checkOidc, GITHUB_OIDC_ISSUER, signArgs, signTargets, verifyArgs, workflowIdentity, type SigningMode } from "./plan.js";

/** The defaults action.yml declares (tests/actions checks that the two agree). */
export const DEFAULTS = {
  mode: "keyless",
  "certificate-oidc-issuer": GITHUB_OIDC_ISSUER,
} as const;

export async function run(): Promise<void> {
  await runAction("cosign-sign", async () => {
    const targets = signTargets(listInput("images"), stringInput("digest"));
    const kind = enumInput("mode", ["keyless", "key"] as const, DEFAULTS.mode);
    let mode: SigningMode;
    if (kind === "keyless") {
      checkOidc(process.env);
      mode = {
        kind,
        identity: stringInput("certificate-identity") || workflowIdentity(process.env),
        issuer: stringInput("certificate-oidc-issuer", DEFAULTS["certificate-oidc-issuer"]),
      };
    } else {
      mode = {
        kind,
        key: requiredInput("key", "with mode: key, the signing key: a file path or a KMS URI (password in COSIGN_PASSWORD)"),
        publicKey: requiredInput("public-key", "with mode: key, the public key (file path or KMS URI) to verify with"),
      };
    }
    const cosign = await resolveTool(COSIGN, stringInput("tool-path"));

    const signed: string[] = [];
    for (const target of targets) {
      await core.group(`Sign ${target}`, async () => {
        const sign = await runTool(cosign, signArgs(target, mode));
        if (sign.exitCode !== 0) throw toolFailure("cosign", sign, `signing ${target}`);
        const verify = await runTool(cosign, verifyArgs(target, mode));
        if (verify.exitCode !== 0) {
          const expected = mode.kind === "keyless" ? `identity ${mode.identity}, issuer ${mode.issuer}` : `public key ${mode.publicKey}`;
          throw toolFailure("cosign", verify, `verifying the signature just made on ${target} (expected ${expected})`);
        }
        signed.push(target);
      });
    }

    core.setOutput("signed", signed.join("\n"));
    core.setOutput("signed-json", JSON.stringify(signed));
    core.setOutput("count", signed.length);
    await writeSummary((s) => {
      s.addHeading("cosign: signed and verified", 2);
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
