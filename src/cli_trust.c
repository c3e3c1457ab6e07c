/* cli_trust: `emr audit log`, `emr backup`, `emr restore`, `emr check`:
 * the commands that let a practice trust its record (who saw what, a copy
 * that can be put back, and a check that nothing is broken). */
#include "emr/cli.h"

#include "emr/audit.h"
#include "emr/output.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int parse(emr_cli *cli, const char *cmd, const char *usage, const emr_opt *opts, int argc, char **argv,
                 const char **pos, int max, int *npos)
{
	int rc = emr_opts_parse(cli, cmd, usage, opts, argc, argv, pos, max, npos);
	return rc > 0 ? 1 : rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ audit log */

int emr_cmd_audit_log(emr_cli *cli, int argc, char **argv)
{
	const char *patient = NULL, *user = NULL, *since = NULL;
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"patient", 0, EMR_OPT_STRING, &patient, "ID  only this patient's chart (MRN or id)"},
		{"user", 0, EMR_OPT_STRING, &user, "LOGIN  only what this user did"},
		{"since", 0, EMR_OPT_STRING, &since, "DATE  only from this date (YYYY-MM-DD, UTC)"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	int prc = parse(cli, "audit log", "audit log [--patient ID] [--user LOGIN] [--since DATE] [--json|--csv]", opts,
	                argc, argv, pos, 0, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	emr_format fmt;
	if (emr_cli_format(cli, "audit", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	if (since) {
		int y, m, d;
		char tail;
		if (sscanf(since, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
			emr_cli_error(cli, "audit log: since \"%s\": expected a date YYYY-MM-DD", since);
			return EMR_EXIT_USAGE;
		}
	}
	/* Who saw which chart is itself sensitive: administrators only. */
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, EMR_PERM_ADMIN, "audit log") != 0) {
		emr_cli_error(cli, "audit log: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	sqlite3 *conn = emr_db_sqlite(cli->db);
	sqlite3_stmt *st;
	const char *q =
		"SELECT a.at, a.login, a.action, a.entity, coalesce(a.entity_id, ''), coalesce(p.mrn, ''),"
		"       CASE WHEN p.id IS NULL THEN '' ELSE p.family_name || ', ' || p.given_name END, a.detail"
		"  FROM audit_events a LEFT JOIN patients p ON p.id = a.patient_id"
		" WHERE (?1 IS NULL OR p.mrn = ?1 OR CAST(a.patient_id AS TEXT) = ?1)"
		"   AND (?2 IS NULL OR a.login = ?2)"
		"   AND (?3 IS NULL OR a.at >= ?3)"
		" ORDER BY a.id";
	if (sqlite3_prepare_v2(conn, q, -1, &st, NULL) != SQLITE_OK) {
		emr_cli_error(cli, "audit log: %s", sqlite3_errmsg(conn));
		return EMR_EXIT_FAIL;
	}
	if (patient)
		sqlite3_bind_text(st, 1, patient, -1, SQLITE_STATIC);
	if (user)
		sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
	if (since)
		sqlite3_bind_text(st, 3, since, -1, SQLITE_STATIC);
	static const emr_column cols[] = {
		{"at", "TIME", EMR_COL_TEXT, false},      {"login", "USER", EMR_COL_TEXT, false},
		{"action", "ACTION", EMR_COL_TEXT, false}, {"entity", "ENTITY", EMR_COL_TEXT, false},
		{"entity_id", "ID", EMR_COL_INT, false},  {"mrn", "MRN", EMR_COL_TEXT, false},
		{"patient", "PATIENT", EMR_COL_TEXT, false}, {"detail", "DETAIL", EMR_COL_TEXT, false},
	};
	emr_table *t = emr_table_new(cols, 8);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cells[8];
		for (int i = 0; i < 8; i++)
			cells[i] = (const char *)sqlite3_column_text(st, i);
		emr_table_add(t, cells);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		emr_table_free(t);
		emr_cli_error(cli, "audit log: %s", sqlite3_errmsg(conn));
		return EMR_EXIT_FAIL;
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}

/* -------------------------------------------------------------- helpers */

/* Runs PRAGMA integrity_check on conn; returns 0 when "ok", else writes
 * the first problem into msg. */
static int integrity(sqlite3 *conn, char *msg, size_t n)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(conn, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		snprintf(msg, n, "%s", sqlite3_errmsg(conn));
		return -1;
	}
	int rc = sqlite3_step(st);
	int bad = 0;
	if (rc != SQLITE_ROW) {
		snprintf(msg, n, "%s", sqlite3_errmsg(conn));
		bad = -1;
	} else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		snprintf(msg, n, "%s", (const char *)sqlite3_column_text(st, 0));
		bad = 1;
	}
	sqlite3_finalize(st);
	return bad;
}

/* Verifies a database file: opens it read-only as an emr database (which
 * checks it is SQLite, carries emr's application_id and is not newer than
 * this binary), runs integrity_check and verifies the audit chain.
 * Returns 0 and *rows, or -1 with msg set. */
static int verify_file(const char *path, long *rows, char *msg, size_t n)
{
	char err[1024];
	emr_db *db = emr_db_open(path, EMR_OPEN_READONLY, err, sizeof err);
	if (!db) {
		snprintf(msg, n, "%s", err);
		return -1;
	}
	int rc = -1;
	char why[512];
	int64_t bad = 0;
	int ir = integrity(emr_db_sqlite(db), why, sizeof why);
	if (ir != 0) {
		snprintf(msg, n, "%s: integrity check failed: %s", path, why);
		goto out;
	}
	if (emr_db_schema_version(db) > emr_schema_latest()) {
		snprintf(msg, n, "%s: written by a newer emr (schema %d; this emr knows %d)", path,
		         emr_db_schema_version(db), emr_schema_latest());
		goto out;
	}
	int vr = emr_audit_verify(db, &bad, rows);
	if (vr < 0) {
		snprintf(msg, n, "%s: cannot verify the audit log: %s", path, emr_db_error(db));
		goto out;
	}
	if (vr > 0) {
		snprintf(msg, n, "%s: audit log broken at row %lld", path, (long long)bad);
		goto out;
	}
	rc = 0;
out:
	emr_db_close(db);
	return rc;
}

/* Copies the open database src into the file at path with the online
 * backup API.  Returns 0, or -1 with msg set. */
static int copy_into(sqlite3 *src, const char *path, char *msg, size_t n)
{
	sqlite3 *dst = NULL;
	if (sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(msg, n, "%s: %s", path, dst ? sqlite3_errmsg(dst) : "cannot open");
		sqlite3_close(dst);
		return -1;
	}
	sqlite3_busy_timeout(dst, 5000);
	sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
	if (!b) {
		snprintf(msg, n, "%s: %s", path, sqlite3_errmsg(dst));
		sqlite3_close(dst);
		return -1;
	}
	int rc;
	/* One step copies every page inside one read transaction: in WAL mode
	 * that is a consistent snapshot, and other sessions keep writing
	 * meanwhile (a copy in small steps would restart on each write and
	 * might never finish on a busy day). */
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(rc == SQLITE_OK ? 0 : 20);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(msg, n, "%s: %s", path, sqlite3_errstr(rc));
		sqlite3_close(dst);
		return -1;
	}
	/* A copy is a single file: leave it in rollback-journal mode. */
	sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(msg, n, "%s: cannot close the copy", path);
		return -1;
	}
	return 0;
}

/* Creates path empty with mode 0600 (failing if it exists). */
static int create_0600(const char *path, char *msg, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(msg, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	fchmod(fd, 0600);
	close(fd);
	return 0;
}

static void stamp(char *buf, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(buf, n, "%Y%m%d-%H%M%S", &tm);
}

static bool is_backup_name(const char *s)
{
	/* practice-YYYYMMDD-HHMMSS.db */
	if (strlen(s) != 27 || strncmp(s, "practice-", 9) != 0 || strcmp(s + 24, ".db") != 0 || s[17] != '-')
		return false;
	for (int i = 9; i < 24; i++)
		if (i != 17 && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Keeps the newest keep backups in dir (names sort by time). */
static void rotate(emr_cli *cli, const char *dir, long keep)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	char **names = NULL;
	size_t count = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!is_backup_name(e->d_name))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn)
				break;
			names = nn;
		}
		names[count++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, count, sizeof *names, cmp_names);
	for (size_t i = 0; i + (size_t)keep < count; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (unlink(p) == 0)
			fprintf(cli->out, "removed old backup %s\n", p);
	}
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

/* --------------------------------------------------------------- backup */

int emr_cmd_backup(emr_cli *cli, int argc, char **argv)
{
	long keep = -1;
	const emr_opt opts[] = {
		{"keep", 0, EMR_OPT_INT, &keep, "N  keep only the newest N backups in DEST (a directory)"},
		{0},
	};
	const char *pos[1];
	int npos = 0;
	int prc = parse(cli, "backup", "backup DEST [--keep N]", opts, argc, argv, pos, 1, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	if (npos != 1)
		return emr_cli_usage(cli, "backup", "needs DEST (a file or a directory)");
	if (keep != -1 && keep < 1)
		return emr_cli_usage(cli, "backup", "--keep must be at least 1");
	const char *dest = pos[0];
	char path[4096], tmp[4200], msg[2048], ts[32];
	struct stat sb;
	bool isdir = stat(dest, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (keep != -1 && !isdir)
		return emr_cli_usage(cli, "backup", "--keep needs DEST to be a directory");
	if (isdir) {
		/* Never replace an earlier backup: two in one second wait for
		 * the next name. */
		for (int tries = 0;; tries++) {
			stamp(ts, sizeof ts);
			snprintf(path, sizeof path, "%s/practice-%s.db", dest, ts);
			if (access(path, F_OK) != 0 || tries == 30)
				break;
			usleep(100000);
		}
		if (access(path, F_OK) == 0) {
			emr_cli_error(cli, "backup: %s already exists", path);
			return EMR_EXIT_FAIL;
		}
	} else {
		snprintf(path, sizeof path, "%s", dest);
		if (stat(dest, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			emr_cli_error(cli, "backup: %s: not a regular file or a directory", dest);
			return EMR_EXIT_FAIL;
		}
	}
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, EMR_PERM_ADMIN, "backup") != 0) {
		emr_cli_error(cli, "backup: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	unlink(tmp);
	if (create_0600(tmp, msg, sizeof msg) != 0) {
		emr_cli_error(cli, "backup: cannot write %s", msg);
		return EMR_EXIT_FAIL;
	}
	long rows = 0;
	if (copy_into(emr_db_sqlite(cli->db), tmp, msg, sizeof msg) != 0) {
		unlink(tmp);
		emr_cli_error(cli, "backup failed: %s (nothing written)", msg);
		return EMR_EXIT_FAIL;
	}
	int vfd = open(tmp, O_RDONLY | O_CLOEXEC);
	if (vfd < 0 || fsync(vfd) != 0) {
		if (vfd >= 0)
			close(vfd);
		unlink(tmp);
		emr_cli_error(cli, "backup failed: %s: cannot flush to disk", tmp);
		return EMR_EXIT_FAIL;
	}
	close(vfd);
	if (verify_file(tmp, &rows, msg, sizeof msg) != 0) {
		unlink(tmp);
		emr_cli_error(cli, "backup failed verification: %s (nothing kept)", msg);
		return EMR_EXIT_FAIL;
	}
	if (rename(tmp, path) != 0) {
		emr_cli_error(cli, "backup: cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return EMR_EXIT_FAIL;
	}
	struct stat st;
	stat(path, &st);
	emr_audit(cli->db, "backup", "", 0, 0, path);
	fprintf(cli->out, "backed up to %s (%lld bytes, %ld audit rows verified)\n", path, (long long)st.st_size, rows);
	if (keep > 0)
		rotate(cli, dest, keep);
	return EMR_EXIT_OK;
}

/* -------------------------------------------------------------- restore */

int emr_cmd_restore(emr_cli *cli, int argc, char **argv)
{
	bool yes = false;
	const emr_opt opts[] = {
		{"yes", 'y', EMR_OPT_FLAG, &yes, "do not ask for confirmation (needed in scripts)"},
		{0},
	};
	const char *pos[1];
	int npos = 0;
	int prc = parse(cli, "restore", "restore SRC [--yes]", opts, argc, argv, pos, 1, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	if (npos != 1)
		return emr_cli_usage(cli, "restore", "needs SRC (a backup file)");
	const char *src = pos[0];
	char msg[2048];
	long rows = 0;
	struct stat sb;
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, EMR_PERM_ADMIN, "restore") != 0) {
		emr_cli_error(cli, "restore: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	if (stat(src, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		emr_cli_error(cli, "restore: %s: %s", src, stat(src, &sb) != 0 ? strerror(errno) : "not a regular file");
		return EMR_EXIT_FAIL;
	}
	if (verify_file(src, &rows, msg, sizeof msg) != 0) {
		emr_cli_error(cli, "restore refused: %s (nothing changed)", msg);
		return EMR_EXIT_FAIL;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			emr_cli_error(cli, "restore: replacing the practice database needs --yes when not on a terminal");
			return EMR_EXIT_USAGE;
		}
		char line[16];
		fprintf(stderr, "Replace the practice database with %s (%ld audit rows)? [y/N] ", src, rows);
		fflush(stderr);
		if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y')) {
			fprintf(cli->out, "restore cancelled; nothing changed\n");
			return EMR_EXIT_FAIL;
		}
	}
	char keep[4200], ts[32];
	stamp(ts, sizeof ts);
	snprintf(keep, sizeof keep, "%s.before-restore-%s", emr_db_path(cli->db), ts);
	if (create_0600(keep, msg, sizeof msg) != 0 || copy_into(emr_db_sqlite(cli->db), keep, msg, sizeof msg) != 0) {
		unlink(keep);
		emr_cli_error(cli, "restore: cannot keep the current database: %s (nothing changed)", msg);
		return EMR_EXIT_FAIL;
	}
	/* Copy SRC over the live database through SQLite, so its locks and WAL
	 * are honoured. */
	sqlite3 *s = NULL;
	if (sqlite3_open_v2(src, &s, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		emr_cli_error(cli, "restore: %s: %s", src, s ? sqlite3_errmsg(s) : "cannot open");
		sqlite3_close(s);
		return EMR_EXIT_FAIL;
	}
	sqlite3_backup *b = sqlite3_backup_init(emr_db_sqlite(cli->db), "main", s, "main");
	int brc = SQLITE_ERROR;
	if (b) {
		while ((brc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || brc == SQLITE_LOCKED)
			sqlite3_sleep(20);
		sqlite3_backup_finish(b);
	}
	sqlite3_close(s);
	if (brc != SQLITE_DONE) {
		emr_cli_error(cli, "restore failed: %s; the previous database is kept as %s",
		              sqlite3_errmsg(emr_db_sqlite(cli->db)), keep);
		return EMR_EXIT_FAIL;
	}
	sqlite3_exec(emr_db_sqlite(cli->db), "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	/* The restored database has its own users table: log in again so the
	 * audit row names the right user id (or none, if the backup predates
	 * this user). */
	emr_user again = {0};
	if (emr_login(cli->db, &again) == 0) {
		cli->user = again;
		emr_audit(cli->db, "restore", "", 0, 0, src);
	} else {
		emr_cli_error(cli, "restore: done, but not recorded in the audit log: %s", emr_db_error(cli->db));
	}
	fprintf(cli->out, "restored from %s (%ld audit rows); previous database kept as %s\n", src, rows, keep);
	return EMR_EXIT_OK;
}

/* ---------------------------------------------------------------- check */

int emr_cmd_check(emr_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos;
	int prc = parse(cli, "check", "check", NULL, argc, argv, pos, 0, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	int rc = emr_cli_open_db(cli, false);
	if (rc)
		return rc;
	sqlite3 *conn = emr_db_sqlite(cli->db);
	int problems = 0;
	char msg[1024];
	if (integrity(conn, msg, sizeof msg) != 0) {
		emr_cli_error(cli, "check: integrity check failed: %s", msg);
		problems++;
	} else {
		fprintf(cli->out, "integrity check: ok\n");
	}
	sqlite3_stmt *st;
	long fk = 0;
	if (sqlite3_prepare_v2(conn, "PRAGMA foreign_key_check", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			if (fk++ < 5)
				emr_cli_error(cli, "check: %s row %lld refers to a missing %s row",
				              (const char *)sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
				              (const char *)sqlite3_column_text(st, 2));
		}
		sqlite3_finalize(st);
	} else {
		emr_cli_error(cli, "check: foreign key check: %s", sqlite3_errmsg(conn));
		fk = 1;
	}
	if (fk) {
		emr_cli_error(cli, "check: %ld broken references", fk);
		problems++;
	} else {
		fprintf(cli->out, "foreign keys: ok\n");
	}
	int64_t bad = 0;
	long rows = 0;
	int vr = emr_audit_verify(cli->db, &bad, &rows);
	if (vr < 0) {
		emr_cli_error(cli, "check: audit log: %s", emr_db_error(cli->db));
		problems++;
	} else if (vr > 0) {
		emr_cli_error(cli, "check: audit log broken at row %lld", (long long)bad);
		problems++;
	} else {
		fprintf(cli->out, "audit log: intact (%ld rows)\n", rows);
	}
	if (problems) {
		emr_cli_error(cli, "check: %d problem%s found", problems, problems == 1 ? "" : "s");
		return EMR_EXIT_FAIL;
	}
	fprintf(cli->out, "all checks passed\n");
	return EMR_EXIT_OK;
}

/* --------------------------------------------------------------- report */

/* Per local day and user, from the audit log: visits started, notes
 * signed with the minutes from opening to signing (median, max), notes
 * opened that day and still unsigned, and rows written outside clinic
 * hours or on a day the clinic is closed. */
static const char workload_sql[] =
	"WITH pr AS (SELECT clinic_open o, clinic_close c, clinic_days d FROM practice WHERE id = 1),"
	" ev AS (SELECT a.action, a.entity, a.entity_id, a.login, a.at,"
	"               date(a.at, 'localtime') day, strftime('%H:%M', a.at, 'localtime') hm,"
	"               CAST(strftime('%w', a.at, 'localtime') AS INTEGER) wd"
	"          FROM audit_events a WHERE ?1 IS NULL OR date(a.at, 'localtime') >= ?1),"
	" agg AS (SELECT day, login, sum(action = 'create' AND entity = 'encounters') visits,"
	"                sum(hm < pr.o OR hm >= pr.c OR instr(pr.d, CASE wd WHEN 0 THEN 7 ELSE wd END) = 0) after_hours"
	"           FROM ev, pr GROUP BY day, login),"
	" sg AS (SELECT s.day, s.login, (julianday(s.at) - julianday(c.at)) * 1440.0 m"
	"          FROM ev s JOIN audit_events c ON c.action = 'create' AND c.entity = 'notes' AND c.entity_id = s.entity_id"
	"         WHERE s.action = 'sign' AND s.entity = 'notes'),"
	" sr AS (SELECT day, login, m, row_number() OVER (PARTITION BY day, login ORDER BY m) rn,"
	"               count(*) OVER (PARTITION BY day, login) n FROM sg),"
	" med AS (SELECT day, login, count(*) signed, avg(CASE WHEN rn IN ((n + 1) / 2, (n + 2) / 2) THEN m END) median,"
	"                max(m) mx FROM sr GROUP BY day, login),"
	" ud AS (SELECT e.day, e.login, count(*) u FROM ev e JOIN notes n ON n.id = e.entity_id"
	"         WHERE e.action = 'create' AND e.entity = 'notes' AND n.status = 'draft' GROUP BY e.day, e.login)"
	" SELECT agg.day, agg.login, agg.visits, coalesce(med.signed, 0),"
	"        CASE WHEN med.signed IS NULL THEN '' ELSE printf('%.1f', med.median) END,"
	"        CASE WHEN med.signed IS NULL THEN '' ELSE printf('%.1f', med.mx) END,"
	"        coalesce(ud.u, 0), agg.after_hours"
	"   FROM agg LEFT JOIN med ON med.day = agg.day AND med.login = agg.login"
	"            LEFT JOIN ud ON ud.day = agg.day AND ud.login = agg.login"
	"  ORDER BY agg.day, agg.login";

int emr_cmd_report(emr_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "daysheet") == 0 || strcmp(argv[1], "aging") == 0))
		return emr_cmd_report_billing(cli, argc, argv);
	if (argc < 2 || strcmp(argv[1], "workload") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs("usage: emr report workload [--since DATE] [--json|--csv]\n", cli->out);
			fputs("       emr report daysheet [--date DATE] [--json|--csv]\n       emr report aging [--json|--csv]\n", cli->out);
			return EMR_EXIT_OK;
		}
		return emr_cli_usage(cli, "report", "expected workload, daysheet or aging");
	}
	const char *since = NULL;
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"since", 0, EMR_OPT_STRING, &since, "DATE  only from this local date (YYYY-MM-DD)"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	int prc = parse(cli, "report", "report workload [--since DATE] [--json|--csv]", opts, argc - 1, argv + 1, pos, 0,
	                &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	emr_format fmt;
	if (emr_cli_format(cli, "report", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	if (since) {
		int y, m, d;
		char tail;
		if (sscanf(since, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
			emr_cli_error(cli, "report: since \"%s\": expected a date YYYY-MM-DD", since);
			return EMR_EXIT_USAGE;
		}
	}
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, EMR_PERM_ADMIN, "report workload") != 0) {
		emr_cli_error(cli, "report: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	sqlite3 *conn = emr_db_sqlite(cli->db);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(conn, workload_sql, -1, &st, NULL) != SQLITE_OK) {
		emr_cli_error(cli, "report: %s", sqlite3_errmsg(conn));
		return EMR_EXIT_FAIL;
	}
	if (since)
		sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	static const emr_column cols[] = {
		{"day", "DAY", EMR_COL_TEXT, false},
		{"login", "USER", EMR_COL_TEXT, false},
		{"visits", "VISITS", EMR_COL_INT, false},
		{"notes_signed", "SIGNED", EMR_COL_INT, false},
		{"sign_minutes_median", "MEDIAN MIN", EMR_COL_NUM, false},
		{"sign_minutes_max", "MAX MIN", EMR_COL_NUM, false},
		{"notes_unsigned", "UNSIGNED", EMR_COL_INT, false},
		{"after_hours", "AFTER HOURS", EMR_COL_INT, false},
	};
	emr_table *t = emr_table_new(cols, 8);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *cells[8];
		for (int i = 0; i < 8; i++)
			cells[i] = (const char *)sqlite3_column_text(st, i);
		emr_table_add(t, cells);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		emr_table_free(t);
		emr_cli_error(cli, "report: %s", sqlite3_errmsg(conn));
		return EMR_EXIT_FAIL;
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}
