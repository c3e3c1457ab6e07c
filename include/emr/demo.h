/* demo: a deterministic synthetic practice for trying emr, for the UI
 * tests and for the benchmarks.  The same seed and size always give the
 * same charts (the clock is taken from emr_now(), so freeze EMR_NOW too
 * for byte-identical databases). */
#ifndef EMR_DEMO_H
#define EMR_DEMO_H

#include "emr/db.h"

typedef struct emr_demo_opts {
	long patients;          /* how many charts (default 200) */
	unsigned long seed;     /* default 1 */
	const char *login;      /* the physician's login; NULL = current Unix login */
	/* Called now and then with how many patients are done, for progress
	 * on a terminal; may be NULL. */
	void (*progress)(long done, long total, void *arg);
	void *progress_arg;
} emr_demo_opts;

/* Fills an empty, migrated database: practice, users, codes, patients with
 * years of visits, notes, vitals, labs, problems, medications, allergies,
 * immunizations, the appointment book (the last three weeks' visits as
 * done appointments, and the coming four weeks) and four months of
 * billing (fees, charges, invoices, payments). */
int emr_demo_generate(emr_db *db, const emr_demo_opts *opts);

/* The passphrase the demo practice gives its users, printed on creation. */
#define EMR_DEMO_PASSPHRASE "demo-passphrase"

#endif
