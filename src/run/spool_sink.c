/* The spool sink and the worker that trains a run into it (spool.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "data/dataset.h"
#include "run/spool.h"
#include "run/store_sink.h"
#include "run/worker.h"
#include "spec/experiment.h"
#include "train/analysis.h"
#include "train/checkpoint.h"
#include "train/trainer.h"
#include "util/clock.h"
#include "util/le.h"
#include "util/mem.h"

/* ---- files ---- */

void spool_path(char *buf, size_t size, const char *spool_root, int64_t run_id,
		const char *file)
{
	snprintf(buf, size, "%s/%lld%s%s", spool_root, (long long)run_id, *file ? "/" : "", file);
}

static int make_dir(const char *path, struct dl_error *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	return DL_OK;
}

int spool_make_dir(const char *spool_root, int64_t run_id, struct dl_error *err)
{
	char path[SPOOL_PATH_MAX];

	spool_path(path, sizeof path, spool_root, run_id, "");
	if (make_dir(spool_root, err) != DL_OK)
		return DL_ERR;
	return make_dir(path, err);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int spool_write_file(const char *path, const char *text, struct dl_error *err)
{
	char tmp[SPOOL_PATH_MAX + 16];
	int fd;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return dl_error_set(err, "%s: %s", tmp, strerror(errno));
	if (write_all(fd, text, strlen(text)) != 0 || fsync(fd) != 0) {
		dl_error_set(err, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return DL_ERR;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		dl_error_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return DL_ERR;
	}
	return DL_OK;
}

/* ---- records ---- */

/* One record being built, then appended whole with one write(). */
struct spool_log {
	int fd;
	char *buf;
	size_t len, cap;
	int failed;
	struct dl_error error;          /* the first write error */
	char path[SPOOL_PATH_MAX];
};

static void rec_grow(struct spool_log *l, size_t more)
{
	if (l->len + more + 1 <= l->cap || l->failed)
		return;
	size_t cap = l->cap ? l->cap : 256;

	while (cap < l->len + more + 1)
		cap *= 2;
	char *grown = realloc(l->buf, cap);

	if (!grown) {
		l->failed = 1;
		dl_error_set(&l->error, "out of memory writing %s", l->path);
		return;
	}
	l->buf = grown;
	l->cap = cap;
}

static void rec_raw(struct spool_log *l, const char *s, size_t n)
{
	rec_grow(l, n);
	if (l->failed)
		return;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void rec_begin(struct spool_log *l, const char *type)
{
	l->len = 0;
	rec_raw(l, type, strlen(type));
}

static void rec_int(struct spool_log *l, long long v)
{
	char b[32];
	int n = snprintf(b, sizeof b, " %lld", v);

	rec_raw(l, b, (size_t)n);
}

/* Exact: "%a" prints every bit, strtod reads it back; "nan" and "inf" too. */
static void rec_f64(struct spool_log *l, double v)
{
	char b[64];
	int n = isnan(v) ? snprintf(b, sizeof b, " nan") : snprintf(b, sizeof b, " %a", v);

	rec_raw(l, b, (size_t)n);
}

/* A text, percent-encoded: bytes up to space, '%', '-' and from DEL on
 * become %XX, so that a field holds no space or newline; "" is "-". */
static void rec_str(struct spool_log *l, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	rec_raw(l, " ", 1);
	if (!s || !*s) {
		rec_raw(l, "-", 1);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == '%' || *p == '-' || *p >= 0x7f) {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};

			rec_raw(l, e, 3);
		} else {
			rec_raw(l, (const char *)p, 1);
		}
	}
}

static void rec_hex(struct spool_log *l, const unsigned char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	rec_raw(l, " ", 1);
	rec_grow(l, 2 * n);
	if (l->failed)
		return;
	for (size_t i = 0; i < n; i++) {
		l->buf[l->len++] = hex[p[i] >> 4];
		l->buf[l->len++] = hex[p[i] & 15];
	}
	l->buf[l->len] = '\0';
}

static void rec_f32s(struct spool_log *l, const float *v, size_t n)
{
	unsigned char *b = malloc(4 * n + 1);

	if (!b) {
		l->failed = 1;
		dl_error_set(&l->error, "out of memory writing %s", l->path);
		return;
	}
	le_put_f32s(b, v, n);
	rec_hex(l, b, 4 * n);
	free(b);
}

/* Seal the record with its CRC, append it, and fsync when durable. */
static void rec_end(struct spool_log *l, int durable)
{
	char tail[16];
	uLong crc;

	if (l->failed)
		return;
	crc = crc32(0L, (const Bytef *)l->buf, (uInt)l->len);
	snprintf(tail, sizeof tail, " *%08lx\n", (unsigned long)crc & 0xffffffffUL);
	rec_raw(l, tail, strlen(tail));
	if (l->failed)
		return;
	if (write_all(l->fd, l->buf, l->len) != 0 || (durable && fdatasync(l->fd) != 0)) {
		l->failed = 1;
		dl_error_set(&l->error, "%s: %s", l->path, strerror(errno));
	}
}

/* Open events.log for appending; a log that ends inside a line (a job
 * killed mid-write) is ended first, so that the torn record stays alone on
 * its line, where its CRC rejects it. */
static int log_open(struct spool_log *l, const char *path, struct dl_error *err)
{
	char last = '\n';
	off_t size;

	memset(l, 0, sizeof *l);
	snprintf(l->path, sizeof l->path, "%s", path);
	l->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (l->fd < 0)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	size = lseek(l->fd, 0, SEEK_END);
	if (size > 0 && pread(l->fd, &last, 1, size - 1) != 1)
		last = '\n';
	if (last != '\n' && write_all(l->fd, "\n", 1) != 0) {
		dl_error_set(err, "%s: %s", path, strerror(errno));
		close(l->fd);
		return DL_ERR;
	}
	return DL_OK;
}

static void log_close(struct spool_log *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	l->fd = -1;
	l->buf = NULL;
}

/* ---- the sink ---- */

/* What the serve asks of the run through the control file. */
enum control { CONTROL_NONE, CONTROL_STOP, CONTROL_CANCEL };

struct spool_sink {
	struct spool_log log;
	const struct spool_worker_opts *o;
	char control_path[SPOOL_PATH_MAX];
	enum control control;           /* the last read */
	volatile int cancel;            /* train_options.cancel */
	volatile int stop_epoch;        /* train_options.stop_after_epoch */
	int epochs;                     /* planned */
	int image_h, image_w;
	double last_progress, t0, done0;
	double last_weights;
};

static enum control read_control(const char *path)
{
	char buf[16] = "";
	FILE *f = fopen(path, "r");

	if (!f)
		return CONTROL_NONE;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	fclose(f);
	if (!strncmp(buf, "cancel", 6))
		return CONTROL_CANCEL;
	if (!strncmp(buf, "stop", 4))
		return CONTROL_STOP;
	return CONTROL_NONE;
}

/* The serve's control file and this process's signals, read with the
 * progress: they raise the trainer's flags. */
static void poll_requests(struct spool_sink *ss)
{
	const struct spool_worker_opts *o = ss->o;

	ss->control = read_control(ss->control_path);
	if (ss->control == CONTROL_CANCEL || (o->quit && __atomic_load_n(o->quit, __ATOMIC_RELAXED)))
		ss->cancel = 1;
	ss->stop_epoch = ss->control == CONTROL_STOP ||
			 (o->warned && __atomic_load_n(o->warned, __ATOMIC_RELAXED));
	if (ss->log.failed)
		ss->cancel = 1;         /* a run whose events cannot be kept should stop */
}

static void put_epoch(struct spool_sink *ss, const struct epoch_metrics *m)
{
	struct spool_log *l = &ss->log;

	rec_begin(l, "epoch");
	rec_int(l, m->epoch);
	rec_f64(l, m->loss);
	rec_f64(l, m->accuracy);
	rec_f64(l, m->val_loss);
	rec_f64(l, m->val_accuracy);
	rec_f64(l, m->lr);
	rec_f64(l, m->seconds);
	rec_str(l, m->events);
	rec_end(l, 1);
}

static void on_started(void *ctx, const struct run_info *info)
{
	struct spool_sink *ss = ctx;
	struct spool_log *l = &ss->log;
	const struct data_split *d = info->data;

	ss->epochs = info->exp->train.epochs;
	ss->image_h = d->test.c * d->test.h;
	ss->image_w = d->test.w;
	rec_begin(l, "params");
	rec_int(l, (long long)info->params);
	rec_end(l, 0);
	rec_begin(l, "planned");
	rec_int(l, ss->epochs);
	rec_end(l, 0);
	if (d->n_classes > 0) {
		rec_begin(l, "classes");
		rec_int(l, d->n_classes);
		for (int k = 0; k < d->n_classes && k < DATA_MAX_CLASSES; k++)
			rec_str(l, d->class_names[k]);
		rec_end(l, 0);
	}
	/* the checkpoint's history, as the store sink writes it */
	for (int i = 0; i < info->resumed_epochs; i++)
		put_epoch(ss, &info->resumed_history[i]);
}

static void on_progress(void *ctx, const struct train_progress *p)
{
	struct spool_sink *ss = ctx;
	struct spool_log *l = &ss->log;
	double now = clock_seconds(), eta = NAN, done;

	if (now - ss->last_progress < STORE_SINK_PROGRESS_PERIOD &&
	    !(p->epoch == ss->epochs && p->batch == p->batches))
		return;
	ss->last_progress = now;
	/* the ETA as the store sink reckons it */
	done = (p->epoch - 1) + (double)p->batch / p->batches;
	if (ss->t0 == 0) {
		ss->t0 = now;
		ss->done0 = done;
	} else if (done > ss->done0) {
		eta = (now - ss->t0) / (done - ss->done0) * (ss->epochs - done);
	}
	rec_begin(l, "progress");
	rec_int(l, p->epoch);
	rec_int(l, p->batch);
	rec_int(l, p->batches);
	rec_f64(l, p->samples_per_s);
	rec_f64(l, eta);
	rec_end(l, 0);
	poll_requests(ss);
}

static void on_initialised(void *ctx, const double *losses, int n, int kept)
{
	struct spool_log *l = &((struct spool_sink *)ctx)->log;

	rec_begin(l, "init");
	rec_int(l, kept);
	rec_int(l, n);
	for (int i = 0; i < n; i++)
		rec_f64(l, losses[i]);
	rec_end(l, 0);
}

static void on_epoch_done(void *ctx, const struct epoch_metrics *m)
{
	put_epoch(ctx, m);
}

/* The weight images after the first epoch, then at most every history
 * period, and after the last. */
static void on_epoch_model(void *ctx, int epoch, const struct nn_model *m)
{
	struct spool_sink *ss = ctx;
	struct spool_log *l = &ss->log;
	int layer = analysis_first_weighted_layer(m);
	double now = clock_seconds();
	struct weight_images wi;

	if (layer < 0 || l->failed ||
	    (now - ss->last_weights < STORE_SINK_HISTORY_PERIOD && epoch != ss->epochs))
		return;
	ss->last_weights = now;
	if (analysis_weight_images(m, layer, &wi, &l->error) != DL_OK) {
		l->failed = 1;
		return;
	}
	analysis_scale_symmetric(wi.pixels, (size_t)wi.n * wi.h * wi.w);
	rec_begin(l, "weights");
	rec_int(l, layer);
	rec_int(l, epoch);
	rec_int(l, wi.n);
	rec_int(l, wi.h);
	rec_int(l, wi.w);
	rec_str(l, wi.unit_name);
	rec_f32s(l, wi.pixels, (size_t)wi.n * wi.h * wi.w);
	rec_end(l, 0);
	weight_images_free(&wi);
}

static void on_misclassified(void *ctx, const char *split, const struct misclassified *m, int n)
{
	struct spool_sink *ss = ctx;
	struct spool_log *l = &ss->log;
	size_t pixels = (size_t)ss->image_h * ss->image_w;

	for (int i = 0; i < n && !l->failed; i++) {
		rec_begin(l, "mis");
		rec_str(l, split);
		rec_int(l, m[i].index);
		rec_int(l, m[i].truth);
		rec_int(l, m[i].predicted);
		rec_f64(l, m[i].confidence);
		rec_int(l, ss->image_h);
		rec_int(l, ss->image_w);
		rec_f32s(l, m[i].pixels, pixels);
		if (m[i].saliency)
			rec_f32s(l, m[i].saliency, pixels);
		else
			rec_str(l, "");
		rec_end(l, 0);
	}
}

static void put_confusion(struct spool_log *l, const char *split, const struct evaluation *ev)
{
	int n = ev->n_classes;
	unsigned char *b;

	if (n < 1 || n > STORE_MAX_CLASSES)
		return;
	b = malloc(4 * (size_t)n * n);
	if (!b) {
		l->failed = 1;
		dl_error_set(&l->error, "out of memory writing %s", l->path);
		return;
	}
	for (int t = 0; t < n; t++)
		for (int p = 0; p < n; p++)
			le_put_u32(b + 4 * ((size_t)t * n + p), (uint32_t)ev->confusion[t][p]);
	rec_begin(l, "confusion");
	rec_str(l, split);
	rec_int(l, n);
	rec_hex(l, b, 4 * (size_t)n * n);
	rec_end(l, 0);
	free(b);
}

/* The record that ends a run: STATUS EPOCHS LOSS ACC VLOSS VACC TLOSS TACC
 * SECONDS MESSAGE PEAK_RSS (bytes, util/mem.h), durable. */
static void put_end(struct spool_log *l, const char *status, const struct run_result *r,
		    const char *message)
{
	const struct epoch_metrics *last = r && r->epochs > 0 ? &r->history[r->epochs - 1] : NULL;
	int done = r && r->status == RUN_DONE;

	rec_begin(l, "end");
	rec_str(l, status);
	rec_int(l, r ? r->epochs : 0);
	rec_f64(l, last ? last->loss : NAN);
	rec_f64(l, last ? last->accuracy : NAN);
	rec_f64(l, last ? last->val_loss : NAN);
	rec_f64(l, last ? last->val_accuracy : NAN);
	rec_f64(l, done ? r->test.loss : NAN);
	rec_f64(l, done ? r->test.accuracy : NAN);
	rec_f64(l, r ? r->seconds : NAN);
	rec_str(l, message);
	rec_int(l, (long long)mem_peak_rss());
	rec_end(l, 1);
}

static void on_finished(void *ctx, const struct run_result *r)
{
	struct spool_sink *ss = ctx;
	struct spool_log *l = &ss->log;

	/* a run stopped or interrupted is ended by the worker, which knows why */
	if (r->status == RUN_CANCELLED && ss->control != CONTROL_CANCEL)
		return;
	if (r->status == RUN_DONE) {
		put_confusion(l, "test", &r->test);
		if (r->val.n > 0)
			put_confusion(l, "val", &r->val);
	}
	put_end(l, r->status == RUN_DONE ? "done" : r->status == RUN_DIVERGED ? "diverged" :
		"cancelled", r, r->message);
}

static void sink_init(struct spool_sink *ss, const struct spool_worker_opts *o,
		      struct run_sink *sink)
{
	ss->o = o;
	ss->last_progress = -1e30;
	ss->last_weights = -1e30;
	spool_path(ss->control_path, sizeof ss->control_path, o->spool_root, o->run_id, "control");
	*sink = (struct run_sink){
		.ctx = ss, .started = on_started, .progress = on_progress,
		.initialised = on_initialised, .epoch_done = on_epoch_done,
		.epoch_model = on_epoch_model, .misclassified = on_misclassified,
		.finished = on_finished,
	};
}

/* ---- the worker ---- */

static char *read_text(const char *path, struct dl_error *err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	long size;

	if (!f) {
		dl_error_set(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (text = malloc((size_t)size + 1)) != NULL) {
		if (fread(text, 1, (size_t)size, f) != (size_t)size) {
			free(text);
			text = NULL;
		} else {
			text[size] = '\0';
		}
	}
	if (!text)
		dl_error_set(err, "%s: cannot be read", path);
	fclose(f);
	return text;
}

/* The run's experiment, data, summary and checkpoint. DL_ERR: why says
 * what keeps it from training. */
static int load_run(const struct spool_worker_opts *o, struct spool_log *l,
		    struct experiment *exp, struct data_split *data, struct checkpoint *ck,
		    int *resumed, const char *checkpoint, struct dl_error *why)
{
	char path[SPOOL_PATH_MAX], *yaml, *summary = NULL;

	*resumed = 0;
	spool_path(path, sizeof path, o->spool_root, o->run_id, "experiment.yaml");
	if (!(yaml = read_text(path, why)))
		return DL_ERR;
	if (worker_prepare(o->run_id, yaml, o->cache_dir, exp, data, &summary, why) != DL_OK) {
		free(yaml);
		return DL_ERR;
	}
	free(yaml);
	rec_begin(l, "summary");
	rec_str(l, summary);
	rec_end(l, 0);
	free(summary);
	if (access(checkpoint, R_OK) != 0)
		return DL_OK;
	if (checkpoint_read(checkpoint, ck, why) != DL_OK) {
		data_split_free(data);
		return DL_ERR;
	}
	if (worker_checkpoint_is_this_run(ck, exp, checkpoint, why) != DL_OK) {
		checkpoint_free(ck);
		data_split_free(data);
		return DL_ERR;
	}
	*resumed = 1;
	return DL_OK;
}

int spool_worker_run(const struct spool_worker_opts *o, enum spool_worker_end *end,
		     struct dl_error *err)
{
	char path[SPOOL_PATH_MAX], checkpoint[SPOOL_PATH_MAX], msg[2048];
	struct spool_sink ss;
	struct run_sink sink;
	struct experiment exp;
	struct data_split data;
	struct checkpoint ck;
	struct train_options opts;
	struct run_result result;
	struct dl_error why;
	int resumed, rc;

	*end = SPOOL_ENDED;
	memset(&ss, 0, sizeof ss);
	spool_path(path, sizeof path, o->spool_root, o->run_id, "events.log");
	spool_path(checkpoint, sizeof checkpoint, o->spool_root, o->run_id, "checkpoint.model");
	if (log_open(&ss.log, path, err) != DL_OK)
		return DL_ERR;
	sink_init(&ss, o, &sink);
	rec_begin(&ss.log, "start");
	rec_str(&ss.log, o->job);
	rec_str(&ss.log, o->node);
	rec_int(&ss.log, (long long)getpid());
	rec_end(&ss.log, 1);
	dl_error_clear(&why);
	if (load_run(o, &ss.log, &exp, &data, &ck, &resumed, checkpoint, &why) != DL_OK) {
		dl_error_format(&why, msg, sizeof msg);
		put_end(&ss.log, "failed", NULL, msg);
		goto out;
	}
	poll_requests(&ss);
	opts = (struct train_options){
		.cancel = &ss.cancel, .stop_after_epoch = &ss.stop_epoch,
		.checkpoint_path = checkpoint,
		.checkpoint_seconds = o->checkpoint_seconds < 0 ? WORKER_CHECKPOINT_SECONDS :
				      o->checkpoint_seconds,
		.resume = resumed ? &ck : NULL, .threads = o->threads,
	};
	rc = trainer_run(&exp, &data, &sink, &opts, &result, &why);
	if (resumed)
		checkpoint_free(&ck);
	data_split_free(&data);
	if (rc != DL_OK) {
		dl_error_format(&why, msg, sizeof msg);
		put_end(&ss.log, "failed", NULL, msg);
		goto out;
	}
	if (result.status == RUN_CANCELLED && ss.control != CONTROL_CANCEL) {
		if (ss.control == CONTROL_STOP) {
			snprintf(msg, sizeof msg, "stopped after epoch %d; resume continues it",
				 result.epochs);
			put_end(&ss.log, "stopped", &result, msg);
		} else {
			snprintf(msg, sizeof msg, "interrupted after epoch %d; it resumes from there",
				 result.epochs);
			put_end(&ss.log, "interrupted", &result, msg);
			*end = SPOOL_INTERRUPTED;
		}
	}
	run_result_free(&result);
out:
	rc = ss.log.failed ? DL_ERR : DL_OK;
	if (rc != DL_OK)
		*err = ss.log.error;
	log_close(&ss.log);
	return rc;
}
