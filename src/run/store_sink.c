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
#include "util/mem.h"

static void record_failure(struct store_sink *ss, const struct dl_error *err)
{
	if (!ss->failed)
		ss->error = *err;
	ss->failed = 1;
	ss->cancel = 1;         /* a run whose results cannot be kept should stop */
}

/* A pixel in [0, 1] as a byte: the digits are kept at 8 bits, as MNIST
 * ships them. */
static uint8_t pixel_byte(float v)
{
	return v <= 0.0f ? 0 : v >= 1.0f ? 255 : (uint8_t)(v * 255.0f + 0.5f);
}

/* FNV-1a over the shape, the labels and the pixels as bytes: the same
 * samples in the same order give the same number on any machine. */
static int64_t fingerprint(const struct dataset *d)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t size = (size_t)d->c * d->h * d->w;
	int shape[4] = {d->n, d->c, d->h, d->w};

	for (int k = 0; k < 4; k++)
		for (int b = 0; b < 4; b++)
			h = (h ^ (uint8_t)((uint32_t)shape[k] >> (8 * b))) * 0x100000001b3ULL;
	for (int i = 0; i < d->n; i++)
		h = (h ^ d->y[i]) * 0x100000001b3ULL;
	for (size_t i = 0; i < (size_t)d->n * size; i++)
		h = (h ^ pixel_byte(dataset_pixel(d, i))) * 0x100000001b3ULL;
	return (int64_t)h;
}

static void sample_set_of(struct store_sample_set *set, const struct dataset *d, int n_classes)
{
	memset(set, 0, sizeof *set);
	if (d->n < 1 || n_classes < 1 || n_classes > STORE_MAX_CLASSES)
		return;
	*set = (struct store_sample_set){
		.n = d->n, .n_classes = n_classes, .h = d->c * d->h, .w = d->w,
		.fingerprint = fingerprint(d), .labels = d->y,
	};
}

/* Keep the digits of the samples answered wrong in `predicted`. */
static int keep_wrong_digits(struct store_sink *ss, const char *split,
			     const struct store_sample_set *set, const struct dataset *d,
			     const uint8_t *predicted, struct dl_error *err)
{
	size_t size = (size_t)set->h * set->w;
	int *index = malloc(sizeof *index * (size_t)set->n), n = 0, rc;
	uint8_t *pixels = malloc(size * (size_t)set->n);

	if (!index || !pixels) {
		free(index);
		free(pixels);
		return dl_error_set(err, "out of memory keeping the digits of %d samples", set->n);
	}
	for (int i = 0; i < set->n; i++) {
		if (predicted[i] == set->labels[i])
			continue;
		for (size_t k = 0; k < size; k++)
			pixels[(size_t)n * size + k] = pixel_byte(dataset_pixel(d, (size_t)i * size + k));
		index[n++] = i;
	}
	rc = store_put_digits(ss->store, ss->run_id, split, n, index, pixels, set->h, set->w, err);
	free(index);
	free(pixels);
	return rc;
}

/* Write the validation answers waiting, and the digits they got wrong. */
static void flush_answers(struct store_sink *ss)
{
	struct store_answers a[STORE_SINK_MAX_PENDING] = {{0}};
	struct dl_error err;
	int n = ss->n_pending_answers;

	if (ss->failed || n == 0)
		goto out;
	for (int i = 0; i < n; i++)
		a[i] = (struct store_answers){.epoch = ss->pending_answer_epochs[i],
					      .predicted = ss->pending_answers[i]};
	if (store_put_answers(ss->store, ss->run_id, "val", &ss->val_set, a, n, &err) != DL_OK) {
		record_failure(ss, &err);
		goto out;
	}
	for (int i = 0; i < n; i++)
		if (keep_wrong_digits(ss, "val", &ss->val_set, &ss->data->val,
				      ss->pending_answers[i], &err) != DL_OK) {
			record_failure(ss, &err);
			break;
		}
out:
	for (int i = 0; i < n; i++)
		free(ss->pending_answers[i]);
	ss->n_pending_answers = 0;
}

void store_sink_flush(struct store_sink *ss)
{
	struct store_epoch e[STORE_SINK_MAX_PENDING];
	struct dl_error err;

	flush_answers(ss);
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
	ss->data = d;
	sample_set_of(&ss->val_set, &d->val, d->n_classes);
	sample_set_of(&ss->test_set, &d->test, d->n_classes);
	if ((ss->val_set.n &&
	     store_put_sample_set(ss->store, ss->run_id, "val", &ss->val_set, &err) != DL_OK) ||
	    (ss->test_set.n &&
	     store_put_sample_set(ss->store, ss->run_id, "test", &ss->test_set, &err) != DL_OK)) {
		record_failure(ss, &err);
		return;
	}
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

/* Validation answers wait for the history's next write (a run of tiny
 * epochs must not commit twice per epoch); the test answers of the final
 * model are written at once, with the digits they got wrong. */
static void on_answers(void *ctx, const char *split, int epoch, const uint8_t *predicted,
		       const float *confidence, int n)
{
	struct store_sink *ss = ctx;
	struct dl_error err;

	if (ss->failed)
		return;
	if (!strcmp(split, "val") && n == ss->val_set.n && n > 0) {
		uint8_t *copy = malloc((size_t)n);

		if (!copy) {
			dl_error_set(&err, "out of memory keeping the answers of %d samples", n);
			record_failure(ss, &err);
			return;
		}
		memcpy(copy, predicted, (size_t)n);
		if (ss->n_pending_answers == STORE_SINK_MAX_PENDING)
			flush_answers(ss);
		ss->pending_answer_epochs[ss->n_pending_answers] = epoch;
		ss->pending_answers[ss->n_pending_answers++] = copy;
	} else if (!strcmp(split, "test") && n == ss->test_set.n && n > 0) {
		uint8_t *conf = malloc((size_t)n);
		struct store_answers a = {.epoch = epoch, .predicted = predicted,
					  .confidence = conf};

		if (!conf) {
			dl_error_set(&err, "out of memory keeping the answers of %d samples", n);
			record_failure(ss, &err);
			return;
		}
		for (int i = 0; i < n; i++)
			conf[i] = pixel_byte(confidence[i]);
		if (store_put_answers(ss->store, ss->run_id, "test", &ss->test_set, &a, 1,
				      &err) != DL_OK ||
		    keep_wrong_digits(ss, "test", &ss->test_set, &ss->data->test, predicted,
				      &err) != DL_OK)
			record_failure(ss, &err);
		free(conf);
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
	case RUN_PRUNED: return STORE_PRUNED;
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
		.seconds = r->seconds, .message = r->message, .peak_rss = mem_peak_rss(),
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
		.answers = on_answers,
	};
}

int store_sink_failed(const struct store_sink *ss)
{
	return ss->failed;
}
