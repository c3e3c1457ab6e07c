#!/bin/sh
# Hostile data on the screen: names holding terminal escape sequences,
# C1 controls and a right-to-left override are stored as given but drawn
# harmlessly: the screen is not cleared, the title not rewritten, and the
# text reads in its stored order.
here=$(dirname "$0")
. "$here/lib.sh"

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --no-codes >/dev/null 2>&1
evil_given=$(printf 'Evil\033[2J\033]0;pwned\007')
evil_family=$(printf 'Mal\302\233Xory\342\200\256cba')
"$EMR_BIN" patient add --given "$evil_given" --family "$evil_family" --dob 1980-01-01 --sex male >/dev/null
"$EMR_BIN" patient add --given Ana --family Ruiz --dob 1970-01-01 --sex female >/dev/null
stored=$(sqlite3 "$EMR_DB" "select hex(given_name) from patients where mrn = 'E000001'")
want=$(printf '%s' "$evil_given" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
[ "$stored" = "$want" ] && ok "the escape sequence is stored byte for byte" || bad "the escape sequence is stored byte for byte ($stored)"

start
check "the list shows both patients" "Ruiz, Ana"
check "the hostile name is drawn with its controls removed" "Evil\[2J\]0;pwned"
check "the right-to-left override is not drawn (text keeps its order)" "MalXorycba"
title=$($T display-message -p -t emr '#{pane_title}')
[ "$title" != pwned ] && ok "the name did not set the window title (OSC 0)" || bad "the name did not set the window title (OSC 0)"
keys "evil"
check "searching finds the hostile name" "Evil\[2J"
keys Enter
check "its chart opens with the header intact" "MRN E000001"
check "the status line is intact" "Dana Test (physician)"
keys C-q
check "emr quits cleanly" "EXITED=0"
stop
finish
