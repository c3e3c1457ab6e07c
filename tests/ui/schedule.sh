#!/bin/sh
# UI tests of the schedule screens: the day grid in the practice's time
# zone, booking through the patient search (double booking refused, an
# overbook only after y), cancel, move, length, check-in opening the
# visit, the week view and the recall list.  The real binary in tmux at
# 80x24; what the screen shows is checked against the command line.
here=$(dirname "$0")
. "$here/lib.sh"
# A Tuesday, 10:00 in New York.
export EMR_NOW=2026-11-24T15:00:00Z

fail_screen() { OUT=$(screen); RC=-; ERR=""; bad "$1"; }
ESC=$(printf '\033')
# line_e PATTERN: the first screen line matching PATTERN, with its colours
# and attributes as escape sequences.
line_e() { $T capture-pane -p -e -t emr | grep -m1 -- "$1"; }

# check_prompt NAME TEXT: the status line (where questions are asked) shows TEXT.
check_prompt() {
	i=0
	while [ $i -lt 50 ]; do
		screen | tail -n 1 | grep -q -- "$2" && { ok "$1"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	fail_screen "$1 (status line lacks: $2)"
}

# cli_has NAME PATTERN CMD...: the command's output matches PATTERN.
cli_has() {
	name=$1 pat=$2
	shift 2
	run "$@"
	expect "$name" 0 "$pat"
}

# type_line TEXT: types TEXT (literally) and Enter.
type_line() {
	$T send-keys -t emr -l "$1"
	sleep 0.1
	keys Enter
}

e() { "$EMR_BIN" "$@" >/dev/null 2>"$TMP/err" || { RC=$?; ERR=$(cat "$TMP/err"); OUT=""; bad "setup: emr $*"; }; }

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --no-codes >/dev/null 2>&1 ||
	{ bad "init"; finish; exit 1; }
e patient add --given Maria --family Garcia --dob 1990-03-14 --sex female
e patient add --given Bo --family Kim --dob 1980-05-05 --sex male
e patient add --given "$(printf 'Evil\033[31m')" --family Red --dob 1970-01-01 --sex male
e patient add --given Ann --family Lee --dob 1960-02-02 --sex female
e appt add E000001 --at "2026-11-24 08:30" --minutes 30 --reason "BP check"
e appt add E000003 --at "2026-11-24 11:00" --reason "hostile"
# Ann Lee was seen today and asked back in 14 days; nothing is booked.
e visit add E000004 --reason "hypertension"
sql "UPDATE encounters SET followup_days = 14 WHERE patient_id = 4" >/dev/null

# ------------------------------------------------------------ the day grid

start
wait_for "Find patient" || fail_screen "the patient list opens"
keys F4
check "F4 opens today's schedule with its weekday" "Tue 2026-11-24 (today)"
check "the header names the provider and counts" "Dana Test  2 appointments"
check "the grid starts at the clinic's opening" " 08:00 *$"
check "slots are 15 minutes" " 08:15 *$"
check "a booking shows in its slot: patient, type, reason, status" "08:30 Garcia, Maria  follow-up  BP check .*booked"
check "a 30-minute booking fills its second slot" "08:45  │"
check "the hostile name is drawn with its escape removed" "11:00 Red, Evil\[31m  follow-up  hostile"
check "the rows below the hostile name are intact" " 11:15 *$"
line_e "11:00 Red" | grep -q "${ESC}\[[0-9;]*31m" && bad "the hostile name turns nothing red" || ok "the hostile name turns nothing red"
check "the cursor starts at now (10:00) on a free slot" "2026-11-24 10:00  free: b books it"

# ------------------------------------------------------------ booking

keys k k k k
check "k moves the cursor up a slot at a time" "2026-11-24 09:00  free"
keys b
check "b opens the booking with the slot's time" "Book at 2026-11-24 09:00 (15 min)"
$T send-keys -t emr -l "kim"
check "the booking searches patients as you type" "E000002   Kim, Bo"
absent "the search narrows" "Garcia, Maria"
keys Enter
check_prompt "Enter asks for the time, the slot's by default" "Book Kim, Bo at: 2026-11-24 09:00"
keys Enter
check_prompt "then the type, follow-up by default" "Type (new, follow-up"
$T send-keys -t emr C-u
type_line "acu"
check_prompt "then the length, the slot's by default" "Length in minutes: 15"
keys Enter
check_prompt "then the reason" "Reason for the visit:"
type_line "cough"
check "the booking shows in the grid" "09:00 Kim, Bo  acute  cough .*booked"
check "booked at 09:00 when it is 10:00: the status line warns" "Booked, but the appointment is in the past"
cli_has "the command line lists the booking" "09:00 .*Kim, Bo .*acute .*cough" schedule 2026-11-24

# The same slot again: refused in plain words, an overbook only after y.
keys b
$T send-keys -t emr -l "garcia"
wait_for "E000001   Garcia" >/dev/null
keys Enter Enter Enter Enter
type_line "second opinion"
check_prompt "a double booking is refused and an overbook offered" "The provider is already booked then. Book as an overbook? (y/n)"
keys n
check "n books nothing" "Not booked: that time is taken"
[ "$(sql "SELECT count(*) FROM appointments WHERE reason = 'second opinion'")" = 0 ] &&
	ok "nothing stored after n" || bad "nothing stored after n"
keys b
$T send-keys -t emr -l "garcia"
wait_for "E000001   Garcia" >/dev/null
keys Enter Enter Enter Enter
type_line "second opinion"
check_prompt "asked again" "as an overbook? (y/n)"
keys y
check "y books the overbook" "Booked as an overbook, but the appointment is in"
check "the overbook shows beside the booking, marked +" "09:00 Kim, Bo .*+Garcia, Maria"
[ "$(sql "SELECT overbook FROM appointments WHERE reason = 'second opinion'")" = 1 ] &&
	ok "stored as an overbook" || bad "stored as an overbook"

# ------------------------------------------------------------ cancel

keys Tab
check "Tab moves to the main column" "09:00 15 min  Kim, Bo"
keys c
check_prompt "c asks for a reason" "Reason for cancelling"
keys Enter
check "an empty reason cancels nothing" "Not cancelled"
keys c
type_line "patient called"
check "cancelling says so" "Cancelled: patient called"
check "the cancelled booking stays listed, beside the live one" "09:00 +Garcia, Maria .*Kim, Bo"
check "selected, it shows as cancelled with its reason" "Kim, Bo  E000002  acute: cough  cancelled: patient called"
[ "$(sql "SELECT status || ':' || cancel_reason FROM appointments WHERE reason = 'cough'")" = "cancelled:patient called" ] &&
	ok "the cancellation is stored with its reason" || bad "the cancellation is stored with its reason"
check "the live overbook takes the main column" "09:00 +Garcia, Maria"
line_e "09:00 +Garcia" | grep -Eq "${ESC}\[([0-9]+;)*2(;[0-9]+)*m[^K]*Kim, Bo" && ok "the cancelled booking is dimmed" ||
	{ OUT=$(line_e "09:00 +Garcia" | od -c | head -20); RC=-; ERR=""; bad "the cancelled booking is dimmed"; }

# ------------------------------------------------------------ move, length

keys k k
check "on Garcia's 08:30 booking" "08:30 30 min  Garcia, Maria  E000001"
keys m
check_prompt "m asks where to, the current time by default" "Move to (YYYY-MM-DD HH:MM): 2026-11-24 08:30"
$T send-keys -t emr C-u
type_line "2026-11-25 14:00"
check "the move is confirmed" "Moved to 2026-11-25 14:00"
check "the grid follows it to Wednesday" "Wed 2026-11-25"
check "at its new time" "14:00 Garcia, Maria  follow-up  BP check"
cli_has "the command line sees the new time" "14:00 .*Garcia, Maria" schedule 2026-11-25
run schedule 2026-11-24
printf '%s' "$OUT" | grep -q "08:30" && bad "the old time is gone" || ok "the old time is gone"
keys +
check "+ makes it a slot longer" "Now 45 minutes"
[ "$(sql "SELECT duration_min FROM appointments WHERE reason = 'BP check'")" = 45 ] &&
	ok "the new length is stored" || bad "the new length is stored"
keys -
check "- makes it a slot shorter" "Now 30 minutes"

# ------------------------------------------------------------ check-in

keys a
check "a checks in and says the visit is open" "Garcia, Maria checked in: visit [0-9]* opened"
check "the status shows arrived" "14:00 Garcia, Maria .*arrived"
[ "$(sql "SELECT status FROM appointments WHERE reason = 'BP check'")" = arrived ] &&
	ok "stored as arrived" || bad "stored as arrived"
cli_has "emr visit list shows the visit" "BP check" visit list E000001
keys Enter
check "Enter opens the patient's chart" "MRN E000001"
keys q
check "q comes back to the schedule" "Wed 2026-11-25"
keys i
check "i: in the exam room" "Garcia, Maria: in-room"
keys d
check "d: done" "Garcia, Maria: done"

# ------------------------------------------------------------ days, week

keys t
check "t goes back to today" "Tue 2026-11-24 (today)"
keys l
check "l is the next day" "Wed 2026-11-25"
keys h h
check "h is the day before" "Mon 2026-11-23"
keys ]
check "] is the next day" "Tue 2026-11-24"
keys w
check "w shows the week from Monday" "Week of Mon 2026-11-23"
check "with the weekdays as columns" "Mon 11-23 Tue 11-24 Wed 11-25 Thu 11-26 Fri 11-27 Sat 11-28 Sun 11-29"
check "family names in their cells" "11:00 *Red"
keys ]
check "] in the week view is the next week" "Week of Mon 2026-11-30"
keys w
check "w goes back to the day" "Tue 2026-12-01"

# ------------------------------------------------------------ recall

keys t
keys R
check "R lists who is due for a follow-up" "Lee, Ann"
check "with the due date" "2026-12-08"
keys Enter
check "Enter opens the chart from the recall list" "MRN E000004"
keys q
check "q comes back to the recall list" "Due for a follow-up, nothing booked: 1"
keys b
check_prompt "b books the recalled patient" "Book Lee, Ann at:"
$T send-keys -t emr C-u
type_line "2026-12-08 09:00"
keys Enter Enter
type_line "recall"
check "the booking is confirmed" "Booked Lee, Ann (15 min)"
check "and the patient leaves the recall list" "Nobody is due for a follow-up"
cli_has "the command line lists it" "09:00 .*Lee, Ann" schedule 2026-12-08
keys q
check "q returns to the schedule, on the new booking" "09:00 Lee, Ann  follow-up  recall"
check "on its day" "Tue 2026-12-08"

# ------------------------------------------------------------ help

keys "?"
check "? lists the schedule's keys" "book this slot"
keys j j j j j j j j j
check "j scrolls the help to the recall list" "R  *recall list"
keys q
absent "any key closes the help" "Keys (any other key"
keys C-q
check "emr quits cleanly" "EXITED=0"
stop

run keys
expect "emr keys lists the schedule" 0 "b  *book this slot"
printf '%s' "$OUT" | grep -q "F4  *today's schedule" && ok "emr keys lists F4" || bad "emr keys lists F4"

# ------------------------------------------------------------ wider, front desk

e user add fdesk --name "Lee Front" --role frontdesk
COLS=120 ROWS=45 EMR_USER=fdesk start
wait_for "Find patient" >/dev/null
keys F4
check "at 120x45 the whole clinic day fits" " 16:45 *$"
check "the front desk sees the physician's book" "Tue 2026-11-24 (today)  Dana Test"
keys j j j
keys b
$T send-keys -t emr -l "kim"
wait_for "E000002   Kim" >/dev/null
keys Enter Enter Enter Enter
type_line "from the desk"
check "the front desk books" "10:45 Kim, Bo  follow-up  from the desk"
keys C-q
stop
[ "$(sql "SELECT u.login FROM appointments a JOIN users u ON u.id = a.provider_id WHERE a.reason = 'from the desk'")" = drtest ] &&
	ok "booked with the physician, not the clerk" || bad "booked with the physician, not the clerk"

# ------------------------------------------------------------ warnings, roles

start
wait_for "Find patient" >/dev/null
keys F4
keys b
$T send-keys -t emr -l "kim"
wait_for "E000002   Kim" >/dev/null
keys Enter C-u
type_line "2026-11-24 18:00"
keys Enter Enter
type_line "late"
check "outside clinic hours: booked with a warning" "Booked, but the appointment is outside clinic hours"
check "the grid stretches to show it" "18:00 Kim, Bo  follow-up  late"
keys b
$T send-keys -t emr -l "kim"
wait_for "E000002   Kim" >/dev/null
keys Enter C-u
type_line "2027-03-14 02:30"
check "a time the clocks skip is refused in plain words" "Not booked: 2027-03-14 02:30 does not exist"
keys Escape
keys C-q
stop

e user add bill --name "Bea Biller" --role biller
EMR_USER=bill start
wait_for "Find patient" >/dev/null
keys F4
check "a biller sees the schedule" "Tue 2026-11-24 (today)"
keys b
check "but is told at once that a biller does not book" "Not booked: a biller cannot"
absent "no patient search opens" "choose the patient"
keys C-q
stop

finish
