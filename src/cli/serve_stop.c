/*
 * serve_stop.c - `digitlab serve --stop`: end the serve that holds the
 * store, as `pueue shutdown` ends its daemon, and wait until it has.
 *
 * The serve holds STORE/serve.pid for its whole life and writes its pid
 * into it (run/serve.h). A lock that is free means no serve runs; one that
 * is held names the pid to send SIGTERM, after which the serve stops every
 * run at its next batch, marks it interrupted and exits, and the kernel
 * drops the lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "cli/cli.h"
#include "run/serve.h"
#include "util/text.h"

/* How long to wait for the serve to let go of the lock. */
#define STOP_WAIT_SECONDS 60

int cli_serve_running(const char *dir)
{
	struct dl_error err;

	return serve_lock_held(dir, NULL, &err) == 1;
}

/*
 * Whether process PID still runs. The serve lets go of its lock a moment
 * before it exits (it still flushes its log and closes the store), so
 * --stop also waits for the process itself. A zombie has exited: it waits
 * only for whoever adopted it to reap it. Where /proc cannot be read,
 * kill(pid, 0) decides, and counts a zombie as running until it is reaped.
 */
static int process_runs(long pid)
{
	char path[64], state = 0;
	FILE *stat;

	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (!(stat = fopen(path, "r")))
		return 1;
	/* "pid (comm) S ...": the state follows the last ')' */
	for (int c, after_paren = 0; (c = fgetc(stat)) != EOF;) {
		if (c == ')')
			after_paren = 1, state = 0;
		else if (after_paren && c != ' ' && !state)
			state = (char)c;
	}
	fclose(stat);
	return state != 'Z' && state != 'X';
}

/* The serve's lock could not be read: say so, as every path, escaped. */
static int lock_unreadable(const struct dl_error *err)
{
	fputs("digitlab serve: ", stderr);
	text_fputs(err->msg, stderr, TEXT_ONE_LINE);
	fputc('\n', stderr);
	return 1;
}

int cli_serve_stop(void)
{
	struct timespec tick = {0, 100 * 1000 * 1000};
	struct dl_error err;
	struct store *s;
	char dir[4096];
	long pid;
	int held;

	if (cli_open_store(&s) != DL_OK)
		return 1;
	cli_store_dir(s, dir, sizeof dir);
	store_close(s);
	dl_error_clear(&err);
	if ((held = serve_lock_held(dir, &pid, &err)) < 0)
		return lock_unreadable(&err);
	if (!held) {
		fputs("digitlab serve: no serve is running for ", stdout);
		text_fputs(dir, stdout, TEXT_ONE_LINE);
		putchar('\n');
		return 0;
	}
	if (pid <= 1 || kill((pid_t)pid, SIGTERM) != 0) {
		fputs("digitlab serve: a serve holds ", stderr);
		text_fputs(dir, stderr, TEXT_ONE_LINE);
		fputs("/serve.pid but its pid cannot be read from it\n", stderr);
		return 1;
	}
	/* stopped: the lock is free and the process gone */
	for (int waited = 0;; waited++) {
		if ((held = serve_lock_held(dir, NULL, &err)) < 0)
			return lock_unreadable(&err);
		if (!held && !process_runs(pid))
			break;
		if (waited == STOP_WAIT_SECONDS * 10) {
			fprintf(stderr, "digitlab serve: pid %ld has not stopped after %d s\n", pid,
				STOP_WAIT_SECONDS);
			return 1;
		}
		nanosleep(&tick, NULL);
	}
	printf("digitlab serve: stopped pid %ld; its runs resume on the next start\n", pid);
	return 0;
}
