/* The store sink: a small run trained through trainer_run lands in the
 * store as its history, progress, final metrics and confusion matrix; a
 * store that cannot be written stops the run and says why. */
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "run/store_sink.h"
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

	if (experiment_parse(exp, yaml, sizeof yaml - 1, "sink.yaml", NULL, 0, &err) != DL_OK ||
	    data_load(&exp->data, data_cache_dir(cache, sizeof cache), exp->seed, data,
		      &err) != DL_OK) {
		ok(0, "prepare: %s", err.msg);
		return DL_ERR;
	}
	exp->model.input = (struct nn_shape){data->train.c, data->train.h, data->train.w};
	if (trainer_check_model(exp, data->train.n_classes, &err) != DL_OK) {
		ok(0, "prepare: %s", err.msg);
		return DL_ERR;
	}
	return DL_OK;
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
	store_run_free(&run);

	store_get_confusion(s, id, "test", &n, conf, &found, &err);
	for (int i = 0; i < n * n; i++)
		total += conf[i];
	ok(found && n == 10 && total == result.test.n, "the test confusion matrix is kept");
	run_result_free(&result);

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
		ok(trainer_run(&exp, &data, &ss.sink, &opts, &result, &err) == DL_OK &&
		   result.status == RUN_CANCELLED && result.epochs == 1,
		   "a failed write stops the run after its first epoch");
		snprintf(cmd, sizeof cmd, "%s/runs.db: cannot record the epoch: database or disk "
			 "is full", dir);
		ok(store_sink_failed(&ss), "the sink knows");
		is_str(ss.error.msg, cmd, "and says what failed");
		store_get_run(s, id, &run, &found, &err);
		ok(found && run.row.status == STORE_QUEUED, "the run's row is left for its owner to mark");
		store_run_free(&run);
		run_result_free(&result);
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		store_close(s);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", dir);
	}
	data_split_free(&data);
	return tap_done();
}
