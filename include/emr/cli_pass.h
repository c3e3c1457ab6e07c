/* cli_pass: reading a passphrase for a command.
 *
 * In this order: from file descriptor fd when fd >= 0 (--passphrase-fd N:
 * the first line, for scripts); from $EMR_PASSPHRASE when it is set (for
 * tests and scripts: environment variables are visible to other
 * processes of the same user, so prefer --passphrase-fd); else from the
 * terminal with echo off, when stdin is a terminal (twice when confirm).
 * Returns 0, or EMR_EXIT_* after reporting the error. */
#ifndef EMR_CLI_PASS_H
#define EMR_CLI_PASS_H

#include "emr/cli.h"

int emr_cli_read_passphrase(emr_cli *cli, const char *cmd, long fd, const char *prompt, bool confirm,
                            char *buf, size_t n);

#endif
