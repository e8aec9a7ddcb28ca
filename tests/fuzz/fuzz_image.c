/* The image readers (PNG by libpng, PGM) and the pixel CSV reader on
 * arbitrary bytes (fuzz.h): each file is read as what its first bytes say
 * and as a CSV, and every read image is fitted to 28x28. */
#include <stdlib.h>

#include "data/image.h"
#include "data/pixel_csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dl_error err;
	struct dataset d;
	float *pixels, fitted[28 * 28];
	char path[64];
	int fd, h, w, labelled;

	if (!fuzz_file(data, size, &fd, path, sizeof path))
		return 0;
	for (int invert = 0; invert <= 1; invert++)
		if (image_read(path, invert, &pixels, &h, &w, &err) == DL_OK) {
			image_fit(pixels, h, w, invert, fitted, 28, 28);
			free(pixels);
		}
	if (image_read_png_memory(data, size, "memory", 0, &pixels, &h, &w, &err) == DL_OK)
		free(pixels);
	if (pixel_csv_read(path, 10, 0, &d, &labelled, &err) == DL_OK)
		dataset_free(&d);
	close(fd);
	return 0;
}
