// Stack config -> validated, typed settings for the sandbox program. Pure: the values come in as the CLI hands them
// to the program (strings, project defaults merged, the set of keys that were secrets); every problem is collected
// and reported at once, each naming its key and what the key accepts.

import { isAbsolute } from "node:path";
import { isIP } from "node:net";
import { PLATFORMS, VOLUME_KINDS, type Platform, type VolumeKind } from "../facts.js";
import { DIGEST_RE, InvalidReferenceError, parseReference, type ImageReference } from "../oci/reference.js";
import { ConfigError, ConfigErrors } from "./errors.js";
import { unknownProjectKeys } from "./release.js";
import { DOCKER_KEYS, fullKey, SANDBOX_KEYS, type SandboxKey } from "./schema.js";
import { Secret } from "./secret.js";

/** Config as the Pulumi CLI passes it to a program. */
export interface RawConfig {
  readonly project: string;
  readonly stack: string;
  /** Every config value by full key (`opencode-cloud:port`, `docker:host`), secrets decrypted. */
  readonly values: Readonly<Record<string, string>>;
  /** Full keys whose values were stored as secrets (`secure:` in the stack file). */
  readonly secretKeys: ReadonlySet<string>;
  /** Home directory of the user running the program (for the default SSH key directory). */
  readonly homeDir: string;
}

export type ImageSourceSettings =
  | {
      readonly source: "pull";
      /** Tried in order: Docker Hub first, then GHCR (or the single configured image). */
      readonly candidates: readonly ImageReference[];
      readonly expectedDigest?: string;
      readonly requireSignature: boolean;
    }
  | {
      readonly source: "build";
      /** The local tag the built image gets in the target engine. */
      readonly tag: string;
    };

export interface SandboxSettings {
  readonly project: string;
  readonly stack: string;
  readonly port: number;
  readonly bindAddress: string;
  readonly loopback: boolean;
  readonly password?: Secret;
  readonly image: ImageSourceSettings;
  readonly platform?: Platform;
  readonly containerName: string;
  readonly volumeNames: Readonly<Record<VolumeKind, string>>;
  /** Host directory mounted read-only at ~/.ssh, when SSH keys are mounted. */
  readonly sshKeysDir?: string;
  readonly dockerAccess: boolean;
  readonly docker: { readonly host?: string; readonly sshOpts: readonly string[] };
}

export const MODES = ["sandbox", "release", "team"] as const;
export type Mode = (typeof MODES)[number];
export const IMAGE_SOURCES = ["pull", "build"] as const;

/** Docker's rule for container and volume names. */
export const DOCKER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
const DOCKER_HOST_SCHEMES = ["unix:", "tcp:", "ssh:", "npipe:"];

/** The published image's local tag when built on the target host: `<repository basename>:local-<stack>`. */
export function localBuildTag(publishedName: string, stack: string): string {
  const repository = parseReference(publishedName).repository;
  return `${repository.slice(repository.lastIndexOf("/") + 1)}:local-${stack}`;
}

/** Reads `opencode-cloud:mode` alone (index.ts picks the program with it before any other validation). */
export function parseMode(raw: Pick<RawConfig, "values">): Mode {
  const value = raw.values[fullKey("mode")] ?? String(SANDBOX_KEYS.mode.default);
  if (!(MODES as readonly string[]).includes(value)) {
    throw new ConfigErrors([new ConfigError(fullKey("mode"), `"${value}" is not a mode`, MODES.join(", "))]);
  }
  return value as Mode;
}

export function isLoopback(address: string): boolean {
  if (isIP(address) === 4) return address.startsWith("127.");
  if (isIP(address) === 6) return address === "::1" || address === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * Turns raw config into settings, or throws ConfigErrors listing every bad value.
 * `published` are the published image names in pull order (Docker Hub, GHCR).
 */
export function parseSettings(raw: RawConfig, published: readonly string[]): SandboxSettings {
  const errors: ConfigError[] = [];
  const fail = (key: string, problem: string, allowed: string): undefined => {
    errors.push(new ConfigError(key, problem, allowed));
    return undefined;
  };
  const str = (key: SandboxKey): string => raw.values[fullKey(key)] ?? String(SANDBOX_KEYS[key].default);
  const bool = (key: SandboxKey): boolean => {
    const value = str(key);
    if (value === "true" || value === "false") return value === "true";
    fail(fullKey(key), `"${value}" is not a boolean`, "true or false");
    return false;
  };
  const oneOf = <T extends string>(key: SandboxKey, allowed: readonly T[]): T | undefined => {
    const value = str(key);
    return (allowed as readonly string[]).includes(value)
      ? (value as T)
      : fail(fullKey(key), `"${value}" is not one of them`, allowed.join(", "));
  };

  // Mode: the sandbox program only runs in sandbox mode, but a bad value is still reported with the rest.
  oneOf("mode", MODES);

  // A key of this project that nothing reads is a typo (`opencode-cloud:prot`), not a harmless extra.
  for (const key of unknownProjectKeys(raw.values)) {
    fail(key, "is not a config key of this project", "the keys Pulumi.yaml declares (README: Configuration)");
  }

  // Port.
  const portText = str("port");
  let port = Number(SANDBOX_KEYS.port.default);
  if (!/^[0-9]+$/.test(portText)) {
    fail(fullKey("port"), `"${portText}" is not a number`, "an integer from 1 to 65535");
  } else if (Number(portText) < 1 || Number(portText) > 65535) {
    fail(fullKey("port"), `${portText} is out of range`, "an integer from 1 to 65535");
  } else {
    port = Number(portText);
  }

  // Bind address and password.
  const bindAddress = str("bindAddress");
  let loopback = true;
  if (isIP(bindAddress) === 0) {
    fail(fullKey("bindAddress"), `"${bindAddress}" is not an IP address`, "an IPv4 or IPv6 address, e.g. 127.0.0.1 or 0.0.0.0");
  } else {
    loopback = isLoopback(bindAddress);
  }
  const passwordKey = fullKey("password");
  const passwordText = str("password");
  let password: Secret | undefined;
  if (passwordText !== "" && !raw.secretKeys.has(passwordKey)) {
    fail(passwordKey, "is set as plain text", `a secret: pulumi config set --secret ${passwordKey} <password>`);
  } else if (passwordText !== "") {
    password = new Secret(passwordText);
  }
  if (!loopback && passwordText === "") {
    fail(
      passwordKey,
      `is required because ${fullKey("bindAddress")} ${bindAddress} is not a loopback address`,
      `a secret set with pulumi config set --secret ${passwordKey} <password>, or a loopback ${fullKey("bindAddress")} such as 127.0.0.1`,
    );
  }

  // Image.
  const source = oneOf("imageSource", IMAGE_SOURCES);
  const digestText = str("imageDigest");
  let expectedDigest: string | undefined;
  if (digestText !== "") {
    if (DIGEST_RE.test(digestText)) expectedDigest = digestText;
    else fail(fullKey("imageDigest"), `"${digestText}" is not a digest`, '"sha256:" followed by 64 lowercase hex digits');
  }
  const tagText = str("imageTag");
  const imageText = str("image");
  let candidates: ImageReference[] = [];
  const parse = (key: SandboxKey, text: string): ImageReference | undefined => {
    try {
      return parseReference(text);
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
      return fail(fullKey(key), `"${text}" is not a valid OCI reference (${e.reason})`, "[registry/]repository[:tag][@sha256:<64 hex>]");
    }
  };
  if (imageText !== "") {
    const ref = parse("image", imageText);
    if (ref) {
      if (ref.digest && expectedDigest && ref.digest !== expectedDigest) {
        fail(fullKey("imageDigest"), `${expectedDigest} differs from the digest in ${fullKey("image")} (${ref.digest})`, "the same digest in both, or only one of them");
      }
      expectedDigest ??= ref.digest;
      candidates = [{ registry: ref.registry, repository: ref.repository, name: ref.name, tag: ref.tag ?? tagText }];
    }
  } else if (published.length > 0 && parse("imageTag", `${published[0]}:${tagText}`)) {
    candidates = published.map((name) => parseReference(`${name}:${tagText}`));
  }

  // Platform.
  const platformText = str("platform");
  let platform: Platform | undefined;
  if (platformText !== "") platform = oneOf<Platform>("platform", PLATFORMS);

  // Names.
  const defaultName = `${raw.project}-${raw.stack}`;
  const containerName = str("containerName") || defaultName;
  if (!DOCKER_NAME_RE.test(containerName)) {
    fail(fullKey("containerName"), `"${containerName}" is not a valid container name`, "2 or more of [a-zA-Z0-9_.-], starting with a letter or digit");
  }
  const volumePrefix = str("volumePrefix") || defaultName;
  const volumeNames = Object.fromEntries(VOLUME_KINDS.map((kind) => [kind, `${volumePrefix}-${kind}`])) as Record<VolumeKind, string>;
  if (!DOCKER_NAME_RE.test(volumePrefix)) {
    fail(fullKey("volumePrefix"), `"${volumePrefix}" does not make valid volume names`, "2 or more of [a-zA-Z0-9_.-], starting with a letter or digit");
  }

  // Docker host.
  const host = raw.values[DOCKER_KEYS.host];
  if (host !== undefined) {
    let scheme = "";
    try {
      scheme = new URL(host).protocol;
    } catch {
      // reported below
    }
    if (!DOCKER_HOST_SCHEMES.includes(scheme)) {
      fail(DOCKER_KEYS.host, `"${host}" is not a Docker host URL`, "unix:///path, tcp://host:port, ssh://user@host or npipe:////./pipe/name");
    }
  }
  const sshOptsText = raw.values[DOCKER_KEYS.sshOpts];
  let sshOpts: string[] = [];
  if (sshOptsText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(sshOptsText);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((o) => typeof o === "string")) sshOpts = parsed as string[];
    else fail(DOCKER_KEYS.sshOpts, `${sshOptsText} is not a list of strings`, 'a YAML list of ssh options, e.g. ["-o", "StrictHostKeyChecking=yes"]');
  }
  const remote = host !== undefined && !host.startsWith("unix:") && !host.startsWith("npipe:");

  // Opt-in mounts.
  let sshKeysDir: string | undefined;
  const sshDirText = str("sshKeysDir");
  if (sshDirText !== "" && !isAbsolute(sshDirText)) {
    fail(fullKey("sshKeysDir"), `"${sshDirText}" is not an absolute path`, "an absolute directory path on the Docker host");
  }
  if (bool("mountSshKeys")) {
    if (sshDirText !== "") sshKeysDir = sshDirText;
    else if (remote) {
      fail(fullKey("sshKeysDir"), `is required with ${fullKey("mountSshKeys")} on the remote host ${host}`, "an absolute directory path on the Docker host");
    } else sshKeysDir = `${raw.homeDir}/.ssh`;
  }
  const dockerAccess = bool("dockerAccess");
  const requireSignature = bool("requireSignature");

  if (errors.length > 0) throw new ConfigErrors(errors);

  const image: ImageSourceSettings =
    source === "build"
      ? { source, tag: localBuildTag(published[0]!, raw.stack) }
      : { source: "pull", candidates, requireSignature, ...(expectedDigest ? { expectedDigest } : {}) };
  return {
    project: raw.project,
    stack: raw.stack,
    port,
    bindAddress,
    loopback,
    ...(password ? { password } : {}),
    image,
    ...(platform ? { platform } : {}),
    containerName,
    volumeNames,
    ...(sshKeysDir ? { sshKeysDir } : {}),
    dockerAccess,
    docker: { ...(host !== undefined ? { host } : {}), sshOpts },
  };
}
