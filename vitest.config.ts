import { defineConfig } from "vitest/config";

// Unit tier: no Docker engine, no network beyond loopback servers the tests start themselves.
//
// Speed (npm run bench:unit prints the figures): most files wait on subprocesses (shell scripts, tsx, bundlers),
// so two workers overlap that waiting even on two cores (vitest's default there is one); and most files share
// nothing mutable, so one worker runs many of them without a fresh process and module graph per file (the Pulumi
// SDK, yaml and the program load once per worker, not once per file).
// The files below keep a process of their own: they mock modules (vi.mock), stub or set process.env, or check which
// modules a bundle loads, and must not see another file's modules or environment.
const ISOLATED = ["tests/actions/**", "tests/release/program.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    // @actions/workflow-parser imports its JSON schemas without an import attribute, which Node's ESM loader
    // refuses; letting Vite transform it (inline) makes it load.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    projects: [
      {
        extends: true,
        test: { name: "shared", include: ["tests/**/*.test.ts"], exclude: ["tests/integration/**", "node_modules/**", ...ISOLATED], isolate: false },
      },
      {
        extends: true,
        test: { name: "isolated", include: ISOLATED.map((glob) => (glob.endsWith("/**") ? `${glob}/*.test.ts` : glob)), isolate: true },
      },
    ],
  },
});
