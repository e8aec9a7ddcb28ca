/*
 * render.h - digit images as text: the one place that turns pixels into
 * characters, for augment-preview, `digitlab weights` and
 * `predict --saliency`.
 *
 * Two styles, each with a glyph table in a pair (Unicode, ASCII) as htop's
 * meters have:
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
 * Images go side by side in bands, two spaces apart, each optionally inside
 * a frame (┌─┐ or +-+) and under a caption cut to its width. Which table to
 * use is the caller's choice; render_locale_is_utf8() is the usual one.
 * Write errors show in ferror(out); nothing here allocates.
 */
#ifndef DL_DATA_RENDER_H
#define DL_DATA_RENDER_H

#include <stdio.h>

#define RENDER_MAX_BAND 64      /* images side by side on one band */
#define RENDER_WIDTH 80         /* text columns a grid fills by default */

struct render_style {
	int ascii;          /* the ASCII table instead of the Unicode one */
	int shades;         /* 1: grey levels; 0: on/off at threshold */
	float threshold;    /* on/off: on at >= threshold; not > 0 means 0.5 */
	int frame;          /* a box around each image */
	int narrow;         /* shades: one character per pixel instead of two */
};

/* 1 when the locale's character set is UTF-8. Sets LC_CTYPE from the
 * environment first (setlocale(LC_CTYPE, "")): call it from main's thread
 * before any other starts. */
int render_locale_is_utf8(void);

/* Text columns one image of width w takes in style s, frame included. */
int render_image_width(const struct render_style *s, int w);

/* Print n images (1 <= n <= RENDER_MAX_BAND; others print nothing) side by
 * side, two spaces apart, ending in a newline. Each image is c planes of
 * h x w one after the other (a dataset's layout), drawn as the mean of its
 * planes. captions is NULL or n strings, printed on a line above the images,
 * each cut to its image's width; the line has no trailing blanks. */
void render_band(FILE *out, const float *const *images, const char *const *captions, int n,
		 int c, int h, int w, const struct render_style *s);

/* n single-plane h x w images stored one after the other, `columns` to a
 * band (0: as many as fit RENDER_WIDTH text columns; at most
 * RENDER_MAX_BAND), a blank line between bands. captions as render_band
 * (NULL or n strings). In the shades style, a band of two-character pixels
 * that would not fit RENDER_WIDTH is drawn narrow instead. */
void render_grid(FILE *out, const float *pixels, const char *const *captions, int n, int h,
		 int w, int columns, const struct render_style *s);

#endif
