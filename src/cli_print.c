/* cli_print: `emr print note|visit|summary|rx|invoice ID [--format F] [-o FILE]`. */
#include "emr/cli.h"

#include "emr/patient.h"
#include "emr/print.h"
#include "emr/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"print note|visit|summary|rx|invoice ID [--format text|md|html|pdf] [-o FILE]\n"
	"\n"
	"Prints, to standard output or with -o to FILE (created with mode 0600):\n"
	"  note ID          a visit note (its note id) with its addenda\n"
	"  visit ID         a visit (its visit id): the note, vital signs and orders\n"
	"  summary PATIENT  a health summary for the patient to keep (MRN or id)\n"
	"  rx ID            a prescription (the medication's id)\n"
	"  invoice ID       an invoice as a superbill (12 or INV-000012): diagnoses,\n"
	"                   procedures, payments and the balance\n"
	"\n"
	"Formats: text (80 columns, for lpr; the default), md (Markdown), html (one\n"
	"self-contained file with a print style sheet) and pdf (typeset by groff,\n"
	"with the letterhead, and the patient and \"page N of M\" on every page).\n"
	"Every printout is recorded in the audit log.";


int emr_cmd_print(emr_cli *cli, int argc, char **argv)
{
	const char *format = NULL, *output = NULL;
	const emr_opt opts[] = {
		{"format", 'f', EMR_OPT_STRING, &format, "FORMAT  text (default), md, html or pdf"},
		{"output", 'o', EMR_OPT_STRING, &output, "FILE  write to FILE (mode 0600) instead of standard output"},
		{0},
	};
	const char *pos[2];
	int npos;
	int prc = emr_opts_parse(cli, "print", usage, opts, argc, argv, pos, 2, &npos);
	if (prc > 0)
		return EMR_EXIT_OK;
	if (prc < 0)
		return EMR_EXIT_USAGE;
	if (npos < 1)
		return emr_cli_usage(cli, "print", "say what to print: note, visit, summary, rx or invoice");
	static const struct { const char *name; emr_print_kind kind; const char *what; } kinds[] = {
		{"note", EMR_PRINT_NOTE, "note"},
		{"visit", EMR_PRINT_VISIT, "visit"},
		{"summary", EMR_PRINT_SUMMARY, "patient"},
		{"rx", EMR_PRINT_RX, "medication"},
		{"invoice", EMR_PRINT_INVOICE, "invoice"},
	};
	int k = -1;
	for (size_t i = 0; i < EMR_ARRAY_LEN(kinds); i++)
		if (strcmp(pos[0], kinds[i].name) == 0)
			k = (int)i;
	if (k < 0)
		return emr_cli_usage(cli, "print", "\"%s\": print note, visit, summary, rx or invoice", pos[0]);
	if (npos < 2)
		return emr_cli_usage(cli, "print", "print %s needs the %s's %s", pos[0], kinds[k].what,
		                     kinds[k].kind == EMR_PRINT_SUMMARY ? "MRN or id" : "id");
	static const struct { const char *name; emr_print_format fmt; } formats[] = {
		{"text", EMR_PRINT_TEXT}, {"txt", EMR_PRINT_TEXT}, {"md", EMR_PRINT_MD},
		{"markdown", EMR_PRINT_MD}, {"html", EMR_PRINT_HTML}, {"pdf", EMR_PRINT_PDF},
	};
	emr_print_format fmt = EMR_PRINT_TEXT;
	if (format) {
		int f = -1;
		for (size_t i = 0; i < EMR_ARRAY_LEN(formats); i++)
			if (strcmp(format, formats[i].name) == 0)
				f = (int)i;
		if (f < 0)
			return emr_cli_usage(cli, "print", "--format \"%s\": must be text, md, html or pdf", format);
		fmt = formats[f].fmt;
	}
	if (output && !*output)
		return emr_cli_usage(cli, "print", "-o needs a file name");
	if (!output && fmt == EMR_PRINT_PDF && isatty(fileno(cli->out))) {
		emr_cli_error(cli, "print: a PDF is not for the terminal: use -o FILE, or pipe it (| lpr)");
		return EMR_EXIT_USAGE;
	}

	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	int64_t id;
	if (kinds[k].kind == EMR_PRINT_SUMMARY) {
		emr_patient p;
		if (emr_patient_resolve(cli->db, pos[1], &p) != 0) {
			emr_cli_error(cli, "print: %s", emr_db_error(cli->db));
			return EMR_EXIT_FAIL;
		}
		id = p.id;
	} else if (kinds[k].kind == EMR_PRINT_INVOICE) {
		/* 12 or its number, INV-000012 */
		if (!emr_cli_parse_id(strncmp(pos[1], "INV-", 4) == 0 ? pos[1] + 4 : pos[1], &id)) {
			emr_cli_error(cli, "print: \"%s\" is not an invoice id or number (12 or INV-000012)", pos[1]);
			return EMR_EXIT_FAIL;
		}
	} else if (!emr_cli_parse_id(pos[1], &id)) {
		emr_cli_error(cli, "print: \"%s\" is not a %s id", pos[1], kinds[k].what);
		return EMR_EXIT_FAIL;
	}

	/* Rendered in memory first: a failed printout leaves no file, and
	 * never truncates one that was there. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		emr_cli_error(cli, "print: %s", strerror(errno));
		return EMR_EXIT_FAIL;
	}
	rc = emr_print(cli->db, kinds[k].kind, id, fmt, mem);
	if (fclose(mem) != 0 && rc == 0) {
		emr_cli_error(cli, "print: %s", strerror(errno));
		rc = -1;
	} else if (rc != 0) {
		emr_cli_error(cli, "print: %s", emr_db_error(cli->db));
	}
	if (rc != 0) {
		free(buf);
		return EMR_EXIT_FAIL;
	}
	if (output) {
		FILE *f = emr_print_open(output);
		if (!f) {
			emr_cli_error(cli, "print: cannot write %s: %s", output, strerror(errno));
			free(buf);
			return EMR_EXIT_FAIL;
		}
		bool ok = fwrite(buf, 1, len, f) == len;
		ok &= fclose(f) == 0;
		if (!ok) {
			emr_cli_error(cli, "print: writing %s: %s", output, strerror(errno));
			free(buf);
			return EMR_EXIT_FAIL;
		}
		/* Standard output stays clean for pipes; where it went goes to
		 * standard error. */
		fprintf(cli->err, "%s: wrote ", cli->prog);
		emr_fput_clean(cli->err, output, false);
		fputc('\n', cli->err);
	} else if (fwrite(buf, 1, len, cli->out) != len) {
		emr_cli_error(cli, "print: writing the printout: %s", strerror(errno));
		free(buf);
		return EMR_EXIT_FAIL;
	}
	free(buf);
	return EMR_EXIT_OK;
}
