/*
 * parallel.h - a fork-join pool for splitting one layer's work over threads.
 *
 * A run that asks for several threads splits every batch between them layer
 * by layer: each thread takes a share of the samples (or rows) of a
 * convolution or batchnorm, and the layer waits for all shares before the
 * next one starts. The threads are started once, with the model, and sleep
 * on a condition variable between jobs; a job is a function called once per
 * share, share 0 on the calling thread itself.
 *
 * BLAS stays single-threaded (gemm.h): the jobs call it from every thread
 * at once, and OpenBLAS's own threads, which spin between products, would
 * compete with these for the same cores.
 */
#ifndef DL_NN_PARALLEL_H
#define DL_NN_PARALLEL_H

#include "util/error.h"

struct nn_pool;

/* A job: do share `part` of `parts` of the work described by ctx. */
typedef void (*nn_job_fn)(void *ctx, int part, int parts);

/* A pool of `threads` (>= 1) threads counting the caller's: threads - 1 are
 * started. DL_ERR when they cannot be. */
int nn_pool_new(struct nn_pool **out, int threads, struct dl_error *err);
void nn_pool_free(struct nn_pool *p);       /* joins the threads; NULL is fine */

/* Threads of the pool; 1 for a NULL pool. */
int nn_pool_threads(const struct nn_pool *p);

/* Call fn(ctx, i, n) for i in [0, n), n = nn_pool_threads(p), and return when
 * every call has returned. A NULL pool runs fn(ctx, 0, 1) inline. */
void nn_pool_run(struct nn_pool *p, nn_job_fn fn, void *ctx);

/* The same with only `parts` shares (1 <= parts <= nn_pool_threads(p)):
 * fn(ctx, i, parts) for i in [0, parts); threads beyond them sit the job
 * out. parts <= 1 runs fn(ctx, 0, 1) inline, waking no thread. */
void nn_pool_run_parts(struct nn_pool *p, int parts, nn_job_fn fn, void *ctx);

/* The share [*begin, *end) of `count` items that part `part` of `parts` takes. */
void nn_share(int count, int part, int parts, int *begin, int *end);

/*
 * When splitting pays. Splitting `work` units into n shares takes
 *     t(n) = work * unit_ns / n + (n - 1) * handoff_ns
 * nanoseconds: each share runs at one thread's speed, and each extra share
 * costs a hand-off (announcing the job, the helper's wake-up, waiting for
 * the slowest share). nn_split_parts() picks the n in [1, threads] with the
 * least t(n), the fewer shares on a tie. A share therefore carries at least
 * about handoff_ns / unit_ns units, and work below twice that is never
 * split. The choice depends only on the work's size and the thread count,
 * never on a clock: a given thread count always splits the same way and so
 * gives the same bits.
 *
 * unit_ns is per layer kind and direction (nn_split_costs, parallel.c),
 * measured on one thread; handoff_ns is the pool's round trip under load.
 * parallel.c says how they were measured.
 */
enum nn_split_kind {
	NN_SPLIT_DENSE_FORWARD,     /* units: multiply-adds, B IN OUT */
	NN_SPLIT_DENSE_BACKWARD,    /* multiply-adds of dw and din */
	NN_SPLIT_CONV_FORWARD,      /* multiply-adds, B OH OW KH KW C F */
	NN_SPLIT_CONV_BACKWARD,     /* multiply-adds of dw and din */
	NN_SPLIT_BATCHNORM_FORWARD, /* values, B H W C */
	NN_SPLIT_BATCHNORM_BACKWARD,
	NN_SPLIT_SUM,               /* floats added: per-thread sums gathered */
	NN_SPLIT_OPTIMIZER,         /* parameters updated */
	NN_SPLIT_KINDS
};

struct nn_split_cost {
	double unit_ns;             /* one thread's time for one unit of work */
	double handoff_ns;          /* what one more share costs */
};

/* The measured costs, indexed by enum nn_split_kind. */
extern const struct nn_split_cost nn_split_costs[NN_SPLIT_KINDS];

/* Shares worth making of `work` units with `threads` threads (>= 1). */
int nn_split_parts(double work, const struct nn_split_cost *cost, int threads);

/* Predicted nanoseconds of `work` split into `parts` shares: t(parts). */
double nn_split_time(double work, const struct nn_split_cost *cost, int parts);

/* nn_split_parts() for work of `kind` with the pool's threads and costs. */
int nn_pool_parts(const struct nn_pool *p, enum nn_split_kind kind, double work);

/* Decide the pool's splits from another table of NN_SPLIT_KINDS costs
 * (the caller's, kept by pointer); NULL restores nn_split_costs. Tests pass
 * zero costs to split every job. */
void nn_pool_set_costs(struct nn_pool *p, const struct nn_split_cost *costs);

/*
 * Denormals flushed to zero while the engine runs, as TensorFlow does for its
 * kernels (ScopedFlushDenormal). Besides matching Keras this is a speed
 * matter: the Adam moments of MNIST's always-blank border pixels decay into
 * denormals, and x86 arithmetic on those is ~100x slower (an Adam step of
 * the 784-256-128-64-32-10 MLP on MNIST: 0.98 ms without, 0.54 ms with).
 * MXCSR is per thread, so setting it on entry and restoring it on exit
 * touches no shared state.
 */
#if defined(__SSE__)
#include <xmmintrin.h>
static inline unsigned nn_ftz_begin(void)
{
	unsigned old = _mm_getcsr();

	_mm_setcsr(old | 0x8040u);   /* FTZ (bit 15) and DAZ (bit 6) */
	return old;
}
static inline void nn_ftz_end(unsigned old) { _mm_setcsr(old); }
#else
static inline unsigned nn_ftz_begin(void) { return 0; }
static inline void nn_ftz_end(unsigned old) { (void)old; }
#endif

#endif
