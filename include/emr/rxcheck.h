/* rxcheck: the prescribing-safety check against the allergy list.
 *
 * Given a patient and a drug name, each active allergy (NKDA and retired
 * entries never match) is compared with the drug:
 *   - same substance: the allergen is the drug or one of its ingredients
 *     ("amoxicillin" allergy, drug "amoxicillin-clavulanate"), compared
 *     case- and accent-insensitively, with common US brand names read as
 *     their ingredients ("Augmentin", "Bactrim");
 *   - same class: the allergy names a drug class ("penicillin", "PCN",
 *     "sulfa", "NSAIDs") or a member of one, and the drug is a member
 *     ("amoxicillin is a penicillin");
 *   - possible cross-reactivity, worded as lower risk: between classes
 *     whose cross-reactivity is real but uncommon (penicillins and
 *     cephalosporins; opioids of different chemical classes).
 * The class table is curated, small and cited in src/rxcheck.c and
 * data/SOURCES.md.  It is a safety net for a solo practice, not a drug
 * interaction database: a drug not in the table is matched only by name.
 *
 * Nothing here draws; the caller shows the warnings and, when the
 * prescriber goes ahead, records what was shown in the medication's
 * allergy_override (emr_rx_describe). */
#ifndef EMR_RXCHECK_H
#define EMR_RXCHECK_H

#include "emr/clinical.h"

typedef enum emr_rx_match {
	EMR_RX_SAME_SUBSTANCE,   /* the allergen itself */
	EMR_RX_SAME_CLASS,       /* a member of the allergen's class */
	EMR_RX_CROSS_REACTIVE,   /* possible (uncommon) cross-reactivity */
} emr_rx_match;

typedef struct emr_rx_warning {
	int64_t allergy_id;
	emr_rx_match match;
	char substance[EMR_NAME_MAX];  /* as recorded: "Penicillin" */
	char reaction[EMR_NAME_MAX];   /* "hives", or "" */
	char severity[9];              /* mild | moderate | severe | "" */
	char why[320];                 /* "amoxicillin is a penicillin" */
} emr_rx_warning;

/* Checks drug against patient_id's active allergies.  Writes up to max
 * warnings (strongest match per allergy, most severe allergy first) to
 * out and returns how many there are in all (which may exceed max), or
 * -1 with the error set. */
int emr_rx_check(emr_db *db, int64_t patient_id, const char *drug, emr_rx_warning *out, size_t max);

/* The text stored in medications.allergy_override when the prescriber
 * acknowledges the warnings: "penicillin (hives, severe): amoxicillin is a
 * penicillin; ...".  Always NUL-terminated; truncated to n. */
void emr_rx_describe(const emr_rx_warning *w, size_t count, char *buf, size_t n);

/* "a penicillin" for a drug that is a member of a class, else NULL:
 * used by tests and by the medication form's hint. */
const char *emr_rx_class_of(const char *drug);

#endif
