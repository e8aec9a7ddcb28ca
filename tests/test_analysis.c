/* Saliency against a hand computation and finite differences of the loss,
 * weight images in the order and shape the layers store them, and the text
 * the grey images are drawn with. */
#include <stdlib.h>

#include "train/analysis.h"
#include "tap.h"

static struct nn_model *build(struct nn_model_spec *s)
{
	struct nn_model *m;
	struct dl_error err;

	if (nn_model_new(&m, s, 2, &err) != DL_OK) {
		ok(0, "nn_model_new: %s", err.msg);
		return NULL;
	}
	return m;
}

/* ---- saliency ---- */

/* A 2-input, 2-class linear model, worked by hand: W = [[2, -1], [0.5, 1]]
 * (row i is input i), b = 0, x = (1, 2), so the logits are (3, 1) and
 * q = p(1) = 1 / (1 + e^2). For label 0, dL/dx = -q W[.][0] + q W[.][1] =
 * (-3q, 0.5q), hence saliency -x dL/dx = (3q, -q): input 0 favours class 0,
 * input 1 favours class 1. */
static void test_saliency_by_hand(void)
{
	struct nn_model_spec s = {.input = {1, 1, 2}, .n_layers = 1};
	const float x[2] = {1, 2};
	double q = 1.0 / (1.0 + exp(2.0));
	struct nn_model *m;
	float *p, sal[2];

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 2,
		.activation = NN_ACT_LINEAR};
	if (!(m = build(&s)))
		return;
	p = nn_model_params(m);
	p[0] = 2, p[1] = -1, p[2] = 0.5f, p[3] = 1, p[4] = 0, p[5] = 0;
	analysis_saliency(m, NN_LOSS_CROSS_ENTROPY, x, 0, sal);
	is_near(sal[0], 3 * q, 1e-6, "by hand: the pixel that argues for the label is positive");
	is_near(sal[1], -q, 1e-6, "by hand: the pixel that argues against it is negative");
	nn_model_free(m);
}

/* The mean batch loss of one image at `label`. */
static double loss_at(struct nn_model *m, enum nn_loss loss, const float *x, int label)
{
	uint8_t y = (uint8_t)label;

	nn_model_forward(m, x, 1, 0, NULL);
	return nn_model_loss(m, loss, &y, 1);
}

/* out_i = -x_i dL/dx_i, dL/dx_i by central differences. */
static double worst_difference(struct nn_model *m, enum nn_loss loss, float *x, int n,
			       int label, const float *sal)
{
	double worst = 0;

	for (int i = 0; i < n; i++) {
		float keep = x[i];
		double up, down, num;

		x[i] = keep + 1e-3f;
		up = loss_at(m, loss, x, label);
		x[i] = keep - 1e-3f;
		down = loss_at(m, loss, x, label);
		x[i] = keep;
		num = -(up - down) / 2e-3 * keep;
		worst = fmax(worst, fabs(num - sal[i]) / fmax(1.0, fabs(num)));
	}
	return worst;
}

/* Dense tanh -> dense, under every smooth loss the last layer allows. */
static void test_saliency_dense(void)
{
	enum { N = 12 };
	static const struct { enum nn_activation act; enum nn_loss loss; } cases[] = {
		{NN_ACT_SOFTMAX, NN_LOSS_CROSS_ENTROPY},
		{NN_ACT_LINEAR, NN_LOSS_CROSS_ENTROPY},
		{NN_ACT_SIGMOID, NN_LOSS_MSE},
		{NN_ACT_SIGMOID, NN_LOSS_SSE},
	};
	struct nn_model_spec s = {.input = {1, 3, 4}, .n_layers = 2, .init = NN_INIT_GLOROT_UNIFORM};
	float x[N], sal[N];
	struct rng rng;

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct nn_model *m;
		double worst;

		s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 5,
			.activation = NN_ACT_TANH};
		s.layers[1] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 3,
			.activation = cases[k].act};
		if (!(m = build(&s)))
			return;
		rng_seed(&rng, 11 + k);
		nn_model_init(m, &rng);
		for (int i = 0; i < N; i++)
			x[i] = 2.0f * rng_uniform(&rng) - 0.5f;
		analysis_saliency(m, cases[k].loss, x, 1, sal);
		worst = worst_difference(m, cases[k].loss, x, N, 1, sal);
		ok(worst < 2e-3, "dense %s + %s: saliency = -x dL/dx by central differences "
		   "(worst relative difference %.1e)", nn_activation_name(cases[k].act),
		   nn_loss_name(cases[k].loss), worst);
		nn_model_free(m);
	}
}

/* Through a convolution, against the log-probability: the cross_entropy
 * reading of the sign, and the input gradient switched off again. */
static void test_saliency_conv(void)
{
	enum { N = 2 * 4 * 4 };
	struct nn_model_spec s = {.input = {2, 4, 4}, .n_layers = 3, .init = NN_INIT_GLOROT_UNIFORM};
	struct nn_model *m;
	struct rng rng;
	float x[N], sal[N];
	int label = 2;
	double worst;

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_CONV2D, .filters = 3, .kernel_h = 3,
		.kernel_w = 3, .stride = 1, .padding = NN_PAD_SAME, .activation = NN_ACT_TANH};
	s.layers[1] = (struct nn_layer_spec){.kind = NN_LAYER_FLATTEN};
	s.layers[2] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 4,
		.activation = NN_ACT_SOFTMAX};
	if (!(m = build(&s)))
		return;
	rng_seed(&rng, 5);
	nn_model_init(m, &rng);
	for (int i = 0; i < N; i++)
		x[i] = rng_uniform(&rng);
	analysis_saliency(m, NN_LOSS_CROSS_ENTROPY, x, label, sal);
	worst = worst_difference(m, NN_LOSS_CROSS_ENTROPY, x, N, label, sal);
	ok(worst < 2e-3, "conv2d: saliency = x d log p(label) / dx (worst difference %.1e)", worst);
	{
		uint8_t y = 0;

		nn_model_forward(m, x, 1, 1, NULL);
		nn_model_backward(m, NN_LOSS_CROSS_ENTROPY, &y, 1);
		ok(nn_model_input_grad(m) == NULL,
		   "the input gradient is switched off again for training");
	}
	nn_model_free(m);
}

static void test_saliency_loss(void)
{
	struct nn_model_spec s = {.input = {1, 2, 2}, .n_layers = 1};

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 3,
		.activation = NN_ACT_SOFTMAX};
	ok(analysis_saliency_loss(&s, NN_LOSS_HINGE) == NN_LOSS_CROSS_ENTROPY,
	   "a softmax model is explained by its log-probability, whatever it trained on");
	s.layers[0].activation = NN_ACT_SIGMOID;
	ok(analysis_saliency_loss(&s, NN_LOSS_SSE) == NN_LOSS_SSE,
	   "a sigmoid output is explained by the loss it trained on");
}

/* ---- weight images ---- */

static void test_dense_images(void)
{
	struct nn_model_spec s = {.input = {1, 2, 3}, .n_layers = 1};
	struct weight_images wi;
	struct dl_error err;
	struct nn_model *m;
	float *p;
	int good = 1;

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 2,
		.activation = NN_ACT_SOFTMAX};
	if (!(m = build(&s)))
		return;
	p = nn_model_params(m);
	for (int i = 0; i < 6; i++)         /* W (IN = 6, OUT = 2): w[i][u] = 10 u + i */
		for (int u = 0; u < 2; u++)
			p[i * 2 + u] = (float)(10 * u + i);
	p[12] = -1, p[13] = -2;             /* b */
	if (!ok(analysis_weight_images(m, 0, &wi, &err) == DL_OK, "dense weight images"))
		return;
	ok(wi.n == 2 && wi.h == 2 && wi.w == 3 && wi.units == 2 && wi.channels == 1,
	   "one 2x3 image per unit, the input's shape");
	for (int u = 0; u < 2; u++)
		for (int i = 0; i < 6; i++)
			good &= wi.pixels[u * 6 + i] == (float)(10 * u + i);
	ok(good, "image u holds the weights unit u gives each pixel, row by row");
	ok(wi.bias[0] == -1 && wi.bias[1] == -2, "each unit's bias");
	is_str(wi.captions[1], "unit 1", "captions name the unit");
	is_str(wi.unit_name, "unit", "a dense layer's images are units");
	is_near(analysis_scale_symmetric(wi.pixels, 12), 15, 0, "the scale is the largest |w|");
	ok(wi.pixels[0] == 0.5f && wi.pixels[11] == 1.0f, "scaled: 0 is mid-grey, the largest white");
	weight_images_free(&wi);
	weight_images_free(&wi);
	ok(wi.pixels == NULL && wi.n == 0, "freed twice, harmlessly");
	ok(analysis_weight_images(m, 1, &wi, &err) == DL_ERR, "no layer 2");
	is_str(err.msg, "the model has no layer 2 (it has 1)", "its message");
	nn_model_free(m);
}

/* A dense layer after a dense layer reads a vector: a near-square. */
static void test_dense_vector_images(void)
{
	struct nn_model_spec s = {.input = {1, 2, 2}, .n_layers = 2};
	struct weight_images wi;
	struct dl_error err;
	struct nn_model *m;
	float *p;

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 5,
		.activation = NN_ACT_RELU};
	s.layers[1] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 2,
		.activation = NN_ACT_SOFTMAX};
	if (!(m = build(&s)))
		return;
	p = nn_model_params(m) + nn_model_layer_param_count(m, 0);
	for (int i = 0; i < 5 * 2; i++)
		p[i] = (float)(i + 1);
	if (!ok(analysis_weight_images(m, 1, &wi, &err) == DL_OK, "second dense layer"))
		return;
	ok(wi.n == 2 && wi.h == 2 && wi.w == 3, "5 inputs: a 2x3 near-square per unit");
	ok(wi.pixels[6] == 2 && wi.pixels[7] == 4 && wi.pixels[10] == 10 && wi.pixels[11] == 0,
	   "unit 1's column, then a zero to fill the rectangle");
	weight_images_free(&wi);
	nn_model_free(m);
}

/* A dense kernel over a 2-channel map, channels-last, through the index
 * formula alone: no model needed. */
static void test_dense_channels(void)
{
	enum { C = 2, H = 2, W = 2, IN = C * H * W, OUT = 3 };
	float kernel[IN * OUT], out[OUT * C * H * W];
	int good = 1;

	for (int i = 0; i < IN * OUT; i++)
		kernel[i] = (float)i;
	analysis_dense_images(kernel, IN, OUT, C, H, W, out);
	for (int u = 0; u < OUT; u++)
		for (int c = 0; c < C; c++)
			for (int y = 0; y < H; y++)
				for (int x = 0; x < W; x++)
					good &= out[((u * C + c) * H + y) * W + x] ==
						kernel[((y * W + x) * C + c) * OUT + u];
	ok(good, "dense over channels: image (u, c) pixel (y, x) is W[(y W + x) C + c][u]");
}

/* A synthetic (KH, KW, C, F) kernel through analysis_kernel_images. */
static void test_kernel_layout(void)
{
	enum { KH = 2, KW = 3, C = 2, F = 3 };
	float kernel[KH * KW * C * F], out[KH * KW * C * F];
	int good = 1;

	ok(analysis_conv_index(1, 2, 1, 2, KW, C, F) == ((1 * KW + 2) * C + 1) * F + 2,
	   "conv kernel index: (KH, KW, C, F) row-major");
	for (int i = 0; i < KH * KW * C * F; i++)
		kernel[i] = (float)i;
	analysis_kernel_images(kernel, KH, KW, C, F, out);
	for (int f = 0; f < F; f++)
		for (int c = 0; c < C; c++)
			for (int ky = 0; ky < KH; ky++)
				for (int kx = 0; kx < KW; kx++)
					good &= out[((f * C + c) * KH + ky) * KW + kx] ==
						kernel[((ky * KW + kx) * C + c) * F + f];
	ok(good, "image (f, c) is the kernel of filter f over channel c");
	ok(out[1] == (float)(1 * C * F) && out[KH * KW] == (float)F,
	   "neighbours across are C F apart, channels F apart");
}

static void test_conv_images(void)
{
	struct nn_model_spec s = {.input = {2, 5, 5}, .n_layers = 3};
	struct weight_images wi;
	struct dl_error err;
	struct nn_model *m;
	float *p;
	int good = 1;

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_CONV2D, .filters = 3, .kernel_h = 2,
		.kernel_w = 3, .stride = 1, .padding = NN_PAD_VALID};
	s.layers[1] = (struct nn_layer_spec){.kind = NN_LAYER_FLATTEN};
	s.layers[2] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 2,
		.activation = NN_ACT_SOFTMAX};
	if (!(m = build(&s)))
		return;
	p = nn_model_params(m);
	for (int i = 0; i < 2 * 3 * 2 * 3 + 3; i++)
		p[i] = (float)i;
	if (!ok(analysis_weight_images(m, 0, &wi, &err) == DL_OK, "conv weight images"))
		return;
	ok(wi.n == 6 && wi.h == 2 && wi.w == 3 && wi.units == 3 && wi.channels == 2,
	   "one 2x3 image per filter and input channel");
	for (int i = 0; i < 6 * 6; i++)
		good &= wi.pixels[i] == (float)(((i % 6 / 3 * 3 + i % 3) * 2 + i / 6 % 2) * 3 + i / 12);
	ok(good, "the model's conv2d parameters are the (KH, KW, C, F) kernel");
	ok(wi.bias[0] == 36 && wi.bias[2] == 38, "then the filters' biases");
	is_str(wi.captions[3], "f1 c1", "captions name filter and channel");
	is_str(wi.unit_name, "filter", "a conv2d layer's images are filters");
	weight_images_free(&wi);
	if (ok(analysis_weight_images(m, 2, &wi, &err) == DL_OK, "the dense layer after it")) {
		ok(wi.n == 2 * 3 && wi.h == 4 && wi.w == 3 && wi.channels == 3,
		   "reads the 4x3 map of 3 channels: one image per unit and channel");
		is_str(wi.captions[4], "u1 c1", "captions name unit and channel");
		weight_images_free(&wi);
	}
	ok(analysis_weight_images(m, 1, &wi, &err) == DL_ERR &&
	   !strcmp(err.msg, "layer 2 (flatten) has no weights to draw"), "flatten has no weights");
	ok(analysis_first_weighted_layer(m) == 0, "the first layer with weights");
	nn_model_free(m);
}

int main(void)
{
	test_saliency_by_hand();
	test_saliency_dense();
	test_saliency_conv();
	test_saliency_loss();
	test_dense_images();
	test_dense_vector_images();
	test_dense_channels();
	test_kernel_layout();
	test_conv_images();
	return tap_done();
}
