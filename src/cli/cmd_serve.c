/*
 * cmd_serve.c - `digitlab serve`: run the store's queue headless with a
 * pool of worker threads, one serve per store.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "run/serve.h"
#include "util/text.h"

static const char serve_help[] =
	"usage: digitlab serve [--workers N] [--cores N] [--drain] [--detach]\n"
	"                      [--checkpoint-every SECONDS]\n"
	"       digitlab serve --stop\n"
	"\n"
	"Train the queued runs of the store ($DIGITLAB_HOME, else\n"
	"$XDG_DATA_HOME/digitlab) with a pool of worker threads until stopped.\n"
	"\n"
	"  --workers N   runs trained at once (default: the number of cores)\n"
	"  --cores N     threads the runs may use in all (default: the number of\n"
	"                cores); a run asking for more threads than are free waits\n"
	"  --drain       exit once nothing is queued and nothing is running\n"
	"  --detach      leave the terminal: run in the background, logging to\n"
	"                STORE/serve.log, and print the pid\n"
	"  --stop        stop the serve that is running (detached or not) and wait\n"
	"                until it has; its runs resume on the next start\n"
	"  --checkpoint-every SECONDS\n"
	"                write a run's checkpoint at most this often (default 1;\n"
	"                0: after every epoch), and always when it ends or stops\n"
	"\n"
	"Only one serve runs per store; a second one says which pid holds it.\n"
	"SIGTERM or SIGINT stops every run at its next batch and marks it\n"
	"interrupted; SIGHUP is ignored, so a serve outlives the SSH session that\n"
	"started it. When a serve starts, interrupted runs, and runs left running\n"
	"by a serve that was killed, resume from their last epoch's checkpoint.\n"
	"\n"
	"Exit status: 0 stopped or drained, 1 the store could not be used, 2 bad\n"
	"usage, 4 another serve holds the store.\n";

#define EXIT_LOCKED 4

static volatile int quit;

static void on_signal(int sig)
{
	(void)sig;
	/* atomic: the pool's threads read it (a lock-free store is also
	 * async-signal-safe) */
	__atomic_store_n(&quit, 1, __ATOMIC_RELAXED);
}

struct serve_options {
	int workers, cores, drain, detach, stop;
	double checkpoint_seconds;
};

static int parse_serve_options(int argc, char **argv, struct serve_options *o)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	o->cores = cores < 1 ? 1 : (int)cores;
	o->workers = 0;
	o->checkpoint_seconds = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		int taken;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(serve_help, stdout);
			return -1;
		} else if (!strcmp(a, "--drain")) {
			o->drain = 1;
		} else if (!strcmp(a, "--detach")) {
			o->detach = 1;
		} else if (!strcmp(a, "--stop")) {
			if (argc != 2)
				return cli_usage_error("serve", "--stop takes no other option");
			o->stop = 1;
		} else if ((taken = cli_option_value("serve", argc, argv, &i, "--workers", &v))) {
			if (taken < 0 || (o->workers = cli_parse_count("serve", "--workers", v, 64)) < 0)
				return EXIT_USAGE;
		} else if ((taken = cli_option_value("serve", argc, argv, &i, "--checkpoint-every",
						     &v))) {
			char *end;

			if (taken < 0)
				return EXIT_USAGE;
			o->checkpoint_seconds = strtod(v, &end);
			if (!*v || *end || o->checkpoint_seconds < 0 || o->checkpoint_seconds > 86400)
				return cli_usage_error("serve", "--checkpoint-every: expected seconds "
						       "from 0 to 86400, found '%s'", v);
		} else if ((taken = cli_option_value("serve", argc, argv, &i, "--cores", &v))) {
			if (taken < 0 || (o->cores = cli_parse_count("serve", "--cores", v, 1024)) < 0)
				return EXIT_USAGE;
		} else {
			return cli_usage_error("serve", "unknown argument '%s'", a);
		}
	}
	if (o->workers == 0)
		o->workers = o->cores < 64 ? o->cores : 64;
	return 0;
}

/* Leave the terminal: a child in its own session, stdio on serve.log. The
 * parent prints the child's pid and exits. */
static int detach(const char *dir)
{
	char log[4200];
	int fd;
	pid_t pid;

	snprintf(log, sizeof log, "%s/serve.log", dir);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		fputs("digitlab serve: ", stderr);
		text_fputs(log, stderr, TEXT_ONE_LINE);
		fprintf(stderr, ": %s\n", strerror(errno));
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "digitlab serve: cannot fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		printf("digitlab serve: running as pid %ld, logging to ", (long)pid);
		text_fputs(log, stdout, TEXT_ONE_LINE);
		putchar('\n');
		/* _exit skips stdio's flush, and a redirected stdout is buffered */
		fflush(stdout);
		_exit(0);
	}
	setsid();
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	return 0;
}

/* Take the store's lock, or say who holds it. */
static int take_lock(const char *dir, struct serve_lock *lock)
{
	struct dl_error err;

	switch (serve_lock_take(lock, dir, &err)) {
	case SERVE_LOCK_HELD:
		return 0;
	case SERVE_LOCK_TAKEN:
		if (lock->holder_pid > 0)
			fprintf(stderr, "digitlab serve: another serve (pid %ld) is running for ",
				lock->holder_pid);
		else
			fputs("digitlab serve: another serve (pid ?) is running for ", stderr);
		text_fputs(dir, stderr, TEXT_ONE_LINE);
		if (lock->holder_pid > 0)
			fprintf(stderr, "; stop it first (kill %ld)\n", lock->holder_pid);
		else
			fputs("; stop it first (kill PID)\n", stderr);
		return EXIT_LOCKED;
	default:
		fputs("digitlab serve: ", stderr);
		text_fputs(err.msg, stderr, TEXT_ONE_LINE);
		fputc('\n', stderr);
		return 1;
	}
}

int cmd_serve(int argc, char **argv)
{
	struct serve_options o = {0};
	struct serve_lock lock;
	struct serve_setup setup;
	struct pool_opts po;
	struct store *s;
	struct dl_error err;
	char dir[4096];
	int status, recovered;

	status = parse_serve_options(argc, argv, &o);
	if (status)
		return status < 0 ? 0 : status;
	if (o.stop)
		return cli_serve_stop();
	/* opened to create and find the store, and closed again: a SQLite
	 * connection must not cross the fork of --detach */
	if (cli_open_store(&s) != DL_OK)
		return 1;
	cli_store_dir(s, dir, sizeof dir);
	store_close(s);
	if ((status = take_lock(dir, &lock)) != 0)
		return status;
	if (o.detach && detach(dir) != 0)
		return 1;
	/* after the fork: the lock file's pid is the serve's */
	if (serve_lock_write_pid(&lock, &err) != DL_OK) {
		fputs("digitlab serve: ", stderr);
		text_fputs(err.msg, stderr, TEXT_ONE_LINE);
		fputc('\n', stderr);
	}
	dl_error_clear(&err);
	if (serve_prepare(&setup, dir, "serve", stdout, &recovered, &err) != DL_OK) {
		cli_print_error(&err);
		serve_lock_release(&lock);
		return 1;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, SIG_IGN);
	po = serve_pool_opts(&setup, dir, o.workers, o.cores, &quit);
	po.drain = o.drain;
	po.log = stdout;
	po.checkpoint_seconds = o.checkpoint_seconds;
	printf("digitlab serve: %d worker(s), %d core(s), store ", o.workers, o.cores);
	text_fputs(dir, stdout, TEXT_ONE_LINE);
	printf("/runs.db\n");
	fflush(stdout);
	dl_error_clear(&err);
	if (pool_run(&po, &err) != DL_OK) {
		cli_print_error(&err);
		serve_lock_release(&lock);
		return 1;
	}
	printf("digitlab serve: %s\n", quit ? "stopped; interrupted runs resume on the next start"
					      : "drained: nothing more can start");
	serve_lock_release(&lock);
	return 0;
}
