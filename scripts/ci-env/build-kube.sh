#!/usr/bin/env bash
# Builds the Kubernetes pieces the team stack's integration tests need, from their Go modules (tools/kube/*), into a
# cache keyed by version: $KUBE_CACHE/<name>-<version>/ (a `.complete` marker makes a directory count). A piece
# already in the cache is not built again; one at a time, because the machine is small and shared.
#   kubernetes-<v>/    kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes as a dependency;
#                      kwokctl checks the cluster with kubectl)
#   kwok-<v>/          kwok, kwokctl (sigs.k8s.io/kwok)
#   pulumi-kubernetes-<v>/  pulumi-resource-kubernetes (github.com/pulumi/pulumi-kubernetes/provider/v4 at the
#                      pseudo-version the proxy serves, KUBE_TOOLS.providerModule, which names it and which it reports)
#   etcd-<v>/          etcd, etcdctl (Debian trixie's etcd-server/etcd-client, extracted: installing starts a server)
# Versions come from src/facts.ts (KUBE_TOOLS); each go.mod must require the same one, or the build stops.
# Then it writes $KUBE_ENV_FILE: every piece's path, and the plugin's directory as `path` (the engine runs the plugin
# from PATH), in the shape of the Go tools' env.json, which the team tier reads (tests/integration/support/kube.ts).
# Usage: scripts/ci-env/build-kube.sh [kubernetes|kwok|provider|etcd]...   (default: all); prints the seconds each took.
set -euo pipefail
# Go lives in /usr/local/go on these machines; a shell started without a login profile may not have it on PATH.
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
eval "$(node_modules/.bin/tsx scripts/ci-env/facts.ts)"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
GO_FLAGS=(-trimpath)

log() { printf '[build-kube] %s\n' "$*" >&2; }

# The version a tools/kube module requires of a dependency; stops when it differs from the fact.
require_version() {
  local dir=$1 module=$2 want=$3 got
  got=$(cd "$dir" && go list -m -f '{{.Version}}' "$module")
  if [ "$got" != "$want" ]; then
    log "$dir/go.mod requires $module $got, src/facts.ts says $want: make them agree"
    exit 1
  fi
}

# Runs "$2..." to fill $KUBE_CACHE/$1 unless it is complete; the build lands in a temporary directory first.
cached() {
  local name=$1 dest=$KUBE_CACHE/$1 tmp start
  shift
  if [ -f "$dest/.complete" ]; then
    log "$name: cached in $dest"
    return
  fi
  mkdir -p "$KUBE_CACHE"
  tmp=$(mktemp -d "$KUBE_CACHE/.$name.XXXXXX")
  start=$(date +%s)
  log "$name: building"
  "$@" "$tmp"
  touch "$tmp/.complete"
  rm -rf "$dest"
  mv "$tmp" "$dest"
  chmod 755 "$dest"
  log "$name: built in $(($(date +%s) - start)) s -> $dest"
}

build_kubernetes() {
  local out=$1 dir=tools/kube/control-plane v=$KUBERNETES_VERSION
  require_version "$dir" k8s.io/kubernetes "$v"
  local minor=${v#v1.}
  minor=${minor%%.*}
  local pkg ldflags=""
  # What `kube-apiserver --version` reports (component-base), and the client-go copy of the same variables.
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$v -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  (cd "$dir" && go build "${GO_FLAGS[@]}" -ldflags "-s -w$ldflags" -o "$out/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubectl)
}

build_kwok() {
  local out=$1 dir=tools/kube/kwok
  require_version "$dir" sigs.k8s.io/kwok "$KWOK_VERSION"
  (cd "$dir" && go build "${GO_FLAGS[@]}" \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=$KUBERNETES_VERSION" \
    -o "$out/" sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl)
}

build_provider() {
  local out=$1 dir=tools/kube/provider module=github.com/pulumi/pulumi-kubernetes/provider/v4 src
  # The version it is and reports: the module's own (semver without the v), never the npm package's.
  local version=${KUBE_PROVIDER_MODULE#v}
  require_version "$dir" "$module" "$KUBE_PROVIDER_MODULE"
  require_version "$dir" github.com/pulumi/pulumi-kubernetes/sdk/v4 "v$KUBE_PROVIDER_VERSION"
  # `go mod download` (checked against go.sum) and not `go list -m`: on a new machine the module is not in the module
  # cache yet, and `go list -m` then answers an empty directory.
  src=$(cd "$dir" && go mod download -json "$module" | jq -r '.Dir // empty')
  [ -f "$src/cmd/pulumi-resource-kubernetes/schema.json" ] || { log "no source of $module in the module cache ('$src')"; exit 1; }
  # The upstream main embeds the committed schema with its version set, and the Terraform mapping, both compacted.
  jq -c --arg v "$version" '.version = $v' "$src/cmd/pulumi-resource-kubernetes/schema.json" \
    >"$dir/cmd/pulumi-resource-kubernetes/schema-embed.json"
  jq -c . "$src/cmd/pulumi-resource-kubernetes/terraform-mapping.json" >"$dir/cmd/pulumi-resource-kubernetes/terraform-mapping-embed.json"
  (cd "$dir" && go build "${GO_FLAGS[@]}" -ldflags "-s -w -X $module/pkg/version.Version=$version" \
    -o "$out/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes)
}

build_etcd() {
  local out=$1 work
  work=$(mktemp -d)
  # The listing first, then the search: under pipefail, `apt-cache ... | grep -q` fails whenever grep has matched and
  # quit before apt-cache has written its last line (SIGPIPE), which a cold run beside other work met.
  local versions
  versions=$(apt-cache madison etcd-server)
  if ! grep -q " $ETCD_VERSION " <<<"$versions"; then
    log "etcd-server $ETCD_VERSION is not in the apt sources: add Debian trixie as a source (pinned to priority 1) and apt-get update"
    exit 1
  fi
  # The exact version (trixie's; the trixie source scripts/ci-env.sh adds is pinned to priority 1, so only named
  # versions come from it).
  (cd "$work" && apt-get download -qq "etcd-server=$ETCD_VERSION" "etcd-client=$ETCD_VERSION")
  for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  cp "$work/root/usr/bin/etcd" "$work/root/usr/bin/etcdctl" "$out/"
  "$out/etcd" --version | head -1 >"$out/VERSION"
  rm -rf "$work"
}

pieces=("$@")
[ ${#pieces[@]} -gt 0 ] || pieces=(etcd kwok kubernetes provider)
for piece in "${pieces[@]}"; do
  case $piece in
    kubernetes) cached "kubernetes-$KUBERNETES_VERSION" build_kubernetes ;;
    kwok) cached "kwok-$KWOK_VERSION" build_kwok ;;
    provider) cached "pulumi-kubernetes-$KUBE_PROVIDER_MODULE" build_provider ;;
    etcd) cached "etcd-$ETCD_VERSION" build_etcd ;;
    *) log "unknown piece $piece (kubernetes, kwok, provider, etcd)"; exit 2 ;;
  esac
done

# What the team tier reads to find the pieces (the same shape as the Go tools' env.json: `path` to put first on
# PATH, `env` to add), written whatever was built this time; the tier checks that each file is there.
k8s=$KUBE_CACHE/kubernetes-$KUBERNETES_VERSION kwok=$KUBE_CACHE/kwok-$KWOK_VERSION
plugin=$KUBE_CACHE/pulumi-kubernetes-$KUBE_PROVIDER_MODULE
mkdir -p "$KUBE_CACHE"
jq -n --arg k8s "$k8s" --arg kwok "$kwok" --arg etcd "$KUBE_CACHE/etcd-$ETCD_VERSION" --arg plugin "$plugin" '{
  path: $plugin,
  env: {},
  pieces: {
    kubeApiserver: "\($k8s)/kube-apiserver", kubeControllerManager: "\($k8s)/kube-controller-manager",
    kubeScheduler: "\($k8s)/kube-scheduler", kubectl: "\($k8s)/kubectl", etcd: "\($etcd)/etcd",
    kwok: "\($kwok)/kwok", kwokctl: "\($kwok)/kwokctl", providerPlugin: "\($plugin)/pulumi-resource-kubernetes"
  }
}' >"$KUBE_ENV_FILE.tmp"
mv "$KUBE_ENV_FILE.tmp" "$KUBE_ENV_FILE"
log "paths for the team tier in $KUBE_ENV_FILE"
