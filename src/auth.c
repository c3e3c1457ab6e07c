/* auth: passphrases, hashed with Argon2id (libsodium). */
#include "emr/auth.h"

#include "emr/audit.h"
#include "emr/datetime.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistr.h>

long emr_auth_delay_ms(int n, long base_ms)
{
	if (n < 1)
		return 0;
	if (n > 4)
		n = 4;
	return base_ms << (n - 1);
}

static long delay_base(void)
{
	const char *s = getenv("EMR_AUTH_DELAY_MS");
	if (s && *s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (*end == '\0' && v >= 0 && v <= 1000)
			return v;
	}
	return 1000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int emr_passphrase_set(emr_db *db, int64_t user_id, const char *pass)
{
	size_t len = strlen(pass);
	if (u8_check((const uint8_t *)pass, len) != NULL) {
		emr_db_set_error(db, "passphrase: not valid UTF-8");
		return -1;
	}
	if (u8_mbsnlen((const uint8_t *)pass, len) < EMR_PASSPHRASE_MIN) {
		emr_db_set_error(db, "passphrase: must be at least %d characters", EMR_PASSPHRASE_MIN);
		return -1;
	}
	if (len > EMR_PASSPHRASE_MAX) {
		emr_db_set_error(db, "passphrase: longer than %d bytes", EMR_PASSPHRASE_MAX);
		return -1;
	}
	if (sodium_init() < 0) {
		emr_db_set_error(db, "passphrase: libsodium could not start");
		return -1;
	}
	char str[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(str, pass, len, crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		emr_db_set_error(db, "passphrase: out of memory hashing it");
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db, "UPDATE users SET pass_hash = ? WHERE id = ?");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, str, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, user_id);
	int rc = sqlite3_step(st);
	sodium_memzero(str, sizeof str);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "setting the passphrase");
	if (sqlite3_changes(emr_db_sqlite(db)) != 1) {
		emr_db_set_error(db, "passphrase: no user %lld", (long long)user_id);
		return -1;
	}
	return emr_audit(db, "update", "users", user_id, 0, "passphrase set");
}

static bool get_hash(emr_db *db, int64_t user_id, char *buf, size_t n)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT pass_hash FROM users WHERE id = ?");
	if (!st)
		return false;
	sqlite3_bind_int64(st, 1, user_id);
	bool ok = false;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		emr_col_copy(st, 0, buf, n);
		ok = *buf != '\0';
	}
	sqlite3_reset(st);
	return ok;
}

bool emr_passphrase_is_set(emr_db *db, int64_t user_id)
{
	char h[crypto_pwhash_STRBYTES + 1];
	return get_hash(db, user_id, h, sizeof h);
}

int emr_auth_failures(emr_db *db, int64_t user_id)
{
	char since[EMR_INSTANT_LEN];
	emr_instant_format(emr_now() - 15 * 60, since);
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT count(*) FROM audit_events WHERE user_id = ?1 AND action = 'unlock-failed' AND at >= ?2"
		" AND id > coalesce((SELECT max(id) FROM audit_events WHERE user_id = ?1 AND entity = 'users'"
		"                    AND ((action = 'login' AND detail = 'unlocked')"
		"                         OR (action = 'update' AND detail = 'passphrase ok'))), 0)");
	if (!st)
		return 0;
	sqlite3_bind_int64(st, 1, user_id);
	sqlite3_bind_text(st, 2, since, -1, SQLITE_TRANSIENT);
	int n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return n;
}

int emr_passphrase_check_for(emr_db *db, int64_t user_id, const char *pass, emr_auth_purpose why)
{
	char h[crypto_pwhash_STRBYTES + 1];
	if (!get_hash(db, user_id, h, sizeof h)) {
		emr_db_set_error(db, "no passphrase is set: set one with emr user passwd");
		return -1;
	}
	if (sodium_init() < 0) {
		emr_db_set_error(db, "passphrase: libsodium could not start");
		return -1;
	}
	if (crypto_pwhash_str_verify(h, pass, strlen(pass)) == 0) {
		if (why == EMR_AUTH_UNLOCK)
			emr_audit(db, "login", "users", user_id, 0, "unlocked");
		else if (emr_auth_failures(db, user_id) > 0)
			emr_audit(db, "update", "users", user_id, 0, "passphrase ok");
		return 0;
	}
	emr_audit(db, "unlock-failed", "users", user_id, 0, why == EMR_AUTH_SIGN ? "wrong passphrase signing" : "wrong passphrase unlocking");
	int n = emr_auth_failures(db, user_id);
	sleep_ms(emr_auth_delay_ms(n < 1 ? 1 : n, delay_base()));
	emr_db_set_error(db, "wrong passphrase");
	return -1;
}

int emr_passphrase_check(emr_db *db, int64_t user_id, const char *pass)
{
	return emr_passphrase_check_for(db, user_id, pass, EMR_AUTH_UNLOCK);
}
