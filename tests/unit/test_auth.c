/* Passphrases: set and check, wrong ones audited and slowed down. */
#include "testlib.h"

#include "emr/audit.h"
#include "emr/auth.h"

#include <time.h>

static test_env env;
static int64_t uid;

static void setup(void)
{
	setenv("EMR_AUTH_DELAY_MS", "0", 1);
	test_env_open(&env, false);
	uid = emr_db_actor_id(env.db);
}

static void teardown(void)
{
	test_env_close(&env);
	unsetenv("EMR_AUTH_DELAY_MS");
}

static int count_audit(const char *action)
{
	sqlite3_stmt *st = emr_db_stmt(env.db, "SELECT count(*) FROM audit_events WHERE action = ?");
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	int n = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return n;
}

TestSuite(auth, .init = setup, .fini = teardown);

Test(auth, set_and_check)
{
	cr_assert(!emr_passphrase_is_set(env.db, uid));
	cr_assert_eq(emr_passphrase_check(env.db, uid, "anything"), -1);
	cr_assert(strstr(emr_db_error(env.db), "emr user passwd"));
	cr_assert_eq(emr_passphrase_set(env.db, uid, "correct horse"), 0, "%s", emr_db_error(env.db));
	cr_assert(emr_passphrase_is_set(env.db, uid));
	cr_assert_eq(emr_passphrase_check(env.db, uid, "correct horse"), 0);
	cr_assert_eq(emr_passphrase_check(env.db, uid, "correct horsE"), -1);
	/* the stored text is an Argon2id string, never the passphrase */
	sqlite3_stmt *st = emr_db_stmt(env.db, "SELECT pass_hash FROM users WHERE id = ?");
	sqlite3_bind_int64(st, 1, uid);
	cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
	cr_assert(strncmp(emr_col_text(st, 0), "$argon2id$", 10) == 0);
	cr_assert_null(strstr(emr_col_text(st, 0), "horse"));
	sqlite3_reset(st);
}

Test(auth, too_short_or_not_utf8)
{
	cr_assert_eq(emr_passphrase_set(env.db, uid, "short"), -1);
	cr_assert(strstr(emr_db_error(env.db), "at least 8"));
	cr_assert_eq(emr_passphrase_set(env.db, uid, "ñandú ñu"), 0, "eight characters, more bytes");
	cr_assert_eq(emr_passphrase_set(env.db, uid, "abcdefgh\xff"), -1);
	cr_assert(strstr(emr_db_error(env.db), "UTF-8"));
	cr_assert_eq(emr_passphrase_check(env.db, uid, "ñandú ñu"), 0);
}

Test(auth, wrong_is_audited)
{
	cr_assert_eq(emr_passphrase_set(env.db, uid, "correct horse"), 0);
	int before = count_audit("unlock-failed");
	cr_assert_eq(emr_passphrase_check(env.db, uid, "wrong one"), -1);
	cr_assert_eq(emr_passphrase_check_for(env.db, uid, "wrong two", EMR_AUTH_SIGN), -1);
	cr_assert_eq(count_audit("unlock-failed"), before + 2);
	cr_assert_eq(emr_auth_failures(env.db, uid), 2);
	/* a success resets the count */
	int logins = count_audit("login");
	cr_assert_eq(emr_passphrase_check(env.db, uid, "correct horse"), 0);
	cr_assert_eq(count_audit("login"), logins + 1);
	cr_assert_eq(emr_auth_failures(env.db, uid), 0);
	cr_assert_eq(emr_audit_verify(env.db, &(int64_t){0}, &(long){0}), 0);
}

Test(auth, delay_grows)
{
	cr_assert_eq(emr_auth_delay_ms(1, 1000), 1000);
	cr_assert_eq(emr_auth_delay_ms(2, 1000), 2000);
	cr_assert_eq(emr_auth_delay_ms(3, 1000), 4000);
	cr_assert_eq(emr_auth_delay_ms(4, 1000), 8000);
	cr_assert_eq(emr_auth_delay_ms(9, 1000), 8000);
	cr_assert_eq(emr_auth_delay_ms(0, 1000), 0);
}

Test(auth, delay_is_slept)
{
	cr_assert_eq(emr_passphrase_set(env.db, uid, "correct horse"), 0);
	setenv("EMR_AUTH_DELAY_MS", "100", 1);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	cr_assert_eq(emr_passphrase_check(env.db, uid, "wrong one"), -1);   /* 100 ms */
	cr_assert_eq(emr_passphrase_check(env.db, uid, "wrong two"), -1);   /* 200 ms */
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (double)(b.tv_sec - a.tv_sec) * 1000 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	cr_assert_geq(ms, 290, "slept %.0f ms", ms);
}
