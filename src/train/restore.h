/*
 * restore.h - a trained model back from its model file, to use it:
 * `digitlab weights` draws its layers, `digitlab predict` classifies with
 * it. This is the one place that turns a checkpoint (checkpoint.h) into a
 * working model.
 *
 * restore_model() reads and verifies the file, parses the experiment it
 * carries with its model's input shape filled from its data
 * (trainer_parse_experiment: for source idx that reads the train_images
 * header, so the data must still be where the run read it), builds the
 * model, checks that the file's layers are the ones the experiment builds,
 * and loads the saved weights (batchnorm's running statistics are among
 * them). The optimiser and trainer state are not kept: continuing a run's
 * training takes the whole checkpoint instead (train_options.resume).
 */
#ifndef DL_TRAIN_RESTORE_H
#define DL_TRAIN_RESTORE_H

#include "nn/model.h"
#include "train/checkpoint.h"
#include "spec/experiment.h"
#include "util/error.h"

struct restored_model {
	struct experiment exp;      /* the run's experiment, model.input filled */
	struct nn_model *model;     /* owned: the saved weights, batches of up to max_batch */
	int epoch;                  /* epochs of training the weights had */
	int n_classes;              /* class names the file keeps; 0: none (version 1) */
	char class_names[CHECKPOINT_MAX_CLASSES][CHECKPOINT_CLASS_NAME_MAX];
};

/* Restore the model in the file at path, for batches of up to max_batch
 * samples. On success *out is the caller's, to be freed with
 * restored_model_free(). On failure *out is empty and err says what is
 * wrong: the file's own errors as checkpoint_read() gives them, an error in
 * its experiment at path:line:col of the embedded text, or a model that
 * does not match the weights ("PATH: layer 2 of the model file is dense
 * (64) but its experiment builds dense (32)"). */
int restore_model(const char *path, int max_batch, struct restored_model *out,
		  struct dl_error *err);

/* Free the model and empty *r; an empty *r is fine. */
void restored_model_free(struct restored_model *r);

#endif
