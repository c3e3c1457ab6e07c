/* util: allocation, growable strings, UTF-8 and terminal-safe text. */
#include "emr/util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistr.h>
#include <uniwidth.h>
#include <wchar.h>

static void out_of_memory(void)
{
	fputs("emr: out of memory\n", stderr);
	exit(1);
}

void *emr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *emr_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *emr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		out_of_memory();
	return q;
}

char *emr_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = emr_xmalloc(n);
	memcpy(d, s, n);
	return d;
}

/* ------------------------------------------------------------ strings */

static void sb_reserve(emr_sb *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	if (need <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->buf = emr_xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void emr_sb_appendn(emr_sb *sb, const char *s, size_t n)
{
	sb_reserve(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void emr_sb_append(emr_sb *sb, const char *s)
{
	emr_sb_appendn(sb, s, strlen(s));
}

void emr_sb_putc(emr_sb *sb, char c)
{
	emr_sb_appendn(sb, &c, 1);
}

void emr_sb_printf(emr_sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	sb_reserve(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

const char *emr_sb_str(const emr_sb *sb)
{
	return sb->buf ? sb->buf : "";
}

char *emr_sb_take(emr_sb *sb)
{
	char *s = sb->buf ? sb->buf : emr_xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void emr_sb_free(emr_sb *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

bool emr_strlcpy(char *dst, const char *src, size_t n)
{
	if (n == 0)
		return false;
	size_t len = strlen(src);
	if (len < n) {
		memcpy(dst, src, len + 1);
		return true;
	}
	/* Back up to the start of a UTF-8 sequence so we never leave half a
	 * character behind. */
	size_t cut = n - 1;
	while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(dst, src, cut);
	dst[cut] = '\0';
	return false;
}

/* --------------------------------------------------------------- UTF-8 */

bool emr_utf8_valid(const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return false;
	return u8_check((const uint8_t *)s, n) == NULL;
}

/* Characters that must never reach a terminal as themselves: C0 and C1
 * controls and DEL (escape sequences), and the bidirectional embeddings,
 * overrides and isolates, which can make text display in a different
 * order than it is stored ("Trojan Source"). */
static bool is_hostile(ucs4_t c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
	       c == 0x200E || c == 0x200F || c == 0x061C;
}

char *emr_sanitize_dup(const char *s, bool keep_newlines)
{
	emr_sb sb = EMR_SB_INIT;
	const uint8_t *p = (const uint8_t *)s;
	const uint8_t *end = p + strlen(s);
	while (p < end) {
		ucs4_t c;
		int len = u8_mbtoucr(&c, p, (size_t)(end - p));
		if (len < 0) {
			emr_sb_append(&sb, "\xEF\xBF\xBD"); /* U+FFFD */
			p++;
			continue;
		}
		if (c == '\n' && keep_newlines)
			emr_sb_putc(&sb, '\n');
		else if (c == '\t')
			emr_sb_putc(&sb, ' ');
		else if (!is_hostile(c))
			emr_sb_appendn(&sb, (const char *)p, (size_t)len);
		p += len;
	}
	return emr_sb_take(&sb);
}

void emr_fput_clean(FILE *f, const char *s, bool keep_newlines)
{
	char *clean = emr_sanitize_dup(s, keep_newlines);
	fputs(clean, f);
	free(clean);
}

int emr_display_width(const char *s)
{
	int w = u8_strwidth((const uint8_t *)s, "UTF-8");
	return w < 0 ? (int)strlen(s) : w;
}

size_t emr_utf8_prefix_for_width(const char *s, int max_cols, int *cols_out)
{
	const uint8_t *p = (const uint8_t *)s;
	const uint8_t *end = p + strlen(s);
	int cols = 0;
	while (p < end) {
		ucs4_t c;
		int len = u8_mbtoucr(&c, p, (size_t)(end - p));
		if (len < 0)
			len = 1, c = 0xFFFD;
		int w = uc_width(c, "UTF-8");
		if (w < 0)
			w = 0;
		if (cols + w > max_cols)
			break;
		cols += w;
		p += len;
	}
	if (cols_out)
		*cols_out = cols;
	return (size_t)(p - (const uint8_t *)s);
}

/* ---------------------------------------------------------------- files */

char *emr_read_file(const char *path, size_t max, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max) {
		fclose(f);
		errno = EFBIG;
		return NULL;
	}
	emr_sb sb = EMR_SB_INIT;
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (sb.len + got > max) {
			emr_sb_free(&sb);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		emr_sb_appendn(&sb, chunk, got);
	}
	int err = ferror(f) ? errno : 0;
	fclose(f);
	if (err) {
		emr_sb_free(&sb);
		errno = err;
		return NULL;
	}
	if (len_out)
		*len_out = sb.len;
	return emr_sb_take(&sb);
}

void emr_digits_only(const char *s, char *dst, size_t n)
{
	size_t j = 0;
	for (; *s && j + 1 < n; s++)
		if (*s >= '0' && *s <= '9')
			dst[j++] = *s;
	if (n)
		dst[j] = '\0';
}

void *emr_list_grow(void *items_ptr, size_t *n, size_t *cap, size_t size)
{
	void **items = items_ptr;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*items = emr_xrealloc(*items, *cap * size);
	}
	char *item = (char *)*items + (*n)++ * size;
	memset(item, 0, size);
	return item;
}
