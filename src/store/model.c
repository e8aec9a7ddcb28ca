/* What the store keeps of a run's model for the dashboard: its first
 * weighted layer's weights as images and its summary table (store.h).
 *
 * One row of each per run (run_id is the key), replaced when written
 * again: a worker writes the weights after every epoch, so the write is a
 * single INSERT OR REPLACE, and a run that does not exist is looked for
 * only after the foreign key has refused it. */

#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/le.h"

#define MAX_SIDE 4096           /* an image's height or width */

/* ---- weight images ---- */

static int check_weights(const struct store_weights *w, struct dl_error *err)
{
	if (w->n < 1 || w->h < 1 || w->w < 1 || w->h > MAX_SIDE || w->w > MAX_SIDE ||
	    (int64_t)w->n * w->h * w->w > STORE_MAX_WEIGHT_PIXELS)
		return dl_error_set(err, "%d weight images of %dx%d pixels (at most %dx%d each, "
				    "%d pixels in all)", w->n, w->h, w->w, MAX_SIDE, MAX_SIDE,
				    STORE_MAX_WEIGHT_PIXELS);
	if (!w->pixels)
		return dl_error_set(err, "weight images without pixels");
	if (w->layer < 0 || w->epoch < 0)
		return dl_error_set(err, "weight images of layer %d after epoch %d", w->layer,
				    w->epoch);
	return DL_OK;
}

/* After a write the foreign key refused: "no run ID" when that is why. */
static int explain_failure(struct store *s, int64_t id, struct dl_error *err)
{
	struct dl_error saved = *err;
	int exists;

	if (store_run_exists(s, id, &exists, err) == DL_OK && !exists)
		return store_no_run(id, err);
	*err = saved;
	return DL_ERR;
}

int store_put_weights(struct store *s, int64_t id, const struct store_weights *w,
		      struct dl_error *err)
{
	const char *what = "cannot store the weight images";
	size_t n;
	unsigned char *blob;
	sqlite3_stmt *st;

	if (check_weights(w, err) != DL_OK)
		return DL_ERR;
	n = (size_t)w->n * (size_t)w->h * (size_t)w->w;
	if (!(blob = malloc(4 * n)))
		return dl_error_set(err, "out of memory storing %zu weight pixels", n);
	le_put_f32s(blob, w->pixels, n);
	if (store_prepare(s, "INSERT OR REPLACE INTO weights (run_id, layer, epoch, n, h, w, "
			  "unit_name, pixels) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &st, what,
			  err) != DL_OK) {
		free(blob);
		return DL_ERR;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, w->layer);
	sqlite3_bind_int(st, 3, w->epoch);
	sqlite3_bind_int(st, 4, w->n);
	sqlite3_bind_int(st, 5, w->h);
	sqlite3_bind_int(st, 6, w->w);
	sqlite3_bind_text(st, 7, w->unit_name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 8, blob, (int)(4 * n), free);    /* SQLite frees it */
	if (store_step_done(s, st, what, NULL, err) != DL_OK)
		return explain_failure(s, id, err);
	return DL_OK;
}

/* The current row into *out; -1 when it is not a row this code wrote. */
static int weights_from(sqlite3_stmt *st, struct store_weights *out)
{
	size_t n;

	*out = (struct store_weights){
		.layer = sqlite3_column_int(st, 0), .epoch = sqlite3_column_int(st, 1),
		.n = sqlite3_column_int(st, 2), .h = sqlite3_column_int(st, 3),
		.w = sqlite3_column_int(st, 4),
	};
	store_column_text(st, 5, out->unit_name, sizeof out->unit_name);
	if (out->n < 1 || out->h < 1 || out->w < 1 || out->h > MAX_SIDE || out->w > MAX_SIDE ||
	    (int64_t)out->n * out->h * out->w > STORE_MAX_WEIGHT_PIXELS)
		return -1;
	n = (size_t)out->n * (size_t)out->h * (size_t)out->w;
	if ((size_t)sqlite3_column_bytes(st, 6) != 4 * n)
		return -1;
	return 0;
}

int store_get_weights(struct store *s, int64_t id, struct store_weights *out, int *found,
		      struct dl_error *err)
{
	const char *what = "cannot read the weight images";
	sqlite3_stmt *st;
	size_t n;
	int rc;

	*found = 0;
	memset(out, 0, sizeof *out);
	if (store_prepare(s, "SELECT layer, epoch, n, h, w, unit_name, pixels FROM weights "
			  "WHERE run_id = ?1", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_finalize(st);
		return DL_OK;
	}
	if (rc != SQLITE_ROW) {
		store_fail(s, what, err);
		sqlite3_finalize(st);
		return DL_ERR;
	}
	if (weights_from(st, out) != 0) {
		sqlite3_finalize(st);
		memset(out, 0, sizeof *out);
		return dl_error_set(err, "%s: run %lld: its weight images are damaged", s->path,
				    (long long)id);
	}
	n = (size_t)out->n * (size_t)out->h * (size_t)out->w;
	if (!(out->pixels = malloc(sizeof *out->pixels * n))) {
		sqlite3_finalize(st);
		memset(out, 0, sizeof *out);
		return dl_error_set(err, "out of memory reading %zu weight pixels", n);
	}
	le_get_f32s(out->pixels, sqlite3_column_blob(st, 6), n);
	sqlite3_finalize(st);
	*found = 1;
	return DL_OK;
}

void store_weights_free(struct store_weights *w)
{
	if (!w)
		return;
	free(w->pixels);
	memset(w, 0, sizeof *w);
}

/* ---- the summary ---- */

int store_write_summary(struct store *s, int64_t id, const char *text, struct dl_error *err)
{
	sqlite3_stmt *st;

	if (store_prepare(s, "INSERT OR REPLACE INTO summaries (run_id, text) VALUES (?1, ?2)",
			  &st, "cannot store the model summary", err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	return store_step_done(s, st, "cannot store the model summary", NULL, err);
}

int store_put_summary(struct store *s, int64_t id, const char *text, struct dl_error *err)
{
	if (!text)
		return dl_error_set(err, "run %lld: no summary to store", (long long)id);
	if (store_write_summary(s, id, text, err) != DL_OK)
		return explain_failure(s, id, err);
	return DL_OK;
}

int store_get_summary(struct store *s, int64_t id, char **text, int *found,
		      struct dl_error *err)
{
	const char *what = "cannot read the model summary";
	const unsigned char *t;
	sqlite3_stmt *st;
	int rc;

	*text = NULL;
	*found = 0;
	if (store_prepare(s, "SELECT text FROM summaries WHERE run_id = ?1", &st, what,
			  err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
		if (!(*text = strdup(t ? (const char *)t : ""))) {
			sqlite3_finalize(st);
			return dl_error_set(err, "out of memory reading the model summary");
		}
		*found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DL_OK : DL_ERR;
}
