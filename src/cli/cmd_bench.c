/*
 * cmd_bench.c - `digitlab bench`: training throughput on MNIST for the
 * reference notebooks' models, measured the way ../bench/peer_torch.py
 * measures PyTorch (consecutive batches of the training set, Adam, no
 * shuffling, no validation) so the two figures can be compared as a ratio.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"
#include "data/dataset.h"
#include "nn/model.h"
#include "nn/optim.h"
#include "util/clock.h"

static const char bench_help[] =
	"usage: digitlab bench --model dense16|mlp [--threads N] [--samples N] [--json]\n"
	"\n"
	"Train one pass over MNIST's training images and report samples per second.\n"
	"  dense16  notebook 003: 784-16-10, relu, softmax, Adam, batch 128\n"
	"  mlp      notebook 004: 784-256-128-64-32-10, relu, softmax, Adam, batch 32\n"
	"  --samples N  train on the first N images (default 60000)\n";

struct bench_model {
	const char *name;
	int batch;
	int units[8];           /* hidden and output units, 0-terminated */
};

static const struct bench_model bench_models[] = {
	{"dense16", 128, {16, 10, 0}},
	{"mlp", 32, {256, 128, 64, 32, 10, 0}},
};

static void build_spec(const struct bench_model *bm, struct nn_model_spec *spec)
{
	memset(spec, 0, sizeof *spec);
	spec->input = (struct nn_shape){1, 28, 28};
	spec->init = NN_INIT_GLOROT_UNIFORM;
	for (int i = 0; bm->units[i]; i++) {
		struct nn_layer_spec *l = &spec->layers[spec->n_layers++];

		l->kind = NN_LAYER_DENSE;
		l->units = bm->units[i];
		l->activation = bm->units[i + 1] ? NN_ACT_RELU : NN_ACT_SOFTMAX;
	}
}

struct bench_result {
	double train_sps, eval_sps, loss;
};

static int bench_run(const struct bench_model *bm, const struct dataset *d, int n,
		     struct bench_result *r, struct dl_error *err)
{
	struct nn_model_spec spec;
	struct nn_optim_cfg cfg;
	struct nn_model *m;
	struct nn_optim *o;
	struct rng rng;
	int in = d->c * d->h * d->w;
	double t;

	build_spec(bm, &spec);
	nn_optim_defaults(&cfg, NN_OPTIM_ADAM);
	if (nn_model_new(&m, &spec, 1000, err) != DL_OK)
		return DL_ERR;
	if (nn_optim_new(&o, &cfg, nn_model_param_count(m), err) != DL_OK) {
		nn_model_free(m);
		return DL_ERR;
	}
	rng_seed(&rng, 0);
	nn_model_init(m, &rng);

	t = clock_seconds();
	for (int i = 0; i + bm->batch <= n; i += bm->batch) {
		nn_model_forward(m, d->x + (size_t)i * in, bm->batch, 1, &rng);
		r->loss = nn_model_loss(m, NN_LOSS_CROSS_ENTROPY, d->y + i, bm->batch);
		nn_model_backward(m, NN_LOSS_CROSS_ENTROPY, d->y + i, bm->batch);
		nn_optim_step(o, nn_model_params(m), nn_model_grads(m), cfg.lr);
	}
	r->train_sps = n / (clock_seconds() - t);

	t = clock_seconds();
	for (int i = 0; i < n; i += 1000)
		nn_model_forward(m, d->x + (size_t)i * in, n - i < 1000 ? n - i : 1000, 0, NULL);
	r->eval_sps = n / (clock_seconds() - t);
	nn_optim_free(o);
	nn_model_free(m);
	return DL_OK;
}

int cmd_bench(int argc, char **argv)
{
	const struct bench_model *bm = NULL;
	struct data_spec ds;
	struct data_split data;
	struct bench_result r = {0};
	struct dl_error err;
	char cache[DATA_PATH_MAX];
	int threads = 1, samples = 60000, json = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(bench_help, stdout);
			return 0;
		} else if (!strcmp(a, "--json")) {
			json = 1;
		} else if (!strcmp(a, "--threads")) {
			if ((threads = cli_parse_count("bench", a, next, 256)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--samples")) {
			if ((samples = cli_parse_count("bench", a, next, 60000)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--model")) {
			if (!next)
				return cli_usage_error("bench", "--model needs a name (dense16 or mlp)");
			for (size_t k = 0; k < sizeof bench_models / sizeof bench_models[0]; k++)
				if (!strcmp(next, bench_models[k].name))
					bm = &bench_models[k];
			if (!bm)
				return cli_usage_error("bench", "unknown model '%s' (expected dense16 or mlp)", next);
			i++;
		} else {
			return cli_usage_error("bench", "unknown argument '%s'", a);
		}
	}
	if (!bm)
		return cli_usage_error("bench", "which model? (--model dense16 or --model mlp)");

	data_spec_defaults(&ds);
	ds.source = DATA_MNIST;
	ds.limit = samples;
	ds.test_limit = 1;
	dl_error_clear(&err);
	if (data_load(&ds, data_cache_dir(cache, sizeof cache), 0, &data, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	cli_set_threads(threads);
	if (bench_run(bm, &data.train, data.train.n, &r, &err) != DL_OK) {
		cli_print_error(&err);
		data_split_free(&data);
		return 1;
	}
	if (json) {
		printf("{\"model\":");
		json_string(stdout, bm->name);
		printf(",\"threads\":%d,\"batch\":%d,\"samples\":%d,\"train_samples_per_s\":%.0f,"
		       "\"eval_samples_per_s\":%.0f,\"loss\":%.4f}\n",
		       threads, bm->batch, data.train.n, r.train_sps, r.eval_sps, r.loss);
	} else {
		printf("%s threads=%d batch=%d samples=%d train_sps=%.0f eval_sps=%.0f loss=%.4f\n",
		       bm->name, threads, bm->batch, data.train.n, r.train_sps, r.eval_sps, r.loss);
	}
	data_split_free(&data);
	return 0;
}
