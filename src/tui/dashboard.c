/* The dashboard's loop: input, polling the store, drawing at most ten
 * times a second and only when something changed; and the in-process
 * worker pool when no serve holds the store (dashboard.h). */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/dataset.h"
#include "run/pool.h"
#include "tui/dash.h"
#include "util/clock.h"

#define DRAW_PERIOD 0.1         /* at most ten redraws a second */
#define KEY_TIMEOUT_MS 100
#define CPU_PERIOD 1.0
#define LOCK_RETRY 2.0          /* seconds between looks at a held store lock */

/* ---- the in-process pool ---- */

struct pool_args {
	struct dash *d;
	struct pool_opts o;
	char name[300], checkpoints[4200], cache[4096];
	struct dl_error err;
};

static struct pool_args pool_args;
static volatile int pool_hold;

static void *pool_main(void *arg)
{
	struct pool_args *a = arg;

	if (pool_run(&a->o, &a->err) != DL_OK)
		dash_message(a->d, "workers stopped: %s", a->err.msg);
	__atomic_store_n(&a->d->pool_done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Train the queue here when no serve holds the store: take its lock (as
 * serve does) so that a serve started later refuses, and start the pool. */
static void start_workers(struct dash *d)
{
	char path[4200], host[128] = "localhost";
	struct pool_args *a = &pool_args;
	struct dl_error err;
	int recovered;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(path, sizeof path, "%s/serve.pid", d->store_dir);
	d->last_lock_try = clock_seconds();
	d->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lock_fd < 0 || flock(d->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";

		/* a serve (or another dashboard) trains the queue: say which */
		if (d->lock_fd >= 0 && pread(d->lock_fd, pid, sizeof pid - 1, 0) > 0)
			d->lock_pid = strtol(pid, NULL, 10);
		if (d->lock_fd >= 0)
			close(d->lock_fd);
		d->lock_fd = -1;
		return;
	}
	d->lock_pid = 0;
	if (ftruncate(d->lock_fd, 0) == 0)
		dprintf(d->lock_fd, "%ld\n", (long)getpid());
	gethostname(host, sizeof host - 1);
	pool_recover_host(d->store_dir, host, NULL, &recovered, &err);
	snprintf(a->checkpoints, sizeof a->checkpoints, "%s/checkpoints", d->store_dir);
	mkdir(a->checkpoints, 0700);
	snprintf(a->name, sizeof a->name, "%s:ui:%ld", host, (long)getpid());
	d->workers = d->opts->workers > 0 ? d->opts->workers : cores < 1 ? 1 : (int)cores;
	a->d = d;
	a->o = (struct pool_opts){
		.store_dir = d->store_dir, .cache_dir = data_cache_dir(a->cache, sizeof a->cache),
		.checkpoint_dir = a->checkpoints, .name = a->name, .workers = d->workers,
		.cores = cores < 1 ? 1 : (int)cores, .poll_seconds = 0.5, .quit = &d->pool_quit,
		.checkpoint_seconds = -1,
		.hold = &pool_hold,
	};
	if (pthread_create(&d->pool_thread, NULL, pool_main, a) == 0)
		d->in_process = 1;
}

static void stop_workers(struct dash *d)
{
	if (!d->in_process)
		return;
	__atomic_store_n(&d->pool_quit, 1, __ATOMIC_RELAXED);
	pthread_join(d->pool_thread, NULL);
	d->in_process = 0;
	close(d->lock_fd);
	d->lock_fd = -1;
}

/* Runs training in this process. */
static int busy_here(const struct dash *d)
{
	int n = 0;

	for (int i = 0; d->in_process && i < d->n_rows; i++)
		n += d->rows[i].status == STORE_RUNNING &&
		     strstr(d->rows[i].worker, pool_args.name) == d->rows[i].worker;
	return n;
}

/* ---- quitting ---- */

static int waiting_to_quit;

void dash_request_quit(struct dash *d)
{
	dash_reload_rows(d);    /* a run may have started since the last poll */
	if (busy_here(d))
		d->prompt = PROMPT_QUIT;
	else
		d->running = 0;
}

/* Hand the queue to a background serve: interrupt the runs here (they
 * resume from their checkpoints), let go of the lock, start the serve. */
static void hand_to_serve(struct dash *d)
{
	char *argv[] = {(char *)d->opts->self, "serve", "--detach", NULL};
	pid_t pid;
	int status;

	stop_workers(d);
	term_stop(&d->term);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	d->running = 0;
}

void dash_quit_key(struct dash *d, int key)
{
	d->prompt = PROMPT_NONE;
	switch (key) {
	case 'b':
		hand_to_serve(d);
		break;
	case 'w':
		__atomic_store_n(&pool_hold, 1, __ATOMIC_RELAXED);
		waiting_to_quit = 1;
		dash_message(d, "waiting for the runs here to finish; nothing new starts");
		break;
	case 'i':
		d->running = 0;         /* stop_workers interrupts them on the way out */
		break;
	default:
		break;
	}
}

/* ---- export ---- */

void dash_export_csv(struct dash *d, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		dash_message(d, "%s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "id,name,status,params,epochs,accuracy,val_accuracy,test_accuracy,seconds\n");
	for (int i = 0; i < d->n_view; i++) {
		const struct store_row *r = &d->rows[d->view[i]];

		fprintf(f, "%lld,\"%s\",%s,%lld,%d,%.6g,%.6g,%.6g,%.6g\n", (long long)r->id, r->name,
			store_status_name(r->status), (long long)r->params, r->epochs, r->accuracy,
			r->val_accuracy, r->test_accuracy, r->seconds);
	}
	if (fclose(f) != 0)
		dash_message(d, "%s: %s", path, strerror(errno));
	else
		dash_message(d, "%d runs written to %s", d->n_view, path);
}

/* ---- CPU use for the header: the machine's, from /proc/stat ---- */

static void sample_cpu(struct dash *d)
{
	unsigned long long v[8] = {0}, busy, total;
	FILE *f = fopen("/proc/stat", "r");
	int got;

	if (!f)
		return;
	got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
		     &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (got < 4)
		return;
	total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
	busy = total - v[3] - v[4];
	if (d->cpu_last_wall > 0 && total > d->cpu_last_wall) {
		double pct = 100.0 * (double)(busy - d->cpu_last_proc) /
			     (double)(total - d->cpu_last_wall);

		if ((int)pct != (int)d->cpu_percent)
			d->dirty = 1;
		d->cpu_percent = pct;
	}
	d->cpu_last_wall = (double)total;
	d->cpu_last_proc = (double)busy;
}

/* ---- the loop ---- */

static struct term *fatal_term;
static volatile sig_atomic_t hangup;

/* SIGHUP (the SSH link dropped) or SIGTERM: leave the loop, so that the
 * runs training here are interrupted cleanly and resume on the next start. */
static void on_hangup(int sig)
{
	(void)sig;
	hangup = 1;
}

/* A crash must not leave the terminal raw. */
static void on_fatal(int sig)
{
	if (fatal_term)
		term_stop(fatal_term);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void loop(struct dash *d)
{
	struct canvas *c = term_canvas(&d->term);
	double last_cpu = 0;

	while (d->running && c) {
		int mx = 0, my = 0, key = term_key(&d->term, &mx, &my);
		double now;

		if (hangup)
			break;
		if (key == KEY_RESIZE) {
			canvas_free(c);
			c = term_canvas(&d->term);
			d->dirty = 1;
			if (!c)
				break;
		}
		if (key != ERR)
			dash_key(d, key, mx, my);
		now = clock_seconds();
		if (now - last_cpu >= CPU_PERIOD) {
			last_cpu = now;
			sample_cpu(d);
		}
		if (dash_poll(d))
			d->dirty = 1;
		if (d->message[0] && now >= d->message_until) {
			d->message[0] = '\0';
			d->dirty = 1;
		}
		if (waiting_to_quit && !busy_here(d))
			d->running = 0;
		/* the serve that held the store may have gone: take over */
		if (!d->in_process && !waiting_to_quit && now - d->last_lock_try >= LOCK_RETRY) {
			start_workers(d);
			d->dirty |= d->in_process;
		}
		if (d->dirty && now - d->last_draw >= DRAW_PERIOD && d->running) {
			if (c->w != d->term.w || c->h != d->term.h) {
				canvas_free(c);
				c = term_canvas(&d->term);
				if (!c)
					break;
			}
			dash_draw(d, c);
			term_draw(&d->term, c);
			d->last_draw = now;
			d->dirty = 0;
		}
	}
	canvas_free(c);
}

int dashboard_run(const struct dashboard_opts *o, struct dl_error *err)
{
	static struct dash dash;
	struct dash *d = &dash;
	char why[256], *slash;

	memset(d, 0, sizeof *d);
	d->opts = o;
	d->lock_fd = -1;
	d->status_filter = -1;
	d->conf_t = d->conf_p = -1;
	d->running = 1;
	d->dirty = 1;
	if (store_open(&d->store, NULL, err) != DL_OK)
		return DL_ERR;
	snprintf(d->store_dir, sizeof d->store_dir, "%s", store_path(d->store));
	if ((slash = strrchr(d->store_dir, '/')))
		*slash = '\0';
	if (term_start(&d->term, o->ascii, KEY_TIMEOUT_MS, why, sizeof why) != 0) {
		store_close(d->store);
		return dl_error_set(err, "%s", why);
	}
	fatal_term = &d->term;
	signal(SIGSEGV, on_fatal);
	signal(SIGABRT, on_fatal);
	signal(SIGBUS, on_fatal);
	signal(SIGHUP, on_hangup);
	signal(SIGTERM, on_hangup);
	start_workers(d);
	d->data_version = -1;
	dash_poll(d);
	loop(d);
	stop_workers(d);
	term_stop(&d->term);
	fatal_term = NULL;
	dash_free_detail(&d->detail);
	dash_free_sparks(d);
	free(d->rows);
	free(d->view);
	free(d->tagged);
	store_close(d->store);
	return DL_OK;
}
