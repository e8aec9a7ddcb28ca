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
 * On x86-64 processors with AVX-512 the direct kernels of conv_direct.c
 * replace im2col + GEMM where the channel counts allow (32 or more filters).
 * Either way the work is split by samples between the model's threads
 * (parallel.h): each thread pads its images or builds its im2col chunks in
 * its own workspace slice and sums its own weight gradient, and the sums
 * are added in thread order, so a given thread count always gives the same
 * bits. Each thread's GEMMs are single-threaded (gemm.h).
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

/* Per thread: a weight-gradient sum and the flipped kernel (K F floats
 * each), then room for either an im2col chunk or one padded image (of the
 * input, or of the output gradient). */
static size_t conv_workspace(const struct nn_layer_spec *s, struct nn_shape in,
			     struct nn_shape out, int max_batch)
{
	struct nn_window g;
	char msg[128];
	struct conv_padded fw, bw;
	size_t room;

	(void)out;
	if (conv_window(s, in, &g, msg, sizeof msg) != DL_OK)
		return 0;
	room = (size_t)chunk_samples(&g, max_batch) * g.OH * g.OW * kernel_size(&g);
	fw = conv_forward_padding(&g);
	bw = conv_backward_padding(&g);
	if (conv_padded_size(&fw, g.C) > room)
		room = conv_padded_size(&fw, g.C);
	if (conv_padded_size(&bw, g.F) > room)
		room = conv_padded_size(&bw, g.F);
	bw = conv_strided_padding(&g);
	if (conv_padded_size(&bw, g.F) > room)
		room = conv_padded_size(&bw, g.F);
	return 2 * kernel_size(&g) * g.F + room;
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

/* The arguments of a job, shared by the threads; each thread takes a share
 * of the B samples and works in its own workspace slice:
 *   [sum of its weight gradient, K F][flipped kernel, K F][im2col or padded image] */
struct conv_job {
	struct nn_layer *L;
	const float *in;            /* (B, n_in): the layer's input */
	float *dz;                  /* (B, n_out): the output gradient, which
	                               prepare_job turns into dz in place */
	const float *w, *b;
	float *din;                 /* (B, n_in) or NULL */
	int B;
	int parts;                  /* shares the job was split into */
};

static float *slice(const struct nn_layer *L, int part)
{
	return L->work + (size_t)part * L->work_stride;
}

static float *slice_room(const struct nn_layer *L, int part)
{
	return slice(L, part) + 2 * kernel_size(&L->win) * L->win.F;
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

NN_VECTORIZE static void bias_grad(float *db, const float *dz, size_t rows, int F)
{
	memset(db, 0, sizeof(float) * (size_t)F);
	for (size_t r = 0; r < rows; r++)
		for (int f = 0; f < F; f++)
			db[f] += dz[r * F + f];
}

/* dz = dz where the relu output y is positive, else 0, and db its column
 * sums: relu's backward and bias_grad in one pass over dz, in the same
 * order of sums as the two. */
NN_VECTORIZE static void relu_bias_grad(float *restrict db, float *restrict dz,
					const float *restrict y, size_t rows, int F)
{
	memset(db, 0, sizeof(float) * (size_t)F);
	for (size_t r = 0; r < rows; r++)
		for (int f = 0; f < F; f++) {
			float d = dz[r * F + f];        /* unconditional load */

			d = y[r * F + f] > 0.0f ? d : 0.0f;
			dz[r * F + f] = d;
			db[f] += d;
		}
}

NN_VECTORIZE static void add_into(float *restrict dst, const float *restrict src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] += src[i];
}

/* z of samples [s0, s1) by im2col + GEMM, chunk by chunk, then the bias
 * and, for relu, the activation. */
static void forward_gemm(const struct conv_job *j, int part, int s0, int s1)
{
	struct nn_layer *L = j->L;
	const struct nn_window *g = &L->win;
	int K = (int)kernel_size(g), rows = g->OH * g->OW;
	int chunk = chunk_samples(g, L->max_batch);
	float *col = slice_room(L, part), *z = L->z + (size_t)s0 * L->n_out;

	for (int s = s0; s < s1; s += chunk) {
		int n = s1 - s < chunk ? s1 - s : chunk;

		conv_im2col(col, j->in + (size_t)s * L->n_in, g, n);
		/* z (n*OH*OW, F) = col (n*OH*OW, K) x w (K, F) */
		nn_gemm(0, 0, n * rows, g->F, K, 1.0f, col, K, j->w, g->F, 0.0f,
			L->z + (size_t)s * L->n_out, g->F);
	}
	if (L->spec->activation == NN_ACT_RELU)
		add_bias_relu(z, j->b, (size_t)(s1 - s0) * rows, g->F);
	else
		add_bias(z, j->b, (size_t)(s1 - s0) * rows, g->F);
}

static void forward_job(void *arg, int part, int parts)
{
	const struct conv_job *j = arg;
	struct nn_layer *L = j->L;
	const struct nn_window *g = &L->win;
	struct conv_padded pd = conv_forward_padding(g);
	float *pad = slice_room(L, part);
	int relu = L->spec->activation == NN_ACT_RELU, s0, s1;

	nn_share(j->B, part, parts, &s0, &s1);
	if (!conv_direct_forward_ok(g)) {
		forward_gemm(j, part, s0, s1);
		return;
	}
	for (int s = s0; s < s1; s++) {
		conv_pad_image(pad, j->in + (size_t)s * L->n_in, g->H, g->W, g->C, &pd);
		conv_direct_image(L->z + (size_t)s * L->n_out, pad, j->w, j->b, &pd, g->OH,
				  g->OW, g->C, g->F, g->KH, g->KW, g->S, relu);
	}
}

/* Multiply-adds of one pass over B samples: the forward's product, or the
 * backward's one or two (dw, and din when wanted). */
static double conv_work(const struct nn_layer *L, int B, int backward, int with_din,
			enum nn_split_kind *kind)
{
	const struct nn_window *g = &L->win;
	double macs = (double)B * g->OH * g->OW * (double)kernel_size(g) * g->F;

	*kind = backward ? NN_SPLIT_CONV_BACKWARD : NN_SPLIT_CONV_FORWARD;
	return backward && with_din ? 2 * macs : macs;
}

static void conv_forward(struct nn_layer *L, const float *in, float *p, int B,
			 int training, struct rng *rng)
{
	const struct nn_window *g = &L->win;
	struct conv_job j = {.L = L, .in = in, .w = p, .b = p + kernel_size(g) * g->F, .B = B};

	(void)rng;
	L->trained = training;
	j.parts = nn_layer_parts(L, B, 0, 0);
	nn_pool_run_parts(L->pool, j.parts, forward_job, &j);
	if (L->spec->activation != NN_ACT_RELU && L->spec->activation != NN_ACT_LINEAR)
		nn_activation_forward(L->spec->activation, L->alpha, L->buf, L->z,
				      B * g->OH * g->OW, g->F);
}

/* A thread's share of the output gradient: through the activation, in
 * place, and summed into its bias gradient (the first F floats of its
 * workspace slice). */
static void prepare_job(void *arg, int part, int parts)
{
	const struct conv_job *j = arg;
	struct nn_layer *L = j->L;
	const struct nn_window *g = &L->win;
	size_t rows = (size_t)g->OH * g->OW, off;
	int s0, s1;

	nn_share(j->B, part, parts, &s0, &s1);
	off = (size_t)s0 * L->n_out;
	if (!L->grad_at_pre && L->spec->activation == NN_ACT_RELU) {
		relu_bias_grad(slice(L, part), j->dz + off, L->y + off, (s1 - s0) * rows, g->F);
		return;
	}
	if (!L->grad_at_pre && L->spec->activation != NN_ACT_LINEAR && s1 > s0)
		nn_activation_backward(L->spec->activation, L->alpha, j->dz + off, j->dz + off,
				       L->z + off, L->y + off, (int)((s1 - s0) * rows), g->F);
	bias_grad(slice(L, part), j->dz + off, (s1 - s0) * rows, g->F);
}

/* Samples [s0, s1) on the GEMM path: their weight gradient into dw when
 * dw is set, their input gradient when din is. */
static void backward_gemm(const struct conv_job *j, int part, int s0, int s1, float *dw,
			  float *din)
{
	struct nn_layer *L = j->L;
	const struct nn_window *g = &L->win;
	int K = (int)kernel_size(g), rows = g->OH * g->OW;
	int chunk = chunk_samples(g, L->max_batch);
	float *col = slice_room(L, part);

	for (int s = s0; s < s1; s += chunk) {
		int n = s1 - s < chunk ? s1 - s : chunk;
		const float *dz = j->dz + (size_t)s * L->n_out;

		if (dw) {
			conv_im2col(col, j->in + (size_t)s * L->n_in, g, n);
			/* dw (K, F) += col^T (K, n*OH*OW) x dz (n*OH*OW, F) */
			nn_gemm(1, 0, K, g->F, n * rows, 1.0f, col, K, dz, g->F, 1.0f, dw, g->F);
		}
		if (!din)
			continue;
		/* dcol (n*OH*OW, K) = dz (n*OH*OW, F) x w^T (F, K), then back to pixels */
		nn_gemm(0, 1, n * rows, K, g->F, 1.0f, dz, g->F, j->w, g->F, 0.0f, col, K);
		memset(din + (size_t)s * L->n_in, 0, sizeof(float) * (size_t)n * L->n_in);
		conv_col2im(din + (size_t)s * L->n_in, col, g, n);
	}
}

/* A thread's share of the backward pass: its samples' weight gradient into
 * its own sum, and their input gradient, each by the direct kernel where it
 * applies and by im2col + GEMM where not. */
static void backward_job(void *arg, int part, int parts)
{
	const struct conv_job *j = arg;
	struct nn_layer *L = j->L;
	const struct nn_window *g = &L->win;
	size_t nw = kernel_size(g) * g->F;
	float *dw = slice(L, part), *wt = dw + nw, *pad = slice_room(L, part);
	struct conv_padded fw = conv_forward_padding(g);
	struct conv_padded bw = g->S == 1 ? conv_backward_padding(g) : conv_strided_padding(g);
	int direct_dw = conv_direct_weight_grad_ok(g);
	int direct_din = j->din && conv_direct_input_grad_ok(g);
	int s0, s1;

	nn_share(j->B, part, parts, &s0, &s1);
	memset(dw, 0, sizeof(float) * nw);
	backward_gemm(j, part, s0, s1, direct_dw ? NULL : dw, direct_din ? NULL : j->din);
	if (direct_din && g->S == 1)
		conv_flip_kernel(wt, j->w, g);
	else if (direct_din)
		conv_strided_kernels(wt, j->w, g);
	for (int s = s0; s < s1 && (direct_dw || direct_din); s++) {
		const float *dz = j->dz + (size_t)s * L->n_out;

		if (direct_dw) {
			conv_pad_image(pad, j->in + (size_t)s * L->n_in, g->H, g->W, g->C, &fw);
			conv_direct_weight_grad(dw, pad, dz, &fw, g);
		}
		if (direct_din) {
			conv_pad_image(pad, dz, g->OH, g->OW, g->F, &bw);
			if (g->S == 1)
				conv_direct_image(j->din + (size_t)s * L->n_in, pad, wt, NULL, &bw,
						  g->H, g->W, g->F, g->C, g->KH, g->KW, 1, 0);
			else
				conv_direct_strided_input_grad(j->din + (size_t)s * L->n_in, pad,
							       wt, &bw, g);
		}
	}
}

struct gather_job {
	const struct nn_layer *L;
	float *dst;
	size_t n;
	int sums;                   /* slices holding a sum: the shares of the
	                               job that wrote them */
};

/* A range of dst = the shares' sums added in share order: the order, and
 * so the bits, do not depend on who adds which range. */
static void gather_job(void *arg, int part, int parts)
{
	const struct gather_job *j = arg;
	size_t b = j->n * part / parts, e = j->n * (part + 1) / parts;

	memcpy(j->dst + b, slice(j->L, 0) + b, sizeof(float) * (e - b));
	for (int t = 1; t < j->sums; t++)
		add_into(j->dst + b, slice(j->L, t) + b, e - b);
}

/* The sums of `sums` shares (the first n floats of each slice) into dst. */
static void gather(float *dst, const struct nn_layer *L, size_t n, int sums)
{
	struct gather_job j = {L, dst, n, sums};
	double adds = (double)n * sums;

	nn_pool_run_parts(L->pool, nn_pool_parts(L->pool, NN_SPLIT_SUM, adds), gather_job, &j);
}

static float *conv_backward(struct nn_layer *L, float *dout, float *dst,
			    const float *in, const float *p, float *g_, int B)
{
	const struct nn_window *g = &L->win;
	size_t nw = kernel_size(g) * g->F;
	struct conv_job j = {.L = L, .in = in, .dz = dout, .w = p, .B = B, .din = dst};

	j.parts = nn_layer_parts(L, B, 1, dst != NULL);
	/* dz (B*OH*OW, F), in place over dout, and the bias gradient */
	nn_pool_run_parts(L->pool, j.parts, prepare_job, &j);
	gather(g_ + nw, L, (size_t)g->F, j.parts);
	nn_pool_run_parts(L->pool, j.parts, backward_job, &j);
	gather(g_, L, nw, j.parts);
	return dst;
}

const struct nn_layer_ops nn_conv2d_ops = {
	.check = conv_check,
	.param_count = conv_param_count,
	.scratch_size = conv_scratch,
	.workspace = conv_workspace,
	.setup = conv_setup,
	.init = conv_init,
	.forward = conv_forward,
	.backward = conv_backward,
	.work = conv_work,
};
