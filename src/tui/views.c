/* Drawing the dashboard's state into a canvas (dash.h). Nothing here
 * reads the store or changes state: what to draw comes from struct dash. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui/dash.h"
#include "tui/widgets.h"
#include "util/clock.h"

#define MIN_W 80
#define MIN_H 24

static const char *const tab_names[TAB_COUNT] = {"Curves", "Confusion", "Digits", "Weights",
						  "Model", "YAML"};

static int status_color(enum store_status st)
{
	switch (st) {
	case STORE_RUNNING: return COLOR_RUNNING;
	case STORE_DONE: return COLOR_GOOD;
	case STORE_FAILED: case STORE_DIVERGED: return COLOR_BAD;
	case STORE_PAUSED: case STORE_INTERRUPTED: case STORE_CANCELLED: return COLOR_WARN;
	default: return COLOR_DEFAULT;
	}
}

static const char *fmt_acc(double v, char *buf, size_t size)
{
	if (isnan(v))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.4f", v);
	return buf;
}

static const char *fmt_dur(double s, char *buf, size_t size)
{
	if (isnan(s) || s < 0)
		snprintf(buf, size, "-");
	else if (s < 60)
		snprintf(buf, size, "%.0fs", s);
	else if (s < 3600)
		snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, size, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
	return buf;
}

/* ---- header, key bar, prompt ---- */

static void draw_header(struct dash *d, struct canvas *c)
{
	int busy = 0, queued = 0;
	char workers[96];

	for (int i = 0; i < d->n_rows; i++) {
		busy += d->rows[i].status == STORE_RUNNING;
		queued += d->rows[i].status == STORE_QUEUED || d->rows[i].status == STORE_INTERRUPTED;
	}
	if (d->in_process)
		snprintf(workers, sizeof workers, "workers: %d in-process", d->workers);
	else if (d->lock_pid > 0)
		snprintf(workers, sizeof workers, "workers: serve pid %ld", d->lock_pid);
	else
		snprintf(workers, sizeof workers, "workers: none");
	canvas_fill(c, 0, 0, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_printf(c, 0, 0, COLOR_TITLE, ATTR_BOLD | ATTR_REVERSE,
		      " digitlab  %s  running %d  queued %d  cpu %3.0f%%%s ", workers, busy, queued,
		      d->cpu_percent, d->queue_paused ? "  QUEUE PAUSED" : "");
}

static void draw_keys(struct dash *d, struct canvas *c, const char *keys)
{
	int y = c->h - 1;

	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_text(c, 0, y, keys, COLOR_DIM, ATTR_REVERSE, 0);
	(void)d;
}

static void draw_prompt(struct dash *d, struct canvas *c)
{
	static const char *const asks[] = {
		[PROMPT_FILTER] = "filter: ", [PROMPT_PATH] = "queue file: ",
		[PROMPT_TAG] = "tag: ", [PROMPT_NOTE] = "note: ", [PROMPT_EXPORT] = "export CSV to: ",
		[PROMPT_TAG_FILTER] = "only runs tagged (empty: all): ",
		[PROMPT_CONFIRM_DELETE] = "delete the selected run? (y/n) ",
		[PROMPT_QUIT] = "runs are training here: [b]ackground serve, [w]ait, [i]nterrupt, [Esc] stay ",
	};
	int y = c->h - 2;

	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	if (d->prompt != PROMPT_NONE && d->prompt != PROMPT_PICK) {
		int n = canvas_text(c, 0, y, asks[d->prompt], COLOR_ACCENT, ATTR_BOLD, 0);

		canvas_text(c, n, y, d->input, COLOR_DEFAULT, 0, 0);
		canvas_put(c, n + (int)strlen(d->input), y, c->ascii ? '_' : 0x2588, COLOR_ACCENT,
			   COLOR_DEFAULT, 0);
	} else if (d->message[0] && clock_seconds() < d->message_until) {
		canvas_text(c, 0, y, d->message, COLOR_WARN, 0, 0);
	}
}

/* ---- overview ---- */

/* Overview columns: narrower at 80 columns, samples/s from 100. */
struct overview_cols {
	int name_w, speed, spark_w;
};

static struct overview_cols overview_cols(int w)
{
	struct overview_cols o = {w >= 120 ? 28 : 14, 1, 0};

	/* id 6, name, status 10, progress 11, epoch 6, eta 7, speed 8, best 7 */
	o.spark_w = w - (6 + o.name_w + 1 + 10 + 11 + 6 + 7 + (o.speed ? 8 : 0) + 7 + 1);
	if (o.spark_w > 40)
		o.spark_w = 40;
	return o;
}

static void draw_overview_row(struct dash *d, struct canvas *c, int y, const struct store_row *r,
			      int selected, struct overview_cols oc)
{
	char acc[16], eta[16];
	int x = 0, fg = status_color(r->status), attr = selected ? ATTR_REVERSE : 0;
	double elapsed = (double)time(NULL) - r->started, frac = 0;

	/* the whole run's progress, from the time it has taken and the ETA */
	if (!isnan(r->eta_s) && elapsed > 0)
		frac = elapsed / (elapsed + r->eta_s);
	else if (r->batches > 0)
		frac = (double)r->batch / r->batches;
	if (selected)
		canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%5lld ", (long long)r->id);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%-*.*s ", oc.name_w, oc.name_w, r->name);
	x += canvas_printf(c, x, y, fg, attr, "%-9.9s ", store_status_name(r->status));
	if (r->status == STORE_RUNNING)
		widget_progress(c, x, y, 10, frac, COLOR_RUNNING);
	x += 11;
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%5d ",
			   r->status == STORE_RUNNING ? r->epoch : r->epochs);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%6s ", r->status == STORE_RUNNING ?
			   fmt_dur(r->eta_s, eta, sizeof eta) : "");
	if (oc.speed) {
		if (r->status == STORE_RUNNING && !isnan(r->samples_per_s))
			x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%7.0f ", r->samples_per_s);
		else
			x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%7s ", "");
	}
	/* ".9823": the leading zero of an accuracy says nothing */
	fmt_acc(r->best_val_accuracy, acc, sizeof acc);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%6s ", acc[0] == '0' ? acc + 1 : acc);
	if (oc.spark_w > 0 && r->epochs > 0) {
		const struct spark_entry *e = dash_spark(d, r->id, r->epochs);

		if (e && e->n > 0)
			widget_sparkline(c, x, y, oc.spark_w, e->val, e->n, COLOR_ACCENT);
	}
}

static void draw_list_head(struct canvas *c, int y, const char *text)
{
	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_text(c, 0, y, text, COLOR_TITLE, ATTR_BOLD, 0);
}

/* Keep the selection on screen: rows lines from `top`. */
static void scroll_into_view(struct dash *d, int rows)
{
	if (d->sel < d->top)
		d->top = d->sel;
	if (d->sel >= d->top + rows)
		d->top = d->sel - rows + 1;
	if (d->top < 0)
		d->top = 0;
}

static void draw_overview(struct dash *d, struct canvas *c)
{
	struct overview_cols oc = overview_cols(c->w);
	int rows = c->h - 4, x;
	char head[256];

	x = snprintf(head, sizeof head, "%5s %-*s %-9s %-10s %5s %6s ", "ID", oc.name_w, "NAME",
		     "STATUS", "PROGRESS", "EPOCH", "ETA");
	if (oc.speed)
		x += snprintf(head + x, sizeof head - (size_t)x, "%7s ", "SAMP/S");
	snprintf(head + x, sizeof head - (size_t)x, "%6s %s", "BEST", "VAL ACC");
	draw_list_head(c, 1, head);
	scroll_into_view(d, rows);
	for (int i = 0; i < rows && d->top + i < d->n_view; i++) {
		int k = d->top + i;

		draw_overview_row(d, c, 2 + i, &d->rows[d->view[k]], k == d->sel, oc);
	}
	if (d->n_view == 0)
		canvas_text(c, 2, 3, "No runs yet. Press a to queue an experiment file.", COLOR_DIM, 0, 0);
	draw_keys(d, c, c->w >= 120 ?
		  " ?help  Enter open  a add  A add path  c cancel  s stop  p pause  r retry  +/- priority"
		  "  L all runs  P pause queue  q quit " :
		  " ?help  Enter open  a add  c cancel  s stop  p pause  r retry  L runs  q quit ");
}

/* ---- the runs list ---- */

static int marked(const struct dash *d, int64_t id)
{
	for (int i = 0; i < d->n_marked; i++)
		if (d->marked[i] == id)
			return 1;
	return 0;
}

/* Mean and sample standard deviation of the test accuracy of the runs of
 * r's sweep point. */
static void group_stats(const struct dash *d, const struct store_row *r, int *n, int *done,
			double *mean, double *spread)
{
	double sum = 0, sq = 0;

	*n = *done = 0;
	for (int i = 0; i < d->n_rows; i++) {
		const struct store_row *q = &d->rows[i];

		if (q != r && (!r->sweep_id || q->sweep_id != r->sweep_id ||
			       strcmp(q->sweep_point, r->sweep_point)))
			continue;
		(*n)++;
		if (!isnan(q->test_accuracy)) {
			(*done)++;
			sum += q->test_accuracy;
			sq += q->test_accuracy * q->test_accuracy;
		}
	}
	*mean = *done ? sum / *done : NAN;
	*spread = *done > 1 ? sqrt(fmax(0, (sq - sum * sum / *done) / (*done - 1))) : NAN;
}

static void draw_runs_row(struct dash *d, struct canvas *c, int y, const struct store_row *r,
			  int selected, int name_w)
{
	int attr = selected ? ATTR_REVERSE : 0, x = 0;
	char a[16], t[16], s[16];

	if (selected)
		canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	x += canvas_printf(c, x, y, COLOR_ACCENT, attr, "%c", marked(d, r->id) ? '*' : ' ');
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%5lld %-*.*s ", (long long)r->id, name_w,
			   name_w, r->name);
	if (d->group) {
		int n, done;
		double mean, spread;

		group_stats(d, r, &n, &done, &mean, &spread);
		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%-24.24s %4d %4d %8s", r->sweep_id ?
				   r->sweep_point : "-", n, done, fmt_acc(mean, a, sizeof a));
		if (!isnan(spread))
			canvas_printf(c, x, y, COLOR_DIM, attr, " %s %.4f", c->ascii ? "+-" : "\u00b1",
				      spread);
		return;
	}
	x += canvas_printf(c, x, y, status_color(r->status), attr, "%-11s ",
			   store_status_name(r->status));
	canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%9lld %6d %9s %9s %8s", (long long)r->params,
		      r->epochs, fmt_acc(r->accuracy, a, sizeof a),
		      fmt_acc(r->test_accuracy, t, sizeof t), fmt_dur(r->seconds, s, sizeof s));
}

static const char *sort_name(enum store_sort s)
{
	static const char *const names[] = {"id", "name", "status", "params", "epochs",
					    "train acc", "val acc", "test acc", "time", "created"};

	return (int)s >= 0 && (int)s < (int)(sizeof names / sizeof names[0]) ? names[s] : "?";
}

static void draw_runs(struct dash *d, struct canvas *c)
{
	int name_w = c->w >= 120 ? 36 : 24, rows = c->h - 5;
	char head[256];

	canvas_printf(c, 0, 1, COLOR_DIM, 0, "%d runs shown of %d  sorted by %s%s%s%s%s%s%s%s",
		      d->n_view, d->n_rows, sort_name(d->sort), d->sort_desc ? " (descending)" : "",
		      d->filter[0] ? "  filter: " : "", d->filter,
		      d->status_filter >= 0 ? "  status: " : "",
		      d->status_filter >= 0 ? store_status_name(d->status_filter) : "",
		      d->tag_filter[0] ? "  tag: " : "", d->tag_filter);
	if (d->group)
		snprintf(head, sizeof head, " %5s %-*s %-24s %4s %4s %8s", "ID", name_w, "NAME",
			 "SWEEP POINT", "RUNS", "DONE", "TEST ACC");
	else
		snprintf(head, sizeof head, " %5s %-*s %-11s %9s %6s %9s %9s %8s", "ID", name_w, "NAME",
			 "STATUS", "PARAMS", "EPOCHS", "TRAIN ACC", "TEST ACC", "TIME");
	draw_list_head(c, 2, head);
	scroll_into_view(d, rows);
	for (int i = 0; i < rows && d->top + i < d->n_view; i++) {
		int k = d->top + i;

		draw_runs_row(d, c, 3 + i, &d->rows[d->view[k]], k == d->sel, name_w);
	}
	draw_keys(d, c, " ?help  Enter run  / filter  f status  S sort  i reverse  g group"
		  "  space mark  C compare  t tag  n note  d delete  e export  O overview ");
}

/* ---- the run screen ---- */

static double get_loss(const struct store_epoch *e) { return e->loss; }
static double get_acc(const struct store_epoch *e) { return e->accuracy; }
static double get_vloss(const struct store_epoch *e) { return e->val_loss; }
static double get_vacc(const struct store_epoch *e) { return e->val_accuracy; }
static double get_lr(const struct store_epoch *e) { return e->lr; }

/* One field of every epoch; malloc'd. */
static double *series(const struct run_detail *r, double (*get)(const struct store_epoch *))
{
	double *v = malloc(sizeof *v * (size_t)(r->n_epochs ? r->n_epochs : 1));

	for (int i = 0; v && i < r->n_epochs; i++)
		v[i] = get(&r->epochs[i]);
	return v;
}

static void draw_run_info(struct dash *d, struct canvas *c)
{
	const struct store_row *r = &d->detail.run.row;
	char acc[16], eta[16];
	int x = 0;

	x += canvas_printf(c, x, 1, COLOR_TITLE, ATTR_BOLD, "run %lld %s ", (long long)r->id, r->name);
	x += canvas_printf(c, x, 1, status_color(r->status), ATTR_BOLD, "%s ",
			   store_status_name(r->status));
	if (r->status == STORE_RUNNING && r->batches > 0) {
		x += canvas_printf(c, x, 1, COLOR_DEFAULT, 0, "epoch %d ", r->epoch);
		widget_progress(c, x, 1, 16, (double)r->batch / r->batches, COLOR_RUNNING);
		x += 17;
		x += canvas_printf(c, x, 1, COLOR_DEFAULT, 0, "ETA %s  %.0f samples/s ",
				   fmt_dur(r->eta_s, eta, sizeof eta), r->samples_per_s);
	} else {
		x += canvas_printf(c, x, 1, COLOR_DEFAULT, 0, "%d epochs  test acc %s ", r->epochs,
				   fmt_acc(r->test_accuracy, acc, sizeof acc));
	}
	if (r->sweep_id)
		canvas_printf(c, x, 1, COLOR_DIM, 0, " sweep %lld %s", (long long)r->sweep_id,
			      r->sweep_point);
	x = 0;
	for (int t = 0; t < TAB_COUNT; t++) {
		d->tab_x[t] = x;
		x += canvas_printf(c, x, 2, t == (int)d->tab ? COLOR_ACCENT : COLOR_DIM,
				   t == (int)d->tab ? ATTR_REVERSE | ATTR_BOLD : 0, " %d %s ", t + 1,
				   tab_names[t]) + 1;
	}
	d->tab_x[TAB_COUNT] = x;
	d->tab_y = 2;
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
static int event_marks(const struct run_detail *r, int *marks, int max)
{
	int n = 0;

	for (int i = 0; i < r->n_epochs && n < max; i++)
		if (r->epochs[i].events && r->epochs[i].events[0])
			marks[n++] = i;
	return n;
}

static void draw_tab_curves(struct dash *d, struct canvas *c, int top, int bottom)
{
	const struct run_detail *r = &d->detail;
	double *loss = series(r, get_loss), *acc = series(r, get_acc), *vloss = series(r, get_vloss);
	double *vacc = series(r, get_vacc), *lr = series(r, get_lr);
	int spark_w = c->w - 40 > 60 ? 60 : c->w - 40, marks[64], n_marks;
	int lr_h = bottom - top >= 24 ? 8 : 5, chart_h = bottom - top - 5 - lr_h;
	struct chart_series s[2];
	struct chart_opts o = {.smooth = d->smooth};

	if (!loss || !acc || !vloss || !vacc || !lr || r->n_epochs == 0) {
		canvas_text(c, 2, top + 1, "No epoch has finished yet.", COLOR_DIM, 0, 0);
		goto out;
	}
	draw_sparkline_row(c, top, "loss", loss, r->n_epochs, spark_w, COLOR_ACCENT);
	draw_sparkline_row(c, top + 1, "val_loss", vloss, r->n_epochs, spark_w, COLOR_SECOND);
	draw_sparkline_row(c, top + 2, "accuracy", acc, r->n_epochs, spark_w, COLOR_ACCENT);
	draw_sparkline_row(c, top + 3, "val_accuracy", vacc, r->n_epochs, spark_w, COLOR_SECOND);
	s[0] = (struct chart_series){d->chart_metric ? acc : loss, r->n_epochs, COLOR_ACCENT,
				    d->chart_metric ? "accuracy" : "loss"};
	s[1] = (struct chart_series){d->chart_metric ? vacc : vloss, r->n_epochs, COLOR_SECOND,
				    d->chart_metric ? "val_accuracy" : "val_loss"};
	o.title = d->chart_metric ? "accuracy per epoch (m: loss)" : "loss per epoch (m: accuracy)";
	widget_line_chart(c, 0, top + 5, c->w, chart_h, s, isnan(s[1].v[0]) &&
			  isnan(s[1].v[r->n_epochs - 1]) ? 1 : 2, &o);
	n_marks = event_marks(r, marks, 64);
	s[0] = (struct chart_series){lr, r->n_epochs, COLOR_WARN, "lr"};
	o = (struct chart_opts){.title = "learning rate (ticks: LR reductions, early stop)",
				.marks = marks, .n_marks = n_marks};
	widget_line_chart(c, 0, bottom - lr_h, c->w, lr_h, s, 1, &o);
out:
	free(loss);
	free(acc);
	free(vloss);
	free(vacc);
	free(lr);
}

/* A digit thumbnail: the square around its ink, every other pixel of it,
 * so that a 28x28 MNIST digit (20x20 of ink at most) is 10 x 5 cells. */
#define THUMB_MAX 16

static int thumb_size(const struct store_sample *s, int *y0, int *x0)
{
	int top = s->h, bottom = -1, left = s->w, right = -1, side;

	for (int y = 0; y < s->h; y++)
		for (int x = 0; x < s->w; x++)
			if (s->pixels[y * s->w + x] > 0.1f) {
				top = y < top ? y : top;
				bottom = y > bottom ? y : bottom;
				left = x < left ? x : left;
				right = x > right ? x : right;
			}
	if (bottom < 0)
		top = bottom = left = right = 0;
	side = bottom - top > right - left ? bottom - top + 1 : right - left + 1;
	side = side > 2 * THUMB_MAX ? 2 * THUMB_MAX : side;
	*y0 = (top + bottom + 1) / 2 - side / 2;
	*x0 = (left + right + 1) / 2 - side / 2;
	return (side + 1) / 2;
}

static int draw_thumb(struct canvas *c, int x, int y, const struct store_sample *s)
{
	float small[THUMB_MAX * THUMB_MAX];
	int y0, x0, n = thumb_size(s, &y0, &x0);

	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			int sy = y0 + 2 * i, sx = x0 + 2 * j;

			small[i * n + j] = sy >= 0 && sy < s->h && sx >= 0 && sx < s->w ?
					   s->pixels[sy * s->w + sx] : 0;
		}
	widget_image(c, x, y, small, n, n, 0);
	return n;
}

/* "test" or "validation": whose confusion and digits the run screen shows */
static const char *split_name(const struct run_detail *r)
{
	return r->split && !strcmp(r->split, "val") ? "validation" : "test";
}

static void draw_cell_digits(struct dash *d, struct canvas *c, int top, int bottom)
{
	const struct run_detail *r = &d->detail;
	int x = 0, n = 0;

	if (d->conf_t < 0 || d->conf_p < 0) {
		canvas_text(c, 0, top, "Move with the arrows to a cell to see its digits.", COLOR_DIM, 0, 0);
		return;
	}
	for (int i = 0; i < r->n_samples; i++)
		n += r->samples[i].truth == d->conf_t && r->samples[i].predicted == d->conf_p;
	canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, "true %d predicted %d: %d digit%s%s", d->conf_t,
		      d->conf_p, n, n == 1 ? "" : "s", d->conf_t == d->conf_p ? " (the diagonal: correct)" : "");
	for (int i = 0; i < r->n_samples && bottom - top > 2; i++) {
		const struct store_sample *s = &r->samples[i];

		if (s->truth != d->conf_t || s->predicted != d->conf_p)
			continue;
		if (x + THUMB_MAX / 2 + 4 > c->w)
			break;
		canvas_printf(c, x, top + 1, COLOR_DIM, 0, "%.2f", s->confidence);
		x += draw_thumb(c, x, top + 2, s) + 2;
	}
}

static void draw_tab_confusion(struct dash *d, struct canvas *c, int top, int bottom)
{
	const struct run_detail *r = &d->detail;
	int cw, ch, dx, dy, cell_w;

	if (!r->k) {
		canvas_text(c, 2, top + 1, "No confusion matrix yet: it is made when the run is done.",
			    COLOR_DIM, 0, 0);
		return;
	}
	cw = widget_confusion_width(r->k);
	ch = widget_confusion_height(r->k);
	canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD, "%s confusion, %s", split_name(r),
		      d->chart_metric ? "% of each true class (m: counts)" :
		      "counts (m: % of each row)");
	widget_confusion(c, 0, top + 1, r->confusion, r->k,
			 d->chart_metric ? CONFUSION_ROW_PERCENT : CONFUSION_COUNTS, d->conf_t, d->conf_p);
	widget_confusion_cells(&dx, &dy, &cell_w);
	d->conf_hit = (struct hit_grid){.x = dx, .y = top + 1 + dy, .cell_w = cell_w, .cell_h = 1,
					.cols = r->k, .rows = r->k, .n_items = r->k * r->k};
	if (c->w - cw - 2 >= 20) {
		canvas_text(c, cw + 2, top, "error per class", COLOR_TITLE, ATTR_BOLD, 0);
		widget_class_error(c, cw + 2, top + 2, c->w - cw - 2, r->confusion, r->k);
	}
	draw_cell_digits(d, c, top + ch + 1, bottom);
}

static void draw_tab_digits(struct dash *d, struct canvas *c, int top, int bottom)
{
	const struct run_detail *r = &d->detail;
	int x = 0, y = top + 1, per_row, shown = 0;

	if (!r->n_samples) {
		canvas_printf(c, 2, top + 1, COLOR_DIM, 0, "No misclassified %s digits kept (yet).",
			      split_name(r));
		return;
	}
	if (d->digit_sel >= r->n_samples)
		d->digit_sel = r->n_samples - 1;
	canvas_printf(c, 0, top, COLOR_TITLE, ATTR_BOLD,
		      "%d misclassified %s digits, by true class (true%spredicted confidence)",
		      r->n_samples, split_name(r), c->ascii ? ">" : "\u2192");
	/* the selected digit and its saliency, full size, on the right */
	{
		const struct store_sample *s = &r->samples[d->digit_sel];
		int bw = widget_image_width(s->w), bx = c->w - 2 * bw - 3;

		if (bx > 20) {
			canvas_printf(c, bx, top + 1, COLOR_ACCENT, ATTR_BOLD, "#%d: %d%s%d %.2f", s->index,
				      s->truth, c->ascii ? ">" : "\u2192", s->predicted, s->confidence);
			widget_image(c, bx, top + 2, s->pixels, s->h, s->w, 0);
			if (s->saliency) {
				canvas_text(c, bx + bw + 2, top + 1, "saliency (+ for, - against)",
					    COLOR_DIM, 0, 0);
				widget_image(c, bx + bw + 2, top + 2, s->saliency, s->h, s->w, 1);
			}
			per_row = (bx - 1) / 12;
		} else {
			per_row = c->w / 12;
		}
	}
	d->digits_hit = (struct hit_grid){.x = 0, .y = top + 1, .cell_w = 12, .cell_h = 7,
					  .cols = per_row, .first = d->digit_sel / per_row * per_row,
					  .n_items = r->n_samples};
	for (int i = d->digits_hit.first; i < r->n_samples; i++, shown++) {
		const struct store_sample *s = &r->samples[i];

		if (shown && shown % per_row == 0) {
			x = 0;
			y += 7;
		}
		if (y + 6 > bottom)
			break;
		d->digits_hit.rows = (y - d->digits_hit.y) / 7 + 1;
		canvas_printf(c, x, y, i == d->digit_sel ? COLOR_ACCENT : COLOR_DEFAULT,
			      i == d->digit_sel ? ATTR_REVERSE : 0, "%d%s%d %.2f", s->truth,
			      c->ascii ? ">" : "\u2192", s->predicted, s->confidence);
		draw_thumb(c, x, y + 1, s);
		x += 12;
	}
}

static void draw_tab_weights(struct dash *d, struct canvas *c, int top, int bottom)
{
	const struct run_detail *r = &d->detail;
	int x = 0, y = top + 1, iw, ih, per_row, first, last = -1;

	canvas_text(c, 0, top, r->weights_note, COLOR_TITLE, ATTR_BOLD, 0);
	if (!r->weights)
		return;
	iw = widget_image_width(r->weights_w);
	ih = widget_image_height(r->weights_h);
	per_row = (c->w + 1) / (iw + 1) > 0 ? (c->w + 1) / (iw + 1) : 1;
	/* the arrows scroll by rows of images */
	if (d->scroll * per_row >= r->n_weights)
		d->scroll = (r->n_weights - 1) / per_row;
	first = d->scroll * per_row;
	for (int i = first; i < r->n_weights; i++) {
		if (x + iw > c->w) {
			x = 0;
			y += ih + 1;
		}
		if (y + ih > bottom)
			break;
		widget_image(c, x, y, r->weights + (size_t)i * r->weights_h * r->weights_w,
			     r->weights_h, r->weights_w, 0);
		x += iw + 1;
		last = i;
	}
	canvas_printf(c, (int)strlen(r->weights_note) + 2, top, COLOR_DIM, 0,
		      "(%d-%d of %d; arrows scroll; mid grey is 0)", first + 1, last + 1, r->n_weights);
}

static void draw_lines(struct dash *d, struct canvas *c, int top, int bottom, char **lines, int n)
{
	if (d->scroll > n - 1)
		d->scroll = n > 0 ? n - 1 : 0;
	for (int i = d->scroll; i < n && top + i - d->scroll < bottom; i++)
		canvas_text(c, 0, top + i - d->scroll, lines[i], COLOR_DEFAULT, 0, 0);
}

static void draw_tab_yaml(struct dash *d, struct canvas *c, int top, int bottom)
{
	char *text = d->detail.run.yaml ? strdup(d->detail.run.yaml) : NULL, *lines[4096];
	int n = 0;

	for (char *p = text, *nl; p && *p && n < 4096; p = nl + 1) {
		lines[n++] = p;
		if (!(nl = strchr(p, '\n')))
			break;
		*nl = '\0';
	}
	draw_lines(d, c, top, bottom, lines, n);
	free(text);
}

/* The run screen's key bar: the keys of its tab first. */
static const char *run_keys(enum run_tab tab, int wide)
{
	switch (tab) {
	case TAB_CONFUSION:
		return wide ? " ?help  1-6/Tab panel  arrows cell  m counts or %  V test or validation"
			      "  c cancel  s stop  r retry  E clone+edit  Esc back " :
			      " ?help  1-6 panel  arrows cell  m counts or %  V test or validation  Esc back ";
	case TAB_DIGITS:
		return wide ? " ?help  1-6/Tab panel  arrows digit  V test or validation  c cancel  s stop"
			      "  r retry  E clone+edit  Esc back " :
			      " ?help  1-6 panel  arrows digit  V test or validation  Esc back ";
	default:
		return wide ? " ?help  1-6/Tab panel  arrows select  m metric  z smooth  c cancel  s stop"
			      "  p pause  r retry  E clone+edit  v augment  Esc back " :
			      " ?help  1-6 panel  arrows select  m metric  z smooth  c cancel  s stop  Esc back ";
	}
}

static void draw_run(struct dash *d, struct canvas *c)
{
	int top = 3, bottom = c->h - 2;

	if (!d->detail.id) {
		canvas_text(c, 2, 3, "This run is gone.", COLOR_DIM, 0, 0);
		draw_keys(d, c, " Esc back ");
		return;
	}
	draw_run_info(d, c);
	switch (d->tab) {
	case TAB_CURVES: draw_tab_curves(d, c, top, bottom); break;
	case TAB_CONFUSION: draw_tab_confusion(d, c, top, bottom); break;
	case TAB_DIGITS: draw_tab_digits(d, c, top, bottom); break;
	case TAB_WEIGHTS: draw_tab_weights(d, c, top, bottom); break;
	case TAB_MODEL: draw_lines(d, c, top, bottom, d->detail.summary, d->detail.n_summary); break;
	case TAB_YAML: draw_tab_yaml(d, c, top, bottom); break;
	default: break;
	}
	draw_keys(d, c, run_keys(d->tab, c->w >= 120));
}

/* ---- help ---- */

static const char *const help_lines[] = {
	"digitlab dashboard: every key (arrows scroll this page)",
	"",
	"Everywhere",
	"  ? F1     this help               q        quit (asks when runs train here)",
	"  O        overview                L        all runs",
	"  a        queue a file from experiments/ (v there previews its augmentation)",
	"  A        queue a file by path (Tab completes)",
	"  P        pause / resume the whole queue",
	"  arrows j k   move     PgUp PgDn   a page     Home End   first, last",
	"  mouse    click a row to select it, click it again to open it;",
	"           click a tab, a confusion cell or a digit to select it",
	"",
	"On a run (overview, runs list, run screen)",
	"  Enter    open the run            c        cancel now",
	"  s        stop after this epoch   p        pause / resume",
	"  r        retry                   + -      priority up, down",
	"  t        tag                     n        note",
	"  d        delete                  E        clone, edit in $EDITOR, queue",
	"  v        preview the run's augmentation",
	"",
	"Runs list",
	"  /        filter by name or sweep point    f   cycle the status filter",
	"  T        only the runs with a tag",
	"  S        next sort column        i        reverse the sort",
	"  g        group a sweep's repeats (mean and spread of test accuracy)",
	"  space    mark for compare        C        compare the marked runs",
	"  e        export the list as CSV",
	"",
	"Run screen",
	"  1-6 Tab  Curves, Confusion, Digits, Weights, Model, YAML",
	"  m        loss or accuracy chart; counts or row % in the confusion matrix",
	"  z        a moving average over the raw curves (off, 3, 9 epochs)",
	"  arrows   a confusion cell (its digits below), a digit (its saliency)",
	"  V        the validation set's confusion and digits, or the test set's",
	"  Esc      back",
	"",
	"Compare",
	"  the marked runs' curves overlaid, their metrics, the settings that",
	"  differ and, in a terminal of 40 rows or more, the first two confusion",
	"  matrices' difference cell by cell",
	"  x        the confusion difference in place of curves and settings",
	"           (terminals under 40 rows)",
	"  V        the validation sets' confusion difference, or the test sets'",
};

static void draw_help(struct dash *d, struct canvas *c)
{
	int n = (int)(sizeof help_lines / sizeof help_lines[0]), rows = c->h - 3;

	if (d->scroll > n - rows)
		d->scroll = n - rows > 0 ? n - rows : 0;
	for (int i = 0; i < rows && d->scroll + i < n; i++) {
		int k = d->scroll + i;

		canvas_text(c, 1, 1 + i, help_lines[k], k == 0 ? COLOR_TITLE : COLOR_DEFAULT,
			    k == 0 ? ATTR_BOLD : 0, 0);
	}
	draw_keys(d, c, " arrows scroll  Esc or q back ");
}

/* ---- compare ---- */


/* ---- the enqueue picker ---- */

static void draw_picker(struct dash *d, struct canvas *c)
{
	int w = c->w > 70 ? 60 : c->w - 4, h = d->n_picks + 2 > c->h - 6 ? c->h - 6 : d->n_picks + 2;
	int x = (c->w - w) / 2, y = 3, first = d->pick_sel >= h - 2 ? d->pick_sel - (h - 3) : 0;

	canvas_fill(c, x, y, w, h, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_box(c, x, y, w, h, "queue an experiment (Enter; Esc closes)", COLOR_TITLE);
	for (int i = 0; i < h - 2 && first + i < d->n_picks; i++)
		canvas_text(c, x + 2, y + 1 + i, d->picks[first + i],
			    first + i == d->pick_sel ? COLOR_ACCENT : COLOR_DEFAULT,
			    first + i == d->pick_sel ? ATTR_REVERSE : 0, w - 4);
}

int dash_hit(const struct hit_grid *g, int x, int y)
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

void dash_draw(struct dash *d, struct canvas *c)
{
	/* a click hits only what this frame draws */
	d->conf_hit.rows = d->digits_hit.rows = 0;
	d->tab_y = -1;
	canvas_clear(c);
	if (c->w < MIN_W || c->h < MIN_H) {
		canvas_printf(c, 0, 0, COLOR_WARN, ATTR_BOLD, "digitlab needs a %dx%d terminal", MIN_W,
			      MIN_H);
		canvas_printf(c, 0, 1, COLOR_DEFAULT, 0, "this one is %dx%d:", c->w, c->h);
		canvas_printf(c, 0, 2, COLOR_DEFAULT, 0, "make it larger, or q quits");
		return;
	}
	draw_header(d, c);
	switch (d->screen) {
	case SCREEN_OVERVIEW: draw_overview(d, c); break;
	case SCREEN_RUNS: draw_runs(d, c); break;
	case SCREEN_RUN: draw_run(d, c); break;
	case SCREEN_COMPARE: dash_draw_compare(d, c); break;
	case SCREEN_HELP: draw_help(d, c); break;
	}
	if (d->prompt == PROMPT_PICK)
		draw_picker(d, c);
	draw_prompt(d, c);
}
