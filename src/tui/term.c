/* ncurses, and nothing else (term.h). */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/keys.h"
#include "tui/term.h"

/* xterm-256 numbers for the semantic colours; greys and heat are ramps. */
static const short colors256[COLOR_SERIES5 + 1] = {
	[COLOR_DEFAULT] = -1, [COLOR_DIM] = 245, [COLOR_TITLE] = 75, [COLOR_ACCENT] = 214,
	[COLOR_SECOND] = 81, [COLOR_GOOD] = 114, [COLOR_BAD] = 203, [COLOR_WARN] = 221,
	[COLOR_RUNNING] = 117, [COLOR_SERIES3] = 177, [COLOR_SERIES4] = 150,
	[COLOR_SERIES5] = 210,
};
static const short heat256[CANVAS_HEATS] = {236, 52, 88, 124, 160, 196, 202, 208};

static const short colors8[COLOR_SERIES5 + 1] = {
	[COLOR_DEFAULT] = -1, [COLOR_DIM] = COLOR_WHITE, [COLOR_TITLE] = COLOR_CYAN,
	[COLOR_ACCENT] = COLOR_YELLOW, [COLOR_SECOND] = COLOR_CYAN, [COLOR_GOOD] = COLOR_GREEN,
	[COLOR_BAD] = COLOR_RED, [COLOR_WARN] = COLOR_YELLOW, [COLOR_RUNNING] = COLOR_BLUE,
	[COLOR_SERIES3] = COLOR_MAGENTA, [COLOR_SERIES4] = COLOR_GREEN,
	[COLOR_SERIES5] = COLOR_RED,
};

/* The terminal colour of a semantic one at this depth. */
static short terminal_color(int depth, int c)
{
	if (c >= COLOR_GREY0 && c <= COLOR_GREY_LAST)
		return depth == 256 ? (short)(232 + (c - COLOR_GREY0)) :
		       c - COLOR_GREY0 < CANVAS_GREYS / 2 ? COLOR_BLACK : COLOR_WHITE;
	if (c >= COLOR_HEAT0 && c <= COLOR_HEAT_LAST)
		return depth == 256 ? heat256[c - COLOR_HEAT0] :
		       c == COLOR_HEAT0 ? -1 : COLOR_RED;
	if (c < 0 || c > COLOR_SERIES5)
		return -1;
	return depth == 256 ? colors256[c] : colors8[c];
}

/*
 * Colour pairs are made on first use: (fg, bg) -> pair number, in a small
 * open-addressed table. A screen uses a few dozen pairs (greys for digits
 * are the most), far below the 256 or 32767 pairs terminals offer.
 */
#define PAIR_SLOTS 4096
static short pair_of[PAIR_SLOTS];
static int pairs_used;

static int color_pair(const struct term *t, int fg, int bg)
{
	int key = fg * COLOR_COUNT + bg;

	if (!t->colors || (fg == COLOR_DEFAULT && bg == COLOR_DEFAULT))
		return 0;
	if (key >= PAIR_SLOTS)
		return 0;
	if (!pair_of[key]) {
		if (pairs_used + 1 >= COLOR_PAIRS)
			return 0;
		pairs_used++;
		init_pair((short)pairs_used, terminal_color(t->colors, fg),
			  terminal_color(t->colors, bg));
		pair_of[key] = (short)pairs_used;
	}
	return pair_of[key];
}

/*
 * Drags: ncurses asks xterm (and tmux, screen) for presses and releases
 * only (mode 1000). Mode 1002 also reports motion while a button is held,
 * which ncurses reads as REPORT_MOUSE_POSITION in either encoding (X10 or
 * SGR 1006). Sent after ncurses's own request, which it replaces, and
 * again on coming back from a child program.
 */
static void report_drags(void)
{
	fputs("\033[?1002h", stdout);
	fflush(stdout);
}

int term_start(struct term *t, int force_ascii, int timeout_ms, char *why, size_t why_size)
{
	const char *no_color = getenv("NO_COLOR");

	memset(t, 0, sizeof *t);
	t->ascii = force_ascii || !canvas_locale_is_utf8();
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(why, why_size, "the dashboard needs a terminal (try digitlab ls, or "
			 "digitlab serve for headless training)");
		return -1;
	}
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(why, why_size, "cannot use the terminal type '%s'",
			 getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	t->started = 1;
	raw();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(timeout_ms);
	set_escdelay(25);
	/* Every button event is asked for, though term_key keeps only the left
	 * button's press and the wheel: ncurses swallows an event outside the
	 * mask by reading on, past the timeout, which would hold back the
	 * redraw a press asked for until the next key. No click interval: a
	 * press acts at once. */
	mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
	mouseinterval(0);
	report_drags();
	if (has_colors() && !(no_color && *no_color)) {
		start_color();
		use_default_colors();
		t->colors = COLORS >= 256 ? 256 : COLORS >= 8 ? 8 : 0;
	}
	getmaxyx(stdscr, t->h, t->w);
	return 0;
}

void term_stop(struct term *t)
{
	if (!t->started)
		return;
	t->started = 0;
	curs_set(1);
	fputs("\033[?1002l", stdout);
	endwin();
}

void term_suspend(struct term *t)
{
	def_prog_mode();
	endwin();
	(void)t;
}

void term_resume(struct term *t)
{
	reset_prog_mode();
	clearok(stdscr, TRUE);
	getmaxyx(stdscr, t->h, t->w);
	refresh();
	report_drags();
	t->button_held = 0;
}

struct canvas *term_canvas(const struct term *t)
{
	return canvas_new(t->w, t->h, t->ascii, t->colors);
}

static attr_t curses_attr(int a)
{
	return (a & ATTR_BOLD ? A_BOLD : 0) | (a & ATTR_REVERSE ? A_REVERSE : 0) |
	       (a & ATTR_UNDERLINE ? A_UNDERLINE : 0);
}

void term_draw(struct term *t, const struct canvas *c)
{
	for (int y = 0; y < c->h && y < t->h; y++)
		for (int x = 0; x < c->w && x < t->w; x++) {
			const struct cell *cell = &c->cells[(size_t)y * c->w + x];
			wchar_t wc[2] = {(wchar_t)cell->ch, 0};
			cchar_t cc;

			/* the bottom-right cell would scroll some terminals */
			if (y == t->h - 1 && x == t->w - 1)
				continue;
			setcchar(&cc, wc, curses_attr(cell->attr),
				 (short)color_pair(t, cell->fg, cell->bg), NULL);
			mvadd_wch(y, x, &cc);
		}
	refresh();
}

int term_key(struct term *t, int *mx, int *my)
{
	int key = getch();
	MEVENT ev;

	if (key == KEY_RESIZE)
		getmaxyx(stdscr, t->h, t->w);
	if (key == KEY_MOUSE) {
		if (getmouse(&ev) != OK)
			return -1;
		*mx = ev.x;
		*my = ev.y;
		if (ev.bstate & BUTTON4_PRESSED)
			return KEY_UP;
		if (ev.bstate & BUTTON5_PRESSED)
			return KEY_DOWN;
		if (ev.bstate & BUTTON1_PRESSED)
			t->button_held = 1;
		if (ev.bstate & (BUTTON1_RELEASED | BUTTON1_CLICKED)) {
			t->button_held = 0;
			return ev.bstate & BUTTON1_CLICKED ? KEY_MOUSE : ERR;
		}
		if ((ev.bstate & REPORT_MOUSE_POSITION) && t->button_held)
			return KEY_MOUSE_DRAG;
		if (!(ev.bstate & BUTTON1_PRESSED))
			return ERR;     /* a release (the press did the work), other buttons */
	}
	return key;
}
