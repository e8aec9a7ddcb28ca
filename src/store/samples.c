/* Answers sample by sample: a split's labels, every epoch's answers and
 * the digits of the samples that were ever wrong (store.h).
 *
 * Every blob here is zlib compressed (compress2) and its size before
 * compression is known from the sample set, so a blob that does not
 * inflate to exactly that size is damage, reported as such. */

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "store/internal.h"

#define MAX_SIDE 4096
#define MAX_SAMPLES (1 << 24)

/* Deflate n bytes into a malloc'd blob (*out, *out_n); DL_ERR without memory. */
static int deflate_bytes(const uint8_t *in, size_t n, uint8_t **out, size_t *out_n)
{
	uLongf size = compressBound((uLong)n);

	*out = malloc(size ? size : 1);
	if (!*out)
		return DL_ERR;
	if (compress2(*out, &size, in, (uLong)n, 9) != Z_OK) {
		free(*out);
		*out = NULL;
		return DL_ERR;
	}
	*out_n = size;
	return DL_OK;
}

/* Inflate a blob that must hold exactly n bytes. */
static int inflate_exact(const void *blob, int bytes, uint8_t *out, size_t n)
{
	uLongf size = (uLongf)n;

	if (!blob || bytes <= 0)
		return DL_ERR;
	if (uncompress(out, &size, blob, (uLong)bytes) != Z_OK || size != n)
		return DL_ERR;
	return DL_OK;
}

static int damaged(struct store *s, int64_t id, const char *split, const char *what,
		   struct dl_error *err)
{
	return dl_error_set(err, "%s: run %lld: the %s %s are damaged", s->path, (long long)id,
			    split, what);
}

/* ---- sample sets ---- */

static int check_set(const struct store_sample_set *set, struct dl_error *err)
{
	if (set->n < 1 || set->n > MAX_SAMPLES || set->n_classes < 1 ||
	    set->n_classes > STORE_MAX_CLASSES || set->h < 1 || set->w < 1 ||
	    set->h > MAX_SIDE || set->w > MAX_SIDE || !set->labels)
		return dl_error_set(err, "a sample set of %d samples of %d classes, %dx%d (1 to %d "
				    "samples, 1 to %d classes, sides 1 to %d)", set->n,
				    set->n_classes, set->h, set->w, MAX_SAMPLES, STORE_MAX_CLASSES,
				    MAX_SIDE);
	for (int i = 0; i < set->n; i++)
		if (set->labels[i] >= set->n_classes)
			return dl_error_set(err, "sample %d has label %d of %d classes", i,
					    set->labels[i], set->n_classes);
	return DL_OK;
}

int store_put_sample_set(struct store *s, int64_t id, const char *split,
			 const struct store_sample_set *set, struct dl_error *err)
{
	const char *what = "cannot store the samples' labels";
	sqlite3_stmt *st;
	uint8_t *blob;
	size_t bytes;
	int exists;

	if (check_set(set, err) != DL_OK)
		return DL_ERR;
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		return DL_ERR;
	if (!exists)
		return store_no_run(id, err);
	if (deflate_bytes(set->labels, (size_t)set->n, &blob, &bytes) != DL_OK)
		return dl_error_set(err, "%s: out of memory", what);
	if (store_prepare(s, "INSERT OR REPLACE INTO sample_sets (run_id, split, n, n_classes, "
			  "h, w, fingerprint, labels) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			  &st, what, err) != DL_OK) {
		free(blob);
		return DL_ERR;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, set->n);
	sqlite3_bind_int(st, 4, set->n_classes);
	sqlite3_bind_int(st, 5, set->h);
	sqlite3_bind_int(st, 6, set->w);
	sqlite3_bind_int64(st, 7, set->fingerprint);
	sqlite3_bind_blob(st, 8, blob, (int)bytes, free);       /* SQLite frees it */
	return store_step_done(s, st, what, NULL, err);
}

int store_get_sample_set(struct store *s, int64_t id, const char *split,
			 struct store_sample_set *out, int *found, struct dl_error *err)
{
	const char *what = "cannot read the samples' labels";
	sqlite3_stmt *st;
	int rc, ok = DL_OK;

	memset(out, 0, sizeof *out);
	*found = 0;
	if (store_prepare(s, "SELECT n, n_classes, h, w, fingerprint, labels FROM sample_sets "
			  "WHERE run_id = ?1 AND split = ?2", &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		struct store_sample_set set = {
			.n = sqlite3_column_int(st, 0), .n_classes = sqlite3_column_int(st, 1),
			.h = sqlite3_column_int(st, 2), .w = sqlite3_column_int(st, 3),
			.fingerprint = sqlite3_column_int64(st, 4),
		};

		if (set.n >= 1 && set.n <= MAX_SAMPLES)
			set.labels = malloc((size_t)set.n);
		if (!set.labels ||
		    inflate_exact(sqlite3_column_blob(st, 5), sqlite3_column_bytes(st, 5),
				  set.labels, (size_t)set.n) != DL_OK ||
		    check_set(&set, err) != DL_OK) {
			free(set.labels);
			ok = damaged(s, id, split, "samples' labels", err);
		} else {
			*out = set;
			*found = 1;
		}
	} else if (rc != SQLITE_DONE) {
		ok = store_fail(s, what, err);
	}
	sqlite3_finalize(st);
	return ok;
}

void store_sample_set_free(struct store_sample_set *set)
{
	if (!set)
		return;
	free(set->labels);
	memset(set, 0, sizeof *set);
}

/* ---- answers ---- */

/* One epoch's row: the answers as their difference from the labels (mod
 * 256), so that a right answer is 0 whatever the class. */
static int put_answer_row(struct store *s, sqlite3_stmt *st, int64_t id, const char *split,
			  const struct store_sample_set *set, const struct store_answers *a,
			  uint8_t *scratch, const char *what, struct dl_error *err)
{
	uint8_t *predicted, *confidence = NULL;
	size_t p_bytes, c_bytes = 0;

	for (int i = 0; i < set->n; i++) {
		if (a->predicted[i] >= set->n_classes)
			return dl_error_set(err, "%s: sample %d answered %d of %d classes", what, i,
					    a->predicted[i], set->n_classes);
		scratch[i] = (uint8_t)(a->predicted[i] - set->labels[i]);
	}
	if (deflate_bytes(scratch, (size_t)set->n, &predicted, &p_bytes) != DL_OK)
		return dl_error_set(err, "%s: out of memory", what);
	if (a->confidence &&
	    deflate_bytes(a->confidence, (size_t)set->n, &confidence, &c_bytes) != DL_OK) {
		free(predicted);
		return dl_error_set(err, "%s: out of memory", what);
	}
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, a->epoch);
	sqlite3_bind_blob(st, 4, predicted, (int)p_bytes, free);
	if (confidence)
		sqlite3_bind_blob(st, 5, confidence, (int)c_bytes, free);
	else
		sqlite3_bind_null(st, 5);
	if (sqlite3_step(st) != SQLITE_DONE)
		return store_fail(s, what, err);
	return DL_OK;
}

int store_put_answers(struct store *s, int64_t id, const char *split,
		      const struct store_sample_set *set, const struct store_answers *a, int n,
		      struct dl_error *err)
{
	const char *what = "cannot store the answers";
	sqlite3_stmt *st = NULL;
	uint8_t *scratch;
	int exists;

	if (n < 1)
		return DL_OK;
	if (check_set(set, err) != DL_OK)
		return DL_ERR;
	scratch = malloc((size_t)set->n);
	if (!scratch)
		return dl_error_set(err, "%s: out of memory", what);
	if (store_begin(s, err) != DL_OK) {
		free(scratch);
		return DL_ERR;
	}
	if (store_run_exists(s, id, &exists, err) != DL_OK)
		goto fail;
	if (!exists) {
		store_no_run(id, err);
		goto fail;
	}
	if (store_prepare(s, "INSERT OR REPLACE INTO answers (run_id, split, epoch, predicted, "
			  "confidence) VALUES (?1, ?2, ?3, ?4, ?5)", &st, what, err) != DL_OK)
		goto fail;
	for (int e = 0; e < n; e++)
		if (put_answer_row(s, st, id, split, set, &a[e], scratch, what, err) != DL_OK)
			goto fail;
	sqlite3_finalize(st);
	free(scratch);
	return store_commit(s, err);
fail:
	sqlite3_finalize(st);
	free(scratch);
	store_rollback(s);
	return DL_ERR;
}

/* Read the rows of the split into h, which has room for them. */
static int read_answer_rows(struct store *s, sqlite3_stmt *st, int64_t id, const char *split,
			    const struct store_sample_set *set, struct store_answer_history *h,
			    int rows, struct dl_error *err)
{
	size_t n = (size_t)set->n;
	int rc;

	while (h->n_epochs < rows && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int e = h->n_epochs;
		uint8_t *p = h->predicted + e * n, *c = h->confidence + e * n;

		h->epochs[e] = sqlite3_column_int(st, 0);
		if (inflate_exact(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), p, n))
			return damaged(s, id, split, "answers", err);
		for (size_t i = 0; i < n; i++) {
			p[i] = (uint8_t)(p[i] + set->labels[i]);
			if (p[i] >= set->n_classes)
				return damaged(s, id, split, "answers", err);
		}
		h->has_confidence[e] = sqlite3_column_type(st, 2) == SQLITE_BLOB;
		if (h->has_confidence[e] &&
		    inflate_exact(sqlite3_column_blob(st, 2), sqlite3_column_bytes(st, 2), c, n))
			return damaged(s, id, split, "answers", err);
		h->n_epochs++;
	}
	if (h->n_epochs < rows && rc != SQLITE_DONE)
		return store_fail(s, "cannot read the answers", err);
	return DL_OK;
}

int store_get_answers(struct store *s, int64_t id, const char *split,
		      const struct store_sample_set *set, struct store_answer_history *out,
		      struct dl_error *err)
{
	const char *what = "cannot read the answers";
	sqlite3_stmt *st;
	int rows = 0, rc;

	memset(out, 0, sizeof *out);
	if (store_prepare(s, "SELECT count(*) FROM answers WHERE run_id = ?1 AND split = ?2",
			  &st, what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	out->n = set->n;
	if (rows == 0)
		return DL_OK;
	out->epochs = calloc((size_t)rows, sizeof *out->epochs);
	out->predicted = calloc((size_t)rows, (size_t)set->n);
	out->confidence = calloc((size_t)rows, (size_t)set->n);
	out->has_confidence = calloc((size_t)rows, 1);
	if (!out->epochs || !out->predicted || !out->confidence || !out->has_confidence) {
		store_answer_history_free(out);
		return dl_error_set(err, "out of memory for %d epochs of %d answers", rows, set->n);
	}
	if (store_prepare(s, "SELECT epoch, predicted, confidence FROM answers WHERE run_id = ?1 "
			  "AND split = ?2 ORDER BY epoch", &st, what, err) != DL_OK) {
		store_answer_history_free(out);
		return DL_ERR;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	rc = read_answer_rows(s, st, id, split, set, out, rows, err);
	sqlite3_finalize(st);
	if (rc != DL_OK)
		store_answer_history_free(out);
	return rc;
}

void store_answer_history_free(struct store_answer_history *h)
{
	if (!h)
		return;
	free(h->epochs);
	free(h->predicted);
	free(h->confidence);
	free(h->has_confidence);
	memset(h, 0, sizeof *h);
}

int store_answer_row(const struct store_answer_history *h, int epoch)
{
	for (int e = 0; e < h->n_epochs; e++)
		if (h->epochs[e] == epoch)
			return e;
	return -1;
}

/* ---- digits ---- */

int store_put_digits(struct store *s, int64_t id, const char *split, int n,
		     const int *index, const uint8_t *pixels, int h, int w,
		     struct dl_error *err)
{
	const char *what = "cannot store the digits";
	size_t size = (size_t)h * (size_t)w;
	sqlite3_stmt *st = NULL;

	if (n < 1)
		return DL_OK;
	if (h < 1 || w < 1 || h > MAX_SIDE || w > MAX_SIDE)
		return dl_error_set(err, "%s: a digit of %dx%d pixels (sides 1 to %d)", what, h, w,
				    MAX_SIDE);
	if (store_begin(s, err) != DL_OK)
		return DL_ERR;
	if (store_prepare(s, "INSERT OR IGNORE INTO digits (run_id, split, idx, pixels) "
			  "VALUES (?1, ?2, ?3, ?4)", &st, what, err) != DL_OK)
		goto fail;
	for (int i = 0; i < n; i++) {
		uint8_t *blob;
		size_t bytes;

		if (deflate_bytes(pixels + (size_t)i * size, size, &blob, &bytes) != DL_OK) {
			dl_error_set(err, "%s: out of memory", what);
			goto fail;
		}
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 3, index[i]);
		sqlite3_bind_blob(st, 4, blob, (int)bytes, free);
		if (sqlite3_step(st) != SQLITE_DONE) {
			store_fail(s, what, err);
			goto fail;
		}
	}
	sqlite3_finalize(st);
	return store_commit(s, err);
fail:
	sqlite3_finalize(st);
	store_rollback(s);
	return DL_ERR;
}

int store_get_digit(struct store *s, int64_t id, const char *split, int index, int h, int w,
		    float *pixels, int *found, struct dl_error *err)
{
	const char *what = "cannot read a digit";
	size_t size = (size_t)h * (size_t)w;
	sqlite3_stmt *st;
	uint8_t *bytes;
	int rc, ok = DL_OK;

	*found = 0;
	if (h < 1 || w < 1 || h > MAX_SIDE || w > MAX_SIDE)
		return dl_error_set(err, "%s: %dx%d pixels", what, h, w);
	bytes = malloc(size);
	if (!bytes)
		return dl_error_set(err, "%s: out of memory", what);
	if (store_prepare(s, "SELECT pixels FROM digits WHERE run_id = ?1 AND split = ?2 "
			  "AND idx = ?3", &st, what, err) != DL_OK) {
		free(bytes);
		return DL_ERR;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (inflate_exact(sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0), bytes,
				  size) != DL_OK) {
			ok = damaged(s, id, split, "digits", err);
		} else {
			for (size_t i = 0; i < size; i++)
				pixels[i] = bytes[i] / 255.0f;
			*found = 1;
		}
	} else if (rc != SQLITE_DONE) {
		ok = store_fail(s, what, err);
	}
	sqlite3_finalize(st);
	free(bytes);
	return ok;
}

int store_get_digits(struct store *s, int64_t id, const char *split, int h, int w,
		     int **index, float **pixels, int *n, struct dl_error *err)
{
	const char *what = "cannot read the digits";
	size_t size = (size_t)h * (size_t)w;
	int rows = 0, k = 0, rc = SQLITE_DONE, ok = DL_OK;
	uint8_t *bytes = NULL;
	sqlite3_stmt *st;

	*index = NULL;
	*pixels = NULL;
	*n = 0;
	if (h < 1 || w < 1 || h > MAX_SIDE || w > MAX_SIDE)
		return dl_error_set(err, "%s: %dx%d pixels", what, h, w);
	if (store_prepare(s, "SELECT count(*) FROM digits WHERE run_id = ?1 AND split = ?2", &st,
			  what, err) != DL_OK)
		return DL_ERR;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		rows = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rows == 0)
		return DL_OK;
	*index = malloc(sizeof **index * (size_t)rows);
	*pixels = malloc(sizeof **pixels * size * (size_t)rows);
	bytes = malloc(size);
	if (!*index || !*pixels || !bytes) {
		ok = dl_error_set(err, "%s: out of memory for %d digits", what, rows);
		goto out;
	}
	if (store_prepare(s, "SELECT idx, pixels FROM digits WHERE run_id = ?1 AND split = ?2 "
			  "ORDER BY idx", &st, what, err) != DL_OK) {
		ok = DL_ERR;
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, split, -1, SQLITE_TRANSIENT);
	while (k < rows && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (inflate_exact(sqlite3_column_blob(st, 1), sqlite3_column_bytes(st, 1), bytes,
				  size) != DL_OK) {
			ok = damaged(s, id, split, "digits", err);
			break;
		}
		(*index)[k] = sqlite3_column_int(st, 0);
		for (size_t i = 0; i < size; i++)
			(*pixels)[(size_t)k * size + i] = bytes[i] / 255.0f;
		k++;
	}
	if (ok == DL_OK && k < rows && rc != SQLITE_DONE)
		ok = store_fail(s, what, err);
	sqlite3_finalize(st);
out:
	free(bytes);
	if (ok != DL_OK) {
		free(*index);
		free(*pixels);
		*index = NULL;
		*pixels = NULL;
		return DL_ERR;
	}
	*n = k;
	return DL_OK;
}

/* ---- what the answers say ---- */

void store_answers_confusion(const struct store_sample_set *set, const uint8_t *predicted,
			     int *counts)
{
	int K = set->n_classes;

	memset(counts, 0, sizeof *counts * (size_t)K * K);
	for (int i = 0; i < set->n; i++)
		counts[set->labels[i] * K + predicted[i]]++;
}

void store_answers_flips(const struct store_sample_set *set, const uint8_t *before,
			 const uint8_t *after, int *broken, int *n_broken, int *fixed,
			 int *n_fixed)
{
	int nb = 0, nf = 0;

	for (int i = 0; i < set->n; i++) {
		int was = before[i] == set->labels[i], is = after[i] == set->labels[i];

		if (was && !is) {
			if (broken)
				broken[nb] = i;
			nb++;
		} else if (!was && is) {
			if (fixed)
				fixed[nf] = i;
			nf++;
		}
	}
	*n_broken = nb;
	*n_fixed = nf;
}

void store_answer_changes(const struct store_answer_history *h, int *changes)
{
	const uint8_t *last = NULL;

	memset(changes, 0, sizeof *changes * (size_t)h->n);
	for (int e = 0; e < h->n_epochs; e++) {
		const uint8_t *row = h->predicted + (size_t)e * h->n;

		if (h->epochs[e] < 1)
			continue;
		if (last)
			for (int i = 0; i < h->n; i++)
				changes[i] += row[i] != last[i];
		last = row;
	}
}

int store_unstable_samples(const struct store_answer_history *h, int *order)
{
	int *changes = malloc(sizeof *changes * (size_t)(h->n ? h->n : 1)), k = 0, top = 0;

	if (!changes)
		return 0;
	store_answer_changes(h, changes);
	for (int i = 0; i < h->n; i++)
		top = changes[i] > top ? changes[i] : top;
	/* a counting pass per change count: the order is stable by index */
	for (int c = top; c >= 1; c--)
		for (int i = 0; i < h->n; i++)
			if (changes[i] == c)
				order[k++] = i;
	free(changes);
	return k;
}
