/*
 * callbacks.h - what changes between epochs: the learning-rate schedule and
 * early stopping, with Keras's semantics.
 *
 * Step-based schedules (piecewise_constant, exponential, cosine) are pure
 * functions of the optimiser step (0-based, the number of updates already
 * made) or of the epoch; reduce_on_plateau and early stopping keep a little
 * state that is updated once per epoch from the monitored metric. All of it
 * is plain data so a checkpoint can save it.
 */
#ifndef DL_TRAIN_CALLBACKS_H
#define DL_TRAIN_CALLBACKS_H

#include <stdint.h>

#define SCHEDULE_MAX_PIECES 32

enum schedule_type {
	SCHEDULE_CONSTANT,
	SCHEDULE_PIECEWISE_CONSTANT, /* values[i] while step <= boundaries[i] */
	SCHEDULE_EXPONENTIAL,        /* lr * rate^(step / decay_steps) */
	SCHEDULE_REDUCE_ON_PLATEAU,  /* lr * factor after `patience` epochs without improvement */
	SCHEDULE_COSINE,             /* lr * ((1 - alpha) * (1 + cos(pi * step / decay_steps)) / 2 + alpha) */
};

enum schedule_unit {
	SCHEDULE_STEPS,              /* boundaries and decay_steps count updates (Keras) */
	SCHEDULE_EPOCHS,             /* ... count completed epochs */
};

enum monitor {
	MONITOR_LOSS,
	MONITOR_ACCURACY,
	MONITOR_VAL_LOSS,
	MONITOR_VAL_ACCURACY,
};

struct schedule_spec {
	enum schedule_type type;
	enum schedule_unit unit;
	/* piecewise_constant: n_boundaries boundaries and n_boundaries + 1 values */
	int n_boundaries;
	double boundaries[SCHEDULE_MAX_PIECES];
	float values[SCHEDULE_MAX_PIECES + 1];
	/* exponential */
	float rate;
	double decay_steps;          /* also cosine */
	int staircase;
	/* cosine */
	float alpha;                 /* final lr as a fraction of the initial */
	/* reduce_on_plateau (Keras defaults: factor 0.1, patience 10,
	 * min_delta 1e-4, cooldown 0, min_lr 0) */
	enum monitor monitor;
	float factor;
	int patience;
	float min_delta;
	int cooldown;
	float min_lr;
};

struct early_stop_spec {
	int enabled;
	enum monitor monitor;        /* default val_loss */
	int patience;                /* epochs without improvement; 0 with target only */
	float min_delta;
	int restore_best;            /* end with the weights of the best epoch */
	int has_target;              /* stop as soon as the monitor reaches target */
	float target;                /* accuracy >= target, or loss <= target */
};

/* Keras defaults for a schedule type. */
void schedule_defaults(struct schedule_spec *s, enum schedule_type type);
void early_stop_defaults(struct early_stop_spec *e);

const char *schedule_type_name(enum schedule_type t);
int schedule_type_from_name(const char *name);     /* -1 when unknown */
const char *monitor_name(enum monitor m);
int monitor_from_name(const char *name);           /* -1 when unknown */
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
