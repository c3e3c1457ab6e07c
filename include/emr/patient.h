/* patient: registering, finding, reading, editing and retiring patients.
 *
 * Patients are plain structs with fixed-size fields sized to the schema's
 * limits, so a caller never frees anything inside one.  Lists are arrays
 * owned by an emr_patient_list and freed with emr_patient_list_free().
 *
 * Every write runs in its own transaction (nested inside the caller's, if
 * any), validates its input first and names the bad field in the error,
 * keeps the name-search tokens in step and appends to the audit log. */
#ifndef EMR_PATIENT_H
#define EMR_PATIENT_H

#include "emr/db.h"
#include "emr/datetime.h"

#define EMR_NAME_MAX 201   /* 200 bytes + NUL: schema limit on names */
#define EMR_TEXT_MAX 501
#define EMR_CONFLICT (-2)  /* a row changed under us: see emr_*_update */

typedef struct emr_patient {
	int64_t id;
	char mrn[33];
	char given[EMR_NAME_MAX];
	char family[EMR_NAME_MAX];
	char preferred[EMR_NAME_MAX];
	char sex[8];                      /* female | male | other | unknown */
	char gender_identity[EMR_NAME_MAX];
	char dob[EMR_DATE_LEN];
	char phone[41];
	char email[EMR_NAME_MAX];
	char address[EMR_TEXT_MAX];
	char city[101];
	char state[41];
	char postal_code[21];
	char emergency_name[EMR_NAME_MAX];
	char emergency_phone[41];
	char insurance_payer[EMR_NAME_MAX];
	char insurance_member[65];
	char status[9];                   /* active | inactive | deceased */
	char deceased_date[EMR_DATE_LEN]; /* "" unless deceased */
	char status_reason[EMR_TEXT_MAX];
	char created_at[EMR_INSTANT_LEN];
	char updated_at[EMR_INSTANT_LEN];
	char last_opened_at[EMR_INSTANT_LEN];
	int64_t version;                  /* bumped on every change */
} emr_patient;

typedef struct emr_patient_list {
	emr_patient *items;
	size_t n;
	size_t cap;
} emr_patient_list;

void emr_patient_list_free(emr_patient_list *list);

/* Checks every field of p as a new or edited patient and returns 0, or -1
 * with the error naming the field and value ("dob \"2023-02-30\": not a
 * valid date").  today is the local date (emr_today). */
int emr_patient_validate(emr_db *db, const emr_patient *p, const char *today);

/* Registers p.  An empty mrn is assigned the next free one ("E000123").
 * On success p->id, p->mrn, times and version are filled in. */
int emr_patient_add(emr_db *db, emr_patient *p);

/* Reads patient id into out; -1 with "no patient with id 42" if unknown. */
int emr_patient_get(emr_db *db, int64_t id, emr_patient *out);
/* Finds by MRN, or by numeric id when ref is all digits and no MRN
 * matches.  -1 when there is none. */
int emr_patient_resolve(emr_db *db, const char *ref, emr_patient *out);

/* Saves p's demographics.  p->version must be the version that was read:
 * if the row changed since (another session saved first), nothing is
 * written and EMR_CONFLICT is returned, so the caller can ask. */
int emr_patient_update(emr_db *db, emr_patient *p);

/* Marks a patient inactive, or deceased when deceased_date is given, with
 * a reason.  Charts are never deleted. */
int emr_patient_retire(emr_db *db, int64_t id, const char *reason, const char *deceased_date);

/* Records that the chart was opened now (recent-first ordering) and audits
 * it as "open-chart". */
int emr_patient_touch(emr_db *db, int64_t id);

/* The search behind the patient list.  query may be:
 *   ""                 most recently opened patients first, then by name;
 *   a date YYYY-MM-DD  patients born that day;
 *   an MRN             exact MRN match first;
 *   digits (3+)        phone numbers that start with them (punctuation ignored);
 *   words              each word a prefix of some name part, any order,
 *                      ignoring case and accents ("jose gar").
 * At most limit results (by name order) are appended to out. */
int emr_patient_search(emr_db *db, const char *query, int limit, emr_patient_list *out);

/* All patients ordered by family, given name, optionally including
 * inactive ones; offset/limit page through them (limit 0 = all). */
int emr_patient_list_all(emr_db *db, bool include_inactive, int offset, int limit, emr_patient_list *out);

/* "García, José (Pepe)" into buf. */
void emr_patient_display_name(const emr_patient *p, char *buf, size_t n);

/* Pages through every patient (any status) by id: up to limit ids greater
 * than after_id, ascending, into ids; *n gets how many.  Flat memory for
 * walking a whole practice (bulk export). */
int emr_patient_ids(emr_db *db, int64_t after_id, int limit, int64_t *ids, size_t *n);

/* How many patients there are, any status. */
int emr_patient_count(emr_db *db, long *n);

/* Identifiers a patient brought from elsewhere (FHIR import: the other
 * system's MRN, a driver's licence ...), so that an export hands them on. */
typedef struct emr_patient_identifier {
	char system[1025];           /* "" when the source named none */
	char value[1025];
	char type[16];               /* HL7 v2 table 0203 code (MR, DL, SS ...) or "" */
} emr_patient_identifier;
typedef struct emr_patient_identifiers {
	emr_patient_identifier *items;
	size_t n, cap;
} emr_patient_identifiers;
/* patient_id's identifiers, oldest first (out owns them: free with
 * emr_patient_identifiers_free). */
int emr_patient_identifier_list(emr_db *db, int64_t patient_id, emr_patient_identifiers *out);
void emr_patient_identifiers_free(emr_patient_identifiers *list);

#endif
