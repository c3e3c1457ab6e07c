/* cli_chart: `emr patient|problem|allergy|med|vital|lab|immunization`. */
#include "emr/cli.h"

#include "emr/clinical.h"
#include "emr/codes.h"
#include "emr/output.h"
#include "emr/patient.h"
#include "emr/rxcheck.h"
#include "emr/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool parse_number(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	double v = strtod(s, &end);
	if (*end || isnan(v) || isinf(v))
		return false;
	*out = v;
	return true;
}


static void fmt_num(char *buf, size_t n, double v)
{
	snprintf(buf, n, "%.10g", v);
}

/* Dispatch of "emr WORD SUB ..." to a table of subcommands. */


/* Common "retire ID --reason R" for every record kind. */
static int retire_record(emr_cli *cli, const char *cmd, emr_record_kind kind, int argc, char **argv)
{
	const char *reason = NULL;
	const emr_opt opts[] = {
		{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  why it was entered in error (required)"},
		{0},
	};
	char usage[128];
	snprintf(usage, sizeof usage, "%s retire ID --reason TEXT", cmd);
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, cmd, usage, opts, argc, argv, pos, 1, &npos);
	int64_t id;
	if (npos != 1)
		return emr_cli_usage(cli, cmd, "retire needs the record's ID");
	if (!reason)
		return emr_cli_usage(cli, cmd, "retire needs --reason");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (!emr_cli_parse_id(pos[0], &id)) {
		emr_cli_error(cli, "%s: id \"%s\": not a record id", cmd, pos[0]);
		return EMR_EXIT_FAIL;
	}
	bool panel = false;
	if (kind == EMR_REC_OBSERVATION) {
		/* `lab retire` must not retire a vital sign by a mistyped id. */
		emr_observation o;
		char okind[6];
		if (emr_observation_get(cli->db, id, &o, okind) != 0)
			return emr_cli_fail(cli);
		if (strcmp(okind, cmd) != 0) {
			emr_cli_error(cli, "%s: %lld is a %s (%s), not a %s result; use: emr %s retire", cmd, (long long)id,
			              okind, o.name, cmd, okind);
			return EMR_EXIT_FAIL;
		}
		panel = o.panel_id != 0;
	}
	if (emr_record_retire(cli->db, kind, id, reason) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "%s %lld marked entered-in-error%s\n", cmd, (long long)id,
	        panel ? ", with the other values measured with it (its panel)" : "");
	return EMR_EXIT_OK;
}

/* ================================================================ patient */

static const emr_column patient_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"mrn", "MRN", EMR_COL_TEXT, false},
	{"family_name", "FAMILY", EMR_COL_TEXT, false},
	{"given_name", "GIVEN", EMR_COL_TEXT, false},
	{"preferred_name", "PREFERRED", EMR_COL_TEXT, true},
	{"sex", "SEX", EMR_COL_TEXT, false},
	{"dob", "DOB", EMR_COL_TEXT, false},
	{"age", "AGE", EMR_COL_TEXT, false},
	{"phone", "PHONE", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
};

static const emr_column patient_detail_cols[] = {
	{"id", "id", EMR_COL_INT, false},
	{"mrn", "mrn", EMR_COL_TEXT, false},
	{"given_name", "given name", EMR_COL_TEXT, false},
	{"family_name", "family name", EMR_COL_TEXT, false},
	{"preferred_name", "preferred name", EMR_COL_TEXT, false},
	{"sex", "sex", EMR_COL_TEXT, false},
	{"gender_identity", "gender identity", EMR_COL_TEXT, false},
	{"dob", "date of birth", EMR_COL_TEXT, false},
	{"age", "age", EMR_COL_TEXT, false},
	{"phone", "phone", EMR_COL_TEXT, false},
	{"email", "email", EMR_COL_TEXT, false},
	{"address", "address", EMR_COL_TEXT, false},
	{"city", "city", EMR_COL_TEXT, false},
	{"state", "state", EMR_COL_TEXT, false},
	{"postal_code", "postal code", EMR_COL_TEXT, false},
	{"emergency_name", "emergency contact", EMR_COL_TEXT, false},
	{"emergency_phone", "emergency phone", EMR_COL_TEXT, false},
	{"insurance_payer", "insurance", EMR_COL_TEXT, false},
	{"insurance_member", "member id", EMR_COL_TEXT, false},
	{"status", "status", EMR_COL_TEXT, false},
	{"deceased_date", "deceased", EMR_COL_TEXT, false},
	{"status_reason", "status reason", EMR_COL_TEXT, false},
	{"created_at", "created", EMR_COL_TEXT, false},
	{"updated_at", "updated", EMR_COL_TEXT, false},
	{"version", "version", EMR_COL_INT, false},
};

static void patient_age(const emr_patient *p, char *buf, size_t n)
{
	char today[EMR_DATE_LEN];
	emr_today(today);
	const char *on = *p->deceased_date ? p->deceased_date : today;
	if (!emr_age_text(p->dob, on, buf, n))
		buf[0] = '\0';
}

/* The demographic options shared by add and edit. */
typedef struct demo_args {
	const char *mrn, *given, *family, *preferred, *sex, *gender, *dob, *phone, *email, *address, *city, *state,
		*zip, *ename, *ephone, *payer, *member;
} demo_args;

#define DEMOGRAPHIC_OPTS(a)                                                                      \
	{"mrn", 0, EMR_OPT_STRING, &(a).mrn, "MRN  medical record number (default: assigned)"},      \
	{"given", 0, EMR_OPT_STRING, &(a).given, "NAME  given (first) name"},                       \
	{"family", 0, EMR_OPT_STRING, &(a).family, "NAME  family (last) name"},                     \
	{"preferred", 0, EMR_OPT_STRING, &(a).preferred, "NAME  name the patient goes by"},         \
	{"sex", 0, EMR_OPT_STRING, &(a).sex, "SEX  female, male, other or unknown"},                \
	{"gender-identity", 0, EMR_OPT_STRING, &(a).gender, "TEXT  gender identity"},               \
	{"dob", 0, EMR_OPT_STRING, &(a).dob, "DATE  date of birth, YYYY-MM-DD"},                    \
	{"phone", 0, EMR_OPT_STRING, &(a).phone, "PHONE  phone number"},                            \
	{"email", 0, EMR_OPT_STRING, &(a).email, "EMAIL  email address"},                           \
	{"address", 0, EMR_OPT_STRING, &(a).address, "TEXT  street address"},                       \
	{"city", 0, EMR_OPT_STRING, &(a).city, "TEXT  city"},                                       \
	{"state", 0, EMR_OPT_STRING, &(a).state, "TEXT  state"},                                    \
	{"zip", 0, EMR_OPT_STRING, &(a).zip, "CODE  postal code"},                                  \
	{"emergency-name", 0, EMR_OPT_STRING, &(a).ename, "NAME  emergency contact"},               \
	{"emergency-phone", 0, EMR_OPT_STRING, &(a).ephone, "PHONE  emergency contact's phone"},    \
	{"insurance", 0, EMR_OPT_STRING, &(a).payer, "TEXT  insurance payer"},                      \
	{"member-id", 0, EMR_OPT_STRING, &(a).member, "TEXT  insurance member id"}

/* Copies each given option into p; false (and an error) if one is too
 * long for its field. */
static bool apply_demographics(emr_cli *cli, const demo_args *a, emr_patient *p)
{
	const struct { const char *v; char *dst; size_t n; const char *name; } f[] = {
		{a->mrn, p->mrn, sizeof p->mrn, "mrn"},
		{a->given, p->given, sizeof p->given, "given"},
		{a->family, p->family, sizeof p->family, "family"},
		{a->preferred, p->preferred, sizeof p->preferred, "preferred"},
		{a->sex, p->sex, sizeof p->sex, "sex"},
		{a->gender, p->gender_identity, sizeof p->gender_identity, "gender-identity"},
		{a->dob, p->dob, sizeof p->dob, "dob"},
		{a->phone, p->phone, sizeof p->phone, "phone"},
		{a->email, p->email, sizeof p->email, "email"},
		{a->address, p->address, sizeof p->address, "address"},
		{a->city, p->city, sizeof p->city, "city"},
		{a->state, p->state, sizeof p->state, "state"},
		{a->zip, p->postal_code, sizeof p->postal_code, "zip"},
		{a->ename, p->emergency_name, sizeof p->emergency_name, "emergency-name"},
		{a->ephone, p->emergency_phone, sizeof p->emergency_phone, "emergency-phone"},
		{a->payer, p->insurance_payer, sizeof p->insurance_payer, "insurance"},
		{a->member, p->insurance_member, sizeof p->insurance_member, "member-id"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(f); i++) {
		if (!f[i].v)
			continue;
		if (!emr_strlcpy(f[i].dst, f[i].v, f[i].n)) {
			/* A value that does not fit must not be silently cut. */
			if (strcmp(f[i].name, "dob") == 0 || strcmp(f[i].name, "sex") == 0)
				emr_cli_error(cli, "--%s \"%s\": not valid", f[i].name, f[i].v);
			else
				emr_cli_error(cli, "--%s: too long (at most %zu bytes)", f[i].name, f[i].n - 1);
			return false;
		}
	}
	return true;
}

static void patient_cells(const emr_patient *p, char age[16], char id[24], const char **cells)
{
	snprintf(id, 24, "%lld", (long long)p->id);
	patient_age(p, age, 16);
	cells[0] = id, cells[1] = p->mrn, cells[2] = p->family, cells[3] = p->given, cells[4] = p->preferred;
	cells[5] = p->sex, cells[6] = p->dob, cells[7] = age, cells[8] = p->phone, cells[9] = p->status;
}

static void print_patient(emr_cli *cli, const emr_patient *p, emr_format fmt)
{
	char age[16], id[24], version[24];
	snprintf(id, sizeof id, "%lld", (long long)p->id);
	snprintf(version, sizeof version, "%lld", (long long)p->version);
	patient_age(p, age, sizeof age);
	const char *cells[] = {id, p->mrn, p->given, p->family, p->preferred, p->sex, p->gender_identity, p->dob, age,
	                       p->phone, p->email, p->address, p->city, p->state, p->postal_code, p->emergency_name,
	                       p->emergency_phone, p->insurance_payer, p->insurance_member, p->status,
	                       p->deceased_date, p->status_reason, p->created_at, p->updated_at, version};
	emr_record_print(patient_detail_cols, EMR_ARRAY_LEN(patient_detail_cols), cells, fmt, cli->out);
}

static int patient_add(emr_cli *cli, int argc, char **argv)
{
	demo_args a = {0};
	bool json = false;
	const emr_opt opts[] = {DEMOGRAPHIC_OPTS(a), {"json", 0, EMR_OPT_FLAG, &json, "print the new patient as JSON"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "patient", "patient add --given NAME --family NAME --dob DATE --sex SEX [options]", opts, argc,
	      argv, pos, 0, &npos);
	if (!a.given || !a.family || !a.dob || !a.sex)
		return emr_cli_usage(cli, "patient", "add needs --given, --family, --dob and --sex");
	emr_patient p = {0};
	if (!apply_demographics(cli, &a, &p))
		return EMR_EXIT_FAIL;
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_patient_add(cli->db, &p) != 0)
		return emr_cli_fail(cli);
	if (json)
		print_patient(cli, &p, EMR_FMT_JSON);
	else
		fprintf(cli->out, "registered %s (id %lld)\n", p.mrn, (long long)p.id);
	return EMR_EXIT_OK;
}

static int patient_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const char *search = NULL;
	long limit = 0;
	const emr_opt opts[] = {
		{"search", 's', EMR_OPT_STRING, &search, "QUERY  name words, DOB, MRN or phone digits"},
		{"all", 'a', EMR_OPT_FLAG, &all, "include inactive and deceased patients"},
		{"limit", 'n', EMR_OPT_INT, &limit, "N  at most N patients"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "patient", "patient list [--search QUERY] [--all] [--limit N] [--json|--csv]", opts, argc, argv,
	      pos, 0, &npos);
	emr_format fmt;
	if (emr_cli_format(cli, "patient", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	if (limit < 0)
		return emr_cli_usage(cli, "patient", "--limit must not be negative");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_patient_list list = {0};
	rc = search ? emr_patient_search(cli->db, search, limit ? (int)limit : 50, &list)
	            : emr_patient_list_all(cli->db, all, 0, (int)limit, &list);
	if (rc != 0) {
		emr_patient_list_free(&list);
		return emr_cli_fail(cli);
	}
	emr_table *t = emr_table_new(patient_cols, EMR_ARRAY_LEN(patient_cols));
	for (size_t i = 0; i < list.n; i++) {
		char age[16], id[24];
		const char *cells[EMR_ARRAY_LEN(patient_cols)];
		patient_cells(&list.items[i], age, id, cells);
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_patient_list_free(&list);
	return EMR_EXIT_OK;
}

static int patient_show(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "patient", "patient show PATIENT [--json]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "patient", "show needs a PATIENT (MRN or id)");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	/* Showing a chart is a disclosure: it goes in the audit log. */
	if (emr_patient_touch(cli->db, p.id) != 0)
		return emr_cli_fail(cli);
	print_patient(cli, &p, json ? EMR_FMT_JSON : EMR_FMT_TEXT);
	return EMR_EXIT_OK;
}

static int patient_edit(emr_cli *cli, int argc, char **argv)
{
	demo_args a = {0};
	long seen = 0;   /* --version: the version this session read (0: the current one) */
	const emr_opt opts[] = {DEMOGRAPHIC_OPTS(a),
	                        {"version", 0, EMR_OPT_INT, &seen, "N  the version read; refuse if it changed since"},
	                        {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "patient", "patient edit PATIENT [--version N] [--given NAME] [--dob DATE] ... (any of add's options)", opts,
	      argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "patient", "edit needs a PATIENT (MRN or id)");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	if (seen < 0)
		return emr_cli_usage(cli, "patient", "--version must be positive");
	if (seen > 0)
		p.version = seen;
	if (!apply_demographics(cli, &a, &p))
		return EMR_EXIT_FAIL;
	rc = emr_patient_update(cli->db, &p);
	if (rc != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "saved %s (version %lld)\n", p.mrn, (long long)p.version);
	return EMR_EXIT_OK;
}

static int patient_retire(emr_cli *cli, int argc, char **argv)
{
	const char *reason = NULL, *deceased = NULL;
	const emr_opt opts[] = {
		{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  why (required)"},
		{"deceased", 0, EMR_OPT_STRING, &deceased, "DATE  date of death; marks the patient deceased"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "patient", "patient retire PATIENT --reason TEXT [--deceased DATE]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1 || !reason)
		return emr_cli_usage(cli, "patient", "retire needs a PATIENT and --reason");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	if (emr_patient_retire(cli->db, p.id, reason, deceased) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "%s is now %s\n", p.mrn, deceased ? "deceased" : "inactive");
	return EMR_EXIT_OK;
}

int emr_cmd_patient(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {
		{"add", patient_add}, {"list", patient_list}, {"show", patient_show},
		{"edit", patient_edit}, {"retire", patient_retire},
	};
	return emr_cli_dispatch(cli, "patient", "patient add|list|show|edit|retire ... (see emr patient SUB --help)", subs,
	                EMR_ARRAY_LEN(subs), argc, argv);
}

/* ================================================================ problem */

static const emr_column problem_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"code", "CODE", EMR_COL_TEXT, false},        /* "E11.9", or "SNOMED 44054006" without an ICD-10 code */
	{"icd10", "ICD-10", EMR_COL_TEXT, true},
	{"snomed", "SNOMED", EMR_COL_TEXT, true},
	{"description", "PROBLEM", EMR_COL_TEXT, false},
	{"onset_date", "ONSET", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"resolved_date", "RESOLVED", EMR_COL_TEXT, false},
	{"retired_reason", "RETIRED", EMR_COL_TEXT, true},
};

static int problem_add(emr_cli *cli, int argc, char **argv)
{
	const char *icd10 = NULL, *onset = NULL, *note = NULL, *desc = NULL;
	const emr_opt opts[] = {
		{"icd10", 'c', EMR_OPT_STRING, &icd10, "CODE  ICD-10-CM code, e.g. E11.9"},
		{"description", 'd', EMR_OPT_STRING, &desc, "TEXT  wording for the list (default: the code's)"},
		{"onset", 0, EMR_OPT_STRING, &onset, "DATE  onset date, YYYY-MM-DD"},
		{"note", 0, EMR_OPT_STRING, &note, "TEXT  a short note"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "problem", "problem add PATIENT --icd10 CODE [--onset DATE] [--note TEXT]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1 || !icd10)
		return emr_cli_usage(cli, "problem", "add needs a PATIENT and --icd10");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_problem pr = {0};
	pr.patient_id = p.id;
	emr_strlcpy(pr.icd10, icd10, sizeof pr.icd10);
	if (strlen(icd10) >= sizeof pr.icd10) {
		emr_cli_error(cli, "icd10 \"%s\": not an ICD-10-CM code", icd10);
		return EMR_EXIT_FAIL;
	}
	emr_strlcpy(pr.description, desc ? desc : "", sizeof pr.description);
	emr_strlcpy(pr.onset_date, onset ? onset : "", sizeof pr.onset_date);
	emr_strlcpy(pr.note, note ? note : "", sizeof pr.note);
	if (emr_problem_add(cli->db, &pr) != 0)
		return emr_cli_fail(cli);
	char shown[10];
	emr_icd10_display(pr.icd10, shown, sizeof shown);
	fprintf(cli->out, "problem %lld: %s ", (long long)pr.id, shown);
	emr_fput_clean(cli->out, pr.description, false);
	fputc('\n', cli->out);
	return EMR_EXIT_OK;
}

static int problem_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const emr_opt opts[] = {
		{"all", 'a', EMR_OPT_FLAG, &all, "include resolved and entered-in-error"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "problem", "problem list PATIENT [--all] [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	emr_format fmt;
	if (npos != 1)
		return emr_cli_usage(cli, "problem", "list needs a PATIENT");
	if (emr_cli_format(cli, "problem", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_problems list = {0};
	if (emr_problem_list(cli->db, p.id, all ? EMR_ALL : EMR_CURRENT, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(problem_cols, EMR_ARRAY_LEN(problem_cols));
	for (size_t i = 0; i < list.n; i++) {
		emr_problem *x = &list.items[i];
		char id[24], icd[10] = "", code[40];
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		if (*x->icd10)
			emr_icd10_display(x->icd10, icd, sizeof icd);
		emr_problem_code_text(x, code, sizeof code);
		const char *cells[] = {id, code, icd, x->snomed, x->description, x->onset_date, x->status,
		                       x->resolved_date, x->retired_reason};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_list_free(&list);
	return EMR_EXIT_OK;
}

static int problem_resolve(emr_cli *cli, int argc, char **argv)
{
	const char *date = NULL;
	const emr_opt opts[] = {{"date", 0, EMR_OPT_STRING, &date, "DATE  resolved on (default: today)"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "problem", "problem resolve ID [--date DATE]", opts, argc, argv, pos, 1, &npos);
	int64_t id;
	if (npos != 1)
		return emr_cli_usage(cli, "problem", "resolve needs the problem's ID");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (!emr_cli_parse_id(pos[0], &id)) {
		emr_cli_error(cli, "problem: id \"%s\": not a record id", pos[0]);
		return EMR_EXIT_FAIL;
	}
	if (emr_problem_resolve(cli->db, id, date) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "problem %lld resolved\n", (long long)id);
	return EMR_EXIT_OK;
}

static int problem_retire(emr_cli *cli, int argc, char **argv)
{
	return retire_record(cli, "problem", EMR_REC_PROBLEM, argc, argv);
}

int emr_cmd_problem(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {
		{"add", problem_add}, {"list", problem_list}, {"resolve", problem_resolve}, {"retire", problem_retire},
	};
	return emr_cli_dispatch(cli, "problem", "problem add|list|resolve|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

/* ================================================================ allergy */

static const emr_column allergy_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"substance", "SUBSTANCE", EMR_COL_TEXT, false},
	{"category", "CATEGORY", EMR_COL_TEXT, false},
	{"reaction", "REACTION", EMR_COL_TEXT, false},
	{"severity", "SEVERITY", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"nkda", "NKDA", EMR_COL_BOOL, true},
	{"retired_reason", "RETIRED", EMR_COL_TEXT, true},
};

static int allergy_add(emr_cli *cli, int argc, char **argv)
{
	const char *substance = NULL, *reaction = NULL, *severity = NULL, *category = NULL, *onset = NULL;
	bool nkda = false;
	const emr_opt opts[] = {
		{"substance", 's', EMR_OPT_STRING, &substance, "TEXT  what the patient reacts to"},
		{"reaction", 0, EMR_OPT_STRING, &reaction, "TEXT  e.g. hives, anaphylaxis"},
		{"severity", 0, EMR_OPT_STRING, &severity, "LEVEL  mild, moderate or severe"},
		{"category", 0, EMR_OPT_STRING, &category, "KIND  drug (default), food, environment or other"},
		{"onset", 0, EMR_OPT_STRING, &onset, "DATE  when it was first noticed"},
		{"nkda", 0, EMR_OPT_FLAG, &nkda, "record \"no known drug allergies\""},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "allergy", "allergy add PATIENT (--substance TEXT [--reaction TEXT] [--severity LEVEL] | --nkda)",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "allergy", "add needs a PATIENT");
	if (!!substance == nkda)
		return emr_cli_usage(cli, "allergy", "add needs either --substance or --nkda");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_allergy a = {0};
	a.patient_id = p.id;
	a.is_nkda = nkda;
	emr_strlcpy(a.substance, substance ? substance : "", sizeof a.substance);
	emr_strlcpy(a.reaction, reaction ? reaction : "", sizeof a.reaction);
	emr_strlcpy(a.severity, severity ? severity : "", sizeof a.severity);
	emr_strlcpy(a.category, category ? category : "", sizeof a.category);
	emr_strlcpy(a.onset_date, onset ? onset : "", sizeof a.onset_date);
	if ((severity && strlen(severity) >= sizeof a.severity) || (category && strlen(category) >= sizeof a.category)) {
		emr_cli_error(cli, "allergy: --%s \"%s\": not one of the allowed values", severity && strlen(severity) >= sizeof a.severity ? "severity" : "category",
		              severity && strlen(severity) >= sizeof a.severity ? severity : category);
		return EMR_EXIT_FAIL;
	}
	if (emr_allergy_add(cli->db, &a) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "allergy %lld: ", (long long)a.id);
	emr_fput_clean(cli->out, a.is_nkda ? "no known drug allergies" : a.substance, false);
	fputc('\n', cli->out);
	return EMR_EXIT_OK;
}

static int allergy_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const emr_opt opts[] = {
		{"all", 'a', EMR_OPT_FLAG, &all, "include inactive and entered-in-error"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "allergy", "allergy list PATIENT [--all] [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	emr_format fmt;
	if (npos != 1)
		return emr_cli_usage(cli, "allergy", "list needs a PATIENT");
	if (emr_cli_format(cli, "allergy", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_allergies list = {0};
	if (emr_allergy_list(cli->db, p.id, all ? EMR_ALL : EMR_CURRENT, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(allergy_cols, EMR_ARRAY_LEN(allergy_cols));
	for (size_t i = 0; i < list.n; i++) {
		emr_allergy *x = &list.items[i];
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		const char *cells[] = {id, x->is_nkda ? "NKDA (no known drug allergies)" : x->substance, x->category,
		                       x->reaction, x->severity, x->status, x->is_nkda ? "1" : "0", x->retired_reason};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_list_free(&list);
	return EMR_EXIT_OK;
}

static int allergy_retire(emr_cli *cli, int argc, char **argv)
{
	return retire_record(cli, "allergy", EMR_REC_ALLERGY, argc, argv);
}

int emr_cmd_allergy(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", allergy_add}, {"list", allergy_list}, {"retire", allergy_retire}};
	return emr_cli_dispatch(cli, "allergy", "allergy add|list|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

/* ==================================================================== med */

static const emr_column med_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"drug", "DRUG", EMR_COL_TEXT, false},
	{"strength", "STRENGTH", EMR_COL_TEXT, false},
	{"form", "FORM", EMR_COL_TEXT, false},
	{"route", "ROUTE", EMR_COL_TEXT, true},
	{"sig", "SIG", EMR_COL_TEXT, false},
	{"quantity", "QTY", EMR_COL_NUM, true},
	{"quantity_unit", "UNIT", EMR_COL_TEXT, true},
	{"refills", "REFILLS", EMR_COL_INT, true},
	{"start_date", "START", EMR_COL_TEXT, false},
	{"stop_date", "STOP", EMR_COL_TEXT, true},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"prescriber", "PRESCRIBER", EMR_COL_TEXT, false},   /* ours, or "Dr Roe (outside)" */
	{"imported", "IMPORTED", EMR_COL_BOOL, true},
	{"source_prescriber", "SOURCE PRESCRIBER", EMR_COL_TEXT, true},
	{"prescription", "RX", EMR_COL_BOOL, true},
	{"reason", "REASON", EMR_COL_TEXT, true},
	{"stop_reason", "STOP REASON", EMR_COL_TEXT, true},
	{"allergy_override", "ALLERGY WARNING ACKNOWLEDGED", EMR_COL_TEXT, true},
};

static int med_add(emr_cli *cli, int argc, char **argv)
{
	const char *drug = NULL, *strength = NULL, *form = NULL, *route = NULL, *sig = NULL, *qty = NULL, *unit = NULL,
		   *start = NULL, *reason = NULL, *rxnorm = NULL;
	long refills = 0;
	bool rx = false, ack = false;
	const emr_opt opts[] = {
		{"drug", 'd', EMR_OPT_STRING, &drug, "NAME  drug (ingredient), e.g. lisinopril"},
		{"strength", 0, EMR_OPT_STRING, &strength, "TEXT  e.g. \"10 mg\""},
		{"form", 0, EMR_OPT_STRING, &form, "TEXT  e.g. \"oral tablet\""},
		{"route", 0, EMR_OPT_STRING, &route, "TEXT  e.g. oral"},
		{"sig", 0, EMR_OPT_STRING, &sig, "TEXT  directions"},
		{"quantity", 'q', EMR_OPT_STRING, &qty, "N  quantity to dispense"},
		{"unit", 0, EMR_OPT_STRING, &unit, "TEXT  unit of the quantity, e.g. tablet"},
		{"refills", 0, EMR_OPT_INT, &refills, "N  refills (0-99)"},
		{"start", 0, EMR_OPT_STRING, &start, "DATE  start date (default: today)"},
		{"reason", 0, EMR_OPT_STRING, &reason, "TEXT  indication"},
		{"rxnorm", 0, EMR_OPT_STRING, &rxnorm, "RXCUI  RxNorm concept id"},
		{"rx", 0, EMR_OPT_FLAG, &rx, "a prescription written here (you are the prescriber)"},
		{"acknowledge-allergy", 0, EMR_OPT_FLAG, &ack, "go ahead despite an allergy warning (recorded)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "med", "med add PATIENT --drug NAME [--strength S] [--form F] [--sig TEXT] [--quantity N] [--refills N] [--rx]",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1 || !drug)
		return emr_cli_usage(cli, "med", "add needs a PATIENT and --drug");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_medication m = {0};
	m.patient_id = p.id;
	m.is_prescription = rx;
	m.refills = (int)refills;
	if (refills != m.refills)
		m.refills = -1;
	if (qty && (!parse_number(qty, &m.quantity) || m.quantity <= 0)) {
		emr_cli_error(cli, "med: --quantity \"%s\": not a positive number", qty);
		return EMR_EXIT_FAIL;
	}
	emr_strlcpy(m.drug, drug, sizeof m.drug);
	emr_strlcpy(m.strength, strength ? strength : "", sizeof m.strength);
	emr_strlcpy(m.form, form ? form : "", sizeof m.form);
	emr_strlcpy(m.route, route ? route : "", sizeof m.route);
	emr_strlcpy(m.sig, sig ? sig : "", sizeof m.sig);
	emr_strlcpy(m.quantity_unit, unit ? unit : "", sizeof m.quantity_unit);
	emr_strlcpy(m.start_date, start ? start : "", sizeof m.start_date);
	emr_strlcpy(m.reason, reason ? reason : "", sizeof m.reason);
	emr_strlcpy(m.rxnorm, rxnorm ? rxnorm : "", sizeof m.rxnorm);
	/* The same allergy check as the screen: a script cannot answer a
	 * question, so it must say up front that it saw the warning. */
	emr_rx_warning warn[8];
	int nwarn = emr_rx_check(cli->db, p.id, m.drug, warn, EMR_ARRAY_LEN(warn));
	if (nwarn < 0)
		return emr_cli_fail(cli);
	if (nwarn > 0) {
		size_t shown = (size_t)nwarn < EMR_ARRAY_LEN(warn) ? (size_t)nwarn : EMR_ARRAY_LEN(warn);
		emr_rx_describe(warn, shown, m.allergy_override, sizeof m.allergy_override);
		if (!ack) {
			emr_cli_error(cli, "med: ALLERGY WARNING for %s: %s (nothing saved; repeat with --acknowledge-allergy to go ahead)",
			              p.mrn, m.allergy_override);
			return EMR_EXIT_FAIL;
		}
		fprintf(cli->err, "emr: allergy warning acknowledged and recorded: ");
		emr_fput_clean(cli->err, m.allergy_override, false);
		fputc('\n', cli->err);
	}
	if (emr_medication_add(cli->db, &m) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "medication %lld: ", (long long)m.id);
	emr_fput_clean(cli->out, m.drug, false);
	fprintf(cli->out, "%s", *m.strength ? " " : "");
	emr_fput_clean(cli->out, m.strength, false);
	fputc('\n', cli->out);
	return EMR_EXIT_OK;
}

static int med_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const emr_opt opts[] = {
		{"all", 'a', EMR_OPT_FLAG, &all, "include stopped and entered-in-error"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "med", "med list PATIENT [--all] [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	emr_format fmt;
	if (npos != 1)
		return emr_cli_usage(cli, "med", "list needs a PATIENT");
	if (emr_cli_format(cli, "med", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_medications list = {0};
	if (emr_medication_list(cli->db, p.id, all ? EMR_ALL : EMR_CURRENT, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(med_cols, EMR_ARRAY_LEN(med_cols));
	for (size_t i = 0; i < list.n; i++) {
		emr_medication *x = &list.items[i];
		char id[24], qty[32] = "", refills[16];
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		if (x->quantity > 0)
			fmt_num(qty, sizeof qty, x->quantity);
		snprintf(refills, sizeof refills, "%d", x->refills);
		char prescriber[256];
		emr_medication_prescriber_text(x, prescriber, sizeof prescriber);
		const char *cells[] = {id, x->drug, x->strength, x->form, x->route, x->sig, qty, x->quantity_unit, refills,
		                       x->start_date, x->stop_date, x->status, prescriber, x->imported ? "1" : "0",
		                       x->source_prescriber, x->is_prescription ? "1" : "0", x->reason,
		                       x->stop_reason, x->allergy_override};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_list_free(&list);
	return EMR_EXIT_OK;
}

static int med_stop(emr_cli *cli, int argc, char **argv)
{
	const char *reason = NULL, *date = NULL;
	const emr_opt opts[] = {
		{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  why it is stopped (required)"},
		{"date", 0, EMR_OPT_STRING, &date, "DATE  stopped on (default: today)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "med", "med stop ID --reason TEXT [--date DATE]", opts, argc, argv, pos, 1, &npos);
	int64_t id;
	if (npos != 1 || !reason)
		return emr_cli_usage(cli, "med", "stop needs the medication's ID and --reason");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (!emr_cli_parse_id(pos[0], &id)) {
		emr_cli_error(cli, "med: id \"%s\": not a record id", pos[0]);
		return EMR_EXIT_FAIL;
	}
	if (emr_medication_stop(cli->db, id, date, reason) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "medication %lld stopped\n", (long long)id);
	return EMR_EXIT_OK;
}

static int med_retire(emr_cli *cli, int argc, char **argv)
{
	return retire_record(cli, "med", EMR_REC_MEDICATION, argc, argv);
}

int emr_cmd_med(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {
		{"add", med_add}, {"list", med_list}, {"stop", med_stop}, {"retire", med_retire},
	};
	return emr_cli_dispatch(cli, "med", "med add|list|stop|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

/* ========================================================= vital and lab */

static const emr_column obs_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"effective_at", "TAKEN", EMR_COL_TEXT, false},
	{"loinc", "LOINC", EMR_COL_TEXT, false},
	{"name", "TEST", EMR_COL_TEXT, false},
	{"value", "VALUE", EMR_COL_NUM, false},
	{"value_text", "TEXT", EMR_COL_TEXT, true},
	{"unit", "UNIT", EMR_COL_TEXT, false},
	{"ref_low", "LOW", EMR_COL_NUM, false},
	{"ref_high", "HIGH", EMR_COL_NUM, false},
	{"flag", "FLAG", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"panel_id", "PANEL", EMR_COL_INT, true},
};

static int print_observations(emr_cli *cli, const emr_observations *list, emr_format fmt)
{
	emr_table *t = emr_table_new(obs_cols, EMR_ARRAY_LEN(obs_cols));
	for (size_t i = 0; i < list->n; i++) {
		const emr_observation *x = &list->items[i];
		char id[24], val[32] = "", lo[32] = "", hi[32] = "", panel[24] = "";
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		if (x->has_value)
			fmt_num(val, sizeof val, x->value);
		else if (fmt == EMR_FMT_TEXT)
			emr_strlcpy(val, x->value_text, sizeof val);
		if (x->has_low)
			fmt_num(lo, sizeof lo, x->ref_low);
		if (x->has_high)
			fmt_num(hi, sizeof hi, x->ref_high);
		if (x->panel_id)
			snprintf(panel, sizeof panel, "%lld", (long long)x->panel_id);
		const char *cells[] = {id, x->effective_at, x->loinc, x->name, val, x->value_text, x->unit, lo, hi,
		                       x->flag, x->status, panel};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	return EMR_EXIT_OK;
}

static int obs_list(emr_cli *cli, const char *cmd, const char *kind, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const char *loinc = NULL;
	long limit = 0;
	const emr_opt opts[] = {
		{"loinc", 'c', EMR_OPT_STRING, &loinc, "CODE  only this LOINC code (or a name like a1c)"},
		{"limit", 'n', EMR_OPT_INT, &limit, "N  newest N only"},
		{"all", 'a', EMR_OPT_FLAG, &all, "include entered-in-error"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	char usage[96];
	snprintf(usage, sizeof usage, "%s list PATIENT [--loinc CODE] [--limit N] [--all] [--json|--csv]", cmd);
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, cmd, usage, opts, argc, argv, pos, 1, &npos);
	emr_format fmt;
	if (npos != 1)
		return emr_cli_usage(cli, cmd, "list needs a PATIENT");
	if (emr_cli_format(cli, cmd, json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_loinc l;
	if (loinc && !emr_loinc_find(cli->db, loinc, &l)) {
		emr_cli_error(cli, "%s: --loinc \"%s\": not a LOINC code or test name emr knows", cmd, loinc);
		return EMR_EXIT_FAIL;
	}
	emr_observations list = {0};
	if (emr_observation_list(cli->db, p.id, loinc ? l.code : NULL, kind, all ? EMR_ALL : EMR_CURRENT,
	                         (int)limit, &list) != 0)
		return emr_cli_fail(cli);
	rc = print_observations(cli, &list, fmt);
	emr_list_free(&list);
	return rc;
}

/* "120/80" into systolic and diastolic. */
static bool parse_bp(const char *s, double *sys, double *dia)
{
	const char *slash = strchr(s, '/');
	if (!slash)
		return false;
	char a[32];
	size_t n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof a)
		return false;
	memcpy(a, s, n);
	a[n] = '\0';
	return parse_number(a, sys) && parse_number(slash + 1, dia);
}

static int vital_add(emr_cli *cli, int argc, char **argv)
{
	const char *bp = NULL, *pulse = NULL, *temp = NULL, *resp = NULL, *spo2 = NULL, *weight = NULL, *height = NULL,
		   *at = NULL;
	const emr_opt opts[] = {
		{"bp", 0, EMR_OPT_STRING, &bp, "SYS/DIA  blood pressure, mm[Hg], e.g. 120/80"},
		{"pulse", 0, EMR_OPT_STRING, &pulse, "N  heart rate, /min"},
		{"temp", 0, EMR_OPT_STRING, &temp, "T  temperature, Cel (or with F: 98.6F)"},
		{"resp", 0, EMR_OPT_STRING, &resp, "N  respiratory rate, /min"},
		{"spo2", 0, EMR_OPT_STRING, &spo2, "N  oxygen saturation, %"},
		{"weight", 0, EMR_OPT_STRING, &weight, "W  weight, kg (or 154lb)"},
		{"height", 0, EMR_OPT_STRING, &height, "H  height, cm (or 69in)"},
		{"at", 0, EMR_OPT_STRING, &at, "TIME  when taken, YYYY-MM-DDTHH:MM:SSZ (default: now)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "vital", "vital add PATIENT [--bp SYS/DIA] [--pulse N] [--temp T] [--resp N] [--spo2 N] [--weight W] [--height H]",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "vital", "add needs a PATIENT");
	emr_vitals v;
	emr_vitals_init(&v);
	if (bp && !parse_bp(bp, &v.systolic, &v.diastolic)) {
		emr_cli_error(cli, "vital: --bp \"%s\": write it as systolic/diastolic, e.g. 120/80", bp);
		return EMR_EXIT_FAIL;
	}
	const struct { const char *s, *name, *unit; double *dst; } nums[] = {
		{pulse, "pulse", "/min", &v.pulse}, {resp, "resp", "/min", &v.resp}, {spo2, "spo2", "%", &v.spo2},
		{temp, "temp", "Cel", &v.temp_c}, {weight, "weight", "kg", &v.weight_kg}, {height, "height", "cm", &v.height_cm},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(nums); i++) {
		if (!nums[i].s)
			continue;
		bool ok = strcmp(nums[i].unit, "/min") == 0 || strcmp(nums[i].unit, "%") == 0
			? parse_number(nums[i].s, nums[i].dst)
			: emr_parse_measure(nums[i].s, nums[i].unit, nums[i].dst);
		if (!ok) {
			emr_cli_error(cli, "vital: --%s \"%s\": not a number%s", nums[i].name, nums[i].s,
			              strcmp(nums[i].unit, "kg") == 0 ? " (kg, or lb)" :
			              strcmp(nums[i].unit, "cm") == 0 ? " (cm, or in)" :
			              strcmp(nums[i].unit, "Cel") == 0 ? " (Celsius, or F)" : "");
			return EMR_EXIT_FAIL;
		}
	}
	if (at && !emr_strlcpy(v.effective_at, at, sizeof v.effective_at)) {
		emr_cli_error(cli, "vital: --at \"%s\": not a valid UTC time (YYYY-MM-DDTHH:MM:SSZ)", at);
		return EMR_EXIT_FAIL;
	}
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	double bmi;
	if (emr_vitals_record(cli->db, p.id, &v, &bmi) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "vitals recorded for %s at %s", p.mrn, v.effective_at);
	if (!isnan(bmi))
		fprintf(cli->out, " (BMI %.1f kg/m2)", bmi);
	fputc('\n', cli->out);
	return EMR_EXIT_OK;
}

static int vital_list(emr_cli *cli, int argc, char **argv)
{
	return obs_list(cli, "vital", "vital", argc, argv);
}

static int vital_retire(emr_cli *cli, int argc, char **argv)
{
	return retire_record(cli, "vital", EMR_REC_OBSERVATION, argc, argv);
}

static int lab_retire(emr_cli *cli, int argc, char **argv)
{
	return retire_record(cli, "lab", EMR_REC_OBSERVATION, argc, argv);
}

int emr_cmd_vital(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", vital_add}, {"list", vital_list}, {"retire", vital_retire}};
	return emr_cli_dispatch(cli, "vital", "vital add|list|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

static int lab_add(emr_cli *cli, int argc, char **argv)
{
	const char *code = NULL, *value = NULL, *unit = NULL, *low = NULL, *high = NULL, *at = NULL, *flag = NULL;
	const emr_opt opts[] = {
		{"loinc", 'c', EMR_OPT_STRING, &code, "CODE  LOINC code, or a test name like a1c or ldl"},
		{"value", 'v', EMR_OPT_STRING, &value, "V  the result (a number, or text)"},
		{"unit", 'u', EMR_OPT_STRING, &unit, "UCUM  unit (default: the test's, e.g. mg/dL)"},
		{"low", 0, EMR_OPT_STRING, &low, "N  reference range low (default: the test's)"},
		{"high", 0, EMR_OPT_STRING, &high, "N  reference range high"},
		{"flag", 0, EMR_OPT_STRING, &flag, "FLAG  L, H, LL, HH, A or N (default: from the range)"},
		{"at", 0, EMR_OPT_STRING, &at, "TIME  when collected, YYYY-MM-DDTHH:MM:SSZ (default: now)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "lab", "lab add PATIENT --loinc CODE --value V [--unit U] [--low N --high N] [--at TIME]", opts, argc,
	      argv, pos, 1, &npos);
	if (npos != 1 || !code || !value)
		return emr_cli_usage(cli, "lab", "add needs a PATIENT, --loinc and --value");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_loinc l;
	if (!emr_loinc_find(cli->db, code, &l)) {
		emr_cli_error(cli, "lab: --loinc \"%s\": not a LOINC code or test name emr knows (see: emr codes search loinc WORD)", code);
		return EMR_EXIT_FAIL;
	}
	if (strcmp(l.kind, "lab") != 0) {
		emr_cli_error(cli, "lab: --loinc \"%s\": %s is a vital sign; record it with: emr vital add", code, l.short_name);
		return EMR_EXIT_FAIL;
	}
	emr_observation o = {0};
	o.patient_id = p.id;
	emr_strlcpy(o.loinc, l.code, sizeof o.loinc);
	if (parse_number(value, &o.value))
		o.has_value = true;
	else if (!emr_strlcpy(o.value_text, value, sizeof o.value_text)) {
		emr_cli_error(cli, "lab: --value: too long");
		return EMR_EXIT_FAIL;
	}
	if ((low && !(o.has_low = parse_number(low, &o.ref_low))) || (high && !(o.has_high = parse_number(high, &o.ref_high)))) {
		emr_cli_error(cli, "lab: --%s \"%s\": not a number", low && !o.has_low ? "low" : "high", low && !o.has_low ? low : high);
		return EMR_EXIT_FAIL;
	}
	if (flag && strcmp(flag, "N") && strcmp(flag, "L") && strcmp(flag, "H") && strcmp(flag, "LL") && strcmp(flag, "HH") && strcmp(flag, "A")) {
		emr_cli_error(cli, "lab: --flag \"%s\": must be N, L, H, LL, HH or A", flag);
		return EMR_EXIT_FAIL;
	}
	emr_strlcpy(o.flag, flag ? flag : "", sizeof o.flag);
	if (unit && !emr_strlcpy(o.unit, unit, sizeof o.unit)) {
		emr_cli_error(cli, "lab: --unit \"%s\": not a unit emr knows", unit);
		return EMR_EXIT_FAIL;
	}
	if (at && !emr_strlcpy(o.effective_at, at, sizeof o.effective_at)) {
		emr_cli_error(cli, "lab: --at \"%s\": not a valid UTC time (YYYY-MM-DDTHH:MM:SSZ)", at);
		return EMR_EXIT_FAIL;
	}
	if (emr_observation_add(cli->db, &o) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "lab %lld: %s ", (long long)o.id, o.name);
	emr_fput_clean(cli->out, value, false);
	fprintf(cli->out, " %s%s%s\n", o.unit, *o.flag && strcmp(o.flag, "N") ? " " : "", strcmp(o.flag, "N") ? o.flag : "");
	return EMR_EXIT_OK;
}

static int lab_list(emr_cli *cli, int argc, char **argv)
{
	return obs_list(cli, "lab", "lab", argc, argv);
}

int emr_cmd_lab(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", lab_add}, {"list", lab_list}, {"retire", lab_retire}};
	return emr_cli_dispatch(cli, "lab", "lab add|list|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

/* =========================================================== immunization */

static const emr_column imm_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"administered_on", "DATE", EMR_COL_TEXT, false},
	{"cvx", "CVX", EMR_COL_TEXT, false},
	{"vaccine", "VACCINE", EMR_COL_TEXT, false},
	{"lot", "LOT", EMR_COL_TEXT, false},
	{"site", "SITE", EMR_COL_TEXT, false},
	{"route", "ROUTE", EMR_COL_TEXT, true},
	{"dose_number", "DOSE", EMR_COL_INT, true},
	{"status", "STATUS", EMR_COL_TEXT, false},
};

static int imm_add(emr_cli *cli, int argc, char **argv)
{
	const char *cvx = NULL, *date = NULL, *lot = NULL, *site = NULL, *route = NULL, *mfr = NULL;
	long dose = 0;
	const emr_opt opts[] = {
		{"cvx", 'c', EMR_OPT_STRING, &cvx, "CODE  CVX vaccine code, e.g. 115 (Tdap)"},
		{"date", 0, EMR_OPT_STRING, &date, "DATE  given on (default: today)"},
		{"lot", 0, EMR_OPT_STRING, &lot, "TEXT  lot number"},
		{"manufacturer", 0, EMR_OPT_STRING, &mfr, "TEXT  manufacturer"},
		{"site", 0, EMR_OPT_STRING, &site, "SITE  e.g. \"left deltoid\""},
		{"route", 0, EMR_OPT_STRING, &route, "ROUTE  IM, SC, ID, PO or IN"},
		{"dose", 0, EMR_OPT_INT, &dose, "N  dose number in the series"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "immunization", "immunization add PATIENT --cvx CODE [--date DATE] [--lot LOT] [--site SITE]", opts,
	      argc, argv, pos, 1, &npos);
	if (npos != 1 || !cvx)
		return emr_cli_usage(cli, "immunization", "add needs a PATIENT and --cvx");
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_immunization im = {0};
	im.patient_id = p.id;
	if (dose < 0 || dose > 20) {
		emr_cli_error(cli, "immunization: --dose %ld: a dose number is 1 to 20", dose);
		return EMR_EXIT_FAIL;
	}
	im.dose_number = (int)dose;
	/* Accept a vaccine name as well as its CVX number, when it is unique. */
	if (strspn(cvx, "0123456789") != strlen(cvx)) {
		emr_code_list hits = {0};
		emr_cvx_search(cli->db, cvx, 2, &hits);
		if (hits.n != 1) {
			emr_cli_error(cli, "immunization: --cvx \"%s\": %s (see: emr codes search cvx %s)", cvx,
			              hits.n ? "matches more than one vaccine; give the CVX code" : "no such vaccine", cvx);
			emr_code_list_free(&hits);
			return EMR_EXIT_FAIL;
		}
		emr_strlcpy(im.cvx, hits.items[0].code, sizeof im.cvx);
		emr_code_list_free(&hits);
	} else if (!emr_strlcpy(im.cvx, cvx, sizeof im.cvx)) {
		emr_cli_error(cli, "immunization: --cvx \"%s\": not a CVX vaccine code", cvx);
		return EMR_EXIT_FAIL;
	}
	if ((site && !emr_strlcpy(im.site, site, sizeof im.site)) || (route && !emr_strlcpy(im.route, route, sizeof im.route))) {
		emr_cli_error(cli, "immunization: --%s \"%s\": not one of the allowed values (see --help)",
		              site && strlen(site) >= sizeof im.site ? "site" : "route",
		              site && strlen(site) >= sizeof im.site ? site : route);
		return EMR_EXIT_FAIL;
	}
	if (date && !emr_strlcpy(im.administered_on, date, sizeof im.administered_on)) {
		emr_cli_error(cli, "immunization: --date \"%s\": not a valid date (YYYY-MM-DD)", date);
		return EMR_EXIT_FAIL;
	}
	emr_strlcpy(im.lot, lot ? lot : "", sizeof im.lot);
	emr_strlcpy(im.manufacturer, mfr ? mfr : "", sizeof im.manufacturer);
	if (emr_immunization_add(cli->db, &im) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "immunization %lld: %s on %s\n", (long long)im.id, im.vaccine, im.administered_on);
	return EMR_EXIT_OK;
}

static int imm_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const emr_opt opts[] = {
		{"all", 'a', EMR_OPT_FLAG, &all, "include entered-in-error"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "immunization", "immunization list PATIENT [--all] [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	emr_format fmt;
	if (npos != 1)
		return emr_cli_usage(cli, "immunization", "list needs a PATIENT");
	if (emr_cli_format(cli, "immunization", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_immunizations list = {0};
	if (emr_immunization_list(cli->db, p.id, all ? EMR_ALL : EMR_CURRENT, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(imm_cols, EMR_ARRAY_LEN(imm_cols));
	for (size_t i = 0; i < list.n; i++) {
		emr_immunization *x = &list.items[i];
		char id[24], dose[16] = "";
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		if (x->dose_number)
			snprintf(dose, sizeof dose, "%d", x->dose_number);
		const char *cells[] = {id, x->administered_on, x->cvx, x->vaccine, x->lot, x->site, x->route, dose, x->status};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_list_free(&list);
	return EMR_EXIT_OK;
}

static int imm_retire(emr_cli *cli, int argc, char **argv)
{
	return retire_record(cli, "immunization", EMR_REC_IMMUNIZATION, argc, argv);
}

int emr_cmd_immunization(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", imm_add}, {"list", imm_list}, {"retire", imm_retire}};
	return emr_cli_dispatch(cli, "immunization", "immunization add|list|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}

/* ============================================================== procedure */

static const emr_column procedure_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"date", "DATE", EMR_COL_TEXT, false},               /* performed, its local date */
	{"performed_start", "START", EMR_COL_TEXT, true},
	{"performed_end", "END", EMR_COL_TEXT, true},
	{"code", "CODE", EMR_COL_TEXT, false},               /* "SNOMED 80146002" */
	{"code_system", "SYSTEM", EMR_COL_TEXT, true},
	{"code_value", "CODE VALUE", EMR_COL_TEXT, true},
	{"description", "PROCEDURE", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"source", "SOURCE", EMR_COL_TEXT, false},           /* "imported: FILE", or "recorded here" */
	{"performer", "PERFORMER", EMR_COL_TEXT, true},
	{"encounter_id", "VISIT", EMR_COL_INT, true},
	{"note", "NOTE", EMR_COL_TEXT, true},
	{"retired_reason", "RETIRED", EMR_COL_TEXT, true},
};

static int procedure_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false, all = false;
	const emr_opt opts[] = {
		{"all", 'a', EMR_OPT_FLAG, &all, "include those entered in error"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "procedure", "procedure list PATIENT [--all] [--json|--csv]\n\nProcedures done to the"
	      " patient, newest first, as received from other systems (emr import fhir).", opts, argc, argv, pos, 1, &npos);
	emr_format fmt;
	if (npos != 1)
		return emr_cli_usage(cli, "procedure", "list needs a PATIENT");
	if (emr_cli_format(cli, "procedure", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_procedures list = {0};
	if (emr_procedure_list(cli->db, p.id, all ? EMR_ALL : EMR_CURRENT, &list) != 0) {
		emr_list_free(&list);
		return emr_cli_fail(cli);
	}
	emr_table *t = emr_table_new(procedure_cols, EMR_ARRAY_LEN(procedure_cols));
	for (size_t i = 0; i < list.n; i++) {
		emr_procedure *x = &list.items[i];
		char id[24], enc[24] = "", date[EMR_DATE_LEN] = "", code[96], source[300];
		snprintf(id, sizeof id, "%lld", (long long)x->id);
		if (x->encounter_id)
			snprintf(enc, sizeof enc, "%lld", (long long)x->encounter_id);
		time_t when;
		struct tm tm;
		if (*x->performed_start && emr_instant_parse(x->performed_start, &when) && localtime_r(&when, &tm))
			strftime(date, sizeof date, "%Y-%m-%d", &tm);
		emr_procedure_code_text(x, code, sizeof code);
		if (x->imported)
			snprintf(source, sizeof source, "imported: %s", x->source_file);
		else
			snprintf(source, sizeof source, "recorded here");
		const char *cells[] = {id, date, x->performed_start, x->performed_end, code, x->code_system, x->code,
		                       x->description, x->status, source, x->performer, enc, x->note, x->retired_reason};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_list_free(&list);
	return EMR_EXIT_OK;
}

static int procedure_retire(emr_cli *cli, int argc, char **argv)
{
	const char *reason = NULL;
	const emr_opt opts[] = {
		{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  why it was entered in error (required)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "procedure", "procedure retire ID --reason TEXT", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "procedure", "retire needs the procedure's ID");
	if (!reason)
		return emr_cli_usage(cli, "procedure", "retire needs --reason");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	int64_t id;
	if (!emr_cli_parse_id(pos[0], &id)) {
		emr_cli_error(cli, "procedure: id \"%s\": not a record id", pos[0]);
		return EMR_EXIT_FAIL;
	}
	if (emr_procedure_retire(cli->db, id, reason) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "procedure %lld marked entered-in-error\n", (long long)id);
	return EMR_EXIT_OK;
}

int emr_cmd_procedure(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"list", procedure_list}, {"retire", procedure_retire}};
	return emr_cli_dispatch(cli, "procedure", "procedure list|retire ...", subs, EMR_ARRAY_LEN(subs), argc, argv);
}
