/* ui_patients: the patient list, where emr opens.  Typing searches on
 * every keystroke (names in any order, by prefix, ignoring accents and
 * case; a date of birth; an MRN; phone digits); with nothing typed the
 * most recently opened charts come first.  Letters go to the search, so
 * moving and commands use arrows, Ctrl- keys and function keys. */
#ifndef EMR_UI_PATIENTS_H
#define EMR_UI_PATIENTS_H

#include "emr/tui.h"

tui_view *ui_patients_new(tui_app *app);
/* The view's name and keymap, the very ones its help overlay shows; sets
 * *name.  For `emr keys` (emr_ui_print_keys); needs no terminal. */
const tui_binding *ui_patients_keymap(const char **name);

#endif
