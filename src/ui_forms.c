/* ui_forms: the data-entry screens (ui_forms.h), one generic form view
 * over the curses-free engine in form.h.
 *
 * State: a form_view holds the emr_form (fields and their values), what
 * the form edits, and the allergy-warning dialog.  Input: keys map to
 * emr_form_key values through one table; the keymap (form_keys) drives
 * dispatch and help.  Drawing reads the state only.  Saving builds the
 * domain struct from the fields and calls the domain layer; a refusal
 * puts its message under the field it names and keeps the form open. */
#include "emr/ui_forms.h"

#include "emr/codes.h"
#include "emr/form.h"
#include "emr/patient.h"
#include "emr/rxcheck.h"
#include "emr/ui_chart.h"
#include "emr/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_WARNINGS 8

typedef enum form_kind {
	F_PATIENT, F_PROBLEM, F_ALLERGY, F_MEDICATION, F_VITALS, F_LAB, F_IMMUNIZATION, F_COUNT
} form_kind;

typedef struct form_view form_view;

/* A vital-sign field's validator needs the view and which sign it is. */
typedef struct vital_ctx {
	form_view *fv;
	int which;
} vital_ctx;

enum { V_BP, V_PULSE, V_TEMP, V_RESP, V_SPO2, V_WEIGHT, V_HEIGHT, V_COUNT };

struct form_view {
	tui_view base;
	form_kind kind;
	tui_app *app;                  /* for validators and searches (ctx) */
	emr_form form;
	char title[200];
	int64_t patient_id, record_id; /* record_id 0 = new */
	char dob[EMR_DATE_LEN];        /* the patient's, for date checks */
	int scroll;                    /* first field shown when they do not all fit */
	char notice[EMR_FORM_MSG_MAX]; /* a refusal that names no field (a conflict) */
	bool discarded;                /* the user chose to leave: not dirty any more */
	/* what an edit form started from (version for the conflict check) */
	emr_patient patient;
	emr_problem problem;
	emr_allergy allergy;
	emr_medication med;
	/* vitals */
	vital_ctx vctx[V_COUNT];
	double height_on_file;         /* cm, NAN if none: for the live BMI */
	/* lab: the test whose unit and range were filled in */
	char lab_code[EMR_PICK_CODE_MAX];
	/* medication: the allergy warnings awaiting acknowledgement */
	emr_rx_warning warn[MAX_WARNINGS];
	int n_warn;
};

static form_view *as_form(tui_view *v)
{
	return (form_view *)v;
}

static const tui_view_ops form_ops[F_COUNT];
static const tui_view_ops dialog_ops;

/* ------------------------------------------------------------ options */

static const char *const sex_options[] = {"", "female", "male", "other", "unknown"};
static const char *const sex_labels[] = {"(choose)", "female", "male", "other", "unknown"};
static const char *const allergy_kinds[] = {"allergy", "nkda"};
static const char *const allergy_kind_labels[] = {"allergy or intolerance", "no known drug allergies (NKDA)"};
static const char *const severities[] = {"", "mild", "moderate", "severe"};
static const char *const severity_labels[] = {"(not given)", "mild", "moderate", "severe"};
static const char *const categories[] = {"drug", "food", "environment", "other"};
static const char *const yes_no[] = {"no", "yes"};
static const char *const yes_no_labels[] = {"no: a medication the patient takes", "yes: a prescription written here"};
static const char *const imm_sites[] = {"", "left deltoid", "right deltoid", "left thigh", "right thigh",
                                        "left arm", "right arm", "oral", "intranasal", "other"};
static const char *const imm_site_labels[] = {"(not given)", "left deltoid", "right deltoid", "left thigh",
                                              "right thigh", "left arm", "right arm", "oral", "intranasal", "other"};
static const char *const imm_routes[] = {"", "IM", "SC", "ID", "PO", "IN", "other"};
static const char *const imm_route_labels[] = {"(not given)", "IM intramuscular", "SC subcutaneous",
                                               "ID intradermal", "PO by mouth", "IN intranasal", "other"};

/* printf into a fixed buffer, cut on a character boundary when long
 * (names from the database can be longer than a title line). */
__attribute__((format(printf, 3, 4))) static void fmt(char *dst, size_t n, const char *format, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, format);
	vsnprintf(buf, sizeof buf, format, ap);
	va_end(ap);
	emr_strlcpy(dst, buf, n);
}

/* ------------------------------------------------------------ validators */

/* A clinical date: real, not in the future, not before birth. */
static bool date_in_life(const char *value, char *msg, size_t n, void *ctx)
{
	form_view *fv = ctx;
	emr_date_rule rule = {.past_only = true, .not_before = fv->dob, .not_before_what = "the date of birth"};
	return emr_valid_date(value, msg, n, &rule);
}

/* One vital sign against the domain's plausible ranges, so the message
 * under the field is exactly what saving would say. */
static bool vital_plausible(const char *value, char *msg, size_t n, void *ctx)
{
	const vital_ctx *vc = ctx;
	emr_db *db = vc->fv->app->db;
	if (!*value)
		return true;
	emr_vitals v;
	emr_vitals_init(&v);
	double x;
	switch (vc->which) {
	case V_BP:
		if (!emr_valid_bp(value, msg, n, NULL))
			return false;
		emr_parse_bp(value, &v.systolic, &v.diastolic);
		break;
	case V_PULSE: case V_RESP: case V_SPO2:
		if (!emr_valid_number(value, msg, n, NULL))
			return false;
		x = strtod(value, NULL);
		if (vc->which == V_PULSE)
			v.pulse = x;
		else if (vc->which == V_RESP)
			v.resp = x;
		else
			v.spo2 = x;
		break;
	case V_TEMP: case V_WEIGHT: case V_HEIGHT: {
		const char *unit = vc->which == V_TEMP ? "Cel" : vc->which == V_WEIGHT ? "kg" : "cm";
		emr_number_rule rule = {.measure = unit};
		if (!emr_valid_number(value, msg, n, &rule) || !emr_parse_measure(value, unit, &x))
			return false;
		if (vc->which == V_TEMP)
			v.temp_c = x;
		else if (vc->which == V_WEIGHT)
			v.weight_kg = x;
		else
			v.height_cm = x;
		break;
	}
	default:
		return true;
	}
	if (emr_vitals_validate(db, &v) != 0) {
		emr_strlcpy(msg, emr_db_error(db), n);
		return false;
	}
	return true;
}

/* The substance is needed unless the entry is NKDA (the engine calls a
 * validator for an empty optional field, for conditions like this). */
static bool substance_needed(const char *value, char *msg, size_t n, void *ctx)
{
	form_view *fv = ctx;
	if (value[strspn(value, " ")])
		return true;
	bool has_kind = emr_form_find(&fv->form, "kind") >= 0;
	if (has_kind && strcmp(emr_form_get(&fv->form, "kind"), "nkda") == 0)
		return true;
	snprintf(msg, n, "%s", has_kind ? "required (or choose NKDA above)" : "required");
	return false;
}

/* Directions are needed on a prescription (as the domain says). */
static bool sig_for_rx(const char *value, char *msg, size_t n, void *ctx)
{
	form_view *fv = ctx;
	bool rx = strcmp(emr_form_get(&fv->form, "prescription"), "yes") == 0 ||
	          (fv->record_id && fv->med.is_prescription);
	if (rx && !value[strspn(value, " ")]) {
		snprintf(msg, n, "required on a prescription");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ searches */

static size_t icd_search(const char *query, emr_pick *out, size_t max, void *ctx)
{
	form_view *fv = ctx;
	emr_code_list l = {0};
	size_t n = 0;
	if (emr_icd10_search(fv->app->db, query, (int)max, false, &l) == 0)
		for (; n < l.n && n < max; n++) {
			char shown[16];
			emr_icd10_display(l.items[n].code, shown, sizeof shown);
			emr_strlcpy(out[n].code, l.items[n].code, sizeof out[n].code);
			snprintf(out[n].label, sizeof out[n].label, "%-8s %s", shown, l.items[n].text);
		}
	emr_code_list_free(&l);
	return n;
}

static size_t cvx_search(const char *query, emr_pick *out, size_t max, void *ctx)
{
	form_view *fv = ctx;
	emr_code_list l = {0};
	size_t n = 0;
	if (emr_cvx_search(fv->app->db, query, (int)max, &l) == 0)
		for (; n < l.n && n < max; n++) {
			emr_strlcpy(out[n].code, l.items[n].code, sizeof out[n].code);
			snprintf(out[n].label, sizeof out[n].label, "%-4s %s%s", l.items[n].code, l.items[n].text,
			         l.items[n].active ? "" : " (inactive)");
		}
	emr_code_list_free(&l);
	return n;
}

static size_t lab_search(const char *query, emr_pick *out, size_t max, void *ctx)
{
	form_view *fv = ctx;
	emr_code_list l = {0};
	size_t n = 0;
	if (emr_observation_codes(fv->app->db, query, "lab", (int)max, &l) == 0)
		for (; n < l.n && n < max; n++) {
			emr_strlcpy(out[n].code, l.items[n].code, sizeof out[n].code);
			snprintf(out[n].label, sizeof out[n].label, "%-8s %s", l.items[n].code, l.items[n].text);
		}
	emr_code_list_free(&l);
	return n;
}

/* ------------------------------------------------------------ building */

static size_t add(form_view *fv, emr_field_spec spec)
{
	return emr_form_add(&fv->form, &spec);
}

static void set(form_view *fv, const char *name, const char *value)
{
	int i = emr_form_find(&fv->form, name);
	if (i >= 0)
		emr_form_set(&fv->form, (size_t)i, value);
}

static void set_number(form_view *fv, const char *name, double v, bool given)
{
	char buf[32] = "";
	if (given)
		snprintf(buf, sizeof buf, "%g", v);
	set(fv, name, buf);
}

static form_view *new_view(tui_app *app, form_kind kind, int64_t patient_id, int64_t record_id)
{
	form_view *fv = emr_xcalloc(1, sizeof *fv);
	fv->base.ops = &form_ops[kind];
	fv->kind = kind;
	fv->app = app;
	fv->patient_id = patient_id;
	fv->record_id = record_id;
	fv->height_on_file = NAN;
	emr_form_init(&fv->form);
	return fv;
}

static void destroy(tui_view *v)
{
	form_view *fv = as_form(v);
	emr_form_free(&fv->form);
	free(fv);
}

/* Reads the patient for the title and the date checks; false (with the
 * error shown) if there is none. */
static bool load_patient(tui_app *app, form_view *fv, const char *what)
{
	emr_patient p;
	if (emr_patient_get(app->db, fv->patient_id, &p) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return false;
	}
	char name[3 * EMR_NAME_MAX + 8];
	emr_patient_display_name(&p, name, sizeof name);
	fmt(fv->title, sizeof fv->title, "%s  -  %s (%s)", what, name, p.mrn);
	emr_strlcpy(fv->dob, p.dob, sizeof fv->dob);
	return true;
}

static tui_view *ready(form_view *fv)
{
	emr_form_mark_clean(&fv->form);
	emr_form_focus(&fv->form, 0);
	return &fv->base;
}

static tui_view *give_up(form_view *fv)
{
	destroy(&fv->base);
	return NULL;
}

/* ------------------------------------------------------------ the forms */

tui_view *ui_form_patient_new(tui_app *app, int64_t patient_id)
{
	form_view *fv = new_view(app, F_PATIENT, patient_id, patient_id);
	if (patient_id) {
		if (emr_patient_get(app->db, patient_id, &fv->patient) != 0) {
			tui_error(app, "%s", emr_db_error(app->db));
			return give_up(fv);
		}
		char name[3 * EMR_NAME_MAX + 8];
		emr_patient_display_name(&fv->patient, name, sizeof name);
		fmt(fv->title, sizeof fv->title, "Demographics  -  %s (%s)", name, fv->patient.mrn);
	} else {
		snprintf(fv->title, sizeof fv->title, "Register a new patient");
	}
	add(fv, (emr_field_spec){.name = "given name", .label = "Given name", .required = true});
	add(fv, (emr_field_spec){.name = "family name", .label = "Family name", .required = true});
	add(fv, (emr_field_spec){.name = "preferred name", .label = "Preferred name", .hint = "what the patient likes to be called"});
	add(fv, (emr_field_spec){.name = "sex", .label = "Sex", .kind = EMR_FIELD_CHOICE, .required = true,
	                         .options = sex_options, .option_labels = sex_labels, .n_options = 5,
	                         .hint = "Left/Right or the first letter: female, male, other, unknown"});
	add(fv, (emr_field_spec){.name = "dob", .label = "Date of birth", .kind = EMR_FIELD_DATE, .required = true,
	                         .past_only = true, .hint = "YYYY-MM-DD"});
	add(fv, (emr_field_spec){.name = "phone", .label = "Phone", .max_bytes = 40, .hint = "7 to 15 digits; + - ( ) . spaces allowed"});
	add(fv, (emr_field_spec){.name = "email", .label = "Email"});
	add(fv, (emr_field_spec){.name = "address", .label = "Address", .max_bytes = 500});
	add(fv, (emr_field_spec){.name = "city", .label = "City", .max_bytes = 100});
	add(fv, (emr_field_spec){.name = "state", .label = "State", .max_bytes = 40});
	add(fv, (emr_field_spec){.name = "postal code", .label = "ZIP", .max_bytes = 20});
	if (patient_id) {
		const emr_patient *p = &fv->patient;
		set(fv, "given name", p->given);
		set(fv, "family name", p->family);
		set(fv, "preferred name", p->preferred);
		set(fv, "sex", p->sex);
		set(fv, "dob", p->dob);
		set(fv, "phone", p->phone);
		set(fv, "email", p->email);
		set(fv, "address", p->address);
		set(fv, "city", p->city);
		set(fv, "state", p->state);
		set(fv, "postal code", p->postal_code);
	}
	return ready(fv);
}

tui_view *ui_form_problem_new(tui_app *app, int64_t patient_id, int64_t problem_id)
{
	form_view *fv = new_view(app, F_PROBLEM, patient_id, problem_id);
	if (!load_patient(app, fv, problem_id ? "Edit problem" : "New problem"))
		return give_up(fv);
	add(fv, (emr_field_spec){.name = "icd10", .label = "Diagnosis", .kind = EMR_FIELD_PICKER, .required = true,
	                         .search = icd_search, .ctx = fv,
	                         .hint = "type words or a code (\"type 2 diab\", \"E11.9\"); Up/Down, Enter to choose"});
	add(fv, (emr_field_spec){.name = "description", .label = "Description", .max_bytes = 500,
	                         .hint = "as the chart shows it; filled from the code"});
	add(fv, (emr_field_spec){.name = "onset", .label = "Onset", .kind = EMR_FIELD_DATE, .validate = date_in_life,
	                         .ctx = fv, .hint = "YYYY-MM-DD, or empty if unknown"});
	add(fv, (emr_field_spec){.name = "note", .label = "Note", .max_bytes = 500});
	if (problem_id) {
		emr_problem *p = &fv->problem;
		if (emr_problem_get(app->db, problem_id, p) != 0) {
			tui_error(app, "%s", emr_db_error(app->db));
			return give_up(fv);
		}
		if (*p->icd10) {
			char shown[16], label[EMR_PICK_LABEL_MAX];
			emr_code_hit hit;
			emr_icd10_display(p->icd10, shown, sizeof shown);
			fmt(label, sizeof label, "%-8s %s", shown,
			         emr_icd10_lookup(app->db, p->icd10, &hit) ? hit.text : p->description);
			emr_form_set_pick(&fv->form, 0, p->icd10, label);
		}
		set(fv, "description", p->description);
		set(fv, "onset", p->onset_date);
		set(fv, "note", p->note);
	}
	return ready(fv);
}

tui_view *ui_form_allergy_new(tui_app *app, int64_t patient_id, int64_t allergy_id)
{
	form_view *fv = new_view(app, F_ALLERGY, patient_id, allergy_id);
	if (!load_patient(app, fv, allergy_id ? "Edit allergy" : "New allergy"))
		return give_up(fv);
	if (allergy_id) {
		if (emr_allergy_get(app->db, allergy_id, &fv->allergy) != 0) {
			tui_error(app, "%s", emr_db_error(app->db));
			return give_up(fv);
		}
		if (fv->allergy.is_nkda) {
			tui_message(app, "\"No known drug allergies\" has nothing to edit: add the allergy (a), which ends NKDA");
			return give_up(fv);
		}
	} else {
		add(fv, (emr_field_spec){.name = "kind", .label = "Record", .kind = EMR_FIELD_CHOICE, .options = allergy_kinds,
		                         .option_labels = allergy_kind_labels, .n_options = 2,
		                         .hint = "Left/Right: an allergy, or that the patient has no known drug allergies"});
	}
	add(fv, (emr_field_spec){.name = "substance", .label = "Substance", .validate = substance_needed, .ctx = fv,
	                         .hint = "the drug, class or allergen: \"penicillin\", \"sulfa\", \"peanut\" (NKDA: Shift-Tab)"});
	add(fv, (emr_field_spec){.name = "reaction", .label = "Reaction", .hint = "\"hives\", \"anaphylaxis\""});
	add(fv, (emr_field_spec){.name = "severity", .label = "Severity", .kind = EMR_FIELD_CHOICE, .options = severities,
	                         .option_labels = severity_labels, .n_options = 4, .hint = "Left/Right: mild, moderate, severe"});
	add(fv, (emr_field_spec){.name = "category", .label = "Category", .kind = EMR_FIELD_CHOICE, .options = categories,
	                         .n_options = 4, .hint = "Left/Right: drug, food, environment, other"});
	add(fv, (emr_field_spec){.name = "onset", .label = "Onset", .kind = EMR_FIELD_DATE, .validate = date_in_life,
	                         .ctx = fv, .hint = "YYYY-MM-DD, or empty if unknown"});
	if (allergy_id) {
		const emr_allergy *a = &fv->allergy;
		set(fv, "substance", a->substance);
		set(fv, "reaction", a->reaction);
		set(fv, "severity", a->severity);
		set(fv, "category", a->category);
		set(fv, "onset", a->onset_date);
	}
	ready(fv);
	/* The usual entry is an allergy: start on the substance, with the
	 * NKDA choice one Shift-Tab above it. */
	if (!allergy_id)
		emr_form_focus(&fv->form, 1);
	return &fv->base;
}

tui_view *ui_form_medication_new(tui_app *app, int64_t patient_id, int64_t medication_id)
{
	form_view *fv = new_view(app, F_MEDICATION, patient_id, medication_id);
	if (!load_patient(app, fv, medication_id ? "Edit medication" : "New medication"))
		return give_up(fv);
	if (medication_id) {
		if (emr_medication_get(app->db, medication_id, &fv->med) != 0) {
			tui_error(app, "%s", emr_db_error(app->db));
			return give_up(fv);
		}
		/* The drug is not edited: a different drug is a new
		 * medication, checked against the allergies. */
		char t[sizeof fv->title];
		emr_strlcpy(t, fv->title, sizeof t);
		fmt(fv->title, sizeof fv->title, "%s: %s", t, fv->med.drug);
	} else {
		add(fv, (emr_field_spec){.name = "drug", .label = "Drug", .required = true,
		                         .hint = "the ingredient: \"amoxicillin\"; checked against the allergies on save"});
	}
	add(fv, (emr_field_spec){.name = "strength", .label = "Strength", .max_bytes = 64, .hint = "\"500 mg\""});
	add(fv, (emr_field_spec){.name = "form", .label = "Form", .max_bytes = 64, .hint = "\"oral capsule\""});
	add(fv, (emr_field_spec){.name = "route", .label = "Route", .max_bytes = 32, .hint = "\"oral\""});
	add(fv, (emr_field_spec){.name = "sig", .label = "Sig", .max_bytes = 500, .validate = sig_for_rx, .ctx = fv,
	                         .hint = "directions: \"Take 1 capsule by mouth 3 times daily for 10 days\""});
	add(fv, (emr_field_spec){.name = "quantity", .label = "Quantity", .kind = EMR_FIELD_NUMBER, .has_range = true,
	                         .min = 0, .max = 10000});
	add(fv, (emr_field_spec){.name = "quantity unit", .label = "Unit", .max_bytes = 32, .hint = "\"capsule\""});
	add(fv, (emr_field_spec){.name = "refills", .label = "Refills", .kind = EMR_FIELD_NUMBER, .integer = true,
	                         .has_range = true, .min = 0, .max = 99});
	if (!medication_id)
		add(fv, (emr_field_spec){.name = "prescription", .label = "Prescription", .kind = EMR_FIELD_CHOICE,
		                         .options = yes_no, .option_labels = yes_no_labels, .n_options = 2,
		                         .hint = "Left/Right: yes when you prescribe it now"});
	add(fv, (emr_field_spec){.name = "reason", .label = "Reason", .max_bytes = 500, .hint = "the indication"});
	if (medication_id) {
		const emr_medication *m = &fv->med;
		set(fv, "strength", m->strength);
		set(fv, "form", m->form);
		set(fv, "route", m->route);
		set(fv, "sig", m->sig);
		set_number(fv, "quantity", m->quantity, m->quantity > 0);
		set(fv, "quantity unit", m->quantity_unit);
		set_number(fv, "refills", m->refills, true);
		set(fv, "reason", m->reason);
	}
	return ready(fv);
}

tui_view *ui_form_vitals_new(tui_app *app, int64_t patient_id)
{
	form_view *fv = new_view(app, F_VITALS, patient_id, 0);
	if (!load_patient(app, fv, "Vital signs"))
		return give_up(fv);
	for (int i = 0; i < V_COUNT; i++)
		fv->vctx[i] = (vital_ctx){fv, i};
	bool ascii = app->plain_ascii;
	add(fv, (emr_field_spec){.name = "BP", .label = "BP", .unit = "mm[Hg]", .max_bytes = 15, .validate = vital_plausible,
	                         .ctx = &fv->vctx[V_BP], .hint = "systolic/diastolic: 120/80"});
	add(fv, (emr_field_spec){.name = "pulse", .label = "Pulse", .unit = "/min", .kind = EMR_FIELD_NUMBER,
	                         .max_bytes = 10, .validate = vital_plausible, .ctx = &fv->vctx[V_PULSE]});
	add(fv, (emr_field_spec){.name = "temperature", .label = "Temp", .unit = ascii ? "C" : "\xc2\xb0" "C",
	                         .kind = EMR_FIELD_NUMBER, .measure = "Cel", .max_bytes = 10, .validate = vital_plausible,
	                         .ctx = &fv->vctx[V_TEMP], .hint = "Celsius, or Fahrenheit with F: 99.1F"});
	add(fv, (emr_field_spec){.name = "respiratory rate", .label = "Resp", .unit = "/min", .kind = EMR_FIELD_NUMBER,
	                         .max_bytes = 10, .validate = vital_plausible, .ctx = &fv->vctx[V_RESP]});
	add(fv, (emr_field_spec){.name = "SpO2", .label = "SpO2", .unit = "%", .kind = EMR_FIELD_NUMBER, .max_bytes = 10,
	                         .validate = vital_plausible, .ctx = &fv->vctx[V_SPO2]});
	add(fv, (emr_field_spec){.name = "weight", .label = "Weight", .unit = "kg", .kind = EMR_FIELD_NUMBER,
	                         .measure = "kg", .max_bytes = 12, .validate = vital_plausible, .ctx = &fv->vctx[V_WEIGHT],
	                         .hint = "kilograms, or pounds with lb: 154lb"});
	add(fv, (emr_field_spec){.name = "height", .label = "Height", .unit = "cm", .kind = EMR_FIELD_NUMBER,
	                         .measure = "cm", .max_bytes = 12, .validate = vital_plausible, .ctx = &fv->vctx[V_HEIGHT],
	                         .hint = "centimetres, or inches with in: 69in"});
	emr_observations h = {0};
	if (emr_observation_list(app->db, patient_id, EMR_LOINC_HEIGHT, NULL, EMR_CURRENT, 1, &h) == 0 && h.n &&
	    h.items[0].has_value)
		fv->height_on_file = h.items[0].value;
	emr_list_free(&h);
	return ready(fv);
}

tui_view *ui_form_lab_new(tui_app *app, int64_t patient_id)
{
	form_view *fv = new_view(app, F_LAB, patient_id, 0);
	if (!load_patient(app, fv, "Lab result"))
		return give_up(fv);
	add(fv, (emr_field_spec){.name = "loinc", .label = "Test", .kind = EMR_FIELD_PICKER, .required = true,
	                         .search = lab_search, .ctx = fv, .min_query = 1,
	                         .hint = "type the test's name (\"a1c\", \"ldl\", \"potassium\"); Up/Down, Enter"});
	add(fv, (emr_field_spec){.name = "value", .label = "Value", .required = true, .max_bytes = 200,
	                         .hint = "a number, or text for a result that is not one"});
	add(fv, (emr_field_spec){.name = "unit", .label = "Unit", .max_bytes = 20, .hint = "the test's unit (UCUM)"});
	add(fv, (emr_field_spec){.name = "low", .label = "Range low", .kind = EMR_FIELD_NUMBER, .max_bytes = 20});
	add(fv, (emr_field_spec){.name = "high", .label = "Range high", .kind = EMR_FIELD_NUMBER, .max_bytes = 20});
	return ready(fv);
}

tui_view *ui_form_immunization_new(tui_app *app, int64_t patient_id)
{
	form_view *fv = new_view(app, F_IMMUNIZATION, patient_id, 0);
	if (!load_patient(app, fv, "Immunization"))
		return give_up(fv);
	add(fv, (emr_field_spec){.name = "cvx", .label = "Vaccine", .kind = EMR_FIELD_PICKER, .required = true,
	                         .search = cvx_search, .ctx = fv, .min_query = 1,
	                         .hint = "type a name or CVX code (\"tdap\", \"flu\", \"115\"); Up/Down, Enter"});
	add(fv, (emr_field_spec){.name = "date", .label = "Given on", .kind = EMR_FIELD_DATE, .required = true,
	                         .validate = date_in_life, .ctx = fv, .hint = "YYYY-MM-DD"});
	add(fv, (emr_field_spec){.name = "lot", .label = "Lot", .max_bytes = 32});
	add(fv, (emr_field_spec){.name = "manufacturer", .label = "Manufacturer"});
	add(fv, (emr_field_spec){.name = "site", .label = "Site", .kind = EMR_FIELD_CHOICE, .options = imm_sites,
	                         .option_labels = imm_site_labels, .n_options = EMR_ARRAY_LEN(imm_sites),
	                         .hint = "Left/Right or the first letter"});
	add(fv, (emr_field_spec){.name = "route", .label = "Route", .kind = EMR_FIELD_CHOICE, .options = imm_routes,
	                         .option_labels = imm_route_labels, .n_options = EMR_ARRAY_LEN(imm_routes),
	                         .hint = "Left/Right or the first letter"});
	add(fv, (emr_field_spec){.name = "dose number", .label = "Dose number", .kind = EMR_FIELD_NUMBER, .integer = true,
	                         .has_range = true, .min = 1, .max = 20, .max_bytes = 3, .hint = "1-20, or empty"});
	char today[EMR_DATE_LEN];
	emr_today(today);
	set(fv, "date", today);
	return ready(fv);
}

/* ------------------------------------------------------------ derived */

/* The live BMI line of the vitals form. */
static void bmi_text(const form_view *fv, char *buf, size_t n)
{
	double w = NAN, h = NAN;
	int wi = emr_form_find(&fv->form, "weight"), hi = emr_form_find(&fv->form, "height");
	emr_form_number(&fv->form, (size_t)wi, &w);
	bool typed_height = emr_form_number(&fv->form, (size_t)hi, &h);
	if (!typed_height)
		h = fv->height_on_file;
	double bmi = emr_bmi(round(w * 10) / 10, round(h * 10) / 10);
	if (isnan(bmi))
		snprintf(buf, n, "--  kg/m2 (from weight and height)");
	else if (typed_height)
		snprintf(buf, n, "%.1f kg/m2", bmi);
	else
		snprintf(buf, n, "%.1f kg/m2 (height on file: %g cm)", bmi, round(h * 10) / 10);
}

/* The lab form's flag preview. */
static void flag_text(const form_view *fv, char *buf, size_t n)
{
	const emr_form *f = &fv->form;
	double v, lo, hi;
	if (!emr_form_number(f, (size_t)emr_form_find(f, "value"), &v)) {
		snprintf(buf, n, "(from a numeric value and the range)");
		return;
	}
	bool has_lo = emr_form_number(f, (size_t)emr_form_find(f, "low"), &lo);
	bool has_hi = emr_form_number(f, (size_t)emr_form_find(f, "high"), &hi);
	const char *flag = emr_flag_for(v, has_lo, lo, has_hi, hi);
	const char *word = !strcmp(flag, "H") ? "above the range" : !strcmp(flag, "L") ? "below the range"
	                 : !strcmp(flag, "N") ? "within the range" : "no range to compare with";
	snprintf(buf, n, "%s  %s", *flag ? flag : "-", word);
}

/* The computed line under some forms: its label, or NULL, and text. */
static const char *extra_line(const form_view *fv, char *buf, size_t n)
{
	if (fv->kind == F_VITALS) {
		bmi_text(fv, buf, n);
		return "BMI";
	}
	if (fv->kind == F_LAB) {
		flag_text(fv, buf, n);
		return "Flag";
	}
	return NULL;
}

/* After a key: a newly chosen lab test fills its unit and range; a
 * chosen code fills the problem's description. */
static void after_change(form_view *fv, int flags)
{
	if (!(flags & EMR_FORM_PICKED))
		return;
	emr_form *f = &fv->form;
	if (fv->kind == F_LAB) {
		const char *code = emr_form_code(f, 0);
		emr_loinc l;
		if (*code && strcmp(code, fv->lab_code) != 0 && emr_loinc_lookup(fv->app->db, code, &l)) {
			emr_strlcpy(fv->lab_code, code, sizeof fv->lab_code);
			set(fv, "unit", l.unit);
			set_number(fv, "low", l.ref_low, l.has_ref_low);
			set_number(fv, "high", l.ref_high, l.has_ref_high);
		}
	} else if (fv->kind == F_PROBLEM) {
		emr_code_hit hit;
		const char *code = emr_form_code(f, 0);
		if (*code && emr_icd10_lookup(fv->app->db, code, &hit))
			set(fv, "description", hit.text);
	}
}

/* ------------------------------------------------------------ saving */

/* A save the domain refused: its message goes under the field it names,
 * or under the title when it names none; the form keeps what was typed. */
static int refused(tui_app *app, form_view *fv, int rc)
{
	const char *err = emr_db_error(app->db);
	fv->notice[0] = '\0';
	if (rc == EMR_CONFLICT)
		fmt(fv->notice, sizeof fv->notice, "%s. Nothing saved: Esc, then open it again.", err);
	else if (emr_form_place_error(&fv->form, err) < 0)
		emr_strlcpy(fv->notice, err, sizeof fv->notice);
	tui_error(app, "%s", err);
	return TUI_REDRAW;
}

/* The form closes after a save; the view below reloads on resume. */
static int saved(tui_app *app, form_view *fv, const char *fmt, const char *what)
{
	fv->discarded = true;
	tui_message(app, fmt, what);
	return TUI_POP;
}

static void copy(char *dst, size_t n, const form_view *fv, const char *name)
{
	emr_strlcpy(dst, emr_form_get(&fv->form, name), n);
}

static double number_or(const form_view *fv, const char *name, double dflt)
{
	double v;
	int i = emr_form_find(&fv->form, name);
	return i >= 0 && emr_form_number(&fv->form, (size_t)i, &v) ? v : dflt;
}

static int save_patient(tui_app *app, form_view *fv)
{
	emr_patient p = fv->patient;
	copy(p.given, sizeof p.given, fv, "given name");
	copy(p.family, sizeof p.family, fv, "family name");
	copy(p.preferred, sizeof p.preferred, fv, "preferred name");
	copy(p.sex, sizeof p.sex, fv, "sex");
	copy(p.dob, sizeof p.dob, fv, "dob");
	copy(p.phone, sizeof p.phone, fv, "phone");
	copy(p.email, sizeof p.email, fv, "email");
	copy(p.address, sizeof p.address, fv, "address");
	copy(p.city, sizeof p.city, fv, "city");
	copy(p.state, sizeof p.state, fv, "state");
	copy(p.postal_code, sizeof p.postal_code, fv, "postal code");
	if (fv->record_id) {
		int rc = emr_patient_update(app->db, &p);
		if (rc != 0)
			return refused(app, fv, rc);
		return saved(app, fv, "Saved the demographics of %s", p.mrn);
	}
	if (emr_patient_add(app->db, &p) != 0)
		return refused(app, fv, -1);
	/* A new patient's chart opens in place of the form. */
	fv->discarded = true;
	tui_view *chart = ui_chart_new(app, p.id);
	tui_pop(app);   /* fv is gone from here on */
	tui_push(app, chart);
	tui_message(app, "Registered %s %s as %s", p.given, p.family, p.mrn);
	return TUI_REDRAW;
}

static int save_problem(tui_app *app, form_view *fv)
{
	emr_problem p = fv->problem;
	p.patient_id = fv->patient_id;
	emr_strlcpy(p.icd10, emr_form_code(&fv->form, 0), sizeof p.icd10);
	copy(p.description, sizeof p.description, fv, "description");
	copy(p.onset_date, sizeof p.onset_date, fv, "onset");
	copy(p.note, sizeof p.note, fv, "note");
	int rc = fv->record_id ? emr_problem_update(app->db, &p) : emr_problem_add(app->db, &p);
	if (rc != 0)
		return refused(app, fv, rc);
	return saved(app, fv, "Problem saved: %s", p.description);
}

static int save_allergy(tui_app *app, form_view *fv)
{
	emr_allergy a = fv->allergy;
	a.patient_id = fv->patient_id;
	a.is_nkda = strcmp(emr_form_get(&fv->form, "kind"), "nkda") == 0;
	copy(a.substance, sizeof a.substance, fv, "substance");
	copy(a.reaction, sizeof a.reaction, fv, "reaction");
	copy(a.severity, sizeof a.severity, fv, "severity");
	copy(a.category, sizeof a.category, fv, "category");
	copy(a.onset_date, sizeof a.onset_date, fv, "onset");
	if (a.is_nkda) {
		a.substance[0] = a.reaction[0] = a.severity[0] = a.onset_date[0] = '\0';
		emr_strlcpy(a.category, "drug", sizeof a.category);
	}
	int rc = fv->record_id ? emr_allergy_update(app->db, &a) : emr_allergy_add(app->db, &a);
	if (rc != 0)
		return refused(app, fv, rc);
	return saved(app, fv, "Allergy saved: %s", a.is_nkda ? "no known drug allergies" : a.substance);
}

/* Builds the medication from the fields; override is the acknowledged
 * warning text, or "". */
static int save_medication(tui_app *app, form_view *fv, const char *override)
{
	emr_medication m = fv->med;
	m.patient_id = fv->patient_id;
	if (!fv->record_id) {
		copy(m.drug, sizeof m.drug, fv, "drug");
		m.is_prescription = strcmp(emr_form_get(&fv->form, "prescription"), "yes") == 0;
	}
	copy(m.strength, sizeof m.strength, fv, "strength");
	copy(m.form, sizeof m.form, fv, "form");
	copy(m.route, sizeof m.route, fv, "route");
	copy(m.sig, sizeof m.sig, fv, "sig");
	m.quantity = number_or(fv, "quantity", 0);
	copy(m.quantity_unit, sizeof m.quantity_unit, fv, "quantity unit");
	m.refills = (int)number_or(fv, "refills", 0);
	copy(m.reason, sizeof m.reason, fv, "reason");
	if (!fv->record_id)
		emr_strlcpy(m.allergy_override, override, sizeof m.allergy_override);
	int rc = fv->record_id ? emr_medication_update(app->db, &m) : emr_medication_add(app->db, &m);
	if (rc != 0)
		return refused(app, fv, rc);
	return saved(app, fv, *override ? "Medication saved with the allergy warning acknowledged: %s"
	                                : "Medication saved: %s", m.drug);
}

static int save_vitals(tui_app *app, form_view *fv)
{
	emr_vitals v;
	emr_vitals_init(&v);
	const char *bp = emr_form_get(&fv->form, "BP");
	if (*bp)
		emr_parse_bp(bp, &v.systolic, &v.diastolic);
	v.pulse = number_or(fv, "pulse", NAN);
	v.temp_c = number_or(fv, "temperature", NAN);
	v.resp = number_or(fv, "respiratory rate", NAN);
	v.spo2 = number_or(fv, "SpO2", NAN);
	v.weight_kg = number_or(fv, "weight", NAN);
	v.height_cm = number_or(fv, "height", NAN);
	double bmi;
	if (emr_vitals_record(app->db, fv->patient_id, &v, &bmi) != 0)
		return refused(app, fv, -1);
	char what[64] = "";
	if (!isnan(bmi))
		snprintf(what, sizeof what, " (BMI %.1f kg/m2)", bmi);
	return saved(app, fv, "Vital signs recorded%s", what);
}

static int save_lab(tui_app *app, form_view *fv)
{
	emr_observation o = {0};
	o.patient_id = fv->patient_id;
	emr_strlcpy(o.loinc, emr_form_code(&fv->form, 0), sizeof o.loinc);
	double v;
	if (emr_form_number(&fv->form, (size_t)emr_form_find(&fv->form, "value"), &v)) {
		o.has_value = true;
		o.value = v;
	} else {
		copy(o.value_text, sizeof o.value_text, fv, "value");
	}
	copy(o.unit, sizeof o.unit, fv, "unit");
	o.has_low = emr_form_number(&fv->form, (size_t)emr_form_find(&fv->form, "low"), &o.ref_low);
	o.has_high = emr_form_number(&fv->form, (size_t)emr_form_find(&fv->form, "high"), &o.ref_high);
	if (emr_observation_add(app->db, &o) != 0) {
		/* The domain names the test ("HbA1c 30 %: outside ..."): that
		 * is about the value. */
		const char *err = emr_db_error(app->db);
		emr_loinc l;
		fv->notice[0] = '\0';
		if (emr_form_place_error(&fv->form, err) >= 0)
			;
		else if (emr_loinc_lookup(app->db, o.loinc, &l) && strncmp(err, l.short_name, strlen(l.short_name)) == 0) {
			bool unit = strstr(err, " unit \"") != NULL;
			int i = emr_form_find(&fv->form, unit ? "unit" : "value");
			emr_form_set_message(&fv->form, (size_t)i, err);
			emr_form_focus(&fv->form, (size_t)i);
		} else {
			emr_strlcpy(fv->notice, err, sizeof fv->notice);
		}
		tui_error(app, "%s", err);
		return TUI_REDRAW;
	}
	char what[128];
	snprintf(what, sizeof what, "%s%s%s", o.name, *o.flag ? ", flag " : "", o.flag);
	return saved(app, fv, "Lab result saved: %s", what);
}

static int save_immunization(tui_app *app, form_view *fv)
{
	emr_immunization im = {0};
	im.patient_id = fv->patient_id;
	emr_strlcpy(im.cvx, emr_form_code(&fv->form, 0), sizeof im.cvx);
	copy(im.administered_on, sizeof im.administered_on, fv, "date");
	copy(im.lot, sizeof im.lot, fv, "lot");
	copy(im.manufacturer, sizeof im.manufacturer, fv, "manufacturer");
	copy(im.site, sizeof im.site, fv, "site");
	copy(im.route, sizeof im.route, fv, "route");
	im.dose_number = (int)number_or(fv, "dose number", 0);
	if (emr_immunization_add(app->db, &im) != 0)
		return refused(app, fv, -1);
	return saved(app, fv, "Immunization recorded: %s", im.vaccine);
}

/* Before a new medication is saved: the allergy check.  Warnings open
 * the dialog, which must be answered; nothing is saved until then. */
static int check_then_save_medication(tui_app *app, form_view *fv)
{
	if (fv->record_id)
		return save_medication(app, fv, "");
	int n = emr_rx_check(app->db, fv->patient_id, emr_form_get(&fv->form, "drug"), fv->warn, MAX_WARNINGS);
	if (n < 0) {
		tui_error(app, "The allergy check failed, nothing saved: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	if (n == 0)
		return save_medication(app, fv, "");
	fv->n_warn = n < MAX_WARNINGS ? n : MAX_WARNINGS;
	fv->base.ops = &dialog_ops;
	tui_error(app, "Allergy warning: y goes ahead, n goes back");
	return TUI_REDRAW;
}

/* ------------------------------------------------------------ actions */

static int act_save(tui_app *app, tui_view *v)
{
	form_view *fv = as_form(v);
	fv->notice[0] = '\0';
	/* An edit with nothing changed writes nothing (no new version, no
	 * audit row). */
	if (fv->record_id && !emr_form_dirty(&fv->form)) {
		tui_message(app, "No changes to save");
		return TUI_POP;
	}
	if (!emr_form_validate_all(&fv->form)) {
		const emr_form_field *fl = &fv->form.fields[fv->form.focus];
		/* Domain messages already start with the field's name. */
		if (strncasecmp(fl->msg, fl->spec.label, strlen(fl->spec.label)) == 0)
			tui_error(app, "%s", fl->msg);
		else
			tui_error(app, "%s: %s", fl->spec.label, fl->msg);
		return TUI_REDRAW;
	}
	switch (fv->kind) {
	case F_PATIENT: return save_patient(app, fv);
	case F_PROBLEM: return save_problem(app, fv);
	case F_ALLERGY: return save_allergy(app, fv);
	case F_MEDICATION: return check_then_save_medication(app, fv);
	case F_VITALS: return save_vitals(app, fv);
	case F_LAB: return save_lab(app, fv);
	case F_IMMUNIZATION: return save_immunization(app, fv);
	case F_COUNT: break;
	}
	return TUI_REDRAW;
}

static int act_cancel(tui_app *app, tui_view *v)
{
	form_view *fv = as_form(v);
	if (emr_form_dirty(&fv->form) && !fv->discarded) {
		if (!tui_confirm(app, "Discard changes? (y/n)"))
			return TUI_REDRAW;
		fv->discarded = true;
	}
	tui_message(app, "Nothing saved");
	return TUI_POP;
}

/* The editing keys, as the form engine names them. */
static const struct {
	int key;
	emr_form_key fk;
} key_table[] = {
	{TUI_KEY_TAB, EMR_FK_TAB},
	{TUI_KEYCODE(KEY_BTAB), EMR_FK_BACKTAB},
	{'\r', EMR_FK_ENTER}, {'\n', EMR_FK_ENTER}, {TUI_KEYCODE(KEY_ENTER), EMR_FK_ENTER},
	{TUI_KEYCODE(KEY_UP), EMR_FK_UP}, {TUI_KEYCODE(KEY_DOWN), EMR_FK_DOWN},
	{TUI_KEYCODE(KEY_LEFT), EMR_FK_LEFT}, {TUI_KEYCODE(KEY_RIGHT), EMR_FK_RIGHT},
	{TUI_KEYCODE(KEY_HOME), EMR_FK_HOME}, {TUI_CTRL('a'), EMR_FK_HOME},
	{TUI_KEYCODE(KEY_END), EMR_FK_END}, {TUI_CTRL('e'), EMR_FK_END},
	{TUI_KEYCODE(KEY_BACKSPACE), EMR_FK_BACKSPACE}, {127, EMR_FK_BACKSPACE}, {8, EMR_FK_BACKSPACE},
	{TUI_KEYCODE(KEY_DC), EMR_FK_DELETE}, {TUI_CTRL('d'), EMR_FK_DELETE},
	{TUI_CTRL('u'), EMR_FK_KILL_LINE}, {TUI_CTRL('w'), EMR_FK_KILL_WORD},
};

static int press(form_view *fv, emr_form_key fk, uint32_t ch)
{
	int flags = emr_form_key_press(&fv->form, fk, ch);
	after_change(fv, flags);
	return TUI_REDRAW;
}

/* Every editing and moving key of the keymap comes here; which one is
 * in app->last_key. */
static int act_key(tui_app *app, tui_view *v)
{
	for (size_t i = 0; i < EMR_ARRAY_LEN(key_table); i++)
		if (key_table[i].key == app->last_key)
			return press(as_form(v), key_table[i].fk, 0);
	return TUI_OK;
}

static const tui_binding form_keys[] = {
	{{TUI_CTRL('s'), TUI_KEYCODE(KEY_F(2))}, "Ctrl-S/F2", "save", act_save},
	{{TUI_KEY_TAB}, "Tab", "next field (checks the one left)", act_key},
	{{TUI_KEYCODE(KEY_BTAB)}, "Shift-Tab", "previous field", act_key},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "choose the highlighted entry, else next field", act_key},
	{{TUI_KEYCODE(KEY_UP), TUI_KEYCODE(KEY_DOWN)}, "Up/Down", "move in a list, else between fields", act_key},
	{{TUI_KEYCODE(KEY_LEFT), TUI_KEYCODE(KEY_RIGHT)}, "Left/Right", "move in the text; change a choice", act_key},
	{{TUI_KEYCODE(KEY_HOME), TUI_CTRL('a'), TUI_KEYCODE(KEY_END), TUI_CTRL('e')}, "Home/End", "start / end of the text (Ctrl-A/E too)", act_key},
	{{TUI_KEYCODE(KEY_BACKSPACE), 127, 8}, "Backspace", "delete before the cursor", act_key},
	{{TUI_KEYCODE(KEY_DC), TUI_CTRL('d')}, "Delete/Ctrl-D", "delete under the cursor", act_key},
	{{TUI_CTRL('u'), TUI_CTRL('w')}, "Ctrl-U/Ctrl-W", "clear the field / delete a word", act_key},
	{{TUI_KEY_ESC}, "Esc", "cancel (asks if anything changed)", act_cancel},
	{{0}, NULL, NULL, NULL},
};

/* Printable keys are typed into the focused field. */
static int form_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	(void)app;
	if (is_keycode || key < 32 || key == 127)
		return TUI_UNKNOWN;
	return press(as_form(v), EMR_FK_CHAR, (uint32_t)key);
}

static bool form_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

static bool form_dirty(tui_view *v)
{
	form_view *fv = as_form(v);
	return !fv->discarded && emr_form_dirty(&fv->form);
}

/* ---------------------------------------------- the allergy-warning dialog */

static void close_dialog(form_view *fv)
{
	fv->base.ops = &form_ops[fv->kind];
	fv->n_warn = 0;
}

static int act_acknowledge(tui_app *app, tui_view *v)
{
	form_view *fv = as_form(v);
	/* What was shown, and who went ahead, goes into the record; the
	 * audit row of the new medication carries it too. */
	char shown[EMR_TEXT_MAX];
	emr_rx_describe(fv->warn, (size_t)fv->n_warn, shown, sizeof shown);
	close_dialog(fv);
	/* emr_medication_add names who acknowledged it, for screen and
	 * command line alike. */
	return save_medication(app, fv, shown);
}

static int act_dialog_back(tui_app *app, tui_view *v)
{
	close_dialog(as_form(v));
	tui_message(app, "Not saved: back to the form");
	return TUI_REDRAW;
}

static const tui_binding dialog_keys[] = {
	{{'y', 'Y'}, "y", "prescribe anyway: the warning and your acknowledgement are recorded", act_acknowledge},
	{{'n', 'N', TUI_KEY_ESC, 'q'}, "n/Esc", "back to the form; nothing saved", act_dialog_back},
	{{0}, NULL, NULL, NULL},
};

/* Any other key: the dialog stays until answered. */
static int dialog_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	(void)app;
	(void)v;
	(void)key;
	(void)is_keycode;
	return TUI_OK;
}

/* ------------------------------------------------------------ drawing */

static const char *choice_label(const emr_form_field *fl)
{
	const char *v = emr_le_text(&fl->value);
	for (size_t k = 0; k < fl->spec.n_options; k++)
		if (strcmp(fl->spec.options[k], v) == 0)
			return fl->spec.option_labels && fl->spec.option_labels[k] ? fl->spec.option_labels[k] : v;
	return v;
}

/* Rows a field takes: itself, its list when open, its message. */
static int field_rows(const form_view *fv, size_t i)
{
	const emr_form_field *fl = &fv->form.fields[i];
	int rows = 1;
	if (i == fv->form.focus && fl->spec.kind == EMR_FIELD_PICKER && fl->list_open)
		rows += fl->n_picks ? (int)fl->n_picks : 1;
	if (fl->msg[0])
		rows++;
	return rows;
}

/* The first byte of text to show so that the cursor fits in w columns. */
static size_t hscroll(const char *text, size_t cursor, int w)
{
	size_t from = 0;
	for (;;) {
		char *part = emr_xstrdup(text + from);
		part[cursor - from] = '\0';
		int cols = emr_display_width(part);
		free(part);
		if (cols < w || from >= cursor)
			return from;
		from++;
		while (from < cursor && ((unsigned char)text[from] & 0xC0) == 0x80)
			from++;
	}
}

static bool inactive_field(const form_view *fv, size_t i)
{
	/* With NKDA chosen, the allergy's own fields do not apply. */
	return fv->kind == F_ALLERGY && strcmp(emr_form_get(&fv->form, "kind"), "nkda") == 0 &&
	       strcmp(fv->form.fields[i].spec.name, "kind") != 0;
}

static void draw_field(tui_app *app, const form_view *fv, size_t i, int row, int x, int labw, int valw, int w)
{
	const emr_form_field *fl = &fv->form.fields[i];
	bool focused = i == fv->form.focus;
	bool dim = inactive_field(fv, i);
	char label[128];
	snprintf(label, sizeof label, "%s%s", fl->spec.label, fl->spec.required ? "*" : "");
	int vx = x + 2 + labw + 2;
	if (focused)
		attron(A_BOLD);
	if (dim)
		tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(row, x + 2, labw, label);
	if (focused)
		attroff(A_BOLD);
	const char *text = emr_le_text(&fl->value);
	if (focused)
		tui_attr_on(app, TUI_PAIR_SELECT);
	if (fl->spec.kind == EMR_FIELD_CHOICE) {
		char shown[256];
		snprintf(shown, sizeof shown, focused ? "< %s >" : "%s", choice_label(fl));
		tui_text_pad(row, vx, valw, shown);
	} else {
		size_t from = focused ? hscroll(text, fl->value.cursor, valw) : 0;
		tui_text_pad(row, vx, valw, text + from);
		if (focused) {
			char *part = emr_xstrdup(text + from);
			part[fl->value.cursor - from] = '\0';
			app->cursor_visible = true;
			app->cursor_y = row;
			app->cursor_x = vx + emr_display_width(part);
			free(part);
		}
	}
	if (focused)
		tui_attr_off(app, TUI_PAIR_SELECT);
	if (dim)
		tui_attr_off(app, TUI_PAIR_DIM);
	if (fl->spec.unit) {
		/* A value typed in other units shows what it becomes. */
		char unit[96];
		double conv;
		if (fl->spec.measure && strpbrk(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
		    emr_form_number(&fv->form, i, &conv))
			snprintf(unit, sizeof unit, "%s  (= %.1f %s)", fl->spec.unit, conv, fl->spec.unit);
		else
			snprintf(unit, sizeof unit, "%s", fl->spec.unit);
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(row, vx + valw + 1, x + w - (vx + valw + 1), unit);
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	row++;
	if (focused && fl->spec.kind == EMR_FIELD_PICKER && fl->list_open) {
		if (!fl->n_picks) {
			tui_attr_on(app, TUI_PAIR_DIM);
			tui_text(row++, vx, x + w - vx - 1, "no match: try other words");
			tui_attr_off(app, TUI_PAIR_DIM);
		}
		for (size_t k = 0; k < fl->n_picks; k++, row++) {
			bool sel = k == fl->pick_sel;
			if (sel)
				tui_attr_on(app, TUI_PAIR_SELECT);
			tui_text_pad(row, vx, x + w - vx - 1, fl->picks[k].label);
			if (sel)
				tui_attr_off(app, TUI_PAIR_SELECT);
		}
	}
	if (fl->msg[0]) {
		tui_attr_on(app, TUI_PAIR_ALERT);
		tui_text(row, vx, x + w - vx - 1, fl->msg);
		tui_attr_off(app, TUI_PAIR_ALERT);
	}
}

/* Word-wraps s into lines of w columns from row (drawing them when
 * draw); returns the next row. */
static int wrap(int row, int x, int w, const char *s, int max_row, bool draw)
{
	const char *p = s;
	while (*p && row < max_row) {
		int cols = 0;
		size_t n = emr_utf8_prefix_for_width(p, w, &cols);
		if (p[n]) {
			size_t cut = n;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut > 0)
				n = cut;
		}
		if (n == 0)
			break;
		if (draw) {
			char *line = emr_xstrdup(p);
			line[n] = '\0';
			tui_text(row, x, w, line);
			free(line);
		}
		row++;
		p += n;
		while (*p == ' ')
			p++;
	}
	return row;
}

/* The lines of the allergy dialog: the drug, then one per warning. */
static int dialog_lines(const form_view *fv, char lines[][1024], int max)
{
	int n = 0;
	snprintf(lines[n++], sizeof lines[0], "%s matches the recorded allergies:", emr_form_get(&fv->form, "drug"));
	for (int i = 0; i < fv->n_warn && n < max; i++) {
		const emr_rx_warning *wr = &fv->warn[i];
		bool paren = *wr->reaction || *wr->severity;
		snprintf(lines[n++], sizeof lines[0], "- %s%s%s%s%s%s: %s", wr->substance, paren ? " (" : "", wr->reaction,
		         *wr->reaction && *wr->severity ? ", " : "", wr->severity, paren ? ")" : "", wr->why);
	}
	return n;
}

static void draw_dialog(tui_app *app, const form_view *fv, int y, int x, int h, int w)
{
	char lines[MAX_WARNINGS + 1][1024];
	int n = dialog_lines(fv, lines, MAX_WARNINGS + 1);
	int bw = w - 6 < 72 ? w - 6 : 72;
	int need = 0;
	for (int i = 0; i < n; i++)
		need += wrap(0, 0, bw - 4, lines[i], 1000, false);
	/* Border, blank, the lines, blank, the answer line, blank, border. */
	int bh = need + 6 < h - 2 ? need + 6 : h - 2;
	int bx = x + (w - bw) / 2, by = y + (h - bh) / 2;
	for (int r = by; r < by + bh; r++)
		mvhline(r, bx, ' ', bw);
	tui_attr_on(app, TUI_PAIR_ALERT);
	mvhline(by, bx, ACS_HLINE, bw);
	mvhline(by + bh - 1, bx, ACS_HLINE, bw);
	mvvline(by, bx, ACS_VLINE, bh);
	mvvline(by, bx + bw - 1, ACS_VLINE, bh);
	mvaddch(by, bx, ACS_ULCORNER);
	mvaddch(by, bx + bw - 1, ACS_URCORNER);
	mvaddch(by + bh - 1, bx, ACS_LLCORNER);
	mvaddch(by + bh - 1, bx + bw - 1, ACS_LRCORNER);
	tui_text(by, bx + 2, bw - 4, " ALLERGY WARNING ");
	tui_attr_off(app, TUI_PAIR_ALERT);
	int row = by + 2, last = by + bh - 3;
	for (int i = 0; i < n && row < last; i++) {
		/* Same substance or class in bold; possible cross-reactivity plain. */
		bool strong = i > 0 && fv->warn[i - 1].match != EMR_RX_CROSS_REACTIVE;
		if (strong)
			attron(A_BOLD);
		row = wrap(row, bx + 2, bw - 4, lines[i], last, true);
		if (strong)
			attroff(A_BOLD);
	}
	attron(A_BOLD);
	wrap(by + bh - 2, bx + 2, bw - 4, "y: prescribe anyway (recorded)    n or Esc: back to the form", by + bh - 1, true);
	attroff(A_BOLD);
	app->cursor_visible = false;
}

static void form_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	form_view *fv = as_form(v);
	const emr_form *f = &fv->form;
	app->cursor_visible = false;
	tui_attr_on(app, TUI_PAIR_TITLE);
	tui_text_pad(y, x + 1, w - 2, fv->title);
	tui_attr_off(app, TUI_PAIR_TITLE);
	int labw = 0;
	for (size_t i = 0; i < f->n; i++) {
		int lw = emr_display_width(f->fields[i].spec.label) + (f->fields[i].spec.required ? 1 : 0);
		if (lw > labw)
			labw = lw;
	}
	if (labw > w / 3)
		labw = w / 3;
	int unitw = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->fields[i].spec.unit && emr_display_width(f->fields[i].spec.unit) > unitw)
			unitw = emr_display_width(f->fields[i].spec.unit);
	int valw = w - (2 + labw + 2) - (unitw ? unitw + 2 : 1) - 1;
	/* Short values with units (vitals) keep the unit beside them. */
	if (valw > (unitw ? 16 : 60))
		valw = unitw ? 16 : 60;
	char extra[256];
	const char *extra_label = extra_line(fv, extra, sizeof extra);
	bool has_extra = extra_label != NULL;
	/* Rows: title, "more above", the fields [top, bottom), "more below"
	 * at bottom, the extra line (BMI, flag), the hint, the footer. */
	int top = y + 2, bottom = y + h - 3 - (has_extra ? 1 : 0);
	/* Scroll so the focused field, its list and its message show (the
	 * one piece of state drawing keeps: only it knows the height). */
	int avail = bottom - top;
	if (fv->scroll > (int)f->focus)
		fv->scroll = (int)f->focus;
	for (;;) {
		int used = 0;
		for (int i = fv->scroll; i <= (int)f->focus; i++)
			used += field_rows(fv, (size_t)i);
		if (used <= avail || fv->scroll >= (int)f->focus)
			break;
		fv->scroll++;
	}
	int row = top;
	if (fv->notice[0]) {
		tui_attr_on(app, TUI_PAIR_ALERT);
		tui_text(y + 1, x + 2, w - 4, fv->notice);
		tui_attr_off(app, TUI_PAIR_ALERT);
	} else if (fv->scroll > 0) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y + 1, x + 2, w - 4, "(more fields above)");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	size_t i;
	for (i = (size_t)fv->scroll; i < f->n; i++) {
		int rows = field_rows(fv, i);
		if (row + rows > bottom && i != f->focus)
			break;
		draw_field(app, fv, i, row, x, labw, valw, w);
		row += rows;
	}
	if (i < f->n) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(bottom, x + 2, w - 4, "(more fields below: Tab)");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	if (has_extra) {
		int vx = x + 2 + labw + 2;
		tui_text(y + h - 3, x + 2, labw, extra_label);
		attron(A_BOLD);
		tui_text(y + h - 3, vx, x + w - vx - 1, extra);
		attroff(A_BOLD);
	}
	const emr_form_field *fl = &f->fields[f->focus];
	bool dialog = fv->base.ops == &dialog_ops;
	if (fl->spec.hint && !dialog) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y + h - 2, x + 2, w - 4, fl->spec.hint);
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	attron(A_REVERSE);
	tui_text_pad(y + h - 1, x, w, dialog ? " y prescribe anyway (recorded)  n/Esc back to the form"
	                                     : " Ctrl-S save  Tab next  Shift-Tab previous  Esc cancel");
	attroff(A_REVERSE);
	if (dialog)
		draw_dialog(app, fv, y, x, h, w);
}

/* ------------------------------------------------------------ ops */

#define FORM_OPS(nm) {.name = nm, .keymap = form_keys, .draw = form_draw, .input = form_input, \
                      .dirty = form_dirty, .wants_text = form_wants_text, .destroy = destroy}

static const tui_view_ops form_ops[F_COUNT] = {
	[F_PATIENT] = FORM_OPS("Registration"),
	[F_PROBLEM] = FORM_OPS("Problem"),
	[F_ALLERGY] = FORM_OPS("Allergy"),
	[F_MEDICATION] = FORM_OPS("Medication"),
	[F_VITALS] = FORM_OPS("Vital signs"),
	[F_LAB] = FORM_OPS("Lab result"),
	[F_IMMUNIZATION] = FORM_OPS("Immunization"),
};

/* While the allergy warning is up, only its two answers work. */
static const tui_view_ops dialog_ops = {
	.name = "Allergy warning",
	.keymap = dialog_keys,
	.draw = form_draw,
	.input = dialog_input,
	.dirty = form_dirty,
	.destroy = destroy,
};

/* Every form shares form_keys: the name lists the forms,
 * "Forms (Registration, Problem, ...)". */
const tui_binding *ui_forms_keymap(const char **name)
{
	static char names[256];
	size_t len = (size_t)snprintf(names, sizeof names, "Forms (");
	for (int k = 0; k < F_COUNT && len < sizeof names; k++)
		len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", k ? ", " : "", form_ops[k].name);
	if (len < sizeof names)
		snprintf(names + len, sizeof names - len, ")");
	*name = names;
	return form_ops[0].keymap;
}

const tui_binding *ui_allergy_warning_keymap(const char **name)
{
	*name = dialog_ops.name;
	return dialog_ops.keymap;
}

/* ------------------------------------------------- retire, resolve, stop */

/* s cut to cols columns (with "..." when cut), so that a question on the
 * status line still leaves room for the answer. */
static void clip(const char *s, int cols, char *buf, size_t n)
{
	int used;
	size_t bytes = emr_utf8_prefix_for_width(s, cols, &used);
	if (!s[bytes]) {
		emr_strlcpy(buf, s, n);
		return;
	}
	bytes = emr_utf8_prefix_for_width(s, cols - 3, &used);
	fmt(buf, n, "%.*s...", (int)bytes, s);
}

int ui_retire_record(tui_app *app, emr_record_kind kind, int64_t id, const char *what)
{
	char question[700], reason[EMR_TEXT_MAX] = "", shown[160];
	clip(what, 32, shown, sizeof shown);
	fmt(question, sizeof question, "%s in error, because:", shown);
	if (!tui_prompt(app, question, reason, sizeof reason) || !reason[strspn(reason, " ")]) {
		tui_message(app, "Nothing changed");
		return TUI_REDRAW;
	}
	if (emr_record_retire(app->db, kind, id, reason) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	/* Not naming the record: the chart below no longer shows it, and
	 * the status line should not either. */
	tui_message(app, "Marked entered in error");
	return TUI_REDRAW;
}

int ui_resolve_problem(tui_app *app, int64_t problem_id)
{
	emr_problem p;
	if (emr_problem_get(app->db, problem_id, &p) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	char question[700], date[EMR_DATE_LEN + 20], shown[160];
	emr_today(date);
	clip(p.description, 30, shown, sizeof shown);
	fmt(question, sizeof question, "Resolve %s on (YYYY-MM-DD):", shown);
	if (!tui_prompt(app, question, date, sizeof date)) {
		tui_message(app, "Nothing changed");
		return TUI_REDRAW;
	}
	if (emr_problem_resolve(app->db, problem_id, date) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	tui_message(app, "Resolved: %s", p.description);
	return TUI_REDRAW;
}

int ui_stop_medication(tui_app *app, int64_t medication_id)
{
	emr_medication m;
	if (emr_medication_get(app->db, medication_id, &m) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	char question[700], reason[EMR_TEXT_MAX] = "", date[EMR_DATE_LEN + 20], name[600], shown[160];
	fmt(name, sizeof name, "%s %s", m.drug, m.strength);
	clip(name, 30, shown, sizeof shown);
	fmt(question, sizeof question, "Stop %s, because:", shown);
	if (!tui_prompt(app, question, reason, sizeof reason) || !reason[strspn(reason, " ")]) {
		tui_message(app, "Nothing changed");
		return TUI_REDRAW;
	}
	emr_today(date);
	if (!tui_prompt(app, "Stopped on (YYYY-MM-DD):", date, sizeof date)) {
		tui_message(app, "Nothing changed");
		return TUI_REDRAW;
	}
	if (emr_medication_stop(app->db, medication_id, date, reason) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	tui_message(app, "Stopped: %s (%s)", m.drug, reason);
	return TUI_REDRAW;
}
