/* practice: the practice row, users, creating a practice, logging in. */
#include "emr/practice.h"

#include "emr/audit.h"
#include "emr/codes.h"
#include "emr/embedded.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool emr_practice_exists(emr_db *db)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT 1 FROM practice WHERE id = 1");
	bool yes = st && sqlite3_step(st) == SQLITE_ROW;
	if (st)
		sqlite3_reset(st);
	return yes;
}

int emr_practice_get(emr_db *db, emr_practice *out)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT name, address, phone, ifnull(npi, ''), letterhead, clinic_open, clinic_close,"
		" clinic_days, slot_minutes, timezone, idle_timeout_min FROM practice WHERE id = 1");
	if (!st)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		emr_db_set_error(db, "the practice has not been set up (run: emr init)");
		return -1;
	}
	memset(out, 0, sizeof *out);
	emr_col_copy(st, 0, out->name, sizeof out->name);
	emr_col_copy(st, 1, out->address, sizeof out->address);
	emr_col_copy(st, 2, out->phone, sizeof out->phone);
	emr_col_copy(st, 3, out->npi, sizeof out->npi);
	emr_col_copy(st, 4, out->letterhead, sizeof out->letterhead);
	emr_col_copy(st, 5, out->clinic_open, sizeof out->clinic_open);
	emr_col_copy(st, 6, out->clinic_close, sizeof out->clinic_close);
	emr_col_copy(st, 7, out->clinic_days, sizeof out->clinic_days);
	out->slot_minutes = sqlite3_column_int(st, 8);
	emr_col_copy(st, 9, out->timezone, sizeof out->timezone);
	out->idle_timeout_min = sqlite3_column_int(st, 10);
	sqlite3_reset(st);
	return 0;
}

/* True when zone names a zone file: "Area/City" words only, no "..",
 * so the check cannot be pointed outside the zone directory. */
static bool known_timezone(const char *zone)
{
	if (!*zone || zone[0] == '/' || strstr(zone, "..") || strspn(zone, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                              "abcdefghijklmnopqrstuvwxyz0123456789/_+-") != strlen(zone))
		return false;
	const char *dir = getenv("TZDIR");
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", zone);
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* "HH:MM" on a 24-hour clock. */
static bool clock_time(const char *t)
{
	return strlen(t) == 5 && t[2] == ':' && strspn(t, "0123456789:") == 5 && atoi(t) < 24 && atoi(t + 3) < 60;
}

/* What is wrong with the settings, in words, or NULL. */
static const char *practice_settings_problem(const emr_practice *p)
{
	if (!*p->name)
		return "the practice needs a name";
	if (!clock_time(p->clinic_open) || !clock_time(p->clinic_close))
		return "clinic hours are HH:MM on a 24-hour clock (e.g. 08:00 and 17:30)";
	if (strcmp(p->clinic_open, p->clinic_close) >= 0)
		return "the clinic must close after it opens";
	if (!*p->clinic_days || strspn(p->clinic_days, "1234567") != strlen(p->clinic_days))
		return "clinic days are ISO weekday digits, 1 = Monday ... 7 = Sunday (e.g. 12345)";
	if (p->slot_minutes < 5 || p->slot_minutes > 120)
		return "the slot length must be 5 to 120 minutes";
	if (p->idle_timeout_min < 1 || p->idle_timeout_min > 240)
		return "the idle lock must be 1 to 240 minutes";
	if (*p->npi && (strlen(p->npi) != 10 || strspn(p->npi, "0123456789") != 10))
		return "the NPI has 10 digits";
	return NULL;
}

int emr_practice_update(emr_db *db, const emr_practice *p)
{
	if (emr_permit(db, EMR_PERM_ADMIN, "practice settings") != 0)
		return -1;
	const char *bad = practice_settings_problem(p);
	if (bad) {
		emr_db_set_error(db, "%s", bad);
		return -1;
	}
	if (!known_timezone(p->timezone)) {
		emr_db_set_error(db, "time zone \"%s\" is not known here (expected a name like America/New_York)",
		                 p->timezone);
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE practice SET name = ?1, address = ?2, phone = ?3, npi = nullif(?4, ''), letterhead = ?5,"
		" clinic_open = ?6, clinic_close = ?7, clinic_days = ?8, slot_minutes = ?9, timezone = ?10,"
		" idle_timeout_min = ?11 WHERE id = 1");
	if (!st || emr_tx_begin(db) != 0)
		return -1;
	const char *text[] = {p->name, p->address, p->phone, p->npi, p->letterhead, p->clinic_open,
	                      p->clinic_close, p->clinic_days};
	for (int i = 0; i < 8; i++)
		sqlite3_bind_text(st, i + 1, text[i], -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, p->slot_minutes);
	sqlite3_bind_text(st, 10, p->timezone, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, p->idle_timeout_min);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "saving the practice settings");
		emr_tx_rollback(db);
		return -1;
	}
	if (emr_audit(db, "update", "practice", 1, 0, "settings") != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	return emr_tx_commit(db);
}

bool emr_unix_login(char *buf, size_t n)
{
	struct passwd *pw = getpwuid(geteuid());
	if (pw && pw->pw_name && *pw->pw_name)
		return emr_strlcpy(buf, pw->pw_name, n);
	const char *env = getenv("LOGNAME");
	if (!env || !*env)
		env = getenv("USER");
	return env && *env && emr_strlcpy(buf, env, n);
}

/* ---------------------------------------------------------------- users */

static void user_from_row(sqlite3_stmt *st, emr_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	emr_col_copy(st, 1, u->login, sizeof u->login);
	emr_col_copy(st, 2, u->display_name, sizeof u->display_name);
	emr_col_copy(st, 3, u->role, sizeof u->role);
	emr_col_copy(st, 4, u->credentials, sizeof u->credentials);
	emr_col_copy(st, 5, u->npi, sizeof u->npi);
	emr_col_copy(st, 6, u->dea, sizeof u->dea);
	u->active = sqlite3_column_int(st, 7) != 0;
	u->has_passphrase = sqlite3_column_int(st, 8) != 0;
}

#define USER_COLS "id, login, display_name, role, credentials, ifnull(npi, ''), ifnull(dea, ''), active, pass_hash IS NOT NULL"

static bool valid_login(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

int emr_user_add(emr_db *db, emr_user *u)
{
	if (emr_permit(db, EMR_PERM_ADMIN, "user add") != 0)
		return -1;
	if (!valid_login(u->login)) {
		emr_db_set_error(db, "login \"%s\": use 1-64 letters, digits, '.', '_' or '-'", u->login);
		return -1;
	}
	if (!*u->display_name) {
		emr_db_set_error(db, "display name: must not be empty");
		return -1;
	}
	static const char *const roles[] = {"physician", "nurse", "frontdesk", "biller"};
	bool role_ok = false;
	for (size_t i = 0; i < EMR_ARRAY_LEN(roles); i++)
		role_ok |= strcmp(u->role, roles[i]) == 0;
	if (!role_ok) {
		emr_db_set_error(db, "role \"%s\": must be physician, nurse, frontdesk or biller", u->role);
		return -1;
	}
	if (*u->npi && (strlen(u->npi) != 10 || strspn(u->npi, "0123456789") != 10)) {
		emr_db_set_error(db, "npi \"%s\": an NPI is 10 digits", u->npi);
		return -1;
	}
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO users(login, display_name, role, credentials, npi, dea, active, created_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, strftime('%Y-%m-%dT%H:%M:%SZ', ?7, 'unixepoch'))");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, u->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, u->display_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, u->credentials, -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 5, u->npi);
	emr_bind_text_or_null(st, 6, u->dea);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)emr_now());
	if (sqlite3_step(st) != SQLITE_DONE) {
		if ((sqlite3_extended_errcode(emr_db_sqlite(db)) & 0xFF) == SQLITE_CONSTRAINT)
			emr_db_set_error(db, "login \"%s\": already an emr user", u->login);
		else
			emr_db_fail(db, "adding the user");
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	u->id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	u->active = true;
	if (emr_audit(db, "create", "users", u->id, 0, u->login) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_user_get_by_login(emr_db *db, const char *login, emr_user *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " USER_COLS " FROM users WHERE login = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_from_row(st, out);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		emr_db_set_error(db, "login \"%s\" is not an emr user (ask the practice's physician to run: emr user add %s)",
		                 login, login);
		return -1;
	}
	return 0;
}

int emr_user_get(emr_db *db, int64_t id, emr_user *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " USER_COLS " FROM users WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		user_from_row(st, out);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		emr_db_set_error(db, "no user with id %lld", (long long)id);
		return -1;
	}
	return 0;
}

int emr_user_list_all(emr_db *db, emr_user_list *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " USER_COLS " FROM users ORDER BY login");
	if (!st)
		return -1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		user_from_row(st, emr_list_push(out));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "listing users");
}

void emr_user_list_free(emr_user_list *list)
{
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}

int emr_login(emr_db *db, emr_user *out)
{
	char login[65];
	const char *forced = getenv("EMR_USER");
	if (forced && *forced)
		emr_strlcpy(login, forced, sizeof login);
	else if (!emr_unix_login(login, sizeof login)) {
		emr_db_set_error(db, "cannot tell who you are: no Unix login name");
		return -1;
	}
	if (emr_user_get_by_login(db, login, out) != 0)
		return -1;
	if (!out->active) {
		emr_db_set_error(db, "login \"%s\" is disabled in emr", login);
		return -1;
	}
	emr_db_set_actor(db, out->id, out->login);
	return 0;
}

/* ------------------------------------------------------------- creation */

static int insert_practice(emr_db *db, const char *name)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO practice(id, name, letterhead, created_at)"
		" VALUES (1, ?1, ?1, strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch'))");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)emr_now());
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "creating the practice");
}

static int insert_default_template(emr_db *db)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO note_templates(name, body, is_default, updated_at)"
		" VALUES ('soap', ?1, 1, strftime('%Y-%m-%dT%H:%M:%SZ', ?2, 'unixepoch'))");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, emr_soap_template, (int)EMR_BLOB_LEN(emr_soap_template), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)emr_now());
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "adding the SOAP template");
}

int emr_practice_create(emr_db *db, const emr_init_opts *opts)
{
	if (!opts->practice_name || !*opts->practice_name || strlen(opts->practice_name) > 200) {
		emr_db_set_error(db, "practice name: give 1 to 200 characters");
		return -1;
	}
	if (!emr_utf8_valid(opts->practice_name, strlen(opts->practice_name))) {
		emr_db_set_error(db, "practice name: not valid UTF-8 text");
		return -1;
	}
	if (emr_practice_exists(db)) {
		emr_db_set_error(db, "%s: this practice already exists", emr_db_path(db));
		return -1;
	}
	emr_user u = {0};
	if (opts->user_login && *opts->user_login)
		emr_strlcpy(u.login, opts->user_login, sizeof u.login);
	else if (!emr_unix_login(u.login, sizeof u.login)) {
		emr_db_set_error(db, "cannot tell who you are: no Unix login name (give --login)");
		return -1;
	}
	emr_strlcpy(u.display_name, opts->user_display_name && *opts->user_display_name ? opts->user_display_name : u.login,
	            sizeof u.display_name);
	emr_strlcpy(u.role, "physician", sizeof u.role);
	emr_strlcpy(u.credentials, opts->user_credentials ? opts->user_credentials : "", sizeof u.credentials);
	emr_strlcpy(u.npi, opts->user_npi ? opts->user_npi : "", sizeof u.npi);

	if (emr_tx_begin(db) != 0)
		return -1;
	/* The first user creates themself: name them in the audit log. */
	emr_db_set_actor(db, 0, u.login);
	if (insert_practice(db, opts->practice_name) != 0 || emr_user_add(db, &u) != 0)
		goto fail;
	emr_db_set_actor(db, u.id, u.login);
	if (emr_codes_load_builtin_loinc_cvx(db) != 0 || insert_default_template(db) != 0)
		goto fail;
	if (opts->load_codes && emr_icd10_load_builtin(db, NULL) != 0)
		goto fail;
	if (emr_audit(db, "init", "practice", 1, 0, opts->practice_name) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}
