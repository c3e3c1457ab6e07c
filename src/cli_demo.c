/* cli_demo: `emr demo`, a synthetic practice to try emr on, in a database
 * of its own (demo.db), never the real practice. */
#include "emr/cli.h"

#include "emr/demo.h"
#include "emr/ui.h"
#include "emr/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define USAGE "demo [--patients N] [--seed S] [--db PATH] [--force] [--open]\n\n" \
	"Creates a demo practice full of synthetic patients, by default in\n" \
	"$XDG_DATA_HOME/emr/demo.db (~/.local/share/emr/demo.db), never in your\n" \
	"practice.db.  The same seed (and EMR_NOW) gives the same practice."

#define MAX_PATIENTS 1000000L

/* Where the demo lives: --db, else $XDG_DATA_HOME/emr/demo.db, else
 * ~/.local/share/emr/demo.db.  $EMR_DB is ignored on purpose: it names
 * the real practice. */
static bool demo_path(const emr_cli *cli, char *buf, size_t n)
{
	if (cli->db_path && *cli->db_path)
		return emr_strlcpy(buf, cli->db_path, n);
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return (size_t)snprintf(buf, n, "%s/emr/demo.db", xdg) < n;
	const char *home = getenv("HOME");
	if (!home || !*home)
		return false;
	return (size_t)snprintf(buf, n, "%s/.local/share/emr/demo.db", home) < n;
}

/* --force may only replace a demo practice or a file a failed run left
 * behind (no practice in it yet); anything else could be someone's
 * records.  Returns true when the file may go; else explains in why. */
static bool replaceable(const char *path, char *why, size_t n)
{
	struct stat st;
	if (stat(path, &st) == 0 && st.st_size == 0)
		return true;
	sqlite3 *conn = NULL;
	if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(why, n, "cannot read it: %s", conn ? sqlite3_errmsg(conn) : "out of memory");
		sqlite3_close(conn);
		return false;
	}
	sqlite3_stmt *q = NULL;
	bool ok = false;
	if (sqlite3_prepare_v2(conn, "SELECT name FROM practice WHERE id = 1", -1, &q, NULL) != SQLITE_OK) {
		/* No practice table: fine only if there is nothing at all. */
		sqlite3_stmt *t = NULL;
		ok = sqlite3_prepare_v2(conn, "SELECT count(*) FROM sqlite_master", -1, &t, NULL) == SQLITE_OK &&
		     sqlite3_step(t) == SQLITE_ROW && sqlite3_column_int(t, 0) == 0;
		sqlite3_finalize(t);
		if (!ok)
			snprintf(why, n, "it is not an emr demo database");
	} else {
		int rc = sqlite3_step(q);
		const char *name = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
		size_t len = name ? strlen(name) : 0;
		ok = rc == SQLITE_DONE || (len >= 6 && strcmp(name + len - 6, "(demo)") == 0);
		if (!ok && name)
			snprintf(why, n, "it holds the practice \"%s\", not a demo", name);
		else if (!ok)
			snprintf(why, n, "cannot read it (%s); if it is a demo, remove it by hand", sqlite3_errmsg(conn));
	}
	sqlite3_finalize(q);
	sqlite3_close(conn);
	return ok;
}

/* Removes the database and SQLite's companion files. */
static int remove_db(emr_cli *cli, const char *path)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	for (size_t i = 0; i < EMR_ARRAY_LEN(suffixes); i++) {
		char f[4200];
		snprintf(f, sizeof f, "%s%s", path, suffixes[i]);
		if (unlink(f) != 0 && errno != ENOENT) {
			emr_cli_error(cli, "demo: cannot remove %s: %s", f, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void show_progress(long done, long total, void *arg)
{
	FILE *f = arg;
	fprintf(f, "\remr demo: %ld of %ld patients", done, total);
	if (done == total)
		fputc('\n', f);
	fflush(f);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void physician_login(emr_db *db, char *buf, size_t n)
{
	buf[0] = '\0';
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT login FROM users WHERE role = 'physician' ORDER BY id LIMIT 1");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		emr_col_copy(st, 0, buf, n);
	if (st)
		sqlite3_reset(st);
}

/* Logs in and runs the charting screen on the demo. */
static int open_ui(emr_cli *cli)
{
	if (emr_login(cli->db, &cli->user) != 0) {
		emr_cli_error(cli, "demo: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	return emr_ui_run(cli);
}

static int open_existing(emr_cli *cli, const char *path)
{
	char err[1024];
	cli->db = emr_db_open(path, 0, err, sizeof err);
	if (!cli->db) {
		emr_cli_error(cli, "demo: %s", err);
		return EMR_EXIT_FAIL;
	}
	if (!emr_practice_exists(cli->db)) {
		emr_cli_error(cli, "demo: %s holds no practice (make a new demo with: emr demo --force)", path);
		return EMR_EXIT_FAIL;
	}
	return open_ui(cli);
}

/* Generates into PATH.tmp and renames it over PATH once complete, so an
 * interrupted run never leaves a half-made demo behind and --force keeps
 * the old one until the new one is ready. */
static int generate(emr_cli *cli, const char *path, long patients, long seed)
{
	char tmp[4200], err[1024];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (remove_db(cli, tmp) != 0)
		return EMR_EXIT_FAIL;
	emr_db *db = emr_db_open(tmp, EMR_OPEN_CREATE, err, sizeof err);
	if (!db) {
		emr_cli_error(cli, "demo: %s", err);
		return EMR_EXIT_FAIL;
	}
	emr_demo_opts o = {.patients = patients, .seed = (unsigned long)seed};
	if (isatty(STDERR_FILENO)) {
		o.progress = show_progress;
		o.progress_arg = cli->err;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = emr_demo_generate(db, &o);
	double secs = seconds_since(&t0);
	char login[65];
	if (rc != 0)
		emr_cli_error(cli, "%s", emr_db_error(db));
	else
		physician_login(db, login, sizeof login);
	emr_db_close(db);
	if (rc != 0) {
		remove_db(cli, tmp);
		return EMR_EXIT_FAIL;
	}
	if (remove_db(cli, path) != 0)
		return EMR_EXIT_FAIL;
	if (rename(tmp, path) != 0) {
		emr_cli_error(cli, "demo: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		return EMR_EXIT_FAIL;
	}
	fprintf(cli->out, "Demo practice: %s\n", path);
	fprintf(cli->out, "Patients: %ld (seed %ld), generated in %.1f s\n", patients, seed, secs);
	fprintf(cli->out, "Physician login: %s\n", login);
	fprintf(cli->out, "Demo passphrase for every user: %s\n", EMR_DEMO_PASSPHRASE);
	return EMR_EXIT_OK;
}

int emr_cmd_demo(emr_cli *cli, int argc, char **argv)
{
	long patients = 200, seed = 1;
	bool force = false, open = false;
	const emr_opt opts[] = {
		{"patients", 'n', EMR_OPT_INT, &patients, "N  how many patients (default 200)"},
		{"seed", 's', EMR_OPT_INT, &seed, "S  random seed; the same seed gives the same practice (default 1)"},
		{"force", 'f', EMR_OPT_FLAG, &force, "replace an existing demo database"},
		{"open", 0, EMR_OPT_FLAG, &open, "then open the charting screen on it"},
		{NULL, 0, EMR_OPT_FLAG, NULL, NULL},
	};
	const char *pos[1];
	int npos;
	int rc = emr_opts_parse(cli, "demo", USAGE, opts, argc, argv, pos, 0, &npos);
	if (rc)
		return rc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	if (patients < 1 || patients > MAX_PATIENTS)
		return emr_cli_usage(cli, "demo", "--patients %ld: give 1 to %ld", patients, MAX_PATIENTS);
	if (seed < 0)
		return emr_cli_usage(cli, "demo", "--seed %ld: give a number from 0 up", seed);
	char path[4096];
	if (!demo_path(cli, path, sizeof path)) {
		emr_cli_error(cli, "demo: cannot tell where to put the demo: set --db or $HOME");
		return EMR_EXIT_FAIL;
	}
	struct stat st;
	if (stat(path, &st) == 0) {
		if (!force && open)
			return open_existing(cli, path);
		if (!force) {
			emr_cli_error(cli, "demo: %s already exists (replace it with --force, or open it with --open)", path);
			return EMR_EXIT_FAIL;
		}
		char why[300];
		if (!replaceable(path, why, sizeof why)) {
			emr_cli_error(cli, "demo: will not replace %s: %s", path, why);
			return EMR_EXIT_FAIL;
		}
	}
	rc = generate(cli, path, patients, seed);
	if (rc != EMR_EXIT_OK || !open)
		return rc;
	fflush(cli->out);
	return open_existing(cli, path);
}
