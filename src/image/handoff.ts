// The pull source's resolution handed from `npm run up` to the program it runs. The CLI resolves the tag (Docker
// Hub, then GHCR), checks the expected digest and the signature and pulls, all before the update; the program then
// pins the same digest without asking the registries (and cosign) again. A hand-off that does not name one of the
// current settings' candidates, breaks the expected digest, or was verified under another signature policy is
// ignored and the program resolves as under a plain `pulumi up`, which sets none. Pure.

import { isDeepStrictEqual } from "node:util";
import type { SignaturePolicy } from "../config/sandbox/signature.js";
import { RESOLVED_IMAGE_ENV } from "../facts.js";
import type { PullSettings, ResolvedImage, SignatureStatus } from "./types.js";

interface HandOff {
  /** `name:tag` of the candidate that answered. */
  readonly reference: string;
  readonly digest: string;
  readonly signature: SignatureStatus;
  /** The policy the signature was checked under (the same settings as the program's, unless they changed since). */
  readonly policy: SignaturePolicy;
}

const candidateKey = (c: { readonly name: string; readonly tag?: string | undefined }) => `${c.name}:${c.tag ?? "latest"}`;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The environment the CLI runs the update with: the resolved image for the program. */
export function handOffEnv(resolved: ResolvedImage, policy: SignaturePolicy): Record<string, string> {
  const handOff: HandOff = { reference: candidateKey(resolved.reference), digest: resolved.digest, signature: resolved.signature, policy };
  return { [RESOLVED_IMAGE_ENV]: JSON.stringify(handOff) };
}

/** The resolution `npm run up` handed over for these settings, or undefined (resolve as usual). */
export function takeHandOff(settings: PullSettings, env: Readonly<Record<string, string | undefined>>): ResolvedImage | undefined {
  const text = env[RESOLVED_IMAGE_ENV];
  if (!text) return undefined;
  let handOff: Partial<HandOff>;
  try {
    handOff = JSON.parse(text) as Partial<HandOff>;
  } catch {
    return undefined;
  }
  const candidate = settings.candidates.find((c) => candidateKey(c) === handOff.reference);
  const { digest, signature } = handOff;
  if (!candidate || typeof digest !== "string" || !DIGEST.test(digest) || !signature) return undefined;
  if (settings.expectedDigest && settings.expectedDigest !== digest) return undefined;
  if (!isDeepStrictEqual(handOff.policy, settings.signature)) return undefined;
  if (settings.requireSignature && signature.state !== "verified") return undefined;
  return { reference: { ...candidate, tag: candidate.tag ?? "latest" }, digest, registry: candidate.registry, pinned: `${candidate.name}@${digest}`, signature };
}
