/* note: what surrounds a visit note: templates, dot-phrases, the prefill
 * from the chart, addenda, and full-text search over every note.
 * (Encounters and the note rows themselves are in visit.h.)
 *
 * Ownership: functions returning char * return heap memory the caller
 * frees; list structs are freed with their *_free function.
 *
 * ---------------------------------------------------------------- prefill
 *
 * A template is Markdown with placeholders "{{name}}" (spaces inside the
 * braces allowed).  Known names: reason, vitals, problems, meds,
 * allergies, labs, age, name, date.  Unknown ones are left as written.
 * The values, for the visit's date (its local date; today without a
 * visit):
 *
 *   vitals     the newest value of each vital sign taken that day, as
 *              "BP 128/82 mm[Hg], pulse 72 /min, temp 37.0 Cel, RR 16 /min,
 *              SpO2 98 %, weight 80.0 kg, height 175.0 cm, BMI 26.1 kg/m2"
 *              (those measured only), or "not recorded today"
 *   problems   active problems, one list item each:
 *              "- E11.9 Type 2 diabetes mellitus without complications (since 2019)"
 *              (no code when there is none, no "since" without an onset),
 *              or "none active"
 *   meds       active medications, one list item each:
 *              "- metformin 500 mg oral tablet: Take 1 tablet twice daily",
 *              or "none active"
 *   allergies  "penicillin (hives, severe); sulfa (rash)", or "NKDA", or
 *              "not recorded"
 *   labs       the latest result of each laboratory code in the year
 *              before the date, newest first, at most 12:
 *              "- HbA1c 7.4 % (H, 2026-05-20)" (the flag when not normal),
 *              or "none in the past year"
 *   age        "52-year-old" (from 2 years), "18-month-old", "3-week-old",
 *              "5-day-old"
 *   name       the name the patient goes by, then the family name:
 *              "José García";  date  "2026-11-25";  reason  the visit's
 *
 * A value that is a list (problems, meds, labs; or any multi-line text)
 * is a block: where it stands alone on its line (after indentation only),
 * its later lines get the same indentation; where text precedes it on the
 * line ("**Medications:** {{meds}}"), the block starts on a line of its
 * own, so it stays a Markdown list.
 *
 * ------------------------------------------------------------ dot-phrases
 *
 * emr_note_expand() rewrites a note's text once, left to right:
 *   - a dot-phrase is "." then a name: a lowercase letter, then lowercase
 *     letters, digits, '_' or '-', 32 characters at most;
 *   - the dot must start the text or a line, or follow a space, tab or
 *     newline ("e.g.", "www.x.org", "\.meds" are left alone);
 *   - the name must end the text or be followed by whitespace, one of
 *     , ; : ! ? ) ] } " ' or a '.' that is not followed by a letter or
 *     digit (".meds." expands, ".meds.txt" does not);
 *   - the name is looked up among the built-ins (.vitals .meds .allergies
 *     .problems .labs .age, whose text is that of the placeholders above,
 *     for today), then the acting user's phrases, then the shared ones;
 *     unknown names stay as typed;
 *   - a user phrase's text is inserted without its trailing whitespace;
 *     inserted text is not expanded again (no recursion);
 *   - blocks (multi-line text, and the list built-ins) are placed as for
 *     placeholders;
 *   - nothing inside code is touched: fenced code blocks (``` or ~~~,
 *     up to three spaces of indentation, closed by a fence of the same
 *     character at least as long), indented code (a line indented by four
 *     spaces or a tab that follows a blank line, the start of the text or
 *     another such line; CommonMark's list continuations, which look the
 *     same, are treated as code too), and code spans (a run of N
 *     backticks up to the next run of exactly N within the paragraph).
 *
 * ----------------------------------------------------------------- search
 *
 * emr_note_search() splits the query at blanks; every word must occur,
 * as a prefix of a word of the note ("cou fev" finds "cough, no fever"),
 * ignoring case and accents (the index's unicode61 tokenizer).  Each word
 * becomes an FTS5 string token (quotes doubled) with "*", the words are
 * joined with AND, and the expression is bound as a parameter: user text
 * never becomes SQL.  A word of several tokens ("e11.9") is a phrase whose
 * last token is the prefix; a word with no token (punctuation) is ignored.
 *
 * Two rewrites keep it fast without changing what matches.  FTS5 reads a
 * prefix query by merging the posting lists of every term that starts
 * with it, up front (most of the time of a query over 400,000 notes),
 * while an exact term is read lazily.  So the word is tokenized with the
 * table's own tokenizer and the terms that extend it are looked up in an
 * fts5vocab table (temp.emr_notes_vocab): none, and the word is matched
 * as that exact term; up to 8, as the word OR those terms; more (or a
 * one-letter word), as FTS5's prefix query.
 *
 * Ranking is bm25 (lower is better; ties newest first) by emr_bm25(), a
 * copy of FTS5's bm25() (k1 1.2, b 0.75) except that the number of notes
 * holding a term is counted only up to 2000 and extrapolated over the
 * rowid range beyond that (bm25() reads the whole posting list: 15 ms for
 * two words found in every note of the demo practice).  It ranks the
 * newest 300 matching notes (more when the limit is higher): ranking all
 * the notes two common words match among 400,000 costs 50-120 ms, 300 of
 * them a millisecond.  When more notes match, older ones are reached with
 * more words or a patient.  Measured at 100,000 patients (404,001 notes):
 * a median of 5 ms for two words of a real note (tests/bench/bench.c). */
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

/* The built-in dot-phrases (.vitals .meds .allergies .problems .labs
 * .age), ended by {NULL, NULL}.  Their names cannot be taken by users. */
typedef struct emr_builtin_phrase {
	const char *name;         /* without the dot */
	const char *description;  /* one line, for lists */
} emr_builtin_phrase;
extern const emr_builtin_phrase emr_builtin_phrases[];

/* The acting user's phrases and the shared ones, by name, the user's own
 * before a shared one of the same name. */
int emr_phrase_list(emr_db *db, emr_phrases *out);
/* Adds or replaces a phrase of the acting user (shared when shared). */
int emr_phrase_save(emr_db *db, const char *name, const char *body, bool shared);

/* ---------------------------------------------------- prefill, expansion */

/* The text a new note of patient_id starts with: the template with its
 * placeholders filled from the chart: {{reason}}, {{vitals}} (today's),
 * {{problems}} (active), {{meds}} (active), {{allergies}}, {{labs}}
 * (recent), {{age}}, {{name}}, {{date}} (see "prefill" above).
 * encounter_id 0 = no visit (today, no reason); template_name NULL = the
 * default.  Returns heap text, or NULL with the error set.  Only plain
 * reads: it may run inside the caller's transaction. */
char *emr_note_prefill(emr_db *db, int64_t patient_id, int64_t encounter_id, const char *template_name);

/* Expands dot-phrases: a ".name" that stands alone as a word (at the start
 * of a line or after whitespace, followed by whitespace, punctuation or
 * the end) is replaced by its text: the built-ins .vitals .meds
 * .allergies .problems .labs .age, then the user's own phrases.  Unknown
 * .words are left as they are; text inside code spans and code blocks is
 * left alone (the exact rules are under "dot-phrases" above).  Returns
 * heap text, or NULL with the error set when the chart cannot be read. */
char *emr_note_expand(emr_db *db, int64_t patient_id, const char *body);

/* --------------------------------------------------------------- addenda */

typedef struct emr_addendum {
	int64_t id, note_id, author_id;
	char author[201];
	char *body;               /* heap */
	char created_at[EMR_INSTANT_LEN];
	/* Imported (emr import fhir): author_id/author are the importing
	 * user; source_author is who wrote it ("" if the source did not say).
	 * Show emr_addendum_author_text(). */
	bool imported;
	char source_author[201];
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
/* Who wrote an addendum, for display: a->author, or for an imported one
 * "Dr Jane Roe (imported from another system)".  Returns buf. */
const char *emr_addendum_author_text(const emr_addendum *a, char *buf, size_t size);

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
 * are matched as prefixes and all must occur (see "search" above).
 * patient_id 0 = every patient; limit <= 0 means 20, at most 1000.  A
 * query of punctuation only finds nothing; an empty one is an error.
 * Audited as "search" (one row per call: search on Enter, not per key). */
int emr_note_search(emr_db *db, const char *query, int64_t patient_id, int limit, emr_note_hits *out);

/* Registers the search's ranking function (emr_bm25, see above) with
 * a raw connection; emr_note_search does it for its own.  For tools that
 * replay the search's SQL (tests/bench/bench.c). */
int emr_note_search_register(sqlite3 *conn);

#endif
