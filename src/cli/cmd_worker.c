/*
 * cmd_worker.c - `digitlab worker`: the command a Slurm job runs on its
 * compute node. It trains one run of the store's spool (run/spool.h) and
 * never opens the store's database: the serve that submitted the job
 * imports what it writes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "data/dataset.h"
#include "run/spool.h"

static const char worker_help[] =
	"usage: digitlab worker --spool DIR --runs ID[,ID...] [--cache DIR]\n"
	"                       [--threads N] [--checkpoint-every SECONDS]\n"
	"\n"
	"Train one run of a store's spool directory (STORE/spool) into it: the\n"
	"command of the Slurm jobs that `digitlab serve --executor slurm` submits.\n"
	"With several ids (a job array), the task's SLURM_ARRAY_TASK_ID picks one.\n"
	"\n"
	"SIGTERM ends the run at its next batch, SIGUSR1 (Slurm's warning before\n"
	"the time limit) after its epoch, checkpoint written; after SIGUSR1 the\n"
	"job asks Slurm to requeue it, and it resumes from the checkpoint.\n"
	"\n"
	"Exit status: 0 the run ended or was interrupted (the spool says which),\n"
	"1 the spool could not be written, 2 bad usage.\n";

static volatile int quit, warned;

static void on_term(int sig)
{
	(void)sig;
	__atomic_store_n(&quit, 1, __ATOMIC_RELAXED);
}

static void on_warning(int sig)
{
	(void)sig;
	__atomic_store_n(&warned, 1, __ATOMIC_RELAXED);
}

/* The id at index `task` of "ID,ID,...", or -1. */
static int64_t pick_run(const char *list, int task)
{
	const char *p = list;

	for (int i = 0; i < task && p; i++) {
		p = strchr(p, ',');
		if (p)
			p++;
	}
	if (!p || *p < '1' || *p > '9')
		return -1;
	return strtoll(p, NULL, 10);
}

/* After the time-limit warning: the job goes back to Slurm's queue, to
 * resume from the checkpoint just written. A job that cannot be requeued
 * ends, and the serve sends the run again. */
static void requeue_self(void)
{
	const char *job = getenv("SLURM_JOB_ID");

	if (!job || !*job)
		return;
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execlp("scontrol", "scontrol", "requeue", job, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
}

int cmd_worker(int argc, char **argv)
{
	struct spool_worker_opts o = {.threads = 1, .checkpoint_seconds = -1,
				      .quit = &quit, .warned = &warned};
	const char *runs = NULL, *v, *task_env;
	char cache[4096], node[256] = "", job[64] = "";
	enum spool_worker_end end;
	struct dl_error err;
	int task = 0;

	o.cache_dir = data_cache_dir(cache, sizeof cache);
	for (int i = 1; i < argc; i++) {
		int taken;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(worker_help, stdout);
			return 0;
		} else if ((taken = cli_option_value("worker", argc, argv, &i, "--spool", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			o.spool_root = v;
		} else if ((taken = cli_option_value("worker", argc, argv, &i, "--runs", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			runs = v;
		} else if ((taken = cli_option_value("worker", argc, argv, &i, "--cache", &v))) {
			if (taken < 0)
				return EXIT_USAGE;
			o.cache_dir = v;
		} else if ((taken = cli_option_value("worker", argc, argv, &i, "--threads", &v))) {
			if (taken < 0 || (o.threads = cli_parse_count("worker", "--threads", v, 1024)) < 0)
				return EXIT_USAGE;
		} else if ((taken = cli_option_value("worker", argc, argv, &i, "--checkpoint-every",
						     &v))) {
			char *e;

			if (taken < 0)
				return EXIT_USAGE;
			o.checkpoint_seconds = strtod(v, &e);
			if (!*v || *e || o.checkpoint_seconds < 0 || o.checkpoint_seconds > 86400)
				return cli_usage_error("worker", "--checkpoint-every: expected seconds "
						       "from 0 to 86400, found '%s'", v);
		} else {
			return cli_usage_error("worker", "unknown argument '%s'", argv[i]);
		}
	}
	if (!o.spool_root || !runs)
		return cli_usage_error("worker", "--spool and --runs are required");
	if ((task_env = getenv("SLURM_ARRAY_TASK_ID")) && *task_env && strchr(runs, ','))
		task = atoi(task_env);
	if ((o.run_id = pick_run(runs, task)) < 1)
		return cli_usage_error("worker", "--runs '%s' has no run id at index %d", runs, task);
	if ((v = getenv("SLURM_ARRAY_JOB_ID")) && *v && task_env && *task_env)
		snprintf(job, sizeof job, "%.30s_%.20s", v, task_env);
	else if ((v = getenv("SLURM_JOB_ID")) && *v)
		snprintf(job, sizeof job, "%.60s", v);
	gethostname(node, sizeof node - 1);
	o.job = job;
	o.node = node;
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGUSR1, on_warning);
	dl_error_clear(&err);
	if (spool_worker_run(&o, &end, &err) != DL_OK) {
		cli_print_error(&err);
		return 1;
	}
	if (end == SPOOL_INTERRUPTED && __atomic_load_n(&warned, __ATOMIC_RELAXED))
		requeue_self();
	return 0;
}
