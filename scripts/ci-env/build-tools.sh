#!/usr/bin/env bash
# Builds the pinned Go tools of tools/<set>/tools.json that are not cached yet and installs them (pulumi and the
# language host on PATH via $toolsDir/bin, providers with `pulumi plugin install --file`). See tools/README.md.
# Usage: scripts/ci-env/build-tools.sh [set...]
set -euo pipefail
cd "$(dirname "$0")/../.."
# Go lives in /usr/local/go on these machines; a shell started without a login profile may not have it on PATH.
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && export PATH="/usr/local/go/bin:$PATH"; }
command -v go >/dev/null || { echo "[build-tools] FAILED: go is not on PATH (the tools need Go 1.26)" >&2; exit 1; }
[ -x node_modules/.bin/tsx ] || { echo "[build-tools] FAILED: node_modules/.bin/tsx missing: run npm ci first" >&2; exit 1; }
exec node_modules/.bin/tsx scripts/ci-env/build-tools.ts "$@"
