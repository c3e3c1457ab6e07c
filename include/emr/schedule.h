/* schedule: appointments, check-in and the recall list.
 *
 * Appointments are stored as UTC instants; people type and read them in
 * the practice's local time (practice.timezone, e.g. America/New_York).
 * The conversion sets TZ to the practice's zone around mktime/localtime_r
 * and restores it afterwards: the C library is the only place that knows
 * the zone rules (DST), and TZ is its only per-call input.
 *
 * Double-booking a provider is refused (by the schema's triggers) unless
 * the appointment is an overbook.  A booking in the past or outside the
 * clinic's hours is a warning, not a refusal: it is returned to the caller.
 * Checking in (status arrived) opens the visit (an office encounter with
 * the appointment's reason and appointment_id), so notes hang off it. */
#ifndef EMR_SCHEDULE_H
#define EMR_SCHEDULE_H

#include "emr/datetime.h"
#include "emr/db.h"
#include "emr/practice.h"

#include <stdint.h>

#define EMR_APPT_TEXT 501

typedef struct emr_appt {
	int64_t id, patient_id, provider_id, version;
	char start_at[EMR_INSTANT_LEN];   /* UTC */
	int duration_min;                 /* 0 on add = practice slot length */
	char type[12];                    /* new | follow-up | annual | acute | procedure | telehealth */
	char reason[EMR_APPT_TEXT];
	char status[10];                  /* booked | arrived | in-room | done | no-show | cancelled */
	bool overbook;
	char cancel_reason[EMR_APPT_TEXT];
	/* Filled on get and list. */
	char patient[420];                /* "Family, Given" */
	char mrn[33];
	char provider[201];               /* provider's display name */
	int64_t encounter_id;             /* the visit opened at check-in, 0 if none */
} emr_appt;

typedef struct emr_appts {
	emr_appt *items;
	size_t n, cap;
} emr_appts;
void emr_appts_free(emr_appts *list);

/* Local "YYYY-MM-DD HH:MM" in zone tz into a UTC instant.  A time that does
 * not exist (spring forward) is refused with a message; an ambiguous one
 * (fall back) resolves to the first occurrence and a note is written into
 * note (else note is ""). */
int emr_local_to_utc(const char *tz, const char *local, char out[EMR_INSTANT_LEN], char *note, size_t notesz,
                     char *err, size_t errsz);
/* A UTC instant as local "YYYY-MM-DD HH:MM" (out >= 17 bytes) and, if
 * date is not NULL, the local date. */
bool emr_utc_to_local(const char *tz, const char *instant, char *out, size_t n, char date[EMR_DATE_LEN]);
/* The UTC instants bounding local days [date, date + days). */
int emr_local_day_range(const char *tz, const char *date, int days, char from[EMR_INSTANT_LEN],
                        char to[EMR_INSTANT_LEN]);

/* Same conversion with the practice's zone (error set on the db). */
int emr_sched_parse_local(emr_db *db, const char *local, char out[EMR_INSTANT_LEN], char *note, size_t notesz);

/* The id of an active user by login (error set when unknown). */
int emr_sched_provider(emr_db *db, const char *login, int64_t *id);

/* Books a->start_at for a->duration_min; fills a->id.  warn (may be NULL)
 * gets "" or the warnings, "; "-separated. */
int emr_appt_add(emr_db *db, emr_appt *a, char *warn, size_t warnsz);
int emr_appt_get(emr_db *db, int64_t id, emr_appt *out);
/* New start (UTC) and, if minutes > 0, new length. */
int emr_appt_move(emr_db *db, int64_t id, const char *start_at, int minutes, char *warn, size_t warnsz);
int emr_appt_cancel(emr_db *db, int64_t id, const char *reason);
/* booked | arrived | in-room | done | no-show.  Arrived opens the visit
 * (once); its id is in *encounter_id (may be NULL). */
int emr_appt_set_status(emr_db *db, int64_t id, const char *status, int64_t *encounter_id);
/* Appointments starting in [from, to) (UTC), cancelled ones included,
 * provider_id 0 = every provider; by start. */
int emr_appt_list(emr_db *db, const char *from, const char *to, int64_t provider_id, emr_appts *out);

typedef struct emr_recall {
	int64_t patient_id, encounter_id;
	char patient[420];
	char mrn[33];
	char visit_date[EMR_DATE_LEN];   /* local */
	int followup_days;
	char due[EMR_DATE_LEN];
	long overdue_days;               /* today - due; negative when not yet due */
} emr_recall;

typedef struct emr_recalls {
	emr_recall *items;
	size_t n, cap;
} emr_recalls;
void emr_recalls_free(emr_recalls *list);

/* Patients whose latest visit with a follow-up interval makes them due
 * (any date, soonest first) and who have no future live appointment. */
int emr_recall_list(emr_db *db, emr_recalls *out);

/* ------------------------------------------------- for the schedule screen */

/* The practice's settings with the schedule's defaults filled in (time
 * zone America/New_York, 15-minute slots, 08:00-17:00, Monday-Friday). */
int emr_sched_practice(emr_db *db, emr_practice *out);
/* The clinician a booking is with when none is named (see emr_appt_add):
 * the acting user if they see patients, else the first physician. */
int emr_sched_default_provider(emr_db *db, int64_t *id);
/* Whether [start_at, start_at + minutes) overlaps a live (blocking)
 * appointment of the provider other than except_id: the double booking the
 * schema refuses unless the new one is an overbook. */
int emr_appt_overlaps(emr_db *db, int64_t provider_id, const char *start_at, int minutes, int64_t except_id,
                      bool *busy);

/* Every appointment of one patient, cancelled and no-show ones included,
 * oldest first (for exports). */
int emr_appt_list_patient(emr_db *db, int64_t patient_id, emr_appts *out);

#endif
