// A secret value in plain TypeScript: it never prints itself (logs, JSON, errors, inspect), only reveal() opens it.
// The program turns it into a Pulumi secret at the one place a resource needs it.

import { inspect } from "node:util";

const REDACTED = "[secret]";

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
