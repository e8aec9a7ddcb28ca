/* 2-D convolution with its activation, as im2col + one GEMM per chunk of
 * samples.
 *
 * Images are channels-last, so an im2col row (one output pixel's receptive
 * field, (KH, KW, C) values) is KH runs of KW*C contiguous floats, and the
 * product col (rows, K) x w (K, F) writes the output already channels-last:
 * no transposes anywhere, forward or backward.
 *
 * The im2col matrix is never kept between forward and backward: backward
 * rebuilds it chunk by chunk into the model's shared workspace. Rebuilding is
 * a copy, cheap beside the GEMMs it feeds, and keeping it would cost K times
 * the layer's output per sample (288 floats per output pixel for a 3x3
 * convolution over 32 channels) for every layer and every sample. Chunks are
 * sized to keep the workspace near the second-level cache, which is also
 * where OpenBLAS is fastest on these tall, narrow products.
 *
 * On x86-64 processors with AVX-512 the forward pass, and the input
 * gradient of stride-1 convolutions, skip im2col and GEMM for a direct
 * kernel (conv_direct below): with 32 or 64 filters the GEMM's output is
 * too narrow for OpenBLAS to amortise packing its large operand, which
 * cost a third of the time of notebook 004's CNN. The weight gradient, a
 * reduction over every output pixel, stays a GEMM.
 */
#include <stdio.h>
#include <string.h>

#include "nn/gemm.h"
#include "nn/layer.h"

/* Floats of im2col rows per chunk we aim for; at least one sample's rows. */
#define CONV_CHUNK_FLOATS (1u << 18)

int nn_window_init(struct nn_window *g, struct nn_shape in, int kh, int kw, int stride,
		   enum nn_padding padding, int F, char *msg, size_t size)
{
	int pad_h, pad_w;

	if (kh < 1 || kw < 1 || stride < 1) {
		snprintf(msg, size, "kernel and stride must be >= 1");
		return DL_ERR;
	}
	*g = (struct nn_window){.H = in.h, .W = in.w, .C = in.c, .KH = kh, .KW = kw,
				.S = stride, .F = F};
	if (padding == NN_PAD_SAME) {
		g->OH = (in.h + stride - 1) / stride;
		g->OW = (in.w + stride - 1) / stride;
		pad_h = (g->OH - 1) * stride + kh - in.h;
		pad_w = (g->OW - 1) * stride + kw - in.w;
		g->pad_top = pad_h > 0 ? pad_h / 2 : 0;
		g->pad_left = pad_w > 0 ? pad_w / 2 : 0;
		return DL_OK;
	}
	if (kh > in.h || kw > in.w) {
		snprintf(msg, size, "a %dx%d window does not fit a %dx%d input with padding valid",
			 kh, kw, in.h, in.w);
		return DL_ERR;
	}
	g->OH = (in.h - kh) / stride + 1;
	g->OW = (in.w - kw) / stride + 1;
	return DL_OK;
}

/* One output pixel's receptive field, row by kernel row: the columns that
 * fall inside the image are contiguous in a channels-last input. */
static inline void field_bounds(const struct nn_window *g, int ox, int *kx0, int *kx1)
{
	int ix0 = ox * g->S - g->pad_left;

	*kx0 = ix0 < 0 ? -ix0 : 0;
	*kx1 = ix0 + g->KW > g->W ? g->W - ix0 : g->KW;
}

void conv_im2col(float *col, const float *in, const struct nn_window *g, int n)
{
	size_t K = (size_t)g->KH * g->KW * g->C, run = (size_t)g->KW * g->C;
	size_t img = (size_t)g->H * g->W * g->C;
	float *row = col;

	for (int s = 0; s < n; s++) {
		const float *src = in + (size_t)s * img;

		for (int oy = 0; oy < g->OH; oy++) {
			for (int ox = 0; ox < g->OW; ox++, row += K) {
				int kx0, kx1, ix0 = ox * g->S - g->pad_left;

				field_bounds(g, ox, &kx0, &kx1);
				for (int ky = 0; ky < g->KH; ky++) {
					int iy = oy * g->S - g->pad_top + ky;
					float *dst = row + (size_t)ky * run;

					if (iy < 0 || iy >= g->H || kx0 >= kx1) {
						memset(dst, 0, run * sizeof(float));
						continue;
					}
					if (kx0 > 0)
						memset(dst, 0, (size_t)kx0 * g->C * sizeof(float));
					memcpy(dst + (size_t)kx0 * g->C,
					       src + ((size_t)iy * g->W + ix0 + kx0) * g->C,
					       (size_t)(kx1 - kx0) * g->C * sizeof(float));
					if (kx1 < g->KW)
						memset(dst + (size_t)kx1 * g->C, 0,
						       (size_t)(g->KW - kx1) * g->C * sizeof(float));
				}
			}
		}
	}
}

NN_VECTORIZE static void add_run(float *restrict dst, const float *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += src[i];
}

void conv_col2im(float *din, const float *col, const struct nn_window *g, int n)
{
	size_t K = (size_t)g->KH * g->KW * g->C, run = (size_t)g->KW * g->C;
	size_t img = (size_t)g->H * g->W * g->C;
	const float *row = col;

	for (int s = 0; s < n; s++) {
		float *dst = din + (size_t)s * img;

		for (int oy = 0; oy < g->OH; oy++) {
			for (int ox = 0; ox < g->OW; ox++, row += K) {
				int kx0, kx1, ix0 = ox * g->S - g->pad_left;

				field_bounds(g, ox, &kx0, &kx1);
				if (kx0 >= kx1)
					continue;
				for (int ky = 0; ky < g->KH; ky++) {
					int iy = oy * g->S - g->pad_top + ky;

					if (iy < 0 || iy >= g->H)
						continue;
					add_run(dst + ((size_t)iy * g->W + ix0 + kx0) * g->C,
						row + (size_t)ky * run + (size_t)kx0 * g->C,
						(size_t)(kx1 - kx0) * g->C);
				}
			}
		}
	}
}

/* ---- the direct kernel ---- */

/* Output pixels per block: 7 divides every width of notebook 004's CNN
 * (28, 14, 7); other widths compute a partial last block into slack. With
 * two 16-float vectors of filters per pixel that is 14 accumulators, which
 * leaves room in the 32 vector registers for the weights. */
#define DIRECT_PIXELS 7
#define DIRECT_FILTERS 32

#if defined(__GNUC__) && defined(__x86_64__)
#define CONV_HAVE_DIRECT 1
#include <immintrin.h>

/* acc + a * w, a broadcast to every lane */
__attribute__((target("avx512f,fma"), always_inline))
static inline __m512 fma_broadcast(__m512 acc, float a, __m512 w)
{
	return _mm512_fmadd_ps(_mm512_set1_ps(a), w, acc);
}

/* One block of DIRECT_PIXELS (7) output pixels x DIRECT_FILTERS (32) filters:
 * out[j][f] = bias[f] + sum over (ky, kx, c) of in[j * S + (ky, kx)][c] w[ky][kx][c][f],
 * `in` a zero-padded channels-last image (row length Wp pixels), so no bounds
 * are checked. Writes n <= 7 pixels, clipped at 0 when relu. The fourteen
 * accumulators are named one by one so that they stay in registers. */
__attribute__((target("avx512f,fma")))
static void direct_block(float *out, const float *in, const float *w, const float *bias,
			 int Wp, int C, int F, int KH, int KW, int S, int n, int relu)
{
	__m512 b0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
	__m512 b1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
	__m512 p0a = b0, p1a = b0, p2a = b0, p3a = b0, p4a = b0, p5a = b0, p6a = b0;
	__m512 p0b = b1, p1b = b1, p2b = b1, p3b = b1, p4b = b1, p5b = b1, p6b = b1;
	size_t step = (size_t)S * C;            /* from one output pixel's input to the next */
	__m512 res[2 * DIRECT_PIXELS];

	for (int ky = 0; ky < KH; ky++)
		for (int kx = 0; kx < KW; kx++) {
			const float *ip = in + ((size_t)ky * Wp + kx) * C;
			const float *wp = w + (size_t)(ky * KW + kx) * C * F;

			for (int c = 0; c < C; c++, wp += F, ip++) {
				__m512 w0 = _mm512_loadu_ps(wp), w1 = _mm512_loadu_ps(wp + 16);

				p0a = fma_broadcast(p0a, ip[0], w0);
				p0b = fma_broadcast(p0b, ip[0], w1);
				p1a = fma_broadcast(p1a, ip[step], w0);
				p1b = fma_broadcast(p1b, ip[step], w1);
				p2a = fma_broadcast(p2a, ip[2 * step], w0);
				p2b = fma_broadcast(p2b, ip[2 * step], w1);
				p3a = fma_broadcast(p3a, ip[3 * step], w0);
				p3b = fma_broadcast(p3b, ip[3 * step], w1);
				p4a = fma_broadcast(p4a, ip[4 * step], w0);
				p4b = fma_broadcast(p4b, ip[4 * step], w1);
				p5a = fma_broadcast(p5a, ip[5 * step], w0);
				p5b = fma_broadcast(p5b, ip[5 * step], w1);
				p6a = fma_broadcast(p6a, ip[6 * step], w0);
				p6b = fma_broadcast(p6b, ip[6 * step], w1);
			}
		}
	res[0] = p0a, res[1] = p0b, res[2] = p1a, res[3] = p1b, res[4] = p2a, res[5] = p2b;
	res[6] = p3a, res[7] = p3b, res[8] = p4a, res[9] = p4b, res[10] = p5a, res[11] = p5b;
	res[12] = p6a, res[13] = p6b;
	for (int j = 0; j < 2 * n; j++) {
		__m512 v = relu ? _mm512_max_ps(res[j], _mm512_setzero_ps()) : res[j];

		_mm512_storeu_ps(out + (size_t)(j / 2) * F + (j % 2) * 16, v);
	}
}

static int have_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}
#else
#define CONV_HAVE_DIRECT 0
static void direct_block(float *out, const float *in, const float *w, const float *bias,
			 int Wp, int C, int F, int KH, int KW, int S, int n, int relu)
{
	(void)out, (void)in, (void)w, (void)bias, (void)Wp, (void)C, (void)F;
	(void)KH, (void)KW, (void)S, (void)n, (void)relu;
}

static int have_avx512(void) { return 0; }
#endif

/* A padded copy of one image: Hp x Wp pixels of C channels, the image at
 * (top, left), zeros elsewhere, and `slack` more zero floats after it for the
 * last block's unused pixels. */
struct padded {
	int Hp, Wp, top, left;
	size_t slack;
};

static size_t padded_size(const struct padded *pd, int C)
{
	return (size_t)pd->Hp * pd->Wp * C + pd->slack;
}

static void pad_image(float *dst, const float *src, int H, int W, int C,
		      const struct padded *pd)
{
	memset(dst, 0, sizeof(float) * padded_size(pd, C));
	for (int y = 0; y < H; y++)
		memcpy(dst + ((size_t)(y + pd->top) * pd->Wp + pd->left) * C,
		       src + (size_t)y * W * C, sizeof(float) * (size_t)W * C);
}

/* out (OH, OW, F) of one image from its padded copy. */
static void direct_image(float *out, const float *in, const float *w, const float *bias,
			 const struct padded *pd, int OH, int OW, int C, int F, int KH, int KW,
			 int S, int relu)
{
	for (int oy = 0; oy < OH; oy++)
		for (int ox = 0; ox < OW; ox += DIRECT_PIXELS) {
			int n = OW - ox < DIRECT_PIXELS ? OW - ox : DIRECT_PIXELS;
			const float *ip = in + ((size_t)oy * S * pd->Wp + (size_t)ox * S) * C;

			for (int f = 0; f < F; f += DIRECT_FILTERS)
				direct_block(out + ((size_t)oy * OW + ox) * F + f, ip, w + f,
					     bias ? bias + f : NULL, pd->Wp, C, F, KH, KW, S, n,
					     relu);
		}
}

/* Padding for the forward pass: room for every window of every block. */
static struct padded forward_padding(const struct nn_window *g)
{
	int blocks = (g->OW + DIRECT_PIXELS - 1) / DIRECT_PIXELS;
	struct padded pd = {.top = g->pad_top, .left = g->pad_left};

	pd.Hp = (g->OH - 1) * g->S + g->KH;
	pd.Wp = (g->OW - 1) * g->S + g->KW;
	if (pd.Hp < g->H + pd.top)
		pd.Hp = g->H + pd.top;
	if (pd.Wp < g->W + pd.left)
		pd.Wp = g->W + pd.left;
	/* the last block may read DIRECT_PIXELS pixels past the last output */
	pd.slack = (size_t)(blocks * DIRECT_PIXELS - g->OW) * g->S * g->C + (size_t)g->C;
	return pd;
}

/* Padding of the output gradient for the input gradient of a stride-1
 * convolution, itself a convolution of dz with the flipped kernel. */
static struct padded backward_padding(const struct nn_window *g)
{
	int blocks = (g->W + DIRECT_PIXELS - 1) / DIRECT_PIXELS;
	struct padded pd = {.top = g->KH - 1 - g->pad_top, .left = g->KW - 1 - g->pad_left};

	pd.Hp = g->H + g->KH - 1;
	pd.Wp = g->W + g->KW - 1;
	if (pd.Hp < g->OH + pd.top)
		pd.Hp = g->OH + pd.top;
	if (pd.Wp < g->OW + pd.left)
		pd.Wp = g->OW + pd.left;
	pd.slack = (size_t)(blocks * DIRECT_PIXELS - g->W) * g->F + (size_t)g->F;
	return pd;
}

/* The direct kernel applies when it is compiled in and the processor has
 * AVX-512: for the forward pass when the filters come in whole vectors; for
 * the input gradient when the stride is 1 and the input channels do. */
static int direct_forward_ok(const struct nn_window *g)
{
	return CONV_HAVE_DIRECT && g->F % DIRECT_FILTERS == 0 && have_avx512();
}

static int direct_backward_ok(const struct nn_window *g)
{
	return CONV_HAVE_DIRECT && g->S == 1 && g->C % DIRECT_FILTERS == 0 &&
	       g->F % DIRECT_FILTERS == 0 && have_avx512();
}

/* wt[ky][kx][f][c] = w[KH-1-ky][KW-1-kx][c][f]: the kernel of the input
 * gradient's convolution. */
static void flip_kernel(float *wt, const float *w, const struct nn_window *g)
{
	for (int ky = 0; ky < g->KH; ky++)
		for (int kx = 0; kx < g->KW; kx++) {
			const float *src = w + (size_t)((g->KH - 1 - ky) * g->KW +
							(g->KW - 1 - kx)) * g->C * g->F;
			float *dst = wt + (size_t)(ky * g->KW + kx) * g->F * g->C;

			for (int c = 0; c < g->C; c++)
				for (int f = 0; f < g->F; f++)
					dst[(size_t)f * g->C + c] = src[(size_t)c * g->F + f];
		}
}

/* ---- the layer ---- */

static size_t kernel_size(const struct nn_window *g)
{
	return (size_t)g->KH * g->KW * g->C;
}

/* Samples per im2col chunk for this geometry. */
static int chunk_samples(const struct nn_window *g, int max_batch)
{
	size_t rows = (size_t)g->OH * g->OW, per = rows * kernel_size(g);
	size_t n = per ? CONV_CHUNK_FLOATS / per : 1;

	if (n < 1)
		n = 1;
	if (n > (size_t)max_batch)
		n = (size_t)max_batch;
	return (int)n;
}

static int conv_window(const struct nn_layer_spec *s, struct nn_shape in,
		       struct nn_window *g, char *msg, size_t size)
{
	return nn_window_init(g, in, s->kernel_h, s->kernel_w, s->stride, s->padding,
			      s->filters, msg, size);
}

static int conv_check(const struct nn_layer_spec *s, struct nn_shape in,
		      struct nn_shape *out, char *msg, size_t size)
{
	struct nn_window g;

	if (s->filters < 1) {
		snprintf(msg, size, "filters must be >= 1");
		return DL_ERR;
	}
	if ((int)s->activation < 0 || s->activation > NN_ACT_SOFTMAX) {
		snprintf(msg, size, "unknown activation %d", (int)s->activation);
		return DL_ERR;
	}
	if (s->padding != NN_PAD_VALID && s->padding != NN_PAD_SAME) {
		snprintf(msg, size, "unknown padding %d", (int)s->padding);
		return DL_ERR;
	}
	if (conv_window(s, in, &g, msg, size) != DL_OK)
		return DL_ERR;
	*out = (struct nn_shape){s->filters, g.OH, g.OW};
	return DL_OK;
}

static size_t conv_param_count(const struct nn_layer_spec *s, struct nn_shape in,
			       struct nn_shape out, size_t *n_kernel)
{
	(void)out;
	*n_kernel = (size_t)s->kernel_h * s->kernel_w * in.c * s->filters;
	return *n_kernel + (size_t)s->filters;
}

/* relu is applied in place: its backward needs only to know where the output
 * is positive, which the output itself says. Other activations keep z. */
static int in_place(const struct nn_layer_spec *s)
{
	return s->activation == NN_ACT_LINEAR || s->activation == NN_ACT_RELU;
}

static size_t conv_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			   struct nn_shape out, int max_batch)
{
	(void)in;
	return (size_t)nn_shape_size(out) * max_batch * (in_place(s) ? 1 : 2);
}

static size_t conv_workspace(const struct nn_layer_spec *s, struct nn_shape in,
			     struct nn_shape out, int max_batch)
{
	struct nn_window g;
	char msg[128];

	struct padded fw, bw;
	size_t im2col, direct;

	(void)out;
	if (conv_window(s, in, &g, msg, sizeof msg) != DL_OK)
		return 0;
	im2col = (size_t)chunk_samples(&g, max_batch) * g.OH * g.OW * kernel_size(&g);
	fw = forward_padding(&g);
	bw = backward_padding(&g);
	direct = padded_size(&fw, g.C);
	if (padded_size(&bw, g.F) + kernel_size(&g) * g.F > direct)
		direct = padded_size(&bw, g.F) + kernel_size(&g) * g.F;
	return im2col > direct ? im2col : direct;
}

static void conv_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	char msg[128];

	conv_window(L->spec, L->in, &L->win, msg, sizeof msg);
	L->z = scratch;
	L->buf = in_place(L->spec) ? L->z : scratch + (size_t)max_batch * L->n_out;
	L->y = L->buf;
	L->alpha = nn_activation_alpha(L->spec->activation, L->spec->alpha);
}

static void conv_init(struct nn_layer *L, float *p, struct rng *rng)
{
	const struct nn_window *g = &L->win;
	size_t nw = kernel_size(g) * g->F;
	int receptive = g->KH * g->KW;

	/* Keras's fans for a convolution: the receptive field times the
	 * input, respectively output, channels */
	nn_init_fill(p, nw, L->init, receptive * g->C, receptive * g->F,
		     L->init_low, L->init_high, rng);
	if (L->init == NN_INIT_UNIFORM01 || L->init == NN_INIT_UNIFORM)
		nn_init_fill(p + nw, (size_t)g->F, L->init, receptive * g->C,
			     receptive * g->F, L->init_low, L->init_high, rng);
	else
		memset(p + nw, 0, sizeof(float) * (size_t)g->F);
}

NN_VECTORIZE static void add_bias(float *restrict z, const float *restrict b, size_t rows,
				  int F)
{
	for (size_t r = 0; r < rows; r++)
		for (int f = 0; f < F; f++)
			z[r * F + f] += b[f];
}

NN_VECTORIZE static void add_bias_relu(float *restrict z, const float *restrict b,
				       size_t rows, int F)
{
	for (size_t r = 0; r < rows; r++)
		for (int f = 0; f < F; f++) {
			float v = z[r * F + f] + b[f];

			z[r * F + f] = v > 0.0f ? v : 0.0f;
		}
}

static void conv_forward_direct(struct nn_layer *L, const float *in, const float *w,
				const float *b, int B)
{
	const struct nn_window *g = &L->win;
	struct padded pd = forward_padding(g);
	int relu = L->spec->activation == NN_ACT_RELU;

	for (int s0 = 0; s0 < B; s0++) {
		pad_image(L->work, in + (size_t)s0 * L->n_in, g->H, g->W, g->C, &pd);
		direct_image(L->z + (size_t)s0 * L->n_out, L->work, w, b, &pd, g->OH, g->OW,
			     g->C, g->F, g->KH, g->KW, g->S, relu);
	}
	if (!relu && L->spec->activation != NN_ACT_LINEAR)
		nn_activation_forward(L->spec->activation, L->alpha, L->buf, L->z,
				      B * g->OH * g->OW, g->F);
}

/* din of a stride-1 convolution: dz, padded, convolved with the flipped
 * kernel; the transposed weights go after the padded image in the workspace. */
static void conv_input_grad_direct(struct nn_layer *L, const float *dz, const float *w,
				   float *din, int B)
{
	const struct nn_window *g = &L->win;
	struct padded pd = backward_padding(g);
	float *wt = L->work + padded_size(&pd, g->F);

	flip_kernel(wt, w, g);
	for (int s0 = 0; s0 < B; s0++) {
		pad_image(L->work, dz + (size_t)s0 * L->n_out, g->OH, g->OW, g->F, &pd);
		direct_image(din + (size_t)s0 * L->n_in, L->work, wt, NULL, &pd, g->H, g->W,
			     g->F, g->C, g->KH, g->KW, 1, 0);
	}
}

static void conv_forward(struct nn_layer *L, const float *in, float *p, int B,
			 int training, struct rng *rng)
{
	const struct nn_window *g = &L->win;
	const float *w = p, *b = p + kernel_size(g) * g->F;
	int K = (int)kernel_size(g), rows = g->OH * g->OW;
	int chunk = chunk_samples(g, L->max_batch);

	(void)rng;
	L->trained = training;
	if (direct_forward_ok(g)) {
		conv_forward_direct(L, in, w, b, B);
		return;
	}
	for (int s0 = 0; s0 < B; s0 += chunk) {
		int n = B - s0 < chunk ? B - s0 : chunk;
		float *z = L->z + (size_t)s0 * L->n_out;

		conv_im2col(L->work, in + (size_t)s0 * L->n_in, g, n);
		/* z (n*OH*OW, F) = col (n*OH*OW, K) x w (K, F) */
		nn_gemm(0, 0, n * rows, g->F, K, 1.0f, L->work, K, w, g->F, 0.0f, z, g->F);
	}
	if (L->spec->activation == NN_ACT_RELU) {
		add_bias_relu(L->z, b, (size_t)B * rows, g->F);
		return;
	}
	add_bias(L->z, b, (size_t)B * rows, g->F);
	if (L->spec->activation != NN_ACT_LINEAR)
		nn_activation_forward(L->spec->activation, L->alpha, L->buf, L->z,
				      B * rows, g->F);
}

NN_VECTORIZE static void bias_grad(float *db, const float *dz, size_t rows, int F)
{
	memset(db, 0, sizeof(float) * (size_t)F);
	for (size_t r = 0; r < rows; r++)
		for (int f = 0; f < F; f++)
			db[f] += dz[r * F + f];
}

static float *conv_backward(struct nn_layer *L, float *dout, float *dst,
			    const float *in, const float *p, float *g_, int B)
{
	const struct nn_window *g = &L->win;
	size_t nw = kernel_size(g) * g->F;
	int K = (int)kernel_size(g), rows = g->OH * g->OW;
	int chunk = chunk_samples(g, L->max_batch), direct;

	/* dz (B*OH*OW, F), in place over dout */
	if (!L->grad_at_pre && L->spec->activation != NN_ACT_LINEAR)
		nn_activation_backward(L->spec->activation, L->alpha, dout, dout,
				       L->z, L->y, B * rows, g->F);
	bias_grad(g_ + nw, dout, (size_t)B * rows, g->F);
	direct = dst && direct_backward_ok(g);
	if (dst && !direct)
		memset(dst, 0, sizeof(float) * (size_t)B * L->n_in);
	for (int s0 = 0; s0 < B; s0 += chunk) {
		int n = B - s0 < chunk ? B - s0 : chunk;
		const float *dz = dout + (size_t)s0 * L->n_out;

		conv_im2col(L->work, in + (size_t)s0 * L->n_in, g, n);
		/* dw (K, F) += col^T (K, n*OH*OW) x dz (n*OH*OW, F) */
		nn_gemm(1, 0, K, g->F, n * rows, 1.0f, L->work, K, dz, g->F,
			s0 == 0 ? 0.0f : 1.0f, g_, g->F);
		if (!dst || direct)
			continue;
		/* dcol (n*OH*OW, K) = dz (n*OH*OW, F) x w^T (F, K), then back to pixels */
		nn_gemm(0, 1, n * rows, K, g->F, 1.0f, dz, g->F, p, g->F, 0.0f, L->work, K);
		conv_col2im(dst + (size_t)s0 * L->n_in, L->work, g, n);
	}
	if (direct)
		conv_input_grad_direct(L, dout, p, dst, B);
	return dst;
}

const struct nn_layer_ops nn_conv2d_ops = {
	.name = "conv2d",
	.check = conv_check,
	.param_count = conv_param_count,
	.scratch_size = conv_scratch,
	.workspace = conv_workspace,
	.setup = conv_setup,
	.init = conv_init,
	.forward = conv_forward,
	.backward = conv_backward,
};
