/* billing: fee schedule, charges, invoices, the ledger.  Every amount is
 * int64_t cents; nothing passes through floating point.
 * Each write function runs in one transaction and returns 0, or -1 with
 * the database error set. */
#ifndef EMR_BILLING_H
#define EMR_BILLING_H

#include "emr/db.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define EMR_BILLING_DATE 11  /* "YYYY-MM-DD" and its NUL */

/* "$1,250.00", "125", "125.5", "-3.25" -> cents.  At most two decimals.
 * Returns false for anything else (or an overflow). */
bool emr_money_parse(const char *s, int64_t *cents);
/* 12550 -> "125.50", -5 -> "-0.05".  buf at least 32 bytes. */
void emr_money_format(int64_t cents, char *buf, size_t n);

int emr_fee_add(emr_db *db, const char *code, const char *system, const char *description, int64_t fee_cents);
/* Imports a CSV file (header code,description,fee[,system]) in one
 * transaction; a malformed file names the line and column in the error. */
int emr_fee_import(emr_db *db, FILE *f, const char *name, long *count);

/* Records diagnosis ICD10 on the visit at the next rank; *rank gets it. */
int emr_dx_add(emr_db *db, int64_t encounter_id, const char *icd10, int *rank);
/* modifiers "" or "25" or "25,59"; dx "1,2" (NULL = "1"). */
int emr_charge_add(emr_db *db, int64_t encounter_id, const char *code, const char *modifiers, int units,
                   const char *dx, int64_t *charge_id);
/* Invoices the visit's open charges; *invoice_id, number[16] */
int emr_invoice_issue(emr_db *db, int64_t encounter_id, int64_t *invoice_id, char number[32]);

/* Balance = SUM(ledger.amount_cents) of the patient. */
int emr_balance(emr_db *db, int64_t patient_id, int64_t *cents);
/* A payment of amount_cents (> 0).  More than the balance needs
 * allow_credit, else -1 with the balance in the error. */
int emr_payment_post(emr_db *db, int64_t patient_id, int64_t amount_cents, const char *method,
                     const char *reference, int64_t invoice_id, bool allow_credit);
/* A signed adjustment (negative lowers what is owed). */
int emr_adjustment_post(emr_db *db, int64_t patient_id, int64_t amount_cents, const char *reason, int64_t invoice_id);

/* A/R by invoice age at emr_now: each invoice's open amount (total plus
 * ledger entries naming it) into 0-30, 31-60, 61-90, over 90 days. */
/* Unapplied credits (payments and adjustments naming no invoice, and
 * invoices paid beyond their total) reduce the patient's oldest amounts
 * first (FIFO); unapplied debits age from their posting date.  The total
 * of the buckets is the sum of the positive patient balances (the full
 * rule is in billing.c). */
int emr_aging(emr_db *db, int64_t buckets[4]);

/* ------------------------------------------------------------ reading
 * These fill caller-provided structs; the arrays inside belong to the
 * struct and are released by its _free function (safe on a zeroed or
 * half-filled struct).  Each returns 0, or -1 with the error set. */
/* Roles (perm.h), checked here so the screens refuse like the command
 * line: the fee list, visit billing, charge void and refunds need
 * EMR_PERM_BILLING; invoices and the ledger need EMR_PERM_PAYMENT (the
 * front desk reads what is owed, at checkout). */

typedef struct emr_fee {
	char code[8];                /* 99213, J3420 */
	char system[8];              /* CPT | HCPCS */
	char description[201];
	int64_t fee_cents;
	bool active;
} emr_fee;
typedef struct emr_fees {
	emr_fee *items;
	size_t n, cap;
} emr_fees;
void emr_fees_free(emr_fees *list);
/* The fee schedule by code; active_only leaves out retired codes. */
int emr_fee_list(emr_db *db, bool active_only, emr_fees *out);

typedef struct emr_visit_dx {
	int rank;                    /* 1.. : what dx pointers point at */
	char icd10[9];
	char description[256];
} emr_visit_dx;

typedef struct emr_charge {
	int64_t id, encounter_id, invoice_id;  /* invoice_id 0 while open */
	char code[8];
	char description[201];
	char modifiers[16];          /* "" or "25,59" */
	int units;
	int64_t fee_cents;           /* unit fee when charged */
	int64_t amount_cents;        /* fee_cents * units */
	char dx_pointers[32];        /* "1,2" */
	char status[10];             /* open | invoiced | void */
	char system[8];              /* CPT | HCPCS | "" (no longer in the fee schedule) */
	char service_date[EMR_BILLING_DATE];  /* the visit's local date */
	char created_at[24];         /* UTC instant */
} emr_charge;
typedef struct emr_charges {
	emr_charge *items;
	size_t n, cap;
} emr_charges;
void emr_charges_free(emr_charges *list);
/* Every charge of a patient (void ones too), by visit then id: what an
 * export of the chart's billing carries.  Needs billing rights. */
int emr_charge_list_patient(emr_db *db, int64_t patient_id, emr_charges *out);

/* What the charge screen shows for one visit. */
typedef struct emr_visit_billing {
	int64_t encounter_id, patient_id;
	char service_date[EMR_BILLING_DATE];   /* local date of the visit */
	emr_visit_dx *dx;
	size_t ndx;
	emr_charge *charges;         /* every charge, void ones included, by id */
	size_t ncharges;
	int64_t open_cents;          /* sum of the open charges: the next invoice */
	int64_t invoice_id;          /* the latest invoice of the visit, 0 if none */
} emr_visit_billing;
int emr_visit_billing_get(emr_db *db, int64_t encounter_id, emr_visit_billing *out);
void emr_visit_billing_free(emr_visit_billing *vb);

/* Voids an open charge (an invoiced one is history: post an adjustment). */
int emr_charge_void(emr_db *db, int64_t charge_id);

typedef struct emr_ledger_entry {
	int64_t id, invoice_id;
	char invoice_number[32];     /* "" when not applied to an invoice */
	char date[EMR_BILLING_DATE]; /* local date posted */
	char kind[12];               /* charge | payment | adjustment | refund */
	int64_t amount_cents;        /* positive = owed by the patient */
	char method[12];             /* cash | card | check | insurance | "" */
	char reference[101];
	char memo[201];
} emr_ledger_entry;

/* One issued invoice, everything the superbill prints. */
typedef struct emr_invoice {
	int64_t id, patient_id, encounter_id;
	char number[32];             /* INV-000001 */
	char service_date[EMR_BILLING_DATE];
	char issued_at[24];          /* UTC instant */
	int64_t total_cents;
	int64_t balance_cents;       /* total plus the ledger entries naming it */
	char practice[201], practice_npi[16], practice_address[401], practice_phone[41];
	char provider[201], provider_npi[16];
	char patient[420];           /* "Given Family" */
	char mrn[33], dob[EMR_BILLING_DATE];
	emr_visit_dx *dx;
	size_t ndx;
	emr_charge *lines;
	size_t nlines;
	emr_ledger_entry *entries;   /* payments, adjustments, refunds naming it */
	size_t nentries;
} emr_invoice;
int emr_invoice_get(emr_db *db, int64_t id, emr_invoice *out);
void emr_invoice_free(emr_invoice *inv);

typedef struct emr_invoice_summary {
	int64_t id, encounter_id;
	char number[32];
	char service_date[EMR_BILLING_DATE];
	char issued_at[24];          /* UTC instant */
	int64_t total_cents, balance_cents;
} emr_invoice_summary;
typedef struct emr_invoice_summaries {
	emr_invoice_summary *items;
	size_t n, cap;
} emr_invoice_summaries;
void emr_invoice_summaries_free(emr_invoice_summaries *list);
/* A patient's invoices, newest first; open_only keeps those with a
 * balance other than zero. */
int emr_invoice_list(emr_db *db, int64_t patient_id, bool open_only, emr_invoice_summaries *out);

/* The whole ledger of a patient, oldest first (the statement). */
typedef struct emr_ledger {
	emr_ledger_entry *items;
	size_t n, cap;
} emr_ledger;
void emr_ledger_free(emr_ledger *list);
int emr_ledger_list(emr_db *db, int64_t patient_id, emr_ledger *out);

/* Money back to the patient (amount_cents > 0), e.g. after a credit:
 * refunding more than the credit is refused. */
int emr_refund_post(emr_db *db, int64_t patient_id, int64_t amount_cents, const char *method,
                    const char *reference, int64_t invoice_id);

/* The daysheet: per local day of posting, the ledger's charges, payments
 * (as a positive amount received), adjustments, refunds and the net
 * change of what is owed; oldest day first.  date NULL = every day, else
 * only that local date (YYYY-MM-DD).  Needs EMR_PERM_BILLING. */
typedef struct emr_daysheet_day {
	char date[EMR_BILLING_DATE];
	int64_t charges_cents, payments_cents, adjustments_cents, refunds_cents, net_cents;
} emr_daysheet_day;
typedef struct emr_daysheet {
	emr_daysheet_day *items;
	size_t n, cap;
} emr_daysheet;
void emr_daysheet_free(emr_daysheet *d);
int emr_daysheet_get(emr_db *db, const char *date, emr_daysheet *out);

#endif
