/* FHIR R4 import (src/fhir_import.c): each mapping, the BP panel, NKDA,
 * idempotence, matching patients, malformed files leaving the database
 * untouched with the file/entry/field named, and a 10,000-entry bundle. */
#include "testlib.h"

#include "emr/fhir_import.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

static test_env env;

static void setup(void) { test_env_open(&env, false); }
static void teardown(void) { test_env_close(&env); }

TestSuite(fhir_import, .init = setup, .fini = teardown);

/* Writes text to DIR/name and returns the path (static buffer). */
static const char *put(const char *name, const char *text)
{
	static char path[400];
	snprintf(path, sizeof path, "%s/%s", env.dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int import(const char *name, const char *text, emr_fhir_result *r)
{
	emr_fhir_opts o = {0};
	return emr_fhir_import_file(env.db, put(name, text), &o, r);
}

static void text_is(const char *sql, const char *want)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(env.db), sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	const char *got = (const char *)sqlite3_column_text(st, 0);
	cr_assert_str_eq(got ? got : "(null)", want, "%s: got \"%s\", want \"%s\"", sql, got ? got : "(null)", want);
	sqlite3_finalize(st);
}

/* Everything a refused file could have touched. */
static long long rows(void)
{
	return test_int(env.db, "SELECT (SELECT count(*) FROM fhir_received) * 1000000 + (SELECT count(*) FROM patients) * 10000"
	                        " + (SELECT count(*) FROM observations) * 100 + (SELECT count(*) FROM audit_events"
	                        "   WHERE action = 'import')");
}

#define PATIENT(ID, FAMILY, DOB, IDENT) \
	"{\"fullUrl\":\"urn:uuid:" ID "\",\"resource\":{\"resourceType\":\"Patient\",\"id\":\"" ID "\"," \
	"\"identifier\":[{\"type\":{\"coding\":[{\"code\":\"MR\"}]},\"system\":\"urn:x\",\"value\":\"" IDENT "\"}]," \
	"\"name\":[{\"use\":\"official\",\"family\":\"" FAMILY "\",\"given\":[\"Ann\",\"Marie\"]}],\"gender\":\"female\"," \
	"\"birthDate\":\"" DOB "\",\"telecom\":[{\"system\":\"phone\",\"value\":\"555-123-4567\"}]}}"
/* A transaction Bundle of the entries given (NULL-terminated). */
static const char *bundle_of(const char *first, ...)
{
	static char buf[1 << 16];
	size_t n = (size_t)snprintf(buf, sizeof buf, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[%s", first);
	va_list ap;
	va_start(ap, first);
	for (const char *e; (e = va_arg(ap, const char *));)
		n += (size_t)snprintf(buf + n, sizeof buf - n, ",%s", e);
	va_end(ap);
	snprintf(buf + n, sizeof buf - n, "]}");
	return buf;
}
#define BUNDLE(...) bundle_of(__VA_ARGS__, NULL)
#define SUBJ "\"subject\":{\"reference\":\"urn:uuid:p1\"}"

Test(fhir_import, patient_and_identifiers)
{
	emr_fhir_result r;
	cr_assert_eq(import("p.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "MRN-77"),
	             PATIENT("p2", "Kim", "1971-03-04", "0123456789abcdef0123456789abcdef-toolong")), &r), 0, "%s", r.message);
	cr_assert_eq(r.outcome, EMR_FHIR_IMPORTED);
	cr_assert_eq(r.mapped, 2);
	text_is("SELECT mrn || ' ' || given_name || ' ' || family_name || ' ' || dob || ' ' || sex || ' ' || phone"
	        " FROM patients WHERE family_name = 'Lee'", "MRN-77 Ann Marie Lee 1970-03-04 female 555-123-4567");
	/* A source MRN that does not fit emr's rules: a new one, the old kept. */
	text_is("SELECT mrn FROM patients WHERE family_name = 'Kim'", "E000002");
	text_is("SELECT value FROM patient_identifiers i JOIN patients p ON p.id = i.patient_id WHERE p.family_name = 'Kim'",
	        "0123456789abcdef0123456789abcdef-toolong");
	text_is("SELECT source_key || ' ' || mapped_table || ' ' || entry_index FROM fhir_received WHERE entry_index = 1",
	        "urn:uuid:p2 patients 1");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'import'"), 1);
	emr_fhir_result_free(&r);
}

Test(fhir_import, conditions_snomed_icd10_and_resolution)
{
	test_exec(env.db, "INSERT INTO icd10cm(code, description, first_release, last_release) VALUES"
	                  " ('E119', 'Type 2 diabetes mellitus without complications', 2026, 2026)");
	emr_fhir_result r;
	cr_assert_eq(import("c.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:c1\",\"resource\":{\"resourceType\":\"Condition\",\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},"
		"\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"44054006\"},"
		"{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"E11.9\"}],\"text\":\"Diabetes\"}," SUBJ ","
		"\"onsetDateTime\":\"2015-06-01T10:00:00-04:00\"}},"
		"{\"fullUrl\":\"urn:uuid:c2\",\"resource\":{\"resourceType\":\"Condition\",\"clinicalStatus\":{\"coding\":[{\"code\":\"resolved\"}]},"
		"\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"233678006\"}],\"text\":\"Childhood asthma\"}," SUBJ ","
		"\"onsetDateTime\":\"1996-06-27\",\"abatementDateTime\":\"2013-06-10T14:10:09+00:00\"}},"
		"{\"fullUrl\":\"urn:uuid:c3\",\"resource\":{\"resourceType\":\"Condition\","
		"\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"112141AAAA\"}]}," SUBJ "}}"), &r), 0, "%s", r.message);
	text_is("SELECT icd10 || ' ' || snomed || ' ' || description || ' ' || onset_date || ' ' || status FROM problems"
	        " WHERE snomed = '44054006'", "E119 44054006 Diabetes 2015-06-01 active");
	text_is("SELECT status || ' ' || resolved_date FROM problems WHERE snomed = '233678006'", "resolved 2013-06-10");
	/* Not a SNOMED identifier: kept verbatim, with the reason. */
	text_is("SELECT kept_reason FROM fhir_received WHERE source_key = 'urn:uuid:c3'", "no SNOMED CT or known ICD-10-CM code");
	cr_assert_eq(r.mapped, 3);
	cr_assert_eq(r.kept, 1);
	emr_fhir_result_free(&r);
}

Test(fhir_import, allergies_and_nkda)
{
	emr_fhir_result r;
	cr_assert_eq(import("a.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:a1\",\"resource\":{\"resourceType\":\"AllergyIntolerance\",\"category\":[\"medication\"],"
		"\"code\":{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"7980\"}],\"text\":\"Penicillin\"},"
		"\"patient\":{\"reference\":\"urn:uuid:p1\"},\"reaction\":[{\"manifestation\":[{\"text\":\"Hives\"}],\"severity\":\"moderate\"}]}},"
		"{\"fullUrl\":\"urn:uuid:a2\",\"resource\":{\"resourceType\":\"AllergyIntolerance\","
		"\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"409137002\",\"display\":\"No known drug allergy\"}]},"
		"\"patient\":{\"reference\":\"urn:uuid:p1\"}}}"), &r), 0, "%s", r.message);
	text_is("SELECT substance || ' ' || substance_code || ' ' || category || ' ' || reaction || ' ' || severity"
	        " FROM allergies WHERE is_nkda = 0", "Penicillin 7980 drug Hives moderate");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM allergies WHERE is_nkda = 1 AND substance IS NULL"), 1);
	emr_fhir_result_free(&r);
}

Test(fhir_import, medication_split_and_sig)
{
	emr_fhir_result r;
	cr_assert_eq(import("m.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:m1\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
		"\"medicationCodeableConcept\":{\"coding\":[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"314076\","
		"\"display\":\"lisinopril 10 MG Oral Tablet\"}]}," SUBJ ",\"authoredOn\":\"2020-01-02\","
		"\"requester\":{\"display\":\"Dr. Elsewhere\"},"
		"\"dosageInstruction\":[{\"text\":\"Take 1 tablet by mouth daily\"}],"
		"\"dispenseRequest\":{\"quantity\":{\"value\":30,\"unit\":\"tablet\"},\"numberOfRepeatsAllowed\":3}}},"
		"{\"fullUrl\":\"urn:uuid:m2\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"stopped\",\"intent\":\"order\","
		"\"medicationCodeableConcept\":{\"text\":\"Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet\"}," SUBJ ","
		"\"dosageInstruction\":[{\"timing\":{\"repeat\":{\"frequency\":2,\"period\":1,\"periodUnit\":\"d\"}},\"asNeededBoolean\":true}]}}"),
		&r), 0, "%s", r.message);
	text_is("SELECT drug || '|' || rxnorm || '|' || strength || '|' || form || '|' || sig || '|' || quantity || '|' || refills"
	        " || '|' || start_date || '|' || status || '|' || is_prescription || '|' || source_prescriber FROM medications WHERE rxnorm = '314076'",
	        "lisinopril|314076|10 mg|oral tablet|Take 1 tablet by mouth daily|30.0|3|2020-01-02|active|0|Dr. Elsewhere");
	/* "stopped" without a stop date: over all the same. */
	text_is("SELECT drug || '|' || strength || '|' || form || '|' || sig || '|' || status FROM medications WHERE rxnorm IS NULL",
	        "Amoxicillin / Clavulanate|250 mg / 125 mg|oral tablet|twice a day, as needed|completed");
	emr_fhir_result_free(&r);
	/* Other shapes of a name: a package quantity first, emr's own lower
	 * case, a percentage, a parenthesised equivalent. */
	cr_assert_eq(import("m2.json", BUNDLE(
		"{\"fullUrl\":\"urn:uuid:n1\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"medicationCodeableConcept\":{\"text\":\"24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet\"}}}",
		"{\"fullUrl\":\"urn:uuid:n2\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"medicationCodeableConcept\":{\"text\":\"amoxicillin 400 mg/5 mL oral suspension\"}}}",
		"{\"fullUrl\":\"urn:uuid:n3\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"medicationCodeableConcept\":{\"text\":\"adapalene 0.1% topical gel\"}}}",
		"{\"fullUrl\":\"urn:uuid:n4\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"medicationCodeableConcept\":{\"text\":\"calcium carbonate / cholecalciferol 600 mg / 10 mcg (400 units) oral tablet\"}}}",
		"{\"fullUrl\":\"urn:uuid:n5\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"medicationCodeableConcept\":{\"text\":\"Jolivette 28 Day Pack\"}}}"), &r), 0, "%s", r.message);
	text_is("SELECT group_concat(drug || '|' || strength || '|' || form, ';') FROM (SELECT * FROM medications WHERE id > 2 ORDER BY id)",
	        "Metformin hydrochloride|500 mg|extended release oral tablet, 24 hr;amoxicillin|400 mg/5 mL|oral suspension;"
	        "adapalene|0.1%|topical gel;calcium carbonate / cholecalciferol|600 mg / 10 mcg (400 units)|oral tablet;"
	        "Jolivette 28 Day Pack||");
	emr_fhir_result_free(&r);
}

Test(fhir_import, observations_bp_panel_ranges_text_and_new_codes)
{
	emr_fhir_result r;
	cr_assert_eq(import("o.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:bp\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"category\":[{\"coding\":[{\"code\":\"vital-signs\"}]}],"
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]}," SUBJ ",\"effectiveDateTime\":\"2021-05-06T09:30:00-04:00\","
		"\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
		"\"valueQuantity\":{\"value\":82,\"unit\":\"mmHg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}},"
		"{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
		"\"valueQuantity\":{\"value\":128,\"unit\":\"mmHg\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}}]}},"
		"{\"fullUrl\":\"urn:uuid:lab\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]}," SUBJ ",\"effectiveDateTime\":\"2021-05-06\","
		"\"valueQuantity\":{\"value\":7.4,\"unit\":\"%\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"%\"},"
		"\"referenceRange\":[{\"low\":{\"value\":4},\"high\":{\"value\":5.6}}],\"interpretation\":[{\"coding\":[{\"code\":\"H\"}]}]}},"
		"{\"fullUrl\":\"urn:uuid:txt\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"72166-2\",\"display\":\"Tobacco smoking status\"}]}," SUBJ ","
		"\"effectiveDateTime\":\"2021-05-06\",\"valueCodeableConcept\":{\"text\":\"Never smoker\"}}},"
		"{\"fullUrl\":\"urn:uuid:lb\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"category\":[{\"coding\":[{\"code\":\"vital-signs\"}]}],"
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"29463-7\"}]}," SUBJ ",\"effectiveDateTime\":\"2021-05-06\","
		"\"valueQuantity\":{\"value\":154,\"system\":\"http://unitsofmeasure.org\",\"code\":\"[lb_av]\"}}}"), &r), 0, "%s", r.message);
	cr_assert_eq(r.mapped, 5);
	/* Two rows sharing panel_id = the systolic row's id. */
	text_is("SELECT s.value_num || '/' || d.value_num || ' ' || s.unit || ' ' || s.effective_at FROM observations s"
	        " JOIN observations d ON d.panel_id = s.id AND d.loinc = '8462-4' WHERE s.loinc = '8480-6' AND s.panel_id = s.id",
	        "128.0/82.0 mm[Hg] 2021-05-06T13:30:00Z");
	text_is("SELECT value_num || ' ' || ref_low || ' ' || ref_high || ' ' || flag || ' ' || effective_at FROM observations"
	        " WHERE loinc = '4548-4'", "7.4 4.0 5.6 H 2021-05-06T12:00:00Z");
	text_is("SELECT value_text FROM observations WHERE loinc = '72166-2'", "Never smoker");
	text_is("SELECT kind || ' ' || origin || ' ' || name FROM loinc WHERE code = '72166-2'", "lab imported Tobacco smoking status");
	/* Pounds become kilograms: vital signs keep their canonical unit. */
	text_is("SELECT printf('%.2f', value_num) || ' ' || unit FROM observations WHERE loinc = '29463-7'", "69.85 kg");
	emr_fhir_result_free(&r);
}

Test(fhir_import, immunization_procedure_encounter)
{
	emr_fhir_result r;
	cr_assert_eq(import("i.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:pr\",\"resource\":{\"resourceType\":\"Practitioner\",\"name\":[{\"family\":\"Reichert\",\"given\":[\"Levi\"],\"prefix\":[\"Dr.\"]}]}},"
		"{\"fullUrl\":\"urn:uuid:e1\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"},"
		"\"type\":[{\"text\":\"Encounter for problem\"}]," SUBJ ",\"participant\":[{\"individual\":{\"reference\":\"urn:uuid:pr\"}}],"
		"\"period\":{\"start\":\"1994-03-21T14:10:09+00:00\",\"end\":\"1994-03-21T14:25:09+00:00\"}}},"
		"{\"fullUrl\":\"urn:uuid:i1\",\"resource\":{\"resourceType\":\"Immunization\",\"status\":\"completed\","
		"\"vaccineCode\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/cvx\",\"code\":\"999\",\"display\":\"Made-up vaccine\"}]},"
		"\"patient\":{\"reference\":\"urn:uuid:p1\"},\"encounter\":{\"reference\":\"urn:uuid:e1\"},\"occurrenceDateTime\":\"1994-03-21T14:10:09+00:00\","
		"\"lotNumber\":\"AB12\",\"route\":{\"coding\":[{\"code\":\"IM\"}]},\"site\":{\"coding\":[{\"code\":\"LD\"}]}}},"
		"{\"fullUrl\":\"urn:uuid:x1\",\"resource\":{\"resourceType\":\"Procedure\",\"status\":\"completed\","
		"\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"428191000124101\"}],\"text\":\"Documentation of current medications\"},"
		SUBJ ",\"encounter\":{\"reference\":\"urn:uuid:e1\"},\"performedPeriod\":{\"start\":\"1994-03-21T14:10:09+00:00\",\"end\":\"1994-03-21T14:25:09+00:00\"}}}"),
		&r), 0, "%s", r.message);
	text_is("SELECT type || ' ' || status || ' ' || start_at || ' ' || end_at || ' ' || source_provider || ' ' || ifnull(provider_id, 'none')"
	        " FROM encounters", "office finished 1994-03-21T14:10:09Z 1994-03-21T14:25:09Z Dr. Levi Reichert none");
	text_is("SELECT i.cvx || ' ' || c.short_name || ' ' || c.origin || ' ' || i.administered_on || ' ' || i.lot || ' ' || i.route || ' ' || i.site"
	        " || ' ' || (i.encounter_id IS NOT NULL) FROM immunizations i JOIN cvx c ON c.code = i.cvx",
	        "999 Made-up vaccine imported 1994-03-21 AB12 IM left deltoid 1");
	text_is("SELECT code_system || ' ' || code || ' ' || performed_start || ' ' || status || ' ' || (encounter_id IS NOT NULL) FROM procedures",
	        "SNOMED 428191000124101 1994-03-21T14:10:09Z completed 1");
	text_is("SELECT display FROM fhir_received WHERE resource_type = 'Practitioner'", "Dr. Levi Reichert");
	emr_fhir_result_free(&r);
	/* Procedures are never deleted. */
	cr_assert(strstr(test_exec_fails(env.db, "DELETE FROM procedures"), "never deleted"));
}

Test(fhir_import, documents_become_notes_and_appends_addenda)
{
	/* "Visit note\n" and "Addendum text" in base64. */
	emr_fhir_result r;
	cr_assert_eq(import("d.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:d2\",\"resource\":{\"resourceType\":\"DocumentReference\",\"status\":\"current\"," SUBJ ","
		"\"relatesTo\":[{\"code\":\"appends\",\"target\":{\"reference\":\"urn:uuid:d1\"}}],\"date\":\"2020-02-03T10:00:00Z\","
		"\"content\":[{\"attachment\":{\"contentType\":\"text/markdown\",\"data\":\"QWRkZW5kdW0gdGV4dA==\"}}]}},"
		"{\"fullUrl\":\"urn:uuid:d1\",\"resource\":{\"resourceType\":\"DocumentReference\",\"status\":\"current\",\"docStatus\":\"final\"," SUBJ ","
		"\"date\":\"2020-02-02T10:00:00Z\",\"author\":[{\"display\":\"Dr. Away\"}],"
		"\"content\":[{\"attachment\":{\"contentType\":\"text/plain; charset=utf-8\",\"data\":\"VmlzaXQgbm90ZQo=\"}}]}}"), &r), 0, "%s", r.message);
	text_is("SELECT body || '|' || status || '|' || signed_at || '|' || source_author FROM notes", "Visit note\n|signed|2020-02-02T10:00:00Z|Dr. Away");
	text_is("SELECT a.body FROM note_addenda a JOIN notes n ON n.id = a.note_id", "Addendum text");
	/* A note lives in a visit: one was made for the document. */
	text_is("SELECT type || ' ' || start_at FROM encounters", "other 2020-02-02T10:00:00Z");
	emr_fhir_result_free(&r);
}

Test(fhir_import, reimport_adds_nothing)
{
	const char *b = BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:lab\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]}," SUBJ ",\"effectiveDateTime\":\"2021-05-06\","
		"\"valueQuantity\":{\"value\":7.4,\"unit\":\"%\"}}}");
	emr_fhir_result r;
	cr_assert_eq(import("r.json", b, &r), 0, "%s", r.message);
	emr_fhir_result_free(&r);
	long long before = rows();
	cr_assert_eq(import("r.json", b, &r), 0, "%s", r.message);
	cr_assert_eq(r.outcome, EMR_FHIR_ALREADY);
	cr_assert_eq(r.already, 2);
	cr_assert_eq(r.mapped + r.kept, 0);
	cr_assert_eq(rows(), before);
	emr_fhir_result_free(&r);
}

Test(fhir_import, matching_patient_lists_candidates_unless_merged)
{
	emr_fhir_result r;
	cr_assert_eq(import("a.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1")), &r), 0, "%s", r.message);
	emr_fhir_result_free(&r);
	long long before = rows();
	/* Another system's record of the same person: same name and birth
	 * date, in capitals and without the accent. */
	test_exec(env.db, "UPDATE patients SET family_name = 'Lée'");
	const char *b = BUNDLE(PATIENT("other", "LEE", "1970-03-04", "Z9"),
		"{\"fullUrl\":\"urn:uuid:o1\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"4548-4\"}]},\"subject\":{\"reference\":\"urn:uuid:other\"},"
		"\"effectiveDateTime\":\"2021-05-06\",\"valueQuantity\":{\"value\":7.4,\"unit\":\"%\"}}}");
	cr_assert_eq(import("b.json", b, &r), 1);
	cr_assert_eq(r.outcome, EMR_FHIR_CANDIDATES);
	cr_assert_eq(r.ncandidates, 1);
	cr_assert_str_eq(r.candidates[0].mrn, "M1");
	cr_assert_str_eq(r.candidates[0].dob, "1970-03-04");
	cr_assert(strstr(r.message, "b.json: entry 0 (Patient)"), "%s", r.message);
	cr_assert_eq(rows(), before, "nothing written");
	emr_fhir_result_free(&r);
	emr_fhir_opts o = {.merge = true};
	cr_assert_eq(emr_fhir_import_file(env.db, put("b.json", b), &o, &r), 0, "%s", r.message);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM patients"), 1);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id WHERE p.mrn = 'M1'"), 1);
	/* The other system's identifier is now known: the next import matches by it. */
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM patient_identifiers WHERE value = 'Z9'"), 1);
	emr_fhir_result_free(&r);
}

/* Each malformed file is refused; the database is unchanged and the
 * message names the file, the entry (0-based) and the field. */
Test(fhir_import, malformed_files_change_nothing)
{
	/* Each text its own copy: bundle_of() reuses its buffer. */
	const struct { const char *name, *text, *want; } cases[] = {
		{"notjson.json", "{\"resourceType\": \"Bundle\", entry: []}", "notjson.json: not JSON: line 1, column 32"},
		{"trunc.json", "{\"resourceType\":\"Bundle\",\"type\":\"collection\",\"entry\":[{\"resource\":{\"resourceType\":\"Pat",
		 "trunc.json: not JSON: line 1, column"},
		{"nort.json", strdup(BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"), "{\"resource\":{\"id\":\"x\"}}")),
		 "nort.json: entry 1 (?): resourceType: missing"},
		{"dangle.json", strdup(BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		 "{\"fullUrl\":\"urn:uuid:o1\",\"resource\":{\"resourceType\":\"Observation\",\"subject\":{\"reference\":\"urn:uuid:gone\"}}}")),
		 "dangle.json: entry 1 (Observation): subject.reference \"urn:uuid:gone\": refers to nothing"},
		{"date.json", strdup(BUNDLE(PATIENT("p1", "Lee", "2023-02-30", "M1"))),
		 "date.json: entry 0 (Patient): birthDate \"2023-02-30\": not a valid FHIR date"},
		{"dup.json", strdup(BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"), PATIENT("p1", "Kim", "1971-03-04", "M2"))),
		 "dup.json: entry 1 (Patient): fullUrl \"urn:uuid:p1\": also the fullUrl of entry 0"},
		{"noname.json", strdup(BUNDLE("{\"fullUrl\":\"urn:uuid:p1\",\"resource\":{\"resourceType\":\"Patient\",\"birthDate\":\"1970-01-01\"}}")),
		 "noname.json: entry 0 (Patient): name: a chart needs a family and a given name"},
		{"b64.json", strdup(BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		 "{\"fullUrl\":\"urn:uuid:d1\",\"resource\":{\"resourceType\":\"DocumentReference\",\"status\":\"current\"," SUBJ ","
		 "\"content\":[{\"attachment\":{\"contentType\":\"text/plain\",\"data\":\"!!!not base64!!!\"}}]}}")),
		 "b64.json: entry 1 (DocumentReference): content[0].attachment.data: not base64"},
		{"type.json", "{\"resourceType\":\"Bundle\",\"type\":\"document\",\"entry\":[]}", "type.json: Bundle.type \"document\""},
	};
	long long before = rows();
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		emr_fhir_result r;
		cr_assert_eq(import(cases[i].name, cases[i].text, &r), -1, "%s was accepted", cases[i].name);
		cr_assert_eq(r.outcome, EMR_FHIR_REFUSED);
		cr_assert(strstr(r.message, cases[i].want), "%s: message \"%s\" lacks \"%s\"", cases[i].name, r.message, cases[i].want);
		cr_assert_eq(rows(), before, "%s changed the database", cases[i].name);
		emr_fhir_result_free(&r);
	}
	/* Deeper than jansson's limit: a clean refusal, not a crash. */
	size_t depth = 5000;
	char *deep = malloc(depth * 2 + 64);
	size_t n = (size_t)sprintf(deep, "{\"resourceType\":\"Basic\",\"x\":");
	for (size_t i = 0; i < depth; i++)
		deep[n++] = '[';
	for (size_t i = 0; i < depth; i++)
		deep[n++] = ']';
	strcpy(deep + n, "}");
	emr_fhir_result r;
	cr_assert_eq(import("deep.json", deep, &r), -1);
	cr_assert(strstr(r.message, "deep.json: not JSON: line 1, column") && strstr(r.message, "depth"), "%s", r.message);
	free(deep);
	emr_fhir_result_free(&r);
	cr_assert_eq(rows(), before);
}

Test(fhir_import, unknown_types_are_kept_and_counted)
{
	emr_fhir_result r;
	cr_assert_eq(import("u.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:c1\",\"resource\":{\"resourceType\":\"Claim\",\"patient\":{\"reference\":\"urn:uuid:p1\"}}},"
		"{\"fullUrl\":\"urn:uuid:z1\",\"resource\":{\"resourceType\":\"Zebra\",\"stripes\":7}}"), &r), 0, "%s", r.message);
	cr_assert_eq(r.mapped, 1);
	cr_assert_eq(r.kept, 2);
	bool zebra = false;
	for (size_t i = 0; i < r.ncounts; i++)
		if (!strcmp(r.counts[i].type, "Zebra") && r.counts[i].kept == 1)
			zebra = true;
	cr_assert(zebra);
	text_is("SELECT json FROM fhir_received WHERE resource_type = 'Zebra'", "{\"resourceType\":\"Zebra\",\"stripes\":7}");
	text_is("SELECT kept_reason FROM fhir_received WHERE resource_type = 'Zebra'", "a resource type emr does not know");
	/* Append-only. */
	cr_assert(strstr(test_exec_fails(env.db, "UPDATE fhir_received SET json = '{}'"), "verbatim"));
	cr_assert(strstr(test_exec_fails(env.db, "DELETE FROM fhir_received"), "verbatim"));
	emr_fhir_result_free(&r);
}

Test(fhir_import, ndjson_by_content)
{
	emr_fhir_result r;
	cr_assert_eq(import("bulk.json",
		"{\"resourceType\":\"Patient\",\"id\":\"n1\",\"name\":[{\"family\":\"Nd\",\"given\":[\"Jo\"]}],\"birthDate\":\"1990-01-01\"}\n"
		"{\"resourceType\":\"Observation\",\"id\":\"o1\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/n1\"},"
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"effectiveDateTime\":\"2020-01-01T08:00:00Z\","
		"\"valueQuantity\":{\"value\":64,\"code\":\"/min\",\"system\":\"http://unitsofmeasure.org\"}}\n", &r), 0, "%s", r.message);
	cr_assert_eq(r.entries, 2);
	cr_assert_eq(r.mapped, 2);
	text_is("SELECT source_key LIKE 'Observation/o1@%' FROM fhir_received WHERE entry_index = 1", "1");
	/* An NDJSON line is kept byte for byte. */
	text_is("SELECT json FROM fhir_received WHERE entry_index = 0",
	        "{\"resourceType\":\"Patient\",\"id\":\"n1\",\"name\":[{\"family\":\"Nd\",\"given\":[\"Jo\"]}],\"birthDate\":\"1990-01-01\"}");
	emr_fhir_result_free(&r);
	/* A bad line names its entry and line. */
	cr_assert_eq(import("bad.ndjson", "{\"resourceType\":\"Basic\"}\n{oops\n", &r), -1);
	cr_assert(strstr(r.message, "bad.ndjson: entry 1: not JSON: line 2"), "%s", r.message);
	emr_fhir_result_free(&r);
}

/* A generated bundle of 10,000 entries (one patient, visits and their
 * vitals and labs) imports in one transaction, quickly. */
Test(fhir_import, ten_thousand_entries)
{
	char path[400];
	snprintf(path, sizeof path, "%s/big.json", env.dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" PATIENT("p1", "Lee", "1970-03-04", "M1"), f);
	for (int i = 1; i < 10000; i++) {
		int day = i % 28 + 1, month = i / 28 % 12 + 1, year = 2000 + i / 336;
		if (i % 10 == 1)
			fprintf(f, ",{\"fullUrl\":\"urn:uuid:e%d\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\","
			           "\"class\":{\"code\":\"AMB\"}," SUBJ ",\"period\":{\"start\":\"%04d-%02d-%02dT10:00:00Z\"}}}",
			        i, year, month, day);
		else
			fprintf(f, ",{\"fullUrl\":\"urn:uuid:o%d\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
			           "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\"}]}," SUBJ ","
			           "\"encounter\":{\"reference\":\"urn:uuid:e%d\"},\"effectiveDateTime\":\"%04d-%02d-%02dT10:05:00Z\","
			           "\"valueQuantity\":{\"value\":%d,\"system\":\"http://unitsofmeasure.org\",\"code\":\"%s\"}}}",
			        i, i % 2 ? "8867-4" : "2345-7", i - (i - 1) % 10, year, month, day, 60 + i % 40, i % 2 ? "/min" : "mg/dL");
	}
	fputs("]}", f);
	fclose(f);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	emr_fhir_opts o = {0};
	emr_fhir_result r;
	cr_assert_eq(emr_fhir_import_file(env.db, path, &o, &r), 0, "%s", r.message);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("10,000 entries (%ld bytes) in %.2f s: %.0f resources/s", r.bytes, secs, 10000 / secs);
	cr_assert_eq(r.entries, 10000);
	cr_assert_eq(r.mapped, 10000);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM observations"), 8999);
	cr_assert_lt(secs, 10.0, "took %.2f s", secs);
	emr_fhir_result_free(&r);
}

/* Practitioners: one of ours by NPI becomes the visit's provider; another
 * names the visit by name, through a conditional reference; one that
 * resolves to nothing known keeps the reference's display. */
Test(fhir_import, practitioners_and_conditional_references)
{
	test_exec(env.db, "UPDATE users SET npi = '1234567893' WHERE login = 'drtest'");
	emr_fhir_result r;
	cr_assert_eq(import("pr.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:ours\",\"resource\":{\"resourceType\":\"Practitioner\","
		"\"identifier\":[{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\"1234567893\"}],\"name\":[{\"text\":\"Dana Test\"}]}}",
		"{\"fullUrl\":\"urn:uuid:theirs\",\"resource\":{\"resourceType\":\"Practitioner\","
		"\"identifier\":[{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\"9999975559\"}],"
		"\"name\":[{\"family\":\"Bogisich\",\"given\":[\"Alexis\"],\"prefix\":[\"Dr.\"]}]}}",
		"{\"fullUrl\":\"urn:uuid:e1\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"}," SUBJ ","
		"\"participant\":[{\"individual\":{\"reference\":\"urn:uuid:ours\"}}],\"period\":{\"start\":\"2020-01-01T10:00:00Z\"}}}",
		"{\"fullUrl\":\"urn:uuid:e2\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"VR\"}," SUBJ ","
		"\"participant\":[{\"individual\":{\"reference\":\"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999975559\"}}],"
		"\"period\":{\"start\":\"2020-01-02T10:00:00\"}}}",
		"{\"fullUrl\":\"urn:uuid:e3\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"EMER\"}," SUBJ ","
		"\"participant\":[{\"individual\":{\"reference\":\"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1\",\"display\":\"Dr. Nobody\"}}],"
		"\"period\":{\"start\":\"2020-01-03T10:00:00Z\"}}}"), &r), 0, "%s", r.message);
	text_is("SELECT (SELECT login FROM users u WHERE u.id = provider_id) || ' ' || type FROM encounters WHERE start_at LIKE '2020-01-01%'",
	        "drtest office");
	text_is("SELECT source_provider || ' ' || type FROM encounters WHERE start_at = '2020-01-02T10:00:00Z'", "Dr. Alexis Bogisich telehealth");
	text_is("SELECT source_provider || ' ' || type FROM encounters WHERE start_at LIKE '2020-01-03%'", "Dr. Nobody hospital");
	text_is("SELECT mapped_table FROM fhir_received WHERE source_key = 'urn:uuid:ours'", "users");
	emr_fhir_result_free(&r);
	/* A later file finds the Practitioner received here by its identifier. */
	cr_assert_eq(import("pr2.json", BUNDLE(
		"{\"fullUrl\":\"urn:uuid:e4\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\","
		"\"subject\":{\"reference\":\"Patient/p1\"},"
		"\"participant\":[{\"individual\":{\"reference\":\"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999975559\"}}],"
		"\"period\":{\"start\":\"2020-02-02T10:00:00Z\"}}}"), &r), 0, "%s", r.message);
	text_is("SELECT source_provider FROM encounters WHERE start_at = '2020-02-02T10:00:00Z'", "Dr. Alexis Bogisich");
	emr_fhir_result_free(&r);
}

/* Kept-only resources of charted types say why. */
Test(fhir_import, kept_reasons_are_reported)
{
	emr_fhir_result r;
	cr_assert_eq(import("k.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:o1\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"5089AAAAAA\"}]}," SUBJ ","
		"\"effectiveDateTime\":\"2021-05-06\",\"valueQuantity\":{\"value\":64,\"code\":\"kg\"}}}",
		"{\"fullUrl\":\"urn:uuid:o2\",\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\","
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]}," SUBJ ","
		"\"effectiveDateTime\":\"2021-05-06\",\"valueQuantity\":{\"value\":900,\"code\":\"/min\"}}}"), &r), 0, "%s", r.message);
	cr_assert_eq(r.kept, 2);
	cr_assert_eq(r.nreasons, 2);
	cr_assert_str_eq(r.reasons[0].reason, "no LOINC code");
	cr_assert_str_eq(r.reasons[1].reason, "value outside the plausible range for its LOINC code");
	emr_fhir_result_free(&r);
}

/* A visit diagnosis (no clinical status) belongs to the visit; an
 * Appointment with one of our users as provider is booked; a record
 * entered in error at the source arrives retired. */
Test(fhir_import, visit_diagnoses_appointments_and_retired_records)
{
	test_exec(env.db, "INSERT INTO icd10cm(code, description, first_release, last_release) VALUES"
	                  " ('I10', 'Essential (primary) hypertension', 2026, 2026)");
	test_exec(env.db, "UPDATE users SET npi = '1234567893' WHERE login = 'drtest'");
	emr_fhir_result r;
	cr_assert_eq(import("v.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:dr\",\"resource\":{\"resourceType\":\"Practitioner\","
		"\"identifier\":[{\"system\":\"http://hl7.org/fhir/sid/us-npi\",\"value\":\"1234567893\"}]}}",
		"{\"fullUrl\":\"urn:uuid:e1\",\"resource\":{\"resourceType\":\"Encounter\",\"status\":\"finished\",\"class\":{\"code\":\"AMB\"}," SUBJ ","
		"\"period\":{\"start\":\"2020-01-01T10:00:00Z\"}}}",
		"{\"fullUrl\":\"urn:uuid:dx\",\"resource\":{\"resourceType\":\"Condition\","
		"\"category\":[{\"coding\":[{\"code\":\"encounter-diagnosis\"}]}],"
		"\"code\":{\"coding\":[{\"system\":\"http://hl7.org/fhir/sid/icd-10-cm\",\"code\":\"I10\"}]}," SUBJ ","
		"\"encounter\":{\"reference\":\"urn:uuid:e1\"}}}",
		"{\"fullUrl\":\"urn:uuid:ap\",\"resource\":{\"resourceType\":\"Appointment\",\"status\":\"booked\","
		"\"appointmentType\":{\"coding\":[{\"code\":\"FOLLOWUP\"}]},\"description\":\"BP check\","
		"\"start\":\"2026-12-01T14:00:00Z\",\"end\":\"2026-12-01T14:20:00Z\","
		"\"participant\":[{\"actor\":{\"reference\":\"urn:uuid:p1\"}},{\"actor\":{\"reference\":\"urn:uuid:dr\"}}]}}",
		"{\"fullUrl\":\"urn:uuid:bad\",\"resource\":{\"resourceType\":\"Condition\",\"clinicalStatus\":{\"coding\":[{\"code\":\"active\"}]},"
		"\"verificationStatus\":{\"coding\":[{\"code\":\"entered-in-error\"}]},"
		"\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"38341003\"}]}," SUBJ "}}"), &r), 0, "%s", r.message);
	text_is("SELECT icd10 || ' ' || rank FROM encounter_diagnoses", "I10 1");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM problems WHERE icd10 = 'I10'"), 0);
	text_is("SELECT (SELECT login FROM users WHERE id = provider_id) || ' ' || start_at || ' ' || duration_min || ' ' || type"
	        " || ' ' || reason || ' ' || status FROM appointments", "drtest 2026-12-01T14:00:00Z 20 follow-up BP check booked");
	text_is("SELECT status || ' ' || retired_reason FROM problems WHERE snomed = '38341003'",
	        "entered-in-error entered in error at the source");
	emr_fhir_result_free(&r);
}

/* --merge with two candidates decides nothing: both are listed. */
Test(fhir_import, merge_needs_a_single_candidate)
{
	emr_fhir_result r;
	cr_assert_eq(import("a.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"), PATIENT("p2", "Lee", "1970-03-04", "M2")), &r), 0,
	             "%s", r.message);
	emr_fhir_result_free(&r);
	emr_fhir_opts o = {.merge = true};
	cr_assert_eq(emr_fhir_import_file(env.db, put("b.json", BUNDLE(PATIENT("p3", "Lee", "1970-03-04", "M3"))), &o, &r), 1);
	cr_assert_eq(r.ncandidates, 2);
	cr_assert(strstr(r.message, "2 candidates"), "%s", r.message);
	emr_fhir_result_free(&r);
	/* --merge-into settles it. */
	o = (emr_fhir_opts){.merge_into = 2};
	cr_assert_eq(emr_fhir_import_file(env.db, put("b.json", BUNDLE(PATIENT("p3", "Lee", "1970-03-04", "M3"))), &o, &r), 0, "%s", r.message);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM patients"), 2);
	text_is("SELECT mapped_id FROM fhir_received WHERE source_key = 'urn:uuid:p3'", "2");
	emr_fhir_result_free(&r);
}

/* Migration 3's own rules, in the schema itself. */
Test(fhir_import, schema_rules)
{
	test_exec(env.db, "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json, received_at)"
	                  " VALUES ('f.json', 0, 'Basic', 'Basic/1', '{\"resourceType\":\"Basic\"}', '2026-11-25T15:00:00Z')");
	cr_assert(strstr(test_exec_fails(env.db, "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json,"
	                                         " received_at) VALUES ('f.json', 1, 'Basic', 'Basic/2', '{not json', '2026-11-25T15:00:00Z')"),
	                 "CHECK"));
	cr_assert(strstr(test_exec_fails(env.db, "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json,"
	                                         " received_at) VALUES ('f.json', 1, 'Basic', 'Basic/1', '{}', '2026-11-25T15:00:00Z')"),
	                 "UNIQUE"));
	cr_assert(strstr(test_exec_fails(env.db, "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json,"
	                                         " mapped_table, received_at) VALUES ('f.json', 1, 'Basic', 'Basic/3', '{}', 'patients',"
	                                         " '2026-11-25T15:00:00Z')"), "CHECK"));
	test_exec(env.db, "INSERT INTO fhir_received_keys(key, received_id, identity) VALUES ('Basic?identifier=x|1', 1, 0)");
	cr_assert(strstr(test_exec_fails(env.db, "UPDATE fhir_received_keys SET identity = 1"), "verbatim"));
	cr_assert(strstr(test_exec_fails(env.db, "DELETE FROM fhir_received_keys"), "verbatim"));
	test_exec(env.db, "INSERT INTO patients(mrn, given_name, family_name, sex, dob, created_at, updated_at)"
	                  " VALUES ('M1', 'Ann', 'Lee', 'female', '1970-03-04', '2026-11-25T15:00:00Z', '2026-11-25T15:00:00Z')");
	test_exec(env.db, "INSERT INTO patient_identifiers(patient_id, system, value, created_at) VALUES (1, 'urn:x', '1', '2026-11-25T15:00:00Z')");
	cr_assert(strstr(test_exec_fails(env.db, "INSERT INTO patient_identifiers(patient_id, system, value, created_at)"
	                                         " VALUES (1, 'urn:x', '1', '2026-11-25T15:00:00Z')"), "UNIQUE"));
	test_exec(env.db, "INSERT INTO procedures(patient_id, code_system, code, description, created_at)"
	                  " VALUES (1, 'SNOMED', '80146002', 'Appendectomy', '2026-11-25T15:00:00Z')");
	cr_assert(strstr(test_exec_fails(env.db, "INSERT INTO procedures(patient_id, code_system, code, description, created_at)"
	                                         " VALUES (1, 'ICD-9', '47.0', 'Appendectomy', '2026-11-25T15:00:00Z')"), "CHECK"));
	cr_assert(strstr(test_exec_fails(env.db, "UPDATE procedures SET status = 'entered-in-error'"), "CHECK"));
	test_exec(env.db, "UPDATE procedures SET status = 'entered-in-error', retired_at = '2026-11-25T15:00:00Z', retired_reason = 'wrong chart'");
	cr_assert(strstr(test_exec_fails(env.db, "UPDATE procedures SET note = 'x'"), "cannot be changed"));
	/* Released tables only gained columns, with defaults. */
	cr_assert_eq(test_int(env.db, "SELECT (SELECT count(*) FROM pragma_table_info('encounters') WHERE name = 'source_provider')"
	                              " + (SELECT count(*) FROM pragma_table_info('notes') WHERE name = 'source_author')"
	                              " + (SELECT count(*) FROM pragma_table_info('note_addenda') WHERE name = 'source_author')"
	                              " + (SELECT count(*) FROM pragma_table_info('medications') WHERE name = 'source_prescriber')"), 4);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM loinc WHERE origin = 'curated'"), test_int(env.db, "SELECT count(*) FROM loinc"));
}

/* Writes text to DIR/sub/name (sub made as needed); returns the path. */
static const char *put_in(const char *sub, const char *name, const char *text)
{
	static char path[500];
	char dir[400];
	snprintf(dir, sizeof dir, "%s/%s", env.dir, sub);
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* "Patient/1" from two systems are two patients: an id without a server
 * is scoped by the directory it came from.  In one directory, another
 * resource under a name received before is refused.  emr's own export is
 * recognised wherever it is copied, by its identifiers. */
Test(fhir_import, relative_ids_are_scoped_by_source)
{
	const char *a = "{\"resourceType\":\"Patient\",\"id\":\"1\",\"name\":[{\"family\":\"Alpha\",\"given\":[\"Ann\"]}],\"birthDate\":\"1970-01-01\"}\n";
	const char *b = "{\"resourceType\":\"Patient\",\"id\":\"1\",\"name\":[{\"family\":\"Beta\",\"given\":[\"Bob\"]}],\"birthDate\":\"1980-01-01\"}\n";
	const char *obs = "{\"resourceType\":\"Observation\",\"id\":\"1\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/1\"},"
		"\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},\"effectiveDateTime\":\"2020-01-01T08:00:00Z\","
		"\"valueQuantity\":{\"value\":64,\"code\":\"/min\",\"system\":\"http://unitsofmeasure.org\"}}\n";
	emr_fhir_opts o = {0};
	emr_fhir_result r;
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("a", "Patient.ndjson", a), &o, &r), 0, "%s", r.message);
	emr_fhir_result_free(&r);
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("b", "Patient.ndjson", b), &o, &r), 0, "%s", r.message);
	cr_assert_eq(r.mapped, 1, "B's Patient/1 is a patient of its own");
	emr_fhir_result_free(&r);
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("b", "Observation.ndjson", obs), &o, &r), 0, "%s", r.message);
	emr_fhir_result_free(&r);
	text_is("SELECT p.family_name FROM observations o JOIN patients p ON p.id = o.patient_id", "Beta");
	/* The same directory, another resource under the same id: refused. */
	long long before = rows();
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("a", "Patient.ndjson", b), &o, &r), -1);
	cr_assert(strstr(r.message, "Patient.ndjson: entry 0 (Patient, line 1): id: Patient/1 was received before from this directory"), "%s",
	          r.message);
	cr_assert_eq(rows(), before);
	emr_fhir_result_free(&r);
	/* The same file again, from there: already imported. */
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("a", "Patient.ndjson", a), &o, &r), 0, "%s", r.message);
	cr_assert_eq(r.outcome, EMR_FHIR_ALREADY);
	emr_fhir_result_free(&r);
	/* emr's identifiers make a copy elsewhere the same resource. */
	const char *c = "{\"resourceType\":\"Patient\",\"id\":\"patient-1\",\"identifier\":[{\"system\":\"urn:emr:0123456789abcdef0123456789abcdef:patients\","
		"\"value\":\"1\"}],\"name\":[{\"family\":\"Gamma\",\"given\":[\"Cy\"]}],\"birthDate\":\"1990-01-01\"}\n";
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("c", "Patient.ndjson", c), &o, &r), 0, "%s", r.message);
	emr_fhir_result_free(&r);
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("c-copy", "Patient.ndjson", c), &o, &r), 0, "%s", r.message);
	cr_assert_eq(r.outcome, EMR_FHIR_ALREADY);
	emr_fhir_result_free(&r);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM patients"), 3);
}

/* A deceased Patient arrives deceased, on the day given. */
Test(fhir_import, deceased_patient)
{
	emr_fhir_result r;
	cr_assert_eq(import("d.json", BUNDLE("{\"fullUrl\":\"urn:uuid:p1\",\"resource\":{\"resourceType\":\"Patient\","
		"\"name\":[{\"family\":\"Frami\",\"given\":[\"Kallie\"]},{\"use\":\"maiden\",\"family\":\"Old\",\"given\":[\"Kallie\"]}],"
		"\"birthDate\":\"1945-12-19\",\"deceasedDateTime\":\"2011-09-07T02:28:07+00:00\"}}",
		"{\"fullUrl\":\"urn:uuid:p2\",\"resource\":{\"resourceType\":\"Patient\","
		"\"name\":[{\"family\":\"Gone\",\"given\":[\"Sam\"]}],\"birthDate\":\"1930-01-01\",\"deceasedBoolean\":true}}"), &r),
		0, "%s", r.message);
	text_is("SELECT status || ' ' || deceased_date || ' ' || preferred_name FROM patients WHERE family_name = 'Frami'", "deceased 2011-09-07 ");
	text_is("SELECT status || ': ' || status_reason FROM patients WHERE family_name = 'Gone'",
	        "inactive: deceased (date not given by the source)");
	emr_fhir_result_free(&r);
}

/* 10,000 NDJSON lines, read a line at a time, with a Patient they refer
 * to by a relative reference in a file imported before. */
Test(fhir_import, ten_thousand_ndjson_lines)
{
	emr_fhir_opts o = {0};
	emr_fhir_result r;
	cr_assert_eq(emr_fhir_import_file(env.db, put_in("bulk", "Patient.ndjson",
		"{\"resourceType\":\"Patient\",\"id\":\"p1\",\"name\":[{\"family\":\"Big\",\"given\":[\"Bo\"]}],\"birthDate\":\"1970-01-01\"}\n"),
		&o, &r), 0, "%s", r.message);
	emr_fhir_result_free(&r);
	char path[500];
	snprintf(path, sizeof path, "%s/bulk/Observation.ndjson", env.dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	for (int i = 0; i < 10000; i++)
		fprintf(f, "{\"resourceType\":\"Observation\",\"id\":\"o%d\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/p1\"},"
		           "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\"}]},"
		           "\"effectiveDateTime\":\"2020-01-%02dT08:00:00Z\",\"valueQuantity\":{\"value\":%d,\"code\":\"/min\","
		           "\"system\":\"http://unitsofmeasure.org\"}}\n", i, i % 28 + 1, 60 + i % 40);
	fclose(f);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(emr_fhir_import_file(env.db, path, &o, &r), 0, "%s", r.message);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("10,000 NDJSON lines (%ld bytes) in %.2f s: %.0f resources/s", r.bytes, secs, 10000 / secs);
	cr_assert_eq(r.mapped, 10000);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM observations o JOIN patients p ON p.id = o.patient_id WHERE p.family_name = 'Big'"),
	             10000);
	cr_assert_lt(secs, 10.0, "took %.2f s", secs);
	emr_fhir_result_free(&r);
}

/* A MedicationRequest naming a contained Medication (the HL7 example
 * medrx0302): its code names the drug. */
Test(fhir_import, contained_medication)
{
	emr_fhir_result r;
	cr_assert_eq(import("c.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"),
		"{\"fullUrl\":\"urn:uuid:m1\",\"resource\":{\"resourceType\":\"MedicationRequest\",\"status\":\"active\",\"intent\":\"order\","
		"\"contained\":[{\"resourceType\":\"Medication\",\"id\":\"med0320\",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\","
		"\"code\":\"324252006\",\"display\":\"Azithromycin 250mg capsule (product)\"}]}}],"
		"\"medicationReference\":{\"reference\":\"#med0320\"}," SUBJ ",\"dosageInstruction\":[{\"text\":\"Two tablets at once\"}]}}"), &r),
		0, "%s", r.message);
	text_is("SELECT drug || '|' || strength || '|' || form || '|' || sig FROM medications", "Azithromycin|250mg|capsule|Two tablets at once");
	emr_fhir_result_free(&r);
}

/* A dry run maps everything and keeps nothing. */
Test(fhir_import, dry_run_keeps_nothing)
{
	long long before = rows();
	emr_fhir_opts o = {.dry_run = true};
	emr_fhir_result r;
	cr_assert_eq(emr_fhir_import_file(env.db, put("dry.json", BUNDLE(PATIENT("p1", "Lee", "1970-03-04", "M1"))), &o, &r), 0, "%s",
	             r.message);
	cr_assert(r.dry_run);
	cr_assert_eq(r.mapped, 1);
	cr_assert_eq(rows(), before);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM patients"), 0);
	emr_fhir_result_free(&r);
}
