// The signature policy: what `signatureKey` and `signatureTlog` read into (for the Docker and the team program
// alike), every problem reported with its key, the public key file's check, and the cosign command line each policy
// verifies with.

import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ConfigErrors } from "../../../src/config/errors.js";
import { KEYLESS, publicKeyProblem, type SignaturePolicy } from "../../../src/config/sandbox/signature.js";
import { parseSettings, type RawConfig } from "../../../src/config/settings.js";
import { parseTeamSettings } from "../../../src/config/team.js";
import { IMAGE_NAMES } from "../../../src/facts.js";
import { cosignVerifyArgs, describePolicy, GITHUB_OIDC_ISSUER } from "../../../src/image/cosign.js";
import { releaseIdentityRegexp } from "../../../src/release/identity.js";

const PUBLISHED = [IMAGE_NAMES.dockerHub, IMAGE_NAMES.ghcr];
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_PEM = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
const PKCS1_PEM = rsa.publicKey.export({ type: "pkcs1", format: "pem" }).toString();
const PRIVATE_PEM = ec.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
/** cosign generate-key-pair's private key file: its own PEM label around an encrypted blob. */
const COSIGN_PRIVATE = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n";
const CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
/** A public key PEM whose body is cut short. */
const TRUNCATED = PUBLIC_PEM.replace(/\n[^\n-]+\n-----END/, "\n-----END");

/** The files this test's machine has: path -> text (null: there, but unreadable, as a directory). */
const FILES: Record<string, string | null> = {
  "/project/keys/cosign.pub": PUBLIC_PEM,
  "/etc/keys/rsa.pub": PKCS1_PEM,
  "/project/keys/cosign.key": COSIGN_PRIVATE,
  "/project/keys/ec.pem": PRIVATE_PEM,
  "/project/keys/cert.pem": CERTIFICATE,
  "/project/keys/cut.pub": TRUNCATED,
  "/project/README.md": "# not a key\n",
  "/project/keys": null,
};

/** The stack's other values: a Docker stack's generated password, or a team stack's mode and seed. */
const DOCKER = { "opencode-cloud:password": "generated-password-32-characters" };
const TEAM = { "opencode-cloud:mode": "team", "opencode-cloud:teamPasswordSeed": "a-seed-of-sixteen-or-more" };
const raw = (values: Record<string, string>, base: Record<string, string> = DOCKER): RawConfig => ({
  project: "opencode-cloud",
  stack: "dev",
  values: { ...base, ...values },
  secretKeys: new Set(["opencode-cloud:password", "opencode-cloud:teamPasswordSeed"]),
  homeDir: "/home/u",
  projectDir: "/project",
  pathExists: (path) => path in FILES,
  readText: (path) => FILES[path] ?? undefined,
});

/** The policy both programs read from the same values. */
function policies(values: Record<string, string>): [SignaturePolicy, SignaturePolicy] {
  const docker = parseSettings(raw(values), PUBLISHED).image;
  const team = parseTeamSettings(raw(values, TEAM), PUBLISHED).image;
  if (docker.source !== "pull") throw new Error("expected the pull source");
  return [docker.signature, team.signature];
}

/** The messages a program reports for `values` (none: []). */
function problems(parse: (r: RawConfig) => unknown, config: RawConfig): string[] {
  try {
    parse(config);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigErrors)) throw e;
    return e.errors.map((x) => x.message);
  }
}

const KEY_ALLOWED =
  "a PEM public key file (relative to the project directory, or absolute) or a key URI (awskms://, gcpkms://, azurekms://, hashivault://, k8s://)";

describe("signatureKey and signatureTlog, read the same by the Docker and the team program", () => {
  it.each<[string, Record<string, string>, SignaturePolicy]>([
    ["nothing set: keyless", {}, KEYLESS],
    ["tlog true alone: keyless", { "opencode-cloud:signatureTlog": "true" }, KEYLESS],
    ["a key file relative to the project", { "opencode-cloud:signatureKey": "keys/cosign.pub" }, { kind: "key", key: "/project/keys/cosign.pub", tlog: true }],
    [
      "an absolute RSA key file without a log entry",
      { "opencode-cloud:signatureKey": "/etc/keys/rsa.pub", "opencode-cloud:signatureTlog": "false" },
      { kind: "key", key: "/etc/keys/rsa.pub", tlog: false },
    ],
    ["surrounding blanks trimmed", { "opencode-cloud:signatureKey": " keys/cosign.pub " }, { kind: "key", key: "/project/keys/cosign.pub", tlog: true }],
    ["an AWS KMS key", { "opencode-cloud:signatureKey": "awskms:///arn:aws:kms:eu-west-1:1:key/x" }, { kind: "key", key: "awskms:///arn:aws:kms:eu-west-1:1:key/x", tlog: true }],
    ["a GCP KMS key", { "opencode-cloud:signatureKey": "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k" }, { kind: "key", key: "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", tlog: true }],
    ["an Azure key", { "opencode-cloud:signatureKey": "azurekms://vault.vault.azure.net/key" }, { kind: "key", key: "azurekms://vault.vault.azure.net/key", tlog: true }],
    ["a Vault transit key", { "opencode-cloud:signatureKey": "hashivault://cosign" }, { kind: "key", key: "hashivault://cosign", tlog: true }],
    [
      "a Kubernetes secret, no log",
      { "opencode-cloud:signatureKey": "k8s://signing/cosign", "opencode-cloud:signatureTlog": "false" },
      { kind: "key", key: "k8s://signing/cosign", tlog: false },
    ],
  ])("%s", (_what, values, policy) => {
    expect(policies(values)).toEqual([policy, policy]);
  });

  const tlogAlone = "opencode-cloud:signatureTlog: false needs opencode-cloud:signatureKey: a keyless signature is trusted only through its transparency-log entry. Allowed: true, or false with opencode-cloud:signatureKey set.";
  it.each<[string, Record<string, string>, string]>([
    ["tlog false without a key", { "opencode-cloud:signatureTlog": "false" }, tlogAlone],
    ["tlog not a boolean", { "opencode-cloud:signatureTlog": "no" }, 'opencode-cloud:signatureTlog: "no" is not a boolean. Allowed: true or false.'],
    [
      "a relative key file that does not exist",
      { "opencode-cloud:signatureKey": "cosign.pub" },
      `opencode-cloud:signatureKey: "cosign.pub" (/project/cosign.pub) does not exist. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "an absolute key file that does not exist",
      { "opencode-cloud:signatureKey": "/etc/cosign.pub" },
      `opencode-cloud:signatureKey: /etc/cosign.pub does not exist. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "a directory",
      { "opencode-cloud:signatureKey": "keys" },
      `opencode-cloud:signatureKey: "keys" (/project/keys) is not a PEM public key: it cannot be read. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "cosign's private key instead of the public one",
      { "opencode-cloud:signatureKey": "keys/cosign.key" },
      `opencode-cloud:signatureKey: "keys/cosign.key" (/project/keys/cosign.key) is not a PEM public key: it holds a private key (ENCRYPTED SIGSTORE PRIVATE KEY): give its public half, e.g. cosign.pub. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "a PKCS#8 private key",
      { "opencode-cloud:signatureKey": "keys/ec.pem" },
      `opencode-cloud:signatureKey: "keys/ec.pem" (/project/keys/ec.pem) is not a PEM public key: it holds a private key (PRIVATE KEY): give its public half, e.g. cosign.pub. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "a certificate",
      { "opencode-cloud:signatureKey": "keys/cert.pem" },
      `opencode-cloud:signatureKey: "keys/cert.pem" (/project/keys/cert.pem) is not a PEM public key: it holds a CERTIFICATE, not a public key. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "a file that is not PEM",
      { "opencode-cloud:signatureKey": "README.md" },
      `opencode-cloud:signatureKey: "README.md" (/project/README.md) is not a PEM public key: it holds no PEM block. Allowed: ${KEY_ALLOWED}.`,
    ],
    [
      "a key URI cosign is not asked to resolve here",
      { "opencode-cloud:signatureKey": "https://example.com/cosign.pub" },
      `opencode-cloud:signatureKey: "https://example.com/cosign.pub" is not a key reference cosign verifies with here. Allowed: ${KEY_ALLOWED}.`,
    ],
  ])("refuses %s, naming the key", (_what, values, message) => {
    expect(problems((r) => parseSettings(r, PUBLISHED), raw(values))).toEqual([message]);
    expect(problems((r) => parseTeamSettings(r, PUBLISHED), raw(values, TEAM))).toEqual([message]);
  });

  it("refuses a truncated public key, saying it does not parse", () => {
    const [message] = problems((r) => parseSettings(r, PUBLISHED), raw({ "opencode-cloud:signatureKey": "keys/cut.pub" }));
    expect(message).toMatch(/^opencode-cloud:signatureKey: "keys\/cut\.pub" \(\/project\/keys\/cut\.pub\) is not a PEM public key: it holds a PUBLIC KEY block that does not parse \(.+\)\. Allowed: /);
  });

  it("refuses a key with the build source, which has no signature to verify", () => {
    const values = { "opencode-cloud:imageSource": "build", "opencode-cloud:signatureKey": "keys/cosign.pub" };
    expect(problems((r) => parseSettings(r, PUBLISHED), raw(values))).toEqual([
      "opencode-cloud:signatureKey: is set with opencode-cloud:imageSource build: an image built on the host is not signed. Allowed: empty with build, or opencode-cloud:imageSource pull.",
    ]);
  });

  it("reports a bad key beside the other problems of the same run", () => {
    expect(problems((r) => parseSettings(r, PUBLISHED), raw({ "opencode-cloud:signatureTlog": "false", "opencode-cloud:port": "x" }))).toEqual([
      'opencode-cloud:port: "x" is not a number. Allowed: an integer from 1 to 65535.',
      tlogAlone,
    ]);
  });
});

describe("publicKeyProblem", () => {
  it.each<[string, string, string | undefined]>([
    ["an SPKI public key (cosign.pub)", PUBLIC_PEM, undefined],
    ["a PKCS#1 RSA public key", PKCS1_PEM, undefined],
    ["a public key after other text", `comment line\n${PUBLIC_PEM}`, undefined],
    ["nothing", "", "holds no PEM block"],
    ["a private key", PRIVATE_PEM, "holds a private key (PRIVATE KEY): give its public half, e.g. cosign.pub"],
    ["a certificate", CERTIFICATE, "holds a CERTIFICATE, not a public key"],
  ])("%s", (_what, text, problem) => expect(publicKeyProblem(text)).toBe(problem));
});

describe("cosignVerifyArgs", () => {
  const hub = `docker.io/prizz/opencode-cloud-sandbox@sha256:${"a".repeat(64)}`;
  const loopback = `127.0.0.1:5051/prizz/opencode-cloud-sandbox@sha256:${"b".repeat(64)}`;
  const keyless = ["--certificate-identity-regexp", releaseIdentityRegexp(), "--certificate-oidc-issuer", GITHUB_OIDC_ISSUER];
  const insecure = ["--allow-insecure-registry", "--allow-http-registry"];
  it.each<[string, string, SignaturePolicy, string[]]>([
    ["keyless", hub, KEYLESS, ["verify", ...keyless, hub]],
    ["keyless, loopback registry", loopback, KEYLESS, ["verify", ...keyless, ...insecure, loopback]],
    ["key", hub, { kind: "key", key: "/k/cosign.pub", tlog: true }, ["verify", "--key", "/k/cosign.pub", hub]],
    ["key, no tlog", hub, { kind: "key", key: "/k/cosign.pub", tlog: false }, ["verify", "--key", "/k/cosign.pub", "--insecure-ignore-tlog=true", hub]],
    [
      "key, no tlog, loopback registry",
      loopback,
      { kind: "key", key: "/k/cosign.pub", tlog: false },
      ["verify", "--key", "/k/cosign.pub", "--insecure-ignore-tlog=true", ...insecure, loopback],
    ],
    ["KMS key", hub, { kind: "key", key: "awskms:///alias/cosign", tlog: true }, ["verify", "--key", "awskms:///alias/cosign", hub]],
  ])("%s", (_what, pinned, policy, args) => expect(cosignVerifyArgs(pinned, policy)).toEqual(args));

  it.each<[SignaturePolicy, string]>([
    [KEYLESS, "keyless, as the release workflow at a release tag"],
    [{ kind: "key", key: "/k/cosign.pub", tlog: true }, "with the key /k/cosign.pub"],
    [{ kind: "key", key: "/k/cosign.pub", tlog: false }, "with the key /k/cosign.pub, no transparency log"],
  ])("describes %j as %j", (policy, words) => expect(describePolicy(policy)).toBe(words));
});
