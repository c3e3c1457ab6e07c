/* Roles and permissions: what each role may do, what it is refused, and
 * that every refusal is audited as 'permission-denied'. */
#include "testlib.h"

#include "emr/chart.h"
#include "emr/clinical.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/print.h"
#include "emr/visit.h"

static test_env env;
static int64_t pid, doc_note, nurse_note, doc_id;

static void add_user(const char *login, const char *role)
{
	emr_user u = {0};
	strcpy(u.login, login);
	strcpy(u.display_name, login);
	strcpy(u.role, role);
	cr_assert_eq(emr_user_add(env.db, &u), 0, "%s", emr_db_error(env.db));
}

static void act_as(const char *login)
{
	emr_user u;
	cr_assert_eq(emr_user_get_by_login(env.db, login, &u), 0, "%s", emr_db_error(env.db));
	emr_db_set_actor(env.db, u.id, u.login);
}

static int64_t visit_note(const char *body)
{
	emr_encounter e = {0};
	e.patient_id = pid;
	strcpy(e.reason, "visit");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	int64_t id;
	cr_assert_eq(emr_note_add(env.db, e.id, "", body, &id), 0, "%s", emr_db_error(env.db));
	return id;
}

static long long denials(void)
{
	return test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'permission-denied'");
}

static void setup(void)
{
	test_env_open(&env, false);
	doc_id = emr_db_actor_id(env.db);
	add_user("nina", "nurse");
	add_user("fran", "frontdesk");
	add_user("bill", "biller");
	emr_patient p = {0};
	strcpy(p.given, "José");
	strcpy(p.family, "García");
	strcpy(p.dob, "1974-03-14");
	strcpy(p.sex, "male");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	pid = p.id;
	doc_note = visit_note("S: cough");
	act_as("nina");
	nurse_note = visit_note("S: flu shot");
	act_as("drtest");
}

static void teardown(void)
{
	test_env_close(&env);
}

TestSuite(perm, .init = setup, .fini = teardown);

static emr_medication med(bool rx)
{
	emr_medication m = {0};
	m.patient_id = pid;
	strcpy(m.drug, "lisinopril");
	strcpy(m.strength, "10 mg");
	m.is_prescription = rx;
	strcpy(m.sig, "Take 1 tablet by mouth once daily");
	return m;
}

static int add_vitals(void)
{
	emr_vitals v;
	emr_vitals_init(&v);
	v.pulse = 72;
	return emr_vitals_record(env.db, pid, &v, NULL);
}

Test(perm, physician_may_do_everything)
{
	emr_medication m = med(true);
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(add_vitals(), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_note_sign(env.db, nurse_note), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_permit(env.db, EMR_PERM_BILLING, "x"), 0);
	cr_assert_eq(emr_permit(env.db, EMR_PERM_ADMIN, "x"), 0);
	cr_assert_eq(denials(), 0);
}

Test(perm, nurse_charts_but_does_not_prescribe_bill_or_sign_for_others)
{
	act_as("nina");
	emr_note n;
	cr_assert_eq(emr_note_get(env.db, doc_note, &n), 0, "%s", emr_db_error(env.db));
	emr_note_clear(&n);
	cr_assert_eq(add_vitals(), 0, "%s", emr_db_error(env.db));
	emr_medication m = med(false);
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "reported medication: %s", emr_db_error(env.db));
	m = med(true);
	cr_assert_neq(emr_medication_add(env.db, &m), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a nurse cannot prescribe");
	cr_assert_neq(emr_note_sign(env.db, doc_note), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a nurse cannot sign another user's note");
	cr_assert_eq(emr_note_sign(env.db, nurse_note), 0, "own note: %s", emr_db_error(env.db));
	cr_assert_neq(emr_permit(env.db, EMR_PERM_BILLING, "claim"), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a nurse cannot bill");
	cr_assert_neq(emr_user_set_role(env.db, "fran", "nurse"), 0);
	cr_assert_eq(denials(), 4);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM medications WHERE is_prescription"), 0);
}

Test(perm, front_desk_sees_demographics_only)
{
	act_as("fran");
	emr_patient p;
	cr_assert_eq(emr_patient_get(env.db, pid, &p), 0, "%s", emr_db_error(env.db));
	p.phone[0] = '\0';
	cr_assert_eq(emr_patient_update(env.db, &p), 0, "%s", emr_db_error(env.db));
	emr_note n;
	cr_assert_neq(emr_note_get(env.db, doc_note, &n), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a front-desk user cannot read clinical notes");
	cr_assert_neq(add_vitals(), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a front-desk user cannot change clinical records");
	emr_problems probs = {0};
	cr_assert_neq(emr_problem_list(env.db, pid, EMR_CURRENT, &probs), 0);
	cr_assert_neq(emr_print(env.db, EMR_PRINT_SUMMARY, pid, EMR_PRINT_TEXT, stdout), 0);
	emr_chart c;
	cr_assert_eq(emr_chart_load(env.db, pid, &c), 0, "%s", emr_db_error(env.db));
	cr_assert(c.restricted);
	cr_assert_str_eq(c.patient.family, "García");
	cr_assert_eq(c.problems.n, 0);
	emr_chart_free(&c);
	cr_assert_eq(denials(), 4);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'permission-denied'"
	                              " AND detail LIKE 'a front-desk user cannot read clinical notes: note read%'"), 1);
}

Test(perm, biller_bills_and_sees_demographics)
{
	act_as("bill");
	cr_assert_eq(emr_permit(env.db, EMR_PERM_BILLING, "claim"), 0);
	cr_assert_eq(emr_permit(env.db, EMR_PERM_DEMOGRAPHICS, "x"), 0);
	emr_note n;
	cr_assert_neq(emr_note_get(env.db, doc_note, &n), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a biller cannot read clinical notes");
	emr_medication m = med(true);
	cr_assert_neq(emr_medication_add(env.db, &m), 0);
	emr_user u = {0};
	strcpy(u.login, "eve");
	strcpy(u.display_name, "Eve");
	strcpy(u.role, "physician");
	cr_assert_neq(emr_user_add(env.db, &u), 0);
	cr_assert_str_eq(emr_db_error(env.db), "a biller cannot administer users, codes, shared templates or the practice settings");
	cr_assert_eq(denials(), 3);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM users WHERE login = 'eve'"), 0);
}

Test(perm, disabled_user_is_refused_at_login_and_roles_change)
{
	cr_assert_eq(emr_user_set_active(env.db, "nina", false), 0, "%s", emr_db_error(env.db));
	setenv("EMR_USER", "nina", 1);
	emr_user u;
	cr_assert_neq(emr_login(env.db, &u), 0);
	cr_assert_str_eq(emr_db_error(env.db), "login \"nina\" is disabled in emr");
	cr_assert_eq(emr_user_set_active(env.db, "nina", true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_login(env.db, &u), 0, "%s", emr_db_error(env.db));
	setenv("EMR_USER", "drtest", 1);
	act_as("drtest");
	cr_assert_neq(emr_user_set_active(env.db, "drtest", false), 0, "no locking oneself out");
	cr_assert_neq(emr_user_set_role(env.db, "nina", "janitor"), 0);
	cr_assert_eq(emr_user_set_role(env.db, "fran", "nurse"), 0, "%s", emr_db_error(env.db));
	act_as("fran");
	cr_assert_eq(add_vitals(), 0, "%s", emr_db_error(env.db));
}

Test(perm, no_actor_is_allowed_for_practice_creation)
{
	emr_db_set_actor(env.db, 0, "");
	cr_assert_eq(emr_permit(env.db, EMR_PERM_ADMIN, "init"), 0);
}
