/* Direct convolution kernels for x86-64 processors with AVX-512.
 *
 * With 32 or 64 filters the GEMM of im2col is too narrow for OpenBLAS to
 * amortise packing its large operand, which cost a third of the time of
 * notebook 004's CNN. These kernels read a zero-padded copy of one image
 * instead and keep a block of outputs in registers for the whole reduction:
 *
 *   forward         2 x 7 output pixels x 32 filters, over (ky, kx, c), or
 *                   7 pixels for a partial or odd block;
 *   input gradient  the same kernels over the padded output gradient with
 *                   the flipped, transposed weights (stride 1), or per phase
 *                   of the input pixels with sub-kernels (stride > 1);
 *   weight gradient 8 input channels x 32 filters of one kernel position
 *                   (8 kernel positions of a single-channel image), over
 *                   a tile of output rows that the level-one cache holds.
 *
 * Each block is 14 to 28 accumulators of 16 floats, named one by one so that
 * they stay in the 32 vector registers, fed by broadcast multiply-adds. The
 * kernels are compiled for x86-64 only (each with its own target attribute,
 * so the rest of the program keeps the baseline instruction set); elsewhere
 * they are empty. conv_direct_available() says whether the processor runs
 * them and nn_conv_select() has not turned them off (DIGITLAB_CONV=im2col);
 * when not, conv.c falls back to im2col + GEMM.
 *
 * There are no AVX2 kernels, on purpose. Written the same way for 16 ymm
 * registers (6 pixels x 16 filters a block, the 7th pixels of two blocks
 * together; the same order of sums, so bit for bit the AVX-512 results),
 * they trained notebook 004's CNN at 520 samples/s against im2col's 459 on
 * this machine's 256-bit units, 1.13x: the fallback's GEMM already runs
 * OpenBLAS's AVX2 kernels at about the same rate, and they save only its
 * copies and packing. Kernels that do not beat the fallback by 20% are
 * not worth a second set to keep correct.
 */
#include <stdio.h>
#include <string.h>

#include "nn/layer.h"

#define DIRECT_PIXELS 7         /* divides 28, 14 and 7: no partial blocks on MNIST */
#define DIRECT_FILTERS 32
#define DIRECT_CHANNELS 8

size_t conv_padded_size(const struct conv_padded *pd, int C)
{
	return (size_t)pd->Hp * pd->Wp * C + pd->slack;
}

/* Only the border is cleared: clearing the whole buffer first wrote every
 * value of the image twice, for each image of every layer. */
void conv_pad_image(float *dst, const float *src, int H, int W, int C,
		    const struct conv_padded *pd)
{
	size_t row = (size_t)pd->Wp * C, left = (size_t)pd->left * C, run = (size_t)W * C;

	for (int y = 0; y < pd->Hp; y++, dst += row) {
		int iy = y - pd->top;

		if (iy < 0 || iy >= H) {
			memset(dst, 0, sizeof(float) * row);
			continue;
		}
		memset(dst, 0, sizeof(float) * left);
		memcpy(dst + left, src + (size_t)iy * run, sizeof(float) * run);
		memset(dst + left + run, 0, sizeof(float) * (row - left - run));
	}
	memset(dst, 0, sizeof(float) * pd->slack);
}

struct conv_padded conv_forward_padding(const struct nn_window *g)
{
	int blocks = (g->OW + DIRECT_PIXELS - 1) / DIRECT_PIXELS;
	struct conv_padded pd = {.top = g->pad_top, .left = g->pad_left};

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

struct conv_padded conv_strided_padding(const struct nn_window *g)
{
	struct conv_padded pd = {.top = g->KH, .left = g->KW};

	pd.Hp = g->OH + 2 * g->KH;
	pd.Wp = g->OW + 2 * g->KW;
	pd.slack = (size_t)(DIRECT_PIXELS + 1) * g->F;
	return pd;
}

struct conv_padded conv_backward_padding(const struct nn_window *g)
{
	int blocks = (g->W + DIRECT_PIXELS - 1) / DIRECT_PIXELS;
	struct conv_padded pd = {.top = g->KH - 1 - g->pad_top,
				 .left = g->KW - 1 - g->pad_left};

	pd.Hp = g->H + g->KH - 1;
	pd.Wp = g->W + g->KW - 1;
	if (pd.Hp < g->OH + pd.top)
		pd.Hp = g->OH + pd.top;
	if (pd.Wp < g->OW + pd.left)
		pd.Wp = g->OW + pd.left;
	pd.slack = (size_t)(blocks * DIRECT_PIXELS - g->W) * g->F + (size_t)g->F;
	return pd;
}

void conv_flip_kernel(float *wt, const float *w, const struct nn_window *g)
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

/* The process's choice (nn_conv_select): written before any model runs,
 * only read after. */
static enum nn_conv_kernels conv_chosen = NN_CONV_AUTO;

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

static int cpu_has_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}

/* acc + a * w, a broadcast to every lane */
__attribute__((target("avx512f,fma"), always_inline))
static inline __m512 fma_broadcast(__m512 acc, float a, __m512 w)
{
	return _mm512_fmadd_ps(_mm512_set1_ps(a), w, acc);
}

/* One block of 7 output pixels x 32 filters:
 * out[j][f] = bias[f] + sum over (ky, kx, c) of in[j * S + (ky, kx)][c] w[ky][kx][c][f],
 * `in` the padded image at the block's first window (row length Wp pixels).
 * Writes n <= 7 pixels, opix floats apart, clipped at 0 when relu. */
__attribute__((target("avx512f,fma")))
static void direct_block(float *out, const float *in, const float *w, const float *bias,
			 int Wp, int C, int F, int KH, int KW, int S, int n, int relu,
			 size_t opix)
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

		_mm512_storeu_ps(out + (size_t)(j / 2) * opix + (j % 2) * 16, v);
	}
}

/* Store one pixel's 32 outputs, clipped at 0 when relu. */
__attribute__((target("avx512f,fma"), always_inline))
static inline void store_pixel(float *out, __m512 a, __m512 b, int relu)
{
	if (relu) {
		a = _mm512_max_ps(a, _mm512_setzero_ps());
		b = _mm512_max_ps(b, _mm512_setzero_ps());
	}
	_mm512_storeu_ps(out, a);
	_mm512_storeu_ps(out + 16, b);
}

/* Two full blocks of 7 pixels at once, in0 and in1 their first windows and
 * out0 and out1 their first outputs: 28 accumulators, which with the two
 * weight vectors and a broadcast fill the 32 registers, so each weight
 * loaded (from the level-two cache on the larger layers) feeds 14 pixels
 * rather than 7. Otherwise as direct_block. */
__attribute__((target("avx512f,fma")))
static void direct_pair(float *out0, float *out1, const float *in0, const float *in1,
			const float *w, const float *bias, int Wp, int C, int F, int KH,
			int KW, int S, int relu, size_t opix)
{
	__m512 b0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
	__m512 b1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
	__m512 p0a = b0, p1a = b0, p2a = b0, p3a = b0, p4a = b0, p5a = b0, p6a = b0;
	__m512 p0b = b1, p1b = b1, p2b = b1, p3b = b1, p4b = b1, p5b = b1, p6b = b1;
	__m512 q0a = b0, q1a = b0, q2a = b0, q3a = b0, q4a = b0, q5a = b0, q6a = b0;
	__m512 q0b = b1, q1b = b1, q2b = b1, q3b = b1, q4b = b1, q5b = b1, q6b = b1;
	size_t step = (size_t)S * C;

	for (int ky = 0; ky < KH; ky++)
		for (int kx = 0; kx < KW; kx++) {
			size_t at = ((size_t)ky * Wp + kx) * C;
			const float *i0 = in0 + at, *i1 = in1 + at;
			const float *wp = w + (size_t)(ky * KW + kx) * C * F;

			for (int c = 0; c < C; c++, wp += F, i0++, i1++) {
				__m512 w0 = _mm512_loadu_ps(wp), w1 = _mm512_loadu_ps(wp + 16);

				p0a = fma_broadcast(p0a, i0[0], w0);
				p0b = fma_broadcast(p0b, i0[0], w1);
				p1a = fma_broadcast(p1a, i0[step], w0);
				p1b = fma_broadcast(p1b, i0[step], w1);
				p2a = fma_broadcast(p2a, i0[2 * step], w0);
				p2b = fma_broadcast(p2b, i0[2 * step], w1);
				p3a = fma_broadcast(p3a, i0[3 * step], w0);
				p3b = fma_broadcast(p3b, i0[3 * step], w1);
				p4a = fma_broadcast(p4a, i0[4 * step], w0);
				p4b = fma_broadcast(p4b, i0[4 * step], w1);
				p5a = fma_broadcast(p5a, i0[5 * step], w0);
				p5b = fma_broadcast(p5b, i0[5 * step], w1);
				p6a = fma_broadcast(p6a, i0[6 * step], w0);
				p6b = fma_broadcast(p6b, i0[6 * step], w1);
				q0a = fma_broadcast(q0a, i1[0], w0);
				q0b = fma_broadcast(q0b, i1[0], w1);
				q1a = fma_broadcast(q1a, i1[step], w0);
				q1b = fma_broadcast(q1b, i1[step], w1);
				q2a = fma_broadcast(q2a, i1[2 * step], w0);
				q2b = fma_broadcast(q2b, i1[2 * step], w1);
				q3a = fma_broadcast(q3a, i1[3 * step], w0);
				q3b = fma_broadcast(q3b, i1[3 * step], w1);
				q4a = fma_broadcast(q4a, i1[4 * step], w0);
				q4b = fma_broadcast(q4b, i1[4 * step], w1);
				q5a = fma_broadcast(q5a, i1[5 * step], w0);
				q5b = fma_broadcast(q5b, i1[5 * step], w1);
				q6a = fma_broadcast(q6a, i1[6 * step], w0);
				q6b = fma_broadcast(q6b, i1[6 * step], w1);
			}
		}
	store_pixel(out0 + 0 * opix, p0a, p0b, relu);
	store_pixel(out0 + 1 * opix, p1a, p1b, relu);
	store_pixel(out0 + 2 * opix, p2a, p2b, relu);
	store_pixel(out0 + 3 * opix, p3a, p3b, relu);
	store_pixel(out0 + 4 * opix, p4a, p4b, relu);
	store_pixel(out0 + 5 * opix, p5a, p5b, relu);
	store_pixel(out0 + 6 * opix, p6a, p6b, relu);
	store_pixel(out1 + 0 * opix, q0a, q0b, relu);
	store_pixel(out1 + 1 * opix, q1a, q1b, relu);
	store_pixel(out1 + 2 * opix, q2a, q2b, relu);
	store_pixel(out1 + 3 * opix, q3a, q3b, relu);
	store_pixel(out1 + 4 * opix, q4a, q4b, relu);
	store_pixel(out1 + 5 * opix, q5a, q5b, relu);
	store_pixel(out1 + 6 * opix, q6a, q6b, relu);
}

/* Row j < rows of dw (F floats each), or zero for the unused ones. */
__attribute__((target("avx512f,fma"), always_inline))
static inline __m512 load_row(const float *dw, int j, int rows, int F, int half)
{
	return j < rows ? _mm512_loadu_ps(dw + (size_t)j * F + half * 16) : _mm512_setzero_ps();
}

/* dw[j][f] += sum over output pixels (oy, ox) of x[at (oy, ox) + off[j]] dz[oy][ox][f]
 * for 8 rows j of the weight gradient (only the first `rows` are kept) and
 * 32 filters f. A row is an input channel of one kernel position (off[j] =
 * j) or, for single-channel images, a kernel position (off[j] its offset in
 * the padded image). x is the padded image at the block's first row, with
 * xrow floats per input row and xpix per output pixel; dz (OH, OW, F) starts
 * at the block's first filter. */
__attribute__((target("avx512f,fma")))
static void direct_dw_block(float *dw, const float *x, const int *off, int rows,
			    const float *dz, int F, int OH, int OW, size_t xrow, size_t xpix)
{
	__m512 c0a = load_row(dw, 0, rows, F, 0), c0b = load_row(dw, 0, rows, F, 1);
	__m512 c1a = load_row(dw, 1, rows, F, 0), c1b = load_row(dw, 1, rows, F, 1);
	__m512 c2a = load_row(dw, 2, rows, F, 0), c2b = load_row(dw, 2, rows, F, 1);
	__m512 c3a = load_row(dw, 3, rows, F, 0), c3b = load_row(dw, 3, rows, F, 1);
	__m512 c4a = load_row(dw, 4, rows, F, 0), c4b = load_row(dw, 4, rows, F, 1);
	__m512 c5a = load_row(dw, 5, rows, F, 0), c5b = load_row(dw, 5, rows, F, 1);
	__m512 c6a = load_row(dw, 6, rows, F, 0), c6b = load_row(dw, 6, rows, F, 1);
	__m512 c7a = load_row(dw, 7, rows, F, 0), c7b = load_row(dw, 7, rows, F, 1);
	int o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
	int o4 = off[4], o5 = off[5], o6 = off[6], o7 = off[7];
	__m512 res[2 * DIRECT_CHANNELS];

	for (int oy = 0; oy < OH; oy++) {
		const float *xp = x + (size_t)oy * xrow;
		const float *dp = dz + (size_t)oy * OW * F;

		for (int ox = 0; ox < OW; ox++, xp += xpix, dp += F) {
			__m512 d0 = _mm512_loadu_ps(dp), d1 = _mm512_loadu_ps(dp + 16);

			c0a = fma_broadcast(c0a, xp[o0], d0);
			c0b = fma_broadcast(c0b, xp[o0], d1);
			c1a = fma_broadcast(c1a, xp[o1], d0);
			c1b = fma_broadcast(c1b, xp[o1], d1);
			c2a = fma_broadcast(c2a, xp[o2], d0);
			c2b = fma_broadcast(c2b, xp[o2], d1);
			c3a = fma_broadcast(c3a, xp[o3], d0);
			c3b = fma_broadcast(c3b, xp[o3], d1);
			c4a = fma_broadcast(c4a, xp[o4], d0);
			c4b = fma_broadcast(c4b, xp[o4], d1);
			c5a = fma_broadcast(c5a, xp[o5], d0);
			c5b = fma_broadcast(c5b, xp[o5], d1);
			c6a = fma_broadcast(c6a, xp[o6], d0);
			c6b = fma_broadcast(c6b, xp[o6], d1);
			c7a = fma_broadcast(c7a, xp[o7], d0);
			c7b = fma_broadcast(c7b, xp[o7], d1);
		}
	}
	res[0] = c0a, res[1] = c0b, res[2] = c1a, res[3] = c1b, res[4] = c2a, res[5] = c2b;
	res[6] = c3a, res[7] = c3b, res[8] = c4a, res[9] = c4b, res[10] = c5a, res[11] = c5b;
	res[12] = c6a, res[13] = c6b, res[14] = c7a, res[15] = c7b;
	for (int j = 0; j < 2 * rows; j++)
		_mm512_storeu_ps(dw + (size_t)(j / 2) * F + (j % 2) * 16, res[j]);
}

#else

static int cpu_has_avx512(void) { return 0; }

static void direct_block(float *out, const float *in, const float *w, const float *bias,
			 int Wp, int C, int F, int KH, int KW, int S, int n, int relu,
			 size_t opix)
{
	(void)out, (void)in, (void)w, (void)bias, (void)Wp, (void)C, (void)F;
	(void)KH, (void)KW, (void)S, (void)n, (void)relu, (void)opix;
}

static void direct_pair(float *out0, float *out1, const float *in0, const float *in1,
			const float *w, const float *bias, int Wp, int C, int F, int KH,
			int KW, int S, int relu, size_t opix)
{
	(void)out0, (void)out1, (void)in0, (void)in1, (void)w, (void)bias, (void)Wp;
	(void)C, (void)F, (void)KH, (void)KW, (void)S, (void)relu, (void)opix;
}

static void direct_dw_block(float *dw, const float *x, const int *off, int rows,
			    const float *dz, int F, int OH, int OW, size_t xrow, size_t xpix)
{
	(void)dw, (void)x, (void)off, (void)rows, (void)dz, (void)F, (void)OH, (void)OW;
	(void)xrow, (void)xpix;
}

#endif

int conv_direct_available(void)
{
	return conv_chosen != NN_CONV_IM2COL && cpu_has_avx512();
}

int nn_conv_select(const char *name, char *msg, size_t size)
{
	if (!strcmp(name, "auto")) {
		conv_chosen = NN_CONV_AUTO;
	} else if (!strcmp(name, "im2col")) {
		conv_chosen = NN_CONV_IM2COL;
	} else if (!strcmp(name, "avx512")) {
		if (!cpu_has_avx512()) {
			snprintf(msg, size, "this processor has no AVX-512 (use auto or im2col)");
			return DL_ERR;
		}
		conv_chosen = NN_CONV_AVX512;
	} else {
		snprintf(msg, size, "expected auto, im2col or avx512");
		return DL_ERR;
	}
	return DL_OK;
}

const char *nn_conv_kernels_name(void)
{
	return conv_direct_available() ? "avx512" : "im2col";
}

int conv_direct_forward_ok(const struct nn_window *g)
{
	return g->F % DIRECT_FILTERS == 0 && conv_direct_available();
}

int conv_direct_input_grad_ok(const struct nn_window *g)
{
	return g->C % DIRECT_FILTERS == 0 && g->F % DIRECT_FILTERS == 0 &&
	       g->KH >= g->S && g->KW >= g->S && conv_direct_available();
}

/* Measured on notebook 004's CNN: the direct weight gradient, tiled by
 * output rows, beats OpenBLAS on every layer, the 64 x 64 channel ones
 * included. */
int conv_direct_weight_grad_ok(const struct nn_window *g)
{
	return (g->C % DIRECT_CHANNELS == 0 || g->C == 1) && g->F % DIRECT_FILTERS == 0 &&
	       conv_direct_available();
}

/* Blocks of pixels of one image for one block of filters, handed out in
 * order: full blocks go to direct_pair two at a time, a partial block or
 * an odd one out to direct_block. */
struct block_queue {
	const float *w, *bias;
	int Wp, C, F, KH, KW, S, relu;
	size_t opix;
	float *out;             /* the full block waiting for a partner, or NULL */
	const float *in;
};

static void queue_block(struct block_queue *q, float *out, const float *in, int n)
{
	if (n < DIRECT_PIXELS) {
		direct_block(out, in, q->w, q->bias, q->Wp, q->C, q->F, q->KH, q->KW, q->S, n,
			     q->relu, q->opix);
	} else if (q->out) {
		direct_pair(q->out, out, q->in, in, q->w, q->bias, q->Wp, q->C, q->F, q->KH,
			    q->KW, q->S, q->relu, q->opix);
		q->out = NULL;
	} else {
		q->out = out;
		q->in = in;
	}
}

static void queue_flush(struct block_queue *q)
{
	if (q->out)
		direct_block(q->out, q->in, q->w, q->bias, q->Wp, q->C, q->F, q->KH, q->KW, q->S,
			     DIRECT_PIXELS, q->relu, q->opix);
	q->out = NULL;
}

void conv_direct_image(float *out, const float *in, const float *w, const float *bias,
		       const struct conv_padded *pd, int OH, int OW, int C, int F, int KH,
		       int KW, int S, int relu)
{
	for (int f = 0; f < F; f += DIRECT_FILTERS) {
		struct block_queue q = {.w = w + f, .bias = bias ? bias + f : NULL, .Wp = pd->Wp,
					.C = C, .F = F, .KH = KH, .KW = KW, .S = S,
					.relu = relu, .opix = (size_t)F};

		for (int oy = 0; oy < OH; oy++)
			for (int ox = 0; ox < OW; ox += DIRECT_PIXELS) {
				int n = OW - ox < DIRECT_PIXELS ? OW - ox : DIRECT_PIXELS;

				queue_block(&q, out + ((size_t)oy * OW + ox) * F + f,
					    in + ((size_t)oy * S * pd->Wp + (size_t)ox * S) * C, n);
			}
		queue_flush(&q);
	}
}

/* Single-channel images: 8 kernel positions at a time, as rows. */
static void weight_grad_one_channel(float *dw, const float *x, const float *dz,
				    const struct conv_padded *pd, const struct nn_window *g,
				    size_t xrow, size_t xpix)
{
	int K = g->KH * g->KW;

	for (int k0 = 0; k0 < K; k0 += DIRECT_CHANNELS) {
		int off[DIRECT_CHANNELS], rows = K - k0 < DIRECT_CHANNELS ? K - k0 : DIRECT_CHANNELS;

		for (int j = 0; j < DIRECT_CHANNELS; j++) {
			int k = j < rows ? k0 + j : k0;

			off[j] = (k / g->KW) * pd->Wp + k % g->KW;
		}
		for (int f = 0; f < g->F; f += DIRECT_FILTERS)
			direct_dw_block(dw + (size_t)k0 * g->F + f, x, off, rows, dz + f, g->F,
					g->OH, g->OW, xrow, xpix);
	}
}

/* Output rows per tile of the weight gradient: as many as keep the tile's
 * output gradient and the input rows its windows read within about 32 KB,
 * so that the level-one cache serves them to every kernel position; but at
 * least DW_TILE_MIN_PIXELS outputs, or loading and storing the accumulators
 * for each tile costs more than the cache saves (the strided layers, whose
 * windows reach over 5 input rows of 32 or 64 channels). */
#define DW_TILE_MIN_PIXELS 49

static int weight_grad_tile(const struct conv_padded *pd, const struct nn_window *g)
{
	size_t budget = 32768 / sizeof(float), xrow = (size_t)pd->Wp * g->C;
	size_t dzrow = (size_t)g->OW * g->F;
	int R = 1;

	while (R < g->OH && ((size_t)R * g->S + g->KH) * xrow + (size_t)(R + 1) * dzrow <= budget)
		R++;
	while (R < g->OH && R * g->OW < DW_TILE_MIN_PIXELS)
		R++;
	return R;
}

void conv_direct_weight_grad(float *dw, const float *x, const float *dz,
			     const struct conv_padded *pd, const struct nn_window *g)
{
	static const int channels[DIRECT_CHANNELS] = {0, 1, 2, 3, 4, 5, 6, 7};
	size_t xrow = (size_t)g->S * pd->Wp * g->C, xpix = (size_t)g->S * g->C;
	int R = weight_grad_tile(pd, g);

	if (g->C == 1) {
		weight_grad_one_channel(dw, x, dz, pd, g, xrow, xpix);
		return;
	}
	for (int oy = 0; oy < g->OH; oy += R) {
		int rows = g->OH - oy < R ? g->OH - oy : R;
		const float *xt = x + (size_t)oy * xrow, *dzt = dz + (size_t)oy * g->OW * g->F;

		for (int ky = 0; ky < g->KH; ky++)
			for (int kx = 0; kx < g->KW; kx++) {
				const float *xk = xt + ((size_t)ky * pd->Wp + kx) * g->C;
				float *dwk = dw + (size_t)(ky * g->KW + kx) * g->C * g->F;

				for (int c = 0; c < g->C; c += DIRECT_CHANNELS)
					for (int f = 0; f < g->F; f += DIRECT_FILTERS)
						direct_dw_block(dwk + (size_t)c * g->F + f, xk + c,
								channels, DIRECT_CHANNELS, dzt + f,
								g->F, rows, g->OW, xrow, xpix);
			}
	}
}

/* One phase of a strided layer's input gradient: the input pixels
 * (iy0 + S t, ix0 + S u) are reached only by the kernel rows ky = ry + S m
 * (and columns likewise), from output rows q0y + t - m: a stride-1
 * correlation of the output gradient with that sub-kernel, flipped. */
struct phase {
	int iy0, ix0;           /* first input pixel of the phase */
	int Ty, Tx;             /* its pixels down and across */
	int My, Mx;             /* kernel rows and columns that reach it */
	int q0y, q0x;           /* output pixel of its first pixel's m = 0 tap */
};

static struct phase phase_of(const struct nn_window *g, int ry, int rx)
{
	struct phase ph;
	int S = g->S;

	ph.iy0 = ((ry - g->pad_top) % S + S) % S;
	ph.ix0 = ((rx - g->pad_left) % S + S) % S;
	ph.Ty = ph.iy0 < g->H ? (g->H - ph.iy0 + S - 1) / S : 0;
	ph.Tx = ph.ix0 < g->W ? (g->W - ph.ix0 + S - 1) / S : 0;
	ph.My = (g->KH - ry + S - 1) / S;
	ph.Mx = (g->KW - rx + S - 1) / S;
	ph.q0y = (ph.iy0 + g->pad_top - ry) / S;
	ph.q0x = (ph.ix0 + g->pad_left - rx) / S;
	return ph;
}

/* wsub[my][mx][f][c] = w[ry + S (My-1-my)][rx + S (Mx-1-mx)][c][f] */
static void phase_kernel(float *wsub, const float *w, const struct nn_window *g,
			 const struct phase *ph, int ry, int rx)
{
	for (int my = 0; my < ph->My; my++)
		for (int mx = 0; mx < ph->Mx; mx++) {
			int ky = ry + g->S * (ph->My - 1 - my), kx = rx + g->S * (ph->Mx - 1 - mx);
			const float *src = w + (size_t)(ky * g->KW + kx) * g->C * g->F;
			float *dst = wsub + (size_t)(my * ph->Mx + mx) * g->F * g->C;

			for (int c = 0; c < g->C; c++)
				for (int f = 0; f < g->F; f++)
					dst[(size_t)f * g->C + c] = src[(size_t)c * g->F + f];
		}
}

/* Every phase's sub-kernel, phase after phase in (ry, rx) order: the
 * phases split the kernel positions between them, so they fill K F floats.
 * Built once per batch rather than once per image, where the transposes
 * cost as much as the 64-channel layer's products. */
void conv_strided_kernels(float *wt, const float *w, const struct nn_window *g)
{
	for (int ry = 0; ry < g->S; ry++)
		for (int rx = 0; rx < g->S; rx++) {
			struct phase ph = phase_of(g, ry, rx);

			phase_kernel(wt, w, g, &ph, ry, rx);
			wt += (size_t)ph.My * ph.Mx * g->F * g->C;
		}
}

void conv_direct_strided_input_grad(float *din, const float *dz, const float *wt,
				    const struct conv_padded *pd, const struct nn_window *g)
{
	size_t opix = (size_t)g->S * g->C;

	for (int ry = 0; ry < g->S; ry++)
		for (int rx = 0; rx < g->S; rx++) {
			struct phase ph = phase_of(g, ry, rx);
			const float *in = dz + ((size_t)(ph.q0y - (ph.My - 1) + pd->top) * pd->Wp +
						(size_t)(ph.q0x - (ph.Mx - 1) + pd->left)) * g->F;

			for (int c = 0; c < g->C; c += DIRECT_FILTERS) {
				struct block_queue q = {.w = wt + c, .Wp = pd->Wp, .C = g->F, .F = g->C,
							.KH = ph.My, .KW = ph.Mx, .S = 1,
							.opix = opix};

				for (int t = 0; t < ph.Ty; t++)
					for (int u = 0; u < ph.Tx; u += DIRECT_PIXELS) {
						int n = ph.Tx - u < DIRECT_PIXELS ? ph.Tx - u
										  : DIRECT_PIXELS;

						queue_block(&q, din + ((size_t)(ph.iy0 + g->S * t) * g->W +
								       ph.ix0 + (size_t)g->S * u) * g->C + c,
							    in + ((size_t)t * pd->Wp + u) * g->F, n);
					}
				queue_flush(&q);
			}
			wt += (size_t)ph.My * ph.Mx * g->F * g->C;
		}
}
