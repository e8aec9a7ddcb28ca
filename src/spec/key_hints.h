/*
 * key_hints.h - where the keys of an experiment file live, for the hint
 * that follows "unknown key": a key misspelt ("optimiser"), written under
 * its Keras name ("learning_rate" for lr), or put in the wrong section
 * ("epochs" at the top level, or in --set epochs=1, is train.epochs).
 */
#ifndef DL_SPEC_KEY_HINTS_H
#define DL_SPEC_KEY_HINTS_H

/* The --set path of a key named by its last part, by a Keras name or with
 * '-' for '_' ("epochs" -> "train.epochs", "learning_rate" ->
 * "train.optimizer.lr", "batch-size" -> "train.batch_size"). NULL when the
 * word names no key, or a key of several sections (patience). */
const char *spec_key_path(const char *word);

/* What to offer for an unknown key of a mapping whose valid keys are the
 * NULL-terminated `keys`: the closest of them by spelling, else the one it
 * is the Keras name of ("lr" for "learning_rate"), else the path of the key
 * it may be elsewhere ("train.epochs"). NULL when nothing fits. */
const char *spec_key_hint(const char *key, const char *const *keys);

#endif
