// Typed action inputs. Each reader names the input and what it accepts when the value is wrong, so a misconfigured
// workflow fails with one clear line instead of a surprise later on. The readers take the raw value from
// @actions/core (INPUT_<NAME> with the dash kept) and fall back to the same defaults the action.yml declares.

import * as core from "@actions/core";
import { InputError } from "./errors.js";

export { InputError };

/** The raw, trimmed value ("" when unset). */
export function raw(name: string): string {
  return core.getInput(name, { trimWhitespace: true });
}

export function stringInput(name: string, fallback = ""): string {
  return raw(name) || fallback;
}

export function requiredInput(name: string, allowed: string): string {
  const value = raw(name);
  if (value === "") throw new InputError(name, "it is required but empty", allowed);
  return value;
}

export function enumInput<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = raw(name);
  if (value === "") return fallback;
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw new InputError(name, `"${value}" is not one of them`, allowed.join(", "));
  return match;
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const value = raw(name).toLowerCase();
  if (value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new InputError(name, `"${raw(name)}" is not a boolean`, "true, false");
}

export function numberInput(name: string, fallback: number, range: { min: number; max: number; integer?: boolean }): number {
  const text = raw(name);
  if (text === "") return fallback;
  const value = Number(text);
  const kind = range.integer ? "an integer" : "a number";
  if (!Number.isFinite(value) || (range.integer && !Number.isInteger(value)) || value < range.min || value > range.max) {
    throw new InputError(name, `"${text}" is out of range`, `${kind} from ${range.min} to ${range.max}`);
  }
  return value;
}

/** One item per line (blank lines and `#` comments dropped); commas also separate items. */
export function listInput(name: string): string[] {
  return raw(name)
    .split(/[\n,]/)
    .map((line) => line.replace(/#.*$/, "").trim())
    .filter((line) => line !== "");
}
