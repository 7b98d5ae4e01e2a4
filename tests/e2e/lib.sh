# Helpers for the end-to-end tests: source it, then call expect_fail / pass / fail.
set -u
ATTUNE=$1
SRC=$2
WORK=$(mktemp -d /tmp/attune-e2e.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); }
fail() {
  checks=$((checks + 1))
  failures=$((failures + 1))
  echo "FAIL: $*"
}

# expect_fail NAME CODE MESSAGE_PART -- ARGS...: the command exits with CODE, prints one line
# containing MESSAGE_PART on stderr, and leaves no output folder $WORK/out-NAME behind.
expect_fail() {
  local name=$1 code=$2 part=$3
  shift 4
  local out="$WORK/out-$name"
  "$ATTUNE" "$@" >"$WORK/stdout" 2>"$WORK/stderr"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then
    fail "$name: exit $rc, expected $code; stderr: $(cat "$WORK/stderr")"
  elif ! grep -qF -- "$part" "$WORK/stderr"; then
    fail "$name: stderr lacks '$part': $(cat "$WORK/stderr")"
  elif grep -q "Sanitizer\|runtime error" "$WORK/stderr"; then
    fail "$name: sanitizer report: $(cat "$WORK/stderr")"
  elif [ -e "$out" ]; then
    fail "$name: left $out behind"
  else
    pass
    echo "ok: $name -> $(head -n 1 "$WORK/stderr")"
  fi
}

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}
