#!/bin/sh
# `emr print`: notes, visits, summaries and prescriptions as text, Markdown,
# HTML and PDF (checked with pdftotext), files written with mode 0600,
# errors and exit codes, and the audit of every printout.
here=$(dirname "$0")
. "$here/lib.sh"

# pdf_text FILE: the text of a PDF, one line per line of print.
pdf_text() { pdftotext -layout "$1" - 2>/dev/null; }

# --------------------------------------------------------------- setup
run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD --npi 1234567893 --no-codes
expect "init" 0
sqlite3 "$EMR_DB" "UPDATE practice SET address = '12 River Road, Springfield, IL 62701', phone = '(217) 555-0100',
  letterhead = 'Riverside Family Medicine' || char(10) || '12 River Road, Springfield, IL 62701' || char(10) || 'Tel (217) 555-0100';
  UPDATE users SET dea = 'AT1234563' WHERE login = 'drtest';"
run patient add --given José --family García --dob 1990-03-14 --sex male --address "7 Elm Street" --city Springfield --state IL --zip 62704
expect "patient" 0 "registered E000001"
run med add E000001 --drug metformin --strength "500 mg" --form "oral tablet" --route oral \
	--sig "Take 1 tablet by mouth twice daily with meals" --quantity 60 --unit tablet --refills 3 --rx
expect "prescription" 0 "metformin"
run med add E000001 --drug ibuprofen --strength "200 mg"
expect "reported medication" 0 "ibuprofen"

# A visit with a short signed note, and one with a note long enough for
# two pages.  (Straight into the database: only the printouts are tested.)
long=""
i=1
while [ $i -le 45 ]; do
	long="$long
Paragraph $i of a long note: the patient reports improvement and the plan continues unchanged."
	i=$((i + 1))
done
sqlite3 "$EMR_DB" "
INSERT INTO encounters(patient_id, provider_id, start_at, type, reason, status, created_at)
  VALUES (1, 1, '2026-11-20T15:00:00Z', 'office', 'Diabetes follow-up', 'finished', '2026-11-20T15:00:00Z');
INSERT INTO notes(encounter_id, patient_id, author_id, template, body, status, signed_by, signed_at, created_at, updated_at)
  VALUES (1, 1, 1, 'soap', '## Assessment' || char(10) || char(10) || 'Type 2 diabetes, **improving**.' || char(10) || char(10) ||
          '- metformin continued' || char(10) || '- recheck HbA1c in 3 months' || char(10),
          'signed', 1, '2026-11-20T16:00:00Z', '2026-11-20T15:30:00Z', '2026-11-20T16:00:00Z');
UPDATE medications SET encounter_id = 1 WHERE drug = 'metformin';
INSERT INTO encounters(patient_id, provider_id, start_at, type, reason, status, created_at)
  VALUES (1, 1, '2026-11-21T15:00:00Z', 'office', 'Long visit', 'finished', '2026-11-21T15:00:00Z');
INSERT INTO notes(encounter_id, patient_id, author_id, template, body, status, created_at, updated_at)
  VALUES (2, 1, 1, 'soap', '$(printf '%s' "$long" | sed 's/$/\n/')', 'draft', '2026-11-21T15:30:00Z', '2026-11-21T15:30:00Z');
"
run vital add E000001 --bp 128/82 --pulse 72
expect "vitals" 0

# ------------------------------------------------------------------ text
run print note 1
expect "note as text" 0 "Type 2 diabetes, improving."
expect "note text has the letterhead" 0 "Riverside Family Medicine"
expect "note text names the patient" 0 "Patient: García, José"
wide=$(printf '%s\n' "$OUT" | awk '{ if (length($0) > 80) print }' | head -1)
[ -z "$wide" ] && ok "text is 80 columns at most" || bad "text is 80 columns at most: $wide"
run print note 2
expect "a draft says so" 0 "DRAFT, not signed"
run print visit 1
expect "visit has its note" 0 "Type 2 diabetes, improving."
expect "visit has its orders" 0 "metformin 500 mg oral tablet"
run print summary E000001
expect "summary by MRN" 0 "Your health summary"
expect "summary lists medicines" 0 "Your medicines"
run print summary 1
expect "summary by id" 0 "Your health conditions"
run print rx 1
expect "rx quantity in words" 0 "Quantity: 60 (sixty) tablets"
expect "rx has the NPI" 0 "NPI: 1234567893"
expect "rx has the DEA" 0 "DEA: AT1234563"
expect "rx has the date of birth" 0 "Date of birth: 1990-03-14"
expect "rx has the patient's address" 0 "7 Elm Street, Springfield, IL 62704"
expect "rx has refills" 0 "Refills: 3 (three)"
expect "rx has a signature line" 0 "Signature: ____"

# -------------------------------------------------------------- markdown
run print note 1 --format md
expect "note as Markdown" 0 "Type 2 diabetes, \*\*improving\*\*."

# ------------------------------------------------------------------ HTML
run print note 1 --format html -o "$TMP/note.html"
expect "html written" 0 "" "wrote $TMP/note.html"
[ -z "$OUT" ] && ok "stdout stays empty with -o" || bad "stdout stays empty with -o"
mode=$(stat -c %a "$TMP/note.html")
[ "$mode" = 600 ] && ok "html file is mode 0600" || bad "html file is mode 0600 (got $mode)"
grep -q "@page" "$TMP/note.html" && ok "html has a print style sheet" || bad "html has a print style sheet"
if grep -qi -e 'http:' -e 'https:' -e 'src=' -e '<link' -e '<script' -e 'url(' "$TMP/note.html"; then
	bad "html is self-contained"
else
	ok "html is self-contained"
fi
grep -q "<strong>improving</strong>" "$TMP/note.html" && ok "html renders the note" || bad "html renders the note"

# ------------------------------------------------------------------- PDF
run print note 1 --format pdf -o "$TMP/short.pdf"
expect "short note as PDF" 0 "" "wrote"
mode=$(stat -c %a "$TMP/short.pdf")
[ "$mode" = 600 ] && ok "pdf file is mode 0600" || bad "pdf file is mode 0600 (got $mode)"
txt=$(pdf_text "$TMP/short.pdf")
printf '%s' "$txt" | grep -q "García, José" && ok "pdf names the patient" || bad "pdf names the patient: $txt"
printf '%s' "$txt" | grep -q "DOB 1990-03-14" && ok "pdf has the date of birth" || bad "pdf has the date of birth"
printf '%s' "$txt" | grep -q "page 1 of 1" && ok "short pdf is page 1 of 1" || bad "short pdf is page 1 of 1"
printf '%s' "$txt" | grep -q "Riverside Family Medicine" && ok "pdf has the letterhead" || bad "pdf has the letterhead"

run print note 2 --format pdf -o "$TMP/long.pdf"
expect "long note as PDF" 0
txt=$(pdf_text "$TMP/long.pdf")
pages=$(pdfinfo "$TMP/long.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
[ "$pages" = 2 ] && ok "the long note takes two pages" || bad "the long note takes two pages (got $pages)"
printf '%s' "$txt" | grep -q "page 1 of 2" && ok "page 1 of 2" || bad "page 1 of 2"
printf '%s' "$txt" | grep -q "page 2 of 2" && ok "page 2 of 2" || bad "page 2 of 2"
n=$(printf '%s\n' "$txt" | grep -c "García, José (DOB\|García, José — DOB")
[ "$n" = 2 ] && ok "every page names the patient" || bad "every page names the patient ($n of 2)"
printf '%s' "$txt" | grep -q "Paragraph 45 of a long note" && ok "the whole note is there" || bad "the whole note is there"

run print rx 1 --format pdf -o "$TMP/rx.pdf"
expect "rx as PDF" 0
txt=$(pdf_text "$TMP/rx.pdf")
printf '%s' "$txt" | grep -q "60 (sixty)" && ok "rx pdf: quantity in words" || bad "rx pdf: quantity in words"
printf '%s' "$txt" | grep -q "NPI: 1234567893" && ok "rx pdf: NPI" || bad "rx pdf: NPI"
printf '%s' "$txt" | grep -q "DEA: AT1234563" && ok "rx pdf: DEA" || bad "rx pdf: DEA"

# Characters the PDF fonts lack (CJK) show as a visible stand-in, never
# silently dropped.
run patient add --given 伟 --family 李 --dob 1956-07-01 --sex male
expect "CJK patient" 0 "registered E000002"
run print summary E000002 --format pdf -o "$TMP/cjk.pdf"
expect "CJK name as PDF" 0
txt=$(pdf_text "$TMP/cjk.pdf")
printf '%s' "$txt" | grep -q "\[U+674E\], \[U+4F1F\]" && ok "missing glyphs are shown as code points" || bad "missing glyphs are shown as code points: $(printf '%s' "$txt" | head -12)"
printf '%s' "$txt" | grep -q "page 1 of 1" && ok "CJK pdf is page 1 of 1" || bad "CJK pdf is page 1 of 1"

"$EMR_BIN" print visit 1 --format pdf >"$TMP/piped.pdf" 2>"$TMP/err"
[ "$(head -c 5 "$TMP/piped.pdf")" = "%PDF-" ] && ok "pdf to a pipe" || bad "pdf to a pipe"

# Without groff, or when groff fails, the error says what to do.
PATH=/nonexistent "$EMR_BIN" print note 1 --format pdf -o "$TMP/nogroff.pdf" >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect "pdf without groff" 1 "" "apt-get install groff"
[ ! -e "$TMP/nogroff.pdf" ] && ok "no file without groff" || bad "no file without groff"
mkdir -p "$TMP/fakebin"
printf '#!/bin/sh\ncat >/dev/null\necho "gropdf: fatal: no fonts" >&2\nexit 1\n' >"$TMP/fakebin/groff"
chmod +x "$TMP/fakebin/groff"
PATH="$TMP/fakebin:$PATH" "$EMR_BIN" print note 1 --format pdf >"$TMP/out" 2>"$TMP/err"
RC=$? OUT=$(cat "$TMP/out") ERR=$(cat "$TMP/err")
expect "groff's own error is reported" 1 "" "gropdf: fatal: no fonts"

# ------------------------------------------------------------ -o details
printf 'old\n' >"$TMP/existing.txt"
chmod 644 "$TMP/existing.txt"
run print rx 1 -o "$TMP/existing.txt"
expect "overwrite an existing file" 0
mode=$(stat -c %a "$TMP/existing.txt")
[ "$mode" = 600 ] && ok "an existing file becomes 0600" || bad "an existing file becomes 0600 (got $mode)"
grep -q "sixty" "$TMP/existing.txt" && ok "and holds the printout" || bad "and holds the printout"

printf 'target\n' >"$TMP/target.txt"
ln -s "$TMP/target.txt" "$TMP/link.txt"
run print rx 1 -o "$TMP/link.txt"
expect "a symlink is not followed" 1 "" "cannot write"
[ "$(cat "$TMP/target.txt")" = target ] && ok "the symlink's target is untouched" || bad "the symlink's target is untouched"

run print note 999 -o "$TMP/never.txt"
expect "unknown note" 1 "" "no note with id 999"
[ ! -e "$TMP/never.txt" ] && ok "a failed print writes no file" || bad "a failed print writes no file"
run print rx 2
expect "a reported medication has no prescription" 1 "" "not prescribed here"
run print visit abc
expect "a bad id" 1 "" '"abc" is not a visit id'
run print summary E999999
expect "unknown patient" 1 "" "no such MRN or id"

# ----------------------------------------------------------------- usage
run print note 1 --format docx
expect "unknown format" 2 "" "must be text, md, html or pdf"
run print letter 1
expect "unknown printout" 2 "" "print note, visit, summary, rx or invoice"
run print note
expect "missing id" 2 "" "needs the note's id"
run print
expect "nothing to print" 2
run print --help
expect "help" 0 "usage: emr print"

# ----------------------------------------------------------------- audit
n=$(sql "SELECT count(*) FROM audit_events WHERE action = 'print'")
[ "$n" -ge 14 ] && ok "every printout is audited ($n)" || bad "every printout is audited ($n)"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'print' AND detail = 'rx 1 as pdf'")" = 1 ] \
	&& ok "audit says what and which format" || bad "audit says what and which format"
run audit verify
expect "the audit chain holds" 0

# A refused output file is never emptied: a second hard link is refused
# before anything is truncated (regression: it used to be emptied first).
echo precious > "$TMP/keep.txt"
ln "$TMP/keep.txt" "$TMP/hardlink.txt"
run print summary E000001 -o "$TMP/hardlink.txt"
expect "a hard-linked output file is refused" 1
[ "$(cat "$TMP/keep.txt")" = precious ] && ok "the refused file keeps its content" || bad "the refused file keeps its content"

# A visit started in emr: the vitals typed into the chart that day and the
# prescription written that day are that visit's, though recorded against
# no visit (regression: the sections were always empty).
run patient add --given Ana --family Ruiz --dob 1980-01-01 --sex female
pid=$(printf '%s' "$OUT" | sed -n 's/^registered \(E[0-9]*\).*/\1/p')
run vital add "$pid" --bp 130/85 --pulse 70
run med add "$pid" --drug lisinopril --strength "10 mg" --form "oral tablet" --sig "Take 1 tablet by mouth daily" --rx
run visit add "$pid" --reason "BP check"
vid=$(printf '%s' "$OUT" | sed -n 's/^visit \([0-9]*\) started.*/\1/p')
run print visit "$vid"
expect "a visit's same-day vitals are printed" 0 "130/85"
expect "a visit's same-day prescription is printed" 0 "lisinopril 10 mg"


# --------------------------------------------------------------- invoice
# The superbill: visit 1 billed (the codes come straight into the
# database: this practice was made with --no-codes).
sqlite3 "$EMR_DB" "INSERT INTO icd10cm (code, description, first_release, last_release) VALUES
  ('E119', 'Type 2 diabetes mellitus without complications', 2026, 2026), ('I10', 'Essential (primary) hypertension', 2026, 2026);"
run fee add 99214 --description "Office visit, moderate complexity" --fee 165
run fee add 83036 --description "Hemoglobin A1c" --fee 1,012.50
run dx add 1 --icd10 E11.9
run dx add 1 --icd10 I10
run charge add 1 --code 99214 --modifiers 25 --dx 1,2
run charge add 1 --code 83036 --dx 1
run invoice issue 1
expect "an invoice to print" 0 "INV-000001 issued: total 1177.50"
run pay E000001 77.50 --method card --invoice 1 --reference AUTH9
expect "a payment on it" 0
run print invoice 1
expect "invoice as text" 0 "Invoice INV-000001"
expect "invoice names the patient" 0 "Patient: García, José"
expect "invoice has the date of service" 0 "Date of service: 2026-11-20"
expect "invoice has the provider and NPI" 0 "Provider NPI: 1234567893"
expect "invoice has the diagnoses" 0 "1  E11.9     Type 2 diabetes mellitus without complications"
expect "invoice has the procedures" 0 "99214  25             1  1,2     Office visit, moderate"
expect "invoice has the total, money right-aligned" 0 "Total      1,177.50$"
expect "invoice has the payment" 0 "card       AUTH9 .*-77.50$"
expect "invoice has the balance" 0 "Balance due      1,100.00$"
wide=$(printf '%s\n' "$OUT" | awk '{ if (length($0) > 80) print }' | head -1)
[ -z "$wide" ] && ok "invoice text is 80 columns at most" || bad "invoice text is 80 columns at most: $wide"
run print invoice INV-000001 --format md
expect "invoice as Markdown, by number" 0 "# Invoice INV-000001"
run print invoice 1 --format html
expect "invoice as HTML" 0 "<title>Invoice INV-000001"
expect "invoice HTML has the diagnoses" 0 "Essential (primary) hypertension"
expect "invoice HTML has the procedures" 0 "83036"
expect "invoice HTML has the total" 0 "1,177.50"
run print invoice 1 --format pdf -o "$TMP/inv.pdf"
expect "invoice as PDF" 0
t=$(pdf_text "$TMP/inv.pdf")
printf '%s' "$t" | grep -q "INV-000001" && ok "PDF shows the invoice number" || bad "PDF shows the invoice number"
printf '%s' "$t" | grep -q "Total *1,177.50" && ok "PDF shows the total" || bad "PDF shows the total"
printf '%s' "$t" | grep -q "Hemoglobin A1c" && ok "PDF shows the procedures" || bad "PDF shows the procedures"
run print invoice 99
expect "no such invoice" 1 "" "no invoice 99"
run print invoice INV-x
expect "a bad invoice number" 1 "" "not an invoice id or number (12 or INV-000012)"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'print' AND entity = 'invoices' AND detail = 'invoice 1 as pdf'")" = 1 ] \
	&& ok "invoice printouts are audited" || bad "invoice printouts are audited"
run user add fran --name "Fran Desk" --role frontdesk
EMR_USER=fran run print invoice 1
expect "the front desk prints an invoice" 0 "Balance due"
EMR_USER=fran run print note 1
expect "but not a note" 1 "" "a front-desk user cannot read"
run user add nina --name "Nina Nurse" --role nurse
EMR_USER=nina run print invoice 1
expect "a nurse does not print invoices" 1 "" "a nurse cannot take payments"

finish
