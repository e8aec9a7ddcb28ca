/* The nn engine: finite-difference gradient checks for every activation, the
 * dense kernels, every loss through a whole model, the penalty, dropout,
 * conv2d, pooling and batchnorm (parameters and input); hand-computed forward
 * passes; spec_check's exact messages; initialiser statistics; determinism. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer.h"
#include "nn/model.h"
#include "nn/onnx.h"
#include "nn/optim.h"
#include "tap.h"

#define EPS 1e-3f        /* finite-difference step on float parameters */
#define REL_TOL 1e-2     /* relative error allowed between the two gradients */
#define ABS_TOL 2e-4     /* per element, on top of REL_TOL: float noise in the loss */

/* ---- helpers ---- */

static void fill_uniform(float *p, size_t n, float lo, float hi, struct rng *r)
{
	for (size_t i = 0; i < n; i++)
		p[i] = lo + (hi - lo) * rng_uniform(r);
}

/* Compare an analytic gradient with a numeric one: relative error of the
 * whole vector below REL_TOL and every element within REL_TOL relative plus
 * ABS_TOL absolute. Also insists the gradient is not all zero, so a backward
 * that writes nothing cannot pass against a flat loss. */
/* Every fd_stride-th value is differenced and checked (1: all of them).
 * DIGITLAB_TEST_FD_STRIDE raises it for emulators: tests/arm64_cross.sh
 * runs this file under qemu-user, where the two forward passes per
 * parameter of the 32-filter models take most of an hour. */
static size_t fd_stride = 1;

static int check_grad(const char *what, const float *ana, const double *num, size_t n)
{
	double d2 = 0, a2 = 0, n2 = 0, rel;
	size_t worst = 0;
	double worst_excess = -1e300;

	for (size_t i = 0; i < n; i += fd_stride) {
		double a = ana[i], u = num[i], d = a - u;
		double excess = fabs(d) - (REL_TOL * fmax(fabs(a), fabs(u)) + ABS_TOL);

		d2 += d * d;
		a2 += a * a;
		n2 += u * u;
		if (excess > worst_excess) {
			worst_excess = excess;
			worst = i;
		}
	}
	rel = sqrt(d2) / fmax(sqrt(fmax(a2, n2)), 1e-30);
	if (!ok(rel < REL_TOL && worst_excess <= 0 && a2 > 0,
		"%s: gradient matches finite differences (relative error %.2e)", what, rel))
		fprintf(stderr, "#   element %zu: analytic %.9g, numeric %.9g; |grad| %g\n",
			worst, (double)ana[worst], num[worst], sqrt(a2));
	return rel < REL_TOL;
}

static struct nn_layer_spec *add_layer(struct nn_model_spec *s, enum nn_layer_kind k)
{
	struct nn_layer_spec *l = &s->layers[s->n_layers++];

	memset(l, 0, sizeof *l);
	l->kind = k;
	return l;
}

static void add_dense(struct nn_model_spec *s, int units, enum nn_activation a)
{
	struct nn_layer_spec *l = add_layer(s, NN_LAYER_DENSE);

	l->units = units;
	l->activation = a;
}

static void add_dropout(struct nn_model_spec *s, float rate)
{
	add_layer(s, NN_LAYER_DROPOUT)->rate = rate;
}

static void spec_init(struct nn_model_spec *s, int c, int h, int w)
{
	memset(s, 0, sizeof *s);
	s->input = (struct nn_shape){c, h, w};
	s->init = NN_INIT_GLOROT_UNIFORM;
}

static struct nn_model *build(const struct nn_model_spec *s, int max_batch)
{
	struct nn_model *m;
	struct dl_error err;

	if (nn_model_new(&m, s, max_batch, &err) != DL_OK) {
		ok(0, "nn_model_new: %s", err.msg);
		return NULL;
	}
	return m;
}

/* ---- activations ---- */

static double act_objective(enum nn_activation a, float alpha, const float *x,
			    const float *r, float *y, int rows, int n)
{
	double s = 0;

	nn_activation_forward(a, alpha, y, x, rows, n);
	for (int i = 0; i < rows * n; i++)
		s += (double)y[i] * r[i];
	return s;
}

static void test_activation_grads(void)
{
	enum { ROWS = 3, N = 5, T = ROWS * N };
	struct rng rng;
	float x[T], y[T], r[T], dx[T];
	double num[T];

	rng_seed(&rng, 11);
	for (int a = NN_ACT_LINEAR; a <= NN_ACT_SOFTMAX; a++) {
		float alpha = a == NN_ACT_ELU ? 0.7f : 0.0f; /* elu explicit, leaky default */
		char what[64];

		for (int i = 0; i < T; i++) {
			x[i] = -2.0f + 4.0f * rng_uniform(&rng);
			if (fabsf(x[i]) < 0.05f)  /* keep away from the kink of relu & co */
				x[i] = 0.3f;
		}
		fill_uniform(r, T, -1.0f, 1.0f, &rng);
		/* L = sum y * r, so dL/dy = r */
		act_objective((enum nn_activation)a, alpha, x, r, y, ROWS, N);
		nn_activation_backward((enum nn_activation)a, alpha, dx, r, x, y, ROWS, N);
		for (int i = 0; i < T; i++) {
			float keep = x[i], hi, lo;
			double lp, lm;

			x[i] = keep + EPS;
			hi = x[i];
			lp = act_objective((enum nn_activation)a, alpha, x, r, y, ROWS, N);
			x[i] = keep - EPS;
			lo = x[i];
			lm = act_objective((enum nn_activation)a, alpha, x, r, y, ROWS, N);
			x[i] = keep;
			num[i] = (lp - lm) / ((double)hi - lo);
		}
		snprintf(what, sizeof what, "activation %s", nn_activation_name((enum nn_activation)a));
		check_grad(what, dx, num, T);
	}
}

/* Forward values at a few points against Keras's definitions. */
static void test_activation_values(void)
{
	float x[4] = {-1.0f, 0.0f, 0.5f, 2.0f}, y[4];

	nn_activation_forward(NN_ACT_LEAKY_RELU, 0.0f, y, x, 1, 4);
	is_near(y[0], -0.3, 1e-7, "leaky_relu: alpha defaults to 0.3");
	nn_activation_forward(NN_ACT_LEAKY_RELU, 0.1f, y, x, 1, 4);
	is_near(y[0], -0.1, 1e-7, "leaky_relu: explicit alpha");
	nn_activation_forward(NN_ACT_ELU, 0.0f, y, x, 1, 4);
	is_near(y[0], exp(-1.0) - 1.0, 1e-7, "elu: alpha defaults to 1");
	nn_activation_forward(NN_ACT_SELU, 0.0f, y, x, 1, 4);
	is_near(y[0], 1.0507009873554805 * 1.6732632423543772 * (exp(-1.0) - 1.0), 1e-6,
		"selu at -1");
	is_near(y[3], 2.0 * 1.0507009873554805, 1e-6, "selu at 2");
	nn_activation_forward(NN_ACT_SIGMOID, 0.0f, y, x, 1, 4);
	is_near(y[1], 0.5, 0, "sigmoid(0) = 0.5");
	is_near(y[3], 1.0 / (1.0 + exp(-2.0)), 1e-7, "sigmoid(2)");
	nn_activation_forward(NN_ACT_TANH, 0.0f, y, x, 1, 4);
	is_near(y[2], tanh(0.5), 1e-7, "tanh(0.5)");
	nn_activation_forward(NN_ACT_RELU, 0.0f, y, x, 1, 4);
	ok(y[0] == 0.0f && y[1] == 0.0f && y[2] == 0.5f && y[3] == 2.0f, "relu");
	{
		float big[3] = {1000.0f, 1001.0f, 1002.0f}, p[3];
		double e = exp(1.0), z = 1 + e + e * e;

		nn_activation_forward(NN_ACT_SOFTMAX, 0.0f, p, big, 1, 3);
		ok(isfinite(p[0]) && isfinite(p[2]), "softmax of large inputs is finite (row max subtracted)");
		is_near(p[2], e * e / z, 1e-6, "softmax of (1000, 1001, 1002)");
	}
}

/* ---- dense kernels ---- */

static double dense_objective(const float *in, const float *w, const float *b,
			      const float *r, float *out, int B, int IN, int OUT)
{
	double s = 0;

	dense_forward(out, in, w, b, B, IN, OUT);
	for (int i = 0; i < B * OUT; i++)
		s += (double)out[i] * r[i];
	return s;
}

static void numeric_dense(float *v, int n, double *num, const float *in, const float *w,
			  const float *b, const float *r, float *out, int B, int IN, int OUT)
{
	for (int i = 0; i < n; i++) {
		float keep = v[i], hi, lo;
		double lp, lm;

		v[i] = keep + EPS;
		hi = v[i];
		lp = dense_objective(in, w, b, r, out, B, IN, OUT);
		v[i] = keep - EPS;
		lo = v[i];
		lm = dense_objective(in, w, b, r, out, B, IN, OUT);
		v[i] = keep;
		num[i] = (lp - lm) / ((double)hi - lo);
	}
}

static void test_dense_grads(void)
{
	enum { B = 3, IN = 4, OUT = 5 };
	float in[B * IN], w[IN * OUT], b[OUT], r[B * OUT], out[B * OUT];
	float din[B * IN], dw[IN * OUT], db[OUT], scaled[IN * OUT];
	double num[IN * OUT];
	struct rng rng;

	rng_seed(&rng, 5);
	fill_uniform(in, B * IN, -1, 1, &rng);
	fill_uniform(w, IN * OUT, -1, 1, &rng);
	fill_uniform(b, OUT, -1, 1, &rng);
	fill_uniform(r, B * OUT, -1, 1, &rng);
	/* dL/dout = r */
	dense_backward(din, dw, db, r, in, w, B, IN, OUT);
	numeric_dense(w, IN * OUT, num, in, w, b, r, out, B, IN, OUT);
	check_grad("dense: dW", dw, num, IN * OUT);
	for (int i = 0; i < IN * OUT; i++)
		scaled[i] = dw[i] * 1.05f;
	{
		/* the checker itself must reject a gradient that is 5% off */
		double d2 = 0, n2 = 0;

		for (int i = 0; i < IN * OUT; i++) {
			d2 += (scaled[i] - num[i]) * (scaled[i] - num[i]);
			n2 += num[i] * num[i];
		}
		ok(sqrt(d2 / n2) > REL_TOL, "the gradient check rejects dW scaled by 1.05");
	}
	numeric_dense(b, OUT, num, in, w, b, r, out, B, IN, OUT);
	check_grad("dense: db", db, num, OUT);
	numeric_dense(in, B * IN, num, in, w, b, r, out, B, IN, OUT);
	check_grad("dense: din", din, num, B * IN);
	{
		float dw2[IN * OUT], db2[OUT];

		dense_backward(NULL, dw2, db2, r, in, w, B, IN, OUT);
		ok(!memcmp(dw, dw2, sizeof dw) && !memcmp(db, db2, sizeof db),
		   "dense: skipping din leaves dW and db unchanged");
	}
}

/* ---- whole-model gradient checks ---- */

struct fd {
	struct nn_model *m;
	const float *x;
	const uint8_t *y;
	int B, training;
	enum nn_loss loss;
	struct rng rng0;   /* dropout stream: every evaluation starts here */
	float l1, l2;
};

static double fd_objective(struct fd *c)
{
	struct rng r = c->rng0;

	nn_model_forward(c->m, c->x, c->B, c->training, &r);
	return nn_model_loss(c->m, c->loss, c->y, c->B) + nn_model_penalty(c->m, c->l1, c->l2);
}

static void fd_numeric(struct fd *c, float *v, size_t n, double *num)
{
	for (size_t i = 0; i < n; i++)
		num[i] = 0;
	for (size_t i = 0; i < n; i += fd_stride) {
		float keep = v[i], hi, lo;
		double lp, lm;

		v[i] = keep + EPS;
		hi = v[i];
		lp = fd_objective(c);
		v[i] = keep - EPS;
		lo = v[i];
		lm = fd_objective(c);
		v[i] = keep;
		num[i] = (lp - lm) / ((double)hi - lo);
	}
}

static void fd_analytic(struct fd *c)
{
	struct rng r = c->rng0;

	nn_model_forward(c->m, c->x, c->B, c->training, &r);
	nn_model_backward(c->m, c->loss, c->y, c->B);
	nn_model_penalty_grad(c->m, c->l1, c->l2);
}

/* The gradient with respect to the input (saliency, and what every layer
 * hands to the one below it) against finite differences over x. */
static void input_grad_check(const char *what, struct fd *c, size_t n)
{
	float *ana = malloc(sizeof(float) * n), *x = malloc(sizeof(float) * n);
	double *num = malloc(sizeof(double) * n);
	const float *dx;
	char label[160];

	if (!ana || !x || !num) {
		ok(0, "malloc");
		return;
	}
	memcpy(x, c->x, sizeof(float) * n);
	c->x = x;
	nn_model_set_input_grad(c->m, 1);
	fd_analytic(c);
	dx = nn_model_input_grad(c->m);
	if (ok(dx != NULL, "%s: input gradient computed", what))
		memcpy(ana, dx, sizeof(float) * n);
	nn_model_set_input_grad(c->m, 0);
	fd_numeric(c, x, n, num);
	snprintf(label, sizeof label, "%s, input", what);
	if (dx)
		check_grad(label, ana, num, n);
	free(ana);
	free(x);
	free(num);
}

/* Build spec, draw parameters (biases too) in [-range, range], inputs and
 * labels from seed, and check every parameter's gradient and the input's.
 * Wide layers need a small range: with large activations the loss is large
 * and its float rounding swamps the finite differences. */
static void model_grad_check_range(const char *what, const struct nn_model_spec *spec,
				   enum nn_loss loss, uint64_t seed, int training, float l1,
				   float l2, float range)
{
	enum { B = 4, MAXB = 6 };
	struct nn_model *m = build(spec, MAXB);
	struct rng rng;
	struct fd c;
	struct dl_error err;
	float *x, *ana;
	double *num;
	uint8_t y[B];
	size_t n;
	int in, K;

	if (!m)
		return;
	ok(nn_model_spec_check(spec, loss, &err) == DL_OK, "%s: spec accepted", what);
	rng_seed(&rng, seed);
	n = nn_model_param_count(m);
	in = nn_shape_size(spec->input);
	K = nn_shape_size(nn_model_output_shape(m));
	fill_uniform(nn_model_params(m), n, -range, range, &rng);
	x = malloc(sizeof(float) * B * in);
	ana = malloc(sizeof(float) * n);
	num = malloc(sizeof(double) * n);
	if (!x || !ana || !num) {
		ok(0, "malloc");
		return;
	}
	fill_uniform(x, (size_t)B * in, -1.0f, 1.0f, &rng);
	for (int i = 0; i < B; i++)
		y[i] = (uint8_t)rng_below(&rng, (uint32_t)K);
	c = (struct fd){m, x, y, B, training, loss, rng, l1, l2};
	rng_split(&rng, &c.rng0);
	fd_analytic(&c);
	memcpy(ana, nn_model_grads(m), sizeof(float) * n);
	fd_numeric(&c, nn_model_params(m), n, num);
	check_grad(what, ana, num, n);
	input_grad_check(what, &c, (size_t)B * in);
	free(x);
	free(ana);
	free(num);
	nn_model_free(m);
}

static void model_grad_check(const char *what, const struct nn_model_spec *spec,
			     enum nn_loss loss, uint64_t seed, int training, float l1, float l2)
{
	model_grad_check_range(what, spec, loss, seed, training, l1, l2, 0.6f);
}

static void test_loss_grads(void)
{
	struct nn_model_spec s;

	spec_init(&s, 5, 1, 1);
	add_dense(&s, 6, NN_ACT_TANH);
	add_dense(&s, 5, NN_ACT_SIGMOID);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("cross_entropy + softmax, 3 layers", &s, NN_LOSS_CROSS_ENTROPY, 1, 0, 0, 0);

	s.layers[2].activation = NN_ACT_LINEAR;
	model_grad_check("cross_entropy on linear logits, 3 layers", &s, NN_LOSS_CROSS_ENTROPY,
			 2, 0, 0, 0);

	s.layers[2].activation = NN_ACT_SIGMOID;
	model_grad_check("mse + sigmoid, 3 layers", &s, NN_LOSS_MSE, 3, 0, 0, 0);
	model_grad_check("sse + sigmoid, 3 layers", &s, NN_LOSS_SSE, 4, 0, 0, 0);

	s.layers[2].activation = NN_ACT_LINEAR;
	model_grad_check("hinge + linear, 3 layers", &s, NN_LOSS_HINGE, 5, 0, 0, 0);
	s.layers[2].activation = NN_ACT_SOFTMAX;
	model_grad_check("hinge + softmax, 3 layers", &s, NN_LOSS_HINGE, 6, 0, 0, 0);
	s.layers[1].activation = NN_ACT_SOFTMAX;
	s.layers[2].activation = NN_ACT_SIGMOID;
	model_grad_check("mse with a softmax hidden layer", &s, NN_LOSS_MSE, 7, 0, 0, 0);
}

/* ---- convolution, pooling, batchnorm ---- */

static void expect_error(struct nn_model_spec *s, enum nn_loss loss, const char *want,
			 const char *what);

static void add_conv(struct nn_model_spec *s, int filters, int kh, int kw, int stride,
		     enum nn_padding pad, enum nn_activation a)
{
	struct nn_layer_spec *l = add_layer(s, NN_LAYER_CONV2D);

	l->filters = filters;
	l->kernel_h = kh;
	l->kernel_w = kw;
	l->stride = stride;
	l->padding = pad;
	l->activation = a;
}

static void add_pool(struct nn_model_spec *s, enum nn_layer_kind k, int size, int stride,
		     enum nn_padding pad)
{
	struct nn_layer_spec *l = add_layer(s, k);

	l->kernel_h = l->kernel_w = size;
	l->stride = stride;
	l->padding = pad;
}

static void add_batchnorm(struct nn_model_spec *s, float momentum)
{
	struct nn_layer_spec *l = add_layer(s, NN_LAYER_BATCHNORM);

	l->momentum = momentum;
	l->epsilon = 1e-3f;
}

/* Smooth activations keep the finite differences away from relu's kink and
 * the pools' ties; relu's own gradient is checked with the activations. */
static void test_conv_grads(void)
{
	struct nn_model_spec s;

	spec_init(&s, 2, 5, 5);
	add_conv(&s, 3, 3, 3, 1, NN_PAD_VALID, NN_ACT_TANH);
	add_dense(&s, 4, NN_ACT_SOFTMAX);
	model_grad_check("conv2d 3x3 valid, 2 -> 3 channels", &s, NN_LOSS_CROSS_ENTROPY,
			 21, 0, 0, 0);

	spec_init(&s, 2, 6, 7);
	add_conv(&s, 3, 3, 3, 2, NN_PAD_SAME, NN_ACT_TANH);
	add_conv(&s, 2, 2, 3, 1, NN_PAD_SAME, NN_ACT_SIGMOID);
	add_layer(&s, NN_LAYER_FLATTEN);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("conv2d stride 2 same on 6x7, then a 2x3 same conv", &s,
			 NN_LOSS_CROSS_ENTROPY, 22, 0, 0, 0);

	spec_init(&s, 1, 7, 7);
	add_conv(&s, 2, 5, 5, 2, NN_PAD_SAME, NN_ACT_LINEAR);
	add_conv(&s, 3, 2, 2, 1, NN_PAD_VALID, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_LINEAR);
	model_grad_check("conv2d 5x5 stride 2 linear, mse, l2 penalty", &s, NN_LOSS_MSE,
			 23, 0, 0, 0.01f);

	/* 32 filters: on processors with AVX-512 the direct kernel computes the
	 * forward pass of all three and the input gradient of the stride-1 one
	 * with 32 input channels; a width of 9 leaves a partial block of pixels */
	spec_init(&s, 1, 5, 9);
	add_conv(&s, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_TANH);
	add_conv(&s, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_LINEAR);
	add_conv(&s, 32, 2, 2, 2, NN_PAD_VALID, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check_range("three conv2d of 32 filters (the direct kernel)", &s,
			       NN_LOSS_CROSS_ENTROPY, 26, 0, 0, 0, 0.1f);

	/* a strided input gradient by phases: 5x5 stride 2, TensorFlow's
	 * uneven same padding, odd sizes (3 and 2 kernel rows per phase) */
	spec_init(&s, 1, 7, 9);
	add_conv(&s, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_TANH);
	add_conv(&s, 32, 5, 5, 2, NN_PAD_SAME, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check_range("conv2d 5x5 stride 2 over 32 channels (phases)", &s,
			       NN_LOSS_CROSS_ENTROPY, 27, 0, 0, 0, 0.1f);

	/* relu runs in place over the pre-activation: its backward must still
	 * see where the output is positive (a seed whose pre-activations all stay
	 * further from 0 than the finite-difference step) */
	spec_init(&s, 2, 5, 5);
	add_conv(&s, 3, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
	add_conv(&s, 2, 3, 3, 2, NN_PAD_VALID, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("conv2d with relu in place", &s, NN_LOSS_CROSS_ENTROPY, 25, 0, 0, 0);
}

/* Costs under which every job is worth splitting: no hand-off. */
static const struct nn_split_cost split_always[NN_SPLIT_KINDS] = {
	[NN_SPLIT_DENSE_FORWARD] = {1.0, 0.0}, [NN_SPLIT_DENSE_BACKWARD] = {1.0, 0.0},
	[NN_SPLIT_CONV_FORWARD] = {1.0, 0.0}, [NN_SPLIT_CONV_BACKWARD] = {1.0, 0.0},
	[NN_SPLIT_BATCHNORM_FORWARD] = {1.0, 0.0}, [NN_SPLIT_BATCHNORM_BACKWARD] = {1.0, 0.0},
	[NN_SPLIT_SUM] = {1.0, 0.0}, [NN_SPLIT_OPTIMIZER] = {1.0, 0.0},
};

/* Threads split a batch's convolutions by samples and batchnorm's sums by
 * rows (every pass here, under split_always): the results are those of one
 * thread up to the order of the sums, and a given thread count repeats
 * itself bit for bit. */
static void test_conv_threads(void)
{
	enum { B = 5 };
	struct nn_model_spec s;
	struct nn_model *m[3];
	struct dl_error err;
	struct rng rng;
	float x[B * 1 * 6 * 7];
	uint8_t y[B] = {0, 1, 2, 1, 0};
	const float *out[3], *dx[3];
	size_t n, nx = sizeof x / sizeof x[0];
	double worst = 0;

	spec_init(&s, 1, 6, 7);
	add_conv(&s, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
	add_batchnorm(&s, 0.99f);
	add_conv(&s, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
	add_conv(&s, 64, 3, 3, 2, NN_PAD_SAME, NN_ACT_RELU);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	rng_seed(&rng, 51);
	fill_uniform(x, nx, 0.0f, 1.0f, &rng);
	for (int i = 0; i < 3; i++) {
		struct rng init = rng;

		if (!(m[i] = build(&s, B)))
			return;
		nn_model_init(m[i], &init);
		nn_model_set_split_costs(m[i], split_always);
		ok(nn_model_set_threads(m[i], i == 0 ? 1 : 2, &err) == DL_OK,
		   "model %d runs on %d threads", i, i == 0 ? 1 : 2);
		is_int(nn_model_threads(m[i]), i == 0 ? 1 : 2, "model %d keeps the threads it was given", i);
		nn_model_set_input_grad(m[i], 1);
		out[i] = nn_model_forward(m[i], x, B, 1, NULL);
		nn_model_backward(m[i], NN_LOSS_CROSS_ENTROPY, y, B);
		dx[i] = nn_model_input_grad(m[i]);
	}
	n = nn_model_param_count(m[0]);
	for (size_t i = 0; i < B * 3; i++)
		worst = fmax(worst, fabs(out[0][i] - out[1][i]));
	for (size_t i = 0; i < nx; i++)
		worst = fmax(worst, fabs(dx[0][i] - dx[1][i]) / fmax(fabs(dx[0][i]), 1e-3));
	ok(worst < 1e-4, "two threads: the same outputs and input gradients up to rounding "
	   "(%.1e)", worst);
	worst = 0;
	for (size_t i = 0; i < n; i++) {
		double a = nn_model_grads(m[0])[i], b = nn_model_grads(m[1])[i];

		worst = fmax(worst, fabs(a - b) / fmax(fabs(a), 1e-3));
	}
	ok(worst < 1e-4, "two threads: the same weight gradients up to rounding (%.1e)", worst);
	ok(!memcmp(out[1], out[2], sizeof(float) * B * 3) &&
	   !memcmp(dx[1], dx[2], sizeof(float) * nx) &&
	   !memcmp(nn_model_grads(m[1]), nn_model_grads(m[2]), sizeof(float) * n),
	   "two threads twice: identical outputs and gradients");
	for (int i = 0; i < 3; i++)
		nn_model_free(m[i]);
}

/* A dense layer's forward shares output columns, in panels of 16, when the
 * batch is narrower than the layer (each thread reads only its columns of
 * the weights), and samples otherwise; 2 and 3 threads give one thread's
 * results up to rounding, 40 units being two full panels and a partial
 * one, and repeat themselves bit for bit. */
static void test_dense_threads(void)
{
	struct nn_model_spec s;
	struct dl_error err;
	struct rng rng;
	float x[64 * 64];
	uint8_t y[64];

	spec_init(&s, 1, 8, 8);
	add_dense(&s, 40, NN_ACT_RELU);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	rng_seed(&rng, 52);
	fill_uniform(x, sizeof x / sizeof x[0], 0.0f, 1.0f, &rng);
	for (int i = 0; i < 64; i++)
		y[i] = (uint8_t)(i % 3);
	for (int b = 0; b < 2; b++) {
		int B = b ? 64 : 5;     /* by columns, then by samples */
		struct nn_model *m[4];
		const float *out[4];
		double worst = 0;
		size_t n;

		for (int i = 0; i < 4; i++) {
			struct rng init = rng;
			int threads = i == 0 ? 1 : i == 3 ? 2 : i + 1;

			if (!(m[i] = build(&s, B)))
				return;
			nn_model_init(m[i], &init);
			nn_model_set_split_costs(m[i], split_always);
			nn_model_set_threads(m[i], threads, &err);
			out[i] = nn_model_forward(m[i], x, B, 1, NULL);
			nn_model_backward(m[i], NN_LOSS_CROSS_ENTROPY, y, B);
		}
		n = nn_model_param_count(m[0]);
		for (int i = 1; i < 3; i++) {
			for (int k = 0; k < B * 3; k++)
				worst = fmax(worst, fabs(out[0][k] - out[i][k]));
			for (size_t k = 0; k < n; k++) {
				double a = nn_model_grads(m[0])[k], g = nn_model_grads(m[i])[k];

				worst = fmax(worst, fabs(a - g) / fmax(fabs(a), 1e-3));
			}
		}
		ok(worst < 1e-5, "dense by %s (batch %d): 2 and 3 threads give one thread's outputs "
		   "and gradients up to rounding (%.1e)", b ? "samples" : "columns", B, worst);
		ok(!memcmp(out[1], out[3], sizeof(float) * B * 3) &&
		   !memcmp(nn_model_grads(m[1]), nn_model_grads(m[3]), sizeof(float) * n),
		   "dense by %s: two threads twice, identical bits", b ? "samples" : "columns");
		for (int i = 0; i < 4; i++)
			nn_model_free(m[i]);
	}
}

/* The split decision: t(n) = work unit / n + (n - 1) handoff, least t
 * taken, fewer shares on a tie. */
static void test_split_parts(void)
{
	const struct nn_split_cost c = {1.0, 100.0}, free_split = {1.0, 0.0};

	is_int(nn_split_parts(100, &c, 2), 1, "split: 100 units, hand-off 100: one share");
	is_int(nn_split_parts(199, &c, 2), 1, "split: 199 units: 199 < 99.5 + 100, one share");
	is_int(nn_split_parts(200, &c, 2), 1, "split: 200 units: a tie keeps one share");
	is_int(nn_split_parts(201, &c, 2), 2, "split: 201 units: 100.5 + 100 < 201, two shares");
	is_int(nn_split_parts(1000, &c, 4), 3, "split: 1000 units on 4 threads: three shares "
	       "(t = 1000, 600, 533, 550)");
	is_int(nn_split_parts(1e9, &c, 1), 1, "split: one thread, one share");
	is_int(nn_split_parts(1, &free_split, 8), 8, "split: no hand-off cost: every thread");
	is_near(nn_split_time(1000, &c, 3), 1000.0 / 3 + 200, 1e-9, "split: t(3) of 1000 units");
	is_int(nn_split_parts(0.0, &nn_split_costs[NN_SPLIT_CONV_FORWARD], 2), 1,
	       "split: no work, one share");
}

/* A model asked for two threads starts a helper only when one of its
 * passes pays for it by the measured costs; threads: auto is the same
 * choice for the training batch. */
static void test_model_threads(void)
{
	struct nn_model_spec small, cnn;
	struct nn_model *m;
	struct dl_error err;

	spec_init(&small, 1, 8, 8);
	add_dense(&small, 16, NN_ACT_RELU);
	add_dense(&small, 10, NN_ACT_SOFTMAX);
	spec_init(&cnn, 1, 28, 28);
	add_conv(&cnn, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
	add_conv(&cnn, 32, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
	add_dense(&cnn, 10, NN_ACT_SOFTMAX);
	if (!(m = build(&small, 32)))
		return;
	ok(nn_model_set_threads(m, 2, &err) == DL_OK, "threads: small model asked for 2");
	is_int(nn_model_threads(m), 1, "threads: 64-16-10 at batch 32 starts no helper");
	nn_model_set_split_costs(m, split_always);
	ok(nn_model_set_threads(m, 2, &err) == DL_OK, "threads: again, every split paying");
	is_int(nn_model_threads(m), 2, "threads: with free hand-offs it takes the helper");
	nn_model_free(m);
	if (!(m = build(&cnn, 32)))
		return;
	ok(nn_model_set_threads(m, 2, &err) == DL_OK, "threads: two convolutions asked for 2");
	is_int(nn_model_threads(m), 2, "threads: 28x28x32 convolutions at batch 32 split");
	nn_model_free(m);
	is_int(nn_model_auto_threads(&small, 32, 8), 1, "auto: 64-16-10 takes one thread of 8");
	is_int(nn_model_auto_threads(&cnn, 32, 2), 2, "auto: the convolutions take both of 2");
	is_int(nn_model_auto_threads(&small, 4096, 2), 2, "auto: 64-16-10 at batch 4096 takes 2");
	is_int(nn_model_auto_threads(&cnn, 32, 1), 1, "auto: one thread allowed, one taken");
}

static void test_pool_grads(void)
{
	struct nn_model_spec s;

	spec_init(&s, 1, 6, 6);
	add_conv(&s, 2, 3, 3, 1, NN_PAD_SAME, NN_ACT_TANH);
	add_pool(&s, NN_LAYER_MAXPOOL2D, 2, 2, NN_PAD_VALID);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("maxpool2d 2x2 after a conv", &s, NN_LOSS_CROSS_ENTROPY, 31, 0, 0, 0);

	spec_init(&s, 2, 7, 5);
	add_pool(&s, NN_LAYER_MAXPOOL2D, 3, 2, NN_PAD_SAME);
	add_conv(&s, 2, 2, 2, 1, NN_PAD_VALID, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("maxpool2d 3x3 stride 2 same (overlapping windows)", &s,
			 NN_LOSS_CROSS_ENTROPY, 32, 0, 0, 0);

	spec_init(&s, 2, 5, 6);
	add_conv(&s, 2, 3, 3, 1, NN_PAD_VALID, NN_ACT_SIGMOID);
	add_pool(&s, NN_LAYER_AVGPOOL2D, 2, 2, NN_PAD_SAME);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("avgpool2d 2x2 same (a partial window)", &s, NN_LOSS_CROSS_ENTROPY,
			 33, 0, 0, 0);

	spec_init(&s, 1, 6, 6);
	add_pool(&s, NN_LAYER_AVGPOOL2D, 3, 1, NN_PAD_VALID);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("avgpool2d 3x3 stride 1 on the input", &s, NN_LOSS_CROSS_ENTROPY,
			 34, 0, 0, 0);
}

static void test_batchnorm_grads(void)
{
	struct nn_model_spec s;

	spec_init(&s, 2, 4, 4);
	add_conv(&s, 3, 3, 3, 1, NN_PAD_SAME, NN_ACT_TANH);
	add_batchnorm(&s, 0.99f);
	add_conv(&s, 2, 2, 2, 2, NN_PAD_VALID, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("batchnorm on feature maps, training mode", &s,
			 NN_LOSS_CROSS_ENTROPY, 41, 1, 0, 0);

	spec_init(&s, 5, 1, 1);
	add_dense(&s, 6, NN_ACT_TANH);
	add_batchnorm(&s, 0.9f);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("batchnorm on dense units, training mode", &s,
			 NN_LOSS_CROSS_ENTROPY, 42, 1, 0, 0);
}

/* Inference mode reads the running statistics, which the random parameters
 * of model_grad_check would make negative variances: checked by hand here,
 * on a model that is one batchnorm layer over a flat input. */
static void test_batchnorm_inference(void)
{
	enum { B = 3, C = 2 };
	struct nn_model_spec s;
	struct nn_model *m;
	float *p;
	float x[B * C] = {1, 2, 3, 5, 8, 14};
	const float *y;
	double mean0 = 4.0, var0 = 26.0 / 3.0, mean1 = 7.0, var1 = 26.0;
	int good = 1;

	spec_init(&s, C, 1, 1);
	add_batchnorm(&s, 0.9f);
	m = build(&s, 4);
	if (!m)
		return;
	ok(nn_model_layer_param_count(m, 0) == 4 * C && nn_model_layer_state_count(m, 0) == 2 * C &&
	   nn_model_state_count(m) == 2 * C, "batchnorm: 4 C parameters, 2 C of them state");
	p = nn_model_params(m);
	nn_model_init(m, NULL);
	ok(p[0] == 1 && p[1] == 1 && p[2] == 0 && p[3] == 0 && p[4] == 0 && p[5] == 0 &&
	   p[6] == 1 && p[7] == 1, "gamma 1, beta 0, running mean 0, running variance 1");
	/* one training step: normalised with the batch's statistics, and the
	 * running statistics move by (1 - momentum) */
	y = nn_model_forward(m, x, B, 1, NULL);
	for (int i = 0; i < B; i++)
		good &= fabs(y[i * C] - (x[i * C] - mean0) / sqrt(var0 + 1e-3)) < 1e-5 &&
			fabs(y[i * C + 1] - (x[i * C + 1] - mean1) / sqrt(var1 + 1e-3)) < 1e-5;
	ok(good, "training normalises with the batch's mean and biased variance");
	is_near(p[4], 0.1 * mean0, 1e-6, "running mean of channel 0 after one batch");
	is_near(p[5], 0.1 * mean1, 1e-6, "running mean of channel 1 after one batch");
	is_near(p[6], 0.9 + 0.1 * var0 * B / (B - 1), 1e-5,
		"running variance of channel 0 takes the unbiased batch variance");
	is_near(p[7], 0.9 + 0.1 * var1 * B / (B - 1), 1e-5, "running variance of channel 1");
	/* inference: (x - running mean) / sqrt(running var + eps) * gamma + beta */
	p[0] = 2.0f, p[1] = 0.5f, p[2] = 1.0f, p[3] = -1.0f;
	p[4] = 3.0f, p[5] = 6.0f, p[6] = 4.0f, p[7] = 9.0f;
	y = nn_model_forward(m, x, B, 0, NULL);
	good = 1;
	for (int i = 0; i < B; i++) {
		double e0 = (x[i * C] - 3.0) / sqrt(4.001) * 2.0 + 1.0;
		double e1 = (x[i * C + 1] - 6.0) / sqrt(9.001) * 0.5 - 1.0;

		good &= fabs(y[i * C] - e0) < 1e-5 && fabs(y[i * C + 1] - e1) < 1e-5;
	}
	ok(good, "inference normalises with the running statistics");
	ok(p[4] == 3.0f && p[5] == 6.0f && p[6] == 4.0f && p[7] == 9.0f,
	   "inference leaves the running statistics alone");
	nn_model_free(m);
}

/* A 1-channel conv with an all-ones kernel counts the pixels of each window
 * that fall inside the image: the padding, as TensorFlow splits it. */
static void conv_count(int H, int W, int k, int stride, enum nn_padding pad,
		       const float *want, int OH, int OW, const char *what)
{
	struct nn_model_spec s;
	struct nn_model *m;
	float x[64];
	const float *y;
	int good = 1;

	spec_init(&s, 1, H, W);
	add_conv(&s, 1, k, k, stride, pad, NN_ACT_LINEAR);
	add_layer(&s, NN_LAYER_FLATTEN);
	m = build(&s, 1);
	if (!m)
		return;
	for (int i = 0; i < k * k; i++)
		nn_model_params(m)[i] = 1.0f;
	for (int i = 0; i < H * W; i++)
		x[i] = 1.0f;
	y = nn_model_forward(m, x, 1, 0, NULL);
	ok(nn_model_layer_output(m, 0).h == OH && nn_model_layer_output(m, 0).w == OW,
	   "%s: output %dx%d", what, OH, OW);
	for (int i = 0; i < OH * OW; i++)
		good &= y[i] == want[i];
	ok(good, "%s: window counts match", what);
	nn_model_free(m);
}

static void test_conv_forward(void)
{
	static const float same_odd[] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
	static const float same_even[] = {9, 6, 6, 4};
	static const float valid[] = {9, 9, 9, 9};
	struct nn_model_spec s;
	struct nn_model *m;
	/* one 3x3 image, two channels interleaved (channels-last) */
	float x[18], w[2 * 2 * 2 * 1 + 1];
	const float *y;

	conv_count(5, 5, 3, 2, NN_PAD_SAME, same_odd, 3, 3, "5x5, 3x3 stride 2 same");
	conv_count(4, 4, 3, 2, NN_PAD_SAME, same_even, 2, 2,
		   "4x4, 3x3 stride 2 same (the odd pad at the bottom and right)");
	conv_count(4, 4, 3, 1, NN_PAD_VALID, valid, 2, 2, "4x4, 3x3 valid");

	/* a hand-computed cross-correlation over two channels */
	for (int i = 0; i < 9; i++) {
		x[2 * i] = (float)(i + 1);      /* channel 0: 1..9 */
		x[2 * i + 1] = (float)(i % 2);  /* channel 1: 0 1 0 1 ... */
	}
	/* w[ky][kx][c]: channel 0 weights 1 2 / 3 4, channel 1 weights all 10 */
	w[0] = 1, w[1] = 10, w[2] = 2, w[3] = 10, w[4] = 3, w[5] = 10, w[6] = 4, w[7] = 10;
	w[8] = 0.5f;                        /* bias */
	spec_init(&s, 2, 3, 3);
	add_conv(&s, 1, 2, 2, 1, NN_PAD_VALID, NN_ACT_LINEAR);
	add_layer(&s, NN_LAYER_FLATTEN);
	m = build(&s, 1);
	if (!m)
		return;
	memcpy(nn_model_params(m), w, sizeof w);
	y = nn_model_forward(m, x, 1, 0, NULL);
	/* top-left: 1*1 + 2*2 + 4*3 + 5*4 = 37, channel 1: (0+1+1+0)*10 = 20 */
	ok(y[0] == 37.5f + 20 && y[1] == 47.5f + 20 && y[2] == 67.5f + 20 && y[3] == 77.5f + 20,
	   "conv2d forward equals the hand-computed cross-correlation (got %g %g %g %g)",
	   (double)y[0], (double)y[1], (double)y[2], (double)y[3]);
	nn_model_free(m);
}

/* Largest error of got against ref, relative to 1 + |ref|. */
static double worst_error(const float *got, const double *ref, size_t n)
{
	double worst = 0;

	for (size_t i = 0; i < n; i++) {
		double err = fabs(ref[i] - got[i]) / (1.0 + fabs(ref[i]));

		if (err > worst)
			worst = err;
	}
	return worst;
}

/* The direct kernels on one image against im2col and plain products in
 * double, on the geometries of notebook 004's CNN: 28 rows of output over
 * 32 channels (weight-gradient tiles with a partial last one, blocks of 7
 * pixels paired along a row), the 64 x 64 channel layer, 7-pixel rows
 * paired across rows, and the strided 5x5 layers' phases. */
static void direct_case(int H, int C, int F, int k, int S, const char *what)
{
	struct nn_window g;
	struct conv_padded pd, bw;
	struct rng rng;
	char msg[128];
	size_t K, rows, nx, ndz;
	float *x, *pad, *dz, *col, *dw, *w, *out, *din, *wt;
	double *ref, *refx;

	nn_window_init(&g, (struct nn_shape){C, H, H}, k, k, S, NN_PAD_SAME, F, msg, sizeof msg);
	pd = conv_forward_padding(&g);
	bw = S == 1 ? conv_backward_padding(&g) : conv_strided_padding(&g);
	K = (size_t)k * k * C, rows = (size_t)g.OH * g.OW;
	nx = (size_t)H * H * C, ndz = rows * F;
	x = malloc(sizeof(float) * nx);
	din = malloc(sizeof(float) * nx);
	pad = malloc(sizeof(float) * (conv_padded_size(&pd, C) + conv_padded_size(&bw, F)));
	dz = malloc(sizeof(float) * ndz);
	out = malloc(sizeof(float) * ndz);
	col = calloc(rows * K, sizeof(float));
	dw = calloc(K * F, sizeof(float));
	w = malloc(sizeof(float) * K * F);
	wt = malloc(sizeof(float) * K * F);
	ref = calloc(K * F > ndz ? K * F : ndz, sizeof(double));
	refx = calloc(nx, sizeof(double));
	rng_seed(&rng, 41);
	fill_uniform(x, nx, -1, 1, &rng);
	fill_uniform(dz, ndz, -1, 1, &rng);
	fill_uniform(w, K * F, -1, 1, &rng);
	conv_pad_image(pad, x, H, H, C, &pd);
	conv_direct_weight_grad(dw, pad, dz, &pd, &g);
	conv_direct_image(out, pad, w, NULL, &pd, g.OH, g.OW, C, F, k, k, S, 0);
	conv_im2col(col, x, &g, 1);
	for (size_t i = 0; i < K; i++)
		for (int f = 0; f < F; f++)
			for (size_t r = 0; r < rows; r++)
				ref[i * F + f] += (double)col[r * K + i] * dz[r * F + f];
	ok(worst_error(dw, ref, K * F) < 1e-4, "direct weight gradient equals im2col's, %s", what);
	for (size_t r = 0; r < rows; r++)
		for (int f = 0; f < F; f++) {
			ref[r * F + f] = 0;
			for (size_t i = 0; i < K; i++)
				ref[r * F + f] += (double)col[r * K + i] * w[i * F + f];
		}
	ok(worst_error(out, ref, ndz) < 1e-4, "direct forward equals im2col's, %s", what);
	if (C % 32 == 0) {
		/* din = col2im(dz w^T), summed in double by hand */
		for (size_t r = 0; r < rows; r++)
			for (size_t i = 0; i < K; i++) {
				double v = 0;

				for (int f = 0; f < F; f++)
					v += (double)dz[r * F + f] * w[i * F + f];
				col[r * K + i] = (float)v;
			}
		memset(din, 0, sizeof(float) * nx);
		conv_col2im(din, col, &g, 1);
		for (size_t i = 0; i < nx; i++)
			refx[i] = din[i];
		conv_pad_image(pad, dz, g.OH, g.OW, F, &bw);
		if (S == 1) {
			conv_flip_kernel(wt, w, &g);
			conv_direct_image(din, pad, wt, NULL, &bw, H, H, F, C, k, k, 1, 0);
		} else {
			conv_strided_kernels(wt, w, &g);
			conv_direct_strided_input_grad(din, pad, wt, &bw, &g);
		}
		ok(worst_error(din, refx, nx) < 1e-4, "direct input gradient equals col2im's, %s",
		   what);
	}
	free(x), free(din), free(pad), free(dz), free(out), free(col), free(dw), free(w);
	free(wt), free(ref), free(refx);
}

static void test_conv_direct(void)
{
	if (!conv_direct_available()) {
		ok(1, "direct kernels: no AVX-512 here, im2col + GEMM serves");
		return;
	}
	direct_case(28, 32, 32, 3, 1, "28x28, 32 -> 32, 3x3");
	direct_case(14, 64, 64, 3, 1, "14x14, 64 -> 64, 3x3");
	direct_case(14, 32, 64, 3, 1, "14x14, 32 -> 64, 3x3");
	direct_case(28, 32, 32, 5, 2, "28x28, 32 -> 32, 5x5 stride 2");
	direct_case(14, 64, 64, 5, 2, "14x14, 64 -> 64, 5x5 stride 2");
	direct_case(28, 1, 32, 3, 1, "28x28, 1 -> 32, 3x3");
	direct_case(7, 32, 32, 3, 1, "7x7, 32 -> 32, 3x3 (an odd row out)");
}

/* Notebook 004's CNN, as test_cnn_shapes builds it. */
static void nb004_cnn(struct nn_model_spec *s)
{
	spec_init(s, 1, 28, 28);
	for (int block = 0; block < 2; block++) {
		int f = block ? 64 : 32;

		add_conv(s, f, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
		add_batchnorm(s, 0.99f);
		add_conv(s, f, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
		add_batchnorm(s, 0.99f);
		add_conv(s, f, 5, 5, 2, NN_PAD_SAME, NN_ACT_RELU);
		add_batchnorm(s, 0.99f);
		add_dropout(s, 0.3f);
	}
	add_layer(s, NN_LAYER_FLATTEN);
	add_dense(s, 128, NN_ACT_RELU);
	add_dropout(s, 0.4f);
	add_dense(s, 10, NN_ACT_SOFTMAX);
}

/* One training forward and backward of notebook 004's CNN with the kernels
 * chosen now: the outputs (B, 10) into y and the gradients into g. */
static void cnn_pass(struct nn_model *m, const float *x, const uint8_t *labels, int B,
		     float *y, float *g)
{
	struct rng r;

	rng_seed(&r, 5);
	nn_model_init(m, &r);
	memcpy(y, nn_model_forward(m, x, B, 1, &r), sizeof(float) * (size_t)B * 10);
	nn_model_backward(m, NN_LOSS_CROSS_ENTROPY, labels, B);
	memcpy(g, nn_model_grads(m), sizeof(float) * nn_model_param_count(m));
}

/* Largest difference of a from b, relative to b's largest magnitude. */
static double relative_gap(const float *a, const float *b, size_t n)
{
	double gap = 0, scale = 0;

	for (size_t i = 0; i < n; i++) {
		gap = fmax(gap, fabs((double)a[i] - b[i]));
		scale = fmax(scale, fabs((double)b[i]));
	}
	return scale > 0 ? gap / scale : gap;
}

/* DIGITLAB_CONV's choice (nn_conv_select): the im2col fallback computes
 * what the direct kernels do, up to float rounding, on the whole CNN. */
static void test_conv_kernels_choice(void)
{
	enum { B = 4 };
	struct nn_model_spec s;
	struct nn_model *m;
	struct rng data;
	float x[B * 784], y_auto[B * 10], y_im2col[B * 10], *g_auto, *g_im2col;
	uint8_t labels[B] = {3, 1, 4, 1};
	const char *native = nn_conv_kernels_name();
	char msg[128] = "";
	int same_class = 1;
	size_t n;

	ok(nn_conv_select("gpu", msg, sizeof msg) == DL_ERR &&
	   !strcmp(msg, "expected auto, im2col or avx512") &&
	   !strcmp(nn_conv_kernels_name(), native), "an unknown kernel name is refused: %s", msg);
	if (strcmp(native, "avx512") != 0)
		ok(nn_conv_select("avx512", msg, sizeof msg) == DL_ERR &&
		   !strcmp(msg, "this processor has no AVX-512 (use auto or im2col)"),
		   "avx512 is refused on a processor without it: %s", msg);
	else
		ok(nn_conv_select("avx512", msg, sizeof msg) == DL_OK &&
		   !strcmp(nn_conv_kernels_name(), "avx512"), "avx512 is taken on this processor");

	nb004_cnn(&s);
	m = build(&s, B);
	if (!m)
		return;
	n = nn_model_param_count(m);
	g_auto = malloc(sizeof(float) * n);
	g_im2col = malloc(sizeof(float) * n);
	rng_seed(&data, 21);
	fill_uniform(x, B * 784, 0, 1, &data);
	ok(nn_conv_select("auto", msg, sizeof msg) == DL_OK, "auto is always taken");
	cnn_pass(m, x, labels, B, y_auto, g_auto);
	ok(nn_conv_select("im2col", msg, sizeof msg) == DL_OK &&
	   !strcmp(nn_conv_kernels_name(), "im2col"), "im2col is always taken");
	cnn_pass(m, x, labels, B, y_im2col, g_im2col);
	for (int b = 0; b < B; b++) {
		int ka = 0, ki = 0;

		for (int k = 1; k < 10; k++) {
			ka = y_auto[b * 10 + k] > y_auto[b * 10 + ka] ? k : ka;
			ki = y_im2col[b * 10 + k] > y_im2col[b * 10 + ki] ? k : ki;
		}
		same_class &= ka == ki;
	}
	ok(same_class, "the CNN predicts the same classes with %s and im2col", native);
	ok(relative_gap(y_im2col, y_auto, B * 10) < 1e-5,
	   "its outputs agree to 1e-5 (%.2g)", relative_gap(y_im2col, y_auto, B * 10));
	ok(relative_gap(g_im2col, g_auto, n) < 1e-4,
	   "its gradients agree to 1e-4 of the largest (%.2g)", relative_gap(g_im2col, g_auto, n));
	if (!strcmp(native, "avx512"))
		ok(memcmp(g_im2col, g_auto, sizeof(float) * n) != 0,
		   "and differ in their last bits: im2col really ran");
	nn_conv_select("auto", msg, sizeof msg);
	ok(!strcmp(nn_conv_kernels_name(), native), "auto brings back %s", native);
	free(g_auto), free(g_im2col);
	nn_model_free(m);
}

/* The batch variance of values far from zero, over more rows than one
 * block of the moments pass and split unevenly between blocks: merging the
 * blocks' moments must not cancel as E[x^2] - E[x]^2 would in float. */
static void test_batchnorm_moments(void)
{
	enum { B = 100, C = 3 };
	struct nn_model_spec s;
	struct nn_model *m;
	struct rng rng;
	float x[B * C], *p;
	double mean[C] = {0}, var[C] = {0};
	int good = 1;

	rng_seed(&rng, 7);
	for (int i = 0; i < B * C; i++)
		x[i] = 1000.0f * (float)(i % C + 1) + 0.1f * (rng_uniform(&rng) - 0.5f);
	for (int i = 0; i < B * C; i++)
		mean[i % C] += x[i] / (double)B;
	for (int i = 0; i < B * C; i++)
		var[i % C] += (x[i] - mean[i % C]) * (x[i] - mean[i % C]) / (double)(B - 1);
	spec_init(&s, C, 1, 1);
	add_batchnorm(&s, 0.0f);
	m = build(&s, B);
	if (!m)
		return;
	p = nn_model_params(m);
	nn_model_init(m, NULL);
	nn_model_forward(m, x, B, 1, NULL);
	for (int c = 0; c < C; c++)
		good &= fabs(p[2 * C + c] - mean[c]) < 1e-4 * mean[c] &&
			fabs(p[3 * C + c] - var[c]) < 1e-3 * var[c];
	ok(good, "batchnorm: the variance of values near 1000, 2000, 3000 (%.3g %.3g %.3g, "
	   "want %.3g %.3g %.3g)", (double)p[3 * C], (double)p[3 * C + 1], (double)p[3 * C + 2],
	   var[0], var[1], var[2]);
	nn_model_free(m);
}

static void test_pool_forward(void)
{
	struct nn_model_spec s;
	struct nn_model *m;
	float x[16];
	const float *y;

	for (int i = 0; i < 16; i++)
		x[i] = (float)((i * 7) % 16);   /* a permutation of 0..15 on 4x4 */
	spec_init(&s, 1, 4, 4);
	add_pool(&s, NN_LAYER_MAXPOOL2D, 2, 2, NN_PAD_VALID);
	add_layer(&s, NN_LAYER_FLATTEN);
	m = build(&s, 1);
	if (!m)
		return;
	y = nn_model_forward(m, x, 1, 0, NULL);
	/* rows: 0 7 14 5 / 12 3 10 1 / 8 15 6 13 / 4 11 2 9 */
	ok(y[0] == 12 && y[1] == 14 && y[2] == 15 && y[3] == 13, "maxpool2d 2x2 picks the maxima");
	nn_model_free(m);
	s.layers[0].kind = NN_LAYER_AVGPOOL2D;
	m = build(&s, 1);
	if (!m)
		return;
	y = nn_model_forward(m, x, 1, 0, NULL);
	ok(y[0] == 5.5f && y[1] == 7.5f && y[2] == 9.5f && y[3] == 7.5f,
	   "avgpool2d 2x2 takes the means");
	nn_model_free(m);
}

static void test_cnn_shapes(void)
{
	struct nn_model_spec s;
	struct nn_model *m;

	spec_init(&s, 1, 28, 28);
	for (int block = 0; block < 2; block++) {
		int f = block ? 64 : 32;

		add_conv(&s, f, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
		add_batchnorm(&s, 0.99f);
		add_conv(&s, f, 3, 3, 1, NN_PAD_SAME, NN_ACT_RELU);
		add_batchnorm(&s, 0.99f);
		add_conv(&s, f, 5, 5, 2, NN_PAD_SAME, NN_ACT_RELU);
		add_batchnorm(&s, 0.99f);
		add_dropout(&s, 0.3f);
	}
	add_layer(&s, NN_LAYER_FLATTEN);
	add_dense(&s, 128, NN_ACT_RELU);
	add_dropout(&s, 0.4f);
	add_dense(&s, 10, NN_ACT_SOFTMAX);
	m = build(&s, 2);
	if (!m)
		return;
	ok(nn_model_param_count(m) == 597066,
	   "notebook 004's CNN has Keras's 597,066 parameters (got %zu)", nn_model_param_count(m));
	ok(nn_model_state_count(m) == 2 * (3 * 32 + 3 * 64), "of which 576 batchnorm statistics");
	ok(nn_model_layer_output(m, 4).h == 14 && nn_model_layer_output(m, 11).w == 7 &&
	   nn_model_layer_output(m, 14).c == 3136, "28 -> 14 -> 7 through the strided convolutions");
	/* the direct kernels run a tenth faster on cache-line aligned weights */
	ok((uintptr_t)nn_model_params(m) % 64 == 0 && (uintptr_t)nn_model_grads(m) % 64 == 0,
	   "parameters and gradients start on a cache line");
	nn_model_free(m);

	spec_init(&s, 1, 4, 4);
	add_conv(&s, 2, 5, 5, 1, NN_PAD_VALID, NN_ACT_RELU);
	add_dense(&s, 2, NN_ACT_SOFTMAX);
	expect_error(&s, NN_LOSS_CROSS_ENTROPY,
		     "layer 1 (conv2d): a 5x5 window does not fit a 4x4 input with padding valid",
		     "a kernel larger than a valid input");
	s.layers[0].padding = NN_PAD_SAME;
	ok(nn_model_spec_check(&s, NN_LOSS_CROSS_ENTROPY, NULL) == DL_OK,
	   "the same kernel with padding same is fine");
	s.layers[0].filters = 0;
	expect_error(&s, NN_LOSS_CROSS_ENTROPY, "layer 1 (conv2d): filters must be >= 1",
		     "filters 0");
	spec_init(&s, 1, 4, 4);
	add_batchnorm(&s, 1.0f);
	add_dense(&s, 2, NN_ACT_SOFTMAX);
	expect_error(&s, NN_LOSS_CROSS_ENTROPY, "layer 1 (batchnorm): momentum must be in [0, 1), got 1",
		     "batchnorm momentum 1");
}

static void test_penalty(void)
{
	struct nn_model_spec s;
	struct nn_model *m;

	spec_init(&s, 5, 1, 1);
	add_dense(&s, 4, NN_ACT_TANH);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("cross_entropy + l1 0.01", &s, NN_LOSS_CROSS_ENTROPY, 21, 0, 0.01f, 0);
	model_grad_check("cross_entropy + l2 0.05", &s, NN_LOSS_CROSS_ENTROPY, 22, 0, 0, 0.05f);
	model_grad_check("cross_entropy + l1 0.02 + l2 0.03", &s, NN_LOSS_CROSS_ENTROPY, 23, 0,
			 0.02f, 0.03f);

	/* value and layout: kernels only, biases untouched */
	spec_init(&s, 2, 1, 1);
	add_dense(&s, 2, NN_ACT_LINEAR);
	m = build(&s, 1);
	if (!m)
		return;
	{
		const float p[6] = {1, -2, 3, -4, 5, 6};
		float *g = nn_model_grads(m);

		memcpy(nn_model_params(m), p, sizeof p);
		is_near(nn_model_penalty(m, 0.5f, 0.25f), 0.5 * 10 + 0.25 * 30, 1e-9,
			"penalty: l1 sum|w| + l2 sum w^2 over the kernel only");
		is_near(nn_model_penalty(m, 0, 0), 0, 0, "penalty: zero without l1, l2");
		memset(g, 0, sizeof(float) * 6);
		nn_model_penalty_grad(m, 0.5f, 0.25f);
		ok(g[0] == 0.5f + 0.5f && g[1] == -0.5f - 1.0f && g[2] == 0.5f + 1.5f &&
		   g[3] == -0.5f - 2.0f, "penalty grad: l1 sign(w) + 2 l2 w on the kernel");
		ok(g[4] == 0 && g[5] == 0, "penalty grad: biases get nothing");
	}
	nn_model_free(m);
}

static void test_dropout(void)
{
	struct nn_model_spec s;
	struct nn_model *m;
	struct rng rng;
	enum { B = 50, N = 40 };
	float x[B * N];
	const float *y;
	int zeros = 0, scaled = 0;

	spec_init(&s, 5, 1, 1);
	add_dense(&s, 8, NN_ACT_TANH);
	add_dropout(&s, 0.4f);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("dropout 0.4 in training, same mask both ways", &s,
			 NN_LOSS_CROSS_ENTROPY, 31, 1, 0, 0);
	model_grad_check("dropout 0.4 outside training", &s, NN_LOSS_CROSS_ENTROPY, 32, 0, 0, 0);

	/* mask statistics and scaling on a dropout-only flat model */
	spec_init(&s, N, 1, 1);
	add_dropout(&s, 0.25f);
	m = build(&s, B);
	if (!m)
		return;
	for (int i = 0; i < B * N; i++)
		x[i] = 1.0f + (float)(i % 7);
	rng_seed(&rng, 3);
	y = nn_model_forward(m, x, B, 1, &rng);
	for (int i = 0; i < B * N; i++) {
		zeros += y[i] == 0.0f;
		scaled += y[i] == x[i] * (1.0f / 0.75f);
	}
	ok(zeros + scaled == B * N, "dropout: every unit is dropped or scaled by 1/(1-rate)");
	ok(fabs(zeros / (double)(B * N) - 0.25) < 0.03,
	   "dropout: about a quarter dropped (%d of %d)", zeros, B * N);
	{
		/* the mask is the stream's next B*N uniforms, one per unit in
		 * order, and the stream goes on after them: drawn one by one,
		 * they give the same mask and the same next value */
		struct rng one;
		int same = 1;

		rng_seed(&one, 3);
		for (int i = 0; i < B * N; i++)
			same &= (y[i] == 0.0f) == (rng_uniform(&one) < 0.25f);
		ok(same, "dropout: unit i is dropped where the stream's i-th uniform is below the rate");
		ok(rng_u64(&one) == rng_u64(&rng), "dropout: and the stream goes on after them");
	}
	y = nn_model_forward(m, x, B, 0, NULL);
	ok(!memcmp(y, x, sizeof x), "dropout: identity when not training");
	nn_model_free(m);
}

/* Every parameter of a deeper model with flatten, dropout and the remaining
 * activations, and the input gradient (off by default, on on request). */
static void test_whole_model(void)
{
	enum { B = 3 };
	struct nn_model_spec s;
	struct nn_model *m;
	struct rng rng;
	struct fd c;
	float x[B * 9], dx[B * 9], *g1;
	double num[B * 9];
	uint8_t y[B] = {0, 2, 1};
	size_t n;

	spec_init(&s, 1, 3, 3);
	add_layer(&s, NN_LAYER_FLATTEN);
	add_dense(&s, 6, NN_ACT_ELU);
	add_dropout(&s, 0.2f);
	add_dense(&s, 5, NN_ACT_SELU);
	add_dense(&s, 4, NN_ACT_LEAKY_RELU);
	add_dense(&s, 3, NN_ACT_SOFTMAX);
	model_grad_check("whole model (flatten, elu, dropout, selu, leaky_relu, softmax)",
			 &s, NN_LOSS_CROSS_ENTROPY, 41, 1, 0, 0);

	s.layers[0].kind = NN_LAYER_DROPOUT;   /* dense directly on an image input */
	s.layers[0].rate = 0.0f;
	s.layers[1].activation = NN_ACT_RELU;
	model_grad_check("dense on a (1, 3, 3) input, relu", &s, NN_LOSS_CROSS_ENTROPY,
			 42, 0, 0, 0);

	m = build(&s, B);
	if (!m)
		return;
	n = nn_model_param_count(m);
	rng_seed(&rng, 43);
	fill_uniform(nn_model_params(m), n, -0.6f, 0.6f, &rng);
	fill_uniform(x, B * 9, -1, 1, &rng);
	c = (struct fd){m, x, y, B, 0, NN_LOSS_CROSS_ENTROPY, rng, 0, 0};
	fd_analytic(&c);
	ok(nn_model_input_grad(m) == NULL, "input gradient is off by default");
	g1 = malloc(sizeof(float) * n);
	if (!g1)
		return;
	memcpy(g1, nn_model_grads(m), sizeof(float) * n);
	nn_model_set_input_grad(m, 1);
	fd_analytic(&c);
	ok(nn_model_input_grad(m) != NULL, "input gradient on request");
	ok(!memcmp(g1, nn_model_grads(m), sizeof(float) * n),
	   "asking for the input gradient leaves the parameter gradients unchanged");
	if (nn_model_input_grad(m)) {
		memcpy(dx, nn_model_input_grad(m), sizeof dx);
		fd_numeric(&c, x, B * 9, num);
		check_grad("input gradient", dx, num, B * 9);
	}
	free(g1);
	nn_model_free(m);
}

/* ---- a forward pass by hand ---- */

static void test_hand_forward(void)
{
	struct nn_model_spec s;
	struct nn_model *m;
	/* layer 1: W (IN=2, OUT=2) = [[1, 2], [3, 4]], b = [0.5, -0.5], relu
	 * layer 2: W = [[1, -1], [0.5, 2]], b = [0.25, 1], linear */
	const float p[12] = {1, 2, 3, 4, 0.5f, -0.5f, 1, -1, 0.5f, 2, 0.25f, 1};
	const float x[4] = {2, 1, 1, -1};
	const float *out;
	uint8_t y1[1] = {1}, y0[1] = {0};
	double e = exp(1.0);

	spec_init(&s, 2, 1, 1);
	add_dense(&s, 2, NN_ACT_RELU);
	add_dense(&s, 2, NN_ACT_LINEAR);
	m = build(&s, 2);
	if (!m)
		return;
	ok(nn_model_param_count(m) == 12, "2-2-2 net has 12 parameters");
	memcpy(nn_model_params(m), p, sizeof p);
	out = nn_model_forward(m, x, 2, 0, NULL);
	/* x1 = (2, 1): z = (2+3+0.5, 4+4-0.5) = (5.5, 7.5), relu keeps it;
	 * out = (5.5 + 3.75 + 0.25, -5.5 + 15 + 1) = (9.5, 10.5).
	 * x2 = (1, -1): z = (1-3+0.5, 2-4-0.5) = (-1.5, -2.5) -> relu 0 -> out = b */
	ok(out[0] == 9.5f && out[1] == 10.5f, "hand forward: sample 1 gives (9.5, 10.5) exactly");
	ok(out[2] == 0.25f && out[3] == 1.0f, "hand forward: sample 2 (relu all zero) gives the bias");
	out = nn_model_forward(m, x, 1, 0, NULL);
	is_near(nn_model_loss(m, NN_LOSS_CROSS_ENTROPY, y0, 1), 1.0 + log(1.0 + 1.0 / e), 1e-6,
		"cross_entropy on logits (9.5, 10.5), label 0");
	is_near(nn_model_loss(m, NN_LOSS_MSE, y1, 1), (9.5 * 9.5 + 9.5 * 9.5) / 2, 1e-9,
		"mse, label 1: mean of squares");
	is_near(nn_model_loss(m, NN_LOSS_SSE, y1, 1), 0.5 * (9.5 * 9.5 + 9.5 * 9.5), 1e-9,
		"sse, label 1: half the sum of squares");
	is_near(nn_model_loss(m, NN_LOSS_HINGE, y1, 1), 0.0, 0, "hinge, label 1: margin met");
	is_near(nn_model_loss(m, NN_LOSS_HINGE, y0, 1), 2.0, 1e-9, "hinge, label 0: 1 + 10.5 - 9.5");
	nn_model_free(m);

	s.layers[1].activation = NN_ACT_SOFTMAX;
	m = build(&s, 2);
	if (!m)
		return;
	memcpy(nn_model_params(m), p, sizeof p);
	out = nn_model_forward(m, x, 1, 0, NULL);
	is_near(out[1], e / (1 + e), 1e-6, "hand forward: softmax of (9.5, 10.5)");
	is_near(nn_model_loss(m, NN_LOSS_CROSS_ENTROPY, y1, 1), log(1.0 + 1.0 / e), 1e-6,
		"cross_entropy + softmax, label 1");
	/* push sample 1 far apart: p_0 underflows and Keras clips at 1e-7 */
	nn_model_params(m)[11] = 200.0f;
	nn_model_forward(m, x, 1, 0, NULL);
	is_near(nn_model_loss(m, NN_LOSS_CROSS_ENTROPY, y0, 1), -log(1e-7), 1e-6,
		"cross_entropy + softmax: probability clipped at 1e-7 like Keras");
	ok(nn_model_forward(m, x, 3, 0, NULL) == NULL, "a batch above max_batch is refused");
	nn_model_free(m);
}

/* ---- spec_check messages ---- */

struct bad_spec {
	const char *what, *want;
};

static void expect_error(struct nn_model_spec *s, enum nn_loss loss, const char *want,
			 const char *what)
{
	struct dl_error err;

	dl_error_clear(&err);
	if (ok(nn_model_spec_check(s, loss, &err) == DL_ERR, "spec check rejects %s", what))
		is_str(err.msg, want, "message for %s", what);
}

static void test_spec_check(void)
{
	struct nn_model_spec s;
	struct nn_model *m = (struct nn_model *)&s;
	struct dl_error err;

	spec_init(&s, 1, 28, 28);
	expect_error(&s, NN_LOSS_CROSS_ENTROPY, "the model has no layers", "no layers");
	ok(nn_model_new(&m, &s, 4, &err) == DL_ERR && m == NULL,
	   "nn_model_new refuses it too and leaves *out NULL");

	add_dense(&s, 10, NN_ACT_RELU);
	add_dense(&s, 0, NN_ACT_SOFTMAX);
	expect_error(&s, NN_LOSS_CROSS_ENTROPY, "layer 2 (dense): units must be >= 1", "units 0");

	s.layers[1].units = 10;
	s.layers[1].activation = (enum nn_activation)99;
	expect_error(&s, NN_LOSS_MSE, "layer 2 (dense): unknown activation 99", "a bad activation");

	s.layers[1].activation = NN_ACT_SIGMOID;
	expect_error(&s, NN_LOSS_CROSS_ENTROPY,
		     "layer 2 (dense): cross_entropy needs a softmax or linear last activation, got sigmoid",
		     "cross_entropy after sigmoid");
	ok(nn_model_spec_check(&s, NN_LOSS_MSE, &err) == DL_OK, "mse after sigmoid is fine");
	ok(nn_model_spec_check(&s, NN_LOSS_HINGE, &err) == DL_OK, "hinge after sigmoid is fine");
	expect_error(&s, (enum nn_loss)7, "unknown loss 7", "an unknown loss");

	s.layers[1].activation = NN_ACT_SOFTMAX;
	add_dropout(&s, 0.5f);
	expect_error(&s, NN_LOSS_CROSS_ENTROPY,
		     "layer 3 (dropout): cross_entropy needs a dense last layer with softmax or linear activation",
		     "cross_entropy after a dropout");
	s.layers[2].rate = 1.0f;
	expect_error(&s, NN_LOSS_MSE, "layer 3 (dropout): rate must be in [0, 1), got 1", "rate 1");
	s.layers[2].rate = -0.1f;
	expect_error(&s, NN_LOSS_MSE, "layer 3 (dropout): rate must be in [0, 1), got -0.1", "rate -0.1");
	s.n_layers = 2;

	s.layers[0].has_init = 1;
	s.layers[0].init = NN_INIT_UNIFORM;
	s.layers[0].init_low = 1;
	s.layers[0].init_high = 1;
	expect_error(&s, NN_LOSS_CROSS_ENTROPY,
		     "layer 1 (dense): uniform initialiser needs low < high, got low 1 and high 1",
		     "uniform with low == high");
	s.layers[0].has_init = 0;
	ok(nn_model_spec_check(&s, NN_LOSS_CROSS_ENTROPY, &err) == DL_OK,
	   "dense straight after an image input is fine");

	spec_init(&s, 1, 28, 28);
	add_dropout(&s, 0.2f);
	expect_error(&s, NN_LOSS_MSE,
		     "layer 1 (dropout): the last layer must output a flat vector, got (1, 28, 28)",
		     "an image-shaped output");
	s.layers[0].kind = (enum nn_layer_kind)9;
	expect_error(&s, NN_LOSS_MSE, "layer 1: unknown layer kind 9", "an unknown layer kind");
	s.layers[0].kind = NN_LAYER_FLATTEN;
	ok(nn_model_spec_check(&s, NN_LOSS_MSE, &err) == DL_OK, "a lone flatten outputs a flat vector");

	spec_init(&s, 0, 28, 28);
	add_dense(&s, 10, NN_ACT_SOFTMAX);
	expect_error(&s, NN_LOSS_CROSS_ENTROPY, "input shape (0, 28, 28) must have sizes >= 1",
		     "an empty input");

	spec_init(&s, 1, 28, 28);
	for (int i = 0; i < NN_MAX_LAYERS; i++)
		add_dense(&s, 4, NN_ACT_RELU);
	s.n_layers = NN_MAX_LAYERS + 1;
	expect_error(&s, NN_LOSS_MSE, "the model has 65 layers, at most 64 are supported",
		     "too many layers");

	spec_init(&s, 1, 28, 28);
	add_dense(&s, 10, NN_ACT_SOFTMAX);
	m = (struct nn_model *)&s;
	ok(nn_model_new(&m, &s, 0, &err) == DL_ERR && m == NULL, "max_batch 0 is refused");
	is_str(err.msg, "max_batch must be >= 1, got 0", "message for max_batch 0");
}

static void test_shapes(void)
{
	struct nn_model_spec s;
	struct nn_model *m;
	struct nn_shape sh;

	spec_init(&s, 1, 28, 28);
	add_dropout(&s, 0.1f);
	add_layer(&s, NN_LAYER_FLATTEN);
	add_dense(&s, 16, NN_ACT_RELU);
	add_dense(&s, 10, NN_ACT_SOFTMAX);
	m = build(&s, 4);
	if (!m)
		return;
	sh = nn_model_layer_output(m, 0);
	ok(sh.c == 1 && sh.h == 28 && sh.w == 28, "dropout keeps the (1, 28, 28) shape");
	sh = nn_model_layer_output(m, 1);
	ok(sh.c == 784 && sh.h == 1 && sh.w == 1, "flatten gives (784, 1, 1)");
	ok(nn_model_layer_param_count(m, 2) == 784 * 16 + 16, "dense 784 -> 16: 12560 parameters");
	ok(nn_model_layer_param_count(m, 0) == 0 && nn_model_layer_param_count(m, 1) == 0,
	   "dropout and flatten have no parameters");
	ok(nn_model_param_count(m) == 12560 + 170, "the model has 12730 parameters");
	sh = nn_model_output_shape(m);
	ok(sh.c == 10 && sh.h == 1 && sh.w == 1, "output shape (10, 1, 1)");
	ok(nn_model_max_batch(m) == 4, "max_batch kept");
	ok(nn_model_spec(m)->n_layers == 4, "the model keeps its spec");
	nn_model_free(m);
}

/* ---- initialisers ---- */

static void stats(const float *p, size_t n, double *mean, double *sd, float *lo, float *hi)
{
	double s = 0, s2 = 0;

	*lo = *hi = p[0];
	for (size_t i = 0; i < n; i++) {
		s += p[i];
		s2 += (double)p[i] * p[i];
		*lo = p[i] < *lo ? p[i] : *lo;
		*hi = p[i] > *hi ? p[i] : *hi;
	}
	*mean = s / n;
	*sd = sqrt(s2 / n - *mean * *mean);
}

static int all_zero(const float *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0.0f)
			return 0;
	return 1;
}

static void test_init(void)
{
	enum { IN = 784, OUT = 100, NW = IN * OUT };
	struct nn_model_spec s;
	struct nn_model *m;
	struct rng rng;
	double mean, sd, limit;
	float lo, hi;
	const float *w, *b;

	spec_init(&s, IN, 1, 1);
	add_dense(&s, OUT, NN_ACT_RELU);
	add_dense(&s, 10, NN_ACT_SOFTMAX);
	s.layers[1].has_init = 1;
	s.layers[1].init = NN_INIT_UNIFORM01;

	for (int init = NN_INIT_GLOROT_UNIFORM; init <= NN_INIT_UNIFORM; init++) {
		const char *name = nn_init_name((enum nn_init)init);

		s.init = (enum nn_init)init;
		s.init_low = -0.25f;
		s.init_high = 0.75f;
		m = build(&s, 1);
		if (!m)
			return;
		w = nn_model_params(m);
		b = w + NW;
		rng_seed(&rng, 100 + init);
		nn_model_init(m, &rng);
		stats(w, NW, &mean, &sd, &lo, &hi);
		switch (init) {
		case NN_INIT_GLOROT_UNIFORM:
		case NN_INIT_HE_UNIFORM:
			limit = init == NN_INIT_GLOROT_UNIFORM ? sqrt(6.0 / (IN + OUT)) : sqrt(6.0 / IN);
			ok(lo >= -limit && hi <= limit, "%s: weights within +-%.4f", name, limit);
			ok(hi > 0.99 * limit && lo < -0.99 * limit, "%s: weights reach the bounds", name);
			ok(fabs(sd - limit / sqrt(3.0)) < 0.02 * limit, "%s: sd %.4f ~ limit/sqrt(3)", name, sd);
			ok(fabs(mean) < 0.01 * limit, "%s: mean ~ 0", name);
			ok(all_zero(b, OUT), "%s: biases are zero", name);
			break;
		case NN_INIT_GLOROT_NORMAL:
		case NN_INIT_HE_NORMAL:
			limit = init == NN_INIT_GLOROT_NORMAL ? sqrt(2.0 / (IN + OUT)) : sqrt(2.0 / IN);
			ok(fabs(sd - limit) < 0.02 * limit,
			   "%s: sd %.5f ~ %.5f (truncation compensated)", name, sd, limit);
			ok(hi <= 2 * limit / 0.87962566103423978 + 1e-6 &&
			   lo >= -2 * limit / 0.87962566103423978 - 1e-6,
			   "%s: truncated at two standard deviations", name);
			ok(fabs(mean) < 0.01 * limit, "%s: mean ~ 0", name);
			ok(all_zero(b, OUT), "%s: biases are zero", name);
			break;
		case NN_INIT_UNIFORM01:
			ok(lo >= 0 && hi < 1, "uniform01: weights in [0, 1)");
			ok(fabs(mean - 0.5) < 0.01, "uniform01: mean ~ 0.5");
			stats(b, OUT, &mean, &sd, &lo, &hi);
			ok(lo >= 0 && hi < 1 && fabs(mean - 0.5) < 0.1, "uniform01: biases drawn in [0, 1) too");
			break;
		case NN_INIT_UNIFORM:
			ok(lo >= -0.25f && hi < 0.75f, "uniform: weights in [low, high)");
			ok(fabs(mean - 0.25) < 0.01, "uniform: mean ~ (low + high) / 2");
			stats(b, OUT, &mean, &sd, &lo, &hi);
			ok(lo >= -0.25f && hi < 0.75f && !all_zero(b, OUT), "uniform: biases drawn too");
			break;
		}
		/* the second layer overrides the model's initialiser */
		stats(b + OUT, 10 * OUT + 10, &mean, &sd, &lo, &hi);
		ok(lo >= 0 && hi < 1 && fabs(mean - 0.5) < 0.05,
		   "%s model, uniform01 layer override: layer 2 in [0, 1)", name);
		nn_model_free(m);
	}
}

/* ---- determinism ---- */

static void test_determinism(void)
{
	enum { B = 8, IN = 20 };
	struct nn_model_spec s;
	struct nn_model *a, *b;
	struct rng ra, rb, data;
	float x[B * IN];
	const float *ya, *yb;
	uint8_t y[B] = {0, 1, 2, 3, 0, 1, 2, 3};
	size_t n;

	spec_init(&s, IN, 1, 1);
	s.init = NN_INIT_HE_NORMAL;
	add_dense(&s, 16, NN_ACT_RELU);
	add_dropout(&s, 0.3f);
	add_dense(&s, 4, NN_ACT_SOFTMAX);
	a = build(&s, B);
	b = build(&s, B);
	if (!a || !b)
		return;
	n = nn_model_param_count(a);
	rng_seed(&data, 9);
	fill_uniform(x, B * IN, -1, 1, &data);
	rng_seed(&ra, 77);
	rng_seed(&rb, 77);
	nn_model_init(a, &ra);
	nn_model_init(b, &rb);
	ok(!memcmp(nn_model_params(a), nn_model_params(b), sizeof(float) * n),
	   "same seed: identical initial parameters");
	ya = nn_model_forward(a, x, B, 1, &ra);
	yb = nn_model_forward(b, x, B, 1, &rb);
	ok(!memcmp(ya, yb, sizeof(float) * B * 4), "same seed: identical training outputs (dropout)");
	nn_model_backward(a, NN_LOSS_CROSS_ENTROPY, y, B);
	nn_model_backward(b, NN_LOSS_CROSS_ENTROPY, y, B);
	ok(!memcmp(nn_model_grads(a), nn_model_grads(b), sizeof(float) * n),
	   "same seed: identical gradients");
	ya = nn_model_forward(a, x, B, 0, NULL);
	ok(!memcmp(ya, nn_model_forward(b, x, B, 0, NULL), sizeof(float) * B * 4),
	   "identical evaluation outputs");
	rng_seed(&rb, 78);
	nn_model_init(b, &rb);
	ok(memcmp(nn_model_params(a), nn_model_params(b), sizeof(float) * n) != 0,
	   "another seed: other parameters");
	nn_model_free(a);
	nn_model_free(b);
}

static void test_names(void)
{
	static const char *acts[] = {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
				     "selu", "softmax"};
	static const char *inits[] = {"glorot_uniform", "glorot_normal", "he_uniform",
				      "he_normal", "uniform01", "uniform"};
	static const char *losses[] = {"cross_entropy", "mse", "sse", "hinge"};
	static const char *kinds[] = {"dense", "dropout", "flatten", "conv2d", "maxpool2d",
				      "avgpool2d", "batchnorm"};
	static const char *paddings[] = {"valid", "same"};
	int good = 1;

	for (int i = 0; i < 8; i++)
		good &= !strcmp(nn_activation_name((enum nn_activation)i), acts[i]) &&
			nn_activation_from_name(acts[i]) == i;
	ok(good, "activation names round-trip");
	good = 1;
	for (int i = 0; i < 6; i++)
		good &= !strcmp(nn_init_name((enum nn_init)i), inits[i]) &&
			nn_init_from_name(inits[i]) == i;
	ok(good, "initialiser names round-trip");
	good = 1;
	for (int i = 0; i < 4; i++)
		good &= !strcmp(nn_loss_name((enum nn_loss)i), losses[i]) &&
			nn_loss_from_name(losses[i]) == i;
	ok(good, "loss names round-trip");
	good = 1;
	for (int i = 0; i < 7; i++)
		good &= !strcmp(nn_layer_kind_name((enum nn_layer_kind)i), kinds[i]) &&
			nn_layer_kind_from_name(kinds[i]) == i;
	ok(good, "layer kind names round-trip");
	good = 1;
	for (int i = 0; i < 2; i++)
		good &= !strcmp(nn_padding_name((enum nn_padding)i), paddings[i]) &&
			nn_padding_from_name(paddings[i]) == i;
	ok(good, "padding names round-trip");
	/* the parser lists a table up to its NULL: one name per enum value */
	ok(nn_activation_names[NN_ACT_SOFTMAX + 1] == NULL &&
	   nn_init_names[NN_INIT_UNIFORM + 1] == NULL && nn_loss_names[NN_LOSS_HINGE + 1] == NULL &&
	   nn_layer_kind_names[NN_LAYER_BATCHNORM + 1] == NULL &&
	   nn_padding_names[NN_PAD_SAME + 1] == NULL && nn_optim_names[NN_OPTIM_ADAGRAD + 1] == NULL,
	   "each name table ends with NULL after its enum's last value");
	is_str(nn_layer_kind_name((enum nn_layer_kind)(NN_LAYER_BATCHNORM + 1)), "?",
	       "the value after a table's last prints as ?");
	ok(nn_activation_from_name("gelu") == -1 && nn_init_from_name("zeros") == -1 &&
	   nn_loss_from_name("kld") == -1 && nn_layer_kind_from_name("conv3d") == -1,
	   "unknown names give -1");
	is_str(nn_activation_name((enum nn_activation)42), "?", "an out-of-range enum prints as ?");
}

/* Does the buffer hold these bytes somewhere? */
static int holds(const unsigned char *p, size_t n, const void *what, size_t len)
{
	for (size_t i = 0; i + len <= n; i++)
		if (!memcmp(p + i, what, len))
			return 1;
	return 0;
}

/* The ONNX encoding of a 4-3-2 net, byte by byte where it matters (the
 * checker and ONNX Runtime prove the rest in tests/onnx.sh). */
static void test_onnx_encoding(void)
{
	static const char *const names[2] = {"yes", "no"};
	struct nn_model_spec spec = {.input = {1, 2, 2}, .n_layers = 2};
	struct nn_onnx_opts o = {.input_scale = 0.5f, .n_classes = 2, .class_names = names,
				 .graph_name = "tiny", .producer_version = "9.9"};
	struct nn_model *m;
	struct dl_error err;
	unsigned char *bytes;
	size_t len;
	float *p;

	spec.layers[0] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 3,
						.activation = NN_ACT_RELU};
	spec.layers[1] = (struct nn_layer_spec){.kind = NN_LAYER_DENSE, .units = 2,
						.activation = NN_ACT_SOFTMAX};
	if (nn_model_new(&m, &spec, 1, &err) != DL_OK) {
		ok(0, "onnx: the model builds (%s)", err.msg);
		return;
	}
	p = nn_model_params(m);
	for (size_t i = 0; i < nn_model_param_count(m); i++)
		p[i] = (float)i;
	ok(nn_onnx_encode(m, &o, &bytes, &len, &err) == DL_OK, "onnx: a dense net encodes");
	/* ir_version 7: field 1 varint; opset_import {version 13}: field 8 */
	ok(len > 2 && bytes[0] == 0x08 && bytes[1] == 7, "onnx: the model opens with ir_version 7");
	ok(holds(bytes, len, "\x42\x02\x10\x0d", 4), "onnx: opset 13 is imported");
	ok(holds(bytes, len, "\x22\x04Gemm", 6) && holds(bytes, len, "\x22\x04Relu", 6) &&
	   holds(bytes, len, "\x22\x07Softmax", 9) && holds(bytes, len, "\x22\x03Mul", 5),
	   "onnx: Mul (the scale), Gemm, Relu and Softmax nodes");
	{
		/* W_0 as raw little-endian floats: parameters 0..11 */
		unsigned char raw[2 + 48];

		raw[0] = 0x4a;          /* raw_data: field 9, length-delimited */
		raw[1] = 48;
		for (int i = 0; i < 12; i++) {
			float f = (float)i;
			memcpy(raw + 2 + 4 * i, &f, 4);
		}
		ok(holds(bytes, len, raw, sizeof raw), "onnx: the first kernel is stored as it is held");
	}
	ok(holds(bytes, len, "\x0a\x07" "classes\x12\x06" "yes\nno", 17),
	   "onnx: the class names are metadata \"classes\", one a line");
	free(bytes);
	nn_model_free(m);
}

int main(void)
{
	const char *stride = getenv("DIGITLAB_TEST_FD_STRIDE");

	if (stride && atoi(stride) > 1)
		fd_stride = (size_t)atoi(stride);
	test_activation_values();
	test_onnx_encoding();
	test_activation_grads();
	test_dense_grads();
	test_loss_grads();
	test_conv_grads();
	test_conv_threads();
	test_dense_threads();
	test_split_parts();
	test_model_threads();
	test_pool_grads();
	test_batchnorm_grads();
	test_batchnorm_inference();
	test_batchnorm_moments();
	test_conv_forward();
	test_conv_direct();
	test_conv_kernels_choice();
	test_pool_forward();
	test_cnn_shapes();
	test_penalty();
	test_dropout();
	test_whole_model();
	test_hand_forward();
	test_spec_check();
	test_shapes();
	test_init();
	test_determinism();
	test_names();
	return tap_done();
}
