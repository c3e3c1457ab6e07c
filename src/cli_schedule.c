/* cli_schedule: `emr schedule|appt|recall`: the appointment book from the
 * command line.  Times are typed and shown in the practice's local time
 * (practice.timezone); schedule.c converts them (see schedule.h). */
#include "emr/cli.h"
#include "emr/output.h"
#include "emr/patient.h"
#include "emr/practice.h"
#include "emr/schedule.h"
#include "emr/util.h"

#include <stdlib.h>
#include <string.h>

static void warn_out(emr_cli *cli, const char *warn)
{
	if (warn && *warn)
		fprintf(cli->err, "%s: warning: %s\n", cli->prog, warn);
}

static void tz_of(emr_cli *cli, char *tz, size_t n)
{
	emr_practice p;
	if (emr_practice_get(cli->db, &p) == 0 && *p.timezone)
		emr_strlcpy(tz, p.timezone, n);
	else
		emr_strlcpy(tz, "America/New_York", n);
}

/* Prints one appointment as a confirmation line. */
static void confirm(emr_cli *cli, const char *verb, int64_t id)
{
	emr_appt a;
	char tz[65], local[32] = "";
	if (emr_appt_get(cli->db, id, &a) != 0)
		return;
	tz_of(cli, tz, sizeof tz);
	emr_utc_to_local(tz, a.start_at, local, sizeof local, NULL);
	fprintf(cli->out, "%s appointment %lld: %s (%d min) %s, %s with %s%s\n", verb, (long long)a.id, local,
	        a.duration_min, a.patient, a.type, a.provider, a.overbook ? " (overbook)" : "");
}

/* ================================================================ appt */

static int appt_add(emr_cli *cli, int argc, char **argv)
{
	const char *at = NULL, *type = NULL, *reason = NULL, *provider = NULL;
	long minutes = 0;
	bool overbook = false;
	const emr_opt opts[] = {
		{"at", 0, EMR_OPT_STRING, &at, "\"YYYY-MM-DD HH:MM\"  start, in the practice's local time"},
		{"minutes", 'm', EMR_OPT_INT, &minutes, "N  length (default: the practice's slot, 15)"},
		{"type", 't', EMR_OPT_STRING, &type, "TYPE  new, follow-up (default), annual, acute, procedure, telehealth"},
		{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  reason for the visit"},
		{"provider", 0, EMR_OPT_STRING, &provider, "LOGIN  the provider (default: you)"},
		{"overbook", 0, EMR_OPT_FLAG, &overbook, "book even though the provider is busy then"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "appt",
	      "appt add PATIENT --at \"YYYY-MM-DD HH:MM\" [--minutes N] [--type TYPE] [--reason TEXT] [--provider LOGIN] "
	      "[--overbook]",
	      opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "appt", "add needs a PATIENT (MRN or id)");
	if (!at)
		return emr_cli_usage(cli, "appt", "add needs --at \"YYYY-MM-DD HH:MM\"");
	if (minutes < 0 || minutes > 480)
		return emr_cli_usage(cli, "appt", "--minutes: 5 to 480");
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_patient p;
	if (emr_patient_resolve(cli->db, pos[0], &p) != 0)
		return emr_cli_fail(cli);
	emr_appt a = {0};
	a.patient_id = p.id;
	a.duration_min = (int)minutes;
	a.overbook = overbook;
	if (type && !emr_strlcpy(a.type, type, sizeof a.type)) {
		emr_cli_error(cli, "type \"%s\": must be new, follow-up, annual, acute, procedure or telehealth", type);
		return EMR_EXIT_FAIL;
	}
	if (reason && !emr_strlcpy(a.reason, reason, sizeof a.reason)) {
		emr_cli_error(cli, "--reason: too long (at most %zu bytes)", sizeof a.reason - 1);
		return EMR_EXIT_FAIL;
	}
	if (provider && emr_sched_provider(cli->db, provider, &a.provider_id) != 0)
		return emr_cli_fail(cli);
	char note[256], warn[512];
	if (emr_sched_parse_local(cli->db, at, a.start_at, note, sizeof note) != 0)
		return emr_cli_fail(cli);
	if (*note)
		fprintf(cli->err, "%s: note: %s\n", cli->prog, note);
	if (emr_appt_add(cli->db, &a, warn, sizeof warn) != 0)
		return emr_cli_fail(cli);
	warn_out(cli, warn);
	confirm(cli, "booked", a.id);
	return EMR_EXIT_OK;
}

static int open_appt_id(emr_cli *cli, const char *ref, int64_t *id)
{
	if (!emr_cli_parse_id(ref, id)) {
		emr_cli_error(cli, "appt: id \"%s\": not an appointment id", ref);
		return EMR_EXIT_FAIL;
	}
	return emr_cli_open_db(cli, true);
}

static int appt_move(emr_cli *cli, int argc, char **argv)
{
	const char *at = NULL;
	long minutes = 0;
	const emr_opt opts[] = {
		{"at", 0, EMR_OPT_STRING, &at, "\"YYYY-MM-DD HH:MM\"  new start, local time"},
		{"minutes", 'm', EMR_OPT_INT, &minutes, "N  new length (default: unchanged)"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "appt", "appt move ID --at \"YYYY-MM-DD HH:MM\" [--minutes N]", opts, argc, argv, pos, 1, &npos);
	if (npos != 1 || !at)
		return emr_cli_usage(cli, "appt", "move needs an appointment ID and --at");
	if (minutes < 0 || minutes > 480)
		return emr_cli_usage(cli, "appt", "--minutes: 5 to 480");
	int64_t id;
	int rc = open_appt_id(cli, pos[0], &id);
	if (rc)
		return rc;
	char start[EMR_INSTANT_LEN], note[256], warn[512];
	if (emr_sched_parse_local(cli->db, at, start, note, sizeof note) != 0)
		return emr_cli_fail(cli);
	if (*note)
		fprintf(cli->err, "%s: note: %s\n", cli->prog, note);
	if (emr_appt_move(cli->db, id, start, (int)minutes, warn, sizeof warn) != 0)
		return emr_cli_fail(cli);
	warn_out(cli, warn);
	confirm(cli, "moved", id);
	return EMR_EXIT_OK;
}

static int appt_cancel(emr_cli *cli, int argc, char **argv)
{
	const char *reason = NULL;
	const emr_opt opts[] = {{"reason", 'r', EMR_OPT_STRING, &reason, "TEXT  why (required)"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "appt", "appt cancel ID --reason TEXT", opts, argc, argv, pos, 1, &npos);
	if (npos != 1)
		return emr_cli_usage(cli, "appt", "cancel needs an appointment ID");
	if (!reason || !*reason)
		return emr_cli_usage(cli, "appt", "cancel needs --reason TEXT");
	int64_t id;
	int rc = open_appt_id(cli, pos[0], &id);
	if (rc)
		return rc;
	if (emr_appt_cancel(cli->db, id, reason) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "cancelled appointment %lld\n", (long long)id);
	return EMR_EXIT_OK;
}

static int appt_status(emr_cli *cli, int argc, char **argv)
{
	const emr_opt opts[] = {{0}};
	const char *pos[2];
	int npos;
	EMR_CLI_PARSE(cli, "appt", "appt status ID booked|arrived|in-room|done|no-show", opts, argc, argv, pos, 2, &npos);
	if (npos != 2)
		return emr_cli_usage(cli, "appt", "status needs an appointment ID and a status");
	int64_t id, enc = 0;
	int rc = open_appt_id(cli, pos[0], &id);
	if (rc)
		return rc;
	if (emr_appt_set_status(cli->db, id, pos[1], &enc) != 0)
		return emr_cli_fail(cli);
	fprintf(cli->out, "appointment %lld: %s", (long long)id, pos[1]);
	if (enc && strcmp(pos[1], "arrived") == 0)
		fprintf(cli->out, " (visit %lld)", (long long)enc);
	fputc('\n', cli->out);
	return EMR_EXIT_OK;
}

int emr_cmd_appt(emr_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(emr_cli *, int, char **);
	} subs[] = {{"add", appt_add}, {"move", appt_move}, {"cancel", appt_cancel}, {"status", appt_status}};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		FILE *f = argc < 2 ? cli->err : cli->out;
		fprintf(f, "usage: emr appt add|move|cancel|status ... (see emr appt SUB --help)\n");
		return argc < 2 ? EMR_EXIT_USAGE : EMR_EXIT_OK;
	}
	for (size_t i = 0; i < EMR_ARRAY_LEN(subs); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cli, argc - 1, argv + 1);
	return emr_cli_usage(cli, "appt", "unknown subcommand \"%s\"", argv[1]);
}

/* ================================================================ schedule */

static const emr_column sched_cols[] = {
	{"id", "ID", EMR_COL_INT, false},
	{"time", "TIME", EMR_COL_TEXT, false},
	{"start_at", "START_AT", EMR_COL_TEXT, true},
	{"minutes", "MIN", EMR_COL_INT, false},
	{"patient", "PATIENT", EMR_COL_TEXT, false},
	{"mrn", "MRN", EMR_COL_TEXT, false},
	{"type", "TYPE", EMR_COL_TEXT, false},
	{"reason", "REASON", EMR_COL_TEXT, false},
	{"status", "STATUS", EMR_COL_TEXT, false},
	{"overbook", "OVERBOOK", EMR_COL_BOOL, true},
	{"provider", "PROVIDER", EMR_COL_TEXT, false},
	{"visit_id", "VISIT", EMR_COL_INT, true},
};

int emr_cmd_schedule(emr_cli *cli, int argc, char **argv)
{
	const char *provider = NULL;
	bool json = false;
	const emr_opt opts[] = {
		{"provider", 0, EMR_OPT_STRING, &provider, "LOGIN  one provider's appointments"},
		{"json", 0, EMR_OPT_FLAG, &json, "JSON output"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "schedule", "schedule [DATE|today|tomorrow|week] [--provider LOGIN] [--json]", opts, argc, argv,
	      pos, 1, &npos);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	char tz[65], now[EMR_INSTANT_LEN], today[EMR_DATE_LEN], date[EMR_DATE_LEN];
	tz_of(cli, tz, sizeof tz);
	emr_now_instant(now);
	if (!emr_utc_to_local(tz, now, NULL, 0, today))
		emr_today(today);
	const char *what = npos ? pos[0] : "today";
	int days = 1;
	if (strcmp(what, "today") == 0) {
		emr_strlcpy(date, today, sizeof date);
	} else if (strcmp(what, "tomorrow") == 0) {
		emr_date_add_days(today, 1, date);
	} else if (strcmp(what, "week") == 0) {
		emr_strlcpy(date, today, sizeof date);
		days = 7;
	} else if (emr_date_valid(what)) {
		emr_strlcpy(date, what, sizeof date);
	} else {
		return emr_cli_usage(cli, "schedule", "\"%s\": not a date (YYYY-MM-DD, today, tomorrow or week)", what);
	}
	int64_t pid = 0;
	if (provider && emr_sched_provider(cli->db, provider, &pid) != 0)
		return emr_cli_fail(cli);
	char from[EMR_INSTANT_LEN], to[EMR_INSTANT_LEN];
	if (emr_local_day_range(tz, date, days, from, to) != 0) {
		emr_cli_error(cli, "schedule: cannot work out the day %s in %s", date, tz);
		return EMR_EXIT_FAIL;
	}
	emr_appts list;
	if (emr_appt_list(cli->db, from, to, pid, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(sched_cols, EMR_ARRAY_LEN(sched_cols));
	for (size_t i = 0; i < list.n; i++) {
		const emr_appt *a = &list.items[i];
		char id[24], local[32] = "", min[16], visit[24] = "";
		snprintf(id, sizeof id, "%lld", (long long)a->id);
		emr_utc_to_local(tz, a->start_at, local, sizeof local, NULL);
		snprintf(min, sizeof min, "%d", a->duration_min);
		if (a->encounter_id)
			snprintf(visit, sizeof visit, "%lld", (long long)a->encounter_id);
		const char *cells[] = {id, days == 1 ? local + 11 : local, a->start_at, min, a->patient, a->mrn, a->type,
		                       a->reason, a->status, a->overbook ? "true" : "false", a->provider, visit};
		if (json)
			cells[1] = local;
		emr_table_add(t, cells);
	}
	if (!json && list.n == 0)
		fprintf(cli->out, "no appointments %s%s (%s)\n", days == 1 ? "on " : "in the week from ", date, tz);
	else {
		if (!json)
			fprintf(cli->out, "%s%s (%s)\n", days == 1 ? "" : "week from ", date, tz);
		emr_table_print(t, json ? EMR_FMT_JSON : EMR_FMT_TEXT, cli->out);
	}
	emr_table_free(t);
	emr_appts_free(&list);
	return EMR_EXIT_OK;
}

/* ================================================================ recall */

static const emr_column recall_cols[] = {
	{"patient_id", "ID", EMR_COL_INT, true},
	{"mrn", "MRN", EMR_COL_TEXT, false},
	{"patient", "PATIENT", EMR_COL_TEXT, false},
	{"visit_date", "LAST VISIT", EMR_COL_TEXT, false},
	{"followup_days", "FOLLOW-UP", EMR_COL_INT, false},
	{"due", "DUE", EMR_COL_TEXT, false},
	{"overdue_days", "OVERDUE", EMR_COL_INT, false},
	{"visit_id", "VISIT", EMR_COL_INT, true},
};

int emr_cmd_recall(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "recall", "recall [--json]", opts, argc, argv, pos, 0, &npos);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_recalls list;
	if (emr_recall_list(cli->db, &list) != 0)
		return emr_cli_fail(cli);
	emr_table *t = emr_table_new(recall_cols, EMR_ARRAY_LEN(recall_cols));
	for (size_t i = 0; i < list.n; i++) {
		const emr_recall *r = &list.items[i];
		char pid[24], fu[16], od[24], vid[24];
		snprintf(pid, sizeof pid, "%lld", (long long)r->patient_id);
		snprintf(fu, sizeof fu, "%d", r->followup_days);
		snprintf(od, sizeof od, "%ld", r->overdue_days);
		snprintf(vid, sizeof vid, "%lld", (long long)r->encounter_id);
		const char *cells[] = {pid, r->mrn, r->patient, r->visit_date, fu, r->due, od, vid};
		emr_table_add(t, cells);
	}
	if (!json && list.n == 0)
		fprintf(cli->out, "no patients are due for a follow-up without an appointment\n");
	else
		emr_table_print(t, json ? EMR_FMT_JSON : EMR_FMT_TEXT, cli->out);
	emr_table_free(t);
	emr_recalls_free(&list);
	return EMR_EXIT_OK;
}
