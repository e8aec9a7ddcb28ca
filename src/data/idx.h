/*
 * idx.h - the IDX file format of MNIST and Fashion-MNIST, raw or gzipped.
 *
 * An IDX file is a 4-byte magic (0x00 0x00 TYPE NDIMS), NDIMS big-endian
 * 32-bit sizes, then the payload. We read two kinds, both of unsigned bytes
 * (TYPE 0x08): images (magic 0x00000803, sizes N x ROWS x COLS) and labels
 * (magic 0x00000801, size N). A file starting with the gzip magic 1f 8b is
 * decompressed on the fly.
 *
 * The header is never trusted: sizes are checked against fixed limits first,
 * a raw file's length must equal exactly what the header promises before
 * anything is allocated, and a gzip stream is read in chunks into a buffer
 * that grows only as real data arrives, failing as soon as the stream is
 * longer or shorter than promised. Every error is located at the file
 * (dl_error_at(err, path, 0, 0, ...)) and says what was expected and found.
 */
#ifndef DL_DATA_IDX_H
#define DL_DATA_IDX_H

#include <stdint.h>

#include "data/dataset.h"
#include "util/error.h"

#define IDX_MAGIC_IMAGES 0x00000803u
#define IDX_MAGIC_LABELS 0x00000801u
#define IDX_MAX_SIDE 1024          /* rows and cols at most this */
#define IDX_MAX_COUNT 10000000     /* at most this many images or labels */

/* What an IDX header says. */
struct idx_info {
	int ndims;            /* 3 for images, 1 for labels */
	int n;                /* number of images or labels */
	int rows, cols;       /* image size; 0 for labels */
	int gzip;             /* 1 when the file is gzip-compressed */
	long long bytes;      /* header + payload length the header promises
	                         (of the decompressed data for gzip) */
};

/* Read and check only the header. want_ndims: 3 (images), 1 (labels) or 0
 * (either). Cheap: reads a few bytes, and for a raw file compares the file
 * length with the header. */
int idx_read_info(const char *path, int want_ndims, struct idx_info *info,
		  struct dl_error *err);

/* Read an image file: *pixels (malloc'd, n*rows*cols bytes, row-major,
 * caller frees) and *info. On error *pixels is NULL. */
int idx_read_images(const char *path, uint8_t **pixels, struct idx_info *info,
		    struct dl_error *err);

/* Read a label file whose labels must all be < n_classes: *labels
 * (malloc'd, caller frees) and *n. On error *labels is NULL. */
int idx_read_labels(const char *path, int n_classes, uint8_t **labels, int *n,
		    struct dl_error *err);

/* Read an image file and its label file into d (c=1, the file's bytes,
 * each standing for byte / 255; group NULL). The two counts must agree. */
int idx_load(const char *images_path, const char *labels_path, int n_classes,
	     struct dataset *d, struct dl_error *err);

/* Write IDX files (gzip-compressed when gzip is nonzero). Used by tests
 * and by anyone exporting data; the file is written in place. */
int idx_write_images(const char *path, int n, int rows, int cols,
		     const uint8_t *pixels, int gzip, struct dl_error *err);
int idx_write_labels(const char *path, int n, const uint8_t *labels, int gzip,
		     struct dl_error *err);

#endif
