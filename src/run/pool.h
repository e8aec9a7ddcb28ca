/*
 * pool.h - a pool of worker threads that drains a store's queue.
 *
 * Each worker is a pthread with its own store connection (store.h asks
 * for one per thread). The pool owns the machine's cores as a budget: a
 * worker takes a run only when the threads the run asks for (capped at the
 * cores) are free, and gives them back when the run ends, so the runs in
 * flight never use more threads than there are cores. With the default of
 * one worker per core and single-threaded runs, every core trains a run.
 *
 * Shutdown: raising *quit makes every running run stop at its next batch;
 * its worker marks it interrupted (its last epoch's checkpoint kept), and
 * the next claim of the run, in this process or another, resumes from that
 * checkpoint. pool_run returns once every worker has stopped.
 *
 * While it runs, the pool also looks for runs whose worker died without a
 * word (kill -9, a lost machine): running, with a heartbeat older than
 * POOL_STALE_SECONDS, and puts them back in the queue.
 */
#ifndef DL_RUN_POOL_H
#define DL_RUN_POOL_H

#include <stdio.h>

#include "util/error.h"

/* A running run's heartbeat moves with its progress, several times a
 * second; a minute without one means its worker is gone. */
#define POOL_STALE_SECONDS 60.0

/* How long a worker's store writes wait for a database another process
 * holds (the store's own default is 5 s): a training run pauses rather
 * than fail for a lock, up to this long. */
#define POOL_BUSY_MS (5 * 60 * 1000)

/* The threads the pool gives a run asking for `asked` (>= 1, already
 * capped at the pool's cores) when `free_cores` are free and `waiting`
 * other runs are ready to start behind it. For independent runs, one
 * thread each beats sharing the cores inside one run (a thread's second
 * core gains a run 1.5x to 1.9x at best, a second run 2x), so while runs
 * wait the pool keeps a core for each: max(1, min(asked, free_cores -
 * waiting)). With nothing waiting a run gets what it asked for. A run given
 * fewer keeps that count (store_set_threads): it resumes with it, and the
 * same count gives the same bits. */
int pool_grant(int asked, int free_cores, int waiting);

struct pool_opts {
	const char *store_dir;          /* NULL: the default store */
	const char *cache_dir;          /* data cache */
	const char *checkpoint_dir;     /* run-ID.model files */
	const char *name;               /* worker names are NAME:w1, NAME:w2, ... */
	int workers;                    /* >= 1 */
	int cores;                      /* the thread budget, >= 1 */
	int drain;                      /* return once nothing is left to claim */
	double poll_seconds;            /* an idle worker looks this often */
	double checkpoint_seconds;      /* worker_opts.checkpoint_seconds */
	const volatile int *quit;       /* raise (atomically) to stop; never NULL */
	const volatile int *hold;       /* raised: claim nothing new, finish what runs;
	                                   may be NULL */
	FILE *log;                      /* one line per run started and ended; may be NULL */
};

/* Run the pool until *quit (or, with drain, until no run is claimable and
 * none is running in the pool). DL_ERR when the store cannot be opened,
 * is damaged (every page is checked first: store_check) or cannot be
 * written, or when a query of the store fails; a run that fails is the
 * run's failure, recorded in the store. */
int pool_run(const struct pool_opts *o, struct dl_error *err);

/* Runs left running by workers of this host whose process is gone: put
 * back at once instead of after POOL_STALE_SECONDS. Only for a caller that
 * holds the store's serve lock, so that no other process on this host can
 * have live workers on it. Worker names begin "HOST:". *count receives how
 * many; their ids and names go to log (may be NULL). */
int pool_recover_host(const char *store_dir, const char *host, FILE *log, int *count,
		      struct dl_error *err);

#endif
