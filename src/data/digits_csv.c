#include "data/digits_csv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NPIX (DIGITS_CSV_SIDE * DIGITS_CSV_SIDE)

/* gzopen reads a plain file transparently, so one path serves both. */
static gzFile open_csv(const char *path, struct dl_error *err)
{
	gzFile gz;

	errno = 0;
	gz = gzopen(path, "rb");
	if (!gz)
		dl_error_at(err, path, 0, 0, "%s",
			    errno ? strerror(errno) : "out of memory");
	return gz;
}

/* Read one line into buf (without the newline). Returns 1 for a line, 0 at
 * the end, -1 on error (err filled). */
static int read_line(gzFile gz, const char *path, int lineno, char *buf,
		     size_t size, struct dl_error *err)
{
	size_t len;
	int errnum;

	if (!gzgets(gz, buf, (int)size)) {
		const char *msg = gzerror(gz, &errnum);
		if (errnum != Z_OK && errnum != Z_STREAM_END)
			return dl_error_at(err, path, lineno, 0, "cannot read: %s",
					   errnum == Z_ERRNO ? strerror(errno) : msg);
		return 0;
	}
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	else if (len == size - 1 && !gzeof(gz))
		return dl_error_at(err, path, lineno, 1,
				   "line is longer than %d characters", DIGITS_CSV_MAX_LINE);
	if (len > 0 && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return 1;
}

static int is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return 0;
	return 1;
}

/* A decimal number "[+-]D[.D][e[+-]D]", parsed by hand so that the result
 * does not depend on the C locale's decimal point (the dashboard may set
 * one). Returns 0 and *v when [s, end) is exactly such a number. */
static int parse_number(const char *s, const char *end, double *v)
{
	double m = 0;
	int neg = 0, digits = 0, exp = 0, eneg = 0, edigits = 0, scale = 0;

	if (s < end && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	for (; s < end && *s >= '0' && *s <= '9'; s++, digits++)
		m = m * 10 + (*s - '0');
	if (s < end && *s == '.') {
		for (s++; s < end && *s >= '0' && *s <= '9'; s++, digits++, scale--)
			m = m * 10 + (*s - '0');
	}
	if (!digits)
		return -1;
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			eneg = *s++ == '-';
		for (; s < end && *s >= '0' && *s <= '9'; s++, edigits++)
			if (exp < 1000)
				exp = exp * 10 + (*s - '0');
		if (!edigits)
			return -1;
	}
	if (s != end)
		return -1;
	/* Divide rather than multiply by a negative power: 16e18 / 1e18 is
	 * exactly 16, 16e18 * 1e-18 is not. */
	scale += eneg ? -exp : exp;
	*v = scale < 0 ? m / pow(10.0, -scale) : m * pow(10.0, scale);
	if (neg)
		*v = -*v;
	return isfinite(*v) ? 0 : -1;
}

/* Parse one line of 65 values into x (64 pixels / 16) and *label. */
static int parse_line(const char *path, int lineno, const char *line, float *x,
		      uint8_t *label, struct dl_error *err)
{
	const char *p = line, *field[DIGITS_CSV_FIELDS + 1];
	int nf = 1;

	field[0] = line;
	for (; *p; p++) {
		if (*p != ',')
			continue;
		if (nf == DIGITS_CSV_FIELDS) {
			int found = nf + 1;
			for (const char *q = p + 1; *q; q++)
				found += *q == ',';
			return dl_error_at(err, path, lineno, (int)(p - line) + 2,
					   "expected %d comma-separated values, found %d",
					   DIGITS_CSV_FIELDS, found);
		}
		field[nf++] = p + 1;
	}
	if (nf < DIGITS_CSV_FIELDS)
		return dl_error_at(err, path, lineno, (int)(p - line) + 1,
				   "expected %d comma-separated values, found %d",
				   DIGITS_CSV_FIELDS, nf);
	field[nf] = p + 1; /* one past the terminating NUL, as if a comma */
	for (int i = 0; i < DIGITS_CSV_FIELDS; i++) {
		const char *s = field[i], *e = field[i + 1] - 1;
		int col = (int)(s - line) + 1;
		double v;

		while (s < e && (*s == ' ' || *s == '\t'))
			s++, col++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e)
			return dl_error_at(err, path, lineno, col, "value %d is empty", i + 1);
		if (parse_number(s, e, &v) != 0)
			return dl_error_at(err, path, lineno, col,
					   "value %d, '%.*s', is not a number", i + 1,
					   (int)(e - s > 40 ? 40 : e - s), s);
		if (i < NPIX) {
			if (v < 0 || v > DIGITS_CSV_MAX_VALUE)
				return dl_error_at(err, path, lineno, col,
						   "pixel value %g is out of range 0..%d",
						   v, DIGITS_CSV_MAX_VALUE);
			x[i] = (float)(v / DIGITS_CSV_MAX_VALUE);
		} else {
			if (v < 0 || v > 9 || v != floor(v))
				return dl_error_at(err, path, lineno, col,
						   "label %g is not a digit 0..9", v);
			*label = (uint8_t)v;
		}
	}
	return DL_OK;
}

int digits_csv_read(const char *path, struct dataset *d, struct dl_error *err)
{
	char line[DIGITS_CSV_MAX_LINE + 2];
	float *x = NULL;
	uint8_t *y = NULL;
	int n = 0, cap = 0, lineno = 0, r;
	gzFile gz;

	memset(d, 0, sizeof *d);
	gz = open_csv(path, err);
	if (!gz)
		return DL_ERR;
	while ((r = read_line(gz, path, lineno + 1, line, sizeof line, err)) == 1) {
		lineno++;
		if (is_blank(line))
			continue;
		if (n == DIGITS_CSV_MAX_LINES) {
			r = dl_error_at(err, path, lineno, 1,
					"more than %d samples: not a digits file",
					DIGITS_CSV_MAX_LINES);
			break;
		}
		if (n == cap) {
			int ncap = cap ? cap * 2 : 256;
			float *nx;
			uint8_t *ny;
			if (ncap > DIGITS_CSV_MAX_LINES)
				ncap = DIGITS_CSV_MAX_LINES;
			nx = realloc(x, (size_t)ncap * NPIX * sizeof *x);
			if (nx)
				x = nx;
			ny = realloc(y, (size_t)ncap);
			if (ny)
				y = ny;
			if (!nx || !ny) {
				r = dl_error_at(err, path, lineno, 0, "out of memory");
				break;
			}
			cap = ncap;
		}
		if (parse_line(path, lineno, line, x + (size_t)n * NPIX, y + n, err) != DL_OK) {
			r = DL_ERR;
			break;
		}
		n++;
	}
	gzclose(gz);
	if (r == 0 && n == 0)
		r = dl_error_at(err, path, 0, 0, "no samples: the file is empty");
	if (r != 0) {
		free(x);
		free(y);
		return DL_ERR;
	}
	d->n = n;
	d->c = 1;
	d->h = d->w = DIGITS_CSV_SIDE;
	d->n_classes = 10;
	d->f32 = x;
	d->y = y;
	d->group = NULL;
	return DL_OK;
}

int digits_csv_count(const char *path, int *n, struct dl_error *err)
{
	char line[DIGITS_CSV_MAX_LINE + 2];
	int lineno = 0, r;
	gzFile gz;

	*n = 0;
	gz = open_csv(path, err);
	if (!gz)
		return DL_ERR;
	while ((r = read_line(gz, path, lineno + 1, line, sizeof line, err)) == 1) {
		lineno++;
		if (is_blank(line))
			continue;
		if (++*n > DIGITS_CSV_MAX_LINES) {
			r = dl_error_at(err, path, lineno, 1,
					"more than %d samples: not a digits file",
					DIGITS_CSV_MAX_LINES);
			break;
		}
	}
	gzclose(gz);
	if (r != 0)
		*n = 0;
	return r == 0 ? DL_OK : DL_ERR;
}
