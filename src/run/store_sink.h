/*
 * store_sink.h - the run sink that writes a training run into the store
 * (DESIGN.md: the trainer reports to a sink; the store implements one).
 *
 * History is committed once per epoch, and with it the first weighted
 * layer's weights as images (store_put_weights, replacing the epoch
 * before's), live progress at most a few times a second, the final metrics
 * and the test confusion matrix when the run ends.
 * The sink's callbacks cannot fail back into the trainer, so the first
 * store error is kept in the sink and the sink raises its cancel flag: pass
 * store_sink.cancel to the trainer (train_options.cancel), and after
 * trainer_run check store_sink_failed() to mark the run failed with the
 * reason instead of done.
 *
 * With the progress the sink also reads the run's requests (store.h): a
 * cancel request or the owner's quit flag raises cancel too (the run stops
 * at the next batch), a stop request raises stop_epoch (pass it as
 * train_options.stop_after_epoch: the run ends after its current epoch,
 * checkpoint written), and `requested` says which.
 *
 * The sink also keeps what evaluation leaves: the test and validation
 * confusion matrices of the final model,
 * the misclassified test samples with their pixels and saliency, and with
 * train.inits the initial loss of every candidate ("init_losses", a
 * little-endian float64 each, and "init_kept", one little-endian int32).
 */
#ifndef DL_RUN_STORE_SINK_H
#define DL_RUN_STORE_SINK_H

#include "store/store.h"
#include "train/trainer.h"

/* Progress is written at most this often (seconds). */
#define STORE_SINK_PROGRESS_PERIOD 0.25

struct store_sink {
	struct run_sink sink;       /* hand this to trainer_run */
	struct store *store;
	int64_t run_id;
	int epochs;                 /* from the run's start, for the ETA */
	double last_progress;       /* clock_seconds() of the last write */
	double t0;                  /* clock_seconds() at the first progress */
	double done0;               /* epochs done then (fractional) */
	volatile int cancel;        /* raised on a store error, a cancel, or quit */
	volatile int stop_epoch;    /* raised on a stop request */
	int image_h, image_w;       /* a test image's rows (c * h) and columns */
	const volatile int *quit;   /* the owner's shutdown flag, may be NULL */
	enum store_request requested; /* the last request read with the progress */
	int failed;
	struct dl_error error;      /* the first store error */
};

/* Point the sink at run `run_id` of `store`. */
void store_sink_init(struct store_sink *ss, struct store *store, int64_t run_id);

/* Whether a store write failed during the run; the error is in ss->error. */
int store_sink_failed(const struct store_sink *ss);

/* The store status for a trainer result. */
enum store_status store_sink_status(enum run_status st);

#endif
