#!/bin/sh
# UI tests of the data-entry forms (src/ui_forms.c), driven from the
# patient list and the chart as a person would: registration, vital
# signs, allergies, a prescription that trips the allergy check, problems
# with the ICD-10-CM picker, labs, immunizations, NKDA, retiring, Esc on
# a changed form, an edit that lost a race, and a small terminal.
# Every save is checked in the database with sqlite3.
here=$(dirname "$0")
. "$here/lib.sh"

# open_chart NAME: from the patient list, find the patient and open the chart.
open_chart() {
	wait_for "Find patient:" >/dev/null
	keys "$1"
	wait_for "$1" >/dev/null
	keys Enter
	wait_for "› Chart" >/dev/null
}

# sql_is NAME QUERY WANT: the query's answer must be WANT.
sql_is() {
	got=$(sql "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else OUT="$got"; RC=-; ERR=""; bad "$1 (wanted: $3)"; fi
}

# With the ICD-10-CM release: the problem form searches it.
"$EMR_BIN" init --practice "Riverside Family Medicine" --login drtest --name "Dana Test" >/dev/null 2>&1
mrn=$("$EMR_BIN" patient add --given Maria --family Lopez --dob 1961-04-02 --sex female | awk '{print $2}')
pid=$(sql "SELECT id FROM patients WHERE mrn = '$mrn'")
"$EMR_BIN" allergy add "$mrn" --substance penicillin --reaction hives --severity severe >/dev/null
"$EMR_BIN" patient add --given Noor --family Haddad --dob 1990-09-09 --sex female >/dev/null
obs() { sql "SELECT count(*) FROM observations WHERE patient_id = $pid AND status <> 'entered-in-error'"; }

# The status line carries the user and the patient before a message, so
# the flows run on a wide terminal where whole messages show; the last
# section checks the small-screen layout.
COLS=140

# ------------------------------------------------------------ registration
start
wait_for "Find patient:" >/dev/null
keys F2
check "F2 opens the registration form" "Register a new patient"
check "the footer names the keys" "Ctrl-S save  Tab next  Shift-Tab previous  Esc cancel"
keys Tab
check "leaving a required field empty says so under it" "required"
keys BTab "Ana" Tab "Ruiz" Tab Tab Right Tab "2023-02-30" Tab
check "an impossible date of birth is refused as it is left" "not a valid date (YYYY-MM-DD)"
keys BTab C-u "2030-01-01" Tab
check "a future date of birth is refused" "is in the future"
keys C-s
check "saving with a bad field says what and keeps the form" "Date of birth: is in the future"
sql_is "nothing registered while the form is wrong" "SELECT count(*) FROM patients WHERE family_name = 'Ruiz'" "0"
keys C-u "1980-06-15" Tab "617-555-0100" C-s
check "saving a new patient opens the chart" "› Chart"
check "the chart is the new patient's" "Ruiz, Ana"
sql_is "the patient is in the database" "SELECT given_name || ' ' || sex || ' ' || dob FROM patients WHERE family_name = 'Ruiz'" "Ana female 1980-06-15"
keys Escape
check "Esc from the new chart goes back to the list, not to the form" "Find patient:"
stop

# ------------------------------------------------------------ vital signs
start
open_chart "Lopez"
keys V
check "V opens the vital signs form" "Vital signs  -  Lopez, Maria"
check "units are shown beside the fields" "mm\[Hg\]"
keys "900/10" Tab
check "an impossible BP shows its error under the field" "BP 900/10: systolic 900 mm\[Hg\] is outside 40-300"
keys C-s
check "saving shows the refusal on the status line" "BP 900/10: systolic"
check "the form stays open with what was typed" "900/10"
[ "$(obs)" = 0 ] && ok "the impossible vital saved nothing" || bad "the impossible vital saved nothing ($(obs) rows)"
keys C-u "120/80" Tab "72" Tab "98.6F" Tab Tab Tab "154lb" Tab "65in"
check "Fahrenheit is converted as it is typed" "(= 37.0"
check "pounds are converted" "(= 69.9 kg)"
check "the BMI is computed live" "25.6 kg/m2"
keys C-s
check "a valid set is saved and the form closes" "Vital signs recorded"
sql_is "the BP is stored" "SELECT group_concat(value_num, '/') FROM (SELECT value_num FROM observations WHERE patient_id = $pid AND loinc IN ('8480-6', '8462-4') ORDER BY loinc DESC)" "120.0/80.0"
sql_is "the temperature is stored in Celsius" "SELECT value_num FROM observations WHERE patient_id = $pid AND loinc = '8310-5'" "37.0"
sql_is "BMI is recorded with the set" "SELECT value_num FROM observations WHERE patient_id = $pid AND loinc = '39156-5'" "25.6"
stop

# ------------------------------------------------------------ Esc asks first
start
open_chart "Lopez"
keys V
wait_for "Vital signs  -" >/dev/null
keys Escape
check "Esc on an unchanged form just closes it" "› Chart"
keys V "130/85"
keys Escape
check "Esc on a changed form asks before discarding" "Discard changes? (y/n)"
keys n
check "n keeps the form and what was typed" "130/85"
keys Escape y
check "y discards and closes" "› Chart"
sql_is "nothing was saved by the discarded form" "SELECT count(*) FROM observations WHERE patient_id = $pid AND value_num = 130" "0"
stop

# ------------------------------------------------------------ allergy check
start
open_chart "Lopez"
keys 2 a
check "a in Medications opens the medication form" "New medication  -  Lopez, Maria"
keys "Amoxicillin" Tab "500 mg" Tab "oral capsule" Tab "oral" Tab "Take 1 capsule by mouth 3 times daily for 10 days"
keys Tab "30" Tab "capsule" Tab "0" Tab Right Tab "otitis media"
keys C-s
check "prescribing amoxicillin to a penicillin-allergic patient warns" "ALLERGY WARNING"
check "the warning says why" "amoxicillin is a penicillin"
check "the warning shows the reaction and severity" "penicillin (hives, severe)"
check "the dialog names the keys to answer" "y: prescribe anyway"
keys Tab x C-s
check "other keys do not dismiss the warning" "ALLERGY WARNING"
sql_is "nothing is saved while the warning is up" "SELECT count(*) FROM medications WHERE patient_id = $pid" "0"
keys n
check "n goes back to the form" "New medication  -  Lopez, Maria"
absent "the warning is gone" "ALLERGY WARNING"
sql_is "going back saves nothing" "SELECT count(*) FROM medications WHERE patient_id = $pid" "0"
keys C-s
check "saving again warns again" "ALLERGY WARNING"
keys y
check "y saves and returns to the chart" "› Chart"
sql_is "the prescription is saved" "SELECT drug || ' ' || is_prescription FROM medications WHERE patient_id = $pid" "Amoxicillin 1"
sql_is "the acknowledgement is recorded" "SELECT allergy_override IS NOT NULL FROM medications WHERE patient_id = $pid" "1"
sql_is "it says what was shown and who acknowledged it" \
	"SELECT allergy_override LIKE 'acknowledged by drtest:%amoxicillin is a penicillin%' FROM medications WHERE patient_id = $pid" "1"
sql_is "the save is audited" "SELECT count(*) FROM audit_events WHERE entity = 'medications' AND action = 'create' AND patient_id = $pid" "1"
keys a "metformin" C-s
check "a drug with no allergy match saves without a warning" "Medication saved: metformin"
sql_is "with no override" "SELECT allergy_override IS NULL FROM medications WHERE drug = 'metformin'" "1"
stop

# ------------------------------------------------------------ edit, conflict
start
open_chart "Lopez"
keys 2
wait_for "metformin" >/dev/null
keys G e
check "e edits the selected medication" "Edit medication  -  Lopez, Maria"
keys Tab Tab Tab "Take 1 tablet by mouth twice daily"
sql "UPDATE medications SET version = version + 1 WHERE drug = 'metformin'" >/dev/null
keys C-s
check "saving over someone else's change is refused" "was changed by someone else"
check "the form says so under its title and stays open" "Nothing saved: Esc, then open it again"
sql_is "the other change is kept" "SELECT sig FROM medications WHERE drug = 'metformin'" ""
keys Escape y
keys e
wait_for "Edit medication" >/dev/null
keys Tab Tab Tab "Take 1 tablet by mouth twice daily" C-s
check "an edit of the current version saves" "Medication saved: metformin"
sql_is "the edit is stored" "SELECT sig || ' v' || version FROM medications WHERE drug = 'metformin'" "Take 1 tablet by mouth twice daily v3"
stop

# ------------------------------------------------------------ problem picker
start
open_chart "Lopez"
keys 1 a
check "a in Problems opens the problem form" "New problem  -  Lopez, Maria"
keys "essential hypert"
check "typing searches ICD-10-CM" "I10      Essential (primary) hypertension"
keys Enter
check "Enter takes the highlighted code and fills the description" "Description  Essential (primary) hypertension"
keys Tab Tab "2019-03-01" C-s
check "the problem is saved" "Problem saved: Essential (primary) hypertension"
sql_is "with its code and onset" "SELECT icd10 || ' ' || onset_date FROM problems WHERE patient_id = $pid" "I10 2019-03-01"
keys a "zzzqqq"
check "a search with no match says so" "no match"
keys C-s
check "a problem without a chosen code is refused" "not chosen from the list"
keys Escape y
stop

# ------------------------------------------------------------ lab, immunization
start
open_chart "Lopez"
keys 5 a "a1c" Enter
check "choosing a test fills its unit" "Unit        %"
check "and its range" "Range high  5.6"
keys Tab "7.8"
check "the flag it will get shows as the value is typed" "H  above the range"
keys C-s
check "the result is saved" "Lab result saved: HbA1c, flag H"
sql_is "with the code's unit and range" "SELECT unit || ' ' || ref_low || '-' || ref_high || ' ' || flag FROM observations WHERE loinc = '4548-4'" "% 4.0-5.6 H"
keys 6 a "tdap"
check "the vaccine picker searches CVX" "115  Tdap"
keys Enter Tab Tab "AB123" Tab Tab "l" Tab "i" Tab "1" C-s
check "the immunization is saved" "Immunization recorded: Tdap"
sql_is "with lot, site, route and dose" "SELECT cvx || ' ' || administered_on || ' ' || lot || ' ' || site || ' ' || route || ' ' || dose_number FROM immunizations" "115 2026-11-25 AB123 left deltoid IM 1"
keys x
check "x asks why the record was entered in error" "in error, because:"
keys "wrong patient" Enter
check "the record is marked" "Marked entered in error"
sql_is "with the reason" "SELECT status || ': ' || retired_reason FROM immunizations" "entered-in-error: wrong patient"
stop

# ------------------------------------------------------------ NKDA
start
open_chart "Haddad"
keys 3 a
check "a in Allergies opens the allergy form on the substance" "(NKDA: Shift-Tab)"
keys BTab Right
check "NKDA is one choice away" "no known drug allergies (NKDA)"
keys C-s
check "NKDA saves without a substance" "Allergy saved: no known drug allergies"
sql_is "as an NKDA entry" "SELECT count(*) FROM allergies WHERE is_nkda = 1 AND status = 'active'" "1"
stop

# ------------------------------------------------------------ small screen
COLS=60 ROWS=20 start
wait_for "Find patient:" >/dev/null
keys F2
check "the registration form opens at 60x20" "Given name"
keys Tab Tab Tab Tab Tab
check "messages under the fields push the rest below" "(more fields below: Tab)"
keys Tab Tab Tab Tab Tab
check "tabbing down scrolls to the last field" "ZIP"
check "and tells of the fields above" "(more fields above)"
keys BTab BTab BTab BTab BTab BTab BTab BTab BTab BTab
check "Shift-Tab scrolls back to the first" "Given name"
stop

finish
