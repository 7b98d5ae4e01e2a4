#!/usr/bin/env bash
# attune validate end to end, small and fast: exit codes, the JSON shape (a row per part of
# T1-T5, a value or a note), the table, bad arguments and an interruption.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
check() { if eval "$2"; then pass; else fail "$1"; fi; }

# ---- attune validate ----
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet >v.json 2>v.err
rc=$?
# 60 weeks hold no adult born in the run: T3 has no value, so a part fails (exit 6).
check "validate exit $rc, expected 6: $(cat v.err)" "[ $rc -eq 6 ]"
check "JSON shape: $(head -c 600 v.json)" "[ -s v.json ] && jq -e '
  (.targets | length) == 13 and .replicates == 2 and .weeks == 60 and .population == 1000
  and (.passed | type) == \"boolean\"
  and ([.targets[].id] == [\"T1.secure\",\"T1.avoidant\",\"T1.resistant\",\"T1.disorganized\",
       \"T2.secure\",\"T2.dismissing\",\"T2.preoccupied\",\"T3.none\",\"T3.four_plus\",
       \"T3.coping_or\",\"T4.session8\",\"T4.session26\",\"T5.alliance\"])
  and all(.targets[]; (.passed | type) == \"boolean\" and (.target | type) == \"number\"
       and (.tolerance | type) == \"number\" and (.ci | length) == 2
       and (.target_id | test(\"^T[1-5]$\")) and (.note | type) == \"string\"
       and ((.simulated == null) == (.replicates == 0))
       and (.simulated != null or (.note | length) > 0 and .passed == false))
  and (.targets[] | select(.id == \"T1.secure\") | .target == 0.516 and .tolerance == 0.05)
  and (.targets[] | select(.id == \"T3.none\") | .passed == false
       and (.note | test(\"no adult born in the run\")))' v.json >/dev/null"
# The same seeds give the same numbers for any thread count.
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet --threads 1 >v1.json
check "validate differs with --threads 1" "cmp -s v.json v1.json"
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --quiet >v.txt
check "table: $(cat v.txt)" "grep -q '^T1.secure' v.txt && grep -q 'parts passed' v.txt &&
  grep -q 'note: no adult born in the run' v.txt"
# A scenario file and --set apply like attune run's.
printf '[population]\nsize = 1000\n' >small.ini
"$ATTUNE" validate small.ini --replicates 2 --weeks 60 --json --quiet \
  --set interaction.noise=0.3 >s.json
check "validate SCENARIO --set: $(head -c 200 s.json)" "jq -e '.population == 1000' s.json >/dev/null"

expect_fail validate-one-replicate 2 "--replicates is '1'" -- validate --replicates 1
expect_fail validate-bad-weeks 2 "--weeks is '0'" -- validate --weeks 0
expect_fail validate-unknown-option 2 "unknown option '--jsn'" -- validate --jsn
expect_fail validate-bad-set 3 "did you mean 'interaction.noise'?" -- \
  validate --set interaction.nosie=0.3 --weeks 2
expect_fail validate-bad-size 3 "population.size is 10, out of range" -- validate --size 10
expect_fail validate-missing-scenario 3 "nowhere.ini" -- validate nowhere.ini
expect_fail validate-two-scenarios 2 "more than one scenario" -- validate a.ini b.ini

# Interrupted: exit 130, nothing printed on stdout.
"$ATTUNE" validate --replicates 2 --size 5000 --weeks 2000 --json --quiet >int.json 2>int.err &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit $rc, expected 130: $(cat int.err)" "[ $rc -eq 130 ] && [ ! -s int.json ]"

finish
