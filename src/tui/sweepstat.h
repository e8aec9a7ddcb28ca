/*
 * sweepstat.h - what a sweep found, computed from its runs' rows: the
 * swept keys and their values, the points with the mean and spread of the
 * objective over their repeats, how much of the objective's variance each
 * key explains, the best point and the best run (under a constraint when
 * there is one), and the sweep's progress.
 *
 * Pure: rows in, numbers out. No store, no canvas: the sweep view and
 * `digitlab sweep show` compute with it, and widgets draw what it holds.
 *
 * Keys and values come from the runs' sweep points ("units=10 lr=0.1",
 * spec/sweep.h): a key's values are sorted by number when every value is
 * one, else kept in the order the runs were queued.
 *
 * The objective of a run is one column of its row (val_accuracy,
 * test_accuracy, ...), read from finished runs only (status done): a
 * running or pruned run's last epoch is not its result.
 *
 * Variance share (one-way ANOVA's eta squared, per key): the runs with an
 * objective are grouped by the key's value; the share is
 *     sum over values of n_v * (mean_v - mean)^2  /  sum over runs of (y - mean)^2
 * that is the between-value variance of the per-value means over the total.
 * A key with more than SWEEP_BIN_ABOVE distinct values (a random search)
 * is grouped in SWEEP_BINS bins of equal run counts by value instead, so
 * that each run is not a group of its own (which would explain everything).
 */
#ifndef DL_TUI_SWEEPSTAT_H
#define DL_TUI_SWEEPSTAT_H

#include <stdint.h>

#include "store/store.h"

#define SWEEP_STAT_MAX_KEYS 8
#define SWEEP_STAT_MAX_VALUES 256       /* distinct values kept per key */
#define SWEEP_VALUE_MAX 48              /* bytes of a value's text, NUL included */
#define SWEEP_BIN_ABOVE 8
#define SWEEP_BINS 4

/* What the sweep optimises, under which constraint, and how it prunes. */
struct sweep_goal {
	char objective[32];             /* a metric name (sweep_metric) */
	int maximize;
	char constraint[32];            /* a metric name; "" none */
	int at_least;                   /* 1: constraint >= value, 0: <= value */
	double bound;
	int planned;                    /* runs the sweep will have in all; 0: those it has */
	int rung_epochs, rung_factor;   /* ASHA: the first rung and the reduction factor;
	                                   0: no rungs */
};

/* The goal a sweep stored (store_get_sweep), with one repair: a sweep that
 * maximises val_accuracy but none of whose runs has one (queued before the
 * store kept goals, on data with no validation set) is read as the default
 * (sweep_goal_default) would read it. */
void sweep_goal_from_store(struct sweep_goal *g, const struct store_sweep *sw,
			   const struct store_row *rows, int n);

/* The value of metric `name` in a row ("val_accuracy", "test_accuracy",
 * "accuracy", "loss", "val_loss", "test_loss", "params", "seconds" or
 * "time"); NAN when the row has none. *known is 0 for an unknown name. */
double sweep_metric(const struct store_row *r, const char *name, int *known);

/* The goal used without one stored: val_accuracy maximised, or
 * test_accuracy when no run of the sweep has a validation accuracy. */
void sweep_goal_default(struct sweep_goal *g, const struct store_row *rows, int n,
			int64_t sweep_id);

struct sweep_key {
	char name[32];
	int n_values;
	char values[SWEEP_STAT_MAX_VALUES][SWEEP_VALUE_MAX];
	double number[SWEEP_STAT_MAX_VALUES]; /* each value as a number, when numeric */
	int numeric;                    /* every value is a number */
	int log_spaced;                 /* numeric, positive, and evenly spaced on a log
	                                   scale rather than a linear one */
	double share;                   /* of the objective's variance; NAN: no variance */
	int groups;                     /* groups of finished runs the share compared (values,
	                                   or bins); as many as runs: the share is 1 by
	                                   construction, there being no repeats */
};

struct sweep_point {
	char label[128];                /* the sweep point as stored */
	int value[SWEEP_STAT_MAX_KEYS]; /* index into each key's values; -1: absent */
	int runs, done;                 /* done: runs with an objective */
	double mean, spread;            /* of the objective; spread is the sample standard
	                                   deviation, NAN below two runs */
	int64_t first_id;               /* its first run */
};

/* A finished run with its objective, for the parallel coordinates. */
struct sweep_trial {
	int64_t id;
	int point;                      /* index into points */
	double objective;
	int feasible;                   /* meets the constraint (1 when there is none) */
};

#define SWEEP_MAX_RUNGS 8

struct sweep_progress {
	int runs, done, running, queued, pruned, failed; /* failed: failed, diverged or
	                                                   cancelled */
	int other;                      /* paused, interrupted */
	int n_rungs;                    /* ASHA: rungs up to the longest planned run */
	int rung_epochs[SWEEP_MAX_RUNGS];
	int rung_runs[SWEEP_MAX_RUNGS]; /* runs that trained at least that many epochs */
};

struct sweep_stats {
	int64_t sweep_id;
	char name[128];                 /* its runs' name */
	struct sweep_goal goal;
	int n_keys;
	struct sweep_key *keys;         /* owned */
	int n_points;
	struct sweep_point *points;     /* in order of first run; owned */
	int n_trials;
	struct sweep_trial *trials;     /* by run id; owned */
	struct sweep_progress progress;
	double lo, hi;                  /* range of the trials' objective; NAN: none */
	int best_point;                 /* best mean; -1: none done */
	int best_trial;                 /* best run; -1: none */
	int best_feasible;              /* best run meeting the constraint; -1: none did */
	int n_feasible;
};

/* Compute the stats of sweep `sweep_id` from rows (any order; others are
 * skipped) for goal g. On failure (out of memory) returns DL_ERR with err
 * set and *s empty. Free with sweep_stats_free. */
int sweep_stats_build(struct sweep_stats *s, const struct store_row *rows, int n,
		      int64_t sweep_id, const struct sweep_goal *g, struct dl_error *err);
void sweep_stats_free(struct sweep_stats *s);

/* 1 when a is a better objective than b for the goal (NAN is worst). */
int sweep_better(const struct sweep_goal *g, double a, double b);

/* The index of the point at value v0 of key 0 and v1 of key 1 (-1 for a
 * one-key sweep), or -1 when there is none. */
int sweep_point_at(const struct sweep_stats *s, int v0, int v1);

/* Keys in order of their share, largest first, into order (n_keys entries). */
void sweep_keys_by_share(const struct sweep_stats *s, int *order);

/* The objective as printed: ".9812" for accuracies, "12730" for params,
 * "%.4g" otherwise; "-" for NAN. */
const char *sweep_format(const struct sweep_goal *g, double v, char *buf, int size);

#endif
