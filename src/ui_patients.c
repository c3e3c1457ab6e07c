/* ui_patients: the patient list with search-as-you-type. */
#include "emr/ui_patients.h"

#include "emr/lineedit.h"
#include "emr/patient.h"
#include "emr/ui_chart.h"
#include "emr/ui_forms.h"
#include "emr/ui_note.h"
#include "emr/ui_schedule.h"
#include "emr/util.h"

#include <stdlib.h>
#include <string.h>

/* How many matches a search fetches: more than a tall terminal shows,
 * few enough to answer within a frame on a large practice. */
#define SEARCH_LIMIT 100

typedef struct patients_view {
	tui_view base;
	emr_lineedit query;
	emr_patient_list results;
	int selected;           /* index into results */
	int scroll;             /* first visible row */
	int page;               /* rows visible at the last paint */
} patients_view;

static patients_view *as_patients(tui_view *v)
{
	return (patients_view *)v;
}

/* ------------------------------------------------------------- state */

static void run_search(tui_app *app, patients_view *pv)
{
	emr_patient_list_free(&pv->results);
	if (emr_patient_search(app->db, emr_le_text(&pv->query), SEARCH_LIMIT, &pv->results) != 0)
		tui_error(app, "%s", emr_db_error(app->db));
	pv->selected = 0;
	pv->scroll = 0;
}

static void clamp(patients_view *pv)
{
	int n = (int)pv->results.n;
	if (pv->selected >= n)
		pv->selected = n - 1;
	if (pv->selected < 0)
		pv->selected = 0;
	int page = pv->page > 0 ? pv->page : 1;
	if (pv->selected < pv->scroll)
		pv->scroll = pv->selected;
	if (pv->selected >= pv->scroll + page)
		pv->scroll = pv->selected - page + 1;
}

/* ----------------------------------------------------------- actions */

static int move_by(tui_view *v, int delta)
{
	patients_view *pv = as_patients(v);
	pv->selected += delta;
	clamp(pv);
	return TUI_REDRAW;
}

static int act_down(tui_app *app, tui_view *v) { (void)app; return move_by(v, 1); }
static int act_up(tui_app *app, tui_view *v) { (void)app; return move_by(v, -1); }
static int act_page_down(tui_app *app, tui_view *v) { (void)app; return move_by(v, as_patients(v)->page); }
static int act_page_up(tui_app *app, tui_view *v) { (void)app; return move_by(v, -as_patients(v)->page); }

static int act_open(tui_app *app, tui_view *v)
{
	patients_view *pv = as_patients(v);
	if (pv->results.n == 0) {
		tui_message(app, "No patient selected: type a name, a date of birth, an MRN or a phone number");
		return TUI_REDRAW;
	}
	tui_push(app, ui_chart_new(app, pv->results.items[pv->selected].id));
	return TUI_REDRAW;
}

static int act_new(tui_app *app, tui_view *v)
{
	(void)v;
	tui_push(app, ui_form_patient_new(app, 0));
	return TUI_REDRAW;
}

static int act_search_notes(tui_app *app, tui_view *v)
{
	(void)v;
	tui_push(app, ui_note_search_new(app, 0));
	return TUI_REDRAW;
}

static int act_schedule(tui_app *app, tui_view *v)
{
	(void)v;
	tui_push(app, ui_schedule_new(app, NULL));
	return TUI_REDRAW;
}

static int act_escape(tui_app *app, tui_view *v)
{
	patients_view *pv = as_patients(v);
	if (pv->query.len > 0) {
		emr_le_kill_line(&pv->query);
		run_search(app, pv);
		return TUI_REDRAW;
	}
	app->quit = true;
	return TUI_QUIT;
}

static const tui_binding patients_keys[] = {
	{{TUI_KEYCODE(KEY_DOWN), TUI_CTRL('n')}, "Down/Ctrl-N", "next patient", act_down},
	{{TUI_KEYCODE(KEY_UP), TUI_CTRL('p')}, "Up/Ctrl-P", "previous patient", act_up},
	{{TUI_KEYCODE(KEY_NPAGE)}, "PgDn", "next page", act_page_down},
	{{TUI_KEYCODE(KEY_PPAGE)}, "PgUp", "previous page", act_page_up},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "open the chart", act_open},
	{{TUI_KEYCODE(KEY_F(2)), TUI_CTRL('r')}, "F2/Ctrl-R", "register a new patient", act_new},
	{{TUI_KEYCODE(KEY_F(3))}, "F3", "search the text of every note", act_search_notes},
	{{TUI_KEYCODE(KEY_F(4))}, "F4", "today's schedule", act_schedule},
	{{TUI_KEY_ESC}, "Esc", "clear the search (quit when empty)", act_escape},
	{{0}, NULL, NULL, NULL},
};

/* Typing goes to the search box, and every keystroke searches again. */
static int patients_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	patients_view *pv = as_patients(v);
	bool changed = false;
	if (is_keycode) {
		switch (key) {
		case KEY_BACKSPACE: changed = emr_le_backspace(&pv->query); break;
		case KEY_DC: changed = emr_le_delete(&pv->query); break;
		case KEY_LEFT: emr_le_left(&pv->query); return TUI_REDRAW;
		case KEY_RIGHT: emr_le_right(&pv->query); return TUI_REDRAW;
		case KEY_HOME: emr_le_home(&pv->query); return TUI_REDRAW;
		case KEY_END: emr_le_end(&pv->query); return TUI_REDRAW;
		default: return TUI_UNKNOWN;
		}
	} else if (key == 127 || key == 8) {
		changed = emr_le_backspace(&pv->query);
	} else if (key == TUI_CTRL('u')) {
		changed = emr_le_kill_line(&pv->query);
	} else if (key == TUI_CTRL('w')) {
		changed = emr_le_kill_word(&pv->query);
	} else if (key >= 32) {
		changed = emr_le_insert(&pv->query, (uint32_t)key);
	} else {
		return TUI_UNKNOWN;
	}
	if (changed) {
		app->status[0] = '\0';
		run_search(app, pv);
	}
	return TUI_REDRAW;
}

static bool patients_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

/* ------------------------------------------------------------ drawing */

/* Column layout for width w: fixed columns, the name takes the rest. */
typedef struct layout {
	int mrn, name, dob, age, sex, phone;
} layout;

static layout columns_for(int w)
{
	layout l = {.mrn = 9, .dob = 11, .age = 6, .sex = 4, .phone = 15};
	if (w < 76)
		l.phone = 0;
	int fixed = l.mrn + l.dob + l.age + l.sex + l.phone + 6;
	l.name = w - fixed - 2;
	if (l.name < 12)
		l.name = 12;
	return l;
}

static void draw_row(const tui_app *app, int y, int x, const layout *l, const emr_patient *p, const char *today)
{
	char name[512], age[16] = "", sex[4];
	emr_patient_display_name(p, name, sizeof name);
	const char *on = *p->deceased_date ? p->deceased_date : today;
	emr_age_text(p->dob, on, age, sizeof age);
	snprintf(sex, sizeof sex, "%c", p->sex[0] ? p->sex[0] - 32 : '?');
	int c = x + 1;
	tui_text(y, c, l->mrn, p->mrn);
	c += l->mrn + 1;
	tui_text(y, c, l->name, name);
	if (strcmp(p->status, "active") != 0) {
		/* Inactive and deceased charts stay findable, but marked. */
		tui_attr_on(app, TUI_PAIR_DIM);
		int used = emr_display_width(name);
		if (used + 11 < l->name)
			tui_text(y, c + used + 1, l->name - used - 1, strcmp(p->status, "deceased") == 0 ? "(deceased)" : "(inactive)");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	c += l->name + 1;
	tui_text(y, c, l->dob, p->dob);
	c += l->dob + 1;
	tui_text(y, c, l->age, age);
	c += l->age + 1;
	tui_text(y, c, l->sex, sex);
	c += l->sex + 1;
	if (l->phone)
		tui_text(y, c, l->phone, p->phone);
}

static void draw_header(const tui_app *app, int y, int x, const layout *l)
{
	attron(A_BOLD);
	int c = x + 1;
	tui_text(y, c, l->mrn, "MRN");
	c += l->mrn + 1;
	tui_text(y, c, l->name, "Name");
	c += l->name + 1;
	tui_text(y, c, l->dob, "Born");
	c += l->dob + 1;
	tui_text(y, c, l->age, "Age");
	c += l->age + 1;
	tui_text(y, c, l->sex, "Sex");
	c += l->sex + 1;
	if (l->phone)
		tui_text(y, c, l->phone, "Phone");
	attroff(A_BOLD);
	(void)app;
}

static void patients_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	patients_view *pv = as_patients(v);
	const char *prompt = "Find patient: ";
	attron(A_BOLD);
	tui_text(y + 1, x + 1, w - 2, prompt);
	attroff(A_BOLD);
	int qx = x + 1 + (int)strlen(prompt);
	tui_text(y + 1, qx, w - qx - 1, emr_le_text(&pv->query));
	app->cursor_visible = true;
	app->cursor_y = y + 1;
	app->cursor_x = qx + emr_le_cursor_col(&pv->query);
	if (app->cursor_x >= x + w)
		app->cursor_x = x + w - 1;

	tui_attr_on(app, TUI_PAIR_DIM);
	const char *hint = pv->query.len ? "" : "name (any order), date of birth, MRN or phone";
	if (*hint)
		tui_text(y + 1, qx + 1, w - qx - 2, hint);
	tui_attr_off(app, TUI_PAIR_DIM);

	layout l = columns_for(w);
	char title[64];
	snprintf(title, sizeof title, "%s%zu%s", pv->query.len ? "" : "Recent and all patients: ", pv->results.n,
	         pv->results.n >= SEARCH_LIMIT ? "+ shown" : pv->results.n == 1 ? " match" : " matches");
	tui_rule(app, y + 2, x, w, title, false);
	draw_header(app, y + 3, x, &l);
	int top = y + 4, rows = h - 6;
	pv->page = rows > 1 ? rows : 1;
	clamp(pv);
	char today[EMR_DATE_LEN];
	emr_today(today);
	for (int i = 0; i < rows && pv->scroll + i < (int)pv->results.n; i++) {
		int idx = pv->scroll + i;
		bool sel = idx == pv->selected;
		if (sel) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(top + i, x, ' ', w);
		}
		draw_row(app, top + i, x, &l, &pv->results.items[idx], today);
		if (sel)
			tui_attr_off(app, TUI_PAIR_SELECT);
	}
	if (pv->results.n == 0 && pv->query.len)
		tui_text(top, x + 2, w - 4, "No patient matches.  F2 registers a new one.");
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + h - 1, x + 1, w - 2, "Enter open  \xe2\x86\x91\xe2\x86\x93 move  F2 new patient  F3 search notes  Esc clear  Ctrl-Q quit");
	tui_attr_off(app, TUI_PAIR_DIM);
}

static void patients_resume(tui_app *app, tui_view *v)
{
	/* Back from a chart: the patient list shows fresh data (a new
	 * patient, an edited name, the recently-opened order). */
	patients_view *pv = as_patients(v);
	int keep = pv->selected;
	run_search(app, pv);
	if (pv->query.len)
		pv->selected = keep;
	clamp(pv);
	app->patient_id = 0;
	app->patient_label[0] = '\0';
}

static void patients_destroy(tui_view *v)
{
	patients_view *pv = as_patients(v);
	emr_le_free(&pv->query);
	emr_patient_list_free(&pv->results);
	free(pv);
}

static const tui_view_ops patients_ops = {
	.name = "Patients",
	.keymap = patients_keys,
	.draw = patients_draw,
	.input = patients_input,
	.resume = patients_resume,
	.wants_text = patients_wants_text,
	.destroy = patients_destroy,
};

const tui_binding *ui_patients_keymap(const char **name)
{
	*name = patients_ops.name;
	return patients_ops.keymap;
}

tui_view *ui_patients_new(tui_app *app)
{
	patients_view *pv = emr_xcalloc(1, sizeof *pv);
	pv->base.ops = &patients_ops;
	pv->query.max = 200;
	run_search(app, pv);
	return &pv->base;
}
