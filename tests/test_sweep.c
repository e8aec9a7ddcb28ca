/*
 * test_sweep.c - the sweep section of an experiment file: a table of bad
 * sweeps with the exact error each must give, and the objective a sweep
 * gets when it names none.
 */
#include "tap.h"

#include <stdlib.h>
#include <unistd.h>

#include "run/enqueue.h"
#include "spec/sweep.h"
#include "store/store.h"

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
	{BASE "sweep:\n  objectve: {minimize: params}\n",
	 "t.yaml:6:3: error: unknown key 'objectve' in sweep (expected grid, repeats, inits, "
	 "keep, objective or subject_to)"},
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
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
