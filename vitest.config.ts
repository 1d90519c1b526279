import { defineConfig } from "vitest/config";

// Unit tier: no Docker engine, no network beyond loopback servers the tests start themselves.
//
// Speed (npm run bench:unit prints the figures): most files wait on subprocesses (shell scripts, tsx, bundlers),
// so two workers overlap that waiting even on two cores (vitest's default there is one); and most files share
// nothing mutable, so one worker runs many of them without a fresh process and module graph per file (the Pulumi
// SDK, yaml and the program load once per worker, not once per file).
// The file below keeps a process of its own: it mocks a module (vi.mock), which must not leak into another file's
// modules, nor another file's copy of the real module into it. Files that set process.env take it back after each test
// (vi.stubEnv, vi.unstubAllEnvs); the action tests run bundles, builds and stand-in tools in child processes.
const ISOLATED = ["tests/release/program.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    maxWorkers: 2,
    // @actions/workflow-parser imports its JSON schemas without an import attribute, which Node's ESM loader
    // refuses; letting Vite transform it (inline) makes it load.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
    // Vite's transforms (TypeScript, and the inlined parser above) are kept on disk between runs, keyed by each
    // file's content (node_modules/.experimental-vitest-cache): a run after a change transforms only what changed.
    experimental: { fsModuleCache: true },
    projects: [
      {
        extends: true,
        test: { name: "shared", include: ["tests/**/*.test.ts"], exclude: ["tests/integration/**", "node_modules/**", ...ISOLATED], isolate: false },
      },
      {
        extends: true,
        test: { name: "isolated", include: ISOLATED, isolate: true },
      },
    ],
  },
});
