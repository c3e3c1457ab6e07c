/* lineedit: a curses-free one-line editor over UTF-8. */
#include "emr/lineedit.h"

#include "emr/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include <uniwidth.h>

#define DEFAULT_MAX 4096

void emr_le_free(emr_lineedit *le)
{
	free(le->buf);
	memset(le, 0, sizeof *le);
}

static void reserve(emr_lineedit *le, size_t need)
{
	if (need + 1 <= le->cap)
		return;
	size_t cap = le->cap ? le->cap : 32;
	while (cap < need + 1)
		cap *= 2;
	bool fresh = le->buf == NULL;
	le->buf = emr_xrealloc(le->buf, cap);
	if (fresh)
		le->buf[0] = '\0';
	le->cap = cap;
}

void emr_le_set(emr_lineedit *le, const char *text)
{
	size_t n = strlen(text);
	reserve(le, n);
	memcpy(le->buf, text, n + 1);
	le->len = n;
	le->cursor = n;
}

const char *emr_le_text(const emr_lineedit *le)
{
	return le->buf ? le->buf : "";
}

bool emr_le_insert(emr_lineedit *le, uint32_t ch)
{
	if (ch < 0x20 || ch == 0x7F || (ch >= 0x80 && ch < 0xA0) || ch > 0x10FFFF || (ch >= 0xD800 && ch <= 0xDFFF))
		return false;
	uint8_t enc[6];
	int n = u8_uctomb(enc, ch, sizeof enc);
	size_t max = le->max ? le->max : DEFAULT_MAX;
	if (n <= 0 || le->len + (size_t)n > max)
		return false;
	reserve(le, le->len + (size_t)n);
	memmove(le->buf + le->cursor + n, le->buf + le->cursor, le->len - le->cursor + 1);
	memcpy(le->buf + le->cursor, enc, (size_t)n);
	le->len += (size_t)n;
	le->cursor += (size_t)n;
	return true;
}

/* Byte length of the character before / at the cursor. */
static size_t prev_len(const emr_lineedit *le)
{
	if (le->cursor == 0)
		return 0;
	size_t i = le->cursor - 1;
	while (i > 0 && ((unsigned char)le->buf[i] & 0xC0) == 0x80)
		i--;
	return le->cursor - i;
}

static size_t next_len(const emr_lineedit *le)
{
	if (le->cursor >= le->len)
		return 0;
	ucs4_t c;
	int n = u8_mbtouc(&c, (const uint8_t *)le->buf + le->cursor, le->len - le->cursor);
	return n > 0 ? (size_t)n : 1;
}

static void cut(emr_lineedit *le, size_t from, size_t to)
{
	memmove(le->buf + from, le->buf + to, le->len - to + 1);
	le->len -= to - from;
	le->cursor = from;
}

bool emr_le_backspace(emr_lineedit *le)
{
	size_t n = prev_len(le);
	if (!n)
		return false;
	cut(le, le->cursor - n, le->cursor);
	return true;
}

bool emr_le_delete(emr_lineedit *le)
{
	size_t n = next_len(le);
	if (!n)
		return false;
	cut(le, le->cursor, le->cursor + n);
	return true;
}

bool emr_le_left(emr_lineedit *le)
{
	size_t n = prev_len(le);
	le->cursor -= n;
	return n > 0;
}

bool emr_le_right(emr_lineedit *le)
{
	size_t n = next_len(le);
	le->cursor += n;
	return n > 0;
}

bool emr_le_home(emr_lineedit *le)
{
	bool moved = le->cursor != 0;
	le->cursor = 0;
	return moved;
}

bool emr_le_end(emr_lineedit *le)
{
	bool moved = le->cursor != le->len;
	le->cursor = le->len;
	return moved;
}

bool emr_le_kill_line(emr_lineedit *le)
{
	if (le->len == 0)
		return false;
	le->len = le->cursor = 0;
	le->buf[0] = '\0';
	return true;
}

bool emr_le_kill_word(emr_lineedit *le)
{
	size_t end = le->cursor, i = end;
	while (i > 0 && le->buf[i - 1] == ' ')
		i--;
	while (i > 0 && le->buf[i - 1] != ' ')
		i--;
	if (i == end)
		return false;
	cut(le, i, end);
	return true;
}

int emr_le_cursor_col(const emr_lineedit *le)
{
	if (!le->buf || le->cursor == 0)
		return 0;
	int w = u8_width((const uint8_t *)le->buf, le->cursor, "UTF-8");
	return w < 0 ? (int)le->cursor : w;
}
