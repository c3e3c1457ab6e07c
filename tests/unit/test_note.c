/* Visit notes: the lifecycle (draft, sign, refused edits, addenda),
 * templates and their prefill, dot-phrases, full-text search, large notes
 * and text that is not UTF-8. */
#include "testlib.h"

#include "emr/audit.h"
#include "emr/clinical.h"
#include "emr/codes.h"
#include "emr/note.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <math.h>

static test_env env;
static int64_t pid, empty_pid;

static int64_t add_patient(const char *given, const char *family, const char *dob, const char *sex)
{
	emr_patient p = {0};
	strcpy(p.given, given);
	strcpy(p.family, family);
	strcpy(p.dob, dob);
	strcpy(p.sex, sex);
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	return p.id;
}

/* José García: the chart of the examples. */
static void setup(void)
{
	test_env_open(&env, false);
	const char *rel = "E119    Type 2 diabetes mellitus without complications\r\n"
	                  "I10     Essential (primary) hypertension\r\n";
	cr_assert_eq(emr_icd10_load(env.db, rel, strlen(rel), 2026, NULL), 0, "%s", emr_db_error(env.db));
	pid = add_patient("José", "García", "1974-03-14", "male");
	empty_pid = add_patient("Zoë", "Nguyễn", "2024-12-01", "female");

	emr_problem pr = {0};
	pr.patient_id = pid;
	strcpy(pr.icd10, "E11.9");
	strcpy(pr.onset_date, "2019-04-01");
	cr_assert_eq(emr_problem_add(env.db, &pr), 0, "%s", emr_db_error(env.db));

	emr_allergy a = {0};
	a.patient_id = pid;
	strcpy(a.substance, "penicillin");
	strcpy(a.reaction, "hives");
	strcpy(a.severity, "severe");
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));

	emr_medication m = {0};
	m.patient_id = pid;
	strcpy(m.drug, "metformin");
	strcpy(m.strength, "500 mg");
	strcpy(m.form, "oral tablet");
	strcpy(m.sig, "Take 1 tablet twice daily");
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "%s", emr_db_error(env.db));

	emr_vitals v;
	emr_vitals_init(&v);
	v.systolic = 128;
	v.diastolic = 82;
	v.pulse = 72;
	v.temp_c = 37.0;
	v.resp = 16;
	v.spo2 = 98;
	v.weight_kg = 80;
	v.height_cm = 175;
	cr_assert_eq(emr_vitals_record(env.db, pid, &v, NULL), 0, "%s", emr_db_error(env.db));

	emr_observation o = {0};
	o.patient_id = pid;
	strcpy(o.loinc, "4548-4");
	o.has_value = true;
	o.value = 7.4;
	strcpy(o.effective_at, "2026-05-20T14:00:00Z");
	cr_assert_eq(emr_observation_add(env.db, &o), 0, "%s", emr_db_error(env.db));
	/* An older HbA1c, and one from over a year ago: only the latest shows. */
	o.id = 0;
	o.value = 8.1;
	strcpy(o.flag, "");
	strcpy(o.effective_at, "2026-01-10T14:00:00Z");
	cr_assert_eq(emr_observation_add(env.db, &o), 0, "%s", emr_db_error(env.db));
	emr_observation g = {0};
	g.patient_id = pid;
	strcpy(g.loinc, "2345-7");
	g.has_value = true;
	g.value = 90;
	strcpy(g.effective_at, "2025-06-01T14:00:00Z");
	cr_assert_eq(emr_observation_add(env.db, &g), 0, "%s", emr_db_error(env.db));
}
static void teardown(void) { test_env_close(&env); }

TestSuite(note, .init = setup, .fini = teardown);

static int64_t start_visit(int64_t patient, const char *reason)
{
	emr_encounter e = {0};
	e.patient_id = patient;
	strcpy(e.reason, reason);
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	return e.id;
}

static int64_t new_note(int64_t patient, const char *body)
{
	int64_t id;
	cr_assert_eq(emr_note_add(env.db, start_visit(patient, "visit"), "soap", body, &id), 0, "%s", emr_db_error(env.db));
	return id;
}

/* ------------------------------------------------------------- lifecycle */

Test(note, draft_sign_refused_edit_and_addendum)
{
	int64_t id = new_note(pid, "Draft text.\n");
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, id, &n), 0);
	cr_assert_str_eq(n.status, "draft");
	cr_assert_eq(emr_note_save(env.db, id, n.version, "Final text.\n"), 0, "%s", emr_db_error(env.db));
	emr_note_clear(&n);

	int64_t aid;
	cr_assert_neq(emr_addendum_add(env.db, id, "too early", &aid), 0);
	cr_assert(strstr(emr_db_error(env.db), "is a draft: edit it instead"), "%s", emr_db_error(env.db));

	cr_assert_eq(emr_note_sign(env.db, id), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_note_get(env.db, id, &n), 0);
	cr_assert_str_eq(n.status, "signed");
	cr_assert_str_eq(n.signed_at, TEST_NOW);
	cr_assert_neq(emr_note_save(env.db, id, n.version, "Changed after signing.\n"), 0);
	cr_assert(strstr(emr_db_error(env.db), "signed"), "%s", emr_db_error(env.db));
	emr_note_clear(&n);
	/* The schema refuses it too, whatever the C code does. */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE notes SET body = 'x' WHERE id = %lld", (long long)id);
	cr_assert(strstr(test_exec_fails(env.db, sql), "signed notes are immutable"));
	cr_assert_neq(emr_note_sign(env.db, id), 0, "signing twice");

	cr_assert_eq(emr_addendum_add(env.db, id, "Potassium came back normal.\n", &aid), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_addendum_add(env.db, id, " \n\t", NULL), 0, "an empty addendum");
	emr_addenda list = {0};
	cr_assert_eq(emr_addendum_list(env.db, id, &list), 0);
	cr_assert_eq(list.n, 1);
	cr_assert_eq(list.items[0].id, aid);
	cr_assert_str_eq(list.items[0].author, "Dana Test, MD");
	cr_assert_str_eq(list.items[0].created_at, TEST_NOW);
	cr_assert_str_eq(list.items[0].body, "Potassium came back normal.\n");
	emr_addenda_free(&list);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'addendum'"), 1);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'sign'"), 1);
}

Test(note, text_that_is_not_utf8_is_refused_and_nothing_written)
{
	int64_t id = new_note(pid, "Good text.\n");
	long long audits = test_int(env.db, "SELECT count(*) FROM audit_events");
	cr_assert_neq(emr_note_save(env.db, id, 1, "bad \xff\xfe byte\n"), 0);
	cr_assert(strstr(emr_db_error(env.db), "not valid UTF-8"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_note_save(env.db, id, 1, "overlong \xc0\xaf slash\n"), 0);
	emr_note n;
	emr_note_get(env.db, id, &n);
	cr_assert_str_eq(n.body, "Good text.\n");
	cr_assert_eq(n.version, 1);
	emr_note_clear(&n);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events"), audits, "no audit row either");
	int64_t other;
	long long notes = test_int(env.db, "SELECT count(*) FROM notes");
	cr_assert_neq(emr_note_add(env.db, start_visit(pid, "x"), "", "\xe2\x82", &other), 0, "truncated sequence");
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM notes"), notes);
	emr_note_sign(env.db, id);
	cr_assert_neq(emr_addendum_add(env.db, id, "\xff", NULL), 0);
	cr_assert(strstr(emr_db_error(env.db), "not valid UTF-8"));
}

Test(note, a_note_of_one_megabyte)
{
	emr_sb sb = EMR_SB_INIT;
	emr_sb_append(&sb, "## Subjective\n\n");
	for (int i = 0; sb.len < (1u << 20); i++)
		emr_sb_printf(&sb, "Line %d of a very long history; the patient reports item %d in detail.\n", i, i);
	emr_sb_append(&sb, "Zanzibarian travel history.\n.vitals\n");
	int64_t id = new_note(pid, "");
	char *expanded = emr_note_expand(env.db, pid, emr_sb_str(&sb));
	cr_assert_not_null(expanded);
	cr_assert(strstr(expanded, "\nBP 128/82 mm[Hg], pulse 72 /min"), "the phrase at the end expanded");
	cr_assert_eq(emr_note_save(env.db, id, 1, expanded), 0, "%s", emr_db_error(env.db));
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, id, &n), 0);
	cr_assert_str_eq(n.body, expanded);
	cr_assert_gt(strlen(n.body), 1u << 20);
	emr_note_clear(&n);
	emr_note_hits hits = {0};
	cr_assert_eq(emr_note_search(env.db, "zanzibar travel", 0, 10, &hits), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(hits.n, 1);
	cr_assert_eq(hits.items[0].note_id, id);
	cr_assert(strstr(hits.items[0].snippet, "[Zanzibarian] [travel]"), "%s", hits.items[0].snippet);
	emr_note_hits_free(&hits);
	cr_assert_eq(emr_note_sign(env.db, id), 0, "%s", emr_db_error(env.db));
	free(expanded);
	emr_sb_free(&sb);
}

/* --------------------------------------------------------------- prefill */

static const char soap_for_jose[] =
	"## Subjective\n"
	"\n"
	"**Chief complaint:** Follow-up of diabetes\n"
	"\n"
	"History of present illness:\n"
	"\n"
	"## Objective\n"
	"\n"
	"BP 128/82 mm[Hg], pulse 72 /min, temp 37.0 Cel, RR 16 /min, SpO2 98 %, weight 80.0 kg, height 175.0 cm,"
	" BMI 26.1 kg/m2\n"
	"\n"
	"**Recent labs:**\n"
	"\n"
	"- HbA1c 7.4 % (H, 2026-05-20)\n"
	"\n"
	"## Assessment\n"
	"\n"
	"- E11.9 Type 2 diabetes mellitus without complications (since 2019)\n"
	"\n"
	"## Plan\n"
	"\n"
	"**Medications:**\n"
	"- metformin 500 mg oral tablet: Take 1 tablet twice daily\n"
	"\n"
	"**Allergies:** penicillin (hives, severe)\n"
	"\n"
	"Follow-up:";

Test(note, soap_prefill_from_the_chart)
{
	int64_t eid = start_visit(pid, "Follow-up of diabetes");
	char *text = emr_note_prefill(env.db, pid, eid, NULL);
	cr_assert_not_null(text, "%s", emr_db_error(env.db));
	/* The embedded template may or may not end with a newline. */
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		text[--n] = '\0';
	cr_assert_str_eq(text, soap_for_jose);
	free(text);
}

Test(note, prefill_of_an_empty_chart)
{
	int64_t eid = start_visit(empty_pid, "");
	cr_assert_eq(emr_template_save(env.db, "all", "{{name}}, {{age}}, {{date}}: {{reason}}\n"
	                                             "V: {{vitals}}\nP: {{problems}}\nM: {{meds}}\n"
	                                             "A: {{allergies}}\nL: {{labs}}\n{{unknown}} {{ meds }}\n", false), 0,
	             "%s", emr_db_error(env.db));
	char *text = emr_note_prefill(env.db, empty_pid, eid, "all");
	cr_assert_not_null(text, "%s", emr_db_error(env.db));
	cr_assert_str_eq(text, "Zoë Nguyễn, 23-month-old, 2026-11-25: \n"
	                       "V: not recorded today\nP: none active\nM: none active\n"
	                       "A: not recorded\nL: none in the past year\n{{unknown}} none active\n");
	free(text);
}

Test(note, prefill_labs_nkda_and_indented_blocks)
{
	emr_allergy a = {0};
	a.patient_id = empty_pid;
	a.is_nkda = true;
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_template_save(env.db, "labs", "Labs:\n{{labs}}\n\n> {{allergies}}\n\n  {{problems}}\n", false), 0);
	int64_t eid = start_visit(pid, "x");
	char *text = emr_note_prefill(env.db, pid, eid, "labs");
	cr_assert_not_null(text, "%s", emr_db_error(env.db));
	cr_assert_str_eq(text, "Labs:\n- HbA1c 7.4 % (H, 2026-05-20)\n\n> penicillin (hives, severe)\n\n"
	                       "  - E11.9 Type 2 diabetes mellitus without complications (since 2019)\n");
	free(text);
	eid = start_visit(empty_pid, "x");
	text = emr_note_prefill(env.db, empty_pid, eid, "labs");
	cr_assert(strstr(text, "> NKDA\n"), "%s", text);
	free(text);
}

/* ------------------------------------------------------------- templates */

Test(note, templates_are_stored_and_soap_is_the_default)
{
	emr_templates list = {0};
	cr_assert_eq(emr_template_list(env.db, &list), 0);
	cr_assert_eq(list.n, 1);
	cr_assert_str_eq(list.items[0].name, "soap");
	cr_assert(list.items[0].is_default);
	emr_templates_free(&list);

	cr_assert_eq(emr_template_save(env.db, "peds", "# Well child\n\n{{age}}\n", true), 0, "%s", emr_db_error(env.db));
	emr_template t;
	cr_assert_eq(emr_template_get(env.db, NULL, &t), 0);
	cr_assert_str_eq(t.name, "peds", "the default moved");
	emr_template_clear(&t);
	cr_assert_eq(emr_template_save(env.db, "peds", "# Well child visit\n\n{{age}}\n", false), 0);
	cr_assert_eq(emr_template_get(env.db, "", &t), 0);
	cr_assert_str_eq(t.name, "peds", "replacing the text keeps it the default");
	cr_assert_str_eq(t.body, "# Well child visit\n\n{{age}}\n");
	emr_template_clear(&t);
	cr_assert_eq(emr_template_save(env.db, "soap", "## S\n", true), 0);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM note_templates WHERE is_default = 1"), 1);

	cr_assert_neq(emr_template_get(env.db, "nope", &t), 0);
	cr_assert(strstr(emr_db_error(env.db), "template \"nope\""), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_template_save(env.db, "bad name", "x", false), 0);
	cr_assert(strstr(emr_db_error(env.db), "template name \"bad name\""), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_template_save(env.db, "empty", " \n", false), 0);
	cr_assert_neq(emr_template_save(env.db, "latin1", "caf\xe9", false), 0);
	cr_assert(strstr(emr_db_error(env.db), "not valid UTF-8"));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM note_templates"), 2);
}

/* ------------------------------------------------------------ dot-phrases */

Test(note, builtin_phrases_expand_to_the_chart)
{
	char *out = emr_note_expand(env.db, pid,
		"Pt is a .age man.\n"
		"Vitals: .vitals\n"
		"Allergies: .allergies.\n"
		"Meds: .meds\n"
		"\n"
		".problems\n"
		"\n"
		"- Labs:\n"
		"  .labs\n");
	cr_assert_not_null(out, "%s", emr_db_error(env.db));
	cr_assert_str_eq(out,
		"Pt is a 52-year-old man.\n"
		"Vitals: BP 128/82 mm[Hg], pulse 72 /min, temp 37.0 Cel, RR 16 /min, SpO2 98 %, weight 80.0 kg,"
		" height 175.0 cm, BMI 26.1 kg/m2\n"
		"Allergies: penicillin (hives, severe).\n"
		"Meds:\n"
		"- metformin 500 mg oral tablet: Take 1 tablet twice daily\n"
		"\n"
		"- E11.9 Type 2 diabetes mellitus without complications (since 2019)\n"
		"\n"
		"- Labs:\n"
		"  - HbA1c 7.4 % (H, 2026-05-20)\n");
	free(out);
}

Test(note, user_phrases_own_before_shared)
{
	cr_assert_eq(emr_phrase_save(env.db, "exam", "Shared exam.\n", true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_phrase_save(env.db, "ros", "Negative except as noted.", true), 0);
	cr_assert_eq(emr_phrase_save(env.db, ".exam", "Heart regular.\nLungs clear.\n\n", false), 0, "%s",
	             emr_db_error(env.db));
	char *out = emr_note_expand(env.db, pid, "Exam: .exam\n\nROS: .ros\n");
	cr_assert_str_eq(out, "Exam:\nHeart regular.\nLungs clear.\n\nROS: Negative except as noted.\n");
	free(out);
	emr_phrases list = {0};
	cr_assert_eq(emr_phrase_list(env.db, &list), 0);
	cr_assert_eq(list.n, 3);
	cr_assert_str_eq(list.items[0].name, "exam");
	cr_assert_neq(list.items[0].user_id, 0, "own first");
	cr_assert_eq(list.items[1].user_id, 0);
	emr_phrases_free(&list);
	/* Replacing keeps one row. */
	cr_assert_eq(emr_phrase_save(env.db, "ros", "All negative.", true), 0);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM phrases WHERE name = 'ros'"), 1);

	cr_assert_neq(emr_phrase_save(env.db, "vitals", "x", false), 0);
	cr_assert(strstr(emr_db_error(env.db), "built in"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_phrase_save(env.db, "Exam", "x", false), 0);
	cr_assert(strstr(emr_db_error(env.db), "phrase name \"Exam\""), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_phrase_save(env.db, "9lives", "x", false), 0);
	cr_assert_neq(emr_phrase_save(env.db, "a23456789012345678901234567890123", "x", false), 0, "33 characters");
	cr_assert_neq(emr_phrase_save(env.db, "blank", "  \n", false), 0);
}

Test(note, phrases_are_words_and_code_is_left_alone)
{
	cr_assert_eq(emr_phrase_save(env.db, "hi", "HELLO", false), 0);
	const char *in =
		".hi at the start, and .hi, (.hi) stays, e.g.hi stays, .hi.txt stays, \\.hi stays, .hi.\n"
		".hidden stays, .Hi stays, .hi-there stays, .hi_ stays; .hi;\n"
		"`.hi` and `` a ` .hi `` in spans; `unclosed .hi\n"
		"\n"
		"```\n"
		".hi in a fence\n"
		"```\n"
		"~~~~ info\n"
		".hi\n"
		"~~~\n"
		"still fenced .hi\n"
		"~~~~\n"
		"after the fence .hi\n"
		"\n"
		"    .hi indented code\n"
		"\n"
		"text\n"
		"    .hi a lazy continuation, not code\n";
	char *out = emr_note_expand(env.db, pid, in);
	cr_assert_str_eq(out,
		"HELLO at the start, and HELLO, (.hi) stays, e.g.hi stays, .hi.txt stays, \\.hi stays, HELLO.\n"
		".hidden stays, .Hi stays, .hi-there stays, .hi_ stays; HELLO;\n"
		"`.hi` and `` a ` .hi `` in spans; `unclosed HELLO\n"
		"\n"
		"```\n"
		".hi in a fence\n"
		"```\n"
		"~~~~ info\n"
		".hi\n"
		"~~~\n"
		"still fenced .hi\n"
		"~~~~\n"
		"after the fence HELLO\n"
		"\n"
		"    .hi indented code\n"
		"\n"
		"text\n"
		"    HELLO a lazy continuation, not code\n");
	free(out);
	out = emr_note_expand(env.db, pid, "");
	cr_assert_str_eq(out, "");
	free(out);
	out = emr_note_expand(env.db, pid, ".hi");
	cr_assert_str_eq(out, "HELLO");
	free(out);
}

Test(note, expansion_is_not_recursive)
{
	cr_assert_eq(emr_phrase_save(env.db, "a", "see .b and .vitals", false), 0);
	cr_assert_eq(emr_phrase_save(env.db, "b", "B", false), 0);
	char *out = emr_note_expand(env.db, pid, ".a\n");
	cr_assert_str_eq(out, "see .b and .vitals\n");
	free(out);
}

/* ---------------------------------------------------------------- search */

Test(note, search_ranks_by_bm25_with_snippets)
{
	int64_t dense = new_note(pid, "Metformin started. Metformin dose raised; metformin tolerated. Chest clear.\n");
	int64_t sparse = new_note(pid, "Long visit about many things: knee pain, sleep, diet, exercise, work stress, "
	                               "travel plans and family history. Also chest tightness on stairs; continue "
	                               "metformin as before. Plan reviewed at length with the patient.\n");
	int64_t mention = new_note(pid, "Chest clear, no metformin here? Actually yes: and aspirin.\n");
	(void)mention;
	new_note(pid, "Chest pain only.\n");
	int64_t other = new_note(empty_pid, "Metformin for her mother; chest clear.\n");
	emr_note_hits hits = {0};
	cr_assert_eq(emr_note_search(env.db, "METF chest", 0, 10, &hits), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(hits.n, 4, "every note with both words (a prefix and a word)");
	cr_assert_eq(hits.items[0].note_id, dense, "most metformin for its length first");
	for (size_t i = 1; i < hits.n; i++)
		cr_assert_leq(hits.items[i - 1].rank, hits.items[i].rank, "best first");
	cr_assert_str_eq(hits.items[0].snippet,
	                 "[Metformin] started. [Metformin] dose raised; [metformin] tolerated. [Chest] clear.");
	cr_assert_str_eq(hits.items[0].patient, "García, José (E000001)");
	cr_assert_str_eq(hits.items[0].date, TEST_TODAY);
	cr_assert_str_eq(hits.items[0].status, "draft");
	cr_assert_eq(hits.items[0].patient_id, pid);
	bool saw_sparse = false;
	for (size_t i = 0; i < hits.n; i++) {
		if (hits.items[i].note_id == sparse) {
			saw_sparse = true;
			cr_assert(strstr(hits.items[i].snippet, "[chest]") && strstr(hits.items[i].snippet, "..."), "%s",
			          hits.items[i].snippet);
		}
	}
	cr_assert(saw_sparse);
	/* The rank is FTS5's own bm25 while counts are small. */
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT bm25(notes_fts) * 1e9 FROM notes_fts WHERE notes_fts MATCH"
	                          " 'metformin AND chest' AND rowid = %lld", (long long)dense);
	long long want = test_int(env.db, sql);
	cr_assert_lt(fabs(hits.items[0].rank * 1e9 - (double)want), 2.0, "%f vs %lld", hits.items[0].rank * 1e9, want);
	emr_note_hits_free(&hits);

	cr_assert_eq(emr_note_search(env.db, "metformin chest", empty_pid, 10, &hits), 0);
	cr_assert_eq(hits.n, 1, "one patient's notes");
	cr_assert_eq(hits.items[0].note_id, other);
	emr_note_hits_free(&hits);

	cr_assert_eq(emr_note_search(env.db, "metformin zebra", 0, 10, &hits), 0);
	cr_assert_eq(hits.n, 0, "every word must match");
	emr_note_hits_free(&hits);
	cr_assert_eq(emr_note_search(env.db, "chest", 0, 2, &hits), 0);
	cr_assert_eq(hits.n, 2, "the limit");
	emr_note_hits_free(&hits);
}

Test(note, search_words_are_prefixes_without_case_or_accents)
{
	int64_t id = new_note(pid, "Niño con fiebre y tos; no hay sibilancias. Hipertensión controlada.\n");
	const char *queries[] = {"nino fie", "NIÑO", "hipertension", "sibil tos", "c", "fieb hiper"};
	for (size_t i = 0; i < EMR_ARRAY_LEN(queries); i++) {
		emr_note_hits hits = {0};
		cr_assert_eq(emr_note_search(env.db, queries[i], 0, 10, &hits), 0, "%s", emr_db_error(env.db));
		cr_assert_eq(hits.n, 1, "%s", queries[i]);
		cr_assert_eq(hits.items[0].note_id, id);
		emr_note_hits_free(&hits);
	}
}

Test(note, search_text_never_becomes_sql_or_syntax)
{
	new_note(pid, "Plain note about a knee.\n");
	const char *queries[] = {"'; DROP TABLE notes; --", "\"knee", "knee\"", "NEAR(knee", "knee OR", "AND",
	                         "knee*", "(knee)", "-", "^knee", "knee:x", "e11.9", "{knee}"};
	for (size_t i = 0; i < EMR_ARRAY_LEN(queries); i++) {
		emr_note_hits hits = {0};
		cr_assert_eq(emr_note_search(env.db, queries[i], 0, 10, &hits), 0, "%s: %s", queries[i],
		             emr_db_error(env.db));
		emr_note_hits_free(&hits);
	}
	emr_note_hits hits = {0};
	cr_assert_eq(emr_note_search(env.db, "\"knee\"", 0, 10, &hits), 0);
	cr_assert_eq(hits.n, 1, "quotes are just characters");
	emr_note_hits_free(&hits);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM notes"), 1);
	cr_assert_neq(emr_note_search(env.db, "  ", 0, 10, &hits), 0, "an empty query");
	cr_assert_neq(emr_note_search(env.db, "caf\xe9", 0, 10, &hits), 0, "not UTF-8");
}

Test(note, searches_are_audited)
{
	new_note(pid, "Knee pain.\n");
	long long before = test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'search'");
	emr_note_hits hits = {0};
	cr_assert_eq(emr_note_search(env.db, "knee", pid, 10, &hits), 0);
	emr_note_hits_free(&hits);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'search'"), before + 1);
	cr_assert_eq(test_int(env.db, "SELECT patient_id FROM audit_events WHERE action = 'search'"), pid);
	int64_t bad = 0;
	long rows;
	cr_assert_eq(emr_audit_verify(env.db, &bad, &rows), 0);
}

Test(note, search_follows_edits)
{
	int64_t id = new_note(pid, "Ankle sprain.\n");
	emr_note_hits hits = {0};
	cr_assert_eq(emr_note_search(env.db, "ankle", 0, 10, &hits), 0);
	cr_assert_eq(hits.n, 1);
	emr_note_hits_free(&hits);
	cr_assert_eq(emr_note_save(env.db, id, 1, "Wrist fracture.\n"), 0);
	cr_assert_eq(emr_note_search(env.db, "ankle", 0, 10, &hits), 0);
	cr_assert_eq(hits.n, 0);
	emr_note_hits_free(&hits);
	cr_assert_eq(emr_note_search(env.db, "wris", 0, 10, &hits), 0);
	cr_assert_eq(hits.n, 1);
	emr_note_hits_free(&hits);
}

/* ------------------------------------------------------------ imported */

/* What emr import fhir writes for a DocumentReference (fhir_import.c):
 * a visit naming its outside provider, a signed note whose author_id and
 * signed_by are the importing user and whose source_author is the real
 * author, and the verbatim resource in fhir_received. */
static int64_t imported_note(const char *source_author, bool received)
{
	int64_t actor = emr_db_actor_id(env.db);
	char sql[1200];
	snprintf(sql, sizeof sql,
	         "INSERT INTO encounters(patient_id, start_at, end_at, type, reason, status, created_at, source_provider)"
	         " VALUES (%lld, '2020-01-02T10:00:00Z', '2020-01-02T10:30:00Z', 'office', 'Outside visit', 'finished',"
	         " '" TEST_NOW "', 'Dr. Jane Roe')", (long long)pid);
	test_exec(env.db, sql);
	int64_t enc = test_int(env.db, "SELECT max(id) FROM encounters");
	snprintf(sql, sizeof sql,
	         "INSERT INTO notes(encounter_id, patient_id, author_id, body, status, signed_by, signed_at, created_at,"
	         " updated_at, source_author) VALUES (%lld, %lld, %lld, 'Seen elsewhere.', 'signed', %lld,"
	         " '2020-01-02T10:30:00Z', '2020-01-02T10:00:00Z', '2020-01-02T10:00:00Z', '%s')",
	         (long long)enc, (long long)pid, (long long)actor, (long long)actor, source_author);
	test_exec(env.db, sql);
	int64_t id = test_int(env.db, "SELECT max(id) FROM notes");
	if (received) {
		snprintf(sql, sizeof sql,
		         "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json, mapped_table,"
		         " mapped_id, patient_id, received_at, received_by) VALUES ('outside.json', 0, 'DocumentReference',"
		         " 'urn:uuid:doc-%lld', '{}', 'notes', %lld, %lld, '" TEST_NOW "', %lld)",
		         (long long)id, (long long)id, (long long)pid, (long long)actor);
		test_exec(env.db, sql);
	}
	return id;
}

Test(note, an_imported_note_names_its_author_at_the_source_not_the_importer)
{
	int64_t id = imported_note("Dr. Jane Roe", true);
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, id, &n), 0, "%s", emr_db_error(env.db));
	cr_assert(n.imported);
	cr_assert_str_eq(n.source_author, "Dr. Jane Roe");
	cr_assert_eq(n.imported_by, emr_db_actor_id(env.db));
	cr_assert_str_eq(n.imported_at, TEST_NOW);
	char buf[300];
	cr_assert_str_eq(emr_note_author_text(&n, "Dana Test, MD", buf, sizeof buf),
	                 "Dr. Jane Roe (imported from another system)");
	cr_assert_str_eq(emr_note_signer_text(&n, "Dana Test, MD", buf, sizeof buf), "signed at source");
	emr_note_clear(&n);

	/* The visit list: the outside provider, and the note signed at source. */
	emr_encounters list = {0};
	cr_assert_eq(emr_encounter_list(env.db, pid, 0, &list), 0);
	const emr_encounter *e = NULL;
	for (size_t i = 0; i < list.n; i++)
		if (list.items[i].note_id == id)
			e = &list.items[i];
	cr_assert_not_null(e);
	cr_assert(e->note_imported);
	cr_assert(e->note_signed_at_source);
	cr_assert_str_eq(e->source_provider, "Dr. Jane Roe");
	cr_assert_str_eq(e->note_source_author, "Dr. Jane Roe");
	cr_assert_str_eq(e->signer, "Dana Test", "the row's signer is the importer");
	cr_assert_str_eq(emr_encounter_signer_text(e, buf, sizeof buf), "signed at source");
	cr_assert_str_eq(emr_encounter_provider_text(e, buf, sizeof buf), "Dr. Jane Roe (outside)");
	emr_encounters_free(&list);

	/* The whole-chart read (exports) carries the same. */
	emr_notes all = {0};
	cr_assert_eq(emr_note_list_patient(env.db, pid, &all), 0);
	bool found = false;
	for (size_t i = 0; i < all.n; i++)
		if (all.items[i].id == id) {
			found = true;
			cr_assert(all.items[i].imported);
			cr_assert_str_eq(all.items[i].source_author, "Dr. Jane Roe");
		}
	cr_assert(found);
	emr_notes_free(&all);
}

Test(note, an_imported_note_without_a_named_author_still_says_so)
{
	int64_t id = imported_note("", true);
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, id, &n), 0);
	cr_assert(n.imported, "fhir_received marks it imported even without a source author");
	char buf[300];
	cr_assert_str_eq(emr_note_author_text(&n, "Dana Test, MD", buf, sizeof buf),
	                 "author not named (imported from another system)");
	emr_note_clear(&n);
}

Test(note, a_note_written_here_is_not_imported)
{
	int64_t id = new_note(pid, "Written here.\n");
	cr_assert_eq(emr_note_sign(env.db, id), 0, "%s", emr_db_error(env.db));
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, id, &n), 0);
	cr_assert_not(n.imported);
	cr_assert_str_eq(n.source_author, "");
	cr_assert_eq(n.imported_by, 0);
	char buf[300];
	cr_assert_str_eq(emr_note_author_text(&n, "Dana Test, MD", buf, sizeof buf), "Dana Test, MD");
	cr_assert_str_eq(emr_note_signer_text(&n, "Dana Test, MD", buf, sizeof buf), "Dana Test, MD");
	emr_note_clear(&n);
	emr_encounters list = {0};
	cr_assert_eq(emr_encounter_list(env.db, pid, 1, &list), 0);
	cr_assert_eq(list.n, 1);
	cr_assert_not(list.items[0].note_imported);
	cr_assert_str_eq(list.items[0].source_provider, "");
	cr_assert_str_eq(emr_encounter_signer_text(&list.items[0], buf, sizeof buf), "Dana Test");
	cr_assert_str_eq(emr_encounter_provider_text(&list.items[0], buf, sizeof buf), "Dana Test");
	emr_encounters_free(&list);
}

Test(note, an_imported_addendum_names_its_author_and_ours_stay_ours)
{
	int64_t id = imported_note("Dr. Jane Roe", true);
	int64_t actor = emr_db_actor_id(env.db);
	char sql[400];
	snprintf(sql, sizeof sql,
	         "INSERT INTO note_addenda(note_id, author_id, body, created_at, source_author)"
	         " VALUES (%lld, %lld, 'Outside addendum.', '2020-01-03T10:00:00Z', 'Dr. Sam Poe')",
	         (long long)id, (long long)actor);
	test_exec(env.db, sql);
	int64_t aid;
	cr_assert_eq(emr_addendum_add(env.db, id, "Reviewed here.\n", &aid), 0, "%s", emr_db_error(env.db));
	emr_addenda list = {0};
	cr_assert_eq(emr_addendum_list(env.db, id, &list), 0);
	cr_assert_eq(list.n, 2);
	char buf[300];
	cr_assert(list.items[0].imported);
	cr_assert_str_eq(list.items[0].source_author, "Dr. Sam Poe");
	cr_assert_str_eq(emr_addendum_author_text(&list.items[0], buf, sizeof buf),
	                 "Dr. Sam Poe (imported from another system)");
	cr_assert_not(list.items[1].imported);
	cr_assert_str_eq(emr_addendum_author_text(&list.items[1], buf, sizeof buf), "Dana Test, MD");
	emr_addenda_free(&list);
}

Test(note, an_imported_draft_signed_here_names_its_signer_here)
{
	int64_t actor = emr_db_actor_id(env.db);
	int64_t enc = start_visit(pid, "Outside draft");
	char sql[800];
	snprintf(sql, sizeof sql,
	         "INSERT INTO notes(encounter_id, patient_id, author_id, body, status, created_at, updated_at, source_author)"
	         " VALUES (%lld, %lld, %lld, 'Preliminary.', 'draft', '2020-01-02T10:00:00Z', '2020-01-02T10:00:00Z',"
	         " 'Dr. Jane Roe')", (long long)enc, (long long)pid, (long long)actor);
	test_exec(env.db, sql);
	int64_t id = test_int(env.db, "SELECT max(id) FROM notes");
	snprintf(sql, sizeof sql,
	         "INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json, mapped_table,"
	         " mapped_id, patient_id, received_at, received_by) VALUES ('outside.json', 1, 'DocumentReference',"
	         " 'urn:uuid:draft-1', '{}', 'notes', %lld, %lld, '2026-11-20T09:00:00Z', %lld)",
	         (long long)id, (long long)pid, (long long)actor);
	test_exec(env.db, sql);
	cr_assert_eq(emr_note_sign(env.db, id), 0, "%s", emr_db_error(env.db));
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, id, &n), 0);
	char buf[300];
	cr_assert(n.imported);
	cr_assert_str_eq(emr_note_author_text(&n, "Dana Test, MD", buf, sizeof buf),
	                 "Dr. Jane Roe (imported from another system)");
	cr_assert_str_eq(emr_note_signer_text(&n, "Dana Test, MD", buf, sizeof buf), "Dana Test, MD");
	emr_note_clear(&n);
	emr_encounter e;
	emr_encounters list = {0};
	cr_assert_eq(emr_encounter_list(env.db, pid, 0, &list), 0);
	bool found = false;
	for (size_t i = 0; i < list.n; i++)
		if (list.items[i].id == enc) {
			e = list.items[i];
			found = true;
		}
	cr_assert(found);
	cr_assert(e.note_imported);
	cr_assert_not(e.note_signed_at_source);
	cr_assert_str_eq(emr_encounter_signer_text(&e, buf, sizeof buf), "Dana Test");
	emr_encounters_free(&list);
}
