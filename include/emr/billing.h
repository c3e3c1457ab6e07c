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
int emr_aging(emr_db *db, int64_t buckets[4]);

#endif
