/* The overview: what trains and waits, and what finished lately, with a
 * sparkline of each run's validation accuracy (views.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/executor.h"
#include "tui/actions.h"
#include "tui/views.h"
#include "tui/widgets.h"
#include "util/format.h"
#include "util/text.h"

#define LIST_TOP 2              /* the heading's line; the list starts below */

static void free_sparks(struct overview_state *s)
{
	for (int i = 0; i < s->n_sparks; i++)
		free(s->sparks[i].v);
	free(s->sparks);
	s->sparks = NULL;
	s->n_sparks = 0;
}

/* The history of a run as its sparkline: taken from the old ones when the
 * run has no new epoch, else read. */
static void read_spark(struct app *a, const struct overview_state *old, struct spark *out,
		       const struct store_row *r)
{
	struct store_epoch *e;
	struct dl_error err;
	int n;

	*out = (struct spark){.id = r->id, .epochs = r->epochs};
	for (int i = 0; i < old->n_sparks; i++)
		if (old->sparks[i].id == r->id && old->sparks[i].epochs == r->epochs) {
			*out = old->sparks[i];
			old->sparks[i].v = NULL;        /* moved */
			return;
		}
	if (r->epochs == 0 || store_get_history(a->store, r->id, &e, &n, &err) != DL_OK)
		return;
	out->v = malloc(sizeof *out->v * (size_t)(n ? n : 1));
	out->n = out->v ? n : 0;
	for (int i = 0; i < out->n; i++)
		out->v[i] = isnan(e[i].val_accuracy) ? e[i].accuracy : e[i].val_accuracy;
	store_epochs_free(e, n);
}

static void overview_update(struct app *a, void *state)
{
	struct overview_state *s = state, old = *s;
	struct spark *sparks;

	run_list_overview(&s->list, a->rows, a->n_rows, OVERVIEW_RECENT);
	a->selected = run_list_keep(&s->list, a->rows, a->selected);
	sparks = calloc((size_t)(s->list.n ? s->list.n : 1), sizeof *sparks);
	for (int i = 0; sparks && i < s->list.n; i++)
		read_spark(a, &old, &sparks[i], &a->rows[s->list.index[i]]);
	free_sparks(&old);
	s->sparks = sparks;
	s->n_sparks = sparks ? s->list.n : 0;
}

static void overview_enter(struct app *a, void *state)
{
	overview_update(a, state);
}

/* Columns: narrower names at 80 columns, the sparkline takes what is left. */
struct overview_cols {
	int name_w, speed, where_w, spark_w;
};

/* Samples per second from 100 columns; the name (with its sweep point)
 * wider from 120. */
static struct overview_cols overview_cols(int w)
{
	struct overview_cols o = {w >= 120 ? 36 : 20, w >= 100, w >= 100 ? 20 : 0, 0};

	/* id 6, name, status 10, progress 11, epoch 8, eta 7, speed 8, where,
	 * best 7 */
	o.spark_w = w - (6 + o.name_w + 1 + 10 + 11 + 8 + 7 + (o.speed ? 8 : 0) +
			 (o.where_w ? o.where_w + 1 : 0) + 7 + 1);
	if (o.spark_w > 40)
		o.spark_w = 40;
	return o;
}

/* "slurm 12_3 vm", "local vm", "" for a run that never started. The node
 * and job come from the store and from Slurm: escaped. */
static void where_cell(const struct store_row *r, const struct store_job *j, char *buf,
		       size_t size)
{
	char node[TEXT_ESCAPED_SIZE(64)], job[TEXT_ESCAPED_SIZE(48)];
	struct executor_cells e;

	executor_cells(r, j, &e);
	if (!strcmp(e.executor, "-")) {
		buf[0] = '\0';
		return;
	}
	text_escape(node, sizeof node, e.node, TEXT_ONE_LINE);
	text_escape(job, sizeof job, e.job, TEXT_ONE_LINE);
	/* cut, not refused: the cell shows what fits */
	if (j)
		snprintf(buf, size, "%.15s %.60s %.120s", e.executor, job, node);
	else
		snprintf(buf, size, "%.15s %.120s", e.executor, node);
}

static void draw_row(const struct app *a, const struct spark *sp, struct canvas *c, int y,
		     const struct store_row *r, int selected, struct overview_cols oc)
{
	char acc[16], eta[16], name[160], epoch[24];
	int x = 0, n, fg = chrome_status_color(r->status), attr = selected ? ATTR_REVERSE : 0;
	int running = r->status == STORE_RUNNING;

	if (selected)
		canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	row_label_fit(r, oc.name_w, c->ascii, name, sizeof name);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%5lld ", (long long)r->id);
	n = canvas_text(c, x, y, name, COLOR_DEFAULT, attr, oc.name_w);
	x += n + canvas_printf(c, x + n, y, COLOR_DEFAULT, attr, "%*s", oc.name_w - n + 1, "");
	x += canvas_printf(c, x, y, fg, attr, "%-9.9s ", store_status_name(r->status));
	if (running)
		widget_progress(c, x, y, 10, row_progress(r), COLOR_RUNNING);
	x += 11;
	row_epochs(r, 7, epoch, sizeof epoch);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%7s ", epoch);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%6s ",
			   running ? format_duration(r->eta_s, eta, sizeof eta) : "");
	if (oc.speed && running && !isnan(r->samples_per_s))
		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%7.0f ", r->samples_per_s);
	else if (oc.speed)
		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%7s ", "");
	if (oc.where_w) {
		char where[512];

		where_cell(r, executor_find_job(a->jobs, a->n_jobs, r->id), where, sizeof where);
		n = canvas_text(c, x, y, where, COLOR_DIM, attr, oc.where_w);
		x += n + canvas_printf(c, x + n, y, COLOR_DEFAULT, attr, "%*s", oc.where_w - n + 1, "");
	}
	/* ".9823": the leading zero of an accuracy says nothing */
	chrome_accuracy(r->best_val_accuracy, acc, sizeof acc);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%6s ", acc[0] == '0' ? acc + 1 : acc);
	if (oc.spark_w > 0 && sp && sp->id == r->id && sp->n > 0)
		widget_sparkline(c, x, y, oc.spark_w, sp->v, sp->n, COLOR_ACCENT);
}

static void overview_draw(const struct app *a, void *state, struct canvas *c)
{
	struct overview_state *s = state;
	struct overview_cols oc = overview_cols(c->w);
	int rows = c->h - 4;
	char head[256];
	int x;

	x = snprintf(head, sizeof head, "%5s %-*s %-9s %-10s %7s %6s ", "ID", oc.name_w, "NAME",
		     "STATUS", "PROGRESS", "EPOCH", "ETA");
	if (oc.speed)
		x += snprintf(head + x, sizeof head - (size_t)x, "%7s ", "SAMP/S");
	if (oc.where_w)
		x += snprintf(head + x, sizeof head - (size_t)x, "%-*s ", oc.where_w, "WHERE");
	snprintf(head + x, sizeof head - (size_t)x, "%6s %s", "BEST", "VAL ACC");
	chrome_heading(c, 1, head);
	run_list_scroll(&s->list, rows);
	for (int i = 0; i < rows && s->list.top + i < s->list.n; i++) {
		int line = s->list.top + i;
		const struct store_row *r = &a->rows[s->list.index[line]];

		draw_row(a, line < s->n_sparks ? &s->sparks[line] : NULL, c, LIST_TOP + i, r,
			 r->id == a->selected, oc);
	}
	if (s->list.n == 0 && a->store_problem[0])
		canvas_text(c, 2, 3, "The store cannot be read: the line below says why.", COLOR_BAD, 0, 0);
	else if (s->list.n == 0)
		canvas_text(c, 2, 3, "No runs yet. Press a to queue an experiment file.", COLOR_DIM, 0, 0);
	/* w is in the bar when the selected run belongs to a sweep */
	if (app_row(a, a->selected) && app_row(a, a->selected)->sweep_id)
		chrome_keys_fit(c,
			    " ?help  Enter open  w sweep  a add  c cancel  s stop  p pause  r retry"
			    "  +/- priority  L all runs  P pause queue  q quit ",
			    " ?help  Enter open  w sweep  c cancel  s stop  p pause  r retry  L runs  q quit");
	else
		chrome_keys_fit(c,
			    " ?help  Enter open  a add  A add path  c cancel  s stop  p pause  r retry"
			    "  +/- priority  L all runs  P pause queue  q quit ",
			    " ?help  Enter open  a add  c cancel  s stop  p pause  r retry  L runs  q quit ");
}

static enum key_result overview_key(struct app *a, void *state, const struct key_event *k)
{
	struct overview_state *s = state;

	return list_key(a, &s->list, LIST_TOP, k);
}

static void overview_free(void *state)
{
	struct overview_state *s = state;

	free_sparks(s);
	run_list_free(&s->list);
}

const struct view_ops overview_view = {
	.name = "overview", .enter = overview_enter, .update = overview_update,
	.draw = overview_draw, .key = overview_key, .free = overview_free,
};
