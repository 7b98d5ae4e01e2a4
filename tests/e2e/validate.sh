#!/usr/bin/env bash
# attune validate and attune calibrate end to end, small and fast.
#  - validate: exit codes, the JSON shape (a row per part of T1-T5, a value or a note), the
#    table, bad arguments and an interruption; every event type of a run is documented;
#  - calibrate: a tiny rejection ABC (best fit, CSV, the database's fit tables), the same
#    contents after SIGKILL + resume as with --jobs 2, a new analysis that keeps the runs, a
#    target part without data, and bad calibration files (file, line, key, nearest key).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
check() { if eval "$2"; then pass; else fail "$1"; fi; }

# ---- attune validate ----
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet --threads 2 >v.json 2>v.err
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
  and (.targets[] | select(.id == \"T1.secure\") | .target == 0.516 and .tolerance == 0.05
       and .scale == \"linear\" and .low == 0.466 and .high == 0.566)
  and (.targets[] | select(.id == \"T3.coping_or\") | .scale == \"log\" and .low == 4
       and .high == 12)
  and (.targets[] | select(.id == \"T3.none\") | .passed == false
       and (.note | test(\"no adult born in the run\")))
  and .steady_state.steady == false and .steady_state.window_years == 0
  and ([.steady_state.indicators[].id] == [\"people\",\"distress_share\",\"wellbeing_mean\",
       \"coping_share\",\"adult_secure_share\",\"avoidance_mean\"])
  and all(.steady_state.indicators[]; .steady == false and .drift_per_decade == null
       and .replicates == 0 and (.note | test(\"fewer than 10 complete years\")))' v.json >/dev/null"
# The same seeds give the same numbers for any thread count. (Small runs use one thread:
# OpenMP's waiting threads slow them down on a busy machine.)
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet --threads 1 >v1.json
check "validate differs with --threads 1" "cmp -s v.json v1.json"
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --quiet --threads 1 >v.txt
check "table: $(cat v.txt)" "grep -q '^T1.secure' v.txt && grep -q 'parts passed' v.txt &&
  grep -q 'note: no adult born in the run' v.txt &&
  grep -q '^Steady state: not judged: runs of fewer than 10 complete years of 52 weeks' v.txt &&
  grep -Eq '^distress_share +- +- +- +[+]-0.02 +not judged$' v.txt &&
  grep -q 'the runs were too short to judge a steady state' v.txt"
# The exit code and "passed" count the steady state: a part that passes, shown alone, still
# exits 6 when the runs are too short to judge it.
part=$(jq -r '[.targets[] | select(.passed)][0].id // "none"' v.json)
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet --threads 1 \
  --only "$part" >alone.json
rc=$?
check "validate --only $part (passes) at 60 weeks: exit $rc, expected 6 (not steady)" \
  "[ '$part' != none ] && [ $rc -eq 6 ] &&
   jq -e '.passed == false and all(.targets[]; .passed) and .steady_state.steady == false' \
     alone.json >/dev/null"
# The steady state: 11 complete years give a window of the last 5; each replicate's drift is
# the least-squares slope of the yearly means of metrics.csv (weeks 52k+1 to 52k+52 make year
# k), a decade; the result is the mean over replicates. Recomputed here from attune run (the
# JSON has six significant digits).
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 574 --json --quiet --threads 1 >st.json
for seed in 1000 1001; do
  "$ATTUNE" run --set population.size=1000 --weeks 574 --seed $seed --threads 1 --quiet \
    --out "st$seed" >/dev/null || fail "attune run --seed $seed"
done
# drift COLUMN LOG: mean over both seeds of 10 x the slope over years 6-10; level COLUMN: mean
# over both seeds of the column's mean over those years.
level() {
  for seed in 1000 1001; do
    awk -F, -v col="$1" 'NR == 1 { for (c = 1; c <= NF; c++) if ($c == col) k = c }
      NR > 1 && $1 >= 313 && $1 <= 572 { s += $k } END { printf "%.12f\n", s / 260 }' \
      "st$seed/metrics.csv"
  done | awk '{ s += $1 } END { printf "%.12f", s / 2 }'
}
drift() {
  for seed in 1000 1001; do
    awk -F, -v col="$1" -v rel="$2" 'NR == 1 { for (c = 1; c <= NF; c++) if ($c == col) k = c }
      NR > 1 && $1 >= 313 && $1 <= 572 { y = int(($1 - 1) / 52) - 6; s[y] += $k }
      END { for (t = 0; t < 5; t++) { v = s[t] / 52; if (rel) v = log(v); sy += v; st += t }
            my = sy / 5; mt = st / 5
            for (t = 0; t < 5; t++) { v = s[t] / 52; if (rel) v = log(v)
              num += (t - mt) * (v - my); den += (t - mt) ^ 2 }
            printf "%.12f\n", 10 * num / den }' "st$seed/metrics.csv"
  done | awk '{ s += $1 } END { printf "%.12f", s / 2 }'
}
near() { # near GOT WANT: equal to the JSON's six significant digits
  awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; m = b < 0 ? -b : b
    exit !(a != "null" && d <= 1e-5 * m + 1e-9 && d >= -1e-5 * m - 1e-9) }'
}
for pair in people:1 distress_share:0 adult_secure_share:0; do
  col=${pair%:*}
  want=$(drift "$col" "${pair#*:}")
  got=$(jq -r ".steady_state.indicators[] | select(.id == \"$col\") | .drift_per_decade" st.json)
  check "steady state: $col drift $got, from metrics.csv $want" "near '$got' '$want'"
  want=$(level "$col")
  got=$(jq -r ".steady_state.indicators[] | select(.id == \"$col\") | .level" st.json)
  check "steady state: $col level $got, from metrics.csv $want" "near '$got' '$want'"
done
check "steady state window: $(jq -c '.steady_state | del(.indicators)' st.json)" \
  "jq -e '.steady_state.window_years == 5 and all(.steady_state.indicators[]; .replicates == 2
    and (.steady == (.ci[0] >= -.tolerance and .ci[1] <= .tolerance)))' st.json >/dev/null"
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 574 --quiet --threads 1 >st.txt
check "steady state table: $(tail -n 9 st.txt)" "grep -q '^Steady state: drift a decade' st.txt &&
  grep -Eq '^distress_share +[0-9.]+ +[-+][0-9.]+ ' st.txt && grep -q 'indicators steady' st.txt"

# A scenario file and --set apply like attune run's.
printf '[population]\nsize = 1000\n' >small.ini
"$ATTUNE" validate small.ini --replicates 2 --weeks 60 --json --quiet --threads 1 \
  --set interaction.noise=0.3 >s.json
check "validate SCENARIO --set: $(head -c 200 s.json)" "jq -e '.population == 1000' s.json >/dev/null"

# --only prints and judges the parts named; --seed moves the seeds (and so the numbers).
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet --threads 1 \
  --only T4,T1.secure >only.json
check "validate --only: $(head -c 300 only.json)" "jq -e '[.targets[].id] ==
  [\"T1.secure\",\"T4.session8\",\"T4.session26\"] and .first_seed == 1000' only.json >/dev/null &&
  [ \"\$(jq -c '.targets[0]' only.json)\" = \"\$(jq -c '.targets[0]' v1.json)\" ]"
"$ATTUNE" validate --replicates 2 --size 1000 --weeks 60 --json --quiet --threads 1 \
  --seed 7 --only T4 >seed.json
check "validate --seed: $(head -c 300 seed.json)" "jq -e '.first_seed == 7' seed.json >/dev/null &&
  ! cmp -s <(jq -c '.targets' seed.json) <(jq -c '[.targets[] | select(.target_id == \"T4\")]' v1.json)"
expect_fail validate-bad-only 2 "--only names 'T9'" -- validate --only T1,T9
expect_fail validate-bad-seed 2 "--seed is '-1'" -- validate --seed -1
expect_fail validate-one-replicate 2 "--replicates is '1'" -- validate --replicates 1
expect_fail validate-bad-weeks 2 "--weeks is '0'" -- validate --weeks 0
expect_fail validate-unknown-option 2 "unknown option '--jsn'" -- validate --jsn
expect_fail validate-bad-set 3 "did you mean 'interaction.noise'?" -- \
  validate --set interaction.nosie=0.3 --weeks 2
expect_fail validate-bad-size 3 "population.size is 10, out of range" -- validate --size 10
expect_fail validate-missing-scenario 3 "nowhere.ini" -- validate nowhere.ini
expect_fail validate-two-scenarios 2 "more than one scenario" -- validate a.ini b.ini

# Interrupted: exit 130, nothing printed on stdout.
"$ATTUNE" validate --replicates 2 --size 5000 --weeks 2000 --json --quiet --threads 1 >int.json 2>int.err &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit $rc, expected 130: $(cat int.err)" "[ $rc -eq 130 ] && [ ! -s int.json ]"

# ---- What the targets are read from is documented: every event type of a run ----
"$ATTUNE" run --set population.size=1000 --weeks 120 --threads 1 --quiet --out run >/dev/null ||
  fail "attune run"
for type in $(tail -n +2 run/events.csv | cut -d, -f2 | sort -u); do
  check "event type $type is not in the events table of docs/outputs.md" \
    "grep -q '^| $type |' '$SRC/docs/outputs.md'"
done

# ---- attune calibrate ----
printf '%s\n' '[calibrate]' 'samples = 8' 'seed = 3' 'size = 1000' 'weeks = 60' 'targets = T2' \
  'accept = 0.25' '' '[vary caregiving.inconsistency_gain]' 'min = 0.2' 'max = 1.2' '' \
  '[vary working_model.fright_gain]' 'min = 1' 'max = 5' >cal.ini
"$ATTUNE" calibrate cal.ini --out a.sqlite --jobs 2 >fit.txt 2>fit.err
rc=$?
check "calibrate exit $rc: $(cat fit.err)" "[ $rc -eq 0 ]"
check "best fit printed: $(cat fit.txt)" "grep -q '^best fit: point [0-9]' fit.txt &&
  grep -q '^  caregiving.inconsistency_gain = ' fit.txt && grep -q '^  T2.dismissing ' fit.txt &&
  grep -q '^8 of 8 points scored; 2 accepted' fit.txt"
header='rank,point_id,distance,replicates,caregiving.inconsistency_gain,working_model.fright_gain,T2.secure,T2.dismissing,T2.preoccupied'
check "CSV: $(cat a-accepted.csv)" "[ \"\$(head -n 1 a-accepted.csv)\" = '$header' ] &&
  [ \$(wc -l <a-accepted.csv) -eq 3 ] && grep -q '^1,' a-accepted.csv"
tables=$(sqlite3 a.sqlite "SELECT count(*) FROM fit; SELECT count(*) FROM fit_parts;
  SELECT count(*) FROM accepted; SELECT count(*) FROM run_targets;
  SELECT value FROM sweep WHERE key = 'kind'; SELECT value FROM calibration WHERE key = 'targets'" |
  tr '\n' ' ')
check "database tables: $tables" \
  "[ '$tables' = '8 24 2 104 calibration T2.secure,T2.dismissing,T2.preoccupied ' ]"
best=$(sqlite3 a.sqlite "SELECT point_id FROM accepted WHERE rank = 1")
check "best point $best not the one printed" "grep -q '^best fit: point $best,' fit.txt"

# What a calibration stores, without the columns that say when and where a run ran.
dump() {
  sqlite3 "$1" "SELECT * FROM points ORDER BY point_id;
    SELECT run_id, point_id, replicate, seed, status FROM runs ORDER BY run_id;
    SELECT * FROM run_targets ORDER BY run_id, part; SELECT * FROM fit ORDER BY point_id;
    SELECT * FROM fit_parts ORDER BY point_id, part;
    SELECT * FROM calibration WHERE key != 'analysed_at' ORDER BY key"
}
done_runs() {
  [ -s "$1" ] || { echo 0; return; }
  sqlite3 -readonly "$1" "SELECT count(*) FROM runs WHERE status='done'" 2>/dev/null || echo 0
}
"$ATTUNE" calibrate cal.ini --out k.sqlite --threads 1 --quiet >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 3000); do [ "$(done_runs k.sqlite)" -ge 2 ] 2>/dev/null && break; sleep 0.02; done
kill -9 $pid
wait $pid 2>/dev/null
n=$(done_runs k.sqlite)
check "after SIGKILL $n of 8 runs were done (expected some, not all)" "[ $n -ge 2 ] && [ $n -lt 8 ]"
"$ATTUNE" calibrate cal.ini --out k.sqlite --threads 1 >/dev/null 2>resume.err ||
  fail "resume after SIGKILL: $(cat resume.err)"
check "resume did not say what it skipped: $(head -n 1 resume.err)" \
  "grep -q '$n done, $((8 - n)) to run' resume.err"
dump a.sqlite >a.dump
check "SIGKILL + resume differs from --jobs 2" "dump k.sqlite | cmp -s - a.dump"

# Only the acceptance changes: the runs are kept and analysed again.
sed 's/^accept = 0.25/epsilon = 100/' cal.ini >cal2.ini
"$ATTUNE" calibrate cal2.ini --out a.sqlite --csv all.csv >fit2.txt 2>fit2.err
check "a new analysis ran runs again: $(cat fit2.err)" "grep -q '8 done, 0 to run' fit2.err"
check "epsilon accepts all 8: $(head -n 1 fit2.txt)" \
  "grep -q '^8 of 8 points scored; 8 accepted (epsilon = 100' fit2.txt && [ \$(wc -l <all.csv) -eq 9 ]"
# An epsilon no point meets: none accepted, and the nearest distance is said (not "nan").
sed 's/^accept = 0.25/epsilon = 0.000001/' cal.ini >cal5.ini
"$ATTUNE" calibrate cal5.ini --out a.sqlite --csv none.csv >fit5.txt 2>fit5.err
check "a tiny epsilon: $(head -n 1 fit5.txt)" \
  "grep -q '^8 of 8 points scored; 0 accepted (epsilon = 1e-06: none is within it; the nearest is at distance [0-9]' fit5.txt"
# A range changed: another calibration, refused without --force.
sed 's/^max = 5/max = 6/' cal.ini >cal3.ini
expect_fail calibrate-other-db 4 "a.sqlite: holds another sweep" -- calibrate cal3.ini --out a.sqlite
# A part without data in any run: nobody born in 60 weeks is an adult.
sed 's/^targets = T2/targets = T2, T3.none/' cal.ini >cal4.ini
"$ATTUNE" calibrate cal4.ini --out a.sqlite --jobs 2 --quiet >/dev/null 2>t3.err
rc=$?
check "T3 without data: exit $rc, $(cat t3.err)" "[ $rc -eq 6 ] &&
  grep -q 'no point could be scored: T3.none has no value in any run' t3.err"

bad() { # bad NAME CODE MESSAGE_PART -- calibration file text
  local name=$1 code=$2 part=$3
  printf '%b' "$5" >"$name.ini"
  expect_fail "$name" "$code" "$part" -- calibrate "$name.ini" --out "out-$name"
}
V='[vary contact.friend]\nmin = 0.1\nmax = 0.5\n'
bad cal-unknown-key 3 "cal-unknown-key.ini:3: unknown key 'targest' in [calibrate]; did you mean 'targets'?" -- \
  "[calibrate]\nsamples = 4\ntargest = T1\n$V"
bad cal-unknown-target 3 "cal-unknown-target.ini:3: unknown target 'T1.secur'" -- \
  "[calibrate]\nsamples = 4\ntargets = T2, T1.secur\n$V"
bad cal-target-suggestion 3 "did you mean 'T1.secure'?" -- \
  "[calibrate]\nsamples = 4\ntargets = T1.secur\n$V"
bad cal-no-targets 3 "cal-no-targets.ini:1: [calibrate] needs targets" -- "[calibrate]\nsamples = 4\n$V"
bad cal-twice 3 "cal-twice.ini:2: targets names T1.secure twice" -- \
  "[calibrate]\ntargets = T1, T1.secure\nsamples = 4\n$V"
bad cal-accept-epsilon 3 "give accept (a share of the points) or epsilon (a distance), not both" -- \
  "[calibrate]\nsamples = 4\ntargets = T1\naccept = 0.1\nepsilon = 1\n$V"
bad cal-accept-range 3 "cal-accept-range.ini:4: accept is 2, outside its range (0, 1]" -- \
  "[calibrate]\nsamples = 4\ntargets = T1\naccept = 2\n$V"
bad cal-morris 3 "design is 'morris'; a calibration samples with grid, lhs or sobol" -- \
  "[calibrate]\ndesign = morris\nsamples = 4\ntargets = T1\n$V"
bad cal-size 3 "cal-size.ini:4: size in [calibrate]: population.size is 10, out of range" -- \
  "[calibrate]\nsamples = 4\ntargets = T1\nsize = 10\n$V"
bad cal-size-twice 3 "population.size in [set] and size in [calibrate] (line 4) set the same parameter" -- \
  "[calibrate]\nsamples = 4\ntargets = T1\nsize = 1000\n[set]\npopulation.size = 2000\n$V"
bad cal-param 3 "cal-param.ini:5: min of [vary contact.frend]: unknown parameter 'contact.frend'; did you mean 'contact.friend'?" -- \
  "[calibrate]\nsamples = 4\ntargets = T1\n[vary contact.frend]\nmin = 0.1\nmax = 0.5\n"
bad cal-sweep-file 3 "cal-sweep-file.ini:1: [sweep] makes this a sweep file: run it with attune sweep" -- \
  "[sweep]\ndesign = lhs\nsamples = 4\n$V"
bad cal-section 3 "unknown section [calibrat]; a calibration file has [calibrate], [set] and [vary KEY]; did you mean [calibrate]?" -- \
  "[calibrat]\nsamples = 4\n"
expect_fail sweep-calibration-file 3 "cal.ini:1: [calibrate] makes this a calibration file: run it with attune calibrate" -- \
  sweep cal.ini --out out-s
expect_fail calibrate-missing 3 "nowhere.ini: cannot open calibration file" -- calibrate nowhere.ini
expect_fail calibrate-no-file 2 "missing the calibration file" -- calibrate
expect_fail calibrate-bad-jobs 2 "--jobs needs a whole number from 1 to 1024" -- calibrate cal.ini --jobs 0

finish
