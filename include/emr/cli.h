/* cli: the `emr` command line.  Subcommands live in one table
 * ({name, handler, summary}) in src/cli.c; each handler parses its own
 * options with emr_opts and returns an exit status:
 *   EMR_EXIT_OK (0)     success
 *   EMR_EXIT_FAIL (1)   the operation failed (bad value, unknown id, ...)
 *   EMR_EXIT_USAGE (2)  the command line itself is wrong
 * Errors go to stderr as one line, "emr: <what>: <why>", via emr_cli_error.
 * Each command that writes runs in one transaction, so a failed command
 * writes nothing. */
#ifndef EMR_CLI_H
#define EMR_CLI_H

#include "emr/db.h"
#include "emr/practice.h"

#include <stdio.h>

enum { EMR_EXIT_OK = 0, EMR_EXIT_FAIL = 1, EMR_EXIT_USAGE = 2 };

/* Output formats of list and show commands. */
typedef enum emr_format { EMR_FMT_TEXT, EMR_FMT_JSON, EMR_FMT_CSV } emr_format;

/* The one application context: everything a command needs, nothing global. */
typedef struct emr_cli {
	const char *db_path;      /* --db, or NULL for the default */
	emr_db *db;               /* opened by emr_cli_open_db */
	emr_user user;            /* the acting user once logged in */
	FILE *out, *err;
	const char *prog;         /* "emr" */
} emr_cli;

/* Runs the command line; returns the exit status. */
int emr_cli_main(int argc, char **argv);

/* Opens the practice database (and logs in the Unix user, when
 * need_user).  Prints the error and returns EMR_EXIT_FAIL on failure. */
int emr_cli_open_db(emr_cli *cli, bool need_user);

void emr_cli_error(emr_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error: prints it with a hint to --help; returns EMR_EXIT_USAGE. */
int emr_cli_usage(emr_cli *cli, const char *cmd, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ options */

/* A tiny getopt_long in the style of git's parse-options: options are
 * declared in a table; "--name value", "--name=value" and "--flag" forms;
 * "--" ends options; other words are positional arguments. */
typedef enum emr_opt_kind { EMR_OPT_FLAG, EMR_OPT_STRING, EMR_OPT_INT } emr_opt_kind;

typedef struct emr_opt {
	const char *name;         /* without the dashes: "dob" */
	char short_name;          /* 'o' for -o, or 0 */
	emr_opt_kind kind;
	void *value;              /* bool *, const char **, or long * */
	const char *help;         /* "DATE  date of birth (YYYY-MM-DD)" */
} emr_opt;

/* Parses argv[1..argc) against opts.  Positional words are collected into
 * pos (up to max_pos; more is a usage error).  "--help"/"-h" prints the
 * usage text built from usage and the table to cli->out and returns 1 so
 * the caller returns EMR_EXIT_OK.  Returns 0 on success, -1 on a usage
 * error (already reported). */
int emr_opts_parse(emr_cli *cli, const char *cmd, const char *usage, const emr_opt *opts,
                   int argc, char **argv, const char **pos, int max_pos, int *npos);
void emr_opts_print_help(FILE *f, const char *cmd, const char *usage, const emr_opt *opts);

/* --json / --csv / default text, from flags; usage error if both. */
int emr_cli_format(emr_cli *cli, const char *cmd, bool json, bool csv, bool csv_allowed, emr_format *out);

/* ------------------------------------------------ shared by the commands */

/* Parses a subcommand's options; returns from the calling handler with
 * EMR_EXIT_OK after --help and EMR_EXIT_USAGE on a usage error. */
#define EMR_CLI_PARSE(cli, cmd, usage, opts, argc, argv, pos, max, npos)                          \
	do {                                                                                       \
		int prc_ = emr_opts_parse(cli, cmd, usage, opts, argc, argv, pos, max, npos);      \
		if (prc_ > 0)                                                                      \
			return EMR_EXIT_OK;                                                        \
		if (prc_ < 0)                                                                      \
			return EMR_EXIT_USAGE;                                                     \
	} while (0)

/* Prints the database handle's last error; returns EMR_EXIT_FAIL. */
int emr_cli_fail(emr_cli *cli);
/* Opens the database, logs in, and finds the patient named by ref (an
 * MRN or an id); 0, or the exit status after printing why. */
struct emr_patient;
int emr_cli_open_patient(emr_cli *cli, const char *ref, struct emr_patient *p);
/* A record id: digits only, > 0. */
bool emr_cli_parse_id(const char *s, int64_t *out);

/* "emr WORD SUB ...": runs the subcommand named by argv[1]. */
typedef struct emr_subcommand {
	const char *name;
	int (*run)(emr_cli *cli, int argc, char **argv);
} emr_subcommand;
int emr_cli_dispatch(emr_cli *cli, const char *cmd, const char *usage, const emr_subcommand *subs, size_t nsubs,
                     int argc, char **argv);

/* Subcommand handlers, one per top-level word, in their own files. */
typedef int (*emr_cmd_fn)(emr_cli *cli, int argc, char **argv);

int emr_cmd_init(emr_cli *cli, int argc, char **argv);
int emr_cmd_patient(emr_cli *cli, int argc, char **argv);
int emr_cmd_problem(emr_cli *cli, int argc, char **argv);
int emr_cmd_allergy(emr_cli *cli, int argc, char **argv);
int emr_cmd_med(emr_cli *cli, int argc, char **argv);
int emr_cmd_vital(emr_cli *cli, int argc, char **argv);
int emr_cmd_lab(emr_cli *cli, int argc, char **argv);
int emr_cmd_immunization(emr_cli *cli, int argc, char **argv);
int emr_cmd_procedure(emr_cli *cli, int argc, char **argv);  /* src/cli_chart.c */
int emr_cmd_codes(emr_cli *cli, int argc, char **argv);     /* src/cli_codes.c */
int emr_cmd_demo(emr_cli *cli, int argc, char **argv);      /* src/cli_demo.c */
int emr_cmd_print(emr_cli *cli, int argc, char **argv);     /* src/cli_print.c */
int emr_cmd_audit(emr_cli *cli, int argc, char **argv);
int emr_cmd_user(emr_cli *cli, int argc, char **argv);
int emr_cmd_visit(emr_cli *cli, int argc, char **argv);     /* src/cli_note.c */
int emr_cmd_note(emr_cli *cli, int argc, char **argv);      /* src/cli_note.c */
int emr_cmd_template(emr_cli *cli, int argc, char **argv);  /* src/cli_note.c */
int emr_cmd_phrase(emr_cli *cli, int argc, char **argv);    /* src/cli_note.c */
int emr_cmd_search(emr_cli *cli, int argc, char **argv);    /* src/cli_note.c */
int emr_cmd_audit_log(emr_cli *cli, int argc, char **argv); /* src/cli_trust.c */
int emr_cmd_backup(emr_cli *cli, int argc, char **argv);    /* src/cli_trust.c */
int emr_cmd_restore(emr_cli *cli, int argc, char **argv);   /* src/cli_trust.c */
int emr_cmd_check(emr_cli *cli, int argc, char **argv);     /* src/cli_trust.c */
int emr_cmd_report(emr_cli *cli, int argc, char **argv);    /* src/cli_trust.c */
int emr_cmd_fee(emr_cli *cli, int argc, char **argv);       /* src/cli_billing.c */
int emr_cmd_dx(emr_cli *cli, int argc, char **argv);        /* src/cli_billing.c */
int emr_cmd_charge(emr_cli *cli, int argc, char **argv);    /* src/cli_billing.c */
int emr_cmd_invoice(emr_cli *cli, int argc, char **argv);   /* src/cli_billing.c */
int emr_cmd_pay(emr_cli *cli, int argc, char **argv);       /* src/cli_billing.c */
int emr_cmd_adjust(emr_cli *cli, int argc, char **argv);    /* src/cli_billing.c */
int emr_cmd_balance(emr_cli *cli, int argc, char **argv);   /* src/cli_billing.c */
int emr_cmd_statement(emr_cli *cli, int argc, char **argv); /* src/cli_billing.c */
int emr_cmd_refund(emr_cli *cli, int argc, char **argv);    /* src/cli_billing.c */
/* `emr report daysheet|aging` (argv[1] is one of them). */
int emr_cmd_report_billing(emr_cli *cli, int argc, char **argv); /* src/cli_billing.c */
int emr_cmd_practice(emr_cli *cli, int argc, char **argv);  /* src/cli_practice.c */
int emr_cmd_schedule(emr_cli *cli, int argc, char **argv);  /* src/cli_schedule.c */
int emr_cmd_appt(emr_cli *cli, int argc, char **argv);      /* src/cli_schedule.c */
int emr_cmd_recall(emr_cli *cli, int argc, char **argv);    /* src/cli_schedule.c */
int emr_cmd_import(emr_cli *cli, int argc, char **argv);    /* src/cli_import.c */
int emr_cmd_export(emr_cli *cli, int argc, char **argv);    /* src/cli_export.c */

#endif
