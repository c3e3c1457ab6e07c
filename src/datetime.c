/* datetime: the clock, calendar dates and ages, through the C library. */
#include "emr/datetime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

time_t emr_now(void)
{
	const char *frozen = getenv("EMR_NOW");
	time_t t;
	if (frozen && *frozen && emr_instant_parse(frozen, &t))
		return t;
	return time(NULL);
}

void emr_instant_format(time_t t, char *buf)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, EMR_INSTANT_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void emr_now_instant(char *buf)
{
	emr_instant_format(emr_now(), buf);
}

void emr_today(char *buf)
{
	/* localtime_r need not read TZ again; make sure a changed TZ counts. */
	tzset();
	time_t t = emr_now();
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, EMR_DATE_LEN, "%Y-%m-%d", &tm);
}

/* Parses "YYYY-MM-DD" strictly into tm (midnight UTC); checks that the
 * day exists by letting timegm normalise it and comparing. */
static bool parse_date(const char *s, struct tm *out)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	struct tm tm = {0};
	tm.tm_year = atoi(s) - 1900;
	tm.tm_mon = atoi(s + 5) - 1;
	tm.tm_mday = atoi(s + 8);
	tm.tm_hour = 12; /* noon: immune to any leap-second or offset oddity */
	struct tm want = tm;
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1)
		return false;
	time_t t = timegm(&tm);
	struct tm back;
	gmtime_r(&t, &back);
	if (back.tm_year != want.tm_year || back.tm_mon != want.tm_mon || back.tm_mday != want.tm_mday)
		return false;
	*out = back;
	return true;
}

bool emr_date_valid(const char *s)
{
	struct tm tm;
	return parse_date(s, &tm);
}

bool emr_instant_parse(const char *s, time_t *out)
{
	if (!s || strlen(s) != 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return false;
	char date[EMR_DATE_LEN];
	memcpy(date, s, 10);
	date[10] = '\0';
	struct tm tm;
	if (!parse_date(date, &tm))
		return false;
	for (int i = 11; i < 19; i++)
		if (i != 13 && i != 16 && (s[i] < '0' || s[i] > '9'))
			return false;
	int h = atoi(s + 11), m = atoi(s + 14), sec = atoi(s + 17);
	if (h > 23 || m > 59 || sec > 59)
		return false;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	return true;
}

bool emr_instant_valid(const char *s)
{
	time_t t;
	return emr_instant_parse(s, &t);
}

bool emr_date_add_days(const char *date, int days, char *out)
{
	struct tm tm;
	if (!parse_date(date, &tm))
		return false;
	tm.tm_mday += days;
	time_t t = timegm(&tm);
	gmtime_r(&t, &tm);
	strftime(out, EMR_DATE_LEN, "%Y-%m-%d", &tm);
	return true;
}

long emr_date_diff_days(const char *a, const char *b)
{
	struct tm ta, tb;
	if (!parse_date(a, &ta) || !parse_date(b, &tb))
		return 0;
	return (long)((timegm(&tb) - timegm(&ta)) / 86400);
}

bool emr_age_on(const char *dob, const char *on, emr_age *out)
{
	struct tm b, o;
	if (!parse_date(dob, &b) || !parse_date(on, &o))
		return false;
	long days = (long)((timegm(&o) - timegm(&b)) / 86400);
	if (days < 0)
		return false;
	/* Completed months: the month count minus one if the day of the
	 * month has not come round yet.  A 31st-of-month birthday completes
	 * its month on the last day of a shorter month; a 29 February
	 * birthday completes its year on 1 March in common years. */
	int months = (o.tm_year - b.tm_year) * 12 + (o.tm_mon - b.tm_mon);
	if (o.tm_mday < b.tm_mday) {
		struct tm last = o;
		last.tm_mon += 1;
		last.tm_mday = 0; /* day 0 of next month = last day of this one */
		time_t t = timegm(&last);
		gmtime_r(&t, &last);
		bool month_end = o.tm_mday == last.tm_mday;
		bool feb29 = b.tm_mon == 1 && b.tm_mday == 29;
		if (!month_end || feb29)
			months--;
	}
	out->months = months;
	out->years = months / 12;
	out->days = (int)days;
	out->weeks = (int)(days / 7);
	return true;
}

bool emr_age_text(const char *dob, const char *on, char *buf, size_t n)
{
	emr_age a;
	if (!emr_age_on(dob, on, &a))
		return false;
	if (a.days < 7)
		snprintf(buf, n, "%dd", a.days);
	else if (a.months < 1)  /* 28-30 days old is "4wk", not "0mo" */
		snprintf(buf, n, "%dwk", a.weeks);
	else if (a.years < 2)
		snprintf(buf, n, "%dmo", a.months);
	else
		snprintf(buf, n, "%dy", a.years);
	return true;
}
