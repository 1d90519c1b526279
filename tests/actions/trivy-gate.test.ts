// trivy-gate through its real entry point, with a stand-in trivy that takes trivy's command lines and writes its
// SchemaVersion 2 report.

import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { access, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, runAction, standIn, workDir } from "./support.js";

const IMAGE = "docker.io/prizz/opencode-cloud-sandbox@sha256:" + "a".repeat(64);

function vuln(id: string, severity: string, fixed: string, pkg = "openssl") {
  return {
    VulnerabilityID: id,
    PkgID: `${pkg}@3.0.13-0ubuntu3.1`,
    PkgName: pkg,
    InstalledVersion: "3.0.13-0ubuntu3.1",
    ...(fixed ? { FixedVersion: fixed } : {}),
    Status: fixed ? "fixed" : "affected",
    Layer: { DiffID: "sha256:" + "b".repeat(64) },
    SeveritySource: "ubuntu",
    PrimaryURL: `https://avd.aquasec.com/nvd/${id.toLowerCase()}`,
    Title: `${pkg}: example issue ${id}`,
    Description: "An example.",
    Severity: severity,
  };
}

async function gate(vulns: object[], inputs: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = await workDir();
  const trivy = await standIn(dir, "trivy");
  return runAction("trivy-gate", dir, { image: IMAGE, "tool-path": trivy, ...inputs }, {
    FAKE_TRIVY_VULNS: JSON.stringify(vulns),
    ...env,
  });
}

describe("trivy-gate", () => {
  it("passes with only non-blocking findings, writes SARIF, counts and a summary, and runs trivy's exact command lines", async () => {
    const run = await gate([vuln("CVE-2026-0001", "HIGH", "3.0.13-0ubuntu3.2"), vuln("CVE-2026-0002", "CRITICAL", "")]);
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ critical: "1", high: "1", medium: "0", total: "2", blocking: "0", suppressed: "0" });
    const scan = run.calls[0]!.argv;
    expect(scan.slice(0, 1)).toEqual(["image"]);
    expect(scan).toEqual(expect.arrayContaining(["--format", "json", "--scanners", "vuln", "--list-all-pkgs=false"]));
    expect(scan.at(-1)).toBe(IMAGE);
    expect(run.calls[1]!.argv).toEqual(["convert", "--format", "sarif", "--output", "trivy-results.sarif", "trivy-report.json"]);
    const sarif = JSON.parse(await readFile(join(run.dir, "trivy-results.sarif"), "utf8")) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.runs[0]!.results).toHaveLength(2);
    expect(run.summary).toContain("trivy gate: passed");
    expect(run.outputs["result"]).toBe("passed");
  });

  it("reads a report with an empty Target (a trivy module's custom result) and counts its findings", async () => {
    const custom = { Target: "", Class: "custom", Vulnerabilities: [vuln("CVE-2026-3333", "CRITICAL", "1.2.4", "libcustom")] };
    const { parseReport } = await import("../../actions/trivy-gate/src/gate.js");
    const report = { SchemaVersion: 2, ArtifactName: IMAGE, Results: [{ Target: `${IMAGE} (ubuntu 24.04)`, Class: "os-pkgs", Type: "ubuntu" }, custom] };
    expect(parseReport(JSON.stringify(report))).toEqual([expect.objectContaining({ id: "CVE-2026-3333", target: "(custom)" })]);
    const { Target: _t, ...noTarget } = custom;
    expect(() => parseReport(JSON.stringify({ ...report, Results: [noTarget] }))).toThrow("Results[0].Target is missing");
  });

  it("writes a CycloneDX SBOM of the same platform and reports its sha256; a truncated SBOM fails the step", async () => {
    const run = await gate([], { platform: "linux/arm64", "sbom-file": "sbom-arm64.cdx.json" });
    expect(errorOf(run)).toBe("");
    const sbomCall = run.calls.find((c) => c.argv.includes("cyclonedx"))!.argv;
    expect(sbomCall).toEqual(["image", "--format", "cyclonedx", "--output", "sbom-arm64.cdx.json", "--cache-dir", expect.any(String), "--platform", "linux/arm64", IMAGE]);
    const text = await readFile(join(run.dir, "sbom-arm64.cdx.json"));
    expect(run.outputs["sbom-sha256"]).toBe(createHash("sha256").update(text).digest("hex"));
    expect(run.outputs["sbom-file"]).toBe("sbom-arm64.cdx.json");

    const bad = await gate([], { "sbom-file": "sbom.json" }, { FAKE_TRIVY_SBOM_MODE: "truncated" });
    expect(bad.code).toBe(1);
    expect(errorOf(bad)).toContain("trivy report rejected (the gate fails closed): SBOM: the report is not valid JSON");
    expect(bad.outputs["result"]).toBe("failed");
  });

  it("blocks a fixable CRITICAL finding and names it", async () => {
    const run = await gate([vuln("CVE-2026-1111", "CRITICAL", "3.0.13-0ubuntu3.4")]);
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("CVE-2026-1111 (openssl)");
    expect(run.outputs["blocking"]).toBe("1");
    expect(run.outputs["result"]).toBe("blocked");
    expect(run.summary).toContain("Blocking findings");
    expect(run.summary).toContain("CVE-2026-1111");
    // SARIF is still written so the findings can be uploaded.
    await access(join(run.dir, "trivy-results.sarif"));
  });

  it("blocks unfixed findings too when only-fixed is false, and honours a lower severity and the platform", async () => {
    const run = await gate([vuln("CVE-2026-2222", "HIGH", "")], { severity: "high", "only-fixed": "false", platform: "linux/arm64" });
    expect(run.calls[0]!.argv.slice(-3)).toEqual(["--platform", "linux/arm64", IMAGE]);
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("CVE-2026-2222");
  });

  it("passes a blocking finding covered by an unexpired allowlist entry and reports it as allowed", async () => {
    const dir = await workDir();
    const allow = join(dir, "allow.yaml");
    await writeFile(allow, "- id: CVE-2026-1111\n  package: openssl\n  expires: 2999-12-31\n  statement: Not reachable from the sandbox's entrypoint.\n");
    const trivy = await standIn(dir, "trivy");
    const run = await runAction("trivy-gate", dir, { image: IMAGE, "tool-path": trivy, allowlist: allow }, {
      FAKE_TRIVY_VULNS: JSON.stringify([vuln("CVE-2026-1111", "CRITICAL", "3.0.13-0ubuntu3.4")]),
    });
    expect(errorOf(run)).toBe("");
    expect(run.code).toBe(0);
    expect(run.outputs).toMatchObject({ blocking: "0", suppressed: "1" });
    expect(run.summary).toContain("Allowed by the allowlist");
    expect(run.summary).toContain("Not reachable from the sandbox");
    expect(run.stdout).toContain("allowed by the allowlist until 2999-12-31: CRITICAL CVE-2026-1111 in openssl");
  });

  it("fails on an expired allowlist entry, and the expired entry no longer allows its finding", async () => {
    const dir = await workDir();
    const allow = join(dir, "allow.yaml");
    await writeFile(allow, "- id: CVE-2026-1111\n  expires: 2020-01-31\n  statement: Was waiting for the upstream fix.\n");
    const trivy = await standIn(dir, "trivy");
    const run = await runAction("trivy-gate", dir, { image: IMAGE, "tool-path": trivy, allowlist: allow }, {
      FAKE_TRIVY_VULNS: JSON.stringify([vuln("CVE-2026-1111", "CRITICAL", "3.0.13-0ubuntu3.4")]),
    });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("expired allowlist entries: CVE-2026-1111 (expired 2020-01-31)");
    expect(run.outputs["blocking"]).toBe("1");
  });

  it("rejects an allowlist entry without a statement, naming the entry", async () => {
    const dir = await workDir();
    const allow = join(dir, "allow.yaml");
    await writeFile(allow, "- id: CVE-2026-1111\n  expires: 2999-01-01\n");
    const run = await runAction("trivy-gate", dir, { image: IMAGE, "tool-path": await standIn(dir, "trivy"), allowlist: allow });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('entry 1: "statement" is required');
  });

  it.each([
    ["truncated", "not valid JSON, truncated or malformed"],
    ["empty", "the report is empty"],
  ])("fails closed on a %s report", async (mode, message) => {
    const run = await gate([], {}, { FAKE_TRIVY_MODE: mode });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain(message);
    expect(run.outputs["total"]).toBeUndefined();
    // The rescan reads this: the scan failed, which is not a finding.
    expect(run.outputs["result"]).toBe("failed");
  });

  it("fails closed when trivy crashes, with trivy's message", async () => {
    const run = await gate([], {}, { FAKE_TRIVY_MODE: "crash" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain("trivy failed while scanning");
    expect(errorOf(run)).toContain("unable to initialize a scanner");
    expect(run.outputs["result"]).toBe("failed");
  });

  it("refuses a bad severity input, naming the input and the allowed values", async () => {
    const run = await gate([], { severity: "SEVERE" });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toBe('input "severity": "SEVERE" is not one of them. Allowed: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL.');
    expect(run.calls).toHaveLength(0);
  });

  it("refuses a tool-path that does not exist", async () => {
    const dir = await workDir();
    const run = await runAction("trivy-gate", dir, { image: IMAGE, "tool-path": join(dir, "nope") });
    expect(run.code).toBe(1);
    expect(errorOf(run)).toContain('input "tool-path"');
  });

  describe("installing the pinned release", () => {
    let server: Server;
    let requests: string[];
    beforeAll(async () => {
      requests = [];
      server = createServer((req, res) => {
        requests.push(req.url ?? "");
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.end(Buffer.from("these bytes are not the pinned trivy release"));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("refuses a download whose sha256 does not match the pin, before extracting or caching it", async () => {
      const dir = await workDir();
      const { port } = server.address() as AddressInfo;
      const run = await runAction("trivy-gate", dir, { image: IMAGE }, { OPENCODE_CLOUD_TOOL_MIRROR: `http://127.0.0.1:${port}` });
      expect(run.code).toBe(1);
      expect(requests.at(-1)).toMatch(/^\/trivy\/v0\.69\.3\/trivy_0\.69\.3_Linux-(64bit|ARM64)\.tar\.gz$/);
      expect(errorOf(run)).toMatch(/trivy 0\.69\.3 \(trivy_0\.69\.3_Linux-\w+\.tar\.gz\): sha256 mismatch, expected [0-9a-f]{64}, got [0-9a-f]{64}/);
      expect(await readdir(join(dir, "tool-cache")).catch(() => [])).toEqual([]);
      expect(run.calls).toHaveLength(0);
    });
  });
});
