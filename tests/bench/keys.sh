#!/bin/sh
# Key-to-screen latency on a demo practice: emr runs in tmux with
# EMR_KEY_TIMING set, which makes it log, for every key, the time from the
# key's arrival to the updated screen (handling, queries, painting and the
# write to the terminal).  We type searches letter by letter and open
# charts, then summarise.   usage: keys.sh DB LABEL EMR
set -eu
db=$1 label=$2 emr=$3
log=$(mktemp /tmp/emr-keys-XXXXXX)
sock=$(mktemp -u /tmp/emr-keys-sock-XXXXXX)
T="tmux -S $sock"
$T new-session -d -s k -x 100 -y 30 "env EMR_KEY_TIMING=$log TERM=xterm-256color '$emr' --db '$db'"
sleep 1
for q in smi garc ngu joh li wil mart; do
	for i in $(seq 1 ${#q}); do
		$T send-keys -t k "$(printf '%s' "$q" | cut -c"$i")"
		sleep 0.05
	done
	$T send-keys -t k Enter; sleep 0.3
	$T send-keys -t k Tab; sleep 0.05
	$T send-keys -t k j; sleep 0.05
	$T send-keys -t k q; sleep 0.2
	$T send-keys -t k C-u; sleep 0.05
done
$T send-keys -t k C-q
sleep 0.3
$T kill-server 2>/dev/null || true
# Lines: VIEW KEY MS.  Letters typed on the patient list are searches;
# Enter (13) from the list lands on the Chart view: opening a chart.
awk -v label="$label" '
	function report(name, arr, n,   i, j, t, p) {
		if (n == 0) return
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
		p = int(n * 0.95); if (p < 1) p = 1
		printf "%-10s %-26s %9.3f ms  p95 %7.3f ms  max %7.3f ms  (%d keys)\n", label, name, arr[int((n + 1) / 2)], arr[p], arr[n], n
	}
	$1 == "Patients" && $2 >= 97 && $2 <= 122 { s[++ns] = $3 }
	$1 == "Chart" && ($2 == 13) { c[++nc] = $3 }
	$1 == "Chart" && ($2 == 9 || $2 == 106) { m[++nm] = $3 }
	END {
		report("key->screen: search", s, ns)
		report("key->screen: open chart", c, nc)
		report("key->screen: chart keys", m, nm)
	}' "$log"
rm -f "$log"
