/* audit: the append-only, hash-chained audit log. */
#include "emr/audit.h"

#include "emr/datetime.h"
#include "emr/util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* The bytes that are hashed: each field as "<length>:<bytes>;" so that no
 * two different rows can serialise to the same string, then the previous
 * row's hash.  NULL integers are written as empty fields. */
static void feed_field(crypto_generichash_state *h, const char *s)
{
	char len[24];
	int n = snprintf(len, sizeof len, "%zu:", strlen(s));
	crypto_generichash_update(h, (const unsigned char *)len, (unsigned long long)n);
	crypto_generichash_update(h, (const unsigned char *)s, strlen(s));
	crypto_generichash_update(h, (const unsigned char *)";", 1);
}

static void feed_int(crypto_generichash_state *h, int64_t v, bool is_null)
{
	char buf[24] = "";
	if (!is_null)
		snprintf(buf, sizeof buf, "%lld", (long long)v);
	feed_field(h, buf);
}

typedef struct audit_row {
	int64_t id;
	const char *at;
	int64_t user_id;
	bool user_null;
	const char *login, *action, *entity;
	int64_t entity_id;
	bool entity_null;
	int64_t patient_id;
	bool patient_null;
	const char *detail, *prev_hash;
} audit_row;

static void row_hash(const audit_row *r, char hex[65])
{
	crypto_generichash_state h;
	unsigned char out[32];
	crypto_generichash_init(&h, NULL, 0, sizeof out);
	feed_field(&h, "emr-audit-v1");
	feed_int(&h, r->id, false);
	feed_field(&h, r->at);
	feed_int(&h, r->user_id, r->user_null);
	feed_field(&h, r->login);
	feed_field(&h, r->action);
	feed_field(&h, r->entity);
	feed_int(&h, r->entity_id, r->entity_null);
	feed_int(&h, r->patient_id, r->patient_null);
	feed_field(&h, r->detail);
	feed_field(&h, r->prev_hash);
	crypto_generichash_final(&h, out, sizeof out);
	sodium_bin2hex(hex, 65, out, sizeof out);
}

int emr_audit(emr_db *db, const char *action, const char *entity, int64_t entity_id,
              int64_t patient_id, const char *detail)
{
	if (sodium_init() < 0) {
		emr_db_set_error(db, "cannot initialise libsodium for the audit log");
		return -1;
	}
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *last = emr_db_stmt(db, "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1");
	if (!last)
		goto fail;
	char prev[65] = ZERO_HASH;
	int64_t id = 1;
	int rc = sqlite3_step(last);
	if (rc == SQLITE_ROW) {
		id = sqlite3_column_int64(last, 0) + 1;
		emr_col_copy(last, 1, prev, sizeof prev);
	} else if (rc != SQLITE_DONE) {
		emr_db_fail(db, "reading the audit log");
		goto fail;
	}
	sqlite3_reset(last);

	char at[EMR_INSTANT_LEN];
	emr_now_instant(at);
	int64_t uid = emr_db_actor_id(db);
	audit_row r = {
		.id = id, .at = at, .user_id = uid, .user_null = uid == 0,
		.login = emr_db_actor_login(db), .action = action, .entity = entity ? entity : "",
		.entity_id = entity_id, .entity_null = entity_id == 0,
		.patient_id = patient_id, .patient_null = patient_id == 0,
		.detail = detail ? detail : "", .prev_hash = prev,
	};
	char hash[65];
	row_hash(&r, hash);

	sqlite3_stmt *ins = emr_db_stmt(db,
		"INSERT INTO audit_events(id, at, user_id, login, action, entity, entity_id, patient_id, detail, prev_hash, hash)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (!ins)
		goto fail;
	sqlite3_bind_int64(ins, 1, id);
	sqlite3_bind_text(ins, 2, at, -1, SQLITE_STATIC);
	if (uid)
		sqlite3_bind_int64(ins, 3, uid);
	sqlite3_bind_text(ins, 4, r.login, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 5, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 6, r.entity, -1, SQLITE_STATIC);
	if (entity_id)
		sqlite3_bind_int64(ins, 7, entity_id);
	if (patient_id)
		sqlite3_bind_int64(ins, 8, patient_id);
	sqlite3_bind_text(ins, 9, r.detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 10, prev, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 11, hash, -1, SQLITE_STATIC);
	if (sqlite3_step(ins) != SQLITE_DONE) {
		emr_db_fail(db, "writing the audit log");
		goto fail;
	}
	sqlite3_reset(ins);
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_audit_verify(emr_db *db, int64_t *bad_id, long *rows)
{
	sqlite3_stmt *st = NULL;
	const char *sql = "SELECT id, at, user_id, login, action, entity, entity_id, patient_id, detail, prev_hash, hash"
	                  " FROM audit_events ORDER BY id";
	if (sqlite3_prepare_v2(emr_db_sqlite(db), sql, -1, &st, NULL) != SQLITE_OK)
		return emr_db_fail(db, "reading the audit log");
	char prev[65] = ZERO_HASH;
	long n = 0;
	int result = 0, rc;
	*bad_id = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		audit_row r = {
			.id = sqlite3_column_int64(st, 0),
			.at = emr_col_text(st, 1),
			.user_id = sqlite3_column_int64(st, 2),
			.user_null = sqlite3_column_type(st, 2) == SQLITE_NULL,
			.login = emr_col_text(st, 3),
			.action = emr_col_text(st, 4),
			.entity = emr_col_text(st, 5),
			.entity_id = sqlite3_column_int64(st, 6),
			.entity_null = sqlite3_column_type(st, 6) == SQLITE_NULL,
			.patient_id = sqlite3_column_int64(st, 7),
			.patient_null = sqlite3_column_type(st, 7) == SQLITE_NULL,
			.detail = emr_col_text(st, 8),
			.prev_hash = emr_col_text(st, 9),
		};
		char want[65];
		row_hash(&r, want);
		n++;
		/* A row is broken when it does not link to its predecessor or
		 * its own hash does not match its content. */
		if (strcmp(r.prev_hash, prev) != 0 || strcmp(want, emr_col_text(st, 10)) != 0) {
			*bad_id = r.id;
			result = 1;
			break;
		}
		emr_strlcpy(prev, emr_col_text(st, 10), sizeof prev);
	}
	if (result == 0 && rc != SQLITE_DONE)
		result = emr_db_fail(db, "reading the audit log");
	sqlite3_finalize(st);
	if (rows)
		*rows = n;
	return result;
}
