/* markdown: visit notes through libcmark, rendered for a terminal (lines of
 * styled spans), as plain text, as an HTML fragment and as groff -ms.
 *
 * Every renderer starts from the same cleaned source: malformed UTF-8
 * becomes U+FFFD, control characters and bidirectional overrides are
 * dropped (tabs and line ends are kept, since Markdown's structure depends
 * on them).  The terminal and text renderers walk cmark's tree with an
 * iterator (no recursion, so deeply nested input cannot exhaust the
 * stack), collect each leaf block's inline text with one style byte per
 * text byte, and wrap it by display columns. */
#include "emr/markdown.h"

#include "emr/util.h"

#include <cmark.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistr.h>
#include <uniwidth.h>

#define CMARK_OPTS (CMARK_OPT_VALIDATE_UTF8)

/* ------------------------------------------------------------ cleaning */

/* Characters that never reach a renderer: C0/C1 controls but tab and line
 * ends, DEL, and the bidirectional embeddings, overrides and isolates. */
static bool md_hostile(ucs4_t c)
{
	if (c == '\t' || c == '\n')
		return false;
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C;
}

/* The source every renderer parses: valid UTF-8, "\r\n" and lone "\r"
 * made "\n", hostile characters removed. */
static char *md_clean(const char *md, size_t *len_out)
{
	if (!md)
		md = "";
	size_t n = strlen(md);
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, "", 0);
	const uint8_t *p = (const uint8_t *)md, *end = p + n;
	const uint8_t *run = p; /* start of bytes copied verbatim */
	while (p < end) {
		if (*p >= 0x20 && *p < 0x7F) {
			p++;
			continue;
		}
		ucs4_t c;
		int len = u8_mbtoucr(&c, p, (size_t)(end - p));
		if (len > 0 && !md_hostile(c)) {
			p += len;
			continue;
		}
		emr_sb_appendn(&sb, (const char *)run, (size_t)(p - run));
		if (len < 0) {
			emr_sb_append(&sb, "\xEF\xBF\xBD");
			p++;
		} else if (c == '\r') {
			emr_sb_putc(&sb, '\n');
			p += len;
			if (p < end && *p == '\n')
				p++;
		} else {
			p += len;
		}
		run = p;
	}
	emr_sb_appendn(&sb, (const char *)run, (size_t)(p - run));
	if (len_out)
		*len_out = sb.len;
	return emr_sb_take(&sb);
}

static cmark_node *md_parse(const char *md)
{
	size_t len;
	char *clean = md_clean(md, &len);
	cmark_node *doc = cmark_parse_document(clean, len, CMARK_OPTS);
	free(clean);
	if (!doc) {
		/* cmark only fails when out of memory. */
		fputs("emr: out of memory\n", stderr);
		exit(1);
	}
	return doc;
}

/* Display width of one character: wide CJK 2, combining marks 0. */
static int char_width(ucs4_t c)
{
	int w = uc_width(c, "UTF-8");
	return w < 0 ? 0 : w;
}

/* Length in bytes of the character at p (1 for a stray byte). */
static int char_at(const char *p, const char *end, ucs4_t *c)
{
	int len = u8_mbtoucr(c, (const uint8_t *)p, (size_t)(end - p));
	if (len <= 0) {
		*c = 0xFFFD;
		return 1;
	}
	return len;
}

/* Appends s with each tab expanded to the next multiple of 4 columns,
 * counting from col (the text's own column). */
static void append_expanded(emr_sb *sb, const char *s, size_t n)
{
	int col = 0;
	const char *p = s, *end = s + n;
	while (p < end) {
		if (*p == '\t') {
			do
				emr_sb_putc(sb, ' ');
			while (++col % 4);
			p++;
			continue;
		}
		ucs4_t c;
		int len = char_at(p, end, &c);
		emr_sb_appendn(sb, p, (size_t)len);
		col += char_width(c);
		p += len;
	}
}

/* ===================================================== terminal and text */

/* The characters that draw structure: box drawing on a terminal, ASCII in
 * a printout for lpr. */
typedef struct glyphs {
	const char *bullet[3];
	const char *quote;     /* the bar before quoted lines, with its space */
	const char *rule;      /* one column of a thematic break */
	const char *h1, *h2;   /* one column of a heading's underline */
} glyphs;

static const glyphs term_glyphs = {{"\u2022", "\u25E6", "\u25AA"}, "\u2502 ", "\u2500", "\u2550", "\u2500"};
static const glyphs text_glyphs = {{"*", "-", "+"}, "| ", "-", "=", "-"};

/* A prefix drawn before every line of a container: a quote's bar, or a
 * list item's marker on its first line and blanks of the same width on
 * the others. */
typedef struct prefix {
	char *first, *rest;
	int width;
	int first_style, rest_style;
	bool used;
} prefix;

/* An open list: what its items' markers look like. */
typedef struct list_state {
	bool ordered, paren, tight;
	int next;       /* the next item's number */
	int num_width;  /* digits of the largest number, for alignment */
	int bullet;     /* nesting depth among bullet lists */
} list_state;

typedef struct term {
	emr_md_doc *doc;
	size_t cap;
	int width;
	const glyphs *g;
	prefix *pre;
	size_t npre, precap;
	list_state *lists;
	size_t nlists, listcap;
	bool pending_blank;
	/* Inline text of the leaf block being read: bytes and one style byte
	 * per byte.  '\n' is a hard line break. */
	emr_sb text;
	uint8_t *style;
	size_t stylecap;
	int emph, strong, link, heading;
	size_t link_start;
	/* The line being filled. */
	emr_md_line line;
	size_t spancap;
	int col, avail;
	bool line_open;
} term;

static void line_add(term *t, const char *s, size_t n, int style)
{
	if (!n)
		return;
	emr_md_line *l = &t->line;
	if (l->nspans && l->spans[l->nspans - 1].style == style) {
		emr_md_span *sp = &l->spans[l->nspans - 1];
		size_t old = strlen(sp->text);
		sp->text = emr_xrealloc(sp->text, old + n + 1);
		memcpy(sp->text + old, s, n);
		sp->text[old + n] = '\0';
		return;
	}
	if (l->nspans == t->spancap) {
		t->spancap = t->spancap ? t->spancap * 2 : 4;
		l->spans = emr_xrealloc(l->spans, t->spancap * sizeof *l->spans);
	}
	char *copy = emr_xmalloc(n + 1);
	memcpy(copy, s, n);
	copy[n] = '\0';
	l->spans[l->nspans++] = (emr_md_span){copy, style};
}

/* The widest the prefixes may get: deep nesting must still leave room for
 * text, and no line may be wider than the screen. */
static int prefix_cap(const term *t)
{
	return t->width - 10;
}

/* Starts a line: the prefixes, the first line of an item with its marker. */
static void line_begin(term *t)
{
	memset(&t->line, 0, sizeof t->line);
	t->spancap = 0;
	int w = 0;
	for (size_t i = 0; i < t->npre; i++) {
		prefix *p = &t->pre[i];
		if (w + p->width > prefix_cap(t))
			break;
		w += p->width;
		const char *s = p->used ? p->rest : p->first;
		line_add(t, s, strlen(s), p->used ? p->rest_style : p->first_style);
		p->used = true;
	}
	t->col = 0;
	t->avail = t->width - w;
	t->line_open = true;
}

static void doc_push(term *t, emr_md_line line)
{
	emr_md_doc *d = t->doc;
	if (d->nlines == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		d->lines = emr_xrealloc(d->lines, t->cap * sizeof *d->lines);
	}
	d->lines[d->nlines++] = line;
}

static void line_end(term *t)
{
	if (!t->line_open)
		return;
	/* No trailing blanks (an item's marker before an empty code line,
	 * say): they only get in the way of copying and comparing. */
	emr_md_line *l = &t->line;
	while (l->nspans) {
		emr_md_span *sp = &l->spans[l->nspans - 1];
		size_t n = strlen(sp->text);
		while (n && sp->text[n - 1] == ' ')
			sp->text[--n] = '\0';
		if (n)
			break;
		free(sp->text);
		l->nspans--;
	}
	doc_push(t, t->line);
	memset(&t->line, 0, sizeof t->line);
	t->line_open = false;
}

/* A blank line between blocks: the bars of enclosing quotes, nothing else
 * (it never uses up an item's marker). */
static void blank_line(term *t)
{
	emr_md_line l = {0};
	emr_sb sb = EMR_SB_INIT;
	int w = 0;
	for (size_t i = 0; i < t->npre; i++) {
		const prefix *p = &t->pre[i];
		if (w + p->width > prefix_cap(t))
			break;
		w += p->width;
		emr_sb_append(&sb, p->used ? p->rest : p->first);
	}
	/* Trailing blanks serve nothing. */
	while (sb.len && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	if (sb.len) {
		l.spans = emr_xmalloc(sizeof *l.spans);
		l.spans[0] = (emr_md_span){emr_sb_take(&sb), EMR_MD_QUOTE};
		l.nspans = 1;
	}
	emr_sb_free(&sb);
	doc_push(t, l);
}

static void flush_blank(term *t)
{
	if (t->pending_blank && t->doc->nlines)
		blank_line(t);
	t->pending_blank = false;
}

/* Width of text[a, b). */
static int range_width(const char *text, size_t a, size_t b)
{
	int w = 0;
	const char *p = text + a, *end = text + b;
	while (p < end) {
		ucs4_t c;
		p += char_at(p, end, &c);
		w += char_width(c);
	}
	return w;
}

/* Adds text[a, b) to the line, one span per run of one style. */
static void add_range(term *t, const char *text, const uint8_t *style, size_t a, size_t b)
{
	while (a < b) {
		size_t e = a + 1;
		while (e < b && style[e] == style[a])
			e++;
		line_add(t, text + a, e - a, style[a]);
		a = e;
	}
}

/* Places a word that may not fit on any line: it fills what is left of
 * the line and continues on the next, breaking between characters (a
 * character is never split, and combining marks stay with their base). */
static void add_word(term *t, const char *text, const uint8_t *style, size_t a, size_t b)
{
	const char *end = text + b;
	while (a < b) {
		size_t p = a;
		int w = t->col;
		while (p < b) {
			ucs4_t c;
			int len = char_at(text + p, end, &c);
			int cw = char_width(c);
			if (w + cw > t->avail && cw > 0)
				break;
			w += cw;
			p += (size_t)len;
		}
		if (p == a) {
			if (t->col > 0) {
				/* Nothing fits after what is there: a new line. */
				line_end(t);
				line_begin(t);
				continue;
			}
			/* Not even one character fits an empty line: place it
			 * anyway rather than loop. */
			ucs4_t c;
			p += (size_t)char_at(text + p, end, &c);
			w += char_width(c);
		}
		add_range(t, text, style, a, p);
		t->col = w;
		a = p;
		if (a < b) {
			line_end(t);
			line_begin(t);
		}
	}
}

/* Wraps the collected inline text into lines: breaks at spaces, a word
 * longer than the line is broken, '\n' is a hard break. */
static void wrap(term *t, const char *text, const uint8_t *style, size_t len)
{
	line_begin(t);
	size_t sp_a = 0, sp_b = 0; /* the spaces before the next word */
	size_t i = 0;
	while (i < len) {
		if (text[i] == '\n') {
			line_end(t);
			line_begin(t);
			sp_a = sp_b = 0;
			i++;
			continue;
		}
		if (text[i] == ' ') {
			sp_a = i;
			while (i < len && text[i] == ' ')
				i++;
			sp_b = i;
			continue;
		}
		size_t w_a = i;
		while (i < len && text[i] != ' ' && text[i] != '\n')
			i++;
		int ww = range_width(text, w_a, i);
		int sw = (int)(sp_b - sp_a);
		if (t->col > 0 && sw > 0 && t->col + sw + ww <= t->avail) {
			add_range(t, text, style, sp_a, sp_b);
			t->col += sw;
		} else if (t->col > 0) {
			line_end(t);
			line_begin(t);
		}
		add_word(t, text, style, w_a, i);
		sp_a = sp_b = 0;
	}
	line_end(t);
}

static void push_prefix(term *t, const char *first, const char *rest, int first_style, int rest_style)
{
	if (t->npre == t->precap) {
		t->precap = t->precap ? t->precap * 2 : 8;
		t->pre = emr_xrealloc(t->pre, t->precap * sizeof *t->pre);
	}
	t->pre[t->npre++] = (prefix){emr_xstrdup(first), emr_xstrdup(rest), emr_display_width(first), first_style,
	                             rest_style, false};
}

static void pop_prefix(term *t)
{
	if (!t->npre)
		return;
	prefix *p = &t->pre[--t->npre];
	free(p->first);
	free(p->rest);
}

/* ------------------------------------------------------ inline collection */

static int cur_style(const term *t)
{
	int s = 0;
	if (t->strong || t->heading)
		s |= EMR_MD_BOLD;
	if (t->emph)
		s |= EMR_MD_ITALIC;
	if (t->link)
		s |= EMR_MD_LINK;
	if (t->heading)
		s |= EMR_MD_HEADING;
	return s;
}

static void put_text(term *t, const char *s, size_t n, int style)
{
	if (!n)
		return;
	size_t at = t->text.len;
	emr_sb_appendn(&t->text, s, n);
	/* A tab inside a paragraph is a space (a real one would move the
	 * cursor on a terminal). */
	for (size_t i = at; i < t->text.len; i++)
		if (t->text.buf[i] == '\t')
			t->text.buf[i] = ' ';
	if (t->text.len > t->stylecap) {
		t->stylecap = t->text.len * 2;
		t->style = emr_xrealloc(t->style, t->stylecap);
	}
	memset(t->style + t->text.len - n, style, n);
}

static void put_str(term *t, const char *s, int style)
{
	put_text(t, s, strlen(s), style);
}

/* Inline literal text; a newline inside (raw HTML) is a hard break. */
static void put_literal(term *t, const char *s, int style)
{
	put_str(t, s ? s : "", style);
}

/* Whether the visible text of a link already says its URL (autolinks). */
static bool link_says_url(const char *text, size_t n, const char *url)
{
	if (strlen(url) == n && memcmp(text, url, n) == 0)
		return true;
	return strncmp(url, "mailto:", 7) == 0 && strlen(url + 7) == n && memcmp(text, url + 7, n) == 0;
}

static void inline_event(term *t, cmark_node *node, cmark_event_type ev)
{
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_TEXT:
		put_literal(t, cmark_node_get_literal(node), cur_style(t));
		break;
	case CMARK_NODE_CODE:
		put_literal(t, cmark_node_get_literal(node), cur_style(t) | EMR_MD_CODE);
		break;
	case CMARK_NODE_HTML_INLINE:
		put_literal(t, cmark_node_get_literal(node), cur_style(t));
		break;
	case CMARK_NODE_SOFTBREAK:
		put_str(t, " ", cur_style(t));
		break;
	case CMARK_NODE_LINEBREAK:
		put_str(t, "\n", cur_style(t));
		break;
	case CMARK_NODE_EMPH:
		t->emph += ev == CMARK_EVENT_ENTER ? 1 : -1;
		break;
	case CMARK_NODE_STRONG:
		t->strong += ev == CMARK_EVENT_ENTER ? 1 : -1;
		break;
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE: {
		bool image = cmark_node_get_type(node) == CMARK_NODE_IMAGE;
		if (ev == CMARK_EVENT_ENTER) {
			t->link++;
			if (image)
				put_str(t, "[image: ", cur_style(t));
			t->link_start = t->text.len;
			break;
		}
		const char *url = cmark_node_get_url(node);
		url = url ? url : "";
		size_t start = t->link_start <= t->text.len ? t->link_start : t->text.len;
		bool says = link_says_url(t->text.buf ? t->text.buf + start : "", t->text.len - start, url);
		if (image) {
			if (t->text.len == start) {
				/* No alt text: "[image: " becomes "[image". */
				t->text.len -= 2;
				t->text.buf[t->text.len] = '\0';
			}
			put_str(t, "]", cur_style(t));
		}
		if (*url && (!says || image)) {
			put_str(t, " <", cur_style(t));
			/* A URL is one word: it breaks only where it must. */
			char *clean = emr_sanitize_dup(url, false);
			for (char *p = clean; *p; p++)
				if (*p == ' ')
					*p = '+';
			put_str(t, clean, cur_style(t));
			free(clean);
			put_str(t, ">", cur_style(t));
		}
		t->link--;
		break;
	}
	default:
		break;
	}
}

/* ---------------------------------------------------------- block events */

static bool in_tight_item(cmark_node *node)
{
	cmark_node *parent = cmark_node_parent(node);
	if (!parent || cmark_node_get_type(parent) != CMARK_NODE_ITEM)
		return false;
	cmark_node *list = cmark_node_parent(parent);
	return list && cmark_node_get_list_tight(list);
}

/* After a block: a blank line before the next, except between the blocks
 * of a tight list's item. */
static void block_done(term *t, cmark_node *node)
{
	t->pending_blank = !in_tight_item(node);
}

static void begin_inline(term *t)
{
	t->text.len = 0;
	if (t->text.buf)
		t->text.buf[0] = '\0';
	t->emph = t->strong = t->link = 0;
}

static void emit_code_lines(term *t, const char *literal, int style, bool by_words)
{
	const char *p = literal ? literal : "";
	size_t n = strlen(p);
	/* The literal ends with a newline; the last line is not an extra
	 * empty one. */
	if (n && p[n - 1] == '\n')
		n--;
	const char *end = p + n;
	emr_sb line = EMR_SB_INIT;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line.len = 0;
		emr_sb_appendn(&line, "", 0);
		append_expanded(&line, p, (size_t)(e - p));
		begin_inline(t);
		put_text(t, line.buf, line.len, style);
		bool marker_due = false;
		for (size_t i = 0; i < t->npre; i++)
			marker_due |= !t->pre[i].used && strcmp(t->pre[i].first, t->pre[i].rest) != 0;
		if (!line.len && !marker_due) {
			blank_line(t);
		} else if (!line.len) {
			/* The first line of a list item shows its marker. */
			line_begin(t);
			line_end(t);
		} else if (by_words) {
			wrap(t, t->text.buf, t->style, t->text.len);
		} else {
			/* Code keeps its spaces: only over-long lines break. */
			line_begin(t);
			add_word(t, t->text.buf, t->style, 0, t->text.len);
			line_end(t);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	emr_sb_free(&line);
}

static void emit_rule(term *t, const char *glyph, int cols, int style)
{
	emr_sb sb = EMR_SB_INIT;
	for (int i = 0; i < cols; i++)
		emr_sb_append(&sb, glyph);
	line_add(t, emr_sb_str(&sb), sb.len, style);
	emr_sb_free(&sb);
}

static void item_marker(term *t, list_state *l, char *buf, size_t n)
{
	if (l->ordered)
		snprintf(buf, n, "%*d%c ", l->num_width, l->next++, l->paren ? ')' : '.');
	else
		snprintf(buf, n, "%s ", t->g->bullet[l->bullet % 3]);
}

static void block_event(term *t, cmark_node *node, cmark_event_type ev)
{
	bool enter = ev == CMARK_EVENT_ENTER;
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_BLOCK_QUOTE:
		if (enter) {
			flush_blank(t);
			push_prefix(t, t->g->quote, t->g->quote, EMR_MD_QUOTE, EMR_MD_QUOTE);
		} else {
			pop_prefix(t);
			block_done(t, node);
		}
		break;
	case CMARK_NODE_LIST:
		if (enter) {
			flush_blank(t);
			if (t->nlists == t->listcap) {
				t->listcap = t->listcap ? t->listcap * 2 : 8;
				t->lists = emr_xrealloc(t->lists, t->listcap * sizeof *t->lists);
			}
			list_state *l = &t->lists[t->nlists];
			memset(l, 0, sizeof *l);
			l->ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
			l->paren = cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM;
			l->tight = cmark_node_get_list_tight(node);
			l->next = cmark_node_get_list_start(node);
			long items = 0;
			for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c))
				items++;
			char num[32];
			snprintf(num, sizeof num, "%ld", (long)l->next + (items ? items - 1 : 0));
			l->num_width = (int)strlen(num);
			for (size_t i = 0; i < t->nlists; i++)
				l->bullet += !t->lists[i].ordered;
			t->nlists++;
		} else {
			if (t->nlists)
				t->nlists--;
			block_done(t, node);
		}
		break;
	case CMARK_NODE_ITEM:
		if (enter) {
			flush_blank(t);
			char marker[48];
			if (t->nlists)
				item_marker(t, &t->lists[t->nlists - 1], marker, sizeof marker);
			else
				snprintf(marker, sizeof marker, "%s ", t->g->bullet[0]);
			char blanks[48];
			int w = emr_display_width(marker);
			snprintf(blanks, sizeof blanks, "%*s", w, "");
			push_prefix(t, marker, blanks, EMR_MD_MARKER, EMR_MD_PLAIN);
		} else {
			if (t->npre && !t->pre[t->npre - 1].used) {
				/* An empty item still shows its marker. */
				line_begin(t);
				line_end(t);
			}
			pop_prefix(t);
		}
		break;
	case CMARK_NODE_PARAGRAPH:
	case CMARK_NODE_HEADING:
		if (enter) {
			flush_blank(t);
			begin_inline(t);
			t->heading = cmark_node_get_type(node) == CMARK_NODE_HEADING;
			break;
		}
		{
			size_t first = t->doc->nlines;
			wrap(t, t->text.buf ? t->text.buf : "", t->style, t->text.len);
			if (t->heading) {
				int level = cmark_node_get_heading_level(node);
				int w = 0;
				for (size_t i = first; i < t->doc->nlines; i++) {
					int lw = 0;
					const emr_md_line *l = &t->doc->lines[i];
					for (size_t s = 0; s < l->nspans; s++)
						if (l->spans[s].style & EMR_MD_HEADING)
							lw += emr_display_width(l->spans[s].text);
					w = lw > w ? lw : w;
				}
				if (level <= 2 && w > 0) {
					line_begin(t);
					emit_rule(t, level == 1 ? t->g->h1 : t->g->h2, w, EMR_MD_HEADING | EMR_MD_RULE);
					line_end(t);
				}
			}
			t->heading = 0;
			block_done(t, node);
		}
		break;
	case CMARK_NODE_CODE_BLOCK:
		flush_blank(t);
		push_prefix(t, "  ", "  ", EMR_MD_PLAIN, EMR_MD_PLAIN);
		emit_code_lines(t, cmark_node_get_literal(node), EMR_MD_CODE, false);
		pop_prefix(t);
		block_done(t, node);
		break;
	case CMARK_NODE_HTML_BLOCK:
		/* Shown as the text it is, never interpreted. */
		flush_blank(t);
		emit_code_lines(t, cmark_node_get_literal(node), EMR_MD_PLAIN, true);
		block_done(t, node);
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		flush_blank(t);
		line_begin(t);
		emit_rule(t, t->g->rule, t->avail, EMR_MD_RULE);
		line_end(t);
		block_done(t, node);
		break;
	default:
		break;
	}
}

static bool is_inline(cmark_node_type type)
{
	return type >= CMARK_NODE_FIRST_INLINE && type <= CMARK_NODE_LAST_INLINE;
}

static int render_lines(const char *md, int width, const glyphs *g, emr_md_doc *out)
{
	memset(out, 0, sizeof *out);
	if (width < 20)
		width = 20;
	term t = {.doc = out, .width = width, .g = g};
	cmark_node *root = md_parse(md);
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		if (is_inline(cmark_node_get_type(node)))
			inline_event(&t, node, ev);
		else
			block_event(&t, node, ev);
	}
	cmark_iter_free(it);
	cmark_node_free(root);
	while (t.npre)
		pop_prefix(&t);
	free(t.pre);
	free(t.lists);
	free(t.style);
	emr_sb_free(&t.text);
	return 0;
}

int emr_md_render_terminal(const char *md, int width, emr_md_doc *out)
{
	return render_lines(md, width, &term_glyphs, out);
}

void emr_md_doc_free(emr_md_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->nlines; i++) {
		for (size_t s = 0; s < doc->lines[i].nspans; s++)
			free(doc->lines[i].spans[s].text);
		free(doc->lines[i].spans);
	}
	free(doc->lines);
	memset(doc, 0, sizeof *doc);
}

char *emr_md_line_text(const emr_md_line *line)
{
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, "", 0);
	for (size_t i = 0; line && i < line->nspans; i++)
		emr_sb_append(&sb, line->spans[i].text);
	return emr_sb_take(&sb);
}

char *emr_md_render_text(const char *md, int width)
{
	emr_md_doc doc;
	render_lines(md, width, &text_glyphs, &doc);
	emr_sb sb = EMR_SB_INIT;
	emr_sb_appendn(&sb, "", 0);
	for (size_t i = 0; i < doc.nlines; i++) {
		for (size_t s = 0; s < doc.lines[i].nspans; s++)
			emr_sb_append(&sb, doc.lines[i].spans[s].text);
		emr_sb_putc(&sb, '\n');
	}
	emr_md_doc_free(&doc);
	return emr_sb_take(&sb);
}

/* ================================================================= HTML */

/* Raw HTML becomes text (an inline run or a code block), and images
 * become links to them, so a printout never loads anything from
 * elsewhere. */
static void html_defuse(cmark_node *root)
{
	cmark_node **todo = NULL;
	size_t n = 0, cap = 0;
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		if (ev != CMARK_EVENT_ENTER)
			continue;
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(node);
		if (type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_IMAGE) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				todo = emr_xrealloc(todo, cap * sizeof *todo);
			}
			todo[n++] = node;
		}
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n; i++) {
		cmark_node *node = todo[i];
		cmark_node *repl;
		switch (cmark_node_get_type(node)) {
		case CMARK_NODE_HTML_BLOCK:
			repl = cmark_node_new(CMARK_NODE_CODE_BLOCK);
			cmark_node_set_literal(repl, cmark_node_get_literal(node));
			break;
		case CMARK_NODE_HTML_INLINE:
			repl = cmark_node_new(CMARK_NODE_TEXT);
			cmark_node_set_literal(repl, cmark_node_get_literal(node));
			break;
		default: { /* image */
			repl = cmark_node_new(CMARK_NODE_LINK);
			cmark_node_set_url(repl, cmark_node_get_url(node));
			cmark_node_set_title(repl, cmark_node_get_title(node));
			cmark_node *label = cmark_node_new(CMARK_NODE_TEXT);
			cmark_node_set_literal(label, cmark_node_first_child(node) ? "image: " : "image");
			cmark_node_append_child(repl, label);
			cmark_node *c;
			while ((c = cmark_node_first_child(node)) != NULL)
				cmark_node_append_child(repl, c);
			break;
		}
		}
		cmark_node_replace(node, repl);
		cmark_node_free(node);
	}
	free(todo);
}

char *emr_md_render_html(const char *md)
{
	cmark_node *root = md_parse(md);
	html_defuse(root);
	char *html = cmark_render_html(root, CMARK_OPT_DEFAULT);
	cmark_node_free(root);
	char *copy = emr_xstrdup(html ? html : "");
	free(html);
	return copy;
}

/* ================================================================ groff */

typedef struct groff {
	emr_sb out;
	/* Inline state. */
	int emph, strong, heading, code;
	int font_now;            /* the style bits of the font last selected */
	bool at_line_start;
	/* Lists: a stack of markers. */
	list_state *lists;
	size_t nlists, listcap;
	/* Items: whether the marker was used; the indent of its paragraphs. */
	struct gitem {
		char marker[48];
		int indent;      /* points: absolute, whatever the size of the text before */
		bool used;
	} *items;
	size_t nitems, itemcap;
	emr_sb quotes;           /* per open block quote: 'Q' for .QS, 'R' for .RS */
	size_t link_start;
} groff;

/* Appends text for groff: backslashes as \(rs, apostrophes and grave
 * accents as glyphs (an apostrophe can start a control line, and would end
 * a .tl part), a leading dot made harmless, every non-ASCII character as
 * \[uXXXX] (so nothing depends on preconv or the locale).  In fill mode
 * leading spaces of an input line are dropped (they would force a break). */
static void groff_text(groff *g, const char *s, size_t n, bool url)
{
	const char *p = s, *end = s + n;
	while (p < end) {
		unsigned char ch = (unsigned char)*p;
		if (g->at_line_start) {
			if (ch == ' ') {
				p++;
				continue;
			}
			if (ch == '.')
				emr_sb_append(&g->out, "\\&");
		}
		g->at_line_start = false;
		if (ch == '\\')
			emr_sb_append(&g->out, "\\(rs");
		else if (ch == '\'')
			emr_sb_append(&g->out, "\\(aq");
		else if (ch == '`')
			emr_sb_append(&g->out, "\\(ga");
		else if (ch == '-' && url)
			emr_sb_append(&g->out, "\\-");
		else if (ch == '\t')
			emr_sb_putc(&g->out, ' ');
		else if (ch == '\n') {
			emr_sb_putc(&g->out, '\n');
			g->at_line_start = true;
		} else if (ch < 0x80)
			emr_sb_putc(&g->out, (char)ch);
		else {
			ucs4_t c;
			int len = char_at(p, end, &c);
			emr_sb_printf(&g->out, "\\[u%04X]", (unsigned)c);
			p += len;
			continue;
		}
		/* Long URLs may break after a slash. */
		if (url && ch == '/')
			emr_sb_append(&g->out, "\\:");
		p++;
	}
}

static void groff_request(groff *g, const char *req)
{
	if (g->out.len && g->out.buf[g->out.len - 1] != '\n')
		emr_sb_putc(&g->out, '\n');
	emr_sb_append(&g->out, req);
	emr_sb_putc(&g->out, '\n');
	g->at_line_start = true;
	g->font_now = 0;
}

static const char *groff_font(int style)
{
	bool b = style & EMR_MD_BOLD, i = style & EMR_MD_ITALIC;
	if (style & EMR_MD_CODE)
		return b && i ? "CBI" : b ? "CB" : i ? "CI" : "CR";
	return b && i ? "BI" : b ? "B" : i ? "I" : "R";
}

static void groff_set_font(groff *g)
{
	int style = (g->strong || g->heading ? EMR_MD_BOLD : 0) | (g->emph ? EMR_MD_ITALIC : 0) |
	            (g->code ? EMR_MD_CODE : 0);
	if (style == g->font_now)
		return;
	emr_sb_printf(&g->out, "\\f[%s]", groff_font(style));
	g->font_now = style;
}

static void groff_inline(groff *g, cmark_node *node, cmark_event_type ev)
{
	bool enter = ev == CMARK_EVENT_ENTER;
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_TEXT:
	case CMARK_NODE_HTML_INLINE: {
		const char *s = cmark_node_get_literal(node);
		s = s ? s : "";
		groff_set_font(g);
		/* Raw HTML may hold newlines: they are spaces here. */
		for (const char *p = s; *p;) {
			size_t n = strcspn(p, "\n");
			groff_text(g, p, n, false);
			p += n;
			if (*p) {
				groff_text(g, " ", 1, false);
				p++;
			}
		}
		break;
	}
	case CMARK_NODE_CODE: {
		const char *s = cmark_node_get_literal(node);
		g->code++;
		groff_set_font(g);
		groff_text(g, s ? s : "", strlen(s ? s : ""), false);
		g->code--;
		groff_set_font(g);
		break;
	}
	case CMARK_NODE_SOFTBREAK:
		emr_sb_putc(&g->out, '\n');
		g->at_line_start = true;
		break;
	case CMARK_NODE_LINEBREAK: {
		/* .br keeps the font: only paragraph macros reset it. */
		int font = g->font_now;
		groff_request(g, ".br");
		g->font_now = font;
		break;
	}
	case CMARK_NODE_EMPH:
		g->emph += enter ? 1 : -1;
		groff_set_font(g);
		break;
	case CMARK_NODE_STRONG:
		g->strong += enter ? 1 : -1;
		groff_set_font(g);
		break;
	case CMARK_NODE_LINK:
	case CMARK_NODE_IMAGE: {
		bool image = cmark_node_get_type(node) == CMARK_NODE_IMAGE;
		if (enter) {
			if (image) {
				groff_set_font(g);
				groff_text(g, "[image: ", 8, false);
			}
			g->link_start = g->out.len;
			break;
		}
		const char *url = cmark_node_get_url(node);
		url = url ? url : "";
		if (image) {
			if (g->out.len == g->link_start) {
				/* No alt text: "[image: " becomes "[image". */
				g->out.len -= 2;
				g->out.buf[g->out.len] = '\0';
			}
			groff_text(g, "]", 1, false);
		}
		/* The visible text of an autolink is its URL already. */
		cmark_node *child = cmark_node_first_child(node);
		const char *lit = child && !cmark_node_next(child) && cmark_node_get_type(child) == CMARK_NODE_TEXT
			? cmark_node_get_literal(child) : NULL;
		bool says = lit && link_says_url(lit, strlen(lit), url);
		if (*url && (!says || image)) {
			char *clean = emr_sanitize_dup(url, false);
			groff_text(g, " <", 2, false);
			groff_text(g, clean, strlen(clean), true);
			groff_text(g, ">", 1, false);
			free(clean);
		}
		break;
	}
	default:
		break;
	}
}

/* Starts a block: inside a list item, its first block carries the marker
 * (.IP) and later ones are indented alike; elsewhere a plain paragraph. */
static void groff_block_start(groff *g)
{
	if (g->nitems) {
		struct gitem *it = &g->items[g->nitems - 1];
		char req[96];
		if (!it->used)
			snprintf(req, sizeof req, ".IP \"%s\" %dp", it->marker, it->indent);
		else
			snprintf(req, sizeof req, ".IP \"\" %dp", it->indent);
		it->used = true;
		groff_request(g, req);
	} else {
		groff_request(g, ".LP");
	}
}

static void groff_code_block(groff *g, const char *literal)
{
	groff_block_start(g);
	groff_request(g, ".nf");
	groff_request(g, ".ft CR");
	const char *p = literal ? literal : "";
	size_t n = strlen(p);
	if (n && p[n - 1] == '\n')
		n--;
	const char *end = p + n;
	emr_sb line = EMR_SB_INIT;
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line.len = 0;
		emr_sb_appendn(&line, "", 0);
		append_expanded(&line, p, (size_t)(e - p));
		/* Long lines break at 80 columns: no-fill mode would run them
		 * off the page. */
		const char *q = line.buf, *qend = line.buf + line.len;
		do {
			size_t take = emr_utf8_prefix_for_width(q, 80, NULL);
			if (!take && q < qend) {
				ucs4_t c;
				take = (size_t)char_at(q, qend, &c);
			}
			g->at_line_start = false;
			if (*q == '.' || *q == '\'')
				emr_sb_append(&g->out, "\\&");
			groff_text(g, q, take, false);
			emr_sb_putc(&g->out, '\n');
			q += take;
		} while (q < qend);
		if (!nl)
			break;
		p = nl + 1;
	}
	emr_sb_free(&line);
	groff_request(g, ".ft");
	groff_request(g, ".fi");
}

static void groff_block(groff *g, cmark_node *node, cmark_event_type ev)
{
	bool enter = ev == CMARK_EVENT_ENTER;
	switch (cmark_node_get_type(node)) {
	case CMARK_NODE_BLOCK_QUOTE:
		if (enter) {
			if (g->nitems && !g->items[g->nitems - 1].used)
				groff_block_start(g);
			/* ms quotations do not nest: an inner quote, or one in
			 * a list, is an indented block. */
			bool qs = g->quotes.len == 0 && g->nitems == 0;
			groff_request(g, qs ? ".QS" : ".RS");
			emr_sb_putc(&g->quotes, qs ? 'Q' : 'R');
		} else if (g->quotes.len) {
			char kind = g->quotes.buf[--g->quotes.len];
			g->quotes.buf[g->quotes.len] = '\0';
			groff_request(g, kind == 'Q' ? ".QE" : ".RE");
		}
		break;
	case CMARK_NODE_LIST:
		if (enter) {
			if (g->nitems && !g->items[g->nitems - 1].used)
				groff_block_start(g);
			if (g->nitems)
				groff_request(g, ".RS");
			if (g->nlists == g->listcap) {
				g->listcap = g->listcap ? g->listcap * 2 : 8;
				g->lists = emr_xrealloc(g->lists, g->listcap * sizeof *g->lists);
			}
			list_state *l = &g->lists[g->nlists];
			memset(l, 0, sizeof *l);
			l->ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
			l->paren = cmark_node_get_list_delim(node) == CMARK_PAREN_DELIM;
			l->next = cmark_node_get_list_start(node);
			long items = 0;
			for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c))
				items++;
			char num[32];
			snprintf(num, sizeof num, "%ld", (long)l->next + (items ? items - 1 : 0));
			l->num_width = (int)strlen(num);
			for (size_t i = 0; i < g->nlists; i++)
				l->bullet += !g->lists[i].ordered;
			g->nlists++;
		} else {
			if (g->nlists)
				g->nlists--;
			if (g->nitems)
				groff_request(g, ".RE");
		}
		break;
	case CMARK_NODE_ITEM:
		if (enter) {
			if (g->nitems == g->itemcap) {
				g->itemcap = g->itemcap ? g->itemcap * 2 : 8;
				g->items = emr_xrealloc(g->items, g->itemcap * sizeof *g->items);
			}
			struct gitem *it = &g->items[g->nitems++];
			memset(it, 0, sizeof *it);
			list_state *l = g->nlists ? &g->lists[g->nlists - 1] : NULL;
			if (l && l->ordered) {
				snprintf(it->marker, sizeof it->marker, "%d%c", l->next++, l->paren ? ')' : '.');
				it->indent = l->num_width * 5 + 9;
			} else {
				static const char *const bullets[] = {"\\(bu", "\\(en", "\\(bu"};
				snprintf(it->marker, sizeof it->marker, "%s", bullets[(l ? l->bullet : 0) % 3]);
				it->indent = 12;
			}
		} else {
			if (g->nitems && !g->items[g->nitems - 1].used) {
				groff_block_start(g);
				groff_request(g, "\\&");
			}
			if (g->nitems)
				g->nitems--;
		}
		break;
	case CMARK_NODE_PARAGRAPH:
		if (enter)
			groff_block_start(g);
		break;
	case CMARK_NODE_HEADING:
		if (enter) {
			if (g->nitems || g->quotes.len) {
				/* .SH would end the list or quote: a bold paragraph. */
				groff_block_start(g);
			} else {
				int level = cmark_node_get_heading_level(node);
				char req[16];
				snprintf(req, sizeof req, ".SH %d", level > 3 ? 3 : level);
				groff_request(g, req);
			}
			g->heading++;
		} else {
			g->heading--;
			g->font_now = -1;
			groff_set_font(g);
		}
		break;
	case CMARK_NODE_CODE_BLOCK:
	case CMARK_NODE_HTML_BLOCK:
		groff_code_block(g, cmark_node_get_literal(node));
		break;
	case CMARK_NODE_THEMATIC_BREAK:
		groff_block_start(g);
		groff_request(g, "\\l'\\n(.lu-\\n(.iu'");
		break;
	default:
		break;
	}
}

char *emr_md_render_groff(const char *md)
{
	groff g = {.at_line_start = true};
	emr_sb_appendn(&g.out, "", 0);
	cmark_node *root = md_parse(md);
	cmark_iter *it = cmark_iter_new(root);
	cmark_event_type ev;
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		if (is_inline(cmark_node_get_type(node)))
			groff_inline(&g, node, ev);
		else
			groff_block(&g, node, ev);
	}
	cmark_iter_free(it);
	cmark_node_free(root);
	/* Close what a malformed walk could leave open. */
	while (g.quotes.len) {
		char kind = g.quotes.buf[--g.quotes.len];
		groff_request(&g, kind == 'Q' ? ".QE" : ".RE");
	}
	emr_sb_free(&g.quotes);
	if (g.out.len && g.out.buf[g.out.len - 1] != '\n')
		emr_sb_putc(&g.out, '\n');
	free(g.lists);
	free(g.items);
	return emr_sb_take(&g.out);
}
