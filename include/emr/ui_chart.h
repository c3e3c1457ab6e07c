/* ui_chart: the chart screen: a header that is always visible (name, age,
 * sex, date of birth, MRN, allergies highlighted, "NKDA" or "Allergies not
 * recorded"), and panes for problems, medications, allergies, vitals with
 * trend sparklines, labs with flags, immunizations and visits.  Fits 80x24
 * and uses the room of a larger terminal.  Tab/Shift-Tab or digits move
 * between panes; each pane scrolls; the keys of the focused pane add,
 * edit, resolve, stop and retire records through ui_forms. */
#ifndef EMR_UI_CHART_H
#define EMR_UI_CHART_H

#include "emr/tui.h"

tui_view *ui_chart_new(tui_app *app, int64_t patient_id);
/* The view's name and keymap, the very ones its help overlay shows; sets
 * *name.  For `emr keys` (emr_ui_print_keys); needs no terminal. */
const tui_binding *ui_chart_keymap(const char **name);

#endif
