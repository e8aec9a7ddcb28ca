/*
 * error.h - the one way library code reports a failure.
 *
 * Library functions never print and never exit. A function that can fail
 * returns an int status (0 on success, DL_ERR (-1) on failure) and, on
 * failure, fills a caller-owned struct dl_error. Only main() prints it.
 *
 * Errors about a place in a file (a YAML key, a byte in an IDX header) carry
 * file, line and column so that dl_error_format() can produce the
 * conventional "FILE:LINE:COL: error: MESSAGE" that editors can jump to.
 */
#ifndef DL_UTIL_ERROR_H
#define DL_UTIL_ERROR_H

#include <stddef.h>

#define DL_OK 0
#define DL_ERR (-1)

struct dl_error {
	char msg[1024];   /* human-readable message, no trailing newline */
	char file[512];   /* file the error is about, "" when none */
	int line;         /* 1-based line, 0 when unknown */
	int col;          /* 1-based column, 0 when unknown */
};

/* Clear an error record. */
void dl_error_clear(struct dl_error *err);

/* Set a message with no location. Always returns DL_ERR, so callers can write
 * `return dl_error_set(err, "...")`. err may be NULL. */
int dl_error_set(struct dl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Set a message located in a file (line/col may be 0). Returns DL_ERR. */
int dl_error_at(struct dl_error *err, const char *file, int line, int col,
		const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Prefix the existing message with "PREFIX: " (adds context on the way up). */
void dl_error_prefix(struct dl_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Render as "FILE:LINE:COL: error: MSG", "FILE: error: MSG" or "error: MSG". */
void dl_error_format(const struct dl_error *err, char *buf, size_t size);

#endif
