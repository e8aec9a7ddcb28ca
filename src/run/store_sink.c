/* A run sink writing into the store (store_sink.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/store_sink.h"
#include "train/analysis.h"
#include "util/le.h"
#include "util/clock.h"

static void record_failure(struct store_sink *ss, const struct dl_error *err)
{
	if (!ss->failed)
		ss->error = *err;
	ss->failed = 1;
	ss->cancel = 1;         /* a run whose results cannot be kept should stop */
}

void store_sink_flush(struct store_sink *ss)
{
	struct store_epoch e[STORE_SINK_MAX_PENDING];
	struct dl_error err;

	if (ss->failed || ss->n_pending == 0)
		return;
	for (int i = 0; i < ss->n_pending; i++) {
		const struct epoch_metrics *m = &ss->pending[i];

		e[i] = (struct store_epoch){
			.epoch = m->epoch, .loss = m->loss, .accuracy = m->accuracy,
			.val_loss = m->val_loss, .val_accuracy = m->val_accuracy, .lr = m->lr,
			.seconds = m->seconds, .events = m->events,
		};
	}
	if (store_add_epochs(ss->store, ss->run_id, e, ss->n_pending, &err) != DL_OK)
		record_failure(ss, &err);
	ss->n_pending = 0;
	ss->weights_due = 1;
	ss->last_history = clock_seconds();
}

/* Queue an epoch for the store, writing the queue when it is full or old. */
static void add_pending(struct store_sink *ss, const struct epoch_metrics *m)
{
	ss->pending[ss->n_pending++] = *m;
	if (ss->n_pending == STORE_SINK_MAX_PENDING ||
	    clock_seconds() - ss->last_history >= STORE_SINK_HISTORY_PERIOD)
		store_sink_flush(ss);
}

static void on_started(void *ctx, const struct run_info *info)
{
	struct store_sink *ss = ctx;
	const struct data_split *d = info->data;
	const char *names[DATA_MAX_CLASSES];
	struct dl_error err;

	ss->epochs = info->exp->train.epochs;
	ss->image_h = d->test.c * d->test.h;
	ss->image_w = d->test.w;
	for (int k = 0; k < d->n_classes && k < DATA_MAX_CLASSES; k++)
		names[k] = d->class_names[k];
	if (store_set_params(ss->store, ss->run_id, (int64_t)info->params, &err) != DL_OK ||
	    store_set_planned_epochs(ss->store, ss->run_id, ss->epochs, &err) != DL_OK ||
	    (d->n_classes > 0 &&
	     store_set_class_names(ss->store, ss->run_id, d->n_classes, names, &err) != DL_OK)) {
		record_failure(ss, &err);
		return;
	}
	/* the checkpoint's history: what was written already is rewritten
	 * the same, and what was not is no longer missing */
	for (int i = 0; i < info->resumed_epochs && !ss->failed; i++) {
		ss->pending[ss->n_pending++] = info->resumed_history[i];
		if (ss->n_pending == STORE_SINK_MAX_PENDING)
			store_sink_flush(ss);
	}
	store_sink_flush(ss);
}

static void on_progress(void *ctx, const struct train_progress *p)
{
	int epoch = p->epoch, batch = p->batch, batches = p->batches;
	double samples_per_s = p->samples_per_s;
	struct store_sink *ss = ctx;
	double now = clock_seconds(), eta = NAN, done;
	struct dl_error err;

	/* an epoch's last batch too (runs of tiny epochs end one a
	 * millisecond), except the run's very last, where it comes to rest */
	if (now - ss->last_progress < STORE_SINK_PROGRESS_PERIOD &&
	    !(epoch == ss->epochs && batch == batches))
		return;
	ss->last_progress = now;
	/*
	 * The ETA from the pace of the whole run since it (re)started, not from
	 * samples/s: between batches a run also evaluates, checkpoints and
	 * writes its history, which for runs of tiny epochs (notebook 000's
	 * 10,000) is most of the time.
	 */
	done = (epoch - 1) + (double)batch / batches;
	if (ss->t0 == 0) {
		ss->t0 = now;
		ss->done0 = done;
	} else if (done > ss->done0) {
		eta = (now - ss->t0) / (done - ss->done0) * (ss->epochs - done);
	}
	if (store_set_progress(ss->store, ss->run_id, epoch, batch, batches, samples_per_s, eta,
			       &err) != DL_OK ||
	    store_requested(ss->store, ss->run_id, &ss->requested, &err) != DL_OK) {
		record_failure(ss, &err);
		return;
	}
	if (ss->requested == STORE_REQUEST_CANCEL || (ss->quit && __atomic_load_n(ss->quit, __ATOMIC_RELAXED)))
		ss->cancel = 1;
	ss->stop_epoch = ss->requested == STORE_REQUEST_STOP;
}

/* Little-endian like every blob of the store: a store copied to another
 * machine reads the same. */
static void on_initialised(void *ctx, const double *losses, int n, int kept)
{
	struct store_sink *ss = ctx;
	unsigned char *blob = malloc(8 * (size_t)n), k[4];
	struct dl_error err;

	if (!blob) {
		dl_error_set(&err, "out of memory keeping %d initial losses", n);
		record_failure(ss, &err);
		return;
	}
	for (int i = 0; i < n; i++)
		le_put_f64(blob + 8 * i, losses[i]);
	le_put_u32(k, (uint32_t)kept);
	if (store_set_artifact(ss->store, ss->run_id, "init_losses", 1, n, blob,
			       8 * (size_t)n, &err) != DL_OK ||
	    store_set_artifact(ss->store, ss->run_id, "init_kept", 1, 1, k, sizeof k,
			       &err) != DL_OK)
		record_failure(ss, &err);
	free(blob);
}

static void on_misclassified(void *ctx, const char *split, const struct misclassified *m, int n)
{
	struct store_sink *ss = ctx;
	struct dl_error err;

	for (int i = 0; i < n && !ss->failed; i++) {
		struct store_sample sm = {
			.index = m[i].index, .truth = m[i].truth, .predicted = m[i].predicted,
			.confidence = m[i].confidence, .h = ss->image_h, .w = ss->image_w,
			.pixels = m[i].pixels, .saliency = m[i].saliency,
		};

		if (store_add_misclassified(ss->store, ss->run_id, split, &sm, &err) != DL_OK)
			record_failure(ss, &err);
	}
}

static void on_epoch_done(void *ctx, const struct epoch_metrics *m)
{
	add_pending(ctx, m);
}

/* The first weighted layer's weights as images, replacing the last
 * epoch's. A model without such a layer has nothing to draw. */
static void on_epoch_model(void *ctx, int epoch, const struct nn_model *m)
{
	struct store_sink *ss = ctx;
	int layer = analysis_first_weighted_layer(m);
	struct weight_images wi;
	struct store_weights w;
	struct dl_error err;

	/* with the history: not a transaction per tiny epoch */
	if (layer < 0 || ss->failed || (!ss->weights_due && epoch != ss->epochs))
		return;
	ss->weights_due = 0;
	if (analysis_weight_images(m, layer, &wi, &err) != DL_OK) {
		record_failure(ss, &err);
		return;
	}
	analysis_scale_symmetric(wi.pixels, (size_t)wi.n * wi.h * wi.w);
	w = (struct store_weights){.layer = layer, .epoch = epoch, .n = wi.n, .h = wi.h,
				   .w = wi.w, .pixels = wi.pixels};
	snprintf(w.unit_name, sizeof w.unit_name, "%s", wi.unit_name);
	if (store_put_weights(ss->store, ss->run_id, &w, &err) != DL_OK)
		record_failure(ss, &err);
	weight_images_free(&wi);
}

enum store_status store_sink_status(enum run_status st)
{
	switch (st) {
	case RUN_DONE: return STORE_DONE;
	case RUN_DIVERGED: return STORE_DIVERGED;
	case RUN_CANCELLED:
	default: return STORE_CANCELLED;
	}
}

/* An evaluation's confusion matrix, as the split's artifact. */
static int keep_confusion(struct store_sink *ss, const char *split, const struct evaluation *ev)
{
	int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	int n = ev->n_classes;
	struct dl_error err;

	if (n < 1 || n > STORE_MAX_CLASSES)
		return DL_OK;
	for (int t = 0; t < n; t++)
		for (int p = 0; p < n; p++)
			counts[t * n + p] = ev->confusion[t][p];
	if (store_set_confusion(ss->store, ss->run_id, split, n, counts, &err) != DL_OK) {
		record_failure(ss, &err);
		return DL_ERR;
	}
	return DL_OK;
}

static void on_finished(void *ctx, const struct run_result *r)
{
	struct store_sink *ss = ctx;
	const struct epoch_metrics *last = r->epochs > 0 ? &r->history[r->epochs - 1] : NULL;
	struct store_result res = {
		.status = store_sink_status(r->status), .epochs = r->epochs,
		.loss = last ? last->loss : NAN, .accuracy = last ? last->accuracy : NAN,
		.val_loss = last ? last->val_loss : NAN,
		.val_accuracy = last ? last->val_accuracy : NAN,
		.test_loss = r->status == RUN_DONE ? r->test.loss : NAN,
		.test_accuracy = r->status == RUN_DONE ? r->test.accuracy : NAN,
		.seconds = r->seconds, .message = r->message,
	};
	struct dl_error err;

	store_sink_flush(ss);
	/* the owner marks a failed run failed, and a stopped one interrupted */
	if (ss->failed || (r->status == RUN_CANCELLED && ss->requested != STORE_REQUEST_CANCEL))
		return;
	if (r->status == RUN_DONE &&
	    (keep_confusion(ss, "test", &r->test) != DL_OK ||
	     (r->val.n > 0 && keep_confusion(ss, "val", &r->val) != DL_OK)))
		return;
	if (store_finish_run(ss->store, ss->run_id, &res, &err) != DL_OK)
		record_failure(ss, &err);
}

void store_sink_init(struct store_sink *ss, struct store *store, int64_t run_id)
{
	memset(ss, 0, sizeof *ss);
	ss->store = store;
	ss->run_id = run_id;
	ss->last_progress = -1e30;
	ss->last_history = -1e30;       /* the first epoch shows at once */
	ss->weights_due = 1;
	ss->sink = (struct run_sink){
		.ctx = ss, .started = on_started, .progress = on_progress,
		.initialised = on_initialised, .epoch_done = on_epoch_done,
		.epoch_model = on_epoch_model,
		.misclassified = on_misclassified, .finished = on_finished,
	};
}

int store_sink_failed(const struct store_sink *ss)
{
	return ss->failed;
}
