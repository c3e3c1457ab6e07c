/* cli_admin: `emr init`, `emr user`, `emr audit`. */
#include "emr/cli.h"

#include "emr/audit.h"
#include "emr/auth.h"
#include "emr/cli_pass.h"
#include "emr/output.h"
#include "emr/perm.h"
#include "emr/practice.h"
#include "emr/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_or_exit(emr_cli *cli, const char *cmd, const char *usage, const emr_opt *opts, int argc, char **argv,
                         const char **pos, int max, int *npos)
{
	int rc = emr_opts_parse(cli, cmd, usage, opts, argc, argv, pos, max, npos);
	return rc > 0 ? 1 : rc < 0 ? -1 : 0;
}

/* Reads one line from stdin after a prompt on stderr; false at EOF. */
static bool ask(const char *prompt, char *buf, size_t n)
{
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	if (!fgets(buf, (int)n, stdin))
		return false;
	buf[strcspn(buf, "\r\n")] = '\0';
	return true;
}

int emr_cmd_init(emr_cli *cli, int argc, char **argv)
{
	const char *name = NULL, *login = NULL, *display = NULL, *cred = NULL, *npi = NULL;
	bool no_codes = false;
	const emr_opt opts[] = {
		{"practice", 'p', EMR_OPT_STRING, &name, "NAME  the practice's name"},
		{"login", 0, EMR_OPT_STRING, &login, "LOGIN  the first user's Unix login (default: yours)"},
		{"name", 0, EMR_OPT_STRING, &display, "NAME  the first user's name as printed, e.g. \"Ana Ruiz\""},
		{"credentials", 0, EMR_OPT_STRING, &cred, "TEXT  e.g. MD, DO, NP"},
		{"npi", 0, EMR_OPT_STRING, &npi, "NPI  the first user's 10-digit NPI"},
		{"no-codes", 0, EMR_OPT_FLAG, &no_codes, "skip loading ICD-10-CM (load later with emr codes import)"},
		{0},
	};
	const char *pos[1];
	int npos;
	int prc = parse_or_exit(cli, "init", "init [--practice NAME] [--name NAME] [--login LOGIN] [--credentials MD] [--npi NPI]",
	                        opts, argc, argv, pos, 0, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	char name_buf[201], display_buf[201];
	bool interactive = isatty(STDIN_FILENO);
	if (!name) {
		if (!interactive || !ask("Practice name: ", name_buf, sizeof name_buf) || !*name_buf)
			return emr_cli_usage(cli, "init", "give the practice name with --practice");
		name = name_buf;
	}
	if (!display && interactive) {
		if (ask("Your name as printed on notes (e.g. Ana Ruiz): ", display_buf, sizeof display_buf) && *display_buf)
			display = display_buf;
	}
	char path[4096], err[1024];
	if (!emr_db_default_path(cli->db_path, path, sizeof path)) {
		emr_cli_error(cli, "cannot find where to put the database: set --db, $EMR_DB or $HOME");
		return EMR_EXIT_FAIL;
	}
	struct stat st;
	if (stat(path, &st) == 0 && st.st_size > 0) {
		emr_cli_error(cli, "%s: a practice database already exists here; emr init never overwrites one", path);
		return EMR_EXIT_FAIL;
	}
	cli->db = emr_db_open(path, EMR_OPEN_CREATE, err, sizeof err);
	if (!cli->db) {
		emr_cli_error(cli, "%s", err);
		return EMR_EXIT_FAIL;
	}
	emr_init_opts o = {
		.practice_name = name, .user_login = login, .user_display_name = display,
		.user_credentials = cred, .user_npi = npi, .load_codes = !no_codes,
	};
	if (emr_practice_create(cli->db, &o) != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		/* Leave no half-made practice behind: the file was new. */
		emr_db_close(cli->db);
		cli->db = NULL;
		char side[4200];
		unlink(path);
		snprintf(side, sizeof side, "%s-wal", path);
		unlink(side);
		snprintf(side, sizeof side, "%s-shm", path);
		unlink(side);
		return EMR_EXIT_FAIL;
	}
	emr_user u;
	emr_login(cli->db, &u);
	fprintf(cli->out, "created %s\n", path);
	return EMR_EXIT_OK;
}

/* ------------------------------------------------------------------ user */

static const emr_column user_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"login", "LOGIN", EMR_COL_TEXT, false},
	{"display_name", "NAME", EMR_COL_TEXT, false},
	{"role", "ROLE", EMR_COL_TEXT, false},
	{"credentials", "CRED", EMR_COL_TEXT, false},
	{"npi", "NPI", EMR_COL_TEXT, false},
	{"active", "ACTIVE", EMR_COL_BOOL, false},
};

static int user_list(emr_cli *cli, int argc, char **argv)
{
	bool json = false, csv = false;
	const emr_opt opts[] = {
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {"csv", 0, EMR_OPT_FLAG, &csv, "CSV output"}, {0},
	};
	const char *pos[1];
	int npos;
	int prc = parse_or_exit(cli, "user", "user list [--json|--csv]", opts, argc, argv, pos, 0, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	emr_format fmt;
	if (emr_cli_format(cli, "user", json, csv, true, &fmt))
		return EMR_EXIT_USAGE;
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_user_list list = {0};
	if (emr_user_list_all(cli->db, &list) != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	emr_table *t = emr_table_new(user_cols, EMR_ARRAY_LEN(user_cols));
	for (size_t i = 0; i < list.n; i++) {
		emr_user *u = &list.items[i];
		char id[24];
		snprintf(id, sizeof id, "%lld", (long long)u->id);
		const char *cells[] = {id, u->login, u->display_name, u->role, u->credentials, u->npi, u->active ? "yes" : "no"};
		emr_table_add(t, cells);
	}
	emr_table_print(t, fmt, cli->out);
	emr_table_free(t);
	emr_user_list_free(&list);
	return EMR_EXIT_OK;
}

static int user_add(emr_cli *cli, int argc, char **argv)
{
	const char *name = NULL, *role = NULL, *cred = NULL, *npi = NULL;
	const emr_opt opts[] = {
		{"name", 0, EMR_OPT_STRING, &name, "NAME  name as printed"},
		{"role", 0, EMR_OPT_STRING, &role, "ROLE  physician, nurse, frontdesk or biller"},
		{"credentials", 0, EMR_OPT_STRING, &cred, "TEXT  e.g. RN"},
		{"npi", 0, EMR_OPT_STRING, &npi, "NPI  10-digit NPI"},
		{0},
	};
	const char *pos[1];
	int npos;
	int prc = parse_or_exit(cli, "user", "user add LOGIN --name NAME --role ROLE [--credentials C] [--npi NPI]", opts,
	                        argc, argv, pos, 1, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	if (npos != 1 || !name || !role)
		return emr_cli_usage(cli, "user", "add needs a LOGIN, --name and --role");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_user u = {0};
	if (!emr_strlcpy(u.role, role, sizeof u.role)) {
		emr_cli_error(cli, "user: role \"%s\": must be physician, nurse, frontdesk or biller", role);
		return EMR_EXIT_FAIL;
	}
	if (!emr_strlcpy(u.login, pos[0], sizeof u.login) || !emr_strlcpy(u.display_name, name, sizeof u.display_name) ||
	    !emr_strlcpy(u.credentials, cred ? cred : "", sizeof u.credentials) || !emr_strlcpy(u.npi, npi ? npi : "", sizeof u.npi)) {
		emr_cli_error(cli, "user: %s is too long", strlen(pos[0]) >= sizeof u.login ? "the login" :
		              strlen(name) >= sizeof u.display_name ? "--name" : cred && strlen(cred) >= sizeof u.credentials ? "--credentials" : "--npi");
		return EMR_EXIT_FAIL;
	}
	if (emr_user_add(cli->db, &u) != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	fprintf(cli->out, "user %s added as %s\n", u.login, u.role);
	return EMR_EXIT_OK;
}

/* `emr user passwd [LOGIN]`: sets your own passphrase, or (a physician)
 * another user's. */
static int user_passwd(emr_cli *cli, int argc, char **argv)
{
	long pass_fd = -1;
	const emr_opt opts[] = {
		{"passphrase-fd", 0, EMR_OPT_INT, &pass_fd, "N  read the new passphrase from file descriptor N (first line)"},
		{0},
	};
	const char *pos[1];
	int npos;
	int prc = parse_or_exit(cli, "user",
	                        "user passwd [LOGIN] [--passphrase-fd N]\n\nSets your passphrase (at least 8 characters),"
	                        " asked for to sign notes and to unlock the screen; a physician may set another user's."
	                        "  Asked twice on the terminal with echo off; scripts give --passphrase-fd N."
	                        "  $EMR_PASSPHRASE, when set, is used instead of asking: it is meant for tests, as"
	                        " environment variables are visible to other processes of the same user.",
	                        opts, argc, argv, pos, 1, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_user target = cli->user;
	if (npos == 1 && strcmp(pos[0], cli->user.login) != 0) {
		if (strcmp(cli->user.role, "physician") != 0) {
			emr_cli_error(cli, "user: only a physician may set another user's passphrase");
			return EMR_EXIT_FAIL;
		}
		if (emr_user_get_by_login(cli->db, pos[0], &target) != 0) {
			emr_cli_error(cli, "user: no user \"%s\"", pos[0]);
			return EMR_EXIT_FAIL;
		}
	}
	char pass[EMR_PASSPHRASE_MAX + 2];
	char prompt[120];
	snprintf(prompt, sizeof prompt, "new passphrase for %s: ", target.login);
	rc = emr_cli_read_passphrase(cli, "user", pass_fd, prompt, true, pass, sizeof pass);
	if (rc)
		return rc;
	int ok = emr_passphrase_set(cli->db, target.id, pass);
	sodium_memzero(pass, sizeof pass);
	if (ok != 0) {
		emr_cli_error(cli, "user: %s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	fprintf(cli->out, "passphrase set for %s\n", target.login);
	return EMR_EXIT_OK;
}

/* `emr user disable|enable LOGIN` and `emr user role LOGIN ROLE`: ADMIN
 * (a physician), enforced by emr_user_set_active/emr_user_set_role. */
static int user_admin(emr_cli *cli, int argc, char **argv)
{
	const char *sub = argv[0];
	bool is_role = strcmp(sub, "role") == 0;
	const emr_opt opts[] = {{0}};
	const char *pos[2];
	int npos;
	int prc = parse_or_exit(cli, "user", is_role ? "user role LOGIN ROLE" : strcmp(sub, "disable") == 0 ? "user disable LOGIN" : "user enable LOGIN",
	                        opts, argc, argv, pos, is_role ? 2 : 1, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	if (npos != (is_role ? 2 : 1))
		return emr_cli_usage(cli, "user", is_role ? "role needs a LOGIN and a ROLE" : "needs a LOGIN");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	int r = is_role ? emr_user_set_role(cli->db, pos[0], pos[1])
	                : emr_user_set_active(cli->db, pos[0], strcmp(sub, "enable") == 0);
	if (r != 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	if (is_role)
		fprintf(cli->out, "user %s is now %s\n", pos[0], pos[1]);
	else
		fprintf(cli->out, "user %s %s\n", pos[0], strcmp(sub, "enable") == 0 ? "enabled" : "disabled");
	return EMR_EXIT_OK;
}

int emr_cmd_user(emr_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0 || strcmp(argv[1], "role") == 0))
		return user_admin(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return user_list(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return user_add(cli, argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "passwd") == 0)
		return user_passwd(cli, argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: emr user add|list|passwd|disable|enable|role ...  (see emr user SUB --help)\n", cli->out);
		return EMR_EXIT_OK;
	}
	return emr_cli_usage(cli, "user", "expected add, list, passwd, disable, enable or role");
}

/* ----------------------------------------------------------------- audit */

int emr_cmd_audit(emr_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs("usage: emr audit verify|log ...\n", cli->out);
		return EMR_EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "log") == 0)
		return emr_cmd_audit_log(cli, argc - 1, argv + 1);
	if (argc < 2 || strcmp(argv[1], "verify") != 0)
		return emr_cli_usage(cli, "audit", "expected verify or log");
	const char *pos[1];
	int npos;
	int prc = parse_or_exit(cli, "audit", "audit verify", NULL, argc - 1, argv + 1, pos, 0, &npos);
	if (prc)
		return prc > 0 ? EMR_EXIT_OK : EMR_EXIT_USAGE;
	int rc = emr_cli_open_db(cli, false);
	if (rc)
		return rc;
	int64_t bad;
	long rows;
	rc = emr_audit_verify(cli->db, &bad, &rows);
	if (rc < 0) {
		emr_cli_error(cli, "%s", emr_db_error(cli->db));
		return EMR_EXIT_FAIL;
	}
	if (rc > 0) {
		emr_cli_error(cli, "audit log broken at row %lld: it was altered, or a row before it was removed", (long long)bad);
		return EMR_EXIT_FAIL;
	}
	fprintf(cli->out, "audit log intact: %ld rows verified\n", rows);
	return EMR_EXIT_OK;
}
