/* A TPE sweep's points, proposed as workers free up (grow.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/grow.h"
#include "train/summary.h"
#include "train/trainer.h"

/* What a run is ranked by: a tier (higher is better), then a key. */
struct rank {
	int index, tier;
	double key;
};

static double metric_of(const struct store_sweep_run *r, enum sweep_metric m)
{
	switch (m) {
	case SWEEP_METRIC_VAL_ACCURACY: return r->val_accuracy;
	case SWEEP_METRIC_TEST_ACCURACY: return r->test_accuracy;
	case SWEEP_METRIC_VAL_LOSS: return r->val_loss;
	case SWEEP_METRIC_LOSS: return r->loss;
	case SWEEP_METRIC_PARAMS: return r->params > 0 ? (double)r->params : NAN;
	case SWEEP_METRIC_SECONDS: return r->seconds;
	}
	return NAN;
}

/* tier 3: done and meets the constraint, by the objective; 2: done and
 * misses it (or has no objective value), by how little; 1: pruned, by the
 * epochs reached; 0: diverged. -1: teaches nothing. */
static struct rank rank_of(const struct sweep_objective *o, const struct store_sweep_run *r,
			   int index)
{
	struct rank k = {index, -1, 0};
	double v, c, miss = 0;

	switch (r->status) {
	case STORE_DONE:
		v = metric_of(r, o->metric);
		if (o->has_constraint) {
			c = metric_of(r, o->constraint_metric);
			miss = isnan(c) ? INFINITY : o->at_least ? o->constraint_value - c :
			       c - o->constraint_value;
		}
		if (isnan(v) || miss > 0) {
			k.tier = 2;
			k.key = isnan(v) && miss <= 0 ? -INFINITY : -miss;
		} else {
			k.tier = 3;
			k.key = o->maximize ? v : -v;
		}
		return k;
	case STORE_PRUNED: k.tier = 1; k.key = r->epochs; return k;
	case STORE_DIVERGED: k.tier = 0; return k;
	default: return k;
	}
}

static int cmp_rank(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	if (x->tier != y->tier)
		return x->tier - y->tier;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return y->index - x->index;     /* of equals, the earlier ranks higher */
}

void grow_scores(const struct sweep_objective *o, const struct store_sweep_run *runs, int n,
		 double *scores)
{
	struct rank *r = malloc(sizeof *r * (size_t)(n > 0 ? n : 1));
	int m = 0;

	for (int i = 0; i < n; i++)
		scores[i] = NAN;
	if (!r)
		return;
	for (int i = 0; i < n; i++) {
		struct rank k = rank_of(o, &runs[i], i);

		if (k.tier >= 0)
			r[m++] = k;
	}
	qsort(r, (size_t)m, sizeof *r, cmp_rank);
	for (int i = 0; i < m; i++)
		scores[r[i].index] = i;
	free(r);
}

/* The caller's overrides, kept one a line, as an array into text (which
 * is changed). */
static int split_sets(char *text, char **sets, int max)
{
	char *line = text, *nl;
	int n = 0;

	while (*line && n < max) {
		sets[n++] = line;
		if (!(nl = strchr(line, '\n')))
			break;
		*nl = '\0';
		line = nl + 1;
	}
	return n;
}

/* The observations TPE learns from: coordinates and scores of the runs
 * that teach something. Returns how many, or -1 out of memory. */
static int observations(const struct sweep_plan *plan, const struct store_sweep_run *runs,
			int n, double **xs, double **scores)
{
	int dims = plan->space.n, m = 0;
	double *all = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));

	*xs = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1) * (size_t)dims);
	*scores = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
	if (!all || !*xs || !*scores) {
		free(all);
		return -1;
	}
	grow_scores(&plan->objective, runs, n, all);
	for (int i = 0; i < n; i++) {
		if (isnan(all[i]) ||
		    sweep_parse_values(runs[i].values, *xs + (size_t)m * dims, dims) != dims)
			continue;
		(*scores)[m++] = all[i];
	}
	free(all);
	return m;
}

/* A proposed point as a run ready to queue: parsed, its input filled, its
 * model checked. */
static int make_point(const struct sweep_plan *plan, const double *x, struct sweep_run *r,
		      struct dl_error *err)
{
	if (sweep_plan_point(plan, x, 0, r, err) != DL_OK ||
	    trainer_fill_input(&r->exp, err) != DL_OK ||
	    nn_model_spec_check(&r->exp.model, r->exp.train.loss, err) != DL_OK) {
		if (!err->file[0])
			snprintf(err->file, sizeof err->file, "%.*s", (int)sizeof err->file - 1, plan->path);
		return DL_ERR;
	}
	return DL_OK;
}

/* Propose point k (runs[0..k) the sweep's runs so far) into *r. */
static int propose(const struct sweep_plan *plan, const struct store_sweep_run *runs, int k,
		   struct sweep_run *r, struct dl_error *err)
{
	double *xs, *scores, x[SWEEP_MAX_DIMS];
	int n_obs = observations(plan, runs, k, &xs, &scores), rc = DL_ERR;

	if (n_obs < 0) {
		free(xs);
		free(scores);
		return dl_error_set(err, "out of memory proposing a point");
	}
	for (int attempt = 0; attempt < GROW_ATTEMPTS && rc != DL_OK; attempt++) {
		dl_error_clear(err);
		sweep_tpe_propose(&plan->space, xs, scores, n_obs,
				  sweep_point_seed(plan->seed, k) + (uint64_t)attempt, x);
		rc = make_point(plan, x, r, err);
	}
	free(xs);
	free(scores);
	return rc;
}

/* Queue run r as run k of the sweep, with the first run's priority and
 * threads. */
static int queue_point(struct store *s, int64_t sweep, const struct store_sweep_run *runs,
		       int k, const struct sweep_run *r, int64_t *added, struct dl_error *err)
{
	struct store_run first;
	struct store_new_run nr;
	char *yaml = NULL, *summary = NULL;
	int found = 0, grew = 0, rc = DL_ERR;
	int64_t id;

	memset(&first, 0, sizeof first);
	if (k > 0 && store_get_run(s, runs[0].id, &first, &found, err) != DL_OK)
		return DL_ERR;
	if (!(yaml = experiment_to_yaml(&r->exp))) {
		dl_error_set(err, "out of memory queueing a sweep point");
		goto out;
	}
	if (model_summary_text(&r->exp, &summary, err) != DL_OK)
		goto out;
	nr = (struct store_new_run){
		.name = r->exp.name, .yaml = yaml, .priority = found ? first.row.priority : 0,
		.sweep_id = sweep, .sweep_point = r->point, .repeat = 0,
		.threads = found ? first.threads : 1, .summary = summary,
		.planned_epochs = r->exp.train.epochs, .sweep_values = r->values,
	};
	if (store_grow_sweep(s, sweep, &nr, k, &id, &grew, err) != DL_OK)
		goto out;
	*added = grew ? id : 0;
	rc = DL_OK;
out:
	if (found)
		store_run_free(&first);
	free(yaml);
	free(summary);
	return rc;
}

/* A sweep that cannot grow is stopped, so that it is not tried again and
 * again; err says why (the caller's log). */
static int give_up(struct store *s, int64_t sweep, struct dl_error *err)
{
	struct dl_error ignored;
	char why[sizeof err->msg + 64];

	dl_error_format(err, why, sizeof why);
	store_stop_sweep(s, sweep, &ignored);
	return dl_error_set(err, "sweep %lld grows no more: %s", (long long)sweep, why);
}

static int grow_one(struct store *s, int64_t sweep, int64_t *added, struct dl_error *err)
{
	char *text, *path, *set_text, *sets[SWEEP_MAX_OVERRIDES];
	struct store_sweep_run *runs = NULL;
	struct sweep_plan plan;
	struct sweep_run r;
	int n_sets, n = 0, rc = DL_ERR;

	if (store_get_sweep_source(s, sweep, &text, &path, &set_text, err) != DL_OK)
		return DL_ERR;
	n_sets = split_sets(set_text, sets, SWEEP_MAX_OVERRIDES);
	if (sweep_plan_load_text(&plan, text, strlen(text), path, (const char *const *)sets,
				 n_sets, err) != DL_OK) {
		rc = give_up(s, sweep, err);
		goto out;
	}
	if (store_sweep_runs(s, sweep, &runs, &n, err) != DL_OK)
		goto out_plan;
	if (propose(&plan, runs, n, &r, err) != DL_OK) {
		rc = give_up(s, sweep, err);
		goto out_plan;
	}
	rc = queue_point(s, sweep, runs, n, &r, added, err);
out_plan:
	sweep_plan_free(&plan);
out:
	free(runs);
	free(text);
	free(path);
	free(set_text);
	return rc;
}

int sweep_grow(struct store *s, int64_t *added, struct dl_error *err)
{
	int64_t *ids;
	int n, rc = DL_OK;

	*added = 0;
	if (store_list_growing(s, 1, &ids, &n, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n && !*added && rc == DL_OK; i++)
		rc = grow_one(s, ids[i], added, err);
	free(ids);
	return rc;
}
