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
 *
 * The batch's moments take one pass over memory: each block of rows, small
 * enough to stay in the level-one cache, is read twice (its mean, then its
 * squared deviations from that mean), and the blocks' means and sums of
 * squares are merged in double as Chan, Golub and LeVeque do. The variance
 * has no cancellation, as with two passes over the whole batch, which cost
 * one more trip through memory on a layer that does little else.
 *
 * Backward reads the layer's input again, as dense and conv2d do: a layer's
 * output stays untouched until the backward pass has gone below it.
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
	/* y (B, n) and per channel statistics (4 C). The normalised input is
	 * not kept: backward recomputes it from the input, which is one
	 * multiply-add per value against a store and a load of B n floats. */
	return (size_t)nn_shape_size(out) * max_batch + 4 * (size_t)in.c;
}

static void bn_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	L->buf = scratch;
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

/* Rows summed in float before being added to the double totals: the float
 * loop vectorises across channels, and 32 terms lose nothing a gradient
 * step notices. */
#define BN_BLOCK 32

/* acc[c] = sum over rows of (x[r][c] - shift[c])^power, power 1 or 2 */
NN_VECTORIZE static void block_sums(float *restrict acc, const float *restrict x,
				    const float *restrict shift, size_t rows, int C, int power)
{
	memset(acc, 0, sizeof(float) * (size_t)C);
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++) {
			float d = x[r * C + c] - shift[c];

			acc[c] += power == 2 ? d * d : d;
		}
}

/* y = x * scale + shift, scale = gamma / std, shift = beta - mean * scale */
NN_VECTORIZE static void affine(float *restrict y, const float *restrict x,
				const float *restrict scale, const float *restrict shift,
				size_t rows, int C)
{
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++)
			y[r * C + c] = x[r * C + c] * scale[c] + shift[c];
}

/* sum_dy = sum dy, sum_dy_xhat = sum dy * xhat, xhat = (x - mean) * inv_std */
NN_VECTORIZE static void grad_sums(float *restrict sum_dy, float *restrict sum_dy_xhat,
				   const float *restrict dy, const float *restrict x,
				   const float *restrict mean, const float *restrict inv_std,
				   size_t rows, int C)
{
	memset(sum_dy, 0, sizeof(float) * (size_t)C);
	memset(sum_dy_xhat, 0, sizeof(float) * (size_t)C);
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++) {
			float d = dy[r * C + c], h = (x[r * C + c] - mean[c]) * inv_std[c];

			sum_dy[c] += d;
			sum_dy_xhat[c] += d * h;
		}
}

/* training: dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat));
 * inference: the statistics are constants, dx = gamma / std * dy. */
NN_VECTORIZE static void input_grad(float *restrict dx, const float *restrict dy,
				    const float *restrict x, const float *restrict mean,
				    const float *restrict inv_std, const float *restrict scale,
				    const float *restrict mean_dy,
				    const float *restrict mean_dy_xhat, size_t rows, int C)
{
	for (size_t r = 0; r < rows; r++)
		for (int c = 0; c < C; c++) {
			float h = (x[r * C + c] - mean[c]) * inv_std[c];

			dx[r * C + c] = scale[c] * (dy[r * C + c] - mean_dy[c] - h * mean_dy_xhat[c]);
		}
}

/* ---- the passes, each split by rows between the model's threads ---- */

enum bn_pass {
	BN_MOMENTS,         /* mean and sum of squared deviations */
	BN_AFFINE,          /* y = x scale + shift */
	BN_GRAD_SUMS,       /* totals of dy and dy xhat */
	BN_INPUT_GRAD,      /* dx */
};

struct bn_job {
	struct nn_layer *L;
	enum bn_pass pass;
	const float *x, *dy;
	float *out;
	size_t rows;
	int C;
	int parts;                      /* shares of every pass of the direction */
	const float *a, *b;             /* shift; or scale, shift; or mean, inv_std */
	const float *scale, *mean_dy, *mean_dy_xhat;    /* BN_INPUT_GRAD */
};

/* A thread's totals: 2 C doubles at the start of its workspace slice,
 * written with memcpy as the slice holds floats. */
static void store_totals(struct nn_layer *L, int part, const double *t, int n)
{
	memcpy(L->work + (size_t)part * L->work_stride, t, sizeof(double) * (size_t)n);
}

static void load_totals(const struct nn_layer *L, int part, double *t, int n)
{
	memcpy(t, L->work + (size_t)part * L->work_stride, sizeof(double) * (size_t)n);
}

/* Merge a block of n rows with mean bmean and squared deviations bm2 into
 * totals of `count` rows (mean, m2): Chan et al.'s pairwise update. */
static void merge_moments(double *mean, double *m2, double count, const float *bmean,
			  const float *bm2, double n, int C)
{
	double total = count + n;

	for (int c = 0; c < C; c++) {
		double delta = (double)bmean[c] - mean[c];

		mean[c] += delta * n / total;
		m2[c] += (double)bm2[c] + delta * delta * count * n / total;
	}
}

/* The mean (tot) and squared deviations (tot + C) of rows [r0, r1). */
static void block_moments(double *tot, const float *x, size_t r0, size_t r1, int C)
{
	float acc[C], bmean[C];
	double count = 0;

	for (int c = 0; c < 2 * C; c++)
		tot[c] = 0.0;
	for (size_t r = r0; r < r1; r += BN_BLOCK) {
		size_t n = r1 - r < BN_BLOCK ? r1 - r : BN_BLOCK;
		const float *first = x + r * C;

		/* summed from the block's first row, so that the float sum
		 * carries the spread of the values, not their size */
		block_sums(acc, x + r * C, first, n, C, 1);
		for (int c = 0; c < C; c++)
			bmean[c] = first[c] + acc[c] / (float)n;
		block_sums(acc, x + r * C, bmean, n, C, 2);
		merge_moments(tot, tot + C, count, bmean, acc, (double)n, C);
		count += (double)n;
	}
}

static void bn_job(void *arg, int part, int parts)
{
	const struct bn_job *j = arg;
	int C = j->C;
	size_t r0 = j->rows * part / parts, r1 = j->rows * (part + 1) / parts;
	double tot[2 * C];
	float acc[C], acc2[C];

	if (j->pass == BN_AFFINE) {
		affine(j->out + r0 * C, j->x + r0 * C, j->a, j->b, r1 - r0, C);
		return;
	}
	if (j->pass == BN_INPUT_GRAD) {
		input_grad(j->out + r0 * C, j->dy + r0 * C, j->x + r0 * C, j->a, j->b, j->scale,
			   j->mean_dy, j->mean_dy_xhat, r1 - r0, C);
		return;
	}
	if (j->pass == BN_MOMENTS) {
		block_moments(tot, j->x, r0, r1, C);
		store_totals(j->L, part, tot, 2 * C);
		return;
	}
	for (int c = 0; c < 2 * C; c++)
		tot[c] = 0.0;
	for (size_t r = r0; r < r1; r += BN_BLOCK) {
		size_t n = r1 - r < BN_BLOCK ? r1 - r : BN_BLOCK;

		grad_sums(acc, acc2, j->dy + r * C, j->x + r * C, j->a, j->b, n, C);
		for (int c = 0; c < C; c++) {
			tot[c] += acc[c];
			tot[C + c] += acc2[c];
		}
	}
	store_totals(j->L, part, tot, 2 * C);
}

/* Run a totalling pass and add the threads' totals in a fixed order. */
static void bn_totals(struct bn_job *j, double *tot)
{
	int parts = j->parts;
	double t[2 * j->C];

	nn_pool_run_parts(j->L->pool, parts, bn_job, j);
	for (int c = 0; c < 2 * j->C; c++)
		tot[c] = 0.0;
	for (int part = 0; part < parts; part++) {
		load_totals(j->L, part, t, 2 * j->C);
		for (int c = 0; c < 2 * j->C; c++)
			tot[c] += t[c];
	}
}

/* Run the moments pass and merge the threads' moments in a fixed order:
 * mean (C) then squared deviations (C) of the whole batch into tot. */
static void bn_moments(struct bn_job *j, double *tot)
{
	int parts = j->parts, C = j->C;
	double t[2 * C], count = 0;

	nn_pool_run_parts(j->L->pool, parts, bn_job, j);
	for (int c = 0; c < 2 * C; c++)
		tot[c] = 0.0;
	for (int part = 0; part < parts; part++) {
		size_t r0 = j->rows * part / parts, r1 = j->rows * (part + 1) / parts;

		if (r1 == r0)
			continue;
		load_totals(j->L, part, t, 2 * C);
		if (count == 0) {
			memcpy(tot, t, sizeof t);
		} else {
			/* merged in double: the floats only carry a part's figures */
			double total = count + (double)(r1 - r0);

			for (int c = 0; c < C; c++) {
				double delta = t[c] - tot[c];

				tot[c] += delta * (double)(r1 - r0) / total;
				tot[C + c] += t[C + c] + delta * delta * count * (double)(r1 - r0) / total;
			}
		}
		count += (double)(r1 - r0);
	}
}

static size_t bn_workspace(const struct nn_layer_spec *s, struct nn_shape in,
			   struct nn_shape out, int max_batch)
{
	(void)s, (void)out, (void)max_batch;
	return 4 * (size_t)in.c;        /* 2 C doubles */
}

/* Values of a pass: every pass reads the whole (rows, C) input once or twice. */
static double bn_work(const struct nn_layer *L, int B, int backward, int with_din,
		      enum nn_split_kind *kind)
{
	(void)with_din;
	*kind = backward ? NN_SPLIT_BATCHNORM_BACKWARD : NN_SPLIT_BATCHNORM_FORWARD;
	return (double)B * L->n_in;
}

static void bn_forward(struct nn_layer *L, const float *in, float *p, int B,
		       int training, struct rng *rng)
{
	int C = L->in.c;
	size_t rows = (size_t)B * (L->n_in / C);
	float *gamma = p, *beta = p + C, *run_mean = p + 2 * C, *run_var = p + 3 * C;
	float *mean = L->chan, *inv_std = L->chan + C;
	float eps = L->spec->epsilon, mom = L->spec->momentum;
	float scale[C], shift[C];      /* C <= BN_MAX_CHANNELS */
	int parts = nn_layer_parts(L, B, 0, 0);
	struct bn_job j = {.L = L, .x = in, .rows = rows, .C = C, .parts = parts, .a = shift};

	(void)rng;
	L->trained = training;
	if (training) {
		double tot[2 * C];

		j.pass = BN_MOMENTS;
		bn_moments(&j, tot);
		for (int c = 0; c < C; c++) {
			double var = tot[C + c] / (double)rows;
			double unbiased = rows > 1 ? var * rows / (rows - 1) : var;

			mean[c] = (float)tot[c];
			inv_std[c] = (float)(1.0 / sqrt(var + eps));
			run_mean[c] = (float)(mom * run_mean[c] + (1.0 - mom) * tot[c]);
			run_var[c] = (float)(mom * run_var[c] + (1.0 - mom) * unbiased);
		}
	} else {
		for (int c = 0; c < C; c++) {
			mean[c] = run_mean[c];
			inv_std[c] = (float)(1.0 / sqrt((double)run_var[c] + eps));
		}
	}
	for (int c = 0; c < C; c++) {
		scale[c] = gamma[c] * inv_std[c];
		shift[c] = beta[c] - mean[c] * scale[c];
	}
	j = (struct bn_job){.L = L, .pass = BN_AFFINE, .x = in, .out = L->buf, .rows = rows,
			    .C = C, .parts = parts, .a = scale, .b = shift};
	nn_pool_run_parts(L->pool, parts, bn_job, &j);
}

static float *bn_backward(struct nn_layer *L, float *dout, float *dst, const float *in,
			  const float *p, float *g, int B)
{
	int C = L->in.c;
	size_t rows = (size_t)B * (L->n_in / C);
	const float *gamma = p, *mean = L->chan, *inv_std = L->chan + C;
	float scale[C], mean_dy[C], mean_dy_xhat[C];
	double tot[2 * C];
	int parts = nn_layer_parts(L, B, 1, dst != NULL);
	struct bn_job j = {.L = L, .pass = BN_GRAD_SUMS, .x = in, .dy = dout, .rows = rows,
			   .C = C, .parts = parts, .a = mean, .b = inv_std};

	bn_totals(&j, tot);
	for (int c = 0; c < C; c++) {
		g[c] = (float)tot[C + c];       /* dgamma: sum dy xhat */
		g[C + c] = (float)tot[c];       /* dbeta: sum dy */
		g[2 * C + c] = 0.0f;            /* the running statistics */
		g[3 * C + c] = 0.0f;
	}
	if (!dst)
		return NULL;
	for (int c = 0; c < C; c++) {
		scale[c] = gamma[c] * inv_std[c];
		mean_dy[c] = L->trained ? (float)(tot[c] / (double)rows) : 0.0f;
		mean_dy_xhat[c] = L->trained ? (float)(tot[C + c] / (double)rows) : 0.0f;
	}
	j = (struct bn_job){.L = L, .pass = BN_INPUT_GRAD, .x = in, .dy = dout, .out = dst,
			    .rows = rows, .C = C, .parts = parts, .a = mean, .b = inv_std,
			    .scale = scale, .mean_dy = mean_dy, .mean_dy_xhat = mean_dy_xhat};
	nn_pool_run_parts(L->pool, parts, bn_job, &j);
	return dst;
}

const struct nn_layer_ops nn_batchnorm_ops = {
	.check = bn_check,
	.param_count = bn_param_count,
	.state_count = bn_state_count,
	.scratch_size = bn_scratch,
	.workspace = bn_workspace,
	.setup = bn_setup,
	.init = bn_init,
	.forward = bn_forward,
	.backward = bn_backward,
	.work = bn_work,
};
