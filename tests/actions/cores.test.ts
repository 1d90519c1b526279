// Table tests for the pure cores of the four actions.

import { describe, expect, it } from "vitest";
import { evaluate, parseAllowlist, parseReport, type Finding } from "../../actions/trivy-gate/src/gate.js";
import { parseSize } from "../../src/bytes.js";
import { evaluateRules, parseDiveReport, parseRatio, parseSizeInput } from "../../actions/dive-check/src/rules.js";
import { checkOidc, signArgs, signingIdentity, signTargets, verifyArgs } from "../../actions/cosign-sign/src/plan.js";
import { checkHealth, checkSelfTest, checkWebUi, hostPort, readiness } from "../../actions/smoke-test/src/checks.js";

const D = "sha256:" + "d".repeat(64);

describe("trivy gate: parseReport", () => {
  const ok = { SchemaVersion: 2, Results: [{ Target: "t", Vulnerabilities: [{ VulnerabilityID: "CVE-1", PkgName: "p", InstalledVersion: "1", Severity: "HIGH" }] }] };
  it("reads findings, with an empty fixed version when none is given", () => {
    expect(parseReport(JSON.stringify(ok))).toEqual([{ id: "CVE-1", pkg: "p", installed: "1", fixed: "", severity: "HIGH", title: "", target: "t" }]);
  });
  it("accepts results without vulnerabilities", () => {
    expect(parseReport(JSON.stringify({ SchemaVersion: 2, Results: [{ Target: "t", Class: "os-pkgs" }] }))).toEqual([]);
  });
  it.each([
    ["", "the report is empty"],
    ["   \n", "the report is empty"],
    ['{"SchemaVersion": 2, "Res', "not valid JSON"],
    ["[]", "not a JSON object"],
    ['{"SchemaVersion": 1, "Results": []}', "SchemaVersion is 1, expected 2"],
    ['{"SchemaVersion": 2}', "no Results"],
    ['{"SchemaVersion": 2, "Results": []}', "no Results"],
    ['{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": {}}]}', "Results[0].Vulnerabilities is not an array"],
    ['{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [{"VulnerabilityID": "C", "PkgName": "p", "InstalledVersion": "1", "Severity": "BAD"}]}]}', 'Severity "BAD"'],
    ['{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [{"PkgName": "p", "InstalledVersion": "1", "Severity": "LOW"}]}]}', "VulnerabilityID is missing"],
  ])("rejects %j (%s)", (text, message) => {
    expect(() => parseReport(text)).toThrow(message);
  });
});

describe("trivy gate: evaluate", () => {
  const f = (id: string, severity: Finding["severity"], fixed = "2", pkg = "p"): Finding => ({ id, pkg, installed: "1", fixed, severity, title: "", target: "t" });
  const today = "2026-11-24";
  it.each([
    ["CRITICAL with fix blocks", [f("A", "CRITICAL")], "CRITICAL", true, ["A"]],
    ["CRITICAL without fix passes when only-fixed", [f("A", "CRITICAL", "")], "CRITICAL", true, []],
    ["CRITICAL without fix blocks otherwise", [f("A", "CRITICAL", "")], "CRITICAL", false, ["A"]],
    ["HIGH passes a CRITICAL threshold", [f("A", "HIGH")], "CRITICAL", true, []],
    ["HIGH blocks a HIGH threshold", [f("A", "HIGH"), f("B", "MEDIUM")], "HIGH", true, ["A"]],
    ["sorted most severe first", [f("B", "HIGH"), f("A", "CRITICAL")], "HIGH", true, ["A", "B"]],
  ] as const)("%s", (_, findings, threshold, onlyFixed, blocking) => {
    const result = evaluate([...findings], [], { threshold, onlyFixed, today });
    expect(result.blocking.map((x) => x.id)).toEqual(blocking);
    expect(result.passed).toBe(blocking.length === 0);
  });
  it("allows by id and package until the expiry day inclusive; an expired entry fails and allows nothing", () => {
    const entry = (expires: string, pkg?: string) => ({ id: "A", expires, statement: "s", ...(pkg ? { package: pkg } : {}) });
    expect(evaluate([f("A", "CRITICAL")], [entry(today)], { threshold: "CRITICAL", onlyFixed: true, today }).passed).toBe(true);
    expect(evaluate([f("A", "CRITICAL")], [entry(today, "other")], { threshold: "CRITICAL", onlyFixed: true, today }).passed).toBe(false);
    const expired = evaluate([f("A", "CRITICAL")], [entry("2026-11-23")], { threshold: "CRITICAL", onlyFixed: true, today });
    expect([expired.passed, expired.blocking.length, expired.expired.length]).toEqual([false, 1, 1]);
    const unrelated = evaluate([], [entry("2020-01-01")], { threshold: "CRITICAL", onlyFixed: true, today });
    expect([unrelated.passed, unrelated.unused.length]).toEqual([false, 1]);
    const counts = evaluate([f("A", "LOW"), f("B", "LOW"), f("C", "UNKNOWN")], [], { threshold: "CRITICAL", onlyFixed: true, today }).counts;
    expect(counts).toEqual({ UNKNOWN: 1, LOW: 2, MEDIUM: 0, HIGH: 0, CRITICAL: 0 });
  });
});

describe("trivy gate: parseAllowlist", () => {
  it("reads entries, dates unquoted or quoted", () => {
    expect(parseAllowlist("- id: CVE-1\n  expires: 2027-01-31\n  statement: why\n- id: CVE-2\n  package: zlib\n  expires: '2027-02-01'\n  statement: because\n", "a.yaml")).toEqual([
      { id: "CVE-1", expires: "2027-01-31", statement: "why" },
      { id: "CVE-2", package: "zlib", expires: "2027-02-01", statement: "because" },
    ]);
    expect(parseAllowlist("", "a.yaml")).toEqual([]);
  });
  it.each([
    ["id: CVE-1", "must be a YAML list"],
    ["- id: CVE-1\n  statement: s", 'entry 1: "expires" is required'],
    ["- id: CVE-1\n  expires: 2027-02-30\n  statement: s", 'expires "2027-02-30" must be a date'],
    ["- id: CVE-1\n  expires: next year\n  statement: s", "must be a date YYYY-MM-DD"],
    ["- id: CVE-1\n  expires: 2027-01-01\n  statement: s\n  reason: x", 'unknown key "reason"'],
    ["- [", "not valid YAML"],
  ])("rejects %j", (text, message) => {
    expect(() => parseAllowlist(text, "a.yaml")).toThrow(message);
  });
});

describe("dive: sizes and ratios", () => {
  it.each([
    ["0", 0], ["1024", 1024], ["20B", 20], ["20kB", 20_000], ["20KB", 20_000], ["20MB", 20_000_000], ["20mb", 20_000_000],
    ["20M", 20_000_000], ["1.5GB", 1_500_000_000], ["20KiB", 20_480], ["20MiB", 20_971_520], ["20Mi", 20_971_520],
    ["1GiB", 1_073_741_824], ["20 MB", 20_000_000], ["20XB", Number.NaN], ["MB", Number.NaN], ["-1MB", Number.NaN],
  ])("parseSize(%j) = %d", (text, bytes) => expect(parseSize(text)).toBe(bytes));
  it.each([
    ["0.9", 0.9], ["90%", 0.9], ["1", 1], ["disabled", null], ["Disabled", null],
  ])("parseRatio(%j) = %s", (text, value) => expect(parseRatio("x", text)).toBe(value));
  it.each(["1.5", "-0.1", "abc", "", "150%"])("parseRatio(%j) names the input", (text) => {
    expect(() => parseRatio("lowest-efficiency", text)).toThrow('input "lowest-efficiency"');
  });
  it("parseSizeInput accepts disabled and names the input otherwise", () => {
    expect(parseSizeInput("highest-wasted-bytes", "disabled")).toBeNull();
    expect(() => parseSizeInput("highest-wasted-bytes", "lots")).toThrow('input "highest-wasted-bytes": "lots" is not a size');
  });
});

describe("dive: report and rules", () => {
  const report = (inefficientBytes: number, efficiencyScore: number, layers = [100, 400, 100]) =>
    JSON.stringify({ layer: layers.map((sizeBytes, index) => ({ index, digestId: "d", sizeBytes, command: "" })), image: { sizeBytes: 600, inefficientBytes, efficiencyScore, fileReference: [] } });
  const rules = { lowestEfficiency: 0.9, highestWastedBytes: 50, highestUserWastedPercent: 0.1 };
  it.each([
    [0, 1, true, [true, true, true]],
    [50, 0.95, true, [true, true, true]],
    [51, 0.95, false, [true, false, false]],
    [10, 0.89, false, [false, true, true]],
  ])("wasted %d, efficiency %d: passed %s", (wasted, eff, passed, checks) => {
    const verdict = evaluateRules(parseDiveReport(report(wasted, eff)), rules);
    expect(verdict.passed).toBe(passed);
    expect(verdict.checks.map((c) => c.passed)).toEqual(checks);
    expect(verdict.userSizeBytes).toBe(500);
  });
  it("counts waste in an image whose only layer is the base as all user waste", () => {
    expect(evaluateRules(parseDiveReport(report(10, 0.99, [600])), rules).userWastedPercent).toBe(1);
  });
  it.each([
    ["", "empty"],
    ['{"layer": [', "not valid JSON"],
    ['{"image": {}}', '"layer" is missing'],
    ['{"layer": [{"index": 0, "sizeBytes": 1}]}', '"image" is missing'],
    ['{"layer": [{"index": 0, "sizeBytes": 1}], "image": {"sizeBytes": 1, "inefficientBytes": 0, "efficiencyScore": 1.5}}', "efficiencyScore"],
    ['{"layer": [{"index": 0, "sizeBytes": -1}], "image": {"sizeBytes": 1, "inefficientBytes": 0, "efficiencyScore": 1}}', "layer[0].sizeBytes"],
  ])("rejects %j", (text, message) => expect(() => parseDiveReport(text)).toThrow(message));
});

describe("cosign: signTargets", () => {
  it.each([
    [["ghcr.io/prizz/x"], D, [`ghcr.io/prizz/x@${D}`]],
    [[`ghcr.io/prizz/x@${D}`], "", [`ghcr.io/prizz/x@${D}`]],
    [[`ghcr.io/prizz/x:1.0@${D}`], "", [`ghcr.io/prizz/x@${D}`]],
    [["prizz/x", "docker.io/prizz/x"], D, [`docker.io/prizz/x@${D}`]],
  ])("%j with digest %j", (images, digest, targets) => expect(signTargets(images, digest)).toEqual(targets));
  it.each([
    [[], "", "no image given"],
    [["ghcr.io/prizz/x:latest"], "", 'tag "latest" but no digest'],
    [["ghcr.io/prizz/x"], "", "names no digest"],
    [["ghcr.io/prizz/x"], "sha256:abc", '"sha256:abc" is not a digest'],
    [[`ghcr.io/prizz/x@${D}`], "sha256:" + "e".repeat(64), "but the digest input is"],
    [["Not A Ref"], "", "line 1: invalid image reference"],
  ])("refuses %j with digest %j", (images, digest, message) => expect(() => signTargets(images, digest)).toThrow(message));
  it("takes the token's identity, or an explicit one that agrees, within the pattern; requires the OIDC variables", () => {
    const publish = "https://github.com/pRizz/opencode-cloud/.github/workflows/publish.yml@refs/tags/v1.2.3";
    const release = "https://github.com/pRizz/opencode-cloud/.github/workflows/release.yml@refs/tags/v1.2.3";
    const pattern = "^https://github\\.com/pRizz/opencode-cloud/\\.github/workflows/publish\\.yml@refs/tags/v";
    expect(signingIdentity("", publish, pattern)).toBe(publish);
    expect(signingIdentity(publish, publish, "")).toBe(publish);
    expect(signingIdentity(release, undefined, "")).toBe(release);
    expect(() => signingIdentity(release, publish, "")).toThrow(`is not the identity this job's OIDC token carries (${publish})`);
    expect(() => signingIdentity("", release, pattern)).toThrow(`input "certificate-identity-regexp": the signing identity ${release} does not match`);
    expect(() => signingIdentity("", publish, "(")).toThrow("is not a regular expression");
    expect(() => signingIdentity("", undefined, "")).toThrow('input "certificate-identity"');
    expect(() => checkOidc({ ACTIONS_ID_TOKEN_REQUEST_URL: "u" })).toThrow("id-token: write");
    expect(() => checkOidc({ ACTIONS_ID_TOKEN_REQUEST_URL: "u", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "t" })).not.toThrow();
  });

  it("writes cosign v3 command lines without the deprecated --new-bundle-format", () => {
    const keyless = { kind: "keyless", identity: "I", issuer: "O" } as const;
    const sbom = { type: "cyclonedx", path: "sbom.json" } as const;
    const t = `ghcr.io/prizz/x@${D}`;
    expect(signArgs(t, keyless)).toEqual(["sign", "--yes", t]);
    expect(verifyArgs(t, keyless)).toEqual(["verify", "--certificate-identity", "I", "--certificate-oidc-issuer", "O", t]);
    expect(signArgs(t, keyless, sbom)).toEqual(["attest", "--yes", "--type", "cyclonedx", "--predicate", "sbom.json", t]);
    expect(verifyArgs(t, keyless, sbom)).toEqual(["verify-attestation", "--type", "cyclonedx", "--certificate-identity", "I", "--certificate-oidc-issuer", "O", t]);
    const key = { kind: "key", key: "k.key", publicKey: "k.pub" } as const;
    expect(signArgs(t, key, sbom)).toEqual(["attest", "--yes", "--type", "cyclonedx", "--predicate", "sbom.json", "--key", "k.key", t]);
    expect(verifyArgs(t, key)).toEqual(["verify", "--key", "k.pub", t]);
  });
});

describe("smoke test: checks", () => {
  it.each([
    ['{"Status":"running","Health":{"Status":"healthy"}}', "ready"],
    ['{"Status":"running","Health":{"Status":"starting"}}', "wait"],
    ['{"Status":"created"}', "wait"],
    ['{"Status":"running","Health":{"Status":"unhealthy"}}', "failed"],
    ['{"Status":"exited","ExitCode":137}', "failed"],
    ['{"Status":"running"}', "failed"],
    ["not json", "failed"],
  ])("readiness(%s) = %s", (state, kind) => expect(readiness(state).kind).toBe(kind));
  it.each([
    ["127.0.0.1:49153\n", 49153],
    ["0.0.0.0:32768\n[::]:32768\n", 32768],
  ])("hostPort(%j) = %d", (text, port) => expect(hostPort(text)).toBe(port));
  it("hostPort refuses output without a port", () => expect(() => hostPort("")).toThrow("no published port"));
  it("checkHealth wants 200 and healthy true", () => {
    expect(checkHealth(200, '{"healthy":true,"version":"1.2.3"}')).toBe("1.2.3");
    expect(() => checkHealth(401, "")).toThrow("HTTP 401");
    expect(() => checkHealth(200, "<html>")).toThrow("not JSON");
    expect(() => checkHealth(200, '{"healthy":"yes"}')).toThrow('healthy="yes"');
  });
  it("checkWebUi wants an HTML page", () => {
    expect(() => checkWebUi(200, "text/html", "<!DOCTYPE html><html></html>")).not.toThrow();
    expect(() => checkWebUi(200, "application/json", "{}")).toThrow("did not answer an HTML page");
    expect(() => checkWebUi(502, "text/html", "")).toThrow("HTTP 502");
  });
  it.each([
    [0, "a ok\nb ok\n2/2 tools ok\n", "2/2 tools ok"],
    [1, "a ok\nb MISSING\n1/2 tools ok\n", "exited with code 1"],
    [0, "1/2 tools ok", "only 1 of 2 tools ok"],
    [0, "0/0 tools ok", "only 0 of 0"],
    [0, "all good", 'did not print "N/N tools ok"'],
  ])("checkSelfTest(%d, %j)", (code, output, expected) => {
    if (/^\d+\/\d+ tools ok$/.test(expected)) expect(checkSelfTest(code, output)).toBe(expected);
    else expect(() => checkSelfTest(code, output)).toThrow(expected);
  });
});
