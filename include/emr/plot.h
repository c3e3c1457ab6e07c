/* plot: text plots for a terminal, with no curses in them: sparklines for
 * the chart's vitals pane and a scatter/line plot with the reference range
 * for the lab trend view.
 *
 * Output is UTF-8 (block elements U+2581..U+2588, braille U+2800..U+28FF)
 * or, with ascii set, plain 7-bit characters for terminals without UTF-8.
 *
 * Ownership: emr_plot() returns lines the caller frees with
 * emr_plot_free(). */
#ifndef EMR_PLOT_H
#define EMR_PLOT_H

#include <stdbool.h>
#include <stddef.h>

/* One character per value, scaled between the series' min and max (NAN
 * values leave a gap).  Writes a NUL-terminated string into out. */
void emr_sparkline(const double *values, int n, bool ascii, char *out, size_t outsz);

typedef struct emr_plot_opts {
	int width, height;        /* plot area in cells, without the axis labels */
	bool ascii;               /* '*' and '-' instead of braille */
	bool has_low, has_high;   /* reference range to shade/mark */
	double ref_low, ref_high;
	const char *unit;         /* shown on the y axis label */
} emr_plot_opts;

typedef struct emr_plot {
	char **lines;             /* height + 2 lines (plot, x axis, x labels) */
	int nlines;
} emr_plot;

/* Every line of a plot is exactly EMR_PLOT_AXIS_W + opts.width display
 * columns: a gutter of EMR_PLOT_AXIS_W - 1 columns of right-aligned y
 * labels (the scale's top and bottom, the reference limits on their
 * rows, the unit on the x-axis row) and one column for the axis itself. */
#define EMR_PLOT_AXIS_W 8

/* Plots y[i] against time t[i] (seconds; ascending) into text lines with
 * a y-axis scale, dotted reference lines, and first/last dates below. */
int emr_plot_series(const double *t, const double *y, int n, const emr_plot_opts *opts, emr_plot *out);
void emr_plot_free(emr_plot *p);

#endif
