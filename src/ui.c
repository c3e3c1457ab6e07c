/* ui: the entry point of the curses interface: it opens on the patient
 * list.  The screens themselves live in ui_*.c on top of tui.c. */
#include "emr/ui.h"

#include "emr/tui.h"
#include "emr/ui_patients.h"

int emr_ui_run(emr_cli *cli)
{
	return tui_run(cli, ui_patients_new);
}

/* TEMPORARY while the chart and forms modules are being written: weak
 * placeholders that the real definitions override.  Removed when they
 * land. */
#include "emr/ui_chart.h"
#include "emr/ui_forms.h"
__attribute__((weak)) tui_view *ui_chart_new(tui_app *app, int64_t patient_id)
{
	(void)patient_id;
	tui_message(app, "The chart screen is not built yet");
	return NULL;
}
__attribute__((weak)) tui_view *ui_form_patient_new(tui_app *app, int64_t patient_id)
{
	(void)patient_id;
	tui_message(app, "The registration form is not built yet");
	return NULL;
}
