/* The worker pool (pool.h). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/grow.h"
#include "run/pool.h"
#include "run/worker.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/text.h"

/* What the workers share; everything below `lock` is guarded by it. */
struct pool {
	const struct pool_opts *o;
	pthread_mutex_t lock;
	pthread_cond_t changed;         /* cores were given back, or a worker went idle */
	int free_cores;
	int busy;                       /* workers training a run */
	int idle_rounds;                /* drain: workers that found nothing in a row */
	int failed;
	struct dl_error error;          /* the first store failure */
};

struct worker {
	struct pool *pool;
	int index;
	char name[128];
};

static void sleep_seconds(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	nanosleep(&ts, NULL);
}

/* *quit is raised by a signal handler or another thread, and read by every
 * worker: an atomic load, which a plain volatile read is not. */
static int quitting(const struct pool_opts *o)
{
	return __atomic_load_n(o->quit, __ATOMIC_RELAXED);
}

static void pool_fail(struct pool *p, const struct dl_error *err)
{
	pthread_mutex_lock(&p->lock);
	if (!p->failed)
		p->error = *err;
	p->failed = 1;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

/* The log is often a terminal: names and messages go through
 * text_escape() (util/text.h) like every user text printed. */
static void log_line(const struct pool_opts *o, const char *fmt, const char *worker,
		     int64_t id, const char *name, int threads)
{
	char w[TEXT_ESCAPED_SIZE(128)], n[TEXT_ESCAPED_SIZE(128)];

	if (!o->log)
		return;
	fprintf(o->log, fmt, text_escape(w, sizeof w, worker, TEXT_ONE_LINE), (long long)id,
		text_escape(n, sizeof n, name, TEXT_ONE_LINE), threads);
	fflush(o->log);
}

/* How the run ended, for the log. */
static void log_end(const struct pool_opts *o, struct store *s, const char *worker,
		    int64_t id)
{
	/* the name, and a sweep's point after it: "nb000-hidden-sweep units=15" */
	char w[TEXT_ESCAPED_SIZE(128)], n[TEXT_ESCAPED_SIZE(300)], name[300];
	struct store_run r;
	struct dl_error err;
	int found;

	if (!o->log || store_get_run(s, id, &r, &found, &err) != DL_OK || !found)
		return;
	text_escape(w, sizeof w, worker, TEXT_ONE_LINE);
	snprintf(name, sizeof name, "%s%s%s", r.row.name, r.row.sweep_point[0] ? " " : "",
		 r.row.sweep_point);
	text_escape(n, sizeof n, name, TEXT_ONE_LINE);
	if (r.row.status == STORE_DONE) {
		fprintf(o->log, "%s: run %lld %s done: test accuracy %.4f, %d epoch%s in %.1fs\n",
			w, (long long)id, n, r.row.test_accuracy, r.row.epochs,
			r.row.epochs == 1 ? "" : "s", r.row.seconds);
	} else {
		fprintf(o->log, "%s: run %lld %s %s%s", w, (long long)id, n,
			store_status_name(r.row.status), r.message ? ": " : "");
		text_fputs(r.message ? r.message : "", o->log, TEXT_ONE_LINE);
		fputc('\n', o->log);
	}
	fflush(o->log);
	store_run_free(&r);
}

int pool_grant(int asked, int free_cores, int waiting)
{
	int grant = asked < free_cores ? asked : free_cores;

	if (waiting > 0 && grant > free_cores - waiting)
		grant = free_cores - waiting;
	return grant < 1 ? 1 : grant;
}

/* A growing sweep's next point (grow.h), said in the log. A sweep that
 * cannot grow is the sweep's trouble, not the pool's: it is logged, and
 * the sweep stops growing. Returns the run queued, 0 for none. */
static int64_t grow(struct worker *w, struct store *s)
{
	const struct pool_opts *o = w->pool->o;
	struct dl_error err;
	int64_t added;

	dl_error_clear(&err);
	if (sweep_grow(s, &added, &err) != DL_OK) {
		if (o->log) {
			char msg[sizeof err.msg + sizeof err.file + 64];

			dl_error_format(&err, msg, sizeof msg);
			fputs(w->name, o->log);
			fputs(": ", o->log);
			text_fputs(msg, o->log, TEXT_ONE_LINE);
			fputc('\n', o->log);
			fflush(o->log);
		}
		return 0;
	}
	return added;
}

/* Claim the next run that fits in the free cores, taking its threads out
 * of the budget; while other runs wait behind it, any run fits and gets
 * the threads pool_grant() gives it. Waits while no core is free.
 * *claimed 0: nothing to do. */
static int claim(struct worker *w, struct store *s, struct store_claim *c, int *threads,
		 int *claimed, struct dl_error *err)
{
	struct pool *p = w->pool;
	int rc;

	pthread_mutex_lock(&p->lock);
	while (p->free_cores == 0 && !quitting(p->o) && !p->failed)
		pthread_cond_wait(&p->changed, &p->lock);
	*claimed = 0;
	rc = DL_OK;
	if (!quitting(p->o) && !p->failed) {
		int ready = 0, asked;

		rc = store_count_claimable(s, &ready, err);
		/* nothing waits: a growing sweep's next point, made now for this
		 * worker (grow.h) */
		if (rc == DL_OK && ready == 0 && grow(w, s) > 0)
			rc = store_count_claimable(s, &ready, err);
		/* with others waiting, a run asking for more than is free runs
		 * on what is: store_claim_run_within caps a run at `cores` */
		if (rc == DL_OK)
			rc = store_claim_run_within(s, w->name,
						    ready > 1 ? p->free_cores : p->o->cores,
						    p->free_cores, c, claimed, err);
		if (rc == DL_OK && *claimed) {
			asked = c->threads < 1 ? 1 : c->threads;
			if (asked > p->o->cores)
				asked = p->o->cores;
			*threads = pool_grant(asked, p->free_cores, ready - 1);
			if (*threads != c->threads)
				rc = store_set_threads(s, c->id, *threads, err);
			if (rc != DL_OK) {
				store_claim_free(c);
				*claimed = 0;
			}
		}
		if (rc == DL_OK && *claimed) {
			p->free_cores -= *threads;
			p->busy++;
			p->idle_rounds = 0;
		} else if (rc == DL_OK) {
			p->idle_rounds++;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

static void give_back(struct pool *p, int threads)
{
	pthread_mutex_lock(&p->lock);
	p->free_cores += threads;
	p->busy--;
	/* the cores, or the run's end (`after`), may let a run start that no
	 * worker could take before: every worker must look again */
	p->idle_rounds = 0;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

/* Drain mode is over when no worker is training and every worker has
 * looked since the last run ended and found nothing. */
static int drained(struct pool *p)
{
	int done;

	pthread_mutex_lock(&p->lock);
	done = p->o->drain && p->busy == 0 && p->idle_rounds >= p->o->workers;
	pthread_mutex_unlock(&p->lock);
	return done;
}

/* Train a claimed run and give its cores back; DL_ERR when the store failed. */
static int train_claimed(struct worker *w, struct store *s, const struct worker_opts *wo,
			 struct store_claim *c, int threads)
{
	int64_t id = c->id;
	struct dl_error err;
	int rc;

	log_line(w->pool->o, "%s: run %lld %s started (%d thread(s))\n", w->name, id, c->name,
		 threads);
	rc = worker_train(s, wo, c, threads, &err);
	if (rc == DL_OK)
		log_end(w->pool->o, s, w->name, id);
	give_back(w->pool, threads);
	if (rc != DL_OK) {
		pool_fail(w->pool, &err);
		return DL_ERR;
	}
	return DL_OK;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	const struct pool_opts *o = p->o;
	struct worker_opts wo = {.name = w->name, .cache_dir = o->cache_dir,
				 .checkpoint_dir = o->checkpoint_dir, .quit = o->quit,
				 .checkpoint_seconds = o->checkpoint_seconds};
	struct store *s;
	struct dl_error err;

	if (store_open(&s, o->store_dir, &err) != DL_OK) {
		pool_fail(p, &err);
		return NULL;
	}
	/* a run waits out another process's long transaction (a backup, a
	 * sqlite3 shell left open) rather than fail for it */
	store_set_busy_timeout(s, POOL_BUSY_MS);
	while (!quitting(o) && !p->failed && !drained(p)) {
		if (o->hold && __atomic_load_n(o->hold, __ATOMIC_RELAXED)) {
			sleep_seconds(o->poll_seconds);
			continue;
		}
		struct store_claim c;
		int claimed, threads = 1;

		if (claim(w, s, &c, &threads, &claimed, &err) != DL_OK) {
			pool_fail(p, &err);
			break;
		}
		if (!claimed) {
			sleep_seconds(o->poll_seconds);
			continue;
		}
		if (train_claimed(w, s, &wo, &c, threads) != DL_OK)
			break;
	}
	store_close(s);
	return NULL;
}

/* The pool's own thread: put back runs whose worker died, every so often,
 * until the workers are done. */
static void watch_stale(struct pool *p, struct store *s, const int *done)
{
	double last = 0;

	while (!__atomic_load_n(done, __ATOMIC_SEQ_CST)) {
		double now = clock_seconds();
		struct dl_error err;
		int count;

		if (now - last >= POOL_STALE_SECONDS / 4) {
			last = now;
			if (store_recover_stale(s, POOL_STALE_SECONDS, &count, &err) == DL_OK &&
			    count && p->o->log) {
				fprintf(p->o->log, "found %d run(s) whose worker stopped answering; "
					"they are queued to resume\n", count);
				fflush(p->o->log);
			}
		}
		sleep_seconds(0.2);
	}
}

struct joiner {
	pthread_t *threads;
	int n;
	int done;
};

static void *join_all(void *arg)
{
	struct joiner *j = arg;

	for (int i = 0; i < j->n; i++)
		pthread_join(j->threads[i], NULL);
	__atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A drain ends when nothing more can start; runs that wait `after` a run
 * that failed would wait for ever unseen: they are named, with the way
 * out. */
static int log_blocked(const struct pool_opts *o, struct store *s, struct dl_error *err)
{
	struct store_blocked *b;
	int n;

	if (store_list_blocked(s, &b, &n, err) != DL_OK)
		return DL_ERR;
	for (int i = 0; i < n && o->log; i++) {
		char name[TEXT_ESCAPED_SIZE(sizeof b[i].name)];

		fprintf(o->log, "run %lld %s waits for run %lld, which %s: it starts once run %lld "
			"is retried and done (digitlab retry %lld), or cancel it (digitlab cancel "
			"%lld)\n", (long long)b[i].id,
			text_escape(name, sizeof name, b[i].name, TEXT_ONE_LINE),
			(long long)b[i].after, b[i].after_status == STORE_CANCELLED ? "was cancelled" :
			b[i].after_status == STORE_DIVERGED ? "diverged" : "failed",
			(long long)b[i].after, (long long)b[i].after, (long long)b[i].id);
	}
	if (o->log)
		fflush(o->log);
	free(b);
	return DL_OK;
}

/* A pool writes for as long as it runs: before it starts, every page of
 * the store is checked (store_open checks only the tables every command
 * reads), and a store that refuses writes is refused, saying why. */
static int check_store(struct store *s, struct dl_error *err)
{
	char why[1024];
	int problems;

	if (store_check(s, 0, NULL, &problems, err) != DL_OK)
		return DL_ERR;
	switch (store_health(s, why, sizeof why)) {
	case STORE_DAMAGED:
	case STORE_READ_ONLY:
		return dl_error_set(err, "no run is trained: %s", why);
	case STORE_HEALTHY:
	case STORE_LOG_CUT:
		break;
	}
	return DL_OK;
}

int pool_run(const struct pool_opts *o, struct dl_error *err)
{
	struct pool p = {.o = o, .free_cores = o->cores};
	struct worker w[64];
	pthread_t threads[64], joiner_thread;
	struct joiner j = {threads, 0, 0};
	struct store *s;

	if (o->workers < 1 || o->workers > 64 || o->cores < 1)
		return dl_error_set(err, "a pool needs 1 to 64 workers and at least one core");
	if (store_open(&s, o->store_dir, err) != DL_OK)
		return DL_ERR;
	if (check_store(s, err) != DL_OK) {
		store_close(s);
		return DL_ERR;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	for (int i = 0; i < o->workers; i++) {
		w[i] = (struct worker){.pool = &p, .index = i + 1};
		snprintf(w[i].name, sizeof w[i].name, "%s:w%d", o->name, i + 1);
		if (pthread_create(&threads[i], NULL, worker_main, &w[i]) != 0)
			break;
		j.n++;
	}
	pthread_create(&joiner_thread, NULL, join_all, &j);
	watch_stale(&p, s, &j.done);
	pthread_join(joiner_thread, NULL);
	if (o->drain && !quitting(o) && !p.failed && log_blocked(o, s, &p.error) != DL_OK)
		p.failed = 1;
	store_close(s);
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
	if (j.n < o->workers)
		return dl_error_set(err, "could not start %d worker threads", o->workers);
	if (p.failed) {
		*err = p.error;
		return DL_ERR;
	}
	return DL_OK;
}

int pool_recover_host(const char *store_dir, const char *host, FILE *log, int *count,
		      struct dl_error *err)
{
	struct store_filter f = {.status = STORE_RUNNING, .sort = STORE_SORT_ID};
	struct store_row *rows;
	struct store *s;
	size_t len = strlen(host);
	int n, k;

	*count = 0;
	if (store_open(&s, store_dir, err) != DL_OK)
		return DL_ERR;
	if (store_list_runs(s, &f, &rows, &n, err) != DL_OK) {
		store_close(s);
		return DL_ERR;
	}
	for (int i = 0; i < n; i++) {
		if (strncmp(rows[i].worker, host, len) || rows[i].worker[len] != ':')
			continue;
		if (store_interrupt_worker(s, rows[i].worker, &k, err) != DL_OK)
			break;
		*count += k;
		if (k && log) {
			char name[TEXT_ESCAPED_SIZE(sizeof rows[i].name)];

			fprintf(log, "run %lld %s was left running by a worker that died; it resumes "
				"from its checkpoint\n", (long long)rows[i].id,
				text_escape(name, sizeof name, rows[i].name, TEXT_ONE_LINE));
		}
	}
	free(rows);
	store_close(s);
	return DL_OK;
}
