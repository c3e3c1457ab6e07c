/* ui_schedule: the appointment book on screen.
 *
 * The day view is a time grid from the clinic's opening to its closing in
 * slots of the practice's length, in the practice's time zone; each
 * appointment fills the slots it covers, overbooks in a column beside it,
 * cancelled ones dimmed and never in the way.  `w` turns it into a week
 * (Monday to Sunday as columns).  From the grid the front desk books
 * (patient search, type, length, reason), moves, lengthens, cancels and
 * checks patients in; `R` lists the patients due for a follow-up with
 * nothing booked.  Opened with F4 from the patient list. */
#ifndef EMR_UI_SCHEDULE_H
#define EMR_UI_SCHEDULE_H

#include "emr/tui.h"

/* The schedule on date ("YYYY-MM-DD", local); NULL = today. */
tui_view *ui_schedule_new(tui_app *app, const char *date);

/* The views' names and keymaps, the very ones their help overlays show;
 * set *name.  For `emr keys` (emr_ui_print_keys); need no terminal. */
const tui_binding *ui_schedule_keymap(const char **name);
const tui_binding *ui_booking_keymap(const char **name);
const tui_binding *ui_recall_keymap(const char **name);

#endif
