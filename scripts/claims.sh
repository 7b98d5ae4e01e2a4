#!/usr/bin/env bash
# The slow statistical suite: every claim experiment with ten replicates (about thirteen minutes).
#   scripts/claims.sh [attune claims options, e.g. --json or --only C1]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
exec ./build/attune claims --replicates 10 "$@"
