/* markdown: every CommonMark construct rendered for the terminal (the
 * rendered lines compared as text, at 40 and 20 columns), as plain text,
 * as HTML and as groff; wrapping by display width (CJK is two columns, a
 * character is never split); a 1 MB note; input that is not UTF-8.
 * Pure functions: no database. */
#include <criterion/criterion.h>

#include "emr/markdown.h"
#include "emr/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

TestSuite(markdown);

/* ---------------------------------------------------------------- helpers */

/* The terminal rendering as text, one "\n"-terminated line per line. */
static char *term_text(const char *md, int width)
{
	emr_md_doc doc;
	cr_assert_eq(emr_md_render_terminal(md, width, &doc), 0);
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, "", 0);
	for (size_t i = 0; i < doc.nlines; i++) {
		char *l = emr_md_line_text(&doc.lines[i]);
		cr_assert_leq(emr_display_width(l), width, "line %zu is wider than %d: [%s]", i, width, l);
		emr_sb_append(&sb, l);
		emr_sb_putc(&sb, '\n');
		free(l);
	}
	emr_md_doc_free(&doc);
	return emr_sb_take(&sb);
}

static void expect_term(const char *md, int width, const char *want)
{
	char *got = term_text(md, width);
	cr_assert_str_eq(got, want, "markdown:\n%s\nat width %d gave:\n%s\nwanted:\n%s", md, width, got, want);
	free(got);
}

/* The style of the first span whose text contains needle (-1 if none). */
static int style_of(const emr_md_doc *doc, const char *needle)
{
	for (size_t i = 0; i < doc->nlines; i++)
		for (size_t s = 0; s < doc->lines[i].nspans; s++)
			if (strstr(doc->lines[i].spans[s].text, needle))
				return doc->lines[i].spans[s].style;
	return -1;
}

static void expect_contains(const char *hay, const char *needle)
{
	cr_assert(strstr(hay, needle) != NULL, "expected to find [%s] in:\n%s", needle, hay);
}

static void expect_lacks(const char *hay, const char *needle)
{
	cr_assert(strstr(hay, needle) == NULL, "did not expect [%s] in:\n%s", needle, hay);
}

/* ------------------------------------------------------------- terminal */

Test(markdown, headings_underlined_by_level)
{
	const char *md = "# Assessment\n\n## Plan\n\n### Follow-up\n\nText.";
	expect_term(md, 40,
	            "Assessment\n"
	            "══════════\n"
	            "\n"
	            "Plan\n"
	            "────\n"
	            "\n"
	            "Follow-up\n"
	            "\n"
	            "Text.\n");
	emr_md_doc doc;
	emr_md_render_terminal(md, 40, &doc);
	cr_assert_eq(style_of(&doc, "Assessment"), EMR_MD_BOLD | EMR_MD_HEADING);
	cr_assert_eq(style_of(&doc, "Follow-up"), EMR_MD_BOLD | EMR_MD_HEADING);
	cr_assert_eq(style_of(&doc, "Text."), EMR_MD_PLAIN);
	emr_md_doc_free(&doc);
}

Test(markdown, emphasis_strong_code_styles)
{
	const char *md = "Some *soft*, **firm**, ***both*** and `x = 1`.";
	expect_term(md, 40, "Some soft, firm, both and x = 1.\n");
	emr_md_doc doc;
	emr_md_render_terminal(md, 40, &doc);
	cr_assert_eq(style_of(&doc, "soft"), EMR_MD_ITALIC);
	cr_assert_eq(style_of(&doc, "firm"), EMR_MD_BOLD);
	cr_assert_eq(style_of(&doc, "both"), EMR_MD_BOLD | EMR_MD_ITALIC);
	cr_assert_eq(style_of(&doc, "x = 1"), EMR_MD_CODE);
	emr_md_doc_free(&doc);
}

Test(markdown, bullet_lists_nest)
{
	const char *md = "- one\n- two\n  - two a\n    - deeper\n  - two b\n- three\n";
	expect_term(md, 40,
	            "\u2022 one\n"
	            "\u2022 two\n"
	            "  \u25E6 two a\n"
	            "    \u25AA deeper\n"
	            "  \u25E6 two b\n"
	            "\u2022 three\n");
	emr_md_doc doc;
	emr_md_render_terminal(md, 40, &doc);
	cr_assert_eq(style_of(&doc, "\u2022"), EMR_MD_MARKER);
	emr_md_doc_free(&doc);
}

Test(markdown, list_item_text_wraps_under_its_text)
{
	expect_term("- metformin 500 mg twice daily with meals, titrate\n", 20,
	            "\u2022 metformin 500 mg\n"
	            "  twice daily with\n"
	            "  meals, titrate\n");
}

Test(markdown, numbered_lists_keep_numbers_and_align)
{
	expect_term("1. first\n2. second\n   1. inner\n   2. inner two\n3. third\n", 40,
	            "1. first\n"
	            "2. second\n"
	            "   1. inner\n"
	            "   2. inner two\n"
	            "3. third\n");
	/* A list starting at 9 pads its numbers to the widest. */
	expect_term("9. nine\n10. ten\n", 40, " 9. nine\n10. ten\n");
	expect_term("3) three\n4) four\n", 40, "3) three\n4) four\n");
}

Test(markdown, loose_list_has_blank_lines)
{
	expect_term("- a\n\n- b\n", 40, "\u2022 a\n\n\u2022 b\n");
}

Test(markdown, block_quotes_nest_with_bars)
{
	const char *md = "> Patient states the pain began after lifting a box.\n>\n> > nested\n";
	expect_term(md, 40,
	            "\u2502 Patient states the pain began after\n"
	            "\u2502 lifting a box.\n"
	            "\u2502\n"
	            "\u2502 \u2502 nested\n");
	expect_term(md, 20,
	            "\u2502 Patient states the\n"
	            "\u2502 pain began after\n"
	            "\u2502 lifting a box.\n"
	            "\u2502\n"
	            "\u2502 \u2502 nested\n");
	emr_md_doc doc;
	emr_md_render_terminal(md, 40, &doc);
	cr_assert_eq(doc.lines[0].spans[0].style, EMR_MD_QUOTE);
	emr_md_doc_free(&doc);
}

Test(markdown, code_blocks_keep_spacing)
{
	const char *md = "```\nif (x)\n    y();\n\n\tz;\n```\n\n    indented code\n";
	expect_term(md, 40,
	            "  if (x)\n"
	            "      y();\n"
	            "\n"
	            "      z;\n"
	            "\n"
	            "  indented code\n");
	/* A long code line breaks between characters only where it must. */
	expect_term("```\nabcdefghijklmnopqrstuvwxyz\n```\n", 20,
	            "  abcdefghijklmnopqr\n"
	            "  stuvwxyz\n");
	emr_md_doc doc;
	emr_md_render_terminal(md, 40, &doc);
	cr_assert_eq(style_of(&doc, "if (x)"), EMR_MD_CODE);
	emr_md_doc_free(&doc);
}

Test(markdown, links_show_text_then_url)
{
	const char *md = "See [the guideline](https://example.org/htn) and <https://example.org/a>.";
	expect_term(md, 40,
	            "See the guideline\n"
	            "<https://example.org/htn> and\n"
	            "https://example.org/a.\n");
	expect_term("Mail <dr@example.org> now", 40, "Mail dr@example.org now\n");
	expect_term("![rash photo](rash.jpg)", 40, "[image: rash photo] <rash.jpg>\n");
	emr_md_doc doc;
	emr_md_render_terminal(md, 40, &doc);
	cr_assert_eq(style_of(&doc, "guideline"), EMR_MD_LINK);
	cr_assert_eq(style_of(&doc, "example.org/htn"), EMR_MD_LINK);
	emr_md_doc_free(&doc);
}

Test(markdown, thematic_break_fills_the_width)
{
	expect_term("above\n\n---\n\nbelow", 20,
	            "above\n"
	            "\n"
	            "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
	            "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\n"
	            "\n"
	            "below\n");
}

Test(markdown, hard_and_soft_breaks)
{
	expect_term("line one  \nline two\nsame line", 40, "line one\nline two same line\n");
	expect_term("back\\\nslash", 40, "back\nslash\n");
}

Test(markdown, tabs_in_text_are_spaces)
{
	/* A tab reaching a terminal would move the cursor. */
	expect_term("a\tb", 40, "a b\n");
	expect_term("- ```\n\n  x\n  ```\n", 40, "\u2022\n    x\n");
	char *g = emr_md_render_groff("a\tb");
	expect_contains(g, "a b");
	free(g);
}

Test(markdown, raw_html_is_text)
{
	expect_term("<div onclick=\"x\">hi</div>\n\nA <b>bold</b> claim", 40,
	            "<div onclick=\"x\">hi</div>\n"
	            "\n"
	            "A <b>bold</b> claim\n");
}

Test(markdown, wraps_at_spaces_at_width_20_and_40)
{
	const char *md = "Hypertension: continue lisinopril 20 mg daily; recheck BP in four weeks.";
	expect_term(md, 40,
	            "Hypertension: continue lisinopril 20 mg\n"
	            "daily; recheck BP in four weeks.\n");
	expect_term(md, 20,
	            "Hypertension:\n"
	            "continue lisinopril\n"
	            "20 mg daily; recheck\n"
	            "BP in four weeks.\n");
}

Test(markdown, long_word_is_broken_hard)
{
	expect_term("x supercalifragilisticexpialidocious y", 20,
	            "x\n"
	            "supercalifragilistic\n"
	            "expialidocious y\n");
}

Test(markdown, cjk_is_two_columns_and_never_split)
{
	/* 12 wide characters = 24 columns: 10 fit in 20. */
	expect_term("患者は頭痛を訴えています。昨日", 20,
	            "患者は頭痛を訴えてい\n"
	            "ます。昨日\n");
	/* After one narrow column only 9 wide ones fit (19 columns): the
	 * tenth would straddle the edge, so it moves down whole. */
	expect_term("a患者は頭痛を訴えています", 20,
	            "a患者は頭痛を訴えて\n"
	            "います\n");
	/* Mixed text breaks at the space before a CJK word that does not fit. */
	expect_term("BP ok 血圧は正常です今日は元気", 20,
	            "BP ok\n"
	            "血圧は正常です今日は\n"
	            "元気\n");
}

Test(markdown, combining_marks_stay_with_their_base)
{
	/* "e" + U+0301 is one column; breaking must keep them together. */
	char *got = term_text("xxxxxxxxxxxxxxxxxxxe\u0301e\u0301", 20);
	cr_assert_str_eq(got, "xxxxxxxxxxxxxxxxxxxe\u0301\ne\u0301\n");
	free(got);
}

Test(markdown, every_line_fits_every_width)
{
	const char *md =
		"# 診察記録 heading that is long enough to wrap\n\n"
		"> - quoted list item with **strong** words and 漢字の文章が続きます\n"
		">   1. nested number with a [link](https://example.org/a/very/long/path/indeed)\n\n"
		"```\na code line that is quite a bit longer than twenty columns\n```\n\n"
		"Tail paragraph, ordinary words, and more words.\n";
	for (int w = 20; w <= 70; w++) {
		char *got = term_text(md, w); /* term_text checks each line */
		cr_assert(strstr(got, "Tail") != NULL);
		free(got);
	}
}

Test(markdown, width_below_20_is_treated_as_20)
{
	char *a = term_text("one two three four five six seven", 20);
	emr_md_doc doc;
	emr_md_render_terminal("one two three four five six seven", 5, &doc);
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, "", 0);
	for (size_t i = 0; i < doc.nlines; i++) {
		char *l = emr_md_line_text(&doc.lines[i]);
		emr_sb_printf(&sb, "%s\n", l);
		free(l);
	}
	cr_assert_str_eq(emr_sb_str(&sb), a);
	emr_sb_free(&sb);
	emr_md_doc_free(&doc);
	free(a);
}

Test(markdown, deep_nesting_stays_within_the_width)
{
	emr_sb sb = EMR_SB_INIT;
	for (int i = 0; i < 500; i++)
		emr_sb_append(&sb, "> ");
	emr_sb_append(&sb, "deep words in a deep quote\n\n");
	for (int i = 0; i < 60; i++)
		emr_sb_printf(&sb, "%*s- level %d\n", i * 2, "", i);
	char *got = term_text(emr_sb_str(&sb), 30); /* checks widths */
	cr_assert(strstr(got, "deep words") != NULL);
	cr_assert(strstr(got, "level 59") != NULL);
	free(got);
	emr_sb_free(&sb);
}

Test(markdown, invalid_utf8_becomes_replacement_character)
{
	expect_term("na\xefve bad\xff byte \xe6\x82", 40, "na\uFFFDve bad\uFFFD byte \uFFFD\uFFFD\n");
	/* Control characters and bidi overrides never reach the screen. */
	expect_term("red\x1b[31m alert\x07 \u202Eevil", 40, "red[31m alert evil\n");
	char *html = emr_md_render_html("bad\xff\x1b");
	cr_assert_str_eq(html, "<p>bad\uFFFD</p>\n");
	free(html);
	char *g = emr_md_render_groff("bad\xff");
	expect_contains(g, "bad\\[uFFFD]");
	free(g);
	char *t = emr_md_render_text("\xc3", 40);
	cr_assert_str_eq(t, "\uFFFD\n");
	free(t);
}

Test(markdown, empty_and_null_input)
{
	emr_md_doc doc;
	cr_assert_eq(emr_md_render_terminal("", 40, &doc), 0);
	cr_assert_eq(doc.nlines, 0);
	emr_md_doc_free(&doc);
	cr_assert_eq(emr_md_render_terminal(NULL, 40, &doc), 0);
	emr_md_doc_free(&doc);
	char *s = emr_md_render_text("", 80);
	cr_assert_str_eq(s, "");
	free(s);
	s = emr_md_line_text(NULL);
	cr_assert_str_eq(s, "");
	free(s);
}

/* A note of about 1 MB: every renderer copes, in reasonable time. */
Test(markdown, one_megabyte_note)
{
	emr_sb sb = EMR_SB_INIT;
	int i = 0;
	while (sb.len < (1u << 20)) {
		emr_sb_printf(&sb, "## Section %d\n\nParagraph %d with *emphasis*, **strong** text, 漢字 and a "
		                   "[link](https://example.org/%d).\n\n- item one\n- item two\n\n", i, i, i);
		i++;
	}
	/* And one paragraph of 200 KB without a space. */
	for (int k = 0; k < 200000; k++)
		emr_sb_putc(&sb, 'x');
	clock_t t0 = clock();
	emr_md_doc doc;
	cr_assert_eq(emr_md_render_terminal(emr_sb_str(&sb), 80, &doc), 0);
	cr_assert_gt(doc.nlines, (size_t)i * 6);
	for (size_t k = 0; k < doc.nlines; k++) {
		int w = 0;
		for (size_t s = 0; s < doc.lines[k].nspans; s++)
			w += emr_display_width(doc.lines[k].spans[s].text);
		cr_assert_leq(w, 80);
	}
	emr_md_doc_free(&doc);
	char *text = emr_md_render_text(emr_sb_str(&sb), 80);
	expect_contains(text, "Section 0\n---------\n");
	free(text);
	char *html = emr_md_render_html(emr_sb_str(&sb));
	expect_contains(html, "<h2>Section 1</h2>");
	free(html);
	char *g = emr_md_render_groff(emr_sb_str(&sb));
	expect_contains(g, ".SH 2");
	free(g);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	cr_assert_lt(secs, 20.0, "1 MB took %.1f s", secs);
	emr_sb_free(&sb);
}

/* ----------------------------------------------------------- plain text */

Test(markdown, plain_text_uses_ascii_structure)
{
	char *t = emr_md_render_text("# Plan\n\n## Meds\n\n- a\n  - b\n\n> q\n\n---\n\n[x](http://e.org)", 20);
	cr_assert_str_eq(t,
	                 "Plan\n"
	                 "====\n"
	                 "\n"
	                 "Meds\n"
	                 "----\n"
	                 "\n"
	                 "* a\n"
	                 "  - b\n"
	                 "\n"
	                 "| q\n"
	                 "\n"
	                 "--------------------\n"
	                 "\n"
	                 "x <http://e.org>\n");
	free(t);
}

/* ----------------------------------------------------------------- HTML */

Test(markdown, html_of_every_construct)
{
	char *h = emr_md_render_html(
		"# H1\n\n## H2\n\n*em* **strong** `code`\n\n- a\n  - b\n\n3. c\n4. d\n\n> quote\n\n"
		"```\nblock <x>\n```\n\n[link](https://example.org/?a=1&b=2)\n\n---\n\nhard  \nbreak\n");
	expect_contains(h, "<h1>H1</h1>");
	expect_contains(h, "<h2>H2</h2>");
	expect_contains(h, "<em>em</em>");
	expect_contains(h, "<strong>strong</strong>");
	expect_contains(h, "<code>code</code>");
	expect_contains(h, "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>");
	expect_contains(h, "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>");
	expect_contains(h, "<blockquote>\n<p>quote</p>\n</blockquote>");
	expect_contains(h, "<pre><code>block &lt;x&gt;\n</code></pre>");
	expect_contains(h, "<a href=\"https://example.org/?a=1&amp;b=2\">link</a>");
	expect_contains(h, "<hr />");
	expect_contains(h, "hard<br />\nbreak");
	free(h);
}

Test(markdown, html_never_passes_raw_html_or_scripts)
{
	char *h = emr_md_render_html("<script>alert(1)</script>\n\nA <img src=x onerror=alert(1)> "
	                             "[bad](javascript:alert(1)) ![pic](http://tracker.example/p.png)\n");
	expect_lacks(h, "<script");
	expect_lacks(h, "<img");
	expect_lacks(h, "javascript:");
	expect_contains(h, "&lt;script&gt;alert(1)&lt;/script&gt;");
	expect_contains(h, "&lt;img src=x onerror=alert(1)&gt;");
	/* An image becomes a link to it: nothing loads by itself. */
	expect_contains(h, "<a href=\"http://tracker.example/p.png\">image: pic</a>");
	free(h);
}

/* ---------------------------------------------------------------- groff */

Test(markdown, groff_of_every_construct)
{
	char *g = emr_md_render_groff("# Title\n\n*em* **strong** `code`\n\n- a\n  - b\n\n1. one\n\n> quote\n\n"
	                              "```\ncode\n```\n\n[link](https://e.org/x)\n\n---\n");
	expect_contains(g, ".SH 1\n\\f[B]Title\\f[R]\n");
	expect_contains(g, "\\f[I]em\\f[R]");
	expect_contains(g, "\\f[B]strong\\f[R]");
	expect_contains(g, "\\f[CR]code\\f[R]");
	expect_contains(g, ".IP \"\\(bu\" 12p\na\n.RS\n.IP \"\\(en\" 12p\nb\n.RE\n");
	expect_contains(g, ".IP \"1.\" 14p\none\n");
	expect_contains(g, ".QS\n.LP\nquote\n.QE\n");
	expect_contains(g, ".nf\n.ft CR\ncode\n.ft\n.fi\n");
	expect_contains(g, "link <https:/\\:/\\:e.org/\\:x>");
	expect_contains(g, "\\l'");
	free(g);
}

Test(markdown, groff_font_survives_a_hard_break)
{
	char *g = emr_md_render_groff("**a  \nb** c");
	expect_contains(g, "\\f[B]a\n.br\nb\\f[R] c");
	free(g);
}

Test(markdown, groff_escapes_what_groff_would_interpret)
{
	char *g = emr_md_render_groff("a\n.bp\n'br\n\\fBx \\\\n[y]\n\n```\n.so /etc/passwd\n```\n");
	/* No line starts a request, and no backslash survives unescaped. */
	for (const char *l = g; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		if (len >= 3 && (strncmp(l, ".bp", 3) == 0 || strncmp(l, ".so", 3) == 0 || strncmp(l, "'br", 3) == 0))
			cr_assert_fail("a control line got through: %.*s", (int)len, l);
		l += len + (nl ? 1 : 0);
	}
	expect_contains(g, "\\&.bp");
	expect_contains(g, "\\(aqbr");
	expect_contains(g, "\\(rsfBx");
	expect_contains(g, "\\&.so /etc/passwd");
	free(g);
	/* Non-ASCII goes as \[uXXXX], so nothing depends on the locale. */
	g = emr_md_render_groff("José 李");
	expect_contains(g, "Jos\\[u00E9] \\[u674E]");
	free(g);
}
