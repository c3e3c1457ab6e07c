#!/bin/sh
# Crash safety: writes killed with SIGKILL at random moments.  Each round
# starts `emr vital add` or `emr patient add` in the background, sleeps a
# random 0-30 ms (mostly under 12: a write takes about 10 ms) and kills it
# with -9, until 200 kills landed on a running emr (or 50 s passed).  Afterwards the database must pass
# `emr check`, and every write that reported success (its message was
# printed before the kill) must be there; a killed write may be missing,
# but never half there.
here=$(dirname "$0")
. "$here/lib.sh"

KILLS=${CRASH_KILLS:-200}

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD --no-codes
expect "init" 0 "created"
run patient add --given Base --family Patient --dob 1970-01-01 --sex female
expect "base patient" 0 "E000001"

# rnd N: a random number 0..N-1.
rnd() { echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 )); }

start=$(date +%s)
i=0 killed=0 done_ok=0
: >"$TMP/succeeded"
while [ $killed -lt "$KILLS" ] && [ $(( $(date +%s) - start )) -lt 50 ]; do
	at=$(printf '2026-01-%02dT%02d:%02d:00Z' $((1 + i / 1440)) $((i / 60 % 24)) $((i % 60)))
	if [ $((i % 2)) = 0 ]; then
		"$EMR_BIN" vital add E000001 --pulse 72 --bp 120/80 --at "$at" >"$TMP/o.$i" 2>/dev/null &
		kind=vital key=$at
	else
		"$EMR_BIN" patient add --given "Crash$i" --family Test --dob 1980-01-01 --sex male >"$TMP/o.$i" 2>/dev/null &
		kind=patient key=Crash$i
	fi
	pid=$!
	if [ "$(rnd 8)" = 0 ]; then ms=$(rnd 31); else ms=$(rnd 12); fi
	sleep "0.$(printf '%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	# 137: it was still running when the signal came (a zombie takes
	# the kill too, so kill's own status says nothing).
	[ "$rc" = 137 ] && killed=$((killed + 1))
	# Success only when it exited 0 and printed its message.
	if [ "$rc" = 0 ] && grep -q -e "vitals recorded" -e "registered" "$TMP/o.$i"; then
		printf '%s %s\n' "$kind" "$key" >>"$TMP/succeeded"
		done_ok=$((done_ok + 1))
	fi
	rm -f "$TMP/o.$i"
	i=$((i + 1))
done
elapsed=$(( $(date +%s) - start ))
printf '      %s rounds in %ss: %s killed mid-run, %s reported success\n' "$i" "$elapsed" "$killed" "$done_ok"
[ "$killed" -ge "$KILLS" ] && ok "killed emr at least $KILLS times" || bad "killed emr at least $KILLS times (only $killed in 50 s)"

run check
expect "the database passes emr check after the kills" 0 "all checks passed"

missing=0
while read -r kind key; do
	if [ "$kind" = vital ]; then
		n=$(sql "select count(*) from observations where effective_at = '$key' and loinc = '8867-4'")
	else
		n=$(sql "select count(*) from patients where given_name = '$key'")
	fi
	[ "$n" -ge 1 ] || { missing=$((missing + 1)); printf '      missing: %s %s\n' "$kind" "$key"; }
done <"$TMP/succeeded"
[ "$missing" = 0 ] && ok "every write reported as done is there ($done_ok)" || bad "every write reported as done is there ($missing missing)"

# Nothing half there: each vitals panel has both its pulse and its BP.
half=$(sql "select count(*) from (select effective_at from observations where patient_id = 1 group by effective_at having count(*) < 3)")
[ "$half" = 0 ] && ok "no half-written vitals panel" || bad "no half-written vitals panel ($half)"
dup=$(sql "select count(*) from (select given_name from patients group by given_name having count(*) > 1)")
[ "$dup" = 0 ] && ok "no patient registered twice" || bad "no patient registered twice"
run patient add --given After --family Crash --dob 1980-01-01 --sex male
expect "writes go on after the crashes" 0 "registered"
run audit verify
expect "audit chain intact" 0 "intact"

finish
