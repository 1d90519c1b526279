#!/usr/bin/env bash
# Sets up the real-engine tier on this machine; idempotent, reuses whatever already runs. Called by .ci/run after
# `npm ci` (it needs node_modules for its helpers); a developer can run it by hand (as root).
#   1. apt packages: docker.io and docker-buildx from Debian trixie (API >= 1.44, which docker-build's client needs;
#      an apt pin keeps every other package on bookworm), debootstrap, docker-registry, openssl (only those missing)
#   2. the Docker engine: started with nohup when `docker info` does not answer (no systemd here)
#   3. the local Debian base image, from debootstrap minbase + docker import (rootfs tarball cached)
#   4. two registries on loopback standing in for Docker Hub and GHCR, behind one bearer-token endpoint
#   5. the sandbox image built from image/Dockerfile, tagged as TEST_LOCAL_IMAGE
#   6. that image pushed to both registries as the published repository (latest and a version tag), through the
#      token flow, so a stack naming 127.0.0.1:<port>/<repository>:latest pulls it as a user's stack pulls Docker Hub
#   7. a remote Docker host over SSH: sshd on loopback and a user of the docker group (the remote stack's path)
#   8. chromium for the browser test (driven by playwright-core)
#   9. the Go-built tools (scripts/ci-env/build-tools.sh: tools/README.md)
# Ports, paths and names come from src/facts.ts (CI_ENV); the settings tests need land in $CI_ENV_SETTINGS.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
started=$(date +%s)
log() { printf '[ci-env %3ds] %s\n' "$(( $(date +%s) - started ))" "$*"; }
die() { printf '[ci-env] FAILED: %s\n' "$*" >&2; exit 1; }

[ -x node_modules/.bin/tsx ] || die "node_modules/.bin/tsx missing: run npm ci first"
eval "$(node_modules/.bin/tsx scripts/ci-env/facts.ts)"
mkdir -p "$CI_ENV_DIR"
# The 20.10 client: its built-in BuildKit works; the 28.x client first on PATH has no buildx.
DOCKER=/usr/bin/docker

# 1. packages ------------------------------------------------------------------------------------------------
# docker-build's Docker client does not negotiate below API 1.44; bookworm's docker.io (20.10) speaks 1.41. Debian
# trixie's docker.io (26.x) and docker-buildx install on bookworm with nothing else upgraded: add trixie as a source
# with priority 1 for everything but those two packages. The source reuses this machine's configured Debian mirror.
add_trixie() {
  local sources=/etc/apt/sources.list.d/opencode-cloud-trixie.sources uri
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 1\n\nPackage: %s\nPin: release n=trixie\nPin-Priority: 990\n' \
    "$DOCKER_PACKAGES" >/etc/apt/preferences.d/opencode-cloud-trixie
  [ -f "$sources" ] && return 0
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$uri" ] || uri=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$uri" ] || die "no Debian source found to derive the trixie source from"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$uri" >"$sources"
}
# trixie splits the client out of docker.io (only recommended there): docker-cli is /usr/bin/docker.
DOCKER_PACKAGES="docker.io docker-cli docker-buildx"
engine_major=$( { dpkg-query -W -f '${Version}' docker.io 2>/dev/null || true; } | cut -d. -f1)
need=()
if [ "${engine_major:-0}" -lt "$MIN_ENGINE_MAJOR" ] || [ ! -x /usr/bin/docker ] || [ ! -x /usr/libexec/docker/cli-plugins/docker-buildx ]; then
  add_trixie
  read -ra docker_packages <<<"$DOCKER_PACKAGES"
  need+=("${docker_packages[@]}")
fi
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v openssl >/dev/null || need+=(openssl)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >"$CI_ENV_DIR/apt.log" 2>&1 \
    || { tail -20 "$CI_ENV_DIR/apt.log" >&2; die "apt-get install ${need[*]} failed (log: $CI_ENV_DIR/apt.log)"; }
fi

# 2. engine ---------------------------------------------------------------------------------------------------
api=$($DOCKER version --format '{{.Server.APIVersion}}' 2>/dev/null || true)
if [ -n "$api" ] && ! printf '%s\n%s\n' "$MIN_ENGINE_API" "$api" | sort -C -V; then
  log "the running engine speaks API $api (< $MIN_ENGINE_API): restarting it on the installed dockerd"
  pkill -x dockerd || true
  for _ in $(seq 1 60); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done
fi
if ! $DOCKER info >/dev/null 2>&1; then
  pgrep -x dockerd >/dev/null && die "a dockerd runs but does not answer; see $CI_ENV_DIR/dockerd.log"
  log "starting dockerd"
  nohup dockerd >"$CI_ENV_DIR/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 360); do $DOCKER info >/dev/null 2>&1 && break; sleep 0.5; done
  $DOCKER info >/dev/null 2>&1 || { tail -20 "$CI_ENV_DIR/dockerd.log" >&2; die "dockerd did not answer within 180 s"; }
fi
log "engine $($DOCKER version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# 3. base image -----------------------------------------------------------------------------------------------
# This machine's own extra CAs (an egress proxy here re-signs TLS) go into the base, so that builds on it reach
# the npm registry as the host does; the label says which CAs it holds, and a change re-imports it.
host_cas=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-16)
if [ "$($DOCKER image inspect -f '{{index .Config.Labels "host-cas"}}' "$BASE_IMAGE" 2>/dev/null)" != "$host_cas" ]; then
  rootfs_tar="$CI_ENV_DIR/debian-bookworm-minbase.tar"
  if [ ! -s "$rootfs_tar" ]; then
    log "debootstrap bookworm (minbase)"
    tmp=$(mktemp -d "$CI_ENV_DIR/rootfs.XXXXXX")
    debootstrap --variant=minbase bookworm "$tmp" >"$CI_ENV_DIR/debootstrap.log" 2>&1 \
      || { tail -20 "$CI_ENV_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
    tar -C "$tmp" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$tmp"
  fi
  log "docker import $BASE_IMAGE"
  import_tar="$CI_ENV_DIR/base-import.tar"
  cp "$rootfs_tar" "$import_tar"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    tar -rf "$import_tar" -C / usr/local/share/ca-certificates
  fi
  $DOCKER import --change "LABEL host-cas=$host_cas" "$import_tar" "$BASE_IMAGE" >/dev/null
  rm -f "$import_tar"
fi

# 4. registries and token endpoint ----------------------------------------------------------------------------
auth_dir="$CI_ENV_DIR/auth"
mkdir -p "$auth_dir"
if [ ! -s "$auth_dir/cert.pem" ]; then
  log "token signing key"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=opencode-cloud-ci token issuer" \
    -keyout "$auth_dir/key.pem" -out "$auth_dir/cert.pem" 2>/dev/null
fi
[ -s "$auth_dir/push-password" ] || openssl rand -hex 16 >"$auth_dir/push-password"
chmod 600 "$auth_dir/key.pem" "$auth_dir/push-password"
PUSH_USER=ci-pusher
PUSH_PASSWORD=$(cat "$auth_dir/push-password")
ISSUER=opencode-cloud-ci
realm="http://$LOOPBACK:$TOKEN_PORT/token"

answers() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null || true; }
wait_for() { # URL EXPECTED-CODE WHAT LOG
  for _ in $(seq 1 60); do [ "$(answers "$1")" = "$2" ] && return 0; sleep 0.25; done
  tail -20 "$4" >&2; die "$3 did not answer $2 at $1"
}
command -v curl >/dev/null || die "curl missing"

if [ "$(answers "http://$LOOPBACK:$TOKEN_PORT/healthz")" != 200 ]; then
  log "starting token server on $LOOPBACK:$TOKEN_PORT"
  nohup "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/ci-env/token-server.ts" "$TOKEN_PORT" \
    "$auth_dir/key.pem" "$auth_dir/cert.pem" "$ISSUER" "$PUSH_USER" "$auth_dir/push-password" \
    >"$CI_ENV_DIR/token-server.log" 2>&1 </dev/null &
  wait_for "http://$LOOPBACK:$TOKEN_PORT/healthz" 200 "token server" "$CI_ENV_DIR/token-server.log"
fi

start_registry() { # NAME PORT SERVICE
  local name=$1 port=$2 service=$3 dir="$CI_ENV_DIR/registry-$1"
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $LOOPBACK:$port
auth:
  token:
    realm: $realm
    service: $service
    issuer: $ISSUER
    rootcertbundle: $auth_dir/cert.pem
YAML
  # /v2/ answers 401 with a bearer challenge when the registry runs with token auth.
  if [ "$(answers "http://$LOOPBACK:$port/v2/")" != 401 ]; then
    log "starting registry $name on $LOOPBACK:$port (service $service)"
    nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 </dev/null &
    wait_for "http://$LOOPBACK:$port/v2/" 401 "registry $name" "$dir/registry.log"
  fi
}
start_registry dockerhub "$HUB_PORT" "$HUB_SERVICE"
start_registry ghcr "$GHCR_PORT" "$GHCR_SERVICE"

# The settings tests read (mode 600: it holds the push password).
umask 077
cat >"$CI_ENV_SETTINGS" <<JSON
{
  "tokenRealm": "$realm",
  "pushUser": "$PUSH_USER",
  "pushPassword": "$PUSH_PASSWORD",
  "registries": {
    "dockerHub": { "url": "http://$LOOPBACK:$HUB_PORT", "address": "$LOOPBACK:$HUB_PORT", "service": "$HUB_SERVICE" },
    "ghcr": { "url": "http://$LOOPBACK:$GHCR_PORT", "address": "$LOOPBACK:$GHCR_PORT", "service": "$GHCR_SERVICE" }
  },
  "baseImage": "$BASE_IMAGE",
  "testLocalImage": "$TEST_LOCAL_IMAGE"
}
JSON
umask 022

# 5. the sandbox image ------------------------------------------------------------------------------------------
[ -f image/Dockerfile ] || die "image/Dockerfile missing: the sandbox image cannot be built"
log "building $TEST_LOCAL_IMAGE from image/Dockerfile"
BUILDKIT_PROGRESS=plain DOCKER_BUILDKIT=1 $DOCKER build --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg TOOLSET=runtime \
  -t "$TEST_LOCAL_IMAGE" image/ >"$CI_ENV_DIR/image-build.log" 2>&1 \
  || { tail -40 "$CI_ENV_DIR/image-build.log" >&2; die "building $TEST_LOCAL_IMAGE failed (log: $CI_ENV_DIR/image-build.log)"; }

# 6. the published image in both registries -----------------------------------------------------------------------
# A client config of its own, so the push credentials never land in the user's ~/.docker/config.json.
export DOCKER_CONFIG="$CI_ENV_DIR/docker-config"
mkdir -p "$DOCKER_CONFIG"
for port in "$HUB_PORT" "$GHCR_PORT"; do
  registry="$LOOPBACK:$port"
  printf '%s' "$PUSH_PASSWORD" | $DOCKER login -u "$PUSH_USER" --password-stdin "$registry" >"$CI_ENV_DIR/login.log" 2>&1 \
    || { cat "$CI_ENV_DIR/login.log" >&2; die "docker login $registry failed (token server log: $CI_ENV_DIR/token-server.log)"; }
  for tag in $PUBLISHED_TAGS; do
    $DOCKER tag "$TEST_LOCAL_IMAGE" "$registry/$PUBLISHED_REPOSITORY:$tag"
    $DOCKER push -q "$registry/$PUBLISHED_REPOSITORY:$tag" >"$CI_ENV_DIR/push.log" 2>&1 \
      || { tail -20 "$CI_ENV_DIR/push.log" >&2; die "docker push $registry/$PUBLISHED_REPOSITORY:$tag failed"; }
  done
  log "pushed $registry/$PUBLISHED_REPOSITORY:{${PUBLISHED_TAGS// /,}} $($DOCKER image inspect -f '{{index .RepoDigests 0}}' "$registry/$PUBLISHED_REPOSITORY:latest" | sed 's/.*@//')"
done
unset DOCKER_CONFIG

# 7. the remote Docker host over SSH --------------------------------------------------------------------------------
# Its own sshd on loopback (keys only, no root), a user in the docker group; tests authorize a key they make.
ssh_dir="$CI_ENV_DIR/sshd"
mkdir -p "$ssh_dir"
id -u "$REMOTE_USER" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --groups docker "$REMOTE_USER"
# No password at all ('*'), not a locked one ('!', useradd's default): sshd without PAM refuses locked accounts.
usermod -aG docker -p '*' "$REMOTE_USER"
[ -s "$ssh_dir/host_ed25519" ] || ssh-keygen -q -t ed25519 -N "" -f "$ssh_dir/host_ed25519"
cat >"$ssh_dir/sshd_config" <<SSHD
ListenAddress $LOOPBACK:$REMOTE_PORT
HostKey $ssh_dir/host_ed25519
PidFile $ssh_dir/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $REMOTE_USER
AllowStreamLocalForwarding yes
AllowTcpForwarding yes
UsePAM no
SSHD
if ! { exec 3<>"/dev/tcp/$LOOPBACK/$REMOTE_PORT"; } 2>/dev/null; then
  log "starting sshd on $LOOPBACK:$REMOTE_PORT (user $REMOTE_USER)"
  mkdir -p /run/sshd
  /usr/sbin/sshd -f "$ssh_dir/sshd_config" -E "$ssh_dir/sshd.log" || { tail -20 "$ssh_dir/sshd.log" >&2; die "sshd did not start"; }
else
  exec 3>&-
fi
printf '[%s]:%s %s\n' "$LOOPBACK" "$REMOTE_PORT" "$(cut -d' ' -f1,2 "$ssh_dir/host_ed25519.pub")" >"$ssh_dir/known_hosts"

# 8. the browser test ---------------------------------------------------------------------------------
# tests/integration/browser.test.ts drives Debian's chromium with playwright-core (an npm devDependency, so `npm ci`
# brings it); never `npx playwright install`, which downloads a browser. Under CI=true a missing chromium fails it.
if [ ! -x /usr/bin/chromium ]; then
  log "apt-get install chromium (the browser test)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >"$CI_ENV_DIR/apt-chromium.log" 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >"$CI_ENV_DIR/apt-chromium.log" 2>&1; } \
    || { tail -20 "$CI_ENV_DIR/apt-chromium.log" >&2; die "apt-get install chromium failed (log: $CI_ENV_DIR/apt-chromium.log)"; }
fi

# 9. the Go-built tools: the Pulumi CLI, language host and providers, cosign, trivy, dive (cached by version)
scripts/ci-env/build-tools.sh || die "building the Pulumi tools failed (the log tail is above)"

# 10. the Kubernetes pieces of the team tier: control plane, kwok, etcd, the provider plugin (cached by version;
# scripts/ci-env/build-kube.sh; README "Team stack on a real API server")
scripts/ci-env/build-kube.sh || die "building the Kubernetes pieces failed (scripts/ci-env/build-kube.sh)"
log "ready: $TEST_LOCAL_IMAGE $($DOCKER image inspect -f '{{.Id}}' "$TEST_LOCAL_IMAGE"); settings in $CI_ENV_SETTINGS"
