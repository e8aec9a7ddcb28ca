/*
 * store_sink.h - the run sink that writes a training run into the store
 * (DESIGN.md: the trainer reports to a sink; the store implements one).
 *
 * History is committed in batches, at most a few times a second (the first
 * epoch at once, and every epoch when epochs take longer than
 * STORE_SINK_HISTORY_PERIOD), and with
 * it the first weighted layer's weights as images (store_put_weights,
 * replacing the ones before); live progress at most a few times a second,
 * the final metrics and the test confusion matrix when the run ends: a run
 * of 20,000 epochs of a millisecond writes a few hundred transactions, not
 * 40,000. A run resumed from a checkpoint records the checkpoint's history
 * first, so epochs that were trained but not yet written when the process
 * died are not lost.
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
/* History is written at most this often (seconds), and whenever this many
 * epochs wait. */
#define STORE_SINK_HISTORY_PERIOD 0.5
#define STORE_SINK_MAX_PENDING 256

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
	double last_history;        /* clock_seconds() of the last history write */
	int n_pending;              /* epochs done but not yet written */
	int weights_due;            /* the weight images follow the next epoch */
	struct epoch_metrics pending[STORE_SINK_MAX_PENDING];
	/* Answers sample by sample (store_put_answers): the splits' samples as
	 * the run started (labels pointing into the run's data, which outlives
	 * the sink's last flush), and the validation answers of the epochs not
	 * yet written, malloc'd, written and freed with the history. */
	const struct data_split *data;
	struct store_sample_set val_set, test_set; /* n == 0: none */
	int n_pending_answers;
	int pending_answer_epochs[STORE_SINK_MAX_PENDING];
	uint8_t *pending_answers[STORE_SINK_MAX_PENDING];
};

/* Point the sink at run `run_id` of `store`. */
void store_sink_init(struct store_sink *ss, struct store *store, int64_t run_id);

/* Write the epochs still waiting. The sink does it when the run ends;
 * call it again after trainer_run returns DL_ERR (no finished event). */
void store_sink_flush(struct store_sink *ss);

/* Whether a store write failed during the run; the error is in ss->error. */
int store_sink_failed(const struct store_sink *ss);

/* The store status for a trainer result. */
enum store_status store_sink_status(enum run_status st);

#endif
