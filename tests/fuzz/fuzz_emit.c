/* The canonical writer on arbitrary strings (fuzz.h): what experiment_to_yaml
 * writes, the parser reads back. The input is a name and a path, split at
 * the first NUL (an empty path, which the parser rightly refuses, is
 * skipped); both go into a valid experiment, which is emitted and
 * parsed again. A path is free text: any UTF-8 must come back as it was. A
 * name is an identifier (util/text.h): one that passes the check must come
 * back as it was, and one that does not must be refused by the parser with
 * the check's reason, never with a YAML error the writer caused. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spec/experiment.h"
#include "util/text.h"

static const char base[] =
	"data: {source: idx, train_images: a, train_labels: b, test_images: c, test_labels: d}\n"
	"model:\n  layers:\n    - dense: {units: 10}\n";

/* Whether s (n bytes) is UTF-8 with no NUL, and short enough for a field
 * of size bytes. */
static int usable(const uint8_t *s, size_t n, size_t size)
{
	uint32_t cp;

	if (n >= size)
		return 0;
	for (size_t i = 0; i < n;) {
		int len = text_utf8_next(s + i, n - i, &cp);

		if (!len || cp == 0)
			return 0;
		i += (size_t)len;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t name_len = nul ? (size_t)(nul - data) : size;
	const uint8_t *path = nul ? nul + 1 : data + size;
	size_t path_len = nul ? size - name_len - 1 : 0;
	struct experiment a, b;
	struct dl_error err;
	char why[128], *yaml, *again;
	int named;

	if (experiment_parse(&a, base, strlen(base), "base.yaml", NULL, 0, &err) != DL_OK)
		abort();
	if (!name_len || !path_len || !usable(data, name_len, sizeof a.name) ||
	    !usable(path, path_len, sizeof a.data.train_images))
		return 0;
	memset(a.name, 0, sizeof a.name);
	memcpy(a.name, data, name_len);
	memset(a.data.train_images, 0, sizeof a.data.train_images);
	memcpy(a.data.train_images, path, path_len);
	named = text_check_identifier(a.name, why, sizeof why) == 0;
	yaml = experiment_to_yaml(&a);
	if (!yaml)
		return 0;
	if (experiment_parse(&b, yaml, strlen(yaml), "canonical", NULL, 0, &err) != DL_OK) {
		/* only the name's own check may refuse it */
		if (named || strncmp(err.msg, "name: ", 6) != 0 || strcmp(err.msg + 6, why) != 0)
			abort();
		free(yaml);
		return 0;
	}
	if (!named || memcmp(&a, &b, sizeof a) != 0)
		abort();        /* a bad name got in, or a string changed on the way */
	again = experiment_to_yaml(&b);
	if (!again || strcmp(yaml, again) != 0)
		abort();        /* canonical text must be a fixed point */
	free(yaml);
	free(again);
	return 0;
}
