/*
 * tap.h - a tiny Test Anything Protocol writer for the C unit tests.
 *
 * Each check prints "ok N - what" or "not ok N - what" (with the file and
 * line of a failure on stderr); tap_done() prints the plan and returns the
 * exit status. automake's tap-driver counts every check, so a failing check
 * is a failing test in `make check`.
 */
#ifndef DL_TESTS_TAP_H
#define DL_TESTS_TAP_H

#undef NDEBUG
#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_count, tap_failed;

static inline int tap_ok_at(int cond, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#include <stdarg.h>
static inline int tap_ok_at(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		fprintf(stderr, "# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, ...) tap_ok_at(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Compare two strings, showing both on failure. */
#define is_str(got, want, ...) \
	(ok(strcmp((got), (want)) == 0, __VA_ARGS__) ? 1 : \
	 (fprintf(stderr, "#   got:  '%s'\n#   want: '%s'\n", (got), (want)), 0))

/* Compare two integers, showing both on failure. */
#define is_int(got, want, ...) \
	(ok((got) == (want), __VA_ARGS__) ? 1 : \
	 (fprintf(stderr, "#   got:  %d\n#   want: %d\n", (int)(got), (int)(want)), 0))

/* Compare two numbers within an absolute tolerance. */
#define is_near(got, want, tol, ...) \
	(ok(fabs((double)(got) - (double)(want)) <= (tol), __VA_ARGS__) ? 1 : \
	 (fprintf(stderr, "#   got:  %.9g\n#   want: %.9g (tol %g)\n", \
		  (double)(got), (double)(want), (double)(tol)), 0))

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
