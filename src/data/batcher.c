#include "data/batcher.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define RING 3

/*
 * Invariants (under mu): released <= consumed <= produced <= n_batches and
 * produced < released + RING whenever the producer starts a batch, so batch
 * k lives in slot k % RING and the producer never writes a slot the
 * consumer may still read. The consumer holds batch consumed - 1 while
 * holding is set; released counts batches it has handed back.
 *
 * order and rng are written by batcher_start_epoch only while the producer
 * is idle (busy == 0, checked under mu) and read by the producer only while
 * busy, so the mutex orders every access to them.
 */
struct batcher {
	/* fixed after batcher_new */
	const struct dataset *train;
	struct augment_spec aug;
	int augment;                  /* augment_enabled(aug) */
	int batch_size, in_size;
	float *x[RING];               /* (capacity, in_size) each */
	uint8_t *y[RING];             /* (capacity) each */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t to_producer;   /* work, room in the ring, or quit */
	pthread_cond_t to_consumer;   /* a batch is ready, or the producer went idle */

	/* the epoch's input: see the comment above */
	int *order;                   /* (train->n) */
	struct rng rng;

	/* guarded by mu */
	int quit, active, busy, holding;
	unsigned generation;          /* bumped whenever an epoch is abandoned */
	int n, n_batches;
	int produced, consumed, released;
	int B[RING];                  /* samples in the batch each slot holds */

	/* Set (besides under mu) while abandoning, polled by the producer
	 * between samples so that a cancel need not wait for a whole batch. */
	atomic_int abandon;
};

int batcher_batches(const struct batcher *b, int n)
{
	return n / b->batch_size + (n % b->batch_size != 0);
}

/* Gather (and augment) batch k into its slot. Runs without the lock.
 * Returns the number of samples, or -1 when the epoch was abandoned. */
static int fill(struct batcher *b, int k, int n)
{
	const struct dataset *t = b->train;
	int slot = k % RING, from = (int)((long long)k * b->batch_size);
	int B = n - from < b->batch_size ? n - from : b->batch_size;

	for (int i = 0; i < B; i++) {
		int s = b->order[from + i];
		float *dst = b->x[slot] + (size_t)i * b->in_size;

		if (atomic_load_explicit(&b->abandon, memory_order_relaxed))
			return -1;
		if (b->augment)
			augment_sample(&b->aug, &b->rng, t, s, dst);
		else
			dataset_get(t, s, 1, dst);
		b->y[slot][i] = t->y[s];
	}
	return B;
}

static void *producer_main(void *arg)
{
	struct batcher *b = arg;

	pthread_mutex_lock(&b->mu);
	for (;;) {
		unsigned gen;
		int k, n, B;

		while (!b->quit && !(b->active && b->produced < b->n_batches &&
				     b->produced < b->released + RING))
			pthread_cond_wait(&b->to_producer, &b->mu);
		if (b->quit)
			break;
		k = b->produced;
		n = b->n;
		gen = b->generation;
		b->busy = 1;
		pthread_mutex_unlock(&b->mu);

		B = fill(b, k, n);

		pthread_mutex_lock(&b->mu);
		b->busy = 0;
		if (B >= 0 && gen == b->generation && b->active) {
			b->B[k % RING] = B;
			b->produced++;
		}
		pthread_cond_signal(&b->to_consumer);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Drop the current epoch and wait until the producer is idle. Holds mu. */
static void abandon_locked(struct batcher *b)
{
	b->active = 0;
	b->generation++;
	if (b->busy) {
		atomic_store_explicit(&b->abandon, 1, memory_order_relaxed);
		while (b->busy)
			pthread_cond_wait(&b->to_consumer, &b->mu);
		atomic_store_explicit(&b->abandon, 0, memory_order_relaxed);
	}
	b->holding = 0;
	b->n = b->n_batches = 0;
	b->produced = b->consumed = b->released = 0;
}

static void free_buffers(struct batcher *b)
{
	for (int i = 0; i < RING; i++) {
		free(b->x[i]);
		free(b->y[i]);
	}
	free(b->order);
	free(b);
}

int batcher_new(struct batcher **out, const struct dataset *train, int batch_size,
		const struct augment_spec *aug, struct dl_error *err)
{
	struct batcher *b;
	sigset_t all, old;
	size_t capacity;
	int rc;

	*out = NULL;
	if (batch_size < 1)
		return dl_error_set(err, "batch size must be at least 1, not %d", batch_size);
	if (train->n < 0 || train->c < 1 || train->h < 1 || train->w < 1)
		return dl_error_set(err, "bad training set shape: %d samples of %dx%dx%d",
				    train->n, train->c, train->h, train->w);
	if (aug && augment_spec_check(aug, err) != DL_OK)
		return DL_ERR;
	if (!(b = calloc(1, sizeof *b)))
		return dl_error_set(err, "out of memory for a batcher");
	b->train = train;
	if (aug)
		b->aug = *aug;
	b->augment = augment_enabled(aug);
	b->batch_size = batch_size;
	b->in_size = train->c * train->h * train->w;
	capacity = (size_t)(batch_size < train->n ? batch_size : train->n);
	if (capacity < 1)
		capacity = 1;
	for (int i = 0; i < RING; i++) {
		b->x[i] = malloc(sizeof *b->x[i] * capacity * (size_t)b->in_size);
		b->y[i] = malloc(capacity);
		if (!b->x[i] || !b->y[i])
			goto nomem;
	}
	if (!(b->order = malloc(sizeof *b->order * (train->n ? (size_t)train->n : 1))))
		goto nomem;
	atomic_init(&b->abandon, 0);
	if (pthread_mutex_init(&b->mu, NULL) != 0) {
		free_buffers(b);
		return dl_error_set(err, "cannot create the batcher's mutex");
	}
	if (pthread_cond_init(&b->to_producer, NULL) != 0) {
		pthread_mutex_destroy(&b->mu);
		free_buffers(b);
		return dl_error_set(err, "cannot create the batcher's condition variable");
	}
	if (pthread_cond_init(&b->to_consumer, NULL) != 0) {
		pthread_cond_destroy(&b->to_producer);
		pthread_mutex_destroy(&b->mu);
		free_buffers(b);
		return dl_error_set(err, "cannot create the batcher's condition variable");
	}
	/* The thread inherits this mask: signals go to the threads that
	 * handle them, not to a producer that would only be interrupted. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&b->thread, NULL, producer_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		pthread_cond_destroy(&b->to_consumer);
		pthread_cond_destroy(&b->to_producer);
		pthread_mutex_destroy(&b->mu);
		free_buffers(b);
		return dl_error_set(err, "cannot start the batch producer thread: %s",
				    strerror(rc));
	}
	*out = b;
	return DL_OK;
nomem:
	free_buffers(b);
	return dl_error_set(err, "out of memory for 3 batches of %zu samples of %d floats",
			    capacity, train->c * train->h * train->w);
}

void batcher_free(struct batcher *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->mu);
	abandon_locked(b);
	b->quit = 1;
	pthread_cond_signal(&b->to_producer);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->to_consumer);
	pthread_cond_destroy(&b->to_producer);
	pthread_mutex_destroy(&b->mu);
	free_buffers(b);
}

int batcher_start_epoch(struct batcher *b, const int *order, int n, uint64_t epoch_seed,
			struct dl_error *err)
{
	if (n < 0 || n > b->train->n)
		return dl_error_set(err, "an epoch of %d samples from a training set of %d",
				    n, b->train->n);
	for (int i = 0; i < n; i++)
		if (order[i] < 0 || order[i] >= b->train->n)
			return dl_error_set(err, "epoch order[%d] = %d is not a sample (0..%d)",
					    i, order[i], b->train->n - 1);
	pthread_mutex_lock(&b->mu);
	abandon_locked(b);
	if (n)
		memcpy(b->order, order, sizeof *order * (size_t)n);
	rng_seed(&b->rng, epoch_seed);
	b->n = n;
	b->n_batches = batcher_batches(b, n);
	b->active = 1;
	pthread_cond_signal(&b->to_producer);
	pthread_mutex_unlock(&b->mu);
	return DL_OK;
}

int batcher_next(struct batcher *b, const float **x, const uint8_t **y, int *B)
{
	int slot;

	pthread_mutex_lock(&b->mu);
	if (b->holding) {
		b->holding = 0;
		b->released++;
		pthread_cond_signal(&b->to_producer);
	}
	if (!b->active || b->consumed >= b->n_batches) {
		pthread_mutex_unlock(&b->mu);
		return 1;
	}
	/* Only this (the consumer) thread can end the epoch, and the ring has
	 * room, so the producer is making this batch: the wait ends. */
	while (b->produced <= b->consumed)
		pthread_cond_wait(&b->to_consumer, &b->mu);
	slot = b->consumed % RING;
	b->consumed++;
	b->holding = 1;
	*x = b->x[slot];
	*y = b->y[slot];
	*B = b->B[slot];
	pthread_mutex_unlock(&b->mu);
	return 0;
}

void batcher_cancel(struct batcher *b)
{
	pthread_mutex_lock(&b->mu);
	abandon_locked(b);
	pthread_mutex_unlock(&b->mu);
}
