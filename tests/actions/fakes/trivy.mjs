// Stand-in trivy: `trivy image` and `trivy convert` with the flags trivy-gate uses, writing trivy's real formats.
// FAKE_TRIVY_MODE: ok (default) | truncated | empty | crash; FAKE_TRIVY_VULNS: JSON array for Results[0].Vulnerabilities.
// As real reports do when a trivy module adds data, the report also holds a result with an empty Target (Class
// "custom"). `--format cyclonedx` writes a CycloneDX SBOM (FAKE_TRIVY_SBOM_MODE: ok | truncated).

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
  if (flags["--format"] === "cyclonedx") {
    if (!flags["--output"] || positional.length !== 1) die("FATAL usage: trivy image --format cyclonedx --output FILE IMAGE");
    const bom = {
      $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
      version: 1,
      metadata: { timestamp: "2026-11-24T08:00:00+00:00", tools: { components: [{ type: "application", group: "aquasecurity", name: "trivy", version: "0.69.3" }] }, component: { "bom-ref": positional[0], type: "container", name: positional[0] } },
      components: [{ "bom-ref": "pkg:deb/ubuntu/openssl@3.0.13-0ubuntu3.1", type: "library", name: "openssl", version: "3.0.13-0ubuntu3.1", purl: "pkg:deb/ubuntu/openssl@3.0.13-0ubuntu3.1" }],
      dependencies: [],
    };
    const text = JSON.stringify(bom, null, 2);
    writeFileSync(flags["--output"], process.env.FAKE_TRIVY_SBOM_MODE === "truncated" ? text.slice(0, 100) : text);
    process.exit(0);
  }
  if (flags["--format"] !== "json") die(`FATAL this stand-in only writes --format json or cyclonedx, got ${flags["--format"]}`);
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
      { Target: "", Class: "custom", CustomResources: [{ Type: "license-file", FilePath: "/usr/share/doc/x/copyright", Layer: {}, Data: {} }] },
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
