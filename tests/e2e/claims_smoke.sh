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

expect_fail unknown-claim 2 "unknown claim 'C99'" -- claims --only C99
expect_fail one-replicate 2 "--replicates is '1'" -- claims --replicates 1
expect_fail missing-dir 3 "cannot open scenario file" -- claims --only C3 --scenarios "$WORK/nowhere"
finish
