/* Dense (fully connected) layer with its activation: z = in W + b, y = act(z).
 * W is (IN, OUT) row-major so the forward pass and both backward products
 * are single GEMMs over the batch. A non-flat input is read as a flat vector
 * of C*H*W floats (samples are contiguous), as if a flatten came first. */
#include <stdio.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/layer.h"

/* Output columns [c0, c1) of B samples: out[:, c0:c1] = in w[:, c0:c1] +
 * b[c0:c1], out (B, OUT) and w (IN, OUT) row-major. */
NN_VECTORIZE static void forward_columns(float *out, const float *in, const float *w,
					 const float *b, int B, int IN, int OUT, int c0, int c1)
{
	nn_gemm(0, 0, B, c1 - c0, IN, 1.0f, in, IN, w + c0, OUT, 0.0f, out + c0, OUT);
	for (int r = 0; r < B; r++) {
		float *o = out + (size_t)r * OUT;

		for (int j = c0; j < c1; j++)
			o[j] += b[j];
	}
}

void dense_forward(float *out, const float *in, const float *w, const float *b,
		   int B, int IN, int OUT)
{
	forward_columns(out, in, w, b, B, IN, OUT, 0, OUT);
}

/* db (OUT) = sum over the batch of dout */
NN_VECTORIZE static void dense_bias_grad(float *db, const float *dout, int B, int OUT)
{
	memset(db, 0, sizeof(float) * (size_t)OUT);
	for (int r = 0; r < B; r++) {
		const float *d = dout + (size_t)r * OUT;

		for (int j = 0; j < OUT; j++)
			db[j] += d[j];
	}
}

NN_VECTORIZE void dense_backward(float *din, float *dw, float *db, const float *dout,
		    const float *in, const float *w, int B, int IN, int OUT)
{
	/* dw (IN, OUT) = in^T (IN, B) x dout (B, OUT) */
	nn_gemm(1, 0, IN, OUT, B, 1.0f, in, IN, dout, OUT, 0.0f, dw, OUT);
	dense_bias_grad(db, dout, B, OUT);
	/* din (B, IN) = dout (B, OUT) x w^T (OUT, IN) */
	if (din)
		nn_gemm(0, 1, B, IN, OUT, 1.0f, dout, OUT, w, OUT, 0.0f, din, IN);
}

static int dense_check(const struct nn_layer_spec *s, struct nn_shape in,
		       struct nn_shape *out, char *msg, size_t size)
{
	(void)in;
	if (s->units < 1) {
		snprintf(msg, size, "units must be >= 1");
		return DL_ERR;
	}
	if ((int)s->activation < 0 || s->activation > NN_ACT_SOFTMAX) {
		snprintf(msg, size, "unknown activation %d", (int)s->activation);
		return DL_ERR;
	}
	*out = (struct nn_shape){s->units, 1, 1};
	return DL_OK;
}

static size_t dense_param_count(const struct nn_layer_spec *s, struct nn_shape in,
				struct nn_shape out, size_t *n_kernel)
{
	(void)s;
	*n_kernel = (size_t)nn_shape_size(in) * (size_t)nn_shape_size(out);
	return *n_kernel + (size_t)nn_shape_size(out);
}

static size_t dense_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			    struct nn_shape out, int max_batch)
{
	(void)in;
	/* z, and y unless the activation is linear (y is z) */
	return (size_t)nn_shape_size(out) * max_batch *
	       (s->activation == NN_ACT_LINEAR ? 1 : 2);
}

static void dense_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	L->z = scratch;
	L->buf = L->spec->activation == NN_ACT_LINEAR ? L->z
		 : scratch + (size_t)max_batch * L->n_out;
	L->y = L->buf;
	L->alpha = nn_activation_alpha(L->spec->activation, L->spec->alpha);
}

static void dense_init(struct nn_layer *L, float *p, struct rng *rng)
{
	size_t nw = (size_t)L->n_in * L->n_out;

	nn_init_fill(p, nw, L->init, L->n_in, L->n_out, L->init_low, L->init_high, rng);
	if (L->init == NN_INIT_UNIFORM01 || L->init == NN_INIT_UNIFORM)
		nn_init_fill(p + nw, (size_t)L->n_out, L->init, L->n_in, L->n_out,
			     L->init_low, L->init_high, rng);
	else
		memset(p + nw, 0, sizeof(float) * (size_t)L->n_out);
}

/* A dense layer's products shared between the model's threads: forward by
 * output columns or by samples (forward_by_columns), the input gradient by
 * samples, the weight gradient by input rows, so no thread's result
 * overlaps another's and nothing needs summing. */
struct dense_job {
	const struct nn_layer *L;
	const float *in, *w, *b, *dout;
	float *out, *dw, *din;
	int B;
};

/* Output columns are shared in whole panels of this many, the width of
 * OpenBLAS's single-precision kernels. */
#define DENSE_PANEL 16

/* The forward product's shares: by output columns when the weights are the
 * larger operand (a batch smaller than the layer's width), so that each
 * thread reads only its columns of w, most of what the product reads; by
 * samples otherwise. Either way no share overlaps another, and the choice
 * depends only on the shapes, so a thread count always gives the same bits. */
static int forward_by_columns(const struct nn_layer *L, int B, int parts)
{
	return B < L->n_out && (L->n_out + DENSE_PANEL - 1) / DENSE_PANEL >= parts;
}

static void dense_forward_job(void *arg, int part, int parts)
{
	const struct dense_job *j = arg;
	int IN = j->L->n_in, OUT = j->L->n_out, p0, p1, c0, c1;

	if (!forward_by_columns(j->L, j->B, parts)) {
		nn_share(j->B, part, parts, &p0, &p1);
		if (p1 > p0)
			dense_forward(j->out + (size_t)p0 * OUT, j->in + (size_t)p0 * IN, j->w,
				      j->b, p1 - p0, IN, OUT);
		return;
	}
	nn_share((OUT + DENSE_PANEL - 1) / DENSE_PANEL, part, parts, &p0, &p1);
	c0 = p0 * DENSE_PANEL;
	c1 = p1 * DENSE_PANEL < OUT ? p1 * DENSE_PANEL : OUT;
	if (c1 > c0)
		forward_columns(j->out, j->in, j->w, j->b, j->B, IN, OUT, c0, c1);
}

static void dense_backward_job(void *arg, int part, int parts)
{
	const struct dense_job *j = arg;
	int IN = j->L->n_in, OUT = j->L->n_out, i0, i1, r0, r1;

	/* dw rows [i0, i1) = in[:, i0:i1]^T dout */
	nn_share(IN, part, parts, &i0, &i1);
	if (i1 > i0)
		nn_gemm(1, 0, i1 - i0, OUT, j->B, 1.0f, j->in + i0, IN, j->dout, OUT, 0.0f,
			j->dw + (size_t)i0 * OUT, OUT);
	/* din rows [r0, r1) = dout[r0:r1] w^T */
	nn_share(j->B, part, parts, &r0, &r1);
	if (j->din && r1 > r0)
		nn_gemm(0, 1, r1 - r0, IN, OUT, 1.0f, j->dout + (size_t)r0 * OUT, OUT, j->w, OUT,
			0.0f, j->din + (size_t)r0 * IN, IN);
}

/* Multiply-adds of a pass: the forward's product, or the backward's one or
 * two (dw, and din when wanted). */
static double dense_work(const struct nn_layer *L, int B, int backward, int with_din,
			 enum nn_split_kind *kind)
{
	double macs = (double)B * L->n_in * L->n_out;

	*kind = backward ? NN_SPLIT_DENSE_BACKWARD : NN_SPLIT_DENSE_FORWARD;
	return backward && with_din ? 2 * macs : macs;
}

static void dense_layer_forward(struct nn_layer *L, const float *in, float *p,
				int B, int training, struct rng *rng)
{
	const float *w = p, *b = p + (size_t)L->n_in * L->n_out;
	int parts = nn_layer_parts(L, B, 0, 0);

	(void)rng;
	L->trained = training;
	if (parts > 1) {
		struct dense_job j = {.L = L, .in = in, .w = w, .b = b, .out = L->z, .B = B};

		nn_pool_run_parts(L->pool, parts, dense_forward_job, &j);
	} else {
		dense_forward(L->z, in, w, b, B, L->n_in, L->n_out);  /* (B, OUT) */
	}
	if (L->spec->activation != NN_ACT_LINEAR)
		nn_activation_forward(L->spec->activation, L->alpha, L->buf, L->z,
				      B, L->n_out);                    /* (B, OUT) */
}

static float *dense_layer_backward(struct nn_layer *L, float *dout, float *dst,
				   const float *in, const float *p, float *g, int B)
{
	size_t nw = (size_t)L->n_in * L->n_out;
	int parts = nn_layer_parts(L, B, 1, dst != NULL);

	/* dz (B, OUT), computed in place over dout */
	if (!L->grad_at_pre && L->spec->activation != NN_ACT_LINEAR)
		nn_activation_backward(L->spec->activation, L->alpha, dout, dout,
				       L->z, L->y, B, L->n_out);
	if (parts > 1) {
		struct dense_job j = {.L = L, .in = in, .w = p, .dout = dout, .dw = g,
				      .din = dst, .B = B};
		float *db = g + nw;

		nn_pool_run_parts(L->pool, parts, dense_backward_job, &j);
		dense_bias_grad(db, dout, B, L->n_out);
		return dst;
	}
	dense_backward(dst, g, g + nw, dout, in, p, B, L->n_in, L->n_out);
	return dst;
}

const struct nn_layer_ops nn_dense_ops = {
	.check = dense_check,
	.param_count = dense_param_count,
	.scratch_size = dense_scratch,
	.setup = dense_setup,
	.init = dense_init,
	.forward = dense_layer_forward,
	.backward = dense_layer_backward,
	.work = dense_work,
};
