// dive's CI rules, evaluated in code on dive's `--json` export (dive skips its own rules in that mode). Pure.

import { InputError } from "../../lib/errors.js";
import { isObject, parseJsonObject } from "../../lib/json.js";
import { parseSize } from "../../../src/bytes.js";

export interface DiveLayer {
  readonly index: number;
  readonly digestId: string;
  readonly sizeBytes: number;
  readonly command: string;
}

export interface WastedFile {
  readonly file: string;
  readonly count: number;
  readonly sizeBytes: number;
}

export interface DiveReport {
  readonly layers: DiveLayer[];
  readonly sizeBytes: number;
  readonly inefficientBytes: number;
  readonly efficiencyScore: number;
  readonly files: WastedFile[];
}

export class DiveReportError extends Error {
  override readonly name = "DiveReportError";
  constructor(problem: string) {
    super(`dive report rejected (the check fails closed): ${problem}`);
  }
}

/** Reads dive's JSON export (`layer` array, `image` object); throws DiveReportError on anything incomplete. */
export function parseDiveReport(text: string): DiveReport {
  const data = parseJsonObject(text, (problem) => new DiveReportError(problem));
  const layer = data["layer"];
  const image = data["image"];
  if (!Array.isArray(layer) || layer.length === 0) throw new DiveReportError('"layer" is missing or empty');
  if (!isObject(image)) throw new DiveReportError('"image" is missing');
  const layers = layer.map((l: unknown, i): DiveLayer => {
    const at = `layer[${i}]`;
    if (!isObject(l)) throw new DiveReportError(`${at} is not an object`);
    return {
      index: count(l, "index", at),
      digestId: typeof l["digestId"] === "string" ? l["digestId"] : "",
      sizeBytes: count(l, "sizeBytes", at),
      command: typeof l["command"] === "string" ? l["command"] : "",
    };
  });
  const refs = image["fileReference"];
  if (refs !== null && refs !== undefined && !Array.isArray(refs)) throw new DiveReportError("image.fileReference is not an array");
  const files = (refs ?? []).map((r: unknown, i: number): WastedFile => {
    const at = `image.fileReference[${i}]`;
    if (!isObject(r) || typeof r["file"] !== "string") throw new DiveReportError(`${at}.file is missing`);
    return { file: r["file"], count: count(r, "count", at), sizeBytes: count(r, "sizeBytes", at) };
  });
  const efficiencyScore = image["efficiencyScore"];
  if (typeof efficiencyScore !== "number" || !(efficiencyScore >= 0 && efficiencyScore <= 1)) {
    throw new DiveReportError("image.efficiencyScore must be a number from 0 to 1");
  }
  return {
    layers,
    sizeBytes: count(image, "sizeBytes", "image"),
    inefficientBytes: count(image, "inefficientBytes", "image"),
    efficiencyScore,
    files,
  };
}

export interface Rules {
  /** Fail below this efficiency (0-1); null = rule off. */
  readonly lowestEfficiency: number | null;
  /** Fail above this many wasted bytes; null = rule off. */
  readonly highestWastedBytes: number | null;
  /** Fail above this share (0-1) of wasted bytes in the layers above the base; null = rule off. */
  readonly highestUserWastedPercent: number | null;
}

export interface RuleCheck {
  readonly rule: "lowest-efficiency" | "highest-wasted-bytes" | "highest-user-wasted-percent";
  readonly limit: number | null;
  readonly actual: number;
  readonly passed: boolean;
}

export interface DiveVerdict {
  readonly checks: RuleCheck[];
  readonly userSizeBytes: number;
  readonly userWastedPercent: number;
  readonly passed: boolean;
}

/**
 * Dive's three rules. User-wasted share = wasted bytes / bytes of all layers but the first, as dive computes it;
 * an image whose layers above the base add nothing and waste something counts as 100% wasted.
 */
export function evaluateRules(report: DiveReport, rules: Rules): DiveVerdict {
  const userSizeBytes = report.layers.slice(1).reduce((sum, l) => sum + l.sizeBytes, 0);
  const userWastedPercent =
    userSizeBytes > 0 ? report.inefficientBytes / userSizeBytes : report.inefficientBytes > 0 ? 1 : 0;
  const checks: RuleCheck[] = [
    { rule: "lowest-efficiency", limit: rules.lowestEfficiency, actual: report.efficiencyScore, passed: rules.lowestEfficiency === null || report.efficiencyScore >= rules.lowestEfficiency },
    { rule: "highest-wasted-bytes", limit: rules.highestWastedBytes, actual: report.inefficientBytes, passed: rules.highestWastedBytes === null || report.inefficientBytes <= rules.highestWastedBytes },
    { rule: "highest-user-wasted-percent", limit: rules.highestUserWastedPercent, actual: userWastedPercent, passed: rules.highestUserWastedPercent === null || userWastedPercent <= rules.highestUserWastedPercent },
  ];
  return { checks, userSizeBytes, userWastedPercent, passed: checks.every((c) => c.passed) };
}

/** Reads a rule input: "disabled" turns it off; otherwise a ratio 0-1 (or a percentage like `10%`). */
export function parseRatio(input: string, text: string): number | null {
  const value = text.trim();
  if (value.toLowerCase() === "disabled") return null;
  const ratio = value.endsWith("%") ? Number(value.slice(0, -1)) / 100 : Number(value);
  if (value === "" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    throw new InputError(input, `"${text}" is not a ratio`, 'a number from 0 to 1 (e.g. 0.9), a percentage (e.g. 90%), or "disabled"');
  }
  return ratio;
}

/** Reads the wasted-bytes input: "disabled", or a size with SI or binary units. */
export function parseSizeInput(input: string, text: string): number | null {
  const value = text.trim();
  if (value.toLowerCase() === "disabled") return null;
  const bytes = parseSize(value);
  if (Number.isNaN(bytes)) {
    throw new InputError(input, `"${text}" is not a size`, 'bytes with an optional unit, SI (kB, MB, GB) or binary (KiB, MiB, GiB), or "disabled"');
  }
  return bytes;
}

function count(obj: Record<string, unknown>, key: string, where: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new DiveReportError(`${where}.${key} must be a non-negative integer`);
  }
  return value;
}
