/* editor: editing a note in the user's $VISUAL or $EDITOR (falling back
 * to vi), the way git commit does, without ever losing a word.
 *
 * The text is written to a file with mode 0600 in a private directory
 * (mode 0700) under $XDG_STATE_HOME/emr/drafts (~/.local/state/emr/drafts),
 * named after the note, and the editor runs on it.  When the editor exits,
 * whatever it left in the file is returned, whether it exited 0, non-zero
 * or was killed; the caller saves it as the draft and only then calls
 * emr_editor_done() to remove the file.  If emr itself dies meanwhile, the
 * file stays, and emr_editor_recovery() finds it the next time the note is
 * opened.
 *
 * Details:
 *   - the file is written to a fresh temporary file (O_CREAT|O_EXCL,
 *     0600) in the drafts directory and renamed over the draft, so a
 *     symlink planted there is replaced, never followed;
 *   - the directory must be a real directory owned by the user; a looser
 *     mode than 0700 is tightened;
 *   - the editor runs as /bin/sh -c '<command> "$1"' sh FILE, so $EDITOR
 *     may carry arguments ("emacs -nw", "code --wait");
 *   - while it runs emr ignores SIGINT and SIGQUIT (a ^C meant for the
 *     editor must not kill emr and lose the text) and holds a lock
 *     (FILE.lock, flock) so a second emr cannot edit the same note at the
 *     same time; the lock dies with the process, so a crash leaves a
 *     recoverable file, not a stuck lock;
 *   - an editor that cannot be started (the shell's exit status 126 or
 *     127, and the file untouched) is an error, not a result;
 *   - NUL bytes in the file come back as the byte 0xC0, which is never
 *     valid UTF-8: the save refuses the text (and the file is kept)
 *     instead of silently cutting it at the NUL.
 *
 * No curses here: the UI suspends the screen around emr_editor_run().
 * Ownership: returned strings are heap memory the caller frees. */
#ifndef EMR_EDITOR_H
#define EMR_EDITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct emr_edit_result {
	char *text;            /* the file's content after the editor, or NULL */
	int exit_status;       /* the editor's exit status, -1 if killed */
	int signal;            /* the signal that killed it, or 0 */
	bool changed;          /* text differs from what was given */
	char path[512];        /* the draft file (kept until emr_editor_done) */
} emr_edit_result;

/* The editor command: $VISUAL, else $EDITOR, else "vi". */
const char *emr_editor_command(void);

/* Writes text to the draft file of note_id and runs the editor on it.
 * Returns 0 when a result was obtained (even from a failed editor), -1 when
 * the editor could not be started at all, or the note is being edited by
 * another emr right now (err says why).  The result's text must be freed
 * by the caller.  A leftover draft file is replaced: ask
 * emr_editor_recovery() first.  On -1 the draft file, if any, stays. */
int emr_editor_run(int64_t note_id, const char *text, emr_edit_result *res, char *err, size_t errsz);

/* Removes the draft file of note_id after its text is safely saved. */
void emr_editor_done(int64_t note_id);

/* The text left in note_id's draft file by an editing session that never
 * finished (emr was killed), or NULL when there is none.  A file that
 * another emr process is editing right now is not a leftover: NULL. */
char *emr_editor_recovery(int64_t note_id);

/* The same for any named draft (templates: "template-soap").  key is
 * made of letters, digits, '.', '_' and '-' and names the file
 * "<key>.md"; emr_editor_run(id, ...) is emr_editor_run_key("note-<id>",
 * ...). */
int emr_editor_run_key(const char *key, const char *text, emr_edit_result *res, char *err, size_t errsz);
void emr_editor_done_key(const char *key);
char *emr_editor_recovery_key(const char *key);

/* The drafts directory ($XDG_STATE_HOME/emr/drafts or
 * ~/.local/state/emr/drafts) into buf, without creating it.  False when
 * there is no home directory. */
bool emr_editor_drafts_dir(char *buf, size_t n);

/* "the editor exited with status 1" / "the editor was killed by signal 9
 * (SIGKILL)" / "" when it exited 0, into buf. */
void emr_editor_describe(const emr_edit_result *res, char *buf, size_t n);

#endif
