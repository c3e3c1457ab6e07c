/* practice: the practice's settings, its users, and creating a practice.
 *
 * Structs are plain with fixed-size fields; nothing inside needs freeing.*/
#ifndef EMR_PRACTICE_H
#define EMR_PRACTICE_H

#include "emr/db.h"
#include "emr/datetime.h"

typedef struct emr_practice {
	char name[201];
	char address[501];
	char phone[41];
	char npi[11];
	char letterhead[1001];
	char clinic_open[6], clinic_close[6];
	char clinic_days[8];
	int slot_minutes;
	char timezone[65];
	int idle_timeout_min;
} emr_practice;

typedef struct emr_user {
	int64_t id;
	char login[65];
	char display_name[201];
	char role[10];           /* physician | nurse | frontdesk | biller */
	char credentials[33];
	char npi[11];
	char dea[10];
	bool active;
	bool has_passphrase;
} emr_user;

typedef struct emr_user_list {
	emr_user *items;
	size_t n, cap;
} emr_user_list;

/* What emr_practice_create needs. */
typedef struct emr_init_opts {
	const char *practice_name;
	const char *user_login;          /* the first user; NULL = current Unix login */
	const char *user_display_name;
	const char *user_credentials;    /* "MD" */
	const char *user_npi;            /* may be NULL */
	bool load_codes;                 /* load ICD-10-CM (the release in the binary) */
} emr_init_opts;

/* Fills a freshly created (empty, migrated) database: the practice row,
 * the first user as physician, the LOINC/CVX tables, the default note
 * template and, when asked, ICD-10-CM.  One transaction.  Fails if the
 * practice already exists. */
int emr_practice_create(emr_db *db, const emr_init_opts *opts);
/* True when the practice row exists (the database was initialised). */
bool emr_practice_exists(emr_db *db);
int emr_practice_get(emr_db *db, emr_practice *out);
/* Replaces the practice's settings with p (ADMIN: a physician), checking
 * what the schema cannot: the time zone must be one the C library knows
 * (a file under TZDIR or /usr/share/zoneinfo; an unknown name would
 * silently mean UTC and shift every appointment).  Audited. */
int emr_practice_update(emr_db *db, const emr_practice *p);

int emr_user_add(emr_db *db, emr_user *u);
int emr_user_get_by_login(emr_db *db, const char *login, emr_user *out);
int emr_user_get(emr_db *db, int64_t id, emr_user *out);
int emr_user_list_all(emr_db *db, emr_user_list *out);
void emr_user_list_free(emr_user_list *list);

/* The Unix login of the process (from getpwuid, then $USER/$LOGNAME). */
bool emr_unix_login(char *buf, size_t n);

/* Looks up the emr user for the current Unix login (or $EMR_USER when set,
 * for tests and for `sudo -u`-less scripting) and makes it the acting
 * user.  -1 with "login \"bob\" is not an emr user" when unmapped, or
 * "... is disabled". */
int emr_login(emr_db *db, emr_user *out);

#endif
