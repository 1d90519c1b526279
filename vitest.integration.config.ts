import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";
import { toolsEnv } from "./scripts/lib/tools-env.js";

/** The team tier's directory: its files run last (below). */
const TEAM_DIR = "/tests/integration/team/";

/**
 * vitest's order, with the team tier's files moved to the end: on a new machine scripts/ci-env.sh leaves the
 * Kubernetes pieces building in the background, and only those files wait for them (tests/integration/support/kube.ts).
 */
class TeamLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const team = (f: TestSpecification) => f.moduleId.includes(TEAM_DIR);
    return [...sorted.filter((f) => !team(f)), ...sorted.filter(team)];
  }
}

// Real-engine tier: a Docker engine, loopback registries and the real opencode (see scripts/ci-env.sh).
export default defineConfig({
  test: {
    include: ["tests/integration/**/*.test.ts"],
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    fileParallelism: false,
    sequence: { sequencer: TeamLast },
    // The Pulumi tools scripts/ci-env.sh built: on PATH, with the offline settings.
    env: toolsEnv(),
  },
});
