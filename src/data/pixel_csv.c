#include "data/pixel_csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A row of 256x256 values of up to 3 digits and a comma each, the label. */
#define MAX_LINE (4 * PIXEL_CSV_MAX_SIDE * PIXEL_CSV_MAX_SIDE + 16)

struct reader {
	const char *path;
	gzFile gz;
	char *line;             /* MAX_LINE + 2 bytes */
	int lineno;
};

static int reader_open(struct reader *r, const char *path, struct dl_error *err)
{
	memset(r, 0, sizeof *r);
	r->path = path;
	errno = 0;
	r->gz = gzopen(path, "rb");
	if (!r->gz)
		return dl_error_at(err, path, 0, 0, "%s", errno ? strerror(errno) : "out of memory");
	r->line = malloc(MAX_LINE + 2);
	if (!r->line) {
		gzclose(r->gz);
		return dl_error_at(err, path, 0, 0, "out of memory");
	}
	return DL_OK;
}

static void reader_close(struct reader *r)
{
	if (r->gz)
		gzclose(r->gz);
	free(r->line);
}

/* The next line without its end into r->line: 1, 0 at the end, DL_ERR. */
static int next_line(struct reader *r, struct dl_error *err)
{
	size_t len;
	int errnum;

	if (!gzgets(r->gz, r->line, MAX_LINE + 2)) {
		const char *msg = gzerror(r->gz, &errnum);

		if (errnum != Z_OK && errnum != Z_STREAM_END)
			return dl_error_at(err, r->path, r->lineno + 1, 0, "cannot read: %s",
					   errnum == Z_ERRNO ? strerror(errno) : msg);
		return 0;
	}
	r->lineno++;
	len = strlen(r->line);
	if (len > 0 && r->line[len - 1] == '\n')
		r->line[--len] = '\0';
	else if (len == MAX_LINE + 1 && !gzeof(r->gz))
		return dl_error_at(err, r->path, r->lineno, 1,
				   "line is longer than %d characters", MAX_LINE);
	if (len > 0 && r->line[len - 1] == '\r')
		r->line[--len] = '\0';
	return 1;
}

/* The header row: "label,pixel0,..." or "pixel0,...". */
static int parse_header(struct reader *r, struct pixel_csv_info *info, struct dl_error *err)
{
	const char *p = r->line;
	int fields = 0, side;
	char want[32];

	/* a UTF-8 byte order mark, as spreadsheets write one */
	if (!strncmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	info->labelled = !strncmp(p, "label", 5) && (p[5] == ',' || !p[5]);
	if (info->labelled)
		p += p[5] ? 6 : 5;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		snprintf(want, sizeof want, "pixel%d", fields);
		if (len != strlen(want) || strncmp(p, want, len))
			return dl_error_at(err, r->path, r->lineno, (int)(p - r->line) + 1,
					   "expected column '%s' in the header (label,pixel0,pixel1,...)",
					   want);
		fields++;
		p += len + (end != NULL);
		if (end && !*p)
			return dl_error_at(err, r->path, r->lineno, (int)(p - r->line) + 1,
					   "expected column 'pixel%d' after the last comma", fields);
	}
	for (side = 1; side * side < fields; side++)
		;
	if (fields == 0 || side * side != fields || side > PIXEL_CSV_MAX_SIDE)
		return dl_error_at(err, r->path, r->lineno, 1,
				   "the header names %d pixel columns: a square number (784 for 28x28) up to %dx%d expected",
				   fields, PIXEL_CSV_MAX_SIDE, PIXEL_CSV_MAX_SIDE);
	info->side = side;
	return DL_OK;
}

static int open_with_header(struct reader *r, const char *path, struct pixel_csv_info *info,
			    struct dl_error *err)
{
	int got;

	if (reader_open(r, path, err) != DL_OK)
		return DL_ERR;
	got = next_line(r, err);
	if (got == 0)
		dl_error_at(err, path, 0, 0, "the file is empty: a header row label,pixel0,... expected");
	if (got != 1 || parse_header(r, info, err) != DL_OK) {
		reader_close(r);
		return DL_ERR;
	}
	return DL_OK;
}

int pixel_csv_read_info(const char *path, struct pixel_csv_info *info, struct dl_error *err)
{
	struct reader r;

	if (open_with_header(&r, path, info, err) != DL_OK)
		return DL_ERR;
	reader_close(&r);
	return DL_OK;
}

/* An integer 0..max at *p, which moves past it and one comma (or to the
 * end). 0 when fine. */
static int parse_value(struct reader *r, const char **p, int max, const char *what, int *v,
		       int last, struct dl_error *err)
{
	const char *s = *p;
	long n = 0;
	int col = (int)(s - r->line) + 1;

	if (!*s || *s == ',')
		return dl_error_at(err, r->path, r->lineno, col, "%s is empty", what);
	while (*s >= '0' && *s <= '9' && n <= max)
		n = n * 10 + (*s++ - '0');
	if (*s && *s != ',' && !(*s >= '0' && *s <= '9'))
		return dl_error_at(err, r->path, r->lineno, col, "%s is not an integer 0..%d",
				   what, max);
	if (n > max)
		return dl_error_at(err, r->path, r->lineno, col, "%s is out of range 0..%d",
				   what, max);
	if (last && *s == ',')
		return dl_error_at(err, r->path, r->lineno, (int)(s - r->line) + 1,
				   "more values than the header's columns");
	if (!last && !*s)
		return dl_error_at(err, r->path, r->lineno, (int)(s - r->line) + 1,
				   "fewer values than the header's columns");
	*v = (int)n;
	*p = *s ? s + 1 : s;
	return DL_OK;
}

static int parse_row(struct reader *r, const struct pixel_csv_info *info, int n_classes,
		     uint8_t *x, uint8_t *label, struct dl_error *err)
{
	const char *p = r->line;
	int npix = info->side * info->side, v;
	char what[48];

	*label = 0;
	if (info->labelled) {
		if (parse_value(r, &p, n_classes - 1, "the label", &v, 0, err) != DL_OK)
			return DL_ERR;
		*label = (uint8_t)v;
	}
	for (int i = 0; i < npix; i++) {
		snprintf(what, sizeof what, "pixel%d", i);
		if (parse_value(r, &p, 255, what, &v, i == npix - 1, err) != DL_OK)
			return DL_ERR;
		x[i] = (uint8_t)v;
	}
	return DL_OK;
}

static int grow(struct dataset *d, int *cap, int npix)
{
	int ncap = *cap ? 2 * *cap : 1024;
	uint8_t *x, *y;

	if (ncap > PIXEL_CSV_MAX_ROWS)
		ncap = PIXEL_CSV_MAX_ROWS;
	x = realloc(d->u8, (size_t)ncap * npix);
	if (x)
		d->u8 = x;
	y = realloc(d->y, (size_t)ncap);
	if (y)
		d->y = y;
	if (!x || !y)
		return -1;
	*cap = ncap;
	return 0;
}

int pixel_csv_read(const char *path, int n_classes, int need_labels, struct dataset *d,
		   int *labelled, struct dl_error *err)
{
	struct pixel_csv_info info;
	struct reader r;
	int cap = 0, got, npix;

	memset(d, 0, sizeof *d);
	if (open_with_header(&r, path, &info, err) != DL_OK)
		return DL_ERR;
	*labelled = info.labelled;
	if (need_labels && !info.labelled) {
		reader_close(&r);
		return dl_error_at(err, path, 1, 1,
				   "the header has no label column: a training set needs label,pixel0,...");
	}
	npix = info.side * info.side;
	while ((got = next_line(&r, err)) == 1) {
		if (!r.line[0])
			continue;
		if (d->n == PIXEL_CSV_MAX_ROWS) {
			got = dl_error_at(err, path, r.lineno, 1, "more than %d rows",
					  PIXEL_CSV_MAX_ROWS);
			break;
		}
		if (d->n == cap && grow(d, &cap, npix) != 0) {
			got = dl_error_at(err, path, r.lineno, 0, "out of memory");
			break;
		}
		if (parse_row(&r, &info, n_classes, d->u8 + (size_t)d->n * npix, d->y + d->n,
			      err) != DL_OK) {
			got = DL_ERR;
			break;
		}
		d->n++;
	}
	reader_close(&r);
	if (got == 0 && d->n == 0)
		got = dl_error_at(err, path, 0, 0, "no rows after the header");
	if (got != 0) {
		free(d->u8);
		free(d->y);
		memset(d, 0, sizeof *d);
		return DL_ERR;
	}
	/* the rows' numbers are the pixels, each standing for v / 255; the
	 * room grown for more rows is given back */
	dataset_set_byte_values(d, 255.0f);
	if (d->n < cap) {
		uint8_t *x = realloc(d->u8, (size_t)d->n * npix), *y = realloc(d->y, (size_t)d->n);

		d->u8 = x ? x : d->u8;
		d->y = y ? y : d->y;
	}
	d->c = 1;
	d->h = d->w = info.side;
	d->n_classes = n_classes;
	return DL_OK;
}
