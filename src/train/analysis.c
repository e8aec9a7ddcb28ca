/* Saliency maps and weight images (analysis.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/analysis.h"

void analysis_saliency(struct nn_model *m, enum nn_loss loss, const float *x, int label,
		       float *out)
{
	int n = nn_shape_size(nn_model_spec(m)->input);
	uint8_t y = (uint8_t)label;
	const float *dx;

	nn_model_set_input_grad(m, 1);
	nn_model_forward(m, x, 1, 0, NULL);
	nn_model_backward(m, loss, &y, 1);
	dx = nn_model_input_grad(m);
	for (int i = 0; i < n; i++)
		out[i] = dx ? -dx[i] * x[i] : 0.0f;
	nn_model_set_input_grad(m, 0);
}

size_t analysis_conv_index(int ky, int kx, int c, int f, int KW, int C, int F)
{
	return (((size_t)ky * KW + kx) * C + c) * F + f;
}

void analysis_scale_symmetric(float *v, size_t n)
{
	float top = 0.0f;

	for (size_t i = 0; i < n; i++)
		if (fabsf(v[i]) > top)
			top = fabsf(v[i]);
	for (size_t i = 0; i < n; i++)
		v[i] = top > 0.0f ? 0.5f * (v[i] / top + 1.0f) : 0.5f;
}

int analysis_first_weighted_layer(const struct nn_model *m)
{
	const struct nn_model_spec *s = nn_model_spec(m);

	for (int i = 0; i < s->n_layers; i++)
		if (s->layers[i].kind == NN_LAYER_DENSE || s->layers[i].kind == NN_LAYER_CONV2D)
			return i;
	return -1;
}

static size_t param_offset(const struct nn_model *m, int layer)
{
	size_t off = 0;

	for (int i = 0; i < layer; i++)
		off += nn_model_layer_param_count(m, i);
	return off;
}

/* The shape a layer reads: the model's input or the previous output, seen
 * through flatten and dropout layers back to the last image. */
static struct nn_shape image_read_by(const struct nn_model *m, int layer)
{
	const struct nn_model_spec *s = nn_model_spec(m);
	int i = layer - 1;

	while (i >= 0 && (s->layers[i].kind == NN_LAYER_FLATTEN ||
			  s->layers[i].kind == NN_LAYER_DROPOUT))
		i--;
	return i < 0 ? s->input : nn_model_layer_output(m, i);
}

static int alloc_images(struct weight_images *wi, int n, int h, int w, struct dl_error *err)
{
	wi->n = n;
	wi->h = h;
	wi->w = w;
	wi->pixels = calloc((size_t)n * h * w, sizeof(float));
	wi->captions = calloc((size_t)n, sizeof *wi->captions);
	if (!wi->pixels || !wi->captions) {
		weight_images_free(wi);
		return dl_error_set(err, "out of memory for %d weight images of %dx%d", n, h, w);
	}
	return DL_OK;
}

static int dense_images(const struct nn_model *m, int layer, const float *p,
			struct weight_images *wi, struct dl_error *err)
{
	struct nn_shape img = image_read_by(m, layer);
	int IN = nn_shape_size(img), OUT = nn_model_layer_output(m, layer).c;
	int h = img.h, w = img.w;

	if (img.c != 1 || h * w != IN) {
		/* a vector, or a map of several channels: a near-square layout */
		w = (int)ceil(sqrt((double)IN));
		h = (IN + w - 1) / w;
	}
	if (alloc_images(wi, OUT, h, w, err) != DL_OK)
		return DL_ERR;
	for (int u = 0; u < OUT; u++) {
		float *dst = wi->pixels + (size_t)u * h * w;

		for (int i = 0; i < IN; i++)
			dst[i] = p[(size_t)i * OUT + u];     /* W is (IN, OUT) */
		snprintf(wi->captions[u], sizeof wi->captions[u], "unit %d", u);
	}
	return DL_OK;
}

static int conv_images(const struct nn_model *m, int layer, const float *p,
		       struct weight_images *wi, struct dl_error *err)
{
	const struct nn_layer_spec *l = &nn_model_spec(m)->layers[layer];
	int KH = l->kernel_h, KW = l->kernel_w, F = l->filters;
	int C = layer ? nn_model_layer_output(m, layer - 1).c : nn_model_spec(m)->input.c;

	if (alloc_images(wi, F * C, KH, KW, err) != DL_OK)
		return DL_ERR;
	for (int f = 0; f < F; f++)
		for (int c = 0; c < C; c++) {
			float *dst = wi->pixels + (size_t)(f * C + c) * KH * KW;

			for (int ky = 0; ky < KH; ky++)
				for (int kx = 0; kx < KW; kx++)
					dst[ky * KW + kx] = p[analysis_conv_index(ky, kx, c, f, KW, C, F)];
			if (C == 1)
				snprintf(wi->captions[f * C + c], sizeof wi->captions[0], "f%d", f);
			else
				snprintf(wi->captions[f * C + c], sizeof wi->captions[0], "f%d c%d", f, c);
		}
	return DL_OK;
}

int analysis_weight_images(const struct nn_model *m, int layer, struct weight_images *out,
			   struct dl_error *err)
{
	const struct nn_model_spec *s = nn_model_spec(m);
	const float *p;

	memset(out, 0, sizeof *out);
	if (layer < 0 || layer >= s->n_layers)
		return dl_error_set(err, "the model has no layer %d (it has %d)", layer + 1,
				    s->n_layers);
	p = nn_model_params((struct nn_model *)m) + param_offset(m, layer);
	switch (s->layers[layer].kind) {
	case NN_LAYER_DENSE:
		return dense_images(m, layer, p, out, err);
	case NN_LAYER_CONV2D:
		return conv_images(m, layer, p, out, err);
	default:
		return dl_error_set(err, "layer %d (%s) has no weights to draw", layer + 1,
				    nn_layer_kind_name(s->layers[layer].kind));
	}
}

void weight_images_free(struct weight_images *wi)
{
	free(wi->pixels);
	free(wi->captions);
	memset(wi, 0, sizeof *wi);
}
