#!/bin/sh
# Hostile data: names, addresses and notes carrying terminal escape
# sequences (clear screen, OSC 52 clipboard writes), C1 controls, the
# right-to-left override and megabyte-sized text.  All of it is stored
# byte for byte, printed harmlessly as text, and escaped in JSON.
here=$(dirname "$0")
. "$here/lib.sh"

export XDG_STATE_HOME="$TMP/state"
ESC=$(printf '\033')
BEL=$(printf '\007')
CSI8=$(printf '\302\233')       # C1 CSI (U+009B)
RLO=$(printf '\342\200\256')    # RIGHT-TO-LEFT OVERRIDE (U+202E)

# clean NAME: $OUT holds no ESC, BEL, C1 CSI or RLO.
clean() {
	n=0
	for b in "$ESC" "$BEL" "$CSI8" "$RLO"; do
		c=$(printf '%s' "$OUT" | grep -c -F -- "$b")
		n=$((n + c))
	done
	[ "$n" = 0 ] && ok "$1" || bad "$1 ($n lines with control bytes)"
}
# hexof TEXT: the bytes of TEXT in upper-case hex, as SQLite's hex() writes them.
hexof() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | tr a-f A-F; }

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD --no-codes
expect "init" 0 "created"

given=$(printf 'Eve\033[2J\033[H\033]52;c;ZWNobyBwd25lZA==\007%sX%sgnp.exe' "$CSI8" "$RLO")
family=$(printf 'Mal\033[31mlory\033]0;title\007\302\235')
address=$(head -c 480 /dev/zero | tr '\0' 'a')$(printf '\033[2J end')
# Fields with a limit refuse oversize text cleanly (a command-line word
# cannot exceed 128 kB, so the megabyte case is the note below).
run patient add --given Big --family Field --dob 1980-01-01 --sex female --address "$(head -c 120000 /dev/zero | tr '\0' 'a')"
expect "120 kB address refused" 1 "" "too long"
[ "$(sql 'select count(*) from patients')" = 0 ] && ok "refused add wrote nothing" || bad "refused add wrote nothing"
run patient add --given "$given" --family "$family" --dob 1980-01-01 --sex female --address "$address"
expect "hostile names registered" 0 "registered E000001"
[ "$(sql "select hex(given_name) from patients where mrn = 'E000001'")" = "$(hexof "$given")" ] && ok "given name stored byte for byte" || bad "given name stored byte for byte"
[ "$(sql "select hex(family_name) from patients where mrn = 'E000001'")" = "$(hexof "$family")" ] && ok "family name stored byte for byte" || bad "family name stored byte for byte"
[ "$(sql "select length(address) from patients where mrn = 'E000001'")" = 488 ] && ok "address stored whole" || bad "address stored whole"
[ "$(sql "select hex(address) from patients where mrn = 'E000001'")" = "$(hexof "$address")" ] && ok "address stored byte for byte" || bad "address stored byte for byte"

run patient list;                 expect "patient list" 0 "E000001";  clean "patient list prints no control bytes"
run patient list --csv;           expect "patient list CSV" 0 "E000001"
run patient show E000001;         expect "patient show" 0 "E000001";  clean "patient show prints no control bytes"
run patient list --search Eve;    expect "search finds the hostile name" 0 "E000001"; clean "search prints no control bytes"
run patient show E000001 --json;  expect "patient show JSON" 0 '\\u001B\[2J'
clean "JSON has no raw control bytes"
printf '%s' "$OUT" | grep -q -F '\u009B' && ok "JSON escapes C1 controls" || bad "JSON escapes C1 controls"
printf '%s' "$OUT" | grep -q -F '\u202E' && ok "JSON escapes the RTL override" || bad "JSON escapes the RTL override"
if command -v python3 >/dev/null 2>&1; then
	printf '%s' "$OUT" >"$TMP/show.json"
	printf '%s' "$given" >"$TMP/given.txt"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if d["given_name"].encode("utf-8") == open(sys.argv[2], "rb").read() else 1)' "$TMP/show.json" "$TMP/given.txt" \
		&& ok "JSON decodes to the exact name" || bad "JSON decodes to the exact name"
fi
run patient list --json;          expect "patient list JSON" 0 "E000001"; clean "list JSON has no raw control bytes"
run audit log --patient E000001;  expect "audit log for the hostile chart" 0 "E000001"; clean "audit log prints no control bytes"

# A note of over 1 MB full of escape sequences.
run visit add E000001;            expect "visit" 0 "draft note 1"
{
	printf 'Subjective: \033[2J\033]52;c;cm0gLXJmIH4=\007 %s C1 %s RLO\n' "$CSI8" "$RLO"
	i=0
	while [ $i -lt 11000 ]; do
		printf 'Line %05d \033[1;31mred\033[0m text of a long hostile note, padded out to a hundred and twenty bytes ....\n' $i
		i=$((i + 1))
	done
} >"$TMP/hostile.md"
run note edit 1 --file "$TMP/hostile.md"
expect "1 MB hostile note saved" 0 "saved note 1"
sql "select writefile('$TMP/stored.md', body) from notes where id = 1" >/dev/null
if cmp -s "$TMP/hostile.md" "$TMP/stored.md"; then ok "note stored byte for byte"
elif [ "$(printf '%s' "$(cat "$TMP/hostile.md")")" = "$(printf '%s' "$(cat "$TMP/stored.md")")" ]; then ok "note stored byte for byte (trailing newline aside)"
else bad "note stored byte for byte"; fi
[ "$(sql 'select length(body) > 1000000 from notes where id = 1')" = 1 ] && ok "note is over 1 MB" || bad "note is over 1 MB"
# note show writes the body as stored to a pipe (for scripts) and
# cleaned to a terminal: check both.
run note show 1;                  expect "note show" 0 "Subjective"
printf '%s' "$OUT" | grep -q -F -- "$RLO" && ok "note show to a pipe writes the body as stored" || bad "note show to a pipe writes the body as stored"
if command -v script >/dev/null 2>&1; then
	script -qec "\"$EMR_BIN\" note show 1" /dev/null </dev/null >"$TMP/out" 2>"$TMP/err"
	RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
	expect "note show on a terminal" 0 "Subjective"
	clean "note show on a terminal prints no control bytes"
fi
run note show 1 --json;           expect "note show JSON" 0 '\\u001B'; clean "note JSON has no raw control bytes"
run check;                        expect "database checks out" 0 "all checks passed"

finish
