// Stand-in cosign v3: `sign --yes [--key K] REF` and `verify (--certificate-identity I --certificate-oidc-issuer O |
// --key P) REF`. Signatures are kept in FAKE_COSIGN_STATE (one JSON line each). Keyless signing needs the Actions OIDC
// variables, like the real github-actions token provider; the identity in the "certificate" is the workflow ref
// (FAKE_COSIGN_TOKEN_IDENTITY overrides it, to act out a token for another workflow).

import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { die, logCall, parseArgs } from "./cli.mjs";

const [command, ...rest] = process.argv.slice(2);
logCall("cosign", process.argv.slice(2));
const state = process.env.FAKE_COSIGN_STATE ?? die("FAKE_COSIGN_STATE unset");
const ISSUER = "https://token.actions.githubusercontent.com";
const DIGEST_REF = /^[^@\s]+@sha256:[0-9a-f]{64}$/;

function signatures() {
  return existsSync(state) ? readFileSync(state, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

if (command === "sign") {
  const { flags, positional } = parseArgs(rest, { valued: ["--key"], bare: ["--yes", "-y"], exact: ["--new-bundle-format=true"] });
  if (!flags["--yes"] && !flags["-y"]) die("Error: signing requires confirmation; this stand-in has no terminal (pass --yes)");
  if (positional.length !== 1) die("Error: sign takes exactly one image reference");
  const ref = positional[0];
  if (!DIGEST_REF.test(ref)) die(`Error: refusing to sign ${ref}: not repository@sha256 digest (tags are mutable)`);
  if (flags["--key"]) {
    appendFileSync(state, `${JSON.stringify({ ref, key: flags["--key"] })}\n`);
  } else {
    if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      die("Error: signing " + ref + ": getting signer: getting key from Fulcio: retrieving cert: no OIDC token provider");
    }
    const identity =
      process.env.FAKE_COSIGN_TOKEN_IDENTITY ?? `${process.env.GITHUB_SERVER_URL}/${process.env.GITHUB_WORKFLOW_REF}`;
    appendFileSync(state, `${JSON.stringify({ ref, identity, issuer: ISSUER })}\n`);
  }
  process.stderr.write(`Pushing signature to: ${ref.split("@")[0]}\n`);
  process.exit(0);
}

if (command === "verify") {
  const { flags, positional } = parseArgs(rest, {
    valued: ["--certificate-identity", "--certificate-oidc-issuer", "--key"],
    exact: ["--new-bundle-format=true"],
  });
  if (positional.length !== 1) die("Error: verify takes exactly one image reference");
  const ref = positional[0];
  const keyless = flags["--certificate-identity"] !== undefined || flags["--certificate-oidc-issuer"] !== undefined;
  if (keyless && (!flags["--certificate-identity"] || !flags["--certificate-oidc-issuer"])) {
    die("Error: --certificate-identity and --certificate-oidc-issuer are both required for verification in keyless mode");
  }
  if (!keyless && !flags["--key"]) die("Error: either --key or --certificate-identity/--certificate-oidc-issuer is required");
  const match = signatures().find((s) =>
    s.ref === ref &&
    (keyless
      ? s.identity === flags["--certificate-identity"] && s.issuer === flags["--certificate-oidc-issuer"]
      : s.key !== undefined && s.key.replace(/\.key$/, ".pub") === flags["--key"]),
  );
  if (!match) die(`Error: no matching signatures: none of the expected identities matched what was in the certificate`);
  process.stderr.write(`\nVerification for ${ref} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n`);
  const [name, digest] = ref.split("@");
  console.log(JSON.stringify([{ critical: { identity: { "docker-reference": name }, image: { "docker-manifest-digest": digest }, type: "https://sigstore.dev/cosign/sign/v1" }, optional: {} }]));
  process.exit(0);
}

die(`Error: unknown command "${command}" for "cosign"`);
