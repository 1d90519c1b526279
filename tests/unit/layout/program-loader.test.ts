// The loader Pulumi starts the program with (Pulumi.yaml nodeargs): the SDK loaded before tsx must be the very
// instance the program's TypeScript imports (two copies would split the runtime's state), and TypeScript must load.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

it("loads TypeScript after the SDK, and the program's import of the SDK is the preloaded instance", () => {
  const probe = [
    'import { createRequire } from "node:module";',
    'const preloaded = createRequire(process.cwd() + "/").cache[createRequire(process.cwd() + "/").resolve("@pulumi/pulumi")];',
    'const { CONTAINER_TYPE } = await import("./src/cli/drift.ts");',
    'const sdk = await import("@pulumi/pulumi");',
    'console.log(JSON.stringify({ preloaded: preloaded !== undefined, same: preloaded?.exports.Output === sdk.Output, ts: CONTAINER_TYPE }));',
  ].join("\n");
  const out = execFileSync(process.execPath, ["--import", "./scripts/program-loader.mjs", "--input-type=module", "-e", probe], { cwd: ROOT, encoding: "utf8" });
  expect(JSON.parse(out)).toEqual({ preloaded: true, same: true, ts: "docker:index/container:Container" });
});
