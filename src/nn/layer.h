/*
 * layer.h - the engine's internals: one table entry per layer kind, the
 * per-layer kernels behind it, and the loss kernels. Not for use outside
 * src/nn (and the nn tests).
 *
 * A layer kind is a struct nn_layer_ops: it threads the shape forward
 * (check), says how many parameters and scratch floats it needs, points its
 * buffers into the model's one scratch allocation (setup), draws its initial
 * weights, and runs forward and backward. model.c only walks the table;
 * adding a layer kind means adding an enum value in model.h, a file with its
 * kernels and one entry in nn_layer_table (model.c). Shapes are (C, H, W)
 * per sample, stored channels-last (model.h).
 */
#ifndef DL_NN_LAYER_H
#define DL_NN_LAYER_H

#include <stddef.h>

#include "nn/model.h"
#include "nn/parallel.h"

/* GCC's -O2 cost model vectorises only loops that need no runtime alias
 * check and no remainder loop; the engine's elementwise loops are worth both
 * (a branchy scalar relu mispredicts on every other unit). no-trapping-math
 * lets selects like x > 0 ? x : a x be if-converted; we never trap on FP. */
#if defined(__GNUC__) && !defined(__clang__)
#define NN_VECTORIZE __attribute__((optimize("tree-vectorize", \
	"vect-cost-model=dynamic", "no-trapping-math")))
#else
#define NN_VECTORIZE
#endif

/* The Keras defaults for the activation parameter when the spec leaves 0. */
float nn_activation_alpha(enum nn_activation a, float alpha);

/* Geometry of a convolution or pooling window over a channels-last image:
 * input (H, W, C), output (OH, OW, F), window KH x KW moved by S, with
 * pad_top/pad_left zero rows/columns before the image (TensorFlow's "same":
 * the smaller half of the padding first). */
struct nn_window {
	int H, W, C;
	int KH, KW, S;
	int OH, OW, F;
	int pad_top, pad_left;
};

/* One built layer. Buffers point into the model's scratch allocation and are
 * sized for max_batch samples. */
struct nn_layer_ops;

struct nn_layer {
	enum nn_layer_kind kind;
	const struct nn_layer_ops *ops;    /* nn_layer_table[kind] */
	const struct nn_layer_spec *spec;  /* into the model's copy of the spec */
	struct nn_shape in, out;           /* per-sample shapes */
	int n_in, n_out;                   /* nn_shape_size(in), (out) */
	size_t param_off, n_params;        /* slice of the flat parameter buffer */
	size_t n_state;                    /* the last n_state params are not
	                                      trained (their gradient is 0) */
	size_t n_kernel;                   /* the first n_kernel params are the
	                                      kernel (penalised); the rest biases */
	enum nn_init init;                 /* resolved: layer override or model's */
	float init_low, init_high;
	float alpha;                       /* activation parameter, defaults resolved */
	float *z;                          /* dense: pre-activation (B, n_out) */
	const float *y;                    /* output of the last forward (B, n_out);
	                                      may alias z, buf or the layer's input */
	float *buf;                        /* the layer's own output buffer */
	float *mask;                       /* dropout: 0 or 1/(1-rate), (B, n_out) */
	struct nn_window win;              /* conv2d, pooling */
	float *work;                       /* conv2d: the model's shared
	                                      workspace (see ops->workspace), one
	                                      slice of work_stride floats per thread */
	size_t work_stride;
	struct nn_pool *pool;              /* the model's threads, NULL: one */
	int max_batch;
	float *chan;                       /* batchnorm: per channel mean, 1/std
	                                      of the last forward, sums (4 * C) */
	int trained;                       /* last forward had training = 1 */
	int grad_at_pre;                   /* backward: dout is already the gradient
	                                      at the pre-activation (fused loss) */
};

struct nn_layer_ops {
	/* Output shape for input shape in; on a bad spec, a message without the
	 * "layer N (kind): " prefix, which the caller adds. */
	int (*check)(const struct nn_layer_spec *s, struct nn_shape in,
		     struct nn_shape *out, char *msg, size_t size);
	/* Parameter count; *n_kernel receives the size of the penalised part. */
	size_t (*param_count)(const struct nn_layer_spec *s, struct nn_shape in,
			      struct nn_shape out, size_t *n_kernel);
	/* Non-trainable state at the end of the parameters; NULL: none. */
	size_t (*state_count)(const struct nn_layer_spec *s, struct nn_shape in);
	/* Scratch floats the layer owns for batches of max_batch (activations,
	 * masks, statistics). */
	size_t (*scratch_size)(const struct nn_layer_spec *s, struct nn_shape in,
			       struct nn_shape out, int max_batch);
	/* Floats of workspace per thread the layer needs only while it runs; the
	 * model allocates the largest request once per thread and every layer
	 * shares it. NULL: none. */
	size_t (*workspace)(const struct nn_layer_spec *s, struct nn_shape in,
			    struct nn_shape out, int max_batch);
	/* Point the layer's buffers into scratch (scratch_size floats). */
	void (*setup)(struct nn_layer *L, float *scratch, int max_batch);
	/* Draw the layer's parameters p (n_params floats); NULL: none. */
	void (*init)(struct nn_layer *L, float *p, struct rng *rng);
	/* in (B, n_in) -> L->y (B, n_out). p is writable for the layer's
	 * state (batchnorm's running statistics, updated in training). */
	void (*forward)(struct nn_layer *L, const float *in, float *p, int B,
			int training, struct rng *rng);
	/* dout (B, n_out), may be overwritten; writes grads g (n_params floats,
	 * not accumulated) and, when dst is not NULL, the input gradient, returning
	 * where it is: dst (B, n_in), or dout itself for a layer that moves no data.
	 * Returns NULL when dst is NULL. */
	float *(*backward)(struct nn_layer *L, float *dout, float *dst, const float *in,
			   const float *p, float *g, int B);
	/* The work of the forward (backward = 0) or backward pass over B
	 * samples, din included when with_din, in the units of *kind
	 * (parallel.h); what decides whether the pass is split and into how
	 * many shares. NULL: the kind always runs on the calling thread. */
	double (*work)(const struct nn_layer *L, int B, int backward, int with_din,
		       enum nn_split_kind *kind);
};

/* Shares worth making of a pass of L over B samples with L's pool. */
static inline int nn_layer_parts(const struct nn_layer *L, int B, int backward, int with_din)
{
	enum nn_split_kind kind;
	double work;

	if (!L->pool || !L->ops->work)
		return 1;
	work = L->ops->work(L, B, backward, with_din, &kind);
	return nn_pool_parts(L->pool, kind, work);
}

/* param_count of the layer kinds without parameters. */
static inline size_t nn_no_params(const struct nn_layer_spec *s, struct nn_shape in,
				  struct nn_shape out, size_t *n_kernel)
{
	(void)s, (void)in, (void)out;
	*n_kernel = 0;
	return 0;
}

/* Indexed by enum nn_layer_kind (model.c). */
extern const struct nn_layer_ops *const nn_layer_table[];
extern const int nn_layer_table_size;

extern const struct nn_layer_ops nn_dense_ops;
extern const struct nn_layer_ops nn_conv2d_ops;
extern const struct nn_layer_ops nn_maxpool2d_ops;
extern const struct nn_layer_ops nn_avgpool2d_ops;
extern const struct nn_layer_ops nn_batchnorm_ops;

/* Fill a window geometry from an input shape and kernel/stride/padding;
 * DL_ERR with a message when the output would be empty. */
int nn_window_init(struct nn_window *g, struct nn_shape in, int kh, int kw, int stride,
		   enum nn_padding padding, int F, char *msg, size_t size);

/* Convolution kernels over channels-last images; w is (KH, KW, C, F)
 * row-major, i.e. a (K = KH*KW*C, F) matrix, b (F).
 * im2col: rows (n*OH*OW, K) of samples [0, n) of `in`; col2im adds such rows
 * back into din (which it does not clear). */
void conv_im2col(float *col, const float *in, const struct nn_window *g, int n);
void conv_col2im(float *din, const float *col, const struct nn_window *g, int n);

/* The direct kernels (conv_direct.c), for processors with AVX-512. An image
 * is first copied into a zero-padded buffer: Hp x Wp pixels, the image at
 * (top, left), then `slack` zero floats for the last block's unused pixels. */
struct conv_padded {
	int Hp, Wp, top, left;
	size_t slack;
};

int conv_direct_available(void);  /* the processor runs them and nn_conv_select() allows */
int conv_direct_forward_ok(const struct nn_window *g);
int conv_direct_input_grad_ok(const struct nn_window *g);
int conv_direct_weight_grad_ok(const struct nn_window *g);
/* The padding of the input for the forward pass and the weight gradient,
 * and of the output gradient for the input gradient of a stride-1 layer. */
struct conv_padded conv_forward_padding(const struct nn_window *g);
struct conv_padded conv_backward_padding(const struct nn_window *g);
size_t conv_padded_size(const struct conv_padded *pd, int C);
void conv_pad_image(float *dst, const float *src, int H, int W, int C,
		    const struct conv_padded *pd);
/* out (OH, OW, F) = bias + the padded image `in` (C channels) convolved with
 * w (KH, KW, C, F), moved S; clipped at 0 when relu. */
void conv_direct_image(float *out, const float *in, const float *w, const float *bias,
		       const struct conv_padded *pd, int OH, int OW, int C, int F, int KH,
		       int KW, int S, int relu);
/* dw (KH, KW, C, F) += the gradient of one image: x its padded input, dz
 * (OH, OW, F) its output gradient. */
void conv_direct_weight_grad(float *dw, const float *x, const float *dz,
			     const struct conv_padded *pd, const struct nn_window *g);
/* wt[ky][kx][f][c] = w[KH-1-ky][KW-1-kx][c][f]: the kernel of the input
 * gradient's convolution. */
void conv_flip_kernel(float *wt, const float *w, const struct nn_window *g);
/* The input gradient of a layer with stride S > 1, as S x S stride-1
 * convolutions, one per phase of the input pixels: dz padded by
 * conv_strided_padding (F channels), wt the phases' flipped sub-kernels
 * (K F floats) from conv_strided_kernels. Writes every value of din
 * (H, W, C) of one image. */
struct conv_padded conv_strided_padding(const struct nn_window *g);
void conv_strided_kernels(float *wt, const float *w, const struct nn_window *g);
void conv_direct_strided_input_grad(float *din, const float *dz, const float *wt,
				    const struct conv_padded *pd, const struct nn_window *g);
/* Dense kernels. w is (IN, OUT) row-major, b (OUT).
 * out (B, OUT) = in (B, IN) x w (IN, OUT) + b */
void dense_forward(float *out, const float *in, const float *w, const float *b,
		   int B, int IN, int OUT);
/* dw (IN, OUT) = in^T dout, db (OUT) = column sums of dout, and, when din is
 * not NULL, din (B, IN) = dout (B, OUT) x w^T. Written, not accumulated. */
void dense_backward(float *din, float *dw, float *db, const float *dout,
		    const float *in, const float *w, int B, int IN, int OUT);

/* Fill n floats from an initialiser with the given fans (init.c). */
void nn_init_fill(float *p, size_t n, enum nn_init init, int fan_in, int fan_out,
		  float low, float high, struct rng *rng);

/* Loss kernels over y (B, K), the last layer's output. `logits` selects the
 * cross_entropy-on-linear-outputs form (log-softmax). */
double nn_loss_value(enum nn_loss loss, int logits, const float *y,
		     const uint8_t *labels, int B, int K);
/* dy (B, K) = d(mean loss)/dy; for cross_entropy the gradient at the
 * pre-activation of the softmax (or of the logits): (softmax - onehot) / B. */
void nn_loss_grad(enum nn_loss loss, int logits, float *dy, const float *y,
		  const uint8_t *labels, int B, int K);

#endif
