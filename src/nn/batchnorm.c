/* Batch normalisation over the last axis (the channels of a channels-last
 * image, the units of a flat vector), as Keras's BatchNormalization:
 *
 *   training:   y = gamma * (x - mean_B) / sqrt(var_B + eps) + beta, with the
 *               batch's mean and (biased) variance over every row (sample x
 *               pixel), and running = momentum * running + (1 - momentum) *
 *               batch statistic;
 *   inference:  the same with the running mean and variance.
 *
 * The running variance is updated with the unbiased batch variance
 * (n / (n - 1) times the biased one), as TensorFlow's fused kernel and
 * PyTorch do. Parameters: gamma (C), beta (C), then the non-trainable
 * running mean (C) and running variance (C), initialised 1, 0, 0, 1.
 * Statistics are accumulated in double: a 32 x 28 x 28 batch sums 25,088
 * values per channel.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nn/layer.h"

/* The per-channel statistics live on the stack while a batch is processed. */
#define BN_MAX_CHANNELS 4096

static int bn_check(const struct nn_layer_spec *s, struct nn_shape in,
		    struct nn_shape *out, char *msg, size_t size)
{
	if (in.c > BN_MAX_CHANNELS) {
		snprintf(msg, size, "at most %d channels (or units) are supported, got %d",
			 BN_MAX_CHANNELS, in.c);
		return DL_ERR;
	}
	if (!(s->momentum >= 0.0f && s->momentum < 1.0f)) {
		snprintf(msg, size, "momentum must be in [0, 1), got %g", (double)s->momentum);
		return DL_ERR;
	}
	if (!(s->epsilon > 0.0f)) {
		snprintf(msg, size, "epsilon must be > 0, got %g", (double)s->epsilon);
		return DL_ERR;
	}
	*out = in;
	return DL_OK;
}

static size_t bn_param_count(const struct nn_layer_spec *s, struct nn_shape in,
			     struct nn_shape out, size_t *n_kernel)
{
	(void)s, (void)out;
	*n_kernel = 0;                  /* Keras leaves gamma and beta unpenalised */
	return 4 * (size_t)in.c;
}

static size_t bn_state_count(const struct nn_layer_spec *s, struct nn_shape in)
{
	(void)s;
	return 2 * (size_t)in.c;
}

static size_t bn_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			 struct nn_shape out, int max_batch)
{
	(void)s;
	/* xhat and y (B, n), per channel statistics (4 C) */
	return 2 * (size_t)nn_shape_size(out) * max_batch + 4 * (size_t)in.c;
}

static void bn_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	L->z = scratch;                                         /* xhat */
	L->buf = scratch + (size_t)max_batch * L->n_out;
	L->chan = L->buf + (size_t)max_batch * L->n_out;
	L->y = L->buf;
}

static void bn_init(struct nn_layer *L, float *p, struct rng *rng)
{
	int C = L->in.c;

	(void)rng;
	for (int c = 0; c < C; c++) {
		p[c] = 1.0f;            /* gamma */
		p[C + c] = 0.0f;        /* beta */
		p[2 * C + c] = 0.0f;    /* running mean */
		p[3 * C + c] = 1.0f;    /* running variance */
	}
}

/* Per channel mean and biased variance of rows x C values, in double. */
static void channel_moments(const float *x, size_t rows, int C, double *mean, double *var)
{
	for (int c = 0; c < C; c++)
		mean[c] = var[c] = 0.0;
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++)
			mean[c] += x[r * C + c];
	for (int c = 0; c < C; c++)
		mean[c] /= (double)rows;
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++) {
			double d = x[r * C + c] - mean[c];

			var[c] += d * d;
		}
	for (int c = 0; c < C; c++)
		var[c] /= (double)rows;
}

NN_VECTORIZE static void normalise(float *restrict xhat, float *restrict y,
				   const float *restrict x, const float *restrict mean,
				   const float *restrict inv_std, const float *restrict gamma,
				   const float *restrict beta, size_t rows, int C)
{
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++) {
			float h = (x[r * C + c] - mean[c]) * inv_std[c];

			xhat[r * C + c] = h;
			y[r * C + c] = gamma[c] * h + beta[c];
		}
}

static void bn_forward(struct nn_layer *L, const float *in, float *p, int B,
		       int training, struct rng *rng)
{
	int C = L->in.c;
	size_t rows = (size_t)B * (L->n_in / C);
	float *gamma = p, *beta = p + C, *run_mean = p + 2 * C, *run_var = p + 3 * C;
	float *mean = L->chan, *inv_std = L->chan + C;
	float eps = L->spec->epsilon, mom = L->spec->momentum;

	(void)rng;
	L->trained = training;
	if (training) {
		double bm[C], bv[C];    /* C <= BN_MAX_CHANNELS */

		channel_moments(in, rows, C, bm, bv);
		for (int c = 0; c < C; c++) {
			double unbiased = rows > 1 ? bv[c] * rows / (rows - 1) : bv[c];

			mean[c] = (float)bm[c];
			inv_std[c] = (float)(1.0 / sqrt(bv[c] + eps));
			run_mean[c] = (float)(mom * run_mean[c] + (1.0 - mom) * bm[c]);
			run_var[c] = (float)(mom * run_var[c] + (1.0 - mom) * unbiased);
		}
	} else {
		for (int c = 0; c < C; c++) {
			mean[c] = run_mean[c];
			inv_std[c] = (float)(1.0 / sqrt((double)run_var[c] + eps));
		}
	}
	normalise(L->z, L->buf, in, mean, inv_std, gamma, beta, rows, C);
}

NN_VECTORIZE static void sums_dy(float *restrict sum_dy, float *restrict sum_dy_xhat,
				 const float *restrict dy, const float *restrict xhat,
				 size_t rows, int C)
{
	memset(sum_dy, 0, sizeof(float) * (size_t)C);
	memset(sum_dy_xhat, 0, sizeof(float) * (size_t)C);
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++) {
			sum_dy[c] += dy[r * C + c];
			sum_dy_xhat[c] += dy[r * C + c] * xhat[r * C + c];
		}
}

/* training: dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat));
 * inference: the statistics are constants, dx = gamma / std * dy. */
NN_VECTORIZE static void input_grad(float *restrict dx, const float *restrict dy,
				    const float *restrict xhat, const float *restrict scale,
				    const float *restrict mean_dy,
				    const float *restrict mean_dy_xhat, size_t rows, int C)
{
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++)
			dx[r * C + c] = scale[c] * (dy[r * C + c] - mean_dy[c] -
						    xhat[r * C + c] * mean_dy_xhat[c]);
}

static float *bn_backward(struct nn_layer *L, float *dout, float *dst, const float *in,
			  const float *p, float *g, int B)
{
	int C = L->in.c;
	size_t rows = (size_t)B * (L->n_in / C);
	const float *gamma = p, *inv_std = L->chan + C;
	float *sum_dy = L->chan + 2 * C, *sum_dy_xhat = L->chan + 3 * C;
	float scale[C], mean_dy[C], mean_dy_xhat[C];

	(void)in;
	/* sums in float, in row order: about one rounding of 1e-7 per row,
	 * far below what a gradient step notices, and vectorised */
	sums_dy(sum_dy, sum_dy_xhat, dout, L->z, rows, C);
	for (int c = 0; c < C; c++) {
		g[c] = sum_dy_xhat[c];          /* dgamma */
		g[C + c] = sum_dy[c];           /* dbeta */
		g[2 * C + c] = 0.0f;            /* the running statistics */
		g[3 * C + c] = 0.0f;
	}
	if (!dst)
		return NULL;
	for (int c = 0; c < C; c++) {
		scale[c] = gamma[c] * inv_std[c];
		mean_dy[c] = L->trained ? sum_dy[c] / (float)rows : 0.0f;
		mean_dy_xhat[c] = L->trained ? sum_dy_xhat[c] / (float)rows : 0.0f;
	}
	input_grad(dst, dout, L->z, scale, mean_dy, mean_dy_xhat, rows, C);
	return dst;
}

const struct nn_layer_ops nn_batchnorm_ops = {
	.name = "batchnorm",
	.check = bn_check,
	.param_count = bn_param_count,
	.state_count = bn_state_count,
	.scratch_size = bn_scratch,
	.setup = bn_setup,
	.init = bn_init,
	.forward = bn_forward,
	.backward = bn_backward,
};
