/*
 * worker.h - one worker's step: claim the next queued run from the store,
 * train it to its end, and leave the store saying how it ended.
 *
 * A run is trained from its canonical YAML, with a checkpoint written to
 * CHECKPOINT_DIR/run-ID.model after an epoch (at most every checkpoint_seconds,
 * WORKER_CHECKPOINT_SECONDS by default); a run claimed again after an
 * interruption (its worker was stopped, or died and was found stale)
 * resumes from that checkpoint, so it ends with the metrics an
 * uninterrupted run would have had. For the dashboard, which never loads a
 * model, the worker keeps the run's model summary when it starts and its
 * first weighted layer's weight images after every epoch (store.h).
 *
 * While a run trains its requests are read with its progress, a few times
 * a second: cancel ends it cancelled at the next batch; stop ends it after
 * the current epoch, its checkpoint written, and the store leaves it
 * paused until resumed. Raising *quit (atomically: it is read from the
 * training thread) ends the run at the next batch as interrupted, and the
 * next claim resumes it from its last epoch's checkpoint.
 */
#ifndef DL_RUN_WORKER_H
#define DL_RUN_WORKER_H

#include "store/store.h"

/* A run's checkpoint is written at most this often (and when it ends or
 * stops): a kill loses at most this much training, which the resume
 * replays to the same result. */
#define WORKER_CHECKPOINT_SECONDS 1.0

struct worker_opts {
	const char *name;               /* recorded on the runs it claims */
	const char *cache_dir;          /* data cache (data_cache_dir()) */
	const char *checkpoint_dir;     /* where run-ID.model files go */
	int threads;                    /* worker_run_next: threads per run */
	double checkpoint_seconds;      /* < 0: WORKER_CHECKPOINT_SECONDS; 0: every epoch */
	const volatile int *quit;       /* may be NULL */
};

/* Claim one run and train it. *ran is 0 when nothing was claimable. A run
 * that cannot be trained (bad YAML, missing data, a store write that
 * failed mid-run) is marked failed with the reason and DL_OK is returned:
 * DL_ERR means the store itself could not be used. */
int worker_run_next(struct store *s, const struct worker_opts *o, int *ran,
		    struct dl_error *err);

/* Train a run already claimed (store_claim_run*) with `threads` threads,
 * and free the claim. Returns as worker_run_next does. */
int worker_train(struct store *s, const struct worker_opts *o, struct store_claim *c,
		 int threads, struct dl_error *err);

struct experiment;
struct data_split;
struct checkpoint;

/* The experiment of run `id` from its canonical YAML, its data from
 * cache_dir, the model checked against it, and its summary (*summary,
 * malloc'd). DL_ERR with why filled: the run cannot be trained. */
int worker_prepare(int64_t id, const char *yaml, const char *cache_dir,
		   struct experiment *exp, struct data_split *data, char **summary,
		   struct dl_error *why);

/*
 * A checkpoint proves whose it is by the experiment it holds: training is
 * a function of the canonical experiment (seed included), so a checkpoint
 * of the same canonical experiment is the one this run would have written,
 * and any other is another run's, whatever its file is called. Resuming
 * from one would end this run "done" with that run's weights: DL_ERR, with
 * why saying so.
 */
int worker_checkpoint_is_this_run(const struct checkpoint *ck, const struct experiment *exp,
				  const char *path, struct dl_error *why);

#endif
