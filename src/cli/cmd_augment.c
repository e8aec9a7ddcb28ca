/*
 * cmd_augment.c - `digitlab augment-preview FILE [N]`: show what an
 * experiment's augmentation does to its training digits before queueing it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include <stdint.h>

#include "cli/print_digits.h"
#include "data/augment.h"
#include "util/rng.h"

static const char augment_help[] =
	"usage: digitlab augment-preview FILE [N] [--ascii] [--set KEY=VALUE]...\n"
	"\n"
	"Draw N (default 8) training digits of the experiment next to their\n"
	"augmented versions, as the experiment's augment: section makes them,\n"
	"with Unicode half blocks, or ASCII under --ascii or a non-UTF-8 locale.\n";

/* n digits of d beside their augmented versions, each pair framed, on/off at
 * half the brightest pixel (scaled data, data.scale 255, would otherwise be
 * all on). */
static int preview(const struct dataset *d, const struct augment_spec *spec, uint64_t seed,
		   int n, int ascii, struct dl_error *err)
{
	size_t in_size = dataset_sample_size(d);
	struct digit_style style = {.threshold = 0.5f, .frame = 1};
	float *aug, *orig, top = 0;
	struct rng rng;

	if (n > d->n)
		n = d->n;
	for (size_t i = 0; i < (size_t)(n > 0 ? n : 0) * in_size; i++)
		if (dataset_pixel(d, i) > top)
			top = dataset_pixel(d, i);
	if (top > 1)
		style.threshold = 0.5f * top;
	aug = malloc(sizeof *aug * (in_size ? in_size : 1));
	orig = malloc(sizeof *orig * (in_size ? in_size : 1));
	if (!aug || !orig) {
		free(aug);
		free(orig);
		return dl_error_set(err, "out of memory for a %dx%dx%d image", d->c, d->h, d->w);
	}
	if (augment_enabled(spec))
		printf("augment: rotation %g, zoom %g, shift %g, seed %llu\n", spec->rotation,
		       spec->zoom, spec->shift, (unsigned long long)seed);
	else
		printf("augment: disabled (images unchanged)\n");
	rng_seed(&rng, seed);
	for (int i = 0; i < n; i++) {
		const float *pair[2] = {orig, aug};

		dataset_get(d, i, 1, orig);
		augment_sample(spec, &rng, d, i, aug);
		printf("sample %d: label %d\n", i, d->y[i]);
		print_digit_band(stdout, pair, NULL, 2, d->c, d->h, d->w, &style, ascii);
	}
	free(aug);
	free(orig);
	if (fflush(stdout) != 0 || ferror(stdout))
		return dl_error_set(err, "cannot write the preview");
	return DL_OK;
}

int cmd_augment_preview(int argc, char **argv)
{
	const char *file = NULL, *sets[CLI_MAX_SETS];
	int n = 8, n_sets = 0, ascii = !canvas_locale_is_utf8(), have_n = 0;
	struct experiment exp;
	struct data_split data;
	struct dl_error err;
	char cache[DATA_PATH_MAX];
	int status = 0, taken;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(augment_help, stdout);
			return 0;
		} else if (!strcmp(a, "--ascii")) {
			ascii = 1;
		} else if ((taken = cli_take_set("augment-preview", argc, argv, &i, sets, &n_sets))) {
			if (taken < 0)
				return EXIT_USAGE;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("augment-preview", "unknown option '%s'", a);
		} else if (!file) {
			file = a;
		} else if (!have_n) {
			if ((n = cli_parse_count("augment-preview", "N", a, 1000)) < 0)
				return EXIT_USAGE;
			have_n = 1;
		} else {
			return cli_usage_error("augment-preview", "unexpected argument '%s'", a);
		}
	}
	if (!file)
		return cli_usage_error("augment-preview", "which experiment file?");
	if (cli_load_experiment(&exp, file, sets, n_sets) != DL_OK)
		return EXIT_USAGE;
	dl_error_clear(&err);
	if (data_load(&exp.data, data_cache_dir(cache, sizeof cache), exp.seed, &data, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (preview(&data.train, &exp.augment, exp.seed, n, ascii, &err) != DL_OK) {
		cli_print_error(&err);
		status = 1;
	}
	data_split_free(&data);
	return status;
}
