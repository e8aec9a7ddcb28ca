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
#include "util/error.h"

/* ---- training settings: the learning-rate schedule and early stopping ----
 *
 * Plain data, as the file gives them; train/callbacks.h carries them out
 * with Keras's semantics. Step-based schedules (piecewise_constant,
 * exponential, cosine) are functions of the optimiser step or the epoch;
 * reduce_on_plateau and early stopping watch a monitored metric. */

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
	int patience;                /* stop after this many epochs without improvement
	                                (0 as 1, as in Keras); -1: never for that
	                                (a target only). Default 0, or -1 with a target */
	float min_delta;
	int restore_best;            /* end with the weights of the best epoch */
	int has_target;              /* stop as soon as the monitor reaches target */
	float target;                /* accuracy >= target, or loss <= target */
};

/* Keras defaults for a schedule type. */
void schedule_defaults(struct schedule_spec *s, enum schedule_type type);
void early_stop_defaults(struct early_stop_spec *e);

/* Names as the file writes them: each table is indexed by its enum and ends
 * with NULL. The *_name functions return "?" for a value out of range. */
extern const char *const schedule_type_names[];
extern const char *const schedule_unit_names[];
extern const char *const monitor_names[];
const char *schedule_type_name(enum schedule_type t);
int schedule_type_from_name(const char *name);     /* -1 when unknown */
const char *schedule_unit_name(enum schedule_unit u);
const char *monitor_name(enum monitor m);
int monitor_from_name(const char *name);           /* -1 when unknown */

/* ---- the experiment ---- */

struct train_spec {
	int epochs;                 /* >= 1 */
	int batch_size;             /* >= 1; 0 means full batch (all of train) */
	int shuffle;                /* reshuffle train every epoch (default 1) */
	int inits;                  /* draw this many initialisations and train the
	                               one of lowest initial training loss (default 1) */
	int threads;                /* 1..256, TRAIN_THREADS_AUTO, or 0: not given
	                               (the command's --threads decides, default 1) */
	enum nn_loss loss;          /* default cross_entropy */
	float l1, l2;               /* kernel penalties (default 0) */
	struct nn_optim_cfg optimizer; /* default adam with Keras defaults */
	struct schedule_spec schedule; /* default constant */
	struct early_stop_spec early_stopping; /* default disabled */
};

/* train.threads: auto: as many as pay for this model on this machine
 * (nn_model_auto_threads). */
#define TRAIN_THREADS_AUTO (-1)

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

/* Experiment files by name, for `digitlab queue add nb004-cnn`: a NAME that
 * is no file and holds no '/' is looked for as experiments/NAME.yaml in the
 * current directory, then as NAME.yaml among the installed examples
 * (experiment_install_dir(): $(pkgdatadir)/experiments). path receives the
 * file to read; an argument that is a file, "-" or holds a '/' is taken
 * as it is. Not found: err names the places looked in. */
int experiment_find(const char *name, char *path, size_t size, struct dl_error *err);
const char *experiment_install_dir(void);
/* Where to list experiments from (the dashboard's picker): "experiments"
 * when the current directory has one, else the installed examples. */
const char *experiment_default_dir(void);

/* Emit the experiment as canonical YAML (every key, defaults included, in a
 * fixed order), so that parsing the result gives back an equal struct.
 * Returns a malloc'd string or NULL on allocation failure. */
char *experiment_to_yaml(const struct experiment *e);

#endif
