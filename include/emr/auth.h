/* auth: each user's passphrase (Argon2id via libsodium crypto_pwhash_str).
 *
 * The passphrase is asked for to sign a note and to unlock the screen
 * after automatic logoff.  Failed checks are audited ('unlock-failed')
 * and slowed down: 1 s after a failure, doubling per consecutive failure
 * up to 8 s.  Consecutive failures are counted from the audit log (the
 * last 15 minutes, since the user's last success), so a new process
 * cannot skip the delay.  EMR_AUTH_DELAY_MS, when set, replaces the 1 s
 * base (0 disables sleeping; for tests). */
#ifndef EMR_AUTH_H
#define EMR_AUTH_H

#include "emr/db.h"

#define EMR_PASSPHRASE_MIN 8
#define EMR_PASSPHRASE_MAX 1024

/* What the passphrase is being checked for (the audit detail). */
typedef enum { EMR_AUTH_UNLOCK, EMR_AUTH_SIGN } emr_auth_purpose;

/* Hashes and stores pass (valid UTF-8, at least 8 characters). */
int emr_passphrase_set(emr_db *db, int64_t user_id, const char *pass);
/* 0 when pass is the user's passphrase; -1 when wrong, not set or on
 * error (the error message says which).  A wrong one is audited and
 * slowed down. */
int emr_passphrase_check(emr_db *db, int64_t user_id, const char *pass);
int emr_passphrase_check_for(emr_db *db, int64_t user_id, const char *pass, emr_auth_purpose why);
bool emr_passphrase_is_set(emr_db *db, int64_t user_id);
/* Consecutive recent failures of the user (from the audit log). */
int emr_auth_failures(emr_db *db, int64_t user_id);
/* The delay in milliseconds after the nth consecutive failure (n >= 1):
 * base, 2*base, 4*base, capped at 8*base; base is 1000 ms. */
long emr_auth_delay_ms(int n, long base_ms);

#endif
