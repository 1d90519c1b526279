// trivy-gate: scan once to JSON, write SARIF from that same report, then gate in code (see gate.ts).

import { readFile, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import * as core from "@actions/core";
import { cell, runAction, writeSummary } from "../../lib/action.js";
import { booleanInput, enumInput, InputError, requiredInput, stringInput } from "../../lib/inputs.js";
import { TRIVY } from "../../lib/pins.js";
import { runTool, toolFailure } from "../../lib/run.js";
import { resolveTool, sha256File } from "../../lib/tool.js";
import { checkSbom, evaluate, parseAllowlist, parseReport, SEVERITIES, type AllowEntry, type Severity } from "./gate.js";

/** The defaults action.yml declares (tests/actions checks that the two agree). */
export const DEFAULTS = {
  severity: "CRITICAL",
  "only-fixed": "true",
  "report-file": "trivy-report.json",
  "sarif-file": "trivy-results.sarif",
} as const;

/**
 * The `result` output: `passed`, `blocked` (findings or expired allowlist entries) or `failed` (the scan itself
 * failed: a crash, a rejected report, a bad input). A workflow tells "vulnerabilities found" from "the scan failed"
 * by it.
 */
export type GateOutcome = "passed" | "blocked" | "failed";

export async function run(): Promise<void> {
  let outcome: GateOutcome = "failed";
  try {
    await gate((o) => (outcome = o));
  } finally {
    core.setOutput("result", outcome);
  }
}

async function gate(settle: (outcome: GateOutcome) => void): Promise<void> {
  await runAction("trivy-gate", async () => {
    const image = requiredInput("image", "an image reference trivy can scan, e.g. name@sha256:... or name:tag");
    const threshold = enumInput<Severity>("severity", SEVERITIES, DEFAULTS.severity);
    const onlyFixed = booleanInput("only-fixed", DEFAULTS["only-fixed"] === "true");
    const allowlistPath = stringInput("allowlist");
    const reportFile = stringInput("report-file", DEFAULTS["report-file"]);
    const sarifFile = stringInput("sarif-file", DEFAULTS["sarif-file"]);
    const cacheDir = stringInput("cache-dir", join(homedir(), ".cache", "trivy"));
    const platform = stringInput("platform");
    const sbomFile = stringInput("sbom-file");
    const allowlist: AllowEntry[] = allowlistPath
      ? parseAllowlist(await readAllowlist(allowlistPath), allowlistPath)
      : [];

    const trivy = await resolveTool(TRIVY, stringInput("tool-path"));
    core.setOutput("cache-dir", cacheDir);
    // A report left by an earlier run in this workspace must never be read as this run's.
    await rm(reportFile, { force: true });

    const scan = await core.group(`Scan ${image}`, () =>
      runTool(trivy, [
        "image",
        "--format", "json",
        "--output", reportFile,
        "--scanners", "vuln",
        "--list-all-pkgs=false",
        "--exit-code", "0",
        "--cache-dir", cacheDir,
        ...(platform ? ["--platform", platform] : []),
        image,
      ]),
    );
    if (scan.exitCode !== 0) throw toolFailure("trivy", scan, `scanning ${image}`);
    const reportText = await readFile(reportFile, "utf8").catch(() => "");
    const findings = parseReport(reportText);
    core.setOutput("report-file", reportFile);

    const convert = await core.group("Write SARIF", () =>
      runTool(trivy, ["convert", "--format", "sarif", "--output", sarifFile, reportFile]),
    );
    if (convert.exitCode !== 0) throw toolFailure("trivy", convert, "converting the report to SARIF");
    core.setOutput("sarif-file", sarifFile);

    if (sbomFile !== "") {
      await rm(sbomFile, { force: true });
      const sbom = await core.group(`SBOM (CycloneDX) of ${image}`, () =>
        runTool(trivy, [
          "image",
          "--format", "cyclonedx",
          "--output", sbomFile,
          "--cache-dir", cacheDir,
          ...(platform ? ["--platform", platform] : []),
          image,
        ]),
      );
      if (sbom.exitCode !== 0) throw toolFailure("trivy", sbom, `writing the SBOM of ${image}`);
      const { specVersion, components } = checkSbom(await readFile(sbomFile, "utf8").catch(() => ""));
      core.info(`SBOM: CycloneDX ${specVersion}, ${components} components`);
      core.setOutput("sbom-file", sbomFile);
      core.setOutput("sbom-sha256", await sha256File(sbomFile));
    }

    const today = new Date().toISOString().slice(0, 10);
    const result = evaluate(findings, allowlist, { threshold, onlyFixed, today });
    for (const s of SEVERITIES) core.setOutput(s.toLowerCase(), result.counts[s]);
    core.setOutput("total", result.total);
    core.setOutput("blocking", result.blocking.length);
    core.setOutput("suppressed", result.suppressed.length);
    for (const { finding: f, entry: e } of result.suppressed) {
      core.info(`allowed by the allowlist until ${e.expires}: ${f.severity} ${f.id} in ${f.pkg} ${f.installed} (${e.statement})`);
    }
    for (const e of result.unused) core.warning(`allowlist entry ${e.id} matches no finding in ${image}; consider removing it`);

    const rule = `${threshold} and above${onlyFixed ? ", with a fix available" : ""}`;
    await writeSummary((s) => {
      s.addHeading(`trivy gate: ${result.passed ? "passed" : "FAILED"}`, 2);
      s.addRaw(`Image \`${image}\`, blocking ${rule}.`, true);
      s.addTable([
        SEVERITIES.slice().reverse().map((sev) => ({ data: sev, header: true })),
        SEVERITIES.slice().reverse().map((sev) => String(result.counts[sev])),
      ]);
      if (result.blocking.length > 0) {
        s.addHeading("Blocking findings", 3);
        s.addTable([
          ["Severity", "ID", "Package", "Installed", "Fixed in", "Title"].map((h) => ({ data: h, header: true })),
          ...result.blocking.map((f) => [f.severity, f.id, f.pkg, f.installed, f.fixed || "(no fix)", f.title].map(cell)),
        ]);
      }
      if (result.suppressed.length > 0) {
        s.addHeading("Allowed by the allowlist", 3);
        s.addTable([
          ["Severity", "ID", "Package", "Expires", "Statement"].map((h) => ({ data: h, header: true })),
          ...result.suppressed.map(({ finding: f, entry: e }) => [f.severity, f.id, f.pkg, e.expires, e.statement].map(cell)),
        ]);
      }
      if (result.expired.length > 0) {
        s.addHeading("Expired allowlist entries (they fail the gate)", 3);
        s.addList(result.expired.map((e) => cell(`${e.id}: expired ${e.expires} (${e.statement})`)));
      }
    });

    const problems: string[] = [];
    if (result.blocking.length > 0) {
      problems.push(`${result.blocking.length} finding(s) at ${rule}: ${result.blocking.map((f) => `${f.id} (${f.pkg})`).join(", ")}`);
    }
    if (result.expired.length > 0) {
      problems.push(`expired allowlist entries: ${result.expired.map((e) => `${e.id} (expired ${e.expires})`).join(", ")}`);
    }
    settle(problems.length > 0 ? "blocked" : "passed");
    if (problems.length > 0) throw new Error(`trivy gate failed for ${image}: ${problems.join("; ")}`);
    core.info(`trivy gate passed: ${result.total} finding(s), none blocking (${rule})`);
  });
}

async function readAllowlist(path: string): Promise<string> {
  return readFile(path, "utf8").catch((error: Error) => {
    throw new InputError("allowlist", `cannot read ${path} (${error.message})`, "the path of a YAML allowlist, or empty");
  });
}
