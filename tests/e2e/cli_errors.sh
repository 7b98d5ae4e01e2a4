#!/usr/bin/env bash
# Every bad argument or scenario gives its documented exit code, a message naming file, line and
# key where they apply, and leaves no output behind.
. "$(dirname "$0")/lib.sh"
S="--set population.size=1000 --weeks 2"

printf '[population]\nsize = 2000\nsise = 5000\n' >"$WORK/unknown.ini"
printf '[population]\nsize = many\n' >"$WORK/type.ini"
printf '[interaction]\nnoise = 7\n' >"$WORK/range.ini"
printf '[run]\nseed = 1\nseed = 2\n' >"$WORK/dup.ini"
printf '[run\nseed = 1\n' >"$WORK/syntax.ini"
printf '[netwrk]\nfriends_mean = 2\n' >"$WORK/section.ini"
printf '[interaction]\nnoise = nan\n' >"$WORK/nan.ini"
printf '[population]\nsize = 1e300\n' >"$WORK/absurd.ini"
: >"$WORK/empty.ini"
head -c 300 /bin/sh >"$WORK/binary.ini"
printf '[culture harsh]\nwarmth = -0.5\n' >"$WORK/entry.ini"

expect_fail unknown-command 2 "unknown command 'rnu'" -- rnu
expect_fail no-command 2 "Usage" --
expect_fail bad-option 2 "unknown option '--bogus'" -- run --bogus
expect_fail threads-zero 2 "--threads is '0'" -- run --threads 0 --out "$WORK/out-threads-zero"
expect_fail threads-text 2 "expected an integer" -- run --threads many
expect_fail seed-missing 2 "--seed needs a value" -- run --seed
expect_fail short-option 2 "attune run: unknown option '-x'" -- run -x --out "$WORK/out-short-option"
expect_fail seed-then-option 2 "attune run: --seed needs a value (got the option '--weeks')" -- \
  run --seed --weeks 5 --out "$WORK/out-seed-then-option"
expect_fail two-scenarios 2 "more than one scenario" -- run a.ini b.ini
expect_fail set-no-equals 2 "--set needs KEY=VALUE" -- run --set population.size
expect_fail max-memory-text 2 "--max-memory is 'lots'" -- run --max-memory lots
expect_fail missing-file 3 "$WORK/missing.ini: cannot open scenario file: No such file" -- \
  run "$WORK/missing.ini" --out "$WORK/out-missing-file"
expect_fail unknown-key 3 "unknown.ini:3: unknown key 'sise' in [population]; did you mean 'size'?" -- \
  run "$WORK/unknown.ini" --out "$WORK/out-unknown-key"
expect_fail wrong-type 3 "type.ini:2: size is 'many', not an integer; expected an integer in [1000, 200000000]" -- \
  run "$WORK/type.ini" --out "$WORK/out-wrong-type"
expect_fail out-of-range 3 "range.ini:2: noise is 7, out of range; expected a number in [0, 1]" -- \
  run "$WORK/range.ini" --out "$WORK/out-out-of-range"
expect_fail duplicate 3 "dup.ini:3: duplicate key 'seed' in [run] (first set on line 2)" -- \
  run "$WORK/dup.ini" --out "$WORK/out-duplicate"
expect_fail syntax 3 "syntax.ini:1: cannot read '[run'" -- run "$WORK/syntax.ini" --out "$WORK/out-syntax"
expect_fail unknown-section 3 "section.ini:1: unknown section [netwrk]; did you mean [network]?" -- \
  run "$WORK/section.ini" --out "$WORK/out-unknown-section"
expect_fail nan 3 "nan.ini:2: noise is 'nan', not a finite number" -- run "$WORK/nan.ini" --out "$WORK/out-nan"
expect_fail absurd-size 3 "absurd.ini:2: size is 1e300, out of range" -- run "$WORK/absurd.ini" --out "$WORK/out-absurd-size"
expect_fail empty-file 3 "empty.ini: the scenario holds no settings" -- run "$WORK/empty.ini" --out "$WORK/out-empty-file"
expect_fail binary-file 3 "binary.ini" -- run "$WORK/binary.ini" --out "$WORK/out-binary-file"
expect_fail entry-range 3 "entry.ini:2: warmth is -0.5, out of range; expected a number in [0, 1] (in [culture harsh])" -- \
  run "$WORK/entry.ini" --out "$WORK/out-entry-range"
expect_fail set-unknown 3 "did you mean 'population.size'?" -- run --set population.sise=5 --out "$WORK/out-set-unknown"
expect_fail set-range 3 "population.size is 5, out of range" -- run --set population.size=5 --out "$WORK/out-set-range"
expect_fail seed-negative 3 "run.seed is -5, out of range" -- run --seed -5 --out "$WORK/out-seed-negative"
expect_fail weeks-text 3 "run.weeks is 'ten', not an integer" -- run --weeks ten --out "$WORK/out-weeks-text"
expect_fail cultures-zero 3 "shares sum to 0" -- run $S --set culture.harsh.share=0 \
  --set culture.reserved.share=0 --set culture.expressive.share=0 --out "$WORK/out-cultures-zero"
expect_fail weights-zero 3 "wellbeing.weight_* sum to 0" -- run $S --set wellbeing.weight_affect=0 \
  --set wellbeing.weight_self_worth=0 --set wellbeing.weight_self_relation=0 \
  --set wellbeing.weight_unmet_need=0 --set wellbeing.weight_coping=0 --out "$WORK/out-weights-zero"
expect_fail coping-hysteresis 3 "coping.onset_threshold (0.5) is below coping.stop_threshold (0.56)" -- \
  run $S --set coping.onset_threshold=0.5 --out "$WORK/out-coping-hysteresis"
expect_fail distress-hysteresis 3 "distress.recovery_threshold (0.3) is below distress.threshold (0.38)" -- \
  run $S --set distress.recovery_threshold=0.3 --out "$WORK/out-distress-hysteresis"
expect_fail memory-limit 5 "this run needs about" -- run $S --max-memory 1M --out "$WORK/out-memory-limit"
expect_fail memory-machine 5 "more than" -- run --set population.size=200000000 --out "$WORK/out-memory-machine"
# An intervention's community is checked once the population (and its communities) exists.
printf '[population]\nsize = 1000\n[intervention reach]\nkind = community_programme\nstart_week = 2\ncommunity = 99999\n' >"$WORK/iv-community.ini"
expect_fail intervention-community 3 "iv-community.ini:6: [intervention reach] targets community 99999" -- run "$WORK/iv-community.ini" --weeks 4 --out "$WORK/out-intervention-community"
# A validation whose runs cannot fit is refused before the first.
expect_fail validate-memory 5 "attune validate: each run needs about" -- validate --size 200000000 --replicates 2
# A sweep whose runs cannot fit is refused before its database is made.
printf '[sweep]\ndesign = grid\n[set]\npopulation.size = 200000000\n[vary contact.friend]\nvalues = 0.3, 0.5\n' >"$WORK/big-sweep.ini"
expect_fail sweep-memory 5 "this sweep needs about" -- sweep "$WORK/big-sweep.ini" --out "$WORK/out-sweep-memory"
# Claims whose arms cannot fit are refused before the first run.
mkdir -p "$WORK/big-claims"
printf '[population]\nsize = 200000000\n' >"$WORK/big-claims/C3.base.ini"
printf '[run]\nweeks = 2\n' >"$WORK/big-claims/C3.isolation.ini"
expect_fail claims-memory 5 "attune claims: the arms of one claim need about" -- \
  claims --only C3 --scenarios "$WORK/big-claims" --replicates 2

printf '[intervention x]\nkind = carechange\n' >"$WORK/choice.ini"
printf '[intervention x]\nkind = isolation\nstart_week = 0\n' >"$WORK/startweek.ini"
printf '[intervention x]\nkind = isolation\nage_min = 30\nage_max = 20\n' >"$WORK/ages.ini"
printf '[intervention x]\nkind = isolation\nstart_week = 60\n' >"$WORK/startweek-late.ini"
printf '[intervention x]\nstart_week = 3\n' >"$WORK/no-kind.ini"
printf '[intervention trial]\nkind = therapy\nstart_week = 1\n' >"$WORK/therapy-week1.ini"
printf '[culture %s]\nshare = 1\n' "$(head -c 64 /dev/zero | tr '\0' a)" >"$WORK/longname.ini"
printf '[culture %s]\nshare = 1\n' "$(head -c 130 /dev/zero | tr '\0' a)" >"$WORK/longsection.ini"
printf '[run]\nseed = %s\n' "$(head -c 300 /dev/zero | tr '\0' 1)" >"$WORK/longline.ini"
printf '[run]\n[population]\n' >"$WORK/sections-only.ini"
printf '\xef\xbb\xbf[run]\nseed = 3\n\xc3\xa9 = 1\n' >"$WORK/utf8.ini"
printf '[run]\nweeks = 1e9\n' >"$WORK/weeks.ini"
printf '[interaction]\nnoise = 0x10\n' >"$WORK/hex.ini"
printf '[output]\ngraphml = 2\n' >"$WORK/bool.ini"
printf '[run] junk\nweeks = 5\n' >"$WORK/header-junk.ini"
printf '[run]\nweeks : 5\n' >"$WORK/colon.ini"
printf '[run]\nseed = 9007199254740991.4\n' >"$WORK/seed-fraction.ini"
mkdir -p "$WORK/adir"
expect_fail choice 3 "choice.ini:2: kind is 'carechange', not one of: care_change, attuned_tie, isolation, self_help, parenting, community_programme, leave_toxic_tie, repair_rupture, leave_ruptured_tie, therapy, therapy_waitlist, keep_ties; did you mean 'care_change'?" -- \
  run "$WORK/choice.ini" --out "$WORK/out-choice"
expect_fail start-week 3 "startweek.ini:3: start_week is 0, out of range" -- run "$WORK/startweek.ini" --out "$WORK/out-start-week"
expect_fail intervention-ages 3 "ages.ini:4: [intervention x] targets ages [age_min, age_max) = [30, 20), which is empty" -- \
  run "$WORK/ages.ini" --out "$WORK/out-intervention-ages"
expect_fail intervention-no-kind 3 "no-kind.ini:1: [intervention x] names no kind; every intervention needs a line kind = one of care_change, attuned_tie," -- \
  run "$WORK/no-kind.ini" --out "$WORK/out-intervention-no-kind"
expect_fail intervention-late 3 "startweek-late.ini:3: [intervention x] has start_week 60, after the last week of the run (run.weeks = 52)" -- \
  run "$WORK/startweek-late.ini" --weeks 52 --out "$WORK/out-intervention-late"
expect_fail therapy-week1 3 "therapy-week1.ini:3: [intervention trial] is a therapy trial starting in week 1, but therapists are first recruited in the therapy phase of week 1" -- \
  run "$WORK/therapy-week1.ini" --out "$WORK/out-therapy-week1"
# A value from --set has no line of the file to name.
expect_fail intervention-late-set 3 "startweek-late.ini: [intervention x] has start_week 70, after the last week of the run (run.weeks = 52)" -- \
  run "$WORK/startweek-late.ini" --weeks 52 --set intervention.x.start_week=70 --out "$WORK/out-intervention-late-set"
expect_fail long-name 3 "is not a valid culture name (letters, digits, '_' and '-', at most 63 characters)" -- \
  run "$WORK/longname.ini" --out "$WORK/out-long-name"
expect_fail long-section 3 "longsection.ini:1: section name is longer than 127 characters" -- \
  run "$WORK/longsection.ini" --out "$WORK/out-long-section"
expect_fail long-line 3 "longline.ini:2: line is longer than" -- run "$WORK/longline.ini" --out "$WORK/out-long-line"
expect_fail sections-only 3 "holds no settings" -- run "$WORK/sections-only.ini" --out "$WORK/out-sections-only"
expect_fail utf8-key 3 "utf8.ini:3: unknown key" -- run "$WORK/utf8.ini" --out "$WORK/out-utf8-key"
expect_fail weeks-huge 3 "weeks.ini:2: weeks is 1e9, out of range; expected an integer in [0, 52000]" -- \
  run "$WORK/weeks.ini" --out "$WORK/out-weeks-huge"
expect_fail hex 3 "hex.ini:2: noise is '0x10', not a number" -- run "$WORK/hex.ini" --out "$WORK/out-hex"
expect_fail bool-two 3 "graphml is '2', not a boolean" -- run "$WORK/bool.ini" --out "$WORK/out-bool-two"
expect_fail header-junk 3 "header-junk.ini:1: text after the section header [run]" -- \
  run "$WORK/header-junk.ini" --out "$WORK/out-header-junk"
expect_fail colon 3 "colon.ini:2: 'weeks' is followed by ':'" -- run "$WORK/colon.ini" --out "$WORK/out-colon"
expect_fail seed-fraction 3 "seed-fraction.ini:2: seed is '9007199254740991.4', not an integer" -- \
  run "$WORK/seed-fraction.ini" --out "$WORK/out-seed-fraction"
expect_fail directory 3 "adir: cannot read scenario file: Is a directory" -- run "$WORK/adir" --out "$WORK/out-directory"
expect_fail set-entry-kind 3 "unknown parameter 'cultur.harsh.share'" -- run --set cultur.harsh.share=1 --out "$WORK/out-set-entry-kind"
expect_fail set-entry-field 3 "unknown field 'shar' of [culture harsh]; did you mean 'share'?" -- \
  run --set culture.harsh.shar=1 --out "$WORK/out-set-entry-field"
expect_fail set-choice 3 "kind is 'nothing', not one of" -- run --set intervention.x.kind=nothing --out "$WORK/out-set-choice"
expect_fail checkpoint-zero 2 "--checkpoint-every is '0'" -- run --checkpoint-every 0
expect_fail max-memory-zero 2 "--max-memory is '0'" -- run --max-memory 0
expect_fail max-memory-nan 2 "--max-memory is 'nan'; expected a size" -- run --max-memory nan
expect_fail max-memory-half 2 "--max-memory is '0.5', less than 1M" -- run --max-memory 0.5
expect_fail flag-with-value 2 "--quiet takes no value" -- run --quiet=yes
expect_fail params-option 2 "attune params: unknown option '--bogus'" -- params --bogus
expect_fail claims-option 2 "unknown option or missing value '--bogus'" -- claims --bogus

# An output folder that exists and holds something is never overwritten without --force.
mkdir -p "$WORK/taken" && echo precious >"$WORK/taken/notes.txt"
"$ATTUNE" run $S --out "$WORK/taken" >/dev/null 2>"$WORK/stderr"
rc=$?
if [ $rc -eq 4 ] && grep -q "use --force\|replace it with --force" "$WORK/stderr" &&
  [ "$(cat "$WORK/taken/notes.txt")" = precious ] && [ ! -e "$WORK/taken/metrics.csv" ]; then
  pass
  echo "ok: existing folder -> $(cat "$WORK/stderr")"
else
  fail "existing folder: exit $rc: $(cat "$WORK/stderr")"
fi

# An output folder that cannot be created (its parent is a file).
echo x >"$WORK/afile"
expect_fail unwritable 4 "cannot create output folder" -- run $S --out "$WORK/afile/sub"

# A full disk: the temporary name under which the GraphML writer writes network.graphml's
# temporary file points at /dev/full (--force removes the outputs' own stale .partial files).
mkdir -p "$WORK/full"
ln -s /dev/full "$WORK/full/network.graphml.partial.partial"
"$ATTUNE" run $S --out "$WORK/full" --force --graphml >/dev/null 2>"$WORK/stderr"
rc=$?
left=$(ls -A "$WORK/full")
if [ $rc -eq 4 ] && grep -q "disk full" "$WORK/stderr" && [ -z "$left" ]; then
  pass
  echo "ok: disk full -> $(cat "$WORK/stderr")"
else
  fail "disk full: exit $rc, left '$left': $(cat "$WORK/stderr")"
fi

finish
