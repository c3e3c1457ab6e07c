#!/bin/sh
# Command-line tests: the real binary against real databases, checking
# output, exit codes and that a failed command writes nothing.
here=$(dirname "$0")
. "$here/lib.sh"

# ---------------------------------------------------------------- basics
run version;                    expect "version prints" 0 "emr "
run help;                       expect "help lists commands" 0 "patient"
run nosuchcommand;              expect "unknown command is a usage error" 2 "" "not an emr command"
run patient list;               expect "missing database says how to create one" 1 "" "emr init"

# ------------------------------------------------------------------ init
run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD
expect "init creates the practice" 0 "created"
mode=$(stat -c %a "$EMR_DB")
[ "$mode" = 600 ] && ok "database file is mode 0600" || bad "database file is mode 0600 (got $mode)"
run init --practice "Again"
expect "init refuses to overwrite" 1 "" "already exists"
[ "$(sql 'select count(*) from icd10cm')" -gt 70000 ] && ok "ICD-10-CM loaded at init" || bad "ICD-10-CM loaded at init"

# --------------------------------------------------------------- patients
run patient add --given José --family García --dob 1990-03-14 --sex male --phone "555-010-1234"
expect "patient add" 0 "registered E000001"
run patient add --given Zoë --family Nguyễn --dob 2023-02-30 --sex female
expect "impossible date refused" 1 "" 'dob "2023-02-30": not a valid date'
run patient add --given Zoë --family Nguyễn --dob 2031-01-01 --sex female
expect "future DOB refused" 1 "" "is in the future"
run patient add --given Zoë --family Nguyễn --dob 2001-05-06 --sex x
expect "bad sex refused" 1 "" "must be female, male"
run patient add --given Zoë --family Nguyễn --dob 2001-05-06 --sex female --mrn E000001
expect "duplicate MRN refused" 1 "" "already belongs"
[ "$(sql 'select count(*) from patients')" = 1 ] && ok "failed adds wrote nothing" || bad "failed adds wrote nothing"
run patient add --given "$(printf 'Bad\377name')" --family X --dob 2001-05-06 --sex female
expect "invalid UTF-8 refused" 1 "" "not valid UTF-8"
run patient add --family Li --dob 2001-05-06 --sex female
expect "missing --given is a usage error" 2 "" "needs --given"
run patient add --given 伟 --family 李 --dob 1956-07-01 --sex male
expect "CJK name registered" 0 "registered E000002"

run patient list
expect "patient list shows both" 0 "García"
run patient list --search "jose gar"
expect "search ignores accents and order" 0 "García"
run patient list --search "GARCIA"
expect "search ignores case" 0 "E000001"
run patient list --search 1990-03-14
expect "search by date of birth" 0 "García"
run patient list --search 555010
expect "search by phone digits" 0 "García"
run patient list --json
expect "patient list --json" 0 '"family_name": "García"'
run patient list --csv
expect "patient list --csv" 0 "id,mrn,family_name"
run patient list --json --csv
expect "--json with --csv is a usage error" 2

run patient show E000001
expect "patient show by MRN" 0 "1990-03-14"
run patient show 2 --json
expect "patient show by id as JSON" 0 '"given_name": "伟"'
run patient show E999999
expect "unknown patient" 1 "" "no such MRN or id"
run patient edit E000001 --preferred Pepe --dob 1990-03-15
expect "patient edit" 0 "version 2"
run patient edit E000001 --dob 1990-02-30
expect "edit with bad date refused" 1 "" "not a valid date"
[ "$(sql "select dob from patients where mrn='E000001'")" = 1990-03-15 ] && ok "failed edit changed nothing" || bad "failed edit changed nothing"

# ------------------------------------------------------------- problems
run problem add E000001 --icd10 E11.9 --onset 2020-01-01
expect "problem add with ICD-10-CM" 0 "E11.9 Type 2 diabetes mellitus without complications"
run problem add E000001 --icd10 X99.99
expect "unknown ICD-10 code refused" 1 "" "not an ICD-10-CM code"
run problem add E000001 --icd10 I10 --onset 2020-02-30
expect "bad onset refused" 1 "" "not a valid date"
run problem add E000001 --icd10 I10 --onset 1980-01-01
expect "onset before birth refused" 1 "" "before the patient's birth (1990-03-15)"
run problem list E000001
expect "problem list" 0 "E11.9"
run problem retire 1
expect "retire needs a reason" 2 "" "--reason"
run problem retire 1 --reason "wrong patient"
expect "problem retired" 0 "entered-in-error"
run problem list E000001 --all --json
expect "retired problem stays in history" 0 '"retired_reason": "wrong patient"'
run problem list E000001
if printf '%s' "$OUT" | grep -q E11.9; then bad "retired problem leaves the active list"; else ok "retired problem leaves the active list"; fi

# ------------------------------------------------------------ allergies
run allergy add E000002 --nkda
expect "NKDA recorded" 0 "no known drug allergies"
run allergy add E000001 --substance penicillin --reaction hives --severity severe
expect "allergy recorded" 0 "penicillin"
run allergy add E000001 --nkda
expect "NKDA refused with an active drug allergy" 1 "" "active drug allerg"
run allergy add E000001 --substance latex --severity deadly
expect "bad severity refused" 1 "" "must be mild, moderate or severe"
run allergy list E000001 --csv
expect "allergy list csv" 0 "penicillin"

# ---------------------------------------------------------- medications
run med add E000001 --drug metformin --strength "500 mg" --form "oral tablet" --route oral --sig "Take 1 tablet by mouth twice daily with meals" --quantity 60 --unit tablet --refills 3 --rx
expect "prescription recorded" 0 "metformin 500 mg"
run med add E000001 --drug metformin --refills 200
expect "absurd refills refused" 1 "" "refills"
run med stop 1
expect "stop needs a reason" 2
run med stop 1 --reason "GI upset"
expect "medication stopped" 0 "stopped"
run med list E000001 --all --json
expect "stopped medication listed with reason" 0 '"stop_reason": "GI upset"'
run med add E000001 --drug amoxicillin --strength "500 mg" --form "oral capsule" --sig "Take 1 capsule by mouth three times daily" --rx
expect "amoxicillin against a penicillin allergy is stopped" 1 "" "ALLERGY WARNING"
[ "$(sql "select count(*) from medications where drug='amoxicillin'")" = 0 ] && ok "nothing saved without acknowledgement" || bad "nothing saved without acknowledgement"
run med add E000001 --drug amoxicillin --strength "500 mg" --form "oral capsule" --sig "Take 1 capsule by mouth three times daily" --rx --acknowledge-allergy
expect "acknowledged prescription saved" 0 "amoxicillin"
[ -n "$(sql "select allergy_override from medications where drug='amoxicillin'")" ] && ok "the acknowledgement is recorded" || bad "the acknowledgement is recorded"

# --------------------------------------------------------------- vitals
run vital add E000001 --bp 900/10
expect "absurd BP refused" 1 "" "BP 900/10: systolic 900"
run vital add E000001 --weight -3
expect "negative weight refused" 1 "" "weight -3 kg: outside"
[ "$(sql 'select count(*) from observations')" = 0 ] && ok "refused vitals wrote nothing" || bad "refused vitals wrote nothing"
run vital add E000001 --bp 128/82 --pulse 72 --temp 98.6F --resp 16 --spo2 98 --weight 80 --height 175
expect "vitals recorded with BMI" 0 "BMI 26.1"
[ "$(sql "select value_num from observations where loinc='8310-5'")" = 37.0 ] && ok "98.6 F stored as 37.0 Cel" || bad "98.6 F stored as 37.0 Cel"
run vital list E000001 --json
expect "vital list json has UCUM units" 0 '"unit": "mm\[Hg\]"'

# ------------------------------------------------------------------ labs
run lab add E000001 --loinc 4548-4 --value 8.1
expect "HbA1c above range flagged H" 0 "H$"
run lab add E000001 --loinc ldl --value 90
expect "lab by name" 0 "LDL"
run lab add E000001 --loinc 4548-4 --value 8.1 --unit mg/dL
expect "wrong unit refused" 1 "" "unit"
run lab add E000001 --loinc 99999-9 --value 1
expect "unknown LOINC refused" 1 "" "not a LOINC code"
run lab list E000001 --csv
expect "lab list csv" 0 "4548-4"
run lab add E000001 --loinc weight --value 80
expect "a vital sign is not a lab" 1 "" "is a vital sign"
run lab add E000001 --loinc 2093-3 --value hemolyzed
expect "text lab result" 0 "hemolyzed"
run lab list E000001
expect "text result shows in the table" 0 "hemolyzed"
wid=$(sql "select id from observations where loinc='29463-7'")
run lab retire "$wid" --reason "typo"
expect "lab retire refuses a vital's id" 1 "" "is a vital"
run vital retire "$wid" --reason "wrong patient"
expect "vital retire" 0 "entered-in-error"

# --------------------------------------------------------- immunizations
run immunization add E000001 --cvx 115 --date 2025-10-01 --lot AB123 --site "left deltoid" --route IM
expect "immunization recorded" 0 "on 2025-10-01"
run immunization add E000001 --cvx 999
expect "unknown CVX refused" 1 "" "not a CVX"
run immunization add E000001 --cvx tdap --date 2024-01-01
expect "vaccine by name" 0 "on 2024-01-01"
run immunization add E000001 --cvx 115 --date 1970-01-01
expect "immunization before birth refused" 1 "" "before the patient's birth"
run immunization list E000001
expect "immunization list" 0 "AB123"

# ------------------------------------------------------------ the audit
run audit verify
expect "audit chain verifies" 0 "intact"
sqlite3 "$EMR_DB" "drop trigger audit_no_update; update audit_events set detail='tampered' where id=3;"
run audit verify
expect "tampering is detected and named" 1 "" "broken at row 3"

# ---------------------------------------------------- hostile databases
printf 'this is not a database at all\n%.0s' $(seq 1 200) > "$TMP/junk.db"
run --db "$TMP/junk.db" patient list
expect "a non-SQLite file is refused" 1 "" "not an emr database"
sqlite3 "$TMP/other.db" "create table t(x); insert into t values (1);"
run --db "$TMP/other.db" patient list
expect "another program's SQLite file is refused" 1 "" "not an emr database"
cp "$EMR_DB" "$TMP/newer.db"
sqlite3 "$TMP/newer.db" "pragma user_version = 99;"
run --db "$TMP/newer.db" patient list
expect "a newer schema is refused" 1 "" "newer emr"
cp "$EMR_DB" "$TMP/ro.db"; chmod 0400 "$TMP/ro.db"
if [ "$(id -u)" != 0 ]; then
	run --db "$TMP/ro.db" patient add --given A --family B --dob 2000-01-01 --sex male
	expect "a read-only database is reported" 1 "" "read-only"
fi
# A second process holding the write lock: emr waits, then says so.
EMR_BUSY_TIMEOUT_MS=300 export EMR_BUSY_TIMEOUT_MS
( sqlite3 "$EMR_DB" "begin exclusive; select 1; " ".shell sleep 2" "commit;" >/dev/null 2>&1 & )
sleep 0.5
run patient add --given Locked --family Out --dob 2000-01-01 --sex male
expect "a locked database is reported" 1 "" "locked"
sleep 2
unset EMR_BUSY_TIMEOUT_MS
[ "$(sql "select count(*) from patients where family_name='Out'")" = 0 ] && ok "nothing written while locked" || bad "nothing written while locked"

: > "$TMP/empty.db"
run --db "$TMP/empty.db" patient list
expect "an empty file is not a practice" 1 "" "file is empty"
[ ! -s "$TMP/empty.db" ] && ok "an empty file is left untouched" || bad "an empty file is left untouched"
run --db "$TMP/empty.db" init --practice "Second Practice" --login drtest --no-codes
expect "init may use an empty file" 0 "created"

run patient retire E000002 --reason "died in hospice" --deceased 2026-11-01
expect "patient marked deceased" 0 "deceased"
run patient retire E000002 --reason "chart closed"
run patient show E000002 --json
expect "re-retiring keeps the date of death" 0 '"deceased_date": "2026-11-01"'

EMR_USER=nobody; run patient list; EMR_USER=drtest
expect "an unknown login is refused" 1 "" "is not an emr user"

# --------------------------------------------- the keys of the screens
# Printed from the keymap tables: no terminal, no database needed.
run --db "$TMP/no-such.db" keys </dev/null
expect "keys lists the patient list's keys" 0 "register a new patient"
expect "keys lists the chart's keys" 0 "record vital signs"
expect "keys lists the keys of every view" 0 "this help"
for view in Patients Chart "Forms (" "Allergy warning" "Vitals flowsheet" "Lab trend" Everywhere; do
	printf '%s\n' "$OUT" | grep -q "^$view" && ok "keys has the view: $view" || bad "keys has the view: $view"
done
[ ! -e "$TMP/no-such.db" ] && ok "keys creates no database" || bad "keys creates no database"
run keys --help
expect "keys --help" 0 "usage: emr keys"
run keys extra
expect "keys takes no argument" 2 "" "unexpected argument"

finish
