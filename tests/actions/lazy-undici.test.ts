// The bundles load undici lazily (actions/lib/lazy-undici.ts): a bundle that asks http-client for its proxy
// dispatcher must still get undici's real ProxyAgent.

import { spawnSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { expect, it } from "vitest";
import { lazyUndici, ROOT } from "../../actions/build.mjs";
import { workDir } from "./support.js";

it("gives http-client undici's real ProxyAgent, loaded on first use", async () => {
  const dir = await workDir();
  const entry = join(dir, "entry.mjs");
  await writeFile(
    entry,
    'import { HttpClient } from "@actions/http-client";\n' +
      'const d = new HttpClient("t").getAgentDispatcher("https://example.invalid/");\n' +
      "console.log(d?.constructor?.name, typeof d?.dispatch);\n",
  );
  const out = join(dir, "out.mjs");
  await build({
    entryPoints: [entry],
    nodePaths: [join(ROOT, "node_modules")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: out,
    banner: { js: 'import{createRequire as __r}from"node:module";const require=__r(import.meta.url);' },
    plugins: [lazyUndici],
    logLevel: "error",
  });
  const bundled = await import("node:fs/promises").then((fs) => fs.readFile(out, "utf8"));
  expect(bundled).toContain("lazy-undici");
  const run = spawnSync(process.execPath, [out], { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", https_proxy: "http://127.0.0.1:9" } });
  expect(run.stderr).toBe("");
  // esbuild may rename the class in the bundle (ProxyAgent2...); it is undici's, with its dispatch method.
  expect(run.stdout.trim()).toMatch(/^ProxyAgent\d* function$/);
});
