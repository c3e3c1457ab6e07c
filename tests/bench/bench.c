/* bench: timings of the screens' queries on a demo practice, beside the
 * same SQL run straight through SQLite.
 *
 * For each operation, one emr call is traced (sqlite3_trace_v2) to capture
 * exactly the statements it runs with their bound values; those statements
 * are then prepared once on a raw connection and stepped to completion,
 * which is the floor SQLite itself sets.  emr's overhead is the ratio.
 *
 * usage: bench DB LABEL EMR_BIN     prints one block of the table */
#include "emr/chart.h"
#include "emr/db.h"
#include "emr/patient.h"
#include "emr/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Startup: a whole `emr patient show` process, against sqlite3's shell
 * answering the same lookup. */
static void startup(const char *emr_bin, const char *dbpath, const char *label)
{
	enum { N = 30 };
	double e[N], b[N];
	long rss = 0, peak = 0, bare_rss = 0;
	char *eargs[] = {(char *)emr_bin, "--db", (char *)dbpath, "patient", "list", "--search", "E000001", NULL};
	char *bargs[] = {"sqlite3", (char *)dbpath, "SELECT * FROM patients WHERE mrn = 'E000001'", NULL};
	for (int i = 0; i < N; i++) {
		e[i] = run_child(eargs, &rss);
		if (rss > peak)
			peak = rss;
		b[i] = run_child(bargs, &bare_rss);
	}
	printf("%-10s %-26s %9.3f ms               sqlite3 shell %5.3f ms  ratio %5.2fx\n", label,
	       "startup (patient lookup)", median(e, N), median(b, N), median(e, N) / median(b, N));
	printf("%-10s %-26s %9ld KiB (emr process)       sqlite3 shell %ld KiB\n", label, "peak RSS", peak, bare_rss);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: bench DB LABEL EMR_BIN\n");
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

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("%-10s %-26s %9.3f ms  p95 %7.3f ms  bare SQLite %7.3f ms  ratio %5.2fx\n", argv[2],
	       "name-prefix search", s_emr, s_p95, s_bare, s_bare > 0 ? s_emr / s_bare : 0);
	printf("%-10s %-26s %9.3f ms  p95 %7.3f ms  bare SQLite %7.3f ms  ratio %5.2fx\n", argv[2],
	       "chart open (all queries)", c_emr, c_p95, c_bare, c_bare > 0 ? c_emr / c_bare : 0);
	printf("%-10s %-26s %9ld KiB (bench process, after %d searches + %d charts)\n", argv[2], "peak RSS in-process",
	       ru.ru_maxrss, RUNS, RUNS);
	sqlite3_close(raw);
	emr_db_close(db);
	startup(argv[3], argv[1], argv[2]);
	return 0;
}
