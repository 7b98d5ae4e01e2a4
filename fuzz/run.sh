#!/usr/bin/env bash
# Replays the seed corpus of every fuzz target, then fuzzes each for a bounded time.
#   fuzz/run.sh FUZZ_BUILD_DIR ATTUNE_BINARY [SECONDS per target, default $ATTUNE_FUZZ_SECONDS or 20]
set -euo pipefail
build=$1
attune=$2
seconds=${3:-${ATTUNE_FUZZ_SECONDS:-20}}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/attune-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Checkpoint seeds are made by the build under test, so they always match its format.
"$attune" run --set population.size=1000 --set population.community_size=200 --weeks 2 \
  --checkpoint-every 1 --keep-checkpoints --quiet --out "$work/run" >/dev/null
for target in scenario checkpoint sweep; do
  mkdir -p "$work/corpus-$target"
  cp "$here/corpus/$target"/* "$work/corpus-$target/"
done
cp "$work/run/checkpoints/"*.ckpt "$work/corpus-checkpoint/"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in scenario checkpoint sweep; do
  max_len=4096
  [ "$target" = checkpoint ] && max_len=2000000
  echo "== fuzz_$target: replaying the seed corpus"
  "$build/fuzz/fuzz_$target" -runs=0 "$work/corpus-$target" 2>&1 | tail -n 2
  echo "== fuzz_$target: fuzzing for ${seconds}s"
  if ! "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=$max_len \
    -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/" \
    "$work/corpus-$target" >"$work/log-$target" 2>&1; then
    tail -n 40 "$work/log-$target"
    echo "fuzz_$target found a failure; the input is:"
    ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null || true
    exit 1
  fi
  grep -E "stat::number_of_executed_units" "$work/log-$target"
done
echo "fuzzing: no crash, leak or undefined behaviour found"
