/*
 * load.c - data_load: from a data_spec to train, validation and test sets.
 *
 * Order of operations (each step on the result of the one before):
 *   1. read the source into out->files (train and test as the source
 *      defines them: two files, or one whose last fraction is the test set)
 *   2. limit: keep the first `limit` train and `test_limit` test samples
 *   3. validation: the last fraction of train (Keras validation_split), or
 *      the test set
 *   4. give back the memory of the samples no set uses, scale every pixel,
 *      and make train, val and test views of the files
 * Steps 1 to 3 only move the bounds of each set's part of a file (struct
 * part); no pixel is copied.
 */
#include "data/dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/digits_csv.h"
#include "data/fetch.h"
#include "data/folder.h"
#include "data/font5x7.h"
#include "data/idx.h"
#include "data/pixel_csv.h"
#include "util/rng.h"

#define DEFAULT_TEST_FRACTION 0.3
/* font5x7 test variants come from a stream apart from the training ones,
 * so a kind in both sets does not give the same noisy copies twice. */
#define FONT_TEST_SEED_XOR 0x7e57da7a5eedULL
/* Folder and CSV samples are shuffled before a test or validation part is
 * split off, from a stream of their own. */
#define SHUFFLE_SEED_XOR 0x5f1e5a3b1ed5ULL

static const char *const fashion_names[10] = {
	"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
	"Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

/* Number of samples kept in front when the last `fraction` is split off:
 * floor(n * (1 - fraction)) as Keras and notebook 001 compute it, with the
 * float fraction read as the decimal that was written (0.1f is a hair more
 * than 0.1, and 60000 * (1 - 0.1f) would floor to 53999). */
static int front_count(int n, double fraction)
{
	double f = floor(fraction * 1e6 + 0.5) / 1e6;

	return (int)floor((double)n * (1.0 - f) + 1e-7);
}

/* Where a set's samples are: files[file], samples [from, from+count). */
struct part {
	int file, from, count;
};

/* The parts of each set while the split is worked out. */
struct parts {
	struct part train, val, test;
};

static struct part whole_file(const struct data_split *out, int file)
{
	return (struct part){.file = file, .from = 0, .count = out->files[file].n};
}

static int missing_set(const char *name, const char *cache_dir, const char *what,
		       struct dl_error *err)
{
	if (what)
		return dl_error_set(err,
				    "%s in the data cache %s is incomplete (%s is missing): run `digitlab data fetch %s`",
				    name, cache_dir, what, name);
	return dl_error_set(err,
			    "%s is not in the data cache %s: run `digitlab data fetch %s`",
			    name, cache_dir, name);
}

static int load_cached_idx(const char *set, const char *cache_dir,
			   struct data_split *out, struct parts *p, struct dl_error *err)
{
	char paths[DATA_N_IDX_PARTS][DATA_PATH_MAX];
	int found = 0, first_missing = -1;

	for (int p = 0; p < DATA_N_IDX_PARTS; p++) {
		if (data_cache_find_idx(cache_dir, set, (enum data_idx_part)p,
					paths[p], sizeof paths[p]) == 0)
			found++;
		else if (first_missing < 0)
			first_missing = p;
	}
	if (first_missing >= 0) {
		char what[64];
		snprintf(what, sizeof what, "%s",
			 data_idx_part_name((enum data_idx_part)first_missing));
		return missing_set(set, cache_dir, found ? what : NULL, err);
	}
	if (idx_load(paths[DATA_TRAIN_IMAGES], paths[DATA_TRAIN_LABELS], 10,
		     &out->files[0], err) != DL_OK ||
	    idx_load(paths[DATA_TEST_IMAGES], paths[DATA_TEST_LABELS], 10,
		     &out->files[1], err) != DL_OK)
		return DL_ERR;
	p->train = whole_file(out, 0);
	p->test = whole_file(out, 1);
	return DL_OK;
}

static int load_idx_paths(const struct data_spec *spec, struct data_split *out,
			  struct parts *p, struct dl_error *err)
{
	static const char *const keys[4] = {
		"train_images", "train_labels", "test_images", "test_labels",
	};
	const char *paths[4] = {
		spec->train_images, spec->train_labels, spec->test_images, spec->test_labels,
	};

	for (int i = 0; i < 4; i++)
		if (!paths[i][0])
			return dl_error_set(err, "data source idx needs %s", keys[i]);
	if (idx_load(paths[0], paths[1], spec->n_classes, &out->files[0], err) != DL_OK ||
	    idx_load(paths[2], paths[3], spec->n_classes, &out->files[1], err) != DL_OK)
		return DL_ERR;
	if (out->files[1].h != out->files[0].h || out->files[1].w != out->files[0].w)
		return dl_error_at(err, paths[2], 0, 0,
				   "test images are %dx%d but training images (%s) are %dx%d",
				   out->files[1].h, out->files[1].w, paths[0], out->files[0].h,
				   out->files[0].w);
	p->train = whole_file(out, 0);
	p->test = whole_file(out, 1);
	return DL_OK;
}

/* Split the last test_fraction of files[0] (read from path) off as the
 * test set. */
static int split_test(const struct data_spec *spec, const char *path, struct data_split *out,
		      struct parts *p, struct dl_error *err)
{
	double tf = spec->test_fraction == 0 ? DEFAULT_TEST_FRACTION : spec->test_fraction;
	int n = out->files[0].n, n_train;

	if (!(tf > 0 && tf < 1))
		return dl_error_set(err, "%s test fraction must be between 0 and 1, not %g",
				    data_source_name(spec->source), tf);
	n_train = front_count(n, tf);
	if (n_train < 1 || n_train >= n)
		return dl_error_at(err, path, 0, 0,
				   "%d samples cannot be split into train and a test fraction of %g",
				   n, tf);
	p->train = (struct part){.file = 0, .from = 0, .count = n_train};
	p->test = (struct part){.file = 0, .from = n_train, .count = n - n_train};
	return DL_OK;
}

static int load_digits(const struct data_spec *spec, const char *cache_dir,
		       struct data_split *out, struct parts *p, struct dl_error *err)
{
	char path[DATA_PATH_MAX];

	data_cache_digits_path(cache_dir, path, sizeof path);
	if (access(path, F_OK) != 0)
		return missing_set("digits8x8", cache_dir, NULL, err);
	if (digits_csv_read(path, &out->files[0], err) != DL_OK)
		return DL_ERR;
	return split_test(spec, path, out, p, err);
}

/* Put d's samples in an order drawn from seed: folders are read class by
 * class, and a test or validation part cut from the end must hold every
 * class. */
static int shuffle_set(struct dataset *d, uint64_t seed, struct dl_error *err)
{
	struct dataset shuffled;
	struct rng rng;
	int *order;

	if (d->n < 2)
		return DL_OK;
	order = malloc(sizeof(int) * (size_t)d->n);
	if (!order)
		return dl_error_set(err, "out of memory");
	for (int i = 0; i < d->n; i++)
		order[i] = i;
	rng_seed(&rng, seed ^ SHUFFLE_SEED_XOR);
	rng_shuffle(&rng, order, d->n);
	if (dataset_gather(&shuffled, d, order, d->n, err) != DL_OK) {
		free(order);
		return DL_ERR;
	}
	dataset_free(d);
	*d = shuffled;
	free(order);
	return DL_OK;
}

static int load_folder(const struct data_spec *spec, uint64_t seed, struct data_split *out,
		       struct parts *p, struct dl_error *err)
{
	struct folder_opts o = {.h = spec->size_h, .w = spec->size_w, .invert = spec->invert,
				.skip_bad = spec->skip_bad};
	int skipped;

	if (!spec->path[0])
		return dl_error_set(err, "data source folder needs path");
	if (folder_load(spec->path, &o, &out->files[0], out->class_names, &out->skipped,
			err) != DL_OK)
		return DL_ERR;
	if (shuffle_set(&out->files[0], seed, err) != DL_OK)
		return DL_ERR;
	if (!spec->test_path[0])
		return split_test(spec, spec->path, out, p, err);
	o.n_known = out->files[0].n_classes;
	o.known = (const char (*)[DATA_CLASS_NAME_MAX])out->class_names;
	if (folder_load(spec->test_path, &o, &out->files[1], NULL, &skipped, err) != DL_OK)
		return DL_ERR;
	out->skipped += skipped;
	p->train = whole_file(out, 0);
	p->test = whole_file(out, 1);
	return DL_OK;
}

static int load_csv(const struct data_spec *spec, uint64_t seed, struct data_split *out,
		    struct parts *p, struct dl_error *err)
{
	struct dataset *train = &out->files[0], *test = &out->files[1];
	int labelled;

	if (!spec->path[0])
		return dl_error_set(err, "data source csv needs path");
	if (pixel_csv_read(spec->path, spec->n_classes, 1, train, &labelled, err) != DL_OK)
		return DL_ERR;
	if (!spec->test_path[0]) {
		if (shuffle_set(train, seed, err) != DL_OK)
			return DL_ERR;
		return split_test(spec, spec->path, out, p, err);
	}
	if (pixel_csv_read(spec->test_path, spec->n_classes, 1, test, &labelled,
			   err) != DL_OK)
		return DL_ERR;
	if (test->h != train->h)
		return dl_error_at(err, spec->test_path, 1, 1,
				   "test images are %dx%d but training images (%s) are %dx%d",
				   test->h, test->w, spec->path, train->h, train->w);
	p->train = whole_file(out, 0);
	p->test = whole_file(out, 1);
	return DL_OK;
}

/* The class names of the sources that do not read them from files. */
static void name_classes(const struct data_spec *spec, struct data_split *out)
{
	out->n_classes = out->train.n_classes;
	for (int k = 0; k < out->n_classes; k++) {
		if (spec->source == DATA_FOLDER)
			continue;
		if (spec->source == DATA_FASHION_MNIST)
			snprintf(out->class_names[k], DATA_CLASS_NAME_MAX, "%s", fashion_names[k]);
		else if ((spec->source == DATA_IDX || spec->source == DATA_CSV) &&
			 spec->class_names[k][0])
			snprintf(out->class_names[k], DATA_CLASS_NAME_MAX, "%s",
				 spec->class_names[k]);
		else
			snprintf(out->class_names[k], DATA_CLASS_NAME_MAX, "%d", k);
	}
}

static int load_font(const struct data_spec *spec, uint64_t seed,
		     struct data_split *out, struct parts *p, struct dl_error *err)
{
	int rc;

	if (!spec->train_kinds)
		return dl_error_set(err, "font5x7 needs at least one training kind");
	if (font5x7_generate(&out->files[0], spec->train_kinds, spec->variants, seed,
			     err) != DL_OK)
		return DL_ERR;
	if (spec->test_kinds)
		rc = font5x7_generate(&out->files[1], spec->test_kinds, spec->variants,
				      seed ^ FONT_TEST_SEED_XOR, err);
	else
		rc = font5x7_generate(&out->files[1], spec->train_kinds, 0, seed, err);
	p->train = whole_file(out, 0);
	p->test = whole_file(out, 1);
	return rc;
}

static int check_spec(const struct data_spec *spec, struct dl_error *err)
{
	if (spec->limit < 0)
		return dl_error_set(err, "data limit must not be negative, not %ld", spec->limit);
	if (spec->test_limit < 0)
		return dl_error_set(err, "data test_limit must not be negative, not %ld",
				    spec->test_limit);
	if (spec->validation == DATA_VAL_FRACTION &&
	    !(spec->validation_fraction > 0 && spec->validation_fraction < 1))
		return dl_error_set(err, "validation fraction must be between 0 and 1, not %g",
				    spec->validation_fraction);
	if (!isfinite(spec->scale) || spec->scale < 0)
		return dl_error_set(err, "data scale must be a positive number, not %g",
				    spec->scale);
	if ((unsigned)spec->source > DATA_CSV)
		return dl_error_set(err, "unknown data source %d", (int)spec->source);
	return DL_OK;
}

static void describe(const struct data_spec *spec, struct data_split *out)
{
	char head[256], kinds[96], val[64];
	const struct data_split *s = out;

	if (spec->source == DATA_FONT5X7) {
		char tk[96], variants[32] = "";
		font_kinds_format(spec->train_kinds, kinds, sizeof kinds);
		if (spec->test_kinds)
			font_kinds_format(spec->test_kinds, tk, sizeof tk);
		else
			snprintf(tk, sizeof tk, "the clean glyphs");
		if (spec->variants)
			snprintf(variants, sizeof variants, ", %d variant%s", spec->variants,
				 spec->variants == 1 ? "" : "s");
		snprintf(head, sizeof head, "font5x7 (%s%s; test %s)", kinds, variants, tk);
	} else if (spec->source == DATA_FOLDER || spec->source == DATA_CSV) {
		char skipped[64] = "";

		if (s->skipped)
			snprintf(skipped, sizeof skipped, ", %d unreadable image%s skipped",
				 s->skipped, s->skipped == 1 ? "" : "s");
		snprintf(head, sizeof head, "%s (%d classes%s)", data_source_name(spec->source),
			 s->train.n_classes, skipped);
	} else {
		snprintf(head, sizeof head, "%s", data_source_name(spec->source));
	}
	if (spec->validation == DATA_VAL_NONE)
		val[0] = '\0';
	else
		snprintf(val, sizeof val, " %d validation%s,", s->val.n,
			 spec->validation == DATA_VAL_TEST ? " (the test set)" : "");
	/* a description cut at 255 characters is still a useful one */
	if (snprintf(out->description, sizeof out->description,
		     "%s: %d train,%s %d test, %dx%dx%d", head, s->train.n, val,
		     s->test.n, s->train.c, s->train.h, s->train.w) < 0)
		out->description[0] = '\0';
}

/* Give back the memory of the samples at the end of each file that no set
 * uses (a limit, a test_limit), scale the pixels, and make the sets views
 * of the files. */
static int make_views(struct data_split *out, const struct parts *p, float scale,
		      struct dl_error *err)
{
	const struct part *all[3] = {&p->train, &p->val, &p->test};
	struct dataset *sets[3] = {&out->train, &out->val, &out->test};

	for (int f = 0; f < 2; f++) {
		int used = 0;

		for (int k = 0; k < 3; k++)
			if (all[k]->file == f && all[k]->from + all[k]->count > used)
				used = all[k]->from + all[k]->count;
		dataset_truncate(&out->files[f], used);
		if (scale != 1.0f)
			dataset_scale(&out->files[f], scale);
	}
	for (int k = 0; k < 3; k++)
		if (dataset_view(sets[k], &out->files[all[k]->file], all[k]->from,
				 all[k]->count, err) != DL_OK)
			return DL_ERR;
	return DL_OK;
}

int data_load(const struct data_spec *spec, const char *cache_dir,
	      uint64_t seed, struct data_split *out, struct dl_error *err)
{
	float scale = spec->scale == 0 ? 1.0f : spec->scale; /* 0: a zeroed spec */
	struct parts p;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&p, 0, sizeof p);
	if (check_spec(spec, err) != DL_OK)
		return DL_ERR;
	switch (spec->source) {
	case DATA_MNIST:
		rc = load_cached_idx("mnist", cache_dir, out, &p, err);
		break;
	case DATA_FASHION_MNIST:
		rc = load_cached_idx("fashion-mnist", cache_dir, out, &p, err);
		break;
	case DATA_DIGITS8X8:
		rc = load_digits(spec, cache_dir, out, &p, err);
		break;
	case DATA_FONT5X7:
		rc = load_font(spec, seed, out, &p, err);
		break;
	case DATA_FOLDER:
		rc = load_folder(spec, seed, out, &p, err);
		break;
	case DATA_CSV:
		rc = load_csv(spec, seed, out, &p, err);
		break;
	case DATA_IDX:
	default:
		rc = load_idx_paths(spec, out, &p, err);
		break;
	}
	if (rc != DL_OK)
		goto fail;
	if (spec->limit > 0 && spec->limit < p.train.count)
		p.train.count = (int)spec->limit;
	if (spec->test_limit > 0 && spec->test_limit < p.test.count)
		p.test.count = (int)spec->test_limit;
	/* no validation: an empty part of the training file */
	p.val = (struct part){.file = p.train.file, .from = p.train.from + p.train.count};
	if (spec->validation == DATA_VAL_FRACTION) {
		int n = p.train.count, n_train = front_count(n, spec->validation_fraction);
		if (n_train < 1) {
			dl_error_set(err, "validation %g of %d training samples leaves none to train on",
				     spec->validation_fraction, n);
			goto fail;
		}
		p.val = (struct part){.file = p.train.file, .from = p.train.from + n_train,
				      .count = n - n_train};
		p.train.count = n_train;
	} else if (spec->validation == DATA_VAL_TEST) {
		p.val = p.test;
	}
	if (make_views(out, &p, scale, err) != DL_OK)
		goto fail;
	name_classes(spec, out);
	describe(spec, out);
	return DL_OK;
fail:
	data_split_free(out);
	return DL_ERR;
}

int data_input_shape(const struct data_spec *spec, int *c, int *h, int *w,
		     struct dl_error *err)
{
	struct idx_info info;

	*c = 1;
	switch (spec->source) {
	case DATA_MNIST:
	case DATA_FASHION_MNIST:
		*h = *w = 28;
		return DL_OK;
	case DATA_DIGITS8X8:
		*h = *w = DIGITS_CSV_SIDE;
		return DL_OK;
	case DATA_FONT5X7:
		*h = FONT_H;
		*w = FONT_W;
		return DL_OK;
	case DATA_IDX:
		if (!spec->train_images[0])
			return dl_error_set(err, "data source idx needs train_images");
		if (idx_read_info(spec->train_images, 3, &info, err) != DL_OK)
			return DL_ERR;
		*h = info.rows;
		*w = info.cols;
		return DL_OK;
	case DATA_FOLDER:
		*h = spec->size_h;
		*w = spec->size_w;
		return DL_OK;
	case DATA_CSV: {
		struct pixel_csv_info csv;

		if (!spec->path[0])
			return dl_error_set(err, "data source csv needs path");
		if (pixel_csv_read_info(spec->path, &csv, err) != DL_OK)
			return DL_ERR;
		*h = *w = csv.side;
		return DL_OK;
	}
	}
	return dl_error_set(err, "unknown data source %d", (int)spec->source);
}
