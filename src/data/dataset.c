#include "data/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/font5x7.h"
#include "util/text.h"

const char *const data_source_names[] = {
	[DATA_MNIST] = "mnist",
	[DATA_FASHION_MNIST] = "fashion-mnist",
	[DATA_DIGITS8X8] = "digits8x8",
	[DATA_FONT5X7] = "font5x7",
	[DATA_IDX] = "idx",
	[DATA_FOLDER] = "folder",
	[DATA_CSV] = "csv",
	NULL,
};

#define N_SOURCES ((int)(sizeof data_source_names / sizeof data_source_names[0]) - 1)

void data_spec_defaults(struct data_spec *s)
{
	memset(s, 0, sizeof *s);
	s->source = DATA_MNIST;
	s->validation = DATA_VAL_NONE;
	s->validation_fraction = 0;
	s->limit = 0;
	s->test_limit = 0;
	s->test_fraction = 0.3f;
	s->scale = 1.0f;
	s->train_kinds = FONT_ALL_KINDS;
	s->test_kinds = 0;
	s->variants = 0;
	s->size_h = s->size_w = DATA_DEFAULT_SIDE;
	s->n_classes = 10;
}

int data_spec_classes(const struct data_spec *s)
{
	switch (s->source) {
	case DATA_IDX:
	case DATA_CSV:
		return s->n_classes;
	case DATA_FOLDER:
		return 0;
	default:
		return 10;
	}
}

int data_class_name_ok(const char *name)
{
	size_t n = strlen(name);

	/* an identifier as run names are: no control, bidirectional control
	 * or separator, valid UTF-8 (util/text.h) */
	return n > 0 && n < DATA_CLASS_NAME_MAX && text_check_identifier(name, NULL, 0) == 0;
}

const char *data_source_name(enum data_source s)
{
	return (unsigned)s < (unsigned)N_SOURCES ? data_source_names[s] : "?";
}

int data_source_from_name(const char *name)
{
	for (int i = 0; i < N_SOURCES; i++)
		if (!strcmp(name, data_source_names[i]))
			return i;
	return -1;
}

/* Bytes of one pixel of d. */
static size_t pixel_bytes(const struct dataset *d)
{
	return d->type == DATASET_U8 ? 1 : sizeof(float);
}

/* The pixel buffer, whichever its type. */
static void *pixels_of(const struct dataset *d)
{
	return d->type == DATASET_U8 ? (void *)d->u8 : (void *)d->f32;
}

size_t dataset_sample_size(const struct dataset *d)
{
	return (size_t)d->c * d->h * d->w;
}

void dataset_set_byte_values(struct dataset *d, float max_value)
{
	d->type = DATASET_U8;
	for (int b = 0; b < 256; b++)
		d->lut[b] = (float)b / max_value;
}

static int alloc_typed(struct dataset *d, enum dataset_type type, int n, int c, int h,
		       int w, int n_classes, int with_group, struct dl_error *err)
{
	size_t per, total, size = type == DATASET_U8 ? 1 : sizeof(float);
	void *pixels;

	memset(d, 0, sizeof *d);
	if (n < 0 || c <= 0 || h <= 0 || w <= 0 || n_classes <= 0 || n_classes > 256)
		return dl_error_set(err, "bad data set shape: %d samples of %dx%dx%d, %d classes",
				    n, c, h, w, n_classes);
	per = (size_t)c * h * w;
	if (per > ((size_t)-1 / sizeof(float)) / ((size_t)n + 1))
		return dl_error_set(err, "data set too large: %d samples of %dx%dx%d",
				    n, c, h, w);
	total = per * (size_t)n;
	/* at least one element, so that an empty set still has non-NULL
	 * buffers and malloc(0) never decides our error path */
	pixels = calloc(total ? total : 1, size);
	d->type = type;
	if (type == DATASET_U8)
		d->u8 = pixels;
	else
		d->f32 = pixels;
	d->y = calloc(n ? (size_t)n : 1, 1);
	d->group = with_group ? calloc(n ? (size_t)n : 1, 1) : NULL;
	if (!pixels || !d->y || (with_group && !d->group)) {
		dataset_free(d);
		return dl_error_set(err, "out of memory for %d samples of %dx%dx%d",
				    n, c, h, w);
	}
	d->n = n;
	d->c = c;
	d->h = h;
	d->w = w;
	d->n_classes = n_classes;
	return DL_OK;
}

int dataset_alloc(struct dataset *d, int n, int c, int h, int w, int n_classes,
		  int with_group, struct dl_error *err)
{
	return alloc_typed(d, DATASET_F32, n, c, h, w, n_classes, with_group, err);
}

int dataset_alloc_bytes(struct dataset *d, int n, int c, int h, int w, int n_classes,
			int with_group, float max_value, struct dl_error *err)
{
	if (alloc_typed(d, DATASET_U8, n, c, h, w, n_classes, with_group, err) != DL_OK)
		return DL_ERR;
	dataset_set_byte_values(d, max_value);
	return DL_OK;
}

void dataset_free(struct dataset *d)
{
	if (!d)
		return;
	if (!d->view) {
		free(d->f32);
		free(d->u8);
		free(d->y);
		free(d->group);
	}
	memset(d, 0, sizeof *d);
}

/* An empty set of src's shape and type, for n samples. */
static int alloc_like(struct dataset *dst, const struct dataset *src, int n,
		      struct dl_error *err)
{
	if (alloc_typed(dst, src->type, n, src->c, src->h, src->w, src->n_classes,
			src->group != NULL, err) != DL_OK)
		return DL_ERR;
	memcpy(dst->lut, src->lut, sizeof dst->lut);
	return DL_OK;
}

static int check_range(const struct dataset *src, int from, int count, struct dl_error *err)
{
	if (from < 0 || count < 0 || from > src->n || count > src->n - from)
		return dl_error_set(err, "samples %d..%d are outside a data set of %d",
				    from, from + count - 1, src->n);
	return DL_OK;
}

int dataset_slice(struct dataset *dst, const struct dataset *src, int from,
		  int count, struct dl_error *err)
{
	size_t bytes = dataset_sample_size(src) * pixel_bytes(src);

	if (check_range(src, from, count, err) != DL_OK) {
		memset(dst, 0, sizeof *dst);
		return DL_ERR;
	}
	if (alloc_like(dst, src, count, err) != DL_OK)
		return DL_ERR;
	if (count) {
		memcpy(pixels_of(dst), (const char *)pixels_of(src) + (size_t)from * bytes,
		       (size_t)count * bytes);
		memcpy(dst->y, src->y + from, (size_t)count);
		if (src->group)
			memcpy(dst->group, src->group + from, (size_t)count);
	}
	return DL_OK;
}

int dataset_view(struct dataset *dst, const struct dataset *src, int from,
		 int count, struct dl_error *err)
{
	size_t per = dataset_sample_size(src) * (size_t)from;

	if (check_range(src, from, count, err) != DL_OK) {
		memset(dst, 0, sizeof *dst);
		return DL_ERR;
	}
	*dst = *src;
	dst->n = count;
	dst->view = 1;
	if (src->type == DATASET_U8)
		dst->u8 = src->u8 + per;
	else
		dst->f32 = src->f32 + per;
	dst->y = src->y + from;
	dst->group = src->group ? src->group + from : NULL;
	return DL_OK;
}

int dataset_gather(struct dataset *dst, const struct dataset *src, const int *order,
		   int n, struct dl_error *err)
{
	size_t bytes = dataset_sample_size(src) * pixel_bytes(src);

	if (alloc_like(dst, src, n, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n; i++) {
		memcpy((char *)pixels_of(dst) + (size_t)i * bytes,
		       (const char *)pixels_of(src) + (size_t)order[i] * bytes, bytes);
		dst->y[i] = src->y[order[i]];
		if (src->group)
			dst->group[i] = src->group[order[i]];
	}
	return DL_OK;
}

/* realloc to a smaller size; on the (unlikely) failure the old, larger
 * block is as good. */
static void *shrink(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);

	return q ? q : p;
}

void dataset_truncate(struct dataset *d, int n)
{
	size_t bytes = dataset_sample_size(d) * pixel_bytes(d);

	if (d->view || n < 0 || n >= d->n)
		return;
	if (d->type == DATASET_U8)
		d->u8 = shrink(d->u8, (size_t)n * bytes);
	else
		d->f32 = shrink(d->f32, (size_t)n * bytes);
	d->y = shrink(d->y, (size_t)n);
	if (d->group)
		d->group = shrink(d->group, (size_t)n);
	d->n = n;
}

void dataset_scale(struct dataset *d, float scale)
{
	size_t total = dataset_sample_size(d) * (size_t)d->n;

	if (d->type == DATASET_U8) {
		for (int b = 0; b < 256; b++)
			d->lut[b] *= scale;
		return;
	}
	for (size_t i = 0; i < total; i++)
		d->f32[i] *= scale;
}

void dataset_get(const struct dataset *d, int from, int count, float *out)
{
	size_t per = dataset_sample_size(d), total = per * (size_t)count;
	const uint8_t *src;

	if (d->type == DATASET_F32) {
		memcpy(out, d->f32 + per * (size_t)from, sizeof *out * total);
		return;
	}
	/* a table look-up, not b / 255: the table holds exactly the float the
	 * reader chose (and the scale), whatever that computation was */
	src = d->u8 + per * (size_t)from;
	for (size_t i = 0; i < total; i++)
		out[i] = d->lut[src[i]];
}

const float *dataset_batch(const struct dataset *d, int from, int count, float *scratch)
{
	if (d->type == DATASET_F32)
		return d->f32 + dataset_sample_size(d) * (size_t)from;
	dataset_get(d, from, count, scratch);
	return scratch;
}

void data_split_free(struct data_split *s)
{
	if (!s)
		return;
	dataset_free(&s->train);
	dataset_free(&s->val);
	dataset_free(&s->test);
	dataset_free(&s->files[0]);
	dataset_free(&s->files[1]);
	s->description[0] = '\0';
}

const char *data_cache_dir(char *buf, size_t size)
{
	const char *v;

	if ((v = getenv("DIGITLAB_DATA")) && *v)
		snprintf(buf, size, "%s", v);
	else if ((v = getenv("XDG_CACHE_HOME")) && *v)
		snprintf(buf, size, "%s/digitlab", v);
	else if ((v = getenv("HOME")) && *v)
		snprintf(buf, size, "%s/.cache/digitlab", v);
	else /* no home at all (a bare service account): the current directory */
		snprintf(buf, size, ".digitlab-cache");
	return buf;
}
