/* Edit distance and the closest name (suggest.h). */
#include <ctype.h>
#include <string.h>

#include "util/suggest.h"

int suggest_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[64];

	if (la > 60 || lb > 60)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			int best = diag + cost;

			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *suggest_closest(const char *word, const char *const *names)
{
	const char *best = NULL;
	int best_d = 1000;

	for (int i = 0; names[i]; i++) {
		int d = suggest_distance(word, names[i]);
		size_t la = strlen(word), lb = strlen(names[i]);
		size_t longest = la > lb ? la : lb;

		if (d <= 3 && (size_t)d * 2 <= longest && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
