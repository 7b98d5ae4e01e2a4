#!/usr/bin/env bash
# attune report and attune run --report end to end: the HTML report of a small run opens in real
# headless Chromium (Debian's chromium driven by playwright-core from the build's npm folder)
# without a console error, every chart and the network drawing draw something, it loads nothing
# from outside the file, and screenshots are kept in ARTIFACTS. The therapy part is checked on a
# copy of the run with therapy events added as docs/outputs.md describes them. Also: the panel's
# columns are documented, the SVG figures, and the errors (missing or incomplete run folder,
# unwritable output, bad arguments).
#   report.sh ATTUNE SOURCE_DIR NPM_DIR ARTIFACTS
. "$(dirname "$0")/lib.sh"
NPM_DIR=$3
ARTIFACTS=$4
BROWSER="$SRC/tests/e2e/report_browser.mjs"
mkdir -p "$ARTIFACTS"
cd "$WORK" || exit 1

if [ ! -x /usr/bin/chromium ]; then
  fail "Debian's chromium is not installed (apt-get install chromium; scripts/setup.sh does it with ATTUNE_SETUP_TESTS=1)"
fi
if [ ! -d "$NPM_DIR/node_modules/playwright-core" ]; then
  fail "playwright-core is not in $NPM_DIR/node_modules (the build runs npm ci there)"
fi

# A run of 11 years, so that children born in it reach 10 (the adverse-experience gradient).
"$ATTUNE" run --set population.size=2000 --set population.community_size=250 --weeks 572 \
  --threads 2 --out "$WORK/run" --report >"$WORK/stdout" 2>"$WORK/stderr" ||
  fail "run --report failed: $(cat "$WORK/stderr")"
if grep -q "^report: $WORK/run/report.html$" "$WORK/stdout" && [ -s run/report.html ]; then pass; else fail "run --report did not print the report: $(cat "$WORK/stdout")"; fi
if ls run | grep -q partial; then fail "temporary files left: $(ls run)"; else pass; fi
if grep -q "Sanitizer\|runtime error" "$WORK/stderr"; then fail "sanitizer: $(cat "$WORK/stderr")"; else pass; fi

# Offline, one file: no reference to anything outside it.
if grep -Eiq '(src|href)[[:space:]]*=[[:space:]]*"?(https?:)?//|url\((https?:)?//|@import' run/report.html; then
  fail "the report references an external URL: $(grep -Eio '(src|href)[[:space:]]*=[[:space:]]*"?(https?:)?//[^"]*|url\([^)]*\)|@import[^;]*' run/report.html | head -3)"
else
  pass
fi

# Static figures (gnuplot), when it is installed.
if command -v gnuplot >/dev/null; then
  for f in wellbeing attachment ace-coping relationships toxic-ties; do
    if grep -q "<svg" "run/figures/$f.svg" 2>/dev/null; then pass; else fail "figures/$f.svg missing or not SVG: $(ls run/figures 2>&1)"; fi
  done
else
  echo "note: gnuplot is not installed; the SVG figures are not checked"
fi

# The browser: every chart and the network draw, no console error, nothing loaded from outside.
charts="wellbeing,inner,episodes,attachment-*,infant,ace,ties,network-size,toxic"
therapy_charts="therapy-load,therapy-dose,therapy-alliance,therapy-end"
if grep -q ',therapy_session,' run/events.csv; then pass; else fail "the default model had no therapy sessions"; fi
if node "$BROWSER" "$NPM_DIR" run/report.html "$ARTIFACTS/report-screenshot.png" "$charts,$therapy_charts" \
  "Therapy" >"$WORK/browser.out" 2>"$WORK/browser.err"; then
  pass
  echo "ok: browser: $(cat "$WORK/browser.out")"
else
  fail "browser: $(cat "$WORK/browser.err" "$WORK/browser.out")"
fi

# The panel: every column documented in docs/outputs.md; rows at weeks 0, 52, ...
for c in $(head -n 1 run/panel.csv | tr ',' ' '); do
  grep -q "^| $c |" "$SRC/docs/outputs.md" || fail "panel.csv column '$c' is not documented in docs/outputs.md"
done
pass
weeks=$(cut -d, -f1 run/panel.csv | tail -n +2 | sort -un | tr '\n' ' ')
if [ "$weeks" = "0 52 104 156 208 260 312 364 416 468 520 572 " ]; then pass; else fail "panel weeks: $weeks"; fi

# Therapy as docs/outputs.md describes it, from synthetic courses in place of the model's (every
# dose, alliance and end reason): referrals, starts, sessions with well-being and alliance, ends
# with a reason; plus claims.json and validation.json.
cp -r run therapy
rm -rf therapy/report.html therapy/figures
grep -v ',therapy_' run/events.csv >therapy/events.csv
awk 'BEGIN {
  for (p = 0; p < 300; p++) {
    w = 10 + (p * 7) % 500; wait = p % 9; s = 1 + p % 24; wb = 0.25 + (p % 5) * 0.02
    printf "%d,therapy_referral,%d,,%.3f,\n", w, p, wb
    printf "%d,therapy_start,%d,1999,%.3f,\n", w + wait, p, wb
    for (k = 1; k <= s; k++) {
      a = 0.3 + 0.02 * k + (p % 7) * 0.03; if (a > 1) a = 1
      printf "%d,therapy_session,%d,1999,%.3f,alliance=%.3f;rupture=%d;repaired=%d\n",
        w + wait + k, p, wb + 0.01 * k * a, a, k % 7 == 0, k % 14 == 0
    }
    split("recovered max_sessions dropout", r, " ")
    printf "%d,therapy_end,%d,1999,%d,%s\n", w + wait + s + 1, p, s, r[1 + p % 3]
  }
}' >>therapy/events.csv
cat >therapy/claims.json <<'EOF'
{"claims":[
 {"id":"C3","passed":true,"estimate":0.7,"ci":[0.6,0.8],"criterion":"r >= 0.5","replicates":3,"sentence":"Emotions arise in response to our interactions.","parts":[
  {"id":"C3.connected","passed":true,"estimate":0.7,"ci":[0.6,0.8],"criterion":"r >= 0.5","measure":"correlation of affect change with quality received"}]}
]}
EOF
printf '{"steady_state":{"steady":false,"window_years":20,"indicators":[{"id":"distress_share","steady":false,"drift_per_decade":-0.031,"ci":[-0.05,-0.01],"tolerance":0.02,"level":0.09,"note":""}]},"targets":[{"id":"T1","passed":false,"simulated":0.5,"target":0.6,"ci":[0.45,0.55],"tolerance":0.05}]}\n' >therapy/validation.json
"$ATTUNE" report therapy --no-figures >"$WORK/stdout" 2>"$WORK/stderr" || fail "report of the therapy run: $(cat "$WORK/stderr")"
if [ ! -e therapy/figures ]; then pass; else fail "--no-figures wrote figures"; fi
if node "$BROWSER" "$NPM_DIR" therapy/report.html "$ARTIFACTS/report-therapy-screenshot.png" \
  "$charts,$therapy_charts" \
  "C3.connected|Validation targets (validation.json)|tolerance|Steady state (validation.json)|drift_per_decade" >"$WORK/browser.out" 2>"$WORK/browser.err"; then
  pass
  echo "ok: browser (therapy): $(cat "$WORK/browser.out")"
else
  fail "browser (therapy): $(cat "$WORK/browser.err" "$WORK/browser.out")"
fi
if command -v gnuplot >/dev/null; then
  "$ATTUNE" report therapy --out "$WORK/elsewhere.html" --quiet >"$WORK/stdout" 2>"$WORK/stderr" || fail "report --out: $(cat "$WORK/stderr")"
  if [ "$(cat "$WORK/stdout")" = "$WORK/elsewhere.html" ] && [ -s "$WORK/figures/therapy-dose.svg" ] &&
    [ -s "$WORK/figures/therapy-alliance.svg" ] && [ -s "$WORK/figures/therapy-waitlist.svg" ]; then
    pass
  else
    fail "report --out --quiet: $(cat "$WORK/stdout"); figures: $(ls "$WORK/figures" 2>&1)"
  fi
fi

# Errors: named path and file, exit 3 for input, 4 for output, 2 for usage; nothing left behind.
expect_fail missing-folder 3 "$WORK/nowhere: no such run folder" -- report "$WORK/nowhere"
mkdir nometrics && cp run/events.csv run/manifest.json nometrics/
expect_fail missing-metrics 3 "nometrics: not a complete run folder: metrics.csv is missing" -- report nometrics
if [ ! -e nometrics/report.html ]; then pass; else fail "a report was written for a folder without metrics.csv"; fi
mkdir partial && cp run/events.csv run/manifest.json partial/ && cp run/metrics.csv partial/metrics.csv.partial
expect_fail incomplete 3 "the run is incomplete: metrics.csv is missing (only metrics.csv.partial" -- report partial
expect_fail no-folder-given 2 "which run?" -- report
expect_fail two-folders 2 "more than one run folder" -- report run therapy
expect_fail bad-option 2 "unknown option '--bogus'" -- report run --bogus
expect_fail unwritable 4 "$WORK/no/such/dir/r.html: cannot write the report" -- report run --out "$WORK/no/such/dir/r.html"
if [ ! -e "$WORK/no" ]; then pass; else fail "an unwritable --out left something"; fi
if "$ATTUNE" report --help | grep -q "Usage: attune report RUN_DIR" && "$ATTUNE" --help | grep -q "attune report RUN_DIR" &&
  "$ATTUNE" --help | grep -q -- "--report"; then
  pass
else
  fail "help does not document the report"
fi

# Without a panel, a network sample and therapists the run and its report still work, and say why.
"$ATTUNE" run --set population.size=1500 --weeks 60 --set output.panel_fraction=0 \
  --set output.network_egos=0 --set therapy.therapists_per_1000=0 --out bare --quiet --report >/dev/null 2>"$WORK/stderr" || fail "bare run: $(cat "$WORK/stderr")"
if [ ! -e bare/panel.csv ] && [ ! -e bare/network-sample.graphml ] && [ -s bare/report.html ] &&
  ! grep -q ',therapy_' bare/events.csv &&
  jq -e '.outputs == ["metrics.csv", "events.csv", "manifest.json"]' bare/manifest.json >/dev/null &&
  grep -q 'output.panel_fraction = 0' bare/report.html && grep -q 'output.network_egos = 0' bare/report.html; then
  pass
else
  fail "run without panel and sample: $(ls bare); $(jq -c .outputs bare/manifest.json)"
fi
"$ATTUNE" run --set population.size=1500 --weeks 60 --set therapy.therapists_per_1000=0 \
  --out notherapy --quiet --report >/dev/null 2>"$WORK/stderr" || fail "run without therapists: $(cat "$WORK/stderr")"
if node "$BROWSER" "$NPM_DIR" notherapy/report.html "$ARTIFACTS/report-notherapy-screenshot.png" \
  "wellbeing,inner,episodes" "No therapy in this run" >"$WORK/browser.out" 2>"$WORK/browser.err"; then
  pass
else
  fail "browser (no therapy): $(cat "$WORK/browser.err" "$WORK/browser.out")"
fi
if jq -e '.outputs == ["metrics.csv", "events.csv", "manifest.json", "panel.csv", "network-sample.graphml"]' run/manifest.json >/dev/null; then
  pass
else
  fail "manifest outputs: $(jq -c .outputs run/manifest.json)"
fi

# A run replaced without --report loses the old report and figures.
"$ATTUNE" run --set population.size=1500 --weeks 3 --out run --force --quiet >/dev/null || fail "replacing the run"
if [ ! -e run/report.html ] && [ ! -e run/figures ]; then pass; else fail "a replaced run kept the old report: $(ls run)"; fi
finish
