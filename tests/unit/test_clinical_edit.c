/* Editing problems, allergies and medications: the add functions' checks,
 * optimistic concurrency by version, audit rows, frozen retired records. */
#include "testlib.h"

#include "emr/clinical.h"
#include "emr/codes.h"

static test_env env;
static int64_t pid;

static void setup(void)
{
	test_env_open(&env, false);
	emr_patient p = {0};
	strcpy(p.given, "Ana");
	strcpy(p.family, "Ruiz");
	strcpy(p.dob, "1980-06-15");
	strcpy(p.sex, "female");
	cr_assert_eq(emr_patient_add(env.db, &p), 0);
	pid = p.id;
	const char *rel = "E119    Type 2 diabetes mellitus without complications\r\n"
	                  "I10     Essential (primary) hypertension\r\n";
	cr_assert_eq(emr_icd10_load(env.db, rel, strlen(rel), 2026, NULL), 0, "%s", emr_db_error(env.db));
}
static void teardown(void) { test_env_close(&env); }

TestSuite(clinical_edit, .init = setup, .fini = teardown);

static long long audits(const char *table)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit_events WHERE action = 'update' AND entity = '%s'", table);
	return test_int(env.db, sql);
}

static int64_t add_problem(void)
{
	emr_problem p = {0};
	p.patient_id = pid;
	strcpy(p.icd10, "E11.9");
	strcpy(p.onset_date, "2019-03-01");
	cr_assert_eq(emr_problem_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	return p.id;
}

Test(clinical_edit, problem_get_and_update)
{
	int64_t id = add_problem();
	emr_problem p;
	cr_assert_eq(emr_problem_get(env.db, id, &p), 0);
	cr_assert_str_eq(p.icd10, "E119");
	cr_assert_eq(p.version, 1);
	strcpy(p.icd10, "I10");
	p.description[0] = '\0';   /* filled from the code, as on add */
	strcpy(p.onset_date, "2018-01-02");
	strcpy(p.note, "home readings high");
	cr_assert_eq(emr_problem_update(env.db, &p), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(p.version, 2);
	emr_problem q;
	cr_assert_eq(emr_problem_get(env.db, id, &q), 0);
	cr_assert_str_eq(q.icd10, "I10");
	cr_assert_str_eq(q.description, "Essential (primary) hypertension");
	cr_assert_str_eq(q.onset_date, "2018-01-02");
	cr_assert_str_eq(q.note, "home readings high");
	cr_assert_eq(audits("problems"), 1);
}

Test(clinical_edit, problem_update_checks_like_add)
{
	int64_t id = add_problem();
	emr_problem p;
	cr_assert_eq(emr_problem_get(env.db, id, &p), 0);
	strcpy(p.icd10, "X99");
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
	cr_assert(strstr(emr_db_error(env.db), "icd10 \"X99\": not an ICD-10-CM code"), "%s", emr_db_error(env.db));
	strcpy(p.icd10, "E119");
	strcpy(p.onset_date, "2027-01-01");
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
	cr_assert(strstr(emr_db_error(env.db), "onset \"2027-01-01\": is in the future"), "%s", emr_db_error(env.db));
	strcpy(p.onset_date, "1970-01-01");
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
	cr_assert(strstr(emr_db_error(env.db), "before the patient's birth"), "%s", emr_db_error(env.db));
	strcpy(p.onset_date, "2019-02-30");
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
	cr_assert(strstr(emr_db_error(env.db), "not a valid date"), "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT version FROM problems"), 1);
	cr_assert_eq(audits("problems"), 0);
}

Test(clinical_edit, problem_onset_cannot_pass_its_resolution)
{
	int64_t id = add_problem();
	cr_assert_eq(emr_problem_resolve(env.db, id, "2020-05-01"), 0, "%s", emr_db_error(env.db));
	emr_problem p;
	cr_assert_eq(emr_problem_get(env.db, id, &p), 0);
	strcpy(p.onset_date, "2021-01-01");
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
	cr_assert(strstr(emr_db_error(env.db), "is after the problem was resolved (2020-05-01)"), "%s", emr_db_error(env.db));
	strcpy(p.onset_date, "2020-01-01");
	cr_assert_eq(emr_problem_update(env.db, &p), 0, "%s", emr_db_error(env.db));
	cr_assert_str_eq(p.status, "resolved");
}

Test(clinical_edit, a_stale_version_is_a_conflict_and_writes_nothing)
{
	int64_t id = add_problem();
	emr_problem mine, theirs;
	cr_assert_eq(emr_problem_get(env.db, id, &mine), 0);
	cr_assert_eq(emr_problem_get(env.db, id, &theirs), 0);
	strcpy(theirs.note, "saved first");
	cr_assert_eq(emr_problem_update(env.db, &theirs), 0, "%s", emr_db_error(env.db));
	strcpy(mine.note, "saved second");
	cr_assert_eq(emr_problem_update(env.db, &mine), EMR_CONFLICT);
	cr_assert(strstr(emr_db_error(env.db), "was changed by someone else"), "%s", emr_db_error(env.db));
	emr_problem now;
	cr_assert_eq(emr_problem_get(env.db, id, &now), 0);
	cr_assert_str_eq(now.note, "saved first");
	cr_assert_eq(now.version, 2);
	cr_assert_eq(audits("problems"), 1);
}

Test(clinical_edit, retired_records_cannot_be_edited)
{
	int64_t id = add_problem();
	cr_assert_eq(emr_record_retire(env.db, EMR_REC_PROBLEM, id, "wrong chart"), 0);
	emr_problem p;
	cr_assert_eq(emr_problem_get(env.db, id, &p), 0);
	strcpy(p.note, "late edit");
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
	cr_assert(strstr(emr_db_error(env.db), "entered-in-error and can no longer be changed"), "%s", emr_db_error(env.db));
}

Test(clinical_edit, getters_name_unknown_ids)
{
	emr_problem p;
	emr_allergy a;
	emr_medication m;
	cr_assert_eq(emr_problem_get(env.db, 77, &p), -1);
	cr_assert_str_eq(emr_db_error(env.db), "no problem with id 77");
	cr_assert_eq(emr_allergy_get(env.db, 78, &a), -1);
	cr_assert_str_eq(emr_db_error(env.db), "no allergy with id 78");
	cr_assert_eq(emr_medication_get(env.db, 79, &m), -1);
	cr_assert_str_eq(emr_db_error(env.db), "no medication with id 79");
	p.id = 77;
	cr_assert_eq(emr_problem_update(env.db, &p), -1);
}

static int64_t add_allergy(const char *substance, const char *category)
{
	emr_allergy a = {0};
	a.patient_id = pid;
	strcpy(a.substance, substance);
	strcpy(a.category, category);
	strcpy(a.reaction, "hives");
	strcpy(a.severity, "mild");
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	return a.id;
}

Test(clinical_edit, allergy_update)
{
	int64_t id = add_allergy("penicilin", "drug");
	emr_allergy a;
	cr_assert_eq(emr_allergy_get(env.db, id, &a), 0);
	strcpy(a.substance, "penicillin");
	strcpy(a.reaction, "anaphylaxis");
	strcpy(a.severity, "severe");
	strcpy(a.onset_date, "2001-07-04");
	cr_assert_eq(emr_allergy_update(env.db, &a), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(a.version, 2);
	emr_allergy b;
	cr_assert_eq(emr_allergy_get(env.db, id, &b), 0);
	cr_assert_str_eq(b.substance, "penicillin");
	cr_assert_str_eq(b.reaction, "anaphylaxis");
	cr_assert_str_eq(b.severity, "severe");
	cr_assert_str_eq(b.onset_date, "2001-07-04");
	cr_assert_eq(audits("allergies"), 1);
	/* Same checks as adding. */
	strcpy(b.severity, "deadly");
	cr_assert_eq(emr_allergy_update(env.db, &b), -1);
	cr_assert(strstr(emr_db_error(env.db), "severity \"deadly\""), "%s", emr_db_error(env.db));
	strcpy(b.severity, "");
	strcpy(b.substance, "");
	cr_assert_eq(emr_allergy_update(env.db, &b), -1);
	cr_assert(strstr(emr_db_error(env.db), "substance: must not be empty"), "%s", emr_db_error(env.db));
	strcpy(b.substance, "latex");
	strcpy(b.category, "pets");
	cr_assert_eq(emr_allergy_update(env.db, &b), -1);
	cr_assert(strstr(emr_db_error(env.db), "category \"pets\""), "%s", emr_db_error(env.db));
}

Test(clinical_edit, allergy_conflict)
{
	int64_t id = add_allergy("latex", "environment");
	emr_allergy mine, theirs;
	cr_assert_eq(emr_allergy_get(env.db, id, &mine), 0);
	cr_assert_eq(emr_allergy_get(env.db, id, &theirs), 0);
	strcpy(theirs.reaction, "rash");
	cr_assert_eq(emr_allergy_update(env.db, &theirs), 0);
	strcpy(mine.reaction, "wheeze");
	cr_assert_eq(emr_allergy_update(env.db, &mine), EMR_CONFLICT);
	cr_assert_eq(test_int(env.db, "SELECT reaction = 'rash' FROM allergies"), 1);
}

Test(clinical_edit, nkda_has_nothing_to_edit_and_reclassifying_supersedes_it)
{
	emr_allergy n = {0};
	n.patient_id = pid;
	n.is_nkda = true;
	cr_assert_eq(emr_allergy_add(env.db, &n), 0, "%s", emr_db_error(env.db));
	emr_allergy a;
	cr_assert_eq(emr_allergy_get(env.db, n.id, &a), 0);
	cr_assert_eq(emr_allergy_update(env.db, &a), -1);
	cr_assert(strstr(emr_db_error(env.db), "NKDA"), "%s", emr_db_error(env.db));
	/* A food allergy leaves NKDA standing; calling it a drug allergy
	 * later ends NKDA, as adding a drug allergy does. */
	int64_t id = add_allergy("sulfa", "food");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM allergies WHERE is_nkda = 1 AND status = 'active'"), 1);
	cr_assert_eq(emr_allergy_get(env.db, id, &a), 0);
	strcpy(a.category, "drug");
	cr_assert_eq(emr_allergy_update(env.db, &a), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM allergies WHERE is_nkda = 1 AND status = 'active'"), 0);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM allergies WHERE is_nkda = 1 AND status = 'inactive'"), 1);
}

static int64_t add_med(bool rx)
{
	emr_medication m = {0};
	m.patient_id = pid;
	strcpy(m.drug, "metformin");
	strcpy(m.strength, "500 mg");
	strcpy(m.sig, "Take 1 tablet by mouth twice daily");
	m.is_prescription = rx;
	m.quantity = 60;
	strcpy(m.quantity_unit, "tablet");
	m.refills = 2;
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "%s", emr_db_error(env.db));
	return m.id;
}

Test(clinical_edit, medication_update_changes_directions_only)
{
	int64_t id = add_med(true);
	emr_medication m;
	cr_assert_eq(emr_medication_get(env.db, id, &m), 0);
	cr_assert_str_eq(m.drug, "metformin");
	strcpy(m.drug, "insulin");          /* not editable: ignored */
	strcpy(m.strength, "1000 mg");
	strcpy(m.form, "oral tablet");
	strcpy(m.route, "oral");
	strcpy(m.sig, "Take 1 tablet by mouth twice daily with meals");
	m.quantity = 180;
	strcpy(m.quantity_unit, "tablet");
	m.refills = 3;
	strcpy(m.reason, "type 2 diabetes");
	cr_assert_eq(emr_medication_update(env.db, &m), 0, "%s", emr_db_error(env.db));
	cr_assert_str_eq(m.drug, "metformin");
	cr_assert_eq(m.version, 2);
	emr_medication g;
	cr_assert_eq(emr_medication_get(env.db, id, &g), 0);
	cr_assert_str_eq(g.strength, "1000 mg");
	cr_assert_str_eq(g.form, "oral tablet");
	cr_assert_str_eq(g.route, "oral");
	cr_assert_float_eq(g.quantity, 180, 1e-9);
	cr_assert_eq(g.refills, 3);
	cr_assert_str_eq(g.reason, "type 2 diabetes");
	cr_assert(g.is_prescription);
	cr_assert_eq(audits("medications"), 1);
}

Test(clinical_edit, medication_update_checks_like_add)
{
	int64_t id = add_med(true);
	emr_medication m;
	cr_assert_eq(emr_medication_get(env.db, id, &m), 0);
	m.refills = 100;
	cr_assert_eq(emr_medication_update(env.db, &m), -1);
	cr_assert(strstr(emr_db_error(env.db), "refills 100: must be between 0 and 99"), "%s", emr_db_error(env.db));
	m.refills = 1;
	m.quantity = -5;
	cr_assert_eq(emr_medication_update(env.db, &m), -1);
	cr_assert(strstr(emr_db_error(env.db), "quantity -5"), "%s", emr_db_error(env.db));
	m.quantity = 30;
	m.sig[0] = '\0';
	cr_assert_eq(emr_medication_update(env.db, &m), -1);
	cr_assert(strstr(emr_db_error(env.db), "sig: a prescription needs directions"), "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT version FROM medications"), 1);
}

Test(clinical_edit, medication_conflict_and_retired)
{
	int64_t id = add_med(false);
	emr_medication mine, theirs;
	cr_assert_eq(emr_medication_get(env.db, id, &mine), 0);
	cr_assert_eq(emr_medication_get(env.db, id, &theirs), 0);
	theirs.refills = 5;
	cr_assert_eq(emr_medication_update(env.db, &theirs), 0, "%s", emr_db_error(env.db));
	mine.refills = 6;
	cr_assert_eq(emr_medication_update(env.db, &mine), EMR_CONFLICT);
	cr_assert_eq(test_int(env.db, "SELECT refills FROM medications"), 5);
	cr_assert_eq(emr_record_retire(env.db, EMR_REC_MEDICATION, id, "duplicate"), 0);
	cr_assert_eq(emr_medication_get(env.db, id, &mine), 0);
	mine.refills = 1;
	cr_assert_eq(emr_medication_update(env.db, &mine), -1);
	cr_assert(strstr(emr_db_error(env.db), "can no longer be changed"), "%s", emr_db_error(env.db));
}

Test(clinical_edit, observation_codes_search_labs_by_word)
{
	emr_code_list l = {0};
	cr_assert_eq(emr_observation_codes(env.db, "a1c", "lab", 10, &l), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].code, "4548-4");
	cr_assert_str_eq(l.items[0].text, "HbA1c");
	emr_code_list_free(&l);
	cr_assert_eq(emr_observation_codes(env.db, "cholesterol", "lab", 0, &l), 0);
	cr_assert_geq(l.n, 3);
	emr_code_list_free(&l);
	/* Vitals are not labs. */
	cr_assert_eq(emr_observation_codes(env.db, "weight", "lab", 0, &l), 0);
	cr_assert_eq(l.n, 0);
	emr_code_list_free(&l);
	cr_assert_eq(emr_observation_codes(env.db, "", "lab", 3, &l), 0);
	cr_assert_eq(l.n, 3);
	emr_code_list_free(&l);
}
