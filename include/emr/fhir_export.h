/* fhir_export: a practice's records as FHIR R4 (4.0.1) JSON.
 *
 * Two shapes:
 *   emr_fhir_export_patient     one patient as a Bundle of type
 *                               "collection" (everything in the chart,
 *                               plus the practice's Organization and the
 *                               Practitioners the chart refers to);
 *   emr_fhir_export_all_ndjson  every patient, as FHIR Bulk Data
 *                               (https://hl7.org/fhir/uv/bulkdata/)
 *                               NDJSON files, one per resource type.
 *
 * Why "collection" and not "document": a document Bundle needs a
 * Composition that attests the whole, and a chart export is not one
 * clinical document; nor is it a "transaction" (no server is asked to do
 * anything).  A collection is exactly "a set of resources".
 *
 * Naming.  Each resource has a stable id ("patient-12", "note-7"; the
 * prefix says which table) and an identifier
 *   {system "urn:emr:<installation.uid>:<table>", value "<row id>"}
 * (fhir.h).  In a Bundle, fullUrl is "urn:uuid:<uuid>" where the UUID
 * (RFC 9562 version 8) is derived with BLAKE2b from the installation uid,
 * the type and the id, so the same record gets the same fullUrl in every
 * export, and every reference in the Bundle is such a urn:uuid.  In
 * NDJSON, references are relative ("Patient/patient-12"), as the Bulk
 * Data specification asks.
 *
 * The mapping table, and where US Core 6.1.0 is not met, are in
 * emr-fhir(5) (man/emr-fhir.5).
 *
 * Access: both need a clinician (clinical records and notes: physician or
 * nurse).  Billing resources (ChargeItem, Invoice) are included only when
 * the acting user may also bill.  Both are audited ("export") before a
 * byte is written. */
#ifndef EMR_FHIR_EXPORT_H
#define EMR_FHIR_EXPORT_H

#include "emr/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The signing time of a note, on DocumentReference.authenticator (FHIR R4
 * has no element for it). */
#define EMR_FHIR_EXT_SIGNED_AT "urn:emr:fhir:StructureDefinition:signed-at"

/* This database's identity (installation.uid, 32 hex digits). */
int emr_fhir_installation_uid(emr_db *db, char uid[33]);

/* Writes patient_id's chart as one Bundle to out.  The JSON is built and
 * audited before anything is written.  0, or -1 with the error set. */
int emr_fhir_export_patient(emr_db *db, int64_t patient_id, FILE *out);

/* Resource types of a bulk export, in the order their files are listed. */
#define EMR_FHIR_NTYPES 14
extern const char *const emr_fhir_types[EMR_FHIR_NTYPES];

typedef struct emr_fhir_bulk_opts {
	bool force;                  /* overwrite existing <Type>.ndjson files */
	/* Called now and then with patients done and the total; may be NULL. */
	void (*progress)(void *arg, long done, long total);
	void *progress_arg;
} emr_fhir_bulk_opts;

typedef struct emr_fhir_bulk_result {
	long patients;
	long counts[EMR_FHIR_NTYPES];  /* resources written, by emr_fhir_types */
} emr_fhir_bulk_result;

/* Writes every patient's records into dir (created 0700 when missing) as
 * <Type>.ndjson files (mode 0600), one resource per line, with the
 * practice's Organization and every user's Practitioner once.  Existing
 * files are refused unless opts->force.  Streams patient by patient
 * inside one read transaction (a consistent snapshot that does not hold
 * up other sessions' writes).  Types with no resource get no file.
 * opts and result may be NULL.  0, or -1 with the error set. */
int emr_fhir_export_all_ndjson(emr_db *db, const char *dir, const emr_fhir_bulk_opts *opts,
                               emr_fhir_bulk_result *result);

#endif
