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

/* The settings that differ between n flattened experiments: the keys whose
 * value is not the same in all of them (a key that one of them lacks
 * differs; a NULL flats[i] counts as an experiment without keys), leaving
 * out `name`, which tells runs apart rather than describing them. Each key
 * comes once, in a stable order: the first experiment's keys in its order,
 * then the keys that only later ones have, in theirs.
 *
 * Writes at most max of them into keys, as pointers to the flats' own key
 * strings (valid while the flats are), and returns how many there are in
 * all, which is at most the sum of the flats' n. keys may be NULL when max
 * is 0, to count them. */
int spec_flat_differ(const struct flat *const *flats, int n, const char **keys, int max);

#endif
