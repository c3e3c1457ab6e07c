/* tui: the main loop, the view stack, global keys, the status line, the
 * help overlay and the drawing helpers under every screen. */
#include "emr/tui.h"

#include "emr/auth.h"
#include "emr/datetime.h"
#include "emr/lineedit.h"
#include "emr/patient.h"
#include "emr/util.h"

#include <signal.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <unistr.h>
#include <wchar.h>

/* ------------------------------------------------------------- drawing */

int tui_text(int y, int x, int w, const char *s)
{
	if (w <= 0 || !s)
		return 0;
	char *clean = emr_sanitize_dup(s, false);
	int cols = 0;
	size_t bytes = emr_utf8_prefix_for_width(clean, w, &cols);
	mvaddnstr(y, x, clean, (int)bytes);
	free(clean);
	return cols;
}

void tui_text_pad(int y, int x, int w, const char *s)
{
	int used = tui_text(y, x, w, s);
	for (int i = used; i < w; i++)
		mvaddch(y, x + i, ' ');
}

static attr_t role_attr(const tui_app *app, int pair)
{
	if (app->colors) {
		switch (pair) {
		case TUI_PAIR_TITLE: return COLOR_PAIR(TUI_PAIR_TITLE) | A_BOLD;
		case TUI_PAIR_SELECT: return A_REVERSE;
		case TUI_PAIR_ALERT: return COLOR_PAIR(TUI_PAIR_ALERT) | A_BOLD;
		case TUI_PAIR_DIM: return A_DIM;
		default: return COLOR_PAIR(pair);
		}
	}
	/* Monochrome terminals (vt100, linux without colours): the same
	 * distinctions by weight and inversion alone. */
	switch (pair) {
	case TUI_PAIR_TITLE: return A_BOLD;
	case TUI_PAIR_SELECT: return A_REVERSE;
	case TUI_PAIR_ALERT: return A_BOLD | A_REVERSE;
	case TUI_PAIR_DIM: return A_DIM;
	case TUI_PAIR_WARN: return A_BOLD;
	default: return A_NORMAL;
	}
}

void tui_attr_on(const tui_app *app, int pair)
{
	attron(role_attr(app, pair));
}

void tui_attr_off(const tui_app *app, int pair)
{
	attroff(role_attr(app, pair));
}

void tui_rule(const tui_app *app, int y, int x, int w, const char *title, bool focused)
{
	if (w <= 0)
		return;
	/* The wide-character line is sent as U+2500 in a UTF-8 locale, which
	 * every terminal (and tmux) shows; ACS needs the terminal's charset
	 * switching and falls back to '-' or 'q' when that is missing. */
	if (app->plain_ascii)
		mvhline(y, x, '-', w);
	else
		mvhline_set(y, x, WACS_HLINE, w);
	if (!title || w < 6)
		return;
	if (focused)
		tui_attr_on(app, TUI_PAIR_SELECT);
	else
		attron(A_BOLD);
	mvaddch(y, x + 1, ' ');
	int used = tui_text(y, x + 2, w - 4, title);
	addch(' ');
	(void)used;
	if (focused)
		tui_attr_off(app, TUI_PAIR_SELECT);
	else
		attroff(A_BOLD);
}

/* ------------------------------------------------------------ messages */

void tui_message(tui_app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->status, sizeof app->status, fmt, ap);
	va_end(ap);
	app->status_is_error = false;
}

void tui_error(tui_app *app, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(app->status, sizeof app->status, fmt, ap);
	va_end(ap);
	app->status_is_error = true;
	beep();
}

/* ------------------------------------------------------------ painting */

static bool too_small(void)
{
	return COLS < TUI_MIN_COLS || LINES < TUI_MIN_ROWS;
}

static void paint_title(tui_app *app)
{
	char left[256];
	emr_practice pr;
	const char *view = app->top ? app->top->ops->name : "";
	if (emr_practice_get(app->db, &pr) != 0)
		pr.name[0] = '\0';
	snprintf(left, sizeof left, " emr  %s  %s %s", pr.name, *view ? "\xe2\x80\xba" : "", view);
	if (app->plain_ascii)
		snprintf(left, sizeof left, " emr  %s  %s %s", pr.name, *view ? ">" : "", view);
	tui_attr_on(app, TUI_PAIR_TITLE);
	attron(A_REVERSE);
	/* The date keeps its corner; the practice and view names give way. */
	tui_text_pad(0, 0, COLS, "");
	tui_text(0, 0, COLS - 13, left);
	char today[EMR_DATE_LEN];
	emr_today(today);
	tui_text(0, COLS - 12, 11, today);
	attroff(A_REVERSE);
	tui_attr_off(app, TUI_PAIR_TITLE);
}

static void paint_status(tui_app *app)
{
	int y = LINES - 1;
	char who[400];
	/* A message needs the room more than the patient label, which the
	 * chart's header shows anyway. */
	bool show_patient = app->patient_id && !*app->status;
	snprintf(who, sizeof who, " %s (%s)%s%s ", app->cli->user.display_name, app->cli->user.role,
	         show_patient ? (app->plain_ascii ? "  | " : "  \xe2\x94\x82 ") : "", show_patient ? app->patient_label : "");
	attron(A_REVERSE);
	int used = tui_text(y, 0, COLS, who);
	attroff(A_REVERSE);
	move(y, used);
	clrtoeol();
	if (*app->status) {
		if (app->status_is_error)
			tui_attr_on(app, TUI_PAIR_ALERT);
		tui_text(y, used + 1, COLS - used - 2, app->status);
		if (app->status_is_error)
			tui_attr_off(app, TUI_PAIR_ALERT);
	} else if (COLS - used > 12) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y, COLS - 10, 9, "F1 help");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
}

/* The keys of one keymap as help lines into the overlay, from row y. */
static int help_section(const tui_app *app, const char *title, const tui_binding *map, int y, int skip,
                        int top, int bottom, int x, int w)
{
	(void)app;
	if (!map)
		return y;
	if (y - skip >= top && y - skip < bottom) {
		attron(A_BOLD);
		tui_text_pad(y - skip, x, w, title);
		attroff(A_BOLD);
	}
	y++;
	for (const tui_binding *b = map; b->run; b++, y++) {
		if (y - skip < top || y - skip >= bottom)
			continue;
		char line[256];
		snprintf(line, sizeof line, "  %-16s %s", b->keys, b->help);
		tui_text_pad(y - skip, x, w, line);
	}
	return y + 1;
}

static void paint_help(tui_app *app)
{
	int w = COLS - 8 < 76 ? COLS - 8 : 76;
	int h = LINES - 4;
	int x = (COLS - w) / 2, y = 2;
	for (int r = y; r < y + h; r++)
		mvhline(r, x, ' ', w);
	attron(A_BOLD);
	tui_rule(app, y, x, w, NULL, false);
	tui_rule(app, y + h - 1, x, w, NULL, false);
	tui_text(y, x + 2, w - 4, " Keys (any other key closes; j/k scroll) ");
	attroff(A_BOLD);
	char title[128];
	snprintf(title, sizeof title, "%s", app->top ? app->top->ops->name : "");
	int row = y + 1;
	row = help_section(app, title, app->top ? app->top->ops->keymap : NULL, row, app->help_scroll, y + 1,
	                   y + h - 1, x + 2, w - 4);
	help_section(app, "Everywhere", tui_global_keys, row, app->help_scroll, y + 1, y + h - 1, x + 2, w - 4);
}

static void paint(tui_app *app)
{
	erase();
	app->cursor_visible = false;
	if (too_small()) {
		const char *msg = "terminal too small";
		mvaddstr(LINES / 2, COLS > 18 ? (COLS - 18) / 2 : 0, msg);
		char need[64];
		snprintf(need, sizeof need, "(need %dx%d)", TUI_MIN_COLS, TUI_MIN_ROWS);
		if (LINES > 1)
			mvaddstr(LINES / 2 + 1, COLS > 16 ? (COLS - 16) / 2 : 0, need);
		curs_set(0);
		refresh();
		return;
	}
	paint_title(app);
	if (app->top)
		app->top->ops->draw(app, app->top, 1, 0, LINES - 2, COLS);
	paint_status(app);
	if (app->help_open) {
		app->cursor_visible = false;
		paint_help(app);
	}
	if (app->cursor_visible) {
		curs_set(1);
		move(app->cursor_y, app->cursor_x);
	} else {
		curs_set(0);
	}
	refresh();
}

/* --------------------------------------------------------- view stack */

void tui_push(tui_app *app, tui_view *view)
{
	if (!view)
		return;
	/* A new screen starts without the last screen's message. */
	app->status[0] = '\0';
	view->below = app->top;
	app->top = view;
}

static void destroy_top(tui_app *app)
{
	tui_view *v = app->top;
	app->top = v->below;
	v->ops->destroy(v);
	if (app->top && app->top->ops->resume)
		app->top->ops->resume(app, app->top);
}

static bool is_dirty(tui_view *v)
{
	return v->ops->dirty && v->ops->dirty(v);
}

void tui_pop(tui_app *app)
{
	if (!app->top)
		return;
	if (is_dirty(app->top) && !tui_confirm(app, "Discard your changes? (y/n)"))
		return;
	destroy_top(app);
}

bool tui_pop_to_bottom(tui_app *app)
{
	for (tui_view *v = app->top; v && v->below; v = v->below)
		if (is_dirty(v) && !tui_confirm(app, "Discard your unsaved changes? (y/n)"))
			return false;
	while (app->top && app->top->below)
		destroy_top(app);
	return true;
}

/* -------------------------------------------------------------- input */

/* ---------------------------------------------------------- idle lock */

static double mono_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One key of a masked passphrase field: 1 on Enter, -1 on Esc/Ctrl-C,
 * 0 otherwise. */
static int secret_key(emr_lineedit *le, int key)
{
	switch (key) {
	case '\n': case '\r': case TUI_KEYCODE(KEY_ENTER):
		return 1;
	case TUI_KEY_ESC: case TUI_CTRL('c'):
		return -1;
	case TUI_KEYCODE(KEY_BACKSPACE): case 127: case 8:
		emr_le_backspace(le);
		return 0;
	case TUI_CTRL('u'):
		emr_le_kill_line(le);
		return 0;
	default:
		if (key >= 32 && key < (1 << 24))
			emr_le_insert(le, (uint32_t)key);
		return 0;
	}
}

/* As many '*' as the text has characters, at most max. */
static void stars(const char *text, char *out, size_t max)
{
	size_t n = u8_mbsnlen((const uint8_t *)text, strlen(text));
	if (n > max - 1)
		n = max - 1;
	memset(out, '*', n);
	out[n] = '\0';
}

/* The locked screen: nothing of the chart, only who is locked out and
 * the masked field. */
static void paint_lock(tui_app *app, const char *text, const char *msg, bool no_pass)
{
	erase();
	int y = LINES / 2 - 2;
	if (y < 0)
		y = 0;
	char line[400];
	snprintf(line, sizeof line, app->plain_ascii ? "emr is locked - %s - %s" : "emr is locked — %s — %s",
	         app->cli->user.display_name, no_pass ? "no passphrase is set" : "enter your passphrase");
	attron(A_BOLD);
	tui_text(y, 2, COLS - 4, line);
	attroff(A_BOLD);
	int cy = y + 2, cx = 2;
	if (no_pass) {
		tui_text(y + 2, 2, COLS - 4, "no passphrase is set: press Enter to quit emr (set one with emr user passwd)");
		curs_set(0);
	} else {
		char st[80];
		stars(text, st, sizeof st);
		cx = 2 + tui_text(y + 2, 2, COLS - 4, "passphrase: ");
		cx += tui_text(y + 2, cx, COLS - cx - 1, st);
		if (msg && *msg) {
			attron(A_BOLD);
			tui_text(y + 4, 2, COLS - 4, msg);
			attroff(A_BOLD);
		}
		curs_set(1);
	}
	move(cy, cx < COLS ? cx : COLS - 1);
	refresh();
}

/* Blanks the screen until the user's passphrase is entered.  A user
 * without a passphrase can only quit. */
static void tui_lock(tui_app *app)
{
	bool no_pass = !emr_passphrase_is_set(app->db, app->cli->user.id);
	emr_lineedit le = {.max = 1024};
	char msg[160] = "";
	clear();
	for (;;) {
		paint_lock(app, emr_le_text(&le), msg, no_pass);
		wint_t ch;
		int r = get_wch(&ch);
		if (r == ERR)
			continue;
		int key = r == KEY_CODE_YES ? TUI_KEYCODE(ch) : (int)ch;
		if (key == TUI_KEYCODE(KEY_RESIZE))
			continue;
		if (no_pass) {
			if (key == '\n' || key == '\r' || key == TUI_KEYCODE(KEY_ENTER)) {
				emr_le_free(&le);
				endwin();
				fprintf(stderr, "emr: locked without a passphrase; set one with emr user passwd\n");
				exit(EMR_EXIT_FAIL);
			}
			continue;
		}
		int done = secret_key(&le, key);
		if (done < 0)
			emr_le_kill_line(&le);
		if (done <= 0)
			continue;
		if (!*emr_le_text(&le))
			continue;
		paint_lock(app, "", "checking...", false);
		int ok = emr_passphrase_check(app->db, app->cli->user.id, emr_le_text(&le));
		emr_le_kill_line(&le);
		if (ok == 0)
			break;
		snprintf(msg, sizeof msg, "wrong passphrase: still locked");
		flushinp();
	}
	emr_le_free(&le);
	app->idle_since = mono_now();
	curs_set(0);
	clearok(curscr, TRUE);
}

/* Reads one key: a character (a Unicode code point) or a curses key code
 * marked with TUI_KEYCODE.  Returns false on ERR, and after an idle lock
 * (so that the caller repaints). */
static bool read_key(tui_app *app, int *key)
{
	wint_t ch;
	int r;
	/* Waiting for a person can take minutes: hold no read snapshot. */
	emr_db_end_reads(app->db);
	while ((r = get_wch(&ch)) == ERR) {
		if (app->idle_seconds <= 0)
			return false;
		if (mono_now() - app->idle_since >= app->idle_seconds) {
			tui_lock(app);
			return false;
		}
	}
	app->idle_since = mono_now();
	*key = r == KEY_CODE_YES ? TUI_KEYCODE(ch) : (int)ch;
	return true;
}

static void paint_prompt(tui_app *app, const char *question, const char *answer, bool show_cursor)
{
	paint(app);
	int y = LINES - 1;
	move(y, 0);
	clrtoeol();
	attron(A_BOLD);
	int used = tui_text(y, 0, COLS - 1, question);
	attroff(A_BOLD);
	int col = used + 1;
	if (answer)
		col += tui_text(y, used + 1, COLS - used - 2, answer);
	if (show_cursor) {
		curs_set(1);
		move(y, col < COLS ? col : COLS - 1);
	}
	refresh();
}

bool tui_confirm(tui_app *app, const char *question)
{
	for (;;) {
		paint_prompt(app, question, NULL, false);
		int key;
		if (!read_key(app, &key))
			continue;
		if (key == 'y' || key == 'Y')
			return true;
		if (key == 'n' || key == 'N' || key == TUI_KEY_ESC || key == TUI_CTRL('c'))
			return false;
	}
}

bool tui_prompt(tui_app *app, const char *question, char *buf, size_t n)
{
	emr_lineedit le = {.max = n - 1};
	emr_le_set(&le, buf);
	bool done = false, ok = false;
	while (!done) {
		paint_prompt(app, question, emr_le_text(&le), true);
		/* Place the cursor where the editor's cursor is. */
		int key;
		if (!read_key(app, &key))
			continue;
		switch (key) {
		case '\n': case '\r': case TUI_KEYCODE(KEY_ENTER):
			done = ok = true;
			break;
		case TUI_KEY_ESC: case TUI_CTRL('c'):
			done = true;
			break;
		case TUI_KEYCODE(KEY_BACKSPACE): case 127: case 8:
			emr_le_backspace(&le);
			break;
		case TUI_KEYCODE(KEY_DC): emr_le_delete(&le); break;
		case TUI_KEYCODE(KEY_LEFT): emr_le_left(&le); break;
		case TUI_KEYCODE(KEY_RIGHT): emr_le_right(&le); break;
		case TUI_KEYCODE(KEY_HOME): case TUI_CTRL('a'): emr_le_home(&le); break;
		case TUI_KEYCODE(KEY_END): case TUI_CTRL('e'): emr_le_end(&le); break;
		case TUI_CTRL('u'): emr_le_kill_line(&le); break;
		case TUI_CTRL('w'): emr_le_kill_word(&le); break;
		default:
			if (key >= 32 && key < (1 << 24))
				emr_le_insert(&le, (uint32_t)key);
		}
	}
	if (ok)
		emr_strlcpy(buf, emr_le_text(&le), n);
	emr_le_free(&le);
	return ok;
}

bool tui_prompt_secret(tui_app *app, const char *question, char *buf, size_t n)
{
	emr_lineedit le = {.max = n - 1};
	int done = 0;
	while (!done) {
		char st[80];
		stars(emr_le_text(&le), st, sizeof st);
		paint_prompt(app, question, st, true);
		int key;
		if (!read_key(app, &key))
			continue;
		done = secret_key(&le, key);
	}
	if (done > 0)
		emr_strlcpy(buf, emr_le_text(&le), n);
	emr_le_kill_line(&le);
	emr_le_free(&le);
	return done > 0;
}

/* ------------------------------------------------------- global keys */

static int key_help(tui_app *app, tui_view *view)
{
	(void)view;
	app->help_open = true;
	app->help_scroll = 0;
	return TUI_REDRAW;
}

static int key_find_patient(tui_app *app, tui_view *view)
{
	(void)view;
	tui_pop_to_bottom(app);
	return TUI_REDRAW;
}

static int key_repaint(tui_app *app, tui_view *view)
{
	(void)app;
	(void)view;
	clearok(curscr, TRUE);
	return TUI_REDRAW;
}

static int key_back(tui_app *app, tui_view *view)
{
	(void)view;
	if (app->top && !app->top->below) {
		app->quit = true;
		return TUI_QUIT;
	}
	tui_pop(app);
	return TUI_REDRAW;
}

static int key_quit(tui_app *app, tui_view *view)
{
	(void)view;
	for (tui_view *v = app->top; v; v = v->below)
		if (is_dirty(v) && !tui_confirm(app, "Quit and discard your unsaved changes? (y/n)"))
			return TUI_REDRAW;
	app->quit = true;
	return TUI_QUIT;
}

static int key_suspend(tui_app *app, tui_view *view)
{
	(void)view;
	/* In raw mode the terminal sends Ctrl-Z to us; suspend the way the
	 * shell expects, and let curses restore the screen on return. */
	def_prog_mode();
	endwin();
	raise(SIGTSTP);
	reset_prog_mode();
	clearok(curscr, TRUE);
	(void)app;
	return TUI_REDRAW;
}

const tui_binding tui_global_keys[] = {
	{{'?', TUI_KEYCODE(KEY_F(1))}, "?/F1", "this help", key_help},
	{{TUI_CTRL('f')}, "Ctrl-F", "find a patient (back to the patient list)", key_find_patient},
	{{'q', TUI_KEY_ESC}, "q/Esc", "back (quits from the patient list)", key_back},
	{{TUI_CTRL('q'), TUI_KEYCODE(KEY_F(10)), TUI_CTRL('c')}, "Ctrl-Q/F10", "quit emr", key_quit},
	{{TUI_CTRL('l')}, "Ctrl-L", "repaint the screen", key_repaint},
	{{TUI_CTRL('z')}, "Ctrl-Z", "suspend (fg to return)", key_suspend},
	{{0}, NULL, NULL, NULL},
};

static const tui_binding *find_binding(const tui_binding *map, int key)
{
	for (const tui_binding *b = map; b && b->run; b++)
		for (int i = 0; i < 4 && b->key[i]; i++)
			if (b->key[i] == key)
				return b;
	return NULL;
}

static int count_bindings(const tui_binding *map)
{
	int n = 0;
	for (const tui_binding *b = map; b && b->run; b++)
		n++;
	return n;
}

static int help_input(tui_app *app, int key)
{
	/* Two titles and a blank line besides the bindings themselves. */
	int lines = count_bindings(app->top ? app->top->ops->keymap : NULL) + count_bindings(tui_global_keys) + 4;
	int visible = LINES - 6;
	if ((key == 'j' || key == TUI_KEYCODE(KEY_DOWN)) && app->help_scroll < lines - visible)
		app->help_scroll++;
	else if (key == 'j' || key == TUI_KEYCODE(KEY_DOWN))
		;
	else if ((key == 'k' || key == TUI_KEYCODE(KEY_UP)) && app->help_scroll > 0)
		app->help_scroll--;
	else
		app->help_open = false;
	return TUI_REDRAW;
}

static int dispatch(tui_app *app, int key)
{
	app->last_key = key;
	if (key == TUI_KEYCODE(KEY_RESIZE))
		return TUI_REDRAW;
	if (app->help_open)
		return help_input(app, key);
	tui_view *v = app->top;
	bool keycode = key >= (1 << 24);
	int raw = keycode ? key & ~(1 << 24) : key;
	bool printable = !keycode && key >= 32 && key != 127;
	if (too_small())
		return find_binding(tui_global_keys, key) && key != '?' ? find_binding(tui_global_keys, key)->run(app, v)
		                                                        : TUI_REDRAW;
	int r;
	if (printable && v->ops->wants_text && v->ops->wants_text(v) && v->ops->input) {
		r = v->ops->input(app, v, raw, keycode);
		if (!(r & TUI_UNKNOWN))
			return r;
	}
	const tui_binding *b = find_binding(v->ops->keymap, key);
	if (b)
		return b->run(app, v);
	b = find_binding(tui_global_keys, key);
	if (b)
		return b->run(app, v);
	if (v->ops->input) {
		r = v->ops->input(app, v, raw, keycode);
		if (!(r & TUI_UNKNOWN))
			return r;
	}
	return TUI_OK;
}

/* ---------------------------------------------------------------- run */

/* Ctrl-S must reach emr (it is the forms' save key), so XON/XOFF flow
 * control is switched off while emr owns the terminal. */
static void no_flow_control(void)
{
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &t) == 0) {
		t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
}

static void init_colors(tui_app *app)
{
	/* no-color.org: a NO_COLOR that is set and non-empty turns colour off. */
	const char *no_color = getenv("NO_COLOR");
	app->colors = has_colors() && !(no_color && *no_color);
	if (!app->colors)
		return;
	start_color();
	use_default_colors();
	init_pair(TUI_PAIR_TITLE, COLOR_CYAN, -1);
	init_pair(TUI_PAIR_SELECT, COLOR_BLACK, COLOR_CYAN);
	init_pair(TUI_PAIR_ALERT, COLOR_RED, -1);
	init_pair(TUI_PAIR_DIM, COLOR_WHITE, -1);
	init_pair(TUI_PAIR_OK, COLOR_GREEN, -1);
	init_pair(TUI_PAIR_WARN, COLOR_YELLOW, -1);
}

/* EMR_IDLE_SECONDS (for tests), else the practice's idle_timeout_min;
 * 0 = never lock. */
static int idle_seconds(tui_app *app)
{
	const char *s = getenv("EMR_IDLE_SECONDS");
	if (s && *s)
		return atoi(s);
	emr_practice p;
	if (emr_practice_get(app->db, &p) != 0)
		return 600;
	return p.idle_timeout_min > 0 ? p.idle_timeout_min * 60 : 0;
}

int tui_run(emr_cli *cli, tui_view *(*first)(tui_app *app))
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		emr_cli_error(cli, "the charting screen needs a terminal; use the commands (emr help) from scripts");
		return EMR_EXIT_FAIL;
	}
	tui_app app = {.cli = cli, .db = cli->db};
	app.plain_ascii = MB_CUR_MAX == 1;
	set_escdelay(25);
	if (!initscr()) {
		emr_cli_error(cli, "cannot start the screen (is TERM set?)");
		return EMR_EXIT_FAIL;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	/* Home/End as sent by tmux, screen, rxvt and the Linux console, which
	 * not every TERM's terminfo entry lists; unknown, they would arrive as
	 * Esc (back) followed by junk. */
	static const struct { const char *seq; int key; } extra_keys[] = {
		{"\033[1~", KEY_HOME}, {"\033[4~", KEY_END}, {"\033[7~", KEY_HOME}, {"\033[8~", KEY_END},
		{"\033[H", KEY_HOME}, {"\033[F", KEY_END}, {"\033OH", KEY_HOME}, {"\033OF", KEY_END},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(extra_keys); i++)
		if (key_defined(extra_keys[i].seq) == 0)
			define_key(extra_keys[i].seq, extra_keys[i].key);
	no_flow_control();
	init_colors(&app);
	const char *timing = getenv("EMR_KEY_TIMING");
	if (timing && *timing)
		app.key_timing = fopen(timing, "a");
	app.idle_seconds = idle_seconds(&app);
	app.idle_since = mono_now();
	timeout(app.idle_seconds > 0 ? 1000 : -1);
	tui_push(&app, first(&app));
	struct timespec t0 = {0, 0};
	int timed_key = 0;
	while (!app.quit && app.top) {
		paint(&app);
		if (app.key_timing && t0.tv_sec) {
			struct timespec t1;
			clock_gettime(CLOCK_MONOTONIC, &t1);
			fprintf(app.key_timing, "%s %d %.3f\n", app.top ? app.top->ops->name : "-", timed_key,
			        (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
			fflush(app.key_timing);
		}
		int key;
		if (!read_key(&app, &key))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		timed_key = key;
		int flags = dispatch(&app, key);
		if (flags & TUI_QUIT)
			app.quit = true;
		else if ((flags & TUI_POP) && app.top) {
			destroy_top(&app);
			if (!app.top)
				app.quit = true;
		}
	}
	while (app.top)
		destroy_top(&app);
	endwin();
	if (app.key_timing)
		fclose(app.key_timing);
	return EMR_EXIT_OK;
}
