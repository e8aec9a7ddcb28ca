/* Claim, train, finish (worker.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dataset.h"
#include "run/prune.h"
#include "run/store_sink.h"
#include "run/worker.h"
#include "spec/experiment.h"
#include "train/checkpoint.h"
#include "train/summary.h"
#include "train/trainer.h"
#include "util/mem.h"

/* Mark the run failed; a failure to say so is the store's error. */
static int fail_run(struct store *s, int64_t id, const char *why, struct dl_error *err)
{
	struct store_result r = {.status = STORE_FAILED, .loss = NAN, .accuracy = NAN,
				 .val_loss = NAN, .val_accuracy = NAN, .test_loss = NAN,
				 .test_accuracy = NAN, .seconds = NAN, .message = why,
				 .peak_rss = mem_peak_rss()};

	return store_finish_run(s, id, &r, err);
}

int worker_prepare(int64_t id, const char *yaml, const char *cache_dir,
		   struct experiment *exp, struct data_split *data, char **summary,
		   struct dl_error *why)
{
	char name[64];

	snprintf(name, sizeof name, "run %lld", (long long)id);
	if (trainer_parse_experiment(exp, yaml, strlen(yaml), name, NULL, 0, why) != DL_OK)
		return DL_ERR;
	if (data_load(&exp->data, cache_dir, exp->seed, data, why) != DL_OK)
		return DL_ERR;
	if (trainer_check_model(exp, data->train.n_classes, why) != DL_OK ||
	    model_summary_text(exp, summary, why) != DL_OK) {
		data_split_free(data);
		return DL_ERR;
	}
	return DL_OK;
}

int worker_checkpoint_is_this_run(const struct checkpoint *ck, const struct experiment *exp,
				  const char *path, struct dl_error *why)
{
	struct experiment theirs;
	char *ours_yaml = experiment_to_yaml(exp), *theirs_yaml = NULL;
	int same;

	dl_error_clear(why);
	if (trainer_parse_experiment(&theirs, ck->yaml, strlen(ck->yaml), path, NULL, 0, why) !=
	    DL_OK) {
		free(ours_yaml);
		dl_error_prefix(why, "%s: its experiment cannot be read", path);
		return DL_ERR;
	}
	theirs_yaml = experiment_to_yaml(&theirs);
	same = ours_yaml && theirs_yaml && !strcmp(ours_yaml, theirs_yaml);
	free(ours_yaml);
	free(theirs_yaml);
	if (same)
		return DL_OK;
	return dl_error_set(why, "%s is not this run's checkpoint: it holds another experiment "
			    "(%s, seed %llu), so the run was not resumed from it. Move it away "
			    "and retry the run to train it from the start", path, theirs.name,
			    (unsigned long long)theirs.seed);
}

/* How a run that came back from the trainer ended, when not as the sink
 * already recorded (done, diverged, cancelled). */
static int record_end(struct store *s, const struct store_sink *ss, const struct run_result *r,
		      struct dl_error *err)
{
	struct store_result res = {.status = STORE_INTERRUPTED, .epochs = r->epochs,
				   .loss = NAN, .accuracy = NAN, .val_loss = NAN,
				   .val_accuracy = NAN, .test_loss = NAN, .test_accuracy = NAN,
				   .seconds = r->seconds, .peak_rss = mem_peak_rss()};
	char msg[sizeof ss->error.msg + 64];

	if (store_sink_failed(ss)) {
		snprintf(msg, sizeof msg, "the store could not be written: %s", ss->error.msg);
		return fail_run(s, ss->run_id, msg, err);
	}
	if (r->status != RUN_CANCELLED || ss->requested == STORE_REQUEST_CANCEL)
		return DL_OK;
	if (ss->requested == STORE_REQUEST_STOP)
		snprintf(msg, sizeof msg, "stopped after epoch %d; resume continues it", r->epochs);
	else
		snprintf(msg, sizeof msg, "interrupted after epoch %d; it resumes from there",
			 r->epochs);
	res.message = msg;
	return store_finish_run(s, ss->run_id, &res, err);
}

int worker_train(struct store *s, const struct worker_opts *o, struct store_claim *c,
		 int threads, struct dl_error *err)
{
	struct experiment exp;
	struct data_split data;
	struct checkpoint ck;
	struct store_sink ss;
	struct pruner pruner;
	struct train_options opts = {0};
	struct run_result result;
	struct dl_error why;
	char path[4200], *summary;
	int rc, resumed = 0, pruning;
	int64_t id = c->id;

	dl_error_clear(&why);
	if (worker_prepare(c->id, c->yaml, o->cache_dir, &exp, &data, &summary, &why) != DL_OK) {
		char msg[2048];

		dl_error_format(&why, msg, sizeof msg);
		store_claim_free(c);
		return fail_run(s, id, msg, err);
	}
	/* the text enqueue_queue stored, or the first for a run queued without
	 * one (by store_add_run, or by a digitlab older than the summaries) */
	rc = store_put_summary(s, id, summary, err);
	free(summary);
	if (rc != DL_OK) {
		data_split_free(&data);
		store_claim_free(c);
		return DL_ERR;
	}
	snprintf(path, sizeof path, "%s/run-%lld.model", o->checkpoint_dir, (long long)id);
	if (c->checkpoint[0] && access(c->checkpoint, R_OK) == 0) {
		rc = checkpoint_read(c->checkpoint, &ck, &why);
		if (rc == DL_OK && worker_checkpoint_is_this_run(&ck, &exp, c->checkpoint, &why) != DL_OK) {
			checkpoint_free(&ck);
			rc = DL_ERR;
		}
		if (rc != DL_OK) {
			data_split_free(&data);
			store_claim_free(c);
			return fail_run(s, id, why.msg, err);
		}
		resumed = 1;
	}
	store_claim_free(c);
	if (store_set_checkpoint(s, id, path, err) != DL_OK) {
		if (resumed)
			checkpoint_free(&ck);
		data_split_free(&data);
		return DL_ERR;
	}
	/* threads: auto takes what pays for its model within the pool's grant */
	if (exp.train.threads == TRAIN_THREADS_AUTO) {
		threads = trainer_threads(&exp, data.train.n, TRAIN_THREADS_AUTO, threads);
		if (store_set_threads(s, id, threads, err) != DL_OK) {
			if (resumed)
				checkpoint_free(&ck);
			data_split_free(&data);
			return DL_ERR;
		}
	}
	if (pruner_init(&pruner, s, id, &exp, &pruning, err) != DL_OK) {
		if (resumed)
			checkpoint_free(&ck);
		data_split_free(&data);
		return DL_ERR;
	}
	store_sink_init(&ss, s, id);
	ss.quit = o->quit;
	opts = (struct train_options){.cancel = &ss.cancel, .stop_after_epoch = &ss.stop_epoch,
				      .checkpoint_path = path,
				      .checkpoint_seconds = o->checkpoint_seconds < 0 ?
							    WORKER_CHECKPOINT_SECONDS :
							    o->checkpoint_seconds,
				      .resume = resumed ? &ck : NULL, .threads = threads,
				      .prune = pruning ? pruner_check : NULL,
				      .prune_ctx = &pruner};
	rc = trainer_run(&exp, &data, &ss.sink, &opts, &result, &why);
	store_sink_flush(&ss);          /* a run that ended in an error heard no finish */
	if (resumed)
		checkpoint_free(&ck);
	data_split_free(&data);
	if (rc != DL_OK)
		return fail_run(s, id, why.msg, err);
	rc = record_end(s, &ss, &result, err);
	run_result_free(&result);
	return rc;
}

int worker_run_next(struct store *s, const struct worker_opts *o, int *ran,
		    struct dl_error *err)
{
	struct store_claim c;
	int claimed;

	*ran = 0;
	if (store_claim_run(s, o->name, &c, &claimed, err) != DL_OK)
		return DL_ERR;
	if (!claimed)
		return DL_OK;
	*ran = 1;
	return worker_train(s, o, &c, o->threads, err);
}
