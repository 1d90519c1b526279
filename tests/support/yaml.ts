// Reads a YAML file of the project, parsed once per distinct text: the suite reads Pulumi.yaml, the stack files and
// the workflows hundreds of times (once per program run or check), and parsing them again each time cost more than
// the runs and checks themselves. The file is read every time, so an edited file is parsed anew; every caller gets
// its own copy to change as it likes.

import { readFileSync } from "node:fs";
import { parse } from "yaml";

const parsed = new Map<string, unknown>();

export function readYaml(path: string): unknown {
  const text = readFileSync(path, "utf8");
  if (!parsed.has(text)) parsed.set(text, parse(text));
  return structuredClone(parsed.get(text));
}
