/* ui_textedit: the built-in editor (ui_textedit.h).
 *
 * State: the textbuf (text and cursor), the first screen row shown, and
 * what to do on save.  Input: the keymap below (data, also the ? help)
 * moves and edits through textbuf; printable keys are typed.  Drawing
 * reads the state; the only thing it adjusts is the scroll position,
 * because only it knows the height. */
#include "emr/ui_textedit.h"

#include "emr/textbuf.h"
#include "emr/util.h"

#include <stdlib.h>
#include <string.h>

typedef struct textedit_view {
	tui_view base;
	emr_textbuf tb;
	char title[300];
	emr_tb_pos top;                /* the first screen row shown */
	ui_textedit_save_fn save;
	void *ctx;
	void (*free_ctx)(void *ctx);
	bool discarded;                /* the user chose to leave without saving */
} textedit_view;

static textedit_view *as_edit(tui_view *v)
{
	return (textedit_view *)v;
}

/* ------------------------------------------------------------- layout */

/* The text area of a view drawn in (h, w): a title row above, a footer
 * below, a column of margin on the left and one kept free on the right
 * for the cursor at the end of a full row. */
static int text_width(int w)
{
	return w - 3 > 1 ? w - 3 : 1;
}

static int text_height(int h)
{
	return h - 2 > 1 ? h - 2 : 1;
}

/* The same for the screen tui gives the top view (for page sizes). */
static int screen_width(void)
{
	return text_width(COLS);
}

static int screen_height(void)
{
	return text_height(LINES - 2);
}

/* ------------------------------------------------------------ actions */

static int follow(textedit_view *ev)
{
	emr_tb_scroll(&ev->tb, screen_width(), screen_height(), &ev->top);
	return TUI_REDRAW;
}

static int act_save(tui_app *app, tui_view *v)
{
	textedit_view *ev = as_edit(v);
	char *text = emr_tb_text(&ev->tb);
	int rc = ev->save ? ev->save(app, ev->ctx, text) : 0;
	free(text);
	if (rc != 0)
		return TUI_REDRAW;
	ev->discarded = true;   /* saved: nothing left to lose */
	return TUI_POP;
}

static int act_cancel(tui_app *app, tui_view *v)
{
	textedit_view *ev = as_edit(v);
	if (ev->tb.modified && !ev->discarded) {
		if (!tui_confirm(app, "Discard your changes to this text? (y/n)"))
			return TUI_REDRAW;
		ev->discarded = true;
	}
	tui_message(app, "Nothing saved from the editor");
	return TUI_POP;
}

static int act_move(tui_app *app, tui_view *v)
{
	textedit_view *ev = as_edit(v);
	emr_textbuf *tb = &ev->tb;
	int w = screen_width(), page = screen_height() - 1;
	switch (app->last_key) {
	case TUI_KEYCODE(KEY_LEFT): emr_tb_left(tb); break;
	case TUI_KEYCODE(KEY_RIGHT): emr_tb_right(tb); break;
	case TUI_KEYCODE(KEY_UP): emr_tb_up(tb, w); break;
	case TUI_KEYCODE(KEY_DOWN): emr_tb_down(tb, w); break;
	case TUI_KEYCODE(KEY_HOME): case TUI_CTRL('a'): emr_tb_home(tb); break;
	case TUI_KEYCODE(KEY_END): case TUI_CTRL('e'): emr_tb_end(tb); break;
	case TUI_KEYCODE(KEY_PPAGE): emr_tb_page_up(tb, w, page); break;
	case TUI_KEYCODE(KEY_NPAGE): emr_tb_page_down(tb, w, page); break;
	case TUI_KEYCODE(KEY_SHOME): emr_tb_top(tb); break;
	case TUI_KEYCODE(KEY_SEND): emr_tb_bottom(tb); break;
	}
	return follow(ev);
}

static int act_newline(tui_app *app, tui_view *v)
{
	(void)app;
	emr_tb_newline(&as_edit(v)->tb);
	return follow(as_edit(v));
}

static int act_backspace(tui_app *app, tui_view *v)
{
	(void)app;
	emr_tb_backspace(&as_edit(v)->tb);
	return follow(as_edit(v));
}

static int act_delete(tui_app *app, tui_view *v)
{
	(void)app;
	emr_tb_delete(&as_edit(v)->tb);
	return follow(as_edit(v));
}

static int act_tab(tui_app *app, tui_view *v)
{
	(void)app;
	emr_tb_insert_text(&as_edit(v)->tb, "    ");
	return follow(as_edit(v));
}

static const tui_binding textedit_keys[] = {
	{{TUI_CTRL('s'), TUI_KEYCODE(KEY_F(2))}, "Ctrl-S/F2", "save and close", act_save},
	{{TUI_KEY_ESC}, "Esc", "close (asks before discarding changes)", act_cancel},
	{{TUI_KEYCODE(KEY_LEFT), TUI_KEYCODE(KEY_RIGHT), TUI_KEYCODE(KEY_UP), TUI_KEYCODE(KEY_DOWN)},
	 "arrows", "move (Up/Down by screen rows)", act_move},
	{{TUI_KEYCODE(KEY_HOME), TUI_CTRL('a'), TUI_KEYCODE(KEY_END), TUI_CTRL('e')}, "Home/End", "start / end of the line (Ctrl-A/E too)", act_move},
	{{TUI_KEYCODE(KEY_PPAGE), TUI_KEYCODE(KEY_NPAGE)}, "PgUp/PgDn", "a page up / down", act_move},
	{{TUI_KEYCODE(KEY_SHOME), TUI_KEYCODE(KEY_SEND)}, "Shift-Home/End", "start / end of the text", act_move},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "new line", act_newline},
	{{TUI_KEYCODE(KEY_BACKSPACE), 127, 8}, "Backspace", "delete before the cursor (joins lines)", act_backspace},
	{{TUI_KEYCODE(KEY_DC), TUI_CTRL('d')}, "Delete/Ctrl-D", "delete under the cursor (joins lines)", act_delete},
	{{TUI_KEY_TAB}, "Tab", "four spaces", act_tab},
	{{0}, NULL, NULL, NULL},
};

/* Printable keys are typed; ? and q too (F1 is the help here). */
static int textedit_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	(void)app;
	if (is_keycode || key < 32 || key == 127)
		return TUI_UNKNOWN;
	emr_tb_insert(&as_edit(v)->tb, (uint32_t)key);
	return follow(as_edit(v));
}

static bool textedit_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

static bool textedit_dirty(tui_view *v)
{
	textedit_view *ev = as_edit(v);
	return ev->tb.modified && !ev->discarded;
}

/* ------------------------------------------------------------ drawing */

static void textedit_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	textedit_view *ev = as_edit(v);
	const emr_textbuf *tb = &ev->tb;
	int tw = text_width(w), th = text_height(h);
	emr_tb_scroll(tb, tw, th, &ev->top);

	tui_attr_on(app, TUI_PAIR_TITLE);
	tui_text_pad(y, x, w, "");
	char title[400];
	snprintf(title, sizeof title, "%s%s", ev->title, tb->modified ? "  [changed]" : "");
	tui_text(y, x + 1, w - 2, title);
	tui_attr_off(app, TUI_PAIR_TITLE);

	emr_tb_pos cur;
	int cx;
	emr_tb_cursor_pos(tb, tw, &cur, &cx);
	emr_tb_pos pos = ev->top;
	bool more = tb->n > 0;
	for (int row = 0; row < th; row++) {
		int sy = y + 1 + row;
		mvhline(sy, x, ' ', w);
		if (!more)
			continue;
		const emr_tb_line *l = &tb->lines[pos.line];
		size_t end = emr_tb_row_end(l->s, l->len, pos.start, tw);
		char *part = emr_xmalloc(end - pos.start + 1);
		memcpy(part, l->s + pos.start, end - pos.start);
		part[end - pos.start] = '\0';
		tui_text(sy, x + 1, tw + 1, part);
		free(part);
		if (pos.line == cur.line && pos.start == cur.start) {
			app->cursor_visible = true;
			app->cursor_y = sy;
			app->cursor_x = x + 1 + cx;
		}
		more = emr_tb_next_row(tb, tw, &pos);
	}
	attron(A_REVERSE);
	char foot[200];
	snprintf(foot, sizeof foot, " Ctrl-S save  Esc cancel  line %zu of %zu  (built-in editor; F1 keys)", tb->row + 1,
	         tb->n);
	tui_text_pad(y + h - 1, x, w, foot);
	attroff(A_REVERSE);
}

/* ------------------------------------------------------------ lifecycle */

static void textedit_destroy(tui_view *v)
{
	textedit_view *ev = as_edit(v);
	emr_tb_free(&ev->tb);
	if (ev->free_ctx)
		ev->free_ctx(ev->ctx);
	free(ev);
}

static const tui_view_ops textedit_ops = {
	.name = "Editor",
	.keymap = textedit_keys,
	.draw = textedit_draw,
	.input = textedit_input,
	.dirty = textedit_dirty,
	.wants_text = textedit_wants_text,
	.destroy = textedit_destroy,
};

const tui_binding *ui_textedit_keymap(const char **name)
{
	*name = textedit_ops.name;
	return textedit_ops.keymap;
}

tui_view *ui_textedit_new(tui_app *app, const char *title, const char *text, ui_textedit_save_fn save, void *ctx,
                          void (*free_ctx)(void *ctx))
{
	(void)app;
	textedit_view *ev = emr_xcalloc(1, sizeof *ev);
	ev->base.ops = &textedit_ops;
	emr_strlcpy(ev->title, title ? title : "", sizeof ev->title);
	emr_tb_set(&ev->tb, text ? text : "");
	ev->save = save;
	ev->ctx = ctx;
	ev->free_ctx = free_ctx;
	return &ev->base;
}
