/* markdown: visit notes rendered through libcmark, for the screen, for
 * plain-text printouts, for HTML and for groff (PDF).
 *
 * The terminal rendering is curses-free: a document becomes lines of
 * styled spans, wrapped to a width by display columns (wide characters
 * count 2), which the pager draws and the tests compare as text.
 *
 * Every CommonMark construct has a rendering: headings, emphasis, strong,
 * lists (nested, numbered), block quotes, code spans and blocks, links
 * (the text, then the URL), images (alt text and URL), thematic breaks,
 * hard and soft breaks.  Raw HTML in a note is shown as text, never
 * interpreted.
 *
 * Ownership: emr_md_doc is freed with emr_md_doc_free; char * results are
 * heap memory the caller frees. */
#ifndef EMR_MARKDOWN_H
#define EMR_MARKDOWN_H

#include <stddef.h>

enum emr_md_style {
	EMR_MD_PLAIN    = 0,
	EMR_MD_BOLD     = 1 << 0,   /* strong, and headings */
	EMR_MD_ITALIC   = 1 << 1,   /* emphasis (shown underlined on a terminal) */
	EMR_MD_CODE     = 1 << 2,
	EMR_MD_HEADING  = 1 << 3,
	EMR_MD_LINK     = 1 << 4,   /* link text and its URL */
	EMR_MD_QUOTE    = 1 << 5,   /* the quote bar */
	EMR_MD_RULE     = 1 << 6,   /* a thematic break */
	EMR_MD_MARKER   = 1 << 7,   /* list bullets and numbers */
};

typedef struct emr_md_span {
	char *text;                 /* UTF-8, no control characters */
	int style;                  /* emr_md_style bits */
} emr_md_span;

typedef struct emr_md_line {
	emr_md_span *spans;
	size_t nspans;
} emr_md_line;

typedef struct emr_md_doc {
	emr_md_line *lines;
	size_t nlines;
} emr_md_doc;

/* Renders md for a terminal of width columns (>= 20).  Text that is not
 * valid UTF-8 is shown with U+FFFD in place of the bad bytes. */
int emr_md_render_terminal(const char *md, int width, emr_md_doc *out);
void emr_md_doc_free(emr_md_doc *doc);
/* One line's text without styles (for tests and for / search). */
char *emr_md_line_text(const emr_md_line *line);

/* Plain text wrapped to width columns (80 for lpr): headings underlined,
 * lists indented, links as "text <url>". */
char *emr_md_render_text(const char *md, int width);
/* An HTML fragment (cmark's HTML renderer with raw HTML escaped). */
char *emr_md_render_html(const char *md);
/* groff -ms source for the body (no macros package header). */
char *emr_md_render_groff(const char *md);

#endif
