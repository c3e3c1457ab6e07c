# Shared helpers for the shell-driven tests: run the real binary, check
# exit status, stdout and stderr.  Each check prints "ok" or "FAIL" with
# the details; the run ends with "N passed, N failed".

: "${EMR_BIN:?set EMR_BIN to the emr binary}"
export TZ=America/New_York EMR_NOW=2026-11-25T15:00:00Z EMR_USER=drtest LC_ALL=C.UTF-8
TMP=$(mktemp -d /tmp/emr-cli-XXXXXX)
trap 'rm -rf "$TMP"' EXIT INT TERM
export EMR_DB="$TMP/practice.db"
PASS=0
FAIL=0

# run CMD...: runs emr, capturing $OUT, $ERR and $RC.
run() {
	"$EMR_BIN" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

ok() { PASS=$((PASS + 1)); printf 'ok    %s\n' "$1"; }
bad() {
	FAIL=$((FAIL + 1))
	printf 'FAIL  %s\n' "$1"
	printf '      rc=%s\n      stdout: %s\n      stderr: %s\n' "$RC" "$(printf '%s' "$OUT" | head -c 600)" "$(printf '%s' "$ERR" | head -c 600)"
}

# expect NAME RC [PATTERN-IN-STDOUT] [PATTERN-IN-STDERR]
expect() {
	name=$1 want=$2 pout=${3:-} perr=${4:-}
	if [ "$RC" != "$want" ]; then bad "$name (exit $RC, wanted $want)"; return; fi
	if [ -n "$pout" ] && ! printf '%s' "$OUT" | grep -q -- "$pout"; then bad "$name (stdout lacks: $pout)"; return; fi
	if [ -n "$perr" ] && ! printf '%s' "$ERR" | grep -q -- "$perr"; then bad "$name (stderr lacks: $perr)"; return; fi
	ok "$name"
}

# sql QUERY: the first column of the first row, straight from SQLite.
sql() { sqlite3 "$EMR_DB" "$1"; }

finish() {
	printf '%s passed, %s failed\n' "$PASS" "$FAIL"
	[ "$FAIL" = 0 ]
}
