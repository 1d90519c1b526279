// Where the program reports what it did (which registry served, signature warnings). Pulumi's log by default;
// tests pass a recorder.

import * as pulumi from "@pulumi/pulumi";

export interface ProgramLog {
  info(message: string): void;
  warn(message: string): void;
}

export const pulumiLog: ProgramLog = {
  info: (message) => void pulumi.log.info(message),
  warn: (message) => void pulumi.log.warn(message),
};
