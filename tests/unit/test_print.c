/* print: quantities in words, the prescription's required elements, notes
 * and visits in every format, escaping of database text, the audit of
 * every printout, and the 0600 file. */
#include "testlib.h"

#include "emr/audit.h"
#include "emr/billing.h"
#include "emr/clinical.h"
#include "emr/markdown.h"
#include "emr/print.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <errno.h>
#include <sys/stat.h>

static test_env env;
static int64_t pid, enc, note_id, rx_id;

static void setup(void)
{
	test_env_open(&env, false);
	test_exec(env.db, "UPDATE practice SET address = '1 Main St, Springfield, IL 62701', phone = '(217) 555-0100',"
	                  " letterhead = 'Test Family Practice' || char(10) || '1 Main St, Springfield, IL 62701'");
	test_exec(env.db, "UPDATE users SET npi = '1234567893', dea = 'AT1234563' WHERE login = 'drtest'");
	emr_patient p = {0};
	strcpy(p.given, "José");
	strcpy(p.family, "García");
	strcpy(p.dob, "1980-06-15");
	strcpy(p.sex, "male");
	strcpy(p.address, "12 Elm Street");
	strcpy(p.city, "Springfield");
	strcpy(p.state, "IL");
	strcpy(p.postal_code, "62704");
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	pid = p.id;
	emr_encounter e = {.patient_id = pid};
	strcpy(e.reason, "Follow-up of hypertension");
	cr_assert_eq(emr_encounter_add(env.db, &e), 0, "%s", emr_db_error(env.db));
	enc = e.id;
	cr_assert_eq(emr_note_add(env.db, enc, "soap", "## Assessment\n\nHypertension, *controlled*.\n", &note_id), 0);
	emr_medication m = {.patient_id = pid, .encounter_id = enc, .is_prescription = true, .quantity = 60,
	                    .refills = 2};
	strcpy(m.drug, "metformin");
	strcpy(m.strength, "500 mg");
	strcpy(m.form, "oral tablet");
	strcpy(m.route, "oral");
	strcpy(m.sig, "Take 1 tablet by mouth twice daily with meals");
	strcpy(m.quantity_unit, "tablet");
	cr_assert_eq(emr_medication_add(env.db, &m), 0, "%s", emr_db_error(env.db));
	rx_id = m.id;
}

static void teardown(void) { test_env_close(&env); }

TestSuite(print, .init = setup, .fini = teardown);

/* The printout as a string (it may hold NULs when it is a PDF: len_out). */
static char *print_to_string(emr_print_kind kind, int64_t id, emr_print_format fmt, size_t *len_out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cr_assert_not_null(f);
	int rc = emr_print(env.db, kind, id, fmt, f);
	fclose(f);
	cr_assert_eq(rc, 0, "print failed: %s", emr_db_error(env.db));
	if (len_out)
		*len_out = len;
	return buf;
}

static void expect_contains(const char *hay, const char *needle)
{
	cr_assert(strstr(hay, needle) != NULL, "expected [%s] in:\n%s", needle, hay);
}

static void expect_lacks(const char *hay, const char *needle)
{
	cr_assert(strstr(hay, needle) == NULL, "did not expect [%s] in:\n%s", needle, hay);
}

/* ------------------------------------------------------- number words */

static void expect_words(double n, const char *want)
{
	char buf[128];
	emr_number_words(n, buf, sizeof buf);
	cr_assert_str_eq(buf, want, "%g", n);
}

Test(print, number_words)
{
	expect_words(0, "zero");
	expect_words(1, "one");
	expect_words(13, "thirteen");
	expect_words(20, "twenty");
	expect_words(21, "twenty-one");
	expect_words(60, "sixty");
	expect_words(90, "ninety");
	expect_words(100, "one hundred");
	expect_words(120, "one hundred twenty");
	expect_words(999, "nine hundred ninety-nine");
	expect_words(1000, "one thousand");
	expect_words(1001, "one thousand one");
	expect_words(10000, "ten thousand");
	expect_words(123456, "one hundred twenty-three thousand four hundred fifty-six");
	expect_words(999999, "nine hundred ninety-nine thousand nine hundred ninety-nine");
	expect_words(30.5, "thirty and one half");
	expect_words(0.5, "one half");
	expect_words(2.25, "two and one quarter");
	expect_words(7.75, "seven and three quarters");
	expect_words(1.2, "one point two");
	expect_words(2.125, "two point one two five");
	expect_words(59.9999999, "sixty");
	/* Out of range: digits, never garbage. */
	expect_words(1000000, "1e+06");
	expect_words(-3, "-3");
	/* A small buffer is cut, not overrun. */
	char small[8];
	emr_number_words(777, small, sizeof small);
	cr_assert_str_eq(small, "seven h");
}

/* ----------------------------------------------------------- prescription */

Test(print, rx_text_has_every_required_element)
{
	char *t = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_TEXT, NULL);
	/* Prescriber: name, address, NPI, DEA. */
	expect_contains(t, "Dana Test, MD");
	expect_contains(t, "1 Main St, Springfield, IL 62701");
	expect_contains(t, "NPI: 1234567893");
	expect_contains(t, "DEA: AT1234563");
	/* Patient: name, date of birth, address. */
	expect_contains(t, "José García");
	expect_contains(t, "Date of birth: 1980-06-15");
	expect_contains(t, "12 Elm Street, Springfield, IL 62704");
	/* Date; drug, strength and form; quantity in digits and words;
	 * directions; refills; a signature line. */
	expect_contains(t, "Date: " TEST_TODAY);
	expect_contains(t, "metformin 500 mg oral tablet");
	expect_contains(t, "Quantity: 60 (sixty) tablets");
	expect_contains(t, "Directions: Take 1 tablet by mouth twice daily with meals");
	expect_contains(t, "Refills: 2 (two)");
	expect_contains(t, "Signature: ______________________________");
	/* 80 columns for lpr. */
	for (const char *l = t; *l;) {
		size_t n = strcspn(l, "\n");
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)n, l);
		cr_assert_leq(emr_display_width(line), 80, "[%s]", line);
		l += n + (l[n] ? 1 : 0);
	}
	free(t);
}

Test(print, rx_without_npi_or_dea_leaves_fields_to_fill)
{
	test_exec(env.db, "UPDATE users SET npi = NULL, dea = NULL");
	char *t = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_TEXT, NULL);
	expect_contains(t, "NPI: ______________");
	expect_contains(t, "DEA: ______________");
	free(t);
}

Test(print, rx_fraction_and_html)
{
	test_exec(env.db, "UPDATE medications SET quantity = 30.5, refills = 0");
	char *h = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_HTML, NULL);
	expect_contains(h, "30.5 (thirty and one half) tablets");
	expect_contains(h, "<strong>DEA:</strong> AT1234563");
	expect_contains(h, "<strong>Refills:</strong> 0 (zero)");
	free(h);
}

Test(print, rx_refuses_what_is_not_a_prescription)
{
	emr_medication m = {.patient_id = pid};
	strcpy(m.drug, "ibuprofen");
	cr_assert_eq(emr_medication_add(env.db, &m), 0);
	FILE *f = fopen("/dev/null", "w");
	cr_assert_eq(emr_print(env.db, EMR_PRINT_RX, m.id, EMR_PRINT_TEXT, f), -1);
	cr_assert(strstr(emr_db_error(env.db), "not prescribed here") != NULL, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_medication_stop(env.db, rx_id, TEST_TODAY, "switched"), 0);
	cr_assert_eq(emr_print(env.db, EMR_PRINT_RX, rx_id, EMR_PRINT_TEXT, f), -1);
	cr_assert(strstr(emr_db_error(env.db), "stopped") != NULL, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_print(env.db, EMR_PRINT_RX, 9999, EMR_PRINT_TEXT, f), -1);
	cr_assert_eq(emr_print(env.db, EMR_PRINT_NOTE, 9999, EMR_PRINT_TEXT, f), -1);
	cr_assert(strstr(emr_db_error(env.db), "no note with id 9999") != NULL, "%s", emr_db_error(env.db));
	fclose(f);
	/* Nothing printed, nothing audited. */
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'print'"), 0);
}

/* ------------------------------------------------------- notes and visits */

Test(print, note_in_every_format_and_audited)
{
	char *t = print_to_string(EMR_PRINT_NOTE, note_id, EMR_PRINT_TEXT, NULL);
	expect_contains(t, "Test Family Practice");
	expect_contains(t, "Patient: García, José");
	expect_contains(t, "Assessment\n----------\n\nHypertension, controlled.");
	expect_contains(t, "DRAFT, not signed");
	free(t);
	cr_assert_eq(emr_note_sign(env.db, note_id), 0, "%s", emr_db_error(env.db));
	char *md = print_to_string(EMR_PRINT_NOTE, note_id, EMR_PRINT_MD, NULL);
	expect_contains(md, "# Visit note");
	expect_contains(md, "Hypertension, *controlled*.");
	expect_contains(md, "**Signed by:** Dana Test, MD");
	free(md);
	char *h = print_to_string(EMR_PRINT_NOTE, note_id, EMR_PRINT_HTML, NULL);
	expect_contains(h, "<!DOCTYPE html>");
	expect_contains(h, "@page");
	expect_contains(h, "<em>controlled</em>");
	expect_lacks(h, "http:");
	expect_lacks(h, "https:");
	expect_lacks(h, "src=");
	free(h);
	size_t len;
	char *pdf = print_to_string(EMR_PRINT_NOTE, note_id, EMR_PRINT_PDF, &len);
	cr_assert_gt(len, 1000);
	cr_assert_eq(memcmp(pdf, "%PDF-", 5), 0);
	free(pdf);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'print'"), 4);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'print' AND entity = 'notes'"
	                              " AND detail = 'note 1 as pdf' AND patient_id = 1"), 1);
	int64_t bad;
	long rows;
	cr_assert_eq(emr_audit_verify(env.db, &bad, &rows), 0);
}

Test(print, visit_has_vitals_orders_and_note)
{
	emr_vitals v;
	emr_vitals_init(&v);
	v.systolic = 128, v.diastolic = 82, v.pulse = 72, v.temp_c = 37, v.weight_kg = 80, v.height_cm = 175;
	v.encounter_id = enc;
	double bmi;
	cr_assert_eq(emr_vitals_record(env.db, pid, &v, &bmi), 0, "%s", emr_db_error(env.db));
	emr_observation o = {.patient_id = pid, .encounter_id = enc, .has_value = true, .value = 8.1};
	strcpy(o.loinc, "4548-4");
	cr_assert_eq(emr_observation_add(env.db, &o), 0, "%s", emr_db_error(env.db));
	char *t = print_to_string(EMR_PRINT_VISIT, enc, EMR_PRINT_TEXT, NULL);
	expect_contains(t, "Visit summary");
	expect_contains(t, "Reason: Follow-up of hypertension");
	expect_contains(t, "Blood pressure: 128/82 mmHg");
	expect_contains(t, "Pulse: 72 /min");
	expect_contains(t, "Temperature: 37 \u00B0C (98.6 \u00B0F)");
	expect_contains(t, "Hypertension, controlled.");
	expect_contains(t, "metformin 500 mg oral tablet: Take 1 tablet by mouth twice daily with meals");
	expect_contains(t, "quantity 60 tablets, 2 refills");
	expect_contains(t, "HbA1c: 8.1%, high");
	free(t);
}

Test(print, markdown_printout_cannot_be_swallowed_by_a_note)
{
	/* A note that opens a code fence and never closes it. */
	test_exec(env.db, "UPDATE notes SET body = 'Plan:' || char(10) || '```' || char(10) || 'unclosed'");
	char *md = print_to_string(EMR_PRINT_VISIT, enc, EMR_PRINT_MD, NULL);
	char *h = emr_md_render_html(md);
	expect_contains(h, "<h2>Medications ordered</h2>");
	free(h);
	free(md);
}

Test(print, summary_in_plain_language)
{
	emr_allergy a = {.patient_id = pid};
	strcpy(a.substance, "penicillin");
	strcpy(a.reaction, "hives");
	strcpy(a.category, "drug");
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	emr_immunization im = {.patient_id = pid};
	strcpy(im.cvx, "115");
	strcpy(im.administered_on, "2025-10-01");
	cr_assert_eq(emr_immunization_add(env.db, &im), 0, "%s", emr_db_error(env.db));
	emr_observation o = {.patient_id = pid, .has_value = true, .value = 8.1};
	strcpy(o.loinc, "4548-4");
	cr_assert_eq(emr_observation_add(env.db, &o), 0, "%s", emr_db_error(env.db));
	char *t = print_to_string(EMR_PRINT_SUMMARY, pid, EMR_PRINT_TEXT, NULL);
	expect_contains(t, "Your health summary");
	expect_contains(t, "Your health conditions");
	expect_contains(t, "Your medicines");
	expect_contains(t, "metformin 500 mg oral tablet: Take 1 tablet by mouth twice daily with meals");
	expect_contains(t, "penicillin: hives");
	expect_contains(t, "Vaccines you have had");
	expect_contains(t, "2025-10-01");
	expect_contains(t, "HbA1c: 8.1%, higher than usual (usual range 4\u20135.6)");
	free(t);
}

/* ---------------------------------------------------------------- escaping */

Test(print, database_text_is_escaped_in_every_format)
{
	test_exec(env.db, "UPDATE patients SET given_name = '<b>Evil</b>\"''&' || char(27) || '[31m', "
	                  "family_name = '.so /etc/passwd \\fB *x*'");
	char *h = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_HTML, NULL);
	expect_lacks(h, "<b>Evil");
	expect_lacks(h, "\x1b");
	expect_contains(h, "&lt;b&gt;Evil&lt;/b&gt;");
	free(h);
	h = print_to_string(EMR_PRINT_NOTE, note_id, EMR_PRINT_HTML, NULL);
	expect_contains(h, "<title>Visit note \u2014 .so /etc/passwd \\fB *x*, &lt;b&gt;Evil&lt;/b&gt;&quot;&#39;&amp;[31m</title>");
	expect_lacks(h, "<b>Evil");
	free(h);
	char *t = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_TEXT, NULL);
	expect_lacks(t, "\x1b");
	expect_contains(t, "<b>Evil</b>\"'&[31m .so /etc/passwd \\fB *x*");
	free(t);
	char *md = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_MD, NULL);
	expect_contains(md, "\\<b\\>Evil\\</b\\>\"'\\&\\[31m .so /etc/passwd \\\\fB \\*x\\*");
	free(md);
	size_t len;
	char *pdf = print_to_string(EMR_PRINT_RX, rx_id, EMR_PRINT_PDF, &len);
	cr_assert_eq(memcmp(pdf, "%PDF-", 5), 0);
	free(pdf);
}

/* ------------------------------------------------------------------ files */

Test(print, open_creates_0600_and_refuses_symlinks)
{
	char path[400], link[400];
	snprintf(path, sizeof path, "%s/out.txt", env.dir);
	FILE *f = emr_print_open(path);
	cr_assert_not_null(f);
	fputs("x", f);
	fclose(f);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* A file that was there, readable by all, becomes private. */
	chmod(path, 0644);
	f = emr_print_open(path);
	cr_assert_not_null(f);
	fclose(f);
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(st.st_size, 0);
	/* A symlink planted where the printout goes is not followed. */
	snprintf(link, sizeof link, "%s/link.txt", env.dir);
	cr_assert_eq(symlink(path, link), 0);
	errno = 0;
	cr_assert_null(emr_print_open(link));
	cr_assert_eq(errno, ELOOP);
}

/* ---------------------------------------------------------------- invoice */

/* Visit enc billed: I10 and E11.9, 99213-25 and 2 x 36415, 40.00 paid on
 * the invoice; returns the invoice id. */
static int64_t invoice_fixture(const char *desc)
{
	test_exec(env.db, "INSERT OR IGNORE INTO icd10cm (code, description, first_release, last_release) VALUES "
	                  "('I10', 'Essential (primary) hypertension', 2026, 2026), "
	                  "('E119', 'Type 2 diabetes mellitus without complications', 2026, 2026)");
	test_exec(env.db, "UPDATE practice SET npi = '1987654325'");
	cr_assert_eq(emr_fee_add(env.db, "99213", NULL, desc, 12550), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_fee_add(env.db, "36415", NULL, "Venipuncture", 1250), 0, "%s", emr_db_error(env.db));
	int rank;
	cr_assert_eq(emr_dx_add(env.db, enc, "I10", &rank), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_dx_add(env.db, enc, "E11.9", &rank), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, enc, "99213", "25", 1, "1,2", NULL), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_charge_add(env.db, enc, "36415", "", 2, "2", NULL), 0, "%s", emr_db_error(env.db));
	int64_t iid;
	char number[32];
	cr_assert_eq(emr_invoice_issue(env.db, enc, &iid, number), 0, "%s", emr_db_error(env.db));
	cr_assert_eq(emr_payment_post(env.db, pid, 4000, "card", "AUTH77", iid, false), 0, "%s", emr_db_error(env.db));
	return iid;
}

/* The display column where the line holding needle ends. */
static int line_end_col(const char *text, const char *needle)
{
	const char *at = strstr(text, needle);
	cr_assert_not_null(at, "no [%s] in:\n%s", needle, text);
	const char *start = at;
	while (start > text && start[-1] != '\n')
		start--;
	size_t len = strcspn(start, "\n");
	char *line = strndup(start, len);
	int w = emr_display_width(line);
	free(line);
	return w;
}

Test(print, invoice_superbill_in_every_format_and_audited)
{
	int64_t iid = invoice_fixture("Office or other outpatient visit for the evaluation and management of an "
	                              "established patient");
	char *t = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_TEXT, NULL);
	expect_contains(t, "Test Family Practice");            /* letterhead */
	expect_contains(t, "1 Main St, Springfield, IL 62701");
	expect_contains(t, "Invoice INV-000001");
	expect_contains(t, "Patient: García, José");
	expect_contains(t, "Date of birth: 1980-06-15");
	expect_contains(t, "MRN: ");
	expect_contains(t, "Date of service: " TEST_TODAY);
	expect_contains(t, "Practice NPI: 1987654325");
	expect_contains(t, "Rendering provider: Dana Test, MD");
	expect_contains(t, "Provider NPI: 1234567893");
	expect_contains(t, "1  I10       Essential (primary) hypertension");
	expect_contains(t, "2  E11.9     Type 2 diabetes mellitus without complications");
	expect_contains(t, "99213  25             1  1,2     Office or other outpatient");
	expect_contains(t, "36415                 2  2       Venipuncture");
	expect_contains(t, "card       AUTH77");
	/* Every line fits 80 columns; the money is right-aligned. */
	for (const char *l = t; *l;) {
		size_t len = strcspn(l, "\n");
		char *line = strndup(l, len);
		cr_assert_leq(emr_display_width(line), 80, "too wide: [%s]", line);
		free(line);
		l += len + (l[len] ? 1 : 0);
	}
	int col = line_end_col(t, "Venipuncture");
	expect_contains(t, "25.00\n");
	cr_assert_eq(line_end_col(t, "Office or other outpatient"), col);
	cr_assert_eq(line_end_col(t, "Total   "), col);
	cr_assert_eq(line_end_col(t, "AUTH77"), col);
	cr_assert_eq(line_end_col(t, "Balance due"), col);
	expect_contains(t, "Total        150.50\n");
	expect_contains(t, "-40.00\n");
	expect_contains(t, "Balance due        110.50\n");
	free(t);

	char *md = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_MD, NULL);
	expect_contains(md, "# Invoice INV-000001");
	expect_contains(md, "## Procedures");
	expect_contains(md, "    99213  25");
	free(md);
	char *h = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_HTML, NULL);
	expect_contains(h, "<title>Invoice INV-000001 \u2014 García, José</title>");
	expect_contains(h, "<h2>Diagnoses</h2>");
	expect_contains(h, "Essential (primary) hypertension");
	expect_contains(h, "99213");
	expect_contains(h, "150.50");
	expect_contains(h, "110.50");
	expect_lacks(h, "src=");
	free(h);
	size_t len;
	char *pdf = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_PDF, &len);
	cr_assert_gt(len, 1000);
	cr_assert_eq(memcmp(pdf, "%PDF-", 5), 0);
	free(pdf);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'print' AND entity = 'invoices'"
	                              " AND patient_id = 1"), 4);
	cr_assert_eq(test_int(env.db, "SELECT count(*) FROM audit_events WHERE action = 'print'"
	                              " AND detail = 'invoice 1 as pdf'"), 1);
}

Test(print, invoice_thousands_and_no_invoice)
{
	int64_t iid = invoice_fixture("Office visit");
	test_exec(env.db, "INSERT INTO fee_schedule (code, code_system, description, fee_cents) "
	                  "VALUES ('27447', 'CPT', 'Total knee arthroplasty', 2500000)");
	int64_t c;
	cr_assert_eq(emr_charge_add(env.db, enc, "27447", "RT,59,XU,76", 1, "1", &c), 0, "%s", emr_db_error(env.db));
	int64_t iid2;
	char number[32];
	cr_assert_eq(emr_invoice_issue(env.db, enc, &iid2, number), 0, "%s", emr_db_error(env.db));
	char *t = print_to_string(EMR_PRINT_INVOICE, iid2, EMR_PRINT_TEXT, NULL);
	expect_contains(t, "25,000.00\n");
	expect_contains(t, "None applied to this invoice.");
	/* Four modifiers wrap after a comma, in their column. */
	expect_contains(t, "27447  RT,59,XU");
	free(t);
	(void)iid;
	FILE *f = fopen("/dev/null", "w");
	cr_assert_eq(emr_print(env.db, EMR_PRINT_INVOICE, 99, EMR_PRINT_TEXT, f), -1);
	fclose(f);
	expect_contains(emr_db_error(env.db), "no invoice 99");
}

Test(print, invoice_text_is_escaped_in_every_format)
{
	int64_t iid = invoice_fixture("<script>x</script> ``` *y* \x1b[31m");
	char *t = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_TEXT, NULL);
	expect_lacks(t, "\x1b");
	expect_contains(t, "<script>x</script> ``` *y*");
	expect_contains(t, "[31m");
	expect_contains(t, "Balance due");   /* the fence-alike closed nothing */
	free(t);
	char *h = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_HTML, NULL);
	expect_lacks(h, "<script>");
	expect_contains(h, "&lt;script&gt;x&lt;/script&gt;");
	expect_contains(h, "<h2>Balance</h2>");
	free(h);
	size_t len;
	char *pdf = print_to_string(EMR_PRINT_INVOICE, iid, EMR_PRINT_PDF, &len);
	cr_assert_eq(memcmp(pdf, "%PDF-", 5), 0);
	free(pdf);
}

Test(print, invoice_for_the_front_desk_but_not_the_nurse)
{
	int64_t iid = invoice_fixture("Office visit");
	emr_user admin;
	cr_assert_eq(emr_user_get_by_login(env.db, "drtest", &admin), 0, "%s", emr_db_error(env.db));
	static const struct { const char *login, *role; bool invoice, note; } users[] = {
		{"fran", "frontdesk", true, false}, {"bill", "biller", true, false}, {"nina", "nurse", false, true}};
	for (size_t i = 0; i < EMR_ARRAY_LEN(users); i++) {
		emr_db_set_actor(env.db, admin.id, admin.login);
		emr_user u = {0};
		strcpy(u.login, users[i].login);
		strcpy(u.display_name, users[i].login);
		strcpy(u.role, users[i].role);
		cr_assert_eq(emr_user_add(env.db, &u), 0, "%s", emr_db_error(env.db));
		cr_assert_eq(emr_user_get_by_login(env.db, users[i].login, &u), 0, "%s", emr_db_error(env.db));
		emr_db_set_actor(env.db, u.id, u.login);
		FILE *f = fopen("/dev/null", "w");
		cr_assert_eq(emr_print(env.db, EMR_PRINT_INVOICE, iid, EMR_PRINT_TEXT, f) == 0, users[i].invoice, "%s: %s",
		             users[i].role, emr_db_error(env.db));
		cr_assert_eq(emr_print(env.db, EMR_PRINT_NOTE, note_id, EMR_PRINT_TEXT, f) == 0, users[i].note, "%s: %s",
		             users[i].role, emr_db_error(env.db));
		fclose(f);
	}
}
