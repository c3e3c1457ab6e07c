/* perm: roles and what they may do (see include/emr/perm.h). */
#include "emr/perm.h"

#include "emr/audit.h"
#include "emr/practice.h"
#include "emr/util.h"

#include <stdio.h>
#include <string.h>

int emr_actor_role(emr_db *db, char *buf, size_t n)
{
	buf[0] = '\0';
	int64_t actor = emr_db_actor_id(db);
	if (!actor)
		return 0;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT role, active FROM users WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, actor);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		emr_col_copy(st, 0, buf, n);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		emr_db_set_error(db, "the acting user (id %lld) is not in the users table", (long long)actor);
		return -1;
	}
	return 0;
}

static bool role_allows(const char *role, emr_perm p)
{
	if (!*role || strcmp(role, "physician") == 0)
		return true;
	if (strcmp(role, "nurse") == 0)
		return p == EMR_PERM_DEMOGRAPHICS || p == EMR_PERM_SCHEDULE || p == EMR_PERM_CLINICAL_READ ||
		       p == EMR_PERM_CLINICAL_WRITE || p == EMR_PERM_NOTE_READ || p == EMR_PERM_NOTE_WRITE ||
		       p == EMR_PERM_NOTE_SIGN;
	/* The front desk books appointments and, at checkout, takes payments:
	 * PAYMENT also reads what is owed (balance, statement, invoices and
	 * their printout), never the chart or its notes. */
	if (strcmp(role, "frontdesk") == 0)
		return p == EMR_PERM_DEMOGRAPHICS || p == EMR_PERM_SCHEDULE || p == EMR_PERM_PAYMENT;
	if (strcmp(role, "biller") == 0)
		return p == EMR_PERM_DEMOGRAPHICS || p == EMR_PERM_BILLING || p == EMR_PERM_PAYMENT;
	return false;
}

static const char *role_phrase(const char *role)
{
	if (strcmp(role, "physician") == 0)
		return "a physician";
	if (strcmp(role, "nurse") == 0)
		return "a nurse";
	if (strcmp(role, "frontdesk") == 0)
		return "a front-desk user";
	if (strcmp(role, "biller") == 0)
		return "a biller";
	return "this user";
}

static const char *perm_phrase(emr_perm p)
{
	switch (p) {
	case EMR_PERM_DEMOGRAPHICS: return "change patient demographics";
	case EMR_PERM_CLINICAL_READ: return "read clinical records";
	case EMR_PERM_CLINICAL_WRITE: return "change clinical records";
	case EMR_PERM_NOTE_READ: return "read clinical notes";
	case EMR_PERM_NOTE_WRITE: return "write clinical notes";
	case EMR_PERM_NOTE_SIGN: return "sign notes";
	case EMR_PERM_PRESCRIBE: return "prescribe";
	case EMR_PERM_BILLING: return "bill";
	case EMR_PERM_SCHEDULE: return "change the schedule";
	case EMR_PERM_ADMIN: return "administer users, codes, shared templates or the practice settings";
	case EMR_PERM_PAYMENT: return "take payments or read balances, statements and invoices";
	}
	return "do that";
}

static int deny(emr_db *db, const char *sentence, const char *what)
{
	char msg[256];
	emr_strlcpy(msg, sentence, sizeof msg);
	char detail[512];
	snprintf(detail, sizeof detail, "%s%s%s", msg, what && *what ? ": " : "", what ? what : "");
	/* The audit row first: its failure must not replace the refusal. */
	(void)emr_audit(db, "permission-denied", "", 0, 0, detail);
	emr_db_set_error(db, "%s", msg);
	return -1;
}

bool emr_perm_allowed(emr_db *db, emr_perm p)
{
	char role[16];
	if (emr_actor_role(db, role, sizeof role) != 0)
		return false;
	return role_allows(role, p);
}

int emr_permit(emr_db *db, emr_perm p, const char *what)
{
	char role[16];
	if (emr_actor_role(db, role, sizeof role) != 0)
		return -1;
	if (role_allows(role, p))
		return 0;
	char sentence[256];
	snprintf(sentence, sizeof sentence, "%s cannot %s", role_phrase(role), perm_phrase(p));
	return deny(db, sentence, what);
}

int emr_permit_sign(emr_db *db, int64_t note_author_id, const char *what)
{
	if (emr_permit(db, EMR_PERM_NOTE_SIGN, what) != 0)
		return -1;
	char role[16];
	if (emr_actor_role(db, role, sizeof role) != 0)
		return -1;
	if (strcmp(role, "nurse") == 0 && note_author_id != emr_db_actor_id(db))
		return deny(db, "a nurse cannot sign another user's note", what);
	return 0;
}

/* ---------------------------------------------------------- administration */

static int user_update(emr_db *db, const char *login, const char *sql_set, const char *value, const char *detail)
{
	if (emr_tx_begin(db) != 0)
		return -1;
	emr_user u;
	if (emr_user_get_by_login(db, login, &u) != 0)
		goto fail;
	sqlite3_stmt *st = emr_db_stmt(db, sql_set);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u.id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "changing the user");
		goto fail;
	}
	if (emr_audit(db, "update", "users", u.id, 0, detail) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_user_set_active(emr_db *db, const char *login, bool active)
{
	char what[128];
	snprintf(what, sizeof what, "user %s %s", active ? "enable" : "disable", login);
	if (emr_permit(db, EMR_PERM_ADMIN, what) != 0)
		return -1;
	const char *me = emr_db_actor_login(db);
	if (!active && me && strcmp(me, login) == 0) {
		emr_db_set_error(db, "you cannot disable your own login");
		return -1;
	}
	return user_update(db, login, "UPDATE users SET active = (?1 = '1') WHERE id = ?2", active ? "1" : "0",
	                   active ? "enabled" : "disabled");
}

int emr_user_set_role(emr_db *db, const char *login, const char *role)
{
	char what[128];
	snprintf(what, sizeof what, "user role %s %s", login, role);
	if (emr_permit(db, EMR_PERM_ADMIN, what) != 0)
		return -1;
	if (strcmp(role, "physician") != 0 && strcmp(role, "nurse") != 0 && strcmp(role, "frontdesk") != 0 &&
	    strcmp(role, "biller") != 0) {
		emr_db_set_error(db, "role \"%s\": must be physician, nurse, frontdesk or biller", role);
		return -1;
	}
	const char *me = emr_db_actor_login(db);
	if (me && strcmp(me, login) == 0 && strcmp(role, "physician") != 0) {
		emr_db_set_error(db, "you cannot take away your own physician role");
		return -1;
	}
	char detail[64];
	snprintf(detail, sizeof detail, "role %s", role);
	return user_update(db, login, "UPDATE users SET role = ?1 WHERE id = ?2", role, detail);
}
