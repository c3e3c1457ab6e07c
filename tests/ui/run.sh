#!/bin/sh
# UI tests: the real binary in tmux at a fixed size, keys in with
# send-keys, the screen out with capture-pane, asserting what a person sees.
here=$(dirname "$0")
. "$here/../cli/lib.sh"
export TERM=xterm-256color
SOCK="$TMP/tmux.sock"
T="tmux -S $SOCK"

# screen: the visible text of the pane.
screen() { $T capture-pane -p -t emr; }

# wait_for TEXT: polls the screen (up to 5 s) until TEXT shows.
wait_for() {
	i=0
	while [ $i -lt 50 ]; do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

start() {
	$T new-session -d -s emr -x "${COLS:-80}" -y "${ROWS:-24}" \
		"env EMR_DB='$EMR_DB' EMR_USER=drtest EMR_NOW=$EMR_NOW TZ=$TZ TERM=$TERM '$EMR_BIN' $*; echo EXITED=\$?; sleep 30"
}
stop() { $T kill-server 2>/dev/null; }

check() { # check NAME TEXT
	if wait_for "$2"; then ok "$1"; else OUT=$(screen); RC=-; ERR=""; bad "$1 (screen lacks: $2)"; fi
}

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --no-codes >/dev/null 2>&1

start
check "the UI opens on the practice" "Riverside Family Medicine"
check "the status shows the user" "Signed in as Dana Test"
$T send-keys -t emr q
check "q quits cleanly" "EXITED=0"
stop

# Missing database: the UI offers to create one.
EMR_DB="$TMP/new/practice.db"
start
check "a missing database offers to create it" "Create a new practice there now"
$T send-keys -t emr n Enter
check "declining leaves nothing behind" "EXITED=1"
stop
[ ! -e "$TMP/new/practice.db" ] && ok "no file created on decline" || bad "no file created on decline"

finish
