/*
 * bench_store.c - `digitlab bench --store`: what the store's checks cost.
 *
 * Builds a store of N finished runs in a temporary directory (each with
 * its experiment, 20 epochs of history, test and validation confusion
 * matrices and a few misclassified 28x28 digits with saliency maps), then
 * times, each the best of five on a warm file: opening a connection as
 * SQLite alone does, store_open (which checks the tables every command
 * reads), store_list_runs of every run, store_run_metrics of every run
 * (what `ls --columns` reads, and the dashboard's runs list when its first
 * metric column is added), and the checks of every page
 * (store_check: quick_check, as a pool runs it before training, and
 * integrity_check, as `digitlab store check` does).
 */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"

#define BENCH_EPOCHS 20
#define BENCH_BATCH 500

static int fill_run(struct store *s, int64_t id, int samples, float *pixels,
		    struct dl_error *err)
{
	static const char *const splits[] = {"test", "val"};
	int counts[100];

	for (int e = 1; e <= BENCH_EPOCHS; e++) {
		struct store_epoch ep = {e, 1.0 / e, 1 - 0.5 / e, 1.1 / e, 1 - 0.6 / e, 0.001, 1.5, NULL};

		if (store_add_epoch(s, id, &ep, err) != DL_OK)
			return DL_ERR;
	}
	for (int k = 0; k < 100; k++)
		counts[k] = k % 11 == 0 ? 900 + (int)(id % 50) : (int)((id + k) % 7);
	for (int sp = 0; sp < 2; sp++) {
		if (store_set_confusion(s, id, splits[sp], 10, counts, err) != DL_OK)
			return DL_ERR;
		for (int i = 0; i < samples; i++) {
			struct store_sample m = {i, i % 10, (i + 3) % 10, 0.6, 28, 28, pixels, pixels};

			if (store_add_misclassified(s, id, splits[sp], &m, err) != DL_OK)
				return DL_ERR;
		}
	}
	struct store_result r = {.status = STORE_DONE, .epochs = BENCH_EPOCHS, .loss = 0.05,
				 .accuracy = 0.97, .val_loss = 0.06, .val_accuracy = 0.96,
				 .test_loss = 0.07, .test_accuracy = 0.9 + (double)(id % 97) / 1000,
				 .seconds = 30};
	return store_finish_run(s, id, &r, err);
}

static int build(struct store *s, int runs, int samples, struct dl_error *err)
{
	static struct store_new_run batch[BENCH_BATCH];
	static int64_t ids[BENCH_BATCH];
	static char yaml[1600];
	float pixels[28 * 28];
	size_t len = 0;

	for (int i = 0; i < 28 * 28; i++)
		pixels[i] = (float)((i * 37) % 256) / 255.0f;
	while (len + 60 < sizeof yaml)
		len += (size_t)snprintf(yaml + len, sizeof yaml - len,
					"    - dense: {units: %zu, activation: relu}\n", len % 512 + 1);
	for (int i = 0; i < runs; i += BENCH_BATCH) {
		int n = runs - i < BENCH_BATCH ? runs - i : BENCH_BATCH;

		for (int j = 0; j < n; j++)
			batch[j] = (struct store_new_run){.name = "bench", .yaml = yaml,
							  .params = 1482};
		if (store_add_runs(s, batch, n, ids, err) != DL_OK)
			return DL_ERR;
		for (int j = 0; j < n; j++)
			if (fill_run(s, ids[j], samples, pixels, err) != DL_OK)
				return DL_ERR;
	}
	return DL_OK;
}

/* Best of five, in milliseconds; NAN when the operation failed. */
struct timing {
	double sqlite_open, store_open, list, metrics, quick, integrity;
};

static double best_of(double *t)
{
	double b = t[0];

	for (int i = 1; i < 5; i++)
		b = t[i] < b ? t[i] : b;
	return b * 1e3;
}

static int measure(const char *dir, const char *path, struct timing *out, struct dl_error *err)
{
	double t[6][5];

	for (int k = 0; k < 5; k++) {
		struct store *s;
		struct store_row *rows;
		sqlite3 *db;
		double t0 = clock_seconds();
		int n, problems;

		/* SQLite alone: open and read the schema's version */
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "PRAGMA user_version", NULL, NULL, NULL) != SQLITE_OK) {
			sqlite3_close(db);
			return dl_error_set(err, "%s: cannot open it with SQLite", path);
		}
		sqlite3_close(db);
		t[0][k] = clock_seconds() - t0;
		t0 = clock_seconds();
		if (store_open(&s, dir, err) != DL_OK)
			return DL_ERR;
		t[1][k] = clock_seconds() - t0;
		t0 = clock_seconds();
		if (store_list_runs(s, NULL, &rows, &n, err) != DL_OK)
			return store_close(s), DL_ERR;
		t[2][k] = clock_seconds() - t0;
		t0 = clock_seconds();
		for (int i = 0; i < n; i++) {
			struct store_metric_summary sums[STORE_METRIC_COUNT];

			if (store_run_metrics(s, rows[i].id, sums, err) != DL_OK)
				return free(rows), store_close(s), DL_ERR;
		}
		free(rows);
		t[3][k] = clock_seconds() - t0;
		t0 = clock_seconds();
		if (store_check(s, 0, NULL, &problems, err) != DL_OK)
			return store_close(s), DL_ERR;
		t[4][k] = clock_seconds() - t0;
		t0 = clock_seconds();
		if (store_check(s, 1, NULL, &problems, err) != DL_OK)
			return store_close(s), DL_ERR;
		t[5][k] = clock_seconds() - t0;
		store_close(s);
	}
	*out = (struct timing){best_of(t[0]), best_of(t[1]), best_of(t[2]), best_of(t[3]),
			       best_of(t[4]), best_of(t[5])};
	return DL_OK;
}

/* rm -r of the bench's own directory: runs.db and what SQLite left. */
static void remove_store(const char *dir)
{
	static const char *const files[] = {"runs.db", "runs.db-wal", "runs.db-shm"};
	char path[4200];

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

int cli_bench_store(int runs, int samples, int json)
{
	char dir[4096], path[4200];
	const char *tmp = getenv("TMPDIR");
	struct store *s;
	struct dl_error err;
	struct timing t = {0};
	struct stat st;
	double t0, built;
	int rc;

	snprintf(dir, sizeof dir, "%s/digitlab-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("digitlab bench: cannot make a temporary directory");
		return 1;
	}
	snprintf(path, sizeof path, "%s/runs.db", dir);
	dl_error_clear(&err);
	t0 = clock_seconds();
	rc = store_open(&s, dir, &err);
	if (rc == DL_OK) {
		rc = build(s, runs, samples, &err);
		store_close(s);
	}
	built = clock_seconds() - t0;
	if (rc == DL_OK)
		rc = measure(dir, path, &t, &err);
	if (rc != DL_OK || stat(path, &st) != 0) {
		cli_print_error(&err);
		remove_store(dir);
		return 1;
	}
	if (json)
		printf("{\"runs\":%d,\"samples_per_split\":%d,\"megabytes\":%.1f,\"build_s\":%.1f,"
		       "\"sqlite_open_ms\":%.2f,\"store_open_ms\":%.2f,\"list_runs_ms\":%.2f,"
		       "\"run_metrics_ms\":%.1f,\"quick_check_ms\":%.1f,\"integrity_check_ms\":%.1f}\n",
		       runs, samples, st.st_size / 1e6, built, t.sqlite_open, t.store_open, t.list,
		       t.metrics, t.quick, t.integrity);
	else
		printf("store of %d runs (%d epochs, 2 confusion matrices, %d misclassified digits "
		       "per split each): %.1f MB, built in %.1f s\n"
		       "  open, SQLite alone                    %8.2f ms\n"
		       "  store_open (checks the core tables)   %8.2f ms\n"
		       "  list every run                        %8.2f ms\n"
		       "  every run's metrics (ls --columns)    %8.1f ms\n"
		       "  quick_check of every page (serve)     %8.1f ms (%.0f MB/s)\n"
		       "  integrity_check (digitlab store check) %7.1f ms\n",
		       runs, BENCH_EPOCHS, samples, st.st_size / 1e6, built, t.sqlite_open,
		       t.store_open, t.list, t.metrics, t.quick, st.st_size / 1e3 / t.quick,
		       t.integrity);
	remove_store(dir);
	return 0;
}
