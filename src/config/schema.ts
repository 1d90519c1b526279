// The project's config keys: type, default and description of each, in one table.
// Pulumi.yaml declares the same schema for the CLI (tests/unit/config/schema.test.ts keeps the two equal); the
// settings module reads values through this table, so a key missing from the stack gets the same default here as
// the CLI would merge in.

export const PROJECT = "opencode-cloud";

export type ConfigType = "string" | "integer" | "boolean";

export interface KeySpec {
  readonly type: ConfigType;
  readonly default: string | number | boolean;
  readonly description: string;
}

/** The sandbox program's keys (the release program declares its own in src/config/release.ts). */
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
    description: "Host IP address the port is published on; any non-loopback address requires `password`.",
  },
  password: {
    type: "string",
    default: "",
    description: "Password for opencode's HTTP basic auth (set with `pulumi config set --secret`); required off loopback.",
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
} as const satisfies Record<string, KeySpec>;

export type SandboxKey = keyof typeof SANDBOX_KEYS;

/** `opencode-cloud:<key>`, as users write it. */
export const fullKey = (key: string): string => `${PROJECT}:${key}`;

/** Keys of the docker provider that this program reads (the stack file sets them; they have no project default). */
export const DOCKER_KEYS = {
  host: "docker:host",
  sshOpts: "docker:sshOpts",
} as const;
