/* Scheduling: double-booking refused unless overbooked, adjacent slots,
 * cancelling frees the slot, check-in opens the visit, local days in
 * America/New_York, the spring-forward gap and the fall-back repeat,
 * warnings for the past and outside clinic hours, the recall list. */
#include "testlib.h"

#include "emr/patient.h"
#include "emr/schedule.h"
#include "emr/util.h"
#include "emr/visit.h"

static test_env env;
static int64_t pid;

static void setup(void)
{
	test_env_open(&env, false);
	emr_patient p = {0};
	strcpy(p.given, "Ann");
	strcpy(p.family, "Lee");
	strcpy(p.dob, "1970-01-01");
	strcpy(p.sex, "female");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	pid = p.id;
}

static void teardown(void)
{
	test_env_close(&env);
}

TestSuite(schedule, .init = setup, .fini = teardown);

/* Books local time (America/New_York) for minutes; returns the id or 0. */
static int64_t book(const char *local, int minutes, bool overbook, char *warn, size_t warnsz)
{
	emr_appt a = {0};
	a.patient_id = pid;
	a.duration_min = minutes;
	a.overbook = overbook;
	strcpy(a.reason, "BP check");
	char note[200];
	cr_assert_eq(emr_sched_parse_local(env.db, local, a.start_at, note, sizeof note), 0, "%s",
	             emr_db_error(env.db));
	char w[300];
	if (emr_appt_add(env.db, &a, warn ? warn : w, warn ? warnsz : sizeof w) != 0)
		return 0;
	return a.id;
}

Test(schedule, double_booking_refused_overbook_allowed)
{
	cr_assert_neq(book("2026-11-30 09:00", 30, false, NULL, 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(book("2026-11-30 09:15", 15, false, NULL, 0), 0);
	cr_assert(strstr(emr_db_error(env.db), "already has an appointment"), "%s", emr_db_error(env.db));
	cr_assert_eq(book("2026-11-30 08:45", 30, false, NULL, 0), 0);
	cr_assert_neq(book("2026-11-30 09:15", 15, true, NULL, 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM appointments"), 2);
}

Test(schedule, adjacent_slots_are_allowed)
{
	cr_assert_neq(book("2026-11-30 09:00", 15, false, NULL, 0), 0);
	cr_assert_neq(book("2026-11-30 09:15", 15, false, NULL, 0), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(book("2026-11-30 08:45", 15, false, NULL, 0), 0, "%s", emr_db_error(env.db));
}

Test(schedule, cancel_frees_the_slot_and_needs_a_reason)
{
	int64_t id = book("2026-11-30 10:00", 15, false, NULL, 0);
	cr_assert_neq(id, 0);
	cr_assert_eq(book("2026-11-30 10:00", 15, false, NULL, 0), 0);
	cr_assert_neq(emr_appt_cancel(env.db, id, ""), 0);
	cr_assert_eq(emr_appt_cancel(env.db, id, "patient called"), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_appt_cancel(env.db, id, "again"), 0);
	cr_assert_neq(book("2026-11-30 10:00", 15, false, NULL, 0), 0, "%s", emr_db_error(env.db));
	emr_appt a;
	cr_assert_eq(emr_appt_get(env.db, id, &a), 0);
	cr_assert_str_eq(a.status, "cancelled");
	cr_assert_str_eq(a.cancel_reason, "patient called");
}

Test(schedule, move_checks_conflicts)
{
	int64_t a = book("2026-11-30 09:00", 15, false, NULL, 0);
	int64_t b = book("2026-11-30 10:00", 15, false, NULL, 0);
	cr_assert(a && b);
	char start[EMR_INSTANT_LEN], note[200], warn[300];
	cr_assert_eq(emr_sched_parse_local(env.db, "2026-11-30 09:05", start, note, sizeof note), 0);
	cr_assert_neq(emr_appt_move(env.db, b, start, 0, warn, sizeof warn), 0);
	cr_assert_eq(emr_sched_parse_local(env.db, "2026-11-30 09:15", start, note, sizeof note), 0);
	cr_assert_eq(emr_appt_move(env.db, b, start, 30, warn, sizeof warn), 0, "%s", emr_db_error(env.db));
	emr_appt x;
	cr_assert_eq(emr_appt_get(env.db, b, &x), 0);
	cr_assert_str_eq(x.start_at, "2026-11-30T14:15:00Z");
	cr_assert_eq(x.duration_min, 30);
	cr_assert_eq(x.version, 2);
}

Test(schedule, check_in_creates_the_encounter)
{
	int64_t id = book("2026-11-25 10:30", 15, false, NULL, 0);
	cr_assert_neq(id, 0);
	int64_t enc = 0;
	cr_assert_eq(emr_appt_set_status(env.db, id, "arrived", &enc), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(enc, 0);
	emr_encounter e;
	cr_assert_eq(emr_encounter_get(env.db, enc, &e), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(e.appointment_id, id);
	cr_assert_eq(e.patient_id, pid);
	cr_assert_str_eq(e.type, "office");
	cr_assert_str_eq(e.reason, "BP check");
	/* In-room, then arrived again: still one visit. */
	int64_t enc2 = 0;
	cr_assert_eq(emr_appt_set_status(env.db, id, "in-room", NULL), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_appt_set_status(env.db, id, "arrived", &enc2), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(enc2, enc);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM encounters"), 1);
	cr_assert_neq(emr_appt_set_status(env.db, id, "cancelled", NULL), 0);
	cr_assert_neq(emr_appt_set_status(env.db, id, "bogus", NULL), 0);
}

/* Regression: the move trigger also fired on a status change, so a
 * booking that an overbook overlaps could not be checked in. */
Test(schedule, check_in_next_to_an_overbook)
{
	int64_t id = book("2026-11-25 11:00", 15, false, NULL, 0);
	int64_t over = book("2026-11-25 11:00", 15, true, NULL, 0);
	cr_assert(id && over, "%s", emr_db_error(env.db));
	int64_t enc = 0;
	cr_assert_eq(emr_appt_set_status(env.db, id, "arrived", &enc), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_appt_set_status(env.db, over, "arrived", &enc), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM encounters"), 2);
}

Test(schedule, day_boundaries_in_new_york)
{
	char from[EMR_INSTANT_LEN], to[EMR_INSTANT_LEN];
	cr_assert_eq(emr_local_day_range("America/New_York", "2026-11-30", 1, from, to), 0);
	cr_assert_str_eq(from, "2026-11-30T05:00:00Z");
	cr_assert_str_eq(to, "2026-12-01T05:00:00Z");
	/* Summer: UTC-4.  The spring-forward day has 23 hours. */
	cr_assert_eq(emr_local_day_range("America/New_York", "2027-03-14", 1, from, to), 0);
	cr_assert_str_eq(from, "2027-03-14T05:00:00Z");
	cr_assert_str_eq(to, "2027-03-15T04:00:00Z");
	/* 23:30 local on the 30th is the 1st in UTC, and stays on the 30th. */
	int64_t late = book("2026-11-30 23:30", 15, false, NULL, 0);
	int64_t early = book("2026-12-01 00:00", 15, false, NULL, 0);
	cr_assert(late && early, "%s", emr_db_error(env.db));
	emr_appts list;
	cr_assert_eq(emr_local_day_range("America/New_York", "2026-11-30", 1, from, to), 0);
	cr_assert_eq(emr_appt_list(env.db, from, to, 0, &list), 0);
	cr_assert_eq(list.n, 1);
	cr_assert_eq(list.items[0].id, late);
	emr_appts_free(&list);
	char local[32], date[EMR_DATE_LEN];
	cr_assert(emr_utc_to_local("America/New_York", "2026-12-01T04:30:00Z", local, sizeof local, date));
	cr_assert_str_eq(local, "2026-11-30 23:30");
	cr_assert_str_eq(date, "2026-11-30");
	/* The caller's TZ is left as it was. */
	cr_assert_str_eq(getenv("TZ"), "America/New_York");
	setenv("TZ", "UTC", 1);
	cr_assert(emr_utc_to_local("America/New_York", "2026-12-01T04:30:00Z", local, sizeof local, NULL));
	cr_assert_str_eq(local, "2026-11-30 23:30");
	cr_assert_str_eq(getenv("TZ"), "UTC");
	setenv("TZ", "America/New_York", 1);
}

Test(schedule, spring_forward_gap_is_refused)
{
	char out[EMR_INSTANT_LEN], note[200], err[200];
	cr_assert_neq(emr_local_to_utc("America/New_York", "2027-03-14 02:30", out, note, sizeof note, err, sizeof err),
	              0);
	cr_assert_str_eq(err, "2027-03-14 02:30 does not exist in America/New_York (clocks spring forward)");
	cr_assert_eq(emr_local_to_utc("America/New_York", "2027-03-14 03:00", out, note, sizeof note, err, sizeof err),
	             0);
	cr_assert_str_eq(out, "2027-03-14T07:00:00Z");
	cr_assert_eq(emr_local_to_utc("America/New_York", "2027-03-14 01:59", out, note, sizeof note, err, sizeof err),
	             0);
	cr_assert_str_eq(out, "2027-03-14T06:59:00Z");
	emr_appt a = {0};
	cr_assert_neq(emr_sched_parse_local(env.db, "2027-03-14 02:30", a.start_at, note, sizeof note), 0);
	cr_assert(strstr(emr_db_error(env.db), "does not exist"));
	cr_assert_neq(emr_local_to_utc("America/New_York", "2027-02-30 10:00", out, note, sizeof note, err, sizeof err),
	              0);
	cr_assert_neq(emr_local_to_utc("America/New_York", "2027-02-03 1000", out, note, sizeof note, err, sizeof err),
	              0);
}

Test(schedule, fall_back_takes_the_first_occurrence)
{
	char out[EMR_INSTANT_LEN], note[200], err[200];
	cr_assert_eq(emr_local_to_utc("America/New_York", "2027-11-07 01:30", out, note, sizeof note, err, sizeof err),
	             0, "%s", err);
	cr_assert_str_eq(out, "2027-11-07T05:30:00Z");
	cr_assert(strstr(note, "twice"), "%s", note);
	cr_assert_eq(emr_local_to_utc("America/New_York", "2027-11-07 02:30", out, note, sizeof note, err, sizeof err),
	             0);
	cr_assert_str_eq(out, "2027-11-07T07:30:00Z");
	cr_assert_str_eq(note, "");
	cr_assert_eq(emr_local_to_utc("America/New_York", "2027-11-07 00:30", out, note, sizeof note, err, sizeof err),
	             0);
	cr_assert_str_eq(out, "2027-11-07T04:30:00Z");
	cr_assert_str_eq(note, "");
}

Test(schedule, warnings_for_past_and_outside_hours_still_book)
{
	char warn[300];
	cr_assert_neq(book("2026-11-20 10:00", 15, false, warn, sizeof warn), 0); /* Friday, past */
	cr_assert(strstr(warn, "in the past"), "%s", warn);
	cr_assert_null(strstr(warn, "hours"), "%s", warn);
	cr_assert_neq(book("2026-11-30 18:00", 15, false, warn, sizeof warn), 0); /* Monday evening */
	cr_assert(strstr(warn, "outside clinic hours"), "%s", warn);
	cr_assert_null(strstr(warn, "past"), "%s", warn);
	cr_assert_neq(book("2026-11-30 16:50", 15, false, warn, sizeof warn), 0); /* runs past closing */
	cr_assert(strstr(warn, "outside clinic hours"), "%s", warn);
	cr_assert_neq(book("2026-11-29 10:00", 15, false, warn, sizeof warn), 0); /* Sunday */
	cr_assert(strstr(warn, "closed"), "%s", warn);
	cr_assert_neq(book("2026-11-30 15:00", 15, false, warn, sizeof warn), 0);
	cr_assert_str_eq(warn, "");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM appointments"), 5);
}

Test(schedule, recall_lists_due_patients_without_a_future_appointment)
{
	emr_encounter e = {0};
	e.patient_id = pid;
	strcpy(e.start_at, "2026-10-01T14:00:00Z");
	e.followup_days = 30;
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	emr_recalls r;
	cr_assert_eq(emr_recall_list(env.db, &r), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.items[0].visit_date, "2026-10-01");
	cr_assert_str_eq(r.items[0].due, "2026-10-31");
	cr_assert_eq(r.items[0].overdue_days, 25);
	emr_recalls_free(&r);
	int64_t id = book("2026-12-01 09:00", 15, false, NULL, 0);
	cr_assert_neq(id, 0);
	cr_assert_eq(emr_recall_list(env.db, &r), 0);
	cr_assert_eq(r.n, 0);
	emr_recalls_free(&r);
	cr_assert_eq(emr_appt_cancel(env.db, id, "moved away"), 0);
	cr_assert_eq(emr_recall_list(env.db, &r), 0);
	cr_assert_eq(r.n, 1);
	emr_recalls_free(&r);
}

/* The fall-back day has 25 hours, and a visit on it is listed on it at
 * its local time. */
Test(schedule, fall_back_day_has_25_hours)
{
	char from[EMR_INSTANT_LEN], to[EMR_INSTANT_LEN];
	cr_assert_eq(emr_local_day_range("America/New_York", "2027-11-07", 1, from, to), 0);
	cr_assert_str_eq(from, "2027-11-07T04:00:00Z");
	cr_assert_str_eq(to, "2027-11-08T05:00:00Z");
	int64_t id = book("2027-11-07 10:00", 15, false, NULL, 0);
	cr_assert(id, "%s", emr_db_error(env.db));
	emr_appt a;
	cr_assert_eq(emr_appt_get(env.db, id, &a), 0);
	cr_assert_str_eq(a.start_at, "2027-11-07T15:00:00Z", "10:00 EST is 15:00 UTC");
	char local[32];
	cr_assert(emr_utc_to_local("America/New_York", a.start_at, local, sizeof local, NULL));
	cr_assert_str_eq(local, "2027-11-07 10:00");
}

/* Durations are real minutes: 01:45 for 30 minutes on the spring-forward
 * day ends at 03:15 on the wall clock, so a 03:00 booking overlaps it. */
Test(schedule, spring_forward_durations_are_real_minutes)
{
	int64_t early = book("2027-03-14 01:45", 30, false, NULL, 0);
	cr_assert(early, "%s", emr_db_error(env.db));
	cr_assert_eq(book("2027-03-14 03:00", 15, false, NULL, 0), 0, "03:00 EDT is inside the 01:45 EST visit");
	cr_assert(strstr(emr_db_error(env.db), "already"), "%s", emr_db_error(env.db));
	cr_assert(book("2027-03-14 03:15", 15, false, NULL, 0), "%s", emr_db_error(env.db));
	/* The day's list, in local time, runs across the gap in order. */
	char from[EMR_INSTANT_LEN], to[EMR_INSTANT_LEN];
	cr_assert_eq(emr_local_day_range("America/New_York", "2027-03-14", 1, from, to), 0);
	emr_appts list;
	cr_assert_eq(emr_appt_list(env.db, from, to, 0, &list), 0);
	cr_assert_eq(list.n, 2);
	char l0[32], l1[32];
	cr_assert(emr_utc_to_local("America/New_York", list.items[0].start_at, l0, sizeof l0, NULL));
	cr_assert(emr_utc_to_local("America/New_York", list.items[1].start_at, l1, sizeof l1, NULL));
	cr_assert_str_eq(l0, "2027-03-14 01:45");
	cr_assert_str_eq(l1, "2027-03-14 03:15");
	emr_appts_free(&list);
}

Test(schedule, followup_is_written_as_days_weeks_months_or_a_year)
{
	static const struct {
		const char *in;
		bool ok;
		int days;
	} cases[] = {
		{"90", true, 90},  {"90d", true, 90}, {"6w", true, 42},  {"3m", true, 90},   {"1y", true, 365},
		{"2y", true, 730}, {"", true, 0},     {"none", true, 0}, {"731", false, 0},  {"25m", false, 0},
		{"0", false, 0},   {"-3m", false, 0}, {"3x", false, 0},  {"3mo", false, 0},  {"m", false, 0},
		{" 3m", false, 0}, {"3 m", false, 0}, {"99999999999999999999d", false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int d = -1;
		cr_assert_eq(emr_followup_parse(cases[i].in, &d), cases[i].ok, "\"%s\"", cases[i].in);
		if (cases[i].ok)
			cr_assert_eq(d, cases[i].days, "\"%s\" gave %d", cases[i].in, d);
	}
}

/* Setting the follow-up at the end of a visit puts the patient on the
 * recall list; clearing it takes them off; an unknown visit is refused. */
Test(schedule, followup_set_after_the_visit_drives_the_recall_list)
{
	emr_encounter e = {0};
	e.patient_id = pid;
	strcpy(e.start_at, "2026-10-01T14:00:00Z");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	emr_recalls r;
	cr_assert_eq(emr_recall_list(env.db, &r), 0);
	cr_assert_eq(r.n, 0, "no follow-up yet");
	emr_recalls_free(&r);
	cr_assert_eq(emr_encounter_set_followup(env.db, e.id, 42), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_recall_list(env.db, &r), 0);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.items[0].due, "2026-11-12");
	emr_recalls_free(&r);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'update' AND entity = 'encounters'"
	                              " AND detail = 'follow-up 42 days'"), 1);
	cr_assert_eq(emr_encounter_set_followup(env.db, e.id, 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_recall_list(env.db, &r), 0);
	cr_assert_eq(r.n, 0, "cleared");
	emr_recalls_free(&r);
	cr_assert_neq(emr_encounter_set_followup(env.db, e.id + 100, 30), 0);
	cr_assert(strstr(emr_db_error(env.db), "no visit"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_encounter_set_followup(env.db, e.id, 731), 0);
}
