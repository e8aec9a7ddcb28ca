/* The runs list: every run, filtered, sorted, or one line per sweep point
 * with the mean and spread of its repeats (views.h). */
#include <curses.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/actions.h"
#include "tui/views.h"
#include "util/format.h"

#define LIST_TOP 3              /* the list's first line */

/* The ids of the runs with the tag filter's tag, sorted. */
static void read_tagged(struct app *a, struct runs_state *s)
{
	struct store_filter f = {.status = -1, .sort = STORE_SORT_ID};
	struct store_row *rows;
	struct dl_error err;
	int n;

	free(s->tagged);
	s->tagged = NULL;
	s->n_tagged = 0;
	if (!s->tag[0])
		return;
	f.tag = s->tag;
	if (store_list_runs(a->store, &f, &rows, &n, &err) != DL_OK) {
		app_message(a, "%s", err.msg);
		return;
	}
	s->tagged = malloc(sizeof *s->tagged * (size_t)(n ? n : 1));
	for (int i = 0; s->tagged && i < n; i++)
		s->tagged[s->n_tagged++] = rows[i].id;
	free(rows);
}

/* Mean and sample standard deviation of the test accuracy of the repeats
 * of r's sweep point. */
static struct group_stat group_of(const struct app *a, const struct store_row *r)
{
	struct group_stat g = {0};
	double sum = 0, sq = 0;

	for (int i = 0; i < a->n_rows; i++) {
		const struct store_row *q = &a->rows[i];

		if (q != r && (!r->sweep_id || q->sweep_id != r->sweep_id ||
			       strcmp(q->sweep_point, r->sweep_point)))
			continue;
		g.runs++;
		if (!isnan(q->test_accuracy)) {
			g.done++;
			sum += q->test_accuracy;
			sq += q->test_accuracy * q->test_accuracy;
		}
	}
	g.mean = g.done ? sum / g.done : NAN;
	g.spread = g.done > 1 ? sqrt(fmax(0, (sq - sum * sum / g.done) / (g.done - 1))) : NAN;
	return g;
}

/* The list from the rows already read (no store access). */
static void build(struct app *a, struct runs_state *s)
{
	struct run_filter f = {.text = s->text, .status = s->status, .tagged = s->tagged,
			       .n_tagged = s->tag[0] ? s->n_tagged : -1, .sort = s->sort,
			       .descending = s->descending, .group = s->group,
			       .sweep_id = a->point_sweep, .point = a->point};

	run_list_filter(&s->list, a->rows, a->n_rows, &f);
	a->selected = run_list_keep(&s->list, a->rows, a->selected);
	free(s->groups);
	s->groups = NULL;
	if (!s->group)
		return;
	s->groups = malloc(sizeof *s->groups * (size_t)(s->list.n ? s->list.n : 1));
	for (int i = 0; s->groups && i < s->list.n; i++)
		s->groups[i] = group_of(a, &a->rows[s->list.index[i]]);
}

/* ---- metric columns (M) ---- */

static int by_id(const void *pa, const void *pb)
{
	int64_t a = ((const struct run_metrics *)pa)->id, b = ((const struct run_metrics *)pb)->id;

	return a < b ? -1 : a > b;
}

static const struct run_metrics *metrics_of(const struct runs_state *s, int64_t id)
{
	struct run_metrics key = {.id = id};

	return s->n_metrics ? bsearch(&key, s->metrics, (size_t)s->n_metrics, sizeof key, by_id)
			    : NULL;
}

/* Every run's metrics while there are columns: read again only for the
 * runs whose epochs or status changed since the last read, so that a
 * training run costs one history a poll and the others none. */
static void read_metrics(struct app *a, struct runs_state *s)
{
	struct run_metrics *fresh = NULL;
	struct dl_error err;
	int failed = 0;

	if (s->n_columns && a->n_rows)
		fresh = calloc((size_t)a->n_rows, sizeof *fresh);
	for (int i = 0; fresh && i < a->n_rows; i++) {
		const struct store_row *r = &a->rows[i];
		const struct run_metrics *old = metrics_of(s, r->id);
		struct run_metrics *m = &fresh[i];

		if (old && old->epochs == r->epochs && old->status == r->status) {
			*m = *old;
			continue;
		}
		*m = (struct run_metrics){.id = r->id, .epochs = r->epochs, .status = r->status};
		if (failed || store_run_metrics(a->store, r->id, m->m, &err) != DL_OK) {
			if (!failed)
				app_message(a, "%s", err.msg);
			failed = 1;
			m->epochs = -1;
			store_metric_summarize_all(NULL, 0, m->m);
		}
	}
	free(s->metrics);
	s->metrics = fresh;
	s->n_metrics = fresh ? a->n_rows : 0;
	if (fresh)
		qsort(s->metrics, (size_t)s->n_metrics, sizeof *s->metrics, by_id);
}

static void runs_update(struct app *a, void *state)
{
	struct runs_state *s = state;

	read_tagged(a, s);
	build(a, s);
	read_metrics(a, s);
}

static void runs_enter(struct app *a, void *state)
{
	runs_update(a, state);
}

/* What fits across the screen. The columns of a run take 62 cells and its
 * name; metric columns come after them. When those do not fit, PARAMS
 * makes room first, then TRAIN ACC; the metric columns that still do not
 * fit are left out, the later first, and the summary line names them. */
struct runs_layout {
	int name_w;
	int params, train;              /* 1: PARAMS, TRAIN ACC drawn */
	char title[RUNS_MAX_COLUMNS][24]; /* each metric column's heading */
	int width[RUNS_MAX_COLUMNS];    /* its cells; 0: left out */
	int n_hidden;
};

#define ROW_FIXED_W 62          /* a run's line but its name */
#define PARAMS_W 9
#define TRAIN_W 10

static const char *const metric_short[] = {"loss", "acc", "val_loss", "val_acc"};

/* "val_acc best"; the epoch of the best is "@ep" right after its best. */
static int column_title(const struct run_column *c, const struct run_column *before,
			char *buf, size_t size)
{
	static const char *const part[] = {"last", "best", "@ep"};

	if (c->part == STORE_PART_BEST_EPOCH && before && before->metric == c->metric &&
	    before->part == STORE_PART_BEST)
		snprintf(buf, size, "@ep");
	else
		snprintf(buf, size, "%s %s", metric_short[c->metric], part[c->part]);
	return (int)strlen(buf);
}

/* The width of column i, titled as if `shown_before` says whether the one
 * before it is drawn. */
static int column_width(const struct runs_state *s, int i, int shown_before, char *title,
			size_t size)
{
	int n = column_title(&s->columns[i], i && shown_before ? &s->columns[i - 1] : NULL,
			     title, size);
	int least = s->columns[i].part == STORE_PART_BEST_EPOCH ? 3 : 6;

	return n > least ? n : least;
}

static void layout(const struct runs_state *s, int w, struct runs_layout *l)
{
	int x, need = 0;

	memset(l, 0, sizeof *l);
	l->name_w = w >= 120 ? 36 : 18;
	l->params = l->train = 1;
	if (s->group) {         /* a line stands for a sweep point, not a run */
		l->n_hidden = s->n_columns;
		return;
	}
	for (int i = 0; i < s->n_columns; i++)
		need += 1 + column_width(s, i, 1, l->title[i], sizeof l->title[i]);
	x = ROW_FIXED_W + l->name_w;
	if (need && x + need > w) {
		l->params = 0;
		x -= PARAMS_W;
	}
	if (need && x + need > w) {
		l->train = 0;
		x -= TRAIN_W;
	}
	for (int i = 0; i < s->n_columns; i++) {
		int cw = column_width(s, i, i && l->width[i - 1], l->title[i], sizeof l->title[i]);

		if (x + 1 + cw <= w) {
			l->width[i] = cw;
			x += 1 + cw;
		} else {
			l->n_hidden++;
		}
	}
}

/* A run's metric cells: a value, an epoch, or - (not read, or none). */
static void draw_metric_cells(const struct runs_state *s, const struct runs_layout *l,
			      const struct store_row *r, struct canvas *c, int x, int y, int attr)
{
	const struct run_metrics *m = metrics_of(s, r->id);

	for (int i = 0; i < s->n_columns; i++) {
		const struct run_column *col = &s->columns[i];
		double v = m ? store_metric_part(&m->m[col->metric], col->part) : NAN;
		char buf[32];

		if (!l->width[i])
			continue;
		if (col->part == STORE_PART_BEST_EPOCH && !isnan(v))
			snprintf(buf, sizeof buf, "%.0f", v);
		else
			chrome_accuracy(v, buf, sizeof buf);
		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, " %*s", l->width[i], buf);
	}
}

static void draw_row(const struct app *a, const struct runs_state *s, struct canvas *c, int y,
		     int line, const struct runs_layout *l)
{
	const struct store_row *r = &a->rows[s->list.index[line]];
	int selected = r->id == a->selected, attr = selected ? ATTR_REVERSE : 0, x = 0;
	int name_w = l->name_w;
	char acc[16], test[16], secs[16];

	if (selected)
		canvas_fill(c, 0, y, c->w, 1, ' ', COLOR_DEFAULT, COLOR_DEFAULT);
	x += canvas_printf(c, x, y, COLOR_ACCENT, attr, "%c", app_is_marked(a, r->id) ? '*' : ' ');
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%5lld %-*.*s ", (long long)r->id, name_w,
			   name_w, r->name);
	if (s->group && s->groups) {
		const struct group_stat *g = &s->groups[line];

		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%-24.24s %4d %4d %8s",
				   r->sweep_id ? r->sweep_point : "-", g->runs, g->done,
				   chrome_accuracy(g->mean, acc, sizeof acc));
		if (!isnan(g->spread))
			canvas_printf(c, x, y, COLOR_DIM, attr, " %s %.4f", c->ascii ? "+-" : "\u00b1",
				      g->spread);
		return;
	}
	x += canvas_printf(c, x, y, chrome_status_color(r->status), attr, "%-10s",
			   store_status_name(r->status));
	if (l->params)
		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, " %8lld", (long long)r->params);
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, " %6d", r->epochs);
	if (l->train)
		x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, " %9s",
				   chrome_accuracy(r->accuracy, acc, sizeof acc));
	x += canvas_printf(c, x, y, COLOR_DEFAULT, attr, " %9s %7s",
			   chrome_accuracy(r->test_accuracy, test, sizeof test),
			   format_duration(r->seconds, secs, sizeof secs));
	draw_metric_cells(s, l, r, c, x, y, attr);
}

static const char *sort_name(enum store_sort sort)
{
	static const char *const names[] = {"id", "name", "status", "params", "epochs",
					    "train acc", "val acc", "test acc", "time", "created"};

	return (int)sort >= 0 && (int)sort < (int)(sizeof names / sizeof names[0]) ? names[sort]
										   : "?";
}

/* After the summary: the metric columns left out, and why. */
static void draw_hidden(const struct runs_state *s, const struct runs_layout *l,
			struct canvas *c, int x)
{
	char title[24];

	if (!l->n_hidden)
		return;
	if (s->group) {
		canvas_printf(c, x, 1, COLOR_ACCENT, 0, "  ungroup (g) for columns");
		return;
	}
	x += canvas_printf(c, x, 1, COLOR_ACCENT, 0, "  too narrow for:");
	for (int i = 0; i < s->n_columns; i++)
		if (!l->width[i]) {
			column_title(&s->columns[i], NULL, title, sizeof title);
			x += canvas_printf(c, x, 1, COLOR_ACCENT, 0, " %s", title);
		}
}

/* Line 1: what the list shows; returns where it ends. */
static int draw_summary(const struct app *a, const struct runs_state *s, struct canvas *c)
{
	char what[96];

	if (a->point_sweep) {   /* opened from the sweep view: say which point, and the way back */
		return canvas_printf(c, 0, 1, COLOR_ACCENT, 0, "%d run%s of sweep %lld at %s  (Esc: "
				     "back to the sweep)", s->list.n, s->list.n == 1 ? "" : "s",
				     (long long)a->point_sweep, a->point);
	}
	if (s->group)
		snprintf(what, sizeof what, "%d sweep points and single runs, of %d runs", s->list.n,
			 a->n_rows);
	else
		snprintf(what, sizeof what, "%d runs shown of %d", s->list.n, a->n_rows);
	return canvas_printf(c, 0, 1, COLOR_DIM, 0, "%s  sorted by %s%s%s%s%s%s%s%s", what,
			     sort_name(s->sort), s->descending ? " (descending)" : "",
			     s->text[0] ? "  filter: " : "", s->text,
			     s->status >= 0 ? "  status: " : "",
			     s->status >= 0 ? store_status_name(s->status) : "",
			     s->tag[0] ? "  tag: " : "", s->tag);
}

/* The heading of the runs' columns, as layout says. */
static void draw_heading(const struct runs_state *s, const struct runs_layout *l,
			 struct canvas *c)
{
	char head[512];
	int n;

	n = snprintf(head, sizeof head, " %5s %-*s %-10s", "ID", l->name_w, "NAME", "STATUS");
	if (l->params)
		n += snprintf(head + n, sizeof head - (size_t)n, " %8s", "PARAMS");
	n += snprintf(head + n, sizeof head - (size_t)n, " %6s", "EPOCHS");
	if (l->train)
		n += snprintf(head + n, sizeof head - (size_t)n, " %9s", "TRAIN ACC");
	n += snprintf(head + n, sizeof head - (size_t)n, " %9s %7s", "TEST ACC", "TIME");
	for (int i = 0; i < s->n_columns && n < (int)sizeof head; i++)
		if (l->width[i])
			n += snprintf(head + n, sizeof head - (size_t)n, " %*s", l->width[i],
				      l->title[i]);
	chrome_heading(c, 2, head);
}

static void runs_draw(const struct app *a, void *state, struct canvas *c)
{
	struct runs_state *s = state;
	int rows = c->h - 5;
	struct runs_layout l;
	char head[256];

	layout(s, c->w, &l);
	draw_hidden(s, &l, c, draw_summary(a, s, c));
	if (s->group) {
		snprintf(head, sizeof head, " %5s %-*s %-24s %4s %4s %8s", "ID", l.name_w, "NAME",
			 "SWEEP POINT", "RUNS", "DONE", "TEST ACC");
		chrome_heading(c, 2, head);
	} else {
		draw_heading(s, &l, c);
	}
	run_list_scroll(&s->list, rows);
	for (int i = 0; i < rows && s->list.top + i < s->list.n; i++)
		draw_row(a, s, c, LIST_TOP + i, s->list.top + i, &l);
	if (app_row(a, a->selected) && app_row(a, a->selected)->sweep_id)
		chrome_keys_fit(c,
			    " ?help  Enter run  w sweep  / filter  f status  T tag  S sort  i reverse"
			    "  g group  M columns  space mark  C compare  t tag  n note  d delete"
			    "  e export ",
			    " ?help  / filter  S sort  g group  M columns  space mark  C compare"
			    "  w sweep ");
	else
		chrome_keys_fit(c,
			    " ?help  Enter run  / filter  f status  T tag  S sort  i reverse  g group"
			    "  M columns  space mark  C compare  t tag  n note  d delete  e export"
			    "  O overview ",
			    " ?help  / filter  f status  S sort  g group  M columns  space mark"
			    "  C compare ");
}

/* ---- keys ---- */

static enum key_result filter_done(struct app *a, struct modal *m, int key)
{
	struct runs_state *s = m->context;

	(void)key;
	snprintf(s->text, sizeof s->text, "%.63s", m->input);
	build(a, s);
	return KEY_REDRAW;
}

static enum key_result tag_filter_done(struct app *a, struct modal *m, int key)
{
	struct runs_state *s = m->context;

	(void)a;
	(void)key;
	snprintf(s->tag, sizeof s->tag, "%.63s", m->input);
	return KEY_RELOAD;
}

/* The list as CSV, as `digitlab export --format csv` writes runs. */
static enum key_result export_done(struct app *a, struct modal *m, int key)
{
	struct runs_state *s = m->context;
	FILE *f = fopen(m->input, "w");

	(void)key;
	if (!f) {
		app_message(a, "%s: %s", m->input, strerror(errno));
		return KEY_REDRAW;
	}
	fprintf(f, "id,name,status,params,epochs,accuracy,val_accuracy,test_accuracy,seconds\n");
	for (int i = 0; i < s->list.n; i++) {
		const struct store_row *r = &a->rows[s->list.index[i]];

		fprintf(f, "%lld,\"%s\",%s,%lld,%d,%.6g,%.6g,%.6g,%.6g\n", (long long)r->id, r->name,
			store_status_name(r->status), (long long)r->params, r->epochs, r->accuracy,
			r->val_accuracy, r->test_accuracy, r->seconds);
	}
	if (fclose(f) != 0)
		app_message(a, "%s: %s", m->input, strerror(errno));
	else
		app_message(a, "%d runs written to %s", s->list.n, m->input);
	return KEY_REDRAW;
}

static const char *const part_words[] = {"last", "best", "epoch of the best"};

static int column_index(const struct runs_state *s, const struct run_column *c)
{
	for (int i = 0; i < s->n_columns; i++)
		if (s->columns[i].metric == c->metric && s->columns[i].part == c->part)
			return i;
	return -1;
}

/* After the columns of its metric that come before it in the order last,
 * best, epoch of the best; after every column when its metric has none. */
static void add_column(struct runs_state *s, const struct run_column *c)
{
	int at = s->n_columns;

	for (int i = 0; i < s->n_columns; i++) {
		if (s->columns[i].metric != c->metric)
			continue;
		if (s->columns[i].part > c->part) {
			at = i;
			break;
		}
		at = i + 1;
	}
	memmove(&s->columns[at + 1], &s->columns[at],
		sizeof *s->columns * (size_t)(s->n_columns - at));
	s->columns[at] = *c;
	s->n_columns++;
}

static enum key_result column_picked(struct app *a, struct modal *m, int key)
{
	struct runs_state *s = m->context;
	const struct run_column *c;
	int i;

	if (key != '\n' || m->pick_sel < 0 || m->pick_sel >= s->n_offered)
		return KEY_REDRAW;
	c = &s->offered[m->pick_sel];
	if ((i = column_index(s, c)) >= 0) {
		memmove(&s->columns[i], &s->columns[i + 1],
			sizeof *s->columns * (size_t)(s->n_columns - i - 1));
		s->n_columns--;
		app_message(a, "column %s %s removed", store_metric_names[c->metric],
			    part_words[c->part]);
		return KEY_REDRAW;
	}
	if (s->n_columns == RUNS_MAX_COLUMNS) {
		app_message(a, "at most %d metric columns: remove one first (M)", RUNS_MAX_COLUMNS);
		return KEY_REDRAW;
	}
	add_column(s, c);
	app_message(a, "column %s %s added (M removes it)", store_metric_names[c->metric],
		    part_words[c->part]);
	return KEY_RELOAD;      /* update reads the runs' metrics */
}

/* M: a chooser of the metrics that runs have (an epoch's value, as the
 * rows' last epochs say) and those shown, each as its last value, its
 * best and the epoch of the best, to add or remove as a column. */
static enum key_result choose_column(struct app *a, struct runs_state *s)
{
	const char *items[STORE_METRIC_COUNT * STORE_PART_COUNT];
	char text[STORE_METRIC_COUNT * STORE_PART_COUNT][64];
	int has[STORE_METRIC_COUNT] = {0};

	for (int i = 0; i < a->n_rows; i++) {
		const struct store_row *r = &a->rows[i];
		const double last[STORE_METRIC_COUNT] = {r->loss, r->accuracy, r->val_loss,
							 r->val_accuracy};

		for (int m = 0; m < STORE_METRIC_COUNT; m++)
			has[m] |= !isnan(last[m]);
	}
	for (int i = 0; i < s->n_columns; i++)
		has[s->columns[i].metric] = 1;
	s->n_offered = 0;
	for (int m = 0; m < STORE_METRIC_COUNT; m++)
		for (int p = 0; has[m] && p < STORE_PART_COUNT; p++) {
			struct run_column c = {(enum store_metric)m, (enum store_metric_part)p};
			int n = s->n_offered++;

			s->offered[n] = c;
			snprintf(text[n], sizeof text[n], "%-7s %s %s",
				 column_index(s, &c) >= 0 ? "remove" : "add", store_metric_names[m],
				 part_words[p]);
			items[n] = text[n];
		}
	if (!modal_pick_items(&a->modal, "metric columns", items, s->n_offered, 0,
			      column_picked)) {
		app_message(a, "no run has finished an epoch yet: no metric to show");
		return KEY_REDRAW;
	}
	a->modal.context = s;
	return KEY_REDRAW;
}

static enum key_result ask(struct app *a, struct runs_state *s, const char *question,
			   const char *initial, modal_done done)
{
	modal_input(&a->modal, question, initial, done);
	a->modal.context = s;
	return KEY_REDRAW;
}

static enum key_result runs_key(struct app *a, void *state, const struct key_event *k)
{
	struct runs_state *s = state;

	switch (k->key) {
	case '/': return ask(a, s, "filter: ", s->text, filter_done);
	case 'T': return ask(a, s, "only runs tagged (empty: all): ", s->tag, tag_filter_done);
	case 'e': return ask(a, s, "export CSV to: ", "runs.csv", export_done);
	case 'M': return choose_column(a, s);
	case 'f':
		s->status = s->status + 1 > (int)STORE_PRUNED ? -1 : s->status + 1;
		build(a, s);
		return KEY_REDRAW;
	case 'S':
		s->sort = (enum store_sort)((s->sort + 1) % (STORE_SORT_CREATED + 1));
		build(a, s);
		return KEY_REDRAW;
	case 'i':
		s->descending = !s->descending;
		build(a, s);
		return KEY_REDRAW;
	case 'g':
		s->group = !s->group;
		build(a, s);
		return KEY_REDRAW;
	case ' ':
		app_toggle_mark(a, a->selected);
		a->selected = run_list_move(&s->list, a->rows, a->selected, 1);
		return KEY_REDRAW;
	case 'C':
		if (a->n_marked < 2) {
			app_message(a, "mark two or more runs with space first");
			return KEY_REDRAW;
		}
		app_go(a, VIEW_COMPARE);
		return KEY_RELOAD;
	default:
		return list_key(a, &s->list, LIST_TOP, k);
	}
}

static void runs_free(void *state)
{
	struct runs_state *s = state;

	run_list_free(&s->list);
	free(s->groups);
	free(s->tagged);
	free(s->metrics);
	s->groups = NULL;
	s->tagged = NULL;
	s->metrics = NULL;
	s->n_metrics = 0;
}

const struct view_ops runs_view = {
	.name = "runs", .enter = runs_enter, .update = runs_update, .draw = runs_draw,
	.key = runs_key, .free = runs_free,
};
