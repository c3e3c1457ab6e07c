#!/bin/sh
# UI tests: the real binary in tmux at a fixed size, keys in with
# send-keys, the screen out with capture-pane, asserting what a person sees.
# Runs this file's patient-list tests, then every other tests/ui/*.sh.
here=$(dirname "$0")
. "$here/lib.sh"

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --no-codes >/dev/null 2>&1
"$EMR_BIN" patient add --given José --family García --dob 1990-03-14 --sex male --phone 555-010-1234 >/dev/null
"$EMR_BIN" patient add --given Zoë --family Nguyễn --dob 2001-05-06 --sex female >/dev/null
"$EMR_BIN" patient add --given 伟 --family 李 --dob 1956-07-01 --sex male >/dev/null
"$EMR_BIN" patient add --given Joseph --family Smith --dob 1980-01-01 --sex male >/dev/null

start
check "the UI opens on the patient list" "Find patient:"
check "the practice name is in the title" "Riverside Family Medicine"
check "the status line shows the user" "Dana Test (physician)"
keys "gar"
check "typing a partial name finds García" "García, José"
absent "the search narrows as you type" "Smith, Joseph"
keys C-u "jose gar"
check "accents and order do not matter" "García, José"
keys C-u "nguyen"
check "an accented family name is found without its accent" "Nguyễn, Zoë"
keys C-u "1956-07-01"
check "search by date of birth" "李, 伟"
keys C-u "5550101"
check "search by phone digits" "García, José"
keys C-u "zzz"
check "no match says how to register" "No patient matches"
keys Escape
check "Esc clears the search" "Recent and all patients"
keys F1
check "the help overlay lists the view's keys" "register a new patient"
check "the help overlay lists the global keys" "find a patient"
keys q
absent "any key closes the help" "Keys (any other key"
stop

# CJK names keep the columns aligned: the birth date column starts at the
# same screen column in every row.
start
wait_for "Born" >/dev/null
# Display width (wc -L counts a CJK character as 2) of what precedes the
# date column, in the header row and in the row of 李 伟.
aw=$(screen | grep 'Born' | head -1 | sed 's/Born.*//' | wc -L)
bw=$(screen | grep '李' | head -1 | sed 's/1956-07-01.*//' | wc -L)
[ "$aw" = "$bw" ] && ok "a CJK name keeps the date column aligned" || { OUT=$(screen); bad "a CJK name keeps the date column aligned ($aw vs $bw)"; }
stop

# Resizing at any moment: down to 60x20 it redraws, below that it says so.
start
keys "gar"
wait_for "García" >/dev/null
$T resize-window -t emr -x 60 -y 20
check "at 60x20 the list still shows" "García, José"
$T resize-window -t emr -x 50 -y 15
check "below 60x20 it says the terminal is too small" "terminal too small"
$T resize-window -t emr -x 80 -y 24
check "back at 80x24 the search is intact" "Find patient: gar"
keys C-q
check "Ctrl-Q quits cleanly" "EXITED=0"
stop

# Ctrl-Z suspends to the shell, fg resumes with the screen restored.
$T new-session -d -s emr -x 80 -y 24 "env EMR_DB='$EMR_DB' EMR_USER=drtest EMR_NOW=$EMR_NOW TZ=$TZ TERM=$TERM sh -i"
sleep 0.3
$T send-keys -t emr "PS1='$ '; '$EMR_BIN'" Enter
check "started from a shell" "Find patient:"
keys "smi"
wait_for "Smith, Joseph" >/dev/null
keys C-z
check "Ctrl-Z suspends to the shell" "Stopped"
$T send-keys -t emr "fg" Enter
check "fg restores the screen and the search" "Smith, Joseph"
keys C-q
stop

# Without colour (vt100) the screen still works, using bold and reverse.
for term in vt100 linux screen tmux-256color; do
	infocmp "$term" >/dev/null 2>&1 || continue
	TERM=$term
	start
	check "works with TERM=$term" "Find patient:"
	keys "gar"
	check "search and open a chart with TERM=$term" "García"
	keys Enter
	check "the chart header with TERM=$term" "MRN E000001"
	keys C-q
	stop
done
TERM=xterm-256color

# A missing database: the UI offers to create one.
EMR_DB="$TMP/new/practice.db"
start
check "a missing database offers to create it" "Create a new practice there now"
keys n Enter
check "declining exits non-zero" "EXITED=1"
stop
[ ! -e "$TMP/new/practice.db" ] && ok "no file created on decline" || bad "no file created on decline"

finish_ui() {
	rc=0
	for t in "$here"/*.sh; do
		case "$t" in */run.sh|*/lib.sh) continue ;; esac
		sh "$t" || rc=1
	done
	return $rc
}
finish && finish_ui
