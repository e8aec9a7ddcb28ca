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

#include "nn/layer.h"
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
};

struct worker_arg {
	struct nn_pool *pool;
	int part;
};

/* Polls before sleeping: some 100 microseconds of pause instructions, longer
 * than the serial stretches of a training step (dropout masks, the loss). */
#define POOL_SPINS 2000

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
		{
			/* denormals flushed as on the calling thread (layer.h) */
			unsigned fpu = nn_ftz_begin();

			p->fn(p->ctx, part, p->threads);
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
	if (!p || p->threads == 1) {
		fn(ctx, 0, 1);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	atomic_store(&p->pending, p->threads - 1);
	pthread_mutex_lock(&p->lock);
	atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
	pthread_cond_broadcast(&p->start);
	pthread_mutex_unlock(&p->lock);
	fn(ctx, 0, p->threads);
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
