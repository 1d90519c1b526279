// The resolution `npm run up` hands the program: taken only when it names one of the settings' candidates and keeps
// the expected digest and the signature requirement; anything else makes the program resolve itself.
import { describe, expect, it } from "vitest";
import { IMAGE_NAMES, RESOLVED_IMAGE_ENV } from "../../../src/facts.js";
import { KEYLESS } from "../../../src/config/sandbox/signature.js";
import { handOffEnv as handOffEnvOf, takeHandOff } from "../../../src/image/handoff.js";
import type { PullSettings, ResolvedImage } from "../../../src/image/types.js";
import { parseReference } from "../../../src/oci/reference.js";

const HUB = parseReference(`${IMAGE_NAMES.dockerHub}:1.2.3`);
const GHCR = parseReference(`${IMAGE_NAMES.ghcr}:1.2.3`);
const DIGEST = `sha256:${"ab".repeat(32)}`;
const pull = (extra: Partial<PullSettings> = {}): PullSettings => ({ source: "pull", candidates: [HUB, GHCR], requireSignature: false, signature: KEYLESS, ...extra });
const handOffEnv = (resolved: ResolvedImage) => handOffEnvOf(resolved, KEYLESS);
const KEY = { kind: "key", key: "/keys/cosign.pub", tlog: false } as const;
const fromGhcr: ResolvedImage = { reference: GHCR, digest: DIGEST, registry: "ghcr.io", pinned: `${GHCR.name}@${DIGEST}`, signature: { state: "verified" } };

describe("the resolved image handed to the program", () => {
  it("is taken as resolved: the candidate that answered (the fallback here), its digest and signature", () => {
    expect(takeHandOff(pull(), handOffEnv(fromGhcr))).toEqual(fromGhcr);
  });

  it.each([
    ["nothing handed over (plain pulumi up)", pull(), {}],
    ["not JSON", pull(), { [RESOLVED_IMAGE_ENV]: "{" }],
    ["another tag than the settings name", pull({ candidates: [parseReference(`${IMAGE_NAMES.dockerHub}:2.0.0`)] }), handOffEnv(fromGhcr)],
    ["a repository the settings do not name", pull({ candidates: [HUB] }), handOffEnv(fromGhcr)],
    ["another digest than the expected one", pull({ expectedDigest: `sha256:${"cd".repeat(32)}` }), handOffEnv(fromGhcr)],
    ["a signature checked under another policy (keyless, now a key)", pull({ requireSignature: true, signature: KEY }), handOffEnv(fromGhcr)],
    ["another key than the one checked with", pull({ signature: { ...KEY, key: "/keys/other.pub" } }), handOffEnvOf(fromGhcr, KEY)],
    ["a signature not verified where one is required", pull({ requireSignature: true }), handOffEnv({ ...fromGhcr, signature: { state: "present", via: "tag" } })],
    ["no digest", pull(), { [RESOLVED_IMAGE_ENV]: JSON.stringify({ reference: `${GHCR.name}:1.2.3`, signature: { state: "absent" } }) }],
  ])("is ignored with %s", (_why, settings, env) => {
    expect(takeHandOff(settings, env)).toBeUndefined();
  });

  it("keeps the expected digest and a verified signature", () => {
    expect(takeHandOff(pull({ expectedDigest: DIGEST, requireSignature: true }), handOffEnv(fromGhcr))?.pinned).toBe(fromGhcr.pinned);
  });

  it("is taken under the same key policy it was verified with", () => {
    expect(takeHandOff(pull({ requireSignature: true, signature: { ...KEY } }), handOffEnvOf(fromGhcr, KEY))).toEqual(fromGhcr);
  });
});
