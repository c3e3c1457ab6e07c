/* The form engine: fields, focus, validation, dirty tracking, keys,
 * choices, pickers, and every validator. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emr/form.h"

static void setup(void)
{
	/* Dates are checked against "today" (the local date of EMR_NOW). */
	setenv("EMR_NOW", "2026-11-25T15:00:00Z", 1);
	setenv("TZ", "America/New_York", 1);
}

TestSuite(form, .init = setup);

static const char *const sexes[] = {"", "female", "male", "other", "unknown"};
static const char *const sex_labels[] = {"(not given)", "female", "male", "other", "unknown"};

/* A form like registration: text (required), date (past only),
 * number (whole, 0-99), choice. */
static void small_form(emr_form *f)
{
	emr_form_init(f);
	emr_form_add(f, &(emr_field_spec){.name = "family", .label = "Family name", .kind = EMR_FIELD_TEXT, .required = true});
	emr_form_add(f, &(emr_field_spec){.name = "dob", .label = "Date of birth", .kind = EMR_FIELD_DATE, .past_only = true});
	emr_form_add(f, &(emr_field_spec){.name = "refills", .label = "Refills", .kind = EMR_FIELD_NUMBER, .integer = true,
	                                  .has_range = true, .min = 0, .max = 99});
	emr_form_add(f, &(emr_field_spec){.name = "sex", .label = "Sex", .kind = EMR_FIELD_CHOICE, .options = sexes,
	                                  .option_labels = sex_labels, .n_options = 5});
}

static void type(emr_form *f, const char *s)
{
	for (; *s; s++)
		emr_form_key_press(f, EMR_FK_CHAR, (unsigned char)*s);
}

Test(form, fields_are_found_by_name_and_start_empty)
{
	emr_form f;
	small_form(&f);
	cr_assert_eq(f.n, 4);
	cr_assert_eq(emr_form_find(&f, "dob"), 1);
	cr_assert_eq(emr_form_find(&f, "nope"), -1);
	cr_assert_str_eq(emr_form_get(&f, "family"), "");
	cr_assert_str_eq(emr_form_get(&f, "sex"), "");
	cr_assert_str_eq(emr_form_get(&f, "nope"), "");
	cr_assert_eq(f.focus, 0);
	cr_assert_not(emr_form_dirty(&f));
	emr_form_free(&f);
}

Test(form, typing_edits_the_focused_field_and_reports_it)
{
	emr_form f;
	small_form(&f);
	int r = emr_form_key_press(&f, EMR_FK_CHAR, 'R');
	cr_assert(r & EMR_FORM_TEXT);
	type(&f, "uiz");
	cr_assert_str_eq(emr_form_value(&f, 0), "Ruiz");
	r = emr_form_key_press(&f, EMR_FK_LEFT, 0);
	cr_assert_eq(r, EMR_FORM_CURSOR);
	r = emr_form_key_press(&f, EMR_FK_BACKSPACE, 0);
	cr_assert(r & EMR_FORM_TEXT);
	cr_assert_str_eq(emr_form_value(&f, 0), "Ruz");
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_HOME, 0), EMR_FORM_CURSOR);
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_HOME, 0), 0, "nothing moved");
	cr_assert(emr_form_key_press(&f, EMR_FK_DELETE, 0) & EMR_FORM_TEXT);
	cr_assert_str_eq(emr_form_value(&f, 0), "uz");
	cr_assert(emr_form_key_press(&f, EMR_FK_KILL_LINE, 0) & EMR_FORM_TEXT);
	cr_assert_str_eq(emr_form_value(&f, 0), "");
	type(&f, "de la Cruz");
	cr_assert(emr_form_key_press(&f, EMR_FK_KILL_WORD, 0) & EMR_FORM_TEXT);
	cr_assert_str_eq(emr_form_value(&f, 0), "de la ");
	emr_form_free(&f);
}

Test(form, tab_validates_the_field_left_and_moves_on)
{
	emr_form f;
	small_form(&f);
	/* Required and empty: the message stays, the focus still moves. */
	int r = emr_form_next(&f);
	cr_assert(r & EMR_FORM_FOCUS);
	cr_assert(r & EMR_FORM_MESSAGE);
	cr_assert_eq(f.focus, 1);
	cr_assert_str_eq(f.fields[0].msg, "required");
	type(&f, "2026-02-30");
	r = emr_form_key_press(&f, EMR_FK_TAB, 0);
	cr_assert_eq(f.focus, 2);
	cr_assert_str_eq(f.fields[1].msg, "not a valid date (YYYY-MM-DD)");
	/* Shift-Tab goes back; fixing the value clears the message on leaving. */
	emr_form_key_press(&f, EMR_FK_BACKTAB, 0);
	cr_assert_eq(f.focus, 1);
	emr_form_key_press(&f, EMR_FK_KILL_LINE, 0);
	cr_assert_str_eq(f.fields[1].msg, "", "editing clears the old message");
	type(&f, "1980-06-15");
	emr_form_next(&f);
	cr_assert_str_eq(f.fields[1].msg, "");
	/* Wraps both ways. */
	emr_form_focus(&f, 3);
	emr_form_next(&f);
	cr_assert_eq(f.focus, 0);
	emr_form_prev(&f);
	cr_assert_eq(f.focus, 3);
	emr_form_free(&f);
}

Test(form, enter_and_arrows_move_between_plain_fields)
{
	emr_form f;
	small_form(&f);
	type(&f, "Ruiz");
	emr_form_key_press(&f, EMR_FK_ENTER, 0);
	cr_assert_eq(f.focus, 1);
	emr_form_key_press(&f, EMR_FK_DOWN, 0);
	cr_assert_eq(f.focus, 2);
	emr_form_key_press(&f, EMR_FK_UP, 0);
	cr_assert_eq(f.focus, 1);
	/* Unlike Tab they stop at the ends. */
	emr_form_key_press(&f, EMR_FK_UP, 0);
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_UP, 0), 0);
	cr_assert_eq(f.focus, 0);
	emr_form_focus(&f, 3);
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_DOWN, 0), 0);
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_ENTER, 0), 0);
	cr_assert_eq(f.focus, 3);
	emr_form_free(&f);
}

Test(form, dirty_means_changed_since_open)
{
	emr_form f;
	small_form(&f);
	cr_assert_not(emr_form_dirty(&f));
	type(&f, "x");
	cr_assert(emr_form_dirty(&f));
	emr_form_key_press(&f, EMR_FK_BACKSPACE, 0);
	cr_assert_not(emr_form_dirty(&f), "back to what it was");
	/* Prefilling an edit form, then marking it clean. */
	emr_form_set(&f, 0, "Ruiz");
	emr_form_set(&f, 3, "female");
	cr_assert(emr_form_dirty(&f));
	emr_form_mark_clean(&f);
	cr_assert_not(emr_form_dirty(&f));
	emr_form_focus(&f, 3);
	emr_form_key_press(&f, EMR_FK_RIGHT, 0);
	cr_assert(emr_form_dirty(&f));
	emr_form_key_press(&f, EMR_FK_LEFT, 0);
	cr_assert_not(emr_form_dirty(&f));
	/* Moving around changes nothing. */
	emr_form_next(&f);
	emr_form_next(&f);
	cr_assert_not(emr_form_dirty(&f));
	emr_form_free(&f);
}

Test(form, validate_all_focuses_the_first_bad_field)
{
	emr_form f;
	small_form(&f);
	emr_form_focus(&f, 3);
	emr_form_set(&f, 2, "100");
	cr_assert_not(emr_form_validate_all(&f));
	cr_assert_eq(f.focus, 0);
	cr_assert_str_eq(f.fields[0].msg, "required");
	cr_assert_str_eq(f.fields[2].msg, "must be between 0 and 99");
	cr_assert(emr_form_has_messages(&f));
	emr_form_set(&f, 0, "Ruiz");
	cr_assert_not(emr_form_validate_all(&f));
	cr_assert_eq(f.focus, 2);
	emr_form_set(&f, 2, "3");
	cr_assert(emr_form_validate_all(&f));
	cr_assert_not(emr_form_has_messages(&f));
	emr_form_free(&f);
}

Test(form, choice_cycles_and_takes_letters)
{
	emr_form f;
	small_form(&f);
	emr_form_focus(&f, 3);
	int r = emr_form_key_press(&f, EMR_FK_RIGHT, 0);
	cr_assert(r & EMR_FORM_TEXT);
	cr_assert(r & EMR_FORM_PICKED);
	cr_assert_str_eq(emr_form_value(&f, 3), "female");
	emr_form_key_press(&f, EMR_FK_LEFT, 0);
	emr_form_key_press(&f, EMR_FK_LEFT, 0);
	cr_assert_str_eq(emr_form_value(&f, 3), "unknown", "wraps backwards");
	emr_form_key_press(&f, EMR_FK_CHAR, 'm');
	cr_assert_str_eq(emr_form_value(&f, 3), "male");
	emr_form_key_press(&f, EMR_FK_CHAR, 'O');
	cr_assert_str_eq(emr_form_value(&f, 3), "other");
	emr_form_key_press(&f, EMR_FK_CHAR, ' ');
	cr_assert_str_eq(emr_form_value(&f, 3), "unknown");
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_CHAR, 'z'), 0, "no option starts with z");
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_BACKSPACE, 0), 0, "a choice is not edited as text");
	/* Typing the letter again steps through options sharing it. */
	emr_form_key_press(&f, EMR_FK_CHAR, 'f');
	cr_assert_str_eq(emr_form_value(&f, 3), "female");
	emr_form_free(&f);
}

Test(form, choice_set_to_an_unknown_value_fails_validation)
{
	emr_form f;
	small_form(&f);
	cr_assert(emr_form_set(&f, 3, "male"));
	cr_assert_eq(f.fields[3].choice, 2);
	cr_assert_not(emr_form_set(&f, 3, "x"));
	cr_assert_not(emr_form_validate_field(&f, 3));
	cr_assert_str_eq(f.fields[3].msg, "must be one of: female, male, other, unknown");
	emr_form_free(&f);
}

Test(form, required_choice_wants_a_real_option)
{
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.label = "Sex", .kind = EMR_FIELD_CHOICE, .required = true, .options = sexes,
	                                   .n_options = 5});
	cr_assert_not(emr_form_validate_field(&f, 0));
	cr_assert_str_eq(f.fields[0].msg, "required: choose with Left/Right");
	emr_form_key_press(&f, EMR_FK_RIGHT, 0);
	cr_assert(emr_form_validate_field(&f, 0));
	emr_form_free(&f);
}

/* A picker over a fixed list standing in for emr_icd10_search. */
static size_t fake_search(const char *query, emr_pick *out, size_t max, void *ctx)
{
	int *calls = ctx;
	(*calls)++;
	static const struct { const char *code, *label; } all[] = {
		{"E119", "E11.9  Type 2 diabetes mellitus without complications"},
		{"E1165", "E11.65  Type 2 diabetes mellitus with hyperglycemia"},
		{"I10", "I10  Essential (primary) hypertension"},
	};
	size_t n = 0;
	for (size_t i = 0; i < 3 && n < max; i++)
		if (strstr(all[i].label, query)) {
			strcpy(out[n].code, all[i].code);
			strcpy(out[n].label, all[i].label);
			n++;
		}
	return n;
}

Test(form, picker_searches_as_you_type_and_enter_takes_the_highlight)
{
	int calls = 0;
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.name = "icd10", .label = "Problem", .kind = EMR_FIELD_PICKER, .required = true,
	                                   .search = fake_search, .ctx = &calls});
	emr_form_add(&f, &(emr_field_spec){.name = "note", .label = "Note"});
	emr_form_key_press(&f, EMR_FK_CHAR, 'd');
	cr_assert_not(f.fields[0].list_open, "one character is too short to search");
	cr_assert_eq(calls, 0);
	int r = emr_form_key_press(&f, EMR_FK_CHAR, 'i');
	cr_assert(r & EMR_FORM_LIST);
	cr_assert(f.fields[0].list_open);
	cr_assert_eq(f.fields[0].n_picks, 2);
	cr_assert_eq(calls, 1);
	r = emr_form_key_press(&f, EMR_FK_DOWN, 0);
	cr_assert_eq(r, EMR_FORM_LIST);
	cr_assert_eq(f.fields[0].pick_sel, 1);
	cr_assert_eq(emr_form_key_press(&f, EMR_FK_DOWN, 0), 0, "stays on the last entry");
	cr_assert_eq(f.focus, 0, "Down inside a list does not leave the field");
	emr_form_key_press(&f, EMR_FK_UP, 0);
	emr_form_key_press(&f, EMR_FK_DOWN, 0);
	r = emr_form_key_press(&f, EMR_FK_ENTER, 0);
	cr_assert(r & EMR_FORM_PICKED);
	cr_assert_str_eq(emr_form_code(&f, 0), "E1165");
	cr_assert_str_eq(emr_form_value(&f, 0), "E11.65  Type 2 diabetes mellitus with hyperglycemia");
	cr_assert_eq(f.fields[0].value.cursor, 0, "the code shows first");
	cr_assert_not(f.fields[0].list_open);
	cr_assert_eq(f.focus, 0);
	cr_assert(emr_form_validate_field(&f, 0));
	/* Enter again, with no list, moves on. */
	emr_form_key_press(&f, EMR_FK_ENTER, 0);
	cr_assert_eq(f.focus, 1);
	emr_form_free(&f);
}

Test(form, picker_needs_a_choice_and_editing_drops_it)
{
	int calls = 0;
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.name = "icd10", .label = "Problem", .kind = EMR_FIELD_PICKER, .required = true,
	                                   .search = fake_search, .ctx = &calls});
	emr_form_add(&f, &(emr_field_spec){.name = "note", .label = "Note"});
	cr_assert_not(emr_form_validate_field(&f, 0));
	cr_assert(strstr(f.fields[0].msg, "required"));
	type(&f, "zzz");
	cr_assert(f.fields[0].list_open);
	cr_assert_eq(f.fields[0].n_picks, 0);
	emr_form_next(&f);
	cr_assert_str_eq(f.fields[0].msg, "not chosen from the list: type words, then Up/Down and Enter");
	cr_assert_not(f.fields[0].list_open, "leaving closes the list");
	/* Coming back searches again for the text that is there. */
	emr_form_prev(&f);
	cr_assert_eq(f.focus, 0);
	cr_assert(f.fields[0].list_open);
	emr_form_key_press(&f, EMR_FK_KILL_LINE, 0);
	type(&f, "hyper");
	/* Exactly one match: leaving takes it. */
	cr_assert_eq(f.fields[0].n_picks, 2);
	type(&f, "tension");
	cr_assert_eq(f.fields[0].n_picks, 1);
	int r = emr_form_next(&f);
	cr_assert(r & EMR_FORM_PICKED);
	cr_assert_str_eq(emr_form_code(&f, 0), "I10");
	cr_assert_str_eq(f.fields[0].msg, "");
	/* Deleting in a chosen field clears it; typing starts a new search. */
	emr_form_focus(&f, 0);
	cr_assert(emr_form_key_press(&f, EMR_FK_BACKSPACE, 0) & EMR_FORM_TEXT);
	cr_assert_str_eq(emr_form_code(&f, 0), "");
	cr_assert_str_eq(emr_form_value(&f, 0), "");
	emr_form_set_pick(&f, 0, "I10", "I10  Essential (primary) hypertension");
	emr_form_key_press(&f, EMR_FK_CHAR, 'E');
	cr_assert_str_eq(emr_form_code(&f, 0), "");
	cr_assert_str_eq(emr_form_value(&f, 0), "E");
	/* Moving the cursor keeps the choice. */
	emr_form_set_pick(&f, 0, "I10", "I10  Essential (primary) hypertension");
	emr_form_key_press(&f, EMR_FK_END, 0);
	cr_assert_str_eq(emr_form_code(&f, 0), "I10");
	emr_form_free(&f);
}

Test(form, picker_set_pick_counts_for_dirty)
{
	int calls = 0;
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.name = "icd10", .kind = EMR_FIELD_PICKER, .search = fake_search, .ctx = &calls});
	emr_form_set_pick(&f, 0, "I10", "I10  Essential (primary) hypertension");
	cr_assert(emr_form_dirty(&f));
	emr_form_mark_clean(&f);
	cr_assert_not(emr_form_dirty(&f));
	emr_form_set_pick(&f, 0, "E119", "I10  Essential (primary) hypertension");
	cr_assert(emr_form_dirty(&f), "same text, another code");
	emr_form_free(&f);
}

static bool no_x(const char *value, char *msg, size_t n, void *ctx)
{
	(void)ctx;
	if (strchr(value, 'x')) {
		snprintf(msg, n, "must not contain x");
		return false;
	}
	return true;
}

Test(form, custom_validator_runs_after_the_kind_rules)
{
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.label = "Lot", .validate = no_x});
	emr_form_set(&f, 0, "ab");
	cr_assert(emr_form_validate_field(&f, 0));
	emr_form_set(&f, 0, "axb");
	cr_assert_not(emr_form_validate_field(&f, 0));
	cr_assert_str_eq(f.fields[0].msg, "must not contain x");
	emr_form_free(&f);
}

Test(form, text_limit_and_blank_required)
{
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.label = "State", .required = true, .max_bytes = 2});
	type(&f, "NYC");
	cr_assert_str_eq(emr_form_value(&f, 0), "NY");
	emr_form_set(&f, 0, "  ");
	cr_assert_not(emr_form_validate_field(&f, 0), "blanks are not a value");
	emr_form_free(&f);
}

Test(form, domain_errors_land_under_their_field)
{
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.name = "quantity", .label = "Quantity"});
	emr_form_add(&f, &(emr_field_spec){.name = "quantity unit", .label = "Unit"});
	emr_form_add(&f, &(emr_field_spec){.name = "dob", .label = "DOB"});
	cr_assert_eq(emr_form_place_error(&f, "quantity unit \"xx\": too long"), 1);
	cr_assert_eq(f.focus, 1);
	cr_assert_str_eq(f.fields[1].msg, "quantity unit \"xx\": too long");
	cr_assert_eq(emr_form_place_error(&f, "quantity 20000: must be between 0 and 10000"), 0);
	cr_assert_eq(emr_form_place_error(&f, "DOB \"2023-02-30\": not a valid date"), 2, "case does not matter");
	cr_assert_eq(emr_form_place_error(&f, "database is locked"), -1);
	cr_assert_eq(emr_form_place_error(&f, "dobby: x"), -1, "a whole word only");
	emr_form_free(&f);
}

/* ------------------------------------------------------------ validators */

static bool date_ok(const char *v, void *rule, char *msg)
{
	return emr_valid_date(v, msg, 128, rule);
}

Test(form, date_validator_wants_real_dates)
{
	char msg[128];
	cr_assert(date_ok("2024-02-29", NULL, msg), "a leap day");
	cr_assert_not(date_ok("2023-02-29", NULL, msg));
	cr_assert_str_eq(msg, "not a valid date (YYYY-MM-DD)");
	cr_assert_not(date_ok("2024-13-01", NULL, msg));
	cr_assert_not(date_ok("2024-04-31", NULL, msg));
	cr_assert_not(date_ok("24-01-01", NULL, msg));
	cr_assert_not(date_ok("2024/01/01", NULL, msg));
	cr_assert_not(date_ok("yesterday", NULL, msg));
	cr_assert(date_ok("", NULL, msg), "empty is for `required` to judge");
	cr_assert(date_ok("2030-01-01", NULL, msg), "the future is fine without the rule");
}

Test(form, date_validator_not_in_the_future_when_asked)
{
	char msg[128];
	emr_date_rule past = {.past_only = true};
	cr_assert(date_ok("2026-11-25", &past, msg), "today");
	cr_assert_not(date_ok("2026-11-26", &past, msg));
	cr_assert_str_eq(msg, "is in the future (today is 2026-11-25)");
	emr_date_rule after_birth = {.past_only = true, .not_before = "1980-06-15", .not_before_what = "the date of birth"};
	cr_assert_not(date_ok("1980-06-14", &after_birth, msg));
	cr_assert_str_eq(msg, "is before the date of birth (1980-06-15)");
	cr_assert(date_ok("1980-06-15", &after_birth, msg));
}

Test(form, date_field_uses_its_past_only_flag)
{
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.label = "Onset", .kind = EMR_FIELD_DATE, .past_only = true});
	emr_form_add(&f, &(emr_field_spec){.label = "Follow-up", .kind = EMR_FIELD_DATE});
	emr_form_set(&f, 0, "2027-01-01");
	emr_form_set(&f, 1, "2027-01-01");
	cr_assert_not(emr_form_validate_field(&f, 0));
	cr_assert(emr_form_validate_field(&f, 1));
	emr_form_free(&f);
}

Test(form, number_validator_ranges_and_whole_numbers)
{
	char msg[128];
	emr_number_rule refills = {.integer = true, .has_range = true, .min = 0, .max = 99};
	cr_assert(emr_valid_number("0", msg, sizeof msg, &refills));
	cr_assert(emr_valid_number(" 99 ", msg, sizeof msg, &refills));
	cr_assert_not(emr_valid_number("100", msg, sizeof msg, &refills));
	cr_assert_str_eq(msg, "must be between 0 and 99");
	cr_assert_not(emr_valid_number("-1", msg, sizeof msg, &refills));
	cr_assert_not(emr_valid_number("2.5", msg, sizeof msg, &refills));
	cr_assert_str_eq(msg, "must be a whole number");
	cr_assert_not(emr_valid_number("three", msg, sizeof msg, &refills));
	cr_assert_str_eq(msg, "not a number");
	cr_assert_not(emr_valid_number("1e3", msg, sizeof msg, NULL), "no exponents");
	cr_assert_not(emr_valid_number("0x10", msg, sizeof msg, NULL));
	cr_assert_not(emr_valid_number("inf", msg, sizeof msg, NULL));
	cr_assert_not(emr_valid_number("nan", msg, sizeof msg, NULL));
	cr_assert_not(emr_valid_number(".", msg, sizeof msg, NULL));
	cr_assert_not(emr_valid_number("5 5", msg, sizeof msg, NULL));
	cr_assert(emr_valid_number("-2.75", msg, sizeof msg, NULL));
	cr_assert(emr_valid_number(".5", msg, sizeof msg, NULL));
	cr_assert(emr_valid_number("", msg, sizeof msg, &refills));
}

Test(form, number_validator_with_units)
{
	char msg[128];
	emr_number_rule weight = {.has_range = true, .min = 0.3, .max = 500, .measure = "kg"};
	cr_assert(emr_valid_number("70", msg, sizeof msg, &weight));
	cr_assert(emr_valid_number("154 lb", msg, sizeof msg, &weight));
	cr_assert(emr_valid_number("70kg", msg, sizeof msg, &weight));
	cr_assert_not(emr_valid_number("70 stone", msg, sizeof msg, &weight));
	cr_assert_str_eq(msg, "not a weight (e.g. 70, 70 kg or 154 lb)");
	cr_assert_not(emr_valid_number("1200 lb", msg, sizeof msg, &weight));
	cr_assert_str_eq(msg, "must be between 0.3 and 500 kg");
	emr_number_rule temp = {.measure = "Cel"};
	cr_assert(emr_valid_number("98.6F", msg, sizeof msg, &temp));
	cr_assert_not(emr_valid_number("hot", msg, sizeof msg, &temp));
	cr_assert_str_eq(msg, "not a temperature (e.g. 37.2, 37.2 C or 99.1 F)");
	emr_number_rule height = {.measure = "cm"};
	cr_assert(emr_valid_number("69 in", msg, sizeof msg, &height));
	cr_assert_not(emr_valid_number("tall", msg, sizeof msg, &height));
	cr_assert_str_eq(msg, "not a height (e.g. 175, 175 cm or 69 in)");
}

Test(form, number_field_converts_units)
{
	emr_form f;
	emr_form_init(&f);
	emr_form_add(&f, &(emr_field_spec){.label = "Weight", .kind = EMR_FIELD_NUMBER, .measure = "kg"});
	emr_form_add(&f, &(emr_field_spec){.label = "Pulse", .kind = EMR_FIELD_NUMBER});
	double v;
	cr_assert_not(emr_form_number(&f, 0, &v), "empty");
	emr_form_set(&f, 0, "154 lb");
	cr_assert(emr_form_number(&f, 0, &v));
	cr_assert_float_eq(v, 154 * 0.45359237, 1e-9);
	emr_form_set(&f, 1, "72");
	cr_assert(emr_form_number(&f, 1, &v));
	cr_assert_float_eq(v, 72, 1e-9);
	emr_form_set(&f, 1, "72 bpm");
	cr_assert_not(emr_form_number(&f, 1, &v));
	emr_form_free(&f);
}

Test(form, choice_validator)
{
	char msg[128];
	static const char *const sev[] = {"", "mild", "moderate", "severe"};
	emr_choice_rule rule = {.options = sev, .n_options = 4};
	cr_assert(emr_valid_choice("mild", msg, sizeof msg, &rule));
	cr_assert(emr_valid_choice("", msg, sizeof msg, &rule));
	cr_assert_not(emr_valid_choice("Mild", msg, sizeof msg, &rule), "exact options only");
	cr_assert_str_eq(msg, "must be one of: mild, moderate, severe");
}

Test(form, bp_parser)
{
	double s, d;
	cr_assert(emr_parse_bp("120/80", &s, &d));
	cr_assert_float_eq(s, 120, 1e-9);
	cr_assert_float_eq(d, 80, 1e-9);
	cr_assert(emr_parse_bp(" 138 / 86 ", &s, &d));
	cr_assert_float_eq(s, 138, 1e-9);
	cr_assert_float_eq(d, 86, 1e-9);
	cr_assert(emr_parse_bp("900/10", &s, &d), "shape only: the range is the domain's");
	cr_assert_not(emr_parse_bp("120", &s, &d));
	cr_assert_not(emr_parse_bp("120/", &s, &d));
	cr_assert_not(emr_parse_bp("/80", &s, &d));
	cr_assert_not(emr_parse_bp("120/80/60", &s, &d));
	cr_assert_not(emr_parse_bp("12O/80", &s, &d));
	cr_assert_not(emr_parse_bp("120-80", &s, &d));
}

Test(form, bp_validator)
{
	char msg[128];
	cr_assert(emr_valid_bp("120/80", msg, sizeof msg, NULL));
	cr_assert(emr_valid_bp("", msg, sizeof msg, NULL));
	cr_assert_not(emr_valid_bp("120", msg, sizeof msg, NULL));
	cr_assert_str_eq(msg, "not a blood pressure (systolic/diastolic, e.g. 120/80)");
	cr_assert_not(emr_valid_bp("80/120", msg, sizeof msg, NULL));
	cr_assert_str_eq(msg, "diastolic (120) must be below systolic (80)");
	cr_assert_not(emr_valid_bp("0/0", msg, sizeof msg, NULL));
}
