/* ui: the curses interface.  emr_ui_run() takes over the terminal until
 * the user quits; cli->db is open and cli->user logged in.  Returns an
 * exit status. */
#ifndef EMR_UI_H
#define EMR_UI_H

#include "emr/cli.h"

int emr_ui_run(emr_cli *cli);

#endif
