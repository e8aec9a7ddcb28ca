/*
 * pixel_csv.h - images as CSV rows, in the layout of Kaggle's
 * digit-recognizer competition:
 *
 *   label,pixel0,pixel1,...,pixel783      (train.csv)
 *   1,0,0,...,0
 *   pixel0,pixel1,...,pixel783            (test.csv: no labels)
 *   0,0,...,0
 *
 * The header row says which layout a file has: a first column named
 * "label", then pixel0..pixelN-1 in order. N must be a square (784 is
 * 28x28). Pixels are integers 0..255, kept as bytes that stand for
 * v / 255 (DATASET_U8); labels are integers 0..n_classes-1. The file may
 * be gzipped.
 *
 * Every problem is reported as "PATH:LINE:COL: error: ..." with the column
 * of the offending value; the number of rows and the length of a line are
 * bounded so that a wrong file cannot make us allocate without limit.
 */
#ifndef DL_DATA_PIXEL_CSV_H
#define DL_DATA_PIXEL_CSV_H

#include "data/dataset.h"
#include "util/error.h"

#define PIXEL_CSV_MAX_SIDE 256          /* at most 256x256 pixels a row */
#define PIXEL_CSV_MAX_ROWS 10000000

/* What the header row says. */
struct pixel_csv_info {
	int labelled;           /* the first column is "label" */
	int side;               /* images are side x side */
};

/* Read only the header row. */
int pixel_csv_read_info(const char *path, struct pixel_csv_info *info, struct dl_error *err);

/* Read the file into d (c = 1, side x side, n_classes). Without a label
 * column every label is 0 and *labelled is 0; need_labels makes that an
 * error (a training set). */
int pixel_csv_read(const char *path, int n_classes, int need_labels, struct dataset *d,
		   int *labelled, struct dl_error *err);

#endif
