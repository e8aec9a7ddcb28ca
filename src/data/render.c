/* Digit images as text (render.h). */
#include <langinfo.h>
#include <locale.h>
#include <string.h>

#include "data/render.h"

#define GAP "  "                /* between images on a band */
#define GAP_WIDTH 2

int render_locale_is_utf8(void)
{
	const char *codeset;

	setlocale(LC_CTYPE, "");
	codeset = nl_langinfo(CODESET);
	return codeset && (!strcmp(codeset, "UTF-8") || !strcmp(codeset, "utf8"));
}

/* Characters one pixel takes across. */
static int pixel_chars(const struct render_style *s)
{
	if (s->shades)
		return s->narrow ? 1 : 2;
	return s->ascii ? 2 : 1;    /* half blocks are as tall as two pixels */
}

int render_image_width(const struct render_style *s, int w)
{
	return pixel_chars(s) * w + (s->frame ? 2 : 0);
}

/* Mean over the planes of pixel (y, x); rows below the image are blank (the
 * lower half of an odd height's last half-block row). */
static float pixel(const float *img, int c, int h, int w, int y, int x)
{
	float s = 0;

	if (y >= h)
		return 0;
	for (int ch = 0; ch < c; ch++)
		s += img[(size_t)ch * h * w + (size_t)y * w + x];
	return s / (float)c;
}

static void put_repeat(FILE *out, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		fputs(s, out);
}

/* Grey level v in [0, 1] as a shade, pixel_chars() times. */
static void put_shade(FILE *out, float v, const struct render_style *s)
{
	static const char *const shades[] = {" ", "░", "▒", "▓", "█"};
	static const char ramp[] = " .:-=+*#%@";
	int levels = s->ascii ? 10 : 5, k = (int)(v * levels);

	k = k < 0 ? 0 : k >= levels ? levels - 1 : k;
	if (!(v == v))
		k = 0;
	for (int i = 0; i < pixel_chars(s); i++) {
		if (s->ascii)
			fputc(ramp[k], out);
		else
			fputs(shades[k], out);
	}
}

/* Pixel (y, x) on or off at the threshold; in Unicode, with (y + 1, x) in
 * the lower half of the same character. */
static void put_onoff(FILE *out, const float *img, int c, int h, int w, int y, int x,
		      float threshold, const struct render_style *s)
{
	static const char *const halves[4] = {" ", "▀", "▄", "█"};
	static const char ramp[] = " .:#";
	float v = pixel(img, c, h, w, y, x);

	if (s->ascii) {
		/* quarters of 2*threshold: ' ' '.' below the threshold, ':' '#' above */
		int level = (int)(v / threshold * 2.0f);

		level = level < 0 ? 0 : level > 3 ? 3 : level;
		if (!(v == v))
			level = 0;
		fputc(ramp[level], out);
		fputc(ramp[level], out);
	} else {
		int bits = (v >= threshold) | (pixel(img, c, h, w, y + 1, x) >= threshold) << 1;

		fputs(halves[bits], out);
	}
}

static void put_captions(FILE *out, const char *const *captions, int n, int width)
{
	for (int i = 0; i < n; i++) {
		if (i + 1 < n)          /* padded to the image, but no trailing blanks */
			fprintf(out, "%-*.*s" GAP, width, width, captions[i]);
		else
			fprintf(out, "%.*s\n", width, captions[i]);
	}
}

/* The top (top = 1) or bottom edge of every frame on a band. */
static void put_edges(FILE *out, int n, int inner, int top, const struct render_style *s)
{
	const char *l = s->ascii ? "+" : top ? "┌" : "└";
	const char *r = s->ascii ? "+" : top ? "┐" : "┘";

	for (int k = 0; k < n; k++) {
		fputs(k ? GAP : "", out);
		fputs(l, out);
		put_repeat(out, s->ascii ? "-" : "─", inner);
		fputs(r, out);
	}
	fputc('\n', out);
}

void render_band(FILE *out, const float *const *images, const char *const *captions, int n,
		 int c, int h, int w, const struct render_style *s)
{
	const char *side = s->ascii ? "|" : "│";
	float threshold = s->threshold > 0 ? s->threshold : 0.5f;
	int step = !s->shades && !s->ascii ? 2 : 1;

	if (n < 1 || n > RENDER_MAX_BAND || c < 1)
		return;
	if (captions)
		put_captions(out, captions, n, render_image_width(s, w));
	if (s->frame)
		put_edges(out, n, pixel_chars(s) * w, 1, s);
	for (int y = 0; y < h; y += step) {
		for (int k = 0; k < n; k++) {
			fputs(k ? GAP : "", out);
			fputs(s->frame ? side : "", out);
			for (int x = 0; x < w; x++) {
				if (s->shades)
					put_shade(out, pixel(images[k], c, h, w, y, x), s);
				else
					put_onoff(out, images[k], c, h, w, y, x, threshold, s);
			}
			fputs(s->frame ? side : "", out);
		}
		fputc('\n', out);
	}
	if (s->frame)
		put_edges(out, n, pixel_chars(s) * w, 0, s);
}

void render_grid(FILE *out, const float *pixels, const char *const *captions, int n, int h,
		 int w, int columns, const struct render_style *s)
{
	struct render_style style = *s;
	const float *band[RENDER_MAX_BAND];
	int cell = render_image_width(&style, w) + GAP_WIDTH;

	if (columns < 1)
		columns = (RENDER_WIDTH + GAP_WIDTH) / cell;
	columns = columns < 1 ? 1 : columns > RENDER_MAX_BAND ? RENDER_MAX_BAND : columns;
	if (style.shades && columns * cell > RENDER_WIDTH + GAP_WIDTH)
		style.narrow = 1;       /* asked for more than fits: squeeze */
	for (int first = 0; first < n; first += columns) {
		int count = n - first < columns ? n - first : columns;

		for (int i = 0; i < count; i++)
			band[i] = pixels + (size_t)(first + i) * h * w;
		if (first)
			fputc('\n', out);
		render_band(out, band, captions ? captions + first : NULL, count, 1, h, w, &style);
	}
}
