/* The run store, one connection at a time: files and modes, the default
 * directory, schema versions and the migration to 2, the queue's order and
 * its requests, history, results, artifacts, weight images and summaries,
 * removal, tags and the run list (with the time it takes on 10,000 runs).
 * Many writers at once: test_store_concurrency.c. */

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"
#include "tap.h"

static char root[256];          /* everything this test writes is under it */

static struct store *open_in(const char *dir)
{
	struct store *s;
	struct dl_error err;

	if (store_open(&s, dir, &err) != DL_OK) {
		ok(0, "store_open %s: %s", dir, err.msg);
		return NULL;
	}
	return s;
}

/* A store of its own for each test, so that their runs do not mix. */
static struct store *fresh_store(const char *name)
{
	char dir[300];

	snprintf(dir, sizeof dir, "%s/%s", root, name);
	return open_in(dir);
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

/* The id of the run claimed, 0 for none, -1 on error. */
static int64_t claim_as(struct store *s, const char *worker, char *checkpoint, size_t size)
{
	struct store_claim c;
	struct dl_error err;
	int claimed;

	if (store_claim_run(s, worker, &c, &claimed, &err) != DL_OK) {
		ok(0, "store_claim_run: %s", err.msg);
		return -1;
	}
	if (checkpoint)
		snprintf(checkpoint, size, "%s", c.checkpoint);
	store_claim_free(&c);
	return claimed ? c.id : 0;
}

static int64_t claim(struct store *s)
{
	return claim_as(s, "w1", NULL, 0);
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

static int request(struct store *s, int64_t id, enum store_request req)
{
	struct dl_error err;
	int changed;

	if (store_request(s, id, req, &changed, &err) != DL_OK) {
		ok(0, "store_request: %s", err.msg);
		return -1;
	}
	return changed;
}

/* The run's row; status -1 when there is no such run. */
static struct store_run get(struct store *s, int64_t id)
{
	struct store_run r;
	struct dl_error err;
	int found;

	if (store_get_run(s, id, &r, &found, &err) != DL_OK || !found)
		r.row.status = (enum store_status)-1;
	return r;
}

static enum store_status status_of(struct store *s, int64_t id)
{
	struct store_run r = get(s, id);

	store_run_free(&r);
	return r.row.status;
}

/* One integer from SQL run on the file directly, behind the store's back. */
static long long sql_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return v;
}

/* SQL without results, or one text, run on the file directly. */
static void sql_run(const char *path, const char *sql, char *text, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	if (text)
		text[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW && text)
			snprintf(text, size, "%s", (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* ---- files, directories, schema ---- */

static void test_files(void)
{
	char dir[300], path[320];
	struct store *s;

	snprintf(dir, sizeof dir, "%s/files/a/b", root);
	snprintf(path, sizeof path, "%s/runs.db", dir);
	s = open_in(dir);
	if (!s)
		return;
	is_str(store_path(s), path, "the database is DIR/runs.db");
	ok(mode_of(dir) == 0700, "the directory is 0700 (%o)", mode_of(dir));
	snprintf(dir, sizeof dir, "%s/files/a", root);
	ok(mode_of(dir) == 0700, "and so is the parent it created");
	ok(mode_of(path) == 0600, "the database is 0600 (%o)", mode_of(path));
	ok(sql_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION,
	   "the schema is at version %d", STORE_SCHEMA_VERSION);
	add(s, "kept", 0, 0);
	store_close(s);
	snprintf(dir, sizeof dir, "%s/files/a/b", root);
	s = open_in(dir);
	ok(s && sql_int(path, "SELECT count(*) FROM runs") == 1 &&
	   sql_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION &&
	   sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'") == 1,
	   "opening again keeps the runs and the schema");
	store_close(s);

	/* someone loosened the modes: they are put back */
	chmod(dir, 0755);
	chmod(path, 0644);
	s = open_in(dir);
	ok(s && mode_of(dir) == 0700 && mode_of(path) == 0600,
	   "a 0755 directory and a 0644 database are made 0700 and 0600 again");
	store_close(s);
}

static void test_default_dir(void)
{
	char want[400];
	struct store *s;
	struct dl_error err;
	const char *home = getenv("HOME");
	char saved_home[300];

	snprintf(saved_home, sizeof saved_home, "%s", home ? home : "");
	snprintf(want, sizeof want, "%s/home/dl", root);
	setenv("DIGITLAB_HOME", want, 1);
	setenv("XDG_DATA_HOME", "/nonexistent-xdg", 1);
	ok(store_open(&s, NULL, &err) == DL_OK &&
	   !strcmp(store_path(s), strcat(want, "/runs.db")), "$DIGITLAB_HOME comes first");
	store_close(s);
	unsetenv("DIGITLAB_HOME");
	snprintf(want, sizeof want, "%s/xdg", root);
	setenv("XDG_DATA_HOME", want, 1);
	ok(store_open(&s, NULL, &err) == DL_OK &&
	   !strcmp(store_path(s), strcat(want, "/digitlab/runs.db")),
	   "then $XDG_DATA_HOME/digitlab");
	store_close(s);
	unsetenv("XDG_DATA_HOME");
	snprintf(want, sizeof want, "%s/home", root);
	setenv("HOME", want, 1);
	ok(store_open(&s, NULL, &err) == DL_OK &&
	   !strcmp(store_path(s), strcat(want, "/.local/share/digitlab/runs.db")),
	   "then ~/.local/share/digitlab");
	store_close(s);
	setenv("HOME", saved_home, 1);
}

/* The whole file, malloc'd, for comparing byte for byte. */
static unsigned char *slurp(const char *path, long *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;

	*size = -1;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (*size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)*size + 1)) && fread(buf, 1, (size_t)*size, f) != (size_t)*size) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* A database from a digitlab of the future (schema 99), made behind the
 * store's back; wal says whether it is in WAL mode. */
static int make_future_db(const char *dir, int wal)
{
	char path[400];
	sqlite3 *db;
	int rc;

	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/runs.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, wal ? "PRAGMA journal_mode = WAL" : "PRAGMA journal_mode = DELETE",
			  NULL, NULL, NULL);
	rc |= sqlite3_exec(db, "CREATE TABLE runs (id INTEGER PRIMARY KEY, future TEXT);"
			   "INSERT INTO runs VALUES (1, 'from the future');"
			   "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	chmod(path, 0600);
	return rc == SQLITE_OK ? 0 : -1;
}

static void test_newer_schema(int wal)
{
	char dir[300], path[320], want[700];
	unsigned char *before, *after;
	long nb, na;
	struct store *s = NULL;
	struct dl_error err;
	const char *kind = wal ? "WAL" : "rollback-journal";

	snprintf(dir, sizeof dir, "%s/future-%d", root, wal);
	snprintf(path, sizeof path, "%s/runs.db", dir);
	if (make_future_db(dir, wal) != 0) {
		ok(0, "cannot make a future database");
		return;
	}
	before = slurp(path, &nb);
	ok(store_open(&s, dir, &err) == DL_ERR && s == NULL, "a newer %s schema is refused", kind);
	snprintf(want, sizeof want, "%s: the store is of schema version 99, newer than this "
		 "digitlab knows (%d); it was left untouched", path, STORE_SCHEMA_VERSION);
	is_str(err.msg, want, "with the message saying why");
	after = slurp(path, &na);
	ok(before && after && nb == na && nb > 0 && !memcmp(before, after, (size_t)nb),
	   "and the %s file is left byte for byte (%ld bytes)", kind, nb);
	free(before);
	free(after);
}

/* ---- the queue ---- */

static void test_queue_order(void)
{
	struct store *s = fresh_store("order");
	struct dl_error err;
	int64_t a, b, c, d, e, id;
	int paused;

	if (!s)
		return;
	ok(claim(s) == 0, "an empty queue gives nothing");
	a = add(s, "a", 0, 0);
	b = add(s, "b", 5, 0);
	c = add(s, "c", 5, 0);
	d = add(s, "d", 9, a);          /* waits for a */
	ok(a > 0 && b == a + 1 && c == a + 2 && d == a + 3, "ids count up");
	ok(claim(s) == b, "the highest priority first");
	ok(claim(s) == c, "then the lower id among equals");
	ok(claim(s) == a, "a run waiting for another is passed over, however high its priority");
	ok(claim(s) == 0, "nothing more while d waits for a");
	finish(s, a, STORE_FAILED, NAN);
	ok(claim(s) == 0, "a failed run does not release the run waiting for it");
	request(s, a, STORE_REQUEST_RETRY);
	ok(claim(s) == a, "retried, it is claimed again");
	finish(s, a, STORE_DONE, 0.9);
	ok(claim(s) == d, "d runs once a is done");

	e = add(s, "e", 0, 0);
	ok(store_pause_queue(s, &err) == DL_OK && store_queue_paused(s, &paused, &err) == DL_OK &&
	   paused && claim(s) == 0, "a paused queue gives nothing");
	ok(store_resume_queue(s, &err) == DL_OK && store_queue_paused(s, &paused, &err) == DL_OK &&
	   !paused && claim(s) == e, "resumed, it does");

	/* priorities can change while queued */
	a = add(s, "low", 1, 0);
	b = add(s, "high", 2, 0);
	ok(store_set_priority(s, a, 3, &err) == DL_OK && claim(s) == a,
	   "a raised priority moves a run ahead");
	ok(claim(s) == b, "and the other follows");

	/* a dependency that does not exist is refused */
	{
		struct store_new_run r = {.name = "orphan", .yaml = "x", .after = 999999};

		ok(store_add_run(s, &r, &id, &err) == DL_ERR, "waiting for a run that does not "
		   "exist is refused");
		is_str(err.msg, "cannot queue 'orphan': it is to wait for run 999999, which does "
		       "not exist", "with a message");
	}
	/* removing the run waited for frees the waiting run */
	a = add(s, "first", 0, 0);
	b = add(s, "second", 0, a);
	request(s, a, STORE_REQUEST_PAUSE);
	ok(claim(s) == 0, "a run waiting for a paused run waits");
	ok(store_rm_run(s, a, &err) == DL_OK && claim(s) == b,
	   "once the run it waited for is removed, it starts");
	store_close(s);
}

/* claim_within: the run claimed for a pool of `cores` with `free_cores`
 * unused, 0 for none */
static int64_t claim_within(struct store *s, int cores, int free_cores)
{
	struct store_claim c;
	struct dl_error err;
	int claimed;

	if (store_claim_run_within(s, "w1", cores, free_cores, &c, &claimed, &err) != DL_OK) {
		ok(0, "store_claim_run_within: %s", err.msg);
		return -1;
	}
	store_claim_free(&c);
	return claimed ? c.id : 0;
}

/* A run that waits for cores keeps its place: the small runs queued behind
 * it must not take the cores it waits for, one after another. */
static void test_core_budget(void)
{
	struct store *s = fresh_store("budget");
	struct store_new_run big = {.name = "big", .yaml = "name: x\n", .threads = 2};
	struct store_new_run huge = {.name = "huge", .yaml = "name: x\n", .threads = 64};
	struct dl_error err;
	int64_t a, b, c, d, h;

	if (!s)
		return;
	a = add(s, "small", 0, 0);
	ok(store_add_run(s, &big, &b, &err) == DL_OK, "a two-thread run is queued");
	c = add(s, "small", 0, 0);
	ok(claim_within(s, 2, 2) == a, "the first run takes one of two cores");
	ok(claim_within(s, 2, 1) == 0, "the two-thread run does not fit in the other");
	ok(claim_within(s, 2, 1) == 0, "and the one-thread run behind it does not pass it");
	ok(claim_within(s, 2, 2) == b, "once both cores are free, it starts");
	ok(claim_within(s, 2, 0) == 0, "with no core free, nothing starts");
	d = add(s, "urgent", 5, 0);
	ok(claim_within(s, 4, 2) == d, "with cores to spare, priority decides");
	ok(claim_within(s, 4, 1) == c, "then the small run queued behind the big one");
	ok(store_add_run(s, &huge, &h, &err) == DL_OK && claim_within(s, 4, 3) == 0,
	   "a run asking for more threads than cores waits for all of them");
	ok(claim_within(s, 4, 4) == h, "and then starts");
	store_close(s);
}

static void test_add_runs(void)
{
	struct store *s = fresh_store("sweep");
	struct store_new_run runs[3];
	struct store_filter f = {.status = -1};
	struct store_row *rows;
	struct dl_error err;
	int64_t sweep, ids[3];
	int n;

	if (!s)
		return;
	ok(store_add_sweep(s, "grid", &sweep, &err) == DL_OK && sweep > 0, "a sweep id");
	for (int i = 0; i < 3; i++)
		runs[i] = (struct store_new_run){.name = "pt", .yaml = "y", .sweep_id = sweep,
						 .sweep_point = i < 2 ? "units=5" : "units=10",
						 .repeat = i < 2 ? i : 0};
	ok(store_add_runs(s, runs, 3, ids, &err) == DL_OK && ids[1] == ids[0] + 1 &&
	   ids[2] == ids[0] + 2, "a sweep's runs are queued together");
	add(s, "not in the sweep", 0, 0);
	f.sweep_id = sweep;
	store_list_runs(s, &f, &rows, &n, &err);
	ok(n == 3 && rows[1].sweep_id == sweep && !strcmp(rows[1].sweep_point, "units=5") &&
	   rows[1].repeat == 1 && rows[2].repeat == 0, "listed by sweep, with point and repeat");
	free(rows);
	runs[2].after = 424242;
	ok(store_add_runs(s, runs, 3, ids, &err) == DL_ERR, "one bad run in a batch fails it");
	f.sweep_id = 0;
	store_list_runs(s, &f, &rows, &n, &err);
	ok(n == 4, "and none of the batch is queued");
	free(rows);
	store_close(s);
}

/* ---- a run's life ---- */

static void test_progress_and_finish(void)
{
	struct store *s = fresh_store("finish");
	struct store_epoch ep = {1, 0.5, 0.8, 0.6, 0.75, 0.01, 2.0, NULL};
	struct store_result r = {.status = STORE_DONE, .epochs = 1, .loss = 0.5, .accuracy = 0.8,
				 .val_loss = 0.6, .val_accuracy = 0.75, .test_loss = 0.55,
				 .test_accuracy = 0.77, .seconds = 12.5, .message = "early stop"};
	struct store_run run;
	struct dl_error err;
	int64_t id;

	if (!s)
		return;
	id = add(s, "fin", 0, 0);
	claim(s);
	run = get(s, id);
	ok(run.row.status == STORE_RUNNING && !strcmp(run.row.worker, "w1") &&
	   run.row.started > 1e9 && run.row.heartbeat >= run.row.started && run.row.finished == 0,
	   "a claimed run is running, with its worker, start and heartbeat");
	store_run_free(&run);
	ok(store_set_params(s, id, 12345, &err) == DL_OK &&
	   store_set_progress(s, id, 1, 30, 100, 2500.0, 42.0, &err) == DL_OK,
	   "progress is written");
	run = get(s, id);
	ok(run.row.params == 12345 && run.row.epoch == 1 && run.row.batch == 30 &&
	   run.row.batches == 100 && run.row.samples_per_s == 2500.0 && run.row.eta_s == 42.0 &&
	   run.row.progress_at >= run.row.started, "and read back, with its time");
	store_run_free(&run);
	store_add_epoch(s, id, &ep, &err);
	ok(store_finish_run(s, id, &r, &err) == DL_OK, "the run finishes");
	run = get(s, id);
	ok(run.row.status == STORE_DONE && run.row.epochs == 1 && run.row.test_accuracy == 0.77 &&
	   run.row.test_loss == 0.55 && run.row.accuracy == 0.8 && run.row.val_accuracy == 0.75 &&
	   run.row.seconds == 12.5 && run.row.finished >= run.row.started && run.message &&
	   !strcmp(run.message, "early stop"), "with its final metrics and message");
	store_run_free(&run);

	/* a failure reported with no metrics does not erase the history's */
	id = add(s, "fails", 0, 0);
	claim(s);
	ep.epoch = 2;
	store_add_epoch(s, id, &ep, &err);
	r = (struct store_result){.status = STORE_FAILED, .loss = NAN, .accuracy = NAN,
				  .val_loss = NAN, .val_accuracy = NAN, .test_loss = NAN,
				  .test_accuracy = NAN, .seconds = NAN, .message = "disk full"};
	store_finish_run(s, id, &r, &err);
	run = get(s, id);
	ok(run.row.status == STORE_FAILED && run.row.epochs == 2 && run.row.loss == 0.5 &&
	   isnan(run.row.test_accuracy) && !strcmp(run.message, "disk full"),
	   "a failure keeps the epochs and metrics the history recorded");
	store_run_free(&run);
	ok(store_finish_run(s, 777777, &r, &err) == DL_ERR && !strcmp(err.msg, "no run 777777"),
	   "finishing a run that does not exist is an error");
	store_close(s);
}

static void test_history(void)
{
	struct store *s = fresh_store("history");
	struct store_epoch *h;
	struct store_run run;
	struct dl_error err;
	int64_t id;
	int n;

	if (!s)
		return;
	id = add(s, "hist", 0, 0);
	for (int e = 1; e <= 3; e++) {
		struct store_epoch ep = {e, 1.0 / e, 0.5 + 0.1 * e, NAN, 0.6 + 0.1 * e, 0.001,
					 2.0, e == 2 ? "lr 0.001 -> 0.0002" : NULL};

		store_add_epoch(s, id, &ep, &err);
	}
	{
		/* resumed after epoch 2: epoch 3 again, worse than before */
		struct store_epoch again = {3, 0.2, 0.95, NAN, 0.75, 0.0002, 2.5, ""};

		ok(store_add_epoch(s, id, &again, &err) == DL_OK, "an epoch recorded again");
	}
	ok(store_get_history(s, id, &h, &n, &err) == DL_OK && n == 3, "three epochs, not four");
	ok(n == 3 && h[2].loss == 0.2 && h[2].accuracy == 0.95 && h[2].lr == 0.0002 &&
	   h[2].seconds == 2.5 && !h[2].events, "the third was replaced");
	ok(n == 3 && isnan(h[0].val_loss) && fabs(h[0].val_accuracy - 0.7) < 1e-12 && h[1].epoch == 2 &&
	   h[1].events && !strcmp(h[1].events, "lr 0.001 -> 0.0002") && !h[0].events,
	   "NaN reads back as NaN, events are kept");
	store_epochs_free(h, n);
	run = get(s, id);
	ok(run.row.epochs == 3 && fabs(run.row.best_val_accuracy - 0.8) < 1e-12 &&
	   fabs(run.row.val_accuracy - 0.75) < 1e-12 && run.row.loss == 0.2,
	   "the run shows its last epoch and its best validation accuracy");
	store_run_free(&run);
	{
		struct store_epoch ep = {1, 1, 1, 1, 1, 1, 1, NULL};

		ok(store_add_epoch(s, 555555, &ep, &err) == DL_ERR &&
		   !strcmp(err.msg, "no run 555555"), "an epoch of no run is refused");
	}
	{
		/* a batch of epochs: one transaction, the summary from the last */
		struct store_epoch batch[3] = {
			{4, 0.15, 0.96, NAN, 0.9, 0.0002, 1.0, NULL},
			{5, 0.12, 0.97, NAN, 0.85, 0.0002, 1.0, "early stop"},
			{6, 0.11, 0.98, NAN, 0.84, 0.0002, 1.0, NULL},
		};
		char db[400];
		sqlite3 *raw;

		snprintf(db, sizeof db, "%s/history/runs.db", root);
		sqlite3_open(db, &raw);
		sqlite3_exec(raw, "CREATE TRIGGER no_six BEFORE INSERT ON epochs WHEN NEW.epoch = 6 "
			     "BEGIN SELECT RAISE(ABORT, 'disk full'); END", NULL, NULL, NULL);
		ok(store_add_epochs(s, id, batch, 3, &err) == DL_ERR &&
		   store_get_history(s, id, &h, &n, &err) == DL_OK && n == 3,
		   "a batch whose last epoch cannot be written leaves none of it");
		store_epochs_free(h, n);
		sqlite3_exec(raw, "DROP TRIGGER no_six", NULL, NULL, NULL);
		sqlite3_close(raw);
		ok(store_add_epochs(s, id, batch, 3, &err) == DL_OK &&
		   store_get_history(s, id, &h, &n, &err) == DL_OK && n == 6 && h[4].events &&
		   !strcmp(h[4].events, "early stop"), "a batch of three epochs is recorded whole");
		store_epochs_free(h, n);
		run = get(s, id);
		ok(run.row.epochs == 6 && run.row.loss == 0.11 &&
		   fabs(run.row.best_val_accuracy - 0.9) < 1e-12,
		   "the run shows the batch's last epoch and the best of all");
		store_run_free(&run);
		ok(store_add_epochs(s, id, batch, 0, &err) == DL_OK, "an empty batch is nothing");
	}
	store_close(s);
}

/* What migration 5 -> 6 added, taken away again: a store of schema 5. */
#define UNDO_SCHEMA_6 "DROP TABLE sample_sets; DROP TABLE answers; DROP TABLE digits;"

/* What migration 6 -> 7 added, taken away again: a store of schema 6. */
#define UNDO_SCHEMA_7 "DROP TABLE jobs;"

/* What migration 7 -> 8 added, taken away again: a store of schema 7. */
#define UNDO_SCHEMA_8 "ALTER TABLE runs DROP COLUMN peak_rss;"

/* What migration 4 -> 5 added, taken away again: a store of schema 4. */
#define UNDO_SCHEMA_5 \
	"PRAGMA writable_schema = ON;" \
	"UPDATE sqlite_schema SET sql = replace(sql, ', ''pruned'')', ')') WHERE name = 'runs';" \
	"PRAGMA writable_schema = OFF;" \
	"ALTER TABLE runs DROP COLUMN sweep_values;" \
	"ALTER TABLE sweeps DROP COLUMN objective; ALTER TABLE sweeps DROP COLUMN maximize;" \
	"ALTER TABLE sweeps DROP COLUMN constraint_metric;" \
	"ALTER TABLE sweeps DROP COLUMN constraint_at_least;" \
	"ALTER TABLE sweeps DROP COLUMN constraint_value; ALTER TABLE sweeps DROP COLUMN search;" \
	"ALTER TABLE sweeps DROP COLUMN planned_points; ALTER TABLE sweeps DROP COLUMN prune;" \
	"ALTER TABLE sweeps DROP COLUMN prune_min_epochs;" \
	"ALTER TABLE sweeps DROP COLUMN prune_factor;" \
	"ALTER TABLE sweeps DROP COLUMN prune_min_runs; ALTER TABLE sweeps DROP COLUMN stopped;" \
	"ALTER TABLE sweeps DROP COLUMN source; ALTER TABLE sweeps DROP COLUMN source_path;" \
	"ALTER TABLE sweeps DROP COLUMN source_sets;"

/* A store in ROOT/name holding one queued run, "old" (its id in *old),
 * then taken back to an older schema by the SQL in undo, through a
 * connection of its own, still open in *raw for the caller's checks. dir
 * and db receive the store's directory and database. 0 when the store
 * could not be made; the result of undo is in *undo_rc. */
static int downgraded_store(const char *name, const char *undo, char dir[300], char db[400],
			    int64_t *old, sqlite3 **raw, int *undo_rc)
{
	struct store *s;

	snprintf(dir, 300, "%s/%s", root, name);
	snprintf(db, 400, "%s/runs.db", dir);
	if (!(s = open_in(dir)))
		return 0;
	*old = add(s, "old", 0, 0);
	store_close(s);
	sqlite3_open(db, raw);
	*undo_rc = sqlite3_exec(*raw, undo, NULL, NULL, NULL);
	return 1;
}

/* A store of schema version 3 (before planned_epochs) is brought up to
 * date with its runs, which learn their planned epochs when they start. */
static void test_migration(void)
{
	struct store_new_run r = {.name = "planned", .yaml = "y", .planned_epochs = 30};
	char dir[300], db[400];
	struct store_run run;
	struct dl_error err;
	struct store *s;
	sqlite3 *raw;
	int64_t old, id;
	int rc;

	if (!downgraded_store("migration", UNDO_SCHEMA_8 UNDO_SCHEMA_7 UNDO_SCHEMA_6 UNDO_SCHEMA_5
			      "ALTER TABLE runs DROP COLUMN planned_epochs; PRAGMA user_version = 3",
			      dir, db, &old, &raw, &rc))
		return;
	ok(rc == SQLITE_OK, "a store made version 3 again");
	sqlite3_close(raw);
	if (!(s = open_in(dir)))
		return;
	ok(sql_int(db, "PRAGMA user_version") == STORE_SCHEMA_VERSION,
	   "opening it migrates it to version %d", STORE_SCHEMA_VERSION);
	run = get(s, old);
	ok(run.row.id == old && run.row.planned_epochs == 0, "its run is kept, planned epochs unknown");
	store_run_free(&run);
	ok(store_set_planned_epochs(s, old, 12, &err) == DL_OK, "it says its planned epochs");
	run = get(s, old);
	ok(run.row.planned_epochs == 12, "when it starts");
	store_run_free(&run);
	store_add_run(s, &r, &id, &err);
	run = get(s, id);
	ok(run.row.planned_epochs == 30, "a run queued now has them from the start");
	store_run_free(&run);
	store_close(s);
}

/* A store of schema 4 learns the status pruned, and its sweeps read as
 * grids that maximise val_accuracy with the runs they have. */
static void test_migration_5(void)
{
	struct store_result end = {.status = STORE_PRUNED, .epochs = 2, .loss = NAN,
				   .accuracy = NAN, .val_loss = NAN, .val_accuracy = NAN,
				   .test_loss = NAN, .test_accuracy = NAN, .seconds = 1};
	struct store_new_run r = {.name = "pt", .yaml = "y"};
	char dir[300], db[400];
	struct store_sweep sw;
	struct store_run run;
	struct store_claim claim;
	struct dl_error err;
	struct store *s;
	sqlite3 *raw;
	int64_t sweep, id;
	int claimed;

	snprintf(dir, sizeof dir, "%s/migration-5", root);
	snprintf(db, sizeof db, "%s/runs.db", dir);
	if (!(s = open_in(dir)))
		return;
	store_add_sweep(s, "old", &sweep, &err);
	r.sweep_id = sweep;
	store_add_run(s, &r, &id, &err);
	store_add_run(s, &r, &id, &err);
	store_close(s);
	sqlite3_open(db, &raw);
	ok(sqlite3_exec(raw, UNDO_SCHEMA_8 UNDO_SCHEMA_7 UNDO_SCHEMA_6 UNDO_SCHEMA_5 "PRAGMA user_version = 4", NULL, NULL, NULL) ==
	   SQLITE_OK, "a store made version 4 again");
	ok(sqlite3_exec(raw, "UPDATE runs SET status = 'pruned'", NULL, NULL, NULL) ==
	   SQLITE_CONSTRAINT, "which refuses the status pruned");
	sqlite3_close(raw);
	if (!(s = open_in(dir)))
		return;
	ok(sql_int(db, "PRAGMA user_version") == STORE_SCHEMA_VERSION,
	   "opening it migrates it to version %d", STORE_SCHEMA_VERSION);
	ok(store_get_sweep(s, sweep, &sw, &err) == DL_OK && !strcmp(sw.name, "old") &&
	   !strcmp(sw.objective, "val_accuracy") && sw.maximize && !sw.constraint_metric[0] &&
	   !strcmp(sw.search, "grid") && sw.planned_points == 2,
	   "its sweep: a grid of the runs it has, maximising val_accuracy");
	if (store_claim_run(s, "w", &claim, &claimed, &err) == DL_OK)
		store_claim_free(&claim);
	ok(store_finish_run(s, 1, &end, &err) == DL_OK, "a run can end pruned (%s)", err.msg);
	run = get(s, 1);
	ok(run.row.status == STORE_PRUNED && run.row.epochs == 2, "and reads back pruned");
	store_run_free(&run);
	ok(sql_int(db, "SELECT count(*) FROM runs WHERE status = 'bogus'") == 0 &&
	   sqlite3_open(db, &raw) == SQLITE_OK &&
	   sqlite3_exec(raw, "UPDATE runs SET status = 'bogus'", NULL, NULL, NULL) ==
	   SQLITE_CONSTRAINT, "other statuses are still refused");
	ok(sqlite3_exec(raw, "PRAGMA foreign_keys = ON; UPDATE runs SET status = 'pruned' "
			"WHERE id = 2", NULL, NULL, NULL) == SQLITE_OK, "a new connection takes pruned too");
	sqlite3_close(raw);
	ok(store_get_sweep(s, 99, &sw, &err) == DL_ERR && !strcmp(err.msg, "no sweep 99"),
	   "a sweep that does not exist: %s", err.msg);
	store_close(s);
}

/* A store of schema 7 keeps its runs, whose peak memory is not known, and
 * learns the peak of the runs that end from then on: the largest of those
 * reported when a run ends more than once (resumed in another process). */
static void test_migration_8(void)
{
	struct store_result end = {.status = STORE_INTERRUPTED, .epochs = 1, .loss = NAN,
				   .accuracy = NAN, .val_loss = NAN, .val_accuracy = NAN,
				   .test_loss = NAN, .test_accuracy = NAN, .seconds = 1};
	char dir[300], db[400];
	struct store_run run;
	struct dl_error err;
	struct store *s;
	sqlite3 *raw;
	int64_t old, id;
	int rc;

	if (!downgraded_store("migration-8", UNDO_SCHEMA_8 "PRAGMA user_version = 7", dir, db,
			      &old, &raw, &rc))
		return;
	ok(rc == SQLITE_OK, "a store made version 7 again");
	ok(sqlite3_exec(raw, "SELECT peak_rss FROM runs", NULL, NULL, NULL) == SQLITE_ERROR,
	   "which has no peak memory");
	sqlite3_close(raw);
	if (!(s = open_in(dir)))
		return;
	ok(sql_int(db, "PRAGMA user_version") == STORE_SCHEMA_VERSION,
	   "opening it migrates it to version %d", STORE_SCHEMA_VERSION);
	ok(sql_int(db, "SELECT count(*) FROM runs WHERE peak_rss IS NULL") == 1,
	   "its run's peak memory is not known");
	run = get(s, old);
	ok(run.row.id == old && run.row.peak_rss == 0, "and reads back as 0");
	store_run_free(&run);
	id = add(s, "new", 0, 0);
	ok(claim(s) == old && claim(s) == id, "both runs are claimed");
	end.peak_rss = 300 << 20;
	ok(store_finish_run(s, id, &end, &err) == DL_OK, "a run ends interrupted at 300 MiB");
	run = get(s, id);
	ok(run.row.peak_rss == 300 << 20, "its peak is kept");
	store_run_free(&run);
	ok(claim(s) == id, "the interrupted run is claimed again");
	end.status = STORE_DONE;
	end.peak_rss = 100 << 20;
	ok(store_finish_run(s, id, &end, &err) == DL_OK, "resumed, it ends done at 100 MiB");
	run = get(s, id);
	ok(run.row.status == STORE_DONE && run.row.peak_rss == 300 << 20,
	   "the larger peak stays");
	store_run_free(&run);
	end.peak_rss = 0;
	ok(store_finish_run(s, old, &end, &err) == DL_OK, "a run ends with its peak not known");
	run = get(s, old);
	ok(run.row.peak_rss == 0 && sql_int(db, "SELECT count(*) FROM runs WHERE peak_rss IS NULL") == 1,
	   "and it stays unknown");
	store_run_free(&run);
	store_close(s);
}

/* A sweep keeps what it is for. */
static void test_sweep_row(void)
{
	struct store *s = fresh_store("sweep-row");
	struct store_sweep in = {.maximize = 0, .constraint_at_least = 1, .constraint_value = 0.97,
				 .planned_points = 27, .prune_min_epochs = 2, .prune_factor = 3,
				 .prune_min_runs = 4}, out;
	struct dl_error err;
	int64_t id;

	if (!s)
		return;
	snprintf(in.name, sizeof in.name, "fewest");
	snprintf(in.objective, sizeof in.objective, "params");
	snprintf(in.constraint_metric, sizeof in.constraint_metric, "test_accuracy");
	snprintf(in.search, sizeof in.search, "tpe");
	snprintf(in.prune, sizeof in.prune, "asha");
	ok(store_create_sweep(s, &in, &id, &err) == DL_OK && id > 0, "a sweep with an objective");
	ok(store_get_sweep(s, id, &out, &err) == DL_OK && out.id == id &&
	   !strcmp(out.name, "fewest") && !strcmp(out.objective, "params") && !out.maximize &&
	   !strcmp(out.constraint_metric, "test_accuracy") && out.constraint_at_least &&
	   out.constraint_value == 0.97 && !strcmp(out.search, "tpe") &&
	   out.planned_points == 27 && !strcmp(out.prune, "asha") && out.prune_min_epochs == 2 &&
	   out.prune_factor == 3 && out.prune_min_runs == 4 && !out.stopped && out.created > 0,
	   "reads back as it was made");
	store_close(s);
}

static void test_artifacts(void)
{
	struct store *s = fresh_store("artifacts");
	int counts[9] = {5, 1, 0, 2, 6, 0, 0, 0, 0}, conf[STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	float pix[6] = {0, 0.5f, 1, 0.25f, 0.75f, -1.5f}, sal[6] = {1e-7f, 2, 3, 4, 5, 6};
	struct store_sample *m;
	struct dl_error err;
	double cls[3];
	int64_t id;
	int n, found, h, w;
	void *data;
	size_t bytes;

	if (!s)
		return;
	id = add(s, "art", 0, 0);
	ok(store_set_confusion(s, id, "test", 3, counts, &err) == DL_OK &&
	   store_get_confusion(s, id, "test", &n, conf, &found, &err) == DL_OK && found &&
	   n == 3 && !memcmp(conf, counts, sizeof counts), "a confusion matrix round-trips");
	ok(sql_int(store_path(s), "SELECT length(counts) FROM confusion") == 36 &&
	   sql_int(store_path(s), "SELECT n_classes FROM confusion") == 3,
	   "stored as 3x3 int32 with its class count");
	counts[0] = 7;
	store_set_confusion(s, id, "test", 3, counts, &err);
	store_get_confusion(s, id, "test", &n, conf, &found, &err);
	ok(conf[0] == 7, "storing it again replaces it");
	ok(store_get_confusion(s, id, "val", &n, conf, &found, &err) == DL_OK && !found && n == 0,
	   "no validation matrix was stored");
	ok(store_set_confusion(s, id, "test", STORE_MAX_CLASSES + 1, counts, &err) == DL_ERR,
	   "more than %d classes is refused", STORE_MAX_CLASSES);
	store_class_error(3, counts, cls);
	ok(fabs(cls[0] - 1.0 / 8) < 1e-12 && fabs(cls[1] - 2.0 / 8) < 1e-12 && isnan(cls[2]),
	   "per-class error from the matrix (NaN for a class without samples)");

	for (int i = 0; i < 4; i++) {
		struct store_sample one = {.index = 10 - i, .truth = i == 1 ? 9 : 1,
					   .predicted = 7, .confidence = 0.5 + 0.1 * i, .h = 2,
					   .w = 3, .pixels = pix, .saliency = i == 0 ? sal : NULL};

		if (store_add_misclassified(s, id, "test", &one, &err) != DL_OK)
			ok(0, "store_add_misclassified: %s", err.msg);
	}
	ok(store_get_misclassified(s, id, "test", 0, &m, &n, &err) == DL_OK && n == 4,
	   "four misclassified samples");
	{
		int kept, total;

		/* the matrix says 1 + 2 wrong; four were stored, whatever it says */
		ok(store_count_misclassified(s, id, "test", &kept, &total, &err) == DL_OK &&
		   kept == 4 && total == 3, "kept and total misclassified counted (%d of %d)",
		   kept, total);
		ok(store_count_misclassified(s, id, "val", &kept, &total, &err) == DL_OK &&
		   kept == 0 && total == 0, "none of a split without a matrix");
	}
	ok(n == 4 && m[0].truth == 1 && m[0].index == 7 && m[1].index == 8 && m[2].index == 10 &&
	   m[3].truth == 9 && m[3].index == 9, "in order of true class, then index");
	ok(n == 4 && m[2].h == 2 && m[2].w == 3 && !memcmp(m[2].pixels, pix, sizeof pix) &&
	   m[2].saliency && !memcmp(m[2].saliency, sal, sizeof sal) && !m[0].saliency &&
	   fabs(m[2].confidence - 0.5) < 1e-12 && m[2].predicted == 7,
	   "pixels and saliency come back exactly");
	store_samples_free(m, n);
	ok(store_get_misclassified(s, id, "test", 2, &m, &n, &err) == DL_OK && n == 2,
	   "a limit is kept");
	store_samples_free(m, n);
	ok(store_get_misclassified(s, id, "val", 0, &m, &n, &err) == DL_OK && n == 0 && !m,
	   "another split has none");

	ok(store_set_artifact(s, id, "weights/0", 2, 3, pix, sizeof pix, &err) == DL_OK &&
	   store_get_artifact(s, id, "weights/0", &h, &w, &data, &bytes, &found, &err) == DL_OK &&
	   found && h == 2 && w == 3 && bytes == sizeof pix && !memcmp(data, pix, bytes),
	   "a named blob round-trips");
	free(data);
	store_set_artifact(s, id, "weights/0", 1, 2, sal, 8, &err);
	store_get_artifact(s, id, "weights/0", &h, &w, &data, &bytes, &found, &err);
	ok(found && h == 1 && w == 2 && bytes == 8 && !memcmp(data, sal, 8),
	   "storing the same name replaces it");
	free(data);
	ok(store_get_artifact(s, id, "nothing", &h, &w, &data, &bytes, &found, &err) == DL_OK &&
	   !found && !data, "an unknown name is not found");
	ok(store_set_artifact(s, 999999, "x", 1, 1, pix, 4, &err) == DL_ERR &&
	   !strcmp(err.msg, "no run 999999"), "a blob of no run is refused");
	store_close(s);
}

/* ---- what the dashboard shows of a model ---- */

static void test_weights(void)
{
	struct store *s = fresh_store("weights");
	float pix[12] = {0, 0.5f, 1, 0.25f, 0.75f, 0.125f, 1e-7f, 0.3f, 0.6f, 0.9f, 0.01f, 0.99f};
	struct store_weights in = {.layer = 2, .epoch = 3, .n = 2, .h = 2, .w = 3,
				   .unit_name = "filter", .pixels = pix}, out;
	struct dl_error err;
	int64_t id, other;
	int found;

	if (!s)
		return;
	id = add(s, "weights", 0, 0);
	other = add(s, "none", 0, 0);
	ok(store_get_weights(s, id, &out, &found, &err) == DL_OK && !found && !out.pixels &&
	   out.n == 0 && !out.unit_name[0], "a run without weight images has none");
	ok(store_put_weights(s, id, &in, &err) == DL_OK &&
	   store_get_weights(s, id, &out, &found, &err) == DL_OK && found,
	   "weight images are stored and read back");
	ok(out.layer == 2 && out.epoch == 3 && out.n == 2 && out.h == 2 && out.w == 3 &&
	   !strcmp(out.unit_name, "filter") && !memcmp(out.pixels, pix, sizeof pix),
	   "with their layer, epoch, size, unit name and exact pixels");
	store_weights_free(&out);
	ok(!out.pixels && out.n == 0, "freeing empties them");
	store_weights_free(&out);
	store_weights_free(NULL);
	ok(sql_int(store_path(s), "SELECT length(pixels) FROM weights") == 48 &&
	   sql_int(store_path(s), "SELECT hex(substr(pixels, 5, 4)) = '0000003F' FROM weights") == 1,
	   "as 12 little-endian float32 (0.5 is 00 00 00 3f)");

	in = (struct store_weights){.layer = 0, .epoch = 4, .n = 1, .h = 1, .w = 3,
				    .unit_name = "unit", .pixels = pix + 9};
	store_put_weights(s, id, &in, &err);
	store_get_weights(s, id, &out, &found, &err);
	ok(found && out.epoch == 4 && out.n == 1 && out.w == 3 && !strcmp(out.unit_name, "unit") &&
	   out.pixels[2] == 0.99f && sql_int(store_path(s), "SELECT count(*) FROM weights") == 1,
	   "the next epoch's replace them: one row per run");
	store_weights_free(&out);
	ok(store_get_weights(s, other, &out, &found, &err) == DL_OK && !found,
	   "another run's are its own");

	ok(store_put_weights(s, 424242, &in, &err) == DL_ERR && !strcmp(err.msg, "no run 424242"),
	   "weight images of no run are refused");
	in.h = 0;
	ok(store_put_weights(s, id, &in, &err) == DL_ERR &&
	   !strcmp(err.msg, "1 weight images of 0x3 pixels (at most 4096x4096 each, "
		   "67108864 pixels in all)"), "images of no pixels are refused (%s)", err.msg);
	in.h = 1;
	in.pixels = NULL;
	ok(store_put_weights(s, id, &in, &err) == DL_ERR &&
	   !strcmp(err.msg, "weight images without pixels"), "and so are missing pixels");

	/* a row this code did not write: 2 images declared, 1 pixel's bytes */
	{
		sqlite3 *db;
		char want[600];

		if (sqlite3_open(store_path(s), &db) != SQLITE_OK ||
		    sqlite3_exec(db, "UPDATE weights SET n = 2", NULL, NULL, NULL) != SQLITE_OK)
			ok(0, "cannot damage the row");
		sqlite3_close(db);
		snprintf(want, sizeof want, "%s: run %lld: its weight images are damaged",
			 store_path(s), (long long)id);
		ok(store_get_weights(s, id, &out, &found, &err) == DL_ERR && !found && !out.pixels,
		   "a damaged row is refused");
		is_str(err.msg, want, "naming the file and the run");
	}
	store_close(s);
}

static void test_summary(void)
{
	struct store *s = fresh_store("summary");
	const char *table = "Model: \"mlp\"\nLayer (type)  Output Shape  Param #\n";
	struct store_new_run r = {.name = "queued", .yaml = "name: queued\n", .threads = 1,
				  .summary = "Model: \"queued\"\n"};
	struct dl_error err;
	char *text;
	int64_t id, queued;
	int found;

	if (!s)
		return;
	id = add(s, "summary", 0, 0);
	ok(store_get_summary(s, id, &text, &found, &err) == DL_OK && !found && !text,
	   "a run without a summary has none");
	ok(store_put_summary(s, id, table, &err) == DL_OK &&
	   store_get_summary(s, id, &text, &found, &err) == DL_OK && found && text &&
	   !strcmp(text, table), "a summary round-trips");
	free(text);
	store_put_summary(s, id, "Model: \"again\"\n", &err);
	store_get_summary(s, id, &text, &found, &err);
	ok(found && text && !strcmp(text, "Model: \"again\"\n"), "storing again replaces it");
	free(text);
	ok(store_put_summary(s, 777, table, &err) == DL_ERR && !strcmp(err.msg, "no run 777"),
	   "a summary of no run is refused");
	ok(store_add_run(s, &r, &queued, &err) == DL_OK &&
	   store_get_summary(s, queued, &text, &found, &err) == DL_OK && found && text &&
	   !strcmp(text, "Model: \"queued\"\n"), "a run queued with its summary has it");
	free(text);
	store_close(s);
}

/* A store of schema 1, made by opening one and taking away what versions 2
 * and 3 added, keeps its runs when opened again and gains the new tables. */
static void test_migration_2(void)
{
	char dir[300], path[320];
	struct store *s = fresh_store("migrate-2");
	struct store_weights w;
	struct dl_error err;
	sqlite3 *db;
	char *text;
	int64_t id;
	int found;
	float pix[1] = {1};

	if (!s)
		return;
	id = add(s, "from schema 1", 0, 0);
	store_close(s);
	snprintf(dir, sizeof dir, "%s/migrate-2", root);
	snprintf(path, sizeof path, "%s/runs.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, UNDO_SCHEMA_8 UNDO_SCHEMA_7 UNDO_SCHEMA_6 UNDO_SCHEMA_5 "DROP TABLE weights; DROP TABLE summaries; DROP TABLE classes;"
			 " ALTER TABLE runs DROP COLUMN planned_epochs; PRAGMA user_version = 1",
			 NULL, NULL, NULL) != SQLITE_OK)
		ok(0, "cannot make a schema 1 database");
	sqlite3_close(db);
	ok(sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('weights', "
		   "'summaries')") == 0 && sql_int(path, "PRAGMA user_version") == 1,
	   "a database of schema 1");
	s = open_in(dir);
	ok(s && sql_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION &&
	   sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('weights', "
		   "'summaries', 'classes')") == 3,
	   "is brought to schema %d when opened, through every migration", STORE_SCHEMA_VERSION);
	ok(s && status_of(s, id) == STORE_QUEUED && store_get_summary(s, id, &text, &found,
								      &err) == DL_OK && !found,
	   "its run is kept, without a summary");
	w = (struct store_weights){.n = 1, .h = 1, .w = 1, .unit_name = "unit", .pixels = pix};
	ok(s && store_put_weights(s, id, &w, &err) == DL_OK &&
	   store_put_summary(s, id, "Model: \"old\"\n", &err) == DL_OK,
	   "and takes weight images and a summary");
	store_close(s);
}

/* ---- requests ---- */

static void test_requests(void)
{
	struct store *s = fresh_store("requests");
	struct dl_error err;
	enum store_request req;
	struct store_run run;
	char ck[4096];
	int64_t q, r, f;
	int changed;

	if (!s)
		return;
	q = add(s, "queued", 0, 0);
	ok(request(s, q, STORE_REQUEST_CANCEL) == 1 && status_of(s, q) == STORE_CANCELLED,
	   "cancelling a queued run ends it at once");
	run = get(s, q);
	ok(run.row.finished > 0 && claim(s) == 0, "with its finish time, and it is not claimed");
	store_run_free(&run);
	ok(request(s, q, STORE_REQUEST_CANCEL) == 0, "cancelling it again changes nothing");

	r = add(s, "running", 0, 0);
	claim(s);
	ok(request(s, r, STORE_REQUEST_CANCEL) == 1 && status_of(s, r) == STORE_RUNNING &&
	   store_requested(s, r, &req, &err) == DL_OK && req == STORE_REQUEST_CANCEL,
	   "a running run gets the cancel flag, and runs until its worker acts");
	ok(request(s, r, STORE_REQUEST_STOP) == 0, "a stop does not weaken a pending cancel");
	finish(s, r, STORE_CANCELLED, NAN);
	ok(status_of(s, r) == STORE_CANCELLED && store_requested(s, r, &req, &err) == DL_OK &&
	   req == STORE_REQUEST_NONE, "its worker ends it cancelled; the flag is cleared");

	/* stop: the worker ends the run at a batch boundary, keeping the checkpoint */
	r = add(s, "stopped", 0, 0);
	claim(s);
	store_set_checkpoint(s, r, "/ck/r.model", &err);
	ok(request(s, r, STORE_REQUEST_STOP) == 1 && store_requested(s, r, &req, &err) == DL_OK &&
	   req == STORE_REQUEST_STOP, "a running run gets the stop flag");
	finish(s, r, STORE_INTERRUPTED, NAN);
	ok(status_of(s, r) == STORE_PAUSED && claim(s) == 0,
	   "ended as interrupted with a stop pending, it rests paused and is not claimed");
	ok(request(s, r, STORE_REQUEST_RESUME) == 1 && status_of(s, r) == STORE_QUEUED &&
	   claim_as(s, "w2", ck, sizeof ck) == r && !strcmp(ck, "/ck/r.model"),
	   "resumed, it is claimed with its checkpoint");
	ok(request(s, r, STORE_REQUEST_PAUSE) == 1 && request(s, r, STORE_REQUEST_RESUME) == 1 &&
	   store_requested(s, r, &req, &err) == DL_OK && req == STORE_REQUEST_NONE &&
	   status_of(s, r) == STORE_RUNNING, "resume withdraws a pending stop");
	finish(s, r, STORE_DONE, 0.9);
	ok(request(s, r, STORE_REQUEST_RETRY) == 0 && request(s, r, STORE_REQUEST_CANCEL) == 0 &&
	   status_of(s, r) == STORE_DONE, "a done run is not retried or cancelled");

	q = add(s, "held", 0, 0);
	ok(request(s, q, STORE_REQUEST_PAUSE) == 1 && status_of(s, q) == STORE_PAUSED &&
	   claim(s) == 0, "a paused queued run is not claimed");
	ok(request(s, q, STORE_REQUEST_RESUME) == 1 && claim(s) == q, "resumed, it is");
	finish(s, q, STORE_CANCELLED, NAN);
	store_set_checkpoint(s, q, "/ck/q.model", &err);
	ok(request(s, q, STORE_REQUEST_RETRY) == 1 && status_of(s, q) == STORE_QUEUED &&
	   claim_as(s, "w", ck, sizeof ck) == q && !strcmp(ck, "/ck/q.model"),
	   "a cancelled run retried continues from its checkpoint");

	/* a diverged run retried starts afresh */
	f = add(s, "diverged", 0, 0);
	claim(s);
	store_set_checkpoint(s, f, "/ck/f.model", &err);
	{
		struct store_epoch ep = {1, NAN, 0.1, NAN, NAN, 1.0, 1.0, NULL};
		int conf[4] = {1, 2, 3, 4}, n;
		struct store_epoch *h;

		float pix[1] = {0.5f};
		struct store_weights wt = {.n = 1, .h = 1, .w = 1, .unit_name = "unit",
					   .pixels = pix};

		store_add_epoch(s, f, &ep, &err);
		store_set_confusion(s, f, "val", 2, conf, &err);
		store_put_weights(s, f, &wt, &err);
		store_put_summary(s, f, "Model: \"diverged\"\n", &err);
		finish(s, f, STORE_DIVERGED, NAN);
		ok(request(s, f, STORE_REQUEST_RETRY) == 1, "a diverged run is retried");
		run = get(s, f);
		store_get_history(s, f, &h, &n, &err);
		store_epochs_free(h, n);
		ok(run.row.status == STORE_QUEUED && run.row.epochs == 0 && !run.checkpoint[0] &&
		   isnan(run.row.test_accuracy) && run.row.started == 0 && n == 0 &&
		   sql_int(store_path(s), "SELECT count(*) FROM confusion") == 0 &&
		   sql_int(store_path(s), "SELECT count(*) FROM weights") == 0,
		   "afresh: no history, results, checkpoint, artifacts or weight images");
		ok(sql_int(store_path(s), "SELECT count(*) FROM summaries") == 1,
		   "its summary stays: the model is the same");
		store_run_free(&run);
	}
	ok(store_request(s, 31337, STORE_REQUEST_CANCEL, &changed, &err) == DL_ERR &&
	   !strcmp(err.msg, "no run 31337") && changed == 0, "a request for no run is an error");
	store_close(s);
}

static void test_stale(void)
{
	struct store *s = fresh_store("stale");
	struct dl_error err;
	struct store_run run;
	char ck[4096];
	int64_t r, c, p;
	int n, changed;

	if (!s)
		return;
	r = add(s, "r", 0, 0);
	claim(s);
	store_set_checkpoint(s, r, "/ck/r.model", &err);
	ok(store_heartbeat(s, r, &err) == DL_OK && store_recover_stale(s, 3600, &n, &err) == DL_OK &&
	   n == 0 && status_of(s, r) == STORE_RUNNING, "a fresh heartbeat is not stale");
	ok(store_recover_stale(s, -1, &n, &err) == DL_OK && n == 1 &&
	   status_of(s, r) == STORE_INTERRUPTED, "a stale run becomes interrupted");
	run = get(s, r);
	ok(run.row.finished == 0 && !strcmp(run.checkpoint, "/ck/r.model"),
	   "unfinished, with its checkpoint");
	store_run_free(&run);
	ok(claim_as(s, "w2", ck, sizeof ck) == r && !strcmp(ck, "/ck/r.model"),
	   "the next claim takes it up with its checkpoint");

	c = add(s, "c", 0, 0);
	p = add(s, "p", 0, 0);
	claim(s);
	claim(s);
	request(s, c, STORE_REQUEST_CANCEL);
	request(s, p, STORE_REQUEST_STOP);
	ok(store_recover_stale(s, -1, &n, &err) == DL_OK && n == 3 &&
	   status_of(s, c) == STORE_CANCELLED && status_of(s, p) == STORE_PAUSED &&
	   status_of(s, r) == STORE_INTERRUPTED,
	   "a dead worker's pending cancel and stop are honoured");

	claim(s);
	ok(store_mark_interrupted(s, r, "SIGTERM", &changed, &err) == DL_OK && changed == 1 &&
	   status_of(s, r) == STORE_INTERRUPTED, "a run marked interrupted on shutdown");
	run = get(s, r);
	ok(run.message && !strcmp(run.message, "SIGTERM"), "with its message");
	store_run_free(&run);
	ok(store_mark_interrupted(s, r, NULL, &changed, &err) == DL_OK && changed == 0,
	   "a run not running is not marked");
	claim_as(s, "w9", NULL, 0);
	ok(store_interrupt_worker(s, "w9", &n, &err) == DL_OK && n == 1 &&
	   status_of(s, r) == STORE_INTERRUPTED, "a worker's runs are interrupted by name");
	store_close(s);
}

/* ---- removal, tags, notes ---- */

static void test_rm(void)
{
	struct store *s = fresh_store("rm");
	struct store_epoch ep = {1, 1, 1, 1, 1, 1, 1, "x"};
	float pix[1] = {1};
	struct store_sample m = {.h = 1, .w = 1, .pixels = pix};
	int conf[1] = {3};
	struct dl_error err;
	const char *path;
	int64_t id, other, waiting;
	long long left;
	struct store_run run;

	if (!s)
		return;
	path = store_path(s);
	id = add(s, "doomed", 0, 0);
	other = add(s, "other", 0, 0);
	store_add_epoch(s, id, &ep, &err);
	store_add_epoch(s, other, &ep, &err);
	store_set_confusion(s, id, "test", 1, conf, &err);
	store_add_misclassified(s, id, "test", &m, &err);
	store_set_artifact(s, id, "w", 1, 1, pix, 4, &err);
	{
		struct store_weights wt = {.n = 1, .h = 1, .w = 1, .unit_name = "unit",
					   .pixels = pix};

		store_put_weights(s, id, &wt, &err);
		store_put_summary(s, id, "Model: \"doomed\"\n", &err);
	}
	store_tag(s, id, "t", &err);
	waiting = add(s, "waits", 0, id);
	claim(s);               /* id */
	ok(store_rm_run(s, id, &err) == DL_ERR &&
	   !strcmp(err.msg, "run 1 is running: cancel it first") && status_of(s, id) == STORE_RUNNING,
	   "a running run is not removed (%s)", err.msg);
	finish(s, id, STORE_DONE, 0.5);
	ok(store_rm_run(s, id, &err) == DL_OK && status_of(s, id) == (enum store_status)-1,
	   "a finished run is removed");
	left = sql_int(path, "SELECT (SELECT count(*) FROM specs WHERE run_id = 1) + "
		       "(SELECT count(*) FROM epochs WHERE run_id = 1) + "
		       "(SELECT count(*) FROM tags) + (SELECT count(*) FROM confusion) + "
		       "(SELECT count(*) FROM misclassified) + (SELECT count(*) FROM artifacts) + "
		       "(SELECT count(*) FROM weights) + (SELECT count(*) FROM summaries)");
	ok(left == 0, "with its YAML, history, tags, artifacts, weight images and summary "
	   "(%lld rows left)", left);
	ok(sql_int(path, "SELECT count(*) FROM epochs") == 1 && status_of(s, other) == STORE_QUEUED,
	   "other runs keep theirs");
	run = get(s, waiting);
	ok(run.after == 0, "a run that waited for it waits for nothing");
	store_run_free(&run);
	ok(store_rm_run(s, id, &err) == DL_ERR && !strcmp(err.msg, "no run 1"),
	   "removing it twice is an error");
	other = add(s, "last", 0, 0);
	store_rm_run(s, other, &err);
	ok(add(s, "next", 0, 0) == other + 1, "ids are not reused, not even the last one");
	store_close(s);
}

static void test_tags_and_notes(void)
{
	struct store *s = fresh_store("tags");
	struct dl_error err;
	struct store_run run;
	char tags[64];
	int64_t id;

	if (!s)
		return;
	id = add(s, "tagged", 0, 0);
	store_tag(s, id, "cnn", &err);
	store_tag(s, id, "baseline", &err);
	ok(store_tag(s, id, "cnn", &err) == DL_OK, "tagging twice is fine");
	store_get_tags(s, id, tags, sizeof tags, &err);
	is_str(tags, "baseline,cnn", "tags are a set, read sorted");
	ok(store_untag(s, id, "cnn", &err) == DL_OK && store_untag(s, id, "absent", &err) == DL_OK,
	   "untagging, also a tag it lacks");
	store_get_tags(s, id, tags, sizeof tags, &err);
	is_str(tags, "baseline", "one tag left");
	ok(store_tag(s, 4242, "x", &err) == DL_ERR && !strcmp(err.msg, "no run 4242"),
	   "tagging no run is an error");
	ok(store_tag(s, id, "a,b", &err) == DL_ERR && store_tag(s, id, "", &err) == DL_ERR,
	   "a tag with a comma, or empty, is refused");
	ok(store_note(s, id, "first try", &err) == DL_OK, "a note");
	run = get(s, id);
	ok(run.notes && !strcmp(run.notes, "first try") && !strcmp(run.yaml, "name: x\n"),
	   "is kept, beside the YAML");
	store_run_free(&run);
	ok(store_note(s, 4242, "x", &err) == DL_ERR, "a note for no run is an error");
	store_close(s);
}

/* ---- the list ---- */

static int ids_are(const struct store_row *rows, int n, const int64_t *want, int nwant)
{
	if (n != nwant)
		return 0;
	for (int i = 0; i < n; i++)
		if (rows[i].id != want[i])
			return 0;
	return 1;
}

static int list_ids(struct store *s, const struct store_filter *f, const int64_t *want,
		    int nwant)
{
	struct store_row *rows;
	struct dl_error err;
	int n, same;

	if (store_list_runs(s, f, &rows, &n, &err) != DL_OK) {
		fprintf(stderr, "# %s\n", err.msg);
		return 0;
	}
	same = ids_are(rows, n, want, nwant);
	if (!same)
		for (int i = 0; i < n; i++)
			fprintf(stderr, "#   row %d: id %lld\n", i, (long long)rows[i].id);
	free(rows);
	return same;
}

static void test_listing(void)
{
	struct store *s = fresh_store("list");
	struct store_filter f = {.status = -1, .sort = STORE_SORT_TEST_ACCURACY, .descending = 1};
	struct store_row *rows;
	struct dl_error err;
	int64_t a, b, c, d;
	int n;

	if (!s)
		return;
	a = add(s, "list-a", 0, 0);
	b = add(s, "list-b", 0, 0);
	c = add(s, "other", 0, 0);
	d = add(s, "list-c", 0, 0);
	claim(s);
	claim(s);
	claim(s);
	finish(s, a, STORE_DONE, 0.91);
	finish(s, b, STORE_DONE, 0.97);
	finish(s, c, STORE_FAILED, 0.95);
	store_set_params(s, c, 10, &err);
	store_set_params(s, d, 5, &err);
	store_tag(s, b, "best", &err);
	store_tag(s, c, "best", &err);

	f.name_glob = "list-*";
	ok(list_ids(s, &f, (int64_t[]){b, a, d}, 3),
	   "by name, test accuracy descending, runs without one last");
	f.descending = 0;
	ok(list_ids(s, &f, (int64_t[]){a, b, d}, 3), "ascending: still last");
	f.name_glob = NULL;
	f.tag = "best";
	ok(list_ids(s, &f, (int64_t[]){c, b}, 2), "by tag");
	f.tag = NULL;
	f.status = STORE_DONE;
	ok(list_ids(s, &f, (int64_t[]){a, b}, 2), "by status");
	f.status = -1;
	f.sort = STORE_SORT_NAME;
	ok(list_ids(s, &f, (int64_t[]){a, b, d, c}, 4), "by name");
	f.sort = STORE_SORT_PARAMS;
	f.descending = 1;
	ok(list_ids(s, &f, (int64_t[]){c, d, b, a}, 4), "by parameters, descending, ties by id");
	f.sort = STORE_SORT_STATUS;
	f.descending = 0;
	f.limit = 2;
	ok(list_ids(s, &f, (int64_t[]){a, b}, 2), "by status name, limited to 2");
	f = (struct store_filter){.status = -1, .sort = STORE_SORT_ID, .descending = 1};
	ok(list_ids(s, &f, (int64_t[]){d, c, b, a}, 4), "by id, descending");
	f.sort = STORE_SORT_CREATED;
	f.descending = 0;
	ok(list_ids(s, &f, (int64_t[]){a, b, c, d}, 4), "by creation");
	ok(list_ids(s, NULL, (int64_t[]){a, b, c, d}, 4), "no filter: all by id");

	f = (struct store_filter){.status = STORE_DONE, .sort = STORE_SORT_TEST_ACCURACY,
				  .descending = 1};
	store_list_runs(s, &f, &rows, &n, &err);
	ok(n == 2 && !strcmp(rows[0].name, "list-b") && rows[0].status == STORE_DONE &&
	   rows[0].test_accuracy == 0.97 && rows[0].epochs == 3 && rows[0].seconds == 1.5 &&
	   !strcmp(rows[0].worker, "w1"), "rows carry their metrics");
	free(rows);

	ok(store_sort_from_name("test_acc") == STORE_SORT_TEST_ACCURACY &&
	   store_sort_from_name("train_acc") == STORE_SORT_ACCURACY &&
	   store_sort_from_name("val_acc") == STORE_SORT_VAL_ACCURACY &&
	   store_sort_from_name("created") == STORE_SORT_CREATED &&
	   store_sort_from_name("bogus") == -1, "sort keys by name");
	ok(store_status_from_name("interrupted") == STORE_INTERRUPTED &&
	   !strcmp(store_status_name(STORE_PAUSED), "paused") &&
	   store_status_from_name("bogus") == -1, "statuses by name");
	store_close(s);
}

static void test_data_version(void)
{
	struct store *s = fresh_store("version"), *other;
	char dir[300];
	int64_t v0, v1, v2;

	if (!s)
		return;
	snprintf(dir, sizeof dir, "%s/version", root);
	other = open_in(dir);
	v0 = store_data_version(s);
	add(s, "mine", 0, 0);
	v1 = store_data_version(s);
	add(other, "theirs", 0, 0);
	v2 = store_data_version(s);
	ok(v0 >= 0 && v1 == v0 && v2 != v1,
	   "the data version moves when another connection commits (%lld %lld %lld)",
	   (long long)v0, (long long)v1, (long long)v2);
	store_close(other);
	store_close(s);
}

/* ---- 10,000 runs ---- */

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define MANY 10000
#define BATCH 500

/* A store of MANY finished runs, each with a realistic YAML (a listing must
 * not read it). */
static int fill_many(struct store *s, char *yaml, size_t size)
{
	static struct store_new_run runs[BATCH];
	static int64_t ids[BATCH];
	struct dl_error err;
	size_t len = 0;

	while (len + 80 < size)
		len += (size_t)snprintf(yaml + len, size - len,
					"    - dense: {units: %zu, activation: relu}\n", len);
	for (int i = 0; i < MANY; i += BATCH) {
		for (int j = 0; j < BATCH; j++)
			runs[j] = (struct store_new_run){.name = "many", .yaml = yaml,
							 .params = i + j};
		if (store_add_runs(s, runs, BATCH, ids, &err) != DL_OK)
			return ok(0, "store_add_runs: %s", err.msg), -1;
	}
	for (int i = 1; i <= MANY; i++) {
		struct store_result r = {.status = STORE_DONE, .epochs = 10, .loss = 0.1,
					 .accuracy = 0.9, .val_loss = 0.2, .val_accuracy = 0.8,
					 .test_loss = 0.3, .test_accuracy = (i * 7919 % MANY) / 1e4,
					 .seconds = 60};

		if (i % 100 == 0)
			r.test_accuracy = NAN;  /* a few without: they sort last */
		if (store_finish_run(s, i, &r, &err) != DL_OK)
			return ok(0, "store_finish_run: %s", err.msg), -1;
	}
	return 0;
}

static void test_many(void)
{
	struct store *s = fresh_store("many");
	struct store_filter f = {.status = -1, .sort = STORE_SORT_TEST_ACCURACY, .descending = 1};
	static char yaml[2048];
	struct store_row *rows = NULL;
	struct dl_error err;
	char dir[300];
	double t0, t_list, t_open_list, best = 1e9;
	int n = 0, sorted = 1;

	if (!s || fill_many(s, yaml, sizeof yaml) != 0)
		return;
	/* the best of 3, as the first pays for reading the file into the cache */
	for (int k = 0; k < 3; k++) {
		free(rows);
		t0 = seconds_now();
		store_list_runs(s, &f, &rows, &n, &err);
		t_list = seconds_now() - t0;
		best = t_list < best ? t_list : best;
	}
	for (int i = 1; i < n; i++) {
		double a = rows[i - 1].test_accuracy, b = rows[i].test_accuracy;

		if (!(isnan(b) || (!isnan(a) && a >= b)))
			sorted = 0;
	}
	ok(n == MANY && sorted && isnan(rows[n - 1].test_accuracy) && rows[0].epochs == 10,
	   "%d runs listed, sorted by test accuracy, runs without one last", n);
	free(rows);
	store_close(s);

	/* what `digitlab ls` does: open the store, list everything */
	snprintf(dir, sizeof dir, "%s/many", root);
	t0 = seconds_now();
	s = open_in(dir);
	if (s)
		store_list_runs(s, &f, &rows, &n, &err);
	t_open_list = seconds_now() - t0;
	store_close(s);
	free(rows);
	printf("# store_list_runs, %d runs by test accuracy, no limit: %.1f ms "
	       "(best of 3 on an open store); store_open + store_list_runs: %.1f ms\n",
	       MANY, best * 1e3, t_open_list * 1e3);
	ok(n == MANY, "listed again from a freshly opened store");
}

/* Checkpoint paths are kept relative to the store, so that a store moved
 * elsewhere finds its runs' checkpoints; one written absolute by an older
 * digitlab is found in the moved store's checkpoints directory too. */
static void test_checkpoint_paths(void)
{
	char dir[300], moved[300], path[400], want[400], stored[400];
	struct store *s;
	struct store_run r;
	struct dl_error err;
	int64_t a, b;
	int found;
	FILE *f;

	snprintf(dir, sizeof dir, "%s/before-move", root);
	snprintf(moved, sizeof moved, "%s/after-move", root);
	if (!(s = open_in(dir)))
		return;
	a = add(s, "kept-relative", 0, 0);
	b = add(s, "written-absolute", 0, 0);
	snprintf(path, sizeof path, "%s/checkpoints/run-%lld.model", dir, (long long)a);
	ok(store_set_checkpoint(s, a, path, &err) == DL_OK, "a checkpoint in the store is recorded");
	snprintf(path, sizeof path, "%s/checkpoints", dir);
	mkdir(path, 0700);
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof path, "%s/checkpoints/run-%lld.model", dir,
			 (long long)(i ? b : a));
		if ((f = fopen(path, "w")))
			fclose(f);
	}
	snprintf(path, sizeof path, "UPDATE runs SET checkpoint = '%s/checkpoints/run-%lld.model' "
		 "WHERE id = %lld", dir, (long long)b, (long long)b);
	sql_run(store_path(s), path, NULL, 0);
	store_get_run(s, a, &r, &found, &err);
	snprintf(want, sizeof want, "%s/checkpoints/run-%lld.model", dir, (long long)a);
	is_str(r.checkpoint, want, "and read back whole");
	store_run_free(&r);
	sql_run(store_path(s), "SELECT checkpoint FROM runs WHERE name = 'kept-relative'", stored,
		sizeof stored);
	snprintf(want, sizeof want, "checkpoints/run-%lld.model", (long long)a);
	is_str(stored, want, "but stored relative to the store");
	store_close(s);

	ok(rename(dir, moved) == 0, "the store's directory is moved");
	if (!(s = open_in(moved)))
		return;
	for (int i = 0; i < 2; i++) {
		int64_t id = i ? b : a;

		store_get_run(s, id, &r, &found, &err);
		snprintf(want, sizeof want, "%s/checkpoints/run-%lld.model", moved, (long long)id);
		is_str(r.checkpoint, want, "the moved store finds the checkpoint %s",
		       i ? "an older digitlab stored absolute" : "stored relative");
		store_run_free(&r);
	}
	store_close(s);
}

/* Class names: stored in label order, replaced, read back safe to print,
 * gone with their run; a schema 2 database gains the table on opening. */
static void test_class_names(void)
{
	static const char *const names[3] = {"cat", "dog", "caf\xc3\xa9"};
	static const char *const two[2] = {"yes", "no"};
	char got[STORE_MAX_CLASSES][STORE_CLASS_NAME_MAX], dir[300], path[320], sql[200];
	struct store *s = fresh_store("classes");
	struct dl_error err;
	int64_t id, other;
	sqlite3 *db;
	int n = -1;

	if (!s)
		return;
	id = add(s, "named", 0, 0);
	other = add(s, "numbered", 0, 0);
	ok(store_get_class_names(s, id, got, &n, &err) == DL_OK && n == 0,
	   "a run without names has none (its classes are numbered)");
	ok(store_set_class_names(s, id, 3, names, &err) == DL_OK &&
	   store_get_class_names(s, id, got, &n, &err) == DL_OK && n == 3 &&
	   !strcmp(got[0], "cat") && !strcmp(got[2], "caf\xc3\xa9"),
	   "three names stored and read back in label order");
	ok(store_set_class_names(s, id, 2, two, &err) == DL_OK &&
	   store_get_class_names(s, id, got, &n, &err) == DL_OK && n == 2 && !strcmp(got[1], "no"),
	   "storing again replaces them all");
	ok(store_get_class_names(s, other, got, &n, &err) == DL_OK && n == 0,
	   "another run's names are its own");
	is_str(store_set_class_names(s, 999, 2, two, &err) == DL_ERR ? err.msg : "", "no run 999",
	       "names for a run that does not exist are refused");
	ok(store_set_class_names(s, id, 0, two, &err) == DL_ERR &&
	   store_set_class_names(s, id, STORE_MAX_CLASSES + 1, two, &err) == DL_ERR,
	   "0 names, or more than %d, are refused", STORE_MAX_CLASSES);
	snprintf(path, sizeof path, "%s/classes/runs.db", root);
	snprintf(sql, sizeof sql, "UPDATE classes SET name = 'a\033[2Jb\xc2\x9b' WHERE run_id = %lld"
		 " AND label = 0", (long long)id);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, sql, NULL, NULL, NULL);
		sqlite3_close(db);
	}
	ok(store_get_class_names(s, id, got, &n, &err) == DL_OK && !strcmp(got[0], "a\\x1b[2Jb\\u009b"),
	   "control characters written behind the store's back read back escaped");
	ok(store_rm_run(s, id, &err) == DL_OK &&
	   sql_int(path, "SELECT count(*) FROM classes") == 0, "removing the run removes its names");
	store_close(s);

	/* schema 2: the database before class names were kept */
	snprintf(dir, sizeof dir, "%s/classes-v2", root);
	s = open_in(dir);
	store_close(s);
	snprintf(path, sizeof path, "%s/runs.db", dir);
	if (sqlite3_open(path, &db) == SQLITE_OK) {
		sqlite3_exec(db, UNDO_SCHEMA_8 UNDO_SCHEMA_7 UNDO_SCHEMA_6 UNDO_SCHEMA_5 "DROP TABLE classes; ALTER TABLE runs DROP COLUMN planned_epochs; "
			     "PRAGMA user_version = 2", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	ok(sql_int(path, "PRAGMA user_version") == 2, "a schema 2 database");
	s = open_in(dir);
	ok(s && sql_int(path, "PRAGMA user_version") == STORE_SCHEMA_VERSION &&
	   sql_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'classes'") == 1,
	   "opening it migrates it to schema %d, with the classes table", STORE_SCHEMA_VERSION);
	if (s) {
		id = add(s, "after", 0, 0);
		ok(store_set_class_names(s, id, 2, two, &err) == DL_OK, "and names can be kept in it");
		store_close(s);
	}
}

/* A metric over epochs, by hand: the loss falls to 0.3 at epoch 3, rises,
 * falls to 0.3 again at epoch 5; epoch 4 has no val_accuracy. */
static void test_metric_summary(void)
{
	struct store_epoch e[6] = {
		{.epoch = 1, .loss = 0.9, .val_accuracy = 0.5},
		{.epoch = 2, .loss = 0.5, .val_accuracy = 0.7},
		{.epoch = 3, .loss = 0.3, .val_accuracy = 0.8},
		{.epoch = 4, .loss = 0.4, .val_accuracy = NAN},
		{.epoch = 5, .loss = 0.3, .val_accuracy = 0.8},
		{.epoch = 6, .loss = 0.35, .val_accuracy = NAN},
	};
	struct store_metric_summary m;

	for (int i = 0; i < 6; i++)
		e[i].val_loss = NAN;    /* no validation loss was kept */
	store_metric_summarize(e, 6, STORE_METRIC_LOSS, &m);
	ok(m.last == 0.35 && m.best == 0.3 && m.best_epoch == 3,
	   "loss: last 0.35, best the least, 0.3, first reached at epoch 3");
	store_metric_summarize(e, 6, STORE_METRIC_VAL_ACCURACY, &m);
	ok(m.last == 0.8 && m.best == 0.8 && m.best_epoch == 3,
	   "val_accuracy: epochs without it passed over; best the most, at epoch 3");
	store_metric_summarize(e, 6, STORE_METRIC_VAL_LOSS, &m);
	ok(isnan(m.last) && isnan(m.best) && m.best_epoch == 0, "a metric no epoch has: none");
	store_metric_summarize(e, 0, STORE_METRIC_LOSS, &m);
	ok(isnan(m.last) && m.best_epoch == 0, "no epochs: none");
	ok(store_metric_from_name("val_loss") == STORE_METRIC_VAL_LOSS &&
	   store_metric_from_name("val_los") == -1, "metrics by name");
}

/* The job rows of the Slurm executor: kept, listed while their runs run,
 * counted for the dashboard, and never taken for a dead local worker's. */
static void test_jobs(void)
{
	struct store *s = fresh_store("jobs");
	struct store_job j = {.array_task = 3, .job_id = 812, .spool_offset = 42, .attempts = 1},
			 got, *list;
	struct store_claim c;
	struct dl_error err;
	int64_t a, b;
	int found, n, pending, running;

	if (!s)
		return;
	a = add(s, "a", 0, 0);
	b = add(s, "b", 0, 0);
	ok(store_claim_run(s, "slurm:dl-1", &c, &found, &err) == DL_OK && found && c.id == a,
	   "a run claimed for Slurm");
	store_claim_free(&c);
	j.run_id = a;
	snprintf(j.executor, sizeof j.executor, "slurm");
	snprintf(j.job_name, sizeof j.job_name, "dl-1");
	snprintf(j.node, sizeof j.node, "cn01");
	snprintf(j.state, sizeof j.state, "RUNNING");
	ok(store_put_job(s, &j, &err) == DL_OK && store_get_job(s, a, &got, &found, &err) == DL_OK &&
	   found && got.job_id == 812 && got.array_task == 3 && !strcmp(got.node, "cn01") &&
	   got.spool_offset == 42 && got.attempts == 1 && !strcmp(got.job_name, "dl-1"),
	   "a job row is kept as written");
	ok(store_get_job(s, b, &got, &found, &err) == DL_OK && !found,
	   "a run without one trained locally");
	request(s, a, STORE_REQUEST_STOP);
	ok(store_list_active_jobs(s, "slurm", &list, &n, &err) == DL_OK && n == 1 &&
	   list[0].run_id == a && list[0].request == STORE_REQUEST_STOP,
	   "the running run's job is listed with its request");
	free(list);
	ok(store_count_jobs(s, "slurm", &pending, &running, &err) == DL_OK && pending == 0 &&
	   running == 1, "and counted as running in Slurm");
	ok(store_recover_stale(s, -1, &n, &err) == DL_OK && n == 0 &&
	   status_of(s, a) == STORE_RUNNING,
	   "a Slurm run has no heartbeat here, and is not taken for a dead worker's");
	ok(store_list_jobs(s, &list, &n, &err) == DL_OK && n == 1 && list[0].run_id == a,
	   "every job row");
	free(list);
	store_close(s);
}

int main(void)
{
	snprintf(root, sizeof root, "/tmp/digitlab-store-test.%d", (int)getpid());
	test_files();
	test_metric_summary();
	test_default_dir();
	test_newer_schema(0);
	test_newer_schema(1);
	test_queue_order();
	test_core_budget();
	test_add_runs();
	test_progress_and_finish();
	test_history();
	test_migration();
	test_migration_5();
	test_migration_8();
	test_sweep_row();
	test_artifacts();
	test_weights();
	test_summary();
	test_migration_2();
	test_class_names();
	test_requests();
	test_stale();
	test_jobs();
	test_rm();
	test_tags_and_notes();
	test_listing();
	test_data_version();
	test_many();
	test_checkpoint_paths();
	if (!tap_failed) {
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", root);
	}
	return tap_done();
}
