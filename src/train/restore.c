/* A trained model from its model file (restore.h). */
#include <stdio.h>
#include <string.h>

#include "train/checkpoint.h"
#include "train/restore.h"
#include "train/trainer.h"

/* "dense (64)", "conv2d (32, 14, 14)": a layer as the model file records it. */
static void describe(char *buf, size_t size, const uint32_t shape[4])
{
	const char *kind = nn_layer_kind_name((enum nn_layer_kind)shape[0]);

	if (shape[2] == 1 && shape[3] == 1)
		snprintf(buf, size, "%s (%u)", kind, shape[1]);
	else
		snprintf(buf, size, "%s (%u, %u, %u)", kind, shape[1], shape[2], shape[3]);
}

/* The file's layers (kind and output shape) and weight count against the
 * model its experiment builds: weights laid out for another model would
 * load without complaint and give nonsense. */
static int check_layers(const char *path, const struct checkpoint *c, const struct nn_model *m,
			struct dl_error *err)
{
	const struct nn_model_spec *spec = nn_model_spec(m);
	char file[64], built[64];

	if (c->n_layers != spec->n_layers)
		return dl_error_at(err, path, 0, 0, "the model file has %d layer%s but its "
				   "experiment builds %d", c->n_layers, c->n_layers == 1 ? "" : "s",
				   spec->n_layers);
	for (int i = 0; i < c->n_layers; i++) {
		struct nn_shape s = nn_model_layer_output(m, i);
		uint32_t want[4] = {(uint32_t)spec->layers[i].kind, (uint32_t)s.c, (uint32_t)s.h,
				    (uint32_t)s.w};

		if (!memcmp(want, c->layer_shapes[i], sizeof want))
			continue;
		describe(file, sizeof file, c->layer_shapes[i]);
		describe(built, sizeof built, want);
		return dl_error_at(err, path, 0, 0, "layer %d of the model file is %s but its "
				   "experiment builds %s", i + 1, file, built);
	}
	if (c->n_params != nn_model_param_count(m))
		return dl_error_at(err, path, 0, 0, "the model file holds %zu weights but its "
				   "experiment's model has %zu", c->n_params,
				   nn_model_param_count(m));
	return DL_OK;
}

int restore_model(const char *path, int max_batch, struct restored_model *out,
		  struct dl_error *err)
{
	struct checkpoint c;
	int rc = DL_ERR;

	memset(out, 0, sizeof *out);
	if (checkpoint_read(path, &c, err) != DL_OK)
		return DL_ERR;
	if (trainer_parse_experiment(&out->exp, c.yaml, strlen(c.yaml), path, NULL, 0,
				     err) != DL_OK ||
	    nn_model_new(&out->model, &out->exp.model, max_batch, err) != DL_OK ||
	    check_layers(path, &c, out->model, err) != DL_OK)
		goto out;
	memcpy(nn_model_params(out->model), c.params, sizeof(float) * c.n_params);
	out->epoch = c.epoch;
	out->n_classes = c.n_classes;
	memcpy(out->class_names, c.class_names, sizeof out->class_names);
	rc = DL_OK;
out:
	checkpoint_free(&c);
	if (rc != DL_OK)
		restored_model_free(out);
	return rc;
}

void restored_model_free(struct restored_model *r)
{
	nn_model_free(r->model);
	memset(r, 0, sizeof *r);
}
