/*
 * draw.h - grey images as text, for `digitlab weights` and
 * `digitlab predict --saliency`.
 *
 * Each pixel is two characters wide, so square images stay square in a
 * terminal whose cells are twice as tall as wide; one when the columns
 * asked for would not fit 80 characters that way. Grey levels in [0, 1]
 * are drawn with the shades " ░▒▓█" (UTF-8) or the ramp " .:-=+*#%@"
 * (ASCII: --ascii, or a locale that is not UTF-8).
 */
#ifndef DL_CLI_DRAW_H
#define DL_CLI_DRAW_H

#include <stdio.h>

/* 1 when the locale's character set is UTF-8 (it is set from the
 * environment first). */
int draw_locale_is_utf8(void);

/* n images of h x w grey levels in [0, 1], `columns` to a row (0: as many as
 * fit 80 characters), each under its caption (cut to the image's width). */
void draw_grey_grid(FILE *out, const float *pixels, const char (*captions)[32], int n,
		    int h, int w, int columns, int ascii);

#endif
