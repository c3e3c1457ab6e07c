#!/bin/sh
# UI tests of billing on screen: the chart's Billing pane (8) and the
# balance in its header, the charge screen of a visit ($ from the Visits
# pane and from a signed note), the code picker, issuing an invoice,
# payments (an overpayment becomes a credit after asking), voiding, and
# the front desk taking a payment.  The real binary in tmux at 80x24; the
# practice built with the command line; amounts checked against the CLI.
here=$(dirname "$0")
. "$here/lib.sh"

fail_screen() { OUT=$(screen); RC=-; ERR=""; bad "$1"; }

# check_status NAME TEXT: the status line (messages and questions) shows TEXT.
check_status() {
	i=0
	while [ $i -lt 50 ]; do
		screen | tail -n 1 | grep -q -- "$2" && { ok "$1"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	fail_screen "$1 (status line lacks: $2)"
}

# cli_has NAME PATTERN CMD...: the command succeeds and prints PATTERN.
cli_has() {
	name=$1 pat=$2
	shift 2
	run "$@"
	expect "$name" 0 "$pat"
}

# start_as LOGIN: emr in tmux as that user, with a passphrase to sign.
start_as() {
	$T new-session -d -s emr -x "${COLS:-80}" -y "${ROWS:-24}" \
		"env HOME='$TMP' EMR_DB='$EMR_DB' EMR_USER=$1 EMR_NOW=$EMR_NOW TZ=$TZ LC_ALL=C.UTF-8 TERM=$TERM '$EMR_BIN'; echo EXITED=\$?; sleep 30"
}

# open_chart LOGIN QUERY: from the patient list, search and open the first match.
open_chart() {
	start_as "$1"
	wait_for "Find patient" || { fail_screen "the patient list opens"; return 1; }
	$T send-keys -t emr -l "$2"
	sleep 0.3
	$T send-keys -t emr Enter
	wait_for "MRN E0" || { fail_screen "the chart of $2 opens"; return 1; }
}

# ------------------------------------------------------------ the practice

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest >/dev/null 2>&1 ||
	{ bad "init"; finish; exit 1; }

e() { "$EMR_BIN" "$@" >/dev/null 2>"$TMP/err" || { RC=$?; ERR=$(cat "$TMP/err"); OUT=""; bad "setup: emr $*"; }; }

e user add fran --name "Fran Desk" --role frontdesk
e user add nina --name "Nina Nurse" --role nurse --credentials RN
e user add bill --name "Bill Biller" --role biller
printf 'river side 42\n' >"$TMP/pass"
e user passwd --passphrase-fd 3 3<"$TMP/pass"
e fee add 99213 --description "Office visit, established patient, low complexity" --fee 125.00
e fee add 99214 --description "Office visit, established patient, moderate complexity" --fee 185.00
e fee add 36415 --description "Routine venipuncture" --fee 15.00

# E000001: an invoice issued from the command line (visit 1), and a
# visit still to bill on screen (visit 2, the newest).
e patient add --given Maria --family Garcia --dob 1990-03-14 --sex female
e problem add E000001 --icd10 E11.9 --onset 2019-04-02
e problem add E000001 --icd10 I10 --onset 2018-01-10
e allergy add E000001 --nkda
e visit add E000001 --reason "Diabetes follow-up"
e visit add E000001 --reason "Blood pressure check"
e dx add 1 --icd10 E11.9
e charge add 1 --code 99213
e invoice issue 1
# E000002: a visit whose note is signed on screen, then billed.
e patient add --given Ruth --family Keller --dob 1960-05-05 --sex female
e allergy add E000002 --nkda
e visit add E000002 --reason "Cough"
e dx add 3 --icd10 R05.9
# E000003: what the front desk collects.
e patient add --given Sam --family Payer --dob 1975-07-07 --sex male
e visit add E000003 --reason "Annual exam"
e dx add 4 --icd10 Z00.00
e charge add 4 --code 99214
e invoice issue 4
# E000004: charges left open for the biller.
e patient add --given Lee --family Open --dob 1980-02-02 --sex male
e visit add E000004 --reason "Sore throat"
e dx add 5 --icd10 J02.9
e charge add 5 --code 99214

# ------------------------------------------------------------ the keys, listed

run keys
expect "emr keys lists the charge screen" 0 "I  *issue the invoice of the open charges"
expect "emr keys lists the chart's \$" 0 "\$  *charges of the selected visit"
# README.md carries a copy of emr keys: the billing views' lines are in it.
readme="$here/../../README.md"
missing=$(printf '%s\n' "$OUT" | awk '/^[^ ]/ { on = ($0 == "Charges" || $0 == "Code picker" || $0 == "Invoice") } on && NF' |
	while IFS= read -r l; do grep -qxF -- "$l" "$readme" || printf '%s|' "$l"; done)
[ -z "$missing" ] && ok "README.md has the billing views' keys as emr keys prints them" ||
	bad "README.md has the billing views' keys as emr keys prints them (missing: $missing)"

# ------------------------------------------------------------ the Billing pane

open_chart drtest garcia
check "the header shows what the patient owes" "MRN E000001 *Balance 125.00"
check "at 80x24 the Immunizations pane is there as before" "6 Immunizations (0)"
$T send-keys -t emr 8
check "8 focuses the Billing pane" "8 Billing (1 open invoice)"
check "the pane shows the balance" "^ *Balance 125.00"
check "and the open invoice: number, date of service, amount due" "INV-000001 2026-11-25 .*due 125.00"
absent "at 80x24 Billing takes the place of Immunizations while focused" "6 Immunizations"
check "the Visits pane stays beside it" "7 Visits (2)"
check "the footer offers the billing keys" "Enter invoice  \$ charges"
$T send-keys -t emr Tab
check "Tab goes on from Billing to Problems" "6 Immunizations (0)"
absent "and Billing yields its place again" "8 Billing"
$T send-keys -t emr BTab
check "Shift-Tab comes back to Billing" "8 Billing (1 open invoice)"
$T send-keys -t emr j Enter
check "Enter on the invoice shows it" "Invoice INV-000001"
check "with its lines" "99213 .*Office visit"
check "and its diagnosis" "E11.9 .*Type 2 diabetes"
check "and its balance" "Balance *125.00"
$T send-keys -t emr p
check_status "p prints the invoice, saying where" "Printed .*~/emr-prints/invoice-INV-000001\.\(pdf\|txt\)"
f=$(ls "$TMP/emr-prints/" 2>/dev/null | grep '^invoice-INV-000001\.' | head -1)
[ -n "$f" ] && [ -s "$TMP/emr-prints/$f" ] && ok "the invoice printout is written ($f)" || bad "the invoice printout is written"
$T send-keys -t emr q
check "q goes back to the chart" "8 Billing (1 open invoice)"
$T send-keys -t emr '?'
check "? lists the new chart keys" "charges of the selected visit"
$T send-keys -t emr q

# ------------------------------------------------------------ the charge screen

$T send-keys -t emr 7 '$'
check "\$ on a visit opens its charge screen" "Charges for the visit of 2026-11-25"
check "a new visit has no diagnoses" "No diagnoses yet (d adds one)"
check "and no charges" "No charges yet"
check "the patient's balance shows" "Balance 125.00"
$T send-keys -t emr d
check "d opens the diagnosis picker" "Add a diagnosis: ICD-10-CM code"
check "the active problems are offered first" "E11.9 *Type 2 diabetes"
$T send-keys -t emr -l "zz9"
sleep 0.3
$T send-keys -t emr Enter
check_status "an unknown code is refused, in plain words" "Diagnosis not added: "
$T send-keys -t emr C-u
$T send-keys -t emr -l "I10"
check "typing searches ICD-10-CM" "I10 *Essential (primary) hypertension"
$T send-keys -t emr Enter
check "the diagnosis is added at rank 1" "1  I10 *Essential (primary) hypertension"
check_status "and the status line says so" "Diagnosis 1: I10 added"
$T send-keys -t emr d
check "the picker again" "Add a diagnosis"
$T send-keys -t emr Enter
check "a problem's code is one key away (rank 2)" "2  E11.9 *Type 2 diabetes"

$T send-keys -t emr a
check "a opens the fee schedule" "Add a charge: procedure code from the fee schedule"
check "listing every code with its fee" "99214 .*185.00"
$T send-keys -t emr -l "low compl"
check "typing words filters it" "1 of 3 codes"
check "to the matching code" "99213 .*Office visit.*125.00"
$T send-keys -t emr Enter
check_status "then asks for modifiers" "99213: modifiers"
$T send-keys -t emr Enter
check_status "units, 1 by default" "99213: units: 1$"
$T send-keys -t emr Enter
check_status "diagnosis pointers, 1 by default" "99213: diagnosis pointers .*: 1$"
$T send-keys -t emr Enter
check "the charge shows: code, units, dx, amount, status" "99213 *Office visit.* 1 *1 *125.00 *open"
check_status "125.00 x 1 = 125.00" "Charged 99213: 125.00 x 1 = 125.00"
check "the open total" "Open charges 125.00"
$T send-keys -t emr a
$T send-keys -t emr -l "3641"
check "a code's beginning finds it" "36415 *Routine venipuncture"
$T send-keys -t emr Enter
$T send-keys -t emr -l "59"
$T send-keys -t emr Enter
check_status "units asked" "36415: units"
$T send-keys -t emr C-u 2 Enter
$T send-keys -t emr C-u
$T send-keys -t emr -l "1,2"
$T send-keys -t emr Enter
check "two units with a modifier and two pointers" "36415 *Routine venipuncture *59 *2 *1,2 *30.00 *open"
check "the open total adds up" "Open charges 155.00"

$T send-keys -t emr x
check_status "x asks before voiding the selected charge" "Void charge 36415 of 30.00?"
$T send-keys -t emr y
check "the void charge leaves the open total" "Open charges 125.00"
check "and stays listed as void" "36415 .*30.00 *void"
$T send-keys -t emr x
check_status "a void charge is not voided again" "Only an open charge is voided"

$T send-keys -t emr I
check_status "I asks before issuing" "Issue an invoice for 1 open charge, total 125.00?"
$T send-keys -t emr y
check_status "the invoice number and total" "Invoice INV-000003 issued, total 125.00"
check "the screen shows the invoice" "Invoice INV-000003  total 125.00  balance 125.00"
check "the charge is invoiced" "99213 .*125.00 *invoiced"
check "the balance grows" "Balance 250.00"
cli_has "emr invoice show agrees: the total" "125.00" invoice show INV-000003
printf '%s' "$OUT" | grep -q "99213" && ok "emr invoice show agrees: the line" || bad "emr invoice show agrees: the line"
printf '%s' "$OUT" | grep -q "36415" && bad "the void charge is not on the invoice" || ok "the void charge is not on the invoice"
[ "$(sql "select count(*) from charges where status = 'open' and encounter_id = 2")" = 0 ] && ok "no open charge is left" || bad "no open charge is left"
$T send-keys -t emr I
check_status "nothing more to invoice" "No open charges to invoice"

$T send-keys -t emr p
check_status "p asks the amount, the balance offered" "Payment amount (balance 250.00): 250.00"
$T send-keys -t emr C-u
$T send-keys -t emr -l "1oo"
$T send-keys -t emr Enter
check_status "a wrong amount is asked again" "Not an amount above zero"
$T send-keys -t emr C-u
$T send-keys -t emr -l "100"
$T send-keys -t emr Enter
check_status "then the method" "Method (cash, card, check, insurance):"
$T send-keys -t emr -l "car"
$T send-keys -t emr Enter
check_status "then a reference" "Reference"
$T send-keys -t emr -l "slip 42"
$T send-keys -t emr Enter
check_status "the payment is taken" "Payment of 100.00 (card) taken; Balance 150.00"
check "the balance shown drops" "Balance 150.00"
cli_has "emr balance agrees" "150.00" balance E000001

$T send-keys -t emr p
check_status "p again" "Payment amount (balance 150.00)"
$T send-keys -t emr C-u
$T send-keys -t emr -l "200"
$T send-keys -t emr Enter
$T send-keys -t emr -l "cash"
$T send-keys -t emr Enter Enter
check_status "more than the balance asks first" "200.00 is more than the balance 150.00: take it and keep 50.00 as a credit?"
$T send-keys -t emr n
check_status "n takes nothing" "No payment taken"
cli_has "nothing was recorded" "150.00" balance E000001
$T send-keys -t emr p
$T send-keys -t emr C-u
$T send-keys -t emr -l "200"
$T send-keys -t emr Enter
$T send-keys -t emr -l "cash"
$T send-keys -t emr Enter Enter
check_status "asked again" "as a credit?"
$T send-keys -t emr y
check_status "y records the overpayment" "Payment of 200.00 (cash) taken; Credit 50.00"
check "the screen shows a credit" "Credit 50.00"
cli_has "emr balance shows the credit" "\-50.00" balance E000001

$T send-keys -t emr i
check "i shows the visit's invoice" "Invoice INV-000003"
check "with the payments applied to it" "Payments and adjustments"
$T send-keys -t emr q q
check "back in the chart, the header shows the credit" "MRN E000001 *Credit 50.00"
$T send-keys -t emr 8
check "and the Billing pane too" "^ *Credit 50.00"
absent "nothing crashed" "EXITED="
stop

# ------------------------------------------------------------ from a signed note

open_chart drtest keller
$T send-keys -t emr 7 Enter
check "the visit's draft note opens" "DRAFT"
$T send-keys -t emr s
check_status "s asks before signing" "Sign this note?"
$T send-keys -t emr y
check_status "the passphrase" "Passphrase to sign:"
$T send-keys -t emr -l "river side 42"
$T send-keys -t emr Enter
check "the note is signed" "SIGNED"
check_status "the status line points at the charges" "Signed. \$ charges"
check "the footer offers them" "\$ charges"
$T send-keys -t emr '$'
check "\$ opens the charge screen of the note's visit" "Charges for the visit of 2026-11-25"
$T send-keys -t emr a
$T send-keys -t emr -l "99214"
$T send-keys -t emr Enter Enter Enter Enter
check "a charge added from there" "99214 .*185.00 *open"
$T send-keys -t emr q
check "q goes back to the note" "SIGNED"
$T send-keys -t emr q 8
check "the Billing pane lists the visit with open charges" "2026-11-25 1 open charge *185.00"
$T send-keys -t emr j '$'
check "\$ on it opens its charges" "99214 .*185.00 *open"
stop

# ------------------------------------------------------------ the front desk

open_chart fran payer
check "the front desk sees the balance in the header" "MRN E000003 *Balance 185.00"
$T send-keys -t emr 8
check "and the Billing pane" "INV-000002 2026-11-25 .*due 185.00"
$T send-keys -t emr j '$'
check "\$ on the invoice opens the visit's charges" "Charges for the visit of 2026-11-25"
check "with the visit's invoice" "Invoice INV-000002  total 185.00  balance 185.00"
check "not its diagnoses and charges" "Diagnoses and charges are for the billing role"
$T send-keys -t emr a
check_status "the front desk cannot add charges" "No charge added: a front-desk user cannot"
$T send-keys -t emr p
check_status "but takes a payment" "Payment amount (balance 185.00): 185.00"
$T send-keys -t emr Enter
$T send-keys -t emr -l "check"
$T send-keys -t emr Enter
$T send-keys -t emr -l "1042"
$T send-keys -t emr Enter
check_status "paid in full" "Payment of 185.00 (check) taken; Balance 0.00"
check "the invoice is paid" "Invoice INV-000002  total 185.00  balance 0.00"
cli_has "emr balance agrees" "balance 0.00" balance E000003
[ "$(sql "select reference from ledger where kind = 'payment' and method = 'check'")" = 1042 ] &&
	ok "the reference is recorded" || bad "the reference is recorded"
$T send-keys -t emr q
check "the chart's Billing pane: nothing open" "8 Billing (0 open invoices)"
stop

# ------------------------------------------------------------ a biller

open_chart bill open
check "a biller's chart has no clinical panes" "not available to the billing role"
$T send-keys -t emr 8
check "the Billing pane lists the visit not invoiced" "2026-11-25 1 open charge *185.00"
check "and says so beside the balance" "Balance 0.00  1 visit not invoiced"
$T send-keys -t emr j '$'
check "\$ on it opens its charges" "99214 .*185.00 *open"
$T send-keys -t emr d
check "without clinical access no problem list is offered" "Type a code (E11.9) or words"
$T send-keys -t emr -l "j06.9"
check "a typed code is found" "J06.9 *Acute upper respiratory infection"
$T send-keys -t emr Enter
check "and added at rank 2" "2  J06.9 *Acute upper respiratory"
$T send-keys -t emr I
check_status "the biller issues the invoice" "Issue an invoice for 1 open charge, total 185.00?"
$T send-keys -t emr y
check_status "numbered" "Invoice INV-000004 issued, total 185.00"
$T send-keys -t emr q
check "back in the chart, the header shows the balance" "MRN E000004 *Balance 185.00"
check "and the pane the open invoice" "INV-000004 2026-11-25 .*due 185.00"
stop

# ------------------------------------------------------------ a nurse

open_chart nina garcia
absent "a nurse sees no balance" "Credit 50.00"
$T send-keys -t emr 8
check "the Billing pane says why" "Billing is not available to this role"
$T send-keys -t emr 7 '$'
check "the charge screen too" "Billing is not available to the nurse role"
stop

# ------------------------------------------------------------ a wide screen

COLS=160 ROWS=50
open_chart drtest garcia
check "at 160x50 Billing is a pane of its own beside Immunizations and Visits" "6 Immunizations"
check "the Billing pane is shown without focus" "8 Billing ([0-9]* open invoice"
stop
COLS=80 ROWS=24

finish
