/* Queueing experiment files (enqueue.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/enqueue.h"
#include "train/summary.h"
#include "train/trainer.h"

int enqueue_plan(struct sweep_plan *plan, const char *path, const struct enqueue_opts *o,
		 struct dl_error *err)
{
	if (trainer_load_plan(plan, path, o->sets, o->n_sets, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < plan->n; i++) {
		const struct experiment *e = &plan->runs[i].exp;

		if (nn_model_spec_check(&e->model, e->train.loss, err) != DL_OK) {
			snprintf(err->file, sizeof err->file, "%s", path);
			if (plan->has_sweep)
				dl_error_prefix(err, "sweep point %s", plan->runs[i].point);
			sweep_plan_free(plan);
			return DL_ERR;
		}
	}
	return DL_OK;
}

/* A growing sweep's --set overrides, one a line, malloc'd. */
static char *join_sets(const struct sweep_plan *plan)
{
	size_t len = 1;
	char *text;

	for (int i = 0; i < plan->n_sets; i++)
		len += strlen(plan->sets[i]) + 1;
	if (!(text = malloc(len)))
		return NULL;
	text[0] = '\0';
	for (int i = 0; i < plan->n_sets; i++) {
		strcat(text, plan->sets[i]);
		strcat(text, "\n");
	}
	return text;
}

/* The sweep's row: its objective, how it searches and prunes, and for a
 * growing sweep what its next points are made from. */
static int add_sweep(struct store *s, const struct sweep_plan *plan, int64_t *sweep,
		     struct dl_error *err)
{
	static const char *const prune_names[] = {
		[SWEEP_PRUNE_NONE] = "", [SWEEP_PRUNE_ASHA] = "asha", [SWEEP_PRUNE_MEDIAN] = "median",
	};
	const struct sweep_objective *o = &plan->objective;
	const struct sweep_pruning *p = &plan->pruning;
	struct store_sweep sw = {.maximize = o->maximize, .constraint_at_least = o->at_least,
				 .constraint_value = o->constraint_value,
				 .planned_points = plan->planned,
				 .prune_min_epochs = p->min_epochs,
				 .prune_factor = p->reduction_factor, .prune_min_runs = p->min_runs};
	char *sets;
	int rc;

	snprintf(sw.name, sizeof sw.name, "%s", plan->runs[0].exp.name);
	snprintf(sw.objective, sizeof sw.objective, "%s", sweep_metric_names[o->metric]);
	if (o->has_constraint)
		snprintf(sw.constraint_metric, sizeof sw.constraint_metric, "%s",
			 sweep_metric_names[o->constraint_metric]);
	snprintf(sw.search, sizeof sw.search, "%s", sweep_search_names[plan->search]);
	snprintf(sw.prune, sizeof sw.prune, "%s", prune_names[p->rule]);
	if (store_create_sweep(s, &sw, sweep, err) != DL_OK)
		return DL_ERR;
	if (!plan->growing)
		return DL_OK;
	if (!(sets = join_sets(plan)))
		return dl_error_set(err, "out of memory queueing the sweep");
	rc = store_set_sweep_source(s, *sweep, plan->text, plan->path, sets, err);
	free(sets);
	return rc;
}

int enqueue_queue(struct store *s, const struct sweep_plan *plan, const struct enqueue_opts *o,
		  int64_t *first, int64_t *last, int64_t *sweep, struct dl_error *err)
{
	struct store_new_run *runs = calloc((size_t)plan->n, sizeof *runs);
	char **yaml = calloc((size_t)plan->n, sizeof *yaml);
	char **summary = calloc((size_t)plan->n, sizeof *summary);
	int64_t *ids = calloc((size_t)plan->n, sizeof *ids);
	int rc = DL_ERR;

	*sweep = 0;
	if (!runs || !yaml || !summary || !ids) {
		dl_error_set(err, "out of memory queueing %d runs", plan->n);
		goto out;
	}
	for (int i = 0; i < plan->n; i++) {
		const struct sweep_run *r = &plan->runs[i];
		struct experiment exp = r->exp;
		int threads = o->threads != 0 ? o->threads : exp.train.threads;

		/* auto is resolved by the worker within the cores the pool gives
		 * the run, which asks for them all */
		if (threads == TRAIN_THREADS_AUTO) {
			exp.train.threads = TRAIN_THREADS_AUTO;
			threads = ENQUEUE_THREADS_ALL;
		}
		if (!(yaml[i] = experiment_to_yaml(&exp))) {
			dl_error_set(err, "out of memory queueing %d runs", plan->n);
			goto out;
		}
		if (model_summary_text(&r->exp, &summary[i], err) != DL_OK)
			goto out;
		runs[i] = (struct store_new_run){
			.name = r->exp.name, .yaml = yaml[i], .priority = o->priority,
			.after = o->after, .sweep_point = plan->has_sweep ? r->point : NULL, .repeat = r->repeat,
			.threads = threads < 1 ? 1 : threads, .summary = summary[i],
			.planned_epochs = r->exp.train.epochs,
			.sweep_values = plan->has_sweep ? r->values : NULL,
		};
	}
	/* the sweep only once every run is ready to go in: no empty sweeps */
	if (plan->has_sweep && add_sweep(s, plan, sweep, err) != DL_OK)
		goto out;
	for (int i = 0; i < plan->n; i++)
		runs[i].sweep_id = *sweep;
	if (store_add_runs(s, runs, plan->n, ids, err) != DL_OK)
		goto out;
	*first = ids[0];
	*last = ids[plan->n - 1];
	rc = DL_OK;
out:
	for (int i = 0; yaml && i < plan->n; i++)
		free(yaml[i]);
	for (int i = 0; summary && i < plan->n; i++)
		free(summary[i]);
	free(yaml);
	free(summary);
	free(runs);
	free(ids);
	return rc;
}
