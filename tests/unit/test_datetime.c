/* datetime: calendar dates, UTC instants, the frozen clock and ages. */
/* stdio.h first: testlib.h uses snprintf without including it. */
#include <stdio.h>

#include "testlib.h"

#include "emr/datetime.h"

#include <time.h>

static void setup(void)
{
	setenv("EMR_NOW", TEST_NOW, 1);
	setenv("TZ", "America/New_York", 1);
	tzset();
}

TestSuite(datetime, .init = setup);

/* ------------------------------------------------------------ dates */

Test(datetime, leap_years)
{
	cr_assert(emr_date_valid("2000-02-29"), "2000 is a leap year (divisible by 400)");
	cr_assert_not(emr_date_valid("1900-02-29"), "1900 is not a leap year (divisible by 100)");
	cr_assert(emr_date_valid("2024-02-29"));
	cr_assert_not(emr_date_valid("2023-02-29"));
	cr_assert_not(emr_date_valid("2024-02-30"));
	cr_assert(emr_date_valid("2023-02-28"));
}

Test(datetime, month_and_day_ranges)
{
	cr_assert(emr_date_valid("2026-01-01"));
	cr_assert(emr_date_valid("2026-12-31"));
	cr_assert(emr_date_valid("1880-01-01"));
	cr_assert_not(emr_date_valid("2026-13-01"));
	cr_assert_not(emr_date_valid("2026-00-10"));
	cr_assert_not(emr_date_valid("2026-01-00"));
	cr_assert_not(emr_date_valid("2026-01-32"));
	cr_assert_not(emr_date_valid("2026-04-31"));
	cr_assert(emr_date_valid("2026-04-30"));
	cr_assert_not(emr_date_valid("2026-06-31"));
	cr_assert_not(emr_date_valid("2026-09-31"));
	cr_assert_not(emr_date_valid("2026-11-31"));
	cr_assert(emr_date_valid("2026-12-31"));
}

Test(datetime, date_shapes)
{
	cr_assert_not(emr_date_valid(NULL));
	cr_assert_not(emr_date_valid(""));
	cr_assert_not(emr_date_valid("2026-1-05"));
	cr_assert_not(emr_date_valid("2026-01-5"));
	cr_assert_not(emr_date_valid("2026-2-3"));
	cr_assert_not(emr_date_valid("2026/01/05"));
	cr_assert_not(emr_date_valid("20260105"));
	cr_assert_not(emr_date_valid("05-01-2026"));
	cr_assert_not(emr_date_valid(" 2026-01-05"));
	cr_assert_not(emr_date_valid("2026-01-05 "));
	cr_assert_not(emr_date_valid("2026-01-05T00:00:00Z"));
	cr_assert_not(emr_date_valid("2026-0a-05"));
	cr_assert_not(emr_date_valid("2026--1-05"));
	cr_assert_not(emr_date_valid("+026-01-05"));
	cr_assert_not(emr_date_valid("-026-01-05"));
	cr_assert_not(emr_date_valid("yesterday!"));
}

/* ------------------------------------------------------------ instants */

Test(datetime, instant_validity)
{
	cr_assert(emr_instant_valid("2026-11-25T15:00:00Z"));
	cr_assert(emr_instant_valid("2024-02-29T23:59:59Z"));
	cr_assert(emr_instant_valid("2026-01-01T00:00:00Z"));
	cr_assert_not(emr_instant_valid(NULL));
	cr_assert_not(emr_instant_valid(""));
	cr_assert_not(emr_instant_valid("2026-11-25 15:00:00"));
	cr_assert_not(emr_instant_valid("2026-11-25T15:00:00"));
	cr_assert_not(emr_instant_valid("2026-11-25 15:00:00Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T15:00Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T15:00:00.5Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T15:00:00+00:00"));
	cr_assert_not(emr_instant_valid("2026-11-25t15:00:00z"));
	cr_assert_not(emr_instant_valid("2026-11-25T24:00:00Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T15:60:00Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T15:00:60Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T1a:00:00Z"));
	cr_assert_not(emr_instant_valid("2026-11-25T-1:00:00Z"));
	cr_assert_not(emr_instant_valid("2023-02-29T10:00:00Z"));
	cr_assert_not(emr_instant_valid("2026-13-01T10:00:00Z"));
	cr_assert_not(emr_instant_valid("2026-11-25"));
}

Test(datetime, instant_parse_and_format)
{
	time_t t = 1;
	cr_assert(emr_instant_parse("1970-01-01T00:00:00Z", &t));
	cr_assert_eq(t, 0);
	cr_assert(emr_instant_parse("2026-11-25T15:00:00Z", &t));
	cr_assert_eq((long long)t, 1795618800LL);
	cr_assert(emr_instant_parse("2000-02-29T12:34:56Z", &t));
	cr_assert_eq((long long)t, 951827696LL);

	char buf[EMR_INSTANT_LEN];
	emr_instant_format(t, buf);
	cr_assert_str_eq(buf, "2000-02-29T12:34:56Z");
	emr_instant_format(0, buf);
	cr_assert_str_eq(buf, "1970-01-01T00:00:00Z");
	/* TZ must not leak into a UTC instant. */
	emr_instant_format((time_t)1795618800, buf);
	cr_assert_str_eq(buf, "2026-11-25T15:00:00Z");

	time_t untouched = 12345;
	cr_assert_not(emr_instant_parse("2026-11-25 15:00:00", &untouched));
}

/* ------------------------------------------------------------ clock */

Test(datetime, now_honours_EMR_NOW)
{
	setenv("EMR_NOW", "2026-11-25T15:00:00Z", 1);
	cr_assert_eq((long long)emr_now(), 1795618800LL);
	char buf[EMR_INSTANT_LEN];
	emr_now_instant(buf);
	cr_assert_str_eq(buf, "2026-11-25T15:00:00Z");

	setenv("EMR_NOW", "2031-01-02T03:04:05Z", 1);
	emr_now_instant(buf);
	cr_assert_str_eq(buf, "2031-01-02T03:04:05Z");
}

Test(datetime, now_without_EMR_NOW_is_the_real_clock)
{
	unsetenv("EMR_NOW");
	time_t before = time(NULL);
	time_t t = emr_now();
	time_t after = time(NULL);
	cr_assert(t >= before && t <= after);

	/* An EMR_NOW that is not an instant is ignored, not half-parsed. */
	setenv("EMR_NOW", "2026-11-25", 1);
	before = time(NULL);
	t = emr_now();
	after = time(NULL);
	cr_assert(t >= before && t <= after, "invalid EMR_NOW must fall back to the real clock");
	setenv("EMR_NOW", "", 1);
	t = emr_now();
	cr_assert(t >= before);
}

Test(datetime, today_is_local)
{
	char buf[EMR_DATE_LEN];
	emr_today(buf);
	cr_assert_str_eq(buf, TEST_TODAY);

	/* 03:00 UTC on the 26th is still the evening of the 25th in New York. */
	setenv("EMR_NOW", "2026-11-26T03:00:00Z", 1);
	emr_today(buf);
	cr_assert_str_eq(buf, "2026-11-25");

	setenv("TZ", "UTC", 1);
	tzset();
	emr_today(buf);
	cr_assert_str_eq(buf, "2026-11-26");

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	setenv("EMR_NOW", "2026-12-31T15:30:00Z", 1);
	emr_today(buf);
	cr_assert_str_eq(buf, "2027-01-01");
}

/* ------------------------------------------------------------ arithmetic */

Test(datetime, add_days_across_month_and_year_ends)
{
	char out[EMR_DATE_LEN];
	cr_assert(emr_date_add_days("2026-12-31", 1, out));
	cr_assert_str_eq(out, "2027-01-01");
	cr_assert(emr_date_add_days("2027-01-01", -1, out));
	cr_assert_str_eq(out, "2026-12-31");
	cr_assert(emr_date_add_days("2024-02-28", 1, out));
	cr_assert_str_eq(out, "2024-02-29");
	cr_assert(emr_date_add_days("2023-02-28", 1, out));
	cr_assert_str_eq(out, "2023-03-01");
	cr_assert(emr_date_add_days("2024-03-01", -1, out));
	cr_assert_str_eq(out, "2024-02-29");
	cr_assert(emr_date_add_days("2026-01-31", 1, out));
	cr_assert_str_eq(out, "2026-02-01");
	cr_assert(emr_date_add_days("2026-11-25", 0, out));
	cr_assert_str_eq(out, "2026-11-25");
	cr_assert(emr_date_add_days("2024-01-01", 365, out));
	cr_assert_str_eq(out, "2024-12-31");
	cr_assert(emr_date_add_days("2026-11-25", 90, out));
	cr_assert_str_eq(out, "2027-02-23");
	cr_assert(emr_date_add_days("2026-11-25", -730, out));
	cr_assert_str_eq(out, "2024-11-25");
	/* US daylight saving ends 2026-11-01: whole days, no drift. */
	cr_assert(emr_date_add_days("2026-10-31", 1, out));
	cr_assert_str_eq(out, "2026-11-01");
	cr_assert(emr_date_add_days("2026-11-01", 1, out));
	cr_assert_str_eq(out, "2026-11-02");
	cr_assert(emr_date_add_days("2026-03-08", 1, out));
	cr_assert_str_eq(out, "2026-03-09");

	cr_assert_not(emr_date_add_days("2026-02-30", 1, out));
	cr_assert_not(emr_date_add_days("garbage", 1, out));
}

Test(datetime, diff_days)
{
	cr_assert_eq(emr_date_diff_days("2026-11-25", "2026-11-25"), 0);
	cr_assert_eq(emr_date_diff_days("2026-11-25", "2026-11-26"), 1);
	cr_assert_eq(emr_date_diff_days("2026-11-26", "2026-11-25"), -1);
	cr_assert_eq(emr_date_diff_days("2026-12-31", "2027-01-01"), 1);
	cr_assert_eq(emr_date_diff_days("2024-01-01", "2025-01-01"), 366);
	cr_assert_eq(emr_date_diff_days("2023-01-01", "2024-01-01"), 365);
	cr_assert_eq(emr_date_diff_days("2024-02-28", "2024-03-01"), 2);
	cr_assert_eq(emr_date_diff_days("2023-02-28", "2023-03-01"), 1);
	cr_assert_eq(emr_date_diff_days("1980-03-14", "2026-11-25"), 17057);
	/* across a daylight-saving change in the local zone */
	cr_assert_eq(emr_date_diff_days("2026-03-07", "2026-03-09"), 2);
	cr_assert_eq(emr_date_diff_days("2026-10-31", "2026-11-02"), 2);
}

/* ------------------------------------------------------------ ages */

static const char *age(const char *dob, const char *on)
{
	static char buf[32];
	cr_assert(emr_age_text(dob, on, buf, sizeof buf), "age of %s on %s", dob, on);
	return buf;
}

Test(datetime, age_text_units)
{
	cr_assert_str_eq(age("2026-11-25", "2026-11-25"), "0d");
	cr_assert_str_eq(age("2026-11-20", "2026-11-25"), "5d");
	cr_assert_str_eq(age("2026-11-19", "2026-11-25"), "6d");
	cr_assert_str_eq(age("2026-11-18", "2026-11-25"), "1wk");
	cr_assert_str_eq(age("2026-11-11", "2026-11-25"), "2wk");
	cr_assert_str_eq(age("2026-10-29", "2026-11-25"), "3wk");  /* 27 days */
	cr_assert_str_eq(age("2026-08-25", "2026-11-25"), "3mo");
	cr_assert_str_eq(age("2026-08-26", "2026-11-25"), "2mo");
	cr_assert_str_eq(age("2025-11-25", "2026-11-25"), "12mo");
	cr_assert_str_eq(age("2024-12-25", "2026-11-25"), "23mo");
	cr_assert_str_eq(age("2024-12-26", "2026-11-25"), "22mo");
	cr_assert_str_eq(age("2024-11-25", "2026-11-25"), "2y");
	cr_assert_str_eq(age("2024-11-26", "2026-11-25"), "23mo");
	cr_assert_str_eq(age("1981-11-25", "2026-11-25"), "45y");
	cr_assert_str_eq(age("1981-11-26", "2026-11-25"), "44y");
	cr_assert_str_eq(age("1926-01-01", "2026-11-25"), "100y");
}

/* Between 28 days and a completed month (28-30 days old) the baby is
 * four weeks old, not "0mo". */
Test(datetime, age_text_four_weeks_is_not_zero_months)
{
	cr_assert_str_eq(age("2026-10-28", "2026-11-25"), "4wk");  /* 28 days */
	cr_assert_str_eq(age("2026-10-26", "2026-11-25"), "4wk");  /* 30 days */
	cr_assert_str_eq(age("2026-10-25", "2026-11-25"), "1mo");  /* 31 days, one month */
	/* February is 28 days: one month completes on day 28. */
	cr_assert_str_eq(age("2026-02-01", "2026-03-01"), "1mo");
}

Test(datetime, age_on_fields)
{
	emr_age a;
	cr_assert(emr_age_on("1980-03-14", "2026-11-25", &a));
	cr_assert_eq(a.years, 46);
	cr_assert_eq(a.months, 46 * 12 + 8);
	cr_assert_eq(a.days, 17057);
	cr_assert_eq(a.weeks, 17057 / 7);

	cr_assert(emr_age_on("2026-10-25", "2026-11-25", &a));
	cr_assert_eq(a.years, 0);
	cr_assert_eq(a.months, 1);
	cr_assert_eq(a.weeks, 4);
	cr_assert_eq(a.days, 31);
}

Test(datetime, birthday_today_and_yesterday)
{
	emr_age a;
	cr_assert(emr_age_on("1981-11-25", "2026-11-25", &a));
	cr_assert_eq(a.years, 45, "birthday today: 45 completed years");
	cr_assert(emr_age_on("1981-11-26", "2026-11-25", &a));
	cr_assert_eq(a.years, 44, "birthday tomorrow: still 44");
	cr_assert(emr_age_on("1981-11-24", "2026-11-25", &a));
	cr_assert_eq(a.years, 45);
}

Test(datetime, leap_day_birthday)
{
	emr_age a;
	/* Common year: not a year older on 28 February, a year older on 1 March. */
	cr_assert(emr_age_on("2000-02-29", "2023-02-28", &a));
	cr_assert_eq(a.years, 22);
	cr_assert(emr_age_on("2000-02-29", "2023-03-01", &a));
	cr_assert_eq(a.years, 23);
	/* Leap year: the birthday itself. */
	cr_assert(emr_age_on("2000-02-29", "2024-02-28", &a));
	cr_assert_eq(a.years, 23);
	cr_assert(emr_age_on("2000-02-29", "2024-02-29", &a));
	cr_assert_eq(a.years, 24);
	/* First birthday of a leap-day baby. */
	cr_assert(emr_age_on("2024-02-29", "2025-02-28", &a));
	cr_assert_eq(a.years, 0);
	cr_assert(emr_age_on("2024-02-29", "2025-03-01", &a));
	cr_assert_eq(a.years, 1);
	cr_assert_str_eq(age("2024-02-29", "2025-03-01"), "12mo");
}

Test(datetime, month_end_birthday)
{
	emr_age a;
	/* Born on the 31st: the month completes on the last day of a shorter month. */
	cr_assert(emr_age_on("2026-01-31", "2026-02-28", &a));
	cr_assert_eq(a.months, 1);
	cr_assert(emr_age_on("2026-01-31", "2026-02-27", &a));
	cr_assert_eq(a.months, 0);
	cr_assert(emr_age_on("2025-08-31", "2026-04-30", &a));
	cr_assert_eq(a.months, 8);
	cr_assert(emr_age_on("2025-08-31", "2026-04-29", &a));
	cr_assert_eq(a.months, 7);
}

Test(datetime, invalid_ages)
{
	emr_age a;
	char buf[16];
	cr_assert_not(emr_age_on("2026-11-26", "2026-11-25", &a), "born after the date");
	cr_assert_not(emr_age_text("2026-11-26", "2026-11-25", buf, sizeof buf));
	cr_assert_not(emr_age_on("2023-02-29", "2026-11-25", &a));
	cr_assert_not(emr_age_on("1980-03-14", "2026-11-31", &a));
	cr_assert_not(emr_age_text("14/03/1980", "2026-11-25", buf, sizeof buf));
	cr_assert_not(emr_age_text(NULL, "2026-11-25", buf, sizeof buf));
}
