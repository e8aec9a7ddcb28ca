/*
 * store.h - the run store: one SQLite database that holds every run, its
 * queue state, its history and its evaluation, and the only channel
 * between digitlab processes (DESIGN.md).
 *
 * A store is a directory: $DIGITLAB_HOME, else $XDG_DATA_HOME/digitlab,
 * else ~/.local/share/digitlab, made 0700, holding runs.db (0600) in WAL
 * mode so that readers (the dashboard, `digitlab ls`) never block the
 * writers (workers) and the other way round. The schema carries a version
 * (PRAGMA user_version) and is brought up to date by ordered migration
 * steps in one transaction; a database from a newer digitlab is refused and
 * left untouched.
 *
 * Concurrency: a struct store is one connection and belongs to one thread;
 * threads and processes each open their own. Every write is a short
 * transaction taken with BEGIN IMMEDIATE, and a busy database is waited for
 * (busy timeout, 5 s by default), so two workers never claim the same run.
 *
 * This module knows SQLite and nothing of the trainer: its structs are
 * plain data, and src/run/ maps trainer events to these calls.
 */
#ifndef DL_STORE_STORE_H
#define DL_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define STORE_SCHEMA_VERSION 1
#define STORE_MAX_CLASSES 10

enum store_status {
	STORE_QUEUED,
	STORE_RUNNING,
	STORE_DONE,
	STORE_FAILED,           /* could not run, or a write failed */
	STORE_DIVERGED,         /* the loss became NaN or infinite */
	STORE_CANCELLED,
	STORE_INTERRUPTED,      /* stopped with a checkpoint; resumes when claimed */
	STORE_PAUSED,           /* queued, but not to be claimed until resumed */
};

/* Actions a worker is asked to take for its running run. */
enum store_request {
	STORE_REQUEST_NONE,
	STORE_REQUEST_CANCEL,   /* stop now */
	STORE_REQUEST_STOP,     /* finish the epoch, keep the checkpoint */
};

struct store;

/* Open (creating when needed) the store in dir, or in the default directory
 * when dir is NULL. On error *out is NULL and err says why. */
int store_open(struct store **out, const char *dir, struct dl_error *err);
void store_close(struct store *s);              /* NULL is fine */

/* The database file's path, owned by the store. */
const char *store_path(const struct store *s);

/* How long a write waits for another writer before failing (ms). */
void store_set_busy_timeout(struct store *s, int ms);

/* Whether anything changed since the last call (PRAGMA data_version, which
 * moves when another connection commits): the dashboard polls it. */
int64_t store_data_version(struct store *s);

/* Names of statuses as stored and printed ("queued", ...); -1 if unknown. */
const char *store_status_name(enum store_status st);
int store_status_from_name(const char *name);

/* ---- the queue ---- */

struct store_new_run {
	const char *name;
	const char *yaml;       /* the canonical experiment */
	int priority;           /* higher first */
	int64_t after;          /* start only after this run is done; 0: none */
	int64_t sweep_id;       /* runs of one sweep share it; 0: none */
	const char *sweep_point; /* the grid point, e.g. "units=10 lr=0.1"; may be NULL */
	int repeat;             /* index among the repeats of one point */
	int threads;            /* threads the run asks for (>= 1) */
	int64_t params;         /* parameter count, 0 when unknown */
};

/* Queue a run; *id receives its id (ids are never reused). */
int store_add_run(struct store *s, const struct store_new_run *r, int64_t *id,
		  struct dl_error *err);

/* A claimed run, for its worker. yaml is malloc'd: free with store_claim_free. */
struct store_claim {
	int64_t id;
	char name[128];
	char *yaml;
	int threads;
	char checkpoint[4096];  /* "" or the checkpoint to resume from */
};
void store_claim_free(struct store_claim *c);

/* Atomically take the next run: queued or interrupted, not paused, highest
 * priority then lowest id, whose `after` run (if any) is done, unless the
 * whole queue is paused. It becomes running under `worker`. *claimed is 0
 * when there was none. */
int store_claim_run(struct store *s, const char *worker, struct store_claim *out,
		    int *claimed, struct dl_error *err);

/* A running run's worker says it is alive. */
int store_heartbeat(struct store *s, int64_t id, struct dl_error *err);

/* Live progress: cheap, one UPDATE; call a few times a second at most. */
int store_set_progress(struct store *s, int64_t id, int epoch, int batch, int batches,
		       double samples_per_s, double eta_s, struct dl_error *err);

/* The run's parameter count, once its model is built. */
int store_set_params(struct store *s, int64_t id, int64_t params, struct dl_error *err);

/* Where the run's checkpoint is written. */
int store_set_checkpoint(struct store *s, int64_t id, const char *path, struct dl_error *err);

struct store_epoch {
	int epoch;
	double loss, accuracy, val_loss, val_accuracy;  /* NAN: none */
	double lr, seconds;
	const char *events;                             /* may be NULL */
};

/* Record an epoch; an epoch recorded again (after a resume) replaces it. */
int store_add_epoch(struct store *s, int64_t id, const struct store_epoch *e,
		    struct dl_error *err);

struct store_result {
	enum store_status status;       /* done, failed, diverged, cancelled, interrupted */
	int epochs;
	double loss, accuracy, val_loss, val_accuracy, test_loss, test_accuracy; /* NAN: none */
	double seconds;
	const char *message;            /* why it failed, diverged or stopped; may be NULL */
};

/* End a run with its final metrics. */
int store_finish_run(struct store *s, int64_t id, const struct store_result *r,
		     struct dl_error *err);

/* Ask for a run to be cancelled or stopped: a queued or paused run is
 * cancelled at once (stop ends it as cancelled too, having nothing to
 * keep); a running one gets the request, which its worker reads with
 * store_requested. *changed is 0 when the run had already ended. */
int store_request(struct store *s, int64_t id, enum store_request req, int *changed,
		  struct dl_error *err);
int store_requested(struct store *s, int64_t id, enum store_request *req,
		    struct dl_error *err);

/* Pause a queued run, or resume a paused one; retry puts an ended run that
 * did not finish (failed, diverged, cancelled, interrupted) back in the
 * queue. *changed is 0 when the run was in no state to change. */
int store_pause_run(struct store *s, int64_t id, int pause, int *changed,
		    struct dl_error *err);
int store_retry_run(struct store *s, int64_t id, int *changed, struct dl_error *err);
int store_set_priority(struct store *s, int64_t id, int priority, struct dl_error *err);

/* Pause or resume the whole queue: nothing is claimed while it is paused. */
int store_pause_queue(struct store *s, int pause, struct dl_error *err);
int store_queue_paused(struct store *s, int *paused, struct dl_error *err);

/* Runs still marked running whose heartbeat is older than max_age seconds
 * (their worker died) become interrupted, to be resumed from their
 * checkpoint by the next claim. *count receives how many. */
int store_recover_stale(struct store *s, double max_age, int *count, struct dl_error *err);

/* Runs of `worker` still marked running become interrupted (a clean
 * shutdown, or a restart of the same worker). */
int store_interrupt_worker(struct store *s, const char *worker, int *count,
			   struct dl_error *err);

/* ---- tags, notes, removal ---- */

int store_tag(struct store *s, int64_t id, const char *tag, int add, struct dl_error *err);
int store_note(struct store *s, int64_t id, const char *text, struct dl_error *err);
/* Remove runs with everything they own. *removed is 0 when there was none. */
int store_remove_run(struct store *s, int64_t id, int *removed, struct dl_error *err);

/* ---- evaluation artifacts ---- */

/* The confusion matrix of a split ("val", "test"): n x n counts [true][predicted]. */
int store_set_confusion(struct store *s, int64_t id, const char *split, int n,
			const int *counts, struct dl_error *err);
int store_get_confusion(struct store *s, int64_t id, const char *split, int *n,
			int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES], int *found,
			struct dl_error *err);

/* A misclassified sample with its pixels (h x w floats) and optionally its
 * saliency map (same size, or NULL). */
struct store_sample {
	int index;                      /* in its split */
	int truth, predicted;
	double confidence;              /* probability of the prediction */
	int h, w;
	const float *pixels;
	const float *saliency;
};
int store_add_misclassified(struct store *s, int64_t id, const char *split,
			    const struct store_sample *m, struct dl_error *err);

/* Read them back, in order of true class then index: the callback gets each
 * (pixels and saliency valid during the call); a non-zero return stops. */
typedef int (*store_sample_fn)(void *ctx, const struct store_sample *m);
int store_each_misclassified(struct store *s, int64_t id, const char *split,
			     store_sample_fn fn, void *ctx, struct dl_error *err);

/* ---- browsing ---- */

/* One row of `digitlab ls`: no YAML, no blobs. */
struct store_row {
	int64_t id;
	char name[128];
	enum store_status status;
	int priority;
	int64_t params;
	int epochs;                     /* completed */
	int epoch, batch, batches;      /* live progress */
	double samples_per_s, eta_s;
	double loss, accuracy, val_accuracy, test_accuracy; /* NAN: none */
	double best_val_accuracy;       /* NAN: none yet */
	double seconds;
	double created, started, finished; /* unix seconds, 0: not yet */
	int64_t sweep_id;
	char sweep_point[128];
	int repeat;
	char worker[64];
};

enum store_sort {
	STORE_SORT_ID, STORE_SORT_NAME, STORE_SORT_STATUS, STORE_SORT_PARAMS,
	STORE_SORT_EPOCHS, STORE_SORT_ACCURACY, STORE_SORT_VAL_ACCURACY,
	STORE_SORT_TEST_ACCURACY, STORE_SORT_SECONDS, STORE_SORT_CREATED,
};

struct store_filter {
	int status;                     /* an enum store_status, or -1: any */
	const char *name_glob;          /* NULL: any */
	const char *tag;                /* NULL: any */
	enum store_sort sort;
	int descending;
	int limit;                      /* 0: all */
};

/* The rows matching the filter, sorted. *rows is malloc'd (free it). */
int store_list_runs(struct store *s, const struct store_filter *f, struct store_row **rows,
		    int *n, struct dl_error *err);

/* Everything of one run: its row, YAML (malloc'd), notes (malloc'd, may be
 * NULL), checkpoint path, message. Free with store_run_free. */
struct store_run {
	struct store_row row;
	char *yaml;
	char *notes;
	char *message;
	char checkpoint[4096];
	int threads;
	int64_t after;
};
int store_get_run(struct store *s, int64_t id, struct store_run *out, int *found,
		  struct dl_error *err);
void store_run_free(struct store_run *r);

/* The run's epochs in order; *epochs is malloc'd, and each events string is
 * malloc'd too: free with store_epochs_free. */
int store_get_history(struct store *s, int64_t id, struct store_epoch **epochs, int *n,
		      struct dl_error *err);
void store_epochs_free(struct store_epoch *epochs, int n);

/* The run's tags, comma-separated, into buf. */
int store_get_tags(struct store *s, int64_t id, char *buf, size_t size, struct dl_error *err);

#endif
