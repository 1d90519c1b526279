import { defineConfig } from "vitest/config";

// Unit tier: no Docker engine, no network beyond loopback servers the tests start themselves.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    exclude: ["tests/integration/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // @actions/workflow-parser imports its JSON schemas without an import attribute, which Node's ESM loader
    // refuses; letting Vite transform it (inline) makes it load.
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});
