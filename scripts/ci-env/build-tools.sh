#!/usr/bin/env bash
# Builds the Go tool sets under tools/ into the version-keyed cache (GO_TOOLS in src/facts.ts); see build-tools.ts.
# Usage: scripts/ci-env/build-tools.sh [SET ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || { echo "build-tools: go is not on PATH (Go >= 1.24 is needed for tool directives)" >&2; exit 1; }
exec node_modules/.bin/tsx scripts/ci-env/build-tools.ts "$@"
