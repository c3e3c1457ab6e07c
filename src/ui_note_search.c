/* ui_note_search: full-text search over the notes (ui_note.h).
 *
 * State: the search box, the query last run and its hits (from
 * emr_note_search: the view runs no SQL), the selection and scroll.  The
 * search runs when a word is finished (a space) and on Enter, so typing
 * stays within a frame however large the practice; Enter on an unchanged
 * query opens the selected note. */
#include "emr/ui_note.h"

#include "emr/lineedit.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/util.h"

#include <stdlib.h>
#include <string.h>

#define HIT_LIMIT 100
#define ROWS_PER_HIT 2

typedef struct search_view {
	tui_view base;
	int64_t patient_id;            /* 0 = every patient */
	char title[400];
	emr_lineedit query;
	char searched[256];            /* the query the hits are for */
	bool ran;                      /* a search has run */
	emr_note_hits hits;
	int selected, scroll;
} search_view;

static search_view *as_search(tui_view *v)
{
	return (search_view *)v;
}

/* ------------------------------------------------------------- state */

static int page_hits(void)
{
	/* Title, box, rule above the hits; footer below. */
	int rows = (LINES - 2 - 4) / ROWS_PER_HIT;
	return rows > 1 ? rows : 1;
}

static void clamp(search_view *sv)
{
	int n = (int)sv->hits.n, page = page_hits();
	if (sv->selected >= n)
		sv->selected = n - 1;
	if (sv->selected < 0)
		sv->selected = 0;
	if (sv->selected < sv->scroll)
		sv->scroll = sv->selected;
	if (sv->selected >= sv->scroll + page)
		sv->scroll = sv->selected - page + 1;
	if (sv->scroll < 0)
		sv->scroll = 0;
}

static void run_search(tui_app *app, search_view *sv)
{
	emr_note_hits_free(&sv->hits);
	emr_strlcpy(sv->searched, emr_le_text(&sv->query), sizeof sv->searched);
	sv->selected = sv->scroll = 0;
	sv->ran = false;
	if (!*sv->searched || strspn(sv->searched, " ") == strlen(sv->searched))
		return;
	sv->ran = true;
	if (emr_note_search(app->db, sv->searched, sv->patient_id, HIT_LIMIT, &sv->hits) != 0)
		tui_error(app, "Search failed: %s", emr_db_error(app->db));
	else
		app->status[0] = '\0';
}

/* ----------------------------------------------------------- actions */

static int move_by(search_view *sv, int delta)
{
	sv->selected += delta;
	clamp(sv);
	return TUI_REDRAW;
}

static int act_move(tui_app *app, tui_view *v)
{
	int k = app->last_key;
	bool up = k == TUI_KEYCODE(KEY_UP) || k == TUI_CTRL('p');
	return move_by(as_search(v), up ? -1 : 1);
}

static int act_page(tui_app *app, tui_view *v)
{
	int page = page_hits();
	return move_by(as_search(v), app->last_key == TUI_KEYCODE(KEY_PPAGE) ? -page : page);
}

static int act_enter(tui_app *app, tui_view *v)
{
	search_view *sv = as_search(v);
	if (strcmp(sv->searched, emr_le_text(&sv->query)) != 0 || !sv->ran) {
		run_search(app, sv);
		if (sv->ran && sv->hits.n == 0)
			tui_message(app, "No note matches \"%s\"", sv->searched);
		return TUI_REDRAW;
	}
	if (sv->hits.n == 0) {
		tui_message(app, "No note to open: type words and press Enter");
		return TUI_REDRAW;
	}
	tui_push(app, ui_note_new(app, sv->hits.items[sv->selected].note_id));
	return TUI_REDRAW;
}

static int act_escape(tui_app *app, tui_view *v)
{
	search_view *sv = as_search(v);
	if (sv->query.len > 0) {
		emr_le_kill_line(&sv->query);
		run_search(app, sv);
		return TUI_REDRAW;
	}
	return TUI_POP;
}

static const tui_binding search_keys[] = {
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "search; again, open the selected note", act_enter},
	{{TUI_KEYCODE(KEY_DOWN), TUI_CTRL('n'), TUI_KEYCODE(KEY_UP), TUI_CTRL('p')}, "Down/Up", "next / previous note (Ctrl-N/P too)", act_move},
	{{TUI_KEYCODE(KEY_NPAGE), TUI_KEYCODE(KEY_PPAGE)}, "PgDn/PgUp", "a page of notes", act_page},
	{{TUI_KEY_ESC}, "Esc", "clear the search (back when empty)", act_escape},
	{{0}, NULL, NULL, NULL},
};

/* Typing goes to the search box; a finished word searches. */
static int search_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	search_view *sv = as_search(v);
	bool changed = false;
	if (is_keycode) {
		switch (key) {
		case KEY_BACKSPACE: changed = emr_le_backspace(&sv->query); break;
		case KEY_DC: changed = emr_le_delete(&sv->query); break;
		case KEY_LEFT: emr_le_left(&sv->query); return TUI_REDRAW;
		case KEY_RIGHT: emr_le_right(&sv->query); return TUI_REDRAW;
		case KEY_HOME: emr_le_home(&sv->query); return TUI_REDRAW;
		case KEY_END: emr_le_end(&sv->query); return TUI_REDRAW;
		default: return TUI_UNKNOWN;
		}
	} else if (key == 127 || key == 8) {
		changed = emr_le_backspace(&sv->query);
	} else if (key == TUI_CTRL('u')) {
		changed = emr_le_kill_line(&sv->query);
	} else if (key == TUI_CTRL('w')) {
		changed = emr_le_kill_word(&sv->query);
	} else if (key >= 32) {
		changed = emr_le_insert(&sv->query, (uint32_t)key);
		if (changed && key == ' ') {
			run_search(app, sv);
			return TUI_REDRAW;
		}
	} else {
		return TUI_UNKNOWN;
	}
	/* An emptied box empties the list; other edits wait for the word. */
	if (changed && sv->query.len == 0)
		run_search(app, sv);
	return TUI_REDRAW;
}

static bool search_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

/* ------------------------------------------------------------ drawing */

/* The snippet with its [matches] highlighted, brackets dropped: bold,
 * underlined and in the warning colour (reversed on rows that are not
 * reversed already). */
static void draw_snippet(const tui_app *app, const char *snippet, int y, int x, int w, bool selected)
{
	char *s = emr_xstrdup(snippet);
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	attr_t hl = A_BOLD | A_UNDERLINE | (app->colors ? COLOR_PAIR(TUI_PAIR_WARN) : A_NORMAL) | (selected ? A_NORMAL : A_REVERSE);
	int col = 0;
	bool in = false;
	char *p = s;
	while (*p && col < w) {
		size_t n = strcspn(p, in ? "]" : "[");
		char c = p[n];
		p[n] = '\0';
		if (in)
			attron(hl);
		col += tui_text(y, x + col, w - col, p);
		if (in) {
			attroff(hl);
			if (selected)
				tui_attr_on(app, TUI_PAIR_SELECT);
		}
		if (!c)
			break;
		p += n + 1;
		in = !in;
	}
	free(s);
}

static void search_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	search_view *sv = as_search(v);
	for (int r = y; r < y + h; r++)
		mvhline(r, x, ' ', w);
	tui_attr_on(app, TUI_PAIR_TITLE);
	tui_text(y, x + 1, w - 2, sv->title);
	tui_attr_off(app, TUI_PAIR_TITLE);

	const char *prompt = "Find in notes: ";
	attron(A_BOLD);
	tui_text(y + 1, x + 1, w - 2, prompt);
	attroff(A_BOLD);
	int qx = x + 1 + (int)strlen(prompt);
	tui_text(y + 1, qx, w - (qx - x) - 1, emr_le_text(&sv->query));
	app->cursor_visible = true;
	app->cursor_y = y + 1;
	app->cursor_x = qx + emr_le_cursor_col(&sv->query);
	if (app->cursor_x >= x + w)
		app->cursor_x = x + w - 1;
	if (!sv->query.len) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y + 1, qx + 1, w - (qx - x) - 2, "words from the notes; each word a prefix, all must occur");
		tui_attr_off(app, TUI_PAIR_DIM);
	}

	char title[400];
	if (!sv->ran)
		snprintf(title, sizeof title, "Type words, then Space or Enter");
	else
		snprintf(title, sizeof title, "%zu%s note%s match \"%s\"", sv->hits.n, sv->hits.n >= HIT_LIMIT ? "+" : "",
		         sv->hits.n == 1 ? "" : "s", sv->searched);
	tui_rule(app, y + 2, x, w, title, false);

	int top = y + 3, page = (h - 4) / ROWS_PER_HIT;
	if (page < 1)
		page = 1;
	if (sv->selected < sv->scroll)
		sv->scroll = sv->selected;
	if (sv->selected >= sv->scroll + page)
		sv->scroll = sv->selected - page + 1;
	for (int i = 0; i < page && sv->scroll + i < (int)sv->hits.n; i++) {
		int idx = sv->scroll + i;
		const emr_note_hit *hit = &sv->hits.items[idx];
		bool sel = idx == sv->selected;
		int ry = top + i * ROWS_PER_HIT;
		if (sel) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(ry, x, ' ', w);
			mvhline(ry + 1, x, ' ', w);
		}
		int sw = emr_display_width(hit->status);
		tui_text(ry, x + 1, 10, hit->date);
		attron(A_BOLD);
		tui_text(ry, x + 13, w - 13 - sw - 3, hit->patient);
		attroff(A_BOLD);
		tui_text(ry, x + w - sw - 2, sw, hit->status);
		draw_snippet(app, hit->snippet, ry + 1, x + 3, w - 4, sel);
		if (sel)
			tui_attr_off(app, TUI_PAIR_SELECT);
	}
	if (sv->ran && sv->hits.n == 0)
		tui_text(top, x + 2, w - 4, "No note matches.  Fewer or shorter words find more.");
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + h - 1, x + 1, w - 2,
	         app->plain_ascii ? "Enter search, then open  Up/Down move  Esc clear/back  F1 help"
	                          : "Enter search, then open  \xe2\x86\x91\xe2\x86\x93 move  Esc clear/back  F1 help");
	tui_attr_off(app, TUI_PAIR_DIM);
}

/* ------------------------------------------------------------ lifecycle */

static void search_resume(tui_app *app, tui_view *v)
{
	/* Back from a note: a signature or an edit shows in the list. */
	search_view *sv = as_search(v);
	if (!sv->ran)
		return;
	int keep = sv->selected;
	emr_lineedit saved = {0};
	emr_le_set(&saved, emr_le_text(&sv->query));
	emr_le_set(&sv->query, sv->searched);
	run_search(app, sv);
	emr_le_set(&sv->query, emr_le_text(&saved));
	emr_le_free(&saved);
	sv->selected = keep;
	clamp(sv);
}

static void search_destroy(tui_view *v)
{
	search_view *sv = as_search(v);
	emr_le_free(&sv->query);
	emr_note_hits_free(&sv->hits);
	free(sv);
}

static const tui_view_ops search_ops = {
	.name = "Note search",
	.keymap = search_keys,
	.draw = search_draw,
	.input = search_input,
	.resume = search_resume,
	.wants_text = search_wants_text,
	.destroy = search_destroy,
};

const tui_binding *ui_note_search_keymap(const char **name)
{
	*name = search_ops.name;
	return search_ops.keymap;
}

tui_view *ui_note_search_new(tui_app *app, int64_t patient_id)
{
	search_view *sv = emr_xcalloc(1, sizeof *sv);
	sv->base.ops = &search_ops;
	sv->patient_id = patient_id;
	sv->query.max = 200;
	emr_patient p;
	if (patient_id && emr_patient_get(app->db, patient_id, &p) == 0) {
		char name[EMR_NAME_MAX * 3 + 8];
		emr_patient_display_name(&p, name, sizeof name);
		char title[sizeof name + 64];
		snprintf(title, sizeof title, "Search the notes of %s (%s)", name, p.mrn);
		emr_strlcpy(sv->title, title, sizeof sv->title);
	} else {
		emr_strlcpy(sv->title, "Search every note", sizeof sv->title);
	}
	return &sv->base;
}
