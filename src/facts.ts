// The facts that several places need, defined once.
//
// The Pulumi program, the image checks, the actions and every test read them from here; the Dockerfile cannot
// import TypeScript, so tests/image asserts that it states the same values.

/** The user opencode runs as (it has passwordless sudo unless the stack sets `sudo: false`). ubuntu:24.04's `ubuntu` user is removed so this one gets uid 1000. */
export const SANDBOX_USER = {
  name: "opencode",
  uid: 1000,
  gid: 1000,
  home: "/home/opencode",
} as const;

/** opencode web listens here inside the container. */
export const SANDBOX_PORT = 3000;

/** opencode's health route: answers `{"healthy":true,"version":"..."}` (behind basic auth when a password is set). */
export const HEALTH_ROUTE = "/global/health";

/**
 * Health check timing, the same in the image's HEALTHCHECK and the container the program declares. opencode answers
 * about 5 s after start, so a short interval lets the engine report healthy soon after; the start period covers a
 * first start on a slow host; five misses in a row (10 s) mark it unhealthy.
 */
export const HEALTHCHECK_TIMING = { interval: "2s", timeout: "4s", startPeriod: "60s", retries: 5 } as const;

/**
 * Where the engine supports it (25+, API 1.44), the container the program declares runs its first health checks this
 * often during the start period, instead of one interval after start: the check keeps asking within its own budget,
 * so the engine reports healthy right after opencode's first answer. Not in the image's HEALTHCHECK: the Dockerfile
 * frontend of docker 20.10 refuses the flag (tests/image/dockerfile.test.ts); older engines ignore the field.
 */
export const HEALTHCHECK_START_INTERVAL = "500ms";

/** Environment variables opencode reads for HTTP basic auth on every route. */
export const AUTH_ENV = {
  password: "OPENCODE_SERVER_PASSWORD",
  username: "OPENCODE_SERVER_USERNAME",
} as const;

/** The basic-auth user name opencode expects when OPENCODE_SERVER_USERNAME is unset. */
export const DEFAULT_AUTH_USERNAME = "opencode";

/**
 * The three things that outlive every container, and where they are mounted.
 * opencode follows XDG: its SQLite session database lives in ~/.local/share/opencode (not ~/.opencode).
 */
export const VOLUMES = {
  sessions: `${SANDBOX_USER.home}/.local/share/opencode`,
  projects: `${SANDBOX_USER.home}/workspace`,
  config: `${SANDBOX_USER.home}/.config`,
} as const;

export type VolumeKind = keyof typeof VOLUMES;
export const VOLUME_KINDS = Object.keys(VOLUMES) as VolumeKind[];

/** Where the user's projects live (the working directory of a shell in the sandbox). */
export const WORKSPACE_DIR = VOLUMES.projects;

/** Published image names: Docker Hub is the primary, GHCR the mirror (pull order: Docker Hub, then GHCR). */
export const IMAGE_NAMES = {
  dockerHub: "docker.io/prizz/opencode-cloud-sandbox",
  ghcr: "ghcr.io/prizz/opencode-cloud-sandbox",
} as const;

/** Published image names in pull order: Docker Hub first, then GHCR. */
export const PUBLISHED_IMAGES = [IMAGE_NAMES.dockerHub, IMAGE_NAMES.ghcr] as const;

/** The tag the real-engine tier gives the sandbox it builds from image/Dockerfile; other checks use it. */
export const TEST_LOCAL_IMAGE = "opencode-cloud-sandbox:test-local";

/** The platforms the image is published for. */
export const PLATFORMS = ["linux/amd64", "linux/arm64"] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Docker labels and their prefix; every volume and container we create carries `managed-by`. */
export const LABEL_PREFIX = "dev.opencode-cloud";
export const LABELS = {
  managedBy: `${LABEL_PREFIX}.managed-by`,
  stack: `${LABEL_PREFIX}.stack`,
  volumeKind: `${LABEL_PREFIX}.volume`,
} as const;
export const MANAGED_BY = "opencode-cloud";

/** Paths inside the image that tools and tests rely on. */
export const IMAGE_PATHS = {
  entrypoint: "/usr/local/bin/opencode-entrypoint",
  healthcheck: "/usr/local/bin/opencode-healthcheck",
  selfTest: "/usr/local/bin/opencode-selftest",
  toolManifest: "/usr/local/share/opencode-cloud/tools.json",
  tini: "/usr/bin/tini",
  /** Copies the image's ~/.config defaults into the config volume at start (upgrades reach the user; edits stay). */
  syncDefaults: "/usr/local/bin/opencode-sync-defaults",
  /** What the image ships for ~/.config (opencode's config and plugins), outside the volume that hides ~/.config. */
  configDefaults: "/usr/local/share/opencode-cloud/config-defaults",
  /** `<sha256>  ./<path>` for every file under configDefaults after a `# <sha256>` line of its own, made at build time. */
  configDefaultsManifest: "/usr/local/share/opencode-cloud/config-defaults.sha256",
} as const;

/**
 * State a person expects to keep, at XDG paths inside the config volume: git's global config (git writes
 * `--global` there when it exists and ~/.gitconfig does not; the entrypoint creates it) and the zsh history.
 */
export const PERSISTED_STATE = {
  gitConfig: `${SANDBOX_USER.home}/.config/git/config`,
  zshHistory: `${SANDBOX_USER.home}/.config/zsh/history`,
  /** The record of the image defaults installed last (opencode-sync-defaults): a copy of that image's manifest. */
  defaultsRecord: `${SANDBOX_USER.home}/.config/.opencode-cloud-defaults`,
} as const;

/** The line the in-image self-test prints on success: `N/N tools ok`. */
export const SELF_TEST_OK = /^(\d+)\/(\d+) tools ok$/m;

/**
 * The real-engine tier's machine-wide environment (scripts/ci-env.sh sets it up, tests/integration and bench/ use it).
 * `dir` outlives clones on the same machine: caches (the Debian rootfs), registry storage, logs and `env.json`,
 * the settings file tests read (URLs, push credentials). The two registries listen on loopback only and stand in
 * for Docker Hub and GHCR, each behind the bearer-token endpoint, as the real ones are.
 */
const TOOLS_DIR = "/var/tmp/opencode-cloud-tools";
export const CI_ENV = {
  dir: "/var/tmp/opencode-cloud-ci",
  /** The Go tools built from tools/<set>/ (scripts/ci-env/build-tools.sh): cache, bin/ (on PATH), env files. */
  toolsDir: TOOLS_DIR,
  /** Where build-tools links every PATH tool it built (pulumi, cosign, trivy, dive ...): the directory put first on PATH. */
  toolsBin: `${TOOLS_DIR}/bin`,
  settingsFile: "env.json",
  /**
   * The Kubernetes pieces (KUBE_TOOLS) build in the background after the other Go tools, at the lowest priority, and
   * may still be building when scripts/ci-env.sh ends (a new machine): the team tier waits for them. Under `dir`:
   * the build's log, its process ID while it runs, and its exit code once it has ended.
   */
  kubeBuild: { log: "kube-build.log", pid: "kube-build.pid", exitCode: "kube-build.rc" },
  baseImage: "local/debian:bookworm",
  /** The same Debian for arm64 builds under QEMU (an imported rootfs has one architecture; scripts/ci-env.sh). */
  baseImageArm64: "local/debian:bookworm-arm64",
  /**
   * The release rehearsal's builder: docker-container with buildkitd built from its Go module (the docker driver
   * cannot push by digest), host network, plain HTTP to the loopback registries; its own Docker client config dir
   * (the builder is "current" there only, never for the machine's other users). The bases are pushed to the loopback
   * Docker Hub under their own names, since a container builder does not see the engine's images.
   */
  rehearsal: {
    /** buildkitd's image (tools/buildkit, built in step 9), tagged with the version the binary reports. */
    buildkitRepository: "local/buildkit",
    builder: "opencode-cloud-rehearsal",
    dockerConfig: "/var/tmp/opencode-cloud-ci/rehearsal-docker-config",
    /**
     * Written by `npm run release:local` after an arm64 build passed: the builder's cache holds arm64, so the CI tier
     * rehearses both platforms; without it only amd64 (a cold arm64 build under QEMU is too slow for CI here).
     */
    arm64Warm: "/var/tmp/opencode-cloud-ci/rehearsal-arm64-warm.json",
  },
  host: "127.0.0.1",
  /** The token endpoint's public port (the front) and the token server's own, behind it. */
  tokenServerPort: 5050,
  tokenServerInnerPort: 15050,
  registries: {
    // `port`: the front (scripts/ci-env/registry-front.ts: plain HTTP and TLS); `innerPort`: the registry behind it.
    dockerHub: { port: 5051, innerPort: 15051, host: "docker.io", service: "registry.docker.io" },
    ghcr: { port: 5052, innerPort: 15052, host: "ghcr.io", service: "ghcr.io" },
  },
  /** The published image's repository path and the tags ci-env.sh pushes the test-local image under, in both. */
  published: { repository: IMAGE_NAMES.dockerHub.replace(/^docker\.io\//, ""), tags: ["latest", "0.1.0"] },
  /**
   * The remote Docker host of the real-engine tier: sshd on loopback, a user of this machine allowed to use the
   * engine (group docker), reached as `ssh://user@127.0.0.1:port` as the remote stack reaches a server.
   */
  sshHost: { port: 2222, user: "opencode-remote" },
  /** The oldest engine the providers can talk to: docker-build's client does not negotiate below API 1.44. */
  engine: { minApi: "1.44", minMajor: 26 },
} as const;

/** The sandbox image's toolsets (build arg TOOLSET): `full` holds every manifest tool, `runtime` only the runtime layer. */
export const TOOLSETS = ["full", "runtime"] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** Inside the image: the toolset it was built with (the self-test reads it to know which tools to check). */
export const IMAGE_TOOLSET_FILE = "/usr/local/share/opencode-cloud/toolset";

/** Labels the sandbox image carries besides the OCI ones. */
export const IMAGE_LABELS = {
  toolset: `${LABEL_PREFIX}.toolset`,
  opencodeVersion: `${LABEL_PREFIX}.opencode-version`,
} as const;

/**
 * Who signs the published images: keyless cosign signatures made by the publishing workflow of this repository in
 * GitHub Actions. Fulcio writes the certificate identity from the OIDC token's `job_workflow_ref` claim, which for a
 * reusable workflow names the called workflow (publish.yml), not the caller (release.yml), at the caller's ref; it
 * keeps GitHub's spelling of the owner and cosign compares case-sensitively, so `pRizz` here is not `prizz` of the
 * (lower-case only) image names. src/release/identity.ts builds every identity and pattern from this one record;
 * the workflows state the same values and tests/workflows checks them.
 */
export const RELEASE_SIGNER = {
  server: "https://github.com",
  repository: "pRizz/opencode-cloud",
  workflow: ".github/workflows/publish.yml",
  /** Releases are signed from `refs/tags/vX.Y.Z[-PRE]`; `edge` from this branch. */
  releaseRefPrefix: "refs/tags/v",
  edgeRef: "refs/heads/main",
  oidcIssuer: "https://token.actions.githubusercontent.com",
} as const;

/**
 * What the test environment sets for the Pulumi CLI (it has no internet): plugins come only from
 * `pulumi plugin install --file`, and the CLI does not ask for a newer release. The user's own setup needs neither.
 */
export const PULUMI_OFFLINE_ENV = {
  PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  PULUMI_SKIP_UPDATE_CHECK: "true",
} as const;

/**
 * The environment variable through which `npm run up` hands the program the image it resolved, verified and pulled
 * (src/image/handoff.ts), so the program does not ask the registries again; plain `pulumi up` sets none.
 */
export const RESOLVED_IMAGE_ENV = "OPENCODE_CLOUD_RESOLVED_IMAGE";

/**
 * Where the CLI keeps per-user state outside the clone (XDG base directory spec: `$XDG_STATE_HOME`, default
 * `~/.local/state`): the local Pulumi backend with its passphrase, and the backups. `legacyStateDir` is where state
 * lived inside the clone before; the CLI moves it from there once.
 */
export const USER_STATE = {
  app: "opencode-cloud",
  pulumi: "pulumi",
  passphraseFile: "passphrase",
  backups: "backups",
  legacyStateDir: ".pulumi-state",
} as const;

/** Backups: archives are `<stack>-<what>-<UTC time>.tar.gz`; `up` keeps this many automatic pre-upgrade backups. */
export const BACKUPS = {
  extension: ".tar.gz",
  preUpgrade: "pre-upgrade",
  full: "backup",
  keepPreUpgrade: 5,
} as const;

/**
 * Environment variables the sandbox's own setup owns: opencode's auth (set from `opencode-cloud:password`) and what
 * the entrypoint relies on. `opencode-cloud:env` and `secretEnv` may not set them.
 */
export const RESERVED_ENV = [AUTH_ENV.password, AUTH_ENV.username, "HOME", "USER", "PATH"] as const;

/**
 * The Kubernetes pieces the team stack's tests run against, built from their Go modules (tools/kube/*) by
 * scripts/ci-env/build-kube.sh into a cache keyed by version: `<cache>/<name>-<version>/`. Kubernetes 1.34 because
 * this machine runs cgroup v1: kubelets from 1.35 refuse it by default, and the control plane matches the kubelet
 * that real pods would need. etcd comes from Debian trixie's `etcd-server` package (extracted, never installed).
 */
export const KUBE_TOOLS = {
  /** Under the Go tools' directory (CI_ENV.toolsDir), beside the sets scripts/ci-env/build-tools.sh builds. */
  cacheDir: `${CI_ENV.toolsDir}/kube`,
  kubernetes: "v1.34.4",
  kwok: "v0.8.0",
  /** The @pulumi/kubernetes npm package's version (and the Go `sdk/v4` module's, which tools/kube/provider requires). */
  provider: "4.25.0",
  /**
   * The provider module (`github.com/pulumi/pulumi-kubernetes/provider/v4`) the plugin is built from: the repository
   * tags no `provider/v4.*` release, and the Go module proxy serves this one pseudo-version (commit f47bc2d6f199,
   * 2026-01-15), not the commit of the 4.25.0 tag (144dd813d53e, 2026-01-16). The plugin reports this version, so it
   * is never taken for 4.25.0; the engine runs it from PATH (an ambient plugin) for the SDK's 4.25.0.
   */
  providerModule: "v4.0.0-20260115033456-f47bc2d6f199",
  /** What build-kube.sh writes beside the pieces: their paths, for the team tier (tests/integration/support/kube.ts). */
  envFile: "env.json",
  /** Debian trixie's etcd-server and etcd-client packages (etcd 3.5), this exact version. */
  etcd: "3.5.16-4",
} as const;
