// Every bad input stops the program with one message that names the key, what was wrong and what is allowed.

export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(
    /** The config key as a user writes it, e.g. `opencode-cloud:port`. */
    readonly key: string,
    /** What is wrong with the value given. */
    readonly problem: string,
    /** What the key accepts. */
    readonly allowed: string,
  ) {
    super(`${key}: ${problem}. Allowed: ${allowed}.`);
  }
}

/** Collects several problems so that one run reports all of them, not the first only. */
export class ConfigErrors extends Error {
  override readonly name = "ConfigErrors";

  constructor(readonly errors: readonly ConfigError[]) {
    super(
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} invalid config values:\n${errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
  }
}
