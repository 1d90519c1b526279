import { defineConfig } from "vitest/config";
import { toolsEnv } from "./scripts/lib/tools-env.js";

// Real-engine tier: a Docker engine, loopback registries and the real opencode (see scripts/ci-env.sh).
export default defineConfig({
  test: {
    include: ["tests/integration/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    fileParallelism: false,
    // The Pulumi tools scripts/ci-env.sh built: on PATH, with the offline settings.
    env: toolsEnv(),
  },
});
