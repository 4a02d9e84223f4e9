#ifndef TINYLOC_NCURSESW_SHIM_H
#define TINYLOC_NCURSESW_SHIM_H

// Without this the wide-character API (cchar_t, setcchar, mvadd_wch) is not declared.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <stdio.h>
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

// Swift 6 rejects mutable C globals and does not import function-like macros; these accessors
// give Swift what it needs, and keep every such access in one obvious place.
static inline WINDOW *tl_stdscr(void) { return stdscr; }
static inline int tl_cols(void) { return COLS; }
static inline int tl_lines(void) { return LINES; }
static inline FILE *tl_stdout(void) { return stdout; }
static inline FILE *tl_stdin(void) { return stdin; }
static inline attr_t tl_a_bold(void) { return A_BOLD; }
static inline attr_t tl_a_reverse(void) { return A_REVERSE; }
static inline attr_t tl_a_dim(void) { return A_DIM; }
static inline attr_t tl_a_underline(void) { return A_UNDERLINE; }
static inline attr_t tl_color_pair(int n) { return COLOR_PAIR(n); }
static inline int tl_colors(void) { return COLORS; }
static inline int tl_color_pairs(void) { return COLOR_PAIRS; }
static inline int tl_key_resize(void) { return KEY_RESIZE; }
static inline int tl_key_up(void) { return KEY_UP; }
static inline int tl_key_down(void) { return KEY_DOWN; }
static inline int tl_key_left(void) { return KEY_LEFT; }
static inline int tl_key_right(void) { return KEY_RIGHT; }
static inline int tl_key_btab(void) { return KEY_BTAB; }
static inline int tl_key_enter(void) { return KEY_ENTER; }
static inline int tl_key_mouse(void) { return KEY_MOUSE; }
// Presses and clicks of the left button only: the workbench never needs motion reports, which
// would wake it on every mouse move.
static inline void tl_enable_mouse(void) { mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED, NULL); mouseinterval(0); }
// The cell of a left-button press or click just reported by KEY_MOUSE; 0 for any other event.
static inline int tl_mouse_click(int *y, int *x) {
    MEVENT event;
    if (getmouse(&event) != OK || !(event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))) return 0;
    *y = event.y; *x = event.x;
    return 1;
}
static inline int tl_err(void) { return ERR; }
static inline int tl_ok(void) { return OK; }
static inline void tl_getmaxyx(WINDOW *w, int *y, int *x) { int yy, xx; getmaxyx(w, yy, xx); *y = yy; *x = xx; }
static inline int tl_add_wide(int y, int x, const wchar_t *wch, attr_t attr, short pair) {
    cchar_t c;
    if (setcchar(&c, wch, attr, pair, NULL) != OK) return ERR;
    return mvadd_wch(y, x, &c);
}

// Whether terminfo knows `term` and it can move the cursor ("cup"): 1 yes, 0 known but cannot,
// -1 unknown to terminfo. Loads the entry into a throwaway TERMINAL and restores the current one,
// so it is safe to call before (or instead of) starting curses.
static inline int tl_term_can_address(const char *term) {
    int err = 0;
    TERMINAL *saved = cur_term;
    if (setupterm((char *)term, 1, &err) != OK) { set_curterm(saved); return -1; }
    char *cup = tigetstr("cup");
    int ok = cup != NULL && cup != (char *)-1;
    TERMINAL *loaded = set_curterm(saved);
    if (loaded != saved) del_curterm(loaded);
    return ok;
}
#endif
