// The team program (`opencode-cloud:mode: team`): validated team settings -> the image resolved to a digest once
// (the sandbox program's resolver) -> one MemberSandbox per member -> outputs per member.

import { readRawConfig } from "../config/read.js";
import { parseTeamSettings } from "../config/team.js";
import { registryResolver } from "../image/resolver.js";
import { pulumiLog } from "../sandbox/log.js";
import { PUBLISHED_IMAGES } from "../facts.js";
import type { ProgramDeps } from "../sandbox/program.js";
import type { MemberAccess } from "./access.js";
import { MemberSandbox } from "./member.js";
import { memberPassword } from "./password.js";

export interface TeamOutputs {
  /** Per member: namespace, URL, port-forward command, user name and the command that prints the password. */
  readonly members: Record<string, MemberAccess>;
  /** `name@digest` every member runs. */
  readonly image: string;
  readonly registry: string;
}

export async function teamProgram(deps: ProgramDeps = {}): Promise<TeamOutputs> {
  const log = deps.log ?? pulumiLog;
  const settings = parseTeamSettings(readRawConfig(), PUBLISHED_IMAGES);
  const resolved = await (deps.resolver ?? registryResolver())(settings.image, log);
  const members: Record<string, MemberAccess> = {};
  for (const member of settings.members) {
    const sandbox = new MemberSandbox(member.name, {
      stack: settings.stack,
      member,
      image: resolved.pinned,
      ...(settings.platform ? { platform: settings.platform } : {}),
      password: memberPassword(settings.passwordSeed!, settings.stack, member.name),
      ...(settings.storageClass ? { storageClass: settings.storageClass } : {}),
      volumeSizes: settings.volumeSizes,
      resources: settings.resources,
      ingress: settings.ingress,
    });
    members[member.name] = sandbox.access;
  }
  if (settings.members.length === 0) log.warn("opencode-cloud:teamMembers is empty: the team stack declares no sandbox");
  return { members, image: resolved.pinned, registry: resolved.registry };
}
