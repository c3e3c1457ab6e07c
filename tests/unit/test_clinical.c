/* The chart's records: validation, vitals and BMI, flags, retirement. */
#include "testlib.h"

#include "emr/chart.h"
#include "emr/clinical.h"
#include "emr/codes.h"

#include <math.h>

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
	/* Problems need ICD-10-CM codes; load a tiny release instead of the
	 * whole one to keep the test fast. */
	const char *rel = "E119    Type 2 diabetes mellitus without complications\r\n"
	                  "I10     Essential (primary) hypertension\r\n";
	cr_assert_eq(emr_icd10_load(env.db, rel, strlen(rel), 2026, NULL), 0, "%s", emr_db_error(env.db));
}
static void teardown(void) { test_env_close(&env); }

TestSuite(clinical, .init = setup, .fini = teardown);

Test(clinical, bmi_is_weight_over_height_squared)
{
	cr_assert_float_eq(emr_bmi(80, 175), 26.1, 1e-9);
	cr_assert_float_eq(emr_bmi(70, 170), 24.2, 1e-9);
	cr_assert_float_eq(emr_bmi(3.5, 50), 14.0, 1e-9);
	cr_assert(isnan(emr_bmi(0, 170)));
	cr_assert(isnan(emr_bmi(70, NAN)));
}

Test(clinical, measures_convert_us_units_exactly)
{
	double v;
	cr_assert(emr_parse_measure("154lb", "kg", &v));
	cr_assert_float_eq(v, 154 * 0.45359237, 1e-9);
	cr_assert(emr_parse_measure("69 in", "cm", &v));
	cr_assert_float_eq(v, 175.26, 1e-9);
	cr_assert(emr_parse_measure("98.6F", "Cel", &v));
	cr_assert_float_eq(v, 37.0, 1e-9);
	cr_assert(emr_parse_measure("37.2", "Cel", &v));
	cr_assert_float_eq(v, 37.2, 1e-9);
	cr_assert_not(emr_parse_measure("70 stone", "kg", &v));
	cr_assert_not(emr_parse_measure("heavy", "kg", &v));
}

Test(clinical, flag_compares_with_the_range)
{
	cr_assert_str_eq(emr_flag_for(8.1, true, 4.0, true, 5.6), "H");
	cr_assert_str_eq(emr_flag_for(3.9, true, 4.0, true, 5.6), "L");
	cr_assert_str_eq(emr_flag_for(5.6, true, 4.0, true, 5.6), "N");
	cr_assert_str_eq(emr_flag_for(5.0, false, 0, false, 0), "");
	cr_assert_str_eq(emr_flag_for(300, false, 0, true, 200), "H");
}

Test(clinical, absurd_vitals_are_refused_with_the_value_named)
{
	emr_vitals v;
	emr_vitals_init(&v);
	v.systolic = 900;
	v.diastolic = 10;
	cr_assert_neq(emr_vitals_record(env.db, pid, &v, NULL), 0);
	cr_assert(strstr(emr_db_error(env.db), "BP 900/10: systolic 900"), "%s", emr_db_error(env.db));
	emr_vitals_init(&v);
	v.weight_kg = -3;
	cr_assert_neq(emr_vitals_record(env.db, pid, &v, NULL), 0);
	cr_assert(strstr(emr_db_error(env.db), "weight -3 kg"), "%s", emr_db_error(env.db));
	emr_vitals_init(&v);
	v.systolic = 80;
	v.diastolic = 120;
	cr_assert_neq(emr_vitals_record(env.db, pid, &v, NULL), 0);
	cr_assert(strstr(emr_db_error(env.db), "diastolic must be below systolic"));
	emr_vitals_init(&v);
	v.pulse = 72;
	v.temp_c = 60;
	cr_assert_neq(emr_vitals_record(env.db, pid, &v, NULL), 0, "one bad value refuses the whole set");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM observations"), 0);
}

Test(clinical, vitals_record_bp_as_a_pair_and_compute_bmi)
{
	emr_vitals v;
	emr_vitals_init(&v);
	v.systolic = 128;
	v.diastolic = 82;
	v.weight_kg = 80;
	v.height_cm = 175;
	double bmi;
	cr_assert_eq(emr_vitals_record(env.db, pid, &v, &bmi), 0, "%s", emr_db_error(env.db));
	cr_assert_float_eq(bmi, 26.1, 1e-9);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM observations WHERE loinc IN ('8480-6', '8462-4')"
	                              " GROUP BY panel_id"), 2, "systolic and diastolic share a panel");
	cr_assert_eq(test_int(env.db, "SELECT value_num * 10 FROM observations WHERE loinc = '39156-5'"), 261);
	/* A later weight alone uses the height on file. */
	emr_vitals_init(&v);
	v.weight_kg = 85;
	cr_assert_eq(emr_vitals_record(env.db, pid, &v, &bmi), 0);
	cr_assert_float_eq(bmi, 27.8, 1e-9);
}

Test(clinical, no_bmi_under_two_years)
{
	emr_patient baby = {0};
	strcpy(baby.given, "Baby");
	strcpy(baby.family, "Ruiz");
	strcpy(baby.dob, "2026-05-01");
	strcpy(baby.sex, "male");
	cr_assert_eq(emr_patient_add(env.db, &baby), 0);
	emr_vitals v;
	emr_vitals_init(&v);
	v.weight_kg = 7.5;
	v.height_cm = 66;
	double bmi;
	cr_assert_eq(emr_vitals_record(env.db, baby.id, &v, &bmi), 0, "%s", emr_db_error(env.db));
	cr_assert(isnan(bmi));
}

Test(clinical, lab_flag_and_default_range)
{
	emr_observation o = {0};
	o.patient_id = pid;
	strcpy(o.loinc, "4548-4");
	o.has_value = true;
	o.value = 8.1;
	cr_assert_eq(emr_observation_add(env.db, &o), 0, "%s", emr_db_error(env.db));
	cr_assert_str_eq(o.flag, "H");
	cr_assert(o.has_high, "the range comes from the LOINC table");
	emr_observation bad = {0};
	bad.patient_id = pid;
	strcpy(bad.loinc, "4548-4");
	strcpy(bad.unit, "mg/dL");
	bad.has_value = true;
	bad.value = 8.1;
	cr_assert_neq(emr_observation_add(env.db, &bad), 0);
	cr_assert(strstr(emr_db_error(env.db), "unit \"mg/dL\""), "%s", emr_db_error(env.db));
}

Test(clinical, problems_need_a_real_code_and_can_be_resolved)
{
	emr_problem p = {0};
	p.patient_id = pid;
	strcpy(p.icd10, "E11.9");
	cr_assert_eq(emr_problem_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	cr_assert_str_eq(p.icd10, "E119");
	cr_assert_str_eq(p.description, "Type 2 diabetes mellitus without complications");
	emr_problem q = {0};
	q.patient_id = pid;
	strcpy(q.icd10, "Z99.99");
	cr_assert_neq(emr_problem_add(env.db, &q), 0);
	cr_assert(strstr(emr_db_error(env.db), "not an ICD-10-CM code"));
	cr_assert_neq(emr_problem_resolve(env.db, p.id, "2027-01-01"), 0, "future resolution");
	cr_assert_eq(emr_problem_resolve(env.db, p.id, "2026-11-01"), 0, "%s", emr_db_error(env.db));
	emr_problems l = {0};
	emr_problem_list(env.db, pid, EMR_CURRENT, &l);
	cr_assert_eq(l.n, 0, "resolved leaves the active list");
	emr_list_free(&l);
	emr_problem_list(env.db, pid, EMR_ALL, &l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].status, "resolved");
	emr_list_free(&l);
}

Test(clinical, nkda_and_drug_allergies_exclude_each_other)
{
	emr_allergy a = {0};
	a.patient_id = pid;
	a.is_nkda = true;
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	emr_allergy pcn = {0};
	pcn.patient_id = pid;
	strcpy(pcn.substance, "penicillin");
	strcpy(pcn.severity, "severe");
	cr_assert_eq(emr_allergy_add(env.db, &pcn), 0, "%s", emr_db_error(env.db));
	emr_chart c;
	cr_assert_eq(emr_chart_load(env.db, pid, &c), 0);
	char summary[128];
	emr_chart_allergy_summary(&c, summary, sizeof summary);
	cr_assert_str_eq(summary, "penicillin", "a new drug allergy supersedes NKDA");
	emr_chart_free(&c);
	emr_allergy again = {0};
	again.patient_id = pid;
	again.is_nkda = true;
	cr_assert_neq(emr_allergy_add(env.db, &again), 0);
}

Test(clinical, chart_header_allergy_wording)
{
	emr_chart c;
	char s[64];
	cr_assert_eq(emr_chart_load(env.db, pid, &c), 0);
	emr_chart_allergy_summary(&c, s, sizeof s);
	cr_assert_str_eq(s, "Allergies not recorded");
	cr_assert_str_eq(c.age, "46y");
	emr_chart_free(&c);
	emr_allergy a = {0};
	a.patient_id = pid;
	a.is_nkda = true;
	emr_allergy_add(env.db, &a);
	emr_chart_load(env.db, pid, &c);
	emr_chart_allergy_summary(&c, s, sizeof s);
	cr_assert_str_eq(s, "NKDA");
	emr_chart_free(&c);
}

Test(clinical, retired_records_stay_in_history)
{
	emr_medication m = {0};
	m.patient_id = pid;
	strcpy(m.drug, "lisinopril");
	strcpy(m.strength, "10 mg");
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_record_retire(env.db, EMR_REC_MEDICATION, m.id, ""), 0, "a reason is required");
	cr_assert_eq(emr_record_retire(env.db, EMR_REC_MEDICATION, m.id, "wrong patient"), 0);
	cr_assert_neq(emr_record_retire(env.db, EMR_REC_MEDICATION, m.id, "again"), 0);
	cr_assert_neq(emr_medication_stop(env.db, m.id, NULL, "late"), 0, "a retired medication cannot be stopped");
	emr_medications l = {0};
	emr_medication_list(env.db, pid, EMR_ALL, &l);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.items[0].status, "entered-in-error");
	cr_assert_str_eq(l.items[0].retired_reason, "wrong patient");
	emr_list_free(&l);
	cr_assert_neq(emr_record_retire(env.db, EMR_REC_PROBLEM, 999, "x"), 0);
	cr_assert(strstr(emr_db_error(env.db), "no problem with id 999"));
}

Test(clinical, retiring_half_a_bp_retires_the_pair)
{
	emr_vitals v;
	emr_vitals_init(&v);
	v.systolic = 150;
	v.diastolic = 95;
	cr_assert_eq(emr_vitals_record(env.db, pid, &v, NULL), 0);
	int64_t dia = test_int(env.db, "SELECT id FROM observations WHERE loinc = '8462-4'");
	cr_assert_eq(emr_record_retire(env.db, EMR_REC_OBSERVATION, dia, "wrong arm cuff"), 0);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM observations WHERE status = 'entered-in-error'"), 2);
}

/* ------------------------------------------------ imported records */

Test(clinical, problem_code_text_names_snomed)
{
	emr_problem p = {0};
	char buf[40];
	strcpy(p.icd10, "E119");
	strcpy(p.snomed, "44054006");
	cr_assert_str_eq(emr_problem_code_text(&p, buf, sizeof buf), "E11.9");
	p.icd10[0] = '\0';
	cr_assert_str_eq(emr_problem_code_text(&p, buf, sizeof buf), "SNOMED 44054006");
	p.snomed[0] = '\0';
	cr_assert_str_eq(emr_problem_code_text(&p, buf, sizeof buf), "");
}

Test(clinical, an_imported_medication_names_its_outside_prescriber)
{
	emr_medication m = {0};
	m.patient_id = pid;
	strcpy(m.drug, "lisinopril");
	strcpy(m.strength, "10 mg");
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "%s", emr_db_error(env.db));
	emr_medication got;
	cr_assert_eq(emr_medication_get(env.db, m.id, &got), 0);
	cr_assert_not(got.imported);
	cr_assert_str_eq(got.source_prescriber, "");
	char buf[256];
	cr_assert_str_eq(emr_medication_prescriber_text(&got, buf, sizeof buf), "");

	/* As emr import fhir writes one whose prescriber is not a user here. */
	char sql[300];
	snprintf(sql, sizeof sql, "UPDATE medications SET source_prescriber = 'Dr. Levi Reichert' WHERE id = %lld",
	         (long long)m.id);
	test_exec(env.db, sql);
	emr_medications list = {0};
	cr_assert_eq(emr_medication_list(env.db, pid, EMR_CURRENT, &list), 0);
	cr_assert_eq(list.n, 1);
	cr_assert(list.items[0].imported);
	cr_assert_str_eq(list.items[0].source_prescriber, "Dr. Levi Reichert");
	cr_assert_str_eq(emr_medication_prescriber_text(&list.items[0], buf, sizeof buf), "Dr. Levi Reichert (outside)");
	emr_list_free(&list);

	/* Ours: the prescriber's name. */
	emr_medication rx = {0};
	rx.patient_id = pid;
	rx.is_prescription = true;
	strcpy(rx.drug, "metformin");
	strcpy(rx.sig, "Take 1 tablet twice daily");
	rx.quantity = 60;
	cr_assert_eq(emr_medication_add(env.db, &rx), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_medication_get(env.db, rx.id, &got), 0);
	cr_assert_not(got.imported);
	cr_assert_str_eq(emr_medication_prescriber_text(&got, buf, sizeof buf), "Dana Test");
}

static int64_t add_procedure(const char *system, const char *code, const char *desc, const char *start)
{
	char sql[600];
	snprintf(sql, sizeof sql,
	         "INSERT INTO procedures(patient_id, code_system, code, description, performed_start, created_at)"
	         " VALUES (%lld, '%s', '%s', '%s', %s%s%s, '" TEST_NOW "')", (long long)pid, system, code, desc,
	         start ? "'" : "", start ? start : "NULL", start ? "'" : "");
	test_exec(env.db, sql);
	return test_int(env.db, "SELECT max(id) FROM procedures");
}

Test(clinical, procedures_are_listed_newest_first_and_retired_with_a_reason)
{
	int64_t old = add_procedure("SNOMED", "80146002", "Appendectomy", "2001-05-01T10:00:00Z");
	int64_t recent = add_procedure("CPT", "45378", "Colonoscopy", "2024-03-01T10:00:00Z");
	int64_t undated = add_procedure("other", "-", "Something done", NULL);
	char sql[400];
	snprintf(sql, sizeof sql,
	         "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json, mapped_table,"
	         " mapped_id, patient_id, received_at) VALUES ('outside.json', 3, 'Procedure', 'urn:uuid:p-1', '{}',"
	         " 'procedures', %lld, %lld, '" TEST_NOW "')", (long long)old, (long long)pid);
	test_exec(env.db, sql);

	emr_procedures list = {0};
	cr_assert_eq(emr_procedure_list(env.db, pid, EMR_CURRENT, &list), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(list.n, 3);
	cr_assert_eq(list.items[0].id, recent);
	cr_assert_eq(list.items[1].id, old);
	cr_assert_eq(list.items[2].id, undated, "undated last");
	char buf[96];
	cr_assert_str_eq(emr_procedure_code_text(&list.items[0], buf, sizeof buf), "CPT 45378");
	cr_assert_str_eq(emr_procedure_code_text(&list.items[1], buf, sizeof buf), "SNOMED 80146002");
	cr_assert_str_eq(emr_procedure_code_text(&list.items[2], buf, sizeof buf), "");
	cr_assert(list.items[1].imported);
	cr_assert_str_eq(list.items[1].source_file, "outside.json");
	cr_assert_not(list.items[0].imported);
	cr_assert_str_eq(list.items[1].status, "completed");
	emr_list_free(&list);

	cr_assert_neq(emr_procedure_retire(env.db, old, ""), 0, "a reason is required");
	cr_assert_neq(emr_procedure_retire(env.db, 9999, "x"), 0);
	cr_assert(strstr(emr_db_error(env.db), "no procedure with id 9999"), "%s", emr_db_error(env.db));
	cr_assert_eq(emr_procedure_retire(env.db, old, "wrong patient"), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_procedure_retire(env.db, old, "again"), 0);
	cr_assert_eq(emr_procedure_list(env.db, pid, EMR_CURRENT, &list), 0);
	cr_assert_eq(list.n, 2);
	emr_list_free(&list);
	cr_assert_eq(emr_procedure_list(env.db, pid, EMR_ALL, &list), 0);
	cr_assert_eq(list.n, 3);
	cr_assert_str_eq(list.items[1].status, "entered-in-error");
	cr_assert_str_eq(list.items[1].retired_reason, "wrong patient");
	emr_list_free(&list);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'retire' AND entity = 'procedures'"), 1);
}
