/*
 * sweep.h - the `sweep:` section of an experiment file: one run per point
 * of a grid, times repeats.
 *
 *   sweep:
 *     grid: {"model.layers[0].dense.units": [5, 10, 15], "train.optimizer.lr": [1, 0.1]}
 *     repeats: 3          # seeds seed, seed + 1, seed + 2 at every point
 *     inits: 100          # optional: train.inits for every run (notebook 000)
 *     keep: best_initial  # what inits keeps; the only choice, and the default
 *     objective: {maximize: val_accuracy}   # or {minimize: params}, ...
 *     subject_to: "test_accuracy >= 0.97"   # optional: a run must meet it
 *
 * The objective is what the sweep is for: the metric its best run
 * maximises or minimises (val_accuracy, test_accuracy, val_loss, loss,
 * params, seconds), and optionally a constraint a run must meet to count
 * (METRIC >= NUMBER or METRIC <= NUMBER). Without one a sweep maximises
 * val_accuracy, or test_accuracy when the experiment has no validation set.
 *
 * A grid key is anything `--set` accepts and its values are YAML scalars;
 * the points are the cross product, the first key varying slowest. Each
 * run is the file with its point applied as overrides (after the caller's
 * own --set), so the experiment parser checks every point, and an error in
 * a point is reported at the grid value that caused it. The experiment
 * parser itself accepts and ignores `sweep:`, and the canonical YAML of a
 * run never contains it: a run is one concrete experiment.
 */
#ifndef DL_SPEC_SWEEP_H
#define DL_SPEC_SWEEP_H

#include "spec/experiment.h"
#include "util/error.h"

#define SWEEP_MAX_AXES 8
#define SWEEP_MAX_VALUES 1000
#define SWEEP_MAX_RUNS 10000
#define SWEEP_MAX_OVERRIDES 300     /* the caller's --set and a point's together */

/* What a sweep's runs are measured by (sweep_metric_names). */
enum sweep_metric {
	SWEEP_METRIC_VAL_ACCURACY,
	SWEEP_METRIC_TEST_ACCURACY,
	SWEEP_METRIC_VAL_LOSS,
	SWEEP_METRIC_LOSS,              /* the final training loss */
	SWEEP_METRIC_PARAMS,            /* the model's parameter count */
	SWEEP_METRIC_SECONDS,           /* the run's training time */
};
extern const char *const sweep_metric_names[]; /* indexed by the enum, NULL-terminated */
int sweep_metric_from_name(const char *name);  /* -1 when unknown */

struct sweep_objective {
	enum sweep_metric metric;
	int maximize;                   /* 1: larger is better */
	int has_constraint;
	enum sweep_metric constraint_metric;
	int at_least;                   /* 1: metric >= value; 0: metric <= value */
	double constraint_value;
};

/* One concrete run of a sweep. */
struct sweep_run {
	struct experiment exp;          /* parsed; the input shape is filled by
	                                   trainer_load_plan (train/trainer.h) */
	char point[256];                /* "units=10 lr=0.1" (last path part = value) */
	int repeat;                     /* 0 .. repeats-1 */
};

struct sweep_plan {
	int has_sweep;                  /* 0: the file had no sweep: one run */
	int n;                          /* runs */
	struct sweep_run *runs;         /* malloc'd */
	struct sweep_objective objective; /* the default one without a sweep */
};

/* Read the experiment file at path with the caller's overrides and expand
 * its sweep. Without a sweep the plan holds the one experiment. Errors read
 * "FILE:LINE:COL: error: ..." as the experiment parser's do. */
int sweep_plan_load(struct sweep_plan *plan, const char *path,
		    const char *const *overrides, int n_overrides, struct dl_error *err);
void sweep_plan_free(struct sweep_plan *plan);

/* The objective of a sweep that names none: maximize val_accuracy, or
 * test_accuracy when e has no validation set. */
void sweep_default_objective(const struct experiment *e, struct sweep_objective *o);

#endif
