/*
 * runlist.h - a list of runs as a view shows it: indexes into the app's
 * rows, filtered and sorted, with the first line shown. Pure functions of
 * the rows: the same rows and filter give the same list, which the golden
 * tests rely on.
 *
 * The selection stays a run id (app.h). A list keeps `pos`, the line the
 * selected run was on, only to choose its neighbour when that run leaves
 * the list (removed, or filtered out).
 */
#ifndef DL_TUI_RUNLIST_H
#define DL_TUI_RUNLIST_H

#include <stdint.h>

#include "store/store.h"

struct run_list {
	int *index;             /* into the rows; owned */
	int n;
	int top;                /* first line shown */
	int pos;                /* the line of the selected run */
};

/* Which runs, in which order (the runs view). */
struct run_filter {
	const char *text;               /* in the name or the sweep point; "" any */
	int status;                     /* an enum store_status, or -1: any */
	const int64_t *tagged;          /* sorted ids with the tag filter's tag */
	int n_tagged;                   /* -1: no tag filter */
	enum store_sort sort;
	int descending;
	int group;                      /* one line per sweep point: its first run */
	int64_t sweep_id;               /* only the runs of this sweep's point; 0: any */
	const char *point;              /* that point */
};

/* The overview: running runs, then waiting ones in queue order, then the
 * `recent` most recently finished. */
void run_list_overview(struct run_list *l, const struct store_row *rows, int n_rows, int recent);
/* The runs view: the rows the filter keeps, in its order. */
void run_list_filter(struct run_list *l, const struct store_row *rows, int n_rows,
		     const struct run_filter *f);
void run_list_free(struct run_list *l);

/* The selected run after the list changed: `selected` where it still is,
 * else the run now at its old line (or the last). Updates l->pos; 0 when
 * the list is empty. */
int64_t run_list_keep(struct run_list *l, const struct store_row *rows, int64_t selected);
/* The run `by` lines from the selected one, clamped to the list. */
int64_t run_list_move(struct run_list *l, const struct store_row *rows, int64_t selected, int by);
/* The run on line `line` of the list, 0 when there is none. */
int64_t run_list_at(const struct run_list *l, const struct store_row *rows, int line);
/* Scroll so that line l->pos is among the `rows` lines shown. */
void run_list_scroll(struct run_list *l, int rows);

/* Active: running, queued, paused or interrupted. */
int run_is_active(enum store_status st);

#endif
