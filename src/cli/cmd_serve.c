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
#include "data/dataset.h"
#include "run/serve.h"
#include "run/slurm.h"
#include "util/text.h"

static const char serve_help[] =
	"usage: digitlab serve [--workers N] [--cores N] [--drain] [--detach]\n"
	"                      [--checkpoint-every SECONDS]\n"
	"       digitlab serve --executor slurm [--partition P] [--account A]\n"
	"                      [--time T] [--max-jobs N] [--retries N]\n"
	"                      [--sbatch-arg ARG]... [--drain] [--detach]\n"
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
	"  --executor local|slurm\n"
	"                where runs train: worker threads here (the default), or\n"
	"                Slurm jobs (a sweep as one job array), followed from here\n"
	"  --partition P, --account A, --time T\n"
	"                sbatch's --partition, --account and --time for every job\n"
	"  --max-jobs N  tasks of one sweep's job array running at once (%N)\n"
	"  --retries N   times a run is sent again after its job ended without a\n"
	"                result (node failure, preemption, time limit; default 3)\n"
	"  --sbatch-arg ARG\n"
	"                given to sbatch as it is (repeat it for several)\n"
	"The Slurm settings may also live in STORE/slurm.conf, one KEY = VALUE a\n"
	"line with the option names as keys; the command line wins.\n"
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
	int slurm;                      /* --executor slurm */
	const char *partition, *account, *time_limit;
	int max_jobs, retries;          /* -1: not given */
	const char *sbatch_args[SLURM_MAX_SBATCH_ARGS];
	int n_sbatch_args;
};

/* A Slurm option of the command line (1 taken, 0 not one, -1 bad). */
static int slurm_option(int argc, char **argv, int *i, struct serve_options *o)
{
	const char *v;
	int taken;

	if ((taken = cli_option_value("serve", argc, argv, i, "--partition", &v)))
		o->partition = v;
	else if ((taken = cli_option_value("serve", argc, argv, i, "--account", &v)))
		o->account = v;
	else if ((taken = cli_option_value("serve", argc, argv, i, "--time", &v)))
		o->time_limit = v;
	else if ((taken = cli_option_value("serve", argc, argv, i, "--max-jobs", &v))) {
		if (taken > 0 && (o->max_jobs = cli_parse_count("serve", "--max-jobs", v, 100000)) < 0)
			return -1;
	} else if ((taken = cli_option_value("serve", argc, argv, i, "--retries", &v))) {
		char *end;
		long n = taken > 0 ? strtol(v, &end, 10) : 0;

		if (taken > 0 && (!*v || *end || n < 0 || n > 100)) {
			cli_usage_error("serve", "--retries: expected a count from 0 to 100, found "
					"'%s'", v);
			return -1;
		}
		o->retries = (int)n;
	} else if ((taken = cli_option_value("serve", argc, argv, i, "--sbatch-arg", &v))) {
		if (taken > 0 && o->n_sbatch_args == SLURM_MAX_SBATCH_ARGS) {
			cli_usage_error("serve", "at most %d --sbatch-arg", SLURM_MAX_SBATCH_ARGS);
			return -1;
		}
		if (taken > 0)
			o->sbatch_args[o->n_sbatch_args++] = v;
	} else if ((taken = cli_option_value("serve", argc, argv, i, "--executor", &v))) {
		if (taken > 0 && strcmp(v, "local") && strcmp(v, "slurm")) {
			cli_usage_error("serve", "--executor: expected local or slurm, found '%s'", v);
			return -1;
		}
		if (taken > 0)
			o->slurm = !strcmp(v, "slurm");
	}
	return taken;
}

static int parse_serve_options(int argc, char **argv, struct serve_options *o)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	o->cores = cores < 1 ? 1 : (int)cores;
	o->workers = 0;
	o->checkpoint_seconds = -1;
	o->max_jobs = o->retries = -1;
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
		} else if ((taken = slurm_option(argc, argv, &i, o))) {
			if (taken < 0)
				return EXIT_USAGE;
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

/* STORE/slurm.conf: the Slurm options as "KEY = VALUE" lines ('#' starts a
 * comment), under the command line's. Values are kept in conf (which must
 * outlive o). Returns 0, or after printing FILE:LINE:COL and what was
 * expected, EXIT_USAGE. */
struct slurm_conf {
	char values[SLURM_MAX_SBATCH_ARGS + 8][512];
	int n;
};

static int conf_error(const char *path, int line, int col, const char *fmt, const char *what)
{
	fputs("digitlab serve: ", stderr);
	text_fputs(path, stderr, TEXT_ONE_LINE);
	fprintf(stderr, ":%d:%d: ", line, col);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static char *trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int read_slurm_conf(const char *dir, struct serve_options *o, struct slurm_conf *conf)
{
	static const char *const keys[] = {"partition", "account", "time", "max-jobs", "retries",
					   "sbatch-arg", NULL};
	char path[4200], line[1024];
	const char *cli_args[SLURM_MAX_SBATCH_ARGS];
	int n_cli = o->n_sbatch_args, lineno = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/slurm.conf", dir);
	if (!(f = fopen(path, "r")))
		return 0;
	/* the file's sbatch arguments go first: sbatch keeps the last of an
	 * option given twice, so the command line's win */
	memcpy(cli_args, o->sbatch_args, sizeof cli_args);
	o->n_sbatch_args = 0;
	while (fgets(line, sizeof line, f)) {
		char *eq, *key, *value, *hash = strchr(line, '#');
		int k;

		lineno++;
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		if (!(eq = strchr(key, '='))) {
			fclose(f);
			return conf_error(path, lineno, (int)(key - line) + 1,
					  "expected KEY = VALUE, found '%s'", key);
		}
		*eq = '\0';
		value = trim(eq + 1);
		key = trim(key);
		for (k = 0; keys[k] && strcmp(keys[k], key); k++)
			;
		if (!keys[k]) {
			fclose(f);
			return conf_error(path, lineno, (int)(key - line) + 1, "unknown key '%s' "
					  "(expected partition, account, time, max-jobs, retries or "
					  "sbatch-arg)", key);
		}
		if (!*value || conf->n == SLURM_MAX_SBATCH_ARGS + 8 ||
		    strlen(value) >= sizeof conf->values[0]) {
			fclose(f);
			return conf_error(path, lineno, (int)(value - line) + 1,
					  "%s: expected a value of 1 to 511 characters", key);
		}
		char *kept = conf->values[conf->n++];
		char *end;
		long num;

		snprintf(kept, sizeof conf->values[0], "%s", value);
		switch (k) {
		case 0: if (!o->partition) o->partition = kept; break;
		case 1: if (!o->account) o->account = kept; break;
		case 2: if (!o->time_limit) o->time_limit = kept; break;
		case 3:
		case 4:
			num = strtol(kept, &end, 10);
			if (*end || num < (k == 3 ? 1 : 0) || num > (k == 3 ? 100000 : 100)) {
				fclose(f);
				return conf_error(path, lineno, (int)(value - line) + 1, k == 3 ?
						  "max-jobs: expected a count from 1 to 100000, found '%s'" :
						  "retries: expected a count from 0 to 100, found '%s'", kept);
			}
			if (k == 3 && o->max_jobs < 0)
				o->max_jobs = (int)num;
			if (k == 4 && o->retries < 0)
				o->retries = (int)num;
			break;
		default:
			if (o->n_sbatch_args + n_cli >= SLURM_MAX_SBATCH_ARGS) {
				fclose(f);
				return conf_error(path, lineno, 1, "%s: too many sbatch-arg lines",
						  "sbatch-arg");
			}
			o->sbatch_args[o->n_sbatch_args++] = kept;
		}
	}
	fclose(f);
	for (int i = 0; i < n_cli; i++)
		o->sbatch_args[o->n_sbatch_args++] = cli_args[i];
	return 0;
}

/* Serve the queue through Slurm (run/slurm.h) until stopped or drained. */
static int serve_slurm(const struct serve_options *o, const char *dir, struct serve_lock *lock)
{
	struct slurm_opts so = {0};
	struct dl_error err;
	char exe[4096], cache[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

	if (n <= 0) {
		fprintf(stderr, "digitlab serve: cannot find this program's path: %s\n",
			strerror(errno));
		return 1;
	}
	exe[n] = '\0';
	so = (struct slurm_opts){
		.store_dir = dir, .cache_dir = data_cache_dir(cache, sizeof cache),
		.digitlab = exe, .partition = o->partition, .account = o->account,
		.time_limit = o->time_limit, .max_jobs = o->max_jobs > 0 ? o->max_jobs : 0,
		.retries = o->retries >= 0 ? o->retries : SLURM_DEFAULT_RETRIES,
		.warn_seconds = SLURM_DEFAULT_WARN_SECONDS,
		.checkpoint_seconds = o->checkpoint_seconds, .drain = o->drain,
		.poll_seconds = 1.0, .quit = &quit, .log = stdout,
	};
	memcpy(so.sbatch_args, o->sbatch_args, sizeof so.sbatch_args);
	so.n_sbatch_args = o->n_sbatch_args;
	printf("digitlab serve: Slurm executor, store ");
	text_fputs(dir, stdout, TEXT_ONE_LINE);
	printf("/runs.db, spool ");
	text_fputs(dir, stdout, TEXT_ONE_LINE);
	printf("/spool\n");
	fflush(stdout);
	dl_error_clear(&err);
	if (slurm_serve(&so, &err) != DL_OK) {
		cli_print_error(&err);
		serve_lock_release(lock);
		return 1;
	}
	printf("digitlab serve: %s\n", quit ? "stopped; the jobs in Slurm go on, and the next "
					      "serve follows them" :
					      "drained: nothing more can start");
	fflush(stdout); /* into the log before --stop, waiting on the lock, returns */
	serve_lock_release(lock);
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
	static struct slurm_conf conf;  /* its values outlive o */
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
	if (o.slurm && (status = read_slurm_conf(dir, &o, &conf)) != 0)
		return status;
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
	if (o.slurm)
		return serve_slurm(&o, dir, &lock);
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
	fflush(stdout); /* into the log before --stop, waiting on the lock, returns */
	serve_lock_release(&lock);
	return 0;
}
