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
#  10. arm64 under QEMU for the release rehearsal: qemu-user-static, binfmt_misc, an arm64 Debian base image
#  11. the rehearsal's docker-container builder (buildkitd from step 9)
#  12. the Kubernetes pieces of the team tier (scripts/ci-env/build-kube.sh)
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

# The Go-built tools (steps 9 and 12) are most of a new machine's setup time and need nothing steps 2-8 make, so they
# build in the background from here on (a compile beside the downloads and the image build) and step 9 waits for them.
# The Kubernetes pieces, which only the team tier needs, build after them at the lowest priority and may outlive this
# script: on a new machine they compile while the other tests run, and the team tier waits for their exit code
# (tests/integration/support/kube.ts). Cached, both take a few seconds.
go_log="$CI_ENV_DIR/go-tools.log"
go_rc="$CI_ENV_DIR/go-tools.rc"
rm -f "$go_rc" "$KUBE_BUILD_RC" "$KUBE_BUILD_PID"
(
  status=0
  scripts/ci-env/build-tools.sh >"$go_log" 2>&1 </dev/null || status=$?
  echo "$status" >"$go_rc"
  exit "$status"
) &
go_pid=$!
(
  while [ ! -f "$go_rc" ] && kill -0 "$go_pid" 2>/dev/null; do sleep 2; done
  if [ "$(cat "$go_rc" 2>/dev/null)" != 0 ]; then
    echo "not started: building the Go tools failed (log: $go_log)" >"$KUBE_BUILD_LOG"
    echo 1 >"$KUBE_BUILD_RC"
    exit 0
  fi
  status=0
  nice -n 19 scripts/ci-env/build-kube.sh >"$KUBE_BUILD_LOG" 2>&1 </dev/null || status=$?
  echo "$status" >"$KUBE_BUILD_RC"
) >/dev/null 2>&1 </dev/null &
kube_pid=$!
echo "$kube_pid" >"$KUBE_BUILD_PID"
# On failure nothing keeps building; on success the Kubernetes build goes on.
stop_builds() {
  local code=$?
  [ "$code" -eq 0 ] || { pkill -P "$kube_pid" 2>/dev/null; kill "$go_pid" "$kube_pid" 2>/dev/null; }
  exit "$code"
}
trap stop_builds EXIT

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

auth_dir="$CI_ENV_DIR/auth"
mkdir -p "$auth_dir"
# The front (scripts/ci-env/registry-front.ts) speaks plain HTTP and TLS on each public port, as clients expect
# (docker-build's read-back speaks TLS only). Its certificate is signed by a test CA put into the system's trust
# store (the Go tools read it; nothing else changes). Made before the base image, which carries the machine's CAs
# (step 3): made after it, a new machine's second run found another set of CAs and re-imported the base, rebuilding
# every image on it (seen in the first cold `.ci/run`).
if [ ! -s "$auth_dir/front-cert.pem" ]; then
  log "TLS certificate for the registries' front (test CA in the system trust store)"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=opencode-cloud-ci test CA" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout "$auth_dir/ca-key.pem" -out "$auth_dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$LOOPBACK" -keyout "$auth_dir/front-key.pem" -out "$auth_dir/front.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$LOOPBACK" >"$auth_dir/front.ext"
  openssl x509 -req -in "$auth_dir/front.csr" -CA "$auth_dir/ca.pem" -CAkey "$auth_dir/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$auth_dir/front.ext" -out "$auth_dir/front-cert.pem" 2>/dev/null
  chmod 600 "$auth_dir/ca-key.pem" "$auth_dir/front-key.pem"
fi
if ! cmp -s "$auth_dir/ca.pem" /usr/local/share/ca-certificates/opencode-cloud-ci.crt; then
  cp "$auth_dir/ca.pem" /usr/local/share/ca-certificates/opencode-cloud-ci.crt
  update-ca-certificates >/dev/null 2>&1 || die "update-ca-certificates failed"
fi

# 3. base image -----------------------------------------------------------------------------------------------
# This machine's own extra CAs (an egress proxy here re-signs TLS) go into the base, so that builds on it reach
# the npm registry as the host does; the label says which CAs it holds, and a change re-imports it.
host_cas=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null | sha256sum | cut -c1-16)
# debian_base ARCH IMAGE: a minbase rootfs of ARCH (tarball cached; a foreign one runs its second stage under QEMU),
# imported as IMAGE for linux/ARCH (an imported image holds one architecture).
debian_base() {
  local arch=$1 image=$2 suffix="" rootfs_tar tmp import_tar
  [ "$arch" = amd64 ] || suffix="-$arch"
  [ "$($DOCKER image inspect -f '{{.Architecture}} {{index .Config.Labels "host-cas"}}' "$image" 2>/dev/null)" = "$arch $host_cas" ] && return 0
  rootfs_tar="$CI_ENV_DIR/debian-bookworm-minbase$suffix.tar"
  if [ ! -s "$rootfs_tar" ]; then
    log "debootstrap bookworm (minbase, $arch)"
    tmp=$(mktemp -d "$CI_ENV_DIR/rootfs$suffix.XXXXXX")
    debootstrap --arch="$arch" --variant=minbase bookworm "$tmp" >"$CI_ENV_DIR/debootstrap$suffix.log" 2>&1 \
      || { tail -20 "$CI_ENV_DIR/debootstrap$suffix.log" >&2; die "debootstrap ($arch) failed"; }
    tar -C "$tmp" -cf "$rootfs_tar.part" . && mv "$rootfs_tar.part" "$rootfs_tar"
    rm -rf "$tmp"
  fi
  log "docker import $image (linux/$arch)"
  import_tar="$CI_ENV_DIR/base-import$suffix.tar"
  cp "$rootfs_tar" "$import_tar"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    tar -rf "$import_tar" -C / usr/local/share/ca-certificates
  fi
  $DOCKER import --platform "linux/$arch" --change "LABEL host-cas=$host_cas" "$import_tar" "$image" >/dev/null
  rm -f "$import_tar"
}
debian_base amd64 "$BASE_IMAGE"

# 4. registries and token endpoint ----------------------------------------------------------------------------
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
# The pid of whatever listens on a TCP port.
listener() { ss -ltnpH "sport = :$1" | { grep -o 'pid=[0-9]*' || true; } | head -1 | cut -d= -f2; }

# The token server and the registries listen on inner ports; their public ports belong to the front (below).
# An older setup ran them on the public ports themselves: those are stopped.
for port in "$TOKEN_PORT" "$HUB_PORT" "$GHCR_PORT"; do
  pid=$(listener "$port")
  # (the command line read first: under pipefail, `tr | grep -q` can fail by SIGPIPE after grep has matched)
  [ -n "$pid" ] && [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" == *registry-front.ts* ]] && continue
  if [ -n "$pid" ]; then
    log "$(cat "/proc/$pid/comm" 2>/dev/null) on public port $port (older setup): stopping it"
    kill "$pid"; for _ in $(seq 1 40); do [ -n "$(listener "$port")" ] || break; sleep 0.25; done
  fi
done

# The token server says which source it runs (/healthz: "ok <hash>"); one running older code is replaced.
token_code=$(sha256sum scripts/ci-env/token-server.ts | cut -c1-16)
token_inner="http://$LOOPBACK:$TOKEN_INNER_PORT/healthz"
if [ "$(curl -s --max-time 2 "$token_inner" 2>/dev/null || true)" != "ok $token_code" ] && [ "$(answers "$token_inner")" = 200 ]; then
  log "the token server runs older code: restarting it"
  old_pid=$(cat "$CI_ENV_DIR/token-server.pid" 2>/dev/null || listener "$TOKEN_INNER_PORT")
  if [ -n "$old_pid" ]; then kill "$old_pid" 2>/dev/null || true; fi
  for _ in $(seq 1 40); do [ "$(answers "$token_inner")" = 200 ] || break; sleep 0.25; done
fi
if [ "$(answers "$token_inner")" != 200 ]; then
  log "starting token server on $LOOPBACK:$TOKEN_INNER_PORT"
  nohup "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/ci-env/token-server.ts" "$TOKEN_INNER_PORT" \
    "$auth_dir/key.pem" "$auth_dir/cert.pem" "$ISSUER" "$PUSH_USER" "$auth_dir/push-password" "$token_code" \
    >"$CI_ENV_DIR/token-server.log" 2>&1 </dev/null &
  echo $! >"$CI_ENV_DIR/token-server.pid"
  wait_for "$token_inner" 200 "token server" "$CI_ENV_DIR/token-server.log"
fi

start_registry() { # NAME INNER-PORT SERVICE
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
  # Upload locations relative to the request: behind the front a client may speak TLS, and an absolute http:// one
  # would leave its bearer token behind (dockerd keys tokens by scheme and host).
  relativeurls: true
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
start_registry dockerhub "$HUB_INNER_PORT" "$HUB_SERVICE"
start_registry ghcr "$GHCR_INNER_PORT" "$GHCR_SERVICE"

front_code=$(sha256sum scripts/ci-env/registry-front.ts | cut -c1-16)
front_pid=$(cat "$CI_ENV_DIR/registry-front.pid" 2>/dev/null || true)
if [ "$(cat "$CI_ENV_DIR/registry-front.code" 2>/dev/null)" != "$front_code" ] || [ -z "$front_pid" ] || ! kill -0 "$front_pid" 2>/dev/null; then
  [ -n "$front_pid" ] && kill "$front_pid" 2>/dev/null && sleep 0.5
  log "starting the front on $LOOPBACK:$TOKEN_PORT, :$HUB_PORT and :$GHCR_PORT (plain HTTP and TLS)"
  nohup "$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/ci-env/registry-front.ts" "$auth_dir/front-key.pem" "$auth_dir/front-cert.pem" \
    "$TOKEN_PORT=$TOKEN_INNER_PORT" "$HUB_PORT=$HUB_INNER_PORT" "$GHCR_PORT=$GHCR_INNER_PORT" >"$CI_ENV_DIR/registry-front.log" 2>&1 </dev/null &
  echo $! >"$CI_ENV_DIR/registry-front.pid"
  echo "$front_code" >"$CI_ENV_DIR/registry-front.code"
fi
for scheme in http https; do
  wait_for "$scheme://$LOOPBACK:$TOKEN_PORT/healthz" 200 "the front on $TOKEN_PORT ($scheme)" "$CI_ENV_DIR/registry-front.log"
  for port in "$HUB_PORT" "$GHCR_PORT"; do
    wait_for "$scheme://$LOOPBACK:$port/v2/" 401 "the front on $port ($scheme)" "$CI_ENV_DIR/registry-front.log"
  done
done

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

# 9. the Go-built tools: the Pulumi CLI, language host and providers, cosign, trivy, dive, and (step 12) the Kubernetes
# pieces, cached by version; started in the background after step 1.
log "waiting for the Go-built tools (building since step 1; log: $go_log)"
if ! wait "$go_pid"; then
  tail -40 "$go_log" >&2
  die "building the Go tools failed (log: $go_log; scripts/ci-env/build-tools.sh)"
fi
cat "$go_log"

# 10. arm64 under QEMU (release rehearsal: npm run release:local, tests/integration/release-rehearsal.test.ts) ------
# qemu-user-static registers aarch64 with binfmt_misc (flag F: the host's interpreter serves chroots and containers);
# the arm64 base is debian_base (section 3) for arm64, under its own tag.
rehearsal_arm64() {
  local missing=()
  [ -x /usr/bin/qemu-aarch64-static ] || missing+=(qemu-user-static)
  command -v update-binfmts >/dev/null || missing+=(binfmt-support)
  if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$CI_ENV_DIR/apt-qemu.log" 2>&1 \
      || { tail -20 "$CI_ENV_DIR/apt-qemu.log" >&2; die "apt-get install ${missing[*]} failed"; }
  fi
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  update-binfmts --enable qemu-aarch64 2>/dev/null || true
  grep -qx enabled /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null || die "binfmt_misc: qemu-aarch64 is not enabled"
  # The arm64 base costs a debootstrap under QEMU: made when asked (REHEARSAL_ARM64=1) or when its rootfs is cached.
  if [ "${REHEARSAL_ARM64:-}" = 1 ] || [ -s "$CI_ENV_DIR/debian-bookworm-minbase-arm64.tar" ]; then
    debian_base arm64 "$BASE_IMAGE_ARM64"
  fi
}
rehearsal_arm64

# 11. the builder: the engine's own BuildKit (docker driver) cannot push by digest, which the build jobs do; CI uses a
# docker-container builder from setup-buildx-action, and so does the rehearsal, from buildkitd built in step 9.
rehearsal_builder() {
  # buildkitd and buildctl: the tools/buildkit set of step 9 (checked against its go.sum, cached by version).
  local bin="$TOOLS_BIN" ctx BUILDKIT_IMAGE
  if [ ! -x "$bin/buildkitd" ] || [ ! -x "$bin/buildctl" ]; then die "no buildkitd/buildctl in $bin (step 9 builds tools/buildkit)"; fi
  BUILDKIT_IMAGE="$BUILDKIT_REPOSITORY:$("$bin/buildkitd" --version 2>/dev/null | awk '{print $3}')"
  if ! $DOCKER image inspect "$BUILDKIT_IMAGE" >/dev/null 2>&1; then
    log "docker build $BUILDKIT_IMAGE"
    ctx=$(mktemp -d)
    cp -L "$bin/buildkitd" "$bin/buildctl" scripts/ci-env/buildkit/Dockerfile "$ctx/"
    DOCKER_BUILDKIT=1 $DOCKER build --build-arg BASE_IMAGE="$BASE_IMAGE" -t "$BUILDKIT_IMAGE" "$ctx" >"$CI_ENV_DIR/buildkit-image.log" 2>&1 \
      || { tail -20 "$CI_ENV_DIR/buildkit-image.log" >&2; die "docker build $BUILDKIT_IMAGE failed"; }
    rm -rf "$ctx"
  fi
  export DOCKER_CONFIG="$REHEARSAL_DOCKER_CONFIG"
  mkdir -p "$DOCKER_CONFIG"
  for port in "$HUB_PORT" "$GHCR_PORT"; do
    printf '%s' "$PUSH_PASSWORD" | $DOCKER login -u "$PUSH_USER" --password-stdin "$LOOPBACK:$port" >"$CI_ENV_DIR/login.log" 2>&1 \
      || { cat "$CI_ENV_DIR/login.log" >&2; die "docker login $LOOPBACK:$port failed"; }
  done
  # A container builder pulls its bases from a registry: both, under their own names, in the loopback Docker Hub.
  for image in "$BASE_IMAGE" "$BASE_IMAGE_ARM64"; do
    $DOCKER image inspect "$image" >/dev/null 2>&1 || continue
    $DOCKER tag "$image" "$LOOPBACK:$HUB_PORT/$image"
    $DOCKER push -q "$LOOPBACK:$HUB_PORT/$image" >"$CI_ENV_DIR/push.log" 2>&1 || { tail -20 "$CI_ENV_DIR/push.log" >&2; die "docker push $image failed"; }
  done
  printf '[registry."%s"]\n  http = true\n[registry."%s"]\n  http = true\n' "$LOOPBACK:$HUB_PORT" "$LOOPBACK:$GHCR_PORT" >"$DOCKER_CONFIG/buildkitd.toml"
  if ! $DOCKER buildx inspect "$REHEARSAL_BUILDER" >/dev/null 2>&1; then
    log "docker buildx create $REHEARSAL_BUILDER (docker-container, $BUILDKIT_IMAGE, host network)"
    $DOCKER buildx create --name "$REHEARSAL_BUILDER" --driver docker-container --driver-opt "image=$BUILDKIT_IMAGE" \
      --driver-opt network=host --config "$DOCKER_CONFIG/buildkitd.toml" --use >/dev/null
  fi
  $DOCKER buildx inspect --bootstrap "$REHEARSAL_BUILDER" >"$CI_ENV_DIR/builder.log" 2>&1 \
    || { tail -20 "$CI_ENV_DIR/builder.log" >&2; die "the builder $REHEARSAL_BUILDER does not start"; }
  unset DOCKER_CONFIG
}
rehearsal_builder

# 12. the Kubernetes pieces of the team tier: control plane, kwok, etcd, the provider plugin (README "Team stack on a
# real API server"), building in the background since step 9 ended. Done (cached: seconds after step 9), its result is
# checked here; still building (a new machine), the team tier waits for it.
if [ -f "$KUBE_BUILD_RC" ]; then
  [ "$(cat "$KUBE_BUILD_RC")" = 0 ] || { tail -20 "$KUBE_BUILD_LOG" >&2; die "building the Kubernetes pieces failed (log: $KUBE_BUILD_LOG; scripts/ci-env/build-kube.sh)"; }
  cat "$KUBE_BUILD_LOG"
else
  log "the Kubernetes pieces are still building in the background (log: $KUBE_BUILD_LOG); the team tier waits for them"
fi
log "ready: $TEST_LOCAL_IMAGE $($DOCKER image inspect -f '{{.Id}}' "$TEST_LOCAL_IMAGE"); settings in $CI_ENV_SETTINGS"
