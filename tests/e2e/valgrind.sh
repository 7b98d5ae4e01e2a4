#!/usr/bin/env bash
# valgrind memcheck: a small run with births, deaths, tie changes, an intervention and a
# checkpoint must show no invalid access, no use of uninitialised memory and no leak.
set -u
VALGRIND=$1
ATTUNE=$2
WORK=$(mktemp -d /tmp/attune-valgrind.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
printf '[intervention help]\nkind = attuned_tie\nstart_week = 3\nduration_weeks = 5\nage_min = 25\nshare = 0.05\n' >"$WORK/s.ini"
"$VALGRIND" --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-leak-kinds=definite,indirect -q \
  "$ATTUNE" run "$WORK/s.ini" --set population.size=1000 --set population.community_size=200 \
  --weeks 12 --threads 1 --graphml --checkpoint-every 5 --quiet --out "$WORK/out" \
  >"$WORK/stdout" 2>"$WORK/valgrind.log"
rc=$?
cat "$WORK/valgrind.log"
if [ $rc -eq 0 ] && [ -s "$WORK/out/metrics.csv" ]; then
  echo "1 passed, 0 failed"
  exit 0
fi
echo "valgrind: exit $rc"
echo "0 passed, 1 failed"
exit 1
