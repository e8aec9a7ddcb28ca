/* Many writers on one store: two threads and a second process enqueue
 * runs while two threads and that process claim and finish them, and a
 * dashboard thread keeps listing. Every run must be claimed exactly once
 * and end done. They all start on a store that does not exist yet, so
 * creating it (directory, file, WAL, schema) is raced as well. Each thread
 * has its own struct store, as store.h asks. */

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "tap.h"

#define PER_ENQUEUER 200
#define ENQUEUERS 3                     /* two threads and the child process */
#define TOTAL (ENQUEUERS * PER_ENQUEUER)
#define DEADLINE 180.0                  /* seconds; sanitizers are slow */

static char dir[256];

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pause_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

/* Queue PER_ENQUEUER runs named `who`, one transaction each. Returns the
 * number of failures. */
static int enqueue(const char *who, struct dl_error *err)
{
	struct store *s;
	int failures = 0;

	if (store_open(&s, dir, err) != DL_OK)
		return PER_ENQUEUER;
	for (int i = 0; i < PER_ENQUEUER; i++) {
		struct store_new_run r = {.name = who, .yaml = "name: x\n", .priority = i % 3,
					  .threads = 1};
		int64_t id;

		failures += store_add_run(s, &r, &id, err) != DL_OK;
	}
	store_close(s);
	return failures;
}

/* How many runs are done, -1 on error. */
static int count_done(struct store *s, struct dl_error *err)
{
	struct store_filter f = {.status = STORE_DONE};
	struct store_row *rows;
	int n;

	if (store_list_runs(s, &f, &rows, &n, err) != DL_OK)
		return -1;
	free(rows);
	return n;
}

/* One claimed run, worked the way a worker does: progress, an epoch, the end. */
static int work(struct store *s, int64_t id, struct dl_error *err)
{
	struct store_epoch e = {1, 0.5, 0.9, NAN, NAN, 0.01, 0.1, NULL};
	struct store_result r = {.status = STORE_DONE, .epochs = 1, .loss = 0.5,
				 .accuracy = 0.9, .val_loss = NAN, .val_accuracy = NAN,
				 .test_loss = 0.4, .test_accuracy = 0.91, .seconds = 0.1};

	if (store_set_progress(s, id, 1, 1, 1, 100.0, 0.0, err) != DL_OK ||
	    store_add_epoch(s, id, &e, err) != DL_OK)
		return DL_ERR;
	return store_finish_run(s, id, &r, err);
}

struct claimer {
	const char *name;
	int64_t claimed[TOTAL + 1];     /* ids in claim order */
	int n;
	int failures;
	struct dl_error err;            /* the last failure */
};

/* Claim and finish until every run is done (or the deadline passes). */
static void claim_until_done(struct claimer *c)
{
	struct store *s;
	double start = seconds_now();

	if (store_open(&s, dir, &c->err) != DL_OK) {
		c->failures++;
		return;
	}
	while (seconds_now() - start < DEADLINE) {
		struct store_claim cl;
		struct dl_error err;
		int claimed;

		if (store_claim_run(s, c->name, &cl, &claimed, &err) != DL_OK) {
			c->failures++;
			c->err = err;
			continue;
		}
		if (!claimed) {
			if (count_done(s, &err) == TOTAL)
				break;
			pause_ms(1);
			continue;
		}
		store_claim_free(&cl);
		if (c->n <= TOTAL)
			c->claimed[c->n++] = cl.id;
		if (work(s, cl.id, &err) != DL_OK) {
			c->failures++;
			c->err = err;
		}
	}
	store_close(s);
}

static void *claimer_thread(void *arg)
{
	claim_until_done(arg);
	return NULL;
}

struct enqueuer {
	const char *name;
	int failures;
	struct dl_error err;
};

static void *enqueuer_thread(void *arg)
{
	struct enqueuer *e = arg;

	e->failures = enqueue(e->name, &e->err);
	return NULL;
}

/* The dashboard: lists everything while the others write, and watches the
 * data version move. */
struct watcher {
	int lists, failures, versions_seen;
	struct dl_error err;
};

static void *watcher_thread(void *arg)
{
	struct watcher *w = arg;
	struct store *s;
	int64_t last = -1, v;
	double start = seconds_now();

	if (store_open(&s, dir, &w->err) != DL_OK) {
		w->failures++;
		return NULL;
	}
	while (seconds_now() - start < DEADLINE) {
		struct store_filter f = {.status = -1, .sort = STORE_SORT_TEST_ACCURACY,
					 .descending = 1, .limit = 50};
		struct store_row *rows;
		int n;

		if (store_list_runs(s, &f, &rows, &n, &w->err) != DL_OK)
			w->failures++;
		else
			free(rows);
		w->lists++;
		v = store_data_version(s);
		w->versions_seen += v != last;
		last = v;
		if (count_done(s, &w->err) == TOTAL)
			break;
		pause_ms(5);
	}
	store_close(s);
	return NULL;
}

/* The second process: enqueue its share, then claim alongside the threads,
 * writing the ids it claimed to fd. Exit status: 0 when nothing failed. */
static int child(int fd)
{
	static struct claimer c = {.name = "process"};
	struct dl_error err;
	int failures = enqueue("process", &err);

	if (failures)
		fprintf(stderr, "# child enqueue: %s\n", err.msg);
	claim_until_done(&c);
	if (c.failures)
		fprintf(stderr, "# child claim: %s\n", c.err.msg);
	for (int i = 0; i < c.n; i++)
		if (write(fd, &c.claimed[i], sizeof c.claimed[i]) != (ssize_t)sizeof c.claimed[i])
			failures++;
	close(fd);
	return failures || c.failures ? 1 : 0;
}

/* The ids the child claimed, read from its pipe into claims[]. */
static int read_child_claims(int fd, int *claims, int *bad)
{
	int64_t id;
	int n = 0;

	while (read(fd, &id, sizeof id) == (ssize_t)sizeof id) {
		if (id >= 1 && id <= TOTAL)
			claims[id]++;
		else
			(*bad)++;
		n++;
	}
	close(fd);
	return n;
}

/* Every run present once per enqueuer, done, with one claim each. */
static void check_store(const int *claims, int bad)
{
	struct store_row *rows;
	struct store *s;
	struct dl_error err;
	int n = 0, done = 0, once = 0, twice = 0, per[ENQUEUERS] = {0};
	const char *names[ENQUEUERS] = {"thread-A", "thread-B", "process"};

	if (store_open(&s, dir, &err) != DL_OK) {
		ok(0, "store_open: %s", err.msg);
		return;
	}
	if (store_list_runs(s, NULL, &rows, &n, &err) != DL_OK)
		ok(0, "store_list_runs: %s", err.msg);
	for (int i = 0; i < n; i++) {
		done += rows[i].status == STORE_DONE && rows[i].epochs == 1 &&
			rows[i].test_accuracy == 0.91;
		for (int k = 0; k < ENQUEUERS; k++)
			per[k] += !strcmp(rows[i].name, names[k]);
	}
	for (int id = 1; id <= TOTAL; id++) {
		once += claims[id] == 1;
		twice += claims[id] > 1;
	}
	ok(n == TOTAL && per[0] == PER_ENQUEUER && per[1] == PER_ENQUEUER &&
	   per[2] == PER_ENQUEUER, "%d runs present, %d from each enqueuer (%d, %d, %d)", n,
	   PER_ENQUEUER, per[0], per[1], per[2]);
	ok(once == TOTAL && twice == 0 && bad == 0,
	   "each claimed exactly once (%d once, %d more than once, %d unknown ids)", once, twice,
	   bad);
	ok(done == TOTAL, "all of them done, with their metrics (%d)", done);
	free(rows);
	store_close(s);
}

int main(void)
{
	static struct claimer claimers[2] = {{.name = "thread-1"}, {.name = "thread-2"}};
	struct enqueuer enq[2] = {{.name = "thread-A"}, {.name = "thread-B"}};
	struct watcher watch = {0};
	static int claims[TOTAL + 1];
	pthread_t tc[2], te[2], tw;
	int fds[2], status = -1, bad = 0, from_child;
	double start = seconds_now();
	pid_t pid;

	snprintf(dir, sizeof dir, "/tmp/digitlab-store-conc.%d/store", (int)getpid());
	/* fork before any thread exists or any store is open */
	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		ok(0, "cannot start the second process");
		return tap_done();
	}
	if (pid == 0) {
		close(fds[0]);
		_exit(child(fds[1]));
	}
	close(fds[1]);
	for (int i = 0; i < 2; i++) {
		pthread_create(&te[i], NULL, enqueuer_thread, &enq[i]);
		pthread_create(&tc[i], NULL, claimer_thread, &claimers[i]);
	}
	pthread_create(&tw, NULL, watcher_thread, &watch);
	for (int i = 0; i < 2; i++) {
		pthread_join(te[i], NULL);
		pthread_join(tc[i], NULL);
	}
	pthread_join(tw, NULL);
	from_child = read_child_claims(fds[0], claims, &bad);
	waitpid(pid, &status, 0);

	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "the second process enqueued and claimed without an error");
	ok(!enq[0].failures && !enq[1].failures, "no enqueue failed%s%s",
	   enq[0].failures ? ": " : "", enq[0].failures ? enq[0].err.msg : "");
	ok(!claimers[0].failures && !claimers[1].failures, "no claim or write failed%s%s",
	   claimers[0].failures ? ": " : "", claimers[0].failures ? claimers[0].err.msg : "");
	ok(!watch.failures && watch.lists > 0 && watch.versions_seen > 1,
	   "the dashboard listed %d times while they wrote, seeing %d data versions%s%s",
	   watch.lists, watch.versions_seen, watch.failures ? ": " : "",
	   watch.failures ? watch.err.msg : "");
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < claimers[i].n; k++) {
			int64_t id = claimers[i].claimed[k];

			if (id >= 1 && id <= TOTAL)
				claims[id]++;
			else
				bad++;
		}
	/* SQLite's busy handler is not fair, so one claimer may take them all;
	 * what matters is that together they took each run once (below) */
	ok(claimers[0].n + claimers[1].n + from_child == TOTAL,
	   "the claimers took %d runs in all: %d, %d and %d by the process",
	   claimers[0].n + claimers[1].n + from_child, claimers[0].n, claimers[1].n,
	   from_child);
	check_store(claims, bad);
	printf("# %d runs enqueued and drained in %.2f s\n", TOTAL, seconds_now() - start);
	if (!tap_failed) {
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '/tmp/digitlab-store-conc.%d'", (int)getpid());
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove the store\n");
	}
	return tap_done();
}
