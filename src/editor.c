/* editor: running $VISUAL/$EDITOR on a note's draft file, keeping every
 * word whatever the editor (or emr) does.  See include/emr/editor.h. */
#include "emr/editor.h"

#include "emr/db.h"
#include "emr/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* A note is Markdown typed by a person; a file this large is a mistake. */
#define DRAFT_MAX ((size_t)64 << 20)

const char *emr_editor_command(void)
{
	const char *e = getenv("VISUAL");
	if (!e || !*e)
		e = getenv("EDITOR");
	return e && *e ? e : "vi";
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && *h == '/')
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
}

bool emr_editor_drafts_dir(char *buf, size_t n)
{
	const char *state = getenv("XDG_STATE_HOME");
	int len;
	/* The XDG spec: a relative path in the variable is invalid, ignore it. */
	if (state && *state == '/') {
		len = snprintf(buf, n, "%s/emr/drafts", state);
	} else {
		const char *home = home_dir();
		if (!home)
			return false;
		len = snprintf(buf, n, "%s/.local/state/emr/drafts", home);
	}
	return len > 0 && (size_t)len < n;
}

static bool key_valid(const char *key)
{
	size_t n = strlen(key);
	if (n == 0 || n > 100 || key[0] == '.')
		return false;
	return strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* Creates the drafts directory (and its parents) 0700 and checks that it
 * is a directory of ours that nobody else can read. */
static int drafts_dir_ready(char *dir, size_t n, char *err, size_t errsz)
{
	if (!emr_editor_drafts_dir(dir, n)) {
		snprintf(err, errsz, "cannot find a place for drafts: set $HOME or $XDG_STATE_HOME");
		return -1;
	}
	char probe[PATH_MAX + 4];
	if (snprintf(probe, sizeof probe, "%s/x", dir) >= (int)sizeof probe) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	if (emr_mkdir_parents(probe, err, errsz) != 0)
		return -1;
	struct stat st;
	if (lstat(dir, &st) != 0) {
		snprintf(err, errsz, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errsz, "%s: not a directory (a symbolic link or a file is in the way)", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errsz, "%s: belongs to another user; drafts are kept only in a directory of your own", dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) != 0) {
		snprintf(err, errsz, "%s: cannot make it private (mode 0700): %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static bool draft_path(const char *dir, const char *key, const char *suffix, char *buf, size_t n)
{
	int len = snprintf(buf, n, "%s/%s%s", dir, key, suffix);
	return len > 0 && (size_t)len < n;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes text to path through a new private temporary file renamed over
 * it: the draft is never half-written, and whatever sits at path (a
 * symbolic link included) is replaced rather than written through. */
static int write_draft(const char *dir, const char *path, const char *text, char *err, size_t errsz)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s/.tmp-XXXXXX", dir) >= (int)sizeof tmp) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	int fd = mkstemp(tmp); /* O_CREAT|O_EXCL, mode 0600 */
	if (fd < 0) {
		snprintf(err, errsz, "cannot create a draft file in %s: %s", dir, strerror(errno));
		return -1;
	}
	fchmod(fd, 0600);
	if (write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
		snprintf(err, errsz, "cannot write the draft file %s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		snprintf(err, errsz, "cannot put the draft in place at %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Reads a draft back without following a symbolic link.  NUL bytes are
 * turned into 0xC0 (see the header). */
static char *read_draft(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > DRAFT_MAX) {
		close(fd);
		return NULL;
	}
	emr_sb sb = EMR_SB_INIT;
	char chunk[65536];
	for (;;) {
		ssize_t got = read(fd, chunk, sizeof chunk);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			emr_sb_free(&sb);
			close(fd);
			return NULL;
		}
		if (got == 0)
			break;
		if (sb.len + (size_t)got > DRAFT_MAX) {
			emr_sb_free(&sb);
			close(fd);
			return NULL;
		}
		for (ssize_t i = 0; i < got; i++)
			if (chunk[i] == '\0')
				chunk[i] = (char)0xC0;
		emr_sb_appendn(&sb, chunk, (size_t)got);
	}
	close(fd);
	return emr_sb_take(&sb);
}

/* The lock that says "an emr process is editing this draft right now".
 * Returns the descriptor (close it to release), -1 when another process
 * holds it, -2 on any other error. */
static int lock_draft(const char *dir, const char *key)
{
	char path[PATH_MAX];
	if (!draft_path(dir, key, ".lock", path, sizeof path))
		return -2;
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -2;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		return e == EWOULDBLOCK ? -1 : -2;
	}
	return fd;
}

static void unlock_draft(const char *dir, const char *key, int fd)
{
	char path[PATH_MAX];
	if (draft_path(dir, key, ".lock", path, sizeof path))
		unlink(path);
	close(fd);
}

/* True when cmd is one simple command: no ; & | ( ) ` < > or newline
 * outside quotes. */
static bool is_simple_command(const char *cmd)
{
	char quote = 0;
	for (const char *p = cmd; *p; p++) {
		if (quote == '\'') {
			if (*p == '\'')
				quote = 0;
		} else if (*p == '\\' && p[1]) {
			p++;
		} else if (quote == '"') {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				quote = 0;
			else if (*p == '`')
				return false;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (strchr(";&|()`<>\n", *p)) {
			return false;
		}
	}
	return quote == 0;
}

/* Runs the editor on path and waits for it.  Returns the wait status, or
 * -1 when fork failed. */
static int run_editor(const char *cmd, const char *path)
{
	/* A simple command (words, quotes, variables) is exec'd by the shell,
	 * so a signal that kills the editor reaches us as such, not as the
	 * shell's 128+N; a compound one (;, &&, |, ...) runs as written. */
	bool simple = is_simple_command(cmd);
	char script[4096];
	snprintf(script, sizeof script, "%s%s \"$1\"", simple ? "exec " : "", cmd);
	struct sigaction ign = {0}, old_int, old_quit;
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	fflush(NULL); /* or the child would write our buffered output again */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction dfl = {0};
		dfl.sa_handler = SIG_DFL;
		sigemptyset(&dfl.sa_mask);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGQUIT, &dfl, NULL);
		execl("/bin/sh", "sh", "-c", script, "sh", path, (char *)NULL);
		_exit(127);
	}
	int status = -1;
	if (pid > 0) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				status = -1;
				break;
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return pid > 0 ? status : -1;
}

int emr_editor_run_key(const char *key, const char *text, emr_edit_result *res, char *err, size_t errsz)
{
	memset(res, 0, sizeof *res);
	if (!text)
		text = "";
	if (!key_valid(key)) {
		snprintf(err, errsz, "draft name \"%s\": use letters, digits, '.', '_' and '-'", key);
		return -1;
	}
	char dir[PATH_MAX];
	if (drafts_dir_ready(dir, sizeof dir, err, errsz) != 0)
		return -1;
	if (!draft_path(dir, key, ".md", res->path, sizeof res->path)) {
		snprintf(err, errsz, "%s: path too long", dir);
		return -1;
	}
	int lock = lock_draft(dir, key);
	if (lock == -1) {
		snprintf(err, errsz, "%s is open in an editor in another emr session; finish there first", key);
		return -1;
	}
	if (lock < 0) {
		snprintf(err, errsz, "cannot lock the draft %s: %s", res->path, strerror(errno));
		return -1;
	}
	if (write_draft(dir, res->path, text, err, errsz) != 0) {
		unlock_draft(dir, key, lock);
		return -1;
	}
	const char *cmd = emr_editor_command();
	int status = run_editor(cmd, res->path);
	if (status == -1) {
		snprintf(err, errsz, "cannot start the editor \"%s\": %s", cmd, strerror(errno));
		unlock_draft(dir, key, lock);
		return -1;
	}
	res->text = read_draft(res->path);
	res->changed = !res->text || strcmp(res->text, text) != 0;
	if (WIFSIGNALED(status)) {
		res->exit_status = -1;
		res->signal = WTERMSIG(status);
	} else if (!is_simple_command(cmd) && WEXITSTATUS(status) > 128 && WEXITSTATUS(status) <= 128 + 64) {
		/* A compound command: the shell reports a killed editor as 128+N. */
		res->exit_status = -1;
		res->signal = WEXITSTATUS(status) - 128;
	} else {
		res->exit_status = WEXITSTATUS(status);
	}
	unlock_draft(dir, key, lock);
	/* The shell says 127 (not found) or 126 (not executable) when the
	 * editor never ran.  An untouched file confirms it; if the file did
	 * change, the text matters more than the status. */
	if ((res->exit_status == 127 || res->exit_status == 126) && res->text && !res->changed) {
		snprintf(err, errsz, "the editor \"%s\" could not be started (%s); set $VISUAL or $EDITOR", cmd,
		         res->exit_status == 127 ? "command not found" : "not executable");
		free(res->text);
		res->text = NULL;
		/* The file stays: it may hold recovered text the caller has not
		 * saved yet.  The caller removes it (emr_editor_done) or not. */
		return -1;
	}
	return 0;
}

void emr_editor_done_key(const char *key)
{
	char dir[PATH_MAX], path[PATH_MAX];
	if (!key_valid(key) || !emr_editor_drafts_dir(dir, sizeof dir) || !draft_path(dir, key, ".md", path, sizeof path))
		return;
	unlink(path);
}

char *emr_editor_recovery_key(const char *key)
{
	char dir[PATH_MAX], path[PATH_MAX];
	if (!key_valid(key) || !emr_editor_drafts_dir(dir, sizeof dir) || !draft_path(dir, key, ".md", path, sizeof path))
		return NULL;
	if (access(path, F_OK) != 0)
		return NULL;
	/* Being edited by a live emr right now: not a leftover. */
	int lock = lock_draft(dir, key);
	if (lock == -1)
		return NULL;
	char *text = read_draft(path);
	if (lock >= 0) {
		char lpath[PATH_MAX];
		if (draft_path(dir, key, ".lock", lpath, sizeof lpath))
			unlink(lpath);
		close(lock);
	}
	return text;
}

static void note_key(int64_t note_id, char *buf, size_t n)
{
	snprintf(buf, n, "note-%lld", (long long)note_id);
}

int emr_editor_run(int64_t note_id, const char *text, emr_edit_result *res, char *err, size_t errsz)
{
	char key[32];
	note_key(note_id, key, sizeof key);
	return emr_editor_run_key(key, text, res, err, errsz);
}

void emr_editor_done(int64_t note_id)
{
	char key[32];
	note_key(note_id, key, sizeof key);
	emr_editor_done_key(key);
}

char *emr_editor_recovery(int64_t note_id)
{
	char key[32];
	note_key(note_id, key, sizeof key);
	return emr_editor_recovery_key(key);
}

void emr_editor_describe(const emr_edit_result *res, char *buf, size_t n)
{
	if (res->signal) {
		const char *name = res->signal == SIGKILL ? "SIGKILL" : res->signal == SIGTERM ? "SIGTERM"
		                 : res->signal == SIGHUP ? "SIGHUP" : res->signal == SIGINT ? "SIGINT"
		                 : res->signal == SIGSEGV ? "SIGSEGV" : res->signal == SIGABRT ? "SIGABRT" : NULL;
		if (name)
			snprintf(buf, n, "the editor was killed by signal %d (%s)", res->signal, name);
		else
			snprintf(buf, n, "the editor was killed by signal %d", res->signal);
	} else if (res->exit_status != 0) {
		snprintf(buf, n, "the editor exited with status %d", res->exit_status);
	} else if (n) {
		buf[0] = '\0';
	}
}
