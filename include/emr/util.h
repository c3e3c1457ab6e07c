/* util: small things every layer needs: a growable string, allocation that
 * reports running out of memory in plain words, UTF-8 checks and the
 * stripping of control characters from text bound for a terminal.
 *
 * Ownership: functions named *_dup or *_take return heap memory that the
 * caller frees with free(). */
#ifndef EMR_UTIL_H
#define EMR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EMR_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation.  On failure these print "emr: out of memory" and exit(1):
 * there is no sensible way to carry on, and SQLite's transaction keeps the
 * database whole. */
void *emr_xmalloc(size_t n);
void *emr_xcalloc(size_t n, size_t size);
void *emr_xrealloc(void *p, size_t n);
char *emr_xstrdup(const char *s);

/* A growable NUL-terminated string.  Zero-initialise, or use EMR_SB_INIT. */
typedef struct emr_sb {
	char *buf;   /* NUL-terminated, or NULL while empty */
	size_t len;  /* bytes used, not counting the NUL */
	size_t cap;  /* bytes allocated */
} emr_sb;
#define EMR_SB_INIT {NULL, 0, 0}

void emr_sb_append(emr_sb *sb, const char *s);
void emr_sb_appendn(emr_sb *sb, const char *s, size_t n);
void emr_sb_putc(emr_sb *sb, char c);
void emr_sb_printf(emr_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *emr_sb_str(const emr_sb *sb);   /* never NULL ("" while empty) */
char *emr_sb_take(emr_sb *sb);              /* caller frees; sb is emptied */
void emr_sb_free(emr_sb *sb);

/* Copy src into dst of size n, always NUL-terminated, never splitting a
 * UTF-8 sequence.  Returns false when src did not fit. */
bool emr_strlcpy(char *dst, const char *src, size_t n);

/* True when the n bytes at s are well-formed UTF-8 with no NUL. */
bool emr_utf8_valid(const char *s, size_t n);

/* Text for a terminal: removes C0 and C1 control characters, DEL, and the
 * Unicode bidirectional overrides and isolates (which can reorder what a
 * reader sees), and replaces malformed UTF-8 with U+FFFD.  Tabs and
 * newlines are kept only when keep_newlines is true (tabs become a space).
 * Returns a new string; the caller frees it. */
char *emr_sanitize_dup(const char *s, bool keep_newlines);

/* Display width in terminal columns of a UTF-8 string (wide CJK = 2). */
int emr_display_width(const char *s);

/* Writes s to f with control characters stripped (see emr_sanitize_dup). */
void emr_fput_clean(FILE *f, const char *s, bool keep_newlines);

/* Reads a whole file (at most max bytes) into a NUL-terminated buffer the
 * caller frees.  Returns NULL and sets errno on failure (EFBIG if larger
 * than max). */
char *emr_read_file(const char *path, size_t max, size_t *len_out);

/* Keep only the digits of s, at most n-1 of them, in dst. */
void emr_digits_only(const char *s, char *dst, size_t n);

/* Number of bytes in s of which at most max display characters fit;
 * helps align text. */
size_t emr_utf8_prefix_for_width(const char *s, int max_cols, int *cols_out);

/* Growable arrays: a struct {T *items; size_t n, cap;}.  emr_list_push
 * appends a zeroed item and returns it (exits on out of memory, like
 * emr_xmalloc); emr_list_free releases the items and empties the list. */
#define EMR_LIST(T) struct { T *items; size_t n, cap; }
void *emr_list_grow(void *items_ptr, size_t *n, size_t *cap, size_t size);
#define emr_list_push(list) \
	((__typeof__((list)->items))emr_list_grow(&(list)->items, &(list)->n, &(list)->cap, sizeof(*(list)->items)))
#define emr_list_free(list) do { free((list)->items); (list)->items = NULL; (list)->n = (list)->cap = 0; } while (0)

#endif
