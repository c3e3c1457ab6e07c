/* cli: the command table, option parsing, and the shared plumbing of every
 * subcommand (opening the database, logging in, reporting errors). */
#include "emr/cli.h"

#include "emr/patient.h"
#include "emr/ui.h"
#include "emr/util.h"

#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef EMR_VERSION
#define EMR_VERSION "0.1.0"
#endif

static int cmd_version(emr_cli *cli, int argc, char **argv);
static int cmd_help(emr_cli *cli, int argc, char **argv);
static int cmd_keys(emr_cli *cli, int argc, char **argv);

/* Every top-level command, in the order `emr help` lists them. */
static const struct command {
	const char *name;
	emr_cmd_fn run;
	const char *summary;
} commands[] = {
	{"init", emr_cmd_init, "create a practice database"},
	{"patient", emr_cmd_patient, "register, find, show, edit and retire patients"},
	{"problem", emr_cmd_problem, "a patient's problem list (ICD-10-CM)"},
	{"allergy", emr_cmd_allergy, "a patient's allergies, including NKDA"},
	{"med", emr_cmd_med, "medications and prescriptions"},
	{"vital", emr_cmd_vital, "vital signs (BP, pulse, temperature, ...)"},
	{"lab", emr_cmd_lab, "laboratory results (LOINC)"},
	{"immunization", emr_cmd_immunization, "immunizations (CVX)"},
	{"procedure", emr_cmd_procedure, "procedures received from other systems (SNOMED CT, CPT): list, retire"},
	{"visit", emr_cmd_visit, "start visits (with a draft note) and list them"},
	{"note", emr_cmd_note, "show, edit, sign visit notes; add addenda"},
	{"template", emr_cmd_template, "note templates (SOAP by default)"},
	{"phrase", emr_cmd_phrase, "dot-phrases that expand in notes"},
	{"search", emr_cmd_search, "full-text search over every note"},
	{"schedule", emr_cmd_schedule, "the day's or week's appointments, in the practice's local time"},
	{"appt", emr_cmd_appt, "book, move, cancel and check in appointments"},
	{"recall", emr_cmd_recall, "patients due for a follow-up with nothing booked"},
	{"export", emr_cmd_export, "export charts as FHIR R4: one patient's Bundle, or every patient as NDJSON"},
	{"import", emr_cmd_import, "import FHIR R4 Bundles and NDJSON into charts (all or nothing per file)"},
	{"print", emr_cmd_print, "print notes, visits, summaries, prescriptions and invoices"},
	{"codes", emr_cmd_codes, "ICD-10-CM, LOINC and CVX: search and import"},
	{"user", emr_cmd_user, "the practice's users"},
	{"practice", emr_cmd_practice, "the practice's settings: letterhead, NPI, clinic hours, time zone"},
	{"audit", emr_cmd_audit, "the audit log: who saw or changed a chart; verify its hash chain"},
	{"report", emr_cmd_report, "workload per day and user, from the audit log; billing daysheet and aging"},
	{"fee", emr_cmd_fee, "the fee schedule (CPT/HCPCS): add, list, import CSV"},
	{"dx", emr_cmd_dx, "a visit's diagnoses (ICD-10-CM), for billing"},
	{"charge", emr_cmd_charge, "charges on a visit: add, void"},
	{"invoice", emr_cmd_invoice, "issue, list and show invoices (superbills)"},
	{"pay", emr_cmd_pay, "record a payment"},
	{"adjust", emr_cmd_adjust, "post an adjustment to a patient's account"},
	{"refund", emr_cmd_refund, "give back (part of) a patient's credit"},
	{"balance", emr_cmd_balance, "a patient's balance"},
	{"statement", emr_cmd_statement, "a patient's statement of account"},
	{"backup", emr_cmd_backup, "copy the practice database safely (while others work)"},
	{"restore", emr_cmd_restore, "put a verified backup back in place"},
	{"check", emr_cmd_check, "check the database's integrity, references and audit chain"},
	{"demo", emr_cmd_demo, "generate a demo practice"},
	{"keys", cmd_keys, "list every key of the charting screens"},
	{"version", cmd_version, "print the version"},
	{"help", cmd_help, "list the commands"},
};

/* ---------------------------------------------------------------- errors */

void emr_cli_error(emr_cli *cli, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	/* Messages often quote user input back; never let it drive the
	 * terminal. */
	fprintf(cli->err, "%s: ", cli->prog);
	emr_fput_clean(cli->err, buf, false);
	fputc('\n', cli->err);
}

int emr_cli_usage(emr_cli *cli, const char *cmd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	emr_cli_error(cli, "%s: %s (see: emr %s --help)", cmd, buf, cmd);
	return EMR_EXIT_USAGE;
}

/* --------------------------------------------------------------- options */

void emr_opts_print_help(FILE *f, const char *cmd, const char *usage, const emr_opt *opts)
{
	fprintf(f, "usage: emr %s\n", usage);
	(void)cmd;
	if (!opts || !opts->name)
		return;
	fputs("\noptions:\n", f);
	for (const emr_opt *o = opts; o->name; o++) {
		char left[64];
		const char *help = o->help ? o->help : "";
		const char *arg = "";
		const char *desc = help;
		/* "DATE  text": the first word in capitals is the argument. */
		char argbuf[24] = "";
		if (o->kind != EMR_OPT_FLAG) {
			const char *sp = strstr(help, "  ");
			if (sp && (size_t)(sp - help) < sizeof argbuf) {
				memcpy(argbuf, help, (size_t)(sp - help));
				argbuf[sp - help] = '\0';
				arg = argbuf;
				desc = sp + 2;
			} else {
				arg = "VALUE";
			}
		}
		if (o->short_name)
			snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, *arg ? " " : "", arg);
		else
			snprintf(left, sizeof left, "    --%s%s%s", o->name, *arg ? " " : "", arg);
		fprintf(f, "  %-28s %s\n", left, desc);
	}
	fprintf(f, "  %-28s %s\n", "    --db PATH", "the practice database (default: $EMR_DB, else ~/.local/share/emr/practice.db)");
}

static const emr_opt *find_long(const emr_opt *opts, const char *name, size_t len)
{
	for (const emr_opt *o = opts; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

static const emr_opt *find_short(const emr_opt *opts, char c)
{
	for (const emr_opt *o = opts; o && o->name; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int set_opt(emr_cli *cli, const char *cmd, const emr_opt *o, const char *value)
{
	switch (o->kind) {
	case EMR_OPT_FLAG:
		*(bool *)o->value = true;
		return 0;
	case EMR_OPT_STRING:
		*(const char **)o->value = value;
		return 0;
	case EMR_OPT_INT: {
		char *end;
		long v = strtol(value, &end, 10);
		if (!*value || *end) {
			emr_cli_error(cli, "%s: --%s \"%s\": not a whole number", cmd, o->name, value);
			return -1;
		}
		*(long *)o->value = v;
		return 0;
	}
	}
	return -1;
}

int emr_opts_parse(emr_cli *cli, const char *cmd, const char *usage, const emr_opt *opts,
                   int argc, char **argv, const char **pos, int max_pos, int *npos)
{
	*npos = 0;
	bool only_pos = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos || a[0] != '-' || a[1] == '\0' || (a[1] >= '0' && a[1] <= '9')) { /* -5.00: a number */
			if (*npos >= max_pos) {
				emr_cli_usage(cli, cmd, "unexpected argument \"%s\"", a);
				return -1;
			}
			pos[(*npos)++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			emr_opts_print_help(cli->out, cmd, usage, opts);
			return 1;
		}
		const emr_opt *o;
		const char *value = NULL;
		char optname[64];
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			snprintf(optname, sizeof optname, "--%.*s", (int)len, a + 2);
			if (len == 2 && strncmp(a + 2, "db", 2) == 0) {
				/* --db is accepted by every command. */
				if (eq)
					cli->db_path = eq + 1;
				else if (i + 1 < argc)
					cli->db_path = argv[++i];
				else
					return emr_cli_usage(cli, cmd, "--db needs a value"), -1;
				continue;
			}
			o = find_long(opts, a + 2, len);
			if (eq)
				value = eq + 1;
		} else {
			snprintf(optname, sizeof optname, "-%c", a[1]);
			o = a[2] ? NULL : find_short(opts, a[1]);
		}
		if (!o) {
			emr_cli_usage(cli, cmd, "unknown option %s", optname);
			return -1;
		}
		if (o->kind == EMR_OPT_FLAG) {
			if (value) {
				emr_cli_usage(cli, cmd, "%s takes no value", optname);
				return -1;
			}
		} else if (!value) {
			if (i + 1 >= argc) {
				emr_cli_usage(cli, cmd, "%s needs a value", optname);
				return -1;
			}
			value = argv[++i];
		}
		if (set_opt(cli, cmd, o, value) != 0)
			return -1;
	}
	return 0;
}

int emr_cli_format(emr_cli *cli, const char *cmd, bool json, bool csv, bool csv_allowed, emr_format *out)
{
	if (json && csv)
		return emr_cli_usage(cli, cmd, "choose one of --json and --csv");
	if (csv && !csv_allowed)
		return emr_cli_usage(cli, cmd, "--csv is for lists; use --json");
	*out = json ? EMR_FMT_JSON : csv ? EMR_FMT_CSV : EMR_FMT_TEXT;
	return 0;
}

/* --------------------------------------------------------------- database */

int emr_cli_open_db(emr_cli *cli, bool need_user)
{
	if (cli->db) {
		if (need_user && cli->user.id == 0 && emr_login(cli->db, &cli->user) != 0) {
			emr_cli_error(cli, "%s", emr_db_error(cli->db));
			return EMR_EXIT_FAIL;
		}
		return 0;
	}
	char path[4096], err[1024];
	if (!emr_db_default_path(cli->db_path, path, sizeof path)) {
		emr_cli_error(cli, "cannot find the practice database: set --db, $EMR_DB or $HOME");
		return EMR_EXIT_FAIL;
	}
	cli->db = emr_db_open(path, 0, err, sizeof err);
	if (!cli->db) {
		emr_cli_error(cli, "%s", err);
		return EMR_EXIT_FAIL;
	}
	if (!emr_practice_exists(cli->db)) {
		emr_cli_error(cli, "%s: the practice has not been set up (run: emr init)", path);
		return EMR_EXIT_FAIL;
	}
	if (need_user && emr_login(cli->db, &cli->user) != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	return 0;
}

/* ------------------------------------------------ shared by the commands */

int emr_cli_fail(emr_cli *cli)
{
	emr_cli_error(cli, "%s", emr_db_error(cli->db));
	return EMR_EXIT_FAIL;
}

int emr_cli_open_patient(emr_cli *cli, const char *ref, emr_patient *p)
{
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_patient_resolve(cli->db, ref, p) != 0)
		return emr_cli_fail(cli);
	return 0;
}

bool emr_cli_parse_id(const char *s, int64_t *out)
{
	if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
		return false;
	*out = strtoll(s, NULL, 10);
	return *out > 0;
}

int emr_cli_dispatch(emr_cli *cli, const char *cmd, const char *usage, const emr_subcommand *subs, size_t nsubs,
                     int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? cli->err : cli->out;
		fprintf(f, "usage: emr %s\n", usage);
		return argc < 2 ? EMR_EXIT_USAGE : EMR_EXIT_OK;
	}
	for (size_t i = 0; i < nsubs; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cli, argc - 1, argv + 1);
	return emr_cli_usage(cli, cmd, "unknown subcommand \"%s\"", argv[1]);
}

/* ---------------------------------------------------------- the commands */

static int cmd_version(emr_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos;
	int rc = emr_opts_parse(cli, "version", "version", NULL, argc, argv, pos, 0, &npos);
	if (rc)
		return rc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	fprintf(cli->out, "emr %s (SQLite %s)\n", EMR_VERSION, sqlite3_libversion());
	return EMR_EXIT_OK;
}

/* Plain text from the keymap tables themselves: no terminal, no database. */
static int cmd_keys(emr_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos;
	int rc = emr_opts_parse(cli, "keys",
	                        "keys\n\n"
	                        "Prints every key of the charting screen, view by view, from the same\n"
	                        "tables that drive the screen and its help (? or F1).",
	                        NULL, argc, argv, pos, 0, &npos);
	if (rc)
		return rc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	emr_ui_print_keys(cli->out);
	return EMR_EXIT_OK;
}

static void print_commands(FILE *f)
{
	fputs("usage: emr [--db PATH] COMMAND [ARGS]\n\n"
	      "With no command, emr opens the charting screen.\n\ncommands:\n", f);
	for (size_t i = 0; i < EMR_ARRAY_LEN(commands); i++)
		fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fputs("\nEach command has --help.  See emr(1) for all of them.\n", f);
}

static int cmd_help(emr_cli *cli, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	print_commands(cli->out);
	return EMR_EXIT_OK;
}

/* `emr` on a missing database: offer to create it, as a new user would
 * hope, instead of failing with a path. */
static int offer_init(emr_cli *cli)
{
	char path[4096];
	if (!emr_db_default_path(cli->db_path, path, sizeof path) || access(path, F_OK) == 0)
		return 0;
	if (!isatty(STDIN_FILENO))
		return 0; /* emr_cli_open_db will explain */
	fprintf(stderr, "There is no practice database at %s.\nCreate a new practice there now? [y/N] ", path);
	fflush(stderr);
	char answer[16];
	if (!fgets(answer, sizeof answer, stdin) || (answer[0] != 'y' && answer[0] != 'Y'))
		return EMR_EXIT_FAIL;
	char *argv[] = {"init", NULL};
	return emr_cmd_init(cli, 1, argv);
}

static int run_ui(emr_cli *cli)
{
	int rc = offer_init(cli);
	if (rc)
		return rc;
	rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	return emr_ui_run(cli);
}

int emr_cli_main(int argc, char **argv)
{
	setlocale(LC_ALL, "");
	emr_cli cli = {.out = stdout, .err = stderr, .prog = "emr"};
	int i = 1;
	/* Global options before the command. */
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--db") == 0 && i + 1 >= argc) {
			emr_cli_error(&cli, "--db needs a value (a database path)");
			return EMR_EXIT_USAGE;
		} else if (strcmp(argv[i], "--db") == 0) {
			cli.db_path = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--db=", 5) == 0) {
			cli.db_path = argv[i] + 5;
			i++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			print_commands(stdout);
			return EMR_EXIT_OK;
		} else if (strcmp(argv[i], "--version") == 0) {
			return cmd_version(&cli, 1, argv);
		} else {
			emr_cli_error(&cli, "unknown option %s (see: emr --help)", argv[i]);
			return EMR_EXIT_USAGE;
		}
	}
	int rc;
	if (i >= argc) {
		rc = run_ui(&cli);
	} else {
		const struct command *c = NULL;
		for (size_t k = 0; k < EMR_ARRAY_LEN(commands); k++)
			if (strcmp(argv[i], commands[k].name) == 0)
				c = &commands[k];
		if (!c) {
			emr_cli_error(&cli, "\"%s\" is not an emr command (see: emr help)", argv[i]);
			return EMR_EXIT_USAGE;
		}
		rc = c->run(&cli, argc - i, argv + i);
	}
	if (cli.db)
		emr_db_close(cli.db);
	if (fflush(stdout) != 0 && rc == EMR_EXIT_OK) {
		perror("emr: writing output");
		rc = EMR_EXIT_FAIL;
	}
	return rc;
}
