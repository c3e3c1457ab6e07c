/* Patients: registration, validation, search and concurrent edits. */
#include "testlib.h"

#include "emr/normalize.h"
#include "emr/patient.h"
#include "emr/util.h"

static test_env env;

static void setup(void) { test_env_open(&env, false); }
static void teardown(void) { test_env_close(&env); }

TestSuite(patient, .init = setup, .fini = teardown);

static int64_t add(const char *given, const char *family, const char *dob, const char *sex, const char *phone)
{
	emr_patient p = {0};
	snprintf(p.given, sizeof p.given, "%s", given);
	snprintf(p.family, sizeof p.family, "%s", family);
	snprintf(p.dob, sizeof p.dob, "%s", dob);
	snprintf(p.sex, sizeof p.sex, "%s", sex);
	snprintf(p.phone, sizeof p.phone, "%s", phone ? phone : "");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	return p.id;
}

static bool found(const char *query, int64_t id)
{
	emr_patient_list l = {0};
	cr_assert_eq(emr_patient_search(env.db, query, 50, &l), 0, "%s", emr_db_error(env.db));
	bool yes = false;
	for (size_t i = 0; i < l.n; i++)
		yes |= l.items[i].id == id;
	emr_patient_list_free(&l);
	return yes;
}

Test(patient, fold_removes_case_and_accents)
{
	const struct { const char *in, *out; } cases[] = {
		{"José", "jose"}, {"GARCÍA", "garcia"}, {"Zoë", "zoe"}, {"Nguyễn", "nguyen"},
		{"Đặng", "dang"}, {"Søren", "soren"}, {"Straße", "strasse"}, {"李", "李"}, {"Łukasz", "lukasz"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *f = emr_fold(cases[i].in);
		cr_assert_str_eq(f, cases[i].out, "fold(%s)", cases[i].in);
		free(f);
	}
	cr_assert_null(emr_fold("bad\xff"));
}

static void collect_token(const char *t, void *arg)
{
	char *buf = arg;
	strcat(buf, t);
	strcat(buf, "|");
}

Test(patient, tokens_split_names_sensibly)
{
	char buf[256] = "";
	cr_assert_eq(emr_tokens("Mary-Kate O'Brien  Smith", collect_token, buf), 4);
	cr_assert_str_eq(buf, "mary|kate|obrien|smith|");
}

Test(patient, search_by_partial_accented_name_in_any_order)
{
	int64_t jose = add("José", "García", "1990-03-14", "male", "555-010-1234");
	int64_t other = add("Joseph", "Smith", "1980-01-01", "male", NULL);
	cr_assert(found("jose gar", jose));
	cr_assert(found("garcia jo", jose));
	cr_assert(found("GARC", jose));
	cr_assert(found("García", jose));
	cr_assert_not(found("jose gar", other), "Joseph Smith must not match \"jose gar\"");
	cr_assert(found("jos", other));
	cr_assert_not(found("garcias", jose));
}

Test(patient, search_by_dob_mrn_and_phone)
{
	int64_t id = add("Zoë", "Nguyễn", "2001-05-06", "female", "(555) 010-7788");
	cr_assert(found("2001-05-06", id));
	cr_assert_not(found("2001-05-07", id));
	cr_assert(found("E000001", id));
	cr_assert(found("e000001", id));
	cr_assert(found("5550107", id));
	cr_assert(found("555-010", id));
}

Test(patient, empty_query_lists_recently_opened_first)
{
	int64_t a = add("Ann", "Able", "1970-01-01", "female", NULL);
	int64_t b = add("Bob", "Baker", "1971-01-01", "male", NULL);
	emr_patient_list l = {0};
	cr_assert_eq(emr_patient_search(env.db, "", 10, &l), 0);
	cr_assert_eq(l.items[0].id, a, "by name when nothing was opened");
	emr_patient_list_free(&l);
	cr_assert_eq(emr_patient_touch(env.db, b), 0);
	cr_assert_eq(emr_patient_search(env.db, "", 10, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.items[0].id, b, "the opened chart comes first");
	emr_patient_list_free(&l);
}

Test(patient, validation_names_the_field)
{
	emr_patient p = {0};
	strcpy(p.given, "A");
	strcpy(p.family, "B");
	strcpy(p.sex, "female");
	strcpy(p.dob, "2023-02-30");
	cr_assert_neq(emr_patient_add(env.db, &p), 0);
	cr_assert_str_eq(emr_db_error(env.db), "dob \"2023-02-30\": not a valid date (YYYY-MM-DD)");
	strcpy(p.dob, "2026-11-26");
	cr_assert_neq(emr_patient_add(env.db, &p), 0);
	cr_assert(strstr(emr_db_error(env.db), "in the future"));
	strcpy(p.dob, "2026-11-25");
	strcpy(p.phone, "12");
	cr_assert_neq(emr_patient_add(env.db, &p), 0);
	cr_assert(strstr(emr_db_error(env.db), "phone \"12\""));
	strcpy(p.phone, "");
	strcpy(p.email, "nobody");
	cr_assert_neq(emr_patient_add(env.db, &p), 0);
	cr_assert(strstr(emr_db_error(env.db), "email"));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM patients"), 0);
	strcpy(p.email, "");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "a baby born today is fine: %s", emr_db_error(env.db));
}

Test(patient, second_save_of_a_stale_copy_is_a_conflict)
{
	int64_t id = add("Ann", "Able", "1970-01-01", "female", NULL);
	emr_patient mine, theirs;
	cr_assert_eq(emr_patient_get(env.db, id, &mine), 0);
	cr_assert_eq(emr_patient_get(env.db, id, &theirs), 0);
	strcpy(theirs.phone, "555-123-4567");
	cr_assert_eq(emr_patient_update(env.db, &theirs), 0);
	strcpy(mine.preferred, "Annie");
	cr_assert_eq(emr_patient_update(env.db, &mine), EMR_CONFLICT);
	emr_patient now;
	emr_patient_get(env.db, id, &now);
	cr_assert_str_eq(now.phone, "555-123-4567", "the first save survives");
	cr_assert_str_eq(now.preferred, "", "the stale save wrote nothing");
	cr_assert_eq(now.version, 2);
}

Test(patient, names_are_stored_faithfully_even_with_escapes)
{
	int64_t id = add("Evil\x1b[2J", "Name\xe2\x80\xae", "1970-01-01", "female", NULL);
	emr_patient p;
	emr_patient_get(env.db, id, &p);
	cr_assert_str_eq(p.given, "Evil\x1b[2J");
	char *clean = emr_sanitize_dup(p.given, false);
	cr_assert_str_eq(clean, "Evil[2J", "escape removed for display");
	free(clean);
	clean = emr_sanitize_dup(p.family, false);
	cr_assert_str_eq(clean, "Name", "right-to-left override removed for display");
	free(clean);
}

Test(patient, retire_keeps_the_chart)
{
	int64_t id = add("Ann", "Able", "1970-01-01", "female", NULL);
	cr_assert_neq(emr_patient_retire(env.db, id, "", NULL), 0);
	cr_assert_neq(emr_patient_retire(env.db, id, "died", "1969-12-31"), 0, "death before birth");
	cr_assert_eq(emr_patient_retire(env.db, id, "died at home", "2026-11-20"), 0, "%s", emr_db_error(env.db));
	emr_patient p;
	emr_patient_get(env.db, id, &p);
	cr_assert_str_eq(p.status, "deceased");
	cr_assert_str_eq(p.deceased_date, "2026-11-20");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'retire'"), 1);
}
