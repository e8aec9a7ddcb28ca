/* Canonical YAML as key: value pairs (flat.h). */
#include <stdio.h>
#include <string.h>

#include "spec/flat.h"

/* Add key: value, descending into a flow mapping ("{units: 5, activation:
 * relu}" becomes key.units and key.activation) so that one changed field
 * of a layer shows as itself. A list item "dense: {...}" is a one-key
 * mapping too. */
static void flat_add(struct flat *f, const char *key, const char *value, int len)
{
	const char *colon = memchr(value, ':', (size_t)len);

	if (len >= 2 && value[0] == '{' && value[len - 1] == '}') {
		int depth = 0, from = 1;

		for (int i = 1; i < len; i++) {
			depth += value[i] == '[' || value[i] == '{';
			depth -= value[i] == ']' || (value[i] == '}' && i < len - 1);
			if ((value[i] == ',' && depth == 0) || i == len - 1) {
				const char *item = value + from, *c;
				int n = i - from;

				while (n > 0 && *item == ' ')
					item++, n--;
				c = memchr(item, ':', (size_t)n);
				if (c && c + 2 <= item + n) {
					char sub[96];

					snprintf(sub, sizeof sub, "%s.%.*s", key, (int)(c - item), item);
					flat_add(f, sub, c + 2, (int)(item + n - c - 2));
				}
				from = i + 1;
			}
		}
		return;
	}
	if (colon && colon + 2 < value + len && colon[2] == '{' && !memchr(value, ' ', (size_t)(colon - value))) {
		char sub[96];

		snprintf(sub, sizeof sub, "%s.%.*s", key, (int)(colon - value), value);
		flat_add(f, sub, colon + 2, (int)(value + len - colon - 2));
		return;
	}
	if (f->n == FLAT_MAX)
		return;
	snprintf(f->key[f->n], sizeof f->key[0], "%s", key);
	snprintf(f->value[f->n++], sizeof f->value[0], "%.*s", len, value);
}

void spec_flatten(const char *yaml, struct flat *f)
{
	char parents[16][96] = {{0}};
	int items[16] = {0};
	const char *line = yaml;

	f->n = 0;
	while (*line) {
		const char *end = strchr(line, '\n'), *text = line, *colon;
		int len = end ? (int)(end - line) : (int)strlen(line), depth;
		char key[96];

		while (*text == ' ')
			text++;
		depth = (int)(text - line) / 2;
		len -= (int)(text - line);
		if (depth < 15 && len > 0 && *text != '#') {
			if (!strncmp(text, "- ", 2)) {
				snprintf(key, sizeof key, "%s[%d]", depth ? parents[depth - 1] : "",
					 items[depth]++);
				flat_add(f, key, text + 2, len - 2);
			} else if ((colon = memchr(text, ':', (size_t)len))) {
				snprintf(key, sizeof key, "%s%s%.*s", depth ? parents[depth - 1] : "",
					 depth ? "." : "", (int)(colon - text), text);
				if (colon + 1 == text + len) {
					snprintf(parents[depth], sizeof parents[0], "%s", key);
					items[depth + 1] = 0;
				} else {
					flat_add(f, key, colon + 2, (int)(text + len - colon - 2));
				}
			}
		}
		if (!end)
			break;
		line = end + 1;
	}
}

const char *spec_flat_get(const struct flat *f, const char *key)
{
	for (int i = 0; i < f->n; i++)
		if (!strcmp(f->key[i], key))
			return f->value[i];
	return NULL;
}


/* A flat's value of key, NULL for a flat that is NULL or lacks the key. */
static const char *value_of(const struct flat *f, const char *key)
{
	return f ? spec_flat_get(f, key) : NULL;
}

/* 1 when some experiment has a value of key other than value, or none. */
static int differs(const struct flat *const *flats, int n, const char *key, const char *value)
{
	for (int q = 0; q < n; q++) {
		const char *v = value_of(flats[q], key);

		if (!v || strcmp(v, value))
			return 1;
	}
	return 0;
}

int spec_flat_differ(const struct flat *const *flats, int n, const char **keys, int max)
{
	int found = 0;

	for (int r = 0; r < n; r++) {
		for (int k = 0; flats[r] && k < flats[r]->n; k++) {
			const char *key = flats[r]->key[k];
			int earlier = 0;

			if (!strcmp(key, "name"))
				continue;
			/* a key an earlier experiment has was judged with it */
			for (int q = 0; q < r && !earlier; q++)
				earlier = value_of(flats[q], key) != NULL;
			if (earlier || !differs(flats, n, key, flats[r]->value[k]))
				continue;
			if (found < max)
				keys[found] = key;
			found++;
		}
	}
	return found;
}
