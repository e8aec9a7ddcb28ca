/*
 * print_digits.h - digit images printed as text by the commands (weights,
 * predict --saliency, augment-preview): drawn by the dashboard's widgets
 * (tui/widgets.h) into a canvas, which is written without colours, so that
 * one place turns pixels into characters.
 */
#ifndef DL_CLI_PRINT_DIGITS_H
#define DL_CLI_PRINT_DIGITS_H

#include <stdio.h>

#include "tui/widgets.h"

#define PRINT_DIGITS_WIDTH 80   /* text columns a grid fills */

/* n single-plane h x w images, `columns` to a band (0: as many as fit 80
 * columns), a blank line between bands (widget_digit_grid). */
void print_digit_grid(FILE *out, const float *pixels, const char *const *captions, int n, int h,
		      int w, int columns, const struct digit_style *s, int ascii);

/* n images of `planes` planes side by side, however wide (widget_digit_band). */
void print_digit_band(FILE *out, const float *const *images, const char *const *captions, int n,
		      int planes, int h, int w, const struct digit_style *s, int ascii);

#endif
