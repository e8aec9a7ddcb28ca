#include "train/trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/batcher.h"
#include "nn/optim.h"
#include "train/analysis.h"
#include "train/callbacks.h"
#include "train/checkpoint.h"
#include "util/clock.h"
#include "util/le.h"
#include "util/rng.h"

/* Inference runs in chunks of up to this many samples (or the training
 * batch when that is larger) so that per-sample training does not make
 * evaluation slow; but no larger than keeps a chunk's activations within
 * EVAL_BYTES: notebook 004's CNN holds ~1 MB of them per image. */
#define EVAL_CHUNK 256
#define EVAL_BYTES (64u << 20)

/* The largest batch the model is built for: the training batch, or an
 * evaluation chunk when that is larger. */
static int model_max_batch(const struct experiment *exp, int batch_size, struct dl_error *err)
{
	struct nn_model *probe;
	size_t bytes[2], per_sample, fixed;
	int chunk = EVAL_CHUNK;

	/* two probes, of one and two images, tell the bytes each image adds
	 * from those every batch size needs (workspaces, statistics) */
	for (int i = 0; i < 2; i++) {
		if (nn_model_new(&probe, &exp->model, i + 1, err) != DL_OK)
			return -1;
		bytes[i] = nn_model_activation_bytes(probe);
		nn_model_free(probe);
	}
	per_sample = bytes[1] - bytes[0];
	fixed = bytes[0] - per_sample;
	if (per_sample && fixed < EVAL_BYTES && (EVAL_BYTES - fixed) / per_sample < EVAL_CHUNK)
		chunk = (int)((EVAL_BYTES - fixed) / per_sample);
	if (chunk < 1)
		chunk = 1;
	return batch_size > chunk ? batch_size : chunk;
}

/* Progress callbacks are throttled: a terminal or a database does not need
 * to hear about every batch. */
#define PROGRESS_INTERVAL_S 0.2

static int argmax(const float *v, int n)
{
	int best = 0;

	for (int i = 1; i < n; i++)
		if (v[i] > v[best])
			best = i;
	return best;
}

/* trainer_evaluate, also keeping each sample's prediction and its output
 * when pred and conf are given (d->n entries each). */
static void evaluate(struct nn_model *m, enum nn_loss loss, const struct dataset *d,
		     float *scratch, struct evaluation *out, int *pred_out, float *conf_out)
{
	int chunk = nn_model_max_batch(m);
	int K = nn_shape_size(nn_model_output_shape(m));
	double loss_sum = 0;
	int correct = 0;

	memset(out, 0, sizeof *out);
	out->n = d->n;
	out->n_classes = d->n_classes;
	for (int from = 0; from < d->n; from += chunk) {
		int B = d->n - from < chunk ? d->n - from : chunk;
		const float *x = dataset_batch(d, from, B, scratch);
		const float *y = nn_model_forward(m, x, B, 0, NULL);

		loss_sum += nn_model_loss(m, loss, d->y + from, B) * B;
		for (int i = 0; i < B; i++) {
			int truth = d->y[from + i];
			int pred = argmax(y + (size_t)i * K, K);

			correct += pred == truth;
			if (pred_out) {
				pred_out[from + i] = pred;
				conf_out[from + i] = y[(size_t)i * K + pred];
			}
			if (truth < TRAIN_MAX_CLASSES && pred < TRAIN_MAX_CLASSES)
				out->confusion[truth][pred]++;
		}
	}
	out->loss = d->n ? loss_sum / d->n : NAN;
	out->accuracy = d->n ? (double)correct / d->n : NAN;
}

void trainer_evaluate(struct nn_model *m, enum nn_loss loss, const struct dataset *d,
		      float *scratch, struct evaluation *out)
{
	evaluate(m, loss, d, scratch, out, NULL, NULL);
}

/* Everything one run owns while it trains. */
struct training {
	const struct experiment *exp;
	const struct data_split *data;
	const struct run_sink *sink;
	struct nn_model *model;
	struct nn_optim *optim;
	struct rng shuffle_rng, dropout_rng;
	int *order;          /* (n_train) sample order of the current epoch */
	int *pred;           /* (n of the larger of val and test) answers, when
	                        the sink hears them, else NULL */
	float *conf;         /* same size: each answer's output */
	uint8_t *answers;    /* same size: pred as bytes, for the sink */
	float *scratch;      /* (max batch, in_size): a batch of an evaluated set as
	                        floats, when the set keeps bytes */
	struct batcher *batcher; /* gathers (and augments) batches in its own thread */
	uint64_t augment_base; /* epoch e augments with seed augment_base ^ e * K */
	int batch_size;      /* effective: a full batch resolved to n_train */
	struct plateau_state plateau;
	struct early_stop_state early;
	float *best_params;  /* weights of the best epoch (restore_best), or NULL */
	double *init_losses; /* train.inits > 1: each candidate's initial loss */
	int kept_init;       /* the candidate trained */
};

static void training_free(struct training *t)
{
	nn_model_free(t->model);
	nn_optim_free(t->optim);
	free(t->order);
	free(t->pred);
	free(t->conf);
	free(t->answers);
	free(t->scratch);
	batcher_free(t->batcher);
	free(t->best_params);
	free(t->init_losses);
}

/*
 * train.inits: draw n initialisations, measure each one's loss on the
 * training set, and keep the lowest (notebook 000 picks its starting
 * networks this way). Candidate 0 is the ordinary initialisation, and the
 * others draw from streams split off `candidates`, so that inits: 1 gives
 * the weights it always gave and every candidate is reproducible.
 */
static int choose_init(struct training *t, int n, struct rng *init_rng,
		       struct rng *candidates, struct dl_error *err)
{
	size_t count = nn_model_param_count(t->model);
	float *best = malloc(sizeof *best * count);
	double best_loss = INFINITY;

	t->init_losses = malloc(sizeof *t->init_losses * (size_t)n);
	if (!best || !t->init_losses) {
		free(best);
		return dl_error_set(err, "out of memory for %d initialisations", n);
	}
	for (int k = 0; k < n; k++) {
		struct rng r = *init_rng;
		struct evaluation ev;

		if (k > 0)
			rng_split(candidates, &r);
		nn_model_init(t->model, &r);
		trainer_evaluate(t->model, t->exp->train.loss, &t->data->train, t->scratch, &ev);
		t->init_losses[k] = ev.loss;
		if (k == 0 || ev.loss < best_loss) {
			best_loss = ev.loss;
			t->kept_init = k;
			memcpy(best, nn_model_params(t->model), sizeof *best * count);
		}
	}
	memcpy(nn_model_params(t->model), best, sizeof *best * count);
	free(best);
	return DL_OK;
}

/* resuming: the weights come from the checkpoint, so no initialisation
 * is searched for. */
static int training_init(struct training *t, const struct experiment *exp,
			 const struct data_split *data, const struct run_sink *sink,
			 int resuming, struct dl_error *err)
{
	const struct dataset *train = &data->train;
	struct rng seed_rng, init_rng, augment_rng, candidates_rng;
	int max_batch;

	memset(t, 0, sizeof *t);
	t->exp = exp;
	t->data = data;
	t->sink = sink;
	if (train->n < 1)
		return dl_error_set(err, "the training set is empty");
	if (exp->model.input.c != train->c || exp->model.input.h != train->h ||
	    exp->model.input.w != train->w)
		return dl_error_set(err, "the model takes samples of %dx%dx%d but the data's are "
				    "%dx%dx%d", exp->model.input.c, exp->model.input.h,
				    exp->model.input.w, train->c, train->h, train->w);
	t->batch_size = exp->train.batch_size;
	if (t->batch_size <= 0 || t->batch_size > train->n)
		t->batch_size = train->n;
	if ((max_batch = model_max_batch(exp, t->batch_size, err)) < 0)
		return DL_ERR;

	if (nn_model_new(&t->model, &exp->model, max_batch, err) != DL_OK)
		return DL_ERR;
	if (nn_optim_new(&t->optim, &exp->train.optimizer,
			 nn_model_param_count(t->model), err) != DL_OK)
		goto fail;
	t->order = malloc(sizeof *t->order * (size_t)train->n);
	if (!t->order) {
		dl_error_set(err, "out of memory for an epoch of %d samples", train->n);
		goto fail;
	}
	t->scratch = malloc(sizeof *t->scratch * (size_t)max_batch * dataset_sample_size(train));
	if (!t->scratch) {
		dl_error_set(err, "out of memory for a batch of %d samples", max_batch);
		goto fail;
	}
	if (sink->answers) {
		int n = data->val.n > data->test.n ? data->val.n : data->test.n;

		t->pred = malloc(sizeof *t->pred * (size_t)(n ? n : 1));
		t->conf = malloc(sizeof *t->conf * (size_t)(n ? n : 1));
		t->answers = malloc((size_t)(n ? n : 1));
		if (!t->pred || !t->conf || !t->answers) {
			dl_error_set(err, "out of memory for the answers of %d samples", n);
			goto fail;
		}
	}
	if (batcher_new(&t->batcher, train, t->batch_size, &exp->augment, err) != DL_OK)
		goto fail;
	/* Separate streams so that, say, adding dropout does not change the
	 * initial weights or the shuffling order. */
	rng_seed(&seed_rng, exp->seed);
	rng_split(&seed_rng, &init_rng);
	rng_split(&seed_rng, &t->shuffle_rng);
	rng_split(&seed_rng, &t->dropout_rng);
	rng_split(&seed_rng, &augment_rng);
	t->augment_base = rng_u64(&augment_rng);
	rng_split(&seed_rng, &candidates_rng);
	if (exp->train.inits > 1 && !resuming) {
		if (choose_init(t, exp->train.inits, &init_rng, &candidates_rng, err) != DL_OK)
			goto fail;
	} else {
		nn_model_init(t->model, &init_rng);
	}
	plateau_init(&t->plateau, &exp->train.schedule, exp->train.optimizer.lr);
	early_stop_init(&t->early, &exp->train.early_stopping);
	if (exp->train.early_stopping.enabled && exp->train.early_stopping.restore_best) {
		t->best_params = malloc(sizeof(float) * nn_model_param_count(t->model));
		if (!t->best_params) {
			dl_error_set(err, "out of memory for the best weights");
			goto fail;
		}
	}
	return DL_OK;
fail:
	training_free(t);
	return DL_ERR;
}

/* The learning rate for the next update: step-based schedules look at the
 * number of updates made so far (Keras's optimizer.iterations), the plateau
 * schedule at its own state. epoch is 1-based. */
static float current_lr(const struct training *t, int epoch)
{
	const struct train_spec *ts = &t->exp->train;

	if (ts->schedule.type == SCHEDULE_REDUCE_ON_PLATEAU)
		return t->plateau.lr;
	return schedule_lr(&ts->schedule, ts->optimizer.lr, nn_optim_steps(t->optim), epoch - 1);
}

/* One optimisation step on a batch x (B, IN) with labels y.
 * Returns the batch's loss (penalty included) and adds its correct count. */
static double train_step(struct training *t, const float *x, const uint8_t *y, int B,
			 int epoch, int *correct)
{
	const struct train_spec *ts = &t->exp->train;
	const float *out;
	double loss;
	int K;

	out = nn_model_forward(t->model, x, B, 1, &t->dropout_rng);
	K = nn_shape_size(nn_model_output_shape(t->model));
	for (int i = 0; i < B; i++)
		*correct += argmax(out + (size_t)i * K, K) == y[i];
	loss = nn_model_loss(t->model, ts->loss, y, B);
	nn_model_backward(t->model, ts->loss, y, B);
	if (ts->l1 > 0 || ts->l2 > 0) {
		loss += nn_model_penalty(t->model, ts->l1, ts->l2);
		nn_model_penalty_grad(t->model, ts->l1, ts->l2);
	}
	nn_optim_step(t->optim, nn_model_params(t->model), nn_model_grads(t->model),
		      current_lr(t, epoch));
	return loss;
}

/* Evaluate d, telling the sink every sample's answer when it listens. */
static void evaluate_answers(struct training *t, const char *split, int epoch,
			     const struct dataset *d, struct evaluation *ev)
{
	if (!t->pred) {
		trainer_evaluate(t->model, t->exp->train.loss, d, t->scratch, ev);
		return;
	}
	evaluate(t->model, t->exp->train.loss, d, t->scratch, ev, t->pred, t->conf);
	for (int i = 0; i < d->n; i++)
		t->answers[i] = (uint8_t)t->pred[i];
	t->sink->answers(t->sink->ctx, split, epoch, t->answers, t->conf, d->n);
}

/* Train one epoch. Returns RUN_DONE, RUN_DIVERGED or RUN_CANCELLED. */
static enum run_status train_epoch(struct training *t, int epoch,
				   const volatile int *cancel,
				   struct epoch_metrics *m, char *why, size_t why_size)
{
	const struct dataset *train = &t->data->train;
	int batches = (train->n + t->batch_size - 1) / t->batch_size;
	double start = clock_seconds(), last_report = start, loss_sum = 0;
	int correct = 0, seen = 0;

	memset(m, 0, sizeof *m);
	m->lr = current_lr(t, epoch);
	/* Every epoch shuffles the identity, so that the order depends only on
	 * the random stream and a resumed run needs no saved order. */
	for (int i = 0; i < train->n; i++)
		t->order[i] = i;
	if (t->exp->train.shuffle)
		rng_shuffle(&t->shuffle_rng, t->order, train->n);
	/* The augmentation seed of an epoch depends on nothing but the run's
	 * seed and the epoch, so a resumed run augments exactly as before. */
	if (batcher_start_epoch(t->batcher, t->order, train->n,
				t->augment_base ^ ((uint64_t)epoch * 0x9e3779b97f4a7c15ULL),
				NULL) != DL_OK) {
		snprintf(why, why_size, "could not start epoch %d", epoch);
		return RUN_CANCELLED;
	}
	for (int b = 0; b < batches; b++) {
		const float *x;
		const uint8_t *y;
		double loss, now;
		int B;

		if ((cancel && *cancel) || batcher_next(t->batcher, &x, &y, &B) != 0) {
			batcher_cancel(t->batcher);
			snprintf(why, why_size, "cancelled during epoch %d", epoch);
			return RUN_CANCELLED;
		}
		loss = train_step(t, x, y, B, epoch, &correct);
		if (!isfinite(loss)) {
			batcher_cancel(t->batcher);
			snprintf(why, why_size, "loss became %s at epoch %d, batch %d of %d",
				 isnan(loss) ? "NaN" : "infinite", epoch, b + 1, batches);
			return RUN_DIVERGED;
		}
		/* Keras reports the mean of the per-batch losses weighted by size. */
		loss_sum += loss * B;
		seen += B;
		now = clock_seconds();
		if (t->sink->progress &&
		    (now - last_report >= PROGRESS_INTERVAL_S || b == batches - 1)) {
			struct train_progress p = {
				.epoch = epoch, .batch = b + 1, .batches = batches,
				.samples_per_s = seen / (now - start > 1e-9 ? now - start : 1e-9),
				.loss = loss_sum / seen, .accuracy = (double)correct / seen,
			};

			t->sink->progress(t->sink->ctx, &p);
			last_report = now;
		}
	}
	m->epoch = epoch;
	m->loss = loss_sum / seen;
	m->accuracy = (double)correct / seen;
	m->val_loss = m->val_accuracy = NAN;
	if (t->data->val.n > 0) {
		struct evaluation val;

		evaluate_answers(t, "val", epoch, &t->data->val, &val);
		m->val_loss = val.loss;
		m->val_accuracy = val.accuracy;
	}
	m->seconds = clock_seconds() - start;
	return RUN_DONE;
}

static double monitored(const struct epoch_metrics *m, enum monitor which)
{
	switch (which) {
	case MONITOR_LOSS: return m->loss;
	case MONITOR_ACCURACY: return m->accuracy;
	case MONITOR_VAL_LOSS: return m->val_loss;
	case MONITOR_VAL_ACCURACY: return m->val_accuracy;
	}
	return NAN;
}

/* Append one event to the epoch's list, "; "-separated. */
static void add_event(struct epoch_metrics *m, const char *event)
{
	size_t used = strlen(m->events);

	snprintf(m->events + used, sizeof m->events - used, "%s%s", used ? "; " : "", event);
}

/* Run the end-of-epoch callbacks. Returns 1 when training should stop. */
static int end_of_epoch(struct training *t, struct epoch_metrics *m, struct run_result *r)
{
	const struct train_spec *ts = &t->exp->train;
	float old_lr = t->plateau.lr;
	char event[96];
	int improved, stop;

	if (ts->schedule.type == SCHEDULE_REDUCE_ON_PLATEAU &&
	    plateau_update(&t->plateau, &ts->schedule, monitored(m, ts->schedule.monitor))) {
		snprintf(event, sizeof event, "lr %.6g -> %.6g", old_lr, t->plateau.lr);
		add_event(m, event);
	}
	if (!ts->early_stopping.enabled)
		return 0;
	stop = early_stop_update(&t->early, &ts->early_stopping, m->epoch,
				 monitored(m, ts->early_stopping.monitor), &improved);
	r->best_epoch = t->early.best_epoch;
	if (improved && t->best_params)
		memcpy(t->best_params, nn_model_params(t->model),
		       sizeof(float) * nn_model_param_count(t->model));
	if (stop) {
		snprintf(event, sizeof event, "early stop (best epoch %d, %s %.6g)",
			 t->early.best_epoch, monitor_name(ts->early_stopping.monitor),
			 t->early.best);
		add_event(m, event);
		r->stopped_early = 1;
	}
	return stop;
}

/*
 * The trainer's own state in a checkpoint: the random streams, the schedule
 * and early-stopping state, the best weights and the history, every field
 * little-endian (the layout is in checkpoint.h).
 *
 * Version 2 writes an epoch's events as a length and the text, not the
 * whole 160-byte field: the history of notebook 000's 20,569 epochs took
 * 4.3 MB of every checkpoint, now 1.1 MB. Version 1 is still read.
 */
#define TRAINER_STATE_VERSION 2
#define TRAINER_STATE_FIXED_EVENTS 1    /* the version with 160-byte events */

struct bytes {
	unsigned char *p;
	size_t len, cap;
	int failed;
};

/* Room for n more bytes at the end, or NULL (and failed) when out of memory. */
static unsigned char *bytes_grow(struct bytes *b, size_t n)
{
	unsigned char *at;

	if (b->failed)
		return NULL;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		unsigned char *p;

		while (cap < b->len + n)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->failed = 1;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	at = b->p + b->len;
	b->len += n;
	return at;
}

static void put_u32(struct bytes *b, uint32_t v)
{
	unsigned char *p = bytes_grow(b, 4);

	if (p)
		le_put_u32(p, v);
}

static void put_u64(struct bytes *b, uint64_t v)
{
	unsigned char *p = bytes_grow(b, 8);

	if (p)
		le_put_u64(p, v);
}

static void put_f32(struct bytes *b, float v)
{
	unsigned char *p = bytes_grow(b, 4);

	if (p)
		le_put_f32(p, v);
}

static void put_f64(struct bytes *b, double v)
{
	unsigned char *p = bytes_grow(b, 8);

	if (p)
		le_put_f64(p, v);
}

static void put_f32s(struct bytes *b, const float *v, size_t n)
{
	unsigned char *p = bytes_grow(b, 4 * n);

	if (p)
		le_put_f32s(p, v, n);
}

static void put_raw(struct bytes *b, const void *data, size_t n)
{
	unsigned char *p = bytes_grow(b, n);

	if (p)
		memcpy(p, data, n);
}

/* A reader over the saved bytes: each get takes n bytes from the cursor,
 * or returns 0 and takes nothing when fewer are left. */
struct cursor {
	const unsigned char *p, *end;
};

static const unsigned char *take(struct cursor *c, size_t n)
{
	const unsigned char *at = c->p;

	if ((size_t)(c->end - c->p) < n)
		return NULL;
	c->p += n;
	return at;
}

static int get_u32(struct cursor *c, uint32_t *v)
{
	const unsigned char *p = take(c, 4);

	if (p)
		*v = le_get_u32(p);
	return p != NULL;
}

static int get_u64(struct cursor *c, uint64_t *v)
{
	const unsigned char *p = take(c, 8);

	if (p)
		*v = le_get_u64(p);
	return p != NULL;
}

static int get_f32(struct cursor *c, float *v)
{
	const unsigned char *p = take(c, 4);

	if (p)
		*v = le_get_f32(p);
	return p != NULL;
}

static int get_f64(struct cursor *c, double *v)
{
	const unsigned char *p = take(c, 8);

	if (p)
		*v = le_get_f64(p);
	return p != NULL;
}

static int get_f32s(struct cursor *c, float *v, size_t n)
{
	const unsigned char *p = take(c, 4 * n);

	if (p)
		le_get_f32s(v, p, n);
	return p != NULL;
}

static int get_raw(struct cursor *c, void *out, size_t n)
{
	const unsigned char *p = take(c, n);

	if (p)
		memcpy(out, p, n);
	return p != NULL;
}

static void put_rng(struct bytes *b, const struct rng *r)
{
	for (int i = 0; i < 4; i++)
		put_u64(b, r->s[i]);
}

static int get_rng(struct cursor *c, struct rng *r)
{
	for (int i = 0; i < 4; i++)
		if (!get_u64(c, &r->s[i]))
			return 0;
	return 1;
}

static void save_history_entry(struct bytes *b, const struct epoch_metrics *m)
{
	double v[6] = {m->loss, m->accuracy, m->val_loss, m->val_accuracy, m->lr, m->seconds};

	uint8_t len = (uint8_t)strnlen(m->events, sizeof m->events - 1);

	put_u32(b, (uint32_t)m->epoch);
	for (int i = 0; i < 6; i++)
		put_f64(b, v[i]);
	put_raw(b, &len, sizeof len);
	put_raw(b, m->events, len);
}

static int load_history_entry(struct cursor *c, uint32_t version, struct epoch_metrics *m)
{
	uint32_t epoch;
	double v[6];
	uint8_t len;

	if (!get_u32(c, &epoch))
		return 0;
	for (int i = 0; i < 6; i++)
		if (!get_f64(c, &v[i]))
			return 0;
	memset(m->events, 0, sizeof m->events);
	if (version == TRAINER_STATE_FIXED_EVENTS) {
		if (!get_raw(c, m->events, sizeof m->events))
			return 0;
	} else if (!get_raw(c, &len, sizeof len) || len >= sizeof m->events ||
		   !get_raw(c, m->events, len)) {
		return 0;
	}
	m->events[sizeof m->events - 1] = '\0';
	m->epoch = (int32_t)epoch;
	m->loss = v[0];
	m->accuracy = v[1];
	m->val_loss = v[2];
	m->val_accuracy = v[3];
	m->lr = v[4];
	m->seconds = v[5];
	return 1;
}

static void save_trainer_state(struct bytes *b, const struct training *t,
			       const struct run_result *r)
{
	int32_t counters[6] = {t->plateau.wait, t->plateau.cooldown_left, t->early.best_epoch,
			       t->early.wait, r->epochs, r->stopped_early};

	put_u32(b, TRAINER_STATE_VERSION);
	put_rng(b, &t->shuffle_rng);
	put_rng(b, &t->dropout_rng);
	put_f32(b, t->plateau.lr);
	put_f64(b, t->plateau.best);
	put_f64(b, t->early.best);
	for (int i = 0; i < 6; i++)
		put_u32(b, (uint32_t)counters[i]);
	put_u32(b, t->best_params != NULL);
	if (t->best_params)
		put_f32s(b, t->best_params, nn_model_param_count(t->model));
	for (int i = 0; i < r->epochs; i++)
		save_history_entry(b, &r->history[i]);
}

static int load_trainer_state(struct training *t, const struct checkpoint *c,
			      struct run_result *r, struct dl_error *err)
{
	struct cursor cur = {c->trainer_state, (const unsigned char *)c->trainer_state +
					       c->trainer_len};
	uint32_t version, has_best, u[6];
	int32_t counters[6];

	if (!get_u32(&cur, &version) ||
	    (version != TRAINER_STATE_VERSION && version != TRAINER_STATE_FIXED_EVENTS))
		return dl_error_set(err, "the checkpoint's trainer state has an unknown version");
	if (!get_rng(&cur, &t->shuffle_rng) || !get_rng(&cur, &t->dropout_rng) ||
	    !get_f32(&cur, &t->plateau.lr) || !get_f64(&cur, &t->plateau.best) ||
	    !get_f64(&cur, &t->early.best))
		goto short_state;
	for (int i = 0; i < 6; i++) {
		if (!get_u32(&cur, &u[i]))
			goto short_state;
		counters[i] = (int32_t)u[i];
	}
	if (!get_u32(&cur, &has_best))
		goto short_state;
	if (counters[4] != c->epoch || counters[4] < 0 || counters[4] > t->exp->train.epochs ||
	    (has_best != 0) != (t->best_params != NULL))
		return dl_error_set(err, "the checkpoint's trainer state does not match its experiment");
	t->plateau.wait = counters[0];
	t->plateau.cooldown_left = counters[1];
	t->early.best_epoch = counters[2];
	t->early.wait = counters[3];
	if (has_best && !get_f32s(&cur, t->best_params, nn_model_param_count(t->model)))
		goto short_state;
	for (int i = 0; i < counters[4]; i++)
		if (!load_history_entry(&cur, version, &r->history[i]))
			goto short_state;
	r->epochs = counters[4];
	r->best_epoch = t->early.best_epoch;
	r->stopped_early = counters[5] != 0;
	return cur.p == cur.end ? DL_OK :
	       dl_error_set(err, "the checkpoint's trainer state has trailing bytes");
short_state:
	return dl_error_set(err, "the checkpoint's trainer state is truncated");
}

static int save_checkpoint(const struct training *t, const struct run_result *r,
			   const char *path, struct dl_error *err)
{
	struct checkpoint c = {0};
	struct bytes state = {0};
	int rc = DL_ERR;

	c.epoch = r->epochs;
	c.yaml = experiment_to_yaml(t->exp);
	c.n_layers = t->exp->model.n_layers;
	for (int i = 0; i < c.n_layers; i++) {
		struct nn_shape s = nn_model_layer_output(t->model, i);
		c.layer_shapes[i][0] = t->exp->model.layers[i].kind;
		c.layer_shapes[i][1] = (uint32_t)s.c;
		c.layer_shapes[i][2] = (uint32_t)s.h;
		c.layer_shapes[i][3] = (uint32_t)s.w;
	}
	c.n_params = nn_model_param_count(t->model);
	c.params = nn_model_params(t->model);
	c.optim_len = nn_optim_state_size(t->optim);
	c.optim_state = malloc(c.optim_len ? c.optim_len : 1);
	save_trainer_state(&state, t, r);
	if (!c.yaml || !c.optim_state || state.failed) {
		dl_error_set(err, "out of memory writing a checkpoint");
		goto out;
	}
	nn_optim_state_save(t->optim, c.optim_state);
	c.trainer_state = state.p;
	c.trainer_len = state.len;
	/* the names travel with the model, for `digitlab predict` */
	c.n_classes = t->data->n_classes <= CHECKPOINT_MAX_CLASSES ? t->data->n_classes : 0;
	for (int k = 0; k < c.n_classes; k++) {
		snprintf(c.class_names[k], sizeof c.class_names[k], "%s", t->data->class_names[k]);
		if (!c.class_names[k][0])
			c.n_classes = 0;   /* a split made without names */
	}
	rc = checkpoint_write(path, &c, err);
out:
	free(c.yaml);
	free(c.optim_state);
	free(state.p);
	return rc;
}

/* Put a checkpoint's weights, optimiser and trainer state into t. */
/* The final evaluation of a split, handing the sink up to
 * TRAIN_MAX_MISCLASSIFIED misclassified samples by true class then index,
 * each with its saliency. Without the memory for it the evaluation is still
 * made, and the sink hears of no samples. */
static void report_misclassified(struct training *t, const char *split,
				 const struct dataset *d, struct evaluation *ev)
{
	size_t in_size = (size_t)d->c * d->h * d->w;
	int *pred = malloc(sizeof *pred * (size_t)(d->n ? d->n : 1));
	float *conf = malloc(sizeof *conf * (size_t)(d->n ? d->n : 1));
	struct misclassified *list = malloc(sizeof *list * TRAIN_MAX_MISCLASSIFIED);
	float *saliency = malloc(sizeof *saliency * in_size * TRAIN_MAX_MISCLASSIFIED);
	float *pixels = malloc(sizeof *pixels * in_size * TRAIN_MAX_MISCLASSIFIED);
	enum nn_loss loss;
	int n = 0;

	if (!pred || !conf || !list || !saliency || !pixels) {
		if (!strcmp(split, "test"))
			evaluate_answers(t, split, 0, d, ev);
		else
			trainer_evaluate(t->model, t->exp->train.loss, d, t->scratch, ev);
		goto out;
	}
	evaluate(t->model, t->exp->train.loss, d, t->scratch, ev, pred, conf);
	if (t->answers && !strcmp(split, "test")) {
		for (int i = 0; i < d->n; i++)
			t->answers[i] = (uint8_t)pred[i];
		t->sink->answers(t->sink->ctx, split, 0, t->answers, conf, d->n);
	}
	loss = analysis_saliency_loss(&t->exp->model, t->exp->train.loss);
	for (int c = 0; c < d->n_classes && n < TRAIN_MAX_MISCLASSIFIED; c++)
		for (int i = 0; i < d->n && n < TRAIN_MAX_MISCLASSIFIED; i++) {
			float *x = pixels + (size_t)n * in_size;
			float *sal = saliency + (size_t)n * in_size;

			if (d->y[i] != c || pred[i] == c)
				continue;
			dataset_get(d, i, 1, x);
			analysis_saliency(t->model, loss, x, c, sal);
			list[n++] = (struct misclassified){
				.index = i, .truth = c, .predicted = pred[i],
				.confidence = conf[i], .pixels = x, .saliency = sal,
			};
		}
	t->sink->misclassified(t->sink->ctx, split, list, n);
out:
	free(pred);
	free(conf);
	free(list);
	free(saliency);
	free(pixels);
}

static int resume_from(struct training *t, const struct checkpoint *c,
		       struct run_result *r, struct dl_error *err)
{
	if (c->n_params != nn_model_param_count(t->model) ||
	    c->optim_len != nn_optim_state_size(t->optim))
		return dl_error_set(err, "the checkpoint holds %zu parameters but its model has %zu",
				    c->n_params, nn_model_param_count(t->model));
	memcpy(nn_model_params(t->model), c->params, sizeof(float) * c->n_params);
	nn_optim_state_load(t->optim, c->optim_state);
	return load_trainer_state(t, c, r, err);
}

/* Whether this epoch writes its checkpoint: every epoch, or with
 * checkpoint_seconds the first epoch that far from the last checkpoint,
 * and always the epoch a run ends or stops at. */
static int checkpoint_due(const struct train_options *opts, int ending, double *last)
{
	double now = clock_seconds();

	if (!ending && opts->checkpoint_seconds > 0 && now - *last < opts->checkpoint_seconds)
		return 0;
	*last = now;
	return 1;
}

int trainer_run(const struct experiment *exp, const struct data_split *data,
		const struct run_sink *sink, const struct train_options *opts,
		struct run_result *result, struct dl_error *err)
{
	static const struct run_sink no_sink;
	static const struct train_options no_opts;
	struct training t;
	struct run_info info;
	double start = clock_seconds(), last_checkpoint = start, earlier = 0;
	int stopped, pruned;

	memset(result, 0, sizeof *result);
	if (!sink)
		sink = &no_sink;
	if (!opts)
		opts = &no_opts;
	if (training_init(&t, exp, data, sink, opts->resume != NULL, err) != DL_OK)
		return DL_ERR;
	if (nn_model_set_threads(t.model, opts->threads, err) != DL_OK) {
		training_free(&t);
		return DL_ERR;
	}
	nn_optim_set_pool(t.optim, nn_model_pool(t.model));
	result->history = calloc((size_t)exp->train.epochs, sizeof *result->history);
	if (!result->history) {
		training_free(&t);
		return dl_error_set(err, "out of memory for %d epochs of history",
				    exp->train.epochs);
	}
	result->params = nn_model_param_count(t.model);
	if (opts->resume && resume_from(&t, opts->resume, result, err) != DL_OK) {
		training_free(&t);
		run_result_free(result);
		return DL_ERR;
	}
	/* a resumed run's time is its epochs before the resume, as the
	 * checkpoint recorded them, and the whole of this segment */
	for (int i = 0; i < result->epochs; i++)
		earlier += result->history[i].seconds;
	info = (struct run_info){
		.exp = exp, .data = data, .params = result->params,
		.batch_size = t.batch_size,
		.batches_per_epoch = (data->train.n + t.batch_size - 1) / t.batch_size,
		.resumed_epochs = result->epochs,
		.resumed_history = result->epochs ? result->history : NULL,
	};
	if (sink->started)
		sink->started(sink->ctx, &info);
	if (t.init_losses && sink->initialised)
		sink->initialised(sink->ctx, t.init_losses, exp->train.inits, t.kept_init);

	result->status = RUN_DONE;
	for (int epoch = result->epochs + 1; epoch <= exp->train.epochs; epoch++) {
		struct epoch_metrics *m = &result->history[epoch - 1];
		int stop;

		/* A run resumed after early stopping ended it stops again here. */
		if (result->stopped_early)
			break;
		result->status = train_epoch(&t, epoch, opts->cancel, m, result->message,
					     sizeof result->message);
		if (result->status != RUN_DONE)
			break;
		result->epochs = epoch;
		stop = end_of_epoch(&t, m, result);
		stopped = !stop && opts->stop_after_epoch && *opts->stop_after_epoch &&
			  epoch < exp->train.epochs;
		pruned = !stop && !stopped && opts->prune && epoch < exp->train.epochs &&
			 opts->prune(opts->prune_ctx, m, result->message, sizeof result->message);
		if (opts->checkpoint_path &&
		    checkpoint_due(opts, stop || stopped || pruned || epoch == exp->train.epochs,
				   &last_checkpoint) &&
		    save_checkpoint(&t, result, opts->checkpoint_path, err) != DL_OK) {
			training_free(&t);
			run_result_free(result);
			return DL_ERR;
		}
		if (sink->epoch_done)
			sink->epoch_done(sink->ctx, m);
		if (sink->epoch_model)
			sink->epoch_model(sink->ctx, epoch, t.model);
		if (stop)
			break;
		if (pruned) {
			result->status = RUN_PRUNED;
			break;
		}
		if (stopped) {
			result->status = RUN_CANCELLED;
			snprintf(result->message, sizeof result->message,
				 "stopped after epoch %d", epoch);
			break;
		}
	}
	if (t.best_params && t.early.best_epoch > 0)
		memcpy(nn_model_params(t.model), t.best_params,
		       sizeof(float) * nn_model_param_count(t.model));
	if (result->status == RUN_DONE && sink->misclassified)
		report_misclassified(&t, "test", &data->test, &result->test);
	else if (result->status == RUN_DONE)
		evaluate_answers(&t, "test", 0, &data->test, &result->test);
	if (result->status == RUN_DONE && data->val.n > 0 && sink->misclassified)
		report_misclassified(&t, "val", &data->val, &result->val);
	else if (result->status == RUN_DONE && data->val.n > 0)
		trainer_evaluate(t.model, exp->train.loss, &data->val, t.scratch, &result->val);
	result->seconds = earlier + clock_seconds() - start;
	if (sink->finished)
		sink->finished(sink->ctx, result);
	training_free(&t);
	return DL_OK;
}

void run_result_free(struct run_result *r)
{
	free(r->history);
	r->history = NULL;
}
