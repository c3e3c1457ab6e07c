/* perm: what each role may do, enforced in the domain layer so the
 * command line and the screens refuse alike.
 *
 *   physician  everything
 *   nurse      demographics, schedule, clinical records and notes (read
 *              and write); may sign only notes they authored; cannot
 *              prescribe (a prescription needs a physician: emr has no
 *              nurse-practitioner role), bill or administer
 *   frontdesk  demographics, the schedule, and payments: takes them and
 *              reads balances, statements and invoices (PAYMENT)
 *   biller     demographics and billing (charges, invoices, refunds)
 *
 * No acting user (actor id 0) is allowed everything: that only happens
 * while a practice is being created (emr init, emr_practice_create) and
 * while the demo generator fills a database before anyone logs in.
 * Every command that opens a practice logs in first (emr_login).
 *
 * A refusal sets the error to one plain sentence ("a front-desk user
 * cannot read clinical notes") and appends a 'permission-denied' audit
 * row naming what was attempted.  The row is written through emr_audit:
 * outside a transaction it is committed on its own.  Domain functions
 * call emr_permit before they begin their transaction, so the row
 * survives; if a caller has a transaction of its own open around the
 * call, the row joins that transaction and a rollback by that caller
 * removes it (documented limitation: SQLite has no autonomous
 * transactions on one connection). */
#ifndef EMR_PERM_H
#define EMR_PERM_H

#include "emr/db.h"

typedef enum emr_perm {
	EMR_PERM_DEMOGRAPHICS,
	EMR_PERM_CLINICAL_READ,
	EMR_PERM_CLINICAL_WRITE,
	EMR_PERM_NOTE_READ,
	EMR_PERM_NOTE_WRITE,
	EMR_PERM_NOTE_SIGN,
	EMR_PERM_PRESCRIBE,
	EMR_PERM_BILLING,
	EMR_PERM_SCHEDULE,
	EMR_PERM_ADMIN,          /* users, codes import, shared templates */
	EMR_PERM_PAYMENT,        /* take a payment, read balances/statements/invoices: billing, and the front desk */
} emr_perm;

/* 0 when the acting user's role allows p; else -1 with the error set and
 * a 'permission-denied' audit row whose detail names what (e.g.
 * "note list E000001").  what may be NULL. */
int emr_permit(emr_db *db, emr_perm p, const char *what);
/* Like emr_permit but silent: no error, no audit row. */
bool emr_perm_allowed(emr_db *db, emr_perm p);
/* Signing note_author_id's note: NOTE_SIGN, and a nurse only their own. */
int emr_permit_sign(emr_db *db, int64_t note_author_id, const char *what);

/* The acting user's role into buf ("" when nobody is acting); -1 on error. */
int emr_actor_role(emr_db *db, char *buf, size_t n);

/* Administration (ADMIN): enable or disable a login, change its role.
 * A physician cannot disable themself or take away their own physician
 * role (the practice would be left without anyone to undo it). */
int emr_user_set_active(emr_db *db, const char *login, bool active);
int emr_user_set_role(emr_db *db, const char *login, const char *role);

#endif
