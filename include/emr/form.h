/* form: the data-entry form engine, with no curses in it so that every
 * operation is unit-tested.  A form is an array of fields; each field has
 * a label, a value edited with emr_lineedit, a kind, a required flag, an
 * optional validator and a hint.  The engine moves the focus, validates a
 * field as it is left (keeping its message for the screen to show under
 * it), knows whether anything changed since the form was opened, and
 * validates everything before a save.  The curses view (ui_forms.c)
 * translates keys into emr_form_key values and draws the result.
 *
 * Kinds:
 *   text     free text
 *   date     YYYY-MM-DD, a day that exists; optionally not in the future
 *   number   a number, optionally whole, optionally within [min, max];
 *            with `measure` set ("kg", "cm", "Cel") a unit may be typed
 *            after it ("154 lb", "99.1F") and is converted (emr_parse_measure)
 *   choice   one of fixed options, cycled with Left/Right or Space, or
 *            chosen by typing the first letter of an option
 *   picker   a search list: what is typed is a query, the search callback
 *            fills the list under the field, Up/Down move in it and Enter
 *            takes the highlighted entry (its code is the field's code)
 *
 * Validator messages are plain and say what is wrong with the value, not
 * which field (the screen shows them under the field): "not a valid date
 * (YYYY-MM-DD)", "must be between 40 and 300".
 *
 * Ownership: emr_form_free() releases everything the form allocated.
 * Strings in a spec (label, hint, options) are borrowed and must outlive
 * the form; string literals are the usual case. */
#ifndef EMR_FORM_H
#define EMR_FORM_H

#include "emr/lineedit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EMR_FORM_MSG_MAX 256
#define EMR_PICK_CODE_MAX 16
#define EMR_PICK_LABEL_MAX 300
#define EMR_PICK_MAX 8          /* entries shown under a picker field */

typedef enum emr_field_kind {
	EMR_FIELD_TEXT,
	EMR_FIELD_DATE,
	EMR_FIELD_NUMBER,
	EMR_FIELD_CHOICE,
	EMR_FIELD_PICKER,
} emr_field_kind;

/* A validator: true when value is acceptable; otherwise false with a
 * plain message in msg (size n).  ctx is the field spec's ctx. */
typedef bool (*emr_validate_fn)(const char *value, char *msg, size_t n, void *ctx);

/* One entry of a picker's list. */
typedef struct emr_pick {
	char code[EMR_PICK_CODE_MAX];     /* what is stored: "E119", "115", "4548-4" */
	char label[EMR_PICK_LABEL_MAX];   /* what is shown and becomes the text: "E11.9  Type 2 ..." */
} emr_pick;

/* A picker's search: fills out[0..max) with entries matching query,
 * best first, and returns how many.  ctx is the field spec's ctx. */
typedef size_t (*emr_search_fn)(const char *query, emr_pick *out, size_t max, void *ctx);

/* What a field is.  Zero-initialise and set what applies. */
typedef struct emr_field_spec {
	const char *name;          /* the domain's field name ("dob", "onset"), used to
	                            * place a save error under its field */
	const char *label;         /* "Date of birth" */
	emr_field_kind kind;
	bool required;
	const char *hint;          /* shown while the field is focused: "YYYY-MM-DD" */
	const char *unit;          /* shown after the value: "mm[Hg]", "kg" */
	size_t max_bytes;          /* limit on the text (0 = 200) */
	/* date */
	bool past_only;            /* today or earlier */
	/* number */
	bool integer;
	bool has_range;
	double min, max;
	const char *measure;       /* canonical unit for emr_parse_measure, or NULL */
	/* choice: options[i] is the stored value, labels[i] (optional) what
	 * is shown; an empty option means "not given" */
	const char *const *options;
	const char *const *option_labels;
	size_t n_options;
	/* picker */
	emr_search_fn search;
	size_t min_query;          /* characters typed before searching (0 = 2) */
	/* an extra check after the kind's own; may be NULL.  It is also
	 * called with "" for an empty field that is not required, so that it
	 * can require a value on a condition. */
	emr_validate_fn validate;
	void *ctx;                 /* for validate and search */
} emr_field_spec;

typedef struct emr_form_field {
	emr_field_spec spec;
	emr_lineedit value;
	size_t choice;                         /* choice: the selected option */
	char msg[EMR_FORM_MSG_MAX];            /* validation message, "" when fine */
	char *initial;                         /* the value when opened (dirty tracking) */
	char initial_code[EMR_PICK_CODE_MAX];
	/* picker */
	char code[EMR_PICK_CODE_MAX];          /* the chosen entry's code, "" = none */
	emr_pick picks[EMR_PICK_MAX];
	size_t n_picks, pick_sel;
	bool list_open;
} emr_form_field;

typedef struct emr_form {
	emr_form_field *fields;
	size_t n, cap;
	size_t focus;
} emr_form;

/* Keys, as the form understands them (the view maps curses keys here). */
typedef enum emr_form_key {
	EMR_FK_CHAR,        /* a character to insert (ch) */
	EMR_FK_TAB,         /* next field */
	EMR_FK_BACKTAB,     /* previous field */
	EMR_FK_ENTER,       /* take the highlighted pick, else next field */
	EMR_FK_UP, EMR_FK_DOWN,   /* in a picker's list, else previous / next field */
	EMR_FK_LEFT, EMR_FK_RIGHT,
	EMR_FK_HOME, EMR_FK_END,
	EMR_FK_BACKSPACE, EMR_FK_DELETE,
	EMR_FK_KILL_LINE,   /* Ctrl-U */
	EMR_FK_KILL_WORD,   /* Ctrl-W */
} emr_form_key;

/* What a key did (bit flags); 0 = nothing (the key does not apply). */
enum {
	EMR_FORM_TEXT    = 1 << 0,  /* the focused field's value changed */
	EMR_FORM_CURSOR  = 1 << 1,  /* the cursor moved within the field */
	EMR_FORM_FOCUS   = 1 << 2,  /* the focus moved to another field */
	EMR_FORM_PICKED  = 1 << 3,  /* a picker entry or a choice was taken */
	EMR_FORM_LIST    = 1 << 4,  /* a picker's list changed (entries or highlight) */
	EMR_FORM_MESSAGE = 1 << 5,  /* a validation message was set or cleared */
};

void emr_form_init(emr_form *f);
void emr_form_free(emr_form *f);

/* Appends a field; returns its index.  A choice field starts on its
 * first option. */
size_t emr_form_add(emr_form *f, const emr_field_spec *spec);
/* The index of the field named name, or -1. */
int emr_form_find(const emr_form *f, const char *name);

/* Sets a value without counting it as a change until emr_form_mark_clean
 * (prefilling an edit form).  A choice field selects the option equal to
 * value (false if none: the value is kept and fails validation).  A
 * picker field's text is set and its code cleared. */
bool emr_form_set(emr_form *f, size_t i, const char *value);
/* Sets a picker field to a chosen entry. */
void emr_form_set_pick(emr_form *f, size_t i, const char *code, const char *label);
/* The value (a choice's stored option), and a picker's chosen code. */
const char *emr_form_value(const emr_form *f, size_t i);
const char *emr_form_code(const emr_form *f, size_t i);
/* The value of the field named name ("" when there is no such field). */
const char *emr_form_get(const emr_form *f, const char *name);

/* Remembers the current values as the unchanged state. */
void emr_form_mark_clean(emr_form *f);
/* True when any value differs from the remembered state. */
bool emr_form_dirty(const emr_form *f);

/* Validates field i (its kind's rules, required, then its validator) and
 * stores the message; true when valid. */
bool emr_form_validate_field(emr_form *f, size_t i);
/* Validates every field; on failure focuses the first invalid one and
 * returns false. */
bool emr_form_validate_all(emr_form *f);
/* Shows msg under field i (an error from the domain layer on save). */
void emr_form_set_message(emr_form *f, size_t i, const char *msg);
/* Places a domain error ("dob \"2023-02-30\": not a valid date") under
 * the field its first word names and focuses it; returns the field's
 * index, or -1 when no field matches (the caller shows it elsewhere). */
int emr_form_place_error(emr_form *f, const char *error);
/* True when some field carries a message. */
bool emr_form_has_messages(const emr_form *f);

/* Focus moves; each validates the field being left.  Tab (these) wraps
 * around; Enter, Up and Down stop at the first and last field. */
int emr_form_next(emr_form *f);
int emr_form_prev(emr_form *f);
/* Focuses field i (no validation). */
void emr_form_focus(emr_form *f, size_t i);

/* Handles one key for the focused field; returns EMR_FORM_* flags. */
int emr_form_key_press(emr_form *f, emr_form_key key, uint32_t ch);

/* Runs a picker's search for its current text (also done as it is typed). */
void emr_form_search(emr_form *f, size_t i);

/* ------------------------------------------------------------ validators
 * Each takes the value and a rule in ctx (NULL = the defaults noted);
 * an empty value passes (whether a field may be empty is `required`). */

typedef struct emr_date_rule {
	bool past_only;            /* no later than today (the local date) */
	const char *not_before;    /* "YYYY-MM-DD" or NULL: e.g. the date of birth */
	const char *not_before_what;   /* "the date of birth" */
} emr_date_rule;
bool emr_valid_date(const char *value, char *msg, size_t n, void *ctx);

typedef struct emr_number_rule {
	bool integer;
	bool has_range;
	double min, max;
	const char *measure;       /* canonical unit: a unit may follow the number */
} emr_number_rule;
bool emr_valid_number(const char *value, char *msg, size_t n, void *ctx);

/* ctx: an emr_choice_rule listing the options. */
typedef struct emr_choice_rule {
	const char *const *options;
	size_t n_options;
} emr_choice_rule;
bool emr_valid_choice(const char *value, char *msg, size_t n, void *ctx);

/* Blood pressure "120/80" (spaces allowed around the slash; whole or
 * decimal numbers).  The plausible ranges are the domain's
 * (emr_vitals_validate); this checks the shape and that diastolic is
 * below systolic. */
bool emr_parse_bp(const char *s, double *systolic, double *diastolic);
bool emr_valid_bp(const char *value, char *msg, size_t n, void *ctx);

/* Parses a number field's value (with its measure unit, if any) into
 * *out; false when empty or not a number. */
bool emr_form_number(const emr_form *f, size_t i, double *out);

#endif
