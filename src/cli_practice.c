/* cli_practice: `emr practice show|set`: the practice's own settings:
 * name, address and letterhead for printouts, the NPI for invoices, the
 * clinic's hours, days and slot length for the schedule, its time zone,
 * and the idle lock of the screen. */
#include "emr/cli.h"
#include "emr/output.h"
#include "emr/practice.h"
#include "emr/util.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int practice_show(emr_cli *cli, int argc, char **argv)
{
	bool json = false;
	const emr_opt opts[] = {{"json", 0, EMR_OPT_FLAG, &json, "JSON output"}, {0}};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "practice show", "practice show [--json]", opts, argc, argv, pos, 0, &npos);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_practice p;
	if (emr_practice_get(cli->db, &p) != 0)
		return emr_cli_fail(cli);
	if (json) {
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:i}", "name", p.name, "address",
		                      p.address, "phone", p.phone, "npi", p.npi, "letterhead", p.letterhead,
		                      "clinic_open", p.clinic_open, "clinic_close", p.clinic_close, "clinic_days",
		                      p.clinic_days, "slot_minutes", p.slot_minutes, "timezone", p.timezone,
		                      "idle_timeout_min", p.idle_timeout_min);
		emr_json_print(o, cli->out);
		json_decref(o);
		return EMR_EXIT_OK;
	}
	const char *rows[][2] = {
		{"name", p.name},           {"address", p.address},         {"phone", p.phone},
		{"npi", p.npi},             {"letterhead", p.letterhead},   {"clinic-open", p.clinic_open},
		{"clinic-close", p.clinic_close}, {"clinic-days", p.clinic_days}, {"timezone", p.timezone},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(rows); i++) {
		fprintf(cli->out, "%-13s ", rows[i][0]);
		emr_fput_clean(cli->out, rows[i][1], false);
		fputc('\n', cli->out);
	}
	fprintf(cli->out, "%-13s %d\n%-13s %d\n", "slot-minutes", p.slot_minutes, "idle-timeout", p.idle_timeout_min);
	return EMR_EXIT_OK;
}

/* Copies an option's value over a setting; false (reported) if too long. */
static bool take(emr_cli *cli, const char *opt, const char *value, char *dst, size_t n)
{
	if (!value)
		return true;
	if (emr_strlcpy(dst, value, n))
		return true;
	emr_cli_error(cli, "practice set: --%s is too long (at most %zu characters)", opt, n - 1);
	return false;
}

static int practice_set(emr_cli *cli, int argc, char **argv)
{
	const char *name = NULL, *address = NULL, *phone = NULL, *npi = NULL, *letterhead = NULL, *open = NULL,
		   *close = NULL, *days = NULL, *tz = NULL;
	long slot = -1, idle = -1;
	const emr_opt opts[] = {
		{"name", 0, EMR_OPT_STRING, &name, "NAME  the practice's name"},
		{"address", 0, EMR_OPT_STRING, &address, "TEXT  postal address, as printed"},
		{"phone", 0, EMR_OPT_STRING, &phone, "PHONE  as printed"},
		{"npi", 0, EMR_OPT_STRING, &npi, "NPI  the practice's 10-digit NPI (\"\" to clear)"},
		{"letterhead", 0, EMR_OPT_STRING, &letterhead, "TEXT  extra letterhead line for printouts"},
		{"clinic-open", 0, EMR_OPT_STRING, &open, "HH:MM  first slot of the day"},
		{"clinic-close", 0, EMR_OPT_STRING, &close, "HH:MM  end of the last slot"},
		{"clinic-days", 0, EMR_OPT_STRING, &days, "DIGITS  open weekdays, 1 = Monday (12345)"},
		{"slot-minutes", 0, EMR_OPT_INT, &slot, "N  length of a schedule slot, 5 to 120"},
		{"timezone", 0, EMR_OPT_STRING, &tz, "ZONE  e.g. America/New_York"},
		{"idle-timeout", 0, EMR_OPT_INT, &idle, "MIN  lock the screen after MIN idle minutes"},
		{0},
	};
	const char *pos[1];
	int npos;
	EMR_CLI_PARSE(cli, "practice set", "practice set [--name N] [--clinic-open HH:MM] ... (see below)", opts, argc,
	              argv, pos, 0, &npos);
	int rc = emr_cli_open_db(cli, true);
	if (rc)
		return rc;
	emr_practice p;
	if (emr_practice_get(cli->db, &p) != 0)
		return emr_cli_fail(cli);
	if (!take(cli, "name", name, p.name, sizeof p.name) || !take(cli, "address", address, p.address, sizeof p.address) ||
	    !take(cli, "phone", phone, p.phone, sizeof p.phone) || !take(cli, "npi", npi, p.npi, sizeof p.npi) ||
	    !take(cli, "letterhead", letterhead, p.letterhead, sizeof p.letterhead) ||
	    !take(cli, "clinic-open", open, p.clinic_open, sizeof p.clinic_open) ||
	    !take(cli, "clinic-close", close, p.clinic_close, sizeof p.clinic_close) ||
	    !take(cli, "clinic-days", days, p.clinic_days, sizeof p.clinic_days) ||
	    !take(cli, "timezone", tz, p.timezone, sizeof p.timezone))
		return EMR_EXIT_FAIL;
	if (slot != -1)
		p.slot_minutes = slot < 0 || slot > 1000 ? 0 : (int)slot;
	if (idle != -1)
		p.idle_timeout_min = idle < 0 || idle > 1000 ? 0 : (int)idle;
	if (emr_practice_update(cli->db, &p) != 0)
		return emr_cli_fail(cli);
	fputs("practice settings saved\n", cli->out);
	return EMR_EXIT_OK;
}

int emr_cmd_practice(emr_cli *cli, int argc, char **argv)
{
	static const emr_subcommand subs[] = {{"show", practice_show}, {"set", practice_set}};
	return emr_cli_dispatch(cli, "practice", "practice show [--json] | practice set OPTIONS", subs,
	                        EMR_ARRAY_LEN(subs), argc, argv);
}
