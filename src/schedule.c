/* schedule: appointments, check-in and the recall list (see schedule.h). */
#include "emr/schedule.h"

#include "emr/audit.h"
#include "emr/perm.h"
#include "emr/practice.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------ time zones */

/* The C library converts local time only in the zone named by TZ, so the
 * practice's zone is put in TZ for the conversion and the caller's TZ is
 * put back afterwards (emr is single-threaded; nothing else runs between). */
typedef struct tz_saved {
	char *old;
	bool had;
} tz_saved;

static void tz_enter(const char *tz, tz_saved *s)
{
	const char *o = getenv("TZ");
	s->had = o != NULL;
	s->old = o ? strdup(o) : NULL;
	if (tz && *tz)
		setenv("TZ", tz, 1);
	tzset();
}

static void tz_leave(tz_saved *s)
{
	if (s->had && s->old)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	free(s->old);
	s->old = NULL;
	tzset();
}

static bool parse_local(const char *s, struct tm *tm)
{
	int y, mo, d, h, mi;
	char tail;
	if (!s || strlen(s) != 16 || sscanf(s, "%4d-%2d-%2d %2d:%2d%c", &y, &mo, &d, &h, &mi, &tail) != 5)
		return false;
	char date[EMR_DATE_LEN];
	memcpy(date, s, 10);
	date[10] = 0;
	if (!emr_date_valid(date) || s[10] != ' ' || s[13] != ':' || h > 23 || mi > 59 || h < 0 || mi < 0)
		return false;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	return true;
}

static bool same_wall(const struct tm *a, const struct tm *b)
{
	return a->tm_year == b->tm_year && a->tm_mon == b->tm_mon && a->tm_mday == b->tm_mday &&
	       a->tm_hour == b->tm_hour && a->tm_min == b->tm_min;
}

int emr_local_to_utc(const char *tz, const char *local, char out[EMR_INSTANT_LEN], char *note, size_t notesz,
                     char *err, size_t errsz)
{
	if (note && notesz)
		*note = 0;
	struct tm want;
	if (!parse_local(local, &want)) {
		snprintf(err, errsz, "\"%s\": not a local time (YYYY-MM-DD HH:MM)", local ? local : "");
		return -1;
	}
	tz_saved saved;
	tz_enter(tz, &saved);
	/* Try the wall-clock time both as standard and as daylight time: the
	 * readings that map back to the same wall clock are the real instants
	 * (none: the clocks skipped it; two: the clocks repeated it). */
	time_t found[2];
	int nfound = 0;
	for (int dst = 0; dst <= 1; dst++) {
		struct tm tm = want;
		tm.tm_isdst = dst;
		time_t t = mktime(&tm);
		struct tm back;
		if (t == (time_t)-1 || !localtime_r(&t, &back) || !same_wall(&back, &want))
			continue;
		if (nfound == 0 || found[0] != t)
			found[nfound++] = t;
	}
	tz_leave(&saved);
	if (nfound == 0) {
		snprintf(err, errsz, "%s does not exist in %s (clocks spring forward)", local, tz);
		return -1;
	}
	time_t t = found[0];
	if (nfound == 2) {
		if (found[1] < t)
			t = found[1];
		if (note && notesz)
			snprintf(note, notesz, "%s happens twice in %s (clocks fall back): taking the first (daylight time)",
			         local, tz);
	}
	emr_instant_format(t, out);
	return 0;
}

bool emr_utc_to_local(const char *tz, const char *instant, char *out, size_t n, char date[EMR_DATE_LEN])
{
	time_t t;
	if (!emr_instant_parse(instant, &t))
		return false;
	tz_saved saved;
	tz_enter(tz, &saved);
	struct tm tm;
	bool ok = localtime_r(&t, &tm) != NULL;
	tz_leave(&saved);
	if (!ok)
		return false;
	if (out)
		strftime(out, n, "%Y-%m-%d %H:%M", &tm);
	if (date)
		strftime(date, EMR_DATE_LEN, "%Y-%m-%d", &tm);
	return true;
}

/* Local midnight of date as UTC.  Midnight exists in every zone emr
 * meets; where it does not, mktime moves it forward, which is right. */
static bool local_midnight(const char *date, char out[EMR_INSTANT_LEN])
{
	int y, m, d;
	if (!emr_date_valid(date) || sscanf(date, "%d-%d-%d", &y, &m, &d) != 3)
		return false;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_isdst = -1};
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	emr_instant_format(t, out);
	return true;
}

int emr_local_day_range(const char *tz, const char *date, int days, char from[EMR_INSTANT_LEN],
                        char to[EMR_INSTANT_LEN])
{
	char end[EMR_DATE_LEN];
	if (!emr_date_add_days(date, days, end))
		return -1;
	tz_saved saved;
	tz_enter(tz, &saved);
	bool ok = local_midnight(date, from) && local_midnight(end, to);
	tz_leave(&saved);
	return ok ? 0 : -1;
}

static int practice_tz(emr_db *db, emr_practice *p)
{
	if (emr_practice_get(db, p) != 0)
		return -1;
	if (!*p->timezone)
		emr_strlcpy(p->timezone, "America/New_York", sizeof p->timezone);
	return 0;
}

int emr_sched_parse_local(emr_db *db, const char *local, char out[EMR_INSTANT_LEN], char *note, size_t notesz)
{
	emr_practice p;
	if (practice_tz(db, &p) != 0)
		return -1;
	char err[256];
	if (emr_local_to_utc(p.timezone, local, out, note, notesz, err, sizeof err) != 0) {
		emr_db_set_error(db, "%s", err);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ appointments */

static const char *const appt_types[] = {"new", "follow-up", "annual", "acute", "procedure", "telehealth"};

/* Appointments are with a clinician: when none is named, the acting user
 * if they see patients, else the practice's (first) physician, never the
 * front-desk clerk who is typing. */
static int default_provider(emr_db *db, int64_t *id)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT id FROM users WHERE active = 1 AND role IN ('physician', 'nurse')"
		" ORDER BY id = ?1 DESC, role = 'physician' DESC, id LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, emr_db_actor_id(db));
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "choosing the provider");
	emr_db_set_error(db, "provider: the practice has no active physician or nurse to book with");
	return -1;
}

int emr_sched_provider(emr_db *db, const char *login, int64_t *id)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT id FROM users WHERE login = ?1 AND active = 1 AND role IN ('physician', 'nurse')");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "looking up the provider");
	emr_db_set_error(db, "provider \"%s\": no such active physician or nurse", login);
	return -1;
}

static void add_warning(char *warn, size_t warnsz, const char *text)
{
	if (!warn || !warnsz)
		return;
	size_t len = strlen(warn);
	snprintf(warn + len, warnsz - len, "%s%s", len ? "; " : "", text);
}

/* Past and outside-hours warnings for [start, start + minutes). */
static int check_warnings(emr_db *db, const char *start, int minutes, char *warn, size_t warnsz)
{
	if (warn && warnsz)
		*warn = 0;
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (strcmp(start, now) < 0)
		add_warning(warn, warnsz, "the appointment is in the past");
	emr_practice p;
	if (practice_tz(db, &p) != 0)
		return -1;
	time_t t0;
	if (!emr_instant_parse(start, &t0))
		return 0;
	time_t t1 = t0 + (time_t)minutes * 60;
	tz_saved saved;
	tz_enter(p.timezone, &saved);
	struct tm a, b;
	bool ok = localtime_r(&t0, &a) && localtime_r(&t1, &b);
	tz_leave(&saved);
	if (!ok)
		return 0;
	char s[6], e[6];
	snprintf(s, sizeof s, "%02d:%02d", a.tm_hour, a.tm_min);
	snprintf(e, sizeof e, "%02d:%02d", b.tm_hour, b.tm_min);
	char iso = (char)('0' + (a.tm_wday == 0 ? 7 : a.tm_wday));
	char msg[160];
	if (!strchr(p.clinic_days, iso)) {
		add_warning(warn, warnsz, "the clinic is closed that day");
	} else if (strcmp(s, p.clinic_open) < 0 || strcmp(e, p.clinic_close) > 0 || b.tm_mday != a.tm_mday) {
		snprintf(msg, sizeof msg, "the appointment is outside clinic hours (%s-%s)", p.clinic_open, p.clinic_close);
		add_warning(warn, warnsz, msg);
	}
	return 0;
}

static bool type_valid(const char *t)
{
	for (size_t i = 0; i < EMR_ARRAY_LEN(appt_types); i++)
		if (strcmp(t, appt_types[i]) == 0)
			return true;
	return false;
}

int emr_appt_add(emr_db *db, emr_appt *a, char *warn, size_t warnsz)
{
	if (warn && warnsz)
		*warn = 0;
	if (emr_permit(db, EMR_PERM_SCHEDULE, "appointment add") != 0)
		return -1;
	if (!emr_instant_valid(a->start_at)) {
		emr_db_set_error(db, "start \"%s\": not a valid UTC time", a->start_at);
		return -1;
	}
	if (!*a->type)
		emr_strlcpy(a->type, "follow-up", sizeof a->type);
	if (!type_valid(a->type)) {
		emr_db_set_error(db, "type \"%s\": must be new, follow-up, annual, acute, procedure or telehealth", a->type);
		return -1;
	}
	if (!emr_utf8_valid(a->reason, strlen(a->reason))) {
		emr_db_set_error(db, "reason: not valid UTF-8 text");
		return -1;
	}
	if (a->duration_min == 0) {
		emr_practice p;
		if (emr_practice_get(db, &p) != 0)
			return -1;
		a->duration_min = p.slot_minutes;
	}
	if (a->duration_min < 5 || a->duration_min > 480) {
		emr_db_set_error(db, "length %d minutes: must be 5 to 480", a->duration_min);
		return -1;
	}
	if (!a->provider_id && default_provider(db, &a->provider_id) != 0)
		return -1;
	if (check_warnings(db, a->start_at, a->duration_min, warn, warnsz) != 0)
		return -1;
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO appointments(patient_id, provider_id, start_at, duration_min, type, reason, status, overbook,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'booked', ?7, ?8, ?8)");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, a->patient_id);
	sqlite3_bind_int64(st, 2, a->provider_id);
	sqlite3_bind_text(st, 3, a->start_at, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, a->duration_min);
	sqlite3_bind_text(st, 5, a->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, a->overbook ? 1 : 0);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "booking the appointment");
		goto fail;
	}
	a->id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	a->version = 1;
	emr_strlcpy(a->status, "booked", sizeof a->status);
	if (emr_audit(db, "create", "appointments", a->id, a->patient_id, a->start_at) != 0 || emr_tx_commit(db) != 0)
		goto fail;
	return 0;
fail:
	emr_tx_rollback(db);
	return -1;
}

#define APPT_SELECT                                                                                              \
	"SELECT a.id, a.patient_id, a.provider_id, a.start_at, a.duration_min, a.type, a.reason, a.status,"    \
	" a.overbook, a.cancel_reason, a.version, p.family_name || ', ' || p.given_name, p.mrn, u.display_name," \
	" (SELECT max(e.id) FROM encounters e WHERE e.appointment_id = a.id)"                                   \
	" FROM appointments a JOIN patients p ON p.id = a.patient_id JOIN users u ON u.id = a.provider_id"

static void appt_row(sqlite3_stmt *st, emr_appt *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(st, 0);
	a->patient_id = sqlite3_column_int64(st, 1);
	a->provider_id = sqlite3_column_int64(st, 2);
	emr_col_copy(st, 3, a->start_at, sizeof a->start_at);
	a->duration_min = sqlite3_column_int(st, 4);
	emr_col_copy(st, 5, a->type, sizeof a->type);
	emr_col_copy(st, 6, a->reason, sizeof a->reason);
	emr_col_copy(st, 7, a->status, sizeof a->status);
	a->overbook = sqlite3_column_int(st, 8) != 0;
	emr_col_copy(st, 9, a->cancel_reason, sizeof a->cancel_reason);
	a->version = sqlite3_column_int64(st, 10);
	emr_col_copy(st, 11, a->patient, sizeof a->patient);
	emr_col_copy(st, 12, a->mrn, sizeof a->mrn);
	emr_col_copy(st, 13, a->provider, sizeof a->provider);
	a->encounter_id = sqlite3_column_int64(st, 14);
}

int emr_appt_get(emr_db *db, int64_t id, emr_appt *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, APPT_SELECT " WHERE a.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		appt_row(st, out);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the appointment");
	emr_db_set_error(db, "appointment %lld: no such appointment", (long long)id);
	return -1;
}

static bool live(const emr_appt *a)
{
	return strcmp(a->status, "cancelled") != 0;
}

int emr_appt_move(emr_db *db, int64_t id, const char *start_at, int minutes, char *warn, size_t warnsz)
{
	if (warn && warnsz)
		*warn = 0;
	if (emr_permit(db, EMR_PERM_SCHEDULE, "appointment move") != 0)
		return -1;
	emr_appt a;
	if (emr_appt_get(db, id, &a) != 0)
		return -1;
	if (!live(&a) || strcmp(a.status, "booked") != 0) {
		emr_db_set_error(db, "appointment %lld is %s: only a booked appointment can be moved", (long long)id,
		                 a.status);
		return -1;
	}
	if (!emr_instant_valid(start_at)) {
		emr_db_set_error(db, "start \"%s\": not a valid UTC time", start_at);
		return -1;
	}
	if (minutes == 0)
		minutes = a.duration_min;
	if (minutes < 5 || minutes > 480) {
		emr_db_set_error(db, "length %d minutes: must be 5 to 480", minutes);
		return -1;
	}
	if (check_warnings(db, start_at, minutes, warn, warnsz) != 0)
		return -1;
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE appointments SET start_at = ?2, duration_min = ?3, updated_at = ?4, version = version + 1"
		" WHERE id = ?1 AND version = ?5");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, start_at, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, minutes);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, a.version);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "moving the appointment");
		goto fail;
	}
	if (sqlite3_changes(emr_db_sqlite(db)) != 1) {
		emr_db_set_error(db, "appointment %lld was changed meanwhile; try again", (long long)id);
		goto fail;
	}
	if (emr_audit(db, "update", "appointments", id, a.patient_id, start_at) != 0 || emr_tx_commit(db) != 0)
		goto fail;
	return 0;
fail:
	emr_tx_rollback(db);
	return -1;
}

/* Sets status (and cancel_reason) under the version check, audited. */
static int write_status(emr_db *db, const emr_appt *a, const char *status, const char *cancel_reason)
{
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE appointments SET status = ?2, cancel_reason = ?3, updated_at = ?4, version = version + 1"
		" WHERE id = ?1 AND version = ?5");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a->id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 3, cancel_reason);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, a->version);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "changing the appointment");
	if (sqlite3_changes(emr_db_sqlite(db)) != 1) {
		emr_db_set_error(db, "appointment %lld was changed meanwhile; try again", (long long)a->id);
		return -1;
	}
	return emr_audit(db, "update", "appointments", a->id, a->patient_id, status);
}

int emr_appt_cancel(emr_db *db, int64_t id, const char *reason)
{
	if (emr_permit(db, EMR_PERM_SCHEDULE, "appointment cancel") != 0)
		return -1;
	if (!reason || !*reason || !emr_utf8_valid(reason, strlen(reason))) {
		emr_db_set_error(db, "a cancellation needs a reason");
		return -1;
	}
	emr_appt a;
	if (emr_appt_get(db, id, &a) != 0)
		return -1;
	if (!live(&a)) {
		emr_db_set_error(db, "appointment %lld is already cancelled", (long long)id);
		return -1;
	}
	if (emr_tx_begin(db) != 0)
		return -1;
	if (write_status(db, &a, "cancelled", reason) != 0 || emr_tx_commit(db) != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	return 0;
}

int emr_appt_set_status(emr_db *db, int64_t id, const char *status, int64_t *encounter_id)
{
	if (encounter_id)
		*encounter_id = 0;
	if (emr_permit(db, EMR_PERM_SCHEDULE, "appointment status") != 0)
		return -1;
	static const char *const ok[] = {"booked", "arrived", "in-room", "done", "no-show"};
	bool valid = false;
	for (size_t i = 0; i < EMR_ARRAY_LEN(ok); i++)
		valid |= strcmp(status, ok[i]) == 0;
	if (!valid) {
		emr_db_set_error(db, "status \"%s\": must be booked, arrived, in-room, done or no-show (cancel with a reason)",
		                 status);
		return -1;
	}
	emr_appt a;
	if (emr_appt_get(db, id, &a) != 0)
		return -1;
	if (!live(&a)) {
		emr_db_set_error(db, "appointment %lld is cancelled", (long long)id);
		return -1;
	}
	if (emr_tx_begin(db) != 0)
		return -1;
	if (write_status(db, &a, status, NULL) != 0)
		goto fail;
	int64_t enc = a.encounter_id;
	if (strcmp(status, "arrived") == 0 && !enc) {
		emr_encounter e = {0};
		e.patient_id = a.patient_id;
		e.provider_id = a.provider_id;
		e.appointment_id = a.id;
		emr_strlcpy(e.type, "office", sizeof e.type);
		emr_strlcpy(e.reason, a.reason, sizeof e.reason);
		if (emr_encounter_add(db, &e) != 0)
			goto fail;
		enc = e.id;
	}
	if (emr_tx_commit(db) != 0)
		goto fail;
	if (encounter_id)
		*encounter_id = enc;
	return 0;
fail:
	emr_tx_rollback(db);
	return -1;
}

void emr_appts_free(emr_appts *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_appt_list(emr_db *db, const char *from, const char *to, int64_t provider_id, emr_appts *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = emr_db_stmt(db, APPT_SELECT " WHERE a.start_at >= ?1 AND a.start_at < ?2"
	                                   " AND (?3 = 0 OR a.provider_id = ?3) ORDER BY a.start_at, a.id");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, provider_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		appt_row(st, emr_list_push(out));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_appts_free(out);
		return emr_db_fail(db, "listing appointments");
	}
	return 0;
}

/* ------------------------------------------------------------ recall */

void emr_recalls_free(emr_recalls *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

static int recall_cmp(const void *a, const void *b)
{
	const emr_recall *x = a, *y = b;
	int c = strcmp(x->due, y->due);
	return c ? c : (x->patient_id > y->patient_id) - (x->patient_id < y->patient_id);
}

int emr_recall_list(emr_db *db, emr_recalls *out)
{
	memset(out, 0, sizeof *out);
	if (emr_permit(db, EMR_PERM_SCHEDULE, "recall list") != 0)
		return -1;
	emr_practice p;
	if (practice_tz(db, &p) != 0)
		return -1;
	char now[EMR_INSTANT_LEN], today[EMR_DATE_LEN];
	emr_now_instant(now);
	if (!emr_utc_to_local(p.timezone, now, NULL, 0, today))
		emr_today(today);
	/* Each patient's latest visit that set a follow-up interval, for
	 * patients with no live appointment from now on. */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT e.patient_id, e.id, e.start_at, e.followup_days, p.family_name || ', ' || p.given_name, p.mrn"
		" FROM encounters e JOIN patients p ON p.id = e.patient_id"
		" WHERE e.followup_days IS NOT NULL AND e.status NOT IN ('cancelled', 'entered-in-error')"
		"   AND e.id = (SELECT e2.id FROM encounters e2 WHERE e2.patient_id = e.patient_id"
		"               AND e2.followup_days IS NOT NULL AND e2.status NOT IN ('cancelled', 'entered-in-error')"
		"               ORDER BY e2.start_at DESC, e2.id DESC LIMIT 1)"
		"   AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = e.patient_id"
		"               AND a.status IN ('booked', 'arrived', 'in-room') AND a.start_at >= ?1)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_recall *r = emr_list_push(out);
		r->patient_id = sqlite3_column_int64(st, 0);
		r->encounter_id = sqlite3_column_int64(st, 1);
		char start[EMR_INSTANT_LEN];
		emr_col_copy(st, 2, start, sizeof start);
		r->followup_days = sqlite3_column_int(st, 3);
		emr_col_copy(st, 4, r->patient, sizeof r->patient);
		emr_col_copy(st, 5, r->mrn, sizeof r->mrn);
		if (!emr_utc_to_local(p.timezone, start, NULL, 0, r->visit_date) ||
		    !emr_date_add_days(r->visit_date, r->followup_days, r->due)) {
			out->n--;   /* an unreadable date: left out, not shown wrong */
			continue;
		}
		r->overdue_days = emr_date_diff_days(r->due, today);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_recalls_free(out);
		return emr_db_fail(db, "listing recalls");
	}
	if (out->n > 1)
		qsort(out->items, out->n, sizeof *out->items, recall_cmp);
	return 0;
}

/* ------------------------------------------------- for the schedule screen */

int emr_sched_practice(emr_db *db, emr_practice *out)
{
	if (practice_tz(db, out) != 0)
		return -1;
	/* The schema's defaults, for a row written before they existed. */
	if (out->slot_minutes < 5)
		out->slot_minutes = 15;
	if (!*out->clinic_open)
		emr_strlcpy(out->clinic_open, "08:00", sizeof out->clinic_open);
	if (!*out->clinic_close)
		emr_strlcpy(out->clinic_close, "17:00", sizeof out->clinic_close);
	if (!*out->clinic_days)
		emr_strlcpy(out->clinic_days, "12345", sizeof out->clinic_days);
	return 0;
}

int emr_sched_default_provider(emr_db *db, int64_t *id)
{
	return default_provider(db, id);
}

int emr_appt_overlaps(emr_db *db, int64_t provider_id, const char *start_at, int minutes, int64_t except_id,
                      bool *busy)
{
	*busy = false;
	/* The same test as the schema's double-booking triggers. */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT 1 FROM appointments a WHERE a.provider_id = ?1 AND a.id <> ?4"
		" AND a.status NOT IN ('cancelled', 'no-show')"
		" AND a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '+' || ?3 || ' minutes')"
		" AND strftime('%Y-%m-%dT%H:%M:%SZ', a.start_at, '+' || a.duration_min || ' minutes') > ?2 LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, provider_id);
	sqlite3_bind_text(st, 2, start_at, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, minutes);
	sqlite3_bind_int64(st, 4, except_id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		*busy = true;
	else if (rc != SQLITE_DONE)
		return emr_db_fail(db, "checking the provider's time");
	return 0;
}

int emr_appt_list_patient(emr_db *db, int64_t patient_id, emr_appts *out)
{
	memset(out, 0, sizeof *out);
	/* APPT_SELECT's columns, but the visit opened at check-in is looked
	 * up among the patient's visits (encounters_patient): there is no
	 * index on encounters.appointment_id to find it otherwise. */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT a.id, a.patient_id, a.provider_id, a.start_at, a.duration_min, a.type, a.reason, a.status,"
		" a.overbook, a.cancel_reason, a.version, p.family_name || ', ' || p.given_name, p.mrn, u.display_name,"
		" (SELECT max(e.id) FROM encounters e WHERE e.patient_id = a.patient_id AND e.appointment_id = a.id)"
		" FROM appointments a JOIN patients p ON p.id = a.patient_id JOIN users u ON u.id = a.provider_id"
		" WHERE a.patient_id = ?1 ORDER BY a.start_at, a.id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		appt_row(st, emr_list_push(out));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_appts_free(out);
		return emr_db_fail(db, "listing the patient's appointments");
	}
	return 0;
}
