/* db: the storage layer's handle on one practice database.
 *
 * emr_db wraps a sqlite3 connection opened the way a medical record needs:
 * WAL journal, foreign keys enforced, a busy timeout so a second session
 * waits instead of failing, and the schema migrated forward to the version
 * this binary knows.  It also carries the acting user (for "recorded by"
 * columns and the audit log), the last error message, and a cache of
 * prepared statements.
 *
 * Nothing here draws on a terminal.
 *
 * Ownership: emr_db_open() returns a handle freed by emr_db_close().
 * Statements from emr_db_stmt() belong to the handle: never finalize them.
 * Strings returned by emr_db_error() live until the next call that fails. */
#ifndef EMR_DB_H
#define EMR_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct emr_db emr_db;

enum emr_open_flags {
	EMR_OPEN_CREATE   = 1 << 0,  /* create the file (0600, directory 0700) if missing */
	EMR_OPEN_READONLY = 1 << 1,  /* never write, never migrate */
};

/* Opens (and with EMR_OPEN_CREATE, creates) the practice database at path
 * and migrates it to the current schema.  On failure returns NULL and
 * writes one plain sentence into err (size errsz), such as
 * "practice.db: not an emr database (file is not SQLite)". */
emr_db *emr_db_open(const char *path, int flags, char *err, size_t errsz);
void emr_db_close(emr_db *db);

sqlite3 *emr_db_sqlite(emr_db *db);
const char *emr_db_path(const emr_db *db);

/* The schema version this binary writes (the highest "-- @migration N"). */
int emr_schema_latest(void);
/* PRAGMA user_version of the open database. */
int emr_db_schema_version(emr_db *db);
/* Applies the embedded schema sections (from, to] to a raw connection.
 * Used by emr_db_open() and by tests that build an older database. */
int emr_schema_apply(sqlite3 *conn, int from, int to, char *err, size_t errsz);

/* The last error, as one sentence for a person ("" when none). */
const char *emr_db_error(const emr_db *db);
void emr_db_set_error(emr_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the error from SQLite's message for the connection, prefixed with
 * what was being done; returns -1 so callers can `return emr_db_fail(...)`. */
int emr_db_fail(emr_db *db, const char *doing);

/* A prepared statement for sql, reset and with bindings cleared.  sql must
 * be a string literal (the cache is keyed by its address).  Returns NULL
 * and sets the error on failure. */
sqlite3_stmt *emr_db_stmt(emr_db *db, const char *sql);
/* Resets every cached statement left mid-step by a one-row read, so that
 * no read snapshot stays open while the program waits (for a key, say):
 * a snapshot held across another session's write makes this session's
 * next write fail as locked.  Does nothing inside a transaction. */
void emr_db_end_reads(emr_db *db);

/* Transactions nest: the outermost begin is BEGIN IMMEDIATE (so a writer
 * waits for the lock up front instead of failing half way); inner ones are
 * savepoints.  Each returns 0 or -1 with the error set. */
int emr_tx_begin(emr_db *db);
int emr_tx_commit(emr_db *db);
void emr_tx_rollback(emr_db *db);

/* The acting user: every write records it, and the audit log names it. */
void emr_db_set_actor(emr_db *db, int64_t user_id, const char *login);
int64_t emr_db_actor_id(const emr_db *db);
const char *emr_db_actor_login(const emr_db *db);

/* Helpers for column text that may be NULL. */
const char *emr_col_text(sqlite3_stmt *st, int col);   /* "" for NULL */
/* Copy column text into a fixed buffer (truncating on a UTF-8 boundary). */
void emr_col_copy(sqlite3_stmt *st, int col, char *dst, size_t n);
/* Binds text, or NULL when s is NULL or empty. */
int emr_bind_text_or_null(sqlite3_stmt *st, int idx, const char *s);

/* Where the database lives: the explicit path if given, else $EMR_DB, else
 * $XDG_DATA_HOME/emr/practice.db, else ~/.local/share/emr/practice.db.
 * Writes into buf; returns false if no home directory can be found. */
bool emr_db_default_path(const char *explicit_path, char *buf, size_t n);

/* Creates every missing directory of path's parent with mode 0700. */
int emr_mkdir_parents(const char *path, char *err, size_t errsz);

#endif
