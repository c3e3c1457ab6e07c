/* print: notes, visits, patient summaries, prescriptions and invoices
 * (superbills) on paper.
 *
 * A printout is built once, format-free: a title, the patient, and a
 * list of parts, each Markdown.  Parts this file writes quote database
 * text only through md_text(), which strips control characters and
 * escapes Markdown, so a drug called "*x*" prints as itself.  A note's
 * own Markdown is a part of its own, rendered separately, so nothing in
 * a note (an unclosed code fence, say) can swallow what follows it.
 *
 * Each format then renders the parts: 80-column text, Markdown, one
 * self-contained HTML file, or PDF typeset by groff -ms in two passes
 * (the first counts the pages, so every page can say "page N of M"). */
#include "emr/print.h"

#include "emr/audit.h"
#include "emr/billing.h"
#include "emr/chart.h"
#include "emr/clinical.h"
#include "emr/markdown.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/practice.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <cmark.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unistr.h>

extern char **environ;

#define TEXT_WIDTH 80

/* ------------------------------------------------------- number words */

static const char *const ones[] = {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                                   "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
                                   "seventeen", "eighteen", "nineteen"};
static const char *const tens[] = {"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"};

/* 1..999 */
static void words_below_1000(emr_sb *sb, int n)
{
	if (n >= 100) {
		emr_sb_printf(sb, "%s hundred", ones[n / 100]);
		n %= 100;
		if (n)
			emr_sb_putc(sb, ' ');
	}
	if (n >= 20) {
		emr_sb_append(sb, tens[n / 10]);
		if (n % 10)
			emr_sb_printf(sb, "-%s", ones[n % 10]);
	} else if (n > 0) {
		emr_sb_append(sb, ones[n]);
	}
}

static void words_whole(emr_sb *sb, long n)
{
	if (n == 0) {
		emr_sb_append(sb, "zero");
		return;
	}
	if (n >= 1000) {
		words_below_1000(sb, (int)(n / 1000));
		emr_sb_append(sb, " thousand");
		n %= 1000;
		if (n)
			emr_sb_putc(sb, ' ');
	}
	if (n)
		words_below_1000(sb, (int)n);
}

void emr_number_words(double n, char *buf, size_t size)
{
	if (!buf || !size)
		return;
	if (!(n >= 0) || n >= 1000000 || isinf(n)) {
		snprintf(buf, size, "%g", n);
		return;
	}
	/* Thousandths are as fine as a quantity gets; rounding first keeps
	 * 59.9999999 from reading "fifty-nine point nine nine nine". */
	long milli = lround(n * 1000.0);
	long whole = milli / 1000, frac = milli % 1000;
	if (whole >= 1000000) {
		snprintf(buf, size, "%g", n);
		return;
	}
	emr_sb sb = EMR_SB_INIT;
	const char *fraction = frac == 500 ? "one half" : frac == 250 ? "one quarter" : frac == 750 ? "three quarters" : NULL;
	if (frac && fraction) {
		if (whole) {
			words_whole(&sb, whole);
			emr_sb_append(&sb, " and ");
		}
		emr_sb_append(&sb, fraction);
	} else {
		words_whole(&sb, whole);
		if (frac) {
			char digits[8];
			snprintf(digits, sizeof digits, "%03ld", frac);
			for (int i = 2; i > 0 && digits[i] == '0'; i--)
				digits[i] = '\0';
			emr_sb_append(&sb, " point");
			for (const char *d = digits; *d; d++)
				emr_sb_printf(&sb, " %s", ones[*d - '0']);
		}
	}
	snprintf(buf, size, "%s", emr_sb_str(&sb));
	emr_sb_free(&sb);
}

/* ----------------------------------------------------------- the file */

FILE *emr_print_open(const char *path)
{
	if (!path || !*path) {
		errno = EINVAL;
		return NULL;
	}
	/* No O_TRUNC here: the checks below must be able to refuse a file
	 * without having emptied it first. */
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	struct stat st;
	if (fstat(fd, &st) != 0)
		goto fail;
	if (S_ISREG(st.st_mode)) {
		/* A file that was there keeps its old mode through O_CREAT:
		 * a printout holds health information, so only the owner
		 * reads it.  A second hard link would expose it elsewhere. */
		if (st.st_nlink > 1) {
			errno = EMLINK;
			goto fail;
		}
		if (fchmod(fd, 0600) != 0 || ftruncate(fd, 0) != 0)
			goto fail;
	}
	FILE *f = fdopen(fd, "wb");
	if (f)
		return f;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return NULL;
}

/* ------------------------------------------------------------ escaping */

/* Database text as Markdown that shows exactly that text: one line,
 * control characters gone, and every character Markdown could read as
 * syntax escaped. */
static void md_text(emr_sb *sb, const char *s)
{
	char *flat = emr_xstrdup(s ? s : "");
	for (char *p = flat; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	char *clean = emr_sanitize_dup(flat, false);
	free(flat);
	const char *p = clean;
	/* What would start a list or a heading at the start of a line. */
	size_t digits = strspn(p, "0123456789");
	bool at_start = true;
	for (; *p; p++) {
		char c = *p;
		bool esc = strchr("\\`*_[]<>#!|~&", c) != NULL;
		if (at_start && (c == '-' || c == '+' || c == '='))
			esc = true;
		if ((size_t)(p - clean) == digits && digits && (c == '.' || c == ')'))
			esc = true;
		if (esc)
			emr_sb_putc(sb, '\\');
		emr_sb_putc(sb, c);
		at_start = false;
	}
	free(clean);
}

static void md_field(emr_sb *sb, const char *label, const char *value)
{
	emr_sb_printf(sb, "**%s:** ", label);
	md_text(sb, value);
}

static void html_text(emr_sb *sb, const char *s)
{
	char *clean = emr_sanitize_dup(s ? s : "", false);
	for (const char *p = clean; *p; p++) {
		switch (*p) {
		case '&': emr_sb_append(sb, "&amp;"); break;
		case '<': emr_sb_append(sb, "&lt;"); break;
		case '>': emr_sb_append(sb, "&gt;"); break;
		case '"': emr_sb_append(sb, "&quot;"); break;
		case '\'': emr_sb_append(sb, "&#39;"); break;
		default: emr_sb_putc(sb, *p);
		}
	}
	free(clean);
}

/* A CSS string's content: anything but letters, digits, spaces and
 * non-ASCII as a hex escape (so "</style>" cannot end the style sheet). */
static void css_text(emr_sb *sb, const char *s)
{
	char *clean = emr_sanitize_dup(s ? s : "", false);
	for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
		if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == ' ' ||
		    *p >= 0x80)
			emr_sb_putc(sb, (char)*p);
		else
			emr_sb_printf(sb, "\\%X ", *p);
	}
	free(clean);
}

/* Text for groff: no control line can start, backslashes and the quote
 * characters as glyphs, non-ASCII as \[uXXXX].  ('%' in the page footer
 * is safe: the source turns off .tl's page-number character.) */
static void groff_text(emr_sb *sb, const char *s)
{
	char *clean = emr_sanitize_dup(s ? s : "", false);
	const char *p = clean, *end = clean + strlen(clean);
	emr_sb_append(sb, "\\&");
	while (p < end) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 0x80) {
			ucs4_t c;
			int len = u8_mbtoucr(&c, (const uint8_t *)p, (size_t)(end - p));
			if (len <= 0)
				len = 1, c = 0xFFFD;
			emr_sb_printf(sb, "\\[u%04X]", (unsigned)c);
			p += len;
			continue;
		}
		switch (ch) {
		case '\\': emr_sb_append(sb, "\\(rs"); break;
		case '\'': emr_sb_append(sb, "\\(aq"); break;
		case '`': emr_sb_append(sb, "\\(ga"); break;
		case '"': emr_sb_append(sb, "\\(dq"); break;
		default: emr_sb_putc(sb, (char)ch);
		}
		p++;
	}
	free(clean);
}

/* --------------------------------------------------------- the printout */

typedef struct part {
	bool note;    /* a note's own Markdown, rather than ours */
	char *md;
} part;

typedef struct printout {
	emr_practice practice;
	emr_patient patient;
	const char *entity;      /* for the audit log */
	int64_t entity_id;
	char title[64];          /* "Visit note" */
	part *parts;
	size_t nparts, cap;
} printout;

static void add_part(printout *p, bool note, char *md)
{
	if (p->nparts == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->parts = emr_xrealloc(p->parts, p->cap * sizeof *p->parts);
	}
	p->parts[p->nparts++] = (part){note, md};
}

static void add_sb(printout *p, emr_sb *sb)
{
	if (sb->len)
		add_part(p, false, emr_sb_take(sb));
	emr_sb_free(sb);
}

static void printout_free(printout *p)
{
	for (size_t i = 0; i < p->nparts; i++)
		free(p->parts[i].md);
	free(p->parts);
}

static void person_name(const emr_patient *pt, char *buf, size_t n)
{
	snprintf(buf, n, "%s %s", pt->given, pt->family);
}

/* A stored UTC instant as local time: "2026-11-25 10:00 EST". */
static void local_time(const char *instant, char *buf, size_t n)
{
	time_t t;
	struct tm tm;
	if (!emr_instant_parse(instant, &t) || !localtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M %Z", &tm))
		snprintf(buf, n, "%s", instant);
}

static void local_date(const char *instant, char *buf, size_t n)
{
	time_t t;
	struct tm tm;
	if (!emr_instant_parse(instant, &t) || !localtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%d", &tm))
		snprintf(buf, n, "%.10s", instant);
}

static void user_line(emr_db *db, int64_t id, char *buf, size_t n)
{
	emr_user u;
	if (id && emr_user_get(db, id, &u) == 0)
		snprintf(buf, n, "%s%s%s", u.display_name, *u.credentials ? ", " : "", u.credentials);
	else
		snprintf(buf, n, "unknown");
}

/* The banner every printout but a prescription opens with. */
static void md_banner(emr_sb *sb, const printout *p)
{
	char name[EMR_NAME_MAX * 3 + 8], age[16] = "", today[EMR_DATE_LEN];
	emr_patient_display_name(&p->patient, name, sizeof name);
	emr_today(today);
	emr_age_text(p->patient.dob, *p->patient.deceased_date ? p->patient.deceased_date : today, age, sizeof age);
	emr_sb_printf(sb, "# %s\n\n", p->title);
	md_field(sb, "Patient", name);
	emr_sb_append(sb, "\\\n");
	md_field(sb, "Date of birth", p->patient.dob);
	if (*age)
		emr_sb_printf(sb, " (%s)", age);
	emr_sb_append(sb, "\\\n");
	md_field(sb, "MRN", p->patient.mrn);
	emr_sb_append(sb, "\n\n");
}

/* UCUM units as a person writes them. */
static const char *unit_text(const char *ucum)
{
	static const struct { const char *ucum, *text; } units[] = {
		{"mm[Hg]", "mmHg"}, {"Cel", "\u00B0C"}, {"[degF]", "\u00B0F"}, {"kg/m2", "kg/m\u00B2"},
		{"10*3/uL", "\u00D710\u00B3/\u00B5L"}, {"10*6/uL", "\u00D710\u2076/\u00B5L"}, {"uL", "\u00B5L"},
		{"ug/dL", "\u00B5g/dL"}, {"ug/L", "\u00B5g/L"}, {"u[IU]/mL", "\u00B5IU/mL"}, {"[IU]/L", "IU/L"},
		{"mL/min/{1.73_m2}", "mL/min/1.73 m\u00B2"}, {"{ratio}", ""},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(units); i++)
		if (strcmp(ucum, units[i].ucum) == 0)
			return units[i].text;
	return ucum;
}

static void num_text(double v, char *buf, size_t n)
{
	snprintf(buf, n, "%.10g", v);
}

/* "37 °C (98.6 °F)", "80 kg (176.4 lb)", "8.1 %", "hemolyzed". */
static void obs_value(const emr_observation *o, char *buf, size_t n)
{
	if (!o->has_value) {
		snprintf(buf, n, "%s", o->value_text);
		return;
	}
	char v[32];
	num_text(o->value, v, sizeof v);
	const char *u = unit_text(o->unit);
	const char *sep = strcmp(o->unit, "%") == 0 || !*u ? "" : " ";
	if (strcmp(o->unit, "Cel") == 0)
		snprintf(buf, n, "%s%s%s (%.1f \u00B0F)", v, sep, u, o->value * 9.0 / 5.0 + 32.0);
	else if (strcmp(o->unit, "kg") == 0)
		snprintf(buf, n, "%s%s%s (%.1f lb)", v, sep, u, o->value / 0.45359237);
	else if (strcmp(o->unit, "cm") == 0)
		snprintf(buf, n, "%s%s%s (%.1f in)", v, sep, u, o->value / 2.54);
	else
		snprintf(buf, n, "%s%s%s", v, sep, u);
}

static void obs_range(const emr_observation *o, char *buf, size_t n)
{
	char lo[32], hi[32];
	num_text(o->ref_low, lo, sizeof lo);
	num_text(o->ref_high, hi, sizeof hi);
	if (o->has_low && o->has_high)
		snprintf(buf, n, "%s\u2013%s", lo, hi);
	else if (o->has_low)
		snprintf(buf, n, "above %s", lo);
	else if (o->has_high)
		snprintf(buf, n, "below %s", hi);
	else
		snprintf(buf, n, "%s", o->ref_text);
}

static const char *flag_words(const char *flag, bool plain)
{
	if (strcmp(flag, "H") == 0)
		return plain ? "higher than usual" : "high";
	if (strcmp(flag, "L") == 0)
		return plain ? "lower than usual" : "low";
	if (strcmp(flag, "HH") == 0)
		return plain ? "much higher than usual" : "critically high";
	if (strcmp(flag, "LL") == 0)
		return plain ? "much lower than usual" : "critically low";
	if (strcmp(flag, "A") == 0)
		return plain ? "unusual" : "abnormal";
	if (strcmp(flag, "N") == 0)
		return plain ? "normal" : "normal";
	return "";
}

/* Friendlier names for the vital signs. */
static const char *vital_name(const emr_observation *o)
{
	static const struct { const char *loinc, *name; } names[] = {
		{"8480-6", "Blood pressure"}, {"8867-4", "Pulse"}, {"9279-1", "Breathing rate"},
		{"8310-5", "Temperature"}, {"59408-5", "Oxygen saturation"}, {"2708-6", "Oxygen saturation"},
		{"29463-7", "Weight"}, {"8302-2", "Height"}, {"39156-5", "Body mass index (BMI)"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(names); i++)
		if (strcmp(o->loinc, names[i].loinc) == 0)
			return names[i].name;
	return o->name;
}

/* One list item per vital sign in obs (newest first); with latest, only
 * the newest of each kind.  Blood pressure pairs systolic with the
 * diastolic of its panel. */
static size_t md_vitals(emr_sb *sb, const emr_observations *obs, bool latest)
{
	size_t shown = 0;
	char seen[512] = "";
	for (size_t i = 0; i < obs->n; i++) {
		const emr_observation *o = &obs->items[i];
		if (strcmp(o->loinc, "8462-4") == 0)
			continue; /* shown with its systolic */
		if (latest) {
			char key[16];
			snprintf(key, sizeof key, "|%s|", o->loinc);
			if (strstr(seen, key))
				continue;
			if (strlen(seen) + strlen(key) < sizeof seen)
				strcat(seen, key);
		}
		char value[256];
		if (strcmp(o->loinc, "8480-6") == 0) {
			const emr_observation *dia = NULL;
			for (size_t k = 0; k < obs->n && o->panel_id; k++)
				if (obs->items[k].panel_id == o->panel_id && strcmp(obs->items[k].loinc, "8462-4") == 0)
					dia = &obs->items[k];
			char s[32], d[32];
			num_text(o->value, s, sizeof s);
			if (dia)
				num_text(dia->value, d, sizeof d);
			snprintf(value, sizeof value, "%s/%s mmHg", s, dia ? d : "?");
		} else {
			obs_value(o, value, sizeof value);
		}
		char when[40];
		local_time(o->effective_at, when, sizeof when);
		emr_sb_append(sb, "- ");
		md_text(sb, vital_name(o));
		emr_sb_append(sb, ": ");
		md_text(sb, value);
		if (latest) {
			emr_sb_append(sb, " (");
			md_text(sb, when);
			emr_sb_append(sb, ")");
		}
		emr_sb_append(sb, "\n");
		shown++;
	}
	return shown;
}

/* Lab results: name, value, flag in words, reference range, date. */
static size_t md_labs(emr_sb *sb, const emr_observations *obs, bool latest, bool plain)
{
	size_t shown = 0;
	char seen[2048] = "";
	for (size_t i = 0; i < obs->n; i++) {
		const emr_observation *o = &obs->items[i];
		if (latest) {
			char key[16];
			snprintf(key, sizeof key, "|%s|", o->loinc);
			if (strstr(seen, key))
				continue;
			if (strlen(seen) + strlen(key) < sizeof seen)
				strcat(seen, key);
		}
		char value[256], range[96], when[EMR_DATE_LEN + 4];
		obs_value(o, value, sizeof value);
		obs_range(o, range, sizeof range);
		local_date(o->effective_at, when, sizeof when);
		emr_sb_append(sb, "- ");
		md_text(sb, o->name);
		emr_sb_append(sb, ": **");
		md_text(sb, value);
		emr_sb_append(sb, "**");
		const char *flag = flag_words(o->flag, plain);
		if (*flag && !(strcmp(o->flag, "N") == 0 && !plain)) {
			emr_sb_append(sb, ", ");
			md_text(sb, flag);
		}
		if (*range) {
			emr_sb_append(sb, plain ? " (usual range " : " (reference ");
			md_text(sb, range);
			emr_sb_append(sb, ")");
		}
		emr_sb_append(sb, ", ");
		md_text(sb, when);
		emr_sb_append(sb, "\n");
		shown++;
	}
	return shown;
}

/* "tablets" for a quantity other than one. */
static void unit_plural(const char *unit, double q, char *buf, size_t n)
{
	size_t len = strlen(unit);
	bool word = len > 2;
	for (size_t i = 0; i < len; i++)
		word &= unit[i] >= 'a' && unit[i] <= 'z';
	if (q == 1 || !word || unit[len - 1] == 's')
		snprintf(buf, n, "%s", unit);
	else if ((len > 2 && (strcmp(unit + len - 2, "ch") == 0 || strcmp(unit + len - 2, "sh") == 0)) ||
	         unit[len - 1] == 'x')
		snprintf(buf, n, "%ses", unit);
	else
		snprintf(buf, n, "%ss", unit);
}

static void md_medication(emr_sb *sb, const emr_medication *m, bool plain)
{
	emr_sb_append(sb, "- **");
	md_text(sb, m->drug);
	emr_sb_append(sb, "**");
	if (*m->strength) {
		emr_sb_putc(sb, ' ');
		md_text(sb, m->strength);
	}
	if (*m->form) {
		emr_sb_putc(sb, ' ');
		md_text(sb, m->form);
	}
	if (*m->sig) {
		emr_sb_append(sb, ": ");
		md_text(sb, m->sig);
	}
	if (m->imported && !m->prescriber_id) {
		/* Someone else's prescription: never presented as ours. */
		emr_sb_append(sb, " (prescribed elsewhere");
		if (*m->source_prescriber) {
			emr_sb_append(sb, " by ");
			md_text(sb, m->source_prescriber);
		}
		emr_sb_append(sb, ")");
	} else if (!plain && m->is_prescription) {
		char q[32];
		num_text(m->quantity, q, sizeof q);
		emr_sb_append(sb, " (prescribed");
		if (m->quantity > 0) {
			char unit[80];
			unit_plural(m->quantity_unit, m->quantity, unit, sizeof unit);
			emr_sb_append(sb, ", quantity ");
			md_text(sb, q);
			if (*unit) {
				emr_sb_putc(sb, ' ');
				md_text(sb, unit);
			}
		}
		emr_sb_printf(sb, ", %d refill%s)", m->refills, m->refills == 1 ? "" : "s");
	}
	if (!plain && strcmp(m->status, "active") != 0) {
		emr_sb_append(sb, " \\[");
		md_text(sb, m->status);
		emr_sb_append(sb, "\\]");
	}
	if (plain && *m->reason) {
		emr_sb_append(sb, " (for ");
		md_text(sb, m->reason);
		emr_sb_append(sb, ")");
	}
	emr_sb_append(sb, "\n");
}

/* A note and its addenda, as parts. */
static int add_note(emr_db *db, printout *p, const emr_note *n, bool heading)
{
	emr_sb sb = EMR_SB_INIT;
	char who[256], when[40];
	if (heading)
		emr_sb_append(&sb, "## Note\n\n");
	char local[256], signer[256];
	user_line(db, n->author_id, local, sizeof local);
	/* An imported note names its author as the source did; the user who
	 * imported it is named as that, never as author or signer. */
	emr_note_author_text(n, local, who, sizeof who);
	md_field(&sb, "Written by", who);
	emr_sb_append(&sb, "\\\n");
	if (n->imported) {
		char importer[256] = "";
		user_line(db, n->imported_by, importer, sizeof importer);
		local_time(*n->imported_at ? n->imported_at : n->created_at, when, sizeof when);
		emr_sb_append(&sb, "**Imported by:** ");
		md_text(&sb, *importer ? importer : "unknown");
		emr_sb_append(&sb, " on ");
		md_text(&sb, when);
		emr_sb_append(&sb, " (not its author or signer)\\\n");
	}
	user_line(db, n->signed_by, local, sizeof local);
	emr_note_signer_text(n, local, signer, sizeof signer);
	if (strcmp(n->status, "signed") == 0 && strcmp(signer, EMR_SIGNED_AT_SOURCE) == 0) {
		local_time(n->signed_at, when, sizeof when);
		emr_sb_append(&sb, "**Signed:** at the source, on ");
		md_text(&sb, when);
		emr_sb_append(&sb, "\n\n");
	} else if (strcmp(n->status, "signed") == 0) {
		local_time(n->signed_at, when, sizeof when);
		emr_sb_append(&sb, "**Signed by:** ");
		md_text(&sb, signer);
		emr_sb_append(&sb, " on ");
		md_text(&sb, when);
		emr_sb_append(&sb, "\n\n");
	} else if (strcmp(n->status, "draft") == 0) {
		local_time(n->updated_at, when, sizeof when);
		emr_sb_append(&sb, "**Status: DRAFT, not signed** (last saved ");
		md_text(&sb, when);
		emr_sb_append(&sb, ")\n\n");
	} else {
		emr_sb_append(&sb, "**Status: ENTERED IN ERROR.** This note is not part of the record.\n\n");
	}
	emr_sb_append(&sb, "---\n");
	add_sb(p, &sb);
	add_part(p, true, emr_xstrdup(n->body ? n->body : ""));

	emr_addenda ad = {0};
	if (emr_addendum_list(db, n->id, &ad) != 0)
		return -1;
	for (size_t i = 0; i < ad.n; i++) {
		const emr_addendum *a = &ad.items[i];
		emr_sb h = EMR_SB_INIT;
		local_time(a->created_at, when, sizeof when);
		emr_sb_append(&h, "---\n\n### Addendum, ");
		md_text(&h, when);
		emr_sb_append(&h, "\n\n");
		char author[300];
		if (*a->author || a->imported)
			emr_addendum_author_text(a, author, sizeof author);
		else
			user_line(db, a->author_id, author, sizeof author);
		md_field(&h, "By", author);
		emr_sb_append(&h, "\n");
		add_sb(p, &h);
		add_part(p, true, emr_xstrdup(a->body ? a->body : ""));
	}
	emr_addenda_free(&ad);
	return 0;
}

static void md_visit_line(emr_sb *sb, const emr_encounter *e)
{
	char when[40];
	local_time(e->start_at, when, sizeof when);
	md_field(sb, "Visit", when);
	emr_sb_append(sb, ", ");
	md_text(sb, e->type);
	if (*e->reason) {
		emr_sb_append(sb, "\\\n");
		md_field(sb, "Reason", e->reason);
	}
	char provider[256];
	emr_encounter_provider_text(e, provider, sizeof provider);
	if (*provider) {
		emr_sb_append(sb, "\\\n");
		md_field(sb, "Provider", provider);
	}
	emr_sb_append(sb, "\n\n");
}

static int build_note(emr_db *db, int64_t id, printout *p)
{
	emr_note n = {0};
	emr_encounter e;
	if (emr_note_get(db, id, &n) != 0)
		return -1;
	int rc = -1;
	if (emr_patient_get(db, n.patient_id, &p->patient) != 0 || emr_encounter_get(db, n.encounter_id, &e) != 0)
		goto done;
	snprintf(p->title, sizeof p->title, "Visit note");
	p->entity = "notes";
	p->entity_id = id;
	emr_sb sb = EMR_SB_INIT;
	md_banner(&sb, p);
	md_visit_line(&sb, &e);
	add_sb(p, &sb);
	rc = add_note(db, p, &n, false);
done:
	emr_note_clear(&n);
	return rc;
}

/* The local calendar day of a UTC instant ("" if it is not one). */
static void local_day(const char *instant, char day[EMR_DATE_LEN])
{
	time_t t;
	struct tm tm;
	day[0] = '\0';
	if (emr_instant_parse(instant, &t) && localtime_r(&t, &tm))
		strftime(day, EMR_DATE_LEN, "%Y-%m-%d", &tm);
}

/* A record belongs to a visit when it was recorded against it, or, when
 * it was recorded against no visit (vitals typed into the chart during
 * the visit), when it was taken on the visit's day. */
static bool of_visit(int64_t record_encounter, const char *record_day, int64_t visit_id, const char *visit_day)
{
	return record_encounter == visit_id || (record_encounter == 0 && strcmp(record_day, visit_day) == 0);
}

static int build_visit(emr_db *db, int64_t id, printout *p)
{
	emr_encounter e;
	if (emr_encounter_get(db, id, &e) != 0 || emr_patient_get(db, e.patient_id, &p->patient) != 0)
		return -1;
	snprintf(p->title, sizeof p->title, "Visit summary");
	p->entity = "encounters";
	p->entity_id = id;
	emr_observations vitals = {0}, labs = {0}, all = {0};
	emr_medications meds = {0}, allmeds = {0};
	int rc = -1;
	char visit_day[EMR_DATE_LEN], day[EMR_DATE_LEN];
	local_day(e.start_at, visit_day);
	if (emr_observation_list(db, e.patient_id, NULL, "vital", EMR_CURRENT, 0, &all) != 0)
		goto done;
	for (size_t i = 0; i < all.n; i++) {
		local_day(all.items[i].effective_at, day);
		if (of_visit(all.items[i].encounter_id, day, id, visit_day))
			*emr_list_push(&vitals) = all.items[i];
	}
	emr_list_free(&all);
	if (emr_observation_list(db, e.patient_id, NULL, "lab", EMR_CURRENT, 0, &all) != 0)
		goto done;
	for (size_t i = 0; i < all.n; i++) {
		local_day(all.items[i].effective_at, day);
		if (of_visit(all.items[i].encounter_id, day, id, visit_day))
			*emr_list_push(&labs) = all.items[i];
	}
	emr_list_free(&all);
	if (emr_medication_list(db, e.patient_id, EMR_ALL, &allmeds) != 0)
		goto done;
	for (size_t i = 0; i < allmeds.n; i++)
		if (of_visit(allmeds.items[i].encounter_id, allmeds.items[i].start_date, id, visit_day) &&
		    strcmp(allmeds.items[i].status, "entered-in-error") != 0)
			*emr_list_push(&meds) = allmeds.items[i];
	emr_list_free(&allmeds);

	emr_sb sb = EMR_SB_INIT;
	md_banner(&sb, p);
	md_visit_line(&sb, &e);
	emr_sb_append(&sb, "## Vital signs\n\n");
	if (!md_vitals(&sb, &vitals, false))
		emr_sb_append(&sb, "None recorded at this visit.\n");
	add_sb(p, &sb);

	if (e.note_id) {
		emr_note n = {0};
		if (emr_note_get(db, e.note_id, &n) != 0)
			goto done;
		int nrc = add_note(db, p, &n, true);
		emr_note_clear(&n);
		if (nrc != 0)
			goto done;
	} else {
		add_part(p, false, emr_xstrdup("## Note\n\nNo note was written for this visit.\n"));
	}

	emr_sb_append(&sb, "## Medications ordered\n\n");
	if (!meds.n)
		emr_sb_append(&sb, "None.\n");
	for (size_t i = 0; i < meds.n; i++)
		md_medication(&sb, &meds.items[i], false);
	emr_sb_append(&sb, "\n## Laboratory results\n\n");
	if (!md_labs(&sb, &labs, false, false))
		emr_sb_append(&sb, "None.\n");
	add_sb(p, &sb);
	rc = 0;
done:
	emr_list_free(&all);
	emr_list_free(&allmeds);
	emr_list_free(&vitals);
	emr_list_free(&labs);
	emr_list_free(&meds);
	return rc;
}

static int build_summary(emr_db *db, int64_t id, printout *p)
{
	emr_chart c;
	if (emr_chart_load(db, id, &c) != 0)
		return -1;
	p->patient = c.patient;
	snprintf(p->title, sizeof p->title, "Your health summary");
	p->entity = "patients";
	p->entity_id = id;
	char today[EMR_DATE_LEN];
	emr_today(today);
	emr_sb sb = EMR_SB_INIT;
	md_banner(&sb, p);
	emr_sb_append(&sb, "Prepared on ");
	md_text(&sb, today);
	emr_sb_append(&sb, " by ");
	md_text(&sb, p->practice.name);
	emr_sb_append(&sb, ". Please bring it to your visits and tell us if anything is wrong or missing.\n\n");

	emr_sb_append(&sb, "## Your health conditions\n\n");
	if (!c.problems.n)
		emr_sb_append(&sb, "None recorded.\n");
	for (size_t i = 0; i < c.problems.n; i++) {
		const emr_problem *pr = &c.problems.items[i];
		emr_sb_append(&sb, "- ");
		md_text(&sb, pr->description);
		if (*pr->onset_date) {
			emr_sb_append(&sb, " (since ");
			md_text(&sb, pr->onset_date);
			emr_sb_append(&sb, ")");
		}
		emr_sb_append(&sb, "\n");
	}

	emr_sb_append(&sb, "\n## Your medicines\n\n");
	if (!c.meds.n)
		emr_sb_append(&sb, "None recorded.\n");
	for (size_t i = 0; i < c.meds.n; i++)
		md_medication(&sb, &c.meds.items[i], true);

	emr_procedures procs = {0};
	if (emr_procedure_list(db, id, EMR_CURRENT, &procs) != 0) {
		emr_sb_free(&sb);
		emr_chart_free(&c);
		return -1;
	}
	if (procs.n) {
		emr_sb_append(&sb, "\n## Procedures you have had\n\n");
		for (size_t i = 0; i < procs.n; i++) {
			const emr_procedure *pc = &procs.items[i];
			char day[EMR_DATE_LEN] = "";
			local_day(pc->performed_start, day);
			emr_sb_append(&sb, "- ");
			md_text(&sb, pc->description);
			if (*day) {
				emr_sb_append(&sb, ", ");
				md_text(&sb, day);
			}
			if (strcmp(pc->status, "completed") != 0) {
				emr_sb_append(&sb, " (");
				md_text(&sb, pc->status);
				emr_sb_append(&sb, ")");
			}
			if (pc->imported)
				emr_sb_append(&sb, " (recorded elsewhere)");
			emr_sb_append(&sb, "\n");
		}
	}
	emr_list_free(&procs);

	emr_sb_append(&sb, "\n## Allergies\n\n");
	bool any = false, nkda = false;
	for (size_t i = 0; i < c.allergies.n; i++) {
		const emr_allergy *a = &c.allergies.items[i];
		if (a->is_nkda) {
			nkda = true;
			continue;
		}
		any = true;
		emr_sb_append(&sb, "- **");
		md_text(&sb, a->substance);
		emr_sb_append(&sb, "**");
		if (*a->reaction) {
			emr_sb_append(&sb, ": ");
			md_text(&sb, a->reaction);
		}
		if (*a->severity) {
			emr_sb_append(&sb, " (");
			md_text(&sb, a->severity);
			emr_sb_append(&sb, ")");
		}
		emr_sb_append(&sb, "\n");
	}
	if (!any)
		emr_sb_append(&sb, nkda ? "No known drug allergies.\n" : "No allergies have been recorded. Tell us about any you have.\n");

	emr_sb_append(&sb, "\n## Vaccines you have had\n\n");
	size_t shots = 0;
	for (size_t i = 0; i < c.immunizations.n; i++) {
		const emr_immunization *im = &c.immunizations.items[i];
		if (strcmp(im->status, "completed") != 0)
			continue;
		emr_sb_append(&sb, "- ");
		md_text(&sb, im->vaccine);
		emr_sb_append(&sb, ", ");
		md_text(&sb, im->administered_on);
		emr_sb_append(&sb, "\n");
		shots++;
	}
	if (!shots)
		emr_sb_append(&sb, "None recorded.\n");

	emr_sb_append(&sb, "\n## Your recent test results\n\n");
	if (!md_labs(&sb, &c.labs, true, true))
		emr_sb_append(&sb, "None recorded.\n");
	emr_sb_append(&sb, "\n## Your latest measurements\n\n");
	if (!md_vitals(&sb, &c.vitals, true))
		emr_sb_append(&sb, "None recorded.\n");
	add_sb(p, &sb);
	emr_chart_free(&c);
	return 0;
}

static int build_rx(emr_db *db, int64_t id, printout *p)
{
	emr_medication m;
	if (emr_medication_get(db, id, &m) != 0)
		return -1;
	if (m.imported || *m.source_prescriber) {
		/* A prescription carries our prescriber's signature: one written
		 * elsewhere is never printed as ours (nor as a copy that could be
		 * taken to a pharmacy). */
		char who[256];
		emr_medication_prescriber_text(&m, who, sizeof who);
		emr_db_set_error(db, "medication %lld (%s) was imported: it was prescribed elsewhere%s%s, not here, and a"
		                 " prescription needs our prescriber's signature; prescribe it here (emr med add --rx) to print"
		                 " one, or print the summary", (long long)id, m.drug, *who ? " by " : "", who);
		return -1;
	}
	if (!m.is_prescription) {
		emr_db_set_error(db, "medication %lld (%s) was recorded as taken, not prescribed here: there is no"
		                 " prescription to print", (long long)id, m.drug);
		return -1;
	}
	if (strcmp(m.status, "entered-in-error") == 0 || strcmp(m.status, "stopped") == 0) {
		emr_db_set_error(db, "medication %lld (%s) is %s: a prescription for it cannot be printed",
		                 (long long)id, m.drug, m.status);
		return -1;
	}
	emr_user doc;
	if (!m.prescriber_id || emr_user_get(db, m.prescriber_id, &doc) != 0) {
		emr_db_set_error(db, "medication %lld: its prescriber is not on file", (long long)id);
		return -1;
	}
	if (emr_patient_get(db, m.patient_id, &p->patient) != 0)
		return -1;
	snprintf(p->title, sizeof p->title, "Prescription");
	p->entity = "medications";
	p->entity_id = id;

	char date[EMR_DATE_LEN + 4];
	if (*m.start_date)
		snprintf(date, sizeof date, "%s", m.start_date);
	else
		local_date(m.created_at, date, sizeof date);
	const char *blank = "\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_";

	emr_sb sb = EMR_SB_INIT;
	emr_sb_append(&sb, "# Prescription\n\n");
	md_field(&sb, "Date", date);
	emr_sb_append(&sb, "\n\n## Prescriber\n\n**");
	char who[256];
	snprintf(who, sizeof who, "%s%s%s", doc.display_name, *doc.credentials ? ", " : "", doc.credentials);
	md_text(&sb, who);
	emr_sb_append(&sb, "**\\\n");
	md_text(&sb, p->practice.name);
	emr_sb_append(&sb, "\\\n");
	if (*p->practice.address) {
		md_text(&sb, p->practice.address);
		emr_sb_append(&sb, "\\\n");
	}
	if (*p->practice.phone) {
		md_field(&sb, "Phone", p->practice.phone);
		emr_sb_append(&sb, "\\\n");
	}
	emr_sb_append(&sb, "**NPI:** ");
	if (*doc.npi)
		md_text(&sb, doc.npi);
	else
		emr_sb_append(&sb, blank);
	emr_sb_append(&sb, "\\\n**DEA:** ");
	if (*doc.dea)
		md_text(&sb, doc.dea);
	else
		emr_sb_append(&sb, blank);
	emr_sb_append(&sb, "\n\n## Patient\n\n**");
	char pname[EMR_NAME_MAX * 2 + 2];
	person_name(&p->patient, pname, sizeof pname);
	md_text(&sb, pname);
	emr_sb_append(&sb, "**\\\n");
	md_field(&sb, "Date of birth", p->patient.dob);
	emr_sb_append(&sb, "\\\n**Address:** ");
	emr_sb addr = EMR_SB_INIT;
	emr_sb_append(&addr, p->patient.address);
	if (*p->patient.city)
		emr_sb_printf(&addr, "%s%s", addr.len ? ", " : "", p->patient.city);
	if (*p->patient.state)
		emr_sb_printf(&addr, "%s%s", addr.len ? ", " : "", p->patient.state);
	if (*p->patient.postal_code)
		emr_sb_printf(&addr, " %s", p->patient.postal_code);
	if (addr.len)
		md_text(&sb, emr_sb_str(&addr));
	else
		emr_sb_append(&sb, blank);
	emr_sb_free(&addr);

	emr_sb_append(&sb, "\n\n## Rx\n\n**");
	md_text(&sb, m.drug);
	if (*m.strength) {
		emr_sb_putc(&sb, ' ');
		md_text(&sb, m.strength);
	}
	if (*m.form) {
		emr_sb_putc(&sb, ' ');
		md_text(&sb, m.form);
	}
	emr_sb_append(&sb, "**\\\n**Quantity:** ");
	if (m.quantity > 0) {
		char digits[32], words[256], unit[80];
		num_text(m.quantity, digits, sizeof digits);
		emr_number_words(m.quantity, words, sizeof words);
		unit_plural(m.quantity_unit, m.quantity, unit, sizeof unit);
		md_text(&sb, digits);
		emr_sb_append(&sb, " (");
		md_text(&sb, words);
		emr_sb_append(&sb, ")");
		if (*unit) {
			emr_sb_putc(&sb, ' ');
			md_text(&sb, unit);
		}
	} else {
		emr_sb_append(&sb, blank);
	}
	emr_sb_append(&sb, "\\\n**Directions:** ");
	if (*m.sig)
		md_text(&sb, m.sig);
	else
		emr_sb_append(&sb, blank);
	if (*m.route) {
		emr_sb_append(&sb, "\\\n");
		md_field(&sb, "Route", m.route);
	}
	char refills[64];
	emr_number_words(m.refills, refills, sizeof refills);
	emr_sb_printf(&sb, "\\\n**Refills:** %d (%s)", m.refills, refills);
	if (*m.reason) {
		emr_sb_append(&sb, "\\\n");
		md_field(&sb, "Indication", m.reason);
	}
	emr_sb_append(&sb, "\\\n**Dispense as written:** \\[ \\]\n\n");
	emr_sb_append(&sb, "**Signature:** \\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_\\_"
	                   "\\_\\_\\_\\_\\_\\_\\_\\_\\\n");
	md_text(&sb, who);
	emr_sb_append(&sb, "\n");
	add_sb(p, &sb);
	return 0;
}

/* ------------------------------------------------------------ invoice */

/* The superbill's tables are indented code blocks of fixed columns, so
 * every format keeps money right-aligned (text, HTML <pre>, groff CR).
 * Lines are at most INV_WIDTH columns: with the text renderer's 2-column
 * indent of code blocks they fit 80.  Database text reaches them only
 * through inv_cell(), which strips control characters; an indented code
 * block has no closing fence that text could imitate. */
#define INV_WIDTH 76
#define INV_AMOUNT 12  /* the amount column, right-aligned, at the end */

/* 125050 -> "1,250.50" */
static void money_text(int64_t cents, char *buf, size_t n)
{
	char raw[32];
	emr_money_format(cents, raw, sizeof raw);
	const char *digits = raw[0] == '-' ? raw + 1 : raw;
	size_t whole = strcspn(digits, ".");
	emr_sb sb = EMR_SB_INIT;
	if (raw[0] == '-')
		emr_sb_putc(&sb, '-');
	for (size_t i = 0; i < whole; i++) {
		if (i && (whole - i) % 3 == 0)
			emr_sb_putc(&sb, ',');
		emr_sb_putc(&sb, digits[i]);
	}
	emr_sb_append(&sb, digits + whole);
	snprintf(buf, n, "%s", emr_sb_str(&sb));
	emr_sb_free(&sb);
}

/* Appends s (one clean line) padded with spaces to width columns. */
static void inv_pad(emr_sb *sb, const char *s, int width, bool right)
{
	int w = emr_display_width(s);
	if (right)
		emr_sb_printf(sb, "%*s", w < width ? width - w : 0, "");
	emr_sb_append(sb, s);
	if (!right)
		emr_sb_printf(sb, "%*s", w < width ? width - w : 0, "");
}

/* Database text made safe for one table cell: no control characters, no
 * tabs or newlines. */
static char *inv_cell(const char *s)
{
	char *flat = emr_xstrdup(s ? s : "");
	for (char *p = flat; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	char *clean = emr_sanitize_dup(flat, false);
	free(flat);
	return clean;
}

/* The next piece of *s that fits width columns, broken after a space or
 * a comma when it can be; *s moves past it.  Returns its length. */
static size_t inv_take(const char **s, int width)
{
	while (**s == ' ')
		(*s)++;
	size_t fit = emr_utf8_prefix_for_width(*s, width, NULL);
	size_t len = strlen(*s);
	if (fit < len) {
		size_t brk = fit;
		while (brk > 0 && (*s)[brk - 1] != ' ' && (*s)[brk - 1] != ',')
			brk--;
		if (brk > 0)
			fit = brk;
		else if (fit == 0) /* a character wider than the column */
			fit = 1;
		while (fit < len && ((*s)[fit] & 0xC0) == 0x80)
			fit++;
	}
	size_t n = fit;
	*s += fit;
	return n;
}

/* One table row: cells[i] in a column of widths[i] columns (negative =
 * right-aligned), separated by two spaces; long cells wrap onto
 * continuation lines in their own column.  Every line starts with the
 * 4 spaces of an indented code block. */
static void inv_row(emr_sb *sb, const char *const *cells, const int *widths, size_t n)
{
	char *clean[8];
	const char *at[8];
	for (size_t i = 0; i < n; i++) {
		clean[i] = inv_cell(cells[i]);
		at[i] = clean[i];
	}
	bool more = true;
	while (more) {
		emr_sb line = EMR_SB_INIT;
		more = false;
		for (size_t i = 0; i < n; i++) {
			int w = widths[i] < 0 ? -widths[i] : widths[i];
			size_t len = inv_take(&at[i], w);
			char *piece = emr_xmalloc(len + 1);
			memcpy(piece, at[i] - len, len);
			piece[len] = '\0';
			while (len && piece[len - 1] == ' ')
				piece[--len] = '\0';
			if (i)
				emr_sb_append(&line, "  ");
			inv_pad(&line, piece, w, widths[i] < 0);
			free(piece);
			while (*at[i] == ' ')
				at[i]++;
			if (*at[i])
				more = true;
		}
		/* No trailing blanks. */
		size_t l = line.len;
		while (l && line.buf[l - 1] == ' ')
			l--;
		emr_sb_append(sb, "    ");
		emr_sb_appendn(sb, emr_sb_str(&line), l);
		emr_sb_putc(sb, '\n');
		emr_sb_free(&line);
	}
	for (size_t i = 0; i < n; i++)
		free(clean[i]);
}

/* "label ... amount" lines under the amount column. */
static void inv_sum_line(emr_sb *sb, const char *label, int64_t cents)
{
	char m[40];
	money_text(cents, m, sizeof m);
	const char *cells[2] = {label, m};
	const int widths[2] = {-(INV_WIDTH - INV_AMOUNT - 2), -INV_AMOUNT};
	inv_row(sb, cells, widths, 2);
}

static void icd10_dotted(const char *code, char *buf, size_t n)
{
	if (strlen(code) > 3)
		snprintf(buf, n, "%.3s.%s", code, code + 3);
	else
		snprintf(buf, n, "%s", code);
}

static int build_invoice(emr_db *db, int64_t id, printout *p)
{
	emr_invoice inv;
	if (emr_invoice_get(db, id, &inv) != 0)
		return -1;
	if (emr_patient_get(db, inv.patient_id, &p->patient) != 0) {
		emr_invoice_free(&inv);
		return -1;
	}
	snprintf(p->title, sizeof p->title, "Invoice %s", inv.number);
	p->entity = "invoices";
	p->entity_id = id;

	emr_sb sb = EMR_SB_INIT;
	md_banner(&sb, p);
	char issued[48], visit[32];
	local_time(inv.issued_at, issued, sizeof issued);
	md_field(&sb, "Invoice", inv.number);
	emr_sb_append(&sb, "\\\n");
	md_field(&sb, "Issued", issued);
	emr_sb_append(&sb, "\\\n");
	md_field(&sb, "Date of service", inv.service_date);
	snprintf(visit, sizeof visit, " (visit %lld)", (long long)inv.encounter_id);
	md_text(&sb, visit);
	emr_sb_append(&sb, "\n\n## Billing provider\n\n");
	md_field(&sb, "Practice", inv.practice);
	if (*inv.practice_address) {
		emr_sb_append(&sb, "\\\n");
		md_field(&sb, "Address", inv.practice_address);
	}
	if (*inv.practice_phone) {
		emr_sb_append(&sb, "\\\n");
		md_field(&sb, "Phone", inv.practice_phone);
	}
	emr_sb_append(&sb, "\\\n");
	md_field(&sb, "Practice NPI", *inv.practice_npi ? inv.practice_npi : "not on file");
	emr_sb_append(&sb, "\\\n");
	md_field(&sb, "Rendering provider", *inv.provider ? inv.provider : "not on file");
	emr_sb_append(&sb, "\\\n");
	md_field(&sb, "Provider NPI", *inv.provider_npi ? inv.provider_npi : "not on file");

	emr_sb_append(&sb, "\n\n## Diagnoses\n\n");
	if (!inv.ndx) {
		emr_sb_append(&sb, "None recorded.\n");
	} else {
		static const int w[3] = {-4, 8, INV_WIDTH - 4 - 8 - 4};
		const char *head[3] = {"RANK", "ICD-10", "DESCRIPTION"};
		inv_row(&sb, head, w, 3);
		for (size_t i = 0; i < inv.ndx; i++) {
			char rank[16], code[16];
			snprintf(rank, sizeof rank, "%d", inv.dx[i].rank);
			icd10_dotted(inv.dx[i].icd10, code, sizeof code);
			const char *cells[3] = {rank, code, inv.dx[i].description};
			inv_row(&sb, cells, w, 3);
		}
	}

	emr_sb_append(&sb, "\n## Procedures\n\n");
	/* CODE MODIFIERS UNITS DX DESCRIPTION AMOUNT, five gaps of 2: the
	 * description gets what is left of INV_WIDTH (27).  Four modifiers
	 * (11 characters) wrap after a comma. */
	static const int pw[6] = {5, 9, -5, 6, INV_WIDTH - 5 - 9 - 5 - 6 - INV_AMOUNT - 10, -INV_AMOUNT};
	const char *phead[6] = {"CODE", "MODIFIERS", "UNITS", "DX", "DESCRIPTION", "AMOUNT"};
	inv_row(&sb, phead, pw, 6);
	for (size_t i = 0; i < inv.nlines; i++) {
		const emr_charge *c = &inv.lines[i];
		char units[16], amount[40];
		snprintf(units, sizeof units, "%d", c->units);
		money_text(c->amount_cents, amount, sizeof amount);
		const char *cells[6] = {c->code, c->modifiers, units, c->dx_pointers, c->description, amount};
		inv_row(&sb, cells, pw, 6);
	}
	emr_sb_printf(&sb, "    %*s", INV_WIDTH - INV_AMOUNT, "");
	for (int i = 0; i < INV_AMOUNT; i++)
		emr_sb_putc(&sb, '-');
	emr_sb_putc(&sb, '\n');
	inv_sum_line(&sb, "Total", inv.total_cents);

	emr_sb_append(&sb, "\n## Payments and adjustments\n\n");
	int64_t applied = 0;
	if (!inv.nentries) {
		emr_sb_append(&sb, "None applied to this invoice.\n");
	} else {
		static const int lw[5] = {10, 10, 9, INV_WIDTH - 10 - 10 - 9 - INV_AMOUNT - 8, -INV_AMOUNT};
		const char *lhead[5] = {"DATE", "KIND", "METHOD", "REFERENCE", "AMOUNT"};
		inv_row(&sb, lhead, lw, 5);
		for (size_t i = 0; i < inv.nentries; i++) {
			const emr_ledger_entry *e = &inv.entries[i];
			char amount[40], ref[320];
			money_text(e->amount_cents, amount, sizeof amount);
			snprintf(ref, sizeof ref, "%s%s%s", e->reference, *e->reference && *e->memo ? " " : "", e->memo);
			const char *cells[5] = {e->date, e->kind, e->method, ref, amount};
			inv_row(&sb, cells, lw, 5);
			applied += e->amount_cents;
		}
	}
	emr_sb_append(&sb, "\n## Balance\n\n");
	inv_sum_line(&sb, "Total charges", inv.total_cents);
	inv_sum_line(&sb, "Payments and adjustments", applied);
	inv_sum_line(&sb, "Balance due", inv.balance_cents);
	add_sb(p, &sb);
	emr_invoice_free(&inv);
	return 0;
}

/* ------------------------------------------------------------- formats */

/* The letterhead: the practice's own text, else its name, address and
 * phone.  One entry per line, sanitised. */
static size_t letterhead_lines(const emr_practice *pr, char lines[][256], size_t max)
{
	size_t n = 0;
	if (*pr->letterhead) {
		const char *p = pr->letterhead;
		while (*p && n < max) {
			size_t len = strcspn(p, "\n");
			char raw[256];
			snprintf(raw, sizeof raw, "%.*s", (int)(len < 255 ? len : 255), p);
			char *clean = emr_sanitize_dup(raw, false);
			emr_strlcpy(lines[n], clean, 256);
			free(clean);
			if (*lines[n])
				n++;
			p += len;
			if (*p)
				p++;
		}
		if (n)
			return n;
	}
	const char *fields[] = {pr->name, pr->address, pr->phone};
	for (size_t i = 0; i < EMR_ARRAY_LEN(fields) && n < max; i++) {
		if (!*fields[i])
			continue;
		char *clean = emr_sanitize_dup(fields[i], false);
		emr_strlcpy(lines[n], clean, 256);
		free(clean);
		if (i == 2 && strlen(lines[n]) < 200) {
			char tel[256];
			snprintf(tel, sizeof tel, "Tel %s", lines[n]);
			emr_strlcpy(lines[n], tel, 256);
		}
		n++;
	}
	return n;
}

/* Normalised CommonMark of a note, so that a Markdown printout's later
 * sections cannot end up inside an unclosed block of the note. */
static char *note_commonmark(const char *md)
{
	/* Tabs are kept as the columns they stand for; control characters
	 * go. */
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, "", 0);
	int col = 0;
	for (const char *p = md ? md : ""; *p; p++) {
		if (*p == '\t') {
			do
				emr_sb_putc(&sb, ' ');
			while (++col % 4);
		} else {
			emr_sb_putc(&sb, *p);
			col = *p == '\n' ? 0 : col + 1;
		}
	}
	char *clean = emr_sanitize_dup(emr_sb_str(&sb), true);
	emr_sb_free(&sb);
	cmark_node *root = cmark_parse_document(clean, strlen(clean), CMARK_OPT_VALIDATE_UTF8);
	free(clean);
	char *out = root ? cmark_render_commonmark(root, CMARK_OPT_DEFAULT, 0) : NULL;
	cmark_node_free(root);
	char *copy = emr_xstrdup(out ? out : "");
	free(out);
	return copy;
}

static void render_md(const printout *p, emr_sb *out)
{
	char lines[8][256];
	size_t n = letterhead_lines(&p->practice, lines, 8);
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			emr_sb_append(out, "**");
		md_text(out, lines[i]);
		emr_sb_append(out, i == 0 ? "**" : "");
		emr_sb_append(out, i + 1 < n ? "\\\n" : "\n");
	}
	emr_sb_append(out, "\n---\n");
	for (size_t i = 0; i < p->nparts; i++) {
		char *md = p->parts[i].note ? note_commonmark(p->parts[i].md) : emr_xstrdup(p->parts[i].md);
		size_t mlen = strlen(md);
		while (mlen && md[mlen - 1] == '\n')
			mlen--;
		/* One blank line between parts, however each ends. */
		emr_sb_putc(out, '\n');
		emr_sb_appendn(out, md, mlen);
		emr_sb_putc(out, '\n');
		free(md);
	}
}

static void render_text(const printout *p, emr_sb *out)
{
	char lines[8][256];
	size_t n = letterhead_lines(&p->practice, lines, 8);
	for (size_t i = 0; i < n; i++) {
		/* Centred; a line too long wraps like any text. */
		emr_sb one = EMR_SB_INIT;
		md_text(&one, lines[i]);
		char *wrapped = emr_md_render_text(emr_sb_str(&one), TEXT_WIDTH);
		emr_sb_free(&one);
		for (char *l = wrapped; *l;) {
			size_t len = strcspn(l, "\n");
			char save = l[len];
			l[len] = '\0';
			int w = emr_display_width(l);
			emr_sb_printf(out, "%*s%s\n", (TEXT_WIDTH - w) / 2, "", l);
			l[len] = save;
			l += len + (save ? 1 : 0);
		}
		free(wrapped);
	}
	for (int i = 0; i < TEXT_WIDTH; i++)
		emr_sb_putc(out, '=');
	emr_sb_append(out, "\n\n");
	for (size_t i = 0; i < p->nparts; i++) {
		char *t = emr_md_render_text(p->parts[i].md, TEXT_WIDTH);
		emr_sb_append(out, t);
		free(t);
		if (i + 1 < p->nparts)
			emr_sb_putc(out, '\n');
	}
}

static const char html_style[] =
	"@page { size: letter; margin: 18mm 18mm 22mm; }\n"
	"body { font: 11pt/1.4 Georgia, 'Times New Roman', serif; color: #000; background: #fff;"
	" max-width: 46em; margin: 2em auto; padding: 0 1em; }\n"
	"header.letterhead { text-align: center; border-bottom: 2px solid #000; padding-bottom: .5em;"
	" margin-bottom: 1em; }\n"
	"header.letterhead p { margin: 0; }\n"
	"header.letterhead .practice { font-size: 14pt; font-weight: bold; }\n"
	"h1 { font-size: 16pt; margin: .5em 0; } h2 { font-size: 13pt; margin: 1em 0 .3em; }"
	" h3 { font-size: 11pt; }\n"
	"section.note { border-left: 3px solid #999; padding-left: 1em; }\n"
	"pre, code { font-family: 'DejaVu Sans Mono', 'Courier New', monospace; font-size: 10pt; }\n"
	"pre { white-space: pre-wrap; overflow-wrap: anywhere; }\n"
	"blockquote { margin-left: 1em; padding-left: 1em; border-left: 2px solid #999; }\n"
	"footer.patient { margin-top: 2em; border-top: 1px solid #000; font-size: 9pt; }\n"
	"@media print {\n"
	"  body { margin: 0; max-width: none; padding: 0; }\n"
	"  a { color: inherit; text-decoration: none; }\n"
	"  a[href]::after { content: \" <\" attr(href) \">\"; }\n"
	"  h1, h2, h3 { break-after: avoid; }\n"
	"  li, p { break-inside: avoid; }\n"
	"  footer.patient { display: none; }\n"
	"}\n";

static void render_html(const printout *p, emr_sb *out)
{
	char name[EMR_NAME_MAX * 3 + 8];
	emr_patient_display_name(&p->patient, name, sizeof name);
	emr_sb_append(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
	                   " style-src 'unsafe-inline'\">\n"
	                   "<meta name=\"referrer\" content=\"no-referrer\">\n<title>");
	html_text(out, p->title);
	emr_sb_append(out, " \u2014 ");
	html_text(out, name);
	emr_sb_append(out, "</title>\n<style>\n");
	emr_sb_append(out, html_style);
	/* Every printed page names the patient, and counts pages where the
	 * browser supports page-margin boxes. */
	emr_sb_append(out, "@page { @bottom-left { content: \"");
	css_text(out, name);
	emr_sb_append(out, " \\2014  DOB ");
	css_text(out, p->patient.dob);
	emr_sb_append(out, "\"; font-size: 9pt; }\n"
	                   "  @bottom-right { content: \"page \" counter(page) \" of \" counter(pages);"
	                   " font-size: 9pt; } }\n</style>\n</head>\n<body>\n<header class=\"letterhead\">\n");
	char lines[8][256];
	size_t n = letterhead_lines(&p->practice, lines, 8);
	for (size_t i = 0; i < n; i++) {
		emr_sb_append(out, i == 0 ? "<p class=\"practice\">" : "<p>");
		html_text(out, lines[i]);
		emr_sb_append(out, "</p>\n");
	}
	emr_sb_append(out, "</header>\n<main>\n");
	for (size_t i = 0; i < p->nparts; i++) {
		char *h = emr_md_render_html(p->parts[i].md);
		if (p->parts[i].note)
			emr_sb_append(out, "<section class=\"note\">\n");
		emr_sb_append(out, h);
		if (p->parts[i].note)
			emr_sb_append(out, "</section>\n");
		free(h);
	}
	emr_sb_append(out, "</main>\n<footer class=\"patient\"><p>");
	html_text(out, name);
	emr_sb_append(out, " \u2014 DOB ");
	html_text(out, p->patient.dob);
	emr_sb_append(out, " \u2014 MRN ");
	html_text(out, p->patient.mrn);
	emr_sb_append(out, "</p></footer>\n</body>\n</html>\n");
}

/* The groff -ms source; total is the page count ("?" on the first pass). */
static void groff_source(const printout *p, const char *total, emr_sb *out)
{
	char name[EMR_NAME_MAX * 3 + 8];
	emr_patient_display_name(&p->patient, name, sizeof name);
	emr_sb_append(out,
		".\\\" emr printout, groff -ms\n"
		".nr PS 10\n.nr VS 12\n.nr PO 1i\n.nr LL 6.5i\n.nr HM 0.7i\n.nr FM 0.9i\n"
		".nr HY 0\n.nr GROWPS 3\n.nr PSINCR 2p\n.nr PD 0.4v\n"
		".ds LH\n.ds CH\n.ds RH\n.ds CF\n"
		/* No page-number character: a '%' in a name stays a '%'; the
		 * footer counts pages with the register \n% instead. */
		".pc\n");
	emr_sb_append(out, ".ds LF \"");
	groff_text(out, name);
	emr_sb_append(out, " \\(em DOB ");
	groff_text(out, p->patient.dob);
	emr_sb_append(out, "\n.ds RF \"page \\\\n% of ");
	emr_sb_append(out, total);
	emr_sb_append(out, "\n.LP\n.na\n.hy 0\n.ce 1000\n");
	char lines[8][256];
	size_t n = letterhead_lines(&p->practice, lines, 8);
	for (size_t i = 0; i < n; i++) {
		if (i == 0)
			emr_sb_append(out, ".ps +4\n\\f[B]");
		groff_text(out, lines[i]);
		emr_sb_append(out, i == 0 ? "\\f[R]\n.ps\n" : "\n");
	}
	emr_sb_append(out, ".ce 0\n.sp 0.3v\n\\l'\\n(.lu'\n");
	for (size_t i = 0; i < p->nparts; i++) {
		char *g = emr_md_render_groff(p->parts[i].md);
		emr_sb_append(out, g);
		free(g);
	}
}

/* Runs groff with args on src; its standard output into out.  All three
 * pipes are served together, so a large document cannot deadlock; what
 * groff says on standard error goes into the error message (never onto
 * the screen, which may be the charting UI). */
static int run_groff(emr_db *db, const char *const args[], const emr_sb *src, emr_sb *out, emr_sb *err_out)
{
	int fds[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}}; /* groff's stdin, stdout, stderr */
	for (int i = 0; i < 3; i++) {
		if (pipe(fds[i]) != 0) {
			emr_db_set_error(db, "cannot start groff: %s", strerror(errno));
			goto fail;
		}
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[0][0], 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1][1], 1);
	posix_spawn_file_actions_adddup2(&fa, fds[2][1], 2);
	for (int i = 0; i < 3; i++) {
		posix_spawn_file_actions_addclose(&fa, fds[i][0]);
		posix_spawn_file_actions_addclose(&fa, fds[i][1]);
	}
	pid_t pid;
	int rc = posix_spawnp(&pid, "groff", &fa, NULL, (char *const *)args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0][0]);
	close(fds[1][1]);
	close(fds[2][1]);
	fds[0][0] = fds[1][1] = fds[2][1] = -1;
	if (rc != 0) {
		if (rc == ENOENT)
			emr_db_set_error(db, "PDF needs groff, which is not installed (apt-get install groff)");
		else
			emr_db_set_error(db, "cannot run groff: %s", strerror(rc));
		goto fail;
	}
	int to = fds[0][1], from = fds[1][0], errs = fds[2][0];
	/* Writes must never block: groff may be waiting for us to read. */
	fcntl(to, F_SETFL, fcntl(to, F_GETFL) | O_NONBLOCK);
	/* groff may stop reading early; its exit status says why. */
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGPIPE, &ign, &old);
	emr_sb err = EMR_SB_INIT;
	size_t sent = 0;
	char buf[65536];
	while (from >= 0 || errs >= 0) {
		struct pollfd pf[3] = {{.fd = from, .events = POLLIN}, {.fd = errs, .events = POLLIN},
		                       {.fd = to, .events = POLLOUT}};
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (to >= 0 && (pf[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
			size_t left = src->len - sent;
			ssize_t w = write(to, src->buf + sent, left > sizeof buf ? sizeof buf : left);
			if (w > 0)
				sent += (size_t)w;
			else if (w < 0 && errno != EINTR && errno != EAGAIN)
				sent = src->len; /* groff went away: stop feeding it */
			if (sent >= src->len) {
				close(to);
				to = -1;
			}
		}
		for (int k = 0; k < 2; k++) {
			int *fd = k == 0 ? &from : &errs;
			if (*fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t r = read(*fd, buf, sizeof buf);
			if (r > 0)
				emr_sb_appendn(k == 0 ? out : &err, buf, (size_t)r);
			else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(*fd);
				*fd = -1;
			}
		}
	}
	sigaction(SIGPIPE, &old, NULL);
	if (to >= 0)
		close(to);
	if (from >= 0)
		close(from);
	if (errs >= 0)
		close(errs);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		/* The first line groff wrote says what went wrong. */
		char *clean = emr_sanitize_dup(emr_sb_str(&err), true);
		clean[strcspn(clean, "\n")] = '\0';
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			emr_db_set_error(db, "PDF needs groff, which is not installed (apt-get install groff)");
		else
			emr_db_set_error(db, "groff could not make the PDF%s%s (it needs the groff package:"
			                 " apt-get install groff)", *clean ? ": " : "", clean);
		free(clean);
		rc = -1;
	}
	if (err_out)
		emr_sb_appendn(err_out, emr_sb_str(&err), err.len);
	emr_sb_free(&err);
	return rc;
fail:
	for (int i = 0; i < 3; i++)
		for (int k = 0; k < 2; k++)
			if (fds[i][k] >= 0)
				close(fds[i][k]);
	return -1;
}

/* Pages in groff's intermediate output: each starts with a "p" command. */
static int count_pages(const emr_sb *z)
{
	int pages = 0;
	const char *s = emr_sb_str(z);
	for (const char *l = s; l && *l;) {
		if (l[0] == 'p' && l[1] >= '0' && l[1] <= '9')
			pages++;
		const char *nl = strchr(l, '\n');
		l = nl ? nl + 1 : NULL;
	}
	return pages;
}

/* The characters groff's PDF fonts lack, from its warnings
 * ("can't find special character 'u674E'"), as "|u674E|u4F1F|". */
static void missing_glyphs(const emr_sb *err, emr_sb *missing)
{
	static const char key[] = "can't find special character '";
	for (const char *p = strstr(emr_sb_str(err), key); p; p = strstr(p, key)) {
		p += sizeof key - 1;
		size_t n = strcspn(p, "'\n");
		if (n < 2 || n > 8 || p[0] != 'u' || strspn(p + 1, "0123456789ABCDEF") != n - 1)
			continue;
		char name[16];
		snprintf(name, sizeof name, "|%.*s|", (int)n, p);
		if (!strstr(emr_sb_str(missing), name))
			emr_sb_append(missing, name);
	}
}

/* Replaces each \[uXXXX] that the fonts lack with the visible "[U+XXXX]":
 * a name in Chinese must not silently vanish from a printout. */
static void substitute_missing(emr_sb *src, const emr_sb *missing)
{
	if (!missing->len)
		return;
	emr_sb out = EMR_SB_INIT;
	const char *s = emr_sb_str(src);
	for (const char *p = s; *p;) {
		const char *at = strstr(p, "\\[u");
		if (!at) {
			emr_sb_append(&out, p);
			break;
		}
		emr_sb_appendn(&out, p, (size_t)(at - p));
		size_t n = strcspn(at + 2, "]");
		char name[16] = "";
		if (n < 12)
			snprintf(name, sizeof name, "|%.*s|", (int)n, at + 2);
		if (at[2 + n] == ']' && *name && strstr(emr_sb_str(missing), name)) {
			emr_sb_printf(&out, "[U+%.*s]", (int)(n - 1), at + 3);
			p = at + 2 + n + 1;
		} else {
			emr_sb_appendn(&out, at, 3);
			p = at + 3;
		}
	}
	emr_sb_free(src);
	*src = out;
}

/* Two passes: the first counts the pages (and finds characters the fonts
 * cannot show), the second typesets with "page N of M". */
static int render_pdf(emr_db *db, const printout *p, emr_sb *out)
{
	static const char *const count[] = {"groff", "-ms", "-Tpdf", "-Z", NULL};
	static const char *const quiet_count[] = {"groff", "-ms", "-Tpdf", "-Z", "-Wall", NULL};
	static const char *const typeset[] = {"groff", "-ms", "-Tpdf", "-Wall", NULL};
	emr_sb src = EMR_SB_INIT, z = EMR_SB_INIT, err = EMR_SB_INIT, missing = EMR_SB_INIT;
	groff_source(p, "?", &src);
	int rc = run_groff(db, count, &src, &z, &err);
	missing_glyphs(&err, &missing);
	if (rc == 0 && missing.len) {
		/* The stand-ins are wider: count again. */
		substitute_missing(&src, &missing);
		z.len = 0;
		rc = run_groff(db, quiet_count, &src, &z, NULL);
	}
	int pages = count_pages(&z);
	if (rc == 0) {
		char total[16];
		snprintf(total, sizeof total, "%d", pages > 0 ? pages : 1);
		src.len = 0;
		groff_source(p, total, &src);
		substitute_missing(&src, &missing);
		rc = run_groff(db, typeset, &src, out, NULL);
	}
	emr_sb_free(&z);
	emr_sb_free(&err);
	emr_sb_free(&missing);
	emr_sb_free(&src);
	return rc;
}

/* --------------------------------------------------------------- print */

static const char *const kind_names[] = {"note", "visit", "summary", "rx", "invoice"};
static const char *const format_names[] = {"text", "md", "html", "pdf"};

int emr_print(emr_db *db, emr_print_kind kind, int64_t id, emr_print_format fmt, FILE *out)
{
	if ((unsigned)kind > EMR_PRINT_INVOICE || (unsigned)fmt > EMR_PRINT_PDF) {
		emr_db_set_error(db, "unknown printout or format");
		return -1;
	}
	char what[64];
	snprintf(what, sizeof what, "print %s %lld", kind_names[kind], (long long)id);
	/* A superbill is what the front desk hands over at checkout: it
	 * needs the right to read what is owed, not the chart. */
	if (kind == EMR_PRINT_INVOICE) {
		if (emr_permit(db, EMR_PERM_PAYMENT, what) != 0)
			return -1;
	} else if (emr_permit(db, EMR_PERM_CLINICAL_READ, what) != 0 ||
	           ((kind == EMR_PRINT_NOTE || kind == EMR_PRINT_VISIT) &&
	            emr_permit(db, EMR_PERM_NOTE_READ, what) != 0)) {
		return -1;
	}
	printout p = {0};
	if (emr_practice_get(db, &p.practice) != 0)
		return -1;
	int rc;
	switch (kind) {
	case EMR_PRINT_NOTE: rc = build_note(db, id, &p); break;
	case EMR_PRINT_VISIT: rc = build_visit(db, id, &p); break;
	case EMR_PRINT_SUMMARY: rc = build_summary(db, id, &p); break;
	case EMR_PRINT_RX: rc = build_rx(db, id, &p); break;
	default: rc = build_invoice(db, id, &p); break;
	}
	emr_sb doc = EMR_SB_INIT;
	if (rc == 0) {
		switch (fmt) {
		case EMR_PRINT_TEXT: render_text(&p, &doc); break;
		case EMR_PRINT_MD: render_md(&p, &doc); break;
		case EMR_PRINT_HTML: render_html(&p, &doc); break;
		default: rc = render_pdf(db, &p, &doc); break;
		}
	}
	/* Audited before a byte goes out: no printout escapes the log. */
	if (rc == 0) {
		char detail[64];
		snprintf(detail, sizeof detail, "%s %lld as %s", kind_names[kind], (long long)id, format_names[fmt]);
		rc = emr_audit(db, "print", p.entity, p.entity_id, p.patient.id, detail);
	}
	if (rc == 0 && doc.len) {
		if (fwrite(doc.buf, 1, doc.len, out) != doc.len || fflush(out) != 0) {
			emr_db_set_error(db, "writing the printout: %s", strerror(errno));
			rc = -1;
		}
	}
	emr_sb_free(&doc);
	printout_free(&p);
	return rc;
}
