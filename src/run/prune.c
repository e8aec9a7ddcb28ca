/* Stopping a sweep's weak runs early (prune.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/prune.h"

int prune_asha_rung(int epoch, int min_epochs, int factor, int max_epochs)
{
	long rung = min_epochs;

	if (min_epochs < 1 || factor < 2)
		return 0;
	for (; rung < max_epochs; rung *= factor)
		if (rung == epoch)
			return 1;
	return 0;
}

static int cmp_up(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Optuna's _is_trial_promotable_to_next_rung: of the n + 1 values at the
 * rung, the best (n + 1) / factor go on, and at least one. */
int prune_asha_decide(double value, const double *others, int n, int factor, int maximize)
{
	double *all = malloc(sizeof(double) * (size_t)(n + 1)), bar;
	int k = (n + 1) / factor - 1;

	if (!all || isnan(value)) {
		free(all);
		return !all ? 0 : 1;
	}
	for (int i = 0; i < n; i++)
		all[i] = maximize ? -others[i] : others[i];
	all[n] = maximize ? -value : value;
	qsort(all, (size_t)(n + 1), sizeof *all, cmp_up);
	if (k < 0)
		k = 0;
	bar = all[k];
	free(all);
	return (maximize ? -value : value) > bar;
}

int prune_median_decide(double best, const double *done_values, int n, int min_runs,
			int maximize)
{
	double *v, median;

	if (n < min_runs || n < 1)
		return 0;
	if (!(v = malloc(sizeof(double) * (size_t)n)))
		return 0;
	memcpy(v, done_values, sizeof(double) * (size_t)n);
	qsort(v, (size_t)n, sizeof *v, cmp_up);
	median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
	free(v);
	if (isnan(best))
		return 1;
	return maximize ? best < median : best > median;
}

/* An objective's stand-in measured every epoch. */
static const char *epoch_metric(const char *metric, int has_val, int *maximize)
{
	*maximize = 1;
	if (!strcmp(metric, "val_accuracy") || !strcmp(metric, "test_accuracy"))
		return has_val ? "val_accuracy" : "accuracy";
	*maximize = 0;
	if (!strcmp(metric, "val_loss"))
		return has_val ? "val_loss" : "loss";
	if (!strcmp(metric, "loss"))
		return "loss";
	return NULL;
}

const char *prune_metric(const struct store_sweep *sw, int has_val, int *maximize)
{
	const char *m = epoch_metric(sw->objective, has_val, maximize);

	if (!m && sw->constraint_metric[0])
		m = epoch_metric(sw->constraint_metric, has_val, maximize);
	return m;
}

int pruner_init(struct pruner *p, struct store *s, int64_t run_id, const struct experiment *e,
		int *active, struct dl_error *err)
{
	struct store_run r;
	int found;

	memset(p, 0, sizeof *p);
	*active = 0;
	if (store_get_run(s, run_id, &r, &found, err) != DL_OK)
		return DL_ERR;
	if (!found)
		return dl_error_set(err, "no run %lld", (long long)run_id);
	p->sweep.id = r.row.sweep_id;
	store_run_free(&r);
	if (!p->sweep.id)
		return DL_OK;
	if (store_get_sweep(s, p->sweep.id, &p->sweep, err) != DL_OK)
		return DL_ERR;
	if (!p->sweep.prune[0])
		return DL_OK;
	p->column = prune_metric(&p->sweep, e->data.validation != DATA_VAL_NONE, &p->maximize);
	if (!p->column)
		return DL_OK;
	p->store = s;
	p->run_id = run_id;
	p->max_epochs = e->train.epochs;
	p->best = NAN;
	*active = 1;
	return DL_OK;
}

static double metric_value(const struct epoch_metrics *m, const char *column)
{
	if (!strcmp(column, "loss"))
		return m->loss;
	if (!strcmp(column, "accuracy"))
		return m->accuracy;
	if (!strcmp(column, "val_loss"))
		return m->val_loss;
	return m->val_accuracy;
}

int pruner_check(void *ctx, const struct epoch_metrics *m, char *why, size_t size)
{
	struct pruner *p = ctx;
	const struct store_sweep *sw = &p->sweep;
	double v = metric_value(m, p->column), *others;
	struct dl_error err;
	int asha = !strcmp(sw->prune, "asha"), n, stop;

	if (!isnan(v) && (isnan(p->best) || (p->maximize ? v > p->best : v < p->best)))
		p->best = v;
	if (p->failed)
		return 0;
	if (asha ? !prune_asha_rung(m->epoch, sw->prune_min_epochs, sw->prune_factor,
				    p->max_epochs) : m->epoch <= sw->prune_min_epochs)
		return 0;
	if (store_epoch_values(p->store, sw->id, m->epoch, p->column, p->run_id, !asha, &others,
			       &n, &err) != DL_OK) {
		p->failed = 1;
		return 0;
	}
	if (asha) {
		stop = prune_asha_decide(v, others, n, sw->prune_factor, p->maximize);
		if (stop)
			snprintf(why, size, "pruned after epoch %d: %s %.4f is not among the best 1/%d "
				 "of the %d runs at this rung", m->epoch, p->column, v,
				 sw->prune_factor, n + 1);
	} else {
		stop = prune_median_decide(p->best, others, n, sw->prune_min_runs, p->maximize);
		if (stop)
			snprintf(why, size, "pruned after epoch %d: its best %s %.4f is worse than "
				 "the median of %d finished runs", m->epoch, p->column, p->best, n);
	}
	free(others);
	return stop;
}
