/* The prescribing-safety check: allergies against a drug by substance,
 * by class, and by possible cross-reactivity. */
#include "testlib.h"

#include "emr/clinical.h"
#include "emr/rxcheck.h"

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
	cr_assert_eq(emr_patient_add(env.db, &p), 0, "%s", emr_db_error(env.db));
	pid = p.id;
}
static void teardown(void) { test_env_close(&env); }

TestSuite(rxcheck, .init = setup, .fini = teardown);

static int64_t allergy(const char *substance, const char *reaction, const char *severity)
{
	emr_allergy a = {0};
	a.patient_id = pid;
	strcpy(a.substance, substance);
	strcpy(a.reaction, reaction);
	strcpy(a.severity, severity);
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	return a.id;
}

static int check(const char *drug, emr_rx_warning *w, size_t max)
{
	int n = emr_rx_check(env.db, pid, drug, w, max);
	cr_assert_geq(n, 0, "%s", emr_db_error(env.db));
	return n;
}

Test(rxcheck, amoxicillin_with_a_penicillin_allergy_warns)
{
	int64_t id = allergy("penicillin", "hives", "severe");
	emr_rx_warning w[4];
	cr_assert_eq(check("amoxicillin", w, 4), 1);
	cr_assert_eq(w[0].allergy_id, id);
	cr_assert_eq(w[0].match, EMR_RX_SAME_CLASS);
	cr_assert_str_eq(w[0].substance, "penicillin");
	cr_assert_str_eq(w[0].reaction, "hives");
	cr_assert_str_eq(w[0].severity, "severe");
	cr_assert_str_eq(w[0].why, "amoxicillin is a penicillin");
}

Test(rxcheck, lisinopril_with_a_penicillin_allergy_does_not)
{
	allergy("penicillin", "hives", "severe");
	emr_rx_warning w[4];
	cr_assert_eq(check("lisinopril", w, 4), 0);
	cr_assert_eq(check("metformin", w, 4), 0);
	cr_assert_eq(check("azithromycin", w, 4), 0);
}

Test(rxcheck, pcn_is_penicillin_and_case_does_not_matter)
{
	allergy("PCN", "rash", "moderate");
	emr_rx_warning w[4];
	cr_assert_eq(check("Amoxicillin", w, 4), 1);
	cr_assert(strstr(w[0].why, "amoxicillin is a penicillin"), "%s", w[0].why);
	cr_assert_eq(check("Amoxicillin and Clavulanate Potassium", w, 4), 1);
	cr_assert_eq(check("piperacillin-tazobactam", w, 4), 1);
	cr_assert_eq(check("Penicillin V potassium", w, 4), 1);
}

Test(rxcheck, same_substance_ignores_case_and_accents)
{
	allergy("Amoxicilína", "anaphylaxis", "severe");
	allergy("Codéine", "itching", "mild");
	emr_rx_warning w[4];
	cr_assert_eq(check("AMOXICILINA", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_SUBSTANCE);
	cr_assert_str_eq(w[0].substance, "Amoxicilína");
	cr_assert_eq(check("CODEINE", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_SUBSTANCE);
	cr_assert_str_eq(w[0].substance, "Codéine");
	cr_assert_eq(check("acetaminophen with codeine", w, 4), 1);
	cr_assert(strstr(w[0].why, "contains codeine"), "%s", w[0].why);
}

Test(rxcheck, a_combination_contains_its_ingredient)
{
	allergy("amoxicillin", "hives", "moderate");
	emr_rx_warning w[4];
	cr_assert_eq(check("amoxicillin-clavulanate", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_SUBSTANCE);
	cr_assert_str_eq(w[0].why, "amoxicillin-clavulanate contains amoxicillin");
	/* A brand name is read as its ingredients. */
	cr_assert_eq(check("Augmentin", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_SUBSTANCE);
	/* Another penicillin: same class, naming the allergen. */
	cr_assert_eq(check("ampicillin", w, 4), 1);
	cr_assert_str_eq(w[0].why, "ampicillin is a penicillin, like amoxicillin");
}

Test(rxcheck, nkda_gives_nothing)
{
	emr_allergy a = {0};
	a.patient_id = pid;
	a.is_nkda = true;
	cr_assert_eq(emr_allergy_add(env.db, &a), 0, "%s", emr_db_error(env.db));
	emr_rx_warning w[4];
	cr_assert_eq(check("amoxicillin", w, 4), 0);
	cr_assert_eq(check("codeine", w, 4), 0);
}

Test(rxcheck, a_retired_allergy_gives_nothing)
{
	int64_t id = allergy("penicillin", "hives", "severe");
	cr_assert_eq(emr_record_retire(env.db, EMR_REC_ALLERGY, id, "wrong patient"), 0, "%s", emr_db_error(env.db));
	emr_rx_warning w[4];
	cr_assert_eq(check("amoxicillin", w, 4), 0);
}

Test(rxcheck, cephalosporins_are_possible_cross_reactivity_with_penicillin)
{
	allergy("penicillins", "hives", "mild");
	emr_rx_warning w[4];
	cr_assert_eq(check("cephalexin", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_CROSS_REACTIVE);
	cr_assert(strstr(w[0].why, "cephalexin is a cephalosporin: possible cross-reactivity"), "%s", w[0].why);
	cr_assert_eq(check("ceftriaxone", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_CROSS_REACTIVE);
}

Test(rxcheck, sulfa_means_the_sulfonamide_antibiotics_only)
{
	allergy("Sulfa drugs", "rash", "moderate");
	emr_rx_warning w[4];
	cr_assert_eq(check("sulfamethoxazole-trimethoprim", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_CLASS);
	cr_assert_eq(check("Bactrim DS", w, 4), 1);
	/* Non-antibiotic sulfonamides do not cross-react (Strom 2003). */
	cr_assert_eq(check("furosemide", w, 4), 0);
	cr_assert_eq(check("hydrochlorothiazide", w, 4), 0);
}

Test(rxcheck, nsaids_codeine_and_ace_inhibitors)
{
	allergy("NSAIDs", "bronchospasm", "severe");
	allergy("codeine", "hives", "moderate");
	allergy("lisinopril", "angioedema", "severe");
	emr_rx_warning w[4];
	cr_assert_eq(check("ibuprofen", w, 4), 1);
	cr_assert_str_eq(w[0].why, "ibuprofen is an NSAID (cross-reactive NSAID hypersensitivity is common)");
	cr_assert_eq(check("aspirin", w, 4), 1);
	cr_assert_eq(check("celecoxib", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_CROSS_REACTIVE);
	cr_assert_eq(check("morphine", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_CLASS);
	cr_assert(strstr(w[0].why, "like codeine"), "%s", w[0].why);
	cr_assert_eq(check("tramadol", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_CROSS_REACTIVE);
	cr_assert_eq(check("enalapril", w, 4), 1);
	cr_assert(strstr(w[0].why, "enalapril is an ACE inhibitor, like lisinopril (angioedema"), "%s", w[0].why);
	cr_assert_eq(check("losartan", w, 4), 0);
	cr_assert_eq(check("acetaminophen", w, 4), 0);
}

Test(rxcheck, allergy_written_with_filler_words_and_brands)
{
	allergy("allergy to Bactrim", "rash", "");
	emr_rx_warning w[4];
	cr_assert_eq(check("sulfamethoxazole", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_SUBSTANCE);
	cr_assert_eq(check("sulfadiazine", w, 4), 1);
	cr_assert_eq(w[0].match, EMR_RX_SAME_CLASS);
}

Test(rxcheck, several_allergies_strongest_first_and_max_respected)
{
	allergy("cephalosporins", "rash", "mild");
	allergy("amoxicillin", "anaphylaxis", "severe");
	allergy("penicillin", "hives", "moderate");
	emr_rx_warning w[4];
	cr_assert_eq(check("amoxicillin", w, 4), 3);
	cr_assert_eq(w[0].match, EMR_RX_SAME_SUBSTANCE);
	cr_assert_eq(w[1].match, EMR_RX_SAME_CLASS);
	cr_assert_eq(w[2].match, EMR_RX_CROSS_REACTIVE);
	/* The count is the total even when fewer fit. */
	emr_rx_warning one[1];
	cr_assert_eq(check("amoxicillin", one, 1), 3);
	cr_assert_eq(one[0].match, EMR_RX_SAME_SUBSTANCE);
	cr_assert_eq(emr_rx_check(env.db, pid, "amoxicillin", NULL, 0), 3);
}

Test(rxcheck, describe_says_what_was_shown)
{
	allergy("penicillin", "hives", "severe");
	emr_rx_warning w[4];
	int n = check("amoxicillin", w, 4);
	char buf[512];
	emr_rx_describe(w, (size_t)n, buf, sizeof buf);
	cr_assert_str_eq(buf, "allergy penicillin (hives, severe): amoxicillin is a penicillin");
	emr_rx_describe(w, 0, buf, sizeof buf);
	cr_assert_str_eq(buf, "");
}

Test(rxcheck, class_of_names_the_class)
{
	cr_assert_str_eq(emr_rx_class_of("Amoxicillin 500 mg"), "a penicillin");
	cr_assert_str_eq(emr_rx_class_of("atorvastatin"), "a statin");
	cr_assert_str_eq(emr_rx_class_of("doxycycline hyclate"), "a tetracycline");
	cr_assert_str_eq(emr_rx_class_of("levofloxacin"), "a fluoroquinolone");
	cr_assert_str_eq(emr_rx_class_of("clarithromycin"), "a macrolide");
	cr_assert_null(emr_rx_class_of("metformin"));
	cr_assert_null(emr_rx_class_of(""));
}

Test(rxcheck, unknown_patient_is_no_error_but_no_warnings)
{
	emr_rx_warning w[2];
	cr_assert_eq(emr_rx_check(env.db, 999999, "amoxicillin", w, 2), 0);
}
