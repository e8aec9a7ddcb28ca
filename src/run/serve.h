/*
 * serve.h - one serve per store: the lock that makes it the only one, the
 * recovery of runs its host left behind, and the worker pool that trains
 * the queue. `digitlab serve` runs the pool on its own thread of control;
 * the dashboard, when no serve holds the store, runs the same pool on a
 * thread of its own (struct serve_thread).
 *
 * The lock is STORE/serve.pid, held with flock() for the life of the
 * holder. The kernel drops it when the process dies, however it dies, so a
 * stale file never blocks the next serve; the pid written in it is only for
 * the messages of those who find it taken.
 *
 * Workers are named HOST:ROLE:PID:wN ("ROLE" is "serve" or "ui"), so that
 * whoever holds the lock knows that running runs of this host under another
 * pid are orphans (serve_prepare puts them back at once).
 */
#ifndef DL_RUN_SERVE_H
#define DL_RUN_SERVE_H

#include <pthread.h>
#include <stdio.h>

#include "run/pool.h"
#include "util/error.h"

#define SERVE_PATH_MAX 4200

enum serve_lock_state {
	SERVE_LOCK_HELD,        /* ours until serve_lock_release */
	SERVE_LOCK_TAKEN,       /* another process holds it; holder_pid says which */
	SERVE_LOCK_ERROR,       /* the file cannot be opened; err says why */
};

struct serve_lock {
	int fd;                 /* -1: not held */
	long holder_pid;        /* SERVE_LOCK_TAKEN: the pid in the file, 0 if unreadable */
};

/* Try to take the store's lock in dir without waiting. */
enum serve_lock_state serve_lock_take(struct serve_lock *l, const char *dir,
				      struct dl_error *err);
/* Write this process's pid into the held lock file (after a fork, the
 * child's). DL_ERR when it cannot be written. */
int serve_lock_write_pid(struct serve_lock *l, struct dl_error *err);
void serve_lock_release(struct serve_lock *l);  /* safe when not held */
/* Whether a serve holds the store's lock in dir, asked without creating
 * the file or keeping it: 1 when one does (its pid in *holder_pid, 0 if
 * unreadable; holder_pid may be NULL), 0 when none does or the file does
 * not exist, DL_ERR with err when the file cannot be opened. */
int serve_lock_held(const char *dir, long *holder_pid, struct dl_error *err);

/* What a pool needs that depends on the store's directory and the holder. */
struct serve_setup {
	char checkpoints[SERVE_PATH_MAX];       /* STORE/checkpoints, created */
	char cache[SERVE_PATH_MAX];             /* the data cache */
	char name[300];                         /* HOST:ROLE:PID */
	char host[128];
};

/* With the lock held: create the checkpoint directory, name the workers
 * (role "serve" or "ui") and put back the runs this host's dead workers
 * left running (their ids and names to log, which may be NULL; how many in
 * *recovered). DL_ERR when the directory cannot be made or the store read. */
int serve_prepare(struct serve_setup *s, const char *dir, const char *role, FILE *log,
		  int *recovered, struct dl_error *err);

/* The pool options of a serve: every field from the setup and arguments,
 * polling twice a second. quit must outlive the pool. */
struct pool_opts serve_pool_opts(const struct serve_setup *s, const char *dir, int workers,
				 int cores, const volatile int *quit);

/*
 * The pool on a thread, for a process that does other things meanwhile
 * (the dashboard). The thread writes nothing of its owner's: what it has
 * to say (why it stopped) waits in `message` under `lock` until
 * serve_thread_message takes it.
 */
struct serve_thread {
	struct serve_lock lock_file;
	struct serve_setup setup;
	struct pool_opts opts;
	char store_dir[SERVE_PATH_MAX];         /* opts.store_dir points here */
	pthread_t thread;
	int started;                    /* the thread runs (or ran) */
	int workers;
	volatile int quit;              /* raised by serve_thread_stop */
	volatile int hold;              /* raised by serve_thread_hold */
	pthread_mutex_t lock;           /* guards message and done */
	char message[256];              /* "" when nothing to say */
	int done;                       /* the pool returned */
};

/* Take the store's lock and start the pool on a thread: workers runs at
 * once (0: one per core). SERVE_LOCK_TAKEN leaves nothing started
 * (t->lock_file.holder_pid names the holder); SERVE_LOCK_ERROR the same,
 * with err. */
enum serve_lock_state serve_thread_start(struct serve_thread *t, const char *dir, int workers,
					 struct dl_error *err);
/* Claim nothing new; the runs in flight go on to their end. */
void serve_thread_hold(struct serve_thread *t);
/* Copy out and clear what the pool had to say; 1 when there was something. */
int serve_thread_message(struct serve_thread *t, char *buf, size_t size);
/* Stop every run at its next batch (they are marked interrupted and resume
 * on the next claim), wait for the thread and let go of the lock. Safe to
 * call when never started, and twice. */
void serve_thread_stop(struct serve_thread *t);

#endif
