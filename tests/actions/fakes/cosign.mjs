// Stand-in cosign v3: `sign --yes [--key K] REF`, `attest --yes --type T --predicate FILE [--key K] REF`,
// `verify (--certificate-identity I --certificate-oidc-issuer O | --key P) REF` and `verify-attestation --type T
// (...) REF`. Signatures and attestations are kept in FAKE_COSIGN_STATE (one JSON line each). Keyless signing fetches
// the job's OIDC token like cosign's github-actions provider (ACTIONS_ID_TOKEN_REQUEST_URL, audience sigstore) and
// certifies what Fulcio does: https://github.com/ + the token's job_workflow_ref claim. The flag cosign v3.1
// deprecates (--new-bundle-format; the bundle format is the default since v3.0) is refused as unknown.

import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { die, logCall, parseArgs } from "./cli.mjs";

const [command, ...rest] = process.argv.slice(2);
logCall("cosign", process.argv.slice(2));
const state = process.env.FAKE_COSIGN_STATE ?? die("FAKE_COSIGN_STATE unset");
const ISSUER = "https://token.actions.githubusercontent.com";
const DIGEST_REF = /^[^@\s]+@sha256:[0-9a-f]{64}$/;
const TYPES = ["cyclonedx", "spdxjson", "slsaprovenance", "custom"];

function records() {
  return existsSync(state) ? readFileSync(state, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
}

async function fulcioIdentity(ref) {
  const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) die(`Error: signing ${ref}: getting signer: getting key from Fulcio: retrieving cert: no OIDC token provider`);
  const res = await fetch(`${url}&audience=sigstore`, { headers: { Authorization: `Bearer ${bearer}` } }).catch((e) => die(`Error: fetching the OIDC token: ${e.message}`));
  if (!res.ok) die(`Error: fetching the OIDC token: HTTP ${res.status}`);
  const { value } = await res.json();
  const claims = JSON.parse(Buffer.from(value.split(".")[1], "base64url").toString("utf8"));
  if (!claims.job_workflow_ref) die("Error: retrieving cert: the token has no job_workflow_ref");
  return `https://github.com/${claims.job_workflow_ref}`;
}

async function make(kind, flags, positional) {
  if (!flags["--yes"] && !flags["-y"]) die(`Error: ${command} requires confirmation; this stand-in has no terminal (pass --yes)`);
  if (positional.length !== 1) die(`Error: ${command} takes exactly one image reference`);
  const ref = positional[0];
  if (!DIGEST_REF.test(ref)) die(`Error: refusing to ${command} ${ref}: not repository@sha256 digest (tags are mutable)`);
  const record = { kind, ref, ...(kind === "attestation" ? { type: flags["--type"], predicate: readFileSync(flags["--predicate"], "utf8") } : {}) };
  if (flags["--key"]) appendFileSync(state, `${JSON.stringify({ ...record, key: flags["--key"] })}\n`);
  else appendFileSync(state, `${JSON.stringify({ ...record, identity: await fulcioIdentity(ref), issuer: ISSUER })}\n`);
  process.stderr.write(`Pushing ${kind} to: ${ref.split("@")[0]}\n`);
  process.exit(0);
}

function check(kind, flags, positional) {
  if (positional.length !== 1) die(`Error: ${command} takes exactly one image reference`);
  const ref = positional[0];
  const keyless = flags["--certificate-identity"] !== undefined || flags["--certificate-oidc-issuer"] !== undefined;
  if (keyless && (!flags["--certificate-identity"] || !flags["--certificate-oidc-issuer"])) {
    die("Error: --certificate-identity and --certificate-oidc-issuer are both required for verification in keyless mode");
  }
  if (!keyless && !flags["--key"]) die("Error: either --key or --certificate-identity/--certificate-oidc-issuer is required");
  const match = records().find((s) =>
    s.kind === kind && s.ref === ref && (kind !== "attestation" || s.type === flags["--type"]) &&
    (keyless
      ? s.identity === flags["--certificate-identity"] && s.issuer === flags["--certificate-oidc-issuer"]
      : s.key !== undefined && s.key.replace(/\.key$/, ".pub") === flags["--key"]),
  );
  if (!match) die(`Error: no matching ${kind === "attestation" ? "attestations" : "signatures"}: none of the expected identities matched what was in the certificate`);
  process.stderr.write(`\nVerification for ${ref} --\nThe following checks were performed on each of these signatures:\n  - The cosign claims were validated\n`);
  const [name, digest] = ref.split("@");
  console.log(
    kind === "attestation"
      ? JSON.stringify({ payloadType: "application/vnd.in-toto+json", payload: Buffer.from(JSON.stringify({ predicateType: "https://cyclonedx.org/bom", predicate: JSON.parse(match.predicate) })).toString("base64") })
      : JSON.stringify([{ critical: { identity: { "docker-reference": name }, image: { "docker-manifest-digest": digest }, type: "https://sigstore.dev/cosign/sign/v1" }, optional: {} }]),
  );
  process.exit(0);
}

const IDENTITY_FLAGS = ["--certificate-identity", "--certificate-oidc-issuer", "--key"];

if (command === "sign") {
  const { flags, positional } = parseArgs(rest, { valued: ["--key"], bare: ["--yes", "-y"] });
  await make("signature", flags, positional);
} else if (command === "attest") {
  const { flags, positional } = parseArgs(rest, { valued: ["--key", "--type", "--predicate"], bare: ["--yes", "-y"] });
  if (!TYPES.includes(flags["--type"])) die(`Error: invalid predicate type ${flags["--type"]}`);
  if (!flags["--predicate"] || !existsSync(flags["--predicate"])) die("Error: --predicate: no such file");
  await make("attestation", flags, positional);
} else if (command === "verify") {
  const { flags, positional } = parseArgs(rest, { valued: IDENTITY_FLAGS });
  check("signature", flags, positional);
} else if (command === "verify-attestation") {
  const { flags, positional } = parseArgs(rest, { valued: [...IDENTITY_FLAGS, "--type"] });
  check("attestation", flags, positional);
} else {
  die(`Error: unknown command "${command}" for "cosign"`);
}
