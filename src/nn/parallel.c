/* The fork-join pool: a generation counter announces each job, the workers
 * run their share and count themselves done. Jobs come back to back (a
 * training step is some fifty of them, each a fraction of a millisecond),
 * and waking a sleeping thread through the kernel costs tens of
 * microseconds, so both sides first spin a while on the counters and only
 * then sleep on a condition variable: a busy run never sleeps between
 * layers, an idle pool costs nothing. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "nn/parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct nn_pool {
	int threads;
	pthread_t *workers;             /* threads - 1 */
	pthread_mutex_t lock;
	pthread_cond_t start, done;
	atomic_ulong generation;        /* bumped for every job */
	atomic_int pending;             /* workers still running the job */
	atomic_int quit;
	nn_job_fn fn;
	void *ctx;
	int parts;                      /* shares of the job: parts <= threads */
	const struct nn_split_cost *costs;      /* NN_SPLIT_KINDS entries */
};

struct worker_arg {
	struct nn_pool *pool;
	int part;
};

/* Polls before sleeping: 20,000 pause instructions, 0.4 ms on a Zen core
 * (about 65 cycles each) and about 1 ms on recent Intel cores (140), longer
 * than the serial stretches of a training step (dropout masks, the loss,
 * the next batch). A helper that fell asleep in one of those costs a
 * kernel wake-up, tens of microseconds in a virtual machine, at the next
 * job: with 2,000 the CNN's bench trained 1.7% slower on 2 threads. */
#define POOL_SPINS 20000

static void spin_pause(void)
{
#if defined(__SSE2__)
	_mm_pause();
#endif
}

/* Spin until *v != old (or quit); 1 when it changed. */
static int spin_for_change(struct nn_pool *p, atomic_ulong *v, unsigned long old)
{
	for (int i = 0; i < POOL_SPINS; i++) {
		if (atomic_load_explicit(v, memory_order_acquire) != old ||
		    atomic_load_explicit(&p->quit, memory_order_acquire))
			return 1;
		spin_pause();
	}
	return 0;
}

static void *worker_main(void *arg)
{
	struct worker_arg *w = arg;
	struct nn_pool *p = w->pool;
	int part = w->part;
	unsigned long seen = 0;

	free(w);
	for (;;) {
		if (!spin_for_change(p, &p->generation, seen)) {
			pthread_mutex_lock(&p->lock);
			while (atomic_load(&p->generation) == seen && !atomic_load(&p->quit))
				pthread_cond_wait(&p->start, &p->lock);
			pthread_mutex_unlock(&p->lock);
		}
		if (atomic_load(&p->quit))
			break;
		seen = atomic_load(&p->generation);
		if (part < p->parts) {
			/* denormals flushed as on the calling thread (nn_ftz_begin) */
			unsigned fpu = nn_ftz_begin();

			p->fn(p->ctx, part, p->parts);
			nn_ftz_end(fpu);
		}
		if (atomic_fetch_sub(&p->pending, 1) == 1) {
			pthread_mutex_lock(&p->lock);
			pthread_cond_signal(&p->done);
			pthread_mutex_unlock(&p->lock);
		}
	}
	return NULL;
}

int nn_pool_new(struct nn_pool **out, int threads, struct dl_error *err)
{
	struct nn_pool *p;

	*out = NULL;
	if (threads < 1)
		threads = 1;
	p = calloc(1, sizeof *p);
	if (!p || !(p->workers = calloc((size_t)threads, sizeof *p->workers))) {
		free(p);
		return dl_error_set(err, "out of memory starting %d threads", threads);
	}
	p->threads = 1;                 /* grows as workers start */
	p->costs = nn_split_costs;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->start, NULL);
	pthread_cond_init(&p->done, NULL);
	for (int i = 1; i < threads; i++) {
		struct worker_arg *w = malloc(sizeof *w);

		if (w)
			*w = (struct worker_arg){p, i};
		if (!w || pthread_create(&p->workers[i - 1], NULL, worker_main, w) != 0) {
			free(w);
			nn_pool_free(p);
			return dl_error_set(err, "cannot start thread %d of %d", i + 1, threads);
		}
		p->threads = i + 1;
	}
	*out = p;
	return DL_OK;
}

void nn_pool_free(struct nn_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	atomic_store(&p->quit, 1);
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->threads - 1; i++)
		pthread_join(p->workers[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->start);
	pthread_cond_destroy(&p->done);
	free(p->workers);
	free(p);
}

int nn_pool_threads(const struct nn_pool *p)
{
	return p ? p->threads : 1;
}

void nn_pool_run(struct nn_pool *p, nn_job_fn fn, void *ctx)
{
	nn_pool_run_parts(p, nn_pool_threads(p), fn, ctx);
}

void nn_pool_run_parts(struct nn_pool *p, int parts, nn_job_fn fn, void *ctx)
{
	if (!p || p->threads == 1 || parts <= 1) {
		fn(ctx, 0, 1);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	p->parts = parts < p->threads ? parts : p->threads;
	atomic_store(&p->pending, p->threads - 1);
	pthread_mutex_lock(&p->lock);
	atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
	fn(ctx, 0, p->parts);
	for (int i = 0; i < POOL_SPINS && atomic_load_explicit(&p->pending,
							       memory_order_acquire) > 0; i++)
		spin_pause();
	if (atomic_load(&p->pending) > 0) {
		pthread_mutex_lock(&p->lock);
		while (atomic_load(&p->pending) > 0)
			pthread_cond_wait(&p->done, &p->lock);
		pthread_mutex_unlock(&p->lock);
	}
}

void nn_share(int count, int part, int parts, int *begin, int *end)
{
	*begin = (int)((long long)count * part / parts);
	*end = (int)((long long)count * (part + 1) / parts);
}

/*
 * The costs behind nn_split_parts(), measured on the 2-core AMD EPYC (Zen 5,
 * AVX-512) of the speed table in README.md. unit_ns: each layer kind alone
 * in a model (the benchmark models' shapes, batches of 1 to 1000), its
 * forward and its backward (input gradient included) timed on one thread,
 * the fastest of 41 repeats of 2 ms each so that other processes' load
 * does not inflate it, divided by the work; the sums' figure is a streaming
 * add (the largest gather, 51,200 floats, is far below any split point).
 * handoff_ns: an empty job's round trip on 2 threads was 1 to 2 us with
 * the helper spinning on an idle machine, and 44 us (fastest) to 78 us
 * (median) with the machine shared at a load of 7 to 8 on 2 cores, where
 * a helper waits for a core. 30 us takes a split only where it still pays
 * under a moderate load, and leaves alone the passes whose gain would be a
 * few microseconds at best: those (dense16's layers, the small dense
 * layers of the MLP) are what made a second thread slower than one.
 */
#define HANDOFF_NS 30000.0

const struct nn_split_cost nn_split_costs[NN_SPLIT_KINDS] = {
	[NN_SPLIT_DENSE_FORWARD] = {0.027, HANDOFF_NS},       /* per multiply-add */
	[NN_SPLIT_DENSE_BACKWARD] = {0.026, HANDOFF_NS},
	[NN_SPLIT_CONV_FORWARD] = {0.0092, HANDOFF_NS},       /* direct AVX-512 kernels */
	[NN_SPLIT_CONV_BACKWARD] = {0.0105, HANDOFF_NS},
	[NN_SPLIT_BATCHNORM_FORWARD] = {0.66, HANDOFF_NS},    /* per value */
	[NN_SPLIT_BATCHNORM_BACKWARD] = {1.2, HANDOFF_NS},
	[NN_SPLIT_SUM] = {0.1, HANDOFF_NS},                   /* per float added */
	[NN_SPLIT_OPTIMIZER] = {0.54, HANDOFF_NS},            /* per parameter, Adam */
};

double nn_split_time(double work, const struct nn_split_cost *cost, int parts)
{
	if (parts < 1)
		parts = 1;
	return work * cost->unit_ns / parts + (parts - 1) * cost->handoff_ns;
}

int nn_split_parts(double work, const struct nn_split_cost *cost, int threads)
{
	int best = 1;
	double best_t = nn_split_time(work, cost, 1);

	for (int n = 2; n <= threads; n++) {
		double t = nn_split_time(work, cost, n);

		if (t < best_t) {
			best = n;
			best_t = t;
		}
	}
	return best;
}

int nn_pool_parts(const struct nn_pool *p, enum nn_split_kind kind, double work)
{
	int threads = nn_pool_threads(p);

	if (threads == 1 || kind < 0 || kind >= NN_SPLIT_KINDS)
		return 1;
	return nn_split_parts(work, &p->costs[kind], threads);
}

void nn_pool_set_costs(struct nn_pool *p, const struct nn_split_cost *costs)
{
	if (p)
		p->costs = costs ? costs : nn_split_costs;
}
