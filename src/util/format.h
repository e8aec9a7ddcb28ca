/*
 * format.h - short renderings of quantities for tables and screens, shared
 * by the commands and the dashboard so that both say a thing the same way.
 */
#ifndef DL_UTIL_FORMAT_H
#define DL_UTIL_FORMAT_H

#include <stddef.h>

/* A duration in at most six characters, for a table column. Rounded to a
 * tenth of a second, then written in the largest pair of units, the
 * smaller one truncated:
 *   0.37 -> "0.4s", 12.34 -> "12.3s", 59.97 -> "1m00s", 184.9 -> "3m04s",
 *   7501 -> "2h05m", 400000 -> "111h06m"
 * NaN, infinite or negative (not known): "-". Writes buf (16 bytes hold
 * any duration under a billion hours) and returns it. */
const char *format_duration(double seconds, char *buf, size_t size);

#endif
