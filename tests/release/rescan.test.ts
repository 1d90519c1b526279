import { describe, expect, it } from "vitest";

import { PLATFORMS } from "../../src/facts.js";
import { rescanTags, rescanTargets } from "../../src/release/rescan.js";

describe("rescan targets", () => {
  it("latest and the newest stable versions, newest first; pre-releases and noise left out", () => {
    expect(rescanTags(["v1.0.0", "v1.10.0", "v1.9.3", "v2.0.0-rc.1", "nightly", "v0.9.0"], 3)).toEqual(["latest", "1.10.0", "1.9.3", "1.0.0"]);
  });
  it("nothing released: nothing to scan", () => {
    expect(rescanTags(["nightly"], 3)).toEqual([]);
  });
  it("one scan per tag and platform", () => {
    const targets = rescanTargets(["v1.0.0"], 3);
    expect(targets).toHaveLength(2 * PLATFORMS.length);
    expect(targets.map((t) => `${t.tag} ${t.platform}`)).toEqual(["latest linux/amd64", "latest linux/arm64", "1.0.0 linux/amd64", "1.0.0 linux/arm64"]);
  });
});
