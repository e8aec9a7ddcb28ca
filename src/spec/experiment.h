/*
 * experiment.h - an experiment file (YAML) as a typed struct.
 *
 * The parser reads YAML with libyaml into a node tree, applies --set
 * overrides to that tree, and converts it into struct experiment, checking
 * every key, type and range on the way. Every problem is reported as
 *   FILE:LINE:COL: error: WHAT
 * with FILE exactly as the caller named it, the position of the offending
 * node, and for an unknown key the closest valid key. Nothing is printed;
 * errors go into struct dl_error.
 *
 * The schema is documented in man/digitlab-experiment.5; this header and
 * that page change together.
 */
#ifndef DL_SPEC_EXPERIMENT_H
#define DL_SPEC_EXPERIMENT_H

#include <stddef.h>
#include <stdint.h>

#include "data/augment.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "nn/optim.h"
#include "train/callbacks.h"
#include "util/error.h"

struct train_spec {
	int epochs;                 /* >= 1 */
	int batch_size;             /* >= 1; 0 means full batch (all of train) */
	int shuffle;                /* reshuffle train every epoch (default 1) */
	int inits;                  /* draw this many initialisations and train the
	                               one of lowest initial training loss (default 1) */
	enum nn_loss loss;          /* default cross_entropy */
	float l1, l2;               /* kernel penalties (default 0) */
	struct nn_optim_cfg optimizer; /* default adam with Keras defaults */
	struct schedule_spec schedule; /* default constant */
	struct early_stop_spec early_stopping; /* default disabled */
};

struct experiment {
	char name[128];             /* default: the file name without .yaml */
	uint64_t seed;              /* default 0 */
	struct data_spec data;
	struct augment_spec augment; /* training images only; all 0 = off */
	struct nn_model_spec model; /* input shape filled from data.source */
	struct train_spec train;
};

/* Fill defaults (every optional key's default value). */
void experiment_defaults(struct experiment *e);

/* Parse YAML text. display_name is used in error messages and to derive the
 * default name. overrides is an array of n_overrides "KEY=VALUE" strings
 * (--set), applied before conversion; KEY is a dotted path such as
 * train.optimizer.lr or model.layers[0].dense.units, VALUE is YAML.
 * An override error reads "--set KEY=VALUE: error: ...". */
int experiment_parse(struct experiment *e, const char *text, size_t len,
		     const char *display_name, const char *const *overrides,
		     int n_overrides, struct dl_error *err);

/* Read and parse a file ("-" is standard input). */
int experiment_load(struct experiment *e, const char *path,
		    const char *const *overrides, int n_overrides,
		    struct dl_error *err);

/* Read a whole experiment file ("-": standard input), at most 16 MiB, into
 * a malloc'd NUL-terminated *text. */
int experiment_read_file(const char *path, char **text, size_t *len, struct dl_error *err);

/* Emit the experiment as canonical YAML (every key, defaults included, in a
 * fixed order), so that parsing the result gives back an equal struct.
 * Returns a malloc'd string or NULL on allocation failure. */
char *experiment_to_yaml(const struct experiment *e);

#endif
