/* chart: everything the chart summary screen shows, read in one go.
 *
 * emr_chart_load() runs every query the summary needs (header, active
 * problems, active medications, allergies, recent vitals for trends,
 * recent labs, immunizations, recent visits) inside one read transaction,
 * so the screen is consistent even while another session writes.  The
 * benchmark times exactly this call.
 *
 * Ownership: the lists inside emr_chart belong to it; emr_chart_free()
 * releases them. */
#ifndef EMR_CHART_H
#define EMR_CHART_H

#include "emr/clinical.h"
#include "emr/patient.h"
#include "emr/visit.h"

/* How much history the summary reads. */
#define EMR_CHART_VITALS  120  /* vital-sign rows: ~10 visits' worth, for sparklines */
#define EMR_CHART_LABS     60
#define EMR_CHART_VISITS   30

typedef struct emr_chart {
	emr_patient patient;
	char age[16];                 /* "45y", "7mo", "3wk" */
	emr_problems problems;        /* active */
	emr_medications meds;         /* active */
	emr_allergies allergies;      /* active, NKDA included */
	emr_observations vitals;      /* newest first */
	emr_observations labs;        /* newest first */
	emr_immunizations immunizations;
	emr_encounters visits;        /* newest first, with note status */
	bool restricted;              /* the role may not read clinical records (front desk,
	                                 biller): only patient, age and visits are loaded */
} emr_chart;

/* Loads the chart of patient_id; -1 with the error set on failure (the
 * chart is then empty but safe to free). */
int emr_chart_load(emr_db *db, int64_t patient_id, emr_chart *out);
void emr_chart_free(emr_chart *c);

/* "NKDA", "Allergies not recorded", or "penicillin, sulfa" into buf. */
void emr_chart_allergy_summary(const emr_chart *c, char *buf, size_t n);

#endif
