/* The Slurm executor (slurm.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run/executor.h"
#include "run/slurm.h"
#include "run/spool.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/text.h"

#define CMD_OUT_MAX (1 << 20)

/* What the serve keeps between rounds. */
struct slurm {
	const struct slurm_opts *o;
	struct store *s;
	char spool[SPOOL_PATH_MAX];     /* STORE/spool */
	int submissions;                /* sbatch calls made, for unique job names */
	int64_t *cancelled;             /* runs whose job was scancel'd by this serve */
	int n_cancelled, cap_cancelled;
};

/* One line per job task from squeue. */
struct slurm_task {
	int64_t job_id;                 /* the array's id, or the job's */
	int task;                       /* -1: not an array */
	char state[24];
	char node[64];
	char name[64];
};

static void sleep_seconds(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

static int quitting(const struct slurm_opts *o)
{
	return __atomic_load_n(o->quit, __ATOMIC_RELAXED);
}

static void logf_line(const struct slurm_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logf_line(const struct slurm_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (!o->log)
		return;
	va_start(ap, fmt);
	vfprintf(o->log, fmt, ap);
	va_end(ap);
	fflush(o->log);
}

/* ---- commands ---- */

static void drain_fd(int fd, char *buf, size_t size, size_t *len)
{
	char scratch[4096];
	ssize_t n;

	while ((n = read(fd, scratch, sizeof scratch)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		size_t take = (size_t)n;

		if (*len + take >= size)
			take = size - 1 - *len;
		memcpy(buf + *len, scratch, take);
		*len += take;
	}
	buf[*len] = '\0';
}

/* Run argv (PATH searched), no shell, stdin /dev/null; its stdout in out
 * and stderr appended after it when it fails. DL_ERR (err naming the
 * command) when it cannot be run or exits non-zero. */
static int run_command(char *const argv[], char *out, size_t size, struct dl_error *err)
{
	int pipefd[2], status;
	size_t len = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe(pipefd) != 0)
		return dl_error_set(err, "%s: cannot make a pipe: %s", argv[0], strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return dl_error_set(err, "%s: cannot fork: %s", argv[0], strerror(errno));
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	drain_fd(pipefd[0], out, size, &len);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return DL_OK;
	/* the last line of what it said, which is where Slurm puts the why */
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	const char *last = strrchr(out, '\n');

	return dl_error_set(err, "%s failed (%s %d): %.300s", argv[0],
			    WIFEXITED(status) ? "exit status" : "signal",
			    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			    last ? last + 1 : out[0] ? out : "no message");
}

/* ---- squeue and sacct ---- */

/* Every task of this user's jobs Slurm still knows, finished ones too
 * (until MinJobAge). *tasks malloc'd. */
static int squeue_tasks(struct slurm_task **tasks, int *n, struct dl_error *err)
{
	char *argv[] = {"squeue", "--me", "-h", "-r", "-t", "all", "-o", "%F|%K|%T|%N|%j", NULL};
	char *out = malloc(CMD_OUT_MAX), *line, *save;
	struct slurm_task *t = NULL;
	int count = 0, cap = 0;

	*tasks = NULL;
	*n = 0;
	if (!out)
		return dl_error_set(err, "out of memory asking squeue");
	if (run_command(argv, out, CMD_OUT_MAX, err) != DL_OK) {
		free(out);
		return DL_ERR;
	}
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *p = line;
		int k;

		for (k = 0; k < 5; k++) {
			f[k] = p;
			p = strchr(p, '|');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k < 4)
			continue;
		if (count == cap) {
			struct slurm_task *grown;

			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(t, (size_t)cap * sizeof *t))) {
				free(t);
				free(out);
				return dl_error_set(err, "out of memory reading squeue");
			}
			t = grown;
		}
		t[count].job_id = strtoll(f[0], NULL, 10);
		t[count].task = strcmp(f[1], "N/A") ? atoi(f[1]) : -1;
		snprintf(t[count].state, sizeof t[count].state, "%s", f[2]);
		snprintf(t[count].node, sizeof t[count].node, "%s",
			 strcmp(f[3], "(null)") ? f[3] : "");
		snprintf(t[count].name, sizeof t[count].name, "%s", f[4]);
		count++;
	}
	free(out);
	*tasks = t;
	*n = count;
	return DL_OK;
}

static const struct slurm_task *find_task(const struct slurm_task *t, int n,
					  const struct store_job *j)
{
	for (int i = 0; i < n; i++)
		if (t[i].job_id == j->job_id && t[i].task == j->array_task)
			return &t[i];
	return NULL;
}

static const struct slurm_task *find_by_name(const struct slurm_task *t, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* "123" or "123_4": how Slurm names a job or an array's task. */
static void job_label(const struct store_job *j, char *buf, size_t size)
{
	if (j->array_task >= 0)
		snprintf(buf, size, "%lld_%d", (long long)j->job_id, j->array_task);
	else
		snprintf(buf, size, "%lld", (long long)j->job_id);
}

/* How a job gone from squeue ended, from sacct when the cluster keeps
 * accounts: its state into state ("" when nobody knows). */
static void sacct_state(const struct store_job *j, char *state, size_t size)
{
	char label[64], out[4096];
	char *argv[] = {"sacct", "-n", "-P", "-X", "-j", label, "-o", "State", NULL};
	struct dl_error err;

	state[0] = '\0';
	job_label(j, label, sizeof label);
	if (run_command(argv, out, sizeof out, &err) != DL_OK)
		return;
	out[strcspn(out, " \n")] = '\0';
	out[size - 1 < sizeof out ? size - 1 : sizeof out - 1] = '\0';
	memcpy(state, out, strlen(out) + 1);
}

/* Slurm still holds the job: it waits, runs, or is being requeued. */
static int state_alive(const char *st)
{
	static const char *const alive[] = {
		"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
		"REQUEUE_FED", "REQUEUE_HOLD", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED",
	};

	for (size_t i = 0; i < sizeof alive / sizeof alive[0]; i++)
		if (!strcmp(st, alive[i]))
			return 1;
	return 0;
}

/* ---- submission ---- */

/* Quote for sh: '...' with each ' as '\''. */
static void sh_quote(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	if (size < 3)
		return;
	buf[n++] = '\'';
	for (; *s && n + 6 < size; s++) {
		if (*s == '\'') {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
}

/* The job script: `digitlab worker` for the run at the task's index. */
static int write_script(struct slurm *sl, const char *path, const int64_t *ids, int n,
			int threads, struct dl_error *err)
{
	const struct slurm_opts *o = sl->o;
	char prog[SPOOL_PATH_MAX + 64], spool[SPOOL_PATH_MAX + 64], cache[SPOOL_PATH_MAX + 64];
	size_t size = 1024 + 24 * (size_t)n + 3 * sizeof prog;
	char *text = malloc(size), every[64] = "";
	size_t len;
	int rc;

	if (!text)
		return dl_error_set(err, "out of memory writing %s", path);
	sh_quote(prog, sizeof prog, o->digitlab);
	sh_quote(spool, sizeof spool, sl->spool);
	sh_quote(cache, sizeof cache, o->cache_dir);
	if (o->checkpoint_seconds >= 0)
		snprintf(every, sizeof every, " --checkpoint-every %g", o->checkpoint_seconds);
	len = (size_t)snprintf(text, size,
			       "#!/bin/sh\n"
			       "# digitlab: %s trains the run%s below; exec, so that\n"
			       "# Slurm's signals reach the worker itself\n"
			       "exec %s worker --spool %s --cache %s --threads %d%s --runs ",
			       n > 1 ? "each task of this array" : "this job", n > 1 ? " at its index" : "",
			       prog, spool, cache, threads, every);
	for (int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, size - len, "%s%lld", i ? "," : "",
					(long long)ids[i]);
	snprintf(text + len, size - len, "\n");
	rc = spool_write_file(path, text, err);
	free(text);
	if (rc == DL_OK && chmod(path, 0700) != 0)
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	return rc;
}

/* sbatch the script for n runs (an array when array), returning the id. */
static int sbatch(struct slurm *sl, const char *name, const char *script, int n, int array,
		  int threads, int64_t *job_id, struct dl_error *err)
{
	const struct slurm_opts *o = sl->o;
	char opt[16][SPOOL_PATH_MAX + 160], out[4096];
	char *argv[16 + SLURM_MAX_SBATCH_ARGS + 4];
	int a = 0, k = 0;

	argv[a++] = "sbatch";
	argv[a++] = "--parsable";
	argv[a++] = "--requeue";
#define OPT(...) (snprintf(opt[k], sizeof opt[k], __VA_ARGS__), argv[a++] = opt[k++])
	OPT("--job-name=%s", name);
	OPT("--output=%s/jobs/%s-%s.out", sl->spool, name, array ? "%a" : "0");
	OPT("--cpus-per-task=%d", threads);
	OPT("--signal=B:USR1@%d", o->warn_seconds);
	if (array && o->max_jobs > 0)
		OPT("--array=0-%d%%%d", n - 1, o->max_jobs);
	else if (array)
		OPT("--array=0-%d", n - 1);
	if (o->partition)
		OPT("--partition=%s", o->partition);
	if (o->account)
		OPT("--account=%s", o->account);
	if (o->time_limit)
		OPT("--time=%s", o->time_limit);
#undef OPT
	for (int i = 0; i < o->n_sbatch_args; i++)
		argv[a++] = (char *)o->sbatch_args[i];
	argv[a++] = (char *)script;
	argv[a] = NULL;
	if (run_command(argv, out, sizeof out, err) != DL_OK)
		return DL_ERR;
	*job_id = strtoll(out, NULL, 10);       /* "ID" or "ID;CLUSTER" */
	if (*job_id <= 0)
		return dl_error_set(err, "sbatch answered '%.100s', not a job id", out);
	return DL_OK;
}

/* Put runs whose submission failed back in the queue. */
static void put_back(struct slurm *sl, const int64_t *ids, int n, const char *why)
{
	struct dl_error err;
	int changed;

	for (int i = 0; i < n; i++)
		store_mark_interrupted(sl->s, ids[i], why, &changed, &err);
}

/*
 * Submit runs (claimed, their spool directories made) as one job: an
 * array of n tasks when array, else n must be 1. The job rows are written
 * under the job's name before sbatch, and get the id after: a serve killed
 * in between finds the job by its name. A run sent again (last not NULL)
 * carries over its attempts and the offset of its log's last whole line,
 * so that a line its killed job left torn is read, and skipped, as such.
 */
static int submit(struct slurm *sl, const int64_t *ids, const struct store_job *last, int n,
		  int array, int threads, struct dl_error *err)
{
	char name[64], script[SPOOL_PATH_MAX + 128], path[SPOOL_PATH_MAX + 16];
	struct store_job *jobs = calloc((size_t)n, sizeof *jobs);
	int64_t job_id;
	struct stat st;

	if (!jobs)
		return dl_error_set(err, "out of memory submitting %d runs", n);
	snprintf(name, sizeof name, "dl-%lx-%ld-%d", (unsigned long)time(NULL), (long)getpid(),
		 ++sl->submissions);
	snprintf(path, sizeof path, "%s/jobs", sl->spool);
	if ((mkdir(path, 0700) != 0 && errno != EEXIST)) {
		free(jobs);
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	}
	snprintf(script, sizeof script, "%s/jobs/%s.sh", sl->spool, name);
	for (int i = 0; i < n; i++) {
		struct store_job *j = &jobs[i];

		*j = (struct store_job){.run_id = ids[i], .array_task = array ? i : -1,
					.attempts = last ? last[i].attempts : 0,
					.submitted = (double)time(NULL)};
		snprintf(j->executor, sizeof j->executor, "slurm");
		snprintf(j->job_name, sizeof j->job_name, "%s", name);
		snprintf(j->state, sizeof j->state, "SUBMITTING");
		/* a new claim: what earlier jobs of the run wrote belongs to
		 * attempts that have ended, and the new job's records start at
		 * the end of the log */
		spool_path(path, sizeof path, sl->spool, ids[i], "events.log");
		j->spool_offset = last ? last[i].spool_offset :
				  stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
		spool_path(path, sizeof path, sl->spool, ids[i], "control");
		unlink(path);
		if (store_put_job(sl->s, j, err) != DL_OK) {
			free(jobs);
			return DL_ERR;
		}
	}
	if (write_script(sl, script, ids, n, threads, err) != DL_OK ||
	    sbatch(sl, name, script, n, array, threads, &job_id, err) != DL_OK) {
		char why[600];

		snprintf(why, sizeof why, "not submitted to Slurm: %.500s", err->msg);
		put_back(sl, ids, n, why);
		free(jobs);
		return DL_ERR;
	}
	for (int i = 0; i < n; i++) {
		jobs[i].job_id = job_id;
		snprintf(jobs[i].state, sizeof jobs[i].state, "PENDING");
		if (store_put_job(sl->s, &jobs[i], err) != DL_OK) {
			free(jobs);
			return DL_ERR;
		}
	}
	if (array)
		logf_line(sl->o, "submitted Slurm job array %lld: %d run(s), %lld to %lld, %d "
			  "thread(s) each\n", (long long)job_id, n, (long long)ids[0],
			  (long long)ids[n - 1], threads);
	else
		logf_line(sl->o, "submitted Slurm job %lld: run %lld, %d thread(s)\n",
			  (long long)job_id, (long long)ids[0], threads);
	free(jobs);
	return DL_OK;
}

/* A claimed run, before its submission. */
struct claimed {
	int64_t id;
	int64_t sweep_id;
	int threads;
};

static int by_sweep(const void *a, const void *b)
{
	const struct claimed *x = a, *y = b;

	if (x->sweep_id != y->sweep_id)
		return x->sweep_id < y->sweep_id ? -1 : 1;
	if (x->threads != y->threads)
		return x->threads - y->threads;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Make the spool directory of a claimed run and write its experiment. */
static int prepare_spool(struct slurm *sl, const struct store_claim *c, struct dl_error *err)
{
	char path[SPOOL_PATH_MAX];

	if (spool_make_dir(sl->spool, c->id, err) != DL_OK)
		return DL_ERR;
	spool_path(path, sizeof path, sl->spool, c->id, "experiment.yaml");
	if (spool_write_file(path, c->yaml, err) != DL_OK)
		return DL_ERR;
	spool_path(path, sizeof path, sl->spool, c->id, "checkpoint.model");
	return store_set_checkpoint(sl->s, c->id, path, err);
}

/* Claim everything claimable and submit it: a sweep's runs (of the same
 * threads) as one array, other runs one job each. *submitted: runs sent. */
static int feed(struct slurm *sl, int *submitted, struct dl_error *err)
{
	struct claimed *runs = NULL;
	int n = 0, cap = 0, rc = DL_OK;
	char worker[96];

	*submitted = 0;
	/* the name the runs are claimed under; their job rows say which job */
	snprintf(worker, sizeof worker, "slurm:%ld", (long)getpid());
	for (;;) {
		struct store_claim c;
		struct store_run r;
		int claimed, found;

		if (store_claim_run(sl->s, worker, &c, &claimed, err) != DL_OK) {
			rc = DL_ERR;
			break;
		}
		if (!claimed)
			break;
		if (n == cap) {
			struct claimed *grown;

			cap = cap ? 2 * cap : 64;
			if (!(grown = realloc(runs, (size_t)cap * sizeof *runs))) {
				store_claim_free(&c);
				put_back(sl, &c.id, 1, NULL);
				rc = dl_error_set(err, "out of memory claiming runs");
				break;
			}
			runs = grown;
		}
		runs[n] = (struct claimed){.id = c.id, .threads = c.threads < 1 ? 1 : c.threads};
		if (store_get_run(sl->s, c.id, &r, &found, err) != DL_OK ||
		    prepare_spool(sl, &c, err) != DL_OK) {
			store_claim_free(&c);
			put_back(sl, &runs[n].id, 1, NULL);
			rc = DL_ERR;
			break;
		}
		runs[n].sweep_id = found ? r.row.sweep_id : 0;
		if (found)
			store_run_free(&r);
		store_claim_free(&c);
		n++;
	}
	if (n > 1)
		qsort(runs, (size_t)n, sizeof *runs, by_sweep);
	for (int i = 0; i < n;) {
		int k = 1;
		int64_t *ids;

		while (runs[i].sweep_id && i + k < n && runs[i + k].sweep_id == runs[i].sweep_id &&
		       runs[i + k].threads == runs[i].threads)
			k++;
		if (rc != DL_OK || !(ids = malloc((size_t)k * sizeof *ids))) {
			for (int m = i; m < n; m++)
				put_back(sl, &runs[m].id, 1, NULL);
			if (rc == DL_OK)
				rc = dl_error_set(err, "out of memory submitting runs");
			break;
		}
		for (int m = 0; m < k; m++)
			ids[m] = runs[i + m].id;
		if (submit(sl, ids, NULL, k, runs[i].sweep_id != 0, runs[i].threads, err) != DL_OK)
			rc = DL_ERR;
		else
			*submitted += k;
		free(ids);
		i += k;
	}
	free(runs);
	return rc;
}

/* ---- following ---- */

static int was_cancelled(const struct slurm *sl, int64_t id)
{
	for (int i = 0; i < sl->n_cancelled; i++)
		if (sl->cancelled[i] == id)
			return 1;
	return 0;
}

static void remember_cancel(struct slurm *sl, int64_t id)
{
	if (sl->n_cancelled == sl->cap_cancelled) {
		int cap = sl->cap_cancelled ? 2 * sl->cap_cancelled : 16;
		int64_t *grown = realloc(sl->cancelled, (size_t)cap * sizeof *grown);

		if (!grown)
			return;
		sl->cancelled = grown;
		sl->cap_cancelled = cap;
	}
	sl->cancelled[sl->n_cancelled++] = id;
}

static void scancel(struct slurm *sl, const struct store_job *j)
{
	char label[64], out[4096];
	char *argv[] = {"scancel", label, NULL};
	struct dl_error err;

	job_label(j, label, sizeof label);
	if (run_command(argv, out, sizeof out, &err) != DL_OK)
		logf_line(sl->o, "run %lld: %s\n", (long long)j->run_id, err.msg);
	else
		logf_line(sl->o, "run %lld: Slurm job %s cancelled (scancel)\n",
			  (long long)j->run_id, label);
	remember_cancel(sl, j->run_id);
}

/* Carry out a running run's cancel or stop; withdraw a stop. */
static void control(struct slurm *sl, const struct store_job *j, int alive)
{
	char path[SPOOL_PATH_MAX];
	struct dl_error err;

	spool_path(path, sizeof path, sl->spool, j->run_id, "control");
	if (j->request == STORE_REQUEST_CANCEL) {
		if (access(path, F_OK) != 0)
			spool_write_file(path, "cancel\n", &err);
		if (alive && j->job_id > 0 && !was_cancelled(sl, j->run_id))
			scancel(sl, j);
	} else if (j->request == STORE_REQUEST_STOP) {
		if (access(path, F_OK) != 0)
			spool_write_file(path, "stop\n", &err);
		/* a job that has not started has no epoch to end after */
		if (alive && j->job_id > 0 && !strcmp(j->state, "PENDING") &&
		    !was_cancelled(sl, j->run_id))
			scancel(sl, j);
	} else if (access(path, F_OK) == 0) {
		unlink(path);           /* a stop withdrawn by resume */
	}
}

/* How the run ended, for the log (as the local pool says it). */
static void log_end(struct slurm *sl, int64_t id)
{
	char n[TEXT_ESCAPED_SIZE(300)], name[300];
	struct store_run r;
	struct dl_error err;
	int found;

	if (!sl->o->log || store_get_run(sl->s, id, &r, &found, &err) != DL_OK || !found)
		return;
	snprintf(name, sizeof name, "%s%s%s", r.row.name, r.row.sweep_point[0] ? " " : "",
		 r.row.sweep_point);
	text_escape(n, sizeof n, name, TEXT_ONE_LINE);
	if (r.row.status == STORE_DONE)
		fprintf(sl->o->log, "run %lld %s done: test accuracy %.4f, %d epoch%s in %.1fs\n",
			(long long)id, n, r.row.test_accuracy, r.row.epochs,
			r.row.epochs == 1 ? "" : "s", r.row.seconds);
	else {
		fprintf(sl->o->log, "run %lld %s %s%s", (long long)id, n,
			store_status_name(r.row.status), r.message ? ": " : "");
		text_fputs(r.message ? r.message : "", sl->o->log, TEXT_ONE_LINE);
		fputc('\n', sl->o->log);
	}
	fflush(sl->o->log);
	store_run_free(&r);
}

/* The threads a run asks for, from its row. */
static int run_threads(struct slurm *sl, int64_t id)
{
	struct store_run r;
	struct dl_error err;
	int found, threads = 1;

	if (store_get_run(sl->s, id, &r, &found, &err) == DL_OK && found) {
		threads = r.threads < 1 ? 1 : r.threads;
		store_run_free(&r);
	}
	return threads;
}

/* The job is gone without a result: end the run as asked, or send it again. */
static int job_gone(struct slurm *sl, struct store_job *j, const char *state, int interrupted,
		    struct dl_error *err)
{
	struct store_result res = {.loss = NAN, .accuracy = NAN, .val_loss = NAN,
				   .val_accuracy = NAN, .test_loss = NAN, .test_accuracy = NAN,
				   .seconds = NAN};
	char label[64], msg[512];

	job_label(j, label, sizeof label);
	if (j->request == STORE_REQUEST_CANCEL || j->request == STORE_REQUEST_STOP ||
	    (!strcmp(state, "CANCELLED") && !interrupted)) {
		res.status = j->request == STORE_REQUEST_STOP ? STORE_INTERRUPTED : STORE_CANCELLED;
		snprintf(msg, sizeof msg, "%s (Slurm job %s%s)",
			 j->request == STORE_REQUEST_STOP ? "stopped before it trained; resume "
							    "continues it" : "cancelled",
			 label, j->request == STORE_REQUEST_NONE ? ", cancelled in Slurm" : "");
		res.message = msg;
		if (store_finish_run(sl->s, j->run_id, &res, err) != DL_OK)
			return DL_ERR;
		log_end(sl, j->run_id);
		return DL_OK;
	}
	if (!interrupted)
		j->attempts++;
	if (j->attempts > sl->o->retries) {
		res.status = STORE_FAILED;
		snprintf(msg, sizeof msg, "its Slurm job %s ended %s%s%s without a result, after "
			 "%d retries; digitlab retry %lld sends it again from its checkpoint", label,
			 state[0] ? state : "(state unknown)", j->node[0] ? " on " : "", j->node,
			 sl->o->retries, (long long)j->run_id);
		res.message = msg;
		if (store_finish_run(sl->s, j->run_id, &res, err) != DL_OK)
			return DL_ERR;
		log_end(sl, j->run_id);
		return DL_OK;
	}
	if (interrupted)
		snprintf(msg, sizeof msg, "it stopped at its time-limit warning");
	else
		snprintf(msg, sizeof msg, "retry %d of %d", j->attempts, sl->o->retries);
	logf_line(sl->o, "run %lld: Slurm job %s ended %s%s%s; sent again to resume from its "
		  "checkpoint (%s)\n", (long long)j->run_id, label,
		  state[0] ? state : "(state unknown)", j->node[0] ? " on " : "", j->node, msg);
	return submit(sl, &j->run_id, j, 1, 0, run_threads(sl, j->run_id), err);
}

/* One followed run, after squeue: import, then decide. */
static int follow(struct slurm *sl, struct store_job *j, const struct slurm_task *t,
		  int squeue_ok, struct dl_error *err)
{
	struct spool_import im = {.offset = j->spool_offset};
	struct store_job before = *j;
	char state[24] = "";
	int alive;

	if (spool_import_run(sl->s, sl->spool, j->run_id, &im, err) != DL_OK)
		return DL_ERR;
	if (im.bad_lines)
		logf_line(sl->o, "run %lld: %d damaged line(s) of its spool log skipped (a job "
			  "killed while writing)\n", (long long)j->run_id, im.bad_lines);
	j->spool_offset = im.offset;
	if (im.started && im.node[0])
		snprintf(j->node, sizeof j->node, "%s", im.node);
	if (t) {
		snprintf(j->state, sizeof j->state, "%s", t->state);
		if (t->node[0])
			snprintf(j->node, sizeof j->node, "%s", t->node);
	}
	if (im.ended) {
		if (memcmp(&before, j, sizeof *j) && store_put_job(sl->s, j, err) != DL_OK)
			return DL_ERR;
		log_end(sl, j->run_id);
		return DL_OK;
	}
	if (!squeue_ok || j->job_id == 0)
		return memcmp(&before, j, sizeof *j) ? store_put_job(sl->s, j, err) : DL_OK;
	alive = t && state_alive(t->state);
	if (t)
		snprintf(state, sizeof state, "%s", t->state);
	else
		sacct_state(j, state, sizeof state);
	if (!alive && state[0])
		snprintf(j->state, sizeof j->state, "%s", state);
	if (alive && strcmp(before.state, "RUNNING") && !strcmp(j->state, "RUNNING")) {
		char label[64];

		job_label(j, label, sizeof label);
		logf_line(sl->o, "run %lld: Slurm job %s running on %s\n", (long long)j->run_id,
			  label, j->node[0] ? j->node : "?");
	}
	if (memcmp(&before, j, sizeof *j) && store_put_job(sl->s, j, err) != DL_OK)
		return DL_ERR;
	control(sl, j, alive);
	if (alive)
		return DL_OK;
	return job_gone(sl, j, state, im.interrupted, err);
}

/* Jobs whose submission a killed serve left half done: found by name, or
 * sent (again). Runs claimed for Slurm that never got a job row go back to
 * the queue. */
static int adopt(struct slurm *sl, const struct slurm_task *t, int nt, struct dl_error *err)
{
	struct store_filter f = {.status = STORE_RUNNING, .sort = STORE_SORT_ID};
	struct store_job *jobs;
	struct store_row *rows;
	int n, nrows, rc = DL_OK, adopted = 0;

	if (store_list_active_jobs(sl->s, "slurm", &jobs, &n, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n && rc == DL_OK; i++) {
		struct store_job *j = &jobs[i];
		const struct slurm_task *found;
		int64_t ids[1] = {j->run_id};

		adopted++;
		if (j->job_id > 0)
			continue;
		if ((found = find_by_name(t, nt, j->job_name))) {
			j->job_id = found->job_id;
			snprintf(j->state, sizeof j->state, "PENDING");
			rc = store_put_job(sl->s, j, err);
			logf_line(sl->o, "run %lld: found its Slurm job %lld, submitted before the "
				  "last serve stopped\n", (long long)j->run_id, (long long)j->job_id);
		} else {
			rc = submit(sl, ids, j, 1, 0, run_threads(sl, j->run_id), err);
		}
	}
	free(jobs);
	if (rc != DL_OK)
		return DL_ERR;
	if (adopted)
		logf_line(sl->o, "following %d run(s) already in Slurm\n", adopted);
	if (store_list_runs(sl->s, &f, &rows, &nrows, err) != DL_OK ||
	    store_list_jobs(sl->s, &jobs, &n, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < nrows && rc == DL_OK; i++) {
		int k;

		if (strncmp(rows[i].worker, "slurm:", 6) || executor_find_job(jobs, n, rows[i].id))
			continue;
		rc = store_interrupt_worker(sl->s, rows[i].worker, &k, err);
	}
	free(rows);
	free(jobs);
	return rc;
}

/* One round: squeue, import and decide for every followed run, then feed.
 * *busy: runs are still in Slurm, or were submitted. */
static int round_once(struct slurm *sl, int *busy, struct dl_error *err)
{
	struct slurm_task *tasks = NULL;
	struct store_job *jobs;
	struct dl_error qerr;
	int n, nt = 0, squeue_ok, submitted, rc = DL_OK;

	*busy = 0;
	if (store_list_active_jobs(sl->s, "slurm", &jobs, &n, err) != DL_OK)
		return DL_ERR;
	squeue_ok = n == 0 || squeue_tasks(&tasks, &nt, &qerr) == DL_OK;
	if (!squeue_ok)
		logf_line(sl->o, "cannot ask Slurm about the jobs (%s); asking again\n", qerr.msg);
	for (int i = 0; i < n && rc == DL_OK; i++)
		rc = follow(sl, &jobs[i], find_task(tasks, nt, &jobs[i]), squeue_ok, err);
	free(tasks);
	free(jobs);
	if (rc != DL_OK)
		return DL_ERR;
	if (feed(sl, &submitted, err) != DL_OK)
		return DL_ERR;
	if (store_list_active_jobs(sl->s, "slurm", &jobs, &n, err) != DL_OK)
		return DL_ERR;
	free(jobs);
	*busy = n > 0 || submitted > 0;
	return DL_OK;
}

int slurm_serve(const struct slurm_opts *o, struct dl_error *err)
{
	struct slurm sl = {.o = o};
	struct slurm_task *tasks = NULL;
	int nt = 0, busy, rc = DL_OK;
	char path[SPOOL_PATH_MAX + 16];

	if (store_open(&sl.s, o->store_dir, err) != DL_OK)
		return DL_ERR;
	store_set_busy_timeout(sl.s, 5 * 60 * 1000);
	snprintf(sl.spool, sizeof sl.spool, "%s/spool", o->store_dir);
	snprintf(path, sizeof path, "%s/jobs", sl.spool);
	if ((mkdir(sl.spool, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(path, 0700) != 0 && errno != EEXIST)) {
		dl_error_set(err, "%s: %s", path, strerror(errno));
		store_close(sl.s);
		return DL_ERR;
	}
	if (squeue_tasks(&tasks, &nt, err) != DL_OK) {
		dl_error_prefix(err, "cannot reach Slurm");
		store_close(sl.s);
		return DL_ERR;
	}
	rc = adopt(&sl, tasks, nt, err);
	free(tasks);
	while (rc == DL_OK && !quitting(o)) {
		double next = clock_seconds() + o->poll_seconds;

		rc = round_once(&sl, &busy, err);
		if (rc != DL_OK || (o->drain && !busy))
			break;
		while (!quitting(o) && clock_seconds() < next)
			sleep_seconds(0.05);
	}
	free(sl.cancelled);
	store_close(sl.s);
	return rc;
}
