#!/usr/bin/env bash
# A run killed with SIGKILL, or interrupted with SIGINT, and resumed gives outputs
# byte-identical to an uninterrupted run, network snapshots (networks/) included; a damaged
# checkpoint is reported and the one before it is used.
. "$(dirname "$0")/lib.sh"
S="--set population.size=4000 --set population.community_size=400 --weeks 150 --graphml --quiet
   --set output.graphml_every=40"
cd "$WORK" || exit 1

SNAPSHOTS="week-000000.graphml week-000040.graphml week-000080.graphml week-000120.graphml "
same_outputs() { # same_outputs DIR NAME
  local ok=1
  for f in metrics.csv events.csv panel.csv network.graphml network-sample.graphml; do
    cmp -s ref/$f "$1/$f" || { ok=0; fail "$2: $f differs from the uninterrupted run"; }
  done
  if [ "$(ls -A "$1/networks" | tr '\n' ' ')" != "$SNAPSHOTS" ] || [ -e "$1/networks.partial" ]; then
    ok=0
    fail "$2: snapshots $(ls -A "$1" "$1/networks")"
  fi
  for f in $SNAPSHOTS; do
    cmp -s ref/networks/$f "$1/networks/$f" || { ok=0; fail "$2: networks/$f differs from the uninterrupted run"; }
  done
  [ $ok -eq 1 ] && pass
}

wait_for() { for _ in $(seq 1 6000); do [ -e "$1" ] && return 0; sleep 0.02; done; return 1; }

"$ATTUNE" run $S --out ref >/dev/null || fail "reference run"
if [ ! -e ref/checkpoints ]; then pass; else fail "a finished run kept its checkpoints"; fi
if [ "$(ls -A ref/networks | tr '\n' ' ')" = "$SNAPSHOTS" ]; then pass; else fail "snapshots of the run: $(ls -A ref/networks)"; fi

# SIGKILL: nothing gets to clean up; the partial files and the last checkpoint remain.
"$ATTUNE" run $S --out killed --checkpoint-every 25 >/dev/null &
pid=$!
wait_for killed/checkpoints/week-000075.ckpt || fail "no checkpoint appeared"
kill -9 $pid
wait $pid 2>/dev/null
if [ -e killed/metrics.csv.partial ] && [ ! -e killed/metrics.csv ]; then pass; else fail "after SIGKILL: $(ls killed)"; fi
# A model that would not fit is refused before the checkpoint is read; the folder stays as it was.
before=$(stat -c "%n %y" killed killed/checkpoints; ls -lA --time-style=full-iso killed killed/checkpoints; cksum killed/* killed/checkpoints/* 2>/dev/null)
expect_fail resume-memory 5 "resuming killed needs about" -- run --resume killed --max-memory 1M
after=$(stat -c "%n %y" killed killed/checkpoints; ls -lA --time-style=full-iso killed killed/checkpoints; cksum killed/* killed/checkpoints/* 2>/dev/null)
if [ "$before" = "$after" ]; then pass; else fail "a refused resume changed the folder: $(diff <(echo "$before") <(echo "$after"))"; fi
"$ATTUNE" run --resume killed --max-memory 64G --quiet >/dev/null 2>"$WORK/stderr" || fail "resume after SIGKILL: $(cat "$WORK/stderr")"
same_outputs killed "SIGKILL + resume"
if jq -e '.complete == true and .weeks == 150 and .scenario_source == "built-in default" and
  (.run.command | test("^attune run .*--out killed.* \\(resumed: attune run --resume killed"))' \
  killed/manifest.json >/dev/null; then pass; else fail "manifest after resume: $(cat killed/manifest.json | head -20)"; fi

# SIGINT: the week finishes, a checkpoint and the outputs so far are written, exit 130.
"$ATTUNE" run $S --out interrupted --checkpoint-every 50 >/dev/null 2>"$WORK/int.err" &
pid=$!
wait_for interrupted/checkpoints/week-000050.ckpt || fail "run did not checkpoint"
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ]; then
  pass
  weeks=$(jq .weeks interrupted/manifest.json)
  rows=$(($(wc -l <interrupted/metrics.csv) - 2))
  if jq -e '.complete == false' interrupted/manifest.json >/dev/null && [ "$rows" -eq "$weeks" ] &&
    grep -q "attune run --resume" "$WORK/int.err"; then
    pass
  else
    fail "after SIGINT: manifest $(cat interrupted/manifest.json | head -5), rows $rows, stderr $(cat "$WORK/int.err")"
  fi
  # A snapshot missing: the resume is refused and the folder put back as it was.
  mv interrupted/networks/week-000040.graphml "$WORK/week-000040.graphml"
  expect_fail resume-missing-snapshot 3 "network snapshot of week 40 is missing" -- run --resume "$WORK/interrupted"
  if [ -e interrupted/networks ] && [ ! -e interrupted/networks.partial ] && [ -e interrupted/metrics.csv ] &&
    [ ! -e interrupted/metrics.csv.partial ]; then pass; else fail "a failed resume changed the folder: $(ls -A interrupted)"; fi
  mv "$WORK/week-000040.graphml" interrupted/networks/
  "$ATTUNE" run --resume interrupted --quiet >/dev/null 2>"$WORK/stderr" || fail "resume after SIGINT: $(cat "$WORK/stderr")"
  same_outputs interrupted "SIGINT + resume"
else
  fail "SIGINT gave exit $rc: $(cat "$WORK/int.err")"
fi

# A damaged newest checkpoint: reported, and the one before it is used.
"$ATTUNE" run $S --out damaged --checkpoint-every 25 >/dev/null &
pid=$!
wait_for damaged/checkpoints/week-000100.ckpt || fail "no checkpoint appeared"
kill -9 $pid
wait $pid 2>/dev/null
newest=$(ls damaged/checkpoints | sort | tail -n 1)
size=$(stat -c %s "damaged/checkpoints/$newest")
truncate -s $((size / 2)) "damaged/checkpoints/$newest"
"$ATTUNE" run --resume damaged --quiet >/dev/null 2>"$WORK/stderr" || fail "resume past a damaged checkpoint: $(cat "$WORK/stderr")"
if grep -q "truncated" "$WORK/stderr" && grep -q "trying the checkpoint before it" "$WORK/stderr"; then pass; else fail "no warning: $(cat "$WORK/stderr")"; fi
same_outputs damaged "damaged checkpoint + resume"

# --force replaces a run and its checkpoints: the replacing run, killed, cannot be resumed
# from the replaced run's checkpoints (which would mix two runs in one folder).
"$ATTUNE" run --set population.size=1000 --weeks 40 --checkpoint-every 10 --keep-checkpoints \
  --seed 5 --out replaced --quiet >/dev/null || fail "run to be replaced"
"$ATTUNE" run $S --seed 9 --out replaced --force --checkpoint-every 1000 >/dev/null &
pid=$!
wait_for replaced/events.csv.partial || fail "the replacing run did not start"
if [ ! -e replaced/checkpoints ]; then pass; else fail "--force kept the replaced run's checkpoints: $(ls replaced/checkpoints)"; fi
# A second process is refused while the first writes the folder.
expect_fail folder-in-use 4 "another attune process is writing this run folder" -- \
  run --set population.size=1000 --weeks 5 --out "$WORK/replaced" --force --quiet
kill -9 $pid
wait $pid 2>/dev/null
expect_fail resume-replaced 3 "no checkpoints to resume from" -- run --resume "$WORK/replaced"
if jq -e '.seed == 5 and .complete == true' replaced/manifest.json >/dev/null; then pass; else fail "the replaced run's outputs were not left whole"; fi

# A resume that fails leaves the folder as it was: an interrupted run's outputs go back into place.
"$ATTUNE" run $S --out missing-events --checkpoint-every 50 >/dev/null 2>&1 &
pid=$!
wait_for missing-events/checkpoints/week-000050.ckpt || fail "run did not checkpoint"
kill -INT $pid
wait $pid 2>/dev/null
rm -f missing-events/events.csv
lines=$(wc -l <missing-events/metrics.csv)
expect_fail resume-missing-events 3 "events.csv is missing" -- run --resume "$WORK/missing-events"
if [ -e missing-events/metrics.csv ] && [ ! -e missing-events/metrics.csv.partial ] &&
  [ "$(wc -l <missing-events/metrics.csv)" -eq "$lines" ]; then pass; else fail "a failed resume changed metrics.csv: $(ls missing-events)"; fi

# A replacing run whose events.csv.partial was lost is not resumed onto the events.csv of the
# finished run it was replacing.
"$ATTUNE" run $S --weeks 30 --seed 7 --out lost >/dev/null || fail "finished run"
"$ATTUNE" run $S --seed 1 --out lost --force --checkpoint-every 10 >/dev/null &
pid=$!
wait_for lost/checkpoints/week-000020.ckpt || fail "no checkpoint appeared"
kill -9 $pid
wait $pid 2>/dev/null
rm -f lost/events.csv.partial
expect_fail resume-lost-partial 3 "is that of a finished run" -- run --resume "$WORK/lost"

# Garbage where a checkpoint should be, and nothing to resume from.
mkdir -p garbage/checkpoints && head -c 5000 /dev/urandom >garbage/checkpoints/week-000010.ckpt
expect_fail resume-garbage 3 "not an attune checkpoint" -- run --resume "$WORK/garbage"
mkdir -p empty
expect_fail resume-nothing 3 "no checkpoints to resume from" -- run --resume "$WORK/empty"
expect_fail resume-with-set 2 "--resume takes the scenario" -- run --resume "$WORK/empty" --set run.seed=2
finish
