/* Grey images as text (draw.h). */
#include <langinfo.h>
#include <locale.h>
#include <string.h>

#include "cli/draw.h"

#define DRAW_WIDTH 80
#define DRAW_GAP 2

int draw_locale_is_utf8(void)
{
	const char *codeset;

	setlocale(LC_CTYPE, "");
	codeset = nl_langinfo(CODESET);
	return codeset && (!strcmp(codeset, "UTF-8") || !strcmp(codeset, "utf8"));
}

static void draw_pixel(FILE *out, float v, int ascii, int chars)
{
	static const char *const shades[] = {" ", "░", "▒", "▓", "█"};
	static const char ramp[] = " .:-=+*#%@";
	int levels = ascii ? 10 : 5, k;

	if (!(v == v))
		v = 0.0f;
	k = (int)(v * levels);
	k = k < 0 ? 0 : k >= levels ? levels - 1 : k;
	for (int i = 0; i < chars; i++) {
		if (ascii)
			fputc(ramp[k], out);
		else
			fputs(shades[k], out);
	}
}

void draw_grey_grid(FILE *out, const float *pixels, const char (*captions)[32], int n,
		    int h, int w, int columns, int ascii)
{
	int chars = 2, cell = 2 * w + DRAW_GAP;

	if (columns < 1)
		columns = (DRAW_WIDTH + DRAW_GAP) / cell;
	if (columns < 1)
		columns = 1;
	if (columns * cell > DRAW_WIDTH + DRAW_GAP)
		chars = 1;              /* asked for more than fits: squeeze */
	for (int first = 0; first < n; first += columns) {
		int last = first + columns < n ? first + columns : n;

		for (int i = first; i < last; i++) {
			if (i + 1 < last)       /* padded to the image, but no trailing blanks */
				fprintf(out, "%-*.*s  ", chars * w, chars * w, captions[i]);
			else
				fprintf(out, "%.*s\n", chars * w, captions[i]);
		}
		for (int y = 0; y < h; y++)
			for (int i = first; i < last; i++) {
				const float *img = pixels + (size_t)i * h * w;

				for (int x = 0; x < w; x++)
					draw_pixel(out, img[y * w + x], ascii, chars);
				fputs(i + 1 < last ? "  " : "\n", out);
			}
		if (last < n)
			fputc('\n', out);
	}
}
