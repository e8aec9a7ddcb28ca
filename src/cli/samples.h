/*
 * samples.h - the answers of runs sample by sample, printed: the samples a
 * run flipped between an epoch and its last (`show --flips`), a
 * validation confusion matrix at any epoch (`show --epoch`), and the
 * samples one run fixes and breaks against another (`compare --samples`).
 * Each prints to stdout and returns the command's exit status, having
 * printed its own errors.
 */
#ifndef DL_CLI_SAMPLES_H
#define DL_CLI_SAMPLES_H

#include <stdint.h>

#include "store/store.h"

#define SAMPLES_MAX_DIGITS 10   /* digits drawn per list unless --max says */

/* `show RUN --flips [--epoch K]`: epoch 0 means the first kept. */
int samples_show_flips(struct store *s, int64_t id, int epoch, int max, int ascii);

/* The validation confusion of epoch K into counts (K x K, *k classes).
 * Prints the error and returns 1 when the run kept no such epoch. */
int samples_epoch_confusion(struct store *s, int64_t id, int epoch, int *k, int *counts);

/* `compare A B --samples`: what b fixes and breaks of a's test answers. */
int samples_compare(struct store *s, int64_t a, int64_t b, int max, int ascii);

#endif
