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

int dataset_alloc(struct dataset *d, int n, int c, int h, int w, int n_classes,
		  int with_group, struct dl_error *err)
{
	size_t per, total;

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
	d->x = calloc(total ? total : 1, sizeof *d->x);
	d->y = calloc(n ? (size_t)n : 1, 1);
	d->group = with_group ? calloc(n ? (size_t)n : 1, 1) : NULL;
	if (!d->x || !d->y || (with_group && !d->group)) {
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

void dataset_free(struct dataset *d)
{
	if (!d)
		return;
	free(d->x);
	free(d->y);
	free(d->group);
	memset(d, 0, sizeof *d);
}

int dataset_slice(struct dataset *dst, const struct dataset *src, int from,
		  int count, struct dl_error *err)
{
	size_t per;

	if (from < 0 || count < 0 || from > src->n || count > src->n - from) {
		memset(dst, 0, sizeof *dst);
		return dl_error_set(err, "samples %d..%d are outside a data set of %d",
				    from, from + count - 1, src->n);
	}
	if (dataset_alloc(dst, count, src->c, src->h, src->w, src->n_classes,
			  src->group != NULL, err) != DL_OK)
		return DL_ERR;
	per = (size_t)src->c * src->h * src->w;
	if (count) {
		memcpy(dst->x, src->x + (size_t)from * per, (size_t)count * per * sizeof *dst->x);
		memcpy(dst->y, src->y + from, (size_t)count);
		if (src->group)
			memcpy(dst->group, src->group + from, (size_t)count);
	}
	return DL_OK;
}

void data_split_free(struct data_split *s)
{
	if (!s)
		return;
	dataset_free(&s->train);
	dataset_free(&s->val);
	dataset_free(&s->test);
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
