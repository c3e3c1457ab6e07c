/* bench: timings of the screens' queries on a demo practice, beside the
 * same SQL run straight through SQLite.
 *
 * For each operation, one emr call is traced (sqlite3_trace_v2) to capture
 * exactly the statements it runs with their bound values; those statements
 * are then prepared once on a raw connection and stepped to completion,
 * which is the floor SQLite itself sets.  emr's overhead is the ratio.
 *
 * usage: bench DB LABEL     prints one block of the table
 *        bench --spawn N CMD ARGS...   times whole processes (startup) */
#include "emr/chart.h"
#include "emr/db.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 200

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[n / 2];
}

static double p95(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return v[(n * 95) / 100];
}

/* ------------------------------------------------------------ tracing */

typedef struct trace {
	char *sql[64];
	int n;
} trace;

static int on_stmt(unsigned type, void *ctx, void *p, void *x)
{
	(void)x;
	trace *t = ctx;
	if (type != SQLITE_TRACE_STMT || t->n >= 64)
		return 0;
	char *sql = sqlite3_expanded_sql((sqlite3_stmt *)p);
	if (sql && strncmp(sql, "BEGIN", 5) && strncmp(sql, "COMMIT", 6))
		t->sql[t->n++] = emr_xstrdup(sql);
	sqlite3_free(sql);
	return 0;
}

/* Time to step all the traced statements, prepared in advance. */
static double bare_ms(sqlite3 *raw, const trace *t)
{
	sqlite3_stmt *st[64];
	for (int i = 0; i < t->n; i++)
		if (sqlite3_prepare_v3(raw, t->sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "bench: %s\n%s\n", sqlite3_errmsg(raw), t->sql[i]);
			exit(1);
		}
	double t0 = now_ms();
	sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL);
	for (int i = 0; i < t->n; i++) {
		while (sqlite3_step(st[i]) == SQLITE_ROW)
			;
		sqlite3_reset(st[i]);
	}
	sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL);
	double el = now_ms() - t0;
	for (int i = 0; i < t->n; i++)
		sqlite3_finalize(st[i]);
	return el;
}

static void trace_free(trace *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->sql[i]);
	t->n = 0;
}

/* ------------------------------------------------------------ samples */

static int64_t max_id(sqlite3 *raw)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(raw, "SELECT max(id) FROM patients", -1, &st, NULL);
	sqlite3_step(st);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A realistic query: the first three letters of a real family name. */
static void prefix_of(sqlite3 *raw, int64_t id, char *buf, size_t n)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(raw, "SELECT token FROM patient_name_tokens WHERE patient_id = ?1 ORDER BY length(token) DESC LIMIT 1",
	                   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	const char *tok = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "smi";
	snprintf(buf, n, "%.3s", tok);
	sqlite3_finalize(st);
}

static int64_t max_note_id(sqlite3 *raw)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(raw, "SELECT ifnull(max(id), 0) FROM notes", -1, &st, NULL);
	sqlite3_step(st);
	int64_t n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* A realistic note search: two different words (four letters or more) of
 * a random note, as a clinician would type them. */
static void two_words_of(sqlite3 *raw, int64_t note_id, char *buf, size_t n)
{
	sqlite3_stmt *st;
	sqlite3_prepare_v2(raw, "SELECT body FROM notes WHERE id >= ?1 ORDER BY id LIMIT 1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, note_id);
	const char *body = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "";
	char words[512][32];
	int nw = 0;
	for (const char *p = body; *p && nw < 512;) {
		size_t len = 0;
		while (((p[len] | 0x20) >= 'a' && (p[len] | 0x20) <= 'z'))
			len++;
		if (len >= 4 && len < 32) {
			memcpy(words[nw], p, len);
			words[nw][len] = '\0';
			nw++;
		}
		p += len ? len : 1;
	}
	if (nw < 2) {
		snprintf(buf, n, "blood pressure");
	} else {
		int a = rand() % nw, b = rand() % nw;
		for (int tries = 0; strcasecmp(words[a], words[b]) == 0 && tries < 20; tries++)
			b = rand() % nw;
		snprintf(buf, n, "%s %s", words[a], words[b]);
	}
	sqlite3_finalize(st);
}

/* Runs argv as a child with stdout to /dev/null; returns wall ms and
 * the child's peak resident set (KiB). */
static double run_child(char *const *args, long *maxrss)
{
	fflush(stdout); /* or the child's freopen would print our buffer again */
	double t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execvp(args[0], args);
		_exit(127);
	}
	int status;
	struct rusage ru;
	wait4(pid, &status, 0, &ru);
	double el = now_ms() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: %s exited with %d\n", args[0], WEXITSTATUS(status));
		exit(1);
	}
	*maxrss = ru.ru_maxrss;
	return el;
}

/* `bench --spawn N CMD ARGS...`: runs CMD N times from this small
 * process (before it has opened any database, so a child's peak RSS, which
 * counts pages shared with its parent, is not inflated) and prints the
 * median wall time in ms and the largest peak RSS in KiB. */
static int spawn_mode(int n, char **cmd)
{
	double t[64];
	long rss = 0, peak = 0;
	if (n < 1 || n > 64)
		n = 30;
	for (int i = 0; i < n; i++) {
		t[i] = run_child(cmd, &rss);
		if (rss > peak)
			peak = rss;
	}
	printf("%.3f %ld\n", median(t, n), peak);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 3 && strcmp(argv[1], "--spawn") == 0)
		return spawn_mode(atoi(argv[2]), argv + 3);
	if (argc != 3) {
		fprintf(stderr, "usage: bench DB LABEL | bench --spawn N CMD ARGS...\n");
		return 2;
	}
	char err[512];
	emr_db *db = emr_db_open(argv[1], 0, err, sizeof err);
	if (!db) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	sqlite3 *raw;
	sqlite3_open_v2(argv[1], &raw, SQLITE_OPEN_READONLY, NULL);
	int64_t n = max_id(raw);
	srand(42);

	double emr_t[RUNS], bare_t[RUNS];
	/* Name-prefix search, as the patient list runs it per keystroke. */
	for (int r = 0; r < RUNS; r++) {
		char q[16];
		prefix_of(raw, 1 + rand() % n, q, sizeof q);
		trace t = {.n = 0};
		sqlite3_trace_v2(emr_db_sqlite(db), SQLITE_TRACE_STMT, on_stmt, &t);
		emr_patient_list list = {0};
		double t0 = now_ms();
		emr_patient_search(db, q, 50, &list);
		emr_t[r] = now_ms() - t0;
		sqlite3_trace_v2(emr_db_sqlite(db), 0, NULL, NULL);
		emr_patient_list_free(&list);
		bare_t[r] = bare_ms(raw, &t);
		trace_free(&t);
	}
	double s_emr = median(emr_t, RUNS), s_bare = median(bare_t, RUNS), s_p95 = p95(emr_t, RUNS);

	/* Opening a chart: every query of the summary screen. */
	for (int r = 0; r < RUNS; r++) {
		int64_t id = 1 + rand() % n;
		trace t = {.n = 0};
		sqlite3_trace_v2(emr_db_sqlite(db), SQLITE_TRACE_STMT, on_stmt, &t);
		emr_chart c;
		double t0 = now_ms();
		emr_chart_load(db, id, &c);
		emr_t[r] = now_ms() - t0;
		sqlite3_trace_v2(emr_db_sqlite(db), 0, NULL, NULL);
		emr_chart_free(&c);
		bare_t[r] = bare_ms(raw, &t);
		trace_free(&t);
	}
	double c_emr = median(emr_t, RUNS), c_bare = median(bare_t, RUNS), c_p95 = p95(emr_t, RUNS);

	/* Full-text search over every note, as `emr search` and the note
	 * search screen run it: two words of a real note, 20 best matches.
	 * (The raw connection needs the vocabulary table emr creates in its
	 * temp schema and emr's ranking function, to replay the same
	 * statements.) */
	sqlite3_exec(raw, "CREATE VIRTUAL TABLE IF NOT EXISTS temp.emr_notes_vocab USING fts5vocab(main, 'notes_fts', 'row')",
	             NULL, NULL, NULL);
	emr_note_search_register(raw);
	int64_t notes = max_note_id(raw);
	double f_emr = 0, f_bare = 0, f_p95 = 0;
	for (int r = 0; r < RUNS && notes > 0; r++) {
		char q[80];
		two_words_of(raw, 1 + rand() % notes, q, sizeof q);
		trace t = {.n = 0};
		sqlite3_trace_v2(emr_db_sqlite(db), SQLITE_TRACE_STMT, on_stmt, &t);
		emr_note_hits hits = {0};
		double t0 = now_ms();
		if (emr_note_search(db, q, 0, 20, &hits) != 0) {
			fprintf(stderr, "bench: note search \"%s\": %s\n", q, emr_db_error(db));
			exit(1);
		}
		emr_t[r] = now_ms() - t0;
		sqlite3_trace_v2(emr_db_sqlite(db), 0, NULL, NULL);
		emr_note_hits_free(&hits);
		bare_t[r] = bare_ms(raw, &t);
		trace_free(&t);
	}
	if (notes > 0) {
		f_emr = median(emr_t, RUNS);
		f_p95 = p95(emr_t, RUNS);
		f_bare = median(bare_t, RUNS);
	}

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%-10s %-26s %9.3f ms  p95 %7.3f ms  bare SQLite %7.3f ms  ratio %5.2fx\n", argv[2],
	       "name-prefix search", s_emr, s_p95, s_bare, s_bare > 0 ? s_emr / s_bare : 0);
	printf("%-10s %-26s %9.3f ms  p95 %7.3f ms  bare SQLite %7.3f ms  ratio %5.2fx\n", argv[2],
	       "chart open (all queries)", c_emr, c_p95, c_bare, c_bare > 0 ? c_emr / c_bare : 0);
	printf("%-10s %-26s %9.3f ms  p95 %7.3f ms  bare SQLite %7.3f ms  ratio %5.2fx\n", argv[2],
	       "note search (2 words)", f_emr, f_p95, f_bare, f_bare > 0 ? f_emr / f_bare : 0);
	printf("%-10s %-26s %9ld KiB (bench process, after %d searches + %d charts + %d note searches)\n", argv[2],
	       "peak RSS in-process", ru.ru_maxrss, RUNS, RUNS, RUNS);
	sqlite3_close(raw);
	emr_db_close(db);
	return 0;
}
