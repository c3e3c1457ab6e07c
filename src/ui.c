/* ui: the curses interface.  Until the charting screens land this is a
 * plain placeholder that proves the terminal plumbing: it shows the
 * practice, the user and the patient count, and quits on q. */
#include "emr/ui.h"

#include "emr/practice.h"
#include "emr/util.h"

#include <curses.h>
#include <stdlib.h>

int emr_ui_run(emr_cli *cli)
{
	emr_practice pr;
	if (emr_practice_get(cli->db, &pr) != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	if (!initscr()) {
		emr_cli_error(cli, "cannot start the screen (is TERM set?)");
		return EMR_EXIT_FAIL;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	char *name = emr_sanitize_dup(pr.name, false);
	char *user = emr_sanitize_dup(cli->user.display_name, false);
	int ch;
	do {
		erase();
		attron(A_BOLD);
		mvprintw(0, 0, "emr  %s", name);
		attroff(A_BOLD);
		mvprintw(2, 2, "Signed in as %s (%s).", user, cli->user.role);
		mvprintw(4, 2, "The charting screens arrive with the next release.");
		mvprintw(5, 2, "Everything is available from the command line now: emr help");
		mvprintw(LINES - 1, 0, "q quit");
		refresh();
		ch = getch();
	} while (ch != 'q' && ch != 27 && ch != ERR);
	endwin();
	free(name);
	free(user);
	return EMR_EXIT_OK;
}
