/* Max and average pooling over channels-last images, per channel.
 *
 * Max pooling remembers which window position won for every output value
 * (its offset ky*KW + kx in the window, a small integer held exactly in a
 * float), so backward routes each gradient to the input that produced the
 * maximum; a tie goes to the first position in row-major order, as in
 * TensorFlow. With padding "same" the padded positions never win a max and
 * are not counted in an average (TensorFlow's rule as well).
 */
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "nn/layer.h"

static int pool_check(const struct nn_layer_spec *s, struct nn_shape in,
		      struct nn_shape *out, char *msg, size_t size)
{
	struct nn_window g;

	if (s->padding != NN_PAD_VALID && s->padding != NN_PAD_SAME) {
		snprintf(msg, size, "unknown padding %d", (int)s->padding);
		return DL_ERR;
	}
	if (nn_window_init(&g, in, s->kernel_h, s->kernel_w, s->stride, s->padding, in.c,
			   msg, size) != DL_OK)
		return DL_ERR;
	*out = (struct nn_shape){in.c, g.OH, g.OW};
	return DL_OK;
}

static size_t maxpool_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			      struct nn_shape out, int max_batch)
{
	(void)s, (void)in;
	return 2 * (size_t)nn_shape_size(out) * max_batch;   /* output, winners */
}

static size_t avgpool_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			      struct nn_shape out, int max_batch)
{
	(void)s, (void)in;
	return (size_t)nn_shape_size(out) * max_batch;
}

static void pool_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	char msg[128];

	nn_window_init(&L->win, L->in, L->spec->kernel_h, L->spec->kernel_w, L->spec->stride,
		       L->spec->padding, L->in.c, msg, sizeof msg);
	L->buf = scratch;
	L->y = L->buf;
	L->mask = L->spec->kind == NN_LAYER_MAXPOOL2D ? scratch + (size_t)max_batch * L->n_out
						       : NULL;
}

/* The window rows [*ky0, *ky1) and columns [*kx0, *kx1) inside the image. */
static void window_bounds(const struct nn_window *g, int oy, int ox, int *ky0, int *ky1,
			  int *kx0, int *kx1)
{
	int iy = oy * g->S - g->pad_top, ix = ox * g->S - g->pad_left;

	*ky0 = iy < 0 ? -iy : 0;
	*ky1 = iy + g->KH > g->H ? g->H - iy : g->KH;
	*kx0 = ix < 0 ? -ix : 0;
	*kx1 = ix + g->KW > g->W ? g->W - ix : g->KW;
}

NN_VECTORIZE static void max_step(float *restrict best, float *restrict won,
				  const float *restrict v, float k, int C)
{
	for (int c = 0; c < C; c++) {
		int more = v[c] > best[c];

		best[c] = more ? v[c] : best[c];
		won[c] = more ? k : won[c];
	}
}

NN_VECTORIZE static void sum_step(float *restrict acc, const float *restrict v, int C)
{
	for (int c = 0; c < C; c++)
		acc[c] += v[c];
}

static void pool_forward(struct nn_layer *L, const float *in, float *p, int B,
			 int training, struct rng *rng)
{
	const struct nn_window *g = &L->win;
	int is_max = L->spec->kind == NN_LAYER_MAXPOOL2D, C = g->C;
	float *out = L->buf, *won = L->mask;

	(void)p, (void)rng;
	L->trained = training;
	for (int s = 0; s < B; s++) {
		const float *img = in + (size_t)s * L->n_in;

		for (int oy = 0; oy < g->OH; oy++)
			for (int ox = 0; ox < g->OW; ox++, out += C) {
				int ky0, ky1, kx0, kx1;

				window_bounds(g, oy, ox, &ky0, &ky1, &kx0, &kx1);
				for (int c = 0; c < C; c++)
					out[c] = is_max ? -FLT_MAX : 0.0f;
				if (is_max)
					memset(won, 0, sizeof(float) * (size_t)C);
				for (int ky = ky0; ky < ky1; ky++)
					for (int kx = kx0; kx < kx1; kx++) {
						int iy = oy * g->S - g->pad_top + ky;
						int ix = ox * g->S - g->pad_left + kx;
						const float *v = img + ((size_t)iy * g->W + ix) * C;

						if (is_max)
							max_step(out, won, v, (float)(ky * g->KW + kx), C);
						else
							sum_step(out, v, C);
					}
				if (is_max) {
					won += C;
				} else {
					float inv = 1.0f / (float)((ky1 - ky0) * (kx1 - kx0));

					for (int c = 0; c < C; c++)
						out[c] *= inv;
				}
			}
	}
}

static float *pool_backward(struct nn_layer *L, float *dout, float *dst,
			    const float *in, const float *p, float *g_, int B)
{
	const struct nn_window *g = &L->win;
	int is_max = L->spec->kind == NN_LAYER_MAXPOOL2D, C = g->C;
	const float *d = dout, *won = L->mask;

	(void)in, (void)p, (void)g_;
	if (!dst)
		return NULL;
	memset(dst, 0, sizeof(float) * (size_t)B * L->n_in);
	for (int s = 0; s < B; s++) {
		float *img = dst + (size_t)s * L->n_in;

		for (int oy = 0; oy < g->OH; oy++)
			for (int ox = 0; ox < g->OW; ox++, d += C) {
				int ky0, ky1, kx0, kx1;
				int iy0 = oy * g->S - g->pad_top, ix0 = ox * g->S - g->pad_left;

				window_bounds(g, oy, ox, &ky0, &ky1, &kx0, &kx1);
				if (is_max) {
					for (int c = 0; c < C; c++) {
						int k = (int)won[c], ky = k / g->KW, kx = k % g->KW;

						img[((size_t)(iy0 + ky) * g->W + ix0 + kx) * C + c] += d[c];
					}
					won += C;
					continue;
				}
				float inv = 1.0f / (float)((ky1 - ky0) * (kx1 - kx0));

				for (int ky = ky0; ky < ky1; ky++)
					for (int kx = kx0; kx < kx1; kx++) {
						float *t = img + ((size_t)(iy0 + ky) * g->W + ix0 + kx) * C;

						for (int c = 0; c < C; c++)
							t[c] += d[c] * inv;
					}
			}
	}
	return dst;
}

const struct nn_layer_ops nn_maxpool2d_ops = {
	.check = pool_check,
	.param_count = nn_no_params,
	.scratch_size = maxpool_scratch,
	.setup = pool_setup,
	.forward = pool_forward,
	.backward = pool_backward,
};

const struct nn_layer_ops nn_avgpool2d_ops = {
	.check = pool_check,
	.param_count = nn_no_params,
	.scratch_size = avgpool_scratch,
	.setup = pool_setup,
	.forward = pool_forward,
	.backward = pool_backward,
};
