/* plot: sparklines and a time plot as plain text lines, with no curses,
 * so they can be unit tested byte for byte and reused outside the UI.
 *
 * The time plot draws into a grid of "dots": with Unicode each character
 * cell is a braille pattern of 2 columns x 4 rows of dots, which gives a
 * line plot four times the vertical resolution of the text; in ASCII each
 * cell is one dot.  Points are mapped to dots, consecutive points joined
 * with Bresenham lines, and the grid is then turned into text. */
#include "emr/plot.h"

#include "emr/util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- sparkline */

/* U+2581..U+2588, lower one eighth block to full block. */
static const char *const spark_blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
/* Five levels read as rising shapes in any font. */
static const char spark_ascii[] = "_.-~^";

void emr_sparkline(const double *values, int n, bool ascii, char *out, size_t outsz)
{
	if (!out || outsz == 0)
		return;
	out[0] = '\0';
	if (!values || n <= 0)
		return;
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < n; i++) {
		if (!isfinite(values[i]))
			continue;
		if (values[i] < lo)
			lo = values[i];
		if (values[i] > hi)
			hi = values[i];
	}
	int levels = ascii ? (int)strlen(spark_ascii) : (int)EMR_ARRAY_LEN(spark_blocks);
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		char one[2] = {' ', '\0'};
		const char *glyph = one;
		if (isfinite(values[i])) {
			/* A flat series has no trend to show: the middle level says
			 * "steady" where the bottom one would suggest "low". */
			int k = hi > lo ? (int)lround((values[i] - lo) / (hi - lo) * (levels - 1)) : (levels - 1) / 2;
			if (ascii)
				one[0] = spark_ascii[k];
			else
				glyph = spark_blocks[k];
		}
		size_t g = strlen(glyph);
		if (len + g >= outsz)
			break;  /* stop at a whole character rather than split one */
		memcpy(out + len, glyph, g);
		len += g;
		out[len] = '\0';
	}
}

/* ---------------------------------------------------------------- scale */

typedef struct scale {
	double lo, hi;
	int decimals;   /* of the tick labels */
} scale;

/* 1, 2 or 5 times a power of ten, at least raw: steps people read easily. */
static double nice_step(double raw)
{
	double e = floor(log10(raw));
	double f = raw / pow(10.0, e);
	double nf = f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0;
	return nf * pow(10.0, e);
}

/* The y range: the data and the reference limits (so the band is always in
 * view), widened outwards to whole steps so the end labels are round. */
static scale make_scale(const double *y, int n, const emr_plot_opts *o)
{
	double lo = INFINITY, hi = -INFINITY;
	for (int i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			continue;
		lo = fmin(lo, y[i]);
		hi = fmax(hi, y[i]);
	}
	if (o->has_low && isfinite(o->ref_low)) {
		lo = fmin(lo, o->ref_low);
		hi = fmax(hi, o->ref_low);
	}
	if (o->has_high && isfinite(o->ref_high)) {
		lo = fmin(lo, o->ref_high);
		hi = fmax(hi, o->ref_high);
	}
	if (lo > hi) {            /* nothing to plot */
		lo = 0.0;
		hi = 1.0;
	}
	if (hi == lo) {           /* one value: centre it */
		double pad = lo != 0.0 ? fabs(lo) * 0.1 : 1.0;
		lo -= pad;
		hi += pad;
	}
	double step = nice_step((hi - lo) / 4.0);
	scale s;
	s.lo = floor(lo / step + 1e-9) * step;
	s.hi = ceil(hi / step - 1e-9) * step;
	if (s.hi <= s.lo)
		s.hi = s.lo + step;
	s.decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
	return s;
}

/* Fewest decimals (up to 3) that show v exactly: a reference limit of 5.6
 * must not be printed as "6" because the scale steps by 1. */
static int decimals_for(double v)
{
	for (int d = 0; d < 3; d++) {
		double m = pow(10.0, d);
		if (fabs(round(v * m) / m - v) < 1e-9 * fmax(1.0, fabs(v)))
			return d;
	}
	return 3;
}

/* A number for the gutter, at most EMR_PLOT_AXIS_W - 2 columns (a space
 * keeps it off the axis). */
static void format_label(double v, int decimals, char *buf, size_t n)
{
	int max = EMR_PLOT_AXIS_W - 2;
	if (fabs(v) < 1e-12)
		v = 0.0;  /* no "-0" */
	int len = snprintf(buf, n, "%.*f", decimals, v);
	if (len > max)
		len = snprintf(buf, n, "%.3g", v);
	if (len > max)
		snprintf(buf, n, "%.0e", v);
}

/* ---------------------------------------------------------------- grid */

enum { MARK_NONE, MARK_REF, MARK_LINE, MARK_POINT };

typedef struct grid {
	int w, h;             /* cells */
	int dw, dh;           /* dots */
	bool ascii;
	uint8_t *dots;        /* braille bits per cell */
	uint8_t *mark;        /* MARK_* per cell (ASCII, and the ref lines) */
} grid;

/* Braille dot bits by (column, row) within a cell: dots 1-2-3-7 down the
 * left column, 4-5-6-8 down the right (Unicode's numbering). */
static const uint8_t braille_bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};

static void set_dot(grid *g, int x, int y, int mark)
{
	if (x < 0 || y < 0 || x >= g->dw || y >= g->dh)
		return;
	if (g->ascii) {
		uint8_t *m = &g->mark[y * g->w + x];
		if (*m < mark)
			*m = (uint8_t)mark;
	} else {
		g->dots[(y / 4) * g->w + x / 2] |= braille_bit[x % 2][y % 4];
	}
}

/* Bresenham's line from (x0, y0) to (x1, y1), endpoints included. */
static void draw_line(grid *g, int x0, int y0, int x1, int y1)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int err = dx + dy;
	for (;;) {
		set_dot(g, x0, y0, MARK_LINE);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

/* The dot row of value v (row 0 at the top). */
static int dot_row(const scale *s, int dh, double v)
{
	long r = lround((s->hi - v) / (s->hi - s->lo) * (dh - 1));
	return (int)(r < 0 ? 0 : r >= dh ? dh - 1 : r);
}

/* ---------------------------------------------------------------- text */

/* Appends s right-aligned in a field of cols columns (clipped if longer). */
static void append_right(emr_sb *sb, const char *s, int cols)
{
	int used;
	size_t bytes = emr_utf8_prefix_for_width(s, cols, &used);
	for (int i = used; i < cols; i++)
		emr_sb_putc(sb, ' ');
	emr_sb_appendn(sb, s, bytes);
}

static void append_n(emr_sb *sb, const char *s, int times)
{
	for (int i = 0; i < times; i++)
		emr_sb_append(sb, s);
}

/* The x-axis date labels: first under the left edge, last under the
 * right (t0 > t1: no data).  Months suffice for the years a trend spans; a span of under
 * two months shows days, or both labels would read the same. */
static void append_dates(emr_sb *sb, double t0, double t1, int width)
{
	char first[16] = "", last[16] = "";
	if (t0 <= t1) {
		const char *fmt = t1 - t0 < 62.0 * 86400.0 ? "%Y-%m-%d" : "%Y-%m";
		time_t a = (time_t)t0, b = (time_t)t1;
		struct tm tm;
		if (gmtime_r(&a, &tm))
			strftime(first, sizeof first, fmt, &tm);
		if (gmtime_r(&b, &tm))
			strftime(last, sizeof last, fmt, &tm);
		if (strcmp(first, last) == 0)
			last[0] = '\0';
	}
	int lf = (int)strlen(first), ll = (int)strlen(last);
	if (lf > width)
		first[0] = '\0', lf = 0;
	if (lf + 1 + ll > width)
		last[0] = '\0', ll = 0;
	/* All at one instant: the points sit mid-plot, so does their date. */
	int lead = t0 == t1 ? (width - lf) / 2 : 0;
	append_n(sb, " ", lead);
	emr_sb_append(sb, first);
	append_n(sb, " ", width - lead - lf - ll);
	emr_sb_append(sb, last);
}

int emr_plot_series(const double *t, const double *y, int n, const emr_plot_opts *opts, emr_plot *out)
{
	if (!out)
		return -1;
	out->lines = NULL;
	out->nlines = 0;
	if (!opts || opts->width < 1 || opts->height < 2 || n < 0 || (n > 0 && (!t || !y)))
		return -1;
	const int W = opts->width, H = opts->height, gut = EMR_PLOT_AXIS_W - 1;
	grid g = {.w = W, .h = H, .ascii = opts->ascii};
	g.dw = g.ascii ? W : W * 2;
	g.dh = g.ascii ? H : H * 4;
	g.dots = emr_xcalloc((size_t)W * (size_t)H, 1);
	g.mark = emr_xcalloc((size_t)W * (size_t)H, 1);
	scale s = make_scale(y, n, opts);

	/* Reference lines first: whatever data falls on their row covers them. */
	int ref_row[2] = {-1, -1};
	double ref_val[2] = {0.0, 0.0};
	int dots_per_row = g.ascii ? 1 : 4;
	if (opts->has_low && isfinite(opts->ref_low)) {
		ref_val[0] = opts->ref_low;
		ref_row[0] = dot_row(&s, g.dh, opts->ref_low) / dots_per_row;
	}
	if (opts->has_high && isfinite(opts->ref_high)) {
		ref_val[1] = opts->ref_high;
		ref_row[1] = dot_row(&s, g.dh, opts->ref_high) / dots_per_row;
	}
	for (int k = 0; k < 2; k++)
		if (ref_row[k] >= 0)
			memset(g.mark + ref_row[k] * W, MARK_REF, (size_t)W);

	/* Time on x is proportional; one instant (or one point) sits mid-plot. */
	double t0 = INFINITY, t1 = -INFINITY;
	for (int i = 0; i < n; i++) {
		if (!isfinite(t[i]) || !isfinite(y[i]))
			continue;
		t0 = fmin(t0, t[i]);
		t1 = fmax(t1, t[i]);
	}
	int px = 0, py = 0;
	bool have_prev = false;
	for (int i = 0; i < n; i++) {
		if (!isfinite(t[i]) || !isfinite(y[i])) {
			have_prev = false;  /* a gap in the series breaks the line */
			continue;
		}
		int x = t1 > t0 ? (int)lround((t[i] - t0) / (t1 - t0) * (g.dw - 1)) : g.dw / 2;
		int yy = dot_row(&s, g.dh, y[i]);
		if (have_prev)
			draw_line(&g, px, py, x, yy);
		px = x, py = yy, have_prev = true;
	}
	/* The measurements themselves, over the lines: '*' in ASCII; in
	 * braille a 2x2 block of dots within the point's cell, so a measured
	 * value reads heavier than the one-dot line between values. */
	for (int i = 0; i < n; i++) {
		if (!isfinite(t[i]) || !isfinite(y[i]))
			continue;
		int x = t1 > t0 ? (int)lround((t[i] - t0) / (t1 - t0) * (g.dw - 1)) : g.dw / 2;
		int yy = dot_row(&s, g.dh, y[i]);
		set_dot(&g, x, yy, MARK_POINT);
		if (!g.ascii) {
			set_dot(&g, x ^ 1, yy, MARK_POINT);
			set_dot(&g, x, yy ^ 1, MARK_POINT);
			set_dot(&g, x ^ 1, yy ^ 1, MARK_POINT);
		}
	}

	out->nlines = H + 2;
	out->lines = emr_xcalloc((size_t)out->nlines, sizeof *out->lines);
	/* Both limits to the same decimals, as a report prints "4.0-5.6". */
	int ref_dec = 0;
	for (int k = 0; k < 2; k++)
		if (ref_row[k] >= 0 && decimals_for(ref_val[k]) > ref_dec)
			ref_dec = decimals_for(ref_val[k]);
	char label[32];
	for (int r = 0; r < H; r++) {
		emr_sb sb = EMR_SB_INIT;
		bool labelled = true;
		/* A reference limit names its own row; otherwise the top and
		 * bottom rows carry the ends of the scale. */
		if (r == ref_row[1])
			format_label(ref_val[1], ref_dec, label, sizeof label);
		else if (r == ref_row[0])
			format_label(ref_val[0], ref_dec, label, sizeof label);
		else if (r == 0)
			format_label(s.hi, s.decimals, label, sizeof label);
		else if (r == H - 1)
			format_label(s.lo, s.decimals, label, sizeof label);
		else
			label[0] = '\0', labelled = false;
		append_right(&sb, label, gut - 1);
		emr_sb_putc(&sb, ' ');
		emr_sb_append(&sb, labelled ? (g.ascii ? "+" : "┤") : (g.ascii ? "|" : "│"));
		for (int c = 0; c < W; c++) {
			uint8_t m = g.mark[r * W + c];
			uint8_t d = g.dots[r * W + c];
			if (g.ascii) {
				/* "- - -" dashes: a reference line must not read as an axis. */
				char ref = c % 2 == 0 ? '-' : ' ';
				emr_sb_putc(&sb, m == MARK_POINT ? '*' : m == MARK_LINE ? '.' : m == MARK_REF ? ref : ' ');
			} else if (d) {
				unsigned cp = 0x2800u + d;
				char u[4] = {(char)(0xE0 | (cp >> 12)), (char)(0x80 | ((cp >> 6) & 0x3F)),
				             (char)(0x80 | (cp & 0x3F)), '\0'};
				emr_sb_append(&sb, u);
			} else {
				emr_sb_append(&sb, m == MARK_REF ? "┄" : " ");
			}
		}
		out->lines[r] = emr_sb_take(&sb);
	}
	/* The x axis, with the unit in its gutter: the one place on every
	 * plot that no y label can claim. */
	emr_sb sb = EMR_SB_INIT;
	append_right(&sb, opts->unit ? opts->unit : "", gut);
	emr_sb_append(&sb, g.ascii ? "+" : "└");
	append_n(&sb, g.ascii ? "-" : "─", W);
	out->lines[H] = emr_sb_take(&sb);

	append_n(&sb, " ", EMR_PLOT_AXIS_W);
	append_dates(&sb, t0, t1, W);
	out->lines[H + 1] = emr_sb_take(&sb);

	free(g.dots);
	free(g.mark);
	return 0;
}

void emr_plot_free(emr_plot *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nlines; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->nlines = 0;
}
