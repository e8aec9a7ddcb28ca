/* The compare view: the marked runs side by side, their curves, metrics,
 * the settings that differ and the difference of two confusion matrices
 * (views.h). */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/flat.h"
#include "tui/views.h"
#include "tui/widgets.h"

/* Terminals with at least this many rows show the confusion difference
 * below everything else; shorter ones show it instead, on `x`. */
#define TALL 40
#define LABEL_W 32              /* the column of keys and metric names */

static const int series_colors[] = {COLOR_ACCENT, COLOR_SECOND, COLOR_SERIES3, COLOR_SERIES4,
				    COLOR_SERIES5};

static void forget_one(struct compared *m)
{
	if (m->found)
		store_run_free(&m->run);
	free(m->flat);
	free(m->curve);
	memset(m, 0, sizeof *m);
}

static void forget_samples(struct compare_state *s)
{
	answer_book_free(&s->books[0]);
	answer_book_free(&s->books[1]);
	free(s->sample_idx);
	s->sample_idx = NULL;
	s->n_sample = s->n_fixed = s->n_broken = 0;
	s->book_ids[0] = s->book_ids[1] = 0;
	s->same = 0;
	s->why[0] = '\0';
}

/* The list shown (fixed by the second run, or broken by it) into
 * sample_idx; the counts of both. */
static void refresh_samples(struct compare_state *s)
{
	const struct answer_book *a = &s->books[0], *b = &s->books[1];
	const uint8_t *pa = answer_book_row(a, 0), *pb = answer_book_row(b, 0);
	int *other;

	free(s->sample_idx);
	s->sample_idx = NULL;
	s->n_sample = 0;
	if (!s->same || !pa || !pb)
		return;
	s->sample_idx = malloc(sizeof *s->sample_idx * (size_t)a->set.n);
	other = malloc(sizeof *other * (size_t)a->set.n);
	if (s->sample_idx && other) {
		if (s->samples == 1) {
			store_answers_flips(&a->set, pa, pb, other, &s->n_broken, s->sample_idx,
					    &s->n_fixed);
			s->n_sample = s->n_fixed;
		} else {
			store_answers_flips(&a->set, pa, pb, s->sample_idx, &s->n_broken, other,
					    &s->n_fixed);
			s->n_sample = s->n_broken;
		}
	}
	free(other);
	if (s->sample_sel >= s->n_sample)
		s->sample_sel = s->n_sample > 0 ? s->n_sample - 1 : 0;
}

/* The first two runs' test answers, when S asked for them and they are
 * not read yet for these runs. */
static void read_samples(struct app *a, struct compare_state *s)
{
	struct dl_error err;
	int found[2] = {0, 0};

	if (!s->samples || s->n < 2 || (s->book_ids[0] == s->runs[0].run.row.id &&
					s->book_ids[1] == s->runs[1].run.row.id))
		return;
	forget_samples(s);
	for (int i = 0; i < 2; i++) {
		s->book_ids[i] = s->runs[i].run.row.id;
		if (answer_book_load(a->store, s->book_ids[i], "test", &s->books[i], &found[i],
				     &err) != DL_OK)
			app_message(a, "run %lld: %s", (long long)s->book_ids[i], err.msg);
	}
	if (!found[0] || !found[1] || !answer_book_row(&s->books[0], 0) ||
	    !answer_book_row(&s->books[1], 0))
		snprintf(s->why, sizeof s->why, "run %lld kept no test answers per sample (not "
			 "finished, or from before digitlab kept them)",
			 (long long)s->book_ids[found[0] && answer_book_row(&s->books[0], 0)]);
	else if ((s->same = answer_book_same_samples(&s->books[0], &s->books[1], s->why,
						     sizeof s->why)) == 0) {
		char why[96];

		snprintf(why, sizeof why, "%.95s", s->why);
		snprintf(s->why, sizeof s->why, "runs %lld and %lld have different test sets (%s)",
			 (long long)s->book_ids[0], (long long)s->book_ids[1], why);
	}
	refresh_samples(s);
}

static void forget(struct compare_state *s)
{
	forget_samples(s);
	for (int i = 0; i < s->n; i++)
		forget_one(&s->runs[i]);
	for (int i = 0; i < s->n_differ; i++)
		free(s->differ[i]);
	free(s->differ);
	s->differ = NULL;
	s->n = s->n_differ = 0;
}

static int read_one(struct app *a, int64_t id, struct compared *m)
{
	struct store_epoch *e = NULL;
	struct dl_error err;
	int found, n = 0;

	memset(m, 0, sizeof *m);
	if (store_get_run(a->store, id, &m->run, &found, &err) != DL_OK || !found)
		return DL_ERR;
	m->found = 1;
	if (store_get_history(a->store, id, &e, &n, &err) != DL_OK ||
	    store_get_confusion(a->store, id, a->show_val ? "val" : "test", &m->k, m->confusion,
				&found, &err) != DL_OK)
		app_message(a, "run %lld: %s", (long long)id, err.msg);
	m->curve = malloc(sizeof *m->curve * (size_t)(n ? n : 1));
	m->n_epochs = m->curve ? n : 0;
	for (int i = 0; i < m->n_epochs; i++)
		m->curve[i] = isnan(e[i].val_accuracy) ? e[i].accuracy : e[i].val_accuracy;
	store_epochs_free(e, n);
	if ((m->flat = malloc(sizeof *m->flat)))
		spec_flatten(m->run.yaml, m->flat);
	snprintf(m->label, sizeof m->label, "%lld %.24s", (long long)id, m->run.row.name);
	return DL_OK;
}

/* The keys whose values differ between the runs (spec_flat_differ), as
 * strings of their own: the flats go when the runs are read again. */
static void find_differences(struct compare_state *s)
{
	const struct flat *flats[APP_MAX_MARKS];
	const char **keys;
	int n;

	for (int i = 0; i < s->n; i++)
		flats[i] = s->runs[i].flat;
	n = spec_flat_differ(flats, s->n, NULL, 0);
	if (n == 0 || !(keys = malloc(sizeof *keys * (size_t)n)))
		return;
	spec_flat_differ(flats, s->n, keys, n);
	if ((s->differ = malloc(sizeof *s->differ * (size_t)n)))
		for (int i = 0; i < n; i++)
			if ((s->differ[s->n_differ] = strdup(keys[i])))
				s->n_differ++;
	free(keys);
}

static int same_marks(const struct app *a, const struct compare_state *s)
{
	if (s->n_loaded != a->n_marked || s->loaded_val != a->show_val)
		return 0;
	return !memcmp(s->loaded, a->marked, sizeof *a->marked * (size_t)a->n_marked);
}

/* Read the marked runs when the marks, the split or a marked run changed. */
static void compare_update(struct app *a, void *state)
{
	struct compare_state *s = state;
	int moved = 0;

	for (int i = 0; same_marks(a, s) && i < s->n; i++) {
		const struct store_row *r = app_row(a, s->runs[i].run.row.id);

		moved |= !r || r->epochs != s->runs[i].run.row.epochs ||
			 r->status != s->runs[i].run.row.status;
	}
	if (same_marks(a, s) && !moved) {
		read_samples(a, s);
		return;
	}
	forget(s);
	for (int i = 0; i < a->n_marked; i++)
		if (read_one(a, a->marked[i], &s->runs[s->n]) == DL_OK)
			s->n++;
	memcpy(s->loaded, a->marked, sizeof *a->marked * (size_t)a->n_marked);
	s->n_loaded = a->n_marked;
	s->loaded_val = a->show_val;
	find_differences(s);
	read_samples(a, s);
}

static void compare_enter(struct app *a, void *state)
{
	compare_update(a, state);
}

/* ---- drawing ---- */

/* The runs' labels in their colours, over the columns of the tables. */
static void draw_labels(struct canvas *c, int y, const struct compare_state *s)
{
	int cw = (c->w - LABEL_W) / s->n;

	for (int r = 0; r < s->n; r++)
		canvas_text(c, LABEL_W + r * cw, y, s->runs[r].label, series_colors[r % 5], ATTR_BOLD,
			    cw - 1);
}

/* The settings that differ, one a line, from row y in at most max_rows;
 * "+N more" when they do not all fit. */
static void draw_settings(struct canvas *c, int y, int max_rows, const struct compare_state *s)
{
	int cw = (c->w - LABEL_W) / s->n, shown = s->n_differ;

	canvas_text(c, 0, y, s->n_differ ? "settings that differ" : "no settings differ",
		    COLOR_TITLE, ATTR_BOLD, 0);
	draw_labels(c, y, s);
	if (shown > max_rows - 1)
		shown = max_rows - 2 > 0 ? max_rows - 2 : 0;
	for (int i = 0; i < shown; i++) {
		canvas_text(c, 0, y + 1 + i, s->differ[i], COLOR_DEFAULT, 0, LABEL_W - 1);
		for (int q = 0; q < s->n; q++) {
			const char *v = s->runs[q].flat ? spec_flat_get(s->runs[q].flat, s->differ[i]) : NULL;

			canvas_text(c, LABEL_W + q * cw, y + 1 + i, v ? v : "-", COLOR_DEFAULT, 0, cw - 1);
		}
	}
	if (shown < s->n_differ)
		canvas_printf(c, 0, y + 1 + shown, COLOR_DIM, 0, "+%d more (a taller terminal shows them)",
			      s->n_differ - shown);
}

static int draw_metrics(struct canvas *c, int y, const struct compare_state *s)
{
	static const char *const names[] = {"status", "params", "epochs", "train accuracy",
					    "best val accuracy", "test accuracy", "test loss"};
	int cw = (c->w - LABEL_W) / s->n;

	for (int i = 0; i < 7; i++) {
		canvas_text(c, 0, y + i, names[i], COLOR_DIM, 0, LABEL_W - 1);
		for (int q = 0; q < s->n; q++) {
			const struct store_row *r = &s->runs[q].run.row;
			double v[] = {0, (double)r->params, r->epochs, r->accuracy, r->best_val_accuracy,
				      r->test_accuracy, r->test_loss};
			char buf[32];

			if (i == 0)
				snprintf(buf, sizeof buf, "%s", store_status_name(r->status));
			else if (i <= 2)
				snprintf(buf, sizeof buf, "%.0f", v[i]);
			else
				chrome_accuracy(v[i], buf, sizeof buf);
			canvas_text(c, LABEL_W + q * cw, y + i, buf, COLOR_DEFAULT, 0, cw - 1);
		}
	}
	return 7;
}

/* Second minus first, cell by cell, as a signed heat of counts. */
static void draw_confusion_diff(struct canvas *c, int y, const char *split,
				const struct compared *a, const struct compared *b)
{
	int k = a->k, x0 = 4;

	if (!k || k != b->k) {
		canvas_printf(c, 0, y, COLOR_DIM, 0, "(no pair of %s confusion matrices to compare; "
			      "V switches set)", split);
		return;
	}
	if (x0 + k * 5 > c->w) {
		canvas_printf(c, 0, y, COLOR_DIM, 0, "(%d classes: their confusion difference is wider "
			      "than the screen; `digitlab compare %lld %lld` prints it)", k,
			      (long long)a->run.row.id, (long long)b->run.row.id);
		return;
	}
	canvas_printf(c, 0, y, COLOR_TITLE, ATTR_BOLD, "%s confusion, %s minus %s", split, b->label,
		      a->label);
	for (int p = 0; p < k; p++)
		canvas_printf(c, x0 + p * 5, y + 1, COLOR_DIM, 0, "%5d", p);
	for (int t = 0; t < k; t++) {
		canvas_printf(c, 0, y + 2 + t, COLOR_DIM, 0, "%3d", t);
		for (int p = 0; p < k; p++) {
			int diff = b->confusion[t * k + p] - a->confusion[t * k + p];
			/* fewer errors, or more correct, is better */
			int better = t == p ? diff > 0 : diff < 0;

			if (diff)
				canvas_printf(c, x0 + p * 5, y + 2 + t, better ? COLOR_GOOD : COLOR_BAD, 0,
					      "%+5d", diff);
			else
				canvas_printf(c, x0 + p * 5, y + 2 + t, COLOR_DIM, 0, "%5s", ".");
		}
	}
}

/* ---- sample by sample ---- */

#define CELL_W 14               /* a thumbnail with its caption, and the gap after */
#define CELL_H 7

/* The selected sample full size with both runs' answers and confidences;
 * returns how many thumbnails fit on a row beside it. */
static int draw_selected_sample(const struct compare_state *s, struct canvas *c, int top)
{
	const struct answer_book *a = &s->books[0], *b = &s->books[1];
	int i = s->sample_idx[s->sample_sel], bw = widget_image_width(a->set.w);
	int bx = c->w - (bw > 26 ? bw : 26) - 1;
	const float *px = answer_book_digit(a, i) ? answer_book_digit(a, i) :
			  answer_book_digit(b, i);

	if (bx <= 20)
		return c->w / CELL_W;
	canvas_printf(c, bx, top, COLOR_ACCENT, ATTR_BOLD, "#%d, true %d", i, a->set.labels[i]);
	for (int r = 0; r < 2; r++) {
		const uint8_t *row = answer_book_row(&s->books[r], 0);
		int right = row[i] == a->set.labels[i];

		canvas_printf(c, bx, top + 1 + r, right ? COLOR_GOOD : COLOR_BAD, 0,
			      "run %lld: %d %3d%% %s", (long long)s->book_ids[r], row[i],
			      answer_book_confidence(&s->books[r], 0, i), right ? "right" : "wrong");
	}
	if (px)
		widget_image(c, bx, top + 3, px, a->set.h, a->set.w, 0);
	return (bx - 1) / CELL_W;
}

static void draw_samples(struct compare_state *s, struct canvas *c)
{
	const struct answer_book *a = &s->books[0], *b = &s->books[1];
	int x = 0, y = 3, per_row, shown = 0;
	struct hit_grid *hit = &s->samples_hit;

	hit->rows = 0;
	if (!s->same) {
		canvas_text(c, 2, 2, s->why[0] ? s->why : "Reading the runs' answers...", COLOR_DIM,
			    0, 0);
		return;
	}
	canvas_printf(c, 0, 1, COLOR_TITLE, ATTR_BOLD, "run %lld fixes %d digit%s that run %lld "
		      "got wrong and breaks %d (test set of %d)", (long long)s->book_ids[1],
		      s->n_fixed, s->n_fixed == 1 ? "" : "s", (long long)s->book_ids[0],
		      s->n_broken, a->set.n);
	canvas_printf(c, 0, 2, COLOR_DEFAULT, 0, s->samples == 1 ?
		      "fixed by run %lld (wrong in run %lld, right in run %lld): %d" :
		      "broken by run %lld (right in run %lld, wrong in run %lld): %d",
		      (long long)s->book_ids[1], (long long)s->book_ids[0],
		      (long long)s->book_ids[1], s->n_sample);
	if (!s->n_sample)
		return;
	per_row = draw_selected_sample(s, c, y);
	if (per_row < 1)
		per_row = 1;
	*hit = (struct hit_grid){.x = 0, .y = y, .cell_w = CELL_W, .cell_h = CELL_H,
				 .cols = per_row, .first = s->sample_sel / per_row * per_row,
				 .n_items = s->n_sample};
	for (int j = hit->first; j < s->n_sample; j++, shown++) {
		int i = s->sample_idx[j];
		const float *px = answer_book_digit(a, i) ? answer_book_digit(a, i) :
				  answer_book_digit(b, i);

		if (shown && shown % per_row == 0) {
			x = 0;
			y += CELL_H;
		}
		if (y + CELL_H - 1 > c->h - 2)
			break;
		hit->rows = (y - hit->y) / CELL_H + 1;
		canvas_printf(c, x, y, j == s->sample_sel ? COLOR_ACCENT : COLOR_DEFAULT,
			      j == s->sample_sel ? ATTR_REVERSE : 0, "%d%s%d #%d",
			      answer_book_row(a, 0)[i], c->ascii ? ">" : "\u2192",
			      answer_book_row(b, 0)[i], i);
		if (px)
			widget_digit_thumb(c, x, y + 1, px, a->set.h, a->set.w);
		x += CELL_W;
	}
}

static void draw_compare_keys(const struct compare_state *s, struct canvas *c)
{
	if (s->samples)
		chrome_keys(c, " ?help  Esc back  S samples off  f fixed or broken  arrows digit ");
	else if (c->h >= TALL)
		chrome_keys(c, " ?help  Esc back  V test or validation  S sample by sample ");
	else if (s->show_confusion)
		chrome_keys(c, " ?help  Esc back  x curves and settings  V test/validation  S samples ");
	else
		chrome_keys(c, " ?help  Esc back  x confusion difference  V test/validation  S samples ");
}

static void compare_draw(const struct app *a, void *state, struct canvas *c)
{
	struct compare_state *s = state;
	struct chart_series sr[5];
	struct chart_opts o = {.title = "validation accuracy per epoch (accuracy without validation)"};
	const char *split = a->show_val ? "validation" : "test";
	int y, chart_h = c->h >= TALL ? 14 : 8;

	draw_compare_keys(s, c);
	s->samples_hit.rows = 0;
	if (s->n < 2) {
		canvas_text(c, 2, 2, "Mark two or more runs with space in the runs list (L), then C.",
			    COLOR_DIM, 0, 0);
		return;
	}
	if (s->samples) {
		draw_samples(s, c);
		return;
	}
	if (c->h < TALL && s->show_confusion) {
		/* not room for everything: the metrics and the confusion difference */
		draw_labels(c, 1, s);
		y = 2 + draw_metrics(c, 2, s) + 1;
		draw_confusion_diff(c, y, split, &s->runs[0], &s->runs[1]);
		return;
	}
	for (int i = 0; i < s->n && i < 5; i++)
		sr[i] = (struct chart_series){s->runs[i].curve, s->runs[i].n_epochs, series_colors[i],
					      s->runs[i].label};
	widget_line_chart(c, 0, 1, c->w, chart_h, sr, s->n < 5 ? s->n : 5, &o);
	y = 2 + chart_h;
	y += draw_metrics(c, y, s) + 1;
	if (c->h >= TALL) {
		int rows = c->h - y - 16;

		draw_settings(c, y, rows, s);
		draw_confusion_diff(c, y + (s->n_differ + 1 < rows ? s->n_differ + 1 : rows) + 1, split,
				    &s->runs[0], &s->runs[1]);
	} else {
		draw_settings(c, y, c->h - y - 2, s);
	}
}

static enum key_result compare_key(struct app *a, void *state, const struct key_event *k)
{
	struct compare_state *s = state;

	int item;

	switch (k->key) {
	case 'S':
		s->samples = !s->samples;
		s->sample_sel = 0;
		if (!s->samples)
			forget_samples(s);
		return KEY_RELOAD;
	case 'f':
		if (!s->samples)
			return KEY_IGNORED;
		s->samples = s->samples == 1 ? 2 : 1;
		s->sample_sel = 0;
		refresh_samples(s);
		return KEY_REDRAW;
	case KEY_LEFT: case 'h': case KEY_RIGHT: case 'l':
	case KEY_UP: case 'k': case KEY_DOWN: case 'j': {
		int cols = s->samples_hit.cols > 0 ? s->samples_hit.cols : 1;
		int d = k->key == KEY_LEFT || k->key == 'h' ? -1 :
			k->key == KEY_RIGHT || k->key == 'l' ? 1 :
			k->key == KEY_UP || k->key == 'k' ? -cols : cols;

		if (!s->samples)
			return KEY_IGNORED;
		s->sample_sel += d;
		if (s->sample_sel >= s->n_sample)
			s->sample_sel = s->n_sample - 1;
		if (s->sample_sel < 0)
			s->sample_sel = 0;
		return KEY_REDRAW;
	}
	case KEY_MOUSE:
		if (!s->samples || (item = hit_grid_item(&s->samples_hit, k->x, k->y)) < 0)
			return KEY_IGNORED;
		s->sample_sel = item;
		return KEY_REDRAW;
	case 'x':
		s->show_confusion = !s->show_confusion;
		return KEY_REDRAW;
	case 'V':
		a->show_val = !a->show_val;
		return KEY_RELOAD;
	default:
		return KEY_IGNORED;
	}
}

static void compare_free(void *state)
{
	forget(state);
}

const struct view_ops compare_view = {
	.name = "compare", .enter = compare_enter, .update = compare_update,
	.draw = compare_draw, .key = compare_key, .free = compare_free,
};
