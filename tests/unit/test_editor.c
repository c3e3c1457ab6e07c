/* The editor module: scripted editors that succeed, fail, are killed or
 * do not exist; recovery after emr itself dies; the drafts directory. */
#include "testlib.h"

#include "emr/editor.h"
#include "emr/util.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[256];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/emr-editor-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char state[300];
	snprintf(state, sizeof state, "%s/state", dir);
	setenv("XDG_STATE_HOME", state, 1);
	unsetenv("VISUAL");
	unsetenv("EDITOR");
}

static void teardown(void)
{
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", dir);
}

TestSuite(editor, .init = setup, .fini = teardown);

/* Writes an editor script into the test's directory and makes it $EDITOR. */
static void editor_script(const char *name, const char *body)
{
	char path[400];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "#!/bin/sh\n%s", body);
	fclose(f);
	chmod(path, 0755);
	setenv("EDITOR", path, 1);
}

static void draft_path(int64_t id, char *buf, size_t n)
{
	snprintf(buf, n, "%s/state/emr/drafts/note-%lld.md", dir, (long long)id);
}

Test(editor, command_is_visual_then_editor_then_vi)
{
	cr_assert_str_eq(emr_editor_command(), "vi");
	setenv("EDITOR", "nano", 1);
	cr_assert_str_eq(emr_editor_command(), "nano");
	setenv("VISUAL", "emacs -nw", 1);
	cr_assert_str_eq(emr_editor_command(), "emacs -nw");
}

Test(editor, exit_zero_returns_the_new_text_in_a_private_file)
{
	editor_script("ed", "printf 'new text\\n' > \"$1\"\n");
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(7, "old text\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "new text\n");
	cr_assert_eq(r.exit_status, 0);
	cr_assert_eq(r.signal, 0);
	cr_assert(r.changed);
	char want[400];
	draft_path(7, want, sizeof want);
	cr_assert_str_eq(r.path, want);
	struct stat st;
	cr_assert_eq(stat(r.path, &st), 0, "the file stays until emr_editor_done");
	cr_assert_eq(st.st_mode & 0777, 0600);
	char d[400];
	snprintf(d, sizeof d, "%s/state/emr/drafts", dir);
	cr_assert_eq(stat(d, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	char desc[128];
	emr_editor_describe(&r, desc, sizeof desc);
	cr_assert_str_eq(desc, "");
	free(r.text);
	emr_editor_done(7);
	cr_assert_neq(stat(want, &st), 0, "done removes the draft");
	cr_assert_null(emr_editor_recovery(7));
}

Test(editor, an_editor_that_exits_1_keeps_the_text)
{
	editor_script("ed", "printf 'half a thought\\n' > \"$1\"\nexit 1\n");
	emr_edit_result r;
	char err[512], desc[128];
	cr_assert_eq(emr_editor_run(8, "start\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "half a thought\n");
	cr_assert_eq(r.exit_status, 1);
	cr_assert_eq(r.signal, 0);
	emr_editor_describe(&r, desc, sizeof desc);
	cr_assert_str_eq(desc, "the editor exited with status 1");
	free(r.text);
}

Test(editor, a_killed_editor_keeps_the_text)
{
	editor_script("ed", "printf 'typed, then killed\\n' > \"$1\"\nkill -9 $$\n");
	emr_edit_result r;
	char err[512], desc[128];
	cr_assert_eq(emr_editor_run(9, "start\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "typed, then killed\n");
	cr_assert_eq(r.exit_status, -1);
	cr_assert_eq(r.signal, SIGKILL);
	emr_editor_describe(&r, desc, sizeof desc);
	cr_assert_str_eq(desc, "the editor was killed by signal 9 (SIGKILL)");
	free(r.text);
}

Test(editor, a_killed_editor_inside_sh_c_is_reported_as_killed)
{
	/* The form of $EDITOR the tests of the command line use. */
	setenv("EDITOR", "sh -c \"printf 'via sh -c\\n' > \\\"\\$1\\\"; kill -9 \\$\\$\" sh", 1);
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(10, "start\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "via sh -c\n");
	cr_assert_eq(r.signal, SIGKILL);
	free(r.text);
}

Test(editor, editor_commands_may_carry_arguments)
{
	editor_script("ed", "printf '%s|%s\\n' \"$1\" \"$(basename \"$2\")\" > \"$2\"\n");
	char cmd[400];
	snprintf(cmd, sizeof cmd, "%s/ed --wait", dir);
	setenv("VISUAL", cmd, 1);
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(11, "", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "--wait|note-11.md\n");
	free(r.text);
}

Test(editor, an_editor_that_does_not_exist_is_an_error)
{
	cr_assert_not_null(freopen("/dev/null", "w", stderr)); /* the shell's "not found" */
	setenv("EDITOR", "/nonexistent/editor", 1);
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(12, "text\n", &r, err, sizeof err), -1);
	cr_assert(strstr(err, "could not be started"), "%s", err);
	cr_assert(strstr(err, "/nonexistent/editor"), "%s", err);
	cr_assert_null(r.text);
	setenv("EDITOR", "no-such-editor-anywhere --flag", 1);
	cr_assert_eq(emr_editor_run(12, "text\n", &r, err, sizeof err), -1);
	cr_assert(strstr(err, "command not found"), "%s", err);
}

Test(editor, an_untouched_file_is_not_changed)
{
	setenv("EDITOR", "true", 1);
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(13, "same\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "same\n");
	cr_assert_not(r.changed);
	free(r.text);
}

Test(editor, recovery_after_emr_dies_while_editing)
{
	/* The "emr" is a child process; its editor kills it (SIGKILL, so no
	 * cleanup runs) after typing. */
	editor_script("ed", "printf 'typed before the crash\\n' > \"$1\"\nkill -9 $PPID\n");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		emr_edit_result r;
		char err[512];
		emr_editor_run(14, "the saved draft\n", &r, err, sizeof err);
		_exit(0); /* not reached */
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	char *left = emr_editor_recovery(14);
	cr_assert_not_null(left, "the text survives emr's death");
	cr_assert_str_eq(left, "typed before the crash\n");
	free(left);
	/* Nothing holds the draft: it can be edited again, then removed. */
	setenv("EDITOR", "true", 1);
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(14, "typed before the crash\n", &r, err, sizeof err), 0, "%s", err);
	free(r.text);
	emr_editor_done(14);
	cr_assert_null(emr_editor_recovery(14));
}

Test(editor, a_live_session_is_neither_a_leftover_nor_editable_twice)
{
	char ready[400];
	snprintf(ready, sizeof ready, "%s/ready", dir);
	char body[600];
	snprintf(body, sizeof body, "printf 'in progress\\n' > \"$1\"\ntouch '%s'\nsleep 1\n", ready);
	editor_script("ed", body);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		emr_edit_result r;
		char err[512];
		_exit(emr_editor_run(15, "start\n", &r, err, sizeof err) == 0 ? 0 : 1);
	}
	for (int i = 0; i < 500 && access(ready, F_OK) != 0; i++)
		usleep(10000);
	cr_assert_eq(access(ready, F_OK), 0, "the editor started");
	cr_assert_null(emr_editor_recovery(15), "a file being edited is not a leftover");
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(15, "other\n", &r, err, sizeof err), -1);
	cr_assert(strstr(err, "another emr session"), "%s", err);
	int status;
	waitpid(pid, &status, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(editor, a_symlink_at_the_draft_is_replaced_not_followed)
{
	char drafts[400], victim[400], link[400];
	snprintf(drafts, sizeof drafts, "%s/state/emr/drafts", dir);
	snprintf(victim, sizeof victim, "%s/victim", dir);
	draft_path(16, link, sizeof link);
	char err[512];
	cr_assert_eq(emr_mkdir_parents(link, err, sizeof err), 0, "%s", err);
	FILE *f = fopen(victim, "w");
	fputs("precious\n", f);
	fclose(f);
	cr_assert_eq(symlink(victim, link), 0);
	setenv("EDITOR", "true", 1);
	emr_edit_result r;
	cr_assert_eq(emr_editor_run(16, "draft text\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(r.text, "draft text\n");
	free(r.text);
	size_t len;
	char *v = emr_read_file(victim, 1000, &len);
	cr_assert_str_eq(v, "precious\n", "the link's target is untouched");
	free(v);
	struct stat st;
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
}

Test(editor, a_loose_drafts_directory_is_made_private)
{
	char drafts[400], probe[420], err[512];
	snprintf(drafts, sizeof drafts, "%s/state/emr/drafts", dir);
	snprintf(probe, sizeof probe, "%s/x", drafts);
	cr_assert_eq(emr_mkdir_parents(probe, err, sizeof err), 0, "%s", err);
	chmod(drafts, 0755);
	setenv("EDITOR", "true", 1);
	emr_edit_result r;
	cr_assert_eq(emr_editor_run(17, "x\n", &r, err, sizeof err), 0, "%s", err);
	free(r.text);
	struct stat st;
	cr_assert_eq(stat(drafts, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
}

Test(editor, nul_bytes_make_the_text_invalid_instead_of_cutting_it)
{
	editor_script("ed", "printf 'before\\000after\\n' > \"$1\"\n");
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run(18, "x\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert_eq(strlen(r.text), strlen("before?after\n"), "nothing is cut at the NUL");
	cr_assert_not(emr_utf8_valid(r.text, strlen(r.text)), "so a save refuses it");
	free(r.text);
}

Test(editor, drafts_live_under_xdg_state_home_or_home)
{
	char buf[512], want[512];
	cr_assert(emr_editor_drafts_dir(buf, sizeof buf));
	snprintf(want, sizeof want, "%s/state/emr/drafts", dir);
	cr_assert_str_eq(buf, want);
	unsetenv("XDG_STATE_HOME");
	setenv("HOME", dir, 1);
	cr_assert(emr_editor_drafts_dir(buf, sizeof buf));
	snprintf(want, sizeof want, "%s/.local/state/emr/drafts", dir);
	cr_assert_str_eq(buf, want);
	setenv("XDG_STATE_HOME", "relative/path", 1);
	cr_assert(emr_editor_drafts_dir(buf, sizeof buf));
	cr_assert_str_eq(buf, want, "a relative XDG_STATE_HOME is ignored");
}

Test(editor, named_drafts_for_templates)
{
	editor_script("ed", "printf 'template text\\n' > \"$1\"\nexit 3\n");
	emr_edit_result r;
	char err[512];
	cr_assert_eq(emr_editor_run_key("template-soap", "x\n", &r, err, sizeof err), 0, "%s", err);
	cr_assert(strstr(r.path, "/template-soap.md"));
	cr_assert_eq(r.exit_status, 3);
	free(r.text);
	char *left = emr_editor_recovery_key("template-soap");
	cr_assert_str_eq(left, "template text\n");
	free(left);
	emr_editor_done_key("template-soap");
	cr_assert_null(emr_editor_recovery_key("template-soap"));
	cr_assert_eq(emr_editor_run_key("../escape", "x", &r, err, sizeof err), -1, "keys cannot leave the directory");
}
