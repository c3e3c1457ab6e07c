/* output: aligned text tables, JSON (jansson) and CSV (RFC 4180). */
#include "emr/output.h"

#include "emr/util.h"

#include <stdlib.h>
#include <string.h>

struct emr_table {
	const emr_column *cols;
	size_t ncols;
	char **cells;       /* rows * ncols, row-major */
	size_t rows, cap;
};

emr_table *emr_table_new(const emr_column *cols, size_t ncols)
{
	emr_table *t = emr_xcalloc(1, sizeof *t);
	t->cols = cols;
	t->ncols = ncols;
	return t;
}

void emr_table_free(emr_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void emr_table_add(emr_table *t, const char *const *cells)
{
	if (t->rows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = emr_xrealloc(t->cells, t->cap * t->ncols * sizeof *t->cells);
	}
	for (size_t c = 0; c < t->ncols; c++)
		t->cells[t->rows * t->ncols + c] = emr_xstrdup(cells[c] ? cells[c] : "");
	t->rows++;
}

void emr_csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static json_t *cell_json(emr_col_type type, const char *s)
{
	if (type != EMR_COL_TEXT && !*s)
		return json_null();
	switch (type) {
	case EMR_COL_INT:
		return json_integer(strtoll(s, NULL, 10));
	case EMR_COL_NUM:
		return json_real(strtod(s, NULL));
	case EMR_COL_BOOL:
		return json_boolean(strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "true") == 0);
	default:
		return json_string(s);
	}
}

void emr_json_print(json_t *v, FILE *f)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!s) {
		json_dumpf(v, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', f);
		return;
	}
	/* jansson escapes C0 controls; also escape the C1 controls (U+0080..
	 * U+009F, 8-bit CSI and OSC), the bidirectional overrides and
	 * isolates (U+200E/F, U+202A..U+202E, U+2066..U+2069) and the line
	 * separators U+2028/9, so JSON read on a terminal cannot drive it or
	 * reorder what it shows.  They only occur inside strings, where backslash-u
	 * escapes mean the same text. */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned cp = 0;
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			cp = p[1];
		else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0x8E || p[2] == 0x8F || (p[2] >= 0xA8 && p[2] <= 0xAE)))
			cp = 0x2000 + (p[2] - 0x80);
		else if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
			cp = 0x2040 + (p[2] - 0x80);
		if (!cp) {
			fputc(*p, f);
			continue;
		}
		fprintf(f, "\\u%04X", cp);
		p += cp < 0x100 ? 1 : 2;
	}
	free(s);
	fputc('\n', f);
}

static json_t *row_object(const emr_column *cols, size_t ncols, const char *const *cells)
{
	json_t *o = json_object();
	for (size_t c = 0; c < ncols; c++) {
		/* jansson refuses invalid UTF-8; the stored text was checked on the
		 * way in, but say so plainly rather than drop a field silently. */
		json_t *v = cell_json(cols[c].type, cells[c] ? cells[c] : "");
		json_object_set_new(o, cols[c].key, v ? v : json_string("(not valid UTF-8)"));
	}
	return o;
}

static void print_text(const emr_table *t, FILE *f)
{
	int *width = emr_xcalloc(t->ncols, sizeof *width);
	char **clean = emr_xcalloc(t->rows * t->ncols + 1, sizeof *clean);
	for (size_t c = 0; c < t->ncols; c++)
		width[c] = emr_display_width(t->cols[c].title);
	for (size_t i = 0; i < t->rows * t->ncols; i++) {
		clean[i] = emr_sanitize_dup(t->cells[i], false);
		int w = emr_display_width(clean[i]);
		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (size_t r = 0; r <= t->rows; r++) {
		bool first = true;
		emr_sb line = EMR_SB_INIT;
		for (size_t c = 0; c < t->ncols; c++) {
			if (t->cols[c].text_hidden)
				continue;
			const char *s = r == 0 ? t->cols[c].title : clean[(r - 1) * t->ncols + c];
			if (!first)
				emr_sb_append(&line, "  ");
			first = false;
			emr_sb_append(&line, s);
			for (int pad = width[c] - emr_display_width(s); pad > 0; pad--)
				emr_sb_putc(&line, ' ');
		}
		while (line.len > 0 && line.buf[line.len - 1] == ' ')
			line.buf[--line.len] = '\0';
		fprintf(f, "%s\n", emr_sb_str(&line));
		emr_sb_free(&line);
	}
	for (size_t i = 0; i < t->rows * t->ncols; i++)
		free(clean[i]);
	free(clean);
	free(width);
}

void emr_table_print(const emr_table *t, emr_format fmt, FILE *f)
{
	if (fmt == EMR_FMT_JSON) {
		json_t *arr = json_array();
		for (size_t r = 0; r < t->rows; r++)
			json_array_append_new(arr, row_object(t->cols, t->ncols, (const char *const *)&t->cells[r * t->ncols]));
		emr_json_print(arr, f);
		json_decref(arr);
	} else if (fmt == EMR_FMT_CSV) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				fputc(',', f);
			emr_csv_field(f, t->cols[c].key);
		}
		fputs("\r\n", f);
		for (size_t r = 0; r < t->rows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					fputc(',', f);
				emr_csv_field(f, t->cells[r * t->ncols + c]);
			}
			fputs("\r\n", f);
		}
	} else {
		print_text(t, f);
	}
}

void emr_record_print(const emr_column *cols, size_t ncols, const char *const *cells, emr_format fmt, FILE *f)
{
	if (fmt == EMR_FMT_JSON) {
		json_t *o = row_object(cols, ncols, cells);
		emr_json_print(o, f);
		json_decref(o);
		return;
	}
	int w = 0;
	for (size_t c = 0; c < ncols; c++)
		if ((int)strlen(cols[c].title) > w)
			w = (int)strlen(cols[c].title);
	for (size_t c = 0; c < ncols; c++) {
		if (cols[c].text_hidden || !cells[c] || !*cells[c])
			continue;
		fprintf(f, "%-*s  ", w, cols[c].title);
		emr_fput_clean(f, cells[c], false);
		fputc('\n', f);
	}
}
