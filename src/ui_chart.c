/* ui_chart: the chart screen.
 *
 * State, input and drawing are kept apart:
 *   - chart_view holds the loaded chart (emr_chart_load: the view runs no
 *     SQL of its own), what is derived from it once per load (the latest
 *     vital signs, the sparklines, the allergy summary), the focused pane
 *     and each pane's selection and scroll position;
 *   - the actions of chart_keys change that state and return TUI_* flags;
 *     only actions that change the record reload it, so moving around
 *     never touches the database;
 *   - chart_draw() reads the state and paints every cell of its rectangle.
 *
 * The layout (which pane goes where, how many rows each gets) is a pure
 * function of the state and the rectangle, so the actions that need a
 * page size compute the same layout the screen shows. */
#include "emr/ui_chart.h"

#include "emr/ui_billing.h"
#include "emr/billing.h"
#include "emr/chart.h"
#include "emr/codes.h"
#include "emr/perm.h"
#include "emr/plot.h"
#include "emr/ui_forms.h"
#include "emr/ui_note.h"
#include "emr/ui_trends.h"
#include "emr/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- state */

enum pane {
	P_PROBLEMS, P_MEDS, P_ALLERGIES, P_VITALS, P_LABS, P_IMMUNIZATIONS, P_VISITS, P_BILLING, P_COUNT,
};

static const char *const pane_title[P_COUNT] = {
	"Problems", "Medications", "Allergies", "Vitals", "Labs", "Immunizations", "Visits", "Billing",
};

/* The vital signs of the Vitals pane, in the order a clinician reads them. */
enum vital_kind { V_BP, V_PULSE, V_TEMP, V_RESP, V_SPO2, V_WEIGHT, V_HEIGHT, V_BMI, V_COUNT };

static const struct vital_def {
	const char *label;       /* list layout */
	const char *abbrev;      /* flowing layout, where room is short */
	const char *loinc;
	const char *unit;        /* UCUM, as stored */
	int decimals;
} vital_defs[V_COUNT] = {
	[V_BP] = {"BP", "BP", EMR_LOINC_SYSTOLIC, "mm[Hg]", 0},
	[V_PULSE] = {"Pulse", "P", EMR_LOINC_PULSE, "/min", 0},
	[V_TEMP] = {"Temp", "T", EMR_LOINC_TEMP, "Cel", 1},
	[V_RESP] = {"RR", "RR", EMR_LOINC_RESP, "/min", 0},
	[V_SPO2] = {"SpO2", "SpO2", EMR_LOINC_SPO2, "%", 0},
	[V_WEIGHT] = {"Weight", "Wt", EMR_LOINC_WEIGHT, "kg", 1},
	[V_HEIGHT] = {"Height", "Ht", EMR_LOINC_HEIGHT, "cm", 1},
	[V_BMI] = {"BMI", "BMI", EMR_LOINC_BMI, "kg/m2", 1},
};

/* Points in a sparkline: about the ~10 visits the chart reads. */
#define SPARK_POINTS 12
/* Each point is one block element, 3 bytes of UTF-8. */
#define SPARK_BYTES (SPARK_POINTS * 3 + 1)

/* The latest value of one vital sign. */
typedef struct vital_latest {
	int64_t id;                    /* observation id (BP: the systolic) */
	char value[32];                /* "128/82", "36.8" */
	char date[EMR_DATE_LEN];       /* local date it was taken */
	bool flagged;                  /* outside its reference range */
} vital_latest;

/* A visit with charges not yet invoiced (the Billing pane). */
typedef struct billing_visit {
	int64_t encounter_id;
	char date[EMR_DATE_LEN];
	int64_t open_cents;
	int open;                      /* how many open charges */
} billing_visit;


typedef struct chart_view {
	tui_view base;
	int64_t patient_id;
	emr_chart chart;
	bool loaded;
	char error[300];               /* why the chart could not be read */

	/* History (H): every record, retired ones included.  Read only while
	 * history is shown. */
	bool history;
	emr_problems all_problems;
	emr_medications all_meds;
	emr_allergies all_allergies;
	emr_observations all_labs;
	emr_immunizations all_imms;

	/* Procedures (received from other systems), entered-in-error ones
	 * included: after their visit's reason in the Visits pane, and with
	 * history on as rows after the problems (proc_at).  Read with the chart. */
	emr_procedures procedures;

	/* Derived from the chart once per load, so drawing only reads. */
	char allergy_summary[1024];
	int allergy_state;             /* ALLERGY_LISTED, _NKDA, _UNKNOWN */
	vital_latest vital[V_COUNT];
	int vital_kinds[V_COUNT];      /* the kinds that have a value, in order */
	int n_vital_kinds;
	char vitals_date[EMR_DATE_LEN];        /* date of the newest set */
	char spark_bp[SPARK_BYTES], spark_weight[SPARK_BYTES];

	/* Billing (pane 8), read with the chart when the role may see it:
	 * the balance, the open invoices, the visits with open charges. */
	bool billing_allowed;          /* billing or payment role */
	bool has_balance;
	int64_t balance;               /* cents; negative = a credit */
	char billing_error[300];
	emr_invoice_summaries invoices;
	billing_visit *open_visits;
	size_t n_open_visits;

	int focus;                     /* enum pane */
	int sel[P_COUNT];              /* selected row of each pane */
	int top[P_COUNT];              /* first visible row of each pane */
} chart_view;

enum { ALLERGY_LISTED, ALLERGY_NKDA, ALLERGY_UNKNOWN };

static chart_view *as_chart(tui_view *v)
{
	return (chart_view *)v;
}

/* The lists a pane shows: the current ones, or with history everything. */
static const emr_problems *problems_of(const chart_view *cv)
{
	return cv->history ? &cv->all_problems : &cv->chart.problems;
}
static const emr_medications *meds_of(const chart_view *cv)
{
	return cv->history ? &cv->all_meds : &cv->chart.meds;
}
static const emr_allergies *allergies_of(const chart_view *cv)
{
	return cv->history ? &cv->all_allergies : &cv->chart.allergies;
}
static const emr_observations *labs_of(const chart_view *cv)
{
	return cv->history ? &cv->all_labs : &cv->chart.labs;
}
static const emr_immunizations *imms_of(const chart_view *cv)
{
	return cv->history ? &cv->all_imms : &cv->chart.immunizations;
}
/* With history on, the Problems pane lists the procedures (received from
 * other systems) after the problems, as past surgical history: row i is
 * a procedure when it is past the problems.  NULL for a problem's row. */
static const emr_procedure *proc_at(const chart_view *cv, int i)
{
	int np = (int)problems_of(cv)->n;
	if (!cv->history || i < np || i - np >= (int)cv->procedures.n)
		return NULL;
	return &cv->procedures.items[i - np];
}

static int pane_count(const chart_view *cv, int p)
{
	switch (p) {
	case P_PROBLEMS: return (int)problems_of(cv)->n + (cv->history ? (int)cv->procedures.n : 0);
	case P_MEDS: return (int)meds_of(cv)->n;
	case P_ALLERGIES: return (int)allergies_of(cv)->n;
	case P_VITALS: return cv->n_vital_kinds;
	case P_LABS: return (int)labs_of(cv)->n;
	case P_IMMUNIZATIONS: return (int)imms_of(cv)->n;
	case P_VISITS: return (int)cv->chart.visits.n;
	case P_BILLING:
		return cv->billing_allowed ? 1 + (int)cv->invoices.n + (int)cv->n_open_visits : 0;
	}
	return 0;
}

/* The id of the record at row i of pane p (for vitals: the kind), so a
 * selection survives a reload that adds or removes rows above it. */
static int64_t pane_row_id(const chart_view *cv, int p, int i)
{
	if (i < 0 || i >= pane_count(cv, p))
		return -1;
	switch (p) {
	case P_PROBLEMS: return proc_at(cv, i) ? -2 - proc_at(cv, i)->id : problems_of(cv)->items[i].id;
	case P_MEDS: return meds_of(cv)->items[i].id;
	case P_ALLERGIES: return allergies_of(cv)->items[i].id;
	case P_VITALS: return cv->vital_kinds[i];
	case P_LABS: return labs_of(cv)->items[i].id;
	case P_IMMUNIZATIONS: return imms_of(cv)->items[i].id;
	case P_VISITS: return cv->chart.visits.items[i].id;
	case P_BILLING:
		/* The balance line, then invoices (even ids), then visits (odd). */
		if (i == 0)
			return 0;
		if (i - 1 < (int)cv->invoices.n)
			return 2 * cv->invoices.items[i - 1].id;
		return 2 * cv->open_visits[i - 1 - (int)cv->invoices.n].encounter_id + 1;
	}
	return -1;
}

/* ------------------------------------------------------- formatting */

/* An instant as the local calendar date the clinician lived it. */
static void local_date(const char *instant, char out[EMR_DATE_LEN])
{
	time_t t;
	struct tm tm;
	if (emr_instant_parse(instant, &t) && localtime_r(&t, &tm))
		strftime(out, EMR_DATE_LEN, "%Y-%m-%d", &tm);
	else
		emr_strlcpy(out, instant, EMR_DATE_LEN);
}

/* A number with at most `decimals` decimals and no trailing zeros:
 * 178.0 -> "178", 36.80 -> "36.8". */
static void fmt_num(double v, int decimals, char *buf, size_t n)
{
	snprintf(buf, n, "%.*f", decimals, v);
	if (decimals > 0 && strchr(buf, '.')) {
		char *end = buf + strlen(buf) - 1;
		while (*end == '0')
			*end-- = '\0';
		if (*end == '.')
			*end = '\0';
	}
}

/* A lab value: "%.6g" keeps 0.005 and 1234.5 exact without padding. */
static void fmt_obs_value(const emr_observation *o, char *buf, size_t n)
{
	if (o->has_value)
		snprintf(buf, n, "%.6g", o->value);
	else
		emr_strlcpy(buf, o->value_text, n);
}

static bool flag_abnormal(const char *flag)
{
	return *flag && strcmp(flag, "N") != 0;
}

/* ---------------------------------------------------------- loading */

static void free_history(chart_view *cv)
{
	emr_list_free(&cv->all_problems);
	emr_list_free(&cv->all_meds);
	emr_list_free(&cv->all_allergies);
	emr_list_free(&cv->all_labs);
	emr_list_free(&cv->all_imms);
}

/* History is read only while it is shown: most visits never need it. */
static int load_history(tui_app *app, chart_view *cv)
{
	free_history(cv);
	int64_t id = cv->patient_id;
	if (emr_problem_list(app->db, id, EMR_ALL, &cv->all_problems) != 0 ||
	    emr_medication_list(app->db, id, EMR_ALL, &cv->all_meds) != 0 ||
	    emr_allergy_list(app->db, id, EMR_ALL, &cv->all_allergies) != 0 ||
	    emr_observation_list(app->db, id, NULL, "lab", EMR_ALL, EMR_CHART_LABS, &cv->all_labs) != 0 ||
	    emr_immunization_list(app->db, id, EMR_ALL, &cv->all_imms) != 0) {
		tui_error(app, "Reading the history: %s", emr_db_error(app->db));
		free_history(cv);
		return -1;
	}
	return 0;
}

/* A sparkline of one vital sign, oldest to newest, from the newest-first
 * rows the chart read. */
static void derive_spark(const chart_view *cv, const char *loinc, bool ascii, char *out, size_t n)
{
	double values[SPARK_POINTS];
	int count = 0;
	for (size_t i = 0; i < cv->chart.vitals.n && count < SPARK_POINTS; i++) {
		const emr_observation *o = &cv->chart.vitals.items[i];
		if (strcmp(o->loinc, loinc) == 0 && o->has_value)
			values[count++] = o->value;
	}
	out[0] = '\0';
	if (count < 2)   /* one point is not a trend */
		return;
	for (int i = 0; i < count / 2; i++) {
		double t = values[i];
		values[i] = values[count - 1 - i];
		values[count - 1 - i] = t;
	}
	emr_sparkline(values, count, ascii, out, n);
}

static void derive_vitals(chart_view *cv)
{
	memset(cv->vital, 0, sizeof cv->vital);
	cv->n_vital_kinds = 0;
	cv->vitals_date[0] = '\0';
	const emr_observations *vs = &cv->chart.vitals;
	if (vs->n)
		local_date(vs->items[0].effective_at, cv->vitals_date);
	for (int k = 0; k < V_COUNT; k++) {
		const struct vital_def *d = &vital_defs[k];
		vital_latest *vl = &cv->vital[k];
		for (size_t i = 0; i < vs->n; i++) {
			const emr_observation *o = &vs->items[i];
			if (strcmp(o->loinc, d->loinc) != 0 || !o->has_value)
				continue;
			vl->id = o->id;
			vl->flagged = flag_abnormal(o->flag);
			local_date(o->effective_at, vl->date);
			fmt_num(o->value, d->decimals, vl->value, sizeof vl->value);
			if (k == V_WEIGHT && o->value < 10)   /* an infant's grams matter */
				fmt_num(o->value, 3, vl->value, sizeof vl->value);
			if (k == V_BP) {
				/* The diastolic taken with it: same panel, else same time. */
				for (size_t j = 0; j < vs->n; j++) {
					const emr_observation *q = &vs->items[j];
					if (strcmp(q->loinc, EMR_LOINC_DIASTOLIC) != 0 || !q->has_value)
						continue;
					if (o->panel_id ? q->panel_id == o->panel_id : strcmp(q->effective_at, o->effective_at) == 0) {
						char dia[16];
						fmt_num(q->value, 0, dia, sizeof dia);
						size_t len = strlen(vl->value);
						snprintf(vl->value + len, sizeof vl->value - len, "/%s", dia);
						vl->flagged = vl->flagged || flag_abnormal(q->flag);
						break;
					}
				}
			}
			cv->vital_kinds[cv->n_vital_kinds++] = k;
			break;
		}
	}
}

static void derive(tui_app *app, chart_view *cv)
{
	emr_chart_allergy_summary(&cv->chart, cv->allergy_summary, sizeof cv->allergy_summary);
	/* Any allergy outweighs NKDA (which is about drugs only); no entry at
	 * all is a gap to close, not reassurance. */
	cv->allergy_state = ALLERGY_UNKNOWN;
	for (size_t i = 0; i < cv->chart.allergies.n; i++) {
		if (!cv->chart.allergies.items[i].is_nkda) {
			cv->allergy_state = ALLERGY_LISTED;
			break;
		}
		cv->allergy_state = ALLERGY_NKDA;
	}
	derive_vitals(cv);
	derive_spark(cv, EMR_LOINC_SYSTOLIC, app->plain_ascii, cv->spark_bp, sizeof cv->spark_bp);
	derive_spark(cv, EMR_LOINC_WEIGHT, app->plain_ascii, cv->spark_weight, sizeof cv->spark_weight);
}

static void clamp_pane(chart_view *cv, int p, int rows)
{
	int n = pane_count(cv, p);
	if (cv->sel[p] >= n)
		cv->sel[p] = n - 1;
	if (cv->sel[p] < 0)
		cv->sel[p] = 0;
	if (rows < 1)
		rows = 1;
	if (cv->sel[p] < cv->top[p])
		cv->top[p] = cv->sel[p];
	if (cv->sel[p] >= cv->top[p] + rows)
		cv->top[p] = cv->sel[p] - rows + 1;
	if (cv->top[p] > n - rows)
		cv->top[p] = n - rows;
	if (cv->top[p] < 0)
		cv->top[p] = 0;
}

/* Finds row `id` in pane p again after a reload (else keeps the index). */
static void reselect(chart_view *cv, int p, int64_t id)
{
	int n = pane_count(cv, p);
	for (int i = 0; i < n; i++)
		if (pane_row_id(cv, p, i) == id) {
			cv->sel[p] = i;
			return;
		}
}

static void free_billing(chart_view *cv)
{
	emr_invoice_summaries_free(&cv->invoices);
	free(cv->open_visits);
	cv->open_visits = NULL;
	cv->n_open_visits = 0;
	cv->has_balance = false;
	cv->billing_error[0] = '\0';
}

/* True when the chart lists visit id as entered in error (its charges
 * are not offered for billing). */
static bool visit_in_error(const chart_view *cv, int64_t id)
{
	for (size_t i = 0; i < cv->chart.visits.n; i++)
		if (cv->chart.visits.items[i].id == id)
			return strcmp(cv->chart.visits.items[i].status, "entered-in-error") == 0;
	return false;
}

/* The Billing pane's rows.  Only for a role that bills or takes payments
 * (asked silently: opening a chart is not an attempt to bill); the visits
 * with open charges only for billing. */
static void read_billing(tui_app *app, chart_view *cv)
{
	free_billing(cv);
	bool bill = emr_perm_allowed(app->db, EMR_PERM_BILLING);
	cv->billing_allowed = bill || emr_perm_allowed(app->db, EMR_PERM_PAYMENT);
	if (!cv->billing_allowed)
		return;
	emr_charges charges = {0};
	if (emr_balance(app->db, cv->patient_id, &cv->balance) != 0 ||
	    emr_invoice_list(app->db, cv->patient_id, true, &cv->invoices) != 0 ||
	    (bill && emr_charge_list_patient(app->db, cv->patient_id, &charges) != 0)) {
		snprintf(cv->billing_error, sizeof cv->billing_error, "%s", emr_db_error(app->db));
		emr_invoice_summaries_free(&cv->invoices);
		return;
	}
	cv->has_balance = true;
	/* One query for every charge; the open ones grouped by visit, newest
	 * visit first (the list comes oldest first). */
	for (size_t i = charges.n; i-- > 0;) {
		const emr_charge *c = &charges.items[i];
		if (strcmp(c->status, "open") != 0 || visit_in_error(cv, c->encounter_id))
			continue;
		billing_visit *bv = cv->n_open_visits ? &cv->open_visits[cv->n_open_visits - 1] : NULL;
		if (!bv || bv->encounter_id != c->encounter_id) {
			cv->open_visits = emr_xrealloc(cv->open_visits, (cv->n_open_visits + 1) * sizeof *cv->open_visits);
			bv = &cv->open_visits[cv->n_open_visits++];
			memset(bv, 0, sizeof *bv);
			bv->encounter_id = c->encounter_id;
			emr_strlcpy(bv->date, c->service_date, sizeof bv->date);
		}
		bv->open_cents += c->amount_cents;
		bv->open++;
	}
	emr_charges_free(&charges);
}

/* Rows pane p shows on the current screen (see the layout below). */
static int pane_rows(const chart_view *cv, int p);
static const char *restricted_text(const tui_app *app);

/* Reads the chart again: after opening it, after a change, on resume. */
static void chart_reload(tui_app *app, chart_view *cv)
{
	int64_t keep[P_COUNT];
	for (int p = 0; p < P_COUNT; p++)
		keep[p] = pane_row_id(cv, p, cv->sel[p]);
	emr_chart_free(&cv->chart);
	free_history(cv);
	emr_list_free(&cv->procedures);
	if (emr_chart_load(app->db, cv->patient_id, &cv->chart) != 0) {
		cv->loaded = false;
		snprintf(cv->error, sizeof cv->error, "%s", emr_db_error(app->db));
		tui_error(app, "Could not read the chart: %s", cv->error);
		cv->n_vital_kinds = 0;
		return;
	}
	cv->loaded = true;
	cv->error[0] = '\0';
	if (cv->history && load_history(app, cv) != 0)
		cv->history = false;
	derive(app, cv);
	read_billing(app, cv);
	if (!cv->chart.restricted && emr_procedure_list(app->db, cv->patient_id, EMR_ALL, &cv->procedures) != 0) {
		tui_error(app, "Reading the procedures: %s", emr_db_error(app->db));
		emr_list_free(&cv->procedures);
	}

	/* The status line names the patient whose chart is open. */
	const emr_patient *pt = &cv->chart.patient;
	char name[EMR_NAME_MAX * 3 + 8];
	emr_patient_display_name(pt, name, sizeof name);
	app->patient_id = cv->patient_id;
	char label[sizeof name + 64];
	snprintf(label, sizeof label, "%s  %s  %s", name, cv->chart.age, pt->mrn);
	emr_strlcpy(app->patient_label, label, sizeof app->patient_label);   /* on a UTF-8 boundary */

	for (int p = 0; p < P_COUNT; p++) {
		reselect(cv, p, keep[p]);
		clamp_pane(cv, p, pane_rows(cv, p));
	}
}

/* ------------------------------------------------------------ layout */

typedef struct prect {
	int y, x, h, w;                /* h counts the title row; 0 = not shown */
} prect;

typedef struct chart_layout {
	int header_rows;               /* 0-2 */
	int footer_y;                  /* -1: no footer */
	prect pane[P_COUNT];
	bool vitals_flow;              /* vitals flow across lines (short pane) */
	int body_y, body_h;            /* the rows of the panes */
	int ncols;
	int col_x[3], col_w[3];
	int col_end[3];                /* first row below a column's panes */
} chart_layout;

/* Columns of panes, in Tab order, so focus moves down then across. */
static const int two_columns[2][5] = {
	{P_PROBLEMS, P_MEDS, P_ALLERGIES, -1},
	{P_VITALS, P_LABS, P_IMMUNIZATIONS, P_VISITS, -1},
};
/* Two columns have no room for an eighth pane: while Billing has the
 * focus it takes the place of Immunizations, beside the Visits it bills
 * (what the patient owes is in the header all the time). */
static const int two_columns_billing[2][5] = {
	{P_PROBLEMS, P_MEDS, P_ALLERGIES, -1},
	{P_VITALS, P_LABS, P_BILLING, P_VISITS, -1},
};
static const int three_columns[3][5] = {
	{P_PROBLEMS, P_MEDS, -1},
	{P_ALLERGIES, P_VITALS, P_LABS, -1},
	{P_IMMUNIZATIONS, P_VISITS, P_BILLING, -1},
};
static const int one_column[1][9] = {
	{P_PROBLEMS, P_MEDS, P_ALLERGIES, P_VITALS, P_LABS, P_IMMUNIZATIONS, P_VISITS, P_BILLING, -1},
};

/* One vital sign as a cell of the flowing layout: "BP 128/82 mm[Hg]". */
static void vital_cell(const chart_view *cv, int k, char *buf, size_t n)
{
	const vital_latest *vl = &cv->vital[k];
	snprintf(buf, n, "%s %s %s", vital_defs[k].abbrev, vl->value, vital_defs[k].unit);
}

/* Sparkline columns inside a flowing vitals cell. */
#define FLOW_SPARK 8

static int vital_cell_width(const chart_view *cv, int k)
{
	char buf[96];
	vital_cell(cv, k, buf, sizeof buf);
	int w = emr_display_width(buf);
	const char *spark = k == V_BP ? cv->spark_bp : k == V_WEIGHT ? cv->spark_weight : "";
	int sw = emr_display_width(spark);
	if (sw)
		w += 1 + (sw < FLOW_SPARK ? sw : FLOW_SPARK);
	if (strcmp(cv->vital[k].date, cv->vitals_date) != 0)
		w += 1 + 2 + EMR_DATE_LEN - 1;   /* " (2025-03-01)" */
	return w;
}

/* Where each cell of the flowing vitals goes: line and column. */
static int flow_place(const chart_view *cv, int width, int *line_out, int *col_out)
{
	int line = 0, col = 0;
	for (int i = 0; i < cv->n_vital_kinds; i++) {
		int cw = vital_cell_width(cv, cv->vital_kinds[i]);
		if (col > 0 && col + 2 + cw > width) {
			line++;
			col = 0;
		} else if (col > 0) {
			col += 2;
		}
		line_out[i] = line;
		col_out[i] = col;
		col += cw;
	}
	return cv->n_vital_kinds ? line + 1 : 0;
}

/* Shares a column's rows among its panes: each gets its title and at
 * least one row, then rows go round-robin to the panes with more to show,
 * so a long lab list cannot squeeze the problem list out of sight. */
static int layout_column(const chart_view *cv, const int *panes, int y, int x, int h, int w, chart_layout *out)
{
	int np = 0;
	while (panes[np] >= 0)
		np++;
	int avail = h - np;
	int want[8], min[8], roomy[8], alloc[8] = {0};
	for (int i = 0; i < np; i++) {
		int p = panes[i];
		int n = pane_count(cv, p);
		want[i] = n > 0 ? n : 1;
		min[i] = 1;
		/* Spare rows let each medication put its directions on a line
		 * of their own instead of cutting both in half. */
		roomy[i] = p == P_MEDS ? 2 * want[i] : want[i];
		if (p == P_VITALS && n > 0) {
			/* One vital sign per line when the column has room for it
			 * and a few rows for each neighbour; else they flow. */
			bool list = avail >= n + 3 * (np - 1);
			out->vitals_flow = !list;
			if (!list) {
				int lines[V_COUNT], cols[V_COUNT];
				want[i] = min[i] = flow_place(cv, w, lines, cols);
			} else {
				min[i] = n;
			}
		}
	}
	for (int phase = 0; phase < 2 && avail > 0; phase++) {
		const int *target = phase == 0 ? min : want;
		bool progress = true;
		while (avail > 0 && progress) {
			progress = false;
			for (int i = 0; i < np && avail > 0; i++)
				if (alloc[i] < target[i]) {
					alloc[i]++;
					avail--;
					progress = true;
				}
		}
	}
	/* The roomy form only when all of it fits: half of it helps nobody. */
	for (int i = 0; i < np; i++)
		if (roomy[i] > alloc[i] && avail >= roomy[i] - alloc[i]) {
			avail -= roomy[i] - alloc[i];
			alloc[i] = roomy[i];
		}
	if (avail > 0 && np > 0)
		alloc[np - 1] += avail;   /* what is left stays blank at the bottom */
	int row = y;
	for (int i = 0; i < np; i++) {
		prect *r = &out->pane[panes[i]];
		int rows = 1 + alloc[i];
		if (row >= y + h) {
			*r = (prect){row, x, 0, w};
			continue;
		}
		if (row + rows > y + h)
			rows = y + h - row;
		*r = (prect){row, x, rows, w};
		row += rows;
	}
	return row < y + h ? row : y + h;
}

static void layout_compute(const chart_view *cv, int y, int x, int h, int w, chart_layout *out)
{
	memset(out, 0, sizeof *out);
	out->header_rows = h < 2 ? h : 2;
	out->footer_y = h >= 8 ? y + h - 1 : -1;
	int by = y + out->header_rows;
	int bh = h - out->header_rows - (out->footer_y >= 0 ? 1 : 0);
	out->body_y = by;
	out->body_h = bh > 0 ? bh : 0;
	if (bh <= 0 || w <= 0)
		return;
	int ncols = w >= 150 ? 3 : w >= 40 ? 2 : 1;
	out->ncols = ncols;
	int gap = 1;
	int base = (w - gap * (ncols - 1)) / ncols;
	int extra = (w - gap * (ncols - 1)) % ncols;
	int cx = x;
	for (int c = 0; c < ncols; c++) {
		int cw = base + (c < extra ? 1 : 0);
		const int *panes = ncols == 3   ? three_columns[c]
		                   : ncols == 2 ? (cv->focus == P_BILLING ? two_columns_billing[c] : two_columns[c])
		                                : one_column[c];
		out->col_x[c] = cx;
		out->col_w[c] = cw;
		out->col_end[c] = layout_column(cv, panes, by, cx, bh, cw, out);
		cx += cw + gap;
	}
}

/* The rectangle tui gives the top view (below the title line, above the
 * status line), for actions that need a page size between paints.  The
 * drawing clamps again, so a mismatch can only cost a scroll step. */
static void layout_for_screen(const chart_view *cv, chart_layout *out)
{
	layout_compute(cv, 1, 0, LINES - 2, COLS, out);
}

/* Medications take two lines each (name, then directions) when the pane
 * has the rows for all of them. */
static bool meds_two_line(const chart_view *cv, int rows)
{
	int n = pane_count(cv, P_MEDS);
	return n > 0 && rows >= 2 * n;
}

static int pane_rows(const chart_view *cv, int p)
{
	chart_layout l;
	layout_for_screen(cv, &l);
	int rows = l.pane[p].h - 1;
	if (p == P_VITALS && l.vitals_flow)
		return cv->n_vital_kinds;   /* every cell is on screen at once */
	if (p == P_MEDS && meds_two_line(cv, rows))
		return pane_count(cv, p);
	return rows > 0 ? rows : 1;
}

/* ----------------------------------------------------------- actions */

static int act_cycle_pane(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int step = app->last_key == TUI_KEYCODE(KEY_BTAB) ? P_COUNT - 1 : 1;
	cv->focus = (cv->focus + step) % P_COUNT;
	return TUI_REDRAW;
}

static int act_focus_digit(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int p = app->last_key - '1';
	if (p >= 0 && p < P_COUNT)
		cv->focus = p;
	return TUI_REDRAW;
}

static int move_sel(chart_view *cv, int delta, bool page)
{
	int p = cv->focus;
	int rows = pane_rows(cv, p);
	cv->sel[p] += page ? delta * rows : delta;
	if (page)
		cv->top[p] += delta * rows;
	clamp_pane(cv, p, rows);
	return TUI_REDRAW;
}

static int act_move(tui_app *app, tui_view *v)
{
	int k = app->last_key;
	return move_sel(as_chart(v), k == 'k' || k == TUI_KEYCODE(KEY_UP) ? -1 : 1, false);
}

static int act_page(tui_app *app, tui_view *v)
{
	return move_sel(as_chart(v), app->last_key == TUI_KEYCODE(KEY_PPAGE) ? -1 : 1, true);
}

static int act_ends(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int k = app->last_key;
	bool bottom = k == 'G' || k == TUI_KEYCODE(KEY_END);
	cv->sel[cv->focus] = bottom ? pane_count(cv, cv->focus) - 1 : 0;
	clamp_pane(cv, cv->focus, pane_rows(cv, cv->focus));
	return TUI_REDRAW;
}

/* The selected row of the focused pane, or -1 with a message. */
/* A procedure row (history on) is read only here. */
static int refuse_procedure(tui_app *app, const emr_procedure *pc)
{
	tui_message(app, "Procedure %lld came from another system: mark it in error with"
	            " emr procedure retire %lld --reason TEXT", (long long)pc->id, (long long)pc->id);
	return TUI_REDRAW;
}

static int selected_row(tui_app *app, const chart_view *cv)
{
	int n = pane_count(cv, cv->focus);
	if (!cv->loaded || n == 0) {
		tui_message(app, "Nothing selected: the %s pane is empty", pane_title[cv->focus]);
		return -1;
	}
	return cv->sel[cv->focus] < n ? cv->sel[cv->focus] : n - 1;
}

static int act_add(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int64_t id = cv->patient_id;
	tui_view *form = NULL;
	switch (cv->focus) {
	case P_PROBLEMS: form = ui_form_problem_new(app, id, 0); break;
	case P_MEDS: form = ui_form_medication_new(app, id, 0); break;
	case P_ALLERGIES: form = ui_form_allergy_new(app, id, 0); break;
	case P_VITALS: form = ui_form_vitals_new(app, id); break;
	case P_LABS: form = ui_form_lab_new(app, id); break;
	case P_IMMUNIZATIONS: form = ui_form_immunization_new(app, id); break;
	case P_VISITS:
		tui_message(app, "Visits arrive with their notes: v starts one");
		return TUI_REDRAW;
	case P_BILLING:
		tui_message(app, "Charges are added on a visit's charge screen: $ opens it");
		return TUI_REDRAW;
	}
	tui_push(app, form);
	return TUI_REDRAW;
}

/* The visit row i of the Billing pane stands for, 0 for the balance. */
static int64_t billing_row_visit(const chart_view *cv, int i)
{
	if (i <= 0)
		return 0;
	if (i - 1 < (int)cv->invoices.n)
		return cv->invoices.items[i - 1].encounter_id;
	if (i - 1 - (int)cv->invoices.n < (int)cv->n_open_visits)
		return cv->open_visits[i - 1 - (int)cv->invoices.n].encounter_id;
	return 0;
}

/* $: the charge screen of the selected visit (Visits pane), or of the
 * visit of the selected invoice or open charges (Billing pane). */
static int act_charges(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int64_t enc = 0;
	if (cv->focus == P_VISITS) {
		int i = selected_row(app, cv);
		if (i < 0)
			return TUI_REDRAW;
		enc = cv->chart.visits.items[i].id;
	} else if (cv->focus == P_BILLING) {
		enc = billing_row_visit(cv, cv->sel[P_BILLING]);
		if (!enc) {
			tui_message(app, "Select an invoice or a visit with open charges, or use $ in the Visits pane (7)");
			return TUI_REDRAW;
		}
	} else {
		tui_message(app, "$ opens a visit's charges: go to the Visits pane (7) first");
		return TUI_REDRAW;
	}
	tui_push(app, ui_charges_new(app, cv->patient_id, enc));
	return TUI_REDRAW;
}

/* Enter in the Billing pane: an invoice shows, a visit's charges open. */
static int act_billing_open(tui_app *app, chart_view *cv)
{
	int i = cv->sel[P_BILLING];
	if (!cv->billing_allowed) {
		tui_message(app, "%s", "Billing is not available to this role");
		return TUI_REDRAW;
	}
	if (i >= 1 && i - 1 < (int)cv->invoices.n) {
		tui_push(app, ui_invoice_new(app, cv->invoices.items[i - 1].id));
		return TUI_REDRAW;
	}
	if (billing_row_visit(cv, i))
		return act_charges(app, &cv->base);
	tui_message(app, "Enter on an invoice shows it; $ on a visit (7) opens its charges");
	return TUI_REDRAW;
}

/* Retired records stay visible with history on, but are not edited:
 * the correction is a new record. */
static bool refuse_retired(tui_app *app, const char *status)
{
	if (strcmp(status, "entered-in-error") != 0)
		return false;
	tui_message(app, "That record was entered in error; add a corrected one instead (a)");
	return true;
}

static int act_edit(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int i = selected_row(app, cv);
	if (i < 0)
		return TUI_REDRAW;
	int64_t pid = cv->patient_id;
	tui_view *form = NULL;
	switch (cv->focus) {
	case P_PROBLEMS:
		if (proc_at(cv, i))
			return refuse_procedure(app, proc_at(cv, i));
		if (!refuse_retired(app, problems_of(cv)->items[i].status))
			form = ui_form_problem_new(app, pid, problems_of(cv)->items[i].id);
		break;
	case P_MEDS:
		if (!refuse_retired(app, meds_of(cv)->items[i].status))
			form = ui_form_medication_new(app, pid, meds_of(cv)->items[i].id);
		break;
	case P_ALLERGIES:
		if (!refuse_retired(app, allergies_of(cv)->items[i].status))
			form = ui_form_allergy_new(app, pid, allergies_of(cv)->items[i].id);
		break;
	case P_VISITS:
		/* A visit is changed through its note. */
		return ui_visit_open(app, cv->chart.visits.items[i].id);
	case P_BILLING:
		return act_billing_open(app, cv);
	default:
		/* Measurements are not rewritten: the audit trail shows what
		 * was recorded, and the correction beside it. */
		tui_message(app, "%s are not edited: mark the wrong one in error (x) and add the right one (a)",
		            pane_title[cv->focus]);
		return TUI_REDRAW;
	}
	tui_push(app, form);
	return TUI_REDRAW;
}

static int act_flowsheet(tui_app *app, tui_view *v)
{
	tui_push(app, ui_flowsheet_new(app, as_chart(v)->patient_id));
	return TUI_REDRAW;
}

static int act_trend(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	const char *loinc = NULL;   /* elsewhere than Labs: the latest test */
	if (cv->focus == P_LABS && pane_count(cv, P_LABS) > 0)
		loinc = labs_of(cv)->items[cv->sel[P_LABS]].loinc;
	tui_push(app, ui_lab_trend_new(app, cv->patient_id, loinc));
	return TUI_REDRAW;
}

/* Enter does the obvious thing for the pane: edit, flowsheet or trend. */
static int act_open(tui_app *app, tui_view *v)
{
	switch (as_chart(v)->focus) {
	case P_VITALS: return act_flowsheet(app, v);
	case P_LABS: return act_trend(app, v);
	default: return act_edit(app, v);
	}
}

/* A vital sign entered in error.  A BP is a systolic/diastolic pair
 * sharing a panel, and the domain layer retires the panel whole, so the
 * systolic's id stands for both. */
static int retire_vital(tui_app *app, chart_view *cv, int kind)
{
	const vital_latest *vl = &cv->vital[kind];
	char what[96];
	snprintf(what, sizeof what, "%s %s %s of %s", vital_defs[kind].label, vl->value, vital_defs[kind].unit, vl->date);
	return ui_retire_record(app, EMR_REC_OBSERVATION, vl->id, what);
}

static int act_retire(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int i = selected_row(app, cv);
	if (i < 0)
		return TUI_REDRAW;
	char what[700], code[40];
	int flags = TUI_REDRAW;
	const char *status = "";
	switch (cv->focus) {
	case P_PROBLEMS: {
		if (proc_at(cv, i))
			return refuse_procedure(app, proc_at(cv, i));
		const emr_problem *pr = &problems_of(cv)->items[i];
		emr_problem_code_text(pr, code, sizeof code);
		snprintf(what, sizeof what, "problem %s %s", code, pr->description);
		status = pr->status;
		if (!refuse_retired(app, status))
			flags = ui_retire_record(app, EMR_REC_PROBLEM, pr->id, what);
		break;
	}
	case P_MEDS: {
		const emr_medication *m = &meds_of(cv)->items[i];
		snprintf(what, sizeof what, "medication %s %s", m->drug, m->strength);
		status = m->status;
		if (!refuse_retired(app, status))
			flags = ui_retire_record(app, EMR_REC_MEDICATION, m->id, what);
		break;
	}
	case P_ALLERGIES: {
		const emr_allergy *a = &allergies_of(cv)->items[i];
		snprintf(what, sizeof what, "allergy %s", a->is_nkda ? "NKDA" : a->substance);
		status = a->status;
		if (!refuse_retired(app, status))
			flags = ui_retire_record(app, EMR_REC_ALLERGY, a->id, what);
		break;
	}
	case P_VITALS:
		flags = retire_vital(app, cv, cv->vital_kinds[i]);
		break;
	case P_LABS: {
		const emr_observation *o = &labs_of(cv)->items[i];
		char val[64], date[EMR_DATE_LEN];
		fmt_obs_value(o, val, sizeof val);
		local_date(o->effective_at, date);
		snprintf(what, sizeof what, "%s %s %s of %s", o->name, val, o->unit, date);
		status = o->status;
		if (!refuse_retired(app, status))
			flags = ui_retire_record(app, EMR_REC_OBSERVATION, o->id, what);
		break;
	}
	case P_IMMUNIZATIONS: {
		const emr_immunization *im = &imms_of(cv)->items[i];
		snprintf(what, sizeof what, "immunization %s of %s", im->vaccine, im->administered_on);
		status = im->status;
		if (!refuse_retired(app, status))
			flags = ui_retire_record(app, EMR_REC_IMMUNIZATION, im->id, what);
		break;
	}
	case P_VISITS:
		tui_message(app, "A visit is corrected through its note (an addendum), not marked in error here");
		return TUI_REDRAW;
	case P_BILLING:
		tui_message(app, "A charge is voided on its visit's charge screen ($, then x)");
		return TUI_REDRAW;
	}
	chart_reload(app, cv);
	return flags | TUI_REDRAW;
}

static int act_resolve(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	if (cv->focus != P_PROBLEMS) {
		tui_message(app, "r resolves a problem: go to the Problems pane (1) first");
		return TUI_REDRAW;
	}
	int i = selected_row(app, cv);
	if (i < 0)
		return TUI_REDRAW;
	if (proc_at(cv, i))
		return refuse_procedure(app, proc_at(cv, i));
	const emr_problem *pr = &problems_of(cv)->items[i];
	if (strcmp(pr->status, "active") != 0) {
		tui_message(app, "That problem is %s already", pr->status);
		return TUI_REDRAW;
	}
	int flags = ui_resolve_problem(app, pr->id);
	chart_reload(app, cv);
	return flags | TUI_REDRAW;
}

static int act_stop(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	if (cv->focus != P_MEDS) {
		tui_message(app, "s stops a medication: go to the Medications pane (2) first");
		return TUI_REDRAW;
	}
	int i = selected_row(app, cv);
	if (i < 0)
		return TUI_REDRAW;
	const emr_medication *m = &meds_of(cv)->items[i];
	if (strcmp(m->status, "active") != 0) {
		tui_message(app, "That medication is %s already", m->status);
		return TUI_REDRAW;
	}
	int flags = ui_stop_medication(app, m->id);
	chart_reload(app, cv);
	return flags | TUI_REDRAW;
}

static int act_vitals(tui_app *app, tui_view *v)
{
	tui_push(app, ui_form_vitals_new(app, as_chart(v)->patient_id));
	return TUI_REDRAW;
}

/* A new visit: its type and reason, then its note in the editor. */
static int act_visit(tui_app *app, tui_view *v)
{
	tui_push(app, ui_visit_new(app, as_chart(v)->patient_id));
	return TUI_REDRAW;
}

static int act_search_notes(tui_app *app, tui_view *v)
{
	tui_push(app, ui_note_search_new(app, as_chart(v)->patient_id));
	return TUI_REDRAW;
}

static int act_print(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	if (!cv->loaded)
		return TUI_REDRAW;
	char today[EMR_DATE_LEN], stem[96];
	emr_today(today);
	snprintf(stem, sizeof stem, "summary-%s-%s", cv->chart.patient.mrn, today);
	return ui_print_to_file(app, EMR_PRINT_SUMMARY, cv->patient_id, stem);
}

static int act_export(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	if (!cv->loaded)
		return TUI_REDRAW;
	char today[EMR_DATE_LEN], stem[96];
	emr_today(today);
	snprintf(stem, sizeof stem, "%s-%s", cv->chart.patient.mrn, today);
	return ui_export_fhir_to_file(app, cv->patient_id, stem);
}

static int act_demographics(tui_app *app, tui_view *v)
{
	tui_push(app, ui_form_patient_new(app, as_chart(v)->patient_id));
	return TUI_REDRAW;
}

static int act_history(tui_app *app, tui_view *v)
{
	chart_view *cv = as_chart(v);
	int64_t keep[P_COUNT];
	for (int p = 0; p < P_COUNT; p++)
		keep[p] = pane_row_id(cv, p, cv->sel[p]);
	cv->history = !cv->history;
	if (cv->history && load_history(app, cv) != 0)
		cv->history = false;
	if (!cv->history)
		free_history(cv);
	for (int p = 0; p < P_COUNT; p++) {
		reselect(cv, p, keep[p]);
		clamp_pane(cv, p, pane_rows(cv, p));
	}
	tui_message(app, cv->history ? "History shown: resolved, stopped and entered-in-error records are marked"
	                             : "Current records only (H shows history)");
	return TUI_REDRAW;
}

static const tui_binding chart_keys[] = {
	{{TUI_KEY_TAB, TUI_KEYCODE(KEY_BTAB)}, "Tab/Shift-Tab", "next / previous pane", act_cycle_pane},
	{{'1', '2', '3', '4'}, "1-4", "Problems, Medications, Allergies, Vitals pane", act_focus_digit},
	{{'5', '6', '7', '8'}, "5-8", "Labs, Immunizations, Visits, Billing pane", act_focus_digit},
	{{'j', TUI_KEYCODE(KEY_DOWN), 'k', TUI_KEYCODE(KEY_UP)}, "j/k Down/Up", "move in the pane", act_move},
	{{TUI_KEYCODE(KEY_NPAGE), TUI_KEYCODE(KEY_PPAGE)}, "PgDn/PgUp", "scroll the pane a page", act_page},
	{{'g', TUI_KEYCODE(KEY_HOME), 'G', TUI_KEYCODE(KEY_END)}, "g/G Home/End", "first / last item", act_ends},
	{{'a'}, "a", "add: problem, medication, allergy, vitals, lab or immunization", act_add},
	{{'e'}, "e", "edit: problem, medication, allergy; visit's note", act_edit},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "open: edit, flowsheet, trend, a visit's note, an invoice", act_open},
	{{'x'}, "x", "mark the selected record entered in error", act_retire},
	{{'r'}, "r", "resolve the selected problem", act_resolve},
	{{'s'}, "s", "stop the selected medication", act_stop},
	{{'v'}, "v", "start a visit (type, reason) and write its note", act_visit},
	{{'$'}, "$", "charges of the selected visit: diagnoses, charges, invoice, payment", act_charges},
	{{'V'}, "V", "record vital signs", act_vitals},
	{{'/'}, "/", "search this patient's notes", act_search_notes},
	{{'p'}, "p", "print the patient summary to ~/emr-prints", act_print},
	{{'X'}, "X", "export the whole chart as FHIR R4 to ~/emr-exports", act_export},
	{{'f'}, "f", "vital signs flowsheet", act_flowsheet},
	{{'t'}, "t", "trend of the selected lab test", act_trend},
	{{'H'}, "H", "show / hide history (resolved, stopped, in error; procedures)", act_history},
	{{'D'}, "D", "edit demographics (name, DOB, phone, address ...)", act_demographics},
	{{0}, NULL, NULL, NULL},
};

/* The footer of each pane names its most useful keys; the key names come
 * from the keymap above, so the footer cannot drift from the bindings. */
typedef struct hint {
	int (*run)(tui_app *, tui_view *);
	const char *label;
} hint;

static const hint pane_hints[P_COUNT][6] = {
	[P_PROBLEMS] = {{act_add, "add"}, {act_edit, "edit"}, {act_resolve, "resolve"}, {act_retire, "in error"}, {act_visit, "visit"}},
	[P_MEDS] = {{act_add, "add"}, {act_edit, "edit"}, {act_stop, "stop"}, {act_retire, "in error"}, {act_visit, "visit"}},
	[P_ALLERGIES] = {{act_add, "add"}, {act_edit, "edit"}, {act_retire, "in error"}, {act_visit, "visit"}},
	[P_VITALS] = {{act_add, "record"}, {act_flowsheet, "flowsheet"}, {act_retire, "in error"}, {act_visit, "visit"}},
	[P_LABS] = {{act_add, "add"}, {act_trend, "trend"}, {act_retire, "in error"}, {act_visit, "visit"}},
	[P_IMMUNIZATIONS] = {{act_add, "add"}, {act_retire, "in error"}, {act_visit, "visit"}},
	[P_VISITS] = {{act_open, "note"}, {act_charges, "charges"}, {act_visit, "new visit"}, {act_search_notes, "search"}},
	[P_BILLING] = {{act_open, "invoice"}, {act_charges, "charges"}, {act_visit, "visit"}},
};

/* ------------------------------------------------------------ drawing */

/* Paints one screen row left to right as fields, so every cell of the row
 * is written (no erase needed) and fields never spill past the row. */
typedef struct line {
	const tui_app *app;
	int y, x, w;
	int col;                       /* columns used so far */
	bool selected;                 /* the whole row reversed */
} line;

static void line_begin(line *ln, const tui_app *app, int y, int x, int w, bool selected)
{
	*ln = (line){app, y, x, w, 0, selected};
	if (selected)
		tui_attr_on(app, TUI_PAIR_SELECT);
}

/* A field width meaning "the rest of the row". */
#define REST 0x7fff

/* Writes s in a field of `width` columns (REST: the rest of the row) in a
 * role (0: plain), left or right aligned; the padding is plain, so an
 * alert colour marks the word and not the empty space. */
static void line_field(line *ln, int width, const char *s, int role, bool right)
{
	int room = ln->w - ln->col;
	if (width > room)
		width = room;
	if (width <= 0)
		return;
	int x0 = ln->x + ln->col, y = ln->y;
	int sw = 0;
	if (right) {
		sw = emr_display_width(s);
		if (sw > width)
			sw = width;
		for (int i = 0; i < width - sw; i++)
			mvaddch(y, x0 + i, ' ');
		x0 += width - sw;
	}
	if (role)
		tui_attr_on(ln->app, role);
	int used;
	if (right) {
		used = tui_text(y, x0, sw, s);
	} else {
		/* Cut text shows that it was cut: "Type 2 diabetes mellitus
		 * with" would otherwise read as a complete, different diagnosis. */
		char *clean = emr_sanitize_dup(s, false);
		if (width >= 2 && emr_display_width(clean) > width) {
			used = tui_text(y, x0, width - 1, clean);
			used += tui_text(y, x0 + used, 1, ln->app->plain_ascii ? ">" : "\xe2\x80\xa6");
		} else {
			used = tui_text(y, x0, width, clean);
		}
		free(clean);
	}
	if (role) {
		tui_attr_off(ln->app, role);
		if (ln->selected)   /* a role's "off" may have cleared the reverse */
			tui_attr_on(ln->app, TUI_PAIR_SELECT);
	}
	/* Pad what the text left: a wide character is never split, so even
	 * a right-aligned value can fall a column short. */
	for (int i = used; i < (right ? sw : width); i++)
		mvaddch(y, x0 + i, ' ');
	ln->col += width;
}

static void line_gap(line *ln)
{
	line_field(ln, 1, "", 0, false);
}

/* Writes s where the row is (width as used), then nothing else. */
static void line_text(line *ln, const char *s, int role)
{
	int room = ln->w - ln->col;
	if (room <= 0)
		return;
	if (role)
		tui_attr_on(ln->app, role);
	int used = tui_text(ln->y, ln->x + ln->col, room, s);
	if (role) {
		tui_attr_off(ln->app, role);
		if (ln->selected)
			tui_attr_on(ln->app, TUI_PAIR_SELECT);
	}
	ln->col += used;
}

/* The last `cols` columns of a sparkline: the newest points. */
static void line_spark(line *ln, const char *spark, int cols)
{
	int total = emr_display_width(spark);
	int skip = total > cols ? total - cols : 0;
	int skipped = 0;
	size_t off = emr_utf8_prefix_for_width(spark, skip, &skipped);
	line_text(ln, spark + off, TUI_PAIR_TITLE);
}

static void line_end(line *ln)
{
	line_field(ln, REST, "", 0, false);
	if (ln->selected)
		tui_attr_off(ln->app, TUI_PAIR_SELECT);
}

/* "Balance 125.00", or "Credit 25.00" when the patient is owed money. */
static void balance_label(int64_t cents, char *buf, size_t n)
{
	char m[32];
	emr_money_format(cents < 0 ? -cents : cents, m, sizeof m);
	snprintf(buf, n, "%s %s", cents < 0 ? "Credit" : "Balance", m);
}

static void draw_header(const tui_app *app, const chart_view *cv, int y, int x, int rows, int w)
{
	line ln;
	if (rows < 1)
		return;
	if (!cv->loaded) {
		line_begin(&ln, app, y, x, w, false);
		line_field(&ln, REST, "Chart not available", TUI_PAIR_ALERT, false);
		line_end(&ln);
		if (rows > 1) {
			line_begin(&ln, app, y + 1, x, w, false);
			line_field(&ln, REST, cv->error, 0, false);
			line_end(&ln);
		}
		return;
	}
	const emr_patient *p = &cv->chart.patient;
	char name[EMR_NAME_MAX * 3 + 8], facts[160];
	emr_patient_display_name(p, name, sizeof name);
	snprintf(facts, sizeof facts, "  %s  %s  DOB %s  MRN %s", cv->chart.age, p->sex, p->dob, p->mrn);
	/* The whole name identifies the patient: on a narrow screen the
	 * labels go before any of the name does. */
	if (emr_display_width(name) + emr_display_width(facts) + 2 > w)
		snprintf(facts, sizeof facts, "  %s %c  %s  %s", cv->chart.age, p->sex[0] ? p->sex[0] - 32 : '?', p->dob,
		         p->mrn);

	line_begin(&ln, app, y, x, w, false);
	line_field(&ln, 1, "", 0, false);
	/* The name yields room to the facts that identify the patient. */
	int fw = emr_display_width(facts);
	int nw = emr_display_width(name);
	int status_w = strcmp(p->status, "active") != 0 ? 24 : 0;
	int name_room = w - 1 - fw - status_w;
	if (name_room < 12)
		name_room = 12;
	line_field(&ln, nw < name_room ? nw : name_room, name, TUI_PAIR_TITLE, false);
	line_text(&ln, facts, 0);
	if (strcmp(p->status, "deceased") == 0) {
		char dec[40];
		snprintf(dec, sizeof dec, "DECEASED %s", p->deceased_date);
		line_text(&ln, "  ", 0);
		line_text(&ln, dec, TUI_PAIR_ALERT);
	} else if (strcmp(p->status, "inactive") == 0) {
		line_text(&ln, "  ", 0);
		line_text(&ln, "INACTIVE", TUI_PAIR_WARN);
	}
	/* What the patient owes (or has in credit), at the right where the
	 * identity leaves room: the Billing pane (8) has the detail. */
	if (cv->has_balance && cv->balance != 0) {
		char bal[64];
		balance_label(cv->balance, bal, sizeof bal);
		int bw = emr_display_width(bal);
		if (w - ln.col - 1 >= bw + 2) {
			line_field(&ln, w - ln.col - 1 - bw, "", 0, false);
			line_field(&ln, bw, bal, cv->balance > 0 ? TUI_PAIR_WARN : TUI_PAIR_OK, false);
		}
	}
	line_end(&ln);
	if (rows < 2)
		return;

	line_begin(&ln, app, y + 1, x, w, false);
	line_field(&ln, 1, "", 0, false);
	if (cv->chart.restricted) {
		line_text(&ln, restricted_text(app), TUI_PAIR_DIM);
	} else if (cv->allergy_state == ALLERGY_UNKNOWN) {
		line_text(&ln, "Allergies not recorded", TUI_PAIR_WARN);
	} else {
		line_text(&ln, "Allergies: ", TUI_PAIR_TITLE);
		int role = cv->allergy_state == ALLERGY_NKDA ? TUI_PAIR_OK : TUI_PAIR_ALERT;
		line_field(&ln, w - ln.col - 1, cv->allergy_summary, role, false);
	}
	line_end(&ln);
}

/* The status of row i of pane p. */
static const char *row_status(const chart_view *cv, int p, int i)
{
	switch (p) {
	case P_PROBLEMS: return proc_at(cv, i) ? proc_at(cv, i)->status : problems_of(cv)->items[i].status;
	case P_MEDS: return meds_of(cv)->items[i].status;
	case P_ALLERGIES: return allergies_of(cv)->items[i].status;
	case P_LABS: return labs_of(cv)->items[i].status;
	case P_IMMUNIZATIONS: return imms_of(cv)->items[i].status;
	case P_VISITS: return cv->chart.visits.items[i].status;
	}
	return "";
}

/* The word that marks a past record in history, "" for a current one.
 * What is current depends on the kind: an immunization is "completed"
 * when given, a medication when its course is over. */
static const char *past_tag(int p, const char *status)
{
	if (strcmp(status, "entered-in-error") == 0)
		return "in error";
	switch (p) {
	case P_PROBLEMS: case P_MEDS: case P_ALLERGIES:
		return strcmp(status, "active") == 0 ? "" : status;
	case P_IMMUNIZATIONS:
		return strcmp(status, "not-done") == 0 ? "not done" : "";
	}
	return "";
}

/* "5 Labs 1-6 of 60" when the pane scrolls, else "1 Problems (3)"; with
 * history on, how many rows are past records: "1 Problems (3 + 2 past)". */
static void pane_title_text(const chart_view *cv, int p, int top, int rows, char *buf, size_t n)
{
	int count = pane_count(cv, p);
	if (p == P_VITALS) {
		snprintf(buf, n, "%d %s%s%s", p + 1, pane_title[p], *cv->vitals_date ? " " : "", cv->vitals_date);
		return;
	}
	if (p == P_BILLING) {
		size_t ni = cv->invoices.n;
		snprintf(buf, n, "%d %s (%zu open invoice%s)", p + 1, pane_title[p], ni, ni == 1 ? "" : "s");
		return;
	}
	if (count > rows && rows > 0) {
		int last = top + rows < count ? top + rows : count;
		snprintf(buf, n, "%d %s %d-%d of %d", p + 1, pane_title[p], top + 1, last, count);
		return;
	}
	if (!cv->history || p == P_VISITS) {
		snprintf(buf, n, "%d %s (%d)", p + 1, pane_title[p], count);
		return;
	}
	int past = 0;
	for (int i = 0; i < count; i++)
		past += *past_tag(p, row_status(cv, p, i)) != '\0';
	snprintf(buf, n, "%d %s (%d + %d past)", p + 1, pane_title[p], count - past, past);
}

/* code_w: the widest code shown; right_w: the onset (or past tag) column. */
/* A procedure's row in the Problems pane (history): its code, "Procedure:"
 * and what was done, and the date it was done (or "in error"). */
static void draw_procedure_row(line *ln, const emr_procedure *pc, int code_w, int right_w)
{
	char code[96], text[EMR_TEXT_MAX + 16], day[EMR_DATE_LEN] = "";
	emr_procedure_code_text(pc, code, sizeof code);
	if (emr_display_width(code) > code_w && strcmp(pc->code, "-") != 0)
		emr_strlcpy(code, pc->code, sizeof code);
	snprintf(text, sizeof text, "Procedure: %s", pc->description);
	local_date(pc->performed_start, day);
	if (right_w < 10)
		day[4] = '\0';
	bool err = strcmp(pc->status, "entered-in-error") == 0;
	line_field(ln, code_w, code, TUI_PAIR_DIM, false);
	line_gap(ln);
	line_field(ln, ln->w - ln->col - right_w - 1, text, TUI_PAIR_DIM, false);
	line_gap(ln);
	line_field(ln, right_w, err ? "in error" : day, TUI_PAIR_DIM, true);
}

static void draw_problem(line *ln, const chart_view *cv, int i, int code_w, int right_w)
{
	if (proc_at(cv, i)) {
		draw_procedure_row(ln, proc_at(cv, i), code_w, right_w);
		return;
	}
	const emr_problem *pr = &problems_of(cv)->items[i];
	char code[40], onset[EMR_DATE_LEN] = "";
	emr_problem_code_text(pr, code, sizeof code);   /* "E11.9", or "SNOMED 44054006" */
	/* A narrow column: a SNOMED CT code alone (ICD-10-CM codes start
	 * with a letter, SNOMED CT's are digits). */
	if (emr_display_width(code) > code_w && !*pr->icd10)
		emr_strlcpy(code, pr->snomed, sizeof code);
	const char *tag = past_tag(P_PROBLEMS, pr->status);
	int dim = *tag ? TUI_PAIR_DIM : 0;
	/* Narrow: the onset year is enough to place a problem in time, and
	 * the description is what must be read. */
	emr_strlcpy(onset, pr->onset_date, right_w >= 10 ? sizeof onset : 5);
	line_field(ln, code_w, code, dim ? dim : TUI_PAIR_TITLE, false);
	line_gap(ln);
	line_field(ln, ln->w - ln->col - right_w - 1, pr->description, dim, false);
	line_gap(ln);
	line_field(ln, right_w, *tag ? tag : onset, TUI_PAIR_DIM, true);
}

/* The directions as the pane shows them: an imported medication's say
 * first that it was prescribed elsewhere, and by whom. */
static void med_sig_text(const emr_medication *m, char *buf, size_t n)
{
	if (m->imported && !m->prescriber_id) {
		char who[256];
		emr_medication_prescriber_text(m, who, sizeof who);
		snprintf(buf, n, "%s%s%s", *who ? who : "outside", *m->sig ? ": " : "", m->sig);
	} else {
		snprintf(buf, n, "%s", m->sig);
	}
}

/* Two lines: the medication, then its directions indented. */
static void draw_med_two_line(const tui_app *app, const chart_view *cv, prect r, int i, bool selected)
{
	const emr_medication *m = &meds_of(cv)->items[i];
	char name[400];
	snprintf(name, sizeof name, "%s%s%s%s%s", m->drug, *m->strength ? " " : "", m->strength, *m->form ? " " : "",
	         m->form);
	const char *tag = past_tag(P_MEDS, m->status);
	int dim = *tag ? TUI_PAIR_DIM : 0;
	int tag_w = *tag ? 9 : 0;
	int y = r.y + 1 + 2 * i;
	line ln;
	line_begin(&ln, app, y, r.x, r.w, selected);
	line_field(&ln, r.w - tag_w, name, dim, false);
	if (tag_w)
		line_field(&ln, tag_w, tag, TUI_PAIR_DIM, true);
	line_end(&ln);
	line_begin(&ln, app, y + 1, r.x, r.w, selected);
	line_field(&ln, 2, "", 0, false);
	char sig[EMR_TEXT_MAX + 300];
	med_sig_text(m, sig, sizeof sig);
	line_field(&ln, REST, *sig ? sig : "(no directions recorded)", TUI_PAIR_DIM, false);
	line_end(&ln);
}

static void draw_med(line *ln, const chart_view *cv, int i, int name_w)
{
	const emr_medication *m = &meds_of(cv)->items[i];
	char name[400];
	snprintf(name, sizeof name, "%s%s%s%s%s", m->drug, *m->strength ? " " : "", m->strength, *m->form ? " " : "",
	         m->form);
	const char *tag = past_tag(P_MEDS, m->status);
	int dim = *tag ? TUI_PAIR_DIM : 0;
	int tag_w = *tag ? 9 : 0;
	line_field(ln, name_w, name, dim, false);
	line_gap(ln);
	char sig[EMR_TEXT_MAX + 300];
	med_sig_text(m, sig, sizeof sig);
	line_field(ln, ln->w - ln->col - tag_w, sig, TUI_PAIR_DIM, false);
	if (tag_w)
		line_field(ln, tag_w, tag, TUI_PAIR_DIM, true);
}

static void draw_allergy(line *ln, const chart_view *cv, int i, int subst_w)
{
	const emr_allergy *a = &allergies_of(cv)->items[i];
	const char *tag = past_tag(P_ALLERGIES, a->status);
	int dim = *tag ? TUI_PAIR_DIM : 0;
	if (a->is_nkda) {
		line_field(ln, ln->w - ln->col - 9, "NKDA (no known drug allergies)", dim ? dim : TUI_PAIR_OK, false);
		line_field(ln, 9, tag, TUI_PAIR_DIM, true);
		return;
	}
	line_field(ln, subst_w, a->substance, dim ? dim : TUI_PAIR_TITLE, false);
	line_gap(ln);
	line_field(ln, ln->w - ln->col - 9, a->reaction, dim, false);
	bool severe = strcmp(a->severity, "severe") == 0;
	line_field(ln, 9, *tag ? tag : a->severity, dim ? dim : severe ? TUI_PAIR_ALERT : 0, true);
}

static void draw_vital_row(line *ln, const chart_view *cv, int i)
{
	int k = cv->vital_kinds[i];
	const vital_latest *vl = &cv->vital[k];
	line_field(ln, 7, vital_defs[k].label, 0, false);
	line_field(ln, 7, vl->value, vl->flagged ? TUI_PAIR_ALERT : 0, true);
	line_gap(ln);
	line_field(ln, 7, vital_defs[k].unit, TUI_PAIR_DIM, false);
	bool old = strcmp(vl->date, cv->vitals_date) != 0;
	int date_w = old ? EMR_DATE_LEN - 1 : 0;
	/* The sparkline sits between the value and an older set's date,
	 * and no wider than its points, so the date stays near its value. */
	int spark_w = ln->w - ln->col - 1 - (old ? date_w + 1 : 0);
	if (spark_w > SPARK_POINTS)
		spark_w = SPARK_POINTS;
	const char *spark = k == V_BP ? cv->spark_bp : k == V_WEIGHT ? cv->spark_weight : "";
	line_gap(ln);
	if (*spark && spark_w > 2) {
		int start = ln->col;
		line_spark(ln, spark, spark_w);
		line_field(ln, spark_w - (ln->col - start), "", 0, false);
	} else {
		line_field(ln, spark_w, "", 0, false);
	}
	if (old) {   /* taken before the latest set (height, often) */
		line_gap(ln);
		line_field(ln, date_w, vl->date, TUI_PAIR_DIM, false);
	}
}

/* Vital signs flowing across short lines: "BP 128/82 mm[Hg] ▂▅▇  P 72 /min". */
static void draw_vitals_flow(const tui_app *app, const chart_view *cv, prect r, int rows, bool focused)
{
	int lines[V_COUNT], cols[V_COUNT];
	flow_place(cv, r.w, lines, cols);
	line ln;
	int i = 0;
	for (int row = 0; row < rows; row++) {
		line_begin(&ln, app, r.y + 1 + row, r.x, r.w, false);
		for (; i < cv->n_vital_kinds && lines[i] == row; i++) {
			int k = cv->vital_kinds[i];
			const vital_latest *vl = &cv->vital[k];
			line_field(&ln, cols[i] - ln.col, "", 0, false);
			bool sel = focused && cv->sel[P_VITALS] == i;
			ln.selected = sel;
			if (sel)
				tui_attr_on(app, TUI_PAIR_SELECT);
			line_text(&ln, vital_defs[k].abbrev, 0);
			line_text(&ln, " ", 0);
			line_text(&ln, vl->value, vl->flagged ? TUI_PAIR_ALERT : 0);
			line_text(&ln, " ", 0);
			line_text(&ln, vital_defs[k].unit, TUI_PAIR_DIM);
			const char *spark = k == V_BP ? cv->spark_bp : k == V_WEIGHT ? cv->spark_weight : "";
			if (*spark) {
				line_text(&ln, " ", 0);
				line_spark(&ln, spark, FLOW_SPARK);
			}
			if (strcmp(vl->date, cv->vitals_date) != 0) {
				char d[EMR_DATE_LEN + 4];
				snprintf(d, sizeof d, " (%s)", vl->date);
				line_text(&ln, d, TUI_PAIR_DIM);
			}
			if (sel)
				tui_attr_off(app, TUI_PAIR_SELECT);
			ln.selected = false;
		}
		line_end(&ln);
	}
}

static void draw_lab(line *ln, const chart_view *cv, int i, bool show_date)
{
	const emr_observation *o = &labs_of(cv)->items[i];
	char date[EMR_DATE_LEN], val[64], name[100];
	local_date(o->effective_at, date);
	fmt_obs_value(o, val, sizeof val);
	bool retired = strcmp(o->status, "entered-in-error") == 0;
	snprintf(name, sizeof name, "%s%s", retired ? "(in error) " : "", o->name);
	int dim = retired ? TUI_PAIR_DIM : 0;
	bool abn = !retired && flag_abnormal(o->flag);
	int name_w = ln->w - 29;
	if (name_w > 18)
		name_w = 18;
	if (name_w < 8)
		name_w = 8;
	line_field(ln, 10, show_date ? date : "", TUI_PAIR_DIM, false);
	line_gap(ln);
	line_field(ln, name_w, name, dim, false);
	line_gap(ln);
	line_field(ln, 6, val, abn ? TUI_PAIR_ALERT : dim, true);
	line_gap(ln);
	/* The flag keeps its place at the end; the unit yields first. */
	int unit_w = ln->w - ln->col - 3;
	if (unit_w > 17)   /* the flag stays beside its value on wide panes */
		unit_w = 17;
	line_field(ln, unit_w, o->unit, TUI_PAIR_DIM, false);
	line_gap(ln);
	line_field(ln, 2, abn ? o->flag : "", TUI_PAIR_ALERT, false);
}

static void draw_imm(line *ln, const chart_view *cv, int i)
{
	const emr_immunization *im = &imms_of(cv)->items[i];
	const char *tag = past_tag(P_IMMUNIZATIONS, im->status);
	char text[EMR_NAME_MAX + 40];
	if (im->dose_number > 0)
		snprintf(text, sizeof text, "%s (dose %d)", im->vaccine, im->dose_number);
	else
		snprintf(text, sizeof text, "%s", im->vaccine);
	int dim = *tag ? TUI_PAIR_DIM : 0;
	line_field(ln, 10, im->administered_on, TUI_PAIR_DIM, false);
	line_gap(ln);
	line_field(ln, ln->w - ln->col - (*tag ? 9 : 0), text, dim, false);
	if (*tag)
		line_field(ln, 9, tag, TUI_PAIR_DIM, true);
}

/* Visit types in six columns, for narrow panes. */
static const char *short_type(const char *type)
{
	if (strcmp(type, "telehealth") == 0)
		return "tele";
	if (strcmp(type, "hospital") == 0)
		return "hosp";
	return type;
}

/* "DT" for "Dana Test": the first letter of each word (up to three). */
static void name_initials(const char *name, char *buf, size_t n)
{
	size_t len = 0;
	int count = 0;
	bool start = true;
	for (const char *p = name; *p && count < 3; p++) {
		if (*p == ' ' || *p == '-' || *p == '.') {
			start = true;
			continue;
		}
		if (!start)
			continue;
		size_t k = 1;   /* one whole UTF-8 character */
		while (p[k] && ((unsigned char)p[k] & 0xC0) == 0x80)
			k++;
		if (len + k + 1 > n)
			break;
		memcpy(buf + len, p, k);
		len += k;
		count++;
		start = false;
		p += k - 1;
	}
	buf[len] = '\0';
}

static void draw_visit(line *ln, const chart_view *cv, int i)
{
	const emr_encounter *e = &cv->chart.visits.items[i];
	char date[EMR_DATE_LEN], reason[EMR_TEXT_MAX + 24 + 600];
	local_date(e->start_at, date);
	bool past = strcmp(e->status, "cancelled") == 0 || strcmp(e->status, "entered-in-error") == 0;
	snprintf(reason, sizeof reason, "%s%s%s%s", past ? "(" : "", past ? e->status : "", past ? ") " : "", e->reason);
	/* The procedures done at the visit (imported ones), after its reason. */
	size_t nproc = 0;
	for (size_t k = 0; k < cv->procedures.n; k++) {
		const emr_procedure *pc = &cv->procedures.items[k];
		if (pc->encounter_id != e->id || strcmp(pc->status, "entered-in-error") == 0)
			continue;
		size_t len = strlen(reason);
		snprintf(reason + len, sizeof reason - len, "%s%s", nproc++ ? ", " : "; procedure: ", pc->description);
	}
	bool wide = ln->w >= 60;
	int dim = past ? TUI_PAIR_DIM : 0;
	line_field(ln, 10, date, TUI_PAIR_DIM, false);
	line_gap(ln);
	line_field(ln, wide ? 10 : 6, wide ? e->type : short_type(e->type), dim, false);
	line_gap(ln);
	/* Who signed, where the reason can spare the room; on a narrow
	 * pane (80 columns) the signer's initials. */
	int signer_w = ln->w >= 50 ? (ln->w - 30) / 2 : ln->w >= 36 ? 3 : 0;
	if (signer_w > 18)
		signer_w = 18;
	line_field(ln, ln->w - ln->col - 7 - (signer_w ? signer_w + 1 : 0), reason, dim, false);
	line_gap(ln);
	const char *note = *e->note_status ? e->note_status : "-";
	int role = strcmp(note, "draft") == 0 ? TUI_PAIR_WARN : strcmp(note, "signed") == 0 ? TUI_PAIR_OK : TUI_PAIR_DIM;
	line_field(ln, 6, note, role, false);
	if (signer_w) {
		/* An imported note was signed where it was written, not by the
		 * user who imported it (the signer on its row). */
		char initials[16] = "", signer[256];
		emr_encounter_signer_text(e, signer, sizeof signer);
		bool at_source = strcmp(signer, EMR_SIGNED_AT_SOURCE) == 0;
		if (signer_w < 6)
			name_initials(e->signer, initials, sizeof initials);
		/* After the note's status: "signed at source", or "signed src". */
		if (at_source)
			emr_strlcpy(signer_w < 9 ? initials : signer, signer_w < 9 ? "src" : "at source", 16);
		bool short_form = signer_w < 6 || (at_source && signer_w < 9);
		line_gap(ln);
		line_field(ln, signer_w, short_form ? initials : signer, TUI_PAIR_DIM, false);
	}
}

/* Billing pane rows: the balance; open invoices ("INV-000001  2026-11-25
 * total 125.00  due 125.00"); visits with open charges. */
static void draw_billing(line *ln, const chart_view *cv, int i)
{
	char m[32], text[128];
	if (i == 0) {
		if (*cv->billing_error) {
			line_field(ln, REST, cv->billing_error, TUI_PAIR_ALERT, false);
			return;
		}
		balance_label(cv->balance, text, sizeof text);
		line_field(ln, emr_display_width(text), text,
		           cv->balance > 0 ? TUI_PAIR_WARN : cv->balance < 0 ? TUI_PAIR_OK : 0, false);
		if (cv->n_open_visits) {
			snprintf(text, sizeof text, "  %zu visit%s not invoiced", cv->n_open_visits,
			         cv->n_open_visits == 1 ? "" : "s");
			line_field(ln, REST, text, TUI_PAIR_DIM, false);
		}
		return;
	}
	if (i - 1 < (int)cv->invoices.n) {
		const emr_invoice_summary *s = &cv->invoices.items[i - 1];
		line_field(ln, 10, s->number, TUI_PAIR_TITLE, false);
		line_gap(ln);
		/* The amount due always fits; the date where there is room. */
		if (ln->w - ln->col >= 11 + 12) {
			line_field(ln, 10, s->service_date, TUI_PAIR_DIM, false);
		}
		if (ln->w - ln->col >= 36) {
			emr_money_format(s->total_cents, m, sizeof m);
			snprintf(text, sizeof text, "total %s", m);
			line_field(ln, ln->w - ln->col - 18, text, 0, true);
		}
		emr_money_format(s->balance_cents, m, sizeof m);
		snprintf(text, sizeof text, "due %s", m);
		line_field(ln, ln->w - ln->col, text, s->balance_cents > 0 ? TUI_PAIR_WARN : TUI_PAIR_OK, true);
		return;
	}
	const billing_visit *bv = &cv->open_visits[i - 1 - (int)cv->invoices.n];
	line_field(ln, 10, bv->date, TUI_PAIR_DIM, false);
	line_gap(ln);
	snprintf(text, sizeof text, "%d open charge%s", bv->open, bv->open == 1 ? "" : "s");
	int amount_w = ln->w - ln->col >= 30 ? 12 : 10;
	line_field(ln, ln->w - ln->col - amount_w, text, 0, false);
	emr_money_format(bv->open_cents, m, sizeof m);
	line_field(ln, amount_w, m, 0, true);
}

/* Front desk and billing see demographics and visits only. */
static const char *restricted_text(const tui_app *app)
{
	char role[16] = "";
	emr_actor_role(app->db, role, sizeof role);
	return strcmp(role, "biller") == 0 ? "Clinical information is not available to the billing role"
	                                   : "Clinical information is not available to the front desk role";
}

static const char *empty_text(const tui_app *app, const chart_view *cv, int p)
{
	if (p == P_BILLING)
		return "Billing is not available to this role";
	if (cv->chart.restricted && p != P_VISITS)
		return restricted_text(app);
	switch (p) {
	case P_PROBLEMS: return cv->history ? "No problems recorded" : "No active problems";
	case P_MEDS: return cv->history ? "No medications recorded" : "No active medications";
	case P_ALLERGIES: return "Allergies not recorded (a adds, or NKDA)";
	case P_VITALS: return "No vital signs recorded (V records them)";
	case P_LABS: return "No lab results";
	case P_IMMUNIZATIONS: return "No immunizations recorded";
	case P_VISITS: return "No visits yet (v starts one)";
	}
	return "";
}

/* Widest value of a text column, capped, so the next column lines up.
 * For medications the column always fits "drug strength", the part that
 * is read first; the dose form yields before the directions do. */
static int column_width(const chart_view *cv, int p, int pane_w)
{
	int w = 4, core = 0;
	int n = pane_count(cv, p);
	for (int i = 0; i < n; i++) {
		char buf[400];
		if (p == P_PROBLEMS && proc_at(cv, i)) {
			emr_procedure_code_text(proc_at(cv, i), buf, sizeof buf);
		} else if (p == P_PROBLEMS) {
			emr_problem_code_text(&problems_of(cv)->items[i], buf, sizeof buf);
		} else if (p == P_MEDS) {
			const emr_medication *m = &meds_of(cv)->items[i];
			snprintf(buf, sizeof buf, "%s %s", m->drug, m->strength);
			int cw = emr_display_width(buf);
			if (cw > core)
				core = cw;
			snprintf(buf, sizeof buf, "%s %s %s", m->drug, m->strength, m->form);
		} else {
			const emr_allergy *a = &allergies_of(cv)->items[i];
			if (a->is_nkda)
				continue;
			emr_strlcpy(buf, a->substance, sizeof buf);
		}
		int bw = emr_display_width(buf);
		if (bw > w)
			w = bw;
	}
	/* Problems: "E11.9"; "SNOMED 38341003" where the pane has room, else
	 * the SNOMED CT code alone. */
	int cap = p == P_PROBLEMS ? (pane_w >= 60 ? 16 : 9) : p == P_ALLERGIES ? pane_w * 2 / 5 : pane_w / 2;
	if (p == P_MEDS && core > cap)
		cap = core < pane_w * 3 / 5 ? core : pane_w * 3 / 5;
	return w < cap ? w : cap;
}

static void draw_pane(const tui_app *app, const chart_view *cv, int p, prect r, bool flow)
{
	if (r.h <= 0 || r.w <= 0)
		return;
	bool focused = cv->focus == p;
	int rows = r.h - 1;
	int n = pane_count(cv, p);
	int top = cv->top[p];
	/* Keep the selection visible whatever the actions assumed. */
	int sel = cv->sel[p];
	if (sel < top)
		top = sel;
	if (rows > 0 && sel >= top + rows)
		top = sel - rows + 1;
	if (top > n - rows)
		top = n - rows;
	if (top < 0)
		top = 0;

	char title[128];
	pane_title_text(cv, p, top, p == P_VITALS && flow ? n : rows, title, sizeof title);
	tui_rule(app, r.y, r.x, r.w, title, focused);
	if (rows <= 0)
		return;

	if (p == P_VITALS && flow && n > 0) {
		draw_vitals_flow(app, cv, r, rows, focused);
		return;
	}
	if (p == P_MEDS && meds_two_line(cv, rows)) {
		for (int i = 0; i < n; i++)
			draw_med_two_line(app, cv, r, i, focused && i == sel);
		for (int row = 2 * n; row < rows; row++)
			mvhline(r.y + 1 + row, r.x, ' ', r.w);
		return;
	}
	int med_w = p == P_MEDS ? column_width(cv, p, r.w) : 0;
	int code_w = p == P_PROBLEMS ? column_width(cv, p, r.w) : 0;
	int onset_w = r.w >= 50 ? 10 : 4;
	for (int i = 0; p == P_PROBLEMS && i < n; i++)
		if (*past_tag(p, row_status(cv, p, i)) && onset_w < 8)
			onset_w = 8;   /* room for "resolved" */
	int subst_w = p == P_ALLERGIES ? column_width(cv, p, r.w) : 0;
	char prev_date[EMR_DATE_LEN] = "";
	for (int row = 0; row < rows; row++) {
		int i = top + row;
		line ln;
		line_begin(&ln, app, r.y + 1 + row, r.x, r.w, focused && i == sel && i < n);
		if (n == 0 && row == 0) {
			line_field(&ln, 1, "", 0, false);
			line_field(&ln, REST, empty_text(app, cv, p), p == P_ALLERGIES ? TUI_PAIR_WARN : TUI_PAIR_DIM, false);
		} else if (i < n) {
			switch (p) {
			case P_PROBLEMS: draw_problem(&ln, cv, i, code_w, onset_w); break;
			case P_MEDS: draw_med(&ln, cv, i, med_w); break;
			case P_ALLERGIES: draw_allergy(&ln, cv, i, subst_w); break;
			case P_VITALS: draw_vital_row(&ln, cv, i); break;
			case P_LABS: {
				/* A date heads each collection, not each result. */
				char d[EMR_DATE_LEN];
				local_date(labs_of(cv)->items[i].effective_at, d);
				draw_lab(&ln, cv, i, row == 0 || strcmp(d, prev_date) != 0);
				memcpy(prev_date, d, sizeof d);
				break;
			}
			case P_IMMUNIZATIONS: draw_imm(&ln, cv, i); break;
			case P_VISITS: draw_visit(&ln, cv, i); break;
			case P_BILLING: draw_billing(&ln, cv, i); break;
			}
		}
		line_end(&ln);
	}
}

static const tui_binding *binding_for(int (*run)(tui_app *, tui_view *))
{
	for (const tui_binding *b = chart_keys; b->run; b++)
		if (b->run == run)
			return b;
	return NULL;
}

static void draw_footer(const tui_app *app, const chart_view *cv, int y, int x, int w)
{
	char text[300] = "", key[24];
	size_t len = 0;
	for (int i = 0; i < 6 && pane_hints[cv->focus][i].run; i++) {
		const tui_binding *b = binding_for(pane_hints[cv->focus][i].run);
		if (!b)
			continue;
		/* The first key name only: "e" of "e/Enter" (but "/" itself). */
		snprintf(key, sizeof key, "%s", b->keys);
		if (key[0])
			key[1 + strcspn(key + 1, "/ ")] = '\0';
		len += (size_t)snprintf(text + len, sizeof text - len, "%s %s  ", key, pane_hints[cv->focus][i].label);
		if (len >= sizeof text)
			return;
	}
	snprintf(text + len, sizeof text - len, "H history  Tab pane  ? keys");
	line ln;
	line_begin(&ln, app, y, x, w, false);
	line_field(&ln, 1, "", 0, false);
	line_field(&ln, REST, text, TUI_PAIR_DIM, false);
	line_end(&ln);
}

static void chart_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	const chart_view *cv = as_chart(v);
	if (h <= 0 || w <= 0)
		return;
	chart_layout l;
	layout_compute(cv, y, x, h, w, &l);
	draw_header(app, cv, y, x, l.header_rows, w);
	/* Every cell is painted once, no erase first: the panes paint their
	 * rows whole, and here the cells no pane covers (the gaps between
	 * columns, rows below a column's panes) are blanked. */
	int body_end = l.body_y + l.body_h;
	if (!cv->loaded || l.ncols == 0) {
		for (int row = l.body_y; row < body_end; row++)
			mvhline(row, x, ' ', w);
	}
	for (int c = 0; cv->loaded && c < l.ncols; c++) {
		int gap_x = l.col_x[c] + l.col_w[c];
		if (gap_x < x + w)
			mvvline(l.body_y, gap_x, ' ', l.body_h);
		for (int row = l.col_end[c]; row < body_end; row++)
			mvhline(row, l.col_x[c], ' ', l.col_w[c]);
	}
	if (cv->loaded)
		for (int p = 0; p < P_COUNT; p++)
			draw_pane(app, cv, p, l.pane[p], p == P_VITALS && l.vitals_flow);
	if (l.footer_y >= 0)
		draw_footer(app, cv, l.footer_y, x, w);
}

/* --------------------------------------------------------- lifecycle */

static void chart_resume(tui_app *app, tui_view *v)
{
	/* A form on top may have saved: show the record as it is now. */
	chart_reload(app, as_chart(v));
}

static void chart_destroy(tui_view *v)
{
	chart_view *cv = as_chart(v);
	emr_chart_free(&cv->chart);
	emr_list_free(&cv->procedures);
	free_history(cv);
	free_billing(cv);
	free(cv);
}

static const tui_view_ops chart_ops = {
	.name = "Chart",
	.keymap = chart_keys,
	.draw = chart_draw,
	.resume = chart_resume,
	.destroy = chart_destroy,
};

const tui_binding *ui_chart_keymap(const char **name)
{
	*name = chart_ops.name;
	return chart_ops.keymap;
}

tui_view *ui_chart_new(tui_app *app, int64_t patient_id)
{
	chart_view *cv = emr_xcalloc(1, sizeof *cv);
	cv->base.ops = &chart_ops;
	cv->patient_id = patient_id;
	chart_reload(app, cv);
	if (cv->loaded && emr_patient_touch(app->db, patient_id) != 0)
		tui_error(app, "Could not record the opening of the chart: %s", emr_db_error(app->db));
	return &cv->base;
}
