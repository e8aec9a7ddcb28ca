/* The run view's tabs: curves, confusion, digits, weights, model, YAML
 * (views.h). Drawing only: everything comes from struct run_state. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/views.h"
#include "tui/widgets.h"

/* ---- curves ---- */

static double get_loss(const struct store_epoch *e) { return e->loss; }
static double get_acc(const struct store_epoch *e) { return e->accuracy; }
static double get_vloss(const struct store_epoch *e) { return e->val_loss; }
static double get_vacc(const struct store_epoch *e) { return e->val_accuracy; }
static double get_lr(const struct store_epoch *e) { return e->lr; }

/* One field of every epoch; malloc'd. */
static double *series(const struct run_state *s, double (*get)(const struct store_epoch *))
{
	double *v = malloc(sizeof *v * (size_t)(s->n_epochs ? s->n_epochs : 1));

	for (int i = 0; v && i < s->n_epochs; i++)
		v[i] = get(&s->epochs[i]);
	return v;
}

static void draw_sparkline_row(struct canvas *c, int y, const char *label, const double *v, int n,
			       int w, int color)
{
	double first = NAN, last = NAN;

	for (int i = 0; i < n; i++)
		if (!isnan(v[i])) {
			if (isnan(first))
				first = v[i];
			last = v[i];
		}
	if (isnan(first))
		return;
	canvas_printf(c, 0, y, COLOR_DIM, 0, "%-13s", label);
	widget_sparkline(c, 14, y, w, v, n, color);
	canvas_printf(c, 15 + w, y, COLOR_DEFAULT, 0, "%.4g %s %.4g", first, c->ascii ? "->" : "\u2192",
		      last);
}

/* Epochs (0-based) with an event: plateau reductions and early stopping. */
static int event_marks(const struct run_state *s, int *marks, int max)
{
	int n = 0;

	for (int i = 0; i < s->n_epochs && n < max; i++)
		if (s->epochs[i].events && s->epochs[i].events[0])
			marks[n++] = i;
	return n;
}

/* The x of each epoch on the axis the chart asks for; NULL when that is
 * epochs (the widget counts them), or the run cannot say (no batch count
 * kept: *why says so). malloc'd. */
static double *x_values(const struct run_state *s, enum chart_x axis, const char **why)
{
	double *x, sum = 0;

	*why = NULL;
	if (axis == CHART_X_EPOCH || s->n_epochs < 1)
		return NULL;
	if (axis == CHART_X_STEP && s->run.row.batches < 1) {
		*why = " (steps unknown: no batch count kept)";
		return NULL;
	}
	if (!(x = malloc(sizeof *x * (size_t)s->n_epochs)))
		return NULL;
	for (int i = 0; i < s->n_epochs; i++) {
		sum += isfinite(s->epochs[i].seconds) ? s->epochs[i].seconds : 0;
		x[i] = axis == CHART_X_STEP ? (double)s->epochs[i].epoch * s->run.row.batches : sum;
	}
	return x;
}

static const char *const x_titles[CHART_X_COUNT] = {"per epoch", "per step", "over time"};
static const char *const x_units[CHART_X_COUNT] = {NULL, "steps", "s"};

static void chart_title(char *buf, size_t size, const struct run_state *s, const char *why)
{
	const struct chart_view *v = &s->charts[s->chart_metric];

	snprintf(buf, size, "%s %s%s%s%s (m: %s)", s->chart_metric ? "accuracy" : "loss",
		 x_titles[why ? CHART_X_EPOCH : v->x], v->log_y || v->log_x ? ", log " : "",
		 v->log_y ? "y" : "", v->log_x ? "x" : "", s->chart_metric ? "loss" : "accuracy");
	if (why)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s", why);
}

static void draw_curves(const struct run_state *s, struct canvas *c, int top, int bottom)
{
	double *loss = series(s, get_loss), *acc = series(s, get_acc), *vloss = series(s, get_vloss);
	double *vacc = series(s, get_vacc), *lr = series(s, get_lr), *x = NULL;
	int spark_w = c->w - 40 > 60 ? 60 : c->w - 40, marks[64], n_marks;
	int lr_h = bottom - top >= 24 ? 8 : 5, chart_h = bottom - top - 5 - lr_h;
	const struct chart_view *v = &s->charts[s->chart_metric];
	struct chart_series sr[2];
	struct chart_opts o = {.smooth = s->smooth, .log_y = v->log_y, .log_x = v->log_x};
	const char *why;
	char title[160];

	if (!loss || !acc || !vloss || !vacc || !lr || s->n_epochs == 0) {
		canvas_text(c, 2, top + 1, "No epoch has finished yet.", COLOR_DIM, 0, 0);
		goto out;
	}
	draw_sparkline_row(c, top, "loss", loss, s->n_epochs, spark_w, COLOR_ACCENT);
	draw_sparkline_row(c, top + 1, "val_loss", vloss, s->n_epochs, spark_w, COLOR_SECOND);
	draw_sparkline_row(c, top + 2, "accuracy", acc, s->n_epochs, spark_w, COLOR_ACCENT);
	draw_sparkline_row(c, top + 3, "val_accuracy", vacc, s->n_epochs, spark_w, COLOR_SECOND);
	sr[0] = (struct chart_series){s->chart_metric ? acc : loss, s->n_epochs, COLOR_ACCENT,
				     s->chart_metric ? "accuracy" : "loss"};
	sr[1] = (struct chart_series){s->chart_metric ? vacc : vloss, s->n_epochs, COLOR_SECOND,
				     s->chart_metric ? "val_accuracy" : "val_loss"};
	x = x_values(s, v->x, &why);
	o.x = x;
	o.x_unit = x ? x_units[v->x] : NULL;
	chart_title(title, sizeof title, s, why);
	o.title = title;
	widget_line_chart(c, 0, top + 5, c->w, chart_h, sr,
			  isnan(sr[1].v[0]) && isnan(sr[1].v[s->n_epochs - 1]) ? 1 : 2, &o);
	n_marks = event_marks(s, marks, 64);
	sr[0] = (struct chart_series){lr, s->n_epochs, COLOR_WARN, "lr"};
	o = (struct chart_opts){.title = "learning rate (ticks: LR reductions, early stop)",
				.marks = marks, .n_marks = n_marks, .x = x, .x_unit = o.x_unit,
				.log_x = v->log_x};
	widget_line_chart(c, 0, bottom - lr_h, c->w, lr_h, sr, 1, &o);
out:
	free(loss);
	free(acc);
	free(vloss);
	free(vacc);
	free(lr);
	free(x);
}

#define DIGIT_CELL_W 12          /* a thumbnail with its caption, and the gap after */
#define DIGIT_CELL_H 7

/* ---- confusion ---- */

/* "test" or "validation": whose confusion and digits the tabs show */
static const char *split_name(const struct run_state *s)
{
	return s->split && !strcmp(s->split, "val") ? "validation" : "test";
}

/* Class i as the data set names it, else its number. */
static const char *class_label(const struct run_state *s, int i, char *buf, size_t size)
{
	if (s->labels[0] && i >= 0 && i < s->k)
		snprintf(buf, size, "%s", s->labels[i]);
	else
		snprintf(buf, size, "%d", i);
	return buf;
}

/* The same cut to at most cols columns, never inside a character. */
static const char *class_label_short(const struct run_state *s, int i, int cols, char *buf,
				     size_t size)
{
	size_t at = 0;

	class_label(s, i, buf, size);
	for (int n = 0; buf[at] && n < cols; n++)
		do
			at++;
		while (((unsigned char)buf[at] & 0xc0) == 0x80);
	buf[at] = '\0';
	return buf;
}

static void draw_cell_digits(const struct run_state *s, struct canvas *c, int top, int bottom)
{
	char truth[STORE_CLASS_NAME_MAX], pred[STORE_CLASS_NAME_MAX];
	int x = 0, n = 0;

	if (s->conf_t < 0 || s->conf_p < 0) {
		canvas_text(c, 0, top, "Move with the arrows to a cell to see its digits.", COLOR_DIM, 0, 0);
		return;
	}
	for (int i = 0; i < s->n_samples; i++)
		n += s->samples[i].truth == s->conf_t && s->samples[i].predicted == s->conf_p;
	canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, "true %s predicted %s: %d digit%s%s",
		      class_label(s, s->conf_t, truth, sizeof truth),
		      class_label(s, s->conf_p, pred, sizeof pred), n, n == 1 ? "" : "s",
		      s->conf_t == s->conf_p ? " (the diagonal: correct)" : "");
	for (int i = 0; i < s->n_samples && bottom - top > 2; i++) {
		const struct store_sample *d = &s->samples[i];

		if (d->truth != s->conf_t || d->predicted != s->conf_p)
			continue;
		if (x + WIDGET_THUMB_MAX + 4 > c->w)
			break;
		canvas_printf(c, x, top + 1, COLOR_DIM, 0, "%.2f", d->confidence);
		x += widget_digit_thumb(c, x, top + 2, d->pixels, d->h, d->w) + 2;
	}
}

/* Rows the confusion tab keeps for the selected cell's digits under the
 * heatmap, when the heatmap must scroll to leave them. */
#define CELL_DIGITS_ROWS 8
#define CLASS_ERROR_MIN_W 24

/* Epoch mode: the digits of the selected cell as the epoch shown answered
 * them, from the digits kept (those of samples wrong at some epoch). */
static void draw_epoch_cell_digits(const struct run_state *s, struct canvas *c, int top,
				   int bottom)
{
	const struct answer_book *b = &s->book;
	const uint8_t *row = answer_book_row(b, s->epoch);
	char truth[STORE_CLASS_NAME_MAX], pred[STORE_CLASS_NAME_MAX];
	int x = 0, n = 0;

	if (s->conf_t < 0 || s->conf_p < 0 || !row) {
		canvas_text(c, 0, top, "Move with the arrows to a cell to see its digits.", COLOR_DIM,
			    0, 0);
		return;
	}
	for (int i = 0; i < b->set.n; i++)
		n += b->set.labels[i] == s->conf_t && row[i] == s->conf_p;
	canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, "true %s predicted %s after epoch %d: %d "
		      "digit%s%s", class_label(s, s->conf_t, truth, sizeof truth),
		      class_label(s, s->conf_p, pred, sizeof pred), s->epoch, n, n == 1 ? "" : "s",
		      s->conf_t == s->conf_p ? " (the diagonal: correct)" : "");
	for (int i = 0; i < b->set.n && bottom - top > 2; i++) {
		const float *px;

		if (b->set.labels[i] != s->conf_t || row[i] != s->conf_p ||
		    !(px = answer_book_digit(b, i)))
			continue;
		if (x + WIDGET_THUMB_MAX + 4 > c->w)
			break;
		canvas_printf(c, x, top + 1, COLOR_DIM, 0, "#%d", i);
		x += widget_digit_thumb(c, x, top + 2, px, b->set.h, b->set.w) + 2;
		if (x < 6)
			x = 6;
	}
}

/* "epoch 3 of 8" and the track to click, on row y from x; returns the
 * columns used. */
static int draw_epoch_track(struct run_state *s, struct canvas *c, int epoch, int x, int y,
			    int w)
{
	int used = canvas_printf(c, x, y, COLOR_ACCENT, ATTR_BOLD, "epoch %d of %d ", epoch,
				 s->book.last_epoch);

	if (w - used < 8)
		return used;
	s->scrub_x = x + used;
	s->scrub_y = y;
	s->scrub_w = w - used > 30 ? 30 : w - used;
	widget_epoch_scrubber(c, s->scrub_x, y, s->scrub_w, epoch, s->book.first_epoch,
			      s->book.last_epoch);
	return used + s->scrub_w;
}

static void draw_flips(struct run_state *s, struct canvas *c, int top, int bottom);

static void draw_confusion(struct run_state *s, struct canvas *c, int top, int bottom)
{
	struct confusion_layout *l = &s->layout;
	struct confusion_layout whole = {.labels = s->labels[0] ? s->labels : NULL};
	int cw, ch, dx, dy, cell_w, heat_h = bottom - top - 1;
	int k = s->epoch ? s->book.set.n_classes : s->k;
	const int *counts = s->epoch ? s->epoch_confusion : s->confusion;

	if (s->flips != FLIPS_NONE && s->book.last_epoch) {
		draw_flips(s, c, top, bottom);
		return;
	}
	if (!k) {
		canvas_text(c, 2, top + 1, "No confusion matrix yet: it is made when the run is done.",
			    COLOR_DIM, 0, 0);
		return;
	}
	/* the whole heatmap when it fits; else a window, and room for digits */
	l->labels = whole.labels;
	if (widget_confusion_layout_height(k, &whole) > heat_h)
		heat_h -= CELL_DIGITS_ROWS;
	widget_confusion_fit(k, c->w - CLASS_ERROR_MIN_W, heat_h, s->conf_t, s->conf_p, l);
	cw = widget_confusion_layout_width(k, l);
	ch = widget_confusion_layout_height(k, l);
	if (s->epoch) {
		int x = canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, "validation confusion, ");

		x += draw_epoch_track(s, c, s->epoch, x, top, c->w - x - 12);
		canvas_printf(c, x + 1, top, COLOR_DIM, 0, "%s", s->chart_metric ? "m: counts" :
			      "m: row %");
	} else {
		canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, "%s confusion, %s%s", split_name(s),
			      s->chart_metric ? "% of each true class (m: counts)" :
			      "counts (m: % of each row)",
			      l->rows && l->rows < k ? "; arrows scroll" : "");
	}
	widget_confusion_layout(c, 0, top + 1, counts, k,
				s->chart_metric ? CONFUSION_ROW_PERCENT : CONFUSION_COUNTS, s->conf_t,
				s->conf_p, l);
	widget_confusion_layout_cells(k, l, &dx, &dy, &cell_w);
	s->conf_hit = (struct hit_grid){.x = dx, .y = top + 1 + dy, .cell_w = cell_w, .cell_h = 1,
					.cols = l->cols ? l->cols : k, .rows = l->rows ? l->rows : k};
	s->conf_hit.n_items = s->conf_hit.cols * s->conf_hit.rows;
	/* beside the heatmap's column labels, clear of the title above them */
	if (c->w - cw - 2 >= 20) {
		canvas_text(c, cw + 2, top + 1, "error per class", COLOR_TITLE, ATTR_BOLD, 0);
		widget_class_error_layout(c, cw + 2, top + 1 + dy, c->w - cw - 2, counts, k, l);
	}
	if (s->epoch)
		draw_epoch_cell_digits(s, c, top + ch + 1, bottom);
	else
		draw_cell_digits(s, c, top + ch + 1, bottom);
}

/* ---- flips ---- */

/* The selected flip, full size, with its answers through the epochs;
 * returns how many thumbnails fit on a row beside it. */
static int draw_selected_flip(const struct run_state *s, struct canvas *c, int top)
{
	const struct answer_book *b = &s->book;
	int i = s->flip_idx[s->flip_sel], bw = widget_image_width(b->set.w);
	int bx = c->w - (bw > 32 ? bw : 32) - 1, n;
	const float *px = answer_book_digit(b, i);
	uint8_t strip[512];
	char truth[STORE_CLASS_NAME_MAX];

	if (bx <= 20 || b->hist.n_epochs > (int)sizeof strip)
		return c->w / DIGIT_CELL_W;
	canvas_printf(c, bx, top, COLOR_ACCENT, ATTR_BOLD, "#%d, true %s", i,
		      class_label(s, b->set.labels[i], truth, sizeof truth));
	n = answer_book_strip(b, i, strip);
	widget_answer_strip(c, bx, top + 1, strip, n, b->set.labels[i],
			    s->labels[0] ? s->labels : NULL, c->w - bx);
	if (px)
		widget_image(c, bx, top + 2, px, b->set.h, b->set.w, 0);
	return (bx - 1) / DIGIT_CELL_W;
}

static void draw_flips(struct run_state *s, struct canvas *c, int top, int bottom)
{
	static const char *const what[FLIPS_COUNT] = {
		"", "broken: right after epoch %d, wrong after the last (%d)",
		"fixed: wrong after epoch %d, right after the last (%d)",
		"unstable: answer changed most often (%d is the last epoch)",
	};
	const struct answer_book *b = &s->book;
	const uint8_t *at_k, *at_end = answer_book_row(b, b->last_epoch);
	int k = s->epoch ? s->epoch : b->first_epoch, x = 0, y = top + 2, per_row, shown = 0;
	struct hit_grid *hit = &s->flips_hit;
	char from[STORE_CLASS_NAME_MAX], to[STORE_CLASS_NAME_MAX];

	if (s->flips == FLIPS_UNSTABLE)
		canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, what[FLIPS_UNSTABLE],
			      b->last_epoch);
	else
		canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, what[s->flips], k, b->last_epoch);
	if (s->flips != FLIPS_UNSTABLE)
		x = draw_epoch_track(s, c, k, 0, top + 1, c->w - 30);
	canvas_printf(c, x + 2, top + 1, COLOR_DEFAULT, 0, "%d digit%s", s->n_flip,
		      s->n_flip == 1 ? "" : "s");
	if (!s->n_flip)
		return;
	at_k = answer_book_row(b, k);
	per_row = draw_selected_flip(s, c, top + 2);
	if (per_row < 1)
		per_row = 1;
	*hit = (struct hit_grid){.x = 0, .y = y, .cell_w = DIGIT_CELL_W, .cell_h = DIGIT_CELL_H,
				 .cols = per_row, .first = s->flip_sel / per_row * per_row,
				 .n_items = s->n_flip};
	x = 0;
	for (int j = hit->first; j < s->n_flip; j++, shown++) {
		int i = s->flip_idx[j];
		const float *px = answer_book_digit(b, i);

		if (shown && shown % per_row == 0) {
			x = 0;
			y += DIGIT_CELL_H;
		}
		if (y + DIGIT_CELL_H - 1 > bottom)
			break;
		hit->rows = (y - hit->y) / DIGIT_CELL_H + 1;
		if (s->flips == FLIPS_UNSTABLE || !at_k)
			canvas_printf(c, x, y, j == s->flip_sel ? COLOR_ACCENT : COLOR_DEFAULT,
				      j == s->flip_sel ? ATTR_REVERSE : 0, "#%d", i);
		else
			canvas_printf(c, x, y, j == s->flip_sel ? COLOR_ACCENT : COLOR_DEFAULT,
				      j == s->flip_sel ? ATTR_REVERSE : 0, "%s%s%s #%d",
				      class_label_short(s, at_k[i], 3, from, sizeof from),
				      c->ascii ? ">" : "\u2192",
				      class_label_short(s, at_end[i], 3, to, sizeof to), i);
		if (px)
			widget_digit_thumb(c, x, y + 1, px, b->set.h, b->set.w);
		x += DIGIT_CELL_W;
	}
}

/* ---- digits ---- */

/* The selected digit and its saliency, full size, on the right; returns
 * how many thumbnails fit on a row beside them. */
static int draw_selected_digit(const struct run_state *s, struct canvas *c, int top)
{
	const struct store_sample *d = &s->samples[s->digit_sel];
	int bw = widget_image_width(d->w), bx = c->w - 2 * bw - 3;
	char truth[STORE_CLASS_NAME_MAX], pred[STORE_CLASS_NAME_MAX];

	if (bx <= 20)
		return c->w / DIGIT_CELL_W;
	canvas_printf(c, bx, top + 1, COLOR_ACCENT, ATTR_BOLD, "#%d: %s%s%s %.2f", d->index,
		      class_label(s, d->truth, truth, sizeof truth), c->ascii ? ">" : "\u2192",
		      class_label(s, d->predicted, pred, sizeof pred), d->confidence);
	widget_image(c, bx, top + 2, d->pixels, d->h, d->w, 0);
	if (d->saliency) {
		canvas_text(c, bx + bw + 2, top + 1, "saliency (+ for, - against)", COLOR_DIM, 0, 0);
		widget_image(c, bx + bw + 2, top + 2, d->saliency, d->h, d->w, 1);
	}
	return (bx - 1) / DIGIT_CELL_W;
}

static void draw_digits(struct run_state *s, struct canvas *c, int top, int bottom)
{
	int x = 0, y = top + 1, per_row, shown = 0;
	struct hit_grid *hit = &s->digits_hit;
	char truth[STORE_CLASS_NAME_MAX], pred[STORE_CLASS_NAME_MAX];

	if (!s->n_samples) {
		canvas_printf(c, 2, top + 1, COLOR_DIM, 0, "No misclassified %s digits kept (yet).",
			      split_name(s));
		return;
	}
	/* the store keeps a sample of them: say how many of how many */
	if (s->n_wrong > s->n_samples)
		canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD,
			      "%d of %d misclassified %s digits kept, by true class", s->n_samples,
			      s->n_wrong, split_name(s));
	else
		canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD,
			      "%d misclassified %s digits, by true class (true%spredicted confidence)",
			      s->n_samples, split_name(s), c->ascii ? ">" : "\u2192");
	per_row = draw_selected_digit(s, c, top);
	if (per_row < 1)
		per_row = 1;
	*hit = (struct hit_grid){.x = 0, .y = top + 1, .cell_w = DIGIT_CELL_W, .cell_h = DIGIT_CELL_H,
				 .cols = per_row, .first = s->digit_sel / per_row * per_row,
				 .n_items = s->n_samples};
	for (int i = hit->first; i < s->n_samples; i++, shown++) {
		const struct store_sample *d = &s->samples[i];

		if (shown && shown % per_row == 0) {
			x = 0;
			y += DIGIT_CELL_H;
		}
		if (y + DIGIT_CELL_H - 1 > bottom)
			break;
		hit->rows = (y - hit->y) / DIGIT_CELL_H + 1;
		/* names cut to 3 columns each: the caption fits the 12-column cell */
		canvas_printf(c, x, y, i == s->digit_sel ? COLOR_ACCENT : COLOR_DEFAULT,
			      i == s->digit_sel ? ATTR_REVERSE : 0, "%s%s%s %.2f",
			      class_label_short(s, d->truth, 3, truth, sizeof truth),
			      c->ascii ? ">" : "\u2192",
			      class_label_short(s, d->predicted, 3, pred, sizeof pred), d->confidence);
		widget_digit_thumb(c, x, y + 1, d->pixels, d->h, d->w);
		x += DIGIT_CELL_W;
	}
}

/* ---- weights, model, YAML ---- */

static void draw_weights(struct run_state *s, struct canvas *c, int top, int bottom)
{
	const struct store_weights *wt = &s->weights;
	int x = 0, y = top + 1, iw, ih, per_row, first, last = -1;

	canvas_text(c, 0, top, s->weights_note, COLOR_TITLE, ATTR_BOLD, 0);
	if (!wt->pixels || wt->n < 1)
		return;
	iw = widget_image_width(wt->w);
	ih = widget_image_height(wt->h);
	per_row = (c->w + 1) / (iw + 1) > 0 ? (c->w + 1) / (iw + 1) : 1;
	/* the arrows scroll by rows of images */
	if (s->scroll * per_row >= wt->n)
		s->scroll = (wt->n - 1) / per_row;
	first = s->scroll * per_row;
	for (int i = first; i < wt->n; i++) {
		if (x + iw > c->w) {
			x = 0;
			y += ih + 1;
		}
		if (y + ih > bottom)
			break;
		widget_image(c, x, y, wt->pixels + (size_t)i * wt->h * wt->w, wt->h, wt->w, 0);
		x += iw + 1;
		last = i;
	}
	canvas_printf(c, (int)strlen(s->weights_note) + 2, top, COLOR_DIM, 0,
		      "(%d-%d of %d; arrows scroll; mid grey is 0)", first + 1, last + 1, wt->n);
}

static void draw_lines(struct run_state *s, struct canvas *c, int top, int bottom,
		       char *const *lines, int n)
{
	if (s->scroll > n - 1)
		s->scroll = n > 0 ? n - 1 : 0;
	for (int i = s->scroll; i < n && top + i - s->scroll < bottom; i++)
		canvas_text(c, 0, top + i - s->scroll, lines[i], COLOR_DEFAULT, 0, 0);
}

void run_tab_draw(const struct app *a, struct run_state *s, struct canvas *c, int top, int bottom)
{
	(void)a;
	switch (s->tab) {
	case TAB_CURVES: draw_curves(s, c, top, bottom); break;
	case TAB_CONFUSION: draw_confusion(s, c, top, bottom); break;
	case TAB_DIGITS: draw_digits(s, c, top, bottom); break;
	case TAB_WEIGHTS: draw_weights(s, c, top, bottom); break;
	case TAB_MODEL: draw_lines(s, c, top, bottom, s->summary, s->n_summary); break;
	case TAB_YAML: draw_lines(s, c, top, bottom, s->yaml_lines, s->n_yaml); break;
	default: break;
	}
}

const char *run_tab_keys_epochs(int flips, int wide)
{
	if (flips)
		return wide ? " ?help  1-6/Tab panel  f next list  [ ] epoch compared  arrows digit"
			      "  click select  c cancel  s stop  E clone+edit  Esc back " :
			      " ?help  1-6 panel  f next list  [ ] epoch  arrows digit  Esc back ";
	return wide ? " ?help  1-6/Tab panel  [ ] epoch  f flips  arrows cell  m counts or %"
		      "  V test or validation  c cancel  s stop  E clone+edit  Esc back " :
		      " ?help  1-6 panel  [ ] epoch  f flips  arrows cell  m counts/%  Esc back ";
}

/* Each tab's own keys first; every bar fits 80 columns. */
const char *run_tab_keys(enum run_tab tab, int wide)
{
	switch (tab) {
	case TAB_CONFUSION:
		return wide ? " ?help  1-6/Tab panel  arrows cell  m counts or %  V test or validation"
			      "  c cancel  s stop  r retry  E clone+edit  Esc back " :
			      " ?help  1-6 panel  arrows cell  m counts/%  V test/validation  Esc back ";
	case TAB_DIGITS:
		return wide ? " ?help  1-6/Tab panel  arrows digit  V test or validation  c cancel  s stop"
			      "  r retry  E clone+edit  Esc back " :
			      " ?help  1-6 panel  arrows digit  V test/validation  E clone  Esc back ";
	case TAB_WEIGHTS:
		return wide ? " ?help  1-6/Tab panel  arrows scroll  c cancel  s stop  p pause  r retry"
			      "  E clone+edit  Esc back " :
			      " ?help  1-6 panel  arrows scroll  c cancel  s stop  E clone  Esc back ";
	case TAB_MODEL:
	case TAB_YAML:
		return wide ? " ?help  1-6/Tab panel  arrows PgUp PgDn scroll  c cancel  s stop  r retry"
			      "  E clone+edit  v augment  Esc back " :
			      " ?help  1-6 panel  arrows scroll  E clone+edit  v augment  Esc back ";
	default:
		return wide ? " ?help  1-6/Tab panel  m metric  l log y  X log x  x epoch/step/time"
			      "  z smooth  d draw  c cancel  s stop  p pause  t tag  Esc back " :
			      " ?help  1-6 panel  m metric  l log  x axis  z smooth  d draw  Esc back ";
	}
}
