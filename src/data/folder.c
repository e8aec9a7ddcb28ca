#include "data/folder.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "data/image.h"

/* A growing list of malloc'd names. */
struct names {
	char **v;
	int n, cap;
};

static void names_free(struct names *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static int names_add(struct names *l, const char *name)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 64;
		char **v = realloc(l->v, sizeof *v * (size_t)cap);

		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(name)))
		return -1;
	l->n++;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_image_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && (!strcasecmp(name + n - 4, ".png") || !strcasecmp(name + n - 4, ".pgm"));
}

/* The entries of dir that are directories (want_dirs) or image files,
 * hidden ones left out, sorted. At most `max` of them. */
static int list_dir(const char *dir, int want_dirs, int max, struct names *out,
		    struct dl_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[2 * DATA_PATH_MAX + 8];
	struct stat st;

	memset(out, 0, sizeof *out);
	if (!d)
		return dl_error_at(err, dir, 0, 0, "%s", strerror(errno));
	errno = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (!want_dirs && !is_image_name(e->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 ||
		    !(want_dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
			continue;
		if (out->n == max) {
			closedir(d);
			names_free(out);
			return dl_error_at(err, dir, 0, 0, "more than %d %s", max,
					   want_dirs ? "class folders" : "images");
		}
		if (names_add(out, e->d_name) != 0) {
			closedir(d);
			names_free(out);
			return dl_error_at(err, dir, 0, 0, "out of memory");
		}
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, (size_t)out->n, sizeof *out->v, by_name);
	return DL_OK;
}

static int label_of(const char *name, const struct folder_opts *o, int index)
{
	if (o->n_known <= 0)
		return index;
	for (int k = 0; k < o->n_known; k++)
		if (!strcmp(o->known[k], name))
			return k;
	return -1;
}

/* The class folders, checked, and each one's images. */
static int list_classes(const char *dir, const struct folder_opts *o, struct names *classes,
			struct names *files, int *total, struct dl_error *err)
{
	char path[2 * DATA_PATH_MAX + 8];

	*total = 0;
	if (list_dir(dir, 1, DATA_MAX_CLASSES, classes, err) != DL_OK)
		return DL_ERR;
	if (o->n_known <= 0 && classes->n < 2)
		return dl_error_at(err, dir, 0, 0,
				   "%d class folder%s: a folder data set needs at least 2 (one subfolder of images per class)",
				   classes->n, classes->n == 1 ? "" : "s");
	if (classes->n == 0)
		return dl_error_at(err, dir, 0, 0, "no class folders (one subfolder of images per class)");
	for (int k = 0; k < classes->n; k++) {
		snprintf(path, sizeof path, "%s/%s", dir, classes->v[k]);
		if (!data_class_name_ok(classes->v[k]))
			return dl_error_at(err, path, 0, 0,
					   "not usable as a class name: 1 to %d bytes of UTF-8 without control or bidirectional control characters expected",
					   DATA_CLASS_NAME_MAX - 1);
		if (label_of(classes->v[k], o, k) < 0)
			return dl_error_at(err, path, 0, 0,
					   "class '%s' is not one of the training set's classes",
					   classes->v[k]);
		if (list_dir(path, 0, FOLDER_MAX_IMAGES - *total, &files[k], err) != DL_OK)
			return DL_ERR;
		if (files[k].n == 0)
			return dl_error_at(err, path, 0, 0,
					   "class '%s' holds no images (.png or .pgm files)",
					   classes->v[k]);
		*total += files[k].n;
	}
	return DL_OK;
}

/* Read one image into x (h*w). 1: read, 0: skipped, DL_ERR: failed. */
static int read_one(const char *path, const struct folder_opts *o, float *x,
		    struct dl_error *err)
{
	struct dl_error why;
	float *pixels;
	int h, w;

	dl_error_clear(&why);
	if (image_read(path, o->invert, &pixels, &h, &w, &why) != DL_OK) {
		if (o->skip_bad)
			return 0;
		*err = why;
		return DL_ERR;
	}
	if (image_fit(pixels, h, w, o->invert, x, o->h, o->w) != DL_OK) {
		free(pixels);
		return dl_error_at(err, path, 0, 0, "out of memory");
	}
	free(pixels);
	return 1;
}

int folder_load(const char *dir, const struct folder_opts *o, struct dataset *d,
		char names[][DATA_CLASS_NAME_MAX], int *skipped, struct dl_error *err)
{
	struct names classes, files[DATA_MAX_CLASSES];
	char path[3 * DATA_PATH_MAX + 16];
	int total, n = 0, n_classes, rc = DL_ERR;
	size_t plane = (size_t)o->h * o->w;

	memset(d, 0, sizeof *d);
	memset(files, 0, sizeof files);
	memset(&classes, 0, sizeof classes);
	*skipped = 0;
	if (list_classes(dir, o, &classes, files, &total, err) != DL_OK)
		goto out;
	n_classes = o->n_known > 0 ? o->n_known : classes.n;
	if (dataset_alloc(d, total, 1, o->h, o->w, n_classes, 0, err) != DL_OK)
		goto out;
	for (int k = 0; k < classes.n; k++) {
		int label = label_of(classes.v[k], o, k);

		for (int i = 0; i < files[k].n; i++) {
			int got;

			snprintf(path, sizeof path, "%s/%s/%s", dir, classes.v[k], files[k].v[i]);
			got = read_one(path, o, d->f32 + (size_t)n * plane, err);
			if (got < 0)
				goto out;
			if (got == 0) {
				++*skipped;
				continue;
			}
			d->y[n++] = (uint8_t)label;
		}
	}
	if (n == 0) {
		dl_error_at(err, dir, 0, 0, "all %d images were unreadable and skipped", total);
		goto out;
	}
	d->n = n;
	if (o->n_known <= 0)
		for (int k = 0; k < classes.n; k++)
			snprintf(names[k], DATA_CLASS_NAME_MAX, "%s", classes.v[k]);
	rc = DL_OK;
out:
	if (rc != DL_OK)
		dataset_free(d);
	for (int k = 0; k < classes.n; k++)
		names_free(&files[k]);
	names_free(&classes);
	return rc;
}
