/*
 * cmd_weights.c - `digitlab weights MODEL`: a layer's weights drawn as
 * images, on the terminal or as PGM files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/print_digits.h"
#include "train/analysis.h"
#include "train/restore.h"
#include "util/text.h"

static const char weights_help[] =
	"usage: digitlab weights MODEL [--layer N] [--max N] [--columns N] [--pgm DIR] [--ascii]\n"
	"\n"
	"Draw the weights of one layer of a model file as images: for a dense\n"
	"layer one image per unit, of the weight it gives each pixel it reads;\n"
	"for conv2d one image per filter and input channel. Zero is mid-grey,\n"
	"the largest weight of the layer, positive or negative, white or black.\n"
	"\n"
	"  --layer N    the layer, counted from 1 (default: the first with weights)\n"
	"  --max N      draw at most N images (default 64)\n"
	"  --columns N  images per row (default: as many as fit 80 columns)\n"
	"  --pgm DIR    write every image as DIR/layerL-unitNN.pgm (or -filterNN,\n"
	"               -filterNN-cC) instead, an 8-bit PGM on the same grey scale\n"
	"  --ascii      ASCII characters instead of Unicode shades\n";

struct weights_opts {
	const char *model_path, *pgm_dir;
	int layer;              /* 1-based, 0: the first with weights */
	int max, columns, ascii;
};

/* Write one 8-bit binary PGM of levels in [0, 1] under a temporary name,
 * then rename it: a reader never sees half an image. */
static int write_pgm(const char *path, const float *v, int h, int w, struct dl_error *err)
{
	char tmp[4200];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!(f = fopen(tmp, "wb")))
		return dl_error_set(err, "%s: %s", tmp, strerror(errno));
	fprintf(f, "P5\n%d %d\n255\n", w, h);
	for (int i = 0; i < h * w; i++)
		fputc((int)(v[i] * 255.0f + 0.5f), f);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		unlink(tmp);
		return dl_error_set(err, "%s: cannot write the image", tmp);
	}
	if (rename(tmp, path) != 0) {
		dl_error_set(err, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return DL_ERR;
	}
	return DL_OK;
}

static int digits(int n)
{
	int d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* DIR/layer1-unit03.pgm, DIR/layer1-filter07.pgm, DIR/layer4-filter07-c12.pgm:
 * zero-padded so that ls lists them in order. */
static void pgm_name(char *buf, size_t size, const char *dir, int layer,
		     const struct weight_images *wi, int i)
{
	int width = digits(wi->units - 1) < 2 ? 2 : digits(wi->units - 1);
	int n = snprintf(buf, size, "%s/layer%d-%s%0*d", dir, layer + 1, wi->unit_name, width,
			 i / wi->channels);

	if (n > 0 && (size_t)n < size)
		snprintf(buf + n, size - n, wi->channels > 1 ? "-c%d.pgm" : ".pgm",
			 i % wi->channels);
}

static int write_all_pgm(const char *dir, int layer, const struct weight_images *wi,
			 struct dl_error *err)
{
	char path[4096];

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return dl_error_set(err, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < wi->n; i++) {
		pgm_name(path, sizeof path, dir, layer, wi, i);
		if (write_pgm(path, wi->pixels + (size_t)i * wi->h * wi->w, wi->h, wi->w,
			      err) != DL_OK)
			return DL_ERR;
	}
	printf("%d images written to ", wi->n);
	text_fputs(dir, stdout, TEXT_ONE_LINE);
	putchar('\n');
	return DL_OK;
}

/* The header (sizes width x height, as font5x7 and PGM headers give them),
 * the scale, then at most o->max images with their captions. */
static int print_images(const struct nn_model *m, int layer, const struct weight_images *wi,
			float top, const struct weights_opts *o)
{
	struct digit_style style = {.shades = 1};
	const char **captions = malloc(sizeof *captions * (size_t)wi->n);
	int shown = wi->n < o->max ? wi->n : o->max;

	if (!captions)
		return DL_ERR;
	for (int i = 0; i < wi->n; i++)
		captions[i] = wi->captions[i];
	printf("layer %d (%s): %d images of %dx%d, one per %s%s\n", layer + 1,
	       nn_layer_kind_name(nn_model_spec(m)->layers[layer].kind), wi->n, wi->w, wi->h,
	       wi->unit_name, wi->channels > 1 ? " and input channel" : "");
	printf("scale: black %+.4g, mid-grey 0, white %+.4g\n", -top, top);
	print_digit_grid(stdout, wi->pixels, captions, shown, wi->h, wi->w, o->columns, &style,
			 o->ascii);
	if (wi->n > shown)
		printf("(%d more; --max %d shows them all)\n", wi->n - shown, wi->n);
	free(captions);
	return DL_OK;
}

/* Load, pick the layer, draw or write: the exit status. */
static int weights(const struct weights_opts *o)
{
	struct restored_model r;
	struct weight_images wi;
	struct nn_model *m;
	struct dl_error err;
	int layer, status = 0;
	float top;

	dl_error_clear(&err);
	if (restore_model(o->model_path, 1, &r, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	m = r.model;
	layer = o->layer ? o->layer - 1 : analysis_first_weighted_layer(m);
	if (layer < 0)
		dl_error_set(&err, "the model has no layer with weights");
	if (layer < 0 || analysis_weight_images(m, layer, &wi, &err) != DL_OK) {
		cli_print_error(&err);
		restored_model_free(&r);
		return 1;
	}
	top = analysis_scale_symmetric(wi.pixels, (size_t)wi.n * wi.h * wi.w);
	if (o->pgm_dir)
		status = write_all_pgm(o->pgm_dir, layer, &wi, &err);
	else if ((status = print_images(m, layer, &wi, top, o)) != DL_OK)
		dl_error_set(&err, "out of memory");
	if (status != DL_OK)
		cli_print_error(&err);
	weight_images_free(&wi);
	restored_model_free(&r);
	return status == DL_OK ? 0 : 1;
}

int cmd_weights(int argc, char **argv)
{
	struct weights_opts o = {.max = 64, .ascii = !canvas_locale_is_utf8()};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(weights_help, stdout);
			return 0;
		} else if (!strcmp(a, "--ascii")) {
			o.ascii = 1;
		} else if (!strcmp(a, "--layer")) {
			if ((o.layer = cli_parse_count("weights", a, next, NN_MAX_LAYERS)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--max")) {
			if ((o.max = cli_parse_count("weights", a, next, 1 << 20)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--columns")) {
			if ((o.columns = cli_parse_count("weights", a, next, WIDGET_DIGITS_MAX_BAND)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--pgm")) {
			if (!next)
				return cli_usage_error("weights", "--pgm needs a directory");
			o.pgm_dir = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("weights", "unknown option '%s'", a);
		} else if (!o.model_path) {
			o.model_path = a;
		} else {
			return cli_usage_error("weights", "one model file at a time");
		}
	}
	if (!o.model_path)
		return cli_usage_error("weights", "which model file?");
	return weights(&o);
}
