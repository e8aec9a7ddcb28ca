/* The worker pool: it drains a queue of runs that ask for one or two
 * threads without ever using more threads than its cores, and raising its
 * quit flag interrupts a running run so that the next pool finishes it.
 * Also built for ThreadSanitizer (see README). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "run/pool.h"
#include "store/store.h"
#include "tap.h"

#define RUNS 10
#define CORES 2

static const char yaml[] =
	"name: pool-test\n"
	"seed: 2\n"
	"data: {source: font5x7, variants: 3}\n"
	"model:\n  layers:\n    - dense: {units: 16, activation: relu}\n"
	"    - dense: {units: 10, activation: softmax}\n"
	"train: {epochs: %d, batch_size: 4}\n";

static char dir[256], checkpoints[300];

static int64_t queue_run(struct store *s, int epochs, int threads)
{
	char text[sizeof yaml + 16];
	struct store_new_run r = {.name = "pool-test", .yaml = text, .threads = threads};
	struct dl_error err;
	int64_t id = 0;

	snprintf(text, sizeof text, yaml, epochs);
	if (store_add_run(s, &r, &id, &err) != DL_OK)
		ok(0, "store_add_run: %s", err.msg);
	return id;
}

/* The most threads in use at any moment, from the runs' start and finish
 * times: at each start, the threads of every run then in flight. */
static int peak_threads(const struct store_row *rows, int n, const int *threads)
{
	int peak = 0;

	for (int i = 0; i < n; i++) {
		int in_use = 0;

		for (int j = 0; j < n; j++)
			if (rows[j].started <= rows[i].started && rows[j].finished > rows[i].started)
				in_use += threads[j];
		if (in_use > peak)
			peak = in_use;
	}
	return peak;
}

static void test_drain(struct store *s)
{
	static const volatile int never;
	struct pool_opts o = {.store_dir = dir, .checkpoint_dir = checkpoints, .name = "t",
			      .workers = 3, .cores = CORES, .drain = 1, .poll_seconds = 0.01,
			      .quit = &never};
	int threads[RUNS], done = 0, n;
	struct store_row *rows;
	struct dl_error err;

	for (int i = 0; i < RUNS; i++) {
		threads[i] = i % 3 == 0 ? 2 : 1;
		queue_run(s, 30, threads[i]);
	}
	ok(pool_run(&o, &err) == DL_OK, "a 3-worker pool on 2 cores drains %d runs", RUNS);
	if (store_list_runs(s, NULL, &rows, &n, &err) != DL_OK) {
		ok(0, "store_list_runs: %s", err.msg);
		return;
	}
	for (int i = 0; i < n; i++) {
		done += rows[i].status == STORE_DONE;
		if (rows[i].status != STORE_DONE)
			printf("# run %lld: %s\n", (long long)rows[i].id,
			       store_status_name(rows[i].status));
	}
	ok(n == RUNS && done == RUNS, "all of them done (%d of %d)", done, n);
	/* what each trained with: the pool gives a run asking for 2 only 1
	 * while others wait, and keeps the count */
	for (int i = 0; i < n; i++) {
		struct store_run r;
		int found;

		if (store_get_run(s, rows[i].id, &r, &found, &err) == DL_OK && found) {
			threads[i] = r.threads;
			store_run_free(&r);
		}
	}
	is_int(threads[0], 1, "run 1 asked for 2 threads, 9 runs behind it: it trained on 1");
	ok(peak_threads(rows, n, threads) <= CORES,
	   "never more than %d threads at once (peak %d)", CORES, peak_threads(rows, n, threads));
	free(rows);
}

struct pool_thread {
	struct pool_opts o;
	int rc;
	struct dl_error err;
};

static void *run_pool(void *arg)
{
	struct pool_thread *p = arg;

	p->rc = pool_run(&p->o, &p->err);
	return NULL;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static void test_quit(struct store *s)
{
	static volatile int quit;
	struct pool_thread p = {.o = {.store_dir = dir, .checkpoint_dir = checkpoints,
				      .name = "q", .workers = 1, .cores = 1,
				      .poll_seconds = 0.01, .quit = &quit}};
	int64_t id = queue_run(s, 100000, 1);
	struct store_run r;
	struct dl_error err;
	pthread_t t;
	int found = 0;

	pthread_create(&t, NULL, run_pool, &p);
	/* wait for a few epochs of it */
	for (int i = 0; i < 500; i++) {
		if (store_get_run(s, id, &r, &found, &err) == DL_OK && found) {
			int epochs = r.row.epochs;

			store_run_free(&r);
			if (epochs >= 3)
				break;
		}
		sleep_ms(10);
	}
	__atomic_store_n(&quit, 1, __ATOMIC_RELAXED);
	pthread_join(t, NULL);
	ok(p.rc == DL_OK, "the pool stops when asked");
	found = store_get_run(s, id, &r, &found, &err) == DL_OK && found;
	ok(found && r.row.status == STORE_INTERRUPTED && r.message &&
	   strstr(r.message, "interrupted after epoch"),
	   "its run is interrupted, to resume (%s: %s)",
	   found ? store_status_name(r.row.status) : "?", found && r.message ? r.message : "");
	if (found)
		store_run_free(&r);
	/* out of the way of the next test's queue */
	store_request(s, id, STORE_REQUEST_CANCEL, &found, &err);
}

/* Another process holds the database longer than the busy timeout: the
 * run waits it out, and nothing of it is lost. */
static void test_locked(struct store *s)
{
	static const volatile int never;
	struct pool_thread p = {.o = {.store_dir = dir, .checkpoint_dir = checkpoints,
				      .name = "l", .workers = 1, .cores = 1, .drain = 1,
				      .poll_seconds = 0.01, .quit = &never}};
	int64_t id = queue_run(s, 1500, 1);
	struct store_epoch *e = NULL;
	struct store_run r;
	struct dl_error err;
	sqlite3 *db = NULL;
	pthread_t t;
	int found = 0, n = 0;
	char path[400];

	pthread_create(&t, NULL, run_pool, &p);
	sleep_ms(300);
	snprintf(path, sizeof path, "%s/runs.db", dir);
	/* the worker writes all the time: wait for a gap to take the lock in */
	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
	    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK) {
		sleep_ms(6500);         /* the store's busy timeout is 5 s */
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	} else {
		ok(0, "could not lock the database: %s", db ? sqlite3_errmsg(db) : "no memory");
	}
	sqlite3_close(db);
	pthread_join(t, NULL);
	ok(p.rc == DL_OK, "the pool outlasts a lock held longer than the busy timeout%s%s",
	   p.rc == DL_OK ? "" : ": ", p.rc == DL_OK ? "" : p.err.msg);
	found = store_get_run(s, id, &r, &found, &err) == DL_OK && found;
	store_get_history(s, id, &e, &n, &err);
	ok(found && r.row.status == STORE_DONE && n == 1500 && r.row.seconds > 6,
	   "and its run, held up by the lock, ends done with all its epochs (%s, %d epochs, %.1f s)",
	   found ? store_status_name(r.row.status) : "?", n, found ? r.row.seconds : 0);
	store_epochs_free(e, n);
	if (found)
		store_run_free(&r);
}

/* pool_grant: what a run gets for what it asks, the free cores and the
 * runs waiting behind it. */
static void test_grant(void)
{
	is_int(pool_grant(2, 2, 0), 2, "grant: alone, a run gets the 2 it asks for");
	is_int(pool_grant(2, 2, 1), 1, "grant: one run waiting: 1 each");
	is_int(pool_grant(2, 2, 3), 1, "grant: three waiting: still at least 1");
	is_int(pool_grant(4, 8, 2), 4, "grant: 8 free, 2 waiting: the 4 asked leave them room");
	is_int(pool_grant(8, 8, 2), 6, "grant: 8 asked of 8, 2 waiting: 6");
	is_int(pool_grant(1, 2, 0), 1, "grant: never more than asked");
	is_int(pool_grant(2, 1, 0), 1, "grant: never more than free");
}

int main(void)
{
	struct store *s;
	struct dl_error err;
	char cmd[400];

	snprintf(dir, sizeof dir, "/tmp/digitlab-pool.%d", (int)getpid());
	snprintf(checkpoints, sizeof checkpoints, "%s", dir);
	if (store_open(&s, dir, &err) != DL_OK) {
		ok(0, "store_open: %s", err.msg);
		return tap_done();
	}
	test_grant();
	test_drain(s);
	test_quit(s);
	test_locked(s);
	store_close(s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (!tap_failed && system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", dir);
	return tap_done();
}
