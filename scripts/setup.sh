#!/usr/bin/env bash
# Installs the Debian packages attune needs, if any is missing, then configures and builds.
#   scripts/setup.sh [BUILD_DIR] [extra cmake arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."

# gnuplot-nox draws the report's SVG figures (attune report works without it, minus figures).
packages=(build-essential cmake pkg-config git jq
  libigraph-dev librandom123-dev libinih-dev libsqlite3-dev zlib1g-dev libgsl-dev
  libopenmpi-dev openmpi-bin gnuplot-nox)
if [ "${ATTUNE_SETUP_TESTS:-0}" = 1 ]; then
  # What the test command needs besides: cmocka, sanitizers and libFuzzer (clang), valgrind,
  # and chromium for the report's browser test.
  packages+=(libcmocka-dev clang clang-format libclang-rt-14-dev libomp-dev valgrind chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm install the report's chart libraries at build time (npm ci); any node >= 18 with
# its npm will do, Debian's or another.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

build=${1:-build}
shift || true
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
