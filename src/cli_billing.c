/* cli_billing: `emr fee|dx|charge|invoice|pay|adjust|refund|balance|statement`
 * and `emr report daysheet|aging`.  Amounts are cents end to end: JSON and
 * CSV carry them as exact strings ("125.50"), never as floating point.
 * What is shown comes from billing.h's read functions: no SQL here. */
#include "emr/cli.h"

#include "emr/audit.h"
#include "emr/billing.h"
#include "emr/output.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int fail(emr_cli *cli, const char *cmd)
{
	emr_cli_error(cli, "%s: %s", cmd, emr_db_error(cli->db));
	return EMR_EXIT_FAIL;
}

/* Opens the database and checks the billing permission. */
static int open_billing(emr_cli *cli, const char *cmd)
{
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, EMR_PERM_BILLING, cmd) != 0)
		return fail(cli, cmd);
	return 0;
}

/* perm: EMR_PERM_PAYMENT for what the front desk does at the counter
 * (take a payment, read the balance, the statement and invoices),
 * EMR_PERM_BILLING for everything else. */
static int open_billing_patient(emr_cli *cli, const char *cmd, emr_perm perm, const char *ref, emr_patient *p)
{
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, perm, cmd) != 0)
		return fail(cli, cmd);
	if (emr_patient_resolve(cli->db, ref, p) != 0)
		return fail(cli, cmd);
	return 0;
}

static const char *money(int64_t cents, char buf[32])
{
	emr_money_format(cents, buf, 32);
	return buf;
}

/* ------------------------------------------------------------ fee */

static int fee_add(emr_cli *cli, int argc, char **argv)
{
	const char *desc = NULL, *fee = NULL, *system = NULL;
	const emr_opt opts[] = {
		{"description", 0, EMR_OPT_STRING, &desc, "TEXT  what the code is"},
		{"fee", 0, EMR_OPT_STRING, &fee, "AMOUNT  the fee, like 125.00"},
		{"system", 0, EMR_OPT_STRING, &system, "CPT|HCPCS  (default: from the code)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "fee add", "fee add CODE --description TEXT --fee AMOUNT [--system CPT|HCPCS]", opts, argc, argv,
	      pos, 1, &npos);
	if (npos != 1 || !desc || !fee)
		return emr_cli_usage(cli, "fee add", "expected CODE, --description and --fee");
	int64_t cents;
	if (!emr_money_parse(fee, &cents)) {
		emr_cli_error(cli, "fee add: fee \"%s\": expected an amount like 125.00", fee);
		return EMR_EXIT_USAGE;
	}
	if (cents < 0) {
		emr_cli_error(cli, "fee add: a fee cannot be negative");
		return EMR_EXIT_FAIL;
	}
	int rc = open_billing(cli, "fee add");
	if (rc)
		return rc;
	if (emr_fee_add(cli->db, pos[0], system, desc, cents))
		return fail(cli, "fee add");
	char b[32];
	fprintf(cli->out, "fee %s: %s\n", pos[0], money(cents, b));
	return EMR_EXIT_OK;
}

static int fee_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "fee list", "fee list [--json|--csv]", opts, argc, argv, pos, 0, &npos);
	emr_format fmt;
	if (emr_cli_format(cli, "fee list", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	int rc = open_billing(cli, "fee list");
	if (rc)
		return rc;
	static const emr_column cols[] = {
		{"code", "CODE", EMR_COL_TEXT, false},
		{"system", "SYSTEM", EMR_COL_TEXT, false},
		{"description", "DESCRIPTION", EMR_COL_TEXT, false},
		{"fee", "FEE", EMR_COL_TEXT, false},
		{"fee_cents", "CENTS", EMR_COL_INT, true},
	};
	emr_fees fees;
	if (emr_fee_list(cli->db, true, &fees))
		return fail(cli, "fee list");
	emr_table *t = emr_table_new(cols, 5);
	for (size_t i = 0; i < fees.n; i++) {
		const emr_fee *f = &fees.items[i];
		char b[32], c[32];
		snprintf(c, sizeof c, "%lld", (long long)f->fee_cents);
		const char *cells[5] = {f->code, f->system, f->description, money(f->fee_cents, b), c};
		emr_table_add(t, cells);
	}
	emr_fees_free(&fees);
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}

static int fee_import(emr_cli *cli, int argc, char **argv)
{
	const emr_opt opts[] = {{0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "fee import", "fee import FILE.csv   (header code,description,fee[,system])", opts, argc, argv, pos,
	      1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "fee import", "expected FILE.csv");
	FILE *f = fopen(pos[0], "rb");
	if (!f) {
		emr_cli_error(cli, "fee import: %s: %s", pos[0], strerror(errno));
		return EMR_EXIT_FAIL;
	}
	int rc = open_billing(cli, "fee import");
	if (rc) {
		fclose(f);
		return rc;
	}
	long n = 0;
	rc = emr_fee_import(cli->db, f, pos[0], &n);
	fclose(f);
	if (rc) {
		emr_cli_error(cli, "fee import: %s; nothing imported", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	fprintf(cli->out, "imported %ld fees\n", n);
	return EMR_EXIT_OK;
}

int emr_cmd_fee(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", fee_add}, {"list", fee_list}, {"import", fee_import}};
	return emr_cli_dispatch(cli, "fee", "fee add|list|import ... (see emr fee SUB --help)", subs, EMR_ARRAY_LEN(subs), argc,
	                argv);
}

/* ------------------------------------------------------------ dx, charge */

static int dx_add(emr_cli *cli, int argc, char **argv)
{
	const char *icd = NULL;
	const emr_opt opts[] = {{"icd10", 0, EMR_OPT_STRING, &icd, "CODE  ICD-10-CM code"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "dx add", "dx add VISIT --icd10 CODE", opts, argc, argv, pos, 1, &npos);
	int64_t visit;
	if (npos != 1 || !icd || !emr_cli_parse_id(pos[0], &visit))
		return emr_cli_usage(cli, "dx add", "expected VISIT (a number) and --icd10 CODE");
	int rc = open_billing(cli, "dx add");
	if (rc)
		return rc;
	int rank;
	if (emr_dx_add(cli->db, visit, icd, &rank))
		return fail(cli, "dx add");
	fprintf(cli->out, "diagnosis %d of visit %lld: %s\n", rank, (long long)visit, icd);
	return EMR_EXIT_OK;
}

int emr_cmd_dx(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", dx_add}};
	return emr_cli_dispatch(cli, "dx", "dx add VISIT --icd10 CODE", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

static int charge_add(emr_cli *cli, int argc, char **argv)
{
	const char *code = NULL, *mods = NULL, *dx = NULL;
	long units = 1;
	const emr_opt opts[] = {
		{"code", 0, EMR_OPT_STRING, &code, "CODE  CPT or HCPCS code from the fee schedule"},
		{"modifiers", 0, EMR_OPT_STRING, &mods, "M[,M]  modifiers, like 25"},
		{"units", 0, EMR_OPT_INT, &units, "N  units (default 1)"},
		{"dx", 0, EMR_OPT_STRING, &dx, "R[,R]  diagnosis ranks of the visit (default 1)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "charge add", "charge add VISIT --code CODE [--modifiers 25] [--units 1] [--dx 1,2]", opts, argc,
	      argv, pos, 1, &npos);
	int64_t visit;
	if (npos != 1 || !code || !emr_cli_parse_id(pos[0], &visit))
		return emr_cli_usage(cli, "charge add", "expected VISIT (a number) and --code CODE");
	if (units < 1 || units > 999) {
		emr_cli_error(cli, "charge add: units %ld: expected 1 to 999", units);
		return EMR_EXIT_USAGE;
	}
	int rc = open_billing(cli, "charge add");
	if (rc)
		return rc;
	int64_t id;
	if (emr_charge_add(cli->db, visit, code, mods, (int)units, dx, &id))
		return fail(cli, "charge add");
	fprintf(cli->out, "charge %lld: %s x%ld on visit %lld\n", (long long)id, code, units, (long long)visit);
	return EMR_EXIT_OK;
}

static int charge_void(emr_cli *cli, int argc, char **argv)
{
	const emr_opt opts[] = {{0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "charge void", "charge void CHARGE   (an open charge; an invoiced one needs an adjustment)", opts,
	      argc, argv, pos, 1, &npos);
	int64_t id;
	if (npos != 1 || !emr_cli_parse_id(pos[0], &id))
		return emr_cli_usage(cli, "charge void", "expected CHARGE (a number)");
	int rc = open_billing(cli, "charge void");
	if (rc)
		return rc;
	if (emr_charge_void(cli->db, id))
		return fail(cli, "charge void");
	fprintf(cli->out, "charge %lld void\n", (long long)id);
	return EMR_EXIT_OK;
}

int emr_cmd_charge(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", charge_add}, {"void", charge_void}};
	return emr_cli_dispatch(cli, "charge", "charge add VISIT --code CODE ... | charge void CHARGE", subs,
	                EMR_ARRAY_LEN(subs), argc, argv);
}

/* ------------------------------------------------------------ invoice */

static int invoice_issue(emr_cli *cli, int argc, char **argv)
{
	const emr_opt opts[] = {{0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "invoice issue", "invoice issue VISIT", opts, argc, argv, pos, 1, &npos);
	int64_t visit;
	if (npos != 1 || !emr_cli_parse_id(pos[0], &visit))
		return emr_cli_usage(cli, "invoice issue", "expected VISIT (a number)");
	int rc = open_billing(cli, "invoice issue");
	if (rc)
		return rc;
	int64_t id;
	char number[32];
	if (emr_invoice_issue(cli->db, visit, &id, number))
		return fail(cli, "invoice issue");
	int64_t total = 0;
	emr_invoice inv;
	if (emr_invoice_get(cli->db, id, &inv) == 0)
		total = inv.total_cents;
	emr_invoice_free(&inv);
	char b[32];
	fprintf(cli->out, "invoice %lld %s issued: total %s\n", (long long)id, number, money(total, b));
	return EMR_EXIT_OK;
}

/* "card 1234 credit": method, reference and memo, those there are. */
static void entry_detail(const emr_ledger_entry *e, emr_sb *out)
{
	const char *parts[] = {e->method, e->reference, e->memo};
	for (size_t k = 0; k < 3; k++)
		if (*parts[k])
			emr_sb_printf(out, "%s%s", out->len ? " " : "", parts[k]);
}

static bool parse_invoice_ref(const char *s, int64_t *id)
{
	if (strncmp(s, "INV-", 4) == 0)
		s += 4;
	return emr_cli_parse_id(s, id);
}

static int invoice_show(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "invoice show", "invoice show ID [--json]", opts, argc, argv, pos, 1, &npos);
	int64_t id;
	if (npos != 1 || !parse_invoice_ref(pos[0], &id))
		return emr_cli_usage(cli, "invoice show", "expected ID (a number or INV-000001)");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_permit(cli->db, EMR_PERM_PAYMENT, "invoice show") != 0)
		return fail(cli, "invoice show");
	emr_invoice inv;
	if (emr_invoice_get(cli->db, id, &inv))
		return fail(cli, "invoice show");
	FILE *o = cli->out;
	char b[32], b2[32];
	if (json) {
		json_t *root = json_object(), *jdx = json_array(), *jproc = json_array(), *jpay = json_array();
		for (size_t i = 0; i < inv.ndx; i++)
			json_array_append_new(jdx, json_pack("{s:i,s:s,s:s}", "rank", inv.dx[i].rank, "icd10",
			                                     inv.dx[i].icd10, "description", inv.dx[i].description));
		for (size_t i = 0; i < inv.nlines; i++) {
			const emr_charge *c = &inv.lines[i];
			json_array_append_new(jproc, json_pack("{s:I,s:s,s:s,s:s,s:i,s:s,s:s,s:s}", "id", (json_int_t)c->id,
			                                       "code", c->code, "description", c->description, "modifiers",
			                                       c->modifiers, "units", c->units, "fee", money(c->fee_cents, b),
			                                       "amount", money(c->amount_cents, b2), "dx_pointers",
			                                       c->dx_pointers));
		}
		for (size_t i = 0; i < inv.nentries; i++) {
			const emr_ledger_entry *e = &inv.entries[i];
			json_array_append_new(jpay, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "date", e->date, "kind", e->kind,
			                                      "amount", money(e->amount_cents, b), "method", e->method,
			                                      "reference", e->reference, "memo", e->memo));
		}
		json_object_set_new(root, "id", json_integer(inv.id));
		json_object_set_new(root, "number", json_string(inv.number));
		json_object_set_new(root, "practice", json_pack("{s:s,s:s,s:s,s:s}", "name", inv.practice, "npi",
		                                                inv.practice_npi, "address", inv.practice_address,
		                                                "phone", inv.practice_phone));
		json_object_set_new(root, "patient", json_pack("{s:I,s:s,s:s,s:s}", "id", (json_int_t)inv.patient_id, "mrn",
		                                               inv.mrn, "name", inv.patient, "dob", inv.dob));
		json_object_set_new(root, "service_date", json_string(inv.service_date));
		json_object_set_new(root, "issued_at", json_string(inv.issued_at));
		json_object_set_new(root, "visit", json_integer(inv.encounter_id));
		json_object_set_new(root, "provider", json_pack("{s:s,s:s}", "name", inv.provider, "npi", inv.provider_npi));
		json_object_set_new(root, "diagnoses", jdx);
		json_object_set_new(root, "procedures", jproc);
		json_object_set_new(root, "total", json_string(money(inv.total_cents, b)));
		json_object_set_new(root, "payments", jpay);
		json_object_set_new(root, "balance", json_string(money(inv.balance_cents, b2)));
		emr_json_print(root, o);
		json_decref(root);
	} else {
		emr_fput_clean(o, inv.practice, false);
		fputc('\n', o);
		if (*inv.practice_npi)
			fprintf(o, "Practice NPI: %s\n", inv.practice_npi);
		fprintf(o, "Invoice %s  issued %s\n", inv.number, inv.issued_at);
		fputs("Patient: ", o);
		emr_fput_clean(o, inv.patient, false);
		fprintf(o, " (%s), born %s\n", inv.mrn, inv.dob);
		fprintf(o, "Date of service: %s  visit %lld\n", inv.service_date, (long long)inv.encounter_id);
		fputs("Provider: ", o);
		emr_fput_clean(o, *inv.provider ? inv.provider : "-", false);
		fprintf(o, "  NPI %s\n\nDiagnoses:\n", *inv.provider_npi ? inv.provider_npi : "-");
		for (size_t i = 0; i < inv.ndx; i++) {
			fprintf(o, "  %d  %-8s ", inv.dx[i].rank, inv.dx[i].icd10);
			emr_fput_clean(o, inv.dx[i].description, false);
			fputc('\n', o);
		}
		fputs("\nProcedures:\n", o);
		for (size_t i = 0; i < inv.nlines; i++) {
			const emr_charge *c = &inv.lines[i];
			fprintf(o, "  %-6s %-3s x%-3d %10s  dx %-8s ", c->code, c->modifiers, c->units,
			        money(c->amount_cents, b), c->dx_pointers);
			emr_fput_clean(o, c->description, false);
			fputc('\n', o);
		}
		fprintf(o, "\nTotal: %s\n\nPayments and adjustments:\n", money(inv.total_cents, b));
		for (size_t i = 0; i < inv.nentries; i++) {
			const emr_ledger_entry *e = &inv.entries[i];
			emr_sb detail = EMR_SB_INIT;
			entry_detail(e, &detail);
			fprintf(o, "  %s  %-10s %10s  ", e->date, e->kind, money(e->amount_cents, b));
			emr_fput_clean(o, emr_sb_str(&detail), false);
			fputc('\n', o);
			emr_sb_free(&detail);
		}
		fprintf(o, "\nBalance: %s\n", money(inv.balance_cents, b));
	}
	emr_audit(cli->db, "print", "invoices", inv.id, inv.patient_id, inv.number);
	emr_invoice_free(&inv);
	return EMR_EXIT_OK;
}

static int invoice_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, open_only = false;
	const emr_opt opts[] = {
		{"open", 0, EMR_OPT_FLAG, &open_only, "only invoices with a balance"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "invoice list", "invoice list PATIENT [--open] [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "invoice list", "expected PATIENT");
	emr_format fmt;
	if (emr_cli_format(cli, "invoice list", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = open_billing_patient(cli, "invoice list", EMR_PERM_PAYMENT, pos[0], &p);
	if (rc)
		return rc;
	emr_invoice_summaries l;
	if (emr_invoice_list(cli->db, p.id, open_only, &l))
		return fail(cli, "invoice list");
	static const emr_column cols[] = {
		{"id", "ID", EMR_COL_INT, true},          {"number", "NUMBER", EMR_COL_TEXT, false},
		{"visit", "VISIT", EMR_COL_INT, true},    {"service_date", "DATE OF SERVICE", EMR_COL_TEXT, false},
		{"total", "TOTAL", EMR_COL_TEXT, false},  {"balance", "BALANCE", EMR_COL_TEXT, false},
	};
	emr_table *t = emr_table_new(cols, 6);
	for (size_t i = 0; i < l.n; i++) {
		char id[24], visit[24], a[32], b[32];
		snprintf(id, sizeof id, "%lld", (long long)l.items[i].id);
		snprintf(visit, sizeof visit, "%lld", (long long)l.items[i].encounter_id);
		const char *cells[6] = {id, l.items[i].number, visit, l.items[i].service_date,
		                        money(l.items[i].total_cents, a), money(l.items[i].balance_cents, b)};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_invoice_summaries_free(&l);
	return EMR_EXIT_OK;
}

int emr_cmd_invoice(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"issue", invoice_issue}, {"show", invoice_show}, {"list", invoice_list}};
	return emr_cli_dispatch(cli, "invoice", "invoice issue VISIT | invoice show ID [--json] | invoice list PATIENT [--open]",
	                subs, EMR_ARRAY_LEN(subs), argc, argv);
}

/* ------------------------------------------------------------ ledger */

static bool parse_invoice(const char *s, int64_t *id)
{
	if (!s) {
		*id = 0;
		return true;
	}
	return parse_invoice_ref(s, id);
}

int emr_cmd_pay(emr_cli *cli, int argc, char **argv)
{
	const char *method = NULL, *ref = NULL, *inv = NULL;
	bool credit = false;
	const emr_opt opts[] = {
		{"method", 0, EMR_OPT_STRING, &method, "cash|card|check|insurance"},
		{"reference", 0, EMR_OPT_STRING, &ref, "R  check number, authorization, ..."},
		{"invoice", 0, EMR_OPT_STRING, &inv, "ID  the invoice paid"},
		{"allow-credit", 0, EMR_OPT_FLAG, &credit, "confirm a payment above the balance (a credit)"},
		{0},
	};
	const char *pos[2];
	int npos;
	EMR_CLI_PARSE(cli, "pay", "pay PATIENT AMOUNT --method cash|card|check|insurance [--reference R] [--invoice ID] "
	                  "[--allow-credit]", opts, argc, argv, pos, 2, &npos);
	int64_t cents, iid;
	if (npos != 2 || !method)
		return emr_cli_usage(cli, "pay", "expected PATIENT AMOUNT --method M");
	if (!emr_money_parse(pos[1], &cents) || cents <= 0) {
		emr_cli_error(cli, "pay: amount \"%s\": expected a positive amount like 40.00", pos[1]);
		return EMR_EXIT_USAGE;
	}
	if (!parse_invoice(inv, &iid))
		return emr_cli_usage(cli, "pay", "invoice \"%s\": expected a number or INV-000001", inv);
	emr_patient p;
	int rc = open_billing_patient(cli, "pay", EMR_PERM_PAYMENT, pos[0], &p);
	if (rc)
		return rc;
	if (emr_payment_post(cli->db, p.id, cents, method, ref, iid, credit))
		return fail(cli, "pay");
	int64_t bal = 0;
	emr_balance(cli->db, p.id, &bal);
	char a[32], b[32];
	fprintf(cli->out, "payment %s (%s) for %s; balance %s%s\n", money(cents, a), method, p.mrn, money(bal, b),
	        bal < 0 ? " (credit)" : "");
	return EMR_EXIT_OK;
}

int emr_cmd_adjust(emr_cli *cli, int argc, char **argv)
{
	const char *reason = NULL, *inv = NULL;
	const emr_opt opts[] = {
		{"reason", 0, EMR_OPT_STRING, &reason, "TEXT  why (write-off, correction, ...)"},
		{"invoice", 0, EMR_OPT_STRING, &inv, "ID  the invoice adjusted"},
		{0},
	};
	const char *pos[2];
	int npos;
	EMR_CLI_PARSE(cli, "adjust", "adjust PATIENT AMOUNT --reason TEXT [--invoice ID]   (negative lowers the balance)",
	      opts, argc, argv, pos, 2, &npos);
	int64_t cents, iid;
	if (npos != 2 || !reason)
		return emr_cli_usage(cli, "adjust", "expected PATIENT AMOUNT --reason TEXT");
	if (!emr_money_parse(pos[1], &cents) || cents == 0) {
		emr_cli_error(cli, "adjust: amount \"%s\": expected a non-zero amount like -15.00", pos[1]);
		return EMR_EXIT_USAGE;
	}
	if (!parse_invoice(inv, &iid))
		return emr_cli_usage(cli, "adjust", "invoice \"%s\": expected a number or INV-000001", inv);
	emr_patient p;
	int rc = open_billing_patient(cli, "adjust", EMR_PERM_BILLING, pos[0], &p);
	if (rc)
		return rc;
	if (emr_adjustment_post(cli->db, p.id, cents, reason, iid))
		return fail(cli, "adjust");
	int64_t bal = 0;
	emr_balance(cli->db, p.id, &bal);
	char a[32], b[32];
	fprintf(cli->out, "adjustment %s for %s; balance %s\n", money(cents, a), p.mrn, money(bal, b));
	return EMR_EXIT_OK;
}

int emr_cmd_refund(emr_cli *cli, int argc, char **argv)
{
	const char *method = NULL, *ref = NULL, *inv = NULL;
	const emr_opt opts[] = {
		{"method", 0, EMR_OPT_STRING, &method, "cash|card|check|insurance  how the money goes back"},
		{"reference", 0, EMR_OPT_STRING, &ref, "R  check number, card authorization, ..."},
		{"invoice", 0, EMR_OPT_STRING, &inv, "ID  the invoice the refund concerns"},
		{0},
	};
	const char *pos[2];
	int npos;
	EMR_CLI_PARSE(cli, "refund", "refund PATIENT AMOUNT --method cash|card|check|insurance [--reference R] [--invoice ID]"
	                     "   (at most the patient's credit)", opts, argc, argv, pos, 2, &npos);
	int64_t cents, iid;
	if (npos != 2 || !method)
		return emr_cli_usage(cli, "refund", "expected PATIENT AMOUNT --method M");
	if (!emr_money_parse(pos[1], &cents) || cents <= 0) {
		emr_cli_error(cli, "refund: amount \"%s\": expected a positive amount like 20.00", pos[1]);
		return EMR_EXIT_USAGE;
	}
	if (!parse_invoice(inv, &iid))
		return emr_cli_usage(cli, "refund", "invoice \"%s\": expected a number or INV-000001", inv);
	emr_patient p;
	int rc = open_billing_patient(cli, "refund", EMR_PERM_BILLING, pos[0], &p);
	if (rc)
		return rc;
	if (emr_refund_post(cli->db, p.id, cents, method, ref, iid))
		return fail(cli, "refund");
	int64_t bal = 0;
	emr_balance(cli->db, p.id, &bal);
	char a[32], b[32];
	fprintf(cli->out, "refund %s (%s) to %s; balance %s%s\n", money(cents, a), method, p.mrn, money(bal, b),
	        bal < 0 ? " (credit)" : "");
	return EMR_EXIT_OK;
}

int emr_cmd_balance(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "balance", "balance PATIENT [--json]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "balance", "expected PATIENT");
	emr_patient p;
	int rc = open_billing_patient(cli, "balance", EMR_PERM_PAYMENT, pos[0], &p);
	if (rc)
		return rc;
	int64_t bal;
	if (emr_balance(cli->db, p.id, &bal))
		return fail(cli, "balance");
	char b[32];
	if (json) {
		json_t *o = json_pack("{s:s,s:s}", "mrn", p.mrn, "balance", money(bal, b));
		emr_json_print(o, cli->out);
		json_decref(o);
	} else {
		fprintf(cli->out, "%s %s %s: balance %s%s\n", p.mrn, p.given, p.family, money(bal, b),
		        bal < 0 ? " (credit)" : "");
	}
	return EMR_EXIT_OK;
}

int emr_cmd_statement(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "statement", "statement PATIENT [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "statement", "expected PATIENT");
	emr_format fmt;
	if (emr_cli_format(cli, "statement", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = open_billing_patient(cli, "statement", EMR_PERM_PAYMENT, pos[0], &p);
	if (rc)
		return rc;
	static const emr_column cols[] = {
		{"date", "DATE", EMR_COL_TEXT, false},     {"kind", "KIND", EMR_COL_TEXT, false},
		{"invoice", "INVOICE", EMR_COL_TEXT, false}, {"detail", "DETAIL", EMR_COL_TEXT, false},
		{"amount", "AMOUNT", EMR_COL_TEXT, false},  {"balance", "BALANCE", EMR_COL_TEXT, false},
	};
	emr_ledger l;
	if (emr_ledger_list(cli->db, p.id, &l))
		return fail(cli, "statement");
	emr_table *t = emr_table_new(cols, 6);
	int64_t run = 0;
	for (size_t i = 0; i < l.n; i++) {
		const emr_ledger_entry *e = &l.items[i];
		char a[32], b[32];
		run += e->amount_cents;
		/* method, reference and memo, as many as there are */
		emr_sb detail = EMR_SB_INIT;
		entry_detail(e, &detail);
		const char *cells[6] = {e->date, e->kind, e->invoice_number, emr_sb_str(&detail),
		                        money(e->amount_cents, a), money(run, b)};
		emr_table_add(t, cells);
		emr_sb_free(&detail);
	}
	emr_ledger_free(&l);
	if (fmt == EMR_FMT_TEXT)
		fprintf(cli->out, "Statement for %s %s (%s)\n", p.given, p.family, p.mrn);
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	if (fmt == EMR_FMT_TEXT) {
		char b[32];
		fprintf(cli->out, "Balance due: %s\n", money(run, b));
	}
	emr_audit(cli->db, "print", "ledger", 0, p.id, "statement");
	return EMR_EXIT_OK;
}

/* ------------------------------------------------------------ reports */

static int report_daysheet(emr_cli *cli, int argc, char **argv)
{
	const char *date = NULL;
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"date", 0, EMR_OPT_STRING, &date, "DATE  only this local date (YYYY-MM-DD)"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "report daysheet", "report daysheet [--date DATE] [--json|--csv]", opts, argc, argv, pos, 0, &npos);
	emr_format fmt;
	if (emr_cli_format(cli, "report", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	if (date) {
		int y, m, d;
		char tail;
		if (sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || m < 1 || m > 12 || d < 1 || d > 31) {
			emr_cli_error(cli, "report daysheet: date \"%s\": expected YYYY-MM-DD", date);
			return EMR_EXIT_USAGE;
		}
	}
	int rc = open_billing(cli, "report daysheet");
	if (rc)
		return rc;
	static const emr_column cols[] = {
		{"date", "DATE", EMR_COL_TEXT, false},          {"charges", "CHARGES", EMR_COL_TEXT, false},
		{"payments", "PAYMENTS", EMR_COL_TEXT, false},   {"adjustments", "ADJUSTMENTS", EMR_COL_TEXT, false},
		{"refunds", "REFUNDS", EMR_COL_TEXT, false},     {"net", "NET", EMR_COL_TEXT, false},
	};
	emr_daysheet ds;
	if (emr_daysheet_get(cli->db, date, &ds))
		return fail(cli, "report daysheet");
	emr_table *t = emr_table_new(cols, 6);
	for (size_t i = 0; i < ds.n; i++) {
		const emr_daysheet_day *d = &ds.items[i];
		char v[5][32];
		const char *cells[6] = {d->date,
		                        money(d->charges_cents, v[0]),
		                        money(d->payments_cents, v[1]),
		                        money(d->adjustments_cents, v[2]),
		                        money(d->refunds_cents, v[3]),
		                        money(d->net_cents, v[4])};
		emr_table_add(t, cells);
	}
	emr_daysheet_free(&ds);
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}

static int report_aging(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "report aging", "report aging [--json|--csv]", opts, argc, argv, pos, 0, &npos);
	emr_format fmt;
	if (emr_cli_format(cli, "report", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	int rc = open_billing(cli, "report aging");
	if (rc)
		return rc;
	int64_t b[4];
	if (emr_aging(cli->db, b))
		return fail(cli, "report aging");
	static const emr_column cols[] = {
		{"bucket", "DAYS", EMR_COL_TEXT, false},
		{"amount", "AMOUNT", EMR_COL_TEXT, false},
	};
	static const char *names[] = {"0-30", "31-60", "61-90", "over 90"};
	emr_table *t = emr_table_new(cols, 2);
	int64_t total = 0;
	for (int i = 0; i < 4; i++) {
		char v[32];
		total += b[i];
		const char *cells[2] = {names[i], money(b[i], v)};
		emr_table_add(t, cells);
	}
	char v[32];
	const char *cells[2] = {"total", money(total, v)};
	emr_table_add(t, cells);
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}

int emr_cmd_report_billing(emr_cli *cli, int argc, char **argv)
{
	if (strcmp(argv[1], "daysheet") == 0)
		return report_daysheet(cli, argc - 1, argv + 1);
	return report_aging(cli, argc - 1, argv + 1);
}
