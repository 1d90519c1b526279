import { defineConfig } from "vitest/config";

// Real-engine tier: a Docker engine, loopback registries and the real opencode (see scripts/ci-env.sh).
export default defineConfig({
  test: {
    include: ["tests/integration/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    fileParallelism: false,
  },
});
