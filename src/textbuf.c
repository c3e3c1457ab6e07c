/* textbuf: a curses-free multi-line editor buffer over UTF-8 (textbuf.h). */
#include "emr/textbuf.h"

#include "emr/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include <uniwidth.h>

/* ------------------------------------------------------------ characters */

static bool is_control(uint32_t ch)
{
	return ch < 0x20 || ch == 0x7F || (ch >= 0x80 && ch < 0xA0);
}

/* The character at s[i] (n bytes in all): its code point and length. */
static size_t char_at(const char *s, size_t n, size_t i, ucs4_t *ch)
{
	ucs4_t c = 0xFFFD;
	int len = u8_mbtouc(&c, (const uint8_t *)s + i, n - i);
	if (ch)
		*ch = c;
	return len > 0 ? (size_t)len : 1;
}

static int char_width(ucs4_t c)
{
	int w = uc_width(c, "UTF-8");
	return w < 0 ? 1 : w;
}

/* The start of the character before byte i. */
static size_t prev_char(const char *s, size_t i)
{
	if (i == 0)
		return 0;
	i--;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* Display columns of s[from, to). */
static int width_of(const char *s, size_t from, size_t to)
{
	int w = 0;
	for (size_t i = from; i < to;) {
		ucs4_t c;
		i += char_at(s, to, i, &c);
		w += char_width(c);
	}
	return w;
}

/* ---------------------------------------------------------------- lines */

static void line_reserve(emr_tb_line *l, size_t need)
{
	if (need + 1 <= l->cap)
		return;
	size_t cap = l->cap ? l->cap : 32;
	while (cap < need + 1)
		cap *= 2;
	bool fresh = l->s == NULL;
	l->s = emr_xrealloc(l->s, cap);
	if (fresh)
		l->s[0] = '\0';
	l->cap = cap;
}

static void line_insert(emr_tb_line *l, size_t at, const char *s, size_t n)
{
	line_reserve(l, l->len + n);
	memmove(l->s + at + n, l->s + at, l->len - at + 1);
	memcpy(l->s + at, s, n);
	l->len += n;
}

static void line_cut(emr_tb_line *l, size_t from, size_t to)
{
	memmove(l->s + from, l->s + to, l->len - to + 1);
	l->len -= to - from;
}

/* Inserts an empty line at index i. */
static emr_tb_line *insert_line(emr_textbuf *tb, size_t i)
{
	if (tb->n == tb->cap) {
		tb->cap = tb->cap ? tb->cap * 2 : 16;
		tb->lines = emr_xrealloc(tb->lines, tb->cap * sizeof *tb->lines);
	}
	memmove(tb->lines + i + 1, tb->lines + i, (tb->n - i) * sizeof *tb->lines);
	tb->n++;
	emr_tb_line *l = &tb->lines[i];
	memset(l, 0, sizeof *l);
	line_reserve(l, 0);
	return l;
}

static void remove_line(emr_textbuf *tb, size_t i)
{
	free(tb->lines[i].s);
	memmove(tb->lines + i, tb->lines + i + 1, (tb->n - i - 1) * sizeof *tb->lines);
	tb->n--;
}

/* A buffer always has a line for the cursor to be on. */
static void ensure_line(emr_textbuf *tb)
{
	if (tb->n == 0) {
		insert_line(tb, 0);
		tb->row = tb->col = 0;
		tb->goal = -1;
	}
}

static emr_tb_line *cur(emr_textbuf *tb)
{
	ensure_line(tb);
	return &tb->lines[tb->row];
}

void emr_tb_free(emr_textbuf *tb)
{
	for (size_t i = 0; i < tb->n; i++)
		free(tb->lines[i].s);
	free(tb->lines);
	memset(tb, 0, sizeof *tb);
}

void emr_tb_set(emr_textbuf *tb, const char *text)
{
	emr_tb_free(tb);
	tb->goal = -1;
	emr_tb_line *l = insert_line(tb, 0);
	size_t n = text ? strlen(text) : 0;
	for (size_t i = 0; i < n;) {
		ucs4_t c;
		size_t len = char_at(text, n, i, &c);
		if (c == '\r' && i + 1 < n && text[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\n' || c == '\r') {
			l = insert_line(tb, tb->n);
		} else if (c == '\t') {
			line_insert(l, l->len, "    ", 4);
		} else if (!is_control(c)) {
			uint8_t enc[6];
			int m = u8_uctomb(enc, c, sizeof enc);
			if (m > 0)
				line_insert(l, l->len, (const char *)enc, (size_t)m);
		}
		i += len;
	}
	tb->row = tb->col = 0;
	tb->modified = false;
}

char *emr_tb_text(const emr_textbuf *tb)
{
	emr_sb sb = EMR_SB_INIT;
	for (size_t i = 0; i < tb->n; i++) {
		if (i)
			emr_sb_putc(&sb, '\n');
		emr_sb_appendn(&sb, tb->lines[i].s, tb->lines[i].len);
	}
	if (!sb.buf)
		return emr_xstrdup("");
	return emr_sb_take(&sb);
}

bool emr_tb_blank(const emr_textbuf *tb)
{
	for (size_t i = 0; i < tb->n; i++)
		for (size_t j = 0; j < tb->lines[i].len; j++)
			if (tb->lines[i].s[j] != ' ')
				return false;
	return true;
}

void emr_tb_mark_clean(emr_textbuf *tb)
{
	tb->modified = false;
}

/* -------------------------------------------------------------- editing */

static bool changed(emr_textbuf *tb)
{
	tb->modified = true;
	tb->goal = -1;
	return true;
}

bool emr_tb_insert(emr_textbuf *tb, uint32_t ch)
{
	if (is_control(ch) || ch > 0x10FFFF || (ch >= 0xD800 && ch <= 0xDFFF))
		return false;
	uint8_t enc[6];
	int n = u8_uctomb(enc, ch, sizeof enc);
	if (n <= 0)
		return false;
	emr_tb_line *l = cur(tb);
	line_insert(l, tb->col, (const char *)enc, (size_t)n);
	tb->col += (size_t)n;
	return changed(tb);
}

bool emr_tb_newline(emr_textbuf *tb)
{
	emr_tb_line *l = cur(tb);
	size_t rest = l->len - tb->col;
	emr_tb_line *next = insert_line(tb, tb->row + 1);
	l = &tb->lines[tb->row];   /* the array may have moved */
	line_insert(next, 0, l->s + tb->col, rest);
	line_cut(l, tb->col, l->len);
	tb->row++;
	tb->col = 0;
	return changed(tb);
}

bool emr_tb_insert_text(emr_textbuf *tb, const char *s)
{
	bool any = false;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		ucs4_t c;
		size_t len = char_at(s, n, i, &c);
		if (c == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '\n' || c == '\r')
			any |= emr_tb_newline(tb);
		else if (c == '\t')
			for (int k = 0; k < 4; k++)
				any |= emr_tb_insert(tb, ' ');
		else
			any |= emr_tb_insert(tb, c);
		i += len;
	}
	return any;
}

/* Joins line i + 1 onto the end of line i. */
static void join_next(emr_textbuf *tb, size_t i)
{
	emr_tb_line *a = &tb->lines[i], *b = &tb->lines[i + 1];
	line_insert(a, a->len, b->s, b->len);
	remove_line(tb, i + 1);
}

bool emr_tb_backspace(emr_textbuf *tb)
{
	emr_tb_line *l = cur(tb);
	if (tb->col > 0) {
		size_t from = prev_char(l->s, tb->col);
		line_cut(l, from, tb->col);
		tb->col = from;
		return changed(tb);
	}
	if (tb->row == 0)
		return false;
	tb->row--;
	tb->col = tb->lines[tb->row].len;
	join_next(tb, tb->row);
	return changed(tb);
}

bool emr_tb_delete(emr_textbuf *tb)
{
	emr_tb_line *l = cur(tb);
	if (tb->col < l->len) {
		size_t len = char_at(l->s, l->len, tb->col, NULL);
		line_cut(l, tb->col, tb->col + len);
		return changed(tb);
	}
	if (tb->row + 1 >= tb->n)
		return false;
	join_next(tb, tb->row);
	return changed(tb);
}

/* --------------------------------------------------------------- moving */

static bool moved(emr_textbuf *tb, size_t row, size_t col, bool keep_goal)
{
	bool any = row != tb->row || col != tb->col;
	tb->row = row;
	tb->col = col;
	if (!keep_goal)
		tb->goal = -1;
	return any;
}

bool emr_tb_left(emr_textbuf *tb)
{
	emr_tb_line *l = cur(tb);
	if (tb->col > 0)
		return moved(tb, tb->row, prev_char(l->s, tb->col), false);
	if (tb->row == 0)
		return false;
	return moved(tb, tb->row - 1, tb->lines[tb->row - 1].len, false);
}

bool emr_tb_right(emr_textbuf *tb)
{
	emr_tb_line *l = cur(tb);
	if (tb->col < l->len)
		return moved(tb, tb->row, tb->col + char_at(l->s, l->len, tb->col, NULL), false);
	if (tb->row + 1 >= tb->n)
		return false;
	return moved(tb, tb->row + 1, 0, false);
}

bool emr_tb_home(emr_textbuf *tb)
{
	ensure_line(tb);
	return moved(tb, tb->row, 0, false);
}

bool emr_tb_end(emr_textbuf *tb)
{
	return moved(tb, tb->row, cur(tb)->len, false);
}

bool emr_tb_top(emr_textbuf *tb)
{
	ensure_line(tb);
	return moved(tb, 0, 0, false);
}

bool emr_tb_bottom(emr_textbuf *tb)
{
	ensure_line(tb);
	return moved(tb, tb->n - 1, tb->lines[tb->n - 1].len, false);
}

/* ------------------------------------------------------------- wrapping */

size_t emr_tb_row_end(const char *s, size_t len, size_t from, int width)
{
	if (width < 1)
		width = 1;
	int used = 0;
	size_t i = from, last_space = 0;
	bool space_seen = false;
	while (i < len) {
		ucs4_t c;
		size_t n = char_at(s, len, i, &c);
		int w = char_width(c);
		if (used + w > width) {
			if (i == from)   /* wider than the row: it goes alone */
				return i + n;
			if (c == ' ')    /* a space at the break hangs past the edge */
				return i + n;
			return space_seen ? last_space + 1 : i;
		}
		used += w;
		if (c == ' ' && i > from) {   /* a leading space is no place to break */
			last_space = i;
			space_seen = true;
		}
		i += n;
	}
	return len;
}

/* The start of the screen row of line i that holds byte col. */
static size_t row_start_of(const emr_textbuf *tb, size_t i, size_t col, int width)
{
	const emr_tb_line *l = &tb->lines[i];
	size_t start = 0;
	for (;;) {
		size_t end = emr_tb_row_end(l->s, l->len, start, width);
		if (end >= l->len || col < end)
			return start;
		start = end;
	}
}

int emr_tb_line_rows(const emr_textbuf *tb, size_t i, int width)
{
	const emr_tb_line *l = &tb->lines[i];
	int rows = 1;
	size_t start = 0;
	for (;;) {
		size_t end = emr_tb_row_end(l->s, l->len, start, width);
		if (end >= l->len)
			return rows;
		rows++;
		start = end;
	}
}

void emr_tb_cursor_pos(const emr_textbuf *tb, int width, emr_tb_pos *row, int *x)
{
	if (tb->n == 0) {
		*row = (emr_tb_pos){0, 0};
		*x = 0;
		return;
	}
	const emr_tb_line *l = &tb->lines[tb->row];
	size_t start = row_start_of(tb, tb->row, tb->col, width);
	*row = (emr_tb_pos){tb->row, start};
	*x = width_of(l->s, start, tb->col);
}

bool emr_tb_next_row(const emr_textbuf *tb, int width, emr_tb_pos *pos)
{
	if (pos->line >= tb->n)
		return false;
	const emr_tb_line *l = &tb->lines[pos->line];
	size_t end = emr_tb_row_end(l->s, l->len, pos->start, width);
	if (end < l->len) {
		pos->start = end;
		return true;
	}
	if (pos->line + 1 >= tb->n)
		return false;
	*pos = (emr_tb_pos){pos->line + 1, 0};
	return true;
}

bool emr_tb_prev_row(const emr_textbuf *tb, int width, emr_tb_pos *pos)
{
	if (pos->start > 0) {
		size_t before = prev_char(tb->lines[pos->line].s, pos->start);
		pos->start = row_start_of(tb, pos->line, before, width);
		return true;
	}
	if (pos->line == 0)
		return false;
	size_t i = pos->line - 1;
	*pos = (emr_tb_pos){i, row_start_of(tb, i, tb->lines[i].len, width)};
	return true;
}

/* The byte in the row starting at pos whose column is the last at or
 * before goal. */
static size_t col_in_row(const emr_textbuf *tb, emr_tb_pos pos, int width, int goal)
{
	const emr_tb_line *l = &tb->lines[pos.line];
	size_t end = emr_tb_row_end(l->s, l->len, pos.start, width);
	/* The row's last byte belongs to the next row unless it is the
	 * line's end: stop before it. */
	size_t limit = end < l->len ? prev_char(l->s, end) : l->len;
	if (limit < pos.start)
		limit = pos.start;
	size_t i = pos.start;
	int used = 0;
	while (i < limit) {
		ucs4_t c;
		size_t n = char_at(l->s, l->len, i, &c);
		int w = char_width(c);
		if (used + w > goal)
			break;
		used += w;
		i += n;
	}
	return i;
}

static bool vertical(emr_textbuf *tb, int width, bool down)
{
	ensure_line(tb);
	emr_tb_pos pos;
	int x;
	emr_tb_cursor_pos(tb, width, &pos, &x);
	if (tb->goal < 0)
		tb->goal = x;
	bool ok = down ? emr_tb_next_row(tb, width, &pos) : emr_tb_prev_row(tb, width, &pos);
	if (!ok) {
		/* Past the first or last row: to the start or the end. */
		int goal = tb->goal;
		bool any = down ? emr_tb_end(tb) : emr_tb_home(tb);
		tb->goal = goal;
		return any;
	}
	return moved(tb, pos.line, col_in_row(tb, pos, width, tb->goal), true);
}

bool emr_tb_up(emr_textbuf *tb, int width)
{
	return vertical(tb, width, false);
}

bool emr_tb_down(emr_textbuf *tb, int width)
{
	return vertical(tb, width, true);
}

bool emr_tb_page_up(emr_textbuf *tb, int width, int rows)
{
	bool any = false;
	for (int i = 0; i < (rows > 1 ? rows : 1); i++)
		any |= emr_tb_up(tb, width);
	return any;
}

bool emr_tb_page_down(emr_textbuf *tb, int width, int rows)
{
	bool any = false;
	for (int i = 0; i < (rows > 1 ? rows : 1); i++)
		any |= emr_tb_down(tb, width);
	return any;
}

static int pos_cmp(emr_tb_pos a, emr_tb_pos b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	return a.start < b.start ? -1 : a.start > b.start ? 1 : 0;
}

void emr_tb_scroll(const emr_textbuf *tb, int width, int height, emr_tb_pos *top)
{
	if (tb->n == 0) {
		*top = (emr_tb_pos){0, 0};
		return;
	}
	if (height < 1)
		height = 1;
	/* A top left pointing past the text (after deletions) starts over. */
	if (top->line >= tb->n || top->start > tb->lines[top->line].len)
		*top = (emr_tb_pos){tb->n - 1, 0};
	else
		top->start = row_start_of(tb, top->line, top->start, width);
	emr_tb_pos c;
	int x;
	emr_tb_cursor_pos(tb, width, &c, &x);
	if (pos_cmp(c, *top) < 0) {
		*top = c;
		return;
	}
	/* Rows from top to the cursor; while too many, top moves down. */
	int rows = 0;
	emr_tb_pos p = *top;
	while (pos_cmp(p, c) < 0 && emr_tb_next_row(tb, width, &p))
		rows++;
	while (rows >= height) {
		emr_tb_next_row(tb, width, top);
		rows--;
	}
}
