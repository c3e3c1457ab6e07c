/* clinical: the records of a chart: problems, allergies, medications and
 * prescriptions, observations (vitals and labs) and immunizations.
 *
 * Records are plain structs with fixed-size fields; lists are arrays owned
 * by their list struct and freed with the matching *_free().
 *
 * Writes validate first and name the bad field and value in the error,
 * run in a transaction (nested inside the caller's if one is open), record
 * the acting user and append to the audit log.  Nothing is deleted:
 * emr_record_retire() marks any record entered-in-error with a reason. */
#ifndef EMR_CLINICAL_H
#define EMR_CLINICAL_H

#include "emr/codes.h"
#include "emr/db.h"
#include "emr/datetime.h"
#include "emr/patient.h"
#include "emr/util.h"

#include <stdlib.h>

/* ---------------------------------------------------------------- problems */

typedef struct emr_problem {
	int64_t id, patient_id;
	char icd10[9];                 /* without the dot: "E119"; "" if only SNOMED */
	char snomed[21];
	char description[EMR_TEXT_MAX];
	char onset_date[EMR_DATE_LEN];
	char status[17];               /* active | resolved | entered-in-error */
	char resolved_date[EMR_DATE_LEN];
	char note[EMR_TEXT_MAX];
	char created_at[EMR_INSTANT_LEN];
	char retired_reason[EMR_TEXT_MAX];
	int64_t version;
} emr_problem;

/* ---------------------------------------------------------------- allergies */

typedef struct emr_allergy {
	int64_t id, patient_id;
	bool is_nkda;                  /* the explicit "no known drug allergies" */
	char substance[EMR_NAME_MAX];
	char category[12];             /* drug | food | environment | other */
	char reaction[EMR_NAME_MAX];
	char severity[9];              /* mild | moderate | severe | "" */
	char status[17];               /* active | inactive | resolved | entered-in-error */
	char onset_date[EMR_DATE_LEN];
	char created_at[EMR_INSTANT_LEN];
	char retired_reason[EMR_TEXT_MAX];
	int64_t version;
} emr_allergy;

/* -------------------------------------------------------------- medications */

typedef struct emr_medication {
	int64_t id, patient_id, encounter_id, prescriber_id;
	char drug[EMR_NAME_MAX];       /* "lisinopril" */
	char rxnorm[16];
	char strength[65];             /* "10 mg" */
	char form[65];                 /* "oral tablet" */
	char route[33];                /* "oral" */
	char sig[EMR_TEXT_MAX];        /* "Take 1 tablet by mouth once daily" */
	double quantity;               /* 0 when not given */
	char quantity_unit[33];        /* "tablet" */
	int refills;
	char start_date[EMR_DATE_LEN];
	char stop_date[EMR_DATE_LEN];
	bool is_prescription;
	char status[17];               /* active | stopped | completed | entered-in-error */
	char reason[EMR_TEXT_MAX];
	char stop_reason[EMR_TEXT_MAX];
	char allergy_override[EMR_TEXT_MAX];
	char created_at[EMR_INSTANT_LEN];
	char retired_reason[EMR_TEXT_MAX];
	int64_t version;
	/* Filled on read: the prescriber here (display name, "" if none), or
	 * for an imported medication (emr import fhir) the prescriber as the
	 * source named them when not a user here (prescriber_id 0).  An
	 * imported prescription is not ours: it is never printed as one. */
	char prescriber[201];
	char source_prescriber[201];
	bool imported;
} emr_medication;

/* ------------------------------------------------------------- observations */

typedef struct emr_observation {
	int64_t id, patient_id, encounter_id, panel_id;
	char loinc[11];
	char name[81];                 /* the LOINC short name, filled on read */
	bool has_value;                /* value_num is meaningful */
	double value;
	char value_text[EMR_NAME_MAX];
	char unit[21];                 /* UCUM */
	bool has_low, has_high;
	double ref_low, ref_high;
	char ref_text[65];
	char flag[3];                  /* N L H LL HH A, or "" */
	char effective_at[EMR_INSTANT_LEN];
	char status[17];
	char retired_reason[EMR_NAME_MAX];  /* shown in history; full text in the database */
} emr_observation;

/* ----------------------------------------------------------- immunizations */

typedef struct emr_immunization {
	int64_t id, patient_id, encounter_id;
	char cvx[4];
	char vaccine[EMR_NAME_MAX];    /* CVX short name, filled on read */
	char administered_on[EMR_DATE_LEN];
	char lot[33];
	char manufacturer[EMR_NAME_MAX];
	char site[16];
	char route[6];
	int dose_number;               /* 0 when unknown */
	char status[17];               /* completed | not-done | entered-in-error */
	char retired_reason[EMR_TEXT_MAX];
} emr_immunization;

/* Lists of each record type (EMR_LIST, util.h): items[0..n), freed with
 * emr_list_free(). */
typedef EMR_LIST(emr_problem) emr_problems;
typedef EMR_LIST(emr_allergy) emr_allergies;
typedef EMR_LIST(emr_medication) emr_medications;
typedef EMR_LIST(emr_observation) emr_observations;
typedef EMR_LIST(emr_immunization) emr_immunizations;


/* Which records a list call returns. */
typedef enum emr_which {
	EMR_CURRENT,   /* active ones (for a chart pane) */
	EMR_ALL,       /* everything, entered-in-error included (history) */
} emr_which;

/* Adds; on success the id and times are filled in.  Each checks its input
 * and fails naming the field ("icd10 \"X99\": not an ICD-10-CM code"). */
int emr_problem_add(emr_db *db, emr_problem *p);
int emr_problem_resolve(emr_db *db, int64_t id, const char *resolved_date);
int emr_problem_list(emr_db *db, int64_t patient_id, emr_which which, emr_problems *out);

/* Editing.  Each getter reads one record (-1, "no problem with id 42",
 * if unknown).  Each update saves the editable fields of a record that
 * was read with its getter: p->version must be the version read; if the
 * row changed since (another session saved first) nothing is written and
 * EMR_CONFLICT is returned.  The checks are the add functions' own, and
 * records entered in error cannot be changed.  On success the struct is
 * re-read (new version). */
int emr_problem_get(emr_db *db, int64_t id, emr_problem *out);
/* Edits icd10, description, onset_date and note. */
int emr_problem_update(emr_db *db, emr_problem *p);

/* Adding an NKDA entry while a drug allergy is active fails (retire the
 * allergy first if it was entered in error).  Adding a drug allergy while
 * NKDA is active supersedes it: the NKDA entry becomes inactive, audited,
 * since a newly found allergy is exactly how NKDA stops being true. */
int emr_allergy_add(emr_db *db, emr_allergy *a);
int emr_allergy_list(emr_db *db, int64_t patient_id, emr_which which, emr_allergies *out);
int emr_allergy_get(emr_db *db, int64_t id, emr_allergy *out);
/* Edits substance, reaction, severity, category and onset_date.  An NKDA
 * entry has nothing to edit (retire it instead).  Making an active
 * allergy a drug allergy supersedes NKDA as adding one does. */
int emr_allergy_update(emr_db *db, emr_allergy *a);

int emr_medication_add(emr_db *db, emr_medication *m);
int emr_medication_stop(emr_db *db, int64_t id, const char *stop_date, const char *reason);
int emr_medication_list(emr_db *db, int64_t patient_id, emr_which which, emr_medications *out);
int emr_medication_get(emr_db *db, int64_t id, emr_medication *out);
/* Edits strength, form, route, sig, quantity, quantity_unit, refills and
 * reason; the drug, dates, prescriber and allergy override stay. */
int emr_medication_update(emr_db *db, emr_medication *m);

/* How a medication's prescriber is shown: m->prescriber for ours; for an
 * imported one, "Dr Jane Roe (outside)" ("not named (outside)" when the
 * source gave none).  Returns buf. */
const char *emr_medication_prescriber_text(const emr_medication *m, char *buf, size_t size);

/* How a problem's code is shown: "E11.9", or "SNOMED 44054006" for a
 * problem coded in SNOMED CT only, or "" for none.  Returns buf. */
const char *emr_problem_code_text(const emr_problem *p, char *buf, size_t size);

/* Observations: the unit must be the LOINC code's canonical UCUM unit (or
 * empty, meaning that unit); the value must be physically plausible.  The
 * reference range defaults from the code, and the flag is computed from
 * it when not given. */
int emr_observation_add(emr_db *db, emr_observation *o);
/* Reads one observation; kind_out (size >= 6) gets "vital" or "lab". */
int emr_observation_get(emr_db *db, int64_t id, emr_observation *out, char *kind_out);
/* Newest first; loinc NULL = every code.  limit 0 = no limit. */
int emr_observation_list(emr_db *db, int64_t patient_id, const char *loinc, const char *kind,
                         emr_which which, int limit, emr_observations *out);

/* The LOINC codes a result can be recorded with: those of kind ("lab",
 * "vital", or NULL for both) whose code, short name or name contains
 * every word of query (ignoring case), in clinical order; at most limit
 * (0 = all).  Appends to out; code = LOINC, text = short name. */
int emr_observation_codes(emr_db *db, const char *query, const char *kind, int limit, emr_code_list *out);

int emr_immunization_add(emr_db *db, emr_immunization *im);
int emr_immunization_list(emr_db *db, int64_t patient_id, emr_which which, emr_immunizations *out);

/* A set of vital signs taken together.  Unset values are NAN.  Units are
 * the canonical UCUM ones: mm[Hg], /min, Cel, %, kg, cm. */
typedef struct emr_vitals {
	double systolic, diastolic;   /* mm[Hg]; both or neither */
	double pulse;                 /* /min */
	double temp_c;                /* Cel */
	double resp;                  /* /min */
	double spo2;                  /* % */
	double weight_kg;             /* kg */
	double height_cm;             /* cm */
	char effective_at[EMR_INSTANT_LEN];   /* "" = now */
	int64_t encounter_id;         /* 0 = none */
} emr_vitals;

/* Sets every value to NAN and the rest to empty. */
void emr_vitals_init(emr_vitals *v);
/* Checks each value against its LOINC code's plausible range and names
 * the first bad one: "BP 900/10: systolic 900 mm[Hg] is outside 40-300". */
int emr_vitals_validate(emr_db *db, const emr_vitals *v);
/* Records the set in one transaction: one observation per value (BP as
 * a systolic/diastolic pair sharing panel_id), plus BMI when weight is
 * given and a height is known (given now, or the latest on file) and the
 * patient is 2 or older.  *bmi_out gets the BMI or NAN. */
int emr_vitals_record(emr_db *db, int64_t patient_id, emr_vitals *v, double *bmi_out);

/* Body-mass index, kg/m2, rounded to one decimal; NAN if either input is
 * missing or not positive. */
double emr_bmi(double weight_kg, double height_cm);

/* Parses a measurement that may carry a unit ("70", "70kg", "154 lb",
 * "175cm", "69in", "37.2", "99.1F", "37C") into the canonical unit of
 * kind ("kg", "cm" or "Cel").  US units are converted exactly (1 lb =
 * 0.45359237 kg; 1 in = 2.54 cm; F to Cel).  False if unparseable. */
bool emr_parse_measure(const char *s, const char *canonical, double *out);

/* The record kinds, by their table names. */
typedef enum emr_record_kind {
	EMR_REC_PROBLEM, EMR_REC_ALLERGY, EMR_REC_MEDICATION,
	EMR_REC_OBSERVATION, EMR_REC_IMMUNIZATION,
} emr_record_kind;

/* Marks a record entered-in-error with a reason (required).  It stays in
 * the database and in the chart's history. */
int emr_record_retire(emr_db *db, emr_record_kind kind, int64_t id, const char *reason);

/* ------------------------------------------------------------- procedures
 *
 * Procedures done to a patient (SNOMED CT or CPT/HCPCS), as received in
 * FHIR Procedure resources (emr import fhir): a record of what was done
 * elsewhere, read-only here except for retiring it as entered-in-error. */
typedef struct emr_procedure {
	int64_t id, patient_id, encounter_id;
	char code_system[8];            /* SNOMED | CPT | HCPCS | other */
	char code[65];
	char description[EMR_TEXT_MAX];
	char performed_start[EMR_INSTANT_LEN];   /* "" when not given */
	char performed_end[EMR_INSTANT_LEN];
	char status[17];                /* completed | not-done | ... | entered-in-error */
	char performer[EMR_NAME_MAX];   /* as named by the source */
	char note[EMR_TEXT_MAX];
	char created_at[EMR_INSTANT_LEN];
	char retired_reason[EMR_TEXT_MAX];
	bool imported;                  /* received in an import */
	char source_file[256];          /* the import's file name, "" if none */
} emr_procedure;
typedef EMR_LIST(emr_procedure) emr_procedures;

/* A patient's procedures, newest first (those without a date last);
 * EMR_CURRENT leaves out the ones entered in error. */
int emr_procedure_list(emr_db *db, int64_t patient_id, emr_which which, emr_procedures *out);
/* Marks a procedure entered-in-error with a reason (required), audited. */
int emr_procedure_retire(emr_db *db, int64_t id, const char *reason);
/* "SNOMED 80146002", "CPT 99213". Returns buf. */
const char *emr_procedure_code_text(const emr_procedure *p, char *buf, size_t size);

/* The abnormal flag of a numeric value against its reference range: "L"
 * below, "H" above, "N" within, "" when there is no range.  (Critical
 * flags LL/HH need laboratory-specific critical limits, so they are only
 * stored when given explicitly.) */
const char *emr_flag_for(double value, bool has_low, double low, bool has_high, double high);

#endif
