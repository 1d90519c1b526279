// Stack config -> validated settings for the team stack (`opencode-cloud:mode: team`). Pure, like the sandbox
// settings: every problem is collected and reported at once, each naming its key (a member's field as
// `opencode-cloud:teamMembers[1].name`) and what it accepts. The image keys are read by the sandbox program's own
// reader, so both programs resolve the same image from the same config.

import { VOLUME_KINDS, type Platform, type VolumeKind } from "../facts.js";
import type { PullSettings } from "../image/types.js";
import { ConfigError, ConfigErrors } from "./errors.js";
import { parseQuantity, QUANTITY_ALLOWED } from "./quantity.js";
import { readImageSource } from "./sandbox/image-source.js";
import { fullKey, SANDBOX_KEYS, unknownProjectKeys, type RawConfig, type SandboxKey } from "./schema.js";
import { Secret } from "./secret.js";
import { TEAM_KEYS, volumeSizeKey, type TeamKey } from "./team-keys.js";

export interface TeamMember {
  /** The member's name, a DNS label: it names their namespace and their Pulumi resources. */
  readonly name: string;
  readonly namespace: string;
  /** Host name of the member's Ingress, when they are reached through the cluster's ingress controller. */
  readonly host?: string;
  /** Secret (in the member's namespace) holding the Ingress's TLS certificate. */
  readonly tlsSecret?: string;
}

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface TeamSettings {
  readonly project: string;
  readonly stack: string;
  readonly image: PullSettings;
  readonly platform?: Platform;
  readonly members: readonly TeamMember[];
  /** Absent only when there are no members. */
  readonly passwordSeed?: Secret;
  readonly storageClass?: string;
  readonly volumeSizes: Readonly<Record<VolumeKind, string>>;
  readonly resources: Resources;
  readonly ingress: { readonly className?: string; readonly namespace?: string };
}

/** RFC 1123 label (namespaces, member names) and subdomain (storage classes, hosts, Secret names). */
export const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DNS_SUBDOMAIN_RE = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_ALLOWED = "a DNS label: 1-63 lowercase letters, digits and '-', starting and ending with a letter or digit";
const SUBDOMAIN_ALLOWED = "a DNS subdomain: dot-separated DNS labels, lowercase, at most 253 characters";

/** The sandbox keys only a Docker stack reads: set in a team stack they would silently do nothing. */
export const DOCKER_ONLY_KEYS = [
  "port",
  "bindAddress",
  "password",
  "containerName",
  "volumePrefix",
  "mountSshKeys",
  "sshKeysDir",
  "dockerAccess",
] as const satisfies readonly SandboxKey[];

const MEMBER_FIELDS = ["name", "host", "tlsSecret"] as const;
const MIN_SEED_LENGTH = 16;

export function parseTeamSettings(raw: RawConfig, published: readonly string[]): TeamSettings {
  const errors: ConfigError[] = [];
  const fail = (key: string, problem: string, allowed: string): undefined => {
    errors.push(new ConfigError(key, problem, allowed));
    return undefined;
  };
  // As the CLI hands values over: strings as they are, a list as JSON.
  const str = (key: TeamKey): string => {
    const fallback = TEAM_KEYS[key].default;
    return raw.values[fullKey(key)] ?? (typeof fallback === "string" ? fallback : JSON.stringify(fallback));
  };

  // The image keys through the Docker program's own reader: one reading, one set of messages.
  const shared = readImageSource(raw, published);
  errors.push(...shared.errors);
  const image = shared.value.image.source === "pull" ? shared.value.image : undefined;
  const platform = shared.value.platform;
  // A key of this project that nothing reads is a typo, as in every other stack.
  for (const key of unknownProjectKeys(raw.values)) {
    fail(key, "is not a config key of this project", "the keys Pulumi.yaml declares (README: Configuration, Team stack)");
  }
  if (shared.value.image.source === "build") {
    fail(fullKey("imageSource"), "build makes the image on one Docker host, which a cluster's nodes cannot pull", "pull (the published image, pinned by digest)");
  }
  for (const key of DOCKER_ONLY_KEYS) {
    const value = raw.values[fullKey(key)];
    if (value !== undefined && value !== String(SANDBOX_KEYS[key].default)) {
      fail(fullKey(key), "is a Docker stack key, which the team stack does not read", `no value (the default ${JSON.stringify(SANDBOX_KEYS[key].default)})`);
    }
  }

  // Members.
  const prefix = str("teamNamespacePrefix");
  if (prefix !== "" && !/^[a-z0-9][-a-z0-9]*$/.test(prefix)) {
    fail(fullKey("teamNamespacePrefix"), `"${prefix}" cannot start a namespace name`, "lowercase letters, digits and '-', starting with a letter or digit (or empty)");
  }
  const members: TeamMember[] = [];
  const membersKey = fullKey("teamMembers");
  let listed: unknown;
  try {
    listed = JSON.parse(str("teamMembers"));
  } catch {
    listed = undefined;
  }
  if (!Array.isArray(listed)) {
    fail(membersKey, `${str("teamMembers")} is not a list`, "a YAML list of members, e.g. [{name: alice}, {name: bob, host: bob.dev.example.com}]");
    listed = [];
  }
  const seen = new Map<string, number>();
  (listed as unknown[]).forEach((entry, index) => {
    const at = `${membersKey}[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      fail(at, `${JSON.stringify(entry)} is not a member`, "an object with name (and optionally host and tlsSecret)");
      return;
    }
    const fields = entry as Record<string, unknown>;
    for (const field of Object.keys(fields)) {
      if (!(MEMBER_FIELDS as readonly string[]).includes(field)) fail(`${at}.${field}`, "is not a member field", MEMBER_FIELDS.join(", "));
    }
    const text = (field: (typeof MEMBER_FIELDS)[number]): string | undefined => {
      const value = fields[field];
      if (value === undefined) return undefined;
      if (typeof value === "string") return value;
      return fail(`${at}.${field}`, `${JSON.stringify(value)} is not a string`, "a string");
    };
    const name = text("name");
    const host = text("host");
    const tlsSecret = text("tlsSecret");
    let ok = true;
    if (name === undefined) {
      if (fields["name"] === undefined) fail(`${at}.name`, "is missing", LABEL_ALLOWED);
      ok = false;
    } else if (!DNS_LABEL_RE.test(name)) {
      fail(`${at}.name`, `"${name}" is not a DNS label`, LABEL_ALLOWED);
      ok = false;
    } else if (seen.has(name)) {
      fail(`${at}.name`, `"${name}" is already the name of ${membersKey}[${seen.get(name)}]`, "a name no other member has");
      ok = false;
    } else {
      seen.set(name, index);
      if (!DNS_LABEL_RE.test(`${prefix}${name}`)) {
        fail(`${at}.name`, `the namespace "${prefix}${name}" (${fullKey("teamNamespacePrefix")} + name) is not a DNS label`, `a shorter name or prefix: ${LABEL_ALLOWED}`);
        ok = false;
      }
    }
    if (host !== undefined && !DNS_SUBDOMAIN_RE.test(host)) {
      fail(`${at}.host`, `"${host}" is not a host name`, SUBDOMAIN_ALLOWED);
      ok = false;
    }
    if (tlsSecret !== undefined && !DNS_SUBDOMAIN_RE.test(tlsSecret)) {
      fail(`${at}.tlsSecret`, `"${tlsSecret}" is not a Secret name`, SUBDOMAIN_ALLOWED);
      ok = false;
    } else if (tlsSecret !== undefined && host === undefined) {
      fail(`${at}.tlsSecret`, "is set without host", "a tlsSecret together with the host its certificate is for");
      ok = false;
    }
    if (ok && name !== undefined) {
      members.push({ name, namespace: `${prefix}${name}`, ...(host !== undefined ? { host } : {}), ...(tlsSecret !== undefined ? { tlsSecret } : {}) });
    }
  });

  // The password seed: required as soon as there is a member, and only as a secret.
  const seedKey = fullKey("teamPasswordSeed");
  const seedText = str("teamPasswordSeed");
  const setSeed = `pulumi config set --secret ${seedKey} "$(openssl rand -base64 32)"`;
  let passwordSeed: Secret | undefined;
  if (seedText !== "" && !raw.secretKeys.has(seedKey)) fail(seedKey, "is set as plain text", `a secret: ${setSeed}`);
  else if (seedText !== "" && seedText.length < MIN_SEED_LENGTH) fail(seedKey, `is shorter than ${MIN_SEED_LENGTH} characters`, `a long random secret: ${setSeed}`);
  else if (seedText !== "") passwordSeed = new Secret(seedText);
  else if ((listed as unknown[]).length > 0) fail(seedKey, "is required: each member's password is derived from it", `a secret: ${setSeed}`);

  // Storage.
  const storageClass = str("teamStorageClass");
  if (storageClass !== "" && !DNS_SUBDOMAIN_RE.test(storageClass)) {
    fail(fullKey("teamStorageClass"), `"${storageClass}" is not a storage class name`, `${SUBDOMAIN_ALLOWED}, or empty for the cluster's default class`);
  }
  const quantity = (key: TeamKey, positive: boolean): number | undefined => {
    const text = str(key);
    const value = parseQuantity(text);
    if (value === undefined) return fail(fullKey(key), `"${text}" is not a quantity`, QUANTITY_ALLOWED);
    if (positive && value <= 0) return fail(fullKey(key), `${text} is zero`, `more than zero: ${QUANTITY_ALLOWED}`);
    return value;
  };
  for (const kind of VOLUME_KINDS) quantity(volumeSizeKey(kind) as TeamKey, true);
  const volumeSizes = Object.fromEntries(VOLUME_KINDS.map((kind) => [kind, str(volumeSizeKey(kind) as TeamKey)])) as Record<VolumeKind, string>;

  // Resources: each request within its limit (the API server would refuse the pod otherwise).
  for (const [request, limit] of [
    ["teamCpuRequest", "teamCpuLimit"],
    ["teamMemoryRequest", "teamMemoryLimit"],
  ] as const) {
    const r = quantity(request, false);
    const l = quantity(limit, true);
    if (r !== undefined && l !== undefined && r > l) {
      fail(fullKey(request), `${str(request)} is more than ${fullKey(limit)} ${str(limit)}`, `at most the limit`);
    }
  }

  // Ingress.
  const className = str("teamIngressClass");
  if (className !== "" && !DNS_SUBDOMAIN_RE.test(className)) {
    fail(fullKey("teamIngressClass"), `"${className}" is not an ingress class name`, `${SUBDOMAIN_ALLOWED}, or empty for the cluster's default class`);
  }
  const ingressNamespace = str("teamIngressNamespace");
  if (ingressNamespace !== "" && !DNS_LABEL_RE.test(ingressNamespace)) {
    fail(fullKey("teamIngressNamespace"), `"${ingressNamespace}" is not a namespace name`, LABEL_ALLOWED);
  } else if (ingressNamespace === "" && members.some((m) => m.host !== undefined)) {
    fail(fullKey("teamIngressNamespace"), "is required because a member has a host", "the namespace the ingress controller runs in, e.g. ingress-nginx");
  }

  if (errors.length > 0) throw new ConfigErrors(errors);
  return {
    project: raw.project,
    stack: raw.stack,
    image: image!,
    ...(platform ? { platform } : {}),
    members,
    ...(passwordSeed ? { passwordSeed } : {}),
    ...(storageClass !== "" ? { storageClass } : {}),
    volumeSizes,
    resources: {
      requests: { cpu: str("teamCpuRequest"), memory: str("teamMemoryRequest") },
      limits: { cpu: str("teamCpuLimit"), memory: str("teamMemoryLimit") },
    },
    ingress: { ...(className !== "" ? { className } : {}), ...(ingressNamespace !== "" ? { namespace: ingressNamespace } : {}) },
  };
}
