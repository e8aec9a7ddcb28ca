/* The sweep view: what one sweep found, drawn by how many keys it swept,
 * with the keys ranked by the share of the objective's variance each
 * explains, the best point and run, and its progress (views.h). The page
 * is also what `digitlab sweep show` prints. */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/actions.h"
#include "tui/views.h"
#include "tui/widgets.h"

#define PLOT_ROWS 14            /* a plot's rows when nothing limits it */
#define SHARE_BAR 16            /* columns of a variance share's bar */

/* ---- reading ---- */

int sweep_state_build(struct sweep_state *s, const struct store_row *rows, int n,
		      int64_t sweep_id, const struct store_sweep *sw, struct dl_error *err)
{
	struct sweep_goal g;
	int status;

	sweep_stats_free(&s->stats);
	s->id = sweep_id;
	s->goal_stored = sw != NULL;
	snprintf(s->search, sizeof s->search, "%s", sw ? sw->search : "");
	if (sw)
		sweep_goal_from_store(&g, sw, rows, n);
	else
		sweep_goal_default(&g, rows, n, sweep_id);
	status = sweep_stats_build(&s->stats, rows, n, sweep_id, &g, err);
	if (status == DL_OK && s->stats.best_point >= 0 && s->stats.n_keys == 1) {
		s->sel_row = 0;
		s->sel_col = s->stats.points[s->stats.best_point].value[0];
	} else if (status == DL_OK && s->stats.best_point >= 0 && s->stats.n_keys >= 2) {
		const struct sweep_point *p = &s->stats.points[s->stats.best_point];

		s->sel_row = p->value[0] >= 0 ? p->value[0] : 0;
		s->sel_col = p->value[1] >= 0 ? p->value[1] : 0;
	}
	return status;
}

void sweep_state_free(struct sweep_state *s)
{
	sweep_stats_free(&s->stats);
}

static void sweep_update(struct app *a, void *state)
{
	struct sweep_state *s = state;
	int sel_row = s->sel_row, sel_col = s->sel_col, same = s->id == a->open_sweep, stored;
	struct store_sweep sw;
	struct dl_error err;

	s->problem[0] = '\0';
	/* a sweep the store has no row for (removed) still shows what its runs hold */
	stored = store_get_sweep(a->store, a->open_sweep, &sw, &err) == DL_OK;
	if (sweep_state_build(s, a->rows, a->n_rows, a->open_sweep, stored ? &sw : NULL,
			      &err) != DL_OK)
		snprintf(s->problem, sizeof s->problem, "%.200s", err.msg);
	else if (s->stats.progress.runs == 0)
		snprintf(s->problem, sizeof s->problem, "sweep %lld has no runs (they were removed)",
			 (long long)a->open_sweep);
	if (same) {             /* new results keep the cell the user chose */
		s->sel_row = sel_row;
		s->sel_col = sel_col;
	}
}

static void sweep_enter(struct app *a, void *state)
{
	struct sweep_state *s = state;

	if (s->id != a->open_sweep) {
		s->top = s->left = 0;
		s->id = 0;
	}
	sweep_update(a, state);
}

/* ---- drawing ---- */

static void draw_title(const struct sweep_state *s, struct canvas *c, int y)
{
	const struct sweep_stats *st = &s->stats;
	const struct sweep_goal *g = &st->goal;
	int x;

	canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	x = canvas_printf(c, 0, y, COLOR_TITLE, ATTR_BOLD, "sweep %lld ", (long long)st->sweep_id);
	x += canvas_text(c, x, y, st->name, COLOR_TITLE, ATTR_BOLD, 40);
	canvas_printf(c, x, y, COLOR_DEFAULT, 0, "  %s%s%d key%s, %d point%s  %s %s", s->search,
		      s->search[0] ? ", " : "", st->n_keys, st->n_keys == 1 ? "" : "s", st->n_points,
		      st->n_points == 1 ? "" : "s", g->maximize ? "maximise" : "minimise",
		      g->objective);
}

static void draw_progress(const struct sweep_state *s, struct canvas *c, int y)
{
	const struct sweep_progress *p = &s->stats.progress;
	int x = 0, ended = p->done + p->pruned + p->failed;
	int planned = s->stats.goal.planned > p->runs ? s->stats.goal.planned : p->runs;

	x += canvas_printf(c, x, y, COLOR_GOOD, 0, "done %d", p->done);
	x += canvas_printf(c, x, y, COLOR_RUNNING, 0, "  running %d", p->running);
	x += canvas_printf(c, x, y, COLOR_WARN, 0, "  pruned %d", p->pruned);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, 0, "  queued %d", p->queued);
	if (p->failed)
		x += canvas_printf(c, x, y, COLOR_BAD, 0, "  failed %d", p->failed);
	if (p->other)
		x += canvas_printf(c, x, y, COLOR_WARN, 0, "  paused or interrupted %d", p->other);
	if (planned > p->runs)  /* a sweep that grows: its points are made as workers free up */
		x += canvas_printf(c, x, y, COLOR_DIM, 0, "  of %d planned  ", planned);
	else
		x += canvas_printf(c, x, y, COLOR_DIM, 0, "  of %d  ", p->runs);
	if (c->w - x >= 12)
		widget_progress(c, x, y, c->w - x > 30 ? 30 : c->w - x,
				planned ? (double)ended / planned : 0, COLOR_GOOD);
}

/* The objective against the one key. */
static void draw_one_key(const struct sweep_state *s, struct canvas *c, int y, int h)
{
	const struct sweep_stats *st = &s->stats;
	const struct sweep_key *k = &st->keys[0];
	const char *labels[SWEEP_STAT_MAX_VALUES];
	double mean[SWEEP_STAT_MAX_VALUES], spread[SWEEP_STAT_MAX_VALUES];
	int *run_value = malloc(sizeof *run_value * (size_t)(st->n_trials + 1));
	double *run_y = malloc(sizeof *run_y * (size_t)(st->n_trials + 1));
	struct value_plot p = {.n = k->n_values, .labels = labels, .x = k->numeric ? k->number : NULL,
			       .log_x = k->log_spaced, .mean = mean, .spread = spread,
			       .run_value = run_value, .run_y = run_y, .best = -1,
			       .sel = s->printed ? -1 : s->sel_col, .key = k->name};

	canvas_printf(c, 0, y, COLOR_DIM, 0, "%s by %s: mean %s sd over repeats (bar), each run a dot",
		      st->goal.objective, k->name, c->ascii ? "+-" : "\u00b1");
	for (int v = 0; v < k->n_values; v++) {
		labels[v] = k->values[v];
		mean[v] = spread[v] = NAN;
	}
	for (int i = 0; i < st->n_points; i++) {
		int v = st->points[i].value[0];

		if (v >= 0) {
			mean[v] = st->points[i].mean;
			spread[v] = st->points[i].spread;
		}
	}
	if (st->best_point >= 0)
		p.best = st->points[st->best_point].value[0];
	for (int t = 0; run_value && run_y && t < st->n_trials; t++) {
		int v = st->points[st->trials[t].point].value[0];

		if (v < 0)
			continue;
		run_value[p.n_runs] = v;
		run_y[p.n_runs++] = st->trials[t].objective;
	}
	widget_value_plot(c, 0, y + 1, c->w, h - 1, &p);
	free(run_value);
	free(run_y);
}

/* The objective over the grid of the two keys. */
static void draw_two_keys(struct sweep_state *s, struct canvas *c, int y, int h)
{
	const struct sweep_stats *st = &s->stats;
	const struct sweep_key *k0 = &st->keys[0], *k1 = &st->keys[1];
	int cells = k0->n_values * k1->n_values;
	const char *rows[SWEEP_STAT_MAX_VALUES], *cols[SWEEP_STAT_MAX_VALUES];
	double *v = malloc(sizeof *v * (size_t)cells);
	char (*text)[16] = malloc(sizeof *text * (size_t)cells);
	const char **texts = malloc(sizeof *texts * (size_t)cells);
	struct heatmap m = {.rows = k0->n_values, .cols = k1->n_values, .row_labels = rows,
			    .col_labels = cols, .row_key = k0->name, .col_key = k1->name,
			    .higher_better = st->goal.maximize, .best = -1,
			    .sel = s->sel_row * k1->n_values + s->sel_col, .top = s->top,
			    .left = s->left};

	canvas_printf(c, 0, y, COLOR_DIM, 0, "mean %s of each point; * best%s", st->goal.objective,
		      s->printed ? "" : "; arrows select, Enter lists its runs");
	if (!v || !text || !texts)
		goto out;
	for (int i = 0; i < k0->n_values; i++)
		rows[i] = k0->values[i];
	for (int j = 0; j < k1->n_values; j++)
		cols[j] = k1->values[j];
	for (int i = 0; i < cells; i++) {
		v[i] = NAN;
		texts[i] = NULL;
	}
	for (int p = 0; p < st->n_points; p++) {
		const struct sweep_point *pt = &st->points[p];
		int i = pt->value[0] * k1->n_values + pt->value[1];

		if (pt->value[0] < 0 || pt->value[1] < 0)
			continue;
		v[i] = pt->mean;
		texts[i] = pt->done ? sweep_format(&st->goal, pt->mean, text[i], sizeof text[i])
				    : "...";
		if (p == st->best_point)
			m.best = i;
	}
	m.v = v;
	m.text = texts;
	widget_heatmap_fit(&m, c->w, h - 1);
	s->top = m.top;
	s->left = m.left;
	widget_heatmap(c, 0, y + 1, c->w, h - 1, &m);
	{
		int rows_shown, cols_shown;

		widget_heatmap_shown(&m, c->w, h - 1, &rows_shown, &cols_shown);
		s->heat_hit = (struct hit_grid){.x = widget_heatmap_label_width(&m) + 1,
						.y = y + 3, .cell_w = widget_heatmap_cell_width(&m),
						.cell_h = 1, .cols = cols_shown, .rows = rows_shown,
						.n_items = rows_shown * cols_shown};
	}
out:
	free(v);
	free(text);
	free(texts);
}

/* Where value v of key k sits on its axis, 0 .. 1. */
static double axis_pos(const struct sweep_key *k, int v)
{
	double lo, hi, x;

	if (v < 0)
		return NAN;
	if (k->n_values < 2)
		return 0.5;
	if (!k->numeric)
		return (double)v / (k->n_values - 1);
	lo = k->number[0];
	hi = k->number[k->n_values - 1];
	x = k->number[v];
	if (k->log_spaced)
		return (log(x) - log(lo)) / (log(hi) - log(lo));
	return hi > lo ? (x - lo) / (hi - lo) : 0.5;
}

/* One axis per key and one for the objective, a line per finished run. */
static void draw_many_keys(const struct sweep_state *s, struct canvas *c, int y, int h)
{
	const struct sweep_stats *st = &s->stats;
	int axes = st->n_keys + 1, n = st->n_trials;
	const char *names[SWEEP_STAT_MAX_KEYS + 1], *top[SWEEP_STAT_MAX_KEYS + 1];
	const char *bottom[SWEEP_STAT_MAX_KEYS + 1];
	char hi[16], lo[16];
	double *pos = malloc(sizeof *pos * (size_t)(n * axes + 1));
	double *level = malloc(sizeof *level * (size_t)(n + 1));
	struct parallel_plot p = {.n_axes = axes, .names = names, .top = top, .bottom = bottom,
				  .n_lines = n, .pos = pos, .level = level, .best = st->best_trial};

	canvas_printf(c, 0, y, COLOR_DIM, 0, "a line per finished run, %s (colour %s), best on "
		      "top in bold", c->ascii ? "worse . : - = + * # % better" : "worse to better",
		      c->ascii ? "and glyph" : "heat");
	if (!pos || !level)
		goto out;
	for (int k = 0; k < st->n_keys; k++) {
		names[k] = st->keys[k].name;
		top[k] = st->keys[k].n_values ? st->keys[k].values[st->keys[k].n_values - 1] : "";
		bottom[k] = st->keys[k].n_values ? st->keys[k].values[0] : "";
	}
	names[st->n_keys] = st->goal.objective;
	top[st->n_keys] = sweep_format(&st->goal, st->hi, hi, sizeof hi);
	bottom[st->n_keys] = sweep_format(&st->goal, st->lo, lo, sizeof lo);
	for (int t = 0; t < n; t++) {
		const struct sweep_trial *tr = &st->trials[t];
		double span = st->hi - st->lo, at = span > 0 ? (tr->objective - st->lo) / span : 0.5;

		for (int k = 0; k < st->n_keys; k++)
			pos[t * axes + k] = axis_pos(&st->keys[k], st->points[tr->point].value[k]);
		pos[t * axes + st->n_keys] = at;
		level[t] = st->goal.maximize ? at : 1 - at;
	}
	widget_parallel(c, 0, y + 1, c->w, h - 1, &p);
out:
	free(pos);
	free(level);
}

static int footer_rows(const struct sweep_state *s)
{
	return 1 + s->stats.n_keys + 2 + (s->stats.goal.constraint[0] != '\0') +
	       (s->stats.progress.n_rungs > 0);
}

int sweep_page_chart_rows(const struct sweep_state *s)
{
	if (s->stats.n_keys == 2)
		return 1 + 2 + s->stats.keys[0].n_values;
	return PLOT_ROWS;
}

int sweep_page_rows(const struct sweep_state *s, int chart_rows)
{
	return 2 + chart_rows + footer_rows(s);
}

/* The keys by share, largest first, as many as fit in `rows`. */
static void draw_shares(const struct sweep_state *s, struct canvas *c, int y, int rows)
{
	const struct sweep_stats *st = &s->stats;
	int order[SWEEP_STAT_MAX_KEYS];

	canvas_printf(c, 0, y, COLOR_TITLE, ATTR_BOLD, "keys by variance explained");
	canvas_printf(c, 26, y, COLOR_DIM, 0, " (%s = between-value sum of squares / total)",
		      c->ascii ? "eta^2" : "\u03b7\u00b2");
	sweep_keys_by_share(st, order);
	for (int i = 0; i < st->n_keys && i < rows - 1; i++) {
		const struct sweep_key *k = &st->keys[order[i]];
		int x = 2;

		x += canvas_text(c, x, y + 1 + i, k->name, COLOR_DEFAULT, 0, 16);
		x = 20;
		if (isnan(k->share)) {
			canvas_text(c, x, y + 1 + i, "-  (no variance yet)", COLOR_DIM, 0, 0);
			continue;
		}
		widget_progress(c, x, y + 1 + i, SHARE_BAR, k->share, COLOR_ACCENT);
		canvas_printf(c, x + SHARE_BAR + 1, y + 1 + i, COLOR_DEFAULT, 0, "%5.1f%%  %d value%s%s%s%s",
			      100 * k->share, k->n_values, k->n_values == 1 ? "" : "s",
			      k->log_spaced ? ", log-spaced" : "",
			      k->numeric && k->n_values > SWEEP_BIN_ABOVE ? ", in 4 bins" : "",
			      k->groups == st->n_trials ? ", no repeats" : "");
	}
}

/* "ids 12 15 18" of a point's finished runs, as many as fit. */
static void point_runs(const struct sweep_stats *st, int p, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int t = 0; t < st->n_trials && used + 8 < size; t++)
		if (st->trials[t].point == p)
			used += (size_t)snprintf(buf + used, size - used, " %lld",
						 (long long)st->trials[t].id);
}

static void draw_best(const struct sweep_state *s, struct canvas *c, int y)
{
	const struct sweep_stats *st = &s->stats;
	const struct sweep_goal *g = &st->goal;
	char v[16], sd[16], ids[64], line[160];
	int x;

	if (st->best_point < 0) {
		canvas_text(c, 0, y, "no finished run yet", COLOR_DIM, 0, 0);
		return;
	}
	x = canvas_text(c, 0, y, "best point ", COLOR_TITLE, ATTR_BOLD, 0);
	x += canvas_text(c, x, y, st->points[st->best_point].label, COLOR_GOOD, ATTR_BOLD, 40);
	point_runs(st, st->best_point, ids, sizeof ids);
	sweep_format(g, st->points[st->best_point].mean, v, sizeof v);
	if (isnan(st->points[st->best_point].spread))
		snprintf(line, sizeof line, "  %s  run", v);
	else
		snprintf(line, sizeof line, "  %s %s %s over %d runs", v, c->ascii ? "+-" : "\u00b1",
			 sweep_format(g, st->points[st->best_point].spread, sd, sizeof sd),
			 st->points[st->best_point].done);
	if (x + (int)(strlen(line) + strlen(ids)) + 1 <= c->w)  /* no run id cut in half */
		snprintf(line + strlen(line), sizeof line - strlen(line), "%s%s",
			 isnan(st->points[st->best_point].spread) ? "" : ":", ids);
	canvas_text(c, x, y, line, COLOR_DEFAULT, 0, 0);
	x = canvas_text(c, 0, y + 1, "best run ", COLOR_TITLE, ATTR_BOLD, 0);
	canvas_printf(c, x, y + 1, COLOR_DEFAULT, 0, "%lld  %s %s  at %s",
		      (long long)st->trials[st->best_trial].id, g->objective,
		      sweep_format(g, st->trials[st->best_trial].objective, v, sizeof v),
		      st->points[st->trials[st->best_trial].point].label);
	if (!g->constraint[0])
		return;
	if (st->best_feasible < 0) {
		canvas_printf(c, 0, y + 2, COLOR_WARN, ATTR_BOLD, "no run met %s %s %g (of %d finished)",
			      g->constraint, g->at_least ? ">=" : "<=", g->bound, st->n_trials);
		return;
	}
	x = canvas_printf(c, 0, y + 2, COLOR_TITLE, ATTR_BOLD, "best with %s %s %g", g->constraint,
			  g->at_least ? ">=" : "<=", g->bound);
	canvas_printf(c, x, y + 2, COLOR_GOOD, 0, " (%d of %d): run %lld  %s %s  at %s",
		      st->n_feasible, st->n_trials, (long long)st->trials[st->best_feasible].id,
		      g->objective,
		      sweep_format(g, st->trials[st->best_feasible].objective, v, sizeof v),
		      st->points[st->trials[st->best_feasible].point].label);
}

/* ASHA: how many runs reached each rung. */
static void draw_rungs(const struct sweep_state *s, struct canvas *c, int y)
{
	const struct sweep_progress *p = &s->stats.progress;
	int x;

	if (!p->n_rungs)
		return;
	x = canvas_text(c, 0, y, "runs at each rung ", COLOR_TITLE, ATTR_BOLD, 0);
	x += canvas_printf(c, x, y, COLOR_DIM, 0, "(ASHA, epochs: runs)");
	for (int r = 0; r < p->n_rungs; r++)
		x += canvas_printf(c, x, y, COLOR_DEFAULT, 0, "  %d: %d", p->rung_epochs[r],
				   p->rung_runs[r]);
}

void sweep_page_draw(struct sweep_state *s, struct canvas *c, int top, int bottom)
{
	s->heat_hit.rows = 0;   /* no heatmap drawn, nothing to click */
	int footer = footer_rows(s), chart_y = top + 2, chart_h, key_rows = s->stats.n_keys;
	int least = sweep_page_chart_rows(s) < 8 ? sweep_page_chart_rows(s) : 8;

	if (s->problem[0]) {
		canvas_text(c, 0, top, s->problem, COLOR_BAD, 0, 0);
		return;
	}
	/* a short terminal shows fewer keys in the ranking before the chart shrinks */
	chart_h = bottom - chart_y - footer;
	while (chart_h < least && key_rows > 1) {
		key_rows--;
		footer--;
		chart_h++;
	}
	if (s->stats.n_keys == 2 && chart_h > sweep_page_chart_rows(s))
		chart_h = sweep_page_chart_rows(s);     /* the rows a heatmap needs, no more */
	draw_title(s, c, top);
	draw_progress(s, c, top + 1);
	if (s->stats.n_keys == 0)
		canvas_text(c, 0, chart_y, "the runs of this sweep name no keys", COLOR_DIM, 0, 0);
	else if (s->stats.n_keys == 1)
		draw_one_key(s, c, chart_y, chart_h);
	else if (s->stats.n_keys == 2)
		draw_two_keys(s, c, chart_y, chart_h);
	else
		draw_many_keys(s, c, chart_y, chart_h);
	draw_shares(s, c, chart_y + chart_h, key_rows + 1);
	draw_best(s, c, chart_y + chart_h + key_rows + 1);
	draw_rungs(s, c, chart_y + chart_h + key_rows + 3 + (s->stats.goal.constraint[0] != '\0'));
}

static void sweep_draw(const struct app *a, void *state, struct canvas *c)
{
	struct sweep_state *s = state;

	(void)a;
	sweep_page_draw(s, c, 1, c->h - 2);
	chrome_keys(c, s->stats.n_keys == 2 ?
		    " ?help  arrows select a cell  Enter its runs  b best runs  Esc back  q quit " :
		    s->stats.n_keys == 1 ?
		    " ?help  left right select  Enter its runs  b best runs  Esc back  q quit " :
		    " ?help  Enter or b the best point's runs  Esc back  q quit ");
}

/* ---- keys ---- */

/* The runs list, showing only point p's runs. */
static enum key_result open_point(struct app *a, struct sweep_state *s, int p)
{
	if (p < 0) {
		app_message(a, "no run at that point");
		return KEY_REDRAW;
	}
	a->point_sweep = s->id;
	snprintf(a->point, sizeof a->point, "%s", s->stats.points[p].label);
	a->selected = s->stats.points[p].first_id;
	a->view = VIEW_RUNS;    /* Esc comes back here (app_go_back) */
	return KEY_RELOAD;
}

static enum key_result sweep_key(struct app *a, void *state, const struct key_event *k)
{
	struct sweep_state *s = state;
	int grid = s->stats.n_keys == 2, rows = grid ? s->stats.keys[0].n_values : 0;
	int cols = grid ? s->stats.keys[1].n_values : s->stats.n_keys == 1 ?
		   s->stats.keys[0].n_values : 0;

	switch (k->key) {
	case KEY_UP: case 'k':
		if (!grid || s->sel_row == 0)
			return KEY_HANDLED;
		s->sel_row--;
		return KEY_REDRAW;
	case KEY_DOWN: case 'j':
		if (!grid || s->sel_row >= rows - 1)
			return KEY_HANDLED;
		s->sel_row++;
		return KEY_REDRAW;
	case KEY_LEFT: case 'h':
		if (!cols || s->sel_col == 0)
			return KEY_HANDLED;
		s->sel_col--;
		return KEY_REDRAW;
	case KEY_RIGHT: case 'l':
		if (!cols || s->sel_col >= cols - 1)
			return KEY_HANDLED;
		s->sel_col++;
		return KEY_REDRAW;
	case 'b':
		return open_point(a, s, s->stats.best_point);
	case KEY_MOUSE: {
		int item = hit_grid_item(&s->heat_hit, k->x, k->y), row, col;

		if (!grid || item < 0)
			return KEY_HANDLED;
		row = s->top + item / s->heat_hit.cols;
		col = s->left + item % s->heat_hit.cols;
		if (row == s->sel_row && col == s->sel_col)     /* a second click opens it */
			return open_point(a, s, sweep_point_at(&s->stats, row, col));
		s->sel_row = row;
		s->sel_col = col;
		return KEY_REDRAW;
	}
	default:
		if (!key_is_enter(k->key))
			return KEY_IGNORED;
		if (grid)
			return open_point(a, s, sweep_point_at(&s->stats, s->sel_row, s->sel_col));
		if (s->stats.n_keys == 1)
			return open_point(a, s, sweep_point_at(&s->stats, s->sel_col, -1));
		return open_point(a, s, s->stats.best_point);
	}
}

static void sweep_free(void *state)
{
	sweep_state_free(state);
}

const struct view_ops sweep_view = {
	.name = "sweep", .enter = sweep_enter, .update = sweep_update, .draw = sweep_draw,
	.key = sweep_key, .free = sweep_free,
};
