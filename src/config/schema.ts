// The project's config keys: type, default and description of each, in one table per program (sandbox, release;
// the team stack's in team-keys.ts),
// the shape in which the CLI hands config to a program, and the checks both programs share (unknown keys).
// Pulumi.yaml declares the same schema for the CLI (tests/unit/config/schema.test.ts and tests/release/config.test.ts
// keep them equal); the settings modules read values through these tables, so a key missing from the stack gets the
// same default here as the CLI would merge in.

import { IMAGE_NAMES } from "../facts.js";
import { TEAM_KEYS } from "./team-keys.js";

export const PROJECT = "opencode-cloud";

export type ConfigType = "string" | "integer" | "boolean" | "array";

export interface KeySpec {
  readonly type: ConfigType;
  /** An `array` key is a list of strings (Pulumi.yaml: `items: {type: string}`), default `[]`. */
  readonly default: string | number | boolean | readonly string[];
  readonly description: string;
}

/** The sandbox program's keys (src/config/settings.ts reads them). */
export const SANDBOX_KEYS = {
  mode: {
    type: "string",
    default: "sandbox",
    description: "What the program provisions: `sandbox` (opencode on a Docker host), `team` (a sandbox per member on Kubernetes) or `release` (image build and push).",
  },
  port: {
    type: "integer",
    default: 3000,
    description: "Host port that publishes opencode web (1-65535).",
  },
  bindAddress: {
    type: "string",
    default: "127.0.0.1",
    description: "Host IP address the port is published on; a non-loopback address also needs `allowPlainHttp`.",
  },
  allowPlainHttp: {
    type: "boolean",
    default: false,
    description: "Acknowledge plain HTTP on a non-loopback `bindAddress` (put a TLS reverse proxy in front); else loopback only.",
  },
  password: {
    type: "string",
    default: "",
    description: "Basic-auth password (user `opencode`), a secret of 16+ characters; `npm run up` generates one when unset.",
  },
  allowUnauthenticated: {
    type: "boolean",
    default: false,
    description: "Run opencode without a password; refused with `dockerAccess`, `mountSshKeys` or a non-loopback `bindAddress`.",
  },
  imageSource: {
    type: "string",
    default: "pull",
    description: "`pull` the published image (Docker Hub, then GHCR) or `build` it from image/ on the target host.",
  },
  image: {
    type: "string",
    default: "",
    description: "Image reference to pull instead of the published image (empty: Docker Hub, then GHCR).",
  },
  imageTag: {
    type: "string",
    default: "latest",
    description: "Tag of the published image to resolve when `image` names none.",
  },
  registries: {
    type: "string",
    default: "",
    description: "Registries to pull the published image from, in order, comma-separated (empty: Docker Hub, then GHCR); each serves the published repository, e.g. a mirror.",
  },
  imageDigest: {
    type: "string",
    default: "",
    description: "Expected digest (`sha256:` and 64 hex digits); the resolved digest must equal it.",
  },
  requireSignature: {
    type: "boolean",
    default: false,
    description: "Stop unless the pulled digest carries a cosign signature that `cosign verify` accepts.",
  },
  signatureKey: {
    type: "string",
    default: "",
    description:
      "Verify the signature with this public key instead of the release workflow's keyless identity: a PEM file (relative to the project, or absolute) or a KMS URI (`awskms://`, `gcpkms://`, `azurekms://`, `hashivault://`, `k8s://`); empty: keyless.",
  },
  signatureTlog: {
    type: "boolean",
    default: true,
    description: "Require the signature's transparency-log entry; `false` (only with `signatureKey`) accepts a key signature made offline or on a private setup.",
  },
  buildToolset: {
    type: "string",
    default: "full",
    description: "Toolset the `build` source builds: `full` (every tool of the image) or `runtime` (opencode and what it needs to run).",
  },
  buildBaseImage: {
    type: "string",
    default: "",
    description: "Base image the `build` source builds on (empty: the Dockerfile's pinned ubuntu:24.04).",
  },
  platform: {
    type: "string",
    default: "",
    description: "Image platform (`linux/amd64` or `linux/arm64`); empty: the Docker host's own platform.",
  },
  containerName: {
    type: "string",
    default: "",
    description: "Container name (empty: `opencode-cloud-<stack>`).",
  },
  volumePrefix: {
    type: "string",
    default: "",
    description: "Prefix of the three volume names (empty: `opencode-cloud-<stack>`); volumes are `<prefix>-<kind>`.",
  },
  mountSshKeys: {
    type: "boolean",
    default: false,
    description: "Mount the host's SSH keys read-only at ~/.ssh in the sandbox.",
  },
  sshKeysDir: {
    type: "string",
    default: "",
    description: "Host directory holding the SSH keys (empty: ~/.ssh of the user running Pulumi, local hosts only).",
  },
  dockerAccess: {
    type: "boolean",
    default: false,
    description: "Mount the host's Docker socket into the sandbox (grants root-equivalent access to the host).",
  },
  sudo: {
    type: "boolean",
    default: true,
    description: "Passwordless sudo in the sandbox (to install packages); `false` adds no-new-privileges: root is unreachable.",
  },
  memoryLimitMb: {
    type: "integer",
    default: 4096,
    description: "Memory limit of the container in MiB, swap included (512 or more).",
  },
  folders: {
    type: "array",
    default: [],
    description: "Host folders in the workspace, each `HOST_PATH:PATH_IN_WORKSPACE[:ro]` (absolute host path; `:ro` mounts it read-only).",
  },
  env: {
    type: "array",
    default: [],
    description: "Environment variables of the sandbox, each `NAME=value` (reserved names refused).",
  },
  secretEnv: {
    type: "array",
    default: [],
    description: "Secret environment variables (API keys), each `NAME=value`, set with `pulumi config set --secret --path`.",
  },
} as const satisfies Record<string, KeySpec>;

export type SandboxKey = keyof typeof SANDBOX_KEYS;

/**
 * The release program's keys (src/config/release.ts reads them), without the `opencode-cloud:` namespace.
 * Pulumi.yaml declares the same table (tests/release/config.test.ts compares them). An empty string means "not set".
 */
export const RELEASE_CONFIG = {
  releaseStrategy: {
    type: "string",
    default: "native",
    description: "Release builds: `native` (one runner per platform, merged into an index per registry) or `qemu` (one multi-platform build).",
  },
  releaseRole: {
    type: "string",
    default: "",
    description: "Release stack role with strategy native: `build` (one platform, pushed by digest) or `merge` (tags: an index per registry); `all` with qemu.",
  },
  releasePlatform: {
    type: "string",
    default: "",
    description: "The platform a `build` release stack builds: `linux/amd64` or `linux/arm64`.",
  },
  releasePlatforms: {
    type: "string",
    default: "linux/amd64,linux/arm64",
    description: "Comma-separated platforms a `merge` or `all` release stack publishes.",
  },
  releasePush: {
    type: "boolean",
    default: true,
    description: "Push release images (false: build only).",
  },
  releaseFreshBase: {
    type: "boolean",
    default: false,
    description: "Pull the base image again and build without cache (the weekly rebuild).",
  },
  releaseContext: {
    type: "string",
    default: "image",
    description: "Docker build context of the release image, relative to the project.",
  },
  releaseDockerfile: {
    type: "string",
    default: "image/Dockerfile",
    description: "Dockerfile of the release image, relative to the project.",
  },
  releaseBuildArgs: {
    type: "string",
    default: "",
    description: "Build arguments of the release image: a JSON object, build-arg name to string value (empty: the Dockerfile's defaults; SOURCE_DATE_EPOCH is always the commit time).",
  },
  releaseCacheTag: {
    type: "string",
    default: "buildcache",
    description: "Registry cache tag prefix: the cache of each architecture is `<Docker Hub image>:<prefix>-<arch>`.",
  },
  releaseDefaultBranch: {
    type: "string",
    default: "main",
    description: "The branch whose builds publish `edge` and write the build caches.",
  },
  releaseDockerHubImage: {
    type: "string",
    default: IMAGE_NAMES.dockerHub,
    description: "Docker Hub image the release publishes (primary).",
  },
  releaseGhcrImage: {
    type: "string",
    default: IMAGE_NAMES.ghcr,
    description: "GHCR image the release publishes (mirror).",
  },
  releaseDockerHubUsername: {
    type: "string",
    default: "",
    description: "Docker Hub user that pushes (empty: the DOCKERHUB_USERNAME environment variable).",
  },
  releaseDockerHubToken: {
    type: "string",
    default: "",
    description: "Docker Hub access token, set with `pulumi config set --secret` (empty: the DOCKERHUB_TOKEN environment variable).",
  },
  releaseGhcrUsername: {
    type: "string",
    default: "",
    description: "GHCR user that pushes (empty: GHCR_USERNAME, then GITHUB_ACTOR).",
  },
  releaseGhcrToken: {
    type: "string",
    default: "",
    description: "GHCR token, set with `pulumi config set --secret` (empty: GHCR_TOKEN, then GITHUB_TOKEN).",
  },
} as const satisfies Record<string, KeySpec>;

export type ReleaseKey = keyof typeof RELEASE_CONFIG;

/** `opencode-cloud:<key>`, as users write it. */
export const fullKey = (key: string): string => `${PROJECT}:${key}`;

/** Keys of the docker provider that this program reads (the stack file sets them; they have no project default). */
export const DOCKER_KEYS = {
  host: "docker:host",
  sshOpts: "docker:sshOpts",
} as const;

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
  /** The project directory (where Pulumi.yaml is): a relative path in config is relative to it. */
  readonly projectDir: string;
  /** Whether a path exists on this machine (host folders on a local Docker host are checked with it). */
  readonly pathExists?: (path: string) => boolean;
  /** A file's text, or undefined when it cannot be read (the public key file of `signatureKey` is checked with it). */
  readonly readText?: (path: string) => string | undefined;
}

/** Keys in the project's namespace that no program declares, sorted. */
export function unknownProjectKeys(values: Readonly<Record<string, string>>): string[] {
  const known = new Set([...Object.keys(SANDBOX_KEYS), ...Object.keys(RELEASE_CONFIG), ...Object.keys(TEAM_KEYS)].map(fullKey));
  return Object.keys(values).filter((k) => k.startsWith(`${PROJECT}:`) && !known.has(k)).sort();
}
