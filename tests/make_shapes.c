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
 *
 *   make_shapes --idx47 DIR N [SEED]
 *
 * writes instead a 47-class IDX data set the shape of EMNIST Balanced
 * (28x28, labels 0..46): DIR/train-images.idx, train-labels.idx (N images
 * a class) and test-images.idx, test-labels.idx (N/4 a class). Class k is
 * a 4x4 block at cell k of a 7x7 grid of cells, shifted a pixel or two,
 * over noise.
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

static int write_idx(const char *path, const unsigned char *payload, int n, int images)
{
	unsigned char head[16] = {0, 0, 8, images ? 3 : 1};
	FILE *f = fopen(path, "wb");
	size_t len = (size_t)n * (images ? 28 * 28 : 1);
	int ok;

	for (int i = 0; i < 4; i++)
		head[4 + i] = (unsigned char)((unsigned)n >> (24 - 8 * i));
	head[11] = head[15] = 28;
	ok = f && fwrite(head, 1, images ? 16 : 8, f) == (images ? 16u : 8u) &&
	     fwrite(payload, 1, len, f) == len;
	if (f && fclose(f) != 0)
		ok = 0;
	if (!ok)
		fprintf(stderr, "make_shapes: cannot write %s\n", path);
	return ok ? 0 : 1;
}

/* n images a class of the 47-class blocks, labels in class order mixed. */
static int write_idx47(const char *dir, const char *part, int n)
{
	int total = 47 * n, rc;
	unsigned char *px = malloc((size_t)total * 28 * 28), *lab = malloc((size_t)total);
	char path[4096];

	for (int i = 0; i < total; i++) {
		int k = i % 47, cy = 1 + (k / 7) * 4 + (int)(uniform() * 3) - 1;
		int cx = 1 + (k % 7) * 4 + (int)(uniform() * 3) - 1;
		unsigned char *img = px + (size_t)i * 28 * 28;

		lab[i] = (unsigned char)k;
		for (int p = 0; p < 28 * 28; p++)
			img[p] = (unsigned char)(uniform() * 60);
		for (int y = cy; y < cy + 4; y++)
			for (int x = cx; x < cx + 4; x++)
				if (y >= 0 && y < 28 && x >= 0 && x < 28)
					img[y * 28 + x] = 255;
	}
	snprintf(path, sizeof path, "%s/%s-images.idx", dir, part);
	rc = write_idx(path, px, total, 1);
	snprintf(path, sizeof path, "%s/%s-labels.idx", dir, part);
	rc |= write_idx(path, lab, total, 0);
	free(px);
	free(lab);
	return rc;
}

int main(int argc, char **argv)
{
	static const char *const names[3] = {"cat", "dog", "owl"};
	char path[4096];
	int n;

	if (argc >= 4 && !strcmp(argv[1], "--idx47") && (n = atoi(argv[3])) >= 4) {
		state = argc > 4 ? strtoull(argv[4], NULL, 10) : 1;
		mkdir(argv[2], 0755);
		return write_idx47(argv[2], "train", n) | write_idx47(argv[2], "test", n / 4);
	}
	if (argc < 3 || (n = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: make_shapes [--idx47] DIR N [SEED]\n");
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
