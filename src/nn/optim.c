/* Optimisers with tf.keras 2.x's update equations. Each step is one plain
 * loop over the flat buffers (restrict pointers, per-step scalars hoisted and
 * computed in double) so the compiler can vectorise it.
 *
 * State is one allocation: a header (step count, Nadam's running product of
 * momentum caches) followed by up to two float slots of n values each. Saving
 * writes those values in little-endian (optim.h) and loading reads them back
 * exactly, so a reload continues bit-identically. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nn/layer.h"
#include "nn/parallel.h"
#include "nn/optim.h"
#include "util/le.h"

/*
 * The step loops. GCC at -O2 vectorises plain loops, but not ones calling
 * sqrtf (errno may be set, and the optimize attribute cannot lift that), and
 * the Adam step over a 240k-parameter MLP is ~3x slower scalar. So each
 * update body is written once, as a macro over a type T, and expanded for
 * 4-float vectors (GCC/clang vector extensions, SSE sqrt on x86) and then for
 * the scalar tail. Both use the same operations in the same order, so a
 * parameter's update does not depend on its position.
 */
#if defined(__GNUC__) && defined(__SSE__)
#include <immintrin.h>
#define HAVE_VEC4 1
typedef float f4 __attribute__((vector_size(16)));

static inline f4 ld4(const float *p) { f4 v; memcpy(&v, p, sizeof v); return v; }
static inline void st4(float *p, f4 v) { memcpy(p, &v, sizeof v); }
static inline f4 sqrt4(f4 x) { return (f4)_mm_sqrt_ps((__m128)x); }
#endif

#define LD1(p) (*(p))
#define ST1(p, x) (*(p) = (x))

/* Run BODY(T, LD, ST, SQRT, i) over i in [0, n). */
#ifdef HAVE_VEC4
#define FOR_EACH_PARAM(n, BODY) do { \
	size_t i_ = 0; \
	for (; i_ + 4 <= (n); i_ += 4) \
		BODY(f4, ld4, st4, sqrt4, i_); \
	for (; i_ < (n); i_++) \
		BODY(float, LD1, ST1, sqrtf, i_); \
} while (0)
#else
#define FOR_EACH_PARAM(n, BODY) do { \
	for (size_t i_ = 0; i_ < (n); i_++) \
		BODY(float, LD1, ST1, sqrtf, i_); \
} while (0)
#endif

struct state_header {
	uint64_t steps;       /* updates done */
	double m_schedule;    /* nadam: product of the momentum caches so far */
};

struct nn_optim {
	struct nn_optim_cfg cfg;
	size_t n;               /* parameters */
	int n_slots;            /* float arrays of n after the header */
	size_t state_size;      /* bytes */
	void *state;            /* header, then the slots */
	struct state_header *hdr;
	float *s0, *s1;         /* slots (NULL when unused) */
	struct nn_pool *pool;   /* threads to share a step, NULL: one */
};

void nn_optim_defaults(struct nn_optim_cfg *cfg, enum nn_optim_type type)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->type = type;
	cfg->lr = type == NN_OPTIM_SGD ? 0.01f : 0.001f;
	cfg->momentum = 0.0f;
	cfg->nesterov = 0;
	cfg->beta1 = 0.9f;
	cfg->beta2 = 0.999f;
	cfg->epsilon = 1e-7f;
	cfg->rho = 0.9f;
	cfg->initial_accumulator = 0.1f;
}

static int slots_for(const struct nn_optim_cfg *cfg)
{
	switch (cfg->type) {
	case NN_OPTIM_SGD:
		return cfg->momentum != 0.0f;          /* velocity */
	case NN_OPTIM_ADAM:
	case NN_OPTIM_NADAM:
		return 2;                              /* m, v */
	case NN_OPTIM_RMSPROP:
		return 1 + (cfg->momentum != 0.0f);    /* mean square, momentum */
	case NN_OPTIM_ADAGRAD:
		return 1;                              /* accumulator */
	}
	return -1;
}

static void reset_state(struct nn_optim *o)
{
	memset(o->state, 0, o->state_size);
	o->hdr->m_schedule = 1.0;
	if (o->cfg.type == NN_OPTIM_ADAGRAD)
		for (size_t i = 0; i < o->n; i++)
			o->s0[i] = o->cfg.initial_accumulator;
}

int nn_optim_new(struct nn_optim **out, const struct nn_optim_cfg *cfg,
		 size_t n_params, struct dl_error *err)
{
	struct nn_optim *o;
	int slots = slots_for(cfg);
	float *base;

	*out = NULL;
	if (slots < 0)
		return dl_error_set(err, "unknown optimizer type %d", (int)cfg->type);
	if (n_params > (SIZE_MAX - sizeof(struct state_header)) / sizeof(float) / 2)
		return dl_error_set(err, "too many parameters for the optimizer (%zu)", n_params);
	o = calloc(1, sizeof *o);
	if (!o)
		return dl_error_set(err, "out of memory creating the optimizer");
	o->cfg = *cfg;
	o->n = n_params;
	o->n_slots = slots;
	o->state_size = sizeof(struct state_header) + sizeof(float) * n_params * (size_t)slots;
	o->state = malloc(o->state_size);
	if (!o->state) {
		size_t size = o->state_size;

		free(o);
		return dl_error_set(err, "out of memory for the optimizer state (%zu bytes)",
				    size);
	}
	o->hdr = o->state;
	base = (float *)(o->hdr + 1);
	o->s0 = slots > 0 ? base : NULL;
	o->s1 = slots > 1 ? base + n_params : NULL;
	reset_state(o);
	*out = o;
	return DL_OK;
}

void nn_optim_free(struct nn_optim *o)
{
	if (!o)
		return;
	free(o->state);
	free(o);
}

/* ---- the update loops ---- */

#define SGD_BODY(T, LD, ST, SQRT, i) \
	ST(w + (i), LD(w + (i)) - lr * LD(g + (i)))

static void sgd_plain(float *restrict w, const float *restrict g, size_t n, float lr)
{
	FOR_EACH_PARAM(n, SGD_BODY);
}

/* v = mu v - lr g; w += v, or w += mu v - lr g (nesterov) */
#define SGD_MOMENTUM_BODY(T, LD, ST, SQRT, i) do { \
	T v = mu * LD(vel + (i)) - lr * LD(g + (i)); \
	ST(vel + (i), v); \
	ST(w + (i), LD(w + (i)) + v); \
} while (0)

#define SGD_NESTEROV_BODY(T, LD, ST, SQRT, i) do { \
	T gi = LD(g + (i)); \
	T v = mu * LD(vel + (i)) - lr * gi; \
	ST(vel + (i), v); \
	ST(w + (i), LD(w + (i)) + (mu * v - lr * gi)); \
} while (0)

static void sgd_momentum(float *restrict w, const float *restrict g,
			 float *restrict vel, size_t n, float lr, float mu, int nesterov)
{
	if (nesterov)
		FOR_EACH_PARAM(n, SGD_NESTEROV_BODY);
	else
		FOR_EACH_PARAM(n, SGD_MOMENTUM_BODY);
}

/* m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr_t m / (sqrt(v) + eps) */
#define ADAM_BODY(T, LD, ST, SQRT, i) do { \
	T gi = LD(g + (i)); \
	T mi = b1 * LD(m + (i)) + c1 * gi; \
	T vi = b2 * LD(v + (i)) + c2 * (gi * gi); \
	ST(m + (i), mi); \
	ST(v + (i), vi); \
	ST(w + (i), LD(w + (i)) - lr_t * mi / (SQRT(vi) + eps)); \
} while (0)

static void adam(float *restrict w, const float *restrict g, float *restrict m,
		 float *restrict v, size_t n, float lr_t, float b1, float b2, float eps)
{
	float c1 = 1.0f - b1, c2 = 1.0f - b2;

	FOR_EACH_PARAM(n, ADAM_BODY);
}

/* m, v as Adam; w -= lr (cg g + cm m) / (sqrt(cv v) + eps) */
#define NADAM_BODY(T, LD, ST, SQRT, i) do { \
	T gi = LD(g + (i)); \
	T mi = b1 * LD(m + (i)) + c1 * gi; \
	T vi = b2 * LD(v + (i)) + c2 * (gi * gi); \
	ST(m + (i), mi); \
	ST(v + (i), vi); \
	ST(w + (i), LD(w + (i)) - lr * (cg * gi + cm * mi) / (SQRT(cv * vi) + eps)); \
} while (0)

static void nadam(float *restrict w, const float *restrict g, float *restrict m,
		  float *restrict v, size_t n, float lr, float b1, float b2,
		  float eps, float cg, float cm, float cv)
{
	float c1 = 1.0f - b1, c2 = 1.0f - b2;

	FOR_EACH_PARAM(n, NADAM_BODY);
}

/* ms = rho ms + (1-rho) g^2; w -= lr g / (sqrt(ms) + eps) */
#define RMSPROP_BODY(T, LD, ST, SQRT, i) do { \
	T gi = LD(g + (i)); \
	T vi = rho * LD(ms + (i)) + c * (gi * gi); \
	ST(ms + (i), vi); \
	ST(w + (i), LD(w + (i)) - lr * gi / (SQRT(vi) + eps)); \
} while (0)

static void rmsprop(float *restrict w, const float *restrict g, float *restrict ms,
		    size_t n, float lr, float rho, float eps)
{
	float c = 1.0f - rho;

	FOR_EACH_PARAM(n, RMSPROP_BODY);
}

/* ms as above; mom = mu mom + lr g / (sqrt(ms) + eps); w -= mom */
#define RMSPROP_MOM_BODY(T, LD, ST, SQRT, i) do { \
	T gi = LD(g + (i)); \
	T vi = rho * LD(ms + (i)) + c * (gi * gi); \
	T a = mu * LD(mom + (i)) + lr * gi / (SQRT(vi) + eps); \
	ST(ms + (i), vi); \
	ST(mom + (i), a); \
	ST(w + (i), LD(w + (i)) - a); \
} while (0)

static void rmsprop_momentum(float *restrict w, const float *restrict g,
			     float *restrict ms, float *restrict mom, size_t n,
			     float lr, float rho, float mu, float eps)
{
	float c = 1.0f - rho;

	FOR_EACH_PARAM(n, RMSPROP_MOM_BODY);
}

/* acc += g^2; w -= lr g / (sqrt(acc) + eps) */
#define ADAGRAD_BODY(T, LD, ST, SQRT, i) do { \
	T gi = LD(g + (i)); \
	T a = LD(acc + (i)) + gi * gi; \
	ST(acc + (i), a); \
	ST(w + (i), LD(w + (i)) - lr * gi / (SQRT(a) + eps)); \
} while (0)

static void adagrad(float *restrict w, const float *restrict g, float *restrict acc,
		    size_t n, float lr, float eps)
{
	FOR_EACH_PARAM(n, ADAGRAD_BODY);
}

/* One step's update with its scalars worked out, applied to a range of the
 * parameters: every rule is elementwise, so a range can go to each thread
 * and the result does not depend on how the ranges are cut. */
struct update {
	const struct nn_optim *o;
	float *params;
	const float *grads;
	float lr;               /* Adam: with the bias corrections folded in */
	float cg, cm, cv;       /* Nadam's coefficients */
	atomic_size_t next;     /* the first parameter no thread has taken */
};

static void update_range(const struct update *u, size_t b, size_t e)
{
	const struct nn_optim *o = u->o;
	const struct nn_optim_cfg *c = &o->cfg;
	float *w = u->params + b, *s0 = o->s0 ? o->s0 + b : NULL, *s1 = o->s1 ? o->s1 + b : NULL;
	const float *g = u->grads + b;
	size_t n = e - b;

	switch (c->type) {
	case NN_OPTIM_SGD:
		if (s0)
			sgd_momentum(w, g, s0, n, u->lr, c->momentum, c->nesterov);
		else
			sgd_plain(w, g, n, u->lr);
		break;
	case NN_OPTIM_ADAM:
		adam(w, g, s0, s1, n, u->lr, c->beta1, c->beta2, c->epsilon);
		break;
	case NN_OPTIM_NADAM:
		nadam(w, g, s0, s1, n, u->lr, c->beta1, c->beta2, c->epsilon, u->cg, u->cm, u->cv);
		break;
	case NN_OPTIM_RMSPROP:
		if (s1)
			rmsprop_momentum(w, g, s0, s1, n, u->lr, c->rho, c->momentum, c->epsilon);
		else
			rmsprop(w, g, s0, n, u->lr, c->rho, c->epsilon);
		break;
	case NN_OPTIM_ADAGRAD:
		adagrad(w, g, s0, n, u->lr, c->epsilon);
		break;
	}
}

/* Parameters a thread takes at a time: 32 KB of each of w, g and the
 * moments, and a multiple of every vector width. */
#define UPDATE_CHUNK 8192

/* The threads take chunks in turn until none is left, rather than a fixed
 * half each: the update streams memory, and one core of a shared machine
 * can stream at half the other's speed (on a 2-core virtual machine, the
 * helper's fixed half of the MLP's update took twice the caller's time,
 * and the caller waited). Which thread updates a chunk does not change
 * its bits. */
static void update_job(void *arg, int part, int parts)
{
	struct update *u = arg;
	size_t n = u->o->n, b;

	(void)part, (void)parts;
	while ((b = atomic_fetch_add_explicit(&u->next, UPDATE_CHUNK,
					      memory_order_relaxed)) < n)
		update_range(u, b, b + UPDATE_CHUNK < n ? b + UPDATE_CHUNK : n);
}

void nn_optim_step(struct nn_optim *o, float *params, const float *grads, float lr)
{
	const struct nn_optim_cfg *c = &o->cfg;
	double t = (double)(o->hdr->steps + 1);    /* this step, 1-based */
	struct update u = {.o = o, .params = params, .grads = grads, .lr = lr};
	unsigned fpu = nn_ftz_begin();

	if (c->type == NN_OPTIM_ADAM) {
		u.lr = (float)(lr * sqrt(1.0 - pow(c->beta2, t)) / (1.0 - pow(c->beta1, t)));
	} else if (c->type == NN_OPTIM_NADAM) {
		/* tf.keras 2.x Nadam: momentum caches u_t, u_{t+1} with the 0.004
		 * schedule decay; m_schedule is the product of the u's so far */
		double u_t = c->beta1 * (1.0 - 0.5 * pow(0.96, 0.004 * t));
		double u_t1 = c->beta1 * (1.0 - 0.5 * pow(0.96, 0.004 * (t + 1.0)));
		double ms_new = o->hdr->m_schedule * u_t;
		double ms_next = ms_new * u_t1;

		u.cg = (float)((1.0 - u_t) / (1.0 - ms_new));
		u.cm = (float)(u_t1 / (1.0 - ms_next));
		u.cv = (float)(1.0 / (1.0 - pow(c->beta2, t)));
		o->hdr->m_schedule = ms_new;
	}
	nn_pool_run_parts(o->pool, nn_pool_parts(o->pool, NN_SPLIT_OPTIMIZER, (double)o->n),
			  update_job, &u);
	o->hdr->steps++;
	nn_ftz_end(fpu);
}

void nn_optim_set_pool(struct nn_optim *o, struct nn_pool *pool)
{
	o->pool = pool;
}

uint64_t nn_optim_steps(const struct nn_optim *o)
{
	return o->hdr->steps;
}

size_t nn_optim_state_size(const struct nn_optim *o)
{
	return NN_OPTIM_STATE_HEADER + sizeof(float) * o->n * (size_t)o->n_slots;
}

void nn_optim_state_save(const struct nn_optim *o, void *buf)
{
	unsigned char *p = buf;

	le_put_u64(p, o->hdr->steps);
	le_put_f64(p + 8, o->hdr->m_schedule);
	le_put_f32s(p + NN_OPTIM_STATE_HEADER, (const float *)(o->hdr + 1),
		    o->n * (size_t)o->n_slots);
}

void nn_optim_state_load(struct nn_optim *o, const void *buf)
{
	const unsigned char *p = buf;

	o->hdr->steps = le_get_u64(p);
	o->hdr->m_schedule = le_get_f64(p + 8);
	le_get_f32s((float *)(o->hdr + 1), p + NN_OPTIM_STATE_HEADER, o->n * (size_t)o->n_slots);
}
