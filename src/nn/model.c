/* Model build, forward/backward over the layer table and the weight
 * penalty. The dropout and flatten kinds live here: they are a few
 * lines each. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer.h"

#define MAX_SAMPLE_SIZE (1 << 26)            /* floats per sample, any layer */

struct nn_model {
	struct nn_model_spec spec;              /* own copy; layers point into it */
	int max_batch;
	int n_layers;
	struct nn_layer layers[NN_MAX_LAYERS];
	size_t n_params;
	float *params;                          /* (n_params) */
	float *grads;                           /* (n_params), same layout */
	float *scratch;                         /* activations, masks, dbuf */
	size_t scratch_floats;
	float *work;                            /* shared workspace, per thread */
	size_t work_per_thread;
	struct nn_pool *pool;                   /* NULL: one thread */
	const struct nn_split_cost *costs;      /* NULL: nn_split_costs */
	float *dbuf[2];                         /* (max_batch, max size) each:
	                                           gradients ping-pong in backward */
	const float *x;                         /* input of the last forward */
	int B;                                  /* batch of the last forward */
	int first_trained;                      /* first layer with parameters:
	                                           backward needs no din below it */
	int want_input_grad;
	const float *dx;                        /* (B, IN) after backward, or NULL */
};

/* ---- dropout: inverted, so evaluation needs no rescaling ---- */

static int dropout_check(const struct nn_layer_spec *s, struct nn_shape in,
			 struct nn_shape *out, char *msg, size_t size)
{
	if (!(s->rate >= 0.0f && s->rate < 1.0f)) {
		snprintf(msg, size, "rate must be in [0, 1), got %g", (double)s->rate);
		return DL_ERR;
	}
	*out = in;
	return DL_OK;
}

static size_t dropout_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			      struct nn_shape out, int max_batch)
{
	(void)s, (void)in;
	return 2 * (size_t)nn_shape_size(out) * max_batch;   /* output and mask */
}

static void dropout_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	L->buf = scratch;
	L->mask = scratch + (size_t)max_batch * L->n_out;
	L->y = L->buf;
}

NN_VECTORIZE static void dropout_forward(struct nn_layer *L, const float *in, float *p,
			    int B, int training, struct rng *rng)
{
	float rate = L->spec->rate, scale = 1.0f / (1.0f - rate);
	size_t N = (size_t)B * L->n_out;

	(void)p;
	L->trained = training && rate > 0.0f && rng;
	if (!L->trained) {
		L->y = in;      /* identity: no copy */
		return;
	}
	rng_uniform_fill(rng, L->mask, N);
	for (size_t i = 0; i < N; i++)          /* keep with probability 1 - rate */
		L->mask[i] = L->mask[i] >= rate ? scale : 0.0f;
	for (size_t i = 0; i < N; i++)
		L->buf[i] = in[i] * L->mask[i];
	L->y = L->buf;
}

NN_VECTORIZE static float *dropout_backward(struct nn_layer *L, float *dout, float *dst,
			       const float *in, const float *p, float *g, int B)
{
	size_t N = (size_t)B * L->n_out;

	(void)in, (void)p, (void)g;
	if (!dst)
		return NULL;
	if (!L->trained)
		return dout;
	for (size_t i = 0; i < N; i++)
		dst[i] = dout[i] * L->mask[i];
	return dst;
}

/* ---- flatten: a new shape over the same floats ---- */

static int flatten_check(const struct nn_layer_spec *s, struct nn_shape in,
			 struct nn_shape *out, char *msg, size_t size)
{
	(void)s, (void)msg, (void)size;
	*out = (struct nn_shape){nn_shape_size(in), 1, 1};
	return DL_OK;
}

static size_t no_scratch(const struct nn_layer_spec *s, struct nn_shape in,
			 struct nn_shape out, int max_batch)
{
	(void)s, (void)in, (void)out, (void)max_batch;
	return 0;
}

static void flatten_setup(struct nn_layer *L, float *scratch, int max_batch)
{
	(void)L, (void)scratch, (void)max_batch;
}

static void flatten_forward(struct nn_layer *L, const float *in, float *p,
			    int B, int training, struct rng *rng)
{
	(void)p, (void)B, (void)rng;
	L->trained = training;
	L->y = in;
}

static float *flatten_backward(struct nn_layer *L, float *dout, float *dst,
			       const float *in, const float *p, float *g, int B)
{
	(void)L, (void)in, (void)p, (void)g, (void)B;
	return dst ? dout : NULL;
}

static const struct nn_layer_ops dropout_ops = {
	.check = dropout_check,
	.param_count = nn_no_params,
	.scratch_size = dropout_scratch,
	.setup = dropout_setup,
	.init = NULL,
	.forward = dropout_forward,
	.backward = dropout_backward,
};

static const struct nn_layer_ops flatten_ops = {
	.check = flatten_check,
	.param_count = nn_no_params,
	.scratch_size = no_scratch,
	.setup = flatten_setup,
	.init = NULL,
	.forward = flatten_forward,
	.backward = flatten_backward,
};

/* ---- the table: one entry per enum nn_layer_kind ---- */

const struct nn_layer_ops *const nn_layer_table[] = {
	[NN_LAYER_DENSE] = &nn_dense_ops,
	[NN_LAYER_DROPOUT] = &dropout_ops,
	[NN_LAYER_FLATTEN] = &flatten_ops,
	[NN_LAYER_CONV2D] = &nn_conv2d_ops,
	[NN_LAYER_MAXPOOL2D] = &nn_maxpool2d_ops,
	[NN_LAYER_AVGPOOL2D] = &nn_avgpool2d_ops,
	[NN_LAYER_BATCHNORM] = &nn_batchnorm_ops,
};
const int nn_layer_table_size = (int)(sizeof nn_layer_table / sizeof nn_layer_table[0]);

static const struct nn_layer_ops *layer_ops(enum nn_layer_kind k)
{
	if ((int)k < 0 || (int)k >= nn_layer_table_size)
		return NULL;
	return nn_layer_table[k];
}

/* ---- checking and building ---- */

static int layer_error(struct dl_error *err, const struct nn_model_spec *spec, int i,
		       const char *msg)
{
	return dl_error_set(err, "layer %d (%s): %s", i + 1,
			    nn_layer_kind_name(spec->layers[i].kind), msg);
}

/* Thread the shape through the layers: outs[i] is layer i's output. */
static int thread_shapes(const struct nn_model_spec *spec, struct nn_shape *outs,
			 struct dl_error *err)
{
	struct nn_shape s = spec->input;
	const struct nn_layer_ops *ops = NULL;
	char msg[512];

	if (spec->n_layers < 1)
		return dl_error_set(err, "the model has no layers");
	if (spec->n_layers > NN_MAX_LAYERS)
		return dl_error_set(err, "the model has %d layers, at most %d are supported",
				    spec->n_layers, NN_MAX_LAYERS);
	if (s.c < 1 || s.h < 1 || s.w < 1)
		return dl_error_set(err, "input shape (%d, %d, %d) must have sizes >= 1",
				    s.c, s.h, s.w);
	if ((int64_t)s.c * s.h * s.w > MAX_SAMPLE_SIZE)
		return dl_error_set(err, "input shape (%d, %d, %d) is too large, at most %d values",
				    s.c, s.h, s.w, MAX_SAMPLE_SIZE);
	for (int i = 0; i < spec->n_layers; i++) {
		const struct nn_layer_spec *l = &spec->layers[i];

		ops = layer_ops(l->kind);
		if (!ops)
			return dl_error_set(err, "layer %d: unknown layer kind %d", i + 1,
					    (int)l->kind);
		if (ops->check(l, s, &s, msg, sizeof msg) != DL_OK)
			return layer_error(err, spec, i, msg);
		if (s.c < 1 || s.h < 1 || s.w < 1 ||
		    (int64_t)s.c * s.h * s.w > MAX_SAMPLE_SIZE) {
			snprintf(msg, sizeof msg, "output shape (%d, %d, %d) is out of range",
				 s.c, s.h, s.w);
			return layer_error(err, spec, i, msg);
		}
		if (ops->init) {
			enum nn_init init = l->has_init ? l->init : spec->init;
			float lo = l->has_init ? l->init_low : spec->init_low;
			float hi = l->has_init ? l->init_high : spec->init_high;

			if ((int)init < 0 || init > NN_INIT_UNIFORM) {
				snprintf(msg, sizeof msg, "unknown initialiser %d", (int)init);
				return layer_error(err, spec, i, msg);
			}
			if (init == NN_INIT_UNIFORM && !(lo < hi)) {
				snprintf(msg, sizeof msg,
					 "uniform initialiser needs low < high, got low %g and high %g",
					 (double)lo, (double)hi);
				return layer_error(err, spec, i, msg);
			}
		}
		outs[i] = s;
	}
	if (s.h != 1 || s.w != 1) {
		snprintf(msg, sizeof msg,
			 "the last layer must output a flat vector, got (%d, %d, %d)",
			 s.c, s.h, s.w);
		return layer_error(err, spec, spec->n_layers - 1, msg);
	}
	return DL_OK;
}

int nn_model_spec_check(const struct nn_model_spec *spec, enum nn_loss loss,
			struct dl_error *err)
{
	struct nn_shape outs[NN_MAX_LAYERS];
	const struct nn_layer_spec *last;
	int n;

	if (thread_shapes(spec, outs, err) != DL_OK)
		return DL_ERR;
	if ((int)loss < 0 || loss > NN_LOSS_HINGE)
		return dl_error_set(err, "unknown loss %d", (int)loss);
	n = spec->n_layers;
	last = &spec->layers[n - 1];
	if (loss == NN_LOSS_CROSS_ENTROPY) {
		if (last->kind != NN_LAYER_DENSE)
			return dl_error_set(err,
				"layer %d (%s): cross_entropy needs a dense last layer "
				"with softmax or linear activation", n,
				nn_layer_kind_name(last->kind));
		if (last->activation != NN_ACT_SOFTMAX && last->activation != NN_ACT_LINEAR)
			return dl_error_set(err,
				"layer %d (dense): cross_entropy needs a softmax or linear "
				"last activation, got %s", n,
				nn_activation_name(last->activation));
	}
	return DL_OK;
}

/* Buffers start on a cache line, and so does every layer's share of the
 * activations and every thread's workspace: the direct convolution kernels
 * load 64-byte vectors at multiples of 32 floats from them, and a load that
 * straddles two lines costs two. */
#define NN_ALIGN_FLOATS 16

static size_t align_up(size_t n)
{
	return (n + NN_ALIGN_FLOATS - 1) / NN_ALIGN_FLOATS * NN_ALIGN_FLOATS;
}

/* n zeroed floats on a cache line, or NULL; free() releases them. */
static float *alloc_aligned(size_t n)
{
	size_t bytes = align_up(n ? n : 1) * sizeof(float);
	float *p = aligned_alloc(NN_ALIGN_FLOATS * sizeof(float), bytes);

	if (p)
		memset(p, 0, bytes);
	return p;
}

static size_t layer_scratch(const struct nn_layer *L, int max_batch)
{
	return align_up(L->ops->scratch_size(L->spec, L->in, L->out, max_batch));
}

int nn_model_new(struct nn_model **out, const struct nn_model_spec *spec,
		 int max_batch, struct dl_error *err)
{
	struct nn_shape shapes[NN_MAX_LAYERS], in = spec->input;
	size_t scratch = 0, max_size = (size_t)nn_shape_size(in), total, work = 0;
	size_t off = 0;
	struct nn_model *m;
	float *p;

	*out = NULL;
	if (thread_shapes(spec, shapes, err) != DL_OK)
		return DL_ERR;
	if (max_batch < 1)
		return dl_error_set(err, "max_batch must be >= 1, got %d", max_batch);
	m = calloc(1, sizeof *m);
	if (!m)
		return dl_error_set(err, "out of memory building the model");
	m->spec = *spec;
	m->max_batch = max_batch;
	m->n_layers = spec->n_layers;
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];
		const struct nn_layer_spec *l = &m->spec.layers[i];

		L->kind = l->kind;
		L->ops = layer_ops(l->kind);
		L->spec = l;
		L->in = in;
		L->out = shapes[i];
		L->n_in = nn_shape_size(in);
		L->n_out = nn_shape_size(shapes[i]);
		L->param_off = off;
		L->n_params = L->ops->param_count(l, L->in, L->out, &L->n_kernel);
		L->n_state = L->ops->state_count ? L->ops->state_count(l, L->in) : 0;
		L->max_batch = max_batch;
		off += L->n_params;
		scratch += layer_scratch(L, max_batch);
		if (L->ops->workspace) {
			size_t w = align_up(L->ops->workspace(l, L->in, L->out, max_batch));

			if (w > work)
				work = w;
		}
		L->init = l->has_init ? l->init : spec->init;
		L->init_low = l->has_init ? l->init_low : spec->init_low;
		L->init_high = l->has_init ? l->init_high : spec->init_high;
		if ((size_t)L->n_out > max_size)
			max_size = (size_t)L->n_out;
		in = shapes[i];
	}
	m->n_params = off;
	m->first_trained = m->n_layers;
	for (int i = m->n_layers - 1; i >= 0; i--)
		if (m->layers[i].n_params > 0)
			m->first_trained = i;
	/* per layer scratch plus the two gradient buffers, for max_batch samples
	 * (layer sizes are bounded by MAX_SAMPLE_SIZE and NN_MAX_LAYERS, so the
	 * sums above cannot wrap for any max_batch an int holds on 64 bits) */
	if (2 * max_size > SIZE_MAX / sizeof(float) / (size_t)max_batch ||
	    scratch > SIZE_MAX / sizeof(float) / 2) {
		nn_model_free(m);
		return dl_error_set(err, "the model is too large for batches of %d", max_batch);
	}
	total = scratch + 2 * align_up(max_size * (size_t)max_batch);
	m->params = alloc_aligned(off);
	m->grads = alloc_aligned(off);
	m->scratch = alloc_aligned(total);
	m->scratch_floats = total;
	m->work = work ? alloc_aligned(work) : NULL;
	m->work_per_thread = work;
	if (!m->params || !m->grads || !m->scratch || (work && !m->work)) {
		nn_model_free(m);
		return dl_error_set(err, "out of memory building the model (%zu parameters, "
				    "%zu floats of activations)", off, total);
	}
	p = m->scratch;
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];

		L->work = m->work;
		L->work_stride = work;
		L->ops->setup(L, p, max_batch);
		p += layer_scratch(L, max_batch);
	}
	m->dbuf[0] = p;
	m->dbuf[1] = p + align_up(max_size * (size_t)max_batch);
	*out = m;
	return DL_OK;
}

void nn_model_free(struct nn_model *m)
{
	if (!m)
		return;
	free(m->params);
	free(m->grads);
	free(m->scratch);
	free(m->work);
	nn_pool_free(m->pool);
	free(m);
}

const struct nn_model_spec *nn_model_spec(const struct nn_model *m) { return &m->spec; }
int nn_model_max_batch(const struct nn_model *m) { return m->max_batch; }
size_t nn_model_param_count(const struct nn_model *m) { return m->n_params; }
float *nn_model_params(struct nn_model *m) { return m->params; }
float *nn_model_grads(struct nn_model *m) { return m->grads; }

struct nn_shape nn_model_layer_output(const struct nn_model *m, int layer)
{
	if (layer < 0 || layer >= m->n_layers)
		return (struct nn_shape){0, 0, 0};
	return m->layers[layer].out;
}

size_t nn_model_layer_param_count(const struct nn_model *m, int layer)
{
	if (layer < 0 || layer >= m->n_layers)
		return 0;
	return m->layers[layer].n_params;
}

size_t nn_model_layer_state_count(const struct nn_model *m, int layer)
{
	if (layer < 0 || layer >= m->n_layers)
		return 0;
	return m->layers[layer].n_state;
}

size_t nn_model_activation_bytes(const struct nn_model *m)
{
	int threads = nn_pool_threads(m->pool);

	return (m->scratch_floats + m->work_per_thread * (size_t)threads) * sizeof(float);
}

size_t nn_model_state_count(const struct nn_model *m)
{
	size_t n = 0;

	for (int i = 0; i < m->n_layers; i++)
		n += m->layers[i].n_state;
	return n;
}

struct nn_shape nn_model_output_shape(const struct nn_model *m)
{
	return m->layers[m->n_layers - 1].out;
}

void nn_model_init(struct nn_model *m, struct rng *rng)
{
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];

		if (L->ops->init)
			L->ops->init(L, m->params + L->param_off, rng);
	}
}

/* ---- forward, loss, backward ---- */

const float *nn_model_forward(struct nn_model *m, const float *x, int B,
			      int training, struct rng *rng)
{
	const float *in = x;
	unsigned fpu;

	if (B < 1 || B > m->max_batch)
		return NULL;
	m->x = x;
	m->B = B;
	fpu = nn_ftz_begin();
	for (int i = 0; i < m->n_layers; i++) {
		struct nn_layer *L = &m->layers[i];

		L->ops->forward(L, in, m->params + L->param_off, B, training, rng);
		in = L->y;                      /* (B, L->n_out) */
	}
	nn_ftz_end(fpu);
	return in;
}

/* Cross-entropy on a linear last layer reads its outputs as logits. */
static int loss_on_logits(const struct nn_model *m, enum nn_loss loss)
{
	const struct nn_layer *last = &m->layers[m->n_layers - 1];

	return loss == NN_LOSS_CROSS_ENTROPY && last->kind == NN_LAYER_DENSE &&
	       last->spec->activation == NN_ACT_LINEAR;
}

double nn_model_loss(const struct nn_model *m, enum nn_loss loss,
		     const uint8_t *labels, int B)
{
	const struct nn_layer *last = &m->layers[m->n_layers - 1];

	if (B < 1 || B > m->B)
		return 0.0;
	return nn_loss_value(loss, loss_on_logits(m, loss), last->y, labels, B, last->n_out);
}

void nn_model_backward(struct nn_model *m, enum nn_loss loss,
		       const uint8_t *labels, int B)
{
	struct nn_layer *last = &m->layers[m->n_layers - 1];
	float *dout = m->dbuf[0];               /* (B, n_out of the layer) */
	unsigned fpu;

	m->dx = NULL;
	if (B < 1 || B > m->B) {
		memset(m->grads, 0, sizeof(float) * m->n_params);
		return;
	}
	fpu = nn_ftz_begin();
	nn_loss_grad(loss, loss_on_logits(m, loss), dout, last->y, labels, B, last->n_out);
	/* cross_entropy's gradient is already at the softmax's (or the logits')
	 * input: the last layer skips its activation's backward */
	last->grad_at_pre = loss == NN_LOSS_CROSS_ENTROPY;
	for (int i = m->n_layers - 1; i >= 0; i--) {
		struct nn_layer *L = &m->layers[i];
		const float *in = i > 0 ? m->layers[i - 1].y : m->x;
		float *dst = NULL;

		if (i > m->first_trained || m->want_input_grad)
			dst = dout == m->dbuf[0] ? m->dbuf[1] : m->dbuf[0];
		else if (i < m->first_trained)
			break;          /* nothing below has parameters */
		dout = L->ops->backward(L, dout, dst, in, m->params + L->param_off,
					m->grads + L->param_off, B);
	}
	last->grad_at_pre = 0;
	if (m->want_input_grad)
		m->dx = dout;
	nn_ftz_end(fpu);
}

/* Predicted nanoseconds of the split passes of one training step on
 * `threads` threads by `costs`: every layer's forward and backward and the
 * optimiser's update. Passes that never split are left out: they cost the
 * same on any thread count. */
static double step_time(const struct nn_model *m, int B, int threads,
			const struct nn_split_cost *costs)
{
	double t = 0.0;

	for (int i = 0; i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];

		for (int backward = 0; backward <= 1 && L->ops->work; backward++) {
			enum nn_split_kind kind;
			double work = L->ops->work(L, B, backward, i > m->first_trained, &kind);
			int parts = nn_split_parts(work, &costs[kind], threads);

			t += nn_split_time(work, &costs[kind], parts);
		}
	}
	return t + nn_split_time((double)m->n_params, &costs[NN_SPLIT_OPTIMIZER],
				 nn_split_parts((double)m->n_params, &costs[NN_SPLIT_OPTIMIZER],
						threads));
}

/* Whether any pass of a batch of up to max_batch samples, or the
 * optimiser's update, splits on `threads` threads. Work grows with the
 * batch, so max_batch decides. */
static int any_split(const struct nn_model *m, int threads, const struct nn_split_cost *costs)
{
	if (nn_split_parts((double)m->n_params, &costs[NN_SPLIT_OPTIMIZER], threads) > 1)
		return 1;
	for (int i = 0; i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];

		for (int backward = 0; backward <= 1 && L->ops->work; backward++) {
			enum nn_split_kind kind;
			double work = L->ops->work(L, m->max_batch, backward, 1, &kind);

			if (nn_split_parts(work, &costs[kind], threads) > 1)
				return 1;
		}
	}
	return 0;
}

void nn_model_set_split_costs(struct nn_model *m, const struct nn_split_cost *costs)
{
	m->costs = costs;
	nn_pool_set_costs(m->pool, costs);
}

int nn_model_threads(const struct nn_model *m)
{
	return nn_pool_threads(m->pool);
}

int nn_model_auto_threads(const struct nn_model_spec *spec, int batch, int max_threads)
{
	struct nn_model *m;
	struct dl_error err;
	double best_t;
	int best = 1;

	if (batch < 1 || nn_model_new(&m, spec, batch, &err) != DL_OK)
		return 1;
	best_t = step_time(m, batch, 1, nn_split_costs);
	for (int t = 2; t <= max_threads; t++) {
		double time = step_time(m, batch, t, nn_split_costs);

		if (time < 0.9 * best_t) {
			best = t;
			best_t = time;
		}
	}
	nn_model_free(m);
	return best;
}

int nn_model_set_threads(struct nn_model *m, int threads, struct dl_error *err)
{
	struct nn_pool *pool = NULL;
	float *work = NULL;

	if (threads < 1)
		threads = 1;
	if (threads > 1 && !any_split(m, threads, m->costs ? m->costs : nn_split_costs))
		threads = 1;    /* nothing pays for a helper: start none */
	if (threads == nn_pool_threads(m->pool))
		return DL_OK;
	if (threads > 1 && nn_pool_new(&pool, threads, err) != DL_OK)
		return DL_ERR;
	nn_pool_set_costs(pool, m->costs);
	if (m->work_per_thread) {
		work = alloc_aligned(m->work_per_thread * (size_t)threads);
		if (!work) {
			nn_pool_free(pool);
			return dl_error_set(err, "out of memory for the workspaces of %d threads",
					    threads);
		}
	}
	nn_pool_free(m->pool);
	free(m->work);
	m->pool = pool;
	m->work = work;
	for (int i = 0; i < m->n_layers; i++) {
		m->layers[i].pool = pool;
		m->layers[i].work = work;
	}
	return DL_OK;
}

struct nn_pool *nn_model_pool(const struct nn_model *m)
{
	return m->pool;
}

void nn_model_set_input_grad(struct nn_model *m, int on)
{
	m->want_input_grad = on != 0;
}

const float *nn_model_input_grad(const struct nn_model *m)
{
	return m->dx;
}

/* ---- weight penalty over kernels ---- */

double nn_model_penalty(const struct nn_model *m, float l1, float l2)
{
	double s1 = 0.0, s2 = 0.0;

	if (l1 == 0.0f && l2 == 0.0f)
		return 0.0;
	for (int i = 0; i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];
		const float *w = m->params + L->param_off;

		for (size_t k = 0; k < L->n_kernel; k++) {
			s1 += fabsf(w[k]);
			s2 += (double)w[k] * w[k];
		}
	}
	return l1 * s1 + l2 * s2;
}

NN_VECTORIZE void nn_model_penalty_grad(struct nn_model *m, float l1, float l2)
{
	float l2x2 = 2.0f * l2;

	if (l1 == 0.0f && l2 == 0.0f)
		return;
	for (int i = 0; i < m->n_layers; i++) {
		const struct nn_layer *L = &m->layers[i];
		const float *w = m->params + L->param_off;
		float *g = m->grads + L->param_off;

		for (size_t k = 0; k < L->n_kernel; k++) {
			float sign = (w[k] > 0.0f) - (w[k] < 0.0f);

			g[k] += l1 * sign + l2x2 * w[k];
		}
	}
}
