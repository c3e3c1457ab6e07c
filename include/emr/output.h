/* output: tables for people, JSON and CSV for scripts.
 *
 * A command describes its columns once and adds rows of strings; the same
 * data then prints as aligned text (display width aware, so CJK names
 * line up, and stripped of control characters), as a JSON array of
 * objects (jansson), or as RFC 4180 CSV.
 *
 * Ownership: emr_table_new() returns a table freed by emr_table_free();
 * cells are copied in. */
#ifndef EMR_OUTPUT_H
#define EMR_OUTPUT_H

#include "emr/cli.h"

#include <jansson.h>
#include <stdio.h>

typedef struct emr_table emr_table;

typedef enum emr_col_type { EMR_COL_TEXT, EMR_COL_INT, EMR_COL_NUM, EMR_COL_BOOL } emr_col_type;

typedef struct emr_column {
	const char *key;          /* JSON key and CSV header: "family_name" */
	const char *title;        /* text header: "FAMILY" */
	emr_col_type type;        /* how JSON writes the cell ("" -> null) */
	bool text_hidden;         /* only in JSON/CSV, not in the text table */
} emr_column;

emr_table *emr_table_new(const emr_column *cols, size_t ncols);
void emr_table_free(emr_table *t);
/* Adds a row of ncols cells (NULL = empty). */
void emr_table_add(emr_table *t, const char *const *cells);
void emr_table_print(const emr_table *t, emr_format fmt, FILE *f);

/* One record as "key: value" lines, or a JSON object. */
void emr_record_print(const emr_column *cols, size_t ncols, const char *const *cells, emr_format fmt, FILE *f);

/* Writes a jansson value to f, pretty-printed, with a trailing newline. */
void emr_json_print(json_t *v, FILE *f);

/* CSV field quoting per RFC 4180. */
void emr_csv_field(FILE *f, const char *s);

#endif
