/* db: opening, creating, identifying and migrating a practice database;
 * locks, nested transactions, the statement cache and the default path.
 * These tests use raw SQL for fixtures so they depend on nothing above
 * the storage layer. */
/* stdio.h first: testlib.h uses snprintf without including it. */
#include <stdio.h>

#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define NOW_SQL "'2026-11-25T15:00:00Z'"

static char tmpdir[256];

static void setup(void)
{
	setenv("EMR_NOW", TEST_NOW, 1);
	setenv("TZ", "America/New_York", 1);
	unsetenv("EMR_BUSY_TIMEOUT_MS");
	snprintf(tmpdir, sizeof tmpdir, "/tmp/emr-dbtest-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	char cmd[700];
	snprintf(cmd, sizeof cmd, "chmod -R u+rwX '%s' 2>/dev/null; rm -rf '%s'", tmpdir, tmpdir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", tmpdir);
}

TestSuite(db, .init = setup, .fini = teardown);

/* ------------------------------------------------------------ helpers */

static const char *in_tmp(const char *name)
{
	static char bufs[8][400];
	static int next;
	char *buf = bufs[next++ % 8];
	snprintf(buf, 400, "%s/%s", tmpdir, name);
	return buf;
}

static emr_db *open_new(const char *path)
{
	char err[512] = "";
	emr_db *db = emr_db_open(path, EMR_OPEN_CREATE, err, sizeof err);
	cr_assert_not_null(db, "open %s: %s", path, err);
	return db;
}

static void raw_exec(sqlite3 *c, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c, sql, NULL, NULL, &msg);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
}

static long long raw_int(sqlite3 *c, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(c));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *raw_text(sqlite3 *c, const char *sql)
{
	static char bufs[4][512];
	static int next;
	char *buf = bufs[next++ % 4];
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(c));
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	const unsigned char *t = sqlite3_column_text(st, 0);
	snprintf(buf, 512, "%s", t ? (const char *)t : "<NULL>");
	sqlite3_finalize(st);
	return buf;
}

static sqlite3 *raw_open(const char *path)
{
	sqlite3 *c = NULL;
	cr_assert_eq(sqlite3_open(path, &c), SQLITE_OK, "raw open %s", path);
	return c;
}

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
}

static long long file_size(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	return (long long)st.st_size;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "%s: %s", path, strerror(errno));
	return (unsigned)(st.st_mode & 07777);
}

#define assert_mentions(msg, word) \
	cr_assert(strstr((msg), (word)) != NULL, "message \"%s\" does not mention \"%s\"", (msg), (word))

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1000.0 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The minimal rows of a practice, for tests that need some data. */
#define SEED_SQL                                                                                       \
	"INSERT INTO practice(id, name, created_at) VALUES (1, 'Old Practice', " NOW_SQL ");"             \
	"INSERT INTO users(id, login, display_name, role, created_at)"                                    \
	" VALUES (1, 'drold', 'Dr Old', 'physician', " NOW_SQL ");"                                        \
	"INSERT INTO patients(id, mrn, given_name, family_name, sex, dob, created_at, updated_at)"        \
	" VALUES (1, 'OLD-1', 'Grace', 'Hopper', 'female', '1906-12-09', " NOW_SQL ", " NOW_SQL ");"     \
	"INSERT INTO encounters(id, patient_id, provider_id, start_at, type, created_at)"                 \
	" VALUES (1, 1, 1, '2026-11-20T14:00:00Z', 'office', " NOW_SQL ");"                               \
	"INSERT INTO notes(id, encounter_id, patient_id, author_id, body, created_at, updated_at)"         \
	" VALUES (1, 1, 1, 1, 'Patient reports wheezing after exercise.', " NOW_SQL ", " NOW_SQL ");"

/* ------------------------------------------------------------ creation */

Test(db, new_database_is_private)
{
	umask(0); /* the modes must not depend on the caller's umask */
	char top[400], dir[400], path[400], wal[400], shm[400];
	snprintf(top, sizeof top, "%s", in_tmp("clinic"));
	snprintf(dir, sizeof dir, "%s", in_tmp("clinic/data"));
	snprintf(path, sizeof path, "%s", in_tmp("clinic/data/practice.db"));
	snprintf(wal, sizeof wal, "%s", in_tmp("clinic/data/practice.db-wal"));
	snprintf(shm, sizeof shm, "%s", in_tmp("clinic/data/practice.db-shm"));
	cr_assert_not(exists(top));
	emr_db *db = open_new(path);
	cr_assert_eq(mode_of(path), 0600, "database mode %o", mode_of(path));
	cr_assert_eq(mode_of(top), 0700, "directory mode %o", mode_of(top));
	cr_assert_eq(mode_of(dir), 0700, "directory mode %o", mode_of(dir));
	/* The WAL and shared-memory files SQLite makes beside it are private too. */
	test_exec(db, "INSERT INTO practice(id, name, created_at) VALUES (1, 'P', " NOW_SQL ")");
	cr_assert(exists(wal), "no -wal file: is the database in WAL mode?");
	cr_assert_eq(mode_of(wal), 0600, "-wal mode %o", mode_of(wal));
	if (exists(shm))
		cr_assert_eq(mode_of(shm), 0600, "-shm mode %o", mode_of(shm));
	emr_db_close(db);
	cr_assert_eq(mode_of(path), 0600);
}

Test(db, new_database_settings)
{
	const char *path = in_tmp("practice.db");
	emr_db *db = open_new(path);
	sqlite3 *c = emr_db_sqlite(db);
	cr_assert_str_eq(emr_db_path(db), path);
	cr_assert_str_eq(raw_text(c, "PRAGMA journal_mode"), "wal");
	cr_assert_eq(raw_int(c, "PRAGMA foreign_keys"), 1);
	cr_assert_eq(raw_int(c, "PRAGMA synchronous"), 2, "synchronous should be FULL");
	cr_assert_geq(emr_schema_latest(), 2);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), emr_schema_latest());
	cr_assert_eq(emr_db_schema_version(db), emr_schema_latest());
	cr_assert_eq(raw_int(c, "PRAGMA application_id"), 0x454D5231);
	cr_assert_eq(raw_int(c, "PRAGMA application_id"), 1162695217);
	/* Every table is STRICT. */
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
	                        " AND name NOT LIKE 'sqlite_%' AND strict = 0"), 0);
	emr_db_close(db);

	/* The settings are the file's, not only the connection's. */
	sqlite3 *raw = raw_open(path);
	cr_assert_str_eq(raw_text(raw, "PRAGMA journal_mode"), "wal");
	cr_assert_eq(raw_int(raw, "PRAGMA application_id"), 0x454D5231);
	sqlite3_close(raw);
}

Test(db, reopening_keeps_data)
{
	const char *path = in_tmp("practice.db");
	emr_db *db = open_new(path);
	test_exec(db, "INSERT INTO practice(id, name, created_at) VALUES (1, 'Kept Practice', " NOW_SQL ")");
	emr_db_close(db);

	char err[512] = "";
	db = emr_db_open(path, 0, err, sizeof err);
	cr_assert_not_null(db, "%s", err);
	cr_assert_str_eq(raw_text(emr_db_sqlite(db), "SELECT name FROM practice"), "Kept Practice");
	cr_assert_eq(raw_int(emr_db_sqlite(db), "PRAGMA foreign_keys"), 1);
	emr_db_close(db);
	emr_db_close(NULL); /* harmless */
}

/* ------------------------------------------------------------ migration */

static void make_version_1(const char *path)
{
	sqlite3 *c = raw_open(path);
	raw_exec(c, "PRAGMA application_id = 1162695217");
	char err[512] = "";
	cr_assert_eq(emr_schema_apply(c, 0, 1, err, sizeof err), 0, "%s", err);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), 1);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM sqlite_master WHERE name IN ('notes_fts', 'icd10cm_fts')"), 0,
	             "version 1 must not have the full-text tables yet");
	raw_exec(c, "PRAGMA foreign_keys = ON");
	raw_exec(c, SEED_SQL);
	sqlite3_close(c);
}

Test(db, older_database_is_migrated)
{
	const char *path = in_tmp("old.db");
	make_version_1(path);

	char err[512] = "";
	emr_db *db = emr_db_open(path, 0, err, sizeof err);
	cr_assert_not_null(db, "%s", err);
	sqlite3 *c = emr_db_sqlite(db);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), emr_schema_latest());
	cr_assert_eq(raw_int(c, "PRAGMA application_id"), 0x454D5231);
	cr_assert_str_eq(raw_text(c, "PRAGMA journal_mode"), "wal");

	/* The data is still there. */
	cr_assert_str_eq(raw_text(c, "SELECT name FROM practice WHERE id = 1"), "Old Practice");
	cr_assert_str_eq(raw_text(c, "SELECT family_name FROM patients WHERE id = 1"), "Hopper");
	cr_assert_str_eq(raw_text(c, "SELECT body FROM notes WHERE id = 1"), "Patient reports wheezing after exercise.");

	/* Migration 2 indexed the existing note... */
	cr_assert_eq(raw_int(c, "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'wheezing'"), 1);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'exercise'"), 1);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'fever'"), 0);
	/* ...and its triggers keep the index in step from now on. */
	test_exec(db, "UPDATE notes SET body = 'Patient reports fever.' WHERE id = 1");
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'fever'"), 1);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM notes_fts WHERE notes_fts MATCH 'wheezing'"), 0);

	cr_assert_eq(raw_int(c, "SELECT count(*) FROM sqlite_master WHERE name = 'icd10cm_fts'"), 1);
	test_exec(db, "INSERT INTO icd10cm(code, description, first_release, last_release)"
	              " VALUES ('J45909', 'Unspecified asthma, uncomplicated', 2026, 2026)");
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM icd10cm_fts WHERE icd10cm_fts MATCH 'asth*'"), 1);
	emr_db_close(db);

	/* Opening again is a no-op: same version, same data. */
	db = emr_db_open(path, 0, err, sizeof err);
	cr_assert_not_null(db, "%s", err);
	cr_assert_eq(emr_db_schema_version(db), emr_schema_latest());
	cr_assert_eq(raw_int(emr_db_sqlite(db), "SELECT count(*) FROM notes"), 1);
	emr_db_close(db);
}

Test(db, older_database_read_only_is_not_migrated)
{
	const char *path = in_tmp("old.db");
	make_version_1(path);
	char err[512] = "";
	emr_db *db = emr_db_open(path, EMR_OPEN_READONLY, err, sizeof err);
	cr_assert_null(db, "a read-only open must not migrate, so it cannot use an old schema");
	assert_mentions(err, "writable");
	sqlite3 *c = raw_open(path);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), 1);
	sqlite3_close(c);
}

Test(db, newer_database_is_refused)
{
	const char *path = in_tmp("practice.db");
	emr_db_close(open_new(path));
	sqlite3 *c = raw_open(path);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", emr_schema_latest() + 1);
	raw_exec(c, sql);
	sqlite3_close(c);

	char err[512] = "";
	emr_db *db = emr_db_open(path, 0, err, sizeof err);
	cr_assert_null(db);
	assert_mentions(err, "newer");
	db = emr_db_open(path, EMR_OPEN_READONLY, err, sizeof err);
	cr_assert_null(db);

	c = raw_open(path);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), emr_schema_latest() + 1, "the newer database was altered");
	sqlite3_close(c);
}

Test(db, schema_apply_stops_at_missing_section)
{
	sqlite3 *c = raw_open(":memory:");
	char err[512] = "";
	cr_assert_eq(emr_schema_apply(c, 0, emr_schema_latest(), err, sizeof err), 0, "%s", err);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), emr_schema_latest());
	cr_assert_eq(emr_schema_apply(c, emr_schema_latest(), emr_schema_latest() + 1, err, sizeof err), -1);
	assert_mentions(err, "missing");
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), emr_schema_latest());
	sqlite3_close(c);
}

/* ------------------------------------------------------------ identity */

Test(db, text_file_is_not_an_emr_database)
{
	const char *path = in_tmp("notes.txt");
	char text[4096];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (i % 64 == 63) ? '\n' : (char)('a' + (int)(i % 26));
	write_file(path, text, sizeof text);

	char err[512] = "";
	cr_assert_null(emr_db_open(path, 0, err, sizeof err));
	assert_mentions(err, "not an emr database");
	cr_assert_null(emr_db_open(path, EMR_OPEN_CREATE, err, sizeof err));
	assert_mentions(err, "not an emr database");
	cr_assert_null(emr_db_open(path, EMR_OPEN_READONLY, err, sizeof err));
	assert_mentions(err, "not an emr database");

	/* Not one byte changed. */
	cr_assert_eq(file_size(path), 4096);
	char back[4096];
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f);
	cr_assert_eq(fread(back, 1, sizeof back, f), sizeof back);
	fclose(f);
	cr_assert_eq(memcmp(back, text, sizeof text), 0);
	cr_assert_not(exists(in_tmp("notes.txt-wal")));
}

Test(db, other_sqlite_file_is_not_an_emr_database)
{
	const char *path = in_tmp("other.db");
	sqlite3 *c = raw_open(path);
	raw_exec(c, "CREATE TABLE contacts(name TEXT); INSERT INTO contacts VALUES ('someone')");
	sqlite3_close(c);
	long long size = file_size(path);

	char err[512] = "";
	cr_assert_null(emr_db_open(path, 0, err, sizeof err));
	assert_mentions(err, "not an emr database");
	cr_assert_null(emr_db_open(path, EMR_OPEN_CREATE, err, sizeof err));
	assert_mentions(err, "not an emr database");

	c = raw_open(path);
	cr_assert_eq(raw_int(c, "PRAGMA application_id"), 0);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), 0);
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM sqlite_master"), 1);
	cr_assert_str_eq(raw_text(c, "PRAGMA journal_mode"), "delete", "another application's file was switched to WAL");
	sqlite3_close(c);
	cr_assert_eq(file_size(path), size);
}

/* A zero-byte file is a valid, empty SQLite database.  src/db.c treats it
 * as a new practice whether or not EMR_OPEN_CREATE is given (this is also
 * what is left if `emr init` is interrupted just after creating the
 * file): it is stamped and migrated, and has no practice row yet, so the
 * caller will ask for `emr init`.  Read-only, it cannot be prepared and
 * is refused, and left empty. */
Test(db, empty_file_is_not_a_practice_until_init)
{
	const char *path = in_tmp("empty.db");
	write_file(path, "", 0);

	char err[512] = "";
	cr_assert_null(emr_db_open(path, EMR_OPEN_READONLY, err, sizeof err));
	cr_assert_neq(err[0], '\0');
	cr_assert_eq(file_size(path), 0);

	/* An ordinary open must not stamp a schema into it behind init's back. */
	cr_assert_null(emr_db_open(path, 0, err, sizeof err));
	assert_mentions(err, "emr init");
	cr_assert_eq(file_size(path), 0);

	emr_db *db = emr_db_open(path, EMR_OPEN_CREATE, err, sizeof err);
	cr_assert_not_null(db, "%s", err);
	sqlite3 *c = emr_db_sqlite(db);
	cr_assert_eq(raw_int(c, "PRAGMA application_id"), 0x454D5231);
	cr_assert_eq(raw_int(c, "PRAGMA user_version"), emr_schema_latest());
	cr_assert_eq(raw_int(c, "SELECT count(*) FROM practice"), 0);
	emr_db_close(db);
}

Test(db, missing_file_says_emr_init)
{
	const char *path = in_tmp("nowhere/practice.db");
	char err[512] = "";
	cr_assert_null(emr_db_open(path, 0, err, sizeof err));
	assert_mentions(err, "emr init");
	cr_assert_not(exists(path));
	cr_assert_not(exists(in_tmp("nowhere")), "a failed open created a directory");

	cr_assert_null(emr_db_open(in_tmp("practice.db"), EMR_OPEN_READONLY, err, sizeof err));
	assert_mentions(err, "emr init");
	cr_assert_not(exists(in_tmp("practice.db")));
}

Test(db, directory_is_not_a_database)
{
	char err[512] = "";
	cr_assert_null(emr_db_open(tmpdir, EMR_OPEN_CREATE, err, sizeof err));
	assert_mentions(err, "not a regular file");
}

/* ------------------------------------------------------------ read-only */

Test(db, read_only_open_refuses_writes)
{
	const char *path = in_tmp("practice.db");
	emr_db *db = open_new(path);
	test_exec(db, "INSERT INTO practice(id, name, created_at) VALUES (1, 'RO Practice', " NOW_SQL ")");
	emr_db_close(db);

	char err[512] = "";
	db = emr_db_open(path, EMR_OPEN_READONLY, err, sizeof err);
	cr_assert_not_null(db, "%s", err);
	sqlite3 *c = emr_db_sqlite(db);
	cr_assert_str_eq(raw_text(c, "SELECT name FROM practice"), "RO Practice");
	cr_assert_eq(raw_int(c, "PRAGMA foreign_keys"), 1);

	if (emr_tx_begin(db) == 0) {
		int rc = sqlite3_exec(c, "UPDATE practice SET name = 'Changed'", NULL, NULL, NULL);
		cr_assert_eq(rc & 0xFF, SQLITE_READONLY, "a read-only handle wrote (rc %d)", rc);
		emr_db_fail(db, "saving");
		emr_tx_rollback(db);
	}
	assert_mentions(emr_db_error(db), "read-only");
	int rc = sqlite3_exec(c, "INSERT INTO users(login, display_name, role, created_at)"
	                         " VALUES ('x', 'X', 'nurse', " NOW_SQL ")", NULL, NULL, NULL);
	cr_assert_eq(rc & 0xFF, SQLITE_READONLY);
	emr_db_close(db);

	sqlite3 *raw = raw_open(path);
	cr_assert_str_eq(raw_text(raw, "SELECT name FROM practice"), "RO Practice");
	cr_assert_eq(raw_int(raw, "SELECT count(*) FROM users"), 0);
	sqlite3_close(raw);
}

/* Opens path writable and tries to write.  Returns 0 when the write was
 * refused with a message that says "read-only", else 1 with the reason in
 * why. */
static int try_write_read_only_file(const char *path, char *why, size_t n)
{
	char err[512] = "";
	emr_db *db = emr_db_open(path, 0, err, sizeof err);
	if (!db) {
		snprintf(why, n, "%s", err);
		return strstr(err, "read-only") ? 0 : 1;
	}
	int result = 1;
	if (emr_tx_begin(db) != 0) {
		snprintf(why, n, "%s", emr_db_error(db));
		result = strstr(why, "read-only") ? 0 : 1;
	} else {
		int rc = sqlite3_exec(emr_db_sqlite(db), "UPDATE practice SET name = 'Changed'", NULL, NULL, NULL);
		if (rc == SQLITE_OK && emr_tx_commit(db) == 0) {
			snprintf(why, n, "the write to a 0400 file succeeded");
		} else {
			if (rc != SQLITE_OK)
				emr_db_fail(db, "saving");
			snprintf(why, n, "%s", emr_db_error(db));
			result = strstr(why, "read-only") ? 0 : 1;
			emr_tx_rollback(db);
		}
	}
	emr_db_close(db);
	return result;
}

Test(db, read_only_file_refuses_writes)
{
	const char *path = in_tmp("practice.db");
	emr_db *db = open_new(path);
	test_exec(db, "INSERT INTO practice(id, name, created_at) VALUES (1, 'Locked Practice', " NOW_SQL ")");
	emr_db_close(db);
	cr_assert_eq(chmod(path, 0400), 0);

	char why[600] = "";
	int result;
	if (geteuid() != 0) {
		result = try_write_read_only_file(path, why, sizeof why);
	} else {
		/* root ignores file modes: try as nobody, in a child. */
		cr_assert_eq(chown(tmpdir, 65534, 65534), 0);
		cr_assert_eq(chown(path, 65534, 65534), 0);
		int fds[2];
		cr_assert_eq(pipe(fds), 0);
		pid_t pid = fork();
		cr_assert_neq(pid, -1);
		if (pid == 0) {
			close(fds[0]);
			if (setgid(65534) != 0 || setuid(65534) != 0)
				_exit(3);
			char msg[600] = "";
			int r = try_write_read_only_file(path, msg, sizeof msg);
			ssize_t w = write(fds[1], msg, strlen(msg));
			(void)w;
			_exit(r);
		}
		close(fds[1]);
		ssize_t got = read(fds[0], why, sizeof why - 1);
		why[got > 0 ? got : 0] = '\0';
		close(fds[0]);
		int status = 0;
		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFEXITED(status), "child died");
		if (WEXITSTATUS(status) == 3)
			cr_skip_test("cannot drop root privileges to test file permissions");
		result = WEXITSTATUS(status);
	}
	cr_assert_eq(result, 0, "a 0400 database: %s", why);
	cr_log_info("a 0400 database was refused: %s", why);
	cr_assert_eq(chmod(path, 0600), 0);
	sqlite3 *raw = raw_open(path);
	cr_assert_str_eq(raw_text(raw, "SELECT name FROM practice"), "Locked Practice");
	sqlite3_close(raw);
}

/* ------------------------------------------------------------ locking */

Test(db, locked_by_another_session)
{
	setenv("EMR_BUSY_TIMEOUT_MS", "200", 1);
	const char *path = in_tmp("practice.db");
	emr_db *db = open_new(path);

	sqlite3 *other = raw_open(path);
	raw_exec(other, "BEGIN EXCLUSIVE");
	raw_exec(other, "INSERT INTO practice(id, name, created_at) VALUES (1, 'Other Session', " NOW_SQL ")");

	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(emr_tx_begin(db), -1, "began writing while another session holds the lock");
	double waited = ms_since(&t0);
	assert_mentions(emr_db_error(db), "locked");
	cr_assert_geq(waited, 150.0, "gave up after %.0f ms: the busy timeout was not used", waited);
	cr_assert_lt(waited, 3000.0, "waited %.0f ms: EMR_BUSY_TIMEOUT_MS=200 was ignored", waited);
	cr_assert(sqlite3_get_autocommit(emr_db_sqlite(db)), "a failed begin left a transaction open");

	raw_exec(other, "ROLLBACK");
	sqlite3_close(other);

	/* Nothing was written, and the handle is usable once the lock is gone. */
	cr_assert_eq(raw_int(emr_db_sqlite(db), "SELECT count(*) FROM practice"), 0);
	cr_assert_eq(emr_tx_begin(db), 0, "%s", emr_db_error(db));
	test_exec(db, "INSERT INTO practice(id, name, created_at) VALUES (1, 'Mine', " NOW_SQL ")");
	cr_assert_eq(emr_tx_commit(db), 0, "%s", emr_db_error(db));
	cr_assert_str_eq(raw_text(emr_db_sqlite(db), "SELECT name FROM practice"), "Mine");
	emr_db_close(db);
}

/* ------------------------------------------------------------ transactions */

static emr_db *open_scratch(void)
{
	emr_db *db = open_new(in_tmp("practice.db"));
	test_exec(db, "CREATE TABLE scratch(x INTEGER NOT NULL) STRICT");
	return db;
}

static long long scratch_sum(emr_db *db)
{
	return raw_int(emr_db_sqlite(db), "SELECT coalesce(sum(x), 0) FROM scratch");
}

Test(db, nested_transactions)
{
	emr_db *db = open_scratch();
	sqlite3 *c = emr_db_sqlite(db);
	cr_assert_eq(emr_tx_begin(db), 0, "%s", emr_db_error(db));
	test_exec(db, "INSERT INTO scratch VALUES (1)");
	cr_assert_eq(emr_tx_begin(db), 0, "%s", emr_db_error(db));
	test_exec(db, "INSERT INTO scratch VALUES (10)");
	cr_assert_eq(scratch_sum(db), 11);
	emr_tx_rollback(db);                /* inner: its write is gone */
	cr_assert_eq(scratch_sum(db), 1);
	cr_assert_not(sqlite3_get_autocommit(c), "the outer transaction ended with the inner one");
	test_exec(db, "INSERT INTO scratch VALUES (100)");
	cr_assert_eq(emr_tx_commit(db), 0, "%s", emr_db_error(db));
	cr_assert(sqlite3_get_autocommit(c));
	cr_assert_eq(scratch_sum(db), 101);
	emr_db_close(db);

	/* and it is on disk */
	sqlite3 *raw = raw_open(in_tmp("practice.db"));
	cr_assert_eq(raw_int(raw, "SELECT sum(x) FROM scratch"), 101);
	sqlite3_close(raw);
}

Test(db, outer_rollback_undoes_committed_inner)
{
	emr_db *db = open_scratch();
	cr_assert_eq(emr_tx_begin(db), 0);
	test_exec(db, "INSERT INTO scratch VALUES (1)");
	cr_assert_eq(emr_tx_begin(db), 0);
	test_exec(db, "INSERT INTO scratch VALUES (10)");
	cr_assert_eq(emr_tx_begin(db), 0);
	test_exec(db, "INSERT INTO scratch VALUES (100)");
	cr_assert_eq(emr_tx_commit(db), 0);
	cr_assert_eq(emr_tx_commit(db), 0);
	cr_assert_eq(scratch_sum(db), 111);
	emr_tx_rollback(db);
	cr_assert(sqlite3_get_autocommit(emr_db_sqlite(db)));
	cr_assert_eq(scratch_sum(db), 0);

	/* Unbalanced calls at depth 0 are harmless. */
	cr_assert_eq(emr_tx_commit(db), 0);
	emr_tx_rollback(db);
	cr_assert_eq(emr_tx_begin(db), 0);
	test_exec(db, "INSERT INTO scratch VALUES (5)");
	cr_assert_eq(emr_tx_commit(db), 0);
	cr_assert_eq(scratch_sum(db), 5);
	emr_db_close(db);
}

Test(db, close_rolls_back_an_open_transaction)
{
	emr_db *db = open_scratch();
	cr_assert_eq(emr_tx_begin(db), 0);
	test_exec(db, "INSERT INTO scratch VALUES (7)");
	emr_db_close(db);
	sqlite3 *raw = raw_open(in_tmp("practice.db"));
	cr_assert_eq(raw_int(raw, "SELECT count(*) FROM scratch"), 0);
	sqlite3_close(raw);
}

Test(db, failure_message_keeps_the_rule)
{
	emr_db *db = open_new(in_tmp("practice.db"));
	test_exec(db, SEED_SQL);
	int rc = sqlite3_exec(emr_db_sqlite(db), "DELETE FROM patients WHERE id = 1", NULL, NULL, NULL);
	cr_assert_neq(rc, SQLITE_OK);
	cr_assert_eq(emr_db_fail(db, "deleting the chart"), -1);
	assert_mentions(emr_db_error(db), "deleting the chart: ");
	assert_mentions(emr_db_error(db), "never deleted");
	emr_db_set_error(db, "custom %d", 42);
	cr_assert_str_eq(emr_db_error(db), "custom 42");
	emr_db_close(db);
}

/* ------------------------------------------------------------ statements */

static sqlite3_stmt *plus_one(emr_db *db)
{
	return emr_db_stmt(db, "SELECT ?1 + 1");
}

static long long step_int(sqlite3_stmt *st)
{
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	return sqlite3_column_int64(st, 0);
}

Test(db, statement_cache_reuses_statements)
{
	emr_db *db = open_new(in_tmp("practice.db"));
	sqlite3_stmt *a = plus_one(db);
	cr_assert_not_null(a, "%s", emr_db_error(db));
	sqlite3_bind_int(a, 1, 41);
	cr_assert_eq(step_int(a), 42);
	/* left mid-result on purpose: the next get must reset it */

	sqlite3_stmt *b = plus_one(db);
	cr_assert_eq(a, b, "the same literal gave a different statement");
	cr_assert_eq(sqlite3_step(b), SQLITE_ROW);
	cr_assert_eq(sqlite3_column_type(b, 0), SQLITE_NULL, "bindings were not cleared");
	b = plus_one(db);
	sqlite3_bind_int(b, 1, 1);
	cr_assert_eq(step_int(b), 2);

	sqlite3_stmt *other = emr_db_stmt(db, "SELECT ?1 * 2");
	cr_assert_not_null(other);
	cr_assert_neq(other, a);
	sqlite3_bind_int(other, 1, 21);
	cr_assert_eq(step_int(other), 42);

	/* A bad query is an error, not a crash, and does not poison the cache. */
	cr_assert_null(emr_db_stmt(db, "SELEKT nonsense"));
	assert_mentions(emr_db_error(db), "preparing");
	cr_assert_eq(plus_one(db), a);
	emr_db_close(db);
}

/* The cache is keyed by address; these 300 buffers stand in for 300
 * distinct literals and make the table grow several times. */
static char many_sql[300][32];

Test(db, statement_cache_grows)
{
	emr_db *db = open_new(in_tmp("practice.db"));
	sqlite3_stmt *first[300];
	for (int i = 0; i < 300; i++) {
		snprintf(many_sql[i], sizeof many_sql[i], "SELECT %d", i);
		first[i] = emr_db_stmt(db, many_sql[i]);
		cr_assert_not_null(first[i], "%s", emr_db_error(db));
		cr_assert_eq(step_int(first[i]), i);
	}
	for (int i = 299; i >= 0; i--) {
		sqlite3_stmt *st = emr_db_stmt(db, many_sql[i]);
		cr_assert_eq(st, first[i], "statement %d was not kept across growth", i);
		cr_assert_eq(step_int(st), i);
	}
	emr_db_close(db);
}

/* ------------------------------------------------------------ default path */

Test(db, default_path_precedence)
{
	char buf[512];
	setenv("EMR_DB", "/env/emr.db", 1);
	setenv("XDG_DATA_HOME", "/xdg", 1);
	setenv("HOME", "/home/dana", 1);

	cr_assert(emr_db_default_path("/flag/practice.db", buf, sizeof buf));
	cr_assert_str_eq(buf, "/flag/practice.db", "--db must beat $EMR_DB");
	cr_assert(emr_db_default_path(NULL, buf, sizeof buf));
	cr_assert_str_eq(buf, "/env/emr.db", "$EMR_DB must beat $XDG_DATA_HOME");
	cr_assert(emr_db_default_path("", buf, sizeof buf));
	cr_assert_str_eq(buf, "/env/emr.db", "an empty --db is no --db");

	unsetenv("EMR_DB");
	cr_assert(emr_db_default_path(NULL, buf, sizeof buf));
	cr_assert_str_eq(buf, "/xdg/emr/practice.db", "$XDG_DATA_HOME must beat $HOME");
	setenv("EMR_DB", "", 1);
	cr_assert(emr_db_default_path(NULL, buf, sizeof buf));
	cr_assert_str_eq(buf, "/xdg/emr/practice.db", "an empty $EMR_DB is no $EMR_DB");

	/* The XDG spec: a relative XDG_DATA_HOME is invalid and ignored. */
	setenv("XDG_DATA_HOME", "relative/xdg", 1);
	cr_assert(emr_db_default_path(NULL, buf, sizeof buf));
	cr_assert_str_eq(buf, "/home/dana/.local/share/emr/practice.db");
	unsetenv("XDG_DATA_HOME");
	cr_assert(emr_db_default_path(NULL, buf, sizeof buf));
	cr_assert_str_eq(buf, "/home/dana/.local/share/emr/practice.db");

	unsetenv("HOME");
	cr_assert_not(emr_db_default_path(NULL, buf, sizeof buf), "no home: nowhere to put the database");
	cr_assert(emr_db_default_path("/flag/practice.db", buf, sizeof buf), "--db needs no home");
	cr_assert_str_eq(buf, "/flag/practice.db");
}

/* A path that does not fit is refused, never silently cut short (which
 * would open or create a different file). */
Test(db, default_path_does_not_truncate)
{
	char buf[24];
	unsetenv("EMR_DB");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/dana", 1);
	cr_assert_not(emr_db_default_path("/a/very/long/explicit/path/practice.db", buf, sizeof buf));
	setenv("EMR_DB", "/a/very/long/environment/path/practice.db", 1);
	cr_assert_not(emr_db_default_path(NULL, buf, sizeof buf));
	unsetenv("EMR_DB");
	setenv("XDG_DATA_HOME", "/xdg/data/home", 1);
	cr_assert_not(emr_db_default_path(NULL, buf, sizeof buf), "XDG path truncated to \"%s\"", buf);
	unsetenv("XDG_DATA_HOME");
	cr_assert_not(emr_db_default_path(NULL, buf, sizeof buf), "HOME path truncated to \"%s\"", buf);
}

/* A one-row read left mid-step keeps its snapshot; once another session
 * writes, this one's next write is refused as busy.  emr_db_end_reads
 * (run by the screen before it waits for a key) ends that snapshot. */
Test(db, end_reads_lets_a_stale_reader_write_again)
{
	const char *path = in_tmp("p.db");
	emr_db *db = open_new(path);
	sqlite3 *conn = emr_db_sqlite(db);
	raw_exec(conn, "CREATE TABLE IF NOT EXISTS t(x INTEGER) STRICT; INSERT INTO t VALUES (1)");
	sqlite3_exec(conn, "PRAGMA busy_timeout = 0", NULL, NULL, NULL);
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT x FROM t");
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);          /* left mid-step, as a one-row read does */
	sqlite3 *other = raw_open(path);
	raw_exec(other, "INSERT INTO t VALUES (2)");
	cr_assert_neq(sqlite3_exec(conn, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLITE_OK,
	              "a stale snapshot cannot write");
	emr_db_end_reads(db);
	cr_assert_eq(sqlite3_exec(conn, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLITE_OK, "%s",
	             sqlite3_errmsg(conn));
	cr_assert_eq(raw_int(other, "SELECT count(*) FROM t"), 3);
	sqlite3_close(other);
	emr_db_close(db);
}
