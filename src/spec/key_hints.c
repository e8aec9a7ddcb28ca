/* Suggestions for unknown keys (key_hints.h). */
#include <string.h>

#include "spec/key_hints.h"
#include "util/suggest.h"

/* Every key whose last part names it alone, by its --set path. Keys of
 * layers and those of several sections (patience, monitor, epsilon, ...)
 * are not here: their section's own list suggests them. */
static const char *const key_paths[] = {
	"name", "seed", "data", "augment", "model", "train", "sweep",
	"data.source", "data.validation", "data.limit", "data.test_limit", "data.scale",
	"data.train_kinds", "data.test_kinds", "data.variants", "data.test_fraction",
	"data.train_images", "data.train_labels", "data.test_images", "data.test_labels",
	"augment.rotation", "augment.zoom", "augment.shift", "model.layers",
	"train.epochs", "train.batch_size", "train.shuffle", "train.inits", "train.loss",
	"train.regularization", "train.regularization.l1", "train.regularization.l2",
	"train.optimizer", "train.optimizer.lr", "train.optimizer.nesterov",
	"train.optimizer.beta1", "train.optimizer.beta2", "train.optimizer.rho",
	"train.optimizer.initial_accumulator", "train.schedule",
	"train.schedule.boundaries", "train.schedule.values", "train.schedule.decay_steps",
	"train.schedule.staircase", "train.schedule.factor", "train.schedule.cooldown",
	"train.schedule.min_lr", "train.early_stopping", "train.early_stopping.restore_best",
	"train.early_stopping.target", NULL,
};

/* Other names people give keys (Keras's, mostly) and ours. */
static const struct { const char *alias, *key; } aliases[] = {
	{"learning_rate", "lr"}, {"epoch", "epochs"}, {"batch", "batch_size"},
	{"batchsize", "batch_size"}, {"validation_split", "validation"},
	{"beta_1", "beta1"}, {"beta_2", "beta2"}, {"decay_rate", "rate"},
	{"restore_best_weights", "restore_best"}, {"kernel_size", "kernel"},
	{"strides", "stride"}, {"pool_size", "size"}, {"kernel_initializer", "init"},
	{"initializer", "init"}, {"initialiser", "init"}, {"activations", "activation"},
	{"layer", "layers"}, {"optimiser", "optimizer"}, {"regularisation", "regularization"},
};

/* word with '-' as '_' into buf. */
static const char *underscored(const char *word, char *buf, size_t size)
{
	size_t i;

	for (i = 0; word[i] && i + 1 < size; i++)
		buf[i] = word[i] == '-' ? '_' : word[i];
	buf[i] = '\0';
	return buf;
}

static const char *alias_of(const char *word)
{
	for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
		if (!strcmp(word, aliases[i].alias))
			return aliases[i].key;
	return word;
}

static const char *last_part(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot ? dot + 1 : path;
}

const char *spec_key_path(const char *word)
{
	char buf[64];
	const char *key = alias_of(underscored(word, buf, sizeof buf));

	for (int i = 0; key_paths[i]; i++)
		if (!strcmp(last_part(key_paths[i]), key))
			return key_paths[i];
	return NULL;
}

static int listed(const char *key, const char *const *keys)
{
	for (int i = 0; keys[i]; i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

const char *spec_key_hint(const char *key, const char *const *keys)
{
	const char *hint = suggest_closest(key, keys), *alias = alias_of(key);

	if (hint)
		return hint;
	if (alias != key && listed(alias, keys))
		return alias;
	return spec_key_path(key);
}
