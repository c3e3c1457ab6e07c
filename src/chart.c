/* chart: the queries behind the chart summary screen. */
#include "emr/chart.h"

#include "emr/perm.h"
#include "emr/util.h"

#include <string.h>

void emr_chart_free(emr_chart *c)
{
	emr_list_free(&c->problems);
	emr_list_free(&c->meds);
	emr_list_free(&c->allergies);
	emr_list_free(&c->vitals);
	emr_list_free(&c->labs);
	emr_list_free(&c->immunizations);
	emr_encounters_free(&c->visits);
}

int emr_chart_load(emr_db *db, int64_t patient_id, emr_chart *out)
{
	memset(out, 0, sizeof *out);
	/* One read transaction: every pane sees the same moment. */
	if (sqlite3_exec(emr_db_sqlite(db), "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return emr_db_fail(db, "reading the chart");
	char today[EMR_DATE_LEN];
	emr_today(today);
	int rc = -1;
	out->restricted = !emr_perm_allowed(db, EMR_PERM_CLINICAL_READ);
	if (out->restricted) {
		if (emr_patient_get(db, patient_id, &out->patient) == 0 &&
		    emr_encounter_list(db, patient_id, EMR_CHART_VISITS, &out->visits) == 0)
			rc = 0;
	} else if (emr_patient_get(db, patient_id, &out->patient) == 0 &&
	    emr_problem_list(db, patient_id, EMR_CURRENT, &out->problems) == 0 &&
	    emr_medication_list(db, patient_id, EMR_CURRENT, &out->meds) == 0 &&
	    emr_allergy_list(db, patient_id, EMR_CURRENT, &out->allergies) == 0 &&
	    emr_observation_list(db, patient_id, NULL, "vital", EMR_CURRENT, EMR_CHART_VITALS, &out->vitals) == 0 &&
	    emr_observation_list(db, patient_id, NULL, "lab", EMR_CURRENT, EMR_CHART_LABS, &out->labs) == 0 &&
	    emr_immunization_list(db, patient_id, EMR_CURRENT, &out->immunizations) == 0 &&
	    emr_encounter_list(db, patient_id, EMR_CHART_VISITS, &out->visits) == 0)
		rc = 0;
	sqlite3_exec(emr_db_sqlite(db), "COMMIT", NULL, NULL, NULL);
	if (rc == 0) {
		const char *on = *out->patient.deceased_date ? out->patient.deceased_date : today;
		if (!emr_age_text(out->patient.dob, on, out->age, sizeof out->age))
			out->age[0] = '\0';
	} else {
		bool restricted = out->restricted;
		emr_chart_free(out);
		out->restricted = restricted;
	}
	return rc;
}

void emr_chart_allergy_summary(const emr_chart *c, char *buf, size_t n)
{
	emr_sb sb = EMR_SB_INIT;
	bool nkda = false;
	for (size_t i = 0; i < c->allergies.n; i++) {
		const emr_allergy *a = &c->allergies.items[i];
		if (a->is_nkda) {
			nkda = true;
			continue;
		}
		if (sb.len)
			emr_sb_append(&sb, ", ");
		emr_sb_append(&sb, a->substance);
	}
	if (sb.len)
		emr_strlcpy(buf, emr_sb_str(&sb), n);
	else
		emr_strlcpy(buf, nkda ? "NKDA" : "Allergies not recorded", n);
	emr_sb_free(&sb);
}
