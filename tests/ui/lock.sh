#!/bin/sh
# Automatic logoff: after EMR_IDLE_SECONDS without a key the screen is
# blanked (no patient data), a wrong passphrase keeps it locked and is
# audited, the right one brings the chart back as it was.  A user with no
# passphrase can only quit.
here=$(dirname "$0")
. "$here/lib.sh"

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --no-codes >/dev/null 2>&1 ||
	{ bad "init"; finish; exit 1; }
"$EMR_BIN" patient add --given José --family García --dob 1990-03-14 --sex male >/dev/null
"$EMR_BIN" user add nina --name "Nina Nurse" --role nurse >/dev/null
printf 'lock step 99\n' >"$TMP/pass"
"$EMR_BIN" user passwd --passphrase-fd 3 3<"$TMP/pass" >/dev/null || bad "user passwd"

# start_idle [USER]: emr that locks after 2 idle seconds.
start_idle() {
	$T new-session -d -s emr -x 80 -y 24 \
		"env EMR_DB='$EMR_DB' EMR_USER=${1:-drtest} EMR_NOW=$EMR_NOW TZ=$TZ LC_ALL=C.UTF-8 TERM=$TERM EMR_IDLE_SECONDS=2 '$EMR_BIN'; echo EXITED=\$?; sleep 30"
}

start_idle
wait_for "Find patient" >/dev/null
$T send-keys -t emr -l "garcia"
sleep 0.3
keys Enter
check "the chart opens" "MRN E000001"
sleep 3
check "after 2 idle seconds the screen locks" "emr is locked"
check "the lock names the user" "Dana Test"
absent "no patient name on the locked screen" "García"
absent "no MRN on the locked screen" "E000001"
$T resize-window -t emr -x 70 -y 22
sleep 0.3
absent "a resize while locked shows no patient data" "García"
check "and keeps the lock" "emr is locked"
$T resize-window -t emr -x 80 -y 24
keys -l "wrong passphrase"
check "typed characters show as stars" "passphrase: \*\*\*\*\*\*\*\*\*\*\*\*\*\*\*\*"
absent "not as text" "wrong passphrase$"
keys Enter
check "a wrong passphrase says so" "wrong passphrase: still locked"
absent "and stays locked" "García"
[ "$(sql "select count(*) from audit_events where action = 'unlock-failed'")" = 1 ] && ok "the failure is audited" || bad "the failure is audited"
keys -l "lock step 99"
keys Enter
check "the right passphrase brings the chart back" "MRN E000001"
check "with the patient" "García"
absent "the lock is gone" "emr is locked"
[ "$(sql "select count(*) from audit_events where action = 'login' and detail = 'unlocked'")" = 1 ] && ok "the unlock is audited" || bad "the unlock is audited"
keys C-q
check "quits cleanly" "EXITED=0"
stop

# A user without a passphrase: locked, then only quitting.
start_idle nina
wait_for "Find patient" >/dev/null
$T send-keys -t emr -l "garcia"
sleep 0.3
keys Enter
check "nina opens the chart" "MRN E000001"
sleep 3
check "the lock says no passphrase is set" "no passphrase is set: press Enter to quit emr"
absent "no patient data" "García"
keys x
absent "other keys do not unlock" "García"
keys Enter
check "Enter quits emr" "EXITED=1"
stop

finish
