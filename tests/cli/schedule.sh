#!/bin/sh
# The appointment book from the command line: booking, double-booking and
# overbooks, warnings that still book, the spring-forward gap and the
# fall-back repeat, moving, cancelling, check-in opening the visit, the
# day's schedule in local time and the recall list.
here=$(dirname "$0")
. "$here/lib.sh"

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD
expect "init" 0 "created"
run patient add --given Ann --family Lee --dob 1970-01-01 --sex female
expect "patient" 0
MRN=$(sql "SELECT mrn FROM patients LIMIT 1")

run appt add "$MRN" --at "2026-11-30 09:00" --minutes 30 --reason "BP check"
expect "book" 0 "booked appointment 1: 2026-11-30 09:00 (30 min)"
[ -z "$ERR" ] && ok "book: no warning in hours" || bad "book: unexpected stderr"
[ "$(sql "SELECT start_at FROM appointments WHERE id = 1")" = "2026-11-30T14:00:00Z" ] && ok "stored as UTC" || bad "stored as UTC"

run appt add "$MRN" --at "2026-11-30 09:15"
expect "double booking refused" 1 "" "already has an appointment"
run appt add "$MRN" --at "2026-11-30 09:15" --overbook
expect "overbook allowed" 0 "(overbook)"
run appt add "$MRN" --at "2026-11-30 09:30"
expect "adjacent allowed" 0 "booked appointment 3"

run appt add "$MRN" --at "2026-11-20 10:00"
expect "past: warned, booked" 0 "booked appointment 4" "warning: the appointment is in the past"
run appt add "$MRN" --at "2026-11-30 18:00"
expect "after hours: warned, booked" 0 "booked appointment 5" "outside clinic hours"

run appt add "$MRN" --at "2027-03-14 02:30"
expect "spring forward refused" 1 "" "2027-03-14 02:30 does not exist in America/New_York (clocks spring forward)"
run appt add "$MRN" --at "2027-11-07 01:30"
expect "fall back: first occurrence" 0 "booked appointment 6" "twice"
[ "$(sql "SELECT start_at FROM appointments WHERE id = 6")" = "2027-11-07T05:30:00Z" ] && ok "fall back stored EDT" || bad "fall back stored EDT"
run appt add "$MRN" --at "tomorrow"
expect "bad time" 1 "" "YYYY-MM-DD HH:MM"
run appt add "$MRN"
expect "no --at" 2

run appt move 3 --at "2026-11-30 09:10"
expect "move into a conflict refused" 1 "" "already has an appointment"
run appt move 3 --at "2026-11-30 10:00" --minutes 20
expect "move" 0 "moved appointment 3: 2026-11-30 10:00 (20 min)"

run appt cancel 5
expect "cancel needs a reason" 2
run appt cancel 5 --reason "patient called"
expect "cancel" 0 "cancelled appointment 5"
run appt add "$MRN" --at "2026-11-30 18:00"
expect "cancel frees the slot" 0 "booked appointment 7"

run appt status 3 arrived
expect "check-in" 0 "visit"
[ "$(sql "SELECT count(*) FROM encounters WHERE appointment_id = 3 AND type = 'office'")" = 1 ] && ok "check-in opened the visit" || bad "check-in opened the visit"
run appt status 3 done
expect "done" 0 "done"
run appt status 3 bogus
expect "bad status" 1 "" "must be booked"
run appt status 99 arrived
expect "unknown appointment" 1 "" "no such appointment"

run schedule 2026-11-30
expect "schedule day" 0 "09:00"
printf '%s' "$OUT" | grep -q "2027" && bad "schedule day: other days listed" || ok "schedule: only that day"
run schedule 2026-11-30 --json
expect "schedule json" 0 '"start_at": "2026-11-30T14:00:00Z"'
run schedule week
expect "schedule week" 0 "2026-11-30 09:00"
run schedule 2026-11-30 --provider nobody
expect "unknown provider" 1 "" "no such active physician or nurse"
run schedule someday
expect "bad date" 2

# Recall: the checked-in visit (today) asks for a 30-day follow-up.
run patient add --given Bo --family Kim --dob 1980-05-05 --sex male
MRN2=$(sql "SELECT mrn FROM patients WHERE given_name = 'Bo'")
sql "UPDATE encounters SET followup_days = 30 WHERE appointment_id = 3" >/dev/null
run recall
expect "recall: nobody without a future booking" 0 "no patients"
sql "UPDATE appointments SET status = 'cancelled', cancel_reason = 'x' WHERE patient_id = 1 AND status = 'booked'" >/dev/null
run recall --json
expect "recall lists the patient" 0 '"due": "2026-12-25"'
run recall
expect "recall text" 0 "$MRN"
printf '%s' "$OUT" | grep -q "$MRN2" && bad "recall: patient without follow-up listed" || ok "recall: only follow-ups"


# The front desk books with a clinician, never as the provider itself.
run user add fdesk --name "Lee Front" --role frontdesk
EMR_USER=fdesk; run appt add "$MRN" --at "2026-12-01 09:00" --reason "follow-up"; EMR_USER=drtest
expect "the front desk books an appointment" 0
[ "$(sql "select u.role from appointments a join users u on u.id = a.provider_id order by a.id desc limit 1")" = physician ] \
	&& ok "the front desk's booking is with the physician" || bad "the front desk's booking is with the physician"
EMR_USER=fdesk; run appt add "$MRN" --at "2026-12-01 10:00" --provider fdesk; EMR_USER=drtest
expect "a clerk is not a provider" 1 "" "no such active physician or nurse"

# The follow-up is set at the visit, and drives the recall list.
run patient add --given Fay --family Follow --dob 1960-02-02 --sex female
FMRN=$(sql "SELECT mrn FROM patients WHERE family_name = 'Follow'")
run visit add "$FMRN" --reason "BP" --followup 3x
expect "a follow-up that is not a duration is refused" 2 "" "expected days, weeks, months or a year"
run visit add "$FMRN" --reason "BP" --followup 6w
expect "a visit with a follow-up" 0 "visit"
FV=$(sql "SELECT id FROM encounters WHERE patient_id = (SELECT id FROM patients WHERE mrn = '$FMRN')")
[ "$(sql "SELECT followup_days FROM encounters WHERE id = $FV")" = 42 ] && ok "6w is 42 days" || bad "6w is 42 days"
run recall
expect "the patient is on the recall list" 0 "Follow, Fay"
run visit followup "$FV" none
expect "cleared" 0 "no follow-up"
run recall
printf '%s' "$OUT" | grep -q "Follow, Fay" && bad "cleared: off the recall list" || ok "cleared: off the recall list"
run visit followup "$FV" 3m
expect "set after the visit" 0 "follow-up in 90 days"
run visit followup 99999 3m
expect "an unknown visit is refused" 1 "" "no visit 99999"

finish
