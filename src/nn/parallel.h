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

/* The share [*begin, *end) of `count` items that part `part` of `parts` takes. */
void nn_share(int count, int part, int parts, int *begin, int *end);

#endif
