/*
 * term.h - the one place that talks to ncurses: starting and restoring the
 * terminal, what it can show (Unicode, how many colours), reading keys and
 * mouse clicks, and copying a canvas to the screen.
 *
 * Glyph choice: Unicode when the locale's character set is UTF-8 and
 * --ascii was not given. Colours: none when NO_COLOR is set (any value,
 * https://no-color.org) or the terminal has none, else 256 or 8, mapped
 * from the canvas's semantic colours by a table per depth.
 */
#ifndef DL_TUI_TERM_H
#define DL_TUI_TERM_H

#include "tui/canvas.h"

struct term {
	int w, h;               /* current size */
	int ascii;              /* no Unicode glyphs */
	int colors;             /* 0, 8 or 256 */
	int started;
	int button_held;        /* the left button is down: motion is a drag */
};

/* Start curses mode: raw keys, no echo, keypad, mouse clicks, an invisible
 * cursor, and input that waits at most timeout_ms. force_ascii: --ascii.
 * Returns DL_ERR when the terminal cannot be used (not a terminal, unknown
 * TERM), with the reason in why. */
int term_start(struct term *t, int force_ascii, int timeout_ms, char *why, size_t why_size);

/* Restore the terminal (safe to call twice, and from a fatal signal). */
void term_stop(struct term *t);

/* Leave curses mode for a child program ($EDITOR) and come back. */
void term_suspend(struct term *t);
void term_resume(struct term *t);

/* A canvas of the terminal's size, in its style. */
struct canvas *term_canvas(const struct term *t);

/* Copy a canvas of the screen's size to the screen and show it. */
void term_draw(struct term *t, const struct canvas *c);

/* The next key (ncurses codes: KEY_UP, KEY_RESIZE, ...), or -1 when none
 * came within the timeout. For KEY_MOUSE (the left button pressed) and
 * KEY_MOUSE_DRAG (keys.h: moved while held), *mx and *my are where. On
 * KEY_RESIZE the size in t is updated. */
int term_key(struct term *t, int *mx, int *my);

#endif
