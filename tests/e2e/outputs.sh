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
