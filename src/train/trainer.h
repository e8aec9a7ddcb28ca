/*
 * trainer.h - the epoch loop: from an experiment and its data to a trained
 * model, its history and its evaluation.
 *
 * The trainer knows nothing of SQLite, terminals or threads. It reports what
 * happens through a run_sink, a small table of callbacks that the console
 * (`digitlab run`), the store and the tests each implement. Every callback
 * is optional (NULL is skipped).
 *
 * Determinism: a run draws everything random (initial weights, shuffling,
 * dropout masks) from streams derived from the experiment's seed, so the same
 * experiment, data and BLAS thread count give bit-identical metrics.
 */
#ifndef DL_TRAIN_TRAINER_H
#define DL_TRAIN_TRAINER_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"
#include "nn/model.h"
#include "spec/experiment.h"
#include "util/error.h"

#define TRAIN_MAX_CLASSES DATA_MAX_CLASSES

struct epoch_metrics {
	int epoch;                  /* 1-based */
	double loss, accuracy;      /* training: mean over the epoch's batches */
	double val_loss, val_accuracy; /* NAN when there is no validation set */
	double lr;                  /* learning rate used in this epoch */
	double seconds;             /* wall time of the epoch, evaluation included */
	char events[160];           /* what the callbacks did after this epoch,
	                               e.g. "lr 0.001 -> 0.0002", "" when nothing */
};

/* Loss, accuracy and confusion of a model on one data set. */
struct evaluation {
	int n;                      /* samples evaluated */
	int n_classes;
	double loss, accuracy;
	int confusion[TRAIN_MAX_CLASSES][TRAIN_MAX_CLASSES]; /* [true][predicted] */
};

enum run_status {
	RUN_DONE,
	RUN_DIVERGED,               /* loss became NaN or infinite */
	RUN_CANCELLED,              /* *cancel became non-zero */
	RUN_PRUNED,                 /* train_options.prune stopped it after an epoch */
};

struct run_info {
	const struct experiment *exp;
	const struct data_split *data;
	size_t params;
	int batch_size;             /* effective: full batch resolved */
	int batches_per_epoch;
	/* A run resumed from a checkpoint: the epochs it had done, whose
	 * epoch_done the sink heard (or missed) before the interruption and
	 * will not hear again. 0 and NULL for a run that starts afresh. */
	int resumed_epochs;
	const struct epoch_metrics *resumed_history;
};

struct run_result {
	enum run_status status;
	int epochs;                 /* epochs completed */
	int best_epoch;             /* early stopping's best epoch, 0 without it */
	int stopped_early;          /* early stopping ended the run */
	size_t params;
	double seconds;             /* whole run, final evaluation included; resumed:
	                               the epochs before the resume and this segment */
	struct evaluation test;     /* valid when status == RUN_DONE */
	struct evaluation val;      /* the final model on the validation set, when
	                               done and there is one (else n == 0) */
	struct epoch_metrics *history; /* epochs entries, malloc'd */
	char message[256];          /* why a run diverged or was cancelled */
};

/* Where a run is inside an epoch (run_sink.progress). */
struct train_progress {
	int epoch;                  /* 1-based */
	int batch, batches;         /* batches done of the epoch's */
	double samples_per_s;       /* over the epoch so far */
	double loss, accuracy;      /* running means over the epoch's batches so far */
};

/* A misclassified test or validation sample (run_sink.misclassified). */
struct misclassified {
	int index;                  /* in its split */
	int truth, predicted;
	float confidence;           /* the model's output for `predicted` */
	const float *pixels;        /* (c, h, w) as floats, not owned */
	const float *saliency;      /* same size (analysis_saliency), not owned */
};

/* At most this many misclassified samples are reported, by true class then
 * index: enough to browse, bounded for a model that gets most wrong. */
#define TRAIN_MAX_MISCLASSIFIED 200

struct run_sink {
	void *ctx;
	void (*started)(void *ctx, const struct run_info *info);
	/* With train.inits > 1, before the first epoch: the initial training
	 * loss of each candidate initialisation and the one kept (the lowest). */
	void (*initialised)(void *ctx, const double *losses, int n, int kept);
	/* Called at most every few hundred milliseconds, and after each epoch's last batch. */
	void (*progress)(void *ctx, const struct train_progress *p);
	void (*epoch_done)(void *ctx, const struct epoch_metrics *m);
	/* After epoch_done: the model as that epoch left it, to read during the
	 * call only (the next batch changes it). */
	void (*epoch_model)(void *ctx, int epoch, const struct nn_model *m);
	/* After the final evaluations of a run that is done, before finished:
	 * the misclassified samples of split "test", then of "val" when there
	 * is a validation set, with saliency. Only asked for when set, since
	 * saliency costs a backward pass per sample. */
	void (*misclassified)(void *ctx, const char *split, const struct misclassified *m, int n);
	void (*finished)(void *ctx, const struct run_result *r);
	/* Every sample's answer: after each epoch's validation (split "val",
	 * epoch 1..), and of the final model on the test set (split "test",
	 * epoch 0) before `misclassified`. predicted[i] is the class answered
	 * for sample i of the split (data->val or data->test), confidence[i]
	 * the model's output for it; n is the split's size. To read during the
	 * call only. */
	void (*answers)(void *ctx, const char *split, int epoch, const uint8_t *predicted,
			const float *confidence, int n);
};

struct checkpoint;
struct sweep_plan;

struct train_options {
	/* When it points at a non-zero value the run stops at the next batch
	 * boundary with RUN_CANCELLED. May be NULL. */
	const volatile int *cancel;
	/* When it points at a non-zero value the run stops after the current
	 * epoch, its checkpoint written, with RUN_CANCELLED ("stopped after
	 * epoch N"). May be NULL. */
	const volatile int *stop_after_epoch;
	/* Write a checkpoint (checkpoint.h) here after every epoch. May be NULL. */
	const char *checkpoint_path;
	/* 0: a checkpoint every epoch. Else at most one per this many seconds,
	 * plus the epoch the run ends or stops at: for runs of many tiny epochs
	 * (notebook 000's 10,000), where writing and syncing a file per epoch
	 * would take longer than training. A resume from an older checkpoint
	 * replays the epochs since, to the same result. */
	double checkpoint_seconds;
	/* Continue from this checkpoint instead of starting afresh. May be NULL. */
	const struct checkpoint *resume;
	/* Threads that split each batch's convolutions (nn_model_set_threads);
	 * 0 or 1: the calling thread alone. The BLAS thread count is the
	 * caller's to set (nn_gemm_set_threads). */
	int threads;
	/* Asked after every epoch but the last, with that epoch's metrics:
	 * non-zero stops the run there (its checkpoint written, no final
	 * evaluation) with RUN_PRUNED, and `why` (result->message) says why.
	 * A sweep's early-stopping rule (run/prune.h). May be NULL. */
	int (*prune)(void *ctx, const struct epoch_metrics *m, char *why, size_t size);
	void *prune_ctx;
};

/* Train exp on data. Returns DL_OK when the run ended (done, diverged or
 * cancelled: see result->status) and DL_ERR when it could not run at all
 * (bad model for the data, an unusable resume checkpoint, no memory) or a
 * checkpoint could not be written (the run stops: continuing would lose the
 * guarantee that it can be resumed). opts may be NULL. Free result with
 * run_result_free(). */
int trainer_run(const struct experiment *exp, const struct data_split *data,
		const struct run_sink *sink, const struct train_options *opts,
		struct run_result *result, struct dl_error *err);

void run_result_free(struct run_result *r);

/* Evaluate a model (inference mode) on a data set in chunks of the model's
 * max batch. scratch holds a chunk as floats when d keeps bytes: room for
 * nn_model_max_batch(m) samples of d (NULL is fine for a set of floats). */
void trainer_evaluate(struct nn_model *m, enum nn_loss loss, const struct dataset *d,
		      float *scratch, struct evaluation *out);

/* ---- an experiment as the trainer takes it (prepare.c) ----
 *
 * The experiment parser leaves model.input zero: it knows no data. These
 * are experiment_parse, experiment_load and sweep_plan_load with every
 * model's input shape filled from its data source (data_input_shape: fixed
 * for the built-in sources, the train_images header for source idx). They
 * write *exp or *plan only when the whole is ready: on failure *exp is left
 * as it was and the plan is empty. */
int trainer_parse_experiment(struct experiment *exp, const char *text, size_t len,
			     const char *display_name, const char *const *overrides,
			     int n_overrides, struct dl_error *err);
int trainer_load_experiment(struct experiment *exp, const char *path,
			    const char *const *overrides, int n_overrides,
			    struct dl_error *err);
/* A sweep point whose data cannot be read is named: "sweep point
 * units=10: ..." */
int trainer_load_plan(struct sweep_plan *plan, const char *path,
		      const char *const *overrides, int n_overrides, struct dl_error *err);
/* The same for a plan made from a file's text (a growing sweep's next
 * point, run/grow.h): fill the input shape of an experiment parsed by the
 * spec module. */
int trainer_fill_input(struct experiment *e, struct dl_error *err);

/* Check that exp's model (its input shape filled, as above) can be trained
 * with its loss on data of n_classes classes: the shapes thread through and
 * a dense last layer has one unit per class (n_classes 0: not known yet, a
 * folder not read: not checked). trainer_run() also refuses a model whose
 * input shape is not the data's. */
int trainer_check_model(const struct experiment *exp, int n_classes, struct dl_error *err);

/* The threads a run trains with: `asked` (a count, or TRAIN_THREADS_AUTO)
 * when not 0, else the experiment's train.threads, else 1. Auto is the count
 * from 1 to max_threads that trains exp's model (input shape filled) at its
 * batch size fastest (nn_model_auto_threads); a full batch is train_n
 * samples. */
int trainer_threads(const struct experiment *exp, int train_n, int asked, int max_threads);

#endif
