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

static void runs_update(struct app *a, void *state)
{
	struct runs_state *s = state;

	read_tagged(a, s);
	build(a, s);
}

static void runs_enter(struct app *a, void *state)
{
	runs_update(a, state);
}

static void draw_row(const struct app *a, const struct runs_state *s, struct canvas *c, int y,
		     int line, int name_w)
{
	const struct store_row *r = &a->rows[s->list.index[line]];
	int selected = r->id == a->selected, attr = selected ? ATTR_REVERSE : 0, x = 0;
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
	x += canvas_printf(c, x, y, chrome_status_color(r->status), attr, "%-10s ",
			   store_status_name(r->status));
	canvas_printf(c, x, y, COLOR_DEFAULT, attr, "%8lld %6d %9s %9s %7s", (long long)r->params,
		      r->epochs, chrome_accuracy(r->accuracy, acc, sizeof acc),
		      chrome_accuracy(r->test_accuracy, test, sizeof test),
		      format_duration(r->seconds, secs, sizeof secs));
}

static const char *sort_name(enum store_sort sort)
{
	static const char *const names[] = {"id", "name", "status", "params", "epochs",
					    "train acc", "val acc", "test acc", "time", "created"};

	return (int)sort >= 0 && (int)sort < (int)(sizeof names / sizeof names[0]) ? names[sort]
										   : "?";
}

static void draw_summary(const struct app *a, const struct runs_state *s, struct canvas *c)
{
	char what[96];

	if (a->point_sweep) {   /* opened from the sweep view: say which point, and the way back */
		canvas_printf(c, 0, 1, COLOR_ACCENT, 0, "%d run%s of sweep %lld at %s  (Esc: back to "
			      "the sweep)", s->list.n, s->list.n == 1 ? "" : "s",
			      (long long)a->point_sweep, a->point);
		return;
	}
	if (s->group)
		snprintf(what, sizeof what, "%d sweep points and single runs, of %d runs", s->list.n,
			 a->n_rows);
	else
		snprintf(what, sizeof what, "%d runs shown of %d", s->list.n, a->n_rows);
	canvas_printf(c, 0, 1, COLOR_DIM, 0, "%s  sorted by %s%s%s%s%s%s%s%s", what,
		      sort_name(s->sort), s->descending ? " (descending)" : "",
		      s->text[0] ? "  filter: " : "", s->text, s->status >= 0 ? "  status: " : "",
		      s->status >= 0 ? store_status_name(s->status) : "", s->tag[0] ? "  tag: " : "",
		      s->tag);
}

static void runs_draw(const struct app *a, void *state, struct canvas *c)
{
	struct runs_state *s = state;
	int name_w = c->w >= 120 ? 36 : 18, rows = c->h - 5;
	char head[256];

	draw_summary(a, s, c);
	if (s->group)
		snprintf(head, sizeof head, " %5s %-*s %-24s %4s %4s %8s", "ID", name_w, "NAME",
			 "SWEEP POINT", "RUNS", "DONE", "TEST ACC");
	else
		snprintf(head, sizeof head, " %5s %-*s %-10s %8s %6s %9s %9s %7s", "ID", name_w,
			 "NAME", "STATUS", "PARAMS", "EPOCHS", "TRAIN ACC", "TEST ACC", "TIME");
	chrome_heading(c, 2, head);
	run_list_scroll(&s->list, rows);
	for (int i = 0; i < rows && s->list.top + i < s->list.n; i++)
		draw_row(a, s, c, LIST_TOP + i, s->list.top + i, name_w);
	if (app_row(a, a->selected) && app_row(a, a->selected)->sweep_id)
		chrome_keys(c, c->w >= 140 ?
			    " ?help  Enter run  w sweep  / filter  f status  T tag  S sort  i reverse"
			    "  g group  space mark  C compare  t tag  n note  d delete  e export " :
			    " ?help  / filter  f status  S sort  g group  space mark  C compare  w sweep ");
	else
		chrome_keys(c, c->w >= 140 ?
			    " ?help  Enter run  / filter  f status  T tag  S sort  i reverse  g group"
			    "  space mark  C compare  t tag  n note  d delete  e export  O overview " :
			    " ?help  / filter  f status  S sort  g group  space mark  C compare  e export ");
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
	s->groups = NULL;
	s->tagged = NULL;
}

const struct view_ops runs_view = {
	.name = "runs", .enter = runs_enter, .update = runs_update, .draw = runs_draw,
	.key = runs_key, .free = runs_free,
};
