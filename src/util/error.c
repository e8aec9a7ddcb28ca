#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void dl_error_clear(struct dl_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
}

static void set_location(struct dl_error *err, const char *file, int line, int col)
{
	snprintf(err->file, sizeof err->file, "%s", file ? file : "");
	err->line = line;
	err->col = col;
}

int dl_error_set(struct dl_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return DL_ERR;
	set_location(err, NULL, 0, 0);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return DL_ERR;
}

int dl_error_at(struct dl_error *err, const char *file, int line, int col,
		const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return DL_ERR;
	set_location(err, file, line, col);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return DL_ERR;
}

void dl_error_prefix(struct dl_error *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof err->msg];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
}

void dl_error_format(const struct dl_error *err, char *buf, size_t size)
{
	if (err->file[0] && err->line > 0)
		snprintf(buf, size, "%s:%d:%d: error: %s", err->file, err->line,
			 err->col, err->msg);
	else if (err->file[0])
		snprintf(buf, size, "%s: error: %s", err->file, err->msg);
	else
		snprintf(buf, size, "error: %s", err->msg);
}
