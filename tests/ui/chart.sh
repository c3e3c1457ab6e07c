#!/bin/sh
# UI tests of the chart screen: the real binary in tmux at 80x24, a
# practice built with the command line (EMR_NOW fixed by lib.sh, so ages
# are known), keys in with send-keys, the screen out with capture-pane,
# asserting what a person sees, colours included where they carry meaning.
here=$(dirname "$0")
. "$here/lib.sh"
ESC=$(printf '\033')

# screen_e: the screen with its colours and attributes as escape sequences.
screen_e() { $T capture-pane -p -e -t emr; }

# wait_for_e RE: polls the screen with its escape sequences for RE.
wait_for_e() {
	i=0
	while [ $i -lt 50 ]; do
		screen_e | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

fail_screen() { OUT=$(screen); RC=-; ERR=""; bad "$1"; }

check_e() { # check_e NAME RE: the screen with colours matches RE
	if wait_for_e "$2"; then ok "$1"; else fail_screen "$1 (coloured screen lacks: $2)"; fi
}
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

# open_chart QUERY: from the patient list, search and open the first match.
open_chart() {
	start
	wait_for "Find patient" || { fail_screen "the patient list opens"; return 1; }
	$T send-keys -t emr -l "$1"
	sleep 0.3
	$T send-keys -t emr Enter
	wait_for "MRN E0" || { fail_screen "the chart of $1 opens"; return 1; }
}

# col_of LINE_PATTERN WORD: the display column at which WORD starts on the
# first screen line matching LINE_PATTERN (wide characters count 2).
col_of() {
	screen | grep -m1 -- "$1" | sed "s/$2.*//" | wc -L
}

# focused N TITLE: the title of pane N is drawn highlighted (reverse).
focused() { printf '%s\[[0-9;]*7m[^[:alnum:]]*%s %s' "$ESC" "$1" "$2"; }
# sgr: any one colour/attribute sequence, as a BRE group.
sgr() { printf '\\(%s\\[[0-9;]*m\\)' "$ESC"; }
# reversed WORD: WORD drawn in reverse video (the alert of a monochrome terminal).
reversed() { printf '%s\[[0-9;]*7m%s*%s' "$ESC" "$(sgr)" "$1"; }
# alerted WORD: WORD drawn in the alert colour (red).
alerted() { printf '%s\[[0-9;]*31m%s*%s' "$ESC" "$(sgr)" "$1"; }

# ------------------------------------------------------------ the practice

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest >/dev/null 2>&1 ||
	{ bad "init"; finish; exit 1; }

e() { "$EMR_BIN" "$@" >/dev/null 2>"$TMP/err" || { RC=$?; ERR=$(cat "$TMP/err"); OUT=""; bad "setup: emr $*"; }; }

# E000001: an adult with a full chart.
e patient add --given Maria --family Garcia --preferred Mari --dob 1990-03-14 --sex female
e problem add E000001 --icd10 E11.9 --onset 2019-04-02
e problem add E000001 --icd10 I10 --onset 2018-01-10
e problem add E000001 --icd10 J45.909 --onset 2001-06-01
e problem resolve 3 --date 2020-01-01
e allergy add E000001 --substance sulfa --reaction rash --severity mild
e allergy add E000001 --substance penicillin --reaction anaphylaxis --severity severe
e med add E000001 --drug metformin --strength "500 mg" --form "oral tablet" --sig "Take 1 tablet by mouth twice daily"
e med add E000001 --drug lisinopril --strength "10 mg" --form "oral tablet" --sig "Take 1 tablet by mouth once daily"
e vital add E000001 --height 165 --at 2025-01-10T14:00:00Z
e vital add E000001 --bp 138/88 --pulse 80 --weight 84 --at 2026-03-02T14:00:00Z
e vital add E000001 --bp 132/84 --pulse 76 --weight 82.5 --at 2026-07-01T14:00:00Z
e vital add E000001 --bp 124/78 --pulse 72 --temp 36.8 --resp 16 --spo2 98 --weight 81 --at 2026-11-20T14:00:00Z
e lab add E000001 --loinc a1c --value 7.4 --at 2026-11-20T14:00:00Z
e lab add E000001 --loinc creatinine --value 0.9 --at 2026-11-20T14:00:00Z
e immunization add E000001 --cvx 115 --date 2024-10-01

# E000002: CJK names and substances, no allergy information at first.
e patient add --given 伟 --family 李 --dob 1985-06-01 --sex male
# E000003: an infant with NKDA.
e patient add --given Baby --family Infant --dob 2026-10-01 --sex male
e allergy add E000003 --nkda
# E000004: deceased.
e patient add --given Walter --family Oldham --dob 1931-02-03 --sex male
e patient retire E000004 --reason "died at home" --deceased 2026-08-01
# E000005: CJK allergy beside an ASCII one, for column alignment.
e patient add --given Chen --family Zhou --dob 1970-01-01 --sex female
e allergy add E000005 --substance 青霉素 --reaction hives --severity severe
e allergy add E000005 --substance sulfa --reaction rash --severity mild

# E000006: a chart the tests change through the chart's keys.
e patient add --given Ruth --family Keller --dob 1960-05-05 --sex female
e problem add E000006 --icd10 I10 --onset 2015-01-01
e problem add E000006 --icd10 E78.5 --onset 2016-01-01
e med add E000006 --drug atorvastatin --strength "20 mg" --form "oral tablet" --sig "Take 1 tablet by mouth at bedtime"
e allergy add E000006 --nkda
e vital add E000006 --bp 150/95 --pulse 70 --at 2026-11-01T14:00:00Z
e lab add E000006 --loinc ldl --value 160 --at 2026-11-01T14:00:00Z
# E000007: thirty results, more than the Labs pane shows at 80x24.
e patient add --given Sam --family Scroller --dob 1975-07-07 --sex male
d=1
while [ $d -le 30 ]; do
	e lab add E000007 --loinc glucose --value $((90 + d)) --at "2026-10-$(printf %02d $d)T14:00:00Z"
	d=$((d + 1))
done

# ------------------------------------------------------------ the header

open_chart garcia
check "the header shows name, preferred name and age in years" "Garcia, Maria (Mari)  36y  female  DOB 1990-03-14  MRN E000001"
check "the header lists the allergies, severe first" "Allergies: penicillin, sulfa"
check_e "the allergies are in the alert colour" "$(alerted "penicillin")"
check "the problem code is shown with its dot" "E11.9 "
check "problems show their description" "Type 2 diabetes"
absent "a resolved problem is not listed by default" "J45.909"
check "medications show drug, strength and form" "lisinopril 10 mg oral"
check "allergies show the reaction" "anaphylaxis"
check "the vitals pane is dated by the latest set" "4 Vitals 2026-11-20"
check "the latest blood pressure shows with its unit" "BP 124/78 mm\[Hg\]"
check "weight in kg" "Wt 81 kg"
check "an older height shows its own date" "Ht 165 cm (2025-01-10)"
check "a sparkline of systolic BP follows it" "mm\[Hg\] [▁▂▃▄▅▆▇█]\{3\}"
check "labs show value and unit" "HbA1c *7.4 %"
check_e "an abnormal lab is flagged H in the alert colour" "$(alerted "H")"
check "immunizations show date and vaccine" "2024-10-01 Tdap"
check "the status line names the patient" "│ Garcia, Maria (Mari)  36y  E000001"

# ------------------------------------------------------------ focus and keys

check_e "the Problems pane has the focus first" "$(focused 1 Problems)"
check "the footer offers the Problems keys" "r resolve"
$T send-keys -t emr Tab
check_e "Tab moves the focus to Medications" "$(focused 2 Medications)"
check "the footer offers the Medications keys" "s stop"
$T send-keys -t emr BTab
check_e "Shift-Tab moves it back" "$(focused 1 Problems)"
$T send-keys -t emr 5
check_e "5 focuses Labs" "$(focused 5 Labs)"
check "the footer offers the lab trend" "t trend"
$T send-keys -t emr 7 a
check "adding on Visits explains where visits come from" "Visits arrive"
$T send-keys -t emr 1 H
check "H shows history: the resolved problem, marked" "J45.909 .*asthma.*resolved"
check "the pane title counts past records" "1 Problems (2 + 1 past)"
$T send-keys -t emr H
absent "H again hides it" "J45.909"
$T send-keys -t emr '?'
check "? lists the chart's keys" "mark the selected record entered in error"
$T send-keys -t emr q

# ------------------------------------------------------------ resizing

$T resize-window -t emr -x 60 -y 20
check "at 60x20 the whole name stays in the header" "Garcia, Maria (Mari)  36y F  1990-03-14"
check "at 60x20 the allergies stay" "Allergies: penicillin, sulfa"
check "at 60x20 the panes are there" "4 Vitals"
$T resize-window -t emr -x 50 -y 15
check "at 50x15 the screen says it is too small" "terminal too small"
$T resize-window -t emr -x 80 -y 24
check "back at 80x24 the chart returns" "Garcia, Maria (Mari)  36y  female"
$T resize-window -t emr -x 160 -y 50
check "at 160x50 the panes take three columns" "1 Problems.*3 Allergies.*6 Immunizations"
$T resize-window -t emr -x 80 -y 24
absent "resizing never crashes" "EXITED="
$T send-keys -t emr q
check "q goes back to the patient list" "Find patient"
stop

# ------------------------------------------------------------ other patients

open_chart E000003
check "an infant's age is in months" "Infant, Baby  1mo  male"
check "NKDA shows as such" "Allergies: NKDA"
check_e "NKDA is in the reassuring colour, not the alert one" "Allergies: $(sgr)*${ESC}\[[0-9;]*32m$(sgr)*NKDA"
stop

open_chart E000002
check "a CJK name shows in the header" "李, 伟  41y  male"
check "no allergy information says so" "Allergies not recorded"
check "an empty pane says so" "No active problems"
stop

open_chart E000004
check "a deceased patient is marked" "DECEASED 2026-08-01"
check "the age of a deceased patient stops at death" "Oldham, Walter  95y"
stop

# ------------------------------------------------------------ scrolling

open_chart scroller
$T send-keys -t emr 5
check "a long pane says which rows it shows" "5 Labs 1-[0-9]* of 30"
check "newest first" "2026-10-30 Glucose *120"
$T send-keys -t emr G
check "G goes to the last result" "5 Labs [0-9]*-30 of 30"
check "the oldest is then on screen" "2026-10-01 Glucose *91"
$T send-keys -t emr g
check "g goes back to the first" "5 Labs 1-[0-9]* of 30"
$T send-keys -t emr NPage
check "PgDn scrolls a page" "5 Labs [1-9][0-9]*-[0-9]* of 30"
absent "the first page has scrolled away" "Glucose *120"
$T send-keys -t emr PPage
check "PgUp scrolls back" "Glucose *120"
$T send-keys -t emr j j j
check "j moves down without scrolling yet" "5 Labs 1-[0-9]* of 30"
stop

# ------------------------------------------------------------ changing the chart

open_chart keller
check "the chart to change is open" "Keller, Ruth  66y"
# Problems are newest onset first: E78.5 is selected.
$T send-keys -t emr r
check_prompt "r asks when the problem resolved" "Hyperlipidemia"
$T send-keys -t emr Enter
check "the resolved problem leaves the list" "1 Problems (1)"
absent "the resolved problem is no longer shown" "E78.5"
[ "$(sql "select status from problems where icd10 = 'E785'")" = resolved ] && ok "the problem is resolved in the database" || bad "the problem is resolved in the database"
$T send-keys -t emr x
check_prompt "x asks why the record was entered in error" "I10"
$T send-keys -t emr -l "wrong patient"
$T send-keys -t emr Enter
check "the retired problem leaves the list" "No active problems"
$T send-keys -t emr H
check "with history, the record entered in error is marked" "I10 .*in error"
check "and the resolved one too" "E78.5 .*resolved"
$T send-keys -t emr H 2 s
check_prompt "s asks why the medication stops" "atorvastatin"
$T send-keys -t emr -l "myalgia"
$T send-keys -t emr Enter
check_prompt "then when" "[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]"
$T send-keys -t emr Enter
check "the stopped medication leaves the list" "No active medications"
$T send-keys -t emr 4 x
check_prompt "x on the BP asks for a reason" "BP 150/95"
$T send-keys -t emr -l "cuff too small"
$T send-keys -t emr Enter
absent "the BP entered in error is gone" "150/95"
[ "$(sql "select count(*) from observations o join patients p on p.id = o.patient_id where p.mrn = 'E000006' and o.loinc in ('8480-6', '8462-4') and o.status = 'entered-in-error'")" = 2 ] &&
	ok "both halves of the BP are marked entered in error" || bad "both halves of the BP are marked entered in error"
$T send-keys -t emr 1 a
check "a on Problems opens the problem form" "New problem"
$T send-keys -t emr Escape
check "Esc comes back to the chart" "Keller, Ruth  66y"
$T send-keys -t emr V
check "V opens the vitals form from anywhere" "BMI"
$T send-keys -t emr Escape
$T send-keys -t emr f
check "f opens the flowsheet" "Vitals flowsheet"
# Meanwhile another session records an allergy: back on the chart, it shows.
e allergy add E000006 --substance latex --reaction urticaria --severity moderate --category environment
$T send-keys -t emr q
check "back from a screen, the chart is read again" "Allergies: latex"
$T send-keys -t emr 5 t
check "t opens the trend of the selected lab" "Lab trend"
check "of that test" "LDL"
$T send-keys -t emr q
absent "no crash while changing the chart" "EXITED="
stop

open_chart E000005
wait_for "hives" >/dev/null
a=$(col_of "青霉素 *hives" hives)
b=$(col_of "sulfa *rash" rash)
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" -gt 0 ]; then ok "a CJK substance keeps the next column aligned ($a)"; else fail_screen "a CJK substance keeps the next column aligned ($a vs $b)"; fi
stop

# Without colour (vt100) the allergies still stand out, in reverse video.
TERM=vt100
open_chart garcia
check "the chart works on a vt100" "Garcia, Maria (Mari)  36y"
check_e "on a vt100 the allergies are in reverse video" "$(reversed penicillin)"
stop
TERM=xterm-256color

# The patient list with a CJK name: the columns after it line up too.
start
wait_for "Find patient" >/dev/null
wait_for "李" >/dev/null
a=$(col_of "李" 1985-06-01)
b=$(col_of "Garcia" 1990-03-14)
if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" -gt 0 ]; then ok "a CJK name keeps the list's columns aligned ($a)"; else fail_screen "a CJK name keeps the list's columns aligned ($a vs $b)"; fi
stop

# X exports the whole chart as a FHIR Bundle into ~/emr-exports and says
# where; the file is private (0600) and is the same Bundle the command
# line writes.
HOME="$TMP/home"
mkdir -p "$HOME"
export HOME
open_chart garcia
keys X
mrn=$(sql "SELECT mrn FROM patients WHERE family_name = 'Garcia'")
check "X says where the export went" "Exported to ~/emr-exports/$mrn-2026-11-25.json"
f="$HOME/emr-exports/$mrn-2026-11-25.json"
[ "$(stat -c %a "$f" 2>/dev/null)" = 600 ] && ok "the export is private (0600)" || bad "the export is private (0600)"
python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); assert b["resourceType"] == "Bundle"; assert any(e["resource"]["resourceType"] == "Patient" and e["resource"]["name"][0]["family"] == "Garcia" for e in b["entry"])' "$f" &&
	ok "it is a Bundle holding the patient" || bad "it is a Bundle holding the patient"
keys X
check "a second export never overwrites the first" "$mrn-2026-11-25-2.json"
stop


# An imported note (emr import fhir) names its author at the source: the
# Visits pane says it was signed at source ("src" when narrow), never by
# the importing user, and the note's header names the outside author.
SYN=${EMR_SHARED:-$(cd "$here/../.." && dirname "$(pwd)")/shared}/data/fhir-r4/synthea
cecelia=$(ls "$SYN"/Cecelia952_Romaguera67_*.json 2>/dev/null | head -n 1)
if [ -n "$cecelia" ] && "$EMR_BIN" import fhir "$cecelia" >/dev/null 2>&1; then
	author=$(sql "SELECT source_author FROM notes WHERE source_author <> '' LIMIT 1")
	open_chart romaguera
	keys 7
	check "the Visits pane marks an imported note signed at source" "General e.* signed src"
	absent "the Visits pane never shows the importer's initials for it" "General e.* signed DT"
	keys Enter
	check "the note's header names the outside author" "Written by $author (imported from another system)"
	absent "the note's header never names the importer as signer" "Signed by Dana Test"
	check "the visit line names the outside provider" "Visit 2020-12-09  office  General examination"
	stop
	COLS=170 ROWS=40 open_chart romaguera
	check "a wide Visits pane says signed at source" "General exam.* signed at source"
	keys 7 Enter
	check "a wide header names the importing user too" "signed at source on .*; imported by Dana Test"
	stop
else
	echo "skipped: imported notes (no Synthea file under $SYN)"
fi

# Imported medications name their outside prescriber; a SNOMED-only
# problem shows its code; history (H) lists the procedures after the
# problems, read only.
kermit=$(ls "$SYN"/Kermit_Trantow_*.json 2>/dev/null | head -n 1)
if [ -n "$kermit" ] && "$EMR_BIN" import fhir "$kermit" >/dev/null 2>&1; then
	open_chart trantow
	check "a SNOMED-only problem shows its code" "38341003  Hypertension"
	check "an imported medication names its outside prescriber" "Dr. Levi Reichert (outside)"
	absent "procedures are not in the current view" "Procedure: Documenta"
	keys H
	check "history lists the procedures after the problems" "Procedure: Documenta.* 2016"
	keys 1 End e
	check_prompt "a procedure is not edited here" "came from another system: mark it in error"
	stop
fi

finish
