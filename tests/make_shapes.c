/*
 * make_shapes.c - writes a small folder data set of drawn shapes with
 * libpng, for the tests of `data: {source: folder}`:
 *
 *   make_shapes DIR N [SEED]
 *
 * makes DIR/cat, DIR/dog and DIR/owl, each with N PNG images: dark ink on
 * white paper (so the data set is read with invert: true), 8-bit grey,
 * of sizes between 24 and 40 pixels a side (not all square), each shape
 * drawn at a random place and size. A cat is a filled disc, a dog the
 * outline of a square, an owl a filled triangle. A few images are stored
 * as RGB, RGBA with transparent paper, 16-bit grey and a palette, which the
 * reader must turn into the same grey.
 */
#include <math.h>
#include <png.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t state;

static double uniform(void)
{
	state = state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(state >> 11) / 9007199254740992.0;
}

/* ink in [0, 1] at (x, y) for each shape, centre (cx, cy), size r */
static double ink(int kind, double x, double y, double cx, double cy, double r)
{
	double dx = x - cx, dy = y - cy;

	switch (kind) {
	case 0:         /* cat: a disc */
		return dx * dx + dy * dy <= r * r;
	case 1:         /* dog: a square's outline, 2 pixels thick */
		return fmax(fabs(dx), fabs(dy)) <= r && fmax(fabs(dx), fabs(dy)) >= r - 2;
	default:        /* owl: a triangle pointing up */
		return dy <= r && dy >= -r && fabs(dx) <= (dy + r) / 2;
	}
}

static int write_png(const char *path, const unsigned char *grey, int w, int h, int variant)
{
	png_image img;
	unsigned char colormap[3 * 256];
	int n = w * h, rc;
	void *buf;

	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	switch (variant) {
	case 1: {       /* RGB */
		unsigned char *p = malloc((size_t)n * 3);
		for (int i = 0; i < n; i++)
			p[3 * i] = p[3 * i + 1] = p[3 * i + 2] = grey[i];
		img.format = PNG_FORMAT_RGB;
		buf = p;
		break;
	}
	case 2: {       /* RGBA: black ink, paper transparent */
		unsigned char *p = malloc((size_t)n * 4);
		for (int i = 0; i < n; i++) {
			p[4 * i] = p[4 * i + 1] = p[4 * i + 2] = 0;
			p[4 * i + 3] = (unsigned char)(255 - grey[i]);
		}
		img.format = PNG_FORMAT_RGBA;
		buf = p;
		break;
	}
	case 3: {       /* 16-bit grey */
		png_uint_16 *p = malloc((size_t)n * 2);
		for (int i = 0; i < n; i++)
			p[i] = (png_uint_16)(grey[i] * 257);
		img.format = PNG_FORMAT_LINEAR_Y;
		buf = p;
		break;
	}
	case 4:         /* palette: 256 greys */
		for (int i = 0; i < 256; i++)
			colormap[3 * i] = colormap[3 * i + 1] = colormap[3 * i + 2] = (unsigned char)i;
		img.format = PNG_FORMAT_RGB_COLORMAP;
		img.colormap_entries = 256;
		buf = (void *)grey;
		break;
	default:
		img.format = PNG_FORMAT_GRAY;
		buf = (void *)grey;
		break;
	}
	rc = png_image_write_to_file(&img, path, 0, buf, 0, variant == 4 ? colormap : NULL);
	if (buf != grey)
		free(buf);
	if (!rc)
		fprintf(stderr, "make_shapes: %s: %s\n", path, img.message);
	return rc ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const char *const names[3] = {"cat", "dog", "owl"};
	char path[4096];
	int n;

	if (argc < 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: make_shapes DIR N [SEED]\n");
		return 2;
	}
	state = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
	mkdir(argv[1], 0755);
	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s/%s", argv[1], names[k]);
		mkdir(path, 0755);
		for (int i = 0; i < n; i++) {
			int w = 24 + (int)(uniform() * 17), h = 24 + (int)(uniform() * 17);
			int side = w < h ? w : h;
			double r = side * (0.2 + 0.15 * uniform());
			double cx = w / 2.0 + (uniform() - 0.5) * (w - 2 * r - 2);
			double cy = h / 2.0 + (uniform() - 0.5) * (h - 2 * r - 2);
			unsigned char *grey = malloc((size_t)w * h);

			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++) {
					double v = ink(k, x + 0.5, y + 0.5, cx, cy, r);
					double noise = uniform() * 0.15;

					grey[y * w + x] = (unsigned char)lround(255 * (1 - v * 0.9 - noise));
				}
			snprintf(path, sizeof path, "%s/%s/%03d.png", argv[1], names[k], i);
			if (write_png(path, grey, w, h, i % 16 < 5 ? i % 16 : 0)) {
				free(grey);
				return 1;
			}
			free(grey);
		}
	}
	return 0;
}
