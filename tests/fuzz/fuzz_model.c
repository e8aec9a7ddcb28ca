/* The model-file reader on arbitrary bytes (fuzz.h): a hostile header must
 * be refused before any large allocation, and a file that is accepted must
 * build its model. */
#include "fuzz.h"
#include "spec/experiment.h"
#include "train/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct checkpoint c;
	struct dl_error err;
	char path[64];
	int fd;

	if (!fuzz_file(data, size, &fd, path, sizeof path))
		return 0;
	if (checkpoint_read(path, &c, &err) == DL_OK)
		checkpoint_free(&c);
	close(fd);
	return 0;
}
