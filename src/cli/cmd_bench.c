/*
 * cmd_bench.c - `digitlab bench`: training throughput on MNIST for the
 * reference notebooks' models, measured the way ../bench/peer_torch.py
 * measures PyTorch (consecutive batches of the training set, Adam, no
 * shuffling, no validation) so the two figures can be compared as a ratio.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "nn/optim.h"
#include "util/clock.h"

static const char bench_help[] =
	"usage: digitlab bench --model dense16|mlp|cnn|all [--threads N[,N...]]\n"
	"                      [--samples N] [--json]\n"
	"\n"
	"Train one pass over MNIST's training images and report samples per second,\n"
	"for each model named and each thread count, one line (or JSON object) each.\n"
	"  dense16  notebook 003: 784-16-10, relu, softmax, Adam, batch 128\n"
	"  mlp      notebook 004: 784-256-128-64-32-10, relu, softmax, Adam, batch 32\n"
	"  cnn      notebook 004: the 597k-parameter CNN (six convolutions with batch\n"
	"           norm, strided 5x5 convolutions, dropout), Adam, batch 32\n"
	"  all      the three, in this order\n"
	"  --threads N,...  thread counts to try (default 1); auto: what a run with\n"
	"           threads: auto takes on this machine. Each line says how many\n"
	"           threads the model used (a model whose work does not pay for a\n"
	"           second thread runs on one). A model with convolutions also\n"
	"           names the kernels they ran on (conv=, see DIGITLAB_CONV).\n"
	"  --samples N  train on the first N images (default 60000; 6000 for cnn)\n"
	"\n"
	"       digitlab bench --store [--runs N] [--samples N] [--json]\n"
	"\n"
	"Build a store of N finished runs (default 10000) in a temporary directory,\n"
	"each with 20 epochs, two confusion matrices and --samples misclassified\n"
	"digits per split (default 4), and time opening it (with the checks\n"
	"store_open makes), listing it, summarizing every run's metrics (what\n"
	"ls --columns reads), and checking every page.\n";

struct bench_model {
	const char *name;
	int batch;
	int eval_batch;         /* images per inference forward */
	int samples;            /* default --samples */
	void (*build)(struct nn_model_spec *spec);
};

static struct nn_layer_spec *add_layer(struct nn_model_spec *spec, enum nn_layer_kind kind)
{
	struct nn_layer_spec *l = &spec->layers[spec->n_layers++];

	l->kind = kind;
	return l;
}

static void add_dense(struct nn_model_spec *spec, int units, enum nn_activation act)
{
	struct nn_layer_spec *l = add_layer(spec, NN_LAYER_DENSE);

	l->units = units;
	l->activation = act;
}

static void build_mlp(struct nn_model_spec *spec, const int *units)
{
	for (int i = 0; units[i]; i++)
		add_dense(spec, units[i], units[i + 1] ? NN_ACT_RELU : NN_ACT_SOFTMAX);
}

static void build_dense16(struct nn_model_spec *spec)
{
	static const int units[] = {16, 10, 0};

	build_mlp(spec, units);
}

static void build_mlp4(struct nn_model_spec *spec)
{
	static const int units[] = {256, 128, 64, 32, 10, 0};

	build_mlp(spec, units);
}

/* conv + relu, then batchnorm, as notebook 004 stacks them */
static void add_conv_bn(struct nn_model_spec *spec, int filters, int kernel, int stride)
{
	struct nn_layer_spec *l = add_layer(spec, NN_LAYER_CONV2D);

	l->filters = filters;
	l->kernel_h = l->kernel_w = kernel;
	l->stride = stride;
	l->padding = NN_PAD_SAME;
	l->activation = NN_ACT_RELU;
	l = add_layer(spec, NN_LAYER_BATCHNORM);
	l->momentum = 0.99f;
	l->epsilon = 0.001f;
}

static void build_cnn(struct nn_model_spec *spec)
{
	add_conv_bn(spec, 32, 3, 1);
	add_conv_bn(spec, 32, 3, 1);
	add_conv_bn(spec, 32, 5, 2);
	add_layer(spec, NN_LAYER_DROPOUT)->rate = 0.3f;
	add_conv_bn(spec, 64, 3, 1);
	add_conv_bn(spec, 64, 3, 1);
	add_conv_bn(spec, 64, 5, 2);
	add_layer(spec, NN_LAYER_DROPOUT)->rate = 0.3f;
	add_layer(spec, NN_LAYER_FLATTEN);
	add_dense(spec, 128, NN_ACT_RELU);
	add_layer(spec, NN_LAYER_DROPOUT)->rate = 0.4f;
	add_dense(spec, 10, NN_ACT_SOFTMAX);
}

static const struct bench_model bench_models[] = {
	{"dense16", 128, 1000, 60000, build_dense16},
	{"mlp", 32, 1000, 60000, build_mlp4},
	{"cnn", 32, 100, 6000, build_cnn},
};

static void build_spec(const struct bench_model *bm, struct nn_model_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->input = (struct nn_shape){1, 28, 28};
	spec->init = NN_INIT_GLOROT_UNIFORM;
	bm->build(spec);
}

struct bench_result {
	double train_sps, eval_sps, loss;
};

static int bench_run(const struct bench_model *bm, const struct dataset *d, int n,
		     int threads, struct bench_result *r, int *used, struct dl_error *err)
{
	struct nn_model_spec spec;
	struct nn_optim_cfg cfg;
	struct nn_model *m;
	struct nn_optim *o;
	struct rng rng;
	int max_batch = bm->eval_batch > bm->batch ? bm->eval_batch : bm->batch;
	float *scratch;
	double t, train_s = 0, eval_s = 0;

	build_spec(bm, &spec);
	nn_optim_defaults(&cfg, NN_OPTIM_ADAM);
	/* MNIST is kept as bytes: each batch is made floats before its clock
	 * starts, as the trainer's batcher does in a thread of its own, so the
	 * figures are the engine's */
	if (!(scratch = malloc(sizeof *scratch * (size_t)max_batch * dataset_sample_size(d))))
		return dl_error_set(err, "out of memory for a batch of %d samples", max_batch);
	if (nn_model_new(&m, &spec, max_batch, err) != DL_OK) {
		free(scratch);
		return DL_ERR;
	}
	if (nn_model_set_threads(m, threads, err) != DL_OK) {
		nn_model_free(m);
		free(scratch);
		return DL_ERR;
	}
	*used = nn_model_threads(m);
	if (nn_optim_new(&o, &cfg, nn_model_param_count(m), err) != DL_OK) {
		nn_model_free(m);
		free(scratch);
		return DL_ERR;
	}
	nn_optim_set_pool(o, nn_model_pool(m));
	rng_seed(&rng, 0);
	nn_model_init(m, &rng);

	for (int i = 0; i + bm->batch <= n; i += bm->batch) {
		const float *x = dataset_batch(d, i, bm->batch, scratch);

		t = clock_seconds();
		nn_model_forward(m, x, bm->batch, 1, &rng);
		r->loss = nn_model_loss(m, NN_LOSS_CROSS_ENTROPY, d->y + i, bm->batch);
		nn_model_backward(m, NN_LOSS_CROSS_ENTROPY, d->y + i, bm->batch);
		nn_optim_step(o, nn_model_params(m), nn_model_grads(m), cfg.lr);
		train_s += clock_seconds() - t;
	}
	r->train_sps = train_s > 0 ? n / train_s : 0;

	for (int i = 0; i < n; i += bm->eval_batch) {
		int B = n - i < bm->eval_batch ? n - i : bm->eval_batch;
		const float *x = dataset_batch(d, i, B, scratch);

		t = clock_seconds();
		nn_model_forward(m, x, B, 0, NULL);
		eval_s += clock_seconds() - t;
	}
	r->eval_sps = eval_s > 0 ? n / eval_s : 0;
	nn_optim_free(o);
	nn_model_free(m);
	free(scratch);
	return DL_OK;
}

#define BENCH_MAX_THREAD_COUNTS 16
#define BENCH_AUTO 0            /* in a thread list: threads: auto's choice */

/* "1,2,auto" into counts (BENCH_AUTO for auto); the count, or -1 after a
 * usage error. */
static int parse_thread_list(const char *value, int *counts)
{
	char buf[128], *save = NULL;
	int n = 0;

	if (!value)
		return cli_usage_error("bench", "--threads needs a value"), -1;
	if (strlen(value) >= sizeof buf)
		return cli_usage_error("bench", "--threads: the list is too long"), -1;
	strcpy(buf, value);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (n == BENCH_MAX_THREAD_COUNTS)
			return cli_usage_error("bench", "--threads: at most %d counts",
					       BENCH_MAX_THREAD_COUNTS), -1;
		if (!strcmp(t, "auto"))
			counts[n] = BENCH_AUTO;
		else if ((counts[n] = cli_parse_count("bench", "--threads", t, 256)) < 0)
			return -1;
		n++;
	}
	if (n == 0)
		return cli_usage_error("bench", "--threads: expected whole numbers or auto, "
				       "found '%s'", value), -1;
	return n;
}

static int machine_cores(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	return cores < 1 ? 1 : (int)cores;
}

/* The convolution kernels the model trains with ("avx512", "im2col", ...,
 * DIGITLAB_CONV), or NULL for a model without convolutions. */
static const char *conv_kernels(const struct bench_model *bm)
{
	struct nn_model_spec spec;

	build_spec(bm, &spec);
	for (int i = 0; i < spec.n_layers; i++)
		if (spec.layers[i].kind == NN_LAYER_CONV2D)
			return nn_conv_kernels_name();
	return NULL;
}

/* Train and print one model at one thread count; 1 on an error (printed). */
static int bench_one(const struct bench_model *bm, int asked, int samples, int json)
{
	struct data_spec ds;
	struct data_split data;
	struct bench_result r = {0};
	struct nn_model_spec spec;
	struct dl_error err;
	char cache[DATA_PATH_MAX];
	const char *conv = conv_kernels(bm);
	int threads = asked, used = 1;

	if (asked == BENCH_AUTO) {
		build_spec(bm, &spec);
		threads = nn_model_auto_threads(&spec, bm->batch, machine_cores());
	}
	data_spec_defaults(&ds);
	ds.source = DATA_MNIST;
	ds.limit = samples ? samples : bm->samples;
	ds.test_limit = 1;
	dl_error_clear(&err);
	if (data_load(&ds, data_cache_dir(cache, sizeof cache), 0, &data, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (bench_run(bm, &data.train, data.train.n, threads, &r, &used, &err) != DL_OK) {
		cli_print_error(&err);
		data_split_free(&data);
		return 1;
	}
	if (json) {
		printf("{\"model\":");
		json_string(stdout, bm->name);
		printf(",\"threads\":");
		if (asked == BENCH_AUTO)
			printf("\"auto\"");
		else
			printf("%d", asked);
		printf(",\"threads_used\":%d,\"batch\":%d,\"samples\":%d,"
		       "\"train_samples_per_s\":%.0f,\"eval_samples_per_s\":%.0f,\"loss\":%.4f",
		       used, bm->batch, data.train.n, r.train_sps, r.eval_sps, r.loss);
		if (conv)
			printf(",\"conv_kernels\":\"%s\"", conv);
		printf("}\n");
	} else {
		char label[32];

		if (asked == BENCH_AUTO)
			snprintf(label, sizeof label, "auto");
		else
			snprintf(label, sizeof label, "%d", asked);
		printf("%s threads=%s used=%d batch=%d samples=%d train_sps=%.0f eval_sps=%.0f "
		       "loss=%.4f", bm->name, label, used, bm->batch, data.train.n, r.train_sps,
		       r.eval_sps, r.loss);
		if (conv)
			printf(" conv=%s", conv);
		putchar('\n');
	}
	fflush(stdout);
	data_split_free(&data);
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	const size_t n_models = sizeof bench_models / sizeof bench_models[0];
	const struct bench_model *models[sizeof bench_models / sizeof bench_models[0]];
	int counts[BENCH_MAX_THREAD_COUNTS] = {1};
	int n_counts = 1, n_chosen = 0;
	int samples = 0, json = 0, store = 0, runs = 10000;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(bench_help, stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--store")) {
			store = 1;
		} else if (!strcmp(a, "--runs")) {
			if ((runs = cli_parse_count("bench", a, next, 1000000)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--threads")) {
			if ((n_counts = parse_thread_list(next, counts)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--samples")) {
			if ((samples = cli_parse_count("bench", a, next, 60000)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--model")) {
			if (!next)
				return cli_usage_error("bench", "--model needs a name (dense16, mlp, cnn or all)");
			n_chosen = 0;
			for (size_t k = 0; k < n_models; k++)
				if (!strcmp(next, bench_models[k].name) || !strcmp(next, "all"))
					models[n_chosen++] = &bench_models[k];
			if (!n_chosen)
				return cli_usage_error("bench", "unknown model '%s' (expected dense16, mlp, cnn or all)", next);
			i++;
		} else {
			return cli_usage_error("bench", "unknown argument '%s'", a);
		}
	}
	if (store)
		return cli_bench_store(runs, samples ? samples : 4, json);
	if (!n_chosen)
		return cli_usage_error("bench", "which model? (--model dense16, mlp, cnn or all)");
	for (int k = 0; k < n_chosen; k++)
		for (int t = 0; t < n_counts; t++)
			if (bench_one(models[k], counts[t], samples, json) != 0)
				return 1;
	return 0;
}
