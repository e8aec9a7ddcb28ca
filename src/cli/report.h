/*
 * report.h - plain-text and JSON renderings of run results for the
 * headless commands (run, bench).
 */
#ifndef DL_CLI_REPORT_H
#define DL_CLI_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "store/store.h"
#include "train/trainer.h"

/*
 * The table of epochs `run` prints, within 80 columns:
 *
 *      epoch    loss  accuracy  val_loss  val_accuracy        lr    time
 *       3/10  0.1234    0.9650    0.1022        0.9698     0.001    2.1s
 *             lr 0.001 -> 0.0002
 *
 * epoch_width is the width of the EPOCH column (that of "10/10"); without
 * validation (has_val 0) the val_ columns are left out. An epoch's events
 * follow its row, indented.
 */
void report_epoch_header(FILE *out, int epoch_width, int has_val);

/* text on lines of at most 80 columns, broken at spaces, the lines after
 * the first indented by `indent` spaces. A word longer than a line is
 * printed whole. */
void report_wrapped(FILE *out, const char *text, int indent);
void report_epoch_row(FILE *out, const struct epoch_metrics *m, int epochs, int epoch_width,
		      int has_val);

/* The confusion matrix with row/column labels (rows: true class), the
 * labels from names (ev->n_classes of them; NULL: the class numbers). */
void report_confusion(FILE *out, const struct evaluation *ev,
		      const char (*names)[DATA_CLASS_NAME_MAX]);

/* Error rate per true class, with counts. */
void report_per_class_error(FILE *out, const struct evaluation *ev,
			    const char (*names)[DATA_CLASS_NAME_MAX]);

/* Class k's name into buf: names[k], or the number k when names is NULL. */
const char *report_class_name(const char (*names)[DATA_CLASS_NAME_MAX], int k, char *buf,
			      size_t size);

struct store_row;

/* One field of a JSON object, after the first: ,"key":number (null for
 * NaN) or ,"key":"string". */
void json_field_number(FILE *out, const char *key, double v);
void json_field_string(FILE *out, const char *key, const char *s);

/* A run's name as the commands show it: the sweep point after the name of
 * a run of a sweep ("nb000-hidden-sweep units=15"). With width > 0 it is
 * cut to at most width characters, keeping the point whole
 * ("nb000-hidd~ units=15"), or the point's end when the point alone is too
 * long. The text is the user's, not escaped: print it with text_cell() or
 * text_fputs(). Writes buf (300 bytes hold any). */
const char *report_run_name(const struct store_row *r, int width, char *buf, size_t size);

/* A run's row as the fields of a JSON object, "id" first, no braces: what
 * `ls --json` prints of each run, and `export --format json` starts with. */
void report_row_json(FILE *out, const struct store_row *r);

/* A JSON string literal with escapes. */
void json_string(FILE *out, const char *s);
/* A JSON number, or null for NaN/Inf (JSON has no NaN). */
void json_number(FILE *out, double v);

/* The whole run as one JSON object on one line (no trailing newline). */
void report_run_json(FILE *out, const struct experiment *exp,
		     const struct run_result *r, int threads);

const char *run_status_name(enum run_status s);



/* Short renderings for tables; each writes buf and returns it. Durations
 * are util/format.h's format_duration. */
const char *fmt_metric(double v, char *buf, size_t size);      /* "0.9512", NaN: "-" */
const char *fmt_count(int64_t n, char *buf, size_t size);      /* "597,066", 0: "-" */
const char *fmt_time(double t, char *buf, size_t size);        /* local "Y-m-d H:M:S" */

/*
 * Metric columns, as `ls --columns` and `export --columns` take them: a
 * comma-separated list of METRIC (its last value, best value and epoch of
 * the best: three columns) or METRIC:last, METRIC:best, METRIC:best_epoch,
 * METRIC one of store_metric_names (store.h says what best is). A column
 * is named as the list names it, METRIC alone giving METRIC:last,
 * METRIC:best and METRIC:best_epoch.
 */
#define REPORT_MAX_COLUMNS 24

struct metric_column {
	enum store_metric metric;
	enum store_metric_part part;
	char name[32];          /* "val_loss:best" */
};

/* Parse the list for `command`. On a mistake it says which, with the
 * choices, as a usage error, and returns EXIT_USAGE; else 0. */
int report_parse_columns(const char *command, const char *list, struct metric_column *cols,
			 int *n);
/* A column's value from a run's summaries (store_run_metrics): NaN when
 * none; the epoch as a number for best_epoch. */
double report_column_value(const struct metric_column *c,
			   const struct store_metric_summary sums[STORE_METRIC_COUNT]);

#endif
