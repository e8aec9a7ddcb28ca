/* Evaluation artifacts: confusion matrices, misclassified samples and
 * named blobs (store.h).
 *
 * Blobs are written in one byte order (little-endian int32 and float32,
 * util/le.h) whatever the machine, so a store copied between machines reads
 * the same.
 * They are also copied out rather than pointed at: SQLite promises no
 * alignment for a blob. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/text.h"
#include "util/le.h"

#define MAX_SIDE 4096           /* a sample's height or width */

/* ---- class names ---- */

int store_set_class_names(struct store *s, int64_t id, int n, const char *const *names,
			  struct dl_error *err)
{
	const char *what = "cannot store the class names";
	sqlite3_stmt *st;
	int exists;

	if (n < 1 || n > STORE_MAX_CLASSES)
		return dl_error_set(err, "%d class names (1 to %d)", n, STORE_MAX_CLASSES);
	for (int k = 0; k < n; k++)
		if (!names[k][0] || strlen(names[k]) >= STORE_CLASS_NAME_MAX)
			return dl_error_set(err, "class name %d must be 1 to %d bytes", k,
					    STORE_CLASS_NAME_MAX - 1);
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		goto fail;
	if (!exists) {
		store_no_run(id, err);
		goto fail;
	}
	if (store_prepare(s, "DELETE FROM classes WHERE run_id = ?1", &st, what, err) != DL_OK)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(s, st, what, NULL, err) != DL_OK)
		goto fail;
	for (int k = 0; k < n; k++) {
		if (store_prepare(s, "INSERT INTO classes (run_id, label, name) VALUES (?1, ?2, ?3)",
				  &st, what, err) != DL_OK)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, k);
		sqlite3_bind_text(st, 3, names[k], -1, SQLITE_TRANSIENT);
		if (store_step_done(s, st, what, NULL, err) != DL_OK)
			goto fail;
	}
	return store_commit(s, err);
fail:
	store_rollback(s);
	return DL_ERR;
}

int store_get_class_names(struct store *s, int64_t id, char names[][STORE_CLASS_NAME_MAX],
			  int *n, struct dl_error *err)
{
	const char *what = "cannot read the class names";
	sqlite3_stmt *st;
	int rc, count = 0;

	*n = 0;
	if (store_prepare(s, "SELECT label, name FROM classes WHERE run_id = ?1 ORDER BY label",
			  &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1);

		/* labels are stored 0..n-1; a gap means the rows are not ours */
		if (sqlite3_column_int(st, 0) != count || count == STORE_MAX_CLASSES || !name) {
			sqlite3_finalize(st);
			return dl_error_set(err, "%s: run %lld's class names are damaged",
					    store_path(s), (long long)id);
		}
		/* a store is a file anyone with access may have edited */
		text_escape(names[count++], STORE_CLASS_NAME_MAX, (const char *)name,
			    TEXT_ONE_LINE);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, what, err);
	*n = count;
	return DL_OK;
}

/* ---- confusion matrices ---- */

int store_set_confusion(struct store *s, int64_t id, const char *split, int n,
			const int *counts, struct dl_error *err)
{
	const char *what = "cannot store the confusion matrix";
	unsigned char blob[4 * STORE_MAX_CLASSES * STORE_MAX_CLASSES];
	sqlite3_stmt *st;
	int exists;

	if (n < 1 || n > STORE_MAX_CLASSES)
		return dl_error_set(err, "a confusion matrix of %d classes (1 to %d)", n,
				    STORE_MAX_CLASSES);
	for (int i = 0; i < n * n; i++)
		le_put_u32(blob + 4 * i, (uint32_t)(int32_t)counts[i]);
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		return DL_ERR;
	if (!exists)
		return store_no_run(id, err);
	if (store_prepare(s, "INSERT OR REPLACE INTO confusion (run_id, split, n_classes, "
			  "counts) VALUES (?1, ?2, ?3, ?4)", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, n);
	sqlite3_bind_blob(st, 4, blob, 4 * n * n, SQLITE_TRANSIENT);
	return store_step_done(s, st, what, NULL, err);
}

int store_get_confusion(struct store *s, int64_t id, const char *split, int *n,
			int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES], int *found,
			struct dl_error *err)
{
	const char *what = "cannot read the confusion matrix";
	const unsigned char *blob;
	sqlite3_stmt *st;
	int rc, k;

	*found = 0;
	*n = 0;
	if (store_prepare(s, "SELECT n_classes, counts FROM confusion WHERE run_id = ?1 "
			  "AND split = ?2", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k = sqlite3_column_int(st, 0);
		blob = sqlite3_column_blob(st, 1);
		/* a matrix of another shape is not one this code wrote */
		if (k < 1 || k > STORE_MAX_CLASSES || sqlite3_column_bytes(st, 1) != 4 * k * k) {
			sqlite3_finalize(st);
			return dl_error_set(err, "%s: run %lld: the %s confusion matrix is damaged",
					    s->path, (long long)id, split);
		}
		for (int i = 0; i < k * k; i++)
			counts[i] = (int32_t)le_get_u32(blob + 4 * i);
		*n = k;
		*found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DL_OK : DL_ERR;
}

void store_class_error(int n, const int *counts, double *error)
{
	for (int t = 0; t < n; t++) {
		double total = 0;

		for (int p = 0; p < n; p++)
			total += counts[t * n + p];
		error[t] = total > 0 ? 1.0 - counts[t * n + t] / total : NAN;
	}
}

/* ---- misclassified samples ---- */

/* pixels and saliency as one little-endian float32 blob each. */
static int bind_floats(sqlite3_stmt *st, int i, const float *v, size_t n)
{
	unsigned char *blob;

	if (!v) {
		sqlite3_bind_null(st, i);
		return DL_OK;
	}
	blob = malloc(4 * n);
	if (!blob)
		return DL_ERR;
	le_put_f32s(blob, v, n);
	sqlite3_bind_blob(st, i, blob, (int)(4 * n), free);  /* SQLite frees it */
	return DL_OK;
}

int store_add_misclassified(struct store *s, int64_t id, const char *split,
			    const struct store_sample *m, struct dl_error *err)
{
	const char *what = "cannot store a misclassified sample";
	size_t n = (size_t)m->h * (size_t)m->w;
	sqlite3_stmt *st;

	if (m->h < 1 || m->w < 1 || m->h > MAX_SIDE || m->w > MAX_SIDE || !m->pixels)
		return dl_error_set(err, "a misclassified sample of %dx%d pixels", m->h, m->w);
	if (store_prepare(s, "INSERT OR REPLACE INTO misclassified (run_id, split, idx, truth, "
			  "predicted, confidence, h, w, pixels, saliency) VALUES "
			  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, m->index);
	sqlite3_bind_int(st, 4, m->truth);
	sqlite3_bind_int(st, 5, m->predicted);
	store_bind_real(st, 6, m->confidence);
	sqlite3_bind_int(st, 7, m->h);
	sqlite3_bind_int(st, 8, m->w);
	if (bind_floats(st, 9, m->pixels, n) != DL_OK ||
	    bind_floats(st, 10, m->saliency, n) != DL_OK) {
		sqlite3_finalize(st);
		return dl_error_set(err, "out of memory storing a %dx%d sample", m->h, m->w);
	}
	if (store_step_done(s, st, what, NULL, err) != DL_OK) {
		int exists;

		/* the foreign key said no: say which run */
		if (store_run_exists(s, id, &exists, err) == DL_OK && !exists)
			return store_no_run(id, err);
		return DL_ERR;
	}
	return DL_OK;
}

/* One sample from the current row: pixels (and saliency) in one malloc'd
 * block that pixels points at. Returns 0 for a row this code did not
 * write (skipped), -1 when out of memory. */
static int sample_from(sqlite3_stmt *st, struct store_sample *m)
{
	size_t n, bytes;
	float *buf;

	*m = (struct store_sample){
		.index = sqlite3_column_int(st, 0), .truth = sqlite3_column_int(st, 1),
		.predicted = sqlite3_column_int(st, 2), .confidence = store_column_real(st, 3),
		.h = sqlite3_column_int(st, 4), .w = sqlite3_column_int(st, 5),
	};
	if (m->h < 1 || m->w < 1 || m->h > MAX_SIDE || m->w > MAX_SIDE)
		return 0;
	n = (size_t)m->h * (size_t)m->w;
	bytes = 4 * n;
	if ((size_t)sqlite3_column_bytes(st, 6) != bytes)
		return 0;
	buf = malloc(2 * n * sizeof *buf);
	if (!buf)
		return -1;
	le_get_f32s(buf, sqlite3_column_blob(st, 6), n);
	m->pixels = buf;
	if ((size_t)sqlite3_column_bytes(st, 7) == bytes) {
		le_get_f32s(buf + n, sqlite3_column_blob(st, 7), n);
		m->saliency = buf + n;
	}
	return 1;
}

int store_count_misclassified(struct store *s, int64_t id, const char *split, int *kept,
			      int *total, struct dl_error *err)
{
	const char *what = "cannot count misclassified samples";
	int counts[STORE_MAX_CLASSES * STORE_MAX_CLASSES], n, found;
	sqlite3_stmt *st;

	*kept = *total = 0;
	if (store_get_confusion(s, id, split, &n, counts, &found, err) != DL_OK)
		return DL_ERR;
	for (int t = 0; found && t < n; t++)
		for (int p = 0; p < n; p++)
			*total += t == p ? 0 : counts[t * n + p];
	if (store_prepare(s, "SELECT count(*) FROM misclassified WHERE run_id = ?1 AND split = ?2",
			  &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, what, err);
		sqlite3_finalize(st);
		return DL_ERR;
	}
	*kept = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return DL_OK;
}

int store_get_misclassified(struct store *s, int64_t id, const char *split, int limit,
			    struct store_sample **samples, int *n, struct dl_error *err)
{
	const char *what = "cannot read misclassified samples";
	struct store_sample *out = NULL, *grown;
	sqlite3_stmt *st;
	int count = 0, cap = 0, rc, got = 0;

	*samples = NULL;
	*n = 0;
	if (store_prepare(s, "SELECT idx, truth, predicted, confidence, h, w, pixels, saliency "
			  "FROM misclassified WHERE run_id = ?1 AND split = ?2 "
			  "ORDER BY truth, idx LIMIT ?3", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(out, sizeof *out * (size_t)cap);
			if (!grown)
				break;
			out = grown;
		}
		got = sample_from(st, &out[count]);
		if (got < 0)
			break;
		count += got;
	}
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_ROW)
			dl_error_set(err, "out of memory reading misclassified samples");
		else
			store_fail(s, what, err);
		sqlite3_finalize(st);
		store_samples_free(out, count);
		return DL_ERR;
	}
	sqlite3_finalize(st);
	*samples = out;
	*n = count;
	return DL_OK;
}

void store_samples_free(struct store_sample *samples, int n)
{
	/* saliency lives in the pixels' block */
	for (int i = 0; i < n; i++)
		free((float *)samples[i].pixels);
	free(samples);
}

/* ---- named blobs ---- */

int store_set_artifact(struct store *s, int64_t id, const char *name, int h, int w,
		       const void *data, size_t bytes, struct dl_error *err)
{
	const char *what = "cannot store the artifact";
	sqlite3_stmt *st;
	int exists;

	if (!name || !name[0])
		return dl_error_set(err, "an artifact needs a name");
	if (bytes > 1000000000)
		return dl_error_set(err, "artifact '%s': %zu bytes is too large", name, bytes);
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		return DL_ERR;
	if (!exists)
		return store_no_run(id, err);
	if (store_prepare(s, "INSERT OR REPLACE INTO artifacts (run_id, name, h, w, data) "
			  "VALUES (?1, ?2, ?3, ?4, ?5)", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, h);
	sqlite3_bind_int(st, 4, w);
	if (data && bytes)
		sqlite3_bind_blob(st, 5, data, (int)bytes, SQLITE_TRANSIENT);
	return store_step_done(s, st, what, NULL, err);
}

int store_get_artifact(struct store *s, int64_t id, const char *name, int *h, int *w,
		       void **data, size_t *bytes, int *found, struct dl_error *err)
{
	const char *what = "cannot read the artifact";
	sqlite3_stmt *st;
	int rc, size;

	*h = *w = *found = 0;
	*data = NULL;
	*bytes = 0;
	if (store_prepare(s, "SELECT h, w, data FROM artifacts WHERE run_id = ?1 AND name = ?2",
			  &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size = sqlite3_column_bytes(st, 2);
		if (size > 0 && !(*data = malloc((size_t)size))) {
			sqlite3_finalize(st);
			return dl_error_set(err, "out of memory reading artifact '%s'", name);
		}
		if (size > 0)
			memcpy(*data, sqlite3_column_blob(st, 2), (size_t)size);
		*h = sqlite3_column_int(st, 0);
		*w = sqlite3_column_int(st, 1);
		*bytes = (size_t)size;
		*found = 1;
	} else if (rc != SQLITE_DONE) {
		store_fail(s, what, err);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DL_OK : DL_ERR;
}
