#!/bin/sh
# The practice's settings: shown, changed, checked (clinic hours, days,
# slot length, a time zone the C library really knows), kept to a
# physician, and used by the schedule (hours and zone).
here=$(dirname "$0")
. "$here/lib.sh"

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD
expect "init" 0 "created"
run practice show
expect "defaults shown" 0 "clinic-open   08:00"
run practice set --clinic-open 07:30 --clinic-close 16:00 --slot-minutes 20 --npi 1234567893 --address "1 Main St"
expect "set hours" 0 "practice settings saved"
run practice show --json
expect "json shows them" 0 '"clinic_open": "07:30"'
[ "$(sql "SELECT clinic_open || clinic_close || slot_minutes || npi FROM practice")" = "07:3016:00201234567893" ] &&
	ok "stored" || bad "stored"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'update' AND entity = 'practice'")" = 1 ] &&
	ok "audited" || bad "audited"

run practice set --clinic-open 17:00
expect "closing before opening refused" 1 "" "must close after it opens"
run practice set --clinic-close 24:30
expect "impossible time refused" 1 "" "24-hour clock"
run practice set --clinic-days 1238
expect "day 8 refused" 1 "" "ISO weekday digits"
run practice set --slot-minutes 3
expect "3-minute slot refused" 1 "" "5 to 120 minutes"
run practice set --timezone Mars/Olympus
expect "unknown zone refused" 1 "" 'time zone "Mars/Olympus" is not known'
run practice set --timezone ../../../etc/passwd
expect "a path is not a zone" 1 "" "is not known"
run practice set --npi 123
expect "short NPI refused" 1 "" "10 digits"
[ "$(sql "SELECT clinic_open || timezone FROM practice")" = "07:30America/New_York" ] &&
	ok "refusals changed nothing" || bad "refusals changed nothing"

# The schedule follows the zone and the hours.
run patient add --given Ann --family Lee --dob 1970-01-01 --sex female
MRN=$(sql "SELECT mrn FROM patients LIMIT 1")
run practice set --timezone America/Chicago
expect "zone changed" 0
run appt add "$MRN" --at "2026-11-30 09:00"
expect "booked in Chicago time" 0 "2026-11-30 09:00"
[ "$(sql "SELECT start_at FROM appointments")" = "2026-11-30T15:00:00Z" ] && ok "09:00 CST is 15:00 UTC" ||
	bad "09:00 CST is 15:00 UTC"
run appt add "$MRN" --at "2026-11-30 07:00"
expect "before 07:30 warns" 0 "" "outside clinic hours"

run user add fd --name "Front Desk" --role frontdesk
EMR_USER=fd run practice set --name "Mine now"
expect "front desk cannot change settings" 1 "" "cannot"
[ "$(sql "SELECT name FROM practice")" = "Riverside Family Medicine" ] && ok "name unchanged" || bad "name unchanged"

finish
