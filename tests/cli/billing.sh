# Billing from the command line: the fee schedule (CSV import and export),
# charges, invoices, payments, adjustments, balances and reports.
. "$(dirname "$0")/lib.sh"

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD
expect "init" 0 "created"
run patient add --given José --family García --dob 1974-03-14 --sex male
expect "patient" 0 "E000001"
run visit add E000001 --reason "Follow-up"
expect "visit" 0 "visit 1 started"

# ---------------------------------------------------------------- fees
run fee add 99213 --description "Office visit, established" --fee '$125.50'
expect "fee add parses dollars into cents" 0 "fee 99213: 125.50"
[ "$(sql "SELECT fee_cents FROM fee_schedule WHERE code = '99213'")" = 12550 ] && ok "fee stored as cents" || bad "fee stored as cents"
run fee add 99214 --description "Negative" --fee=-1
expect "negative fee refused" 1 "" "negative"
run fee add 99214 --description "Bad" --fee 1.234
expect "three decimals refused" 2 "" "125.00"

printf 'code,description,fee,system\n99214,"Office visit, moderate",165,CPT\n36415,"Venipuncture ""routine""",12.5\nG0439,Annual wellness visit,175.00,HCPCS\n' >"$TMP/fees.csv"
run fee import "$TMP/fees.csv"
expect "fee import" 0 "imported 3 fees"

printf 'code,description,fee\n99215,Office visit high,211\n99203,"New patient"x,120\n' >"$TMP/bad.csv"
run fee import "$TMP/bad.csv"
expect "malformed CSV names line and column" 1 "" "line 3, column 2"
[ "$(sql "SELECT count(*) FROM fee_schedule WHERE code = '99215'")" = 0 ] && ok "malformed CSV imports nothing" || bad "malformed CSV imports nothing"
printf 'code,description,fee\n99215,Office visit high,211\n99203,New patient,-5\n' >"$TMP/neg.csv"
run fee import "$TMP/neg.csv"
expect "negative fee in CSV refused with line and column" 1 "" "line 3, column 3"
printf 'code,description,fee\n99215,Office visit high,12.345\n' >"$TMP/amt.csv"
run fee import "$TMP/amt.csv"
expect "bad amount in CSV names line and column" 1 "" "line 2, column 3"

run fee list --csv
expect "fee list --csv" 0 "code,system,description,fee"
printf '%s\n' "$OUT" >"$TMP/list.csv"
if python3 - "$TMP/list.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
byc = {r['code']: r for r in rows}
assert len(rows) == 4, rows
assert byc['99214']['description'] == 'Office visit, moderate', byc['99214']
assert byc['36415']['description'] == 'Venipuncture "routine"', byc['36415']
assert byc['36415']['fee'] == '12.50' and byc['99213']['fee'] == '125.50'
assert byc['G0439']['system'] == 'HCPCS'
PY
then ok "fee list CSV parses back with python csv"; else bad "fee list CSV parses back with python csv"; fi
run fee list --json
expect "fee list --json: exact strings and cents" 0 '"fee": "125.50"'
expect "fee list --json cents" 0 '"fee_cents": 12550'

# ---------------------------------------------------------------- charges
run dx add 1 --icd10 E11.9
expect "dx add" 0 "diagnosis 1 of visit 1"
run dx add 1 --icd10 I10
expect "second dx" 0 "diagnosis 2 of visit 1"
run dx add 1 --icd10 ZZZ99
expect "unknown ICD-10 refused" 1 "" "unknown ICD-10-CM code"
run charge add 1 --code 99999
expect "unknown procedure code refused" 1 "" 'unknown procedure code "99999"'
run charge add 1 --code 99213 --dx 3
expect "dx pointer must exist" 1 "" "no diagnosis 3"
run charge add 1 --code 99213 --modifiers 25 --dx 1,2
expect "charge add" 0 "charge 1: 99213"
run charge add 1 --code 36415 --units 2
expect "charge with units" 0 "charge 2: 36415 x2"

# ---------------------------------------------------------------- invoices
run invoice issue 1
expect "invoice issue" 0 "INV-000001 issued: total 150.50"
run invoice issue 1
expect "no second invoice without open charges" 1 "" "no open charges"
[ "$(sql "SELECT amount_cents FROM ledger WHERE kind = 'charge'")" = 15050 ] && ok "ledger charge entry" || bad "ledger charge entry"
if sqlite3 "$EMR_DB" "UPDATE invoices SET total_cents = 1" 2>"$TMP/trig"; then bad "invoice immutable"; else
	grep -q immutable "$TMP/trig" && ok "invoice immutable" || bad "invoice immutable"; fi
run invoice show 1
expect "invoice show" 0 "Date of service: 2026-11-25"
expect "invoice show procedures" 0 "99213  25"
expect "invoice show diagnoses" 0 "Essential (primary) hypertension"
run invoice show INV-000001 --json
expect "invoice show --json" 0 '"total": "150.50"'

# ---------------------------------------------------------------- payments
run pay E000001 200 --method cash
expect "overpayment refused with the balance" 1 "" "balance 150.50"
run pay E000001 50 --method card --invoice 1 --reference 1234
expect "pay" 0 "balance 100.50"
run pay E000001 5 --method bitcoin
expect "unknown method refused" 1 "" "cash, card, check or insurance"
run adjust E000001 -10.25 --reason "courtesy" --invoice INV-000001
expect "adjust: a negative amount needs no --" 0 "balance 90.25"
run adjust E000001 -x 5 --reason "typo"
expect "a dash and a letter is still an option" 2 "" "unknown option -x"
run adjust E000001 --reason "typo" -- -abc
expect "-- still ends the options" 2 "" 'amount "-abc"'
[ "$(sql "SELECT count(*) FROM ledger WHERE kind = 'adjustment'")" = 1 ] && ok "refused adjustments post nothing" || bad "refused adjustments post nothing"
run pay E000001 100 --method check --allow-credit
expect "credit after confirmation" 0 "balance -9.75 (credit)"
run balance E000001
expect "balance" 0 "balance -9.75 (credit)"
[ "$(sql "SELECT sum(amount_cents) FROM ledger WHERE patient_id = 1")" = -975 ] && ok "ledger sums to the balance" || bad "ledger sums to the balance"
run statement E000001 --csv
expect "statement" 0 "date,kind,invoice,detail,amount,balance"
printf '%s\n' "$OUT" >"$TMP/st.csv"
if python3 - "$TMP/st.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert [r['kind'] for r in rows] == ['charge', 'payment', 'adjustment', 'payment'], rows
assert rows[-1]['balance'] == '-9.75', rows[-1]
PY
then ok "statement CSV parses back"; else bad "statement CSV parses back"; fi

run invoice list E000001
expect "invoice list" 0 "INV-000001"
run invoice list E000001 --open --csv
expect "invoice list --open: the credit payment named no invoice" 0 "1,INV-000001,1,2026-11-25,150.50,90.25"

# ---------------------------------------------------------------- refunds
run refund E000001 10.00 --method check
expect "refund beyond the credit refused" 1 "" "refund 10.00 is more than the credit 9.75"
run refund E000001 5 --method paypal
expect "refund with an unknown method refused" 1 "" "cash, card, check or insurance"
run refund E000001 5
expect "refund needs --method" 2 "" "expected PATIENT AMOUNT --method M"
run refund E000001 -5 --method cash
expect "a negative refund is a usage error" 2 "" "positive amount"
run refund E000001 5.00 --method check --reference 2002 --invoice INV-000001
expect "refund within the credit" 0 "refund 5.00 (check) to E000001; balance -4.75 (credit)"
run refund E000001 4.75 --method cash
expect "refund the rest" 0 "balance 0.00"
run refund E000001 0.01 --method cash
expect "no credit, no refund" 1 "" "no credit to refund: the balance is 0.00"
[ "$(sql "SELECT count(*) FROM ledger WHERE kind = 'refund' AND amount_cents > 0")" = 2 ] && ok "refunds are positive ledger entries" || bad "refunds are positive ledger entries"
run balance E000001
expect "balance after refunds" 0 "balance 0.00"

# ---------------------------------------------------------------- void
run visit add E000001 --reason "Lab draw"
expect "second visit" 0 "visit 2 started"
run dx add 2 --icd10 I10
run charge add 2 --code 36415
expect "an open charge" 0 "charge 3: 36415"
run charge void 3
expect "charge void" 0 "charge 3 void"
[ "$(sql "SELECT status FROM charges WHERE id = 3")" = void ] && ok "voided charge is void" || bad "voided charge is void"
run charge void 3
expect "void twice refused" 1 "" "already void"
run charge void 1
expect "an invoiced charge cannot be voided" 1 "" "charge 1 is on invoice INV-000001: an invoiced charge cannot be voided, post an adjustment instead"
run charge void 99
expect "no such charge" 1 "" "no charge 99"
run charge void x
expect "charge void needs a number" 2 "" "expected CHARGE"
run invoice issue 2
expect "a void charge is not invoiced" 1 "" "no open charges"

# ---------------------------------------------------------------- reports
run report daysheet --date 2026-11-25 --csv
expect "daysheet" 0 "date,charges,payments,adjustments,refunds,net"
printf '%s\n' "$OUT" >"$TMP/day.csv"
if python3 - "$TMP/day.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
assert rows == [{'date': '2026-11-25', 'charges': '150.50', 'payments': '150.00', 'adjustments': '-10.25', 'refunds': '9.75', 'net': '0.00'}], rows
PY
then ok "daysheet CSV parses back"; else bad "daysheet CSV parses back"; fi
# Invoice 1 has 90.25 open on it, but 100.00 was paid without naming it
# and 9.75 of that refunded: the unapplied 90.25 pays it off (FIFO).
run report aging --csv
expect "aging: unapplied payments reduce the oldest invoice" 0 "total,0.00"
run pay E000001 40 --method cash --allow-credit
expect "a payment naming no invoice, in credit" 0 "balance -40.00 (credit)"
run charge add 2 --code 99213 --dx 1
run invoice issue 2
expect "a second invoice" 0 "INV-000002 issued: total 125.50"
run report aging --csv
expect "aging: the credit is applied to the new invoice" 0 "0-30,85.50"
expect "aging total equals the balance" 0 "total,85.50"
EMR_NOW=2027-03-01T15:00:00Z run report aging
expect "aging follows the frozen clock" 0 "over 90  *85.50"
run report workload
expect "report workload still works" 0 ""

# ---------------------------------------------------------------- roles
run user add fran --name "Fran Desk" --role frontdesk
expect "front-desk user" 0
EMR_USER=fran run pay E000001 1 --method cash --allow-credit
expect "front desk takes a payment" 0 "payment 1.00"
EMR_USER=fran run charge add 1 --code 99213
expect "front desk does not bill" 1 "" "cannot bill"
EMR_USER=fran run balance E000001
expect "front desk reads the balance" 0 "balance 84.50"
EMR_USER=fran run statement E000001
expect "front desk reads the statement" 0 "Balance due: 84.50"
EMR_USER=fran run invoice show INV-000002
expect "front desk reads an invoice" 0 "Invoice INV-000002"
EMR_USER=fran run invoice list E000001 --open
expect "front desk lists open invoices" 0 "INV-000002"
EMR_USER=fran run refund E000001 1 --method cash
expect "front desk does not refund" 1 "" "a front-desk user cannot bill"
EMR_USER=fran run charge void 3
expect "front desk does not void charges" 1 "" "a front-desk user cannot bill"
EMR_USER=fran run note show 1
expect "front desk does not read notes" 1 "" "a front-desk user cannot read clinical notes"
run user add nina --name "Nina Nurse" --role nurse
expect "nurse" 0
EMR_USER=nina run balance E000001
expect "a nurse does not read balances" 1 "" "a nurse cannot take payments or read balances"

finish
