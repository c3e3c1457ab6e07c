/* note: templates, dot-phrases, the prefill of a new note from the chart,
 * addenda, and full-text search over every note.  The rules (placeholder
 * values, what counts as a dot-phrase, how a query is matched and ranked)
 * are stated in include/emr/note.h. */
#include "emr/note.h"

#include "emr/audit.h"
#include "emr/perm.h"
#include "emr/clinical.h"
#include "emr/codes.h"
#include "emr/embedded.h"
#include "emr/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EMR_SEARCH_CANDIDATES 300
#define SEARCH_MAX_WORDS 16
#define PREFIX_MAX_TERMS 8
#define LABS_MAX 12

/* ================================================================= helpers */

static bool is_blank_text(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* The local calendar date of a UTC instant. */
static void local_date(const char *instant, char out[EMR_DATE_LEN])
{
	time_t t;
	struct tm tm;
	out[0] = '\0';
	if (emr_instant_parse(instant, &t) && localtime_r(&t, &tm))
		strftime(out, EMR_DATE_LEN, "%Y-%m-%d", &tm);
}

static bool name_chars_ok(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || strchr(extra, *s)))
			return false;
	return true;
}

/* ================================================================ templates */

void emr_templates_free(emr_templates *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i].body);
	free(list->items);
	memset(list, 0, sizeof *list);
}

void emr_template_clear(emr_template *t)
{
	free(t->body);
	memset(t, 0, sizeof *t);
}

static void template_from_row(sqlite3_stmt *st, emr_template *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	emr_col_copy(st, 1, t->name, sizeof t->name);
	t->body = emr_xstrdup(emr_col_text(st, 2));
	t->is_default = sqlite3_column_int(st, 3) != 0;
	emr_col_copy(st, 4, t->updated_at, sizeof t->updated_at);
}

int emr_template_list(emr_db *db, emr_templates *out)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT id, name, body, is_default, updated_at FROM note_templates ORDER BY is_default DESC, name");
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		template_from_row(st, emr_list_push(out));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading the templates");
}

/* The SOAP template compiled into emr, for a database that has none. */
static void builtin_soap(emr_template *out)
{
	memset(out, 0, sizeof *out);
	emr_strlcpy(out->name, "soap", sizeof out->name);
	out->body = emr_xstrdup(emr_soap_template);
	out->is_default = true;
}

int emr_template_get(emr_db *db, const char *name, emr_template *out)
{
	memset(out, 0, sizeof *out);
	bool want_default = !name || !*name;
	sqlite3_stmt *st = want_default
		? emr_db_stmt(db, "SELECT id, name, body, is_default, updated_at FROM note_templates WHERE is_default = 1")
		: emr_db_stmt(db, "SELECT id, name, body, is_default, updated_at FROM note_templates WHERE name = ?1");
	if (!st)
		return -1;
	if (!want_default)
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		template_from_row(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the template");
	if (want_default || strcmp(name, "soap") == 0) {
		builtin_soap(out);
		return 0;
	}
	emr_db_set_error(db, "template \"%s\": there is no such template (see: emr template list)", name);
	return -1;
}

/* Template names are typed on command lines: keep them simple. */
static int check_template_name(emr_db *db, const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 64 || name[0] == '-' || name[0] == '.' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n) {
		emr_db_set_error(db, "template name \"%s\": use 1 to 64 letters, digits, '.', '_' or '-'", name ? name : "");
		return -1;
	}
	return 0;
}

int emr_template_save(emr_db *db, const char *name, const char *body, bool make_default)
{
	if (emr_permit(db, EMR_PERM_ADMIN, "template save") != 0)
		return -1;
	if (check_template_name(db, name) != 0)
		return -1;
	if (!body || !emr_utf8_valid(body, strlen(body))) {
		emr_db_set_error(db, "template \"%s\": not valid UTF-8 text", name);
		return -1;
	}
	if (is_blank_text(body)) {
		emr_db_set_error(db, "template \"%s\": the text is empty", name);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	int64_t id = 0;
	bool has_default = false;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT id FROM note_templates WHERE name = ?1");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	st = emr_db_stmt(db, "SELECT count(*) FROM note_templates WHERE is_default = 1");
	if (!st)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		has_default = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	/* The first template is the default whether asked or not. */
	if (!has_default)
		make_default = true;
	if (make_default) {
		st = emr_db_stmt(db, "UPDATE note_templates SET is_default = 0 WHERE is_default = 1 AND name <> ?1");
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			emr_db_fail(db, "moving the default template");
			goto fail;
		}
	}
	if (id) {
		st = emr_db_stmt(db,
			"UPDATE note_templates SET body = ?1, updated_at = ?2, is_default = max(is_default, ?3) WHERE id = ?4");
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, make_default);
		sqlite3_bind_int64(st, 4, id);
	} else {
		st = emr_db_stmt(db, "INSERT INTO note_templates(name, body, is_default, updated_at) VALUES (?1, ?2, ?3, ?4)");
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, body, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, make_default);
		sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "saving the template");
		goto fail;
	}
	bool created = id == 0;
	if (created)
		id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	if (emr_audit(db, created ? "create" : "update", "note_templates", id, 0, name) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

/* ============================================================== dot-phrases */

const emr_builtin_phrase emr_builtin_phrases[] = {
	{"vitals", "today's vital signs on one line"},
	{"meds", "active medications, one list item each"},
	{"allergies", "allergies with reaction and severity, NKDA, or \"not recorded\""},
	{"problems", "active problems with ICD-10-CM code and onset year"},
	{"labs", "the latest result of each lab test in the past year"},
	{"age", "the patient's age: \"52-year-old\""},
	{NULL, NULL},
};

static bool is_builtin_phrase(const char *name)
{
	for (const emr_builtin_phrase *b = emr_builtin_phrases; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return true;
	return false;
}

void emr_phrases_free(emr_phrases *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i].body);
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_phrase_list(emr_db *db, emr_phrases *out)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT id, ifnull(user_id, 0), name, body FROM phrases WHERE user_id IS NULL OR user_id = ?1"
		" ORDER BY name, user_id IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, emr_db_actor_id(db));
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_phrase *p = emr_list_push(out);
		p->id = sqlite3_column_int64(st, 0);
		p->user_id = sqlite3_column_int64(st, 1);
		emr_col_copy(st, 2, p->name, sizeof p->name);
		p->body = emr_xstrdup(emr_col_text(st, 3));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading the phrases");
}

int emr_phrase_save(emr_db *db, const char *name, const char *body, bool shared)
{
	if (shared && emr_permit(db, EMR_PERM_ADMIN, "shared phrase save") != 0)
		return -1;
	if (name && name[0] == '.')
		name++;
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 32 || !islower((unsigned char)name[0]) || !name_chars_ok(name, "_-")) {
		emr_db_set_error(db, "phrase name \"%s\": a lowercase letter, then lowercase letters, digits, '_' or '-'"
		                 " (32 at most)", name ? name : "");
		return -1;
	}
	if (is_builtin_phrase(name)) {
		emr_db_set_error(db, "phrase name \"%s\": .%s is built in; choose another name", name, name);
		return -1;
	}
	if (!body || !emr_utf8_valid(body, strlen(body))) {
		emr_db_set_error(db, "phrase \"%s\": not valid UTF-8 text", name);
		return -1;
	}
	if (is_blank_text(body)) {
		emr_db_set_error(db, "phrase \"%s\": the text is empty", name);
		return -1;
	}
	int64_t uid = emr_db_actor_id(db);
	if (!shared && !uid) {
		emr_db_set_error(db, "phrase \"%s\": nobody is logged in to own it (use --shared)", name);
		return -1;
	}
	int64_t owner = shared ? 0 : uid;
	if (emr_tx_begin(db) != 0)
		return -1;
	int64_t id = 0;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT id FROM phrases WHERE ifnull(user_id, 0) = ?1 AND name = ?2");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, owner);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (id) {
		st = emr_db_stmt(db, "UPDATE phrases SET body = ?1 WHERE id = ?2");
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, body, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, id);
	} else {
		st = emr_db_stmt(db, "INSERT INTO phrases(user_id, name, body) VALUES (?1, ?2, ?3)");
		if (!st)
			goto fail;
		if (owner)
			sqlite3_bind_int64(st, 1, owner);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "saving the phrase");
		goto fail;
	}
	bool created = id == 0;
	if (created)
		id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	if (emr_audit(db, created ? "create" : "update", "phrases", id, 0, name) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

/* =========================================================== chart values */

/* What the built-ins and placeholders are made of, read once on demand. */
typedef struct note_ctx {
	emr_db *db;
	int64_t patient_id;
	char date[EMR_DATE_LEN];      /* the day "today's vitals" means */
	bool loaded, failed;
	emr_patient patient;
	emr_problems problems;
	emr_medications meds;
	emr_allergies allergies;
	emr_observations vitals, labs;
	bool phrases_loaded;
	emr_phrases phrases;
} note_ctx;

static void ctx_free(note_ctx *c)
{
	emr_list_free(&c->problems);
	emr_list_free(&c->meds);
	emr_list_free(&c->allergies);
	emr_list_free(&c->vitals);
	emr_list_free(&c->labs);
	emr_phrases_free(&c->phrases);
}

/* Plain list reads (not emr_chart_load, which opens a transaction of its
 * own): this may run inside the caller's. */
static int ctx_load(note_ctx *c)
{
	if (c->loaded)
		return c->failed ? -1 : 0;
	c->loaded = true;
	emr_db *db = c->db;
	if (emr_patient_get(db, c->patient_id, &c->patient) != 0 ||
	    emr_problem_list(db, c->patient_id, EMR_CURRENT, &c->problems) != 0 ||
	    emr_medication_list(db, c->patient_id, EMR_CURRENT, &c->meds) != 0 ||
	    emr_allergy_list(db, c->patient_id, EMR_CURRENT, &c->allergies) != 0 ||
	    emr_observation_list(db, c->patient_id, NULL, "vital", EMR_CURRENT, 200, &c->vitals) != 0 ||
	    emr_observation_list(db, c->patient_id, NULL, "lab", EMR_CURRENT, 500, &c->labs) != 0) {
		c->failed = true;
		return -1;
	}
	return 0;
}

static void fmt_value(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.10g", v);
}

static void value_vitals(note_ctx *c, emr_sb *sb)
{
	static const struct {
		const char *loinc, *label, *fmt;
	} order[] = {
		{EMR_LOINC_PULSE, "pulse", "%.0f /min"},  {EMR_LOINC_TEMP, "temp", "%.1f Cel"},
		{EMR_LOINC_RESP, "RR", "%.0f /min"},      {EMR_LOINC_SPO2, "SpO2", "%.0f %%"},
		{EMR_LOINC_WEIGHT, "weight", "%.1f kg"},  {EMR_LOINC_HEIGHT, "height", "%.1f cm"},
		{EMR_LOINC_BMI, "BMI", "%.1f kg/m2"},
	};
	/* Newest first: the first value of each code on the day is its latest. */
	const emr_observation *sys = NULL, *dia = NULL;
	const emr_observation *found[EMR_ARRAY_LEN(order)] = {0};
	for (size_t i = 0; i < c->vitals.n; i++) {
		const emr_observation *o = &c->vitals.items[i];
		char d[EMR_DATE_LEN];
		local_date(o->effective_at, d);
		if (strcmp(d, c->date) != 0 || !o->has_value)
			continue;
		if (!sys && strcmp(o->loinc, EMR_LOINC_SYSTOLIC) == 0)
			sys = o;
		for (size_t k = 0; k < EMR_ARRAY_LEN(order); k++)
			if (!found[k] && strcmp(o->loinc, order[k].loinc) == 0)
				found[k] = o;
	}
	if (sys) {
		/* Its diastolic partner: same panel, else the day's latest. */
		for (size_t i = 0; i < c->vitals.n && !dia; i++) {
			const emr_observation *o = &c->vitals.items[i];
			if (strcmp(o->loinc, EMR_LOINC_DIASTOLIC) == 0 && o->has_value && sys->panel_id &&
			    o->panel_id == sys->panel_id)
				dia = o;
		}
		for (size_t i = 0; i < c->vitals.n && !dia; i++) {
			const emr_observation *o = &c->vitals.items[i];
			char d[EMR_DATE_LEN];
			local_date(o->effective_at, d);
			if (strcmp(o->loinc, EMR_LOINC_DIASTOLIC) == 0 && o->has_value && strcmp(d, c->date) == 0)
				dia = o;
		}
	}
	size_t start = sb->len;
	if (sys && dia)
		emr_sb_printf(sb, "BP %.0f/%.0f mm[Hg]", sys->value, dia->value);
	for (size_t k = 0; k < EMR_ARRAY_LEN(order); k++) {
		if (!found[k])
			continue;
		if (sb->len > start)
			emr_sb_append(sb, ", ");
		emr_sb_printf(sb, "%s ", order[k].label);
		emr_sb_printf(sb, order[k].fmt, found[k]->value);
	}
	if (sb->len == start)
		emr_sb_append(sb, "not recorded today");
}

static void value_problems(note_ctx *c, emr_sb *sb)
{
	if (c->problems.n == 0) {
		emr_sb_append(sb, "none active");
		return;
	}
	for (size_t i = 0; i < c->problems.n; i++) {
		const emr_problem *p = &c->problems.items[i];
		if (i)
			emr_sb_putc(sb, '\n');
		emr_sb_append(sb, "- ");
		if (*p->icd10) {
			char code[12];
			emr_icd10_display(p->icd10, code, sizeof code);
			emr_sb_printf(sb, "%s ", code);
		}
		emr_sb_append(sb, p->description);
		if (*p->onset_date)
			emr_sb_printf(sb, " (since %.4s)", p->onset_date);
	}
}

static void value_meds(note_ctx *c, emr_sb *sb)
{
	if (c->meds.n == 0) {
		emr_sb_append(sb, "none active");
		return;
	}
	for (size_t i = 0; i < c->meds.n; i++) {
		const emr_medication *m = &c->meds.items[i];
		if (i)
			emr_sb_putc(sb, '\n');
		emr_sb_printf(sb, "- %s", m->drug);
		if (*m->strength)
			emr_sb_printf(sb, " %s", m->strength);
		if (*m->form)
			emr_sb_printf(sb, " %s", m->form);
		if (*m->sig)
			emr_sb_printf(sb, ": %s", m->sig);
	}
}

static void value_allergies(note_ctx *c, emr_sb *sb)
{
	bool nkda = false;
	size_t start = sb->len;
	for (size_t i = 0; i < c->allergies.n; i++) {
		const emr_allergy *a = &c->allergies.items[i];
		if (a->is_nkda) {
			nkda = true;
			continue;
		}
		if (sb->len > start)
			emr_sb_append(sb, "; ");
		emr_sb_append(sb, a->substance);
		if (*a->reaction && *a->severity)
			emr_sb_printf(sb, " (%s, %s)", a->reaction, a->severity);
		else if (*a->reaction || *a->severity)
			emr_sb_printf(sb, " (%s)", *a->reaction ? a->reaction : a->severity);
	}
	if (sb->len == start)
		emr_sb_append(sb, nkda ? "NKDA" : "not recorded");
}

static void value_labs(note_ctx *c, emr_sb *sb)
{
	char since[EMR_DATE_LEN];
	if (!emr_date_add_days(c->date, -365, since))
		since[0] = '\0';
	size_t start = sb->len, shown = 0;
	const char *codes[LABS_MAX];
	for (size_t i = 0; i < c->labs.n && shown < LABS_MAX; i++) {
		const emr_observation *o = &c->labs.items[i];
		char d[EMR_DATE_LEN];
		local_date(o->effective_at, d);
		if (strcmp(d, since) < 0 || strcmp(d, c->date) > 0)
			continue;
		/* Newest first: the first result of a code is its latest. */
		bool seen = false;
		for (size_t k = 0; k < shown && !seen; k++)
			seen = strcmp(codes[k], o->loinc) == 0;
		if (seen)
			continue;
		codes[shown] = o->loinc;
		if (sb->len > start)
			emr_sb_putc(sb, '\n');
		char val[64];
		if (o->has_value)
			fmt_value(val, sizeof val, o->value);
		else
			emr_strlcpy(val, o->value_text, sizeof val);
		emr_sb_printf(sb, "- %s %s", *o->name ? o->name : o->loinc, val);
		if (*o->unit && o->has_value)
			emr_sb_printf(sb, " %s", o->unit);
		if (*o->flag && strcmp(o->flag, "N") != 0)
			emr_sb_printf(sb, " (%s, %s)", o->flag, d);
		else
			emr_sb_printf(sb, " (%s)", d);
		shown++;
	}
	if (sb->len == start)
		emr_sb_append(sb, "none in the past year");
}

static void value_age(note_ctx *c, emr_sb *sb)
{
	emr_age a;
	if (!emr_age_on(c->patient.dob, c->date, &a))
		return;
	if (a.days < 7)
		emr_sb_printf(sb, "%d-day-old", a.days);
	else if (a.months < 1)
		emr_sb_printf(sb, "%d-week-old", a.weeks);
	else if (a.years < 2)
		emr_sb_printf(sb, "%d-month-old", a.months);
	else
		emr_sb_printf(sb, "%d-year-old", a.years);
}

/* Appends the built-in value called name; false when name is not one.
 * *block says whether it is a list. */
static bool builtin_value(note_ctx *c, const char *name, emr_sb *sb, bool *block, int *err)
{
	typedef void (*fill_fn)(note_ctx *, emr_sb *);
	static const struct {
		const char *name;
		fill_fn fill;
		bool list;
	} table[] = {
		{"vitals", value_vitals, false}, {"problems", value_problems, true}, {"meds", value_meds, true},
		{"allergies", value_allergies, false}, {"labs", value_labs, true}, {"age", value_age, false},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(table); i++) {
		if (strcmp(name, table[i].name) != 0)
			continue;
		if (ctx_load(c) != 0) {
			*err = -1;
			return true;
		}
		size_t start = sb->len;
		table[i].fill(c, sb);
		/* "none active" is a phrase, not a list. */
		*block = table[i].list && sb->len > start && sb->buf[start] == '-';
		return true;
	}
	return false;
}

/* Appends value at the end of out, which holds the text so far (the
 * current line runs from its last newline).  See "blocks" above. */
static void put_value(emr_sb *out, const char *value, bool block)
{
	if (!block && !strchr(value, '\n')) {
		emr_sb_append(out, value);
		return;
	}
	size_t line = out->len;
	while (line > 0 && out->buf[line - 1] != '\n')
		line--;
	bool indent_only = true;
	for (size_t i = line; i < out->len; i++)
		if (out->buf[i] != ' ' && out->buf[i] != '\t')
			indent_only = false;
	char indent[64] = "";
	if (indent_only) {
		size_t w = out->len - line;
		if (w >= sizeof indent)
			w = sizeof indent - 1;
		memcpy(indent, out->buf + line, w);
		indent[w] = '\0';
	} else {
		while (out->len > line && (out->buf[out->len - 1] == ' ' || out->buf[out->len - 1] == '\t'))
			out->buf[--out->len] = '\0';
		emr_sb_putc(out, '\n');
	}
	for (const char *p = value; *p; p++) {
		emr_sb_putc(out, *p);
		if (*p == '\n' && p[1] && p[1] != '\n')
			emr_sb_append(out, indent);
	}
}

/* ================================================================= prefill */

char *emr_note_prefill(emr_db *db, int64_t patient_id, int64_t encounter_id, const char *template_name)
{
	note_ctx c = {.db = db, .patient_id = patient_id};
	emr_today(c.date);
	emr_encounter e = {0};
	if (encounter_id) {
		if (emr_encounter_get(db, encounter_id, &e) != 0)
			return NULL;
		if (e.patient_id != patient_id) {
			emr_db_set_error(db, "visit %lld is not a visit of patient %lld", (long long)encounter_id,
			                 (long long)patient_id);
			return NULL;
		}
		local_date(e.start_at, c.date);
	}
	if (ctx_load(&c) != 0) {
		ctx_free(&c);
		return NULL;
	}
	emr_template t;
	if (emr_template_get(db, template_name, &t) != 0) {
		ctx_free(&c);
		return NULL;
	}
	emr_sb out = EMR_SB_INIT;
	const char *p = t.body;
	int err = 0;
	while (*p) {
		const char *open = strstr(p, "{{");
		if (!open) {
			emr_sb_append(&out, p);
			break;
		}
		emr_sb_appendn(&out, p, (size_t)(open - p));
		const char *q = open + 2;
		while (*q == ' ')
			q++;
		const char *name = q;
		while (islower((unsigned char)*q) || *q == '_')
			q++;
		size_t nlen = (size_t)(q - name);
		while (*q == ' ')
			q++;
		if (nlen == 0 || nlen > 16 || strncmp(q, "}}", 2) != 0) {
			emr_sb_appendn(&out, open, 2);
			p = open + 2;
			continue;
		}
		char key[17];
		memcpy(key, name, nlen);
		key[nlen] = '\0';
		emr_sb v = EMR_SB_INIT;
		bool block = false, known = true;
		if (strcmp(key, "reason") == 0)
			emr_sb_append(&v, e.reason);
		else if (strcmp(key, "date") == 0)
			emr_sb_append(&v, c.date);
		else if (strcmp(key, "name") == 0)
			emr_sb_printf(&v, "%s %s", *c.patient.preferred ? c.patient.preferred : c.patient.given,
			              c.patient.family);
		else
			known = builtin_value(&c, key, &v, &block, &err);
		if (known)
			put_value(&out, emr_sb_str(&v), block);
		else
			emr_sb_appendn(&out, open, (size_t)(q + 2 - open));
		emr_sb_free(&v);
		p = q + 2;
	}
	emr_template_clear(&t);
	ctx_free(&c);
	if (err) {
		emr_sb_free(&out);
		return NULL;
	}
	return emr_sb_take(&out);
}

/* =============================================================== expansion */

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* A line's indentation in columns (tabs to the next multiple of 4), and
 * where its text starts. */
static int line_indent(const char *line, const char **text)
{
	int col = 0;
	const char *p = line;
	for (; *p == ' ' || *p == '\t'; p++)
		col = *p == '\t' ? (col / 4 + 1) * 4 : col + 1;
	if (text)
		*text = p;
	return col;
}

static bool line_is_blank(const char *line)
{
	for (; *line && *line != '\n'; line++)
		if (*line != ' ' && *line != '\t' && *line != '\r')
			return false;
	return true;
}

/* If line opens (or closes) a code fence, its character and length. */
static bool fence_at(const char *line, char *ch, size_t *len)
{
	const char *t;
	if (line_indent(line, &t) > 3 || (*t != '`' && *t != '~'))
		return false;
	size_t n = strspn(t, *t == '`' ? "`" : "~");
	if (n < 3)
		return false;
	/* A backtick fence's info string may not contain backticks. */
	if (*t == '`') {
		for (const char *p = t + n; *p && *p != '\n'; p++)
			if (*p == '`')
				return false;
	}
	*ch = *t;
	*len = n;
	return true;
}

static bool fence_closes(const char *line, char ch, size_t len)
{
	const char *t;
	if (line_indent(line, &t) > 3 || *t != ch)
		return false;
	size_t n = strspn(t, ch == '`' ? "`" : "~");
	return n >= len && line_is_blank(t + n);
}

static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl ? nl + 1 : p + strlen(p);
}

/* End of the paragraph that contains p: the start of the next blank line
 * (or the end of the text). */
static const char *paragraph_end(const char *p)
{
	for (;;) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			return p + strlen(p);
		if (line_is_blank(nl + 1))
			return nl + 1;
		p = nl + 1;
	}
}

static bool phrase_boundary(const char *p)
{
	if (!*p || is_space(*p) || strchr(",;:!?)]}\"'", *p))
		return true;
	return *p == '.' && !isalnum((unsigned char)p[1]);
}

static const char *user_phrase(note_ctx *c, const char *name)
{
	if (!c->phrases_loaded) {
		c->phrases_loaded = true;
		if (emr_phrase_list(c->db, &c->phrases) != 0)
			return NULL;
	}
	/* Listed by name, the user's own before the shared one. */
	for (size_t i = 0; i < c->phrases.n; i++)
		if (strcmp(c->phrases.items[i].name, name) == 0)
			return c->phrases.items[i].body;
	return NULL;
}

/* Tries a dot-phrase at p (a '.'); on success appends its text and
 * returns the position after the name, else NULL. */
static const char *try_phrase(note_ctx *c, const char *p, emr_sb *out, int *err)
{
	const char *q = p + 1;
	if (!islower((unsigned char)*q))
		return NULL;
	while (islower((unsigned char)*q) || isdigit((unsigned char)*q) || *q == '_' || *q == '-')
		q++;
	size_t n = (size_t)(q - p - 1);
	if (n > 32 || !phrase_boundary(q))
		return NULL;
	char name[33];
	memcpy(name, p + 1, n);
	name[n] = '\0';
	emr_sb v = EMR_SB_INIT;
	bool block = false;
	if (builtin_value(c, name, &v, &block, err)) {
		if (*err) {
			emr_sb_free(&v);
			return NULL;
		}
		put_value(out, emr_sb_str(&v), block);
		emr_sb_free(&v);
		return q;
	}
	const char *body = user_phrase(c, name);
	if (!body)
		return NULL;
	size_t len = strlen(body);
	while (len > 0 && is_space(body[len - 1]))
		len--;
	emr_sb_appendn(&v, body, len);
	put_value(out, emr_sb_str(&v), false);
	emr_sb_free(&v);
	return q;
}

char *emr_note_expand(emr_db *db, int64_t patient_id, const char *body)
{
	note_ctx c = {.db = db, .patient_id = patient_id};
	emr_today(c.date);
	emr_sb out = EMR_SB_INIT;
	int err = 0;
	/* Per backtick-run length: a run of that length opened before this
	 * position has no closer (saves rescanning a long paragraph). */
	const char *no_closer_before[33] = {0};
	const char *para_end = NULL; /* end of the paragraph being read */
	bool in_fence = false, prev_blank = true, in_indented = false;
	char fence_ch = 0;
	size_t fence_len = 0;
	const char *p = body;
	while (*p && !err) {
		/* At the start of a line: blocks of code are copied whole. */
		const char *eol = line_end(p);
		if (in_fence) {
			if (fence_closes(p, fence_ch, fence_len))
				in_fence = false;
			emr_sb_appendn(&out, p, (size_t)(eol - p));
			p = eol;
			prev_blank = false;
			continue;
		}
		if (fence_at(p, &fence_ch, &fence_len)) {
			in_fence = true;
			in_indented = false;
			emr_sb_appendn(&out, p, (size_t)(eol - p));
			p = eol;
			continue;
		}
		bool blank = line_is_blank(p);
		if (!blank && line_indent(p, NULL) >= 4 && (prev_blank || in_indented)) {
			in_indented = true;
			emr_sb_appendn(&out, p, (size_t)(eol - p));
			p = eol;
			prev_blank = false;
			continue;
		}
		if (!blank)
			in_indented = false;
		prev_blank = blank;
		/* Within the line (a code span may carry us past its end). */
		const char *line_start = p;
		while (*p && !err) {
			if (*p == '`') {
				size_t n = strspn(p, "`");
				const char *close = NULL;
				if (n > 32 || p >= no_closer_before[n]) {
					if (!para_end || p >= para_end)
						para_end = paragraph_end(p);
					const char *end = para_end;
					for (const char *s = p + n; s < end; s++) {
						if (*s != '`')
							continue;
						size_t m = strspn(s, "`");
						if (m == n && s + m <= end) {
							close = s;
							break;
						}
						s += m - 1;
					}
					if (!close && n <= 32)
						no_closer_before[n] = end;
				}
				if (close) {
					emr_sb_appendn(&out, p, (size_t)(close + n - p));
					p = close + n;
				} else {
					emr_sb_appendn(&out, p, n);
					p += n;
				}
				continue;
			}
			if (*p == '.' && (p == line_start || p == body || is_space(p[-1]))) {
				const char *after = try_phrase(&c, p, &out, &err);
				if (after) {
					p = after;
					continue;
				}
			}
			emr_sb_putc(&out, *p);
			if (*p++ == '\n')
				break;
		}
	}
	ctx_free(&c);
	if (err) {
		emr_sb_free(&out);
		return NULL;
	}
	return emr_sb_take(&out);
}

/* ================================================================= addenda */

void emr_addenda_free(emr_addenda *list)
{
	for (size_t i = 0; i < list->n; i++)
		free(list->items[i].body);
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_addendum_add(emr_db *db, int64_t note_id, const char *body, int64_t *id_out)
{
	if (emr_permit(db, EMR_PERM_NOTE_WRITE, "addendum add") != 0)
		return -1;
	if (!body || !emr_utf8_valid(body, strlen(body))) {
		emr_db_set_error(db, "addendum: not valid UTF-8 text");
		return -1;
	}
	if (is_blank_text(body)) {
		emr_db_set_error(db, "addendum: the text is empty");
		return -1;
	}
	emr_note n;
	if (emr_note_get(db, note_id, &n) != 0)
		return -1;
	int64_t patient_id = n.patient_id;
	char status[17];
	emr_strlcpy(status, n.status, sizeof status);
	emr_note_clear(&n);
	if (strcmp(status, "signed") != 0) {
		if (strcmp(status, "draft") == 0)
			emr_db_set_error(db, "note %lld is a draft: edit it instead (addenda are for signed notes)",
			                 (long long)note_id);
		else
			emr_db_set_error(db, "note %lld is %s: addenda are for signed notes", (long long)note_id, status);
		return -1;
	}
	int64_t uid = emr_db_actor_id(db);
	if (!uid) {
		emr_db_set_error(db, "addendum: nobody is logged in to author it");
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "INSERT INTO note_addenda(note_id, author_id, body, created_at) VALUES (?1, ?2, ?3, ?4)");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, note_id);
	sqlite3_bind_int64(st, 2, uid);
	sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "adding the addendum");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	char detail[40];
	snprintf(detail, sizeof detail, "note %lld", (long long)note_id);
	if (emr_audit(db, "addendum", "note_addenda", id, patient_id, detail) != 0)
		goto fail;
	if (emr_tx_commit(db) != 0)
		return -1;
	if (id_out)
		*id_out = id;
	return 0;
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_addendum_list(emr_db *db, int64_t note_id, emr_addenda *out)
{
	if (emr_permit(db, EMR_PERM_NOTE_READ, "addendum list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT a.id, a.note_id, a.author_id, ifnull(u.display_name, ''), ifnull(u.credentials, ''), a.body,"
		" a.created_at, a.source_author, a.source_author <> '' OR EXISTS (SELECT 1 FROM fhir_received r"
		" WHERE r.mapped_table = 'note_addenda' AND r.mapped_id = a.id)"
		" FROM note_addenda a LEFT JOIN users u ON u.id = a.author_id"
		" WHERE a.note_id = ?1 ORDER BY a.created_at, a.id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, note_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_addendum *a = emr_list_push(out);
		a->id = sqlite3_column_int64(st, 0);
		a->note_id = sqlite3_column_int64(st, 1);
		a->author_id = sqlite3_column_int64(st, 2);
		const char *cred = emr_col_text(st, 4);
		if (*cred)
			snprintf(a->author, sizeof a->author, "%s, %s", emr_col_text(st, 3), cred);
		else
			emr_col_copy(st, 3, a->author, sizeof a->author);
		a->body = emr_xstrdup(emr_col_text(st, 5));
		emr_col_copy(st, 6, a->created_at, sizeof a->created_at);
		emr_col_copy(st, 7, a->source_author, sizeof a->source_author);
		a->imported = sqlite3_column_int(st, 8) != 0;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading the addenda");
}

/* ================================================================== search */

void emr_note_hits_free(emr_note_hits *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

/* ---- the table's tokenizer, to see a word as the index sees it */

static fts5_api *get_fts5_api(emr_db *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT fts5(?1)");
	if (!st)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return api;
}

typedef struct token_list {
	char tok[4][128];
	int n;
	bool overflow;
} token_list;

static int collect_token(void *ctx, int flags, const char *tok, int len, int start, int end)
{
	(void)start, (void)end;
	token_list *t = ctx;
	if (flags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (t->n >= 4 || len <= 0 || (size_t)len >= sizeof t->tok[0]) {
		t->overflow = true;
		return SQLITE_OK;
	}
	memcpy(t->tok[t->n], tok, (size_t)len);
	t->tok[t->n][len] = '\0';
	t->n++;
	return SQLITE_OK;
}

typedef struct tokenizer {
	fts5_tokenizer api;
	Fts5Tokenizer *tok;
} tokenizer;

/* The unicode61 tokenizer as notes_fts uses it; false if unavailable
 * (the search then runs without its rewrites). */
static bool tokenizer_open(emr_db *db, tokenizer *t)
{
	memset(t, 0, sizeof *t);
	fts5_api *api = get_fts5_api(db);
	void *ud = NULL;
	if (!api || api->xFindTokenizer(api, "unicode61", &ud, &t->api) != SQLITE_OK)
		return false;
	const char *args[] = {"remove_diacritics", "2"};
	if (t->api.xCreate(ud, args, 2, &t->tok) != SQLITE_OK) {
		t->tok = NULL;
		return false;
	}
	return true;
}

static void tokenizer_close(tokenizer *t)
{
	if (t->tok)
		t->api.xDelete(t->tok);
	t->tok = NULL;
}

/* fts5vocab over notes_fts, in the connection's temp schema. */
static int vocab_ready(emr_db *db)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"CREATE VIRTUAL TABLE IF NOT EXISTS temp.emr_notes_vocab USING fts5vocab(main, 'notes_fts', 'row')");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The terms of the index in [lo, hi), at most max (+1 to tell "more"). */
static int vocab_terms(emr_db *db, const char *lo, const char *hi, int max, char terms[][128], int *n)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT term FROM temp.emr_notes_vocab WHERE term >= ?1 AND term < ?2 LIMIT ?3");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, max);
	*n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (terms && *n < max)
			emr_col_copy(st, 0, terms[*n], 128);
		(*n)++;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void append_fts_string(emr_sb *q, const char *s)
{
	emr_sb_putc(q, '"');
	for (; *s; s++) {
		if (*s == '"')
			emr_sb_putc(q, '"');
		emr_sb_putc(q, *s);
	}
	emr_sb_putc(q, '"');
}

/* One word of the query as an FTS5 expression (see the header); false
 * for a word the index has no token for (punctuation only). */
static bool word_expr(emr_db *db, tokenizer *tk, bool vocab, const char *word, emr_sb *q)
{
	token_list tl = {.n = 0};
	if (tk->tok) {
		tk->api.xTokenize(tk->tok, &tl, FTS5_TOKENIZE_QUERY, word, (int)strlen(word), collect_token);
		if (tl.n == 0 && !tl.overflow)
			return false;
	}
	if (q->len)
		emr_sb_append(q, " AND ");
	if (!tk->tok || !vocab || tl.n != 1 || tl.overflow || strlen(tl.tok[0]) < 2) {
		append_fts_string(q, word);
		emr_sb_putc(q, '*');
		return true;
	}
	const char *t = tl.tok[0];
	size_t len = strlen(t);
	/* The terms that extend t, in byte order: from t + "\x01" (past t
	 * itself, whose posting list the vocabulary table would otherwise
	 * read through to count it) up to t with its last byte incremented
	 * (never 0xFF in UTF-8). */
	char lo[130], hi[130];
	memcpy(lo, t, len);
	lo[len] = '\x01';
	lo[len + 1] = '\0';
	memcpy(hi, t, len + 1);
	hi[len - 1] = (char)((unsigned char)hi[len - 1] + 1);
	char terms[PREFIX_MAX_TERMS + 1][128];
	int n = 0;
	if (vocab_terms(db, lo, hi, PREFIX_MAX_TERMS + 1, terms, &n) != 0 || n > PREFIX_MAX_TERMS) {
		append_fts_string(q, t);
		emr_sb_putc(q, '*');
		return true;
	}
	if (n == 0) {
		append_fts_string(q, t); /* the only term with this prefix, if any */
		return true;
	}
	/* t itself may or may not be a term: asking for it costs nothing. */
	emr_sb_putc(q, '(');
	append_fts_string(q, t);
	for (int i = 0; i < n; i++) {
		emr_sb_append(q, " OR ");
		append_fts_string(q, terms[i]);
	}
	emr_sb_putc(q, ')');
	return true;
}

/* ---- ranking: FTS5's bm25, with the document frequency of very common
 * terms estimated from a sample */

#define BM25_K1 1.2
#define BM25_B 0.75
#define DF_SAMPLE 2000

typedef struct df_count {
	int n;
	int64_t last;
} df_count;

static int df_step(const Fts5ExtensionApi *api, Fts5Context *fts, void *ud)
{
	df_count *c = ud;
	c->n++;
	c->last = api->xRowid(fts);
	return c->n >= DF_SAMPLE ? SQLITE_DONE : SQLITE_OK;
}

typedef struct bm25_data {
	int nphrase;
	double avgdl;
	double *idf;
	double *freq;
} bm25_data;

static void bm25_data_free(void *p)
{
	bm25_data *d = p;
	free(d->idf);
	free(d->freq);
	free(d);
}

/* emr_bm25(notes_fts, max_rowid): exactly FTS5's bm25() (k1 = 1.2,
 * b = 0.75, one column of weight 1, lower is better) except for the
 * number of notes holding a phrase, which bm25() counts by reading the
 * phrase's whole posting list: 15 ms for the two commonest words of the
 * demo practice.  Here the count stops after 2000 notes and, when there
 * are more, is extrapolated over the rowid range (notes are never
 * deleted, so rowids are dense): 2000 * max_rowid / (rowid of the
 * 2000th).  The inverse document frequency of such a word is near its
 * floor anyway, so the order barely moves. */
static void emr_bm25(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int nval, sqlite3_value **val)
{
	bm25_data *d = api->xGetAuxdata(fts, 0);
	if (!d) {
		sqlite3_int64 nrow = 0, ntok = 0;
		int np = api->xPhraseCount(fts);
		if (api->xRowCount(fts, &nrow) != SQLITE_OK || api->xColumnTotalSize(fts, -1, &ntok) != SQLITE_OK) {
			sqlite3_result_error(ctx, "emr_bm25: cannot read the index statistics", -1);
			return;
		}
		double max_rowid = nval > 0 ? sqlite3_value_double(val[0]) : 0;
		if (max_rowid < (double)nrow)
			max_rowid = (double)nrow;
		d = emr_xcalloc(1, sizeof *d);
		d->nphrase = np;
		d->avgdl = nrow > 0 ? (double)ntok / (double)nrow : 1;
		d->idf = emr_xcalloc((size_t)np + 1, sizeof *d->idf);
		d->freq = emr_xcalloc((size_t)np + 1, sizeof *d->freq);
		for (int i = 0; i < np; i++) {
			df_count c = {0, 0};
			int rc = api->xQueryPhrase(fts, i, &c, df_step);
			if (rc != SQLITE_OK) {
				bm25_data_free(d);
				sqlite3_result_error_code(ctx, rc);
				return;
			}
			double df = c.n;
			if (c.n >= DF_SAMPLE && c.last > 0) {
				df = (double)c.n * max_rowid / (double)c.last;
				if (df > (double)nrow)
					df = (double)nrow;
			}
			double idf = log(((double)nrow - df + 0.5) / (df + 0.5));
			d->idf[i] = idf <= 0.0 ? 1e-6 : idf;
		}
		if (api->xSetAuxdata(fts, d, bm25_data_free) != SQLITE_OK) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	memset(d->freq, 0, (size_t)d->nphrase * sizeof *d->freq);
	int ninst = 0;
	if (api->xInstCount(fts, &ninst) != SQLITE_OK) {
		sqlite3_result_error(ctx, "emr_bm25: cannot read the matches", -1);
		return;
	}
	for (int i = 0; i < ninst; i++) {
		int phrase, col, off;
		if (api->xInst(fts, i, &phrase, &col, &off) == SQLITE_OK && phrase >= 0 && phrase < d->nphrase)
			d->freq[phrase] += 1.0;
	}
	int dl = 0;
	api->xColumnSize(fts, -1, &dl);
	double score = 0;
	for (int i = 0; i < d->nphrase; i++) {
		double f = d->freq[i];
		score += d->idf[i] * (f * (BM25_K1 + 1.0)) / (f + BM25_K1 * (1.0 - BM25_B + BM25_B * (double)dl / d->avgdl));
	}
	sqlite3_result_double(ctx, -1.0 * score);
}

int emr_note_search_register(sqlite3 *conn)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(conn, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->xCreateFunction(api, "emr_bm25", NULL, emr_bm25, NULL) != SQLITE_OK)
		return -1;
	return 0;
}

/* Registers emr_bm25 with this connection unless it already has it. */
static int ranking_ready(emr_db *db)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT count(*) FROM pragma_function_list WHERE name = 'emr_bm25'");
	if (!st)
		return -1;
	int have = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	if (have)
		return 0;
	if (emr_note_search_register(emr_db_sqlite(db)) != 0) {
		emr_db_set_error(db, "search: cannot set up the ranking function (is FTS5 missing from SQLite?)");
		return -1;
	}
	return 0;
}

/* Snippets arrive with the note's own line breaks: one line, one space. */
static void flatten_snippet(const char *s, char *dst, size_t n)
{
	emr_sb sb = EMR_SB_INIT;
	bool space = false;
	for (; *s; s++) {
		if (is_space(*s)) {
			space = sb.len > 0;
			continue;
		}
		if (space)
			emr_sb_putc(&sb, ' ');
		space = false;
		emr_sb_putc(&sb, *s);
	}
	char *clean = emr_sanitize_dup(emr_sb_str(&sb), false);
	emr_strlcpy(dst, clean, n);
	free(clean);
	emr_sb_free(&sb);
}

typedef struct candidate {
	int64_t note_id;
	double rank;
	char *snippet;
} candidate;

static int cmp_candidate(const void *a, const void *b)
{
	const candidate *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->note_id > y->note_id ? -1 : x->note_id < y->note_id;
}

/* Fills the display columns of a hit from the note's visit and patient. */
static int hit_details(emr_db *db, emr_note_hit *h)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT n.patient_id, n.encounter_id, n.status, e.start_at, p.family_name, p.given_name, p.mrn"
		" FROM notes n JOIN encounters e ON e.id = n.encounter_id JOIN patients p ON p.id = n.patient_id"
		" WHERE n.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, h->note_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h->patient_id = sqlite3_column_int64(st, 0);
		h->encounter_id = sqlite3_column_int64(st, 1);
		emr_col_copy(st, 2, h->status, sizeof h->status);
		local_date(emr_col_text(st, 3), h->date);
		snprintf(h->patient, sizeof h->patient, "%s, %s (%s)", emr_col_text(st, 4), emr_col_text(st, 5),
		         emr_col_text(st, 6));
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading a note found by the search");
}

static int run_search(emr_db *db, const char *fts, int64_t patient_id, int limit, emr_note_hits *out)
{
	int64_t lo = 0, hi = 0, max_rowid = 0;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT ifnull(max(id), 0) FROM notes");
	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		max_rowid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (patient_id) {
		st = emr_db_stmt(db, "SELECT ifnull(min(id), 0), ifnull(max(id), -1) FROM notes WHERE patient_id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, patient_id);
		if (sqlite3_step(st) == SQLITE_ROW) {
			lo = sqlite3_column_int64(st, 0);
			hi = sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (hi < lo)
			return 0;
		/* The patient's notes by rowid range, then by patient ("+" keeps
		 * SQLite from feeding the IN list to FTS5 one id at a time). */
		st = emr_db_stmt(db,
			"SELECT rowid, emr_bm25(notes_fts, ?6), snippet(notes_fts, 0, '[', ']', '...', 12) FROM notes_fts"
			" WHERE notes_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3"
			" AND +rowid IN (SELECT id FROM notes WHERE patient_id = ?4)"
			" ORDER BY rowid DESC LIMIT ?5");
	} else {
		st = emr_db_stmt(db,
			"SELECT rowid, emr_bm25(notes_fts, ?6), snippet(notes_fts, 0, '[', ']', '...', 12) FROM notes_fts"
			" WHERE notes_fts MATCH ?1 ORDER BY rowid DESC LIMIT ?5");
	}
	if (!st)
		return -1;
	int k = limit > EMR_SEARCH_CANDIDATES ? limit : EMR_SEARCH_CANDIDATES;
	sqlite3_bind_text(st, 1, fts, -1, SQLITE_STATIC);
	if (patient_id) {
		sqlite3_bind_int64(st, 2, lo);
		sqlite3_bind_int64(st, 3, hi);
		sqlite3_bind_int64(st, 4, patient_id);
	}
	sqlite3_bind_int(st, 5, k);
	sqlite3_bind_int64(st, 6, max_rowid);
	candidate *c = emr_xmalloc((size_t)k * sizeof *c);
	int n = 0, rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < k) {
		c[n].note_id = sqlite3_column_int64(st, 0);
		c[n].rank = sqlite3_column_double(st, 1);
		c[n].snippet = emr_xstrdup(emr_col_text(st, 2));
		n++;
	}
	sqlite3_reset(st);
	int result = 0;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		result = emr_db_fail(db, "searching the notes");
	qsort(c, (size_t)n, sizeof *c, cmp_candidate);
	for (int i = 0; i < n && result == 0 && (int)out->n < limit; i++) {
		emr_note_hit *h = emr_list_push(out);
		h->note_id = c[i].note_id;
		h->rank = c[i].rank;
		flatten_snippet(c[i].snippet, h->snippet, sizeof h->snippet);
		result = hit_details(db, h);
	}
	for (int i = 0; i < n; i++)
		free(c[i].snippet);
	free(c);
	return result;
}

int emr_note_search(emr_db *db, const char *query, int64_t patient_id, int limit, emr_note_hits *out)
{
	if (emr_permit(db, EMR_PERM_NOTE_READ, "note search") != 0)
		return -1;
	if (!query || !emr_utf8_valid(query, strlen(query))) {
		emr_db_set_error(db, "search: the query is not valid UTF-8 text");
		return -1;
	}
	if (limit <= 0)
		limit = 20;
	if (limit > 1000)
		limit = 1000;
	/* Words: blank-separated. */
	char *copy = emr_xstrdup(query);
	char *words[SEARCH_MAX_WORDS];
	int nwords = 0;
	for (char *save = NULL, *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (nwords == SEARCH_MAX_WORDS) {
			free(copy);
			emr_db_set_error(db, "search: at most %d words", SEARCH_MAX_WORDS);
			return -1;
		}
		words[nwords++] = w;
	}
	if (nwords == 0) {
		free(copy);
		emr_db_set_error(db, "search: the query is empty");
		return -1;
	}
	/* One read transaction, so the vocabulary and the index agree. */
	sqlite3 *conn = emr_db_sqlite(db);
	bool own_tx = sqlite3_get_autocommit(conn) != 0;
	if (own_tx && sqlite3_exec(conn, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		free(copy);
		return emr_db_fail(db, "searching the notes");
	}
	if (ranking_ready(db) != 0) {
		if (own_tx)
			sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
		free(copy);
		return -1;
	}
	tokenizer tk;
	tokenizer_open(db, &tk);
	bool vocab = vocab_ready(db) == 0;
	emr_sb fts = EMR_SB_INIT;
	for (int i = 0; i < nwords; i++)
		word_expr(db, &tk, vocab, words[i], &fts);
	tokenizer_close(&tk);
	free(copy);
	/* Only punctuation: nothing the index could hold, so nothing found. */
	int rc = fts.len ? run_search(db, emr_sb_str(&fts), patient_id, limit, out) : 0;
	emr_sb_free(&fts);
	if (own_tx)
		sqlite3_exec(conn, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	if (rc != 0)
		return -1;
	return emr_audit(db, "search", "notes", 0, patient_id, query);
}

const char *emr_addendum_author_text(const emr_addendum *a, char *buf, size_t size)
{
	if (!a->imported)
		snprintf(buf, size, "%s", a->author);
	else
		snprintf(buf, size, "%s" EMR_IMPORTED_FROM, *a->source_author ? a->source_author : "author not named");
	return buf;
}
