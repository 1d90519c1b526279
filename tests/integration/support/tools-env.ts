// The environment the real-engine tier runs the Pulumi CLI with: scripts/ci-env/build-tools.ts writes
// <toolsDir>/env.json (the bin directory to put first on PATH, the offline PULUMI_* settings). Read by
// vitest.integration.config.ts, so every test and every `pulumi`/`npm run up` it spawns inherits it.
// Under CI=true a missing file is an error; elsewhere the tier runs with the caller's own environment.
import { readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { CI_ENV } from "../../../src/facts.js";

export const TOOLS_ENV_FILE = join(CI_ENV.toolsDir, "env.json");

interface ToolsEnvFile {
  path: string;
  env: Record<string, string>;
}

export function toolsEnv(current: NodeJS.ProcessEnv = process.env): Record<string, string> {
  let file: ToolsEnvFile;
  try {
    file = JSON.parse(readFileSync(TOOLS_ENV_FILE, "utf8")) as ToolsEnvFile;
  } catch (e) {
    const why = `${TOOLS_ENV_FILE} is unreadable (${(e as Error).message}); run scripts/ci-env.sh (or scripts/ci-env/build-tools.sh)`;
    if (current.CI === "true") throw new Error(`real-engine tier under CI=true: ${why}`);
    console.warn(`real-engine tier: ${why}; using the PATH as it is`);
    return {};
  }
  return { ...file.env, PATH: [file.path, current.PATH ?? ""].filter(Boolean).join(delimiter) };
}
