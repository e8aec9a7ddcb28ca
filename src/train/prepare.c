/*
 * prepare.c - an experiment as the trainer takes it (trainer.h): parsed,
 * its model's input shape filled from its data source, and its model
 * checked against that data.
 *
 * The experiment parser (spec) knows nothing of data sets, so it leaves
 * model.input zero; this is the one place that fills it. Every function
 * here writes its result only when the whole of it is ready, so a caller
 * never holds an experiment whose model has no input shape.
 */
#include <stdio.h>
#include <stdlib.h>

#include "data/dataset.h"
#include "spec/sweep.h"
#include "train/trainer.h"

/* The model's input: the shape of one sample of the data source. */
static int fill_input(struct experiment *e, struct dl_error *err)
{
	int c, h, w;

	if (data_input_shape(&e->data, &c, &h, &w, err) != DL_OK)
		return DL_ERR;
	e->model.input = (struct nn_shape){c, h, w};
	return DL_OK;
}

int trainer_fill_input(struct experiment *e, struct dl_error *err)
{
	return fill_input(e, err);
}

int trainer_parse_experiment(struct experiment *exp, const char *text, size_t len,
			     const char *display_name, const char *const *overrides,
			     int n_overrides, struct dl_error *err)
{
	struct experiment e;

	if (experiment_parse(&e, text, len, display_name, overrides, n_overrides, err) != DL_OK ||
	    fill_input(&e, err) != DL_OK)
		return DL_ERR;
	*exp = e;
	return DL_OK;
}

int trainer_load_experiment(struct experiment *exp, const char *path,
			    const char *const *overrides, int n_overrides,
			    struct dl_error *err)
{
	struct experiment e;

	if (experiment_load(&e, path, overrides, n_overrides, err) != DL_OK ||
	    fill_input(&e, err) != DL_OK)
		return DL_ERR;
	*exp = e;
	return DL_OK;
}

int trainer_load_plan(struct sweep_plan *plan, const char *path,
		      const char *const *overrides, int n_overrides, struct dl_error *err)
{
	if (sweep_plan_load(plan, path, overrides, n_overrides, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < plan->n; i++) {
		if (fill_input(&plan->runs[i].exp, err) == DL_OK)
			continue;
		/* an unreadable IDX file names itself; anything else is the
		 * experiment file's */
		if (err && !err->file[0])
			snprintf(err->file, sizeof err->file, "%s", path);
		if (plan->has_sweep)
			dl_error_prefix(err, "sweep point %s", plan->runs[i].point);
		sweep_plan_free(plan);
		return DL_ERR;
	}
	return DL_OK;
}

int trainer_check_model(const struct experiment *exp, int n_classes, struct dl_error *err)
{
	const struct nn_model_spec *spec = &exp->model;
	const struct nn_layer_spec *last;

	if (nn_model_spec_check(spec, exp->train.loss, err) != DL_OK)
		return DL_ERR;
	last = &spec->layers[spec->n_layers - 1];
	if (n_classes > 0 && last->kind == NN_LAYER_DENSE && last->units != n_classes)
		return dl_error_set(err,
			"the last layer has %d units but the data has %d classes",
			last->units, n_classes);
	if (n_classes > TRAIN_MAX_CLASSES)
		return dl_error_set(err, "at most %d classes are supported, the data has %d",
				    TRAIN_MAX_CLASSES, n_classes);
	return DL_OK;
}

int trainer_threads(const struct experiment *exp, int train_n, int asked, int max_threads)
{
	int threads = asked != 0 ? asked : exp->train.threads;
	int batch = exp->train.batch_size;

	if (threads != TRAIN_THREADS_AUTO)
		return threads < 1 ? 1 : threads;
	if (batch == 0 || batch > train_n)
		batch = train_n;
	return nn_model_auto_threads(&exp->model, batch, max_threads < 1 ? 1 : max_threads);
}
