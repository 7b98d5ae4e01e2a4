#!/usr/bin/env bash
# attune sweep and attune sensitivity end to end:
#  - Sobol indices of the Ishigami function recovered within their bootstrap intervals;
#  - Morris screening runs and writes its CSV;
#  - the same database contents, run for run, serially, with --jobs 2, with other thread
#    counts and under `mpirun -np 2` (oversubscribed);
#  - a sweep killed with SIGKILL or SIGINT resumes: every run present once, the same contents
#    as an uninterrupted sweep;
#  - bad sweep files and commands: exit code and one message naming file, line and key.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
SW=$SRC/tests/data/sweeps
# Open MPI refuses root unless told, as in CI containers; leak checks stop at MPI's own allocations.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1

# The database's contents without the columns that say when and where a run ran.
dump() {
  sqlite3 "$1" "SELECT key, value FROM sweep WHERE key NOT IN ('created_at') ORDER BY key;
    SELECT * FROM factors ORDER BY factor_id; SELECT * FROM points ORDER BY point_id;
    SELECT run_id, point_id, replicate, seed, status, error, weeks FROM runs ORDER BY run_id;
    SELECT * FROM weekly ORDER BY run_id, week; SELECT * FROM summary ORDER BY run_id, metric;"
}
check() { if eval "$2"; then pass; else fail "$1"; fi; }

# ---- Sobol indices of a function with known indices ----
"$ATTUNE" sweep "$SRC/scenarios/sweeps/ishigami-sobol.ini" --out ish.sqlite --quiet >/dev/null ||
  fail "ishigami sweep"
"$ATTUNE" sensitivity ish.sqlite --metric y --csv ish.csv >ish.txt || fail "sensitivity (sobol)"
# factor,first,first_low,first_high,total,total_low,total_high,samples
while IFS=, read -r factor s1 known_total; do
  line=$(grep "^$factor," ish.csv)
  check "S1 of $factor ($s1) outside [$(echo "$line" | cut -d, -f3,4)]" \
    "echo '$line' | awk -F, -v k=$s1 '{exit !(\$3 <= k && k <= \$4)}'"
  check "ST of $factor ($known_total) outside [$(echo "$line" | cut -d, -f6,7)]" \
    "echo '$line' | awk -F, -v k=$known_total '{exit !(\$6 <= k && k <= \$7)}'"
done <<'EOF'
x1,0.3139,0.5576
x2,0.4424,0.4424
x3,0,0.2437
EOF
echo "ok: Ishigami indices: $(tail -n 3 ish.csv | tr '\n' ' ')"
# S1 does not depend on the output's level: y + 100 gives the same indices and intervals.
cp ish.sqlite ish100.sqlite
sqlite3 ish100.sqlite "UPDATE summary SET final = final + 100, mean_last_year = mean_last_year + 100"
"$ATTUNE" sensitivity ish100.sqlite --metric y --csv ish100.csv >/dev/null || fail "sensitivity (y + 100)"
check "S1 moved with the output's level: $(tail -n 3 ish100.csv | tr '\n' ' ')" \
  "paste -d, ish.csv ish100.csv | tail -n 3 | awk -F, '{for (c = 2; c <= 4; c++) if (\$c - \$(c + 8) > 1e-6 || \$(c + 8) - \$c > 1e-6) exit 1}'"
# A base sample counts only with every replicate of its points done (common random numbers).
printf '[sweep]\nmodel = ishigami\ndesign = sobol\nsamples = 64\nseed = 3\n[vary x1]\nmin = -3\nmax = 3\n[vary x2]\nmin = -3\nmax = 3\n[vary x3]\nmin = -3\nmax = 3\n' >rep2.ini
"$ATTUNE" sweep rep2.ini --replicates 2 --out rep2.sqlite --quiet >/dev/null || fail "sweep --replicates 2"
sqlite3 rep2.sqlite "UPDATE runs SET status = 'failed' WHERE point_id IN (0, 5) AND replicate = 1"
"$ATTUNE" sensitivity rep2.sqlite --metric y >rep2.txt || fail "sensitivity with a missing replicate"
check "a base sample with a replicate missing was used: $(head -n 1 rep2.txt)" \
  "grep -q '62 base samples used, 2 incomplete' rep2.txt"

# A grid of the test function by min, max and levels, with many levels: every value is stored.
printf '[sweep]\nmodel = ishigami\ndesign = grid\n[vary x1]\nmin = 0\nmax = 1\nlevels = 300\n[vary x2]\nvalues = 0\n[vary x3]\nvalues = 0\n' >levels.ini
"$ATTUNE" sweep levels.ini --out levels.sqlite --quiet >/dev/null 2>levels.err || fail "a grid by levels of the test function: $(cat levels.err)"
check "300 levels: $(sqlite3 levels.sqlite "SELECT count(*) FROM runs WHERE status = 'done'") runs" \
  "[ \$(sqlite3 levels.sqlite \"SELECT count(*) FROM runs WHERE status = 'done'\") -eq 300 ]"
check "factors.grid_values cut short: ...$(sqlite3 levels.sqlite "SELECT substr(grid_values, -30) FROM factors WHERE name = 'x1'")" \
  "sqlite3 levels.sqlite \"SELECT grid_values FROM factors WHERE name = 'x1'\" | awk -F, '{exit !(NF == 300 && \$NF == 1)}'"

# ---- Morris ----
"$ATTUNE" sweep "$SW/morris-ishigami.ini" --out morris.sqlite --quiet >/dev/null || fail "morris sweep"
"$ATTUNE" sensitivity morris.sqlite --metric y --csv morris.csv >/dev/null || fail "sensitivity (morris)"
check "morris CSV: $(cat morris.csv)" "[ \$(grep -c '^x[123],[0-9]' morris.csv) -eq 3 ]"

# ---- The same contents for any jobs, threads and ranks ----
"$ATTUNE" sweep "$SW/resume-grid.ini" --out serial.sqlite --threads 1 --quiet >/dev/null ||
  fail "serial sweep"
dump serial.sqlite >serial.dump
check "serial sweep recorded $(sqlite3 serial.sqlite "SELECT count(*) FROM runs WHERE status='done'") of 36 runs" \
  "[ \$(sqlite3 serial.sqlite \"SELECT count(*) FROM runs WHERE status='done'\") -eq 36 ]"
check "weekly rows" "[ \$(sqlite3 serial.sqlite 'SELECT count(*) FROM weekly') -eq $((36 * 31)) ]"
"$ATTUNE" sweep "$SW/resume-grid.ini" --out jobs.sqlite --jobs 2 --threads 2 --quiet >/dev/null ||
  fail "sweep --jobs 2"
check "--jobs 2 --threads 2 differs from the serial sweep" "dump jobs.sqlite | cmp -s - serial.dump"
if command -v mpirun >/dev/null; then
  ASAN_OPTIONS=detect_leaks=0 mpirun --oversubscribe -np 2 "$ATTUNE" sweep "$SW/resume-grid.ini" \
    --out mpi.sqlite --quiet >/dev/null 2>mpi.err || fail "mpirun -np 2: $(cat mpi.err)"
  check "mpirun -np 2 differs from the serial sweep" "dump mpi.sqlite | cmp -s - serial.dump"
  check "mpirun -np 2 used both ranks" \
    "[ \$(sqlite3 mpi.sqlite 'SELECT count(DISTINCT rank) FROM runs') -eq 2 ]"
  # Ranks that read different files at the same path (here, other working directories) are
  # refused, and a rank that cannot read its file ends them all instead of leaving rank 0
  # waiting for it.
  mkdir -p r0 r1
  cp "$SW/resume-grid.ini" r0/g.ini
  sed 's/^seed = 21/seed = 22/' "$SW/resume-grid.ini" >r1/g.ini
  printf '[sweep]\ndesign = grid\n' >r1/bad.ini
  cp "$SW/resume-grid.ini" r0/bad.ini
  for name in g bad; do
    ASAN_OPTIONS=detect_leaks=0 timeout 300 mpirun --oversubscribe -np 1 --wdir "$WORK/r0" "$ATTUNE" \
      sweep $name.ini --out "$WORK/r0/$name.sqlite" --quiet : -np 1 --wdir "$WORK/r1" "$ATTUNE" \
      sweep $name.ini --out "$WORK/r0/$name.sqlite" --quiet >/dev/null 2>mpi-$name.err
    rc=$?
    check "mpirun with rank 1 on another file ($name): exit $rc, expected 3 (124: it hung)" "[ $rc -eq 3 ]"
  done
  check "the ranks' different sweeps were not named: $(head -n 2 mpi-g.err)" \
    "grep -q 'rank 1 loaded another sweep than rank 0' mpi-g.err"
  check "the rank that could not read its file was not named: $(head -n 2 mpi-bad.err)" \
    "grep -q 'rank 1: attune: bad.ini: nothing is varied' mpi-bad.err"
else
  fail "mpirun not found (scripts/setup.sh installs openmpi-bin)"
fi

# ---- Kill and resume ----
done_runs() { [ -s "$1" ] || { echo 0; return; }; sqlite3 -readonly "$1" "SELECT count(*) FROM runs WHERE status='done'" 2>/dev/null || echo 0; }
wait_done() { # wait_done DB N: until N runs are recorded
  for _ in $(seq 1 1500); do [ "$(done_runs "$1")" -ge "$2" ] 2>/dev/null && return 0; sleep 0.02; done
  return 1
}
"$ATTUNE" sweep "$SW/resume-grid.ini" --out killed.sqlite --threads 1 --quiet >/dev/null 2>&1 &
pid=$!
wait_done killed.sqlite 3 || fail "the sweep recorded no runs"
kill -9 $pid
wait $pid 2>/dev/null
n=$(done_runs killed.sqlite)
check "after SIGKILL $n of 36 runs were done (expected some, not all)" "[ $n -ge 3 ] && [ $n -lt 36 ]"
"$ATTUNE" sweep "$SW/resume-grid.ini" --out killed.sqlite --threads 1 >/dev/null 2>resume.err ||
  fail "resume after SIGKILL: $(cat resume.err)"
check "resume did not say what it skipped: $(head -n 1 resume.err)" "grep -q '$n done, $((36 - n)) to run' resume.err"
check "SIGKILL + resume differs from the uninterrupted sweep" "dump killed.sqlite | cmp -s - serial.dump"

"$ATTUNE" sweep "$SW/resume-grid.ini" --out int.sqlite --threads 1 --quiet >/dev/null 2>int.err &
pid=$!
wait_done int.sqlite 2 || fail "the sweep recorded no runs"
kill -INT $pid
wait $pid
rc=$?
check "SIGINT: exit $rc, expected 130" "[ $rc -eq 130 ]"
check "SIGINT message: $(cat int.err)" "grep -q 'Run the same command again to resume' int.err"
check "SIGINT recorded a run cut short as failed" \
  "[ \$(sqlite3 int.sqlite \"SELECT count(*) FROM runs WHERE status='failed'\") -eq 0 ]"
"$ATTUNE" sweep "$SW/resume-grid.ini" --out int.sqlite --threads 2 --quiet >/dev/null ||
  fail "resume after SIGINT"
check "SIGINT + resume differs from the uninterrupted sweep" "dump int.sqlite | cmp -s - serial.dump"
"$ATTUNE" sweep "$SW/resume-grid.ini" --out int.sqlite --quiet >/dev/null 2>again.err
check "a finished sweep run again changes nothing" "dump int.sqlite | cmp -s - serial.dump"

# A database made by another build of attune is not resumed (its runs and this build's would mix
# two versions of the model), unless --allow-other-build, which records the resuming build.
build=$(sqlite3 serial.sqlite "SELECT value FROM sweep WHERE key = 'build'")
check "the database does not record its build: '$build'" "echo '$build' | grep -Eq '^[0-9a-f]{16}$'"
cp serial.sqlite other.sqlite
sqlite3 other.sqlite "UPDATE runs SET status = 'pending' WHERE run_id >= 30;
  UPDATE sweep SET value = '0123456789abcdef' WHERE key = 'build'"
expect_fail sweep-other-build 4 "other.sqlite: was made by another build of attune (build 0123456789abcdef; this is build $build)" -- \
  sweep "$SW/resume-grid.ini" --out other.sqlite --quiet
cp other.sqlite unrecorded.sqlite
sqlite3 unrecorded.sqlite "DELETE FROM sweep WHERE key = 'build'"
expect_fail sweep-unrecorded-build 4 "unrecorded.sqlite: was made by another build of attune (a build that did not record itself; this is build $build)" -- \
  sweep "$SW/resume-grid.ini" --out unrecorded.sqlite --quiet
check "a refused resume ran runs" \
  "[ \$(sqlite3 other.sqlite \"SELECT count(*) FROM runs WHERE status = 'done'\") -eq 30 ]"
"$ATTUNE" sweep "$SW/resume-grid.ini" --out other.sqlite --allow-other-build --quiet >/dev/null \
  2>other.err || fail "--allow-other-build: $(cat other.err)"
check "--allow-other-build did not resume: $(sqlite3 other.sqlite "SELECT count(*) FROM runs WHERE status = 'done'") done" \
  "[ \$(sqlite3 other.sqlite \"SELECT count(*) FROM runs WHERE status = 'done'\") -eq 36 ]"
check "--allow-other-build did not record the resuming build: $(sqlite3 other.sqlite "SELECT value FROM sweep WHERE key = 'other_builds'")" \
  "[ \"\$(sqlite3 other.sqlite \"SELECT value FROM sweep WHERE key = 'other_builds'\")\" = $build ]"

# A killed sweep leaves its write-ahead log: a new sweep forced onto the same database must not
# have it replayed onto the new file.
"$ATTUNE" sweep "$SW/resume-grid.ini" --out wal.sqlite --threads 1 --quiet >/dev/null 2>&1 &
pid=$!
wait_done wal.sqlite 3 || fail "the sweep recorded no runs"
kill -9 $pid
wait $pid 2>/dev/null
"$ATTUNE" sweep "$SRC/scenarios/sweeps/ishigami-sobol.ini" --out wal.sqlite --force --quiet \
  >/dev/null 2>wal.err || fail "a sweep forced onto a killed sweep's database: $(cat wal.err)"
check "the forced database is not intact: $(sqlite3 wal.sqlite 'PRAGMA integrity_check' | head -n 2)" \
  "[ \"\$(sqlite3 wal.sqlite 'PRAGMA integrity_check')\" = ok ]"
check "the forced database holds runs of the killed sweep" \
  "[ \$(sqlite3 wal.sqlite 'SELECT count(*) FROM runs') -eq \$(sqlite3 ish.sqlite 'SELECT count(*) FROM runs') ]"

# ---- Bad input ----
bad() { # bad NAME CODE MESSAGE_PART -- sweep file text
  local name=$1 code=$2 part=$3
  printf '%b' "$5" >"$name.ini"
  expect_fail "$name" "$code" "$part" -- sweep "$name.ini" --out "out-$name"
}
BASE='[sweep]\ndesign = grid\n[set]\npopulation.size = 1000\nrun.weeks = 2\n'
bad sweep-unknown-key 3 "sweep-unknown-key.ini:2: unknown key 'desing' in [sweep]; did you mean 'design'?" -- \
  '[sweep]\ndesing = grid\n'
bad sweep-unknown-param 3 "sweep-unknown-param.ini:7: min of [vary interaction.capacity_gian]: unknown parameter" -- \
  "$BASE[vary interaction.capacity_gian]\nmin = 0.1\nmax = 0.5\nlevels = 2\n"
bad sweep-param-suggestion 3 "did you mean 'interaction.capacity_gain'?" -- \
  "$BASE[vary interaction.capacity_gian]\nmin = 0.1\nmax = 0.5\nlevels = 2\n"
bad sweep-out-of-range 3 "sweep-out-of-range.ini:8: max of [vary contact.friend]: contact.friend is 1.5, out of range; expected a number in [0, 1]" -- \
  "$BASE[vary contact.friend]\nmin = 0.1\nmax = 1.5\nlevels = 2\n"
bad sweep-no-design 3 "sweep-no-design.ini: [sweep] needs design = grid, lhs, sobol or morris" -- \
  '[sweep]\nseed = 2\n[vary contact.friend]\nvalues = 0.1, 0.2\n'
bad sweep-bad-design 3 "sweep-bad-design.ini:2: design is 'sobl', not one of: grid, lhs, sobol, morris; did you mean 'sobol'?" -- \
  '[sweep]\ndesign = sobl\n'
bad sweep-no-samples 3 "sweep-no-samples.ini:2: design = sobol needs samples = N" -- \
  '[sweep]\ndesign = sobol\n[vary contact.friend]\nmin = 0.1\nmax = 0.5\n'
bad sweep-values-lhs 3 "sweep-values-lhs.ini:5: values is for grid designs" -- \
  '[sweep]\ndesign = lhs\nsamples = 4\n[vary contact.friend]\nvalues = 0.1, 0.5\n'
bad sweep-odd-levels 3 "sweep-odd-levels.ini:4: levels is 5; Morris designs need an even number of levels" -- \
  '[sweep]\ndesign = morris\nsamples = 4\nlevels = 5\n[vary contact.friend]\nmin = 0.1\nmax = 0.5\n'
bad sweep-duplicate 3 "sweep-duplicate.ini:3: duplicate key 'design' in [sweep] (first set on line 2)" -- \
  '[sweep]\ndesign = grid\ndesign = lhs\n'
bad sweep-vary-twice 3 "sweep-vary-twice.ini:5: [vary contact.friend] appears twice (first on line 3)" -- \
  '[sweep]\ndesign = grid\n[vary contact.friend]\nvalues = 0.1\n[vary contact.friend]\nvalues = 0.2\n'
bad sweep-nothing-varied 3 "nothing is varied" -- '[sweep]\ndesign = grid\n'
bad sweep-vary-seed 3 "sweep-vary-seed.ini:3: run.seed is set for each replicate from the sweep's seed" -- \
  '[sweep]\ndesign = grid\n[vary run.seed]\nvalues = 1, 2\n'
bad sweep-set-seed 3 "sweep-set-seed.ini:4: [set] run.seed would be replaced" -- \
  '[sweep]\ndesign = grid\n[set]\nrun.seed = 4\n[vary contact.friend]\nvalues = 0.1\n'
bad sweep-min-max 3 "sweep-min-max.ini:8: max (0.1) of [vary contact.friend] must be greater than min (0.5)" -- \
  "$BASE[vary contact.friend]\nmin = 0.5\nmax = 0.1\nlevels = 2\n"
bad sweep-log-zero 3 "scale = log needs min > 0" -- \
  "$BASE[vary contact.friend]\nmin = 0\nmax = 0.5\nlevels = 2\nscale = log\n"
bad sweep-set-bad 3 "sweep-set-bad.ini:4: [set] population.size is 10, out of range; expected an integer in [1000, 200000000]" -- \
  '[sweep]\ndesign = grid\n[set]\npopulation.size = 10\n[vary contact.friend]\nvalues = 0.1\n'
bad sweep-set-and-vary 3 "contact.friend is varied here and fixed in [set] on line 4" -- \
  '[sweep]\ndesign = grid\n[set]\ncontact.friend = 0.2\n[vary contact.friend]\nvalues = 0.1\n'
bad sweep-bad-scenario 3 "sweep-bad-scenario.ini:3: cannot read the base scenario" -- \
  '[sweep]\ndesign = grid\nscenario = nowhere.ini\n[vary contact.friend]\nvalues = 0.1\n'
bad sweep-unknown-section 3 "sweep-unknown-section.ini:3: unknown section [vari contact.friend]" -- \
  '[sweep]\ndesign = grid\n[vari contact.friend]\nvalues = 0.1\n'
bad sweep-bad-number 3 "sweep-bad-number.ini:4: values holds 'abc', which is not a finite number" -- \
  '[sweep]\ndesign = grid\n[vary contact.friend]\nvalues = 0.1, abc\n'
bad sweep-int-levels 3 "sweep-int-levels.ini:6: levels = 4 of [vary network.tie_slack] give 1 twice: network.tie_slack is an integer parameter and [0, 2] holds 3 whole numbers" -- \
  '[sweep]\ndesign = grid\n[vary network.tie_slack]\nmin = 0\nmax = 2\nlevels = 4\n'
bad sweep-syntax 3 "sweep-syntax.ini:2: cannot read 'this is not ini'" -- '[sweep]\nthis is not ini\n'
bad sweep-ishigami-scenario 3 "model = ishigami evaluates a test function" -- \
  '[sweep]\nmodel = ishigami\ndesign = lhs\nsamples = 4\nscenario = x.ini\n'
bad sweep-too-many 3 "at most 1000000 points" -- \
  '[sweep]\ndesign = lhs\nsamples = 1000000\nreplicates = 20\n[vary contact.friend]\nmin = 0.1\nmax = 0.5\n'
printf '\0binary' >binary.ini
expect_fail sweep-binary 3 "binary.ini:1: binary data (a NUL byte)" -- sweep binary.ini --out out-b
expect_fail sweep-missing-file 3 "nowhere.ini: cannot open sweep file" -- sweep nowhere.ini --out out-m
expect_fail sweep-no-file 2 "missing the sweep file" -- sweep
expect_fail sweep-bad-jobs 2 "--jobs needs a whole number from 1 to 1024" -- sweep x.ini --jobs 0
expect_fail sweep-other-db 4 "serial.sqlite: holds another sweep" -- \
  sweep "$SW/morris-ishigami.ini" --out serial.sqlite
echo "not a database" >junk.sqlite
expect_fail sweep-not-db 4 "junk.sqlite: exists and is not a sweep database" -- \
  sweep "$SW/morris-ishigami.ini" --out junk.sqlite
expect_fail sensitivity-grid 2 "the sweep's design is grid: sensitivity indices need a sobol or morris design" -- \
  sensitivity serial.sqlite --metric wellbeing_mean
expect_fail sensitivity-metric 3 "unknown metric 'y2'; did you mean 'y'?" -- \
  sensitivity ish.sqlite --metric y2
expect_fail sensitivity-no-metric 2 "missing --metric NAME" -- sensitivity ish.sqlite
expect_fail sensitivity-no-db 4 "cannot open" -- sensitivity nowhere.sqlite --metric y

finish
