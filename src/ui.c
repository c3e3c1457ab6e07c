/* ui: the entry point of the curses interface: it opens on the patient
 * list.  The screens themselves live in ui_*.c on top of tui.c.  Also the
 * registry of every view's keymap, for `emr keys`. */
#include "emr/ui.h"

#include "emr/audit.h"

#include "emr/tui.h"
#include "emr/ui_billing.h"
#include "emr/ui_chart.h"
#include "emr/ui_forms.h"
#include "emr/ui_note.h"
#include "emr/ui_patients.h"
#include "emr/ui_schedule.h"
#include "emr/ui_textedit.h"
#include "emr/ui_trends.h"
#include "emr/util.h"

int emr_ui_run(emr_cli *cli)
{
	/* Starting the screen is a login in the audit log's sense: from here
	 * on, this user is looking at charts. */
	if (emr_audit(cli->db, "login", "users", cli->user.id, 0, "screen") != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	return tui_run(cli, ui_patients_new);
}

/* The keys of one view, laid out as the help overlay lays them out. */
static void print_keymap(FILE *f, const char *name, const tui_binding *map)
{
	fprintf(f, "%s\n", name);
	for (const tui_binding *b = map; b && b->run; b++)
		fprintf(f, "  %-16s %s\n", b->keys, b->help);
}

/* Every view, in the order a user meets them. */
static const tui_binding *(*const views[])(const char **name) = {
	ui_patients_keymap,
	ui_chart_keymap,
	ui_forms_keymap,
	ui_allergy_warning_keymap,
	ui_flowsheet_keymap,
	ui_lab_trend_keymap,
	ui_visit_keymap,
	ui_note_keymap,
	ui_textedit_keymap,
	ui_note_search_keymap,
	ui_schedule_keymap,
	ui_booking_keymap,
	ui_recall_keymap,
	ui_charges_keymap,
	ui_code_picker_keymap,
	ui_invoice_keymap,
};

void emr_ui_print_keys(FILE *f)
{
	for (size_t i = 0; i < EMR_ARRAY_LEN(views); i++) {
		const char *name = "";
		const tui_binding *map = views[i](&name);
		print_keymap(f, name, map);
		fputc('\n', f);
	}
	/* tui.c tries the view's keys first, then these ("Everywhere" in
	 * the help overlay). */
	print_keymap(f, "Everywhere", tui_global_keys);
	fputs("\nIn the patient list's search box and in a form, printable keys (? and q\n"
	      "too) are typed as text: there F1 opens the help, and Esc does what its\n"
	      "view lists.\n", f);
}
