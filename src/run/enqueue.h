/*
 * enqueue.h - putting an experiment file in the queue: its sweep expanded,
 * every run checked against its data, and all of them queued in one
 * transaction (`digitlab queue add` and the dashboard share this).
 */
#ifndef DL_RUN_ENQUEUE_H
#define DL_RUN_ENQUEUE_H

#include <stdint.h>

#include "spec/sweep.h"
#include "store/store.h"

/* What a run with threads: auto asks of the pool: every core it has. */
#define ENQUEUE_THREADS_ALL 256

struct enqueue_opts {
	const char *const *sets;        /* --set overrides for every run */
	int n_sets;
	int priority;
	int64_t after;                  /* 0: none */
	int threads;                    /* --threads: a count, TRAIN_THREADS_AUTO,
	                                   or 0: each file's train.threads (1 when
	                                   it has none) */
};

/* Load and check a file's runs (trainer_load_plan, then every run's model
 * against its data's shape). On failure err says where and why. */
int enqueue_plan(struct sweep_plan *plan, const char *path, const struct enqueue_opts *o,
		 struct dl_error *err);

/* Queue a checked plan: one transaction, a sweep id when it is a sweep,
 * every run with its model summary (store_get_summary).
 * *first and *last receive the ids queued, *sweep the sweep id (0: none). */
int enqueue_queue(struct store *s, const struct sweep_plan *plan, const struct enqueue_opts *o,
		  int64_t *first, int64_t *last, int64_t *sweep, struct dl_error *err);

#endif
