// dive-check: run dive for its JSON export, then apply the efficiency and waste rules in code (see rules.ts): with
// --json, dive writes the export and returns before its own CI rules run, whatever CI says.

import { readFile, rm } from "node:fs/promises";
import * as core from "@actions/core";
import { cell, runAction, writeSummary } from "../../lib/action.js";
import { enumInput, numberInput, raw, requiredInput, stringInput } from "../../lib/inputs.js";
import { DIVE } from "../../lib/pins.js";
import { runTool, toolFailure } from "../../lib/run.js";
import { resolveTool } from "../../lib/tool.js";
import { formatBytes } from "../../../src/bytes.js";
import { evaluateRules, parseDiveReport, parseRatio, parseSizeInput, type RuleCheck } from "./rules.js";

/** The defaults action.yml declares (tests/actions checks that the two agree). */
export const DEFAULTS = {
  source: "docker",
  "lowest-efficiency": "0.95",
  "highest-wasted-bytes": "50MB",
  "highest-user-wasted-percent": "0.1",
  "report-file": "dive-report.json",
  "top-files": "10",
} as const;

const SOURCES = ["docker", "podman", "docker-archive"] as const;

export async function run(): Promise<void> {
  await runAction("dive-check", async () => {
    const image = requiredInput("image", "an image dive can read from the source, e.g. name:tag or an archive path");
    const source = enumInput("source", SOURCES, DEFAULTS.source);
    const rules = {
      lowestEfficiency: parseRatio("lowest-efficiency", raw("lowest-efficiency") || DEFAULTS["lowest-efficiency"]),
      highestWastedBytes: parseSizeInput("highest-wasted-bytes", raw("highest-wasted-bytes") || DEFAULTS["highest-wasted-bytes"]),
      highestUserWastedPercent: parseRatio(
        "highest-user-wasted-percent",
        raw("highest-user-wasted-percent") || DEFAULTS["highest-user-wasted-percent"],
      ),
    };
    const reportFile = stringInput("report-file", DEFAULTS["report-file"]);
    const topFiles = numberInput("top-files", Number(DEFAULTS["top-files"]), { min: 0, max: 1000, integer: true });
    const dive = await resolveTool(DIVE, stringInput("tool-path"));

    // dive writes its export in place without truncating: a longer report from an earlier run in this workspace (a
    // retry, a second check) would leave its tail behind and the JSON would not parse. Start from no file.
    await rm(reportFile, { force: true });
    const result = await core.group(`Analyse ${image}`, () =>
      runTool(dive, [image, "--json", reportFile, "--source", source]),
    );
    if (result.exitCode !== 0) throw toolFailure("dive", result, `analysing ${image}`);
    const report = parseDiveReport(await readFile(reportFile, "utf8").catch(() => ""));
    const verdict = evaluateRules(report, rules);

    core.setOutput("efficiency", report.efficiencyScore);
    core.setOutput("wasted-bytes", report.inefficientBytes);
    core.setOutput("user-wasted-percent", Number(verdict.userWastedPercent.toFixed(6)));
    core.setOutput("size-bytes", report.sizeBytes);
    core.setOutput("report-file", reportFile);

    const biggest = [...report.files].sort((a, b) => b.sizeBytes - a.sizeBytes).slice(0, topFiles);
    await writeSummary((s) => {
      s.addHeading(`dive check: ${verdict.passed ? "passed" : "FAILED"}`, 2);
      s.addRaw(`Image \`${image}\`: ${formatBytes(report.sizeBytes)} in ${report.layers.length} layers.`, true);
      s.addTable([
        ["Rule", "Limit", "Actual", "Result"].map((h) => ({ data: h, header: true })),
        ...verdict.checks.map((c) => [c.rule, describe(c, c.limit), describe(c, c.actual), c.passed ? "pass" : "FAIL"]),
      ]);
      if (biggest.length > 0) {
        s.addHeading("Biggest wasted files", 3);
        s.addTable([
          ["File", "Copies", "Wasted"].map((h) => ({ data: h, header: true })),
          ...biggest.map((f) => [cell(f.file), String(f.count), formatBytes(f.sizeBytes)]),
        ]);
      }
    });

    const failed = verdict.checks.filter((c) => !c.passed);
    if (failed.length > 0) {
      throw new Error(
        `dive check failed for ${image}: ${failed.map((c) => `${c.rule} ${describe(c, c.actual)} (limit ${describe(c, c.limit)})`).join("; ")}`,
      );
    }
    core.info(`dive check passed: efficiency ${describe(verdict.checks[0]!, report.efficiencyScore)}, wasted ${formatBytes(report.inefficientBytes)}`);
  });
}

function describe(check: RuleCheck, value: number | null): string {
  if (value === null) return "disabled";
  return check.rule === "highest-wasted-bytes" ? formatBytes(value) : `${(value * 100).toFixed(2)}%`;
}
