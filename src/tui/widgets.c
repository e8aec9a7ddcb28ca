/* The dashboard's pictures (widgets.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/widgets.h"
#include "util/text.h"

/* ---- sparkline ---- */

static const uint32_t blocks8[8] = {0x2581, 0x2582, 0x2583, 0x2584, 0x2585, 0x2586, 0x2587,
				    0x2588};
static const char ascii8[] = "_.:-=+*#";

/* The finite range of v; 0 when there is none. */
static int value_range(const double *v, int n, double *lo, double *hi)
{
	int any = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (int i = 0; i < n; i++)
		if (isfinite(v[i])) {
			*lo = fmin(*lo, v[i]);
			*hi = fmax(*hi, v[i]);
			any = 1;
		}
	return any;
}

void widget_sparkline(struct canvas *c, int x, int y, int w, const double *v, int n, int fg)
{
	double lo, hi;
	int cols = n < w ? n : w;

	if (cols < 1 || !value_range(v, n, &lo, &hi))
		return;
	for (int col = 0; col < cols; col++) {
		int from = (int)((long)col * n / cols), to = (int)((long)(col + 1) * n / cols);
		double sum = 0;
		int count = 0, level;

		for (int i = from; i < to; i++)
			if (isfinite(v[i])) {
				sum += v[i];
				count++;
			}
		if (!count)
			continue;
		level = hi > lo ? (int)((sum / count - lo) / (hi - lo) * 7.999) : 3;
		canvas_put(c, x + col, y, c->ascii ? (uint32_t)ascii8[level] : blocks8[level], fg,
			   COLOR_DEFAULT, 0);
	}
}

/* ---- line chart ---- */

/* Braille dots of a plot area, 2 x 4 per cell, with the colour that set them. */
struct dots {
	int cw, ch;             /* cells */
	uint8_t *bits;          /* per cell */
	uint8_t *color;         /* per cell: the last series drawn there */
	uint8_t *last;          /* ASCII: the last series drawn in the cell */
};

/* ASCII has no dots: a glyph per series, the last one drawn in a cell wins. */
static const char ascii_series[] = "*o#x%.";    /* the last: raw under smoothing */
#define RAW_SERIES 5

static const uint8_t dot_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

static void set_dot(struct dots *d, int px, int py, int color, int series)
{
	int cx = px / 2, cy = py / 4, i;

	if (px < 0 || py < 0 || cx >= d->cw || cy >= d->ch)
		return;
	i = cy * d->cw + cx;
	d->bits[i] |= dot_bit[py % 4][px % 2];
	d->color[i] = (uint8_t)color;
	d->last[i] = (uint8_t)series;
}

static void dot_line(struct dots *d, int x0, int y0, int x1, int y1, int color, int series)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	int e = dx + dy;

	for (;;) {
		int e2 = 2 * e;         /* both steps judge the same error */

		set_dot(d, x0, y0, color, series);
		if (x0 == x1 && y0 == y1)
			break;
		if (e2 >= dy) {
			e += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sy;
		}
	}
}

/* Moving average of window k, centred; NaN stays NaN. Caller frees. */
static double *smoothed(const double *v, int n, int k)
{
	double *out = malloc(sizeof *out * (size_t)(n ? n : 1));

	for (int i = 0; out && i < n; i++) {
		double sum = 0;
		int count = 0;

		for (int j = i - k / 2; j <= i + k / 2; j++)
			if (j >= 0 && j < n && isfinite(v[j])) {
				sum += v[j];
				count++;
			}
		out[i] = isfinite(v[i]) && count ? sum / count : NAN;
	}
	return out;
}

/* Points at (tx[i], ty[i]), already on the axes' scales (logarithms on a
 * log axis); a point that is not finite breaks the line. */
static void plot_series(struct dots *d, const double *tx, const double *ty, int n, double x_lo,
			double x_hi, double lo, double hi, int color, int series)
{
	int px_w = d->cw * 2, px_h = d->ch * 4, have = 0, lx = 0, ly = 0;

	for (int i = 0; i < n; i++) {
		int px, py;

		if (!isfinite(ty[i]) || !isfinite(tx[i])) {
			have = 0;
			continue;
		}
		px = x_hi > x_lo ? (int)lround((tx[i] - x_lo) / (x_hi - x_lo) * (px_w - 1)) : 0;
		py = (int)lround((hi - ty[i]) / (hi - lo) * (px_h - 1));
		if (have)
			dot_line(d, lx, ly, px, py, color, series);
		else
			set_dot(d, px, py, color, series);
		lx = px;
		ly = py;
		have = 1;
	}
}

/* v on a linear or a log axis: a value a log axis cannot place is NaN. */
static double axis_value(double v, int log_scale)
{
	if (!log_scale)
		return v;
	return v > 0 ? log10(v) : NAN;
}

/* n values as an axis places them; malloc'd, NULL when out of memory. */
static double *on_axis(const double *v, int n, int log_scale)
{
	double *out = malloc(sizeof *out * (size_t)(n > 0 ? n : 1));

	for (int i = 0; out && i < n; i++)
		out[i] = axis_value(v[i], log_scale);
	return out;
}

/* An axis label for position t of an axis (its logarithm on a log axis). */
static void axis_label(char *buf, size_t size, double t, int log_scale)
{
	snprintf(buf, size, "%.3g", log_scale ? pow(10, t) : t);
}

static void draw_dots(struct canvas *c, int x, int y, const struct dots *d)
{
	for (int cy = 0; cy < d->ch; cy++)
		for (int cx = 0; cx < d->cw; cx++) {
			int i = cy * d->cw + cx;
			uint32_t ch;

			if (!d->bits[i])
				continue;
			ch = c->ascii ? (uint32_t)ascii_series[d->last[i] % 6] : 0x2800u + d->bits[i];
			canvas_put(c, x + cx, y + cy, ch, d->color[i], COLOR_DEFAULT, 0);
		}
}

static int legend_width(const struct chart_series *s, int n)
{
	int width = 0;

	for (int i = 0; i < n; i++)
		if (s[i].label)
			width += 2 + (int)strlen(s[i].label) + 2;
	return width;
}

/* Right-aligned in the top row; a legend wider than the chart is cut at
 * its right edge rather than drawn outside it. */
static void draw_legend(struct canvas *c, int x, int y, int w, const struct chart_series *s, int n)
{
	int at = x + w - legend_width(s, n) + 2;

	if (at < x)
		at = x;
	for (int i = 0; i < n; i++) {
		if (!s[i].label)
			continue;
		if (at >= x + w)
			break;
		canvas_put(c, at, y, c->ascii ? (uint32_t)ascii_series[i % 5] : 0x25a0, s[i].color,
			   COLOR_DEFAULT, 0);
		at += 2;
		if (at < x + w)
			at += canvas_text(c, at, y, s[i].label, s[i].color, 0, x + w - at);
		at += 2;
	}
}

/* Steps and seconds run to thousands: whole numbers there, not 5.63e+03. */
static void x_label(char *buf, size_t size, double t, int log_scale)
{
	double v = log_scale ? pow(10, t) : t;

	if (fabs(v) >= 1000 && fabs(v) < 1e12)
		snprintf(buf, size, "%.0f", v);
	else
		snprintf(buf, size, "%.3g", v);
}

/* The x of every point, on the x axis's scale; malloc'd. */
static double *x_positions(const struct chart_opts *o, int n)
{
	double *tx = malloc(sizeof *tx * (size_t)(n > 0 ? n : 1));

	for (int i = 0; tx && i < n; i++)
		tx[i] = axis_value(o && o->x ? o->x[i] : i + 1, o && o->log_x);
	return tx;
}

/* The first and last x below the axis, the unit after the last. */
static void draw_x_labels(struct canvas *c, int plot_x, int y, int plot_w, const struct chart_opts *o,
			  double x_lo, double x_hi)
{
	char first[32], last[48];
	int log_x = o && o->log_x, n;

	x_label(first, sizeof first, x_lo, log_x);
	x_label(last, sizeof last, x_hi, log_x);
	if (o && o->x_unit) {
		size_t len = strlen(last);

		snprintf(last + len, sizeof last - len, " %s", o->x_unit);
	}
	canvas_text(c, plot_x, y, first, COLOR_DIM, 0, 0);
	n = (int)strlen(last);
	if (plot_x + plot_w - n > plot_x + (int)strlen(first))
		canvas_text(c, plot_x + plot_w - n, y, last, COLOR_DIM, 0, 0);
}

static void plot_all(struct canvas *c, int plot_x, int y, int plot_w, int plot_h,
		     const struct chart_series *s, int n_series, double *const *ty,
		     const double *tx, double x_lo, double x_hi, double lo, double hi,
		     const struct chart_opts *o)
{
	struct dots d = {.cw = plot_w, .ch = plot_h};
	int smooth = o && o->smooth > 1;

	d.bits = calloc((size_t)(plot_w * plot_h), 1);
	d.color = calloc((size_t)(plot_w * plot_h), 1);
	d.last = calloc((size_t)(plot_w * plot_h), 1);
	if (d.bits && d.color && d.last) {
		/* with smoothing the raw values stay, dimmed, under the average */
		for (int i = 0; i < n_series; i++)
			plot_series(&d, tx, ty[i], s[i].n, x_lo, x_hi, lo, hi,
				    smooth ? COLOR_DIM : s[i].color, smooth ? RAW_SERIES : i);
		for (int i = 0; smooth && i < n_series; i++) {
			/* averaged as values, then placed on the axis */
			double *sm = smoothed(s[i].v, s[i].n, o->smooth);
			double *tsm = sm ? on_axis(sm, s[i].n, o->log_y) : NULL;

			if (tsm)
				plot_series(&d, tx, tsm, s[i].n, x_lo, x_hi, lo, hi, s[i].color, i);
			free(sm);
			free(tsm);
		}
		draw_dots(c, plot_x, y, &d);
	}
	free(d.bits);
	free(d.color);
	free(d.last);
}

void widget_line_chart(struct canvas *c, int x, int y, int w, int h,
		       const struct chart_series *s, int n_series, const struct chart_opts *o)
{
	double lo = INFINITY, hi = -INFINITY, l, u, x_lo, x_hi, *ty[5] = {0}, *tx = NULL;
	char top[32], mid[32], bot[32];
	int label_w, n_max = 0, plot_x, plot_w, plot_h = h - 3, log_y = o && o->log_y;

	if (w < 20 || h < 5 || n_series < 1)
		return;
	if (n_series > 5)
		n_series = 5;
	for (int i = 0; i < n_series; i++)
		n_max = s[i].n > n_max ? s[i].n : n_max;
	/* the legend keeps its place; the title gets what is left */
	if (o && o->title && w - legend_width(s, n_series) > 1)
		canvas_text(c, x, y, o->title, COLOR_TITLE, ATTR_BOLD, w - legend_width(s, n_series));
	draw_legend(c, x, y, w, s, n_series);
	if (!(tx = x_positions(o, n_max)) || !value_range(tx, n_max, &x_lo, &x_hi))
		goto out;
	for (int i = 0; i < n_series; i++) {
		if (!(ty[i] = on_axis(s[i].v, s[i].n, log_y)))
			goto out;
		if (value_range(ty[i], s[i].n, &l, &u)) {
			lo = fmin(lo, l);
			hi = fmax(hi, u);
		}
	}
	if (!isfinite(lo))
		goto out;
	if (hi - lo < 1e-12 * fmax(1, fabs(hi))) {
		double pad = log_y ? 0.05 : fabs(hi) > 0 ? fabs(hi) * 0.05 : 0.5;

		lo -= pad;
		hi += pad;
	}
	axis_label(top, sizeof top, hi, log_y);
	axis_label(mid, sizeof mid, (hi + lo) / 2, log_y);
	axis_label(bot, sizeof bot, lo, log_y);
	label_w = (int)fmax(strlen(top), fmax(strlen(mid), strlen(bot)));
	plot_x = x + label_w + 1;
	plot_w = w - label_w - 1;
	canvas_printf(c, x, y + 1, COLOR_DIM, 0, "%*s", label_w, top);
	canvas_printf(c, x, y + 1 + plot_h / 2, COLOR_DIM, 0, "%*s", label_w, mid);
	canvas_printf(c, x, y + plot_h, COLOR_DIM, 0, "%*s", label_w, bot);
	for (int j = 0; j < plot_h; j++)
		canvas_put(c, plot_x - 1, y + 1 + j, c->ascii ? '|' : 0x2502, COLOR_DIM, COLOR_DEFAULT, 0);
	for (int i = -1; i < plot_w; i++)
		canvas_put(c, plot_x + i, y + 1 + plot_h, i < 0 ? (c->ascii ? '+' : 0x2514) :
			   (c->ascii ? '-' : 0x2500), COLOR_DIM, COLOR_DEFAULT, 0);
	for (int k = 0; o && k < o->n_marks; k++) {
		int m = o->marks[k], mx;

		if (m < 0 || m >= n_max || !isfinite(tx[m]))
			continue;
		mx = x_hi > x_lo ? (int)lround((tx[m] - x_lo) / (x_hi - x_lo) * (plot_w * 2 - 1)) / 2 : 0;
		canvas_put(c, plot_x + mx, y + 1 + plot_h, c->ascii ? '^' : 0x2534, COLOR_WARN,
			   COLOR_DEFAULT, 0);
	}
	draw_x_labels(c, plot_x, y + 2 + plot_h, plot_w, o, x_lo, x_hi);
	plot_all(c, plot_x, y + 1, plot_w, plot_h, s, n_series, ty, tx, x_lo, x_hi, lo, hi, o);
out:
	for (int i = 0; i < n_series; i++)
		free(ty[i]);
	free(tx);
}

/* ---- progress ---- */

void widget_progress(struct canvas *c, int x, int y, int w, double fraction, int fg)
{
	double f = isfinite(fraction) ? fmin(1, fmax(0, fraction)) : 0;

	if (w < 3)
		return;
	if (c->ascii) {
		int inner = w - 2, full = (int)(f * inner);

		canvas_put(c, x, y, '[', COLOR_DIM, COLOR_DEFAULT, 0);
		for (int i = 0; i < inner; i++)
			canvas_put(c, x + 1 + i, y, i < full ? '#' : (i == full && f < 1 ? '>' : '.'),
				   i < full ? fg : COLOR_DIM, COLOR_DEFAULT, 0);
		canvas_put(c, x + w - 1, y, ']', COLOR_DIM, COLOR_DEFAULT, 0);
		return;
	}
	for (int i = 0; i < w; i++) {
		double cell = f * w - i;
		int eighths = cell >= 1 ? 8 : cell <= 0 ? 0 : (int)(cell * 8);

		canvas_put(c, x + i, y, eighths == 8 ? 0x2588 : eighths ? 0x2590 - eighths :
			   0x2591, eighths ? fg : COLOR_DIM, COLOR_DEFAULT, 0);
	}
}

/* ---- confusion ---- */

#define CELL_W 5

/* The label of class k: its name, or its number. */
static const char *class_label(const struct confusion_layout *l, int k, char *buf, size_t size)
{
	if (l && l->labels && l->labels[k])
		return l->labels[k];
	snprintf(buf, size, "%d", k);
	return buf;
}

/* Columns a UTF-8 text takes: one per code point (every glyph we draw is
 * one column wide). */
static int text_columns(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* The text right-aligned in w columns at (x, y), cut to w. */
static void text_right(struct canvas *c, int x, int y, int w, const char *s, int fg)
{
	int n = text_columns(s);

	canvas_text(c, x + (n < w ? w - n : 0), y, s, fg, 0, w);
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int first_row(int k, const struct confusion_layout *l)
{
	return l ? clampi(l->top, 0, k > 0 ? k - 1 : 0) : 0;
}

static int first_col(int k, const struct confusion_layout *l)
{
	return l ? clampi(l->left, 0, k > 0 ? k - 1 : 0) : 0;
}

static int shown(int k, int first, int limit)
{
	return limit > 0 && limit < k - first ? limit : k - first;
}

/* Columns of the widest of the k labels, from `least` up to 8. */
static int widest_label(int k, const struct confusion_layout *l, int least)
{
	char buf[16];
	int w = least;

	for (int t = 0; t < k; t++) {
		int n = text_columns(class_label(l, t, buf, sizeof buf));

		w = n > w ? n : w;
	}
	return w < 8 ? w : 8;
}

/* The label column of the heatmap: the widest label, 3 to 8 columns. */
static int label_width(int k, const struct confusion_layout *l)
{
	return widest_label(k, l, 3);
}

static int cell_width(const struct confusion_layout *l)
{
	return l && l->compact ? 1 : CELL_W;
}

int widget_confusion_layout_width(int k, const struct confusion_layout *l)
{
	return label_width(k, l) + 1 +
	       cell_width(l) * shown(k, first_col(k, l), l ? l->cols : 0);
}

int widget_confusion_layout_height(int k, const struct confusion_layout *l)
{
	return 1 + shown(k, first_row(k, l), l ? l->rows : 0);
}

void widget_confusion_layout_cells(int k, const struct confusion_layout *l, int *dx, int *dy,
				   int *cell_w)
{
	*dx = label_width(k, l) + 1;
	*dy = 1;
	*cell_w = cell_width(l);
}

/* Keep first..first+n-1 within 0..k-1 and holding sel (when sel >= 0). */
static int scroll_to(int first, int n, int k, int sel)
{
	if (sel >= 0 && sel < first)
		first = sel;
	if (sel >= 0 && sel >= first + n)
		first = sel - n + 1;
	return clampi(first, 0, k - n > 0 ? k - n : 0);
}

void widget_confusion_fit(int k, int w, int h, int sel_true, int sel_pred,
			  struct confusion_layout *l)
{
	int lw = label_width(k, l), top = l->top, left = l->left;

	l->compact = 0;
	l->rows = l->cols = 0;
	l->top = l->left = 0;
	if (widget_confusion_layout_width(k, l) <= w && widget_confusion_layout_height(k, l) <= h)
		return;
	l->compact = 1;
	l->rows = clampi(h - 1, 1, k);
	l->cols = clampi(w - lw - 1, 1, k);
	l->top = scroll_to(top, l->rows, k, sel_true);
	l->left = scroll_to(left, l->cols, k, sel_pred);
}

int widget_confusion_width(int k)
{
	return widget_confusion_layout_width(k, NULL);
}

int widget_confusion_height(int k)
{
	return widget_confusion_layout_height(k, NULL);
}

void widget_confusion_cells(int *dx, int *dy, int *cell_w)
{
	widget_confusion_layout_cells(0, NULL, dx, dy, cell_w);
}

static int row_total(const int *counts, int k, int t)
{
	int sum = 0;

	for (int p = 0; p < k; p++)
		sum += counts[t * k + p];
	return sum;
}

/* The largest share of its row an off-diagonal cell has: the hottest. */
static double hottest_share(const int *counts, int k)
{
	double hottest = 0;

	for (int t = 0; t < k; t++) {
		int total = row_total(counts, k, t);

		for (int p = 0; p < k && total; p++)
			if (p != t)
				hottest = fmax(hottest, (double)counts[t * k + p] / total);
	}
	return hottest;
}

/* 0 for no heat, else 1 .. levels - 1 by the square root of the cell's
 * share against the hottest, so that a single confusion still shows. */
static int heat_level(int v, double share, double hottest, int levels)
{
	if (v <= 0 || hottest <= 0)
		return 0;
	return 1 + (int)(sqrt(share / hottest) * (levels - 1 - 1e-9));
}

static const uint32_t shade5[5] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
static const char ascii5[] = " .:*#";

/* One cell of the full heatmap: the number on the cell's heat. */
static void full_cell(struct canvas *c, int cx, int cy, int v, double share, double hottest,
		      int diagonal, enum confusion_mode mode, int attr)
{
	int heat = diagonal ? 0 : heat_level(v, share, hottest, CANVAS_HEATS);
	int bg = heat ? COLOR_HEAT0 + heat : COLOR_DEFAULT;
	int fg = diagonal ? COLOR_GOOD : v ? COLOR_DEFAULT : COLOR_DIM;
	char num[16];

	if (mode == CONFUSION_ROW_PERCENT)
		snprintf(num, sizeof num, share >= 0.9995 ? "%.0f" : "%.1f", share * 100);
	else
		snprintf(num, sizeof num, "%d", v);
	canvas_fill(c, cx, cy, CELL_W, 1, ' ', fg, bg);
	canvas_printf(c, cx, cy, fg, attr, "%*s", CELL_W, num);
	for (int i = 0; i < CELL_W; i++) {
		struct cell *cell = canvas_at(c, cx + i, cy);

		if (cell)       /* the number keeps the cell's heat */
			cell->bg = (uint8_t)bg;
	}
	if (!c->colors && heat) {
		/* the glyph just before the number, so it reads with it */
		int level = heat_level(v, share, hottest, 5);
		int gx = cx + CELL_W - (int)strlen(num) - 1;

		canvas_put(c, gx < cx ? cx : gx, cy, c->ascii ? (uint32_t)ascii5[level] :
			   shade5[level], fg, COLOR_DEFAULT, attr);
	}
}

/* One cell of the compact heatmap: a glyph alone. The diagonal is a dot
 * in the good colour when the class has samples; a confusion is a shade
 * as hot as its share of the row (on its heat colour when there are
 * colours); an empty cell a faint dot (blank in ASCII). */
static void compact_cell(struct canvas *c, int cx, int cy, int v, double share, double hottest,
			 int diagonal, int total, int attr)
{
	int heat = diagonal ? 0 : heat_level(v, share, hottest, CANVAS_HEATS);
	int bg = heat && c->colors ? COLOR_HEAT0 + heat : COLOR_DEFAULT;

	if (diagonal)
		canvas_put(c, cx, cy, !total ? ' ' : c->ascii ? '@' : 0x25cf, COLOR_GOOD, bg, attr);
	else if (!v)
		canvas_put(c, cx, cy, c->ascii ? ' ' : 0x00b7, COLOR_DIM, bg, attr);
	else {
		int level = heat_level(v, share, hottest, 5);

		canvas_put(c, cx, cy, c->ascii ? (uint32_t)ascii5[level] : shade5[level],
			   COLOR_BAD, bg, attr);
	}
}

/* A column's header: its label right-aligned in the cell (cut to leave a
 * space), or in a compact cell its label's first character (the last
 * digit of a number). */
static void column_header(struct canvas *c, int cx, int y, int p,
			  const struct confusion_layout *l)
{
	char buf[16], one[8];
	const char *label = class_label(l, p, buf, sizeof buf);

	if (!(l && l->compact)) {
		text_right(c, cx + 1, y, CELL_W - 1, label, COLOR_DIM);
		return;
	}
	if (!(l->labels && l->labels[p])) {
		canvas_printf(c, cx, y, COLOR_DIM, 0, "%d", p % 10);
		return;
	}
	snprintf(one, sizeof one, "%.*s", label[0] & 0x80 ? 4 : 1, label);
	canvas_text(c, cx, y, one, COLOR_DIM, 0, 1);
}

void widget_confusion_layout(struct canvas *c, int x, int y, const int *counts, int k,
			     enum confusion_mode mode, int sel_true, int sel_pred,
			     const struct confusion_layout *l)
{
	double hottest = hottest_share(counts, k);
	int lw = label_width(k, l), cw = cell_width(l), dx = lw + 1;
	int top = first_row(k, l), left = first_col(k, l);
	int rows = shown(k, top, l ? l->rows : 0), cols = shown(k, left, l ? l->cols : 0);
	char buf[16];

	text_right(c, x, y, lw, "t\\p", COLOR_DIM);
	for (int j = 0; j < cols; j++)
		column_header(c, x + dx + cw * j, y, left + j, l);
	for (int i = 0; i < rows; i++) {
		int t = top + i, total = row_total(counts, k, t), cy = y + 1 + i;

		text_right(c, x, cy, lw, class_label(l, t, buf, sizeof buf), COLOR_DIM);
		for (int j = 0; j < cols; j++) {
			int p = left + j, v = counts[t * k + p];
			double share = total ? (double)v / total : 0;
			int attr = t == sel_true && p == sel_pred ? ATTR_REVERSE : 0;

			if (cw == 1)
				compact_cell(c, x + dx + j, cy, v, share, hottest, p == t, total, attr);
			else
				full_cell(c, x + dx + CELL_W * j, cy, v, share, hottest, p == t, mode,
					  attr);
		}
	}
}

void widget_confusion(struct canvas *c, int x, int y, const int *counts, int k,
		      enum confusion_mode mode, int sel_true, int sel_pred)
{
	widget_confusion_layout(c, x, y, counts, k, mode, sel_true, sel_pred, NULL);
}

/* ---- per-class error ---- */

/* The per-class label column: the widest label, 1 to 8 columns. */
static int error_label_width(int k, const struct confusion_layout *l)
{
	return widest_label(k, l, 1);
}

void widget_class_error_layout(struct canvas *c, int x, int y, int w, const int *counts, int k,
			       const struct confusion_layout *l)
{
	int lw = error_label_width(k, l), top = first_row(k, l);
	int rows = shown(k, top, l ? l->rows : 0), bar_w = w - lw - 1 - 9;
	double err[WIDGET_MAX_CLASSES], worst = 0;
	char buf[16];

	if (bar_w < 1 || k > WIDGET_MAX_CLASSES)  /* the label and the percentage */
		return;
	for (int t = 0; t < k; t++) {
		int total = row_total(counts, k, t);

		err[t] = total ? 1.0 - (double)counts[t * k + t] / total : NAN;
		if (isfinite(err[t]))
			worst = fmax(worst, err[t]);
	}
	for (int i = 0; i < rows; i++) {
		int t = top + i, len;

		canvas_text(c, x, y + i, class_label(l, t, buf, sizeof buf), COLOR_DIM, 0, lw);
		if (!isfinite(err[t])) {
			canvas_text(c, x + lw + 1, y + i, "-", COLOR_DIM, 0, 0);
			continue;
		}
		len = worst > 0 ? (int)lround(err[t] / worst * bar_w) : 0;
		for (int j = 0; j < len; j++)
			canvas_put(c, x + lw + 1 + j, y + i, c->ascii ? '=' : 0x2587, COLOR_BAD,
				   COLOR_DEFAULT, 0);
		canvas_printf(c, x + lw + 1 + bar_w + 1, y + i, COLOR_DEFAULT, 0, "%6.2f%%",
			      err[t] * 100);
	}
}

void widget_class_error(struct canvas *c, int x, int y, int w, const int *counts, int k)
{
	widget_class_error_layout(c, x, y, w, counts, k, NULL);
}

/* ---- images ---- */

int widget_image_width(int w)
{
	return w;
}

int widget_image_height(int h)
{
	return (h + 1) / 2;
}

/* A pixel as a level in [0, 1]: clipped grey, or a signed value scaled by
 * the largest magnitude into [-1, 1]. */
static float level(const float *p, int h, int w, int y, int x, int signed_values, float scale)
{
	float v;

	if (y >= h)
		return 0;
	v = p[y * w + x];
	if (!isfinite(v))
		return 0;
	if (signed_values)
		return scale > 0 ? v / scale : 0;
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

void widget_image(struct canvas *c, int x, int y, const float *pixels, int h, int w,
		  int signed_values)
{
	static const uint32_t shade5[5] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
	static const char ramp10[] = " .:-=+*#%@";
	float scale = 0;

	for (int i = 0; signed_values && i < h * w; i++)
		if (isfinite(pixels[i]))
			scale = fmaxf(scale, fabsf(pixels[i]));
	for (int ty = 0; ty < (h + 1) / 2; ty++)
		for (int tx = 0; tx < w; tx++) {
			float a = level(pixels, h, w, 2 * ty, tx, signed_values, scale);
			float b = level(pixels, h, w, 2 * ty + 1, tx, signed_values, scale);

			if (c->colors == 256 && !signed_values) {
				canvas_put(c, x + tx, y + ty, 0x2580,
					   COLOR_GREY0 + (int)(a * (CANVAS_GREYS - 1) + 0.5f),
					   COLOR_GREY0 + (int)(b * (CANVAS_GREYS - 1) + 0.5f), 0);
			} else {
				float m = (a + b) / 2, mag = fabsf(m);
				int fg = signed_values ? (m >= 0 ? COLOR_GOOD : COLOR_BAD) : COLOR_DEFAULT;
				uint32_t ch = c->ascii ? (uint32_t)ramp10[(int)fminf(mag * 10, 9)] :
					      shade5[(int)fminf(mag * 5, 4)];

				canvas_put(c, x + tx, y + ty, ch, fg, COLOR_DEFAULT, 0);
			}
		}
}

/* ---- digit thumbnails ---- */

/* The side of the square around the ink, and its top-left pixel. */
static int ink_square(const float *pixels, int h, int w, int *y0, int *x0)
{
	int top = h, bottom = -1, left = w, right = -1, side;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (pixels[y * w + x] > 0.1f) {
				top = y < top ? y : top;
				bottom = y > bottom ? y : bottom;
				left = x < left ? x : left;
				right = x > right ? x : right;
			}
	if (bottom < 0)
		top = bottom = left = right = 0;
	side = bottom - top > right - left ? bottom - top + 1 : right - left + 1;
	side = side > 2 * WIDGET_THUMB_MAX ? 2 * WIDGET_THUMB_MAX : side;
	*y0 = (top + bottom + 1) / 2 - side / 2;
	*x0 = (left + right + 1) / 2 - side / 2;
	return side;
}

int widget_digit_thumb(struct canvas *c, int x, int y, const float *pixels, int h, int w)
{
	float small[WIDGET_THUMB_MAX * WIDGET_THUMB_MAX];
	int y0, x0, n = (ink_square(pixels, h, w, &y0, &x0) + 1) / 2;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			int sy = y0 + 2 * i, sx = x0 + 2 * j;

			small[i * n + j] = sy >= 0 && sy < h && sx >= 0 && sx < w ? pixels[sy * w + sx] : 0;
		}
	widget_image(c, x, y, small, n, n, 0);
	return n;
}

/* ---- digits as text ---- */

#define DIGIT_GAP 2             /* columns between images on a band */

/* Columns one pixel takes across. */
static int pixel_columns(const struct canvas *c, const struct digit_style *s)
{
	if (s->shades)
		return s->narrow ? 1 : 2;
	return c->ascii ? 2 : 1;    /* half blocks are as tall as two pixels */
}

/* Pixel rows one text row holds. */
static int pixel_rows(const struct canvas *c, const struct digit_style *s)
{
	return !s->shades && !c->ascii ? 2 : 1;
}

int widget_digit_width(const struct canvas *c, const struct digit_style *s, int w)
{
	return pixel_columns(c, s) * w + (s->frame ? 2 : 0);
}

int widget_digit_height(const struct canvas *c, const struct digit_style *s, int h)
{
	int step = pixel_rows(c, s);

	return (h + step - 1) / step + (s->frame ? 2 : 0);
}

/* Mean over the planes of pixel (y, x); rows below the image are blank (the
 * lower half of an odd height's last half-block row). */
static float plane_mean(const float *img, int planes, int h, int w, int y, int x)
{
	float sum = 0;

	if (y >= h)
		return 0;
	for (int p = 0; p < planes; p++)
		sum += img[(size_t)p * h * w + (size_t)y * w + x];
	return sum / (float)planes;
}

/* Grey level v in [0, 1] as a shade glyph. */
static uint32_t shade_glyph(const struct canvas *c, float v)
{
	static const uint32_t blocks[] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
	static const char ramp[] = " .:-=+*#%@";
	int levels = c->ascii ? 10 : 5, k = (int)(v * levels);

	k = k < 0 ? 0 : k >= levels ? levels - 1 : k;
	if (!(v == v))
		k = 0;
	return c->ascii ? (uint32_t)ramp[k] : blocks[k];
}

/* Pixel (y, x) on or off at the threshold; in Unicode, with (y + 1, x) in
 * the lower half of the same glyph. */
static uint32_t onoff_glyph(const struct canvas *c, const float *img, int planes, int h, int w,
			    int y, int x, float threshold)
{
	static const uint32_t halves[4] = {' ', 0x2580, 0x2584, 0x2588};
	static const char ramp[] = " .:#";
	float v = plane_mean(img, planes, h, w, y, x);

	if (c->ascii) {
		/* quarters of 2*threshold: ' ' '.' below the threshold, ':' '#' above */
		int level = (int)(v / threshold * 2.0f);

		level = level < 0 ? 0 : level > 3 ? 3 : level;
		return !(v == v) ? ' ' : (uint32_t)ramp[level];
	}
	return halves[(v >= threshold) | (plane_mean(img, planes, h, w, y + 1, x) >= threshold) << 1];
}

/* One image at (x, y), its frame included. */
static void draw_digit(struct canvas *c, int x, int y, const float *img, int planes, int h, int w,
		       const struct digit_style *s)
{
	float threshold = s->threshold > 0 ? s->threshold : 0.5f;
	int cols = pixel_columns(c, s), step = pixel_rows(c, s), f = s->frame ? 1 : 0;

	if (s->frame)
		canvas_box(c, x, y, widget_digit_width(c, s, w), widget_digit_height(c, s, h), NULL,
			   COLOR_DEFAULT);
	for (int py = 0, row = 0; py < h; py += step, row++)
		for (int px = 0; px < w; px++) {
			uint32_t g = s->shades ? shade_glyph(c, plane_mean(img, planes, h, w, py, px))
					       : onoff_glyph(c, img, planes, h, w, py, px, threshold);

			for (int k = 0; k < cols; k++)
				canvas_put(c, x + f + px * cols + k, y + f + row, g, COLOR_DEFAULT,
					   COLOR_DEFAULT, 0);
		}
}

int widget_digit_band(struct canvas *c, int x, int y, const float *const *images,
		      const char *const *captions, int n, int planes, int h, int w,
		      const struct digit_style *s)
{
	int cell = widget_digit_width(c, s, w), top = y;

	if (n < 1 || n > WIDGET_DIGITS_MAX_BAND || planes < 1)
		return 0;
	if (captions) {
		for (int i = 0; i < n; i++)
			canvas_text(c, x + i * (cell + DIGIT_GAP), y, captions[i], COLOR_DEFAULT, 0, cell);
		y++;
	}
	for (int i = 0; i < n; i++)
		draw_digit(c, x + i * (cell + DIGIT_GAP), y, images[i], planes, h, w, s);
	return y - top + widget_digit_height(c, s, h);
}

/* The band layout of a grid: images per band and the style they are drawn in. */
static int grid_columns(const struct canvas *c, int w, int columns, struct digit_style *style)
{
	int cell = widget_digit_width(c, style, w) + DIGIT_GAP;

	if (columns < 1)
		columns = (c->w + DIGIT_GAP) / cell;
	columns = columns < 1 ? 1 : columns > WIDGET_DIGITS_MAX_BAND ? WIDGET_DIGITS_MAX_BAND : columns;
	if (style->shades && columns * cell > c->w + DIGIT_GAP)
		style->narrow = 1;       /* asked for more than fits: squeeze */
	return columns;
}

int widget_digit_grid_rows(const struct canvas *c, int n, int h, int w, int columns,
			   int captions, const struct digit_style *s)
{
	struct digit_style style = *s;
	int per_band = grid_columns(c, w, columns, &style);
	int bands = (n + per_band - 1) / per_band;

	return bands ? bands * (widget_digit_height(c, &style, h) + (captions ? 1 : 0)) + bands - 1 : 0;
}

int widget_digit_grid(struct canvas *c, int x, int y, const float *pixels,
		      const char *const *captions, int n, int h, int w, int columns,
		      const struct digit_style *s)
{
	struct digit_style style = *s;
	const float *band[WIDGET_DIGITS_MAX_BAND];
	int per_band = grid_columns(c, w, columns, &style), top = y;

	for (int first = 0; first < n; first += per_band) {
		int count = n - first < per_band ? n - first : per_band;

		for (int i = 0; i < count; i++)
			band[i] = pixels + (size_t)(first + i) * h * w;
		if (first)
			y++;
		y += widget_digit_band(c, x, y, band, captions ? captions + first : NULL, count, 1, h,
				       w, &style);
	}
	return y - top;
}
/* ---- sweeps ---- */

/* draw_dots with an ASCII glyph per series from `table`, and the series
 * `bold` (-1: none) in bold. */
static void draw_dots_table(struct canvas *c, int x, int y, const struct dots *d,
			    const char *table, int bold)
{
	int n = (int)strlen(table);

	for (int cy = 0; cy < d->ch; cy++)
		for (int cx = 0; cx < d->cw; cx++) {
			int i = cy * d->cw + cx;
			uint32_t ch;

			if (!d->bits[i])
				continue;
			ch = c->ascii ? (uint32_t)table[d->last[i] % n] : 0x2800u + d->bits[i];
			canvas_put(c, x + cx, y + cy, ch, d->color[i], COLOR_DEFAULT,
				   d->last[i] == bold ? ATTR_BOLD : 0);
		}
}

static int dots_alloc(struct dots *d, int cw, int ch)
{
	*d = (struct dots){.cw = cw, .ch = ch};
	d->bits = calloc((size_t)(cw * ch), 1);
	d->color = calloc((size_t)(cw * ch), 1);
	d->last = calloc((size_t)(cw * ch), 1);
	return d->bits && d->color && d->last;
}

static void dots_free(struct dots *d)
{
	free(d->bits);
	free(d->color);
	free(d->last);
}

/* Text centred on column cx, cut to w columns; returns the first column
 * used. */
static int text_centred(struct canvas *c, int cx, int y, const char *s, int w, int fg, int attr)
{
	int n = text_columns(s) < w ? text_columns(s) : w;

	canvas_text(c, cx - n / 2, y, s, fg, attr, n);
	return cx - n / 2;
}

enum { PLOT_LINE, PLOT_SPREAD, PLOT_RUN, PLOT_MEAN, PLOT_BEST };
static const char plot_ascii[] = ".|o*@";

/* Where value i sits along px_w pixels, a cell's margin at either end. */
static int value_px(const struct value_plot *p, int i, int px_w)
{
	double t;

	if (!p->x)
		return (int)lround((i + 0.5) * px_w / p->n - 0.5);
	if (p->n < 2 || p->x[p->n - 1] <= p->x[0])
		t = 0.5;
	else if (p->log_x)
		t = (log(p->x[i]) - log(p->x[0])) / (log(p->x[p->n - 1]) - log(p->x[0]));
	else
		t = (p->x[i] - p->x[0]) / (p->x[p->n - 1] - p->x[0]);
	return 2 + (int)lround(t * (px_w - 5));
}

static void value_range_of(const struct value_plot *p, double *lo, double *hi)
{
	*lo = INFINITY;
	*hi = -INFINITY;
	for (int i = 0; i < p->n_runs; i++)
		if (isfinite(p->run_y[i])) {
			*lo = fmin(*lo, p->run_y[i]);
			*hi = fmax(*hi, p->run_y[i]);
		}
	for (int i = 0; i < p->n; i++)
		if (isfinite(p->mean[i])) {
			double s = isfinite(p->spread[i]) ? p->spread[i] : 0;

			*lo = fmin(*lo, p->mean[i] - s);
			*hi = fmax(*hi, p->mean[i] + s);
		}
	if (isfinite(*lo) && *hi - *lo < 1e-12 * fmax(1, fabs(*hi))) {
		double pad = fabs(*hi) > 0 ? fabs(*hi) * 0.05 : 0.5;

		*lo -= pad;
		*hi += pad;
	}
}

/* The pixel row of objective v, hi at the top. */
static int pixel_y(double v, double lo, double hi, int px_h)
{
	return (int)lround((hi - v) / (hi - lo) * (px_h - 1));
}

static void plot_value_dots(struct dots *d, const struct value_plot *p, double lo, double hi)
{
	int px_w = d->cw * 2, px_h = d->ch * 4, have = 0, lx = 0, ly = 0;

	for (int i = 0; i < p->n; i++) {
		int px = value_px(p, i, px_w);

		if (!isfinite(p->mean[i]))
			continue;
		if (have)
			dot_line(d, lx, ly, px, pixel_y(p->mean[i], lo, hi, px_h), COLOR_ACCENT, PLOT_LINE);
		lx = px;
		ly = pixel_y(p->mean[i], lo, hi, px_h);
		have = 1;
	}
	for (int i = 0; i < p->n; i++) {
		int px = value_px(p, i, px_w);

		if (isfinite(p->mean[i]) && isfinite(p->spread[i]))
			dot_line(d, px, pixel_y(p->mean[i] + p->spread[i], lo, hi, px_h), px,
				 pixel_y(p->mean[i] - p->spread[i], lo, hi, px_h), COLOR_DIM, PLOT_SPREAD);
	}
	for (int r = 0; r < p->n_runs; r++)
		if (isfinite(p->run_y[r]))
			set_dot(d, value_px(p, p->run_value[r], px_w) + 1,
				pixel_y(p->run_y[r], lo, hi, px_h), COLOR_SECOND, PLOT_RUN);
	for (int i = 0; i < p->n; i++) {
		int px = value_px(p, i, px_w), py;

		if (!isfinite(p->mean[i]))
			continue;
		py = pixel_y(p->mean[i], lo, hi, px_h);
		for (int dy = -1; dy <= 1; dy++)
			set_dot(d, px, py + dy, i == p->best ? COLOR_GOOD : COLOR_ACCENT,
				i == p->best ? PLOT_BEST : PLOT_MEAN);
	}
}

/* The ticks and the labels that fit, left to right, the best's first. */
static void value_axis(struct canvas *c, int x, int plot_x, int y, int plot_w,
		       const struct value_plot *p)
{
	int used_to = x - 1;
	char key[96];

	for (int i = -1; i < plot_w; i++)
		canvas_put(c, plot_x + i, y, i < 0 ? (c->ascii ? '+' : 0x2514) :
			   (c->ascii ? '-' : 0x2500), COLOR_DIM, COLOR_DEFAULT, 0);
	for (int i = 0; i < p->n; i++)
		canvas_put(c, plot_x + value_px(p, i, plot_w * 2) / 2, y, c->ascii ? '+' : 0x252c,
			   i == p->best ? COLOR_GOOD : COLOR_DIM, COLOR_DEFAULT, 0);
	for (int i = 0; i < p->n; i++) {
		int cx = plot_x + value_px(p, i, plot_w * 2) / 2;
		int n = text_columns(p->labels[i]), at = cx - n / 2;

		if (i == p->sel)
			continue;       /* drawn last, over its neighbours */
		if (n > 12 || at <= used_to || at + n > plot_x + plot_w)
			continue;
		canvas_text(c, at, y + 1, p->labels[i], i == p->best ? COLOR_GOOD : COLOR_DIM,
			    i == p->best ? ATTR_BOLD : 0, n);
		used_to = at + n;
	}
	if (p->sel >= 0 && p->sel < p->n) {
		int n = text_columns(p->labels[p->sel]) > 12 ? 12 : text_columns(p->labels[p->sel]);
		int at = plot_x + value_px(p, p->sel, plot_w * 2) / 2 - n / 2;

		at = at + n > plot_x + plot_w ? plot_x + plot_w - n : at < x ? x : at;
		canvas_fill(c, at - 1, y + 1, n + 2, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
		canvas_text(c, at, y + 1, p->labels[p->sel], p->sel == p->best ? COLOR_GOOD :
			    COLOR_DEFAULT, ATTR_REVERSE, n);
	}
	snprintf(key, sizeof key, "%s%s", p->key ? p->key : "", p->log_x ? " (log scale)" : "");
	text_centred(c, plot_x + plot_w / 2, y + 2, key, plot_w, COLOR_TITLE, 0);
}

void widget_value_plot(struct canvas *c, int x, int y, int w, int h, const struct value_plot *p)
{
	char top[32], mid[32], bot[32];
	int label_w, plot_x, plot_w, plot_h = h - 3;
	double lo, hi;
	struct dots d;

	if (w < 24 || h < 7 || p->n < 1)
		return;
	value_range_of(p, &lo, &hi);
	if (!isfinite(lo)) {
		lo = 0;
		hi = 1;
	}
	snprintf(top, sizeof top, "%.4g", hi);
	snprintf(mid, sizeof mid, "%.4g", (hi + lo) / 2);
	snprintf(bot, sizeof bot, "%.4g", lo);
	label_w = (int)fmax(strlen(top), fmax(strlen(mid), strlen(bot)));
	plot_x = x + label_w + 1;
	plot_w = w - label_w - 1;
	canvas_printf(c, x, y, COLOR_DIM, 0, "%*s", label_w, top);
	canvas_printf(c, x, y + plot_h / 2, COLOR_DIM, 0, "%*s", label_w, mid);
	canvas_printf(c, x, y + plot_h - 1, COLOR_DIM, 0, "%*s", label_w, bot);
	for (int j = 0; j < plot_h; j++)
		canvas_put(c, plot_x - 1, y + j, c->ascii ? '|' : 0x2502, COLOR_DIM, COLOR_DEFAULT, 0);
	value_axis(c, x, plot_x, y + plot_h, plot_w, p);
	if (dots_alloc(&d, plot_w, plot_h)) {
		plot_value_dots(&d, p, lo, hi);
		draw_dots_table(c, plot_x, y, &d, plot_ascii, PLOT_BEST);
	}
	dots_free(&d);
}

/* ---- heatmap ---- */

#define HEAT_LABEL_MAX 10

static const char *heat_text(const struct heatmap *m, int i)
{
	return m->text && m->text[i] ? m->text[i] : "-";
}

int widget_heatmap_cell_width(const struct heatmap *m)
{
	int w = 4;

	for (int i = 0; i < m->rows * m->cols; i++)
		w = text_columns(heat_text(m, i)) > w ? text_columns(heat_text(m, i)) : w;
	for (int j = 0; j < m->cols; j++)
		w = text_columns(m->col_labels[j]) > w ? text_columns(m->col_labels[j]) : w;
	w = w > 8 ? 8 : w;
	return w + 3;           /* a shade glyph before, a space and the best mark after */
}

int widget_heatmap_label_width(const struct heatmap *m)
{
	int w = m->row_key ? text_columns(m->row_key) : 0;

	for (int i = 0; i < m->rows; i++)
		w = text_columns(m->row_labels[i]) > w ? text_columns(m->row_labels[i]) : w;
	return (w > HEAT_LABEL_MAX ? HEAT_LABEL_MAX : w < 3 ? 3 : w) + 1;
}

void widget_heatmap_shown(const struct heatmap *m, int w, int h, int *rows, int *cols)
{
	*cols = (w - widget_heatmap_label_width(m) - 1) / widget_heatmap_cell_width(m);
	*rows = h - 2;
	*cols = *cols < 1 ? 1 : *cols > m->cols ? m->cols : *cols;
	*rows = *rows < 1 ? 1 : *rows > m->rows ? m->rows : *rows;
}

void widget_heatmap_fit(struct heatmap *m, int w, int h)
{
	int rows, cols;

	widget_heatmap_shown(m, w, h, &rows, &cols);
	m->top = m->top > m->rows - rows ? m->rows - rows : m->top < 0 ? 0 : m->top;
	m->left = m->left > m->cols - cols ? m->cols - cols : m->left < 0 ? 0 : m->left;
	if (m->sel < 0)
		return;
	if (m->sel / m->cols < m->top)
		m->top = m->sel / m->cols;
	if (m->sel / m->cols >= m->top + rows)
		m->top = m->sel / m->cols - rows + 1;
	if (m->sel % m->cols < m->left)
		m->left = m->sel % m->cols;
	if (m->sel % m->cols >= m->left + cols)
		m->left = m->sel % m->cols - cols + 1;
}

/* 0 .. levels - 1: how good v is between the worst and the best cell. */
static int goodness(const struct heatmap *m, double v, double lo, double hi, int levels)
{
	double t = hi > lo ? (v - lo) / (hi - lo) : 1;

	if (!m->higher_better)
		t = 1 - t;
	return (int)(t * (levels - 1) + 0.5);
}

static void heat_cell(struct canvas *c, int cx, int cy, int cw, const struct heatmap *m, int i,
		      double lo, double hi)
{
	const char *text = heat_text(m, i);
	int has = isfinite(m->v[i]), attr = i == m->sel ? ATTR_REVERSE : 0;
	int bg = has && c->colors ? COLOR_HEAT0 + goodness(m, m->v[i], lo, hi, CANVAS_HEATS)
				  : COLOR_DEFAULT;
	int fg = has ? COLOR_DEFAULT : COLOR_DIM, n = text_columns(text);

	if (n > cw - 3)
		n = cw - 3;
	canvas_fill(c, cx, cy, cw - 1, 1, ' ', fg, bg);
	canvas_text(c, cx + cw - 2 - n, cy, text, fg, attr, n);
	for (int k = 0; k < cw - 1; k++) {
		struct cell *cell = canvas_at(c, cx + k, cy);

		if (cell) {     /* the text keeps the cell's heat; a selection reverses it all */
			cell->bg = (uint8_t)bg;
			cell->attr |= (uint8_t)attr;
		}
	}
	if (has && !c->colors) {
		int level = goodness(m, m->v[i], lo, hi, 5);

		canvas_put(c, cx + cw - 3 - n, cy, c->ascii ? (uint32_t)ascii5[level] : shade5[level],
			   fg, COLOR_DEFAULT, attr);
	}
	if (i == m->best)
		canvas_put(c, cx + cw - 2, cy, '*', COLOR_GOOD, bg, ATTR_BOLD | attr);
}

void widget_heatmap(struct canvas *c, int x, int y, int w, int h, const struct heatmap *m)
{
	int lw = widget_heatmap_label_width(m), cw = widget_heatmap_cell_width(m), rows, cols;
	int gx = x + lw + 1;
	double lo = INFINITY, hi = -INFINITY;

	if (m->rows < 1 || m->cols < 1 || w < lw + 1 + cw || h < 3)
		return;
	widget_heatmap_shown(m, w, h, &rows, &cols);
	for (int i = 0; i < m->rows * m->cols; i++)
		if (isfinite(m->v[i])) {
			lo = fmin(lo, m->v[i]);
			hi = fmax(hi, m->v[i]);
		}
	if (m->col_key)
		text_centred(c, gx + cols * cw / 2, y, m->col_key, cols * cw, COLOR_TITLE, 0);
	if (m->row_key)
		canvas_text(c, x, y + 1, m->row_key, COLOR_TITLE, 0, lw - 1);
	if (m->left > 0)
		canvas_put(c, gx - 1, y + 1, '<', COLOR_DIM, COLOR_DEFAULT, 0);
	if (m->left + cols < m->cols)
		canvas_put(c, gx + cols * cw, y + 1, '>', COLOR_DIM, COLOR_DEFAULT, 0);
	for (int j = 0; j < cols; j++)
		text_right(c, gx + j * cw, y + 1, cw - 2, m->col_labels[m->left + j], COLOR_DIM);
	for (int r = 0; r < rows; r++) {
		int row = m->top + r;

		canvas_text(c, x, y + 2 + r, m->row_labels[row], COLOR_DIM, 0, lw - 1);
		for (int j = 0; j < cols; j++)
			heat_cell(c, gx + j * cw, y + 2 + r, cw, m, row * m->cols + m->left + j, lo, hi);
	}
	if (m->top > 0)
		canvas_put(c, x + lw - 1, y + 2, '^', COLOR_DIM, COLOR_DEFAULT, 0);
	if (m->top + rows < m->rows)
		canvas_put(c, x + lw - 1, y + 1 + rows, 'v', COLOR_DIM, COLOR_DEFAULT, 0);
}

/* ---- parallel coordinates ---- */

static const char parallel_ascii[] = ".:-=+*#%@";
#define PARALLEL_BEST 8

struct by_level {
	double level;
	int line;
};

static int by_level_cmp(const void *a, const void *b)
{
	const struct by_level *x = a, *y = b;

	if (x->level != y->level)
		return (x->level > y->level) - (x->level < y->level);
	return (x->line < y->line) - (x->line > y->line);
}

static void parallel_line(struct dots *d, const struct parallel_plot *p, int line, int series,
			  int color)
{
	int px_w = d->cw * 2, px_h = d->ch * 4, have = 0, lx = 0, ly = 0;

	for (int a = 0; a < p->n_axes; a++) {
		double t = p->pos[line * p->n_axes + a];
		int px = (int)lround((double)a * (px_w - 1) / (p->n_axes - 1)), py;

		if (!isfinite(t)) {
			have = 0;
			continue;
		}
		py = (int)lround((1 - fmin(1, fmax(0, t))) * (px_h - 1));
		if (have)
			dot_line(d, lx, ly, px, py, color, series);
		else
			set_dot(d, px, py, color, series);
		lx = px;
		ly = py;
		have = 1;
	}
}

void widget_parallel(struct canvas *c, int x, int y, int w, int h, const struct parallel_plot *p)
{
	int plot_h = h - 3, margin, plot_w, spacing;
	struct by_level *order;
	struct dots d = {0};

	if (p->n_axes < 2 || p->n_axes > 16 || w < 8 * p->n_axes || h < 6)
		return;
	/* room at either side for the outer axes' labels */
	spacing = (w - 1) / p->n_axes;
	margin = spacing / 2;
	plot_w = w - 2 * margin;
	for (int a = 0; a < p->n_axes; a++) {
		int ax = x + margin + (int)lround((double)a * (plot_w * 2 - 1) / (p->n_axes - 1)) / 2;

		for (int j = 0; j < plot_h; j++)
			canvas_put(c, ax, y + 1 + j, c->ascii ? '|' : 0x2502, COLOR_DIM, COLOR_DEFAULT, 0);
		text_centred(c, ax, y, p->top[a], spacing - 1, COLOR_DIM, 0);
		text_centred(c, ax, y + 1 + plot_h, p->bottom[a], spacing - 1, COLOR_DIM, 0);
		text_centred(c, ax, y + 2 + plot_h, p->names[a], spacing - 1, COLOR_TITLE,
			     a == p->n_axes - 1 ? ATTR_BOLD : 0);
	}
	order = malloc(sizeof *order * (size_t)(p->n_lines ? p->n_lines : 1));
	if (order && dots_alloc(&d, plot_w, plot_h)) {
		for (int i = 0; i < p->n_lines; i++)
			order[i] = (struct by_level){isfinite(p->level[i]) ? p->level[i] : -1, i};
		qsort(order, (size_t)p->n_lines, sizeof *order, by_level_cmp);
		for (int i = 0; i < p->n_lines; i++) {
			int line = order[i].line;
			int level = (int)(fmax(0, order[i].level) * (CANVAS_HEATS - 1) + 0.5);

			if (line != p->best)
				parallel_line(&d, p, line, level, COLOR_HEAT0 + level);
		}
		if (p->best >= 0 && p->best < p->n_lines)
			parallel_line(&d, p, p->best, PARALLEL_BEST, COLOR_ACCENT);
		draw_dots_table(c, x + margin, y + 1, &d, parallel_ascii, PARALLEL_BEST);
	}
	dots_free(&d);
	free(order);
}

/* ---- the pad and a classifier's answer ---- */

static const uint32_t half_blocks[4] = {' ', 0x2580, 0x2584, 0x2588};
static const char ascii_halves[4] = {' ', '\'', '.', '#'};

int widget_pad_width(int w)
{
	return w + 2;
}

int widget_pad_height(int h)
{
	return (h + 1) / 2 + 2;
}

void widget_pad(struct canvas *c, int x, int y, const float *ink, int h, int w, int cur_row,
		int cur_col, const char *title)
{
	canvas_box(c, x, y, widget_pad_width(w), widget_pad_height(h), title, COLOR_DIM);
	for (int r = 0; r < (h + 1) / 2; r++)
		for (int col = 0; col < w; col++) {
			int top = ink[2 * r * w + col] >= 0.5f;
			int bottom = 2 * r + 1 < h && ink[(2 * r + 1) * w + col] >= 0.5f;
			int i = top | bottom << 1, pen = r == cur_row && col == cur_col;

			canvas_put(c, x + 1 + col, y + 1 + r,
				   c->ascii ? (uint32_t)(pen && !i ? '+' : ascii_halves[i]) : half_blocks[i],
				   pen ? COLOR_ACCENT : COLOR_DEFAULT, COLOR_DEFAULT, pen ? ATTR_REVERSE : 0);
		}
}

/* One bar of `cols` columns for p in [0, 1]: eighth blocks, or '#'. */
static void prob_bar(struct canvas *c, int x, int y, int cols, double p, int fg)
{
	for (int i = 0; i < cols; i++) {
		double cell = p * cols - i;
		int eighths = cell >= 1 ? 8 : cell <= 0 ? 0 : (int)(cell * 8);

		if (c->ascii)
			canvas_put(c, x + i, y, cell >= 0.5 ? '#' : ' ', fg, COLOR_DEFAULT, 0);
		else if (eighths)
			canvas_put(c, x + i, y, eighths == 8 ? 0x2588 : 0x2590 - eighths, fg,
				   COLOR_DEFAULT, 0);
	}
}

#define PROB_LABEL_MAX 8

int widget_prob_bars(struct canvas *c, int x, int y, int w, int rows, const float *p, int k,
		     const char *const *labels)
{
	int order[WIDGET_MAX_CLASSES], n = k < WIDGET_MAX_CLASSES ? k : WIDGET_MAX_CLASSES;
	int shown, label_w = 1, best = 0;
	char buf[TEXT_ESCAPED_SIZE(64)];

	if (w < 16 || rows < 1 || k < 1)
		return 0;
	for (int i = 0; i < n; i++) {
		order[i] = i;
		best = p[i] > p[best] ? i : best;
	}
	shown = n <= rows ? n : rows - 1;
	if (n > rows)   /* most probable first, ties by class (insertion sort: few classes) */
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && p[order[j]] > p[order[j - 1]]; j--) {
				int t = order[j];

				order[j] = order[j - 1];
				order[j - 1] = t;
			}
	for (int i = 0; i < shown; i++) {
		int len;

		if (labels)
			text_escape(buf, sizeof buf, labels[order[i]], TEXT_ONE_LINE);
		else
			snprintf(buf, sizeof buf, "%d", order[i]);
		len = text_columns(buf);
		label_w = len > label_w ? len : label_w;
	}
	label_w = label_w < PROB_LABEL_MAX ? label_w : PROB_LABEL_MAX;
	for (int i = 0; i < shown; i++) {
		int cls = order[i], fg = cls == best ? COLOR_GOOD : COLOR_ACCENT;
		int attr = cls == best ? ATTR_BOLD : 0;
		double v = isfinite(p[cls]) ? fmin(1, fmax(0, p[cls])) : 0;

		if (labels)
			text_escape(buf, sizeof buf, labels[cls], TEXT_ONE_LINE);
		else
			snprintf(buf, sizeof buf, "%d", cls);
		text_right(c, x, y + i, label_w, buf, fg);
		prob_bar(c, x + label_w + 1, y + i, w - label_w - 8, v, fg);
		canvas_printf(c, x + w - 6, y + i, fg, attr, "%5.1f%%", 100 * v);
	}
	if (shown < n)
		canvas_printf(c, x, y + shown, COLOR_DIM, 0, "%d more, at most %.1f%% each", n - shown,
			      100 * p[order[shown - 1]]);
	return shown + (shown < n);
}

/* ---- answers through time ---- */

void widget_epoch_scrubber(struct canvas *c, int x, int y, int w, int epoch, int first,
			   int last)
{
	int at;

	if (w < 3 || last < first)
		return;
	at = last == first ? w - 1 : (int)((long)(epoch - first) * (w - 1) / (last - first));
	for (int i = 0; i < w; i++) {
		if (i < at)
			canvas_put(c, x + i, y, c->ascii ? '=' : 0x2501, COLOR_ACCENT, COLOR_DEFAULT, 0);
		else if (i == at)
			canvas_put(c, x + i, y, c->ascii ? 'o' : 0x25cf, COLOR_ACCENT, COLOR_DEFAULT, ATTR_BOLD);
		else
			canvas_put(c, x + i, y, c->ascii ? '-' : 0x2500, COLOR_DIM, COLOR_DEFAULT, 0);
	}
}

int widget_epoch_scrubber_pick(int x, int w, int first, int last, int click_x)
{
	int i = click_x - x;

	if (w < 3 || last <= first)
		return last;
	if (i < 0)
		i = 0;
	if (i > w - 1)
		i = w - 1;
	/* the nearest epoch to the column */
	return first + (int)(((long)i * (last - first) * 2 + (w - 1)) / (2L * (w - 1)));
}

/* The first character of a label as a code point (its first UTF-8
 * sequence; a malformed one reads '?'). */
static uint32_t first_code_point(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80)
		return u[0] ? u[0] : '?';
	if ((u[0] & 0xe0) == 0xc0 && (u[1] & 0xc0) == 0x80)
		return (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
	if ((u[0] & 0xf0) == 0xe0 && (u[1] & 0xc0) == 0x80 && (u[2] & 0xc0) == 0x80)
		return (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
	return '?';
}

int widget_answer_strip(struct canvas *c, int x, int y, const unsigned char *answers, int n,
			int truth, const char *const *labels, int max_w)
{
	int shown = max_w > 0 && n > max_w ? max_w : n;

	for (int i = 0; i < shown; i++) {
		int a = answers[i];
		uint32_t ch;

		if (a == truth) {
			canvas_put(c, x + i, y, c->ascii ? '.' : 0xb7, COLOR_GOOD, COLOR_DEFAULT, 0);
			continue;
		}
		if (labels && labels[a])
			ch = first_code_point(labels[a]);
		else
			ch = a < 10 ? (uint32_t)('0' + a) : a < 36 ? (uint32_t)('a' + a - 10) : '?';
		/* an ASCII canvas draws only ASCII */
		if (c->ascii && ch >= 0x80)
			ch = '?';
		canvas_put(c, x + i, y, ch, COLOR_BAD, COLOR_DEFAULT, ATTR_BOLD);
	}
	return shown;
}
