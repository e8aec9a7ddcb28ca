/*
 * test_sweep.c - the sweep section of an experiment file: a table of bad
 * sweeps with the exact error each must give, the objective a sweep gets
 * when it names none, random points reproducible from the seed, TPE's
 * estimators and proposals on cases small enough to check by hand, the
 * order TPE learns from, and the ASHA and median pruning decisions.
 */
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

#include "run/enqueue.h"
#include "run/grow.h"
#include "run/prune.h"
#include "spec/sweep.h"
#include "store/store.h"
#include "util/rng.h"

/* A model and data that parse without touching any data file. */
#define BASE "data: {source: font5x7}\nmodel:\n  layers:\n    - dense: {units: 10}\n"
#define BASE_VAL "data: {source: font5x7, validation: 0.2}\nmodel:\n  layers:\n" \
	"    - dense: {units: 10}\n"

static char dir[64];

/* Write yaml to dir/t.yaml and load its plan; returns the formatted
 * error or "(loaded)". */
static const char *load(const char *yaml, struct sweep_plan *plan)
{
	static char buf[2048];
	struct dl_error err;
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/t.yaml", dir);
	f = fopen(path, "w");
	fputs(yaml, f);
	fclose(f);
	dl_error_clear(&err);
	if (sweep_plan_load(plan, path, NULL, 0, &err) == DL_OK)
		return "(loaded)";
	dl_error_format(&err, buf, sizeof buf);
	/* the directory changes from run to run: the message from the file name on */
	return strstr(buf, "t.yaml") ? strstr(buf, "t.yaml") : buf;
}

static const struct {
	const char *yaml, *error;
} bad[] = {
	{BASE "sweep:\n  objective: val_accuracy\n",
	 "t.yaml:6:14: error: sweep.objective: expected {maximize: METRIC} or {minimize: "
	 "METRIC}, METRIC one of val_accuracy, test_accuracy, val_loss, loss, params or seconds"},
	{BASE "sweep:\n  objective: {maximise: params}\n",
	 "t.yaml:6:14: error: sweep.objective: expected {maximize: METRIC} or {minimize: "
	 "METRIC}, METRIC one of val_accuracy, test_accuracy, val_loss, loss, params or seconds"},
	{BASE "sweep:\n  objective: {minimize: params, maximize: loss}\n",
	 "t.yaml:6:14: error: sweep.objective: expected {maximize: METRIC} or {minimize: "
	 "METRIC}, METRIC one of val_accuracy, test_accuracy, val_loss, loss, params or seconds"},
	{BASE "sweep:\n  objective: {minimize: size}\n",
	 "t.yaml:6:25: error: sweep.objective.minimize: unknown metric 'size' (expected "
	 "val_accuracy, test_accuracy, val_loss, loss, params or seconds)"},
	{BASE "sweep:\n  objective: {maximize: val_accuracy}\n",
	 "t.yaml:6:25: error: sweep.objective: a validation metric needs a validation set: add "
	 "data.validation (a fraction such as 0.1, or test), or use test_accuracy"},
	{BASE "sweep:\n  subject_to: \"test_accuracy > 0.97\"\n",
	 "t.yaml:6:15: error: sweep.subject_to: expected \"METRIC >= NUMBER\" or \"METRIC <= "
	 "NUMBER\", e.g. \"test_accuracy >= 0.97\""},
	{BASE "sweep:\n  subject_to: \"test_accuracy >= 97%\"\n",
	 "t.yaml:6:15: error: sweep.subject_to: expected \"METRIC >= NUMBER\" or \"METRIC <= "
	 "NUMBER\", e.g. \"test_accuracy >= 0.97\""},
	{BASE "sweep:\n  subject_to: [test_accuracy, 0.97]\n",
	 "t.yaml:6:15: error: sweep.subject_to: expected \"METRIC >= NUMBER\" or \"METRIC <= "
	 "NUMBER\", e.g. \"test_accuracy >= 0.97\""},
	{BASE "sweep:\n  subject_to: \"accuracy >= 0.97\"\n",
	 "t.yaml:6:15: error: sweep.subject_to: unknown metric 'accuracy' (expected "
	 "val_accuracy, test_accuracy, val_loss, loss, params or seconds)"},
	{BASE "sweep:\n  search: bayes\n",
	 "t.yaml:6:11: error: sweep.search: expected grid, random or tpe"},
	{BASE "sweep:\n  search: random\n  space: {train.epochs: {int: [1, 3]}}\n",
	 "t.yaml:6:11: error: sweep.n: how many points to draw? (search: random and tpe need n)"},
	{BASE "sweep:\n  search: random\n  n: 4\n",
	 "t.yaml:6:11: error: sweep.space: what to search? (search: random and tpe draw from "
	 "sweep.space, or from sweep.grid's values)"},
	{BASE "sweep:\n  n: 4\n  grid: {train.epochs: [1, 2]}\n",
	 "t.yaml:6:6: error: sweep.n: only with search: random or tpe (a grid has a run per point)"},
	{BASE "sweep:\n  space: {train.epochs: {int: [1, 3]}}\n",
	 "t.yaml:6:10: error: sweep.space: only with search: random or tpe (a grid lists its "
	 "values in sweep.grid)"},
	{BASE "sweep:\n  search: random\n  n: 4\n  space: {train.epochs: {normal: [1, 3]}}\n",
	 "t.yaml:8:25: error: sweep.space.train.epochs: expected one of {uniform: [LOW, HIGH]}, "
	 "{loguniform: [LOW, HIGH]}, {int: [LOW, HIGH]} or {choice: [VALUE, ...]}"},
	{BASE "sweep:\n  search: random\n  n: 4\n  space: {train.epochs: {int: [3, 1]}}\n",
	 "t.yaml:8:31: error: sweep.space.train.epochs.int: LOW must be below HIGH"},
	{BASE "sweep:\n  search: random\n  n: 4\n  space: {train.epochs: {int: [1.5, 3]}}\n",
	 "t.yaml:8:32: error: sweep.space.train.epochs.int: must be between -1000000000 and "
	 "1000000000, found 1.5"},
	{BASE "sweep:\n  search: random\n  n: 4\n  space: {train.optimizer.lr: {loguniform: "
	 "[0, 1]}}\n",
	 "t.yaml:8:44: error: sweep.space.train.optimizer.lr.loguniform: LOW must be above 0"},
	{BASE "sweep:\n  search: random\n  n: 4\n  space: {train.optimizer.lr: {uniform: "
	 "[a, 1]}}\n",
	 "t.yaml:8:42: error: sweep.space.train.optimizer.lr.uniform: expected a number"},
	{BASE "sweep:\n  search: random\n  n: 4\n  space: {train.epochs: {choice: []}}\n",
	 "t.yaml:8:34: error: sweep.space.train.epochs.choice: expected a list of values"},
	{BASE "sweep:\n  search: random\n  n: 2\n  grid: {train.epochs: [1, 2]}\n"
	 "  space: {train.epochs: {int: [1, 3]}}\n",
	 "t.yaml:9:11: error: sweep.space.train.epochs: the key is in sweep.grid too"},
	{BASE "sweep:\n  search: tpe\n  n: 4\n  repeats: 2\n"
	 "  space: {train.epochs: {int: [1, 3]}}\n",
	 "t.yaml:8:12: error: sweep.repeats: tpe proposes one run at a time; repeats are for "
	 "grid and random"},
	{BASE "sweep:\n  search: random\n  n: 2\n  space: {\"model.layers[0].dense.units\": "
	 "{int: [0, 3]}}\n",
	 "t.yaml:8:42: error: model.layers[0].dense.units: must be between 1 and 100000, found 0"},
	{BASE "sweep:\n  grid: {train.epochs: [2, 3]}\n  prune: hyperband\n",
	 "t.yaml:7:10: error: sweep.prune: expected asha, median, {asha: {min_epochs: N, "
	 "reduction_factor: N}} or {median: {warmup_epochs: N, min_runs: N}}"},
	{BASE "sweep:\n  grid: {train.epochs: [2, 3]}\n  prune: {asha: {reduction_factor: 1}}\n",
	 "t.yaml:7:36: error: sweep.prune.asha.reduction_factor: must be between 2 and 100, "
	 "found 1"},
	{BASE "sweep:\n  grid: {train.epochs: [2, 3]}\n  prune: {median: {min_epochs: 1}}\n",
	 "t.yaml:7:20: error: unknown key 'min_epochs' in sweep.prune.median (expected "
	 "warmup_epochs or min_runs)"},
	{BASE "sweep:\n  grid: {train.epochs: [2, 3]}\n  objective: {minimize: params}\n"
	 "  prune: asha\n",
	 "t.yaml:8:10: error: sweep.prune: the objective is not measured while a run trains, "
	 "so weak runs cannot be told early: prune with an objective or subject_to of accuracy "
	 "or loss"},
	{BASE "train: {epochs: 1}\nsweep:\n  grid: {train.batch_size: [2, 3]}\n  prune: asha\n",
	 "t.yaml:8:10: error: sweep.prune: a run of one epoch cannot be stopped early"},
	{BASE "sweep:\n  objectve: {minimize: params}\n",
	 "t.yaml:6:3: error: unknown key 'objectve' in sweep (expected grid, repeats, inits, "
	 "keep, objective, subject_to, search, n, space or prune)"},
	/* an error in a grid choice is reported where the choice is written */
	{BASE "sweep:\n  grid:\n    model.layers:\n      good: [{dense: {units: 10}}]\n"
	 "      bad: [{dense: {units: -1}}]\n",
	 "t.yaml:9:12: error: model.layers[0].dense.units: must be between 1 and 100000, "
	 "found -1"},
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sweep_plan plan;

		is_str(load(bad[i].yaml, &plan), bad[i].error, "bad sweep %zu refused", i);
	}
}

static void test_objective(void)
{
	struct sweep_plan plan;

	is_str(load(BASE "sweep:\n  grid: {\"train.epochs\": [1, 2]}\n", &plan), "(loaded)",
	       "a grid without an objective");
	ok(plan.objective.metric == SWEEP_METRIC_TEST_ACCURACY && plan.objective.maximize &&
	   !plan.objective.has_constraint, "without validation it maximises test_accuracy");
	sweep_plan_free(&plan);
	is_str(load(BASE_VAL "sweep:\n  grid: {\"train.epochs\": [1, 2]}\n", &plan), "(loaded)",
	       "a grid with validation");
	ok(plan.objective.metric == SWEEP_METRIC_VAL_ACCURACY && plan.objective.maximize,
	   "with validation it maximises val_accuracy");
	sweep_plan_free(&plan);
	is_str(load(BASE "sweep:\n  grid: {\"train.epochs\": [1, 2]}\n  objective: {minimize: "
		    "params}\n  subject_to: \" test_accuracy>=0.97 \"\n", &plan), "(loaded)",
	       "an objective with a constraint");
	ok(plan.objective.metric == SWEEP_METRIC_PARAMS && !plan.objective.maximize &&
	   plan.objective.has_constraint &&
	   plan.objective.constraint_metric == SWEEP_METRIC_TEST_ACCURACY &&
	   plan.objective.at_least && plan.objective.constraint_value == 0.97,
	   "minimize params subject to test_accuracy >= 0.97");
	sweep_plan_free(&plan);
	is_str(load(BASE "sweep:\n  subject_to: \"seconds <= 60\"\n", &plan), "(loaded)",
	       "a constraint alone");
	ok(plan.objective.metric == SWEEP_METRIC_TEST_ACCURACY && plan.objective.has_constraint &&
	   plan.objective.constraint_metric == SWEEP_METRIC_SECONDS && !plan.objective.at_least &&
	   plan.objective.constraint_value == 60, "keeps the default objective");
	sweep_plan_free(&plan);
}

#define RANDOM BASE "seed: 7\ntrain: {epochs: 2}\nsweep:\n  search: random\n  n: 5\n" \
	"  grid: {train.batch_size: [8, 16]}\n  space:\n" \
	"    train.optimizer.lr: {loguniform: [0.001, 1]}\n" \
	"    model.layers[0].dense.units: {int: [3, 9]}\n" \
	"    model.layers:\n      choice:\n        one: [{dense: {units: 10}}]\n" \
	"        two: [{dense: {units: 4}}, {dense: {units: 10}}]\n"

/* A random search draws the same points from the same seed, every draw
 * crossed with the grid, each value in its range. */
static void test_random(void)
{
	struct sweep_plan a, b, c;
	char yaml[1024];
	int same = 1, in_range = 1, crossed = 1, differ = 0, two = 0;

	is_str(load(RANDOM, &a), "(loaded)", "a random search with a grid");
	ok(a.n == 10 && a.planned == 10 && a.search == SWEEP_RANDOM && !a.growing,
	   "5 draws times 2 grid points: 10 runs");
	is_str(load(RANDOM, &b), "(loaded)", "loaded again");
	snprintf(yaml, sizeof yaml, "%s", RANDOM);
	*strstr(yaml, "seed: 7") = '\0';
	strcat(yaml, "seed: 8");
	strcat(yaml, strstr(RANDOM, "seed: 7") + 7);
	is_str(load(yaml, &c), "(loaded)", "with another seed");
	for (int i = 0; i < a.n; i++) {
		double x[SWEEP_MAX_DIMS];
		const struct experiment *e = &a.runs[i].exp;

		same &= !strcmp(a.runs[i].values, b.runs[i].values) &&
			!strcmp(a.runs[i].point, b.runs[i].point);
		differ += strcmp(a.runs[i].values, c.runs[i].values) != 0;
		ok(sweep_parse_values(a.runs[i].values, x, SWEEP_MAX_DIMS) == 4, "4 coordinates");
		in_range &= x[1] >= 0.001 && x[1] <= 1 && x[2] >= 3 && x[2] <= 9 &&
			    x[2] == floor(x[2]) && (x[3] == 0 || x[3] == 1) &&
			    fabs(e->train.optimizer.lr - x[1]) < 1e-6 * x[1];
		/* the layers are chosen after units is set: the choice wins */
		in_range &= e->model.n_layers == (x[3] == 0 ? 1 : 2);
		two += x[3] == 1;
		crossed &= e->train.batch_size == (i % 2 ? 16 : 8) &&
			   (i % 2 == 0 || !strcmp(strchr(a.runs[i].values, ' '),
						  strchr(a.runs[i - 1].values, ' ')));
	}
	ok(same, "the same seed draws the same points");
	ok(differ == a.n, "another seed draws other points");
	ok(in_range, "every value in its range, integers whole, the choice applied");
	ok(two > 0 && two < a.n, "both choices drawn (%d of %d two)", two, a.n);
	ok(crossed, "each draw crossed with the grid, first the grid's first value");
	is_str(a.runs[0].point, "batch_size=8 lr=0.00424 units=7 layers=one",
	       "a point names its values, and a choice its name");
	sweep_plan_free(&a);
	sweep_plan_free(&b);
	sweep_plan_free(&c);
}

/* A TPE sweep holds its first point, drawn as random search draws point 0. */
static void test_tpe_plan(void)
{
	struct sweep_plan plan;
	struct rng r;
	double x[SWEEP_MAX_DIMS], want[SWEEP_MAX_DIMS];

	is_str(load(BASE "seed: 3\nsweep:\n  search: tpe\n  n: 12\n  grid: {train.epochs: [1, 2, "
		    "3]}\n  space: {train.optimizer.lr: {loguniform: [0.001, 1]}}\n", &plan),
	       "(loaded)", "a tpe sweep");
	ok(plan.growing && plan.n == 1 && plan.planned == 12, "one run now, 12 planned");
	rng_seed(&r, sweep_point_seed(3, 0));
	sweep_draw(&plan.space, 0, &r, want);
	ok(sweep_parse_values(plan.runs[0].values, x, SWEEP_MAX_DIMS) == 2 && x[0] == want[0] &&
	   x[1] == want[1], "its first point is point 0's draw, the grid key a choice too");
	sweep_plan_free(&plan);
}

static void test_tpe(void)
{
	struct sweep_dim uni = {.dist = SWEEP_UNIFORM, .lo = 0, .hi = 1};
	struct sweep_space sp = {.n = 1};
	double one = 0.2, three[3] = {0.1, 0.4, 0.9}, x, xs[12], scores[12];

	is_int(sweep_tpe_gamma(1), 1, "gamma(1) = 1");
	is_int(sweep_tpe_gamma(11), 2, "gamma(11) = ceil(1.1) = 2");
	is_int(sweep_tpe_gamma(300), 25, "gamma is at most 25");
	/*
	 * One observation 0.2 in [0, 1]: means 0.2 and the prior's 0.5;
	 * bandwidths: 0.2's gap 0.3 clipped to range / (2 + 1) = 1/3, the
	 * prior's 1. At 0.2: (N(0.2; 0.2, 1/3) / (Phi(2.4) - Phi(-0.6)) +
	 * N(0.2; 0.5, 1) / (Phi(0.5) - Phi(-0.5))) / 2 = (1.66794 + 0.99600) / 2,
	 * whose log is 0.286652.
	 */
	is_near(sweep_tpe_log_pdf(&uni, &one, 1, 0.2), 0.28665248, 1e-6,
		"the estimator of one point, by hand");
	/* 0.1, 0.4, 0.9 and the prior's 0.5: bandwidths 0.3, 0.3 (the larger
	 * gap), 0.4 (the last one's gap), 1; the clip range / 5 = 0.2 leaves
	 * them; the mixture at 0.45 */
	is_near(sweep_tpe_log_pdf(&uni, three, 3, 0.45), 0.116440050, 1e-6,
		"the estimator of three points, by hand");
	/*
	 * A choice of two. 11 observations, the best two of choice 0, the
	 * rest choice 1: l = (0.5 + 2, 0.5) / 3, g = (0.5, 0.5 + 9) / 10;
	 * l/g is 16.7 for choice 0 and 0.18 for choice 1, so whichever of the
	 * candidates drawn from l is 0 (five in six are), 0 is proposed.
	 */
	{
		char *labels[2] = {"a", "b"}, *values[2] = {"a", "b"};

		sp.dims[0] = (struct sweep_dim){.dist = SWEEP_CHOICE, .n_choices = 2,
						.labels = labels, .values = values};
		for (int i = 0; i < 11; i++) {
			xs[i] = i < 2 ? 0 : 1;
			scores[i] = i < 2 ? 10 + i : i - 20;
		}
		for (uint64_t seed = 1; seed <= 5; seed++) {
			sweep_tpe_propose(&sp, xs, scores, 11, seed, &x);
			is_int((int)x, 0, "the good choice is proposed (seed %d)", (int)seed);
		}
		/* the same with the scores turned round */
		for (int i = 0; i < 11; i++)
			scores[i] = -scores[i];
		sweep_tpe_propose(&sp, xs, scores, 11, 1, &x);
		is_int((int)x, 1, "and the other when it is the good one");
	}
	/* A real in [0, 1] whose best observations are near 0.8: the proposal
	 * is near them, and the same seed proposes the same point. */
	sp.dims[0] = uni;
	for (int i = 0; i < 12; i++) {
		xs[i] = i / 11.0;
		scores[i] = -fabs(xs[i] - 0.8);
	}
	sweep_tpe_propose(&sp, xs, scores, 12, 42, &x);
	ok(x > 0.6 && x < 1.0, "a real is proposed near the best (%.3f)", x);
	{
		double again;

		sweep_tpe_propose(&sp, xs, scores, 12, 42, &again);
		ok(again == x, "the same seed, the same proposal");
	}
	/* below SWEEP_TPE_STARTUP observations, a random draw */
	{
		struct rng r;
		double want;

		sweep_tpe_propose(&sp, xs, scores, 9, 42, &x);
		rng_seed(&r, 42);
		sweep_draw(&sp, 0, &r, &want);
		ok(x == want, "fewer than 10 observations: drawn at random");
	}
}

/* The order TPE learns from (grow.h). */
static void test_scores(void)
{
	struct sweep_objective o = {.metric = SWEEP_METRIC_PARAMS, .maximize = 0,
				    .has_constraint = 1,
				    .constraint_metric = SWEEP_METRIC_TEST_ACCURACY,
				    .at_least = 1, .constraint_value = 0.97};
	struct store_sweep_run r[7] = {
		{.status = STORE_DONE, .params = 5000, .test_accuracy = 0.98},  /* feasible */
		{.status = STORE_DONE, .params = 2000, .test_accuracy = 0.975}, /* best */
		{.status = STORE_DONE, .params = 900, .test_accuracy = 0.95},   /* misses by .02 */
		{.status = STORE_DONE, .params = 800, .test_accuracy = 0.90},   /* misses by .07 */
		{.status = STORE_PRUNED, .params = 100, .epochs = 3},
		{.status = STORE_RUNNING, .params = 10},
		{.status = STORE_DIVERGED, .params = 10},
	};
	double s[7];

	grow_scores(&o, r, 7, s);
	ok(s[1] > s[0] && s[0] > s[2] && s[2] > s[3] && s[3] > s[4] && s[4] > s[6] &&
	   isnan(s[5]), "fewest params meeting the constraint first, then the nearest "
	   "misses, pruned, diverged; a running run not at all");
}

static void test_prune(void)
{
	double three[2] = {0.5, 0.7}, eight[8] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8};
	double done[5] = {0.9, 0.5, 0.7, 0.6, 0.8};

	/* rungs at 1, 3, 9 (27 is the last epoch: not a rung) */
	ok(prune_asha_rung(1, 1, 3, 27) && prune_asha_rung(3, 1, 3, 27) &&
	   prune_asha_rung(9, 1, 3, 27) && !prune_asha_rung(27, 1, 3, 27) &&
	   !prune_asha_rung(2, 1, 3, 27) && prune_asha_rung(4, 2, 2, 8) &&
	   !prune_asha_rung(3, 2, 2, 8) &&
	   prune_asha_rung(2, 2, 2, 8) && !prune_asha_rung(8, 2, 2, 8),
	   "ASHA's rungs: min_epochs * factor^k before the last epoch");
	/* the first run at a rung goes on; of two, only the better (2 / 3 - 1
	 * < 0 keeps one) */
	ok(!prune_asha_decide(0.1, NULL, 0, 3, 1), "the first run at a rung goes on");
	ok(!prune_asha_decide(0.9, three, 1, 3, 1) && prune_asha_decide(0.4, three, 1, 3, 1),
	   "of two, the better goes on");
	/* eight values 0.1 .. 0.8 and this one: the best 9 / 3 = 3 of the
	 * nine go on: 0.75 is second, 0.65 third, 0.55 fourth */
	ok(!prune_asha_decide(0.9, eight, 8, 3, 1) && !prune_asha_decide(0.75, eight, 8, 3, 1) &&
	   !prune_asha_decide(0.65, eight, 8, 3, 1) && prune_asha_decide(0.55, eight, 8, 3, 1),
	   "of nine, the best three go on, this one counted");
	/* minimising a loss: the three smallest go on (bar 0.3 of 0.1 .. 0.8, 0.35) */
	ok(!prune_asha_decide(0.25, eight, 8, 3, 0) && prune_asha_decide(0.35, eight, 8, 3, 0),
	   "minimising: the three smallest go on");
	ok(prune_asha_decide(NAN, eight, 8, 3, 1), "a run without a value is stopped");
	/* median of 0.9 0.5 0.7 0.6 0.8 is 0.7 */
	ok(!prune_median_decide(0.7, done, 5, 5, 1) && prune_median_decide(0.69, done, 5, 5, 1),
	   "median: below 0.7 is stopped, 0.7 goes on");
	ok(!prune_median_decide(0.1, done, 5, 6, 1), "fewer finished runs than min_runs: never");
	ok(!prune_median_decide(0.6, done, 4, 4, 0) && prune_median_decide(0.8, done, 4, 4, 0),
	   "minimising, the median of four is the mean of the middle two (0.65)");
}

/* Queueing a sweep keeps its objective on the sweep's row. */
static void test_queued(void)
{
	struct enqueue_opts o = {0};
	struct sweep_plan plan;
	struct store_sweep sw;
	struct dl_error err;
	struct store *s;
	char path[128], store_dir[128];
	int64_t first, last, sweep;

	snprintf(path, sizeof path, "%s/t.yaml", dir);
	snprintf(store_dir, sizeof store_dir, "%s/store", dir);
	is_str(load(BASE "sweep:\n  grid: {\"train.epochs\": [1, 2, 3]}\n  repeats: 2\n"
		    "  objective: {minimize: params}\n  subject_to: \"test_accuracy >= 0.5\"\n",
		    &plan), "(loaded)", "a sweep to queue");
	sweep_plan_free(&plan);
	ok(store_open(&s, store_dir, &err) == DL_OK, "a store");
	ok(enqueue_plan(&plan, path, &o, &err) == DL_OK &&
	   enqueue_queue(s, &plan, &o, &first, &last, &sweep, &err) == DL_OK &&
	   last - first == 5, "queued: 6 runs (%s)", err.msg);
	ok(store_get_sweep(s, sweep, &sw, &err) == DL_OK && !strcmp(sw.objective, "params") &&
	   !sw.maximize && !strcmp(sw.constraint_metric, "test_accuracy") &&
	   sw.constraint_at_least && sw.constraint_value == 0.5 && !strcmp(sw.search, "grid") &&
	   sw.planned_points == 6 && !strcmp(sw.name, "t"), "its row names its objective");
	sweep_plan_free(&plan);
	store_close(s);
}

int main(void)
{
	char path[128];

	snprintf(dir, sizeof dir, "/tmp/dl-test-sweep-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_bad();
	test_objective();
	test_queued();
	test_random();
	test_tpe_plan();
	test_tpe();
	test_scores();
	test_prune();
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
