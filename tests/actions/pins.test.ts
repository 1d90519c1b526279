// The pinned releases: linux amd64 and arm64 each carry a full sha256, and the asset names follow each project's
// release naming for that version.

import { describe, expect, it } from "vitest";
import { COSIGN, DIVE, TRIVY } from "../../actions/lib/pins.js";

describe.each([COSIGN, TRIVY, DIVE])("$name pin", (spec) => {
  it("pins linux-amd64 and linux-arm64 with a sha256 each, under the version's release URL", () => {
    expect(Object.keys(spec.assets).sort()).toEqual(["linux-amd64", "linux-arm64"]);
    for (const asset of Object.values(spec.assets)) {
      expect(asset!.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(asset!.file).toContain(spec.name === "cosign" ? "cosign-linux-" : spec.version);
    }
    expect(spec.releaseUrl.endsWith(`/v${spec.version}`)).toBe(true);
    const hashes = Object.values(spec.assets).map((a) => a!.sha256);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});
