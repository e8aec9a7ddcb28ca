/* One serve per store: its lock, its recovery, its pool (serve.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/dataset.h"
#include "run/serve.h"

/* The pid written in the lock file open on fd; 0 if unreadable. */
static long lock_pid(int fd)
{
	char pid[32];
	ssize_t n = pread(fd, pid, sizeof pid - 1, 0);

	pid[n > 0 ? n : 0] = '\0';
	return strtol(pid, NULL, 10);
}

enum serve_lock_state serve_lock_take(struct serve_lock *l, const char *dir,
				      struct dl_error *err)
{
	char path[SERVE_PATH_MAX];

	l->fd = -1;
	l->holder_pid = 0;
	snprintf(path, sizeof path, "%s/serve.pid", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		dl_error_set(err, "%s: %s", path, strerror(errno));
		return SERVE_LOCK_ERROR;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		l->holder_pid = lock_pid(fd);
		close(fd);
		return SERVE_LOCK_TAKEN;
	}
	l->fd = fd;
	return SERVE_LOCK_HELD;
}

int serve_lock_held(const char *dir, long *holder_pid, struct dl_error *err)
{
	char path[SERVE_PATH_MAX];
	int fd, held = 0;

	if (holder_pid)
		*holder_pid = 0;
	snprintf(path, sizeof path, "%s/serve.pid", dir);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return dl_error_set(err, "%s: %s", path, strerror(errno));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0)
		held = 1;
	else
		flock(fd, LOCK_UN);
	if (held && holder_pid)
		*holder_pid = lock_pid(fd);
	close(fd);
	return held;
}

int serve_lock_write_pid(struct serve_lock *l, struct dl_error *err)
{
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());

	if (l->fd < 0 || ftruncate(l->fd, 0) != 0 || pwrite(l->fd, pid, (size_t)n, 0) != n)
		return dl_error_set(err, "cannot write the pid into serve.pid: %s",
				    l->fd < 0 ? "the lock is not held" : strerror(errno));
	return DL_OK;
}

void serve_lock_release(struct serve_lock *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

int serve_prepare(struct serve_setup *s, const char *dir, const char *role, FILE *log,
		  int *recovered, struct dl_error *err)
{
	memset(s, 0, sizeof *s);
	*recovered = 0;
	snprintf(s->host, sizeof s->host, "localhost");
	gethostname(s->host, sizeof s->host - 1);
	snprintf(s->name, sizeof s->name, "%s:%s:%ld", s->host, role, (long)getpid());
	data_cache_dir(s->cache, sizeof s->cache);
	snprintf(s->checkpoints, sizeof s->checkpoints, "%s/checkpoints", dir);
	if (mkdir(s->checkpoints, 0700) != 0 && errno != EEXIST)
		return dl_error_set(err, "%s: %s", s->checkpoints, strerror(errno));
	/* the lock is ours: runs this host's workers left running are orphans */
	return pool_recover_host(dir, s->host, log, recovered, err);
}

struct pool_opts serve_pool_opts(const struct serve_setup *s, const char *dir, int workers,
				 int cores, const volatile int *quit)
{
	return (struct pool_opts){
		.store_dir = dir, .cache_dir = s->cache, .checkpoint_dir = s->checkpoints,
		.name = s->name, .workers = workers, .cores = cores, .poll_seconds = 0.5,
		.quit = quit, .checkpoint_seconds = -1,
	};
}

/* ---- the pool on a thread ---- */

static void *pool_thread_main(void *arg)
{
	struct serve_thread *t = arg;
	struct dl_error err;

	dl_error_clear(&err);
	int rc = pool_run(&t->opts, &err);

	pthread_mutex_lock(&t->lock);
	if (rc != DL_OK)
		snprintf(t->message, sizeof t->message, "workers stopped: %.200s", err.msg);
	t->done = 1;
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

static int cores_online(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	return cores < 1 ? 1 : (int)cores;
}

enum serve_lock_state serve_thread_start(struct serve_thread *t, const char *dir, int workers,
					 struct dl_error *err)
{
	enum serve_lock_state state;
	int recovered, cores = cores_online();

	memset(t, 0, sizeof *t);
	state = serve_lock_take(&t->lock_file, dir, err);
	if (state != SERVE_LOCK_HELD)
		return state;
	if (serve_lock_write_pid(&t->lock_file, err) != DL_OK ||
	    serve_prepare(&t->setup, dir, "ui", NULL, &recovered, err) != DL_OK) {
		serve_lock_release(&t->lock_file);
		return SERVE_LOCK_ERROR;
	}
	t->workers = workers > 0 ? workers : cores;
	t->opts = serve_pool_opts(&t->setup, dir, t->workers, cores, &t->quit);
	/* the caller's dir may not outlive this call */
	snprintf(t->store_dir, sizeof t->store_dir, "%s", dir);
	t->opts.store_dir = t->store_dir;
	t->opts.hold = &t->hold;
	pthread_mutex_init(&t->lock, NULL);
	if (pthread_create(&t->thread, NULL, pool_thread_main, t) != 0) {
		pthread_mutex_destroy(&t->lock);
		serve_lock_release(&t->lock_file);
		dl_error_set(err, "cannot start the worker thread");
		return SERVE_LOCK_ERROR;
	}
	t->started = 1;
	return SERVE_LOCK_HELD;
}

void serve_thread_hold(struct serve_thread *t)
{
	__atomic_store_n(&t->hold, 1, __ATOMIC_RELAXED);
}

int serve_thread_message(struct serve_thread *t, char *buf, size_t size)
{
	int had;

	if (!t->started)
		return 0;
	pthread_mutex_lock(&t->lock);
	had = t->message[0] != '\0';
	if (had)
		snprintf(buf, size, "%s", t->message);
	t->message[0] = '\0';
	pthread_mutex_unlock(&t->lock);
	return had;
}

void serve_thread_stop(struct serve_thread *t)
{
	if (!t->started)
		return;
	__atomic_store_n(&t->quit, 1, __ATOMIC_RELAXED);
	pthread_join(t->thread, NULL);
	pthread_mutex_destroy(&t->lock);
	serve_lock_release(&t->lock_file);
	t->started = 0;
}
