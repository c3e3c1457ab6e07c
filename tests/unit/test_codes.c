/* codes: loading ICD-10-CM releases (the full FY2026 file and small
 * hand-made ones), searching and showing codes, and the curated LOINC
 * and CVX tables. */
/* stdio.h first: testlib.h uses snprintf without including it. */
#include <stdio.h>

#include "testlib.h"

#include "emr/codes.h"
#include "emr/util.h"

#include <math.h>

TestSuite(codes);

/* ------------------------------------------------------------ helpers */

/* Writes text into the test's directory; returns the path. */
static const char *write_file(const test_env *env, const char *name, const char *text, size_t len)
{
	static char path[400];
	snprintf(path, sizeof path, "%s/%s", env->dir, name);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(text, 1, len, f), len);
	fclose(f);
	return path;
}

static const char *write_text(const test_env *env, const char *name, const char *text)
{
	return write_file(env, name, text, strlen(text));
}

static long long count_sql(test_env *env, const char *sql)
{
	return test_int(env->db, sql);
}

/* Position (0-based) of code in list, or -1. */
static int rank_of(const emr_code_list *l, const char *code)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].code, code) == 0)
			return (int)i;
	return -1;
}

/* A small release in the official layout: code padded to 8, CRLF. */
#define REL_2026 \
	"A000    Cholera due to Vibrio cholerae 01, biovar cholerae\r\n" \
	"E119    Type 2 diabetes mellitus without complications\r\n" \
	"I10     Essential (primary) hypertension\r\n" \
	"J069    Acute upper respiratory infection, unspecified\r\n" \
	"Z23     Encounter for immunization\r\n"

/* FY2027 as a test: J069 dropped, E119 reworded, U099 added. */
#define REL_2027 \
	"A000    Cholera due to Vibrio cholerae 01, biovar cholerae\r\n" \
	"E119    Type 2 diabetes mellitus without complications, reworded\r\n" \
	"I10     Essential (primary) hypertension\r\n" \
	"U099    Post COVID-19 condition, unspecified\r\n" \
	"Z23     Encounter for immunization\r\n"

static void load_small_2026(test_env *env)
{
	emr_icd10_stats s;
	cr_assert_eq(emr_icd10_load(env->db, REL_2026, strlen(REL_2026), 2026, &s), 0, "%s", emr_db_error(env->db));
	cr_assert_eq(s.added, 5);
	cr_assert_eq(s.updated + s.unchanged + s.retired, 0);
}

/* A patient with a problem coded J06.9, by raw SQL so these tests need
 * nothing above the storage layer. */
static void add_problem_j069(test_env *env)
{
	test_exec(env->db,
		"INSERT INTO patients(id, mrn, given_name, family_name, sex, dob, created_at, updated_at)"
		" VALUES (1, 'MRN1', 'Ada', 'Tester', 'female', '1970-01-01', '2026-11-25T15:00:00Z', '2026-11-25T15:00:00Z');"
		"INSERT INTO problems(id, patient_id, icd10, description, created_at, updated_at)"
		" VALUES (1, 1, 'J069', 'Acute URI', '2026-11-25T15:00:00Z', '2026-11-25T15:00:00Z');");
}

/* --------------------------------------------------- the full release */

Test(codes, full_release_loads_every_code_once)
{
	test_env env;
	test_env_open(&env, true);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM icd10cm"), 74719);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM icd10cm WHERE active = 1"), 74719);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM icd10cm WHERE first_release = 2026 AND last_release = 2026"),
	             74719);
	/* The full-text index holds every description. */
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM icd10cm_fts"), 74719);
	test_exec(env.db, "INSERT INTO icd10cm_fts(icd10cm_fts) VALUES ('integrity-check')");

	/* Loading the same release again changes nothing. */
	emr_icd10_stats s;
	cr_assert_eq(emr_icd10_load_builtin(env.db, &s), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(s.release, 2026);
	cr_assert_eq(s.added, 0);
	cr_assert_eq(s.updated, 0);
	cr_assert_eq(s.unchanged, 74719);
	cr_assert_eq(s.retired, 0);
	test_env_close(&env);
}

Test(codes, word_search_ranks_common_codes_first)
{
	test_env env;
	test_env_open(&env, true);
	/* E11.9 first, not only among the first three. */
	emr_code_list first = {0};
	cr_assert_eq(emr_icd10_search(env.db, "type 2 diab", 10, false, &first), 0);
	cr_assert_str_eq(first.items[0].code, "E119");
	emr_code_list_free(&first);
	static const struct { const char *q, *code; } cases[] = {
		{"type 2 diab", "E119"},
		{"type 1 diab", "E109"},
		{"Type 2 diabetes", "E119"},
		{"hypertension", "I10"},
		{"essential hyper", "I10"},
		{"hyperlipidemia", "E785"},
		{"chest pain", "R079"},
		{"urinary tract infection", "N390"},
		{"low back pain", "M5450"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(cases); i++) {
		emr_code_list l = {0};
		cr_assert_eq(emr_icd10_search(env.db, cases[i].q, 10, false, &l), 0, "%s", emr_db_error(env.db));
		int r = rank_of(&l, cases[i].code);
		cr_assert(r >= 0 && r < 3, "\"%s\": %s at rank %d (first: %s)", cases[i].q, cases[i].code, r,
		          l.n ? l.items[0].code : "none");
		emr_code_list_free(&l);
	}
	/* Punctuation and FTS5 syntax are words, not operators. */
	emr_code_list l = {0};
	cr_assert_eq(emr_icd10_search(env.db, "\"diabetes\" AND OR NEAR( *", 5, false, &l), 0, "%s",
	             emr_db_error(env.db));
	emr_code_list_free(&l);
	cr_assert_eq(emr_icd10_search(env.db, "!!! ---", 5, false, &l), 0);
	cr_assert_eq(l.n, 0);
	cr_assert_neq(emr_icd10_search(env.db, "bad \xC3 utf8", 5, false, &l), 0);
	/* Accents are folded the way the index folds them. */
	cr_assert_eq(emr_icd10_search(env.db, "Sjögren", 5, false, &l), 0);
	cr_assert_gt(l.n, 0);
	emr_code_list_free(&l);
	test_env_close(&env);
}

Test(codes, code_search_exact_then_prefix)
{
	test_env env;
	test_env_open(&env, true);
	static const char *const forms[] = {"E11.9", "e119", " e11.9 ", "E119"};
	for (size_t i = 0; i < EMR_ARRAY_LEN(forms); i++) {
		emr_code_list l = {0};
		cr_assert_eq(emr_icd10_search(env.db, forms[i], 10, false, &l), 0);
		cr_assert_gt(l.n, 0, "%s", forms[i]);
		cr_assert_str_eq(l.items[0].code, "E119", "%s", forms[i]);
		cr_assert_str_eq(l.items[0].text, "Type 2 diabetes mellitus without complications");
		emr_code_list_free(&l);
	}
	/* A category lists its codes in code order. */
	emr_code_list l = {0};
	cr_assert_eq(emr_icd10_search(env.db, "E11", 500, false, &l), 0);
	cr_assert_gt(l.n, 50);
	for (size_t i = 0; i < l.n; i++) {
		cr_assert(strncmp(l.items[i].code, "E11", 3) == 0, "%s", l.items[i].code);
		if (i)
			cr_assert_lt(strcmp(l.items[i - 1].code, l.items[i].code), 0);
	}
	emr_code_list_free(&l);
	/* Looks like a code, is none: the words are searched instead. */
	cr_assert_eq(emr_icd10_search(env.db, "b12", 10, false, &l), 0);
	cr_assert_gt(l.n, 0);
	cr_assert(strstr(l.items[0].text, "12") != NULL, "%s", l.items[0].text);
	emr_code_list_free(&l);

	/* FY2026 category QA0 has a letter in second place. */
	cr_assert_eq(emr_icd10_search(env.db, "qa0.01", 10, false, &l), 0);
	cr_assert_gt(l.n, 0);
	cr_assert_str_eq(l.items[0].code, "QA00101");
	emr_code_list_free(&l);

	emr_code_hit h;
	cr_assert(emr_icd10_lookup(env.db, "i10", &h));
	cr_assert_str_eq(h.code, "I10");
	cr_assert(h.active);
	cr_assert_not(emr_icd10_lookup(env.db, "E11", &h), "a category is not a billable code");
	cr_assert_not(emr_icd10_lookup(env.db, "nonsense", &h));
	test_env_close(&env);
}

/* ------------------------------------------------ display, normalize */

Test(codes, display_and_normalize)
{
	char b[16];
	emr_icd10_display("E119", b, sizeof b);
	cr_assert_str_eq(b, "E11.9");
	emr_icd10_display("e11.9", b, sizeof b);
	cr_assert_str_eq(b, "E11.9");
	emr_icd10_display("I10", b, sizeof b);
	cr_assert_str_eq(b, "I10");
	emr_icd10_display("S72001A", b, sizeof b);
	cr_assert_str_eq(b, "S72.001A");
	emr_icd10_display("O9A111", b, sizeof b);
	cr_assert_str_eq(b, "O9A.111");
	emr_icd10_display("QA08", b, sizeof b);
	cr_assert_str_eq(b, "QA0.8");

	static const struct { const char *in, *out; } good[] = {
		{"E11.9", "E119"}, {"e119", "E119"}, {" e11.9 ", "E119"}, {"I10", "I10"},
		{"c4a.0", "C4A0"}, {"T36.0X1A", "T360X1A"}, {"z3a.01", "Z3A01"}, {"QA0.0101", "QA00101"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(good); i++) {
		char o[9];
		cr_assert(emr_icd10_normalize(good[i].in, o, sizeof o), "%s", good[i].in);
		cr_assert_str_eq(o, good[i].out);
	}
	static const char *const bad[] = {
		"", "E1", "11.9", "E1.19", "E11.", "E11.9.1", "E11 9", "EEE19", "ABC", "E1199999", "E119-", "É119",
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(bad); i++) {
		char o[9];
		cr_assert_not(emr_icd10_normalize(bad[i], o, sizeof o), "\"%s\" accepted", bad[i]);
	}
	char small[4];
	cr_assert_not(emr_icd10_normalize("E119", small, sizeof small), "no room for the NUL");
}

/* ------------------------------------------------ a new release */

Test(codes, new_release_retires_keeps_and_counts)
{
	test_env env;
	test_env_open(&env, false);
	load_small_2026(&env);
	add_problem_j069(&env);

	const char *path = write_text(&env, "icd10cm_codes_2027.txt", REL_2027);
	emr_icd10_stats s;
	cr_assert_eq(emr_icd10_import_file(env.db, path, 0, &s), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(s.release, 2027, "release from the file name");
	cr_assert_eq(s.added, 1);
	cr_assert_eq(s.updated, 1);
	cr_assert_eq(s.unchanged, 3);
	cr_assert_eq(s.retired, 1);

	/* The dropped code is kept, inactive, and the chart still uses it. */
	cr_assert_eq(count_sql(&env, "SELECT active FROM icd10cm WHERE code = 'J069'"), 0);
	cr_assert_eq(count_sql(&env, "SELECT last_release FROM icd10cm WHERE code = 'J069'"), 2026);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM problems WHERE id = 1 AND icd10 = 'J069' AND status = 'active'"),
	             1);
	emr_code_hit h;
	cr_assert(emr_icd10_lookup(env.db, "J06.9", &h));
	cr_assert_not(h.active);
	/* Search leaves it out unless asked. */
	emr_code_list l = {0};
	cr_assert_eq(emr_icd10_search(env.db, "upper respiratory", 10, false, &l), 0);
	cr_assert_eq(rank_of(&l, "J069"), -1);
	emr_code_list_free(&l);
	cr_assert_eq(emr_icd10_search(env.db, "upper respiratory", 10, true, &l), 0);
	cr_assert_eq(rank_of(&l, "J069"), 0);
	cr_assert_not(l.items[0].active);
	emr_code_list_free(&l);
	cr_assert_eq(emr_icd10_search(env.db, "J06", 10, false, &l), 0);
	cr_assert_eq(l.n, 0);
	emr_code_list_free(&l);

	/* The reworded description is what search and lookup see. */
	cr_assert(emr_icd10_lookup(env.db, "E119", &h));
	cr_assert_str_eq(h.text, "Type 2 diabetes mellitus without complications, reworded");
	cr_assert_eq(emr_icd10_search(env.db, "reworded", 10, false, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].code, "E119");
	emr_code_list_free(&l);
	test_exec(env.db, "INSERT INTO icd10cm_fts(icd10cm_fts) VALUES ('integrity-check')");
	cr_assert_eq(count_sql(&env, "SELECT first_release FROM icd10cm WHERE code = 'U099'"), 2027);
	cr_assert_eq(count_sql(&env, "SELECT first_release FROM icd10cm WHERE code = 'E119'"), 2026);
	cr_assert_eq(count_sql(&env, "SELECT last_release FROM icd10cm WHERE code = 'E119'"), 2027);

	/* The same release again: nothing to do. */
	cr_assert_eq(emr_icd10_import_file(env.db, path, 0, &s), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(s.added + s.updated + s.retired, 0);
	cr_assert_eq(s.unchanged, 5);

	/* An older release fills in history only: J069 stays retired, the
	 * newer wording stays, last_release never goes down. */
	const char *old = write_text(&env, "icd10cm_codes_2026.txt", REL_2026);
	cr_assert_eq(emr_icd10_import_file(env.db, old, 0, &s), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(s.release, 2026);
	cr_assert_eq(s.added + s.updated + s.retired, 0);
	cr_assert_eq(count_sql(&env, "SELECT active FROM icd10cm WHERE code = 'J069'"), 0);
	cr_assert_eq(count_sql(&env, "SELECT active FROM icd10cm WHERE code = 'U099'"), 1);
	cr_assert_eq(count_sql(&env, "SELECT last_release FROM icd10cm WHERE code = 'E119'"), 2027);
	cr_assert(emr_icd10_lookup(env.db, "E119", &h));
	cr_assert(strstr(h.text, "reworded") != NULL);

	/* A later release that has J069 again brings it back. */
	cr_assert_eq(emr_icd10_load(env.db, REL_2026, strlen(REL_2026), 2028, &s), 0);
	cr_assert_eq(s.updated, 2, "J069 back and E119 reworded back");
	cr_assert_eq(s.retired, 1, "U099 not in it");
	cr_assert_eq(count_sql(&env, "SELECT active FROM icd10cm WHERE code = 'J069'"), 1);
	test_env_close(&env);
}

Test(codes, release_year_from_name_or_option)
{
	test_env env;
	test_env_open(&env, false);
	emr_icd10_stats s;
	const char *nameless = write_text(&env, "codes.txt", REL_2026);
	cr_assert_neq(emr_icd10_import_file(env.db, nameless, 0, &s), 0);
	cr_assert(strstr(emr_db_error(env.db), "--release") != NULL, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_icd10_import_file(env.db, nameless, 2026, &s), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(s.added, 5);
	cr_assert_neq(emr_icd10_load(env.db, REL_2026, strlen(REL_2026), 26, &s), 0, "a two-digit year");
	cr_assert_neq(emr_icd10_import_file(env.db, "/nonexistent/icd10cm_codes_2027.txt", 0, &s), 0);
	cr_assert(strstr(emr_db_error(env.db), "/nonexistent") != NULL);
	test_env_close(&env);
}

/* ------------------------------------------------ malformed files */

/* Loads text as FY2027 over the small 2026 release and expects a
 * refusal naming want; nothing may change. */
static void expect_refused(test_env *env, const char *text, size_t len, const char *want)
{
	const char *path = write_file(env, "icd10cm_codes_2027.txt", text, len);
	emr_icd10_stats s;
	cr_assert_neq(emr_icd10_import_file(env->db, path, 0, &s), 0, "accepted: %s", want);
	cr_assert(strstr(emr_db_error(env->db), want) != NULL, "error \"%s\" lacks \"%s\"", emr_db_error(env->db), want);
	cr_assert_eq(count_sql(env, "SELECT count(*) FROM icd10cm"), 5);
	cr_assert_eq(count_sql(env, "SELECT count(*) FROM icd10cm WHERE active = 1 AND last_release = 2026"), 5);
	cr_assert_eq(count_sql(env, "SELECT count(*) FROM icd10cm WHERE description LIKE '%reworded%'"), 0);
}

static void expect_refused_str(test_env *env, const char *text, const char *want)
{
	expect_refused(env, text, strlen(text), want);
}

Test(codes, malformed_release_names_its_line_and_changes_nothing)
{
	test_env env;
	test_env_open(&env, false);
	load_small_2026(&env);
#define GOOD2 \
	"A000    Cholera due to Vibrio cholerae 01, biovar cholerae\r\n" \
	"E119    Type 2 diabetes mellitus without complications, reworded\r\n"
	expect_refused_str(&env, GOOD2 "E11.9   Type 2 diabetes\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "e119    lower case code\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10     \r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10      Misaligned description\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10\tTabbed description\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10     Caf\xE9 Latin-1 byte\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10     Escape \x1b[31m red\r\n", "line 3");
	expect_refused_str(&env, GOOD2 "I10     Hidden \xE2\x80\xAE override\r\n", "line 3");
	static const char nul[] = GOOD2 "I10     NUL \0 inside\r\n";
	expect_refused(&env, nul, sizeof nul - 1, "line 3");
	expect_refused_str(&env, GOOD2 "A000    Cholera again\r\n", "line 3: code A000 appears again (first on line 1)");
	/* The order file, a common mix-up, is refused on its first line. */
	expect_refused_str(&env, "00001 A00     0 Cholera                                                      Cholera\r\n",
	                   "line 1");
	expect_refused_str(&env, "", "no codes");
	expect_refused_str(&env, "\r\n  \r\n", "no codes");
	/* A bad line late in a long file still changes nothing. */
	emr_sb big = EMR_SB_INIT;
	for (int i = 0; i < 2000; i++)
		emr_sb_printf(&big, "Z%02d%02d   Some code %d\r\n", i % 100, i / 100, i);
	emr_sb_append(&big, "Z999    \r\n");
	expect_refused(&env, big.buf, big.len, "line 2001");
	emr_sb_free(&big);
	test_env_close(&env);
}

Test(codes, blank_lines_bom_and_lf_endings_are_accepted)
{
	test_env env;
	test_env_open(&env, false);
	static const char text[] = "\xEF\xBB\xBF" "A000    Cholera\n\nI10     Essential (primary) hypertension";
	emr_icd10_stats s;
	cr_assert_eq(emr_icd10_load(env.db, text, sizeof text - 1, 2026, &s), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(s.added, 2);
	emr_code_hit h;
	cr_assert(emr_icd10_lookup(env.db, "I10", &h));
	cr_assert_str_eq(h.text, "Essential (primary) hypertension");
	test_env_close(&env);
}

/* ------------------------------------------------------------ LOINC */

/* The LOINC check digit (mod 10, Luhn), computed independently of the
 * loader's copy. */
static bool loinc_ok(const char *code)
{
	const char *dash = strchr(code, '-');
	if (!dash || dash[2])
		return false;
	int sum = 0, pos = 0;
	for (const char *p = dash - 1; p >= code; p--, pos++) {
		int d = *p - '0';
		if (pos % 2 == 0)
			d = d * 2 >= 10 ? d * 2 - 9 : d * 2;
		sum += d;
	}
	return (10 - sum % 10) % 10 == dash[1] - '0';
}

Test(codes, loinc_table_is_sane)
{
	test_env env;
	test_env_open(&env, false);
	cr_assert_geq(count_sql(&env, "SELECT count(*) FROM loinc"), 25);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM loinc WHERE unit = ''"), 0);
	/* Every code that takes a value has both plausible limits, low below
	 * high; only the BP panel (it groups, holds no value) has none. */
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM loinc WHERE plausible_low IS NULL OR plausible_high IS NULL"), 1);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM loinc WHERE plausible_low IS NULL AND code = '85354-9'"), 1);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM loinc WHERE plausible_low >= plausible_high"), 0);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM loinc WHERE ref_low > ref_high"), 0);
	cr_assert_eq(count_sql(&env, "SELECT count(*) FROM loinc WHERE ref_low < 0 OR ref_high > plausible_high"),
	             0, "a reference range outside the plausible one");
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(env.db), "SELECT code FROM loinc", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		cr_assert(loinc_ok((const char *)sqlite3_column_text(st, 0)), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);

	/* The FHIR vital-signs profile: codes and UCUM units. */
	static const struct { const char *code, *unit; } vitals[] = {
		{EMR_LOINC_BP_PANEL, "mm[Hg]"}, {EMR_LOINC_SYSTOLIC, "mm[Hg]"}, {EMR_LOINC_DIASTOLIC, "mm[Hg]"},
		{EMR_LOINC_PULSE, "/min"},      {EMR_LOINC_TEMP, "Cel"},        {EMR_LOINC_RESP, "/min"},
		{EMR_LOINC_SPO2, "%"},          {"2708-6", "%"},                {EMR_LOINC_WEIGHT, "kg"},
		{EMR_LOINC_HEIGHT, "cm"},       {EMR_LOINC_BMI, "kg/m2"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(vitals); i++) {
		emr_loinc l;
		cr_assert(emr_loinc_lookup(env.db, vitals[i].code, &l), "%s", vitals[i].code);
		cr_assert_str_eq(l.unit, vitals[i].unit, "%s", vitals[i].code);
		cr_assert_str_eq(l.kind, "vital");
	}
	test_env_close(&env);
}

Test(codes, loinc_lookup_and_find)
{
	test_env env;
	test_env_open(&env, false);
	emr_loinc l;
	cr_assert(emr_loinc_lookup(env.db, EMR_LOINC_SYSTOLIC, &l));
	cr_assert_str_eq(l.name, "Systolic blood pressure");
	cr_assert(l.has_plausible);
	cr_assert_float_eq(l.plausible_low, 40, 1e-9);
	cr_assert_float_eq(l.plausible_high, 300, 1e-9);
	cr_assert_not(l.has_ref_low || l.has_ref_high);
	cr_assert(emr_loinc_lookup(env.db, "4548-4", &l));
	cr_assert_str_eq(l.unit, "%");
	cr_assert(l.has_ref_low && l.has_ref_high);
	cr_assert_float_eq(l.ref_high, 5.6, 1e-9);
	cr_assert(emr_loinc_lookup(env.db, "2085-9", &l));
	cr_assert(l.has_ref_low && !l.has_ref_high, "HDL's range is one-sided (>= 40)");
	cr_assert_not(emr_loinc_lookup(env.db, "1234-5", &l));

	static const struct { const char *q, *code; } finds[] = {
		{"a1c", "4548-4"},    {"HbA1c", "4548-4"},  {"ldl", "13457-7"},  {"HDL", "2085-9"},
		{"weight", "29463-7"}, {"bp", "85354-9"},    {"systolic", "8480-6"}, {"spo2", "59408-5"},
		{"pulse", "8867-4"},  {"temp", "8310-5"},   {"creat", "2160-0"},   {"egfr", "98979-8"},
		{"tsh", "3016-3"},    {"2345-7", "2345-7"}, {" glucose ", "2345-7"}, {"cholesterol", "2093-3"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(finds); i++) {
		cr_assert(emr_loinc_find(env.db, finds[i].q, &l), "\"%s\" not found", finds[i].q);
		cr_assert_str_eq(l.code, finds[i].code, "\"%s\"", finds[i].q);
	}
	/* Ambiguous or unknown: no answer rather than a guess. */
	static const char *const none[] = {"o2", "nonsense", "", "   "};
	for (size_t i = 0; i < EMR_ARRAY_LEN(none); i++)
		cr_assert_not(emr_loinc_find(env.db, none[i], &l), "\"%s\" found %s", none[i], l.code);
	test_env_close(&env);
}

/* -------------------------------------------------------------- CVX */

Test(codes, cvx_lookup_and_search)
{
	test_env env;
	test_env_open(&env, false);
	emr_code_hit h;
	cr_assert(emr_cvx_lookup(env.db, "115", &h));
	cr_assert_str_eq(h.code, "115");
	cr_assert_str_eq(h.text, "Tdap");
	cr_assert(h.active);
	cr_assert(emr_cvx_lookup(env.db, "3", &h), "by value");
	cr_assert_str_eq(h.code, "03");
	cr_assert(emr_cvx_lookup(env.db, "187", &h));
	cr_assert(h.active);
	cr_assert(emr_cvx_lookup(env.db, "121", &h));
	cr_assert_not(h.active, "Zostavax is retired");
	cr_assert_not(emr_cvx_lookup(env.db, "999", &h));
	cr_assert_not(emr_cvx_lookup(env.db, "abc", &h));

	emr_code_list l = {0};
	cr_assert_eq(emr_cvx_search(env.db, "tdap", 10, &l), 0);
	cr_assert_gt(l.n, 0);
	cr_assert_str_eq(l.items[0].code, "115");
	emr_code_list_free(&l);

	cr_assert_eq(emr_cvx_search(env.db, "zoster", 10, &l), 0);
	cr_assert_geq(rank_of(&l, "187"), 0);
	cr_assert_geq(rank_of(&l, "121"), 0);
	cr_assert_lt(rank_of(&l, "187"), rank_of(&l, "121"), "active codes first");
	emr_code_list_free(&l);

	/* "flu" lists the influenza vaccines, active ones first, before the
	 * Hib vaccines whose full name says "Haemophilus influenzae". */
	cr_assert_eq(emr_cvx_search(env.db, "flu", 100, &l), 0);
	cr_assert_geq(l.n, 5);
	bool seen_inactive = false, seen_other = false;
	for (size_t i = 0; i < l.n; i++) {
		if (!l.items[i].active)
			seen_inactive = true;
		else
			cr_assert_not(seen_inactive, "active before inactive");
		bool flu = strstr(l.items[i].text, "nfluenza") != NULL;
		if (!flu && l.items[i].active)
			seen_other = true;
		else if (flu && l.items[i].active)
			cr_assert_not(seen_other, "%s after a non-influenza vaccine", l.items[i].code);
	}
	cr_assert_geq(rank_of(&l, "48"), 0, "Hib (PRP-T) is still found");
	emr_code_list_free(&l);

	cr_assert_eq(emr_cvx_search(env.db, "hep b", 50, &l), 0);
	cr_assert_geq(rank_of(&l, "43"), 0);
	cr_assert_geq(rank_of(&l, "08"), 0);
	cr_assert_eq(rank_of(&l, "52"), -1, "Hep A is not Hep B");
	emr_code_list_free(&l);

	cr_assert_eq(emr_cvx_search(env.db, "216", 10, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].code, "216");
	emr_code_list_free(&l);
	test_env_close(&env);
}
