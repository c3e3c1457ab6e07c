/* visit: encounters (visits) and their notes, and note templates.
 *
 * A note is Markdown.  It is a draft until signed; the schema refuses any
 * change to a signed note, and corrections are addenda.
 *
 * Ownership: emr_note.body and emr_encounters items are heap memory
 * freed by emr_note_clear() / emr_encounters_free(). */
#ifndef EMR_VISIT_H
#define EMR_VISIT_H

#include "emr/db.h"
#include "emr/datetime.h"
#include "emr/patient.h"

typedef struct emr_encounter {
	int64_t id, patient_id, provider_id, appointment_id;
	char start_at[EMR_INSTANT_LEN];
	char end_at[EMR_INSTANT_LEN];
	char type[12];            /* office | telehealth | phone | home | hospital | other */
	char reason[EMR_TEXT_MAX];
	char status[17];          /* planned | in-progress | finished | cancelled | entered-in-error */
	int followup_days;        /* 0 = none */
	/* Filled on list: the visit's note, if any. */
	int64_t note_id;
	char note_status[17];     /* draft | signed | "" */
	char signer[201];         /* display name of the signer, "" if unsigned */
	char provider[201];
	/* Imported records (emr import fhir, see emr-fhir(5)).  The visit's
	 * clinician as the source named them when not a user here ("Dr. Levi
	 * Reichert"; provider_id is then 0); "" for visits made in emr.  On
	 * list: whether the note was imported, and its author at the source
	 * (signer then names the importing user, who did not sign it). */
	char source_provider[201];
	bool note_imported;
	bool note_signed_at_source;   /* imported, and signed before it came */
	char note_source_author[201];
} emr_encounter;

typedef struct emr_encounter_list {
	emr_encounter *items;
	size_t n, cap;
} emr_encounters;
void emr_encounters_free(emr_encounters *list);

typedef struct emr_note {
	int64_t id, encounter_id, patient_id, author_id, signed_by;
	char template_name[65];
	char *body;               /* Markdown, heap; freed by emr_note_clear */
	char status[17];          /* draft | signed | entered-in-error */
	char signed_at[EMR_INSTANT_LEN];
	char created_at[EMR_INSTANT_LEN];
	char updated_at[EMR_INSTANT_LEN];
	int64_t version;
	/* An imported note (emr import fhir, see emr-fhir(5)) was written and
	 * signed elsewhere: author_id and signed_by then name the user who
	 * imported it, never its author.  Show emr_note_author_text() and
	 * emr_note_signer_text() instead of those users. */
	bool imported;            /* received in an import (fhir_received), or source_author set */
	char source_author[201];  /* the author as the source named them; "" if it did not */
	int64_t imported_by;      /* the importing user, 0 if unknown */
	char imported_at[EMR_INSTANT_LEN];   /* when it was received, "" if unknown */
} emr_note;
void emr_note_clear(emr_note *n);

/* Starts a visit; e->id is filled in.  start_at "" = now. */
int emr_encounter_add(emr_db *db, emr_encounter *e);
int emr_encounter_get(emr_db *db, int64_t id, emr_encounter *out);
/* Newest first, with each visit's note status and signer; limit 0 = all. */
int emr_encounter_list(emr_db *db, int64_t patient_id, int limit, emr_encounters *out);

/* The follow-up interval of a visit ("see me again in 3 months"), which
 * puts the patient on the recall list (schedule.h) once it is due and
 * nothing is booked; days 0 clears it.  Clinical write; audited. */
int emr_encounter_set_followup(emr_db *db, int64_t encounter_id, int days);
/* "90", "90d", "6w", "3m", "1y" (a month is 30 days, a year 365) into
 * days, 1 to 730 (the schema's limit); "" and "none" are 0.  False for
 * anything else. */
bool emr_followup_parse(const char *s, int *days);

/* Creates the draft note of an encounter from body. */
int emr_note_add(emr_db *db, int64_t encounter_id, const char *template_name, const char *body, int64_t *id_out);
int emr_note_get(emr_db *db, int64_t id, emr_note *out);
/* Saves a draft's body.  version must match (else EMR_CONFLICT). */
int emr_note_save(emr_db *db, int64_t id, int64_t version, const char *body);
/* Signs a draft as the acting user. */
int emr_note_sign(emr_db *db, int64_t id);

typedef struct emr_notes {
	emr_note *items;
	size_t n, cap;
} emr_notes;
void emr_notes_free(emr_notes *list);
/* Every note of a patient, drafts and entered-in-error ones included,
 * oldest first (for exports; addenda: emr_addendum_list). */
int emr_note_list_patient(emr_db *db, int64_t patient_id, emr_notes *out);

/* The diagnoses addressed at a patient's visits (encounter_diagnoses), by
 * visit (oldest first) and rank: clinical data, readable by clinicians
 * (billing reads them too, through billing.h). */
typedef struct emr_encounter_dx {
	int64_t encounter_id, problem_id;   /* problem_id 0 = none */
	int rank;
	char icd10[9];
	char description[256];
} emr_encounter_dx;
typedef struct emr_encounter_dxs {
	emr_encounter_dx *items;
	size_t n, cap;
} emr_encounter_dxs;
void emr_encounter_dxs_free(emr_encounter_dxs *list);
int emr_encounter_dx_list_patient(emr_db *db, int64_t patient_id, emr_encounter_dxs *out);

/* ---------------------------------------------- imported attribution
 *
 * How the people of an imported record are named wherever it is shown:
 *   author      "Dr Jane Roe (imported from another system)", or
 *               "author not named (imported from another system)"
 *   signature   "signed at source" (never the importing user's name)
 *   provider    "Dr Jane Roe (outside)"
 *   importer    "imported by Ann Smith, 2026-11-25T10:00:00Z"
 * Each writes into buf (always terminated) and returns buf. */
#define EMR_IMPORTED_FROM " (imported from another system)"
#define EMR_SIGNED_AT_SOURCE "signed at source"
/* local: the author's name as shown for a note written here. */
const char *emr_note_author_text(const emr_note *n, const char *local, char *buf, size_t size);
/* local: the signer's name for a note signed here; "" while unsigned. */
const char *emr_note_signer_text(const emr_note *n, const char *local, char *buf, size_t size);
/* The visit's provider: local (the user) or source_provider + " (outside)". */
const char *emr_encounter_provider_text(const emr_encounter *e, char *buf, size_t size);
/* The visit-list signer column: e->signer, or "signed at source". */
const char *emr_encounter_signer_text(const emr_encounter *e, char *buf, size_t size);
/* An outside name with its mark: "Dr Jane Roe (outside)"; empty name:
 * "not named (outside)". */
const char *emr_outside_name(const char *name, char *buf, size_t size);

#endif
