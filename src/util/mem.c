#include "util/mem.h"

#include <sys/resource.h>

int64_t mem_peak_rss(void)
{
	struct rusage u;

	if (getrusage(RUSAGE_SELF, &u) != 0 || u.ru_maxrss <= 0)
		return 0;
#ifdef __APPLE__
	return (int64_t)u.ru_maxrss;            /* bytes there */
#else
	return (int64_t)u.ru_maxrss * 1024;     /* kilobytes on Linux and the BSDs */
#endif
}
