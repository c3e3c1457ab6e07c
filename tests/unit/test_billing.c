/* Billing: money in cents, the fee schedule, invoices, the ledger, aging. */
#include "testlib.h"

#include "emr/billing.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/visit.h"

static test_env env;
static int64_t pid;

static void setup(void)
{
	test_env_open(&env, false);
	/* One code is enough (the full release is slow to load). */
	test_exec(env.db, "INSERT OR IGNORE INTO icd10cm (code, description, first_release, last_release) "
	                  "VALUES ('I10', 'Essential (primary) hypertension', 2026, 2026)");
	emr_patient p = {0};
	strcpy(p.given, "Ana");
	strcpy(p.family, "Lima");
	strcpy(p.dob, "1980-06-15");
	strcpy(p.sex, "female");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	pid = p.id;
	cr_assert_eq(emr_fee_add(env.db, "99213", NULL, "Office visit", 12550), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_fee_add(env.db, "36415", "CPT", "Venipuncture", 1000), 0, "%s", emr_db_error(env.db));
}

static void teardown(void)
{
	setenv("EMR_NOW", TEST_NOW, 1);
	test_env_close(&env);
}

TestSuite(billing, .init = setup, .fini = teardown);

/* A visit with diagnosis 1 and one 99213 charge, invoiced; returns the invoice. */
static int64_t billed_visit(void)
{
	emr_encounter e = {.patient_id = pid};
	strcpy(e.reason, "visit");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	int rank;
	cr_assert_eq(emr_dx_add(env.db, e.id, "I10", &rank), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(rank, 1);
	cr_assert_eq(emr_charge_add(env.db, e.id, "99213", "25", 1, "1", NULL), 0, "%s", emr_db_error(env.db));
	int64_t iid;
	char number[32];
	cr_assert_eq(emr_invoice_issue(env.db, e.id, &iid, number), 0, "%s", emr_db_error(env.db));
	return iid;
}

static int64_t balance(void)
{
	int64_t b;
	cr_assert_eq(emr_balance(env.db, pid, &b), 0, "%s", emr_db_error(env.db));
	return b;
}

Test(billing, money_parses_exactly_into_cents)
{
	static const struct {
		const char *in;
		int64_t cents;
	} good[] = {
		{"125", 12500},   {"125.5", 12550},  {"125.50", 12550}, {"$125.00", 12500}, {"0.01", 1},
		{"0.10", 10},     {"1,250.99", 125099}, {"-3.25", -325}, {"-$0.07", -7},     {" 7 ", 700},
		{"0.29", 29},     {"4.35", 435},      {"1.15", 115},     {"92233720368547758.07", 9223372036854775807LL},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t c = -1;
		cr_assert(emr_money_parse(good[i].in, &c), "%s refused", good[i].in);
		cr_assert_eq(c, good[i].cents, "%s -> %lld", good[i].in, (long long)c);
	}
	static const char *bad[] = {"", "abc", "1.234", "1e3", "12.", "--1", "1.2.3", "$", ".5", "1 2",
	                            "92233720368547758.08", "99999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t c;
		cr_assert_not(emr_money_parse(bad[i], &c), "%s accepted", bad[i]);
	}
	char buf[32];
	emr_money_format(12550, buf, sizeof buf);
	cr_assert_str_eq(buf, "125.50");
	emr_money_format(-7, buf, sizeof buf);
	cr_assert_str_eq(buf, "-0.07");
	emr_money_format(0, buf, sizeof buf);
	cr_assert_str_eq(buf, "0.00");
	emr_money_format(INT64_MIN, buf, sizeof buf);
	cr_assert_str_eq(buf, "-92233720368547758.08");
}

Test(billing, fee_rules)
{
	cr_assert_neq(emr_fee_add(env.db, "99214", "CPT", "Negative", -1), 0);
	cr_assert_neq(emr_fee_add(env.db, "9921", "CPT", "Short", 100), 0);
	cr_assert_eq(emr_fee_add(env.db, "G0439", NULL, "AWV", 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT code_system = 'HCPCS' FROM fee_schedule WHERE code = 'G0439'"), 1);
}

Test(billing, import_is_all_or_nothing_and_names_line_and_column)
{
	char path[400];
	snprintf(path, sizeof path, "%s/fees.csv", env.dir);
	FILE *f = fopen(path, "w");
	fputs("code,description,fee\n99214,\"Office, moderate\",165\n99215,\"bad\"x,2\n", f);
	fclose(f);
	f = fopen(path, "r");
	long n = 0;
	cr_assert_neq(emr_fee_import(env.db, f, "fees.csv", &n), 0);
	fclose(f);
	cr_assert(strstr(emr_db_error(env.db), "line 3, column 2"), "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM fee_schedule WHERE code = '99214'"), 0);

	f = fopen(path, "w");
	fputs("code,description,fee,system\n99214,\"Office, moderate\",165,CPT\nG0008,Flu admin,25.5\n", f);
	fclose(f);
	f = fopen(path, "r");
	cr_assert_eq(emr_fee_import(env.db, f, "fees.csv", &n), 0, "%s", emr_db_error(env.db));
	fclose(f);
	cr_assert_eq(n, 2);
	cr_assert_eq(test_int(env.db, "SELECT fee_cents FROM fee_schedule WHERE code = 'G0008'"), 2550);
}

Test(billing, unknown_code_and_missing_diagnosis_are_refused)
{
	emr_encounter e = {.patient_id = pid};
	strcpy(e.reason, "visit");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_charge_add(env.db, e.id, "99999", "", 1, "1", NULL), 0);
	cr_assert(strstr(emr_db_error(env.db), "unknown procedure code"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_charge_add(env.db, e.id, "99213", "", 1, "1", NULL), 0);
	cr_assert(strstr(emr_db_error(env.db), "no diagnosis 1"), "%s", emr_db_error(env.db));
}

Test(billing, invoice_is_immutable)
{
	int64_t iid = billed_visit();
	cr_assert_eq(test_int(env.db, "SELECT total_cents FROM invoices WHERE number = 'INV-000001'"), 12550);
	cr_assert_eq(balance(), 12550);
	const char *msg = test_exec_fails(env.db, "UPDATE invoices SET total_cents = 1");
	cr_assert(strstr(msg, "immutable"), "%s", msg);
	msg = test_exec_fails(env.db, "DELETE FROM invoices");
	cr_assert(strstr(msg, "never deleted"), "%s", msg);
	msg = test_exec_fails(env.db, "UPDATE charges SET fee_cents = 1");
	cr_assert(strstr(msg, "immutable"), "%s", msg);
	msg = test_exec_fails(env.db, "UPDATE ledger SET amount_cents = 0");
	cr_assert(strstr(msg, "append-only"), "%s", msg);
	cr_assert_eq(test_int(env.db, "SELECT total_cents FROM invoices"), 12550);
	(void)iid;
}

Test(billing, overpayment_needs_confirmation_and_becomes_a_credit)
{
	int64_t iid = billed_visit();
	cr_assert_neq(emr_payment_post(env.db, pid, 20000, "card", "", iid, false), 0);
	cr_assert(strstr(emr_db_error(env.db), "125.50"), "%s", emr_db_error(env.db));
	cr_assert_eq(balance(), 12550);
	cr_assert_neq(emr_payment_post(env.db, pid, 100, "bitcoin", "", iid, false), 0);
	cr_assert_eq(emr_payment_post(env.db, pid, 20000, "card", "A1", iid, true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(balance(), 12550 - 20000);
}

Test(billing, ledger_sums_to_the_balance_over_many_operations)
{
	int64_t want = 0;
	for (int i = 0; i < 20; i++) {
		int64_t iid = billed_visit();
		want += 12550;
		int64_t pay = 1 + (i * 997) % 12000;
		cr_assert_eq(emr_payment_post(env.db, pid, pay, i % 2 ? "cash" : "check", "", iid, false), 0, "%s",
		             emr_db_error(env.db));
		want -= pay;
		int64_t adj = i % 3 ? -(i * 13) - 1 : i * 7 + 1;
		cr_assert_eq(emr_adjustment_post(env.db, pid, adj, "test", iid), 0, "%s", emr_db_error(env.db));
		want += adj;
		cr_assert_eq(balance(), want);
	}
	cr_assert_eq(test_int(env.db, "SELECT sum(amount_cents) FROM ledger"), want);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM invoices"), 20);
	cr_assert_eq(test_int(env.db, "SELECT sum(total_cents) FROM invoices"), 20 * 12550);
}

Test(billing, aging_buckets_with_a_frozen_clock)
{
	static const char *when[] = {"2026-11-20T15:00:00Z", "2026-10-10T15:00:00Z", "2026-09-10T15:00:00Z",
	                             "2026-05-01T15:00:00Z"};
	for (int i = 0; i < 4; i++) {
		setenv("EMR_NOW", when[i], 1);
		int64_t iid = billed_visit();
		if (i == 1)
			cr_assert_eq(emr_payment_post(env.db, pid, 2550, "cash", "", iid, false), 0, "%s",
			             emr_db_error(env.db));
	}
	setenv("EMR_NOW", TEST_NOW, 1);
	int64_t b[4];
	cr_assert_eq(emr_aging(env.db, b), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(b[0], 12550);
	cr_assert_eq(b[1], 10000);
	cr_assert_eq(b[2], 12550);
	cr_assert_eq(b[3], 12550);
	/* A year on, everything is over 90 days. */
	setenv("EMR_NOW", "2027-11-25T15:00:00Z", 1);
	cr_assert_eq(emr_aging(env.db, b), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(b[0] + b[1] + b[2], 0);
	cr_assert_eq(b[3], 3 * 12550 + 10000);
}

Test(billing, front_desk_takes_payments_but_does_not_bill)
{
	static const struct {
		const char *login, *role;
		int billing, payment;
	} users[] = {{"fran", "frontdesk", -1, 0}, {"bill", "biller", 0, 0}, {"nina", "nurse", -1, -1}};
	emr_user admin;
	cr_assert_eq(emr_user_get_by_login(env.db, "drtest", &admin), 0, "%s", emr_db_error(env.db));
	for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
		emr_db_set_actor(env.db, admin.id, admin.login);
		emr_user u = {0};
		strcpy(u.login, users[i].login);
		strcpy(u.display_name, users[i].login);
		strcpy(u.role, users[i].role);
		cr_assert_eq(emr_user_add(env.db, &u), 0, "%s", emr_db_error(env.db));
		cr_assert_eq(emr_user_get_by_login(env.db, users[i].login, &u), 0, "%s", emr_db_error(env.db));
		emr_db_set_actor(env.db, u.id, u.login);
		cr_assert_eq(emr_perm_allowed(env.db, EMR_PERM_BILLING), users[i].billing == 0, "%s", users[i].role);
		cr_assert_eq(emr_perm_allowed(env.db, EMR_PERM_PAYMENT), users[i].payment == 0, "%s", users[i].role);
	}
}

/* ------------------------------------------------------------ reading */

static int64_t new_visit(void)
{
	emr_encounter e = {.patient_id = pid};
	strcpy(e.reason, "visit");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	int rank;
	cr_assert_eq(emr_dx_add(env.db, e.id, "I10", &rank), 0, "%s", emr_db_error(env.db));
	return e.id;
}

Test(billing, fee_list_by_code_and_active_only)
{
	test_exec(env.db, "INSERT INTO fee_schedule (code, code_system, description, fee_cents, active) "
	                  "VALUES ('99201', 'CPT', 'Retired new patient visit', 5000, 0)");
	emr_fees f;
	cr_assert_eq(emr_fee_list(env.db, true, &f), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(f.n, 2);
	cr_assert_str_eq(f.items[0].code, "36415");
	cr_assert_str_eq(f.items[1].code, "99213");
	cr_assert_str_eq(f.items[1].system, "CPT");
	cr_assert_str_eq(f.items[1].description, "Office visit");
	cr_assert_eq(f.items[1].fee_cents, 12550);
	cr_assert(f.items[1].active);
	emr_fees_free(&f);
	cr_assert_eq(emr_fee_list(env.db, false, &f), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(f.n, 3);
	cr_assert_str_eq(f.items[1].code, "99201");
	cr_assert_not(f.items[1].active);
	emr_fees_free(&f);
	emr_fees_free(&f); /* twice is harmless */
}

Test(billing, visit_billing_shows_open_invoiced_and_void_charges)
{
	int64_t visit = new_visit();
	int64_t c1, c2, c3, iid;
	char number[32];
	cr_assert_eq(emr_charge_add(env.db, visit, "99213", "25", 1, "1", &c1), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_invoice_issue(env.db, visit, &iid, number), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, visit, "36415", "", 3, "1", &c2), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, visit, "99213", "", 1, "1", &c3), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_void(env.db, c3), 0, "%s", emr_db_error(env.db));

	emr_visit_billing vb;
	cr_assert_eq(emr_visit_billing_get(env.db, visit, &vb), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(vb.encounter_id, visit);
	cr_assert_eq(vb.patient_id, pid);
	cr_assert_str_eq(vb.service_date, TEST_TODAY);
	cr_assert_eq(vb.ndx, 1);
	cr_assert_eq(vb.dx[0].rank, 1);
	cr_assert_str_eq(vb.dx[0].icd10, "I10");
	cr_assert_str_eq(vb.dx[0].description, "Essential (primary) hypertension");
	cr_assert_eq(vb.ncharges, 3);
	cr_assert_eq(vb.charges[0].id, c1);
	cr_assert_str_eq(vb.charges[0].status, "invoiced");
	cr_assert_eq(vb.charges[0].invoice_id, iid);
	cr_assert_str_eq(vb.charges[0].modifiers, "25");
	cr_assert_str_eq(vb.charges[1].status, "open");
	cr_assert_eq(vb.charges[1].invoice_id, 0);
	cr_assert_eq(vb.charges[1].units, 3);
	cr_assert_eq(vb.charges[1].fee_cents, 1000);
	cr_assert_eq(vb.charges[1].amount_cents, 3000);
	cr_assert_str_eq(vb.charges[1].description, "Venipuncture");
	cr_assert_str_eq(vb.charges[2].status, "void");
	cr_assert_eq(vb.open_cents, 3000);
	cr_assert_eq(vb.invoice_id, iid);
	emr_visit_billing_free(&vb);

	cr_assert_neq(emr_visit_billing_get(env.db, 9999, &vb), 0);
	cr_assert(strstr(emr_db_error(env.db), "no visit 9999"), "%s", emr_db_error(env.db));
	emr_visit_billing_free(&vb);
}

Test(billing, charge_void_only_while_open)
{
	int64_t visit = new_visit();
	int64_t c1, c2, iid;
	char number[32];
	cr_assert_eq(emr_charge_add(env.db, visit, "99213", "", 1, "1", &c1), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_invoice_issue(env.db, visit, &iid, number), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_charge_void(env.db, c1), 0);
	cr_assert(strstr(emr_db_error(env.db), "INV-000001"), "%s", emr_db_error(env.db));
	cr_assert(strstr(emr_db_error(env.db), "adjustment"), "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM charges WHERE status = 'invoiced'"), 1);

	cr_assert_eq(emr_charge_add(env.db, visit, "36415", "", 1, "1", &c2), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_void(env.db, c2), 0, "%s", emr_db_error(env.db));
	cr_assert_neq(emr_charge_void(env.db, c2), 0);
	cr_assert(strstr(emr_db_error(env.db), "already void"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_charge_void(env.db, 4242), 0);
	cr_assert(strstr(emr_db_error(env.db), "no charge 4242"), "%s", emr_db_error(env.db));
	/* A void charge is not invoiced. */
	cr_assert_neq(emr_invoice_issue(env.db, visit, &iid, number), 0);
	cr_assert_eq(balance(), 12550);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE entity = 'charges' AND action = 'update'"),
	             1);
}

Test(billing, invoice_get_has_everything_the_superbill_prints)
{
	test_exec(env.db, "UPDATE practice SET address = '1 Main St, Springfield', phone = '555-0100', "
	                  "npi = '1234567893'");
	test_exec(env.db, "UPDATE users SET npi = '1987654325' WHERE login = 'drtest'");
	int64_t visit = new_visit();
	test_exec(env.db, "INSERT OR IGNORE INTO icd10cm (code, description, first_release, last_release) "
	                  "VALUES ('E119', 'Type 2 diabetes mellitus without complications', 2026, 2026)");
	int rank;
	cr_assert_eq(emr_dx_add(env.db, visit, "E11.9", &rank), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, visit, "99213", "25", 1, "1,2", NULL), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, visit, "36415", "", 2, "2", NULL), 0, "%s", emr_db_error(env.db));
	int64_t iid;
	char number[32];
	cr_assert_eq(emr_invoice_issue(env.db, visit, &iid, number), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_payment_post(env.db, pid, 4000, "card", "AUTH1", iid, false), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_adjustment_post(env.db, pid, -550, "courtesy", iid), 0, "%s", emr_db_error(env.db));
	/* Not naming the invoice: not on it. */
	cr_assert_eq(emr_payment_post(env.db, pid, 100, "cash", "", 0, false), 0, "%s", emr_db_error(env.db));

	emr_invoice inv;
	cr_assert_eq(emr_invoice_get(env.db, iid, &inv), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(inv.id, iid);
	cr_assert_eq(inv.patient_id, pid);
	cr_assert_eq(inv.encounter_id, visit);
	cr_assert_str_eq(inv.number, "INV-000001");
	cr_assert_str_eq(inv.service_date, TEST_TODAY);
	cr_assert_str_eq(inv.issued_at, TEST_NOW);
	cr_assert_eq(inv.total_cents, 12550 + 2000);
	cr_assert_eq(inv.balance_cents, 14550 - 4000 - 550);
	cr_assert_str_eq(inv.practice, "Test Family Practice");
	cr_assert_str_eq(inv.practice_npi, "1234567893");
	cr_assert_str_eq(inv.practice_address, "1 Main St, Springfield");
	cr_assert_str_eq(inv.practice_phone, "555-0100");
	cr_assert(strstr(inv.provider, "Dana Test"), "%s", inv.provider);
	cr_assert_str_eq(inv.provider_npi, "1987654325");
	cr_assert_str_eq(inv.patient, "Ana Lima");
	cr_assert_str_eq(inv.dob, "1980-06-15");
	cr_assert_neq(inv.mrn[0], 0);
	cr_assert_eq(inv.ndx, 2);
	cr_assert_str_eq(inv.dx[1].icd10, "E119");
	cr_assert_eq(inv.dx[1].rank, 2);
	cr_assert_eq(inv.nlines, 2);
	cr_assert_str_eq(inv.lines[0].code, "99213");
	cr_assert_str_eq(inv.lines[0].dx_pointers, "1,2");
	cr_assert_str_eq(inv.lines[0].modifiers, "25");
	cr_assert_eq(inv.lines[0].amount_cents, 12550);
	cr_assert_eq(inv.lines[1].units, 2);
	cr_assert_eq(inv.lines[1].amount_cents, 2000);
	cr_assert_str_eq(inv.lines[1].status, "invoiced");
	cr_assert_eq(inv.nentries, 2);
	cr_assert_str_eq(inv.entries[0].kind, "payment");
	cr_assert_eq(inv.entries[0].amount_cents, -4000);
	cr_assert_str_eq(inv.entries[0].method, "card");
	cr_assert_str_eq(inv.entries[0].reference, "AUTH1");
	cr_assert_str_eq(inv.entries[0].invoice_number, "INV-000001");
	cr_assert_str_eq(inv.entries[1].kind, "adjustment");
	cr_assert_str_eq(inv.entries[1].memo, "courtesy");
	cr_assert_str_eq(inv.entries[1].method, "");
	emr_invoice_free(&inv);

	cr_assert_neq(emr_invoice_get(env.db, 77, &inv), 0);
	cr_assert(strstr(emr_db_error(env.db), "no invoice 77"), "%s", emr_db_error(env.db));
	emr_invoice_free(&inv);
}

Test(billing, invoice_list_newest_first_and_open_only)
{
	setenv("EMR_NOW", "2026-11-01T15:00:00Z", 1);
	int64_t a = billed_visit();
	setenv("EMR_NOW", "2026-11-10T15:00:00Z", 1);
	int64_t b = billed_visit();
	setenv("EMR_NOW", TEST_NOW, 1);
	cr_assert_eq(emr_payment_post(env.db, pid, 12550, "cash", "", a, false), 0, "%s", emr_db_error(env.db));
	emr_invoice_summaries l;
	cr_assert_eq(emr_invoice_list(env.db, pid, false, &l), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(l.n, 2);
	cr_assert_eq(l.items[0].id, b);
	cr_assert_eq(l.items[1].id, a);
	cr_assert_str_eq(l.items[1].service_date, "2026-11-01");
	cr_assert_eq(l.items[1].total_cents, 12550);
	cr_assert_eq(l.items[1].balance_cents, 0);
	cr_assert_eq(l.items[0].balance_cents, 12550);
	emr_invoice_summaries_free(&l);
	cr_assert_eq(emr_invoice_list(env.db, pid, true, &l), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.items[0].id, b);
	cr_assert_str_eq(l.items[0].number, "INV-000002");
	emr_invoice_summaries_free(&l);
}

Test(billing, ledger_list_sums_to_the_balance)
{
	int64_t iid = billed_visit();
	cr_assert_eq(emr_payment_post(env.db, pid, 20000, "check", "1001", iid, true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_adjustment_post(env.db, pid, 125, "correction", 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_refund_post(env.db, pid, 1000, "check", "1002", 0), 0, "%s", emr_db_error(env.db));
	emr_ledger l;
	cr_assert_eq(emr_ledger_list(env.db, pid, &l), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(l.n, 4);
	int64_t sum = 0;
	for (size_t i = 0; i < l.n; i++)
		sum += l.items[i].amount_cents;
	cr_assert_eq(sum, balance());
	cr_assert_str_eq(l.items[0].kind, "charge");
	cr_assert_str_eq(l.items[0].invoice_number, "INV-000001");
	cr_assert_str_eq(l.items[0].date, TEST_TODAY);
	cr_assert_str_eq(l.items[3].kind, "refund");
	cr_assert_eq(l.items[3].amount_cents, 1000);
	cr_assert_eq(l.items[3].invoice_id, 0);
	cr_assert_str_eq(l.items[3].invoice_number, "");
	emr_ledger_free(&l);
}

Test(billing, refund_only_within_the_credit)
{
	int64_t iid = billed_visit();
	/* No credit yet. */
	cr_assert_neq(emr_refund_post(env.db, pid, 100, "cash", "", 0), 0);
	cr_assert(strstr(emr_db_error(env.db), "no credit"), "%s", emr_db_error(env.db));
	cr_assert_eq(emr_payment_post(env.db, pid, 15000, "card", "", iid, true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(balance(), -2450);
	cr_assert_neq(emr_refund_post(env.db, pid, 2451, "card", "", 0), 0);
	cr_assert(strstr(emr_db_error(env.db), "more than the credit 24.50"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_refund_post(env.db, pid, 0, "card", "", 0), 0);
	cr_assert_neq(emr_refund_post(env.db, pid, 100, "paypal", "", 0), 0);
	cr_assert_neq(emr_refund_post(env.db, pid, 100, "card", "", 999), 0);
	cr_assert_eq(balance(), -2450);
	cr_assert_eq(emr_refund_post(env.db, pid, 2000, "card", "R1", iid), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(balance(), -450);
	cr_assert_eq(emr_refund_post(env.db, pid, 450, "cash", "", 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(balance(), 0);
	cr_assert_neq(emr_refund_post(env.db, pid, 1, "cash", "", 0), 0);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM ledger WHERE kind = 'refund' AND amount_cents > 0"), 2);
}

Test(billing, aging_applies_unapplied_payments_to_the_oldest_first)
{
	static const char *when[] = {"2026-11-20T15:00:00Z", "2026-10-10T15:00:00Z", "2026-09-10T15:00:00Z",
	                             "2026-05-01T15:00:00Z"};
	for (int i = 0; i < 4; i++) {
		setenv("EMR_NOW", when[i], 1);
		billed_visit();
	}
	/* 200.00 paid at the counter without naming an invoice: the over-90
	 * invoice (125.50) is paid off, then 74.50 of the 61-90 one. */
	setenv("EMR_NOW", TEST_NOW, 1);
	cr_assert_eq(emr_payment_post(env.db, pid, 20000, "cash", "", 0, false), 0, "%s", emr_db_error(env.db));
	int64_t b[4];
	cr_assert_eq(emr_aging(env.db, b), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(b[3], 0);
	cr_assert_eq(b[2], 12550 - 7450);
	cr_assert_eq(b[1], 12550);
	cr_assert_eq(b[0], 12550);
	cr_assert_eq(b[0] + b[1] + b[2] + b[3], balance());

	/* A second patient in credit adds nothing, and takes nothing from
	 * the first. */
	emr_patient q = {0};
	strcpy(q.given, "Rui");
	strcpy(q.family, "Costa");
	strcpy(q.dob, "1990-01-01");
	strcpy(q.sex, "male");
	cr_assert_eq(emr_patient_add(env.db, &q), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_payment_post(env.db, q.id, 5000, "card", "", 0, true), 0, "%s", emr_db_error(env.db));
	/* An invoice overpaid on itself is a credit against the others. */
	int64_t over = billed_visit();
	cr_assert_eq(emr_payment_post(env.db, pid, 12550 + 1000, "card", "", over, false), 0, "%s",
	             emr_db_error(env.db));
	/* An upward adjustment naming no invoice is owed from today. */
	cr_assert_eq(emr_adjustment_post(env.db, pid, 300, "returned check fee", 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_aging(env.db, b), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(b[3], 0);
	cr_assert_eq(b[2], 12550 - 7450 - 1000);
	cr_assert_eq(b[1], 12550);
	cr_assert_eq(b[0], 12550 + 300);
	cr_assert_eq(b[0] + b[1] + b[2] + b[3], balance());

	/* Paid in full and beyond: nothing is aged. */
	cr_assert_eq(emr_payment_post(env.db, pid, balance() + 100, "card", "", 0, true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_aging(env.db, b), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(b[0] + b[1] + b[2] + b[3], 0);
}

Test(billing, read_api_enforces_roles)
{
	int64_t iid = billed_visit();
	int64_t visit = test_int(env.db, "SELECT encounter_id FROM invoices");
	int64_t c;
	cr_assert_eq(emr_charge_add(env.db, visit, "36415", "", 1, "1", &c), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_payment_post(env.db, pid, 20000, "cash", "", 0, true), 0, "%s", emr_db_error(env.db));
	emr_user admin;
	cr_assert_eq(emr_user_get_by_login(env.db, "drtest", &admin), 0, "%s", emr_db_error(env.db));
	emr_user u = {0};
	strcpy(u.login, "fran");
	strcpy(u.display_name, "Fran");
	strcpy(u.role, "frontdesk");
	cr_assert_eq(emr_user_add(env.db, &u), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_user_get_by_login(env.db, "fran", &u), 0, "%s", emr_db_error(env.db));
	emr_db_set_actor(env.db, u.id, u.login);
	/* What is owed: yes. */
	emr_invoice inv;
	cr_assert_eq(emr_invoice_get(env.db, iid, &inv), 0, "%s", emr_db_error(env.db));
	emr_invoice_free(&inv);
	emr_invoice_summaries l;
	cr_assert_eq(emr_invoice_list(env.db, pid, false, &l), 0, "%s", emr_db_error(env.db));
	emr_invoice_summaries_free(&l);
	emr_ledger led;
	cr_assert_eq(emr_ledger_list(env.db, pid, &led), 0, "%s", emr_db_error(env.db));
	emr_ledger_free(&led);
	/* Billing: no, each refusal audited. */
	int denied = test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'permission-denied'");
	emr_visit_billing vb;
	cr_assert_neq(emr_visit_billing_get(env.db, visit, &vb), 0);
	cr_assert(strstr(emr_db_error(env.db), "a front-desk user cannot bill"), "%s", emr_db_error(env.db));
	emr_visit_billing_free(&vb);
	emr_fees f;
	cr_assert_neq(emr_fee_list(env.db, true, &f), 0);
	emr_fees_free(&f);
	cr_assert_neq(emr_charge_void(env.db, c), 0);
	cr_assert_neq(emr_refund_post(env.db, pid, 100, "cash", "", 0), 0);
	cr_assert(strstr(emr_db_error(env.db), "cannot bill"), "%s", emr_db_error(env.db));
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'permission-denied'"), denied + 4);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM charges WHERE status = 'open'"), 1);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM ledger WHERE kind = 'refund'"), 0);
}

Test(billing, daysheet_per_local_day)
{
	setenv("EMR_NOW", "2026-11-24T15:00:00Z", 1);
	int64_t iid = billed_visit();
	setenv("EMR_NOW", "2026-11-25T03:00:00Z", 1); /* still the 24th in New York */
	cr_assert_eq(emr_payment_post(env.db, pid, 20000, "card", "", iid, true), 0, "%s", emr_db_error(env.db));
	setenv("EMR_NOW", TEST_NOW, 1);
	cr_assert_eq(emr_adjustment_post(env.db, pid, -50, "courtesy", 0), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_refund_post(env.db, pid, 1000, "card", "", 0), 0, "%s", emr_db_error(env.db));
	emr_daysheet d;
	cr_assert_eq(emr_daysheet_get(env.db, NULL, &d), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(d.n, 2);
	cr_assert_str_eq(d.items[0].date, "2026-11-24");
	cr_assert_eq(d.items[0].charges_cents, 12550);
	cr_assert_eq(d.items[0].payments_cents, 20000);
	cr_assert_eq(d.items[0].net_cents, 12550 - 20000);
	cr_assert_str_eq(d.items[1].date, TEST_TODAY);
	cr_assert_eq(d.items[1].adjustments_cents, -50);
	cr_assert_eq(d.items[1].refunds_cents, 1000);
	cr_assert_eq(d.items[0].net_cents + d.items[1].net_cents, balance());
	emr_daysheet_free(&d);
	cr_assert_eq(emr_daysheet_get(env.db, TEST_TODAY, &d), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(d.n, 1);
	emr_daysheet_free(&d);
}

/* The write side refuses in the domain too, so a screen or script that
 * forgets to ask cannot bill as the wrong role: a nurse neither bills nor
 * takes payments; the front desk takes payments but does not charge. */
Test(billing, write_api_enforces_roles)
{
	int64_t visit = new_visit();
	emr_user nurse = {0}, desk = {0};
	strcpy(nurse.login, "nina");
	strcpy(nurse.display_name, "Nina");
	strcpy(nurse.role, "nurse");
	strcpy(desk.login, "fran");
	strcpy(desk.display_name, "Fran");
	strcpy(desk.role, "frontdesk");
	cr_assert_eq(emr_user_add(env.db, &nurse), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_user_add(env.db, &desk), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_user_get_by_login(env.db, "nina", &nurse), 0);
	cr_assert_eq(emr_user_get_by_login(env.db, "fran", &desk), 0);
	emr_db_set_actor(env.db, nurse.id, nurse.login);
	int64_t c, iid;
	int rank;
	char number[32];
	int64_t b[4], bal;
	cr_assert_neq(emr_fee_add(env.db, "99999", "CPT", "Nothing", 100), 0);
	cr_assert(strstr(emr_db_error(env.db), "a nurse cannot bill"), "%s", emr_db_error(env.db));
	cr_assert_neq(emr_dx_add(env.db, visit, "I10", &rank), 0);
	cr_assert_neq(emr_charge_add(env.db, visit, "99213", "", 1, "1", &c), 0);
	cr_assert_neq(emr_invoice_issue(env.db, visit, &iid, number), 0);
	cr_assert_neq(emr_payment_post(env.db, pid, 100, "cash", "", 0, true), 0);
	cr_assert_neq(emr_balance(env.db, pid, &bal), 0);
	cr_assert_neq(emr_aging(env.db, b), 0);
	emr_db_set_actor(env.db, desk.id, desk.login);
	cr_assert_neq(emr_charge_add(env.db, visit, "99213", "", 1, "1", &c), 0);
	cr_assert_neq(emr_adjustment_post(env.db, pid, -500, "courtesy", 0), 0);
	cr_assert_eq(emr_payment_post(env.db, pid, 100, "cash", "", 0, true), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_balance(env.db, pid, &bal), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(bal, -100);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM charges"), 0);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM fee_schedule WHERE code = '99999'"), 0);
}
