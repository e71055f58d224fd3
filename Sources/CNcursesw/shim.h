#ifndef CNCURSESW_SHIM_H
#define CNCURSESW_SHIM_H

/* SwiftPM strips the -D flags of ncursesw.pc, and curses.h only declares the wide-character API
   (mvwadd_wch, wget_wch, setcchar) when NCURSES_WIDECHAR is set. */
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif

#include <locale.h>
#include <langinfo.h>
#include <wchar.h>
#include <ncursesw/curses.h>

/* Attribute macros are compound expressions Swift cannot import. */
static inline attr_t cn_a_normal(void) { return A_NORMAL; }
static inline attr_t cn_a_bold(void) { return A_BOLD; }
static inline attr_t cn_a_reverse(void) { return A_REVERSE; }
static inline attr_t cn_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cn_a_dim(void) { return A_DIM; }

/* Draws one character cell (a base character plus combining marks) with attributes and a colour pair. */
static inline int cn_put_cell(WINDOW *win, int y, int x, const wchar_t *chars, attr_t attrs, short pair) {
    cchar_t cc;
    if (setcchar(&cc, chars, attrs, pair, NULL) != OK) return ERR;
    return mvwadd_wch(win, y, x, &cc);
}

/* Reads one key or character; returns OK, KEY_CODE_YES or ERR like wget_wch. */
static inline int cn_get_wch(WINDOW *win, unsigned int *out) {
    wint_t ch = 0;
    int r = wget_wch(win, &ch);
    *out = (unsigned int)ch;
    return r;
}

/* glibc hides wcwidth without _XOPEN_SOURCE. */
extern int wcwidth(wchar_t c);

#endif
