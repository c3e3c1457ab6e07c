/* schema: the integrity rules of schema.sql, proved against a real
 * database.  Every refusal is checked three ways: SQLite refuses the
 * statement, the message names the rule that refused it, and the data is
 * exactly what it was before.  Fixtures are inserted with raw SQL so that
 * nothing in the C layer can mask a rule the schema fails to enforce. */
/* stdio.h first: testlib.h uses snprintf without including it. */
#include <stdio.h>

#include "testlib.h"

static test_env env;

#define NOW_SQL "'2026-11-25T15:00:00Z'"

/* ------------------------------------------------------------ helpers */

static void ok(const char *sql)
{
	test_exec(env.db, sql);
}

static const char *refused(const char *sql)
{
	return test_exec_fails(env.db, sql);
}

static long long num(const char *sql)
{
	return test_int(env.db, sql);
}

/* The first column of the first row as text ("<NULL>" for NULL), copied
 * into one of a few rotating static buffers so two calls can be compared. */
static const char *txt(const char *sql)
{
	static char bufs[4][1024];
	static int next;
	char *buf = bufs[next++ % 4];
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(env.db), sql, -1, &st, NULL), SQLITE_OK,
	             "%s: %s", sql, sqlite3_errmsg(emr_db_sqlite(env.db)));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(buf, 1024, "%s", t ? (const char *)t : "<NULL>");
	sqlite3_finalize(st);
	return buf;
}

/* The whole row, every column quoted, as one string: comparing it before
 * and after a refused statement proves nothing changed. */
static const char *row_snapshot(const char *table, long long id)
{
	static char bufs[4][4096];
	static int next;
	char *buf = bufs[next++ % 4];
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE id = %lld", table, id);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(env.db), sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		const unsigned char *t = sqlite3_column_text(st, i);
		int w = snprintf(buf + len, 4096 - len, "%s=%s[%d]|", sqlite3_column_name(st, i),
		                 t ? (const char *)t : "NULL", sqlite3_column_type(st, i));
		cr_assert(w > 0 && (size_t)w < 4096 - len, "row snapshot too long");
		len += (size_t)w;
	}
	sqlite3_finalize(st);
	return buf;
}

static long long count_rows(const char *table)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	return num(sql);
}

#define assert_mentions(msg, word) \
	cr_assert(strstr((msg), (word)) != NULL, "refusal \"%s\" does not mention \"%s\"", (msg), (word))

/* Fixtures every test may use: patient 1, encounter 1 (provider: user 1),
 * the systolic blood pressure LOINC code and one CVX vaccine code.  The
 * code rows are inserted only if practice creation did not load them. */
static void seed(void)
{
	ok("INSERT INTO patients(id, mrn, given_name, family_name, sex, dob, created_at, updated_at)"
	   " VALUES (1, 'T0001', 'Ada', 'Lovelace', 'female', '1980-03-14', " NOW_SQL ", " NOW_SQL ")");
	ok("INSERT INTO encounters(id, patient_id, provider_id, start_at, type, created_at)"
	   " VALUES (1, 1, 1, '2026-11-25T14:00:00Z', 'office', " NOW_SQL ")");
	ok("INSERT OR IGNORE INTO loinc(code, name, short_name, kind, unit, plausible_low, plausible_high, panel)"
	   " VALUES ('8480-6', 'Systolic blood pressure', 'SBP', 'vital', 'mm[Hg]', 40, 300, 'vitals')");
	ok("INSERT OR IGNORE INTO cvx(code, short_name, full_name)"
	   " VALUES ('140', 'Influenza, seasonal, injectable, preservative free', 'Influenza vaccine')");
}

static void setup(void)
{
	test_env_open(&env, false);
	seed();
}

static void teardown(void)
{
	test_env_close(&env);
}

TestSuite(schema, .init = setup, .fini = teardown);

/* A draft note (id 1) with text, and the same note signed. */
static void make_draft_note(void)
{
	ok("INSERT INTO notes(id, encounter_id, patient_id, author_id, body, created_at, updated_at)"
	   " VALUES (1, 1, 1, 1, 'S: cough for three days', " NOW_SQL ", " NOW_SQL ")");
}

static void make_signed_note(void)
{
	make_draft_note();
	ok("UPDATE notes SET status = 'signed', signed_by = 1, signed_at = '2026-11-25T15:30:00Z' WHERE id = 1");
	cr_assert_str_eq(txt("SELECT status FROM notes WHERE id = 1"), "signed");
}

/* ------------------------------------------------------------ notes */

Test(schema, signed_note_body_is_immutable)
{
	make_signed_note();
	const char *before = row_snapshot("notes", 1);
	const char *msg = refused("UPDATE notes SET body = 'S: cough for a week' WHERE id = 1");
	assert_mentions(msg, "immutable");
	cr_assert_str_eq(row_snapshot("notes", 1), before);
	cr_assert_str_eq(txt("SELECT body FROM notes WHERE id = 1"), "S: cough for three days");
}

Test(schema, signed_note_signature_is_immutable)
{
	make_signed_note();
	const char *before = row_snapshot("notes", 1);
	ok("INSERT INTO users(id, login, display_name, role, created_at)"
	   " VALUES (2, 'drother', 'Other Doctor', 'physician', " NOW_SQL ")");

	assert_mentions(refused("UPDATE notes SET signed_at = '2026-11-26T09:00:00Z' WHERE id = 1"), "immutable");
	assert_mentions(refused("UPDATE notes SET signed_by = 2 WHERE id = 1"), "immutable");
	/* Nor can it be "unsigned" back to a draft, or retired. */
	assert_mentions(refused("UPDATE notes SET status = 'draft', signed_by = NULL, signed_at = NULL WHERE id = 1"),
	                "immutable");
	assert_mentions(refused("UPDATE notes SET status = 'entered-in-error', retired_at = " NOW_SQL ","
	                        " retired_by = 1, retired_reason = 'wrong patient' WHERE id = 1"), "immutable");
	cr_assert_str_eq(row_snapshot("notes", 1), before);
	cr_assert_str_eq(txt("SELECT signed_at FROM notes WHERE id = 1"), "2026-11-25T15:30:00Z");
	cr_assert_eq(num("SELECT signed_by FROM notes WHERE id = 1"), 1);
}

Test(schema, signed_note_cannot_be_deleted)
{
	make_signed_note();
	const char *msg = refused("DELETE FROM notes WHERE id = 1");
	assert_mentions(msg, "never deleted");
	cr_assert_eq(count_rows("notes"), 1);
}

Test(schema, draft_note_cannot_be_deleted)
{
	make_draft_note();
	assert_mentions(refused("DELETE FROM notes WHERE id = 1"), "never deleted");
	cr_assert_eq(count_rows("notes"), 1);
}

Test(schema, draft_note_can_be_edited)
{
	make_draft_note();
	ok("UPDATE notes SET body = 'S: cough for three days, no fever', version = version + 1,"
	   " updated_at = '2026-11-25T15:10:00Z' WHERE id = 1");
	cr_assert_str_eq(txt("SELECT body FROM notes WHERE id = 1"), "S: cough for three days, no fever");
	cr_assert_eq(num("SELECT version FROM notes WHERE id = 1"), 2);
	cr_assert_str_eq(txt("SELECT status FROM notes WHERE id = 1"), "draft");
}

Test(schema, empty_note_cannot_be_signed)
{
	ok("INSERT INTO notes(id, encounter_id, patient_id, author_id, body, created_at, updated_at)"
	   " VALUES (1, 1, 1, 1, '', " NOW_SQL ", " NOW_SQL "),"
	   "        (2, 1, 1, 1, '    ', " NOW_SQL ", " NOW_SQL ")");
	const char *before1 = row_snapshot("notes", 1), *before2 = row_snapshot("notes", 2);
	assert_mentions(refused("UPDATE notes SET status = 'signed', signed_by = 1, signed_at = " NOW_SQL " WHERE id = 1"),
	                "empty note cannot be signed");
	assert_mentions(refused("UPDATE notes SET status = 'signed', signed_by = 1, signed_at = " NOW_SQL " WHERE id = 2"),
	                "empty note cannot be signed");
	cr_assert_str_eq(row_snapshot("notes", 1), before1);
	cr_assert_str_eq(row_snapshot("notes", 2), before2);
}

/* A body of nothing but line breaks and tabs has no text either. */
Test(schema, whitespace_only_note_cannot_be_signed)
{
	ok("INSERT INTO notes(id, encounter_id, patient_id, author_id, body, created_at, updated_at)"
	   " VALUES (1, 1, 1, 1, char(10, 9, 10, 13, 10), " NOW_SQL ", " NOW_SQL ")");
	const char *before = row_snapshot("notes", 1);
	assert_mentions(refused("UPDATE notes SET status = 'signed', signed_by = 1, signed_at = " NOW_SQL " WHERE id = 1"),
	                "empty note cannot be signed");
	cr_assert_str_eq(row_snapshot("notes", 1), before);
}

/* "Only a draft with text can be signed": a note cannot skip the draft
 * state by being inserted already signed with no text. */
Test(schema, note_inserted_as_signed_needs_text)
{
	const char *msg = refused("INSERT INTO notes(id, encounter_id, patient_id, author_id, body, status, signed_by,"
	                          " signed_at, created_at, updated_at)"
	                          " VALUES (1, 1, 1, 1, '', 'signed', 1, " NOW_SQL ", " NOW_SQL ", " NOW_SQL ")");
	assert_mentions(msg, "empty note cannot be signed");
	cr_assert_eq(count_rows("notes"), 0);
}

Test(schema, signing_needs_signer_and_time)
{
	make_draft_note();
	const char *before = row_snapshot("notes", 1);
	assert_mentions(refused("UPDATE notes SET status = 'signed' WHERE id = 1"), "signed_by IS NOT NULL");
	assert_mentions(refused("UPDATE notes SET status = 'signed', signed_by = 1 WHERE id = 1"), "signed_at IS NOT NULL");
	cr_assert_str_eq(row_snapshot("notes", 1), before);
}

Test(schema, addendum_on_draft_is_refused)
{
	make_draft_note();
	const char *msg = refused("INSERT INTO note_addenda(note_id, author_id, body, created_at)"
	                          " VALUES (1, 1, 'Addendum: BP rechecked', " NOW_SQL ")");
	assert_mentions(msg, "signed notes only");
	cr_assert_eq(count_rows("note_addenda"), 0);
}

Test(schema, addendum_on_missing_note_is_refused)
{
	const char *msg = refused("INSERT INTO note_addenda(note_id, author_id, body, created_at)"
	                          " VALUES (42, 1, 'Addendum to nothing', " NOW_SQL ")");
	assert_mentions(msg, "signed notes only");
	cr_assert_eq(count_rows("note_addenda"), 0);
}

Test(schema, addendum_on_signed_note_is_accepted)
{
	make_signed_note();
	ok("INSERT INTO note_addenda(id, note_id, author_id, body, created_at)"
	   " VALUES (1, 1, 1, 'Addendum: BP rechecked 128/82', '2026-11-25T16:00:00Z')");
	cr_assert_eq(count_rows("note_addenda"), 1);
	cr_assert_str_eq(txt("SELECT body FROM note_addenda WHERE id = 1"), "Addendum: BP rechecked 128/82");
	/* The note itself is untouched by its addendum. */
	cr_assert_str_eq(txt("SELECT body FROM notes WHERE id = 1"), "S: cough for three days");
}

Test(schema, empty_addendum_is_refused)
{
	make_signed_note();
	assert_mentions(refused("INSERT INTO note_addenda(note_id, author_id, body, created_at)"
	                        " VALUES (1, 1, '   ', " NOW_SQL ")"), "trim(body");
	assert_mentions(refused("INSERT INTO note_addenda(note_id, author_id, body, created_at)"
	                        " VALUES (1, 1, char(10, 9, 13, 10), " NOW_SQL ")"), "trim(body");
	cr_assert_eq(count_rows("note_addenda"), 0);
}

Test(schema, addendum_is_immutable_and_never_deleted)
{
	make_signed_note();
	ok("INSERT INTO note_addenda(id, note_id, author_id, body, created_at)"
	   " VALUES (1, 1, 1, 'Addendum: BP rechecked 128/82', '2026-11-25T16:00:00Z')");
	const char *before = row_snapshot("note_addenda", 1);
	assert_mentions(refused("UPDATE note_addenda SET body = 'Addendum: BP 150/95' WHERE id = 1"), "immutable");
	assert_mentions(refused("UPDATE note_addenda SET created_at = '2026-11-24T16:00:00Z' WHERE id = 1"), "immutable");
	assert_mentions(refused("DELETE FROM note_addenda WHERE id = 1"), "never deleted");
	cr_assert_str_eq(row_snapshot("note_addenda", 1), before);
	cr_assert_eq(count_rows("note_addenda"), 1);
}

Test(schema, draft_note_can_be_retired)
{
	make_draft_note();
	ok("UPDATE notes SET status = 'entered-in-error', retired_at = " NOW_SQL ", retired_by = 1,"
	   " retired_reason = 'wrong patient' WHERE id = 1");
	cr_assert_str_eq(txt("SELECT status FROM notes WHERE id = 1"), "entered-in-error");
}

/* Like every other clinical record, a note entered in error stays so:
 * it cannot be revived as a draft (and then signed). */
Test(schema, retired_note_cannot_be_changed)
{
	make_draft_note();
	ok("UPDATE notes SET status = 'entered-in-error', retired_at = " NOW_SQL ", retired_by = 1,"
	   " retired_reason = 'wrong patient' WHERE id = 1");
	const char *before = row_snapshot("notes", 1);
	const char *msg = refused("UPDATE notes SET status = 'draft', retired_at = NULL, retired_by = NULL,"
	                          " retired_reason = NULL WHERE id = 1");
	assert_mentions(msg, "cannot be changed");
	cr_assert_str_eq(row_snapshot("notes", 1), before);
}

/* ------------------------------------------------------------ audit log */

#define HASH_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define HASH_0 "0000000000000000000000000000000000000000000000000000000000000000"

Test(schema, audit_log_is_append_only)
{
	ok("INSERT INTO audit_events(id, at, user_id, login, action, entity, entity_id, patient_id, detail, prev_hash, hash)"
	   " VALUES (9001, " NOW_SQL ", 1, 'drtest', 'open-chart', 'patients', 1, 1, '', '" HASH_0 "', '" HASH_A "')");
	long long n = count_rows("audit_events");
	const char *before = row_snapshot("audit_events", 9001);

	assert_mentions(refused("UPDATE audit_events SET detail = 'nothing to see' WHERE id = 9001"), "append-only");
	assert_mentions(refused("UPDATE audit_events SET hash = '" HASH_B "' WHERE id = 9001"), "append-only");
	assert_mentions(refused("DELETE FROM audit_events WHERE id = 9001"), "append-only");
	assert_mentions(refused("DELETE FROM audit_events"), "append-only");
	cr_assert_str_eq(row_snapshot("audit_events", 9001), before);
	cr_assert_eq(count_rows("audit_events"), n);
}

Test(schema, audit_hash_must_be_64_chars)
{
	long long n = count_rows("audit_events");
	assert_mentions(refused("INSERT INTO audit_events(at, login, action, prev_hash, hash)"
	                        " VALUES (" NOW_SQL ", 'drtest', 'login', '" HASH_0 "', 'abc')"), "length(hash) = 64");
	assert_mentions(refused("INSERT INTO audit_events(at, login, action, prev_hash, hash)"
	                        " VALUES (" NOW_SQL ", 'drtest', 'login', 'abc', '" HASH_A "')"), "length(prev_hash) = 64");
	assert_mentions(refused("INSERT INTO audit_events(at, login, action, prev_hash, hash)"
	                        " VALUES (" NOW_SQL ", 'drtest', 'delete', '" HASH_0 "', '" HASH_A "')"), "action IN");
	cr_assert_eq(count_rows("audit_events"), n);
}

/* ------------------------------------------------- clinical records */

/* Each clinical table: how to insert record 1, a harmless edit, and what
 * DELETE says. */
typedef struct clinical_table {
	const char *table;
	const char *insert;
	const char *edit;
} clinical_table;

static const clinical_table PROBLEMS = {
	"problems",
	"INSERT INTO problems(id, patient_id, snomed, description, recorded_by, created_at, updated_at)"
	" VALUES (1, 1, '38341003', 'Essential hypertension', 1, " NOW_SQL ", " NOW_SQL ")",
	"UPDATE problems SET note = 'home readings high' WHERE id = 1",
};
static const clinical_table ALLERGIES = {
	"allergies",
	"INSERT INTO allergies(id, patient_id, substance, reaction, severity, recorded_by, created_at, updated_at)"
	" VALUES (1, 1, 'penicillin', 'hives', 'moderate', 1, " NOW_SQL ", " NOW_SQL ")",
	"UPDATE allergies SET reaction = 'rash' WHERE id = 1",
};
static const clinical_table MEDICATIONS = {
	"medications",
	"INSERT INTO medications(id, patient_id, encounter_id, drug, strength, sig, prescriber_id, is_prescription,"
	" created_at, updated_at)"
	" VALUES (1, 1, 1, 'lisinopril', '10 mg', 'Take 1 tablet by mouth daily', 1, 1, " NOW_SQL ", " NOW_SQL ")",
	"UPDATE medications SET sig = 'Take 2 tablets by mouth daily' WHERE id = 1",
};
static const clinical_table OBSERVATIONS = {
	"observations",
	"INSERT INTO observations(id, patient_id, encounter_id, loinc, value_num, unit, effective_at, recorded_by, created_at)"
	" VALUES (1, 1, 1, '8480-6', 128, 'mm[Hg]', '2026-11-25T14:10:00Z', 1, " NOW_SQL ")",
	"UPDATE observations SET value_num = 130 WHERE id = 1",
};
static const clinical_table IMMUNIZATIONS = {
	"immunizations",
	"INSERT INTO immunizations(id, patient_id, encounter_id, cvx, administered_on, lot, site, route, performer_id,"
	" created_at)"
	" VALUES (1, 1, 1, '140', '2026-11-25', 'LOT123', 'left deltoid', 'IM', 1, " NOW_SQL ")",
	"UPDATE immunizations SET lot = 'LOT999' WHERE id = 1",
};
/* Encounter 1 exists from seed(). */
static const clinical_table ENCOUNTERS = {
	"encounters",
	NULL,
	"UPDATE encounters SET reason = 'follow-up of blood pressure' WHERE id = 1",
};

static void insert_record(const clinical_table *t)
{
	if (t->insert)
		ok(t->insert);
}

static void retire_sql(const clinical_table *t, const char *reason_sql, char *buf, size_t n)
{
	snprintf(buf, n,
	         "UPDATE %s SET status = 'entered-in-error', retired_at = " NOW_SQL ", retired_by = 1,"
	         " retired_reason = %s WHERE id = 1", t->table, reason_sql);
}

static void check_never_deleted(const clinical_table *t, const char *expect)
{
	insert_record(t);
	long long n = count_rows(t->table);
	const char *before = row_snapshot(t->table, 1);
	char sql[128];
	snprintf(sql, sizeof sql, "DELETE FROM %s WHERE id = 1", t->table);
	assert_mentions(refused(sql), expect);
	snprintf(sql, sizeof sql, "DELETE FROM %s", t->table);
	assert_mentions(refused(sql), expect);
	cr_assert_eq(count_rows(t->table), n);
	cr_assert_str_eq(row_snapshot(t->table, 1), before);
}

static void check_retire(const clinical_table *t)
{
	insert_record(t);
	ok(t->edit); /* a live record can be edited */
	char sql[512];
	retire_sql(t, "'duplicate entry'", sql, sizeof sql);
	ok(sql);
	snprintf(sql, sizeof sql, "SELECT status || '/' || retired_at || '/' || retired_reason FROM %s WHERE id = 1",
	         t->table);
	cr_assert_str_eq(txt(sql), "entered-in-error/2026-11-25T15:00:00Z/duplicate entry");
	cr_assert_eq(count_rows(t->table), 1);
}

static void check_retire_needs_reason(const clinical_table *t)
{
	insert_record(t);
	const char *before = row_snapshot(t->table, 1);
	char sql[512];
	retire_sql(t, "NULL", sql, sizeof sql);
	assert_mentions(refused(sql), "retired_reason");
	retire_sql(t, "''", sql, sizeof sql);
	assert_mentions(refused(sql), "retired_reason");
	/* Without a time either. */
	snprintf(sql, sizeof sql, "UPDATE %s SET status = 'entered-in-error', retired_reason = 'dup' WHERE id = 1", t->table);
	assert_mentions(refused(sql), "retired_at IS NOT NULL");
	/* And a reason without the status is not a retirement either. */
	snprintf(sql, sizeof sql, "UPDATE %s SET retired_at = " NOW_SQL ", retired_reason = 'dup' WHERE id = 1", t->table);
	assert_mentions(refused(sql), "entered-in-error");
	cr_assert_str_eq(row_snapshot(t->table, 1), before);
}

static void check_stays_retired(const clinical_table *t, const char *revive)
{
	insert_record(t);
	char sql[512];
	retire_sql(t, "'duplicate entry'", sql, sizeof sql);
	ok(sql);
	const char *before = row_snapshot(t->table, 1);
	assert_mentions(refused(t->edit), "cannot be changed");
	assert_mentions(refused(revive), "cannot be changed");
	snprintf(sql, sizeof sql, "UPDATE %s SET retired_reason = 'something else' WHERE id = 1", t->table);
	assert_mentions(refused(sql), "cannot be changed");
	cr_assert_str_eq(row_snapshot(t->table, 1), before);
}

Test(schema, patients_are_never_deleted)
{
	long long n = count_rows("patients");
	const char *before = row_snapshot("patients", 1);
	assert_mentions(refused("DELETE FROM patients WHERE id = 1"), "never deleted");
	assert_mentions(refused("DELETE FROM patients"), "never deleted");
	cr_assert_eq(count_rows("patients"), n);
	cr_assert_str_eq(row_snapshot("patients", 1), before);
}

#define CLINICAL_TESTS(name, T, revive)                                                   \
	Test(schema, name##_are_never_deleted) { check_never_deleted(&T, "never deleted"); } \
	Test(schema, name##_can_be_retired) { check_retire(&T); }                            \
	Test(schema, name##_retirement_needs_time_and_reason) { check_retire_needs_reason(&T); } \
	Test(schema, name##_stay_retired) { check_stays_retired(&T, revive); }

CLINICAL_TESTS(problems, PROBLEMS,
               "UPDATE problems SET status = 'active', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = 1")
CLINICAL_TESTS(allergies, ALLERGIES,
               "UPDATE allergies SET status = 'active', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = 1")
CLINICAL_TESTS(medications, MEDICATIONS,
               "UPDATE medications SET status = 'active', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = 1")
CLINICAL_TESTS(observations, OBSERVATIONS,
               "UPDATE observations SET status = 'final', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = 1")
CLINICAL_TESTS(immunizations, IMMUNIZATIONS,
               "UPDATE immunizations SET status = 'completed', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = 1")
CLINICAL_TESTS(encounters, ENCOUNTERS,
               "UPDATE encounters SET status = 'finished', retired_at = NULL, retired_by = NULL, retired_reason = NULL WHERE id = 1")

/* ------------------------------------------------------------ dates */

static const char *insert_patient_dob(const char *dob, bool expect_ok)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "INSERT INTO patients(id, mrn, given_name, family_name, sex, dob, created_at, updated_at)"
	         " VALUES (2, 'T0002', 'Bo', 'Test', 'male', '%s', " NOW_SQL ", " NOW_SQL ")", dob);
	if (expect_ok) {
		ok(sql);
		return NULL;
	}
	long long n = count_rows("patients");
	const char *msg = refused(sql);
	cr_assert_eq(count_rows("patients"), n, "dob '%s' left a row behind", dob);
	cr_assert_eq(num("SELECT count(*) FROM patients WHERE id = 2"), 0);
	return msg;
}

Test(schema, dob_that_does_not_exist_is_refused)
{
	assert_mentions(insert_patient_dob("2023-02-30", false), "dob");
	assert_mentions(insert_patient_dob("2023-04-31", false), "dob");
}

Test(schema, dob_leap_day_only_in_leap_years)
{
	assert_mentions(insert_patient_dob("2023-02-29", false), "dob");
	assert_mentions(insert_patient_dob("1900-02-29", false), "dob");
	insert_patient_dob("2024-02-29", true);
	cr_assert_str_eq(txt("SELECT dob FROM patients WHERE id = 2"), "2024-02-29");
}

/* Shapes SQLite's date() cannot parse at all make date() return NULL; a
 * CHECK that compares with NULL is not violated, so these must be caught
 * by an explicit test in the constraint. */
Test(schema, dob_unpadded_is_refused)
{
	assert_mentions(insert_patient_dob("2023-2-3", false), "dob");
}

Test(schema, dob_month_13_and_day_32_are_refused)
{
	assert_mentions(insert_patient_dob("2023-13-01", false), "dob");
	assert_mentions(insert_patient_dob("2023-01-32", false), "dob");
	assert_mentions(insert_patient_dob("2023-00-10", false), "dob");
}

Test(schema, dob_other_shapes_are_refused)
{
	assert_mentions(insert_patient_dob("2023-02-03T00:00:00Z", false), "dob");
	assert_mentions(insert_patient_dob("03/02/2023", false), "dob");
	assert_mentions(insert_patient_dob("", false), "dob");
	assert_mentions(insert_patient_dob("1879-12-31", false), "dob");
}

Test(schema, dob_garbage_is_refused)
{
	assert_mentions(insert_patient_dob("yesterday", false), "dob");
	assert_mentions(insert_patient_dob("2023/02/03", false), "dob");
}

static const char *insert_encounter_at(const char *start_at)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "INSERT INTO encounters(id, patient_id, provider_id, start_at, type, created_at)"
	         " VALUES (2, 1, 1, '%s', 'office', " NOW_SQL ")", start_at);
	long long n = count_rows("encounters");
	const char *msg = refused(sql);
	cr_assert_eq(count_rows("encounters"), n, "start_at '%s' left a row behind", start_at);
	return msg;
}

Test(schema, instant_must_be_utc_iso)
{
	assert_mentions(insert_encounter_at("2026-11-25 10:00:00"), "start_at");
	assert_mentions(insert_encounter_at("2026-11-25T10:00:00"), "start_at");
	assert_mentions(insert_encounter_at("2026-11-25T10:00Z"), "start_at");
	assert_mentions(insert_encounter_at("2026-11-25T10:00:00.500Z"), "start_at");
	assert_mentions(insert_encounter_at("2026-11-25T10:00:00+01:00"), "start_at");
	assert_mentions(insert_encounter_at("2026-02-30T10:00:00Z"), "start_at");
	/* and the well-formed one is accepted */
	ok("INSERT INTO encounters(id, patient_id, provider_id, start_at, type, created_at)"
	   " VALUES (2, 1, 1, '2026-11-25T10:00:00Z', 'office', " NOW_SQL ")");
}

Test(schema, instant_unparseable_is_refused)
{
	assert_mentions(insert_encounter_at("2026-11-25T25:00:00Z"), "start_at");
	assert_mentions(insert_encounter_at("soon"), "start_at");
}

/* ------------------------------------------------------------ money */

Test(schema, money_must_be_integer_cents)
{
	ok("INSERT INTO fee_schedule(code, code_system, description, fee_cents) VALUES ('99213', 'CPT', 'Office visit', 11000)");
	long long n = count_rows("fee_schedule");
	assert_mentions(refused("INSERT INTO fee_schedule(code, code_system, description, fee_cents)"
	                        " VALUES ('99214', 'CPT', 'Office visit', 12.5)"), "INTEGER");
	assert_mentions(refused("INSERT INTO fee_schedule(code, code_system, description, fee_cents)"
	                        " VALUES ('99214', 'CPT', 'Office visit', '12.50')"), "INTEGER");
	assert_mentions(refused("INSERT INTO fee_schedule(code, code_system, description, fee_cents)"
	                        " VALUES ('99214', 'CPT', 'Office visit', '$100')"), "INTEGER");
	assert_mentions(refused("UPDATE fee_schedule SET fee_cents = 110.25 WHERE code = '99213'"), "INTEGER");
	cr_assert_eq(count_rows("fee_schedule"), n);
	cr_assert_eq(num("SELECT fee_cents FROM fee_schedule WHERE code = '99213'"), 11000);
	cr_assert_str_eq(txt("SELECT typeof(fee_cents) FROM fee_schedule WHERE code = '99213'"), "integer");
}

/* A STRICT table converts text that is exactly an integer ('100') into the
 * integer, losslessly; it never stores the text.  The rule that matters
 * is that a money column holds nothing but an integer. */
Test(schema, money_text_is_never_stored_as_text)
{
	const char *sql = "INSERT INTO fee_schedule(code, code_system, description, fee_cents)"
	                  " VALUES ('99214', 'CPT', 'Office visit', '100')";
	char *msg = NULL;
	int rc = sqlite3_exec(emr_db_sqlite(env.db), sql, NULL, NULL, &msg);
	if (rc == SQLITE_OK) {
		cr_assert_str_eq(txt("SELECT typeof(fee_cents) FROM fee_schedule WHERE code = '99214'"), "integer");
		cr_assert_eq(num("SELECT fee_cents FROM fee_schedule WHERE code = '99214'"), 100);
	} else {
		cr_assert(msg && strstr(msg, "INTEGER"), "unexpected refusal: %s", msg ? msg : "");
		cr_assert_eq(num("SELECT count(*) FROM fee_schedule WHERE code = '99214'"), 0);
	}
	sqlite3_free(msg);
	cr_assert_eq(num("SELECT count(*) FROM fee_schedule WHERE typeof(fee_cents) <> 'integer'"), 0);
}

Test(schema, negative_fee_is_refused)
{
	long long n = count_rows("fee_schedule");
	assert_mentions(refused("INSERT INTO fee_schedule(code, code_system, description, fee_cents)"
	                        " VALUES ('99213', 'CPT', 'Office visit', -1)"), "fee_cents >= 0");
	cr_assert_eq(count_rows("fee_schedule"), n);
	ok("INSERT INTO fee_schedule(code, code_system, description, fee_cents) VALUES ('99213', 'CPT', 'Office visit', 0)");
	assert_mentions(refused("INSERT INTO charges(encounter_id, code, fee_cents, created_at)"
	                        " VALUES (1, '99213', -500, " NOW_SQL ")"), "fee_cents >= 0");
	cr_assert_eq(count_rows("charges"), 0);
}

/* ------------------------------------------------------------ enumerations */

Test(schema, enumerations_are_checked)
{
	long long np = count_rows("patients"), nu = count_rows("users");
	assert_mentions(refused("INSERT INTO patients(id, mrn, given_name, family_name, sex, dob, created_at, updated_at)"
	                        " VALUES (2, 'T0002', 'Bo', 'Test', 'x', '1990-01-01', " NOW_SQL ", " NOW_SQL ")"), "sex IN");
	assert_mentions(refused("INSERT INTO patients(id, mrn, given_name, family_name, sex, dob, created_at, updated_at)"
	                        " VALUES (2, 'T0002', 'Bo', 'Test', 'Female', '1990-01-01', " NOW_SQL ", " NOW_SQL ")"), "sex IN");
	assert_mentions(refused("INSERT INTO users(login, display_name, role, created_at)"
	                        " VALUES ('root2', 'Root', 'admin', " NOW_SQL ")"), "role IN");
	assert_mentions(refused("UPDATE users SET role = 'admin' WHERE id = 1"), "role IN");
	assert_mentions(refused("INSERT INTO notes(encounter_id, patient_id, author_id, body, status, created_at, updated_at)"
	                        " VALUES (1, 1, 1, 'x', 'final', " NOW_SQL ", " NOW_SQL ")"), "status IN");
	cr_assert_eq(count_rows("patients"), np);
	cr_assert_eq(count_rows("users"), nu);
	cr_assert_eq(count_rows("notes"), 0);
	cr_assert_str_eq(txt("SELECT role FROM users WHERE id = 1"), "physician");
}

/* ------------------------------------------------------------ foreign keys */

Test(schema, foreign_keys_are_enforced)
{
	cr_assert_eq(num("PRAGMA foreign_keys"), 1);
	assert_mentions(refused("INSERT INTO problems(patient_id, snomed, description, created_at, updated_at)"
	                        " VALUES (999, '38341003', 'Essential hypertension', " NOW_SQL ", " NOW_SQL ")"),
	                "FOREIGN KEY");
	cr_assert_eq(count_rows("problems"), 0);
	assert_mentions(refused("INSERT INTO observations(patient_id, loinc, value_num, unit, effective_at, created_at)"
	                        " VALUES (1, '99999-9', 5, '', " NOW_SQL ", " NOW_SQL ")"), "FOREIGN KEY");
	cr_assert_eq(count_rows("observations"), 0);
	assert_mentions(refused("INSERT INTO notes(encounter_id, patient_id, author_id, body, created_at, updated_at)"
	                        " VALUES (77, 1, 1, 'x', " NOW_SQL ", " NOW_SQL ")"), "FOREIGN KEY");
	cr_assert_eq(count_rows("notes"), 0);
}

/* ------------------------------------------------------------ plausibility */

Test(schema, implausible_observation_is_refused)
{
	cr_assert_str_eq(txt("SELECT unit FROM loinc WHERE code = '8480-6'"), "mm[Hg]");
	assert_mentions(refused("INSERT INTO observations(patient_id, encounter_id, loinc, value_num, unit, effective_at, created_at)"
	                        " VALUES (1, 1, '8480-6', 900, 'mm[Hg]', '2026-11-25T14:10:00Z', " NOW_SQL ")"), "plausible");
	assert_mentions(refused("INSERT INTO observations(patient_id, encounter_id, loinc, value_num, unit, effective_at, created_at)"
	                        " VALUES (1, 1, '8480-6', 4, 'mm[Hg]', '2026-11-25T14:10:00Z', " NOW_SQL ")"), "plausible");
	cr_assert_eq(count_rows("observations"), 0);
	ok("INSERT INTO observations(patient_id, encounter_id, loinc, value_num, unit, effective_at, created_at)"
	   " VALUES (1, 1, '8480-6', 182, 'mm[Hg]', '2026-11-25T14:10:00Z', " NOW_SQL ")");
	cr_assert_eq(count_rows("observations"), 1);
}

/* ------------------------------------------------------------ appointments */

static void book(int id, const char *start, int minutes, int overbook)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "INSERT INTO appointments(id, patient_id, provider_id, start_at, duration_min, overbook, created_at, updated_at)"
	         " VALUES (%d, 1, 1, '%s', %d, %d, " NOW_SQL ", " NOW_SQL ")", id, start, minutes, overbook);
	ok(sql);
}

static void book_refused(int id, const char *start, int minutes)
{
	char sql[512];
	snprintf(sql, sizeof sql,
	         "INSERT INTO appointments(id, patient_id, provider_id, start_at, duration_min, created_at, updated_at)"
	         " VALUES (%d, 1, 1, '%s', %d, " NOW_SQL ", " NOW_SQL ")", id, start, minutes);
	long long n = count_rows("appointments");
	assert_mentions(refused(sql), "already has an appointment");
	cr_assert_eq(count_rows("appointments"), n);
}

Test(schema, overlapping_appointment_is_refused)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	book_refused(2, "2026-11-30T14:00:00Z", 15);  /* same start */
	book_refused(2, "2026-11-30T14:15:00Z", 30);  /* starts inside */
	book_refused(2, "2026-11-30T13:45:00Z", 30);  /* ends inside */
	book_refused(2, "2026-11-30T13:00:00Z", 120); /* contains it */
	cr_assert_eq(count_rows("appointments"), 1);
}

Test(schema, overbook_is_accepted)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	book(2, "2026-11-30T14:00:00Z", 15, 1);
	cr_assert_eq(count_rows("appointments"), 2);
}

Test(schema, adjacent_appointments_are_accepted)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	book(2, "2026-11-30T14:30:00Z", 15, 0);  /* starts when 1 ends */
	book(3, "2026-11-30T13:45:00Z", 15, 0);  /* ends when 1 starts */
	cr_assert_eq(count_rows("appointments"), 3);
}

Test(schema, another_provider_is_not_blocked)
{
	ok("INSERT INTO users(id, login, display_name, role, created_at)"
	   " VALUES (2, 'drother', 'Other Doctor', 'physician', " NOW_SQL ")");
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	ok("INSERT INTO appointments(id, patient_id, provider_id, start_at, duration_min, created_at, updated_at)"
	   " VALUES (2, 1, 2, '2026-11-30T14:00:00Z', 30, " NOW_SQL ", " NOW_SQL ")");
	cr_assert_eq(count_rows("appointments"), 2);
}

Test(schema, cancelled_appointment_does_not_block)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	ok("UPDATE appointments SET status = 'cancelled', cancel_reason = 'patient called' WHERE id = 1");
	book(2, "2026-11-30T14:00:00Z", 30, 0);
	cr_assert_eq(count_rows("appointments"), 2);
	/* Reinstating the cancelled one would now double-book: refused. */
	const char *before = row_snapshot("appointments", 1);
	assert_mentions(refused("UPDATE appointments SET status = 'booked', cancel_reason = NULL WHERE id = 1"),
	                "already has an appointment");
	cr_assert_str_eq(row_snapshot("appointments", 1), before);
}

Test(schema, cancellation_needs_reason)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	const char *before = row_snapshot("appointments", 1);
	assert_mentions(refused("UPDATE appointments SET status = 'cancelled' WHERE id = 1"), "cancel_reason");
	cr_assert_str_eq(row_snapshot("appointments", 1), before);
}

Test(schema, moving_into_an_overlap_is_refused)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	book(2, "2026-11-30T15:00:00Z", 30, 0);
	const char *before = row_snapshot("appointments", 2);
	assert_mentions(refused("UPDATE appointments SET start_at = '2026-11-30T14:15:00Z' WHERE id = 2"),
	                "already has an appointment");
	assert_mentions(refused("UPDATE appointments SET duration_min = 90, start_at = '2026-11-30T13:00:00Z' WHERE id = 2"),
	                "already has an appointment");
	cr_assert_str_eq(row_snapshot("appointments", 2), before);
	/* moving within its own slot does not collide with itself */
	ok("UPDATE appointments SET start_at = '2026-11-30T15:10:00Z' WHERE id = 2");
}

Test(schema, appointments_are_never_deleted)
{
	book(1, "2026-11-30T14:00:00Z", 30, 0);
	assert_mentions(refused("DELETE FROM appointments WHERE id = 1"), "never deleted");
	cr_assert_eq(count_rows("appointments"), 1);
}

/* ------------------------------------------------------------ billing */

static void make_invoice(void)
{
	ok("INSERT INTO fee_schedule(code, code_system, description, fee_cents) VALUES ('99213', 'CPT', 'Office visit', 11000)");
	ok("INSERT INTO invoices(id, patient_id, encounter_id, number, service_date, total_cents, issued_at, issued_by)"
	   " VALUES (1, 1, 1, 'INV-000001', '2026-11-25', 11000, " NOW_SQL ", 1)");
	ok("INSERT INTO charges(id, encounter_id, code, fee_cents, invoice_id, status, created_at)"
	   " VALUES (1, 1, '99213', 11000, 1, 'invoiced', " NOW_SQL ")");
	ok("INSERT INTO ledger(id, patient_id, invoice_id, kind, amount_cents, posted_at, posted_by)"
	   " VALUES (1, 1, 1, 'charge', 11000, " NOW_SQL ", 1)");
}

Test(schema, invoices_are_immutable)
{
	make_invoice();
	const char *before = row_snapshot("invoices", 1);
	assert_mentions(refused("UPDATE invoices SET total_cents = 0 WHERE id = 1"), "immutable");
	assert_mentions(refused("UPDATE invoices SET number = 'INV-000002' WHERE id = 1"), "immutable");
	assert_mentions(refused("DELETE FROM invoices WHERE id = 1"), "never deleted");
	cr_assert_str_eq(row_snapshot("invoices", 1), before);
	cr_assert_eq(count_rows("invoices"), 1);
}

Test(schema, invoiced_charges_are_immutable)
{
	make_invoice();
	const char *before = row_snapshot("charges", 1);
	assert_mentions(refused("UPDATE charges SET fee_cents = 1 WHERE id = 1"), "immutable");
	assert_mentions(refused("DELETE FROM charges WHERE id = 1"), "never deleted");
	cr_assert_str_eq(row_snapshot("charges", 1), before);
}

Test(schema, ledger_is_append_only)
{
	make_invoice();
	const char *before = row_snapshot("ledger", 1);
	assert_mentions(refused("UPDATE ledger SET amount_cents = 1 WHERE id = 1"), "append-only");
	assert_mentions(refused("DELETE FROM ledger WHERE id = 1"), "append-only");
	cr_assert_str_eq(row_snapshot("ledger", 1), before);
	cr_assert_eq(count_rows("ledger"), 1);
	cr_assert_eq(num("SELECT sum(amount_cents) FROM ledger WHERE patient_id = 1"), 11000);
}

Test(schema, payment_must_be_negative_with_method)
{
	make_invoice();
	assert_mentions(refused("INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, method, posted_at)"
	                        " VALUES (1, 1, 'payment', 2500, 'card', " NOW_SQL ")"), "payment");
	assert_mentions(refused("INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, method, posted_at)"
	                        " VALUES (1, 1, 'payment', 0, 'card', " NOW_SQL ")"), "payment");
	assert_mentions(refused("INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, posted_at)"
	                        " VALUES (1, 1, 'payment', -2500, " NOW_SQL ")"), "payment");
	assert_mentions(refused("INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, posted_at)"
	                        " VALUES (1, 1, 'charge', -2500, " NOW_SQL ")"), "charge");
	cr_assert_eq(count_rows("ledger"), 1);
	ok("INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, method, posted_at)"
	   " VALUES (1, 1, 'payment', -2500, 'card', " NOW_SQL ")");
	cr_assert_eq(num("SELECT sum(amount_cents) FROM ledger WHERE patient_id = 1"), 8500);
}

/* ------------------------------------------------------------ practice */

Test(schema, only_one_practice_row)
{
	cr_assert_eq(count_rows("practice"), 1);
	const char *before = row_snapshot("practice", 1);
	assert_mentions(refused("INSERT INTO practice(id, name, created_at) VALUES (2, 'Second Practice', " NOW_SQL ")"),
	                "id = 1");
	assert_mentions(refused("INSERT INTO practice(name, created_at) VALUES ('Second Practice', " NOW_SQL ")"),
	                "id = 1");
	assert_mentions(refused("INSERT INTO practice(id, name, created_at) VALUES (1, 'Second Practice', " NOW_SQL ")"),
	                "UNIQUE");
	assert_mentions(refused("UPDATE practice SET id = 2 WHERE id = 1"), "id = 1");
	cr_assert_eq(count_rows("practice"), 1);
	cr_assert_str_eq(row_snapshot("practice", 1), before);
}

/* ------------------------------------------------------------ allergies */

Test(schema, nkda_row_has_no_substance)
{
	assert_mentions(refused("INSERT INTO allergies(patient_id, is_nkda, substance, created_at, updated_at)"
	                        " VALUES (1, 1, 'penicillin', " NOW_SQL ", " NOW_SQL ")"), "is_nkda");
	cr_assert_eq(count_rows("allergies"), 0);
	ok("INSERT INTO allergies(id, patient_id, is_nkda, created_at, updated_at) VALUES (1, 1, 1, " NOW_SQL ", " NOW_SQL ")");
	assert_mentions(refused("UPDATE allergies SET substance = 'penicillin' WHERE id = 1"), "is_nkda");
	cr_assert_str_eq(txt("SELECT quote(substance) FROM allergies WHERE id = 1"), "NULL");
}

Test(schema, allergy_needs_a_substance)
{
	assert_mentions(refused("INSERT INTO allergies(patient_id, is_nkda, substance, created_at, updated_at)"
	                        " VALUES (1, 0, '', " NOW_SQL ", " NOW_SQL ")"), "is_nkda");
	cr_assert_eq(count_rows("allergies"), 0);
	assert_mentions(refused("INSERT INTO allergies(patient_id, is_nkda, substance, created_at, updated_at)"
	                        " VALUES (1, 0, NULL, " NOW_SQL ", " NOW_SQL ")"), "is_nkda");
	cr_assert_eq(count_rows("allergies"), 0);
	ok("INSERT INTO allergies(id, patient_id, substance, created_at, updated_at)"
	   " VALUES (1, 1, 'penicillin', " NOW_SQL ", " NOW_SQL ")");
	cr_assert_eq(count_rows("allergies"), 1);
}
