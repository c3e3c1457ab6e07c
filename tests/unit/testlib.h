/* testlib: helpers shared by the Criterion unit tests.  Every test works
 * on a real SQLite database in a fresh temporary directory, removed
 * afterwards.  The clock is frozen (EMR_NOW) and TZ fixed so dates and
 * ages are deterministic. */
#ifndef EMR_TESTLIB_H
#define EMR_TESTLIB_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emr/db.h"
#include "emr/practice.h"

#define TEST_NOW "2026-11-25T15:00:00Z"
#define TEST_TODAY "2026-11-25"

typedef struct test_env {
	char dir[256];
	char path[300];
	emr_db *db;
} test_env;

/* Makes a temp dir and opens a new practice in it.  with_codes loads the
 * full ICD-10-CM release (slower: about a second). */
static inline void test_env_open(test_env *env, bool with_codes)
{
	setenv("EMR_NOW", TEST_NOW, 1);
	setenv("TZ", "America/New_York", 1);
	setenv("EMR_USER", "drtest", 1);
	snprintf(env->dir, sizeof env->dir, "/tmp/emr-test-XXXXXX");
	cr_assert_not_null(mkdtemp(env->dir));
	snprintf(env->path, sizeof env->path, "%s/practice.db", env->dir);
	char err[512];
	env->db = emr_db_open(env->path, EMR_OPEN_CREATE, err, sizeof err);
	cr_assert_not_null(env->db, "open: %s", err);
	emr_init_opts o = {
		.practice_name = "Test Family Practice",
		.user_login = "drtest",
		.user_display_name = "Dana Test",
		.user_credentials = "MD",
		.load_codes = with_codes,
	};
	cr_assert_eq(emr_practice_create(env->db, &o), 0, "create: %s", emr_db_error(env->db));
	emr_user u;
	cr_assert_eq(emr_login(env->db, &u), 0, "login: %s", emr_db_error(env->db));
}

static inline void test_env_close(test_env *env)
{
	if (env->db)
		emr_db_close(env->db);
	env->db = NULL;
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", env->dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", env->dir);
}

/* Runs SQL that must succeed. */
static inline void test_exec(emr_db *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(emr_db_sqlite(db), sql, NULL, NULL, &msg);
	cr_assert_eq(rc, SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_free(msg);
}

/* Runs SQL that must fail; returns SQLite's message (static buffer) so the
 * test can check it is the refusal it expects. */
static inline const char *test_exec_fails(emr_db *db, const char *sql)
{
	static char buf[512];
	char *msg = NULL;
	int rc = sqlite3_exec(emr_db_sqlite(db), sql, NULL, NULL, &msg);
	cr_assert_neq(rc, SQLITE_OK, "expected this to be refused: %s", sql);
	snprintf(buf, sizeof buf, "%s", msg ? msg : "");
	sqlite3_free(msg);
	return buf;
}

/* Returns the first column of the first row as an integer. */
static inline long long test_int(emr_db *db, const char *sql)
{
	sqlite3_stmt *st;
	cr_assert_eq(sqlite3_prepare_v2(emr_db_sqlite(db), sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW, "%s: no row", sql);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

#endif
