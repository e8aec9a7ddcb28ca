/* Durations as the commands and the dashboard write them (util/format.h). */
#include <math.h>

#include "tap.h"
#include "util/format.h"

int main(void)
{
	static const struct {
		double seconds;
		const char *want;
	} cases[] = {
		{0, "0.0s"}, {0.04, "0.0s"}, {0.05, "0.1s"}, {0.37, "0.4s"}, {12.34, "12.3s"},
		{59.94, "59.9s"}, {59.95, "1m00s"}, {60, "1m00s"}, {75.3, "1m15s"},
		{184.9, "3m04s"}, {3599.9, "59m59s"}, {3599.95, "1h00m"}, {7501, "2h05m"},
		{400000, "111h06m"}, {NAN, "-"}, {-1, "-"}, {INFINITY, "-"}, {-INFINITY, "-"},
	};
	char buf[16], small[4];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		is_str(format_duration(cases[i].seconds, buf, sizeof buf), cases[i].want,
		       "%g seconds", cases[i].seconds);
	ok(format_duration(1e30, buf, sizeof buf) == buf && strlen(buf) == sizeof buf - 1,
	   "a duration too long for the buffer is cut short, not overflowed");
	is_str(format_duration(7501, small, sizeof small), "2h0", "a small buffer is cut short");
	return tap_done();
}
