#!/usr/bin/env bash
# The same seed gives byte-identical outputs for 1, 2 and 3 threads and for two runs; another
# seed gives other outputs. The manifest's "run" block (threads, wall time, clock times, the
# command) is the only part allowed to differ.
. "$(dirname "$0")/lib.sh"
S="--set population.size=3000 --set population.community_size=300 --weeks 40 --graphml --quiet"

"$ATTUNE" run $S --threads 1 --out "$WORK/t1" >/dev/null || fail "run with 1 thread"
"$ATTUNE" run $S --threads 2 --out "$WORK/t2" >/dev/null || fail "run with 2 threads"
"$ATTUNE" run $S --threads 3 --out "$WORK/t3" >/dev/null || fail "run with 3 threads"
"$ATTUNE" run $S --threads 2 --out "$WORK/again" >/dev/null || fail "second run"
"$ATTUNE" run $S --threads 2 --seed 2 --out "$WORK/seed2" >/dev/null || fail "run with seed 2"

strip_run() { sed '/"run": {/,/^  },$/d' "$1"; }

for other in t2 t3 again; do
  for f in metrics.csv events.csv panel.csv network.graphml network-sample.graphml; do
    if cmp -s "$WORK/t1/$f" "$WORK/$other/$f"; then pass; else fail "$f differs between t1 and $other"; fi
  done
  if [ "$(strip_run "$WORK/t1/manifest.json")" = "$(strip_run "$WORK/$other/manifest.json")" ]; then
    pass
  else
    fail "manifest.json (without its run block) differs between t1 and $other"
  fi
done
if grep -q '"threads": 3' "$WORK/t3/manifest.json"; then pass; else fail "manifest lacks threads"; fi
if cmp -s "$WORK/t1/metrics.csv" "$WORK/seed2/metrics.csv"; then fail "seeds 1 and 2 give the same metrics"; else pass; fi
if cmp -s "$WORK/t1/network.graphml" "$WORK/seed2/network.graphml"; then fail "seeds 1 and 2 give the same network"; else pass; fi
lines=$(wc -l <"$WORK/t1/metrics.csv")
if [ "$lines" -eq 42 ]; then pass; else fail "metrics.csv has $lines lines, expected 42"; fi
finish
