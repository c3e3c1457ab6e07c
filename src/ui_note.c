/* ui_note: the note pager, editing a note (external or built-in editor),
 * signing, addenda, printing, and the form that starts a visit.
 *
 * State, input and drawing are kept apart:
 *   - note_view holds what the domain layer returned (the note, its visit,
 *     patient, author, signer and addenda: the view runs no SQL) and, per
 *     width, the rendered rows (emr_md_render_terminal) with the search
 *     matches found in them;
 *   - the actions of note_keys change that state and return TUI_* flags;
 *   - note_draw() reads the state and paints its rectangle; the one thing
 *     it may redo is the rendering, when the width changed (a resize).
 *
 * Never lose a word: whatever the external editor leaves in its draft
 * file is saved as the draft, whatever its exit; the file is removed only
 * once the text is stored (emr_editor_done_key); a version conflict or a
 * refusal keeps the file, says where it is, and the next opening of the
 * note offers to recover it. */
#include "emr/ui_note.h"

#include "emr/auth.h"
#include "emr/editor.h"
#include "emr/fhir_export.h"
#include "emr/form.h"
#include "emr/markdown.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/practice.h"
#include "emr/ui_billing.h"
#include "emr/ui_textedit.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* An instant as local time: "2026-11-25 10:02" (or the date alone). */
static void local_time(const char *instant, bool with_time, char *out, size_t n)
{
	time_t t;
	struct tm tm;
	if (*instant && emr_instant_parse(instant, &t) && localtime_r(&t, &tm))
		strftime(out, n, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
	else
		emr_strlcpy(out, instant, n);
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			return false;
	return true;
}

/* EMR_EDITOR=builtin: the built-in editor, never an external one. */
static bool builtin_wanted(void)
{
	const char *e = getenv("EMR_EDITOR");
	return e && strcmp(e, "builtin") == 0;
}

/* printf into a fixed buffer, cut on a character boundary. */
__attribute__((format(printf, 3, 4))) static void fmt(char *dst, size_t n, const char *format, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, format);
	vsnprintf(buf, sizeof buf, format, ap);
	va_end(ap);
	emr_strlcpy(dst, buf, n);
}

/* ------------------------------------------------------------ state */

/* One screen row of the pager's body: a rendered Markdown line, or a row
 * of our own (the heading of an addendum). */
typedef struct prow {
	const emr_md_line *line;   /* borrowed from a doc, or NULL */
	char *label;               /* our own row (heap), or NULL */
	char *text;                /* the row's plain text, for / (heap) */
} prow;

typedef struct pmatch {
	size_t row, off, len;      /* bytes within the row's plain text */
} pmatch;

typedef struct note_view {
	tui_view base;
	int64_t note_id;
	bool loaded;
	char error[300];
	emr_note note;
	emr_encounter enc;
	bool has_enc;
	char patient[400];             /* "Garcia, Maria (Mari)  E000001" */
	char author[300], signer[300];  /* an imported note's: as emr_note_author_text/_signer_text */
	char importer[201];            /* an imported note's importing user */
	emr_addenda addenda;
	char *recovered;               /* unsaved text found on opening: the next addendum */
	char recovered_key[48];        /* its draft, removed once it is stored */
	char notice[600];              /* where unsaved text is kept, shown in the header */

	/* The rendering at `width` (0: to be done). */
	int width;
	emr_md_doc body;
	emr_md_doc *adocs;
	size_t nadocs;
	prow *rows;
	size_t nrows;
	int top;                       /* first body row shown */

	/* / search */
	char query[200];
	pmatch *matches;
	size_t nmatches;
	long current;                  /* index into matches, -1 = none */
} note_view;

static note_view *as_note(tui_view *v)
{
	return (note_view *)v;
}

static bool is_signed(const note_view *nv)
{
	return strcmp(nv->note.status, "signed") == 0;
}

static bool is_draft(const note_view *nv)
{
	return strcmp(nv->note.status, "draft") == 0;
}

/* ------------------------------------------------------------ layout */

/* The pager's rows: header (3), a rule, the body, the footer. */
#define HEADER_ROWS 4

static int body_height(int h)
{
	return h - HEADER_ROWS - 1 > 1 ? h - HEADER_ROWS - 1 : 1;
}

static int render_width(int w)
{
	return w - 2 >= 20 ? w - 2 : 20;
}

static void free_layout(note_view *nv)
{
	for (size_t i = 0; i < nv->nrows; i++) {
		free(nv->rows[i].label);
		free(nv->rows[i].text);
	}
	free(nv->rows);
	nv->rows = NULL;
	nv->nrows = 0;
	emr_md_doc_free(&nv->body);
	for (size_t i = 0; i < nv->nadocs; i++)
		emr_md_doc_free(&nv->adocs[i]);
	free(nv->adocs);
	nv->adocs = NULL;
	nv->nadocs = 0;
	free(nv->matches);
	nv->matches = NULL;
	nv->nmatches = 0;
	nv->current = -1;
	nv->width = 0;
}

static void add_row(note_view *nv, const emr_md_line *line, const char *label, size_t *cap)
{
	if (nv->nrows == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		nv->rows = emr_xrealloc(nv->rows, *cap * sizeof *nv->rows);
	}
	prow *r = &nv->rows[nv->nrows++];
	r->line = line;
	r->label = label ? emr_xstrdup(label) : NULL;
	r->text = line ? emr_md_line_text(line) : emr_xstrdup(label ? label : "");
}

static void add_doc(note_view *nv, const emr_md_doc *doc, size_t *cap)
{
	for (size_t i = 0; i < doc->nlines; i++)
		add_row(nv, &doc->lines[i], NULL, cap);
}

/* ASCII letters match either case; other characters match exactly. */
static const char *find_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return NULL;
	for (const char *p = hay; *p; p++) {
		size_t i = 0;
		while (i < n && p[i]) {
			char a = p[i], b = needle[i];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return p;
	}
	return NULL;
}

static void find_matches(note_view *nv)
{
	free(nv->matches);
	nv->matches = NULL;
	nv->nmatches = 0;
	nv->current = -1;
	if (!*nv->query)
		return;
	size_t cap = 0, qlen = strlen(nv->query);
	for (size_t r = 0; r < nv->nrows; r++) {
		const char *text = nv->rows[r].text;
		for (const char *p = find_ci(text, nv->query); p; p = find_ci(p + qlen, nv->query)) {
			if (nv->nmatches == cap) {
				cap = cap ? cap * 2 : 16;
				nv->matches = emr_xrealloc(nv->matches, cap * sizeof *nv->matches);
			}
			nv->matches[nv->nmatches++] = (pmatch){r, (size_t)(p - text), qlen};
		}
	}
}

/* Renders the note and its addenda for a width (when not done yet). */
static void ensure_layout(tui_app *app, note_view *nv, int width)
{
	if (!nv->loaded || nv->width == width)
		return;
	size_t keep_row = nv->current >= 0 ? nv->matches[nv->current].row : (size_t)-1;
	free_layout(nv);
	nv->width = width;
	size_t cap = 0;
	if (emr_md_render_terminal(nv->note.body ? nv->note.body : "", width, &nv->body) != 0)
		tui_error(app, "Could not render the note");
	add_doc(nv, &nv->body, &cap);
	if (nv->addenda.n) {
		nv->adocs = emr_xcalloc(nv->addenda.n, sizeof *nv->adocs);
		nv->nadocs = nv->addenda.n;
	}
	for (size_t i = 0; i < nv->addenda.n; i++) {
		const emr_addendum *a = &nv->addenda.items[i];
		char when[32], label[400];
		local_time(a->created_at, true, when, sizeof when);
		char by[300];
		emr_addendum_author_text(a, by, sizeof by);
		fmt(label, sizeof label, "Addendum %zu by %s, %s", i + 1, *by ? by : "?", when);
		add_row(nv, NULL, "", &cap);
		add_row(nv, NULL, label, &cap);
		emr_md_render_terminal(a->body ? a->body : "", width, &nv->adocs[i]);
		add_doc(nv, &nv->adocs[i], &cap);
	}
	find_matches(nv);
	/* The current match stays the one on the same row, near enough. */
	for (size_t i = 0; keep_row != (size_t)-1 && i < nv->nmatches; i++)
		if (nv->matches[i].row >= keep_row) {
			nv->current = (long)i;
			break;
		}
}

static int max_top(const note_view *nv, int height)
{
	int m = (int)nv->nrows - height;
	return m > 0 ? m : 0;
}

static void clamp_top(note_view *nv, int height)
{
	if (nv->top > max_top(nv, height))
		nv->top = max_top(nv, height);
	if (nv->top < 0)
		nv->top = 0;
}

/* The size of the pager on the screen tui gives the top view, for the
 * actions (page sizes, rendering before a search). */
static int screen_body_height(void)
{
	return body_height(LINES - 2);
}

static void layout_for_screen(tui_app *app, note_view *nv)
{
	ensure_layout(app, nv, render_width(COLS));
}

/* ------------------------------------------------------------ loading */

static void note_unload(note_view *nv)
{
	free_layout(nv);
	emr_note_clear(&nv->note);
	emr_addenda_free(&nv->addenda);
}

/* Reads the note and everything its header shows. */
static bool note_load(tui_app *app, note_view *nv)
{
	note_unload(nv);
	nv->loaded = false;
	if (emr_note_get(app->db, nv->note_id, &nv->note) != 0) {
		fmt(nv->error, sizeof nv->error, "%s", emr_db_error(app->db));
		tui_error(app, "Could not read the note: %s", nv->error);
		return false;
	}
	nv->has_enc = emr_encounter_get(app->db, nv->note.encounter_id, &nv->enc) == 0;
	emr_patient p;
	if (emr_patient_get(app->db, nv->note.patient_id, &p) == 0) {
		char name[EMR_NAME_MAX * 3 + 8];
		emr_patient_display_name(&p, name, sizeof name);
		fmt(nv->patient, sizeof nv->patient, "%s  %s  DOB %s", name, p.mrn, p.dob);
		app->patient_id = p.id;
	} else {
		fmt(nv->patient, sizeof nv->patient, "patient %lld", (long long)nv->note.patient_id);
	}
	emr_user u;
	nv->author[0] = nv->signer[0] = '\0';
	if (emr_user_get(app->db, nv->note.author_id, &u) == 0)
		emr_strlcpy(nv->author, u.display_name, sizeof nv->author);
	if (nv->note.signed_by && emr_user_get(app->db, nv->note.signed_by, &u) == 0)
		emr_strlcpy(nv->signer, u.display_name, sizeof nv->signer);
	nv->importer[0] = '\0';
	if (nv->note.imported) {
		/* Written and signed elsewhere: the users on the row imported it. */
		char local[300];
		emr_strlcpy(local, nv->author, sizeof local);
		if (nv->note.imported_by && emr_user_get(app->db, nv->note.imported_by, &u) == 0)
			emr_strlcpy(nv->importer, u.display_name, sizeof nv->importer);
		emr_note_author_text(&nv->note, local, nv->author, sizeof nv->author);
		emr_strlcpy(local, nv->signer, sizeof local);
		emr_note_signer_text(&nv->note, local, nv->signer, sizeof nv->signer);
	}
	if (emr_addendum_list(app->db, nv->note_id, &nv->addenda) != 0)
		tui_error(app, "Could not read the addenda: %s", emr_db_error(app->db));
	nv->loaded = true;
	nv->error[0] = '\0';
	return true;
}

/* ------------------------------------------------- storing edited text */

enum { STORE_DONE, STORE_SKIPPED, STORE_KEPT };

/* Where the user's text is while it is not stored: a draft file, or
 * still in the built-in editor. */
static void kept_where(const char *path, char *buf, size_t n)
{
	if (path && *path)
		fmt(buf, n, "your text is kept in its draft file (below)");
	else
		fmt(buf, n, "your text is still in the editor");
}

static int store_addendum(tui_app *app, int64_t note_id, int64_t patient_id, const char *text, const char *path)
{
	if (blank(text)) {
		tui_message(app, "Empty addendum: nothing added");
		return STORE_SKIPPED;
	}
	char *body = emr_note_expand(app->db, patient_id, text);
	int64_t id;
	int rc = emr_addendum_add(app->db, note_id, body ? body : text, &id);
	free(body);
	if (rc != 0) {
		char where[700];
		kept_where(path, where, sizeof where);
		tui_error(app, "The addendum was not added (%s); %s", emr_db_error(app->db), where);
		return STORE_KEPT;
	}
	return STORE_DONE;
}

/* Saves text as the draft of note_id, read at `version`.  Asks before
 * saving an empty note; on a conflict (another session saved first, or
 * signed the note) never overwrites without asking, and otherwise keeps
 * the text where it is (path: the draft file, or NULL for the built-in
 * editor). */
static int store_note(tui_app *app, int64_t note_id, int64_t version, const char *text, const char *path)
{
	char where[700];
	kept_where(path, where, sizeof where);
	emr_note now;
	if (emr_note_get(app->db, note_id, &now) != 0) {
		tui_error(app, "Not saved (%s); %s", emr_db_error(app->db), where);
		return STORE_KEPT;
	}
	int64_t patient_id = now.patient_id;
	bool was_empty = blank(now.body);
	bool now_signed = strcmp(now.status, "signed") == 0;
	int64_t now_version = now.version;
	emr_note_clear(&now);
	if (now_signed) {
		/* Signed in another session while this text was written. */
		if (tui_confirm(app, "This note was signed in another session meanwhile. Add your text as an addendum? (y/n)"))
			return store_addendum(app, note_id, patient_id, text, path);
		tui_message(app, "Not saved: the note was signed meanwhile; %s", where);
		return STORE_KEPT;
	}
	if (blank(text) && !was_empty &&
	    !tui_confirm(app, "The note is now empty. Save it empty, discarding its text? (y/n)")) {
		tui_message(app, "Not saved: the note keeps its text");
		return STORE_SKIPPED;
	}
	char *body = emr_note_expand(app->db, patient_id, text);
	const char *save = body ? body : text;
	int rc = emr_note_save(app->db, note_id, version, save);
	if (rc == EMR_CONFLICT) {
		if (tui_confirm(app, "Another session saved this note while you were editing. Replace its text with yours? (y/n)"))
			rc = emr_note_save(app->db, note_id, now_version, save);
		else {
			free(body);
			tui_message(app, "Not saved: the other session's text stays; %s", where);
			return STORE_KEPT;
		}
	}
	free(body);
	if (rc != 0) {
		tui_error(app, "Not saved (%s); %s", emr_db_error(app->db), where);
		return STORE_KEPT;
	}
	return STORE_DONE;
}

/* -------------------------------------------------------------- editing */

typedef enum edit_kind { EDIT_NOTE, EDIT_ADDENDUM } edit_kind;

#define DRAFT_KEY_LEN 48

/* The draft file of a note's text ("note-12", the key emr_editor_run
 * uses, so `emr note edit` shares it) or of an addendum being written
 * to it ("addendum-12"). */
static void draft_key(edit_kind kind, int64_t note_id, char *buf, size_t n)
{
	snprintf(buf, n, "%s-%lld", kind == EDIT_NOTE ? "note" : "addendum", (long long)note_id);
}

/* "The editor exited with status 1" (empty when it exited 0). */
static void editor_how(const emr_edit_result *res, char *buf, size_t n)
{
	emr_editor_describe(res, buf, n);
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
}

/* Columns the status line leaves a message (tui.c paints the user first). */
static int status_room(const tui_app *app)
{
	return COLS - emr_display_width(app->cli->user.display_name) - emr_display_width(app->cli->user.role) - 7;
}

/* What became of the text after a failed editor, said in full where the
 * status line has the room, else shorter (at 80 columns). */
static void say_kept(tui_app *app, const emr_edit_result *res, const char *how, edit_kind kind)
{
	const char *as = kind == EDIT_NOTE ? "kept as the draft" : "added as an addendum";
	char msg[300];
	fmt(msg, sizeof msg, "%s; your text was %s.", how, as);
	if (emr_display_width(msg) > status_room(app)) {
		if (res->signal)
			fmt(msg, sizeof msg, "Editor killed by signal %d; text %s.", res->signal, as);
		else
			fmt(msg, sizeof msg, "Editor exited with status %d; text %s.", res->exit_status, as);
	}
	tui_message(app, "%s", msg);
}

/* What the built-in editor saves into. */
typedef struct edit_target {
	edit_kind kind;
	int64_t note_id, patient_id, version;
	char cleanup[2][DRAFT_KEY_LEN];   /* drafts to remove once the text is stored, or "" */
} edit_target;

static int builtin_save(tui_app *app, void *ctx, const char *text)
{
	const edit_target *t = ctx;
	int r = t->kind == EDIT_NOTE ? store_note(app, t->note_id, t->version, text, NULL)
	                             : store_addendum(app, t->note_id, t->patient_id, text, NULL);
	if (r == STORE_KEPT || r == STORE_SKIPPED)
		return 1;   /* the text stays in the editor */
	for (int i = 0; i < 2; i++)
		if (*t->cleanup[i])
			emr_editor_done_key(t->cleanup[i]);
	tui_message(app, t->kind == EDIT_NOTE ? "Draft saved" : "Addendum added");
	return 0;
}

static int open_builtin(tui_app *app, const note_view *nv, edit_kind kind, const char *text, const char *cleanup,
                        const char *cleanup2)
{
	edit_target *t = emr_xcalloc(1, sizeof *t);
	t->kind = kind;
	t->note_id = nv->note_id;
	t->patient_id = nv->note.patient_id;
	t->version = nv->note.version;
	emr_strlcpy(t->cleanup[0], cleanup ? cleanup : "", sizeof t->cleanup[0]);
	emr_strlcpy(t->cleanup[1], cleanup2 ? cleanup2 : "", sizeof t->cleanup[1]);
	char title[600];
	char date[EMR_DATE_LEN] = "";
	if (nv->has_enc)
		local_time(nv->enc.start_at, false, date, sizeof date);
	fmt(title, sizeof title, "%s  %s  %s", kind == EDIT_NOTE ? "Note" : "Addendum", nv->patient, date);
	tui_push(app, ui_textedit_new(app, title, text, builtin_save, t, free));
	return TUI_REDRAW;
}

/* Runs the external editor with the screen handed over to it, and takes
 * the screen back whatever happened there.  The editor may stay open for
 * minutes while other sessions write: no read snapshot is held meanwhile,
 * or the save afterwards would see stale data and fail as locked. */
static int run_external(tui_app *app, const char *key, const char *text, emr_edit_result *res, char *err,
                        size_t errsz)
{
	emr_db_end_reads(app->db);
	def_prog_mode();
	endwin();
	int rc = emr_editor_run_key(key, text, res, err, errsz);
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	return rc;
}

/* After the external editor: store what it left, whatever its exit. */
static void after_external(tui_app *app, note_view *nv, edit_kind kind, const char *key, int64_t version,
                           const emr_edit_result *res, const char *cleanup)
{
	char how[160];
	editor_how(res, how, sizeof how);
	if (!res->text) {
		tui_error(app, "%s%sthe editor left no file at %s; nothing was saved", how, *how ? "; " : "", res->path);
		return;
	}
	/* An unchanged note has nothing to save; an addendum is whatever
	 * the file holds (a recovered one may be added as it was). */
	if (kind == EDIT_NOTE && !res->changed) {
		emr_editor_done_key(key);
		if (*how)
			tui_message(app, "%s; the note was not changed.", how);
		else
			tui_message(app, "No changes to the note");
		return;
	}
	int r = kind == EDIT_NOTE ? store_note(app, nv->note_id, version, res->text, res->path)
	                          : store_addendum(app, nv->note_id, nv->note.patient_id, res->text, res->path);
	if (r == STORE_KEPT) {
		/* The draft file stays, and the header says where. */
		fmt(nv->notice, sizeof nv->notice, "Unsaved text kept in %s", res->path);
		return;
	}
	nv->notice[0] = '\0';
	emr_editor_done_key(key);
	if (r != STORE_DONE)
		return;
	if (cleanup && *cleanup)
		emr_editor_done_key(cleanup);
	if (*how)
		say_kept(app, res, how, kind);
	else
		tui_message(app, kind == EDIT_NOTE ? "Draft saved" : "Addendum added");
}

/* Edits text (the note's body, or an addendum) in the external editor,
 * or the built-in one when asked for or when the external one cannot be
 * run.  cleanup: a recovered draft the text came from, removed once the
 * text is stored.  Returns TUI_* flags. */
static int edit_text(tui_app *app, note_view *nv, edit_kind kind, const char *text, const char *cleanup)
{
	if (builtin_wanted())
		return open_builtin(app, nv, kind, text, cleanup, NULL);
	char key[DRAFT_KEY_LEN];
	draft_key(kind, nv->note_id, key, sizeof key);
	int64_t version = nv->note.version;
	emr_edit_result res;
	memset(&res, 0, sizeof res);
	char err[400] = "";
	if (run_external(app, key, text, &res, err, sizeof err) != 0) {
		free(res.text);
		if (strstr(err, "another emr session")) {
			tui_error(app, "Not opened: %s", err);
			return TUI_REDRAW;
		}
		/* The draft file written for the editor goes once the built-in
		 * editor has stored the text (if it is left, it holds what the
		 * note holds, and the next opening removes it quietly). */
		int flags = open_builtin(app, nv, kind, text, cleanup, key);
		tui_message(app, "No external editor (%s): this is the built-in editor", *err ? err : "it could not be run");
		return flags;
	}
	after_external(app, nv, kind, key, version, &res, cleanup);
	free(res.text);
	note_load(app, nv);
	return TUI_REDRAW;
}

/* ------------------------------------------------------------ recovery */

/* Text left by a session that never finished (emr was killed while the
 * editor ran) is offered back when the note is opened.  For a draft it
 * becomes the draft; for a signed note (an unfinished addendum, or note
 * text that arrived after the signature) it seeds the next addendum. */
static void offer_recovery(tui_app *app, note_view *nv)
{
	if (!is_draft(nv) && !is_signed(nv))
		return;
	char key[DRAFT_KEY_LEN];
	char *text = NULL;
	if (is_signed(nv)) {
		draft_key(EDIT_ADDENDUM, nv->note_id, key, sizeof key);
		text = emr_editor_recovery_key(key);
	}
	if (!text) {
		draft_key(EDIT_NOTE, nv->note_id, key, sizeof key);
		text = emr_editor_recovery_key(key);
	}
	if (!text)
		return;
	bool same = is_draft(nv) ? strcmp(text, nv->note.body ? nv->note.body : "") == 0 : blank(text);
	if (same) {
		emr_editor_done_key(key);   /* nothing unsaved after all */
		free(text);
		return;
	}
	if (tui_confirm(app, "Recover the unsaved text from the last session? (y/n)")) {
		if (is_signed(nv)) {
			nv->recovered = text;
			emr_strlcpy(nv->recovered_key, key, sizeof nv->recovered_key);
			tui_message(app, "Recovered: a opens it as an addendum to finish");
			return;
		}
		if (store_note(app, nv->note_id, nv->note.version, text, NULL) == STORE_DONE) {
			emr_editor_done_key(key);
			tui_message(app, "Recovered the unsaved text as the draft; e edits it");
			note_load(app, nv);
		}
		free(text);
		return;
	}
	if (tui_confirm(app, "Discard that unsaved text for good? (y/n)")) {
		emr_editor_done_key(key);
		tui_message(app, "The unsaved text was discarded");
	} else {
		tui_message(app, "The unsaved text is kept; it is offered again next time");
	}
	free(text);
}

/* ------------------------------------------------------------ actions */

static int scroll_by(note_view *nv, int delta)
{
	nv->top += delta;
	clamp_top(nv, screen_body_height());
	return TUI_REDRAW;
}

static int act_line(tui_app *app, tui_view *v)
{
	int k = app->last_key;
	layout_for_screen(app, as_note(v));
	return scroll_by(as_note(v), k == 'k' || k == TUI_KEYCODE(KEY_UP) ? -1 : 1);
}

static int act_page(tui_app *app, tui_view *v)
{
	int k = app->last_key;
	int page = screen_body_height() - 1;
	layout_for_screen(app, as_note(v));
	return scroll_by(as_note(v), k == 'b' || k == TUI_KEYCODE(KEY_PPAGE) ? -page : page);
}

static int act_ends(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	layout_for_screen(app, nv);
	int k = app->last_key;
	nv->top = k == 'G' || k == TUI_KEYCODE(KEY_END) ? max_top(nv, screen_body_height()) : 0;
	return TUI_REDRAW;
}

/* Brings the current match into view, with a little context above. */
static void show_current(note_view *nv)
{
	if (nv->current < 0)
		return;
	int row = (int)nv->matches[nv->current].row, h = screen_body_height();
	if (row < nv->top || row >= nv->top + h)
		nv->top = row - 2;
	clamp_top(nv, h);
}

static void say_match(tui_app *app, const note_view *nv, const char *wrapped)
{
	tui_message(app, "%s%s\"%s\": match %ld of %zu", wrapped ? wrapped : "", wrapped ? "; " : "", nv->query,
	            nv->current + 1, nv->nmatches);
}

static int act_search(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!nv->loaded)
		return TUI_REDRAW;
	char buf[sizeof nv->query];
	emr_strlcpy(buf, nv->query, sizeof buf);
	if (!tui_prompt(app, "Find in the note:", buf, sizeof buf))
		return TUI_REDRAW;
	layout_for_screen(app, nv);
	emr_strlcpy(nv->query, buf, sizeof nv->query);
	find_matches(nv);
	if (!*nv->query) {
		tui_message(app, "Search cleared");
		return TUI_REDRAW;
	}
	if (!nv->nmatches) {
		tui_error(app, "Not found: \"%s\"", nv->query);
		return TUI_REDRAW;
	}
	/* The first match from the top of the screen on, else from the start. */
	const char *wrapped = "Search wrapped to the top";
	nv->current = 0;
	for (size_t i = 0; i < nv->nmatches; i++)
		if ((int)nv->matches[i].row >= nv->top) {
			nv->current = (long)i;
			wrapped = NULL;
			break;
		}
	show_current(nv);
	say_match(app, nv, wrapped);
	return TUI_REDRAW;
}

static int act_next(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	layout_for_screen(app, nv);
	if (!*nv->query) {
		tui_message(app, "No search yet: / searches the note");
		return TUI_REDRAW;
	}
	if (!nv->nmatches) {
		tui_error(app, "Not found: \"%s\"", nv->query);
		return TUI_REDRAW;
	}
	const char *wrapped = NULL;
	if (app->last_key == 'N') {
		nv->current--;
		if (nv->current < 0) {
			nv->current = (long)nv->nmatches - 1;
			wrapped = "Search wrapped to the bottom";
		}
	} else {
		nv->current++;
		if (nv->current >= (long)nv->nmatches) {
			nv->current = 0;
			wrapped = "Search wrapped to the top";
		}
	}
	show_current(nv);
	say_match(app, nv, wrapped);
	return TUI_REDRAW;
}

static int act_edit(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!note_load(app, nv))   /* the latest version, to edit and to compare against */
		return TUI_REDRAW;
	if (is_signed(nv)) {
		tui_message(app, "A signed note cannot change: a adds an addendum");
		return TUI_REDRAW;
	}
	if (!is_draft(nv)) {
		tui_message(app, "This note is %s and is not edited", nv->note.status);
		return TUI_REDRAW;
	}
	return edit_text(app, nv, EDIT_NOTE, nv->note.body ? nv->note.body : "", NULL);
}

static int act_sign(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!note_load(app, nv))
		return TUI_REDRAW;
	if (is_signed(nv)) {
		if (strcmp(nv->signer, EMR_SIGNED_AT_SOURCE) == 0)
			tui_message(app, "Already signed, at the source it was imported from");
		else
			tui_message(app, "Already signed by %s", *nv->signer ? nv->signer : "?");
		return TUI_REDRAW;
	}
	if (!is_draft(nv)) {
		tui_message(app, "Only a draft can be signed; this note is %s", nv->note.status);
		return TUI_REDRAW;
	}
	if (blank(nv->note.body)) {
		tui_error(app, "The note is empty: write it first (e)");
		return TUI_REDRAW;
	}
	if (!tui_confirm(app, "Sign this note? It cannot be changed afterwards, only added to (y/n)")) {
		tui_message(app, "Not signed");
		return TUI_REDRAW;
	}
	if (!emr_passphrase_is_set(app->db, app->cli->user.id)) {
		tui_error(app, "Not signed: signing needs your passphrase; set one first (emr user passwd)");
		return TUI_REDRAW;
	}
	char pass[EMR_PASSPHRASE_MAX + 2];
	if (!tui_prompt_secret(app, "Passphrase to sign:", pass, sizeof pass)) {
		tui_message(app, "Not signed");
		return TUI_REDRAW;
	}
	tui_message(app, "Checking the passphrase...");
	int ok = emr_passphrase_check_for(app->db, app->cli->user.id, pass, EMR_AUTH_SIGN);
	sodium_memzero(pass, sizeof pass);
	if (ok != 0) {
		tui_error(app, "Not signed: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	if (emr_note_sign(app->db, nv->note_id) != 0) {
		tui_error(app, "Not signed: %s", emr_db_error(app->db));
		note_load(app, nv);
		return TUI_REDRAW;
	}
	note_load(app, nv);
	/* The next thing after signing is usually the visit's billing. */
	tui_message(app, "Signed. $ charges; corrections are now addenda (a)");
	return TUI_REDRAW;
}

static int act_addendum(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!note_load(app, nv))
		return TUI_REDRAW;
	if (!is_signed(nv)) {
		tui_message(app, "A draft is edited (e); addenda are for signed notes");
		return TUI_REDRAW;
	}
	char *seed = nv->recovered;
	char from[sizeof nv->recovered_key];
	emr_strlcpy(from, nv->recovered_key, sizeof from);
	nv->recovered = NULL;
	nv->recovered_key[0] = '\0';
	int flags = edit_text(app, nv, EDIT_ADDENDUM, seed ? seed : "", seed ? from : NULL);
	free(seed);
	return flags;
}

/* $: the charge screen of the note's visit (diagnoses, charges, invoice). */
static int act_charges(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!nv->loaded || !nv->note.encounter_id) {
		tui_message(app, "This note belongs to no visit, so it has no charges");
		return TUI_REDRAW;
	}
	tui_push(app, ui_charges_new(app, nv->note.patient_id, nv->note.encounter_id));
	return TUI_REDRAW;
}

/* "See me again in 3 months": decided at the end of a visit, it puts the
 * patient on the recall list until a visit is booked. */
static int act_followup(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!nv->loaded || !nv->has_enc) {
		tui_message(app, "This note belongs to no visit, so it has no follow-up");
		return TUI_REDRAW;
	}
	char buf[16] = "";
	if (nv->enc.followup_days)
		fmt(buf, sizeof buf, "%dd", nv->enc.followup_days);
	if (!tui_prompt(app, "See again in (90d, 6w, 3m, 1y; none clears):", buf, sizeof buf))
		return TUI_REDRAW;
	int days;
	if (!emr_followup_parse(buf, &days)) {
		tui_error(app, "Follow-up \"%s\" not understood: use days, weeks, months or a year (90d, 6w, 3m, 1y)", buf);
		return TUI_REDRAW;
	}
	if (emr_encounter_set_followup(app->db, nv->enc.id, days) != 0) {
		tui_error(app, "Follow-up not set: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	nv->enc.followup_days = days;
	if (days)
		tui_message(app, "Follow-up in %d days: on the recall list until a visit is booked", days);
	else
		tui_message(app, "No follow-up for this visit");
	return TUI_REDRAW;
}

static int act_print(tui_app *app, tui_view *v)
{
	note_view *nv = as_note(v);
	if (!nv->loaded)
		return TUI_REDRAW;
	char date[EMR_DATE_LEN] = "", stem[80];
	if (nv->has_enc)
		local_time(nv->enc.start_at, false, date, sizeof date);
	else
		emr_today(date);
	snprintf(stem, sizeof stem, "note-%lld-%s", (long long)nv->note_id, date);
	return ui_print_to_file(app, EMR_PRINT_NOTE, nv->note_id, stem);
}

static const tui_binding note_keys[] = {
	{{'j', TUI_KEYCODE(KEY_DOWN), 'k', TUI_KEYCODE(KEY_UP)}, "j/k Down/Up", "scroll a line", act_line},
	{{' ', TUI_KEYCODE(KEY_NPAGE), 'b', TUI_KEYCODE(KEY_PPAGE)}, "Space/b PgDn/Up", "scroll a page", act_page},
	{{'g', TUI_KEYCODE(KEY_HOME), 'G', TUI_KEYCODE(KEY_END)}, "g/G Home/End", "top / bottom", act_ends},
	{{'/'}, "/", "find in the note", act_search},
	{{'n', 'N'}, "n/N", "next / previous match (wraps around)", act_next},
	{{'e'}, "e", "edit the draft in $VISUAL/$EDITOR", act_edit},
	{{'s'}, "s", "sign the draft (asks first)", act_sign},
	{{'a'}, "a", "add an addendum to the signed note", act_addendum},
	{{'p'}, "p", "print the note to a file in ~/emr-prints", act_print},
	{{'$'}, "$", "the visit's charges: diagnoses, charges, invoice, payment", act_charges},
	{{'F'}, "F", "follow-up: see the patient again in 90d, 6w, 3m ... (recall list)", act_followup},
	{{0}, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ drawing */

/* Attributes of a rendered span. */
static attr_t span_attr(const tui_app *app, int style)
{
	attr_t a = A_NORMAL;
	if (style & (EMR_MD_BOLD | EMR_MD_MARKER))
		a |= A_BOLD;
	if (style & EMR_MD_ITALIC)
		a |= A_UNDERLINE;
	if (style & EMR_MD_HEADING)
		a |= A_BOLD | (app->colors ? COLOR_PAIR(TUI_PAIR_TITLE) : A_NORMAL);
	if (style & EMR_MD_LINK)
		a |= A_UNDERLINE | (app->colors ? COLOR_PAIR(TUI_PAIR_TITLE) : A_NORMAL);
	if (style & EMR_MD_CODE)
		a |= app->colors ? COLOR_PAIR(TUI_PAIR_OK) : A_BOLD;
	if (style & (EMR_MD_QUOTE | EMR_MD_RULE))
		a |= A_DIM;
	return a;
}

/* Whether byte `off` of row r is inside a match; the current one is
 * told apart. */
static int match_at(const note_view *nv, size_t r, size_t off, size_t *first)
{
	while (*first < nv->nmatches && nv->matches[*first].row < r)
		(*first)++;
	for (size_t i = *first; i < nv->nmatches && nv->matches[i].row == r; i++) {
		const pmatch *m = &nv->matches[i];
		if (off >= m->off && off < m->off + m->len)
			return (long)i == nv->current ? 2 : 1;
	}
	return 0;
}

/* Where the highlighting of row r next changes after byte off. */
static size_t next_boundary(const note_view *nv, size_t r, size_t off, size_t end, size_t first)
{
	size_t best = end;
	for (size_t i = first; i < nv->nmatches && nv->matches[i].row == r; i++) {
		const pmatch *m = &nv->matches[i];
		if (m->off > off && m->off < best)
			best = m->off;
		if (m->off + m->len > off && m->off + m->len < best)
			best = m->off + m->len;
	}
	return best;
}

static void draw_row(const tui_app *app, const note_view *nv, size_t r, int y, int x, int w)
{
	const prow *row = &nv->rows[r];
	mvhline(y, x, ' ', w);
	int col = x + 1, right = x + w - 1;
	if (!row->line) {
		attron(A_BOLD | (app->colors ? COLOR_PAIR(TUI_PAIR_TITLE) : A_NORMAL));
		tui_text(y, col, right - col, row->label);
		attroff(A_BOLD | (app->colors ? COLOR_PAIR(TUI_PAIR_TITLE) : A_NORMAL));
		return;
	}
	size_t base = 0, first = 0;
	for (size_t s = 0; s < row->line->nspans && col < right; s++) {
		const emr_md_span *sp = &row->line->spans[s];
		size_t len = strlen(sp->text);
		attr_t a = span_attr(app, sp->style);
		for (size_t off = 0; off < len && col < right;) {
			int hl = match_at(nv, r, base + off, &first);
			size_t stop = next_boundary(nv, r, base + off, base + len, first) - base;
			char *piece = emr_xmalloc(stop - off + 1);
			memcpy(piece, sp->text + off, stop - off);
			piece[stop - off] = '\0';
			attr_t pa = a | (hl ? A_REVERSE : A_NORMAL) | (hl == 2 ? A_BOLD : A_NORMAL);
			if (hl && app->colors)
				pa = (pa & ~A_COLOR) | COLOR_PAIR(hl == 2 ? TUI_PAIR_WARN : TUI_PAIR_TITLE);
			attron(pa);
			col += tui_text(y, col, right - col, piece);
			attroff(pa);
			free(piece);
			off = stop;
		}
		base += len;
	}
}

/* The first key name of the binding that runs `run`: "e", "/". */
static const char *key_of(int (*run)(tui_app *, tui_view *), char *buf, size_t n)
{
	for (const tui_binding *b = note_keys; b->run; b++)
		if (b->run == run) {
			snprintf(buf, n, "%s", b->keys);
			buf[strcspn(buf, " ")] = '\0';
			if (strchr(buf, '/') && buf[0] != '/')
				buf[strcspn(buf, "/")] = '\0';
			return buf;
		}
	return "?";
}

/* A footer hint: the key of the binding that runs `run`, and a word. */
typedef struct hint {
	int (*run)(tui_app *, tui_view *);
	const char *label;
} hint;

static void draw_footer(const tui_app *app, const note_view *nv, int y, int x, int w)
{
	hint hints[6];
	int n = 0;
	if (is_draft(nv)) {
		hints[n++] = (hint){act_edit, "edit"};
		hints[n++] = (hint){act_sign, "sign"};
	} else if (is_signed(nv)) {
		hints[n++] = (hint){act_addendum, "addendum"};
		hints[n++] = (hint){act_charges, "charges"};
	}
	hints[n++] = (hint){act_print, "print"};
	hints[n++] = (hint){act_search, "find"};
	hints[n++] = (hint){act_next, "next"};
	char text[300] = " ";
	size_t len = 1;
	for (int i = 0; i < n && len < sizeof text; i++) {
		char key[32];
		len += (size_t)snprintf(text + len, sizeof text - len, "%s %s  ", key_of(hints[i].run, key, sizeof key),
		                        hints[i].label);
	}
	if (len < sizeof text)
		snprintf(text + len, sizeof text - len, "Space page  q back  F1 keys");
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text_pad(y, x, w, text);
	tui_attr_off(app, TUI_PAIR_DIM);
}

static void draw_header(const tui_app *app, const note_view *nv, int y, int x, int w)
{
	const char *status = is_signed(nv) ? "SIGNED" : is_draft(nv) ? "DRAFT" : nv->note.status;
	int sw = emr_display_width(status);
	mvhline(y, x, ' ', w);
	tui_attr_on(app, TUI_PAIR_TITLE);
	tui_text(y, x + 1, w - sw - 4, nv->patient);
	tui_attr_off(app, TUI_PAIR_TITLE);
	int role = is_signed(nv) ? TUI_PAIR_OK : TUI_PAIR_WARN;
	tui_attr_on(app, role);
	attron(A_BOLD);
	tui_text(y, x + w - sw - 1, sw, status);
	attroff(A_BOLD);
	tui_attr_off(app, role);

	char line[800], date[EMR_DATE_LEN] = "";
	if (nv->has_enc) {
		local_time(nv->enc.start_at, false, date, sizeof date);
		char provider[256] = "";
		if (*nv->enc.source_provider && !nv->enc.provider_id)
			emr_encounter_provider_text(&nv->enc, provider, sizeof provider);
		char fu[32] = "";
		if (nv->enc.followup_days)
			fmt(fu, sizeof fu, "  follow-up %dd", nv->enc.followup_days);
		fmt(line, sizeof line, "Visit %s  %s  %s%s%s%s", date, nv->enc.type,
		    *nv->enc.reason ? nv->enc.reason : "(no reason given)", fu, *provider ? "  " : "", provider);
	} else {
		fmt(line, sizeof line, "Visit not found");
	}
	tui_text_pad(y + 1, x, w, "");
	tui_text(y + 1, x + 1, w - 2, line);

	char when[32], created[32];
	local_time(nv->note.created_at, true, created, sizeof created);
	if (nv->note.imported && is_signed(nv) && strcmp(nv->signer, EMR_SIGNED_AT_SOURCE) == 0) {
		local_time(nv->note.signed_at, true, when, sizeof when);
		fmt(line, sizeof line, "Written by %s; signed at source on %s; imported by %s", nv->author, when,
		    *nv->importer ? nv->importer : "?");
	} else if (nv->note.imported && !is_signed(nv) && !is_draft(nv)) {
		fmt(line, sizeof line, "Written by %s; imported by %s", nv->author, *nv->importer ? nv->importer : "?");
	} else if (is_signed(nv)) {
		local_time(nv->note.signed_at, true, when, sizeof when);
		if (strcmp(nv->signer, nv->author) == 0)
			fmt(line, sizeof line, "Signed by %s on %s", *nv->signer ? nv->signer : "?", when);
		else
			fmt(line, sizeof line, "Signed by %s on %s; written by %s", *nv->signer ? nv->signer : "?", when,
			    *nv->author ? nv->author : "?");
	} else {
		local_time(nv->note.updated_at, true, when, sizeof when);
		fmt(line, sizeof line, "Draft by %s, started %s, last saved %s", *nv->author ? nv->author : "?", created, when);
	}
	/* Unsaved text kept in a file matters more than who wrote the note. */
	int role3 = *nv->notice ? TUI_PAIR_ALERT : TUI_PAIR_DIM;
	tui_text_pad(y + 2, x, w, "");
	tui_attr_on(app, role3);
	tui_text(y + 2, x + 1, w - 2, *nv->notice ? nv->notice : line);
	tui_attr_off(app, role3);
}

static void note_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	note_view *nv = as_note(v);
	if (h <= 0 || w <= 0)
		return;
	if (!nv->loaded) {
		for (int r = y; r < y + h; r++)
			mvhline(r, x, ' ', w);
		tui_attr_on(app, TUI_PAIR_ALERT);
		tui_text(y, x + 1, w - 2, "Note not available");
		tui_attr_off(app, TUI_PAIR_ALERT);
		tui_text(y + 1, x + 1, w - 2, nv->error);
		return;
	}
	ensure_layout(app, nv, render_width(w));
	int bh = body_height(h);
	clamp_top(nv, bh);
	draw_header(app, nv, y, x, w);

	char title[300];
	int last = nv->top + bh < (int)nv->nrows ? nv->top + bh : (int)nv->nrows;
	if ((int)nv->nrows > bh)
		fmt(title, sizeof title, "Note  lines %d-%d of %zu", nv->top + 1, last, nv->nrows);
	else
		fmt(title, sizeof title, "Note");
	if (nv->addenda.n) {
		size_t len = strlen(title);
		fmt(title + len, sizeof title - len, "  + %zu addend%s", nv->addenda.n, nv->addenda.n == 1 ? "um" : "a");
	}
	if (*nv->query) {
		size_t len = strlen(title);
		fmt(title + len, sizeof title - len, "  /%s %ld/%zu", nv->query, nv->current + 1, nv->nmatches);
	}
	tui_rule(app, y + 3, x, w, title, false);

	for (int r = 0; r < bh; r++) {
		size_t i = (size_t)(nv->top + r);
		if (i < nv->nrows)
			draw_row(app, nv, i, y + HEADER_ROWS + r, x, w);
		else
			mvhline(y + HEADER_ROWS + r, x, ' ', w);
	}
	if (nv->nrows == 0) {
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y + HEADER_ROWS, x + 1, w - 2, is_draft(nv) ? "The note is empty: e writes it" : "(empty note)");
		tui_attr_off(app, TUI_PAIR_DIM);
	}
	draw_footer(app, nv, y + h - 1, x, w);
}

/* ------------------------------------------------------------ lifecycle */

static void note_resume(tui_app *app, tui_view *v)
{
	/* Back from the built-in editor: show what was saved. */
	note_load(app, as_note(v));
}

static void note_destroy(tui_view *v)
{
	note_view *nv = as_note(v);
	note_unload(nv);
	free(nv->recovered);
	free(nv);
}

static const tui_view_ops note_ops = {
	.name = "Note",
	.keymap = note_keys,
	.draw = note_draw,
	.resume = note_resume,
	.destroy = note_destroy,
};

const tui_binding *ui_note_keymap(const char **name)
{
	*name = note_ops.name;
	return note_ops.keymap;
}

static note_view *note_view_create(tui_app *app, int64_t note_id, bool recover)
{
	note_view *nv = emr_xcalloc(1, sizeof *nv);
	nv->base.ops = &note_ops;
	nv->note_id = note_id;
	nv->current = -1;
	if (note_load(app, nv) && recover)
		offer_recovery(app, nv);
	return nv;
}

tui_view *ui_note_new(tui_app *app, int64_t note_id)
{
	return &note_view_create(app, note_id, true)->base;
}

/* A new draft note for a visit, from the default template prefilled
 * from the chart, opened for editing.  Returns TUI_* flags. */
static int start_note(tui_app *app, int64_t patient_id, int64_t encounter_id)
{
	emr_template tpl;
	char name[sizeof tpl.name] = "";
	if (emr_template_get(app->db, NULL, &tpl) == 0) {
		emr_strlcpy(name, tpl.name, sizeof name);
		emr_template_clear(&tpl);
	}
	char *body = emr_note_prefill(app->db, patient_id, encounter_id, *name ? name : NULL);
	bool prefilled = body != NULL;
	if (!body)
		body = emr_xstrdup("");
	int64_t note_id = 0;
	int rc = emr_note_add(app->db, encounter_id, name, body, &note_id);
	free(body);
	if (rc != 0) {
		tui_error(app, "The visit is recorded, but its note could not be created: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	note_view *nv = note_view_create(app, note_id, false);
	tui_push(app, &nv->base);
	if (!nv->loaded)
		return TUI_REDRAW;
	int flags = edit_text(app, nv, EDIT_NOTE, nv->note.body ? nv->note.body : "", NULL);
	if (!prefilled)
		tui_error(app, "The template could not be filled in from the chart: %s", emr_db_error(app->db));
	return flags;
}

int ui_visit_open(tui_app *app, int64_t encounter_id)
{
	emr_encounter e;
	if (emr_encounter_get(app->db, encounter_id, &e) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	if (e.note_id) {
		tui_push(app, ui_note_new(app, e.note_id));
		return TUI_REDRAW;
	}
	if (strcmp(e.status, "cancelled") == 0 || strcmp(e.status, "entered-in-error") == 0) {
		tui_message(app, "That visit is %s and has no note", e.status);
		return TUI_REDRAW;
	}
	if (!tui_confirm(app, "This visit has no note. Start one from the template? (y/n)"))
		return TUI_REDRAW;
	return start_note(app, e.patient_id, e.id);
}

/* ------------------------------------------------------------ printing */

static bool groff_installed(void)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/bin:/bin";
	char *copy = emr_xstrdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char full[1024];
		snprintf(full, sizeof full, "%s/groff", *d ? d : ".");
		found = access(full, X_OK) == 0;
	}
	free(copy);
	return found;
}

/* A path in dir for stem.ext that is not taken yet. */
static bool free_path(const char *dir, const char *stem, const char *ext, char *out, size_t n)
{
	for (int k = 1; k < 1000; k++) {
		if (k == 1)
			snprintf(out, n, "%s/%s.%s", dir, stem, ext);
		else
			snprintf(out, n, "%s/%s-%d.%s", dir, stem, k, ext);
		struct stat st;
		if (lstat(out, &st) != 0 && errno == ENOENT)
			return true;
	}
	return false;
}

/* One printout into a new file; -1 (file removed) on failure. */
static int print_one(tui_app *app, emr_print_kind kind, int64_t id, emr_print_format f, const char *path)
{
	FILE *out = emr_print_open(path);
	if (!out) {
		emr_db_set_error(app->db, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* groff's complaints must not scribble over the screen. */
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	int rc = emr_print(app->db, kind, id, f, out);
	if (fclose(out) != 0 && rc == 0) {
		emr_db_set_error(app->db, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (devnull >= 0)
		close(devnull);
	if (rc != 0)
		unlink(path);
	return rc;
}

/* Makes ~/NAME (0700) for the screen's printouts and exports; false
 * (after saying why, beginning with `failed`) when it cannot. */
static bool home_dir(tui_app *app, const char *name, const char *failed, char *dir, size_t n)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		tui_error(app, "%s: HOME is not set, so there is no ~/%s", failed, name);
		return false;
	}
	fmt(dir, n, "%s/%s", home, name);
	struct stat st;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		tui_error(app, "%s: cannot create %s: %s", failed, dir, strerror(errno));
		return false;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		tui_error(app, "%s: %s is not a directory", failed, dir);
		return false;
	}
	return true;
}

/* path with HOME shown as ~, which is shorter to read on the status line. */
static void tilde_path(const char *path, char *shown, size_t n)
{
	const char *home = getenv("HOME");
	size_t hl = home ? strlen(home) : 0;
	if (hl && strncmp(path, home, hl) == 0 && path[hl] == '/')
		fmt(shown, n, "~%s", path + hl);
	else
		fmt(shown, n, "%s", path);
}

int ui_print_to_file(tui_app *app, emr_print_kind kind, int64_t id, const char *stem)
{
	char dir[600], path[800];
	if (!home_dir(app, "emr-prints", "Not printed", dir, sizeof dir))
		return TUI_REDRAW;
	bool pdf = groff_installed();
	int rc = -1;
	if (pdf && free_path(dir, stem, "pdf", path, sizeof path))
		rc = print_one(app, kind, id, EMR_PRINT_PDF, path);
	char why[300] = "";
	if (rc != 0 && pdf)
		fmt(why, sizeof why, "%s", emr_db_error(app->db));
	if (rc != 0 && free_path(dir, stem, "txt", path, sizeof path))
		rc = print_one(app, kind, id, EMR_PRINT_TEXT, path);
	clearok(curscr, TRUE);
	if (rc != 0) {
		tui_error(app, "Not printed: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	char shown[900];
	tilde_path(path, shown, sizeof shown);
	if (*why)
		tui_message(app, "Printed as text to %s (no PDF: %s)", shown, why);
	else
		tui_message(app, "Printed to %s", shown);
	return TUI_REDRAW;
}

int ui_export_fhir_to_file(tui_app *app, int64_t patient_id, const char *stem)
{
	char dir[600], path[800], shown[900];
	if (!home_dir(app, "emr-exports", "Not exported", dir, sizeof dir))
		return TUI_REDRAW;
	if (!free_path(dir, stem, "json", path, sizeof path)) {
		tui_error(app, "Not exported: no free file name for %s in %s", stem, dir);
		return TUI_REDRAW;
	}
	FILE *out = emr_print_open(path);
	if (!out) {
		tui_error(app, "Not exported: %s: %s", path, strerror(errno));
		return TUI_REDRAW;
	}
	int rc = emr_fhir_export_patient(app->db, patient_id, out);
	char why[600] = "";
	if (rc != 0)
		fmt(why, sizeof why, "%s", emr_db_error(app->db));
	if (fclose(out) != 0 && rc == 0) {
		fmt(why, sizeof why, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc != 0) {
		unlink(path);   /* half a Bundle is worse than none */
		tui_error(app, "Not exported: %s", why);
		return TUI_REDRAW;
	}
	tilde_path(path, shown, sizeof shown);
	tui_message(app, "Exported to %s", shown);
	return TUI_REDRAW;
}

/* ------------------------------------------------------ the visit form */

static const char *const visit_types[] = {"office", "telehealth", "phone", "home", "other"};
static const char *const visit_type_labels[] = {"office visit", "telehealth (video)", "phone call", "home visit",
                                                "other"};

typedef struct visit_view {
	tui_view base;
	emr_form form;
	int64_t patient_id;
	char title[400];
	bool discarded;
} visit_view;

static visit_view *as_visit(tui_view *v)
{
	return (visit_view *)v;
}

static int act_visit_start(tui_app *app, tui_view *v)
{
	visit_view *vv = as_visit(v);
	if (!emr_form_validate_all(&vv->form)) {
		const emr_form_field *fl = &vv->form.fields[vv->form.focus];
		tui_error(app, "%s: %s", fl->spec.label, fl->msg);
		return TUI_REDRAW;
	}
	emr_encounter e;
	memset(&e, 0, sizeof e);
	e.patient_id = vv->patient_id;
	emr_strlcpy(e.type, emr_form_get(&vv->form, "type"), sizeof e.type);
	emr_strlcpy(e.reason, emr_form_get(&vv->form, "reason"), sizeof e.reason);
	if (emr_encounter_add(app->db, &e) != 0) {
		if (emr_form_place_error(&vv->form, emr_db_error(app->db)) < 0)
			tui_error(app, "The visit was not started: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	/* The form gives way to the note (vv is gone after this). */
	vv->discarded = true;
	int64_t patient_id = vv->patient_id;
	tui_pop(app);
	tui_message(app, "Visit started");
	return start_note(app, patient_id, e.id);
}

static int act_visit_cancel(tui_app *app, tui_view *v)
{
	visit_view *vv = as_visit(v);
	if (emr_form_dirty(&vv->form) && !vv->discarded) {
		if (!tui_confirm(app, "Discard this visit? (y/n)"))
			return TUI_REDRAW;
		vv->discarded = true;
	}
	tui_message(app, "No visit started");
	return TUI_POP;
}

static const struct {
	int key;
	emr_form_key fk;
} visit_key_table[] = {
	{TUI_KEY_TAB, EMR_FK_TAB}, {TUI_KEYCODE(KEY_BTAB), EMR_FK_BACKTAB},
	{TUI_KEYCODE(KEY_UP), EMR_FK_UP}, {TUI_KEYCODE(KEY_DOWN), EMR_FK_DOWN},
	{TUI_KEYCODE(KEY_LEFT), EMR_FK_LEFT}, {TUI_KEYCODE(KEY_RIGHT), EMR_FK_RIGHT},
	{TUI_KEYCODE(KEY_HOME), EMR_FK_HOME}, {TUI_CTRL('a'), EMR_FK_HOME},
	{TUI_KEYCODE(KEY_END), EMR_FK_END}, {TUI_CTRL('e'), EMR_FK_END},
	{TUI_KEYCODE(KEY_BACKSPACE), EMR_FK_BACKSPACE}, {127, EMR_FK_BACKSPACE}, {8, EMR_FK_BACKSPACE},
	{TUI_KEYCODE(KEY_DC), EMR_FK_DELETE}, {TUI_CTRL('d'), EMR_FK_DELETE},
	{TUI_CTRL('u'), EMR_FK_KILL_LINE}, {TUI_CTRL('w'), EMR_FK_KILL_WORD},
};

static int act_visit_key(tui_app *app, tui_view *v)
{
	visit_view *vv = as_visit(v);
	for (size_t i = 0; i < EMR_ARRAY_LEN(visit_key_table); i++)
		if (visit_key_table[i].key == app->last_key) {
			emr_form_key_press(&vv->form, visit_key_table[i].fk, 0);
			return TUI_REDRAW;
		}
	return TUI_OK;
}

/* Enter moves to the next field; on the last one it starts the visit. */
static int act_visit_enter(tui_app *app, tui_view *v)
{
	visit_view *vv = as_visit(v);
	if (vv->form.focus + 1 < vv->form.n) {
		emr_form_key_press(&vv->form, EMR_FK_ENTER, 0);
		return TUI_REDRAW;
	}
	return act_visit_start(app, v);
}

static const tui_binding visit_keys[] = {
	{{TUI_CTRL('s'), TUI_KEYCODE(KEY_F(2))}, "Ctrl-S/F2", "start the visit and write its note", act_visit_start},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "next field; on the last, start the visit", act_visit_enter},
	{{TUI_KEY_TAB, TUI_KEYCODE(KEY_BTAB)}, "Tab/Shift-Tab", "next / previous field", act_visit_key},
	{{TUI_KEYCODE(KEY_UP), TUI_KEYCODE(KEY_DOWN)}, "Up/Down", "previous / next field", act_visit_key},
	{{TUI_KEYCODE(KEY_LEFT), TUI_KEYCODE(KEY_RIGHT)}, "Left/Right", "change the type; move in the text", act_visit_key},
	{{TUI_KEYCODE(KEY_HOME), TUI_CTRL('a'), TUI_KEYCODE(KEY_END), TUI_CTRL('e')}, "Home/End", "start / end of the text", act_visit_key},
	{{TUI_KEYCODE(KEY_BACKSPACE), 127, 8}, "Backspace", "delete before the cursor", act_visit_key},
	{{TUI_KEYCODE(KEY_DC), TUI_CTRL('d')}, "Delete/Ctrl-D", "delete under the cursor", act_visit_key},
	{{TUI_CTRL('u'), TUI_CTRL('w')}, "Ctrl-U/Ctrl-W", "clear the field / delete a word", act_visit_key},
	{{TUI_KEY_ESC}, "Esc", "cancel (asks if anything was typed)", act_visit_cancel},
	{{0}, NULL, NULL, NULL},
};

static int visit_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	(void)app;
	if (is_keycode || key < 32 || key == 127)
		return TUI_UNKNOWN;
	emr_form_key_press(&as_visit(v)->form, EMR_FK_CHAR, (uint32_t)key);
	return TUI_REDRAW;
}

static bool visit_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

static bool visit_dirty(tui_view *v)
{
	visit_view *vv = as_visit(v);
	return !vv->discarded && emr_form_dirty(&vv->form);
}

static const char *type_label(const emr_form_field *fl)
{
	const char *v = emr_le_text(&fl->value);
	for (size_t k = 0; k < fl->spec.n_options; k++)
		if (strcmp(fl->spec.options[k], v) == 0)
			return fl->spec.option_labels ? fl->spec.option_labels[k] : v;
	return v;
}

static void visit_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	visit_view *vv = as_visit(v);
	for (int r = y; r < y + h; r++)
		mvhline(r, x, ' ', w);
	app->cursor_visible = false;
	tui_attr_on(app, TUI_PAIR_TITLE);
	tui_text(y, x + 1, w - 2, vv->title);
	tui_attr_off(app, TUI_PAIR_TITLE);
	int labw = 8, vx = x + 2 + labw + 2, valw = w - (vx - x) - 2;
	if (valw > 60)
		valw = 60;
	int row = y + 2;
	for (size_t i = 0; i < vv->form.n; i++) {
		const emr_form_field *fl = &vv->form.fields[i];
		bool focused = i == vv->form.focus;
		char label[64];
		snprintf(label, sizeof label, "%s%s", fl->spec.label, fl->spec.required ? "*" : "");
		if (focused)
			attron(A_BOLD);
		tui_text(row, x + 2, labw, label);
		if (focused)
			attroff(A_BOLD);
		if (focused)
			tui_attr_on(app, TUI_PAIR_SELECT);
		if (fl->spec.kind == EMR_FIELD_CHOICE) {
			char shown[128];
			snprintf(shown, sizeof shown, focused ? "< %s >" : "%s", type_label(fl));
			tui_text_pad(row, vx, valw, shown);
		} else {
			/* A long reason scrolls so the cursor stays in the field. */
			const char *text = emr_le_text(&fl->value);
			char *part = emr_xstrdup(text);
			part[fl->value.cursor] = '\0';
			size_t from = 0;
			while (part[from] && emr_display_width(part + from) >= valw) {
				from++;
				while (((unsigned char)part[from] & 0xC0) == 0x80)
					from++;
			}
			tui_text_pad(row, vx, valw, text + from);
			if (focused) {
				app->cursor_visible = true;
				app->cursor_y = row;
				app->cursor_x = vx + emr_display_width(part + from);
			}
			free(part);
		}
		if (focused)
			tui_attr_off(app, TUI_PAIR_SELECT);
		row++;
		if (fl->msg[0]) {
			tui_attr_on(app, TUI_PAIR_ALERT);
			tui_text(row, vx, w - (vx - x) - 1, fl->msg);
			tui_attr_off(app, TUI_PAIR_ALERT);
		}
		row += 2;
	}
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(row, x + 2, w - 4, "The note opens in your editor, from the template filled in from the chart.");
	const emr_form_field *fl = &vv->form.fields[vv->form.focus];
	if (fl->spec.hint)
		tui_text(y + h - 2, x + 2, w - 4, fl->spec.hint);
	tui_attr_off(app, TUI_PAIR_DIM);
	attron(A_REVERSE);
	tui_text_pad(y + h - 1, x, w, " Enter/Ctrl-S start the visit  Tab next field  Esc cancel");
	attroff(A_REVERSE);
}

static void visit_destroy(tui_view *v)
{
	visit_view *vv = as_visit(v);
	emr_form_free(&vv->form);
	free(vv);
}

static const tui_view_ops visit_ops = {
	.name = "New visit",
	.keymap = visit_keys,
	.draw = visit_draw,
	.input = visit_input,
	.dirty = visit_dirty,
	.wants_text = visit_wants_text,
	.destroy = visit_destroy,
};

const tui_binding *ui_visit_keymap(const char **name)
{
	*name = visit_ops.name;
	return visit_ops.keymap;
}

tui_view *ui_visit_new(tui_app *app, int64_t patient_id)
{
	emr_patient p;
	if (emr_patient_get(app->db, patient_id, &p) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return NULL;
	}
	if (strcmp(p.status, "active") != 0) {
		tui_error(app, "No new visit: this chart is %s", p.status);
		return NULL;
	}
	visit_view *vv = emr_xcalloc(1, sizeof *vv);
	vv->base.ops = &visit_ops;
	vv->patient_id = patient_id;
	char name[EMR_NAME_MAX * 3 + 8];
	emr_patient_display_name(&p, name, sizeof name);
	fmt(vv->title, sizeof vv->title, "New visit  -  %s (%s)", name, p.mrn);
	emr_form_init(&vv->form);
	emr_field_spec type = {
		.name = "type", .label = "Type", .kind = EMR_FIELD_CHOICE, .required = true,
		.options = visit_types, .option_labels = visit_type_labels, .n_options = EMR_ARRAY_LEN(visit_types),
		.hint = "Left/Right or Space change the type; or type its first letter",
	};
	emr_field_spec reason = {
		.name = "reason", .label = "Reason", .kind = EMR_FIELD_TEXT, .required = true, .max_bytes = 500,
		.hint = "Why the patient is seen: \"cough for 3 days\", \"diabetes follow-up\"",
	};
	emr_form_add(&vv->form, &type);
	emr_form_add(&vv->form, &reason);
	emr_form_mark_clean(&vv->form);
	emr_form_focus(&vv->form, 0);
	return &vv->base;
}
