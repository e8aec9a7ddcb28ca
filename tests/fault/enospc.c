/*
 * enospc.c - an LD_PRELOAD shim for fault injection: the disk fills up
 * while checkpoints are written. With DIGITLAB_FAULT_CHECKPOINTS=N, the
 * first N checkpoint files written (PATH.model.tmp-XXXXXX) succeed, and every
 * write to a later one fails with ENOSPC. Nothing else is touched: the
 * store, logs and data go on as normal.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_checkpoint(int fd, ino_t *inode)
{
	char link[64], path[4096];
	ssize_t n;
	struct stat st;
	size_t len;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return 0;
	path[n] = '\0';
	len = (size_t)n;
	/* ".model.tmp-" and mkstemp's six characters */
	if (len < 17 || strncmp(path + len - 17, ".model.tmp-", 11) || fstat(fd, &st) != 0)
		return 0;
	*inode = st.st_ino;
	return 1;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	static ssize_t (*real_write)(int, const void *, size_t);
	static ino_t last;
	static int files;
	const char *limit = getenv("DIGITLAB_FAULT_CHECKPOINTS");
	ino_t inode;

	if (!real_write)
		real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	if (limit && is_checkpoint(fd, &inode)) {
		if (inode != last) {
			last = inode;
			files++;
		}
		if (files > atoi(limit)) {
			errno = ENOSPC;
			return -1;
		}
	}
	return real_write(fd, buf, count);
}
