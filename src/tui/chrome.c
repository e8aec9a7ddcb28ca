/* What every view draws the same way (chrome.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tui/chrome.h"
#include "tui/runlist.h"

void chrome_header(const struct app *a, struct canvas *c)
{
	int busy = 0, queued = 0;

	for (int i = 0; i < a->n_rows; i++) {
		busy += a->rows[i].status == STORE_RUNNING;
		queued += a->rows[i].status == STORE_QUEUED || a->rows[i].status == STORE_INTERRUPTED;
	}
	canvas_fill(c, 0, 0, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	char slurm[64] = "";

	if (a->slurm_pending || a->slurm_running)
		snprintf(slurm, sizeof slurm, "  slurm %d pending %d running", a->slurm_pending,
			 a->slurm_running);
	canvas_printf(c, 0, 0, COLOR_TITLE, ATTR_BOLD | ATTR_REVERSE,
		      " digitlab  %s  running %d  queued %d%s  cpu %3.0f%%%s ", a->workers, busy,
		      queued, slurm, a->cpu_percent, a->queue_paused ? "  QUEUE PAUSED" : "");
}

void chrome_keys(struct canvas *c, const char *keys)
{
	int y = c->h - 1;

	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_text(c, 0, y, keys, COLOR_DIM, ATTR_REVERSE, 0);
}

void chrome_keys_fit(struct canvas *c, const char *wide, const char *narrow)
{
	chrome_keys(c, strlen(wide) <= (size_t)c->w ? wide : narrow);
}

void chrome_message(const struct app *a, struct canvas *c)
{
	int y = c->h - 2;

	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	if (a->store_problem[0])
		canvas_printf(c, 0, y, COLOR_BAD, ATTR_BOLD | ATTR_REVERSE,
			      " the store cannot be read: %s ", a->store_problem);
	else if (a->message[0])
		canvas_text(c, 0, y, a->message, COLOR_WARN, 0, 0);
	else if (a->store_warning[0])
		canvas_printf(c, 0, y, COLOR_BAD, ATTR_BOLD | ATTR_REVERSE, " %s ", a->store_warning);
}

int chrome_too_small(struct canvas *c)
{
	if (c->w >= CHROME_MIN_W && c->h >= CHROME_MIN_H)
		return 0;
	canvas_printf(c, 0, 0, COLOR_WARN, ATTR_BOLD, "digitlab needs a %dx%d terminal", CHROME_MIN_W,
		      CHROME_MIN_H);
	canvas_printf(c, 0, 1, COLOR_DEFAULT, 0, "this one is %dx%d:", c->w, c->h);
	canvas_printf(c, 0, 2, COLOR_DEFAULT, 0, "make it larger, or q quits");
	return 1;
}

void chrome_heading(struct canvas *c, int y, const char *text)
{
	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_text(c, 0, y, text, COLOR_TITLE, ATTR_BOLD, 0);
}

int chrome_status_color(enum store_status st)
{
	switch (st) {
	case STORE_RUNNING: return COLOR_RUNNING;
	case STORE_DONE: return COLOR_GOOD;
	case STORE_FAILED: case STORE_DIVERGED: return COLOR_BAD;
	case STORE_PAUSED: case STORE_INTERRUPTED: case STORE_CANCELLED: return COLOR_WARN;
	case STORE_PRUNED: return COLOR_DIM;
	default: return COLOR_DEFAULT;
	}
}

const char *chrome_accuracy(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.4f", v);
	return buf;
}

const char *row_label(const struct store_row *r, char *buf, size_t size)
{
	if (r->sweep_point[0])
		snprintf(buf, size, "%s %s", r->name, r->sweep_point);
	else
		snprintf(buf, size, "%s", r->name);
	return buf;
}

/* Columns of UTF-8 text (every glyph we draw is one column wide). */
static int columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* Bytes of the first `cols` columns of s. */
static size_t prefix_bytes(const char *s, int cols)
{
	size_t i = 0;

	for (int n = 0; s[i] && n <= cols; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && ++n > cols)
			break;
	return i;
}

const char *row_label_fit(const struct store_row *r, int width, int ascii, char *buf, size_t size)
{
	int point = columns(r->sweep_point), keep;

	row_label(r, buf, size);
	if (!r->sweep_point[0] || columns(buf) <= width)
		return buf;
	/* the name cut to what the point leaves, at least 8 columns of it */
	keep = width - point - 2;
	if (keep < 8)
		keep = 8;
	snprintf(buf, size, "%.*s%s %s", (int)prefix_bytes(r->name, keep), r->name,
		 ascii ? "~" : "\u2026", r->sweep_point);
	return buf;
}

double row_progress(const struct store_row *r)
{
	double in_epoch = r->batches > 0 ? (double)r->batch / r->batches : 0, done;

	if (r->planned_epochs <= 0)
		return in_epoch;
	done = (r->epochs + in_epoch) / r->planned_epochs;
	return done > 1 ? 1 : done;
}

const char *row_epochs(const struct store_row *r, int width, char *buf, size_t size)
{
	int epoch = r->status == STORE_RUNNING ? r->epoch : r->epochs;

	if (run_is_active(r->status) && r->planned_epochs > 0 &&
	    snprintf(buf, size, "%d/%d", epoch, r->planned_epochs) <= width)
		return buf;
	snprintf(buf, size, "%d", epoch);
	return buf;
}

int hit_grid_item(const struct hit_grid *g, int x, int y)
{
	int col, row, item;

	if (g->rows <= 0 || g->cell_w <= 0 || g->cell_h <= 0 || x < g->x || y < g->y)
		return -1;
	col = (x - g->x) / g->cell_w;
	row = (y - g->y) / g->cell_h;
	if (col >= g->cols || row >= g->rows)
		return -1;
	item = g->first + row * g->cols + col;
	return item < g->n_items ? item : -1;
}
