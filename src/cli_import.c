/* cli_import: `emr import fhir FILE... [--merge | --merge-into PATIENT]
 * [--json]`.  The work is in src/fhir_import.c; this file parses, prints
 * the counts (text or JSON), the candidates when a Patient may already be
 * here, and shows progress on stderr when that is a terminal. */
#include "emr/cli.h"

#include "emr/fhir_import.h"
#include "emr/output.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define IMPORT_USAGE "import fhir FILE... [--merge | --merge-into PATIENT] [--dry-run] [--json]"
#define IMPORT_HELP                                                                               \
	IMPORT_USAGE "\n"                                                                          \
	"\n"                                                                                       \
	"Imports HL7 FHIR R4 JSON: Bundles (transaction, batch, collection, searchset),\n"          \
	"single resources and Bulk Data NDJSON.  Each file is one transaction: imported\n"         \
	"whole or, if anything in it is malformed, not at all (the file, the entry,\n"             \
	"counted from 0, and the field are named).  Files over 256 MB are refused.\n"              \
	"Every resource is kept as received; charted ones become problems, results,\n"             \
	"medications, visits, notes...  A file imported before adds nothing.  A new\n"             \
	"patient who may be one already here stops the file and lists the candidates\n"            \
	"(exit 1) unless --merge or --merge-into says which chart it is.  A physician's\n"         \
	"command.  Exit status: 0 all imported, 1 some file refused or undecided.\n"                \
	"See emr(1) and emr-fhir(5)."

static void show_progress(void *ctx, const char *file, long done, long total)
{
	FILE *err = ctx;
	fputc('\r', err);
	emr_fput_clean(err, file, false);
	fprintf(err, ": %ld/%ld", done, total);
	if (done == total)
		fputs("\r\033[K", err);
	fflush(err);
}

static const char *outcome_name(emr_fhir_outcome o)
{
	switch (o) {
	case EMR_FHIR_IMPORTED: return "imported";
	case EMR_FHIR_ALREADY: return "already-imported";
	case EMR_FHIR_CANDIDATES: return "candidates";
	case EMR_FHIR_REFUSED: break;
	}
	return "refused";
}

static json_t *result_json(const emr_fhir_result *r)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "file", r->file, "status",
	                      r->dry_run ? "dry-run" : outcome_name(r->outcome), "bytes", (json_int_t)r->bytes, "entries", (json_int_t)r->entries,
	                      "mapped", (json_int_t)r->mapped, "kept", (json_int_t)r->kept, "already",
	                      (json_int_t)r->already, "skipped", (json_int_t)r->skipped);
	json_t *types = json_object();
	for (size_t i = 0; i < r->ncounts; i++)
		json_object_set_new(types, r->counts[i].type,
		                    json_pack("{s:I, s:I, s:I}", "mapped", (json_int_t)r->counts[i].mapped, "kept",
		                              (json_int_t)r->counts[i].kept, "already", (json_int_t)r->counts[i].already));
	json_object_set_new(o, "types", types);
	if (r->patient_id)
		json_object_set_new(o, "patient_id", json_integer(r->patient_id));
	if (r->ncandidates) {
		json_t *c = json_array();
		for (size_t i = 0; i < r->ncandidates; i++)
			json_array_append_new(c, json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->candidates[i].id,
			                                   "mrn", r->candidates[i].mrn, "name", r->candidates[i].name, "dob",
			                                   r->candidates[i].dob, "why", r->candidates[i].why));
		json_object_set_new(o, "candidates", c);
	}
	if (r->nreasons) {
		json_t *k = json_array();
		for (size_t i = 0; i < r->nreasons; i++)
			json_array_append_new(k, json_pack("{s:s, s:s, s:I}", "type", r->reasons[i].type, "reason",
			                                   r->reasons[i].reason, "count", (json_int_t)r->reasons[i].n));
		json_object_set_new(o, "kept_reasons", k);
	}
	if (r->message[0])
		json_object_set_new(o, "error", json_string(r->message));
	return o;
}

static void result_text(emr_cli *cli, const emr_fhir_result *r)
{
	FILE *f = cli->out;
	emr_fput_clean(f, r->file, false);
	if (r->outcome == EMR_FHIR_ALREADY) {
		fprintf(f, ": already imported (%ld entries; nothing added)\n", r->entries);
		return;
	}
	fprintf(f, ": %s %ld entries: %ld mapped, %ld kept only, %ld already imported",
	        r->dry_run ? "would import (dry run, nothing written)" : "imported", r->entries, r->mapped, r->kept, r->already);
	if (r->skipped)
		fprintf(f, ", %ld without a resource", r->skipped);
	fputc('\n', f);
	for (size_t i = 0; i < r->ncounts; i++) {
		const emr_fhir_count *c = &r->counts[i];
		fprintf(f, "  %-24s %6ld mapped %6ld kept only", c->type, c->mapped, c->kept);
		if (c->already)
			fprintf(f, " %6ld already", c->already);
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->nreasons; i++)
		fprintf(f, "  kept only: %ld %s: %s\n", r->reasons[i].n, r->reasons[i].type, r->reasons[i].reason);
}

static void candidates_text(emr_cli *cli, const emr_fhir_result *r)
{
	fprintf(cli->err, "%s: ", cli->prog);
	emr_fput_clean(cli->err, r->message, false);
	fputc('\n', cli->err);
	fprintf(cli->err, "  %-8s %-12s %-10s %-20s %s\n", "ID", "MRN", "DOB", "MATCHED BY", "NAME");
	for (size_t i = 0; i < r->ncandidates; i++) {
		const emr_fhir_candidate *c = &r->candidates[i];
		char *name = emr_sanitize_dup(c->name, false);
		fprintf(cli->err, "  %-8lld %-12s %-10s %-20s %s\n", (long long)c->id, c->mrn, c->dob, c->why, name);
		free(name);
	}
}

static int import_fhir(emr_cli *cli, int argc, char **argv)
{
	bool json = false, merge = false, dry_run = false;
	const char *merge_into = NULL;
	const emr_opt opts[] = {
		{"merge", 0, EMR_OPT_FLAG, &merge, "add a Patient that matches exactly one chart here to that chart"},
		{"merge-into", 0, EMR_OPT_STRING, &merge_into, "PATIENT  add matching Patients (or a file's one new Patient) to this chart (MRN or id)"},
		{"dry-run", 'n', EMR_OPT_FLAG, &dry_run, "check and count everything, write nothing"},
		{"json", 0, EMR_OPT_FLAG, &json, "print the counts as JSON"},
		{0},
	};
	const char *pos[1024];
	int npos;
	EMR_CLI_PARSE(cli, "import", IMPORT_HELP, opts, argc, argv, pos, 1024, &npos);
	if (npos < 1)
		return emr_cli_usage(cli, "import", "needs: fhir FILE... (FHIR R4 Bundles or NDJSON)");
	if (merge && merge_into)
		return emr_cli_usage(cli, "import", "--merge and --merge-into: give one");
	int rc = emr_cli_open_db(cli, true);
	if (rc != 0)
		return rc;
	emr_fhir_opts o = {0};
	o.merge = merge;
	o.dry_run = dry_run;
	if (merge_into) {
		emr_patient p;
		if (emr_patient_resolve(cli->db, merge_into, &p) != 0) {
			emr_cli_error(cli, "import: --merge-into %s: no such patient", merge_into);
			return EMR_EXIT_FAIL;
		}
		o.merge_into = p.id;
	}
	if (isatty(fileno(cli->err))) {
		o.progress = show_progress;
		o.progress_ctx = cli->err;
	}
	emr_fhir_import_order(pos, (size_t)npos);
	json_t *files = json_array();
	int status = EMR_EXIT_OK;
	long mapped = 0, kept = 0, already = 0, bytes = 0, entries = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < npos; i++) {
		emr_fhir_result r;
		int irc = emr_fhir_import_file(cli->db, pos[i], &o, &r);
		if (irc != 0)
			status = EMR_EXIT_FAIL;
		if (irc < 0 && !json) {
			/* The message quotes the file: its text may hold escapes. */
			fprintf(cli->err, "%s: import: ", cli->prog);
			emr_fput_clean(cli->err, r.message, false);
			fputc('\n', cli->err);
		}
		else if (irc > 0 && !json)
			candidates_text(cli, &r);
		else if (irc == 0 && !json)
			result_text(cli, &r);
		if (json)
			json_array_append_new(files, result_json(&r));
		mapped += r.mapped;
		kept += r.kept;
		already += r.already;
		bytes += r.bytes;
		entries += r.entries;
		emr_fhir_result_free(&r);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (json) {
		json_t *out = json_pack("{s:o, s:{s:I, s:I, s:I, s:I, s:I, s:f}}", "files", files, "totals", "entries",
		                        (json_int_t)entries, "mapped", (json_int_t)mapped, "kept", (json_int_t)kept,
		                        "already", (json_int_t)already, "bytes", (json_int_t)bytes, "seconds", secs);
		emr_json_print(out, cli->out);
		json_decref(out);
	} else {
		json_decref(files);
		if (npos > 1)
			fprintf(cli->out, "total: %ld entries in %d files: %ld mapped, %ld kept only, %ld already imported"
			        " (%.2f s)\n", entries, npos, mapped, kept, already, secs);
	}
	return status;
}

int emr_cmd_import(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {
		{"fhir", import_fhir},
	};
	return emr_cli_dispatch(cli, "import", IMPORT_USAGE, subs, EMR_ARRAY_LEN(subs), argc, argv);
}
