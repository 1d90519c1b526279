// Entry point: Pulumi calls the default export and takes what it returns as the stack outputs.
// It only composes: `opencode-cloud:mode` picks the sandbox program (default), the team program or the release
// program; their errors reach the CLI as src/config/report.ts says. Only the chosen program is loaded (a sandbox
// update does not load the team program's Kubernetes SDK or the release program's modules).

import { readRawConfig } from "./src/config/read.js";
import { reportingErrors } from "./src/config/report.js";
import { parseMode } from "./src/config/settings.js";
import type { ProgramDeps } from "./src/sandbox/program.js";

export default function program(deps: ProgramDeps = {}): Promise<Record<string, unknown>> {
  return reportingErrors(async () => {
    const mode = parseMode(readRawConfig());
    if (mode === "release") return (await import("./src/release/program.js")).releaseProgram();
    if (mode === "team") return { ...(await (await import("./src/team/program.js")).teamProgram(deps)) };
    return { ...(await (await import("./src/sandbox/program.js")).sandboxProgram(deps)) };
  });
}
