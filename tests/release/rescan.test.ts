import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { PLATFORMS } from "../../src/facts.js";
import { rescanTags, rescanTargets } from "../../src/release/rescan.js";
import { FakeRegistry, fakeIndex } from "../support/fake-registry.js";
import { runScript } from "../support/scripts.js";

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

describe("scripts/rescan-targets.ts against a registry with its token endpoint", () => {
  let registry: FakeRegistry;
  beforeAll(async () => {
    registry = await new FakeRegistry().start();
  });
  afterAll(async () => {
    await registry.stop();
  });

  it("resolves latest and the newest versions to digests, one entry per platform, and reports what is missing", async () => {
    const latest = registry.push("prizz/sandbox", "latest", fakeIndex("1.1.0"));
    registry.push("prizz/sandbox", "1.1.0", fakeIndex("1.1.0"));
    const image = `${new URL(registry.url).host}/prizz/sandbox`;
    const run = await runScript("rescan-targets", ["--count", "2", "--image", image], { stdin: "v1.0.0\nv1.1.0\nv1.2.0-rc.1\n" });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      include: [
        { tag: "latest", platform: "linux/amd64", image: `${image}@${latest}` },
        { tag: "latest", platform: "linux/arm64", image: `${image}@${latest}` },
        { tag: "1.1.0", platform: "linux/amd64", image: `${image}@${latest}` },
        { tag: "1.1.0", platform: "linux/arm64", image: `${image}@${latest}` },
      ],
    });
    expect(run.stderr).toMatch(/prizz\/sandbox:1\.0\.0: .*not found.*; not scanned/);
  });

  it("fails when nothing resolves, and on a bad count", async () => {
    const image = `${new URL(registry.url).host}/prizz/other`;
    expect((await runScript("rescan-targets", ["--image", image], { stdin: "v1.0.0\n" })).stderr).toMatch(/^rescan-targets: no published image of .*prizz\/other to rescan/m);
    const bad = await runScript("rescan-targets", ["--count", "0", "--image", image], { stdin: "v1.0.0\n" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--count: "0" is not a count\. Allowed: a whole number from 1\./);
  });
});
