/* codes: ICD-10-CM releases, and the curated LOINC and CVX tables.
 *
 * An ICD-10-CM release is the official CMS/NCHS codes file: one code per
 * line, code in columns 1-7 (no dot, space padded to column 8), the long
 * description from column 9.  Loading it is two passes: the whole text is
 * parsed and checked first (so a bad line anywhere changes nothing), then
 * every code is upserted in one transaction and the codes the release no
 * longer has are marked inactive.  Codes are never deleted: a chart that
 * used a retired code must keep pointing at a real row.
 *
 * The LOINC and CVX tables are small TAB-separated files compiled into the
 * binary (data/loinc.tsv, data/cvx.tsv; see data/SOURCES.md). */
#include "emr/codes.h"

#include "emr/embedded.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unictype.h>
#include <unistr.h>

/* A release year outside this range is a typing error, not a release. */
#define ICD10_FIRST_RELEASE 2015
#define ICD10_LAST_RELEASE 2100
/* The official file is about 7 MB; anything near this is not one. */
#define ICD10_MAX_FILE (64u << 20)
/* Longest description in FY2026 is 228 bytes; allow room, refuse junk. */
#define ICD10_MAX_DESC 1000
#define SEARCH_DEFAULT_LIMIT 20
#define SEARCH_MAX_LIMIT 500
#define SEARCH_MAX_WORDS 16

/* ------------------------------------------------------------ lists */

void emr_code_list_free(emr_code_list *list)
{
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}

static emr_code_hit *list_push(emr_code_list *list)
{
	if (list->n == list->cap) {
		list->cap = list->cap ? list->cap * 2 : 16;
		list->items = emr_xrealloc(list->items, list->cap * sizeof *list->items);
	}
	emr_code_hit *h = &list->items[list->n++];
	memset(h, 0, sizeof *h);
	return h;
}

/* Appends the row (code, text, active) of st. */
static void list_push_row(emr_code_list *list, sqlite3_stmt *st)
{
	emr_code_hit *h = list_push(list);
	emr_col_copy(st, 0, h->code, sizeof h->code);
	emr_col_copy(st, 1, h->text, sizeof h->text);
	h->active = sqlite3_column_int(st, 2) != 0;
}

static int clamp_limit(int limit)
{
	if (limit <= 0)
		return SEARCH_DEFAULT_LIMIT;
	return limit > SEARCH_MAX_LIMIT ? SEARCH_MAX_LIMIT : limit;
}

/* Copies s without leading and trailing blanks into buf; false if it
 * does not fit. */
static bool trim_copy(const char *s, char *buf, size_t n)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len + 1 > n)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

/* ----------------------------------------------------- code shapes */

/* The start of an ICD-10-CM code: a letter, then letters or digits with
 * a digit in the second or third place.  The second character was always
 * a digit until FY2026 added category QA0; third-character letters are
 * older (C4A, D3A, M1A, O9A, Z3A). */
static bool icd10_head(const char *c, size_t len)
{
	if (len < 2 || !isupper((unsigned char)c[0]))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!isupper((unsigned char)c[i]) && !isdigit((unsigned char)c[i]))
			return false;
	return isdigit((unsigned char)c[1]) || (len >= 3 && isdigit((unsigned char)c[2]));
}

/* A whole code: 3 to 7 characters of that shape. */
static bool icd10_shape(const char *c, size_t len)
{
	return len >= 3 && len <= 7 && icd10_head(c, len);
}

/* Upper-cases in into out without the dot after the third character.
 * With prefix, 2 characters ("E1") are enough; otherwise 3. */
static bool icd10_squash(const char *in, char *out, size_t n, bool prefix)
{
	char buf[16];
	if (!trim_copy(in, buf, sizeof buf))
		return false;
	size_t len = strlen(buf), j = 0;
	char tmp[16];
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '.') {
			/* The dot belongs after the category (3 characters) only,
			 * and something must follow it unless this is a prefix. */
			if (i != 3 || (!prefix && i + 1 == len))
				return false;
			continue;
		}
		tmp[j++] = (char)toupper((unsigned char)buf[i]);
	}
	tmp[j] = '\0';
	if (j + 1 > n)
		return false;
	if (prefix) {
		if (j > 7 || !icd10_head(tmp, j))
			return false;
	} else if (!icd10_shape(tmp, j)) {
		return false;
	}
	memcpy(out, tmp, j + 1);
	return true;
}

bool emr_icd10_normalize(const char *in, char *out, size_t n)
{
	return in && icd10_squash(in, out, n, false);
}

void emr_icd10_display(const char *code, char *buf, size_t n)
{
	char c[9];
	if (!n)
		return;
	if (!code || !emr_icd10_normalize(code, c, sizeof c)) {
		emr_strlcpy(buf, code ? code : "", n);
		return;
	}
	if (strlen(c) == 3)
		snprintf(buf, n, "%s", c);
	else
		snprintf(buf, n, "%.3s.%s", c, c + 3);
}

/* ------------------------------------------------ release parsing */

typedef struct icd_line {
	const char *code, *desc;   /* into the release text, not NUL-terminated */
	int code_len, desc_len;
	long line;                 /* 1-based, for messages */
} icd_line;

typedef struct icd_release {
	icd_line *v;
	size_t n, cap;
	icd_line **sorted;         /* by code, to find a code given twice */
} icd_release;

static void release_free(icd_release *r)
{
	free(r->v);
	free(r->sorted);
	memset(r, 0, sizeof *r);
}

/* Checks the bytes of one line: UTF-8, and nothing a terminal or printer
 * would act on (controls, DEL, C1 controls, bidirectional overrides).
 * Returns the 1-based column of the first bad character, or 0. */
static size_t bad_column(const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s, *end = p + len;
	size_t col = 1;
	while (p < end) {
		ucs4_t c;
		int k = u8_mbtoucr(&c, p, (size_t)(end - p));
		if (k < 0)
			return col;
		if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
		    (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C)
			return col;
		p += k;
		col++;
	}
	return 0;
}

/* Parses one line (without its line ending) of a codes file into out;
 * false with the error set.  name is what the error calls the file. */
static bool parse_icd_line(emr_db *db, const char *name, long lineno, const char *s, size_t len, icd_line *out)
{
	size_t col = bad_column(s, len);
	if (col) {
		emr_db_set_error(db, "%s line %ld: column %zu is not plain text (not UTF-8, or a control character);"
		                 " is this the official ICD-10-CM codes file?", name, lineno, col);
		return false;
	}
	size_t clen = 0;
	while (clen < len && clen < 8 && s[clen] != ' ')
		clen++;
	if (clen == 0 || clen > 7 || !icd10_shape(s, clen)) {
		emr_db_set_error(db, "%s line %ld: \"%.*s\" is not an ICD-10-CM code (expected the codes file:"
		                 " code in columns 1-7, description from column 9)", name, lineno,
		                 (int)(clen > 12 ? 12 : clen), s);
		return false;
	}
	for (size_t i = clen; i < 8; i++) {
		if (i >= len || s[i] != ' ') {
			emr_db_set_error(db, "%s line %ld: code %.*s must be followed by spaces up to column 8 and a"
			                 " description from column 9", name, lineno, (int)clen, s);
			return false;
		}
	}
	size_t dlen = len - 8;
	while (dlen > 0 && s[8 + dlen - 1] == ' ')
		dlen--;
	if (dlen == 0 || s[8] == ' ') {
		emr_db_set_error(db, "%s line %ld: code %.*s has no description starting in column 9", name, lineno,
		                 (int)clen, s);
		return false;
	}
	if (dlen > ICD10_MAX_DESC) {
		emr_db_set_error(db, "%s line %ld: the description of %.*s is longer than %d characters", name, lineno,
		                 (int)clen, s, ICD10_MAX_DESC);
		return false;
	}
	*out = (icd_line){.code = s, .code_len = (int)clen, .desc = s + 8, .desc_len = (int)dlen, .line = lineno};
	return true;
}

static int cmp_line_code(const void *a, const void *b)
{
	const icd_line *x = *(icd_line *const *)a, *y = *(icd_line *const *)b;
	int n = x->code_len < y->code_len ? x->code_len : y->code_len;
	int c = memcmp(x->code, y->code, (size_t)n);
	return c ? c : x->code_len - y->code_len;
}

/* Splits the text into lines and checks every one; also refuses a code
 * that appears twice.  Blank lines are skipped. */
static int parse_release(emr_db *db, const char *name, const char *text, size_t len, icd_release *r)
{
	const char *p = text, *end = text + len;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;  /* a byte-order mark an editor may have added */
	long lineno = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		lineno++;
		size_t n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		size_t blank = 0;
		while (blank < n && p[blank] == ' ')
			blank++;
		if (blank < n) {
			if (r->n == r->cap) {
				r->cap = r->cap ? r->cap * 2 : 1024;
				r->v = emr_xrealloc(r->v, r->cap * sizeof *r->v);
			}
			if (!parse_icd_line(db, name, lineno, p, n, &r->v[r->n]))
				return -1;
			r->n++;
		}
		p = nl ? nl + 1 : end;
	}
	if (r->n == 0) {
		emr_db_set_error(db, "%s: no codes in the file", name);
		return -1;
	}
	r->sorted = emr_xmalloc(r->n * sizeof *r->sorted);
	for (size_t i = 0; i < r->n; i++)
		r->sorted[i] = &r->v[i];
	qsort(r->sorted, r->n, sizeof *r->sorted, cmp_line_code);
	for (size_t i = 1; i < r->n; i++) {
		if (cmp_line_code(&r->sorted[i - 1], &r->sorted[i]) == 0) {
			const icd_line *a = r->sorted[i - 1], *b = r->sorted[i];
			const icd_line *later = a->line > b->line ? a : b, *first = a->line > b->line ? b : a;
			emr_db_set_error(db, "%s line %ld: code %.*s appears again (first on line %ld)", name, later->line,
			                 later->code_len, later->code, first->line);
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------ release loading */

/* Runs a statement that returns no rows; -1 with the error set. */
static int step_done(emr_db *db, sqlite3_stmt *st, const char *doing)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, doing);
}

/* Runs a literal SQL statement with ?1 = release and ?2 = active (for
 * those that use them); *changed = rows it changed (not counting rows
 * its triggers changed). */
static int run_release_sql(emr_db *db, const char *sql, int release, int active, long *changed)
{
	sqlite3_stmt *st = emr_db_stmt(db, sql);
	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int(st, 1, release);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int(st, 2, active);
	if (step_done(db, st, "loading ICD-10-CM codes") != 0)
		return -1;
	if (changed)
		*changed = (long)sqlite3_changes(emr_db_sqlite(db));
	return 0;
}

/* Copies the parsed release, in file order, into a TEMP table of this
 * connection.  The changes are then made by a few set-based statements:
 * FTS5 flushes its pending index data at every statement, so one
 * INSERT per code (each firing the index trigger) costs 2.5 s for the
 * full release where one INSERT ... SELECT costs well under one. */
static int stage_release(emr_db *db, const icd_release *r)
{
	if (run_release_sql(db, "CREATE TEMP TABLE IF NOT EXISTS icd10cm_release"
	                        " (code TEXT PRIMARY KEY, description TEXT NOT NULL)", 0, 0, NULL) != 0 ||
	    run_release_sql(db, "DELETE FROM temp.icd10cm_release", 0, 0, NULL) != 0)
		return -1;
	for (size_t i = 0; i < r->n; i++) {
		sqlite3_stmt *st = emr_db_stmt(db, "INSERT INTO temp.icd10cm_release(code, description) VALUES (?1, ?2)");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, r->v[i].code, r->v[i].code_len, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->v[i].desc, r->v[i].desc_len, SQLITE_STATIC);
		if (step_done(db, st, "reading the ICD-10-CM release") != 0)
			return -1;
	}
	return 0;
}

static int newest_release(emr_db *db, int *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT ifnull(max(last_release), 0) FROM icd10cm");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : emr_db_fail(db, "reading ICD-10-CM codes");
}

/* The release as the newest one: its wording is current, its codes are
 * active, every other code is retired, last_release moves up. */
static int apply_current(emr_db *db, int release, emr_icd10_stats *s)
{
	long reworded, reactivated;
	/* Only this statement names description, so only reworded rows fire
	 * the full-text trigger. */
	if (run_release_sql(db,
		"UPDATE icd10cm SET description = r.description, active = 1 FROM temp.icd10cm_release r"
		" WHERE r.code = icd10cm.code AND icd10cm.description <> r.description", 0, 0, &reworded) != 0 ||
	    run_release_sql(db,
		"UPDATE icd10cm SET active = 1 WHERE active = 0 AND code IN (SELECT code FROM temp.icd10cm_release)",
		0, 0, &reactivated) != 0 ||
	    run_release_sql(db,
		"UPDATE icd10cm SET active = 0 WHERE active = 1 AND code NOT IN (SELECT code FROM temp.icd10cm_release)",
		0, 0, &s->retired) != 0 ||
	    run_release_sql(db,
		"UPDATE icd10cm SET last_release = ?1"
		" WHERE last_release < ?1 AND code IN (SELECT code FROM temp.icd10cm_release)", release, 0, NULL) != 0)
		return -1;
	s->updated = reworded + reactivated;
	return 0;
}

static int apply_release(emr_db *db, const icd_release *r, int release, emr_icd10_stats *s)
{
	int newest;
	if (newest_release(db, &newest) != 0 || stage_release(db, r) != 0)
		return -1;
	/* A release older than one already loaded fills in history only: it
	 * must not bring back codes the newer release dropped, nor its older
	 * wording.  Its new codes are kept, inactive. */
	bool current = release >= newest;
	if (current && apply_current(db, release, s) != 0)
		return -1;
	if (run_release_sql(db,
		"UPDATE icd10cm SET first_release = ?1"
		" WHERE first_release > ?1 AND code IN (SELECT code FROM temp.icd10cm_release)", release, 0, NULL) != 0 ||
	    run_release_sql(db,
		"INSERT INTO icd10cm(code, description, first_release, last_release, active)"
		" SELECT code, description, ?1, ?1, ?2 FROM temp.icd10cm_release r"
		" WHERE NOT EXISTS (SELECT 1 FROM icd10cm i WHERE i.code = r.code) ORDER BY r.rowid",
		release, current, &s->added) != 0 ||
	    run_release_sql(db, "DELETE FROM temp.icd10cm_release", 0, 0, NULL) != 0)
		return -1;
	s->unchanged = (long)r->n - s->added - s->updated;
	return 0;
}

static int load_named(emr_db *db, const char *name, const char *text, size_t len, int release,
                      emr_icd10_stats *stats)
{
	emr_icd10_stats s = {.release = release};
	if (stats)
		*stats = s;
	if (release < ICD10_FIRST_RELEASE || release > ICD10_LAST_RELEASE) {
		emr_db_set_error(db, "%s: %d is not an ICD-10-CM fiscal year (%d-%d)", name, release,
		                 ICD10_FIRST_RELEASE, ICD10_LAST_RELEASE);
		return -1;
	}
	icd_release r = {0};
	if (parse_release(db, name, text, len, &r) != 0) {
		release_free(&r);
		return -1;
	}
	if (emr_tx_begin(db) != 0) {
		release_free(&r);
		return -1;
	}
	int rc = apply_release(db, &r, release, &s);
	release_free(&r);
	if (rc != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	if (emr_tx_commit(db) != 0)
		return -1;
	if (stats)
		*stats = s;
	return 0;
}

int emr_icd10_load(emr_db *db, const char *text, size_t len, int release, emr_icd10_stats *stats)
{
	char name[48];
	snprintf(name, sizeof name, "ICD-10-CM %d", release);
	return load_named(db, name, text, len, release, stats);
}

int emr_icd10_load_builtin(emr_db *db, emr_icd10_stats *stats)
{
	return load_named(db, "ICD-10-CM 2026 (built in)", emr_icd10cm_2026, EMR_BLOB_LEN(emr_icd10cm_2026), 2026,
	                  stats);
}

/* The fiscal year in a name like icd10cm_codes_2027.txt: 4 digits after
 * an underscore, not followed by another digit.  0 if none. */
static int release_from_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	int found = 0;
	for (const char *p = strchr(base, '_'); p; p = strchr(p + 1, '_')) {
		const char *d = p + 1;
		if (isdigit((unsigned char)d[0]) && isdigit((unsigned char)d[1]) && isdigit((unsigned char)d[2]) &&
		    isdigit((unsigned char)d[3]) && !isdigit((unsigned char)d[4]))
			found = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	}
	return found;
}

int emr_icd10_import_file(emr_db *db, const char *path, int release, emr_icd10_stats *stats)
{
	if (emr_permit(db, EMR_PERM_ADMIN, "codes import") != 0)
		return -1;
	if (stats)
		*stats = (emr_icd10_stats){.release = release};
	if (release == 0 && (release = release_from_name(path)) == 0) {
		emr_db_set_error(db, "%s: cannot tell the release year from the file name; give it with --release YEAR",
		                 path);
		return -1;
	}
	size_t len = 0;
	char *text = emr_read_file(path, ICD10_MAX_FILE, &len);
	if (!text) {
		if (errno == EFBIG)
			emr_db_set_error(db, "%s: larger than %u MB; this is not an ICD-10-CM codes file", path,
			                 ICD10_MAX_FILE >> 20);
		else
			emr_db_set_error(db, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = load_named(db, path, text, len, release, stats);
	free(text);
	return rc;
}

/* --------------------------------------------------------- search */

/* Appends each word of q (runs of letters, digits and combining marks,
 * the same split FTS5's unicode61 tokenizer makes) to fts as a quoted
 * prefix term "word"*, lower-cased.  The first word also goes to first.
 * Returns the number of words, or -1 if q is not UTF-8. */
static int fts_query(const char *q, emr_sb *fts, char *first, size_t firstn)
{
	size_t len = strlen(q);
	if (!emr_utf8_valid(q, len))
		return -1;
	const uint8_t *p = (const uint8_t *)q, *end = p + len;
	int words = 0;
	bool in_word = false;
	*first = '\0';
	emr_sb word = EMR_SB_INIT;
	while (p <= end && words < SEARCH_MAX_WORDS) {
		ucs4_t c = 0;
		int k = 1;
		bool part = false;
		if (p < end) {
			k = u8_mbtouc(&c, p, (size_t)(end - p));
			part = uc_is_alnum(c) || uc_is_general_category(c, UC_CATEGORY_M);
		}
		if (part) {
			if (c < 0x80)
				emr_sb_putc(&word, (char)tolower((int)c));
			else
				emr_sb_appendn(&word, (const char *)p, (size_t)k);
			in_word = true;
		} else if (in_word) {
			/* Quoted, so words like AND, OR, NOT or NEAR stay words;
			 * a word holds no quote character to escape. */
			emr_sb_printf(fts, "%s\"%s\"*", words ? " " : "", emr_sb_str(&word));
			if (!words)
				emr_strlcpy(first, emr_sb_str(&word), firstn);
			words++;
			emr_sb_free(&word);
			in_word = false;
		}
		p += k;
	}
	emr_sb_free(&word);
	return words;
}

/* Exact code first, then every code it begins ("E11" lists E1100 ...
 * E119), in code order.  Codes use only A-Z and 0-9, so every code with
 * the prefix sorts below prefix + "~". */
static int search_code_prefix(emr_db *db, const char *prefix, int limit, bool include_inactive,
                              emr_code_list *out)
{
	char upper[16];
	snprintf(upper, sizeof upper, "%s~", prefix);
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT code, description, active FROM icd10cm"
		" WHERE code >= ?1 AND code < ?2 AND (active = 1 OR ?3) ORDER BY code LIMIT ?4");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, upper, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, include_inactive);
	sqlite3_bind_int(st, 4, limit);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		list_push_row(out, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "searching ICD-10-CM codes");
}

/* Word-prefix search of descriptions.  bm25 alone ranks "type 2 diab"
 * badly: the prefix diab* also matches "diabetic", so the long "...with
 * diabetic nephropathy" codes outscore E11.9.  The order therefore adds
 * to bm25 (negative: lower is better) a cost per code character (a short
 * code is a general one, what a clinician usually means first) and
 * bonuses for a description that starts with the first word and for the
 * default codes of a category ("unspecified", "without complications",
 * "uncomplicated").  On 85 common primary-care searches this puts the
 * expected code first in 60 and in the top three in 71, against 37 and
 * 56 for bm25 then code length. */
static int search_text(emr_db *db, const char *query, int limit, bool include_inactive, emr_code_list *out)
{
	emr_sb fts = EMR_SB_INIT;
	char first[128];
	int words = fts_query(query, &fts, first, sizeof first - 1);
	if (words < 0) {
		emr_sb_free(&fts);
		emr_db_set_error(db, "search: the query is not valid UTF-8 text");
		return -1;
	}
	if (words == 0) {
		emr_sb_free(&fts);
		return 0;
	}
	strcat(first, "%");  /* LIKE pattern; words hold no % or _ */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT i.code, i.description, i.active FROM icd10cm_fts JOIN icd10cm i ON i.id = icd10cm_fts.rowid"
		" WHERE icd10cm_fts MATCH ?1 AND (i.active = 1 OR ?2)"
		" ORDER BY bm25(icd10cm_fts) + 2.0 * length(i.code) - 4.0 * (i.description LIKE ?3)"
		"   - 2.0 * (i.description LIKE '%unspecified%' OR i.description LIKE '%without complication%'"
		"            OR i.description LIKE '%uncomplicated%'), i.code"
		" LIMIT ?4");
	if (!st) {
		emr_sb_free(&fts);
		return -1;
	}
	sqlite3_bind_text(st, 1, emr_sb_str(&fts), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, include_inactive);
	sqlite3_bind_text(st, 3, first, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, limit);
	emr_sb_free(&fts);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		list_push_row(out, st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "searching ICD-10-CM codes");
}

int emr_icd10_search(emr_db *db, const char *query, int limit, bool include_inactive, emr_code_list *out)
{
	limit = clamp_limit(limit);
	if (!query)
		return 0;
	char prefix[9];
	if (icd10_squash(query, prefix, sizeof prefix, true)) {
		size_t before = out->n;
		if (search_code_prefix(db, prefix, limit, include_inactive, out) != 0)
			return -1;
		/* "b12" looks like a code but is none: search the words. */
		if (out->n > before)
			return 0;
	}
	return search_text(db, query, limit, include_inactive, out);
}

bool emr_icd10_lookup(emr_db *db, const char *code, emr_code_hit *out)
{
	char c[9];
	if (!code || !emr_icd10_normalize(code, c, sizeof c))
		return false;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT code, description, active FROM icd10cm WHERE code = ?1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, c, -1, SQLITE_TRANSIENT);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found && out) {
		memset(out, 0, sizeof *out);
		emr_col_copy(st, 0, out->code, sizeof out->code);
		emr_col_copy(st, 1, out->text, sizeof out->text);
		out->active = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_reset(st);
	return found;
}

/* --------------------------------------------------- TSV tables */

#define TSV_MAX_FIELDS 12

typedef struct tsv_row {
	char *f[TSV_MAX_FIELDS];
	int n;
	long line;
} tsv_row;

/* Walks a TAB-separated table held in a private, writable copy: checks
 * the header line and calls fn for every data row, stopping at the first
 * failure.  Rows must have exactly as many fields as the header. */
static int tsv_each(emr_db *db, const char *name, const char *blob, size_t len, const char *header,
                    int (*fn)(emr_db *db, const char *name, const tsv_row *row))
{
	char *text = emr_xmalloc(len + 1);
	memcpy(text, blob, len);
	text[len] = '\0';
	int want = 1, rc = 0;
	for (const char *h = header; *h; h++)
		want += *h == '\t';
	char *p = text;
	long lineno = 0;
	while (*p && rc == 0) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		size_t n = strlen(p);
		if (n && p[n - 1] == '\r')
			p[--n] = '\0';
		lineno++;
		if (lineno == 1) {
			if (strcmp(p, header) != 0) {
				emr_db_set_error(db, "%s line 1: the header is not \"%s\"", name, header);
				rc = -1;
			}
		} else if (n > 0) {
			tsv_row row = {.line = lineno};
			for (char *f = p; f && row.n < TSV_MAX_FIELDS; row.n++) {
				row.f[row.n] = f;
				f = strchr(f, '\t');
				if (f)
					*f++ = '\0';
			}
			if (row.n != want || !emr_utf8_valid(p, strlen(p))) {
				emr_db_set_error(db, "%s line %ld: expected %d TAB-separated fields", name, lineno, want);
				rc = -1;
			} else {
				rc = fn(db, name, &row);
			}
		}
		p = nl ? nl + 1 : p + n;
	}
	free(text);
	return rc;
}

/* Binds a decimal field, or NULL when empty; false if not a number. */
static bool bind_real(sqlite3_stmt *st, int idx, const char *s, double *out)
{
	*out = NAN;
	if (!*s)
		return sqlite3_bind_null(st, idx) == SQLITE_OK;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v))
		return false;
	*out = v;
	return sqlite3_bind_double(st, idx, v) == SQLITE_OK;
}

/* LOINC codes end in a mod-10 check digit (the Luhn scheme, per the
 * LOINC Users' Guide); a mistyped code almost always fails it. */
static bool loinc_check_digit_ok(const char *code)
{
	const char *dash = strchr(code, '-');
	if (!dash || dash == code || dash - code > 7 || !isdigit((unsigned char)dash[1]) || dash[2])
		return false;
	int sum = 0;
	bool twice = true;  /* the rightmost digit of the body is doubled */
	for (const char *p = dash - 1; p >= code; p--) {
		if (!isdigit((unsigned char)*p))
			return false;
		int d = *p - '0';
		if (twice)
			d = d * 2 > 9 ? d * 2 - 9 : d * 2;
		sum += d;
		twice = !twice;
	}
	return (10 - sum % 10) % 10 == dash[1] - '0';
}

enum { L_CODE, L_NAME, L_SHORT, L_KIND, L_UNIT, L_PLO, L_PHI, L_RLO, L_RHI, L_PANEL, L_SORT };

static int loinc_row(emr_db *db, const char *name, const tsv_row *r)
{
	char *const *f = r->f;
	if (!loinc_check_digit_ok(f[L_CODE])) {
		emr_db_set_error(db, "%s line %ld: \"%s\" is not a LOINC code (check digit)", name, r->line, f[L_CODE]);
		return -1;
	}
	if (!*f[L_NAME] || !*f[L_SHORT] || !*f[L_UNIT] ||
	    (strcmp(f[L_KIND], "vital") != 0 && strcmp(f[L_KIND], "lab") != 0)) {
		emr_db_set_error(db, "%s line %ld: %s needs a name, short name, unit and kind vital or lab", name,
		                 r->line, f[L_CODE]);
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO loinc(code, name, short_name, kind, unit, plausible_low, plausible_high, ref_low, ref_high,"
		" panel, sort_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
		" ON CONFLICT(code) DO UPDATE SET name = excluded.name, short_name = excluded.short_name,"
		" kind = excluded.kind, unit = excluded.unit, plausible_low = excluded.plausible_low,"
		" plausible_high = excluded.plausible_high, ref_low = excluded.ref_low, ref_high = excluded.ref_high,"
		" panel = excluded.panel, sort_order = excluded.sort_order");
	if (!st)
		return -1;
	for (int i = L_CODE; i <= L_UNIT; i++)
		sqlite3_bind_text(st, i + 1, f[i], -1, SQLITE_TRANSIENT);
	double v[4];
	for (int i = 0; i < 4; i++) {
		if (!bind_real(st, L_PLO + i + 1, f[L_PLO + i], &v[i])) {
			emr_db_set_error(db, "%s line %ld: %s: \"%s\" is not a number", name, r->line, f[L_CODE],
			                 f[L_PLO + i]);
			return -1;
		}
	}
	if ((!isnan(v[0]) && !isnan(v[1]) && v[0] >= v[1]) || (!isnan(v[2]) && !isnan(v[3]) && v[2] > v[3]) ||
	    isnan(v[0]) != isnan(v[1])) {
		emr_db_set_error(db, "%s line %ld: %s: a range has its low end above its high end (or one end only)",
		                 name, r->line, f[L_CODE]);
		return -1;
	}
	sqlite3_bind_text(st, 10, f[L_PANEL], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 11, atoi(f[L_SORT]));
	return step_done(db, st, "loading the LOINC table");
}

static int cvx_row(emr_db *db, const char *name, const tsv_row *r)
{
	char *const *f = r->f;
	size_t clen = strlen(f[0]);
	bool digits = clen >= 1 && clen <= 3 && strspn(f[0], "0123456789") == clen;
	if (!digits || !*f[1] || !*f[2] || (strcmp(f[3], "0") != 0 && strcmp(f[3], "1") != 0)) {
		emr_db_set_error(db, "%s line %ld: expected a 1-3 digit CVX code, short name, full name and active 0 or 1",
		                 name, r->line);
		return -1;
	}
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO cvx(code, short_name, full_name, active) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(code) DO UPDATE SET short_name = excluded.short_name, full_name = excluded.full_name,"
		" active = excluded.active");
	if (!st)
		return -1;
	for (int i = 0; i < 3; i++)
		sqlite3_bind_text(st, i + 1, f[i], -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, f[3][0] == '1');
	return step_done(db, st, "loading the CVX table");
}

int emr_codes_load_builtin_loinc_cvx(emr_db *db)
{
	if (emr_tx_begin(db) != 0)
		return -1;
	if (tsv_each(db, "data/loinc.tsv", emr_loinc_tsv, EMR_BLOB_LEN(emr_loinc_tsv),
	             "code\tname\tshort_name\tkind\tunit\tplausible_low\tplausible_high\tref_low\tref_high\tpanel\tsort_order",
	             loinc_row) != 0 ||
	    tsv_each(db, "data/cvx.tsv", emr_cvx_tsv, EMR_BLOB_LEN(emr_cvx_tsv),
	             "code\tshort_name\tfull_name\tactive", cvx_row) != 0) {
		emr_tx_rollback(db);
		return -1;
	}
	return emr_tx_commit(db);
}

/* ------------------------------------------------------------ LOINC */

#define LOINC_COLS "code, name, short_name, kind, unit, plausible_low, plausible_high, ref_low, ref_high, panel"

static void loinc_from_row(sqlite3_stmt *st, emr_loinc *l)
{
	memset(l, 0, sizeof *l);
	emr_col_copy(st, 0, l->code, sizeof l->code);
	emr_col_copy(st, 1, l->name, sizeof l->name);
	emr_col_copy(st, 2, l->short_name, sizeof l->short_name);
	emr_col_copy(st, 3, l->kind, sizeof l->kind);
	emr_col_copy(st, 4, l->unit, sizeof l->unit);
	/* A range counts only with both ends: a one-sided one (HDL >= 40)
	 * cannot be told apart from "none" in this struct. */
	l->has_plausible = sqlite3_column_type(st, 5) != SQLITE_NULL && sqlite3_column_type(st, 6) != SQLITE_NULL;
	l->plausible_low = sqlite3_column_double(st, 5);
	l->plausible_high = sqlite3_column_double(st, 6);
	l->has_ref_low = sqlite3_column_type(st, 7) != SQLITE_NULL;
	l->has_ref_high = sqlite3_column_type(st, 8) != SQLITE_NULL;
	l->ref_low = sqlite3_column_double(st, 7);
	l->ref_high = sqlite3_column_double(st, 8);
	emr_col_copy(st, 9, l->panel, sizeof l->panel);
}

bool emr_loinc_lookup(emr_db *db, const char *code, emr_loinc *out)
{
	char c[16];
	if (!code || !trim_copy(code, c, sizeof c))
		return false;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " LOINC_COLS " FROM loinc WHERE code = ?1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, c, -1, SQLITE_TRANSIENT);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found && out)
		loinc_from_row(st, out);
	sqlite3_reset(st);
	return found;
}

/* How well a short name matches the query, loosest last. */
enum { M_NONE, M_SUBSTRING, M_WORD_PREFIX, M_WORD, M_EXACT };

static bool starts_with_ci(const char *s, const char *prefix, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i]))
			return false;
	return true;
}

static bool contains_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);
	for (; *s; s++)
		if (starts_with_ci(s, needle, n))
			return true;
	return false;
}

static int short_name_match(const char *name, const char *q)
{
	size_t qn = strlen(q);
	if (strlen(name) == qn && starts_with_ci(name, q, qn))
		return M_EXACT;
	int best = M_NONE;
	for (const char *w = name; *w;) {
		while (*w && !isalnum((unsigned char)*w))
			w++;
		size_t wn = 0;
		while (isalnum((unsigned char)w[wn]))
			wn++;
		if (wn && wn >= qn && starts_with_ci(w, q, qn)) {
			int m = wn == qn ? M_WORD : M_WORD_PREFIX;
			if (m > best)
				best = m;
		}
		w += wn;
	}
	/* Substrings only from 3 characters ("a1c" in HbA1c); shorter ones
	 * match too much to mean anything. */
	if (best == M_NONE && qn >= 3 && contains_ci(name, q))
		best = M_SUBSTRING;
	return best;
}

bool emr_loinc_find(emr_db *db, const char *query, emr_loinc *out)
{
	char q[81];
	if (!query || !trim_copy(query, q, sizeof q) || !*q)
		return false;
	if (emr_loinc_lookup(db, q, out))
		return true;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT code, short_name FROM loinc ORDER BY sort_order, code");
	if (!st)
		return false;
	/* The best match level wins; two codes at that level is ambiguous,
	 * and an ambiguous answer is no answer for a clinical value. */
	int best = M_NONE, count = 0;
	char code[16] = "";
	while (sqlite3_step(st) == SQLITE_ROW) {
		int m = short_name_match(emr_col_text(st, 1), q);
		if (m == M_NONE || m < best)
			continue;
		if (m > best) {
			best = m;
			count = 0;
		}
		if (++count == 1)
			emr_col_copy(st, 0, code, sizeof code);
	}
	sqlite3_reset(st);
	return count == 1 && emr_loinc_lookup(db, code, out);
}

/* -------------------------------------------------------------- CVX */

bool emr_cvx_lookup(emr_db *db, const char *code, emr_code_hit *out)
{
	char c[8];
	if (!code || !trim_copy(code, c, sizeof c) || !*c || strlen(c) > 3 || strspn(c, "0123456789") != strlen(c))
		return false;
	/* By value, so "3" finds MMR, stored as "03" the way CDC writes it. */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT code, short_name, active FROM cvx WHERE CAST(code AS INTEGER) = ?1 ORDER BY length(code) LIMIT 1");
	if (!st)
		return false;
	sqlite3_bind_int(st, 1, atoi(c));
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found && out) {
		memset(out, 0, sizeof *out);
		emr_col_copy(st, 0, out->code, sizeof out->code);
		emr_col_copy(st, 1, out->text, sizeof out->text);
		out->active = sqlite3_column_int(st, 2) != 0;
	}
	sqlite3_reset(st);
	return found;
}

/* Where word (n characters) occurs in text: 2 at the start of a word,
 * 1 inside one (only for 3 or more characters: "flu" in influenza; a
 * shorter one inside words matches nearly everything), else 0. */
static int word_hit(const char *text, const char *word, size_t n)
{
	int best = 0;
	for (const char *w = text; *w && best < 2; w++) {
		if (!starts_with_ci(w, word, n))
			continue;
		if (w == text || !isalnum((unsigned char)w[-1]))
			best = 2;
		else if (n >= 3)
			best = 1;
	}
	return best;
}

/* How well q matches a vaccine: every word must occur in the short or
 * the full name; words in the short name (what the CDC table calls the
 * vaccine) count more, so "flu" ranks influenza vaccines above the Hib
 * ones whose full name says "Haemophilus influenzae".  0 = no match. */
static int cvx_score(const char *short_name, const char *full_name, const char *q)
{
	int score = 1;
	for (const char *p = q; *p;) {
		while (*p && !isalnum((unsigned char)*p))
			p++;
		size_t n = 0;
		while (isalnum((unsigned char)p[n]))
			n++;
		if (!n)
			break;
		int s = word_hit(short_name, p, n);
		if (s)
			score += 2 + s;
		else if (!word_hit(full_name, p, n))
			return 0;
		p += n;
	}
	return score;
}

typedef struct cvx_match {
	emr_code_hit hit;
	int score;
	size_t order;  /* table order (active first, then code) breaks ties */
} cvx_match;

static int cmp_cvx_match(const void *a, const void *b)
{
	const cvx_match *x = a, *y = b;
	if (x->hit.active != y->hit.active)
		return x->hit.active ? -1 : 1;
	if (x->score != y->score)
		return y->score - x->score;
	return x->order < y->order ? -1 : x->order > y->order;
}

int emr_cvx_search(emr_db *db, const char *query, int limit, emr_code_list *out)
{
	limit = clamp_limit(limit);
	char q[128];
	if (!query || !trim_copy(query, q, sizeof q)) {
		emr_db_set_error(db, "search: the query is too long");
		return -1;
	}
	if (*q && strspn(q, "0123456789") == strlen(q)) {
		emr_code_hit hit;
		if (emr_cvx_lookup(db, q, &hit))
			*list_push(out) = hit;
		return 0;
	}
	/* The table is a few dozen rows: scoring in C is simpler than SQL
	 * and keeps the rules above exact. */
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT code, short_name, active, full_name FROM cvx ORDER BY active DESC, CAST(code AS INTEGER)");
	if (!st)
		return -1;
	cvx_match *m = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int score = cvx_score(emr_col_text(st, 1), emr_col_text(st, 3), q);
		if (!score)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			m = emr_xrealloc(m, cap * sizeof *m);
		}
		memset(&m[n], 0, sizeof m[n]);
		emr_col_copy(st, 0, m[n].hit.code, sizeof m[n].hit.code);
		emr_col_copy(st, 1, m[n].hit.text, sizeof m[n].hit.text);
		m[n].hit.active = sqlite3_column_int(st, 2) != 0;
		m[n].score = score;
		m[n].order = n;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(m);
		return emr_db_fail(db, "searching CVX codes");
	}
	if (n)
		qsort(m, n, sizeof *m, cmp_cvx_match);
	for (size_t i = 0; i < n && (int)i < limit; i++)
		*list_push(out) = m[i].hit;
	free(m);
	return 0;
}
