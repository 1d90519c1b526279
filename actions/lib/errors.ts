// The error every bad action input raises: it names the input, the problem and what is allowed. No imports, so pure
// cores can throw it too.

export class InputError extends Error {
  override readonly name = "InputError";

  constructor(
    readonly input: string,
    readonly problem: string,
    readonly allowed: string,
  ) {
    super(`input "${input}": ${problem}. Allowed: ${allowed}.`);
  }
}
