/* What text from users may hold, and how it reaches a terminal (text.h). */

#include "util/text.h"

#include <string.h>

int text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0];
	uint32_t v, min;
	int len;

	*cp = c;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, v = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, v = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;       /* a continuation byte, 0xc0/0xc1 or past 0xf4 */
	}
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;       /* overlong, out of range, or a surrogate */
	*cp = v;
	return len;
}

const char *text_is_unsafe(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f))
		return "control character";
	if (cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return "bidirectional control";
	if (cp == 0x2028 || cp == 0x2029)
		return cp == 0x2028 ? "line separator" : "paragraph separator";
	return NULL;
}

int text_check_identifier(const char *s, char *why, size_t size)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	int chars = 0;

	if (!n) {
		if (size)
			snprintf(why, size, "is empty");
		return -1;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int len = text_utf8_next(p + i, n - i, &cp);
		const char *unsafe;

		chars++;
		if (!len) {
			if (size)
				snprintf(why, size, "is not valid UTF-8 (byte 0x%02X at byte %zu)",
					 (unsigned)cp, i + 1);
			return -1;
		}
		if ((unsafe = text_is_unsafe(cp))) {
			if (size)
				snprintf(why, size, "contains the %s U+%04X at character %d", unsafe,
					 (unsigned)cp, chars);
			return -1;
		}
		i += (size_t)len;
	}
	return 0;
}

/* The visible form of the character (or stray byte) at p: its escape into
 * esc, or NULL when it is written as it is. *len is its length in bytes. */
static const char *escape_one(const unsigned char *p, size_t n, enum text_lines lines,
			      char esc[12], int *len)
{
	uint32_t cp;

	*len = text_utf8_next(p, n, &cp);
	if (!*len) {
		*len = 1;
		snprintf(esc, 12, "\\x%02x", (unsigned)cp);
		return esc;
	}
	if (cp == '\n' && lines == TEXT_KEEP_LINES)
		return NULL;
	if (!text_is_unsafe(cp))
		return NULL;
	if (cp == '\n')
		return "\\n";
	if (cp == '\t')
		return "\\t";
	if (cp < 0x80)
		snprintf(esc, 12, "\\x%02x", (unsigned)cp);
	else
		snprintf(esc, 12, "\\u%04x", (unsigned)cp);
	return esc;
}

const char *text_escape(char *out, size_t size, const char *s, enum text_lines lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), used = 0;

	if (!size)
		return out;
	for (size_t i = 0; i < n;) {
		char buf[12];
		int len;
		const char *esc = escape_one(p + i, n - i, lines, buf, &len);
		const char *piece = esc ? esc : s + i;
		size_t piece_len = esc ? strlen(esc) : (size_t)len;

		if (used + piece_len >= size)
			break;
		memcpy(out + used, piece, piece_len);
		used += piece_len;
		i += (size_t)len;
	}
	out[used] = '\0';
	return out;
}

void text_fputs(const char *s, FILE *out, enum text_lines lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		char buf[12];
		int len;
		const char *esc = escape_one(p + i, n - i, lines, buf, &len);

		if (esc)
			fputs(esc, out);
		else
			fwrite(s + i, 1, (size_t)len, out);
		i += (size_t)len;
	}
}

const char *text_cell(char *out, size_t size, const char *s, int width)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), used = 0;
	int chars = 0;

	if (!size)
		return out;
	/* escapes are ASCII, so each of their bytes is one character */
	for (size_t i = 0; i < n && chars < width;) {
		char buf[12];
		int len;
		const char *esc = escape_one(p + i, n - i, TEXT_ONE_LINE, buf, &len);

		if (esc) {
			for (const char *e = esc; *e && chars < width && used + 1 < size; e++) {
				out[used++] = *e;
				chars++;
			}
		} else {
			if (used + (size_t)len >= size)
				break;
			memcpy(out + used, s + i, (size_t)len);
			used += (size_t)len;
			chars++;
		}
		i += (size_t)len;
	}
	for (; chars < width && used + 1 < size; chars++)
		out[used++] = ' ';
	out[used] = '\0';
	return out;
}
