/* clinical: problems, allergies, medications, observations, immunizations. */
#include "emr/clinical.h"

#include "emr/audit.h"
#include "emr/codes.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------- helpers */

static int check_text(emr_db *db, const char *field, const char *s, size_t max, bool required)
{
	size_t n = strlen(s);
	if (required && n == 0) {
		emr_db_set_error(db, "%s: must not be empty", field);
		return -1;
	}
	if (!emr_utf8_valid(s, n)) {
		emr_db_set_error(db, "%s: not valid UTF-8 text", field);
		return -1;
	}
	if (n > max) {
		emr_db_set_error(db, "%s: too long (%zu bytes; at most %zu)", field, n, max);
		return -1;
	}
	return 0;
}

/* A clinical date: valid, and not in the future (nobody records an onset
 * or a dose that has not happened yet). */
static int check_past_date(emr_db *db, const char *field, const char *s, bool required)
{
	if (!*s) {
		if (!required)
			return 0;
		emr_db_set_error(db, "%s: must be given (YYYY-MM-DD)", field);
		return -1;
	}
	if (!emr_date_valid(s)) {
		emr_db_set_error(db, "%s \"%s\": not a valid date (YYYY-MM-DD)", field, s);
		return -1;
	}
	char today[EMR_DATE_LEN];
	emr_today(today);
	if (strcmp(s, today) > 0) {
		emr_db_set_error(db, "%s \"%s\": is in the future", field, s);
		return -1;
	}
	return 0;
}

static int check_patient(emr_db *db, int64_t patient_id)
{
	emr_patient p;
	return emr_patient_get(db, patient_id, &p);
}

/* A clinical date before the patient was born is a typing error (or the
 * wrong chart).  date may be a date or an instant; "" passes. */
static int check_not_before_birth(emr_db *db, int64_t patient_id, const char *field, const char *date)
{
	emr_patient p;
	if (!*date)
		return 0;
	if (emr_patient_get(db, patient_id, &p) != 0)
		return -1;
	if (strncmp(date, p.dob, 10) < 0) {
		emr_db_set_error(db, "%s \"%s\": is before the patient's birth (%s)", field, date, p.dob);
		return -1;
	}
	return 0;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, set[i]) == 0)
			return true;
	return false;
}

/* Runs a prepared INSERT/UPDATE, then audits and commits; rolls back and
 * keeps the error otherwise.  The caller has begun the transaction. */
static int finish_write(emr_db *db, sqlite3_stmt *st, const char *doing, const char *action,
                        const char *table, int64_t *id, int64_t patient_id, const char *detail)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, doing);
		goto fail;
	}
	if (id && *id == 0)
		*id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	if (emr_audit(db, action, table, id ? *id : 0, patient_id, detail) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

static void now_instant(char *buf)
{
	emr_now_instant(buf);
}

/* Runs a prepared optimistic UPDATE (... WHERE id = ? AND version = ?),
 * then audits and commits.  No row changed means another session saved
 * first: nothing is written and EMR_CONFLICT returned, so the caller can
 * reload and show what changed.  The caller has begun the transaction. */
static int finish_update(emr_db *db, sqlite3_stmt *st, const char *doing, const char *table, const char *label,
                         int64_t id, int64_t patient_id, const char *detail)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, doing);
		emr_tx_rollback(db);
		return -1;
	}
	if (sqlite3_changes(emr_db_sqlite(db)) == 0) {
		emr_tx_rollback(db);
		emr_db_set_error(db, "%s %lld was changed by someone else since you opened it; reopen it to see the change",
		                 label, (long long)id);
		return EMR_CONFLICT;
	}
	if (emr_audit(db, "update", table, id, patient_id, detail) != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	return emr_tx_commit(db);
}

/* Records entered in error are frozen (the schema's triggers say so
 * too); this names the record instead of quoting the trigger. */
static int check_editable(emr_db *db, const char *label, int64_t id, const char *status)
{
	if (strcmp(status, "entered-in-error") == 0) {
		emr_db_set_error(db, "%s %lld is marked entered-in-error and can no longer be changed", label, (long long)id);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- problems */

#define PROBLEM_COLS "id, patient_id, ifnull(icd10, ''), ifnull(snomed, ''), description, ifnull(onset_date, '')," \
	" status, ifnull(resolved_date, ''), note, created_at, ifnull(retired_reason, ''), version"

static void problem_from_row(sqlite3_stmt *st, emr_problem *p)
{
	p->id = sqlite3_column_int64(st, 0);
	p->patient_id = sqlite3_column_int64(st, 1);
	emr_col_copy(st, 2, p->icd10, sizeof p->icd10);
	emr_col_copy(st, 3, p->snomed, sizeof p->snomed);
	emr_col_copy(st, 4, p->description, sizeof p->description);
	emr_col_copy(st, 5, p->onset_date, sizeof p->onset_date);
	emr_col_copy(st, 6, p->status, sizeof p->status);
	emr_col_copy(st, 7, p->resolved_date, sizeof p->resolved_date);
	emr_col_copy(st, 8, p->note, sizeof p->note);
	emr_col_copy(st, 9, p->created_at, sizeof p->created_at);
	emr_col_copy(st, 10, p->retired_reason, sizeof p->retired_reason);
	p->version = sqlite3_column_int64(st, 11);
}

/* The checks a new or edited problem passes (shared so that editing can
 * never store what adding would refuse).  Stores the code without its dot
 * and fills an empty description from the code's. */
static int validate_problem(emr_db *db, emr_problem *p)
{
	if (*p->icd10) {
		char code[9];
		emr_code_hit hit;
		if (!emr_icd10_normalize(p->icd10, code, sizeof code) || !emr_icd10_lookup(db, code, &hit)) {
			emr_db_set_error(db, "icd10 \"%s\": not an ICD-10-CM code (search with: emr codes search icd10cm WORDS)", p->icd10);
			return -1;
		}
		if (!hit.active) {
			char shown[10];
			emr_icd10_display(code, shown, sizeof shown);
			emr_db_set_error(db, "icd10 \"%s\": no longer a valid ICD-10-CM code (dropped from the current release); choose its replacement", shown);
			return -1;
		}
		emr_strlcpy(p->icd10, code, sizeof p->icd10);
		if (!*p->description)
			emr_strlcpy(p->description, hit.text, sizeof p->description);
	} else if (!*p->snomed) {
		emr_db_set_error(db, "icd10: a problem needs an ICD-10-CM code");
		return -1;
	}
	if (check_text(db, "description", p->description, 500, true) ||
	    check_text(db, "note", p->note, 500, false) ||
	    check_past_date(db, "onset", p->onset_date, false) ||
	    check_not_before_birth(db, p->patient_id, "onset", p->onset_date))
		return -1;
	return 0;
}

int emr_problem_add(emr_db *db, emr_problem *p)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "problem-add") != 0)
		return -1;
	if (check_patient(db, p->patient_id) != 0 || validate_problem(db, p) != 0)
		return -1;
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO problems(patient_id, icd10, snomed, description, onset_date, status, note, recorded_by,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?8)");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_int64(st, 1, p->patient_id);
	emr_bind_text_or_null(st, 2, p->icd10);
	emr_bind_text_or_null(st, 3, p->snomed);
	sqlite3_bind_text(st, 4, p->description, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 5, p->onset_date);
	sqlite3_bind_text(st, 6, p->note, -1, SQLITE_STATIC);
	if (emr_db_actor_id(db))
		sqlite3_bind_int64(st, 7, emr_db_actor_id(db));
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	p->id = 0;
	emr_strlcpy(p->status, "active", sizeof p->status);
	return finish_write(db, st, "adding the problem", "create", "problems", &p->id, p->patient_id, p->icd10);
}

int emr_problem_resolve(emr_db *db, int64_t id, const char *resolved_date)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "problem-resolve") != 0)
		return -1;
	char today[EMR_DATE_LEN];
	emr_today(today);
	const char *date = resolved_date && *resolved_date ? resolved_date : today;
	if (check_past_date(db, "resolved date", date, true) != 0)
		return -1;
	sqlite3_stmt *get = emr_db_stmt(db, "SELECT patient_id, status, ifnull(onset_date, '') FROM problems WHERE id = ?1");
	if (!get)
		return -1;
	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		sqlite3_reset(get);
		emr_db_set_error(db, "no problem with id %lld", (long long)id);
		return -1;
	}
	int64_t patient_id = sqlite3_column_int64(get, 0);
	char status[17], onset[EMR_DATE_LEN];
	emr_col_copy(get, 1, status, sizeof status);
	emr_col_copy(get, 2, onset, sizeof onset);
	sqlite3_reset(get);
	if (strcmp(status, "active") != 0) {
		emr_db_set_error(db, "problem %lld is %s, not active", (long long)id, status);
		return -1;
	}
	if (*onset && strcmp(date, onset) < 0) {
		emr_db_set_error(db, "resolved date \"%s\": is before the onset (%s)", date, onset);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE problems SET status = 'resolved', resolved_date = ?1, updated_at = ?2, version = version + 1 WHERE id = ?3");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	return finish_write(db, st, "resolving the problem", "update", "problems", &id, patient_id, "resolved");
}

int emr_problem_list(emr_db *db, int64_t patient_id, emr_which which, emr_problems *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "problem-list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " PROBLEM_COLS " FROM problems WHERE patient_id = ?1 AND (?2 OR status = 'active')"
		" ORDER BY status = 'active' DESC, ifnull(onset_date, created_at) DESC, id DESC");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, which == EMR_ALL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		problem_from_row(st, emr_list_push(out));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading problems");
}

int emr_problem_get(emr_db *db, int64_t id, emr_problem *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "problem-get") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " PROBLEM_COLS " FROM problems WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		problem_from_row(st, out);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the problem");
	emr_db_set_error(db, "no problem with id %lld", (long long)id);
	return -1;
}

int emr_problem_update(emr_db *db, emr_problem *p)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "problem-update") != 0)
		return -1;
	emr_problem cur;
	if (emr_problem_get(db, p->id, &cur) != 0 || check_editable(db, "problem", p->id, cur.status) != 0)
		return -1;
	/* A record never moves to another chart, and a code-less (SNOMED
	 * only) problem keeps its SNOMED code. */
	p->patient_id = cur.patient_id;
	emr_strlcpy(p->snomed, cur.snomed, sizeof p->snomed);
	if (validate_problem(db, p) != 0)
		return -1;
	if (*cur.resolved_date && *p->onset_date && strcmp(p->onset_date, cur.resolved_date) > 0) {
		emr_db_set_error(db, "onset \"%s\": is after the problem was resolved (%s)", p->onset_date, cur.resolved_date);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE problems SET icd10 = ?1, description = ?2, onset_date = ?3, note = ?4, updated_at = ?5,"
		" version = version + 1 WHERE id = ?6 AND version = ?7");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	emr_bind_text_or_null(st, 1, p->icd10);
	sqlite3_bind_text(st, 2, p->description, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 3, p->onset_date);
	sqlite3_bind_text(st, 4, p->note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, p->id);
	sqlite3_bind_int64(st, 7, p->version);
	int rc = finish_update(db, st, "saving the problem", "problems", "problem", p->id, p->patient_id, p->icd10);
	return rc != 0 ? rc : emr_problem_get(db, p->id, p);
}

/* ------------------------------------------------------------ allergies */

#define ALLERGY_COLS "id, patient_id, is_nkda, ifnull(substance, ''), category, reaction, ifnull(severity, '')," \
	" status, ifnull(onset_date, ''), created_at, ifnull(retired_reason, ''), version"

static void allergy_from_row(sqlite3_stmt *st, emr_allergy *a)
{
	a->id = sqlite3_column_int64(st, 0);
	a->patient_id = sqlite3_column_int64(st, 1);
	a->is_nkda = sqlite3_column_int(st, 2) != 0;
	emr_col_copy(st, 3, a->substance, sizeof a->substance);
	emr_col_copy(st, 4, a->category, sizeof a->category);
	emr_col_copy(st, 5, a->reaction, sizeof a->reaction);
	emr_col_copy(st, 6, a->severity, sizeof a->severity);
	emr_col_copy(st, 7, a->status, sizeof a->status);
	emr_col_copy(st, 8, a->onset_date, sizeof a->onset_date);
	emr_col_copy(st, 9, a->created_at, sizeof a->created_at);
	emr_col_copy(st, 10, a->retired_reason, sizeof a->retired_reason);
	a->version = sqlite3_column_int64(st, 11);
}

/* How many active entries of each kind the patient has. */
static int count_active_allergies(emr_db *db, int64_t patient_id, int *nkda, int *drug)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT ifnull(sum(is_nkda), 0), ifnull(sum(is_nkda = 0 AND category = 'drug'), 0)"
		" FROM allergies WHERE patient_id = ?1 AND status = 'active'");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc = sqlite3_step(st);
	*nkda = sqlite3_column_int(st, 0);
	*drug = sqlite3_column_int(st, 1);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : emr_db_fail(db, "reading allergies");
}

/* The checks a new or edited allergy passes (shared by add and update). */
static int validate_allergy(emr_db *db, emr_allergy *a)
{
	static const char *const categories[] = {"drug", "food", "environment", "other"};
	static const char *const severities[] = {"", "mild", "moderate", "severe"};
	if (!*a->category)
		emr_strlcpy(a->category, "drug", sizeof a->category);
	if (a->is_nkda) {
		a->substance[0] = '\0';
		emr_strlcpy(a->category, "drug", sizeof a->category);
	} else if (check_text(db, "substance", a->substance, 200, true)) {
		return -1;
	}
	if (!one_of(a->category, categories, EMR_ARRAY_LEN(categories))) {
		emr_db_set_error(db, "category \"%s\": must be drug, food, environment or other", a->category);
		return -1;
	}
	if (!one_of(a->severity, severities, EMR_ARRAY_LEN(severities))) {
		emr_db_set_error(db, "severity \"%s\": must be mild, moderate or severe", a->severity);
		return -1;
	}
	if (check_text(db, "reaction", a->reaction, 200, false) || check_past_date(db, "onset", a->onset_date, false) ||
	    check_not_before_birth(db, a->patient_id, "onset", a->onset_date))
		return -1;
	return 0;
}

/* A newly found drug allergy supersedes "no known drug allergies": the
 * NKDA entry becomes inactive, not deleted, audited.  Inside the caller's
 * transaction; rolls nothing back itself. */
static int supersede_nkda(emr_db *db, int64_t patient_id, const char *now)
{
	sqlite3_stmt *up = emr_db_stmt(db,
		"UPDATE allergies SET status = 'inactive', updated_at = ?1, version = version + 1"
		" WHERE patient_id = ?2 AND is_nkda = 1 AND status = 'active'");
	if (!up)
		return -1;
	sqlite3_bind_text(up, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(up, 2, patient_id);
	int rc = sqlite3_step(up);
	sqlite3_reset(up);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "updating NKDA");
	return emr_audit(db, "update", "allergies", 0, patient_id, "NKDA superseded by a drug allergy");
}

int emr_allergy_add(emr_db *db, emr_allergy *a)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "allergy-add") != 0)
		return -1;
	if (check_patient(db, a->patient_id) != 0 || validate_allergy(db, a) != 0)
		return -1;
	int nkda, drug;
	if (count_active_allergies(db, a->patient_id, &nkda, &drug) != 0)
		return -1;
	if (a->is_nkda && drug > 0) {
		emr_db_set_error(db, "NKDA: the patient has %d active drug allerg%s; retire them first if they were entered in error",
		                 drug, drug == 1 ? "y" : "ies");
		return -1;
	}
	if (a->is_nkda && nkda > 0) {
		emr_db_set_error(db, "NKDA: already recorded");
		return -1;
	}
	bool retire_nkda = !a->is_nkda && nkda > 0 && strcmp(a->category, "drug") == 0;
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	if (retire_nkda && supersede_nkda(db, a->patient_id, now) != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO allergies(patient_id, is_nkda, substance, category, reaction, severity, status, onset_date,"
		" recorded_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8, ?9, ?9)");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_int64(st, 1, a->patient_id);
	sqlite3_bind_int(st, 2, a->is_nkda);
	emr_bind_text_or_null(st, 3, a->is_nkda ? NULL : a->substance);
	sqlite3_bind_text(st, 4, a->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->reaction, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 6, a->severity);
	emr_bind_text_or_null(st, 7, a->onset_date);
	if (emr_db_actor_id(db))
		sqlite3_bind_int64(st, 8, emr_db_actor_id(db));
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	a->id = 0;
	emr_strlcpy(a->status, "active", sizeof a->status);
	return finish_write(db, st, "adding the allergy", "create", "allergies", &a->id, a->patient_id,
	                    a->is_nkda ? "NKDA" : a->substance);
}

int emr_allergy_list(emr_db *db, int64_t patient_id, emr_which which, emr_allergies *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "allergy-list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " ALLERGY_COLS " FROM allergies WHERE patient_id = ?1 AND (?2 OR status = 'active')"
		" ORDER BY status = 'active' DESC, severity = 'severe' DESC, substance, id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, which == EMR_ALL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		allergy_from_row(st, emr_list_push(out));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading allergies");
}

int emr_allergy_get(emr_db *db, int64_t id, emr_allergy *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "allergy-get") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " ALLERGY_COLS " FROM allergies WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		allergy_from_row(st, out);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the allergy");
	emr_db_set_error(db, "no allergy with id %lld", (long long)id);
	return -1;
}

int emr_allergy_update(emr_db *db, emr_allergy *a)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "allergy-update") != 0)
		return -1;
	emr_allergy cur;
	if (emr_allergy_get(db, a->id, &cur) != 0 || check_editable(db, "allergy", a->id, cur.status) != 0)
		return -1;
	if (cur.is_nkda) {
		emr_db_set_error(db, "NKDA: there is nothing to edit in \"no known drug allergies\"; record the allergy instead");
		return -1;
	}
	a->patient_id = cur.patient_id;
	a->is_nkda = false;
	if (validate_allergy(db, a) != 0)
		return -1;
	int nkda = 0, drug = 0;
	if (strcmp(a->category, "drug") == 0 && strcmp(cur.category, "drug") != 0 && strcmp(cur.status, "active") == 0 &&
	    count_active_allergies(db, a->patient_id, &nkda, &drug) != 0)
		return -1;
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	/* Re-classifying an active allergy as a drug allergy contradicts
	 * NKDA just as adding one does. */
	if (nkda > 0 && supersede_nkda(db, a->patient_id, now) != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE allergies SET substance = ?1, category = ?2, reaction = ?3, severity = ?4, onset_date = ?5,"
		" updated_at = ?6, version = version + 1 WHERE id = ?7 AND version = ?8");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, a->substance, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a->category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->reaction, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 4, a->severity);
	emr_bind_text_or_null(st, 5, a->onset_date);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, a->id);
	sqlite3_bind_int64(st, 8, a->version);
	int rc = finish_update(db, st, "saving the allergy", "allergies", "allergy", a->id, a->patient_id, a->substance);
	return rc != 0 ? rc : emr_allergy_get(db, a->id, a);
}

/* ----------------------------------------------------------- medications */

#define MED_COLS "id, patient_id, ifnull(encounter_id, 0), ifnull(prescriber_id, 0), drug, ifnull(rxnorm, ''), strength," \
	" form, route, sig, ifnull(quantity, 0), quantity_unit, refills, ifnull(start_date, ''), ifnull(stop_date, '')," \
	" is_prescription, status, reason, ifnull(stop_reason, ''), ifnull(allergy_override, ''), created_at," \
	" ifnull(retired_reason, ''), version," \
	" ifnull((SELECT display_name FROM users u WHERE u.id = medications.prescriber_id), ''), source_prescriber," \
	" source_prescriber <> '' OR EXISTS (SELECT 1 FROM fhir_received r" \
	" WHERE r.mapped_table = 'medications' AND r.mapped_id = medications.id)"

static void med_from_row(sqlite3_stmt *st, emr_medication *m)
{
	m->id = sqlite3_column_int64(st, 0);
	m->patient_id = sqlite3_column_int64(st, 1);
	m->encounter_id = sqlite3_column_int64(st, 2);
	m->prescriber_id = sqlite3_column_int64(st, 3);
	emr_col_copy(st, 4, m->drug, sizeof m->drug);
	emr_col_copy(st, 5, m->rxnorm, sizeof m->rxnorm);
	emr_col_copy(st, 6, m->strength, sizeof m->strength);
	emr_col_copy(st, 7, m->form, sizeof m->form);
	emr_col_copy(st, 8, m->route, sizeof m->route);
	emr_col_copy(st, 9, m->sig, sizeof m->sig);
	m->quantity = sqlite3_column_double(st, 10);
	emr_col_copy(st, 11, m->quantity_unit, sizeof m->quantity_unit);
	m->refills = sqlite3_column_int(st, 12);
	emr_col_copy(st, 13, m->start_date, sizeof m->start_date);
	emr_col_copy(st, 14, m->stop_date, sizeof m->stop_date);
	m->is_prescription = sqlite3_column_int(st, 15) != 0;
	emr_col_copy(st, 16, m->status, sizeof m->status);
	emr_col_copy(st, 17, m->reason, sizeof m->reason);
	emr_col_copy(st, 18, m->stop_reason, sizeof m->stop_reason);
	emr_col_copy(st, 19, m->allergy_override, sizeof m->allergy_override);
	emr_col_copy(st, 20, m->created_at, sizeof m->created_at);
	emr_col_copy(st, 21, m->retired_reason, sizeof m->retired_reason);
	m->version = sqlite3_column_int64(st, 22);
	emr_col_copy(st, 23, m->prescriber, sizeof m->prescriber);
	emr_col_copy(st, 24, m->source_prescriber, sizeof m->source_prescriber);
	m->imported = sqlite3_column_int(st, 25) != 0;
}

static int validate_medication(emr_db *db, emr_medication *m)
{
	if (check_text(db, "drug", m->drug, 200, true) || check_text(db, "strength", m->strength, 64, false) ||
	    check_text(db, "form", m->form, 64, false) || check_text(db, "route", m->route, 32, false) ||
	    check_text(db, "sig", m->sig, 500, false) || check_text(db, "quantity unit", m->quantity_unit, 32, false) ||
	    check_text(db, "reason", m->reason, 500, false))
		return -1;
	if (m->quantity < 0 || m->quantity > 10000 || isnan(m->quantity)) {
		emr_db_set_error(db, "quantity %g: must be between 0 and 10000", m->quantity);
		return -1;
	}
	if (m->refills < 0 || m->refills > 99) {
		emr_db_set_error(db, "refills %d: must be between 0 and 99", m->refills);
		return -1;
	}
	if (*m->rxnorm && strspn(m->rxnorm, "0123456789") != strlen(m->rxnorm)) {
		emr_db_set_error(db, "rxnorm \"%s\": an RxCUI is digits only", m->rxnorm);
		return -1;
	}
	if (m->is_prescription && !*m->sig) {
		emr_db_set_error(db, "sig: a prescription needs directions");
		return -1;
	}
	return check_past_date(db, "start date", m->start_date, false);
}

int emr_medication_add(emr_db *db, emr_medication *m)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "medication-add") != 0)
		return -1;
	if (m->is_prescription && emr_permit(db, EMR_PERM_PRESCRIBE, "prescription") != 0)
		return -1;
	if (check_patient(db, m->patient_id) != 0 || validate_medication(db, m) != 0 ||
	    check_not_before_birth(db, m->patient_id, "start date", m->start_date))
		return -1;
	char today[EMR_DATE_LEN], now[EMR_INSTANT_LEN];
	emr_today(today);
	now_instant(now);
	if (!*m->start_date)
		emr_strlcpy(m->start_date, today, sizeof m->start_date);
	if (*m->allergy_override && strncmp(m->allergy_override, "acknowledged by ", 16) != 0) {
		/* Who went ahead despite the warning is part of the record. */
		emr_sb text = EMR_SB_INIT;
		emr_sb_printf(&text, "acknowledged by %s: %s", emr_db_actor_login(db), m->allergy_override);
		emr_strlcpy(m->allergy_override, emr_sb_str(&text), sizeof m->allergy_override);
		emr_sb_free(&text);
	}
	if (m->is_prescription && !m->prescriber_id)
		m->prescriber_id = emr_db_actor_id(db);
	if (m->is_prescription && !m->prescriber_id) {
		emr_db_set_error(db, "prescriber: a prescription needs a prescriber");
		return -1;
	}
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO medications(patient_id, encounter_id, drug, rxnorm, strength, form, route, sig, quantity,"
		" quantity_unit, refills, start_date, prescriber_id, is_prescription, status, reason, allergy_override,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'active',"
		" ?15, ?16, ?17, ?17)");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_int64(st, 1, m->patient_id);
	if (m->encounter_id)
		sqlite3_bind_int64(st, 2, m->encounter_id);
	sqlite3_bind_text(st, 3, m->drug, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 4, m->rxnorm);
	sqlite3_bind_text(st, 5, m->strength, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, m->form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, m->route, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, m->sig, -1, SQLITE_STATIC);
	if (m->quantity > 0)
		sqlite3_bind_double(st, 9, m->quantity);
	sqlite3_bind_text(st, 10, m->quantity_unit, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, m->refills);
	sqlite3_bind_text(st, 12, m->start_date, -1, SQLITE_STATIC);
	if (m->prescriber_id)
		sqlite3_bind_int64(st, 13, m->prescriber_id);
	sqlite3_bind_int(st, 14, m->is_prescription);
	sqlite3_bind_text(st, 15, m->reason, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 16, m->allergy_override);
	sqlite3_bind_text(st, 17, now, -1, SQLITE_STATIC);
	m->id = 0;
	emr_strlcpy(m->status, "active", sizeof m->status);
	emr_sb detail = EMR_SB_INIT;
	emr_sb_printf(&detail, "%s%s%s", m->drug, *m->allergy_override ? "; " : "", m->allergy_override);
	int rc = finish_write(db, st, "adding the medication", "create", "medications", &m->id, m->patient_id,
	                      emr_sb_str(&detail));
	emr_sb_free(&detail);
	return rc;
}

int emr_medication_stop(emr_db *db, int64_t id, const char *stop_date, const char *reason)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "medication-stop") != 0)
		return -1;
	if (!reason || !*reason) {
		emr_db_set_error(db, "reason: say why the medication is stopped");
		return -1;
	}
	if (check_text(db, "reason", reason, 500, true))
		return -1;
	char today[EMR_DATE_LEN];
	emr_today(today);
	const char *date = stop_date && *stop_date ? stop_date : today;
	if (check_past_date(db, "stop date", date, true) != 0)
		return -1;
	sqlite3_stmt *get = emr_db_stmt(db, "SELECT patient_id, status, ifnull(start_date, '') FROM medications WHERE id = ?1");
	if (!get)
		return -1;
	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		sqlite3_reset(get);
		emr_db_set_error(db, "no medication with id %lld", (long long)id);
		return -1;
	}
	int64_t patient_id = sqlite3_column_int64(get, 0);
	char status[17], start[EMR_DATE_LEN];
	emr_col_copy(get, 1, status, sizeof status);
	emr_col_copy(get, 2, start, sizeof start);
	sqlite3_reset(get);
	if (strcmp(status, "active") != 0) {
		emr_db_set_error(db, "medication %lld is %s, not active", (long long)id, status);
		return -1;
	}
	if (*start && strcmp(date, start) < 0) {
		emr_db_set_error(db, "stop date \"%s\": is before the start (%s)", date, start);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE medications SET status = 'stopped', stop_date = ?1, stop_reason = ?2, updated_at = ?3,"
		" version = version + 1 WHERE id = ?4");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	return finish_write(db, st, "stopping the medication", "update", "medications", &id, patient_id, reason);
}

int emr_medication_list(emr_db *db, int64_t patient_id, emr_which which, emr_medications *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "medication-list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " MED_COLS " FROM medications WHERE patient_id = ?1 AND (?2 OR status = 'active')"
		" ORDER BY status = 'active' DESC, drug COLLATE NOCASE, id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, which == EMR_ALL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		med_from_row(st, emr_list_push(out));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading medications");
}

int emr_medication_get(emr_db *db, int64_t id, emr_medication *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "medication-get") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " MED_COLS " FROM medications WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		med_from_row(st, out);
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the medication");
	emr_db_set_error(db, "no medication with id %lld", (long long)id);
	return -1;
}

int emr_medication_update(emr_db *db, emr_medication *m)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "medication-update") != 0)
		return -1;
	if (m->is_prescription && emr_permit(db, EMR_PERM_PRESCRIBE, "prescription") != 0)
		return -1;
	emr_medication cur;
	if (emr_medication_get(db, m->id, &cur) != 0 || check_editable(db, "medication", m->id, cur.status) != 0)
		return -1;
	/* Only the directions and amounts change; the drug, the dates, the
	 * prescriber and the allergy acknowledgement stay as recorded (a
	 * different drug is a new medication, checked against allergies). */
	emr_medication next = cur;
	emr_strlcpy(next.strength, m->strength, sizeof next.strength);
	emr_strlcpy(next.form, m->form, sizeof next.form);
	emr_strlcpy(next.route, m->route, sizeof next.route);
	emr_strlcpy(next.sig, m->sig, sizeof next.sig);
	next.quantity = m->quantity;
	emr_strlcpy(next.quantity_unit, m->quantity_unit, sizeof next.quantity_unit);
	next.refills = m->refills;
	emr_strlcpy(next.reason, m->reason, sizeof next.reason);
	next.version = m->version;
	if (validate_medication(db, &next) != 0)
		return -1;
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE medications SET strength = ?1, form = ?2, route = ?3, sig = ?4, quantity = ?5, quantity_unit = ?6,"
		" refills = ?7, reason = ?8, updated_at = ?9, version = version + 1 WHERE id = ?10 AND version = ?11");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, next.strength, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, next.form, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, next.route, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, next.sig, -1, SQLITE_STATIC);
	if (next.quantity > 0)
		sqlite3_bind_double(st, 5, next.quantity);
	sqlite3_bind_text(st, 6, next.quantity_unit, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, next.refills);
	sqlite3_bind_text(st, 8, next.reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, next.id);
	sqlite3_bind_int64(st, 11, next.version);
	int rc = finish_update(db, st, "saving the medication", "medications", "medication", next.id, next.patient_id,
	                       next.drug);
	return rc != 0 ? rc : emr_medication_get(db, m->id, m);
}

/* ---------------------------------------------------------- observations */

const char *emr_flag_for(double value, bool has_low, double low, bool has_high, double high)
{
	if (!has_low && !has_high)
		return "";
	if (has_low && value < low)
		return "L";
	if (has_high && value > high)
		return "H";
	return "N";
}

#define OBS_COLS "o.id, o.patient_id, ifnull(o.encounter_id, 0), ifnull(o.panel_id, 0), o.loinc, l.short_name," \
	" o.value_num, ifnull(o.value_text, ''), o.unit, o.ref_low, o.ref_high, o.ref_text, ifnull(o.flag, '')," \
	" o.effective_at, o.status, ifnull(o.retired_reason, '')"

static void obs_from_row(sqlite3_stmt *st, emr_observation *o)
{
	o->id = sqlite3_column_int64(st, 0);
	o->patient_id = sqlite3_column_int64(st, 1);
	o->encounter_id = sqlite3_column_int64(st, 2);
	o->panel_id = sqlite3_column_int64(st, 3);
	emr_col_copy(st, 4, o->loinc, sizeof o->loinc);
	emr_col_copy(st, 5, o->name, sizeof o->name);
	o->has_value = sqlite3_column_type(st, 6) != SQLITE_NULL;
	o->value = sqlite3_column_double(st, 6);
	emr_col_copy(st, 7, o->value_text, sizeof o->value_text);
	emr_col_copy(st, 8, o->unit, sizeof o->unit);
	o->has_low = sqlite3_column_type(st, 9) != SQLITE_NULL;
	o->ref_low = sqlite3_column_double(st, 9);
	o->has_high = sqlite3_column_type(st, 10) != SQLITE_NULL;
	o->ref_high = sqlite3_column_double(st, 10);
	emr_col_copy(st, 11, o->ref_text, sizeof o->ref_text);
	emr_col_copy(st, 12, o->flag, sizeof o->flag);
	emr_col_copy(st, 13, o->effective_at, sizeof o->effective_at);
	emr_col_copy(st, 14, o->status, sizeof o->status);
	emr_col_copy(st, 15, o->retired_reason, sizeof o->retired_reason);
}

/* Checks the value against the code, fills defaults (unit, range, flag,
 * time); names the first problem. */
static int prepare_observation(emr_db *db, emr_observation *o)
{
	emr_loinc l;
	if (!emr_loinc_lookup(db, o->loinc, &l)) {
		emr_db_set_error(db, "loinc \"%s\": not a LOINC code emr knows (see: emr codes search loinc WORD)", o->loinc);
		return -1;
	}
	emr_strlcpy(o->name, l.short_name, sizeof o->name);
	if (!*o->unit)
		emr_strlcpy(o->unit, l.unit, sizeof o->unit);
	if (strcmp(o->unit, l.unit) != 0) {
		emr_db_set_error(db, "%s unit \"%s\": record %s in %s", l.short_name, o->unit, l.short_name, l.unit);
		return -1;
	}
	if (!o->has_value && !*o->value_text) {
		emr_db_set_error(db, "%s: no value given", l.short_name);
		return -1;
	}
	if (o->has_value && (isnan(o->value) || isinf(o->value))) {
		emr_db_set_error(db, "%s: not a number", l.short_name);
		return -1;
	}
	if (o->has_value && l.has_plausible && (o->value < l.plausible_low || o->value > l.plausible_high)) {
		emr_db_set_error(db, "%s %g %s: outside the plausible range %g-%g %s (typing error?)", l.short_name,
		                 o->value, o->unit, l.plausible_low, l.plausible_high, o->unit);
		return -1;
	}
	if (check_text(db, "value", o->value_text, 200, false) || check_text(db, "reference", o->ref_text, 64, false))
		return -1;
	if (!o->has_low && !o->has_high && !*o->ref_text) {
		o->has_low = l.has_ref_low;
		o->has_high = l.has_ref_high;
		o->ref_low = l.ref_low;
		o->ref_high = l.ref_high;
	}
	if (o->has_low && o->has_high && o->ref_low > o->ref_high) {
		emr_db_set_error(db, "%s reference range %g-%g: low is above high", l.short_name, o->ref_low, o->ref_high);
		return -1;
	}
	if (!*o->flag && o->has_value)
		emr_strlcpy(o->flag, emr_flag_for(o->value, o->has_low, o->ref_low, o->has_high, o->ref_high), sizeof o->flag);
	if (!*o->effective_at)
		emr_now_instant(o->effective_at);
	else if (!emr_instant_valid(o->effective_at)) {
		emr_db_set_error(db, "time \"%s\": not a valid UTC time (YYYY-MM-DDTHH:MM:SSZ)", o->effective_at);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (strcmp(o->effective_at, now) > 0) {
		emr_db_set_error(db, "time \"%s\": is in the future", o->effective_at);
		return -1;
	}
	return check_not_before_birth(db, o->patient_id, "time", o->effective_at);
}

/* Inserts inside the caller's transaction; no audit. */
static int insert_observation(emr_db *db, emr_observation *o)
{
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO observations(patient_id, encounter_id, loinc, panel_id, value_num, value_text, unit, ref_low,"
		" ref_high, ref_text, flag, effective_at, status, recorded_by, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'final', ?13, ?14)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, o->patient_id);
	if (o->encounter_id)
		sqlite3_bind_int64(st, 2, o->encounter_id);
	sqlite3_bind_text(st, 3, o->loinc, -1, SQLITE_STATIC);
	if (o->panel_id)
		sqlite3_bind_int64(st, 4, o->panel_id);
	if (o->has_value)
		sqlite3_bind_double(st, 5, o->value);
	emr_bind_text_or_null(st, 6, o->value_text);
	sqlite3_bind_text(st, 7, o->unit, -1, SQLITE_STATIC);
	if (o->has_low)
		sqlite3_bind_double(st, 8, o->ref_low);
	if (o->has_high)
		sqlite3_bind_double(st, 9, o->ref_high);
	sqlite3_bind_text(st, 10, o->ref_text, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 11, o->flag);
	sqlite3_bind_text(st, 12, o->effective_at, -1, SQLITE_STATIC);
	if (emr_db_actor_id(db))
		sqlite3_bind_int64(st, 13, emr_db_actor_id(db));
	sqlite3_bind_text(st, 14, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "recording the observation");
	o->id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	emr_strlcpy(o->status, "final", sizeof o->status);
	return 0;
}

int emr_observation_add(emr_db *db, emr_observation *o)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "observation-add") != 0)
		return -1;
	if (check_patient(db, o->patient_id) != 0 || prepare_observation(db, o) != 0)
		return -1;
	if (emr_tx_begin(db) != 0)
		return -1;
	if (insert_observation(db, o) != 0 ||
	    emr_audit(db, "create", "observations", o->id, o->patient_id, o->loinc) != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	return emr_tx_commit(db);
}

int emr_observation_get(emr_db *db, int64_t id, emr_observation *out, char *kind_out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "observation-get") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " OBS_COLS ", l.kind FROM observations o JOIN loinc l ON l.code = o.loinc WHERE o.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		obs_from_row(st, out);
		if (kind_out)
			emr_col_copy(st, 16, kind_out, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		emr_db_set_error(db, "no observation with id %lld", (long long)id);
		return -1;
	}
	return 0;
}

int emr_observation_list(emr_db *db, int64_t patient_id, const char *loinc, const char *kind,
                         emr_which which, int limit, emr_observations *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "observation-list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " OBS_COLS " FROM observations o JOIN loinc l ON l.code = o.loinc"
		" WHERE o.patient_id = ?1 AND (?2 IS NULL OR o.loinc = ?2) AND (?3 IS NULL OR l.kind = ?3)"
		" AND (?4 OR o.status <> 'entered-in-error')"
		" ORDER BY o.effective_at DESC, l.sort_order, o.id DESC LIMIT ?5");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	emr_bind_text_or_null(st, 2, loinc);
	emr_bind_text_or_null(st, 3, kind);
	sqlite3_bind_int(st, 4, which == EMR_ALL);
	sqlite3_bind_int(st, 5, limit > 0 ? limit : -1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		obs_from_row(st, emr_list_push(out));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading observations");
}

/* True when every blank-separated word of q occurs in text, ignoring
 * ASCII case (LOINC names are ASCII). */
static bool all_words_in(const char *text, const char *q)
{
	for (const char *w = q; *w;) {
		while (*w == ' ')
			w++;
		size_t n = strcspn(w, " ");
		if (!n)
			break;
		bool found = false;
		for (const char *t = text; *t && !found; t++)
			found = strncasecmp(t, w, n) == 0;
		if (!found)
			return false;
		w += n;
	}
	return true;
}

int emr_observation_codes(emr_db *db, const char *query, const char *kind, int limit, emr_code_list *out)
{
	/* The curated table is a few dozen rows: matching in C keeps it
	 * simple, and clinical order (sort_order) is the useful order. */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT code, short_name, name FROM loinc WHERE (?1 IS NULL OR kind = ?1) ORDER BY sort_order, code");
	if (!st)
		return -1;
	emr_bind_text_or_null(st, 1, kind);
	int rc = SQLITE_DONE, n = 0;
	while ((limit <= 0 || n < limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char text[600];
		snprintf(text, sizeof text, "%s %s %s", emr_col_text(st, 0), emr_col_text(st, 1), emr_col_text(st, 2));
		if (!all_words_in(text, query ? query : ""))
			continue;
		emr_code_hit *hit = emr_list_grow(&out->items, &out->n, &out->cap, sizeof *out->items);
		emr_col_copy(st, 0, hit->code, sizeof hit->code);
		emr_col_copy(st, 1, hit->text, sizeof hit->text);
		hit->active = true;
		n++;
	}
	if (limit > 0 && n >= limit)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading LOINC codes");
}

/* ---------------------------------------------------------------- vitals */

void emr_vitals_init(emr_vitals *v)
{
	memset(v, 0, sizeof *v);
	v->systolic = v->diastolic = v->pulse = v->temp_c = v->resp = v->spo2 = NAN;
	v->weight_kg = v->height_cm = NAN;
}

double emr_bmi(double weight_kg, double height_cm)
{
	if (!(weight_kg > 0) || !(height_cm > 0))
		return NAN;
	double m = height_cm / 100.0;
	return round(weight_kg / (m * m) * 10.0) / 10.0;
}

bool emr_parse_measure(const char *s, const char *canonical, double *out)
{
	char *end;
	while (*s == ' ')
		s++;
	double v = strtod(s, &end);
	if (end == s || isnan(v) || isinf(v))
		return false;
	while (*end == ' ')
		end++;
	const char *unit = end;
	if (!*unit || strcmp(unit, canonical) == 0 ||
	    (strcmp(canonical, "Cel") == 0 && (strcmp(unit, "C") == 0 || strcmp(unit, "c") == 0))) {
		*out = v;
		return true;
	}
	if (strcmp(canonical, "kg") == 0 && (!strcmp(unit, "lb") || !strcmp(unit, "lbs") || !strcmp(unit, "[lb_av]")))
		*out = v * 0.45359237;  /* international avoirdupois pound, exact */
	else if (strcmp(canonical, "kg") == 0 && !strcmp(unit, "g"))
		*out = v / 1000.0;
	else if (strcmp(canonical, "cm") == 0 && (!strcmp(unit, "in") || !strcmp(unit, "[in_i]")))
		*out = v * 2.54;        /* international inch, exact */
	else if (strcmp(canonical, "cm") == 0 && !strcmp(unit, "m"))
		*out = v * 100.0;
	else if (strcmp(canonical, "Cel") == 0 && (!strcmp(unit, "F") || !strcmp(unit, "f") || !strcmp(unit, "[degF]")))
		*out = (v - 32.0) * 5.0 / 9.0;
	else
		return false;
	return true;
}

/* The plausible range of a code for messages; false if none. */
static bool plausible(emr_db *db, const char *loinc, double v, emr_loinc *l)
{
	if (!emr_loinc_lookup(db, loinc, l) || !l->has_plausible)
		return true;
	return v >= l->plausible_low && v <= l->plausible_high;
}

int emr_vitals_validate(emr_db *db, const emr_vitals *v)
{
	emr_loinc l;
	if (isnan(v->systolic) != isnan(v->diastolic)) {
		emr_db_set_error(db, "BP: give both systolic and diastolic (e.g. 120/80)");
		return -1;
	}
	if (!isnan(v->systolic)) {
		if (!plausible(db, EMR_LOINC_SYSTOLIC, v->systolic, &l)) {
			emr_db_set_error(db, "BP %g/%g: systolic %g mm[Hg] is outside %g-%g", v->systolic, v->diastolic,
			                 v->systolic, l.plausible_low, l.plausible_high);
			return -1;
		}
		if (!plausible(db, EMR_LOINC_DIASTOLIC, v->diastolic, &l)) {
			emr_db_set_error(db, "BP %g/%g: diastolic %g mm[Hg] is outside %g-%g", v->systolic, v->diastolic,
			                 v->diastolic, l.plausible_low, l.plausible_high);
			return -1;
		}
		if (v->diastolic >= v->systolic) {
			emr_db_set_error(db, "BP %g/%g: diastolic must be below systolic", v->systolic, v->diastolic);
			return -1;
		}
	}
	static const struct { size_t off; const char *loinc, *label, *unit; } checks[] = {
		{offsetof(emr_vitals, pulse), EMR_LOINC_PULSE, "pulse", "/min"},
		{offsetof(emr_vitals, temp_c), EMR_LOINC_TEMP, "temperature", "Cel"},
		{offsetof(emr_vitals, resp), EMR_LOINC_RESP, "respiratory rate", "/min"},
		{offsetof(emr_vitals, spo2), EMR_LOINC_SPO2, "SpO2", "%"},
		{offsetof(emr_vitals, weight_kg), EMR_LOINC_WEIGHT, "weight", "kg"},
		{offsetof(emr_vitals, height_cm), EMR_LOINC_HEIGHT, "height", "cm"},
	};
	bool any = !isnan(v->systolic);
	for (size_t i = 0; i < EMR_ARRAY_LEN(checks); i++) {
		double x = *(const double *)((const char *)v + checks[i].off);
		if (isnan(x))
			continue;
		any = true;
		if (!plausible(db, checks[i].loinc, x, &l)) {
			emr_db_set_error(db, "%s %g %s: outside the plausible range %g-%g %s", checks[i].label, x,
			                 checks[i].unit, l.plausible_low, l.plausible_high, checks[i].unit);
			return -1;
		}
	}
	if (!any) {
		emr_db_set_error(db, "vitals: no value given");
		return -1;
	}
	if (*v->effective_at && !emr_instant_valid(v->effective_at)) {
		emr_db_set_error(db, "time \"%s\": not a valid UTC time (YYYY-MM-DDTHH:MM:SSZ)", v->effective_at);
		return -1;
	}
	return 0;
}

/* The latest recorded height (cm) of the patient, or NAN. */
static double latest_height(emr_db *db, int64_t patient_id)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT value_num FROM observations WHERE patient_id = ?1 AND loinc = '" EMR_LOINC_HEIGHT "'"
		" AND status <> 'entered-in-error' ORDER BY effective_at DESC LIMIT 1");
	if (!st)
		return NAN;
	sqlite3_bind_int64(st, 1, patient_id);
	double h = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_double(st, 0) : NAN;
	sqlite3_reset(st);
	return h;
}

static int record_one(emr_db *db, int64_t patient_id, const emr_vitals *v, const char *loinc, double value,
                      int64_t panel_id, int64_t *id_out)
{
	emr_observation o = {0};
	o.patient_id = patient_id;
	o.encounter_id = v->encounter_id;
	o.panel_id = panel_id;
	emr_strlcpy(o.loinc, loinc, sizeof o.loinc);
	o.has_value = true;
	/* Stored to the precision a chart shows: one decimal (0.1 kg, 0.1 Cel). */
	o.value = round(value * 10.0) / 10.0;
	emr_strlcpy(o.effective_at, v->effective_at, sizeof o.effective_at);
	if (prepare_observation(db, &o) != 0 || insert_observation(db, &o) != 0)
		return -1;
	if (id_out)
		*id_out = o.id;
	return 0;
}

int emr_vitals_record(emr_db *db, int64_t patient_id, emr_vitals *v, double *bmi_out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "vitals-record") != 0)
		return -1;
	if (bmi_out)
		*bmi_out = NAN;
	emr_patient p;
	if (emr_patient_get(db, patient_id, &p) != 0 || emr_vitals_validate(db, v) != 0 ||
	    check_not_before_birth(db, patient_id, "time", v->effective_at))
		return -1;
	if (!*v->effective_at)
		emr_now_instant(v->effective_at);
	if (emr_tx_begin(db) != 0)
		return -1;
	if (!isnan(v->systolic)) {
		int64_t sys_id = 0;
		if (record_one(db, patient_id, v, EMR_LOINC_SYSTOLIC, v->systolic, 0, &sys_id) != 0)
			goto fail;
		/* The pair shares panel_id = the systolic row's id, so the two
		 * halves of one reading stay together. */
		sqlite3_stmt *up = emr_db_stmt(db, "UPDATE observations SET panel_id = ?1 WHERE id = ?1");
		if (!up)
			goto fail;
		sqlite3_bind_int64(up, 1, sys_id);
		int rc = sqlite3_step(up);
		sqlite3_reset(up);
		if (rc != SQLITE_DONE) {
			emr_db_fail(db, "recording BP");
			goto fail;
		}
		if (record_one(db, patient_id, v, EMR_LOINC_DIASTOLIC, v->diastolic, sys_id, NULL) != 0)
			goto fail;
	}
	const struct { double value; const char *loinc; } rest[] = {
		{v->pulse, EMR_LOINC_PULSE}, {v->temp_c, EMR_LOINC_TEMP}, {v->resp, EMR_LOINC_RESP},
		{v->spo2, EMR_LOINC_SPO2}, {v->weight_kg, EMR_LOINC_WEIGHT}, {v->height_cm, EMR_LOINC_HEIGHT},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(rest); i++)
		if (!isnan(rest[i].value) && record_one(db, patient_id, v, rest[i].loinc, rest[i].value, 0, NULL) != 0)
			goto fail;
	char on[EMR_DATE_LEN];
	memcpy(on, v->effective_at, 10);
	on[10] = '\0';
	emr_age age;
	/* BMI is interpreted against adult cut-offs only from age 2 (CDC);
	 * below that weight-for-length is used instead, so none is stored. */
	if (!isnan(v->weight_kg) && emr_age_on(p.dob, on, &age) && age.years >= 2) {
		double h = isnan(v->height_cm) ? latest_height(db, patient_id) : v->height_cm;
		double bmi = emr_bmi(round(v->weight_kg * 10) / 10, round(h * 10) / 10);
		if (!isnan(bmi)) {
			emr_observation o = {0};
			o.patient_id = patient_id;
			o.encounter_id = v->encounter_id;
			emr_strlcpy(o.loinc, EMR_LOINC_BMI, sizeof o.loinc);
			o.has_value = true;
			o.value = bmi;
			emr_strlcpy(o.effective_at, v->effective_at, sizeof o.effective_at);
			if (prepare_observation(db, &o) != 0 || insert_observation(db, &o) != 0)
				goto fail;
			if (bmi_out)
				*bmi_out = bmi;
		}
	}
	if (emr_audit(db, "create", "observations", 0, patient_id, "vitals") != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

/* --------------------------------------------------------- immunizations */

#define IMM_COLS "i.id, i.patient_id, ifnull(i.encounter_id, 0), i.cvx, c.short_name, i.administered_on, i.lot," \
	" i.manufacturer, i.site, i.route, ifnull(i.dose_number, 0), i.status, ifnull(i.retired_reason, '')"

static void imm_from_row(sqlite3_stmt *st, emr_immunization *im)
{
	im->id = sqlite3_column_int64(st, 0);
	im->patient_id = sqlite3_column_int64(st, 1);
	im->encounter_id = sqlite3_column_int64(st, 2);
	emr_col_copy(st, 3, im->cvx, sizeof im->cvx);
	emr_col_copy(st, 4, im->vaccine, sizeof im->vaccine);
	emr_col_copy(st, 5, im->administered_on, sizeof im->administered_on);
	emr_col_copy(st, 6, im->lot, sizeof im->lot);
	emr_col_copy(st, 7, im->manufacturer, sizeof im->manufacturer);
	emr_col_copy(st, 8, im->site, sizeof im->site);
	emr_col_copy(st, 9, im->route, sizeof im->route);
	im->dose_number = sqlite3_column_int(st, 10);
	emr_col_copy(st, 11, im->status, sizeof im->status);
	emr_col_copy(st, 12, im->retired_reason, sizeof im->retired_reason);
}

int emr_immunization_add(emr_db *db, emr_immunization *im)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "immunization-add") != 0)
		return -1;
	static const char *const sites[] = {"", "left deltoid", "right deltoid", "left thigh", "right thigh",
	                                    "left arm", "right arm", "oral", "intranasal", "other"};
	static const char *const routes[] = {"", "IM", "SC", "ID", "PO", "IN", "other"};
	if (check_patient(db, im->patient_id) != 0)
		return -1;
	emr_code_hit hit;
	if (!emr_cvx_lookup(db, im->cvx, &hit)) {
		emr_db_set_error(db, "cvx \"%s\": not a CVX vaccine code (see: emr codes search cvx WORD)", im->cvx);
		return -1;
	}
	emr_strlcpy(im->vaccine, hit.text, sizeof im->vaccine);
	char today[EMR_DATE_LEN];
	emr_today(today);
	if (!*im->administered_on)
		emr_strlcpy(im->administered_on, today, sizeof im->administered_on);
	if (check_past_date(db, "date", im->administered_on, true) ||
	    check_not_before_birth(db, im->patient_id, "date", im->administered_on) ||
	    check_text(db, "lot", im->lot, 32, false) ||
	    check_text(db, "manufacturer", im->manufacturer, 200, false))
		return -1;
	if (!one_of(im->site, sites, EMR_ARRAY_LEN(sites))) {
		emr_db_set_error(db, "site \"%s\": must be left/right deltoid, left/right thigh, left/right arm, oral, intranasal or other", im->site);
		return -1;
	}
	if (!one_of(im->route, routes, EMR_ARRAY_LEN(routes))) {
		emr_db_set_error(db, "route \"%s\": must be IM, SC, ID, PO, IN or other", im->route);
		return -1;
	}
	if (im->dose_number < 0 || im->dose_number > 20) {
		emr_db_set_error(db, "dose number %d: must be 1-20", im->dose_number);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO immunizations(patient_id, encounter_id, cvx, administered_on, lot, manufacturer, site, route,"
		" dose_number, status, performer_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'completed', ?10, ?11)");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_int64(st, 1, im->patient_id);
	if (im->encounter_id)
		sqlite3_bind_int64(st, 2, im->encounter_id);
	sqlite3_bind_text(st, 3, im->cvx, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, im->administered_on, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, im->lot, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, im->manufacturer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, im->site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, im->route, -1, SQLITE_STATIC);
	if (im->dose_number)
		sqlite3_bind_int(st, 9, im->dose_number);
	if (emr_db_actor_id(db))
		sqlite3_bind_int64(st, 10, emr_db_actor_id(db));
	sqlite3_bind_text(st, 11, now, -1, SQLITE_STATIC);
	im->id = 0;
	emr_strlcpy(im->status, "completed", sizeof im->status);
	return finish_write(db, st, "recording the immunization", "create", "immunizations", &im->id, im->patient_id, im->cvx);
}

int emr_immunization_list(emr_db *db, int64_t patient_id, emr_which which, emr_immunizations *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "immunization-list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " IMM_COLS " FROM immunizations i JOIN cvx c ON c.code = i.cvx"
		" WHERE i.patient_id = ?1 AND (?2 OR i.status <> 'entered-in-error')"
		" ORDER BY i.administered_on DESC, i.id DESC");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, which == EMR_ALL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		imm_from_row(st, emr_list_push(out));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading immunizations");
}

/* ------------------------------------------------------------- retiring */

/* Per kind: the table, the query for the record's patient and status, and
 * the retiring UPDATE.  Literal SQL only: table names never come from
 * input. */
static const struct {
	const char *table, *label, *get_sql, *retire_sql;
} retire_info[] = {
	[EMR_REC_PROBLEM] = {"problems", "problem",
		"SELECT patient_id, status FROM problems WHERE id = ?1",
		"UPDATE problems SET status = 'entered-in-error', retired_at = ?1, retired_by = ?2, retired_reason = ?3,"
		" updated_at = ?1, version = version + 1 WHERE id = ?4"},
	[EMR_REC_ALLERGY] = {"allergies", "allergy",
		"SELECT patient_id, status FROM allergies WHERE id = ?1",
		"UPDATE allergies SET status = 'entered-in-error', retired_at = ?1, retired_by = ?2, retired_reason = ?3,"
		" updated_at = ?1, version = version + 1 WHERE id = ?4"},
	[EMR_REC_MEDICATION] = {"medications", "medication",
		"SELECT patient_id, status FROM medications WHERE id = ?1",
		"UPDATE medications SET status = 'entered-in-error', retired_at = ?1, retired_by = ?2, retired_reason = ?3,"
		" updated_at = ?1, version = version + 1 WHERE id = ?4"},
	[EMR_REC_OBSERVATION] = {"observations", "observation",
		"SELECT patient_id, status FROM observations WHERE id = ?1",
		"UPDATE observations SET status = 'entered-in-error', retired_at = ?1, retired_by = ?2, retired_reason = ?3"
		" WHERE id = ?4 OR (panel_id = (SELECT panel_id FROM observations WHERE id = ?4) AND status <> 'entered-in-error')"},
	[EMR_REC_IMMUNIZATION] = {"immunizations", "immunization",
		"SELECT patient_id, status FROM immunizations WHERE id = ?1",
		"UPDATE immunizations SET status = 'entered-in-error', retired_at = ?1, retired_by = ?2, retired_reason = ?3"
		" WHERE id = ?4"},
};

int emr_record_retire(emr_db *db, emr_record_kind kind, int64_t id, const char *reason)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "record-retire") != 0)
		return -1;
	if (!reason || !*reason) {
		emr_db_set_error(db, "reason: say why the record was entered in error");
		return -1;
	}
	if (check_text(db, "reason", reason, 500, true))
		return -1;
	sqlite3_stmt *get = emr_db_stmt(db, retire_info[kind].get_sql);
	if (!get)
		return -1;
	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		sqlite3_reset(get);
		emr_db_set_error(db, "no %s with id %lld", retire_info[kind].label, (long long)id);
		return -1;
	}
	int64_t patient_id = sqlite3_column_int64(get, 0);
	bool already = strcmp(emr_col_text(get, 1), "entered-in-error") == 0;
	sqlite3_reset(get);
	if (already) {
		emr_db_set_error(db, "%s %lld is already marked entered-in-error", retire_info[kind].label, (long long)id);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, retire_info[kind].retire_sql);
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	if (emr_db_actor_id(db))
		sqlite3_bind_int64(st, 2, emr_db_actor_id(db));
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, id);
	return finish_write(db, st, "retiring the record", "retire", retire_info[kind].table, &id, patient_id, reason);
}

/* ------------------------------------------------ imported attribution */

const char *emr_medication_prescriber_text(const emr_medication *m, char *buf, size_t size)
{
	if (*m->source_prescriber && !m->prescriber_id)
		snprintf(buf, size, "%s (outside)", m->source_prescriber);
	else if (m->imported && !m->prescriber_id)
		snprintf(buf, size, "%s", m->is_prescription ? "not named (outside)" : "");
	else
		snprintf(buf, size, "%s", m->prescriber);
	return buf;
}

const char *emr_problem_code_text(const emr_problem *p, char *buf, size_t size)
{
	if (*p->icd10)
		emr_icd10_display(p->icd10, buf, size);
	else if (*p->snomed)
		snprintf(buf, size, "SNOMED %s", p->snomed);
	else if (size)
		buf[0] = '\0';
	return buf;
}

/* ------------------------------------------------------------ procedures */

const char *emr_procedure_code_text(const emr_procedure *p, char *buf, size_t size)
{
	if (strcmp(p->code, "-") == 0)
		snprintf(buf, size, "%s", strcmp(p->code_system, "other") == 0 ? "" : p->code_system);
	else if (strcmp(p->code_system, "other") == 0)
		snprintf(buf, size, "%s", p->code);
	else
		snprintf(buf, size, "%s %s", p->code_system, p->code);
	return buf;
}

int emr_procedure_list(emr_db *db, int64_t patient_id, emr_which which, emr_procedures *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "procedure-list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT p.id, p.patient_id, ifnull(p.encounter_id, 0), p.code_system, p.code, p.description,"
		" ifnull(p.performed_start, ''), ifnull(p.performed_end, ''), p.status, p.performer, p.note, p.created_at,"
		" ifnull(p.retired_reason, ''),"
		" (SELECT r.source_file FROM fhir_received r WHERE r.mapped_table = 'procedures'"
		" AND r.mapped_id = p.id ORDER BY r.id LIMIT 1)"
		" FROM procedures p WHERE p.patient_id = ?1 AND (?2 OR p.status <> 'entered-in-error')"
		" ORDER BY p.performed_start IS NULL, p.performed_start DESC, p.id DESC");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, which == EMR_ALL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_procedure *p = emr_list_push(out);
		p->id = sqlite3_column_int64(st, 0);
		p->patient_id = sqlite3_column_int64(st, 1);
		p->encounter_id = sqlite3_column_int64(st, 2);
		emr_col_copy(st, 3, p->code_system, sizeof p->code_system);
		emr_col_copy(st, 4, p->code, sizeof p->code);
		emr_col_copy(st, 5, p->description, sizeof p->description);
		emr_col_copy(st, 6, p->performed_start, sizeof p->performed_start);
		emr_col_copy(st, 7, p->performed_end, sizeof p->performed_end);
		emr_col_copy(st, 8, p->status, sizeof p->status);
		emr_col_copy(st, 9, p->performer, sizeof p->performer);
		emr_col_copy(st, 10, p->note, sizeof p->note);
		emr_col_copy(st, 11, p->created_at, sizeof p->created_at);
		emr_col_copy(st, 12, p->retired_reason, sizeof p->retired_reason);
		/* NULL: no fhir_received row (a procedure made another way). */
		p->imported = sqlite3_column_type(st, 13) != SQLITE_NULL;
		emr_col_copy(st, 13, p->source_file, sizeof p->source_file);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading procedures");
}

int emr_procedure_retire(emr_db *db, int64_t id, const char *reason)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "procedure-retire") != 0)
		return -1;
	if (!reason || !*reason) {
		emr_db_set_error(db, "reason: say why the procedure was entered in error");
		return -1;
	}
	if (check_text(db, "reason", reason, 500, true))
		return -1;
	sqlite3_stmt *get = emr_db_stmt(db, "SELECT patient_id, status FROM procedures WHERE id = ?1");
	if (!get)
		return -1;
	sqlite3_bind_int64(get, 1, id);
	if (sqlite3_step(get) != SQLITE_ROW) {
		sqlite3_reset(get);
		emr_db_set_error(db, "no procedure with id %lld", (long long)id);
		return -1;
	}
	int64_t patient_id = sqlite3_column_int64(get, 0);
	bool already = strcmp(emr_col_text(get, 1), "entered-in-error") == 0;
	sqlite3_reset(get);
	if (already) {
		emr_db_set_error(db, "procedure %lld is already marked entered-in-error", (long long)id);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE procedures SET status = 'entered-in-error', retired_at = ?1, retired_by = ?2, retired_reason = ?3"
		" WHERE id = ?4");
	if (!st) {
		emr_tx_rollback(db);
		return -1;
	}
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	if (emr_db_actor_id(db))
		sqlite3_bind_int64(st, 2, emr_db_actor_id(db));
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, id);
	return finish_write(db, st, "retiring the procedure", "retire", "procedures", &id, patient_id, reason);
}
