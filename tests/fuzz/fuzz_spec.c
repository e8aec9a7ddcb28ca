/* The experiment parser on arbitrary text (fuzz.h): it must accept or
 * refuse with a located error, and what it accepts must emit and parse
 * back to the same canonical text. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spec/experiment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct experiment a, b;
	struct dl_error err;
	char *yaml, *again;

	if (experiment_parse(&a, (const char *)data, size, "fuzz.yaml", NULL, 0, &err) != DL_OK)
		return 0;
	yaml = experiment_to_yaml(&a);
	if (!yaml)
		return 0;
	if (experiment_parse(&b, yaml, strlen(yaml), "canonical", NULL, 0, &err) != DL_OK)
		abort();        /* the emitter wrote what the parser refuses */
	again = experiment_to_yaml(&b);
	if (!again || strcmp(yaml, again) != 0)
		abort();        /* canonical text must be a fixed point */
	free(yaml);
	free(again);
	return 0;
}
