/* form: a curses-free form engine (see form.h). */
#include "emr/form.h"

#include "emr/clinical.h"
#include "emr/datetime.h"
#include "emr/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_MAX_BYTES 200
#define DEFAULT_MIN_QUERY 2

void emr_form_init(emr_form *f)
{
	memset(f, 0, sizeof *f);
}

void emr_form_free(emr_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		emr_le_free(&f->fields[i].value);
		free(f->fields[i].initial);
	}
	free(f->fields);
	memset(f, 0, sizeof *f);
}

static emr_form_field *field(const emr_form *f, size_t i)
{
	return i < f->n ? &f->fields[i] : NULL;
}

/* Only blanks: counts as empty, so "  " is not a given value. */
static bool blank(const char *s)
{
	return s[strspn(s, " \t")] == '\0';
}

static void snapshot(emr_form_field *fl)
{
	free(fl->initial);
	fl->initial = emr_xstrdup(emr_le_text(&fl->value));
	memcpy(fl->initial_code, fl->code, sizeof fl->initial_code);
}

size_t emr_form_add(emr_form *f, const emr_field_spec *spec)
{
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->fields = emr_xrealloc(f->fields, f->cap * sizeof *f->fields);
	}
	emr_form_field *fl = &f->fields[f->n];
	memset(fl, 0, sizeof *fl);
	fl->spec = *spec;
	fl->value.max = spec->max_bytes ? spec->max_bytes : DEFAULT_MAX_BYTES;
	emr_le_set(&fl->value, spec->kind == EMR_FIELD_CHOICE && spec->n_options ? spec->options[0] : "");
	snapshot(fl);
	return f->n++;
}

int emr_form_find(const emr_form *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fields[i].spec.name && strcmp(f->fields[i].spec.name, name) == 0)
			return (int)i;
	return -1;
}

bool emr_form_set(emr_form *f, size_t i, const char *value)
{
	emr_form_field *fl = field(f, i);
	if (!fl)
		return false;
	emr_le_set(&fl->value, value ? value : "");
	fl->msg[0] = '\0';
	if (fl->spec.kind == EMR_FIELD_PICKER) {
		fl->code[0] = '\0';
		fl->n_picks = fl->pick_sel = 0;
		fl->list_open = false;
	}
	if (fl->spec.kind != EMR_FIELD_CHOICE)
		return true;
	for (size_t k = 0; k < fl->spec.n_options; k++)
		if (strcmp(fl->spec.options[k], emr_le_text(&fl->value)) == 0) {
			fl->choice = k;
			return true;
		}
	return false;
}

void emr_form_set_pick(emr_form *f, size_t i, const char *code, const char *label)
{
	emr_form_field *fl = field(f, i);
	if (!fl)
		return;
	emr_le_set(&fl->value, label);
	emr_le_home(&fl->value);
	emr_strlcpy(fl->code, code, sizeof fl->code);
	fl->msg[0] = '\0';
	fl->n_picks = fl->pick_sel = 0;
	fl->list_open = false;
}

const char *emr_form_value(const emr_form *f, size_t i)
{
	const emr_form_field *fl = field(f, i);
	return fl ? emr_le_text(&fl->value) : "";
}

const char *emr_form_code(const emr_form *f, size_t i)
{
	const emr_form_field *fl = field(f, i);
	return fl ? fl->code : "";
}

const char *emr_form_get(const emr_form *f, const char *name)
{
	int i = emr_form_find(f, name);
	return i < 0 ? "" : emr_form_value(f, (size_t)i);
}

void emr_form_mark_clean(emr_form *f)
{
	for (size_t i = 0; i < f->n; i++)
		snapshot(&f->fields[i]);
}

bool emr_form_dirty(const emr_form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const emr_form_field *fl = &f->fields[i];
		if (strcmp(emr_le_text(&fl->value), fl->initial ? fl->initial : "") != 0 ||
		    strcmp(fl->code, fl->initial_code) != 0)
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ validators */

bool emr_valid_date(const char *value, char *msg, size_t n, void *ctx)
{
	const emr_date_rule *rule = ctx;
	if (blank(value))
		return true;
	if (!emr_date_valid(value)) {
		snprintf(msg, n, "not a valid date (YYYY-MM-DD)");
		return false;
	}
	if (rule && rule->past_only) {
		char today[EMR_DATE_LEN];
		emr_today(today);
		if (strcmp(value, today) > 0) {
			snprintf(msg, n, "is in the future (today is %s)", today);
			return false;
		}
	}
	if (rule && rule->not_before && *rule->not_before && strcmp(value, rule->not_before) < 0) {
		snprintf(msg, n, "is before %s (%s)", rule->not_before_what ? rule->not_before_what : "the earliest date",
		         rule->not_before);
		return false;
	}
	return true;
}

/* What a measure field takes, for its message. */
static const char *measure_example(const char *canonical)
{
	if (strcmp(canonical, "kg") == 0)
		return "not a weight (e.g. 70, 70 kg or 154 lb)";
	if (strcmp(canonical, "cm") == 0)
		return "not a height (e.g. 175, 175 cm or 69 in)";
	if (strcmp(canonical, "Cel") == 0)
		return "not a temperature (e.g. 37.2, 37.2 C or 99.1 F)";
	return "not a number";
}

/* A plain decimal number, spaces around allowed; no hex, inf or nan,
 * which strtod would take. */
static bool parse_plain_number(const char *s, double *out)
{
	while (*s == ' ')
		s++;
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	size_t digits = strspn(p, "0123456789");
	p += digits;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		digits += frac;
		p += 1 + frac;
	}
	if (!digits)
		return false;
	const char *end = p;
	while (*p == ' ')
		p++;
	if (*p)
		return false;
	char buf[64];
	size_t len = (size_t)(end - s);
	if (len >= sizeof buf)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod(buf, NULL);
	return isfinite(*out);
}

static bool number_of(const char *value, const char *measure, double *out)
{
	if (measure) {
		/* The number part must be plain too: emr_parse_measure uses
		 * strtod, which would also take "0x10" or "inf". */
		const char *p = value;
		while (*p == ' ')
			p++;
		if (!(isdigit((unsigned char)*p) || ((*p == '-' || *p == '.') && isdigit((unsigned char)p[1]))))
			return false;
		return emr_parse_measure(value, measure, out) && isfinite(*out);
	}
	return parse_plain_number(value, out);
}

bool emr_valid_number(const char *value, char *msg, size_t n, void *ctx)
{
	const emr_number_rule *rule = ctx;
	const char *measure = rule ? rule->measure : NULL;
	if (blank(value))
		return true;
	double v;
	if (!number_of(value, measure, &v)) {
		snprintf(msg, n, "%s", measure ? measure_example(measure) : "not a number");
		return false;
	}
	if (rule && rule->integer && v != floor(v)) {
		snprintf(msg, n, "must be a whole number");
		return false;
	}
	if (rule && rule->has_range && (v < rule->min || v > rule->max)) {
		if (measure)
			snprintf(msg, n, "must be between %g and %g %s", rule->min, rule->max, measure);
		else
			snprintf(msg, n, "must be between %g and %g", rule->min, rule->max);
		return false;
	}
	return true;
}

bool emr_valid_choice(const char *value, char *msg, size_t n, void *ctx)
{
	const emr_choice_rule *rule = ctx;
	if (blank(value) || !rule)
		return true;
	for (size_t i = 0; i < rule->n_options; i++)
		if (strcmp(value, rule->options[i]) == 0)
			return true;
	emr_sb sb = EMR_SB_INIT;
	for (size_t i = 0; i < rule->n_options; i++) {
		if (!*rule->options[i])
			continue;
		if (sb.len)
			emr_sb_append(&sb, ", ");
		emr_sb_append(&sb, rule->options[i]);
	}
	snprintf(msg, n, "must be one of: %s", emr_sb_str(&sb));
	emr_sb_free(&sb);
	return false;
}

bool emr_parse_bp(const char *s, double *systolic, double *diastolic)
{
	const char *slash = strchr(s, '/');
	if (!slash || strchr(slash + 1, '/'))
		return false;
	char left[32];
	size_t len = (size_t)(slash - s);
	if (len >= sizeof left)
		return false;
	memcpy(left, s, len);
	left[len] = '\0';
	double sys, dia;
	if (!parse_plain_number(left, &sys) || !parse_plain_number(slash + 1, &dia))
		return false;
	*systolic = sys;
	*diastolic = dia;
	return true;
}

bool emr_valid_bp(const char *value, char *msg, size_t n, void *ctx)
{
	(void)ctx;
	if (blank(value))
		return true;
	double sys, dia;
	if (!emr_parse_bp(value, &sys, &dia)) {
		snprintf(msg, n, "not a blood pressure (systolic/diastolic, e.g. 120/80)");
		return false;
	}
	if (sys <= 0 || dia <= 0) {
		snprintf(msg, n, "both numbers must be above 0");
		return false;
	}
	if (dia >= sys) {
		snprintf(msg, n, "diastolic (%g) must be below systolic (%g)", dia, sys);
		return false;
	}
	return true;
}

bool emr_form_number(const emr_form *f, size_t i, double *out)
{
	const emr_form_field *fl = field(f, i);
	if (!fl || blank(emr_le_text(&fl->value)))
		return false;
	return number_of(emr_le_text(&fl->value), fl->spec.measure, out);
}

/* ------------------------------------------------------------ validation */

static bool check_field(emr_form_field *fl)
{
	const emr_field_spec *s = &fl->spec;
	const char *v = emr_le_text(&fl->value);
	char *msg = fl->msg;
	size_t n = sizeof fl->msg;
	msg[0] = '\0';
	if (blank(v)) {
		/* An optional field's validator still sees the empty value,
		 * so it can require it on a condition (a prescription's sig). */
		if (!s->required) {
			if (s->validate && !s->validate(v, msg, n, s->ctx)) {
				if (!msg[0])
					snprintf(msg, n, "required");
				return false;
			}
			msg[0] = '\0';
			return true;
		}
		if (s->kind == EMR_FIELD_PICKER)
			snprintf(msg, n, "required: type words to search, then choose with Up/Down and Enter");
		else if (s->kind == EMR_FIELD_CHOICE)
			snprintf(msg, n, "required: choose with Left/Right");
		else
			snprintf(msg, n, "required");
		return false;
	}
	switch (s->kind) {
	case EMR_FIELD_DATE: {
		emr_date_rule rule = {.past_only = s->past_only};
		if (!emr_valid_date(v, msg, n, &rule))
			return false;
		break;
	}
	case EMR_FIELD_NUMBER: {
		emr_number_rule rule = {.integer = s->integer, .has_range = s->has_range, .min = s->min, .max = s->max,
		                        .measure = s->measure};
		if (!emr_valid_number(v, msg, n, &rule))
			return false;
		break;
	}
	case EMR_FIELD_CHOICE: {
		emr_choice_rule rule = {.options = s->options, .n_options = s->n_options};
		if (!emr_valid_choice(v, msg, n, &rule))
			return false;
		break;
	}
	case EMR_FIELD_PICKER:
		if (!fl->code[0]) {
			snprintf(msg, n, "not chosen from the list: type words, then Up/Down and Enter");
			return false;
		}
		break;
	case EMR_FIELD_TEXT:
		break;
	}
	if (s->validate && !s->validate(v, msg, n, s->ctx)) {
		if (!msg[0])
			snprintf(msg, n, "not valid");
		return false;
	}
	msg[0] = '\0';
	return true;
}

bool emr_form_validate_field(emr_form *f, size_t i)
{
	emr_form_field *fl = field(f, i);
	return fl ? check_field(fl) : false;
}

bool emr_form_validate_all(emr_form *f)
{
	bool ok = true;
	size_t first = 0;
	for (size_t i = 0; i < f->n; i++)
		if (!check_field(&f->fields[i]) && ok) {
			ok = false;
			first = i;
		}
	if (!ok)
		emr_form_focus(f, first);
	return ok;
}

void emr_form_set_message(emr_form *f, size_t i, const char *msg)
{
	emr_form_field *fl = field(f, i);
	if (fl)
		emr_strlcpy(fl->msg, msg ? msg : "", sizeof fl->msg);
}

int emr_form_place_error(emr_form *f, const char *error)
{
	int best = -1;
	size_t best_len = 0;
	for (size_t i = 0; i < f->n; i++) {
		const char *name = f->fields[i].spec.name;
		if (!name || !*name)
			continue;
		size_t len = strlen(name);
		/* The longest name wins: "quantity unit ..." is not "quantity". */
		if (len > best_len && strncasecmp(error, name, len) == 0 &&
		    (error[len] == ' ' || error[len] == ':' || error[len] == '\0')) {
			best = (int)i;
			best_len = len;
		}
	}
	if (best >= 0) {
		emr_form_set_message(f, (size_t)best, error);
		emr_form_focus(f, (size_t)best);
	}
	return best;
}

bool emr_form_has_messages(const emr_form *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fields[i].msg[0])
			return true;
	return false;
}

/* ------------------------------------------------------------ pickers */

void emr_form_search(emr_form *f, size_t i)
{
	emr_form_field *fl = field(f, i);
	if (!fl || fl->spec.kind != EMR_FIELD_PICKER || !fl->spec.search)
		return;
	const char *q = emr_le_text(&fl->value);
	size_t min = fl->spec.min_query ? fl->spec.min_query : DEFAULT_MIN_QUERY;
	fl->pick_sel = 0;
	if (strlen(q) - strspn(q, " ") < min) {
		fl->n_picks = 0;
		fl->list_open = false;
		return;
	}
	fl->n_picks = fl->spec.search(q, fl->picks, EMR_PICK_MAX, fl->spec.ctx);
	if (fl->n_picks > EMR_PICK_MAX)
		fl->n_picks = EMR_PICK_MAX;
	fl->list_open = true;
}

static void take_pick(emr_form_field *fl)
{
	emr_pick p = fl->picks[fl->pick_sel];
	emr_le_set(&fl->value, p.label);
	/* The start of a chosen entry is what matters: the code. */
	emr_le_home(&fl->value);
	emr_strlcpy(fl->code, p.code, sizeof fl->code);
	fl->list_open = false;
	fl->n_picks = fl->pick_sel = 0;
	fl->msg[0] = '\0';
}

/* ------------------------------------------------------------ focus */

void emr_form_focus(emr_form *f, size_t i)
{
	if (i >= f->n)
		return;
	if (f->focus < f->n && f->focus != i)
		f->fields[f->focus].list_open = false;
	f->focus = i;
	emr_form_field *fl = &f->fields[i];
	/* Coming back to a picker that has text but no choice: show the
	 * list for that text again. */
	if (fl->spec.kind == EMR_FIELD_PICKER && !fl->code[0])
		emr_form_search(f, i);
}

/* Leaving the focused field: a picker whose search has exactly one
 * entry takes it (the typed text was unambiguous), then it is checked. */
static int leave(emr_form *f)
{
	if (f->focus >= f->n)
		return 0;
	emr_form_field *fl = &f->fields[f->focus];
	int flags = 0;
	if (fl->spec.kind == EMR_FIELD_PICKER && !fl->code[0] && fl->list_open && fl->n_picks == 1) {
		fl->pick_sel = 0;
		take_pick(fl);
		flags |= EMR_FORM_PICKED | EMR_FORM_TEXT | EMR_FORM_LIST;
	}
	bool had = fl->msg[0] != '\0';
	check_field(fl);
	if (had || fl->msg[0])
		flags |= EMR_FORM_MESSAGE;
	return flags;
}

int emr_form_next(emr_form *f)
{
	if (!f->n)
		return 0;
	int flags = leave(f);
	emr_form_focus(f, (f->focus + 1) % f->n);
	return flags | EMR_FORM_FOCUS;
}

int emr_form_prev(emr_form *f)
{
	if (!f->n)
		return 0;
	int flags = leave(f);
	emr_form_focus(f, (f->focus + f->n - 1) % f->n);
	return flags | EMR_FORM_FOCUS;
}

/* ------------------------------------------------------------ keys */

static const char *option_label(const emr_form_field *fl, size_t k)
{
	if (fl->spec.option_labels && fl->spec.option_labels[k])
		return fl->spec.option_labels[k];
	return fl->spec.options[k];
}

static int set_choice(emr_form_field *fl, size_t k)
{
	if (k == fl->choice && strcmp(emr_le_text(&fl->value), fl->spec.options[k]) == 0)
		return 0;
	fl->choice = k;
	emr_le_set(&fl->value, fl->spec.options[k]);
	int flags = EMR_FORM_TEXT | EMR_FORM_PICKED;
	if (fl->msg[0]) {
		fl->msg[0] = '\0';
		flags |= EMR_FORM_MESSAGE;
	}
	return flags;
}

static int choice_key(emr_form_field *fl, emr_form_key key, uint32_t ch)
{
	size_t n = fl->spec.n_options;
	if (!n)
		return 0;
	switch (key) {
	case EMR_FK_LEFT:
		return set_choice(fl, (fl->choice + n - 1) % n);
	case EMR_FK_RIGHT:
		return set_choice(fl, (fl->choice + 1) % n);
	case EMR_FK_CHAR:
		if (ch == ' ')
			return set_choice(fl, (fl->choice + 1) % n);
		/* A letter takes the next option starting with it, so typing
		 * it again steps through options sharing that letter. */
		if (ch < 128 && isalnum((int)ch)) {
			for (size_t step = 1; step <= n; step++) {
				size_t k = (fl->choice + step) % n;
				const char *label = option_label(fl, k);
				if (tolower((unsigned char)label[0]) == tolower((int)ch))
					return set_choice(fl, k);
			}
		}
		return 0;
	default:
		return 0;
	}
}

static int picker_key(emr_form_field *fl, emr_form_key key)
{
	switch (key) {
	case EMR_FK_UP:
		if (fl->list_open && fl->pick_sel > 0) {
			fl->pick_sel--;
			return EMR_FORM_LIST;
		}
		return fl->list_open ? 0 : -1;
	case EMR_FK_DOWN:
		if (fl->list_open && fl->pick_sel + 1 < fl->n_picks) {
			fl->pick_sel++;
			return EMR_FORM_LIST;
		}
		return fl->list_open ? 0 : -1;
	case EMR_FK_ENTER:
		if (fl->list_open && fl->n_picks) {
			take_pick(fl);
			return EMR_FORM_PICKED | EMR_FORM_TEXT | EMR_FORM_LIST | EMR_FORM_MESSAGE;
		}
		return -1;
	default:
		return -1;
	}
}

/* Applies an editing key to the field's line; returns the flags. */
static int edit_key(emr_form_field *fl, emr_form_key key, uint32_t ch)
{
	emr_lineedit *le = &fl->value;
	size_t before_len = le->len;
	char *before = emr_xstrdup(emr_le_text(le));
	bool moved = false;
	switch (key) {
	case EMR_FK_CHAR: moved = emr_le_insert(le, ch); break;
	case EMR_FK_BACKSPACE: moved = emr_le_backspace(le); break;
	case EMR_FK_DELETE: moved = emr_le_delete(le); break;
	case EMR_FK_LEFT: moved = emr_le_left(le); break;
	case EMR_FK_RIGHT: moved = emr_le_right(le); break;
	case EMR_FK_HOME: moved = emr_le_home(le); break;
	case EMR_FK_END: moved = emr_le_end(le); break;
	case EMR_FK_KILL_LINE: moved = emr_le_kill_line(le); break;
	case EMR_FK_KILL_WORD: moved = emr_le_kill_word(le); break;
	default: break;
	}
	bool changed = le->len != before_len || strcmp(before, emr_le_text(le)) != 0;
	free(before);
	if (!moved)
		return 0;
	if (!changed)
		return EMR_FORM_CURSOR;
	int flags = EMR_FORM_TEXT | EMR_FORM_CURSOR;
	/* A message was about the old value; the new one is checked when
	 * the field is left. */
	if (fl->msg[0]) {
		fl->msg[0] = '\0';
		flags |= EMR_FORM_MESSAGE;
	}
	return flags;
}

int emr_form_key_press(emr_form *f, emr_form_key key, uint32_t ch)
{
	if (!f->n)
		return 0;
	emr_form_field *fl = &f->fields[f->focus];
	if (key == EMR_FK_TAB)
		return emr_form_next(f);
	if (key == EMR_FK_BACKTAB)
		return emr_form_prev(f);
	if (fl->spec.kind == EMR_FIELD_PICKER) {
		int r = picker_key(fl, key);
		if (r >= 0)
			return r;
	}
	/* Enter and the arrows stop at the ends; only Tab wraps around. */
	if (key == EMR_FK_ENTER || key == EMR_FK_DOWN)
		return f->focus + 1 < f->n ? emr_form_next(f) : 0;
	if (key == EMR_FK_UP)
		return f->focus > 0 ? emr_form_prev(f) : 0;
	if (fl->spec.kind == EMR_FIELD_CHOICE)
		return choice_key(fl, key, ch);
	/* Over a chosen entry, typing starts a new search and deleting
	 * clears it: nobody edits the middle of "E11.9  Type 2 ...". */
	if (fl->spec.kind == EMR_FIELD_PICKER && fl->code[0] &&
	    (key == EMR_FK_CHAR || key == EMR_FK_BACKSPACE || key == EMR_FK_DELETE || key == EMR_FK_KILL_WORD)) {
		emr_le_kill_line(&fl->value);
		fl->code[0] = '\0';
		int flags = EMR_FORM_TEXT | EMR_FORM_CURSOR | EMR_FORM_LIST;
		if (key == EMR_FK_CHAR)
			emr_le_insert(&fl->value, ch);
		emr_form_search(f, f->focus);
		return flags;
	}
	int flags = edit_key(fl, key, ch);
	if ((flags & EMR_FORM_TEXT) && fl->spec.kind == EMR_FIELD_PICKER) {
		/* Typing after a choice starts a new search. */
		fl->code[0] = '\0';
		emr_form_search(f, f->focus);
		flags |= EMR_FORM_LIST;
	}
	return flags;
}
