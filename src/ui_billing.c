/* ui_billing: the charge screen of a visit, the code picker it opens, and
 * the invoice pager (see ui_billing.h).
 *
 * Like every view, these run no SQL: the state comes from billing.h
 * (emr_visit_billing_get, emr_invoice_get, emr_fee_list ...) and the keys
 * change the record through it.  Amounts are int64_t cents from end to
 * end: typed amounts go through emr_money_parse, shown ones through
 * emr_money_format.
 *
 * billing.c leaves who may bill to its callers (the command line checks
 * the role before it opens a billing command), so the writes here ask
 * emr_permit first: a refusal is one plain sentence on the status line
 * and an audit row, as everywhere else.  Reads use the silent
 * emr_perm_allowed, so merely looking leaves no refusal rows behind. */
#include "emr/ui_billing.h"

#include "emr/billing.h"
#include "emr/clinical.h"
#include "emr/codes.h"
#include "emr/lineedit.h"
#include "emr/normalize.h"
#include "emr/perm.h"
#include "emr/print.h"
#include "emr/ui_note.h"
#include "emr/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------ helpers */

static void money(int64_t cents, char buf[32])
{
	emr_money_format(cents, buf, 32);
}

/* "Balance 125.00", "Credit 25.00" (a negative balance), "Balance 0.00". */
static void balance_text(int64_t cents, char *buf, size_t n)
{
	char m[32];
	money(cents < 0 ? -cents : cents, m);
	snprintf(buf, n, "%s %s", cents < 0 ? "Credit" : "Balance", m);
}

/* "Billing is not available to the nurse role". */
static void no_billing_text(tui_app *app, char *buf, size_t n)
{
	char role[16] = "";
	emr_actor_role(app->db, role, sizeof role);
	snprintf(buf, n, "Billing is not available to the %s role",
	         strcmp(role, "frontdesk") == 0 ? "front desk" : *role ? role : "current");
}

/* A footer: "d diagnosis  a charge ..." dim on the last row. */
static void draw_footer_text(const tui_app *app, int y, int x, int w, const char *text)
{
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text_pad(y, x, w, text);
	tui_attr_off(app, TUI_PAIR_DIM);
}

/* Right-aligned text ending at column x + w. */
static void text_right(int y, int x, int w, const char *s)
{
	int sw = emr_display_width(s);
	if (sw > w)
		sw = w;
	tui_text(y, x + w - sw, sw, s);
}

/* ================================================== the charge screen */

typedef struct charges_view {
	tui_view base;
	int64_t patient_id, encounter_id;
	emr_visit_billing vb;
	bool loaded;
	char error[300];               /* why the visit's billing cannot be shown */
	bool can_bill, can_pay;
	bool has_balance;
	int64_t balance;
	/* The latest invoice of the visit (vb.invoice_id), "" if none. */
	char inv_number[32];
	int64_t inv_total, inv_balance;
	int sel, top;                  /* over vb.charges */
	int rows;                      /* charge rows shown at the last paint */
} charges_view;

static charges_view *as_charges(tui_view *v)
{
	return (charges_view *)v;
}

static void charges_read(tui_app *app, charges_view *cv);

static void charges_load(tui_app *app, charges_view *cv)
{
	charges_read(app, cv);
}

static void charges_read(tui_app *app, charges_view *cv)
{
	emr_visit_billing_free(&cv->vb);
	memset(&cv->vb, 0, sizeof cv->vb);
	cv->loaded = false;
	cv->error[0] = '\0';
	cv->inv_number[0] = '\0';
	cv->has_balance = false;
	cv->can_bill = emr_perm_allowed(app->db, EMR_PERM_BILLING);
	cv->can_pay = emr_perm_allowed(app->db, EMR_PERM_PAYMENT);
	if (!cv->can_bill && !cv->can_pay) {
		no_billing_text(app, cv->error, sizeof cv->error);
		return;
	}
	if (cv->patient_id && emr_balance(app->db, cv->patient_id, &cv->balance) == 0)
		cv->has_balance = true;
	if (!cv->can_bill) {
		/* The front desk takes payments but does not bill: it sees the
		 * visit's invoice (from the patient's invoices, a payment-role
		 * read), not its diagnoses and charges. */
		emr_invoice_summaries l = {0};
		if (cv->patient_id && emr_invoice_list(app->db, cv->patient_id, false, &l) == 0) {
			for (size_t i = 0; i < l.n; i++) {
				const emr_invoice_summary *s = &l.items[i];
				if (s->encounter_id != cv->encounter_id)
					continue;
				cv->vb.invoice_id = s->id;
				emr_strlcpy(cv->vb.service_date, s->service_date, sizeof cv->vb.service_date);
				emr_strlcpy(cv->inv_number, s->number, sizeof cv->inv_number);
				cv->inv_total = s->total_cents;
				cv->inv_balance = s->balance_cents;
				break;   /* newest first */
			}
		}
		emr_invoice_summaries_free(&l);
		snprintf(cv->error, sizeof cv->error, "Diagnoses and charges are for the billing role.");
		return;
	}
	if (emr_visit_billing_get(app->db, cv->encounter_id, &cv->vb) != 0) {
		snprintf(cv->error, sizeof cv->error, "%s", emr_db_error(app->db));
		emr_visit_billing_free(&cv->vb);
		memset(&cv->vb, 0, sizeof cv->vb);
		return;
	}
	cv->loaded = true;
	if (!cv->patient_id) {
		cv->patient_id = cv->vb.patient_id;
		if (emr_balance(app->db, cv->patient_id, &cv->balance) == 0)
			cv->has_balance = true;
	}
	if (cv->vb.invoice_id) {
		emr_invoice inv;
		memset(&inv, 0, sizeof inv);
		if (emr_invoice_get(app->db, cv->vb.invoice_id, &inv) == 0) {
			emr_strlcpy(cv->inv_number, inv.number, sizeof cv->inv_number);
			cv->inv_total = inv.total_cents;
			cv->inv_balance = inv.balance_cents;
		}
		emr_invoice_free(&inv);
	}
	int n = (int)cv->vb.ncharges;
	if (cv->sel >= n)
		cv->sel = n - 1;
	if (cv->sel < 0)
		cv->sel = 0;
}

/* The selected charge, or NULL with a message. */
static const emr_charge *selected_charge(tui_app *app, const charges_view *cv)
{
	if (!cv->loaded || cv->vb.ncharges == 0) {
		tui_message(app, "No charge selected: the visit has no charges yet (a adds one)");
		return NULL;
	}
	return &cv->vb.charges[cv->sel];
}

/* emr_permit, with the refusal on the status line: "Not voided: a nurse
 * cannot bill". */
static bool permit(tui_app *app, emr_perm p, const char *what, const char *not_done)
{
	if (emr_permit(app->db, p, what) == 0)
		return true;
	tui_error(app, "%s: %s", not_done, emr_db_error(app->db));
	return false;
}

/* ------------------------------------------------------ the code picker */

typedef enum pick_kind { PICK_DX, PICK_FEE } pick_kind;

typedef struct pick_item {
	char code[16];                 /* what is stored: "E119", "99213" */
	char shown[16];                /* what is shown: "E11.9" */
	char label[300];
	int64_t fee_cents;             /* fees */
} pick_item;

typedef struct picker_view {
	tui_view base;
	pick_kind kind;
	int64_t patient_id, encounter_id;
	emr_lineedit query;
	/* PICK_DX: the patient's active problems, offered before anything is
	 * typed.  PICK_FEE: the whole active fee schedule, folded for search. */
	pick_item *base_items;
	char **folded;                 /* per base item: "99213 office visit ..." folded */
	size_t nbase;
	pick_item *items;              /* what the list shows now */
	size_t n, cap;
	int sel, top, rows;
	char note[160];                /* a line under the box: where the list comes from */
} picker_view;

static picker_view *as_picker(tui_view *v)
{
	return (picker_view *)v;
}

static void picker_push_item(picker_view *pv, const pick_item *it)
{
	if (pv->n == pv->cap) {
		pv->cap = pv->cap ? pv->cap * 2 : 32;
		pv->items = emr_xrealloc(pv->items, pv->cap * sizeof *pv->items);
	}
	pv->items[pv->n++] = *it;
}

/* Every word of the folded query occurs in the folded text. */
static bool words_match(const char *folded_query, const char *folded_text)
{
	char *q = emr_xstrdup(folded_query);
	bool all = true;
	char *save = NULL;
	for (char *t = strtok_r(q, " \t,", &save); t && all; t = strtok_r(NULL, " \t,", &save))
		all = strstr(folded_text, t) != NULL;
	free(q);
	return all;
}

static void picker_refilter(tui_app *app, picker_view *pv)
{
	pv->n = 0;
	const char *q = emr_le_text(&pv->query);
	while (*q == ' ')
		q++;
	if (pv->kind == PICK_FEE) {
		char *fq = emr_fold(q);
		/* Codes that begin with what was typed first, then words. */
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < pv->nbase; i++) {
				const pick_item *it = &pv->base_items[i];
				bool by_code = fq && *fq && strncasecmp(it->code, fq, strlen(fq)) == 0;
				if (pass == 0 ? by_code : !by_code && (!fq || words_match(fq, pv->folded[i])))
					picker_push_item(pv, it);
			}
		free(fq);
		snprintf(pv->note, sizeof pv->note, "%zu of %zu codes of the fee schedule", pv->n, pv->nbase);
	} else if (strlen(q) < 2) {
		for (size_t i = 0; i < pv->nbase; i++)
			picker_push_item(pv, &pv->base_items[i]);
		snprintf(pv->note, sizeof pv->note, "%s",
		         pv->nbase ? "The patient's active problems; type a code or words to search ICD-10-CM"
		                   : "Type a code (E11.9) or words (type 2 diab) to search ICD-10-CM");
	} else {
		emr_code_list l = {0};
		if (emr_icd10_search(app->db, q, 50, false, &l) == 0) {
			for (size_t i = 0; i < l.n; i++) {
				pick_item it = {0};
				emr_strlcpy(it.code, l.items[i].code, sizeof it.code);
				emr_icd10_display(l.items[i].code, it.shown, sizeof it.shown);
				emr_strlcpy(it.label, l.items[i].text, sizeof it.label);
				picker_push_item(pv, &it);
			}
			snprintf(pv->note, sizeof pv->note, "%s", l.n ? "ICD-10-CM codes matching what is typed"
			                                               : "No ICD-10-CM code matches (Enter tries it as a code)");
		} else {
			snprintf(pv->note, sizeof pv->note, "Search failed: %s", emr_db_error(app->db));
		}
		emr_code_list_free(&l);
	}
	if (pv->sel >= (int)pv->n)
		pv->sel = (int)pv->n - 1;
	if (pv->sel < 0)
		pv->sel = 0;
}

/* Asks for a charge's details and adds it; false when cancelled or
 * refused (the reason on the status line). */
static bool charge_details(tui_app *app, picker_view *pv, const pick_item *fee)
{
	char mods[32] = "", units_s[16] = "1", dx[32] = "1", q[200];
	snprintf(q, sizeof q, "%s: modifiers (25 or 25,59; Enter for none):", fee->code);
	if (!tui_prompt(app, q, mods, sizeof mods)) {
		tui_message(app, "No charge added");
		return false;
	}
	int units = 0;
	snprintf(q, sizeof q, "%s: units:", fee->code);
	for (;;) {
		if (!tui_prompt(app, q, units_s, sizeof units_s)) {
			tui_message(app, "No charge added");
			return false;
		}
		char *end = NULL;
		long u = strtol(units_s, &end, 10);
		if (end != units_s && *end == '\0' && u >= 1 && u <= 999) {
			units = (int)u;
			break;
		}
		/* The prompt covers the status line: the question says it. */
		snprintf(q, sizeof q, "%s: units (a whole number from 1 to 999):", fee->code);
	}
	snprintf(q, sizeof q, "%s: diagnosis pointers (ranks, like 1 or 1,2):", fee->code);
	if (!tui_prompt(app, q, dx, sizeof dx)) {
		tui_message(app, "No charge added");
		return false;
	}
	int64_t id = 0;
	if (emr_charge_add(app->db, pv->encounter_id, fee->code, mods, units, dx, &id) != 0) {
		tui_error(app, "Charge not added: %s", emr_db_error(app->db));
		return false;
	}
	char amount[32], each[32];
	money(fee->fee_cents * units, amount);
	money(fee->fee_cents, each);
	tui_message(app, "Charged %s: %s x %d = %s", fee->code, each, units, amount);
	return true;
}

static int act_pick(tui_app *app, tui_view *v)
{
	picker_view *pv = as_picker(v);
	const char *typed = emr_le_text(&pv->query);
	const pick_item *it = pv->n ? &pv->items[pv->sel] : NULL;
	if (pv->kind == PICK_FEE) {
		if (!it) {
			tui_message(app, "No code of the fee schedule matches; Ctrl-U clears the search");
			return TUI_REDRAW;
		}
		return charge_details(app, pv, it) ? TUI_POP | TUI_REDRAW : TUI_REDRAW;
	}
	const char *code = it ? it->code : typed;
	if (!*code) {
		tui_message(app, "Type a code or words first");
		return TUI_REDRAW;
	}
	int rank = 0;
	if (emr_dx_add(app->db, pv->encounter_id, code, &rank) != 0) {
		tui_error(app, "Diagnosis not added: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	char shown[16];
	emr_icd10_display(code, shown, sizeof shown);
	tui_message(app, "Diagnosis %d: %s added", rank, shown);
	return TUI_POP | TUI_REDRAW;
}

static int act_pick_move(tui_app *app, tui_view *v)
{
	picker_view *pv = as_picker(v);
	int k = app->last_key;
	int step = pv->rows > 1 ? pv->rows : 1;
	if (k == TUI_KEYCODE(KEY_UP) || k == TUI_CTRL('p'))
		pv->sel--;
	else if (k == TUI_KEYCODE(KEY_DOWN) || k == TUI_CTRL('n'))
		pv->sel++;
	else if (k == TUI_KEYCODE(KEY_PPAGE))
		pv->sel -= step;
	else
		pv->sel += step;
	if (pv->sel >= (int)pv->n)
		pv->sel = (int)pv->n - 1;
	if (pv->sel < 0)
		pv->sel = 0;
	return TUI_REDRAW;
}

static int act_pick_cancel(tui_app *app, tui_view *v)
{
	(void)v;
	tui_message(app, "Nothing added");
	return TUI_POP | TUI_REDRAW;
}

static int act_pick_edit(tui_app *app, tui_view *v)
{
	picker_view *pv = as_picker(v);
	int k = app->last_key;
	if (k == TUI_CTRL('u'))
		emr_le_kill_line(&pv->query);
	else if (k == TUI_CTRL('w'))
		emr_le_kill_word(&pv->query);
	else
		emr_le_backspace(&pv->query);
	pv->sel = pv->top = 0;
	picker_refilter(app, pv);
	return TUI_REDRAW;
}

static const tui_binding picker_keys[] = {
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "take the highlighted code (diagnosis: or the code typed)", act_pick},
	{{TUI_KEYCODE(KEY_DOWN), TUI_KEYCODE(KEY_UP), TUI_CTRL('n'), TUI_CTRL('p')}, "Down/Up", "move in the list", act_pick_move},
	{{TUI_KEYCODE(KEY_NPAGE), TUI_KEYCODE(KEY_PPAGE)}, "PgDn/PgUp", "move a page", act_pick_move},
	{{TUI_KEYCODE(KEY_BACKSPACE), 127, 8}, "Backspace", "delete the last character typed", act_pick_edit},
	{{TUI_CTRL('u'), TUI_CTRL('w')}, "Ctrl-U/Ctrl-W", "clear the search / delete a word", act_pick_edit},
	{{TUI_KEY_ESC}, "Esc", "cancel: add nothing", act_pick_cancel},
	{{0}, NULL, NULL, NULL},
};

static int picker_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	picker_view *pv = as_picker(v);
	if (is_keycode || key < 32 || key == 127)
		return TUI_UNKNOWN;
	emr_le_insert(&pv->query, (uint32_t)key);
	pv->sel = pv->top = 0;
	picker_refilter(app, pv);
	return TUI_REDRAW;
}

static bool picker_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

static void picker_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	picker_view *pv = as_picker(v);
	int row = y;
	const char *title = pv->kind == PICK_FEE ? "Add a charge: procedure code from the fee schedule"
	                                         : "Add a diagnosis: ICD-10-CM code";
	attron(A_BOLD);
	tui_text(row++, x + 1, w - 2, title);
	attroff(A_BOLD);
	const char *label = pv->kind == PICK_FEE ? "Code or words: " : "Code or words: ";
	tui_text(row, x + 1, w - 2, label);
	int lx = x + 1 + emr_display_width(label);
	tui_text(row, lx, x + w - lx - 1, emr_le_text(&pv->query));
	app->cursor_visible = true;
	app->cursor_y = row;
	app->cursor_x = lx + emr_le_cursor_col(&pv->query);
	if (app->cursor_x >= x + w)
		app->cursor_x = x + w - 1;
	row++;
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(row++, x + 1, w - 2, pv->note);
	tui_attr_off(app, TUI_PAIR_DIM);
	tui_rule(app, row++, x, w, NULL, false);
	int rows = y + h - 1 - row;
	pv->rows = rows;
	if (pv->sel < pv->top)
		pv->top = pv->sel;
	if (rows > 0 && pv->sel >= pv->top + rows)
		pv->top = pv->sel - rows + 1;
	for (int i = 0; i < rows && pv->top + i < (int)pv->n; i++) {
		const pick_item *it = &pv->items[pv->top + i];
		bool sel = pv->top + i == pv->sel;
		if (sel) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(row + i, x, ' ', w);
		}
		tui_text(row + i, x + 1, 8, it->shown);
		int right = 0;
		if (pv->kind == PICK_FEE) {
			char m[32];
			money(it->fee_cents, m);
			right = 11;
			text_right(row + i, x + w - 1 - right, right, m);
		}
		tui_text(row + i, x + 10, w - 11 - right - 1, it->label);
		if (sel)
			tui_attr_off(app, TUI_PAIR_SELECT);
	}
	draw_footer_text(app, y + h - 1, x, w, " Enter take  Up/Down move  Ctrl-U clear  Esc cancel  F1 keys");
}

static void picker_destroy(tui_view *v)
{
	picker_view *pv = as_picker(v);
	emr_le_free(&pv->query);
	for (size_t i = 0; pv->folded && i < pv->nbase; i++)
		free(pv->folded[i]);
	free(pv->folded);
	free(pv->base_items);
	free(pv->items);
	free(pv);
}

static const tui_view_ops picker_ops = {
	.name = "Code picker",
	.keymap = picker_keys,
	.draw = picker_draw,
	.input = picker_input,
	.wants_text = picker_wants_text,
	.destroy = picker_destroy,
};

const tui_binding *ui_code_picker_keymap(const char **name)
{
	*name = picker_ops.name;
	return picker_ops.keymap;
}

static picker_view *picker_new(tui_app *app, pick_kind kind, int64_t patient_id, int64_t encounter_id)
{
	picker_view *pv = emr_xcalloc(1, sizeof *pv);
	pv->base.ops = &picker_ops;
	pv->kind = kind;
	pv->patient_id = patient_id;
	pv->encounter_id = encounter_id;
	pv->query.max = 100;
	if (kind == PICK_FEE) {
		emr_fees fees = {0};
		if (emr_fee_list(app->db, true, &fees) == 0 && fees.n) {
			pv->base_items = emr_xcalloc(fees.n, sizeof *pv->base_items);
			pv->folded = emr_xcalloc(fees.n, sizeof *pv->folded);
			for (size_t i = 0; i < fees.n; i++) {
				pick_item *it = &pv->base_items[i];
				emr_strlcpy(it->code, fees.items[i].code, sizeof it->code);
				emr_strlcpy(it->shown, fees.items[i].code, sizeof it->shown);
				emr_strlcpy(it->label, fees.items[i].description, sizeof it->label);
				it->fee_cents = fees.items[i].fee_cents;
				char both[sizeof it->code + sizeof it->label + 2];
				snprintf(both, sizeof both, "%s %s", it->code, it->label);
				pv->folded[i] = emr_fold(both);
				if (!pv->folded[i])
					pv->folded[i] = emr_xstrdup(both);
			}
			pv->nbase = fees.n;
		}
		emr_fees_free(&fees);
	} else if (emr_perm_allowed(app->db, EMR_PERM_CLINICAL_READ)) {
		/* Quick picks: the codes of the patient's active problems. */
		emr_problems probs = {0};
		if (patient_id && emr_problem_list(app->db, patient_id, EMR_CURRENT, &probs) == 0) {
			pv->base_items = emr_xcalloc(probs.n ? probs.n : 1, sizeof *pv->base_items);
			for (size_t i = 0; i < probs.n; i++) {
				const emr_problem *p = &probs.items[i];
				if (!*p->icd10 || strcmp(p->status, "active") != 0)
					continue;
				pick_item *it = &pv->base_items[pv->nbase++];
				emr_strlcpy(it->code, p->icd10, sizeof it->code);
				emr_icd10_display(p->icd10, it->shown, sizeof it->shown);
				emr_strlcpy(it->label, p->description, sizeof it->label);
			}
		}
		emr_list_free(&probs);
	}
	picker_refilter(app, pv);
	return pv;
}

/* --------------------------------------------------- charge screen keys */

static int act_move(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	int k = app->last_key;
	int n = (int)cv->vb.ncharges;
	if (k == 'k' || k == TUI_KEYCODE(KEY_UP))
		cv->sel--;
	else if (k == 'j' || k == TUI_KEYCODE(KEY_DOWN))
		cv->sel++;
	else if (k == 'g' || k == TUI_KEYCODE(KEY_HOME))
		cv->sel = 0;
	else
		cv->sel = n - 1;
	if (cv->sel >= n)
		cv->sel = n - 1;
	if (cv->sel < 0)
		cv->sel = 0;
	return TUI_REDRAW;
}

static int act_add_dx(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	if (!permit(app, EMR_PERM_BILLING, "dx add", "No diagnosis added"))
		return TUI_REDRAW;
	tui_push(app, &picker_new(app, PICK_DX, cv->patient_id, cv->encounter_id)->base);
	return TUI_REDRAW;
}

static int act_add_charge(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	if (!permit(app, EMR_PERM_BILLING, "charge add", "No charge added"))
		return TUI_REDRAW;
	picker_view *pv = picker_new(app, PICK_FEE, cv->patient_id, cv->encounter_id);
	if (pv->nbase == 0) {
		picker_destroy(&pv->base);
		tui_error(app, "The fee schedule is empty: add codes first (emr fee add, emr fee import)");
		return TUI_REDRAW;
	}
	tui_push(app, &pv->base);
	return TUI_REDRAW;
}

static int act_void(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	const emr_charge *c = selected_charge(app, cv);
	if (!c)
		return TUI_REDRAW;
	if (strcmp(c->status, "open") != 0) {
		tui_message(app, "Only an open charge is voided; this one is %s%s", c->status,
		            strcmp(c->status, "invoiced") == 0 ? " (correct it with an adjustment: emr adjust)" : "");
		return TUI_REDRAW;
	}
	if (!permit(app, EMR_PERM_BILLING, "charge void", "Not voided"))
		return TUI_REDRAW;
	char m[32], q[200], code[8];
	money(c->amount_cents, m);
	emr_strlcpy(code, c->code, sizeof code);
	snprintf(q, sizeof q, "Void charge %s of %s? (y/n)", code, m);
	if (!tui_confirm(app, q)) {
		tui_message(app, "Not voided");
		return TUI_REDRAW;
	}
	if (emr_charge_void(app->db, c->id) != 0) {
		tui_error(app, "Not voided: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	charges_load(app, cv);
	char open[32];
	money(cv->vb.open_cents, open);
	tui_message(app, "Voided %s; open charges now %s", code, open);
	return TUI_REDRAW;
}

static int act_issue(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	if (!cv->loaded) {
		tui_error(app, "%s", cv->error);
		return TUI_REDRAW;
	}
	if (!permit(app, EMR_PERM_BILLING, "invoice issue", "No invoice issued"))
		return TUI_REDRAW;
	size_t open = 0;
	for (size_t i = 0; i < cv->vb.ncharges; i++)
		open += strcmp(cv->vb.charges[i].status, "open") == 0;
	if (open == 0) {
		tui_message(app, "No open charges to invoice (a adds a charge)");
		return TUI_REDRAW;
	}
	char m[32], q[200];
	money(cv->vb.open_cents, m);
	snprintf(q, sizeof q, "Issue an invoice for %zu open charge%s, total %s? (y/n)", open, open == 1 ? "" : "s", m);
	if (!tui_confirm(app, q)) {
		tui_message(app, "No invoice issued");
		return TUI_REDRAW;
	}
	int64_t id = 0;
	char number[32] = "";
	if (emr_invoice_issue(app->db, cv->encounter_id, &id, number) != 0) {
		tui_error(app, "No invoice issued: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	charges_load(app, cv);
	tui_message(app, "Invoice %s issued, total %s", number, m);
	return TUI_REDRAW;
}

static const char *const pay_methods[] = {"cash", "card", "check", "insurance"};

/* "ca" is ambiguous, "cas" is cash, "i" insurance; NULL when no one method. */
static const char *pay_method(const char *typed)
{
	while (*typed == ' ')
		typed++;
	size_t len = strcspn(typed, " ");
	if (len == 0)
		return NULL;
	const char *found = NULL;
	for (size_t i = 0; i < EMR_ARRAY_LEN(pay_methods); i++) {
		if (strlen(pay_methods[i]) == len && strncasecmp(pay_methods[i], typed, len) == 0)
			return pay_methods[i];
		if (strncasecmp(pay_methods[i], typed, len) == 0) {
			if (found)
				return NULL;
			found = pay_methods[i];
		}
	}
	return found;
}

static int act_pay(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	if (!cv->patient_id) {
		tui_error(app, "%s", cv->error);
		return TUI_REDRAW;
	}
	if (!permit(app, EMR_PERM_PAYMENT, "pay", "No payment taken"))
		return TUI_REDRAW;
	int64_t balance = 0;
	int brc = emr_balance(app->db, cv->patient_id, &balance);
	if (brc != 0) {
		tui_error(app, "No payment taken: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	char bal[32], amount_s[40] = "", q[200];
	money(balance, bal);
	if (balance > 0)
		money(balance, amount_s);
	int64_t amount = 0;
	/* A prompt covers the status line, so a wrong answer is said in the
	 * question asked again. */
	snprintf(q, sizeof q, "Payment amount (balance %s):", bal);
	for (;;) {
		if (!tui_prompt(app, q, amount_s, sizeof amount_s)) {
			tui_message(app, "No payment taken");
			return TUI_REDRAW;
		}
		if (emr_money_parse(amount_s, &amount) && amount > 0)
			break;
		snprintf(q, sizeof q, "Not an amount above zero; payment amount, like 25.00:");
	}
	const char *method = NULL;
	char method_s[24] = "";
	snprintf(q, sizeof q, "Method (cash, card, check, insurance):");
	while (!method) {
		if (!tui_prompt(app, q, method_s, sizeof method_s)) {
			tui_message(app, "No payment taken");
			return TUI_REDRAW;
		}
		method = pay_method(method_s);
		if (!method)
			snprintf(q, sizeof q, "Which method? cash, card, check or insurance:");
	}
	char ref[101] = "";
	if (!tui_prompt(app, "Reference (check or slip number; Enter for none):", ref, sizeof ref)) {
		tui_message(app, "No payment taken");
		return TUI_REDRAW;
	}
	char am[32];
	money(amount, am);
	bool credit = false;
	if (amount > balance) {
		char over[32];
		money(amount - (balance > 0 ? balance : 0), over);
		snprintf(q, sizeof q, "%s is more than the balance %s: take it and keep %s as a credit? (y/n)", am, bal, over);
		if (!tui_confirm(app, q)) {
			tui_message(app, "No payment taken");
			return TUI_REDRAW;
		}
		credit = true;
	}
	/* Applied to the visit's latest invoice when it covers no more than
	 * what the invoice still owes; otherwise to the account as a whole
	 * (an invoice is never paid below zero). */
	int64_t invoice = cv->vb.invoice_id && cv->inv_balance > 0 && amount <= cv->inv_balance ? cv->vb.invoice_id : 0;
	if (emr_payment_post(app->db, cv->patient_id, amount, method, ref, invoice, credit) != 0) {
		tui_error(app, "No payment taken: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	charges_load(app, cv);
	int64_t now = balance - amount;
	if (cv->has_balance)
		now = cv->balance;
	char after[64];
	balance_text(now, after, sizeof after);
	tui_message(app, "Payment of %s (%s) taken; %s", am, method, after);
	return TUI_REDRAW;
}

static int act_show_invoice(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	int64_t id = cv->vb.invoice_id;
	if (app->last_key != 'i' && cv->loaded && cv->vb.ncharges && cv->vb.charges[cv->sel].invoice_id)
		id = cv->vb.charges[cv->sel].invoice_id;   /* Enter: the selected charge's invoice */
	if (!id) {
		tui_message(app, "No invoice for this visit yet (I issues one)");
		return TUI_REDRAW;
	}
	tui_push(app, ui_invoice_new(app, id));
	return TUI_REDRAW;
}

static const tui_binding charges_keys[] = {
	{{'j', TUI_KEYCODE(KEY_DOWN), 'k', TUI_KEYCODE(KEY_UP)}, "j/k Down/Up", "select a charge", act_move},
	{{'g', TUI_KEYCODE(KEY_HOME), 'G', TUI_KEYCODE(KEY_END)}, "g/G Home/End", "first / last charge", act_move},
	{{'d'}, "d", "add a diagnosis (ICD-10-CM; the problem list offered first)", act_add_dx},
	{{'a'}, "a", "add a charge: a procedure code from the fee schedule", act_add_charge},
	{{'x'}, "x", "void the selected open charge (asks first)", act_void},
	{{'I'}, "I", "issue the invoice of the open charges (asks first)", act_issue},
	{{'p'}, "p", "take a payment (amount, method, reference)", act_pay},
	{{'i'}, "i", "show the visit's latest invoice", act_show_invoice},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "show the invoice of the selected charge", act_show_invoice},
	{{0}, NULL, NULL, NULL},
};

/* ---------------------------------------------------- drawing charges */

static void charges_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	charges_view *cv = as_charges(v);
	int row = y;
	char buf[400], m[32];
	attron(A_BOLD);
	snprintf(buf, sizeof buf, "Charges for the visit of %s", *cv->vb.service_date ? cv->vb.service_date : "?");
	tui_text(row, x + 1, w - 2, buf);
	attroff(A_BOLD);
	if (cv->has_balance) {
		balance_text(cv->balance, buf, sizeof buf);
		tui_attr_on(app, cv->balance > 0 ? TUI_PAIR_WARN : TUI_PAIR_OK);
		text_right(row, x + 1, w - 2, buf);
		tui_attr_off(app, cv->balance > 0 ? TUI_PAIR_WARN : TUI_PAIR_OK);
	}
	row++;
	if (!cv->loaded) {
		if (*cv->inv_number) {
			char t[32], b[32];
			money(cv->inv_total, t);
			money(cv->inv_balance, b);
			snprintf(buf, sizeof buf, "Invoice %s  total %s  balance %s", cv->inv_number, t, b);
			tui_text(row, x + 1, w - 2, buf);
		} else if (cv->can_pay && !cv->can_bill) {
			tui_text(row, x + 1, w - 2, "Not invoiced yet");
		}
		tui_attr_on(app, cv->can_pay && !cv->can_bill ? TUI_PAIR_DIM : TUI_PAIR_ALERT);
		tui_text(row + 2, x + 1, w - 2, *cv->error ? cv->error : "The visit's billing could not be read");
		tui_attr_off(app, cv->can_pay && !cv->can_bill ? TUI_PAIR_DIM : TUI_PAIR_ALERT);
		if (cv->can_pay)
			tui_text(row + 4, x + 1, w - 2, "p takes a payment from the patient.");
		draw_footer_text(app, y + h - 1, x, w, cv->can_pay ? " p payment  q back  ? keys" : " q back  ? keys");
		return;
	}
	money(cv->vb.open_cents, m);
	int len = snprintf(buf, sizeof buf, "Open charges %s", m);
	if (*cv->inv_number) {
		char t[32], b[32];
		money(cv->inv_total, t);
		money(cv->inv_balance, b);
		snprintf(buf + len, sizeof buf - (size_t)len, "   Invoice %s  total %s  balance %s", cv->inv_number, t, b);
	} else {
		snprintf(buf + len, sizeof buf - (size_t)len, "   Not invoiced yet");
	}
	tui_text(row++, x + 1, w - 2, buf);

	/* Diagnoses: all of them while the charges keep four rows. */
	snprintf(buf, sizeof buf, "Diagnoses (%zu)", cv->vb.ndx);
	tui_rule(app, row++, x, w, buf, false);
	int body_end = y + h - 1;   /* the footer's row */
	int dx_rows = (int)cv->vb.ndx;
	if (dx_rows < 1)
		dx_rows = 1;
	int dx_room = body_end - row - 1 - 1 - 4;
	if (dx_rows > dx_room)
		dx_rows = dx_room > 1 ? dx_room : 1;
	if (cv->vb.ndx == 0) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(row, x + 2, w - 3, "No diagnoses yet (d adds one)");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	for (int i = 0; i < dx_rows && i < (int)cv->vb.ndx; i++) {
		const emr_visit_dx *d = &cv->vb.dx[i];
		char code[16];
		emr_icd10_display(d->icd10, code, sizeof code);
		if (i == dx_rows - 1 && (int)cv->vb.ndx > dx_rows)
			snprintf(buf, sizeof buf, "... and %d more", (int)cv->vb.ndx - i);
		else
			snprintf(buf, sizeof buf, "%d  %-8s %s", d->rank, code, d->description);
		tui_text(row + i, x + 2, w - 3, buf);
	}
	row += dx_rows;

	size_t nopen = 0;
	for (size_t i = 0; i < cv->vb.ncharges; i++)
		nopen += strcmp(cv->vb.charges[i].status, "open") == 0;
	snprintf(buf, sizeof buf, "Charges (%zu, %zu open)", cv->vb.ncharges, nopen);
	tui_rule(app, row++, x, w, buf, true);
	/* Columns: code 6, description, mod 6, units 5, dx 6, amount 10, status 8. */
	int desc_w = w - 2 - (6 + 1) - (1 + 6) - (1 + 5) - (2 + 6) - (1 + 10) - (2 + 8);
	if (desc_w < 8)
		desc_w = 8;
	int cx = x + 1;
	int c_desc = cx + 7, c_mod = c_desc + desc_w + 1, c_units = c_mod + 7, c_dx = c_units + 7, c_amt = c_dx + 6,
	    c_status = c_amt + 12;
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(row, cx, 6, "Code");
	tui_text(row, c_desc, desc_w, "Description");
	tui_text(row, c_mod, 6, "Mod");
	text_right(row, c_units, 5, "Units");
	tui_text(row, c_dx, 6, "Dx");
	text_right(row, c_amt, 10, "Amount");
	tui_text(row, c_status, 8, "Status");
	tui_attr_off(app, TUI_PAIR_DIM);
	row++;
	int rows = body_end - row;
	cv->rows = rows;
	int n = (int)cv->vb.ncharges;
	if (cv->sel < cv->top)
		cv->top = cv->sel;
	if (rows > 0 && cv->sel >= cv->top + rows)
		cv->top = cv->sel - rows + 1;
	if (n == 0 && rows > 0) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(row, x + 2, w - 3, "No charges yet (a adds one from the fee schedule)");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	for (int i = 0; i < rows && cv->top + i < n; i++) {
		const emr_charge *c = &cv->vb.charges[cv->top + i];
		bool sel = cv->top + i == cv->sel;
		bool voided = strcmp(c->status, "void") == 0;
		int r = row + i;
		if (sel) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(r, x, ' ', w);
		} else if (voided) {
			tui_attr_on(app, TUI_PAIR_DIM);
		}
		char units[16];
		snprintf(units, sizeof units, "%d", c->units);
		money(c->amount_cents, m);
		tui_text(r, cx, 6, c->code);
		tui_text(r, c_desc, desc_w, c->description);
		tui_text(r, c_mod, 6, c->modifiers);
		text_right(r, c_units, 5, units);
		tui_text(r, c_dx, 6, c->dx_pointers);
		text_right(r, c_amt, 10, m);
		tui_text(r, c_status, 8, c->status);
		if (sel)
			tui_attr_off(app, TUI_PAIR_SELECT);
		else if (voided)
			tui_attr_off(app, TUI_PAIR_DIM);
	}
	draw_footer_text(app, y + h - 1, x, w,
	                 " d diagnosis  a charge  x void  I issue  p payment  i invoice  q back  ? keys");
}

static void charges_resume(tui_app *app, tui_view *v)
{
	charges_view *cv = as_charges(v);
	size_t before = cv->vb.ncharges;
	charges_load(app, cv);
	/* A charge just added (from the picker) is the last row: select it. */
	if (cv->vb.ncharges > before)
		cv->sel = (int)cv->vb.ncharges - 1;
}

static void charges_destroy(tui_view *v)
{
	charges_view *cv = as_charges(v);
	emr_visit_billing_free(&cv->vb);
	free(cv);
}

static const tui_view_ops charges_ops = {
	.name = "Charges",
	.keymap = charges_keys,
	.draw = charges_draw,
	.resume = charges_resume,
	.destroy = charges_destroy,
};

const tui_binding *ui_charges_keymap(const char **name)
{
	*name = charges_ops.name;
	return charges_ops.keymap;
}

tui_view *ui_charges_new(tui_app *app, int64_t patient_id, int64_t encounter_id)
{
	charges_view *cv = emr_xcalloc(1, sizeof *cv);
	cv->base.ops = &charges_ops;
	cv->patient_id = patient_id;
	cv->encounter_id = encounter_id;
	charges_load(app, cv);
	if (cv->loaded && cv->vb.ncharges)
		cv->sel = (int)cv->vb.ncharges - 1;
	return &cv->base;
}

/* ======================================================== the invoice */

typedef struct invoice_view {
	tui_view base;
	int64_t invoice_id;
	char number[32];               /* "" until read */
	char **lines;
	size_t n, cap;
	int top, rows;
} invoice_view;

static invoice_view *as_invoice(tui_view *v)
{
	return (invoice_view *)v;
}

static void inv_line(invoice_view *iv, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void inv_line(invoice_view *iv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[1024];
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 64;
		iv->lines = emr_xrealloc(iv->lines, iv->cap * sizeof *iv->lines);
	}
	iv->lines[iv->n++] = emr_xstrdup(tmp);
}

static void invoice_load(tui_app *app, invoice_view *iv)
{
	emr_invoice inv;
	memset(&inv, 0, sizeof inv);
	if (!emr_perm_allowed(app->db, EMR_PERM_BILLING) && !emr_perm_allowed(app->db, EMR_PERM_PAYMENT)) {
		char t[120];
		no_billing_text(app, t, sizeof t);
		inv_line(iv, "%s", t);
		return;
	}
	if (emr_invoice_get(app->db, iv->invoice_id, &inv) != 0) {
		inv_line(iv, "The invoice could not be read: %s", emr_db_error(app->db));
		emr_invoice_free(&inv);
		return;
	}
	char m[32], f[32];
	emr_strlcpy(iv->number, inv.number, sizeof iv->number);
	inv_line(iv, "Invoice %s", inv.number);
	inv_line(iv, "Issued %.10s   Date of service %s", inv.issued_at, inv.service_date);
	inv_line(iv, "%s", "");
	inv_line(iv, "%s%s%s", inv.practice, *inv.practice_npi ? "   NPI " : "", inv.practice_npi);
	if (*inv.practice_address || *inv.practice_phone)
		inv_line(iv, "%s%s%s", inv.practice_address, *inv.practice_phone ? "   " : "", inv.practice_phone);
	if (*inv.provider)
		inv_line(iv, "Provider %s%s%s", inv.provider, *inv.provider_npi ? "   NPI " : "", inv.provider_npi);
	inv_line(iv, "Patient %s   MRN %s   DOB %s", inv.patient, inv.mrn, inv.dob);
	inv_line(iv, "%s", "");
	inv_line(iv, "Diagnoses");
	for (size_t i = 0; i < inv.ndx; i++) {
		char code[16];
		emr_icd10_display(inv.dx[i].icd10, code, sizeof code);
		inv_line(iv, "  %d  %-8s %s", inv.dx[i].rank, code, inv.dx[i].description);
	}
	if (!inv.ndx)
		inv_line(iv, "  (none)");
	inv_line(iv, "%s", "");
	/* Columns that fit 80: the amounts end at column 76. */
	inv_line(iv, "  %-6s %-28s %-5s %5s %-5s %9s %10s", "Code", "Description", "Mod", "Units", "Dx", "Fee", "Amount");
	for (size_t i = 0; i < inv.nlines; i++) {
		const emr_charge *c = &inv.lines[i];
		money(c->fee_cents, f);
		money(c->amount_cents, m);
		inv_line(iv, "  %-6s %-28.28s %-5s %5d %-5s %9s %10s", c->code, c->description, c->modifiers, c->units,
		         c->dx_pointers, f, m);
	}
	money(inv.total_cents, m);
	inv_line(iv, "  %63s %10s", "Total", m);
	if (inv.nentries) {
		inv_line(iv, "%s", "");
		inv_line(iv, "Payments and adjustments");
		for (size_t i = 0; i < inv.nentries; i++) {
			const emr_ledger_entry *e = &inv.entries[i];
			money(e->amount_cents, m);
			inv_line(iv, "  %-10s %-10s %-9s %-31.31s %10s", e->date, e->kind, e->method, e->reference, m);
		}
	}
	money(inv.balance_cents, m);
	inv_line(iv, "  %63s %10s", "Balance", m);
	emr_invoice_free(&inv);
}

static int act_inv_scroll(tui_app *app, tui_view *v)
{
	invoice_view *iv = as_invoice(v);
	int k = app->last_key, page = iv->rows > 1 ? iv->rows - 1 : 1;
	if (k == 'j' || k == TUI_KEYCODE(KEY_DOWN))
		iv->top++;
	else if (k == 'k' || k == TUI_KEYCODE(KEY_UP))
		iv->top--;
	else if (k == ' ' || k == TUI_KEYCODE(KEY_NPAGE))
		iv->top += page;
	else if (k == 'b' || k == TUI_KEYCODE(KEY_PPAGE))
		iv->top -= page;
	else if (k == 'g' || k == TUI_KEYCODE(KEY_HOME))
		iv->top = 0;
	else
		iv->top = (int)iv->n;
	if (iv->top > (int)iv->n - iv->rows)
		iv->top = (int)iv->n - iv->rows;
	if (iv->top < 0)
		iv->top = 0;
	return TUI_REDRAW;
}

/* p: the superbill to ~/emr-prints, as the note pager prints a note. */
static int act_inv_print(tui_app *app, tui_view *v)
{
	invoice_view *iv = as_invoice(v);
	if (!*iv->number) {
		tui_message(app, "Nothing to print: the invoice could not be read");
		return TUI_REDRAW;
	}
	char stem[64];
	snprintf(stem, sizeof stem, "invoice-%s", iv->number);
	return ui_print_to_file(app, EMR_PRINT_INVOICE, iv->invoice_id, stem);
}

static const tui_binding invoice_keys[] = {
	{{'j', TUI_KEYCODE(KEY_DOWN), 'k', TUI_KEYCODE(KEY_UP)}, "j/k Down/Up", "scroll a line", act_inv_scroll},
	{{' ', TUI_KEYCODE(KEY_NPAGE), 'b', TUI_KEYCODE(KEY_PPAGE)}, "Space/b PgDn/Up", "scroll a page", act_inv_scroll},
	{{'g', TUI_KEYCODE(KEY_HOME), 'G', TUI_KEYCODE(KEY_END)}, "g/G Home/End", "top / bottom", act_inv_scroll},
	{{'p'}, "p", "print the invoice (superbill) to a file in ~/emr-prints", act_inv_print},
	{{0}, NULL, NULL, NULL},
};

static void invoice_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	invoice_view *iv = as_invoice(v);
	int rows = h - 1;
	iv->rows = rows;
	for (int i = 0; i < rows && iv->top + i < (int)iv->n; i++) {
		const char *s = iv->lines[iv->top + i];
		bool head = iv->top + i == 0 || strcmp(s, "Diagnoses") == 0 || strcmp(s, "Payments and adjustments") == 0;
		if (head)
			attron(A_BOLD);
		tui_text(y + i, x + 1, w - 2, s);
		if (head)
			attroff(A_BOLD);
	}
	draw_footer_text(app, y + h - 1, x, w, " j/k scroll  Space page  p print  q back  ? keys");
}

static void invoice_destroy(tui_view *v)
{
	invoice_view *iv = as_invoice(v);
	for (size_t i = 0; i < iv->n; i++)
		free(iv->lines[i]);
	free(iv->lines);
	free(iv);
}

static const tui_view_ops invoice_ops = {
	.name = "Invoice",
	.keymap = invoice_keys,
	.draw = invoice_draw,
	.destroy = invoice_destroy,
};

const tui_binding *ui_invoice_keymap(const char **name)
{
	*name = invoice_ops.name;
	return invoice_ops.keymap;
}

tui_view *ui_invoice_new(tui_app *app, int64_t invoice_id)
{
	invoice_view *iv = emr_xcalloc(1, sizeof *iv);
	iv->base.ops = &invoice_ops;
	iv->invoice_id = invoice_id;
	invoice_load(app, iv);
	return &iv->base;
}
