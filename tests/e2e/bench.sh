#!/usr/bin/env bash
# attune bench --quick --json: every scenario measured, the probe ran, the figures are sane.
. "$(dirname "$0")/lib.sh"
"$ATTUNE" bench --quick --repeats 1 --json >"$WORK/bench.json" 2>"$WORK/bench.err" ||
  fail "attune bench: $(cat "$WORK/bench.err")"
check() { if jq -e "$2" "$WORK/bench.json" >/dev/null 2>&1; then pass; else fail "$1: $(cat "$WORK/bench.json")"; fi; }
check "two scenarios" '.scenarios | length == 2'
check "people and ties" 'all(.scenarios[]; .people > 10000 and .ties > .people)'
check "rates" 'all(.scenarios[]; .relationship_updates_per_s > 0 and .wall_s > 0 and .startup_s > 0)'
check "memory" 'all(.scenarios[]; .peak_rss_bytes > 1000000 and .bytes_per_person > 50)'
check "the update rate is ties x weeks / wall" \
  'all(.scenarios[]; ((.ties * .weeks / .wall_s) / .relationship_updates_per_s - 1 | fabs) < 0.01)'
check "probe" '.probe.local_gathers_per_s > 0 and .probe.random_gathers_per_s > 0 and .probe.half_ties > 0'
check "random-number probe" '.probe.philox_blocks_per_s > 1e6'
check "share of the random-number limit" \
  '.probe.philox_blocks_per_s as $r | all(.scenarios[]; ((.relationship_updates_per_s / $r) / .fraction_of_philox - 1 | fabs) < 0.01)'
check "speed-up" 'all(.scenarios[]; [to_entries[] | select(.key | startswith("speedup_1_to_")) | .value] | length == 1 and .[0] > 0)'
expect_fail bench-option 2 "unexpected argument '--bogus'" -- bench --bogus
expect_fail bench-only 2 "no scenario matches --only nothing" -- bench --quick --only nothing
finish
