/* ui_textedit: the built-in editor, a multi-line text view for when no
 * external editor can be run (or EMR_EDITOR=builtin).  The buffer and its
 * movements are the curses-free textbuf (textbuf.h); this is the screen.
 *
 * Keys: arrows, Home/End, PgUp/PgDn, Enter, Backspace/Delete, typing
 * (UTF-8, wide characters too); Ctrl-S (F2) saves; Esc asks before
 * discarding changes. */
#ifndef EMR_UI_TEXTEDIT_H
#define EMR_UI_TEXTEDIT_H

#include "emr/tui.h"

/* Called on Ctrl-S with the whole text: stores it and returns 0 to close
 * the editor, or non-zero to keep it open with the text as it is (after
 * saying why on the status line). */
typedef int (*ui_textedit_save_fn)(tui_app *app, void *ctx, const char *text);

/* An editor on text, titled title.  ctx is passed to save and released
 * with free_ctx (may be NULL) when the view closes. */
tui_view *ui_textedit_new(tui_app *app, const char *title, const char *text, ui_textedit_save_fn save, void *ctx,
                          void (*free_ctx)(void *ctx));

/* The view's name and keymap, the very ones its help overlay shows. */
const tui_binding *ui_textedit_keymap(const char **name);

#endif
