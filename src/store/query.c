/* Reading the store back: the run list, one run whole, its history, tags
 * and evaluation artifacts (store.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* The columns of a struct store_row, in the order row_from reads them. */
#define ROW_COLUMNS \
	"r.id, r.name, r.status, r.priority, r.params, r.epochs, r.epoch, r.batch, " \
	"r.batches, r.samples_per_s, r.eta_s, r.loss, r.accuracy, r.val_accuracy, " \
	"r.test_accuracy, r.best_val_accuracy, r.seconds, r.created, r.started, " \
	"r.finished, r.sweep_id, r.sweep_point, r.repeat_index, r.worker"

static double column_time(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, i);
}

static void row_from(sqlite3_stmt *st, struct store_row *r)
{
	char status[32];
	int k;

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	store_column_text(st, 1, r->name, sizeof r->name);
	store_column_text(st, 2, status, sizeof status);
	k = store_status_from_name(status);
	r->status = k < 0 ? STORE_FAILED : (enum store_status)k;
	r->priority = sqlite3_column_int(st, 3);
	r->params = sqlite3_column_int64(st, 4);
	r->epochs = sqlite3_column_int(st, 5);
	r->epoch = sqlite3_column_int(st, 6);
	r->batch = sqlite3_column_int(st, 7);
	r->batches = sqlite3_column_int(st, 8);
	r->samples_per_s = store_column_real(st, 9);
	r->eta_s = store_column_real(st, 10);
	r->loss = store_column_real(st, 11);
	r->accuracy = store_column_real(st, 12);
	r->val_accuracy = store_column_real(st, 13);
	r->test_accuracy = store_column_real(st, 14);
	r->best_val_accuracy = store_column_real(st, 15);
	r->seconds = store_column_real(st, 16);
	r->created = column_time(st, 17);
	r->started = column_time(st, 18);
	r->finished = column_time(st, 19);
	r->sweep_id = sqlite3_column_int64(st, 20);
	store_column_text(st, 21, r->sweep_point, sizeof r->sweep_point);
	r->repeat = sqlite3_column_int(st, 22);
	store_column_text(st, 23, r->worker, sizeof r->worker);
}

static const char *sort_column(enum store_sort sort)
{
	switch (sort) {
	case STORE_SORT_NAME: return "r.name";
	case STORE_SORT_STATUS: return "r.status";
	case STORE_SORT_PARAMS: return "r.params";
	case STORE_SORT_EPOCHS: return "r.epochs";
	case STORE_SORT_ACCURACY: return "r.accuracy";
	case STORE_SORT_VAL_ACCURACY: return "r.val_accuracy";
	case STORE_SORT_TEST_ACCURACY: return "r.test_accuracy";
	case STORE_SORT_SECONDS: return "r.seconds";
	case STORE_SORT_CREATED: return "r.created";
	case STORE_SORT_ID:
	default: return "r.id";
	}
}

int store_list_runs(struct store *s, const struct store_filter *f, struct store_row **rows,
		    int *n, struct dl_error *err)
{
	char sql[1024];
	sqlite3_stmt *st;
	struct store_row *out = NULL;
	int count = 0, cap = 0, rc;

	*rows = NULL;
	*n = 0;
	/* NULLs (no metric yet) sort last either way; id breaks ties */
	snprintf(sql, sizeof sql,
		 "SELECT " ROW_COLUMNS " FROM runs r WHERE (?1 IS NULL OR r.status = ?1) "
		 "AND (?2 IS NULL OR r.name GLOB ?2) AND (?3 IS NULL OR EXISTS "
		 "(SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.tag = ?3)) "
		 "ORDER BY %s IS NULL, %s %s, r.id %s LIMIT ?4",
		 sort_column(f->sort), sort_column(f->sort), f->descending ? "DESC" : "ASC",
		 f->descending ? "DESC" : "ASC");
	if (store_prepare(s, sql, &st, "cannot list the runs", err) != DL_OK)
		return DL_ERR;
	if (f->status >= 0)
		sqlite3_bind_text(st, 1, store_status_name((enum store_status)f->status), -1,
				  SQLITE_STATIC);
	if (f->name_glob)
		sqlite3_bind_text(st, 2, f->name_glob, -1, SQLITE_TRANSIENT);
	if (f->tag)
		sqlite3_bind_text(st, 3, f->tag, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, f->limit > 0 ? f->limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			struct store_row *grown;

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
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(out);
		return store_fail(s, "cannot list the runs", err);
	}
	*rows = out;
	*n = count;
	return DL_OK;
}

static char *column_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

int store_get_run(struct store *s, int64_t id, struct store_run *out, int *found,
		  struct dl_error *err)
{
	sqlite3_stmt *st;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (store_prepare(s, "SELECT " ROW_COLUMNS ", r.yaml, r.notes, r.message, "
			  "r.checkpoint, r.threads, r.after_id FROM runs r WHERE r.id = ?1",
			  &st, "cannot read the run", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		row_from(st, &out->row);
		out->yaml = column_strdup(st, 24);
		out->notes = column_strdup(st, 25);
		out->message = column_strdup(st, 26);
		store_column_text(st, 27, out->checkpoint, sizeof out->checkpoint);
		out->threads = sqlite3_column_int(st, 28);
		out->after = sqlite3_column_int64(st, 29);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (*found && !out->yaml) {
		store_run_free(out);
		return dl_error_set(err, "out of memory reading run %lld", (long long)id);
	}
	return DL_OK;
}

void store_run_free(struct store_run *r)
{
	free(r->yaml);
	free(r->notes);
	free(r->message);
	r->yaml = r->notes = r->message = NULL;
}

int store_get_history(struct store *s, int64_t id, struct store_epoch **epochs, int *n,
		      struct dl_error *err)
{
	sqlite3_stmt *st;
	struct store_epoch *out = NULL;
	int count = 0, cap = 0;

	*epochs = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT epoch, loss, accuracy, val_loss, val_accuracy, lr, "
			  "seconds, events FROM epochs WHERE run_id = ?1 ORDER BY epoch", &st,
			  "cannot read the history", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct store_epoch *e;

		if (count == cap) {
			struct store_epoch *grown;

			cap = cap ? 2 * cap : 32;
			grown = realloc(out, sizeof *out * (size_t)cap);
			if (!grown) {
				sqlite3_finalize(st);
				store_epochs_free(out, count);
				return dl_error_set(err, "out of memory reading the history");
			}
			out = grown;
		}
		e = &out[count++];
		e->epoch = sqlite3_column_int(st, 0);
		e->loss = store_column_real(st, 1);
		e->accuracy = store_column_real(st, 2);
		e->val_loss = store_column_real(st, 3);
		e->val_accuracy = store_column_real(st, 4);
		e->lr = store_column_real(st, 5);
		e->seconds = store_column_real(st, 6);
		e->events = column_strdup(st, 7);
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

int store_get_tags(struct store *s, int64_t id, char *buf, size_t size, struct dl_error *err)
{
	sqlite3_stmt *st;
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (store_prepare(s, "SELECT tag FROM tags WHERE run_id = ?1 ORDER BY tag", &st,
			  "cannot read the tags", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW && len < size) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		int w = snprintf(buf + len, size - len, "%s%s", len ? "," : "",
				 t ? (const char *)t : "");

		len += w > 0 ? (size_t)w : 0;
	}
	sqlite3_finalize(st);
	return DL_OK;
}

/* ---- artifacts ---- */

int store_set_confusion(struct store *s, int64_t id, const char *split, int n,
			const int *counts, struct dl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	if (n < 1 || n > STORE_MAX_CLASSES)
		return dl_error_set(err, "a confusion matrix of %d classes (at most %d)", n,
				    STORE_MAX_CLASSES);
	if (store_prepare(s, "INSERT OR REPLACE INTO confusion (run_id, split, n, counts) "
			  "VALUES (?1, ?2, ?3, ?4)", &st, "cannot store the confusion matrix",
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, n);
	sqlite3_bind_blob(st, 4, counts, (int)(sizeof(int) * (size_t)n * n), SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DL_OK : store_fail(s, "cannot store the confusion matrix", err);
}

int store_get_confusion(struct store *s, int64_t id, const char *split, int *n,
			int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES], int *found,
			struct dl_error *err)
{
	sqlite3_stmt *st;

	*found = 0;
	*n = 0;
	if (store_prepare(s, "SELECT n, counts FROM confusion WHERE run_id = ?1 AND split = ?2",
			  &st, "cannot read the confusion matrix", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		int k = sqlite3_column_int(st, 0);
		size_t bytes = sizeof(int) * (size_t)k * k;

		/* a blob of another size is not ours to trust */
		if (k >= 1 && k <= STORE_MAX_CLASSES &&
		    (size_t)sqlite3_column_bytes(st, 1) == bytes) {
			memcpy(counts, sqlite3_column_blob(st, 1), bytes);
			*n = k;
			*found = 1;
		}
	}
	sqlite3_finalize(st);
	return DL_OK;
}

int store_add_misclassified(struct store *s, int64_t id, const char *split,
			    const struct store_sample *m, struct dl_error *err)
{
	sqlite3_stmt *st;
	int bytes = (int)(sizeof(float) * (size_t)m->h * m->w), rc;

	if (store_prepare(s, "INSERT OR REPLACE INTO misclassified (run_id, split, idx, truth, "
			  "predicted, confidence, h, w, pixels, saliency) VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st,
			  "cannot store a misclassified sample", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, m->index);
	sqlite3_bind_int(st, 4, m->truth);
	sqlite3_bind_int(st, 5, m->predicted);
	store_bind_real(st, 6, m->confidence);
	sqlite3_bind_int(st, 7, m->h);
	sqlite3_bind_int(st, 8, m->w);
	sqlite3_bind_blob(st, 9, m->pixels, bytes, SQLITE_TRANSIENT);
	if (m->saliency)
		sqlite3_bind_blob(st, 10, m->saliency, bytes, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? DL_OK : store_fail(s, "cannot store a misclassified sample", err);
}

int store_each_misclassified(struct store *s, int64_t id, const char *split,
			     store_sample_fn fn, void *ctx, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "SELECT idx, truth, predicted, confidence, h, w, pixels, saliency "
			  "FROM misclassified WHERE run_id = ?1 AND split = ?2 "
			  "ORDER BY truth, idx", &st, "cannot read misclassified samples",
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		float *copy;
		int stop;
		struct store_sample m = {
			.index = sqlite3_column_int(st, 0),
			.truth = sqlite3_column_int(st, 1),
			.predicted = sqlite3_column_int(st, 2),
			.confidence = store_column_real(st, 3),
			.h = sqlite3_column_int(st, 4),
			.w = sqlite3_column_int(st, 5),
		};
		size_t bytes = sizeof(float) * (size_t)m.h * m.w;

		if (m.h < 1 || m.w < 1 || m.h > 4096 || m.w > 4096 ||
		    (size_t)sqlite3_column_bytes(st, 6) != bytes)
			continue;       /* not a sample this code wrote */
		/* blobs carry no alignment promise: copy them into floats */
		if (!(copy = malloc(2 * bytes))) {
			sqlite3_finalize(st);
			return dl_error_set(err, "out of memory reading a %dx%d sample", m.h, m.w);
		}
		memcpy(copy, sqlite3_column_blob(st, 6), bytes);
		m.pixels = copy;
		if ((size_t)sqlite3_column_bytes(st, 7) == bytes) {
			memcpy(copy + (size_t)m.h * m.w, sqlite3_column_blob(st, 7), bytes);
			m.saliency = copy + (size_t)m.h * m.w;
		}
		stop = fn(ctx, &m);
		free(copy);
		if (stop)
			break;
	}
	sqlite3_finalize(st);
	return DL_OK;
}
