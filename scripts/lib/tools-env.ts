// The environment the Pulumi CLI runs with here (the real-engine tier, npm run release:local):
// scripts/ci-env/build-tools.ts writes <toolsDir>/env.json (the bin directory to put first on PATH, the offline
// PULUMI_* settings). Read by vitest.integration.config.ts, so every test and every `pulumi`/`npm run up` it spawns
// inherits it.
// scripts/ci-env/build-kube.sh writes a file of the same shape for the team tier (support/kube.ts), with the
// paths of the cluster pieces besides.
// Under CI=true a missing file is an error; elsewhere the tier runs with the caller's own environment.
import { readFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { CI_ENV } from "../../src/facts.js";

export const TOOLS_ENV_FILE = join(CI_ENV.toolsDir, "env.json");

export interface ToolsEnvFile {
  /** A directory to put first on PATH. */
  path: string;
  env: Record<string, string>;
}

/**
 * A tools env file a builder wrote, or undefined (outside CI only, with a warning naming `builder`) when it is
 * unreadable; under CI=true throws instead.
 */
export function readToolsEnvFile<F extends ToolsEnvFile = ToolsEnvFile>(file: string, builder: string, tier: string, current: NodeJS.ProcessEnv = process.env): F | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as F;
  } catch (e) {
    const why = `${file} is unreadable (${(e as Error).message}); run scripts/ci-env.sh (or ${builder})`;
    if (current.CI === "true") throw new Error(`${tier} under CI=true: ${why}`);
    console.warn(`${tier}: ${why}; using the PATH as it is`);
    return undefined;
  }
}

/** A tools env file's variables over `current`'s PATH: its `env`, and its `path` first on PATH. */
export function toolsEnvOf(file: ToolsEnvFile | undefined, current: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (!file) return {};
  return { ...file.env, PATH: [file.path, current.PATH ?? ""].filter(Boolean).join(delimiter) };
}

export function toolsEnv(current: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return toolsEnvOf(readToolsEnvFile(TOOLS_ENV_FILE, "scripts/ci-env/build-tools.sh", "real-engine tier", current), current);
}
