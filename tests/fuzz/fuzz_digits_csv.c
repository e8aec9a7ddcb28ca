/* The sklearn digits CSV reader on arbitrary bytes (fuzz.h). */
#include "data/digits_csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataset d;
	struct dl_error err;
	char path[64];
	int fd, n;

	if (!fuzz_file(data, size, &fd, path, sizeof path))
		return 0;
	digits_csv_count(path, &n, &err);
	if (digits_csv_read(path, &d, &err) == DL_OK)
		dataset_free(&d);
	close(fd);
	return 0;
}
