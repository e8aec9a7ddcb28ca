/*
 * mem.h - how much memory this process has held at most.
 *
 * The figure is getrusage(RUSAGE_SELF)'s ru_maxrss: the peak resident set
 * of the whole process since it started, the number `/usr/bin/time -f %M`
 * prints for a command. A process that trains several runs (a serve, the
 * dashboard) has one peak for all of them, reached by whichever held the
 * most, together with whatever else ran beside it.
 */
#ifndef DL_UTIL_MEM_H
#define DL_UTIL_MEM_H

#include <stdint.h>

/* The process's peak resident set in bytes, or 0 when it cannot be read. */
int64_t mem_peak_rss(void);

#endif
