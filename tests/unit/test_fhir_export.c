/* fhir_export: the FHIR R4 mappings of each record, the Bundle's
 * references, names and escaping, money, and the bulk NDJSON files.
 * Every test exports a chart built with the domain functions into memory
 * and reads the JSON back with jansson. */
#include "testlib.h"

#include "emr/billing.h"
#include "emr/clinical.h"
#include "emr/fhir.h"
#include "emr/fhir_export.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/schedule.h"
#include "emr/visit.h"

#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <sys/stat.h>

static test_env env;
static int64_t pid;

static void setup(void)
{
	test_env_open(&env, false);
	test_exec(env.db, "INSERT INTO icd10cm(code, description, first_release, last_release) VALUES"
	                  " ('E119', 'Type 2 diabetes mellitus without complications', 2026, 2026),"
	                  " ('I10', 'Essential (primary) hypertension', 2026, 2026),"
	                  " ('J069', 'Acute upper respiratory infection, unspecified', 2026, 2026)");
	test_exec(env.db, "UPDATE users SET npi = '1234567893' WHERE login = 'drtest'");
	emr_patient p = {0};
	strcpy(p.given, "José");
	strcpy(p.family, "García");
	strcpy(p.preferred, "Pepe");
	strcpy(p.dob, "1980-06-15");
	strcpy(p.sex, "male");
	strcpy(p.phone, "(217) 555-0101");
	strcpy(p.address, "12 Elm Street");
	strcpy(p.city, "Springfield");
	strcpy(p.state, "IL");
	strcpy(p.postal_code, "62704");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	pid = p.id;
}

static void teardown(void) { test_env_close(&env); }

TestSuite(fhir_export, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ helpers */

static char *export_text(int64_t patient_id)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	int rc = emr_fhir_export_patient(env.db, patient_id, f);
	fclose(f);
	cr_assert_eq(rc, 0, "export: %s", emr_db_error(env.db));
	return buf;
}

static json_t *export_json(int64_t patient_id)
{
	char *text = export_text(patient_id);
	json_error_t err;
	json_t *b = json_loads(text, 0, &err);
	cr_assert_not_null(b, "not JSON: %s", err.text);
	free(text);
	return b;
}

static const char *str(json_t *o, const char *path)
{
	/* "a.b.0.c": objects by key, arrays by index. */
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *v = o;
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) : json_object_get(v, k);
	return v && json_is_string(v) ? json_string_value(v) : NULL;
}

static json_t *get(json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	json_t *v = o;
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) : json_object_get(v, k);
	return v;
}

/* The n-th resource of type (n from 0), or NULL. */
static json_t *resource_n(json_t *bundle, const char *type, int n)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(bundle, "entry"), i, e) {
		json_t *r = json_object_get(e, "resource");
		if (strcmp(str(r, "resourceType"), type) == 0 && n-- == 0)
			return r;
	}
	return NULL;
}

static int count_type(json_t *bundle, const char *type)
{
	int n = 0;
	while (resource_n(bundle, type, n))
		n++;
	return n;
}

static json_t *by_id(json_t *bundle, const char *id)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(bundle, "entry"), i, e)
		if (strcmp(str(e, "resource.id"), id) == 0)
			return json_object_get(e, "resource");
	return NULL;
}

static json_t *by_full_url(json_t *bundle, const char *url)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(bundle, "entry"), i, e)
		if (strcmp(str(e, "fullUrl"), url) == 0)
			return json_object_get(e, "resource");
	return NULL;
}

/* Every "reference" anywhere under v resolves to an entry's fullUrl. */
static void check_references(json_t *bundle, json_t *v, int *n)
{
	if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) check_references(bundle, x, n);
	} else if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) {
			if (strcmp(k, "reference") == 0 && json_is_string(x)) {
				cr_assert_not_null(by_full_url(bundle, json_string_value(x)), "dangling %s", json_string_value(x));
				(*n)++;
			} else {
				check_references(bundle, x, n);
			}
		}
	}
}

static bool has_code(json_t *cc, const char *system, const char *code)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c)
		if (strcmp(str(c, "system"), system) == 0 && strcmp(str(c, "code"), code) == 0)
			return true;
	return false;
}

static int64_t new_visit(const char *type)
{
	emr_encounter e = {.patient_id = pid};
	strcpy(e.type, type);
	strcpy(e.reason, "Follow-up");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	return e.id;
}

/* ------------------------------------------------------------ tests */

Test(fhir_export, bundle_is_a_collection_whose_references_resolve)
{
	int64_t enc = new_visit("office");
	int64_t note;
	cr_assert_eq(emr_note_add(env.db, enc, "soap", "Seen.\n", &note), 0);
	emr_allergy a = {.patient_id = pid, .is_nkda = true};
	strcpy(a.category, "drug");
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	cr_assert_str_eq(str(b, "resourceType"), "Bundle");
	cr_assert_str_eq(str(b, "type"), "collection");
	cr_assert_str_eq(str(b, "entry.0.resource.resourceType"), "Patient");
	cr_assert_str_eq(str(b, "entry.1.resource.resourceType"), "Organization");
	cr_assert_eq(count_type(b, "Practitioner"), 1);
	char uid[33];
	cr_assert_eq(emr_fhir_installation_uid(env.db, uid), 0);
	char prefix[64];
	snprintf(prefix, sizeof prefix, "urn:emr:%s:", uid);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(b, "entry"), i, e) {
		cr_assert(strncmp(str(e, "fullUrl"), "urn:uuid:", 9) == 0);
		json_t *r = json_object_get(e, "resource");
		cr_assert_not_null(str(r, "id"));
		bool ours = false;
		size_t k;
		json_t *id;
		json_array_foreach(json_object_get(r, "identifier"), k, id)
			ours |= strncmp(str(id, "system"), prefix, strlen(prefix)) == 0;
		cr_assert(ours, "%s has no emr identifier", str(r, "id"));
	}
	int refs = 0;
	check_references(b, b, &refs);
	cr_assert_gt(refs, 5);
	/* The same chart exports to the same names. */
	json_t *again = export_json(pid);
	cr_assert_str_eq(str(again, "entry.0.fullUrl"), str(b, "entry.0.fullUrl"));
	json_decref(again);
	json_decref(b);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'export'"), 2);
}

Test(fhir_export, patient_demographics_and_mrn)
{
	json_t *b = export_json(pid);
	json_t *p = resource_n(b, "Patient", 0);
	cr_assert_str_eq(str(p, "identifier.0.type.coding.0.code"), "MR");
	cr_assert_str_eq(str(p, "identifier.0.system"), "urn:emr:mrn");
	cr_assert_str_eq(str(p, "identifier.0.value"), "E000001");
	cr_assert_str_eq(str(p, "name.0.family"), "García");
	cr_assert_str_eq(str(p, "name.0.given.0"), "José");
	cr_assert_str_eq(str(p, "name.1.use"), "usual");
	cr_assert_str_eq(str(p, "name.1.given.0"), "Pepe");
	cr_assert_str_eq(str(p, "gender"), "male");
	cr_assert_str_eq(str(p, "birthDate"), "1980-06-15");
	cr_assert_str_eq(str(p, "telecom.0.value"), "(217) 555-0101");
	cr_assert_str_eq(str(p, "address.0.line.0"), "12 Elm Street");
	cr_assert_str_eq(str(p, "address.0.postalCode"), "62704");
	cr_assert_null(get(p, "deceasedDateTime"));
	json_decref(b);
	cr_assert_eq(emr_patient_retire(env.db, pid, "died at home", "2026-11-01"), 0, "%s", emr_db_error(env.db));
	b = export_json(pid);
	p = resource_n(b, "Patient", 0);
	cr_assert_str_eq(str(p, "deceasedDateTime"), "2026-11-01");
	cr_assert(json_is_false(get(p, "active")));
	json_decref(b);
}

Test(fhir_export, control_characters_become_pictures_and_quotes_stay)
{
	test_exec(env.db, "UPDATE patients SET given_name = 'Eve' || char(27) || '[31m', family_name = 'O''Brien \"Q\" \\ <b>'"
	                  " WHERE id = 1");
	char *text = export_text(pid);
	cr_assert_null(strchr(text, 27), "a raw ESC in the export");
	cr_assert_null(strstr(text, "\\u001b"), "an escaped ESC in the export");
	json_t *b = json_loads(text, 0, NULL);
	cr_assert_not_null(b);
	json_t *p = resource_n(b, "Patient", 0);
	cr_assert_str_eq(str(p, "name.0.given.0"), "Eve\xE2\x90\x9B[31m");  /* U+241B */
	cr_assert_str_eq(str(p, "name.0.family"), "O'Brien \"Q\" \\ <b>");
	json_decref(b);
	free(text);
}

Test(fhir_export, malformed_utf8_is_replaced_not_fatal)
{
	/* Only a program writing the file directly can store this. */
	test_exec(env.db, "UPDATE patients SET family_name = 'Ga' || CAST(X'FF' AS TEXT) || 'rcia' WHERE id = 1");
	json_t *b = export_json(pid);
	cr_assert_str_eq(str(resource_n(b, "Patient", 0), "name.0.family"), "Ga\xEF\xBF\xBDrcia");
	json_decref(b);
}

Test(fhir_export, problems_by_status)
{
	emr_problem p = {.patient_id = pid};
	strcpy(p.icd10, "E11.9");
	strcpy(p.onset_date, "2019-03-01");
	cr_assert_eq(emr_problem_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	emr_problem r = {.patient_id = pid};
	strcpy(r.icd10, "J069");
	strcpy(r.snomed, "54150009");
	strcpy(r.onset_date, "2026-10-01");
	cr_assert_eq(emr_problem_add(env.db, &r), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_problem_resolve(env.db, r.id, "2026-10-15"), 0, "%s", emr_db_error(env.db));
	emr_problem x = {.patient_id = pid};
	strcpy(x.icd10, "I10");
	cr_assert_eq(emr_problem_add(env.db, &x), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_record_retire(env.db, EMR_REC_PROBLEM, x.id, "wrong chart"), 0, "%s", emr_db_error(env.db));

	json_t *b = export_json(pid);
	char id[32];
	snprintf(id, sizeof id, "problem-%lld", (long long)p.id);
	json_t *c = by_id(b, id);
	cr_assert_str_eq(str(c, "clinicalStatus.coding.0.code"), "active");
	cr_assert_str_eq(str(c, "verificationStatus.coding.0.code"), "confirmed");
	cr_assert_str_eq(str(c, "category.0.coding.0.code"), "problem-list-item");
	cr_assert_str_eq(str(c, "code.coding.0.system"), "http://hl7.org/fhir/sid/icd-10-cm");
	cr_assert_str_eq(str(c, "code.coding.0.code"), "E11.9");
	cr_assert_str_eq(str(c, "onsetDateTime"), "2019-03-01");
	cr_assert_null(get(c, "abatementDateTime"));

	snprintf(id, sizeof id, "problem-%lld", (long long)r.id);
	c = by_id(b, id);
	cr_assert_str_eq(str(c, "clinicalStatus.coding.0.code"), "resolved");
	cr_assert_str_eq(str(c, "abatementDateTime"), "2026-10-15");
	cr_assert(has_code(get(c, "code"), "http://snomed.info/sct", "54150009"));
	cr_assert(has_code(get(c, "code"), "http://hl7.org/fhir/sid/icd-10-cm", "J06.9"));

	snprintf(id, sizeof id, "problem-%lld", (long long)x.id);
	c = by_id(b, id);
	cr_assert_null(get(c, "clinicalStatus"), "entered-in-error has no clinical status (con-5)");
	cr_assert_str_eq(str(c, "verificationStatus.coding.0.code"), "entered-in-error");
	json_decref(b);
}

Test(fhir_export, encounter_class_and_diagnoses)
{
	int64_t office = new_visit("office"), tele = new_visit("telehealth"), home = new_visit("home"),
	        hosp = new_visit("hospital");
	int rank;
	cr_assert_eq(emr_dx_add(env.db, office, "I10", &rank), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	struct { int64_t id; const char *cls; } want[] = {{office, "AMB"}, {tele, "VR"}, {home, "HH"}, {hosp, "IMP"}};
	for (size_t i = 0; i < 4; i++) {
		char id[32];
		snprintf(id, sizeof id, "encounter-%lld", (long long)want[i].id);
		json_t *e = by_id(b, id);
		cr_assert_not_null(e, "%s", id);
		cr_assert_str_eq(str(e, "class.code"), want[i].cls);
		cr_assert_str_eq(str(e, "class.system"), "http://terminology.hl7.org/CodeSystem/v3-ActCode");
		cr_assert_str_eq(str(e, "reasonCode.0.text"), "Follow-up");
		cr_assert_not_null(str(e, "period.start"));
		cr_assert_not_null(by_full_url(b, str(e, "participant.0.individual.reference")));
		cr_assert_str_eq(str(by_full_url(b, str(e, "serviceProvider.reference")), "resourceType"), "Organization");
	}
	char id[32];
	snprintf(id, sizeof id, "dx-%lld-1", (long long)office);
	json_t *dx = by_id(b, id);
	cr_assert_not_null(dx);
	cr_assert_str_eq(str(dx, "category.0.coding.0.code"), "encounter-diagnosis");
	cr_assert_str_eq(str(dx, "code.coding.0.code"), "I10");
	snprintf(id, sizeof id, "encounter-%lld", (long long)office);
	cr_assert_str_eq(str(by_full_url(b, str(dx, "encounter.reference")), "id"), id);
	json_decref(b);
}

Test(fhir_export, nkda_and_allergies)
{
	emr_allergy n = {.patient_id = pid, .is_nkda = true};
	strcpy(n.category, "drug");
	cr_assert_eq(emr_allergy_add(env.db, &n), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	json_t *a = resource_n(b, "AllergyIntolerance", 0);
	cr_assert(has_code(get(a, "code"), "http://snomed.info/sct", "409137002"));
	cr_assert(has_code(get(a, "code"), "http://snomed.info/sct", "716186003"), "nothing else is known");
	cr_assert_str_eq(str(a, "clinicalStatus.coding.0.code"), "active");
	cr_assert_str_eq(str(a, "category.0"), "medication");
	json_decref(b);

	/* A food allergy next to NKDA: "no known allergy" is no longer true. */
	emr_allergy f = {.patient_id = pid};
	strcpy(f.substance, "Peanut");
	strcpy(f.category, "food");
	strcpy(f.reaction, "Anaphylaxis");
	strcpy(f.severity, "severe");
	cr_assert_eq(emr_allergy_add(env.db, &f), 0, "%s", emr_db_error(env.db));
	b = export_json(pid);
	char id[32];
	snprintf(id, sizeof id, "allergy-%lld", (long long)n.id);
	a = by_id(b, id);
	cr_assert(has_code(get(a, "code"), "http://snomed.info/sct", "409137002"));
	cr_assert_not(has_code(get(a, "code"), "http://snomed.info/sct", "716186003"));
	snprintf(id, sizeof id, "allergy-%lld", (long long)f.id);
	a = by_id(b, id);
	cr_assert_str_eq(str(a, "code.text"), "Peanut");
	cr_assert_str_eq(str(a, "category.0"), "food");
	cr_assert_str_eq(str(a, "criticality"), "high");
	cr_assert_str_eq(str(a, "reaction.0.manifestation.0.text"), "Anaphylaxis");
	cr_assert_str_eq(str(a, "reaction.0.severity"), "severe");
	json_decref(b);

	cr_assert_eq(emr_record_retire(env.db, EMR_REC_ALLERGY, f.id, "wrong patient"), 0, "%s", emr_db_error(env.db));
	b = export_json(pid);
	a = by_id(b, id);
	cr_assert_null(get(a, "clinicalStatus"), "ait-2");
	cr_assert_str_eq(str(a, "verificationStatus.coding.0.code"), "entered-in-error");
	json_decref(b);
}

Test(fhir_export, prescriptions_and_reported_medications)
{
	int64_t enc = new_visit("office");
	emr_medication rx = {.patient_id = pid, .encounter_id = enc, .is_prescription = true, .quantity = 60, .refills = 3};
	strcpy(rx.drug, "metformin");
	strcpy(rx.rxnorm, "860975");
	strcpy(rx.strength, "500 mg");
	strcpy(rx.form, "oral tablet");
	strcpy(rx.route, "oral");
	strcpy(rx.sig, "Take 1 tablet by mouth twice daily");
	strcpy(rx.quantity_unit, "tablet");
	cr_assert_eq(emr_medication_add(env.db, &rx), 0, "%s", emr_db_error(env.db));
	emr_medication rep = {.patient_id = pid};
	strcpy(rep.drug, "ibuprofen");
	strcpy(rep.strength, "200 mg");
	cr_assert_eq(emr_medication_add(env.db, &rep), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_medication_stop(env.db, rep.id, TEST_TODAY, "stomach upset"), 0, "%s", emr_db_error(env.db));

	json_t *b = export_json(pid);
	char id[32];
	snprintf(id, sizeof id, "med-%lld", (long long)rx.id);
	json_t *m = by_id(b, id);
	cr_assert_str_eq(str(m, "status"), "active");
	cr_assert_str_eq(str(m, "intent"), "order");
	cr_assert(has_code(get(m, "medicationCodeableConcept"), "http://www.nlm.nih.gov/research/umls/rxnorm", "860975"));
	cr_assert_str_eq(str(m, "medicationCodeableConcept.text"), "metformin 500 mg oral tablet");
	cr_assert_str_eq(str(m, "dosageInstruction.0.text"), "Take 1 tablet by mouth twice daily");
	cr_assert_eq(json_integer_value(get(m, "dispenseRequest.numberOfRepeatsAllowed")), 3);
	cr_assert_float_eq(json_number_value(get(m, "dispenseRequest.quantity.value")), 60.0, 1e-9);
	cr_assert_str_eq(str(by_full_url(b, str(m, "requester.reference")), "resourceType"), "Practitioner");
	cr_assert_str_eq(str(by_full_url(b, str(m, "encounter.reference")), "resourceType"), "Encounter");
	cr_assert_not_null(str(m, "authoredOn"));

	snprintf(id, sizeof id, "med-%lld", (long long)rep.id);
	m = by_id(b, id);
	cr_assert_str_eq(str(m, "status"), "stopped");
	cr_assert_str_eq(str(m, "statusReason.text"), "stomach upset");
	cr_assert_str_eq(str(m, "intent"), "plan");
	cr_assert(json_is_true(get(m, "reportedBoolean")));
	cr_assert_str_eq(str(by_full_url(b, str(m, "requester.reference")), "resourceType"), "Patient");
	json_decref(b);
}

Test(fhir_export, vitals_as_the_vital_signs_profile)
{
	emr_vitals v;
	emr_vitals_init(&v);
	v.systolic = 128;
	v.diastolic = 82;
	v.pulse = 72;
	v.weight_kg = 80;
	v.height_cm = 175;
	v.spo2 = 98;
	double bmi;
	cr_assert_eq(emr_vitals_record(env.db, pid, &v, &bmi), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	int panels = 0, singles = 0;
	json_t *o;
	for (int n = 0; (o = resource_n(b, "Observation", n)); n++) {
		cr_assert_str_eq(str(o, "category.0.coding.0.code"), "vital-signs");
		const char *code = str(o, "code.coding.0.code");
		cr_assert_str_neq(code, "8480-6", "systolic is a component, not its own Observation");
		cr_assert_str_neq(code, "8462-4");
		if (strcmp(code, "85354-9") == 0) {
			panels++;
			cr_assert_null(get(o, "valueQuantity"));
			cr_assert_str_eq(str(o, "component.0.code.coding.0.code"), "8480-6");
			cr_assert_float_eq(json_number_value(get(o, "component.0.valueQuantity.value")), 128, 1e-9);
			cr_assert_str_eq(str(o, "component.0.valueQuantity.code"), "mm[Hg]");
			cr_assert_str_eq(str(o, "component.0.valueQuantity.system"), "http://unitsofmeasure.org");
			cr_assert_str_eq(str(o, "component.1.code.coding.0.code"), "8462-4");
			cr_assert_float_eq(json_number_value(get(o, "component.1.valueQuantity.value")), 82, 1e-9);
			cr_assert_eq(json_array_size(get(o, "identifier")), 2, "both rows named");
		} else {
			singles++;
		}
		if (strcmp(code, "8867-4") == 0)
			cr_assert_str_eq(str(o, "valueQuantity.code"), "/min");
		if (strcmp(code, "39156-5") == 0) {
			cr_assert_str_eq(str(o, "valueQuantity.code"), "kg/m2");
			cr_assert_float_eq(json_number_value(get(o, "valueQuantity.value")), bmi, 1e-9);
		}
		if (strcmp(code, "2708-6") == 0)  /* pulse oximetry: both codes */
			cr_assert(has_code(get(o, "code"), "http://loinc.org", "59408-5"));
	}
	cr_assert_eq(panels, 1);
	cr_assert_eq(singles, 5, "pulse, SpO2, weight, height, BMI");
	json_decref(b);
}

Test(fhir_export, labs_with_range_and_interpretation)
{
	emr_observation o = {.patient_id = pid, .has_value = true, .value = 7.4};
	strcpy(o.loinc, "4548-4");
	cr_assert_eq(emr_observation_add(env.db, &o), 0, "%s", emr_db_error(env.db));
	emr_observation t = {.patient_id = pid};
	strcpy(t.loinc, "2093-3");
	strcpy(t.value_text, "hemolyzed");
	strcpy(t.flag, "A");
	cr_assert_eq(emr_observation_add(env.db, &t), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	char id[32];
	snprintf(id, sizeof id, "obs-%lld", (long long)o.id);
	json_t *r = by_id(b, id);
	cr_assert_str_eq(str(r, "category.0.coding.0.code"), "laboratory");
	cr_assert_str_eq(str(r, "code.coding.0.code"), "4548-4");
	cr_assert_float_eq(json_number_value(get(r, "valueQuantity.value")), 7.4, 1e-9);
	cr_assert_str_eq(str(r, "valueQuantity.code"), "%");
	cr_assert_str_eq(str(r, "interpretation.0.coding.0.code"), "H");
	cr_assert_str_eq(str(r, "interpretation.0.coding.0.system"),
	                 "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation");
	cr_assert_not_null(get(r, "referenceRange.0.high"));
	cr_assert_str_eq(str(r, "status"), "final");
	snprintf(id, sizeof id, "obs-%lld", (long long)t.id);
	r = by_id(b, id);
	cr_assert_str_eq(str(r, "valueString"), "hemolyzed");
	cr_assert_str_eq(str(r, "interpretation.0.coding.0.code"), "A");
	json_decref(b);
	/* 7.4 is written as 7.4, not 7.4000000000000004. */
	char *text = export_text(pid);
	cr_assert_not_null(strstr(text, "\"value\": 7.4,"), "%s", strstr(text, "4548-4"));
	free(text);
}

Test(fhir_export, immunization)
{
	emr_immunization im = {.patient_id = pid, .dose_number = 2};
	strcpy(im.cvx, "140");
	strcpy(im.administered_on, "2026-10-01");
	strcpy(im.lot, "AB123");
	strcpy(im.site, "left deltoid");
	strcpy(im.route, "IM");
	cr_assert_eq(emr_immunization_add(env.db, &im), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	json_t *r = resource_n(b, "Immunization", 0);
	cr_assert_str_eq(str(r, "status"), "completed");
	cr_assert_str_eq(str(r, "vaccineCode.coding.0.system"), "http://hl7.org/fhir/sid/cvx");
	cr_assert_str_eq(str(r, "vaccineCode.coding.0.code"), "140");
	cr_assert_str_eq(str(r, "occurrenceDateTime"), "2026-10-01");
	cr_assert_str_eq(str(r, "lotNumber"), "AB123");
	cr_assert_str_eq(str(r, "site.coding.0.code"), "LD");
	cr_assert_str_eq(str(r, "route.coding.0.code"), "IM");
	cr_assert_eq(json_integer_value(get(r, "protocolApplied.0.doseNumberPositiveInt")), 2);
	cr_assert(json_is_true(get(r, "primarySource")));
	json_decref(b);
}

Test(fhir_export, notes_addenda_and_signatures)
{
	int64_t enc = new_visit("office");
	const char *body = "## Assessment\n\nHypertension, *controlled*.  Café \"quoted\" \\ done.\n";
	int64_t note;
	cr_assert_eq(emr_note_add(env.db, enc, "soap", body, &note), 0, "%s", emr_db_error(env.db));
	json_t *b = export_json(pid);
	char id[32];
	snprintf(id, sizeof id, "note-%lld", (long long)note);
	json_t *d = by_id(b, id);
	cr_assert_str_eq(str(d, "docStatus"), "preliminary");
	cr_assert_str_eq(str(d, "status"), "current");
	cr_assert_null(get(d, "authenticator"));
	json_decref(b);

	cr_assert_eq(emr_note_sign(env.db, note), 0, "%s", emr_db_error(env.db));
	int64_t add;
	cr_assert_eq(emr_addendum_add(env.db, note, "Potassium normal.", &add), 0, "%s", emr_db_error(env.db));
	b = export_json(pid);
	d = by_id(b, id);
	cr_assert_str_eq(str(d, "docStatus"), "final");
	cr_assert_str_eq(str(d, "type.coding.0.code"), "11506-3");
	cr_assert_str_eq(str(d, "category.0.coding.0.code"), "clinical-note");
	cr_assert_str_eq(str(d, "content.0.attachment.contentType"), "text/markdown");
	const char *b64 = str(d, "content.0.attachment.data");
	unsigned char raw[512];
	size_t len;
	cr_assert_eq(sodium_base642bin(raw, sizeof raw, b64, strlen(b64), NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	cr_assert_eq(len, strlen(body));
	cr_assert(memcmp(raw, body, len) == 0, "the Markdown decodes back to the note");
	cr_assert_str_eq(str(by_full_url(b, str(d, "authenticator.reference")), "resourceType"), "Practitioner");
	cr_assert_str_eq(str(d, "authenticator.extension.0.url"), EMR_FHIR_EXT_SIGNED_AT);
	cr_assert_str_eq(str(d, "authenticator.extension.0.valueDateTime"), str(d, "date"));
	cr_assert_str_eq(str(by_full_url(b, str(d, "context.encounter.0.reference")), "resourceType"), "Encounter");

	snprintf(id, sizeof id, "addendum-%lld", (long long)add);
	json_t *a = by_id(b, id);
	cr_assert_not_null(a);
	cr_assert_str_eq(str(a, "relatesTo.0.code"), "appends");
	cr_assert_eq(by_full_url(b, str(a, "relatesTo.0.target.reference")), d);
	cr_assert_str_eq(str(a, "docStatus"), "final");
	json_decref(b);
}

Test(fhir_export, appointments_by_status)
{
	test_exec(env.db,
	          "INSERT INTO appointments(patient_id, provider_id, start_at, duration_min, type, reason, status, cancel_reason,"
	          " created_at, updated_at) VALUES"
	          " (1, 1, '2026-12-01T15:00:00Z', 20, 'follow-up', 'Recheck', 'booked', NULL, '" TEST_NOW "', '" TEST_NOW "'),"
	          " (1, 1, '2026-11-01T15:00:00Z', 15, 'acute', 'Cough', 'done', NULL, '" TEST_NOW "', '" TEST_NOW "'),"
	          " (1, 1, '2026-10-01T15:00:00Z', 15, 'acute', '', 'no-show', NULL, '" TEST_NOW "', '" TEST_NOW "'),"
	          " (1, 1, '2026-09-01T15:00:00Z', 15, 'annual', '', 'cancelled', 'Moved away', '" TEST_NOW "', '" TEST_NOW "'),"
	          " (1, 1, '2026-11-25T15:00:00Z', 15, 'acute', '', 'in-room', NULL, '" TEST_NOW "', '" TEST_NOW "')");
	json_t *b = export_json(pid);
	cr_assert_eq(count_type(b, "Appointment"), 5);
	const char *want[][2] = {{"2026-09-01T15:00:00Z", "cancelled"}, {"2026-10-01T15:00:00Z", "noshow"},
	                         {"2026-11-01T15:00:00Z", "fulfilled"}, {"2026-11-25T15:00:00Z", "checked-in"},
	                         {"2026-12-01T15:00:00Z", "booked"}};
	for (int i = 0; i < 5; i++) {
		json_t *a = resource_n(b, "Appointment", i);
		cr_assert_str_eq(str(a, "start"), want[i][0]);
		cr_assert_str_eq(str(a, "status"), want[i][1]);
		cr_assert_str_eq(str(by_full_url(b, str(a, "participant.0.actor.reference")), "resourceType"), "Patient");
		cr_assert_str_eq(str(by_full_url(b, str(a, "participant.1.actor.reference")), "resourceType"), "Practitioner");
	}
	cr_assert_str_eq(str(resource_n(b, "Appointment", 0), "cancelationReason.text"), "Moved away");
	cr_assert_str_eq(str(resource_n(b, "Appointment", 4), "end"), "2026-12-01T15:20:00Z");
	json_decref(b);
}

Test(fhir_export, money_is_exact)
{
	int64_t enc = new_visit("office");
	int rank;
	cr_assert_eq(emr_fee_add(env.db, "99213", NULL, "Office visit", 12550), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_fee_add(env.db, "G0439", NULL, "Annual wellness visit", 3737), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_dx_add(env.db, enc, "I10", &rank), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, enc, "99213", "25", 1, "1", NULL), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, enc, "G0439", "", 3, "1", NULL), 0, "%s", emr_db_error(env.db));
	int64_t inv;
	char number[32];
	cr_assert_eq(emr_invoice_issue(env.db, enc, &inv, number), 0, "%s", emr_db_error(env.db));
	char *text = export_text(pid);
	/* 37.37 x 3 = 112.11 and 125.50 + 112.11 = 237.61, as written. */
	cr_assert_not_null(strstr(text, "\"value\": 112.11,"), "%s", text);
	cr_assert_not_null(strstr(text, "\"value\": 125.5,"));
	cr_assert_not_null(strstr(text, "\"value\": 237.61,"));
	json_t *b = json_loads(text, 0, NULL);
	json_t *c0 = resource_n(b, "ChargeItem", 0), *c1 = resource_n(b, "ChargeItem", 1);
	cr_assert_str_eq(str(c0, "code.coding.0.system"), "http://www.ama-assn.org/go/cpt");
	cr_assert_str_eq(str(c1, "code.coding.0.system"), "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets");
	cr_assert_str_eq(str(c0, "status"), "billed");
	cr_assert_str_eq(str(c0, "priceOverride.currency"), "USD");
	cr_assert_str_eq(str(c0, "reason.0.coding.0.code"), "I10");
	cr_assert_str_eq(str(by_full_url(b, str(c0, "context.reference")), "resourceType"), "Encounter");
	json_t *i = resource_n(b, "Invoice", 0);
	cr_assert_str_eq(str(i, "status"), "issued");
	cr_assert_eq(json_array_size(get(i, "lineItem")), 2);
	cr_assert_eq(by_full_url(b, str(i, "lineItem.1.chargeItemReference.reference")), c1);
	json_decref(b);
	free(text);
}

Test(fhir_export, refused_to_the_front_desk_and_billing_only_for_billers)
{
	emr_user nurse = {0}, desk = {0};
	strcpy(nurse.login, "nurse1");
	strcpy(nurse.display_name, "Nina Nurse");
	strcpy(nurse.role, "nurse");
	cr_assert_eq(emr_user_add(env.db, &nurse), 0, "%s", emr_db_error(env.db));
	strcpy(desk.login, "desk1");
	strcpy(desk.display_name, "Dee Desk");
	strcpy(desk.role, "frontdesk");
	cr_assert_eq(emr_user_add(env.db, &desk), 0, "%s", emr_db_error(env.db));
	int64_t enc = new_visit("office");
	int rank;
	cr_assert_eq(emr_fee_add(env.db, "99213", NULL, "Office visit", 12550), 0);
	cr_assert_eq(emr_dx_add(env.db, enc, "I10", &rank), 0);
	cr_assert_eq(emr_charge_add(env.db, enc, "99213", "", 1, "1", NULL), 0);

	emr_db_set_actor(env.db, nurse.id, "nurse1");
	json_t *b = export_json(pid);
	cr_assert_eq(count_type(b, "ChargeItem"), 0);
	cr_assert_eq(count_type(b, "Condition"), 1, "the visit diagnosis is clinical");
	json_decref(b);

	emr_db_set_actor(env.db, desk.id, "desk1");
	FILE *f = tmpfile();
	cr_assert_neq(emr_fhir_export_patient(env.db, pid, f), 0);
	cr_assert_eq(ftell(f), 0, "nothing written");
	fclose(f);
	cr_assert_not_null(strstr(emr_db_error(env.db), "front-desk"));
}

Test(fhir_export, bulk_ndjson_files)
{
	emr_patient q = {0};
	strcpy(q.given, "Ann");
	strcpy(q.family, "Lee");
	strcpy(q.dob, "1990-01-01");
	strcpy(q.sex, "female");
	cr_assert_eq(emr_patient_add(env.db, &q), 0, "%s", emr_db_error(env.db));
	new_visit("office");
	char dir[400];
	snprintf(dir, sizeof dir, "%s/bulk/out", env.dir);
	emr_fhir_bulk_result res;
	cr_assert_eq(emr_fhir_export_all_ndjson(env.db, dir, NULL, &res), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(res.patients, 2);
	struct stat st;
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	char path[512];
	snprintf(path, sizeof path, "%s/Patient.ndjson", dir);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	FILE *f = fopen(path, "r");
	char line[8192];
	int n = 0;
	while (fgets(line, sizeof line, f)) {
		json_t *r = json_loads(line, 0, NULL);
		cr_assert_not_null(r, "each line is one resource");
		cr_assert_str_eq(str(r, "resourceType"), "Patient");
		json_decref(r);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 2);
	snprintf(path, sizeof path, "%s/Encounter.ndjson", dir);
	f = fopen(path, "r");
	cr_assert(fgets(line, sizeof line, f));
	fclose(f);
	json_t *e = json_loads(line, 0, NULL);
	cr_assert(strncmp(str(e, "subject.reference"), "Patient/patient-", 16) == 0, "relative references");
	json_decref(e);
	snprintf(path, sizeof path, "%s/Immunization.ndjson", dir);
	cr_assert_neq(stat(path, &st), 0, "no file for a type with no resource");
	cr_assert_eq(res.counts[0], 2);

	/* Existing files are refused unless forced, and left alone. */
	cr_assert_neq(emr_fhir_export_all_ndjson(env.db, dir, NULL, NULL), 0);
	cr_assert_not_null(strstr(emr_db_error(env.db), "--force"));
	snprintf(path, sizeof path, "%s/Patient.ndjson", dir);
	cr_assert_eq(stat(path, &st), 0, "the refused run removed nothing");
	cr_assert_gt(st.st_size, 0);
	emr_fhir_bulk_opts force = {.force = true};
	cr_assert_eq(emr_fhir_export_all_ndjson(env.db, dir, &force, &res), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'export' AND detail LIKE '%NDJSON%'"), 2);
}

Test(fhir_export, procedures)
{
	int64_t enc = new_visit("office");
	char sql[1024];
	snprintf(sql, sizeof sql,
	         "INSERT INTO procedures(id, patient_id, encounter_id, code_system, code, description, performed_start,"
	         " performed_end, status, performer, note, created_at) VALUES"
	         " (1, %lld, %lld, 'SNOMED', '80146002', 'Appendectomy', '2020-03-01T10:00:00Z', '2020-03-01T11:30:00Z',"
	         " 'completed', 'Dr. Levi Reichert', 'uneventful', '2026-01-01T00:00:00Z'),"
	         " (2, %lld, NULL, 'CPT', '11400', 'Excision of benign lesion', '2021-05-02T09:00:00Z', NULL,"
	         " 'completed', '', '', '2026-01-01T00:00:00Z'),"
	         " (3, %lld, NULL, 'other', '-', 'Mole removed at a fair', NULL, NULL, 'completed', '', '',"
	         " '2026-01-01T00:00:00Z')",
	         (long long)pid, (long long)enc, (long long)pid, (long long)pid);
	test_exec(env.db, sql);
	snprintf(sql, sizeof sql,
	         "INSERT INTO procedures(id, patient_id, code_system, code, description, performed_start, status,"
	         " created_at, retired_at, retired_reason) VALUES (4, %lld, 'HCPCS', 'G0105', 'Colonoscopy',"
	         " '2022-01-01T08:00:00Z', 'entered-in-error', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z',"
	         " 'wrong patient')",
	         (long long)pid);
	test_exec(env.db, sql);
	json_t *b = export_json(pid);
	cr_assert_eq(count_type(b, "Procedure"), 4);
	int refs = 0;
	check_references(b, b, &refs);

	json_t *p = by_id(b, "procedure-1");
	cr_assert_not_null(p);
	cr_assert_str_eq(str(p, "meta.profile.0"), "http://hl7.org/fhir/us/core/StructureDefinition/us-core-procedure|6.1.0");
	cr_assert(strstr(str(p, "identifier.0.system"), ":procedures") != NULL);
	cr_assert_str_eq(str(p, "identifier.0.value"), "1");
	cr_assert_str_eq(str(p, "status"), "completed");
	cr_assert(has_code(get(p, "code"), EMR_FHIR_SNOMED, "80146002"));
	cr_assert_str_eq(str(p, "code.text"), "Appendectomy");
	cr_assert_str_eq(str(p, "performedPeriod.start"), "2020-03-01T10:00:00Z");
	cr_assert_str_eq(str(p, "performedPeriod.end"), "2020-03-01T11:30:00Z");
	cr_assert_null(get(p, "performedDateTime"));
	cr_assert_str_eq(str(by_full_url(b, str(p, "subject.reference")), "resourceType"), "Patient");
	cr_assert_str_eq(str(by_full_url(b, str(p, "encounter.reference")), "resourceType"), "Encounter");
	/* The performer as the source named them: not a Practitioner here. */
	cr_assert_str_eq(str(p, "performer.0.actor.display"), "Dr. Levi Reichert");
	cr_assert_null(get(p, "performer.0.actor.reference"));
	cr_assert_str_eq(str(p, "note.0.text"), "uneventful");

	p = by_id(b, "procedure-2");
	cr_assert(has_code(get(p, "code"), EMR_FHIR_CPT, "11400"));
	cr_assert_str_eq(str(p, "performedDateTime"), "2021-05-02T09:00:00Z");
	cr_assert_null(get(p, "encounter"));
	cr_assert_null(get(p, "performer"));

	/* Text only; completed with no date: US Core wants performed[x], so
	 * a data-absent-reason. */
	p = by_id(b, "procedure-3");
	cr_assert_null(get(p, "code.coding"));
	cr_assert_str_eq(str(p, "code.text"), "Mole removed at a fair");
	cr_assert_str_eq(str(p, "_performedDateTime.extension.0.valueCode"), "unknown");

	p = by_id(b, "procedure-4");
	cr_assert_str_eq(str(p, "status"), "entered-in-error");
	cr_assert(has_code(get(p, "code"), EMR_FHIR_HCPCS, "G0105"));
	cr_assert_str_eq(str(p, "note.0.text"), "wrong patient");
	json_decref(b);

	/* Bulk: a Procedure.ndjson, counted under "Procedure". */
	char dir[400];
	snprintf(dir, sizeof dir, "%s/bulk-procedures", env.dir);
	emr_fhir_bulk_result res;
	cr_assert_eq(emr_fhir_export_all_ndjson(env.db, dir, NULL, &res), 0, "%s", emr_db_error(env.db));
	int t = -1;
	for (int i = 0; i < EMR_FHIR_NTYPES; i++)
		if (strcmp(emr_fhir_types[i], "Procedure") == 0)
			t = i;
	cr_assert_geq(t, 0, "Procedure is a bulk type");
	cr_assert_eq(res.counts[t], 4);
	char path[512];
	snprintf(path, sizeof path, "%s/Procedure.ndjson", dir);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
}

/* Records written elsewhere (emr import fhir) are attributed to the
 * source's people by name, never to the user who imported them. */
Test(fhir_export, outside_authors_by_name_only)
{
	int64_t enc = new_visit("office");
	int64_t note;
	cr_assert_eq(emr_note_add(env.db, enc, "soap", "Seen elsewhere.\n", &note), 0, "%s", emr_db_error(env.db));
	char sql[512];
	snprintf(sql, sizeof sql, "UPDATE notes SET source_author = 'Dr. Jane Roe' WHERE id = %lld", (long long)note);
	test_exec(env.db, sql);
	cr_assert_eq(emr_note_sign(env.db, note), 0, "%s", emr_db_error(env.db));
	snprintf(sql, sizeof sql,
	         "INSERT INTO note_addenda(id, note_id, author_id, body, created_at, source_author) VALUES"
	         " (70, %lld, (SELECT id FROM users WHERE login = 'drtest'), 'Later.', '2026-01-01T00:00:00Z', 'Dr. Ann Poe')",
	         (long long)note);
	test_exec(env.db, sql);
	snprintf(sql, sizeof sql, "UPDATE encounters SET provider_id = NULL, source_provider = 'Dr. Levi Reichert' WHERE id = %lld",
	         (long long)enc);
	test_exec(env.db, sql);
	emr_medication rx = {.patient_id = pid, .is_prescription = true};
	strcpy(rx.drug, "amoxicillin");
	strcpy(rx.sig, "Take 1 capsule three times daily");
	cr_assert_eq(emr_medication_add(env.db, &rx), 0, "%s", emr_db_error(env.db));
	snprintf(sql, sizeof sql,
	         "UPDATE medications SET prescriber_id = NULL, is_prescription = 0, source_prescriber = 'Dr. Max Ode'"
	         " WHERE id = %lld", (long long)rx.id);
	test_exec(env.db, sql);

	json_t *b = export_json(pid);
	char id[32];
	snprintf(id, sizeof id, "note-%lld", (long long)note);
	json_t *d = by_id(b, id);
	cr_assert_str_eq(str(d, "author.0.display"), "Dr. Jane Roe");
	cr_assert_null(get(d, "author.0.reference"));
	cr_assert_null(get(d, "author.1"));
	cr_assert_null(get(d, "authenticator"), "the importing user did not sign it");
	cr_assert_str_eq(str(d, "docStatus"), "final");
	json_t *a = by_id(b, "addendum-70");
	cr_assert_str_eq(str(a, "author.0.display"), "Dr. Ann Poe");
	cr_assert_null(get(a, "author.0.reference"));
	snprintf(id, sizeof id, "encounter-%lld", (long long)enc);
	json_t *e = by_id(b, id);
	cr_assert_str_eq(str(e, "participant.0.individual.display"), "Dr. Levi Reichert");
	cr_assert_null(get(e, "participant.0.individual.reference"));
	snprintf(id, sizeof id, "med-%lld", (long long)rx.id);
	json_t *m = by_id(b, id);
	cr_assert_str_eq(str(m, "requester.display"), "Dr. Max Ode");
	cr_assert_null(get(m, "requester.reference"));
	/* Nobody here is named, so no Practitioner is included. */
	cr_assert_eq(count_type(b, "Practitioner"), 0);
	json_decref(b);

	/* Unnamed at the source: no author at all. */
	int64_t enc2 = new_visit("office"), note2;
	cr_assert_eq(emr_note_add(env.db, enc2, "soap", "Unsigned elsewhere.\n", &note2), 0, "%s", emr_db_error(env.db));
	snprintf(sql, sizeof sql,
	         "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json, mapped_table,"
	         " mapped_id, patient_id, received_at) VALUES ('x.json', 0, 'DocumentReference', 'x.json#d1', '{}',"
	         " 'notes', %lld, %lld, '2026-01-01T00:00:00Z')",
	         (long long)note2, (long long)pid);
	test_exec(env.db, sql);
	b = export_json(pid);
	snprintf(id, sizeof id, "note-%lld", (long long)note2);
	d = by_id(b, id);
	cr_assert_null(get(d, "author"), "an imported note with no named author has none");
	cr_assert_str_eq(str(d, "docStatus"), "preliminary");
	json_decref(b);

	/* An imported draft signed here afterwards names its signer here. */
	cr_assert_eq(emr_note_sign(env.db, note2), 0, "%s", emr_db_error(env.db));
	b = export_json(pid);
	d = by_id(b, id);
	cr_assert_str_eq(str(d, "docStatus"), "final");
	cr_assert_null(get(d, "author"));
	cr_assert_str_eq(str(by_full_url(b, str(d, "authenticator.reference")), "resourceType"), "Practitioner");
	json_decref(b);
}
