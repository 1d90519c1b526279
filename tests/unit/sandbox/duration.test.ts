import { describe, expect, it } from "vitest";
import { goDuration } from "../../../src/sandbox/policy.js";

describe("goDuration: the engine's read-back form of a duration", () => {
  it.each([
    ["0s", "0s"],
    ["500ms", "500ms"],
    ["1500ms", "1.5s"],
    ["2s", "2s"],
    ["60s", "1m0s"],
    ["90s", "1m30s"],
    ["2m", "2m0s"],
    ["3600s", "1h0m0s"],
    ["3661s", "1h1m1s"],
  ])("%s -> %s", (text, expected) => expect(goDuration(text)).toBe(expected));

  it("refuses what it cannot read", () => {
    expect(() => goDuration("1.5s")).toThrow('"1.5s" is not <integer><ms|s|m|h>');
  });
});
