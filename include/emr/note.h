/* note: what surrounds a visit note: templates, dot-phrases, the prefill
 * from the chart, addenda, and full-text search over every note.
 * (Encounters and the note rows themselves are in visit.h.)
 *
 * Ownership: functions returning char * return heap memory the caller
 * frees; list structs are freed with their *_free function. */
#ifndef EMR_NOTE_H
#define EMR_NOTE_H

#include "emr/db.h"
#include "emr/visit.h"

/* ------------------------------------------------------------ templates */

typedef struct emr_template {
	int64_t id;
	char name[65];
	char *body;              /* Markdown with {{placeholders}}; heap */
	bool is_default;
	char updated_at[EMR_INSTANT_LEN];
} emr_template;

typedef struct emr_templates {
	emr_template *items;
	size_t n, cap;
} emr_templates;
void emr_templates_free(emr_templates *list);

int emr_template_list(emr_db *db, emr_templates *out);
/* NULL or "" name = the default template (SOAP). */
int emr_template_get(emr_db *db, const char *name, emr_template *out);
void emr_template_clear(emr_template *t);
/* Adds, or replaces the body of, the named template; make_default moves
 * the default to it. */
int emr_template_save(emr_db *db, const char *name, const char *body, bool make_default);

/* ---------------------------------------------------------- dot-phrases */

typedef struct emr_phrase {
	int64_t id;
	int64_t user_id;          /* 0 = shared by everyone */
	char name[33];            /* without the dot */
	char *body;               /* heap */
} emr_phrase;

typedef struct emr_phrases {
	emr_phrase *items;
	size_t n, cap;
} emr_phrases;
void emr_phrases_free(emr_phrases *list);

/* The acting user's phrases and the shared ones. */
int emr_phrase_list(emr_db *db, emr_phrases *out);
/* Adds or replaces a phrase of the acting user (shared when shared). */
int emr_phrase_save(emr_db *db, const char *name, const char *body, bool shared);

/* ---------------------------------------------------- prefill, expansion */

/* The text a new note of patient_id starts with: the template with its
 * placeholders filled from the chart: {{reason}}, {{vitals}} (today's),
 * {{problems}} (active), {{meds}} (active), {{allergies}}, {{labs}}
 * (recent), {{age}}, {{name}}, {{date}}.  Returns heap text. */
char *emr_note_prefill(emr_db *db, int64_t patient_id, int64_t encounter_id, const char *template_name);

/* Expands dot-phrases: a ".name" that stands alone as a word (at the start
 * of a line or after whitespace, followed by whitespace, punctuation or
 * the end) is replaced by its text: the built-ins .vitals .meds
 * .allergies .problems .labs .age, then the user's own phrases.  Unknown
 * .words are left as they are; text inside code spans and code blocks is
 * left alone.  Returns heap text. */
char *emr_note_expand(emr_db *db, int64_t patient_id, const char *body);

/* --------------------------------------------------------------- addenda */

typedef struct emr_addendum {
	int64_t id, note_id, author_id;
	char author[201];
	char *body;               /* heap */
	char created_at[EMR_INSTANT_LEN];
} emr_addendum;

typedef struct emr_addenda {
	emr_addendum *items;
	size_t n, cap;
} emr_addenda;
void emr_addenda_free(emr_addenda *list);

/* Adds an addendum to a signed note (refused on a draft), as the acting
 * user, audited. */
int emr_addendum_add(emr_db *db, int64_t note_id, const char *body, int64_t *id_out);
int emr_addendum_list(emr_db *db, int64_t note_id, emr_addenda *out);

/* ---------------------------------------------------------------- search */

typedef struct emr_note_hit {
	int64_t note_id, patient_id, encounter_id;
	char patient[256];        /* "García, José (E000001)" */
	char date[EMR_DATE_LEN];  /* the visit's date */
	char status[17];
	char snippet[512];        /* "... [metformin] was started ..." with [ ] around matches */
	double rank;              /* bm25, lower is better */
} emr_note_hit;

typedef struct emr_note_hits {
	emr_note_hit *items;
	size_t n, cap;
} emr_note_hits;
void emr_note_hits_free(emr_note_hits *list);

/* Full-text search (SQLite FTS5) over all notes, best match first; words
 * are matched as prefixes and all must occur.  patient_id 0 = every
 * patient.  Audited as "search". */
int emr_note_search(emr_db *db, const char *query, int64_t patient_id, int limit, emr_note_hits *out);

#endif
