/* Short renderings of quantities (format.h). */
#include "util/format.h"

#include <math.h>
#include <stdio.h>

const char *format_duration(double seconds, char *buf, size_t size)
{
	double tenths, s;

	if (!isfinite(seconds) || seconds < 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	/* in doubles throughout: a duration of any size is printed, never
	 * converted to an integer that could overflow */
	tenths = floor(seconds * 10 + 0.5);
	s = floor(tenths / 10);
	if (tenths < 600)
		snprintf(buf, size, "%.1fs", tenths / 10);
	else if (s < 3600)
		snprintf(buf, size, "%.0fm%02.0fs", floor(s / 60), fmod(s, 60));
	else
		snprintf(buf, size, "%.0fh%02.0fm", floor(s / 3600), floor(fmod(s, 3600) / 60));
	return buf;
}
