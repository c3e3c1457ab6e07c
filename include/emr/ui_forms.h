/* ui_forms: the data-entry screens of the chart, each a tui view built on
 * the curses-free form engine (form.h).
 *
 * How every form behaves: Tab and Shift-Tab move between fields; each
 * field is validated as it is left and its message shows under it; Esc
 * cancels, asking first if anything changed; Ctrl-S (or F2) saves, as the
 * footer says.  A save that the domain layer refuses keeps the form open
 * with the reason shown, so nothing typed is lost.
 *
 * record_id 0 = a new record; otherwise the form edits that record (where
 * the record kind can be edited; see each function). */
#ifndef EMR_UI_FORMS_H
#define EMR_UI_FORMS_H

#include "emr/clinical.h"
#include "emr/tui.h"

/* Registration and demographics; on save of a new patient the chart opens. */
tui_view *ui_form_patient_new(tui_app *app, int64_t patient_id);
/* A problem: the ICD-10-CM code is chosen by searching its description. */
tui_view *ui_form_problem_new(tui_app *app, int64_t patient_id, int64_t problem_id);
/* An allergy, or the explicit "no known drug allergies". */
tui_view *ui_form_allergy_new(tui_app *app, int64_t patient_id, int64_t allergy_id);
/* A medication or prescription; warns (and records the acknowledgement)
 * when the drug matches a recorded allergy by substance or drug class. */
tui_view *ui_form_medication_new(tui_app *app, int64_t patient_id, int64_t medication_id);
/* A set of vital signs; BMI shown as weight and height are typed. */
tui_view *ui_form_vitals_new(tui_app *app, int64_t patient_id);
/* A lab result (LOINC, value, unit, range; flagged when out of range). */
tui_view *ui_form_lab_new(tui_app *app, int64_t patient_id);
/* An immunization (CVX chosen by searching, date, lot, site, route). */
tui_view *ui_form_immunization_new(tui_app *app, int64_t patient_id);

/* Asks for a reason on the status line and marks the record entered in
 * error.  Returns TUI_* flags (TUI_REDRAW after a change). */
int ui_retire_record(tui_app *app, emr_record_kind kind, int64_t id, const char *what);
/* Resolve a problem / stop a medication, asking for the date or reason. */
int ui_resolve_problem(tui_app *app, int64_t problem_id);
int ui_stop_medication(tui_app *app, int64_t medication_id);

/* The keymap every form shares, and that of the allergy-warning dialog,
 * the very ones the help overlay shows; set *name (for the forms: "Forms"
 * and the name of each).  For `emr keys` (emr_ui_print_keys); need no
 * terminal. */
const tui_binding *ui_forms_keymap(const char **name);
const tui_binding *ui_allergy_warning_keymap(const char **name);

#endif
