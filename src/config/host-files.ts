// What the pure config readers may see of this machine, handed to them through RawConfig: the project directory
// (relative paths in config are relative to it), whether a host folder exists, and the text of the public key file
// `signatureKey` names.

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RawConfig } from "./schema.js";

/** The checkout this program runs from: where Pulumi.yaml is, and where Pulumi and npm run it. */
export const PROJECT_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const hostFiles: Required<Pick<RawConfig, "projectDir" | "pathExists" | "readText">> = {
  projectDir: PROJECT_DIR,
  pathExists: existsSync,
  readText: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined; // a directory, no permission: the reader says it cannot be read
    }
  },
};
