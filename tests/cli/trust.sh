#!/bin/sh
# Trusting the record: the audit log report, backups (and their rotation),
# restore (refusing corrupt or foreign files), `emr check`, and two
# sessions editing one patient.
here=$(dirname "$0")
. "$here/lib.sh"

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD --no-codes
expect "init" 0 "created"
run patient add --given Ann --family Smith --dob 1980-01-02 --sex female;  expect "patient add" 0 "E000001"
run patient add --given Bob --family Jones --dob 1970-03-04 --sex male;    expect "second patient" 0 "E000002"
run patient show E000001;                                                  expect "chart opened" 0 "Smith"

# ------------------------------------------------- administrators only
run user add nurse1 --name "Nora Nurse" --role nurse;  expect "a nurse" 0
for c in "audit log" "report workload" "backup $TMP/nurse.db" "restore $TMP/nurse.db --yes"; do
	EMR_USER=nurse1 run $c
	expect "a nurse may not: $c" 1
done
[ ! -e "$TMP/nurse.db" ] && ok "the refused backup wrote nothing" || bad "the refused backup wrote nothing"
EMR_USER=nurse1 run check;             expect "a nurse may run check" 0 "all checks passed"

# ------------------------------------------------------------- audit log
run audit log;                         expect "audit log lists events" 0 "Smith, Ann"
run audit log --patient E000001;       expect "audit log for one patient" 0 "E000001"
if printf '%s' "$OUT" | grep -q Jones; then bad "audit log --patient shows only that patient"; else ok "audit log --patient shows only that patient"; fi
run audit log --patient E000001 --json
expect "audit log JSON" 0 '"action": "create"'
n=$(printf '%s' "$OUT" | grep -c '"mrn": "E000001"')
[ "$n" -ge 1 ] && ok "JSON rows name the MRN" || bad "JSON rows name the MRN"
run audit log --user nobodyelse --csv; expect "audit log CSV, other user: header only" 0 "at,login,action"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && ok "no rows for another user" || bad "no rows for another user"
run audit log --since 2999-01-01;      expect "audit log --since the future: empty" 0
run audit log --since yesterday;       expect "bad --since is a usage error" 2 "" "YYYY-MM-DD"
run audit log --json --csv;            expect "--json with --csv is a usage error" 2

# -------------------------------------------------------- workload report
# Monday 2026-11-23 in New York: visits at 09:00 and 10:00 signed after 30
# and 10 minutes; one at 18:30 (after hours: the visit and its note) left
# unsigned.  Sunday 2026-11-22: a chart opened (the clinic is closed).
export XDG_STATE_HOME="$TMP/state"
# has_line LINE: $OUT has exactly this line (CSV ends lines with CRLF).
has_line() { printf '%s\n' "$OUT" | tr -d '\r' | grep -qx -- "$1"; }
EMR_PASSPHRASE='river side 42'; export EMR_PASSPHRASE
run user passwd
EMR_NOW=2026-11-23T14:00:00Z run visit add E000001;  expect "visit at 09:00" 0 "draft note 1"
EMR_NOW=2026-11-23T14:30:00Z run note sign 1;        signed1=$RC
EMR_NOW=2026-11-23T15:00:00Z run visit add E000001;  expect "visit at 10:00" 0 "draft note 2"
EMR_NOW=2026-11-23T15:10:00Z run note sign 2;        signed2=$RC
EMR_NOW=2026-11-23T23:30:00Z run visit add E000001;  expect "visit at 18:30" 0 "draft note 3"
EMR_NOW=2026-11-22T15:00:00Z run patient show E000002; expect "chart opened on a Sunday" 0 "Jones"
unset EMR_PASSPHRASE
run report workload --csv;             expect "report workload CSV" 0 "day,login,visits,notes_signed"
if [ "$signed1$signed2" = 00 ]; then
	has_line '2026-11-23,drtest,3,2,20.0,30.0,1,2' && ok "Monday: 3 visits, 2 signed (median 20, max 30 min), 1 unsigned, 2 after hours" || bad "Monday: 3 visits, 2 signed (median 20, max 30 min), 1 unsigned, 2 after hours"
else
	has_line '2026-11-23,drtest,3,0,,,3,2' && ok "Monday: 3 visits, 3 unsigned, 2 after hours (signing unavailable)" || bad "Monday: 3 visits, 3 unsigned, 2 after hours (signing unavailable)"
fi
has_line '2026-11-22,drtest,0,0,,,0,1' && ok "Sunday: 1 row after hours" || bad "Sunday: 1 row after hours"
run report workload --since 2026-11-23 --json
expect "report workload JSON" 0 '"visits": 3'
printf '%s' "$OUT" | grep -q 2026-11-22 && bad "--since leaves out earlier days" || ok "--since leaves out earlier days"
run report workload;                   expect "report workload table" 0 "AFTER HOURS"
run report workload --since 11/23;     expect "bad --since is a usage error" 2 "" "YYYY-MM-DD"
run report;                            expect "report needs a kind" 2 "" "workload"

# ---------------------------------------------------------------- backup
mkdir "$TMP/bk"
run backup "$TMP/bk/one.db";           expect "backup to a file" 0 "audit rows verified"
[ "$(stat -c %a "$TMP/bk/one.db")" = 600 ] && ok "backup file is mode 0600" || bad "backup file is mode 0600"
[ ! -e "$TMP/bk/one.db.tmp" ] && ok "no temporary file left" || bad "no temporary file left"
[ "$(sqlite3 "$TMP/bk/one.db" 'select count(*) from patients')" = 2 ] && ok "backup holds the patients" || bad "backup holds the patients"
[ "$(sql "select count(*) from audit_events where action = 'backup'")" = 1 ] && ok "backup audited" || bad "backup audited"
run backup "$TMP/bk";                  expect "backup into a directory" 0 "practice-"
run backup "$TMP/bk" --keep 2;         expect "second backup into the directory" 0 "practice-"
run backup "$TMP/bk" --keep 2;         expect "third backup rotates" 0 "removed old backup"
n=$(ls "$TMP/bk" | grep -c '^practice-[0-9]\{8\}-[0-9]\{6\}\.db$')
[ "$n" = 2 ] && ok "--keep 2 keeps two backups" || bad "--keep 2 keeps two backups (have $n)"
[ -e "$TMP/bk/one.db" ] && ok "rotation leaves other files alone" || bad "rotation leaves other files alone"
run backup "$TMP/bk/one.db" --keep 2;  expect "--keep needs a directory" 2

# Others keep working during a backup: writes go on and none is refused.
(
	i=0; fails=0
	while [ $i -lt 40 ]; do
		"$EMR_BIN" vital add E000002 --pulse 70 --at "$(printf '2026-02-01T00:%02d:00Z' $i)" >/dev/null 2>&1 || fails=$((fails + 1))
		i=$((i + 1))
	done
	echo $fails >"$TMP/writer.fails"
) &
writer=$!
run backup "$TMP/bk/during.db";        expect "backup while another session writes" 0 "audit rows verified"
wait $writer
[ "$(cat "$TMP/writer.fails")" = 0 ] && ok "the other session's writes all succeeded" || bad "the other session's writes all succeeded ($(cat "$TMP/writer.fails") failed)"
[ "$(sql "select count(distinct effective_at) from observations where effective_at like '2026-02-01T%'")" = 40 ] && ok "all 40 writes are there" || bad "all 40 writes are there"
rm -f "$TMP/bk/during.db"
run backup;                            expect "backup needs DEST" 2 "" "DEST"

# A destination that cannot be written, or is full.
run backup /dev/full;                  expect "/dev/full refused cleanly" 1 "" "/dev/full"
[ ! -e /dev/full.tmp ] && ok "no partial file beside /dev/full" || bad "no partial file beside /dev/full"
mkdir "$TMP/ro"; chmod 0500 "$TMP/ro"
if command -v setpriv >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	chmod 0777 "$TMP"; chmod 0666 "$EMR_DB" "$EMR_DB-wal" "$EMR_DB-shm" 2>/dev/null
	setpriv --reuid=65534 --regid=65534 --clear-groups "$EMR_BIN" backup "$TMP/ro" >"$TMP/out" 2>"$TMP/err"
	RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
	chmod 0700 "$TMP"; chmod 0600 "$EMR_DB"
else
	"$EMR_BIN" backup "$TMP/ro" >"$TMP/out" 2>"$TMP/err"
	RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
	[ "$(id -u)" = 0 ] && RC=1 ERR="Permission denied (skipped: root without setpriv)"
fi
expect "unwritable directory refused" 1 "" "Permission denied"
[ -z "$(ls -A "$TMP/ro")" ] && ok "nothing written into the unwritable directory" || bad "nothing written into the unwritable directory"

# ----------------------------------------------------------------- check
run check;                             expect "check passes" 0 "all checks passed"

# --------------------------------------------------------------- restore
good="$TMP/bk/one.db"
size=$(stat -c %s "$good")
head -c $((size / 2)) "$good" >"$TMP/half.db"
printf 'just some text\n' >"$TMP/text.db"
sqlite3 "$TMP/other.db" 'create table t(x); insert into t values (1)'
before=$(sql 'select count(*) from audit_events')
run restore "$TMP/half.db" --yes;      expect "half a backup refused" 1 "" "restore refused"
run restore "$TMP/text.db" --yes;      expect "a text file refused" 1 "" "not an emr database"
run restore "$TMP/other.db" --yes;     expect "another SQLite file refused" 1 "" "not an emr database"
run restore "$TMP/nothere.db" --yes;   expect "a missing file refused" 1 "" "nothere.db"
run restore "$good" </dev/null;        expect "a script needs --yes" 2 "" "--yes"
[ "$(sql 'select count(*) from audit_events')" = "$before" ] && ok "refused restores changed nothing" || bad "refused restores changed nothing"
ls "$TMP" | grep -q before-restore && bad "refused restores kept no copy" || ok "refused restores kept no copy"

run patient add --given Cal --family Late --dob 1990-05-06 --sex male;  expect "patient after the backup" 0 "E000003"
run restore "$good" --yes;             expect "restore a good backup" 0 "restored from"
[ "$(sql 'select count(*) from patients')" = 2 ] && ok "restored database is the backup" || bad "restored database is the backup"
kept=$(ls "$TMP" | grep '^practice.db.before-restore-' | head -1)
[ -n "$kept" ] && [ "$(stat -c %a "$TMP/$kept")" = 600 ] && ok "previous database kept, mode 0600" || bad "previous database kept, mode 0600"
[ -n "$kept" ] && [ "$(sqlite3 "$TMP/$kept" 'select count(*) from patients')" = 3 ] && ok "kept copy has the later patient" || bad "kept copy has the later patient"
[ "$(sql "select count(*) from audit_events where action = 'restore'")" = 1 ] && ok "restore audited in the restored database" || bad "restore audited in the restored database"
run check;                             expect "check passes after restore" 0 "all checks passed"

# ------------------------------------------ two sessions, one patient
# Both sessions read version v; the first save wins, the second (still
# holding v) is refused and writes nothing.
v=$(sql "select version from patients where mrn = 'E000001'")
run patient edit E000001 --version "$v" --phone 555-010-0001;   expect "first session saves" 0 "version $((v + 1))"
run patient edit E000001 --version "$v" --phone 555-010-0002;   expect "second session's stale save refused" 1 "" "changed by someone else"
[ "$(sql "select phone from patients where mrn = 'E000001'")" = 555-010-0001 ] && ok "the first save stands" || bad "the first save stands"
run patient edit E000001 --version "$((v + 1))" --phone 555-010-0003;  expect "save after re-reading" 0 "version $((v + 2))"
run patient edit E000001 --version -3 --phone 1;                 expect "negative --version is a usage error" 2

# A newer schema than this emr knows is refused.
cp "$good" "$TMP/newer.db"
sqlite3 "$TMP/newer.db" 'PRAGMA user_version = 9999'
run restore "$TMP/newer.db" --yes;     expect "a newer schema refused" 1 "" "restore refused"

# ------------------------------------------------------ check finds damage
cp "$EMR_DB" "$TMP/saved.db"
sqlite3 "$EMR_DB" "DROP TRIGGER IF EXISTS audit_events_no_update; PRAGMA writable_schema=0;" 2>/dev/null
for t in $(sqlite3 "$EMR_DB" "select name from sqlite_master where type='trigger' and tbl_name='audit_events'"); do
	sqlite3 "$EMR_DB" "DROP TRIGGER $t"
done
sqlite3 "$EMR_DB" "UPDATE audit_events SET detail = 'tampered' WHERE id = 2"
run check;                             expect "check names a broken audit chain" 1 "" "audit log broken at row 2"
sqlite3 "$EMR_DB" "PRAGMA foreign_keys=OFF; INSERT INTO audit_events(at,login,action,patient_id,prev_hash,hash) VALUES ('2026-01-01T00:00:00Z','x','search',999,printf('%064d',0),printf('%064d',1))"
run check;                             expect "check names broken references" 1 "" "broken references"
cp "$TMP/saved.db" "$EMR_DB"; rm -f "$EMR_DB-wal" "$EMR_DB-shm"

finish
