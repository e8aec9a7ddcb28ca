/*
 * canvas.h - a grid of character cells that widgets draw into.
 *
 * Widgets never touch ncurses: each is a pure function from data to cells
 * of a struct canvas (DESIGN.md). The dashboard copies a canvas to the
 * screen; `digitlab show` and the golden tests print it as text. A cell
 * holds one Unicode code point (every glyph we draw is one column wide),
 * a foreground and background colour and attributes.
 *
 * Colours are semantic (enum canvas_color), not terminal numbers: the
 * dashboard maps them to 256, 8 or no colours, and text output drops them.
 * Grey levels and heat levels are ranges of the same enum, for digit
 * images and confusion heatmaps.
 *
 * A canvas is made for one style: `ascii` (no Unicode: widgets pick their
 * ASCII glyph table) and `colors` (0: none, so widgets that would show a
 * value by colour alone show it by a glyph too; 8 or 256).
 */
#ifndef DL_TUI_CANVAS_H
#define DL_TUI_CANVAS_H

#include <stdint.h>
#include <stdio.h>

enum canvas_color {
	COLOR_DEFAULT = 0,
	COLOR_DIM,              /* axes, labels, secondary text */
	COLOR_TITLE,            /* panel titles, headers */
	COLOR_ACCENT,           /* the selected item, the main series */
	COLOR_SECOND,           /* a second series (validation) */
	COLOR_GOOD,             /* done, correct */
	COLOR_BAD,              /* failed, diverged, wrong */
	COLOR_WARN,             /* paused, interrupted, events */
	COLOR_RUNNING,
	COLOR_SERIES3, COLOR_SERIES4, COLOR_SERIES5, /* more runs on a compare chart */
	COLOR_GREY0,            /* black ... */
	COLOR_GREY_LAST = COLOR_GREY0 + 23, /* ... white: 24 grey levels */
	COLOR_HEAT0,            /* cold ... */
	COLOR_HEAT_LAST = COLOR_HEAT0 + 7,  /* ... hot: 8 heat levels */
	COLOR_COUNT
};
#define CANVAS_GREYS 24
#define CANVAS_HEATS 8

enum canvas_attr {
	ATTR_BOLD = 1,
	ATTR_REVERSE = 2,
	ATTR_UNDERLINE = 4,
};

struct cell {
	uint32_t ch;            /* a code point, one column wide; ' ' when empty */
	uint8_t fg, bg;         /* enum canvas_color */
	uint8_t attr;           /* enum canvas_attr bits */
};

struct canvas {
	int w, h;
	struct cell *cells;     /* h rows of w, owned */
	int ascii;              /* draw with ASCII glyphs only */
	int colors;             /* 0, 8 or 256 */
};

/* A w x h canvas of blanks; NULL when out of memory or a size is < 1. */
struct canvas *canvas_new(int w, int h, int ascii, int colors);
void canvas_free(struct canvas *c);           /* NULL is fine */
void canvas_clear(struct canvas *c);

/* The cell at (x, y), or NULL outside the canvas. */
struct cell *canvas_at(struct canvas *c, int x, int y);

/* Set one cell; outside the canvas nothing happens (so widgets clip). */
void canvas_put(struct canvas *c, int x, int y, uint32_t ch, int fg, int bg, int attr);

/* UTF-8 text from (x, y), at most max_w columns (<= 0: to the right edge).
 * Returns the columns written. Control and bidirectional characters and
 * bytes that are not UTF-8 are drawn escaped, as util/text.h's text_escape
 * writes them ("\x1b", "\u202e", "\xff"): text from users never reaches
 * the terminal raw. */
int canvas_text(struct canvas *c, int x, int y, const char *utf8, int fg, int attr, int max_w);
int canvas_printf(struct canvas *c, int x, int y, int fg, int attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Fill a rectangle with ch in the given colours. */
void canvas_fill(struct canvas *c, int x, int y, int w, int h, uint32_t ch, int fg, int bg);

/* A frame around the rectangle (lines, or +-| in ASCII) with a title in its
 * top edge (may be NULL). */
void canvas_box(struct canvas *c, int x, int y, int w, int h, const char *title, int fg);

/* The canvas as text: one line per row, UTF-8, trailing blanks removed,
 * colours and attributes dropped. */
void canvas_write(const struct canvas *c, FILE *out);

/* 1 when the locale's character set is UTF-8, so that Unicode glyphs may
 * be drawn. Sets LC_CTYPE from the environment first (setlocale(LC_CTYPE,
 * "")): call it from main's thread before any other starts. */
int canvas_locale_is_utf8(void);

/* Encode one code point as UTF-8 into buf (at least 5 bytes); returns the
 * bytes written (0 for an invalid code point). */
int canvas_utf8(uint32_t cp, char *buf);

#endif
