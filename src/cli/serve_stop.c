/*
 * serve_stop.c - `digitlab serve --stop`: end the serve that holds the
 * store, as `pueue shutdown` ends its daemon, and wait until it has.
 *
 * The serve holds STORE/serve.pid with flock() for its whole life and
 * writes its pid into it (cmd_serve.c). A lock that can be taken means no
 * serve runs; one that cannot names the pid to send SIGTERM, after which
 * the serve stops every run at its next batch, marks it interrupted and
 * exits, and the kernel drops the lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/text.h"

/* How long to wait for the serve to let go of the lock. */
#define STOP_WAIT_SECONDS 60

/* 1 while another process holds the lock on fd. */
static int lock_held(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		return 1;
	flock(fd, LOCK_UN);
	return 0;
}

int cli_serve_running(const char *dir)
{
	char path[4200];
	int fd, held;

	snprintf(path, sizeof path, "%s/serve.pid", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	held = lock_held(fd);
	close(fd);
	return held;
}

static long read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

int cli_serve_stop(void)
{
	struct timespec tick = {0, 100 * 1000 * 1000};
	struct store *s;
	char dir[4096], path[4200];
	long pid;
	int fd;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	cli_store_dir(s, dir, sizeof dir);
	store_close(s);
	snprintf(path, sizeof path, "%s/serve.pid", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		fputs("digitlab serve: ", stderr);
		text_fputs(path, stderr, TEXT_ONE_LINE);
		fprintf(stderr, ": %s\n", strerror(errno));
		return 1;
	}
	if (fd < 0 || !lock_held(fd)) {
		fputs("digitlab serve: no serve is running for ", stdout);
		text_fputs(dir, stdout, TEXT_ONE_LINE);
		putchar('\n');
		if (fd >= 0)
			close(fd);
		return 0;
	}
	pid = read_pid(fd);
	if (pid <= 1 || kill((pid_t)pid, SIGTERM) != 0) {
		fputs("digitlab serve: a serve holds ", stderr);
		text_fputs(path, stderr, TEXT_ONE_LINE);
		fputs(" but its pid cannot be read from it\n", stderr);
		close(fd);
		return 1;
	}
	for (int waited = 0; lock_held(fd); waited++) {
		if (waited == STOP_WAIT_SECONDS * 10) {
			fprintf(stderr, "digitlab serve: pid %ld has not stopped after %d s\n", pid,
				STOP_WAIT_SECONDS);
			close(fd);
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	close(fd);
	printf("digitlab serve: stopped pid %ld; its runs resume on the next start\n", pid);
	return 0;
}
