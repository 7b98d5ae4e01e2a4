#!/usr/bin/env bash
# A run folder holds complete, well-formed outputs and nothing temporary.
. "$(dirname "$0")/lib.sh"
S="--set population.size=2000 --set population.community_size=200 --weeks 12"
cd "$WORK" || exit 1

"$ATTUNE" run $S >"$WORK/stdout" 2>"$WORK/stderr" || fail "default run failed: $(cat "$WORK/stderr")"
dir=$(sed -n 's/^outputs: \(.*\)\/ (.*/\1/p' "$WORK/stdout")
case "$dir" in runs/*-seed1) pass ;; *) fail "default folder '$dir' is not runs/DATE-TIME-seed1" ;; esac
for f in metrics.csv events.csv manifest.json; do
  if [ -s "$dir/$f" ]; then pass; else fail "missing $f"; fi
done
if ls "$dir" | grep -q partial; then fail "temporary files left: $(ls "$dir")"; else pass; fi
if [ "$(wc -l <"$dir/metrics.csv")" -eq 14 ]; then pass; else fail "metrics.csv rows"; fi
if head -n 1 "$dir/events.csv" | grep -q '^week,type,person,other,value,detail$'; then pass; else fail "events.csv header"; fi
if jq -e '.attune_version and .git_commit and .seed == 1 and .weeks == 12 and .run.threads >= 1
          and .run.wall_seconds >= 0 and .scenario.parameters["population.size"] == 2000
          and (.scenario.entries.culture | length) == 3' "$dir/manifest.json" >/dev/null; then
  pass
else
  fail "manifest.json content: $(cat "$dir/manifest.json")"
fi
# Every parameter of the table is in the manifest.
n_params=$("$ATTUNE" params | grep -c '^  [a-z_0-9]*\.[a-z_0-9]* ')
n_manifest=$(jq '.scenario.parameters | length' "$dir/manifest.json")
if [ "$n_params" -eq "$n_manifest" ] && [ "$n_params" -gt 20 ]; then pass; else fail "params $n_params vs manifest $n_manifest"; fi

# --quiet prints only the folder; --graphml writes a network readable as GraphML.
out=$("$ATTUNE" run $S --quiet --graphml --out "$WORK/g")
if [ "$out" = "$WORK/g" ]; then pass; else fail "--quiet printed '$out'"; fi
nodes=$(grep -c '<node ' "$WORK/g/network.graphml")
edges=$(grep -c '<edge ' "$WORK/g/network.graphml")
ties=$(jq .ties_at_end "$WORK/g/manifest.json")
people=$(jq .people_at_end "$WORK/g/manifest.json")
if [ "$nodes" -eq "$people" ] && [ "$edges" -eq "$ties" ]; then pass; else fail "graphml has $nodes nodes, $edges edges (people $people, ties $ties)"; fi
if grep -q 'attr.name="kind_at_source"' "$WORK/g/network.graphml"; then pass; else fail "graphml lacks tie kinds"; fi

# --force replaces a run, and drops a network the new run did not ask for.
"$ATTUNE" run $S --quiet --force --out "$WORK/g" >/dev/null || fail "--force run"
if [ ! -e "$WORK/g/network.graphml" ]; then pass; else fail "stale network.graphml kept"; fi

# output.graphml_every=N: the whole network at week 0 and every N weeks in networks/, each
# snapshot well-formed GraphML with a node a living person and an edge an active tie of its week.
"$ATTUNE" run --set population.size=1000 --weeks 10 --set output.graphml_every=4 --threads 1 \
  --out "$WORK/snap" >"$WORK/stdout" || fail "run with snapshots"
if [ "$(ls -A "$WORK/snap/networks" | tr '\n' ' ')" = "week-000000.graphml week-000004.graphml week-000008.graphml " ]; then
  pass
else
  fail "snapshots: $(ls -A "$WORK/snap/networks")"
fi
for w in 0 4 8; do
  f=$(printf '%s/snap/networks/week-%06d.graphml' "$WORK" $w)
  nodes=$(grep -c '<node ' "$f")
  edges=$(grep -c '<edge ' "$f")
  people=$(awk -F, -v w=$w '$1 == w { print $2 }' "$WORK/snap/metrics.csv")
  ties=$(awk -F, -v w=$w '$1 == w { print $3 }' "$WORK/snap/metrics.csv")
  if head -n 1 "$f" | grep -q '^<?xml' && grep -q '^<graphml ' "$f" && grep -q '<graph id=' "$f" &&
    [ "$(tail -n 1 "$f")" = "</graphml>" ] && grep -q 'attr.name="kind_at_source"' "$f" &&
    [ "$nodes" -eq "$people" ] && [ "$edges" -eq "$ties" ] && [ "$edges" -gt 0 ]; then
    pass
  else
    fail "week $w snapshot: $nodes nodes, $edges edges (people $people, ties $ties); $(head -c 200 "$f")"
  fi
done
if jq -e '.outputs | index("networks/")' "$WORK/snap/manifest.json" >/dev/null &&
  grep -q 'networks/)$' "$WORK/stdout"; then pass; else fail "manifest or summary lacks networks/"; fi
if jq -e '.outputs | index("networks/") | not' "$WORK/g/manifest.json" >/dev/null; then pass; else fail "a run without snapshots lists networks/"; fi
# The snapshot of the last week is network.graphml of a run that ends then.
"$ATTUNE" run --set population.size=1000 --weeks 8 --graphml --threads 1 --quiet --out "$WORK/snap8" >/dev/null ||
  fail "run of 8 weeks"
if cmp -s "$WORK/snap8/network.graphml" "$WORK/snap/networks/week-000008.graphml"; then pass; else fail "week 8 snapshot differs from network.graphml"; fi

# A run that fails removes the snapshots it wrote, and leaves the earlier run's networks/ as it
# was (the full-disk trick of cli_errors.sh: network.graphml's temporary file is /dev/full).
cp -r "$WORK/snap/networks" "$WORK/snap-before"
ln -s /dev/full "$WORK/snap/network.graphml.partial.partial"
"$ATTUNE" run --set population.size=1000 --weeks 6 --set output.graphml_every=3 --graphml \
  --threads 1 --quiet --force --out "$WORK/snap" >/dev/null 2>"$WORK/stderr"
rc=$?
if [ $rc -eq 4 ] && [ ! -e "$WORK/snap/networks.partial" ] && diff -r "$WORK/snap-before" "$WORK/snap/networks" >/dev/null; then
  pass
else
  fail "failed run: exit $rc, left $(ls -A "$WORK/snap" "$WORK/snap/networks"): $(cat "$WORK/stderr")"
fi
# ... but keeps them for a checkpoint to resume from; the resumed run ends as one not interrupted.
ln -s /dev/full "$WORK/snap/network.graphml.partial.partial"
"$ATTUNE" run --set population.size=1000 --weeks 6 --set output.graphml_every=3 --graphml \
  --threads 1 --quiet --force --checkpoint-every 2 --out "$WORK/snap" >/dev/null 2>"$WORK/stderr"
rc=$?
if [ $rc -eq 4 ] && [ "$(ls -A "$WORK/snap/networks.partial" | tr '\n' ' ')" = "week-000000.graphml week-000003.graphml week-000006.graphml " ]; then
  pass
else
  fail "failed run with a checkpoint: exit $rc, left $(ls -A "$WORK/snap" "$WORK/snap/networks.partial")"
fi
"$ATTUNE" run --resume "$WORK/snap" --quiet >/dev/null 2>"$WORK/stderr" || fail "resume: $(cat "$WORK/stderr")"
"$ATTUNE" run --set population.size=1000 --weeks 6 --set output.graphml_every=3 --graphml \
  --threads 1 --quiet --out "$WORK/snap6" >/dev/null || fail "run of 6 weeks"
if [ ! -e "$WORK/snap/networks.partial" ] && diff -r "$WORK/snap6/networks" "$WORK/snap/networks" >/dev/null; then
  pass
else
  fail "resumed snapshots differ: $(ls -A "$WORK/snap" "$WORK/snap/networks")"
fi
# --force with a run that writes no snapshots drops the replaced run's networks/.
"$ATTUNE" run --set population.size=1000 --weeks 2 --threads 1 --quiet --force --out "$WORK/snap" >/dev/null ||
  fail "replacing run"
if [ ! -e "$WORK/snap/networks" ]; then pass; else fail "stale networks/ kept: $(ls -A "$WORK/snap/networks")"; fi

# A scenario file and --set in order: the later setting wins.
printf '[run]\nweeks = 3\n[population]\nsize = 1500\n' >"$WORK/s.ini"
"$ATTUNE" run "$WORK/s.ini" --weeks 5 --quiet --out "$WORK/s" >/dev/null || fail "scenario run"
if jq -e '.weeks == 5 and .scenario.parameters["population.size"] == 1500 and
          (.scenario_source | endswith("s.ini"))' "$WORK/s/manifest.json" >/dev/null; then pass; else fail "scenario + --weeks"; fi

# The shipped example scenarios run.
for f in "$SRC"/scenarios/*.ini; do
  if "$ATTUNE" run "$f" --set population.size=1500 --weeks 2 --quiet --out "$WORK/ex-$(basename "$f")" >/dev/null 2>"$WORK/stderr"; then
    pass
  else
    fail "scenario $f: $(cat "$WORK/stderr")"
  fi
done
finish
