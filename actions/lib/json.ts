// Reading tool reports: JSON that must be a complete object, or the caller's error. Pure.

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Parses a report that must be one JSON object; empty, truncated or malformed text becomes `fail(problem)`. */
export function parseJsonObject(text: string, fail: (problem: string) => Error): Record<string, unknown> {
  if (text.trim() === "") throw fail("the report is empty");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw fail(`the report is not valid JSON, truncated or malformed (${(error as Error).message})`);
  }
  if (!isObject(data)) throw fail("the report is not a JSON object");
  return data;
}
