// The typed input readers: GitHub's INPUT_ naming, defaults, and errors that name the input and what it allows.

import { afterEach, describe, expect, it, vi } from "vitest";
import { booleanInput, enumInput, listInput, numberInput, requiredInput, stringInput } from "../../actions/lib/inputs.js";

// Inputs are set as the runner sets them, in process.env, and taken back after each test (the worker's environment
// is shared with the files that run after this one).
const set = (name: string, value: string) => vi.stubEnv(`INPUT_${name.toUpperCase()}`, value);
afterEach(() => {
  vi.unstubAllEnvs();
});

describe("inputs", () => {
  it("reads dashed names from INPUT_ with the dash kept, trimmed, with defaults when empty", () => {
    set("tool-path", "  /usr/bin/x  ");
    expect(process.env["INPUT_TOOL-PATH"]).toBeDefined();
    expect(stringInput("tool-path")).toBe("/usr/bin/x");
    expect(stringInput("report-file", "r.json")).toBe("r.json");
  });
  it("requiredInput names the input", () => {
    expect(() => requiredInput("image", "an image reference")).toThrow('input "image": it is required but empty. Allowed: an image reference.');
  });
  it.each([
    ["true", true], ["TRUE", true], ["false", false], ["", true],
  ])("booleanInput(%j)", (value, expected) => {
    set("only-fixed", value);
    expect(booleanInput("only-fixed", true)).toBe(expected);
  });
  it("booleanInput refuses yes", () => {
    set("only-fixed", "yes");
    expect(() => booleanInput("only-fixed", true)).toThrow('input "only-fixed": "yes" is not a boolean. Allowed: true, false.');
  });
  it("enumInput matches case-insensitively and returns the canonical spelling", () => {
    set("mode", "KeyLess");
    expect(enumInput("mode", ["keyless", "key"] as const, "key")).toBe("keyless");
  });
  it.each(["0", "3601", "1.5", "ten"])("numberInput refuses %j with the range", (value) => {
    set("timeout-seconds", value);
    expect(() => numberInput("timeout-seconds", 180, { min: 1, max: 3600, integer: true })).toThrow(
      `input "timeout-seconds": "${value}" is out of range. Allowed: an integer from 1 to 3600.`,
    );
  });
  it("listInput splits lines and commas, drops blanks and comments", () => {
    set("images", "docker.io/a/b  # primary\n\nghcr.io/a/b, quay.io/a/b\n# none\n");
    expect(listInput("images")).toEqual(["docker.io/a/b", "ghcr.io/a/b", "quay.io/a/b"]);
  });
});
