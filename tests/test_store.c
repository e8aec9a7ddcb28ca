/* The run store: files and modes, schema versions, the queue's order and
 * requests, history, artifacts, browsing, and many writers at once
 * (threads and a second process) claiming every run exactly once. */
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "tap.h"

static char dir[256];

static struct store *open_store(void)
{
	struct store *s;
	struct dl_error err;

	if (store_open(&s, dir, &err) != DL_OK) {
		ok(0, "store_open: %s", err.msg);
		return NULL;
	}
	return s;
}

static int64_t add(struct store *s, const char *name, int priority, int64_t after)
{
	struct store_new_run r = {.name = name, .yaml = "name: x\n", .priority = priority,
				  .after = after, .threads = 1};
	struct dl_error err;
	int64_t id = 0;

	if (store_add_run(s, &r, &id, &err) != DL_OK)
		ok(0, "store_add_run: %s", err.msg);
	return id;
}

static int64_t claim(struct store *s)
{
	struct store_claim c;
	struct dl_error err;
	int claimed;

	if (store_claim_run(s, "w1", &c, &claimed, &err) != DL_OK) {
		ok(0, "store_claim_run: %s", err.msg);
		return -1;
	}
	store_claim_free(&c);
	return claimed ? c.id : 0;
}

static void finish(struct store *s, int64_t id, enum store_status st, double test_acc)
{
	struct store_result r = {.status = st, .epochs = 3, .loss = 0.1, .accuracy = 0.9,
				 .val_loss = NAN, .val_accuracy = NAN, .test_loss = 0.2,
				 .test_accuracy = test_acc, .seconds = 1.5};
	struct dl_error err;

	if (store_finish_run(s, id, &r, &err) != DL_OK)
		ok(0, "store_finish_run: %s", err.msg);
}

static enum store_status status_of(struct store *s, int64_t id)
{
	struct store_run r;
	struct dl_error err;
	int found;
	enum store_status st;

	if (store_get_run(s, id, &r, &found, &err) != DL_OK || !found)
		return (enum store_status)-1;
	st = r.row.status;
	store_run_free(&r);
	return st;
}

static void test_files(void)
{
	struct store *s = open_store();
	struct stat d, f;
	char path[300];

	if (!s)
		return;
	snprintf(path, sizeof path, "%s/runs.db", dir);
	is_str(store_path(s), path, "the database is DIR/runs.db");
	ok(stat(dir, &d) == 0 && (d.st_mode & 0777) == 0700, "the directory is 0700");
	ok(stat(path, &f) == 0 && (f.st_mode & 0777) == 0600, "the database is 0600");
	store_close(s);
	s = open_store();
	ok(s != NULL, "opening again is fine");
	store_close(s);
}

static void test_newer_schema(void)
{
	char other[300], path[320], cmd[700], before[64], after[64];
	struct store *s;
	struct dl_error err;
	FILE *p;

	snprintf(other, sizeof other, "%s/newer", dir);
	if (store_open(&s, other, &err) != DL_OK) {
		ok(0, "store_open: %s", err.msg);
		return;
	}
	store_close(s);
	snprintf(path, sizeof path, "%s/runs.db", other);
	/* a digitlab from the future moved the schema on */
	{
		FILE *f = fopen(path, "r+b");
		unsigned char v[4] = {0, 0, 0, 99};

		if (!f || fseek(f, 60, SEEK_SET) != 0 || fwrite(v, 1, 4, f) != 4) {
			ok(0, "cannot edit the header");
			if (f)
				fclose(f);
			return;
		}
		fclose(f);
	}
	snprintf(cmd, sizeof cmd, "cksum < '%s'", path);
	p = popen(cmd, "r");
	if (!p || !fgets(before, sizeof before, p))
		before[0] = '\0';
	if (p)
		pclose(p);
	ok(store_open(&s, other, &err) == DL_ERR && s == NULL, "a newer schema is refused");
	snprintf(cmd, sizeof cmd, "%s/runs.db: the store is of schema version 99, newer than "
		 "this digitlab knows (%d); it was left untouched", other, STORE_SCHEMA_VERSION);
	is_str(err.msg, cmd, "with a message saying why");
	snprintf(cmd, sizeof cmd, "cksum < '%s'", path);
	p = popen(cmd, "r");
	if (!p || !fgets(after, sizeof after, p))
		after[0] = '\0';
	if (p)
		pclose(p);
	ok(before[0] && !strcmp(before, after), "and the file is left byte for byte");
}

static void test_queue_order(void)
{
	struct store *s = open_store();
	struct dl_error err;
	int64_t a, b, c, d, e;
	int paused, changed;

	if (!s)
		return;
	ok(claim(s) == 0, "an empty queue gives nothing");
	a = add(s, "a", 0, 0);
	b = add(s, "b", 5, 0);
	c = add(s, "c", 5, 0);
	d = add(s, "d", 9, a);          /* waits for a */
	ok(a > 0 && b == a + 1 && d == a + 3, "ids count up");
	ok(claim(s) == b, "the highest priority first");
	ok(claim(s) == c, "then the lower id among equals");
	ok(claim(s) == a, "a run waiting for another is passed over");
	ok(claim(s) == 0, "nothing more while d waits for a");
	finish(s, a, STORE_DONE, 0.9);
	ok(claim(s) == d, "d runs once a is done");

	e = add(s, "e", 0, 0);
	store_pause_queue(s, 1, &err);
	store_queue_paused(s, &paused, &err);
	ok(paused && claim(s) == 0, "a paused queue gives nothing");
	store_pause_queue(s, 0, &err);
	store_pause_run(s, e, 1, &changed, &err);
	ok(changed == 1 && status_of(s, e) == STORE_PAUSED && claim(s) == 0,
	   "a paused run is not claimed");
	store_pause_run(s, e, 0, &changed, &err);
	ok(changed == 1 && claim(s) == e, "resumed, it is");
	store_close(s);
}

static void test_requests(void)
{
	struct store *s = open_store();
	struct dl_error err;
	enum store_request req;
	int64_t q, r;
	int changed, n;

	if (!s)
		return;
	q = add(s, "queued", -100, 0);
	store_request(s, q, STORE_REQUEST_CANCEL, &changed, &err);
	ok(changed == 1 && status_of(s, q) == STORE_CANCELLED, "cancelling a queued run ends it");
	r = add(s, "running", 100, 0);
	ok(claim(s) == r, "claimed");
	store_request(s, r, STORE_REQUEST_STOP, &changed, &err);
	store_requested(s, r, &req, &err);
	ok(changed == 1 && req == STORE_REQUEST_STOP && status_of(s, r) == STORE_RUNNING,
	   "a running run gets the request, and keeps running until its worker acts");
	finish(s, r, STORE_INTERRUPTED, NAN);
	store_request(s, r, STORE_REQUEST_CANCEL, &changed, &err);
	ok(changed == 1 && status_of(s, r) == STORE_CANCELLED, "an interrupted run can be cancelled");
	store_retry_run(s, r, &changed, &err);
	ok(changed == 1 && status_of(s, r) == STORE_QUEUED, "retry queues it again");
	store_retry_run(s, r, &changed, &err);
	ok(changed == 0, "retrying a queued run changes nothing");
	ok(claim(s) == r, "and it is claimed again");
	/* its worker died: no heartbeat for a while */
	store_recover_stale(s, 3600, &n, &err);
	ok(n == 0, "a fresh heartbeat is not stale");
	store_recover_stale(s, -1, &n, &err);
	ok(n == 1 && status_of(s, r) == STORE_INTERRUPTED, "a stale run becomes interrupted");
	store_set_checkpoint(s, r, "/tmp/r.model", &err);
	{
		struct store_claim c;
		int claimed;

		store_claim_run(s, "w2", &c, &claimed, &err);
		ok(claimed && c.id == r && !strcmp(c.checkpoint, "/tmp/r.model"),
		   "an interrupted run is claimed with its checkpoint");
		store_claim_free(&c);
	}
	store_interrupt_worker(s, "w2", &n, &err);
	ok(n == 1 && status_of(s, r) == STORE_INTERRUPTED, "a worker's runs are interrupted");
	store_close(s);
}

static int count_samples(void *ctx, const struct store_sample *m)
{
	int *n = ctx;

	(*n)++;
	return m->truth == 9;           /* stop there */
}

static void test_history_and_artifacts(void)
{
	struct store *s = open_store();
	struct dl_error err;
	struct store_epoch *h;
	struct store_run run;
	int64_t id;
	int n, found, conf[STORE_MAX_CLASSES * STORE_MAX_CLASSES], counts[9];
	float pix[6] = {0, 0.5f, 1, 0.25f, 0.75f, 1};
	char tags[64];

	if (!s)
		return;
	id = add(s, "hist", 0, 0);
	for (int e = 1; e <= 3; e++) {
		struct store_epoch ep = {e, 1.0 / e, 0.5 + 0.1 * e, NAN, 0.6 + 0.1 * e, 0.001,
					 2.0, e == 2 ? "lr 0.001 -> 0.0002" : NULL};

		store_add_epoch(s, id, &ep, &err);
	}
	{
		struct store_epoch again = {3, 0.2, 0.95, NAN, 0.75, 0.0002, 2.5, NULL};

		store_add_epoch(s, id, &again, &err);   /* resumed: epoch 3 again */
	}
	store_get_history(s, id, &h, &n, &err);
	ok(n == 3 && h[2].loss == 0.2 && isnan(h[0].val_loss) && h[1].events &&
	   !strcmp(h[1].events, "lr 0.001 -> 0.0002") && !h[0].events,
	   "three epochs, the third replaced, NaN kept as none, events kept");
	store_epochs_free(h, n);
	store_get_run(s, id, &run, &found, &err);
	ok(found && run.row.epochs == 3 && fabs(run.row.best_val_accuracy - 0.8) < 1e-12 &&
	   fabs(run.row.val_accuracy - 0.75) < 1e-12,
	   "the run shows its last epoch and its best validation accuracy");
	store_run_free(&run);

	for (int i = 0; i < 9; i++)
		counts[i] = i * 10;
	store_set_confusion(s, id, "test", 3, counts, &err);
	store_get_confusion(s, id, "test", &n, conf, &found, &err);
	ok(found && n == 3 && conf[4] == 40 && conf[8] == 80, "a confusion matrix round-trips");
	store_get_confusion(s, id, "val", &n, conf, &found, &err);
	ok(!found, "no validation matrix was stored");

	for (int i = 0; i < 4; i++) {
		struct store_sample m = {.index = 10 - i, .truth = i == 3 ? 9 : 1, .predicted = 7,
					 .confidence = 0.8, .h = 2, .w = 3, .pixels = pix,
					 .saliency = i == 0 ? pix : NULL};

		store_add_misclassified(s, id, "test", &m, &err);
	}
	n = 0;
	store_each_misclassified(s, id, "test", count_samples, &n, &err);
	ok(n == 4, "misclassified samples are read back in order of true class");

	store_tag(s, id, "cnn", 1, &err);
	store_tag(s, id, "baseline", 1, &err);
	store_tag(s, id, "cnn", 1, &err);
	store_get_tags(s, id, tags, sizeof tags, &err);
	is_str(tags, "baseline,cnn", "tags are a set, read sorted");
	store_note(s, id, "first try", &err);
	store_get_run(s, id, &run, &found, &err);
	ok(found && run.notes && !strcmp(run.notes, "first try"), "a note is kept");
	store_run_free(&run);
	store_remove_run(s, id, &n, &err);
	store_get_history(s, id, &h, &n, &err);
	store_epochs_free(h, n);
	store_get_confusion(s, id, "test", &found, conf, &found, &err);
	ok(n == 0 && !found && status_of(s, id) == (enum store_status)-1,
	   "removing a run removes its history and artifacts");
	store_close(s);
}

static void test_listing(void)
{
	struct store *s = open_store();
	struct store_filter f = {.status = -1, .sort = STORE_SORT_TEST_ACCURACY, .descending = 1};
	struct store_row *rows;
	struct dl_error err;
	int64_t ids[4];
	int n;

	if (!s)
		return;
	ids[0] = add(s, "list-a", 0, 0);
	ids[1] = add(s, "list-b", 0, 0);
	ids[2] = add(s, "other", 0, 0);
	ids[3] = add(s, "list-c", 0, 0);
	for (int i = 0; i < 3; i++) {
		struct store_claim c;
		int claimed;

		store_pause_queue(s, 0, &err);
		store_claim_run(s, "w", &c, &claimed, &err);
		store_claim_free(&c);
	}
	finish(s, ids[0], STORE_DONE, 0.91);
	finish(s, ids[1], STORE_DONE, 0.97);
	finish(s, ids[2], STORE_DONE, 0.95);
	store_tag(s, ids[1], "best", 1, &err);
	f.name_glob = "list-*";
	store_list_runs(s, &f, &rows, &n, &err);
	ok(n == 3 && rows[0].id == ids[1] && rows[1].id == ids[0] && rows[2].id == ids[3],
	   "filtered by name, sorted by test accuracy, runs without one last");
	ok(!strcmp(rows[0].name, "list-b") && rows[0].status == STORE_DONE &&
	   rows[0].test_accuracy == 0.97 && rows[0].epochs == 3, "rows carry their metrics");
	free(rows);
	f.name_glob = NULL;
	f.tag = "best";
	store_list_runs(s, &f, &rows, &n, &err);
	ok(n == 1 && rows[0].id == ids[1], "filtered by tag");
	free(rows);
	f.tag = NULL;
	f.status = STORE_QUEUED;
	f.limit = 1;
	f.sort = STORE_SORT_ID;
	f.descending = 0;
	store_list_runs(s, &f, &rows, &n, &err);
	ok(n == 1 && rows[0].status == STORE_QUEUED, "filtered by status, limited");
	free(rows);
	store_close(s);
}

/* ---- many writers ---- */

#define WRITERS 2
#define PER_WRITER 100

static void *enqueue_many(void *arg)
{
	const char *who = arg;
	struct store *s;
	struct dl_error err;

	if (store_open(&s, dir, &err) != DL_OK)
		return (void *)1;
	for (int i = 0; i < PER_WRITER; i++) {
		struct store_new_run r = {.name = who, .yaml = "x", .threads = 1};
		int64_t id;

		if (store_add_run(s, &r, &id, &err) != DL_OK) {
			store_close(s);
			return (void *)1;
		}
	}
	store_close(s);
	return NULL;
}

struct claimer {
	int claims[3 * WRITERS * PER_WRITER + 1000];
	int failures;
};

static void *claim_all(void *arg)
{
	struct claimer *c = arg;
	struct store *s;
	struct dl_error err;
	int idle = 0;

	if (store_open(&s, dir, &err) != DL_OK) {
		c->failures++;
		return NULL;
	}
	while (idle < 200) {
		struct store_claim cl;
		int claimed;

		if (store_claim_run(s, "pool", &cl, &claimed, &err) != DL_OK) {
			c->failures++;
			continue;
		}
		if (!claimed) {
			struct timespec ts = {0, 2000000};

			idle++;
			nanosleep(&ts, NULL);
			continue;
		}
		idle = 0;
		if (cl.id < (int64_t)(sizeof c->claims / sizeof c->claims[0]))
			c->claims[cl.id]++;
		store_claim_free(&cl);
		finish(s, cl.id, STORE_DONE, 0.5);
	}
	store_close(s);
	return NULL;
}

static void test_concurrency(void)
{
	static struct claimer claimers[2];
	pthread_t writers[WRITERS], workers[2];
	struct store *s = open_store();
	struct store_filter f = {.status = -1};
	struct store_row *rows;
	struct dl_error err;
	int64_t base;
	int n, total = 0, twice = 0, status, bad_status = 0;
	pid_t child;

	if (!s)
		return;
	base = add(s, "base", -1000, 0);
	finish(s, base, STORE_DONE, 0.5);    /* not for the claimers */
	child = fork();
	if (child == 0)
		_exit(enqueue_many("process") != NULL);
	for (int i = 0; i < 2; i++)
		pthread_create(&workers[i], NULL, claim_all, &claimers[i]);
	for (int i = 0; i < WRITERS; i++)
		pthread_create(&writers[i], NULL, enqueue_many, "thread");
	for (int i = 0; i < WRITERS; i++)
		pthread_join(writers[i], NULL);
	waitpid(child, &status, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(workers[i], NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "a second process enqueued its runs");
	for (int64_t id = base + 1; id <= base + 3 * PER_WRITER; id++) {
		int k = claimers[0].claims[id] + claimers[1].claims[id];

		total += k > 0;
		twice += k > 1;
	}
	ok(claimers[0].failures == 0 && claimers[1].failures == 0, "no claim failed");
	ok(total == 3 * PER_WRITER && twice == 0,
	   "%d runs from two threads and a process, each claimed exactly once (%d claimed, %d twice)",
	   3 * PER_WRITER, total, twice);
	store_list_runs(s, &f, &rows, &n, &err);
	for (int i = 0; i < n; i++)
		bad_status += rows[i].id > base && rows[i].status != STORE_DONE;
	ok(bad_status == 0, "all of them done");
	free(rows);
	store_close(s);
}

/* Each test in a store of its own, under a directory that does not exist
 * yet (store_open makes the parents). */
static void in_store(const char *name, void (*test)(void))
{
	snprintf(dir, sizeof dir, "/tmp/digitlab-store-test.%d/%s/store", (int)getpid(), name);
	test();
}

int main(void)
{
	in_store("files", test_files);
	in_store("newer", test_newer_schema);
	in_store("order", test_queue_order);
	in_store("requests", test_requests);
	in_store("history", test_history_and_artifacts);
	in_store("listing", test_listing);
	in_store("concurrency", test_concurrency);
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf /tmp/digitlab-store-test.%d", (int)getpid());
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove the test store\n");
	}
	return tap_done();
}
