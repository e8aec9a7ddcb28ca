/*
 * widgets.h - the dashboard's pictures, each a pure function from data to
 * cells of a canvas (canvas.h). Nothing here knows ncurses, the store or
 * the time: the same call draws the dashboard, `digitlab show` and the
 * golden test files.
 *
 * Every widget draws inside the rectangle it is given and clips there;
 * glyphs come from a Unicode table or, on an ASCII canvas, from an ASCII
 * one. Where colour carries a value (a heatmap, a grey level) and the
 * canvas has no colours, a glyph carries it too.
 */
#ifndef DL_TUI_WIDGETS_H
#define DL_TUI_WIDGETS_H

#include "tui/canvas.h"

/* One row of w columns: the n values (longer series averaged in buckets,
 * NaN skipped) scaled from their minimum to their maximum as eight block
 * heights, or "_.:-=+*#" on ASCII. A column with no value stays blank; a
 * constant series sits at mid height. */
void widget_sparkline(struct canvas *c, int x, int y, int w, const double *v, int n, int fg);

struct chart_series {
	const double *v;        /* y values at x = 0 .. n-1 (epochs); NaN: a gap */
	int n;
	int color;              /* enum canvas_color */
	const char *label;      /* for the legend; may be NULL */
};

struct chart_opts {
	const char *title;      /* top-left; may be NULL */
	int smooth;             /* > 1: also draw a centred moving average of this
	                           window in the series' colour, over the raw
	                           series dimmed ('.' on ASCII), never instead */
	const int *marks;       /* points (indexes into the series) to mark on the x
	                           axis (LR reductions, early stopping), may be NULL */
	int n_marks;
	const double *x;        /* the x of each point, increasing, as many as the
	                           longest series has (steps, seconds); NULL: the
	                           point's number from 1 (epochs) */
	const char *x_unit;     /* after the last x label ("steps", "s"); may be NULL */
	int log_x, log_y;       /* logarithmic axes: a point at x <= 0 or y <= 0 is
	                           left out, as a gap */
};

/* A line chart of up to 5 series in the w x h rectangle: a y axis with its
 * top, middle and bottom values on the left, an x axis with the first and
 * last x (1-based, as epochs are counted, or o->x's, with o->x_unit) below
 * (on a log axis the middle value is the geometric mean of the two ends,
 * and points sit by the logarithm of their value), the plot in braille dots
 * (2 x 4 per cell) or, on ASCII, one glyph per cell ("*o#x%" by series,
 * the last drawn where they meet), and a legend in the top row when a
 * series has a label (the title gets the width the legend leaves). The y
 * range is the series' minimum to maximum over all (a flat range is
 * widened). Needs w >= 20, h >= 5; smaller draws nothing. */
void widget_line_chart(struct canvas *c, int x, int y, int w, int h,
		       const struct chart_series *s, int n_series, const struct chart_opts *o);

/* A progress bar of w columns for fraction in [0, 1]: eighth blocks in
 * Unicode, "[####....]" in ASCII. */
void widget_progress(struct canvas *c, int x, int y, int w, double fraction, int fg);

enum confusion_mode { CONFUSION_COUNTS, CONFUSION_ROW_PERCENT };

/* Size of a k-class confusion heatmap: a header row and a label column,
 * then k rows of k cells 5 columns wide. */
int widget_confusion_width(int k);
int widget_confusion_height(int k);
/* Where its cells are, from the heatmap's top-left corner: the first cell
 * at (*dx, *dy), each *cell_w columns wide and one row high. */
void widget_confusion_cells(int *dx, int *dy, int *cell_w);

/* The k x k matrix counts[true * k + pred] at (x, y): counts, or each row
 * as percent of its true class. Off-diagonal cells are heated by their
 * share of the row (COLOR_HEAT* backgrounds); without colours a shade
 * glyph before the number carries the heat. The diagonal is COLOR_GOOD.
 * The cell (sel_true, sel_pred) is drawn reversed (-1: none). */
void widget_confusion(struct canvas *c, int x, int y, const int *counts, int k,
		      enum confusion_mode mode, int sel_true, int sel_pred);

/* Error of each true class as a bar: one row per class, "3 ▇▇▇▇▇   3.00%",
 * bars scaled to the largest error, in w columns (at least 12; narrower
 * draws nothing). Rows for classes with no samples read "-". */
void widget_class_error(struct canvas *c, int x, int y, int w, const int *counts, int k);

/*
 * Class labels, many classes and scrolling. The functions above draw every
 * class, numbered; these take a layout that names the classes and may
 * show a window of them, for data sets of names (cat, dog, owl) or of many
 * classes (EMNIST Balanced's 47) on a small terminal. A NULL layout, or a
 * zeroed one, draws exactly what the functions above draw.
 */
#define WIDGET_MAX_CLASSES 128

struct confusion_layout {
	const char *const *labels;  /* k class names, printable UTF-8, each drawn in
	                               at most 8 columns; NULL: the class numbers */
	int compact;                /* one column per cell: a glyph for its heat and
	                               no number (the diagonal a dot); the column
	                               header is each label's first character */
	int top;                    /* first true class shown (a scroll offset) */
	int left;                   /* first predicted class shown */
	int rows, cols;             /* classes shown down and across; 0: all from
	                               top / left */
};

/* Size and cell geometry of the heatmap drawn with layout l (NULL: as
 * widget_confusion_width/height/cells). The label column is as wide as the
 * widest label, 3 to 8 columns, plus one. */
int widget_confusion_layout_width(int k, const struct confusion_layout *l);
int widget_confusion_layout_height(int k, const struct confusion_layout *l);
void widget_confusion_layout_cells(int k, const struct confusion_layout *l, int *dx, int *dy,
				   int *cell_w);

/* Choose how a k-class heatmap fits in w x h, reading l->labels and the
 * current l->top and l->left (the scroll position) and writing the rest:
 * the full heatmap when it fits, else the compact one showing as many
 * classes as fit, scrolled the least that keeps (sel_true, sel_pred)
 * visible (-1: no selection). Draw the per-class error with the same
 * layout to keep its rows beside the heatmap's. */
void widget_confusion_fit(int k, int w, int h, int sel_true, int sel_pred,
			  struct confusion_layout *l);

/* widget_confusion with a layout: the rows top..top+rows-1 and columns
 * left..left+cols-1 of the matrix, with the layout's labels. */
void widget_confusion_layout(struct canvas *c, int x, int y, const int *counts, int k,
			     enum confusion_mode mode, int sel_true, int sel_pred,
			     const struct confusion_layout *l);

/* widget_class_error with a layout: the rows top..top+rows-1 with their
 * labels (at most 8 columns, as wide as the widest). Needs w >= label
 * width + 11; narrower draws nothing. */
void widget_class_error_layout(struct canvas *c, int x, int y, int w, const int *counts, int k,
			       const struct confusion_layout *l);

/* Size of an image drawn by widget_image. */
int widget_image_width(int w);
int widget_image_height(int h);

/* An h x w image (row-major) at (x, y), two pixel rows per text row. Grey
 * images hold values in [0, 1] (clipped); signed images (saliency) hold
 * any values, scaled by their largest magnitude, positive drawn as
 * COLOR_GOOD and negative as COLOR_BAD. With 256 colours each cell is '▀'
 * with the upper pixel's grey as foreground and the lower one's as
 * background; otherwise a shade glyph of the two pixels' mean (" ░▒▓█",
 * ASCII " .:-=+*#%@"). */
void widget_image(struct canvas *c, int x, int y, const float *pixels, int h, int w,
		  int signed_values);

/*
 * Digits as text, for the command line (weights, predict --saliency,
 * augment-preview) and any canvas printed as text. Two styles, each with a
 * glyph table in a pair (Unicode, ASCII), as htop's meters have:
 *
 *   on/off (shades = 0): is the digit still a digit? A pixel is on when >=
 *     threshold. Unicode draws two pixel rows per text row with the half
 *     blocks ' ', '▀', '▄', '█'; ASCII one pixel row per line, each pixel
 *     two characters wide (so digits keep their proportions), from " .:#" by
 *     quarters of 2*threshold (':' and '#' are on).
 *   shades (shades = 1): how strong is each pixel? Grey levels in [0, 1]
 *     from " ░▒▓█" (Unicode) or " .:-=+*#%@" (ASCII), one pixel row per
 *     line, each pixel two characters wide, or one when `narrow`. A value
 *     of 0.5 falls in the middle glyph of both tables, which is what signed
 *     data scaled around zero (analysis_scale_symmetric) needs.
 *
 * The table is the canvas's (ascii). Images go side by side in bands, two
 * columns apart, each optionally framed (┌─┐ or +-+) under a caption cut to
 * its width.
 */
struct digit_style {
	int shades;             /* 1: grey levels; 0: on/off at threshold */
	float threshold;        /* on/off: on at >= threshold; not > 0 means 0.5 */
	int frame;              /* a box around each image */
	int narrow;             /* shades: one column per pixel instead of two */
};

#define WIDGET_DIGITS_MAX_BAND 64       /* images side by side on one band */

/* Columns and rows one image of h x w takes, frame included (no caption). */
int widget_digit_width(const struct canvas *c, const struct digit_style *s, int w);
int widget_digit_height(const struct canvas *c, const struct digit_style *s, int h);

/* n images (1 <= n <= WIDGET_DIGITS_MAX_BAND) side by side at (x, y), each
 * `planes` planes of h x w one after the other (a dataset's layout) drawn as
 * their mean, under a row of captions when captions is not NULL. Returns the
 * rows used. */
int widget_digit_band(struct canvas *c, int x, int y, const float *const *images,
		      const char *const *captions, int n, int planes, int h, int w,
		      const struct digit_style *s);

/* n single-plane h x w images stored one after the other, `columns` to a
 * band (0: as many as fit the canvas's width), a blank row between bands.
 * In the shades style, bands of two-column pixels too wide for the canvas
 * are drawn narrow. Returns the rows used; widget_digit_grid_rows says how
 * many it will need, to size the canvas. */
int widget_digit_grid(struct canvas *c, int x, int y, const float *pixels,
		      const char *const *captions, int n, int h, int w, int columns,
		      const struct digit_style *s);
int widget_digit_grid_rows(const struct canvas *c, int n, int h, int w, int columns,
			   int captions, const struct digit_style *s);

/* A digit's thumbnail: the square around its ink (pixels above 0.1), every
 * other pixel of it, so that a 28x28 MNIST digit (20x20 of ink at most) is
 * 10 columns by 5 rows. At most WIDGET_THUMB_MAX pixels a side are shown.
 * Returns the columns it took. */
#define WIDGET_THUMB_MAX 16
int widget_digit_thumb(struct canvas *c, int x, int y, const float *pixels, int h, int w);

/*
 * Sweeps: what a sweep found, drawn by the number of keys it swept. The
 * caller (the sweep view, `digitlab sweep show`) computes the numbers
 * (tui/sweepstat.h) and formats the labels; these only draw them.
 */

/* One key: the objective (y) against the key's values (x). */
struct value_plot {
	int n;                          /* values of the key, 1 .. 256 */
	const char *const *labels;      /* n texts, drawn under their ticks where they fit */
	const double *x;                /* n numbers, ascending; NULL: categories, evenly spaced */
	int log_x;                      /* x on a log scale (every x > 0) */
	const double *mean, *spread;    /* n each: the objective's mean and standard
	                                   deviation over the value's runs; NAN: none */
	int n_runs;                     /* finished runs, each drawn as a dot */
	const int *run_value;           /* n_runs indexes into the values */
	const double *run_y;            /* n_runs objectives */
	int best;                       /* the value of the best mean, marked; -1: none */
	int sel;                        /* the selected value: its label drawn reversed,
	                                   however crowded; -1: none */
	const char *key;                /* the key's name, under the labels */
};

/* The plot in the w x h rectangle: a y axis with its top, middle and
 * bottom values, the means joined by a line, each mean's spread (mean
 * +- one standard deviation) as a vertical bar and each run as a dot,
 * braille in Unicode; ASCII draws '.' for the line, '|' for a spread, 'o'
 * for a run, '*' for a mean and '@' for the best one. Below the plot an
 * axis with a tick per value, the values' labels and the key's name ("(log
 * scale)" after it when log_x). Needs w >= 24, h >= 7; smaller draws
 * nothing. */
void widget_value_plot(struct canvas *c, int x, int y, int w, int h, const struct value_plot *p);

/* Two keys: the objective over their grid. */
struct heatmap {
	int rows, cols;                 /* values of the first key (down), the second (across) */
	const char *const *row_labels;  /* rows texts */
	const char *const *col_labels;  /* cols texts */
	const char *row_key, *col_key;  /* the keys' names */
	const double *v;                /* rows * cols, row-major; NAN: no result */
	const char *const *text;        /* rows * cols: each cell's value as printed;
	                                   NULL (or a NULL entry): "-" */
	int higher_better;              /* heat follows better, not larger */
	int best;                       /* the best cell (row * cols + col), marked '*'; -1 */
	int sel;                        /* the selected cell, reversed; -1: none */
	int top, left;                  /* first row and column shown (a scroll offset) */
};

/* Columns of one cell, and of the label column, for m. */
int widget_heatmap_cell_width(const struct heatmap *m);
int widget_heatmap_label_width(const struct heatmap *m);

/* Rows and columns of cells shown in a w x h rectangle (from m->top and
 * m->left); the first cell is at (label width + 1, 2) from its corner. */
void widget_heatmap_shown(const struct heatmap *m, int w, int h, int *rows, int *cols);

/* Scroll m (its top and left) the least that keeps the selected cell in a
 * w x h rectangle. */
void widget_heatmap_fit(struct heatmap *m, int w, int h);

/* The heatmap at (x, y) in w x h: the column key's name, then a header row
 * of the column labels under the row key's name, then a row per value of
 * the first key, its label and its cells. A cell is its text on a heat
 * colour (COLOR_HEAT*, better is hotter, scaled from the worst to the best
 * cell); without colours a shade glyph before the text carries the heat.
 * The best cell has a '*' after its text. Rows and columns past the
 * rectangle are left out ("<" and ">" or "^" and "v" say that more lie
 * beyond). */
void widget_heatmap(struct canvas *c, int x, int y, int w, int h, const struct heatmap *m);

/* Three keys or more: parallel coordinates, one vertical axis per key and
 * one for the objective, one line per run. */
struct parallel_plot {
	int n_axes;                     /* 2 .. 16 */
	const char *const *names;       /* n_axes: under each axis */
	const char *const *top, *const *bottom; /* n_axes: the values at each axis' ends */
	int n_lines;
	const double *pos;              /* n_lines * n_axes, line-major: where each line
	                                   crosses each axis, 0 (bottom) .. 1 (top); NAN:
	                                   the line skips that axis */
	const double *level;            /* n_lines: how good the line is, 0 worst .. 1 best */
	int best;                       /* the line drawn last and bold; -1: none */
};

/* The plot in w x h: the axes' top labels on the first row, the axes
 * (dim) and lines in braille between, their bottom labels and names on the
 * last two rows. Lines are drawn worst first, so the best lie on top; each
 * in its level's heat colour. ASCII draws a glyph per cell by the level of
 * the last line through it (".:-=+*#%", '@' for the best line); without
 * colours the objective's own axis still says how good each line is.
 * Needs w >= 8 * n_axes and h >= 6; smaller draws nothing. */
void widget_parallel(struct canvas *c, int x, int y, int w, int h, const struct parallel_plot *p);

/*
 * The pad: a drawing of h x w pixels (values in [0, 1], row-major, h even)
 * framed by a box, two pixel rows per text row in half blocks (' ', '▀',
 * '▄', '█'; ASCII ' ', '\'', '.', '#'), a pixel drawn when >= 0.5. The
 * cell (cur_row, cur_col) of the drawing is the keyboard's pen, drawn
 * reversed (-1: none). The drawing's first cell is at (x + 1, y + 1).
 */
int widget_pad_width(int w);
int widget_pad_height(int h);
void widget_pad(struct canvas *c, int x, int y, const float *ink, int h, int w, int cur_row,
		int cur_col, const char *title);

/* A classifier's answer: one row per class shown, "label ▇▇▇▇▇▍  97.3%",
 * bars scaled to probability 1 across what the label and the percentage
 * leave of w (at least 16). Labels (NULL: class numbers) are escaped
 * (util/text.h) and cut to 8 columns. The most probable class is
 * COLOR_GOOD, its percentage bold. With more classes than `rows`, the most
 * probable ones are shown, most probable first, and the last row says how
 * many are not.
 * Returns the rows used. */
int widget_prob_bars(struct canvas *c, int x, int y, int w, int rows, const float *p, int k,
		     const char *const *labels);

/* ---- answers through time ---- */

/* A track of w columns (at least 3) for the epochs first..last with the
 * epoch shown marked: '━' up to it, '●' at it and '─' after it ("=", "o"
 * and "-" on ASCII). A single epoch sits at the right end. */
void widget_epoch_scrubber(struct canvas *c, int x, int y, int w, int epoch, int first,
			   int last);
/* The epoch a click at column click_x of that track stands for. */
int widget_epoch_scrubber_pick(int x, int w, int first, int last, int click_x);
/* One sample's answers over n epochs, a column each: '·' ('.' on ASCII)
 * in COLOR_GOOD where it was right (answer == truth), else the first
 * character of the answered class's label (labels NULL: its number, 10
 * and above as a-z) in COLOR_BAD, so that the strip reads without colour
 * too. Clipped to max_w columns (0: no limit); returns the columns used. */
int widget_answer_strip(struct canvas *c, int x, int y, const unsigned char *answers, int n,
			int truth, const char *const *labels, int max_w);

#endif
