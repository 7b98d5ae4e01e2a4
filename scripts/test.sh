#!/usr/bin/env bash
# One command for every test: install what is missing, build twice (optimised, and with
# AddressSanitizer + UndefinedBehaviorSanitizer), run the whole ctest suite on both, and check
# the formatting.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=ON

echo "== tests (optimised build)"
ctest --test-dir build --output-on-failure -j 2 -LE slow

echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j 2 -LE slow

if command -v clang-format >/dev/null; then
  echo "== formatting (clang-format)"
  clang-format --dry-run --Werror src/*/*.c src/*/*.h include/attune/*.h
fi
echo "all tests passed"
