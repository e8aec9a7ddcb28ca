/* The IDX reader (raw and gzip) on arbitrary bytes (fuzz.h): images and
 * labels, with every size checked before it is allocated. */
#include <stdlib.h>

#include "data/idx.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct idx_info info;
	struct dl_error err;
	uint8_t *pixels = NULL, *labels = NULL;
	char path[64];
	int fd, n;

	if (!fuzz_file(data, size, &fd, path, sizeof path))
		return 0;
	idx_read_info(path, 0, &info, &err);
	if (idx_read_images(path, &pixels, &info, &err) == DL_OK)
		free(pixels);
	if (idx_read_labels(path, 10, &labels, &n, &err) == DL_OK)
		free(labels);
	close(fd);
	return 0;
}
