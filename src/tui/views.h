/*
 * views.h - the dashboard's screens. Each is a view: a small table of
 * functions (tig's view_ops, ncdu's per-screen draw and key) over a state
 * of its own, declared here so that a test can build one in memory and
 * draw it.
 *
 *   enter   it becomes the shown view
 *   update  read from the store what it shows; called when the store
 *           changed (PRAGMA data_version), on entering, and after a key
 *           that answered KEY_RELOAD (an action, a new selection or marks)
 *   draw    pure: the app and the state in, the canvas out. It touches no
 *           SQLite, file or clock; it records where it drew what a click
 *           can hit, and which lines it scrolled to
 *   key     a key or a click; says what happened (keys.h)
 *
 * One file each: view_overview.c, view_runs.c, view_run.c (its tabs drawn
 * by run_tabs.c), view_pad.c, view_compare.c, view_help.c, view_sweep.c.
 */
#ifndef DL_TUI_VIEWS_H
#define DL_TUI_VIEWS_H

#include "store/store.h"
#include "tui/answers.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/chrome.h"
#include "tui/keys.h"
#include "tui/runlist.h"
#include "tui/sweepstat.h"
#include "tui/widgets.h"

struct view_ops {
	const char *name;
	void (*enter)(struct app *a, void *state);
	void (*update)(struct app *a, void *state);
	void (*draw)(const struct app *a, void *state, struct canvas *c);
	enum key_result (*key)(struct app *a, void *state, const struct key_event *k);
	void (*free)(void *state);
};

/* ---- overview: what trains and waits, and what finished lately ---- */

#define OVERVIEW_RECENT 30      /* finished runs listed */

struct spark {                  /* a run's validation accuracy per epoch */
	int64_t id;
	int epochs;             /* the run's epoch count when read */
	double *v;              /* owned */
	int n;
};

struct overview_state {
	struct run_list list;
	struct spark *sparks;   /* one per line of the list, same order; owned */
	int n_sparks;
};

/* ---- runs: every run, filtered, sorted, grouped by sweep point ---- */

struct group_stat {             /* a sweep point's repeats */
	int runs, done;
	double mean, spread;    /* of test accuracy; NAN: none */
};

#define RUNS_MAX_COLUMNS 8

struct run_column {             /* a metric column of the runs list (M) */
	enum store_metric metric;
	enum store_metric_part part;
};

struct run_metrics {            /* a run's metrics over its epochs, as update read them */
	int64_t id;
	int epochs;             /* its completed epochs then; -1: not read (an error) */
	enum store_status status;       /* and its status: either changing reads it again */
	struct store_metric_summary m[STORE_METRIC_COUNT];
};

struct runs_state {
	struct run_list list;
	struct group_stat *groups; /* grouped: one per line; owned */
	char text[64];          /* the / filter */
	char tag[64];           /* the T filter; "" none */
	int64_t *tagged;        /* ids with that tag, sorted; owned */
	int n_tagged;
	int status;             /* the f filter: an enum store_status, or -1 */
	enum store_sort sort;
	int descending;
	int group;
	/* M: metric columns, kept for the session; each metric's in the order
	 * last, best, epoch of the best, metrics in the order first added */
	struct run_column columns[RUNS_MAX_COLUMNS];
	int n_columns;
	struct run_metrics *metrics;    /* every run's, by id, read by update while there
	                                   are columns (draw looks them up); owned */
	int n_metrics;
	struct run_column offered[STORE_METRIC_COUNT * STORE_PART_COUNT]; /* what the open
	                                   chooser lists, in its order */
	int n_offered;
};

/* ---- run: one run in six tabs ---- */

/* What the Confusion tab shows: the matrix, or a list of flips between
 * the epoch shown and the last, or the digits that changed most. */
enum flip_list { FLIPS_NONE, FLIPS_BROKEN, FLIPS_FIXED, FLIPS_UNSTABLE, FLIPS_COUNT };
enum run_tab { TAB_CURVES, TAB_CONFUSION, TAB_DIGITS, TAB_WEIGHTS, TAB_MODEL, TAB_YAML,
	       TAB_COUNT };

/* What the curves' x axis counts: epochs, optimiser steps (epochs times the
 * run's batches per epoch, which every epoch of a run has alike), or wall
 * time (the epochs' training seconds added up). */
enum chart_x { CHART_X_EPOCH, CHART_X_STEP, CHART_X_TIME, CHART_X_COUNT };

struct chart_view {             /* one chart's settings, kept for the session */
	int log_y, log_x;
	enum chart_x x;
};

enum run_chart { CHART_LOSS, CHART_ACCURACY, CHART_COUNT }; /* the m key's two */

struct run_state {
	/* what update read; `run.row` is refreshed from the app's rows */
	int64_t id;                     /* 0: nothing loaded (the run is gone) */
	int loaded_epochs;              /* to know when to read again */
	enum store_status loaded_status;
	int loaded_val;                 /* the split it was read for */
	struct store_run run;
	char tags[256];
	struct store_epoch *epochs;
	int n_epochs;
	const char *split;              /* "test" or "val": what the next four hold */
	int k;                          /* classes of the confusion, 0: none */
	int confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	int n_wrong;                    /* misclassified in the split, by the confusion */
	char class_names[STORE_MAX_CLASSES][STORE_CLASS_NAME_MAX]; /* the data set's, if named */
	const char *labels[STORE_MAX_CLASSES]; /* into class_names; labels[0] NULL: numbers */
	int has_val;                    /* a validation confusion was kept */
	struct store_sample *samples;   /* the misclassified kept, by true class */
	int n_samples;
	struct store_weights weights;   /* pixels NULL: none */
	int book_read, weights_read;    /* book and weights were read for the run as
	                                   loaded: only the tab that shows each reads it */
	char weights_note[160];
	char **summary;                 /* the model summary's lines */
	int n_summary;
	char **yaml_lines;              /* the experiment's lines */
	int n_yaml;

	/* what the user chose */
	enum run_tab tab;
	int chart_metric;               /* 0 loss (confusion: counts), 1 accuracy (row %) */
	int smooth;                     /* 0, 3, 9 */
	struct chart_view charts[CHART_COUNT]; /* by chart_metric; the learning rate
	                                   chart follows the shown chart's x axis */
	int conf_t, conf_p;             /* the selected confusion cell, -1: none */
	int digit_sel;
	int scroll;                     /* weights, model, YAML */

	struct confusion_layout layout; /* the heatmap's window (scrolls with the cell) */

	/* what the last frame drew where a click selects something */
	struct hit_grid conf_hit;       /* item = row * cols + column of the window */
	struct hit_grid digits_hit;     /* item = sample index */
	int tab_y;                      /* the tab bar's row, -1: not drawn */
	int tab_x[TAB_COUNT + 1];       /* where each tab starts, then where the last ends */
	/* The Confusion tab through time: the validation answers of every
	 * epoch (set.n 0: none kept), the epoch shown, and the flips. */
	struct answer_book book;
	int epoch;                      /* the epoch shown ([ and ]); 0: the final evaluation */
	int epoch_chosen;               /* 0: epoch follows the run (its latest epoch while it
	                                   trains, then the final evaluation); 1: a key chose it */
	int epoch_confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES]; /* at epoch, from book */
	enum flip_list flips;           /* what the tab shows (f) */
	int *flip_idx;                  /* the samples of the list shown, owned */
	int n_flip;
	int flip_sel;                   /* the selected one, in flip_idx */
	int scrub_x, scrub_y, scrub_w;  /* where the last frame drew the epoch track; w 0: not */
	struct hit_grid flips_hit;      /* item = position in flip_idx */
};

/* Confusion tab: recompute epoch_confusion and flip_idx from the book
 * after the epoch, the list or the book changed (no store, no drawing). */
void run_answers_refresh(struct run_state *s);

/* The tabs' drawing (run_tabs.c), from top to bottom - 1. */
void run_tab_draw(const struct app *a, struct run_state *s, struct canvas *c, int top,
		  int bottom);
/* The key bar of a tab, at 80 columns or wide. */
const char *run_tab_keys(enum run_tab tab, int wide);
/* The Confusion tab's, for a run that kept its answers per epoch. */
const char *run_tab_keys_epochs(int flips, int wide);

/* ---- compare: the marked runs side by side ---- */

struct compared {
	struct store_run run;
	int found;
	double *curve;          /* val accuracy per epoch (accuracy without validation) */
	int n_epochs;
	int k;
	int confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	struct flat *flat;      /* its settings, flattened */
	char label[48];
};

struct compare_state {
	struct compared runs[APP_MAX_MARKS];
	int n;
	int64_t loaded[APP_MAX_MARKS];  /* the marks it was read for */
	int loaded_val;
	int n_loaded;
	char **differ;                  /* keys whose values differ; owned */
	int n_differ;
	int show_confusion;             /* short terminals: x swaps it for curves and settings */
	/* S: the first two runs sample by sample on their test set */
	int samples;                    /* 0: off; 1 fixed by the second; 2 broken by it */
	struct answer_book books[2];    /* read when samples is on; set.n 0: none kept */
	int64_t book_ids[2];            /* the runs they were read for */
	int same;                       /* 1: the same test set; else why says how not */
	char why[160];
	int *sample_idx;                /* the samples of the list shown, owned */
	int n_sample, n_fixed, n_broken;
	int sample_sel;
	struct hit_grid samples_hit;    /* item = position in sample_idx */
};

/* ---- sweep: what one sweep found ---- */

struct sweep_state {
	int64_t id;                     /* the sweep read; 0: none */
	struct sweep_stats stats;
	int goal_stored;                /* the goal is the sweep's own, not the default */
	char search[16];                /* grid, random, tpe; "" unknown */
	int sel_row, sel_col;           /* the heatmap's selected cell (two keys) */
	int top, left;                  /* the heatmap's scroll */
	struct hit_grid heat_hit;       /* the heatmap's cells drawn: item = row * cols +
	                                   column of the window */
	char problem[256];              /* "" or why the sweep cannot be shown */
	int printed;                    /* drawn as text (sweep show): no keys to hint */
};

/* The sweep's page in rows top .. bottom - 1 of c: its name and goal, its
 * progress, the chart for its number of keys (the objective against one
 * key, a heatmap of two, parallel coordinates of three or more), the keys
 * by their share of the objective's variance, and the best point and run.
 * The dashboard's sweep view and `digitlab sweep show` draw it. */
void sweep_page_draw(struct sweep_state *s, struct canvas *c, int top, int bottom);
/* Rows the page takes with a chart of chart_rows rows. */
int sweep_page_rows(const struct sweep_state *s, int chart_rows);
/* Rows the chart of s wants when nothing limits it (a heatmap's rows,
 * else a plot's 14). */
int sweep_page_chart_rows(const struct sweep_state *s);
/* Compute the sweep's stats from rows, for the goal the sweep stored (sw;
 * NULL: the default goal), and select its best cell. */
int sweep_state_build(struct sweep_state *s, const struct store_row *rows, int n,
		      int64_t sweep_id, const struct store_sweep *sw, struct dl_error *err);
void sweep_state_free(struct sweep_state *s);

/* ---- pad: draw a digit, and the run's model reads it ---- */

#define PAD_SIDE 28             /* pixels a side: MNIST's */

struct classifier;              /* train/classify.h */

struct pad_state {
	/* the model: restored in enter and update, never in draw */
	int64_t id;                     /* the run it is of; 0: none */
	int loaded_epochs;              /* the run's epochs when it was restored */
	struct classifier *model;       /* owned; NULL: none, `why` says why */
	char why[1100];               /* a dl_error message and a little more */
	char label[300];                /* the run, as the header names it */

	/* the drawing, kept when the pad is left and opened again */
	float ink[PAD_SIDE * PAD_SIDE]; /* [0, 1], row-major; levels of 1/255, as a PGM keeps them */
	int row, col;                   /* the keys' pen: a cell (two pixel rows) */
	int pen_down;                   /* space: the arrows draw */
	int last_row, last_col;         /* the mouse's last point of a stroke, -1: none */
	int answered;                   /* the model's answer is the drawing's */
	int saved;                      /* drawings saved, for the next file name */

	/* where the last frame drew the drawing's first cell */
	int pad_x, pad_y;
};

/* ---- help ---- */

struct help_state {
	int scroll;
};

extern const struct view_ops overview_view, runs_view, run_view, compare_view, help_view,
	sweep_view, pad_view;

#endif
