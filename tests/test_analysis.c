/* Saliency against finite differences of the log-probability, and weight
 * images in the order and shape the layers store them. */
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

/* log p(label | x) of one image */
static double log_prob(struct nn_model *m, const float *x, int label)
{
	return log(nn_model_forward(m, x, 1, 0, NULL)[label]);
}

static void test_saliency(void)
{
	enum { N = 2 * 4 * 4 };
	struct nn_model_spec s = {.input = {2, 4, 4}, .n_layers = 3, .init = NN_INIT_GLOROT_UNIFORM};
	struct nn_model *m;
	struct rng rng;
	float x[N], sal[N];
	int good = 1, label = 2;
	double worst = 0;

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
	for (int i = 0; i < N; i++) {
		float keep = x[i];
		double up, down, num;

		x[i] = keep + 1e-3f;
		up = log_prob(m, x, label);
		x[i] = keep - 1e-3f;
		down = log_prob(m, x, label);
		x[i] = keep;
		num = (up - down) / 2e-3 * keep;
		worst = fmax(worst, fabs(num - sal[i]));
		good &= fabs(num - sal[i]) < 2e-3 * fmax(1.0, fabs(num));
	}
	ok(good, "saliency = x d log p(label) / dx (worst difference %.1e)", worst);
	{
		uint8_t y = 0;

		nn_model_forward(m, x, 1, 1, NULL);
		nn_model_backward(m, NN_LOSS_CROSS_ENTROPY, &y, 1);
		ok(nn_model_input_grad(m) == NULL,
		   "the input gradient is switched off again for training");
	}
	nn_model_free(m);
}

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
	if (!ok(analysis_weight_images(m, 0, &wi, &err) == DL_OK, "dense weight images"))
		return;
	ok(wi.n == 2 && wi.h == 2 && wi.w == 3, "one 2x3 image per unit, the input's shape");
	for (int u = 0; u < 2; u++)
		for (int i = 0; i < 6; i++)
			good &= wi.pixels[u * 6 + i] == (float)(10 * u + i);
	ok(good, "image u holds the weights unit u gives each pixel, row by row");
	is_str(wi.captions[1], "unit 1", "captions name the unit");
	analysis_scale_symmetric(wi.pixels, 12);
	ok(wi.pixels[0] == 0.5f && wi.pixels[11] == 1.0f, "scaled: 0 is mid-grey, the largest white");
	weight_images_free(&wi);
	ok(analysis_weight_images(m, 1, &wi, &err) == DL_ERR, "no layer 2");
	is_str(err.msg, "the model has no layer 2 (it has 1)", "its message");
	nn_model_free(m);
}

static void test_conv_images(void)
{
	struct nn_model_spec s = {.input = {2, 5, 5}, .n_layers = 2};
	struct weight_images wi;
	struct dl_error err;
	struct nn_model *m;
	float *p;
	int good = 1;

	s.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_CONV2D, .filters = 3, .kernel_h = 2,
		.kernel_w = 3, .stride = 1, .padding = NN_PAD_VALID};
	s.layers[1] = (struct nn_layer_spec){.kind = NN_LAYER_FLATTEN};
	if (!(m = build(&s)))
		return;
	ok(analysis_conv_index(1, 2, 1, 2, 3, 2, 3) == ((1 * 3 + 2) * 2 + 1) * 3 + 2,
	   "conv kernel index: (KH, KW, C, F) row-major");
	p = nn_model_params(m);
	for (int i = 0; i < 2 * 3 * 2 * 3; i++)
		p[i] = (float)i;
	if (!ok(analysis_weight_images(m, 0, &wi, &err) == DL_OK, "conv weight images"))
		return;
	ok(wi.n == 6 && wi.h == 2 && wi.w == 3, "one 2x3 image per filter and input channel");
	for (int f = 0; f < 3; f++)
		for (int c = 0; c < 2; c++)
			for (int ky = 0; ky < 2; ky++)
				for (int kx = 0; kx < 3; kx++)
					good &= wi.pixels[((f * 2 + c) * 2 + ky) * 3 + kx] ==
						(float)analysis_conv_index(ky, kx, c, f, 3, 2, 3);
	ok(good, "image (f, c) is the kernel of filter f over channel c");
	is_str(wi.captions[3], "f1 c1", "captions name filter and channel");
	weight_images_free(&wi);
	ok(analysis_weight_images(m, 1, &wi, &err) == DL_ERR &&
	   !strcmp(err.msg, "layer 2 (flatten) has no weights to draw"), "flatten has no weights");
	ok(analysis_first_weighted_layer(m) == 0, "the first layer with weights");
	nn_model_free(m);
}

int main(void)
{
	test_saliency();
	test_dense_images();
	test_conv_images();
	return tap_done();
}
