/* visit: encounters and their notes. */
#include "emr/visit.h"

#include "emr/audit.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void emr_encounters_free(emr_encounters *list)
{
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}

void emr_note_clear(emr_note *n)
{
	free(n->body);
	memset(n, 0, sizeof *n);
}

static const char *const encounter_types[] = {"office", "telehealth", "phone", "home", "hospital", "other"};

int emr_encounter_add(emr_db *db, emr_encounter *e)
{
	if (emr_permit(db, EMR_PERM_SCHEDULE, "visit add") != 0)
		return -1;
	emr_patient p;
	if (emr_patient_get(db, e->patient_id, &p) != 0)
		return -1;
	if (!*e->type)
		emr_strlcpy(e->type, "office", sizeof e->type);
	bool ok = false;
	for (size_t i = 0; i < EMR_ARRAY_LEN(encounter_types); i++)
		ok |= strcmp(e->type, encounter_types[i]) == 0;
	if (!ok) {
		emr_db_set_error(db, "type \"%s\": must be office, telehealth, phone, home, hospital or other", e->type);
		return -1;
	}
	if (!emr_utf8_valid(e->reason, strlen(e->reason))) {
		emr_db_set_error(db, "reason: not valid UTF-8 text");
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (!*e->start_at)
		emr_strlcpy(e->start_at, now, sizeof e->start_at);
	else if (!emr_instant_valid(e->start_at)) {
		emr_db_set_error(db, "start \"%s\": not a valid UTC time (YYYY-MM-DDTHH:MM:SSZ)", e->start_at);
		return -1;
	}
	if (!e->provider_id)
		e->provider_id = emr_db_actor_id(db);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO encounters(patient_id, provider_id, appointment_id, start_at, type, reason, status,"
		" followup_days, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'in-progress', ?7, ?8)");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, e->patient_id);
	if (e->provider_id)
		sqlite3_bind_int64(st, 2, e->provider_id);
	if (e->appointment_id)
		sqlite3_bind_int64(st, 3, e->appointment_id);
	sqlite3_bind_text(st, 4, e->start_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->reason, -1, SQLITE_STATIC);
	if (e->followup_days)
		sqlite3_bind_int(st, 7, e->followup_days);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "starting the visit");
		goto fail;
	}
	e->id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	emr_strlcpy(e->status, "in-progress", sizeof e->status);
	if (emr_audit(db, "create", "encounters", e->id, e->patient_id, e->type) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

#define ENC_COLS "e.id, e.patient_id, ifnull(e.provider_id, 0), ifnull(e.appointment_id, 0), e.start_at," \
	" ifnull(e.end_at, ''), e.type, e.reason, e.status, ifnull(e.followup_days, 0)," \
	" ifnull(n.id, 0), ifnull(n.status, ''), ifnull(s.display_name, ''), ifnull(pr.display_name, '')," \
	" e.source_provider, ifnull(n.source_author, '')," \
	" n.id IS NOT NULL AND (n.source_author <> '' OR EXISTS (SELECT 1 FROM fhir_received r" \
	" WHERE r.mapped_table = 'notes' AND r.mapped_id = n.id))," \
	" n.status = 'signed' AND NOT EXISTS (SELECT 1 FROM fhir_received r" \
	" WHERE r.mapped_table = 'notes' AND r.mapped_id = n.id AND n.signed_at >= r.received_at)"
#define ENC_FROM " FROM encounters e LEFT JOIN notes n ON n.id = (SELECT max(id) FROM notes WHERE encounter_id = e.id)" \
	" LEFT JOIN users s ON s.id = n.signed_by LEFT JOIN users pr ON pr.id = e.provider_id"

static void encounter_from_row(sqlite3_stmt *st, emr_encounter *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(st, 0);
	e->patient_id = sqlite3_column_int64(st, 1);
	e->provider_id = sqlite3_column_int64(st, 2);
	e->appointment_id = sqlite3_column_int64(st, 3);
	emr_col_copy(st, 4, e->start_at, sizeof e->start_at);
	emr_col_copy(st, 5, e->end_at, sizeof e->end_at);
	emr_col_copy(st, 6, e->type, sizeof e->type);
	emr_col_copy(st, 7, e->reason, sizeof e->reason);
	emr_col_copy(st, 8, e->status, sizeof e->status);
	e->followup_days = sqlite3_column_int(st, 9);
	e->note_id = sqlite3_column_int64(st, 10);
	emr_col_copy(st, 11, e->note_status, sizeof e->note_status);
	emr_col_copy(st, 12, e->signer, sizeof e->signer);
	emr_col_copy(st, 13, e->provider, sizeof e->provider);
	emr_col_copy(st, 14, e->source_provider, sizeof e->source_provider);
	emr_col_copy(st, 15, e->note_source_author, sizeof e->note_source_author);
	e->note_imported = sqlite3_column_int(st, 16) != 0;
	/* Signed before it was received: at the source (an imported draft
	 * signed here afterwards names its signer here). */
	e->note_signed_at_source = e->note_imported && sqlite3_column_int(st, 17) != 0;
}

int emr_encounter_get(emr_db *db, int64_t id, emr_encounter *out)
{
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT " ENC_COLS ENC_FROM " WHERE e.id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		encounter_from_row(st, out);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		emr_db_set_error(db, "no visit with id %lld", (long long)id);
		return -1;
	}
	return 0;
}

int emr_encounter_list(emr_db *db, int64_t patient_id, int limit, emr_encounters *out)
{
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT " ENC_COLS ENC_FROM " WHERE e.patient_id = ?1 ORDER BY e.start_at DESC, e.id DESC LIMIT ?2");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		encounter_from_row(st, emr_list_push(out));
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading visits");
}

/* ----------------------------------------------------------------- notes */

int emr_note_add(emr_db *db, int64_t encounter_id, const char *template_name, const char *body, int64_t *id_out)
{
	if (emr_permit(db, EMR_PERM_NOTE_WRITE, "note add") != 0)
		return -1;
	emr_encounter e;
	if (emr_encounter_get(db, encounter_id, &e) != 0)
		return -1;
	if (!emr_utf8_valid(body, strlen(body))) {
		emr_db_set_error(db, "note: not valid UTF-8 text");
		return -1;
	}
	if (!emr_db_actor_id(db)) {
		emr_db_set_error(db, "note: nobody is logged in to author it");
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"INSERT INTO notes(encounter_id, patient_id, author_id, template, body, status, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, 'draft', ?6, ?6)");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	sqlite3_bind_int64(st, 2, e.patient_id);
	sqlite3_bind_int64(st, 3, emr_db_actor_id(db));
	sqlite3_bind_text(st, 4, template_name ? template_name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "saving the note");
		goto fail;
	}
	int64_t id = sqlite3_last_insert_rowid(emr_db_sqlite(db));
	if (emr_audit(db, "create", "notes", id, e.patient_id, "") != 0)
		goto fail;
	if (id_out)
		*id_out = id;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

/* An imported note's attribution (emr-fhir(5)): after the note's own
 * columns, read by note_import_from_row (at the end of this file). */
#define NOTE_IMPORT_COLS "source_author, source_author <> '' OR EXISTS (SELECT 1 FROM fhir_received r" \
	" WHERE r.mapped_table = 'notes' AND r.mapped_id = notes.id)," \
	" ifnull((SELECT received_by FROM fhir_received r WHERE r.mapped_table = 'notes' AND r.mapped_id = notes.id" \
	" ORDER BY r.id LIMIT 1), 0)," \
	" ifnull((SELECT received_at FROM fhir_received r WHERE r.mapped_table = 'notes' AND r.mapped_id = notes.id" \
	" ORDER BY r.id LIMIT 1), '')"
static void note_import_from_row(sqlite3_stmt *st, int col, emr_note *n);

int emr_note_get(emr_db *db, int64_t id, emr_note *out)
{
	if (emr_permit(db, EMR_PERM_NOTE_READ, "note read") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT id, encounter_id, patient_id, author_id, ifnull(signed_by, 0), template, body, status,"
		" ifnull(signed_at, ''), created_at, updated_at, version, " NOTE_IMPORT_COLS " FROM notes WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof *out);
		out->id = sqlite3_column_int64(st, 0);
		out->encounter_id = sqlite3_column_int64(st, 1);
		out->patient_id = sqlite3_column_int64(st, 2);
		out->author_id = sqlite3_column_int64(st, 3);
		out->signed_by = sqlite3_column_int64(st, 4);
		emr_col_copy(st, 5, out->template_name, sizeof out->template_name);
		out->body = emr_xstrdup(emr_col_text(st, 6));
		emr_col_copy(st, 7, out->status, sizeof out->status);
		emr_col_copy(st, 8, out->signed_at, sizeof out->signed_at);
		emr_col_copy(st, 9, out->created_at, sizeof out->created_at);
		emr_col_copy(st, 10, out->updated_at, sizeof out->updated_at);
		out->version = sqlite3_column_int64(st, 11);
		note_import_from_row(st, 12, out);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		emr_db_set_error(db, "no note with id %lld", (long long)id);
		return -1;
	}
	return 0;
}

int emr_note_save(emr_db *db, int64_t id, int64_t version, const char *body)
{
	if (emr_permit(db, EMR_PERM_NOTE_WRITE, "note save") != 0)
		return -1;
	if (!emr_utf8_valid(body, strlen(body))) {
		emr_db_set_error(db, "note: not valid UTF-8 text");
		return -1;
	}
	emr_note n;
	if (emr_note_get(db, id, &n) != 0)
		return -1;
	int64_t patient_id = n.patient_id;
	bool signed_already = strcmp(n.status, "signed") == 0;
	emr_note_clear(&n);
	if (signed_already) {
		emr_db_set_error(db, "note %lld is signed: signed notes are immutable, add an addendum", (long long)id);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE notes SET body = ?1, updated_at = ?2, version = version + 1 WHERE id = ?3 AND version = ?4");
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	sqlite3_bind_int64(st, 4, version);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "saving the note");
		goto fail;
	}
	if (sqlite3_changes(emr_db_sqlite(db)) == 0) {
		emr_db_set_error(db, "note %lld was changed by someone else since you opened it", (long long)id);
		emr_tx_rollback(db);
		return EMR_CONFLICT;
	}
	if (emr_audit(db, "update", "notes", id, patient_id, "") != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

int emr_note_sign(emr_db *db, int64_t id)
{
	emr_note n;
	if (emr_note_get(db, id, &n) != 0)
		return -1;
	char what[64];
	snprintf(what, sizeof what, "note sign %lld", (long long)id);
	if (emr_permit_sign(db, n.author_id, what) != 0) {
		emr_note_clear(&n);
		return -1;
	}
	int64_t patient_id = n.patient_id;
	char status[17];
	emr_strlcpy(status, n.status, sizeof status);
	emr_note_clear(&n);
	if (strcmp(status, "draft") != 0) {
		emr_db_set_error(db, "note %lld is %s; only a draft can be signed", (long long)id, status);
		return -1;
	}
	char now[EMR_INSTANT_LEN];
	emr_now_instant(now);
	if (emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"UPDATE notes SET status = 'signed', signed_by = ?1, signed_at = ?2, updated_at = ?2 WHERE id = ?3");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, emr_db_actor_id(db));
	sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "signing the note");
		goto fail;
	}
	if (emr_audit(db, "sign", "notes", id, patient_id, "") != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}

void emr_notes_free(emr_notes *list)
{
	for (size_t i = 0; i < list->n; i++)
		emr_note_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_note_list_patient(emr_db *db, int64_t patient_id, emr_notes *out)
{
	if (emr_permit(db, EMR_PERM_NOTE_READ, "note list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT id, encounter_id, patient_id, author_id, ifnull(signed_by, 0), template, body, status,"
		" ifnull(signed_at, ''), created_at, updated_at, version, " NOTE_IMPORT_COLS " FROM notes WHERE patient_id = ?1"
		" ORDER BY created_at, id");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_note *n = emr_list_push(out);
		n->id = sqlite3_column_int64(st, 0);
		n->encounter_id = sqlite3_column_int64(st, 1);
		n->patient_id = sqlite3_column_int64(st, 2);
		n->author_id = sqlite3_column_int64(st, 3);
		n->signed_by = sqlite3_column_int64(st, 4);
		emr_col_copy(st, 5, n->template_name, sizeof n->template_name);
		n->body = emr_xstrdup(emr_col_text(st, 6));
		emr_col_copy(st, 7, n->status, sizeof n->status);
		emr_col_copy(st, 8, n->signed_at, sizeof n->signed_at);
		emr_col_copy(st, 9, n->created_at, sizeof n->created_at);
		emr_col_copy(st, 10, n->updated_at, sizeof n->updated_at);
		n->version = sqlite3_column_int64(st, 11);
		note_import_from_row(st, 12, n);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading the notes");
}

void emr_encounter_dxs_free(emr_encounter_dxs *list)
{
	free(list->items);
	memset(list, 0, sizeof *list);
}

int emr_encounter_dx_list_patient(emr_db *db, int64_t patient_id, emr_encounter_dxs *out)
{
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, "diagnosis list") != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db,
		"SELECT d.encounter_id, d.rank, d.icd10, ifnull(c.description, ''), ifnull(d.problem_id, 0)"
		" FROM encounters e JOIN encounter_diagnoses d ON d.encounter_id = e.id"
		" LEFT JOIN icd10cm c ON c.code = d.icd10"
		" WHERE e.patient_id = ?1 ORDER BY e.start_at, e.id, d.rank");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, patient_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		emr_encounter_dx *d = emr_list_push(out);
		d->encounter_id = sqlite3_column_int64(st, 0);
		d->rank = sqlite3_column_int(st, 1);
		emr_col_copy(st, 2, d->icd10, sizeof d->icd10);
		emr_col_copy(st, 3, d->description, sizeof d->description);
		d->problem_id = sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : emr_db_fail(db, "reading the visit diagnoses");
}

/* ------------------------------------------------ imported attribution */

static void note_import_from_row(sqlite3_stmt *st, int col, emr_note *n)
{
	emr_col_copy(st, col, n->source_author, sizeof n->source_author);
	n->imported = sqlite3_column_int(st, col + 1) != 0;
	n->imported_by = sqlite3_column_int64(st, col + 2);
	emr_col_copy(st, col + 3, n->imported_at, sizeof n->imported_at);
	if (n->imported && !n->imported_by)
		n->imported_by = n->author_id;   /* the importer is the note's author_id */
}

const char *emr_note_author_text(const emr_note *n, const char *local, char *buf, size_t size)
{
	if (!n->imported)
		snprintf(buf, size, "%s", local ? local : "");
	else
		snprintf(buf, size, "%s" EMR_IMPORTED_FROM, *n->source_author ? n->source_author : "author not named");
	return buf;
}

const char *emr_note_signer_text(const emr_note *n, const char *local, char *buf, size_t size)
{
	if (!n->imported)
		snprintf(buf, size, "%s", local ? local : "");
	else if (strcmp(n->status, "signed") == 0 && (!*n->imported_at || strcmp(n->signed_at, n->imported_at) < 0))
		snprintf(buf, size, "%s", EMR_SIGNED_AT_SOURCE);
	else
		snprintf(buf, size, "%s", n->signed_by ? (local ? local : "") : "");   /* a draft signed here after import */
	return buf;
}

const char *emr_outside_name(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s (outside)", name && *name ? name : "not named");
	return buf;
}

const char *emr_encounter_provider_text(const emr_encounter *e, char *buf, size_t size)
{
	if (*e->source_provider && !e->provider_id)
		return emr_outside_name(e->source_provider, buf, size);
	snprintf(buf, size, "%s", e->provider);
	return buf;
}

const char *emr_encounter_signer_text(const emr_encounter *e, char *buf, size_t size)
{
	if (e->note_signed_at_source)
		snprintf(buf, size, "%s", EMR_SIGNED_AT_SOURCE);
	else
		snprintf(buf, size, "%s", e->signer);
	return buf;
}

bool emr_followup_parse(const char *s, int *days)
{
	if (!s || !*s || strcmp(s, "none") == 0) {
		*days = 0;
		return true;
	}
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (end == s || errno || n <= 0 || n > 730 || !isdigit((unsigned char)*s))
		return false;
	long per = 1;
	if (*end == 'w')
		per = 7;
	else if (*end == 'm')
		per = 30;
	else if (*end == 'y')
		per = 365;
	else if (*end != 'd' && *end != '\0')
		return false;
	if (*end && end[1])
		return false;
	if (n * per > 730)
		return false;
	*days = (int)(n * per);
	return true;
}

int emr_encounter_set_followup(emr_db *db, int64_t encounter_id, int days)
{
	if (days < 0 || days > 730) {
		emr_db_set_error(db, "a follow-up is 1 to 730 days away (or none)");
		return -1;
	}
	if (emr_permit(db, EMR_PERM_CLINICAL_WRITE, "visit follow-up") != 0 || emr_tx_begin(db) != 0)
		return -1;
	sqlite3_stmt *st = emr_db_stmt(db, "UPDATE encounters SET followup_days = nullif(?2, 0)"
	                                   " WHERE id = ?1 AND status <> 'entered-in-error'");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, encounter_id);
	sqlite3_bind_int(st, 2, days);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		emr_db_fail(db, "setting the follow-up");
		goto fail;
	}
	if (sqlite3_changes(emr_db_sqlite(db)) == 0) {
		emr_db_set_error(db, "no visit %lld (or it was entered in error)", (long long)encounter_id);
		goto fail;
	}
	char detail[48];
	snprintf(detail, sizeof detail, "follow-up %d days", days);
	int64_t pid = 0;
	st = emr_db_stmt(db, "SELECT patient_id FROM encounters WHERE id = ?1");
	if (st) {
		sqlite3_bind_int64(st, 1, encounter_id);
		if (sqlite3_step(st) == SQLITE_ROW)
			pid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	}
	if (emr_audit(db, "update", "encounters", encounter_id, pid, detail) != 0)
		goto fail;
	return emr_tx_commit(db);
fail:
	emr_tx_rollback(db);
	return -1;
}
