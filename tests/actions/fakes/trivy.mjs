// Stand-in trivy: `trivy image` and `trivy convert` with the flags trivy-gate uses, writing trivy's real formats.
// FAKE_TRIVY_MODE: ok (default) | truncated | empty | crash; FAKE_TRIVY_VULNS: JSON array for Results[0].Vulnerabilities.

import { readFileSync, writeFileSync } from "node:fs";
import { die, logCall, parseArgs } from "./cli.mjs";

const [command, ...rest] = process.argv.slice(2);
logCall("trivy", process.argv.slice(2));
const mode = process.env.FAKE_TRIVY_MODE ?? "ok";

if (command === "image") {
  const { flags, positional } = parseArgs(rest, {
    valued: ["--format", "--output", "--scanners", "--exit-code", "--cache-dir", "--severity", "--timeout", "--platform"],
    exact: ["--list-all-pkgs=false"],
    bare: ["--quiet"],
  });
  if (flags["--format"] !== "json") die(`FATAL this stand-in only writes --format json, got ${flags["--format"]}`);
  if (flags["--scanners"] !== "vuln") die("FATAL expected --scanners vuln");
  if (!flags["--list-all-pkgs=false"]) die("FATAL expected --list-all-pkgs=false");
  if (!flags["--output"]) die("FATAL expected --output FILE");
  if (positional.length !== 1) die(`FATAL expected one image argument, got ${positional.length}`);
  if (mode === "crash") die("FATAL Fatal error\trun error: image scan error: scan error: unable to initialize a scanner: database error", 1);
  const report = {
    SchemaVersion: 2,
    CreatedAt: "2026-11-24T08:00:00.000000000Z",
    ArtifactName: positional[0],
    ArtifactType: "container_image",
    Metadata: { OS: { Family: "ubuntu", Name: "24.04" }, ImageID: "sha256:" + "1".repeat(64), RepoDigests: [] },
    Results: [
      {
        Target: `${positional[0]} (ubuntu 24.04)`,
        Class: "os-pkgs",
        Type: "ubuntu",
        ...(process.env.FAKE_TRIVY_VULNS ? { Vulnerabilities: JSON.parse(process.env.FAKE_TRIVY_VULNS) } : {}),
      },
    ],
  };
  const text = JSON.stringify(report, null, 2);
  const out = mode === "empty" ? "" : mode === "truncated" ? text.slice(0, Math.floor(text.length / 2)) : text;
  writeFileSync(flags["--output"], out);
  process.exit(0);
}

if (command === "convert") {
  const { flags, positional } = parseArgs(rest, { valued: ["--format", "--output"] });
  if (flags["--format"] !== "sarif") die(`FATAL expected --format sarif, got ${flags["--format"]}`);
  if (!flags["--output"] || positional.length !== 1) die("FATAL usage: trivy convert --format sarif --output FILE RESULT_JSON");
  let report;
  try {
    report = JSON.parse(readFileSync(positional[0], "utf8"));
  } catch (error) {
    die(`FATAL json decode error: ${error.message}`);
  }
  const results = (report.Results ?? []).flatMap((r) =>
    (r.Vulnerabilities ?? []).map((v) => ({
      ruleId: v.VulnerabilityID,
      level: v.Severity === "CRITICAL" || v.Severity === "HIGH" ? "error" : "warning",
      message: { text: `Package: ${v.PkgName}\nInstalled Version: ${v.InstalledVersion}\nFixed Version: ${v.FixedVersion ?? ""}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: r.Target, uriBaseId: "ROOTPATH" } } }],
    })),
  );
  writeFileSync(
    flags["--output"],
    JSON.stringify({
      version: "2.1.0",
      $schema: "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json",
      runs: [{ tool: { driver: { name: "Trivy", fullName: "Trivy Vulnerability Scanner", rules: [] } }, results }],
    }, null, 2),
  );
  process.exit(0);
}

die(`Error: unknown command "${command}" for "trivy"`);
