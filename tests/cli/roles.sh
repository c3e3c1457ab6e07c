#!/bin/sh
# Roles: as each role (EMR_USER), read notes, add a vital, prescribe, sign
# another's note, add a user; every refusal is one sentence and audited.
here=$(dirname "$0")
. "$here/lib.sh"

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD --no-codes
expect "init" 0 "created"
run patient add --given José --family García --dob 1974-03-14 --sex male
expect "patient add" 0 "registered E000001"
run user add nina --name "Nina Nurse" --role nurse --credentials RN;  expect "add a nurse" 0 "added as nurse"
run user add fran --name "Fran Desk" --role frontdesk;                expect "add a front-desk user" 0 "added as frontdesk"
run user add bill --name "Bill Biller" --role biller;                 expect "add a biller" 0 "added as biller"
run visit add E000001 --reason "Follow-up";                           expect "physician starts a visit" 0 "draft note 1"

# Signing needs a passphrase (see notes.sh): one for the physician and the nurse.
printf 'river side 42\n' > "$TMP/pass"
run user passwd --passphrase-fd 3 3<"$TMP/pass";       expect "physician passphrase" 0
EMR_USER=nina; run user passwd --passphrase-fd 3 3<"$TMP/pass"; EMR_USER=drtest
expect "nurse passphrase" 0
EMR_PASSPHRASE='river side 42'; export EMR_PASSPHRASE

denied() { sql "select count(*) from audit_events where action='permission-denied'"; }

# ------------------------------------------------------------ front desk
EMR_USER=fran export EMR_USER
run patient show E000001;                 expect "front desk sees demographics" 0 "García"
run note show 1;                          expect "front desk cannot read notes" 1 "" "a front-desk user cannot read clinical notes"
run vital add E000001 --pulse 72;         expect "front desk cannot add a vital" 1 "" "a front-desk user cannot change clinical records"
run med add E000001 --drug metformin --strength "500 mg" --sig "Take 1 tablet twice daily" --rx
expect "front desk cannot prescribe" 1 "" "a front-desk user cannot"
run note sign 1 --force;                          expect "front desk cannot sign" 1 "" "a front-desk user cannot"
run user add eve --name Eve --role physician
expect "front desk cannot add users" 1 "" "a front-desk user cannot administer"
[ "$(denied)" = 5 ] && ok "front desk refusals audited" || bad "front desk refusals audited (got $(denied))"
# At checkout the front desk sees what is owed and takes the payment.
run balance E000001;                      expect "front desk reads the balance" 0 "balance 0.00"
run pay E000001 20 --method cash --allow-credit
expect "front desk takes a payment" 0 "balance -20.00 (credit)"
run statement E000001;                    expect "front desk reads the statement" 0 "Balance due: -20.00"
run refund E000001 20 --method cash;      expect "front desk cannot refund" 1 "" "a front-desk user cannot bill"

# ---------------------------------------------------------------- biller
EMR_USER=bill
run note show 1;                          expect "biller cannot read notes" 1 "" "a biller cannot read clinical notes"
run refund E000001 20 --method cash;      expect "biller refunds the credit" 0 "balance 0.00"
run vital add E000001 --pulse 72;         expect "biller cannot add a vital" 1 "" "a biller cannot change clinical records"
run user add eve --name Eve --role physician
expect "biller cannot add users" 1 "" "a biller cannot administer"

# ----------------------------------------------------------------- nurse
EMR_USER=nina
run note show 1;                          expect "nurse reads notes" 0
run vital add E000001 --pulse 72;         expect "nurse adds a vital" 0
run med add E000001 --drug metformin --strength "500 mg" --sig "Take 1 tablet twice daily" --rx
expect "nurse cannot prescribe" 1 "" "a nurse cannot prescribe"
run med add E000001 --drug aspirin --strength "81 mg";  expect "nurse records a reported medication" 0 "aspirin"
run note sign 1 --force;                          expect "nurse cannot sign another's note" 1 "" "a nurse cannot sign another user's note"
run visit add E000001 --reason "Flu shot"; expect "nurse starts a visit" 0 "draft note 2"
run note sign 2 --force;                          expect "nurse signs her own note" 0
run user add eve --name Eve --role physician
expect "nurse cannot add users" 1 "" "a nurse cannot administer"
run user disable fran;                    expect "nurse cannot disable users" 1 "" "a nurse cannot administer"
[ "$(sql "select count(*) from users where login='eve'")" = 0 ] && ok "no refused user was added" || bad "no refused user was added"

# ------------------------------------------------------------- physician
EMR_USER=drtest
run note sign 1 --force;                          expect "physician signs" 0
run med add E000001 --drug metformin --strength "500 mg" --sig "Take 1 tablet twice daily" --rx
expect "physician prescribes" 0 "metformin"
run user disable fran;                    expect "user disable" 0 "fran disabled"
run user list;                            expect "user list" 0 "fran"
EMR_USER=fran; run patient list; EMR_USER=drtest
expect "a disabled user is refused" 1 "" 'login "fran" is disabled in emr'
run user enable fran;                     expect "user enable" 0 "fran enabled"
EMR_USER=fran; run patient list; EMR_USER=drtest
expect "an enabled user logs in again" 0 "García"
run user role fran nurse;                 expect "user role" 0 "fran is now nurse"
run user role fran janitor;               expect "bad role refused" 1 "" "must be physician, nurse"
run user disable drtest;                  expect "cannot disable oneself" 1 "" "your own login"
run user disable;                         expect "disable needs a login" 2
EMR_USER=fran; run vital add E000001 --pulse 70; EMR_USER=drtest
expect "the new role applies" 0

finish
