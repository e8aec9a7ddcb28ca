/*
 * sweep.h - the `sweep:` section of an experiment file: many runs from one
 * file, by a grid, by random search or by a model of the results (TPE),
 * with an objective and a rule that stops weak runs early.
 *
 *   sweep:
 *     grid: {"model.layers[0].dense.units": [5, 10, 15], "train.optimizer.lr": [1, 0.1]}
 *     repeats: 3          # seeds seed, seed + 1, seed + 2 at every point
 *     inits: 100          # optional: train.inits for every run (notebook 000)
 *     keep: best_initial  # what inits keeps; the only choice, and the default
 *     objective: {maximize: val_accuracy}   # or {minimize: params}, ...
 *     subject_to: "test_accuracy >= 0.97"   # optional: a run must meet it
 *     search: random      # grid (the default), random or tpe
 *     n: 20               # random, tpe: points drawn
 *     space:              # random, tpe: a distribution per key
 *       "train.optimizer.lr": {loguniform: [1.0e-4, 0.1]}
 *       "model.layers[0].dense.units": {int: [8, 64]}
 *       "model.layers": {choice: {dense: [...], conv: [...]}}
 *     prune: {asha: {min_epochs: 1, reduction_factor: 3}}   # or {median: {...}}
 *
 * A grid or space key is anything `--set` accepts. Grid values and choices
 * may be whole YAML values (a list of layers), so a sweep can choose
 * between architectures. A grid's points are the cross product, the first
 * key varying slowest. A random search draws n points from the space,
 * reproducibly from the file's seed, and crosses each with the grid. TPE
 * proposes its points one at a time from the results of the runs before,
 * as workers free up (run/grow.h): the plan holds only its first point,
 * and the grid's keys are searched as choices.
 *
 * Each run is the file with its point applied as overrides (after the
 * caller's own --set), so the experiment parser checks every point, and an
 * error in a grid point is reported at the grid value that caused it. The
 * experiment parser itself accepts and ignores `sweep:`, and the canonical
 * YAML of a run never contains it: a run is one concrete experiment.
 *
 * The objective is what the sweep is for: the metric its best run
 * maximises or minimises (val_accuracy, test_accuracy, val_loss, loss,
 * params, seconds), and optionally a constraint a run must meet to count
 * (METRIC >= NUMBER or METRIC <= NUMBER). Without one a sweep maximises
 * val_accuracy, or test_accuracy when the experiment has no validation set.
 */
#ifndef DL_SPEC_SWEEP_H
#define DL_SPEC_SWEEP_H

#include <stdint.h>

#include "spec/experiment.h"
#include "util/error.h"

#define SWEEP_MAX_AXES 8            /* grid keys; and space keys */
#define SWEEP_MAX_DIMS (2 * SWEEP_MAX_AXES)
#define SWEEP_MAX_VALUES 1000
#define SWEEP_MAX_RUNS 10000
#define SWEEP_MAX_OVERRIDES 300     /* the caller's --set and a point's together */
#define SWEEP_VALUES_SIZE 400       /* a run's coordinates as text */

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

enum sweep_search { SWEEP_GRID, SWEEP_RANDOM, SWEEP_TPE };
extern const char *const sweep_search_names[]; /* "grid", "random", "tpe" */

/* One key of the search space. A grid axis is a choice among its values. */
enum sweep_dist {
	SWEEP_CHOICE,                   /* one of n_choices values */
	SWEEP_UNIFORM,                  /* a real in [lo, hi] */
	SWEEP_LOGUNIFORM,               /* a real whose log is uniform in [log lo, log hi] */
	SWEEP_INT,                      /* a whole number in [lo, hi] */
};

struct sweep_dim {
	char key[256];                  /* the --set key */
	int line, col;                  /* where its values are in the file */
	enum sweep_dist dist;
	double lo, hi;                  /* UNIFORM, LOGUNIFORM, INT */
	int n_choices;                  /* CHOICE */
	char **values;                  /* CHOICE: each an override value (YAML), malloc'd */
	char **labels;                  /* CHOICE: the value as a point shows it, malloc'd */
	int *lines, *cols;              /* CHOICE: where each value is in the file */
};

/* The coordinates of a point: x[d] for dims[d], a choice as its index. */
struct sweep_space {
	int n_grid;                     /* dims[0 .. n_grid): the grid, crossed */
	int n;                          /* dims[n_grid .. n): the space's keys */
	struct sweep_dim dims[SWEEP_MAX_DIMS];
};

/* When to stop a run early (run/prune.h carries it out). */
enum sweep_prune { SWEEP_PRUNE_NONE, SWEEP_PRUNE_ASHA, SWEEP_PRUNE_MEDIAN };

struct sweep_pruning {
	enum sweep_prune rule;
	int min_epochs;                 /* asha: the first rung; median: warm-up epochs */
	int reduction_factor;           /* asha (default 3) */
	int min_runs;                   /* median: finished runs needed (default 5) */
};

/* One concrete run of a sweep. */
struct sweep_run {
	struct experiment exp;          /* parsed; the input shape is filled by
	                                   trainer_load_plan (train/trainer.h) */
	char point[256];                /* "units=10 lr=0.1" (last path part = value) */
	char values[SWEEP_VALUES_SIZE]; /* its coordinates (sweep_format_values) */
	int repeat;                     /* 0 .. repeats-1 */
};

struct sweep_plan {
	int has_sweep;                  /* 0: the file had no sweep: one run */
	int n;                          /* runs */
	struct sweep_run *runs;         /* malloc'd */
	struct sweep_objective objective; /* the default one without a sweep */
	enum sweep_search search;
	int n_points;                   /* random, tpe: points to draw */
	int planned;                    /* runs the sweep will have in all */
	int growing;                    /* tpe: runs holds the first point only */
	int repeats, inits;
	uint64_t seed;                  /* the file's seed (with the caller's overrides) */
	struct sweep_space space;
	struct sweep_pruning pruning;
	/* what a point is made from, kept for growing sweeps */
	char *text;                     /* the file, malloc'd */
	size_t len;
	char path[1024];                /* as the caller named it, for errors */
	char **sets;                    /* the caller's overrides, malloc'd */
	int n_sets;
};

/* Read the experiment file at path with the caller's overrides and expand
 * its sweep. Without a sweep the plan holds the one experiment. Errors read
 * "FILE:LINE:COL: error: ..." as the experiment parser's do. */
int sweep_plan_load(struct sweep_plan *plan, const char *path,
		    const char *const *overrides, int n_overrides, struct dl_error *err);
/* The same from the file's text, named path in errors. */
int sweep_plan_load_text(struct sweep_plan *plan, const char *text, size_t len,
			 const char *path, const char *const *overrides, int n_overrides,
			 struct dl_error *err);
void sweep_plan_free(struct sweep_plan *plan);

/* The run at coordinates x (plan->space.n of them) and repeat `repeat`:
 * its experiment parsed with the point's overrides, its point and values. */
int sweep_plan_point(const struct sweep_plan *plan, const double *x, int repeat,
		     struct sweep_run *r, struct dl_error *err);

/* Coordinates as text and back: "%.17g" each, space-separated, so a point
 * read back is the point written. sweep_parse_values returns how many it
 * read (at most max). */
void sweep_format_values(const double *x, int n, char *buf, size_t size);
int sweep_parse_values(const char *text, double *x, int max);

/* Draw dims [from, n) of the space at random into x (a choice uniformly, a
 * whole number uniformly in its range). */
struct rng;
void sweep_draw(const struct sweep_space *sp, int from, struct rng *r, double *x);

/* The seed of point k's draws: points are reproducible one by one, so a
 * growing sweep draws the same point k however its runs went. */
uint64_t sweep_point_seed(uint64_t seed, int k);

/*
 * TPE (Bergstra et al. 2011, as Optuna's TPESampler does it by default):
 * the n_obs points seen so far, each with a score (higher is better), are
 * split into the best gamma(n) = min(ceil(0.1 n), 25) and the rest; each
 * dimension gets a Parzen estimator of either group (a truncated Gaussian
 * per point plus a prior over the whole range; a choice gets counts plus
 * a uniform prior), and of SWEEP_TPE_CANDIDATES points drawn from the
 * good group's estimator the one of largest l(x) / g(x) is proposed.
 * Fewer than SWEEP_TPE_STARTUP points: drawn at random instead. x receives
 * the proposal (all sp->n dims). Deterministic for a given seed.
 */
#define SWEEP_TPE_STARTUP 10
#define SWEEP_TPE_CANDIDATES 24
void sweep_tpe_propose(const struct sweep_space *sp, const double *xs, const double *scores,
		       int n_obs, uint64_t seed, double *x);
int sweep_tpe_gamma(int n_obs);
/* The log density of one numeric dimension's Parzen estimator at v (in the
 * dimension's own units; a loguniform's estimator lives in log space, so v
 * is its log): mus (n) with the prior, as built for TPE. For tests. */
double sweep_tpe_log_pdf(const struct sweep_dim *d, const double *mus, int n, double v);

/* The objective of a sweep that names none: maximize val_accuracy, or
 * test_accuracy when e has no validation set. */
void sweep_default_objective(const struct experiment *e, struct sweep_objective *o);

#endif
