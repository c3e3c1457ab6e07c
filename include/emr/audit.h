/* audit: the append-only, hash-chained audit log.
 *
 * Each row's hash is BLAKE2b-256 (libsodium crypto_generichash) over a
 * length-prefixed serialisation of its fields and the previous row's
 * hash, so altering or removing any row breaks the chain from there on.
 * The schema's triggers refuse UPDATE and DELETE; the chain catches what
 * bypasses them (someone dropping the triggers with sqlite3). */
#ifndef EMR_AUDIT_H
#define EMR_AUDIT_H

#include "emr/db.h"

/* Appends one event for the acting user.  action is one of the schema's
 * audit actions ("open-chart", "create", ...); entity is a table name or
 * ""; entity_id and patient_id are 0 when not applicable. */
int emr_audit(emr_db *db, const char *action, const char *entity, int64_t entity_id,
              int64_t patient_id, const char *detail);

/* Walks the whole chain.  Returns 0 when intact, 1 when broken (and sets
 * *bad_id to the first row whose hash does not verify), -1 on error.
 * *rows is set to the number of rows checked. */
int emr_audit_verify(emr_db *db, int64_t *bad_id, long *rows);

#endif
