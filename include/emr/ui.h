/* ui: the curses interface.  emr_ui_run() takes over the terminal until
 * the user quits; cli->db is open and cli->user logged in.  Returns an
 * exit status. */
#ifndef EMR_UI_H
#define EMR_UI_H

#include "emr/cli.h"

int emr_ui_run(emr_cli *cli);

/* Prints the keys of every view (the patient list, the chart, the forms,
 * the allergy warning, the flowsheet, the lab trend, then the keys that
 * work everywhere) as plain text: the view's name, then one
 * "  KEYS  what it does" line per binding.  It reads the keymap tables
 * that drive the screen and its ? help, so it cannot drift from them.
 * Needs no terminal and no database (`emr keys`). */
void emr_ui_print_keys(FILE *f);

#endif
