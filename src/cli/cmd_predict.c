/*
 * cmd_predict.c - `digitlab predict MODEL FILE...`: classify PGM images and
 * IDX image files with a saved model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "data/idx.h"
#include "data/pgm.h"
#include "train/checkpoint.h"

static const char predict_help[] =
	"usage: digitlab predict MODEL FILE... [--invert]\n"
	"\n"
	"Classify images with a model file written by `digitlab run --checkpoint`.\n"
	"FILE is a greyscale PGM image (P2 or P5, any size: it is rescaled to the\n"
	"model's input) or an IDX image file (every image in it is classified).\n"
	"Prints one line per image: the file (and index in an IDX file), the digit\n"
	"and the probability of each class.\n"
	"\n"
	"  --invert  the images are dark digits on a light background (MNIST's\n"
	"            digits are light on dark)\n";

static void print_prediction(const char *file, int index, const float *p, int K)
{
	int best = 0;

	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	if (index >= 0)
		printf("%s[%d]: %d ", file, index, best);
	else
		printf("%s: %d ", file, best);
	for (int k = 0; k < K; k++)
		printf(" %d:%.3f", k, p[k]);
	printf("\n");
}

/* Classify B images already in model input layout. */
static void classify(struct nn_model *m, const float *x, int B, const char *file, int first,
		     int indexed)
{
	const float *out = nn_model_forward(m, x, B, 0, NULL);
	int K = nn_shape_size(nn_model_output_shape(m));

	for (int i = 0; i < B; i++)
		print_prediction(file, indexed ? first + i : -1, out + (size_t)i * K, K);
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
		       int inverted, struct dl_error *err)
{
	struct nn_shape in = exp->model.input;
	float *pixels, *x;
	int h, w;

	if (pgm_read(path, &pixels, &h, &w, err) != DL_OK)
		return DL_ERR;
	x = malloc(sizeof(float) * (size_t)nn_shape_size(in));
	if (!x) {
		free(pixels);
		return dl_error_set(err, "out of memory");
	}
	prepare_input(pixels, h, w, exp, inverted, x);
	classify(m, x, 1, path, 0, 0);
	free(x);
	free(pixels);
	return DL_OK;
}

static int predict_idx(struct nn_model *m, const struct experiment *exp, const char *path,
		       int inverted, struct dl_error *err)
{
	struct nn_shape in = exp->model.input;
	struct idx_info info;
	uint8_t *pixels;
	float *x, *img;
	int chunk = nn_model_max_batch(m), n_in = nn_shape_size(in);

	if (idx_read_images(path, &pixels, &info, err) != DL_OK)
		return DL_ERR;
	x = malloc(sizeof(float) * (size_t)chunk * n_in);
	img = malloc(sizeof(float) * (size_t)info.rows * info.cols);
	if (!x || !img) {
		free(x);
		free(img);
		free(pixels);
		return dl_error_set(err, "out of memory");
	}
	for (int from = 0; from < info.n; from += chunk) {
		int B = info.n - from < chunk ? info.n - from : chunk;

		for (int i = 0; i < B; i++) {
			const uint8_t *src = pixels + (size_t)(from + i) * info.rows * info.cols;
			for (int k = 0; k < info.rows * info.cols; k++)
				img[k] = src[k] / 255.0f;
			prepare_input(img, info.rows, info.cols, exp, inverted, x + (size_t)i * n_in);
		}
		classify(m, x, B, path, from, 1);
	}
	free(x);
	free(img);
	free(pixels);
	return DL_OK;
}

int cmd_predict(int argc, char **argv)
{
	const char *model_path = NULL, *files[256];
	int n_files = 0, inverted = 0, status = 0;
	struct checkpoint ck;
	struct experiment exp;
	struct nn_model *m;
	struct dl_error err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(predict_help, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--invert")) {
			inverted = 1;
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
	dl_error_clear(&err);
	if (checkpoint_read(model_path, &ck, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (cli_parse_experiment(&exp, ck.yaml, model_path) != DL_OK ||
	    checkpoint_build_model(&ck, &exp.model, 256, &m, &err) != DL_OK) {
		if (err.msg[0])
			cli_print_error(&err);
		checkpoint_free(&ck);
		return 1;
	}
	checkpoint_free(&ck);
	for (int i = 0; i < n_files; i++) {
		FILE *f = fopen(files[i], "rb");
		int c0 = f ? fgetc(f) : EOF;

		if (f)
			fclose(f);
		dl_error_clear(&err);
		if ((c0 == 'P' ? predict_pgm : predict_idx)(m, &exp, files[i], inverted, &err) != DL_OK) {
			cli_print_error(&err);
			status = 1;
		}
	}
	nn_model_free(m);
	return status;
}
