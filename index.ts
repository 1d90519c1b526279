// Entry point: Pulumi calls the default export and takes what it returns as the stack outputs.
// It only composes: `opencode-cloud:mode` picks the sandbox program (default), the team program or the release
// program; their errors reach the CLI as src/config/report.ts says.

import { readRawConfig } from "./src/config/read.js";
import { reportingErrors } from "./src/config/report.js";
import { parseMode } from "./src/config/settings.js";
import { releaseProgram } from "./src/release/program.js";
import { sandboxProgram, type ProgramDeps } from "./src/sandbox/program.js";
import { teamProgram } from "./src/team/program.js";

export default function program(deps: ProgramDeps = {}): Promise<Record<string, unknown>> {
  return reportingErrors(async () => {
    const mode = parseMode(readRawConfig());
    if (mode === "release") return releaseProgram();
    if (mode === "team") return { ...(await teamProgram(deps)) };
    return { ...(await sandboxProgram(deps)) };
  });
}
