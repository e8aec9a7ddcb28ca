/*
 * summary.h - a model as Keras prints it: one line per layer with its
 * output shape and parameter count, then the totals, trainable and not.
 * `digitlab summary` and the dashboard's model tab print it.
 */
#ifndef DL_TRAIN_SUMMARY_H
#define DL_TRAIN_SUMMARY_H

#include <stdio.h>

#include "nn/model.h"
#include "spec/experiment.h"

void model_summary_print(FILE *out, const struct experiment *exp, const struct nn_model *m);

#endif
