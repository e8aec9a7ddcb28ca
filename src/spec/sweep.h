/*
 * sweep.h - the `sweep:` section of an experiment file: one run per point
 * of a grid, times repeats.
 *
 *   sweep:
 *     grid: {"model.layers[0].dense.units": [5, 10, 15], "train.optimizer.lr": [1, 0.1]}
 *     repeats: 3          # seeds seed, seed + 1, seed + 2 at every point
 *     inits: 100          # optional: train.inits for every run (notebook 000)
 *     keep: best_initial  # what inits keeps; the only choice, and the default
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
};

/* Read the experiment file at path with the caller's overrides and expand
 * its sweep. Without a sweep the plan holds the one experiment. Errors read
 * "FILE:LINE:COL: error: ..." as the experiment parser's do. */
int sweep_plan_load(struct sweep_plan *plan, const char *path,
		    const char *const *overrides, int n_overrides, struct dl_error *err);
void sweep_plan_free(struct sweep_plan *plan);

#endif
