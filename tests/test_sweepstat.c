/* The sweep analysis (src/tui/sweepstat.h) on hand-computed cases: keys
 * and values read from sweep points, means and spreads over repeats, the
 * variance share of each key, the best point and run (under a
 * constraint), log spacing and progress. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "tui/sweepstat.h"

static struct store_row row(int64_t id, int64_t sweep, const char *point, enum store_status st)
{
	struct store_row r = {.id = id, .status = st, .sweep_id = sweep};

	snprintf(r.name, sizeof r.name, "demo");
	snprintf(r.sweep_point, sizeof r.sweep_point, "%s", point);
	r.loss = r.accuracy = r.val_loss = r.val_accuracy = NAN;
	r.test_loss = r.test_accuracy = r.best_val_accuracy = r.seconds = NAN;
	return r;
}

/* One key, two repeats a point, queued 15 first so that sorting shows:
 *   units=5: .80 .84  mean .82  spread sqrt(.02^2 + .02^2) = .028284
 *   units=10: .90 .92 mean .91  spread .014142
 *   units=15: .91 .95 mean .93  spread .028284
 * grand mean 5.32 / 6; total SS .0155333; between 2 (.82 - m)^2 + ... =
 * .0137333; share = 206 / 233. A running run and a run of another sweep
 * change nothing. */
static void test_one_key(void)
{
	struct store_row rows[9];
	struct sweep_goal g;
	struct sweep_stats s;
	struct dl_error err;
	const double acc[] = {.91, .95, .80, .84, .90, .92};
	const char *points[] = {"units=15", "units=15", "units=5", "units=5", "units=10", "units=10"};
	char buf[16];

	for (int i = 0; i < 6; i++) {
		rows[i] = row(10 + i, 3, points[i], STORE_DONE);
		rows[i].test_accuracy = acc[i];
	}
	rows[6] = row(16, 3, "units=10", STORE_RUNNING);
	rows[6].val_accuracy = .99;     /* a running run's epoch is no result */
	rows[7] = row(17, 4, "units=5", STORE_DONE);
	rows[7].test_accuracy = .10;
	rows[8] = row(18, 3, "units=20", STORE_QUEUED);
	sweep_goal_default(&g, rows, 9, 3);
	is_str(g.objective, "val_accuracy", "a sweep with a validation accuracy somewhere uses it");
	rows[6].val_accuracy = NAN;
	sweep_goal_default(&g, rows, 9, 3);
	is_str(g.objective, "test_accuracy", "else test accuracy");
	ok(g.maximize && !g.constraint[0], "maximised, no constraint");
	ok(sweep_stats_build(&s, rows, 9, 3, &g, &err) == DL_OK, "built");
	is_int(s.n_keys, 1, "one key");
	is_str(s.keys[0].name, "units", "named by the point");
	is_int(s.keys[0].n_values, 4, "four values (one only queued)");
	ok(s.keys[0].numeric && !s.keys[0].log_spaced, "numeric, linear");
	is_str(s.keys[0].values[0], "5", "sorted by number: 5");
	is_str(s.keys[0].values[1], "10", "10");
	is_str(s.keys[0].values[2], "15", "15");
	is_int(s.n_points, 4, "four points");
	is_int(s.points[0].value[0], 2, "the first point queued (units=15) is value 2");
	is_int(s.points[1].value[0], 0, "units=5 is value 0");
	is_int(s.n_trials, 6, "six finished runs");
	is_near(s.points[1].mean, .82, 1e-12, "units=5 mean");
	is_near(s.points[1].spread, sqrt(.0008), 1e-12, "units=5 spread");
	is_near(s.points[2].mean, .91, 1e-12, "units=10 mean");
	is_near(s.points[2].spread, sqrt(.0002), 1e-12, "units=10 spread");
	is_int(s.points[2].runs, 3, "units=10 has three runs");
	is_int(s.points[2].done, 2, "two of them done");
	ok(isnan(s.points[3].mean) && s.points[3].runs == 1, "units=20 has no result yet");
	is_near(s.keys[0].share, 206.0 / 233.0, 1e-9, "share: between / total = 206/233");
	is_int(s.keys[0].groups, 3, "three values compared");
	is_int(s.best_point, 0, "best point: units=15 (mean .93)");
	is_int(s.best_trial, 1, "best run: .95");
	is_int(s.trials[s.best_trial].id, 11, "run 11");
	is_int(s.best_feasible, 1, "without a constraint every run meets it");
	is_int(s.progress.runs, 8, "8 runs in the sweep");
	is_int(s.progress.done, 6, "6 done");
	is_int(s.progress.running, 1, "1 running");
	is_int(s.progress.queued, 1, "1 queued");
	is_near(s.lo, .80, 0, "lowest objective");
	is_near(s.hi, .95, 0, "highest");
	is_str(sweep_format(&g, .93, buf, sizeof buf), ".9300", "accuracy printed as .9300");
	is_str(sweep_format(&g, .99996, buf, sizeof buf), "1.000", "rounding to one says 1.000");
	is_str(sweep_format(&g, NAN, buf, sizeof buf), "-", "none is -");
	sweep_stats_free(&s);
}

/* Two keys, one run a point, params minimised subject to test accuracy
 * >= .9:
 *         b=x          b=y
 *   a=1   1 (.85)      3 (.91)
 *   a=2   5 (.95)      7 (.97)
 * grand mean 4, total SS 9 + 1 + 1 + 9 = 20; a's means 2 and 6: between
 * 2*4 + 2*4 = 16, share .8; b's means 3 and 5: between 4, share .2. The
 * best run is params 1, which misses the constraint; the best meeting it
 * is params 3. */
static void test_two_keys_constraint(void)
{
	const char *points[] = {"a=1 b=x", "a=1 b=y", "a=2 b=x", "a=2 b=y"};
	const double test[] = {.85, .91, .95, .97};
	struct sweep_goal g = {.objective = "params", .maximize = 0, .constraint = "test_accuracy",
			       .at_least = 1, .bound = .9};
	struct store_row rows[4];
	struct sweep_stats s;
	struct dl_error err;
	int order[2];

	for (int i = 0; i < 4; i++) {
		rows[i] = row(i + 1, 1, points[i], STORE_DONE);
		rows[i].params = 1 + 2 * i;
		rows[i].test_accuracy = test[i];
	}
	ok(sweep_stats_build(&s, rows, 4, 1, &g, &err) == DL_OK, "built");
	is_int(s.n_keys, 2, "two keys");
	ok(!s.keys[1].numeric, "b is not numeric");
	is_str(s.keys[1].values[1], "y", "its values in queue order");
	is_near(s.keys[0].share, .8, 1e-12, "a explains .8");
	is_near(s.keys[1].share, .2, 1e-12, "b explains .2");
	is_int(s.keys[1].groups, 2, "two groups of two runs");
	sweep_keys_by_share(&s, order);
	ok(order[0] == 0 && order[1] == 1, "a ranks first");
	is_int(s.best_point, 0, "best point a=1 b=x (minimised)");
	is_int(s.best_trial, 0, "best run params 1");
	is_int(s.best_feasible, 1, "best meeting test_accuracy >= .9: params 3");
	is_int(s.n_feasible, 3, "three runs meet it");
	is_int(sweep_point_at(&s, 1, 0), 2, "the cell a=2 b=x is point 2");
	is_int(sweep_point_at(&s, 1, 2), -1, "no such cell");
	g.bound = .98;
	sweep_stats_free(&s);
	ok(sweep_stats_build(&s, rows, 4, 1, &g, &err) == DL_OK, "built again");
	ok(s.best_feasible == -1 && s.n_feasible == 0, "none meets >= .98, and it says so");
	sweep_stats_free(&s);
}

/* A value with a space in it stays whole: "layers=[a, b] lr=1". */
static void test_split(void)
{
	struct store_row rows[2] = {row(1, 1, "layers=[a, b] lr=1", STORE_QUEUED),
				    row(2, 1, "layers=[c] lr=0.1", STORE_QUEUED)};
	struct sweep_goal g = {.objective = "val_accuracy", .maximize = 1};
	struct sweep_stats s;
	struct dl_error err;

	ok(sweep_stats_build(&s, rows, 2, 1, &g, &err) == DL_OK, "built");
	is_int(s.n_keys, 2, "two keys");
	is_str(s.keys[0].values[0], "[a, b]", "a value with spaces kept whole");
	is_str(s.keys[1].name, "lr", "the next key after it");
	ok(s.keys[1].log_spaced, "two values a factor of 10 apart are log-spaced");
	ok(isnan(s.keys[0].share), "nothing finished: no share");
	is_int(s.best_point, -1, "no best point");
	sweep_stats_free(&s);
}

static int spacing_of(const char *const *values, int n)
{
	struct store_row rows[8];
	struct sweep_goal g = {.objective = "val_accuracy", .maximize = 1};
	struct sweep_stats s;
	struct dl_error err;
	char point[64];
	int log;

	for (int i = 0; i < n; i++) {
		snprintf(point, sizeof point, "k=%s", values[i]);
		rows[i] = row(i + 1, 1, point, STORE_QUEUED);
	}
	if (sweep_stats_build(&s, rows, n, 1, &g, &err) != DL_OK)
		return -1;
	log = s.keys[0].log_spaced;
	sweep_stats_free(&s);
	return log;
}

static void test_log_spacing(void)
{
	const char *lr[] = {"0.1", "0.001", "0.01"}, *units[] = {"5", "10", "15"};
	const char *pow2[] = {"16", "32", "64", "128"}, *two[] = {"1", "2"};
	const char *neg[] = {"-1", "1", "10"};

	is_int(spacing_of(lr, 3), 1, "0.001 0.01 0.1 is log-spaced");
	is_int(spacing_of(units, 3), 0, "5 10 15 is not");
	is_int(spacing_of(pow2, 4), 1, "16 32 64 128 is");
	is_int(spacing_of(two, 2), 0, "1 2 is not");
	is_int(spacing_of(neg, 3), 0, "a negative value never is");
}

/* Twelve values of one key, one run each, objective 1 at odd values: more
 * than SWEEP_BIN_ABOVE values, so four bins of three by value: {1,2,3}
 * mean 2/3, {4,5,6} 1/3, {7,8,9} 2/3, {10,11,12} 1/3; grand mean 1/2;
 * between 4 * 3 * (1/6)^2 = 1/3; total 12 * 1/4 = 3; share 1/9 (where a
 * group per value would say 1). Statuses are counted. */
static void test_bins_and_progress(void)
{
	struct store_row rows[16];
	struct sweep_goal g = {.objective = "test_accuracy", .maximize = 1};
	struct sweep_stats s;
	struct dl_error err;
	const enum store_status other[] = {STORE_FAILED, STORE_DIVERGED, STORE_PAUSED,
					   STORE_INTERRUPTED};

	for (int i = 0; i < 12; i++) {
		char point[32];

		snprintf(point, sizeof point, "w=%d", 12 - i);
		rows[i] = row(i + 1, 7, point, STORE_DONE);
		rows[i].test_accuracy = (12 - i) % 2;
	}
	for (int i = 0; i < 4; i++) {
		rows[12 + i] = row(13 + i, 7, "w=99", other[i]);
		rows[12 + i].test_accuracy = 1;         /* not done: not counted */
	}
	ok(sweep_stats_build(&s, rows, 16, 7, &g, &err) == DL_OK, "built");
	is_int(s.keys[0].n_values, 13, "13 values");
	is_int(s.n_trials, 12, "12 finished");
	is_near(s.keys[0].share, 1.0 / 9.0, 1e-12, "binned share 1/9");
	is_int(s.keys[0].groups, SWEEP_BINS, "in SWEEP_BINS groups");
	is_int(s.progress.failed, 2, "failed and diverged count as failed");
	is_int(s.progress.other, 2, "paused and interrupted as other");
	is_int(s.progress.done, 12, "12 done");
	sweep_stats_free(&s);
}

int main(void)
{
	test_one_key();
	test_two_keys_constraint();
	test_split();
	test_log_spacing();
	test_bins_and_progress();
	return tap_done();
}
