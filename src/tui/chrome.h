/*
 * chrome.h - what every view draws the same way: the header line, the key
 * bar, the message line, list headings, the colours of statuses and the
 * formats of values; and the hit grids through which a click finds what
 * the last frame drew under it.
 */
#ifndef DL_TUI_CHROME_H
#define DL_TUI_CHROME_H

#include <stddef.h>

#include "tui/app.h"
#include "tui/canvas.h"

#define CHROME_MIN_W 80
#define CHROME_MIN_H 24

/* Line 0: workers, running and queued counts, CPU, a paused queue. */
void chrome_header(const struct app *a, struct canvas *c);
/* The last line: the keys of the view, reversed. */
void chrome_keys(struct canvas *c, const char *keys);
/* The same with the wide bar where the width holds all of it, else the
 * narrow one (80 columns): a bar is never cut short. Both are ASCII. */
void chrome_keys_fit(struct canvas *c, const char *wide, const char *narrow);
/* The line above the key bar: a banner while the store cannot be read,
 * else the message, else a banner with what store_health said when the
 * store opened (damaged, read-only), which stays for the session. */
void chrome_message(const struct app *a, struct canvas *c);
/* The "terminal too small" screen; 1 when the canvas is too small. */
int chrome_too_small(struct canvas *c);
/* A heading over a list, in bold on a cleared line. */
void chrome_heading(struct canvas *c, int y, const char *text);

int chrome_status_color(enum store_status st);
/* "0.9823", or "-" for NaN. */
const char *chrome_accuracy(double v, char *buf, size_t size);

/* A run's name, with its sweep point when it has one ("nb000 units=15"). */
const char *row_label(const struct store_row *r, char *buf, size_t size);
/* The same in at most `width` columns: the name cut (marked with an
 * ellipsis, '~' on ASCII) before the sweep point is. */
const char *row_label_fit(const struct store_row *r, int width, int ascii, char *buf, size_t size);
/* A running run's progress in [0, 1]: epochs and batches done of those
 * planned (of the epoch's batches when the plan is unknown). Time spent
 * loading or paused does not count. */
double row_progress(const struct store_row *r);
/* Its epochs: the one training when running, else those completed; "5/25"
 * for a run still to finish when its plan is known and that fits width. */
const char *row_epochs(const struct store_row *r, int width, char *buf, size_t size);

/* A grid of equal cells on screen: top-left cell at (x, y), items counted
 * from `first` left to right, then down; rows == 0 when none was drawn. */
struct hit_grid {
	int x, y, cell_w, cell_h, cols, rows, first, n_items;
};

/* The item under (x, y), or -1. */
int hit_grid_item(const struct hit_grid *g, int x, int y);

#endif
