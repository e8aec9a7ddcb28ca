/* src/util/text: the identifier check and the terminal escapes, byte by
 * byte, with every class of unsafe character and every kind of bad UTF-8. */
#include <stdlib.h>

#include "tap.h"
#include "util/text.h"

static void check_identifier(const char *s, const char *want, const char *what)
{
	char why[128] = "";
	int rc = text_check_identifier(s, why, sizeof why);

	if (!want)
		ok(rc == 0, "identifier accepted: %s", what);
	else
		ok(rc == -1, "identifier refused: %s", what) &&
			is_str(why, want, "  with the reason: %s", what);
}

static void test_identifiers(void)
{
	check_identifier("nb004-cnn", NULL, "ASCII");
	check_identifier("r\xc3\xa9gression \xe6\x95\xb0\xe5\xad\x97 \xf0\x9f\x94\xa2", NULL,
			 "accents, CJK and an emoji");
	check_identifier("a b_c.d/e\\f", NULL, "spaces and punctuation");
	check_identifier("", "is empty", "empty");
	check_identifier("x\x1b]0;pwned\x07", "contains the control character U+001B at character 2",
			 "ESC");
	check_identifier("\xc3\xa9\xc3\xa9\xc2\x9b", "contains the control character U+009B at character 3",
			 "C1 CSI after two accented letters (counted as characters)");
	check_identifier("a\x7f", "contains the control character U+007F at character 2", "DEL");
	check_identifier("tab\there", "contains the control character U+0009 at character 4", "tab");
	check_identifier("line\nbreak", "contains the control character U+000A at character 5",
			 "line feed");
	check_identifier("abc\xe2\x80\xaegnp.exe",
			 "contains the bidirectional control U+202E at character 4", "RLO");
	check_identifier("\xe2\x80\xaa", "contains the bidirectional control U+202A at character 1",
			 "LRE");
	check_identifier("x\xe2\x81\xa6", "contains the bidirectional control U+2066 at character 2",
			 "LRI");
	check_identifier("x\xe2\x81\xa9", "contains the bidirectional control U+2069 at character 2",
			 "PDI");
	check_identifier("\xe2\x80\xa8", "contains the line separator U+2028 at character 1",
			 "line separator");
	check_identifier("ab\xff", "is not valid UTF-8 (byte 0xFF at byte 3)", "a stray 0xFF");
	check_identifier("\xc0\xaf", "is not valid UTF-8 (byte 0xC0 at byte 1)", "overlong slash");
	check_identifier("\xed\xa0\x80", "is not valid UTF-8 (byte 0xED at byte 1)", "a surrogate");
	check_identifier("\xf4\x90\x80\x80", "is not valid UTF-8 (byte 0xF4 at byte 1)",
			 "past U+10FFFF");
	check_identifier("ab\xe2\x80", "is not valid UTF-8 (byte 0xE2 at byte 3)", "cut short");
	check_identifier("\x80", "is not valid UTF-8 (byte 0x80 at byte 1)",
			 "a lone continuation byte");
}

static void test_escape(void)
{
	char out[256];

	is_str(text_escape(out, sizeof out, "plain r\xc3\xa9sum\xc3\xa9", TEXT_ONE_LINE),
	       "plain r\xc3\xa9sum\xc3\xa9", "safe text is unchanged");
	is_str(text_escape(out, sizeof out, "x \x1b]0;pwned\x07 \x1b[2J", TEXT_ONE_LINE),
	       "x \\x1b]0;pwned\\x07 \\x1b[2J", "OSC and CSI sequences are shown, not run");
	is_str(text_escape(out, sizeof out, "\xc2\x9b" "2J \xc2\x85", TEXT_ONE_LINE),
	       "\\u009b2J \\u0085", "C1 controls (a one-byte CSI, NEL)");
	is_str(text_escape(out, sizeof out, "a\xe2\x80\xae" "b\xe2\x81\xa7" "c\xd8\x9c",
			   TEXT_ONE_LINE), "a\\u202eb\\u2067c\\u061c", "bidirectional controls");
	is_str(text_escape(out, sizeof out, "a\tb\nc\rd\x7f", TEXT_ONE_LINE),
	       "a\\tb\\nc\\x0dd\\x7f", "tab, line feed, CR, DEL");
	is_str(text_escape(out, sizeof out, "a\nb\tc", TEXT_KEEP_LINES), "a\nb\\tc",
	       "line feeds kept when asked, nothing else");
	is_str(text_escape(out, sizeof out, "\xff\xfe ok \xe2\x80", TEXT_ONE_LINE),
	       "\\xff\\xfe ok \\xe2\\x80", "bytes that are not UTF-8");
	is_str(text_escape(out, 7, "abc\x1b[2J", TEXT_ONE_LINE), "abc",
	       "cut short at a whole escape, never inside one");
	is_str(text_escape(out, 5, "ab\xc3\xa9\xc3\xa9", TEXT_ONE_LINE), "ab\xc3\xa9",
	       "cut short at a whole character");
}

static void test_fputs(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	text_fputs("note \x1b[31mred\xe2\x80\xae\nnext", f, TEXT_ONE_LINE);
	fputc('|', f);
	text_fputs("a\nb\x1b", f, TEXT_KEEP_LINES);
	fclose(f);
	is_str(buf, "note \\x1b[31mred\\u202e\\nnext|a\nb\\x1b",
	       "text_fputs writes what text_escape writes");
	free(buf);
}

static void test_cell(void)
{
	char out[128];

	is_str(text_cell(out, sizeof out, "glyphs", 8), "glyphs  ", "padded to the width");
	is_str(text_cell(out, sizeof out, "abcdefghij", 4), "abcd", "cut to the width");
	is_str(text_cell(out, sizeof out, "\xc3\xa9t\xc3\xa9", 5), "\xc3\xa9t\xc3\xa9  ",
	       "widths count characters, not bytes");
	is_str(text_cell(out, sizeof out, "a\x1b[2J", 6), "a\\x1b[", "escapes count as they show");
	is_str(text_cell(out, sizeof out, "x\xe2\x80\xae", 3), "x\\u", "and are cut like text");
}

int main(void)
{
	test_identifiers();
	test_escape();
	test_fputs();
	test_cell();
	return tap_done();
}
