#!/usr/bin/env bash
# One command for every test: install what is missing, build three times (optimised; Debug with
# AddressSanitizer + UndefinedBehaviorSanitizer; clang with libFuzzer), run the ctest suite on
# the first two (valgrind runs in the first), fuzz each parser for a bounded time, and check the
# formatting. The slow statistical suite (every claim experiment) is scripts/claims.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
export ATTUNE_SETUP_TESTS=1
scripts/setup.sh build
scripts/setup.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DATTUNE_SANITIZE=ON
scripts/setup.sh build-fuzz -DCMAKE_C_COMPILER=clang -DATTUNE_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo

log=$(mktemp /tmp/attune-tests.XXXXXX)
trap 'rm -f "$log"' EXIT
echo "== tests (optimised build)"
ctest --test-dir build --output-on-failure -j 2 -LE slow | tee -a "$log"

echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer build)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j 2 -LE slow | tee -a "$log"

echo "== fuzzing (libFuzzer, ${ATTUNE_FUZZ_SECONDS:-30}s per target)"
fuzz/run.sh build-fuzz build/attune "${ATTUNE_FUZZ_SECONDS:-30}"

echo "== formatting (clang-format)"
clang-format --dry-run --Werror src/*/*.c src/*/*.h include/attune/*.h fuzz/*.c tests/unit/*.c tests/unit/*.h
ctests=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$log" |
  awk '{s += $1} END {print s + 0}')
echo "all tests passed"
echo "$((ctests + 3)) passed, 0 failed"
