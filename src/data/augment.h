/*
 * augment.h - random affine distortions of training images, the way Keras's
 * ImageDataGenerator(rotation_range, zoom_range, width/height_shift_range)
 * makes them (`digitlab augment-preview` draws what they do).
 *
 * Every call draws a fresh transform (rotation about the image centre, zoom,
 * shift), inverse-maps each destination pixel to a source position and
 * samples the source bilinearly; pixels outside the source count as 0
 * (Keras fill_mode="constant", cval=0). The transform is a pure function of
 * the rng state, so the same seed gives the same bytes on every machine and
 * on every thread timing (the batcher, batcher.h, relies on this).
 *
 * Random draws, fixed order, exactly five rng_uniform() per image whatever
 * the spec (so enabling one distortion never changes the others' numbers):
 *   1. angle   = U(-rotation, rotation)          degrees
 *   2. shift_x = U(-shift, shift) * w            pixels
 *   3. shift_y = U(-shift, shift) * h            pixels
 *   4. zoom_x  = U(1 - zoom, 1 + zoom)
 *   5. zoom_y  = U(1 - zoom, 1 + zoom)           (independent of zoom_x)
 * where U(a, b) = a + (b - a) * rng_uniform(), i.e. [a, b).
 *
 * Geometry, in pixel coordinates (x to the right, y down, centre
 * o = ((w-1)/2, (h-1)/2), as Keras's transform_matrix_offset_center):
 *   src = o + R(angle) * (Z * (dst - o) - shift)
 * so zoom is applied first, then shift, then rotation (Keras composes
 * rotation @ shift @ zoom the same way). Sign conventions: a positive shift
 * moves the content right/down; a positive angle turns the content
 * counter-clockwise as displayed; a zoom factor is source pixels per
 * destination pixel, so zoom > 1 shows more of the source and the digit
 * gets smaller (Keras's meaning of zoom_range). The distributions are
 * symmetric, so the signs only matter for the test hook.
 *
 * Edges: a source position is sampled from its four neighbouring pixels,
 * each neighbour outside the image counting as 0 ("grid-constant"). This
 * differs from scipy's mode="constant" (which Keras calls) only in a band
 * one pixel wide at the border: scipy returns cval for any position even a
 * rounding error outside [0, n-1], we fade to 0 continuously, so an exact
 * 90-degree turn keeps its border row. Digits have blank borders; nothing
 * visible changes.
 *
 * Images are (c, h, w) planes; all channels get the same transform. A
 * sample of a data set is read as the set keeps it (augment_sample): bytes
 * are turned into their float values while the image is read, never
 * converted as a whole first.
 */
#ifndef DL_DATA_AUGMENT_H
#define DL_DATA_AUGMENT_H

#include <stdint.h>
#include <stdio.h>

#include "data/dataset.h"
#include "util/error.h"
#include "util/rng.h"

/* What the experiment file's `augment:` section says. All zero = off. */
struct augment_spec {
	float rotation;  /* degrees; angle ~ U(-rotation, rotation); 0 = none */
	float zoom;      /* zoom_x, zoom_y ~ U(1-zoom, 1+zoom) independently (Keras
	                    zoom_range); 0 = none, must be < 1 */
	float shift;     /* fraction of the width/height; shift_x ~ U(-s, s)*w,
	                    shift_y ~ U(-s, s)*h (Keras width/height_shift_range) */
};

/* One concrete transform (what a spec draws for one image). */
struct augment_params {
	float angle;             /* degrees, counter-clockwise as displayed */
	float zoom_x, zoom_y;    /* source pixels per destination pixel; 1 = none */
	float shift_x, shift_y;  /* pixels; positive moves the content right/down */
};

/* Nonzero when the spec distorts anything (a NULL spec is disabled). */
int augment_enabled(const struct augment_spec *spec);

/* Check ranges: rotation in [0, 180], zoom in [0, 1), shift in [0, 1], all
 * finite. Returns DL_OK, or DL_ERR with a message naming the bad field. */
int augment_spec_check(const struct augment_spec *spec, struct dl_error *err);

/* Draw one transform: exactly five rng_uniform() calls, in the order given
 * at the top of this file. h, w: the image size the shift is relative to. */
void augment_params_draw(const struct augment_spec *spec, struct rng *rng,
			 int h, int w, struct augment_params *out);

/* Apply a given transform: src and dst are (c, h, w), must not overlap.
 * Identity params copy the image exactly. Planes up to 61x61 take a
 * branch-free path through a zero-padded copy on the stack (16 KB; about
 * 2 us for 28x28), larger ones a bounds-checked path (same results). */
void augment_image_with(const struct augment_params *p, const float *src,
			float *dst, int c, int h, int w);

/* augment_params_draw + augment_image_with: a fresh random transform per
 * call, consuming exactly five numbers of rng. */
void augment_image(const struct augment_spec *spec, struct rng *rng,
		   const float *src, float *dst, int c, int h, int w);

/* augment_image on sample i of d, read as d keeps its pixels (bytes or
 * floats): the same floats augment_image gives for the sample's float
 * values. dst is (c, h, w) of d. */
void augment_sample(const struct augment_spec *spec, struct rng *rng,
		    const struct dataset *d, int i, float *dst);

#endif
