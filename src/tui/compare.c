/* The compare screen: the marked runs side by side (dash.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/flat.h"
#include "tui/dash.h"
#include "tui/widgets.h"

static const int series_colors[] = {COLOR_ACCENT, COLOR_SECOND, COLOR_SERIES3, COLOR_SERIES4,
				    COLOR_SERIES5};

struct compared {
	struct store_run run;
	struct store_epoch *epochs;
	int n_epochs, k, found;
	int confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	struct flat *flat;
	double *curve;
	char label[48];
};

static int load(struct dash *d, int64_t id, struct compared *m)
{
	struct dl_error err;
	int found, cfound;

	memset(m, 0, sizeof *m);
	if (store_get_run(d->store, id, &m->run, &found, &err) != DL_OK || !found)
		return DL_ERR;
	m->found = 1;
	store_get_history(d->store, id, &m->epochs, &m->n_epochs, &err);
	store_get_confusion(d->store, id, d->show_val ? "val" : "test", &m->k, m->confusion,
			    &cfound, &err);
	m->flat = malloc(sizeof *m->flat);
	if (m->flat)
		spec_flatten(m->run.yaml, m->flat);
	m->curve = malloc(sizeof *m->curve * (size_t)(m->n_epochs ? m->n_epochs : 1));
	for (int i = 0; m->curve && i < m->n_epochs; i++)
		m->curve[i] = isnan(m->epochs[i].val_accuracy) ? m->epochs[i].accuracy :
			      m->epochs[i].val_accuracy;
	{
		char name[sizeof m->run.row.name];

		memcpy(name, m->run.row.name, sizeof name);
		snprintf(m->label, sizeof m->label, "%lld %.24s", (long long)id, name);
	}
	return DL_OK;
}

static void unload(struct compared *m)
{
	if (m->found)
		store_run_free(&m->run);
	store_epochs_free(m->epochs, m->n_epochs);
	free(m->flat);
	free(m->curve);
}

/* The runs' labels in their colours, over the columns of the tables. */
static void draw_labels(struct canvas *c, int y, const struct compared *m, int n)
{
	int col = 32, cw = (c->w - col) / n;

	for (int r = 0; r < n; r++)
		canvas_text(c, col + r * cw, y, m[r].label, series_colors[r % 5], ATTR_BOLD, cw - 1);
}

/* The keys whose values differ, one line each, from row y; returns rows used. */
static int draw_params(struct canvas *c, int y, int max_rows, struct compared *m, int n)
{
	int rows = 0, col = 32, cw = (c->w - col) / n;

	canvas_text(c, 0, y, "settings that differ", COLOR_TITLE, ATTR_BOLD, 0);
	draw_labels(c, y, m, n);
	rows++;
	for (int r = 0; r < n && rows < max_rows; r++)
		for (int k = 0; m[r].flat && k < m[r].flat->n && rows < max_rows; k++) {
			const char *key = m[r].flat->key[k];
			int differs = 0, seen = 0;

			if (!strcmp(key, "name"))
				continue;
			for (int q = 0; q < r; q++)
				seen |= m[q].flat && spec_flat_get(m[q].flat, key) != NULL;
			for (int q = 0; q < n; q++) {
				const char *v = m[q].flat ? spec_flat_get(m[q].flat, key) : NULL;

				differs |= !v || strcmp(v, m[r].flat->value[k]);
			}
			if (seen || !differs)
				continue;
			canvas_text(c, 0, y + rows, key, COLOR_DEFAULT, 0, col - 1);
			for (int q = 0; q < n; q++) {
				const char *v = m[q].flat ? spec_flat_get(m[q].flat, key) : NULL;

				canvas_text(c, col + q * cw, y + rows, v ? v : "-", COLOR_DEFAULT, 0, cw - 1);
			}
			rows++;
		}
	return rows;
}

static int draw_metrics(struct canvas *c, int y, struct compared *m, int n)
{
	static const char *const names[] = {"status", "params", "epochs", "train accuracy",
					    "best val accuracy", "test accuracy", "test loss"};
	int col = 32, cw = (c->w - col) / n;

	for (int i = 0; i < 7; i++) {
		canvas_text(c, 0, y + i, names[i], COLOR_DIM, 0, col - 1);
		for (int q = 0; q < n; q++) {
			const struct store_row *r = &m[q].run.row;
			double v[] = {0, (double)r->params, r->epochs, r->accuracy, r->best_val_accuracy,
				      r->test_accuracy, r->test_loss};
			char buf[32];

			if (i == 0)
				snprintf(buf, sizeof buf, "%s", store_status_name(r->status));
			else if (i <= 2)
				snprintf(buf, sizeof buf, "%.0f", v[i]);
			else if (isnan(v[i]))
				snprintf(buf, sizeof buf, "-");
			else
				snprintf(buf, sizeof buf, "%.4f", v[i]);
			canvas_text(c, col + q * cw, y + i, buf, COLOR_DEFAULT, 0, cw - 1);
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
	canvas_printf(c, 0, y, COLOR_TITLE, ATTR_BOLD, "%s confusion, %s minus %s", split,
		      b->label, a->label);
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

/* Terminals with at least this many rows show the confusion difference
 * below everything else; shorter ones show it instead, on `x`. */
#define TALL 40

static void draw_compare_keys(const struct dash *d, struct canvas *c)
{
	const char *keys;
	int yk = c->h - 1;

	if (c->h < TALL)
		keys = d->compare_confusion ? " ?help  Esc back  x curves and settings  V test or validation "
					    : " ?help  Esc back  x confusion difference ";
	else
		keys = " ?help  Esc back  V test or validation ";
	canvas_fill(c, 0, yk, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	canvas_text(c, 0, yk, keys, COLOR_DIM, ATTR_REVERSE, 0);
}

void dash_draw_compare(struct dash *d, struct canvas *c)
{
	struct compared m[8];
	struct chart_series s[5];
	struct chart_opts o = {.title = "validation accuracy per epoch (accuracy without validation)"};
	int n = 0, y, chart_h = c->h >= TALL ? 14 : 8;

	for (int i = 0; i < d->n_marked; i++)
		if (load(d, d->marked[i], &m[n]) == DL_OK)
			n++;
	if (n < 2) {
		canvas_text(c, 2, 2, "Mark two or more runs with space in the runs list (L), then C.",
			    COLOR_DIM, 0, 0);
		goto out;
	}
	for (int i = 0; i < n && i < 5; i++)
		s[i] = (struct chart_series){m[i].curve, m[i].n_epochs, series_colors[i], m[i].label};
	if (c->h < TALL && d->compare_confusion) {
		/* not room for everything: the metrics and the confusion difference */
		draw_labels(c, 1, m, n);
		y = 2 + draw_metrics(c, 2, m, n) + 1;
		draw_confusion_diff(c, y, d->show_val ? "validation" : "test", &m[0], &m[1]);
		goto out;
	}
	widget_line_chart(c, 0, 1, c->w, chart_h, s, n < 5 ? n : 5, &o);
	y = 2 + chart_h;
	y += draw_metrics(c, y, m, n) + 1;
	if (c->h >= TALL) {
		y += draw_params(c, y, c->h - y - 16, m, n) + 1;
		draw_confusion_diff(c, y, d->show_val ? "validation" : "test", &m[0], &m[1]);
	} else {
		draw_params(c, y, c->h - y - 2, m, n);
	}
out:
	for (int i = 0; i < n; i++)
		unload(&m[i]);
	draw_compare_keys(d, c);
}
