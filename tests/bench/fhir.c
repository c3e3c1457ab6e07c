/* The baselines that `emr import fhir` is measured against (make bench):
 *
 *   fhir parse FILE...        parses each file with jansson, with the
 *                             flags emr uses, and counts its resources:
 *                             prints "ms bytes resources"
 *   fhir insert BEFORE AFTER  copies into a copy of BEFORE (the practice
 *                             as it was before the import) every row that
 *                             the import added to AFTER, table by table,
 *                             in one transaction, foreign keys off: the
 *                             fastest way SQLite can write the same rows.
 *                             Prints "ms rows".
 *
 * Their sum is the cost of "parsing plus a bare SQLite insert of the
 * same rows"; the target is that emr's import takes at most twice that. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Resources in a parsed file: a Bundle's entries, else one. */
static long resources_in(json_t *root)
{
	json_t *entry = json_object_get(root, "entry");
	return json_is_array(entry) ? (long)json_array_size(entry) : 1;
}

/* NDJSON: one resource per line. */
static long parse_ndjson(const char *path, int *bad)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*bad = 1;
		return 0;
	}
	long n = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t err;
		json_t *v = json_loadb(line, (size_t)len, JSON_REJECT_DUPLICATES, &err);
		if (!v)
			*bad = 1;
		json_decref(v);
		n++;
	}
	free(line);
	fclose(f);
	return n;
}

static int parse_mode(int argc, char **argv)
{
	long long bytes = 0;
	long resources = 0;
	int bad = 0;
	double t0 = now_ms();
	for (int i = 0; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) == 0)
			bytes += sb.st_size;
		size_t n = strlen(argv[i]);
		if (n > 7 && strcmp(argv[i] + n - 7, ".ndjson") == 0) {
			resources += parse_ndjson(argv[i], &bad);
			continue;
		}
		json_error_t err;
		json_t *root = json_load_file(argv[i], JSON_REJECT_DUPLICATES, &err);
		if (!root) {
			fprintf(stderr, "%s: %s\n", argv[i], err.text);
			bad = 1;
			continue;
		}
		resources += resources_in(root);
		json_decref(root);
	}
	printf("%.3f %lld %ld\n", now_ms() - t0, bytes, resources);
	return bad;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

/* Copies the rows of each ordinary table that AFTER has beyond the
 * largest rowid of BEFORE (the import only appends).  Virtual tables and
 * their shadow tables are left to the triggers that fill them, as in
 * emr. */
static int insert_mode(const char *before, const char *after)
{
	sqlite3 *db;
	if (sqlite3_open(before, &db) != SQLITE_OK)
		return 1;
	char attach[4200];
	snprintf(attach, sizeof attach, "ATTACH DATABASE 'file:%s?mode=ro' AS src", after);
	sqlite3_stmt *tables;
	if (exec(db, "PRAGMA foreign_keys = OFF") || exec(db, attach) ||
	    sqlite3_prepare_v2(db, "SELECT name FROM src.sqlite_master WHERE type = 'table' AND sql NOT LIKE"
	                           " 'CREATE VIRTUAL%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'"
	                           " ORDER BY rootpage", -1, &tables, NULL) != SQLITE_OK)
		return 1;
	long rows = 0;
	double t0 = now_ms();
	if (exec(db, "BEGIN"))
		return 1;
	while (sqlite3_step(tables) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(tables, 0);
		char sql[600];
		/* Table names come from the database's own catalogue. */
		snprintf(sql, sizeof sql, "INSERT INTO main.\"%s\" SELECT * FROM src.\"%s\" WHERE rowid >"
		         " (SELECT coalesce(max(rowid), 0) FROM main.\"%s\")", t, t, t);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
			/* A WITHOUT ROWID table: the rows that are new. */
			snprintf(sql, sizeof sql, "INSERT INTO main.\"%s\" SELECT * FROM src.\"%s\" EXCEPT"
			         " SELECT * FROM main.\"%s\"", t, t, t);
			if (exec(db, sql))
				return 1;
		}
		rows += sqlite3_changes(db);
	}
	sqlite3_finalize(tables);
	if (exec(db, "COMMIT"))
		return 1;
	printf("%.3f %ld\n", now_ms() - t0, rows);
	sqlite3_close(db);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "parse") == 0)
		return parse_mode(argc - 2, argv + 2);
	if (argc == 4 && strcmp(argv[1], "insert") == 0)
		return insert_mode(argv[2], argv[3]);
	fprintf(stderr, "usage: fhir parse FILE... | fhir insert BEFORE AFTER\n");
	return 2;
}
