/*
 * app.h - the dashboard's shared state: what every view reads (the runs,
 * the facts of the header, the selected and marked runs, the message line)
 * and the modal on top of them. The loop (dashboard.c) owns it; each view
 * keeps its own state besides (views.h).
 *
 * Invariants. The selection is a run id, never a row number: rows move
 * under the cursor as runs finish, and an action must hit the run the user
 * saw. `rows` is replaced whole by app_reload and never changed in place,
 * so a view may keep indexes into it until the next reload. Nothing here
 * is touched by another thread: the in-process pool speaks through the
 * store and through serve_thread_message, which the loop reads.
 */
#ifndef DL_TUI_APP_H
#define DL_TUI_APP_H

#include <stdint.h>

#include "store/store.h"
#include "tui/modal.h"
#include "tui/term.h"

#define APP_MAX_MARKS 8
#define APP_MESSAGE_SECONDS 4.0

enum view_id { VIEW_OVERVIEW, VIEW_RUNS, VIEW_RUN, VIEW_COMPARE, VIEW_HELP, VIEW_SWEEP,
	       VIEW_PAD, VIEW_COUNT };

struct app {
	struct store *store;            /* the UI thread's own connection */
	const char *experiments_dir;    /* where the picker looks for files to queue */
	const char *self;               /* this program, for `serve --detach` and previews */
	struct term *term;              /* left and resumed around child programs */
	char store_dir[4096];

	/* what the store says, read by app_reload */
	struct store_row *rows;         /* every run, by id; owned */
	int n_rows;
	int queue_paused;
	char store_problem[256];        /* "" or why the store cannot be read: a banner */
	char store_warning[300];        /* "" or store_health's sentence: a banner */
	struct store_job *jobs;         /* the runs that went to Slurm, by run id; owned */
	int n_jobs;
	int slurm_pending, slurm_running; /* of the running runs, jobs Slurm holds so */

	/* the header's facts, kept by the loop */
	char workers[96];               /* "workers: 2 in-process", "workers: serve pid 7" */
	double cpu_percent;             /* of the whole machine */

	/* what the user chose */
	enum view_id view;              /* shown */
	enum view_id back;              /* the list Esc returns to from the run and compare views */
	enum view_id help_back;         /* the view Esc returns to from help */
	int64_t selected;               /* the lists' selected run; 0: none */
	int64_t open_run;               /* the run view's run */
	int64_t marked[APP_MAX_MARKS];  /* marked for compare, in marking order */
	int n_marked;
	int show_val;                   /* the validation set's analysis, not the test set's */
	int64_t open_sweep;             /* the sweep view's sweep */
	enum view_id sweep_back;        /* the view Esc returns to from the sweep view */
	int64_t point_sweep;            /* the runs list shows only this sweep's point; 0: all */
	char point[128];                /* that point */

	int reload;                     /* read the store at the next turn of the loop */
	char message[256];              /* the message line; "" none */
	double message_until;
	struct modal modal;
};

/* Read every run and the queue's flag; on failure the rows are kept and
 * store_problem says why. */
void app_reload(struct app *a);
void app_free(struct app *a);

/* The row of run id, or NULL. */
const struct store_row *app_row(const struct app *a, int64_t id);

/* Say something on the message line for a few seconds. */
void app_message(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Forget the message once its time is up; 1 when it was forgotten. */
int app_expire_message(struct app *a, double now);

/* Show a view. Going to help, run, compare or sweep remembers where Esc
 * returns. */
void app_go(struct app *a, enum view_id v);
/* Esc from the run, compare, sweep, pad (to its run) or help view, or from
 * the runs list of one sweep point (back to its sweep). */
void app_go_back(struct app *a);

int app_is_marked(const struct app *a, int64_t id);
void app_toggle_mark(struct app *a, int64_t id);
void app_unmark(struct app *a, int64_t id);

#endif
