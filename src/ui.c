/* ui: the entry point of the curses interface: it opens on the patient
 * list.  The screens themselves live in ui_*.c on top of tui.c. */
#include "emr/ui.h"

#include "emr/tui.h"
#include "emr/ui_patients.h"

int emr_ui_run(emr_cli *cli)
{
	return tui_run(cli, ui_patients_new);
}

