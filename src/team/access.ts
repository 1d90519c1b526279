// How a member reaches their sandbox and reads their password, as the stack outputs state it.

import { DEFAULT_AUTH_USERNAME, SANDBOX_PORT } from "../facts.js";
import type { TeamMember } from "../config/team.js";
import { MEMBER_OBJECTS } from "./manifests.js";

export interface MemberAccess {
  readonly namespace: string;
  /** `https://<host>` through the Ingress, or the local address the port-forward opens. */
  readonly url: string;
  /** The command that opens the sandbox on the member's machine ("" when the Ingress serves it). */
  readonly portForward: string;
  readonly username: string;
  /** The command that prints the password (the member needs read access to their namespace's Secret). */
  readonly password: string;
}

export function memberAccess(member: TeamMember): MemberAccess {
  const ns = member.namespace;
  const viaIngress = member.host !== undefined;
  return {
    namespace: ns,
    url: viaIngress ? `${member.tlsSecret ? "https" : "http"}://${member.host}` : `http://127.0.0.1:${SANDBOX_PORT}`,
    portForward: viaIngress ? "" : `kubectl -n ${ns} port-forward service/${MEMBER_OBJECTS.service} ${SANDBOX_PORT}:${SANDBOX_PORT}`,
    username: DEFAULT_AUTH_USERNAME,
    password: `kubectl -n ${ns} get secret ${MEMBER_OBJECTS.passwordSecret} -o jsonpath='{.data.${MEMBER_OBJECTS.passwordKey}}' | base64 -d`,
  };
}
