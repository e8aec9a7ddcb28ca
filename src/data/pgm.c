#include "data/pgm.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Next header integer, skipping whitespace and # comments; -1 on failure. */
static long header_int(FILE *f)
{
	int c = fgetc(f);
	long v = 0;
	int digits = 0;

	for (;;) {
		while (c != EOF && isspace(c))
			c = fgetc(f);
		if (c != '#')
			break;
		while (c != EOF && c != '\n')
			c = fgetc(f);
	}
	while (c != EOF && isdigit(c) && v < 1000000) {
		v = v * 10 + (c - '0');
		digits++;
		c = fgetc(f);
	}
	if (!digits || (c != EOF && !isspace(c)))
		return -1;
	return v;
}

static int read_samples(FILE *f, int binary, long maxval, float *px, long n)
{
	for (long i = 0; i < n; i++) {
		long v;

		if (!binary) {
			v = header_int(f);
		} else if (maxval < 256) {
			v = fgetc(f);
		} else {
			int hi = fgetc(f), lo = fgetc(f);
			v = (hi == EOF || lo == EOF) ? -1 : hi * 256 + lo;
		}
		if (v < 0 || v > maxval)
			return -1;
		px[i] = (float)v / (float)maxval;
	}
	return 0;
}

int pgm_read(const char *path, float **pixels, int *h, int *w, struct dl_error *err)
{
	FILE *f = fopen(path, "rb");
	char magic[2];
	long width, height, maxval;
	int binary;

	*pixels = NULL;
	if (!f)
		return dl_error_at(err, path, 0, 0, "%s", strerror(errno));
	if (fread(magic, 1, 2, f) != 2 || magic[0] != 'P' || (magic[1] != '2' && magic[1] != '5')) {
		fclose(f);
		return dl_error_at(err, path, 0, 0, "not a greyscale PGM image (expected P2 or P5)");
	}
	binary = magic[1] == '5';
	width = header_int(f);
	height = header_int(f);
	maxval = header_int(f);
	if (width < 1 || height < 1 || width > PGM_MAX_SIDE || height > PGM_MAX_SIDE ||
	    maxval < 1 || maxval > 65535) {
		fclose(f);
		return dl_error_at(err, path, 0, 0,
				   "bad PGM header: width, height (1..%d) and maxval (1..65535) expected",
				   PGM_MAX_SIDE);
	}
	*pixels = malloc(sizeof(float) * (size_t)width * (size_t)height);
	if (!*pixels) {
		fclose(f);
		return dl_error_at(err, path, 0, 0, "out of memory for a %ldx%ld image", width, height);
	}
	if (read_samples(f, binary, maxval, *pixels, width * height)) {
		fclose(f);
		free(*pixels);
		*pixels = NULL;
		return dl_error_at(err, path, 0, 0, "truncated or bad PGM data (%ldx%ld, maxval %ld)",
				   width, height, maxval);
	}
	fclose(f);
	*h = (int)height;
	*w = (int)width;
	return DL_OK;
}

static float sample_bilinear(const float *src, int sh, int sw, float y, float x)
{
	int y0 = (int)floorf(y), x0 = (int)floorf(x);
	float fy = y - (float)y0, fx = x - (float)x0, v = 0;

	for (int dy = 0; dy <= 1; dy++)
		for (int dx = 0; dx <= 1; dx++) {
			int yy = y0 + dy, xx = x0 + dx;
			float wgt = (dy ? fy : 1 - fy) * (dx ? fx : 1 - fx);

			yy = yy < 0 ? 0 : yy >= sh ? sh - 1 : yy;
			xx = xx < 0 ? 0 : xx >= sw ? sw - 1 : xx;
			v += wgt * src[yy * sw + xx];
		}
	return v;
}

void pgm_resample(const float *src, int sh, int sw, float *dst, int dh, int dw)
{
	float sy = (float)sh / (float)dh, sx = (float)sw / (float)dw;

	for (int y = 0; y < dh; y++)
		for (int x = 0; x < dw; x++) {
			/* Average the covered source area when shrinking (a box
			 * filter keeps thin strokes); interpolate when enlarging. */
			if (sy > 1 || sx > 1) {
				int y0 = (int)(y * sy), y1 = (int)ceilf((y + 1) * sy);
				int x0 = (int)(x * sx), x1 = (int)ceilf((x + 1) * sx);
				float sum = 0;
				int n = 0;

				for (int yy = y0; yy < y1 && yy < sh; yy++)
					for (int xx = x0; xx < x1 && xx < sw; xx++, n++)
						sum += src[yy * sw + xx];
				dst[y * dw + x] = n ? sum / (float)n : 0;
			} else {
				dst[y * dw + x] = sample_bilinear(src, sh, sw, (y + 0.5f) * sy - 0.5f,
								  (x + 0.5f) * sx - 0.5f);
			}
		}
}

int pgm_write_new(const char *path, const float *pixels, int h, int w, struct dl_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644), ok;
	FILE *f;

	if (fd < 0 && errno == EEXIST)
		return PGM_EXISTS;
	if (fd < 0 || !(f = fdopen(fd, "wb"))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return dl_error_set(err, "%s: cannot write: %s", path, strerror(e));
	}
	ok = fprintf(f, "P5\n%d %d\n255\n", w, h) > 0;
	for (long i = 0; ok && i < (long)h * w; i++) {
		float v = pixels[i] < 0 ? 0 : pixels[i] > 1 ? 1 : pixels[i];

		ok = fputc((int)lroundf(v * 255), f) != EOF;
	}
	if (fclose(f) != 0 || !ok) {
		int e = errno;

		unlink(path);
		return dl_error_set(err, "%s: cannot write: %s", path, strerror(e));
	}
	return DL_OK;
}
