#!/usr/bin/env bash
# attune claims end to end on one fast claim: exit code, table, JSON shape, and bad arguments.
. "$(dirname "$0")/lib.sh"

"$ATTUNE" claims --only C3 --replicates 3 --json >"$WORK/c3.json" 2>"$WORK/stderr"
rc=$?
if [ $rc -eq 0 ] || [ $rc -eq 6 ]; then pass; else fail "claims exit $rc: $(cat "$WORK/stderr")"; fi
if jq -e '.claims | length == 1 and .[0].id == "C3" and (.[0].passed | type) == "boolean"
          and (.[0].ci | length) == 2 and (.[0].criterion | type) == "string"
          and (.[0].parts | length) == 2' "$WORK/c3.json" >/dev/null; then
  pass
else
  fail "JSON shape: $(cat "$WORK/c3.json")"
fi
# Isolated affect follows pure relaxation; C3 must pass (its effect is far from the criterion).
if jq -e '.claims[0].passed' "$WORK/c3.json" >/dev/null; then pass; else fail "C3 did not pass: $(cat "$WORK/c3.json")"; fi

"$ATTUNE" claims --only C3 --replicates 3 >"$WORK/table" 2>/dev/null
if grep -q "C3.isolated" "$WORK/table" && grep -q "claims passed" "$WORK/table"; then pass; else fail "table: $(cat "$WORK/table")"; fi

# --set changes the defaults every arm starts from; a key the claim's files set keeps their value.
"$ATTUNE" claims --only C3 --replicates 3 --json --quiet --set population.size=100 >"$WORK/size.json" 2>"$WORK/stderr"
if jq -e --slurpfile base "$WORK/c3.json" '.settings == ["population.size=100"]
          and ([.claims[0].parts[].estimate] == [$base[0].claims[0].parts[].estimate])' \
     "$WORK/size.json" >/dev/null; then
  pass
else
  fail "--set of a key C3's files set changed the result: $(cat "$WORK/size.json") $(cat "$WORK/stderr")"
fi
"$ATTUNE" claims --only C3 --replicates 3 --json --quiet --set affect.social_gain=0.5 >"$WORK/gain.json" 2>"$WORK/stderr"
if jq -e --slurpfile base "$WORK/c3.json" '.claims[0].parts[1].estimate != $base[0].claims[0].parts[1].estimate' \
     "$WORK/gain.json" >/dev/null; then
  pass
else
  fail "--set affect.social_gain=0.5 left C3 unchanged: $(cat "$WORK/gain.json") $(cat "$WORK/stderr")"
fi
expect_fail set-unknown-key 3 "did you mean 'working_model.defensive_exclusion'" -- claims --only C3 --set working_model.defensiv_exclusion=0
expect_fail set-range 3 "expected a number in [0, 1]" -- claims --only C3 --set working_model.defensive_exclusion=3
expect_fail set-form 3 "not of the form key=value" -- claims --only C3 --set =3
expect_fail unknown-claim 2 "unknown claim 'C99'" -- claims --only C99
expect_fail one-replicate 2 "--replicates is '1'" -- claims --replicates 1
expect_fail missing-dir 3 "cannot open scenario file" -- claims --only C3 --scenarios "$WORK/nowhere"
finish
