/*
 * prune.h - stopping a sweep's weak runs early (the sweep's `prune:`,
 * spec/sweep.h), as Optuna's pruners do it.
 *
 * ASHA (asynchronous successive halving, Li et al. 2018; Optuna's
 * SuccessiveHalvingPruner): rungs at min_epochs * factor^k epochs (below
 * the run's last). A run that reaches a rung goes on only when its value
 * there is among the best 1/factor of every value any run of the sweep
 * reached at that rung so far, itself included (at least the best one
 * goes on); otherwise it is pruned. Runs are never held back waiting for
 * others, so a worker never idles.
 *
 * Median (Optuna's MedianPruner; Google Vizier's median stopping rule):
 * after warmup epochs, a run whose best value so far is worse than the
 * median of the values of the sweep's finished (done) runs at the same
 * epoch is pruned, once at least min_runs of them have one.
 *
 * The value compared is measured every epoch: the objective when it is
 * val_accuracy, val_loss or loss; for test_accuracy the validation
 * accuracy, or the training accuracy without a validation set; for params
 * and seconds the constraint's metric likewise. A pruned run ends with
 * status pruned and keeps its history and checkpoint.
 */
#ifndef DL_RUN_PRUNE_H
#define DL_RUN_PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "train/trainer.h"

/* Whether epoch is an ASHA rung: min_epochs * factor^k < max_epochs. */
int prune_asha_rung(int epoch, int min_epochs, int factor, int max_epochs);

/* ASHA at a rung: 1 to stop a run of value `value` when the other runs'
 * values at the rung are others[0..n). */
int prune_asha_decide(double value, const double *others, int n, int factor, int maximize);

/* The median rule: 1 to stop a run whose best so far is `best`, given the
 * finished runs' values at this epoch. */
int prune_median_decide(double best, const double *done_values, int n, int min_runs,
			int maximize);

/* The epoch metric (a store_epoch_values column) pruning compares for a
 * sweep, and whether larger is better; has_val: the run has a validation
 * set. NULL when the sweep's objective is measured by no epoch metric. */
const char *prune_metric(const struct store_sweep *sw, int has_val, int *maximize);

/* The trainer's prune hook (train_options.prune) for run `run_id` of a
 * sweep, reading the other runs through the worker's store. */
struct pruner {
	struct store *store;
	struct store_sweep sweep;
	int64_t run_id;
	int max_epochs;
	const char *column;
	int maximize;
	double best;                    /* this run's best value so far (median) */
	int failed;                     /* a store read failed: the run is not pruned */
};

/* Set p up for the run; *active is 0 when its sweep prunes nothing (or it
 * is in no sweep). */
int pruner_init(struct pruner *p, struct store *s, int64_t run_id, const struct experiment *e,
		int *active, struct dl_error *err);
int pruner_check(void *ctx, const struct epoch_metrics *m, char *why, size_t size);

#endif
