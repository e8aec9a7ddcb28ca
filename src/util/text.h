/*
 * text.h - the one place that decides what text from users may hold, and
 * how it reaches a terminal.
 *
 * Text from users (run names, tags, notes, sweep points, file names, error
 * messages that quote them) is stored as typed but must never reach a
 * terminal raw: an escape sequence in a note could retitle, clear or
 * rewrite the terminal of whoever reads it, and a right-to-left override
 * could make a name read as another. Two rules follow:
 *
 *  - Identifiers (run names, tags) are checked at the door with
 *    text_check_identifier(): valid UTF-8 with no control character (C0,
 *    DEL, C1), no bidirectional control and no line or paragraph
 *    separator. A name that passes prints the same everywhere.
 *  - Everything else (notes, messages, paths) is kept as typed and escaped
 *    on the way out by text_escape(): each character text_is_unsafe() names
 *    is shown visibly ("\x1b", "\u202e", "\n"), and each byte that is not
 *    UTF-8 as "\xNN". Every writer of user text to a terminal goes through
 *    it (directly, or through text_fputs() and text_cell(), which call it).
 *
 * A backslash is written as it is: escaped text is for reading, and an
 * escape shown can only ever come from a control character or a literal
 * backslash in the text, both harmless.
 *
 * Nothing here allocates, prints (but text_fputs to the stream it is
 * given) or keeps state.
 */
#ifndef DL_UTIL_TEXT_H
#define DL_UTIL_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Decode the UTF-8 character at s (at most n bytes, n >= 1). Returns its
 * length in bytes (1-4) with the code point in *cp, or 0 when the bytes
 * there are not UTF-8 (a stray continuation byte, an overlong form, a
 * surrogate, a value past U+10FFFF, or a sequence cut short); *cp is then
 * the first byte. */
int text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* Whether code point cp must never reach a terminal raw: C0 controls
 * (tab and line feed included), DEL, C1 controls, the bidirectional
 * controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) and the
 * line and paragraph separators (U+2028, U+2029). Returns a short name of
 * its class ("control character", "bidirectional control",
 * "line separator"), or NULL when cp is safe. */
const char *text_is_unsafe(uint32_t cp);

/* Whether s (NUL-terminated) may be an identifier. Returns 0 when it may;
 * otherwise -1, with a reason in why (when size > 0) that reads after the
 * identifier's name, e.g. "contains the control character U+001B at
 * character 2", "contains the bidirectional control U+202E at character 5",
 * "is not valid UTF-8 (byte 0xFF at byte 3)" or "is empty". */
int text_check_identifier(const char *s, char *why, size_t size);

/* How text_escape() treats line breaks. */
enum text_lines {
	TEXT_ONE_LINE,          /* "\n" too is escaped: the text stays on one line */
	TEXT_KEEP_LINES,        /* line feeds are written as they are (YAML, notes
	                           shown as a block) */
};

/* Escape s for a terminal into out (size bytes, NUL-terminated when size
 * > 0, cut short rather than overflowing: at a whole escape or character,
 * never inside one). Tab and line feed become "\t" and "\n", other C0
 * controls and DEL "\xNN", other unsafe code points "\uNNNN", bytes that
 * are not UTF-8 "\xNN". Returns out. */
const char *text_escape(char *out, size_t size, const char *s, enum text_lines lines);

/* Room text_escape() needs for n bytes of input, NUL included. */
#define TEXT_ESCAPED_SIZE(n) (6 * (n) + 1)

/* text_escape() straight to a stream, however long s is. */
void text_fputs(const char *s, FILE *out, enum text_lines lines);

/* A table cell: s escaped (one line), cut to at most width characters
 * (never inside one) and padded with spaces to exactly width, as printf's
 * "%-W.Ws" would for ASCII. Returns out; with size below 4 * width + 1 the
 * cell may be cut shorter. */
const char *text_cell(char *out, size_t size, const char *s, int width);

#endif
