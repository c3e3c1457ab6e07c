/* tui: the framework under every curses screen of emr.
 *
 * The shape (after tig and htop):
 *   - The application (tui_app) holds the one database handle, the user,
 *     a stack of views, the status line and the screen size.
 *   - A view is a state struct plus an ops table (tui_view_ops): draw,
 *     text input, and a keymap.  Views never run SQL: they call the domain
 *     layer (patient.h, clinical.h, chart.h ...) which returns structs.
 *   - Keys are data: each view has one keymap table (tui_binding[]), and
 *     the same table drives dispatch and the `?` help overlay, so help
 *     cannot drift from behaviour.  Global bindings (tui_global_keys) come
 *     after the view's.
 *   - Actions never draw: they change state and return flags (TUI_REDRAW,
 *     TUI_POP, ...); the main loop repaints once.  curses' own refresh
 *     optimisation sends only the changed cells, which matters over SSH.
 *
 * Text from the database goes through tui_text(), which strips control
 * characters and clips to a display width (wide CJK characters count 2).
 *
 * Ownership: views are created by their constructors (ui_*.h), pushed with
 * tui_push() and then owned by the app, which calls ops->destroy when they
 * are popped. */
#ifndef EMR_TUI_H
#define EMR_TUI_H

#include "emr/cli.h"
#include "emr/db.h"
#include "emr/practice.h"

#include <curses.h>
#include <stdbool.h>

/* What an action asks of the main loop (bit flags). */
enum {
	TUI_OK       = 0,       /* handled, nothing to repaint */
	TUI_REDRAW   = 1 << 0,  /* repaint the screen */
	TUI_POP      = 1 << 1,  /* close the current view */
	TUI_QUIT     = 1 << 2,  /* leave emr */
	TUI_UNKNOWN  = 1 << 3,  /* not mine: try the next handler */
};

typedef struct tui_app tui_app;
typedef struct tui_view tui_view;

/* One line of a keymap: up to four keys run the same action.  `keys` is
 * for the help overlay ("j/Down"), `help` says what it does. */
typedef struct tui_binding {
	int key[4];             /* curses key codes; 0 ends the list */
	const char *keys;       /* as shown in help and footers */
	const char *help;
	int (*run)(tui_app *app, tui_view *view);
} tui_binding;

/* Keymaps hold characters as themselves and curses key codes (KEY_UP,
 * KEY_F(1), ...) marked with TUI_KEYCODE, because a key code and a typed
 * character can share a number (KEY_UP is 259, and so is U+0103 'ă'). */
#define TUI_KEYCODE(k) ((int)(k) | (1 << 24))
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_KEY_ESC 27
#define TUI_KEY_TAB 9

typedef struct tui_view_ops {
	const char *name;                  /* shown in help: "Patient list" */
	const tui_binding *keymap;         /* ends with an entry whose run is NULL */
	/* Paints the view into the rectangle (y, x, h, w) of stdscr. */
	void (*draw)(tui_app *app, tui_view *view, int y, int x, int h, int w);
	/* Keys the keymap did not claim (typing into a search box or a
	 * field); returns TUI_* flags, TUI_UNKNOWN if not wanted.  May be NULL. */
	int (*input)(tui_app *app, tui_view *view, int key, bool is_keycode);
	/* Called before a view on top of this one is popped, so it can
	 * reload what may have changed.  May be NULL. */
	void (*resume)(tui_app *app, tui_view *view);
	/* True when leaving would lose typed data (forms ask first). */
	bool (*dirty)(tui_view *view);
	/* True while printable keys are text (a search box, a form field):
	 * then they go to input() before the global keys (? and q), which
	 * stay reachable as F1 and Esc.  May be NULL (= false). */
	bool (*wants_text)(tui_view *view);
	void (*destroy)(tui_view *view);
} tui_view_ops;

/* Every view struct starts with this. */
struct tui_view {
	const tui_view_ops *ops;
	tui_view *below;                   /* the view under it on the stack */
};

struct tui_app {
	emr_cli *cli;                      /* the database and the user */
	emr_db *db;
	tui_view *top;                     /* the view stack */
	char status[256];                  /* message on the status line */
	bool status_is_error;
	bool help_open;                    /* the ? overlay is showing */
	int help_scroll;
	int64_t patient_id;                /* the current patient, 0 = none */
	char patient_label[128];           /* shown on the status line */
	bool colors;                       /* has_colors(): else bold/reverse */
	bool quit;
	bool plain_ascii;                  /* no UTF-8 locale: ASCII drawing */
	/* Where the terminal cursor goes after painting: a view with a text
	 * field sets these in draw(); otherwise the cursor is hidden. */
	bool cursor_visible;
	int cursor_y, cursor_x;
	/* The key being handled, for actions shared by several keys. */
	int last_key;
	/* When EMR_KEY_TIMING names a file, each key's time from arrival to
	 * the updated screen is appended to it (for make bench). */
	FILE *key_timing;
	/* Automatic logoff: after idle_seconds without a key (0 = never) the
	 * screen is blanked until the user's passphrase is entered. */
	int idle_seconds;
	double idle_since;                 /* CLOCK_MONOTONIC seconds */
};

/* Colour pairs (used only when app->colors). */
enum { TUI_PAIR_TITLE = 1, TUI_PAIR_SELECT, TUI_PAIR_ALERT, TUI_PAIR_DIM, TUI_PAIR_OK, TUI_PAIR_WARN };

/* The smallest screen emr draws on; below it says "terminal too small". */
#define TUI_MIN_COLS 60
#define TUI_MIN_ROWS 20

/* Runs the interface until the user quits. */
int tui_run(emr_cli *cli, tui_view *(*first)(tui_app *app));

void tui_push(tui_app *app, tui_view *view);
/* Pops the top view (asking first if it is dirty, unless force). */
void tui_pop(tui_app *app);

/* Sets the status-line message (printf-style); errors show highlighted. */
void tui_message(tui_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tui_error(tui_app *app, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Asks a yes/no question on the status line; true for y. */
bool tui_confirm(tui_app *app, const char *question);
/* Asks for a line of text on the status line (Esc cancels -> false).
 * buf holds the initial text and receives the answer. */
bool tui_prompt(tui_app *app, const char *question, char *buf, size_t n);
/* The same for a passphrase: each character shows as '*'; no initial
 * text.  buf receives the answer (the caller wipes it after use). */
bool tui_prompt_secret(tui_app *app, const char *question, char *buf, size_t n);
/* Pops every view above the bottom one (the patient list), asking before
 * discarding typed data; false if the user chose to stay. */
bool tui_pop_to_bottom(tui_app *app);

/* Global keys, shared by every view: ?/F1 help, Ctrl-F find a patient
 * (back to the patient list from anywhere), Ctrl-L repaint, q/Esc back.
 * The save key of forms is Ctrl-S (and F2): the terminal's XON/XOFF flow
 * control is switched off so that Ctrl-S reaches emr. */
extern const tui_binding tui_global_keys[];

/* ------------------------------------------------------------- drawing */

/* Writes s at (y, x), control characters stripped, clipped to w columns
 * (never splitting a wide character); returns the columns used. */
int tui_text(int y, int x, int w, const char *s);
/* Same, padded with spaces to exactly w columns. */
void tui_text_pad(int y, int x, int w, const char *s);
/* Turns attributes on for a role, with a monochrome fallback
 * (title = bold, select = reverse, alert = bold+reverse, dim = dim). */
void tui_attr_on(const tui_app *app, int pair);
void tui_attr_off(const tui_app *app, int pair);
/* A horizontal rule with a title, at row y from x for w columns. */
void tui_rule(const tui_app *app, int y, int x, int w, const char *title, bool focused);

#endif
