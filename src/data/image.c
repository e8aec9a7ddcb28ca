#include "data/image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/pgm.h"

#define PNG_SIGNATURE_BYTES 8

int image_is_png(const unsigned char *head, size_t size)
{
	static const unsigned char sig[PNG_SIGNATURE_BYTES] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

	return size >= PNG_SIGNATURE_BYTES && !memcmp(head, sig, PNG_SIGNATURE_BYTES);
}

int image_is_pgm(const unsigned char *head, size_t size)
{
	return size >= 2 && head[0] == 'P' && (head[1] == '2' || head[1] == '5');
}

/* Finish a simplified-API read begun on img: check the size, decode to
 * 8-bit grey over the background, convert to floats. */
static int finish_png(png_image *img, const char *name, int invert, float **pixels,
		      int *h, int *w, struct dl_error *err)
{
	png_color background = {0, 0, 0};
	unsigned char *grey;
	size_t n;

	if (img->width > IMAGE_MAX_SIDE || img->height > IMAGE_MAX_SIDE) {
		dl_error_at(err, name, 0, 0, "the image is %ux%u: at most %d pixels a side",
			    (unsigned)img->width, (unsigned)img->height, IMAGE_MAX_SIDE);
		png_image_free(img);
		return DL_ERR;
	}
	if (invert)
		background.red = background.green = background.blue = 255;
	img->format = PNG_FORMAT_GRAY;
	n = (size_t)img->width * img->height;
	grey = malloc(n);
	*pixels = malloc(n * sizeof(float));
	if (!grey || !*pixels) {
		free(grey);
		free(*pixels);
		*pixels = NULL;
		png_image_free(img);
		return dl_error_at(err, name, 0, 0, "out of memory for a %ux%u image",
				   (unsigned)img->width, (unsigned)img->height);
	}
	if (!png_image_finish_read(img, &background, grey, 0, NULL)) {
		dl_error_at(err, name, 0, 0, "truncated or bad PNG (libpng: %s)", img->message);
		free(grey);
		free(*pixels);
		*pixels = NULL;
		png_image_free(img);
		return DL_ERR;
	}
	for (size_t i = 0; i < n; i++)
		(*pixels)[i] = grey[i] / 255.0f;
	free(grey);
	*h = (int)img->height;
	*w = (int)img->width;
	return DL_OK;
}

int image_read_png_memory(const void *data, size_t size, const char *name, int invert,
			  float **pixels, int *h, int *w, struct dl_error *err)
{
	png_image img;

	*pixels = NULL;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_memory(&img, data, size)) {
		dl_error_at(err, name, 0, 0, "truncated or bad PNG (libpng: %s)", img.message);
		png_image_free(&img);
		return DL_ERR;
	}
	return finish_png(&img, name, invert, pixels, h, w, err);
}

static int read_png_file(FILE *f, const char *path, int invert, float **pixels, int *h,
			 int *w, struct dl_error *err)
{
	png_image img;

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_stdio(&img, f)) {
		dl_error_at(err, path, 0, 0, "truncated or bad PNG (libpng: %s)", img.message);
		png_image_free(&img);
		return DL_ERR;
	}
	return finish_png(&img, path, invert, pixels, h, w, err);
}

int image_read(const char *path, int invert, float **pixels, int *h, int *w,
	       struct dl_error *err)
{
	unsigned char head[PNG_SIGNATURE_BYTES];
	size_t got;
	FILE *f;
	int rc;

	*pixels = NULL;
	f = fopen(path, "rb");
	if (!f)
		return dl_error_at(err, path, 0, 0, "%s", strerror(errno));
	got = fread(head, 1, sizeof head, f);
	if (image_is_png(head, got)) {
		rewind(f);
		rc = read_png_file(f, path, invert, pixels, h, w, err);
		fclose(f);
		return rc;
	}
	fclose(f);
	if (image_is_pgm(head, got))
		return pgm_read(path, pixels, h, w, err);
	if (got == 0)
		return dl_error_at(err, path, 0, 0, "the file is empty: a PNG or PGM image expected");
	return dl_error_at(err, path, 0, 0, "not a PNG or PGM image");
}

int image_fit(const float *src, int sh, int sw, int invert, float *dst, int dh, int dw)
{
	int th = dh, tw = dw;
	float *fitted;

	/* The longer side (relative to the input's) fills the input. */
	if ((long)sh * dw > (long)sw * dh)
		tw = (int)(((long)sw * dh * 2 + sh) / (2L * sh));
	else if ((long)sh * dw < (long)sw * dh)
		th = (int)(((long)sh * dw * 2 + sw) / (2L * sw));
	tw = tw < 1 ? 1 : tw;
	th = th < 1 ? 1 : th;
	fitted = malloc(sizeof(float) * (size_t)th * tw);
	if (!fitted)
		return DL_ERR;
	pgm_resample(src, sh, sw, fitted, th, tw);
	memset(dst, 0, sizeof(float) * (size_t)dh * dw);
	for (int y = 0; y < th; y++)
		for (int x = 0; x < tw; x++) {
			float v = fitted[y * tw + x];

			dst[(y + (dh - th) / 2) * dw + x + (dw - tw) / 2] = invert ? 1.0f - v : v;
		}
	free(fitted);
	return DL_OK;
}

/* The box around the pixels above IMAGE_INK; 0 when there are none. */
static int ink_box(const float *img, int h, int w, int *y0, int *x0, int *y1, int *x1)
{
	*y0 = h;
	*x0 = w;
	*y1 = *x1 = -1;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			if (img[y * w + x] > IMAGE_INK) {
				*y0 = y < *y0 ? y : *y0;
				*y1 = y > *y1 ? y : *y1;
				*x0 = x < *x0 ? x : *x0;
				*x1 = x > *x1 ? x : *x1;
			}
	return *y1 >= 0;
}

/* Where a side of n pixels whose centre of mass is at c goes in a side of
 * `room`: c nearest the middle, the whole side inside. */
static int centre_offset(double c, int n, int room)
{
	int at = (int)floor((room - 1) / 2.0 - c + 0.5);

	if (at > room - n)
		at = room - n;
	return at < 0 ? 0 : at;
}

int image_frame_mnist(const float *src, int sh, int sw, int invert, float *dst, int dh, int dw)
{
	int y0, x0, y1, x1, bh, bw, th, tw, box = ((dh < dw ? dh : dw) * 20 + 14) / 28, oy, ox;
	float *img = malloc(sizeof(float) * (size_t)sh * sw), *crop = NULL, *scaled = NULL;
	double mass = 0, my = 0, mx = 0;

	memset(dst, 0, sizeof(float) * (size_t)dh * dw);
	if (!img)
		return DL_ERR;
	for (long i = 0; i < (long)sh * sw; i++)
		img[i] = invert ? 1.0f - src[i] : src[i];
	if (!ink_box(img, sh, sw, &y0, &x0, &y1, &x1)) {
		free(img);
		return DL_OK;
	}
	bh = y1 - y0 + 1;
	bw = x1 - x0 + 1;
	th = bh >= bw ? box : (int)(((long)bh * box * 2 + bw) / (2L * bw));
	tw = bw >= bh ? box : (int)(((long)bw * box * 2 + bh) / (2L * bh));
	th = th < 1 ? 1 : th;
	tw = tw < 1 ? 1 : tw;
	crop = malloc(sizeof(float) * (size_t)bh * bw);
	scaled = malloc(sizeof(float) * (size_t)th * tw);
	if (!crop || !scaled) {
		free(img);
		free(crop);
		free(scaled);
		return DL_ERR;
	}
	for (int y = 0; y < bh; y++)
		memcpy(crop + (size_t)y * bw, img + (size_t)(y0 + y) * sw + x0, sizeof(float) * bw);
	pgm_resample(crop, bh, bw, scaled, th, tw);
	for (int y = 0; y < th; y++)
		for (int x = 0; x < tw; x++) {
			mass += scaled[y * tw + x];
			my += (double)y * scaled[y * tw + x];
			mx += (double)x * scaled[y * tw + x];
		}
	oy = centre_offset(mass > 0 ? my / mass : (th - 1) / 2.0, th, dh);
	ox = centre_offset(mass > 0 ? mx / mass : (tw - 1) / 2.0, tw, dw);
	for (int y = 0; y < th && y + oy < dh; y++)
		for (int x = 0; x < tw && x + ox < dw; x++)
			dst[(y + oy) * dw + x + ox] = scaled[y * tw + x];
	free(img);
	free(crop);
	free(scaled);
	return DL_OK;
}
