/* lineedit: a one-line text editor with no curses in it, so every
 * operation can be unit-tested.  Text is UTF-8; the cursor moves by whole
 * characters (code points), never into the middle of a sequence.
 *
 * Zero-initialise an emr_lineedit (or use emr_le_set); emr_le_free()
 * releases its buffer.  emr_le_text() is valid until the next change. */
#ifndef EMR_LINEEDIT_H
#define EMR_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct emr_lineedit {
	char *buf;        /* NUL-terminated UTF-8 */
	size_t len;       /* bytes, without the NUL */
	size_t cap;
	size_t cursor;    /* byte offset, always at a character boundary */
	size_t max;       /* byte limit (0 = 4096) */
} emr_lineedit;

void emr_le_free(emr_lineedit *le);
/* Replaces the text; the cursor goes to the end. */
void emr_le_set(emr_lineedit *le, const char *text);
const char *emr_le_text(const emr_lineedit *le);

/* Inserts one Unicode character at the cursor.  Control characters are
 * refused (false), and so is anything past the byte limit. */
bool emr_le_insert(emr_lineedit *le, uint32_t ch);
/* Editing keys; each returns true when the text or cursor changed. */
bool emr_le_backspace(emr_lineedit *le);
bool emr_le_delete(emr_lineedit *le);
bool emr_le_left(emr_lineedit *le);
bool emr_le_right(emr_lineedit *le);
bool emr_le_home(emr_lineedit *le);
bool emr_le_end(emr_lineedit *le);
bool emr_le_kill_line(emr_lineedit *le);      /* Ctrl-U: clear the line */
bool emr_le_kill_word(emr_lineedit *le);      /* Ctrl-W: delete the word before the cursor */

/* Display columns from the start of the text to the cursor. */
int emr_le_cursor_col(const emr_lineedit *le);

#endif
