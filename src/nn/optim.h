/*
 * optim.h - optimisers over one flat parameter buffer, with Keras's update
 * equations and defaults (man/digitlab-experiment.5 writes them out).
 *
 * An optimiser owns its state (moments, step count) in one allocation, and
 * saves and loads it whole for a checkpoint. The learning rate is passed to every step
 * because schedules change it between steps.
 */
#ifndef DL_NN_OPTIM_H
#define DL_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum nn_optim_type {
	NN_OPTIM_SGD,      /* v = mu v - lr g; w += v (nesterov: w += mu v - lr g) */
	NN_OPTIM_ADAM,
	NN_OPTIM_NADAM,
	NN_OPTIM_RMSPROP,
	NN_OPTIM_ADAGRAD,
};

struct nn_optim_cfg {
	enum nn_optim_type type;
	float lr;           /* sgd 0.01; adam, nadam, rmsprop, adagrad 0.001 */
	float momentum;     /* sgd, rmsprop: 0 */
	int nesterov;       /* sgd: 0 */
	float beta1;        /* adam, nadam: 0.9 */
	float beta2;        /* adam, nadam: 0.999 */
	float epsilon;      /* 1e-7 */
	float rho;          /* rmsprop: 0.9 */
	float initial_accumulator; /* adagrad: 0.1 */
};

/* Fill cfg with Keras's defaults for a type. */
void nn_optim_defaults(struct nn_optim_cfg *cfg, enum nn_optim_type type);

/* "sgd", "adam", ...: indexed by the type, NULL-terminated (model.h says more). */
extern const char *const nn_optim_names[];
const char *nn_optim_name(enum nn_optim_type t);
int nn_optim_from_name(const char *name);   /* -1 when unknown */

struct nn_optim;

int nn_optim_new(struct nn_optim **out, const struct nn_optim_cfg *cfg,
		 size_t n_params, struct dl_error *err);
void nn_optim_free(struct nn_optim *o);

/* One update of params from grads with learning rate lr. */
void nn_optim_step(struct nn_optim *o, float *params, const float *grads, float lr);

/* Share each step between the threads of a pool (nn_model_pool); NULL:
 * the calling thread alone. Every rule is elementwise, so the result is the
 * same for any number of threads. */
struct nn_pool;
void nn_optim_set_pool(struct nn_optim *o, struct nn_pool *pool);

/* Number of steps taken so far. */
uint64_t nn_optim_steps(const struct nn_optim *o);

/* The optimiser's complete state as bytes (for checkpoints), the same on
 * every machine, nn_optim_state_size() of them:
 *   0   8     steps taken (u64, little-endian)
 *   8   8     nadam's product of momentum caches (binary64, little-endian;
 *             1 for the others)
 *   16  4*n*S the S slots of n floats each (binary32, little-endian), in
 *             order: sgd's velocity; adam's and nadam's m, then v;
 *             rmsprop's mean square, then its momentum; adagrad's
 *             accumulator (S is 0 for sgd without momentum)
 * Loading trusts the size: the caller checks it against the saved one. */
#define NN_OPTIM_STATE_HEADER 16
size_t nn_optim_state_size(const struct nn_optim *o);
void nn_optim_state_save(const struct nn_optim *o, void *buf);
void nn_optim_state_load(struct nn_optim *o, const void *buf);

#endif
