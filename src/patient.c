/* patient: registering, finding, reading, editing and retiring patients. */
#include "emr/patient.h"

#include "emr/audit.h"
#include "emr/normalize.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <stdlib.h>
#include <string.h>

#define PATIENT_COLS \
	"id, mrn, given_name, family_name, preferred_name, sex, gender_identity, dob, phone, email," \
	" address, city, state, postal_code, emergency_name, emergency_phone, insurance_payer," \
	" insurance_member, status, ifnull(deceased_date, ''), status_reason, created_at, updated_at," \
	" ifnull(last_opened_at, ''), version"

static void patient_from_row(sqlite3_stmt *st, emr_patient *p)
{
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(st, 0);
	emr_col_copy(st, 1, p->mrn, sizeof p->mrn);
	emr_col_copy(st, 2, p->given, sizeof p->given);
	emr_col_copy(st, 3, p->family, sizeof p->family);
	emr_col_copy(st, 4, p->preferred, sizeof p->preferred);
	emr_col_copy(st, 5, p->sex, sizeof p->sex);
	emr_col_copy(st, 6, p->gender_identity, sizeof p->gender_identity);
	emr_col_copy(st, 7, p->dob, sizeof p->dob);
	emr_col_copy(st, 8, p->phone, sizeof p->phone);
	emr_col_copy(st, 9, p->email, sizeof p->email);
	emr_col_copy(st, 10, p->address, sizeof p->address);
	emr_col_copy(st, 11, p->city, sizeof p->city);
	emr_col_copy(st, 12, p->state, sizeof p->state);
	emr_col_copy(st, 13, p->postal_code, sizeof p->postal_code);
	emr_col_copy(st, 14, p->emergency_name, sizeof p->emergency_name);
	emr_col_copy(st, 15, p->emergency_phone, sizeof p->emergency_phone);
	emr_col_copy(st, 16, p->insurance_payer, sizeof p->insurance_payer);
	emr_col_copy(st, 17, p->insurance_member, sizeof p->insurance_member);
	emr_col_copy(st, 18, p->status, sizeof p->status);
	emr_col_copy(st, 19, p->deceased_date, sizeof p->deceased_date);
	emr_col_copy(st, 20, p->status_reason, sizeof p->status_reason);
	emr_col_copy(st, 21, p->created_at, sizeof p->created_at);
	emr_col_copy(st, 22, p->updated_at, sizeof p->updated_at);
	emr_col_copy(st, 23, p->last_opened_at, sizeof p->last_opened_at);
	p->version = sqlite3_column_int64(st, 24);
}

void emr_patient_list_free(emr_patient_list *list)
{
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}

static emr_patient *list_push(emr_patient_list *list)
{
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 16;
		list->items = emr_xrealloc(list->items, list->cap * sizeof *list->items);
	}
	return &list->items[list->n++];
}

void emr_patient_display_name(const emr_patient *p, char *buf, size_t n)
{
	if (*p->preferred && strcmp(p->preferred, p->given) != 0)
		snprintf(buf, n, "%s, %s (%s)", p->family, p->given, p->preferred);
	else
		snprintf(buf, n, "%s, %s", p->family, p->given);
}

/* ----------------------------------------------------------- validation */

/* Text fields are stored exactly as given (a name may legitimately hold
 * any character; display strips controls), but must be UTF-8 and fit. */
static int check_text(emr_db *db, const char *field, const char *s, size_t max, bool required)
{
	size_t n = strlen(s);
	if (required && n == 0) {
		emr_db_set_error(db, "%s: must not be empty", field);
		return -1;
	}
	if (!emr_utf8_valid(s, n)) {
		emr_db_set_error(db, "%s: not valid UTF-8 text", field);
		return -1;
	}
	if (n > max) {
		emr_db_set_error(db, "%s: too long (%zu bytes; at most %zu)", field, n, max);
		return -1;
	}
	return 0;
}

static int check_phone(emr_db *db, const char *field, const char *s)
{
	if (!*s)
		return 0;
	char digits[41];
	emr_digits_only(s, digits, sizeof digits);
	size_t nd = strlen(digits);
	if (nd < 7 || nd > 15 || strspn(s, "0123456789 +-().x") != strlen(s)) {
		emr_db_set_error(db, "%s \"%s\": not a phone number (7 to 15 digits)", field, s);
		return -1;
	}
	return 0;
}

static bool valid_mrn(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 32 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

int emr_patient_validate(emr_db *db, const emr_patient *p, const char *today)
{
	if (*p->mrn && !valid_mrn(p->mrn)) {
		emr_db_set_error(db, "mrn \"%s\": use letters, digits and '-' only (at most 32)", p->mrn);
		return -1;
	}
	if (check_text(db, "given name", p->given, 200, true) ||
	    check_text(db, "family name", p->family, 200, true) ||
	    check_text(db, "preferred name", p->preferred, 200, false) ||
	    check_text(db, "gender identity", p->gender_identity, 200, false) ||
	    check_text(db, "email", p->email, 200, false) ||
	    check_text(db, "address", p->address, 500, false) ||
	    check_text(db, "city", p->city, 100, false) ||
	    check_text(db, "state", p->state, 40, false) ||
	    check_text(db, "postal code", p->postal_code, 20, false) ||
	    check_text(db, "emergency contact", p->emergency_name, 200, false) ||
	    check_text(db, "insurance payer", p->insurance_payer, 200, false) ||
	    check_text(db, "insurance member id", p->insurance_member, 64, false) ||
	    check_phone(db, "phone", p->phone) ||
	    check_phone(db, "emergency phone", p->emergency_phone))
		return -1;
	if (strcmp(p->sex, "female") && strcmp(p->sex, "male") && strcmp(p->sex, "other") && strcmp(p->sex, "unknown")) {
		emr_db_set_error(db, "sex \"%s\": must be female, male, other or unknown", p->sex);
		return -1;
	}
	if (!emr_date_valid(p->dob)) {
		emr_db_set_error(db, "dob \"%s\": not a valid date (YYYY-MM-DD)", p->dob);
		return -1;
	}
	if (strcmp(p->dob, today) > 0) {
		emr_db_set_error(db, "dob \"%s\": is in the future", p->dob);
		return -1;
	}
	if (strcmp(p->dob, "1880-01-01") < 0) {
		emr_db_set_error(db, "dob \"%s\": is before 1880", p->dob);
		return -1;
	}
	if (*p->email && !strchr(p->email, '@')) {
		emr_db_set_error(db, "email \"%s\": not an email address", p->email);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------- name tokens */

typedef struct token_ctx {
	emr_db *db;
	int64_t patient_id;
	int rc;
} token_ctx;

static void insert_token(const char *token, void *arg)
{
	token_ctx *c = arg;
	if (c->rc != 0)
		return;
	sqlite3_stmt *st = emr_db_stmt(c->db,
		"INSERT OR IGNORE INTO patient_name_tokens(token, patient_id) VALUES (?1, ?2)");
	if (!st) {
		c->rc = -1;
		return;
	}
	sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, c->patient_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		c->rc = emr_db_fail(c->db, "indexing the name");
	sqlite3_reset(st);
}

static int index_names(emr_db *db, const emr_patient *p)
{
	sqlite3_stmt *del = emr_db_stmt(db, "DELETE FROM patient_name_tokens WHERE patient_id = ?1");
	if (!del)
		return -1;
	sqlite3_bind_int64(del, 1, p->id);
	int rc = sqlite3_step(del);
	sqlite3_reset(del);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "indexing the name");
	token_ctx c = {db, p->id, 0};
	emr_tokens(p->given, insert_token, &c);
	emr_tokens(p->family, insert_token, &c);
	emr_tokens(p->preferred, insert_token, &c);
	return c.rc;
}

/* ----------------------------------------------------------------- writes */

static void bind_demographics(sqlite3_stmt *st, const emr_patient *p)
{
	char digits[41];
	emr_digits_only(p->phone, digits, sizeof digits);
	sqlite3_bind_text(st, 1, p->mrn, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->given, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->family, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, p->preferred, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->sex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->gender_identity, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->dob, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, p->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, digits, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, p->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, p->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, p->city, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, p->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, p->postal_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, p->emergency_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, p->emergency_phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, p->insurance_payer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 18, p->insurance_member, -1, SQLITE_STATIC);
}

/* The next MRN of the form E000001 that is not taken. */
static int next_mrn(emr_db *db, char *buf, size_t n)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT ifnull(max(id), 0) + 1 FROM patients");
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		return emr_db_fail(db, "choosing an MRN");
	int64_t next = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_stmt *taken = emr_db_stmt(db, "SELECT 1 FROM patients WHERE mrn = ?1");
	if (!taken)
		return -1;
	for (;; next++) {
		snprintf(buf, n, "E%06lld", (long long)next);
		sqlite3_bind_text(taken, 1, buf, -1, SQLITE_STATIC);
		int rc = sqlite3_step(taken);
		sqlite3_reset(taken);
		if (rc == SQLITE_DONE)
			return 0;
	}
}

static bool mrn_taken(emr_db *db, const char *mrn, int64_t except_id)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT 1 FROM patients WHERE mrn = ?1 AND id <> ?2");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, mrn, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, except_id);
	bool yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

int emr_patient_add(emr_db *db, emr_patient *p)
{
	if (emr_permit(db, EMR_PERM_DEMOGRAPHICS, "patient add") != 0)
		return -1;
	char today[EMR_DATE_LEN], now[EMR_INSTANT_LEN];
	emr_today(today);
	emr_now_instant(now);
	if (emr_patient_validate(db, p, today) != 0)
		return -1;
	if (emr_tx_begin(db) != 0)
		return -1;
	if (!*p->mrn && next_mrn(db, p->mrn, sizeof p->mrn) != 0)
		goto fail;
	if (mrn_taken(db, p->mrn, 0)) {
		emr_db_set_error(db, "mrn \"%s\": already belongs to another patient", p->mrn);
		goto fail;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO patients(mrn, given_name, family_name, preferred_name, sex, gender_identity, dob,"
		" phone, phone_digits, email, address, city, state, postal_code, emergency_name, emergency_phone,"
		" insurance_payer, insurance_member, status, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
		" 'active', ?19, ?19)");
	if (!st)
		goto fail;
	bind_demographics(st, p);
	sqlite3_bind_text(st, 19, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "registering the patient");
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	p->id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	if (index_names(db, p) != 0 || emr_audit(db, "create", "patients", p->id, p->id, p->mrn) != 0)
		goto fail;
	if (emr_tx_commit(db) != 0)
		return -1;
	return emr_patient_get(db, p->id, p);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_patient_update(emr_db *db, emr_patient *p)
{
	if (emr_permit(db, EMR_PERM_DEMOGRAPHICS, "patient edit") != 0)
		return -1;
	char today[EMR_DATE_LEN], now[EMR_INSTANT_LEN];
	emr_today(today);
	emr_now_instant(now);
	if (!*p->mrn) {
		emr_db_set_error(db, "mrn: must not be empty");
		return -1;
	}
	if (emr_patient_validate(db, p, today) != 0)
		return -1;
	if (emr_tx_begin(db) != 0)
		return -1;
	if (mrn_taken(db, p->mrn, p->id)) {
		emr_db_set_error(db, "mrn \"%s\": already belongs to another patient", p->mrn);
		goto fail;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE patients SET mrn = ?1, given_name = ?2, family_name = ?3, preferred_name = ?4, sex = ?5,"
		" gender_identity = ?6, dob = ?7, phone = ?8, phone_digits = ?9, email = ?10, address = ?11,"
		" city = ?12, state = ?13, postal_code = ?14, emergency_name = ?15, emergency_phone = ?16,"
		" insurance_payer = ?17, insurance_member = ?18, updated_at = ?19, version = version + 1"
		" WHERE id = ?20 AND version = ?21");
	if (!st)
		goto fail;
	bind_demographics(st, p);
	sqlite3_bind_text(st, 19, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 20, p->id);
	sqlite3_bind_int64(st, 21, p->version);
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "saving the patient");
		sqlite3_reset(st);
		goto fail;
	}
	sqlite3_reset(st);
	if (sqlite3_changes(emr_db_sqlite(db)) == 0) {
		emr_patient cur;
		if (emr_patient_get(db, p->id, &cur) == 0) {
			emr_db_set_error(db, "patient %s was changed by someone else since you opened it", p->mrn);
			emr_tx_rollback(db);
			return EMR_CONFLICT;
		}
		goto fail;
	}
	if (index_names(db, p) != 0 || emr_audit(db, "update", "patients", p->id, p->id, "demographics") != 0)
		goto fail;
	if (emr_tx_commit(db) != 0)
		return -1;
	return emr_patient_get(db, p->id, p);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_patient_retire(emr_db *db, int64_t id, const char *reason, const char *deceased_date)
{
	if (emr_permit(db, EMR_PERM_DEMOGRAPHICS, "patient retire") != 0)
		return -1;
	emr_patient p;
	if (!reason || !*reason) {
		emr_db_set_error(db, "reason: say why the chart is being retired");
		return -1;
	}
	if (emr_patient_get(db, id, &p) != 0)
		return -1;
	if (deceased_date && *deceased_date) {
		char today[EMR_DATE_LEN];
		emr_today(today);
		if (!emr_date_valid(deceased_date)) {
			emr_db_set_error(db, "deceased date \"%s\": not a valid date (YYYY-MM-DD)", deceased_date);
			return -1;
		}
		if (strcmp(deceased_date, today) > 0 || strcmp(deceased_date, p.dob) < 0) {
			emr_db_set_error(db, "deceased date \"%s\": must be between the date of birth and today", deceased_date);
			return -1;
		}
	}
	/* Retiring a deceased patient's chart again keeps the date of death. */
	if ((!deceased_date || !*deceased_date) && *p.deceased_date)
		deceased_date = p.deceased_date;
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE patients SET status = ?1, deceased_date = ?2, status_reason = ?3, updated_at = ?4,"
		" version = version + 1 WHERE id = ?5");
	if (!st)
		goto fail;
	bool deceased = deceased_date && *deceased_date;
	sqlite3_bind_text(st, 1, deceased ? "deceased" : "inactive", -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 2, deceased ? deceased_date : NULL);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "retiring the patient");
		goto fail;
	}
	if (emr_audit(db, "retire", "patients", id, id, reason) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_patient_touch(emr_db *db, int64_t id)
{
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	/* Not a demographic change: version stays, so an open edit form is
	 * not invalidated by someone merely looking at the chart. */
	sqlite3_stmt *st = emr_db_stmt(db, "UPDATE patients SET last_opened_at = ?1 WHERE id = ?2");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "opening the chart");
		goto fail;
	}
	if (emr_audit(db, "open-chart", "patients", id, id, "") != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

/* ------------------------------------------------------------------ reads */

int emr_patient_get(emr_db *db, int64_t id, emr_patient *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " PATIENT_COLS " FROM patients WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		patient_from_row(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		emr_db_set_error(db, "no patient with id %lld", (long long)id);
	else
		emr_db_fail(db, "reading the patient");
	return -1;
}

static int get_by_mrn(emr_db *db, const char *mrn, emr_patient *out)
{
	/* As typed, or upper-cased ("e000123"); never COLLATE NOCASE, which
	 * cannot use the MRN index and would scan every patient. */
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " PATIENT_COLS " FROM patients WHERE mrn IN (?1, upper(?1))");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, mrn, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		patient_from_row(st, out);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

int emr_patient_resolve(emr_db *db, const char *ref, emr_patient *out)
{
	if (ref && *ref && get_by_mrn(db, ref, out) == 0)
		return 0;
	if (ref && *ref && strspn(ref, "0123456789") == strlen(ref) && strlen(ref) < 18)
		return emr_patient_get(db, strtoll(ref, NULL, 10), out);
	emr_db_set_error(db, "patient \"%s\": no such MRN or id", ref ? ref : "");
	return -1;
}

static bool list_has(const emr_patient_list *l, size_t from, int64_t id)
{
	for (size_t i = from; i < l->n; i++)
		if (l->items[i].id == id)
			return true;
	return false;
}

/* Appends the rows of st (which select PATIENT_COLS) to out, skipping
 * patients already there, until out holds `until` patients. */
static int collect(emr_db *db, sqlite3_stmt *st, emr_patient_list *out, size_t from, size_t until)
{
	int rc = SQLITE_DONE;
	while (out->n < until && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (list_has(out, from, sqlite3_column_int64(st, 0)))
			continue;
		patient_from_row(st, list_push(out));
	}
	if (out->n < until && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return emr_db_fail(db, "searching patients");
	}
	sqlite3_reset(st);
	return 0;
}

static int search_recent(emr_db *db, int limit, emr_patient_list *out)
{
	size_t from = out->n, until = out->n + (size_t)limit;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " PATIENT_COLS " FROM patients WHERE last_opened_at IS NOT NULL"
		" ORDER BY last_opened_at DESC LIMIT ?1");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, limit);
	if (collect(db, st, out, from, until) != 0)
		return -1;
	st = emr_db_stmt(db, "SELECT " PATIENT_COLS " FROM patients ORDER BY family_name, given_name LIMIT ?1");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, limit * 2);
	return collect(db, st, out, from, until);
}

/* The exclusive upper bound of the strings that start with prefix: the
 * prefix with its last byte incremented (UTF-8 never contains 0xFF, so
 * the increment cannot overflow). */
static void prefix_upper(const char *prefix, char *buf, size_t n)
{
	emr_strlcpy(buf, prefix, n);
	size_t len = strlen(buf);
	if (len)
		buf[len - 1] = (char)((unsigned char)buf[len - 1] + 1);
}

typedef struct word_list {
	char words[8][64];
	int n;
} word_list;

static void add_word(const char *token, void *arg)
{
	word_list *w = arg;
	if (w->n < 8)
		emr_strlcpy(w->words[w->n++], token, sizeof w->words[0]);
}

/* Name search: the longest word drives an index range scan over the
 * tokens; every other word must be a prefix of some token of the same
 * patient.  Up to three extra words are checked in SQL; more are rare. */
static int search_words(emr_db *db, const word_list *w, int limit, emr_patient_list *out)
{
	int drive = 0;
	for (int i = 1; i < w->n; i++)
		if (strlen(w->words[i]) > strlen(w->words[drive]))
			drive = i;
	char lo[4][64], hi[4][64];
	int k = 0;
	emr_strlcpy(lo[k], w->words[drive], sizeof lo[k]);
	prefix_upper(lo[k], hi[k], sizeof hi[k]);
	k++;
	for (int i = 0; i < w->n && k < 4; i++) {
		if (i == drive)
			continue;
		emr_strlcpy(lo[k], w->words[i], sizeof lo[k]);
		prefix_upper(lo[k], hi[k], sizeof hi[k]);
		k++;
	}
	for (; k < 4; k++) { /* unused checks match everything */
		emr_strlcpy(lo[k], "", sizeof lo[k]);
		emr_strlcpy(hi[k], "\xF4\x90", sizeof hi[k]);
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " PATIENT_COLS " FROM patient_name_tokens t JOIN patients p ON p.id = t.patient_id"
		" WHERE t.token >= ?1 AND t.token < ?2"
		"   AND EXISTS (SELECT 1 FROM patient_name_tokens u WHERE u.patient_id = t.patient_id AND u.token >= ?3 AND u.token < ?4)"
		"   AND EXISTS (SELECT 1 FROM patient_name_tokens u WHERE u.patient_id = t.patient_id AND u.token >= ?5 AND u.token < ?6)"
		"   AND EXISTS (SELECT 1 FROM patient_name_tokens u WHERE u.patient_id = t.patient_id AND u.token >= ?7 AND u.token < ?8)"
		" ORDER BY t.token, t.patient_id LIMIT ?9");
	if (!st)
		return -1;
	for (int i = 0; i < 4; i++) {
		sqlite3_bind_text(st, 2 * i + 1, lo[i], -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2 * i + 2, hi[i], -1, SQLITE_TRANSIENT);
	}
	/* A patient may match through two of their names: fetch some spare. */
	sqlite3_bind_int(st, 9, limit * 2);
	return collect(db, st, out, out->n, out->n + (size_t)limit);
}

static int search_simple(emr_db *db, const char *sql_literal, const char *a, const char *b, int limit,
                         emr_patient_list *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, sql_literal);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, limit);
	return collect(db, st, out, out->n, out->n + (size_t)limit);
}

int emr_patient_search(emr_db *db, const char *query, int limit, emr_patient_list *out)
{
	if (limit <= 0)
		limit = 50;
	while (*query == ' ')
		query++;
	if (!emr_utf8_valid(query, strlen(query))) {
		emr_db_set_error(db, "search: not valid UTF-8 text");
		return -1;
	}
	if (!*query)
		return search_recent(db, limit, out);
	if (emr_date_valid(query))
		return search_simple(db, "SELECT " PATIENT_COLS " FROM patients WHERE dob = ?1 AND ?2 IS NULL"
		                         " ORDER BY family_name, given_name LIMIT ?3", query, NULL, limit, out);
	size_t start = out->n;
	emr_patient p;
	/* Only a word with a digit can be an MRN; names skip the lookup. */
	if (strchr(query, ' ') == NULL && strpbrk(query, "0123456789") && get_by_mrn(db, query, &p) == 0)
		*list_push(out) = p;
	char digits[41];
	emr_digits_only(query, digits, sizeof digits);
	if (strlen(digits) >= 3 && strspn(query, "0123456789 -().+") == strlen(query)) {
		char hi[41];
		prefix_upper(digits, hi, sizeof hi);
		return search_simple(db, "SELECT " PATIENT_COLS " FROM patients WHERE phone_digits >= ?1 AND phone_digits < ?2"
		                         " ORDER BY phone_digits LIMIT ?3", digits, hi, limit, out);
	}
	word_list w = {.n = 0};
	if (emr_tokens(query, add_word, &w) < 0) {
		emr_db_set_error(db, "search: not valid UTF-8 text");
		return -1;
	}
	if (w.n == 0)
		return out->n > start ? 0 : search_recent(db, limit, out);
	return search_words(db, &w, limit - (int)(out->n - start), out);
}

int emr_patient_list_all(emr_db *db, bool include_inactive, int offset, int limit, emr_patient_list *out)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " PATIENT_COLS " FROM patients WHERE ?1 OR status = 'active'"
		" ORDER BY family_name, given_name, id LIMIT ?2 OFFSET ?3");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, include_inactive);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	sqlite3_bind_int(st, 3, offset);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		patient_from_row(st, list_push(out));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "listing patients");
}

int emr_patient_ids(emr_db *db, int64_t after_id, int limit, int64_t *ids, size_t *n)
{
	*n = 0;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT id FROM patients WHERE id > ?1 ORDER BY id LIMIT ?2");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int(st, 2, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < (size_t)limit)
		ids[(*n)++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : emr_db_fail(db, "listing patient ids");
}

int emr_patient_count(emr_db *db, long *n)
{
	*n = 0;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT count(*) FROM patients");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : emr_db_fail(db, "counting patients");
}

int emr_patient_identifier_list(emr_db *db, int64_t patient_id, emr_patient_identifiers *out)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT system, value, type FROM patient_identifiers WHERE patient_id = ?1"
	                                   " ORDER BY id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_patient_identifier *id = emr_list_grow(&out->items, &out->n, &out->cap, sizeof *out->items);
		emr_col_copy(st, 0, id->system, sizeof id->system);
		emr_col_copy(st, 1, id->value, sizeof id->value);
		emr_col_copy(st, 2, id->type, sizeof id->type);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_patient_identifiers_free(out);
		return emr_db_fail(db, "reading the patient's identifiers");
	}
	return 0;
}

void emr_patient_identifiers_free(emr_patient_identifiers *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}
