/*
 * batcher.h - a producer thread that gathers (and augments) the batches of
 * one epoch ahead of the trainer, so that preparing batch k+1 overlaps
 * training on batch k.
 *
 * One batcher per run, used by one consumer thread (the run's trainer):
 * batcher_start_epoch, batcher_next and batcher_cancel must not be called
 * concurrently with each other. The producer owns a ring of three batch
 * buffers; the consumer holds at most one of them (the batch batcher_next
 * returned last), the producer fills the others, so it runs at most two
 * batches ahead. All waiting is on condition variables, never spinning.
 *
 * Results never depend on thread timing: each epoch seeds one rng from its
 * epoch_seed and the single producer consumes it in sample order, one
 * augment_image() per sample. So an epoch's batches are exactly what this
 * sequential loop gives (the unit test checks it):
 *
 *     struct rng r; rng_seed(&r, epoch_seed);
 *     for (i = 0; i < n; i++)
 *         augment_sample(aug, &r, train, order[i], out_i);
 *
 * With augmentation disabled (aug NULL or all zero) samples are copied
 * (dataset_get) and no random number is drawn, so the trainer has one path
 * either way. Either way the batches are floats, whatever the set keeps:
 * a set of bytes is converted here, a batch at a time.
 *
 * The producer thread starts in batcher_new and blocks every signal, so
 * process signals (SIGINT for cancellation, say) reach the other threads.
 * It is one extra busy thread per run while an epoch is being prepared; a
 * worker pool counting cores should count it.
 *
 * Typical use in an epoch loop:
 *
 *     batcher_start_epoch(b, order, n, epoch_seed, err);
 *     while (batcher_next(b, &x, &y, &B) == 0) {
 *         if (cancelled) { batcher_cancel(b); break; }
 *         train_step(x, y, B);
 *     }
 */
#ifndef DL_DATA_BATCHER_H
#define DL_DATA_BATCHER_H

#include <stdint.h>

#include "data/augment.h"
#include "data/dataset.h"
#include "util/error.h"

struct batcher;

/* Create a batcher over train (borrowed: it must outlive the batcher and
 * not change) and start its producer thread. batch_size >= 1; batches of
 * more than train->n samples are never made, so a larger size is fine. aug
 * is copied (and checked with augment_spec_check); NULL or all zero means
 * no augmentation. Returns DL_OK and sets *out, or DL_ERR (bad argument,
 * out of memory, no thread) with err filled and *out NULL. */
int batcher_new(struct batcher **out, const struct dataset *train, int batch_size,
		const struct augment_spec *aug, struct dl_error *err);

/* Stop and join the thread (abandoning any epoch), free everything.
 * NULL is fine. */
void batcher_free(struct batcher *b);

/* Start producing an epoch: the n samples train[order[0]], train[order[1]],
 * ... (order is copied; 0 <= n <= train->n, every index in [0, train->n);
 * an order may repeat samples). Batches are batch_size samples, the last one
 * the remainder. An epoch still in progress is abandoned first, as by
 * batcher_cancel. Returns DL_OK, or DL_ERR on a bad n or index (nothing is
 * started then). */
int batcher_start_epoch(struct batcher *b, const int *order, int n, uint64_t epoch_seed,
			struct dl_error *err);

/* The next batch of the current epoch, waiting for the producer if it is
 * behind. Returns 0 and sets *x (B, c*h*w), *y (B) and *B; the pointers stay
 * valid until the next batcher_next, batcher_start_epoch, batcher_cancel or
 * batcher_free. Returns 1 at the end of the epoch (and from then on), or
 * when no epoch was started or it was cancelled. */
int batcher_next(struct batcher *b, const float **x, const uint8_t **y, int *B);

/* Abandon the current epoch: waits only for the producer to drop the sample
 * it is working on (it checks between samples), never for the rest of the
 * batch. Afterwards batcher_next returns 1 and batcher_start_epoch works as
 * usual. Harmless when no epoch is running. */
void batcher_cancel(struct batcher *b);

/* Batches in an epoch of n samples: ceil(n / batch_size). */
int batcher_batches(const struct batcher *b, int n);

#endif
