#!/bin/sh
# `emr export fhir`: a demo practice plus a hostile chart, exported as
# Bundles and as bulk NDJSON, checked by the independent validator
# (tests/fhir/validate.mjs: medplum + HL7's R4 JSON schema + reference
# resolution) and by reading the values back with python3: the blood
# pressure panel, NKDA, a note's Markdown, an addendum, money; files and
# modes, --force, roles and the audit log.
here=$(dirname "$0")
. "$here/lib.sh"

VALIDATE="$here/../fhir/validate.mjs"
if [ ! -d "$here/../fhir/node_modules" ]; then
	echo "tests/fhir/node_modules is missing: run make fhir-deps"
	FAIL=1
	finish
	exit 1
fi

# --------------------------------------------------------------- setup
run demo --patients 40 --db "$EMR_DB"
expect "demo practice" 0 "Patients: 40"
EMR_USER=$(sql "SELECT login FROM users WHERE role = 'physician' ORDER BY id LIMIT 1")
NURSE=$(sql "SELECT login FROM users WHERE role = 'nurse' ORDER BY id LIMIT 1")
FRONT=$(sql "SELECT login FROM users WHERE role = 'frontdesk' ORDER BY id LIMIT 1")
export EMR_USER EMR_PASSPHRASE=demo-passphrase

# A chart with hostile text: an escape sequence, quotes, a backslash,
# markup and right-to-left text.
ESC=$(printf '\033')
run patient add --given "Eve${ESC}[31mRed" --family "O'Brien \"Q\" \\ <b>x</b> שלום" --dob 1970-01-02 --sex female \
	--address "1 Main St
Apt 2" --city Springfield --state IL --zip 62701
expect "hostile patient" 0 "registered"
MRN=$(printf '%s' "$OUT" | sed -n 's/.*registered \([A-Z0-9-]*\).*/\1/p' | head -1)
PID=$(sql "SELECT id FROM patients WHERE mrn = '$MRN'")
run allergy add "$MRN" --nkda
expect "NKDA" 0
run vital add "$MRN" --bp 128/82 --pulse 72 --weight 80 --height 175
expect "vitals" 0
run lab add "$MRN" --loinc 4548-4 --value 7.4
expect "lab" 0
run visit add "$MRN" --reason "Follow-up: \"BP\" & <sugar>"
expect "visit" 0 "draft note"
VISIT=$(printf '%s' "$OUT" | sed -n 's/^visit \([0-9]*\) .*/\1/p')
NOTE=$(printf '%s' "$OUT" | sed -n 's/.*draft note \([0-9]*\).*/\1/p')
run note edit "$NOTE" --text "## Assessment

Hypertension, *controlled*.  Café ☕ — \"quoted\" \\ back${ESC}[0m.

- continue lisinopril
"
expect "note text" 0
run note sign "$NOTE"
expect "note signed" 0
run note addendum "$NOTE" --text "Addendum: potassium was normal."
expect "addendum" 0
run dx add "$VISIT" --icd10 I10
expect "diagnosis" 0
run fee add 99499 --description "Unlisted E/M service" --fee 37.37
expect "fee with cents" 0
run charge add "$VISIT" --code 99213
expect "charge 99213" 0
run charge add "$VISIT" --code 99499 --units 2
expect "charge 99499 x2" 0
run invoice issue "$VISIT"
expect "invoice" 0
# Records entered in error go out with that status.
run problem add "$MRN" --icd10 E11.9 --note "A1c 7.4"
expect "problem" 0
run problem add "$MRN" --icd10 I10
expect "second problem" 0
PROB=$(sql "SELECT max(id) FROM problems WHERE patient_id = $PID")
run problem retire "$PROB" --reason "wrong chart"
expect "problem retired" 0
LAB=$(sql "SELECT max(id) FROM observations WHERE patient_id = $PID AND loinc = '4548-4'")
run lab add "$MRN" --loinc 2093-3 --value 190
expect "second lab" 0
LAB2=$(sql "SELECT max(id) FROM observations WHERE patient_id = $PID AND loinc = '2093-3'")
run lab retire "$LAB2" --reason "wrong tube"
expect "lab retired" 0
run med add "$MRN" --drug metformin --strength "500 mg" --form "oral tablet" --sig "Take 1 tablet twice daily" \
	--quantity 60 --refills 3 --rx
expect "prescription" 0
run immunization add "$MRN" --cvx 140 --date 2026-10-01 --lot AB123 --site "left deltoid"
expect "immunization" 0
run appt add "$MRN" --at "2026-12-01 10:00" --reason "Recheck"
expect "appointment" 0
run appt add "$MRN" --at "2026-12-02 10:00" --reason "Cancelled one"
expect "second appointment" 0
APPT=$(sql "SELECT max(id) FROM appointments WHERE patient_id = $PID")
run appt cancel "$APPT" --reason "Patient called"
expect "cancel" 0

# --------------------------------------------------------------- bundles
for p in E000001 E000002 E000003 "$MRN"; do
	run export fhir "$p" -o "$TMP/$p.json"
	expect "export fhir $p" 0 "" "wrote"
done
mode=$(stat -c %a "$TMP/$MRN.json")
[ "$mode" = 600 ] && ok "bundle file is 0600" || bad "bundle file is 0600 (got $mode)"
run export fhir E000001
expect "export to standard output" 0 '"resourceType": "Bundle"'
cmp -s "$TMP/out" "$TMP/E000001.json" && ok "stdout and -o agree" || bad "stdout and -o agree"

# --------------------------------------------------------------- NDJSON
run export fhir --all --ndjson "$TMP/bulk"
expect "bulk export" 0 "exported 41 patients"
[ -z "$ERR" ] && ok "no progress on a non-terminal stderr" || bad "no progress on a non-terminal stderr"
mode=$(stat -c %a "$TMP/bulk")
[ "$mode" = 700 ] && ok "bulk directory is 0700" || bad "bulk directory is 0700 (got $mode)"
modes=$(stat -c %a "$TMP"/bulk/*.ndjson | sort -u | tr '\n' ' ')
[ "$modes" = "600 " ] && ok "NDJSON files are 0600" || bad "NDJSON files are 0600 (got $modes)"
for t in Patient Organization Practitioner Encounter Condition AllergyIntolerance MedicationRequest Observation \
	Immunization DocumentReference Appointment ChargeItem Invoice; do
	[ -s "$TMP/bulk/$t.ndjson" ] || bad "bulk has $t.ndjson"
done
ok "bulk has a file per resource type"
run export fhir --all --ndjson "$TMP/bulk"
expect "existing files are refused" 1 "" "use --force"
run export fhir --all --ndjson "$TMP/bulk" --force
expect "--force overwrites" 0 "exported 41 patients"

# --------------------------------------------------------------- the validator
node "$VALIDATE" "$TMP"/E00000*.json "$TMP/$MRN.json" "$TMP"/bulk/*.ndjson >"$TMP/validate.out" 2>&1
RC=$?
OUT=$(tail -20 "$TMP/validate.out")
ERR=""
expect "validator: zero errors" 0 ": 0 errors"

# It does catch errors: a dangling reference and a bad code.
python3 - "$TMP/$MRN.json" "$TMP/broken.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
for e in b['entry']:
    r = e['resource']
    if r['resourceType'] == 'Encounter':
        r['subject'] = {'reference': 'urn:uuid:00000000-0000-8000-8000-000000000000'}
        r['status'] = 'done'
        break
json.dump(b, open(sys.argv[2], 'w'))
EOF
node "$VALIDATE" "$TMP/broken.json" >"$TMP/validate.out" 2>&1
RC=$?
OUT=$(cat "$TMP/validate.out")
expect "validator finds a dangling reference" 1 "does not resolve inside the Bundle"
expect "validator finds a bad code" 1 "Encounter.status: must be equal to one of the allowed values"

# --------------------------------------------------------------- values
python3 - "$TMP/$MRN.json" "$EMR_DB" "$NOTE" "$TMP/bulk" "$PID" >"$TMP/py.out" 2>&1 <<'EOF'
import base64, json, os, sqlite3, sys
from decimal import Decimal

path, dbpath, note_id, bulk, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
db = sqlite3.connect(dbpath)
b = json.load(open(path), parse_float=Decimal)
res = [e['resource'] for e in b['entry']]
by_url = {e['fullUrl']: e['resource'] for e in b['entry']}
fails = 0
def check(name, cond):
    global fails
    print(('ok    ' if cond else 'FAIL  ') + name)
    fails += 0 if cond else 1
def of(t):
    return [r for r in res if r['resourceType'] == t]

uid = db.execute("SELECT uid FROM installation").fetchone()[0]
check('bundle is a collection', b['type'] == 'collection')
check('every resource has an emr identifier',
      all(any(i['system'].startswith('urn:emr:%s:' % uid) for i in r['identifier']) for r in res))
check('every fullUrl is a urn:uuid', all(e['fullUrl'].startswith('urn:uuid:') for e in b['entry']))

p = of('Patient')[0]
family, given = db.execute("SELECT family_name, given_name FROM patients WHERE id = ?", (pid,)).fetchone()
check('hostile family name written as stored', p['name'][0]['family'] == family)
check('escape in a name becomes a visible control picture',
      p['name'][0]['given'] == [given.replace('\x1b', '\u241b')])
mrn = [i for i in p['identifier'] if i.get('type', {}).get('coding', [{}])[0].get('code') == 'MR']
check('MRN identifier typed MR', len(mrn) == 1 and mrn[0]['system'] == 'urn:emr:mrn')
check('two address lines', p['address'][0]['line'] == ['1 Main St', 'Apt 2'])

bp = [o for o in of('Observation') if o['code']['coding'][0]['code'] == '85354-9']
check('one BP panel 85354-9', len(bp) == 1)
comps = {c['code']['coding'][0]['code']: c['valueQuantity'] for c in bp[0].get('component', [])}
check('BP components 8480-6 and 8462-4', set(comps) == {'8480-6', '8462-4'})
check('BP values 128/82 in mm[Hg]', comps.get('8480-6', {}).get('value') == 128 and comps.get('8462-4', {}).get('value') == 82
      and all(q['unit'] == 'mm[Hg]' and q['code'] == 'mm[Hg]' and q['system'] == 'http://unitsofmeasure.org' for q in comps.values()))
check('BP is vital-signs', bp[0]['category'][0]['coding'][0]['code'] == 'vital-signs')
bmi = [o for o in of('Observation') if o['code']['coding'][0]['code'] == '39156-5']
check('BMI 39156-5 in kg/m2', len(bmi) == 1 and bmi[0]['valueQuantity']['code'] == 'kg/m2')
a1c = [o for o in of('Observation') if o['code']['coding'][0]['code'] == '4548-4']
check('HbA1c is laboratory, high, with a range',
      len(a1c) == 1 and a1c[0]['category'][0]['coding'][0]['code'] == 'laboratory'
      and a1c[0]['interpretation'][0]['coding'][0]['code'] == 'H' and 'high' in a1c[0]['referenceRange'][0])

nkda = [a for a in of('AllergyIntolerance') if any(c['code'] == '409137002' for c in a['code'].get('coding', []))]
check('NKDA present (SNOMED 409137002)', len(nkda) == 1)
check('NKDA also 716186003 when nothing else is known',
      any(c['code'] == '716186003' for c in nkda[0]['code']['coding']))

notes = [d for d in of('DocumentReference') if d['id'] == 'note-%d' % note_id]
check('the note is a DocumentReference', len(notes) == 1)
d = notes[0]
body = db.execute("SELECT body FROM notes WHERE id = ?", (note_id,)).fetchone()[0]
att = d['content'][0]['attachment']
check('note contentType text/markdown', att['contentType'] == 'text/markdown')
check('note Markdown decodes back to the note text', base64.b64decode(att['data']).decode('utf-8') == body)
check('signed note is final, current, progress note',
      d['docStatus'] == 'final' and d['status'] == 'current' and d['type']['coding'][0]['code'] == '11506-3')
signed_at = db.execute("SELECT signed_at FROM notes WHERE id = ?", (note_id,)).fetchone()[0]
check('authenticator carries the signing time', d['authenticator']['extension'][0]['valueDateTime'] == signed_at)
check('authenticator is a Practitioner in the Bundle', by_url[d['authenticator']['reference']]['resourceType'] == 'Practitioner')
note_url = [e['fullUrl'] for e in b['entry'] if e['resource'] is d][0]
adds = [x for x in of('DocumentReference') if x.get('relatesTo')]
check('addendum relatesTo appends the note',
      len(adds) == 1 and adds[0]['relatesTo'][0]['code'] == 'appends' and adds[0]['relatesTo'][0]['target']['reference'] == note_url)
abody = db.execute("SELECT body FROM note_addenda WHERE note_id = ?", (note_id,)).fetchone()[0]
check('addendum text decodes back', base64.b64decode(adds[0]['content'][0]['attachment']['data']).decode() == abody)

charges = {c['code']['coding'][0]['code']: c for c in of('ChargeItem')}
for code, units in (('99213', 1), ('99499', 2)):
    fee = db.execute("SELECT fee_cents FROM charges c JOIN encounters e ON e.id = c.encounter_id WHERE e.patient_id = ? AND c.code = ?",
                     (pid, code)).fetchone()[0]
    c = charges.get(code)
    check('ChargeItem %s: priceOverride equals the fee x %d' % (code, units),
          c is not None and Decimal(str(c['priceOverride']['value'])) == Decimal(fee * units) / 100 and c['priceOverride']['currency'] == 'USD')
    check('ChargeItem %s is billed, quantity %d' % (code, units), c['status'] == 'billed' and c['quantity']['value'] == units)
check('99499 x2 is exactly 74.74', Decimal(str(charges['99499']['priceOverride']['value'])) == Decimal('74.74'))
inv = of('Invoice')
total = db.execute("SELECT total_cents FROM invoices WHERE patient_id = ?", (pid,)).fetchone()[0]
check('Invoice totalGross equals the invoice total', len(inv) == 1 and Decimal(str(inv[0]['totalGross']['value'])) == Decimal(total) / 100)
check('Invoice lines point at the ChargeItems',
      sorted(by_url[l['chargeItemReference']['reference']]['id'] for l in inv[0]['lineItem']) == sorted(c['id'] for c in charges.values()))

eie = [c for c in of('Condition') if c['verificationStatus']['coding'][0]['code'] == 'entered-in-error']
check('retired problem: entered-in-error, no clinicalStatus', len(eie) == 1 and 'clinicalStatus' not in eie[0])
check('retired lab: status entered-in-error', [o['status'] for o in of('Observation') if o['code']['coding'][0]['code'] == '2093-3'] == ['entered-in-error'])
rx = [m for m in of('MedicationRequest') if m['intent'] == 'order']
check('prescription: order, 3 refills, 60 tablets', len(rx) == 1 and rx[0]['dispenseRequest']['numberOfRepeatsAllowed'] == 3
      and rx[0]['dispenseRequest']['quantity']['value'] == 60)
check('immunization CVX 140 lot AB123', [(i['vaccineCode']['coding'][0]['code'], i['lotNumber']) for i in of('Immunization')] == [('140', 'AB123')])
appts = of('Appointment')
st = sorted(a['status'] for a in appts)
check('appointments booked and cancelled', st == ['booked', 'cancelled'])
check('cancelationReason', [a['cancelationReason']['text'] for a in appts if a['status'] == 'cancelled'] == ['Patient called'])
dx = [c for c in of('Condition') if c['category'][0]['coding'][0]['code'] == 'encounter-diagnosis']
check('encounter diagnosis I10 with its encounter', any(c['code']['coding'][0]['code'] == 'I10' and 'encounter' in c for c in dx))
enc = of('Encounter')
check('office visit is AMB', all(e['class']['code'] == 'AMB' for e in enc))

# NDJSON: one resource per line, every patient once.
n = db.execute("SELECT count(*) FROM patients").fetchone()[0]
lines = open(os.path.join(bulk, 'Patient.ndjson')).read().split('\n')
check('NDJSON ends with a newline', lines[-1] == '')
pats = [json.loads(l) for l in lines[:-1]]
check('Patient.ndjson has every patient once', sorted(x['id'] for x in pats) == sorted('patient-%d' % i for i, in db.execute("SELECT id FROM patients")))
check('NDJSON references are relative', json.loads(open(os.path.join(bulk, 'Encounter.ndjson')).readline())['subject']['reference'].startswith('Patient/patient-'))
orgs = open(os.path.join(bulk, 'Organization.ndjson')).read().splitlines()
check('one Organization', len(orgs) == 1)
users = db.execute("SELECT count(*) FROM users").fetchone()[0]
check('a Practitioner per user', len(open(os.path.join(bulk, 'Practitioner.ndjson')).read().splitlines()) == users)
print('python: %d failed' % fails)
EOF
RC=$?
OUT=$(cat "$TMP/py.out")
ERR=""
cat "$TMP/py.out" | grep '^FAIL' | sed 's/^/      /'
expect "values read back (python)" 0 "python: 0 failed"

# --------------------------------------------------------------- roles, audit, errors
EMR_USER=$NURSE run export fhir "$MRN" -o "$TMP/nurse.json"
expect "a nurse may export" 0
grep -q '"ChargeItem"' "$TMP/nurse.json" && bad "a nurse's export has no billing" || ok "a nurse's export has no billing"
node "$VALIDATE" "$TMP/nurse.json" >"$TMP/validate.out" 2>&1
RC=$?
OUT=$(cat "$TMP/validate.out")
expect "the nurse's export validates" 0 ": 0 errors"
EMR_USER=$FRONT run export fhir "$MRN"
expect "the front desk may not export" 1 "" "front-desk user cannot"
EMR_USER=$FRONT run export fhir --all --ndjson "$TMP/front"
expect "the front desk may not bulk export" 1 "" "front-desk user cannot"
[ ! -e "$TMP/front" ] && ok "a refused bulk export makes no directory" || bad "a refused bulk export makes no directory"
n=$(sql "SELECT count(*) FROM audit_events WHERE action = 'export' AND patient_id = $PID")
[ "$n" -ge 1 ] && ok "exports are audited" || bad "exports are audited ($n rows)"
n=$(sql "SELECT count(*) FROM audit_events WHERE action = 'export' AND detail LIKE '%bulk NDJSON%'")
[ "$n" = 2 ] && ok "bulk exports are audited" || bad "bulk exports are audited ($n rows)"
run export fhir NOPE
expect "unknown patient" 1
run export fhir --all
expect "--all needs --ndjson" 2
run export fhir "$MRN" --force
expect "--force is for --ndjson" 2
run export csv "$MRN"
expect "only fhir" 2

# --------------------------------------------------------------- identifiers from elsewhere
# A chart that came in from another system hands its identifiers (that
# system's MRN, SSN, licence) on when it is exported again.
KERMIT=$(dirname "$(cd "$(dirname "$0")/../.." && pwd)")/shared/data/fhir-r4/synthea/Kermit_Trantow_f1a650a5-737e-4fd7-828e-03c3348b9524.json
if [ -f "$KERMIT" ]; then
	run import fhir "$KERMIT"
	expect "a Synthea chart imports" 0
	KPID=$(sql "SELECT patient_id FROM patient_identifiers WHERE value = '999-64-9098'")
	run export fhir "$KPID" -o "$TMP/kermit.json"
	expect "and exports" 0
	python3 - "$TMP/kermit.json" <<'PY' && ok "its SSN and the other system's MRN travel on" || bad "its SSN and the other system's MRN travel on"
import json, sys
b = json.load(open(sys.argv[1]))
p = [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Patient"][0]
ids = {(i.get("system"), i["value"]) for i in p["identifier"]}
assert ("http://hl7.org/fhir/sid/us-ssn", "999-64-9098") in ids, ids
assert ("http://hospital.smarthealthit.org", "f1a650a5-737e-4fd7-828e-03c3348b9524") in ids, ids
PY
	node "$VALIDATE" "$TMP/kermit.json" >"$TMP/validate.out" 2>&1
	RC=$?
	OUT=$(cat "$TMP/validate.out")
	expect "the re-export of an imported chart validates" 0 ": 0 errors"
else
	ok "no ../shared corpus: identifiers from elsewhere not checked"
fi

# --------------------------------------------------------------- procedures, outside authors
# A Synthea chart with procedures (Kallie) and one with notes written
# elsewhere (Cecelia): every procedure is a Procedure, and what was
# written, done or prescribed elsewhere is attributed to its source's
# people by name only, never to the user who imported it.
SYN=$(dirname "$(cd "$(dirname "$0")/../.." && pwd)")/shared/data/fhir-r4/synthea
set -- "$SYN"/Kallie862_Frami345_*.json "$SYN"/Cecelia952_Romaguera67_*.json
if [ -f "$1" ] && [ -f "$2" ]; then
	run import fhir "$1" "$2"
	expect "Synthea charts with procedures and notes import" 0
	KAL=$(sql "SELECT patient_id FROM procedures GROUP BY patient_id ORDER BY count(*) DESC LIMIT 1")
	CEC=$(sql "SELECT patient_id FROM notes WHERE source_author <> '' GROUP BY patient_id ORDER BY count(*) DESC LIMIT 1")
	KMRN=$(sql "SELECT mrn FROM patients WHERE id = ${KAL:-0}")
	CMRN=$(sql "SELECT mrn FROM patients WHERE id = ${CEC:-0}")
	run export fhir "$KMRN" -o "$TMP/kallie.json"
	expect "a chart with procedures exports" 0
	run export fhir "$CMRN" -o "$TMP/cecelia.json"
	expect "a chart with imported notes exports" 0
	run procedure list "$KMRN" --all --csv
	NPROC=$(($(printf '%s\n' "$OUT" | wc -l) - 1))
	ME=$(sql "SELECT display_name FROM users WHERE login = '$EMR_USER'")
	MEID=$(sql "SELECT id FROM users WHERE login = '$EMR_USER'")
	sql "SELECT source_author FROM notes WHERE patient_id = $CEC ORDER BY id" >"$TMP/authors"
	sql "SELECT source_prescriber FROM medications WHERE patient_id = $KAL ORDER BY id" >"$TMP/prescribers"
	python3 - "$TMP/kallie.json" "$TMP/cecelia.json" "$NPROC" "$ME" "$MEID" "$TMP/authors" "$TMP/prescribers" >"$TMP/py.out" 2>&1 <<'PY'
import json, sys
kal, cec = (json.load(open(f)) for f in sys.argv[1:3])
nproc, me, meid = int(sys.argv[3]), sys.argv[4], sys.argv[5]
authors = open(sys.argv[6]).read().splitlines()
prescribers = open(sys.argv[7]).read().splitlines()
failed = 0
def check(name, cond):
    global failed
    if not cond:
        failed += 1
        print("FAIL", name)
def of(b, t): return [e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == t]
procs = of(kal, "Procedure")
check("a Procedure per row of emr procedure list (%d vs %d)" % (len(procs), nproc), len(procs) == nproc and nproc > 0)
check("Procedures are US Core", all(p["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-procedure|6.1.0"] for p in procs))
check("Procedures are coded in SNOMED CT", all(p["code"]["coding"][0]["system"] == "http://snomed.info/sct" and p["code"]["coding"][0]["code"] for p in procs))
check("Procedures say when", all("performedDateTime" in p or "performedPeriod" in p for p in procs))
check("Procedures name their visit", all(p.get("encounter", {}).get("reference", "").startswith("urn:uuid:") for p in procs))
check("Procedures carry emr's identifier", all(p["identifier"][0]["system"].endswith(":procedures") for p in procs))
docs = of(cec, "DocumentReference")
check("every imported note is exported", len(docs) == len(authors) and docs)
got = sorted(a["display"] for d in docs for a in d.get("author", []))
check("an imported note's author is its source author, by name (%s)" % got[:1], got == sorted(a for a in authors if a))
check("... with no reference", all("reference" not in a for d in docs for a in d.get("author", [])))
check("... and not the importing user", all(a.get("display") != me for d in docs for a in d.get("author", [])))
check("no authenticator is claimed for an imported note", all("authenticator" not in d for d in docs))
check("docStatus is kept", all(d["docStatus"] == "final" for d in docs))
check("the importing user is not a Practitioner of the export", not [p for p in of(cec, "Practitioner") + of(kal, "Practitioner") if p["id"] == "user-" + meid])
check("an imported visit's clinician is named, not referenced",
      all("reference" not in x["individual"] and x["individual"]["display"] for e in of(cec, "Encounter") + of(kal, "Encounter") for x in e.get("participant", [])))
meds = of(kal, "MedicationRequest")
check("an imported prescription's requester is the source's prescriber by name",
      meds and sorted(m["requester"].get("display", "") for m in meds) == sorted(prescribers) and all("reference" not in m["requester"] for m in meds))
print("python: %d failed" % failed)
PY
	RC=$?
	OUT=$(cat "$TMP/py.out")
	ERR=""
	grep '^FAIL' "$TMP/py.out" | sed 's/^/      /'
	expect "procedures and outside authors read back (python)" 0 "python: 0 failed"
	run export fhir --all --ndjson "$TMP/bulk2"
	expect "bulk export with procedures" 0 "Procedure"
	n=$(wc -l <"$TMP/bulk2/Procedure.ndjson" 2>/dev/null)
	[ "${n:-0}" = "$(sql "SELECT count(*) FROM procedures")" ] && ok "Procedure.ndjson has every procedure ($n)" || bad "Procedure.ndjson has every procedure (${n:-none})"
	node "$VALIDATE" "$TMP/kallie.json" "$TMP/cecelia.json" "$TMP"/bulk2/*.ndjson >"$TMP/validate.out" 2>&1
	RC=$?
	OUT=$(tail -20 "$TMP/validate.out")
	expect "validator: procedures and imported notes, zero errors" 0 ": 0 errors"
else
	ok "no ../shared corpus: procedures and outside authors not checked"
fi

finish
