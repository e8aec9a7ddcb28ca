/*
 * grow.h - a TPE sweep's points, proposed as workers free up.
 *
 * A sweep with search: tpe is queued with its first point only
 * (spec/sweep.h), and keeps its experiment's text on its row. When a
 * worker finds nothing to claim, it asks sweep_grow for more: the oldest
 * sweep that is to grow (store_list_growing: not stopped, short of its
 * planned runs, none of its runs waiting) gets one new run, its point
 * proposed by TPE from the sweep's runs so far (sweep_tpe_propose), and
 * the worker claims it at once. Point k is drawn from the seed of point k
 * (sweep_point_seed), so with one worker a sweep is the same sweep every
 * time; with several, which runs had finished when a point was proposed
 * depends on timing.
 *
 * The runs TPE learns from, best first: those done that meet the
 * constraint, by the objective; then those done that miss it, by how far;
 * then pruned runs, by the epochs they reached; then diverged runs.
 * Runs still training, failed or cancelled teach it nothing.
 *
 * A proposed point the experiment refuses (a layer too large for its
 * input) is drawn again, up to GROW_ATTEMPTS times, with the next seeds;
 * a sweep none of whose draws can be trained is stopped, and err says why.
 */
#ifndef DL_RUN_GROW_H
#define DL_RUN_GROW_H

#include "spec/sweep.h"
#include "store/store.h"

#define GROW_ATTEMPTS 20

/* Queue the next point of the oldest sweep that is to grow. *added is the
 * run queued (0: none was to grow, or another process grew it first). */
int sweep_grow(struct store *s, int64_t *added, struct dl_error *err);

/* The order TPE learns from, as scores (higher is better; only the order
 * counts) for runs[0..n) of a sweep of objective o: NAN for a run that
 * teaches nothing. For tests. */
void grow_scores(const struct sweep_objective *o, const struct store_sweep_run *runs, int n,
		 double *scores);

#endif
