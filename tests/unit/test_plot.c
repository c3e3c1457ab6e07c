/* plot: sparklines and the lab trend plot, checked cell by cell.  Plots
 * are pure text, so no database or terminal is needed here. */
#include <criterion/criterion.h>

#include "emr/plot.h"
#include "emr/util.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

TestSuite(plot);

/* ---------------------------------------------------------------- helpers */

/* The code point shown in display column col of line (every character a
 * plot emits is one column wide), or 0 past the end. */
static uint32_t cell_at(const char *line, int col)
{
	const unsigned char *p = (const unsigned char *)line;
	for (int i = 0; *p; i++) {
		uint32_t cp;
		int len;
		if (*p < 0x80)
			cp = *p, len = 1;
		else if ((*p & 0xE0) == 0xC0)
			cp = *p & 0x1Fu, len = 2;
		else if ((*p & 0xF0) == 0xE0)
			cp = *p & 0x0Fu, len = 3;
		else
			cp = *p & 0x07u, len = 4;
		for (int k = 1; k < len; k++)
			cp = (cp << 6) | (p[k] & 0x3Fu);
		if (i == col)
			return cp;
		p += len;
	}
	return 0;
}

/* The character in plot cell (row, col), past the gutter. */
static uint32_t plot_cell(const emr_plot *p, int row, int col)
{
	return cell_at(p->lines[row], EMR_PLOT_AXIS_W + col);
}

/* The braille dot bits of a cell (0 when it is not braille). */
static unsigned braille_bits(uint32_t cp)
{
	return cp >= 0x2800 && cp <= 0x28FF ? cp - 0x2800 : 0;
}

static void assert_widths(const emr_plot *p, const emr_plot_opts *o)
{
	cr_assert_eq(p->nlines, o->height + 2);
	for (int i = 0; i < p->nlines; i++)
		cr_assert_eq(emr_display_width(p->lines[i]), o->width + EMR_PLOT_AXIS_W,
		             "line %d is %d columns, wanted %d: [%s]", i, emr_display_width(p->lines[i]),
		             o->width + EMR_PLOT_AXIS_W, p->lines[i]);
}

/* ---------------------------------------------------------------- sparkline */

Test(plot, sparkline_eight_levels)
{
	double v[] = {1, 2, 3, 4, 5, 6, 7, 8};
	char out[64];
	emr_sparkline(v, 8, false, out, sizeof out);
	cr_assert_str_eq(out, "▁▂▃▄▅▆▇█");
	double down[] = {80, 70, 60};
	emr_sparkline(down, 3, false, out, sizeof out);
	cr_assert_str_eq(out, "█▅▁", "scaled between min and max, rounding to the nearest level");
}

Test(plot, sparkline_ascii_five_levels)
{
	char out[64];
	double five[] = {1, 2, 3, 4, 5};
	emr_sparkline(five, 5, true, out, sizeof out);
	cr_assert_str_eq(out, "_.-~^");
	double eight[] = {1, 2, 3, 4, 5, 6, 7, 8};
	emr_sparkline(eight, 8, true, out, sizeof out);
	cr_assert_str_eq(out, "_..--~~^");
}

Test(plot, sparkline_nan_is_a_gap)
{
	char out[64];
	double v[] = {1, NAN, 3, NAN};
	emr_sparkline(v, 4, false, out, sizeof out);
	cr_assert_str_eq(out, "▁ █ ");
	emr_sparkline(v, 4, true, out, sizeof out);
	cr_assert_str_eq(out, "_ ^ ");
	double none[] = {NAN, NAN};
	emr_sparkline(none, 2, false, out, sizeof out);
	cr_assert_str_eq(out, "  ");
}

Test(plot, sparkline_constant_is_mid_level)
{
	char out[64];
	double v[] = {120, 120, 120};
	emr_sparkline(v, 3, false, out, sizeof out);
	cr_assert_str_eq(out, "▄▄▄");
	emr_sparkline(v, 3, true, out, sizeof out);
	cr_assert_str_eq(out, "---");
	double one[] = {37.0};
	emr_sparkline(one, 1, false, out, sizeof out);
	cr_assert_str_eq(out, "▄");
}

Test(plot, sparkline_empty_and_small_buffers)
{
	char out[8] = "junk";
	emr_sparkline(NULL, 0, false, out, sizeof out);
	cr_assert_str_eq(out, "");
	double v[] = {1, 2, 3, 4, 5, 6, 7, 8};
	/* 7 bytes hold two 3-byte blocks and the NUL: never half a character. */
	emr_sparkline(v, 8, false, out, 7);
	cr_assert_str_eq(out, "▁▂");
	cr_assert(emr_utf8_valid(out, strlen(out)));
	emr_sparkline(v, 8, true, out, 4);
	cr_assert_str_eq(out, "_..");
	emr_sparkline(v, 8, false, out, 0);  /* must not write at all */
}

/* ---------------------------------------------------------------- plot */

Test(plot, three_points_braille_cells)
{
	/* 11 x 3 cells = 22 x 12 dots; y 0..10 is already a round scale. */
	double t[] = {0, 50, 100}, y[] = {0, 5, 10};
	emr_plot_opts o = {.width = 11, .height = 3, .unit = "mg/dL"};
	emr_plot p;
	cr_assert_eq(emr_plot_series(t, y, 3, &o, &p), 0);
	assert_widths(&p, &o);
	/* (t 0, y 0) -> dot (0, 11): cell row 2, col 0, left column bottom dot. */
	cr_assert(braille_bits(plot_cell(&p, 2, 0)) & 0x40, "[%s]", p.lines[2]);
	/* (50, 5) -> dot (11, 6): cell row 1, col 5, right column third dot. */
	cr_assert(braille_bits(plot_cell(&p, 1, 5)) & 0x20, "[%s]", p.lines[1]);
	/* (100, 10) -> dot (21, 0): cell row 0, col 10, right column top dot. */
	cr_assert(braille_bits(plot_cell(&p, 0, 10)) & 0x08, "[%s]", p.lines[0]);
	/* Corners away from the line stay empty. */
	cr_assert_eq(plot_cell(&p, 0, 0), ' ');
	cr_assert_eq(plot_cell(&p, 2, 10), ' ');
	/* The line joins the points: every column of cells has a dot. */
	for (int c = 0; c < 11; c++) {
		bool any = false;
		for (int r = 0; r < 3; r++)
			any |= braille_bits(plot_cell(&p, r, c)) != 0;
		cr_assert(any, "column %d is empty", c);
	}
	/* The scale's ends label the top and bottom rows; the unit sits under. */
	cr_assert(strstr(p.lines[0], "10 ┤"), "[%s]", p.lines[0]);
	cr_assert(strstr(p.lines[2], " 0 ┤"), "[%s]", p.lines[2]);
	cr_assert(strstr(p.lines[3], "mg/dL└───"), "[%s]", p.lines[3]);
	emr_plot_free(&p);
	cr_assert_null(p.lines);
}

Test(plot, three_points_ascii_cells)
{
	double t[] = {0, 50, 100}, y[] = {0, 5, 10};
	emr_plot_opts o = {.width = 11, .height = 5, .ascii = true};
	emr_plot p;
	cr_assert_eq(emr_plot_series(t, y, 3, &o, &p), 0);
	assert_widths(&p, &o);
	cr_assert_eq(plot_cell(&p, 4, 0), '*', "[%s]", p.lines[4]);
	cr_assert_eq(plot_cell(&p, 2, 5), '*', "[%s]", p.lines[2]);
	cr_assert_eq(plot_cell(&p, 0, 10), '*', "[%s]", p.lines[0]);
	int dots = 0, stars = 0;
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < 11; c++) {
			uint32_t ch = plot_cell(&p, r, c);
			dots += ch == '.';
			stars += ch == '*';
			cr_assert(ch < 0x80, "ASCII plot has a non-ASCII character at %d,%d", r, c);
		}
	cr_assert_eq(stars, 3);
	cr_assert_eq(dots, 8, "the lines fill the 8 cells between the points");
	for (int i = 0; i < p.nlines; i++)
		cr_assert(emr_utf8_valid(p.lines[i], strlen(p.lines[i])) && strspn(p.lines[i], " |+-.*0123456789") ==
		          strlen(p.lines[i]), "[%s]", p.lines[i]);
	emr_plot_free(&p);
}

Test(plot, reference_lines_at_their_rows)
{
	/* Scale 0..10 on 11 ASCII rows: one row per unit, 10 at the top.  The
	 * NAN breaks the line so no data crosses the reference rows. */
	double t[] = {0, 50, 100}, y[] = {10, NAN, 0};
	emr_plot_opts o = {.width = 10, .height = 11, .ascii = true, .has_low = true, .ref_low = 2,
	                   .has_high = true, .ref_high = 6};
	emr_plot p;
	cr_assert_eq(emr_plot_series(t, y, 3, &o, &p), 0);
	assert_widths(&p, &o);
	cr_assert_str_eq(p.lines[4], "     6 +- - - - - ", "high limit 6 on row 10-6 = 4");
	cr_assert_str_eq(p.lines[8], "     2 +- - - - - ", "low limit 2 on row 8");
	cr_assert_eq(plot_cell(&p, 5, 0), ' ');
	emr_plot_free(&p);

	/* Braille: 5 rows = 20 dot rows; 6 -> dot row 8 (cell 2), 2 -> 15 (cell 3). */
	o.ascii = false;
	o.height = 5;
	cr_assert_eq(emr_plot_series(t, y, 3, &o, &p), 0);
	assert_widths(&p, &o);
	cr_assert(strncmp(p.lines[2], "     6 ┤┄┄", strlen("     6 ┤┄┄")) == 0, "[%s]", p.lines[2]);
	cr_assert(strncmp(p.lines[3], "     2 ┤┄┄", strlen("     2 ┤┄┄")) == 0, "[%s]", p.lines[3]);
	cr_assert_null(strstr(p.lines[1], "┄"));
	emr_plot_free(&p);
}

Test(plot, reference_limits_keep_their_decimals)
{
	/* HbA1c: a 4.0-5.6 range is printed as such, not "4" and "6". */
	double t[] = {0, 1e7}, y[] = {7.9, 6.2};
	emr_plot_opts o = {.width = 20, .height = 8, .has_low = true, .ref_low = 4.0, .has_high = true,
	                   .ref_high = 5.6, .unit = "%"};
	emr_plot p;
	cr_assert_eq(emr_plot_series(t, y, 2, &o, &p), 0);
	assert_widths(&p, &o);
	bool low = false, high = false;
	for (int i = 0; i < o.height; i++) {
		low |= strncmp(p.lines[i], "   4.0 ┤┄", strlen("   4.0 ┤┄")) == 0;
		high |= strncmp(p.lines[i], "   5.6 ┤┄", strlen("   5.6 ┤┄")) == 0;
	}
	cr_assert(low && high);
	cr_assert(strstr(p.lines[0], "     8 ┤"), "the scale widens to include the range: [%s]", p.lines[0]);
	emr_plot_free(&p);
}

Test(plot, nice_scale_ends)
{
	double t[] = {0, 1, 2}, y[] = {6.2, 7.9, 7.1};
	emr_plot_opts o = {.width = 12, .height = 6};
	emr_plot p;
	cr_assert_eq(emr_plot_series(t, y, 3, &o, &p), 0);
	cr_assert(strncmp(p.lines[0], "   8.0 ┤", strlen("   8.0 ┤")) == 0, "[%s]", p.lines[0]);
	cr_assert(strncmp(p.lines[5], "   6.0 ┤", strlen("   6.0 ┤")) == 0, "[%s]", p.lines[5]);
	emr_plot_free(&p);
}

Test(plot, dates_under_the_axis)
{
	/* 2025-01-10 and 2025-11-24 (UTC). */
	double t[] = {1736521200, 1764000000}, y[] = {7.9, 6.2};
	emr_plot_opts o = {.width = 30, .height = 4};
	emr_plot p;
	cr_assert_eq(emr_plot_series(t, y, 2, &o, &p), 0);
	cr_assert_str_eq(p.lines[5], "        2025-01                2025-11");
	emr_plot_free(&p);
	/* Under two months apart, months alone would say nothing: days. */
	double near[] = {1736521200, 1736521200 + 20 * 86400.0};
	cr_assert_eq(emr_plot_series(near, y, 2, &o, &p), 0);
	cr_assert_str_eq(p.lines[5], "        2025-01-10          2025-01-30");
	emr_plot_free(&p);
	/* Too narrow for both: the first date only, still the exact width. */
	o.width = 12;
	cr_assert_eq(emr_plot_series(t, y, 2, &o, &p), 0);
	assert_widths(&p, &o);
	cr_assert_str_eq(p.lines[5], "        2025-01     ");
	emr_plot_free(&p);
}

Test(plot, exact_widths_everywhere)
{
	double t[] = {0, 10, 20, 30, 40, 50}, y[] = {1e6, 2, 3, NAN, -5, 0.001};
	const char *units[] = {NULL, "", "%", "mL/min/{1.73_m2}"};
	for (int a = 0; a < 2; a++)
		for (int w = 1; w <= 40; w += 13)
			for (int h = 2; h <= 12; h += 5)
				for (size_t u = 0; u < EMR_ARRAY_LEN(units); u++) {
					emr_plot_opts o = {.width = w, .height = h, .ascii = a, .unit = units[u],
					                   .has_low = true, .ref_low = 0.5, .has_high = u % 2, .ref_high = 123456.7};
					emr_plot p;
					cr_assert_eq(emr_plot_series(t, y, 6, &o, &p), 0);
					assert_widths(&p, &o);
					emr_plot_free(&p);
				}
}

Test(plot, degenerate_inputs)
{
	emr_plot_opts o = {.width = 20, .height = 5, .has_low = true, .ref_low = 70, .has_high = true, .ref_high = 99};
	emr_plot p;
	/* No data: an empty frame with the reference band. */
	cr_assert_eq(emr_plot_series(NULL, NULL, 0, &o, &p), 0);
	assert_widths(&p, &o);
	cr_assert(strstr(p.lines[0], "┄") || strstr(p.lines[4], "┄"));
	emr_plot_free(&p);

	/* One point sits mid-plot. */
	double t_one[] = {1000}, y_one[] = {85};
	cr_assert_eq(emr_plot_series(t_one, y_one, 1, &o, &p), 0);
	assert_widths(&p, &o);
	bool mid = false;
	for (int r = 0; r < 5; r++)
		mid |= braille_bits(plot_cell(&p, r, 10)) != 0;
	cr_assert(mid);
	cr_assert_str_eq(p.lines[6], "             1970-01-01     ", "its date under it: [%s]", p.lines[6]);
	emr_plot_free(&p);

	/* Identical times: a vertical stroke mid-plot, no division by zero. */
	double tt[] = {5, 5, 5}, yy[] = {60, 80, 100};
	cr_assert_eq(emr_plot_series(tt, yy, 3, &o, &p), 0);
	assert_widths(&p, &o);
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < 20; c++)
			if (c != 10)
				cr_assert_eq(braille_bits(plot_cell(&p, r, c)), 0u, "dot at %d,%d", r, c);
	emr_plot_free(&p);

	/* All NAN: the frame alone. */
	double tn[] = {1, 2}, yn[] = {NAN, NAN};
	o.has_low = o.has_high = false;
	cr_assert_eq(emr_plot_series(tn, yn, 2, &o, &p), 0);
	assert_widths(&p, &o);
	for (int r = 0; r < 5; r++)
		for (int c = 0; c < 20; c++)
			cr_assert_eq(plot_cell(&p, r, c), ' ');
	emr_plot_free(&p);

	/* Constant values: centred, not on the edge. */
	double tc[] = {0, 10, 20}, yc[] = {5, 5, 5};
	o.ascii = true;
	cr_assert_eq(emr_plot_series(tc, yc, 3, &o, &p), 0);
	cr_assert_eq(plot_cell(&p, 2, 0), '*', "[%s]", p.lines[2]);
	emr_plot_free(&p);

	/* Nonsense sizes are refused, leaving nothing to free. */
	o.width = 0;
	cr_assert_eq(emr_plot_series(tc, yc, 3, &o, &p), -1);
	cr_assert_null(p.lines);
	emr_plot_free(&p);
}
