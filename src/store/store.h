/*
 * store.h - the run store: one SQLite database that holds every run, its
 * place in the queue, its history and its evaluation. It is the single
 * source of truth and the only channel between digitlab processes
 * (DESIGN.md): the dashboard, `digitlab serve` and `digitlab queue add` may
 * be three processes in three SSH sessions that meet in this file.
 *
 * Files. A store is a directory: the one given, else $DIGITLAB_HOME, else
 * $XDG_DATA_HOME/digitlab, else ~/.local/share/digitlab. It is created 0700
 * (parents too) and holds runs.db, created 0600 before SQLite touches it.
 * The database runs in WAL mode, so readers (`digitlab ls`, the dashboard)
 * never block the writers (workers) and the other way round.
 *
 * Schema. The version lives in PRAGMA user_version and is brought up to date
 * by ordered migration steps in one transaction. A database written by a
 * newer digitlab is refused, and left byte for byte as it was.
 *
 * Threads and processes. A struct store is one SQLite connection and
 * belongs to one thread at a time: give every thread (and every process)
 * its own store_open(). Any number of stores may share one file. Every
 * write that reads before it writes is one BEGIN IMMEDIATE transaction and
 * a busy database is waited for (5 s by default), so two workers never
 * claim the same run.
 *
 * Errors. Every function that can fail returns DL_OK or DL_ERR and fills
 * the caller's struct dl_error; nothing here prints or exits. A run id that
 * names no run is an error ("no run 12") wherever the run must exist.
 *
 * Ownership. Whatever a getter returns through a pointer-to-pointer is
 * malloc'd and the caller's: free it with the matching *_free().
 *
 * This module knows SQLite and nothing of the trainer: its structs are
 * plain data, and src/run/ maps trainer events onto these calls.
 */
#ifndef DL_STORE_STORE_H
#define DL_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define STORE_SCHEMA_VERSION 8  /* the newest schema this code knows */
#define STORE_MAX_CLASSES 128   /* confusion matrices are at most 128 x 128 */
#define STORE_CLASS_NAME_MAX 64 /* bytes of a class name, NUL included */

/* Where a run is. Queued and interrupted runs are claimable; a paused run
 * waits for store_request(RESUME). */
enum store_status {
	STORE_QUEUED,
	STORE_RUNNING,
	STORE_DONE,
	STORE_FAILED,           /* could not run, or its results could not be kept */
	STORE_DIVERGED,         /* the loss became NaN or infinite */
	STORE_CANCELLED,        /* stopped for good; retry continues it */
	STORE_INTERRUPTED,      /* its worker stopped or died; the next claim resumes it */
	STORE_PAUSED,           /* held (paused or stopped by someone) until resumed */
	STORE_PRUNED,           /* stopped early by its sweep's pruning rule, its
	                           history kept: an end, like done */
};

/* What people ask of a run (store_request). The first three are also what a
 * worker reads back with store_requested(): it only ever sees NONE, CANCEL
 * or STOP. */
enum store_request {
	STORE_REQUEST_NONE,
	STORE_REQUEST_CANCEL,   /* end now: the run becomes cancelled */
	STORE_REQUEST_STOP,     /* end after the epoch, keep the checkpoint: paused */
	STORE_REQUEST_PAUSE,    /* queued: hold it; running: the same as STOP */
	STORE_REQUEST_RESUME,   /* paused: queue it again; running: withdraw a STOP */
	STORE_REQUEST_RETRY,    /* failed, diverged, cancelled, interrupted: queue again */
};

struct store;

/* ---- opening, and the store's health ---- */

/* store_open's status for a file that is damaged past opening (its header
 * or schema cannot be read, or it is empty): err names the damage and the
 * way out (digitlab store recover, or a backup). */
#define STORE_ERR_DAMAGED (-2)

/* Open the store in dir (NULL: the default directory above), creating the
 * directory, the file and the schema when needed. On success *out is the
 * caller's, to be closed with store_close(). On failure *out is NULL and
 * err says why, and the status is DL_ERR or STORE_ERR_DAMAGED; for a
 * database newer than this code the message is "PATH: the store is of
 * schema version N, newer than this digitlab knows (M); it was left
 * untouched".
 *
 * Opening checks the database (PRAGMA quick_check, which reads every page:
 * digitlab bench --store measures it) and looks at its files, and a store
 * that opens may still be unwell: see store_health(). Permissions are
 * never widened: a file or directory that cannot be written is opened for
 * reading. A file others can read is made private (0600), as a new one is. */
int store_open(struct store **out, const char *dir, struct dl_error *err);
void store_close(struct store *s);              /* NULL is fine */

/* What store_open found, best first. A store that is not STORE_HEALTHY
 * says so to the person using it: the commands print store_health's
 * sentence as a warning, the dashboard keeps it on a banner. */
enum store_health {
	STORE_HEALTHY,
	STORE_LOG_CUT,          /* the write-ahead log ended inside a frame (a crash
	                           mid-write, or a log cut short): what it held past
	                           its last whole frame is lost. Said once: the log
	                           is checkpointed, and the store is healthy again
	                           for the next opener */
	STORE_READ_ONLY,        /* the file or its directory cannot be written:
	                           everything reads, every write is refused */
	STORE_DAMAGED,          /* quick_check found damage: what can be read is
	                           read, every write is refused ("store recover") */
};

/* The store's health, and when it is not STORE_HEALTHY a sentence for the
 * person (naming the file, what is wrong and what to do) in why, which
 * may be NULL. */
enum store_health store_health(const struct store *s, char *why, size_t size);

/* Check every page of the database: PRAGMA quick_check, or with full
 * PRAGMA integrity_check, which also compares every index with its table
 * (slower). *problems receives how many problems were found; *report
 * (when report is not NULL) the problems, one a line, malloc'd ("" for
 * none). Problems make the store STORE_DAMAGED from then on. DL_ERR only
 * when the check could not be run. */
int store_check(struct store *s, int full, char **report, int *problems, struct dl_error *err);

/* The store directory used when none is given: $DIGITLAB_HOME, else
 * $XDG_DATA_HOME/digitlab, else ~/.local/share/digitlab. */
int store_default_dir(char *buf, size_t size, struct dl_error *err);

/* Copy the store, as it is at this moment, into a new file at path (which
 * must not exist; made 0600) with SQLite's online backup: writers go on
 * meanwhile, and the copy is consistent. A damaged store is copied as it
 * is, damage included, so that `store recover` can be tried on a copy. */
int store_backup(struct store *s, const char *path, struct dl_error *err);

/* What store_recover did. */
struct store_recovery {
	char kept[4200];        /* the damaged database, kept (with its log applied) */
	int runs;               /* runs in the recovered store */
	int placeholders;       /* of them, runs whose own row was lost: rebuilt from
	                           their experiment as failed runs */
	long rows;              /* rows recovered, in all tables */
	long dropped;           /* rows found that fit no table or belonged to a run
	                           that was lost */
};

/* Rebuild the store in dir (NULL: the default) from what can be read of
 * its database, which need not open: the file is read page by page
 * (recover.c says how). The damaged database is kept beside the new one
 * as runs.db.damaged-TIME; the new one replaces runs.db. No other process
 * may use the store meanwhile (the caller holds the serve lock, and says
 * so to the person). */
int store_recover(const char *dir, struct store_recovery *r, struct dl_error *err);

/* The database file's path (".../runs.db"), owned by the store. */
const char *store_path(const struct store *s);

/* How long a statement waits for another writer before failing (ms). */
void store_set_busy_timeout(struct store *s, int ms);

/* A number that changes whenever another connection commits (PRAGMA
 * data_version): the dashboard polls it to know when to re-read. Its own
 * commits do not move it. -1 if it cannot be read. */
int64_t store_data_version(struct store *s);

/* Names of statuses as stored and printed ("queued", ...); "?" for a value
 * out of range. store_status_from_name returns -1 for an unknown name. */
const char *store_status_name(enum store_status st);
int store_status_from_name(const char *name);

/* ---- queueing ---- */

struct store_new_run {
	const char *name;
	const char *yaml;       /* the canonical experiment */
	int priority;           /* higher first */
	int64_t after;          /* start only once this run is done; 0: none
	                           (see store_list_blocked for one that failed) */
	int64_t sweep_id;       /* from store_add_sweep; 0: not part of a sweep */
	const char *sweep_point; /* the grid point, e.g. "units=10 lr=0.1"; may be NULL */
	int repeat;             /* index among the repeats of one point */
	int threads;            /* threads the run asks for (< 1 means 1) */
	int64_t params;         /* parameter count, 0 when unknown */
	const char *summary;    /* the model summary (store_put_summary); may be NULL */
	int planned_epochs;     /* train.epochs, 0 when unknown */
	const char *sweep_values; /* the point's coordinates in its sweep's search
	                           space (spec/sweep.h); may be NULL */
};

/* Queue a run; *id receives its id (ids count up and are never reused).
 * Fails when `after` names no run. */
int store_add_run(struct store *s, const struct store_new_run *r, int64_t *id,
		  struct dl_error *err);

/* Queue n runs in one transaction, all or none: a sweep appears whole.
 * ids (n entries, caller's) receive their ids. */
int store_add_runs(struct store *s, const struct store_new_run *runs, int n, int64_t *ids,
		   struct dl_error *err);

/* A new sweep id, to group the runs of one sweep (and the repeats of each
 * point, so that their mean and spread can be shown), with the grid
 * defaults of struct store_sweep below (maximize val_accuracy). */
int store_add_sweep(struct store *s, const char *name, int64_t *sweep_id,
		    struct dl_error *err);

/* What a sweep is for and how it searches, as its experiment file says
 * (spec/sweep.h). Sweeps queued before the store kept these read as a
 * grid that maximises val_accuracy, with planned_points the runs it has. */
struct store_sweep {
	int64_t id;
	char name[128];
	char objective[32];             /* val_accuracy test_accuracy val_loss loss
	                                   params seconds */
	int maximize;                   /* 1: larger is better */
	char constraint_metric[32];     /* "" none */
	int constraint_at_least;        /* 1: >=, 0: <= */
	double constraint_value;
	char search[16];                /* grid random tpe */
	int planned_points;             /* runs the sweep will have in all */
	char prune[16];                 /* "" none, "asha", "median" */
	int prune_min_epochs;           /* asha: the first rung; median: warm-up epochs */
	int prune_factor;               /* asha: the reduction factor */
	int prune_min_runs;             /* median: runs that must have reached an
	                                   epoch before any is stopped at it */
	int stopped;                    /* growing sweeps: cancelled, no new points */
	double created;                 /* unix seconds */
};

/* Create a sweep from everything in *sw but its id and created time;
 * *sweep_id receives the id. */
int store_create_sweep(struct store *s, const struct store_sweep *sw, int64_t *sweep_id,
		       struct dl_error *err);

/* Read sweep sweep_id; "no sweep ID" when there is none. */
int store_get_sweep(struct store *s, int64_t sweep_id, struct store_sweep *out,
		    struct dl_error *err);

/* A growing sweep (search tpe) keeps its experiment file's text, the path
 * it was queued from (for errors) and the --set overrides (one a line), to
 * make its next points from. Getting them: three malloc'd strings, the
 * caller's; an error when the sweep kept none. */
int store_set_sweep_source(struct store *s, int64_t sweep_id, const char *text,
			   const char *path, const char *sets, struct dl_error *err);
int store_get_sweep_source(struct store *s, int64_t sweep_id, char **text, char **path,
			   char **sets, struct dl_error *err);

/* The sweeps that will grow: search tpe, not stopped, fewer runs than
 * planned; with ready_only, only those none of whose runs waits in the
 * queue (queued, interrupted or paused), which are to grow now. *ids is
 * malloc'd (NULL when *n is 0), oldest first. */
int store_list_growing(struct store *s, int ready_only, int64_t **ids, int *n,
		       struct dl_error *err);

/* Add run r to the sweep if it still has exactly `expected` runs, fewer
 * than planned, and is not stopped, in one transaction: two processes
 * growing one sweep add one run between them. *added 0: nothing was done. */
int store_grow_sweep(struct store *s, int64_t sweep_id, const struct store_new_run *r,
		     int expected, int64_t *id, int *added, struct dl_error *err);

/* The sweep grows no more (`digitlab cancel --sweep`). */
int store_stop_sweep(struct store *s, int64_t sweep_id, struct dl_error *err);

/* A sweep's runs as its search reads them, by id. */
struct store_sweep_run {
	int64_t id;
	enum store_status status;
	char values[400];               /* coordinates; "" for a run queued without */
	int64_t params;
	int epochs;                     /* completed */
	double seconds, loss, val_loss, val_accuracy, test_accuracy; /* NAN: none */
};
int store_sweep_runs(struct store *s, int64_t sweep_id, struct store_sweep_run **out, int *n,
		     struct dl_error *err);

/* The values of one epoch metric ("loss", "accuracy", "val_loss",
 * "val_accuracy") at `epoch` of the sweep's runs other than except_run
 * (with done_only, of its runs that are done), for pruning. *values is
 * malloc'd (NULL when *n is 0). */
int store_epoch_values(struct store *s, int64_t sweep_id, int epoch, const char *column,
		       int64_t except_run, int done_only, double **values, int *n,
		       struct dl_error *err);

/* A claimed run, for its worker. yaml is malloc'd: store_claim_free(). */
struct store_claim {
	int64_t id;
	char name[128];
	char *yaml;
	int threads;
	char checkpoint[4096];  /* "" or the checkpoint to resume from */
};
void store_claim_free(struct store_claim *c);

/* Atomically take the next run, unless the whole queue is paused: the
 * queued or interrupted run of highest priority, then lowest id, whose
 * `after` run (if any) is done. It becomes running under `worker`, with its
 * start time (kept from a first start) and heartbeat set and any old
 * request cleared. *claimed is 0, and *out empty, when there was none. */
int store_claim_run(struct store *s, const char *worker, struct store_claim *out,
		    int *claimed, struct dl_error *err);

/* The same, for a pool with `free_cores` of its `cores` unused: only a run
 * that fits is taken, counting a run that asks for more threads than there
 * are cores as asking for all of them. Only the first run in claim order
 * is considered: when it does not fit, nothing is claimed and it keeps its
 * place, since runs behind it that fit could otherwise keep its cores busy
 * for as long as the queue lasts. */
int store_claim_run_within(struct store *s, const char *worker, int cores, int free_cores,
			   struct store_claim *out, int *claimed, struct dl_error *err);

/* Runs that could be claimed now, paused or not: queued or interrupted,
 * their `after` run (if any) done. */
int store_count_claimable(struct store *s, int *n, struct dl_error *err);

/* The threads a claimed run trains with, when its pool gives it fewer than
 * it asked for (store_claim.threads): kept, so that it resumes with as
 * many and `queue ls` shows them. */
int store_set_threads(struct store *s, int64_t id, int threads, struct dl_error *err);

/* ---- a running run ---- */

/* Its worker says it is alive (the progress does too). */
int store_heartbeat(struct store *s, int64_t id, struct dl_error *err);

/* Live progress, with the heartbeat: one UPDATE, cheap enough for a few
 * times a second. eta_s may be NAN (unknown). */
int store_set_progress(struct store *s, int64_t id, int epoch, int batch, int batches,
		       double samples_per_s, double eta_s, struct dl_error *err);

/* The parameter count, once the model is built. */
int store_set_params(struct store *s, int64_t id, int64_t params, struct dl_error *err);

/* The epochs the run is to train (train.epochs), for progress as epochs
 * done of those planned; runs queued before the store kept it learn it
 * when they start. */
int store_set_planned_epochs(struct store *s, int64_t id, int epochs, struct dl_error *err);

/* Where the run's checkpoint is written: kept through interruptions, so the
 * next claim can resume from it. */
int store_set_checkpoint(struct store *s, int64_t id, const char *path, struct dl_error *err);

struct store_epoch {
	int epoch;                                      /* 1-based */
	double loss, accuracy, val_loss, val_accuracy;  /* NAN: none (stored as NULL) */
	double lr, seconds;
	const char *events;     /* e.g. "lr 0.001 -> 0.0002"; NULL or "": none */
};

/* Record an epoch, and the run's summary columns with it, in one
 * transaction. An epoch recorded again (after a resume) replaces it. */
int store_add_epoch(struct store *s, int64_t id, const struct store_epoch *e,
		    struct dl_error *err);

/* The same for n epochs in one transaction, the summary columns following
 * the last of them (e[n - 1]): a run of many tiny epochs (notebook 000's
 * 20,000 of a millisecond) records its history a batch at a time instead
 * of a commit per epoch. n may be 0. */
int store_add_epochs(struct store *s, int64_t id, const struct store_epoch *e, int n,
		     struct dl_error *err);

struct store_result {
	enum store_status status;       /* done, failed, diverged, cancelled, interrupted */
	int epochs;                     /* completed */
	double loss, accuracy, val_loss, val_accuracy, test_loss, test_accuracy;
	double seconds;
	const char *message;            /* why it failed, diverged or stopped; may be NULL */
	int64_t peak_rss;               /* the training process's peak resident set
	                                   (util/mem.h), bytes; 0: not known */
};

/* End a run. A metric given as NAN keeps what the history recorded, and
 * the epoch count never goes down, so a failure report does not erase a
 * run's progress. The peak memory kept is the largest reported by the
 * processes that trained the run (a resumed run may have had several). A run ended as interrupted while a STOP is pending comes
 * to rest paused instead (it was stopped on purpose and must not be
 * resumed by the next claim). */
int store_finish_run(struct store *s, int64_t id, const struct store_result *r,
		     struct dl_error *err);

/* A running run whose process is shutting down (SIGTERM), its checkpoint
 * written: interrupted, to be resumed by the next claim (paused when a STOP
 * was pending). message may be NULL. *changed is 0 when it was not running. */
int store_mark_interrupted(struct store *s, int64_t id, const char *message, int *changed,
			   struct dl_error *err);

/* ---- requests (cancel, stop, pause, resume, retry) ---- */

/* Ask something of a run (enum store_request). A run that has not started,
 * or is waiting, is changed at once: cancel ends it cancelled, stop and
 * pause hold it paused, resume queues a paused run, retry queues a failed,
 * diverged, cancelled or interrupted run. A running run gets CANCEL or STOP
 * in its request column, which its worker polls with store_requested();
 * resume withdraws a pending STOP. Retry keeps the checkpoint of a
 * cancelled, interrupted or failed run (it continues: a failure comes
 * from outside the training, such as missing data or a failed write) but
 * clears the history, checkpoint and weight images of a diverged one
 * (continuing would diverge again). *changed is 0 when the run was in no
 * state for the request; a run that does not exist is an error. */
int store_request(struct store *s, int64_t id, enum store_request req, int *changed,
		  struct dl_error *err);

/* What the run's worker is asked to do: STORE_REQUEST_NONE, _CANCEL or _STOP. */
int store_requested(struct store *s, int64_t id, enum store_request *req,
		    struct dl_error *err);

int store_set_priority(struct store *s, int64_t id, int priority, struct dl_error *err);

/* Pause or resume the whole queue: while paused nothing is claimed (runs
 * already running go on). The flag is in the database, for every process. */
int store_pause_queue(struct store *s, struct dl_error *err);
int store_resume_queue(struct store *s, struct dl_error *err);
int store_queue_paused(struct store *s, int *paused, struct dl_error *err);

/* Runs still marked running whose heartbeat is older than max_age seconds
 * (their worker died, e.g. kill -9) are put back: interrupted with their
 * checkpoint kept, so the next claim resumes them; cancelled or paused
 * instead when a CANCEL or STOP was pending. *count receives how many. */
int store_recover_stale(struct store *s, double max_age, int *count, struct dl_error *err);

/* Every run `worker` still holds is interrupted (a worker restarting under
 * the same name knows its old runs are orphans). *count receives how many. */
int store_interrupt_worker(struct store *s, const char *worker, int *count,
			   struct dl_error *err);

/* ---- tags, notes, removal ---- */

/* Tags are a set per run: adding one twice, or removing one it lacks, is fine. */
int store_tag(struct store *s, int64_t id, const char *tag, struct dl_error *err);
int store_untag(struct store *s, int64_t id, const char *tag, struct dl_error *err);

/* The run's tags, sorted, joined with commas into buf ("" for none). */
int store_get_tags(struct store *s, int64_t id, char *buf, size_t size, struct dl_error *err);

/* Replace the run's note (NULL clears it). */
int store_note(struct store *s, int64_t id, const char *text, struct dl_error *err);

/* Remove a run with everything it owns (history, tags, artifacts, weight
 * images, summary); runs waiting for it wait for nothing any more. A
 * running run is refused: cancel it first. */
int store_rm_run(struct store *s, int64_t id, struct dl_error *err);

/* ---- evaluation artifacts ---- */

/* The confusion matrix of a split ("val", "test"): n x n counts, row-major
 * [true][predicted], 1 <= n <= STORE_MAX_CLASSES. Stored as n*n little-endian
 * int32 with n beside it; storing again replaces. */
int store_set_confusion(struct store *s, int64_t id, const char *split, int n,
			const int *counts, struct dl_error *err);
/* *found is 0 (and *n 0) when the run has no matrix for the split. */
int store_get_confusion(struct store *s, int64_t id, const char *split, int *n,
			int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES], int *found,
			struct dl_error *err);

/* The names of the run's classes in label order (label k is names[k]), n of
 * them, 1 <= n <= STORE_MAX_CLASSES, each 1 to STORE_CLASS_NAME_MAX - 1
 * bytes; storing again replaces them. */
int store_set_class_names(struct store *s, int64_t id, int n, const char *const *names,
			  struct dl_error *err);
/* Read them into names (STORE_MAX_CLASSES entries, the caller's); *n is 0
 * when none were stored (a run from before names were kept, or not yet
 * started): its classes are then called by their numbers. A name is read
 * back escaped (text_escape: "\x1b", "\u202e"), so it is safe to print. */
int store_get_class_names(struct store *s, int64_t id, char names[][STORE_CLASS_NAME_MAX],
			  int *n, struct dl_error *err);

/* Of a split's misclassified samples, how many are kept (*kept, at most
 * the trainer's limit) and how many there were (*total, the off-diagonal
 * sum of its confusion matrix; 0 without one): "200 of 569 kept". */
int store_count_misclassified(struct store *s, int64_t id, const char *split, int *kept,
			      int *total, struct dl_error *err);

/* Per-class error from a confusion matrix: error[c] = 1 - correct / samples
 * of true class c, NAN for a class with no samples. error has n entries. */
void store_class_error(int n, const int *counts, double *error);

/* A misclassified sample with its pixels, h x w float32 row-major, and
 * optionally its saliency map of the same size. */
struct store_sample {
	int index;                      /* in its split */
	int truth, predicted;
	double confidence;              /* probability of the prediction */
	int h, w;                       /* 1..4096 each */
	const float *pixels;
	const float *saliency;          /* NULL: none */
};

/* Store one (the same index again replaces it). */
int store_add_misclassified(struct store *s, int64_t id, const char *split,
			    const struct store_sample *m, struct dl_error *err);

/* The split's samples in order of true class, then index, at most limit of
 * them (0: all). *samples and the pixels in it are malloc'd: free with
 * store_samples_free(). */
int store_get_misclassified(struct store *s, int64_t id, const char *split, int limit,
			    struct store_sample **samples, int *n, struct dl_error *err);
void store_samples_free(struct store_sample *samples, int n);

/* A named blob of the run (a weight image, a scatter of initial errors):
 * h x w elements of whatever the name's owner decides; storing the same name
 * again replaces it. */
int store_set_artifact(struct store *s, int64_t id, const char *name, int h, int w,
		       const void *data, size_t bytes, struct dl_error *err);
/* *data is malloc'd (NULL when *found is 0 or the blob is empty). */
int store_get_artifact(struct store *s, int64_t id, const char *name, int *h, int *w,
		       void **data, size_t *bytes, int *found, struct dl_error *err);

/* ---- answers sample by sample, through time and across runs ----
 *
 * For a split ("val", "test") a run keeps its samples' labels once, and
 * its answers (the predicted class of every sample) once per epoch, so that
 * the confusion matrix of any epoch, the samples that flip between two
 * epochs and the samples two runs disagree on can all be worked out later.
 * Each row of answers is kept as its difference from the labels, zlib
 * compressed: a good model's row is nearly all zeros and costs a few
 * hundred bytes. The digits themselves are kept only for the samples that
 * were wrong at some point (the only ones any of those lists can name),
 * one byte a pixel, each zlib compressed.
 */

/* The samples of a split as the answers refer to them. */
struct store_sample_set {
	int n;                  /* samples, >= 1 */
	int n_classes;          /* 1..STORE_MAX_CLASSES; labels are below it */
	int h, w;               /* one image: h rows (channels stacked) of w pixels */
	int64_t fingerprint;    /* a hash of the labels and pixels, by the writer:
	                           two runs with equal fingerprints saw the same samples */
	uint8_t *labels;        /* n, owned */
};

/* Keep a split's samples (storing again replaces them; the answers and
 * digits kept stay). */
int store_put_sample_set(struct store *s, int64_t id, const char *split,
			 const struct store_sample_set *set, struct dl_error *err);
/* *found is 0 (and *out empty) when the run kept none for the split: a run
 * from before answers were kept, one not started, or a split it lacks. */
int store_get_sample_set(struct store *s, int64_t id, const char *split,
			 struct store_sample_set *out, int *found, struct dl_error *err);
void store_sample_set_free(struct store_sample_set *set);        /* NULL-safe, zeroes */

/* One epoch's answers for set->n samples. */
struct store_answers {
	int epoch;                      /* 1-based; 0: the final model */
	const uint8_t *predicted;       /* n classes, each below set->n_classes */
	const uint8_t *confidence;      /* n, the probability of the answer * 255,
	                                   rounded; NULL: not kept */
};

/* Keep n epochs' answers in one transaction; an epoch kept again (after a
 * resume) replaces it. */
int store_put_answers(struct store *s, int64_t id, const char *split,
		      const struct store_sample_set *set, const struct store_answers *a, int n,
		      struct dl_error *err);

/* Every kept epoch's answers of a split, in order of epoch. */
struct store_answer_history {
	int n_epochs;
	int n;                          /* samples per epoch (set->n) */
	int *epochs;                    /* n_epochs, ascending (0, the final model, first) */
	uint8_t *predicted;             /* n_epochs rows of n */
	uint8_t *confidence;            /* n_epochs rows of n, 255 * probability;
	                                   a row not kept is all 0 */
	uint8_t *has_confidence;        /* n_epochs flags */
};
/* Read them with set (from store_get_sample_set). A row whose size or
 * classes do not fit set is damage, and an error. Free with
 * store_answer_history_free(). */
int store_get_answers(struct store *s, int64_t id, const char *split,
		      const struct store_sample_set *set, struct store_answer_history *out,
		      struct dl_error *err);
void store_answer_history_free(struct store_answer_history *h);   /* NULL-safe, zeroes */
/* The row of epoch `epoch` in h, or -1 when it was not kept. */
int store_answer_row(const struct store_answer_history *h, int epoch);

/* Keep the digits of n samples (their indexes in index, their pixels
 * h * w bytes each, 0 black to 255 white, in pixels) unless kept already. */
int store_put_digits(struct store *s, int64_t id, const char *split, int n,
		     const int *index, const uint8_t *pixels, int h, int w,
		     struct dl_error *err);
/* One sample's digit as h * w floats in [0, 1]; *found 0 when it was not
 * kept (it was never wrong, or the run is older than the digits). */
int store_get_digit(struct store *s, int64_t id, const char *split, int index, int h, int w,
		    float *pixels, int *found, struct dl_error *err);

/* Every kept digit of a split, by index: *index (ascending) and *pixels
 * (h * w floats in [0, 1] each, in the same order), both malloc'd (NULL
 * when *n is 0); the caller frees them. */
int store_get_digits(struct store *s, int64_t id, const char *split, int h, int w,
		     int **index, float **pixels, int *n, struct dl_error *err);

/* The confusion matrix of one row of answers: counts[t * K + p], K =
 * set->n_classes. */
void store_answers_confusion(const struct store_sample_set *set, const uint8_t *predicted,
			     int *counts);

/* The samples whose answer is right in `before` and wrong in `after`
 * (broken, in index order) and the reverse (fixed). Either list may be
 * NULL; they need room for set->n entries. *n_broken and *n_fixed receive
 * the counts. Flips through time (before: an epoch, after: the last) and
 * runs compared (before: the first run) are both this. */
void store_answers_flips(const struct store_sample_set *set, const uint8_t *before,
			 const uint8_t *after, int *broken, int *n_broken, int *fixed,
			 int *n_fixed);

/* How often each sample's answer changed from one kept epoch to the next
 * (epochs >= 1 only), into changes (set->n entries). */
void store_answer_changes(const struct store_answer_history *h, int *changes);

/* The indexes of the samples that changed their answer at least once,
 * most changes first, then by index, into order (h->n entries); returns
 * how many. */
int store_unstable_samples(const struct store_answer_history *h, int *order);

/* ---- what the dashboard shows of a run's model ---- */

/* The dashboard draws a run's model from these two records and never loads
 * a checkpoint: the worker keeps them, the store holds one of each per run,
 * and removing the run removes them. */

/* The first weighted layer's weights of a run as images (notebook 001 draws
 * them), kept by its worker at the end of each epoch (the latest replaces
 * the one before). A diverged run retried starts without them. */
struct store_weights {
	int layer;              /* 0-based index of the layer drawn */
	int epoch;              /* the epoch they were taken after (1-based) */
	int n, h, w;            /* n images of h x w pixels */
	char unit_name[16];     /* what one image is: "unit", "filter" */
	float *pixels;          /* n * h * w, scaled so that 0.5 is zero weight and
	                           [0, 1] the largest magnitude (analysis_scale_symmetric); owned */
};
/* Store a run's weight images, replacing any before: n, h and w of at least
 * 1, h and w at most 4096, at most STORE_MAX_WEIGHT_PIXELS pixels in all.
 * The pixels are kept as little-endian float32. */
#define STORE_MAX_WEIGHT_PIXELS (64 << 20)
int store_put_weights(struct store *s, int64_t id, const struct store_weights *w, struct dl_error *err);
/* *found is 0 (and *out zeroed) when the run has none (yet). */
int store_get_weights(struct store *s, int64_t id, struct store_weights *out, int *found, struct dl_error *err);
void store_weights_free(struct store_weights *w);   /* NULL-safe, zeroes */

/* The model summary text (train/summary.h's table) of a run, kept when the run
 * enters the store. *text is malloc'd, the caller frees it; *found 0 when none.
 * Storing again replaces it. */
int store_put_summary(struct store *s, int64_t id, const char *text, struct dl_error *err);
int store_get_summary(struct store *s, int64_t id, char **text, int *found, struct dl_error *err);

/* ---- browsing ---- */

/* One row of `digitlab ls` and the dashboard: no YAML, no blobs. */
struct store_row {
	int64_t id;
	char name[128];
	enum store_status status;
	enum store_request request;     /* pending for its worker */
	int priority;
	int64_t params;
	int epochs;                     /* completed */
	int planned_epochs;             /* train.epochs; 0: unknown (queued before
	                                   the store kept it, and not yet started) */
	int epoch, batch, batches;      /* live progress */
	double samples_per_s, eta_s;    /* NAN: unknown */
	double progress_at, heartbeat;  /* unix seconds, 0: never */
	double loss, accuracy, val_loss, val_accuracy; /* the last epoch's; NAN: none */
	double test_loss, test_accuracy;               /* NAN: none */
	double best_val_accuracy;       /* NAN: none yet */
	double seconds;                 /* NAN: not finished */
	double created, started, finished; /* unix seconds, 0: not yet */
	int64_t sweep_id;               /* 0: none */
	char sweep_point[128];
	int repeat;
	char worker[64];
	int64_t peak_rss;               /* bytes (store_result.peak_rss); 0: not known */
};

enum store_sort {
	STORE_SORT_ID, STORE_SORT_NAME, STORE_SORT_STATUS, STORE_SORT_PARAMS,
	STORE_SORT_EPOCHS, STORE_SORT_ACCURACY, STORE_SORT_VAL_ACCURACY,
	STORE_SORT_TEST_ACCURACY, STORE_SORT_SECONDS, STORE_SORT_CREATED,
};

/* Sort keys by name: "id", "name", "status", "params", "epochs",
 * "train_acc", "val_acc", "test_acc", "seconds", "created"; -1 if unknown. */
int store_sort_from_name(const char *name);

struct store_filter {
	int status;                     /* an enum store_status, or -1: any */
	const char *name_glob;          /* GLOB pattern (case-sensitive); NULL: any */
	const char *tag;                /* NULL: any */
	int64_t sweep_id;               /* 0: any */
	enum store_sort sort;
	int descending;
	int limit;                      /* 0: all */
};

/* The rows matching the filter, sorted; runs without the sort key's value
 * (no test accuracy yet) come last either way, ties by id. *rows is
 * malloc'd (free() it; NULL when *n is 0). Pass f NULL for all runs by id. */
int store_list_runs(struct store *s, const struct store_filter *f, struct store_row **rows,
		    int *n, struct dl_error *err);

/* Everything of one run. *found is 0 when there is no such run. Free with
 * store_run_free(). */
struct store_run {
	struct store_row row;
	char *yaml;                     /* malloc'd */
	char *notes;                    /* malloc'd, NULL: none */
	char *message;                  /* malloc'd, NULL: none */
	char checkpoint[4096];          /* "" when none */
	int threads;
	int64_t after;                  /* 0: none */
};
int store_get_run(struct store *s, int64_t id, struct store_run *out, int *found,
		  struct dl_error *err);
void store_run_free(struct store_run *r);

/*
 * `after`: a run queued after another starts only once that run is done.
 * When it ends otherwise (failed, diverged or cancelled) the run waiting
 * for it keeps waiting, since a retry of it that ends done starts it; these
 * are the runs that wait so, for the commands to say (queue ls, the end of
 * serve --drain). *out is malloc'd (free() it; NULL when *n is 0).
 */
struct store_blocked {
	int64_t id;
	char name[128];
	int64_t after;                  /* the run it waits for */
	enum store_status after_status; /* how that one ended */
};
int store_list_blocked(struct store *s, struct store_blocked **out, int *n,
		       struct dl_error *err);

/* The run's epochs in order; *epochs is malloc'd and so is each events
 * string (NULL: none): free with store_epochs_free(). */
int store_get_history(struct store *s, int64_t id, struct store_epoch **epochs, int *n,
		      struct dl_error *err);
void store_epochs_free(struct store_epoch *epochs, int n);

/*
 * A metric over a run's epochs, for the columns `ls --columns`, `export
 * --columns` and the dashboard's runs list add: the last epoch's value,
 * the best (the least loss, the most accuracy) and the epoch of the best
 * (the first that reached it). Epochs without the metric (NaN) are passed
 * over: the last value is the last epoch's that has one.
 */
enum store_metric { STORE_METRIC_LOSS, STORE_METRIC_ACCURACY, STORE_METRIC_VAL_LOSS,
		    STORE_METRIC_VAL_ACCURACY, STORE_METRIC_COUNT };

struct store_metric_summary {
	double last, best;      /* NAN: no epoch has the metric */
	int best_epoch;         /* 1-based; 0: none */
};

/* "loss", "accuracy", "val_loss", "val_accuracy"; NULL-terminated. */
extern const char *const store_metric_names[];
int store_metric_from_name(const char *name);   /* -1 when unknown */
/* Whether a greater value is better (accuracy) or a smaller (loss). */
int store_metric_higher_is_better(enum store_metric m);
void store_metric_summarize(const struct store_epoch *e, int n, enum store_metric m,
			    struct store_metric_summary *out);

/* Every metric at once: out indexed by enum store_metric. */
void store_metric_summarize_all(const struct store_epoch *e, int n,
				struct store_metric_summary out[STORE_METRIC_COUNT]);

/* What a column shows of a summary: the last value, the best, or the epoch
 * of the best. */
enum store_metric_part { STORE_PART_LAST, STORE_PART_BEST, STORE_PART_BEST_EPOCH,
			 STORE_PART_COUNT };

/* "last", "best", "best_epoch"; NULL-terminated. */
extern const char *const store_metric_part_names[];
/* A part of a summary: NaN when no epoch has the metric; the epoch as a
 * number for STORE_PART_BEST_EPOCH. */
double store_metric_part(const struct store_metric_summary *s, enum store_metric_part p);
/* Every metric of run id over its epochs (store_get_history, then
 * store_metric_summarize_all); a run without epochs has none (NaN). */
int store_run_metrics(struct store *s, int64_t id,
		      struct store_metric_summary out[STORE_METRIC_COUNT], struct dl_error *err);
/* ---- executors: where a run trains ----
 *
 * A run trained by a local worker has no job row: its executor is "local"
 * and its node the host in its worker name. A run handed to a scheduler
 * (the Slurm executor, src/run/slurm.h) has one, kept by the serve that
 * submitted it, so that a serve started again adopts its jobs instead of
 * submitting them twice. Runs of the Slurm executor are claimed (running)
 * from submission on, under the worker name "slurm:JOB_NAME"; stale-worker
 * recovery leaves them to their serve, whose jobs outlive it.
 */
struct store_job {
	int64_t run_id;
	char executor[16];      /* "slurm" */
	char job_name[64];      /* the name it was submitted under */
	int64_t job_id;         /* the scheduler's id (an array's), 0: not known yet */
	int array_task;         /* its task in the array, -1: a single job */
	char node[64];          /* where it runs or ran, "" not yet */
	char state[24];         /* the scheduler's word: PENDING, RUNNING, ... */
	int64_t spool_offset;   /* bytes of its spool log imported */
	int attempts;           /* jobs of it that ended without a result */
	double submitted;       /* unix seconds, 0: never */
	enum store_request request; /* store_list_active_jobs: the run's request */
};

/* Insert or replace the run's job row (request is not stored). */
int store_put_job(struct store *s, const struct store_job *j, struct dl_error *err);
/* *found is 0 when the run has no job row (it trained locally, or not yet). */
int store_get_job(struct store *s, int64_t run_id, struct store_job *out, int *found,
		  struct dl_error *err);
/* The job rows of running runs of `executor`, by run id, with each run's
 * pending request. *out is malloc'd (free() it; NULL when *n is 0). */
int store_list_active_jobs(struct store *s, const char *executor, struct store_job **out,
			   int *n, struct dl_error *err);
/* Every job row, by run id (for listings). *out as above. */
int store_list_jobs(struct store *s, struct store_job **out, int *n, struct dl_error *err);
/* Of the running runs of `executor`, how many wait in the scheduler
 * (state PENDING or not yet submitted) and how many run there. */
int store_count_jobs(struct store *s, const char *executor, int *pending, int *running,
		     struct dl_error *err);

#endif
