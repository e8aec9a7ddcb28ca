/*
 * cmd_predict.c - `digitlab predict MODEL FILE...`: classify PGM images and
 * IDX image files with a saved model.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"
#include "cli/cli.h"
#include "cli/print_digits.h"
#include "data/idx.h"
#include "data/pgm.h"
#include "train/analysis.h"
#include "train/restore.h"

static const char predict_help[] =
	"usage: digitlab predict MODEL FILE... [--invert] [--limit N] [--saliency] [--ascii]\n"
	"\n"
	"Classify images with a model file written by `digitlab run --checkpoint`.\n"
	"FILE is a greyscale PGM image (P2 or P5, any size: it is rescaled to the\n"
	"model's input) or an IDX image file (every image in it is classified).\n"
	"Prints one line per image: the file (and index in an IDX file), the digit\n"
	"and the probability of each class.\n"
	"\n"
	"  --invert    the images are dark digits on a light background (MNIST's\n"
	"              digits are light on dark)\n"
	"  --saliency  draw each image beside its saliency map for the predicted\n"
	"              digit (gradient x input): the pixels that argue for it, and\n"
	"              those that argue against\n"
	"  --limit N   classify at most N images of each IDX file (default: all;\n"
	"              4 with --saliency)\n"
	"  --ascii     ASCII characters instead of Unicode shades\n";

struct predict_opts {
	int inverted;
	int saliency, ascii;
	int limit;              /* images per IDX file, 0: all */
};

static int argmax(const float *p, int K)
{
	int best = 0;

	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

static void print_prediction(const char *file, int index, const float *p, int K)
{
	text_fputs(file, stdout, TEXT_ONE_LINE);
	if (index >= 0)
		printf("[%d]: %d ", index, argmax(p, K));
	else
		printf(": %d ", argmax(p, K));
	for (int k = 0; k < K; k++)
		printf(" %d:%.3f", k, p[k]);
	printf("\n");
}

/* The image, then its saliency for `digit` split by sign, each part scaled
 * by the largest magnitude of the map: without colour, two maps read more
 * easily than one centred on grey. */
static int draw_saliency(struct nn_model *m, const struct experiment *exp, const float *x,
			 int digit, int ascii)
{
	struct nn_shape in = exp->model.input;
	struct digit_style style = {.shades = 1};
	int n = nn_shape_size(in), plane = in.h * in.w;
	float *img = malloc(sizeof(float) * 3 * (size_t)plane), *sal = malloc(sizeof(float) * n);
	char captions[3][32];
	const char *caption_ptrs[3] = {captions[0], captions[1], captions[2]};
	float top = 0.0f;

	if (!img || !sal) {
		free(img);
		free(sal);
		return DL_ERR;
	}
	analysis_saliency(m, analysis_saliency_loss(&exp->model, exp->train.loss), x, digit, sal);
	for (int i = 0; i < n; i++)
		top = fabsf(sal[i]) > top ? fabsf(sal[i]) : top;
	for (int i = 0; i < plane; i++) {
		float v = 0.0f, xs = 0.0f;

		for (int c = 0; c < in.c; c++) {       /* channels-last: sum them */
			v += sal[i * in.c + c];
			xs += x[i * in.c + c] / exp->data.scale / in.c;
		}
		img[i] = xs;
		img[plane + i] = top > 0.0f && v > 0.0f ? v / top : 0.0f;
		img[2 * plane + i] = top > 0.0f && v < 0.0f ? -v / top : 0.0f;
	}
	snprintf(captions[0], sizeof captions[0], "input");
	snprintf(captions[1], sizeof captions[1], "for %d", digit);
	snprintf(captions[2], sizeof captions[2], "against %d", digit);
	print_digit_grid(stdout, img, caption_ptrs, 3, in.h, in.w, 3, &style, ascii);
	free(img);
	free(sal);
	return DL_OK;
}

/* Classify B images already in model input layout. */
static int classify(struct nn_model *m, const struct experiment *exp, const float *x, int B,
		    const char *file, int first, int indexed, const struct predict_opts *o,
		    struct dl_error *err)
{
	const float *out = nn_model_forward(m, x, B, 0, NULL);
	int K = nn_shape_size(nn_model_output_shape(m)), n_in = nn_shape_size(exp->model.input);
	int digits[256];

	for (int i = 0; i < B; i++) {
		print_prediction(file, indexed ? first + i : -1, out + (size_t)i * K, K);
		digits[i] = argmax(out + (size_t)i * K, K);
	}
	if (!o->saliency)
		return DL_OK;
	for (int i = 0; i < B; i++)      /* saliency runs its own forward passes */
		if (draw_saliency(m, exp, x + (size_t)i * n_in, digits[i], o->ascii) != DL_OK)
			return dl_error_set(err, "out of memory for a saliency map");
	return DL_OK;
}

/* An image of any size with pixels in [0, 1] -> one model input x: resampled
 * to the input size, inverted when asked, scaled as the training data was. */
static void prepare_input(const float *img, int h, int w, const struct experiment *exp,
			  int inverted, float *x)
{
	struct nn_shape in = exp->model.input;
	int n = nn_shape_size(in);

	pgm_resample(img, h, w, x, in.h, in.w);
	for (int i = 0; i < n; i++)
		x[i] = (inverted ? 1.0f - x[i] : x[i]) * exp->data.scale;
}

static int predict_pgm(struct nn_model *m, const struct experiment *exp, const char *path,
		       const struct predict_opts *o, struct dl_error *err)
{
	struct nn_shape in = exp->model.input;
	float *pixels, *x;
	int h, w, rc;

	if (pgm_read(path, &pixels, &h, &w, err) != DL_OK)
		return DL_ERR;
	x = malloc(sizeof(float) * (size_t)nn_shape_size(in));
	if (!x) {
		free(pixels);
		return dl_error_set(err, "out of memory");
	}
	prepare_input(pixels, h, w, exp, o->inverted, x);
	rc = classify(m, exp, x, 1, path, 0, 0, o, err);
	free(x);
	free(pixels);
	return rc;
}

static int predict_idx(struct nn_model *m, const struct experiment *exp, const char *path,
		       const struct predict_opts *o, struct dl_error *err)
{
	struct nn_shape in = exp->model.input;
	struct idx_info info;
	uint8_t *pixels;
	float *x, *img;
	int chunk = nn_model_max_batch(m), n_in = nn_shape_size(in), count, rc = DL_OK;

	if (idx_read_images(path, &pixels, &info, err) != DL_OK)
		return DL_ERR;
	count = o->limit && o->limit < info.n ? o->limit : info.n;
	x = malloc(sizeof(float) * (size_t)chunk * n_in);
	img = malloc(sizeof(float) * (size_t)info.rows * info.cols);
	if (!x || !img) {
		free(x);
		free(img);
		free(pixels);
		return dl_error_set(err, "out of memory");
	}
	for (int from = 0; from < count && rc == DL_OK; from += chunk) {
		int B = count - from < chunk ? count - from : chunk;

		for (int i = 0; i < B; i++) {
			const uint8_t *src = pixels + (size_t)(from + i) * info.rows * info.cols;
			for (int k = 0; k < info.rows * info.cols; k++)
				img[k] = src[k] / 255.0f;
			prepare_input(img, info.rows, info.cols, exp, o->inverted,
				      x + (size_t)i * n_in);
		}
		rc = classify(m, exp, x, B, path, from, 1, o, err);
	}
	free(x);
	free(img);
	free(pixels);
	return rc;
}

int cmd_predict(int argc, char **argv)
{
	const char *model_path = NULL, *files[256];
	int n_files = 0, status = 0, have_limit = 0;
	struct predict_opts o = {.ascii = !canvas_locale_is_utf8()};
	struct restored_model r;
	struct dl_error err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(predict_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--invert")) {
			o.inverted = 1;
		} else if (!strcmp(argv[i], "--saliency")) {
			o.saliency = 1;
		} else if (!strcmp(argv[i], "--ascii")) {
			o.ascii = 1;
		} else if (!strcmp(argv[i], "--limit")) {
			if ((o.limit = cli_parse_count("predict", argv[i],
						      i + 1 < argc ? argv[i + 1] : NULL, 1 << 30)) < 0)
				return EXIT_USAGE;
			have_limit = 1;
			i++;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("predict", "unknown option '%s'", argv[i]);
		} else if (!model_path) {
			model_path = argv[i];
		} else if (n_files < 256) {
			files[n_files++] = argv[i];
		} else {
			return cli_usage_error("predict", "at most 256 files at a time");
		}
	}
	if (!model_path || !n_files)
		return cli_usage_error("predict", "a model file and at least one image are needed");
	if (o.saliency && !have_limit)
		o.limit = 4;
	dl_error_clear(&err);
	if (restore_model(model_path, 256, &r, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	for (int i = 0; i < n_files; i++) {
		FILE *f = fopen(files[i], "rb");
		int c0 = f ? fgetc(f) : EOF;

		if (f)
			fclose(f);
		dl_error_clear(&err);
		if ((c0 == 'P' ? predict_pgm : predict_idx)(r.model, &r.exp, files[i], &o,
							     &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
		}
	}
	restored_model_free(&r);
	return status;
}
