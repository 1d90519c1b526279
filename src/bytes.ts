// Byte sizes for people and for config: one parser and one formatter, shared by the CLI's pull progress and the
// dive-check action. Pure.

const SI: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const BINARY: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };
const SI_NAMES = ["B", "kB", "MB", "GB", "TB"];

/**
 * A size as dive's rules write it: SI units are powers of 1000 (`20MB` = 20,000,000), binary units of 1024
 * (`20MiB` = 20,971,520); case does not matter; a bare number is bytes. NaN when the text is not a size.
 */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(?:([kmgtp]?)(b?)|([kmgtp])(ib?))$/i.exec(text.trim());
  if (match === null) return Number.NaN;
  const value = Number(match[1]);
  if (match[4] !== undefined) return Math.round(value * BINARY[match[4].toLowerCase()]!);
  return Math.round(value * SI[(match[2] ?? "").toLowerCase()]!);
}

/** Bytes for people: `1.5 MB` (SI, like dive's and Docker's own output). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SI_NAMES.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${SI_NAMES[unit]}`;
}
