/* ui_schedule: the day and week grid, booking, and the recall list (see
 * ui_schedule.h).  Every change goes through schedule.h; the grid is
 * rebuilt from the domain after each one, so it shows what was stored. */
#include "emr/ui_schedule.h"

#include "emr/lineedit.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/practice.h"
#include "emr/schedule.h"
#include "emr/ui_chart.h"
#include "emr/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* As in the patient list: more than a tall terminal shows, few enough to
 * answer within a frame. */
#define SEARCH_LIMIT 100
#define WEEK_DAYS 7
/* Local "YYYY-MM-DD HH:MM", with room for the compiler's worst case. */
#define LOCAL_LEN 24
#define DAY_MINUTES (24 * 60)
/* Rows the grid does not get: header, rule, detail line, key hints. */
#define GRID_CHROME 4
/* The narrowest overbook column beside the main one. */
#define OVERBOOK_COLS 18

/* Where an appointment sits in its day: wall-clock minutes after local
 * midnight, and its column (0 = the main one; overbooks go beside it). */
typedef struct placed {
	int start, end;
	int lane;
	bool blocking;     /* live: cancelled and no-show appointments free the slot */
} placed;

typedef struct day_book {
	char date[EMR_DATE_LEN];
	emr_appts appts;
	placed *at;        /* parallel to appts.items */
	int lanes;
} day_book;

typedef struct sched_view sched_view;

/* What a booking takes from the screen that starts it. */
typedef struct book_ctx {
	sched_view *origin;        /* told which appointment to show afterwards */
	int64_t provider_id;
	char when[LOCAL_LEN];      /* local "YYYY-MM-DD HH:MM" */
	int minutes;
} book_ctx;

struct sched_view {
	tui_view base;
	emr_practice pr;
	int64_t provider_id;       /* 0: no clinician to book with */
	char provider[201];
	char date[EMR_DATE_LEN];   /* the day the cursor is on */
	bool week;
	day_book days[WEEK_DAYS];
	int ndays;
	int first_min, last_min;   /* the grid's span */
	int slot;                  /* cursor row */
	int lane;                  /* cursor column of the day view */
	int lanes_shown;           /* columns drawn at the last paint */
	int scroll, page;
	int64_t follow_id;         /* put the cursor on it at the next reload */
};

static sched_view *as_sched(tui_view *v)
{
	return (sched_view *)v;
}

static const char *const weekday_names[] = {"", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const appt_types[] = {"new", "follow-up", "annual", "acute", "procedure", "telehealth"};

/* ------------------------------------------------------------- time */

static int hhmm_minutes(const char *s)
{
	int h, m;
	if (!s || sscanf(s, "%d:%d", &h, &m) != 2 || h < 0 || h > 24 || m < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

/* ISO weekday (1 = Monday) of a calendar date; timegm keeps the calendar
 * in the C library. */
static int iso_weekday(const char *date)
{
	int y, m, d;
	if (sscanf(date, "%d-%d-%d", &y, &m, &d) != 3)
		return 1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
	time_t t = timegm(&tm);
	struct tm out;
	if (!gmtime_r(&t, &out))
		return 1;
	return out.tm_wday == 0 ? 7 : out.tm_wday;
}

/* Now in the practice's zone, which may differ from the terminal's. */
static void practice_now(const sched_view *sv, char date[EMR_DATE_LEN], int *minutes)
{
	char now[EMR_INSTANT_LEN], local[32] = "";
	emr_now_instant(now);
	if (!emr_utc_to_local(sv->pr.timezone, now, local, sizeof local, date)) {
		emr_today(date);
		*minutes = -1;
		return;
	}
	*minutes = hhmm_minutes(local + 11);
}

static int slot_len(const sched_view *sv)
{
	return sv->pr.slot_minutes;
}

static int slot_count(const sched_view *sv)
{
	return (sv->last_min - sv->first_min + slot_len(sv) - 1) / slot_len(sv);
}

static int slot_start(const sched_view *sv, int slot)
{
	return sv->first_min + slot * slot_len(sv);
}

static void slot_local(const sched_view *sv, const char *date, int slot, char out[LOCAL_LEN])
{
	int t = slot_start(sv, slot);
	snprintf(out, LOCAL_LEN, "%.10s %02d:%02d", date, t / 60 % 24, t % 60);
}

/* ------------------------------------------------------------- loading */

static void day_free(day_book *d)
{
	emr_appts_free(&d->appts);
	free(d->at);
	d->at = NULL;
	d->lanes = 0;
}

static int free_lane(const day_book *d, const placed *p)
{
	for (int lane = 0;; lane++) {
		bool taken = false;
		for (size_t j = 0; j < d->appts.n && !taken; j++) {
			const placed *q = &d->at[j];
			taken = q != p && q->lane == lane && q->start < p->end && p->start < q->end;
		}
		if (!taken)
			return lane;
	}
}

/* Live appointments take the columns first, so a cancelled one never
 * pushes a live one aside. */
static void assign_lanes(day_book *d)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->appts.n; i++) {
			placed *p = &d->at[i];
			if (p->blocking != (pass == 0))
				continue;
			p->lane = free_lane(d, p);
			if (p->lane + 1 > d->lanes)
				d->lanes = p->lane + 1;
		}
}

static int load_day(tui_app *app, sched_view *sv, day_book *d)
{
	char from[EMR_INSTANT_LEN], to[EMR_INSTANT_LEN];
	if (emr_local_day_range(sv->pr.timezone, d->date, 1, from, to) != 0) {
		tui_error(app, "%s: not a date the schedule can show", d->date);
		return -1;
	}
	if (emr_appt_list(app->db, from, to, sv->provider_id, &d->appts) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return -1;
	}
	d->at = emr_xcalloc(d->appts.n ? d->appts.n : 1, sizeof *d->at);
	for (size_t i = 0; i < d->appts.n; i++) {
		const emr_appt *a = &d->appts.items[i];
		char local[32] = "";
		placed *p = &d->at[i];
		emr_utc_to_local(sv->pr.timezone, a->start_at, local, sizeof local, NULL);
		p->start = strlen(local) >= 16 ? hhmm_minutes(local + 11) : 0;
		p->end = p->start + a->duration_min;
		p->lane = -1;
		p->blocking = strcmp(a->status, "cancelled") != 0 && strcmp(a->status, "no-show") != 0;
	}
	assign_lanes(d);
	return 0;
}

/* Clinic hours, stretched to show bookings made outside them. */
static void fit_grid(sched_view *sv)
{
	int slot = slot_len(sv);
	int first = hhmm_minutes(sv->pr.clinic_open), last = hhmm_minutes(sv->pr.clinic_close);
	if (first < 0 || last <= first) {
		first = 8 * 60;
		last = 17 * 60;
	}
	for (int i = 0; i < sv->ndays; i++)
		for (size_t j = 0; j < sv->days[i].appts.n; j++) {
			const placed *p = &sv->days[i].at[j];
			while (p->start < first && first - slot >= 0)
				first -= slot;
			while (p->end > last && last + slot <= DAY_MINUTES)
				last += slot;
		}
	sv->first_min = first;
	sv->last_min = last;
}

static int cursor_day(const sched_view *sv)
{
	return sv->week ? iso_weekday(sv->date) - 1 : 0;
}

static void clamp(sched_view *sv)
{
	int n = slot_count(sv);
	if (sv->slot >= n)
		sv->slot = n - 1;
	if (sv->slot < 0)
		sv->slot = 0;
	int page = sv->page > 0 ? sv->page : 1;
	if (sv->slot < sv->scroll)
		sv->scroll = sv->slot;
	if (sv->slot >= sv->scroll + page)
		sv->scroll = sv->slot - page + 1;
	if (sv->scroll > n - page)
		sv->scroll = n - page;
	if (sv->scroll < 0)
		sv->scroll = 0;
	int lanes = sv->days[cursor_day(sv)].lanes;
	if (sv->lane >= lanes)
		sv->lane = lanes > 0 ? lanes - 1 : 0;
}

/* Puts the cursor on appointment id if the loaded days hold it. */
static void follow(sched_view *sv, int64_t id)
{
	day_book *d = &sv->days[cursor_day(sv)];
	for (size_t i = 0; i < d->appts.n; i++)
		if (d->appts.items[i].id == id) {
			sv->slot = (d->at[i].start - sv->first_min) / slot_len(sv);
			sv->lane = d->at[i].lane;
		}
}

static void reload(tui_app *app, sched_view *sv)
{
	for (int i = 0; i < WEEK_DAYS; i++)
		day_free(&sv->days[i]);
	int old_first = sv->first_min;
	char first[EMR_DATE_LEN];
	emr_strlcpy(first, sv->date, sizeof first);
	sv->ndays = 1;
	if (sv->week) {
		emr_date_add_days(sv->date, 1 - iso_weekday(sv->date), first);
		sv->ndays = WEEK_DAYS;
	}
	for (int i = 0; i < sv->ndays; i++) {
		emr_date_add_days(first, i, sv->days[i].date);
		if (load_day(app, sv, &sv->days[i]) != 0)
			break;
	}
	fit_grid(sv);
	/* The same time of day stays under the cursor when the span changes. */
	if (old_first && old_first != sv->first_min)
		sv->slot += (old_first - sv->first_min) / slot_len(sv);
	if (sv->follow_id) {
		follow(sv, sv->follow_id);
		sv->follow_id = 0;
	}
	clamp(sv);
}

/* The appointment under the cursor: the cursor's column in the day view,
 * the first live one in a week cell. */
static emr_appt *selected(sched_view *sv)
{
	day_book *d = &sv->days[cursor_day(sv)];
	int s0 = slot_start(sv, sv->slot), s1 = s0 + slot_len(sv);
	emr_appt *best = NULL;
	int best_lane = 1 << 20;
	for (size_t i = 0; i < d->appts.n; i++) {
		const placed *p = &d->at[i];
		if (!(p->start < s1 && s0 < p->end))
			continue;
		if (!sv->week && p->lane == sv->lane)
			return &d->appts.items[i];
		if (sv->week && p->lane < best_lane) {
			best = &d->appts.items[i];
			best_lane = p->lane;
		}
	}
	return best;
}

static void go_to(tui_app *app, sched_view *sv, const char *date)
{
	emr_strlcpy(sv->date, date, sizeof sv->date);
	reload(app, sv);
}

/* ------------------------------------------------------------ booking */

static const char *type_from(const char *typed)
{
	const char *found = NULL;
	size_t n = strlen(typed);
	for (size_t i = 0; i < EMR_ARRAY_LEN(appt_types); i++) {
		if (strcmp(typed, appt_types[i]) == 0)
			return appt_types[i];
		if (n && strncmp(typed, appt_types[i], n) == 0) {
			if (found)
				return NULL;
			found = appt_types[i];
		}
	}
	return found;
}

/* Asks for the time, type, length and reason; false when the user backs
 * out or an answer is not usable (the status line says why). */
static bool ask_booking(tui_app *app, const book_ctx *ctx, const char *name, emr_appt *a)
{
	char q[600], when[32], type[16] = "follow-up", mins[8], note[256];
	emr_strlcpy(when, ctx->when, sizeof when);
	snprintf(q, sizeof q, "Book %s at:", name);
	if (!tui_prompt(app, q, when, sizeof when))
		return false;
	if (emr_sched_parse_local(app->db, when, a->start_at, note, sizeof note) != 0) {
		tui_error(app, "Not booked: %s", emr_db_error(app->db));
		return false;
	}
	if (!tui_prompt(app, "Type (new, follow-up, annual, acute, procedure, telehealth):", type, sizeof type))
		return false;
	const char *t = type_from(type);
	if (!t) {
		tui_error(app, "Not booked: \"%s\" is not a type (new, follow-up, annual, acute, procedure, telehealth)", type);
		return false;
	}
	emr_strlcpy(a->type, t, sizeof a->type);
	snprintf(mins, sizeof mins, "%d", ctx->minutes);
	if (!tui_prompt(app, "Length in minutes:", mins, sizeof mins))
		return false;
	char *end;
	long m = strtol(mins, &end, 10);
	if (end == mins || *end || m < 5 || m > 480) {
		tui_error(app, "Not booked: the length must be 5 to 480 minutes");
		return false;
	}
	a->duration_min = (int)m;
	return tui_prompt(app, "Reason for the visit:", a->reason, sizeof a->reason);
}

/* The schema refuses a double booking; the user may still want it, as an
 * overbook, but only after saying so.  1: they did not. */
static int add_or_overbook(tui_app *app, emr_appt *a, const char *name, char *warn, size_t warnsz)
{
	if (emr_appt_add(app->db, a, warn, warnsz) == 0)
		return 0;
	bool busy = false;
	if (emr_appt_overlaps(app->db, a->provider_id, a->start_at, a->duration_min, 0, &busy) != 0 || !busy) {
		tui_error(app, "Not booked: %s", emr_db_error(app->db));
		return -1;
	}
	(void)name;
	if (!tui_confirm(app, "The provider is already booked then. Book as an overbook? (y/n)")) {
		tui_message(app, "Not booked: that time is taken (no overbook)");
		return 1;
	}
	a->overbook = true;
	if (emr_appt_add(app->db, a, warn, warnsz) != 0) {
		tui_error(app, "Not booked: %s", emr_db_error(app->db));
		return -1;
	}
	return 0;
}

/* What became of a booking: the booking view closes unless the user is
 * still choosing (backed out of a question, or an answer was refused). */
enum { BOOK_RETRY, BOOK_DONE, BOOK_DECLINED };

static int book_patient(tui_app *app, const book_ctx *ctx, int64_t patient_id, const char *name)
{
	emr_appt a = {0};
	a.patient_id = patient_id;
	a.provider_id = ctx->provider_id;
	if (!ask_booking(app, ctx, name, &a)) {
		if (!app->status_is_error)
			tui_message(app, "Not booked");
		return BOOK_RETRY;
	}
	char warn[512];
	int rc = add_or_overbook(app, &a, name, warn, sizeof warn);
	if (rc != 0)
		return rc > 0 ? BOOK_DECLINED : BOOK_RETRY;
	emr_appt got;
	if (emr_appt_get(app->db, a.id, &got) == 0)
		emr_strlcpy(a.patient, got.patient, sizeof a.patient);
	/* The warning first: the status line is short at 80 columns. */
	const char *how = a.overbook ? " as an overbook" : "";
	if (*warn)
		tui_message(app, "Booked%s, but %s", how, warn);
	else
		tui_message(app, "Booked %s (%d min)%s", name, a.duration_min, how);
	if (ctx->origin)
		ctx->origin->follow_id = a.id;
	return BOOK_DONE;
}

static void book_ctx_for(const sched_view *sv, book_ctx *ctx)
{
	ctx->origin = (sched_view *)sv;
	ctx->provider_id = sv->provider_id;
	ctx->minutes = slot_len(sv);
	slot_local(sv, sv->days[cursor_day(sv)].date, sv->slot, ctx->when);
}

/* ------------------------------------------------------ booking view */

typedef struct booking_view {
	tui_view base;
	book_ctx ctx;
	emr_lineedit query;
	emr_patient_list results;
	int selected, scroll, page;
} booking_view;

static booking_view *as_booking(tui_view *v)
{
	return (booking_view *)v;
}

static void booking_search(tui_app *app, booking_view *bv)
{
	emr_patient_list_free(&bv->results);
	if (emr_patient_search(app->db, emr_le_text(&bv->query), SEARCH_LIMIT, &bv->results) != 0)
		tui_error(app, "%s", emr_db_error(app->db));
	bv->selected = 0;
	bv->scroll = 0;
}

static void booking_clamp(booking_view *bv)
{
	int n = (int)bv->results.n, page = bv->page > 0 ? bv->page : 1;
	if (bv->selected >= n)
		bv->selected = n - 1;
	if (bv->selected < 0)
		bv->selected = 0;
	if (bv->selected < bv->scroll)
		bv->scroll = bv->selected;
	if (bv->selected >= bv->scroll + page)
		bv->scroll = bv->selected - page + 1;
}

static int booking_move(tui_view *v, int delta)
{
	booking_view *bv = as_booking(v);
	bv->selected += delta;
	booking_clamp(bv);
	return TUI_REDRAW;
}

static int bk_down(tui_app *app, tui_view *v) { (void)app; return booking_move(v, 1); }
static int bk_up(tui_app *app, tui_view *v) { (void)app; return booking_move(v, -1); }

static int bk_choose(tui_app *app, tui_view *v)
{
	booking_view *bv = as_booking(v);
	if (bv->results.n == 0) {
		tui_message(app, "No patient chosen: type a name, a date of birth, an MRN or a phone number");
		return TUI_REDRAW;
	}
	const emr_patient *p = &bv->results.items[bv->selected];
	char name[512];
	emr_patient_display_name(p, name, sizeof name);
	return book_patient(app, &bv->ctx, p->id, name) == BOOK_RETRY ? TUI_REDRAW : TUI_POP;
}

static int bk_escape(tui_app *app, tui_view *v)
{
	booking_view *bv = as_booking(v);
	if (bv->query.len == 0)
		return TUI_POP;
	emr_le_kill_line(&bv->query);
	booking_search(app, bv);
	return TUI_REDRAW;
}

static const tui_binding booking_keys[] = {
	{{TUI_KEYCODE(KEY_DOWN), TUI_CTRL('n')}, "Down/Ctrl-N", "next patient", bk_down},
	{{TUI_KEYCODE(KEY_UP), TUI_CTRL('p')}, "Up/Ctrl-P", "previous patient", bk_up},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "book this patient (then time, type, length, reason)", bk_choose},
	{{TUI_KEY_ESC}, "Esc", "clear the search (back when empty)", bk_escape},
	{{0}, NULL, NULL, NULL},
};

/* The patient list's editing keys, for the same search. */
static int booking_input(tui_app *app, tui_view *v, int key, bool is_keycode)
{
	booking_view *bv = as_booking(v);
	bool changed = false;
	if (is_keycode) {
		switch (key) {
		case KEY_BACKSPACE: changed = emr_le_backspace(&bv->query); break;
		case KEY_DC: changed = emr_le_delete(&bv->query); break;
		case KEY_LEFT: emr_le_left(&bv->query); return TUI_REDRAW;
		case KEY_RIGHT: emr_le_right(&bv->query); return TUI_REDRAW;
		default: return TUI_UNKNOWN;
		}
	} else if (key == 127 || key == 8) {
		changed = emr_le_backspace(&bv->query);
	} else if (key == TUI_CTRL('u')) {
		changed = emr_le_kill_line(&bv->query);
	} else if (key == TUI_CTRL('w')) {
		changed = emr_le_kill_word(&bv->query);
	} else if (key >= 32) {
		changed = emr_le_insert(&bv->query, (uint32_t)key);
	} else {
		return TUI_UNKNOWN;
	}
	if (changed) {
		app->status[0] = '\0';
		booking_search(app, bv);
	}
	return TUI_REDRAW;
}

static bool booking_wants_text(tui_view *v)
{
	(void)v;
	return true;
}

static void booking_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	booking_view *bv = as_booking(v);
	char title[96];
	snprintf(title, sizeof title, "Book at %s (%d min): choose the patient", bv->ctx.when, bv->ctx.minutes);
	attron(A_BOLD);
	tui_text(y, x + 1, w - 2, title);
	const char *prompt = "Find patient: ";
	tui_text(y + 1, x + 1, w - 2, prompt);
	attroff(A_BOLD);
	int qx = x + 1 + (int)strlen(prompt);
	tui_text(y + 1, qx, w - qx - 1, emr_le_text(&bv->query));
	app->cursor_visible = true;
	app->cursor_y = y + 1;
	app->cursor_x = qx + emr_le_cursor_col(&bv->query);
	if (app->cursor_x >= x + w)
		app->cursor_x = x + w - 1;
	tui_rule(app, y + 2, x, w, NULL, false);
	int top = y + 3, rows = h - 4;
	bv->page = rows > 1 ? rows : 1;
	booking_clamp(bv);
	for (int i = 0; i < rows && bv->scroll + i < (int)bv->results.n; i++) {
		int idx = bv->scroll + i;
		const emr_patient *p = &bv->results.items[idx];
		char name[512], line[640];
		emr_patient_display_name(p, name, sizeof name);
		snprintf(line, sizeof line, "%-9s %s  (born %s)", p->mrn, name, p->dob);
		if (idx == bv->selected) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(top + i, x, ' ', w);
		}
		tui_text(top + i, x + 1, w - 2, line);
		if (idx == bv->selected)
			tui_attr_off(app, TUI_PAIR_SELECT);
	}
	if (bv->results.n == 0 && bv->query.len)
		tui_text(top, x + 2, w - 4, "No patient matches.");
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + h - 1, x + 1, w - 2, "Type to search  Enter book this patient  Esc back");
	tui_attr_off(app, TUI_PAIR_DIM);
}

static void booking_destroy(tui_view *v)
{
	booking_view *bv = as_booking(v);
	emr_le_free(&bv->query);
	emr_patient_list_free(&bv->results);
	free(bv);
}

static const tui_view_ops booking_ops = {
	.name = "Book an appointment",
	.keymap = booking_keys,
	.draw = booking_draw,
	.input = booking_input,
	.wants_text = booking_wants_text,
	.destroy = booking_destroy,
};

static tui_view *booking_new(tui_app *app, const book_ctx *ctx)
{
	booking_view *bv = emr_xcalloc(1, sizeof *bv);
	bv->base.ops = &booking_ops;
	bv->ctx = *ctx;
	bv->query.max = 200;
	booking_search(app, bv);
	return &bv->base;
}

/* ------------------------------------------------------- recall view */

typedef struct recall_view {
	tui_view base;
	book_ctx ctx;
	emr_recalls list;
	int selected, scroll, page;
} recall_view;

static recall_view *as_recall(tui_view *v)
{
	return (recall_view *)v;
}

static void recall_load(tui_app *app, recall_view *rv)
{
	emr_recalls_free(&rv->list);
	if (emr_recall_list(app->db, &rv->list) != 0)
		tui_error(app, "%s", emr_db_error(app->db));
	int n = (int)rv->list.n;
	if (rv->selected >= n)
		rv->selected = n - 1;
	if (rv->selected < 0)
		rv->selected = 0;
}

static int recall_move(tui_view *v, int delta)
{
	recall_view *rv = as_recall(v);
	rv->selected += delta;
	if (rv->selected >= (int)rv->list.n)
		rv->selected = (int)rv->list.n - 1;
	if (rv->selected < 0)
		rv->selected = 0;
	return TUI_REDRAW;
}

static int rc_down(tui_app *app, tui_view *v) { (void)app; return recall_move(v, 1); }
static int rc_up(tui_app *app, tui_view *v) { (void)app; return recall_move(v, -1); }

static const emr_recall *recall_current(tui_app *app, recall_view *rv)
{
	if (rv->list.n == 0) {
		tui_message(app, "Nobody is due for a follow-up without an appointment");
		return NULL;
	}
	return &rv->list.items[rv->selected];
}

static int rc_open(tui_app *app, tui_view *v)
{
	const emr_recall *r = recall_current(app, as_recall(v));
	if (r)
		tui_push(app, ui_chart_new(app, r->patient_id));
	return TUI_REDRAW;
}

static int rc_book(tui_app *app, tui_view *v)
{
	recall_view *rv = as_recall(v);
	const emr_recall *r = recall_current(app, rv);
	if (r && book_patient(app, &rv->ctx, r->patient_id, r->patient) == BOOK_DONE)
		recall_load(app, rv);
	return TUI_REDRAW;
}

static const tui_binding recall_keys[] = {
	{{'j', TUI_KEYCODE(KEY_DOWN)}, "j/Down", "next patient", rc_down},
	{{'k', TUI_KEYCODE(KEY_UP)}, "k/Up", "previous patient", rc_up},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "open the chart", rc_open},
	{{'b'}, "b", "book this patient (at the schedule's cursor by default)", rc_book},
	{{0}, NULL, NULL, NULL},
};

static void recall_row(tui_app *app, const emr_recall *r, int y, int x, int w, bool sel)
{
	char when[48], line[800];
	if (r->overdue_days > 0)
		snprintf(when, sizeof when, "%ld days overdue", r->overdue_days);
	else if (r->overdue_days == 0)
		snprintf(when, sizeof when, "due today");
	else
		snprintf(when, sizeof when, "in %ld days", -r->overdue_days);
	snprintf(line, sizeof line, "%-10s %-16s %-9s %s  (last visit %s, +%d days)", r->due, when, r->mrn, r->patient,
	         r->visit_date, r->followup_days);
	if (sel) {
		tui_attr_on(app, TUI_PAIR_SELECT);
		mvhline(y, x, ' ', w);
	} else if (r->overdue_days > 0) {
		tui_attr_on(app, TUI_PAIR_WARN);
	}
	tui_text(y, x + 1, w - 2, line);
	if (sel)
		tui_attr_off(app, TUI_PAIR_SELECT);
	else if (r->overdue_days > 0)
		tui_attr_off(app, TUI_PAIR_WARN);
}

static void recall_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	recall_view *rv = as_recall(v);
	char title[96];
	snprintf(title, sizeof title, "Due for a follow-up, nothing booked: %zu", rv->list.n);
	tui_rule(app, y, x, w, title, false);
	attron(A_BOLD);
	tui_text(y + 1, x + 1, w - 2, "Due        When             MRN       Patient");
	attroff(A_BOLD);
	int top = y + 2, rows = h - 3;
	rv->page = rows > 1 ? rows : 1;
	if (rv->selected < rv->scroll)
		rv->scroll = rv->selected;
	if (rv->selected >= rv->scroll + rv->page)
		rv->scroll = rv->selected - rv->page + 1;
	for (int i = 0; i < rows && rv->scroll + i < (int)rv->list.n; i++)
		recall_row(app, &rv->list.items[rv->scroll + i], top + i, x, w, rv->scroll + i == rv->selected);
	if (rv->list.n == 0)
		tui_text(top, x + 2, w - 4, "Nobody is due for a follow-up without an appointment.");
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + h - 1, x + 1, w - 2, "Enter chart  b book  j/k move  q back");
	tui_attr_off(app, TUI_PAIR_DIM);
}

static void recall_resume(tui_app *app, tui_view *v)
{
	recall_load(app, as_recall(v));
}

static void recall_destroy(tui_view *v)
{
	recall_view *rv = as_recall(v);
	emr_recalls_free(&rv->list);
	free(rv);
}

static const tui_view_ops recall_ops = {
	.name = "Recall list",
	.keymap = recall_keys,
	.draw = recall_draw,
	.resume = recall_resume,
	.destroy = recall_destroy,
};

static tui_view *recall_new(tui_app *app, const book_ctx *ctx)
{
	recall_view *rv = emr_xcalloc(1, sizeof *rv);
	rv->base.ops = &recall_ops;
	rv->ctx = *ctx;
	recall_load(app, rv);
	return &rv->base;
}

/* ---------------------------------------------------- schedule actions */

static bool lane_busy(const sched_view *sv, int lane)
{
	const day_book *d = &sv->days[cursor_day(sv)];
	int s0 = slot_start(sv, sv->slot), s1 = s0 + slot_len(sv);
	for (size_t i = 0; i < d->appts.n; i++)
		if (d->at[i].lane == lane && d->at[i].start < s1 && s0 < d->at[i].end)
			return true;
	return false;
}

static int move_slot(tui_view *v, int delta)
{
	sched_view *sv = as_sched(v);
	sv->slot += delta;
	clamp(sv);
	/* An overbook column is a side track: off it, back to the main one. */
	if (!lane_busy(sv, sv->lane))
		sv->lane = 0;
	return TUI_REDRAW;
}

static int act_down(tui_app *app, tui_view *v) { (void)app; return move_slot(v, 1); }
static int act_up(tui_app *app, tui_view *v) { (void)app; return move_slot(v, -1); }
static int act_page_down(tui_app *app, tui_view *v) { (void)app; return move_slot(v, as_sched(v)->page); }
static int act_page_up(tui_app *app, tui_view *v) { (void)app; return move_slot(v, -as_sched(v)->page); }

static int act_next_column(tui_app *app, tui_view *v)
{
	(void)app;
	sched_view *sv = as_sched(v);
	int n = sv->lanes_shown > 0 ? sv->lanes_shown : 1;
	sv->lane = (sv->lane + 1) % n;
	return TUI_REDRAW;
}

static int shift_days(tui_app *app, tui_view *v, int days)
{
	sched_view *sv = as_sched(v);
	char d[EMR_DATE_LEN];
	if (emr_date_add_days(sv->date, days, d))
		go_to(app, sv, d);
	return TUI_REDRAW;
}

static int act_prev_day(tui_app *app, tui_view *v) { return shift_days(app, v, -1); }
static int act_next_day(tui_app *app, tui_view *v) { return shift_days(app, v, 1); }
static int act_prev_page(tui_app *app, tui_view *v) { return shift_days(app, v, as_sched(v)->week ? -7 : -1); }
static int act_next_page(tui_app *app, tui_view *v) { return shift_days(app, v, as_sched(v)->week ? 7 : 1); }

static int act_today(tui_app *app, tui_view *v)
{
	sched_view *sv = as_sched(v);
	char today[EMR_DATE_LEN];
	int now;
	practice_now(sv, today, &now);
	go_to(app, sv, today);
	if (now >= sv->first_min)
		sv->slot = (now - sv->first_min) / slot_len(sv);
	/* From the top of the day when the cursor fits on the first page: the
	 * paint knows the page and scrolls only if it must. */
	sv->scroll = 0;
	return TUI_REDRAW;
}

static int act_week(tui_app *app, tui_view *v)
{
	sched_view *sv = as_sched(v);
	sv->week = !sv->week;
	reload(app, sv);
	return TUI_REDRAW;
}

/* The selected appointment, or a word on the status line. */
static emr_appt *need_selected(tui_app *app, sched_view *sv)
{
	emr_appt *a = selected(sv);
	if (!a)
		tui_message(app, "No appointment here: b books this slot");
	return a;
}

static int act_open(tui_app *app, tui_view *v)
{
	emr_appt *a = need_selected(app, as_sched(v));
	if (a)
		tui_push(app, ui_chart_new(app, a->patient_id));
	return TUI_REDRAW;
}

/* Asked before the questions, not after them: a role that may not book is
 * told at once ("Not booked: a biller cannot ..."). */
static bool may_schedule(tui_app *app, const char *what, const char *refused)
{
	if (emr_permit(app->db, EMR_PERM_SCHEDULE, what) == 0)
		return true;
	tui_error(app, "%s: %s", refused, emr_db_error(app->db));
	return false;
}

static int act_book(tui_app *app, tui_view *v)
{
	if (!may_schedule(app, "appointment add", "Not booked"))
		return TUI_REDRAW;
	book_ctx ctx;
	book_ctx_for(as_sched(v), &ctx);
	tui_push(app, booking_new(app, &ctx));
	return TUI_REDRAW;
}

static int act_recall(tui_app *app, tui_view *v)
{
	book_ctx ctx;
	book_ctx_for(as_sched(v), &ctx);
	tui_push(app, recall_new(app, &ctx));
	return TUI_REDRAW;
}

/* After a change: the grid reloads around the changed appointment. */
static int changed(tui_app *app, sched_view *sv, int64_t id)
{
	sv->follow_id = id;
	reload(app, sv);
	return TUI_REDRAW;
}

static int act_move(tui_app *app, tui_view *v)
{
	sched_view *sv = as_sched(v);
	emr_appt *a = need_selected(app, sv);
	if (!a)
		return TUI_REDRAW;
	int64_t id = a->id;
	char local[32] = "", date[EMR_DATE_LEN], start[EMR_INSTANT_LEN], note[256], warn[512];
	if (!may_schedule(app, "appointment move", "Not moved"))
		return TUI_REDRAW;
	emr_utc_to_local(sv->pr.timezone, a->start_at, local, sizeof local, NULL);
	if (!tui_prompt(app, "Move to (YYYY-MM-DD HH:MM):", local, sizeof local)) {
		tui_message(app, "Not moved");
		return TUI_REDRAW;
	}
	if (emr_sched_parse_local(app->db, local, start, note, sizeof note) != 0 ||
	    emr_appt_move(app->db, id, start, 0, warn, sizeof warn) != 0) {
		tui_error(app, "Not moved: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	tui_message(app, "Moved to %s%s%s", local, *warn ? ", but " : "", warn);
	if (emr_utc_to_local(sv->pr.timezone, start, NULL, 0, date))
		emr_strlcpy(sv->date, date, sizeof sv->date);
	return changed(app, sv, id);
}

static int resize_by(tui_app *app, tui_view *v, int slots)
{
	sched_view *sv = as_sched(v);
	emr_appt *a = need_selected(app, sv);
	if (!a)
		return TUI_REDRAW;
	int64_t id = a->id;
	int minutes = a->duration_min + slots * slot_len(sv);
	char warn[512];
	if (minutes < 5) {
		tui_message(app, "It is already as short as it can be");
		return TUI_REDRAW;
	}
	if (emr_appt_move(app->db, id, a->start_at, minutes, warn, sizeof warn) != 0) {
		tui_error(app, "Not changed: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	tui_message(app, "Now %d minutes%s%s", minutes, *warn ? ", but " : "", warn);
	return changed(app, sv, id);
}

static int act_longer(tui_app *app, tui_view *v) { return resize_by(app, v, 1); }
static int act_shorter(tui_app *app, tui_view *v) { return resize_by(app, v, -1); }

static int act_cancel(tui_app *app, tui_view *v)
{
	sched_view *sv = as_sched(v);
	emr_appt *a = need_selected(app, sv);
	if (!a)
		return TUI_REDRAW;
	int64_t id = a->id;
	char reason[EMR_APPT_TEXT] = "";
	if (!may_schedule(app, "appointment cancel", "Not cancelled"))
		return TUI_REDRAW;
	if (!tui_prompt(app, "Reason for cancelling (empty keeps it):", reason, sizeof reason) || !*reason) {
		tui_message(app, "Not cancelled");
		return TUI_REDRAW;
	}
	if (emr_appt_cancel(app->db, id, reason) != 0) {
		tui_error(app, "Not cancelled: %s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	tui_message(app, "Cancelled: %s", reason);
	return changed(app, sv, id);
}

static int set_status(tui_app *app, tui_view *v, const char *status)
{
	sched_view *sv = as_sched(v);
	emr_appt *a = need_selected(app, sv);
	if (!a)
		return TUI_REDRAW;
	int64_t id = a->id, visit = 0;
	char name[sizeof a->patient];
	emr_strlcpy(name, a->patient, sizeof name);
	if (emr_appt_set_status(app->db, id, status, &visit) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		return TUI_REDRAW;
	}
	if (strcmp(status, "arrived") == 0)
		tui_message(app, "%s checked in: visit %lld opened (Enter opens the chart)", name, (long long)visit);
	else
		tui_message(app, "%s: %s", name, status);
	return changed(app, sv, id);
}

static int act_arrived(tui_app *app, tui_view *v) { return set_status(app, v, "arrived"); }
static int act_in_room(tui_app *app, tui_view *v) { return set_status(app, v, "in-room"); }
static int act_done(tui_app *app, tui_view *v) { return set_status(app, v, "done"); }
static int act_no_show(tui_app *app, tui_view *v) { return set_status(app, v, "no-show"); }

static const tui_binding sched_keys[] = {
	{{'j', TUI_KEYCODE(KEY_DOWN)}, "j/Down", "next slot", act_down},
	{{'k', TUI_KEYCODE(KEY_UP)}, "k/Up", "previous slot", act_up},
	{{TUI_KEYCODE(KEY_NPAGE)}, "PgDn", "slots further down", act_page_down},
	{{TUI_KEYCODE(KEY_PPAGE)}, "PgUp", "slots further up", act_page_up},
	{{TUI_KEY_TAB}, "Tab", "next column (overbooks beside the main one)", act_next_column},
	{{'h', TUI_KEYCODE(KEY_LEFT)}, "h/Left", "previous day", act_prev_day},
	{{'l', TUI_KEYCODE(KEY_RIGHT)}, "l/Right", "next day", act_next_day},
	{{'['}, "[", "previous day (previous week in the week view)", act_prev_page},
	{{']'}, "]", "next day (next week in the week view)", act_next_page},
	{{'t'}, "t", "today", act_today},
	{{'w'}, "w", "week view / day view", act_week},
	{{'\r', '\n', TUI_KEYCODE(KEY_ENTER)}, "Enter", "open the patient's chart", act_open},
	{{'b'}, "b", "book this slot (search the patient, type, length, reason)", act_book},
	{{'m'}, "m", "move the appointment (new local date and time)", act_move},
	{{'+', '='}, "+", "one slot longer", act_longer},
	{{'-'}, "-", "one slot shorter", act_shorter},
	{{'c'}, "c", "cancel the appointment (with a reason)", act_cancel},
	{{'a'}, "a", "check in: arrived (opens the visit)", act_arrived},
	{{'i'}, "i", "in the exam room", act_in_room},
	{{'d'}, "d", "done", act_done},
	{{'n'}, "n", "no-show", act_no_show},
	{{'R'}, "R", "recall list: due for a follow-up, nothing booked", act_recall},
	{{0}, NULL, NULL, NULL},
};

/* ------------------------------------------------------------ drawing */

static int status_pair(const emr_appt *a)
{
	if (strcmp(a->status, "cancelled") == 0 || strcmp(a->status, "done") == 0)
		return TUI_PAIR_DIM;
	if (strcmp(a->status, "no-show") == 0)
		return TUI_PAIR_WARN;
	if (strcmp(a->status, "arrived") == 0 || strcmp(a->status, "in-room") == 0)
		return TUI_PAIR_OK;
	return 0;
}

static void attr_role(const tui_app *app, int pair, bool on)
{
	if (!pair)
		return;
	if (on)
		tui_attr_on(app, pair);
	else
		tui_attr_off(app, pair);
}

/* One appointment in one day-view cell: the full line in its first slot,
 * a bar below it. */
static void draw_cell(const tui_app *app, const emr_appt *a, const placed *p, int t, int y, int x, int w,
                      bool first)
{
	int pair = status_pair(a);
	attr_role(app, pair, true);
	if (!first) {
		tui_text(y, x + 1, w - 1, app->plain_ascii ? "|" : "\xe2\x94\x82");
	} else {
		char at[16] = "", line[1200];
		if (p->start != t)
			snprintf(at, sizeof at, "%02d:%02d ", p->start / 60 % 24, p->start % 60);
		snprintf(line, sizeof line, "%s%s%s  %s  %s", a->overbook ? "+" : "", at, a->patient, a->type, a->reason);
		int sw = w >= 30 ? 10 : 0;
		tui_text(y, x, w - sw, line);
		if (sw)
			tui_text(y, x + w - sw + 1, sw - 1, a->status);
	}
	attr_role(app, pair, false);
}

/* Overbook columns are narrow: the main column keeps room for the reason
 * and the status. */
static void lane_span(int cols, int lane, int cx, int avail, int *lx, int *cw)
{
	int side = 0;
	if (cols > 1) {
		side = avail / (cols + 1);
		if (side < OVERBOOK_COLS)
			side = avail / cols < OVERBOOK_COLS ? avail / cols : OVERBOOK_COLS;
	}
	int main_w = avail - (cols - 1) * side;
	*lx = lane == 0 ? cx : cx + main_w + (lane - 1) * side;
	*cw = lane == 0 ? main_w : side;
}

static int lanes_fitting(const sched_view *sv, int w)
{
	int want = sv->days[0].lanes > 0 ? sv->days[0].lanes : 1, fit = 1 + (w - 36) / OVERBOOK_COLS;
	if (fit < 1)
		fit = 1;
	return want < fit ? want : fit;
}

static void draw_time(const tui_app *app, const sched_view *sv, int y, int x, int t)
{
	char hm[8];
	snprintf(hm, sizeof hm, "%02d:%02d", t / 60 % 24, t % 60);
	bool closed = t < hhmm_minutes(sv->pr.clinic_open) || t >= hhmm_minutes(sv->pr.clinic_close);
	attr_role(app, closed ? TUI_PAIR_DIM : 0, true);
	tui_text(y, x + 1, 5, hm);
	attr_role(app, closed ? TUI_PAIR_DIM : 0, false);
}

static void draw_day_row(const tui_app *app, const sched_view *sv, int y, int x, int w, int s)
{
	const day_book *d = &sv->days[0];
	int t = slot_start(sv, s), cx = x + 7, avail = w - 8;
	int cols = sv->lanes_shown;
	draw_time(app, sv, y, x, t);
	for (int lane = 0; lane < cols; lane++) {
		int lx, cw;
		lane_span(cols, lane, cx, avail, &lx, &cw);
		bool sel = s == sv->slot && lane == sv->lane;
		if (sel) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(y, lx, ' ', cw - 1);
		}
		for (size_t i = 0; i < d->appts.n; i++) {
			const placed *p = &d->at[i];
			if (p->lane == lane && p->start < t + slot_len(sv) && t < p->end)
				draw_cell(app, &d->appts.items[i], p, t, y, lx, cw - 1, p->start >= t || s == sv->scroll);
		}
		if (sel)
			tui_attr_off(app, TUI_PAIR_SELECT);
	}
	for (size_t i = 0; i < d->appts.n; i++)
		if (d->at[i].lane >= cols && d->at[i].start < t + slot_len(sv) && t < d->at[i].end) {
			tui_text(y, x + w - 2, 2, "+>");
			break;
		}
}

/* A week cell: the family name of the first appointment, "+" when more
 * share the slot. */
static void draw_week_cell(const tui_app *app, const sched_view *sv, const day_book *d, int t, int y, int x, int w,
                           bool top_row)
{
	const emr_appt *shown = NULL;
	const placed *sp = NULL;
	int live = 0;
	for (size_t i = 0; i < d->appts.n; i++) {
		const placed *p = &d->at[i];
		if (!(p->start < t + slot_len(sv) && t < p->end))
			continue;
		live += p->blocking;
		if (!sp || p->lane < sp->lane) {
			sp = p;
			shown = &d->appts.items[i];
		}
	}
	if (!shown)
		return;
	char name[sizeof shown->patient];
	emr_strlcpy(name, shown->patient, sizeof name);
	char *comma = strstr(name, ", ");
	if (comma)
		*comma = '\0';
	int pair = status_pair(shown);
	attr_role(app, pair, true);
	if (sp->start >= t || top_row)
		tui_text(y, x, w - (live > 1 ? 1 : 0), name);
	else
		tui_text(y, x, w, app->plain_ascii ? "|" : "\xe2\x94\x82");
	attr_role(app, pair, false);
	if (live > 1)
		tui_text(y, x + w - 1, 1, "+");
}

static int week_col_width(int w)
{
	return (w - 7) / WEEK_DAYS;
}

static void draw_week_head(const tui_app *app, const sched_view *sv, int y, int x, int w)
{
	int cw = week_col_width(w);
	char today[EMR_DATE_LEN];
	int now;
	practice_now(sv, today, &now);
	for (int i = 0; i < sv->ndays; i++) {
		char head[32];
		int iso = i + 1;
		/* "Mon 11-23", or "Mon 23" in a narrow column. */
		snprintf(head, sizeof head, "%s %.5s", weekday_names[iso], sv->days[i].date + (cw > 9 ? 5 : 8));
		bool open = strchr(sv->pr.clinic_days, '0' + iso) != NULL;
		bool is_today = strcmp(sv->days[i].date, today) == 0;
		attr_role(app, open ? 0 : TUI_PAIR_DIM, true);
		if (is_today)
			attron(A_BOLD | A_UNDERLINE);
		tui_text(y, x + 7 + i * cw, cw - 1, head);
		if (is_today)
			attroff(A_BOLD | A_UNDERLINE);
		attr_role(app, open ? 0 : TUI_PAIR_DIM, false);
	}
}

static void draw_week_row(const tui_app *app, const sched_view *sv, int y, int x, int w, int s)
{
	int t = slot_start(sv, s), cw = week_col_width(w), cur = cursor_day(sv);
	draw_time(app, sv, y, x, t);
	for (int i = 0; i < sv->ndays; i++) {
		int cx = x + 7 + i * cw;
		bool sel = s == sv->slot && i == cur;
		if (sel) {
			tui_attr_on(app, TUI_PAIR_SELECT);
			mvhline(y, cx, ' ', cw - 1);
		}
		draw_week_cell(app, sv, &sv->days[i], t, y, cx, cw - 1, s == sv->scroll);
		if (sel)
			tui_attr_off(app, TUI_PAIR_SELECT);
	}
}

static void count_day(const day_book *d, int *live, int *over, int *cancelled)
{
	for (size_t i = 0; i < d->appts.n; i++) {
		const emr_appt *a = &d->appts.items[i];
		if (strcmp(a->status, "cancelled") == 0)
			(*cancelled)++;
		else
			(*live)++;
		if (a->overbook && strcmp(a->status, "cancelled") != 0)
			(*over)++;
	}
}

static void draw_header(const tui_app *app, const sched_view *sv, int y, int x, int w)
{
	int live = 0, over = 0, cancelled = 0, now;
	for (int i = 0; i < sv->ndays; i++)
		count_day(&sv->days[i], &live, &over, &cancelled);
	char today[EMR_DATE_LEN], head[600];
	practice_now(sv, today, &now);
	bool is_today = strcmp(sv->date, today) == 0;
	snprintf(head, sizeof head, "%s%s %s%s  %s  %d appointment%s", sv->week ? "Week of " : "",
	         weekday_names[iso_weekday(sv->days[0].date)], sv->days[0].date,
	         !sv->week && is_today ? " (today)" : "", *sv->provider ? sv->provider : "no provider", live,
	         live == 1 ? "" : "s");
	attron(A_BOLD);
	int used = tui_text(y, x + 1, w - 2, head);
	attroff(A_BOLD);
	char more[96] = "";
	if (over || cancelled)
		snprintf(more, sizeof more, " (%d overbooked, %d cancelled)", over, cancelled);
	tui_text(y, x + 1 + used, w - 2 - used, more);
	(void)app;
}

static void draw_detail(const tui_app *app, sched_view *sv, int y, int x, int w)
{
	const emr_appt *a = selected(sv);
	char line[2400], local[32] = "";
	if (!a) {
		slot_local(sv, sv->days[cursor_day(sv)].date, sv->slot, local);
		snprintf(line, sizeof line, "%s  free: b books it", local);
		tui_attr_on(app, TUI_PAIR_DIM);
		tui_text(y, x + 1, w - 2, line);
		tui_attr_off(app, TUI_PAIR_DIM);
		return;
	}
	emr_utc_to_local(sv->pr.timezone, a->start_at, local, sizeof local, NULL);
	char visit[32] = "";
	if (a->encounter_id)
		snprintf(visit, sizeof visit, "  visit %lld", (long long)a->encounter_id);
	snprintf(line, sizeof line, "%s %d min  %s  %s  %s%s%s  %s%s%s%s%s", local + 11, a->duration_min, a->patient,
	         a->mrn, a->type, *a->reason ? ": " : "", a->reason, a->status, a->overbook ? "  overbook" : "", visit, *a->cancel_reason ? ": " : "",
	         a->cancel_reason);
	attron(A_BOLD);
	tui_text(y, x + 1, w - 2, line);
	attroff(A_BOLD);
}

static void sched_draw(tui_app *app, tui_view *v, int y, int x, int h, int w)
{
	sched_view *sv = as_sched(v);
	draw_header(app, sv, y, x, w);
	if (sv->week)
		draw_week_head(app, sv, y + 1, x, w);
	else
		tui_rule(app, y + 1, x, w, NULL, false);
	int rows = h - GRID_CHROME;
	sv->page = rows > 1 ? rows : 1;
	sv->lanes_shown = lanes_fitting(sv, w - 8);
	clamp(sv);
	for (int i = 0; i < rows && sv->scroll + i < slot_count(sv); i++) {
		if (sv->week)
			draw_week_row(app, sv, y + 2 + i, x, w, sv->scroll + i);
		else
			draw_day_row(app, sv, y + 2 + i, x, w, sv->scroll + i);
	}
	draw_detail(app, sv, y + h - 2, x, w);
	tui_attr_on(app, TUI_PAIR_DIM);
	tui_text(y + h - 1, x + 1, w - 2,
	         "b book  m move  c cancel  a arrived  d done  n no-show  w week  R recall");
	tui_attr_off(app, TUI_PAIR_DIM);
}

static void sched_resume(tui_app *app, tui_view *v)
{
	sched_view *sv = as_sched(v);
	/* Back from a booking: show the day it went to. */
	emr_appt a;
	char date[EMR_DATE_LEN];
	if (sv->follow_id && emr_appt_get(app->db, sv->follow_id, &a) == 0 &&
	    emr_utc_to_local(sv->pr.timezone, a.start_at, NULL, 0, date))
		emr_strlcpy(sv->date, date, sizeof sv->date);
	reload(app, sv);
	/* The schedule is nobody's chart. */
	app->patient_id = 0;
	app->patient_label[0] = '\0';
}

static void sched_destroy(tui_view *v)
{
	sched_view *sv = as_sched(v);
	for (int i = 0; i < WEEK_DAYS; i++)
		day_free(&sv->days[i]);
	free(sv);
}

static const tui_view_ops sched_ops = {
	.name = "Schedule",
	.keymap = sched_keys,
	.draw = sched_draw,
	.resume = sched_resume,
	.destroy = sched_destroy,
};

const tui_binding *ui_schedule_keymap(const char **name)
{
	*name = sched_ops.name;
	return sched_ops.keymap;
}

const tui_binding *ui_booking_keymap(const char **name)
{
	*name = booking_ops.name;
	return booking_ops.keymap;
}

const tui_binding *ui_recall_keymap(const char **name)
{
	*name = recall_ops.name;
	return recall_ops.keymap;
}

static void load_provider(tui_app *app, sched_view *sv)
{
	emr_user u;
	if (emr_sched_default_provider(app->db, &sv->provider_id) != 0) {
		sv->provider_id = 0;
		tui_error(app, "%s", emr_db_error(app->db));
		return;
	}
	if (emr_user_get(app->db, sv->provider_id, &u) == 0)
		emr_strlcpy(sv->provider, u.display_name, sizeof sv->provider);
}

tui_view *ui_schedule_new(tui_app *app, const char *date)
{
	sched_view *sv = emr_xcalloc(1, sizeof *sv);
	sv->base.ops = &sched_ops;
	if (emr_sched_practice(app->db, &sv->pr) != 0) {
		tui_error(app, "%s", emr_db_error(app->db));
		free(sv);
		return NULL;
	}
	load_provider(app, sv);
	if (date && emr_date_valid(date)) {
		go_to(app, sv, date);
		return &sv->base;
	}
	act_today(app, &sv->base);
	return &sv->base;
}
