/* print: printouts of notes, visits, patient summaries, prescriptions and
 * invoices (superbills),
 * as 80-column text (for lpr), Markdown, self-contained HTML with a print
 * stylesheet, or PDF typeset by groff with the practice letterhead and the
 * patient's name, date of birth and "page N of M" on every page.
 *
 * Every printout is audited ("print").  Output goes to a FILE the caller
 * opened (stdout, or a file created with mode 0600 by emr_print_open). */
#ifndef EMR_PRINT_H
#define EMR_PRINT_H

#include "emr/db.h"

#include <stdio.h>

typedef enum emr_print_kind {
	EMR_PRINT_NOTE,       /* id = note id: the note and its addenda */
	EMR_PRINT_VISIT,      /* id = encounter id: note, that visit's vitals and orders */
	EMR_PRINT_SUMMARY,    /* id = patient id: problems, meds, allergies, immunizations, recent results */
	EMR_PRINT_RX,         /* id = medication id: a US prescription */
	EMR_PRINT_INVOICE,    /* id = invoice id: the superbill (needs the PAYMENT permission, not clinical) */
} emr_print_kind;

typedef enum emr_print_format { EMR_PRINT_TEXT, EMR_PRINT_MD, EMR_PRINT_HTML, EMR_PRINT_PDF } emr_print_format;

/* Writes the printout to out.  PDF runs groff (groff -ms -Tpdf); if groff
 * is missing the error says which package to install. */
int emr_print(emr_db *db, emr_print_kind kind, int64_t id, emr_print_format fmt, FILE *out);

/* Creates path for writing with mode 0600 (never following a symlink
 * planted there); NULL with errno set on failure. */
FILE *emr_print_open(const char *path);

/* "sixty", "one hundred twenty": quantities on prescriptions are written in
 * digits and in words (0 <= n < 1,000,000; fractions as "and one half").
 * Writes into buf. */
void emr_number_words(double n, char *buf, size_t size);

#endif
