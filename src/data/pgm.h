/*
 * pgm.h - reading greyscale PGM images (P2 text and P5 binary, maxval up to
 * 65535) and resampling them to a model's input size, for `digitlab predict`.
 */
#ifndef DL_DATA_PGM_H
#define DL_DATA_PGM_H

#include "util/error.h"

/* Largest width or height accepted (a bigger header is refused before any
 * allocation). */
#define PGM_MAX_SIDE 8192

/* Read path into *pixels (h*w floats in [0, 1], row-major, malloc'd). */
int pgm_read(const char *path, float **pixels, int *h, int *w, struct dl_error *err);

/* Resample src (sh x sw) to dst (dh x dw) by averaging the source area that
 * each destination pixel covers (bilinear when enlarging). */
void pgm_resample(const float *src, int sh, int sw, float *dst, int dh, int dw);

/* Write pixels (h*w floats in [0, 1], clipped) to a new file at path as a
 * binary PGM (P5, maxval 255: round(v * 255)), never over an existing
 * file. Returns DL_OK, PGM_EXISTS when path exists (nothing written), or
 * DL_ERR with err naming path and why. */
#define PGM_EXISTS 1
int pgm_write_new(const char *path, const float *pixels, int h, int w, struct dl_error *err);

#endif
