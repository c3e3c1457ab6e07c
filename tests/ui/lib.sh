# Helpers for tmux-driven UI tests (sourced after tests/cli/lib.sh).
here=${here:-$(dirname "$0")}
. "$here/../cli/lib.sh"
export TERM=${TERM_UNDER_TEST:-xterm-256color}
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

# start [ARGS]: emr in a fresh tmux session of COLS x ROWS (80x24).
start() {
	$T new-session -d -s emr -x "${COLS:-80}" -y "${ROWS:-24}" \
		"env EMR_DB='$EMR_DB' EMR_USER=${EMR_USER:-drtest} EMR_NOW=$EMR_NOW TZ=$TZ TERM=$TERM '$EMR_BIN' $*; echo EXITED=\$?; sleep 30"
}
stop() { $T kill-server 2>/dev/null; sleep 0.1; }

# keys ARGS: send-keys with a short pause for the screen to update.
keys() { $T send-keys -t emr "$@"; sleep 0.15; }

check() { # check NAME TEXT: TEXT must appear
	if wait_for "$2"; then ok "$1"; else OUT=$(screen); RC=-; ERR=""; bad "$1 (screen lacks: $2)"; fi
}
absent() { # absent NAME TEXT: TEXT must not be on the screen
	sleep 0.2
	if screen | grep -q -- "$2"; then OUT=$(screen); RC=-; ERR=""; bad "$1 (screen shows: $2)"; else ok "$1"; fi
}
