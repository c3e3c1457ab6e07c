/* fhir_import: FHIR R4 Bundles and NDJSON into a practice.  What is
 * mapped, what is kept, and what is refused is described in
 * include/emr/fhir_import.h.
 *
 * A file is read whole (after a size check) and parsed by jansson (a
 * Bundle at once, NDJSON a line at a time); then, in one transaction, it
 * is checked (resource types, dates, fullUrls, references, what was
 * received before, matching patients) and written: Practitioners and
 * Organizations first (they name authors), then Patients, Appointments,
 * Encounters, the clinical records, notes, addenda, and everything else.
 * Any refusal rolls the whole file back. */
#include "emr/fhir_import.h"

#include "emr/audit.h"
#include "emr/clinical.h"
#include "emr/datetime.h"
#include "emr/fhir.h"
#include "emr/normalize.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------ a string map */

/* Open addressing, string -> entry index; keys are borrowed. */
typedef struct strmap {
	const char **keys;
	long *vals;
	size_t cap, n;
} strmap;

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void strmap_free(strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static long strmap_get(const strmap *m, const char *key)
{
	if (!m->cap)
		return -1;
	for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i])
			return -1;
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	}
}

/* Adds key unless present; returns the existing value, or -1 when added. */
static long strmap_put(strmap *m, const char *key, long val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 64;
		strmap bigger = {emr_xcalloc(ncap, sizeof(char *)), emr_xcalloc(ncap, sizeof(long)), ncap, 0};
		for (size_t i = 0; i < m->cap; i++)
			if (m->keys[i])
				strmap_put(&bigger, m->keys[i], m->vals[i]);
		strmap_free(m);
		*m = bigger;
	}
	for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->keys[i]) {
			m->keys[i] = key;
			m->vals[i] = val;
			m->n++;
			return -1;
		}
		if (strcmp(m->keys[i], key) == 0)
			return m->vals[i];
	}
}

/* ------------------------------------------------------------ JSON helpers */

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* o.a.b with numeric parts indexing arrays: jget(r, "code.coding.0.code"). */
static json_t *jget(const json_t *o, const char *path)
{
	json_t *cur = (json_t *)o;
	char part[64];
	while (cur && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof part)
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		path += n + (path[n] == '.');
		if (json_is_array(cur) && isdigit((unsigned char)part[0]))
			cur = json_array_get(cur, (size_t)atoi(part));
		else if (json_is_object(cur))
			cur = json_object_get(cur, part);
		else
			return NULL;
	}
	return cur;
}

static const char *jgets(const json_t *o, const char *path)
{
	json_t *v = jget(o, path);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool jnum(const json_t *v, double *out)
{
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out);
}

/* Copies at most n-1 bytes, never splitting a UTF-8 sequence. */
static void copy_text(char *dst, const char *src, size_t n)
{
	emr_strlcpy(dst, src ? src : "", n);
}

/* The coding of a CodeableConcept in system (NULL: the first coding). */
static json_t *cc_coding(const json_t *cc, const char *system)
{
	json_t *codings = json_is_object(cc) ? json_object_get(cc, "coding") : NULL;
	size_t i;
	json_t *c;
	json_array_foreach(codings, i, c) {
		const char *s = jstr(c, "system");
		if (!system || (s && strcmp(s, system) == 0))
			return c;
	}
	return NULL;
}

/* What a person reads for a CodeableConcept: its text, else a display. */
static const char *cc_text(const json_t *cc)
{
	const char *t = jstr(cc, "text");
	if (t && *t)
		return t;
	json_t *codings = json_is_object(cc) ? json_object_get(cc, "coding") : NULL;
	size_t i;
	json_t *c;
	json_array_foreach(codings, i, c) {
		const char *d = jstr(c, "display");
		if (d && *d)
			return d;
	}
	return NULL;
}

static const char *cc_code(const json_t *cc, const char *system)
{
	return jstr(cc_coding(cc, system), "code");
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= max && strspn(s, "0123456789") == n;
}

/* A HumanName as "Dr. Given Family" (text when given). */
static void human_name(const json_t *names, char *buf, size_t n)
{
	buf[0] = '\0';
	const json_t *hn = json_is_array(names) ? json_array_get(names, 0) : names;
	if (!json_is_object(hn))
		return;
	const char *text = jstr(hn, "text");
	if (text && *text) {
		copy_text(buf, text, n);
		return;
	}
	emr_sb sb = EMR_SB_INIT;
	const char *parts[] = {"prefix", "given"};
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *g;
		json_array_foreach(json_object_get(hn, parts[k]), i, g) {
			if (json_is_string(g)) {
				if (sb.len)
					emr_sb_putc(&sb, ' ');
				emr_sb_append(&sb, json_string_value(g));
			}
		}
	}
	const char *family = jstr(hn, "family");
	if (family) {
		if (sb.len)
			emr_sb_putc(&sb, ' ');
		emr_sb_append(&sb, family);
	}
	copy_text(buf, emr_sb_str(&sb), n);
	emr_sb_free(&sb);
}

/* ------------------------------------------------------------ dates */

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int mdays(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static bool ndigits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* A FHIR date, dateTime or instant: YYYY, YYYY-MM, YYYY-MM-DD, or
 * YYYY-MM-DDThh:mm[:ss[.f...]](Z|+hh:mm|-hh:mm).  Fills the parts;
 * *prec is 1 (year), 2 (month), 3 (day) or 4 (time). */
typedef struct fdt {
	int y, mo, d, h, mi, s, prec;
	int off_min;   /* minutes east of UTC */
} fdt;

static bool fdt_parse(const char *s, fdt *t)
{
	memset(t, 0, sizeof *t);
	t->mo = t->d = 1;
	size_t n = strlen(s);
	if (n < 4 || !ndigits(s, 4, &t->y) || t->y < 1)
		return false;
	t->prec = 1;
	if (n == 4)
		return true;
	if (s[4] != '-' || n < 7 || !ndigits(s + 5, 2, &t->mo) || t->mo < 1 || t->mo > 12)
		return false;
	t->prec = 2;
	if (n == 7)
		return true;
	if (s[7] != '-' || n < 10 || !ndigits(s + 8, 2, &t->d) || t->d < 1 || t->d > mdays(t->y, t->mo))
		return false;
	t->prec = 3;
	if (n == 10)
		return true;
	if (s[10] != 'T' || n < 16 || !ndigits(s + 11, 2, &t->h) || s[13] != ':' || !ndigits(s + 14, 2, &t->mi) ||
	    t->h > 23 || t->mi > 59)
		return false;
	const char *p = s + 16;
	if (*p == ':') {
		if (!ndigits(p + 1, 2, &t->s) || t->s > 60)
			return false;
		if (t->s == 60)
			t->s = 59;   /* a leap second: the instant before it */
		p += 3;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	t->prec = 4;
	/* FHIR wants a zone with a time; one without is read as UTC rather
	 * than refusing the file over it. */
	if ((*p == 'Z' && p[1] == '\0') || *p == '\0')
		return true;
	int oh, om;
	if ((*p == '+' || *p == '-') && strlen(p) == 6 && ndigits(p + 1, 2, &oh) && p[3] == ':' &&
	    ndigits(p + 4, 2, &om) && oh <= 14 && om <= 59) {
		t->off_min = (*p == '-' ? -1 : 1) * (oh * 60 + om);
		return true;
	}
	return false;
}

/* The calendar date as written ("2019-07-24T05:54:48+00:00" -> 2019-07-24;
 * "2019" -> 2019-01-01). */
static void fdt_date(const fdt *t, char *out)
{
	char tmp[40];
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", t->y % 10000, t->mo % 100, t->d % 100);
	copy_text(out, tmp, EMR_DATE_LEN);
}

/* The UTC instant; a date without a time is taken at 12:00 UTC, which is
 * the same calendar day in every US time zone. */
static void fdt_instant(const fdt *t, char *out)
{
	struct tm tm = {0};
	tm.tm_year = t->y - 1900;
	tm.tm_mon = t->mo - 1;
	tm.tm_mday = t->d;
	tm.tm_hour = t->prec >= 4 ? t->h : 12;
	tm.tm_min = t->prec >= 4 ? t->mi : 0;
	tm.tm_sec = t->prec >= 4 ? t->s : 0;
	time_t secs = timegm(&tm) - (time_t)t->off_min * 60;
	emr_instant_format(secs, out);
}

/* Keys whose string values are FHIR dates, dateTimes or instants. */
static bool date_key(const char *k)
{
	static const char *const exact[] = {"date", "start", "end", "issued", "authoredOn", "recorded", "lastUpdated",
	                                    "created", "timestamp", "birthDate", "occurrenceDateTime", NULL};
	for (size_t i = 0; exact[i]; i++)
		if (strcmp(k, exact[i]) == 0)
			return true;
	size_t n = strlen(k);
	return (n > 8 && strcmp(k + n - 8, "DateTime") == 0) || (n > 4 && strcmp(k + n - 4, "Date") == 0) ||
	       (n > 7 && strcmp(k + n - 7, "Instant") == 0);
}

/* ------------------------------------------------------------ the import state */

typedef struct entry {
	long index;             /* in the file, 0-based */
	json_t *res;            /* borrowed from the parsed document */
	const char *type;
	const char *full_url;   /* may be NULL */
	char *key;              /* identity key (heap) */
	char *ident;            /* the urn:emr identity "system|value", or NULL (heap) */
	const char *raw;        /* an NDJSON line as it was in the file (borrowed), or NULL */
	char hash[65];          /* BLAKE2b of the resource as stored (compact, in document order) */
	char *text;             /* a Bundle resource as stored, made once when indexed (heap), or NULL */
	long line;              /* NDJSON: its line, 1-based; 0 in a Bundle */
	bool scoped;            /* key is "Type/id@scope" */
	size_t raw_len;
	/* What it became. */
	bool already;           /* received before: nothing written */
	bool done;
	const char *table;      /* mapped table or NULL */
	int64_t row;
	int64_t patient_id;
	char *display;          /* what a reference to it reads as (heap), or NULL */
	const char *kept_reason;  /* why it was kept only (a literal), or NULL */
	/* Patient matching. */
	int64_t merge_to;
	int phase;              /* when it is written: see phase_of() */
	char type_buf[65];
} entry;

static const char *disp(const entry *e)
{
	return e->display ? e->display : "";
}

static void set_display(entry *e, const char *v)
{
	free(e->display);
	e->display = NULL;
	if (v && *v) {
		char buf[201];
		copy_text(buf, v, sizeof buf);
		e->display = emr_xstrdup(buf);
	}
}

typedef struct state {
	emr_db *db;
	const emr_fhir_opts *opts;
	emr_fhir_result *res;
	const char *file;       /* base name */
	entry *e;
	size_t n;
	strmap refs;            /* fullUrl, Type/id, Type?identifier=s|v -> entry */
	char uid[33];           /* this installation's uid */
	char own_prefix[64];    /* "urn:emr:<uid>:" */
	char now[EMR_INSTANT_LEN];
	/* Ids without a server ("Patient/1") are only unique within their
	 * source: such names are scoped by the file's directory ("@" and 16
	 * hex digits of its hash), so two systems' exports never meet. */
	char scope[20];
	/* NDJSON is parsed a line at a time, when needed, and let go: a file
	 * of 150,000 lines is not held as 150,000 trees. */
	bool lazy;
	int64_t actor;
	int64_t max_patient_before;
	char **owned;           /* strings made for the refs map, freed at the end */
	size_t nowned, capowned;
} state;

static json_t *entry_res(state *s, entry *e);

static const char *own_str(state *s, char *str)
{
	if (s->nowned == s->capowned) {
		s->capowned = s->capowned ? s->capowned * 2 : 64;
		s->owned = emr_xrealloc(s->owned, s->capowned * sizeof *s->owned);
	}
	s->owned[s->nowned++] = str;
	return str;
}

/* Sets the result message (and the database error): "FILE: entry N (Type): ...". */
__attribute__((format(printf, 3, 4))) static int fail_at(state *s, const entry *e, const char *fmt, ...)
{
	char what[700];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (e && e->line)
		snprintf(s->res->message, sizeof s->res->message, "%s: entry %ld (%s, line %ld): %s", s->file, e->index,
		         e->type ? e->type : "?", e->line, what);
	else if (e)
		snprintf(s->res->message, sizeof s->res->message, "%s: entry %ld (%s): %s", s->file, e->index,
		         e->type ? e->type : "?", what);
	else
		snprintf(s->res->message, sizeof s->res->message, "%s: %s", s->file, what);
	emr_db_set_error(s->db, "%s", s->res->message);
	s->res->outcome = EMR_FHIR_REFUSED;
	return -1;
}

static emr_fhir_count *count_for(emr_fhir_result *r, const char *type)
{
	for (size_t i = 0; i < r->ncounts; i++)
		if (strcmp(r->counts[i].type, type) == 0)
			return &r->counts[i];
	r->counts = emr_xrealloc(r->counts, (r->ncounts + 1) * sizeof *r->counts);
	emr_fhir_count *c = &r->counts[r->ncounts++];
	memset(c, 0, sizeof *c);
	copy_text(c->type, type, sizeof c->type);
	return c;
}

/* ------------------------------------------------------------ references */

typedef struct target {
	bool found;
	entry *e;               /* in this file, or NULL (received before) */
	char type[65];
	const char *table;      /* what it became: a static table name or NULL */
	int64_t row, patient_id;
	char display[201];
} target;

static const char *const TABLES[] = {"patients", "encounters", "problems", "allergies", "medications", "observations",
                                     "immunizations", "procedures", "notes", "note_addenda", "appointments", "users",
                                     "encounter_diagnoses", NULL};

static const char *table_static(const char *t)
{
	for (size_t i = 0; t && TABLES[i]; i++)
		if (strcmp(TABLES[i], t) == 0)
			return TABLES[i];
	return NULL;
}

/* A key received before: by source_key or by one of the other names. */
static bool lookup_received(state *s, const char *key, target *t)
{
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"SELECT resource_type, mapped_table, mapped_id, patient_id, display FROM fhir_received WHERE source_key = ?1"
		" UNION ALL SELECT r.resource_type, r.mapped_table, r.mapped_id, r.patient_id, r.display"
		" FROM fhir_received_keys k JOIN fhir_received r ON r.id = k.received_id WHERE k.key = ?1 LIMIT 1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		memset(t, 0, sizeof *t);
		t->found = true;
		emr_col_copy(st, 0, t->type, sizeof t->type);
		t->table = table_static(emr_col_text(st, 1));
		t->row = sqlite3_column_int64(st, 2);
		t->patient_id = sqlite3_column_int64(st, 3);
		emr_col_copy(st, 4, t->display, sizeof t->display);
	}
	sqlite3_reset(st);
	return found;
}

/* "urn:emr:<our uid>:<table>|<id>": a row of this very database. */
static bool lookup_own(state *s, const char *system, const char *value, target *t)
{
	size_t n = strlen(s->own_prefix);
	if (!system || !value || strncmp(system, s->own_prefix, n) != 0 || !all_digits(value, 18))
		return false;
	const char *table = table_static(system + n);
	if (!table)
		return false;
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?1",
	         strcmp(table, "patients") == 0 ? "id" : strcmp(table, "users") == 0 ? "0" :
	         strcmp(table, "note_addenda") == 0 ? "(SELECT patient_id FROM notes WHERE id = note_id)" : "patient_id",
	         table);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(emr_db_sqlite(s->db), sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(st, 1, strtoll(value, NULL, 10));
	bool found = sqlite3_step(st) == SQLITE_ROW;
	if (found) {
		memset(t, 0, sizeof *t);
		t->found = true;
		t->table = table;
		t->row = strtoll(value, NULL, 10);
		t->patient_id = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return found;
}

static void target_from_entry(entry *e, target *t)
{
	memset(t, 0, sizeof *t);
	t->found = true;
	t->e = e;
	copy_text(t->type, e->type, sizeof t->type);
	t->table = e->table;
	t->row = e->row;
	t->patient_id = e->patient_id;
	copy_text(t->display, disp(e), sizeof t->display);
}

/* Finds what ref names: in this file, or received before.  Contained
 * ("#x") and unresolved conditional references are not found. */
static bool resolve(state *s, const char *ref, target *t)
{
	memset(t, 0, sizeof *t);
	if (!ref || !*ref || ref[0] == '#')
		return false;
	char buf[1024];
	copy_text(buf, ref, sizeof buf);
	char *hist = strstr(buf, "/_history/");
	if (hist)
		*hist = '\0';
	long i = strmap_get(&s->refs, buf);
	if (i < 0 && (strncmp(buf, "http://", 7) == 0 || strncmp(buf, "https://", 8) == 0)) {
		/* An absolute URL ending in Type/id. */
		char *slash = strrchr(buf, '/');
		if (slash && slash > buf) {
			char *prev = slash - 1;
			while (prev > buf && *prev != '/')
				prev--;
			if (*prev == '/')
				i = strmap_get(&s->refs, prev + 1);
		}
	}
	if (i >= 0) {
		target_from_entry(&s->e[i], t);
		return true;
	}
	bool relative = strchr(buf, '/') && strncmp(buf, "urn:", 4) != 0 && strncmp(buf, "http://", 7) != 0 &&
	                strncmp(buf, "https://", 8) != 0 && !strchr(buf, '?');
	if (relative) {
		char scoped[1100];
		snprintf(scoped, sizeof scoped, "%s%s", buf, s->scope);
		return lookup_received(s, scoped, t);
	}
	return lookup_received(s, buf, t);
}

/* The display a Reference carries, or the name of what it resolves to. */
static void ref_name(state *s, const json_t *reference, char *buf, size_t n)
{
	target t;
	buf[0] = '\0';
	if (resolve(s, jstr(reference, "reference"), &t) && t.display[0])
		copy_text(buf, t.display, n);
	else
		copy_text(buf, jstr(reference, "display"), n);
}

/* The user a Practitioner reference names, if it is one of ours. */
static int64_t ref_user(state *s, const json_t *reference)
{
	target t;
	if (resolve(s, jstr(reference, "reference"), &t) && t.table && strcmp(t.table, "users") == 0)
		return t.row;
	return 0;
}

/* ------------------------------------------------------------ checking */

/* Checks one member of an object: -1 (failed, reported), 0 (descend into
 * it) or 1 (checked; do not descend).  path names the member. */
typedef int (*member_check)(state *s, entry *e, const char *key, json_t *value, const char *path);

/* Walks every member of v depth first, building its path ("a.b[2].c")
 * in path[0..cap) from plen, and runs check on each. */
static int walk(state *s, entry *e, json_t *v, char *path, size_t plen, size_t cap, member_check check)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			int w = snprintf(path + plen, cap - plen, "%s%s", plen ? "." : "", k);
			size_t nlen = w < 0 || (size_t)w >= cap - plen ? plen : plen + (size_t)w;
			int r = check(s, e, k, c, path);
			if (r < 0 || (r == 0 && walk(s, e, c, path, nlen, cap, check) != 0))
				return -1;
			path[plen] = '\0';
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c) {
			int w = snprintf(path + plen, cap - plen, "[%zu]", i);
			size_t nlen = w < 0 || (size_t)w >= cap - plen ? plen : plen + (size_t)w;
			if (walk(s, e, c, path, nlen, cap, check) != 0)
				return -1;
			path[plen] = '\0';
		}
	}
	return 0;
}

/* Every date, dateTime and instant must be one that exists. */
static int date_member(state *s, entry *e, const char *key, json_t *value, const char *path)
{
	if (!json_is_string(value) || !date_key(key))
		return 0;
	fdt t;
	if (!fdt_parse(json_string_value(value), &t))
		return fail_at(s, e, "%s \"%s\": not a valid FHIR date/dateTime", path, json_string_value(value));
	return 1;
}

/* Every literal reference must name something in this file or received
 * before (conditional ones, "Type?...", are resolved later or kept). */
static int ref_member(state *s, entry *e, const char *key, json_t *value, const char *path)
{
	if (strcmp(key, "reference") != 0 || !json_is_string(value))
		return 0;
	const char *ref = json_string_value(value);
	target t;
	if (*ref && ref[0] != '#' && !strchr(ref, '?') && !resolve(s, ref, &t))
		return fail_at(s, e, "%s \"%s\": refers to nothing in this file or received before", path, ref);
	return 1;
}

static int check_dates(state *s, entry *e, json_t *v, char *path, size_t plen, size_t cap)
{
	return walk(s, e, v, path, plen, cap, date_member);
}

static int check_refs(state *s, entry *e, json_t *v, char *path, size_t plen, size_t cap)
{
	return walk(s, e, v, path, plen, cap, ref_member);
}

static char *hex_hash(const char *text)
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)text, strlen(text), NULL, 0);
	char *out = emr_xmalloc(65);
	sodium_bin2hex(out, 65, h, sizeof h);
	return out;
}

static char *stored_text(const json_t *res);

/* The entry's identity key and its names in the refs map. */
static int index_entry(state *s, entry *e)
{
	const char *id = jstr(e->res, "id");
	const char *fu = e->full_url;
	/* Serialised once: the same text is hashed here and stored by
	 * record(), which halves the cost of keeping every resource. */
	char *text = stored_text(e->res);
	char *h = hex_hash(text ? text : "");
	copy_text(e->hash, h, sizeof e->hash);
	free(h);
	if (e->raw)
		free(text);
	else
		e->text = text;
	if (fu && (strncmp(fu, "urn:uuid:", 9) == 0 || strncmp(fu, "urn:oid:", 8) == 0 || strncmp(fu, "http://", 7) == 0 ||
	           strncmp(fu, "https://", 8) == 0)) {
		e->key = emr_xstrdup(fu);
	} else if (id && *id) {
		emr_sb sb = EMR_SB_INIT;
		emr_sb_printf(&sb, "%s/%s%s", e->type, id, s->scope);
		e->key = emr_sb_take(&sb);
		e->scoped = true;
	} else {
		emr_sb sb = EMR_SB_INIT;
		emr_sb_printf(&sb, "%s#%s", e->type, e->hash);
		e->key = emr_sb_take(&sb);
	}
	if (strlen(e->key) > 4096)
		return fail_at(s, e, "fullUrl: longer than 4096 characters");
	/* What a reference to it reads as: a Condition's "Hypertension" as
	 * the reason of a medication ... (named resources: map_named). */
	const char *what = cc_text(json_object_get(e->res, "code"));
	if (what)
		set_display(e, what);
	if (fu && *fu) {
		long prev = strmap_put(&s->refs, fu, (long)(e - s->e));
		if (prev >= 0)
			return fail_at(s, e, "fullUrl \"%s\": also the fullUrl of entry %ld", fu, s->e[prev].index);
	}
	if (id && *id) {
		emr_sb sb = EMR_SB_INIT;
		emr_sb_printf(&sb, "%s/%s", e->type, id);
		strmap_put(&s->refs, own_str(s, emr_sb_take(&sb)), (long)(e - s->e));
	}
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(e->res, "identifier"), i, ident) {
		const char *sys = jstr(ident, "system"), *val = jstr(ident, "value");
		if (!val || !*val)
			continue;
		emr_sb sb = EMR_SB_INIT;
		emr_sb_printf(&sb, "%s?identifier=%s|%s", e->type, sys ? sys : "", val);
		strmap_put(&s->refs, own_str(s, emr_sb_take(&sb)), (long)(e - s->e));
		if (sys && strncmp(sys, EMR_FHIR_ID_BASE, strlen(EMR_FHIR_ID_BASE)) == 0 && strcmp(sys, EMR_FHIR_MRN) != 0 &&
		    !e->ident) {
			emr_sb sb2 = EMR_SB_INIT;
			emr_sb_printf(&sb2, "%s|%s", sys, val);
			e->ident = emr_sb_take(&sb2);
		}
	}
	return 0;
}

/* Was this entry received before (or is it one of our own rows)?  A
 * scoped name received before with other content is refused: the same
 * directory held another system's export, whose ids mean other things. */
static int find_already(state *s, entry *e)
{
	target t;
	if (e->scoped && !e->ident) {
		sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT content_hash, source_file, entry_index FROM fhir_received WHERE source_key = ?1");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, e->key, -1, SQLITE_TRANSIENT);
		int differs = 0;
		char file[256] = "";
		long idx = 0;
		if (sqlite3_step(st) == SQLITE_ROW && strcmp(emr_col_text(st, 0), e->hash) != 0) {
			differs = 1;
			emr_col_copy(st, 1, file, sizeof file);
			idx = (long)sqlite3_column_int64(st, 2);
		}
		sqlite3_reset(st);
		if (differs) {
			char name[200];
			copy_text(name, e->key, sizeof name);
			name[strcspn(name, "@")] = '\0';
			return fail_at(s, e, "id: %s was received before from this directory (%s, entry %ld) with other"
			               " content; an id without a server names one resource per source: import another"
			               " system's files from a directory of their own", name, file, idx);
		}
	}
	if (lookup_received(s, e->key, &t) || (e->ident && lookup_received(s, e->ident, &t))) {
		e->already = true;
		e->table = t.table;
		e->row = t.row;
		e->patient_id = t.patient_id;
		set_display(e, t.display);
		return 0;
	}
	if (e->ident) {
		char sys[512];
		copy_text(sys, e->ident, sizeof sys);
		char *bar = strrchr(sys, '|');
		if (bar) {
			*bar = '\0';
			if (lookup_own(s, sys, bar + 1, &t)) {
				e->already = true;
				e->table = t.table;
				e->row = t.row;
				e->patient_id = t.patient_id;
			}
		}
	}
	return 0;
}

/* ------------------------------------------------------------ patients */

/* The official (else first) HumanName of a Patient. */
static json_t *patient_name(const json_t *res)
{
	json_t *names = json_object_get(res, "name");
	size_t i;
	json_t *hn;
	json_array_foreach(names, i, hn) {
		const char *use = jstr(hn, "use");
		if (use && strcmp(use, "official") == 0)
			return hn;
	}
	return json_array_get(names, 0);
}

static void join_given(const json_t *hn, char *buf, size_t n, bool first_only)
{
	emr_sb sb = EMR_SB_INIT;
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(hn, "given"), i, g) {
		if (!json_is_string(g))
			continue;
		if (sb.len)
			emr_sb_putc(&sb, ' ');
		emr_sb_append(&sb, json_string_value(g));
		if (first_only)
			break;
	}
	copy_text(buf, emr_sb_str(&sb), n);
	emr_sb_free(&sb);
}

/* Family name, given names and date of birth, or -1 naming the field. */
static int patient_basics(state *s, entry *e, char *family, char *given, char *first, char *dob)
{
	json_t *hn = patient_name(e->res);
	copy_text(family, jstr(hn, "family"), EMR_NAME_MAX);
	join_given(hn, given, EMR_NAME_MAX, false);
	join_given(hn, first, EMR_NAME_MAX, true);
	if ((!*family || !*given) && jstr(hn, "text")) {
		/* "Peter James Chalmers": the last word is the family name. */
		char text[EMR_NAME_MAX];
		copy_text(text, jstr(hn, "text"), sizeof text);
		char *sp = strrchr(text, ' ');
		if (sp) {
			*sp = '\0';
			if (!*family)
				copy_text(family, sp + 1, EMR_NAME_MAX);
			if (!*given) {
				copy_text(given, text, EMR_NAME_MAX);
				copy_text(first, text, EMR_NAME_MAX);
				char *f = strchr(first, ' ');
				if (f)
					*f = '\0';
			}
		}
	}
	if (!*family || !*given)
		return fail_at(s, e, "name: a chart needs a family and a given name");
	const char *bd = jstr(e->res, "birthDate");
	fdt t;
	if (!bd)
		return fail_at(s, e, "birthDate: missing (a chart needs a date of birth)");
	if (!fdt_parse(bd, &t) || t.prec < 3)
		return fail_at(s, e, "birthDate \"%s\": a chart needs a full date of birth (YYYY-MM-DD)", bd);
	fdt_date(&t, dob);
	return 0;
}

static void add_candidate(emr_fhir_result *r, sqlite3_stmt *st, const char *why)
{
	int64_t id = sqlite3_column_int64(st, 0);
	for (size_t i = 0; i < r->ncandidates; i++)
		if (r->candidates[i].id == id)
			return;
	r->candidates = emr_xrealloc(r->candidates, (r->ncandidates + 1) * sizeof *r->candidates);
	emr_fhir_candidate *c = &r->candidates[r->ncandidates++];
	memset(c, 0, sizeof *c);
	c->id = id;
	emr_col_copy(st, 1, c->mrn, sizeof c->mrn);
	snprintf(c->name, sizeof c->name, "%s, %s", emr_col_text(st, 2), emr_col_text(st, 3));
	emr_col_copy(st, 4, c->dob, sizeof c->dob);
	copy_text(c->why, why, sizeof c->why);
}

/* Charts that may be this Patient: by identifier, by name and birth date.
 * Appends to s->res->candidates; returns how many this entry added. */
static int patient_candidates(state *s, entry *e, size_t *added)
{
	size_t before = s->res->ncandidates;
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(e->res, "identifier"), i, ident) {
		const char *sys = jstr(ident, "system"), *val = jstr(ident, "value");
		if (!val || !*val || (sys && strcmp(sys, EMR_FHIR_MRN) == 0))
			continue;   /* an MRN means something only within its own practice */
		sqlite3_stmt *st = emr_db_stmt(s->db,
			"SELECT p.id, p.mrn, p.family_name, p.given_name, p.dob FROM patient_identifiers i"
			" JOIN patients p ON p.id = i.patient_id WHERE i.system = ?1 AND i.value = ?2 AND p.id <= ?3");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, sys ? sys : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, val, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, s->max_patient_before);
		while (sqlite3_step(st) == SQLITE_ROW)
			add_candidate(s->res, st, "identifier");
		sqlite3_reset(st);
	}
	char family[EMR_NAME_MAX], given[EMR_NAME_MAX], first[EMR_NAME_MAX], dob[EMR_DATE_LEN];
	if (patient_basics(s, e, family, given, first, dob) != 0)
		return -1;
	/* Same birth date, same family name and first given name, compared
	 * folded (case and accents aside: "GARCIA, Jose" is "García, José"). */
	char *ffam = emr_fold(family), *ffirst = emr_fold(first);
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"SELECT id, mrn, family_name, given_name, dob FROM patients WHERE dob = ?1 AND id <= ?2");
	if (!st || !ffam || !ffirst) {
		free(ffam);
		free(ffirst);
		return st ? fail_at(s, e, "name: not UTF-8 text") : -1;
	}
	sqlite3_bind_text(st, 1, dob, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, s->max_patient_before);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *f = emr_fold(emr_col_text(st, 2)), *g = emr_fold(emr_col_text(st, 3));
		if (f && g) {
			g[strcspn(g, " ")] = '\0';
			char *fi = ffirst;
			size_t fl = strcspn(fi, " ");
			if (strcmp(f, ffam) == 0 && strlen(g) == fl && strncmp(g, fi, fl) == 0)
				add_candidate(s->res, st, "name and birth date");
		}
		free(f);
		free(g);
	}
	sqlite3_reset(st);
	free(ffam);
	free(ffirst);
	*added = s->res->ncandidates - before;
	return 0;
}

static bool phone_ok(const char *p)
{
	char digits[41];
	emr_digits_only(p, digits, sizeof digits);
	size_t nd = strlen(digits);
	return nd >= 7 && nd <= 15 && strspn(p, "0123456789 +-().x") == strlen(p) && strlen(p) <= 40;
}

static bool mrn_ok(state *s, const char *m)
{
	size_t n = m ? strlen(m) : 0;
	if (n < 1 || n > 32 ||
	    strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") != n)
		return false;
	sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT 1 FROM patients WHERE mrn = ?1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, m, -1, SQLITE_TRANSIENT);
	bool taken = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return !taken;
}

static int add_identifiers(state *s, entry *e, int64_t patient_id)
{
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(e->res, "identifier"), i, ident) {
		const char *sys = jstr(ident, "system"), *val = jstr(ident, "value");
		if (!val || !*val || strlen(val) > 1024 || (sys && strlen(sys) > 1024))
			continue;
		sqlite3_stmt *st = emr_db_stmt(s->db,
			"INSERT OR IGNORE INTO patient_identifiers(patient_id, system, value, type, created_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5)");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, patient_id);
		sqlite3_bind_text(st, 2, sys ? sys : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, val, -1, SQLITE_TRANSIENT);
		const char *type = cc_code(json_object_get(ident, "type"), NULL);
		sqlite3_bind_text(st, 4, type ? type : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, s->now, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return fail_at(s, e, "identifier[%zu]: %s", i, sqlite3_errmsg(emr_db_sqlite(s->db)));
	}
	return 0;
}

static int map_patient(state *s, entry *e)
{
	if (e->merge_to) {
		e->table = "patients";
		e->row = e->patient_id = e->merge_to;
		return add_identifiers(s, e, e->merge_to);
	}
	emr_patient p;
	memset(&p, 0, sizeof p);
	char first[EMR_NAME_MAX];
	if (patient_basics(s, e, p.family, p.given, first, p.dob) != 0)
		return -1;
	const char *g = jstr(e->res, "gender");
	copy_text(p.sex, g && (!strcmp(g, "female") || !strcmp(g, "male") || !strcmp(g, "other")) ? g : "unknown",
	          sizeof p.sex);
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(e->res, "name"), i, v) {
		const char *use = jstr(v, "use");
		/* The name a patient goes by: a nickname, or a second, "usual"
		 * name with given names only (as emr exports it). */
		if (use && v != patient_name(e->res) &&
		    (strcmp(use, "nickname") == 0 || (strcmp(use, "usual") == 0 && !jstr(v, "family"))))
			join_given(v, p.preferred, sizeof p.preferred, false);
	}
	json_array_foreach(json_object_get(e->res, "identifier"), i, v) {
		const char *sys = jstr(v, "system"), *val = jstr(v, "value");
		const char *type = cc_code(json_object_get(v, "type"), NULL);
		if (!*p.mrn && ((sys && strcmp(sys, EMR_FHIR_MRN) == 0) || (type && strcmp(type, "MR") == 0)) &&
		    mrn_ok(s, val))
			copy_text(p.mrn, val, sizeof p.mrn);
	}
	json_array_foreach(json_object_get(e->res, "telecom"), i, v) {
		const char *sys = jstr(v, "system"), *val = jstr(v, "value");
		if (!sys || !val)
			continue;
		if (strcmp(sys, "phone") == 0 && !*p.phone && phone_ok(val))
			copy_text(p.phone, val, sizeof p.phone);
		else if (strcmp(sys, "email") == 0 && !*p.email && strchr(val, '@') && strlen(val) <= 200)
			copy_text(p.email, val, sizeof p.email);
	}
	json_t *addr = jget(e->res, "address.0");
	if (addr) {
		emr_sb sb = EMR_SB_INIT;
		json_array_foreach(json_object_get(addr, "line"), i, v) {
			if (json_is_string(v)) {
				if (sb.len)
					emr_sb_append(&sb, ", ");
				emr_sb_append(&sb, json_string_value(v));
			}
		}
		copy_text(p.address, emr_sb_str(&sb), sizeof p.address);
		emr_sb_free(&sb);
		copy_text(p.city, jstr(addr, "city"), sizeof p.city);
		copy_text(p.state, jstr(addr, "state"), sizeof p.state);
		copy_text(p.postal_code, jstr(addr, "postalCode"), sizeof p.postal_code);
	}
	json_t *contact = jget(e->res, "contact.0");
	if (contact) {
		human_name(json_object_get(contact, "name"), p.emergency_name, sizeof p.emergency_name);
		const char *ph = jgets(contact, "telecom.0.value");
		if (ph && phone_ok(ph))
			copy_text(p.emergency_phone, ph, sizeof p.emergency_phone);
	}
	copy_text(p.status, "active", sizeof p.status);
	const char *dd = jstr(e->res, "deceasedDateTime");
	json_t *db = json_object_get(e->res, "deceasedBoolean");
	fdt t;
	if (dd && fdt_parse(dd, &t)) {
		copy_text(p.status, "deceased", sizeof p.status);
		fdt_date(&t, p.deceased_date);
		if (strcmp(p.deceased_date, p.dob) < 0)
			copy_text(p.deceased_date, p.dob, sizeof p.deceased_date);
	} else if (json_is_true(db)) {
		copy_text(p.status, "inactive", sizeof p.status);
		copy_text(p.status_reason, "deceased (date not given by the source)", sizeof p.status_reason);
	}
	/* Registered active (emr_patient_add re-reads the row), then made
	 * what the source says. */
	char status[9], deceased[EMR_DATE_LEN], reason[EMR_TEXT_MAX];
	copy_text(status, p.status, sizeof status);
	copy_text(deceased, p.deceased_date, sizeof deceased);
	copy_text(reason, p.status_reason, sizeof reason);
	if (emr_patient_add(s->db, &p) != 0)
		return fail_at(s, e, "Patient: %s", emr_db_error(s->db));
	copy_text(p.status, status, sizeof p.status);
	copy_text(p.deceased_date, deceased, sizeof p.deceased_date);
	copy_text(p.status_reason, reason, sizeof p.status_reason);
	if (strcmp(p.status, "active") != 0) {
		sqlite3_stmt *st = emr_db_stmt(s->db,
			"UPDATE patients SET status = ?2, deceased_date = ?3, status_reason = ?4 WHERE id = ?1");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, p.id);
		sqlite3_bind_text(st, 2, p.status, -1, SQLITE_TRANSIENT);
		emr_bind_text_or_null(st, 3, p.deceased_date);
		sqlite3_bind_text(st, 4, p.status_reason, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return fail_at(s, e, "deceased: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
	}
	e->table = "patients";
	e->row = e->patient_id = p.id;
	if (!s->res->patient_id)
		s->res->patient_id = p.id;
	return add_identifiers(s, e, p.id);
}

/* ------------------------------------------------------------ clinical records */

/* reason: a string literal. */
static void keep(entry *e, const char *reason)
{
	e->kept_reason = reason;
}

/* The chart a resource belongs to (subject or patient), 0 when none. */
static int64_t chart_of(state *s, entry *e)
{
	json_t *ref = json_object_get(e->res, "subject");
	if (!ref)
		ref = json_object_get(e->res, "patient");
	target t;
	if (!ref || !resolve(s, jstr(ref, "reference"), &t) || !t.table || strcmp(t.table, "patients") != 0)
		return 0;
	return t.row;
}

static int64_t encounter_of(state *s, const json_t *ref, int64_t patient_id)
{
	target t;
	if (!ref || !resolve(s, jstr(ref, "reference"), &t) || !t.table || strcmp(t.table, "encounters") != 0 ||
	    t.patient_id != patient_id)
		return 0;
	return t.row;
}

static void bind_actor(state *s, sqlite3_stmt *st, int idx)
{
	if (s->actor)
		sqlite3_bind_int64(st, idx, s->actor);
	else
		sqlite3_bind_null(st, idx);
}

static int finish_insert(state *s, entry *e, sqlite3_stmt *st, const char *table, int64_t patient_id)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_at(s, e, "%s: %s", table, sqlite3_errmsg(emr_db_sqlite(s->db)));
	e->table = table;
	e->row = sqlite3_last_insert_rowid(emr_db_sqlite(s->db));
	e->patient_id = patient_id;
	return 0;
}

/* First of several time fields as a date and/or instant; false if none. */
static bool when(const json_t *res, const char *const *fields, char *date, char *instant)
{
	for (size_t i = 0; fields[i]; i++) {
		const char *v = jgets(res, fields[i]);
		fdt t;
		if (v && fdt_parse(v, &t)) {
			if (date)
				fdt_date(&t, date);
			if (instant)
				fdt_instant(&t, instant);
			return true;
		}
	}
	return false;
}

/* When the source recorded it (capped at now), else now: created_at. */
static void recorded_at(state *s, const json_t *res, const char *field, char *out)
{
	const char *const fields[] = {field, NULL};
	if (!when(res, fields, NULL, out) || strcmp(out, s->now) > 0)
		copy_text(out, s->now, EMR_INSTANT_LEN);
}

static const char *clinical_status(const json_t *res)
{
	return cc_code(json_object_get(res, "clinicalStatus"), NULL);
}

static bool entered_in_error(const json_t *res)
{
	const char *v = cc_code(json_object_get(res, "verificationStatus"), NULL);
	const char *st = jstr(res, "status");
	return (v && strcmp(v, "entered-in-error") == 0) || (st && strcmp(st, "entered-in-error") == 0);
}

static void bind_retired(state *s, sqlite3_stmt *st, int idx, bool retired, const char *reason)
{
	if (retired) {
		sqlite3_bind_text(st, idx, s->now, -1, SQLITE_TRANSIENT);
		bind_actor(s, st, idx + 1);
		sqlite3_bind_text(st, idx + 2, reason, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, idx);
		sqlite3_bind_null(st, idx + 1);
		sqlite3_bind_null(st, idx + 2);
	}
}

static void join_notes(const json_t *res, char *buf, size_t n)
{
	emr_sb sb = EMR_SB_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(res, "note"), i, v) {
		const char *t = jstr(v, "text");
		if (t && *t) {
			if (sb.len)
				emr_sb_append(&sb, "\n");
			emr_sb_append(&sb, t);
		}
	}
	copy_text(buf, emr_sb_str(&sb), n);
	emr_sb_free(&sb);
}

static bool icd10_known(state *s, const char *code, char *out)
{
	char c[16];
	size_t j = 0;
	for (size_t i = 0; code[i] && j + 1 < sizeof c; i++)
		if (code[i] != '.')
			c[j++] = (char)toupper((unsigned char)code[i]);
	c[j] = '\0';
	sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT 1 FROM icd10cm WHERE code = ?1");
	if (!st)
		return false;
	sqlite3_bind_text(st, 1, c, -1, SQLITE_TRANSIENT);
	bool ok = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (ok)
		copy_text(out, c, 9);
	return ok;
}

static int map_condition(state *s, entry *e, int64_t pid)
{
	json_t *code = json_object_get(e->res, "code");
	const char *sn = cc_code(code, EMR_FHIR_SNOMED);
	const char *icd = cc_code(code, EMR_FHIR_ICD10CM);
	char icd10[9] = "";
	if (sn && !all_digits(sn, 20))
		sn = NULL;
	if (icd && !icd10_known(s, icd, icd10))
		icd = NULL;
	if (!sn && !*icd10) {
		keep(e, "no SNOMED CT or known ICD-10-CM code");
		return 0;
	}
	const char *v = cc_code(json_object_get(e->res, "verificationStatus"), NULL);
	if (v && strcmp(v, "refuted") == 0) {
		keep(e, "refuted");
		return 0;
	}
	/* A diagnosis addressed at one visit (no clinical status of its
	 * own, as emr exports them) is that visit's, not the problem list's. */
	bool visit_dx = false;
	size_t k;
	json_t *cat;
	json_array_foreach(json_object_get(e->res, "category"), k, cat) {
		const char *cc = cc_code(cat, NULL);
		if (cc && strcmp(cc, "encounter-diagnosis") == 0)
			visit_dx = true;
	}
	int64_t enc = encounter_of(s, json_object_get(e->res, "encounter"), pid);
	if (visit_dx && !clinical_status(e->res) && *icd10 && enc) {
		sqlite3_stmt *st = emr_db_stmt(s->db,
			"INSERT INTO encounter_diagnoses(encounter_id, rank, icd10)"
			" SELECT ?1, ifnull(max(rank), 0) + 1, ?2 FROM encounter_diagnoses WHERE encounter_id = ?1"
			" HAVING ifnull(max(rank), 0) < 12");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, enc);
		sqlite3_bind_text(st, 2, icd10, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return fail_at(s, e, "encounter diagnosis: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
		if (sqlite3_changes(emr_db_sqlite(s->db)) == 0) {
			keep(e, "a visit holds at most 12 diagnoses");
			return 0;
		}
		e->table = "encounter_diagnoses";
		e->row = sqlite3_last_insert_rowid(emr_db_sqlite(s->db));
		e->patient_id = pid;
		return 0;
	}
	char desc[EMR_TEXT_MAX];
	copy_text(desc, cc_text(code), sizeof desc);
	if (!*desc)
		copy_text(desc, sn ? sn : icd10, sizeof desc);
	char onset[EMR_DATE_LEN] = "", resolved[EMR_DATE_LEN] = "", note[EMR_TEXT_MAX];
	static const char *const onset_f[] = {"onsetDateTime", "onsetPeriod.start", NULL};
	when(e->res, onset_f, onset, NULL);
	join_notes(e->res, note, sizeof note);
	const char *cs = clinical_status(e->res);
	bool is_resolved = cs && (!strcmp(cs, "resolved") || !strcmp(cs, "inactive") || !strcmp(cs, "remission"));
	static const char *const abate_f[] = {"abatementDateTime", "abatementPeriod.end", "abatementPeriod.start", NULL};
	static const char *const fallback_f[] = {"recordedDate", "onsetDateTime", "onsetPeriod.start", NULL};
	if (!cs && when(e->res, abate_f, resolved, NULL))
		is_resolved = true;
	if (is_resolved && !*resolved && !when(e->res, abate_f, resolved, NULL) &&
	    !when(e->res, fallback_f, resolved, NULL))
		emr_today(resolved);
	if (is_resolved && *onset && strcmp(resolved, onset) < 0)
		copy_text(resolved, onset, sizeof resolved);
	bool err = entered_in_error(e->res);
	char created[EMR_INSTANT_LEN];
	recorded_at(s, e->res, "recordedDate", created);
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO problems(patient_id, icd10, snomed, description, onset_date, status, resolved_date, note,"
		" recorded_by, created_at, updated_at, retired_at, retired_by, retired_reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	emr_bind_text_or_null(st, 2, icd10);
	emr_bind_text_or_null(st, 3, sn);
	sqlite3_bind_text(st, 4, desc, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 5, onset);
	sqlite3_bind_text(st, 6, err ? "entered-in-error" : is_resolved ? "resolved" : "active", -1, SQLITE_STATIC);
	emr_bind_text_or_null(st, 7, is_resolved ? resolved : NULL);
	sqlite3_bind_text(st, 8, note, -1, SQLITE_TRANSIENT);
	bind_actor(s, st, 9);
	sqlite3_bind_text(st, 10, created, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 11, err, "entered in error at the source");
	return finish_insert(s, e, st, "problems", pid);
}

static bool is_nkda_code(const char *c)
{
	/* SNOMED CT: no known allergy; no known drug allergy; no known
	 * history of drug allergy. */
	return c && (!strcmp(c, "716186003") || !strcmp(c, "409137002") || !strcmp(c, "428607008"));
}

static int map_allergy(state *s, entry *e, int64_t pid)
{
	json_t *code = json_object_get(e->res, "code");
	const char *sn = cc_code(code, EMR_FHIR_SNOMED);
	const char *rx = cc_code(code, EMR_FHIR_RXNORM);
	bool nkda = is_nkda_code(sn);
	const char *text = cc_text(code);
	if (!nkda && text && (!strcasecmp(text, "NKDA") || !strcasecmp(text, "no known drug allergies") ||
	                      !strcasecmp(text, "no known allergies")))
		nkda = true;
	char substance[EMR_NAME_MAX];
	copy_text(substance, text ? text : sn ? sn : rx, sizeof substance);
	if (!nkda && !*substance) {
		keep(e, "no substance");
		return 0;
	}
	const char *cat = jgets(e->res, "category.0");
	const char *category = !cat ? "drug" : !strcmp(cat, "food") ? "food" : !strcmp(cat, "medication") ? "drug" :
	                       !strcmp(cat, "environment") ? "environment" : "other";
	char reaction[EMR_NAME_MAX];
	emr_sb sb = EMR_SB_INIT;
	const char *severity = NULL;
	size_t i, j;
	json_t *r, *m;
	json_array_foreach(json_object_get(e->res, "reaction"), i, r) {
		json_array_foreach(json_object_get(r, "manifestation"), j, m) {
			const char *t = cc_text(m);
			if (t) {
				if (sb.len)
					emr_sb_append(&sb, ", ");
				emr_sb_append(&sb, t);
			}
		}
		const char *sev = jstr(r, "severity");
		if (sev && (!strcmp(sev, "mild") || !strcmp(sev, "moderate") || !strcmp(sev, "severe")))
			severity = sev;
	}
	copy_text(reaction, emr_sb_str(&sb), sizeof reaction);
	emr_sb_free(&sb);
	const char *cs = clinical_status(e->res);
	const char *v = cc_code(json_object_get(e->res, "verificationStatus"), NULL);
	const char *status = cs && (!strcmp(cs, "inactive") || !strcmp(cs, "resolved")) ? cs : "active";
	if (v && strcmp(v, "refuted") == 0)
		status = "inactive";
	bool err = entered_in_error(e->res);
	char onset[EMR_DATE_LEN] = "";
	static const char *const onset_f[] = {"onsetDateTime", "onsetPeriod.start", NULL};
	when(e->res, onset_f, onset, NULL);
	char created[EMR_INSTANT_LEN];
	recorded_at(s, e->res, "recordedDate", created);
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO allergies(patient_id, is_nkda, substance, substance_code, category, reaction, severity, status,"
		" onset_date, recorded_by, created_at, updated_at, retired_at, retired_by, retired_reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int(st, 2, nkda);
	if (nkda)
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_text(st, 3, substance, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 4, nkda ? NULL : sn ? sn : rx);
	sqlite3_bind_text(st, 5, nkda ? "drug" : category, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, reaction, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 7, severity);
	sqlite3_bind_text(st, 8, err ? "entered-in-error" : status, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 9, onset);
	bind_actor(s, st, 10);
	sqlite3_bind_text(st, 11, created, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 12, err, "entered in error at the source");
	return finish_insert(s, e, st, "allergies", pid);
}

/* ------------------------------------------------------------ medications */

static bool tok_num(const char *t)
{
	size_t n = strlen(t), dots = 0;
	if (!n || !isdigit((unsigned char)t[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '.')
			dots++;
		else if (!isdigit((unsigned char)t[i]))
			return false;
	}
	return dots <= 1;
}

static bool tok_unit(const char *t)
{
	size_t n = strlen(t);
	bool letter = false;
	if (!n || n > 16)
		return false;
	/* emr's own lower-case strengths: "10 mg", "5 mg/ml". */
	static const char *const lower[] = {"mg", "mcg", "g", "ml", "meq", "unt", "iu", "units", "mmol", "hr",
	                                    "actuat", "%", NULL};
	for (size_t i = 0; lower[i]; i++)
		if (strcasecmp(t, lower[i]) == 0)
			return true;
	if (strchr(t, '/') && islower((unsigned char)t[0])) {
		for (size_t i = 0; i < n; i++)
			if (!islower((unsigned char)t[i]) && !strchr("/[]{}._%0123456789", t[i]))
				return false;
		return true;
	}
	for (size_t i = 0; i < n; i++) {
		if (isupper((unsigned char)t[i]) || t[i] == '%')
			letter = true;
		else if (!strchr("/[].{}_0123456789", t[i]))
			return false;
	}
	return letter;
}

static void lower_into(emr_sb *sb, const char *t)
{
	for (; *t; t++)
		emr_sb_putc(sb, (char)tolower((unsigned char)*t));
}

/* A unit as emr writes it: Synthea's capitals lowered ("MG/ML" -> "mg/ml"),
 * mixed case kept ("mL"). */
static void unit_into(emr_sb *sb, const char *t)
{
	bool lower = false;
	for (const char *p = t; *p; p++)
		if (islower((unsigned char)*p))
			lower = true;
	if (lower)
		emr_sb_append(sb, t);
	else
		lower_into(sb, t);
}

static bool tok_percent(const char *t)
{
	size_t n = strlen(t);
	if (n < 2 || t[n - 1] != '%')
		return false;
	char num[32];
	if (n - 1 >= sizeof num)
		return false;
	memcpy(num, t, n - 1);
	num[n - 1] = '\0';
	return tok_num(num);
}

/* How many tokens from i make a strength: "10 MG", "0.1%",
 * "400 mg/5 mL", "10 mcg (400 units)"; 0 if none starts there. */
/* "250mg": an amount and its unit written together. */
static bool tok_glued(const char *t)
{
	size_t d = strspn(t, "0123456789.");
	if (d == 0 || !isdigit((unsigned char)t[0]) || !t[d])
		return false;
	char num[32];
	if (d >= sizeof num)
		return false;
	memcpy(num, t, d);
	num[d] = '\0';
	return tok_num(num) && tok_unit(t + d);
}

static size_t strength_len(char **tok, size_t n, size_t i)
{
	size_t k;
	if (i < n && (tok_percent(tok[i]) || tok_glued(tok[i])))
		k = 1;
	else if (i + 1 < n && tok_num(tok[i]) && tok_unit(tok[i + 1])) {
		k = 2;
		/* "mg/5 mL": a unit per an amount of another unit */
		size_t ul = strlen(tok[i + 1]);
		const char *slash = strrchr(tok[i + 1], '/');
		if (slash && slash[1] && strspn(slash + 1, "0123456789.") == (size_t)(tok[i + 1] + ul - slash - 1) &&
		    i + 2 < n && tok_unit(tok[i + 2]))
			k = 3;
	} else
		return 0;
	if (i + k < n && tok[i + k][0] == '(') {
		for (size_t j = i + k; j < n && j < i + k + 4; j++)
			if (strchr(tok[j], ')'))
				return j - i + 1;
	}
	return k;
}

/* Splits an RxNorm clinical drug name the way Synthea writes them (and
 * emr's own export, in lower case):
 * "lisinopril 10 MG Oral Tablet" -> "lisinopril", "10 mg", "oral tablet";
 * "Amoxicillin 250 MG / Clavulanate 125 MG Oral Tablet" ->
 * "Amoxicillin / Clavulanate", "250 mg / 125 mg", "oral tablet";
 * "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet" ->
 * "Metformin hydrochloride", "500 mg", "extended release oral tablet, 24 hr";
 * "amoxicillin 400 mg/5 mL oral suspension", "adapalene 0.1% topical gel".
 * Without a strength the whole name is the drug. */
static void split_rxnorm(const char *name, char *drug, size_t dn, char *strength, size_t sn, char *form, size_t fn)
{
	char buf[512];
	copy_text(buf, name, sizeof buf);
	/* SNOMED CT's semantic tag is not part of the name. */
	size_t bl = strlen(buf);
	if (bl > 10 && strcmp(buf + bl - 10, " (product)") == 0)
		buf[bl - 10] = '\0';
	char *tok[64];
	size_t n = 0;
	for (char *p = strtok(buf, " "); p && n < 64; p = strtok(NULL, " "))
		tok[n++] = p;
	size_t start = 0;
	emr_sb prefix = EMR_SB_INIT;
	for (;;) {
		size_t k = strength_len(tok, n, start);
		if (k == 2 && !tok_percent(tok[start])) {
			/* "24 HR Metformin ... 500 MG ...": a package quantity before
			 * the name, when a strength follows it. */
			bool later = false;
			for (size_t j = start + 2; j < n && !later; j++)
				later = strength_len(tok, n, j) > 0;
			if (!later)
				break;
			if (prefix.len)
				emr_sb_putc(&prefix, ' ');
			lower_into(&prefix, tok[start]);
			emr_sb_putc(&prefix, ' ');
			lower_into(&prefix, tok[start + 1]);
			start += 2;
		} else if (start < n && strlen(tok[start]) > 3 && isupper((unsigned char)tok[start][0]) &&
		           isupper((unsigned char)tok[start][1]) &&
		           strspn(tok[start], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == strlen(tok[start]) &&
		           strpbrk(tok[start], "0123456789")) {
			start++;   /* "NDA020800": an application number, not a name */
		} else
			break;
	}
	/* The last strength ends the name; what follows is the form. */
	long last = -1;
	size_t last_len = 0;
	for (size_t i = start; i < n; i++) {
		size_t k = strength_len(tok, n, i);
		if (k) {
			last = (long)i;
			last_len = k;
			i += k - 1;
		}
	}
	if (last < 0) {
		copy_text(drug, name, dn);
		strength[0] = form[0] = '\0';
		emr_sb_free(&prefix);
		return;
	}
	emr_sb d = EMR_SB_INIT, st = EMR_SB_INIT, f = EMR_SB_INIT;
	bool sep = false;
	for (size_t i = start; i < (size_t)last + last_len; i++) {
		size_t k = strength_len(tok, n, i);
		if (k) {
			if (st.len)
				emr_sb_append(&st, " / ");
			bool paren = false;
			for (size_t j = 0; j < k; j++) {
				if (j)
					emr_sb_putc(&st, ' ');
				if (tok[i + j][0] == '(')
					paren = true;
				if (j == 0 || paren)
					emr_sb_append(&st, tok[i + j]);   /* the amount; "(400 units)" as written */
				else
					unit_into(&st, tok[i + j]);
			}
			i += k - 1;
		} else if (strcmp(tok[i], "/") == 0) {
			sep = true;
		} else {
			if (d.len)
				emr_sb_append(&d, sep ? " / " : " ");
			sep = false;
			emr_sb_append(&d, tok[i]);
		}
	}
	for (size_t i = (size_t)last + last_len; i < n; i++) {
		if (f.len)
			emr_sb_putc(&f, ' ');
		if (tok[i][0] == '[')
			emr_sb_append(&f, tok[i]);
		else
			lower_into(&f, tok[i]);
	}
	if (prefix.len) {
		if (f.len)
			emr_sb_append(&f, ", ");
		emr_sb_append(&f, emr_sb_str(&prefix));
	}
	copy_text(drug, d.len ? emr_sb_str(&d) : name, dn);
	copy_text(strength, emr_sb_str(&st), sn);
	copy_text(form, emr_sb_str(&f), fn);
	emr_sb_free(&d);
	emr_sb_free(&st);
	emr_sb_free(&f);
	emr_sb_free(&prefix);
}

static void fmt_num(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.10g", v);
}

/* dosageInstruction[0] as a sig: its text, else what its parts say. */
static void build_sig(const json_t *dos, char *buf, size_t n)
{
	const char *text = jstr(dos, "text");
	if (text && *text) {
		copy_text(buf, text, n);
		return;
	}
	emr_sb sb = EMR_SB_INIT;
	double v;
	char num[32];
	if (jnum(jget(dos, "doseAndRate.0.doseQuantity.value"), &v)) {
		fmt_num(num, sizeof num, v);
		emr_sb_printf(&sb, "take %s", num);
		const char *u = jgets(dos, "doseAndRate.0.doseQuantity.unit");
		if (u)
			emr_sb_printf(&sb, " %s", u);
	}
	json_t *rep = jget(dos, "timing.repeat");
	double freq, per;
	const char *unit = jstr(rep, "periodUnit");
	if (jnum(json_object_get(rep, "frequency"), &freq) && jnum(json_object_get(rep, "period"), &per) && unit) {
		static const char *const units[][2] = {{"s", "second"}, {"min", "minute"}, {"h", "hour"}, {"d", "day"},
		                                       {"wk", "week"}, {"mo", "month"}, {"a", "year"}};
		const char *word = unit;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strcmp(units[i][0], unit) == 0)
				word = units[i][1];
		char fs[32];
		fmt_num(fs, sizeof fs, freq);
		fmt_num(num, sizeof num, per);
		if (sb.len)
			emr_sb_append(&sb, ", ");
		char times[48];
		if (freq == 1)
			snprintf(times, sizeof times, "once");
		else if (freq == 2)
			snprintf(times, sizeof times, "twice");
		else
			snprintf(times, sizeof times, "%s times", fs);
		if (per == 1)
			emr_sb_printf(&sb, "%s a %s", times, word);
		else
			emr_sb_printf(&sb, "%s every %s %ss", times, num, word);
	}
	const char *route = cc_text(json_object_get(dos, "route"));
	if (route && sb.len)
		emr_sb_printf(&sb, " %s", route);
	if (json_is_true(json_object_get(dos, "asNeededBoolean")) || json_object_get(dos, "asNeededCodeableConcept")) {
		if (sb.len)
			emr_sb_append(&sb, ", ");
		emr_sb_append(&sb, "as needed");
		const char *why = cc_text(json_object_get(dos, "asNeededCodeableConcept"));
		if (why)
			emr_sb_printf(&sb, " for %s", why);
	}
	copy_text(buf, emr_sb_str(&sb), n);
	emr_sb_free(&sb);
}

static int map_medication(state *s, entry *e, int64_t pid)
{
	json_t *code = json_object_get(e->res, "medicationCodeableConcept");
	json_t *mref = json_object_get(e->res, "medicationReference");
	target t;
	const char *mr = jstr(mref, "reference");
	if (!code && mr && mr[0] == '#') {
		/* A contained Medication ("#med1"). */
		size_t i;
		json_t *c;
		json_array_foreach(json_object_get(e->res, "contained"), i, c)
			if (jstr(c, "id") && strcmp(jstr(c, "id"), mr + 1) == 0)
				code = json_object_get(c, "code");
	} else if (!code && mref && resolve(s, mr, &t) && t.e)
		code = json_object_get(entry_res(s, t.e), "code");
	const char *rx = cc_code(code, EMR_FHIR_RXNORM);
	if (rx && !all_digits(rx, 15))
		rx = NULL;
	const char *name = cc_text(code);
	if (!name && mref)
		name = jstr(mref, "display");
	if (!name || !*name) {
		keep(e, "no medication named");
		return 0;
	}
	emr_medication m;
	memset(&m, 0, sizeof m);
	split_rxnorm(name, m.drug, sizeof m.drug, m.strength, sizeof m.strength, m.form, sizeof m.form);
	json_t *dos = jget(e->res, "dosageInstruction.0");
	build_sig(dos, m.sig, sizeof m.sig);
	const char *route = cc_text(json_object_get(dos, "route"));
	if (route) {
		emr_sb sb = EMR_SB_INIT;
		lower_into(&sb, route);
		copy_text(m.route, emr_sb_str(&sb), sizeof m.route);
		emr_sb_free(&sb);
	}
	double q;
	bool has_q = jnum(jget(e->res, "dispenseRequest.quantity.value"), &q) && q > 0 && q <= 10000;
	copy_text(m.quantity_unit, jgets(e->res, "dispenseRequest.quantity.unit"), sizeof m.quantity_unit);
	double rf;
	if (jnum(jget(e->res, "dispenseRequest.numberOfRepeatsAllowed"), &rf) && rf >= 0 && rf <= 99)
		m.refills = (int)rf;
	static const char *const start_f[] = {"dosageInstruction.0.timing.repeat.boundsPeriod.start",
	                                      "dispenseRequest.validityPeriod.start", "authoredOn", NULL};
	static const char *const stop_f[] = {"dosageInstruction.0.timing.repeat.boundsPeriod.end",
	                                     "dispenseRequest.validityPeriod.end", NULL};
	when(e->res, start_f, m.start_date, NULL);
	when(e->res, stop_f, m.stop_date, NULL);
	if (*m.stop_date && *m.start_date && strcmp(m.stop_date, m.start_date) < 0)
		m.stop_date[0] = '\0';
	const char *fs = jstr(e->res, "status");
	const char *status = "active";
	const char *stop_reason = NULL;
	char reasonbuf[EMR_TEXT_MAX];
	copy_text(reasonbuf, cc_text(json_object_get(e->res, "statusReason")), sizeof reasonbuf);
	bool err = false;
	if (fs && strcmp(fs, "completed") == 0) {
		status = "completed";
	} else if (fs && strcmp(fs, "stopped") == 0) {
		/* emr's "stopped" needs the day it stopped: without one, it is over all the same. */
		status = *m.stop_date ? "stopped" : "completed";
		stop_reason = *reasonbuf ? reasonbuf : "stopped at the source";
	} else if (fs && (strcmp(fs, "cancelled") == 0 || strcmp(fs, "entered-in-error") == 0)) {
		err = true;
	}
	emr_sb why = EMR_SB_INIT;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(e->res, "reasonCode"), i, v) {
		const char *rt = cc_text(v);
		if (rt) {
			if (why.len)
				emr_sb_append(&why, "; ");
			emr_sb_append(&why, rt);
		}
	}
	json_array_foreach(json_object_get(e->res, "reasonReference"), i, v) {
		char rn[EMR_NAME_MAX];
		ref_name(s, v, rn, sizeof rn);
		if (*rn) {
			if (why.len)
				emr_sb_append(&why, "; ");
			emr_sb_append(&why, rn);
		}
	}
	copy_text(m.reason, emr_sb_str(&why), sizeof m.reason);
	emr_sb_free(&why);
	json_t *req = json_object_get(e->res, "requester");
	int64_t prescriber = ref_user(s, req);
	char source_prescriber[EMR_NAME_MAX] = "";
	/* A requester that is the patient (a medication they report taking,
	 * as emr exports one) names no prescriber. */
	target rt;
	const char *rref = jstr(req, "reference");
	bool by_patient = rref && (strncmp(rref, "Patient/", 8) == 0 ||
	                           (resolve(s, rref, &rt) && (!strcmp(rt.type, "Patient") ||
	                                                      (rt.table && !strcmp(rt.table, "patients")))));
	if (!prescriber && req && !by_patient)
		ref_name(s, req, source_prescriber, sizeof source_prescriber);
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO medications(patient_id, encounter_id, drug, rxnorm, strength, form, route, sig, quantity,"
		" quantity_unit, refills, start_date, stop_date, prescriber_id, is_prescription, status, reason,"
		" stop_reason, created_at, updated_at, retired_at, retired_by, retired_reason, source_prescriber)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, ?15, ?16, ?17, ?18, ?18,"
		" ?19, ?20, ?21, ?22)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	int64_t enc = encounter_of(s, json_object_get(e->res, "encounter"), pid);
	if (enc)
		sqlite3_bind_int64(st, 2, enc);
	sqlite3_bind_text(st, 3, m.drug, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 4, rx);
	sqlite3_bind_text(st, 5, m.strength, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, m.form, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, m.route, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, m.sig, -1, SQLITE_TRANSIENT);
	if (has_q)
		sqlite3_bind_double(st, 9, q);
	sqlite3_bind_text(st, 10, m.quantity_unit, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 11, m.refills);
	emr_bind_text_or_null(st, 12, m.start_date);
	emr_bind_text_or_null(st, 13, m.stop_date);
	if (prescriber)
		sqlite3_bind_int64(st, 14, prescriber);
	sqlite3_bind_text(st, 15, err ? "entered-in-error" : status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, m.reason, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 17, stop_reason);
	char created[EMR_INSTANT_LEN];
	recorded_at(s, e->res, "authoredOn", created);
	sqlite3_bind_text(st, 18, created, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 19, err, fs && strcmp(fs, "cancelled") == 0 ? "cancelled at the source"
	                                                                   : "entered in error at the source");
	sqlite3_bind_text(st, 22, source_prescriber, -1, SQLITE_TRANSIENT);
	return finish_insert(s, e, st, "medications", pid);
}

/* ------------------------------------------------------------ observations */

typedef struct loinc_row {
	bool found;
	char kind[8], unit[33];
	bool has_low, has_high;
	double low, high;
} loinc_row;

static int loinc_get(state *s, const char *code, loinc_row *l)
{
	memset(l, 0, sizeof *l);
	sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT kind, unit, plausible_low, plausible_high FROM loinc WHERE code = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		l->found = true;
		emr_col_copy(st, 0, l->kind, sizeof l->kind);
		emr_col_copy(st, 1, l->unit, sizeof l->unit);
		l->has_low = sqlite3_column_type(st, 2) != SQLITE_NULL;
		l->low = sqlite3_column_double(st, 2);
		l->has_high = sqlite3_column_type(st, 3) != SQLITE_NULL;
		l->high = sqlite3_column_double(st, 3);
	}
	sqlite3_reset(st);
	return 0;
}

static bool loinc_code_ok(const char *c)
{
	/* digits, '-', one check digit: "8480-6" */
	size_t n = c ? strlen(c) : 0;
	if (n < 3 || n > 10 || c[n - 2] != '-' || !isdigit((unsigned char)c[n - 1]))
		return false;
	return strspn(c, "0123456789") == n - 2;
}

/* A LOINC code the curated table lacks, added so the chart can hold it. */
static int loinc_add(state *s, entry *e, const char *code, const char *display, const char *kind, const char *unit)
{
	char name[EMR_TEXT_MAX], shortn[41];
	copy_text(name, display && *display ? display : code, sizeof name);
	copy_text(shortn, name, sizeof shortn);
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO loinc(code, name, short_name, kind, unit, panel, sort_order, origin)"
		" VALUES (?1, ?2, ?3, ?4, ?5, '', 1000, 'imported')");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, shortn, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, unit, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_at(s, e, "code \"%s\": adding it to the LOINC table: %s", code,
		               sqlite3_errmsg(emr_db_sqlite(s->db)));
	return 0;
}

/* Converts v from unit to a vital sign's canonical unit; false if unknown. */
static bool to_canonical(const char *canon, const char *unit, double *v)
{
	if (strcmp(canon, unit) == 0)
		return true;
	if (!strcmp(canon, "kg")) {
		if (!strcmp(unit, "[lb_av]") || !strcmp(unit, "lb") || !strcmp(unit, "lbs")) { *v *= 0.45359237; return true; }
		if (!strcmp(unit, "g")) { *v /= 1000; return true; }
	} else if (!strcmp(canon, "cm")) {
		if (!strcmp(unit, "[in_i]") || !strcmp(unit, "in")) { *v *= 2.54; return true; }
		if (!strcmp(unit, "m")) { *v *= 100; return true; }
		if (!strcmp(unit, "mm")) { *v /= 10; return true; }
	} else if (!strcmp(canon, "Cel")) {
		if (!strcmp(unit, "[degF]") || !strcmp(unit, "degF")) { *v = (*v - 32) * 5 / 9; return true; }
	} else if (!strcmp(canon, "/min")) {
		return !strcmp(unit, "{beats}/min") || !strcmp(unit, "beats/min") || !strcmp(unit, "{breaths}/min") ||
		       !strcmp(unit, "breaths/min") || !strcmp(unit, "/min");
	} else if (!strcmp(canon, "mm[Hg]")) {
		return !strcmp(unit, "mmHg");
	}
	return false;
}

static const char *flag_of(const json_t *interp)
{
	const char *c = cc_code(interp, NULL);
	if (!c)
		return NULL;
	static const char *const map[][2] = {{"N", "N"}, {"L", "L"}, {"H", "H"}, {"LL", "LL"}, {"HH", "HH"}, {"A", "A"},
	                                     {"AA", "A"}, {"LU", "LL"}, {"HU", "HH"}, {"POS", "A"}, {"DET", "A"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], c) == 0)
			return map[i][1];
	return NULL;
}

/* The LOINC code of a CodeableConcept: of several codings (US Core's
 * pulse oximetry carries 2708-6 and 59408-5), the last one the table
 * knows; else the first well-formed one. */
static const char *pick_loinc(state *s, const json_t *cc)
{
	const char *first = NULL, *known = NULL;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(cc, "coding"), i, c) {
		const char *sys = jstr(c, "system"), *code = jstr(c, "code");
		if (!sys || strcmp(sys, EMR_FHIR_LOINC) != 0 || !loinc_code_ok(code))
			continue;
		if (!first)
			first = code;
		loinc_row l;
		if (loinc_get(s, code, &l) == 0 && l.found)
			known = code;
	}
	return known ? known : first;
}

/* One observations row from o (the resource or one of its components).
 * Returns 0 and *row, 1 when it cannot be held (*why says why), -1. */
static int obs_row(state *s, entry *e, const json_t *o, int64_t pid, int64_t enc, const char *kind_hint,
                   const char *effective, const char *status, bool err, int64_t panel, int64_t *row, const char **why)
{
	json_t *code = json_object_get(o, "code");
	const char *lc = pick_loinc(s, code);
	if (!loinc_code_ok(lc)) {
		*why = "no LOINC code";
		return 1;
	}
	bool has_num = false;
	double num = 0;
	char text[EMR_TEXT_MAX] = "", unit[33] = "";
	json_t *vq = json_object_get(o, "valueQuantity");
	json_t *v;
	if (vq && jnum(json_object_get(vq, "value"), &num)) {
		has_num = true;
		const char *sys = jstr(vq, "system");
		const char *u = sys && strcmp(sys, EMR_FHIR_UCUM) == 0 && jstr(vq, "code") ? jstr(vq, "code") : jstr(vq, "unit");
		if (!u)
			u = jstr(vq, "code");
		copy_text(unit, u, sizeof unit);
		const char *cmp = jstr(vq, "comparator");
		if (cmp) {   /* "<5": a bound, not a value */
			char n[32];
			fmt_num(n, sizeof n, num);
			snprintf(text, sizeof text, "%s%s", cmp, n);
			has_num = false;
		}
	} else if ((v = json_object_get(o, "valueCodeableConcept"))) {
		copy_text(text, cc_text(v), sizeof text);
		if (!*text)
			copy_text(text, cc_code(v, NULL), sizeof text);
	} else if ((v = json_object_get(o, "valueString")) && json_is_string(v)) {
		copy_text(text, json_string_value(v), sizeof text);
	} else if ((v = json_object_get(o, "valueBoolean")) && json_is_boolean(v)) {
		copy_text(text, json_is_true(v) ? "true" : "false", sizeof text);
	} else if ((v = json_object_get(o, "valueInteger")) && jnum(v, &num)) {
		has_num = true;
	} else if ((v = json_object_get(o, "valueDateTime")) && json_is_string(v)) {
		copy_text(text, json_string_value(v), sizeof text);
	} else if ((v = json_object_get(o, "valueTime")) && json_is_string(v)) {
		copy_text(text, json_string_value(v), sizeof text);
	} else if ((v = json_object_get(o, "valueRange"))) {
		double lo, hi;
		char a[32] = "", b[32] = "";
		if (jnum(jget(v, "low.value"), &lo))
			fmt_num(a, sizeof a, lo);
		if (jnum(jget(v, "high.value"), &hi))
			fmt_num(b, sizeof b, hi);
		snprintf(text, sizeof text, "%s-%s %s", a, b, jgets(v, "low.unit") ? jgets(v, "low.unit") : "");
	} else if ((v = json_object_get(o, "valueRatio"))) {
		double a, b;
		if (jnum(jget(v, "numerator.value"), &a) && jnum(jget(v, "denominator.value"), &b)) {
			char x[32], y[32];
			fmt_num(x, sizeof x, a);
			fmt_num(y, sizeof y, b);
			snprintf(text, sizeof text, "%s:%s", x, y);
		}
	}
	if (!has_num && !*text) {
		*why = "no value";
		return 1;
	}
	loinc_row l;
	if (loinc_get(s, lc, &l) != 0)
		return -1;
	if (!l.found) {
		const char *disp = jstr(cc_coding(code, EMR_FHIR_LOINC), "display");
		if (loinc_add(s, e, lc, disp ? disp : cc_text(code), kind_hint, has_num ? unit : "") != 0)
			return -1;
		if (loinc_get(s, lc, &l) != 0)
			return -1;
	}
	if (strcmp(l.kind, "vital") == 0) {
		if (has_num && !to_canonical(l.unit, unit, &num)) {
			*why = "a vital sign in a unit emr cannot convert to its canonical one";
			return 1;
		}
		copy_text(unit, l.unit, sizeof unit);
	}
	if (has_num && strcmp(unit, l.unit) == 0 &&
	    ((l.has_low && num < l.low) || (l.has_high && num > l.high))) {
		*why = "value outside the plausible range for its LOINC code";
		return 1;
	}
	double lo = 0, hi = 0;
	json_t *rr = jget(o, "referenceRange.0");
	bool has_lo = jnum(jget(rr, "low.value"), &lo), has_hi = jnum(jget(rr, "high.value"), &hi);
	if (has_lo && has_hi && lo > hi)
		has_lo = has_hi = false;
	char ref_text[65];
	copy_text(ref_text, jstr(rr, "text"), sizeof ref_text);
	const char *flag = flag_of(jget(o, "interpretation.0"));
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO observations(patient_id, encounter_id, loinc, panel_id, value_num, value_text, unit, ref_low,"
		" ref_high, ref_text, flag, effective_at, status, recorded_by, created_at, retired_at, retired_by,"
		" retired_reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	if (enc)
		sqlite3_bind_int64(st, 2, enc);
	sqlite3_bind_text(st, 3, lc, -1, SQLITE_TRANSIENT);
	if (panel)
		sqlite3_bind_int64(st, 4, panel);
	if (has_num)
		sqlite3_bind_double(st, 5, num);
	if (*text)
		sqlite3_bind_text(st, 6, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, unit, -1, SQLITE_TRANSIENT);
	if (has_lo)
		sqlite3_bind_double(st, 8, lo);
	if (has_hi)
		sqlite3_bind_double(st, 9, hi);
	sqlite3_bind_text(st, 10, ref_text, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 11, flag);
	sqlite3_bind_text(st, 12, effective, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 13, err ? "entered-in-error" : status, -1, SQLITE_STATIC);
	bind_actor(s, st, 14);
	sqlite3_bind_text(st, 15, s->now, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 16, err, "entered in error at the source");
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return fail_at(s, e, "Observation %s: %s", lc, sqlite3_errmsg(emr_db_sqlite(s->db)));
	*row = sqlite3_last_insert_rowid(emr_db_sqlite(s->db));
	return 0;
}

static int map_observation(state *s, entry *e, int64_t pid)
{
	const char *fs = jstr(e->res, "status");
	if (fs && strcmp(fs, "cancelled") == 0) {
		keep(e, "cancelled");
		return 0;
	}
	const char *status = !fs || !strcmp(fs, "final") || !strcmp(fs, "unknown") ? "final" :
	                     !strcmp(fs, "registered") || !strcmp(fs, "preliminary") ? "preliminary" :
	                     !strcmp(fs, "amended") || !strcmp(fs, "corrected") ? "amended" : "final";
	bool err = fs && strcmp(fs, "entered-in-error") == 0;
	char eff[EMR_INSTANT_LEN];
	static const char *const eff_f[] = {"effectiveDateTime", "effectiveInstant", "effectivePeriod.start",
	                                    "effectivePeriod.end", "issued", NULL};
	if (!when(e->res, eff_f, NULL, eff)) {
		keep(e, "no effective time");
		return 0;
	}
	const char *kind = "lab";
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(e->res, "category"), i, c)
		if (cc_code(c, NULL) && strcmp(cc_code(c, NULL), "vital-signs") == 0)
			kind = "vital";
	int64_t enc = encounter_of(s, json_object_get(e->res, "encounter"), pid);
	const char *why = NULL;
	int64_t row = 0;
	json_t *comps = json_object_get(e->res, "component");
	bool has_value = false;
	const char *k;
	json_t *v;
	json_object_foreach(e->res, k, v)
		if (strncmp(k, "value", 5) == 0)
			has_value = true;
	if (has_value || !json_array_size(comps)) {
		int rc = obs_row(s, e, e->res, pid, enc, kind, eff, status, err, 0, &row, &why);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			keep(e, why);
			return 0;
		}
		e->table = "observations";
		e->row = row;
		e->patient_id = pid;
		return 0;
	}
	/* A panel (blood pressure: systolic and diastolic): one row per
	 * component, sharing panel_id = the first row's id. */
	int64_t panel = 0;
	for (int pass = 0; pass < 2; pass++) {
		/* Systolic first, so the panel is named by it as emr does. */
		json_array_foreach(comps, i, c) {
			const char *cl = pick_loinc(s, json_object_get(c, "code"));
			bool sys = cl && strcmp(cl, "8480-6") == 0;
			if ((pass == 0) != sys)
				continue;
			int rc = obs_row(s, e, c, pid, enc, kind, eff, status, err, panel, &row, &why);
			if (rc < 0)
				return -1;
			if (rc == 0 && !panel) {
				panel = row;
				sqlite3_stmt *st = emr_db_stmt(s->db, "UPDATE observations SET panel_id = ?1 WHERE id = ?1");
				if (!st)
					return -1;
				sqlite3_bind_int64(st, 1, row);
				int src = sqlite3_step(st);
				sqlite3_reset(st);
				if (src != SQLITE_DONE)
					return fail_at(s, e, "panel: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
			}
		}
	}
	if (!panel) {
		keep(e, why ? why : "no component with a value");
		return 0;
	}
	e->table = "observations";
	e->row = panel;
	e->patient_id = pid;
	return 0;
}

/* ------------------------------------------------------------ immunizations, procedures */

static const char *code_map(const char *c, const char *const (*map)[2], size_t n, const char *other)
{
	if (!c)
		return "";
	for (size_t i = 0; i < n; i++)
		if (strcasecmp(map[i][0], c) == 0)
			return map[i][1];
	return other;
}

static int map_immunization(state *s, entry *e, int64_t pid)
{
	json_t *vc = json_object_get(e->res, "vaccineCode");
	const char *cvx = cc_code(vc, EMR_FHIR_CVX);
	if (!all_digits(cvx, 3)) {
		keep(e, "no CVX code");
		return 0;
	}
	char on[EMR_DATE_LEN];
	static const char *const on_f[] = {"occurrenceDateTime", "recorded", NULL};
	if (!when(e->res, on_f, on, NULL)) {
		keep(e, "no date given");
		return 0;
	}
	sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT 1 FROM cvx WHERE code = ?1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, cvx, -1, SQLITE_TRANSIENT);
	bool known = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	if (!known) {
		char name[EMR_TEXT_MAX];
		const char *d = jstr(cc_coding(vc, EMR_FHIR_CVX), "display");
		copy_text(name, d ? d : cc_text(vc) ? cc_text(vc) : cvx, sizeof name);
		st = emr_db_stmt(s->db, "INSERT INTO cvx(code, short_name, full_name, origin) VALUES (?1, ?2, ?2, 'imported')");
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, cvx, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE)
			return fail_at(s, e, "vaccineCode \"%s\": adding it to the CVX table: %s", cvx,
			               sqlite3_errmsg(emr_db_sqlite(s->db)));
	}
	static const char *const routes[][2] = {{"IM", "IM"}, {"SQ", "SC"}, {"SC", "SC"}, {"IDINJ", "ID"}, {"ID", "ID"},
	                                        {"PO", "PO"}, {"NASINHL", "IN"}, {"NASINHLC", "IN"}, {"NASAL", "IN"}};
	static const char *const sites[][2] = {{"LA", "left arm"}, {"RA", "right arm"}, {"LD", "left deltoid"},
	                                       {"RD", "right deltoid"}, {"LT", "left thigh"}, {"RT", "right thigh"},
	                                       {"LVL", "left thigh"}, {"RVL", "right thigh"}};
	/* By code; without one, by the text emr's own export writes
	 * ("oral", "intranasal"), else "other". */
	static const char *const site_words[][2] = {{"left deltoid", "left deltoid"}, {"right deltoid", "right deltoid"},
	                                            {"left thigh", "left thigh"}, {"right thigh", "right thigh"},
	                                            {"left arm", "left arm"}, {"right arm", "right arm"},
	                                            {"oral", "oral"}, {"intranasal", "intranasal"}, {"other", "other"}};
	static const char *const route_words[][2] = {{"IM", "IM"}, {"SC", "SC"}, {"ID", "ID"}, {"PO", "PO"}, {"IN", "IN"},
	                                             {"oral", "PO"}, {"intranasal", "IN"}, {"other", "other"}};
	json_t *rj = json_object_get(e->res, "route"), *sj = json_object_get(e->res, "site");
	const char *route = cc_code(rj, NULL) ? code_map(cc_code(rj, NULL), routes, 9, "other")
	                                      : code_map(cc_text(rj), route_words, 8, "other");
	const char *site = cc_code(sj, NULL) ? code_map(cc_code(sj, NULL), sites, 8, "other")
	                                     : code_map(cc_text(sj), site_words, 9, "other");
	double dose = 0;
	jnum(jget(e->res, "protocolApplied.0.doseNumberPositiveInt"), &dose);
	const char *fs = jstr(e->res, "status");
	bool err = fs && strcmp(fs, "entered-in-error") == 0;
	char lot[33], manu[EMR_NAME_MAX];
	copy_text(lot, jstr(e->res, "lotNumber"), sizeof lot);
	ref_name(s, json_object_get(e->res, "manufacturer"), manu, sizeof manu);
	st = emr_db_stmt(s->db,
		"INSERT INTO immunizations(patient_id, encounter_id, cvx, administered_on, lot, manufacturer, site, route,"
		" dose_number, status, performer_id, created_at, retired_at, retired_by, retired_reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	int64_t enc = encounter_of(s, json_object_get(e->res, "encounter"), pid);
	if (enc)
		sqlite3_bind_int64(st, 2, enc);
	sqlite3_bind_text(st, 3, cvx, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, on, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, lot, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, manu, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, site, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, route, -1, SQLITE_STATIC);
	if (dose >= 1 && dose <= 20)
		sqlite3_bind_int(st, 9, (int)dose);
	sqlite3_bind_text(st, 10, err ? "entered-in-error" : fs && !strcmp(fs, "not-done") ? "not-done" : "completed", -1,
	                  SQLITE_STATIC);
	int64_t performer = ref_user(s, jget(e->res, "performer.0.actor"));
	if (performer)
		sqlite3_bind_int64(st, 11, performer);
	char created[EMR_INSTANT_LEN];
	recorded_at(s, e->res, "recorded", created);
	sqlite3_bind_text(st, 12, created, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 13, err, "entered in error at the source");
	return finish_insert(s, e, st, "immunizations", pid);
}

static int map_procedure(state *s, entry *e, int64_t pid)
{
	json_t *code = json_object_get(e->res, "code");
	const char *system = "SNOMED", *c = cc_code(code, EMR_FHIR_SNOMED);
	if (!c) {
		system = "CPT";
		c = cc_code(code, EMR_FHIR_CPT);
	}
	if (!c) {
		system = "HCPCS";
		c = cc_code(code, EMR_FHIR_HCPCS);
	}
	if (!c) {
		system = "other";
		c = cc_code(code, NULL);
	}
	const char *text = cc_text(code);
	if (!c && !text) {
		keep(e, "no code");
		return 0;
	}
	char desc[EMR_TEXT_MAX], cbuf[65];
	copy_text(desc, text ? text : c, sizeof desc);
	copy_text(cbuf, c ? c : "", sizeof cbuf);
	if (!*cbuf)
		copy_text(cbuf, "-", sizeof cbuf);
	char start[EMR_INSTANT_LEN] = "", end[EMR_INSTANT_LEN] = "";
	static const char *const start_f[] = {"performedDateTime", "performedPeriod.start", NULL};
	static const char *const end_f[] = {"performedPeriod.end", NULL};
	when(e->res, start_f, NULL, start);
	when(e->res, end_f, NULL, end);
	if (*start && *end && strcmp(end, start) < 0)
		end[0] = '\0';
	const char *fs = jstr(e->res, "status");
	static const char *const ok[] = {"preparation", "in-progress", "not-done", "on-hold", "stopped", "completed",
	                                 "unknown", "entered-in-error", NULL};
	const char *status = "completed";
	for (size_t i = 0; fs && ok[i]; i++)
		if (strcmp(fs, ok[i]) == 0)
			status = ok[i];
	bool err = strcmp(status, "entered-in-error") == 0;
	char performer[EMR_NAME_MAX], note[EMR_TEXT_MAX];
	ref_name(s, jget(e->res, "performer.0.actor"), performer, sizeof performer);
	join_notes(e->res, note, sizeof note);
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO procedures(patient_id, encounter_id, code_system, code, description, performed_start,"
		" performed_end, status, performer, note, recorded_by, created_at, retired_at, retired_by, retired_reason)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	int64_t enc = encounter_of(s, json_object_get(e->res, "encounter"), pid);
	if (enc)
		sqlite3_bind_int64(st, 2, enc);
	sqlite3_bind_text(st, 3, system, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, cbuf, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, desc, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 6, start);
	emr_bind_text_or_null(st, 7, end);
	sqlite3_bind_text(st, 8, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, performer, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, note, -1, SQLITE_TRANSIENT);
	bind_actor(s, st, 11);
	sqlite3_bind_text(st, 12, s->now, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 13, err, "entered in error at the source");
	return finish_insert(s, e, st, "procedures", pid);
}

/* ------------------------------------------------------------ encounters, appointments */

static int map_encounter(state *s, entry *e, int64_t pid)
{
	char start[EMR_INSTANT_LEN], end[EMR_INSTANT_LEN] = "";
	static const char *const start_f[] = {"period.start", "period.end", NULL};
	static const char *const end_f[] = {"period.end", NULL};
	if (!when(e->res, start_f, NULL, start)) {
		keep(e, "no period.start");
		return 0;
	}
	when(e->res, end_f, NULL, end);
	if (*end && strcmp(end, start) < 0)
		end[0] = '\0';
	static const char *const classes[][2] = {{"AMB", "office"}, {"VR", "telehealth"}, {"HH", "home"},
	                                         {"IMP", "hospital"}, {"ACUTE", "hospital"}, {"NONAC", "hospital"},
	                                         {"EMER", "hospital"}, {"OBSENC", "hospital"}, {"SS", "hospital"},
	                                         {"PRENC", "office"}, {"FLD", "other"}};
	const char *cls = jgets(e->res, "class.code");
	const char *type = cls ? code_map(cls, classes, 11, "other") : "office";
	/* emr's own export names the kind of visit in the type's text
	 * ("phone visit"): finer than the class (VR is phone or telehealth). */
	const char *ttext = cc_text(jget(e->res, "type.0"));
	bool emr_kind = false;
	static const char *const kinds[] = {"office", "telehealth", "phone", "home", "hospital", "other", NULL};
	for (size_t k = 0; ttext && kinds[k]; k++) {
		size_t kl = strlen(kinds[k]);
		if (strncmp(ttext, kinds[k], kl) == 0 && strcmp(ttext + kl, " visit") == 0) {
			type = kinds[k];
			emr_kind = true;
		}
	}
	const char *fs = jstr(e->res, "status");
	const char *status = !fs ? "finished" : !strcmp(fs, "planned") ? "planned" :
	                     !strcmp(fs, "cancelled") ? "cancelled" : !strcmp(fs, "entered-in-error") ? "entered-in-error" :
	                     !strcmp(fs, "arrived") || !strcmp(fs, "triaged") || !strcmp(fs, "in-progress") ||
	                     !strcmp(fs, "onleave") ? "in-progress" : "finished";
	bool err = strcmp(status, "entered-in-error") == 0;
	char reason[EMR_TEXT_MAX];
	const char *r = cc_text(jget(e->res, "reasonCode.0"));
	copy_text(reason, r ? r : emr_kind ? "" : ttext, sizeof reason);
	/* The provider: the primary performer, else the first participant. */
	json_t *who = NULL;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(e->res, "participant"), i, p) {
		json_t *ind = json_object_get(p, "individual");
		if (!ind)
			continue;
		const char *pt = cc_code(jget(p, "type.0"), NULL);
		if (!who || (pt && (!strcmp(pt, "PPRF") || !strcmp(pt, "ATND"))))
			who = ind;
	}
	int64_t provider = ref_user(s, who);
	char source_provider[EMR_NAME_MAX] = "";
	if (!provider && who)
		ref_name(s, who, source_provider, sizeof source_provider);
	target t;
	int64_t appt = 0;
	if (resolve(s, jgets(e->res, "appointment.0.reference"), &t) && t.table && !strcmp(t.table, "appointments"))
		appt = t.row;
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO encounters(patient_id, provider_id, appointment_id, start_at, end_at, type, reason, status,"
		" created_at, retired_at, retired_by, retired_reason, source_provider)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	if (provider)
		sqlite3_bind_int64(st, 2, provider);
	if (appt)
		sqlite3_bind_int64(st, 3, appt);
	sqlite3_bind_text(st, 4, start, -1, SQLITE_TRANSIENT);
	emr_bind_text_or_null(st, 5, end);
	sqlite3_bind_text(st, 6, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, s->now, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 10, err, "entered in error at the source");
	sqlite3_bind_text(st, 13, source_provider, -1, SQLITE_TRANSIENT);
	return finish_insert(s, e, st, "encounters", pid);
}

static int map_appointment(state *s, entry *e)
{
	int64_t pid = 0, provider = 0;
	size_t i;
	json_t *p;
	json_array_foreach(json_object_get(e->res, "participant"), i, p) {
		json_t *actor = json_object_get(p, "actor");
		target t;
		if (!resolve(s, jstr(actor, "reference"), &t) || !t.table)
			continue;
		if (!strcmp(t.table, "patients"))
			pid = t.row;
		else if (!strcmp(t.table, "users") && !provider)
			provider = t.row;
	}
	if (!pid) {
		keep(e, "no patient known here");
		return 0;
	}
	if (!provider) {
		keep(e, "the provider is not a user here");
		return 0;
	}
	char start[EMR_INSTANT_LEN], end[EMR_INSTANT_LEN];
	static const char *const start_f[] = {"start", NULL};
	static const char *const end_f[] = {"end", NULL};
	if (!when(e->res, start_f, NULL, start)) {
		keep(e, "no start");
		return 0;
	}
	double minutes = 0;
	time_t a, b;
	if (!jnum(json_object_get(e->res, "minutesDuration"), &minutes) && when(e->res, end_f, NULL, end) &&
	    emr_instant_parse(start, &a) && emr_instant_parse(end, &b))
		minutes = (double)(b - a) / 60;
	if (minutes < 5 || minutes > 480) {
		keep(e, "a length emr cannot book (5 to 480 minutes)");
		return 0;
	}
	static const char *const types[][2] = {{"CHECKUP", "annual"}, {"EMERGENCY", "acute"}, {"FOLLOWUP", "follow-up"},
	                                       {"ROUTINE", "follow-up"}, {"WALKIN", "acute"}, {"new", "new"},
	                                       {"follow-up", "follow-up"}, {"annual", "annual"}, {"acute", "acute"},
	                                       {"procedure", "procedure"}, {"telehealth", "telehealth"}};
	json_t *at = json_object_get(e->res, "appointmentType");
	const char *type = code_map(cc_code(at, NULL), types, 11, "");
	if (!*type)
		type = code_map(cc_text(at), types, 11, "follow-up");
	const char *fs = jstr(e->res, "status");
	const char *status = !fs ? "booked" : !strcmp(fs, "arrived") ? "arrived" : !strcmp(fs, "checked-in") ? "in-room" :
	                     !strcmp(fs, "fulfilled") ? "done" : !strcmp(fs, "noshow") ? "no-show" :
	                     !strcmp(fs, "cancelled") || !strcmp(fs, "entered-in-error") ? "cancelled" : "booked";
	char cancel[EMR_TEXT_MAX] = "";
	if (!strcmp(status, "cancelled")) {
		const char *why = cc_text(json_object_get(e->res, "cancelationReason"));
		copy_text(cancel, why ? why : !strcmp(fs, "entered-in-error") ? "entered in error at the source" :
		                  "cancelled at the source", sizeof cancel);
	}
	char reason[EMR_TEXT_MAX];
	const char *r = jstr(e->res, "description");
	copy_text(reason, r ? r : cc_text(jget(e->res, "reasonCode.0")), sizeof reason);
	/* An overlap with another booking is kept as an overbook, as it was. */
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"SELECT EXISTS (SELECT 1 FROM appointments a WHERE a.provider_id = ?1 AND a.status NOT IN ('cancelled', 'no-show')"
		" AND a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '+' || ?3 || ' minutes')"
		" AND strftime('%Y-%m-%dT%H:%M:%SZ', a.start_at, '+' || a.duration_min || ' minutes') > ?2)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, provider);
	sqlite3_bind_text(st, 2, start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, (int)minutes);
	int overbook = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	st = emr_db_stmt(s->db,
		"INSERT INTO appointments(patient_id, provider_id, start_at, duration_min, type, reason, status, overbook,"
		" cancel_reason, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, provider);
	sqlite3_bind_text(st, 3, start, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, (int)minutes);
	sqlite3_bind_text(st, 5, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, status, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, overbook);
	emr_bind_text_or_null(st, 9, cancel);
	sqlite3_bind_text(st, 10, s->now, -1, SQLITE_TRANSIENT);
	return finish_insert(s, e, st, "appointments", pid);
}

/* Practitioners, Organizations, Locations: their names, for references;
 * a Practitioner who is one of our users (our identifier, or the NPI). */
static int map_named(state *s, entry *e)
{
	const char *name = jstr(e->res, "name");
	char buf[201] = "";
	if (name)
		copy_text(buf, name, sizeof buf);
	else if (json_object_get(e->res, "name"))
		human_name(json_object_get(e->res, "name"), buf, sizeof buf);
	if (strcmp(e->type, "PractitionerRole") == 0)
		ref_name(s, json_object_get(e->res, "practitioner"), buf, sizeof buf);
	if (*buf)
		set_display(e, buf);
	if (strcmp(e->type, "Practitioner") != 0 && strcmp(e->type, "PractitionerRole") != 0)
		return 0;
	json_t *idents = json_object_get(e->res, "identifier");
	if (strcmp(e->type, "PractitionerRole") == 0) {
		target t;
		if (resolve(s, jgets(e->res, "practitioner.reference"), &t) && t.table && !strcmp(t.table, "users")) {
			e->table = "users";
			e->row = t.row;
		}
		return 0;
	}
	size_t i;
	json_t *id;
	json_array_foreach(idents, i, id) {
		const char *sys = jstr(id, "system"), *val = jstr(id, "value");
		target t;
		if (lookup_own(s, sys, val, &t) && !strcmp(t.table, "users")) {
			e->table = "users";
			e->row = t.row;
			return 0;
		}
		if (sys && val && strcmp(sys, EMR_FHIR_NPI) == 0 && all_digits(val, 10) && strlen(val) == 10) {
			sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT id FROM users WHERE npi = ?1");
			if (!st)
				return -1;
			sqlite3_bind_text(st, 1, val, -1, SQLITE_TRANSIENT);
			if (sqlite3_step(st) == SQLITE_ROW) {
				e->table = "users";
				e->row = sqlite3_column_int64(st, 0);
			}
			sqlite3_reset(st);
			if (e->table)
				return 0;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ notes */

/* The appends target of a DocumentReference, or NULL. */
static const char *appends_target(const json_t *res)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(res, "relatesTo"), i, r) {
		const char *c = jstr(r, "code");
		if (c && strcmp(c, "appends") == 0)
			return jgets(r, "target.reference");
	}
	return NULL;
}

/* The text of the first text/plain or text/markdown attachment (heap), or
 * NULL: *why says why (kept), or -1 on a malformed attachment. */
static int doc_text(state *s, entry *e, char **out, const char **why)
{
	*out = NULL;
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(e->res, "content"), i, c) {
		json_t *att = json_object_get(c, "attachment");
		const char *ct = jstr(att, "contentType");
		if (!ct || (strncasecmp(ct, "text/plain", 10) != 0 && strncasecmp(ct, "text/markdown", 13) != 0))
			continue;
		const char *data = jstr(att, "data");
		const char *url = jstr(att, "url");
		if (data) {
			size_t n = strlen(data);
			unsigned char *bin = emr_xmalloc(n + 1);
			size_t len = 0;
			if (sodium_base642bin(bin, n + 1, data, n, " \t\r\n", &len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0) {
				free(bin);
				return fail_at(s, e, "content[%zu].attachment.data: not base64", i);
			}
			bin[len] = '\0';
			if (memchr(bin, '\0', len) || !emr_utf8_valid((const char *)bin, len)) {
				free(bin);
				return fail_at(s, e, "content[%zu].attachment.data: not UTF-8 text", i);
			}
			*out = (char *)bin;
			return 0;
		}
		if (url) {
			emr_sb sb = EMR_SB_INIT;
			const char *title = jstr(att, "title");
			if (title)
				emr_sb_printf(&sb, "%s\n\n", title);
			emr_sb_printf(&sb, "<%s>\n", url);
			*out = emr_sb_take(&sb);
			return 0;
		}
	}
	*why = "no text/plain or text/markdown content";
	return 0;
}

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

static int map_document(state *s, entry *e, int64_t pid)
{
	const char *why = NULL;
	char *body = NULL;
	if (doc_text(s, e, &body, &why) != 0)
		return -1;
	if (!body || blank(body)) {
		keep(e, body ? "empty text" : why);
		free(body);
		return 0;
	}
	char author[EMR_NAME_MAX] = "";
	json_t *au = jget(e->res, "author.0");
	if (au)
		ref_name(s, au, author, sizeof author);
	char date[EMR_INSTANT_LEN];
	static const char *const date_f[] = {"date", "context.period.start", NULL};
	if (!when(e->res, date_f, NULL, date))
		copy_text(date, s->now, sizeof date);
	if (!s->actor) {
		free(body);
		return fail_at(s, e, "DocumentReference: a note needs an importing user as its author");
	}
	const char *target_ref = appends_target(e->res);
	if (target_ref) {
		target t;
		if (!resolve(s, target_ref, &t) || !t.table || strcmp(t.table, "notes") != 0) {
			free(body);
			keep(e, "appends to a document that is not a note here");
			return 0;
		}
		sqlite3_stmt *st = emr_db_stmt(s->db, "SELECT status FROM notes WHERE id = ?1");
		if (!st) {
			free(body);
			return -1;
		}
		sqlite3_bind_int64(st, 1, t.row);
		bool signed_ = sqlite3_step(st) == SQLITE_ROW && strcmp(emr_col_text(st, 0), "signed") == 0;
		sqlite3_reset(st);
		if (!signed_) {
			free(body);
			keep(e, "appends to a note that is not signed");
			return 0;
		}
		st = emr_db_stmt(s->db,
			"INSERT INTO note_addenda(note_id, author_id, body, created_at, source_author) VALUES (?1, ?2, ?3, ?4, ?5)");
		if (!st) {
			free(body);
			return -1;
		}
		sqlite3_bind_int64(st, 1, t.row);
		sqlite3_bind_int64(st, 2, s->actor);
		sqlite3_bind_text(st, 3, body, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, author, -1, SQLITE_TRANSIENT);
		free(body);
		return finish_insert(s, e, st, "note_addenda", pid);
	}
	int64_t enc = 0;
	size_t i;
	json_t *r;
	json_array_foreach(jget(e->res, "context.encounter"), i, r)
		if (!enc)
			enc = encounter_of(s, r, pid);
	if (!enc) {
		/* A note lives in a visit: one is made for a document without. */
		const char *type = cc_text(json_object_get(e->res, "type"));
		char reason[EMR_TEXT_MAX];
		snprintf(reason, sizeof reason, "imported document%s%s", type ? ": " : "", type ? type : "");
		sqlite3_stmt *st = emr_db_stmt(s->db,
			"INSERT INTO encounters(patient_id, start_at, end_at, type, reason, status, created_at, source_provider)"
			" VALUES (?1, ?2, ?2, 'other', ?3, 'finished', ?4, ?5)");
		if (!st) {
			free(body);
			return -1;
		}
		sqlite3_bind_int64(st, 1, pid);
		sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, s->now, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, author, -1, SQLITE_TRANSIENT);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			free(body);
			return fail_at(s, e, "context.encounter: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
		}
		enc = sqlite3_last_insert_rowid(emr_db_sqlite(s->db));
	}
	const char *fs = jstr(e->res, "status");
	const char *ds = jstr(e->res, "docStatus");
	bool err = fs && strcmp(fs, "entered-in-error") == 0;
	bool draft = !err && ds && (!strcmp(ds, "preliminary") || !strcmp(ds, "registered") || !strcmp(ds, "partial"));
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO notes(encounter_id, patient_id, author_id, body, status, signed_by, signed_at, created_at,"
		" updated_at, retired_at, retired_by, retired_reason, source_author)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12)");
	if (!st) {
		free(body);
		return -1;
	}
	sqlite3_bind_int64(st, 1, enc);
	sqlite3_bind_int64(st, 2, pid);
	sqlite3_bind_int64(st, 3, s->actor);
	sqlite3_bind_text(st, 4, body, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, err ? "entered-in-error" : draft ? "draft" : "signed", -1, SQLITE_STATIC);
	if (!err && !draft) {
		/* Signed where it was written; accepted into this record by the
		 * importing user, who is therefore the one named as signer.  The
		 * time is the source's signing time when it gives one. */
		char signed_at[EMR_INSTANT_LEN];
		copy_text(signed_at, date, sizeof signed_at);
		size_t x;
		json_t *ext;
		json_array_foreach(jget(e->res, "authenticator.extension"), x, ext) {
			const char *url = jstr(ext, "url"), *vdt = jstr(ext, "valueDateTime");
			fdt t;
			if (url && vdt && strstr(url, "signed-at") && fdt_parse(vdt, &t))
				fdt_instant(&t, signed_at);
		}
		sqlite3_bind_int64(st, 6, s->actor);
		sqlite3_bind_text(st, 7, signed_at, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_text(st, 8, date, -1, SQLITE_TRANSIENT);
	bind_retired(s, st, 9, err, "entered in error at the source");
	sqlite3_bind_text(st, 12, author, -1, SQLITE_TRANSIENT);
	free(body);
	return finish_insert(s, e, st, "notes", pid);
}

/* ------------------------------------------------------------ writing */

static bool reals_short(const json_t *v)
{
	if (json_is_real(v)) {
		char buf[40];
		double d = json_real_value(v);
		snprintf(buf, sizeof buf, "%.15g", d);
		return strtod(buf, NULL) == d;
	}
	const char *k;
	size_t i;
	json_t *c;
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, c)
			if (!reals_short(c))
				return false;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, c)
			if (!reals_short(c))
				return false;
	}
	return true;
}

static const char *const KNOWN_KEPT[] = {
	"Claim", "ExplanationOfBenefit", "CarePlan", "CareTeam", "Provenance", "DiagnosticReport", "Goal", "Coverage",
	"Medication", "MedicationAdministration", "MedicationStatement", "MedicationDispense", "ImagingStudy", "Device",
	"SupplyDelivery", "Organization", "Location", "Practitioner", "PractitionerRole", "ServiceRequest",
	"QuestionnaireResponse", "Questionnaire", "RelatedPerson", "Composition", "List", "Parameters", "Binary",
	"Specimen", "FamilyMemberHistory", "RiskAssessment", "ClinicalImpression", "Communication", "Consent",
	"DeviceRequest", "NutritionOrder", "Task", "Schedule", "Slot", "Media", "AuditEvent", "Basic", "Flag",
	"DetectedIssue", "EpisodeOfCare", "Account", "Invoice", "ChargeItem", "PaymentNotice", "PaymentReconciliation",
	"ClaimResponse", "CoverageEligibilityRequest", "CoverageEligibilityResponse", "Group", "Person", "Endpoint",
	"HealthcareService", "DocumentManifest", "OperationOutcome", "Bundle", "AdverseEvent", "BodyStructure",
	"MolecularSequence", "ImmunizationEvaluation", "ImmunizationRecommendation", "VisionPrescription",
	"CommunicationRequest", "RequestGroup", "ResearchStudy", "ResearchSubject", "Substance", NULL};

/* A resource as it is kept: compact, members in their order, values
 * exact (a number with the fewest digits that read back the same, 15 or
 * 17).  Heap; NULL if jansson cannot serialise it. */
static char *stored_text(const json_t *res)
{
	bool shortr = reals_short(res);
	return json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(shortr ? 15 : 17));
}

static int record(state *s, entry *e)
{
	/* An NDJSON line is kept byte for byte; a Bundle's resource as parsed
	 * (members in their order, values exact: a number is written with
	 * the fewest digits that read back the same, 15 or 17). */
	char *text;
	if (e->raw) {
		text = emr_xmalloc(e->raw_len + 1);
		memcpy(text, e->raw, e->raw_len);
		text[e->raw_len] = '\0';
	} else {
		text = e->text ? e->text : stored_text(e->res);
		e->text = NULL;
	}
	if (!text)
		return fail_at(s, e, "could not serialise the resource");
	if (!e->table && !e->kept_reason) {
		bool known = false;
		for (size_t i = 0; KNOWN_KEPT[i]; i++)
			if (strcmp(KNOWN_KEPT[i], e->type) == 0)
				known = true;
		static const char *const mapped[] = {"Patient", "Encounter", "Condition", "AllergyIntolerance",
		                                     "MedicationRequest", "Observation", "Immunization", "Procedure",
		                                     "DocumentReference", "Appointment", NULL};
		for (size_t i = 0; mapped[i]; i++)
			if (strcmp(mapped[i], e->type) == 0) {
				known = true;
				keep(e, "no patient known here");
			}
		if (!known)
			keep(e, "a resource type emr does not know");
	}
	sqlite3_stmt *st = emr_db_stmt(s->db,
		"INSERT INTO fhir_received(source_file, entry_index, resource_type, source_key, json, mapped_table, mapped_id,"
		" patient_id, display, kept_reason, received_at, received_by, content_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
		" ?8, ?9, ?10, ?11, ?12, ?13)");
	if (!st) {
		free(text);
		return -1;
	}
	sqlite3_bind_text(st, 1, s->file, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, e->index);
	sqlite3_bind_text(st, 3, e->type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, e->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
	if (e->table) {
		sqlite3_bind_text(st, 6, e->table, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, e->row);
	}
	if (e->patient_id)
		sqlite3_bind_int64(st, 8, e->patient_id);
	sqlite3_bind_text(st, 9, disp(e), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, e->table || !e->kept_reason ? "" : e->kept_reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, s->now, -1, SQLITE_TRANSIENT);
	bind_actor(s, st, 12);
	sqlite3_bind_text(st, 13, e->hash, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	free(text);
	if (rc != SQLITE_DONE)
		return fail_at(s, e, "keeping the resource: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
	int64_t rid = sqlite3_last_insert_rowid(emr_db_sqlite(s->db));
	/* Its other names. */
	const char *names[3];
	size_t nn = 0;
	emr_sb typeid = EMR_SB_INIT;
	const char *id = jstr(e->res, "id");
	if (id && *id) {
		emr_sb_printf(&typeid, "%s/%s%s", e->type, id, s->scope);
		names[nn++] = emr_sb_str(&typeid);
	}
	if (e->full_url && *e->full_url)
		names[nn++] = e->full_url;
	for (size_t k = 0; k <= nn; k++) {
		const char *key = k < nn ? names[k] : e->ident;
		if (!key || strcmp(key, e->key) == 0)
			continue;
		st = emr_db_stmt(s->db, "INSERT OR IGNORE INTO fhir_received_keys(key, received_id, identity) VALUES (?1, ?2, ?3)");
		if (!st) {
			emr_sb_free(&typeid);
			return -1;
		}
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, rid);
		sqlite3_bind_int(st, 3, k == nn);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			emr_sb_free(&typeid);
			return fail_at(s, e, "keeping the resource: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
		}
	}
	emr_sb_free(&typeid);
	size_t i;
	json_t *ident;
	json_array_foreach(json_object_get(e->res, "identifier"), i, ident) {
		const char *sys = jstr(ident, "system"), *val = jstr(ident, "value");
		if (!val || !*val)
			continue;
		emr_sb sb = EMR_SB_INIT;
		emr_sb_printf(&sb, "%s?identifier=%s|%s", e->type, sys ? sys : "", val);
		st = emr_db_stmt(s->db, "INSERT OR IGNORE INTO fhir_received_keys(key, received_id, identity) VALUES (?1, ?2, 0)");
		if (!st) {
			emr_sb_free(&sb);
			return -1;
		}
		sqlite3_bind_text(st, 1, emr_sb_str(&sb), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, rid);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		emr_sb_free(&sb);
		if (rc != SQLITE_DONE)
			return fail_at(s, e, "keeping the resource: %s", sqlite3_errmsg(emr_db_sqlite(s->db)));
	}
	return 0;
}

static int phase_of(const entry *e)
{
	const char *t = e->type;
	if (!strcmp(t, "Practitioner") || !strcmp(t, "Organization") || !strcmp(t, "Location") ||
	    !strcmp(t, "Medication"))
		return 0;
	if (!strcmp(t, "PractitionerRole"))
		return 1;
	if (!strcmp(t, "Patient"))
		return 2;
	if (!strcmp(t, "Appointment"))
		return 3;
	if (!strcmp(t, "Encounter"))
		return 4;
	if (!strcmp(t, "Condition") || !strcmp(t, "AllergyIntolerance") || !strcmp(t, "MedicationRequest") ||
	    !strcmp(t, "Observation") || !strcmp(t, "Immunization") || !strcmp(t, "Procedure"))
		return 5;
	if (!strcmp(t, "DocumentReference"))
		return appends_target(e->res) ? 7 : 6;
	return 8;
}

static int map_entry(state *s, entry *e)
{
	const char *t = e->type;
	int ph = e->phase;
	if (ph <= 1)
		return map_named(s, e);
	if (ph == 2)
		return map_patient(s, e);
	if (ph == 3)
		return map_appointment(s, e);
	if (ph == 8)
		return 0;
	int64_t pid = chart_of(s, e);
	if (!pid) {
		keep(e, "no patient known here");
		return 0;
	}
	e->patient_id = pid;
	int rc;
	if (!strcmp(t, "Encounter"))
		rc = map_encounter(s, e, pid);
	else if (!strcmp(t, "Condition"))
		rc = map_condition(s, e, pid);
	else if (!strcmp(t, "AllergyIntolerance"))
		rc = map_allergy(s, e, pid);
	else if (!strcmp(t, "MedicationRequest"))
		rc = map_medication(s, e, pid);
	else if (!strcmp(t, "Observation"))
		rc = map_observation(s, e, pid);
	else if (!strcmp(t, "Immunization"))
		rc = map_immunization(s, e, pid);
	else if (!strcmp(t, "Procedure"))
		rc = map_procedure(s, e, pid);
	else
		rc = map_document(s, e, pid);
	return rc;
}

/* ------------------------------------------------------------ reading */

static bool ndjson_name(const char *path)
{
	size_t n = strlen(path);
	return (n > 7 && strcasecmp(path + n - 7, ".ndjson") == 0) || (n > 6 && strcasecmp(path + n - 6, ".jsonl") == 0);
}

static void json_fail(state *s, const char *what, long line_offset, const json_error_t *je)
{
	fail_at(s, NULL, "%s: line %ld, column %d: %s", what, (long)je->line + line_offset, je->column, je->text);
}

typedef struct span {
	size_t off, len;
	long line;
} span;

/* Splits buf into its NDJSON lines (blank ones skipped): *spans (heap)
 * and their number.  Each line is parsed when it is read (entry_res). */
static size_t split_ndjson(const char *buf, size_t len, span **spans)
{
	size_t nspans = 0, cap = 0, pos = 0;
	long line = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		line++;
		size_t a = pos;
		while (a < end && strchr(" \t\r", buf[a]))
			a++;
		if (a < end) {
			if (nspans == cap) {
				cap = cap ? cap * 2 : 64;
				*spans = emr_xrealloc(*spans, cap * sizeof **spans);
			}
			size_t b = end;
			while (b > a && strchr(" \t\r", buf[b - 1]))
				b--;
			(*spans)[nspans].off = a;
			(*spans)[nspans].len = b - a;
			(*spans)[nspans].line = line;
			nspans++;
		}
		pos = end + 1;
	}
	return nspans;
}

/* The entry's resource, parsed again from its line when it was let go. */
static json_t *entry_res(state *s, entry *e)
{
	if (!e->res && e->raw) {
		json_error_t je;
		e->res = json_loadb(e->raw, e->raw_len, JSON_REJECT_DUPLICATES, &je);
		if (!e->res)
			fail_at(s, e, "not JSON: line %ld, column %d: %s", e->line, je.column, je.text);
	}
	return e->res;
}

static void entry_release(state *s, entry *e)
{
	if (s->lazy && e->res) {
		json_decref(e->res);
		e->res = NULL;
	}
}

/* ------------------------------------------------------------ the import */

static void progress(state *s, long done)
{
	if (s->opts && s->opts->progress && (done % 500 == 0 || done == (long)s->n))
		s->opts->progress(s->opts->progress_ctx, s->file, done, (long)s->n);
}

static int write_all(state *s)
{
	long done = 0;
	for (int ph = 0; ph <= 8; ph++) {
		for (size_t i = 0; i < s->n; i++) {
			entry *e = &s->e[i];
			if (e->already || e->done || e->phase != ph)
				continue;
			if (!entry_res(s, e) || map_entry(s, e) != 0 || record(s, e) != 0)
				return -1;
			entry_release(s, e);
			e->done = true;
			progress(s, ++done);
		}
	}
	return 0;
}

static void count_reason(emr_fhir_result *r, const char *type, const char *reason)
{
	for (size_t i = 0; i < r->nreasons; i++)
		if (!strcmp(r->reasons[i].type, type) && !strcmp(r->reasons[i].reason, reason)) {
			r->reasons[i].n++;
			return;
		}
	r->reasons = emr_xrealloc(r->reasons, (r->nreasons + 1) * sizeof *r->reasons);
	emr_fhir_reason *k = &r->reasons[r->nreasons++];
	memset(k, 0, sizeof *k);
	copy_text(k->type, type, sizeof k->type);
	copy_text(k->reason, reason, sizeof k->reason);
	k->n = 1;
}

static void tally(state *s)
{
	emr_fhir_result *r = s->res;
	for (size_t i = 0; i < s->n; i++) {
		entry *e = &s->e[i];
		emr_fhir_count *c = count_for(r, e->type);
		if (e->already) {
			c->already++;
			r->already++;
		} else if (e->table) {
			c->mapped++;
			r->mapped++;
		} else {
			c->kept++;
			r->kept++;
			if (e->kept_reason)
				count_reason(r, e->type, e->kept_reason);
		}
	}
}

static void reset_counts(emr_fhir_result *r)
{
	free(r->counts);
	r->counts = NULL;
	r->ncounts = 0;
	free(r->reasons);
	r->reasons = NULL;
	r->nreasons = 0;
	r->mapped = r->kept = r->already = 0;
}

int emr_fhir_import_file(emr_db *db, const char *path, const emr_fhir_opts *opts, emr_fhir_result *res)
{
	memset(res, 0, sizeof *res);
	const char *base = strrchr(path, '/');
	copy_text(res->file, base ? base + 1 : path, sizeof res->file);
	state s = {.db = db, .opts = opts, .res = res, .file = res->file};
	res->outcome = EMR_FHIR_REFUSED;
	/* A physician's: an import makes charts, signed notes and codes.
	 * The refusal is audited (permission-denied) as any other. */
	char what[300];
	snprintf(what, sizeof what, "import fhir %s", res->file);
	if (emr_permit(db, EMR_PERM_ADMIN, what) != 0 || emr_permit(db, EMR_PERM_CLINICAL_WRITE, what) != 0) {
		char role[16] = "";
		emr_actor_role(db, role, sizeof role);
		snprintf(res->message, sizeof res->message, "%s: importing FHIR records is for a physician (it adds charts,"
		         " signed notes and codes); %s is a %s", res->file, emr_db_actor_login(db), role);
		emr_db_set_error(db, "%s", res->message);
		return -1;
	}
	struct stat sb;
	if (stat(path, &sb) != 0)
		return fail_at(&s, NULL, "%s", strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return fail_at(&s, NULL, "not a regular file");
	res->bytes = (long)sb.st_size;
	if (sb.st_size > EMR_FHIR_MAX_BYTES)
		return fail_at(&s, NULL, "%.1f MB is more than the import limit of %ld MB: split it (NDJSON files may"
		               " be split at any line)", (double)sb.st_size / (1024.0 * 1024.0),
		               EMR_FHIR_MAX_BYTES / (1024 * 1024));
	{
		char dir[4096], real[4096];
		copy_text(dir, path, sizeof dir);
		char *slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
		else
			copy_text(dir, ".", sizeof dir);
		if (!realpath(*dir ? dir : "/", real))
			copy_text(real, dir, sizeof real);
		char *h = hex_hash(real);
		snprintf(s.scope, sizeof s.scope, "@%.16s", h);
		free(h);
	}
	size_t len = 0;
	char *buf = emr_read_file(path, (size_t)EMR_FHIR_MAX_BYTES, &len);
	if (!buf)
		return fail_at(&s, NULL, "cannot read: %s", strerror(errno));
	json_t *doc = NULL, *entries = NULL;
	span *spans = NULL;
	bool in_tx = false;
	bool bundle = false;
	bool ndjson = ndjson_name(path);
	json_error_t je;
	int rc = -1;
	if (!ndjson) {
		doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
		if (!doc) {
			/* One object per line is NDJSON whatever the file is called. */
			json_t *first = json_loadb(buf, len, JSON_REJECT_DUPLICATES | JSON_DISABLE_EOF_CHECK, NULL);
			if (first && json_is_object(first) && json_object_get(first, "resourceType") &&
			    strstr(je.text, "end of file expected"))
				ndjson = true;
			json_decref(first);
			if (!ndjson) {
				json_fail(&s, "not JSON", 0, &je);
				goto out;
			}
		}
	}
	size_t nlines = 0;
	if (ndjson) {
		nlines = split_ndjson(buf, len, &spans);
		s.lazy = true;
	} else {
		const char *rt = jstr(doc, "resourceType");
		if (!json_is_object(doc) || !rt) {
			fail_at(&s, NULL, "resourceType: missing (not a FHIR resource)");
			goto out;
		}
		if (strcmp(rt, "Bundle") == 0) {
			bundle = true;
			const char *bt = jstr(doc, "type");
			if (!bt || (strcmp(bt, "transaction") && strcmp(bt, "batch") && strcmp(bt, "collection") &&
			            strcmp(bt, "searchset"))) {
				fail_at(&s, NULL, "Bundle.type \"%s\": emr imports transaction, batch, collection and searchset"
				        " bundles", bt ? bt : "");
				goto out;
			}
			entries = json_object_get(doc, "entry");
			if (entries && !json_is_array(entries)) {
				fail_at(&s, NULL, "Bundle.entry: not an array");
				goto out;
			}
		}
	}
	/* The entries. */
	size_t total = ndjson ? nlines : entries ? json_array_size(entries) : bundle ? 0 : 1;
	res->entries = (long)total;
	s.e = emr_xcalloc(total ? total : 1, sizeof *s.e);
	for (size_t i = 0; i < total; i++) {
		json_t *en = ndjson ? NULL : entries ? json_array_get(entries, i) : doc;
		json_t *r = en;
		entry tmp = {.index = (long)i};
		if (ndjson) {
			tmp.raw = buf + spans[i].off;
			tmp.raw_len = spans[i].len;
			tmp.line = spans[i].line;
			json_error_t lje;
			r = json_loadb(tmp.raw, tmp.raw_len, JSON_REJECT_DUPLICATES, &lje);
			if (!r) {
				fail_at(&s, NULL, "entry %ld: not JSON: line %ld, column %d: %s", (long)i, tmp.line, lje.column,
				        lje.text);
				goto out;
			}
			/* Owned: kept in s.e at once, so every way out lets it go. */
			s.e[s.n] = tmp;
			s.e[s.n].res = r;
			s.n++;
		}
		if (!ndjson && entries) {
			if (!json_is_object(en)) {
				fail_at(&s, &tmp, "not an object");
				goto out;
			}
			r = json_object_get(en, "resource");
			if (!r) {
				res->skipped++;   /* a request without a resource (DELETE, GET) */
				continue;
			}
			const char *fu = json_object_get(en, "fullUrl") ? jstr(en, "fullUrl") : NULL;
			if (json_object_get(en, "fullUrl") && !fu) {
				fail_at(&s, &tmp, "fullUrl: not a string");
				goto out;
			}
			tmp.full_url = fu;
		}
		if (!json_is_object(r)) {
			fail_at(&s, &tmp, "resource: not a JSON object");
			goto out;
		}
		tmp.res = r;
		tmp.type = jstr(r, "resourceType");
		if (!tmp.type || !*tmp.type) {
			fail_at(&s, &tmp, "resourceType: missing (not a FHIR resource)");
			goto out;
		}
		if (strlen(tmp.type) > 64 || strspn(tmp.type, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") !=
		                                 strlen(tmp.type)) {
			fail_at(&s, &tmp, "resourceType: not a resource type name");
			goto out;
		}
		entry *e;
		if (ndjson) {
			e = &s.e[s.n - 1];
			e->type = tmp.type;
		} else {
			s.e[s.n] = tmp;
			e = &s.e[s.n++];
		}
		copy_text(e->type_buf, e->type, sizeof e->type_buf);
		e->type = e->type_buf;
		if (index_entry(&s, e) != 0)
			goto out;
		e->phase = phase_of(e);
		char path_buf[512] = "";
		if (check_dates(&s, e, e->res, path_buf, 0, sizeof path_buf) != 0)
			goto out;
		entry_release(&s, e);
	}
	/* Checks, then the writes, in one transaction taken now (BEGIN
	 * IMMEDIATE): another session importing the same file waits, and
	 * then finds it already imported. */
	if (emr_tx_begin(db) != 0) {
		fail_at(&s, NULL, "%s", emr_db_error(db));
		goto out;
	}
	in_tx = true;
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT uid FROM installation WHERE id = 1");
	if (st) {
		if (sqlite3_step(st) == SQLITE_ROW)
			emr_col_copy(st, 0, s.uid, sizeof s.uid);
		sqlite3_reset(st);
	}
	snprintf(s.own_prefix, sizeof s.own_prefix, "%s%s:", EMR_FHIR_ID_BASE, s.uid);
	emr_now_instant(s.now);
	s.actor = emr_db_actor_id(db);
	st = emr_db_stmt(db, "SELECT ifnull(max(id), 0) FROM patients");
	if (st) {
		if (sqlite3_step(st) == SQLITE_ROW)
			s.max_patient_before = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	{
		strmap keys = {0};
		for (size_t i = 0; i < s.n; i++) {
			long prev = strmap_put(&keys, s.e[i].key, (long)i);
			if (prev >= 0) {
				strmap_free(&keys);
				fail_at(&s, &s.e[i], "\"%s\": the same resource as entry %ld", s.e[i].key, s.e[prev].index);
				goto out;
			}
		}
		strmap_free(&keys);
	}
	if (s.n == 0) {
		/* An empty Bundle or NDJSON file: nothing to do, nothing refused. */
		res->outcome = EMR_FHIR_IMPORTED;
		rc = 0;
		goto out;
	}
	size_t fresh = 0;
	char path_buf[512];
	for (size_t i = 0; i < s.n; i++) {
		entry *e = &s.e[i];
		if (find_already(&s, e) != 0)
			goto out;
		if (!e->already)
			fresh++;
	}
	for (size_t i = 0; i < s.n; i++) {
		entry *e = &s.e[i];
		path_buf[0] = '\0';
		if (e->already)
			continue;
		if (!entry_res(&s, e) || check_refs(&s, e, e->res, path_buf, 0, sizeof path_buf) != 0)
			goto out;
		entry_release(&s, e);
	}
	if (fresh == 0) {
		tally(&s);
		res->outcome = EMR_FHIR_ALREADY;
		for (size_t i = 0; i < s.n && !res->patient_id; i++)
			if (s.e[i].table && !strcmp(s.e[i].table, "patients"))
				res->patient_id = s.e[i].row;
		rc = 0;
		goto out;
	}
	/* New patients that may be charts we have. */
	if (opts && opts->merge_into) {
		st = emr_db_stmt(db, "SELECT 1 FROM patients WHERE id = ?1");
		bool exists = false;
		if (st) {
			sqlite3_bind_int64(st, 1, opts->merge_into);
			exists = sqlite3_step(st) == SQLITE_ROW;
			sqlite3_reset(st);
		}
		if (!exists) {
			fail_at(&s, NULL, "--merge-into: no patient with id %lld", (long long)opts->merge_into);
			goto out;
		}
	}
	bool undecided = false;
	size_t new_patients = 0;
	for (size_t i = 0; i < s.n; i++)
		if (!s.e[i].already && strcmp(s.e[i].type, "Patient") == 0)
			new_patients++;
	for (size_t i = 0; i < s.n; i++) {
		entry *e = &s.e[i];
		if (e->already || strcmp(e->type, "Patient") != 0)
			continue;
		size_t before = res->ncandidates, added = 0;
		if (!entry_res(&s, e) || patient_candidates(&s, e, &added) != 0)
			goto out;
		entry_release(&s, e);
		/* --merge-into also takes the one new Patient of a file when
		 * nothing matched: the person asking knows it is the same one. */
		if (!added && opts && opts->merge_into && new_patients == 1)
			e->merge_to = opts->merge_into;
		if (!added)
			continue;
		if (opts && opts->merge_into) {
			e->merge_to = opts->merge_into;
		} else if (opts && opts->merge && added == 1) {
			e->merge_to = res->candidates[before].id;
		} else {
			undecided = true;
			snprintf(s.res->message, sizeof s.res->message,
			         "%s: entry %ld (Patient): may be a patient already here (%zu candidate%s); nothing was"
			         " imported: give --merge-into PATIENT to add it to that chart%s", s.file, e->index, added,
			         added == 1 ? "" : "s", added == 1 ? ", or --merge" : "");
		}
	}
	if (undecided) {
		emr_db_set_error(db, "%s", res->message);
		res->outcome = EMR_FHIR_CANDIDATES;
		rc = 1;
		goto out;
	}
	/* Everything checks: write it, all or nothing. */
	if (write_all(&s) != 0) {
		res->outcome = EMR_FHIR_REFUSED;
		res->patient_id = 0;
		goto out;
	}
	tally(&s);
	if (opts && opts->dry_run) {
		/* Everything was checked and written; none of it stays. */
		res->dry_run = true;
		res->outcome = EMR_FHIR_IMPORTED;
		rc = 0;
		goto out;
	}
	char detail[600];
	snprintf(detail, sizeof detail, "FHIR %s: %ld entries, %ld mapped, %ld kept only, %ld already imported", s.file,
	         res->entries, res->mapped, res->kept, res->already);
	if (emr_audit(db, "import", "fhir_received", 0, res->patient_id, detail) != 0 || emr_tx_commit(db) != 0) {
		fail_at(&s, NULL, "%s", emr_db_error(db));
		goto out;
	}
	in_tx = false;
	res->outcome = EMR_FHIR_IMPORTED;
	rc = 0;
out:
	if (in_tx) {
		/* Nothing from this file stays; the message says why. */
		char msg[sizeof res->message];
		copy_text(msg, res->message, sizeof msg);
		emr_tx_rollback(db);
		copy_text(res->message, msg, sizeof res->message);
		if (msg[0])
			emr_db_set_error(db, "%s", msg);
	}
	if (rc != 0 && res->outcome == EMR_FHIR_REFUSED)
		reset_counts(res);
	for (size_t i = 0; i < s.n; i++) {
		if (s.lazy)
			json_decref(s.e[i].res);
		free(s.e[i].key);
		free(s.e[i].text);
		free(s.e[i].display);
		free(s.e[i].ident);
	}
	free(s.e);
	strmap_free(&s.refs);
	for (size_t i = 0; i < s.nowned; i++)
		free(s.owned[i]);
	free(s.owned);
	json_decref(doc);
	free(spans);
	free(buf);
	return rc;
}

/* Bulk Data names each NDJSON file after its resource type; the phase of
 * that type, or 8 for any other name. */
static int file_phase(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char type[65];
	size_t n = strcspn(base, ".-_");
	if (n == 0 || n >= sizeof type)
		return 8;
	memcpy(type, base, n);
	type[n] = '\0';
	entry e = {.type = type, .res = NULL};
	return strcmp(type, "DocumentReference") == 0 ? 6 : phase_of(&e);
}

void emr_fhir_import_order(const char **paths, size_t n)
{
	/* Insertion sort: stable, and n is small. */
	for (size_t i = 1; i < n; i++) {
		const char *p = paths[i];
		int ph = file_phase(p);
		size_t j = i;
		while (j > 0 && file_phase(paths[j - 1]) > ph) {
			paths[j] = paths[j - 1];
			j--;
		}
		paths[j] = p;
	}
}

void emr_fhir_result_free(emr_fhir_result *res)
{
	free(res->counts);
	free(res->candidates);
	free(res->reasons);
	res->counts = NULL;
	res->candidates = NULL;
	res->reasons = NULL;
	res->ncounts = res->ncandidates = res->nreasons = 0;
}
