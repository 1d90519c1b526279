// Whose signature a pulled image must carry: keyless, made by this project's release workflow (the default), or made
// with a key of the user's own (a mirror re-signed with it, the offline test tier), with or without a
// transparency-log entry. The key file is checked here, through the file view RawConfig hands over.

import { createPublicKey } from "node:crypto";
import { isAbsolute, join } from "node:path";
import { fullKey, type RawConfig } from "../schema.js";
import type { SandboxKeyReader } from "./keys.js";

export type SignaturePolicy =
  /** The release workflow's identity from GitHub's OIDC issuer, checked with its transparency-log entry. */
  | { readonly kind: "keyless" }
  /** A public key: an absolute path to a PEM file or a key URI cosign resolves; `tlog` false skips the log. */
  | { readonly kind: "key"; readonly key: string; readonly tlog: boolean };

export const KEYLESS: SignaturePolicy = { kind: "keyless" };

/** Key references cosign resolves itself: its KMS providers and a Kubernetes secret. */
export const KEY_URI_SCHEMES = ["awskms", "gcpkms", "azurekms", "hashivault", "k8s"] as const;

const KEY_ALLOWED = `a PEM public key file (relative to the project directory, or absolute) or a key URI (${KEY_URI_SCHEMES.map((s) => `${s}://`).join(", ")})`;
/** The PEM labels cosign reads a public key from (sigstore's cryptoutils.UnmarshalPEMToPublicKey). */
const PUBLIC_KEY_LABELS = ["PUBLIC KEY", "RSA PUBLIC KEY"];

/** What is wrong with a public key file's text, or undefined when it holds a public key cosign reads. */
export function publicKeyProblem(text: string): string | undefined {
  const label = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
  if (label === undefined) return "holds no PEM block";
  if (label.includes("PRIVATE KEY")) return `holds a private key (${label}): give its public half, e.g. cosign.pub`;
  if (!PUBLIC_KEY_LABELS.includes(label)) return `holds a ${label}, not a public key`;
  try {
    createPublicKey({ key: text, format: "pem" });
    return undefined;
  } catch (e) {
    return `holds a ${label} block that does not parse (${(e as Error).message})`;
  }
}

/**
 * Reads `signatureKey` and `signatureTlog` with the reader of the image keys (its problems are theirs).
 * `source` is the image source read before (undefined when that value was bad).
 */
export function readSignaturePolicy(
  keys: SandboxKeyReader,
  raw: Pick<RawConfig, "projectDir" | "pathExists" | "readText">,
  source: "pull" | "build" | undefined,
): SignaturePolicy {
  const keyKey = fullKey("signatureKey");
  const tlogKey = fullKey("signatureTlog");
  const text = keys.str("signatureKey").trim();
  const tlog = keys.bool("signatureTlog");

  if (text === "") {
    // Only a real false: a value that is not a boolean was reported as such already.
    if (keys.str("signatureTlog") === "false") keys.fail(tlogKey, `false needs ${keyKey}: a keyless signature is trusted only through its transparency-log entry`, `true, or false with ${keyKey} set`);
    return KEYLESS;
  }
  if (source === "build") {
    keys.fail(keyKey, `is set with ${fullKey("imageSource")} build: an image built on the host is not signed`, `empty with build, or ${fullKey("imageSource")} pull`);
    return KEYLESS;
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text)?.[1];
  if (scheme !== undefined) {
    if ((KEY_URI_SCHEMES as readonly string[]).includes(scheme)) return { kind: "key", key: text, tlog };
    keys.fail(keyKey, `"${text}" is not a key reference cosign verifies with here`, KEY_ALLOWED);
    return KEYLESS;
  }
  const path = isAbsolute(text) ? text : join(raw.projectDir, text);
  const named = path === text ? path : `"${text}" (${path})`;
  if (raw.pathExists && !raw.pathExists(path)) {
    keys.fail(keyKey, `${named} does not exist`, KEY_ALLOWED);
    return KEYLESS;
  }
  if (raw.readText) {
    const content = raw.readText(path);
    const problem = content === undefined ? "cannot be read" : publicKeyProblem(content);
    if (problem) {
      keys.fail(keyKey, `${named} is not a PEM public key: it ${problem}`, KEY_ALLOWED);
      return KEYLESS;
    }
  }
  return { kind: "key", key: path, tlog };
}
