/*
 * flat.h - an experiment's canonical YAML (experiment_to_yaml) as a flat
 * list of "path: value" pairs, for showing what differs between runs:
 * model.layers[1].dense.units, train.optimizer.lr, ...
 *
 * Canonical YAML is regular (two-space indents, one key or list item per
 * line, flow mappings on one line), which is all this reads; flow mappings
 * are taken apart key by key, so that one changed field of a layer shows
 * as itself.
 */
#ifndef DL_SPEC_FLAT_H
#define DL_SPEC_FLAT_H

#define FLAT_MAX 1024

struct flat {
	int n;
	char key[FLAT_MAX][96];
	char value[FLAT_MAX][160];
};

/* Flatten canonical YAML into f (at most FLAT_MAX pairs). */
void spec_flatten(const char *yaml, struct flat *f);

/* The value of key, or NULL. */
const char *spec_flat_get(const struct flat *f, const char *key);

#endif
