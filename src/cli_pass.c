/* cli_pass: reading a passphrase from a descriptor, the environment or
 * the terminal with echo off. */
#include "emr/cli_pass.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* The first line of fd (without its newline); false on error or when the
 * line does not fit. */
static bool read_line_fd(int fd, char *buf, size_t n)
{
	size_t len = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return false;
		if (r == 0 || c == '\n')
			break;
		if (len + 1 >= n)
			return false;
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return true;
}

static bool ask_tty(const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return false;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return false;
	bool ok = read_line_fd(STDIN_FILENO, buf, n);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	return ok;
}

int emr_cli_read_passphrase(emr_cli *cli, const char *cmd, long fd, const char *prompt, bool confirm,
                            char *buf, size_t n)
{
	if (fd >= 0) {
		if (fd > 1000000 || !read_line_fd((int)fd, buf, n)) {
			emr_cli_error(cli, "%s: could not read the passphrase from descriptor %ld", cmd, fd);
			return EMR_EXIT_FAIL;
		}
		return 0;
	}
	const char *env = getenv("EMR_PASSPHRASE");
	if (env) {
		if (strlen(env) >= n) {
			emr_cli_error(cli, "%s: EMR_PASSPHRASE is too long", cmd);
			return EMR_EXIT_FAIL;
		}
		strcpy(buf, env);
		return 0;
	}
	if (!isatty(STDIN_FILENO)) {
		emr_cli_error(cli, "%s: a passphrase is needed: run it on a terminal, or give --passphrase-fd N", cmd);
		return EMR_EXIT_USAGE;
	}
	if (!ask_tty(prompt, buf, n)) {
		emr_cli_error(cli, "%s: could not read the passphrase", cmd);
		return EMR_EXIT_FAIL;
	}
	if (confirm) {
		char again[1100];
		bool ok = ask_tty("again: ", again, sizeof again) && strcmp(again, buf) == 0;
		sodium_memzero(again, sizeof again);
		if (!ok) {
			sodium_memzero(buf, n);
			emr_cli_error(cli, "%s: the two passphrases differ", cmd);
			return EMR_EXIT_FAIL;
		}
	}
	return 0;
}
