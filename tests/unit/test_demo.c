/* demo: the synthetic practice is complete, clinically coherent, passes
 * every constraint of the schema, and is the same for the same seed. */
#include "testlib.h"

#include "emr/billing.h"
#include "emr/demo.h"
#include "emr/rxcheck.h"

#include <sodium.h>

#define DEMO_PATIENTS 300

typedef struct demo_env {
	char dir[256];
	char path[300];
	emr_db *db;
} demo_env;

static void progress_count(long done, long total, void *arg)
{
	long *calls = arg;
	(*calls)++;
	cr_assert_leq(done, total);
}

/* A new database filled by emr_demo_generate (which creates the practice
 * itself, so testlib's test_env_open does not fit). */
static void demo_open(demo_env *env, const char *name, long patients, unsigned long seed)
{
	setenv("EMR_NOW", TEST_NOW, 1);
	setenv("TZ", "America/New_York", 1);
	setenv("EMR_USER", "drtest", 1);
	if (!env->dir[0]) {
		snprintf(env->dir, sizeof env->dir, "/tmp/emr-demo-XXXXXX");
		cr_assert_not_null(mkdtemp(env->dir));
	}
	snprintf(env->path, sizeof env->path, "%s/%s", env->dir, name);
	char err[512];
	env->db = emr_db_open(env->path, EMR_OPEN_CREATE, err, sizeof err);
	cr_assert_not_null(env->db, "open: %s", err);
	long calls = 0;
	emr_demo_opts o = {.patients = patients, .seed = seed, .login = "drtest",
	                   .progress = progress_count, .progress_arg = &calls};
	cr_assert_eq(emr_demo_generate(env->db, &o), 0, "generate: %s", emr_db_error(env->db));
	cr_assert_geq(calls, 1, "progress was never reported");
}

static void demo_close(demo_env *env)
{
	if (env->db)
		emr_db_close(env->db);
	env->db = NULL;
}

static void demo_cleanup(demo_env *env)
{
	demo_close(env);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", env->dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", env->dir);
}

/* FNV-1a over every row of every table, in a fixed order: equal for
 * byte-identical contents.  The installation's identity is left out: it
 * is random by design, so two databases never share it. */
static uint64_t content_hash(emr_db *db)
{
	sqlite3 *conn = emr_db_sqlite(db);
	sqlite3_stmt *tables;
	cr_assert_eq(sqlite3_prepare_v2(conn, "SELECT name FROM sqlite_master WHERE type = 'table'"
	                                " AND name NOT LIKE 'sqlite_%' AND name <> 'installation' ORDER BY name", -1, &tables, NULL), SQLITE_OK);
	uint64_t h = 1469598103934665603ull;
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		char sql[512];
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
		sqlite3_stmt *probe;
		cr_assert_eq(sqlite3_prepare_v2(conn, sql, -1, &probe, NULL), SQLITE_OK, "%s", sql);
		int ncol = sqlite3_column_count(probe);
		sqlite3_finalize(probe);
		size_t len = strlen(sql);
		len += (size_t)snprintf(sql + len, sizeof sql - len, " ORDER BY ");
		for (int i = 1; i <= ncol && len < sizeof sql; i++)
			len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%d", i > 1 ? ", " : "", i);
		sqlite3_stmt *rows;
		cr_assert_eq(sqlite3_prepare_v2(conn, sql, -1, &rows, NULL), SQLITE_OK, "%s", sql);
		for (const char *c = name; *c; c++)
			h = (h ^ (unsigned char)*c) * 1099511628211ull;
		while (sqlite3_step(rows) == SQLITE_ROW) {
			for (int i = 0; i < ncol; i++) {
				const unsigned char *v = sqlite3_column_text(rows, i);
				int n = sqlite3_column_bytes(rows, i);
				for (int j = 0; v && j < n; j++)
					h = (h ^ v[j]) * 1099511628211ull;
				h = (h ^ (v ? 0x1f : 0x00)) * 1099511628211ull;
			}
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	return h;
}

static demo_env env;

static void setup_demo(void)
{
	memset(&env, 0, sizeof env);
	demo_open(&env, "demo.db", DEMO_PATIENTS, 1);
}

static void teardown_demo(void)
{
	demo_cleanup(&env);
}

TestSuite(demo, .init = setup_demo, .fini = teardown_demo);

Test(demo, counts_and_users)
{
	emr_db *db = env.db;
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients"), DEMO_PATIENTS);
	cr_assert_eq(test_int(db, "SELECT count(DISTINCT mrn) FROM patients"), DEMO_PATIENTS);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients WHERE mrn NOT GLOB 'E[0-9][0-9][0-9][0-9][0-9][0-9]'"), 0);
	cr_assert_eq(test_int(db, "SELECT mrn = 'E000001' FROM patients WHERE id = 1"), 1);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM users"), 4);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM users WHERE role = 'physician' AND login = 'drtest'"), 1);
	cr_assert_eq(test_int(db, "SELECT count(DISTINCT role) FROM users"), 4);
	/* Visits, results and notes in proportion to the charts. */
	cr_assert_geq(test_int(db, "SELECT count(*) FROM encounters"), DEMO_PATIENTS * 2);
	cr_assert_leq(test_int(db, "SELECT max(n) FROM (SELECT count(*) AS n FROM encounters GROUP BY patient_id)"), 12);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM notes"), test_int(db, "SELECT count(*) FROM encounters"));
	cr_assert_geq(test_int(db, "SELECT count(*) FROM observations"), DEMO_PATIENTS * 15);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM problems"), DEMO_PATIENTS / 2);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM medications WHERE status = 'active'"), DEMO_PATIENTS / 2);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM immunizations"), DEMO_PATIENTS);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM encounter_diagnoses"), DEMO_PATIENTS);
	/* Every foreign key holds, and the transaction left no journal mode behind. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	cr_assert_eq(test_int(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	cr_assert_eq(test_int(db, "SELECT foreign_keys FROM pragma_foreign_keys"), 1);
}

Test(demo, passphrases_verify)
{
	cr_assert_geq(sodium_init(), 0);
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(env.db), "SELECT login, pass_hash FROM users", -1, &st, NULL), SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *hash = (const char *)sqlite3_column_text(st, 1);
		cr_assert_not_null(hash, "%s has no passphrase", sqlite3_column_text(st, 0));
		cr_assert_eq(crypto_pwhash_str_verify(hash, EMR_DEMO_PASSPHRASE, strlen(EMR_DEMO_PASSPHRASE)), 0,
		             "%s: the demo passphrase does not verify", sqlite3_column_text(st, 0));
		cr_assert_neq(crypto_pwhash_str_verify(hash, "wrong", 5), 0);
		n++;
	}
	sqlite3_finalize(st);
	cr_assert_eq(n, 4);
}

Test(demo, names_are_diverse_and_searchable)
{
	emr_db *db = env.db;
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients p WHERE NOT EXISTS"
	                          " (SELECT 1 FROM patient_name_tokens t WHERE t.patient_id = p.id)"), 0);
	/* Non-ASCII names: more bytes than characters. */
	cr_assert_gt(test_int(db, "SELECT count(*) FROM patients WHERE length(CAST(given_name || family_name AS BLOB))"
	                          " > length(given_name || family_name)"), DEMO_PATIENTS / 20);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients WHERE given_name = 'José' AND family_name = 'García'"
	                          " AND preferred_name = 'Pepe'"), 1);
	/* Tokens are folded: accent-free, lower case, apostrophes dropped. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token = 'garcia' AND patient_id = 1"), 1);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token = 'pepe' AND patient_id = 1"), 1);
	cr_assert_geq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token = 'nguyen'"), 1);
	cr_assert_geq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token = 'obrien'"), 1);
	cr_assert_geq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token = '李'"), 1);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token GLOB '*[A-Z]*'"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patient_name_tokens WHERE token GLOB '*[éüøñ'' ]*'"), 0);
	cr_assert_geq(test_int(db, "SELECT count(DISTINCT family_name) FROM patients"), 100);
	/* Phones keep their digits for search. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients WHERE phone <> '' AND length(phone_digits) <> 10"), 0);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM patients WHERE insurance_payer <> ''"), DEMO_PATIENTS * 9 / 10);
}

Test(demo, ages_span_a_century)
{
	emr_db *db = env.db;
	cr_assert_eq(test_int(db, "SELECT min(julianday('" TEST_TODAY "') - julianday(dob)) < 14 FROM patients"), 1);
	cr_assert_geq(test_int(db, "SELECT count(*) FROM patients WHERE julianday('" TEST_TODAY "') - julianday(dob) < 365"), 5);
	cr_assert_geq(test_int(db, "SELECT count(*) FROM patients WHERE dob <= date('" TEST_TODAY "', '-90 years')"), 1);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients WHERE dob > '" TEST_TODAY "'"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM patients WHERE dob < date('" TEST_TODAY "', '-101 years')"), 0);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM patients WHERE sex = 'female'"), DEMO_PATIENTS / 3);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM patients WHERE sex = 'male'"), DEMO_PATIENTS / 3);
	/* Nobody is seen before birth or after death. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM encounters e JOIN patients p ON p.id = e.patient_id"
	                          " WHERE date(e.start_at) < p.dob OR date(e.start_at) > ifnull(p.deceased_date, '9999')"), 0);
}

Test(demo, allergies_nkda_and_none)
{
	emr_db *db = env.db;
	cr_assert_gt(test_int(db, "SELECT count(*) FROM allergies WHERE is_nkda = 1"), DEMO_PATIENTS / 5);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM allergies WHERE is_nkda = 0 AND category = 'drug'"), 10);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM allergies WHERE category IN ('food', 'environment')"), 5);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM patients p WHERE NOT EXISTS"
	                          " (SELECT 1 FROM allergies a WHERE a.patient_id = p.id)"), DEMO_PATIENTS / 20);
	/* NKDA never sits beside a drug allergy. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM allergies n JOIN allergies d ON d.patient_id = n.patient_id"
	                          " WHERE n.is_nkda = 1 AND d.is_nkda = 0 AND d.category = 'drug'"), 0);
	/* No one allergic to penicillin is given a penicillin. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM medications m JOIN allergies a ON a.patient_id = m.patient_id"
	                          " WHERE a.substance IN ('Penicillin', 'Amoxicillin') AND m.drug LIKE 'amoxicillin%'"), 0);
}

Test(demo, problems_and_medications_are_coherent)
{
	emr_db *db = env.db;
	/* Problem descriptions are the release's own text. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM problems p JOIN icd10cm c ON c.code = p.icd10"
	                          " WHERE c.description <> p.description OR c.active = 0"), 0);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM problems WHERE icd10 = 'I10'"), 10);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM problems WHERE icd10 = 'M545'"), 0);
	/* Age-appropriate: no hypertension in children, no otitis visits in adults. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM problems pr JOIN patients p ON p.id = pr.patient_id"
	                          " WHERE pr.icd10 IN ('I10', 'E119', 'E785', 'M810', 'N401')"
	                          " AND date(pr.created_at) < date(p.dob, '+18 years')"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM encounter_diagnoses d JOIN encounters e ON e.id = d.encounter_id"
	                          " JOIN patients p ON p.id = e.patient_id WHERE d.icd10 LIKE 'H669%'"
	                          " AND date(e.start_at) > date(p.dob, '+7 years')"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM problems WHERE icd10 = 'M810' AND patient_id IN"
	                          " (SELECT id FROM patients WHERE sex = 'male')"), 0);
	/* Prescriptions name their prescriber; over-the-counter drugs do not. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM medications WHERE is_prescription = 1 AND prescriber_id <>"
	                          " (SELECT id FROM users WHERE role = 'physician')"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM medications WHERE is_prescription = 0 AND prescriber_id IS NOT NULL"), 0);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM medications WHERE drug = 'lisinopril' AND strength = '10 mg'"
	                          " AND sig = 'Take 1 tablet by mouth once daily'"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM medications WHERE rxnorm IS NOT NULL"), 0);
	/* Nobody takes two statins or two SSRIs at once. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM (SELECT patient_id FROM medications WHERE status = 'active'"
	                          " AND drug IN ('atorvastatin', 'rosuvastatin', 'simvastatin') GROUP BY patient_id"
	                          " HAVING count(*) > 1)"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM (SELECT patient_id FROM medications WHERE status = 'active'"
	                          " AND drug IN ('sertraline', 'escitalopram', 'fluoxetine') GROUP BY patient_id"
	                          " HAVING count(*) > 1)"), 0);
	/* A stopped drug says why. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM medications WHERE status = 'stopped' AND (stop_reason IS NULL OR stop_date IS NULL)"), 0);
}

/* The prescribing check would warn about nothing the demo prescribes. */
Test(demo, no_prescription_conflicts_with_an_allergy)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(env.db), "SELECT patient_id, drug FROM medications", -1, &st, NULL),
	             SQLITE_OK);
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		emr_rx_warning w[4];
		const char *drug = (const char *)sqlite3_column_text(st, 1);
		int hits = emr_rx_check(env.db, sqlite3_column_int64(st, 0), drug, w, 4);
		cr_assert_eq(hits, 0, "patient %lld, %s: %s", (long long)sqlite3_column_int64(st, 0), drug,
		             hits > 0 ? w[0].why : emr_db_error(env.db));
		n++;
	}
	sqlite3_finalize(st);
	cr_assert_gt(n, DEMO_PATIENTS / 2);
}

Test(demo, vitals_are_plausible_and_consistent)
{
	emr_db *db = env.db;
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN loinc l ON l.code = o.loinc WHERE o.unit <> l.unit"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN loinc l ON l.code = o.loinc"
	                          " WHERE o.value_num < l.plausible_low OR o.value_num > l.plausible_high"), 0);
	/* Blood pressure: two rows sharing the systolic row's id as panel. */
	cr_assert_gt(test_int(db, "SELECT count(*) FROM observations WHERE loinc = '8480-6'"), DEMO_PATIENTS);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations s WHERE s.loinc = '8480-6' AND (s.panel_id <> s.id"
	                          " OR NOT EXISTS (SELECT 1 FROM observations d WHERE d.loinc = '8462-4' AND d.panel_id = s.id))"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations s JOIN observations d ON d.panel_id = s.id"
	                          " AND d.loinc = '8462-4' WHERE s.loinc = '8480-6' AND d.value_num >= s.value_num"), 0);
	/* BMI from age 2, and it is weight over height squared. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id"
	                          " WHERE o.loinc = '39156-5' AND date(o.effective_at) < date(p.dob, '+2 years')"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations b JOIN observations w ON w.encounter_id = b.encounter_id"
	                          " AND w.loinc = '29463-7' JOIN observations h ON h.encounter_id = b.encounter_id"
	                          " AND h.loinc = '8302-2' WHERE b.loinc = '39156-5'"
	                          " AND abs(b.value_num - w.value_num / (h.value_num * h.value_num / 10000.0)) > 0.2"), 0);
	/* Infants weigh what infants weigh; adults are not lighter than 30 kg. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id"
	                          " WHERE o.loinc = '29463-7' AND julianday(o.effective_at) - julianday(p.dob) < 30"
	                           " AND (o.value_num < 2.0 OR o.value_num > 6.0)"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id"
	                          " WHERE o.loinc = '29463-7' AND date(o.effective_at) > date(p.dob, '+18 years')"
	                          " AND o.value_num < 30"), 0);
	/* A child's height never shrinks from one visit to the next by more than measurement error. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations a JOIN observations b ON b.patient_id = a.patient_id"
	                          " AND b.loinc = a.loinc AND b.effective_at > a.effective_at JOIN patients p ON p.id = a.patient_id"
	                          " WHERE a.loinc = '8302-2' AND date(b.effective_at) < date(p.dob, '+16 years')"
	                          " AND b.value_num < a.value_num - 1.5"), 0);
	/* No blood pressure under age 3. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id"
	                          " WHERE o.loinc = '8480-6' AND date(o.effective_at) < date(p.dob, '+3 years')"), 0);
}

Test(demo, lab_flags_follow_the_ranges)
{
	emr_db *db = env.db;
	const char *labs = "SELECT count(*) FROM observations o JOIN loinc l ON l.code = o.loinc WHERE l.kind = 'lab'";
	cr_assert_gt(test_int(db, labs), DEMO_PATIENTS);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN loinc l ON l.code = o.loinc WHERE l.kind = 'lab'"
	                          " AND ((o.ref_low IS NOT NULL AND o.value_num < o.ref_low AND o.flag IS NOT 'L')"
	                          "   OR (o.ref_high IS NOT NULL AND o.value_num > o.ref_high AND o.flag IS NOT 'H')"
	                          "   OR (o.value_num >= ifnull(o.ref_low, -1e300) AND o.value_num <= ifnull(o.ref_high, 1e300)"
	                          "       AND (o.ref_low IS NOT NULL OR o.ref_high IS NOT NULL) AND o.flag IS NOT 'N')"
	                          "   OR (o.ref_low IS NULL AND o.ref_high IS NULL AND o.flag IS NOT NULL))"), 0);
	/* Ranges are the loinc table's. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN loinc l ON l.code = o.loinc WHERE l.kind = 'lab'"
	                          " AND (o.ref_low IS NOT l.ref_low OR o.ref_high IS NOT l.ref_high)"), 0);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM observations WHERE flag = 'H'"), 0);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM observations WHERE flag = 'N'"), 0);
	/* Panels share the first row's id; the LDL is the Friedewald one. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations c JOIN observations h ON h.panel_id = c.id AND h.loinc = '2085-9'"
	                          " JOIN observations l ON l.panel_id = c.id AND l.loinc = '13457-7'"
	                          " JOIN observations t ON t.panel_id = c.id AND t.loinc = '2571-8'"
	                          " WHERE c.loinc = '2093-3' AND abs(c.value_num - (h.value_num + l.value_num + t.value_num / 5)) > 1"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id"
	                          " JOIN loinc l ON l.code = o.loinc WHERE l.kind = 'lab'"
	                          " AND date(o.effective_at) < date(p.dob, '+18 years')"), 0);
	/* Diabetics' HbA1c is above the non-diabetic range at least sometimes. */
	cr_assert_gt(test_int(db, "SELECT count(*) FROM observations o JOIN problems p ON p.patient_id = o.patient_id"
	                          " AND p.icd10 = 'E119' WHERE o.loinc = '4548-4' AND o.value_num >= 6.5"), 0);
}

Test(demo, immunizations_follow_the_schedule)
{
	emr_db *db = env.db;
	cr_assert_gt(test_int(db, "SELECT count(*) FROM immunizations WHERE cvx = '20'"), 0);   /* DTaP */
	cr_assert_gt(test_int(db, "SELECT count(*) FROM immunizations i JOIN cvx c ON c.code = i.cvx"
	                          " WHERE c.short_name LIKE 'Influenza%'"), 10);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM immunizations i JOIN cvx c ON c.code = i.cvx WHERE c.active = 0"), 0);
	/* Zoster from 50, pneumococcal for adults from 65 only. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM immunizations i JOIN patients p ON p.id = i.patient_id"
	                          " WHERE i.cvx = '187' AND i.administered_on < date(p.dob, '+50 years')"), 0);
	/* Rotavirus never after 8 months; DTaP doses at least 4 weeks apart. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM immunizations i JOIN patients p ON p.id = i.patient_id"
	                          " WHERE i.cvx IN ('116', '119') AND i.administered_on > date(p.dob, '+8 months')"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM immunizations a JOIN immunizations b ON a.patient_id = b.patient_id"
	                          " AND a.cvx = b.cvx AND a.id < b.id WHERE a.cvx = '20'"
	                          " AND julianday(b.administered_on) - julianday(a.administered_on) < 28"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM immunizations i JOIN patients p ON p.id = i.patient_id"
	                          " WHERE i.administered_on < p.dob OR i.administered_on > '" TEST_TODAY "'"), 0);
}

Test(demo, notes_are_soap_signed_and_draft)
{
	emr_db *db = env.db;
	cr_assert_gt(test_int(db, "SELECT count(*) FROM notes WHERE status = 'signed'"), DEMO_PATIENTS);
	cr_assert_gt(test_int(db, "SELECT count(*) FROM notes WHERE status = 'draft'"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM notes WHERE body NOT LIKE '## Subjective%'"
	                          " OR instr(body, '## Objective') = 0 OR instr(body, '## Assessment') = 0"
	                          " OR instr(body, '## Plan') = 0"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM notes WHERE status = 'signed' AND (signed_by IS NULL"
	                          " OR signed_at > '" TEST_NOW "' OR signed_at < created_at)"), 0);
	cr_assert_lt(test_int(db, "SELECT avg(length(body)) FROM notes"), 800);
	/* Drafts are recent. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM notes n JOIN encounters e ON e.id = n.encounter_id"
	                          " WHERE n.status = 'draft' AND e.start_at < date('" TEST_TODAY "', '-15 days')"), 0);
	/* Notes mention the vitals recorded at the visit. */
	cr_assert_gt(test_int(db, "SELECT count(*) FROM notes n JOIN observations o ON o.encounter_id = n.encounter_id"
	                          " AND o.loinc = '8480-6' WHERE instr(n.body, 'BP ' || CAST(o.value_num AS INTEGER) || '/') > 0"),
	             DEMO_PATIENTS);
	/* The full-text index was built: notes are searchable. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'subjective'"),
	             test_int(db, "SELECT count(*) FROM notes"));
	cr_assert_eq(test_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'notes_fts_insert'"), 1);
	/* Past visits are finished and in the past. */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM encounters WHERE status <> 'finished' OR end_at > '" TEST_NOW "'"), 0);
}

Test(demo, future_appointments_do_not_overlap)
{
	emr_db *db = env.db;
	cr_assert_gt(test_int(db, "SELECT count(*) FROM appointments WHERE status = 'booked'"), 5);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments WHERE status = 'booked' AND (start_at <= '" TEST_NOW "'"
	                          " OR start_at > date('" TEST_TODAY "', '+30 days'))"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments a JOIN appointments b ON a.provider_id = b.provider_id"
	                          " AND a.id < b.id WHERE a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', b.start_at, '+' || b.duration_min || ' minutes')"
	                          " AND b.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', a.start_at, '+' || a.duration_min || ' minutes')"), 0);
	/* Clinic hours, weekdays, in New York (TZ is the practice's here). */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments WHERE status = 'booked' AND ("
	                          " time(start_at, 'localtime') < '08:00:00'"
	                          " OR time(start_at, '+' || duration_min || ' minutes', 'localtime') > '17:00:00'"
	                          " OR strftime('%w', start_at, 'localtime') IN ('0', '6')"
	                          " OR duration_min NOT IN (15, 30))"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM encounters WHERE time(start_at, 'localtime') < '08:00:00'"
	                          " OR time(end_at, 'localtime') > '17:00:00' OR strftime('%w', start_at, 'localtime') IN ('0', '6')"), 0);
	/* Nobody inactive or deceased is booked ahead (their past visits stay). */
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments a JOIN patients p ON p.id = a.patient_id"
	                          " WHERE p.status <> 'active' AND a.status = 'booked'"), 0);
}

/* The last three weeks were booked too: each past appointment is done,
 * in the past, and is the one its visit points at (same patient, same
 * start); most recent visits have one (an overlapping visit stays a
 * walk-in rather than an overbook). */
Test(demo, past_visits_were_booked)
{
	emr_db *db = env.db;
	long long done = test_int(db, "SELECT count(*) FROM appointments WHERE status = 'done'");
	long long recent = test_int(db, "SELECT count(*) FROM encounters WHERE status = 'finished'"
	                                " AND start_at >= strftime('%Y-%m-%dT%H:%M:%SZ', '" TEST_NOW "', '-21 days')");
	cr_assert_gt(done, 5);
	cr_assert_geq(done * 10, recent * 8, "%lld of %lld recent visits booked", done, recent);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments WHERE status = 'done' AND start_at > '" TEST_NOW "'"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments a WHERE status = 'done' AND NOT EXISTS"
	                          " (SELECT 1 FROM encounters e WHERE e.appointment_id = a.id AND e.patient_id = a.patient_id"
	                          " AND e.start_at = a.start_at)"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM appointments WHERE overbook = 1"), 0);
}

Test(demo, same_seed_same_practice_other_seed_another)
{
	demo_env a = {0}, b = {0};
	demo_open(&a, "a.db", 120, 7);
	uint64_t ha = content_hash(a.db);
	demo_close(&a);
	snprintf(b.dir, sizeof b.dir, "%s", a.dir);
	demo_open(&b, "b.db", 120, 7);
	cr_assert_eq(content_hash(b.db), ha, "the same seed gave a different practice");
	demo_close(&b);
	demo_open(&b, "c.db", 120, 8);
	cr_assert_neq(content_hash(b.db), ha, "another seed gave the same practice");
	demo_close(&b);
	demo_cleanup(&a);
}

Test(demo, clinic_hours_follow_the_practice_zone_not_tz)
{
	demo_env e = {0};
	setenv("TZ", "UTC", 1);
	setenv("EMR_NOW", TEST_NOW, 1);
	setenv("EMR_USER", "drtest", 1);
	snprintf(e.dir, sizeof e.dir, "/tmp/emr-demo-XXXXXX");
	cr_assert_not_null(mkdtemp(e.dir));
	snprintf(e.path, sizeof e.path, "%s/tz.db", e.dir);
	char err[512];
	e.db = emr_db_open(e.path, EMR_OPEN_CREATE, err, sizeof err);
	cr_assert_not_null(e.db, "%s", err);
	emr_demo_opts o = {.patients = 40, .seed = 3, .login = "drtest"};
	cr_assert_eq(emr_demo_generate(e.db, &o), 0, "%s", emr_db_error(e.db));
	cr_assert_str_eq(getenv("TZ"), "UTC", "TZ was not restored");
	setenv("TZ", "America/New_York", 1);
	tzset();
	cr_assert_eq(test_int(e.db, "SELECT count(*) FROM encounters WHERE time(start_at, 'localtime') < '08:00:00'"
	                            " OR time(end_at, 'localtime') > '17:00:00'"), 0);
	demo_cleanup(&e);
}

/* The demo's books balance: every invoice is the sum of its charge
 * lines and has its one ledger charge entry, each patient's balance
 * (emr_balance) is their ledger, the ledger is invoices less payments,
 * and A/R aging puts every open cent in exactly one bucket, with money
 * in all four (the demo bills four months back). */
Test(demo, billing_ledger_reconciles)
{
	emr_db *db = env.db;
	cr_assert_gt(test_int(db, "SELECT count(*) FROM invoices"), 50);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM invoices i WHERE total_cents <>"
	                          " (SELECT sum(fee_cents * units) FROM charges c WHERE c.invoice_id = i.id)"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM invoices i WHERE (SELECT count(*) FROM ledger l"
	                          " WHERE l.invoice_id = i.id AND kind = 'charge' AND amount_cents = i.total_cents) <> 1"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM charges WHERE status <> 'invoiced'"), 0);
	cr_assert_eq(test_int(db, "SELECT count(*) FROM ledger WHERE posted_at > '" TEST_NOW "'"), 0,
	             "nothing is posted in the future");
	cr_assert_eq(test_int(db, "SELECT count(*) FROM invoices i WHERE (SELECT sum(amount_cents) FROM ledger l"
	                          " WHERE l.invoice_id = i.id) < 0"), 0, "no invoice is overpaid");
	int64_t invoiced = test_int(db, "SELECT sum(total_cents) FROM invoices");
	int64_t paid = test_int(db, "SELECT -sum(amount_cents) FROM ledger WHERE kind = 'payment'");
	cr_assert_gt(paid, 0);
	int64_t balances = 0;
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(db), "SELECT id FROM patients ORDER BY id", -1, &st, NULL),
	             SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t pid = sqlite3_column_int64(st, 0), cents = -1;
		cr_assert_eq(emr_balance(db, pid, &cents), 0, "%s", emr_db_error(db));
		char q[160];
		snprintf(q, sizeof q, "SELECT coalesce(sum(amount_cents), 0) FROM ledger WHERE patient_id = %lld",
		         (long long)pid);
		cr_assert_eq(cents, test_int(db, q), "patient %lld", (long long)pid);
		balances += cents;
	}
	sqlite3_finalize(st);
	cr_assert_eq(balances, invoiced - paid, "balances %lld = invoiced %lld - paid %lld", (long long)balances,
	             (long long)invoiced, (long long)paid);
	int64_t b[4];
	cr_assert_eq(emr_aging(db, b), 0, "%s", emr_db_error(db));
	cr_assert_eq(b[0] + b[1] + b[2] + b[3], balances, "aging %lld+%lld+%lld+%lld vs balances %lld",
	             (long long)b[0], (long long)b[1], (long long)b[2], (long long)b[3], (long long)balances);
	for (int i = 0; i < 4; i++)
		cr_assert_gt(b[i], 0, "aging bucket %d is empty", i);
}
