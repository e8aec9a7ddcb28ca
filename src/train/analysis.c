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
	dx = nn_model_input_grad(m);            /* (1, IN), d(loss)/dx */
	for (int i = 0; i < n; i++)
		out[i] = dx ? -dx[i] * x[i] : 0.0f;
	nn_model_set_input_grad(m, 0);
}

enum nn_loss analysis_saliency_loss(const struct nn_model_spec *spec, enum nn_loss trained)
{
	struct dl_error ignored;

	return nn_model_spec_check(spec, NN_LOSS_CROSS_ENTROPY, &ignored) == DL_OK
	       ? NN_LOSS_CROSS_ENTROPY : trained;
}

size_t analysis_conv_index(int ky, int kx, int c, int f, int KW, int C, int F)
{
	return (((size_t)ky * KW + kx) * C + c) * F + f;
}

void analysis_kernel_images(const float *kernel, int KH, int KW, int C, int F, float *out)
{
	for (int f = 0; f < F; f++)
		for (int c = 0; c < C; c++) {
			float *img = out + ((size_t)f * C + c) * KH * KW;     /* (KH, KW) */

			for (int ky = 0; ky < KH; ky++)
				for (int kx = 0; kx < KW; kx++)
					img[ky * KW + kx] =
						kernel[analysis_conv_index(ky, kx, c, f, KW, C, F)];
		}
}

void analysis_dense_images(const float *W, int IN, int OUT, int C, int h, int w, float *out)
{
	int per_channel = IN / C;

	for (int u = 0; u < OUT; u++)
		for (int c = 0; c < C; c++) {
			float *img = out + ((size_t)u * C + c) * h * w;    /* (h, w) */

			/* input k of channel c is input k * C + c (channels-last) */
			for (int k = 0; k < per_channel; k++)
				img[k] = W[((size_t)k * C + c) * OUT + u];
			for (int k = per_channel; k < h * w; k++)
				img[k] = 0.0f;
		}
}

float analysis_scale_symmetric(float *v, size_t n)
{
	float top = 0.0f;

	for (size_t i = 0; i < n; i++)
		if (fabsf(v[i]) > top)
			top = fabsf(v[i]);
	for (size_t i = 0; i < n; i++)
		v[i] = top > 0.0f ? 0.5f * (v[i] / top + 1.0f) : 0.5f;
	return top;
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

static struct nn_shape layer_input(const struct nn_model *m, int layer)
{
	return layer ? nn_model_layer_output(m, layer - 1) : nn_model_spec(m)->input;
}

/* The image a dense layer reads: its input, seen back through flatten and
 * dropout (which move no data) to the last shape that had rows. */
static struct nn_shape image_read_by(const struct nn_model *m, int layer)
{
	const struct nn_model_spec *s = nn_model_spec(m);
	int i = layer - 1;

	while (i >= 0 && (s->layers[i].kind == NN_LAYER_FLATTEN ||
			  s->layers[i].kind == NN_LAYER_DROPOUT))
		i--;
	return i < 0 ? s->input : nn_model_layer_output(m, i);
}

static int alloc_images(struct weight_images *wi, int units, int channels, int h, int w,
			const char *unit_name, struct dl_error *err)
{
	wi->n = units * channels;
	wi->h = h;
	wi->w = w;
	wi->units = units;
	wi->channels = channels;
	wi->unit_name = unit_name;
	wi->pixels = malloc(sizeof(float) * (size_t)wi->n * h * w);
	wi->bias = malloc(sizeof(float) * (size_t)units);
	wi->captions = calloc((size_t)wi->n, sizeof *wi->captions);
	if (!wi->pixels || !wi->bias || !wi->captions) {
		weight_images_free(wi);
		return dl_error_set(err, "out of memory for %d weight images of %dx%d",
				    units * channels, h, w);
	}
	return DL_OK;
}

/* The layer's parameters hold exactly `want` floats, or the layout this
 * file assumes has drifted from the engine's: refuse rather than draw noise. */
static int check_count(const struct nn_model *m, int layer, size_t want, struct dl_error *err)
{
	size_t have = nn_model_layer_param_count(m, layer);

	if (have != want)
		return dl_error_set(err, "layer %d (%s): %zu parameters, expected %zu", layer + 1,
				    nn_layer_kind_name(nn_model_spec(m)->layers[layer].kind),
				    have, want);
	return DL_OK;
}

static int dense_images(const struct nn_model *m, int layer, const float *p,
			struct weight_images *wi, struct dl_error *err)
{
	struct nn_shape img = image_read_by(m, layer);
	int IN = nn_shape_size(img), OUT = nn_shape_size(nn_model_layer_output(m, layer));
	int C = img.c, h = img.h, w = img.w;

	if (check_count(m, layer, (size_t)IN * OUT + OUT, err) != DL_OK)
		return DL_ERR;
	if (h * w == 1) {
		/* a vector, not an image: a near-square layout */
		C = 1;
		w = (int)ceil(sqrt((double)IN));
		h = (IN + w - 1) / w;
	}
	if (alloc_images(wi, OUT, C, h, w, "unit", err) != DL_OK)
		return DL_ERR;
	analysis_dense_images(p, IN, OUT, C, h, w, wi->pixels);
	memcpy(wi->bias, p + (size_t)IN * OUT, sizeof(float) * OUT);   /* W (IN, OUT), b (OUT) */
	for (int i = 0; i < wi->n; i++) {
		if (C == 1)
			snprintf(wi->captions[i], sizeof wi->captions[i], "unit %d", i);
		else
			snprintf(wi->captions[i], sizeof wi->captions[i], "u%d c%d", i / C, i % C);
	}
	return DL_OK;
}

static int conv_images(const struct nn_model *m, int layer, const float *p,
		       struct weight_images *wi, struct dl_error *err)
{
	const struct nn_layer_spec *l = &nn_model_spec(m)->layers[layer];
	int KH = l->kernel_h, KW = l->kernel_w, F = l->filters, C = layer_input(m, layer).c;
	size_t kernel = (size_t)KH * KW * C * F;

	if (check_count(m, layer, kernel + F, err) != DL_OK)
		return DL_ERR;
	if (alloc_images(wi, F, C, KH, KW, "filter", err) != DL_OK)
		return DL_ERR;
	analysis_kernel_images(p, KH, KW, C, F, wi->pixels);
	memcpy(wi->bias, p + kernel, sizeof(float) * F);     /* (KH, KW, C, F), then (F) */
	for (int i = 0; i < wi->n; i++) {
		if (C == 1)
			snprintf(wi->captions[i], sizeof wi->captions[i], "f%d", i);
		else
			snprintf(wi->captions[i], sizeof wi->captions[i], "f%d c%d", i / C, i % C);
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
	free(wi->bias);
	free(wi->captions);
	memset(wi, 0, sizeof *wi);
}
