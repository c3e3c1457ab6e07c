/* db: opening, creating and migrating the practice database; statements,
 * transactions and errors. */
#include "emr/db.h"

#include "emr/embedded.h"
#include "emr/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 'EMR1': marks a SQLite file as an emr practice (PRAGMA application_id). */
#define EMR_APPLICATION_ID 0x454D5231

/* How long a writer waits for another session's lock before giving up. */
#define DEFAULT_BUSY_MS 5000

typedef struct stmt_slot {
	const char *sql;       /* the literal's address is the key */
	sqlite3_stmt *stmt;
} stmt_slot;

struct emr_db {
	sqlite3 *conn;
	char *path;
	char error[1024];
	int tx_depth;          /* 0 = no transaction open */
	stmt_slot *stmts;      /* open-addressed hash by sql address */
	size_t nstmts, capstmts;
	int64_t actor_id;      /* 0 = nobody yet */
	char actor_login[65];
};

/* ------------------------------------------------------------- errors */

const char *emr_db_error(const emr_db *db)
{
	return db->error;
}

void emr_db_set_error(emr_db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->error, sizeof db->error, fmt, ap);
	va_end(ap);
}

/* Turns SQLite's wording into something a person can act on. */
static const char *plain_sqlite_error(sqlite3 *conn)
{
	int code = sqlite3_errcode(conn);
	switch (code & 0xFF) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return "the database is locked by another emr session; try again in a moment";
	case SQLITE_READONLY:
		return "the database is read-only (check the file's permissions)";
	case SQLITE_FULL:
		return "the disk is full; nothing was written";
	case SQLITE_NOTADB:
		return "the file is not an emr database";
	case SQLITE_CORRUPT:
		return "the database file is damaged; restore it from a backup";
	case SQLITE_IOERR:
		return "a disk error occurred; nothing was written";
	default:
		return sqlite3_errmsg(conn);
	}
}

int emr_db_fail(emr_db *db, const char *doing)
{
	const char *msg = plain_sqlite_error(db->conn);
	/* A trigger's RAISE message is already a sentence for a person. */
	if (doing && *doing)
		emr_db_set_error(db, "%s: %s", doing, msg);
	else
		emr_db_set_error(db, "%s", msg);
	return -1;
}

/* ------------------------------------------------------------- schema */

/* Finds the start of section n ("-- @migration n:") in the embedded
 * schema, and its end; false when there is no such section. */
static bool schema_section(int n, const char **start, const char **end)
{
	char marker[40];
	snprintf(marker, sizeof marker, "\n-- @migration %d:", n);
	const char *s = strstr(emr_schema_sql, marker);
	if (!s)
		return false;
	s = strchr(s + 1, '\n');
	if (!s)
		return false;
	const char *e = strstr(s, "\n-- @migration ");
	*start = s + 1;
	*end = e ? e + 1 : emr_schema_sql_end;
	return true;
}

int emr_schema_latest(void)
{
	int n = 0;
	const char *s, *e;
	while (schema_section(n + 1, &s, &e))
		n++;
	return n;
}

int emr_schema_apply(sqlite3 *conn, int from, int to, char *err, size_t errsz)
{
	for (int v = from + 1; v <= to; v++) {
		const char *s, *e;
		if (!schema_section(v, &s, &e)) {
			snprintf(err, errsz, "schema section %d is missing from this build", v);
			return -1;
		}
		char *sql = emr_xmalloc((size_t)(e - s) + 64);
		size_t len = (size_t)(e - s);
		memcpy(sql, s, len);
		snprintf(sql + len, 64, "\nPRAGMA user_version = %d;", v);
		char *msg = NULL;
		int rc = sqlite3_exec(conn, sql, NULL, NULL, &msg);
		free(sql);
		if (rc != SQLITE_OK) {
			snprintf(err, errsz, "migrating the schema to version %d failed: %s", v, msg ? msg : "?");
			sqlite3_free(msg);
			return -1;
		}
	}
	return 0;
}

static int pragma_int(sqlite3 *conn, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(conn, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int emr_db_schema_version(emr_db *db)
{
	int v = -1;
	pragma_int(db->conn, "PRAGMA user_version", &v);
	return v;
}

/* ----------------------------------------------------------- open/close */

int emr_mkdir_parents(const char *path, char *err, size_t errsz)
{
	char dir[PATH_MAX];
	if (!emr_strlcpy(dir, path, sizeof dir)) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		bool last = *p == '\0';
		if (*p == '/' || last) {
			char saved = *p;
			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				snprintf(err, errsz, "cannot create directory %s: %s", dir, strerror(errno));
				return -1;
			}
			*p = saved;
		}
		if (last)
			break;
	}
	return 0;
}

/* Creates an empty file with mode 0600 so SQLite (and its -wal and -shm
 * files, which copy the database's mode) never exposes the practice to
 * other local users, whatever the umask. */
static int create_private_file(const char *path, char *err, size_t errsz)
{
	if (emr_mkdir_parents(path, err, errsz) != 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	fchmod(fd, 0600);
	close(fd);
	return 0;
}

static int busy_timeout_ms(void)
{
	const char *s = getenv("EMR_BUSY_TIMEOUT_MS");
	if (s && *s) {
		long v = strtol(s, NULL, 10);
		if (v >= 0 && v <= 600000)
			return (int)v;
	}
	return DEFAULT_BUSY_MS;
}

/* Checks the file is SQLite and, unless empty, an emr practice. */
static int check_identity(sqlite3 *conn, const char *path, char *err, size_t errsz)
{
	int app = 0, tables = 0;
	int rc = pragma_int(conn, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = pragma_int(conn, "SELECT count(*) FROM sqlite_master", &tables);
	if ((rc & 0xFF) == SQLITE_NOTADB) {
		snprintf(err, errsz, "%s: not an emr database (the file is not SQLite)", path);
		return -1;
	}
	if ((rc & 0xFF) == SQLITE_BUSY) {
		snprintf(err, errsz, "%s: the database is locked by another process", path);
		return -1;
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot read the database: %s", path, sqlite3_errmsg(conn));
		return -1;
	}
	if ((tables > 0 || app != 0) && app != EMR_APPLICATION_ID) {
		snprintf(err, errsz, "%s: not an emr database (it is some other SQLite file)", path);
		return -1;
	}
	return 0;
}

static int configure(sqlite3 *conn, bool readonly, const char *path, char *err, size_t errsz)
{
	sqlite3_busy_timeout(conn, busy_timeout_ms());
	/* A 16 MB page cache keeps the indexes a session keeps using warm; it
	 * is a fixed bound, so memory does not grow with the practice. */
	sqlite3_exec(conn, "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16384", NULL, NULL, NULL);
	if (readonly)
		return 0;
	char *msg = NULL;
	/* WAL lets readers go on while one session writes; synchronous FULL
	 * makes each committed visit survive a power cut, not only a crash. */
	int rc = sqlite3_exec(conn, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
	                      NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		if ((rc & 0xFF) == SQLITE_READONLY || (rc & 0xFF) == SQLITE_CANTOPEN)
			snprintf(err, errsz, "%s: the database is read-only (check the file's and directory's permissions)", path);
		else if ((rc & 0xFF) == SQLITE_BUSY)
			snprintf(err, errsz, "%s: the database is locked by another process", path);
		else
			snprintf(err, errsz, "%s: %s", path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int migrate(sqlite3 *conn, const char *path, char *err, size_t errsz)
{
	int have = 0;
	if (pragma_int(conn, "PRAGMA user_version", &have) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot read the schema version: %s", path, sqlite3_errmsg(conn));
		return -1;
	}
	int latest = emr_schema_latest();
	if (have > latest) {
		snprintf(err, errsz,
		         "%s was written by a newer emr (schema version %d; this emr knows up to %d): upgrade emr",
		         path, have, latest);
		return -1;
	}
	if (have == latest)
		return 0;
	if (sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot lock the database to upgrade it: %s", path,
		         plain_sqlite_error(conn));
		return -1;
	}
	/* Re-read under the lock: another session may have migrated first. */
	pragma_int(conn, "PRAGMA user_version", &have);
	if (have == 0)
		sqlite3_exec(conn, "PRAGMA application_id = 1162695217", NULL, NULL, NULL);
	if (emr_schema_apply(conn, have, latest, err, errsz) != 0) {
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(conn, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errsz, "%s: upgrading the schema failed: %s", path, plain_sqlite_error(conn));
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

emr_db *emr_db_open(const char *path, int flags, char *err, size_t errsz)
{
	bool readonly = flags & EMR_OPEN_READONLY;
	struct stat st;
	if (stat(path, &st) != 0) {
		if (!(flags & EMR_OPEN_CREATE) || errno != ENOENT) {
			if (errno == ENOENT)
				snprintf(err, errsz, "%s: no practice database here (create one with: emr init)", path);
			else
				snprintf(err, errsz, "%s: %s", path, strerror(errno));
			return NULL;
		}
		if (create_private_file(path, err, errsz) != 0)
			return NULL;
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		return NULL;
	} else if (st.st_size == 0 && !(flags & EMR_OPEN_CREATE)) {
		/* An empty file (an interrupted init, or `touch`) is not a
		 * practice; never stamp a schema into it behind init's back. */
		snprintf(err, errsz, "%s: the file is empty, not a practice database (create one with: emr init)", path);
		return NULL;
	}

	sqlite3 *conn = NULL;
	int oflags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
	int rc = sqlite3_open_v2(path, &conn, oflags, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: cannot open: %s", path, conn ? sqlite3_errmsg(conn) : sqlite3_errstr(rc));
		sqlite3_close(conn);
		return NULL;
	}
	sqlite3_extended_result_codes(conn, 1);
	/* Wait for other sessions from the very first read: the last
	 * connection to close another emr checkpoints the WAL under an
	 * exclusive lock, and a read without a busy handler would fail. */
	sqlite3_busy_timeout(conn, busy_timeout_ms());
	if (check_identity(conn, path, err, errsz) != 0 ||
	    configure(conn, readonly, path, err, errsz) != 0 ||
	    (!readonly && migrate(conn, path, err, errsz) != 0)) {
		sqlite3_close(conn);
		return NULL;
	}
	if (readonly) {
		int have = 0;
		pragma_int(conn, "PRAGMA user_version", &have);
		if (have != emr_schema_latest()) {
			snprintf(err, errsz, "%s: schema version %d, but this emr needs %d (open it writable once to upgrade)",
			         path, have, emr_schema_latest());
			sqlite3_close(conn);
			return NULL;
		}
	}

	emr_db *db = emr_xcalloc(1, sizeof *db);
	db->conn = conn;
	db->path = emr_xstrdup(path);
	return db;
}

void emr_db_close(emr_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->capstmts; i++)
		if (db->stmts[i].stmt)
			sqlite3_finalize(db->stmts[i].stmt);
	free(db->stmts);
	if (db->tx_depth > 0)
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db->conn);
	free(db->path);
	free(db);
}

sqlite3 *emr_db_sqlite(emr_db *db)
{
	return db->conn;
}

const char *emr_db_path(const emr_db *db)
{
	return db->path;
}

/* ----------------------------------------------------------- statements */

static size_t slot_for(const stmt_slot *slots, size_t cap, const char *sql)
{
	size_t h = ((uintptr_t)sql >> 3) * 2654435761u;
	size_t i = h & (cap - 1);
	while (slots[i].sql && slots[i].sql != sql)
		i = (i + 1) & (cap - 1);
	return i;
}

static void stmt_cache_grow(emr_db *db)
{
	size_t cap = db->capstmts ? db->capstmts * 2 : 64;
	stmt_slot *slots = emr_xcalloc(cap, sizeof *slots);
	for (size_t i = 0; i < db->capstmts; i++)
		if (db->stmts[i].sql)
			slots[slot_for(slots, cap, db->stmts[i].sql)] = db->stmts[i];
	free(db->stmts);
	db->stmts = slots;
	db->capstmts = cap;
}

sqlite3_stmt *emr_db_stmt(emr_db *db, const char *sql)
{
	if (db->nstmts * 2 >= db->capstmts)
		stmt_cache_grow(db);
	size_t i = slot_for(db->stmts, db->capstmts, sql);
	if (db->stmts[i].sql) {
		sqlite3_stmt *st = db->stmts[i].stmt;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		emr_db_set_error(db, "internal error preparing a query: %s", sqlite3_errmsg(db->conn));
		return NULL;
	}
	db->stmts[i].sql = sql;
	db->stmts[i].stmt = st;
	db->nstmts++;
	return st;
}

void emr_db_end_reads(emr_db *db)
{
	if (!db || db->tx_depth > 0 || !sqlite3_get_autocommit(db->conn))
		return;
	for (sqlite3_stmt *st = sqlite3_next_stmt(db->conn, NULL); st; st = sqlite3_next_stmt(db->conn, st))
		if (sqlite3_stmt_busy(st))
			sqlite3_reset(st);
}

/* --------------------------------------------------------- transactions */

int emr_tx_begin(emr_db *db)
{
	char sql[48];
	if (db->tx_depth == 0)
		snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
	else
		snprintf(sql, sizeof sql, "SAVEPOINT emr_sp%d", db->tx_depth);
	if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK)
		return emr_db_fail(db, "cannot start writing");
	db->tx_depth++;
	return 0;
}

int emr_tx_commit(emr_db *db)
{
	if (db->tx_depth == 0)
		return 0;
	char sql[48];
	if (db->tx_depth == 1)
		snprintf(sql, sizeof sql, "COMMIT");
	else
		snprintf(sql, sizeof sql, "RELEASE emr_sp%d", db->tx_depth - 1);
	if (sqlite3_exec(db->conn, sql, NULL, NULL, NULL) != SQLITE_OK) {
		emr_db_fail(db, "cannot save");
		emr_tx_rollback(db);
		return -1;
	}
	db->tx_depth--;
	return 0;
}

void emr_tx_rollback(emr_db *db)
{
	if (db->tx_depth == 0)
		return;
	/* Keep the message that explains why we are rolling back. */
	if (db->tx_depth == 1) {
		sqlite3_exec(db->conn, "ROLLBACK", NULL, NULL, NULL);
	} else {
		char sql[80];
		snprintf(sql, sizeof sql, "ROLLBACK TO emr_sp%d; RELEASE emr_sp%d",
		         db->tx_depth - 1, db->tx_depth - 1);
		sqlite3_exec(db->conn, sql, NULL, NULL, NULL);
	}
	db->tx_depth--;
}

/* ----------------------------------------------------------------- actor */

void emr_db_set_actor(emr_db *db, int64_t user_id, const char *login)
{
	db->actor_id = user_id;
	emr_strlcpy(db->actor_login, login ? login : "", sizeof db->actor_login);
}

int64_t emr_db_actor_id(const emr_db *db)
{
	return db->actor_id;
}

const char *emr_db_actor_login(const emr_db *db)
{
	return db->actor_login;
}

/* ------------------------------------------------------------ columns */

const char *emr_col_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return t ? (const char *)t : "";
}

void emr_col_copy(sqlite3_stmt *st, int col, char *dst, size_t n)
{
	emr_strlcpy(dst, emr_col_text(st, col), n);
}

int emr_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s)
{
	if (!s || !*s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT);
}

/* --------------------------------------------------------------- paths */

bool emr_db_default_path(const char *explicit_path, char *buf, size_t n)
{
	if (explicit_path && *explicit_path)
		return emr_strlcpy(buf, explicit_path, n);
	const char *env = getenv("EMR_DB");
	if (env && *env)
		return emr_strlcpy(buf, env, n);
	const char *xdg = getenv("XDG_DATA_HOME");
	int len;
	if (xdg && *xdg == '/') {
		len = snprintf(buf, n, "%s/emr/practice.db", xdg);
	} else {
		const char *home = getenv("HOME");
		if (!home || !*home)
			return false;
		len = snprintf(buf, n, "%s/.local/share/emr/practice.db", home);
	}
	/* A cut-short path would name some other file: refuse instead. */
	return len >= 0 && (size_t)len < n;
}
