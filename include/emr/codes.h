/* codes: the clinical code systems: ICD-10-CM (official CMS/NCHS release),
 * and the curated LOINC and CVX tables shipped in data/.
 *
 * ICD-10-CM codes are stored without the dot ("E119") and shown with it
 * ("E11.9"); emr_icd10_display() inserts it.  Loading a release never
 * deletes a code: codes missing from the new release are kept, inactive,
 * so every chart that uses one stays valid. */
#ifndef EMR_CODES_H
#define EMR_CODES_H

#include "emr/db.h"

typedef struct emr_code_hit {
	char code[9];          /* ICD-10-CM without the dot, LOINC, or CVX */
	char text[256];
	bool active;
} emr_code_hit;

typedef struct emr_code_list {
	emr_code_hit *items;
	size_t n, cap;
} emr_code_list;
void emr_code_list_free(emr_code_list *list);

/* Counts of what a release load did. */
typedef struct emr_icd10_stats {
	long added, updated, unchanged, retired;  /* retired = dropped by this release, kept inactive */
	int release;                              /* fiscal year loaded */
} emr_icd10_stats;

/* Loads an ICD-10-CM codes file (icd10cm_codes_YYYY.txt, fixed width:
 * code in columns 1-7, description from column 9) of fiscal year
 * `release` from memory.  Malformed lines fail the whole load, naming the
 * line number.  Runs in one transaction. */
int emr_icd10_load(emr_db *db, const char *text, size_t len, int release, emr_icd10_stats *stats);
/* Same, from a file.  release 0 = take the year from a "_YYYY" in the name. */
int emr_icd10_import_file(emr_db *db, const char *path, int release, emr_icd10_stats *stats);
/* Loads the release compiled into the binary (FY2026). */
int emr_icd10_load_builtin(emr_db *db, emr_icd10_stats *stats);

/* Word-prefix search of descriptions ("type 2 diab" finds E11.9), best
 * first, or an exact/prefix code match when the query looks like a code
 * ("E11.9", "e119").  Active codes only unless include_inactive. */
int emr_icd10_search(emr_db *db, const char *query, int limit, bool include_inactive, emr_code_list *out);
/* Looks up one code (with or without the dot); false if unknown. */
bool emr_icd10_lookup(emr_db *db, const char *code, emr_code_hit *out);
/* "E119" -> "E11.9" into buf (n >= 9).  Also normalises "e11.9". */
void emr_icd10_display(const char *code, char *buf, size_t n);
/* "E11.9" / "e119" -> "E119"; false if it cannot be an ICD-10-CM code. */
bool emr_icd10_normalize(const char *in, char *out, size_t n);

/* LOINC and CVX: the curated tables (loaded at practice creation). */
typedef struct emr_loinc {
	char code[11];
	char name[256];
	char short_name[81];
	char kind[6];          /* vital | lab */
	char unit[21];         /* UCUM */
	bool has_plausible;
	double plausible_low, plausible_high;
	bool has_ref_low, has_ref_high;   /* a range may be one-sided: HDL >= 40 */
	double ref_low, ref_high;
	char panel[17];
} emr_loinc;

int emr_codes_load_builtin_loinc_cvx(emr_db *db);
bool emr_loinc_lookup(emr_db *db, const char *code, emr_loinc *out);
/* Finds a LOINC code by code, or by a word of its short name ("a1c",
 * "ldl", "weight"); false when none or ambiguous. */
bool emr_loinc_find(emr_db *db, const char *query, emr_loinc *out);
bool emr_cvx_lookup(emr_db *db, const char *code, emr_code_hit *out);
/* Finds a CVX code by number or by a word of its name ("tdap", "influenza"). */
int emr_cvx_search(emr_db *db, const char *query, int limit, emr_code_list *out);

/* Well-known LOINC codes for vital signs (FHIR vital-signs profile). */
#define EMR_LOINC_SYSTOLIC   "8480-6"
#define EMR_LOINC_DIASTOLIC  "8462-4"
#define EMR_LOINC_BP_PANEL   "85354-9"
#define EMR_LOINC_PULSE      "8867-4"
#define EMR_LOINC_TEMP       "8310-5"
#define EMR_LOINC_RESP       "9279-1"
#define EMR_LOINC_SPO2       "59408-5"
#define EMR_LOINC_WEIGHT     "29463-7"
#define EMR_LOINC_HEIGHT     "8302-2"
#define EMR_LOINC_BMI        "39156-5"

#endif
