// Reads the sandbox program's keys as the CLI hands them (strings, project defaults merged; a key the stack lacks
// gets the schema's default) and collects what is wrong with each value, so that one run reports every problem.
// Each reader of a concern (network, image source, names, host access) owns one of these for its own errors.

import { ConfigError } from "../errors.js";
import { fullKey, SANDBOX_KEYS, type RawConfig, type SandboxKey } from "../schema.js";

/** What a reader found: its settings (with fallbacks where a value was bad) and the problems, in reading order. */
export interface Checked<T> {
  readonly value: T;
  readonly errors: readonly ConfigError[];
}

export class SandboxKeyReader {
  readonly #errors: ConfigError[] = [];

  constructor(private readonly values: RawConfig["values"]) {}

  /** Records a problem of `key` (a full key, e.g. `docker:host`); returns undefined for `?? fallback` chains. */
  fail(key: string, problem: string, allowed: string): undefined {
    this.#errors.push(new ConfigError(key, problem, allowed));
    return undefined;
  }

  str(key: SandboxKey): string {
    return this.values[fullKey(key)] ?? String(SANDBOX_KEYS[key].default);
  }

  bool(key: SandboxKey): boolean {
    const value = this.str(key);
    if (value === "true" || value === "false") return value === "true";
    this.fail(fullKey(key), `"${value}" is not a boolean`, "true or false");
    return false;
  }

  oneOf<T extends string>(key: SandboxKey, allowed: readonly T[]): T | undefined {
    const value = this.str(key);
    return (allowed as readonly string[]).includes(value)
      ? (value as T)
      : this.fail(fullKey(key), `"${value}" is not one of them`, allowed.join(", "));
  }

  /** A list-of-strings key: the JSON list the CLI hands over (`[]` when unset); a value of another shape is a problem. */
  list(key: SandboxKey): string[] {
    const text = this.values[fullKey(key)];
    if (text === undefined || text === "") return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed as string[];
    this.fail(fullKey(key), `${text} is not a list of strings`, `a YAML list of strings, e.g. set with pulumi config set --path '${fullKey(key)}[0]' VALUE`);
    return [];
  }

  /** The reader's settings together with every problem recorded so far. */
  checked<T>(value: T): Checked<T> {
    return { value, errors: [...this.#errors] };
  }
}
