/*
 * model.h - a feed-forward network built from a spec, with explicit forward
 * and backward passes.
 *
 * The engine knows nothing of files, YAML or threads. A model is described by
 * a struct nn_model_spec (plain data, filled by the experiment parser or by a
 * test), built once with nn_model_new(), and then driven by
 *   nn_model_forward()  -> output of the last layer, (B, OUT)
 *   nn_model_backward() -> gradients of the mean batch loss in nn_model_grads()
 * and an optimiser (optim.h) that updates nn_model_params() from the grads.
 *
 * Memory: every weight of the model lives in one flat float buffer, every
 * gradient in a second one of the same size and layout, activations and
 * scratch in buffers sized for max_batch at build time. Nothing is allocated
 * during forward/backward. One model belongs to one thread (which may lend
 * it helpers: nn_model_set_threads); models share nothing, so runs on
 * different threads never interfere.
 *
 * Data layout: a batch is row-major (B, H*W*C) floats, samples contiguous;
 * images are stored channels-last (H, W, C) within a sample, as Keras does by
 * default: a convolution's im2col rows are then runs of contiguous memory,
 * and flattening a feature map orders its values as Keras's Flatten does.
 */
#ifndef DL_NN_MODEL_H
#define DL_NN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "nn/parallel.h"
#include "util/error.h"
#include "util/rng.h"

#define NN_MAX_LAYERS 64

struct nn_shape {
	int c, h, w;   /* channels, height, width; a flat vector is (n, 1, 1) */
};

static inline int nn_shape_size(struct nn_shape s) { return s.c * s.h * s.w; }

enum nn_layer_kind {
	NN_LAYER_DENSE,     /* fully connected: out = act(in W + b) */
	NN_LAYER_DROPOUT,   /* inverted dropout, identity outside training */
	NN_LAYER_FLATTEN,   /* reshape (C, H, W) -> (C*H*W, 1, 1); no data moves */
	NN_LAYER_CONV2D,    /* 2-D convolution (cross-correlation) + activation */
	NN_LAYER_MAXPOOL2D, /* max over size x size windows, per channel */
	NN_LAYER_AVGPOOL2D, /* mean over size x size windows, per channel */
	NN_LAYER_BATCHNORM, /* per-channel normalisation with running statistics */
};

enum nn_padding {
	NN_PAD_VALID,       /* no padding: out = (in - kernel) / stride + 1 */
	NN_PAD_SAME,        /* zeros around: out = ceil(in / stride); TensorFlow's
	                       split, the odd pixel at the bottom/right */
};

enum nn_activation {
	NN_ACT_LINEAR,
	NN_ACT_SIGMOID,
	NN_ACT_TANH,
	NN_ACT_RELU,
	NN_ACT_LEAKY_RELU,  /* x < 0: alpha * x (Keras default alpha 0.3) */
	NN_ACT_ELU,         /* x < 0: alpha * (exp(x) - 1) (default alpha 1.0) */
	NN_ACT_SELU,        /* fixed scale 1.0507009873554805, alpha 1.6732632423543772 */
	NN_ACT_SOFTMAX,     /* over the units of one sample */
};

enum nn_init {
	NN_INIT_GLOROT_UNIFORM,  /* U(-l, l), l = sqrt(6 / (fan_in + fan_out)); Keras default */
	NN_INIT_GLOROT_NORMAL,   /* truncated N(0, sqrt(2 / (fan_in + fan_out))) */
	NN_INIT_HE_UNIFORM,      /* U(-l, l), l = sqrt(6 / fan_in) */
	NN_INIT_HE_NORMAL,       /* truncated N(0, sqrt(2 / fan_in)) */
	NN_INIT_UNIFORM01,       /* U[0, 1), biases too (notebook 001's from-scratch net) */
	NN_INIT_UNIFORM,         /* U[low, high), biases too */
};

struct nn_layer_spec {
	enum nn_layer_kind kind;
	int units;                     /* dense: number of outputs */
	enum nn_activation activation; /* dense: applied to in W + b */
	float alpha;                   /* leaky_relu / elu parameter */
	float rate;                    /* dropout: fraction dropped, [0, 1) */
	int filters;                   /* conv2d: output channels */
	int kernel_h, kernel_w;        /* conv2d: kernel; pooling: window */
	int stride;                    /* conv2d, pooling: step in both directions */
	enum nn_padding padding;       /* conv2d, pooling */
	float momentum;                /* batchnorm: running = m * running + (1 - m) * batch */
	float epsilon;                 /* batchnorm: added to the variance */
	int has_init;                  /* 1: init/low/high below override the model's */
	enum nn_init init;
	float init_low, init_high;     /* bounds for NN_INIT_UNIFORM */
};

struct nn_model_spec {
	struct nn_shape input;             /* shape of one sample */
	int n_layers;
	struct nn_layer_spec layers[NN_MAX_LAYERS];
	enum nn_init init;                 /* default initialiser for every layer */
	float init_low, init_high;         /* bounds for NN_INIT_UNIFORM */
};

enum nn_loss {
	NN_LOSS_CROSS_ENTROPY, /* -log p_y; fused with a softmax last layer,
	                          treated as logits after a linear one */
	NN_LOSS_MSE,           /* mean over outputs of (out - onehot)^2 (Keras) */
	NN_LOSS_SSE,           /* 1/2 sum over outputs of (out - onehot)^2, the
	                          from-scratch notebooks' error */
	NN_LOSS_HINGE,         /* max(0, 1 + max_{j != y} out_j - out_y) (Keras
	                          categorical_hinge, Crammer-Singer multiclass) */
};

struct nn_model;

/* Check a spec without building: shapes thread through, sizes positive,
 * loss compatible with the last layer. Errors name the layer (1-based). */
int nn_model_spec_check(const struct nn_model_spec *spec, enum nn_loss loss,
			struct dl_error *err);

/* Build a model for batches of at most max_batch samples. Parameters are
 * zero until nn_model_init(). On error returns DL_ERR and *out is NULL. */
int nn_model_new(struct nn_model **out, const struct nn_model_spec *spec,
		 int max_batch, struct dl_error *err);
void nn_model_free(struct nn_model *m);

const struct nn_model_spec *nn_model_spec(const struct nn_model *m);
int nn_model_max_batch(const struct nn_model *m);

/* Parameters: one flat buffer; grads has the same layout. */
size_t nn_model_param_count(const struct nn_model *m);
float *nn_model_params(struct nn_model *m);
float *nn_model_grads(struct nn_model *m);

/* Per-layer shape and parameter information (for summaries). A layer's
 * parameters are its trainable weights followed by its non-trainable state
 * (batchnorm's running mean and variance): the state lives in the parameter
 * buffer so that checkpoints, best-weight restores and model files carry it
 * with no extra code, and its gradient is always zero, which leaves it
 * untouched by every optimiser. */
struct nn_shape nn_model_layer_output(const struct nn_model *m, int layer);
size_t nn_model_layer_param_count(const struct nn_model *m, int layer);
size_t nn_model_layer_state_count(const struct nn_model *m, int layer);
size_t nn_model_state_count(const struct nn_model *m);
/* Bytes of activations, masks, gradients and workspace the model holds for
 * its max_batch (parameters and optimiser state not counted). */
size_t nn_model_activation_bytes(const struct nn_model *m);
struct nn_shape nn_model_output_shape(const struct nn_model *m);

/* Draw initial weights from the layer's initialiser using rng. Biases are
 * zero except under the uniform initialisers, which draw them too. */
void nn_model_init(struct nn_model *m, struct rng *rng);

/* Forward a batch x (B, IN), B <= max_batch. training = 1 enables dropout
 * (masks drawn from rng; rng may be NULL when training = 0) and makes
 * batchnorm use the batch's statistics and update its running ones. Returns the
 * output (B, OUT), owned by the model and valid until the next forward, or
 * NULL when B is not in [1, max_batch]. The model keeps the pointer x: it
 * must stay valid until nn_model_backward(). */
const float *nn_model_forward(struct nn_model *m, const float *x, int B,
			      int training, struct rng *rng);

/* Mean loss over the batch of the last forward's output, labels in [0, OUT). */
double nn_model_loss(const struct nn_model *m, enum nn_loss loss,
		     const uint8_t *labels, int B);

/* Gradient of the mean batch loss of the last forward w.r.t. every parameter,
 * written (not accumulated) into nn_model_grads(). B is the last forward's.
 * The loss must be one nn_model_spec_check() accepts for this spec. */
void nn_model_backward(struct nn_model *m, enum nn_loss loss,
		       const uint8_t *labels, int B);

/* Split the work of each batch over up to `threads` threads (>= 1; 1 at
 * build). Each layer's pass is split only where the split pays for its
 * hand-off (parallel.h: nn_split_parts), into as many shares as pay, so a
 * model whose every pass is small runs on one thread whatever it is given;
 * then no helper thread is started at all. Results are identical for a
 * given thread count. Call between batches, from the model's thread. */
int nn_model_set_threads(struct nn_model *m, int threads, struct dl_error *err);
/* Threads the model runs with after nn_model_set_threads(): 1 when no pass
 * of a batch of up to max_batch samples would be split. */
int nn_model_threads(const struct nn_model *m);
/* Decide the splits from the caller's table of NN_SPLIT_KINDS costs
 * (kept by pointer; NULL: the measured nn_split_costs). Call before
 * nn_model_set_threads(). Tests use it to split every pass. */
void nn_model_set_split_costs(struct nn_model *m, const struct nn_split_cost *costs);

/* The threads, from 1 to max_threads, that train batches of `batch`
 * samples of this spec fastest by the measured costs (nn_split_costs),
 * the fewer on a tie or a gain under 10%: what `threads: auto` takes.
 * 1 for a spec nn_model_spec_check() refuses. */
int nn_model_auto_threads(const struct nn_model_spec *spec, int batch, int max_threads);
/* The model's threads, for the optimiser to share (nn_optim_set_pool); NULL
 * when it has one. Valid until the next nn_model_set_threads(). */
struct nn_pool *nn_model_pool(const struct nn_model *m);

/* The convolution kernels every model of the process uses: im2col and one
 * GEMM per chunk (OpenBLAS), or the direct kernels of conv_direct.c, which
 * need a processor with AVX-512. Both give the same results up to float
 * rounding; a given choice and thread count always give the same bits. */
enum nn_conv_kernels {
	NN_CONV_AUTO,           /* the direct kernels where the processor runs them */
	NN_CONV_IM2COL,         /* im2col + GEMM everywhere */
	NN_CONV_AVX512          /* the direct kernels, AVX-512 */
};
/* Choose by name ("auto", "im2col", "avx512"); DL_ERR with a message, and
 * the choice unchanged, for an unknown name or kernels this processor cannot
 * run. Call before any model runs (digitlab reads DIGITLAB_CONV at start-up;
 * tests switch between models): layers read the choice on every pass. */
int nn_conv_select(const char *name, char *msg, size_t size);
/* The kernels convolutions run with now: "avx512" or "im2col". */
const char *nn_conv_kernels_name(void);

/* Also compute the gradient w.r.t. the input in nn_model_backward() (saliency
 * maps, tests). Off by default: training never needs it. */
void nn_model_set_input_grad(struct nn_model *m, int on);
/* d(mean loss)/dx (B, IN) of the last backward, or NULL when not enabled.
 * Owned by the model, valid until the next forward or backward. */
const float *nn_model_input_grad(const struct nn_model *m);

/* Weight penalty l1 * sum|w| + l2 * sum w^2 over kernels (not biases), as
 * Keras's kernel_regularizer; _grad adds its gradient to the grads. */
double nn_model_penalty(const struct nn_model *m, float l1, float l2);
void nn_model_penalty_grad(struct nn_model *m, float l1, float l2);

/* Names for printing and parsing ("relu", "glorot_uniform", "cross_entropy"...),
 * as the experiment file writes them. Each table is indexed by its enum and
 * ends with NULL, so a parser can list the names it accepts:
 * nn_activation_names[NN_ACT_RELU] is "relu". The *_name functions return
 * "?" for a value out of range, the *_from_name functions -1 for an unknown
 * name. */
extern const char *const nn_activation_names[];
extern const char *const nn_init_names[];
extern const char *const nn_loss_names[];
extern const char *const nn_layer_kind_names[];
extern const char *const nn_padding_names[];
const char *nn_activation_name(enum nn_activation a);
int nn_activation_from_name(const char *name);
const char *nn_init_name(enum nn_init i);
int nn_init_from_name(const char *name);
const char *nn_loss_name(enum nn_loss l);
int nn_loss_from_name(const char *name);
const char *nn_layer_kind_name(enum nn_layer_kind k);
int nn_layer_kind_from_name(const char *name);
const char *nn_padding_name(enum nn_padding p);
int nn_padding_from_name(const char *name);

/* Apply an activation in place / its backward given the activation's output
 * y (and input x where needed); exposed for the gradient tests. For softmax,
 * rows of n units. */
void nn_activation_forward(enum nn_activation a, float alpha, float *y,
			   const float *x, int rows, int n);
void nn_activation_backward(enum nn_activation a, float alpha, float *dx,
			    const float *dy, const float *x, const float *y,
			    int rows, int n);

#endif
