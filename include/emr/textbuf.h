/* textbuf: the buffer of the built-in note editor, with no curses in it so
 * that every operation is unit-tested.  Text is UTF-8 held as lines; the
 * cursor is a line and a byte offset, always on a character boundary, and
 * moves by whole characters.  Long lines are shown soft-wrapped at word
 * boundaries: Up and Down move by screen rows (of a given width), keeping
 * the column they started from, as nano and most editors do.
 *
 * Zero-initialise an emr_textbuf or call emr_tb_set(); emr_tb_free()
 * releases it.  emr_tb_text() returns heap memory the caller frees. */
#ifndef EMR_TEXTBUF_H
#define EMR_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct emr_tb_line {
	char *s;                /* NUL-terminated UTF-8, no newline */
	size_t len, cap;
} emr_tb_line;

typedef struct emr_textbuf {
	emr_tb_line *lines;     /* at least one once used */
	size_t n, cap;
	size_t row;             /* the cursor's line */
	size_t col;             /* the cursor's byte offset in that line */
	int goal;               /* screen column kept by Up/Down; -1 = none */
	bool modified;          /* changed since emr_tb_set / emr_tb_mark_clean */
} emr_textbuf;

/* A screen row of the wrapped text: line `line`, from byte `start`. */
typedef struct emr_tb_pos {
	size_t line, start;
} emr_tb_pos;

void emr_tb_free(emr_textbuf *tb);
/* Replaces the text (CRLF becomes LF, a tab four spaces, other control
 * characters and malformed UTF-8 are cleaned); the cursor goes to the
 * start and the buffer counts as unmodified. */
void emr_tb_set(emr_textbuf *tb, const char *text);
/* The whole text, lines joined by '\n' (heap; the caller frees). */
char *emr_tb_text(const emr_textbuf *tb);
/* True when the text is empty or only white space. */
bool emr_tb_blank(const emr_textbuf *tb);
void emr_tb_mark_clean(emr_textbuf *tb);

/* Editing.  Each returns true when the text or the cursor changed.
 * insert refuses control characters (use newline for Enter). */
bool emr_tb_insert(emr_textbuf *tb, uint32_t ch);
/* Inserts UTF-8 text, newlines included (a paste). */
bool emr_tb_insert_text(emr_textbuf *tb, const char *s);
bool emr_tb_newline(emr_textbuf *tb);
bool emr_tb_backspace(emr_textbuf *tb);   /* at a line's start: joins it to the one above */
bool emr_tb_delete(emr_textbuf *tb);      /* at a line's end: joins the next one */

/* Moving.  Left and Right cross line ends; Home and End go to the start
 * and end of the line; top and bottom to the start and end of the text. */
bool emr_tb_left(emr_textbuf *tb);
bool emr_tb_right(emr_textbuf *tb);
bool emr_tb_home(emr_textbuf *tb);
bool emr_tb_end(emr_textbuf *tb);
bool emr_tb_top(emr_textbuf *tb);
bool emr_tb_bottom(emr_textbuf *tb);
/* By screen rows of `width` columns (the wrapping below). */
bool emr_tb_up(emr_textbuf *tb, int width);
bool emr_tb_down(emr_textbuf *tb, int width);
bool emr_tb_page_up(emr_textbuf *tb, int width, int rows);
bool emr_tb_page_down(emr_textbuf *tb, int width, int rows);

/* ------------------------------------------------------------- wrapping */

/* Where the screen row that starts at byte `from` of s (len bytes) ends,
 * for rows of `width` columns: after the last space that fits, else where
 * the next character would not fit (a wide character never splits).
 * Returns len when the rest fits; always more than from while from < len. */
size_t emr_tb_row_end(const char *s, size_t len, size_t from, int width);
/* Screen rows line i takes (at least 1). */
int emr_tb_line_rows(const emr_textbuf *tb, size_t i, int width);
/* The cursor's screen row (its start) and column within that row. */
void emr_tb_cursor_pos(const emr_textbuf *tb, int width, emr_tb_pos *row, int *x);
/* Moves *top (the first row shown) so that the cursor is among the
 * `height` rows shown from it. */
void emr_tb_scroll(const emr_textbuf *tb, int width, int height, emr_tb_pos *top);
/* The screen row after / before pos; false at the end / start. */
bool emr_tb_next_row(const emr_textbuf *tb, int width, emr_tb_pos *pos);
bool emr_tb_prev_row(const emr_textbuf *tb, int width, emr_tb_pos *pos);

#endif
