/*
 * digits_csv.h - scikit-learn's 8x8 digits (sklearn/datasets/data/digits.csv.gz).
 *
 * The file has one sample per line: 64 comma-separated pixel values 0..16
 * (written as floats such as "0.000000000000000000e+00" or "5.0", or as
 * integers), then the label 0..9. It may be gzipped or plain. The full set
 * has 1797 lines. Pixels are scaled to [0, 1] by dividing by 16.
 *
 * Every problem is reported as "PATH:LINE:COL: error: ..." with the column
 * of the offending value; the number of lines and the length of a line are
 * bounded so a wrong or hostile file cannot make us allocate without limit.
 */
#ifndef DL_DATA_DIGITS_CSV_H
#define DL_DATA_DIGITS_CSV_H

#include "data/dataset.h"
#include "util/error.h"

#define DIGITS_CSV_SIDE 8
#define DIGITS_CSV_FIELDS (DIGITS_CSV_SIDE * DIGITS_CSV_SIDE + 1)
#define DIGITS_CSV_MAX_VALUE 16       /* pixels are 0..16 */
#define DIGITS_CSV_MAX_LINES 100000   /* far above sklearn's 1797 */
#define DIGITS_CSV_MAX_LINE 4096      /* characters in one line */
#define DIGITS_CSV_SAMPLES 1797       /* lines in sklearn's file */

/* Read the file into d (n lines, 1x8x8, 10 classes, group NULL). */
int digits_csv_read(const char *path, struct dataset *d, struct dl_error *err);

/* Count the samples (non-blank lines) without parsing them: cheap enough
 * for listings. */
int digits_csv_count(const char *path, int *n, struct dl_error *err);

#endif
