/* datetime: the clock, calendar dates and ages.
 *
 * All stored instants are UTC "YYYY-MM-DDTHH:MM:SSZ"; calendar dates are
 * "YYYY-MM-DD".  Local dates ("today") follow the TZ environment variable,
 * as the C library does.  Conversions go through the C library (timegm,
 * gmtime_r, localtime_r), never hand-rolled calendar arithmetic.
 *
 * The clock can be frozen for tests and reproducible demos: when EMR_NOW
 * holds an instant ("2026-11-25T14:00:00Z"), emr_now() returns it. */
#ifndef EMR_DATETIME_H
#define EMR_DATETIME_H

#include <stdbool.h>
#include <time.h>

#define EMR_DATE_LEN 11     /* "YYYY-MM-DD" + NUL */
#define EMR_INSTANT_LEN 21  /* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

/* Seconds since the epoch, or EMR_NOW when set and valid. */
time_t emr_now(void);

/* t formatted as a UTC instant into buf[EMR_INSTANT_LEN]. */
void emr_instant_format(time_t t, char *buf);
/* The current instant (emr_now) into buf[EMR_INSTANT_LEN]. */
void emr_now_instant(char *buf);
/* Today's local date into buf[EMR_DATE_LEN]. */
void emr_today(char *buf);

/* True when s is exactly "YYYY-MM-DD" and names a day that exists. */
bool emr_date_valid(const char *s);
/* True when s is exactly "YYYY-MM-DDTHH:MM:SSZ" and exists. */
bool emr_instant_valid(const char *s);
/* Parses a UTC instant; false when invalid. */
bool emr_instant_parse(const char *s, time_t *out);
/* Date arithmetic: date plus days (may be negative) into out[EMR_DATE_LEN]. */
bool emr_date_add_days(const char *date, int days, char *out);
/* Days from a to b (b - a); both must be valid dates. */
long emr_date_diff_days(const char *a, const char *b);

/* An age as a clinician states it. */
typedef struct emr_age {
	int years;       /* completed years */
	int months;      /* completed months (total, not after years) */
	int weeks;       /* completed weeks (total) */
	int days;        /* days (total) */
} emr_age;

/* Age on date `on` of someone born on `dob`.  False if either date is
 * invalid or on < dob.  Someone born on 29 February has a birthday on
 * 1 March in common years, as in most jurisdictions. */
bool emr_age_on(const char *dob, const char *on, emr_age *out);

/* "45y", "7mo", "3wk" or "5d", the conventional units for a chart header:
 *   under 1 week    -> days ("5d")
 *   under 1 month   -> weeks ("3wk")
 *   under 2 years   -> completed months ("18mo")
 *   otherwise       -> completed years ("45y").
 * Writes into buf of size n; returns false if the dates are invalid. */
bool emr_age_text(const char *dob, const char *on, char *buf, size_t n);

#endif
