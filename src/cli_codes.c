/* cli_codes: `emr codes import|search|show`, the code systems from the
 * command line.  The work is in src/codes.c; this file parses, prints,
 * and wraps an import in one transaction with its audit record. */
#include "emr/cli.h"

#include "emr/audit.h"
#include "emr/codes.h"
#include "emr/output.h"
#include "emr/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CODES_USAGE \
	"codes import icd10cm FILE [--release YEAR]\n" \
	"       emr codes search icd10cm|loinc|cvx [QUERY...] [--limit N] [--inactive] [--json|--csv]\n" \
	"       emr codes show CODE [--json]"

/* An import that retires more codes than this probably read a cut-off
 * or wrong file; a real release retires a few hundred at most. */
#define SUSPICIOUS_RETIRED 1000

/* Returns -1 to go on, else the exit status (help shown, usage error). */
static int parse(emr_cli *cli, const char *cmd, const char *usage, const emr_opt *opts, int argc, char **argv,
                 const char **pos, int max, int *npos)
{
	int rc = emr_opts_parse(cli, cmd, usage, opts, argc, argv, pos, max, npos);
	return rc > 0 ? EMR_EXIT_OK : rc < 0 ? EMR_EXIT_USAGE : -1;
}


/* Joins the query words with spaces: "type 2 diab" may come as 3 words. */
static void join_words(const char **pos, int n, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < n && len + 1 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? " " : "", pos[i]);
}

/* ------------------------------------------------------------ import */

static int newest_loaded(emr_db *db)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT ifnull(max(last_release), 0) FROM icd10cm");
	if (!st)
		return 0;
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	return v;
}

static void print_stats(emr_cli *cli, const emr_icd10_stats *s, int newest, emr_format fmt)
{
	if (s->retired > SUSPICIOUS_RETIRED)
		fprintf(cli->err, "%s: warning: %ld codes were retired; if the file was incomplete, import the full"
		        " release again and they become active again\n", cli->prog, s->retired);
	if (fmt == EMR_FMT_JSON) {
		json_t *o = json_pack("{s:i, s:I, s:I, s:I, s:I, s:i}", "release", s->release, "added", (json_int_t)s->added,
		                      "updated", (json_int_t)s->updated, "unchanged", (json_int_t)s->unchanged,
		                      "retired", (json_int_t)s->retired, "newest_release", newest);
		emr_json_print(o, cli->out);
		json_decref(o);
		return;
	}
	fprintf(cli->out, "ICD-10-CM %d: %ld added, %ld updated, %ld unchanged, %ld retired (kept, inactive)\n",
	        s->release, s->added, s->updated, s->unchanged, s->retired);
	if (newest > s->release)
		fprintf(cli->out, "note: %d is older than the newest release loaded (%d), which still decides which"
		        " codes are active and how they read; the older file only filled in history\n",
		        s->release, newest);
}

static int codes_import(emr_cli *cli, int argc, char **argv)
{
	long release = 0;
	bool json = false;
	const emr_opt opts[] = {
		{"release", 'r', EMR_OPT_INT, &release, "YEAR  fiscal year of the release (default: from the file name)"},
		{"json", 0, EMR_OPT_FLAG, &json, "print the counts as JSON"},
		{0},
	};
	const char *usage = "codes import icd10cm FILE [--release YEAR]";
	const char *pos[2];
	int npos, rc = parse(cli, "codes", usage, opts, argc, argv, pos, 2, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 2 || strcmp(pos[0], "icd10cm") != 0)
		return emr_cli_usage(cli, "codes", "import needs: icd10cm FILE (the official codes file,"
		                     " icd10cm_codes_YYYY.txt)");
	if (release < 0 || release > 9999)
		return emr_cli_usage(cli, "codes", "--release %ld: not a year", release);
	if ((rc = emr_cli_open_db(cli, true)) != 0)
		return rc;
	emr_icd10_stats s;
	char detail[160];
	if (emr_tx_begin(cli->db) != 0)
		return emr_cli_fail(cli);
	if (emr_icd10_import_file(cli->db, pos[1], (int)release, &s) != 0) {
		emr_tx_rollback(cli->db);
		return emr_cli_fail(cli);
	}
	snprintf(detail, sizeof detail, "ICD-10-CM %d: %ld added, %ld updated, %ld unchanged, %ld retired", s.release,
	         s.added, s.updated, s.unchanged, s.retired);
	if (emr_audit(cli->db, "import", "icd10cm", 0, 0, detail) != 0) {
		emr_tx_rollback(cli->db);
		return emr_cli_fail(cli);
	}
	if (emr_tx_commit(cli->db) != 0)
		return emr_cli_fail(cli);
	print_stats(cli, &s, newest_loaded(cli->db), json ? EMR_FMT_JSON : EMR_FMT_TEXT);
	return EMR_EXIT_OK;
}

/* ------------------------------------------------------------ search */

static const emr_column hit_cols[] = {
	{"code", "CODE", EMR_COL_TEXT, false},
	{"description", "DESCRIPTION", EMR_COL_TEXT, false},
	{"active", "ACTIVE", EMR_COL_BOOL, false},
};

static void print_hits(emr_cli *cli, const emr_code_list *list, bool icd10, emr_format fmt)
{
	emr_table *t = emr_table_new(hit_cols, EMR_ARRAY_LEN(hit_cols));
	for (size_t i = 0; i < list->n; i++) {
		const emr_code_hit *h = &list->items[i];
		char code[16];
		if (icd10)
			emr_icd10_display(h->code, code, sizeof code);
		else
			emr_strlcpy(code, h->code, sizeof code);
		const char *cells[] = {code, h->text, h->active ? "yes" : "no"};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
}

static const emr_column loinc_cols[] = {
	{"code", "CODE", EMR_COL_TEXT, false},
	{"short_name", "SHORT", EMR_COL_TEXT, false},
	{"unit", "UNIT", EMR_COL_TEXT, false},
	{"kind", "KIND", EMR_COL_TEXT, false},
	{"panel", "PANEL", EMR_COL_TEXT, false},
	{"name", "NAME", EMR_COL_TEXT, false},
	{"plausible_low", "", EMR_COL_NUM, true},
	{"plausible_high", "", EMR_COL_NUM, true},
	{"ref_low", "REF LOW", EMR_COL_NUM, false},
	{"ref_high", "REF HIGH", EMR_COL_NUM, false},
};

/* Numbers as the table stores them; "" for NULL (JSON null). */
static void num_cell(sqlite3_stmt *st, int col, char *buf, size_t n)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		buf[0] = '\0';
	else
		snprintf(buf, n, "%.10g", sqlite3_column_double(st, col));
}

static bool contains_ci(const char *s, const char *w)
{
	size_t n = strlen(w);
	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return true;
	return false;
}

/* Every word of q somewhere in the code, short name or long name. */
static bool loinc_matches(const char *text, const char *q)
{
	char buf[256];
	emr_strlcpy(buf, q, sizeof buf);
	for (char *save = NULL, *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		if (!contains_ci(text, w))
			return false;
	return true;
}

/* The curated LOINC table is a few dozen rows, listed in clinical order;
 * no query lists them all. */
static int search_loinc(emr_cli *cli, const char *q, int limit, emr_format fmt)
{
	sqlite3_stmt *st = emr_db_stmt(cli->db,
		"SELECT code, short_name, unit, kind, panel, name, plausible_low, plausible_high, ref_low, ref_high"
		" FROM loinc ORDER BY sort_order, code");
	if (!st)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(loinc_cols, EMR_ARRAY_LEN(loinc_cols));
	int n = 0;
	while (n < limit && sqlite3_step(st) == SQLITE_ROW) {
		char text[600], nums[4][32];
		snprintf(text, sizeof text, "%s %s %s", emr_col_text(st, 0), emr_col_text(st, 1), emr_col_text(st, 5));
		if (!loinc_matches(text, q))
			continue;
		for (int i = 0; i < 4; i++)
			num_cell(st, 6 + i, nums[i], sizeof nums[i]);
		const char *cells[] = {emr_col_text(st, 0), emr_col_text(st, 1), emr_col_text(st, 2), emr_col_text(st, 3),
		                       emr_col_text(st, 4), emr_col_text(st, 5), nums[0], nums[1], nums[2], nums[3]};
		emr_table_add(t, cells);
		n++;
	}
	sqlite3_reset(st);
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}

static int codes_search(emr_cli *cli, int argc, char **argv)
{
	long limit = 20;
	bool json = false, csv = false, inactive = false;
	const emr_opt opts[] = {
		{"limit", 'n', EMR_OPT_INT, &limit, "N  at most N results (default 20)"},
		{"inactive", 0, EMR_OPT_FLAG, &inactive, "ICD-10-CM: include codes retired by a release"},
		{"json", 0, EMR_OPT_FLAG, &json, "print JSON"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "print CSV"},
		{0},
	};
	const char *usage = "codes search icd10cm|loinc|cvx [QUERY...] [--limit N] [--inactive] [--json|--csv]";
	const char *pos[17];
	int npos, rc = parse(cli, "codes", usage, opts, argc, argv, pos, 17, &npos);
	if (rc >= 0)
		return rc;
	emr_format fmt;
	if (emr_cli_format(cli, "codes", json, csv, true, &fmt) != 0)
		return EMR_EXIT_USAGE;
	if (npos < 1)
		return emr_cli_usage(cli, "codes", "search needs a code system: icd10cm, loinc or cvx");
	if (limit < 1 || limit > 500)
		return emr_cli_usage(cli, "codes", "--limit %ld: must be 1-500", limit);
	const char *system = pos[0];
	bool icd = strcmp(system, "icd10cm") == 0 || strcmp(system, "icd10") == 0;
	if (!icd && strcmp(system, "loinc") != 0 && strcmp(system, "cvx") != 0)
		return emr_cli_usage(cli, "codes", "\"%s\": the code systems are icd10cm, loinc and cvx", system);
	char q[512];
	join_words(pos + 1, npos - 1, q, sizeof q);
	if (icd && !*q)
		return emr_cli_usage(cli, "codes", "search icd10cm needs words or a code, e.g. \"type 2 diab\" or E11.9");
	if ((rc = emr_cli_open_db(cli, true)) != 0)
		return rc;
	if (strcmp(system, "loinc") == 0)
		return search_loinc(cli, q, (int)limit, fmt);
	emr_code_list list = {0};
	if (icd)
		rc = emr_icd10_search(cli->db, q, (int)limit, inactive, &list);
	else
		rc = emr_cvx_search(cli->db, q, (int)limit, &list);
	if (rc != 0) {
		emr_code_list_free(&list);
		return emr_cli_fail(cli);
	}
	print_hits(cli, &list, icd, fmt);
	emr_code_list_free(&list);
	return EMR_EXIT_OK;
}

/* -------------------------------------------------------------- show */

/* A LOINC code is digits, a dash and a check digit. */
static bool looks_loinc(const char *s)
{
	const char *dash = strchr(s, '-');
	return dash && dash > s && strspn(s, "0123456789") == (size_t)(dash - s) && isdigit((unsigned char)dash[1]) &&
	       !dash[2];
}

static int show_loinc(emr_cli *cli, const emr_loinc *l, emr_format fmt)
{
	char plo[32] = "", phi[32] = "", rlo[32] = "", rhi[32] = "";
	if (l->has_plausible) {
		snprintf(plo, sizeof plo, "%g", l->plausible_low);
		snprintf(phi, sizeof phi, "%g", l->plausible_high);
	}
	if (l->has_ref_low)
		snprintf(rlo, sizeof rlo, "%g", l->ref_low);
	if (l->has_ref_high)
		snprintf(rhi, sizeof rhi, "%g", l->ref_high);
	static const emr_column cols[] = {
		{"system", "system", EMR_COL_TEXT, false},    {"code", "code", EMR_COL_TEXT, false},
		{"name", "name", EMR_COL_TEXT, false},        {"short_name", "short name", EMR_COL_TEXT, false},
		{"kind", "kind", EMR_COL_TEXT, false},        {"unit", "unit (UCUM)", EMR_COL_TEXT, false},
		{"panel", "panel", EMR_COL_TEXT, false},      {"plausible_low", "plausible low", EMR_COL_NUM, false},
		{"plausible_high", "plausible high", EMR_COL_NUM, false},
		{"ref_low", "reference low", EMR_COL_NUM, false}, {"ref_high", "reference high", EMR_COL_NUM, false},
	};
	const char *cells[] = {"LOINC", l->code, l->name, l->short_name, l->kind, l->unit, l->panel, plo, phi, rlo, rhi};
	emr_record_print(cols, EMR_ARRAY_LEN(cols), cells, fmt, cli->out);
	return EMR_EXIT_OK;
}

static int show_hit(emr_cli *cli, const char *system, const emr_code_hit *h, emr_format fmt)
{
	static const emr_column cols[] = {
		{"system", "system", EMR_COL_TEXT, false},
		{"code", "code", EMR_COL_TEXT, false},
		{"description", "description", EMR_COL_TEXT, false},
		{"active", "active", EMR_COL_BOOL, false},
	};
	char code[16];
	if (strcmp(system, "ICD-10-CM") == 0)
		emr_icd10_display(h->code, code, sizeof code);
	else
		emr_strlcpy(code, h->code, sizeof code);
	const char *cells[] = {system, code, h->text, h->active ? "yes" : "no"};
	emr_record_print(cols, EMR_ARRAY_LEN(cols), cells, fmt, cli->out);
	return EMR_EXIT_OK;
}

static int codes_show(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "print JSON"},
		{0},
	};
	const char *pos[1];
	int npos, rc = parse(cli, "codes", "codes show CODE [--json]", opts, argc, argv, pos, 1, &npos);
	if (rc >= 0)
		return rc;
	if (npos != 1)
		return emr_cli_usage(cli, "codes", "show needs a code: E11.9 (ICD-10-CM), 4548-4 (LOINC) or 115 (CVX)");
	emr_format fmt = json ? EMR_FMT_JSON : EMR_FMT_TEXT;
	if ((rc = emr_cli_open_db(cli, true)) != 0)
		return rc;
	const char *c = pos[0];
	emr_code_hit h;
	if (looks_loinc(c)) {
		emr_loinc l;
		if (emr_loinc_lookup(cli->db, c, &l))
			return show_loinc(cli, &l, fmt);
	} else if (strspn(c, "0123456789") == strlen(c)) {
		if (emr_cvx_lookup(cli->db, c, &h))
			return show_hit(cli, "CVX", &h, fmt);
	} else if (emr_icd10_lookup(cli->db, c, &h)) {
		return show_hit(cli, "ICD-10-CM", &h, fmt);
	}
	emr_cli_error(cli, "codes: \"%s\": no such code (search with: emr codes search icd10cm|loinc|cvx WORDS)", c);
	return EMR_EXIT_FAIL;
}

/* -------------------------------------------------------------- entry */

int emr_cmd_codes(emr_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(emr_cli *cli, int argc, char **argv);
	} subs[] = {
		{"import", codes_import},
		{"search", codes_search},
		{"show", codes_show},
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fprintf(argc < 2 ? cli->err : cli->out, "usage: emr " CODES_USAGE "\n");
		return argc < 2 ? EMR_EXIT_USAGE : EMR_EXIT_OK;
	}
	for (size_t i = 0; i < EMR_ARRAY_LEN(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cli, argc - 1, argv + 1);
	return emr_cli_usage(cli, "codes", "unknown subcommand \"%s\" (import, search or show)", argv[1]);
}
