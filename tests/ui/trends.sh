#!/bin/sh
# UI tests of the trend views: the vitals flowsheet (f in the chart) and
# the lab trend with its plot (t), at 80x24, at 60x20 and without UTF-8.
here=$(dirname "$0")
. "$here/lib.sh"

# width_ok NAME: no line of the screen is wider than the window (a plot
# that spilled past its rectangle would wrap or be cut by tmux).
width_ok() {
	wmax=$(screen | wc -L)
	if [ "$wmax" -le "${COLS:-80}" ]; then ok "$1"; else OUT=$(screen); RC=-; ERR=""; bad "$1 ($wmax columns)"; fi
}

# open_chart NAME: from the patient list, find the patient and open the chart.
open_chart() {
	wait_for "Find patient:" >/dev/null
	keys "$1"
	wait_for "$1" >/dev/null
	keys Enter
	wait_for "Chart" >/dev/null
}

"$EMR_BIN" init --practice P --login drtest --name "Dana Test" --no-codes >/dev/null 2>&1
# "registered E000001 (id 1)": the MRN names the patient to the commands.
mrn=$("$EMR_BIN" patient add --given Maria --family Lopez --dob 1961-04-02 --sex female | awk '{print $2}')
"$EMR_BIN" patient add --given Bob --family Empty --dob 1970-01-01 --sex male >/dev/null
v() { "$EMR_BIN" vital add "$mrn" "$@" >/dev/null || bad "vital add $*"; }
v --bp 142/90 --pulse 78 --temp 36.8 --resp 14 --spo2 98 --weight 84.2 --height 165 --at 2025-01-10T15:00:00Z
v --bp 136/86 --pulse 74 --weight 83.0 --at 2025-04-11T14:30:00Z
v --bp 131/84 --pulse 72 --temp 37.1 --weight 82.1 --at 2025-07-15T13:00:00Z
v --bp 128/82 --pulse 70 --spo2 97 --weight 80.9 --at 2025-10-02T14:00:00Z
v --bp 126/80 --pulse 68 --resp 16 --weight 80.0 --at 2025-11-20T16:00:00Z
v --bp 124/78 --at 2025-11-20T16:20:00Z
lab() { "$EMR_BIN" lab add "$mrn" --loinc "$1" --value "$2" --at "$3" >/dev/null || bad "lab add $*"; }
lab 4548-4 7.9 2025-01-10T15:00:00Z
lab 4548-4 7.4 2025-04-11T14:30:00Z
lab 4548-4 6.8 2025-07-15T13:00:00Z
lab 4548-4 6.9 2025-10-02T14:00:00Z
lab 4548-4 6.2 2025-11-20T16:00:00Z
lab 13457-7 162 2025-01-10T15:00:00Z
lab 13457-7 118 2025-07-15T13:00:00Z

# ------------------------------------------------------------ flowsheet
start
open_chart "Lopez"
keys f
check "f opens the flowsheet, titled with the patient" "Vitals flowsheet — Lopez, Maria"
check "a recorded BP shows as systolic/diastolic" "128/82"
check "the newest set is in view at the right" "124/78"
check "rows carry their UCUM unit" "BP     mm\[Hg\]"
check "BMI computed at recording is a row" "BMI    kg/m2 .*29.4"
check "two sets on one day are told apart by time" "11:00      11:20"
absent "the oldest set is scrolled off at 80 columns" "142/90"
check "the hidden older sets are counted" "← 1 older"
# The newest column sits at the right edge: 124/78 ends further right
# than 126/80 (oldest to newest, left to right).
c1=$(screen | grep '126/80' | sed 's/126\/80.*//' | wc -L)
c2=$(screen | grep '124/78' | sed 's/124\/78.*//' | wc -L)
[ "$c2" -gt "$c1" ] && ok "oldest left, newest right" || { OUT=$(screen); bad "oldest left, newest right ($c1 vs $c2)"; }
keys h
check "h scrolls to older sets" "142/90"
absent "the newest set scrolls out" "124/78"
keys G
check "G returns to the newest" "124/78"
keys Left
check "Left scrolls like h" "142/90"
keys Right
check "Right scrolls like l" "124/78"
keys g
check "g goes to the oldest" "142/90"
width_ok "the flowsheet fits 80 columns"
keys F1
check "the help lists the flowsheet's keys" "older (scroll left)"
keys Escape
keys q
check "q goes back to the chart" "› Chart"
stop

# ------------------------------------------------------------ lab trend
start
open_chart "Lopez"
keys t
check "t opens the lab trend, titled with the patient" "Lab trend — Lopez, Maria"
check "it starts on the latest test" "HbA1c  LOINC 4548-4"
check "the table lists the newest value" "2025-11-20 .*6.2 %  .*H  4.0-5.6"
check "the table lists the oldest value" "2025-01-10 .*7.9 %  .*H  4.0-5.6"
check "the reference range is stated" "Reference range 4.0-5.6 %"
check "the upper limit is a dashed line on the plot" "5.6 ┤┄┄┄┄┄┄"
check "the lower limit is a dashed line on the plot" "4.0 ┤┄┄┄┄┄┄"
check "the x axis is drawn, the unit under the scale" "%└────"
check "the first and last dates are under the axis" "2025-01  *2025-11"
if screen | LC_ALL=C grep -q "$(printf '\342[\240-\243]')"; then ok "the values are plotted in braille"; else OUT=$(screen); bad "the values are plotted in braille"; fi
width_ok "the plot stays within 80 columns"
keys n
check "n steps to the next test" "LDL  LOINC 13457-7"
check "its values are listed" "2025-01-10 .*162 mg/dL"
check "its range is marked" "99 ┤┄┄┄"
keys n
check "n wraps around" "HbA1c  LOINC 4548-4"
keys p
check "p steps back" "LDL  LOINC 13457-7"
keys Tab
check "Tab steps like n" "HbA1c  LOINC 4548-4"
keys q
check "q goes back to the chart" "› Chart"
stop

# ------------------------------------------------------------ 60x20
COLS=60 ROWS=20
start
open_chart "Lopez"
keys f
check "at 60x20 the flowsheet shows the newest set" "124/78"
width_ok "the flowsheet fits 60 columns"
keys q t
check "at 60x20 the lab trend shows the table" "2025-11-20 .*6.2"
check "at 60x20 the plot keeps the reference lines" "5.6 ┤┄┄┄"
check "at 60x20 the plot keeps its x axis" "%└───"
check "at 60x20 the results that do not fit say so" "of 5 results"
width_ok "the lab trend fits 60 columns"
keys j j
check "j scrolls the results" "2025-01-10 .*7.9"
stop
COLS=80 ROWS=24

# ------------------------------------------------------------ resizing
start
open_chart "Lopez"
keys t
wait_for "Lab trend" >/dev/null
$T resize-window -t emr -x 60 -y 20
check "resized to 60x20 the plot redraws" "4.0 ┤┄┄┄"
COLS=60 width_ok "after resizing nothing spills past 60 columns"
$T resize-window -t emr -x 120 -y 40
check "a larger window gets a larger plot" "4.0 ┤┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄┄"
stop

# ------------------------------------------------------------ no UTF-8
export LC_ALL=C
start
open_chart "Lopez"
keys t
check "without UTF-8 the title uses a plain dash" "Lab trend - Lopez, Maria"
check "without UTF-8 the limits are - - lines" "5.6 +- - - -"
check "without UTF-8 the points are asterisks" "\*"
check "without UTF-8 the axis is plain" "%+-----"
if screen | LC_ALL=C grep -q "$(printf '[\200-\377]')"; then OUT=$(screen); bad "without UTF-8 the screen is pure ASCII"; else ok "without UTF-8 the screen is pure ASCII"; fi
keys q f
check "without UTF-8 the flowsheet scroll hint is plain" "< 1 older"
stop
export LC_ALL=C.UTF-8

# ------------------------------------------------------------ empty chart
start
open_chart "Empty"
keys f
check "no vitals says so" "No vital signs recorded for this patient"
keys q t
check "no labs says so" "No laboratory results recorded for this patient"
keys n
check "n with no tests explains" "No laboratory results"
stop

finish
