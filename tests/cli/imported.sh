#!/bin/sh
# Imported records say where they came from: a note received from another
# system names its author as the source did and is "signed at source",
# never presented as written or signed by the user who imported it (who
# is named as "imported by"); imported visits and medications name their
# outside provider and prescriber, and an outside prescription is never
# printed as ours.  Procedures (emr procedure list/retire) and SNOMED-only
# problem codes are shown with their code system.
#
# The Synthea files are read from ../shared/data/fhir-r4 beside the
# repository (EMR_SHARED overrides); without them the run is skipped.
here=$(dirname "$0")
. "$here/lib.sh"

REPO=$(cd "$here/../.." && pwd)
SHARED=${EMR_SHARED:-$(dirname "$REPO")/shared}
SYN="$SHARED/data/fhir-r4/synthea"
export XDG_STATE_HOME="$TMP/state"
cecelia=$(ls "$SYN"/Cecelia952_Romaguera67_*.json 2>/dev/null | head -n 1)
kermit=$(ls "$SYN"/Kermit_Trantow_*.json 2>/dev/null | head -n 1)
if [ -z "$cecelia" ] || [ -z "$kermit" ]; then
	echo "skipped: no Synthea files under $SYN"
	finish
	exit
fi

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD --no-codes
expect "init" 0 "created"
run import fhir "$cecelia" "$kermit"
expect "the Synthea records import" 0 "DocumentReference *29 mapped"
cmrn=$(sql "select mrn from patients where family_name = 'Romaguera67'")
kmrn=$(sql "select mrn from patients where family_name = 'Trantow'")
note=$(sql "select min(id) from notes where patient_id = (select id from patients where mrn = '$cmrn')")
author=$(sql "select source_author from notes where id = $note")
[ -n "$author" ] && ok "the note's source author is stored ($author)" || bad "the note's source author is stored"

# ------------------------------------------------------------ note show
run note show "$note"
expect "note show names the author at the source" 0 "^author   $author (imported from another system), "
expect "note show says it was signed at source" 0 "^signed   signed at source, "
expect "note show names the importing user as that" 0 "^imported by Dana Test, MD, 2026-11-25T15:00:00Z (not its author or signer)"
expect "note show names the outside provider" 0 "^provider $author (outside)"
printf '%s\n' "$OUT" | grep -q "^author   Dana Test" && bad "the importing user is never shown as author" || ok "the importing user is never shown as author"
printf '%s\n' "$OUT" | grep -q "^signed   Dana Test" && bad "the importing user is never shown as signer" || ok "the importing user is never shown as signer"

run note show "$note" --json
expect "--json: author with its mark" 0 "\"author\": \"$author (imported from another system)\""
expect "--json: source_author on its own" 0 "\"source_author\": \"$author\""
expect "--json: imported" 0 '"imported": true'
expect "--json: signed at source" 0 '"signed_by": "signed at source"'
expect "--json: imported_by" 0 '"imported_by": "Dana Test, MD"'
printf '%s' "$OUT" | grep -q '"signed_by": "Dana Test' && bad "--json: the importer is not the signer" || ok "--json: the importer is not the signer"

# A note written here still names its author and signer as before.
run visit add "$cmrn" --reason "Local follow-up"
expect "a visit written here" 0 "draft note"
local_note=$(sql "select max(id) from notes")
run note show "$local_note"
expect "a note written here names its author" 0 "^author   Dana Test, MD"
printf '%s' "$OUT" | grep -q "imported" && bad "a note written here is not marked imported" || ok "a note written here is not marked imported"
run note show "$local_note" --json
expect "--json: a note written here is not imported" 0 '"imported": false'

# An addendum written here on an imported note is ours.
printf 'cold air 2026\n' >"$TMP/pass"
"$EMR_BIN" user passwd --passphrase-fd 3 3<"$TMP/pass" >/dev/null 2>&1
run note addendum "$note" --text "Reviewed the outside record."
expect "an addendum to an imported note" 0 "addendum"
run note show "$note"
expect "the addendum written here names its author" 0 "addendum [0-9]* by Dana Test, MD"
expect "the imported note still names its own author" 0 "^author   $author (imported from another system)"

# ------------------------------------------------------------ visit list
run visit list "$cmrn"
expect "visit list: the imported note was signed at source" 0 "signed  *signed at source"
expect "visit list: the outside provider" 0 "$author (outside)"
printf '%s\n' "$OUT" | grep "signed at source" | grep -q "Dana Test" && bad "visit list never names the importer on an imported visit" ||
	ok "visit list never names the importer on an imported visit"
run visit list "$cmrn" --json
expect "visit list --json: provider" 0 "\"provider\": \"$author (outside)\""

# ------------------------------------------------------------ medications
run med list "$kmrn"
expect "med list shows the outside prescriber" 0 "Loratadine .*Dr\. Levi Reichert (outside)"
run med list "$kmrn" --json
expect "med list --json: source_prescriber" 0 '"source_prescriber": "Dr. Levi Reichert"'
expect "med list --json: imported" 0 '"imported": true'
med=$(sql "select min(id) from medications where patient_id = (select id from patients where mrn = '$kmrn')")
run print rx "$med"
expect "an outside prescription is never printed as ours" 1 "" "was imported: it was prescribed elsewhere by Dr. Levi Reichert (outside)"
[ -z "$OUT" ] && ok "nothing printed for it" || bad "nothing printed for it"

# ------------------------------------------------------------ procedures
run procedure list "$kmrn"
expect "procedure list shows the Synthea procedures with SNOMED codes" 0 "SNOMED 428191000124101  *Documentation of current medications  *completed  *imported: Kermit_Trantow"
[ "$(printf '%s\n' "$OUT" | grep -c 'SNOMED 428191000124101')" = 2 ] && ok "both procedures listed" || bad "both procedures listed"
expect "procedure list: newest first" 0 "2016-06-13"
run procedure list "$kmrn" --json
expect "procedure list --json: code system" 0 '"code_system": "SNOMED"'
expect "procedure list --json: code" 0 '"code_value": "428191000124101"'
run procedure list "$kmrn" --csv
expect "procedure list --csv" 0 "^id,date,"
run procedure list
expect "procedure list needs a patient" 2 "" "needs a PATIENT"
run procedure --help
expect "procedure --help" 0 "list"
run help
expect "help lists procedure" 0 "procedure"
proc=$(sql "select min(id) from procedures where patient_id = (select id from patients where mrn = '$kmrn')")
run procedure retire "$proc"
expect "retire needs a reason" 2 "" "--reason"
run procedure retire "$proc" --reason "wrong patient"
expect "procedure retired" 0 "procedure $proc marked entered-in-error"
run procedure retire "$proc" --reason "again"
expect "retiring twice is refused" 1 "" "already marked entered-in-error"
run procedure retire 999999 --reason "x"
expect "an unknown procedure" 1 "" "no procedure with id 999999"
run procedure list "$kmrn"
[ "$(printf '%s\n' "$OUT" | grep -c 'SNOMED 428191000124101')" = 1 ] && ok "a retired procedure leaves the list" || bad "a retired procedure leaves the list"
run procedure list "$kmrn" --all --json
expect "--all keeps it, with its reason" 0 '"retired_reason": "wrong patient"'
[ "$(sql "select count(*) from audit_events where action = 'retire' and entity = 'procedures' and entity_id = $proc")" = 1 ] &&
	ok "retiring a procedure is audited" || bad "retiring a procedure is audited"

# ------------------------------------------------------------ problems
run problem list "$kmrn"
expect "problem list shows a SNOMED-only code with its system" 0 "SNOMED 38341003  *Hypertension"
expect "problem list: the CODE column" 0 "^ID  CODE "
run problem list "$kmrn" --json
expect "problem list --json: snomed separately" 0 '"snomed": "38341003"'
expect "problem list --json: icd10 empty" 0 '"icd10": ""'
expect "problem list --json: the shown code" 0 '"code": "SNOMED 38341003"'

# ------------------------------------------------------------ printouts
run print note "$note"
expect "print note: written by the source author" 0 "Written by: $author (imported from another system)"
expect "print note: signed at the source" 0 "Signed: at the source, on "
expect "print note: imported by" 0 "Imported by: Dana Test, MD on .* (not its author or signer)"
expect "print note: the outside provider" 0 "Provider: $author (outside)"
printf '%s' "$OUT" | grep -q "Signed by: Dana Test" && bad "print note never shows the importer as signer" || ok "print note never shows the importer as signer"
printf '%s' "$OUT" | grep -q "Written by: Dana Test" && bad "print note never shows the importer as author" || ok "print note never shows the importer as author"
run print note "$note" --format md
expect "print note (md): attribution" 0 "Written by:\*\* $author (imported from another system)"
run print note "$note" --format html
expect "print note (html): attribution" 0 "(imported from another system)"
if command -v groff >/dev/null && command -v pdftotext >/dev/null; then
	run print note "$note" --format pdf -o "$TMP/note.pdf"
	expect "print note (pdf)" 0
	pdftotext -layout "$TMP/note.pdf" - 2>/dev/null | grep -q "Written by: $author (imported from another system)" &&
		ok "print note (pdf): attribution" || bad "print note (pdf): attribution"
fi
enc=$(sql "select encounter_id from notes where id = $note")
run print visit "$enc"
expect "print visit: the outside provider" 0 "Provider: $author (outside)"
expect "print visit: the note written by its source author" 0 "Written by: $author (imported from another system)"
expect "print visit: signed at the source" 0 "Signed: at the source"
run print note "$local_note"
expect "print note of a note written here: its author" 0 "Written by: Dana Test, MD"
run print summary "$kmrn"
expect "print summary: procedures" 0 "Procedures you have had"
expect "print summary: a procedure from elsewhere" 0 "Documentation of current medications, 2016-06-13 (recorded elsewhere)"
expect "print summary: outside prescriptions are marked" 0 "prescribed elsewhere by Dr. Levi Reichert"

finish
