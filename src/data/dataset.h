/*
 * dataset.h - labelled digit images in memory, and how to get them.
 *
 * A dataset is n samples of one shape (C, H, W), labels 0..n_classes-1,
 * pixels that stand for floats in [0, 1] (times data_spec.scale). The
 * pixels are kept as the source has them: the bytes of an IDX file or a
 * pixel CSV (DATASET_U8, a quarter of the memory of floats), floats where
 * the reader computes them (folder images fitted to a size, the digits
 * CSV, generated glyphs). Whoever trains or evaluates asks for floats a
 * batch at a time (dataset_batch, dataset_get); a byte b stands for
 * lut[b], which the reader fills with exactly the float it used to store,
 * so results do not depend on the representation.
 *
 * Loading turns a data_spec (what the experiment file's `data:` section
 * says) into train, validation and test sets; the readers (idx.h,
 * digits_csv.h, font5x7.h) and fetchers (fetch.h) do the file work. The
 * three sets are views of the files as read (data_split.files): a
 * validation set cut from train, or the test set validated on, costs no
 * copy.
 *
 * Every size read from a file is checked against the file's real length
 * before anything is allocated, so a hostile header cannot make us allocate
 * gigabytes; every failure names the file and what is wrong with it.
 */
#ifndef DL_DATA_DATASET_H
#define DL_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define DATA_PATH_MAX 1024
#define DATA_MAX_CLASSES 128        /* labels are 0..DATA_MAX_CLASSES-1 */
#define DATA_CLASS_NAME_MAX 64      /* bytes of a class name, NUL included */
#define DATA_DEFAULT_SIDE 28        /* folder images are fitted to 28x28 */

enum dataset_type {
	DATASET_F32,        /* the pixels are floats (f32) */
	DATASET_U8,         /* the pixels are bytes (u8), byte b standing for lut[b] */
};

struct dataset {
	int n;              /* number of samples */
	int c, h, w;        /* shape of one sample */
	int n_classes;      /* labels are 0..n_classes-1 */
	enum dataset_type type;
	float *f32;         /* DATASET_F32: (n, c*h*w); NULL for bytes */
	uint8_t *u8;        /* DATASET_U8: (n, c*h*w); NULL for floats */
	float lut[256];     /* DATASET_U8: the pixel value of each byte */
	uint8_t *y;         /* (n) */
	uint8_t *group;     /* (n) sub-population (font5x7 kind) or NULL */
	int view;           /* 0: the set owns f32/u8, y and group; 1: it borrows
	                       them from a set that must outlive it and not
	                       change, and dataset_free leaves them alone */
};

enum data_source {
	DATA_MNIST,
	DATA_FASHION_MNIST,
	DATA_DIGITS8X8,
	DATA_FONT5X7,
	DATA_IDX,
	DATA_FOLDER,        /* one subfolder of PNG/PGM images per class (folder.h) */
	DATA_CSV,           /* the Kaggle digit-recognizer CSV layout (pixel_csv.h) */
};

enum data_validation {
	DATA_VAL_NONE,      /* no validation set */
	DATA_VAL_FRACTION,  /* the last `validation` fraction of train (after limit) */
	DATA_VAL_TEST,      /* validate on the test set */
};

struct data_spec {
	enum data_source source;
	/* source: idx; paths as written (relative to the current directory) */
	char train_images[DATA_PATH_MAX], train_labels[DATA_PATH_MAX];
	char test_images[DATA_PATH_MAX], test_labels[DATA_PATH_MAX];
	/* source: folder and csv: the training data, and the test data or ""
	 * (then test_fraction of the training data is held out) */
	char path[DATA_PATH_MAX], test_path[DATA_PATH_MAX];
	int size_h, size_w;            /* folder: images are fitted to this (28x28) */
	int invert;                    /* folder: dark ink on light paper */
	int skip_bad;                  /* folder: skip unreadable images (counted)
	                                  instead of failing on the first */
	/* source: idx and csv: how many classes the labels count (default 10),
	 * and their names ("" when not given: the label number is the name) */
	int n_classes;
	char class_names[DATA_MAX_CLASSES][DATA_CLASS_NAME_MAX];
	enum data_validation validation;
	float validation_fraction;     /* DATA_VAL_FRACTION: in (0, 1) */
	long limit;                    /* use the first `limit` training samples, 0 = all */
	long test_limit;               /* use the first `test_limit` test samples, 0 = all */
	float test_fraction;           /* digits8x8, and folder and csv without a
	                                  test path: hold out the last fraction
	                                  (notebook 001: 0.3) */
	float scale;                   /* multiply [0,1] pixels by this (default 1) */
	/* source: font5x7 */
	unsigned train_kinds, test_kinds; /* bit masks of enum font_kind */
	int variants;                  /* noisy/shifted copies per clean glyph */
};

/* Defaults: mnist, validation none, scale 1, font kinds all/none, variants 0. */
void data_spec_defaults(struct data_spec *s);

/* "mnist", "fashion-mnist", ...: indexed by the source, NULL-terminated,
 * as the experiment file writes them. */
extern const char *const data_source_names[];
const char *data_source_name(enum data_source s);
/* Number of classes a spec's data has without loading it; 0 for a folder
 * (known once its subfolders are read). */
int data_spec_classes(const struct data_spec *s);
/* Is name usable as a class name: 1 to DATA_CLASS_NAME_MAX-1 bytes that
 * pass text_check_identifier() (valid UTF-8, no control or bidirectional
 * control character)? 1 when it is. */
int data_class_name_ok(const char *name);
int data_source_from_name(const char *name);   /* -1 when unknown */

struct data_split {
	/* Views of files[] (data_load), or sets of their own (a split made by
	 * hand); val.n == 0 when there is none. */
	struct dataset train, val, test;
	/* The samples as read, trimmed to what the views use: the training
	 * source's and the test source's (files[1] is empty when one file
	 * holds both). */
	struct dataset files[2];
	char description[256];             /* e.g. "mnist: 54000 train, 6000 val, 10000 test" */
	int n_classes;                     /* == train.n_classes */
	/* The name of each class: a folder's name, fashion-mnist's garments,
	 * the digit otherwise. Printable UTF-8, no control characters. */
	char class_names[DATA_MAX_CLASSES][DATA_CLASS_NAME_MAX];
	int skipped;                       /* folder: unreadable images skipped */
};

/* Allocate a dataset of n zeroed samples with the given shape, pixels as
 * floats (dataset_alloc) or bytes (dataset_alloc_bytes; each byte b
 * stands for (float)b / max_value, as dataset_set_byte_values). */
int dataset_alloc(struct dataset *d, int n, int c, int h, int w, int n_classes,
		  int with_group, struct dl_error *err);
int dataset_alloc_bytes(struct dataset *d, int n, int c, int h, int w, int n_classes,
			int with_group, float max_value, struct dl_error *err);
/* Make d a set of bytes whose byte b stands for (float)b / max_value (the
 * conversion the byte readers make: max_value 255). For a reader that
 * fills u8 itself. */
void dataset_set_byte_values(struct dataset *d, float max_value);
/* Free what d owns (nothing for a view) and clear it. */
void dataset_free(struct dataset *d);
/* Copy samples [from, from+count) of src into a new dataset of the same
 * type. */
int dataset_slice(struct dataset *dst, const struct dataset *src, int from,
		  int count, struct dl_error *err);
/* A view of samples [from, from+count) of src: no copy (see view). */
int dataset_view(struct dataset *dst, const struct dataset *src, int from,
		 int count, struct dl_error *err);
/* A new dataset of the samples src[order[0]], ..., src[order[n-1]]. */
int dataset_gather(struct dataset *dst, const struct dataset *src, const int *order,
		   int n, struct dl_error *err);
/* Keep the first n samples of a set that owns its buffers, giving the
 * rest of the memory back. */
void dataset_truncate(struct dataset *d, int n);
/* Multiply every pixel value by scale: the floats, or the values the
 * bytes stand for. On a set that owns its pixels, before any view of it is
 * made (a view copies the byte values). */
void dataset_scale(struct dataset *d, float scale);

/* Pixels per sample: c * h * w. */
size_t dataset_sample_size(const struct dataset *d);
/* The value of pixel i of the flat (n, c*h*w) array. */
static inline float dataset_pixel(const struct dataset *d, size_t i)
{
	return d->type == DATASET_U8 ? d->lut[d->u8[i]] : d->f32[i];
}
/* Samples [from, from+count) as floats into out (count * c*h*w). */
void dataset_get(const struct dataset *d, int from, int count, float *out);
/* Samples [from, from+count) as floats: a pointer into d itself when its
 * pixels are floats, else converted into scratch (room for count samples)
 * and scratch. Valid while d and scratch are. */
const float *dataset_batch(const struct dataset *d, int from, int count, float *scratch);

/* Load train/val/test as the spec says. cache_dir holds fetched data
 * (data_cache_dir()); seed drives generated data (font5x7 variants).
 * A missing data set gives an error that says how to fetch it. */
int data_load(const struct data_spec *spec, const char *cache_dir,
	      uint64_t seed, struct data_split *out, struct dl_error *err);
/* Free the sets a split owns (views own nothing) and its files. */
void data_split_free(struct data_split *s);

/* Shape of one sample for a spec without loading the data: fixed for the
 * built-in sources, read from the train_images IDX header for source idx
 * and the header row for csv, data.size for folder. */
int data_input_shape(const struct data_spec *spec, int *c, int *h, int *w,
		     struct dl_error *err);

/* The data cache: $DIGITLAB_DATA, else $XDG_CACHE_HOME/digitlab, else
 * $HOME/.cache/digitlab. Writes into buf, returns buf. */
const char *data_cache_dir(char *buf, size_t size);

#endif
