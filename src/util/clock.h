/*
 * clock.h - monotonic wall time for measuring epochs and benchmarks.
 */
#ifndef DL_UTIL_CLOCK_H
#define DL_UTIL_CLOCK_H

/* Seconds since an arbitrary fixed point; never goes backwards. */
double clock_seconds(void);

#endif
