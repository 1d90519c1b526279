// The Pulumi CLI the Automation API drives: the one on PATH, else the pinned version installed through the
// Automation API, else an exact instruction.

import { PulumiCommand } from "@pulumi/pulumi/automation/index.js";
import { version as SDK_VERSION } from "@pulumi/pulumi/version.js";
import semver from "semver";

/** The CLI version installed when none is found: the SDK's own version. */
export const PINNED_CLI_VERSION = SDK_VERSION;

export function installInstruction(version = PINNED_CLI_VERSION): string {
  return `Install the Pulumi CLI ${version}: curl -fsSL https://get.pulumi.com | sh -s -- --version ${version} (then open a new shell so it is on PATH), and run this again.`;
}

export async function ensurePulumiCli(log: (line: string) => void): Promise<PulumiCommand> {
  try {
    return await PulumiCommand.get();
  } catch {
    // not on PATH (or too old): install the pinned version below
  }
  log(`The Pulumi CLI is not on PATH; installing ${PINNED_CLI_VERSION} through the Automation API (~/.pulumi/versions/${PINNED_CLI_VERSION}) ...`);
  try {
    return await PulumiCommand.install({ version: new semver.SemVer(PINNED_CLI_VERSION) });
  } catch (e) {
    throw new Error(`Could not install the Pulumi CLI automatically (${(e as Error).message.split("\n")[0]}). ${installInstruction()}`);
  }
}
