/* Digit images printed as text (print_digits.h). */
#include "cli/print_digits.h"

void print_digit_grid(FILE *out, const float *pixels, const char *const *captions, int n, int h,
		      int w, int columns, const struct digit_style *s, int ascii)
{
	struct canvas *c = canvas_new(PRINT_DIGITS_WIDTH, 1, ascii, 0);
	int rows;

	if (!c || n < 1)
		goto out;
	rows = widget_digit_grid_rows(c, n, h, w, columns, captions != NULL, s);
	canvas_free(c);
	if (!(c = canvas_new(PRINT_DIGITS_WIDTH, rows, ascii, 0)))
		return;
	widget_digit_grid(c, 0, 0, pixels, captions, n, h, w, columns, s);
	canvas_write(c, out);
out:
	canvas_free(c);
}

void print_digit_band(FILE *out, const float *const *images, const char *const *captions, int n,
		      int planes, int h, int w, const struct digit_style *s, int ascii)
{
	struct canvas *c = canvas_new(1, 1, ascii, 0);
	int width, rows;

	if (!c || n < 1)
		goto out;
	width = n * (widget_digit_width(c, s, w) + 2) - 2;
	rows = widget_digit_height(c, s, h) + (captions != NULL);
	canvas_free(c);
	if (!(c = canvas_new(width, rows, ascii, 0)))
		return;
	widget_digit_band(c, 0, 0, images, captions, n, planes, h, w, s);
	canvas_write(c, out);
out:
	canvas_free(c);
}
