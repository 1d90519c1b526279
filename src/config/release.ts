// Release stack config -> validated release settings. Read once, validated once (every problem reported together),
// handed down as plain typed values. Registry tokens never pass through plain config: a token in the stack must be a
// `secure:` value (a plain one is refused), or it comes from the environment GitHub fills from its secrets; either
// way it travels as a Secret and reaches resources as a Pulumi secret, so state holds it encrypted.

import { PLATFORMS, type Platform } from "../facts.js";
import { InvalidReferenceError, parseReference } from "../oci/reference.js";
import { ConfigError, ConfigErrors } from "./errors.js";
import { RELEASE_CONFIG, fullKey, unknownProjectKeys, type RawConfig, type ReleaseKey } from "./schema.js";
import { Secret } from "./secret.js";

/** The release key table lives with the sandbox's in the schema; re-exported for the release program's readers. */
export { RELEASE_CONFIG };

export const RELEASE_STRATEGIES = ["native", "qemu"] as const;
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];
/** native: `build` one platform per runner, then `merge` them into one index per registry. qemu: `all` in one job. */
export const RELEASE_ROLES = ["build", "merge", "all"] as const;
export type ReleaseRole = (typeof RELEASE_ROLES)[number];

export const REGISTRY_KEYS = ["dockerHub", "ghcr"] as const;
export type RegistryKey = (typeof REGISTRY_KEYS)[number];

/** Where each registry's credentials come from when the stack config has none (GitHub secrets as env). */
export const CREDENTIAL_ENV: Record<RegistryKey, { username: readonly string[]; token: readonly string[] }> = {
  dockerHub: { username: ["DOCKERHUB_USERNAME"], token: ["DOCKERHUB_TOKEN"] },
  ghcr: { username: ["GHCR_USERNAME", "GITHUB_ACTOR"], token: ["GHCR_TOKEN", "GITHUB_TOKEN"] },
};

export interface RegistryTarget {
  readonly key: RegistryKey;
  /** `registry/repository`, normalised (docker.io/prizz/opencode-cloud-sandbox). */
  readonly image: string;
  /** The registry host (docker.io, ghcr.io). */
  readonly address: string;
}

export interface RegistryCredentials {
  readonly username: string;
  /** From a `secure:` config value or a GitHub secret; the program hands it to resources as a Pulumi secret. */
  readonly password: Secret;
}

export interface ReleaseSettings {
  readonly strategy: ReleaseStrategy;
  readonly role: ReleaseRole;
  /** The platforms this stack builds: one for `build`; every published one for `merge` (expected) and `all`. */
  readonly platforms: readonly Platform[];
  readonly push: boolean;
  /** Pull the base again and build without any cache (weekly rebuild). */
  readonly freshBase: boolean;
  readonly context: string;
  readonly dockerfile: string;
  /** Registry cache tags are `<image>:<cacheTag>-<arch>`. */
  readonly cacheTag: string;
  readonly defaultBranch: string;
  /** Build arguments beside SOURCE_DATE_EPOCH (the program sets that one from the commit time). */
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Docker Hub first (primary), then GHCR. */
  readonly registries: readonly RegistryTarget[];
  /** Push credentials per registry, where config or environment has both parts. */
  readonly credentials: Readonly<Partial<Record<RegistryKey, RegistryCredentials>>>;
}

const CACHE_TAG_RE = /^[a-z0-9][a-z0-9_.-]{0,100}$/;
const BRANCH_RE = /^[A-Za-z0-9._/-]+$/;
const BUILD_ARG_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the program from the commit time; a stack may not choose it. */
const RESERVED_BUILD_ARGS = ["SOURCE_DATE_EPOCH"];
const CREDENTIAL_KEYS: Record<RegistryKey, { username: ReleaseKey; token: ReleaseKey }> = {
  dockerHub: { username: "releaseDockerHubUsername", token: "releaseDockerHubToken" },
  ghcr: { username: "releaseGhcrUsername", token: "releaseGhcrToken" },
};

/**
 * Validates the release keys of one stack (project defaults merged, "" meaning unset) and the credentials the
 * environment offers; throws ConfigErrors listing every problem.
 */
export function parseReleaseSettings(raw: Pick<RawConfig, "values" | "secretKeys">, env: NodeJS.ProcessEnv = {}): ReleaseSettings {
  const errors: ConfigError[] = [];
  const fail = (name: ReleaseKey, problem: string, allowed: string): undefined => {
    errors.push(new ConfigError(fullKey(name), problem, allowed));
    return undefined;
  };
  const str = (name: ReleaseKey): string => raw.values[fullKey(name)] ?? String(RELEASE_CONFIG[name].default);
  const oneOf = <T extends string>(name: ReleaseKey, allowed: readonly T[]): T | undefined => {
    const value = str(name);
    if (value === "") return undefined;
    return (allowed as readonly string[]).includes(value) ? (value as T) : fail(name, `"${value}" is not a choice`, allowed.join(" | "));
  };
  const bool = (name: ReleaseKey): boolean => {
    const value = str(name);
    if (value === "true" || value === "false") return value === "true";
    fail(name, `"${value}" is not a boolean`, "true | false");
    return RELEASE_CONFIG[name].default === true;
  };
  const text = (name: ReleaseKey, re: RegExp, allowed: string): string => {
    const value = str(name);
    if (!re.test(value)) fail(name, `"${value}" is not valid`, allowed);
    return value;
  };
  const image = (name: ReleaseKey): RegistryTarget["image"] => {
    const value = str(name);
    const allowed = "an image name without tag or digest, e.g. docker.io/owner/name";
    try {
      const ref = parseReference(value);
      if (ref.tag !== undefined || ref.digest !== undefined) fail(name, `"${value}" carries a tag or digest`, allowed);
      return ref.name;
    } catch (e) {
      if (!(e instanceof InvalidReferenceError)) throw e;
      fail(name, e.reason, allowed);
      return value;
    }
  };

  const buildArgs = (): Record<string, string> => {
    const value = str("releaseBuildArgs");
    const allowed = 'a JSON object of build-arg names to strings, e.g. {"TOOLSET":"runtime"}, or empty';
    if (value.trim() === "") return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      fail("releaseBuildArgs", "is not JSON", allowed);
      return {};
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      fail("releaseBuildArgs", "is not a JSON object", allowed);
      return {};
    }
    const args: Record<string, string> = {};
    for (const [name, arg] of Object.entries(parsed)) {
      if (!BUILD_ARG_RE.test(name)) fail("releaseBuildArgs", `"${name}" is not a build-arg name`, "letters, digits and _, not starting with a digit");
      else if (RESERVED_BUILD_ARGS.includes(name)) fail("releaseBuildArgs", `sets ${name}`, "any other build arg: the program sets SOURCE_DATE_EPOCH from the commit time");
      else if (typeof arg !== "string") fail("releaseBuildArgs", `${name}: ${JSON.stringify(arg)} is not a string`, allowed);
      else args[name] = arg;
    }
    return args;
  };

  // A project key nothing reads is a typo (`opencode-cloud:releaseRoel`), not a harmless extra.
  for (const key of unknownProjectKeys(raw.values)) {
    errors.push(new ConfigError(key, "is not a config key of this project", "the keys Pulumi.yaml declares (README: Configuration, Releases)"));
  }

  // Strategy and role (a bad value is reported once; the checks that depend on it are skipped).
  const strategyText = str("releaseStrategy");
  const strategy = oneOf("releaseStrategy", RELEASE_STRATEGIES) ?? (strategyText === "" ? fail("releaseStrategy", "is empty", RELEASE_STRATEGIES.join(" | ")) : undefined);
  const roleValue = oneOf("releaseRole", RELEASE_ROLES);
  let role: ReleaseRole | undefined = strategy === "qemu" ? "all" : undefined;
  if (strategy === "qemu") {
    if (roleValue !== undefined && roleValue !== "all") {
      fail("releaseRole", `"${roleValue}" does not go with releaseStrategy qemu (one job builds every platform)`, "all, or leave it empty");
    }
  } else if (strategy === "native") {
    if (roleValue === "all") fail("releaseRole", `"all" needs releaseStrategy qemu`, "build | merge");
    else if (roleValue !== undefined) role = roleValue;
    else if (str("releaseRole") === "") fail("releaseRole", "is required with releaseStrategy native", "build (one platform per runner) | merge (one index per registry)");
  }

  // Platforms.
  let platforms: readonly Platform[] = PLATFORMS;
  const listed = str("releasePlatforms").split(",").map((p) => p.trim()).filter((p) => p !== "");
  if (listed.length === 0 || !listed.every((p) => (PLATFORMS as readonly string[]).includes(p)) || new Set(listed).size !== listed.length) {
    fail("releasePlatforms", `"${str("releasePlatforms")}" is not a list of distinct platforms`, `a comma-separated, non-empty list of ${PLATFORMS.join(", ")}`);
  } else {
    platforms = listed as Platform[];
  }
  const platform = oneOf("releasePlatform", PLATFORMS);
  if (role === "build") {
    if (platform !== undefined) platforms = [platform];
    else if (str("releasePlatform") === "") fail("releasePlatform", "is required with releaseRole build", PLATFORMS.join(" | "));
  } else if (role !== undefined && str("releasePlatform") !== "") {
    fail("releasePlatform", `is only for releaseRole build, not ${role}`, `leave it empty; ${role} publishes ${fullKey("releasePlatforms")}`);
  }

  // Registries.
  const target = (key: RegistryKey, name: ReleaseKey): RegistryTarget => {
    const value = image(name);
    return { key, image: value, address: value.slice(0, Math.max(0, value.indexOf("/"))) };
  };
  const registries = [target("dockerHub", "releaseDockerHubImage"), target("ghcr", "releaseGhcrImage")];
  if (registries[0]!.image === registries[1]!.image) {
    fail("releaseGhcrImage", `is the same image as ${fullKey("releaseDockerHubImage")}`, "two different image names");
  }

  // Credentials: config (the token must be a secret), else the environment.
  const credentials: Partial<Record<RegistryKey, RegistryCredentials>> = {};
  for (const registry of REGISTRY_KEYS) {
    const keys = CREDENTIAL_KEYS[registry];
    const configToken = str(keys.token);
    if (configToken !== "" && !raw.secretKeys.has(fullKey(keys.token))) {
      fail(keys.token, "is stored as plain text", `a secret: pulumi config set --secret ${fullKey(keys.token)} (or leave it empty and set ${CREDENTIAL_ENV[registry].token.join(" or ")} from a GitHub secret)`);
      continue;
    }
    const fromEnv = (vars: readonly string[]) => vars.map((v) => env[v]).find((v) => v !== undefined && v !== "");
    const username = str(keys.username) || fromEnv(CREDENTIAL_ENV[registry].username);
    const token = configToken || fromEnv(CREDENTIAL_ENV[registry].token);
    if (username && token) credentials[registry] = { username, password: new Secret(token) };
  }

  const rest = {
    platforms,
    push: bool("releasePush"),
    freshBase: bool("releaseFreshBase"),
    context: text("releaseContext", /^[^\0]+$/, "a directory relative to the project"),
    dockerfile: text("releaseDockerfile", /^[^\0]+$/, "a file path relative to the project"),
    cacheTag: text("releaseCacheTag", CACHE_TAG_RE, "lowercase letters, digits, . _ - (a tag prefix)"),
    defaultBranch: text("releaseDefaultBranch", BRANCH_RE, "a branch name"),
    buildArgs: buildArgs(),
    registries,
    credentials,
  };
  if (errors.length > 0 || strategy === undefined || role === undefined) throw new ConfigErrors(errors);
  return { strategy, role, ...rest };
}

/** The error for a pushing stack without credentials for a registry, naming both places they may come from. */
export function missingCredentials(registry: RegistryKey): ConfigError {
  const keys = CREDENTIAL_KEYS[registry];
  const env = CREDENTIAL_ENV[registry];
  return new ConfigError(
    fullKey(keys.token),
    `no push credentials for ${registry}`,
    `${fullKey(keys.username)} plus ${fullKey(keys.token)} (set with --secret), or ${env.username.join("/")} plus ${env.token.join("/")} in the environment from GitHub secrets`,
  );
}
