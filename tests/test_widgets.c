/* The widgets drawn into canvases and compared with golden text files in
 * tests/golden/widgets/, in Unicode and in ASCII; plus what the text
 * cannot show (colours, attributes) checked cell by cell. With
 * DIGITLAB_UPDATE_GOLDEN=1 the golden files are written instead (read
 * every one before committing it). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "tap.h"
#include "tui/widgets.h"

static void golden(const struct canvas *c, const char *name)
{
	golden_check(c, "widgets", name);
}

/* ---- data ---- */

#define EPOCHS 30

static void curves(double *loss, double *val)
{
	for (int i = 0; i < EPOCHS; i++) {
		loss[i] = 0.05 + 0.6 * exp(-i / 6.0) + 0.01 * sin(i * 1.7);
		val[i] = 0.09 + 0.5 * exp(-i / 5.0) + 0.004 * i + 0.015 * cos(i * 2.3);
	}
}

/* A realistic MNIST confusion matrix (a small MLP's). */
static const int confusion[100] = {
	968, 1, 0, 2, 0, 2, 3, 3, 1, 0,   0, 1126, 3, 1, 0, 1, 1, 0, 3, 0,
	6, 1, 1001, 9, 1, 0, 0, 12, 2, 0,   0, 0, 2, 992, 0, 4, 0, 3, 4, 5,
	1, 1, 3, 0, 962, 0, 3, 2, 1, 9,   2, 0, 0, 10, 1, 873, 1, 1, 2, 2,
	3, 3, 0, 1, 3, 4, 939, 0, 4, 1,   0, 4, 6, 4, 1, 0, 0, 1008, 1, 4,
	4, 0, 2, 9, 1, 5, 0, 2, 946, 5,   3, 3, 0, 2, 4, 1, 0, 5, 2, 989,
};

/* A 16x16 ring, like a zero, with soft edges. */
static void ring(float *img)
{
	for (int y = 0; y < 16; y++)
		for (int x = 0; x < 16; x++) {
			double r = hypot((y - 7.5) / 6.5, (x - 7.5) / 5.0);

			img[y * 16 + x] = (float)fmax(0, 1 - fabs(r - 0.8) * 5);
		}
}

/* ---- each widget, both styles ---- */

static void test_sparkline(int ascii)
{
	struct canvas *c = canvas_new(40, 3, ascii, 0);
	double loss[EPOCHS], val[EPOCHS], flat[5] = {2, 2, 2, 2, 2}, gap[5] = {1, NAN, 3, NAN, 5};

	curves(loss, val);
	widget_sparkline(c, 0, 0, 40, loss, EPOCHS, COLOR_ACCENT);
	widget_sparkline(c, 0, 1, 10, loss, EPOCHS, COLOR_ACCENT);     /* averaged in buckets */
	widget_sparkline(c, 12, 1, 5, flat, 5, COLOR_ACCENT);
	widget_sparkline(c, 20, 1, 5, gap, 5, COLOR_ACCENT);
	widget_sparkline(c, 36, 2, 10, loss, EPOCHS, COLOR_ACCENT);   /* clipped at the edge */
	golden(c, "sparkline");
	if (!ascii) {
		ok(canvas_at(c, 12, 1)->ch == 0x2584 && canvas_at(c, 16, 1)->ch == 0x2584,
		   "a constant series sits at mid height");
		ok(canvas_at(c, 21, 1)->ch == ' ' && canvas_at(c, 23, 1)->ch == ' ',
		   "NaN leaves its column blank");
		ok(canvas_at(c, 0, 0)->fg == COLOR_ACCENT, "in the colour asked for");
	}
	canvas_free(c);
}

static void test_line_chart(int ascii)
{
	struct canvas *c = canvas_new(60, 12, ascii, 256);
	double loss[EPOCHS], val[EPOCHS];
	int marks[] = {12, 24};
	struct chart_series s[2] = {{loss, EPOCHS, COLOR_ACCENT, "loss"},
				    {val, EPOCHS, COLOR_SECOND, "val_loss"}};
	struct chart_opts o = {.title = "loss per epoch", .marks = marks, .n_marks = 2};

	curves(loss, val);
	widget_line_chart(c, 0, 0, 60, 12, s, 2, &o);
	golden(c, "line-chart");
	canvas_clear(c);
	o.smooth = 5;
	widget_line_chart(c, 0, 0, 60, 12, s, 1, &o);
	golden(c, "line-chart-smooth");
	if (!ascii)
		ok(canvas_at(c, 12, 10)->fg == COLOR_DIM || canvas_at(c, 12, 10)->ch == ' ',
		   "smoothing: the raw series stays, dimmed");
	canvas_clear(c);
	{
		/* a legend wider than the chart stays inside it */
		struct canvas *narrow = canvas_new(40, 12, ascii, 0);
		struct chart_series many[3] = {{loss, EPOCHS, COLOR_ACCENT, "a rather long run name"},
					       {val, EPOCHS, COLOR_SECOND, "another long run name"},
					       {loss, 10, COLOR_SERIES3, "third"}};

		canvas_fill(narrow, 0, 0, 40, 12, '#', 0, 0);
		widget_line_chart(narrow, 5, 1, 25, 10, many, 3, NULL);
		ok(canvas_at(narrow, 4, 1)->ch == '#' && canvas_at(narrow, 30, 1)->ch == '#',
		   "a chart draws nothing outside its rectangle, legend included");
		canvas_free(narrow);
	}
	widget_line_chart(c, 0, 0, 19, 12, s, 2, &o);
	{
		char *text = golden_canvas_text(c);

		ok(text && strspn(text, " \n") == strlen(text),
		   "a chart narrower than 20 columns draws nothing");
		free(text);
	}
	canvas_free(c);
}

static void test_progress(int ascii)
{
	struct canvas *c = canvas_new(20, 4, ascii, 0);

	widget_progress(c, 0, 0, 20, 0, COLOR_RUNNING);
	widget_progress(c, 0, 1, 20, 0.33, COLOR_RUNNING);
	widget_progress(c, 0, 2, 20, 0.5 + 1.0 / 160, COLOR_RUNNING);
	widget_progress(c, 0, 3, 20, 1.2, COLOR_RUNNING);
	golden(c, "progress");
	canvas_free(c);
}

static void test_confusion(int ascii)
{
	int w = widget_confusion_width(10), h = widget_confusion_height(10);
	struct canvas *c = canvas_new(w, 2 * h + 1, ascii, 0), *col = canvas_new(w, h, ascii, 256);

	widget_confusion(c, 0, 0, confusion, 10, CONFUSION_COUNTS, -1, -1);
	widget_confusion(c, 0, h + 1, confusion, 10, CONFUSION_ROW_PERCENT, 2, 7);
	golden(c, "confusion");
	widget_confusion(col, 0, 0, confusion, 10, CONFUSION_COUNTS, 2, 7);
	if (!ascii) {
		ok(canvas_at(col, 4 + 5 * 7 + 4, 1 + 2)->attr & ATTR_REVERSE,
		   "the selected cell is drawn reversed");
		ok(canvas_at(col, 4 + 5 * 3 + 4, 1 + 3)->fg == COLOR_GOOD, "the diagonal is good");
		ok(canvas_at(col, 4 + 5 * 7 + 4, 1 + 2)->bg > COLOR_HEAT0 &&
		   canvas_at(col, 4 + 5 * 1 + 4, 1 + 0)->bg >= COLOR_HEAT0 &&
		   canvas_at(col, 4 + 5 * 7 + 4, 1 + 2)->bg > canvas_at(col, 4 + 5 * 1 + 4, 1 + 0)->bg,
		   "with colours, 12 of a row is hotter than 1");
		ok(canvas_at(col, 4 + 5 * 9 + 4, 1 + 0)->bg == COLOR_DEFAULT, "an empty cell is not heated");
	}
	canvas_free(c);
	canvas_free(col);
}

static void test_class_error(int ascii)
{
	struct canvas *c = canvas_new(30, 10, ascii, 0);

	widget_class_error(c, 0, 0, 30, confusion, 10);
	golden(c, "class-error");
	canvas_clear(c);
	widget_class_error(c, 20, 0, 6, confusion, 10);
	ok(canvas_at(c, 19, 0)->ch == ' ' && canvas_at(c, 20, 0)->ch == ' ',
	   "class errors narrower than 12 columns draw nothing");
	canvas_free(c);
}

/* EMNIST Balanced's 47 classes: digits, capitals, and the eleven small
 * letters that differ from their capitals. */
static const char *const emnist47[47] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9",
	"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "M",
	"N", "O", "P", "Q", "R", "S", "T", "U", "V", "W", "X", "Y", "Z",
	"a", "b", "d", "e", "f", "g", "h", "n", "q", "r", "t",
};

/* A 47-class matrix: mostly right, with the confusions EMNIST is known
 * for (O and 0, I and 1 and l, S and 5, Z and 2, g and q and 9). */
static void confusion47(int *m)
{
	static const int pairs[][3] = {
		{24, 0, 30}, {0, 24, 25}, {18, 1, 20}, {1, 18, 15}, {28, 5, 12}, {35, 2, 10},
		{41, 44, 14}, {44, 9, 9}, {21, 1, 8}, {12, 22, 6}, {39, 14, 5},
	};

	for (int t = 0; t < 47; t++)
		for (int p = 0; p < 47; p++)
			m[t * 47 + p] = t == p ? 380 + (t * 37) % 20 : (t * 7 + p * 3) % 41 == 0;
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
		m[pairs[i][0] * 47 + pairs[i][1]] += pairs[i][2];
}

/* 47 classes at 80x24: the compact heatmap scrolled to a selected cell,
 * the per-class error of the same rows beside it. */
static void test_confusion_many(int ascii)
{
	static int m[47 * 47];
	struct canvas *c = canvas_new(80, 24, ascii, 0);
	struct confusion_layout l = {.labels = emnist47};
	int w;

	confusion47(m);
	widget_confusion_fit(47, 52, 22, 24, 0, &l);
	ok(l.compact && l.rows == 21 && l.cols == 47 && l.top == 4 && l.left == 0,
	   "47 classes in 52x22: compact, 21 rows from the 5th (to show the selection), all columns");
	w = widget_confusion_layout_width(47, &l);
	ok(w == 51 && widget_confusion_layout_height(47, &l) == 22,
	   "the compact heatmap is 51x22");
	canvas_printf(c, 0, 0, COLOR_TITLE, 0, "confusion (rows %d-%d of 47)", l.top + 1,
		      l.top + l.rows);
	widget_confusion_layout(c, 0, 1, m, 47, CONFUSION_COUNTS, 24, 0, &l);
	widget_class_error_layout(c, w + 1, 2, 80 - w - 1, m, 47, &l);
	golden(c, "confusion-47");
	if (!ascii) {
		int dx, dy, cw;

		widget_confusion_layout_cells(47, &l, &dx, &dy, &cw);
		ok(dx == 4 && dy == 1 && cw == 1, "compact cells are one column, after the labels");
		ok(canvas_at(c, dx + 0, 1 + dy + 24 - l.top)->attr & ATTR_REVERSE,
		   "the selected cell (O taken for 0) is drawn reversed");
	}
	l.top = 40;
	widget_confusion_fit(47, 52, 22, -1, -1, &l);
	ok(l.top == 26, "scrolled past the end, the window is pulled back to the last rows");
	canvas_free(c);
}

/* A few named classes fit whole: the labels head the rows and columns. */
static void test_confusion_names(int ascii)
{
	static const char *const names[3] = {"cat", "dog", "owl"};
	static const int m[9] = {29, 0, 3, 0, 35, 3, 1, 0, 42};
	struct confusion_layout l = {.labels = names};
	struct canvas *c = canvas_new(40, 4, ascii, 0);
	int w;

	widget_confusion_fit(3, 40, 10, -1, -1, &l);
	ok(!l.compact && l.rows == 0 && l.cols == 0, "3 classes fit whole");
	w = widget_confusion_layout_width(3, &l);
	widget_confusion_layout(c, 0, 0, m, 3, CONFUSION_COUNTS, -1, -1, &l);
	widget_class_error_layout(c, w + 1, 1, 40 - w - 1, m, 3, &l);
	golden(c, "confusion-names");
	canvas_free(c);
}

static void test_image(int ascii)
{
	float img[256], sal[256];
	struct canvas *c = canvas_new(36, 8, ascii, 0), *col = canvas_new(16, 8, ascii, 256);

	ring(img);
	for (int i = 0; i < 256; i++)
		sal[i] = img[i] * (i % 16 < 8 ? 1.0f : -0.5f);
	widget_image(c, 0, 0, img, 16, 16, 0);
	widget_image(c, 18, 0, sal, 16, 16, 1);
	golden(c, "image");
	ok(widget_image_width(28) == 28 && widget_image_height(28) == 14 &&
	   widget_image_height(5) == 3, "an image takes w columns and h/2 rows (rounded up)");
	widget_image(col, 0, 0, img, 16, 16, 0);
	if (!ascii) {
		const struct cell *k = canvas_at(col, 8, 0);

		ok(k->ch == 0x2580 && k->fg >= COLOR_GREY0 && k->fg <= COLOR_GREY_LAST &&
		   k->bg >= COLOR_GREY0 && k->bg <= COLOR_GREY_LAST,
		   "with 256 colours: upper half blocks, greys above and below");
		ok(canvas_at(col, 7, 4)->fg == COLOR_GREY0 && canvas_at(col, 7, 1)->fg > COLOR_GREY0 + 12,
		   "black inside the ring, light on it");
	}
	canvas_free(c);
	canvas_free(col);
}

static void test_canvas(void)
{
	struct canvas *c = canvas_new(10, 2, 0, 0);

	canvas_text(c, 8, 0, "abcdef", COLOR_DEFAULT, 0, 0);
	canvas_text(c, 0, 1, "\xc3\xa9t\xe9", COLOR_DEFAULT, 0, 0);   /* é, t, a broken byte */
	canvas_put(c, -1, 0, 'x', 0, 0, 0);
	canvas_put(c, 10, 1, 'x', 0, 0, 0);
	{
		char *text = golden_canvas_text(c);

		is_str(text, "        ab\n\xc3\xa9t\\xe9\n",
		       "text clips at the edge, UTF-8 is decoded, a broken byte is escaped");
		free(text);
	}
	canvas_free(c);
	c = canvas_new(40, 1, 0, 0);
	/* a note as an adversary writes it: a title escape, a right-to-left
	 * override, a one-byte CSI (C1) */
	canvas_text(c, 0, 0, "x\033]0;pwned\007 \xe2\x80\xae\xc2\x9b" "2J", COLOR_DEFAULT, 0, 0);
	{
		char *text = golden_canvas_text(c);

		is_str(text, "x\\x1b]0;pwned\\x07 \\u202e\\u009b2J\n",
		       "controls, bidi overrides and C1 are drawn escaped, never raw");
		free(text);
	}
	canvas_free(c);
	ok(canvas_new(0, 5, 0, 0) == NULL, "a canvas needs a size");
}

/* ---- answers through time ---- */

/* The epoch track at its first, a middle and its last epoch, a single
 * epoch, and where clicks land; an answer strip of a digit that wavered,
 * with numbers and with names (one not ASCII). */
static void test_answers_widgets(int ascii)
{
	static const unsigned char answers[8] = {7, 1, 7, 7, 1, 2, 7, 7};
	static const char *const names[3] = {"cat", "\xc3\xa9lan", "owl"};
	static const unsigned char named[5] = {0, 1, 0, 2, 0};
	struct canvas *c = canvas_new(24, 6, ascii, 0);

	widget_epoch_scrubber(c, 0, 0, 24, 1, 1, 30);
	widget_epoch_scrubber(c, 0, 1, 24, 15, 1, 30);
	widget_epoch_scrubber(c, 0, 2, 24, 30, 1, 30);
	widget_epoch_scrubber(c, 0, 3, 24, 1, 1, 1);
	ok(widget_answer_strip(c, 0, 4, answers, 8, 7, NULL, 0) == 8, "a strip: a column an epoch");
	widget_answer_strip(c, 0, 5, named, 5, 0, names, 4);
	golden(c, "answers");
	ok(canvas_at(c, 1, 4)->fg == COLOR_BAD && canvas_at(c, 0, 4)->fg == COLOR_GOOD,
	   "wrong answers in the bad colour, right ones in the good");
	canvas_free(c);
	ok(widget_epoch_scrubber_pick(10, 24, 1, 30, 10) == 1 &&
	   widget_epoch_scrubber_pick(10, 24, 1, 30, 33) == 30 &&
	   widget_epoch_scrubber_pick(10, 24, 1, 30, 50) == 30 &&
	   widget_epoch_scrubber_pick(10, 24, 1, 30, 21) == 15,
	   "a click on the track picks the nearest epoch, clamped to its ends");
}

/* ---- digits as text ---- */

/* A canvas sized for the grid, drawn and written as text (malloc'd). */
static char *digit_grid_text(const float *px, const char *const *caps, int n, int h, int w,
			     int columns, const struct digit_style *st, int ascii)
{
	struct canvas *probe = canvas_new(80, 1, ascii, 0), *c;
	char *text;

	c = canvas_new(80, widget_digit_grid_rows(probe, n, h, w, columns, caps != NULL, st), ascii, 0);
	widget_digit_grid(c, 0, 0, px, caps, n, h, w, columns, st);
	text = golden_canvas_text(c);
	canvas_free(c);
	canvas_free(probe);
	return text;
}

static void test_digit_grid(void)
{
	/* three 2x3 ramps: 0, 0.5 (zero after symmetric scaling), 1 */
	static const float px[18] = {
		0.0f, 0.25f, 0.5f,   0.5f, 0.75f, 1.0f,
		0.5f, 0.5f, 0.5f,    0.5f, 0.5f, 0.5f,
		1.0f, 1.0f, 1.0f,    0.0f, 0.0f, 0.0f,
	};
	static const char *const caps[] = {"ramp", "zero", "a long caption"};
	struct digit_style shades = {.shades = 1};
	char *s;

	s = digit_grid_text(px, caps, 3, 2, 3, 0, &shades, 0);
	is_str(s,
	       "ramp    zero    a long\n"
	       "  ░░▒▒  ▒▒▒▒▒▒  ██████\n"
	       "▒▒▓▓██  ▒▒▒▒▒▒\n",
	       "Unicode shades: captions cut to the image, zero is the middle shade");
	free(s);
	s = digit_grid_text(px, caps, 3, 2, 3, 2, &shades, 1);
	is_str(s,
	       "ramp    zero\n"
	       "  ::++  ++++++\n"
	       "++##@@  ++++++\n"
	       "\n"
	       "a long\n"
	       "@@@@@@\n"
	       "\n",
	       "ASCII shades, two to a band, a blank line between bands");
	free(s);
	s = digit_grid_text(px, NULL, 3, 2, 3, 14, &shades, 1);
	is_str(s, " :+  +++  @@@\n+#@  +++\n",
	       "more columns than fit 80 characters: one character per pixel");
	free(s);
}

/* Two images side by side in frames, on/off at 0.5, as augment-preview
 * draws an original and its augmented version. */
static char *pair_text(const float *l, const float *r, int h, int w, int ascii)
{
	const float *pair[2] = {l, r};
	struct digit_style st = {.threshold = 0.5f, .frame = 1};
	struct canvas *probe = canvas_new(1, 1, ascii, 0), *c;
	char *text;

	c = canvas_new(2 * widget_digit_width(probe, &st, w) + 2, widget_digit_height(probe, &st, h),
		       ascii, 0);
	widget_digit_band(c, 0, 0, pair, NULL, 2, 1, h, w, &st);
	text = golden_canvas_text(c);
	canvas_free(c);
	canvas_free(probe);
	return text;
}

static void test_digit_pairs(void)
{
	/* a 4x4 "7" and the same shifted right by one pixel */
	static const float seven[16] = {
		1, 1, 1, 1,
		0, 0, 0.9f, 0,
		0, 0.6f, 0, 0,
		0, 0.3f, 0, 0,
	};
	static const float moved[16] = {
		0, 1, 1, 1,
		0, 0, 0, 0.9f,
		0, 0, 0.6f, 0,
		0, 0, 0.3f, 0,
	};
	char *s;

	s = pair_text(seven, moved, 4, 4, 0);
	is_str(s,
	       "┌────┐  ┌────┐\n"
	       "│▀▀█▀│  │ ▀▀█│\n"
	       "│ ▀  │  │  ▀ │\n"
	       "└────┘  └────┘\n",
	       "half-block pair");
	free(s);
	s = pair_text(seven, moved, 4, 4, 1);
	is_str(s,
	       "+--------+  +--------+\n"
	       "|########|  |  ######|\n"
	       "|    ##  |  |      ##|\n"
	       "|  ::    |  |    ::  |\n"
	       "|  ..    |  |    ..  |\n"
	       "+--------+  +--------+\n",
	       "ASCII pair");
	free(s);
	/* odd height: the last text row's lower half is blank */
	s = pair_text(seven, moved, 3, 4, 0);
	is_str(s,
	       "┌────┐  ┌────┐\n"
	       "│▀▀█▀│  │ ▀▀█│\n"
	       "│ ▀  │  │  ▀ │\n"
	       "└────┘  └────┘\n",
	       "odd height renders the last row in the upper half");
	free(s);
}

/* ---- sweeps ---- */

/* A learning rate swept over four decades, three repeats a value. */
static void test_value_plot(int ascii)
{
	struct canvas *c = canvas_new(60, 14, ascii, 256);
	const char *labels[] = {"0.001", "0.01", "0.1", "1"};
	const double x[] = {0.001, 0.01, 0.1, 1}, mean[] = {.80, .90, .93, .60};
	const double spread[] = {.02, .01, .005, .15};
	const int run_value[] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3};
	const double run_y[] = {.78, .80, .82, .89, .90, .91, .925, .93, .935, .45, .60, .75};
	struct value_plot p = {.n = 4, .labels = labels, .x = x, .log_x = 1, .mean = mean,
			       .spread = spread, .n_runs = 12, .run_value = run_value,
			       .run_y = run_y, .best = 2, .sel = 1, .key = "lr"};

	widget_value_plot(c, 0, 0, 60, 14, &p);
	golden(c, "value-plot");
	ok(canvas_at(c, 26, 12)->attr & ATTR_REVERSE, "the selected value's label is reversed");
	if (ascii) {
		int best = 0;

		for (int i = 0; i < c->w * c->h; i++)
			best += c->cells[i].ch == '@';
		ok(best > 0, "the best mean is drawn '@'");
	}
	canvas_free(c);
}

/* Units down, learning rate across; one cell not yet done. */
static void test_heatmap(int ascii)
{
	struct canvas *c = canvas_new(50, 8, ascii, 0), *col = canvas_new(50, 8, ascii, 256);
	const char *rows[] = {"16", "32", "64", "128"}, *cols[] = {"0.001", "0.01", "0.1"};
	const double v[] = {.90, .93, .91, .92, .95, .94, .93, .97, NAN, .93, .96, .95};
	const char *text[] = {".9000", ".9300", ".9100", ".9200", ".9500", ".9400",
			      ".9300", ".9700", NULL, ".9300", ".9600", ".9500"};
	struct heatmap m = {.rows = 4, .cols = 3, .row_labels = rows, .col_labels = cols,
			    .row_key = "units", .col_key = "lr", .v = v, .text = text,
			    .higher_better = 1, .best = 7, .sel = 4};

	widget_heatmap(c, 0, 0, 50, 8, &m);
	golden(c, "heatmap");
	widget_heatmap(col, 0, 0, 50, 8, &m);
	{
		int cw = widget_heatmap_cell_width(&m), gx = widget_heatmap_label_width(&m) + 1;

		ok(canvas_at(col, gx + cw + cw - 2, 4)->ch == '*', "the best cell is marked '*'");
		is_int(canvas_at(col, gx + cw + 1, 4)->bg, COLOR_HEAT_LAST, "the best is hottest");
		is_int(canvas_at(col, gx + 1, 2)->bg, COLOR_HEAT0, "the worst is coldest");
		ok(canvas_at(col, gx + cw + 1, 3)->attr & ATTR_REVERSE, "the selected cell is reversed");
	}
	/* three rows fit in 5 lines: scrolled to keep the selection (row 3) */
	m.sel = 10;
	widget_heatmap_fit(&m, 50, 5);
	is_int(m.top, 1, "scrolled down one row to show the selection");
	canvas_clear(c);
	widget_heatmap(c, 0, 0, 50, 5, &m);
	golden(c, "heatmap-scrolled");
	canvas_free(c);
	canvas_free(col);
}

/* Four keys and the objective; twelve runs. */
static void test_parallel(int ascii)
{
	struct canvas *c = canvas_new(64, 14, ascii, 256);
	const char *names[] = {"units", "lr", "dropout", "batch", "val_acc"};
	const char *top[] = {"128", "0.1", "0.5", "128", ".9700"};
	const char *bottom[] = {"16", "0.001", "0", "16", ".8100"};
	double pos[12 * 5], level[12];

	for (int i = 0; i < 12; i++) {
		pos[i * 5 + 0] = (i % 4) / 3.0;
		pos[i * 5 + 1] = (i % 3) / 2.0;
		pos[i * 5 + 2] = (i % 2);
		pos[i * 5 + 3] = ((i * 7) % 5) / 4.0;
		level[i] = ((i * 5) % 12) / 11.0;
		pos[i * 5 + 4] = level[i];
	}
	pos[3 * 5 + 2] = NAN;           /* a run without that key skips its axis */
	{
		struct parallel_plot p = {.n_axes = 5, .names = names, .top = top, .bottom = bottom,
					  .n_lines = 12, .pos = pos, .level = level, .best = 7};

		widget_parallel(c, 0, 0, 64, 14, &p);
	}
	golden(c, "parallel");
	{
		int best = 0, top = 0;

		for (int i = 0; i < c->w * c->h; i++)
			best += c->cells[i].fg == COLOR_ACCENT && (c->cells[i].attr & ATTR_BOLD) &&
				(!ascii || c->cells[i].ch == '@');
		for (int x = 0; x < c->w; x++)
			top += canvas_at(c, x, 1)->fg == COLOR_ACCENT;
		ok(best > 10, "the best run is drawn bold in the accent colour%s",
		   ascii ? ", '@'" : "");
		ok(top > 0, "and reaches the top of the objective's axis");
	}
	canvas_free(c);
}

/* The pad: a "7" of whole pixels and one half-painted (>= 0.5 is ink,
 * below is not), the pen in an empty cell; and the pen over ink. */
static void test_pad(int ascii)
{
	struct canvas *c = canvas_new(40, 10, ascii, 0);
	float ink[12 * 10] = {0};

	for (int x = 2; x < 8; x++)
		ink[1 * 10 + x] = 1.0f;             /* the bar: upper halves of row 0 */
	for (int y = 2; y < 11; y++)
		ink[y * 10 + 8 - (y - 2) / 2] = 1.0f;
	ink[11 * 10 + 0] = 0.5f;                    /* a lower half, at the threshold */
	ink[10 * 10 + 9] = 0.49f;                   /* below it: blank */
	is_int(widget_pad_width(10), 12, "a pad of 10 pixels is 12 columns wide, frame included");
	is_int(widget_pad_height(12), 8, "12 pixel rows take 6 text rows and the frame");
	widget_pad(c, 1, 1, ink, 12, 10, 5, 4, "pen up");
	widget_pad(c, 20, 1, ink, 12, 10, 0, 0, "pen down");
	golden(c, "pad");
	ok(canvas_at(c, 6, 7)->attr & ATTR_REVERSE, "the pen's cell is reversed");
	ok(!(canvas_at(c, 7, 7)->attr & ATTR_REVERSE), "and only it");
	ok(canvas_at(c, 21, 2)->attr & ATTR_REVERSE && canvas_at(c, 21, 2)->ch == (ascii ? '+' : ' '),
	   "a pen over no ink: a reversed blank, or + in ASCII");
	canvas_free(c);
}

/* A classifier's answer: ten digits; named classes with one holding an
 * escape sequence (shown escaped, never sent); 47 classes in 6 rows (the
 * most probable five, and how many more). */
static void test_prob_bars(int ascii)
{
	struct canvas *c = canvas_new(60, 20, ascii, 0);
	float p[47] = {0.01f, 0.9f, 0.02f, 0.005f, 0.0f, 0.015f, 0.0f, 0.04f, 0.01f, 0.0f};
	const char *names[3] = {"cat", "d\033[2Jog", "a long name"};
	float q[3] = {0.25f, 0.7f, 0.05f};
	int rows;

	is_int(widget_prob_bars(c, 0, 0, 30, 10, p, 10, NULL), 10, "ten classes take ten rows");
	is_int(widget_prob_bars(c, 31, 0, 29, 10, q, 3, names), 3, "three take three");
	for (int i = 0; i < 47; i++)
		p[i] = i == 40 ? 0.5f : i % 9 == 3 ? 0.1f : 0.0f;
	rows = widget_prob_bars(c, 31, 4, 29, 6, p, 47, NULL);
	is_int(rows, 6, "47 classes in six rows: five and a line saying how many more");
	golden(c, "prob-bars");
	ok(canvas_at(c, 0, 1)->fg == COLOR_GOOD, "the most probable class stands out");
	canvas_free(c);
}

int main(void)
{
	test_canvas();
	for (int ascii = 0; ascii <= 1; ascii++) {
		test_sparkline(ascii);
		test_line_chart(ascii);
		test_progress(ascii);
		test_confusion(ascii);
		test_class_error(ascii);
		test_confusion_many(ascii);
		test_confusion_names(ascii);
		test_image(ascii);
		test_value_plot(ascii);
		test_heatmap(ascii);
		test_parallel(ascii);
		test_pad(ascii);
		test_prob_bars(ascii);
		test_answers_widgets(ascii);
	}
	test_digit_grid();
	test_digit_pairs();
	return tap_done();
}
