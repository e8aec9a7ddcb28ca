/* An image through a restored model (classify.h). */
#include <stdlib.h>
#include <string.h>

#include "data/image.h"
#include "train/analysis.h"
#include "train/classify.h"

int classify_prepare(const struct experiment *exp, const float *img, int h, int w, int inverted,
		     float *x)
{
	struct nn_shape in = exp->model.input;
	int n = nn_shape_size(in), rc;

	if (exp->data.source == DATA_MNIST)
		rc = image_frame_mnist(img, h, w, inverted, x, in.h, in.w);
	else
		rc = image_fit(img, h, w, inverted, x, in.h, in.w);
	if (rc != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n; i++)
		x[i] *= exp->data.scale;
	return DL_OK;
}

int classifier_open(struct classifier *c, const char *path, struct dl_error *err)
{
	struct nn_shape in;

	memset(c, 0, sizeof *c);
	c->best = -1;
	if (restore_model(path, 1, &c->r, err) != DL_OK)
		return DL_ERR;
	in = c->r.exp.model.input;
	c->k = nn_shape_size(nn_model_output_shape(c->r.model));
	c->in_h = in.h;
	c->in_w = in.w;
	c->n_in = nn_shape_size(in);
	c->x = calloc((size_t)c->n_in, sizeof *c->x);
	c->probs = calloc((size_t)c->k, sizeof *c->probs);
	c->saliency = calloc((size_t)c->n_in, sizeof *c->saliency);
	if (!c->x || !c->probs || !c->saliency) {
		classifier_close(c);
		return dl_error_set(err, "out of memory for a classifier of %d inputs", in.h * in.w);
	}
	return DL_OK;
}

int classifier_run(struct classifier *c, const float *img, int h, int w, int inverted,
		   struct dl_error *err)
{
	const struct experiment *exp = &c->r.exp;
	int channels = exp->model.input.c, plane = c->in_h * c->in_w;
	const float *out;
	float *sal;

	if (classify_prepare(exp, img, h, w, inverted, c->x) != DL_OK)
		return dl_error_set(err, "out of memory preparing a %dx%d image", h, w);
	if (!(out = nn_model_forward(c->r.model, c->x, 1, 0, NULL)))
		return dl_error_set(err, "the model refused a batch of one");
	memcpy(c->probs, out, sizeof *c->probs * (size_t)c->k);
	c->best = 0;
	for (int i = 1; i < c->k; i++)
		if (c->probs[i] > c->probs[c->best])
			c->best = i;
	if (!(sal = malloc(sizeof *sal * (size_t)c->n_in)))
		return dl_error_set(err, "out of memory for a saliency map");
	analysis_saliency(c->r.model, analysis_saliency_loss(&exp->model, exp->train.loss), c->x,
			  c->best, sal);
	for (int i = 0; i < plane; i++) {      /* channels-last: summed */
		c->saliency[i] = 0;
		for (int ch = 0; ch < channels; ch++)
			c->saliency[i] += sal[i * channels + ch];
	}
	free(sal);
	return DL_OK;
}

void classifier_close(struct classifier *c)
{
	restored_model_free(&c->r);
	free(c->x);
	free(c->probs);
	free(c->saliency);
	memset(c, 0, sizeof *c);
	c->best = -1;
}
