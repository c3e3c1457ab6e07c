/* ui_note: visit notes on screen: the pager that renders a note through
 * libcmark (scrolling, / search, n next match), with its addenda below;
 * editing in $VISUAL/$EDITOR or the built-in editor; signing; addenda;
 * printing; starting a visit; and full-text search over all notes. */
#ifndef EMR_UI_NOTE_H
#define EMR_UI_NOTE_H

#include "emr/print.h"
#include "emr/tui.h"

/* The note pager.  Keys: e edit (draft), s sign (draft, after a
 * confirmation), a addendum (signed), p print to a file, / search,
 * n next match. */
tui_view *ui_note_new(tui_app *app, int64_t note_id);
/* Starts a visit for the patient: asks type and reason, creates the
 * encounter and its draft note from the default template (prefilled from
 * the chart), and opens the note for editing. */
tui_view *ui_visit_new(tui_app *app, int64_t patient_id);
/* Search over every note (patient_id 0) or one patient's; results with
 * snippets; Enter opens the note. */
tui_view *ui_note_search_new(tui_app *app, int64_t patient_id);

/* Opens the note of a visit (the chart's Visits pane, Enter); for a visit
 * without a note, offers to start one from the template and opens it for
 * editing.  Returns TUI_* flags. */
int ui_visit_open(tui_app *app, int64_t encounter_id);

/* Prints to a new file ~/emr-prints/STEM.pdf (PDF when groff is
 * installed, else STEM.txt as text; -2, -3 ... appended rather than
 * overwrite an earlier printout), the directory created with mode 0700
 * and the file 0600, and says where it went on the status line.  Returns
 * TUI_* flags. */
int ui_print_to_file(tui_app *app, emr_print_kind kind, int64_t id, const char *stem);
/* Writes the patient's chart as a FHIR R4 Bundle (emr_fhir_export_patient)
 * to a new 0600 file ~/emr-exports/STEM.json and says where it went
 * on the status line (or why not: nothing half-written is left). */
int ui_export_fhir_to_file(tui_app *app, int64_t patient_id, const char *stem);

/* Each view's name and keymap, the very ones its help overlay shows; set
 * *name.  For `emr keys` (emr_ui_print_keys); need no terminal. */
const tui_binding *ui_note_keymap(const char **name);
const tui_binding *ui_visit_keymap(const char **name);
const tui_binding *ui_note_search_keymap(const char **name);

#endif
