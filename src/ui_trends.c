/* ui_trends: the vitals flowsheet and the lab trend view.
 *
 * Both are read-only views over the domain layer (clinical.h): they load
 * their data once on creation (and again on resume), keep it in their
 * state struct, and draw from it.  Plots come from plot.c as text lines. */
#include "emr/ui_trends.h"

#include "emr/clinical.h"
#include "emr/codes.h"
#include "emr/patient.h"
#include "emr/plot.h"
#include "emr/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ================================================================ shared */

/* Picks the Unicode or the plain form of a piece of decoration. */
static const char *deco(const tui_app *app, const char *utf8, const char *ascii)
{
	return app->plain_ascii ? ascii : utf8;
}

static void patient_name(tui_app *app, int64_t patient_id, char *buf, size_t n)
{
	emr_patient p;
	if (emr_patient_get(app->db, patient_id, &p) == 0)
		emr_patient_display_name(&p, buf, n);
	else
		snprintf(buf, n, "patient %lld", (long long)patient_id);
}

/* "Vitals flowsheet — Ann Lee" on the view's first row. */
static void draw_title(const tui_app *app, int y, int x, int w, const char *what, const char *name)
{
	char title[400];
	snprintf(title, sizeof title, "%s %s %s", what, deco(app, "\xe2\x80\x94", "-"), name);
	tui_attr_on(app, TUI_PAIR_TITLE);
	tui_text(y, x + 1, w - 2, title);
	tui_attr_off(app, TUI_PAIR_TITLE);
}

static void draw_footer(const tui_app *app, int y, int x, int w, const char *keys)
{
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y, x + 1, w - 2, keys);
	tui_attr_off(app, TUI_PAIR_DIM);
}

/* A stored UTC instant as the local date and time the clinician lived
 * ("2025-01-10", "10:00"); the raw text if it does not parse. */
static void local_when(const char *instant, char *date, size_t dn, char *hm, size_t hn)
{
	time_t t;
	struct tm tm;
	if (!emr_instant_parse(instant, &t) || !localtime_r(&t, &tm)) {
		snprintf(date, dn, "%.10s", instant);
		if (hn)
			hm[0] = '\0';
		return;
	}
	strftime(date, dn, "%Y-%m-%d", &tm);
	if (hn)
		strftime(hm, hn, "%H:%M", &tm);
}

/* Fewest decimals (at most 3) that show v exactly. */
static int decimals_of(double v)
{
	for (int d = 0; d < 3; d++) {
		double m = pow(10.0, d);
		if (fabs(round(v * m) / m - v) < 1e-9 * fmax(1.0, fabs(v)))
			return d;
	}
	return 3;
}

/* Writes s right-aligned in w columns at (y, x). */
static void text_right(int y, int x, int w, const char *s)
{
	int sw = emr_display_width(s);
	tui_text(y, sw < w ? x + w - sw : x, w, s);
}

/* ================================================================ flowsheet */

/* The rows of the flowsheet, top to bottom, in the order vital signs are
 * taken and charted. */
typedef struct vital_row {
	const char *label;
	const char *unit;        /* UCUM, as stored */
	const char *loinc;
	const char *alt_loinc;   /* also shown on this row, or NULL */
	int decimals;            /* -1: as few as the value needs (at most 1) */
} vital_row;

static const vital_row vital_rows[] = {
	{"BP", "mm[Hg]", EMR_LOINC_SYSTOLIC, EMR_LOINC_DIASTOLIC, 0},
	{"Pulse", "/min", EMR_LOINC_PULSE, NULL, 0},
	{"Temp", "Cel", EMR_LOINC_TEMP, NULL, 1},
	{"Resp", "/min", EMR_LOINC_RESP, NULL, 0},
	/* Arterial SaO2 is rare in an office, but it is the same question. */
	{"SpO2", "%", EMR_LOINC_SPO2, "2708-6", 0},
	{"Weight", "kg", EMR_LOINC_WEIGHT, NULL, 1},
	{"Height", "cm", EMR_LOINC_HEIGHT, NULL, -1},
	{"BMI", "kg/m2", EMR_LOINC_BMI, NULL, 1},
};
enum { NVITALS = (int)EMR_ARRAY_LEN(vital_rows), ROW_BP = 0 };

/* One column: the vital signs taken together at one instant. */
typedef struct vital_set {
	char at[EMR_INSTANT_LEN];
	int64_t systolic_id;           /* to pair a diastolic by its panel */
	bool has[NVITALS];
	double value[NVITALS];         /* BP: systolic */
	bool has_diastolic;
	double diastolic;
} vital_set;

typedef struct flowsheet_view {
	tui_view base;
	int64_t patient_id;
	char name[256];
	vital_set *sets;               /* oldest first */
	int nsets;
	int first;                     /* leftmost column shown */
	int page;                      /* columns shown at the last paint */
	bool at_newest;                /* keep the newest column in view */
} flowsheet_view;

static flowsheet_view *as_flowsheet(tui_view *v)
{
	return (flowsheet_view *)v;
}

/* ------------------------------------------------------------- state */

static int vital_row_of(const char *loinc)
{
	for (int r = 0; r < NVITALS; r++)
		if (strcmp(loinc, vital_rows[r].loinc) == 0 ||
		    (vital_rows[r].alt_loinc && strcmp(loinc, vital_rows[r].alt_loinc) == 0))
			return r;
	return -1;
}

/* The column an observation belongs in: a diastolic goes with the
 * systolic of its panel; everything else with the values taken at the
 * same instant.  -1 when it starts a new column.  Observations arrive
 * newest first, so only the last column made can share the instant, and
 * a panel's systolic is found searching backwards at once. */
static int set_for(const flowsheet_view *fv, const emr_observation *o)
{
	if (strcmp(o->loinc, EMR_LOINC_DIASTOLIC) == 0 && o->panel_id)
		for (int i = fv->nsets - 1; i >= 0; i--)
			if (fv->sets[i].systolic_id == o->panel_id)
				return i;
	if (fv->nsets > 0 && strcmp(fv->sets[fv->nsets - 1].at, o->effective_at) == 0)
		return fv->nsets - 1;
	return -1;
}

static void flowsheet_load(tui_app *app, flowsheet_view *fv)
{
	free(fv->sets);
	fv->sets = NULL;
	fv->nsets = 0;
	emr_observations obs = {0};
	if (emr_observation_list(app->db, fv->patient_id, NULL, "vital", EMR_CURRENT, 0, &obs) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return;
	}
	/* At most one column per observation; trimmed by use, not realloc. */
	fv->sets = emr_xcalloc(obs.n ? obs.n : 1, sizeof *fv->sets);
	/* Newest first: the first value seen in a slot is the latest entry. */
	for (size_t i = 0; i < obs.n; i++) {
		const emr_observation *o = &obs.items[i];
		int r = vital_row_of(o->loinc);
		if (r < 0 || !o->has_value)
			continue;
		int s = set_for(fv, o);
		if (s < 0) {
			s = fv->nsets++;
			emr_strlcpy(fv->sets[s].at, o->effective_at, sizeof fv->sets[s].at);
		}
		vital_set *vs = &fv->sets[s];
		if (strcmp(o->loinc, EMR_LOINC_DIASTOLIC) == 0) {
			if (!vs->has_diastolic)
				vs->has_diastolic = true, vs->diastolic = o->value;
		} else if (!vs->has[r]) {
			vs->has[r] = true;
			vs->value[r] = o->value;
			if (r == ROW_BP)
				vs->systolic_id = o->id;
		}
	}
	emr_list_free(&obs);
	/* Columns were made newest first; a flowsheet reads oldest to newest. */
	for (int i = 0, j = fv->nsets - 1; i < j; i++, j--) {
		vital_set tmp = fv->sets[i];
		fv->sets[i] = fv->sets[j];
		fv->sets[j] = tmp;
	}
}

/* Keeps the visible columns within the data, the newest in view when
 * pinned there. */
static void flowsheet_clamp(flowsheet_view *fv)
{
	int page = fv->page > 0 ? fv->page : 1;
	int last_first = fv->nsets > page ? fv->nsets - page : 0;
	if (fv->at_newest || fv->first > last_first)
		fv->first = last_first;
	if (fv->first < 0)
		fv->first = 0;
	fv->at_newest = fv->first == last_first;
}

/* ----------------------------------------------------------- actions */

static int scroll_by(tui_view *v, int delta)
{
	flowsheet_view *fv = as_flowsheet(v);
	fv->at_newest = false;
	fv->first += delta;
	flowsheet_clamp(fv);
	return TUI_REDRAW;
}

static int act_older(tui_app *app, tui_view *v) { (void)app; return scroll_by(v, -1); }
static int act_newer(tui_app *app, tui_view *v) { (void)app; return scroll_by(v, 1); }
static int act_page_older(tui_app *app, tui_view *v) { (void)app; return scroll_by(v, -as_flowsheet(v)->page); }
static int act_page_newer(tui_app *app, tui_view *v) { (void)app; return scroll_by(v, as_flowsheet(v)->page); }
static int act_oldest(tui_app *app, tui_view *v) { (void)app; return scroll_by(v, -as_flowsheet(v)->nsets); }

static int act_newest(tui_app *app, tui_view *v)
{
	(void)app;
	flowsheet_view *fv = as_flowsheet(v);
	fv->at_newest = true;
	flowsheet_clamp(fv);
	return TUI_REDRAW;
}

static const tui_binding flowsheet_keys[] = {
	{{'h', TUI_KEYCODE(KEY_LEFT)}, "h/Left", "older (scroll left)", act_older},
	{{'l', TUI_KEYCODE(KEY_RIGHT)}, "l/Right", "newer (scroll right)", act_newer},
	{{TUI_KEYCODE(KEY_PPAGE)}, "PgUp", "a page older", act_page_older},
	{{TUI_KEYCODE(KEY_NPAGE)}, "PgDn", "a page newer", act_page_newer},
	{{TUI_KEYCODE(KEY_HOME), 'g'}, "Home/g", "the oldest vital signs", act_oldest},
	{{TUI_KEYCODE(KEY_END), 'G'}, "End/G", "the newest vital signs", act_newest},
	{{0}, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ drawing */

#define FS_LABEL_W 14   /* "Weight kg", "BP     mm[Hg]" */
#define FS_COL_W 10     /* a date: "2025-01-10" */

static void format_vital(const vital_set *vs, int r, char *buf, size_t n)
{
	buf[0] = '\0';
	if (r == ROW_BP) {
		if (!vs->has[r] && !vs->has_diastolic)
			return;
		char sys[16] = "-", dia[16] = "-";
		if (vs->has[r])
			snprintf(sys, sizeof sys, "%.0f", vs->value[r]);
		if (vs->has_diastolic)
			snprintf(dia, sizeof dia, "%.0f", vs->diastolic);
		snprintf(buf, n, "%s/%s", sys, dia);
		return;
	}
	if (!vs->has[r])
		return;
	int d = vital_rows[r].decimals;
	if (d < 0)
		d = decimals_of(vs->value[r]) > 0 ? 1 : 0;
	snprintf(buf, n, "%.*f", d, vs->value[r]);
}

static void flowsheet_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	flowsheet_view *fv = as_flowsheet(v);
	draw_title(app, y, x, w, "Vitals flowsheet", fv->name);
	draw_footer(app, y + h - 1, x, w,
	            deco(app, "h/l \xe2\x86\x90/\xe2\x86\x92 scroll  Home/End oldest/newest  F1 help  q back",
	                 "h/l scroll  Home/End oldest/newest  F1 help  q back"));
	if (fv->nsets == 0) {
		tui_text(y + 2, x + 2, w - 4, "No vital signs recorded for this patient.");
		return;
	}
	int cols_x = x + 1 + FS_LABEL_W + 1;
	fv->page = (x + w - cols_x) / (FS_COL_W + 1);
	if (fv->page < 1)
		fv->page = 1;
	flowsheet_clamp(fv);

	char first_date[16], last_date[16], line[160];
	local_when(fv->sets[0].at, first_date, sizeof first_date, NULL, 0);
	local_when(fv->sets[fv->nsets - 1].at, last_date, sizeof last_date, NULL, 0);
	if (fv->nsets == 1)
		snprintf(line, sizeof line, "1 set of vital signs, %s", first_date);
	else
		snprintf(line, sizeof line, "%d sets, %s to %s (oldest on the left)", fv->nsets,
		         first_date, last_date);
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + 1, x + 1, w - 2, line);
	tui_attr_off(app, TUI_PAIR_DIM);

	/* Two header rows, date and local time: a clinic may take vital
	 * signs twice in a day (a repeat BP). */
	int hy = y + 3;
	int older = fv->first, newer = fv->nsets - fv->first - fv->page;
	tui_attr_on(app, TUI_PAIR_DIM);
	if (older > 0) {
		snprintf(line, sizeof line, "%s %d older", deco(app, "\xe2\x86\x90", "<"), older);
		tui_text(hy, x + 1, FS_LABEL_W, line);
	}
	if (newer > 0) {
		snprintf(line, sizeof line, "%d newer %s", newer, deco(app, "\xe2\x86\x92", ">"));
		tui_text(hy + 1, x + 1, FS_LABEL_W, line);
	}
	tui_attr_off(app, TUI_PAIR_DIM);
	for (int c = 0; c < fv->page && fv->first + c < fv->nsets; c++) {
		const vital_set *vs = &fv->sets[fv->first + c];
		char date[16], hm[8];
		local_when(vs->at, date, sizeof date, hm, sizeof hm);
		int cx = cols_x + c * (FS_COL_W + 1);
		attron(A_BOLD);
		text_right(hy, cx, FS_COL_W, date);
		attroff(A_BOLD);
		text_right(hy + 1, cx, FS_COL_W, hm);
	}
	for (int c = 0; c < w - 2; c++)
		mvaddstr(hy + 2, x + 1 + c, deco(app, "\xe2\x94\x80", "-"));

	for (int r = 0; r < NVITALS && hy + 3 + r < y + h - 1; r++) {
		int ry = hy + 3 + r;
		attron(A_BOLD);
		tui_text(ry, x + 1, 7, vital_rows[r].label);
		attroff(A_BOLD);
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(ry, x + 8, FS_LABEL_W - 7, vital_rows[r].unit);
		tui_attr_off(app, TUI_PAIR_DIM);
		for (int c = 0; c < fv->page && fv->first + c < fv->nsets; c++) {
			char val[32];
			format_vital(&fv->sets[fv->first + c], r, val, sizeof val);
			text_right(ry, cols_x + c * (FS_COL_W + 1), FS_COL_W, val);
		}
	}
}

static void flowsheet_resume(tui_app *app, tui_view *v)
{
	flowsheet_load(app, as_flowsheet(v));
}

static void flowsheet_destroy(tui_view *v)
{
	flowsheet_view *fv = as_flowsheet(v);
	free(fv->sets);
	free(fv);
}

static const tui_view_ops flowsheet_ops = {
	.name = "Vitals flowsheet",
	.keymap = flowsheet_keys,
	.draw = flowsheet_draw,
	.resume = flowsheet_resume,
	.destroy = flowsheet_destroy,
};

const tui_binding *ui_flowsheet_keymap(const char **name)
{
	*name = flowsheet_ops.name;
	return flowsheet_ops.keymap;
}

tui_view *ui_flowsheet_new(tui_app *app, int64_t patient_id)
{
	flowsheet_view *fv = emr_xcalloc(1, sizeof *fv);
	fv->base.ops = &flowsheet_ops;
	fv->patient_id = patient_id;
	fv->at_newest = true;   /* today's numbers are what the visit is about */
	patient_name(app, patient_id, fv->name, sizeof fv->name);
	flowsheet_load(app, fv);
	return &fv->base;
}

/* ================================================================ lab trend */

typedef struct lab_code {
	char loinc[11];
} lab_code;

typedef struct trend_view {
	tui_view base;
	int64_t patient_id;
	char name[256];
	lab_code *codes;               /* the patient's tests, latest result first */
	int ncodes;
	int cur;                       /* index into codes */
	emr_loinc test;                /* codes[cur] from the code table */
	bool have_test;
	emr_observations results;      /* of codes[cur], newest first */
	int scroll;                    /* first table row shown */
	int page;                      /* table rows shown at the last paint */
} trend_view;

static trend_view *as_trend(tui_view *v)
{
	return (trend_view *)v;
}

/* ------------------------------------------------------------- state */

static void trend_load_results(tui_app *app, trend_view *tv)
{
	emr_list_free(&tv->results);
	tv->scroll = 0;
	tv->have_test = false;
	if (tv->ncodes == 0)
		return;
	const char *code = tv->codes[tv->cur].loinc;
	tv->have_test = emr_loinc_lookup(app->db, code, &tv->test);
	if (emr_observation_list(app->db, tv->patient_id, code, "lab", EMR_CURRENT, 0, &tv->results) != 0)
		tui_error(app, "%s", emr_db_error(app->db));
}

/* The distinct tests of the patient, most recent result first (the order
 * emr_observation_list returns), starting on `want` if given: a test the
 * patient has no result of yet still opens, first in the list. */
static void trend_load(tui_app *app, trend_view *tv, const char *want)
{
	free(tv->codes);
	tv->codes = NULL;
	tv->ncodes = 0;
	tv->cur = 0;
	emr_observations all = {0};
	if (emr_observation_list(app->db, tv->patient_id, NULL, "lab", EMR_CURRENT, 0, &all) != 0)
		tui_error(app, "%s", emr_db_error(app->db));
	tv->codes = emr_xcalloc(all.n + 1, sizeof *tv->codes);
	if (want && *want)
		emr_strlcpy(tv->codes[tv->ncodes++].loinc, want, sizeof tv->codes[0].loinc);
	for (size_t i = 0; i < all.n; i++) {
		bool seen = false;
		for (int k = 0; k < tv->ncodes && !seen; k++)
			seen = strcmp(tv->codes[k].loinc, all.items[i].loinc) == 0;
		if (!seen)
			emr_strlcpy(tv->codes[tv->ncodes++].loinc, all.items[i].loinc, sizeof tv->codes[0].loinc);
	}
	emr_list_free(&all);
	trend_load_results(app, tv);
}

/* ----------------------------------------------------------- actions */

static int step_test(tui_app *app, tui_view *v, int delta)
{
	trend_view *tv = as_trend(v);
	if (tv->ncodes < 2) {
		tui_message(app, tv->ncodes ? "This is the patient's only test" : "No laboratory results");
		return TUI_REDRAW;
	}
	tv->cur = (tv->cur + delta + tv->ncodes) % tv->ncodes;
	app->status[0] = '\0';
	trend_load_results(app, tv);
	return TUI_REDRAW;
}

static int act_next_test(tui_app *app, tui_view *v) { return step_test(app, v, 1); }
static int act_prev_test(tui_app *app, tui_view *v) { return step_test(app, v, -1); }

static int scroll_results(tui_view *v, int delta)
{
	trend_view *tv = as_trend(v);
	int page = tv->page > 0 ? tv->page : 1;
	int max = (int)tv->results.n - page;
	tv->scroll += delta;
	if (tv->scroll > max)
		tv->scroll = max;
	if (tv->scroll < 0)
		tv->scroll = 0;
	return TUI_REDRAW;
}

static int act_results_down(tui_app *app, tui_view *v) { (void)app; return scroll_results(v, 1); }
static int act_results_up(tui_app *app, tui_view *v) { (void)app; return scroll_results(v, -1); }

static const tui_binding trend_keys[] = {
	{{'n', TUI_KEY_TAB}, "n/Tab", "the patient's next test", act_next_test},
	{{'p', TUI_KEYCODE(KEY_BTAB)}, "p/Shift-Tab", "the previous test", act_prev_test},
	{{'j', TUI_KEYCODE(KEY_DOWN)}, "j/Down", "older results (scroll the table)", act_results_down},
	{{'k', TUI_KEYCODE(KEY_UP)}, "k/Up", "newer results", act_results_up},
	{{0}, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ drawing */

/* The table's columns: date, value, unit, flag, reference range. */
#define LT_DATE_W 10
#define LT_VALUE_W 7
#define LT_UNIT_W 7
#define LT_FLAG_W 2
#define LT_RANGE_W 11
#define LT_TABLE_W (LT_DATE_W + 1 + LT_VALUE_W + 1 + LT_UNIT_W + 1 + LT_FLAG_W + 1 + LT_RANGE_W)
/* Below this width the plot goes under the table instead of beside it. */
#define LT_SIDE_BY_SIDE_W 76

static bool flag_is_abnormal(const char *flag)
{
	return *flag && strcmp(flag, "N") != 0;
}

/* Decimals for a test's numbers: those its reference limits are written
 * with (an A1c range 4.0-5.6 makes 7 read "7.0"), or more if needed. */
static int range_decimals(bool has_low, double low, bool has_high, double high)
{
	int d = 0;
	if (has_low && decimals_of(low) > d)
		d = decimals_of(low);
	if (has_high && decimals_of(high) > d)
		d = decimals_of(high);
	return d;
}

static void format_range(const tui_app *app, bool has_low, double low, bool has_high, double high,
                         const char *text, char *buf, size_t n)
{
	int d = range_decimals(has_low, low, has_high, high);
	if (has_low && has_high)
		snprintf(buf, n, "%.*f-%.*f", d, low, d, high);
	else if (has_low)
		snprintf(buf, n, "%s%.*f", deco(app, "\xe2\x89\xa5", ">="), d, low);
	else if (has_high)
		snprintf(buf, n, "%s%.*f", deco(app, "\xe2\x89\xa4", "<="), d, high);
	else
		snprintf(buf, n, "%s", text ? text : "");
}

static void format_value(const emr_observation *o, char *buf, size_t n)
{
	if (!o->has_value) {
		snprintf(buf, n, "%s", o->value_text);
		return;
	}
	int d = range_decimals(o->has_low, o->ref_low, o->has_high, o->ref_high);
	if (decimals_of(o->value) > d)
		d = decimals_of(o->value);
	snprintf(buf, n, "%.*f", d, o->value);
}

/* The range the plot marks: the latest result's (what the lab reports
 * now), else the code table's default. */
static void plot_range(const trend_view *tv, emr_plot_opts *o)
{
	for (size_t i = 0; i < tv->results.n; i++) {
		const emr_observation *r = &tv->results.items[i];
		if (r->has_low || r->has_high) {
			o->has_low = r->has_low, o->ref_low = r->ref_low;
			o->has_high = r->has_high, o->ref_high = r->ref_high;
			return;
		}
	}
	if (tv->have_test) {
		o->has_low = tv->test.has_ref_low, o->ref_low = tv->test.ref_low;
		o->has_high = tv->test.has_ref_high, o->ref_high = tv->test.ref_high;
	}
}

static void draw_table(tui_app *app, trend_view *tv, int y, int x, int h, int w)
{
	if (w > LT_TABLE_W)
		w = LT_TABLE_W;
	int cx[5], cw[5] = {LT_DATE_W, LT_VALUE_W, LT_UNIT_W, LT_FLAG_W, LT_RANGE_W};
	cx[0] = x;
	for (int i = 1; i < 5; i++)
		cx[i] = cx[i - 1] + cw[i - 1] + 1;
	attron(A_BOLD);
	tui_text(y, cx[0], cw[0], "Date");
	text_right(y, cx[1], cw[1], "Value");
	tui_text(y, cx[2], cw[2], "Unit");
	tui_text(y, cx[3], cw[3], "Fl");
	tui_text(y, cx[4], x + w - cx[4], "Reference");
	attroff(A_BOLD);
	/* When the results overflow, the last row says which are shown. */
	bool overflow = (int)tv->results.n > h - 1;
	tv->page = h - 1 - overflow > 0 ? h - 1 - overflow : 1;
	scroll_results(&tv->base, 0);
	for (int i = 0; i < tv->page && tv->scroll + i < (int)tv->results.n; i++) {
		const emr_observation *o = &tv->results.items[tv->scroll + i];
		int ry = y + 1 + i;
		char date[16], val[EMR_NAME_MAX], range[96];
		local_when(o->effective_at, date, sizeof date, NULL, 0);
		format_value(o, val, sizeof val);
		format_range(app, o->has_low, o->ref_low, o->has_high, o->ref_high, o->ref_text, range, sizeof range);
		bool abnormal = flag_is_abnormal(o->flag);
		tui_text(ry, cx[0], cw[0], date);
		if (abnormal)
			tui_attr_on(app, TUI_PAIR_ALERT);
		text_right(ry, cx[1], cw[1], val);
		tui_text(ry, cx[3], cw[3], o->flag);
		if (abnormal)
			tui_attr_off(app, TUI_PAIR_ALERT);
		tui_text(ry, cx[2], cw[2], o->unit);
		tui_text(ry, cx[4], x + w - cx[4], range);
	}
	if (overflow) {
		int last = tv->scroll + tv->page;
		char more[80];
		snprintf(more, sizeof more, "%d-%d of %zu results, j/k scroll", tv->scroll + 1,
		         last < (int)tv->results.n ? last : (int)tv->results.n, tv->results.n);
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y + 1 + tv->page, x, w, more);
		tui_attr_off(app, TUI_PAIR_DIM);
	}
}

static void draw_plot(tui_app *app, trend_view *tv, int y, int x, int h, int w)
{
	int n = 0;
	double *t = emr_xcalloc(tv->results.n + 1, sizeof *t);
	double *val = emr_xcalloc(tv->results.n + 1, sizeof *val);
	/* Results come newest first; time runs left to right. */
	for (size_t i = tv->results.n; i-- > 0;) {
		const emr_observation *o = &tv->results.items[i];
		time_t when;
		if (!o->has_value || !emr_instant_parse(o->effective_at, &when))
			continue;
		t[n] = (double)when;
		val[n] = o->value;
		n++;
	}
	emr_plot_opts opts = {
		.width = w - EMR_PLOT_AXIS_W,
		.height = h - 2,
		.ascii = app->plain_ascii,
		.unit = tv->have_test ? tv->test.unit : (tv->results.n ? tv->results.items[0].unit : ""),
	};
	plot_range(tv, &opts);
	emr_plot plot;
	if (opts.width >= 8 && opts.height >= 2 && emr_plot_series(t, val, n, &opts, &plot) == 0) {
		for (int i = 0; i < plot.nlines && i < h; i++)
			tui_text(y + i, x, w, plot.lines[i]);
		emr_plot_free(&plot);
	}
	free(t);
	free(val);
}

static void trend_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	trend_view *tv = as_trend(v);
	draw_title(app, y, x, w, "Lab trend", tv->name);
	draw_footer(app, y + h - 1, x, w, "n/p next/previous test  j/k scroll  F1 help  q back");
	if (tv->ncodes == 0) {
		tui_text(y + 2, x + 2, w - 4, "No laboratory results recorded for this patient.");
		return;
	}
	const char *code = tv->codes[tv->cur].loinc;
	char line[512];
	const char *test_name = tv->have_test ? tv->test.short_name : code;
	attron(A_BOLD);
	int used = tui_text(y + 1, x + 1, w - 2, test_name);
	attroff(A_BOLD);
	snprintf(line, sizeof line, "  LOINC %s  %s  (test %d of %d)", code, tv->have_test ? tv->test.name : "",
	         tv->cur + 1, tv->ncodes);
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + 1, x + 1 + used, w - 2 - used, line);
	tui_attr_off(app, TUI_PAIR_DIM);

	emr_plot_opts ref = {0};
	plot_range(tv, &ref);
	char range[96];
	format_range(app, ref.has_low, ref.ref_low, ref.has_high, ref.ref_high, NULL, range, sizeof range);
	const char *unit = tv->have_test ? tv->test.unit : "";
	if (*range)
		snprintf(line, sizeof line, "Reference range %s %s, marked %s on the plot", range, unit,
		         deco(app, "\xe2\x94\x84\xe2\x94\x84", "- -"));
	else
		snprintf(line, sizeof line, "No reference range for this test");
	tui_text(y + 2, x + 1, w - 2, line);

	if (tv->results.n == 0) {
		tui_text(y + 4, x + 2, w - 4, "No results of this test for this patient.");
		return;
	}
	int by = y + 4, bh = h - 5;   /* the body: between the headers and the footer */
	if (w >= LT_SIDE_BY_SIDE_W) {
		draw_table(app, tv, by, x + 1, bh, LT_TABLE_W);
		int px = x + 1 + LT_TABLE_W + 2;
		draw_plot(app, tv, by, px, bh, x + w - 1 - px);
	} else {
		/* Stacked: the table keeps a few rows, the plot gets the rest. */
		int rows = (int)tv->results.n < 4 ? (int)tv->results.n : 4;
		draw_table(app, tv, by, x + 1, rows + 1, w - 2);
		int py = by + rows + 2;
		draw_plot(app, tv, py, x + 1, by + bh - py, w - 2);
	}
}

static void trend_resume(tui_app *app, tui_view *v)
{
	/* Only the results can have changed under us; the list of tests and
	 * the one shown stay put. */
	trend_load_results(app, as_trend(v));
}

static void trend_destroy(tui_view *v)
{
	trend_view *tv = as_trend(v);
	free(tv->codes);
	emr_list_free(&tv->results);
	free(tv);
}

static const tui_view_ops trend_ops = {
	.name = "Lab trend",
	.keymap = trend_keys,
	.draw = trend_draw,
	.resume = trend_resume,
	.destroy = trend_destroy,
};

const tui_binding *ui_lab_trend_keymap(const char **name)
{
	*name = trend_ops.name;
	return trend_ops.keymap;
}

tui_view *ui_lab_trend_new(tui_app *app, int64_t patient_id, const char *loinc)
{
	trend_view *tv = emr_xcalloc(1, sizeof *tv);
	tv->base.ops = &trend_ops;
	tv->patient_id = patient_id;
	patient_name(app, patient_id, tv->name, sizeof tv->name);
	trend_load(app, tv, loinc);
	return &tv->base;
}
