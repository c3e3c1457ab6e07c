/* cli_export: `emr export fhir PATIENT [-o FILE]` and
 * `emr export fhir --all --ndjson DIR [--force]`. */
#include "emr/cli.h"

#include "emr/fhir_export.h"
#include "emr/patient.h"
#include "emr/print.h"
#include "emr/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"export fhir PATIENT [-o FILE]\n"
	"       emr export fhir --all --ndjson DIR [--force]\n"
	"\n"
	"Exports records as HL7 FHIR R4 (4.0.1) JSON:\n"
	"  fhir PATIENT       one chart (MRN or id) as a Bundle of type collection, to\n"
	"                     standard output or with -o to FILE (created with mode 0600)\n"
	"  fhir --all --ndjson DIR\n"
	"                     every patient as FHIR Bulk Data NDJSON: one file per\n"
	"                     resource type (Patient.ndjson, Observation.ndjson, ...),\n"
	"                     one resource per line, in DIR (made with mode 0700; files\n"
	"                     0600).  Existing files are refused unless --force.\n"
	"\n"
	"Needs a physician or a nurse; charges and invoices are included for users who\n"
	"may also bill.  Every export is recorded in the audit log.  The mapping, and\n"
	"where US Core 6.1.0 is not met, are in emr-fhir(5).";

static void progress(void *arg, long done, long total)
{
	FILE *f = arg;
	fprintf(f, "\rexported %ld of %ld patients", done, total);
	fflush(f);
}

static int export_all(emr_cli *cli, const char *dir, bool force)
{
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	bool tty = isatty(fileno(cli->err));
	emr_fhir_bulk_opts opts = {.force = force, .progress = tty ? progress : NULL, .progress_arg = cli->err};
	emr_fhir_bulk_result res;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = emr_fhir_export_all_ndjson(cli->db, dir, &opts, &res);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (tty)
		fputc('\n', cli->err);
	if (rc != 0) {
		emr_cli_error(cli, "export: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(cli->out, "exported %ld patients in %.1f s to ", res.patients, secs);
	emr_fput_clean(cli->out, dir, false);
	fputc('\n', cli->out);
	for (int t = 0; t < EMR_FHIR_NTYPES; t++)
		if (res.counts[t])
			fprintf(cli->out, "  %-24s %ld\n", emr_fhir_types[t], res.counts[t]);
	return EMR_EXIT_OK;
}

static int export_patient(emr_cli *cli, const char *ref, const char *output)
{
	emr_patient p;
	int rc = emr_cli_open_patient(cli, ref, &p);
	if (rc)
		return rc;
	/* Built in memory first: a failed export leaves no file, and never
	 * truncates one that was there. */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem) {
		emr_cli_error(cli, "export: %s", strerror(errno));
		return EMR_EXIT_FAIL;
	}
	rc = emr_fhir_export_patient(cli->db, p.id, mem);
	if (fclose(mem) != 0 && rc == 0) {
		emr_cli_error(cli, "export: %s", strerror(errno));
		free(buf);
		return EMR_EXIT_FAIL;
	}
	if (rc != 0) {
		emr_cli_error(cli, "export: %s", emr_db_error(cli->db));
		free(buf);
		return EMR_EXIT_FAIL;
	}
	if (output) {
		FILE *f = emr_print_open(output);
		if (!f) {
			emr_cli_error(cli, "export: cannot write %s: %s", output, strerror(errno));
			free(buf);
			return EMR_EXIT_FAIL;
		}
		bool ok = fwrite(buf, 1, len, f) == len;
		ok &= fclose(f) == 0;
		if (!ok) {
			emr_cli_error(cli, "export: writing %s: %s", output, strerror(errno));
			free(buf);
			return EMR_EXIT_FAIL;
		}
		fprintf(cli->err, "%s: wrote ", cli->prog);
		emr_fput_clean(cli->err, output, false);
		fputc('\n', cli->err);
	} else if (fwrite(buf, 1, len, cli->out) != len) {
		emr_cli_error(cli, "export: writing the export: %s", strerror(errno));
		free(buf);
		return EMR_EXIT_FAIL;
	}
	free(buf);
	return EMR_EXIT_OK;
}

int emr_cmd_export(emr_cli *cli, int argc, char **argv)
{
	const char *output = NULL, *ndjson = NULL;
	bool all = false, force = false;
	const emr_opt opts[] = {
		{"output", 'o', EMR_OPT_STRING, &output, "FILE  write the Bundle to FILE (mode 0600) instead of standard output"},
		{"all", 0, EMR_OPT_FLAG, &all, "every patient (with --ndjson)"},
		{"ndjson", 0, EMR_OPT_STRING, &ndjson, "DIR  write FHIR Bulk Data NDJSON files into DIR"},
		{"force", 0, EMR_OPT_FLAG, &force, "overwrite existing NDJSON files in DIR"},
		{0},
	};
	const char *pos[2];
	int npos;
	EMR_CLI_PARSE(cli, "export", usage, opts, argc, argv, pos, 2, &npos);
	if (npos < 1)
		return emr_cli_usage(cli, "export", "say what to export: fhir");
	if (strcmp(pos[0], "fhir") != 0)
		return emr_cli_usage(cli, "export", "\"%s\": the only export format is fhir", pos[0]);
	if (all || ndjson) {
		if (!all || !ndjson || !*ndjson)
			return emr_cli_usage(cli, "export", "a bulk export is: export fhir --all --ndjson DIR");
		if (npos > 1)
			return emr_cli_usage(cli, "export", "--all exports every patient: name none");
		if (output)
			return emr_cli_usage(cli, "export", "-o is for one patient's Bundle; --ndjson names the directory");
		return export_all(cli, ndjson, force);
	}
	if (force)
		return emr_cli_usage(cli, "export", "--force is for --ndjson");
	if (npos < 2)
		return emr_cli_usage(cli, "export", "export fhir needs the patient's MRN or id (or --all --ndjson DIR)");
	if (output && !*output)
		return emr_cli_usage(cli, "export", "-o needs a file name");
	return export_patient(cli, pos[1], output);
}
