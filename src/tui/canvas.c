/* The cell grid (canvas.h). */
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tui/canvas.h"
#include "util/text.h"

struct canvas *canvas_new(int w, int h, int ascii, int colors)
{
	struct canvas *c;

	if (w < 1 || h < 1 || w > 4096 || h > 4096)
		return NULL;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cells = malloc(sizeof *c->cells * (size_t)w * (size_t)h);
	if (!c->cells) {
		free(c);
		return NULL;
	}
	c->w = w;
	c->h = h;
	c->ascii = ascii;
	c->colors = colors;
	canvas_clear(c);
	return c;
}

void canvas_free(struct canvas *c)
{
	if (!c)
		return;
	free(c->cells);
	free(c);
}

void canvas_clear(struct canvas *c)
{
	for (int i = 0; i < c->w * c->h; i++)
		c->cells[i] = (struct cell){' ', COLOR_DEFAULT, COLOR_DEFAULT, 0};
}

struct cell *canvas_at(struct canvas *c, int x, int y)
{
	if (x < 0 || y < 0 || x >= c->w || y >= c->h)
		return NULL;
	return &c->cells[(size_t)y * c->w + x];
}

void canvas_put(struct canvas *c, int x, int y, uint32_t ch, int fg, int bg, int attr)
{
	struct cell *cell = canvas_at(c, x, y);

	if (cell)
		*cell = (struct cell){ch, (uint8_t)fg, (uint8_t)bg, (uint8_t)attr};
}

/* The next code point of s, advancing *s; '?' for a malformed sequence. */
/* The background of the cell at (x, y): text keeps what it is drawn over. */
static int canvas_bg(struct canvas *c, int x, int y)
{
	struct cell *cell = canvas_at(c, x, y);

	return cell ? cell->bg : COLOR_DEFAULT;
}

/* Text from users reaches the screen only through here: a character
 * util/text.h calls unsafe (controls, bidirectional overrides), or a byte
 * that is not UTF-8, is drawn as its escape ("\x1b", "\u202e"), as every
 * command prints it. */
int canvas_text(struct canvas *c, int x, int y, const char *utf8, int fg, int attr, int max_w)
{
	const unsigned char *p = (const unsigned char *)utf8;
	size_t left = strlen(utf8);
	int n = 0;

	if (max_w <= 0)
		max_w = c->w - x;
	while (left && n < max_w) {
		uint32_t cp;
		int len = text_utf8_next(p, left, &cp);

		if (len == 0 || text_is_unsafe(cp)) {
			char one[5] = "", shown[16];
			int bytes = len ? len : 1;

			memcpy(one, p, (size_t)bytes);
			text_escape(shown, sizeof shown, one, TEXT_ONE_LINE);
			for (const char *e = shown; *e && n < max_w; e++, n++)
				canvas_put(c, x + n, y, (unsigned char)*e, fg, canvas_bg(c, x + n, y), attr);
			p += bytes;
			left -= (size_t)bytes;
			continue;
		}
		canvas_put(c, x + n, y, cp, fg, canvas_bg(c, x + n, y), attr);
		n++;
		p += len;
		left -= (size_t)len;
	}
	return n;
}

int canvas_printf(struct canvas *c, int x, int y, int fg, int attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return canvas_text(c, x, y, buf, fg, attr, 0);
}

void canvas_fill(struct canvas *c, int x, int y, int w, int h, uint32_t ch, int fg, int bg)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			canvas_put(c, i, j, ch, fg, bg, 0);
}

void canvas_box(struct canvas *c, int x, int y, int w, int h, const char *title, int fg)
{
	uint32_t hz = c->ascii ? '-' : 0x2500, vt = c->ascii ? '|' : 0x2502;
	uint32_t tl = c->ascii ? '+' : 0x250c, tr = c->ascii ? '+' : 0x2510;
	uint32_t bl = c->ascii ? '+' : 0x2514, br = c->ascii ? '+' : 0x2518;

	if (w < 2 || h < 2)
		return;
	for (int i = x + 1; i < x + w - 1; i++) {
		canvas_put(c, i, y, hz, fg, COLOR_DEFAULT, 0);
		canvas_put(c, i, y + h - 1, hz, fg, COLOR_DEFAULT, 0);
	}
	for (int j = y + 1; j < y + h - 1; j++) {
		canvas_put(c, x, j, vt, fg, COLOR_DEFAULT, 0);
		canvas_put(c, x + w - 1, j, vt, fg, COLOR_DEFAULT, 0);
	}
	canvas_put(c, x, y, tl, fg, COLOR_DEFAULT, 0);
	canvas_put(c, x + w - 1, y, tr, fg, COLOR_DEFAULT, 0);
	canvas_put(c, x, y + h - 1, bl, fg, COLOR_DEFAULT, 0);
	canvas_put(c, x + w - 1, y + h - 1, br, fg, COLOR_DEFAULT, 0);
	if (title && *title && w > 4) {
		int n = canvas_text(c, x + 2, y, " ", COLOR_TITLE, ATTR_BOLD, 1);

		n += canvas_text(c, x + 3, y, title, COLOR_TITLE, ATTR_BOLD, w - 5);
		canvas_text(c, x + 2 + n, y, " ", COLOR_TITLE, ATTR_BOLD, 1);
	}
}

int canvas_utf8(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp < 0x110000) {
		buf[0] = (char)(0xf0 | cp >> 18);
		buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

void canvas_write(const struct canvas *c, FILE *out)
{
	char buf[8];

	for (int y = 0; y < c->h; y++) {
		int last = c->w - 1;

		while (last >= 0 && c->cells[(size_t)y * c->w + last].ch == ' ')
			last--;
		for (int x = 0; x <= last; x++) {
			int n = canvas_utf8(c->cells[(size_t)y * c->w + x].ch, buf);

			fwrite(buf, 1, (size_t)n, out);
		}
		fputc('\n', out);
	}
}

int canvas_locale_is_utf8(void)
{
	const char *codeset;

	setlocale(LC_CTYPE, "");
	codeset = nl_langinfo(CODESET);
	return codeset && (!strcmp(codeset, "UTF-8") || !strcmp(codeset, "utf8"));
}
