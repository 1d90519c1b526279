// Bundles each action's src/index.ts into actions/<name>/dist/index.js (ESM, one file, node24 runtime).
//   node actions/build.mjs           write every dist/index.js
//   node actions/build.mjs --check   rebuild in memory and exit 1 if any committed dist differs (CI, unit test)
// The output depends only on the sources and the locked dependencies, so it is byte-for-byte reproducible.

import { readFile, writeFile, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const ACTIONS = ["cosign-sign", "trivy-gate", "dive-check", "smoke-test"];
export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Sends @actions/http-client's undici import to actions/lib/lazy-undici.ts (see there: it halves cold start). */
export const lazyUndici = {
  name: "lazy-undici",
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) =>
      args.importer.includes(`${join("node_modules", "@actions", "http-client")}`)
        ? { path: join(ROOT, "actions", "lib", "lazy-undici.ts") }
        : undefined,
    );
  },
};

/** The bundle of one action, in memory. */
export async function bundle(name) {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [`actions/${name}/src/index.ts`],
    outfile: `actions/${name}/dist/index.js`,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Whitespace and syntax only: with identifiers left as written, a bundle changes only when code it contains
    // changes (renaming depends on every symbol seen, so an unrelated export added to src/facts.ts restaled it).
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "eof",
    charset: "utf8",
    // Some bundled CommonJS modules call require() for Node built-ins; ESM has no require, so provide one.
    banner: { js: 'import{createRequire as __ocRequire}from"node:module";const require=__ocRequire(import.meta.url);' },
    write: false,
    logLevel: "warning",
    plugins: [lazyUndici],
  });
  const [file] = result.outputFiles;
  return file.contents;
}

export function distPath(name) {
  return join(ROOT, "actions", name, "dist", "index.js");
}

async function main() {
  const check = process.argv.includes("--check");
  const stale = [];
  for (const name of ACTIONS) {
    const bytes = await bundle(name);
    if (check) {
      const current = await readFile(distPath(name)).catch(() => Buffer.alloc(0));
      if (!Buffer.from(bytes).equals(current)) stale.push(name);
    } else {
      await mkdir(dirname(distPath(name)), { recursive: true });
      await writeFile(distPath(name), bytes);
      console.log(`actions/${name}/dist/index.js  ${(bytes.length / 1024).toFixed(1)} KiB`);
    }
  }
  if (stale.length > 0) {
    console.error(`stale dist (run npm run build:actions and commit): ${stale.join(", ")}`);
    process.exit(1);
  }
  if (check) console.log("every actions/*/dist/index.js is current");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
