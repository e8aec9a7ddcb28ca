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
	char prefix[512];
	size_t plen, mlen;
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* "PREFIX: MSG", cutting MSG short if the whole does not fit. */
	plen = strlen(prefix);
	if (plen + 2 >= sizeof err->msg)
		plen = sizeof err->msg - 3;
	mlen = strlen(err->msg);
	if (plen + 2 + mlen >= sizeof err->msg)
		mlen = sizeof err->msg - plen - 3;
	memmove(err->msg + plen + 2, err->msg, mlen);
	memcpy(err->msg, prefix, plen);
	memcpy(err->msg + plen, ": ", 2);
	err->msg[plen + 2 + mlen] = '\0';
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
