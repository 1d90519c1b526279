// How the program's errors reach the CLI: a bad config value as its message alone (naming the key) through the SDK's
// RunError, and no error handed on with a stack (the SDK would run util.inspect over it: src/config/report.ts).

import * as pulumi from "@pulumi/pulumi";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, ConfigErrors } from "../../../src/config/errors.js";
import { reportingErrors, userError } from "../../../src/config/report.js";

const port = new ConfigError("opencode-cloud:port", "70000 is out of range", "1-65535");
const digest = new ConfigError("opencode-cloud:imageDigest", '"sha256:x" is not a digest', '"sha256:" followed by 64 lowercase hex digits');
const defect = new TypeError("cannot read properties of undefined");

describe("userError", () => {
  it.each([
    ["one ConfigError", port, port.message],
    ["ConfigErrors", new ConfigErrors([port, digest]), new ConfigErrors([port, digest]).message],
    ["a defect keeps its frames as text", defect, defect.stack!],
    ["a thrown string", "boom", "boom"],
  ])("%s", (_, thrown, message) => {
    const error = userError(thrown);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toBe(message);
    expect(error.stack).toBeUndefined();
  });

  it("names the key and carries no frames", () => {
    const { message } = userError(new ConfigErrors([digest]));
    expect(message).toContain("opencode-cloud:imageDigest");
    expect(message).not.toMatch(/\n\s+at /);
  });

  it("leaves the SDK's formatter a stackless error (inspect of it is the message, not the frames)", () => {
    expect(inspect(userError(port), { colors: true })).not.toMatch(/\n\s+at /);
  });
});

describe("reportingErrors", () => {
  it("passes the outputs through", async () => {
    await expect(reportingErrors(async () => ({ url: "x" }))).resolves.toEqual({ url: "x" });
  });

  it("hands on what the program throws as a RunError", async () => {
    const outcome = reportingErrors(async () => {
      throw new ConfigErrors([port]);
    });
    await expect(outcome).rejects.toSatisfy((e: unknown) => pulumi.RunError.isInstance(e) && (e as Error).message === port.message);
  });
});
