/* cli_note: `emr visit|note|template|phrase|search`: visits and their
 * notes from the command line.
 *
 * Text that becomes a note passes through emr_note_expand (dot-phrases)
 * before it is saved.  Editing never loses a word: whatever the editor
 * leaves is saved as the draft, whatever its exit status, and when the
 * save itself is refused (not UTF-8, changed meanwhile) the draft file is
 * kept and named, for `emr note edit ID --recover`. */
#include "emr/cli.h"
#include "emr/auth.h"
#include "emr/cli_pass.h"

#include "emr/editor.h"
#include "emr/note.h"
#include "emr/output.h"
#include "emr/patient.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TEXT_MAX ((size_t)64 << 20)
#define SEARCH_WORDS_MAX_CLI 16

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static void local_date(const char *instant, char out[EMR_DATE_LEN])
{
	time_t t;
	struct tm tm;
	out[0] = '\0';
	if (emr_instant_parse(instant, &t) && localtime_r(&t, &tm))
		strftime(out, EMR_DATE_LEN, "%Y-%m-%d", &tm);
}

static bool interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* Asks a yes/no question on the terminal; def is the answer to Enter. */
static bool ask(emr_cli *cli, const char *question, bool def)
{
	fprintf(cli->err, "%s %s ", question, def ? "[Y/n]" : "[y/N]");
	fflush(cli->err);
	char answer[32];
	if (!fgets(answer, sizeof answer, stdin))
		return false;
	if (answer[0] == '\n')
		return def;
	return answer[0] == 'y' || answer[0] == 'Y';
}

/* The text of --text, --file (or "-" for standard input), or standard
 * input when neither is given and it is not a terminal.  Checked to be
 * UTF-8 here, so the error names where the text came from. */
static int read_text(emr_cli *cli, const char *cmd, const char *text, const char *file, bool stdin_ok, char **out)
{
	*out = NULL;
	if (text && file)
		return emr_cli_usage(cli, cmd, "give --text or --file, not both");
	size_t len = 0;
	const char *from;
	if (text) {
		*out = emr_xstrdup(text);
		len = strlen(text);
		from = "--text";
	} else if (file && strcmp(file, "-") != 0) {
		*out = emr_read_file(file, TEXT_MAX, &len);
		if (!*out) {
			emr_cli_error(cli, "%s: --file %s: %s", cmd, file,
			              errno == EFBIG ? "larger than 64 MB" : strerror(errno));
			return EMR_EXIT_FAIL;
		}
		from = file;
	} else if (file || (stdin_ok && !isatty(STDIN_FILENO))) {
		*out = emr_read_file("/dev/stdin", TEXT_MAX, &len);
		if (!*out) {
			emr_cli_error(cli, "%s: reading standard input: %s", cmd,
			              errno == EFBIG ? "larger than 64 MB" : strerror(errno));
			return EMR_EXIT_FAIL;
		}
		from = "standard input";
	} else {
		return emr_cli_usage(cli, cmd, "give the text with --text or --file%s", stdin_ok ? " (or on standard input)" : "");
	}
	if (!emr_utf8_valid(*out, len)) {
		emr_cli_error(cli, "%s: %s: not valid UTF-8 text%s; nothing was saved", cmd, from,
		              strlen(*out) != len ? " (it contains NUL bytes)" : "");
		free(*out);
		*out = NULL;
		return EMR_EXIT_FAIL;
	}
	return 0;
}

static void user_name(emr_db *db, int64_t id, char *buf, size_t n)
{
	emr_user u;
	buf[0] = '\0';
	if (!id || emr_user_get(db, id, &u) != 0)
		return;
	if (*u.credentials)
		snprintf(buf, n, "%s, %s", u.display_name, u.credentials);
	else
		snprintf(buf, n, "%s", u.display_name);
}

/* ========================================================== editing, safely */

/* A leftover draft file of key (from an editing session that never
 * finished): recovered into *start, or discarded, or the command stops.
 * Returns 0 to go on, else the exit status. */
static int handle_leftover(emr_cli *cli, const char *cmd, const char *key, const char *current, bool recover,
                           bool discard, const char *what, const char *retry, char **start)
{
	*start = NULL;
	char *left = emr_editor_recovery_key(key);
	char dir[512] = "", path[700];
	emr_editor_drafts_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/%s.md", dir, key);
	if (!left || strcmp(left, current) == 0) {
		/* Nothing unsaved (or exactly what is saved). */
		if (left)
			emr_editor_done_key(key);
		free(left);
		if (recover) {
			emr_cli_error(cli, "%s: %s has no unsaved text to recover", cmd, what);
			return EMR_EXIT_FAIL;
		}
		return 0;
	}
	if (recover) {
		*start = left;
		return 0;
	}
	if (discard) {
		emr_editor_done_key(key);
		free(left);
		fprintf(cli->err, "%s: discarded the unsaved text of %s\n", cli->prog, what);
		return 0;
	}
	if (interactive()) {
		fprintf(cli->err, "%s has unsaved text from an editing session that did not finish (%s).\n", what, path);
		if (ask(cli, "Recover it? (no discards it)", true)) {
			*start = left;
			return 0;
		}
		emr_editor_done_key(key);
		free(left);
		return 0;
	}
	free(left);
	emr_cli_error(cli, "%s: %s has unsaved text from an editing session that did not finish (%s):"
	              " take it with %s --recover, or drop it with --discard", cmd, what, path, retry);
	return EMR_EXIT_FAIL;
}

/* Edits note id: in the editor, or with the given text.  The one place
 * where a note's text is changed from the command line. */
static int edit_note(emr_cli *cli, int64_t id, const char *given, bool recover, bool discard, bool force)
{
	emr_note n;
	if (emr_note_get(cli->db, id, &n) != 0)
		return emr_cli_fail(cli);
	if (strcmp(n.status, "draft") != 0) {
		if (strcmp(n.status, "signed") == 0)
			emr_cli_error(cli, "note: note %lld is signed and cannot be changed; add an addendum instead:"
			              " emr note addendum %lld", (long long)id, (long long)id);
		else
			emr_cli_error(cli, "note: note %lld is %s and cannot be changed", (long long)id, n.status);
		emr_note_clear(&n);
		return EMR_EXIT_FAIL;
	}
	char key[32], what[48], retry[64];
	snprintf(key, sizeof key, "note-%lld", (long long)id);
	snprintf(what, sizeof what, "note %lld", (long long)id);
	snprintf(retry, sizeof retry, "emr note edit %lld", (long long)id);
	char *start = NULL;
	if (given && recover) {
		emr_note_clear(&n);
		return emr_cli_usage(cli, "note", "--recover takes the unsaved text; it cannot be combined with --text or --file");
	}
	int rc = handle_leftover(cli, "note", key, n.body, recover, discard, what, retry, &start);
	if (rc) {
		emr_note_clear(&n);
		return rc;
	}
	emr_edit_result res = {0};
	bool used_editor = false;
	char status_msg[128] = "";
	const char *text;
	if (given) {
		text = given;
	} else {
		char err[600];
		if (emr_editor_run(id, start ? start : n.body, &res, err, sizeof err) != 0) {
			emr_cli_error(cli, "note: %s%s", err, start ? "; the unsaved text stays for --recover" : "");
			free(start);
			emr_note_clear(&n);
			return EMR_EXIT_FAIL;
		}
		used_editor = true;
		emr_editor_describe(&res, status_msg, sizeof status_msg);
		if (!res.text) {
			emr_cli_error(cli, "note: %s%sthe draft file %s is gone or unreadable; note %lld is unchanged",
			              status_msg, *status_msg ? "; " : "", res.path, (long long)id);
			free(start);
			emr_note_clear(&n);
			return EMR_EXIT_FAIL;
		}
		text = res.text;
	}
	free(start);
	int result = EMR_EXIT_FAIL;
	bool keep_file = used_editor; /* until the text is safely stored */
	char *expanded = NULL;
	if (!emr_utf8_valid(text, strlen(text))) {
		emr_cli_error(cli, "note: note %lld: the text is not valid UTF-8; nothing was saved%s%s%s", (long long)id,
		              used_editor ? " (your text is kept in " : "", used_editor ? res.path : "",
		              used_editor ? "; fix its encoding, then: emr note edit ID --recover)" : "");
		goto out;
	}
	expanded = emr_note_expand(cli->db, n.patient_id, text);
	if (!expanded) {
		emr_cli_error(cli, "note: %s%s%s", emr_db_error(cli->db), used_editor ? "; your text is kept in " : "",
		              used_editor ? res.path : "");
		goto out;
	}
	if (blank(expanded) && !blank(n.body) && !force) {
		bool yes = false;
		if (interactive())
			yes = ask(cli, "The note is now empty.  Save it empty, discarding the draft's text?", false);
		if (!yes) {
			emr_cli_error(cli, "note: note %lld: the new text is empty; the draft was kept unchanged"
			              " (--force saves it empty)", (long long)id);
			keep_file = false; /* it holds nothing */
			goto out;
		}
	}
	if (strcmp(expanded, n.body) == 0) {
		keep_file = false;
		fprintf(cli->out, "note %lld unchanged\n", (long long)id);
		if (*status_msg)
			emr_cli_error(cli, "%s; the draft is unchanged", status_msg);
		result = EMR_EXIT_OK;
		goto out;
	}
	if (emr_note_save(cli->db, id, n.version, expanded) != 0) {
		emr_cli_error(cli, "note: %s%s%s%s", emr_db_error(cli->db),
		              used_editor ? "; your text is kept in " : "", used_editor ? res.path : "",
		              used_editor ? " (emr note edit ID --recover)" : "");
		goto out;
	}
	keep_file = false;
	fprintf(cli->out, "saved note %lld (version %lld)\n", (long long)id, (long long)n.version + 1);
	if (*status_msg)
		emr_cli_error(cli, "%s; your text was kept as the draft", status_msg);
	result = EMR_EXIT_OK;
out:
	if (used_editor && !keep_file)
		emr_editor_done(id);
	free(expanded);
	free(res.text);
	emr_note_clear(&n);
	return result;
}

/* ================================================================== visit */

static const emr_column visit_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"date", "DATE", EMR_COL_TEXT, false},
	{"start_at", "START", EMR_COL_TEXT, true},
	{"type", "TYPE", EMR_COL_TEXT, false},
	{"reason", "REASON", EMR_COL_TEXT, false},
	{"note_id", "NOTE", EMR_COL_INT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"signer", "SIGNER", EMR_COL_TEXT, false},
	{"provider", "PROVIDER", EMR_COL_TEXT, false},   /* ours, or "Dr Roe (outside)" for an imported visit */
	{"visit_status", "VISIT", EMR_COL_TEXT, true},
};

static int visit_add(emr_cli *cli, int argc, char **argv)
{
	const char *type = NULL, *reason = NULL, *tmpl = NULL, *followup = NULL;
	bool edit = false;
	const emr_opt opts[] = {
		{"type", 't', EMR_OPT_STRING, &type, "TYPE  office (default), telehealth, phone, home, hospital or other"},
		{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  reason for the visit (chief complaint)"},
		{"followup", 0, EMR_OPT_STRING, &followup, "WHEN  see again in 90d, 6w, 3m or 1y (puts the patient on the recall list)"},
		{"template", 0, EMR_OPT_STRING, &tmpl, "NAME  note template (default: the practice's default, SOAP)"},
		{"edit", 'e', EMR_OPT_FLAG, &edit, "open the new note in $VISUAL/$EDITOR"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "visit", "visit add PATIENT [--type TYPE] [--reason TEXT] [--followup WHEN] [--template NAME] [--edit]",
	              opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "visit", "add needs a PATIENT (MRN or id)");
	int fu_days = 0;
	if (followup && !emr_followup_parse(followup, &fu_days))
		return emr_cli_usage(cli, "visit", "--followup \"%s\": expected days, weeks, months or a year, such as 90d, 6w, 3m or 1y (at most 730 days)", followup);
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_encounter e = {0};
	e.patient_id = p.id;
	e.followup_days = fu_days;
	if (type && !emr_strlcpy(e.type, type, sizeof e.type)) {
		emr_cli_error(cli, "type \"%s\": must be office, telehealth, phone, home, hospital or other", type);
		return EMR_EXIT_FAIL;
	}
	if (reason && !emr_strlcpy(e.reason, reason, sizeof e.reason)) {
		emr_cli_error(cli, "--reason: too long (at most %zu bytes)", sizeof e.reason - 1);
		return EMR_EXIT_FAIL;
	}
	emr_template t;
	if (emr_template_get(cli->db, tmpl, &t) != 0)
		return emr_cli_fail(cli);
	char tname[65];
	emr_strlcpy(tname, t.name, sizeof tname);
	emr_template_clear(&t);
	/* The visit and its draft note: one transaction. */
	if (emr_tx_begin(cli->db) != 0)
		return emr_cli_fail(cli);
	int64_t note_id = 0;
	char *prefill = NULL, *body = NULL;
	if (emr_encounter_add(cli->db, &e) != 0 || !(prefill = emr_note_prefill(cli->db, p.id, e.id, tname)) ||
	    !(body = emr_note_expand(cli->db, p.id, prefill)) || emr_note_add(cli->db, e.id, tname, body, &note_id) != 0 ||
	    emr_tx_commit(cli->db) != 0) {
		emr_tx_rollback(cli->db);
		free(prefill);
		free(body);
		return emr_cli_fail(cli);
	}
	free(prefill);
	free(body);
	fprintf(cli->out, "visit %lld started for %s (%s); draft note %lld\n", (long long)e.id, p.mrn, e.type,
	        (long long)note_id);
	if (edit)
		return edit_note(cli, note_id, NULL, false, false, false);
	return EMR_EXIT_OK;
}

static int visit_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	long limit = 0;
	const emr_opt opts[] = {
		{"limit", 'n', EMR_OPT_INT, &limit, "N  the newest N visits only"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "visit", "visit list PATIENT [--limit N] [--json|--csv]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "visit", "list needs a PATIENT (MRN or id)");
	emr_format fmt;
	if (emr_cli_format(cli, "visit", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	if (limit < 0 || limit > 1000000)
		return emr_cli_usage(cli, "visit", "--limit %ld: must be 0 to 1000000", limit);
	emr_patient p;
	int rc = emr_cli_open_patient(cli, pos[0], &p);
	if (rc)
		return rc;
	emr_encounters list = {0};
	if (emr_encounter_list(cli->db, p.id, (int)limit, &list) != 0) {
		emr_encounters_free(&list);
		return emr_cli_fail(cli);
	}
	emr_table *t = emr_table_new(visit_cols, EMR_ARRAY_LEN(visit_cols));
	for (size_t i = 0; i < list.n; i++) {
		const emr_encounter *e = &list.items[i];
		char id[24], note[24] = "", date[EMR_DATE_LEN];
		snprintf(id, sizeof id, "%lld", (long long)e->id);
		if (e->note_id)
			snprintf(note, sizeof note, "%lld", (long long)e->note_id);
		local_date(e->start_at, date);
		char signer[256], provider[256];
		emr_encounter_signer_text(e, signer, sizeof signer);
		emr_encounter_provider_text(e, provider, sizeof provider);
		const char *cells[] = {id, date, e->start_at, e->type, e->reason, note,
		                       *e->note_status ? e->note_status : "no note", signer, provider, e->status};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_encounters_free(&list);
	return EMR_EXIT_OK;
}

/* `emr visit followup VISIT WHEN`: "see me again in 3 months", usually
 * decided at the end of the visit; `none` clears it. */
static int visit_followup(emr_cli *cli, int argc, char **argv)
{
	const emr_opt opts[] = {{0}};
	const char *pos[2];
	int npos;
	EMR_CLI_PARSE(cli, "visit", "visit followup VISIT WHEN  (90d, 6w, 3m, 1y or none)", opts, argc, argv, pos, 2,
	              &npos);
	int64_t id;
	int days;
	if (npos != 2 || !emr_cli_parse_id(pos[0], &id))
		return emr_cli_usage(cli, "visit", "followup needs a VISIT (a number) and WHEN (90d, 6w, 3m, 1y or none)");
	if (!emr_followup_parse(pos[1], &days))
		return emr_cli_usage(cli, "visit", "followup \"%s\": expected days, weeks, months or a year, such as 90d, 6w, 3m or 1y (at most 730 days), or none", pos[1]);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	if (emr_encounter_set_followup(cli->db, id, days) != 0)
		return emr_cli_fail(cli);
	if (days)
		fprintf(cli->out, "visit %lld: follow-up in %d days\n", (long long)id, days);
	else
		fprintf(cli->out, "visit %lld: no follow-up\n", (long long)id);
	return EMR_EXIT_OK;
}

int emr_cmd_visit(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", visit_add}, {"list", visit_list}, {"followup", visit_followup}};
	return emr_cli_dispatch(cli, "visit", "visit add|list|followup ... (see emr visit SUB --help)", subs,
	                        EMR_ARRAY_LEN(subs), argc, argv);
}

/* =================================================================== note */

/* Opens the database and reads the note named by the first argument. */
static int open_note(emr_cli *cli, const char *ref, emr_note *n)
{
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	int64_t id;
	if (!emr_cli_parse_id(ref, &id)) {
		emr_cli_error(cli, "note: id \"%s\": not a note id", ref);
		return EMR_EXIT_FAIL;
	}
	if (emr_note_get(cli->db, id, n) != 0)
		return emr_cli_fail(cli);
	return 0;
}

static void print_body(FILE *f, const char *body)
{
	/* "As stored" for a file or a pipe; a terminal gets no control
	 * characters (a note is text from people and other systems). */
	if (isatty(fileno(f)))
		emr_fput_clean(f, body, true);
	else
		fputs(body, f);
	size_t n = strlen(body);
	if (n == 0 || body[n - 1] != '\n')
		fputc('\n', f);
}

static int note_show(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "note", "note show ID [--json]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "note", "show needs a note ID");
	emr_note n;
	int rc = open_note(cli, pos[0], &n);
	if (rc)
		return rc;
	emr_encounter e;
	emr_patient p;
	emr_addenda add = {0};
	if (emr_encounter_get(cli->db, n.encounter_id, &e) != 0 || emr_patient_get(cli->db, n.patient_id, &p) != 0 ||
	    emr_addendum_list(cli->db, n.id, &add) != 0 || emr_patient_touch(cli->db, n.patient_id) != 0) {
		emr_note_clear(&n);
		emr_addenda_free(&add);
		return emr_cli_fail(cli);
	}
	char author[256], signer[256], patient[360], who[300], date[EMR_DATE_LEN];
	char local[256], importer[256] = "", provider[256];
	user_name(cli->db, n.author_id, local, sizeof local);
	emr_note_author_text(&n, local, author, sizeof author);
	user_name(cli->db, n.signed_by, local, sizeof local);
	emr_note_signer_text(&n, local, signer, sizeof signer);
	if (n.imported)
		user_name(cli->db, n.imported_by, importer, sizeof importer);
	emr_encounter_provider_text(&e, provider, sizeof provider);
	emr_patient_display_name(&p, who, sizeof who);
	snprintf(patient, sizeof patient, "%s (%s)", who, p.mrn);
	local_date(e.start_at, date);
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_integer(n.id));
		json_object_set_new(o, "patient_id", json_integer(n.patient_id));
		json_object_set_new(o, "patient", json_string(patient));
		json_object_set_new(o, "encounter_id", json_integer(n.encounter_id));
		json_object_set_new(o, "visit_date", json_string(date));
		json_object_set_new(o, "visit_type", json_string(e.type));
		json_object_set_new(o, "reason", json_string(e.reason));
		json_object_set_new(o, "template", json_string(n.template_name));
		json_object_set_new(o, "status", json_string(n.status));
		json_object_set_new(o, "author", json_string(author));
		json_object_set_new(o, "signed_by", *signer ? json_string(signer) : json_null());
		json_object_set_new(o, "signed_at", *n.signed_at ? json_string(n.signed_at) : json_null());
		/* Imported: who wrote it as the source named them, and who
		 * brought it in (never its author or signer). */
		json_object_set_new(o, "imported", json_boolean(n.imported));
		json_object_set_new(o, "source_author", n.imported && *n.source_author ? json_string(n.source_author) : json_null());
		json_object_set_new(o, "imported_by", n.imported && *importer ? json_string(importer) : json_null());
		json_object_set_new(o, "imported_at", n.imported && *n.imported_at ? json_string(n.imported_at) : json_null());
		json_object_set_new(o, "visit_provider", json_string(provider));
		json_object_set_new(o, "created_at", json_string(n.created_at));
		json_object_set_new(o, "updated_at", json_string(n.updated_at));
		json_object_set_new(o, "version", json_integer(n.version));
		json_t *body = json_string(n.body);
		json_object_set_new(o, "body", body ? body : json_string("(not valid UTF-8)"));
		json_t *arr = json_array();
		for (size_t i = 0; i < add.n; i++) {
			json_t *a = json_object();
			json_object_set_new(a, "id", json_integer(add.items[i].id));
			char aauthor[300];
			emr_addendum_author_text(&add.items[i], aauthor, sizeof aauthor);
			json_object_set_new(a, "author", json_string(aauthor));
			json_object_set_new(a, "imported", json_boolean(add.items[i].imported));
			json_object_set_new(a, "source_author", add.items[i].imported && *add.items[i].source_author ?
			                    json_string(add.items[i].source_author) : json_null());
			json_object_set_new(a, "created_at", json_string(add.items[i].created_at));
			json_t *ab = json_string(add.items[i].body);
			json_object_set_new(a, "body", ab ? ab : json_string("(not valid UTF-8)"));
			json_array_append_new(arr, a);
		}
		json_object_set_new(o, "addenda", arr);
		emr_json_print(o, cli->out);
		json_decref(o);
	} else {
		FILE *f = cli->out;
		fprintf(f, "note     %lld (%s)\n", (long long)n.id, n.status);
		fputs("patient  ", f);
		emr_fput_clean(f, patient, false);
		fprintf(f, "\nvisit    %lld, %s, %s", (long long)e.id, e.type, date);
		if (*e.reason) {
			fputs(": ", f);
			emr_fput_clean(f, e.reason, false);
		}
		if (*e.source_provider && !e.provider_id) {
			fputs("\nprovider ", f);
			emr_fput_clean(f, provider, false);
		}
		fputs("\nauthor   ", f);
		emr_fput_clean(f, author, false);
		fprintf(f, ", %s\n", n.created_at);
		if (*signer) {
			fputs("signed   ", f);
			emr_fput_clean(f, signer, false);
			fprintf(f, ", %s\n", n.signed_at);
		}
		if (n.imported) {
			fputs("imported by ", f);
			emr_fput_clean(f, *importer ? importer : "an unknown user", false);
			fprintf(f, "%s%s (not its author or signer)\n", *n.imported_at ? ", " : "", n.imported_at);
		}
		fputc('\n', f);
		print_body(f, n.body);
		for (size_t i = 0; i < add.n; i++) {
			char aauthor[300];
			fprintf(f, "\n--- addendum %lld by ", (long long)add.items[i].id);
			emr_fput_clean(f, emr_addendum_author_text(&add.items[i], aauthor, sizeof aauthor), false);
			fprintf(f, ", %s\n\n", add.items[i].created_at);
			print_body(f, add.items[i].body);
		}
	}
	emr_note_clear(&n);
	emr_addenda_free(&add);
	return EMR_EXIT_OK;
}

static int note_edit(emr_cli *cli, int argc, char **argv)
{
	bool recover = false, discard = false, force = false;
	const char *text = NULL, *file = NULL;
	const emr_opt opts[] = {
		{"recover", 0, EMR_OPT_FLAG, &recover, "start from the text an unfinished editing session left"},
		{"discard", 0, EMR_OPT_FLAG, &discard, "drop the text an unfinished editing session left"},
		{"text", 0, EMR_OPT_STRING, &text, "TEXT  the new text (no editor)"},
		{"file", 'f', EMR_OPT_STRING, &file, "FILE  the new text from FILE, or - for standard input (no editor)"},
		{"force", 0, EMR_OPT_FLAG, &force, "save even an empty text over a draft that has text"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "note", "note edit ID [--recover|--discard] [--text TEXT | --file FILE] [--force]\n\n"
	      "Opens the draft in $VISUAL or $EDITOR (else vi).  Dot-phrases are expanded when it is saved.",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "note", "edit needs a note ID");
	if (recover && discard)
		return emr_cli_usage(cli, "note", "choose one of --recover and --discard");
	emr_note n;
	int rc = open_note(cli, pos[0], &n);
	if (rc)
		return rc;
	int64_t id = n.id;
	emr_note_clear(&n);
	char *given = NULL;
	if (text || file) {
		rc = read_text(cli, "note", text, file, false, &given);
		if (rc)
			return rc;
	}
	rc = edit_note(cli, id, given, recover, discard, force);
	free(given);
	return rc;
}

static int note_sign(emr_cli *cli, int argc, char **argv)
{
	bool force = false;
	long pass_fd = -1;
	const emr_opt opts[] = {
		{"force", 0, EMR_OPT_FLAG, &force, "sign even though an unfinished editing session left unsaved text"},
		{"passphrase-fd", 0, EMR_OPT_INT, &pass_fd, "N  read your passphrase from file descriptor N (first line)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "note", "note sign ID\n\nSigns a draft as you.  A signed note never changes again; corrections"
	      " are addenda.\n\nAsks for your passphrase (set it with emr user passwd): on the terminal with echo"
	      " off, or from --passphrase-fd N for scripts.  $EMR_PASSPHRASE, when set, is used instead of asking;"
	      " it is meant for tests: environment variables are visible to other processes of the same user.",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "note", "sign needs a note ID");
	emr_note n;
	int rc = open_note(cli, pos[0], &n);
	if (rc)
		return rc;
	char *left = emr_editor_recovery(n.id);
	if (left && strcmp(left, n.body) != 0 && !force && strcmp(n.status, "draft") == 0) {
		emr_cli_error(cli, "note: note %lld has unsaved text from an editing session that did not finish:"
		              " recover it first (emr note edit %lld --recover), or sign without it (--force)",
		              (long long)n.id, (long long)n.id);
		free(left);
		emr_note_clear(&n);
		return EMR_EXIT_FAIL;
	}
	free(left);
	int64_t id = n.id;
	emr_note_clear(&n);
	if (!emr_passphrase_is_set(cli->db, cli->user.id)) {
		emr_cli_error(cli, "note: signing needs your passphrase, and you have none: set one with emr user passwd");
		return EMR_EXIT_FAIL;
	}
	char pass[EMR_PASSPHRASE_MAX + 2];
	rc = emr_cli_read_passphrase(cli, "note", pass_fd, "passphrase to sign: ", false, pass, sizeof pass);
	if (rc)
		return rc;
	int ok = emr_passphrase_check_for(cli->db, cli->user.id, pass, EMR_AUTH_SIGN);
	sodium_memzero(pass, sizeof pass);
	if (ok != 0) {
		emr_cli_error(cli, "note: %s; note %lld is not signed", emr_db_error(cli->db), (long long)id);
		return EMR_EXIT_FAIL;
	}
	if (emr_note_sign(cli->db, id) != 0)
		return emr_cli_fail(cli);
	if (emr_note_get(cli->db, id, &n) != 0)
		return emr_cli_fail(cli);
	char signer[256];
	user_name(cli->db, n.signed_by, signer, sizeof signer);
	fprintf(cli->out, "signed note %lld (", (long long)id);
	emr_fput_clean(cli->out, signer, false);
	fprintf(cli->out, ", %s)\n", n.signed_at);
	emr_note_clear(&n);
	return EMR_EXIT_OK;
}

static int note_addendum(emr_cli *cli, int argc, char **argv)
{
	const char *text = NULL, *file = NULL;
	const emr_opt opts[] = {
		{"text", 0, EMR_OPT_STRING, &text, "TEXT  the addendum"},
		{"file", 'f', EMR_OPT_STRING, &file, "FILE  the addendum from FILE (- for standard input)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "note", "note addendum ID (--text TEXT | --file FILE | < FILE)\n\n"
	      "Adds an addendum, under your name and the time, to a signed note.", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "note", "addendum needs a note ID");
	emr_note n;
	int rc = open_note(cli, pos[0], &n);
	if (rc)
		return rc;
	char *body = NULL;
	rc = read_text(cli, "note", text, file, true, &body);
	if (rc) {
		emr_note_clear(&n);
		return rc;
	}
	char *expanded = emr_note_expand(cli->db, n.patient_id, body);
	free(body);
	int64_t aid = 0;
	if (!expanded || emr_addendum_add(cli->db, n.id, expanded, &aid) != 0) {
		free(expanded);
		emr_note_clear(&n);
		return emr_cli_fail(cli);
	}
	fprintf(cli->out, "addendum %lld added to note %lld\n", (long long)aid, (long long)n.id);
	free(expanded);
	emr_note_clear(&n);
	return EMR_EXIT_OK;
}

int emr_cmd_note(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {
		{"show", note_show}, {"edit", note_edit}, {"sign", note_sign}, {"addendum", note_addendum},
	};
	return emr_cli_dispatch(cli, "note", "note show|edit|sign|addendum ID ... (see emr note SUB --help)", subs,
	                EMR_ARRAY_LEN(subs), argc, argv);
}

/* =============================================================== template */

static const emr_column template_cols[] = {
	{"name", "NAME", EMR_COL_TEXT, false},
	{"default", "DEFAULT", EMR_COL_BOOL, false},
	{"lines", "LINES", EMR_COL_INT, false},
	{"updated_at", "UPDATED", EMR_COL_TEXT, false},
	{"body", "BODY", EMR_COL_TEXT, true},
};

static int template_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output (with each template's text)"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "template", "template list [--json|--csv]", opts, argc, argv, pos, 0, &npos);
	emr_format fmt;
	if (emr_cli_format(cli, "template", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_templates list = {0};
	if (emr_template_list(cli->db, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(template_cols, EMR_ARRAY_LEN(template_cols));
	for (size_t i = 0; i < list.n; i++) {
		const emr_template *x = &list.items[i];
		size_t lines = 0;
		for (const char *s = x->body; *s; s++)
			lines += *s == '\n';
		if (*x->body && x->body[strlen(x->body) - 1] != '\n')
			lines++;
		char nl[24];
		snprintf(nl, sizeof nl, "%zu", lines);
		const char *cells[] = {x->name, x->is_default ? "yes" : "", nl, x->updated_at, x->body};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_templates_free(&list);
	return EMR_EXIT_OK;
}

static int template_show(emr_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "template", "template show [NAME]\n\nPrints a template's text (the default one without NAME).",
	      NULL, argc, argv, pos, 1, &npos);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_template t;
	if (emr_template_get(cli->db, npos ? pos[0] : NULL, &t) != 0)
		return emr_cli_fail(cli);
	print_body(cli->out, t.body);
	emr_template_clear(&t);
	return EMR_EXIT_OK;
}

static int template_add(emr_cli *cli, int argc, char **argv)
{
	const char *file = NULL, *text = NULL;
	bool make_default = false, replace = false;
	const emr_opt opts[] = {
		{"file", 'f', EMR_OPT_STRING, &file, "FILE  the template's Markdown (- or none: standard input)"},
		{"text", 0, EMR_OPT_STRING, &text, "TEXT  the template's Markdown"},
		{"default", 0, EMR_OPT_FLAG, &make_default, "make it the default for new visits"},
		{"replace", 0, EMR_OPT_FLAG, &replace, "replace the text of an existing template of that name"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "template", "template add NAME [--file FILE | < FILE] [--default] [--replace]\n\n"
	      "Placeholders: {{reason}} {{vitals}} {{problems}} {{meds}} {{allergies}} {{labs}} {{age}} {{name}} {{date}}",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "template", "add needs a NAME");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_templates list = {0};
	if (emr_template_list(cli->db, &list) != 0)
		return emr_cli_fail(cli);
	bool exists = false;
	for (size_t i = 0; i < list.n; i++)
		exists |= strcmp(list.items[i].name, pos[0]) == 0;
	emr_templates_free(&list);
	if (exists && !replace) {
		emr_cli_error(cli, "template \"%s\" already exists: use --replace, or emr template edit %s", pos[0], pos[0]);
		return EMR_EXIT_FAIL;
	}
	char *body = NULL;
	rc = read_text(cli, "template", text, file, true, &body);
	if (rc)
		return rc;
	if (emr_template_save(cli->db, pos[0], body, make_default) != 0) {
		free(body);
		return emr_cli_fail(cli);
	}
	free(body);
	fprintf(cli->out, "%s template \"%s\"%s\n", exists ? "replaced" : "added", pos[0],
	        make_default ? " (the default)" : "");
	return EMR_EXIT_OK;
}

static int template_edit(emr_cli *cli, int argc, char **argv)
{
	bool make_default = false, recover = false, discard = false;
	const emr_opt opts[] = {
		{"default", 0, EMR_OPT_FLAG, &make_default, "also make it the default"},
		{"recover", 0, EMR_OPT_FLAG, &recover, "start from the text an unfinished editing session left"},
		{"discard", 0, EMR_OPT_FLAG, &discard, "drop the text an unfinished editing session left"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "template", "template edit NAME [--default] [--recover|--discard]\n\nOpens the template in $VISUAL or"
	      " $EDITOR (else vi).", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "template", "edit needs a NAME");
	if (recover && discard)
		return emr_cli_usage(cli, "template", "choose one of --recover and --discard");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_template t;
	if (emr_template_get(cli->db, pos[0], &t) != 0)
		return emr_cli_fail(cli);
	char key[80], what[100], retry[100];
	snprintf(key, sizeof key, "template-%s", t.name);
	snprintf(what, sizeof what, "template \"%s\"", t.name);
	snprintf(retry, sizeof retry, "emr template edit %s", t.name);
	char *start = NULL;
	rc = handle_leftover(cli, "template", key, t.body, recover, discard, what, retry, &start);
	if (rc) {
		emr_template_clear(&t);
		return rc;
	}
	emr_edit_result res;
	char err[600], status_msg[128];
	if (emr_editor_run_key(key, start ? start : t.body, &res, err, sizeof err) != 0) {
		emr_cli_error(cli, "template: %s", err);
		free(start);
		emr_template_clear(&t);
		return EMR_EXIT_FAIL;
	}
	free(start);
	emr_editor_describe(&res, status_msg, sizeof status_msg);
	int result = EMR_EXIT_FAIL;
	if (!res.text) {
		emr_cli_error(cli, "template: the draft file %s is gone or unreadable; the template is unchanged", res.path);
	} else if (blank(res.text)) {
		emr_cli_error(cli, "template: the new text is empty; template \"%s\" was kept unchanged", t.name);
		emr_editor_done_key(key);
	} else if (strcmp(res.text, t.body) == 0 && !make_default) {
		fprintf(cli->out, "template \"%s\" unchanged\n", t.name);
		emr_editor_done_key(key);
		result = EMR_EXIT_OK;
	} else if (emr_template_save(cli->db, t.name, res.text, make_default) != 0) {
		emr_cli_error(cli, "template: %s; your text is kept in %s (%s --recover)", emr_db_error(cli->db), res.path,
		              retry);
	} else {
		emr_editor_done_key(key);
		fprintf(cli->out, "saved template \"%s\"\n", t.name);
		if (*status_msg)
			emr_cli_error(cli, "%s; your text was kept", status_msg);
		result = EMR_EXIT_OK;
	}
	free(res.text);
	emr_template_clear(&t);
	return result;
}

static int template_default(emr_cli *cli, int argc, char **argv)
{
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "template", "template default NAME\n\nMakes NAME the template of new visits.", NULL, argc, argv, pos,
	      1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "template", "default needs a NAME");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_template t;
	if (emr_template_get(cli->db, pos[0], &t) != 0)
		return emr_cli_fail(cli);
	rc = emr_template_save(cli->db, t.name, t.body, true);
	emr_template_clear(&t);
	if (rc != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "template \"%s\" is the default\n", pos[0]);
	return EMR_EXIT_OK;
}

int emr_cmd_template(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {
		{"list", template_list}, {"show", template_show}, {"add", template_add},
		{"edit", template_edit}, {"default", template_default},
	};
	return emr_cli_dispatch(cli, "template", "template list|show|add|edit|default ... (see emr template SUB --help)", subs,
	                EMR_ARRAY_LEN(subs), argc, argv);
}

/* ================================================================= phrase */

static const emr_column phrase_cols[] = {
	{"name", "NAME", EMR_COL_TEXT, false},
	{"owner", "OWNER", EMR_COL_TEXT, false},
	{"text", "TEXT", EMR_COL_TEXT, false},
	{"body", "BODY", EMR_COL_TEXT, true},
};

static int phrase_add(emr_cli *cli, int argc, char **argv)
{
	bool shared = false;
	const char *text = NULL, *file = NULL;
	const emr_opt opts[] = {
		{"shared", 0, EMR_OPT_FLAG, &shared, "for everyone in the practice (default: yours only)"},
		{"text", 0, EMR_OPT_STRING, &text, "TEXT  what .NAME expands to"},
		{"file", 'f', EMR_OPT_STRING, &file, "FILE  the text from FILE (- for standard input)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "phrase", "phrase add NAME [--shared] (--text TEXT | --file FILE)\n\n"
	      "Typing .NAME in a note expands to the text when the note is saved.", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "phrase", "add needs a NAME");
	if (!text && !file)
		return emr_cli_usage(cli, "phrase", "add needs --text or --file");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	char *body = NULL;
	rc = read_text(cli, "phrase", text, file, false, &body);
	if (rc)
		return rc;
	const char *name = pos[0][0] == '.' ? pos[0] + 1 : pos[0];
	emr_phrases list = {0};
	bool exists = false;
	if (emr_phrase_list(cli->db, &list) == 0)
		for (size_t i = 0; i < list.n; i++)
			exists |= strcmp(list.items[i].name, name) == 0 && (list.items[i].user_id == 0) == shared;
	emr_phrases_free(&list);
	if (emr_phrase_save(cli->db, name, body, shared) != 0) {
		free(body);
		return emr_cli_fail(cli);
	}
	free(body);
	fprintf(cli->out, "%s .%s%s\n", exists ? "replaced" : "added", name, shared ? " (shared)" : "");
	return EMR_EXIT_OK;
}

static void first_line(const char *s, char *buf, size_t n)
{
	size_t len = strcspn(s, "\n");
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, s, len);
	if (s[len] && s[len + 1])
		emr_sb_append(&sb, " ...");
	emr_strlcpy(buf, emr_sb_str(&sb), n);
	emr_sb_free(&sb);
}

static int phrase_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output (with each phrase's whole text)"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "phrase", "phrase list [--json|--csv]", opts, argc, argv, pos, 0, &npos);
	emr_format fmt;
	if (emr_cli_format(cli, "phrase", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_phrases list = {0};
	if (emr_phrase_list(cli->db, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(phrase_cols, EMR_ARRAY_LEN(phrase_cols));
	for (const emr_builtin_phrase *b = emr_builtin_phrases; b->name; b++) {
		char name[40];
		snprintf(name, sizeof name, ".%s", b->name);
		const char *cells[] = {name, "built in", b->description, ""};
		emr_table_add(t, cells);
	}
	for (size_t i = 0; i < list.n; i++) {
		const emr_phrase *x = &list.items[i];
		char name[40], line[80];
		snprintf(name, sizeof name, ".%s", x->name);
		first_line(x->body, line, sizeof line);
		const char *cells[] = {name, x->user_id ? "mine" : "shared", line, x->body};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_phrases_free(&list);
	return EMR_EXIT_OK;
}

int emr_cmd_phrase(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"add", phrase_add}, {"list", phrase_list}};
	return emr_cli_dispatch(cli, "phrase", "phrase add|list ... (see emr phrase SUB --help)", subs, EMR_ARRAY_LEN(subs), argc,
	                argv);
}

/* ================================================================= search */

static const emr_column hit_cols[] = {
	{"note_id", "NOTE", EMR_COL_INT, false},
	{"date", "DATE", EMR_COL_TEXT, false},
	{"patient", "PATIENT", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"snippet", "MATCH", EMR_COL_TEXT, false},
	{"patient_id", "PATIENT ID", EMR_COL_INT, true},
	{"encounter_id", "VISIT", EMR_COL_INT, true},
	{"rank", "RANK", EMR_COL_NUM, true},
};

int emr_cmd_search(emr_cli *cli, int argc, char **argv)
{
	const char *patient = NULL;
	long limit = 20;
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"patient", 'p', EMR_OPT_STRING, &patient, "PATIENT  only this patient's notes (MRN or id)"},
		{"limit", 'n', EMR_OPT_INT, &limit, "N  at most N notes (default 20)"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"},
		{0},
	};
	const char *pos[SEARCH_WORDS_MAX_CLI];
	int npos;
	EMR_CLI_PARSE(cli, "search", "search WORD... [--patient PATIENT] [--limit N] [--json|--csv]\n\n"
	      "Full-text search over every visit note: each word matches as a word prefix and all must\n"
	      "occur; best matches (bm25) first, with [ ] around the matched words.",
	      opts, argc, argv, pos, SEARCH_WORDS_MAX_CLI, &npos);
	if (npos == 0)
		return emr_cli_usage(cli, "search", "give the words to search for");
	emr_format fmt;
	if (emr_cli_format(cli, "search", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	if (limit < 1 || limit > 1000)
		return emr_cli_usage(cli, "search", "--limit %ld: must be 1 to 1000", limit);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	int64_t pid = 0;
	if (patient) {
		emr_patient p;
		if (emr_patient_resolve(cli->db, patient, &p) != 0)
			return emr_cli_fail(cli);
		pid = p.id;
	}
	emr_sb q = EMR_SB_INIT;
	for (int i = 0; i < npos; i++) {
		if (i)
			emr_sb_putc(&q, ' ');
		emr_sb_append(&q, pos[i]);
	}
	emr_note_hits hits = {0};
	rc = emr_note_search(cli->db, emr_sb_str(&q), pid, (int)limit, &hits);
	emr_sb_free(&q);
	if (rc != 0) {
		emr_note_hits_free(&hits);
		return emr_cli_fail(cli);
	}
	emr_table *t = emr_table_new(hit_cols, EMR_ARRAY_LEN(hit_cols));
	for (size_t i = 0; i < hits.n; i++) {
		const emr_note_hit *h = &hits.items[i];
		char id[24], pidbuf[24], eid[24], rank[32];
		snprintf(id, sizeof id, "%lld", (long long)h->note_id);
		snprintf(pidbuf, sizeof pidbuf, "%lld", (long long)h->patient_id);
		snprintf(eid, sizeof eid, "%lld", (long long)h->encounter_id);
		snprintf(rank, sizeof rank, "%.6g", h->rank);
		const char *cells[] = {id, h->date, h->patient, h->status, h->snippet, pidbuf, eid, rank};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_note_hits_free(&hits);
	return EMR_EXIT_OK;
}
