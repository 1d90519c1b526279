// Prints the facts scripts/ci-env.sh needs as shell assignments, so the shell script restates none of them.
// Usage: eval "$(node_modules/.bin/tsx scripts/ci-env/facts.ts)"
import { CI_ENV, KUBE_TOOLS, TEST_LOCAL_IMAGE } from "../../src/facts.js";

const quote = (v: string | number): string => `'${String(v).replaceAll("'", `'\\''`)}'`;

const vars: Record<string, string | number> = {
  CI_ENV_DIR: CI_ENV.dir,
  CI_ENV_SETTINGS: `${CI_ENV.dir}/${CI_ENV.settingsFile}`,
  KUBE_BUILD_LOG: `${CI_ENV.dir}/${CI_ENV.kubeBuild.log}`,
  KUBE_BUILD_PID: `${CI_ENV.dir}/${CI_ENV.kubeBuild.pid}`,
  KUBE_BUILD_RC: `${CI_ENV.dir}/${CI_ENV.kubeBuild.exitCode}`,
  BASE_IMAGE: CI_ENV.baseImage,
  BASE_IMAGE_ARM64: CI_ENV.baseImageArm64,
  BUILDKIT_REPOSITORY: CI_ENV.rehearsal.buildkitRepository,
  TOOLS_DIR: CI_ENV.toolsDir,
  TOOLS_BIN: CI_ENV.toolsBin,
  REHEARSAL_BUILDER: CI_ENV.rehearsal.builder,
  REHEARSAL_DOCKER_CONFIG: CI_ENV.rehearsal.dockerConfig,
  TEST_LOCAL_IMAGE,
  LOOPBACK: CI_ENV.host,
  TOKEN_PORT: CI_ENV.tokenServerPort,
  TOKEN_INNER_PORT: CI_ENV.tokenServerInnerPort,
  HUB_PORT: CI_ENV.registries.dockerHub.port,
  HUB_INNER_PORT: CI_ENV.registries.dockerHub.innerPort,
  HUB_SERVICE: CI_ENV.registries.dockerHub.service,
  GHCR_PORT: CI_ENV.registries.ghcr.port,
  GHCR_INNER_PORT: CI_ENV.registries.ghcr.innerPort,
  GHCR_SERVICE: CI_ENV.registries.ghcr.service,
  PUBLISHED_REPOSITORY: CI_ENV.published.repository,
  PUBLISHED_TAGS: CI_ENV.published.tags.join(" "),
  REMOTE_PORT: CI_ENV.sshHost.port,
  REMOTE_USER: CI_ENV.sshHost.user,
  MIN_ENGINE_API: CI_ENV.engine.minApi,
  MIN_ENGINE_MAJOR: CI_ENV.engine.minMajor,
  KUBE_CACHE: KUBE_TOOLS.cacheDir,
  KUBERNETES_VERSION: KUBE_TOOLS.kubernetes,
  KWOK_VERSION: KUBE_TOOLS.kwok,
  KUBE_PROVIDER_VERSION: KUBE_TOOLS.provider,
  KUBE_PROVIDER_MODULE: KUBE_TOOLS.providerModule,
  KUBE_ENV_FILE: `${KUBE_TOOLS.cacheDir}/${KUBE_TOOLS.envFile}`,
  ETCD_VERSION: KUBE_TOOLS.etcd,
};

for (const [k, v] of Object.entries(vars)) console.log(`${k}=${quote(v)}`);
