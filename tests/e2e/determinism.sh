#!/usr/bin/env bash
# The same seed gives byte-identical outputs for 1, 2 and 3 threads and for two runs; another
# seed gives other outputs. The manifest's "run" block (threads, wall time, clock times, the
# command) is the only part allowed to differ. The tie store's layout does not matter either:
# without spare slots (network.tie_slack 0) every new tie relocates a block and the arena is
# compacted every few weeks, and the outputs are the same. Nor do the thresholds at which
# adverse childhood experiences are counted (ace.*): the counts are measurements, which only the
# outputs read, so with other thresholds only the `ace` events (and the panel's counts) differ.
# The network snapshots (networks/, output.graphml_every) are compared like network.graphml.
. "$(dirname "$0")/lib.sh"
S="--set population.size=3000 --set population.community_size=300 --weeks 40 --graphml --quiet
   --set output.graphml_every=20"

"$ATTUNE" run $S --threads 1 --out "$WORK/t1" >/dev/null || fail "run with 1 thread"
"$ATTUNE" run $S --threads 2 --out "$WORK/t2" >/dev/null || fail "run with 2 threads"
"$ATTUNE" run $S --threads 3 --out "$WORK/t3" >/dev/null || fail "run with 3 threads"
"$ATTUNE" run $S --threads 2 --out "$WORK/again" >/dev/null || fail "second run"
"$ATTUNE" run $S --threads 2 --seed 2 --out "$WORK/seed2" >/dev/null || fail "run with seed 2"
"$ATTUNE" run $S --threads 2 --set network.tie_slack=0 --out "$WORK/slack0" >/dev/null ||
  fail "run without slack"
"$ATTUNE" run $S --threads 1 --set ace.abuse_share=0.05 --set ace.neglect_care=0.6 \
  --set ace.distress_share=0.1 --out "$WORK/ace" >/dev/null || fail "run with other ACE thresholds"

strip_run() { sed '/"run": {/,/^  },$/d' "$1"; }
# same_snapshots A B: networks/ of runs A and B hold the same files (weeks 0, 20, 40), byte for byte.
same_snapshots() {
  [ "$(ls -A "$WORK/$1/networks" | tr '\n' ' ')" = "week-000000.graphml week-000020.graphml week-000040.graphml " ] &&
    diff -rq "$WORK/$1/networks" "$WORK/$2/networks" >/dev/null
}

for other in t2 t3 again; do
  for f in metrics.csv events.csv panel.csv network.graphml network-sample.graphml; do
    if cmp -s "$WORK/t1/$f" "$WORK/$other/$f"; then pass; else fail "$f differs between t1 and $other"; fi
  done
  if same_snapshots t1 "$other"; then pass; else fail "networks/ differs between t1 and $other"; fi
  if [ "$(strip_run "$WORK/t1/manifest.json")" = "$(strip_run "$WORK/$other/manifest.json")" ]; then
    pass
  else
    fail "manifest.json (without its run block) differs between t1 and $other"
  fi
done
for f in metrics.csv events.csv panel.csv network.graphml network-sample.graphml; do
  if cmp -s "$WORK/t1/$f" "$WORK/slack0/$f"; then pass; else fail "$f differs without slack"; fi
done
if same_snapshots t1 slack0; then pass; else fail "networks/ differs without slack"; fi
if [ "$(strip_run "$WORK/t1/manifest.json" | grep -v tie_slack)" = \
  "$(strip_run "$WORK/slack0/manifest.json" | grep -v tie_slack)" ]; then
  pass
else
  fail "manifest.json differs without slack beyond network.tie_slack"
fi
for f in metrics.csv network.graphml network-sample.graphml; do
  if cmp -s "$WORK/t1/$f" "$WORK/ace/$f"; then pass; else fail "$f differs with other ACE thresholds"; fi
done
if same_snapshots t1 ace; then pass; else fail "networks/ differs with other ACE thresholds"; fi
if cmp -s <(grep -v ',ace,' "$WORK/t1/events.csv") <(grep -v ',ace,' "$WORK/ace/events.csv"); then
  pass
else
  fail "events other than ace differ with other ACE thresholds"
fi
if [ "$(grep -c ',ace,' "$WORK/ace/events.csv")" -gt "$(grep -c ',ace,' "$WORK/t1/events.csv")" ]; then
  pass
else
  fail "lower ACE thresholds do not count more adverse experiences"
fi
if grep -q '"threads": 3' "$WORK/t3/manifest.json"; then pass; else fail "manifest lacks threads"; fi
if cmp -s "$WORK/t1/metrics.csv" "$WORK/seed2/metrics.csv"; then fail "seeds 1 and 2 give the same metrics"; else pass; fi
if cmp -s "$WORK/t1/network.graphml" "$WORK/seed2/network.graphml"; then fail "seeds 1 and 2 give the same network"; else pass; fi
if same_snapshots t1 seed2; then fail "seeds 1 and 2 give the same snapshots"; else pass; fi
lines=$(wc -l <"$WORK/t1/metrics.csv")
if [ "$lines" -eq 42 ]; then pass; else fail "metrics.csv has $lines lines, expected 42"; fi
finish
