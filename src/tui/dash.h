/*
 * dash.h - the dashboard's state, shared by its parts inside src/tui/:
 * data.c reads the store into it, views.c draws it, keys.c changes it,
 * dashboard.c runs the loop. State, drawing and input are kept apart.
 */
#ifndef DL_TUI_DASH_H
#define DL_TUI_DASH_H

#include <pthread.h>
#include <stdint.h>

#include "store/store.h"
#include "tui/canvas.h"
#include "tui/dashboard.h"
#include "tui/term.h"

enum dash_screen { SCREEN_OVERVIEW, SCREEN_RUNS, SCREEN_RUN, SCREEN_COMPARE, SCREEN_HELP };

/* The tabs of the run screen. */
enum run_tab { TAB_CURVES, TAB_CONFUSION, TAB_DIGITS, TAB_WEIGHTS, TAB_MODEL, TAB_YAML, TAB_COUNT };

/* A prompt at the bottom line: what it asks and what Enter does with it. */
enum prompt_kind { PROMPT_NONE, PROMPT_FILTER, PROMPT_PATH, PROMPT_TAG, PROMPT_NOTE,
		   PROMPT_EXPORT, PROMPT_CONFIRM_DELETE, PROMPT_QUIT, PROMPT_PICK, PROMPT_TAG_FILTER };

/* Everything shown of the run on the run screen, reloaded when it changes. */
struct run_detail {
	int64_t id;
	int loaded_epochs;              /* to know when to reload */
	enum store_status loaded_status;
	struct store_run run;
	struct store_epoch *epochs;
	int n_epochs;
	const char *split;              /* "test" or "val": what the next three hold */
	int k;                          /* classes of the split's confusion, 0: none */
	int confusion[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	struct store_sample *samples;   /* its misclassified samples, by true class */
	int n_samples;
	int has_val;                    /* a validation confusion was kept */
	char **summary;                 /* model summary lines, NULL until asked for */
	int n_summary;
	float *weights;                 /* first-layer weight images (n, h, w), NULL: none */
	int n_weights, weights_h, weights_w;
	char weights_note[160];         /* why there are none, or what they are */
};

/* A small cache of validation-accuracy histories for overview sparklines. */
#define SPARK_CACHE 64
struct spark_entry {
	int64_t id;
	int epochs;                     /* history length when read */
	double *val;                    /* val_accuracy (or accuracy) per epoch */
	int n;
};

/* A grid of equal cells on screen, top-left cell at (x, y), items counted
 * from `first` left to right, then down; rows == 0 when none is drawn. */
struct hit_grid {
	int x, y, cell_w, cell_h, cols, rows, first, n_items;
};

struct dash {
	const struct dashboard_opts *opts;
	struct term term;
	struct store *store;
	char store_dir[4096];
	int64_t data_version;
	double last_poll, last_draw;
	int dirty;                      /* something changed: draw */
	int running;                    /* the main loop goes on */

	enum dash_screen screen, back;       /* back: where Esc returns from the run screen */
	struct store_row *rows;         /* every run, by id */
	int n_rows;
	int queue_paused;

	/* overview and runs lists */
	int sel, top;                   /* selected row and first row shown */
	int *view;                      /* indexes into rows of the current list */
	int n_view;
	char filter[64];
	char tag_filter[64];            /* runs list: only runs with this tag ("" any) */
	int64_t *tagged;                /* the ids with that tag, sorted */
	int n_tagged;
	enum store_sort sort;
	int sort_desc;
	int status_filter;              /* -1 or an enum store_status */
	int group;                      /* runs screen: one line per sweep point */
	int64_t marked[8];              /* runs marked for compare */
	int n_marked;
	int compare_confusion;          /* compare, short terminal: the confusion
					   difference in place of curves and settings */

	/* run screen */
	struct run_detail detail;
	enum run_tab tab;
	int chart_metric;               /* 0 loss, 1 accuracy */
	int smooth;
	int conf_t, conf_p;             /* selected confusion cell, -1: none */
	int show_val;                   /* confusion and digits of the validation set */
	int digit_sel;
	int scroll;                     /* model and YAML tabs */

	/* prompts and messages */
	enum prompt_kind prompt;
	char input[512];
	char **picks;                   /* PROMPT_PICK: experiment files */
	int n_picks, pick_sel;
	char message[256];
	double message_until;

	/* the in-process worker pool, when no serve holds the store */
	int in_process;
	int lock_fd;
	long lock_pid;                  /* the serve (or dashboard) that holds the store */
	double last_lock_try;
	pthread_t pool_thread;
	volatile int pool_quit;
	int pool_done;
	int workers;

	struct spark_entry sparks[SPARK_CACHE];
	double cpu_last_wall, cpu_last_proc, cpu_percent;

	/* what the last frame drew where a click selects something: views.c
	 * fills these as it draws, keys.c reads them, so the layout is known
	 * in one place */
	struct hit_grid conf_hit;       /* confusion cells: item = true * k + pred */
	struct hit_grid digits_hit;     /* misclassified digits: item = sample index */
	int tab_y;                      /* the run screen's tab bar row, -1: not drawn */
	int tab_x[TAB_COUNT + 1];       /* where each tab starts, then where the last ends */
};

/* The item under (x, y) in a grid, or -1. */
int dash_hit(const struct hit_grid *g, int x, int y);

/* data.c */
int dash_poll(struct dash *d);                  /* 1 when the store changed */
void dash_reload_rows(struct dash *d);
void dash_build_view(struct dash *d);
void dash_load_detail(struct dash *d, int64_t id);
void dash_free_detail(struct run_detail *r);
const struct spark_entry *dash_spark(struct dash *d, int64_t id, int epochs);
void dash_free_sparks(struct dash *d);
const struct store_row *dash_row(const struct dash *d, int64_t id);
void dash_load_summary(struct dash *d);
void dash_load_weights(struct dash *d);

/* views.c */
void dash_draw(struct dash *d, struct canvas *c);

/* dashboard.c */
void dash_request_quit(struct dash *d);
void dash_quit_key(struct dash *d, int key);
void dash_export_csv(struct dash *d, const char *path);

/* compare.c */
void dash_draw_compare(struct dash *d, struct canvas *c);

/* keys.c */
void dash_key(struct dash *d, int key, int mx, int my);
void dash_message(struct dash *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
