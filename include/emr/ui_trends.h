/* ui_trends: the vitals flowsheet (visits across, vital signs down) and
 * the lab trend view (a table plus a plot with the reference range). */
#ifndef EMR_UI_TRENDS_H
#define EMR_UI_TRENDS_H

#include "emr/tui.h"

tui_view *ui_flowsheet_new(tui_app *app, int64_t patient_id);
/* loinc NULL = start on the most recent lab of the patient; the view lets
 * the user step through the patient's tests. */
tui_view *ui_lab_trend_new(tui_app *app, int64_t patient_id, const char *loinc);

/* Each view's name and keymap, the very ones its help overlay shows; set
 * *name.  For `emr keys` (emr_ui_print_keys); need no terminal. */
const tui_binding *ui_flowsheet_keymap(const char **name);
const tui_binding *ui_lab_trend_keymap(const char **name);

#endif
