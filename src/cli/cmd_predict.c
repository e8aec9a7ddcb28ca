/*
 * cmd_predict.c - `digitlab predict MODEL FILE...`: classify PNG and PGM
 * images, folders of them, IDX image files and pixel CSV files with a
 * saved model, printing the class names the model was trained with.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/text.h"
#include "cli/cli.h"
#include "cli/print_digits.h"
#include "cli/report.h"
#include "data/idx.h"
#include "data/image.h"
#include "data/pixel_csv.h"
#include "train/analysis.h"
#include "train/classify.h"
#include "train/restore.h"

static const char predict_help[] =
	"usage: digitlab predict MODEL FILE... [--invert] [--limit N] [--saliency] [--ascii]\n"
	"                        [--json]\n"
	"\n"
	"Classify images with a model file written by `digitlab run --checkpoint`.\n"
	"FILE is a PNG or PGM image (any size: it is fitted to the model's input\n"
	"as training images are; for a model trained on MNIST, as MNIST's were:\n"
	"the ink's box scaled into 20x20, its centre of mass at the centre of\n"
	"28x28), a folder (every .png and .pgm file in it and its\n"
	"subfolders, in name order), an IDX image file or a pixel CSV file such as\n"
	"Kaggle's test.csv (every image in it is classified). Prints one line per\n"
	"image: the file (and index in an IDX or CSV file), the class and the\n"
	"probability of each class, by the names the model was trained with.\n"
	"\n"
	"  --invert    the images are dark on a light background while the training\n"
	"              images were light on dark (as MNIST's are); a model trained\n"
	"              with data.invert inverts images itself\n"
	"  --saliency  draw each image beside its saliency map for the predicted\n"
	"              digit (gradient x input): the pixels that argue for it, and\n"
	"              those that argue against\n"
	"  --limit N   classify at most N images of each IDX file (default: all;\n"
	"              4 with --saliency)\n"
	"  --ascii     ASCII characters instead of Unicode shades\n"
	"  --json      one JSON object per image instead: file, index (IDX and\n"
	"              CSV), class, and the probabilities to float precision\n";

struct predict_opts {
	int inverted;           /* invert the images: --invert, or data.invert */
	int saliency, ascii, json;
	int limit;              /* images per IDX file, 0: all */
	int n_names;            /* class names the model file holds; 0: numbers */
	const char (*names)[CHECKPOINT_CLASS_NAME_MAX];
};

/* Class k's name, or its number for a model file without names. */
static const char *class_name(const struct predict_opts *o, int k, char *buf, size_t size)
{
	if (k < o->n_names)
		return o->names[k];
	snprintf(buf, size, "%d", k);
	return buf;
}

static int argmax(const float *p, int K)
{
	int best = 0;

	for (int k = 1; k < K; k++)
		if (p[k] > p[best])
			best = k;
	return best;
}

static void print_prediction(const char *file, int index, const float *p, int K,
			     const struct predict_opts *o)
{
	char buf[16];

	if (o->json) {
		fputs("{\"file\":", stdout);
		json_string(stdout, file);
		if (index >= 0)
			printf(",\"index\":%d", index);
		fputs(",\"class\":", stdout);
		json_string(stdout, class_name(o, argmax(p, K), buf, sizeof buf));
		fputs(",\"probabilities\":[", stdout);
		for (int k = 0; k < K; k++)
			printf("%s%.9g", k ? "," : "", p[k]);
		fputs("]}\n", stdout);
		return;
	}
	text_fputs(file, stdout, TEXT_ONE_LINE);
	if (index >= 0)
		printf("[%d]: %s ", index, class_name(o, argmax(p, K), buf, sizeof buf));
	else
		printf(": %s ", class_name(o, argmax(p, K), buf, sizeof buf));
	for (int k = 0; k < K; k++)
		printf(" %s:%.3f", class_name(o, k, buf, sizeof buf), p[k]);
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
		print_prediction(file, indexed ? first + i : -1, out + (size_t)i * K, K, o);
		digits[i] = argmax(out + (size_t)i * K, K);
	}
	if (!o->saliency)
		return DL_OK;
	for (int i = 0; i < B; i++)      /* saliency runs its own forward passes */
		if (draw_saliency(m, exp, x + (size_t)i * n_in, digits[i], o->ascii) != DL_OK)
			return dl_error_set(err, "out of memory for a saliency map");
	return DL_OK;
}

/* An image of a data set file (IDX, CSV) with pixels in [0, 1] -> one
 * model input x: fitted to the input size (image.h), inverted when asked,
 * scaled as the training data was. Such images are a data set's already:
 * MNIST's framing (classify.h) is for image files, drawings and scans. */
static int prepare_input(const float *img, int h, int w, const struct experiment *exp,
			 int inverted, float *x)
{
	struct nn_shape in = exp->model.input;
	int n = nn_shape_size(in);

	if (image_fit(img, h, w, inverted, x, in.h, in.w) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n; i++)
		x[i] *= exp->data.scale;
	return DL_OK;
}

/* The mean brightness of an image's outermost pixels, in [0, 1]. */
static float border_brightness(const float *img, int h, int w)
{
	double sum = 0;
	int n = 0;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (y == 0 || x == 0 || y == h - 1 || x == w - 1) {
				sum += img[y * w + x];
				n++;
			}
	return n ? (float)(sum / n) : 0.0f;
}

/* The model sees light digits on a dark ground (MNIST's, or its own
 * training images inverted); an image whose border says the other way
 * round would get a confident wrong answer without a word. */
static void check_background(const char *path, const float *img, int h, int w, int inverted)
{
	float border = border_brightness(img, h, w);

	if (inverted ? border >= 0.5f : border <= 0.5f)
		return;
	fputs("digitlab predict: ", stderr);
	text_fputs(path, stderr, TEXT_ONE_LINE);
	if (!inverted)
		fprintf(stderr, ": warning: the border is light (mean %.2f) and the model reads light "
			"digits on a dark ground: for a dark digit on a light ground add --invert\n",
			border);
	else
		fprintf(stderr, ": warning: the border is dark (mean %.2f) and the image is inverted "
			"(--invert, or the model's data.invert): for a light digit on a dark ground "
			"invert it the other way\n", border);
}

static int predict_image(struct nn_model *m, const struct experiment *exp, const char *path,
			 const struct predict_opts *o, struct dl_error *err)
{
	struct nn_shape in = exp->model.input;
	float *pixels, *x;
	int h, w, rc;

	if (image_read(path, o->inverted, &pixels, &h, &w, err) != DL_OK)
		return DL_ERR;
	x = malloc(sizeof(float) * (size_t)nn_shape_size(in));
	if (!x) {
		free(pixels);
		return dl_error_set(err, "out of memory");
	}
	check_background(path, pixels, h, w, o->inverted);
	if (classify_prepare(exp, pixels, h, w, o->inverted, x) != DL_OK)
		rc = dl_error_set(err, "out of memory");
	else
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
			if (prepare_input(img, info.rows, info.cols, exp, o->inverted,
					  x + (size_t)i * n_in) != DL_OK)
				rc = dl_error_set(err, "out of memory");
		}
		if (rc == DL_OK)
			rc = classify(m, exp, x, B, path, from, 1, o, err);
	}
	free(x);
	free(img);
	free(pixels);
	return rc;
}

/* Every row of a pixel CSV file (labelled or not). */
static int predict_csv(struct nn_model *m, const struct experiment *exp, const char *path,
		       const struct predict_opts *o, struct dl_error *err)
{
	struct nn_shape in = exp->model.input;
	int chunk = nn_model_max_batch(m), n_in = nn_shape_size(in), count, labelled;
	int rc = DL_OK, plane;
	struct dataset d;
	float *x, *img;

	/* any label is fine: only the pixels are classified */
	if (pixel_csv_read(path, 256, 0, &d, &labelled, err) != DL_OK)
		return DL_ERR;
	plane = d.h * d.w;
	count = o->limit && o->limit < d.n ? o->limit : d.n;
	x = malloc(sizeof(float) * (size_t)chunk * n_in);
	img = malloc(sizeof(float) * (size_t)plane);
	if (!x || !img) {
		free(x);
		free(img);
		dataset_free(&d);
		return dl_error_set(err, "out of memory");
	}
	for (int from = 0; from < count && rc == DL_OK; from += chunk) {
		int B = count - from < chunk ? count - from : chunk;

		for (int i = 0; i < B && rc == DL_OK; i++) {
			dataset_get(&d, from + i, 1, img);
			if (prepare_input(img, d.h, d.w, exp, o->inverted,
					  x + (size_t)i * n_in) != DL_OK)
				rc = dl_error_set(err, "out of memory");
		}
		if (rc == DL_OK)
			rc = classify(m, exp, x, B, path, from, 1, o, err);
	}
	free(x);
	free(img);
	dataset_free(&d);
	return rc;
}

static int predict_path(struct nn_model *m, const struct experiment *exp, const char *path,
			const struct predict_opts *o, int depth, struct dl_error *err);

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .png and .pgm files of a folder and of its subfolders (not those
 * whose names start with a dot), in name order. Every file is tried:
 * the status is DL_ERR when one failed, whose error has been printed. */
static int predict_folder(struct nn_model *m, const struct experiment *exp, const char *dir,
			  const struct predict_opts *o, int depth, struct dl_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL, path[4096];
	int n = 0, cap = 0, status = DL_OK;

	if (!d)
		return dl_error_at(err, dir, 0, 0, "cannot read the folder");
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 ||
		    !(S_ISDIR(st.st_mode) || (S_ISREG(st.st_mode) && len > 4 &&
		      (!strcasecmp(e->d_name + len - 4, ".png") ||
		       !strcasecmp(e->d_name + len - 4, ".pgm")))))
			continue;
		if (n == cap) {
			char **grown = realloc(names, sizeof *names * (size_t)(cap = cap ? 2 * cap : 64));

			if (!grown)
				break;
			names = grown;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof *names, by_name);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		dl_error_clear(err);
		if (predict_path(m, exp, path, o, depth + 1, err) != DL_OK) {
			if (err->msg[0])
				cli_print_error(err);
			status = DL_ERR;
		}
		free(names[i]);
	}
	free(names);
	dl_error_clear(err);
	return status;
}

/* One argument: a folder, an image, an IDX or a CSV file, by what it is and
 * what its first bytes say. */
static int predict_path(struct nn_model *m, const struct experiment *exp, const char *path,
			const struct predict_opts *o, int depth, struct dl_error *err)
{
	unsigned char head[8];
	struct stat st;
	size_t got = 0;
	FILE *f;

	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (depth > 8)
			return dl_error_at(err, path, 0, 0, "folders nested more than 8 deep");
		return predict_folder(m, exp, path, o, depth, err);
	}
	if ((f = fopen(path, "rb"))) {
		got = fread(head, 1, sizeof head, f);
		fclose(f);
	}
	if (image_is_png(head, got) || image_is_pgm(head, got))
		return predict_image(m, exp, path, o, err);
	if ((got >= 5 && !memcmp(head, "label", 5)) || (got >= 5 && !memcmp(head, "pixel", 5)) ||
	    (got >= 8 && !memcmp(head, "\xef\xbb\xbf", 3)))
		return predict_csv(m, exp, path, o, err);
	/* an IDX file, raw (00 00 08 ..) or gzipped; the reader says why a
	 * file that cannot be opened cannot */
	if (!f || (got >= 2 && ((!head[0] && !head[1]) || (head[0] == 0x1f && head[1] == 0x8b))))
		return predict_idx(m, exp, path, o, err);
	return dl_error_at(err, path, 0, 0, "not an image digitlab reads: a PNG or PGM image, a "
			   "folder of them, an IDX image file or a pixel CSV file");
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
		} else if (!strcmp(argv[i], "--json")) {
			o.json = 1;
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
	if (o.json && o.saliency)
		return cli_usage_error("predict", "--json and --saliency do not mix");
	if (o.saliency && !have_limit)
		o.limit = 4;
	dl_error_clear(&err);
	if (restore_model(model_path, 256, &r, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (r.exp.model.n_layers > 0 &&
	    r.n_classes == nn_shape_size(nn_model_output_shape(r.model))) {
		o.n_names = r.n_classes;
		o.names = (const char (*)[CHECKPOINT_CLASS_NAME_MAX])r.class_names;
	}
	/* images are inverted as the training images were */
	o.inverted ^= r.exp.data.source == DATA_FOLDER && r.exp.data.invert;
	for (int i = 0; i < n_files; i++) {
		dl_error_clear(&err);
		if (predict_path(r.model, &r.exp, files[i], &o, 0, &err) != DL_OK) {
			if (err.msg[0])
				cli_print_error(&err);
			status = 1;
		}
	}
	restored_model_free(&r);
	return status;
}
