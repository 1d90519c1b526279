// The edge every action shares: announce, run, and turn any error into a failed step with one clear message.

import * as core from "@actions/core";

export async function runAction(name: string, body: () => Promise<void>): Promise<void> {
  core.info(`opencode-cloud ${name}`);
  try {
    await body();
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error));
  }
}

/** Writes the job summary built by `build`; without GITHUB_STEP_SUMMARY (a local run) it is logged instead. */
export async function writeSummary(build: (summary: typeof core.summary) => void): Promise<void> {
  build(core.summary);
  if (process.env["GITHUB_STEP_SUMMARY"]) {
    await core.summary.write();
  } else {
    core.info(core.summary.stringify());
    core.summary.emptyBuffer();
  }
}

/** Escapes text for a Markdown/HTML summary cell. */
export function cell(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\|/g, "&#124;");
}
