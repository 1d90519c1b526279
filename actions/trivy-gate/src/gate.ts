// The trivy gate, pure: reads trivy's JSON report (SchemaVersion 2) and an allowlist, and decides. Anything it
// cannot fully read fails: an empty, truncated or malformed report never passes.

import { parse as parseYaml } from "yaml";
import { isObject, parseJsonObject } from "../../lib/json.js";

export const SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  readonly id: string;
  readonly pkg: string;
  readonly installed: string;
  /** Empty when no fixed version exists. */
  readonly fixed: string;
  readonly severity: Severity;
  readonly title: string;
  /** The result's Target, or `(custom)` (its Class) for a result without one. */
  readonly target: string;
}

export class ReportError extends Error {
  override readonly name = "ReportError";
  constructor(problem: string) {
    super(`trivy report rejected (the gate fails closed): ${problem}`);
  }
}

/** The findings in a trivy `--format json` report; throws ReportError on anything but a complete SchemaVersion 2 report. */
export function parseReport(text: string): Finding[] {
  const data = parseJsonObject(text, (problem) => new ReportError(problem));
  if (data["SchemaVersion"] !== 2) throw new ReportError(`SchemaVersion is ${JSON.stringify(data["SchemaVersion"])}, expected 2`);
  const results = data["Results"];
  if (!Array.isArray(results) || results.length === 0) {
    throw new ReportError("the report has no Results, so trivy scanned nothing it recognised");
  }
  const findings: Finding[] = [];
  results.forEach((result: unknown, i) => {
    const where = `Results[${i}]`;
    if (!isObject(result)) throw new ReportError(`${where} is not an object`);
    // An empty Target is real: results a trivy module adds (Class "custom") carry none. It must still be a string.
    const target = field(result, "Target", where, false) || `(${field(result, "Class", where, false) || "no target"})`;
    if (typeof result["Target"] !== "string") throw new ReportError(`${where}.Target is missing`);
    const vulns = result["Vulnerabilities"];
    if (vulns === undefined || vulns === null) return;
    if (!Array.isArray(vulns)) throw new ReportError(`${where}.Vulnerabilities is not an array`);
    vulns.forEach((v: unknown, j) => {
      const at = `${where}.Vulnerabilities[${j}]`;
      if (!isObject(v)) throw new ReportError(`${at} is not an object`);
      const severity = field(v, "Severity", at, true);
      if (!(SEVERITIES as readonly string[]).includes(severity)) {
        throw new ReportError(`${at}.Severity "${severity}" is not one of ${SEVERITIES.join(", ")}`);
      }
      findings.push({
        id: field(v, "VulnerabilityID", at, true),
        pkg: field(v, "PkgName", at, true),
        installed: field(v, "InstalledVersion", at, true),
        fixed: field(v, "FixedVersion", at, false),
        severity: severity as Severity,
        title: field(v, "Title", at, false),
        target,
      });
    });
  });
  return findings;
}

export interface AllowEntry {
  readonly id: string;
  /** Only this package's finding is allowed; every package when absent. */
  readonly package?: string;
  /** Last day (UTC, inclusive) the entry applies: YYYY-MM-DD. */
  readonly expires: string;
  /** Why the finding is acceptable (a VEX-style statement). */
  readonly statement: string;
}

/** Parses the allowlist YAML: a list of `{id, package?, expires, statement}`; throws naming the bad entry. */
export function parseAllowlist(text: string, source: string): AllowEntry[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new Error(`allowlist ${source} is not valid YAML: ${(error as Error).message}`);
  }
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data)) throw new Error(`allowlist ${source} must be a YAML list of {id, package?, expires, statement}`);
  return data.map((entry: unknown, i) => {
    const at = `allowlist ${source} entry ${i + 1}`;
    if (!isObject(entry)) throw new Error(`${at} must be a mapping with id, expires and statement`);
    const known = new Set(["id", "package", "expires", "statement"]);
    for (const key of Object.keys(entry)) {
      if (!known.has(key)) throw new Error(`${at}: unknown key "${key}"; allowed: id, package, expires, statement`);
    }
    const text = (key: string): string => {
      const value = entry[key];
      if (typeof value !== "string" || value.trim() === "") throw new Error(`${at}: "${key}" is required (a non-empty string)`);
      return value.trim();
    };
    const expires = entry["expires"] instanceof Date ? entry["expires"].toISOString().slice(0, 10) : text("expires");
    if (!isIsoDate(expires)) throw new Error(`${at}: expires "${expires}" must be a date YYYY-MM-DD`);
    const pkg = entry["package"] === undefined ? undefined : text("package");
    return { id: text("id"), expires, statement: text("statement"), ...(pkg === undefined ? {} : { package: pkg }) };
  });
}

export interface GateOptions {
  /** Findings at or above this severity block. */
  readonly threshold: Severity;
  /** Block only findings that have a fixed version. */
  readonly onlyFixed: boolean;
  /** Today, YYYY-MM-DD (UTC). */
  readonly today: string;
}

export interface GateResult {
  readonly counts: Record<Severity, number>;
  readonly total: number;
  readonly blocking: Finding[];
  readonly suppressed: { finding: Finding; entry: AllowEntry }[];
  readonly expired: AllowEntry[];
  /** Entries that matched no finding (worth removing). */
  readonly unused: AllowEntry[];
  readonly passed: boolean;
}

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function evaluate(findings: readonly Finding[], allowlist: readonly AllowEntry[], options: GateOptions): GateResult {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const expired = allowlist.filter((e) => e.expires < options.today);
  const active = allowlist.filter((e) => e.expires >= options.today);
  const used = new Set<AllowEntry>();
  const blocking: Finding[] = [];
  const suppressed: { finding: Finding; entry: AllowEntry }[] = [];
  for (const finding of findings) {
    counts[finding.severity] += 1;
    const matches = (e: AllowEntry): boolean => e.id === finding.id && (e.package === undefined || e.package === finding.pkg);
    for (const e of allowlist) if (matches(e)) used.add(e);
    const entry = active.find(matches);
    if (entry !== undefined) {
      suppressed.push({ finding, entry });
      continue;
    }
    const severe = severityRank(finding.severity) >= severityRank(options.threshold);
    if (severe && (!options.onlyFixed || finding.fixed !== "")) blocking.push(finding);
  }
  blocking.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
  return {
    counts,
    total: findings.length,
    blocking,
    suppressed,
    expired,
    unused: allowlist.filter((e) => !used.has(e)),
    passed: blocking.length === 0 && expired.length === 0,
  };
}

function field(obj: Record<string, unknown>, key: string, where: string, required: boolean): string {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (required) throw new ReportError(`${where}.${key} is missing`);
    return "";
  }
  if (typeof value !== "string") throw new ReportError(`${where}.${key} is not a string`);
  if (required && value === "") throw new ReportError(`${where}.${key} is empty`);
  return value;
}

function isIsoDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

/** Checks a `--format cyclonedx` SBOM is complete: a JSON object with bomFormat CycloneDX and a specVersion. */
export function checkSbom(text: string): { specVersion: string; components: number } {
  const data = parseJsonObject(text, (problem) => new ReportError(`SBOM: ${problem}`));
  if (data["bomFormat"] !== "CycloneDX") throw new ReportError(`SBOM: bomFormat is ${JSON.stringify(data["bomFormat"])}, expected "CycloneDX"`);
  if (typeof data["specVersion"] !== "string") throw new ReportError("SBOM: specVersion is missing");
  const components = data["components"];
  if (components !== undefined && !Array.isArray(components)) throw new ReportError("SBOM: components is not an array");
  return { specVersion: data["specVersion"], components: Array.isArray(components) ? components.length : 0 };
}
