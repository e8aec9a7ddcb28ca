/*
 * image.h - one image file (PNG or PGM) as grey pixels, and how an image
 * of any size becomes a model input.
 *
 * PNG is decoded by libpng's simplified API, which turns every colour type
 * and bit depth into 8-bit grey: palette and RGB images become grey by
 * their luminance, 16-bit samples are reduced to 8 bits, and transparent
 * pixels are laid over the background (black, or white for inverted
 * images: transparency is where there is no ink). PGM (P2, P5) is read by
 * pgm.h. Which reader runs is decided by the file's first bytes, not its
 * name.
 *
 * Fitting an image to the input size (image_fit) keeps its aspect ratio:
 * it is scaled until its longer side fills the input, area-averaged when
 * shrinking (thin strokes survive) and bilinear when enlarging, centred,
 * and the margin is black. Inversion happens first, so the margin is
 * always the background.
 *
 * Sizes are checked before anything is decoded: a side longer than
 * IMAGE_MAX_SIDE is refused with the size it claims.
 */
#ifndef DL_DATA_IMAGE_H
#define DL_DATA_IMAGE_H

#include <stddef.h>

#include "util/error.h"

#define IMAGE_MAX_SIDE 8192

/* Is this the start of a PNG (its 8-byte signature) or of a PGM ("P2",
 * "P5")? size is how many bytes head holds. */
int image_is_png(const unsigned char *head, size_t size);
int image_is_pgm(const unsigned char *head, size_t size);

/* Read a PNG or PGM file into *pixels (h*w floats in [0, 1], row-major,
 * malloc'd, the caller's). With invert, transparent PNG pixels are white
 * (they become black once the caller inverts). Every error names path. */
int image_read(const char *path, int invert, float **pixels, int *h, int *w,
	       struct dl_error *err);

/* The same for a PNG held in memory; name is what errors call it. */
int image_read_png_memory(const void *data, size_t size, const char *name, int invert,
			  float **pixels, int *h, int *w, struct dl_error *err);

/*
 * MNIST's own preparation (LeCun et al.): "size normalized to fit in a
 * 20x20 pixel box while preserving their aspect ratio ... centered in a
 * 28x28 image by computing the center of mass of the pixels, and
 * translating the image so as to position this point at the center". Here:
 *
 *   1. inverted first when asked;
 *   2. the box around the ink (pixels above IMAGE_INK) is cut out;
 *   3. scaled until its longer side is 20/28 of the shorter of dh and dw
 *      (20 for 28x28), the other side in proportion, with image_fit's
 *      resampling;
 *   4. placed, by whole pixels, so that its centre of mass (sum of y * v
 *      over sum of v, pixel indexes) is nearest the centre (dh - 1) / 2,
 *      (dw - 1) / 2 (13.5, 13.5 for 28x28; a half rounds up), moved back
 *      inside when that would cut it.
 *
 * An image without ink comes out black. `digitlab predict` prepares an
 * image so for a model trained on MNIST, and so does the dashboard's pad.
 */
#define IMAGE_INK 0.1f
int image_frame_mnist(const float *src, int sh, int sw, int invert, float *dst, int dh, int dw);

/* src (sh x sw, values in [0, 1]) into dst (dh x dw) as the header says:
 * inverted when asked, scaled to fit keeping its aspect ratio, centred on
 * black. Returns DL_ERR only when out of memory. */
int image_fit(const float *src, int sh, int sw, int invert, float *dst, int dh, int dw);

#endif
