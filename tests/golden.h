/*
 * golden.h - a canvas compared with its golden text file,
 * tests/golden/DIR/NAME.utf8.txt (or .ascii.txt for an ASCII canvas).
 * With DIGITLAB_UPDATE_GOLDEN=1 the file is written instead: read every
 * one before committing it. Header-only, like tap.h.
 */
#ifndef DL_TESTS_GOLDEN_H
#define DL_TESTS_GOLDEN_H

#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "tui/canvas.h"

static char *golden_canvas_text(const struct canvas *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	canvas_write(c, f);
	fclose(f);
	return text;
}

static char *golden_read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The first line where got and want differ, 1-based; 0 when equal. */
static int golden_first_difference(const char *got, const char *want)
{
	int line = 1;

	for (; *got && *got == *want; got++, want++)
		line += *got == '\n';
	return *got == *want ? 0 : line;
}

static void golden_check(const struct canvas *c, const char *dir, const char *name)
{
	const char *top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
	char path[1024], *got = golden_canvas_text(c), *want;

	snprintf(path, sizeof path, "%s/tests/golden/%s/%s.%s.txt", top, dir, name,
		 c->ascii ? "ascii" : "utf8");
	if (getenv("DIGITLAB_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");

		ok(f && got && fputs(got, f) >= 0 && fclose(f) == 0, "%s: golden written", path);
		free(got);
		return;
	}
	want = golden_read_all(path);
	if (!want) {
		ok(0, "%s: no golden file", path);
	} else {
		int line = golden_first_difference(got ? got : "", want);

		ok(line == 0, "%s %s matches its golden file%s", name, c->ascii ? "(ASCII)" : "(Unicode)",
		   line ? " (first difference below)" : "");
		if (line)
			printf("# line %d differs; got:\n%s", line, got);
	}
	free(want);
	free(got);
}

#endif
