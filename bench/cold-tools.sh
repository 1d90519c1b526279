#!/usr/bin/env bash
# Cold build of every Go-built tool, as a new machine does it (a benchmark: it prints figures, asserts nothing).
#
# In a private mount namespace, the tools cache (CI_ENV.toolsDir) is an empty directory, and the Go module cache, the
# Go build cache and PULUMI_HOME point at empty directories: scripts/ci-env/build-tools.sh (step 9 of ci-env) and
# scripts/ci-env/build-kube.sh (step 12) then download and compile everything from nothing, exactly as `.ci/run` on a
# fresh machine does. The machine's own caches are not touched, so tests can keep running beside it (they slow it:
# the wall time is this machine's at the load printed; the CPU time is what the builds cost wherever they run).
# Prints, per step: wall time, user+system CPU time, the cores it kept busy on average, and the load average.
# Usage (as root): bench/cold-tools.sh [scratch dir]   (default /var/tmp/opencode-cloud-cold; removed first and after,
# unless KEEP=1). Needs ~15 GB free there.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "bench/cold-tools.sh: run as root (it needs a mount namespace)" >&2; exit 1; }
[ -x node_modules/.bin/tsx ] || { echo "bench/cold-tools.sh: node_modules/.bin/tsx missing: run npm ci first" >&2; exit 1; }
eval "$(node_modules/.bin/tsx scripts/ci-env/facts.ts)"
scratch=${1:-/var/tmp/opencode-cloud-cold}
# The Go module cache is read-only by design: make it writable to remove it.
clean() { [ -d "$scratch" ] && chmod -R u+w "$scratch" && rm -rf "$scratch"; return 0; }
clean
mkdir -p "$scratch/tools" "$scratch/gopath" "$scratch/gocache" "$scratch/pulumi-home" "$TOOLS_DIR"
export SCRATCH=$scratch TOOLS_DIR

# shellcheck disable=SC2016 # the inner shell expands these
unshare --mount --propagation private bash -euo pipefail -c '
  mount --bind "$SCRATCH/tools" "$TOOLS_DIR"
  export GOPATH=$SCRATCH/gopath GOMODCACHE=$SCRATCH/gopath/pkg/mod GOCACHE=$SCRATCH/gocache PULUMI_HOME=$SCRATCH/pulumi-home
  step() {
    local name=$1 load_before; shift
    load_before=$(cut -d" " -f1 /proc/loadavg)
    /usr/bin/time -f "%e %U %S" -o "$SCRATCH/$name.time" "$@" >"$SCRATCH/$name.log" 2>&1 || {
      echo "$name failed; its log: $SCRATCH/$name.log" >&2; tail -20 "$SCRATCH/$name.log" >&2; exit 1; }
    read -r wall user sys <"$SCRATCH/$name.time"
    awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v lb="$load_before" -v la="$(cut -d" " -f1 /proc/loadavg)" \
      "BEGIN { printf \"%-12s %8.1f min %8.1f min %6.2f   %s -> %s\n\", n, w/60, (u+s)/60, (u+s)/w, lb, la }"
    echo "$wall $user $sys" >>"$SCRATCH/all.time"
  }
  echo "cold build of the Go tools on $(nproc) cores, $(go env GOVERSION), empty caches under $SCRATCH"
  printf "%-12s %12s %12s %6s   %s\n" step wall CPU cores "load (1 min) before -> after"
  step build-tools scripts/ci-env/build-tools.sh
  step build-kube scripts/ci-env/build-kube.sh
  awk "{ w += \$1; c += \$2 + \$3 } END { printf \"%-12s %8.1f min %8.1f min %6.2f\n\", \"total\", w/60, c/60, c/w;
    printf \"on %d idle cores the same work needs at least %.1f min of wall time (CPU / cores)\n\", $(nproc), c/60/$(nproc) }" "$SCRATCH/all.time"
  echo "module cache $(du -sh "$GOMODCACHE" | cut -f1), build cache $(du -sh "$GOCACHE" | cut -f1), tools $(du -sh "$SCRATCH/tools" | cut -f1)"
  echo "per-tool build seconds (build-tools table):"
  sed -n "/^tool /,/^\[build-tools/p" "$SCRATCH/build-tools.log"
  grep -E "built in|: building" "$SCRATCH/build-kube.log" || true
'
[ "${KEEP:-0}" = 1 ] || clean
