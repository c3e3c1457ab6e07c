/* billing: fee schedule, charges, invoices and the ledger, in cents. */
#include "emr/billing.h"

#include "emr/audit.h"
#include "emr/datetime.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <csv.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool emr_money_parse(const char *s, int64_t *cents)
{
	if (!s)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	bool neg = false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s == '$')
		s++;
	if (!isdigit((unsigned char)*s))
		return false;
	int64_t whole = 0;
	int ndigits = 0;
	for (; isdigit((unsigned char)*s) || (*s == ',' && ndigits > 0); s++) {
		if (*s == ',')
			continue;
		if (whole > (INT64_MAX - (*s - '0')) / 10)
			return false;
		whole = whole * 10 + (*s - '0');
		ndigits++;
	}
	int64_t frac = 0;
	if (*s == '.') {
		s++;
		int nf = 0;
		while (isdigit((unsigned char)*s)) {
			if (++nf > 2)
				return false;
			frac = frac * 10 + (*s - '0');
			s++;
		}
		if (nf == 0)
			return false;
		if (nf == 1)
			frac *= 10;
	}
	while (isspace((unsigned char)*s))
		s++;
	if (*s || whole > (INT64_MAX - frac) / 100)
		return false;
	int64_t v = whole * 100 + frac;
	*cents = neg ? -v : v;
	return true;
}

void emr_money_format(int64_t cents, char *buf, size_t n)
{
	uint64_t a = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	snprintf(buf, n, "%s%llu.%02llu", cents < 0 ? "-" : "", (unsigned long long)(a / 100),
	         (unsigned long long)(a % 100));
}

static bool valid_code(const char *c)
{
	if (!c || strlen(c) != 5)
		return false;
	bool d5 = true;
	for (int i = 0; i < 5; i++)
		d5 = d5 && isdigit((unsigned char)c[i]);
	if (d5)
		return true;
	bool cat = isdigit((unsigned char)c[4]) == 0 && c[4] >= 'A' && c[4] <= 'Z';
	for (int i = 0; i < 4; i++)
		cat = cat && isdigit((unsigned char)c[i]);
	if (cat)
		return true;
	if (c[0] < 'A' || c[0] > 'V')
		return false;
	for (int i = 1; i < 5; i++)
		if (!isdigit((unsigned char)c[i]))
			return false;
	return true;
}

static int fee_insert(emr_db *db, const char *code, const char *system, const char *description, int64_t fee)
{
	if (!system || !*system)
		system = (code[0] >= 'A' && code[0] <= 'Z') ? "HCPCS" : "CPT";
	if (!valid_code(code)) {
		emr_db_set_error(db, "procedure code \"%s\": expected 5 characters (CPT 99213, HCPCS G0439)", code);
		return -1;
	}
	if (strcmp(system, "CPT") != 0 && strcmp(system, "HCPCS") != 0) {
		emr_db_set_error(db, "code system \"%s\": expected CPT or HCPCS", system);
		return -1;
	}
	if (!description || !*description || strlen(description) > 200) {
		emr_db_set_error(db, "code %s: a description of 1 to 200 characters is required", code);
		return -1;
	}
	if (fee < 0) {
		emr_db_set_error(db, "code %s: a fee cannot be negative", code);
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db, "INSERT INTO fee_schedule (code, code_system, description, fee_cents) "
	                                   "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(code) DO UPDATE SET "
	                                   "code_system = ?2, description = ?3, fee_cents = ?4, active = 1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, system, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, description, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, fee);
	if (sqlite3_step(st) != SQLITE_DONE)
		return emr_db_fail(db, "saving the fee");
	return 0;
}

int emr_fee_add(emr_db *db, const char *code, const char *system, const char *description, int64_t fee_cents)
{
	if (emr_permit(db, EMR_PERM_BILLING, "fee add") != 0)
		return -1;
	if (emr_tx_begin(db))
		return -1;
	if (fee_insert(db, code, system, description, fee_cents) ||
	    emr_audit(db, "update", "fee_schedule", 0, 0, code)) {
		emr_tx_rollback(db);
		return -1;
	}
	return emr_tx_commit(db);
}

/* ------------------------------------------------------------ CSV import */

typedef struct csv_state {
	emr_db *db;
	const char *name;
	long line;          /* physical line being read */
	long row_line;      /* line where the current row began */
	int nfields;
	char *fields[4];
	bool header_done, failed, row_started;
	long count;
} csv_state;

static void csv_field(void *s, size_t len, void *data)
{
	csv_state *c = data;
	if (c->failed)
		return;
	if (!c->row_started) {
		c->row_started = true;
		c->row_line = c->line;
	}
	if (c->nfields >= 4) {
		emr_db_set_error(c->db, "%s: line %ld, column %d: too many columns (expected code,description,fee[,system])",
		                 c->name, c->row_line, c->nfields + 1);
		c->failed = true;
		return;
	}
	char *v = malloc(len + 1);
	if (!v)
		abort();
	memcpy(v, s ? s : "", len);
	v[len] = 0;
	c->fields[c->nfields++] = v;
}

static void csv_clear(csv_state *c)
{
	for (int i = 0; i < c->nfields; i++)
		free(c->fields[i]);
	c->nfields = 0;
	c->row_started = false;
}

static void csv_row(int term, void *data)
{
	(void)term;
	csv_state *c = data;
	if (c->failed) {
		csv_clear(c);
		return;
	}
	if (!c->row_started)
		c->row_line = c->line;
	if (!c->header_done) {
		static const char *want[] = {"code", "description", "fee", "system"};
		bool okh = c->nfields >= 3;
		for (int i = 0; okh && i < c->nfields; i++)
			if (strcmp(c->fields[i], want[i]) != 0) {
				emr_db_set_error(c->db, "%s: line %ld, column %d: header \"%s\", expected \"%s\"", c->name,
				                 c->row_line, i + 1, c->fields[i], want[i]);
				c->failed = true;
				csv_clear(c);
				return;
			}
		if (!okh) {
			emr_db_set_error(c->db, "%s: line %ld, column %d: the header must be code,description,fee[,system]",
			                 c->name, c->row_line, c->nfields + 1);
			c->failed = true;
		}
		c->header_done = true;
		csv_clear(c);
		return;
	}
	if (c->nfields < 3) {
		emr_db_set_error(c->db, "%s: line %ld, column %d: missing (expected code,description,fee[,system])",
		                 c->name, c->row_line, c->nfields + 1);
		c->failed = true;
		csv_clear(c);
		return;
	}
	int64_t fee;
	if (!emr_money_parse(c->fields[2], &fee)) {
		emr_db_set_error(c->db, "%s: line %ld, column 3: fee \"%s\" is not an amount like 125.00", c->name,
		                 c->row_line, c->fields[2]);
		c->failed = true;
	} else if (fee < 0) {
		emr_db_set_error(c->db, "%s: line %ld, column 3: fee %s is negative", c->name, c->row_line, c->fields[2]);
		c->failed = true;
	} else if (fee_insert(c->db, c->fields[0], c->nfields > 3 ? c->fields[3] : NULL, c->fields[1], fee) != 0) {
		char why[400];
		snprintf(why, sizeof why, "%s", emr_db_error(c->db));
		emr_db_set_error(c->db, "%s: line %ld: %s", c->name, c->row_line, why);
		c->failed = true;
	} else {
		c->count++;
	}
	csv_clear(c);
}

int emr_fee_import(emr_db *db, FILE *f, const char *name, long *count)
{
	if (emr_permit(db, EMR_PERM_BILLING, "fee import") != 0)
		return -1;
	struct csv_parser p;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		emr_db_set_error(db, "%s: cannot start the CSV parser", name);
		return -1;
	}
	csv_state c = {.db = db, .name = name, .line = 1};
	if (emr_tx_begin(db)) {
		csv_free(&p);
		return -1;
	}
	int ch;
	while (!c.failed && (ch = fgetc(f)) != EOF) {
		char b = (char)ch;
		if (csv_parse(&p, &b, 1, csv_field, csv_row, &c) != 1) {
			emr_db_set_error(db, "%s: line %ld, column %d: %s", name, c.line, c.nfields + 1,
			                 csv_strerror(csv_error(&p)));
			c.failed = true;
			break;
		}
		if (b == '\n')
			c.line++;
	}
	if (!c.failed && csv_fini(&p, csv_field, csv_row, &c) != 0) {
		emr_db_set_error(db, "%s: line %ld, column %d: %s (an unterminated quote?)", name, c.row_line,
		                 c.nfields + 1, csv_strerror(csv_error(&p)));
		c.failed = true;
	}
	csv_clear(&c);
	csv_free(&p);
	if (!c.failed && !c.header_done) {
		emr_db_set_error(db, "%s: line 1, column 1: empty file (expected the header code,description,fee)", name);
		c.failed = true;
	}
	if (c.failed || emr_audit(db, "import", "fee_schedule", 0, 0, name)) {
		emr_tx_rollback(db);
		return -1;
	}
	if (emr_tx_commit(db))
		return -1;
	if (count)
		*count = c.count;
	return 0;
}

/* ------------------------------------------------------------ visits */

static int encounter_patient(emr_db *db, int64_t encounter_id, int64_t *patient_id)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT patient_id FROM encounters WHERE id = ?1 AND retired_at IS NULL");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, encounter_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		emr_db_set_error(db, "no visit %lld", (long long)encounter_id);
		return -1;
	}
	*patient_id = sqlite3_column_int64(st, 0);
	return 0;
}

int emr_dx_add(emr_db *db, int64_t encounter_id, const char *icd10, int *rank)
{
	if (emr_permit(db, EMR_PERM_BILLING, "dx add") != 0)
		return -1;
	int64_t pid;
	if (emr_tx_begin(db))
		return -1;
	if (encounter_patient(db, encounter_id, &pid))
		goto fail;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT code FROM icd10cm WHERE code = upper(replace(?1, '.', ''))");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, icd10, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		emr_db_set_error(db, "unknown ICD-10-CM code \"%s\"", icd10);
		goto fail;
	}
	char code[16];
	emr_col_copy(st, 0, code, sizeof code);
	st = emr_db_stmt(db, "SELECT coalesce(max(rank), 0) + 1 FROM encounter_diagnoses WHERE encounter_id = ?1");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		emr_db_fail(db, "ranking the diagnosis");
		goto fail;
	}
	int r = sqlite3_column_int(st, 0);
	if (r > 12) {
		emr_db_set_error(db, "visit %lld already has 12 diagnoses", (long long)encounter_id);
		goto fail;
	}
	st = emr_db_stmt(db, "INSERT INTO encounter_diagnoses (encounter_id, rank, icd10) VALUES (?1, ?2, ?3)");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	sqlite3_bind_int(st, 2, r);
	sqlite3_bind_text(st, 3, code, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "saving the diagnosis");
		goto fail;
	}
	if (emr_audit(db, "create", "encounter_diagnoses", encounter_id, pid, code))
		goto fail;
	*rank = r;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

static bool valid_modifiers(const char *m)
{
	size_t n = strlen(m);
	if (n == 0)
		return true;
	if (n > 11 || (n + 1) % 3 != 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool sep = i % 3 == 2;
		if (sep ? m[i] != ',' : !(isdigit((unsigned char)m[i]) || (m[i] >= 'A' && m[i] <= 'Z')))
			return false;
	}
	return true;
}

int emr_charge_add(emr_db *db, int64_t encounter_id, const char *code, const char *modifiers, int units,
                   const char *dx, int64_t *charge_id)
{
	if (emr_permit(db, EMR_PERM_BILLING, "charge add") != 0)
		return -1;
	if (!modifiers)
		modifiers = "";
	if (!dx || !*dx)
		dx = "1";
	if (!valid_modifiers(modifiers)) {
		emr_db_set_error(db, "modifiers \"%s\": expected up to four 2-character modifiers, like 25 or 25,59",
		                 modifiers);
		return -1;
	}
	if (units < 1 || units > 999) {
		emr_db_set_error(db, "units %d: expected 1 to 999", units);
		return -1;
	}
	int64_t pid;
	if (emr_tx_begin(db))
		return -1;
	if (encounter_patient(db, encounter_id, &pid))
		goto fail;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT fee_cents FROM fee_schedule WHERE code = ?1 AND active = 1");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		emr_db_set_error(db, "unknown procedure code \"%s\": add it with emr fee add", code);
		goto fail;
	}
	int64_t fee = sqlite3_column_int64(st, 0);
	/* Each pointer must name a diagnosis rank of this visit. */
	const char *p = dx;
	while (*p) {
		char *end;
		long r = strtol(p, &end, 10);
		if (end == p || r < 1 || r > 12 || (*end && *end != ',')) {
			emr_db_set_error(db, "diagnosis pointers \"%s\": expected ranks like 1,2", dx);
			goto fail;
		}
		st = emr_db_stmt(db, "SELECT 1 FROM encounter_diagnoses WHERE encounter_id = ?1 AND rank = ?2");
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, encounter_id);
		sqlite3_bind_int(st, 2, (int)r);
		if (sqlite3_step(st) != SQLITE_ROW) {
			emr_db_set_error(db, "visit %lld has no diagnosis %ld: add it with emr dx add", (long long)encounter_id,
			                 r);
			goto fail;
		}
		p = *end ? end + 1 : end;
	}
	char now[32];
	emr_now_instant(now);
	st = emr_db_stmt(db, "INSERT INTO charges (encounter_id, code, modifiers, units, fee_cents, dx_pointers, created_at) "
	                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, modifiers, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, units);
	sqlite3_bind_int64(st, 5, fee);
	sqlite3_bind_text(st, 6, dx, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "saving the charge");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	if (emr_audit(db, "create", "charges", id, pid, code))
		goto fail;
	if (charge_id)
		*charge_id = id;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

static int ledger_post(emr_db *db, int64_t pid, int64_t invoice_id, const char *kind, int64_t amount,
                       const char *method, const char *reference, const char *memo)
{
	char now[32];
	emr_now_instant(now);
	sqlite3_stmt *st = emr_db_stmt(db, "INSERT INTO ledger (patient_id, invoice_id, kind, amount_cents, method, "
	                                   "reference, memo, posted_at, posted_by) "
	                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	if (invoice_id > 0)
		sqlite3_bind_int64(st, 2, invoice_id);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, amount);
	emr_bind_text_or_null(st, 5, method);
	sqlite3_bind_text(st, 6, reference ? reference : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, memo ? memo : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_TRANSIENT);
	if (emr_db_actor_id(db) > 0)
		sqlite3_bind_int64(st, 9, emr_db_actor_id(db));
	if (sqlite3_step(st) != SQLITE_DONE)
		return emr_db_fail(db, "posting to the ledger");
	return emr_audit(db, "create", "ledger", sqlite3_last_insert_rowid(emr_db_sqlite(db)), pid, kind);
}

int emr_invoice_issue(emr_db *db, int64_t encounter_id, int64_t *invoice_id, char number[32])
{
	if (emr_permit(db, EMR_PERM_BILLING, "invoice issue") != 0)
		return -1;
	int64_t pid;
	if (emr_tx_begin(db))
		return -1;
	if (encounter_patient(db, encounter_id, &pid))
		goto fail;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT count(*), coalesce(sum(fee_cents * units), 0) FROM charges "
	                                   "WHERE encounter_id = ?1 AND status = 'open'");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		emr_db_fail(db, "totalling the charges");
		goto fail;
	}
	if (sqlite3_column_int64(st, 0) == 0) {
		emr_db_set_error(db, "visit %lld has no open charges to invoice", (long long)encounter_id);
		goto fail;
	}
	int64_t total = sqlite3_column_int64(st, 1);
	st = emr_db_stmt(db, "SELECT coalesce(max(id), 0) + 1 FROM invoices");
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		emr_db_fail(db, "numbering the invoice");
		goto fail;
	}
	snprintf(number, 32, "INV-%06lld", (long long)sqlite3_column_int64(st, 0));
	char now[32];
	emr_now_instant(now);
	st = emr_db_stmt(db, "INSERT INTO invoices (patient_id, encounter_id, number, service_date, total_cents, "
	                     "issued_at, issued_by) SELECT patient_id, id, ?2, date(start_at, 'localtime'), ?3, ?4, ?5 "
	                     "FROM encounters WHERE id = ?1");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, total);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_TRANSIENT);
	if (emr_db_actor_id(db) > 0)
		sqlite3_bind_int64(st, 5, emr_db_actor_id(db));
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "issuing the invoice");
		goto fail;
	}
	int64_t iid = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	st = emr_db_stmt(db, "UPDATE charges SET status = 'invoiced', invoice_id = ?2 "
	                     "WHERE encounter_id = ?1 AND status = 'open'");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	sqlite3_bind_int64(st, 2, iid);
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "invoicing the charges");
		goto fail;
	}
	if (ledger_post(db, pid, iid, "charge", total, NULL, number, "invoice") ||
	    emr_audit(db, "create", "invoices", iid, pid, number))
		goto fail;
	*invoice_id = iid;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_balance(emr_db *db, int64_t patient_id, int64_t *cents)
{
	if (emr_permit(db, EMR_PERM_PAYMENT, "balance") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT coalesce(sum(amount_cents), 0) FROM ledger WHERE patient_id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	if (sqlite3_step(st) != SQLITE_ROW)
		return emr_db_fail(db, "reading the balance");
	*cents = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);   /* end the read: the screen may wait on a key next */
	return 0;
}

static int check_invoice(emr_db *db, int64_t invoice_id, int64_t pid)
{
	if (invoice_id <= 0)
		return 0;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT patient_id FROM invoices WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, invoice_id);
	bool mine = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == pid;
	sqlite3_reset(st);
	if (!mine) {
		emr_db_set_error(db, "no invoice %lld for this patient", (long long)invoice_id);
		return -1;
	}
	return 0;
}

int emr_payment_post(emr_db *db, int64_t patient_id, int64_t amount_cents, const char *method,
                     const char *reference, int64_t invoice_id, bool allow_credit)
{
	if (emr_permit(db, EMR_PERM_PAYMENT, "payment") != 0)
		return -1;
	static const char *methods[] = {"cash", "card", "check", "insurance"};
	bool okm = false;
	for (size_t i = 0; method && i < 4; i++)
		okm = okm || strcmp(method, methods[i]) == 0;
	if (!okm) {
		emr_db_set_error(db, "payment method \"%s\": expected cash, card, check or insurance", method ? method : "");
		return -1;
	}
	if (amount_cents <= 0) {
		emr_db_set_error(db, "a payment must be more than 0.00");
		return -1;
	}
	if (emr_tx_begin(db))
		return -1;
	int64_t bal;
	if (check_invoice(db, invoice_id, patient_id) || emr_balance(db, patient_id, &bal))
		goto fail;
	if (amount_cents > bal && !allow_credit) {
		char a[32], b[32];
		emr_money_format(amount_cents, a, sizeof a);
		emr_money_format(bal, b, sizeof b);
		emr_db_set_error(db, "payment %s is more than the balance %s: confirm a credit (--allow-credit)", a, b);
		goto fail;
	}
	if (ledger_post(db, patient_id, invoice_id, "payment", -amount_cents, method, reference,
	                amount_cents > bal ? "credit" : ""))
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_adjustment_post(emr_db *db, int64_t patient_id, int64_t amount_cents, const char *reason, int64_t invoice_id)
{
	if (emr_permit(db, EMR_PERM_BILLING, "adjustment") != 0)
		return -1;
	if (!reason || !*reason) {
		emr_db_set_error(db, "an adjustment needs a reason");
		return -1;
	}
	if (amount_cents == 0) {
		emr_db_set_error(db, "an adjustment of 0.00 changes nothing");
		return -1;
	}
	if (emr_tx_begin(db))
		return -1;
	if (check_invoice(db, invoice_id, patient_id) ||
	    ledger_post(db, patient_id, invoice_id, "adjustment", amount_cents, NULL, NULL, reason)) {
		emr_tx_rollback(db);
		return -1;
	}
	return emr_tx_commit(db);
}

/* ------------------------------------------------------------ reading */

/* Grows a (items, n, cap) array by one element; returns the new slot. */
/* emr_list_push for arrays whose items, count and capacity are not
 * packed in one struct (an invoice's lines, a visit's charges). */
#define GROW(arr, n, cap) ((__typeof__(arr))emr_list_grow(&(arr), &(n), &(cap), sizeof *(arr)))

/* A/R aging.  The rule, per patient:
 *
 *  - Each invoice owes its open amount: its total plus the ledger entries
 *    naming it (payments, adjustments, refunds posted with --invoice).
 *    It ages from its date of service.
 *  - Entries naming no invoice are unapplied.  A negative one (a payment
 *    or adjustment posted without --invoice) is a credit; a positive one
 *    (a refund, an upward adjustment) is owed, and ages from the local
 *    date it was posted.
 *  - An invoice paid beyond its total (open amount below zero) is a
 *    credit too.
 *  - The credits are used up first-in first-out: against the oldest
 *    amount owed first (ties: invoices before unapplied entries, then by
 *    id).  What is left of each owed amount goes into its bucket by age:
 *    0-30, 31-60, 61-90, over 90 days.
 *
 * So the aging total equals the sum of the patients' positive balances,
 * and a patient in credit owes nothing in any bucket (the credit itself
 * is not aged). */
typedef struct aging_item {
	int64_t days, cents;
} aging_item;

static void aging_patient(aging_item *items, size_t n, int64_t buckets[4])
{
	int64_t credit = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].cents < 0)
			credit -= items[i].cents;
	/* Oldest first: the rows come ordered by date. */
	for (size_t i = 0; i < n; i++) {
		int64_t owed = items[i].cents;
		if (owed <= 0)
			continue;
		int64_t used = credit < owed ? credit : owed;
		owed -= used;
		credit -= used;
		if (owed > 0) {
			int64_t d = items[i].days;
			buckets[d <= 30 ? 0 : d <= 60 ? 1 : d <= 90 ? 2 : 3] += owed;
		}
	}
}

int emr_aging(emr_db *db, int64_t buckets[4])
{
	if (emr_permit(db, EMR_PERM_BILLING, "report aging") != 0)
		return -1;
	for (int i = 0; i < 4; i++)
		buckets[i] = 0;
	char now[32];
	emr_now_instant(now);
	sqlite3_stmt *st = emr_db_stmt(
		db, "SELECT patient_id, CAST(julianday(date(?1, 'localtime')) - julianday(day) AS INTEGER), cents FROM ("
		    "SELECT i.patient_id, i.service_date AS day, 0 AS k, i.id AS id, "
		    "i.total_cents + coalesce((SELECT sum(l.amount_cents) FROM ledger l WHERE l.invoice_id = i.id "
		    "AND l.kind <> 'charge'), 0) AS cents FROM invoices i "
		    "UNION ALL SELECT patient_id, date(posted_at, 'localtime'), 1, id, amount_cents FROM ledger "
		    "WHERE invoice_id IS NULL) ORDER BY patient_id, day, k, id");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	aging_item *items = NULL;
	size_t n = 0, cap = 0;
	int64_t pid = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t p = sqlite3_column_int64(st, 0);
		if (p != pid) {
			aging_patient(items, n, buckets);
			n = 0;
			pid = p;
		}
		aging_item *it = GROW(items, n, cap);
		it->days = sqlite3_column_int64(st, 1);
		it->cents = sqlite3_column_int64(st, 2);
	}
	aging_patient(items, n, buckets);
	free(items);
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "aging the invoices");
	return 0;
}

void emr_fees_free(emr_fees *list)
{
	if (!list)
		return;
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_fee_list(emr_db *db, bool active_only, emr_fees *out)
{
	memset(out, 0, sizeof *out);
	if (emr_permit(db, EMR_PERM_BILLING, "fee list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT code, code_system, description, fee_cents, active "
	                                   "FROM fee_schedule WHERE ?1 = 0 OR active = 1 ORDER BY code");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, active_only ? 1 : 0);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_fee *f = GROW(out->items, out->n, out->cap);
		emr_col_copy(st, 0, f->code, sizeof f->code);
		emr_col_copy(st, 1, f->system, sizeof f->system);
		emr_col_copy(st, 2, f->description, sizeof f->description);
		f->fee_cents = sqlite3_column_int64(st, 3);
		f->active = sqlite3_column_int(st, 4) != 0;
	}
	if (rc != SQLITE_DONE) {
		emr_fees_free(out);
		return emr_db_fail(db, "reading the fee schedule");
	}
	return 0;
}

/* The diagnoses of a visit by rank. */
static int read_dx(emr_db *db, int64_t encounter_id, emr_visit_dx **dx, size_t *ndx)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT d.rank, d.icd10, coalesce(c.description, '') "
	                                   "FROM encounter_diagnoses d LEFT JOIN icd10cm c ON c.code = d.icd10 "
	                                   "WHERE d.encounter_id = ?1 ORDER BY d.rank");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, encounter_id);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_visit_dx *d = GROW(*dx, *ndx, cap);
		d->rank = sqlite3_column_int(st, 0);
		emr_col_copy(st, 1, d->icd10, sizeof d->icd10);
		emr_col_copy(st, 2, d->description, sizeof d->description);
	}
	if (rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the diagnoses");
	return 0;
}

static void charge_row(sqlite3_stmt *st, emr_charge *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->encounter_id = sqlite3_column_int64(st, 1);
	c->invoice_id = sqlite3_column_int64(st, 2);
	emr_col_copy(st, 3, c->code, sizeof c->code);
	emr_col_copy(st, 4, c->description, sizeof c->description);
	emr_col_copy(st, 5, c->modifiers, sizeof c->modifiers);
	c->units = sqlite3_column_int(st, 6);
	c->fee_cents = sqlite3_column_int64(st, 7);
	c->amount_cents = c->fee_cents * c->units;
	emr_col_copy(st, 8, c->dx_pointers, sizeof c->dx_pointers);
	emr_col_copy(st, 9, c->status, sizeof c->status);
	emr_col_copy(st, 10, c->system, sizeof c->system);
	emr_col_copy(st, 11, c->service_date, sizeof c->service_date);
	emr_col_copy(st, 12, c->created_at, sizeof c->created_at);
}

#define CHARGE_COLUMNS                                                                            \
	"SELECT c.id, c.encounter_id, coalesce(c.invoice_id, 0), c.code, coalesce(f.description, ''), " \
	"c.modifiers, c.units, c.fee_cents, c.dx_pointers, c.status, coalesce(f.code_system, ''), "   \
	"date(e.start_at, 'localtime'), c.created_at "                                                 \
	"FROM charges c JOIN encounters e ON e.id = c.encounter_id "                                   \
	"LEFT JOIN fee_schedule f ON f.code = c.code "

int emr_visit_billing_get(emr_db *db, int64_t encounter_id, emr_visit_billing *out)
{
	memset(out, 0, sizeof *out);
	char what[64];
	snprintf(what, sizeof what, "visit billing %lld", (long long)encounter_id);
	if (emr_permit(db, EMR_PERM_BILLING, what) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT patient_id, date(start_at, 'localtime'), "
	                                   "(SELECT coalesce(max(id), 0) FROM invoices WHERE encounter_id = e.id) "
	                                   "FROM encounters e WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, encounter_id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			emr_db_set_error(db, "no visit %lld", (long long)encounter_id);
		else
			emr_db_fail(db, "reading the visit");
		return -1;
	}
	out->encounter_id = encounter_id;
	out->patient_id = sqlite3_column_int64(st, 0);
	emr_col_copy(st, 1, out->service_date, sizeof out->service_date);
	out->invoice_id = sqlite3_column_int64(st, 2);
	if (read_dx(db, encounter_id, &out->dx, &out->ndx))
		goto fail;
	st = emr_db_stmt(db, CHARGE_COLUMNS "WHERE c.encounter_id = ?1 ORDER BY c.id");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_charge *c = GROW(out->charges, out->ncharges, cap);
		charge_row(st, c);
		if (strcmp(c->status, "open") == 0)
			out->open_cents += c->amount_cents;
	}
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "reading the charges");
		goto fail;
	}
	return 0;
fail:
	emr_visit_billing_free(out);
	return -1;
}

void emr_visit_billing_free(emr_visit_billing *vb)
{
	if (!vb)
		return;
	free(vb->dx);
	free(vb->charges);
	memset(vb, 0, sizeof *vb);
}

int emr_charge_void(emr_db *db, int64_t charge_id)
{
	char what[64];
	snprintf(what, sizeof what, "charge void %lld", (long long)charge_id);
	if (emr_permit(db, EMR_PERM_BILLING, what) != 0 || emr_tx_begin(db))
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT c.status, coalesce(i.number, ''), e.patient_id, c.code "
	                                   "FROM charges c JOIN encounters e ON e.id = c.encounter_id "
	                                   "LEFT JOIN invoices i ON i.id = c.invoice_id WHERE c.id = ?1");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, charge_id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		emr_db_set_error(db, "no charge %lld", (long long)charge_id);
		goto fail;
	}
	char status[16], number[32], code[16];
	emr_col_copy(st, 0, status, sizeof status);
	emr_col_copy(st, 1, number, sizeof number);
	int64_t pid = sqlite3_column_int64(st, 2);
	emr_col_copy(st, 3, code, sizeof code);
	if (strcmp(status, "invoiced") == 0) {
		emr_db_set_error(db, "charge %lld is on invoice %s: an invoiced charge cannot be voided, post an "
		                     "adjustment instead", (long long)charge_id, number);
		goto fail;
	}
	if (strcmp(status, "open") != 0) {
		emr_db_set_error(db, "charge %lld is already void", (long long)charge_id);
		goto fail;
	}
	st = emr_db_stmt(db, "UPDATE charges SET status = 'void' WHERE id = ?1 AND status = 'open'");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, charge_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		emr_db_fail(db, "voiding the charge");
		goto fail;
	}
	char detail[48];
	snprintf(detail, sizeof detail, "void %s", code);
	if (emr_audit(db, "update", "charges", charge_id, pid, detail))
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

static void ledger_row(sqlite3_stmt *st, emr_ledger_entry *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->invoice_id = sqlite3_column_int64(st, 1);
	emr_col_copy(st, 2, e->invoice_number, sizeof e->invoice_number);
	emr_col_copy(st, 3, e->date, sizeof e->date);
	emr_col_copy(st, 4, e->kind, sizeof e->kind);
	e->amount_cents = sqlite3_column_int64(st, 5);
	emr_col_copy(st, 6, e->method, sizeof e->method);
	emr_col_copy(st, 7, e->reference, sizeof e->reference);
	emr_col_copy(st, 8, e->memo, sizeof e->memo);
}

#define LEDGER_COLUMNS                                                                            \
	"SELECT l.id, coalesce(l.invoice_id, 0), coalesce(i.number, ''), date(l.posted_at, 'localtime'), " \
	"l.kind, l.amount_cents, coalesce(l.method, ''), l.reference, l.memo "                          \
	"FROM ledger l LEFT JOIN invoices i ON i.id = l.invoice_id "

int emr_invoice_get(emr_db *db, int64_t id, emr_invoice *out)
{
	memset(out, 0, sizeof *out);
	char what[64];
	snprintf(what, sizeof what, "invoice show %lld", (long long)id);
	if (emr_permit(db, EMR_PERM_PAYMENT, what) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(
		db, "SELECT i.id, i.patient_id, i.encounter_id, i.number, i.service_date, i.issued_at, i.total_cents, "
		    "i.total_cents + (SELECT coalesce(sum(l.amount_cents), 0) FROM ledger l "
		    "  WHERE l.invoice_id = i.id AND l.kind <> 'charge'), "
		    "coalesce(pr.name, ''), coalesce(pr.npi, ''), coalesce(pr.address, ''), coalesce(pr.phone, ''), "
		    "coalesce(u.display_name || CASE WHEN u.credentials <> '' THEN ', ' || u.credentials ELSE '' END, ''), "
		    "coalesce(u.npi, ''), p.given_name || ' ' || p.family_name, p.mrn, p.dob "
		    "FROM invoices i JOIN patients p ON p.id = i.patient_id "
		    "JOIN encounters e ON e.id = i.encounter_id LEFT JOIN users u ON u.id = e.provider_id "
		    "LEFT JOIN practice pr ON pr.id = 1 WHERE i.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			emr_db_set_error(db, "no invoice %lld", (long long)id);
		else
			emr_db_fail(db, "reading the invoice");
		return -1;
	}
	out->id = sqlite3_column_int64(st, 0);
	out->patient_id = sqlite3_column_int64(st, 1);
	out->encounter_id = sqlite3_column_int64(st, 2);
	emr_col_copy(st, 3, out->number, sizeof out->number);
	emr_col_copy(st, 4, out->service_date, sizeof out->service_date);
	emr_col_copy(st, 5, out->issued_at, sizeof out->issued_at);
	out->total_cents = sqlite3_column_int64(st, 6);
	out->balance_cents = sqlite3_column_int64(st, 7);
	emr_col_copy(st, 8, out->practice, sizeof out->practice);
	emr_col_copy(st, 9, out->practice_npi, sizeof out->practice_npi);
	emr_col_copy(st, 10, out->practice_address, sizeof out->practice_address);
	emr_col_copy(st, 11, out->practice_phone, sizeof out->practice_phone);
	emr_col_copy(st, 12, out->provider, sizeof out->provider);
	emr_col_copy(st, 13, out->provider_npi, sizeof out->provider_npi);
	emr_col_copy(st, 14, out->patient, sizeof out->patient);
	emr_col_copy(st, 15, out->mrn, sizeof out->mrn);
	emr_col_copy(st, 16, out->dob, sizeof out->dob);
	if (read_dx(db, out->encounter_id, &out->dx, &out->ndx))
		goto fail;
	st = emr_db_stmt(db, CHARGE_COLUMNS "WHERE c.invoice_id = ?1 ORDER BY c.id");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		charge_row(st, GROW(out->lines, out->nlines, cap));
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "reading the invoice lines");
		goto fail;
	}
	st = emr_db_stmt(db, LEDGER_COLUMNS "WHERE l.invoice_id = ?1 AND l.kind <> 'charge' ORDER BY l.posted_at, l.id");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ledger_row(st, GROW(out->entries, out->nentries, cap));
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "reading the payments of the invoice");
		goto fail;
	}
	return 0;
fail:
	emr_invoice_free(out);
	return -1;
}

void emr_invoice_free(emr_invoice *inv)
{
	if (!inv)
		return;
	free(inv->dx);
	free(inv->lines);
	free(inv->entries);
	memset(inv, 0, sizeof *inv);
}

void emr_invoice_summaries_free(emr_invoice_summaries *list)
{
	if (!list)
		return;
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_invoice_list(emr_db *db, int64_t patient_id, bool open_only, emr_invoice_summaries *out)
{
	memset(out, 0, sizeof *out);
	char what[64];
	snprintf(what, sizeof what, "invoice list of patient %lld", (long long)patient_id);
	if (emr_permit(db, EMR_PERM_PAYMENT, what) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(
		db, "SELECT id, encounter_id, number, service_date, total_cents, balance, issued_at FROM ("
		    "SELECT i.id, i.encounter_id, i.number, i.service_date, i.total_cents, i.issued_at, "
		    "i.total_cents + (SELECT coalesce(sum(l.amount_cents), 0) FROM ledger l "
		    "  WHERE l.invoice_id = i.id AND l.kind <> 'charge') AS balance "
		    "FROM invoices i WHERE i.patient_id = ?1) WHERE ?2 = 0 OR balance <> 0 "
		    "ORDER BY issued_at DESC, id DESC");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, open_only ? 1 : 0);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_invoice_summary *s = GROW(out->items, out->n, out->cap);
		s->id = sqlite3_column_int64(st, 0);
		s->encounter_id = sqlite3_column_int64(st, 1);
		emr_col_copy(st, 2, s->number, sizeof s->number);
		emr_col_copy(st, 3, s->service_date, sizeof s->service_date);
		s->total_cents = sqlite3_column_int64(st, 4);
		s->balance_cents = sqlite3_column_int64(st, 5);
		emr_col_copy(st, 6, s->issued_at, sizeof s->issued_at);
	}
	if (rc != SQLITE_DONE) {
		emr_invoice_summaries_free(out);
		return emr_db_fail(db, "listing the invoices");
	}
	return 0;
}

void emr_ledger_free(emr_ledger *list)
{
	if (!list)
		return;
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_ledger_list(emr_db *db, int64_t patient_id, emr_ledger *out)
{
	memset(out, 0, sizeof *out);
	char what[64];
	snprintf(what, sizeof what, "ledger of patient %lld", (long long)patient_id);
	if (emr_permit(db, EMR_PERM_PAYMENT, what) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, LEDGER_COLUMNS "WHERE l.patient_id = ?1 ORDER BY l.posted_at, l.id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ledger_row(st, GROW(out->items, out->n, out->cap));
	if (rc != SQLITE_DONE) {
		emr_ledger_free(out);
		return emr_db_fail(db, "reading the ledger");
	}
	return 0;
}

int emr_refund_post(emr_db *db, int64_t patient_id, int64_t amount_cents, const char *method,
                    const char *reference, int64_t invoice_id)
{
	static const char *methods[] = {"cash", "card", "check", "insurance"};
	bool okm = false;
	for (size_t i = 0; method && i < 4; i++)
		okm = okm || strcmp(method, methods[i]) == 0;
	if (!okm) {
		emr_db_set_error(db, "refund method \"%s\": expected cash, card, check or insurance", method ? method : "");
		return -1;
	}
	if (amount_cents <= 0) {
		emr_db_set_error(db, "a refund must be more than 0.00");
		return -1;
	}
	if (emr_permit(db, EMR_PERM_BILLING, "refund") != 0 || emr_tx_begin(db))
		return -1;
	int64_t bal;
	if (check_invoice(db, invoice_id, patient_id) || emr_balance(db, patient_id, &bal))
		goto fail;
	if (bal >= 0) {
		char b[32];
		emr_money_format(bal, b, sizeof b);
		emr_db_set_error(db, "no credit to refund: the balance is %s", b);
		goto fail;
	}
	if (amount_cents > -bal) {
		char a[32], c[32];
		emr_money_format(amount_cents, a, sizeof a);
		emr_money_format(-bal, c, sizeof c);
		emr_db_set_error(db, "refund %s is more than the credit %s", a, c);
		goto fail;
	}
	if (ledger_post(db, patient_id, invoice_id, "refund", amount_cents, method, reference, "refund"))
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

void emr_daysheet_free(emr_daysheet *d)
{
	if (!d)
		return;
	free(d->items);
	memset(d, 0, sizeof *d);
}

int emr_daysheet_get(emr_db *db, const char *date, emr_daysheet *out)
{
	memset(out, 0, sizeof *out);
	if (emr_permit(db, EMR_PERM_BILLING, "report daysheet") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(
		db, "SELECT date(posted_at, 'localtime') AS d, "
		    "sum(CASE kind WHEN 'charge' THEN amount_cents ELSE 0 END), "
		    "-sum(CASE kind WHEN 'payment' THEN amount_cents ELSE 0 END), "
		    "sum(CASE kind WHEN 'adjustment' THEN amount_cents ELSE 0 END), "
		    "sum(CASE kind WHEN 'refund' THEN amount_cents ELSE 0 END), sum(amount_cents) "
		    "FROM ledger WHERE ?1 IS NULL OR date(posted_at, 'localtime') = ?1 GROUP BY d ORDER BY d");
	if (!st)
		return -1;
	emr_bind_text_or_null(st, 1, date);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_daysheet_day *d = GROW(out->items, out->n, out->cap);
		emr_col_copy(st, 0, d->date, sizeof d->date);
		d->charges_cents = sqlite3_column_int64(st, 1);
		d->payments_cents = sqlite3_column_int64(st, 2);
		d->adjustments_cents = sqlite3_column_int64(st, 3);
		d->refunds_cents = sqlite3_column_int64(st, 4);
		d->net_cents = sqlite3_column_int64(st, 5);
	}
	if (rc != SQLITE_DONE) {
		emr_daysheet_free(out);
		return emr_db_fail(db, "reading the daysheet");
	}
	return 0;
}

void emr_charges_free(emr_charges *list)
{
	emr_list_free(list);
}

int emr_charge_list_patient(emr_db *db, int64_t patient_id, emr_charges *out)
{
	memset(out, 0, sizeof *out);
	if (emr_permit(db, EMR_PERM_BILLING, "charge list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, CHARGE_COLUMNS "WHERE e.patient_id = ?1 ORDER BY e.start_at, c.id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		charge_row(st, emr_list_push(out));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_charges_free(out);
		return emr_db_fail(db, "listing the charges");
	}
	return 0;
}
