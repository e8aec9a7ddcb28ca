/*
 * summary.h - a model as Keras prints it: one line per layer with its
 * output shape and parameter count, then the totals, trainable and not.
 * `digitlab summary` prints it; the store keeps it with every run
 * (store_put_summary), for the dashboard's model tab. Layers are numbered
 * from 0, as --set and sweeps address them (model.layers[0]); shapes are
 * (height, width, channels), as the images are stored.
 */
#ifndef DL_TRAIN_SUMMARY_H
#define DL_TRAIN_SUMMARY_H

#include <stdio.h>

#include "nn/model.h"
#include "spec/experiment.h"

void model_summary_print(FILE *out, const struct experiment *exp, const struct nn_model *m);

/* The same table as one malloc'd string (*text, the caller frees it), for
 * an experiment whose model input shape is filled in: the model is built
 * (for one sample) to know its shapes and counts, then freed. On error
 * *text is NULL and err says why. */
int model_summary_text(const struct experiment *exp, char **text, struct dl_error *err);

#endif
