// Entry point: Pulumi calls the default export and takes what it returns as the stack outputs.
// It only composes: `opencode-cloud:mode` picks the sandbox program (default) or the release program.

import { readRawConfig } from "./src/config/read.js";
import { parseMode } from "./src/config/settings.js";
import { releaseProgram } from "./src/release/program.js";
import { sandboxProgram, type ProgramDeps } from "./src/sandbox/program.js";

export default async function program(deps: ProgramDeps = {}): Promise<Record<string, unknown>> {
  if (parseMode(readRawConfig()) === "release") return releaseProgram();
  return { ...(await sandboxProgram(deps)) };
}
