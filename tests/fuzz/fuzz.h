/*
 * fuzz.h - what the fuzz targets share. Each target defines
 * LLVMFuzzerTestOneInput(); built with clang's libFuzzer (`make fuzz`) it is
 * fuzzed, built with replay.c (`make check`) it replays its corpus under
 * tests/fuzz/TARGET/, so that every input that once crashed stays a test.
 *
 * The readers under test take paths, so an input becomes a file in memory
 * (memfd_create) named through /proc/self/fd: no disk, no cleanup.
 */
#ifndef DL_TESTS_FUZZ_H
#define DL_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A path whose content is data; *fd to close afterwards (-1: failed). */
static inline const char *fuzz_file(const uint8_t *data, size_t size, int *fd, char *path,
				    size_t path_size)
{
	*fd = memfd_create("digitlab-fuzz", MFD_CLOEXEC);
	if (*fd < 0)
		return NULL;
	if (size && write(*fd, data, size) != (ssize_t)size) {
		close(*fd);
		*fd = -1;
		return NULL;
	}
	snprintf(path, path_size, "/proc/self/fd/%d", *fd);
	return path;
}

#endif
