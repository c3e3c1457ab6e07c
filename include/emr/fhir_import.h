/* fhir_import: reading FHIR R4 into a practice (`emr import fhir`).
 *
 * A file is a Bundle (type transaction, batch, collection or searchset),
 * a single resource, or NDJSON (one resource per line: the extension
 * .ndjson/.jsonl, or content that is one JSON object per line).  JSON is
 * parsed by jansson with JSON_REJECT_DUPLICATES.  Each file is one
 * transaction: it is imported whole or not at all.
 *
 * Every resource received is kept verbatim in fhir_received (append-only),
 * with its identity key: the entry's fullUrl when that is a urn:uuid,
 * urn:oid or absolute URL, else "Type/id" scoped by the file's directory
 * (an id without a server is unique only within its source), else a hash
 * of the JSON.  A resource whose key (or whose emr identifier
 * "urn:emr:<uid>:<table>") is already there is "already imported" and
 * adds nothing, so importing a file twice changes nothing.  NDJSON is
 * parsed a line at a time; a Bundle whole.
 *
 * What becomes part of a chart ("mapped"):
 *   Patient            patients (+ patient_identifiers; the source MRN
 *                      when it fits emr's MRN rules, else a new one)
 *   Encounter          encounters (provider: a user here, else the
 *                      source's name in source_provider)
 *   Condition          problems (SNOMED CT and/or ICD-10-CM)
 *   AllergyIntolerance allergies (SNOMED 409137002/716186003 = NKDA)
 *   MedicationRequest  medications (RxNorm; "lisinopril 10 MG Oral
 *                      Tablet" -> drug, strength, form)
 *   Observation        observations (LOINC; BP panels and other
 *                      component observations -> rows sharing panel_id)
 *   Immunization       immunizations (CVX)
 *   Procedure          procedures
 *   DocumentReference  notes (text/plain or text/markdown), relatesTo
 *                      "appends" -> an addendum
 *   Appointment        appointments (when the provider is a user here)
 *   Practitioner       users, when it is one of ours (emr identifier or
 *                      NPI); else kept and used to name authors
 * Everything else (Claim, ExplanationOfBenefit, CarePlan, Provenance,
 * Organization, unknown types, ...) is kept verbatim only and counted, as
 * is a resource emr cannot hold (a code that is not LOINC/SNOMED/CVX, an
 * implausible value, no patient): kept_reason says why.
 *
 * Refused, writing nothing, with a message naming the file, the entry
 * (0-based index into Bundle.entry, or among an NDJSON file's resources,
 * with the line, 1-based) and the field:
 *   not JSON (jansson's line and column), nested deeper than jansson's
 *   limit, truncated; no resourceType; an impossible date; a duplicate
 *   fullUrl; a reference to nothing (not in the file, not received
 *   before; conditional references "Type?identifier=..." that resolve to
 *   nothing are kept as written instead); a Patient without a name or a
 *   full birth date; a file larger than EMR_FHIR_MAX_BYTES (checked
 *   before reading).
 *
 * A new Patient that matches an existing chart (a shared identifier, or
 * the same family name, first given name and birth date) is not merged
 * silently: the file stops with EMR_FHIR_CANDIDATES and the candidates,
 * unless opts.merge_into names the chart or opts.merge accepts the only
 * candidate.  Merging adds the identifiers; the chart's demographics are
 * left as they are. */
#ifndef EMR_FHIR_IMPORT_H
#define EMR_FHIR_IMPORT_H

#include "emr/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Larger files are refused before they are read. */
#define EMR_FHIR_MAX_BYTES (256L * 1024 * 1024)

typedef enum emr_fhir_outcome {
	EMR_FHIR_IMPORTED,      /* written (possibly partly already there) */
	EMR_FHIR_ALREADY,       /* every resource was already imported: nothing written */
	EMR_FHIR_REFUSED,       /* malformed or failed: nothing written; message says why */
	EMR_FHIR_CANDIDATES,    /* a Patient matches existing charts: nothing written */
} emr_fhir_outcome;

typedef struct emr_fhir_count {
	char type[65];          /* resourceType */
	long mapped, kept, already;
} emr_fhir_count;

/* Why resources of a charted type were kept only ("no LOINC code"),
 * and a type emr does not know ("a resource type emr does not know"). */
typedef struct emr_fhir_reason {
	char type[65];
	char reason[200];
	long n;
} emr_fhir_reason;

typedef struct emr_fhir_candidate {
	int64_t id;
	char mrn[33];
	char name[402];         /* "Family, Given" */
	char dob[11];
	char why[64];           /* "identifier", "name and birth date" */
} emr_fhir_candidate;

typedef struct emr_fhir_result {
	char file[256];         /* base name */
	emr_fhir_outcome outcome;
	long bytes;
	long entries;           /* Bundle.entry or NDJSON lines */
	long mapped, kept, already, skipped;   /* skipped: entries without a resource */
	emr_fhir_count *counts; /* per resourceType, in order of first appearance */
	size_t ncounts;
	emr_fhir_candidate *candidates;
	size_t ncandidates;
	emr_fhir_reason *reasons;   /* kept only, with a reason */
	size_t nreasons;
	int64_t patient_id;     /* the (first) chart written to, 0 if none */
	bool dry_run;           /* counted as if imported; nothing was kept */
	char message[1024];     /* why it was refused; "" otherwise */
} emr_fhir_result;

typedef struct emr_fhir_opts {
	int64_t merge_into;     /* 0 = none: a matching Patient stops the import */
	bool merge;             /* accept the single candidate */
	bool dry_run;           /* check and map everything, then roll it back */
	/* Called now and then while a file is written (done of total entries). */
	void (*progress)(void *ctx, const char *file, long done, long total);
	void *progress_ctx;
} emr_fhir_opts;

/* Imports one file in one transaction (nested in the caller's, if one is
 * open).  Fills res (free with emr_fhir_result_free) and returns 0 when
 * imported or already imported, 1 for EMR_FHIR_CANDIDATES, -1 when
 * refused (res->message and the database error say why).  Audited as one
 * "import" event per file.  A physician's (EMR_PERM_ADMIN and
 * CLINICAL_WRITE): it makes charts, signed notes and codes. */
int emr_fhir_import_file(emr_db *db, const char *path, const emr_fhir_opts *opts, emr_fhir_result *res);
void emr_fhir_result_free(emr_fhir_result *res);

/* Orders files so that what others refer to comes first, by the resource
 * type a Bulk Data NDJSON file is named after ("Patient.ndjson" before
 * "Encounter.ndjson" before "Observation.ndjson"); other names keep their
 * order, after the known ones.  Stable. */
void emr_fhir_import_order(const char **paths, size_t n);

#endif
