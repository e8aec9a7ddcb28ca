/* The store sink: a small run trained through trainer_run lands in the
 * store as its history, progress, final metrics and confusion matrix; a
 * store that cannot be written stops the run and says why. The worker: a
 * queued run is trained to done, a run whose worker died resumes from its
 * checkpoint to the same metrics, a cancel request ends a run, a bad
 * experiment is marked failed with its message, and a served run leaves its
 * model summary and weight images for the dashboard. Queueing: every run
 * enters the store with its summary. */
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "run/enqueue.h"
#include "run/store_sink.h"
#include "run/worker.h"
#include "train/summary.h"
#include "util/mem.h"
#include "tap.h"

static const char yaml[] =
	"name: sink-test\n"
	"seed: 4\n"
	"data: {source: font5x7, variants: 6, validation: test}\n"
	"model:\n  layers:\n    - dense: {units: 24, activation: relu}\n"
	"    - dense: {units: 10, activation: softmax}\n"
	"train: {epochs: 4, batch_size: 8, optimizer: {type: adam, lr: 0.01}}\n";

static int prepare(struct experiment *exp, struct data_split *data)
{
	struct dl_error err;
	char cache[512];

	if (trainer_parse_experiment(exp, yaml, sizeof yaml - 1, "sink.yaml", NULL, 0, &err) != DL_OK ||
	    data_load(&exp->data, data_cache_dir(cache, sizeof cache), exp->seed, data,
		      &err) != DL_OK) {
		ok(0, "prepare: %s", err.msg);
		return DL_ERR;
	}
	if (trainer_check_model(exp, data->train.n_classes, &err) != DL_OK) {
		ok(0, "prepare: %s", err.msg);
		return DL_ERR;
	}
	return DL_OK;
}

/* A sink that cancels the run after epoch 2, the way a killed worker
 * leaves it: the checkpoint of epoch 2 on disk. */
static volatile int stop_now;

static void stop_after_two(void *ctx, const struct epoch_metrics *m)
{
	(void)ctx;
	if (m->epoch == 2)
		stop_now = 1;
}

/* What the dashboard reads of a served run's model: the summary table of
 * its experiment, and its first layer's 24 units as 7x5 images (font5x7's
 * glyphs) after the last epoch, scaled so that the largest weight is black
 * or white. */
static void check_model_records(struct store *s, int64_t id, const struct experiment *exp)
{
	struct store_weights w;
	struct dl_error err;
	char *text = NULL, *want = NULL;
	int found = 0, in_range = 1, extreme = 0;

	if (store_get_summary(s, id, &text, &found, &err) != DL_OK ||
	    model_summary_text(exp, &want, &err) != DL_OK)
		ok(0, "summaries: %s", err.msg);
	ok(found && want && !strcmp(text, want) && strstr(text, "Total params: 1,114\n"),
	   "a served run has its model summary");
	free(text);
	free(want);
	ok(store_get_weights(s, id, &w, &found, &err) == DL_OK && found,
	   "and its first layer's weight images");
	for (int i = 0; found && i < w.n * w.h * w.w; i++) {
		in_range &= w.pixels[i] >= 0.0f && w.pixels[i] <= 1.0f;
		extreme |= w.pixels[i] == 0.0f || w.pixels[i] == 1.0f;
	}
	ok(found && w.layer == 0 && w.epoch == 4 && w.n == 24 && w.h == 7 && w.w == 5 &&
	   !strcmp(w.unit_name, "unit") && in_range && extreme,
	   "of layer %d after epoch %d: %d %ss of %dx%d in [0, 1], the largest at an end",
	   w.layer, w.epoch, w.n, w.unit_name, w.h, w.w);
	store_weights_free(&w);
}

static void test_worker(const char *dir, struct experiment *exp, struct data_split *data)
{
	struct worker_opts o = {.name = "w", .checkpoint_dir = dir, .threads = 1};
	struct store_new_run nr = {.name = "worker-test", .yaml = yaml, .threads = 1};
	struct run_sink killer = {.epoch_done = stop_after_two};
	struct train_options opts = {.cancel = &stop_now};
	struct store_run a, b;
	struct run_result partial;
	struct store_claim c;
	struct dl_error err;
	struct store *s;
	char cache[512], path[300];
	int64_t ida, idb, idc, idd;
	int ran, found, claimed, n;

	o.cache_dir = data_cache_dir(cache, sizeof cache);
	if (store_open(&s, dir, &err) != DL_OK) {
		ok(0, "store_open: %s", err.msg);
		return;
	}
	store_add_run(s, &nr, &ida, &err);
	ok(worker_run_next(s, &o, &ran, &err) == DL_OK && ran, "the worker trains a queued run");
	store_get_run(s, ida, &a, &found, &err);
	snprintf(path, sizeof path, "%s/run-%lld.model", dir, (long long)ida);
	ok(found && a.row.status == STORE_DONE && a.row.epochs == 4 && !strcmp(a.checkpoint, path) &&
	   access(path, R_OK) == 0, "to done, with its checkpoint next to the store");
	ok(a.row.peak_rss > 0 && a.row.peak_rss <= mem_peak_rss(),
	   "and the peak memory of the process that trained it (%lld bytes)",
	   (long long)a.row.peak_rss);
	check_model_records(s, ida, exp);

	/* a second worker died after epoch 2 of the same experiment */
	store_add_run(s, &nr, &idb, &err);
	store_claim_run(s, "dead", &c, &claimed, &err);
	store_claim_free(&c);
	snprintf(path, sizeof path, "%s/run-%lld.model", dir, (long long)idb);
	opts.checkpoint_path = path;
	trainer_run(exp, data, &killer, &opts, &partial, &err);
	run_result_free(&partial);
	store_set_checkpoint(s, idb, path, &err);
	store_recover_stale(s, -1, &n, &err);
	ok(n == 1, "its stale run is found");
	ok(worker_run_next(s, &o, &ran, &err) == DL_OK && ran, "and taken up again");
	store_get_run(s, idb, &b, &found, &err);
	ok(found && b.row.status == STORE_DONE && b.row.epochs == 4 &&
	   b.row.test_accuracy == a.row.test_accuracy && b.row.loss == a.row.loss,
	   "resumed from epoch 2, it ends with the uninterrupted run's metrics (%.4f, %.6f)",
	   b.row.test_accuracy, b.row.loss);
	{
		struct store_epoch *h;
		int n_h, in_order = 1;

		store_get_history(s, idb, &h, &n_h, &err);
		for (int i = 0; i < n_h; i++)
			in_order &= h[i].epoch == i + 1;
		ok(n_h == 4 && in_order, "with all four epochs of history, the two trained "
		   "before the interruption from the checkpoint (%d)", n_h);
		store_epochs_free(h, n_h);
	}
	store_run_free(&a);
	store_run_free(&b);

	/* cancelled while queued, and an experiment that does not parse */
	store_add_run(s, &nr, &idc, &err);
	store_request(s, idc, STORE_REQUEST_CANCEL, &n, &err);
	nr.yaml = "model: {layers: [{dense: {units: 0}}]}\n";
	store_add_run(s, &nr, &idd, &err);
	ok(worker_run_next(s, &o, &ran, &err) == DL_OK && ran, "a bad experiment is claimed");
	store_get_run(s, idd, &a, &found, &err);
	ok(found && a.row.peak_rss > 0, "a failed run has its process's peak memory too");
	ok(found && a.row.status == STORE_FAILED && a.message &&
	   !strcmp(a.message, "run 4:1:34: error: model.layers[0].dense.units: must be between "
		   "1 and 100000, found 0"), "and failed with the parser's message (%s)",
	   a.message ? a.message : "none");
	store_run_free(&a);
	ok(worker_run_next(s, &o, &ran, &err) == DL_OK && !ran,
	   "nothing else to run: the cancelled run stays cancelled");

	/* a worker told to quit leaves its run interrupted, to be taken up again */
	{
		static volatile int quit = 1;
		int64_t ide;

		nr.yaml = yaml;
		store_add_run(s, &nr, &ide, &err);
		o.quit = &quit;
		worker_run_next(s, &o, &ran, &err);
		store_get_run(s, ide, &a, &found, &err);
		{
			int at = -1;
			char rest[64] = "";

			if (a.message)
				sscanf(a.message, "interrupted after epoch %d; %63[^\n]", &at, rest);
			/* the flag is read with the progress, which a short epoch
			 * reports only at its end */
			ok(found && a.row.status == STORE_INTERRUPTED && at >= 0 && at <= 1 &&
			   !strcmp(rest, "it resumes from there"),
			   "quitting interrupts the run at its first progress report (%s)",
			   a.message ? a.message : "no message");
		}
		store_run_free(&a);
		quit = 0;
		worker_run_next(s, &o, &ran, &err);
		store_get_run(s, ide, &a, &found, &err);
		ok(ran && found && a.row.status == STORE_DONE, "the next claim finishes it");
		store_run_free(&a);
	}
	store_close(s);
}

/* Queueing a file keeps every run's summary with it, from the first
 * moment the run is in the store: each sweep point its own model's. */
static void test_enqueue_summary(const char *dir)
{
	static const char sweep[] =
		"name: sweep\n"
		"data: {source: font5x7, variants: 2}\n"
		"model:\n  layers:\n    - dense: {units: 5, activation: relu}\n"
		"    - dense: {units: 10, activation: softmax}\n"
		"train: {epochs: 1}\n"
		"sweep: {grid: {\"model.layers[0].dense.units\": [5, 7]}}\n";
	struct enqueue_opts o = {.threads = 1};
	struct sweep_plan plan;
	struct dl_error err;
	struct store *s;
	char path[300], *text[2] = {NULL, NULL};
	int64_t first = 0, last = 0, sweep_id;
	int found[2] = {0, 0};
	FILE *f;

	snprintf(path, sizeof path, "%s/sweep.yaml", dir);
	if (store_open(&s, dir, &err) != DL_OK || !(f = fopen(path, "w"))) {
		ok(0, "cannot set up the queue test");
		return;
	}
	fputs(sweep, f);
	fclose(f);
	ok(enqueue_plan(&plan, path, &o, &err) == DL_OK &&
	   enqueue_queue(s, &plan, &o, &first, &last, &sweep_id, &err) == DL_OK &&
	   last == first + 1, "a sweep of two runs is queued (%s)", err.msg);
	for (int i = 0; i < 2 && last == first + 1; i++)
		store_get_summary(s, first + i, &text[i], &found[i], &err);
	ok(found[0] && found[1] && strstr(text[0], "Total params: 240\n") &&
	   strstr(text[1], "Total params: 332\n"),
	   "each with the summary of its own model (5 and 7 hidden units)");
	free(text[0]);
	free(text[1]);
	sweep_plan_free(&plan);
	store_close(s);
}

int main(void)
{
	struct experiment exp;
	struct data_split data;
	struct store *s;
	struct store_sink ss;
	struct store_new_run nr = {.name = "sink-test", .yaml = yaml, .threads = 1};
	struct train_options opts = {0};
	struct run_result result;
	struct store_epoch *h;
	struct store_run run;
	struct dl_error err;
	char dir[128];
	int64_t id;
	int n, found, conf[STORE_MAX_CLASSES * STORE_MAX_CLASSES], total = 0;

	snprintf(dir, sizeof dir, "/tmp/digitlab-run-test.%d", (int)getpid());
	if (prepare(&exp, &data) != DL_OK || store_open(&s, dir, &err) != DL_OK)
		return tap_done();
	store_add_run(s, &nr, &id, &err);
	store_sink_init(&ss, s, id);
	opts.cancel = &ss.cancel;
	ok(trainer_run(&exp, &data, &ss.sink, &opts, &result, &err) == DL_OK &&
	   result.status == RUN_DONE, "the run trains");
	ok(!store_sink_failed(&ss), "every store write succeeded");

	store_get_history(s, id, &h, &n, &err);
	ok(n == 4, "four epochs of history");
	ok(n == 4 && h[3].loss == result.history[3].loss &&
	   h[3].val_accuracy == result.history[3].val_accuracy && h[0].lr > 0,
	   "the history holds the trainer's metrics");
	store_epochs_free(h, n);

	store_get_run(s, id, &run, &found, &err);
	ok(found && run.row.status == STORE_DONE && run.row.epochs == 4 &&
	   run.row.test_accuracy == result.test.accuracy &&
	   run.row.params == (int64_t)result.params, "the run ends done with its metrics");
	ok(run.row.epoch == 4 && run.row.batch == run.row.batches && run.row.batches > 0,
	   "the last progress is the last batch of the last epoch");
	ok(run.row.planned_epochs == 4, "the run's planned epochs are kept");
	store_run_free(&run);


	store_get_confusion(s, id, "test", &n, conf, &found, &err);
	for (int i = 0; i < n * n; i++)
		total += conf[i];
	ok(found && n == 10 && total == result.test.n, "the test confusion matrix is kept");
	total = 0;
	store_get_confusion(s, id, "val", &n, conf, &found, &err);
	for (int i = 0; i < n * n; i++)
		total += conf[i];
	ok(found && n == 10 && total == result.val.n && result.val.n == data.val.n,
	   "and the validation one (%d samples)", total);
	{
		struct store_sample *samples;
		int n_samples, wrong = 0, all_wrong = 1;

		for (int t = 0; t < n; t++)
			for (int p = 0; p < n; p++)
				wrong += t != p ? conf[t * n + p] : 0;
		ok(store_get_misclassified(s, id, "val", 0, &samples, &n_samples, &err) == DL_OK,
		   "the misclassified validation samples can be read");
		for (int i = 0; i < n_samples; i++)
			all_wrong &= samples[i].truth != samples[i].predicted &&
				     samples[i].saliency != NULL;
		ok(n_samples == (wrong < TRAIN_MAX_MISCLASSIFIED ? wrong : TRAIN_MAX_MISCLASSIFIED) &&
		   n_samples > 0 && all_wrong,
		   "they are kept like the test ones: %d of %d, each wrong, with saliency",
		   n_samples, wrong);
		store_samples_free(samples, n_samples);
	}
	run_result_free(&result);

	/* many tiny epochs: every one lands in the history, in batches */
	{
		struct experiment many = exp;
		int same = 1;

		many.train.epochs = 700;
		many.train.batch_size = 0;
		store_add_run(s, &nr, &id, &err);
		store_sink_init(&ss, s, id);
		opts.cancel = &ss.cancel;
		ok(trainer_run(&many, &data, &ss.sink, &opts, &result, &err) == DL_OK &&
		   result.status == RUN_DONE && !store_sink_failed(&ss),
		   "a run of 700 full-batch epochs trains through the sink");
		store_get_history(s, id, &h, &n, &err);
		for (int i = 0; i < n && i < result.epochs; i++)
			same &= h[i].epoch == i + 1 && h[i].loss == result.history[i].loss &&
				h[i].val_accuracy == result.history[i].val_accuracy;
		ok(n == 700 && same, "its history holds all 700 epochs as trained (%d)", n);
		store_epochs_free(h, n);
		store_get_run(s, id, &run, &found, &err);
		ok(found && run.row.epochs == 700 && run.row.loss == result.history[699].loss &&
		   run.row.planned_epochs == 700, "its summary follows the last epoch");
		store_run_free(&run);
		run_result_free(&result);
	}

	/* a store that refuses writes (a trigger stands in for a full disk):
	 * the run stops at the next batch and the sink keeps the reason */
	{
		sqlite3 *db;
		char path[256], cmd[300];

		snprintf(path, sizeof path, "%s/runs.db", dir);
		if (sqlite3_open(path, &db) != SQLITE_OK ||
		    sqlite3_exec(db, "CREATE TRIGGER full BEFORE INSERT ON epochs "
				 "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END",
				 NULL, NULL, NULL) != SQLITE_OK)
			ok(0, "cannot install the trigger");
		sqlite3_close(db);
		store_add_run(s, &nr, &id, &err);
		store_sink_init(&ss, s, id);
		opts.cancel = &ss.cancel;
		/* the history is written in batches: these four short epochs
		 * only when the run ends, a long run's at its first flush */
		ok(trainer_run(&exp, &data, &ss.sink, &opts, &result, &err) == DL_OK,
		   "a failed write does not fail the trainer");
		snprintf(cmd, sizeof cmd, "%s/runs.db: cannot record the epoch: database or disk "
			 "is full", dir);
		ok(store_sink_failed(&ss), "the sink knows");
		is_str(ss.error.msg, cmd, "and says what failed");
		store_get_run(s, id, &run, &found, &err);
		ok(found && run.row.status == STORE_QUEUED, "the run's row is left for its owner to mark");
		store_run_free(&run);
		run_result_free(&result);
		store_close(s);
		strcat(dir, "/worker");
		test_worker(dir, &exp, &data);
		strcat(dir, "/queue");
		test_enqueue_summary(dir);
		snprintf(cmd, sizeof cmd, "rm -rf /tmp/digitlab-run-test.%d", (int)getpid());
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", dir);
	}
	data_split_free(&data);
	return tap_done();
}
