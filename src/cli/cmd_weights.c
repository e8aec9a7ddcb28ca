/*
 * cmd_weights.c - `digitlab weights MODEL`: a layer's weights drawn as
 * images, on the terminal or as PGM files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/draw.h"
#include "train/analysis.h"
#include "train/checkpoint.h"

static const char weights_help[] =
	"usage: digitlab weights MODEL [--layer N] [--max N] [--columns N] [--pgm DIR] [--ascii]\n"
	"\n"
	"Draw the weights of one layer of a model file as images: for a dense\n"
	"layer one image per unit, of the weights it gives each pixel it reads;\n"
	"for conv2d one image per filter (and input channel). Zero is mid-grey,\n"
	"the largest weight of the layer, positive or negative, white or black.\n"
	"\n"
	"  --layer N    the layer, counted from 1 (default: the first with weights)\n"
	"  --max N      draw at most N images (default 64)\n"
	"  --columns N  images per row (default: as many as fit 80 columns)\n"
	"  --pgm DIR    write every image as DIR/layerL-NNN.pgm instead\n"
	"  --ascii      ASCII characters instead of Unicode shades\n";

/* Write one 8-bit binary PGM of levels in [0, 1]. */
static int write_pgm(const char *path, const float *v, int h, int w, struct dl_error *err)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	fprintf(f, "P5\n%d %d\n255\n", w, h);
	for (int i = 0; i < h * w; i++)
		fputc((int)(v[i] * 255.0f + 0.5f), f);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok)
		return dl_error_set(err, "%s: cannot write the image", path);
	return DL_OK;
}

static int write_all_pgm(const char *dir, int layer, const struct weight_images *wi,
			 struct dl_error *err)
{
	char path[4096];

	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return dl_error_set(err, "%s: %s", dir, strerror(errno));
	for (int i = 0; i < wi->n; i++) {
		snprintf(path, sizeof path, "%s/layer%d-%03d.pgm", dir, layer + 1, i);
		if (write_pgm(path, wi->pixels + (size_t)i * wi->h * wi->w, wi->h, wi->w,
			      err) != DL_OK)
			return DL_ERR;
	}
	printf("%d images written to %s\n", wi->n, dir);
	return DL_OK;
}

static int load_model(const char *path, struct nn_model **m, struct dl_error *err)
{
	struct checkpoint ck;
	struct experiment exp;
	int rc;

	if (checkpoint_read(path, &ck, err) != DL_OK)
		return DL_ERR;
	rc = cli_parse_experiment(&exp, ck.yaml, path);
	if (rc == DL_OK)
		rc = checkpoint_build_model(&ck, &exp.model, 1, m, err);
	checkpoint_free(&ck);
	return rc;
}

int cmd_weights(int argc, char **argv)
{
	const char *model_path = NULL, *pgm_dir = NULL;
	int layer = 0, max = 64, columns = 0, ascii = !draw_locale_is_utf8(), status = 0;
	struct weight_images wi;
	struct nn_model *m;
	struct dl_error err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(weights_help, stdout);
			return 0;
		} else if (!strcmp(a, "--ascii")) {
			ascii = 1;
		} else if (!strcmp(a, "--layer")) {
			if ((layer = cli_parse_count("weights", a, next, 64)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--max")) {
			if ((max = cli_parse_count("weights", a, next, 1 << 20)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--columns")) {
			if ((columns = cli_parse_count("weights", a, next, 1000)) < 0)
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(a, "--pgm")) {
			if (!next)
				return cli_usage_error("weights", "--pgm needs a directory");
			pgm_dir = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("weights", "unknown option '%s'", a);
		} else if (!model_path) {
			model_path = a;
		} else {
			return cli_usage_error("weights", "one model file at a time");
		}
	}
	if (!model_path)
		return cli_usage_error("weights", "which model file?");
	dl_error_clear(&err);
	if (load_model(model_path, &m, &err) != DL_OK) {
		if (err.msg[0])
			cli_print_error(&err);
		return 1;
	}
	layer = layer ? layer - 1 : analysis_first_weighted_layer(m);
	if (analysis_weight_images(m, layer, &wi, &err) != DL_OK) {
		cli_print_error(&err);
		nn_model_free(m);
		return 1;
	}
	analysis_scale_symmetric(wi.pixels, (size_t)wi.n * wi.h * wi.w);
	if (pgm_dir) {
		if (write_all_pgm(pgm_dir, layer, &wi, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
		}
	} else {
		printf("layer %d (%s): %d images of %dx%d\n", layer + 1,
		       nn_layer_kind_name(nn_model_spec(m)->layers[layer].kind), wi.n, wi.h, wi.w);
		draw_grey_grid(stdout, wi.pixels, (const char (*)[32])wi.captions,
			       wi.n < max ? wi.n : max, wi.h, wi.w, columns, ascii);
		if (wi.n > max)
			printf("(%d more; --max %d shows them all)\n", wi.n - max, wi.n);
	}
	weight_images_free(&wi);
	nn_model_free(m);
	return status;
}
