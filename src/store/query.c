/* Reading runs back: the run list, one run whole, its history and its
 * tags (store.h). */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* The columns of a struct store_row, in the order row_from reads them:
 * all of them before the long texts at the end of a runs row. */
#define ROW_COLUMNS \
	"r.id, r.name, r.status, r.request, r.priority, r.params, r.epochs, r.epoch, " \
	"r.batch, r.batches, r.samples_per_s, r.eta_s, r.progress_at, r.heartbeat, " \
	"r.loss, r.accuracy, r.val_loss, r.val_accuracy, r.test_loss, r.test_accuracy, " \
	"r.best_val_accuracy, r.seconds, r.created, r.started, r.finished, r.sweep_id, " \
	"r.sweep_point, r.repeat_index, r.worker, r.planned_epochs, r.peak_rss"
#define N_ROW_COLUMNS 31

static double column_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, i);
}

static void row_from(sqlite3_stmt *st, struct store_row *r)
{
	char word[32];
	int k;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	store_column_text(st, 1, r->name, sizeof r->name);
	store_column_text(st, 2, word, sizeof word);
	k = store_status_from_name(word);
	r->status = k < 0 ? STORE_FAILED : (enum store_status)k;
	store_column_text(st, 3, word, sizeof word);
	r->request = store_request_from_name(word);
	r->priority = sqlite3_column_int(st, 4);
	r->params = sqlite3_column_int64(st, 5);
	r->epochs = sqlite3_column_int(st, 6);
	r->epoch = sqlite3_column_int(st, 7);
	r->batch = sqlite3_column_int(st, 8);
	r->batches = sqlite3_column_int(st, 9);
	r->samples_per_s = store_column_real(st, 10);
	r->eta_s = store_column_real(st, 11);
	r->progress_at = column_time(st, 12);
	r->heartbeat = column_time(st, 13);
	r->loss = store_column_real(st, 14);
	r->accuracy = store_column_real(st, 15);
	r->val_loss = store_column_real(st, 16);
	r->val_accuracy = store_column_real(st, 17);
	r->test_loss = store_column_real(st, 18);
	r->test_accuracy = store_column_real(st, 19);
	r->best_val_accuracy = store_column_real(st, 20);
	r->seconds = store_column_real(st, 21);
	r->created = column_time(st, 22);
	r->started = column_time(st, 23);
	r->finished = column_time(st, 24);
	r->sweep_id = sqlite3_column_int64(st, 25);
	store_column_text(st, 26, r->sweep_point, sizeof r->sweep_point);
	r->repeat = sqlite3_column_int(st, 27);
	store_column_text(st, 28, r->worker, sizeof r->worker);
	r->planned_epochs = sqlite3_column_int(st, 29);
	r->peak_rss = sqlite3_column_int64(st, 30);
}

/* ---- the list ---- */

static const struct {
	const char *name, *column;
} sort_keys[] = {
	[STORE_SORT_ID] = {"id", "r.id"},
	[STORE_SORT_NAME] = {"name", "r.name"},
	[STORE_SORT_STATUS] = {"status", "r.status"},
	[STORE_SORT_PARAMS] = {"params", "r.params"},
	[STORE_SORT_EPOCHS] = {"epochs", "r.epochs"},
	[STORE_SORT_ACCURACY] = {"train_acc", "r.accuracy"},
	[STORE_SORT_VAL_ACCURACY] = {"val_acc", "r.val_accuracy"},
	[STORE_SORT_TEST_ACCURACY] = {"test_acc", "r.test_accuracy"},
	[STORE_SORT_SECONDS] = {"seconds", "r.seconds"},
	[STORE_SORT_CREATED] = {"created", "r.created"},
};
#define N_SORT_KEYS (int)(sizeof sort_keys / sizeof sort_keys[0])

int store_sort_from_name(const char *name)
{
	for (int i = 0; i < N_SORT_KEYS; i++)
		if (!strcmp(name, sort_keys[i].name))
			return i;
	return -1;
}

/* The list query. The sort column comes from the table above, never from
 * the caller's text; everything else is bound. */
static int prepare_list(struct store *s, const struct store_filter *f, sqlite3_stmt **st,
			struct dl_error *err)
{
	const char *col = (int)f->sort >= 0 && (int)f->sort < N_SORT_KEYS
			  ? sort_keys[f->sort].column : "r.id";
	const char *dir = f->descending ? "DESC" : "ASC";
	char sql[1024];

	/* runs without the value (no test accuracy yet) last either way */
	snprintf(sql, sizeof sql,
		 "SELECT " ROW_COLUMNS " FROM runs r WHERE (?1 IS NULL OR r.status = ?1) "
		 "AND (?2 IS NULL OR r.name GLOB ?2) AND (?3 IS NULL OR EXISTS "
		 "(SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = ?3)) "
		 "AND (?4 IS NULL OR r.sweep_id = ?4) "
		 "ORDER BY %s IS NULL, %s %s, r.id %s LIMIT ?5", col, col, dir, dir);
	if (store_prepare(s, sql, st, "cannot list the runs", err) != DL_OK)
		return DL_ERR;
	if (f->status >= 0)
		sqlite3_bind_text(*st, 1, store_status_name((enum store_status)f->status), -1,
				  SQLITE_STATIC);
	store_bind_text(*st, 2, f->name_glob);
	store_bind_text(*st, 3, f->tag);
	if (f->sweep_id > 0)
		sqlite3_bind_int64(*st, 4, f->sweep_id);
	sqlite3_bind_int(*st, 5, f->limit > 0 ? f->limit : -1);
	return DL_OK;
}

int store_list_runs(struct store *s, const struct store_filter *f, struct store_row **rows,
		    int *n, struct dl_error *err)
{
	static const struct store_filter all = {.status = -1};
	struct store_row *out = NULL, *grown;
	sqlite3_stmt *st;
	int count = 0, cap = 0, rc;

	*rows = NULL;
	*n = 0;
	if (prepare_list(s, f ? f : &all, &st, err) != DL_OK)
		return DL_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(out, sizeof *out * (size_t)cap);
			if (!grown) {
				free(out);
				sqlite3_finalize(st);
				return dl_error_set(err, "out of memory listing %d runs", count);
			}
			out = grown;
		}
		row_from(st, &out[count++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "cannot list the runs", err);
		sqlite3_finalize(st);
		free(out);
		return DL_ERR;
	}
	sqlite3_finalize(st);
	*rows = out;
	*n = count;
	return DL_OK;
}

/* ---- one run ---- */

static char *column_strdup(sqlite3_stmt *st, int i, int *oom)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	char *copy;

	if (!t)
		return NULL;
	copy = strdup((const char *)t);
	if (!copy)
		*oom = 1;
	return copy;
}

static void run_from(const struct store *s, sqlite3_stmt *st, struct store_run *out, int *oom)
{
	int c = N_ROW_COLUMNS;
	char stored[4096];

	row_from(st, &out->row);
	out->yaml = column_strdup(st, c, oom);
	if (!out->yaml && !*oom)
		out->yaml = strdup("");         /* a run is never without its YAML */
	if (!out->yaml)
		*oom = 1;
	out->notes = column_strdup(st, c + 1, oom);
	out->message = column_strdup(st, c + 2, oom);
	store_column_text(st, c + 3, stored, sizeof stored);
	store_checkpoint_resolve(s, stored, out->checkpoint, sizeof out->checkpoint);
	out->threads = sqlite3_column_int(st, c + 4);
	out->after = sqlite3_column_int64(st, c + 5);
}

int store_get_run(struct store *s, int64_t id, struct store_run *out, int *found,
		  struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc, oom = 0;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (store_prepare(s, "SELECT " ROW_COLUMNS ", p.yaml, r.notes, r.message, "
			  "r.checkpoint, r.threads, r.after_id FROM runs r "
			  "LEFT JOIN specs p ON p.run_id = r.id WHERE r.id = ?1",
			  &st, "cannot read the run", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		run_from(s, st, out, &oom);
		*found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "cannot read the run", err);
	}
	sqlite3_finalize(st);
	if (oom) {
		store_run_free(out);
		*found = 0;
		return dl_error_set(err, "out of memory reading run %lld", (long long)id);
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DL_OK : DL_ERR;
}

void store_run_free(struct store_run *r)
{
	free(r->yaml);
	free(r->notes);
	free(r->message);
	r->yaml = r->notes = r->message = NULL;
}

/* ---- history and tags ---- */

static void epoch_from(sqlite3_stmt *st, struct store_epoch *e, int *oom)
{
	e->epoch = sqlite3_column_int(st, 0);
	e->loss = store_column_real(st, 1);
	e->accuracy = store_column_real(st, 2);
	e->val_loss = store_column_real(st, 3);
	e->val_accuracy = store_column_real(st, 4);
	e->lr = store_column_real(st, 5);
	e->seconds = store_column_real(st, 6);
	e->events = column_strdup(st, 7, oom);
}

int store_get_history(struct store *s, int64_t id, struct store_epoch **epochs, int *n,
		      struct dl_error *err)
{
	struct store_epoch *out = NULL, *grown;
	sqlite3_stmt *st;
	int count = 0, cap = 0, rc = SQLITE_DONE, oom = 0;

	*epochs = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT epoch, loss, accuracy, val_loss, val_accuracy, lr, "
			  "seconds, events FROM epochs WHERE run_id = ?1 ORDER BY epoch", &st,
			  "cannot read the history", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 32;
			grown = realloc(out, sizeof *out * (size_t)cap);
			if (!grown) {
				oom = 1;
				break;
			}
			out = grown;
		}
		epoch_from(st, &out[count++], &oom);
	}
	if (oom || rc != SQLITE_DONE) {
		if (!oom)
			store_fail(s, "cannot read the history", err);
		sqlite3_finalize(st);
		store_epochs_free(out, count);
		return oom ? dl_error_set(err, "out of memory reading the history") : DL_ERR;
	}
	sqlite3_finalize(st);
	*epochs = out;
	*n = count;
	return DL_OK;
}

void store_epochs_free(struct store_epoch *epochs, int n)
{
	for (int i = 0; i < n; i++)
		free((char *)epochs[i].events);
	free(epochs);
}

int store_run_metrics(struct store *s, int64_t id,
		      struct store_metric_summary out[STORE_METRIC_COUNT], struct dl_error *err)
{
	struct store_epoch *e;
	int n;

	if (store_get_history(s, id, &e, &n, err) != DL_OK)
		return DL_ERR;
	store_metric_summarize_all(e, n, out);
	store_epochs_free(e, n);
	return DL_OK;
}

int store_get_tags(struct store *s, int64_t id, char *buf, size_t size, struct dl_error *err)
{
	sqlite3_stmt *st;
	size_t len = 0;
	int rc;

	if (size)
		buf[0] = '\0';
	if (store_prepare(s, "SELECT tag FROM tags WHERE run_id = ?1 ORDER BY tag", &st,
			  "cannot read the tags", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		int w;

		if (len >= size)
			continue;       /* cut short; keep stepping to see errors */
		w = snprintf(buf + len, size - len, "%s%s", len ? "," : "",
			     t ? (const char *)t : "");
		len += w > 0 ? (size_t)w : 0;
	}
	if (rc != SQLITE_DONE)
		store_fail(s, "cannot read the tags", err);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DL_OK : DL_ERR;
}

int store_list_blocked(struct store *s, struct store_blocked **out, int *n,
		       struct dl_error *err)
{
	const char *what = "cannot list the runs waiting for others";
	struct store_blocked *list = NULL, *grown;
	sqlite3_stmt *st;
	int count = 0, rc;

	*out = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT r.id, r.name, a.id, a.status FROM runs r JOIN runs a ON "
			  "a.id = r.after_id WHERE r.status IN ('queued', 'interrupted') AND "
			  "a.status IN ('failed', 'diverged', 'cancelled') ORDER BY r.id", &st, what,
			  err) != DL_OK)
		return DL_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char status[32];

		grown = realloc(list, (size_t)(count + 1) * sizeof *list);
		if (!grown) {
			rc = SQLITE_NOMEM;
			break;
		}
		list = grown;
		list[count].id = sqlite3_column_int64(st, 0);
		store_column_text(st, 1, list[count].name, sizeof list[count].name);
		list[count].after = sqlite3_column_int64(st, 2);
		store_column_text(st, 3, status, sizeof status);
		list[count].after_status = (enum store_status)store_status_from_name(status);
		count++;
	}
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_NOMEM)
			dl_error_set(err, "out of memory listing the runs waiting for others");
		else
			store_fail(s, what, err);
		sqlite3_finalize(st);
		free(list);
		return DL_ERR;
	}
	sqlite3_finalize(st);
	*out = list;
	*n = count;
	return DL_OK;
}
