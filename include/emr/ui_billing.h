/* ui_billing: billing on screen.
 *
 *   - The charge screen of one visit: its diagnoses (rank, ICD-10,
 *     description) and charges (code, description, modifiers, units, dx
 *     pointers, amount, status), the open total, the latest invoice and
 *     the patient's balance.  Keys: d add a diagnosis, a add a charge from
 *     the fee schedule, x void the selected open charge, I issue the
 *     invoice, p take a payment, i show the latest invoice.
 *   - The code picker those keys open: a search box over the ICD-10-CM
 *     codes (with the patient's active problems offered first) or over
 *     the fee schedule, filtered as you type.
 *   - The invoice: a pager over one issued invoice (emr_invoice_get).
 *
 * The views run no SQL: they call billing.h.  Who may do what is the
 * role's (perm.h): billing for charges and invoices, payment for taking
 * a payment (the front desk too). */
#ifndef EMR_UI_BILLING_H
#define EMR_UI_BILLING_H

#include "emr/tui.h"

#include <stdint.h>

/* The charge screen of visit encounter_id of patient patient_id. */
tui_view *ui_charges_new(tui_app *app, int64_t patient_id, int64_t encounter_id);
/* The invoice pager. */
tui_view *ui_invoice_new(tui_app *app, int64_t invoice_id);

/* Each view's name and keymap, the very ones its help overlay shows;
 * set *name.  For `emr keys` (emr_ui_print_keys); need no terminal. */
const tui_binding *ui_charges_keymap(const char **name);
const tui_binding *ui_code_picker_keymap(const char **name);
const tui_binding *ui_invoice_keymap(const char **name);

#endif
