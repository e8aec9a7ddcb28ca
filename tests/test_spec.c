/*
 * test_spec.c - the experiment file parser: a full good file, a table of bad
 * inputs with the exact error each must give, --set overrides, the canonical
 * emit round trip, and hostile inputs (billion laughs, deep nesting).
 */
#include "tap.h"

#include <stdlib.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "spec/experiment.h"
#include "spec/flat.h"
#include "spec/yaml_tree.h"

#define LAYERS "model:\n  layers:\n    - dense: {units: 10}\n"

/* Parse and return the formatted error, or "(parsed)". */
static const char *parse_err_set(const char *yaml, const char *const *sets, int n_sets)
{
	static char buf[2048];
	struct experiment e;
	struct dl_error err;

	dl_error_clear(&err);
	if (experiment_parse(&e, yaml, strlen(yaml), "t.yaml", sets, n_sets, &err) == DL_OK)
		return "(parsed)";
	dl_error_format(&err, buf, sizeof buf);
	return buf;
}

static const char *parse_err(const char *yaml)
{
	return parse_err_set(yaml, NULL, 0);
}

static const char full_file[] =
	"# a full experiment\n"
	"name: full-test\n"
	"seed: 42\n"
	"data:\n"
	"  source: mnist\n"
	"  validation: 0.1\n"
	"  limit: 5000\n"
	"  test_limit: null\n"
	"  scale: 0.5\n"
	"model:\n"
	"  init: he_normal\n"
	"  layers:\n"
	"    - flatten: {}\n"
	"    - dense: {units: 128, activation: leaky_relu, alpha: 0.1}\n"
	"    - dropout: 0.25\n"
	"    - dense: {units: 64, activation: elu, init: {type: uniform, low: -0.5, high: 0.5}}\n"
	"    - dropout: {rate: .5}\n"
	"    - dense:\n"
	"        units: 10\n"
	"        activation: softmax\n"
	"train:\n"
	"  epochs: 30\n"
	"  batch_size: 64\n"
	"  shuffle: false\n"
	"  loss: mse\n"
	"  regularization: {l1: 1e-5, l2: 0.0001}\n"
	"  optimizer: {type: sgd, lr: 0.05, momentum: 0.9, nesterov: true}\n"
	"  schedule: {type: reduce_on_plateau, monitor: val_loss, factor: 0.2, patience: 4,"
	" min_lr: 1.0e-8}\n"
	"  early_stopping: {monitor: val_accuracy, target: 0.9962}\n";

static void test_full(void)
{
	struct experiment e, z;
	struct dl_error err;
	int rc;

	dl_error_clear(&err);
	rc = experiment_parse(&e, full_file, strlen(full_file), "experiments/full.yaml",
			      NULL, 0, &err);
	ok(rc == DL_OK, "full file parses (%s)", err.msg);
	is_str(e.name, "full-test", "name");
	ok(e.seed == 42, "seed");
	ok(e.data.source == DATA_MNIST, "source");
	ok(e.data.validation == DATA_VAL_FRACTION, "validation is a fraction");
	is_near(e.data.validation_fraction, 0.1, 1e-7, "validation fraction");
	ok(e.data.limit == 5000 && e.data.test_limit == 0, "limits");
	is_near(e.data.scale, 0.5, 0, "scale");
	ok(e.model.input.c == 0 && e.model.input.h == 0 && e.model.input.w == 0,
	   "input shape left for the caller");
	ok(e.model.init == NN_INIT_HE_NORMAL, "model init");
	ok(e.model.n_layers == 6, "six layers");
	ok(e.model.layers[0].kind == NN_LAYER_FLATTEN, "flatten");
	ok(e.model.layers[1].kind == NN_LAYER_DENSE && e.model.layers[1].units == 128 &&
	   e.model.layers[1].activation == NN_ACT_LEAKY_RELU && !e.model.layers[1].has_init,
	   "dense 128 leaky_relu");
	is_near(e.model.layers[1].alpha, 0.1, 1e-7, "alpha given");
	ok(e.model.layers[2].kind == NN_LAYER_DROPOUT, "dropout");
	is_near(e.model.layers[2].rate, 0.25, 0, "dropout rate scalar form");
	ok(e.model.layers[3].has_init && e.model.layers[3].init == NN_INIT_UNIFORM &&
	   e.model.layers[3].activation == NN_ACT_ELU, "dense with own uniform init");
	is_near(e.model.layers[3].alpha, 1.0, 0, "elu alpha default 1");
	is_near(e.model.layers[3].init_low, -0.5, 0, "init low");
	is_near(e.model.layers[3].init_high, 0.5, 0, "init high");
	is_near(e.model.layers[4].rate, 0.5, 0, "dropout rate mapping form, .5");
	ok(e.model.layers[5].units == 10 && e.model.layers[5].activation == NN_ACT_SOFTMAX,
	   "block-style dense");
	ok(e.train.epochs == 30 && e.train.batch_size == 64 && !e.train.shuffle,
	   "epochs, batch, shuffle");
	ok(e.train.loss == NN_LOSS_MSE, "loss");
	is_near(e.train.l1, 1e-5, 1e-9, "l1");
	is_near(e.train.l2, 1e-4, 1e-9, "l2");
	ok(e.train.optimizer.type == NN_OPTIM_SGD && e.train.optimizer.nesterov == 1,
	   "sgd nesterov");
	is_near(e.train.optimizer.lr, 0.05, 1e-9, "lr");
	is_near(e.train.optimizer.momentum, 0.9, 1e-7, "momentum");
	ok(e.train.schedule.type == SCHEDULE_REDUCE_ON_PLATEAU &&
	   e.train.schedule.monitor == MONITOR_VAL_LOSS && e.train.schedule.patience == 4,
	   "plateau schedule");
	is_near(e.train.schedule.factor, 0.2, 1e-7, "factor");
	is_near(e.train.schedule.min_lr, 1e-8, 1e-15, "min_lr 1.0e-8");
	is_near(e.train.schedule.min_delta, 1e-4, 1e-10, "min_delta default");
	ok(e.train.early_stopping.enabled && e.train.early_stopping.has_target &&
	   e.train.early_stopping.monitor == MONITOR_VAL_ACCURACY,
	   "early stopping with target");
	is_near(e.train.early_stopping.target, 0.9962, 1e-7, "target");
	ok(e.train.early_stopping.patience == -1, "a target without patience: no patience");

	/* the defaults */
	dl_error_clear(&err);
	rc = experiment_parse(&e, LAYERS, strlen(LAYERS), "dir/my-exp.yml", NULL, 0, &err);
	ok(rc == DL_OK, "minimal file parses");
	is_str(e.name, "my-exp", "default name from the file name");
	ok(e.seed == 0 && e.data.source == DATA_MNIST && e.data.validation == DATA_VAL_NONE,
	   "default seed, source, validation");
	ok(e.train.epochs == 10 && e.train.batch_size == 32 && e.train.shuffle == 1 &&
	   e.train.loss == NN_LOSS_CROSS_ENTROPY, "default train");
	ok(e.train.optimizer.type == NN_OPTIM_ADAM && e.model.init == NN_INIT_GLOROT_UNIFORM,
	   "default adam, glorot_uniform");
	ok(e.model.layers[0].activation == NN_ACT_LINEAR, "default activation linear");
	ok(!e.train.early_stopping.enabled && e.train.schedule.type == SCHEDULE_CONSTANT,
	   "no early stopping, constant schedule");
	experiment_defaults(&z);
	ok(e.train.epochs == z.train.epochs && !memcmp(&e.data, &z.data, sizeof z.data),
	   "experiment_defaults agrees");
	rc = experiment_parse(&e, LAYERS, strlen(LAYERS), "-", NULL, 0, &err);
	is_str(e.name, "stdin", "'-' is named stdin");

	{
		const char *y = "data:\n  source: idx\n  train_images: a/ti.gz\n"
			"  train_labels: a/tl\n  test_images: \"b c\"\n  test_labels: b/l\n"
			"  validation: test\n" LAYERS "train:\n  batch_size: full\n"
			"  optimizer: rmsprop\n";

		rc = experiment_parse(&e, y, strlen(y), "t.yaml", NULL, 0, &err);
		ok(rc == DL_OK, "idx file parses (%s)", err.msg);
		ok(e.data.source == DATA_IDX && !strcmp(e.data.train_images, "a/ti.gz") &&
		   !strcmp(e.data.test_images, "b c") && e.data.validation == DATA_VAL_TEST,
		   "idx paths, validation test");
		ok(e.train.batch_size == 0, "batch_size full is 0");
		is_int(e.train.threads, 0, "no train.threads: 0, the command decides");
		ok(e.train.optimizer.type == NN_OPTIM_RMSPROP, "optimizer by name");
		is_near(e.train.optimizer.rho, 0.9, 1e-7, "rmsprop default rho");
	}
	{
		const char *y = LAYERS "train:\n  threads: auto\n";
		const char *n = LAYERS "train:\n  threads: 3\n";
		char *text;

		rc = experiment_parse(&e, y, strlen(y), "t.yaml", NULL, 0, &err);
		ok(rc == DL_OK && e.train.threads == TRAIN_THREADS_AUTO, "train.threads: auto");
		text = experiment_to_yaml(&e);
		ok(text && strstr(text, "\n  threads: auto\n"), "auto is written back");
		free(text);
		rc = experiment_parse(&e, n, strlen(n), "t.yaml", NULL, 0, &err);
		ok(rc == DL_OK && e.train.threads == 3, "train.threads: 3");
		text = experiment_to_yaml(&e);
		ok(text && strstr(text, "\n  threads: 3\n"), "a count is written back");
		free(text);
	}
	{
		const char *y = "data:\n  source: font5x7\n  train_kinds: [normal, digital-small]\n"
			"  test_kinds: [hand]\n  variants: 4\n" LAYERS;

		rc = experiment_parse(&e, y, strlen(y), "t.yaml", NULL, 0, &err);
		ok(rc == DL_OK, "font5x7 file parses (%s)", err.msg);
		ok(e.data.train_kinds == ((1u << 0) | (1u << 3)) && e.data.test_kinds == (1u << 4) &&
		   e.data.variants == 4, "font kinds as bits, variants");
	}
}

struct bad {
	const char *yaml;
	const char *want;
};

static const struct bad bad_inputs[] = {
	/* unknown keys */
	{LAYERS "train:\n  epochs: 3\n  optimiser: adam\n",
	 "t.yaml:6:3: error: unknown key 'optimiser' in train (did you mean 'optimizer'?)"},
	{"modle:\n  layers: []\n",
	 "t.yaml:1:1: error: unknown key 'modle' at top level (did you mean 'model'?)"},
	{LAYERS "augment: {rotation: 200}\n",
	 "t.yaml:4:21: error: augment.rotation: must be between 0 and 180 degrees, found 200"},
	{LAYERS "augment: {zoom: 1}\n",
	 "t.yaml:4:17: error: augment.zoom: must be in [0, 1), found 1"},
	{LAYERS "augment: {shear: 1}\n",
	 "t.yaml:4:11: error: unknown key 'shear' in augment"},
	{LAYERS "train:\n  optimizer: {type: adam, learning_rate: 0.1}\n",
	 "t.yaml:5:27: error: unknown key 'learning_rate' in train.optimizer (did you mean 'lr'?)"},
	{"model:\n  layers:\n    - dense: {units: 10, activaton: relu}\n",
	 "t.yaml:3:26: error: unknown key 'activaton' in model.layers[0].dense "
	 "(did you mean 'activation'?)"},
	/* unknown names */
	{"model:\n  layers:\n    - dense: {units: 10, activation: rleu}\n",
	 "t.yaml:3:38: error: unknown activation 'rleu' (expected one of: linear, sigmoid, "
	 "tanh, relu, leaky_relu, elu, selu, softmax; did you mean 'relu'?)"},
	{"model:\n  layers:\n    - dens: {units: 10}\n",
	 "t.yaml:3:7: error: unknown layer kind 'dens' (expected one of: dense, dropout, "
	 "flatten, conv2d, maxpool2d, avgpool2d, batchnorm; did you mean 'dense'?)"},
	{"model:\n  layers:\n    - conv2: {filters: 8, kernel: 3}\n",
	 "t.yaml:3:7: error: unknown layer kind 'conv2' (expected one of: dense, dropout, "
	 "flatten, conv2d, maxpool2d, avgpool2d, batchnorm; did you mean 'conv2d'?)"},
	/* convolution, pooling and batchnorm layers */
	{"model:\n  layers:\n    - conv2d: {kernel: 3}\n",
	 "t.yaml:3:15: error: missing required key 'filters' in model.layers[0].conv2d"},
	{"model:\n  layers:\n    - conv2d: {filters: 8}\n",
	 "t.yaml:3:15: error: missing required key 'kernel' in model.layers[0].conv2d"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel: 0}\n",
	 "t.yaml:3:36: error: model.layers[0].conv2d.kernel: must be between 1 and 64, found 0"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel: [3, 3, 3]}\n",
	 "t.yaml:3:36: error: model.layers[0].conv2d.kernel: expected N or [HEIGHT, WIDTH], "
	 "found a sequence of 3"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel: [3, x]}\n",
	 "t.yaml:3:40: error: model.layers[0].conv2d.kernel[1]: expected an integer, found 'x'"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel: 3, padding: full}\n",
	 "t.yaml:3:48: error: unknown padding 'full' (expected one of: valid, same)"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel: 3, strides: 2}\n",
	 "t.yaml:3:39: error: unknown key 'strides' in model.layers[0].conv2d "
	 "(did you mean 'stride'?)"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel: 3, alpha: 0.1}\n",
	 "t.yaml:3:39: error: alpha is only valid with activation leaky_relu or elu"},
	{"model:\n  layers:\n    - maxpool2d: {size: [2, 3]}\n",
	 "t.yaml:3:18: error: model.layers[0].maxpool2d: give a stride for a window that "
	 "is not square"},
	{"model:\n  layers:\n    - avgpool2d: [2]\n",
	 "t.yaml:3:18: error: model.layers[0].avgpool2d: expected a size or a mapping, "
	 "found a sequence"},
	{"model:\n  layers:\n    - batchnorm: {momentum: 1}\n",
	 "t.yaml:3:29: error: model.layers[0].batchnorm.momentum: must be in [0, 1), found 1"},
	{"model:\n  layers:\n    - batchnorm: {epsilon: 0}\n",
	 "t.yaml:3:28: error: model.layers[0].batchnorm.epsilon: must be greater than 0, "
	 "found 0"},
	{"model:\n  layers:\n    - batchnorm: 0.99\n",
	 "t.yaml:3:18: error: model.layers[0].batchnorm: expected a mapping, found '0.99'"},
	{LAYERS "train:\n  loss: crossentropy\n",
	 "t.yaml:5:9: error: unknown loss 'crossentropy' (expected one of: cross_entropy, mse, "
	 "sse, hinge; did you mean 'cross_entropy'?)"},
	{LAYERS "train:\n  optimizer: adamw\n",
	 "t.yaml:5:14: error: unknown optimizer 'adamw' (expected one of: sgd, adam, nadam, "
	 "rmsprop, adagrad; did you mean 'adam'?)"},
	{"data:\n  source: mnits\n" LAYERS,
	 "t.yaml:2:11: error: unknown source 'mnits' (expected one of: mnist, fashion-mnist, "
	 "digits8x8, font5x7, idx, folder, csv; did you mean 'mnist'?)"},
	{"model:\n  init: glorot\n  layers: [{dense: {units: 1}}]\n",
	 "t.yaml:2:9: error: unknown init 'glorot' (expected one of: glorot_uniform, "
	 "glorot_normal, he_uniform, he_normal, uniform01, uniform)"},
	{"data:\n  source: font5x7\n  train_kinds: [normal, hnd]\n" LAYERS,
	 "t.yaml:3:25: error: unknown font kind 'hnd' (expected one of: normal, small, digital, "
	 "digital-small, hand; did you mean 'hand'?)"},
	{LAYERS "train:\n  schedule: {type: cosin}\n",
	 "t.yaml:5:20: error: unknown schedule 'cosin' (expected one of: constant, "
	 "piecewise_constant, exponential, reduce_on_plateau, cosine; did you mean 'cosine'?)"},
	/* wrong types */
	{LAYERS "train:\n  epochs: ten\n",
	 "t.yaml:5:11: error: train.epochs: expected an integer, found 'ten'"},
	{LAYERS "train:\n  epochs: \"10\"\n",
	 "t.yaml:5:11: error: train.epochs: expected an integer, found the string \"10\""},
	{LAYERS "train:\n  epochs: 1.5\n",
	 "t.yaml:5:11: error: train.epochs: expected an integer, found '1.5'"},
	{LAYERS "train:\n  - epochs\n",
	 "t.yaml:5:3: error: train: expected a mapping, found a sequence"},
	{LAYERS "train:\n  optimizer: {type: adam, lr: fast}\n",
	 "t.yaml:5:31: error: train.optimizer.lr: expected a number, found 'fast'"},
	{LAYERS "train:\n  shuffle: yes\n",
	 "t.yaml:5:12: error: train.shuffle: expected true or false, found 'yes'"},
	{"name: [a, b]\n" LAYERS,
	 "t.yaml:1:7: error: name: expected a string, found a sequence"},
	{LAYERS "train:\n  batch_size: lots\n",
	 "t.yaml:5:15: error: train.batch_size: expected an integer or \"full\", found 'lots'"},
	{LAYERS "train:\n  threads: lots\n",
	 "t.yaml:5:12: error: train.threads: expected an integer or \"auto\", found 'lots'"},
	{LAYERS "train:\n  threads: 0\n",
	 "t.yaml:5:12: error: train.threads: must be between 1 and 256, found 0"},
	{LAYERS "train:\n  threads: [2]\n",
	 "t.yaml:5:12: error: train.threads: expected an integer or \"auto\", found a sequence"},
	{LAYERS "train:\n  regularization: {l1: null}\n",
	 "t.yaml:5:24: error: train.regularization.l1: expected a number, found null"},
	{"model:\n  layers:\n    - dense\n",
	 "t.yaml:3:7: error: model.layers[0]: a layer kind is a key with its settings: "
	 "write '- dense: {units: 10}'"},
	{"model:\n  layers:\n    - dense: {units: 10}\n    - batchnorm\n",
	 "t.yaml:4:7: error: model.layers[1]: a layer kind is a key with its settings: "
	 "write '- batchnorm: {}'"},
	{"model:\n  layers:\n    - relu\n",
	 "t.yaml:3:7: error: model.layers[0]: expected a layer such as {dense: {units: 10}}, "
	 "found 'relu'"},
	/* monitors of a validation set that is not there */
	{LAYERS "train:\n  early_stopping: {monitor: val_loss, patience: 2}\n",
	 "t.yaml:5:29: error: train.early_stopping: monitor val_loss needs a validation set: "
	 "add data.validation (a fraction such as 0.1, or test), or monitor loss"},
	{LAYERS "train:\n  early_stopping: {}\n",
	 "t.yaml:5:3: error: train.early_stopping: monitor val_loss needs a validation set: "
	 "add data.validation (a fraction such as 0.1, or test), or monitor loss"},
	{LAYERS "train:\n  schedule: {type: reduce_on_plateau, monitor: val_accuracy}\n",
	 "t.yaml:5:48: error: train.schedule: reduce_on_plateau's monitor val_accuracy needs "
	 "a validation set: add data.validation (a fraction such as 0.1, or test), or monitor "
	 "loss"},
	{LAYERS "train:\n  schedule: reduce_on_plateau\n",
	 "t.yaml:5:3: error: train.schedule: reduce_on_plateau's monitor val_loss needs "
	 "a validation set: add data.validation (a fraction such as 0.1, or test), or monitor "
	 "loss"},
	{LAYERS "train:\n  early_stopping: {monitor: loss, patience: null}\n",
	 "t.yaml:5:45: error: train.early_stopping: without patience or a target it would "
	 "never stop; give patience (epochs without improvement) or target"},
	/* keys in the wrong place or under another name */
	{"epochs: 5\n" LAYERS,
	 "t.yaml:1:1: error: unknown key 'epochs' at top level (did you mean 'train.epochs'?)"},
	{LAYERS "train:\n  lr: 0.1\n",
	 "t.yaml:5:3: error: unknown key 'lr' in train (did you mean 'train.optimizer.lr'?)"},
	{LAYERS "train:\n  early_stopping: {monitor: loss, restore_best_weights: true}\n",
	 "t.yaml:5:35: error: unknown key 'restore_best_weights' in train.early_stopping "
	 "(did you mean 'restore_best'?)"},
	{"model:\n  layers:\n    - conv2d: {filters: 8, kernel_size: 3}\n",
	 "t.yaml:3:28: error: unknown key 'kernel_size' in model.layers[0].conv2d "
	 "(did you mean 'kernel'?)"},
	/* YAML mistakes, said as what to do */
	{"model:\n\tlayers: []\n",
	 "t.yaml:2:1: error: invalid YAML: a tab where YAML wants spaces: indent with spaces only"},
	{LAYERS "sweep:\n  grid: {model.layers[0].dense.units: [5, 10]}\n",
	 "t.yaml:5:22: error: invalid YAML: a key with [ ] inside { } must be quoted, as in "
	 "{\"model.layers[0].dense.units\": [...]}"},
	{"model:\n  layers:\n    - dense: {units: 10}\n      dropout: 0.5\n",
	 "t.yaml:4:7: error: model.layers[0]: a layer has exactly one key, its kind (found "
	 "'dense' and 'dropout'; start each layer with '- ')"},
	/* out of range */
	{LAYERS "train:\n  epochs: 0\n",
	 "t.yaml:5:11: error: train.epochs: must be between 1 and 1000000, found 0"},
	{LAYERS "train:\n  epochs: 99999999999999999999\n",
	 "t.yaml:5:11: error: train.epochs: must be between 1 and 1000000, found "
	 "99999999999999999999"},
	{"data:\n  validation: 1.5\n" LAYERS,
	 "t.yaml:2:15: error: data.validation: must be a fraction in (0, 1) or \"test\", "
	 "found 1.5"},
	{"data:\n  validation: tst\n" LAYERS,
	 "t.yaml:2:15: error: data.validation: expected a fraction in (0, 1) or \"test\", "
	 "found 'tst'"},
	{LAYERS "train:\n  batch_size: 0\n",
	 "t.yaml:5:15: error: train.batch_size: must be at least 1, found 0"},
	{"seed: -1\n" LAYERS, "t.yaml:1:7: error: seed: must be at least 0, found -1"},
	{"data:\n  scale: 0\n" LAYERS, "t.yaml:2:10: error: data.scale: must be greater than 0, found 0"},
	{"data:\n  limit: 0\n" LAYERS, "t.yaml:2:10: error: data.limit: must be at least 1, found 0"},
	{"model:\n  layers:\n    - dense: {units: 0}\n",
	 "t.yaml:3:22: error: model.layers[0].dense.units: must be between 1 and 100000, found 0"},
	{"model:\n  layers:\n    - dense: {units: 10}\n    - dropout: 1.0\n",
	 "t.yaml:4:16: error: model.layers[1].dropout: must be in [0, 1), found 1.0"},
	{LAYERS "train:\n  optimizer: {type: sgd, lr: 0}\n",
	 "t.yaml:5:30: error: train.optimizer.lr: must be greater than 0, found 0"},
	{LAYERS "train:\n  optimizer: {type: sgd, momentum: 1}\n",
	 "t.yaml:5:36: error: train.optimizer.momentum: must be in [0, 1), found 1"},
	{LAYERS "train:\n  optimizer: {type: sgd, momentum: 0.99999999999}\n",
	 "t.yaml:5:36: error: train.optimizer.momentum: must be in [0, 1), found 0.99999999999"},
	{LAYERS "train:\n  regularization: {l1: -1}\n",
	 "t.yaml:5:24: error: train.regularization.l1: must be at least 0, found -1"},
	{"data:\n  source: font5x7\n  variants: 1001\n" LAYERS,
	 "t.yaml:3:13: error: data.variants: must be between 0 and 1000, found 1001"},
	{"model:\n  init: {type: uniform, low: 1, high: 0}\n  layers: [{dense: {units: 1}}]\n",
	 "t.yaml:2:9: error: model.init: low must be less than high (found low 1, high 0)"},
	/* parameters that belong to another kind */
	{LAYERS "train:\n  optimizer: {type: adam, momentum: 0.9}\n",
	 "t.yaml:5:27: error: momentum is not a parameter of adam"},
	{"model:\n  init: {type: he_normal, low: 0}\n  layers: [{dense: {units: 1}}]\n",
	 "t.yaml:2:27: error: low is not a parameter of he_normal"},
	{"model:\n  layers:\n    - dense: {units: 10, activation: relu, alpha: 0.1}\n",
	 "t.yaml:3:44: error: alpha is only valid with activation leaky_relu or elu"},
	{LAYERS "train:\n  schedule: {type: reduce_on_plateau, rate: 0.5}\n",
	 "t.yaml:5:39: error: rate is not a parameter of reduce_on_plateau"},
	{"data:\n  train_images: x\n" LAYERS,
	 "t.yaml:2:3: error: train_images is only valid with source: idx"},
	{"data:\n  variants: 3\n" LAYERS,
	 "t.yaml:2:3: error: variants is only valid with source: font5x7"},
	/* folder and csv */
	{"data:\n  source: folder\n" LAYERS,
	 "t.yaml:2:3: error: missing required key 'path' (source: folder)"},
	{"data:\n  path: x\n" LAYERS,
	 "t.yaml:2:3: error: path is only valid with source: folder or csv"},
	{"data:\n  source: csv\n  path: x\n  invert: true\n" LAYERS,
	 "t.yaml:4:3: error: invert is only valid with source: folder"},
	{"data:\n  source: folder\n  path: x\n  size: [28, 0]\n" LAYERS,
	 "t.yaml:4:14: error: data.size[1]: must be between 1 and 1024, found 0"},
	{"data:\n  source: folder\n  path: x\n  bad_images: ignore\n" LAYERS,
	 "t.yaml:4:15: error: unknown bad_images 'ignore' (expected one of: error, skip)"},
	{"data:\n  source: folder\n  path: x\n  test: y\n  test_fraction: 0.2\n" LAYERS,
	 "t.yaml:5:3: error: test_fraction and test exclude each other: the test set is either held out or given"},
	{"data:\n  source: folder\n  path: x\n  classes: 3\n" LAYERS,
	 "t.yaml:4:3: error: classes is only valid with source: idx or csv (a folder's classes are its subfolders)"},
	{"data:\n  source: csv\n  path: x\n  classes: [a, b, a]\n" LAYERS,
	 "t.yaml:4:19: error: data.classes[2]: 'a' is also class 0"},
	{"data:\n  source: csv\n  path: x\n  classes: [a]\n" LAYERS,
	 "t.yaml:4:12: error: data.classes: expected 2 to 128 class names, found 1"},
	{"data:\n  source: csv\n  path: x\n  classes: 200\n" LAYERS,
	 "t.yaml:4:12: error: data.classes: must be between 2 and 128, found 200"},
	{"data:\n  source: csv\n  path: x\n  classes: [a, \"b\\tc\"]\n" LAYERS,
	 "t.yaml:4:16: error: data.classes[1]: a class name must not be empty or hold control or bidirectional control characters"},
	{"data:\n  source: csv\n  path: x\n  classes: [a, \"b\\u202ec\"]\n" LAYERS,
	 "t.yaml:4:16: error: data.classes[1]: a class name must not be empty or hold control or bidirectional control characters"},
	{"data:\n  source: idx\n  train_images: a\n  test_images: b\n  test_labels: c\n" LAYERS,
	 "t.yaml:2:3: error: missing required key 'train_labels' (source: idx)"},
	/* missing required keys */
	{"name: x\n", "t.yaml:1:1: error: missing required key 'model'"},
	{"# c\nmodel:\n  init: he_normal\n",
	 "t.yaml:3:3: error: missing required key 'layers' in model"},
	{LAYERS "train:\n  schedule: {rate: 0.1}\n",
	 "t.yaml:5:13: error: missing required key 'type' in train.schedule"},
	{"model:\n  layers:\n    - dense: {activation: relu}\n",
	 "t.yaml:3:14: error: missing required key 'units' in model.layers[0].dense"},
	{"model:\n  layers: []\n", "t.yaml:2:11: error: model.layers: give at least one layer"},
	{LAYERS "train:\n  schedule: {type: piecewise_constant, boundaries: [10, 20], "
	 "values: [0.1, 0.01]}\n",
	 "t.yaml:5:70: error: train.schedule.values: give one value more than boundaries (3), "
	 "found 2"},
	/* duplicates */
	{LAYERS "train:\n  epochs: 3\n  batch_size: 4\n  epochs: 5\n",
	 "t.yaml:7:3: error: duplicate key 'epochs' in train (first given at line 5)"},
	/* the document itself */
	{"name: a: b\n",
	 "t.yaml:1:8: error: invalid YAML: mapping values are not allowed in this context"},
	{"model: [a, b\n",
	 "t.yaml:2:1: error: invalid YAML: did not find expected ',' or ']' "
	 "(while parsing a flow sequence at line 1, column 8)"},
	{"- a\n- b\n", "t.yaml:1:1: error: the document must be a mapping of keys (name, seed, "
	 "data, augment, model, train), found a sequence"},
	{"", "t.yaml:1:1: error: empty experiment file"},
	{"# nothing here\n\n   \n", "t.yaml:1:1: error: empty experiment file"},
	{LAYERS "---\nname: b\n",
	 "t.yaml:4:1: error: more than one YAML document (an experiment file is one document)"},
	{"name: &n x\n" LAYERS,
	 "t.yaml:1:7: error: anchors and aliases are not supported in experiment files"},
	{LAYERS "name: *n\n", "t.yaml:4:7: error: aliases are not supported in experiment files"},
	{"seed: !!int 3\n" LAYERS, "t.yaml:1:7: error: tags are not supported in experiment files"},
	{"? [a]\n: b\n", "t.yaml:1:3: error: mapping keys must be plain strings, found a sequence"},
	{"name: \"a\\0b\"\n" LAYERS, "t.yaml:1:7: error: NUL characters are not allowed in values"},
	{"name: a\xff\n" LAYERS,
	 "t.yaml:1:8: error: invalid YAML: invalid leading UTF-8 octet (byte 0xff)"},
	/* a refused character is named as a character, at its column counted
	 * in characters (the two before it take two bytes each) */
	{"name: \"\xc3\xa9\xc3\xa9\xc2\x9b\"\n" LAYERS,
	 "t.yaml:1:10: error: invalid YAML: control characters are not allowed (U+009B)"},
	{"name: x\n\xc3\xa9\x7f: 1\n" LAYERS,
	 "t.yaml:2:2: error: invalid YAML: control characters are not allowed (U+007F)"},
	/* names are identifiers: no control, escaped or not, no bidi control */
	{"name: \"n\\e]0;pwned\\a\"\n" LAYERS,
	 "t.yaml:1:7: error: name: contains the control character U+001B at character 2"},
	{"name: \"n\\x9b\"\n" LAYERS,
	 "t.yaml:1:7: error: name: contains the control character U+009B at character 2"},
	{"name: \"tab\\there\"\n" LAYERS,
	 "t.yaml:1:7: error: name: contains the control character U+0009 at character 4"},
	{"name: abc\xe2\x80\xaegnp.exe\n" LAYERS,
	 "t.yaml:1:7: error: name: contains the bidirectional control U+202E at character 4"},
	{"name: \"a\\u2066b\"\n" LAYERS,
	 "t.yaml:1:7: error: name: contains the bidirectional control U+2066 at character 2"},
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof bad_inputs / sizeof *bad_inputs; i++)
		is_str(parse_err(bad_inputs[i].yaml), bad_inputs[i].want, "bad input %zu", i);
}

static void test_hostile(void)
{
	char *deep;
	clock_t t0;
	const char *got;
	const char *laughs =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n" LAYERS;

	t0 = clock();
	got = parse_err(laughs);
	is_str(got, "t.yaml:1:4: error: anchors and aliases are not supported in experiment files",
	       "billion laughs refused");
	ok((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5, "... quickly");

	/* 100 nested flow sequences: the root mapping is level 1, so the 64th
	 * '[' (column 4 + 63) is one level too deep */
	deep = malloc(300);
	strcpy(deep, "a: ");
	memset(deep + 3, '[', 100);
	memset(deep + 103, ']', 100);
	strcpy(deep + 203, "\n");
	is_str(parse_err(deep), "t.yaml:1:67: error: nesting deeper than 64 levels",
	       "deep nesting refused");
	free(deep);

	/* a block nest of mappings */
	{
		size_t cap = 200 * 210, len = 0;
		char *y = malloc(cap);

		for (int i = 0; i < 200; i++)
			len += (size_t)sprintf(y + len, "%*sk:\n", i, "");
		got = parse_err(y);
		ok(strstr(got, "error: nesting deeper than 64 levels") != NULL,
		   "deep block nesting refused (%s)", got);
		free(y);
	}
	{
		/* 65 layers (over NN_MAX_LAYERS) */
		char *y = malloc(65 * 32 + 64);
		size_t len = (size_t)sprintf(y, "model:\n  layers:\n");

		for (int i = 0; i < 65; i++)
			len += (size_t)sprintf(y + len, "    - dropout: 0.1\n");
		is_str(parse_err(y), "t.yaml:67:7: error: model.layers: at most 64 layers, found 65",
		       "too many layers");
		free(y);
	}
}

static const char over_base[] =
	"model:\n"
	"  layers:\n"
	"    - dense: {units: 16, activation: relu}\n"
	"    - dropout: 0.1\n"
	"    - dense: {units: 10, activation: softmax}\n"
	"train:\n"
	"  epochs: 3\n"
	"  optimizer: {type: adam, lr: 0.001}\n";

static void test_overrides(void)
{
	struct experiment e;
	struct dl_error err;
	int rc;

	{
		const char *sets[] = {"train.optimizer.lr=0.01", "model.layers[0].dense.units=32",
				      "seed=7", "data.validation=test", "model.layers[1].dropout={rate: 0.2}",
				      "name=over"};

		dl_error_clear(&err);
		rc = experiment_parse(&e, over_base, strlen(over_base), "t.yaml", sets, 6, &err);
		ok(rc == DL_OK, "overrides apply (%s)", err.msg);
		is_near(e.train.optimizer.lr, 0.01, 1e-9, "optimizer.lr set");
		ok(e.train.optimizer.type == NN_OPTIM_ADAM, "optimizer type kept");
		ok(e.model.layers[0].units == 32 && e.model.layers[0].activation == NN_ACT_RELU,
		   "layer units set, activation kept");
		ok(e.seed == 7, "seed set (added)");
		ok(e.data.validation == DATA_VAL_TEST, "data.validation created with its mapping");
		is_near(e.model.layers[1].rate, 0.2, 1e-7, "flow mapping value");
		is_str(e.name, "over", "name");
	}
	{
		const char *sets[] = {"train.optimizer=sgd", "train.epochs=4"};

		rc = experiment_parse(&e, over_base, strlen(over_base), "t.yaml", sets, 2, &err);
		ok(rc == DL_OK && e.train.optimizer.type == NN_OPTIM_SGD && e.train.epochs == 4,
		   "a whole node replaced");
		is_near(e.train.optimizer.lr, 0.01, 1e-9, "replaced optimizer has sgd defaults");
	}
	/* the man page's own example, on files that name no optimizer, or
	 * name one without a mapping */
	{
		const char *sets[] = {"train.optimizer.lr=0.01"};
		const char *y = LAYERS;

		rc = experiment_parse(&e, y, strlen(y), "t.yaml", sets, 1, &err);
		ok(rc == DL_OK && e.train.optimizer.type == NN_OPTIM_ADAM,
		   "--set train.optimizer.lr on a file without an optimizer: adam (%s)", err.msg);
		is_near(e.train.optimizer.lr, 0.01, 1e-9, "  with the lr set");
		y = LAYERS "train: {optimizer: sgd}\n";
		rc = experiment_parse(&e, y, strlen(y), "t.yaml", sets, 1, &err);
		ok(rc == DL_OK && e.train.optimizer.type == NN_OPTIM_SGD,
		   "--set train.optimizer.lr on 'optimizer: sgd' keeps sgd (%s)", err.msg);
		is_near(e.train.optimizer.lr, 0.01, 1e-9, "  with the lr set");
		y = LAYERS "train: {optimizer: {lr: 0.5}}\n";
		rc = experiment_parse(&e, y, strlen(y), "t.yaml", NULL, 0, &err);
		ok(rc == DL_OK && e.train.optimizer.type == NN_OPTIM_ADAM &&
		   fabsf(e.train.optimizer.lr - 0.5f) < 1e-9f,
		   "an optimizer mapping without a type is the default, adam (%s)", err.msg);
	}
	{
		const char *sets[] = {"train.optimizer.lr=0.5", "train.optimizer.lr=0.25"};

		rc = experiment_parse(&e, over_base, strlen(over_base), "t.yaml", sets, 2, &err);
		is_near(e.train.optimizer.lr, 0.25, 0, "later override wins");
	}

	{
		const char *sets[] = {"data.validation=0.2", "train.regularization.l2=0.5"};
		const char *y = "data:\ntrain:\n" LAYERS;

		rc = experiment_parse(&e, y, strlen(y), "t.yaml", sets, 2, &err);
		ok(rc == DL_OK && e.data.validation == DATA_VAL_FRACTION, "override fills an "
		   "empty section (%s)", err.msg);
		is_near(e.train.l2, 0.5, 0, "... and creates nested mappings");
	}

	static const struct {
		const char *set, *want;
	} bad[] = {
		{"train.optimiser.lr=0.1", "--set train.optimiser.lr=0.1: error: unknown key "
		 "'optimiser' in train (did you mean 'optimizer'?)"},
		{"train.epochs=0", "--set train.epochs=0: error: train.epochs: must be between 1 "
		 "and 1000000, found 0"},
		{"train.optimizer.momentum=0.5",
		 "--set train.optimizer.momentum=0.5: error: momentum is not a parameter of adam"},
		{"model.layers[5].dense.units=3", "--set model.layers[5].dense.units=3: error: "
		 "index 5 out of range: model.layers has 3 items"},
		{"train.epochs.x=1", "--set train.epochs.x=1: error: cannot set train.epochs.x: "
		 "train.epochs is a scalar, not a mapping"},
		{"train[0]=1", "--set train[0]=1: error: cannot set train[0]: train is a mapping, "
		 "not a sequence"},
		{"model.stack[0]=1", "--set model.stack[0]=1: error: cannot set model.stack[0]: "
		 "model.stack does not exist"},
		{"seed", "--set seed: error: expected KEY=VALUE"},
		{"a..b=1", "--set a..b=1: error: invalid key 'a..b' (expected a dotted path such as "
		 "train.optimizer.lr or model.layers[0].dense.units)"},
		{"seed=[1,", "--set seed=[1,: error: invalid YAML: did not find expected node content "
		 "(while parsing a flow node)"},
		{"seed=&a 1", "--set seed=&a 1: error: anchors and aliases are not supported in "
		 "experiment files"},
		{"name=", "--set name=: error: name: expected a string, found null"},
		{"model.layers[0]=3", "--set model.layers[0]=3: error: model.layers[0]: expected a "
		 "layer such as {dense: {units: 10}}, found '3'"},
		{"train.optimizer={type: adam, lr: -1}", "--set train.optimizer={type: adam, lr: -1}: "
		 "error: train.optimizer.lr: must be greater than 0, found -1"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *sets[] = {"seed=1", bad[i].set};

		is_str(parse_err_set(over_base, sets, 2), bad[i].want, "bad override %zu", i);
	}
	{
		/* the value came from --set, the key from the file: point at --set */
		const char *sets[] = {"model.layers[2].dense.activation=softmx"};

		is_str(parse_err_set(over_base, sets, 1),
		       "--set model.layers[2].dense.activation=softmx: error: unknown activation "
		       "'softmx' (expected one of: linear, sigmoid, tanh, relu, leaky_relu, elu, "
		       "selu, softmax; did you mean 'softmax'?)", "override value errors name the --set");
	}
	{
		/* file errors stay file errors when overrides are given */
		const char *sets[] = {"seed=1"};

		is_str(parse_err_set(LAYERS "train:\n  epochs: 0\n", sets, 1),
		       "t.yaml:5:11: error: train.epochs: must be between 1 and 1000000, found 0",
		       "file errors keep their position");
	}
}

/* Parse, emit, parse the emitted text: equal structs and equal text. */
static void round_trip(const char *yaml, const char *what)
{
	struct experiment a, b;
	struct dl_error err;
	char *y1, *y2;

	dl_error_clear(&err);
	if (!ok(experiment_parse(&a, yaml, strlen(yaml), "rt.yaml", NULL, 0, &err) == DL_OK,
		"round trip %s: parses (%s)", what, err.msg))
		return;
	y1 = experiment_to_yaml(&a);
	if (!ok(y1 != NULL, "round trip %s: emits", what))
		return;
	if (!ok(experiment_parse(&b, y1, strlen(y1), "other.yaml", NULL, 0, &err) == DL_OK,
		"round trip %s: emitted text parses (%s)", what, err.msg)) {
		fprintf(stderr, "%s", y1);
		free(y1);
		return;
	}
	if (!ok(memcmp(&a, &b, sizeof a) == 0, "round trip %s: identical struct", what)) {
		fprintf(stderr, "%s", y1);
		for (size_t i = 0; i < sizeof a; i++)
			if (((unsigned char *)&a)[i] != ((unsigned char *)&b)[i])
				fprintf(stderr, "# differs at byte %zu\n", i);
	}
	y2 = experiment_to_yaml(&b);
	ok(y2 && !strcmp(y1, y2), "round trip %s: emit is a fixed point", what);
	free(y1);
	free(y2);
}

static void test_image_layers(void)
{
	static const char *const y =
		"model:\n  layers:\n"
		"    - conv2d: {filters: 32, kernel: 3, padding: same, activation: relu}\n"
		"    - batchnorm: {}\n"
		"    - conv2d: {filters: 8, kernel: [5, 3], stride: 2, init: he_normal}\n"
		"    - maxpool2d: 2\n"
		"    - avgpool2d: {size: 3, stride: 1, padding: same}\n"
		"    - batchnorm: {momentum: 0.9, epsilon: 1.0e-5}\n"
		"    - maxpool2d:\n"
		"    - flatten: {}\n"
		"    - dense: {units: 10, activation: softmax}\n";
	const struct nn_layer_spec *l;
	struct experiment e;
	struct dl_error err;

	if (!ok(experiment_parse(&e, y, strlen(y), "t.yaml", NULL, 0, &err) == DL_OK,
		"image layers parse (%s)", err.msg))
		return;
	l = e.model.layers;
	ok(l[0].kind == NN_LAYER_CONV2D && l[0].filters == 32 && l[0].kernel_h == 3 &&
	   l[0].kernel_w == 3 && l[0].stride == 1 && l[0].padding == NN_PAD_SAME &&
	   l[0].activation == NN_ACT_RELU && !l[0].has_init, "conv2d with defaults");
	ok(l[1].kind == NN_LAYER_BATCHNORM && fabsf(l[1].momentum - 0.99f) < 1e-7f &&
	   fabsf(l[1].epsilon - 0.001f) < 1e-9f, "batchnorm: Keras's momentum and epsilon");
	ok(l[2].kernel_h == 5 && l[2].kernel_w == 3 && l[2].stride == 2 &&
	   l[2].padding == NN_PAD_VALID && l[2].activation == NN_ACT_LINEAR && l[2].has_init &&
	   l[2].init == NN_INIT_HE_NORMAL, "conv2d: [h, w] kernel, stride, init, valid default");
	ok(l[3].kind == NN_LAYER_MAXPOOL2D && l[3].kernel_h == 2 && l[3].stride == 2 &&
	   l[3].padding == NN_PAD_VALID, "maxpool2d: the size alone, stride = size");
	ok(l[4].kind == NN_LAYER_AVGPOOL2D && l[4].kernel_w == 3 && l[4].stride == 1 &&
	   l[4].padding == NN_PAD_SAME, "avgpool2d mapping form");
	ok(fabsf(l[5].momentum - 0.9f) < 1e-7f && fabsf(l[5].epsilon - 1e-5f) < 1e-12f,
	   "batchnorm momentum and epsilon");
	ok(l[6].kind == NN_LAYER_MAXPOOL2D && l[6].kernel_h == 2 && l[6].stride == 2,
	   "maxpool2d with no value: 2x2, stride 2");
	round_trip(y, "image layers");
}

static void test_round_trip(void)
{
	static const char *const files[] = {
		"quickstart.yaml", "nb000-font5x7.yaml", "nb001-digits8x8-scratch.yaml",
		"nb002-sigmoid16.yaml", "nb004-linear-elasticnet.yaml", "nb004-mlp-dropout.yaml",
		"nb004-cnn.yaml", "nb004-cnn-augment.yaml", "nb004-cnn-target.yaml",
	};
	const char *top = getenv("top_srcdir");
	char path[1024];
	struct experiment e, d;
	struct dl_error err;
	char *y;

	round_trip(full_file, "full file");
	/* every character the emitter must escape, in a string that may hold
	 * them (a path): C0, DEL, C1 (NEL and a one-byte CSI), bidi controls,
	 * separators, a byte order mark, a non-character; and one it need not */
	round_trip("data:\n  source: idx\n"
		   "  train_images: \"\\x01\\e[2J\\x7f\\N\\x9b\\u202e\\u2066\\L\\P\\ufeff\\uffff\"\n"
		   "  train_labels: \"\\U0001F522 r\xc3\xa9sum\xc3\xa9 \\\\ \\\" \\n\\r\"\n"
		   "  test_images: a\n  test_labels: b\n" LAYERS, "every escape");
	{
		const char *text = "data: {validation: 0.1}\n" LAYERS "train: {early_stopping: {}}\n";

		ok(experiment_parse(&e, text, strlen(text), "t.yaml", NULL, 0, &err) == DL_OK && e.train.early_stopping.enabled &&
		   e.train.early_stopping.monitor == MONITOR_VAL_LOSS &&
		   e.train.early_stopping.patience == 0,
		   "early_stopping: {} is Keras's: val_loss, patience 0");
		round_trip(text, "early_stopping: {}");
		text = LAYERS "train: {early_stopping: {monitor: loss, target: 0.01}}\n";
		round_trip(text, "early_stopping with a target and no patience");
	}

	round_trip(LAYERS, "defaults");
	round_trip("name: \"odd: name \\\"q\\\" \"\nseed: 18446744073709551615\n"
		   "data:\n  source: idx\n  train_images: \"./x\\ty.gz\"\n  train_labels: true.idx\n"
		   "  test_images: '123'\n  test_labels: null.x\n  limit: 100\n  test_limit: 7\n"
		   "  validation: 0.3333\n"
		   "model:\n  init: {type: uniform, low: -0.1, high: 0.7}\n  layers:\n"
		   "    - dense: {units: 3, activation: selu, init: he_uniform}\n"
		   "    - dense: {units: 10, activation: leaky_relu}\n"
		   "train:\n  optimizer: {type: adagrad, initial_accumulator: 0.05}\n"
		   "  schedule: {type: piecewise_constant, unit: epochs, boundaries: [10, 20.5],"
		   " values: [0.1, 0.01, 1e-3]}\n"
		   "  early_stopping: {patience: 3, restore_best: true}\n", "idx and quoting");
	round_trip("name: f\ndata: {source: folder, path: my scans, size: [32, 24], invert: true,"
		   " bad_images: skip, test_fraction: 0.2}\n" LAYERS, "a folder data set");
	round_trip("name: f\ndata: {source: folder, path: scans, test: \"more/test set\"}\n"
		   LAYERS, "a folder with a test folder");
	round_trip("name: c\ndata: {source: csv, path: train.csv, classes: [\"0\", cat, \"caf\u00e9\"]}\n"
		   LAYERS, "a csv with class names");
	round_trip("name: i\ndata: {source: idx, train_images: a, train_labels: b, test_images: c,"
		   " test_labels: d, classes: 47}\n" LAYERS, "idx with 47 classes");
	round_trip("data: {source: digits8x8, test_fraction: 0.25, scale: 0.125}\n"
		   "model: {init: uniform01, layers: [{dense: {units: 10}}, {flatten: null}]}\n"
		   "train: {loss: hinge, batch_size: full, optimizer: {type: nadam, beta1: 0.8},"
		   " regularization: {l1: -0, l2: 1e-30},"
		   " schedule: {type: exponential, rate: 0.9, decay_steps: 1e4, staircase: true}}\n",
		   "digits8x8, exponential");
	round_trip("data: {source: font5x7, train_kinds: [hand, small], test_kinds: [], variants: 9}\n"
		   "model: {layers: [{dense: {units: 10, activation: elu, alpha: 0.7}}]}\n"
		   "train: {optimizer: {type: rmsprop, momentum: 0.5, rho: 0.8, epsilon: 1e-8},"
		   " schedule: {type: cosine, decay_steps: 500, alpha: 0.1}}\n", "font5x7, cosine");
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/experiments/%s", top ? top : ".", files[i]);
		dl_error_clear(&err);
		if (!ok(experiment_load(&e, path, NULL, 0, &err) == DL_OK, "load %s (%s)",
			files[i], err.msg))
			continue;
		y = experiment_to_yaml(&e);
		ok(y && experiment_parse(&d, y, strlen(y), "x", NULL, 0, &err) == DL_OK &&
		   !memcmp(&e, &d, sizeof e), "round trip %s", files[i]);
		free(y);
	}

	/* the canonical text itself, for one small experiment */
	{
		static const char want[] =
			"name: small\n"
			"seed: 3\n"
			"data:\n"
			"  source: mnist\n"
			"  validation: 0.1\n"
			"  limit: null\n"
			"  test_limit: null\n"
			"  scale: 1\n"
			"augment: null\n"
			"model:\n"
			"  init: glorot_uniform\n"
			"  layers:\n"
			"    - dense: {units: 16, activation: relu}\n"
			"    - dropout: 0.2\n"
			"    - dense: {units: 10, activation: softmax}\n"
			"train:\n"
			"  epochs: 10\n"
			"  batch_size: 32\n"
			"  shuffle: true\n"
			"  loss: cross_entropy\n"
			"  regularization: {l1: 0, l2: 0}\n"
			"  optimizer: {type: adam, lr: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-07}\n"
			"  schedule: {type: constant}\n"
			"  early_stopping: null\n";
		const char *in = "seed: 3\ndata: {validation: 0.1}\nmodel:\n  layers:\n"
			"    - dense: {units: 16, activation: relu}\n    - dropout: 0.2\n"
			"    - dense: {units: 10, activation: softmax}\n";

		experiment_parse(&e, in, strlen(in), "small.yaml", NULL, 0, &err);
		y = experiment_to_yaml(&e);
		is_str(y ? y : "(null)", want, "canonical text");
		free(y);
	}
}

static void test_load(void)
{
	struct experiment e;
	struct dl_error err;
	char buf[2048], path[] = "/tmp/test_spec_XXXXXX";
	int fd;

	dl_error_clear(&err);
	ok(experiment_load(&e, "/nonexistent/x.yaml", NULL, 0, &err) == DL_ERR, "missing file");
	dl_error_format(&err, buf, sizeof buf);
	is_str(buf, "/nonexistent/x.yaml: error: No such file or directory", "missing file error");

	fd = mkstemp(path);
	if (!ok(fd >= 0, "temporary file"))
		return;
	{
		const char *y = "# too big\n";
		char *big = malloc(1 << 20);
		int good = write(fd, y, strlen(y)) == (ssize_t)strlen(y);

		memset(big, '#', 1 << 20);
		for (int i = 0; i < 17 && good; i++)
			good = write(fd, big, 1 << 20) == 1 << 20;
		free(big);
		close(fd);
		ok(good, "wrote a 17 MiB file");
	}
	ok(experiment_load(&e, path, NULL, 0, &err) == DL_ERR, "too large");
	ok(strstr(err.msg, "file too large") != NULL && err.line == 0 && !strcmp(err.file, path),
	   "too large error: %s", err.msg);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd >= 0) {
		ok(write(fd, LAYERS, strlen(LAYERS)) == (ssize_t)strlen(LAYERS), "rewrote file");
		close(fd);
	}
	ok(experiment_load(&e, path, NULL, 0, &err) == DL_OK, "loads a file (%s)", err.msg);
	ok(!strcmp(e.name, path + 5), "name from the path: %s", e.name);
	unlink(path);
}

/* The names of the enums the experiment file owns: one table each. */
static void test_names(void)
{
	static const char *schedules[] = {"constant", "piecewise_constant", "exponential",
					  "reduce_on_plateau", "cosine"};
	static const char *monitors[] = {"loss", "accuracy", "val_loss", "val_accuracy"};
	int good = 1;

	for (int i = 0; i < 5; i++)
		good &= !strcmp(schedule_type_name((enum schedule_type)i), schedules[i]) &&
			schedule_type_from_name(schedules[i]) == i;
	ok(good && schedule_type_names[5] == NULL, "schedule names round-trip, table ends");
	good = 1;
	for (int i = 0; i < 4; i++)
		good &= !strcmp(monitor_name((enum monitor)i), monitors[i]) &&
			monitor_from_name(monitors[i]) == i;
	ok(good && monitor_names[4] == NULL, "monitor names round-trip, table ends");
	ok(!strcmp(schedule_unit_name(SCHEDULE_STEPS), "steps") &&
	   !strcmp(schedule_unit_name(SCHEDULE_EPOCHS), "epochs") && schedule_unit_names[2] == NULL,
	   "unit names");
	ok(schedule_type_from_name("cosin") == -1 && monitor_from_name("val_acc") == -1,
	   "unknown names give -1");
	is_str(monitor_name((enum monitor)9), "?", "an out-of-range monitor prints as ?");
}

/* The settings that differ between runs (flat.h), as compare shows them. */
static void test_flat_differ(void)
{
	static const char a[] = "name: a\nseed: 1\nmodel:\n  layers:\n"
				"    - dense: {units: 5, activation: relu}\n"
				"train:\n  epochs: 3\n";
	static const char b[] = "name: b\nseed: 1\nmodel:\n  layers:\n"
				"    - dense: {units: 15, activation: relu}\n"
				"train:\n  epochs: 3\n  inits: 4\n";
	static const char c[] = "name: c\nseed: 2\nmodel:\n  layers:\n"
				"    - dense: {units: 5, activation: relu}\n"
				"train:\n  epochs: 3\n";
	struct flat *f = calloc(3, sizeof *f);
	const struct flat *of[4];
	const char *keys[8];
	char got[256] = "";
	int n;

	if (!ok(f != NULL, "memory for three flats"))
		return;
	spec_flatten(a, &f[0]);
	spec_flatten(b, &f[1]);
	spec_flatten(c, &f[2]);
	of[0] = &f[0], of[1] = &f[1], of[2] = &f[2];
	n = spec_flat_differ(of, 3, keys, 8);
	for (int i = 0; i < n && i < 8; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", keys[i]);
	is_str(got, "seed model.layers[0].dense.units train.inits",
	       "the keys that differ: the first run's in order, then a later run's own");
	is_str(spec_flat_get(&f[1], keys[2]), "4", "keys point into the flats");
	ok(spec_flat_differ(of, 2, keys, 8) == 2, "two runs: units and inits");
	ok(spec_flat_differ(of, 1, keys, 8) == 0, "one run differs from nothing");
	of[1] = &f[0];
	ok(spec_flat_differ(of, 2, keys, 8) == 0, "names alone do not differ");
	of[1] = &f[1];
	ok(spec_flat_differ(of, 3, NULL, 0) == 3 && spec_flat_differ(of, 3, keys, 1) == 3 &&
	   !strcmp(keys[0], "seed"), "counted without room, or with room for one, all the same");
	of[1] = NULL;
	n = spec_flat_differ(of, 2, keys, 8);
	ok(n == f[0].n - 1, "a missing flat differs in every key but name (%d of %d)", n, f[0].n);
	free(f);
}

/* Experiments by name: ./experiments first, else the installed examples;
 * the dashboard's picker lists the same place. */
static void test_find(void)
{
	char dir[] = "/tmp/test_spec_find_XXXXXX", old[4096], path[4200], want[4200];
	struct dl_error err;
	FILE *f;

	if (!ok(mkdtemp(dir) && getcwd(old, sizeof old) && chdir(dir) == 0,
		"a directory of no experiments"))
		return;
	is_str(experiment_default_dir(), experiment_install_dir(),
	       "without ./experiments, the picker lists the installed examples");
	dl_error_clear(&err);
	snprintf(want, sizeof want, "no such file, nor experiments/mine.yaml here, nor an installed "
		 "experiment %s/mine.yaml", experiment_install_dir());
	ok(experiment_find("mine", path, sizeof path, &err) == DL_ERR, "an unknown name is not found");
	is_str(err.msg, want, "  saying where it was looked for");
	ok(mkdir("experiments", 0700) == 0 && (f = fopen("experiments/mine.yaml", "w")) != NULL &&
	   fclose(f) == 0, "./experiments/mine.yaml");
	is_str(experiment_default_dir(), "experiments", "with ./experiments, the picker lists it");
	ok(experiment_find("mine", path, sizeof path, &err) == DL_OK &&
	   !strcmp(path, "experiments/mine.yaml"), "a name is found there");
	ok(experiment_find("mine.yaml", path, sizeof path, &err) == DL_OK &&
	   !strcmp(path, "experiments/mine.yaml"), "with or without .yaml");
	ok(experiment_find("sub/x.yaml", path, sizeof path, &err) == DL_OK &&
	   !strcmp(path, "sub/x.yaml"), "a path is taken as it is");
	unlink("experiments/mine.yaml");
	rmdir("experiments");
	if (chdir(old) != 0 || rmdir(dir) != 0)
		ok(0, "cleaning up %s", dir);
}

int main(void)
{
	test_names();
	test_flat_differ();
	test_full();
	test_bad();
	test_hostile();
	test_overrides();
	test_image_layers();
	test_round_trip();
	test_load();
	test_find();
	return tap_done();
}
