/*
 * callbacks.h - what changes between epochs: the learning-rate schedule and
 * early stopping, with Keras's semantics.
 *
 * Step-based schedules (piecewise_constant, exponential, cosine) are pure
 * functions of the optimiser step (0-based, the number of updates already
 * made) or of the epoch; reduce_on_plateau and early stopping keep a little
 * state that is updated once per epoch from the monitored metric. All of it
 * is plain data so a checkpoint can save it. The settings themselves
 * (struct schedule_spec, struct early_stop_spec) are the experiment file's,
 * in spec/experiment.h.
 */
#ifndef DL_TRAIN_CALLBACKS_H
#define DL_TRAIN_CALLBACKS_H

#include <stdint.h>

#include "spec/experiment.h"

/* 1 when larger values of the monitor are better (accuracies). */
int monitor_higher_is_better(enum monitor m);

/* Learning rate of a step-based schedule at a step / epoch (0-based).
 * For constant and reduce_on_plateau returns base_lr. */
float schedule_lr(const struct schedule_spec *s, float base_lr,
		  uint64_t step, int epoch);

struct plateau_state {
	float lr;                    /* current learning rate */
	double best;                 /* best monitored value so far */
	int wait;                    /* epochs without improvement */
	int cooldown_left;
};

void plateau_init(struct plateau_state *p, const struct schedule_spec *s, float lr);
/* After an epoch: returns 1 when the learning rate was reduced. */
int plateau_update(struct plateau_state *p, const struct schedule_spec *s, double value);

struct early_stop_state {
	double best;
	int best_epoch;              /* 1-based, 0 before any epoch */
	int wait;
};

void early_stop_init(struct early_stop_state *st, const struct early_stop_spec *e);
/* After epoch `epoch` (1-based) with the monitored value. Sets *improved when
 * this epoch is the best so far; returns 1 when training should stop. */
int early_stop_update(struct early_stop_state *st, const struct early_stop_spec *e,
		      int epoch, double value, int *improved);

#endif
